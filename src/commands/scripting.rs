//! Scripting and functions: EVAL, EVALSHA, EVAL_RO, EVALSHA_RO, SCRIPT,
//! FUNCTION, FCALL, FCALL_RO. The engine lives in `crate::scripting`; these
//! handlers parse arguments, find the script or function, check its flags
//! against the command, and hand it to `scripting::run`.

use super::args::{int, is, lossy};
use super::docs::{integer, key, oneof, pure_token, string, Arg};
use super::{
    cmd, container, Command, Ctx, Find, KeyFlags, KeySpec, DENYOOM, MOVABLE_KEYS, NOSCRIPT, NO_KEYS, NO_MANDATORY_KEYS,
    READONLY, SKIP_MONITOR, STALE, WRITE,
};
use super::{
    ALL_NODES_ALL_SUCCEEDED, ALL_SHARDS_ALL_SUCCEEDED, ALL_SHARDS_ONE_SUCCEEDED, ALL_SHARDS_SPECIAL_REPORT, UNORDERED,
};
use crate::errors;
use crate::scripting::{self, functions, Invocation, NO_WRITES, WRITE_FLAG_WITH_RO};

const S: &[&str] = &["scripting"];
const G: &str = "scripting";
const EVAL_FLAGS: u32 = NOSCRIPT | STALE | SKIP_MONITOR | NO_MANDATORY_KEYS | MOVABLE_KEYS;
const ALLOW_BUSY: u32 = super::ALLOW_BUSY;

/// `numkeys key [key ...]` after the script (or SHA, or function name).
const KEYNUM: Find = Find::Keynum { index: 2, keynumidx: 0, firstkey: 1, step: 1 };
const RW_ACCESS: KeyFlags = &["RW", "access", "update"];
const RW_NOTE: &str = "We cannot tell how the keys will be used so we assume the worst, RW and UPDATE";
const RO_NOTE: &str = "We cannot tell how the keys will be used so we assume the worst, RO and ACCESS";
static EVAL_SPECS: &[KeySpec] = &[KeySpec { notes: RW_NOTE, flags: RW_ACCESS, find: KEYNUM }];
static EVALSHA_SPECS: &[KeySpec] = &[KeySpec { notes: "", flags: RW_ACCESS, find: KEYNUM }];
static EVAL_RO_SPECS: &[KeySpec] = &[KeySpec { notes: RO_NOTE, flags: super::KEY_READ, find: KEYNUM }];
static EVALSHA_RO_SPECS: &[KeySpec] = &[KeySpec { notes: "", flags: super::KEY_READ, find: KEYNUM }];

#[rustfmt::skip]
pub static COMMANDS: &[Command] = &[
    Command { key_specs: EVAL_SPECS, complexity: "Depends on the script that is executed.", args: EVAL_ARGS, ..cmd("eval", -3, EVAL_FLAGS, NO_KEYS, S, G, "Execute a Lua script server side", "2.6.0", eval) },
    Command { key_specs: EVALSHA_SPECS, complexity: "Depends on the script that is executed.", args: EVALSHA_ARGS, ..cmd("evalsha", -3, EVAL_FLAGS, NO_KEYS, S, G, "Execute a Lua script server side", "2.6.0", evalsha) },
    Command { key_specs: EVAL_RO_SPECS, complexity: "Depends on the script that is executed.", args: EVAL_RO_ARGS, ..cmd("eval_ro", -3, READONLY | EVAL_FLAGS, NO_KEYS, S, G, "Execute a read-only Lua script server side", "7.0.0", eval_ro) },
    Command { key_specs: EVALSHA_RO_SPECS, complexity: "Depends on the script that is executed.", args: EVALSHA_RO_ARGS, ..cmd("evalsha_ro", -3, READONLY | EVAL_FLAGS, NO_KEYS, S, G, "Execute a read-only Lua script server side", "7.0.0", evalsha_ro) },
    Command { key_specs: EVAL_SPECS, complexity: "Depends on the function that is executed.", args: FCALL_ARGS, ..cmd("fcall", -3, EVAL_FLAGS, NO_KEYS, S, G, "Invoke a function", "7.0.0", fcall) },
    Command { key_specs: EVAL_RO_SPECS, complexity: "Depends on the function that is executed.", args: FCALL_RO_ARGS, ..cmd("fcall_ro", -3, READONLY | EVAL_FLAGS, NO_KEYS, S, G, "Invoke a read-only function", "7.0.0", fcall_ro) },
    Command { complexity: "Depends on subcommand.", ..container("script", G, "A container for Lua scripts management commands", "2.6.0", SCRIPT_SUBCOMMANDS) },
    Command { complexity: "Depends on subcommand.", ..container("function", G, "A container for function commands", "7.0.0", FUNCTION_SUBCOMMANDS) },
];

