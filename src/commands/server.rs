//! Server commands: FLUSHALL, FLUSHDB, DBSIZE, TIME, LASTSAVE, SHUTDOWN, DEBUG.

use super::args::{self, is};
use super::docs::{oneof, pure_token, Arg};
use super::{cmd, Command, Ctx, ADMIN, FAST, LOADING, NOSCRIPT, NO_KEYS, READONLY, STALE, WRITE};
use super::{ALL_SHARDS_AGG_SUM, ALL_SHARDS_ALL_SUCCEEDED, NONDETERMINISTIC};
use crate::errors;
use crate::server::ShutdownRequest;
use crate::store::digest;

const G: &str = "server";
const KD: &[&str] = &["keyspace", "dangerous"];
const NONE: &[&str] = &[];

#[rustfmt::skip]
pub static COMMANDS: &[Command] = &[
    Command { tips: ALL_SHARDS_ALL_SUCCEEDED, complexity: "O(N) where N is the total number of keys in all databases", history: FLUSHALL_HISTORY, args: FLUSHALL_ARGS, ..cmd("flushall", -1, WRITE, NO_KEYS, KD, G, "Remove all keys from all databases", "1.0.0", flushall) },
    Command { tips: ALL_SHARDS_ALL_SUCCEEDED, complexity: "O(N) where N is the number of keys in the selected database", history: FLUSHDB_HISTORY, args: FLUSHDB_ARGS, ..cmd("flushdb", -1, WRITE, NO_KEYS, KD, G, "Remove all keys from the current database", "1.0.0", flushdb) },
    Command { tips: ALL_SHARDS_AGG_SUM, complexity: "O(1)", ..cmd("dbsize", 1, READONLY | FAST, NO_KEYS, &["keyspace"], G, "Return the number of keys in the selected database", "1.0.0", dbsize) },
    Command { tips: NONDETERMINISTIC, complexity: "O(1)", ..cmd("time", 1, LOADING | STALE | FAST, NO_KEYS, NONE, G, "Return the current server time", "2.6.0", time) },
    Command { tips: NONDETERMINISTIC, complexity: "O(1)", ..cmd("lastsave", 1, LOADING | STALE | FAST, NO_KEYS, &["admin", "dangerous"], G, "Get the UNIX time stamp of the last successful save to disk", "1.0.0", lastsave) },
    Command { complexity: "O(N) when saving, where N is the total number of keys in all databases when saving data, otherwise O(1)", history: &[("7.0.0", "Added the `NOW`, `FORCE` and `ABORT` modifiers.")], args: SHUTDOWN_ARGS, ..cmd("shutdown", -1, ADMIN | NOSCRIPT | LOADING | STALE | super::NO_MULTI | super::SENTINEL | super::ALLOW_BUSY, NO_KEYS, NONE, G, "Synchronously save the dataset to disk and then shut down the server", "1.0.0", shutdown) },
    Command { complexity: "Depends on subcommand.", doc_flags: &["syscmd"], ..cmd("debug", -2, ADMIN | NOSCRIPT | LOADING | STALE | super::PROTECTED, NO_KEYS, NONE, G, "A container for debugging commands", "1.0.0", debug) },
];

// `COMMAND DOCS` arguments and history of the commands above (Redis 7.0).

static FLUSHALL_HISTORY: &[(&str, &str)] =
    &[("4.0.0", "Added the `ASYNC` flushing mode modifier."), ("6.2.0", "Added the `SYNC` flushing mode modifier.")];

static FLUSHALL_ARGS: &[Arg] =
    &[oneof("async", &[pure_token("async", "ASYNC").since("4.0.0"), pure_token("sync", "SYNC").since("6.2.0")])
        .optional()];

static FLUSHDB_HISTORY: &[(&str, &str)] =
    &[("4.0.0", "Added the `ASYNC` flushing mode modifier."), ("6.2.0", "Added the `SYNC` flushing mode modifier.")];

static FLUSHDB_ARGS: &[Arg] =
    &[oneof("async", &[pure_token("async", "ASYNC").since("4.0.0"), pure_token("sync", "SYNC").since("6.2.0")])
        .optional()];

static SHUTDOWN_ARGS: &[Arg] = &[
    oneof("nosave_save", &[pure_token("nosave", "NOSAVE"), pure_token("save", "SAVE")]).optional(),
    pure_token("now", "NOW").since("7.0.0").optional(),
    pure_token("force", "FORCE").since("7.0.0").optional(),
    pure_token("abort", "ABORT").since("7.0.0").optional(),
];

