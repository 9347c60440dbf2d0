//! String commands: GET/SET and their variants, counters, ranges, LCS.

use super::args::{self, is};
use super::docs::{block, double, integer, key, oneof, pure_token, string, unix_time, Arg};
use super::{cmd, Command, Ctx, Find, KeyFlags, KeySpec, Keys, ALL_KEYS, DENYOOM, FAST, ONE_KEY, READONLY, WRITE};
use super::{KEY_ACCESS_UPDATE, KEY_INSERT, KEY_OVERWRITE, KEY_OW_INSERT, KEY_POP, KEY_RO};
use crate::errors;
use crate::store::events::{GENERIC, STRING};
use crate::store::{Str, Value};
use crate::util::{fmt_human_double, i64_to_bytes};

const S: &[&str] = &["string"];
const G: &str = "string";

/// SET reads the old value only with `GET`: see [`set_keys`].
static SET_SPECS: &[KeySpec] = &[KeySpec {
    notes: "RW and ACCESS due to the optional `GET` argument",
    flags: &["RW", "access", "update", "variable_flags"],
    find: Find::Range(ONE_KEY),
}];
static GETEX_SPECS: &[KeySpec] = &[KeySpec {
    notes: "RW and UPDATE because it changes the TTL",
    flags: KEY_ACCESS_UPDATE,
    find: Find::Range(ONE_KEY),
}];