#[rustfmt::skip]
static SCRIPT_SUBCOMMANDS: &[Command] = &[
    Command { tips: ALL_NODES_ALL_SUCCEEDED, complexity: "O(N) with N being the length in bytes of the script body.", args: &[string("script")], ..cmd("load", 3, NOSCRIPT | STALE, NO_KEYS, S, G, "Load the specified Lua script into the script cache.", "2.6.0", script_load) },
    Command { tips: &["request_policy:all_shards", "response_policy:agg_logical_and"], complexity: "O(N) with N being the number of scripts to check (so checking a single script is an O(1) operation).", args: &[string("sha1").multiple()], ..cmd("exists", -3, NOSCRIPT, NO_KEYS, S, G, "Check existence of scripts in the script cache.", "2.6.0", script_exists) },
    Command { tips: ALL_NODES_ALL_SUCCEEDED, complexity: "O(N) with N being the number of scripts in cache", history: &[("6.2.0", "Added the `ASYNC` and `SYNC` flushing mode modifiers.")], args: SCRIPT_FLUSH_ARGS, ..cmd("flush", -2, NOSCRIPT, NO_KEYS, S, G, "Remove all the scripts from the script cache.", "2.6.0", script_flush) },
    Command { tips: ALL_SHARDS_ONE_SUCCEEDED, complexity: "O(1)", ..cmd("kill", 2, NOSCRIPT | ALLOW_BUSY, NO_KEYS, S, G, "Kill the script currently in execution.", "2.6.0", script_kill) },
    Command { complexity: "O(1)", args: SCRIPT_DEBUG_ARGS, ..cmd("debug", 3, NOSCRIPT, NO_KEYS, S, G, "Set the debug mode for executed scripts.", "3.2.0", script_debug) },
    Command { complexity: "O(1)", ..cmd("help", 2, super::LOADING | STALE, NO_KEYS, S, G, "Show helpful text about the different subcommands", "5.0.0", script_help) },
];

