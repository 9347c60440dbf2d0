//! Generic keyspace commands: DEL, EXISTS, TYPE, KEYS, SCAN, RENAME, EXPIRE
//! and friends, SELECT-independent database operations (MOVE, COPY, SWAPDB).

use super::args::{self, is};
use super::docs::{integer, key, oneof, pattern, pure_token, string, unix_time, Arg};
use super::{
    cmd, container, one_key_spec, Command, Ctx, KeySpec, Keys, ALL_KEYS, FAST, NO_KEYS, ONE_KEY, READONLY, WRITE,
};
use super::{KEY_ACCESS_UPDATE, KEY_OVERWRITE, KEY_OW_INSERT, KEY_POP, KEY_READ, KEY_REMOVE, KEY_RO};
use super::{MULTI_SHARD_AGG_SUM, NONDETERMINISTIC};
use crate::errors;
use crate::store::events::GENERIC;
use crate::store::Value;
use crate::util::glob_match;

const K: &[&str] = &["keyspace"];
const G: &str = "generic";
const TWO_KEYS: Keys = Keys { first: 1, last: 2, step: 1 };
static COPY_SPECS: &[KeySpec] = &[one_key_spec(1, KEY_READ), one_key_spec(2, KEY_OVERWRITE)];
static RENAME_SPECS: &[KeySpec] = &[one_key_spec(1, KEY_POP), one_key_spec(2, KEY_OVERWRITE)];
static RENAMENX_SPECS: &[KeySpec] = &[one_key_spec(1, KEY_POP), one_key_spec(2, KEY_OW_INSERT)];

