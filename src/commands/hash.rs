//! Hash commands: HSET and friends, counters (HINCRBY, HINCRBYFLOAT), whole
//! hash reads (HKEYS, HVALS, HGETALL), HRANDFIELD and HSCAN.
//!
//! Every handler reaches its hash through [`read`] or [`write`], and every
//! modification ends in [`after_write`], which deletes a hash that became
//! empty (Redis never keeps empty aggregates) and counts the change. The
//! encoding (packed or hashtable) is the store's business: commands pass the
//! configured [`Limits`] and never look at it.

use super::args::{self, is};
use super::docs::{block, double, integer, key, pattern, pure_token, string, Arg};
use super::{cmd, Command, Ctx, DENYOOM, FAST, ONE_KEY, READONLY, WRITE};
use super::{KEY_ACCESS_UPDATE, KEY_DELETE, KEY_INSERT, KEY_RO, NONDETERMINISTIC, UNORDERED};
use crate::config::D;
use crate::errors;
use crate::protocol::Reply;
use crate::store::events::{GENERIC, HASH};
use crate::store::hash::{Hash, Limits};
use crate::store::{Keyspace, Value};
use crate::util::{fmt_human_double, glob_match, parse_f64, parse_i64_strict, Rng};

const H: &[&str] = &["hash"];
const G: &str = "hash";

#[rustfmt::skip]
pub static COMMANDS: &[Command] = &[
    Command { complexity: "O(1) for each field/value pair added, so O(N) to add N field/value pairs when the command is called with multiple field/value pairs.", history: &[("4.0.0", "Accepts multiple `field` and `value` arguments.")], args: HSET_ARGS, ..cmd("hset", -4, WRITE | DENYOOM | FAST, ONE_KEY, H, G, "Set the string value of a hash field", "2.0.0", hset) },
    Command { key_flags: KEY_INSERT, complexity: "O(1)", args: &[key("key", 0), string("field"), string("value")], ..cmd("hsetnx", 4, WRITE | DENYOOM | FAST, ONE_KEY, H, G, "Set the value of a hash field, only if the field does not exist", "2.0.0", hsetnx) },
    Command { complexity: "O(N) where N is the number of fields being set.", doc_flags: &["deprecated"], deprecated_since: "4.0.0", replaced_by: "`HSET` with multiple field-value pairs", args: HMSET_ARGS, ..cmd("hmset", -4, WRITE | DENYOOM | FAST, ONE_KEY, H, G, "Set multiple hash fields to multiple values", "2.0.0", hmset) },
    Command { complexity: "O(1)", args: &[key("key", 0), string("field")], ..cmd("hget", 3, READONLY | FAST, ONE_KEY, H, G, "Get the value of a hash field", "2.0.0", hget) },
    Command { complexity: "O(N) where N is the number of fields being requested.", args: &[key("key", 0), string("field").multiple()], ..cmd("hmget", -3, READONLY | FAST, ONE_KEY, H, G, "Get the values of all the given hash fields", "2.0.0", hmget) },
    Command { key_flags: KEY_DELETE, complexity: "O(N) where N is the number of fields to be removed.", history: &[("2.4.0", "Accepts multiple `field` arguments.")], args: &[key("key", 0), string("field").multiple()], ..cmd("hdel", -3, WRITE | FAST, ONE_KEY, H, G, "Delete one or more hash fields", "2.0.0", hdel) },
    Command { key_flags: KEY_RO, complexity: "O(1)", args: &[key("key", 0)], ..cmd("hlen", 2, READONLY | FAST, ONE_KEY, H, G, "Get the number of fields in a hash", "2.0.0", hlen) },
    Command { key_flags: KEY_RO, complexity: "O(1)", args: &[key("key", 0), string("field")], ..cmd("hstrlen", 3, READONLY | FAST, ONE_KEY, H, G, "Get the length of the value of a hash field", "3.2.0", hstrlen) },
    Command { key_flags: KEY_RO, complexity: "O(1)", args: &[key("key", 0), string("field")], ..cmd("hexists", 3, READONLY | FAST, ONE_KEY, H, G, "Determine if a hash field exists", "2.0.0", hexists) },
    Command { tips: UNORDERED, complexity: "O(N) where N is the size of the hash.", args: &[key("key", 0)], ..cmd("hkeys", 2, READONLY, ONE_KEY, H, G, "Get all the fields in a hash", "2.0.0", hkeys) },
    Command { tips: UNORDERED, complexity: "O(N) where N is the size of the hash.", args: &[key("key", 0)], ..cmd("hvals", 2, READONLY, ONE_KEY, H, G, "Get all the values in a hash", "2.0.0", hvals) },
    Command { tips: UNORDERED, complexity: "O(N) where N is the size of the hash.", args: &[key("key", 0)], ..cmd("hgetall", 2, READONLY, ONE_KEY, H, G, "Get all the fields and values in a hash", "2.0.0", hgetall) },
    Command { key_flags: KEY_ACCESS_UPDATE, complexity: "O(1)", args: &[key("key", 0), string("field"), integer("increment")], ..cmd("hincrby", 4, WRITE | DENYOOM | FAST, ONE_KEY, H, G, "Increment the integer value of a hash field by the given number", "2.0.0", hincrby) },
    Command { key_flags: KEY_ACCESS_UPDATE, complexity: "O(1)", args: &[key("key", 0), string("field"), double("increment")], ..cmd("hincrbyfloat", 4, WRITE | DENYOOM | FAST, ONE_KEY, H, G, "Increment the float value of a hash field by the given amount", "2.6.0", hincrbyfloat) },
    Command { tips: NONDETERMINISTIC, complexity: "O(N) where N is the number of fields returned", args: HRANDFIELD_ARGS, ..cmd("hrandfield", -2, READONLY, ONE_KEY, H, G, "Get one or multiple random fields from a hash", "6.2.0", hrandfield) },
    Command { tips: NONDETERMINISTIC, complexity: "O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection..", args: HSCAN_ARGS, ..cmd("hscan", -3, READONLY, ONE_KEY, H, G, "Incrementally iterate hash fields and associated values", "2.8.0", hscan) },
];