#[rustfmt::skip]
static FUNCTION_SUBCOMMANDS: &[Command] = &[
    Command { tips: ALL_SHARDS_ALL_SUCCEEDED, complexity: "O(1) (considering compilation time is redundant)", args: FUNCTION_LOAD_ARGS, ..cmd("load", -3, WRITE | DENYOOM | NOSCRIPT, NO_KEYS, S, G, "Create a function with the given arguments (name, code, description)", "7.0.0", function_load) },
    Command { tips: ALL_SHARDS_ALL_SUCCEEDED, complexity: "O(1)", args: &[string("library-name")], ..cmd("delete", 3, WRITE | NOSCRIPT, NO_KEYS, S, G, "Delete a function by name", "7.0.0", function_delete) },
    Command { tips: ALL_SHARDS_ALL_SUCCEEDED, complexity: "O(N) where N is the number of functions deleted", args: FUNCTION_FLUSH_ARGS, ..cmd("flush", -2, WRITE | NOSCRIPT, NO_KEYS, S, G, "Deleting all functions", "7.0.0", function_flush) },
    Command { tips: UNORDERED, complexity: "O(N) where N is the number of functions", args: FUNCTION_LIST_ARGS, ..cmd("list", -2, NOSCRIPT, NO_KEYS, S, G, "List information about all the functions", "7.0.0", function_list) },
    Command { complexity: "O(N) where N is the number of functions", ..cmd("dump", 2, NOSCRIPT, NO_KEYS, S, G, "Dump all functions into a serialized binary payload", "7.0.0", function_dump) },
    Command { tips: ALL_SHARDS_ALL_SUCCEEDED, complexity: "O(N) where N is the number of functions on the payload", args: FUNCTION_RESTORE_ARGS, ..cmd("restore", -3, WRITE | DENYOOM | NOSCRIPT, NO_KEYS, S, G, "Restore all the functions on the given payload", "7.0.0", function_restore) },
    Command { tips: ALL_SHARDS_SPECIAL_REPORT, complexity: "O(1)", ..cmd("stats", 2, NOSCRIPT | ALLOW_BUSY, NO_KEYS, S, G, "Return information about the function currently running (name, description, duration)", "7.0.0", function_stats) },
    Command { tips: ALL_SHARDS_ONE_SUCCEEDED, complexity: "O(1)", ..cmd("kill", 2, NOSCRIPT | ALLOW_BUSY, NO_KEYS, S, G, "Kill the function currently in execution.", "7.0.0", function_kill) },
    Command { complexity: "O(1)", ..cmd("help", 2, super::LOADING | STALE, NO_KEYS, S, G, "Show helpful text about the different subcommands", "7.0.0", function_help) },
];

// `COMMAND DOCS` arguments and history of the commands above (Redis 7.0).

static EVAL_ARGS: &[Arg] =
    &[string("script"), integer("numkeys"), key("key", 0).optional().multiple(), string("arg").optional().multiple()];

static EVALSHA_ARGS: &[Arg] =
    &[string("sha1"), integer("numkeys"), key("key", 0).optional().multiple(), string("arg").optional().multiple()];

static EVAL_RO_ARGS: &[Arg] =
    &[string("script"), integer("numkeys"), key("key", 0).optional().multiple(), string("arg").optional().multiple()];

static EVALSHA_RO_ARGS: &[Arg] =
    &[string("sha1"), integer("numkeys"), key("key", 0).optional().multiple(), string("arg").optional().multiple()];

static FCALL_ARGS: &[Arg] =
    &[string("function"), integer("numkeys"), key("key", 0).optional().multiple(), string("arg").optional().multiple()];

static FCALL_RO_ARGS: &[Arg] =
    &[string("function"), integer("numkeys"), key("key", 0).optional().multiple(), string("arg").optional().multiple()];

static SCRIPT_FLUSH_ARGS: &[Arg] =
    &[oneof("async", &[pure_token("async", "ASYNC"), pure_token("sync", "SYNC")]).since("6.2.0").optional()];

static SCRIPT_DEBUG_ARGS: &[Arg] =
    &[oneof("mode", &[pure_token("yes", "YES"), pure_token("sync", "SYNC"), pure_token("no", "NO")])];

static FUNCTION_LOAD_ARGS: &[Arg] = &[pure_token("replace", "REPLACE").optional(), string("function-code")];

static FUNCTION_FLUSH_ARGS: &[Arg] =
    &[oneof("async", &[pure_token("async", "ASYNC"), pure_token("sync", "SYNC")]).optional()];

static FUNCTION_LIST_ARGS: &[Arg] =
    &[string("library-name-pattern").token("LIBRARYNAME").optional(), pure_token("withcode", "WITHCODE").optional()];

static FUNCTION_RESTORE_ARGS: &[Arg] = &[
    string("serialized-value"),
    oneof("policy", &[pure_token("flush", "FLUSH"), pure_token("append", "APPEND"), pure_token("replace", "REPLACE")])
        .optional(),
];