/// `[ASYNC|SYNC]` of FLUSHALL/FLUSHDB: whether to free on the lazyfree
/// thread (without an argument, as `lazyfree-lazy-user-flush` says).
fn flush_mode(ctx: &mut Ctx, argv: &[&[u8]]) -> Option<bool> {
    match argv.len() {
        1 => Some(ctx.srv.config.bool(crate::config::D::LazyfreeLazyUserFlush)),
        2 if is(argv[1], "async") => Some(true),
        2 if is(argv[1], "sync") => Some(false),
        _ => {
            ctx.reply().error(errors::SYNTAX);
            None
        }
    }
}

fn flushall(ctx: &mut Ctx, argv: &[&[u8]]) {
    let Some(lazy) = flush_mode(ctx, argv) else { return };
    let n = ctx.srv.ks.flush_all(lazy);
    ctx.srv.ks.dirty += n as u64 + 1;
    crate::persistence::after_flushall(ctx.srv);
    ctx.reply().ok();
}

fn flushdb(ctx: &mut Ctx, argv: &[&[u8]]) {
    let Some(lazy) = flush_mode(ctx, argv) else { return };
    let db = ctx.db();
    ctx.srv.ks.evict.clear_pool();
    let n = ctx.srv.ks.flush_db(db, lazy);
    ctx.srv.ks.dirty += n as u64 + 1;
    ctx.reply().ok();
}

fn dbsize(ctx: &mut Ctx, _argv: &[&[u8]]) {
    let db = ctx.db();
    let n = ctx.srv.ks.dbs[db].len();
    ctx.reply().int(n as i64);
}

fn time(ctx: &mut Ctx, _argv: &[&[u8]]) {
    let us = crate::util::unix_us();
    let r = ctx.reply();
    r.array_len(2);
    r.bulk((us / 1_000_000).to_string().as_bytes());
    r.bulk((us % 1_000_000).to_string().as_bytes());
}

fn lastsave(ctx: &mut Ctx, _argv: &[&[u8]]) {
    let t = ctx.srv.lastsave;
    ctx.reply().int(t);
}

fn shutdown(ctx: &mut Ctx, argv: &[&[u8]]) {
    let mut req = ShutdownRequest::default();
    let mut abort = false;
    for a in &argv[1..] {
        if is(a, "nosave") {
            req.nosave = true;
        } else if is(a, "save") {
            req.save = true;
        } else if is(a, "now") {
        } else if is(a, "force") {
            req.force = true;
        } else if is(a, "abort") {
            abort = true;
        } else {
            return ctx.reply().error(errors::SYNTAX);
        }
    }
    if req.save && req.nosave {
        return ctx.reply().error(errors::SYNTAX);
    }
    if abort {
        if argv.len() != 2 {
            return ctx.reply().error(errors::SYNTAX);
        }
        // A shutdown a signal asked for, not started yet (DEBUG PAUSE-CRON).
        if ctx.srv.shutdown.is_some_and(|r| !r.prepared) {
            ctx.srv.shutdown = None;
            tracing::warn!("Shutdown manually aborted.");
            return ctx.reply().ok();
        }
        return ctx.reply().error("ERR No shutdown in progress.");
    }
    if !req.nosave && ctx.srv.scripting.is_busy() {
        // A running script has changed the data halfway: only NOSAVE may stop.
        let run_eval = ctx.srv.scripting.run.as_ref().is_some_and(|r| r.is_eval);
        let busy = if run_eval { crate::scripting::BUSY_EVAL } else { crate::scripting::BUSY_FUNCTION };
        return ctx.reply().error(busy);
    }
    if let Err(e) = crate::persistence::prepare_shutdown(ctx.srv, req.save, req.nosave, req.force) {
        return ctx.reply().error(&e);
    }
    req.prepared = true;
    ctx.srv.shutdown = Some(req);
    // Like Redis, no reply on success: the connection closes as the server exits.
    ctx.client.close_asap = true;
}