// `COMMAND DOCS` arguments and history of the commands above (Redis 7.0).

static HSET_ARGS: &[Arg] = &[key("key", 0), block("field_value", &[string("field"), string("value")]).multiple()];

static HMSET_ARGS: &[Arg] = &[key("key", 0), block("field_value", &[string("field"), string("value")]).multiple()];

static HRANDFIELD_ARGS: &[Arg] = &[
    key("key", 0),
    block("options", &[integer("count"), pure_token("withvalues", "WITHVALUES").optional()]).optional(),
];

static HSCAN_ARGS: &[Arg] = &[
    key("key", 0),
    integer("cursor"),
    pattern("pattern").token("MATCH").optional(),
    integer("count").token("COUNT").optional(),
];

// ---------------------------------------------------------------------------
// Access helpers.

/// The encoding thresholds from the config.
fn limits(ctx: &Ctx) -> Limits {
    Limits {
        max_entries: ctx.srv.config.int(D::HashMaxListpackEntries).max(0) as usize,
        max_value: ctx.srv.config.int(D::HashMaxListpackValue).max(0) as usize,
    }
}

/// The hash at `key` for reading: `Ok(None)` if missing, WRONGTYPE if another type.
fn read<'a>(ks: &'a mut Keyspace, db: usize, key: &[u8]) -> Result<Option<&'a Hash>, &'static str> {
    match ks.lookup_read(db, key) {
        None => Ok(None),
        Some(Value::Hash(h)) => Ok(Some(h)),
        Some(_) => Err(errors::WRONGTYPE),
    }
}