/// Keys and arguments of a script call.
type KeysAndArgs<'a> = (&'a [&'a [u8]], &'a [&'a [u8]]);

/// Splits `numkeys key... arg...` (argv[2] onwards) into keys and arguments.
fn split_keys<'a>(argv: &'a [&'a [u8]], fcall: bool) -> Result<KeysAndArgs<'a>, &'static str> {
    let n = match int(argv[2]) {
        Ok(n) => n,
        Err(_) if fcall => return Err("ERR Bad number of keys provided"),
        Err(e) => return Err(e),
    };
    if n < 0 {
        return Err("ERR Number of keys can't be negative");
    }
    if n as u64 > (argv.len() - 3) as u64 {
        return Err(errors::NUMKEYS_EXCEED_ARGS);
    }
    let n = n as usize;
    Ok((&argv[3..3 + n], &argv[3 + n..]))
}

fn eval(ctx: &mut Ctx, argv: &[&[u8]]) {
    eval_generic(ctx, argv, false, false)
}

fn evalsha(ctx: &mut Ctx, argv: &[&[u8]]) {
    eval_generic(ctx, argv, true, false)
}

fn eval_ro(ctx: &mut Ctx, argv: &[&[u8]]) {
    eval_generic(ctx, argv, false, true)
}

fn evalsha_ro(ctx: &mut Ctx, argv: &[&[u8]]) {
    eval_generic(ctx, argv, true, true)
}

/// EVAL and FCALL are `skip_monitor`: Redis shows them to MONITOR before
/// they run, so they come before the commands the script calls.
fn feed_monitors(ctx: &mut Ctx, argv: &[&[u8]]) {
    if !ctx.srv.monitors.is_empty() {
        ctx.srv.feed_monitors(ctx.client, argv);
    }
}

fn eval_generic(ctx: &mut Ctx, argv: &[&[u8]], by_sha: bool, ro: bool) {
    feed_monitors(ctx, argv);
    let (keys, args) = match split_keys(argv, false) {
        Ok(x) => x,
        Err(e) => return ctx.reply().error(e),
    };
    let key = if by_sha {
        match scripting::sha_key(argv[1]) {
            Some(k) if ctx.srv.scripting.script(&k).is_some() => k,
            _ => return ctx.reply().error(errors::NOSCRIPT),
        }
    } else {
        match ctx.srv.scripting.load_script(argv[1]) {
            Ok(k) => k,
            Err(e) => return ctx.reply().error(&e),
        }
    };
    let script = ctx.srv.scripting.script(&key).expect("cached above");
    let read_only = match script.flags {
        None => ro,
        Some(f) => {
            if ro && f & NO_WRITES == 0 {
                return ctx.reply().error(WRITE_FLAG_WITH_RO);
            }
            f & NO_WRITES != 0
        }
    };
    let flags = script.flags;
    let func = script.func.clone();
    if let Err(e) = check_memory(ctx, flags).and_then(|_| check_replicas(ctx, flags)) {
        return ctx.reply().error(e);
    }
    let name = String::from_utf8_lossy(&key).into_owned();
    scripting::run(ctx, argv, Invocation { func, is_eval: true, name, keys, args, read_only });
}

/// Out-of-memory rules of scripts (`maxmemory` reached, nothing left to
/// evict): a script declaring flags may run only with `allow-oom` or
/// `no-writes` (which implies it), and those may then call `denyoom`
/// commands; a script without flags runs, and its `denyoom` commands fail.
fn check_memory(ctx: &mut Ctx, flags: Option<u32>) -> Result<(), &'static str> {
    let Some(f) = flags else { return Ok(()) };
    if !ctx.srv.mem.pre_command_oom {
        return Ok(());
    }
    if f & (scripting::ALLOW_OOM | NO_WRITES) == 0 {
        return Err(errors::OOM);
    }
    // The commands the script calls see no OOM condition.
    ctx.srv.mem.pre_command_oom = false;
    Ok(())
}

/// `min-replicas-to-write` without enough replicas (oxidis has none yet): a
/// script declaring flags may run only with `no-writes`; the writes of a
/// script without flags fail one by one (checked where commands are run).
fn check_replicas(ctx: &mut Ctx, flags: Option<u32>) -> Result<(), &'static str> {
    match flags {
        Some(f) if f & NO_WRITES == 0 && ctx.srv.lacks_good_replicas() => Err(errors::NOREPLICAS),
        _ => Ok(()),
    }
}