fn debug(ctx: &mut Ctx, argv: &[&[u8]]) {
    let sub = String::from_utf8_lossy(argv[1]).to_lowercase();
    match (sub.as_str(), argv.len()) {
        ("sleep", 3) => {
            let secs = args::float(argv[2]).unwrap_or(0.0).max(0.0);
            std::thread::sleep(std::time::Duration::from_secs_f64(secs));
            ctx.reply().ok();
        }
        ("set-active-expire", 3) => {
            ctx.srv.ks.active_expire_enabled = argv[2] != b"0";
            ctx.reply().ok();
        }
        ("set-skip-checksum-validation", 3) => {
            ctx.srv.persist.skip_checksum = argv[2] != b"0";
            ctx.reply().ok();
        }
        ("aof-flush-sleep", 3) => {
            let Ok(us) = args::int(argv[2]) else { return ctx.reply().error(errors::NOT_INTEGER) };
            ctx.srv.persist.aof.flush_sleep_us = us.max(0) as u64;
            ctx.reply().ok();
        }
        ("log", 3) => {
            tracing::warn!("DEBUG LOG: {}", String::from_utf8_lossy(argv[2]));
            ctx.reply().ok();
        }
        ("pause-cron", 3) => {
            ctx.srv.cron_paused = argv[2] != b"0";
            ctx.reply().ok()
        }
        ("jmap", _)
        | ("quicklist-packed-threshold", 3)
        | ("set-disable-deny-scripts", 3)
        | ("replybuffer", _)
        | ("change-repl-id", 2) => ctx.reply().ok(),
        ("digest", 2) => {
            let d = digest::dataset(&ctx.srv.ks);
            ctx.reply().simple(&digest::hex(&d))
        }
        ("digest-value", _) => {
            let db = ctx.db();
            let hexes: Vec<String> =
                argv[2..].iter().map(|k| digest::hex(&digest::value(&ctx.srv.ks, db, k))).collect();
            let r = ctx.reply();
            r.array_len(hexes.len());
            for h in &hexes {
                r.simple(h);
            }
        }
        ("reload", _) => {
            let mut save = true;
            let mut flush = true;
            for a in &argv[2..] {
                if is(a, "merge") {
                    flush = false;
                } else if is(a, "nosave") {
                    save = false;
                } else if is(a, "noflush") {
                    flush = false;
                } else {
                    return ctx.reply().error("ERR DEBUG RELOAD only supports the MERGE, NOFLUSH and NOSAVE options.");
                }
            }
            match crate::persistence::debug_reload(ctx.srv, save, flush) {
                Ok(()) => ctx.reply().ok(),
                Err(e) => ctx.reply().error(&e),
            }
        }
        ("loadaof", 2) => match crate::persistence::aof::debug_loadaof(ctx.srv) {
            Ok(()) => ctx.reply().ok(),
            Err(e) => ctx.reply().error(&e),
        },
        ("object", 3) => {
            let db = ctx.db();
            let now = ctx.srv.ks.now_ms;
            let opt = crate::persistence::encode_options(&ctx.srv.config);
            match ctx.srv.ks.lookup_quiet(db, argv[2]) {
                None => ctx.reply().error(errors::NO_SUCH_KEY),
                Some(o) => {
                    let mut ser = Vec::new();
                    crate::persistence::rdb::put_value(&mut ser, &o.value, opt);
                    let s = format!(
                        "Value at:0x0 refcount:1 encoding:{} serializedlength:{} lru:{} lru_seconds_idle:{}",
                        o.value.encoding(),
                        ser.len(),
                        o.lru,
                        crate::store::value::idle_seconds(o.lru, now)
                    );
                    ctx.reply().simple(&s);
                }
            }
        }
        ("populate", 3..=5) => {
            let Ok(count) = args::int(argv[2]) else { return ctx.reply().error(errors::NOT_INTEGER) };
            let prefix = argv.get(3).copied().unwrap_or(b"key");
            let size = match argv.get(4) {
                Some(s) => match args::int(s) {
                    Ok(n) if n >= 0 => Some(n as usize),
                    _ => return ctx.reply().error(errors::NOT_INTEGER),
                },
                None => None,
            };
            let db = ctx.db();
            for i in 0..count.max(0) {
                let key = [prefix, b":", i.to_string().as_bytes()].concat();
                if ctx.srv.ks.exists(db, &key) {
                    continue;
                }
                let mut val = format!("value:{}", i).into_bytes();
                if let Some(sz) = size {
                    val.resize(sz, 0);
                }
                ctx.srv.ks.set(db, &key, crate::store::Value::str(&val), false);
            }
            ctx.reply().ok();
        }
        ("stringmatch-len", _) => ctx.reply().int(0),
        ("protocol", 3) => debug_protocol(ctx, argv[2]),
        ("mallctl", 3) => match crate::alloc::mallctl_read(&String::from_utf8_lossy(argv[2])) {
            Some(v) => ctx.reply().int(v as i64),
            None => ctx.reply().error("ERR mallctl failed"),
        },
        ("mallctl-str", 3) => match crate::alloc::mallctl_read_str(&String::from_utf8_lossy(argv[2])) {
            Some(v) => ctx.reply().bulk(v.as_bytes()),
            None => ctx.reply().error("ERR mallctl failed"),
        },
        // `DEBUG MALLCTL-STR <name> VOID` runs a mallctl that takes no value
        // (thread.tcache.flush, arena.<i>.purge).
        ("mallctl-str", 4) if is(argv[3], "void") => {
            if crate::alloc::mallctl_void(&String::from_utf8_lossy(argv[2])) {
                ctx.reply().ok()
            } else {
                ctx.reply().error("ERR mallctl failed")
            }
        }
        ("help", _) => super::introspection::help_reply(
            ctx,
            "DEBUG",
            &[
                "SLEEP <seconds>",
                "    Stop the server for <seconds>. Decimals allowed.",
                "LOG <message>",
                "    Write <message> to the server log.",
                "OBJECT <key>",
                "    Show low level info about the key and associated value.",
                "RELOAD [MERGE] [NOFLUSH] [NOSAVE]",
                "    Save the RDB on disk and reload it back to memory.",
                "LOADAOF",
                "    Flush the AOF buffers on disk and reload the AOF in memory.",
                "POPULATE <count> [<prefix>] [<size>]",
                "    Create <count> string keys named key:<num>.",
                "MALLCTL <key>",
                "    Get a numeric jemalloc setting or statistic.",
                "MALLCTL-STR <key> [VOID]",
                "    Get a string jemalloc setting, or run a jemalloc control that takes no value.",
                "SET-ACTIVE-EXPIRE <0|1>",
                "    Setting it to 0 disables expiring keys in background when they are not accessed.",
                "PROTOCOL <type>",
                "    Reply with a test value of the specified type.",
            ],
        ),
        _ => ctx.reply().error(&format!(
            "ERR unknown subcommand or wrong number of arguments for '{}'. Try DEBUG HELP.",
            String::from_utf8_lossy(argv[1])
        )),
    }
}