#[rustfmt::skip]
pub static COMMANDS: &[Command] = &[
    Command { key_flags: KEY_REMOVE, tips: MULTI_SHARD_AGG_SUM, complexity: "O(N) where N is the number of keys that will be removed. When a key to remove holds a value other than a string, the individual complexity for this key is O(M) where M is the number of elements in the list, set, sorted set or hash. Removing a single key that holds a string value is O(1).", args: &[key("key", 0).multiple()], ..cmd("del", -2, WRITE, ALL_KEYS, K, G, "Delete a key", "1.0.0", del) },
    Command { key_flags: KEY_REMOVE, tips: MULTI_SHARD_AGG_SUM, complexity: "O(1) for each key removed regardless of its size. Then the command does O(N) work in a different thread in order to reclaim memory, where N is the number of allocations the deleted objects where composed of.", args: &[key("key", 0).multiple()], ..cmd("unlink", -2, WRITE | FAST, ALL_KEYS, K, G, "Delete a key asynchronously in another thread. Otherwise it is just as DEL, but non blocking.", "4.0.0", unlink) },
    Command { key_flags: KEY_RO, tips: MULTI_SHARD_AGG_SUM, complexity: "O(N) where N is the number of keys to check.", history: &[("3.0.3", "Accepts multiple `key` arguments.")], args: &[key("key", 0).multiple()], ..cmd("exists", -2, READONLY | FAST, ALL_KEYS, K, G, "Determine if a key exists", "1.0.0", exists) },
    Command { key_flags: KEY_RO, complexity: "O(1)", args: &[key("key", 0)], ..cmd("type", 2, READONLY | FAST, ONE_KEY, K, G, "Determine the type stored at key", "1.0.0", type_) },
    Command { tips: &["request_policy:all_shards", "nondeterministic_output_order"], complexity: "O(N) with N being the number of keys in the database, under the assumption that the key names in the database and the given pattern have limited length.", args: &[pattern("pattern")], ..cmd("keys", 2, READONLY, NO_KEYS, &["keyspace", "dangerous"], G, "Find all keys matching the given pattern", "1.0.0", keys) },
    Command { tips: &["nondeterministic_output", "request_policy:special"], complexity: "O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection.", history: &[("6.0.0", "Added the `TYPE` subcommand.")], args: SCAN_ARGS, ..cmd("scan", -2, READONLY, NO_KEYS, K, G, "Incrementally iterate the keys space", "2.8.0", scan) },
    Command { tips: &["request_policy:all_shards", "nondeterministic_output"], complexity: "O(1)", ..cmd("randomkey", 1, READONLY, NO_KEYS, K, G, "Return a random key from the keyspace", "1.0.0", randomkey) },
    Command { key_specs: RENAME_SPECS, complexity: "O(1)", args: &[key("key", 0), key("newkey", 1)], ..cmd("rename", 3, WRITE, TWO_KEYS, K, G, "Rename a key", "1.0.0", rename) },
    Command { key_specs: RENAMENX_SPECS, complexity: "O(1)", history: RENAMENX_HISTORY, args: &[key("key", 0), key("newkey", 1)], ..cmd("renamenx", 3, WRITE | FAST, TWO_KEYS, K, G, "Rename a key, only if the new key does not exist", "1.0.0", renamenx) },
    Command { key_flags: KEY_RO, tips: MULTI_SHARD_AGG_SUM, complexity: "O(N) where N is the number of keys that will be touched.", args: &[key("key", 0).multiple()], ..cmd("touch", -2, READONLY | FAST, ALL_KEYS, K, G, "Alters the last access time of a key(s). Returns the number of existing keys specified.", "3.2.1", touch) },
    Command { key_flags: KEY_ACCESS_UPDATE, complexity: "O(1)", args: &[key("key", 0), integer("db")], ..cmd("move", 3, WRITE | FAST, ONE_KEY, K, G, "Move a key to another database", "1.0.0", move_) },
    Command { key_specs: COPY_SPECS, complexity: "O(N) worst case for collections, where N is the number of nested items. O(1) for string values.", args: COPY_ARGS, ..cmd("copy", -3, WRITE | super::DENYOOM, TWO_KEYS, K, G, "Copy a key", "6.2.0", copy) },
    Command { complexity: "O(N) where N is the count of clients watching or blocking on keys from both databases.", args: &[integer("index1"), integer("index2")], ..cmd("swapdb", 3, WRITE | FAST, NO_KEYS, &["keyspace", "dangerous"], "server", "Swaps two Redis databases", "4.0.0", swapdb) },
    Command { complexity: "O(1)", history: &[("7.0.0", "Added options: `NX`, `XX`, `GT` and `LT`.")], args: EXPIRE_ARGS, ..cmd("expire", -3, WRITE | FAST, ONE_KEY, K, G, "Set a key's time to live in seconds", "1.0.0", expire) },
    Command { complexity: "O(1)", history: &[("7.0.0", "Added options: `NX`, `XX`, `GT` and `LT`.")], args: PEXPIRE_ARGS, ..cmd("pexpire", -3, WRITE | FAST, ONE_KEY, K, G, "Set a key's time to live in milliseconds", "2.6.0", pexpire) },
    Command { complexity: "O(1)", history: &[("7.0.0", "Added options: `NX`, `XX`, `GT` and `LT`.")], args: EXPIREAT_ARGS, ..cmd("expireat", -3, WRITE | FAST, ONE_KEY, K, G, "Set the expiration for a key as a UNIX timestamp", "1.2.0", expireat) },
    Command { complexity: "O(1)", history: &[("7.0.0", "Added options: `NX`, `XX`, `GT` and `LT`.")], args: PEXPIREAT_ARGS, ..cmd("pexpireat", -3, WRITE | FAST, ONE_KEY, K, G, "Set the expiration for a key as a UNIX timestamp specified in milliseconds", "2.6.0", pexpireat) },
    Command { tips: NONDETERMINISTIC, complexity: "O(1)", history: &[("2.8.0", "Added the -2 reply.")], args: &[key("key", 0)], ..cmd("ttl", 2, READONLY | FAST, ONE_KEY, K, G, "Get the time to live for a key in seconds", "1.0.0", ttl) },
    Command { tips: NONDETERMINISTIC, complexity: "O(1)", history: &[("2.8.0", "Added the -2 reply.")], args: &[key("key", 0)], ..cmd("pttl", 2, READONLY | FAST, ONE_KEY, K, G, "Get the time to live for a key in milliseconds", "2.6.0", pttl) },
    Command { complexity: "O(1)", args: &[key("key", 0)], ..cmd("expiretime", 2, READONLY | FAST, ONE_KEY, K, G, "Get the expiration Unix timestamp for a key", "7.0.0", expiretime) },
    Command { complexity: "O(1)", args: &[key("key", 0)], ..cmd("pexpiretime", 2, READONLY | FAST, ONE_KEY, K, G, "Get the expiration Unix timestamp for a key in milliseconds", "7.0.0", pexpiretime) },
    Command { complexity: "O(1)", args: &[key("key", 0)], ..cmd("persist", 2, WRITE | FAST, ONE_KEY, K, G, "Remove the expiration from a key", "2.2.0", persist) },
    Command { complexity: "Depends on subcommand.", ..container("object", G, "A container for object introspection commands", "2.2.3", OBJECT_SUBCOMMANDS) },
];