#[rustfmt::skip]
pub static COMMANDS: &[Command] = &[
    Command { complexity: "O(1)", args: &[key("key", 0)], ..cmd("get", 2, READONLY | FAST, ONE_KEY, S, G, "Get the value of a key", "1.0.0", get) },
    Command { key_specs: SET_SPECS, get_keys: Some(set_keys), complexity: "O(1)", history: SET_HISTORY, args: SET_ARGS, ..cmd("set", -3, WRITE | DENYOOM, ONE_KEY, S, G, "Set the string value of a key", "1.0.0", set) },
    Command { key_flags: KEY_OW_INSERT, complexity: "O(1)", args: &[key("key", 0), string("value")], ..cmd("setnx", 3, WRITE | DENYOOM | FAST, ONE_KEY, S, G, "Set the value of a key, only if the key does not exist", "1.0.0", setnx) },
    Command { key_flags: KEY_OVERWRITE, complexity: "O(1)", args: &[key("key", 0), integer("seconds"), string("value")], ..cmd("setex", 4, WRITE | DENYOOM, ONE_KEY, S, G, "Set the value and expiration of a key", "2.0.0", setex) },
    Command { key_flags: KEY_OVERWRITE, complexity: "O(1)", args: &[key("key", 0), integer("milliseconds"), string("value")], ..cmd("psetex", 4, WRITE | DENYOOM, ONE_KEY, S, G, "Set the value and expiration in milliseconds of a key", "2.6.0", psetex) },
    Command { key_flags: KEY_ACCESS_UPDATE, complexity: "O(1)", doc_flags: &["deprecated"], deprecated_since: "6.2.0", replaced_by: "`SET` with the `!GET` argument", args: &[key("key", 0), string("value")], ..cmd("getset", 3, WRITE | DENYOOM | FAST, ONE_KEY, S, G, "Set the string value of a key and return its old value", "1.0.0", getset) },
    Command { key_flags: KEY_POP, complexity: "O(1)", args: &[key("key", 0)], ..cmd("getdel", 2, WRITE | FAST, ONE_KEY, S, G, "Get the value of a key and delete the key", "6.2.0", getdel) },
    Command { key_specs: GETEX_SPECS, complexity: "O(1)", args: GETEX_ARGS, ..cmd("getex", -2, WRITE | FAST, ONE_KEY, S, G, "Get the value of a key and optionally set its expiration", "6.2.0", getex) },
    Command { tips: &["request_policy:multi_shard"], complexity: "O(N) where N is the number of keys to retrieve.", args: &[key("key", 0).multiple()], ..cmd("mget", -2, READONLY | FAST, ALL_KEYS, S, G, "Get the values of all the given keys", "1.0.0", mget) },
    Command { key_flags: KEY_OVERWRITE, tips: &["request_policy:multi_shard", "response_policy:all_succeeded"], complexity: "O(N) where N is the number of keys to set.", args: MSET_ARGS, ..cmd("mset", -3, WRITE | DENYOOM, Keys { first: 1, last: -1, step: 2 }, S, G, "Set multiple keys to multiple values", "1.0.1", mset) },
    Command { key_flags: KEY_OW_INSERT, tips: &["request_policy:multi_shard", "response_policy:agg_min"], complexity: "O(N) where N is the number of keys to set.", args: MSETNX_ARGS, ..cmd("msetnx", -3, WRITE | DENYOOM, Keys { first: 1, last: -1, step: 2 }, S, G, "Set multiple keys to multiple values, only if none of the keys exist", "1.0.1", msetnx) },
    Command { key_flags: KEY_INSERT, complexity: "O(1). The amortized time complexity is O(1) assuming the appended value is small and the already present value is of any size, since the dynamic string library used by Redis will double the free space available on every reallocation.", args: &[key("key", 0), string("value")], ..cmd("append", 3, WRITE | DENYOOM | FAST, ONE_KEY, S, G, "Append a value to a key", "2.0.0", append) },
    Command { key_flags: KEY_RO, complexity: "O(1)", args: &[key("key", 0)], ..cmd("strlen", 2, READONLY | FAST, ONE_KEY, S, G, "Get the length of the value stored in a key", "2.2.0", strlen) },
    Command { complexity: "O(N) where N is the length of the returned string. The complexity is ultimately determined by the returned length, but because creating a substring from an existing string is very cheap, it can be considered O(1) for small strings.", args: &[key("key", 0), integer("start"), integer("end")], ..cmd("getrange", 4, READONLY, ONE_KEY, S, G, "Get a substring of the string stored at a key", "2.4.0", getrange) },
    Command { complexity: "O(N) where N is the length of the returned string. The complexity is ultimately determined by the returned length, but because creating a substring from an existing string is very cheap, it can be considered O(1) for small strings.", doc_flags: &["deprecated"], deprecated_since: "2.0.0", replaced_by: "`GETRANGE`", args: &[key("key", 0), integer("start"), integer("end")], ..cmd("substr", 4, READONLY, ONE_KEY, S, G, "Get a substring of the string stored at a key", "1.0.0", getrange) },
    Command { complexity: "O(1), not counting the time taken to copy the new string in place. Usually, this string is very small so the amortized complexity is O(1). Otherwise, complexity is O(M) with M being the length of the value argument.", args: &[key("key", 0), integer("offset"), string("value")], ..cmd("setrange", 4, WRITE | DENYOOM, ONE_KEY, S, G, "Overwrite part of a string at key starting at the specified offset", "2.2.0", setrange) },
    Command { key_flags: KEY_ACCESS_UPDATE, complexity: "O(1)", args: &[key("key", 0)], ..cmd("incr", 2, WRITE | DENYOOM | FAST, ONE_KEY, S, G, "Increment the integer value of a key by one", "1.0.0", incr) },
    Command { key_flags: KEY_ACCESS_UPDATE, complexity: "O(1)", args: &[key("key", 0)], ..cmd("decr", 2, WRITE | DENYOOM | FAST, ONE_KEY, S, G, "Decrement the integer value of a key by one", "1.0.0", decr) },
    Command { key_flags: KEY_ACCESS_UPDATE, complexity: "O(1)", args: &[key("key", 0), integer("increment")], ..cmd("incrby", 3, WRITE | DENYOOM | FAST, ONE_KEY, S, G, "Increment the integer value of a key by the given amount", "1.0.0", incrby) },
    Command { key_flags: KEY_ACCESS_UPDATE, complexity: "O(1)", args: &[key("key", 0), integer("decrement")], ..cmd("decrby", 3, WRITE | DENYOOM | FAST, ONE_KEY, S, G, "Decrement the integer value of a key by the given number", "1.0.0", decrby) },
    Command { key_flags: KEY_ACCESS_UPDATE, complexity: "O(1)", args: &[key("key", 0), double("increment")], ..cmd("incrbyfloat", 3, WRITE | DENYOOM | FAST, ONE_KEY, S, G, "Increment the float value of a key by the given amount", "2.6.0", incrbyfloat) },
    Command { complexity: "O(N*M) where N and M are the lengths of s1 and s2, respectively", args: LCS_ARGS, ..cmd("lcs", -3, READONLY, Keys { first: 1, last: 2, step: 1 }, S, G, "Find longest common substring", "7.0.0", lcs) },
];