/// Runs `f` on the hash at `key` for modification. A missing key gets a new
/// empty hash, stored only if `f` leaves something in it. The caller then
/// calls [`after_write`].
fn write<R>(ks: &mut Keyspace, db: usize, key: &[u8], f: impl FnOnce(&mut Hash) -> R) -> Result<R, &'static str> {
    match ks.lookup_write(db, key) {
        Some(Value::Hash(h)) => Ok(f(h)),
        Some(_) => Err(errors::WRONGTYPE),
        None => {
            let mut h = Hash::new();
            let r = f(&mut h);
            if !h.is_empty() {
                ks.set(db, key, Value::Hash(h), false);
            }
            Ok(r)
        }
    }
}

/// After a modification: deletes the key if the hash became empty, otherwise
/// reports the change, counts `changes` towards `dirty` and publishes the
/// keyspace `event`.
fn after_write(ctx: &mut Ctx, key: &[u8], changes: usize, event: &'static str) {
    if changes == 0 {
        return;
    }
    let db = ctx.db();
    let ks = &mut ctx.srv.ks;
    let empty = matches!(ks.lookup_write(db, key), Some(Value::Hash(h)) if h.is_empty());
    if empty {
        ks.delete(db, key);
    } else {
        ks.key_modified(db, key);
    }
    ks.dirty += changes as u64;
    ctx.notify(HASH, event, key);
    if empty {
        ctx.notify(GENERIC, "del", key);
    }
}

// ---------------------------------------------------------------------------
// Writes.

fn hset(ctx: &mut Ctx, argv: &[&[u8]]) {
    if let Some(added) = hset_generic(ctx, argv, "hset") {
        ctx.reply().int(added as i64);
    }
}

fn hmset(ctx: &mut Ctx, argv: &[&[u8]]) {
    if hset_generic(ctx, argv, "hmset").is_some() {
        ctx.reply().ok();
    }
}

/// HSET and HMSET: sets every field/value pair and returns the number of new
/// fields, or `None` after replying with an error.
fn hset_generic(ctx: &mut Ctx, argv: &[&[u8]], name: &str) -> Option<usize> {
    if !argv.len().is_multiple_of(2) {
        ctx.reply().error(&errors::arity(name));
        return None;
    }
    let lim = limits(ctx);
    let db = ctx.db();
    let key = argv[1];
    let pairs = &argv[2..];
    let res = write(&mut ctx.srv.ks, db, key, |h| {
        h.fit_items(pairs, lim);
        pairs.chunks_exact(2).filter(|p| h.set(p[0], p[1], lim)).count()
    });
    match res {
        Err(e) => {
            ctx.reply().error(e);
            None
        }
        Ok(added) => {
            after_write(ctx, key, pairs.len() / 2, "hset");
            Some(added)
        }
    }
}

fn hsetnx(ctx: &mut Ctx, argv: &[&[u8]]) {
    let lim = limits(ctx);
    let db = ctx.db();
    let (key, field, value) = (argv[1], argv[2], argv[3]);
    let res = write(&mut ctx.srv.ks, db, key, |h| !h.contains(field) && h.set(field, value, lim));
    match res {
        Err(e) => ctx.reply().error(e),
        Ok(set) => {
            after_write(ctx, key, set as usize, "hset");
            ctx.reply().int(set as i64);
        }
    }
}

fn hdel(ctx: &mut Ctx, argv: &[&[u8]]) {
    let db = ctx.db();
    let key = argv[1];
    let deleted = match ctx.srv.ks.lookup_write(db, key) {
        None => 0,
        Some(Value::Hash(h)) => argv[2..].iter().filter(|f| h.remove(f)).count(),
        Some(_) => return ctx.reply().error(errors::WRONGTYPE),
    };
    after_write(ctx, key, deleted, "hdel");
    ctx.reply().int(deleted as i64);
}