#[rustfmt::skip]
static OBJECT_SUBCOMMANDS: &[Command] = &[
    Command { key_flags: KEY_RO, tips: NONDETERMINISTIC, complexity: "O(1)", args: &[key("key", 0)], ..cmd("encoding", 3, READONLY, Keys { first: 2, last: 2, step: 1 }, K, G, "Inspect the internal encoding of a Redis object", "2.2.3", object_encoding) },
    Command { key_flags: KEY_RO, tips: NONDETERMINISTIC, complexity: "O(1)", args: &[key("key", 0)], ..cmd("refcount", 3, READONLY, Keys { first: 2, last: 2, step: 1 }, K, G, "Get the number of references to the value of the key", "2.2.3", object_refcount) },
    Command { key_flags: KEY_RO, tips: NONDETERMINISTIC, complexity: "O(1)", args: &[key("key", 0)], ..cmd("idletime", 3, READONLY, Keys { first: 2, last: 2, step: 1 }, K, G, "Get the time since a Redis object was last accessed", "2.2.3", object_idletime) },
    Command { key_flags: KEY_RO, tips: NONDETERMINISTIC, complexity: "O(1)", args: &[key("key", 0)], ..cmd("freq", 3, READONLY, Keys { first: 2, last: 2, step: 1 }, K, G, "Get the logarithmic access frequency counter of a Redis object", "4.0.0", object_freq) },
    Command { complexity: "O(1)", ..cmd("help", 2, super::LOADING | super::STALE, NO_KEYS, K, G, "Show helpful text about the different subcommands", "6.2.0", object_help) },
];

// `COMMAND DOCS` arguments and history of the commands above (Redis 7.0).

static SCAN_ARGS: &[Arg] = &[
    integer("cursor"),
    pattern("pattern").token("MATCH").optional(),
    integer("count").token("COUNT").optional(),
    string("type").token("TYPE").since("6.0.0").optional(),
];

static RENAMENX_HISTORY: &[(&str, &str)] =
    &[("3.2.0", "The command no longer returns an error when source and destination names are the same.")];

static COPY_ARGS: &[Arg] = &[
    key("source", 0),
    key("destination", 1),
    integer("destination-db").token("DB").optional(),
    pure_token("replace", "REPLACE").optional(),
];

static EXPIRE_ARGS: &[Arg] = &[
    key("key", 0),
    integer("seconds"),
    oneof(
        "condition",
        &[pure_token("nx", "NX"), pure_token("xx", "XX"), pure_token("gt", "GT"), pure_token("lt", "LT")],
    )
    .since("7.0.0")
    .optional(),
];

static PEXPIRE_ARGS: &[Arg] = &[
    key("key", 0),
    integer("milliseconds"),
    oneof(
        "condition",
        &[pure_token("nx", "NX"), pure_token("xx", "XX"), pure_token("gt", "GT"), pure_token("lt", "LT")],
    )
    .since("7.0.0")
    .optional(),
];