fn fcall(ctx: &mut Ctx, argv: &[&[u8]]) {
    fcall_generic(ctx, argv, false)
}

fn fcall_ro(ctx: &mut Ctx, argv: &[&[u8]]) {
    fcall_generic(ctx, argv, true)
}

fn fcall_generic(ctx: &mut Ctx, argv: &[&[u8]], ro: bool) {
    feed_monitors(ctx, argv);
    let (keys, args) = match split_keys(argv, true) {
        Ok(x) => x,
        Err(e) => return ctx.reply().error(e),
    };
    let Some(f) = ctx.srv.scripting.funcs.lookup(argv[1]) else {
        return ctx.reply().error("ERR Function not found");
    };
    let read_only = functions::is_read_only(f);
    if ro && !read_only {
        return ctx.reply().error(WRITE_FLAG_WITH_RO);
    }
    let func = f.func.clone();
    let name = f.name.clone();
    let flags = Some(f.flags);
    if let Err(e) = check_memory(ctx, flags).and_then(|_| check_replicas(ctx, flags)) {
        return ctx.reply().error(e);
    }
    scripting::run(ctx, argv, Invocation { func, is_eval: false, name, keys, args, read_only });
}

fn script_load(ctx: &mut Ctx, argv: &[&[u8]]) {
    match ctx.srv.scripting.load_script(argv[2]) {
        Ok(k) => ctx.reply().bulk(&k),
        Err(e) => ctx.reply().error(&e),
    }
}

fn script_exists(ctx: &mut Ctx, argv: &[&[u8]]) {
    let found: Vec<bool> = argv[2..].iter().map(|s| ctx.srv.scripting.has_script(s)).collect();
    let r = ctx.reply();
    r.array_len(found.len());
    for f in found {
        r.int(f as i64);
    }
}

/// The optional `ASYNC|SYNC` of SCRIPT FLUSH and FUNCTION FLUSH.
fn flush_mode(argv: &[&[u8]]) -> bool {
    match argv.len() {
        2 => true,
        3 => is(argv[2], "async") || is(argv[2], "sync"),
        _ => false,
    }
}

fn script_flush(ctx: &mut Ctx, argv: &[&[u8]]) {
    if !flush_mode(argv) {
        return ctx.reply().error("ERR SCRIPT FLUSH only support SYNC|ASYNC option");
    }
    ctx.srv.scripting.flush_scripts();
    ctx.reply().ok();
}

fn script_kill(ctx: &mut Ctx, _argv: &[&[u8]]) {
    match scripting::kill(ctx.srv, true) {
        Ok(()) => ctx.reply().ok(),
        Err(e) => ctx.reply().error(e),
    }
}

fn script_debug(ctx: &mut Ctx, argv: &[&[u8]]) {
    if is(argv[2], "no") {
        return ctx.reply().ok();
    }
    if is(argv[2], "yes") || is(argv[2], "sync") {
        return ctx.reply().error("ERR the Lua debugger is not supported by oxidis");
    }
    ctx.reply().error("ERR Use SCRIPT DEBUG YES/SYNC/NO")
}

fn script_help(ctx: &mut Ctx, _argv: &[&[u8]]) {
    super::introspection::help_reply(
        ctx,
        "SCRIPT",
        &[
            "DEBUG (YES|SYNC|NO)",
            "    Set the debug mode for subsequent scripts executed.",
            "EXISTS <sha1> [<sha1> ...]",
            "    Return information about the existence of the scripts in the script cache.",
            "FLUSH [ASYNC|SYNC]",
            "    Flush the Lua scripts cache. Very dangerous on replicas.",
            "    When called without the optional mode argument, the behavior is determined by the",
            "    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
            "    * ASYNC: Asynchronously flush the scripts cache.",
            "    * SYNC: Synchronously flush the scripts cache.",
            "KILL",
            "    Kill the currently executing Lua script.",
            "LOAD <script>",
            "    Load a script into the scripts cache without executing it.",
        ],
    );
}