fn hincrby(ctx: &mut Ctx, argv: &[&[u8]]) {
    let incr = match args::int(argv[3]) {
        Ok(n) => n,
        Err(e) => return ctx.reply().error(e),
    };
    let lim = limits(ctx);
    let db = ctx.db();
    let (key, field) = (argv[1], argv[2]);
    let res = write(&mut ctx.srv.ks, db, key, |h| {
        let cur = match h.get(field) {
            None => 0,
            Some(v) => parse_i64_strict(v).ok_or(errors::HASH_NOT_INTEGER)?,
        };
        let new = cur.checked_add(incr).ok_or(errors::OVERFLOW)?;
        h.set(field, new.to_string().as_bytes(), lim);
        Ok(new)
    });
    match res.and_then(|r| r) {
        Err(e) => ctx.reply().error(e),
        Ok(new) => {
            after_write(ctx, key, 1, "hincrby");
            ctx.reply().int(new);
        }
    }
}

fn hincrbyfloat(ctx: &mut Ctx, argv: &[&[u8]]) {
    let incr = match args::float(argv[3]) {
        Ok(n) => n,
        Err(e) => return ctx.reply().error(e),
    };
    if incr.is_infinite() {
        return ctx.reply().error(errors::NAN_OR_INFINITY);
    }
    let lim = limits(ctx);
    let db = ctx.db();
    let (key, field) = (argv[1], argv[2]);
    let res = write(&mut ctx.srv.ks, db, key, |h| {
        let cur = match h.get(field) {
            None => 0.0,
            Some(v) => parse_f64(v).ok_or(errors::HASH_NOT_FLOAT)?,
        };
        let new = cur + incr;
        if new.is_nan() || new.is_infinite() {
            return Err(errors::INCR_NAN_INF);
        }
        let text = fmt_human_double(new);
        h.set(field, text.as_bytes(), lim);
        Ok(text)
    });
    match res.and_then(|r| r) {
        Err(e) => ctx.reply().error(e),
        Ok(text) => {
            after_write(ctx, key, 1, "hincrbyfloat");
            ctx.reply().bulk(text.as_bytes());
        }
    }
}

// ---------------------------------------------------------------------------
// Reads.

fn hget(ctx: &mut Ctx, argv: &[&[u8]]) {
    let db = ctx.db();
    match read(&mut ctx.srv.ks, db, argv[1]) {
        Err(e) => ctx.client.reply.error(e),
        Ok(h) => ctx.client.reply.opt_bulk(h.and_then(|h| h.get(argv[2]))),
    }
}

fn hmget(ctx: &mut Ctx, argv: &[&[u8]]) {
    let db = ctx.db();
    let h = match read(&mut ctx.srv.ks, db, argv[1]) {
        Err(e) => return ctx.client.reply.error(e),
        Ok(h) => h,
    };
    let r = &mut ctx.client.reply;
    r.array_len(argv.len() - 2);
    for f in &argv[2..] {
        r.opt_bulk(h.and_then(|h| h.get(f)));
    }
}

fn hlen(ctx: &mut Ctx, argv: &[&[u8]]) {
    let db = ctx.db();
    match read(&mut ctx.srv.ks, db, argv[1]) {
        Err(e) => ctx.client.reply.error(e),
        Ok(h) => ctx.client.reply.int(h.map_or(0, |h| h.len()) as i64),
    }
}

fn hstrlen(ctx: &mut Ctx, argv: &[&[u8]]) {
    let db = ctx.db();
    match read(&mut ctx.srv.ks, db, argv[1]) {
        Err(e) => ctx.client.reply.error(e),
        Ok(h) => ctx.client.reply.int(h.and_then(|h| h.get(argv[2])).map_or(0, |v| v.len()) as i64),
    }
}

fn hexists(ctx: &mut Ctx, argv: &[&[u8]]) {
    let db = ctx.db();
    match read(&mut ctx.srv.ks, db, argv[1]) {
        Err(e) => ctx.client.reply.error(e),
        Ok(h) => ctx.client.reply.int(h.is_some_and(|h| h.contains(argv[2])) as i64),
    }
}

/// What HKEYS, HVALS and HGETALL return.
#[derive(Clone, Copy, PartialEq)]
enum Part {
    Fields,
    Values,
    Both,
}