// `COMMAND DOCS` arguments and history of the commands above (Redis 7.0).

static SET_HISTORY: &[(&str, &str)] = &[
    ("2.6.12", "Added the `EX`, `PX`, `NX` and `XX` options."),
    ("6.0.0", "Added the `KEEPTTL` option."),
    ("6.2.0", "Added the `GET`, `EXAT` and `PXAT` option."),
    ("7.0.0", "Allowed the `NX` and `GET` options to be used together."),
];

static SET_ARGS: &[Arg] = &[
    key("key", 0),
    string("value"),
    oneof("condition", &[pure_token("nx", "NX"), pure_token("xx", "XX")]).since("2.6.12").optional(),
    pure_token("get", "GET").since("6.2.0").optional(),
    oneof(
        "expiration",
        &[
            integer("seconds").token("EX").since("2.6.12"),
            integer("milliseconds").token("PX").since("2.6.12"),
            unix_time("unix-time-seconds").token("EXAT").since("6.2.0"),
            unix_time("unix-time-milliseconds").token("PXAT").since("6.2.0"),
            pure_token("keepttl", "KEEPTTL").since("6.0.0"),
        ],
    )
    .optional(),
];

static GETEX_ARGS: &[Arg] = &[
    key("key", 0),
    oneof(
        "expiration",
        &[
            integer("seconds").token("EX"),
            integer("milliseconds").token("PX"),
            unix_time("unix-time-seconds").token("EXAT"),
            unix_time("unix-time-milliseconds").token("PXAT"),
            pure_token("persist", "PERSIST"),
        ],
    )
    .optional(),
];

static MSET_ARGS: &[Arg] = &[block("key_value", &[key("key", 0), string("value")]).multiple()];

static MSETNX_ARGS: &[Arg] = &[block("key_value", &[key("key", 0), string("value")]).multiple()];

static LCS_ARGS: &[Arg] = &[
    key("key1", 0),
    key("key2", 0),
    pure_token("len", "LEN").optional(),
    pure_token("idx", "IDX").optional(),
    integer("len").token("MINMATCHLEN").optional(),
    pure_token("withmatchlen", "WITHMATCHLEN").optional(),
];

/// SET's key for COMMAND GETKEYSANDFLAGS: overwritten, or also read when a
/// `GET` option follows the value.
fn set_keys(argv: &[&[u8]]) -> Vec<(usize, KeyFlags)> {
    let reads = argv.iter().skip(3).any(|a| is(a, "get"));
    vec![(1, if reads { KEY_ACCESS_UPDATE } else { KEY_OVERWRITE })]
}

/// The string at `key`: `Ok(None)` if missing, `Err` (WRONGTYPE) if another type.
fn read_str<'a>(ctx: &'a mut Ctx, key: &[u8]) -> Result<Option<&'a Str>, &'static str> {
    let db = ctx.db();
    match ctx.srv.ks.lookup_read(db, key) {
        None => Ok(None),
        Some(Value::Str(s)) => Ok(Some(s)),
        #[allow(unreachable_patterns)]
        Some(_) => Err(errors::WRONGTYPE),
    }
}

/// [`read_str`] for a command about to write the key: like Redis's write
/// lookups, no hit/miss statistics and no `keymiss` event.
fn read_str_for_write<'a>(ctx: &'a mut Ctx, key: &[u8]) -> Result<Option<&'a Str>, &'static str> {
    let db = ctx.db();
    match ctx.srv.ks.lookup_write(db, key) {
        None => Ok(None),
        Some(Value::Str(s)) => Ok(Some(s)),
        #[allow(unreachable_patterns)]
        Some(_) => Err(errors::WRONGTYPE),
    }
}

fn get(ctx: &mut Ctx, argv: &[&[u8]]) {
    let db = ctx.client.db;
    match ctx.srv.ks.lookup_read(db, argv[1]) {
        None => ctx.client.reply.null(),
        Some(Value::Str(s)) => s.with_bytes(|b| ctx.client.reply.bulk(b)),
        #[allow(unreachable_patterns)]
        Some(_) => ctx.client.reply.error(errors::WRONGTYPE),
    }
}

/// When a SET-family command makes a key expire.
#[derive(Clone, Copy, PartialEq)]
enum Expiry {
    None,
    Keep,
    /// Absolute Unix ms.
    At(i64),
}