static EXPIREAT_ARGS: &[Arg] = &[
    key("key", 0),
    unix_time("unix-time-seconds"),
    oneof(
        "condition",
        &[pure_token("nx", "NX"), pure_token("xx", "XX"), pure_token("gt", "GT"), pure_token("lt", "LT")],
    )
    .since("7.0.0")
    .optional(),
];

static PEXPIREAT_ARGS: &[Arg] = &[
    key("key", 0),
    unix_time("unix-time-milliseconds"),
    oneof(
        "condition",
        &[pure_token("nx", "NX"), pure_token("xx", "XX"), pure_token("gt", "GT"), pure_token("lt", "LT")],
    )
    .since("7.0.0")
    .optional(),
];

fn del(ctx: &mut Ctx, argv: &[&[u8]]) {
    let lazy = ctx.srv.ks.lazy.user_del;
    del_generic(ctx, argv, lazy);
}

/// UNLINK: DEL that frees big values on the lazyfree thread.
fn unlink(ctx: &mut Ctx, argv: &[&[u8]]) {
    del_generic(ctx, argv, true);
}

fn del_generic(ctx: &mut Ctx, argv: &[&[u8]], lazy: bool) {
    let db = ctx.db();
    let mut n = 0;
    for k in &argv[1..] {
        if ctx.srv.ks.delete_with(db, k, lazy) {
            n += 1;
            ctx.notify(GENERIC, "del", k);
        }
    }
    ctx.srv.ks.dirty += n as u64;
    ctx.reply().int(n);
}

fn exists(ctx: &mut Ctx, argv: &[&[u8]]) {
    let db = ctx.db();
    let mut n = 0;
    for k in &argv[1..] {
        if ctx.srv.ks.exists(db, k) {
            n += 1;
        } else {
            ctx.srv.ks.note_miss(db, k);
        }
    }
    ctx.reply().int(n as i64);
}

fn touch(ctx: &mut Ctx, argv: &[&[u8]]) {
    let db = ctx.db();
    // TOUCH updates the access clock even for a CLIENT NO-TOUCH client.
    ctx.srv.ks.touch = true;
    let mut n = 0;
    for k in &argv[1..] {
        if ctx.srv.ks.lookup_write(db, k).is_some() {
            n += 1;
        } else {
            ctx.srv.ks.note_miss(db, k);
        }
    }
    ctx.reply().int(n as i64);
}

fn type_(ctx: &mut Ctx, argv: &[&[u8]]) {
    let db = ctx.db();
    let t = ctx.srv.ks.lookup_quiet(db, argv[1]).map(|o| o.value.type_name());
    if t.is_none() {
        ctx.srv.ks.note_miss(db, argv[1]);
    }
    ctx.reply().simple(t.unwrap_or("none"));
}

fn keys(ctx: &mut Ctx, argv: &[&[u8]]) {
    let db = ctx.db();
    let pat = argv[1];
    let all = pat == b"*";
    let now = ctx.srv.ks.now_ms;
    let d = &ctx.srv.ks.dbs[db];
    let found: Vec<&[u8]> = d
        .dict
        .iter()
        .filter(|e| all || glob_match(pat, &e.key, false))
        .filter(|e| !matches!(d.expires.get(&e.key), Some(&t) if t < now))
        .map(|e| &*e.key)
        .collect();
    let r = &mut ctx.client.reply;
    r.array_len(found.len());
    for k in found {
        r.bulk(k);
        // Past the output buffer hard limit the client is closed unanswered.
        if r.over_limit() {
            break;
        }
    }
}

/// SCAN's options, shared with HSCAN/SSCAN/ZSCAN later.
pub struct ScanOpts<'a> {
    pub cursor: u64,
    pub pattern: Option<&'a [u8]>,
    pub count: usize,
    pub type_: Option<&'a [u8]>,
}