fn hkeys(ctx: &mut Ctx, argv: &[&[u8]]) {
    hgetall_generic(ctx, argv[1], Part::Fields);
}

fn hvals(ctx: &mut Ctx, argv: &[&[u8]]) {
    hgetall_generic(ctx, argv[1], Part::Values);
}

fn hgetall(ctx: &mut Ctx, argv: &[&[u8]]) {
    hgetall_generic(ctx, argv[1], Part::Both);
}

fn hgetall_generic(ctx: &mut Ctx, key: &[u8], part: Part) {
    let db = ctx.db();
    let h = match read(&mut ctx.srv.ks, db, key) {
        Err(e) => return ctx.client.reply.error(e),
        Ok(h) => h,
    };
    let r = &mut ctx.client.reply;
    let len = h.map_or(0, |h| h.len());
    if part == Part::Both {
        r.map_len(len);
    } else {
        r.array_len(len);
    }
    if let Some(h) = h {
        h.for_each(|f, v| match part {
            Part::Fields => r.bulk(f),
            Part::Values => r.bulk(v),
            Part::Both => {
                r.bulk(f);
                r.bulk(v);
            }
        });
    }
}

// ---------------------------------------------------------------------------
// HRANDFIELD.

/// Most picks a negative HRANDFIELD count may ask for (a reply of at least a
/// few hundred megabytes; beyond it the server would run out of memory).
const MAX_RANDOM_PICKS: i64 = 1 << 24;

fn hrandfield(ctx: &mut Ctx, argv: &[&[u8]]) {
    let db = ctx.db();
    if argv.len() == 2 {
        let ks = &mut ctx.srv.ks;
        let mut rng = ks.rng.clone();
        let pick = match read(ks, db, argv[1]) {
            Err(e) => Err(e),
            Ok(h) => Ok(h.and_then(|h| h.random_pair(&mut rng)).map(|(f, _)| f.to_vec())),
        };
        ctx.srv.ks.rng = rng;
        return match pick {
            Err(e) => ctx.client.reply.error(e),
            Ok(f) => ctx.client.reply.opt_bulk(f.as_deref()),
        };
    }
    // Redis accepts counts in [-LONG_MAX, LONG_MAX], and with WITHVALUES only
    // half that (the reply has two entries per pick).
    let count = match args::int(argv[2]) {
        Err(e) => return ctx.reply().error(e),
        Ok(i64::MIN) => return ctx.reply().error(errors::ZRANDMEMBER_RANGE),
        Ok(c) => c,
    };
    let withvalues = match argv.len() {
        3 => false,
        4 if is(argv[3], "withvalues") => true,
        _ => return ctx.reply().error(errors::SYNTAX),
    };
    if withvalues && !(-i64::MAX / 2..=i64::MAX / 2).contains(&count) {
        return ctx.reply().error(errors::VALUE_OUT_OF_RANGE);
    }
    // Redis would try to build a reply of |count| picks and get killed for
    // lack of memory; we refuse counts whose reply could never be delivered,
    // unless an output buffer limit stops the reply (and closes the client)
    // long before that.
    if count < -MAX_RANDOM_PICKS && ctx.client.reply.limit == 0 {
        return ctx.reply().error(errors::VALUE_OUT_OF_RANGE);
    }
    let ks = &mut ctx.srv.ks;
    let mut rng = ks.rng.clone();
    let r = &mut ctx.client.reply;
    match read(ks, db, argv[1]) {
        Err(e) => r.error(e),
        Ok(None) => r.array_len(0),
        Ok(Some(h)) => reply_random(r, h, count, withvalues, &mut rng),
    }
    ctx.srv.ks.rng = rng;
}