/// DEBUG PROTOCOL <type>: a sample value of each RESP type.
#[allow(clippy::approx_constant)] // 3.141 is the value Redis sends, not an approximation of pi
fn debug_protocol(ctx: &mut Ctx, kind: &[u8]) {
    let k = String::from_utf8_lossy(kind).to_lowercase();
    let r = ctx.reply();
    match k.as_str() {
        "string" => r.bulk(b"Hello World"),
        "integer" => r.int(12345),
        "double" => r.double(3.141),
        "bignum" => {
            if r.resp3 {
                r.encoded(b"(1234567999999999999999999999999999999\r\n");
            } else {
                r.bulk(b"1234567999999999999999999999999999999");
            }
        }
        "null" => r.null(),
        "array" => {
            r.array_len(3);
            for i in 0..3 {
                r.int(i);
            }
        }
        "set" => {
            r.set_len(3);
            for i in 0..3 {
                r.int(i);
            }
        }
        "map" => {
            r.map_len(3);
            for i in 0..3 {
                r.int(i);
                r.bool(i == 1);
            }
        }
        "attrib" => {
            if r.resp3 {
                r.encoded(b"|1\r\n$14\r\nkey-popularity\r\n*2\r\n$7\r\nkey:123\r\n:90\r\n");
            }
            r.bulk(b"Some real reply following the attribute");
        }
        "push" => {
            if !r.resp3 {
                return r.error("ERR RESP2 is not supported by this command");
            }
            r.push_len(2);
            r.bulk(b"server-cpu-usage");
            r.int(42);
            r.bulk(b"Some real reply following the push reply");
        }
        "true" => r.bool(true),
        "false" => r.bool(false),
        "verbatim" => r.verbatim(b"This is a verbatim\nstring"),
        _ => r.error("ERR Wrong protocol type name. Please use one of the following: string|integer|double|bignum|null|array|set|map|attrib|push|verbatim|true|false"),
    }
}