/// Parses `cursor [MATCH p] [COUNT n] [TYPE t]`; `allow_type` only for SCAN.
pub fn parse_scan<'a>(argv: &[&'a [u8]], allow_type: bool) -> Result<ScanOpts<'a>, &'static str> {
    let cursor = parse_cursor(argv[0]).ok_or(errors::INVALID_CURSOR)?;
    let mut o = ScanOpts { cursor, pattern: None, count: 10, type_: None };
    let mut i = 1;
    while i < argv.len() {
        let a = argv[i];
        let Some(v) = argv.get(i + 1) else { return Err(errors::SYNTAX) };
        if is(a, "count") {
            let n = args::int(v)?;
            if n < 1 {
                return Err(errors::SYNTAX);
            }
            o.count = n as usize;
        } else if is(a, "match") {
            o.pattern = if *v == b"*" { None } else { Some(v) };
        } else if is(a, "type") && allow_type {
            o.type_ = Some(v);
        } else {
            return Err(errors::SYNTAX);
        }
        i += 2;
    }
    Ok(o)
}

/// A cursor as Redis reads it with `strtoul`: decimal digits after an optional
/// sign, a minus sign negating modulo 2^64 (so `-1` is the largest cursor), and
/// an empty string meaning 0. Leading spaces, trailing bytes and overflow are
/// errors.
fn parse_cursor(b: &[u8]) -> Option<u64> {
    if b.is_empty() {
        return Some(0);
    }
    let (negative, digits) = match b[0] {
        b'-' => (true, &b[1..]),
        b'+' => (false, &b[1..]),
        _ => (false, b),
    };
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let mut n: u64 = 0;
    for &d in digits {
        n = n.checked_mul(10)?.checked_add((d - b'0') as u64)?;
    }
    Some(if negative { n.wrapping_neg() } else { n })
}

fn scan(ctx: &mut Ctx, argv: &[&[u8]]) {
    let o = match parse_scan(&argv[1..], true) {
        Ok(o) => o,
        Err(e) => return ctx.reply().error(e),
    };
    let db = ctx.db();
    let d = &ctx.srv.ks.dbs[db];
    let mut keys: Vec<Vec<u8>> = Vec::new();
    let mut cursor = o.cursor;
    // Redis bounds the work per call to 10*COUNT bucket visits.
    let mut visits = o.count * 10;
    loop {
        cursor = d.dict.scan(cursor, |e| {
            let type_ok = o.type_.is_none_or(|t| t.eq_ignore_ascii_case(e.value.value.type_name().as_bytes()));
            if type_ok && o.pattern.is_none_or(|p| glob_match(p, &e.key, false)) {
                keys.push(e.key.to_vec());
            }
        });
        visits -= 1;
        if cursor == 0 || keys.len() >= o.count || visits == 0 {
            break;
        }
    }
    // Expired keys are filtered out (and deleted) like any other access.
    keys.retain(|k| !ctx.srv.ks.expire_if_needed(db, k));
    let r = &mut ctx.client.reply;
    r.array_len(2);
    r.bulk(cursor.to_string().as_bytes());
    r.array_len(keys.len());
    for k in &keys {
        r.bulk(k);
    }
}

fn randomkey(ctx: &mut Ctx, _argv: &[&[u8]]) {
    let db = ctx.db();
    let k = ctx.srv.ks.random_key(db);
    ctx.reply().opt_bulk(k.as_deref());
}

fn rename_generic(ctx: &mut Ctx, argv: &[&[u8]], nx: bool) {
    let db = ctx.db();
    let (src, dst) = (argv[1], argv[2]);
    if !ctx.srv.ks.exists(db, src) {
        return ctx.reply().error(errors::NO_SUCH_KEY);
    }
    if src == dst {
        return if nx { ctx.reply().int(0) } else { ctx.reply().ok() };
    }
    if nx && ctx.srv.ks.exists(db, dst) {
        return ctx.reply().int(0);
    }
    let Some((obj, ttl)) = ctx.srv.ks.take(db, src) else { return ctx.reply().error(errors::NO_SUCH_KEY) };
    ctx.srv.ks.delete(db, dst);
    ctx.srv.ks.put(db, dst, obj, ttl);
    ctx.srv.ks.dirty += 1;
    ctx.notify(GENERIC, "rename_from", src);
    ctx.notify(GENERIC, "rename_to", dst);
    if nx {
        ctx.reply().int(1)
    } else {
        ctx.reply().ok()
    }
}