/// Writes HRANDFIELD's reply for an existing hash. `count < 0`: that many
/// independent picks (repeats allowed). `count >= 0`: that many distinct
/// fields, at most all of them. With values, RESP3 nests each pair.
fn reply_random(r: &mut Reply, h: &Hash, count: i64, withvalues: bool, rng: &mut Rng) {
    let len = h.len();
    let emit = |r: &mut Reply, f: &[u8], v: &[u8]| {
        if withvalues && r.resp3 {
            r.array_len(2);
        }
        r.bulk(f);
        if withvalues {
            r.bulk(v);
        }
    };
    let header = |r: &mut Reply, n: usize| {
        let flat = withvalues && !r.resp3;
        r.array_len(if flat { n * 2 } else { n });
    };
    if count < 0 {
        let n = count.unsigned_abs() as usize;
        header(r, n);
        if h.scans_whole() {
            // Packed: index the pairs once, then pick by position.
            let pairs = h.pairs();
            for _ in 0..n {
                let (f, v) = pairs[rng.below(pairs.len())];
                emit(r, f, v);
                if r.over_limit() {
                    return;
                }
            }
        } else {
            for _ in 0..n {
                if r.over_limit() {
                    return;
                }
                match h.random_pair(rng) {
                    Some((f, v)) => emit(r, f, v),
                    // Cannot happen for a non-empty hash; keep the reply well formed.
                    None => emit(r, b"", b""),
                }
            }
        }
        return;
    }
    let n = count as usize;
    if n >= len {
        // The whole hash.
        header(r, len);
        h.for_each(|f, v| emit(r, f, v));
        return;
    }
    if h.scans_whole() || n * 3 > len {
        // Copy the pairs and keep a random subset (partial Fisher-Yates).
        let mut pairs = h.pairs();
        for i in 0..n {
            let j = i + rng.below(pairs.len() - i);
            pairs.swap(i, j);
        }
        header(r, n);
        for &(f, v) in &pairs[..n] {
            emit(r, f, v);
        }
        return;
    }
    // Few fields out of a big table: random picks until `n` are distinct.
    let mut chosen: Vec<(&[u8], &[u8])> = Vec::with_capacity(n);
    let mut seen = std::collections::HashSet::with_capacity(n);
    while chosen.len() < n {
        let Some((f, v)) = h.random_pair(rng) else { break };
        if seen.insert(f) {
            chosen.push((f, v));
        }
    }
    header(r, chosen.len());
    for (f, v) in chosen {
        emit(r, f, v);
    }
}

// ---------------------------------------------------------------------------
// HSCAN.

fn hscan(ctx: &mut Ctx, argv: &[&[u8]]) {
    // Redis checks the cursor, then the key, and only then the options.
    if let Err(e) = super::keys::parse_scan(&argv[2..3], false) {
        return ctx.reply().error(e);
    }
    let db = ctx.db();
    let h = match read(&mut ctx.srv.ks, db, argv[1]) {
        Err(e) => return ctx.client.reply.error(e),
        Ok(h) => h,
    };
    let Some(h) = h else {
        let r = &mut ctx.client.reply;
        r.array_len(2);
        r.bulk(b"0");
        return r.array_len(0);
    };
    let o = match super::keys::parse_scan(&argv[2..], false) {
        Ok(o) => o,
        Err(e) => return ctx.client.reply.error(e),
    };
    let mut items: Vec<(Vec<u8>, Vec<u8>)> = Vec::new();
    let mut cursor = o.cursor;
    // Like Redis: at most 10*COUNT steps, and COUNT counts fields and values.
    let mut visits = o.count.saturating_mul(10);
    loop {
        cursor = h.scan(cursor, |f, v| {
            if o.pattern.is_none_or(|p| glob_match(p, f, false)) {
                items.push((f.to_vec(), v.to_vec()));
            }
        });
        visits -= 1;
        if cursor == 0 || items.len() * 2 >= o.count || visits == 0 {
            break;
        }
    }
    let r = &mut ctx.client.reply;
    r.array_len(2);
    r.bulk(cursor.to_string().as_bytes());
    r.array_len(items.len() * 2);
    for (f, v) in &items {
        r.bulk(f);
        r.bulk(v);
    }
}