#[derive(Clone, Copy, PartialEq)]
enum Cond {
    Always,
    Nx,
    Xx,
}

/// `EX`/`PX`/`EXAT`/`PXAT` as (milliseconds per unit, absolute timestamp?).
fn expire_option(a: &[u8]) -> Option<(i64, bool)> {
    if is(a, "ex") {
        Some((1000, false))
    } else if is(a, "px") {
        Some((1, false))
    } else if is(a, "exat") {
        Some((1000, true))
    } else if is(a, "pxat") {
        Some((1, true))
    } else {
        None
    }
}

/// Converts a relative or absolute expire argument to a Unix-ms deadline, with
/// Redis's range checks (`ERR invalid expire time in 'set' command`).
fn deadline(ctx: &Ctx, arg: &[u8], unit_ms: i64, absolute: bool, cmdname: &str) -> Result<i64, String> {
    let n = args::int(arg).map_err(|e| e.to_string())?;
    if n <= 0 {
        return Err(errors::invalid_expire(cmdname));
    }
    let ms = n.checked_mul(unit_ms).ok_or_else(|| errors::invalid_expire(cmdname))?;
    if absolute {
        Ok(ms)
    } else {
        ms.checked_add(ctx.srv.ks.now_ms).ok_or_else(|| errors::invalid_expire(cmdname))
    }
}

/// The one code path behind SET, SETNX, SETEX, PSETEX and GETSET.
fn set_generic(ctx: &mut Ctx, key: &[u8], val: &[u8], cond: Cond, exp: Expiry, get: bool, ok_reply: bool) {
    let db = ctx.db();
    let mut old: Option<Option<Vec<u8>>> = None;
    if get {
        match read_str(ctx, key) {
            Err(e) => return ctx.reply().error(e),
            Ok(v) => old = Some(v.map(|s| s.to_vec())),
        }
    }
    let exists = match &old {
        Some(o) => o.is_some(),
        None if cond != Cond::Always => ctx.srv.ks.exists(db, key),
        None => false,
    };
    let allowed = match cond {
        Cond::Always => true,
        Cond::Nx => !exists,
        Cond::Xx => exists,
    };
    if allowed {
        let ks = &mut ctx.srv.ks;
        ks.set(db, key, Value::str(val), exp == Expiry::Keep);
        if let Expiry::At(when) = exp {
            ks.set_expire(db, key, when);
        }
        ks.dirty += 1;
        ctx.notify(STRING, "set", key);
        if matches!(exp, Expiry::At(_)) {
            ctx.notify(GENERIC, "expire", key);
        }
    }
    let r = &mut ctx.client.reply;
    match old {
        Some(o) => r.opt_bulk(o.as_deref()),
        None if !ok_reply => r.int(allowed as i64),
        None if allowed => r.ok(),
        None => r.null(),
    }
}

fn set(ctx: &mut Ctx, argv: &[&[u8]]) {
    let mut cond = Cond::Always;
    let mut exp = Expiry::None;
    let mut get = false;
    let mut i = 3;
    while i < argv.len() {
        let a = argv[i];
        let next = argv.get(i + 1).copied();
        if let Some((unit, absolute)) = expire_option(a) {
            let Some(n) = next else { return ctx.reply().error(errors::SYNTAX) };
            if exp != Expiry::None {
                return ctx.reply().error(errors::SYNTAX);
            }
            match deadline(ctx, n, unit, absolute, "set") {
                Ok(t) => exp = Expiry::At(t),
                Err(e) => return ctx.reply().error(&e),
            }
            i += 2;
            continue;
        }
        if is(a, "nx") && cond != Cond::Xx {
            cond = Cond::Nx;
        } else if is(a, "xx") && cond != Cond::Nx {
            cond = Cond::Xx;
        } else if is(a, "keepttl") && exp == Expiry::None {
            exp = Expiry::Keep;
        } else if is(a, "get") {
            get = true;
        } else {
            return ctx.reply().error(errors::SYNTAX);
        }
        i += 1;
    }
    set_generic(ctx, argv[1], argv[2], cond, exp, get, true);
}

fn setnx(ctx: &mut Ctx, argv: &[&[u8]]) {
    set_generic(ctx, argv[1], argv[2], Cond::Nx, Expiry::None, false, false);
}