fn rename(ctx: &mut Ctx, argv: &[&[u8]]) {
    rename_generic(ctx, argv, false);
}

fn renamenx(ctx: &mut Ctx, argv: &[&[u8]]) {
    rename_generic(ctx, argv, true);
}

/// A database index argument (`ERR DB index is out of range`).
pub fn parse_db(ctx: &Ctx, arg: &[u8]) -> Result<usize, &'static str> {
    let n = args::int(arg)?;
    if n < 0 || n >= ctx.srv.ks.dbs.len() as i64 {
        return Err(errors::DB_INDEX);
    }
    Ok(n as usize)
}

fn move_(ctx: &mut Ctx, argv: &[&[u8]]) {
    let src = ctx.db();
    let dst = match parse_db(ctx, argv[2]) {
        Ok(d) => d,
        Err(e) => return ctx.reply().error(e),
    };
    if src == dst {
        return ctx.reply().error(errors::SAME_OBJECT);
    }
    let key = argv[1];
    if !ctx.srv.ks.exists(src, key) || ctx.srv.ks.exists(dst, key) {
        return ctx.reply().int(0);
    }
    let Some((obj, ttl)) = ctx.srv.ks.take(src, key) else { return ctx.reply().int(0) };
    ctx.srv.ks.put(dst, key, obj, ttl);
    ctx.srv.ks.dirty += 1;
    ctx.notify_db(GENERIC, "move_from", key, src);
    ctx.notify_db(GENERIC, "move_to", key, dst);
    ctx.reply().int(1);
}

fn copy(ctx: &mut Ctx, argv: &[&[u8]]) {
    let src_db = ctx.db();
    let mut dst_db = src_db;
    let mut replace = false;
    let mut i = 3;
    while i < argv.len() {
        if is(argv[i], "replace") {
            replace = true;
        } else if is(argv[i], "db") && i + 1 < argv.len() {
            match parse_db(ctx, argv[i + 1]) {
                Ok(d) => dst_db = d,
                Err(e) => return ctx.reply().error(e),
            }
            i += 1;
        } else {
            return ctx.reply().error(errors::SYNTAX);
        }
        i += 1;
    }
    let (src, dst) = (argv[1], argv[2]);
    if src_db == dst_db && src == dst {
        return ctx.reply().error(errors::SAME_OBJECT);
    }
    let Some(obj) = ctx.srv.ks.lookup_quiet(src_db, src).cloned() else { return ctx.reply().int(0) };
    let ttl = ctx.srv.ks.expire_at(src_db, src);
    if ctx.srv.ks.exists(dst_db, dst) {
        if !replace {
            return ctx.reply().int(0);
        }
        ctx.srv.ks.delete(dst_db, dst);
    }
    ctx.srv.ks.put(dst_db, dst, obj, ttl);
    ctx.srv.ks.dirty += 1;
    ctx.notify_db(GENERIC, "copy_to", dst, dst_db);
    ctx.reply().int(1);
}

fn swapdb(ctx: &mut Ctx, argv: &[&[u8]]) {
    let Ok(a) = args::int(argv[1]) else { return ctx.reply().error("ERR invalid first DB index") };
    let Ok(b) = args::int(argv[2]) else { return ctx.reply().error("ERR invalid second DB index") };
    let n = ctx.srv.ks.dbs.len() as i64;
    if a < 0 || a >= n || b < 0 || b >= n {
        return ctx.reply().error(errors::DB_INDEX);
    }
    if a != b {
        ctx.srv.ks.swap_db(a as usize, b as usize);
        ctx.srv.ks.dirty += 1;
    }
    ctx.reply().ok();
}