fn function_load(ctx: &mut Ctx, argv: &[&[u8]]) {
    let mut replace = false;
    let mut i = 2;
    while i < argv.len() - 1 {
        if is(argv[i], "replace") {
            replace = true;
        } else {
            return ctx.reply().error(&format!("ERR Unknown option given: {}", lossy(argv[i])));
        }
        i += 1;
    }
    let code = argv[argv.len() - 1];
    match functions::load(ctx.srv, code, replace) {
        Ok(name) => ctx.reply().bulk(name.as_bytes()),
        Err(e) => ctx.reply().error(&e),
    }
}

fn function_delete(ctx: &mut Ctx, argv: &[&[u8]]) {
    if functions::delete(ctx.srv, &lossy(argv[2])) {
        ctx.reply().ok();
    } else {
        ctx.reply().error("ERR Library not found");
    }
}

fn function_flush(ctx: &mut Ctx, argv: &[&[u8]]) {
    if argv.len() > 3 {
        return ctx
            .reply()
            .error("ERR unknown subcommand or wrong number of arguments for 'flush'. Try FUNCTION HELP.");
    }
    if !flush_mode(argv) {
        return ctx.reply().error("ERR FUNCTION FLUSH only supports SYNC|ASYNC option");
    }
    ctx.srv.scripting.funcs.flush();
    ctx.reply().ok();
}

fn function_list(ctx: &mut Ctx, argv: &[&[u8]]) {
    let mut with_code = false;
    let mut pattern: Option<&[u8]> = None;
    let mut i = 2;
    while i < argv.len() {
        if is(argv[i], "withcode") && !with_code {
            with_code = true;
            i += 1;
        } else if is(argv[i], "libraryname") && pattern.is_none() {
            let Some(p) = argv.get(i + 1) else {
                return ctx.reply().error("ERR library name argument was not given");
            };
            pattern = Some(p);
            i += 2;
        } else {
            return ctx.reply().error(&format!("ERR Unknown argument {}", lossy(argv[i])));
        }
    }
    let funcs = &ctx.srv.scripting.funcs;
    let libs: Vec<&functions::Library> = funcs
        .libraries
        .values()
        .filter(|l| pattern.is_none_or(|p| crate::util::glob_match(p, l.name.as_bytes(), false)))
        .collect();
    let r = &mut ctx.client.reply;
    r.array_len(libs.len());
    for lib in libs {
        r.map_len(if with_code { 4 } else { 3 });
        r.bulk(b"library_name");
        r.bulk(lib.name.as_bytes());
        r.bulk(b"engine");
        r.bulk(b"LUA");
        r.bulk(b"functions");
        r.array_len(lib.functions.len());
        for f in lib.functions.values() {
            r.map_len(3);
            r.bulk(b"name");
            r.bulk(f.name.as_bytes());
            r.bulk(b"description");
            r.opt_bulk(f.description.as_deref().map(str::as_bytes));
            r.bulk(b"flags");
            let names: Vec<&str> =
                scripting::FLAG_NAMES.iter().filter(|(_, bit)| f.flags & bit != 0).map(|(n, _)| *n).collect();
            r.set_len(names.len());
            for n in names {
                r.bulk(n.as_bytes());
            }
        }
        if with_code {
            r.bulk(b"library_code");
            r.bulk(&lib.code);
        }
    }
}

fn function_dump(ctx: &mut Ctx, _argv: &[&[u8]]) {
    let payload = functions::dump(ctx.srv);
    ctx.reply().bulk(&payload);
}