fn setex(ctx: &mut Ctx, argv: &[&[u8]]) {
    setex_generic(ctx, argv, 1000, "setex");
}

fn psetex(ctx: &mut Ctx, argv: &[&[u8]]) {
    setex_generic(ctx, argv, 1, "psetex");
}

fn setex_generic(ctx: &mut Ctx, argv: &[&[u8]], unit: i64, name: &str) {
    match deadline(ctx, argv[2], unit, false, name) {
        Ok(t) => set_generic(ctx, argv[1], argv[3], Cond::Always, Expiry::At(t), false, true),
        Err(e) => ctx.reply().error(&e),
    }
}

fn getset(ctx: &mut Ctx, argv: &[&[u8]]) {
    set_generic(ctx, argv[1], argv[2], Cond::Always, Expiry::None, true, true);
}

fn getdel(ctx: &mut Ctx, argv: &[&[u8]]) {
    let v = match read_str(ctx, argv[1]) {
        Err(e) => return ctx.reply().error(e),
        Ok(v) => v.map(|s| s.to_vec()),
    };
    if v.is_some() {
        let db = ctx.db();
        ctx.srv.ks.delete(db, argv[1]);
        ctx.srv.ks.dirty += 1;
        ctx.notify(GENERIC, "del", argv[1]);
    }
    ctx.reply().opt_bulk(v.as_deref());
}

fn getex(ctx: &mut Ctx, argv: &[&[u8]]) {
    enum Op {
        Nothing,
        Persist,
        At(i64),
    }
    let mut op = Op::Nothing;
    let mut i = 2;
    let mut seen = false;
    while i < argv.len() {
        let a = argv[i];
        let (unit, absolute) = if let Some(opt) = expire_option(a) {
            opt
        } else if is(a, "persist") && !seen {
            op = Op::Persist;
            seen = true;
            i += 1;
            continue;
        } else {
            return ctx.reply().error(errors::SYNTAX);
        };
        if seen || i + 1 >= argv.len() {
            return ctx.reply().error(errors::SYNTAX);
        }
        match deadline(ctx, argv[i + 1], unit, absolute, "getex") {
            Ok(t) => op = Op::At(t),
            Err(e) => return ctx.reply().error(&e),
        }
        seen = true;
        i += 2;
    }
    let v = match read_str(ctx, argv[1]) {
        Err(e) => return ctx.reply().error(e),
        Ok(None) => return ctx.reply().null(),
        Ok(Some(s)) => s.to_vec(),
    };
    let db = ctx.db();
    let ks = &mut ctx.srv.ks;
    match op {
        Op::Nothing => {}
        Op::Persist => {
            if ks.persist(db, argv[1]) {
                ks.dirty += 1;
                ctx.notify(GENERIC, "persist", argv[1]);
            }
        }
        Op::At(t) if ks.already_expired(t) => {
            ks.delete(db, argv[1]);
            ks.dirty += 1;
            ctx.notify(GENERIC, "del", argv[1]);
        }
        Op::At(t) => {
            ks.set_expire(db, argv[1], t);
            ks.dirty += 1;
            ctx.notify(GENERIC, "expire", argv[1]);
        }
    }
    ctx.reply().bulk(&v);
}

fn mget(ctx: &mut Ctx, argv: &[&[u8]]) {
    let db = ctx.client.db;
    ctx.client.reply.array_len(argv.len() - 1);
    for key in &argv[1..] {
        match ctx.srv.ks.lookup_read(db, key) {
            Some(Value::Str(s)) => s.with_bytes(|b| ctx.client.reply.bulk(b)),
            _ => ctx.client.reply.null(),
        }
    }
}

fn mset(ctx: &mut Ctx, argv: &[&[u8]]) {
    if argv.len().is_multiple_of(2) {
        return ctx.reply().error(&errors::arity("mset"));
    }
    let db = ctx.db();
    for pair in argv[1..].chunks(2) {
        ctx.srv.ks.set(db, pair[0], Value::str(pair[1]), false);
        ctx.notify(STRING, "set", pair[0]);
    }
    ctx.srv.ks.dirty += (argv.len() / 2) as u64;
    ctx.reply().ok();
}