/// EXPIRE/PEXPIRE/EXPIREAT/PEXPIREAT: `unit_ms` scales the argument; `absolute`
/// says whether it is a timestamp.
fn expire_generic(ctx: &mut Ctx, argv: &[&[u8]], unit_ms: i64, absolute: bool) {
    let key = argv[1];
    let Ok(n) = args::int(argv[2]) else { return ctx.reply().error(errors::NOT_INTEGER) };
    let (mut nx, mut xx, mut gt, mut lt) = (false, false, false, false);
    for a in &argv[3..] {
        if is(a, "nx") {
            nx = true;
        } else if is(a, "xx") {
            xx = true;
        } else if is(a, "gt") {
            gt = true;
        } else if is(a, "lt") {
            lt = true;
        } else {
            return ctx.reply().error(&format!("ERR Unsupported option {}", args::lossy(a)));
        }
    }
    if nx && (xx || gt || lt) {
        return ctx.reply().error("ERR NX and XX, GT or LT options at the same time are not compatible");
    }
    if gt && lt {
        return ctx.reply().error("ERR GT and LT options at the same time are not compatible");
    }
    let cmdname = String::from_utf8_lossy(argv[0]).to_lowercase();
    let now = ctx.srv.ks.now_ms;
    let when = match n.checked_mul(unit_ms).and_then(|ms| if absolute { Some(ms) } else { ms.checked_add(now) }) {
        Some(w) => w,
        None => return ctx.reply().error(&errors::invalid_expire(&cmdname)),
    };
    let db = ctx.db();
    if !ctx.srv.ks.exists(db, key) {
        return ctx.reply().int(0);
    }
    let cur = ctx.srv.ks.expire_at(db, key);
    let ok = match cur {
        None => !(xx || gt),
        Some(c) => !(nx || (gt && when <= c) || (lt && when >= c)),
    };
    if !ok {
        return ctx.reply().int(0);
    }
    if ctx.srv.ks.already_expired(when) {
        ctx.srv.ks.delete(db, key);
        ctx.notify(GENERIC, "del", key);
    } else {
        ctx.srv.ks.set_expire(db, key, when);
        ctx.notify(GENERIC, "expire", key);
    }
    ctx.srv.ks.dirty += 1;
    ctx.reply().int(1);
}

fn expire(ctx: &mut Ctx, argv: &[&[u8]]) {
    expire_generic(ctx, argv, 1000, false);
}

fn pexpire(ctx: &mut Ctx, argv: &[&[u8]]) {
    expire_generic(ctx, argv, 1, false);
}

fn expireat(ctx: &mut Ctx, argv: &[&[u8]]) {
    expire_generic(ctx, argv, 1000, true);
}

fn pexpireat(ctx: &mut Ctx, argv: &[&[u8]]) {
    expire_generic(ctx, argv, 1, true);
}

/// TTL/PTTL/EXPIRETIME/PEXPIRETIME: -2 missing key, -1 no TTL.
fn ttl_generic(ctx: &mut Ctx, key: &[u8], ms: bool, absolute: bool) {
    let db = ctx.db();
    if ctx.srv.ks.lookup_quiet(db, key).is_none() {
        ctx.srv.ks.note_miss(db, key);
        return ctx.reply().int(-2);
    }
    let Some(when) = ctx.srv.ks.expire_at(db, key) else { return ctx.reply().int(-1) };
    let v = if absolute { when } else { (when - ctx.srv.ks.now_ms).max(0) };
    // Seconds are rounded to the nearest one, for TTL and EXPIRETIME alike.
    let v = if ms { v } else { (v + 500) / 1000 };
    ctx.reply().int(v);
}

fn ttl(ctx: &mut Ctx, argv: &[&[u8]]) {
    ttl_generic(ctx, argv[1], false, false);
}