fn function_restore(ctx: &mut Ctx, argv: &[&[u8]]) {
    let policy = match argv.get(3) {
        None => functions::RestorePolicy::Append,
        Some(p) if argv.len() == 4 && is(p, "append") => functions::RestorePolicy::Append,
        Some(p) if argv.len() == 4 && is(p, "replace") => functions::RestorePolicy::Replace,
        Some(p) if argv.len() == 4 && is(p, "flush") => functions::RestorePolicy::Flush,
        Some(_) if argv.len() == 4 => {
            return ctx
                .reply()
                .error("ERR Wrong restore policy given, value should be either FLUSH, APPEND or REPLACE.")
        }
        Some(_) => {
            return ctx
                .reply()
                .error("ERR unknown subcommand or wrong number of arguments for 'restore'. Try FUNCTION HELP.")
        }
    };
    match functions::restore(ctx.srv, argv[2], policy) {
        Ok(()) => ctx.reply().ok(),
        Err(e) => ctx.reply().error(&e),
    }
}

fn function_stats(ctx: &mut Ctx, _argv: &[&[u8]]) {
    let srv = &ctx.srv;
    let running = srv.scripting.run.as_ref().filter(|r| !r.is_eval && !r.loading);
    let libs = srv.scripting.funcs.libraries.len();
    let funcs = srv.scripting.funcs.function_count();
    let r = &mut ctx.client.reply;
    r.map_len(2);
    r.bulk(b"running_script");
    match running {
        None => r.null(),
        Some(run) => {
            r.map_len(3);
            r.bulk(b"name");
            r.bulk(run.name.as_bytes());
            r.bulk(b"command");
            r.array_len(run.argv.len());
            for a in &run.argv {
                r.bulk(a);
            }
            r.bulk(b"duration_ms");
            r.int(run.start.elapsed().as_millis() as i64);
        }
    }
    r.bulk(b"engines");
    r.map_len(1);
    r.bulk(b"LUA");
    r.map_len(2);
    r.bulk(b"libraries_count");
    r.int(libs as i64);
    r.bulk(b"functions_count");
    r.int(funcs as i64);
}

fn function_kill(ctx: &mut Ctx, _argv: &[&[u8]]) {
    match scripting::kill(ctx.srv, false) {
        Ok(()) => ctx.reply().ok(),
        Err(e) => ctx.reply().error(e),
    }
}

fn function_help(ctx: &mut Ctx, _argv: &[&[u8]]) {
    super::introspection::help_reply(
        ctx,
        "FUNCTION",
        &[
            "LOAD [REPLACE] <FUNCTION CODE>",
            "    Create a new library with the given library name and code.",
            "DELETE <LIBRARY NAME>",
            "    Delete the given library.",
            "LIST [LIBRARYNAME PATTERN] [WITHCODE]",
            "    Return general information on all the libraries:",
            "    * Library name",
            "    * The engine used to run the Library",
            "    * Library description",
            "    * Functions list",
            "    * Library code (if WITHCODE is given)",
            "    It also possible to get only function that matches a pattern using LIBRARYNAME argument.",
            "STATS",
            "    Return information about the current function running:",
            "    * Function name",
            "    * Command used to run the function",
            "    * Duration in MS that the function is running",
            "    If no function is running, return nil",
            "    In addition, returns a list of available engines.",
            "KILL",
            "    Kill the current running function.",
            "FLUSH [<ASYNC|SYNC>]",
            "    Delete all the libraries.",
            "    When called without the optional mode argument, the behavior is determined by the",
            "    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
            "    * ASYNC: Asynchronously flush the libraries.",
            "    * SYNC: Synchronously flush the libraries.",
            "DUMP",
            "    Return a serialized payload representing the current libraries, can be restored using FUNCTION RESTORE command",
            "RESTORE <PAYLOAD> [FLUSH|APPEND|REPLACE]",
            "    Restore the libraries represented by the given payload, it is possible to give a restore policy to",
            "    control how to handle existing libraries (default APPEND):",
            "    * FLUSH: delete all existing libraries.",
            "    * APPEND: appends the restored libraries to the existing libraries. On collision, abort.",
            "    * REPLACE: appends the restored libraries to the existing libraries, On collision, replace the old",
            "      libraries with the new libraries (notice that even on this option there is a chance of failure",
            "      in case of functions name collision with another library).",
        ],
    );
}