fn msetnx(ctx: &mut Ctx, argv: &[&[u8]]) {
    if argv.len().is_multiple_of(2) {
        return ctx.reply().error(&errors::arity("msetnx"));
    }
    let db = ctx.db();
    if argv[1..].chunks(2).any(|p| ctx.srv.ks.exists(db, p[0])) {
        return ctx.reply().int(0);
    }
    for pair in argv[1..].chunks(2) {
        ctx.srv.ks.set(db, pair[0], Value::str(pair[1]), false);
        ctx.notify(STRING, "set", pair[0]);
    }
    ctx.srv.ks.dirty += (argv.len() / 2) as u64;
    ctx.reply().int(1);
}

/// The largest string a command may build (`proto-max-bulk-len`).
fn check_size(ctx: &mut Ctx, len: u64) -> bool {
    let max = ctx.srv.config.int(crate::config::D::ProtoMaxBulkLen) as u64;
    if len > max {
        ctx.reply().error(errors::STRING_TOO_LONG);
        return false;
    }
    true
}

fn append(ctx: &mut Ctx, argv: &[&[u8]]) {
    let db = ctx.db();
    let key = argv[1];
    let cur_len = match read_str_for_write(ctx, key) {
        Err(e) => return ctx.reply().error(e),
        Ok(v) => v.map(|s| s.len()),
    };
    let new_len = match cur_len {
        None => {
            // A new key gets the compact encoding, as Redis's tryObjectEncoding does.
            ctx.srv.ks.set(db, key, Value::str(argv[2]), false);
            argv[2].len()
        }
        Some(len) => {
            if !check_size(ctx, (len + argv[2].len()) as u64) {
                return;
            }
            let Some(Value::Str(s)) = ctx.srv.ks.lookup_write(db, key) else { return };
            let raw = s.make_raw();
            raw.extend_from_slice(argv[2]);
            let n = raw.len();
            ctx.srv.ks.key_modified(db, key);
            n
        }
    };
    ctx.srv.ks.dirty += 1;
    ctx.notify(STRING, "append", key);
    ctx.reply().int(new_len as i64);
}

fn strlen(ctx: &mut Ctx, argv: &[&[u8]]) {
    match read_str(ctx, argv[1]) {
        Err(e) => ctx.reply().error(e),
        Ok(v) => {
            let n = v.map(|s| s.len()).unwrap_or(0);
            ctx.reply().int(n as i64)
        }
    }
}

fn getrange(ctx: &mut Ctx, argv: &[&[u8]]) {
    let (Ok(mut start), Ok(mut end)) = (args::int(argv[2]), args::int(argv[3])) else {
        return ctx.reply().error(errors::NOT_INTEGER);
    };
    let v = match read_str(ctx, argv[1]) {
        Err(e) => return ctx.reply().error(e),
        Ok(None) => return ctx.reply().bulk(b""),
        Ok(Some(s)) => s.to_vec(),
    };
    let len = v.len() as i64;
    // Redis: both negative and start > end is empty; otherwise clamp.
    if start < 0 && end < 0 && start > end {
        return ctx.reply().bulk(b"");
    }
    if start < 0 {
        start += len;
    }
    if end < 0 {
        end += len;
    }
    start = start.max(0);
    end = end.max(0);
    if end >= len {
        end = len - 1;
    }
    if start > end || len == 0 {
        return ctx.reply().bulk(b"");
    }
    ctx.reply().bulk(&v[start as usize..=end as usize]);
}

fn setrange(ctx: &mut Ctx, argv: &[&[u8]]) {
    let db = ctx.db();
    let key = argv[1];
    let Ok(offset) = args::int(argv[2]) else { return ctx.reply().error(errors::NOT_INTEGER) };
    if offset < 0 {
        return ctx.reply().error(errors::OFFSET_RANGE);
    }
    let val = argv[3];
    let cur = match read_str_for_write(ctx, key) {
        Err(e) => return ctx.reply().error(e),
        Ok(v) => v.map(|s| s.len()),
    };
    let Some(cur_len) = cur else {
        if val.is_empty() {
            return ctx.reply().int(0);
        }
        if !check_size(ctx, offset as u64 + val.len() as u64) {
            return;
        }
        // Exact size: `vec![0; offset]` then extend would double the buffer.
        let mut buf = Vec::with_capacity(offset as usize + val.len());
        buf.resize(offset as usize, 0);
        buf.extend_from_slice(val);
        let n = buf.len();
        ctx.srv.ks.set(db, key, Value::Str(Str::raw(buf)), false);
        ctx.srv.ks.dirty += 1;
        ctx.notify(STRING, "setrange", key);
        return ctx.reply().int(n as i64);
    };
    if val.is_empty() {
        return ctx.reply().int(cur_len as i64);
    }
    if !check_size(ctx, offset as u64 + val.len() as u64) {
        return;
    }
    let Some(Value::Str(s)) = ctx.srv.ks.lookup_write(db, key) else { return };
    let raw = s.make_raw();
    let end = offset as usize + val.len();
    if raw.len() < end {
        raw.resize(end, 0);
    }
    raw[offset as usize..end].copy_from_slice(val);
    let n = raw.len();
    ctx.srv.ks.key_modified(db, key);
    ctx.srv.ks.dirty += 1;
    ctx.notify(STRING, "setrange", key);
    ctx.reply().int(n as i64);
}