fn pttl(ctx: &mut Ctx, argv: &[&[u8]]) {
    ttl_generic(ctx, argv[1], true, false);
}

fn expiretime(ctx: &mut Ctx, argv: &[&[u8]]) {
    ttl_generic(ctx, argv[1], false, true);
}

fn pexpiretime(ctx: &mut Ctx, argv: &[&[u8]]) {
    ttl_generic(ctx, argv[1], true, true);
}

fn persist(ctx: &mut Ctx, argv: &[&[u8]]) {
    let db = ctx.db();
    if !ctx.srv.ks.exists(db, argv[1]) {
        return ctx.reply().int(0);
    }
    let removed = ctx.srv.ks.persist(db, argv[1]);
    if removed {
        ctx.srv.ks.dirty += 1;
        ctx.notify(GENERIC, "persist", argv[1]);
    }
    ctx.reply().int(removed as i64);
}

fn object_encoding(ctx: &mut Ctx, argv: &[&[u8]]) {
    let db = ctx.db();
    match ctx.srv.ks.lookup_quiet(db, argv[2]) {
        Some(o) => {
            let e = o.value.encoding();
            ctx.client.reply.bulk(e.as_bytes())
        }
        None => ctx.client.reply.null(),
    }
}

fn object_refcount(ctx: &mut Ctx, argv: &[&[u8]]) {
    let db = ctx.db();
    let ev = &ctx.srv.ks.evict;
    let per_key_clock = ev.maxmemory > 0 && (ev.policy.is_lru() || ev.policy.is_lfu());
    match ctx.srv.ks.lookup_quiet(db, argv[2]) {
        // Redis shares small integers (refcount INT_MAX), except under
        // maxmemory with an LRU/LFU policy, where each key needs its own clock.
        Some(o) => {
            let small = matches!(&o.value, Value::Str(crate::store::Str::Int(n)) if (0..10000).contains(n));
            let shared = small && !per_key_clock;
            ctx.client.reply.int(if shared { i32::MAX as i64 } else { 1 })
        }
        None => ctx.client.reply.null(),
    }
}

fn object_idletime(ctx: &mut Ctx, argv: &[&[u8]]) {
    let db = ctx.db();
    let now = ctx.srv.ks.now_ms;
    let lfu = ctx.srv.ks.access.lfu;
    match ctx.srv.ks.lookup_quiet(db, argv[2]) {
        Some(_) if lfu => ctx.reply().error(errors::IDLETIME_UNDER_LFU),
        Some(o) => {
            let idle = crate::store::value::idle_seconds(o.lru, now);
            ctx.client.reply.int(idle as i64)
        }
        None => ctx.client.reply.null(),
    }
}

fn object_freq(ctx: &mut Ctx, argv: &[&[u8]]) {
    let db = ctx.db();
    let now = ctx.srv.ks.now_ms;
    let clock = ctx.srv.ks.access;
    let Some(o) = ctx.srv.ks.lookup_quiet(db, argv[2]) else { return ctx.reply().null() };
    if !clock.lfu {
        return ctx.reply().error(errors::FREQ_WITHOUT_LFU);
    }
    let freq = crate::store::evict::lfu_decayed(o.lru, now, clock.decay_time);
    ctx.reply().int(freq as i64);
}

fn object_help(ctx: &mut Ctx, _argv: &[&[u8]]) {
    super::introspection::help_reply(
        ctx,
        "OBJECT",
        &[
            "ENCODING <key>",
            "    Return the kind of internal representation used in order to store the value",
            "    associated with a <key>.",
            "FREQ <key>",
            "    Return the access frequency index of the <key>. The returned integer is",
            "    proportional to the logarithm of the recent access frequency of the key.",
            "IDLETIME <key>",
            "    Return the idle time of the <key>, that is the approximated number of",
            "    seconds elapsed since the last access to the key.",
            "REFCOUNT <key>",
            "    Return the number of references of the value associated with the specified",
            "    <key>.",
        ],
    );
}