/// The one code path behind INCR, DECR, INCRBY and DECRBY.
fn incr_generic(ctx: &mut Ctx, key: &[u8], by: i64) {
    let db = ctx.db();
    let cur = match ctx.srv.ks.lookup_write(db, key) {
        None => 0,
        Some(Value::Str(s)) => match s.as_i64() {
            Some(n) => n,
            None => return ctx.reply().error(errors::NOT_INTEGER),
        },
        #[allow(unreachable_patterns)]
        Some(_) => return ctx.reply().error(errors::WRONGTYPE),
    };
    let Some(new) = cur.checked_add(by) else {
        return ctx.reply().error(errors::OVERFLOW);
    };
    match ctx.srv.ks.lookup_write(db, key) {
        Some(Value::Str(s)) => {
            *s = Str::Int(new);
            ctx.srv.ks.key_modified(db, key);
        }
        _ => ctx.srv.ks.set(db, key, Value::Str(Str::Int(new)), false),
    }
    ctx.srv.ks.dirty += 1;
    ctx.notify(STRING, "incrby", key);
    ctx.reply().int(new);
}

fn incr(ctx: &mut Ctx, argv: &[&[u8]]) {
    incr_generic(ctx, argv[1], 1);
}

fn decr(ctx: &mut Ctx, argv: &[&[u8]]) {
    incr_generic(ctx, argv[1], -1);
}

fn incrby(ctx: &mut Ctx, argv: &[&[u8]]) {
    match args::int(argv[2]) {
        Ok(by) => incr_generic(ctx, argv[1], by),
        Err(e) => ctx.reply().error(e),
    }
}

fn decrby(ctx: &mut Ctx, argv: &[&[u8]]) {
    match args::int(argv[2]) {
        Ok(i64::MIN) => ctx.reply().error("ERR decrement would overflow"),
        Ok(by) => incr_generic(ctx, argv[1], -by),
        Err(e) => ctx.reply().error(e),
    }
}

fn incrbyfloat(ctx: &mut Ctx, argv: &[&[u8]]) {
    let db = ctx.db();
    let key = argv[1];
    let cur = match read_str_for_write(ctx, key) {
        Err(e) => return ctx.reply().error(e),
        Ok(None) => 0.0,
        Ok(Some(s)) => match s.with_bytes(crate::util::parse_f64) {
            Some(f) => f,
            None => return ctx.reply().error(errors::NOT_FLOAT),
        },
    };
    let Ok(by) = args::float(argv[2]) else { return ctx.reply().error(errors::NOT_FLOAT) };
    let new = cur + by;
    if new.is_nan() || new.is_infinite() {
        return ctx.reply().error(errors::INCR_NAN_INF);
    }
    let text = fmt_human_double(new);
    // Redis stores the formatted result as a string object without trying the
    // integer encoding, so `OBJECT ENCODING` reports embstr even for "3".
    let bytes = text.as_bytes();
    let stored = if bytes.len() <= crate::store::value::EMBSTR_MAX {
        Str::Bytes(bytes.into())
    } else {
        Str::raw(bytes.to_vec())
    };
    let keep_ttl = true;
    ctx.srv.ks.set(db, key, Value::Str(stored), keep_ttl);
    ctx.srv.ks.dirty += 1;
    ctx.notify(STRING, "incrbyfloat", key);
    ctx.reply().bulk(text.as_bytes());
}

fn lcs(ctx: &mut Ctx, argv: &[&[u8]]) {
    let mut get_len = false;
    let mut get_idx = false;
    let mut with_match_len = false;
    let mut min_match_len: i64 = 0;
    let mut i = 3;
    while i < argv.len() {
        let a = argv[i];
        if is(a, "idx") {
            get_idx = true;
        } else if is(a, "len") {
            get_len = true;
        } else if is(a, "withmatchlen") {
            with_match_len = true;
        } else if is(a, "minmatchlen") && i + 1 < argv.len() {
            match args::int(argv[i + 1]) {
                Ok(n) => min_match_len = n.max(0),
                Err(e) => return ctx.reply().error(e),
            }
            i += 1;
        } else {
            return ctx.reply().error(errors::SYNTAX);
        }
        i += 1;
    }
    if get_len && get_idx {
        return ctx.reply().error("ERR If you want both the length and indexes, please just use IDX.");
    }
    let a = match read_str(ctx, argv[1]) {
        Err(_) => return ctx.reply().error("ERR The specified keys must contain string values"),
        Ok(v) => v.map(|s| s.to_vec()).unwrap_or_default(),
    };
    let b = match read_str(ctx, argv[2]) {
        Err(_) => return ctx.reply().error("ERR The specified keys must contain string values"),
        Ok(v) => v.map(|s| s.to_vec()).unwrap_or_default(),
    };
    // Dynamic programming table, (|a|+1) x (|b|+1), as Redis computes it.
    let (al, bl) = (a.len(), b.len());
    let cells = (al + 1).checked_mul(bl + 1).filter(|&n| n <= u32::MAX as usize);
    let Some(cells) = cells else {
        return ctx.reply().error("ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len");
    };
    let mut dp = vec![0u32; cells];
    let at = |i: usize, j: usize| i * (bl + 1) + j;
    for i in 1..=al {
        for j in 1..=bl {
            dp[at(i, j)] =
                if a[i - 1] == b[j - 1] { dp[at(i - 1, j - 1)] + 1 } else { dp[at(i - 1, j)].max(dp[at(i, j - 1)]) };
        }
    }
    let total = dp[at(al, bl)] as usize;
    // Walk back from the end collecting the LCS and its matching ranges.
    let mut result = vec![0u8; total];
    let mut idx = total;
    let (mut i, mut j) = (al, bl);
    // A match: its range in a, its range in b (inclusive), and its length.
    type Span = (usize, usize);
    let mut matches: Vec<(Span, Span, usize)> = Vec::new();
    let mut cur: Option<(Span, Span)> = None;
    let push_range = |cur: &mut Option<(Span, Span)>, matches: &mut Vec<_>| {
        if let Some((ra, rb)) = cur.take() {
            let len = ra.1 - ra.0 + 1;
            if len as i64 >= min_match_len {
                matches.push((ra, rb, len));
            }
        }
    };
    while i > 0 && j > 0 {
        if a[i - 1] == b[j - 1] {
            idx -= 1;
            result[idx] = a[i - 1];
            let (ai, bj) = (i - 1, j - 1);
            match &mut cur {
                Some((ra, rb)) if ra.0 == ai + 1 && rb.0 == bj + 1 => {
                    ra.0 = ai;
                    rb.0 = bj;
                }
                _ => {
                    push_range(&mut cur, &mut matches);
                    cur = Some(((ai, ai), (bj, bj)));
                }
            }
            i -= 1;
            j -= 1;
        } else if dp[at(i - 1, j)] > dp[at(i, j - 1)] {
            i -= 1;
        } else {
            j -= 1;
        }
    }
    push_range(&mut cur, &mut matches);
    let r = ctx.reply();
    if get_idx {
        r.map_len(2);
        r.bulk(b"matches");
        r.array_len(matches.len());
        for (ra, rb, len) in &matches {
            r.array_len(if with_match_len { 3 } else { 2 });
            r.array_len(2);
            r.int(ra.0 as i64);
            r.int(ra.1 as i64);
            r.array_len(2);
            r.int(rb.0 as i64);
            r.int(rb.1 as i64);
            if with_match_len {
                r.int(*len as i64);
            }
        }
        r.bulk(b"len");
        r.int(total as i64);
    } else if get_len {
        r.int(total as i64);
    } else {
        r.bulk(&result);
    }
    let _ = i64_to_bytes;
}
