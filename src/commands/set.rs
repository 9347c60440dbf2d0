//! Set commands: SADD and friends, membership, random members and pops, the
//! set algebra (SINTER/SUNION/SDIFF, their STORE forms and SINTERCARD), and
//! SSCAN. The value type and its intset/hashtable encodings are in
//! src/store/set.rs.

use super::args::{self, is};
use super::docs::{integer, key, pattern, string, Arg};
use super::{
    cmd, one_key_spec, range_spec, store_from_keys_specs, Command, Ctx, KeySpec, Keys, ALL_KEYS, DENYOOM, FAST,
};
use super::{
    KEY_DELETE, KEY_INSERT, KEY_POP, KEY_READ, KEY_RO, KEY_UPDATE, MOVABLE_KEYS, MOVE_SPECS, NO_KEYS, ONE_KEY,
};
use super::{NONDETERMINISTIC, READONLY, UNORDERED, WRITE};
use crate::config::D;
use crate::errors;
use crate::protocol::Reply;
use crate::store::events::{GENERIC, SET};
use crate::store::set::Set;
use crate::store::{Keyspace, Value};
use crate::util::glob_match;

const S: &[&str] = &["set"];
const G: &str = "set";
const TWO_KEYS: Keys = Keys { first: 1, last: 2, step: 1 };
static STORE_SPECS: &[KeySpec] = &store_from_keys_specs(1);
/// Redis 7.0 declares SINTERSTORE's destination `RW update`, unlike SUNIONSTORE's.
static SINTERSTORE_SPECS: &[KeySpec] = &[one_key_spec(1, KEY_UPDATE), range_spec(2, -1, 1, KEY_READ)];

#[rustfmt::skip]
pub static COMMANDS: &[Command] = &[
    Command { key_flags: KEY_INSERT, complexity: "O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments.", history: &[("2.4.0", "Accepts multiple `member` arguments.")], args: &[key("key", 0), string("member").multiple()], ..cmd("sadd", -3, WRITE | DENYOOM | FAST, ONE_KEY, S, G, "Add one or more members to a set", "1.0.0", sadd) },
    Command { key_flags: KEY_DELETE, complexity: "O(N) where N is the number of members to be removed.", history: &[("2.4.0", "Accepts multiple `member` arguments.")], args: &[key("key", 0), string("member").multiple()], ..cmd("srem", -3, WRITE | FAST, ONE_KEY, S, G, "Remove one or more members from a set", "1.0.0", srem) },
    Command { key_specs: MOVE_SPECS, complexity: "O(1)", args: &[key("source", 0), key("destination", 1), string("member")], ..cmd("smove", 4, WRITE | FAST, TWO_KEYS, S, G, "Move a member from one set to another", "1.0.0", smove) },
    Command { key_flags: KEY_RO, complexity: "O(1)", args: &[key("key", 0), string("member")], ..cmd("sismember", 3, READONLY | FAST, ONE_KEY, S, G, "Determine if a given value is a member of a set", "1.0.0", sismember) },
    Command { complexity: "O(N) where N is the number of elements being checked for membership", args: &[key("key", 0), string("member").multiple()], ..cmd("smismember", -3, READONLY | FAST, ONE_KEY, S, G, "Returns the membership associated with the given elements for a set", "6.2.0", smismember) },
    Command { key_flags: KEY_RO, complexity: "O(1)", args: &[key("key", 0)], ..cmd("scard", 2, READONLY | FAST, ONE_KEY, S, G, "Get the number of members in a set", "1.0.0", scard) },
    Command { tips: UNORDERED, complexity: "O(N) where N is the set cardinality.", args: &[key("key", 0)], ..cmd("smembers", 2, READONLY, ONE_KEY, S, G, "Get all the members in a set", "1.0.0", smembers) },
    Command { key_flags: KEY_POP, tips: NONDETERMINISTIC, complexity: "Without the count argument O(1), otherwise O(N) where N is the value of the passed count.", history: &[("3.2.0", "Added the `count` argument.")], args: &[key("key", 0), integer("count").since("3.2.0").optional()], ..cmd("spop", -2, WRITE | FAST, ONE_KEY, S, G, "Remove and return one or multiple random members from a set", "1.0.0", spop) },
    Command { tips: NONDETERMINISTIC, complexity: "Without the count argument O(1), otherwise O(N) where N is the absolute value of the passed count.", history: &[("2.6.0", "Added the optional `count` argument.")], args: &[key("key", 0), integer("count").since("2.6.0").optional()], ..cmd("srandmember", -2, READONLY, ONE_KEY, S, G, "Get one or multiple random members from a set", "1.0.0", srandmember) },
    Command { tips: UNORDERED, complexity: "O(N*M) worst case where N is the cardinality of the smallest set and M is the number of sets.", args: &[key("key", 0).multiple()], ..cmd("sinter", -2, READONLY, ALL_KEYS, S, G, "Intersect multiple sets", "1.0.0", sinter) },
    Command { key_specs: super::READ_NUMKEYS, complexity: "O(N*M) worst case where N is the cardinality of the smallest set and M is the number of sets.", args: SINTERCARD_ARGS, ..cmd("sintercard", -3, READONLY | MOVABLE_KEYS, NO_KEYS, S, G, "Intersect multiple sets and return the cardinality of the result", "7.0.0", sintercard) },
    Command { key_specs: SINTERSTORE_SPECS, complexity: "O(N*M) worst case where N is the cardinality of the smallest set and M is the number of sets.", args: &[key("destination", 0), key("key", 1).multiple()], ..cmd("sinterstore", -3, WRITE | DENYOOM, ALL_KEYS, S, G, "Intersect multiple sets and store the resulting set in a key", "1.0.0", sinterstore) },
    Command { tips: UNORDERED, complexity: "O(N) where N is the total number of elements in all given sets.", args: &[key("key", 0).multiple()], ..cmd("sunion", -2, READONLY, ALL_KEYS, S, G, "Add multiple sets", "1.0.0", sunion) },
    Command { key_specs: STORE_SPECS, complexity: "O(N) where N is the total number of elements in all given sets.", args: &[key("destination", 0), key("key", 1).multiple()], ..cmd("sunionstore", -3, WRITE | DENYOOM, ALL_KEYS, S, G, "Add multiple sets and store the resulting set in a key", "1.0.0", sunionstore) },
    Command { tips: UNORDERED, complexity: "O(N) where N is the total number of elements in all given sets.", args: &[key("key", 0).multiple()], ..cmd("sdiff", -2, READONLY, ALL_KEYS, S, G, "Subtract multiple sets", "1.0.0", sdiff) },
    Command { key_specs: STORE_SPECS, complexity: "O(N) where N is the total number of elements in all given sets.", args: &[key("destination", 0), key("key", 1).multiple()], ..cmd("sdiffstore", -3, WRITE | DENYOOM, ALL_KEYS, S, G, "Subtract multiple sets and store the resulting set in a key", "1.0.0", sdiffstore) },
    Command { tips: NONDETERMINISTIC, complexity: "O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection..", args: SSCAN_ARGS, ..cmd("sscan", -3, READONLY, ONE_KEY, S, G, "Incrementally iterate Set elements", "2.8.0", sscan) },
];

// `COMMAND DOCS` arguments and history of the commands above (Redis 7.0).

static SINTERCARD_ARGS: &[Arg] =
    &[integer("numkeys"), key("key", 0).multiple(), integer("limit").token("LIMIT").optional()];

static SSCAN_ARGS: &[Arg] = &[
    key("key", 0),
    integer("cursor"),
    pattern("pattern").token("MATCH").optional(),
    integer("count").token("COUNT").optional(),
];

// ---------------------------------------------------------------------------
// Access helpers.

/// `set-max-intset-entries`.
fn max_intset(ctx: &Ctx) -> usize {
    ctx.srv.config.int(D::SetMaxIntsetEntries).max(0) as usize
}

/// The set at `key` for reading: `Ok(None)` if missing, WRONGTYPE if another type.
fn read<'a>(ks: &'a mut Keyspace, db: usize, key: &[u8]) -> Result<Option<&'a Set>, &'static str> {
    match ks.lookup_read(db, key) {
        None => Ok(None),
        Some(Value::Set(s)) => Ok(Some(s)),
        Some(_) => Err(errors::WRONGTYPE),
    }
}

/// The set at `key` for modification (the caller reports the change).
fn write<'a>(ks: &'a mut Keyspace, db: usize, key: &[u8]) -> Result<Option<&'a mut Set>, &'static str> {
    match ks.lookup_write(db, key) {
        None => Ok(None),
        Some(Value::Set(s)) => Ok(Some(s)),
        Some(_) => Err(errors::WRONGTYPE),
    }
}

/// After a modification: deletes the key if the set became empty, otherwise
/// reports the change, counts `changes` towards `dirty` and publishes the
/// keyspace `event`.
fn after_write(ctx: &mut Ctx, key: &[u8], changes: usize, event: &'static str) {
    if changes == 0 {
        return;
    }
    let db = ctx.db();
    let ks = &mut ctx.srv.ks;
    let empty = matches!(ks.lookup_write(db, key), Some(Value::Set(s)) if s.is_empty());
    if empty {
        ks.delete(db, key);
    } else {
        ks.key_modified(db, key);
    }
    ks.dirty += changes as u64;
    ctx.notify(SET, event, key);
    if empty {
        ctx.notify(GENERIC, "del", key);
    }
}

/// Stores `s` at `dst` (replacing any value) announcing `event`, or deletes
/// `dst` if `s` is empty.
fn store(ctx: &mut Ctx, dst: &[u8], s: Set, event: &'static str) {
    let db = ctx.db();
    let ks = &mut ctx.srv.ks;
    if s.is_empty() {
        if ks.delete(db, dst) {
            ks.dirty += 1;
            ctx.notify(GENERIC, "del", dst);
        }
        return;
    }
    ks.set(db, dst, Value::Set(Box::new(s)), false);
    ks.dirty += 1;
    ctx.notify(SET, event, dst);
}

// ---------------------------------------------------------------------------
// Adding, removing, membership.

fn sadd(ctx: &mut Ctx, argv: &[&[u8]]) {
    let (db, key, lim) = (ctx.db(), argv[1], max_intset(ctx));
    let ks = &mut ctx.srv.ks;
    let added = match write(ks, db, key) {
        Err(e) => return ctx.client.reply.error(e),
        Ok(Some(s)) => argv[2..].iter().filter(|m| s.add(m, lim)).count(),
        Ok(None) => {
            let mut s = Set::new();
            let n = argv[2..].iter().filter(|m| s.add(m, lim)).count();
            ks.set(db, key, Value::Set(Box::new(s)), false);
            n
        }
    };
    if added > 0 {
        ks.key_modified(db, key);
        ks.dirty += added as u64;
        ctx.notify(SET, "sadd", key);
    }
    ctx.client.reply.int(added as i64);
}

fn srem(ctx: &mut Ctx, argv: &[&[u8]]) {
    let (db, key) = (ctx.db(), argv[1]);
    let ks = &mut ctx.srv.ks;
    let removed = match write(ks, db, key) {
        Err(e) => return ctx.client.reply.error(e),
        Ok(None) => 0,
        Ok(Some(s)) => {
            let mut n = 0;
            for m in &argv[2..] {
                if s.remove(m) {
                    n += 1;
                    if s.is_empty() {
                        break;
                    }
                }
            }
            n
        }
    };
    after_write(ctx, key, removed, "srem");
    ctx.client.reply.int(removed as i64);
}

fn smove(ctx: &mut Ctx, argv: &[&[u8]]) {
    let (db, src, dst, member) = (ctx.db(), argv[1], argv[2], argv[3]);
    let lim = max_intset(ctx);
    let ks = &mut ctx.srv.ks;
    let in_src = match ks.lookup_write(db, src) {
        None => return ctx.client.reply.int(0),
        Some(Value::Set(s)) => s.contains(member),
        Some(_) => return ctx.client.reply.error(errors::WRONGTYPE),
    };
    if let Err(e) = write(ks, db, dst) {
        return ctx.client.reply.error(e);
    }
    if src == dst || !in_src {
        return ctx.client.reply.int(in_src as i64);
    }
    if let Ok(Some(s)) = write(ks, db, src) {
        s.remove(member);
    }
    after_write(ctx, src, 1, "srem");
    let ks = &mut ctx.srv.ks;
    let added = match write(ks, db, dst) {
        Ok(Some(s)) => {
            let added = s.add(member, lim);
            if added {
                ks.key_modified(db, dst);
                ks.dirty += 1;
            }
            added
        }
        _ => {
            let mut s = Set::new();
            s.add(member, lim);
            ks.set(db, dst, Value::Set(Box::new(s)), false);
            ks.dirty += 1;
            true
        }
    };
    if added {
        ctx.notify(SET, "sadd", dst);
    }
    ctx.client.reply.int(1);
}

fn sismember(ctx: &mut Ctx, argv: &[&[u8]]) {
    let db = ctx.db();
    match read(&mut ctx.srv.ks, db, argv[1]) {
        Err(e) => ctx.client.reply.error(e),
        Ok(s) => ctx.client.reply.int(s.is_some_and(|s| s.contains(argv[2])) as i64),
    }
}

fn smismember(ctx: &mut Ctx, argv: &[&[u8]]) {
    let db = ctx.db();
    let r = &mut ctx.client.reply;
    match read(&mut ctx.srv.ks, db, argv[1]) {
        Err(e) => r.error(e),
        Ok(s) => {
            r.array_len(argv.len() - 2);
            for m in &argv[2..] {
                r.int(s.is_some_and(|s| s.contains(m)) as i64);
            }
        }
    }
}

fn scard(ctx: &mut Ctx, argv: &[&[u8]]) {
    let db = ctx.db();
    match read(&mut ctx.srv.ks, db, argv[1]) {
        Err(e) => ctx.client.reply.error(e),
        Ok(s) => ctx.client.reply.int(s.map_or(0, |s| s.len()) as i64),
    }
}

fn smembers(ctx: &mut Ctx, argv: &[&[u8]]) {
    let db = ctx.db();
    let r = &mut ctx.client.reply;
    match read(&mut ctx.srv.ks, db, argv[1]) {
        Err(e) => r.error(e),
        Ok(None) => r.set_len(0),
        Ok(Some(s)) => {
            r.set_len(s.len());
            s.for_each(|m| r.bulk(m));
        }
    }
}

// ---------------------------------------------------------------------------
// SPOP and SRANDMEMBER.

/// Above this ratio of popped to remaining members, SPOP with a count keeps
/// the survivors in a new set instead of removing the popped ones one by one
/// (fewer random draws when most of the set goes).
const SPOP_KEEP_RATIO: usize = 5;

fn spop(ctx: &mut Ctx, argv: &[&[u8]]) {
    let (db, key) = (ctx.db(), argv[1]);
    let count = match argv.len() {
        2 => None,
        3 => match args::int(argv[2]) {
            Ok(n) if n >= 0 => Some(n as u64),
            _ => return ctx.reply().error(errors::POSITIVE_RANGE),
        },
        _ => return ctx.reply().error(errors::SYNTAX),
    };
    let ks = &mut ctx.srv.ks;
    let mut rng = ks.rng.clone();
    let r = &mut ctx.client.reply;
    let mut members = Vec::new();
    let popped = match write(ks, db, key) {
        Err(e) => {
            r.error(e);
            0
        }
        Ok(s) => spop_from(s, count, &mut rng, r, &mut members),
    };
    ks.rng = rng;
    after_write(ctx, key, popped, "spop");
    // Propagated as what it removed: SREM of the members, or DEL of the key.
    if popped > 0 {
        let prop = &mut ctx.srv.persist.prop;
        if ctx.srv.ks.dbs[db].dict.contains_key(key) {
            let mut v = vec![b"SREM".to_vec(), key.to_vec()];
            v.append(&mut members);
            prop.rewrite(v);
        } else {
            prop.rewrite_parts(&[b"DEL", key]);
        }
    }
}

/// SPOP's work on the set (if any) and its reply; returns how many members
/// were removed.
/// The popped members are added to `out` (unless the whole set went).
fn spop_from(
    set: Option<&mut Set>,
    count: Option<u64>,
    rng: &mut crate::util::Rng,
    r: &mut Reply,
    out: &mut Vec<Vec<u8>>,
) -> usize {
    let Some(count) = count else {
        let popped = set.and_then(|s| s.pop_random(rng));
        r.opt_bulk(popped.as_deref());
        let n = popped.is_some() as usize;
        out.extend(popped);
        return n;
    };
    let Some(s) = set else {
        r.set_len(0);
        return 0;
    };
    let size = s.len();
    if count == 0 {
        r.set_len(0);
        return 0;
    }
    if count >= size as u64 {
        r.set_len(size);
        s.for_each(|m| r.bulk(m));
        *s = Set::new();
        return size;
    }
    let count = count as usize;
    let remaining = size - count;
    if remaining * SPOP_KEEP_RATIO > count {
        r.set_len(count);
        for _ in 0..count {
            if let Some(m) = s.pop_random(rng) {
                r.bulk(&m);
                out.push(m);
            }
        }
    } else {
        // Move the survivors to a new set of the same encoding; what is left
        // in the old one is the reply.
        let mut keep = s.empty_like();
        for _ in 0..remaining {
            if let Some(m) = s.pop_random(rng) {
                keep.add(&m, usize::MAX);
            }
        }
        r.set_len(s.len());
        s.for_each(|m| {
            r.bulk(m);
            out.push(m.to_vec());
        });
        *s = keep;
    }
    count
}

/// Below this ratio of set size to requested count, SRANDMEMBER copies the
/// whole set and trims it instead of drawing distinct members one by one.
const SRANDMEMBER_SUB_RATIO: usize = 3;

fn srandmember(ctx: &mut Ctx, argv: &[&[u8]]) {
    let (db, key) = (ctx.db(), argv[1]);
    let count = match argv.len() {
        2 => None,
        3 => match args::int(argv[2]) {
            Err(e) => return ctx.reply().error(e),
            Ok(i64::MIN) => return ctx.reply().error(errors::ZRANDMEMBER_RANGE),
            Ok(n) => Some(n),
        },
        _ => return ctx.reply().error(errors::SYNTAX),
    };
    let ks = &mut ctx.srv.ks;
    let mut rng = ks.rng.clone();
    let r = &mut ctx.client.reply;
    match read(ks, db, key) {
        Err(e) => r.error(e),
        Ok(None) => match count {
            None => r.null(),
            Some(_) => r.array_len(0),
        },
        Ok(Some(s)) => match count {
            None => r.opt_bulk(s.random(&mut rng).as_deref()),
            Some(n) if n < 0 => {
                let n = n.unsigned_abs() as usize;
                r.array_len(n);
                for _ in 0..n {
                    match s.random(&mut rng) {
                        Some(m) => r.bulk(&m),
                        None => r.null(),
                    }
                }
            }
            Some(n) if n as u64 >= s.len() as u64 => {
                r.array_len(s.len());
                s.for_each(|m| r.bulk(m));
            }
            Some(n) => {
                let n = n as usize;
                let picked: Vec<Vec<u8>> = if n * SRANDMEMBER_SUB_RATIO > s.len() {
                    let mut all = s.members();
                    // Partial Fisher-Yates: the first n are a uniform sample.
                    for i in 0..n {
                        let j = i + rng.below(all.len() - i);
                        all.swap(i, j);
                    }
                    all.truncate(n);
                    all
                } else {
                    let mut seen = std::collections::HashSet::with_capacity(n);
                    let mut out = Vec::with_capacity(n);
                    while out.len() < n {
                        match s.random(&mut rng) {
                            Some(m) => {
                                if seen.insert(m.clone()) {
                                    out.push(m);
                                }
                            }
                            None => break,
                        }
                    }
                    out
                };
                r.array_len(picked.len());
                for m in &picked {
                    r.bulk(m);
                }
            }
        },
    }
    ctx.srv.ks.rng = rng;
}

// ---------------------------------------------------------------------------
// SINTER, SUNION, SDIFF, their STORE forms and SINTERCARD.

#[derive(Clone, Copy, PartialEq, Eq)]
enum SetOp {
    Inter,
    Union,
    Diff,
}

/// Checks the type of every key (missing keys are empty sets) through the
/// keyspace door, so lazy expiry and statistics apply, and returns which
/// exist. The sets are then borrowed together with [`borrow_sets`].
fn check_inputs(ks: &mut Keyspace, db: usize, keys: &[&[u8]]) -> Result<Vec<bool>, &'static str> {
    let mut present = Vec::with_capacity(keys.len());
    for k in keys {
        present.push(read(ks, db, k)?.is_some());
    }
    Ok(present)
}

/// Shared borrows of the sets at `keys`, already checked and expired by
/// [`check_inputs`] (a lookup takes `&mut Keyspace`, so several sets cannot be
/// held through it at once).
fn borrow_sets<'a>(ks: &'a Keyspace, db: usize, keys: &[&[u8]]) -> Vec<Option<&'a Set>> {
    keys.iter()
        .map(|k| match ks.dbs[db].dict.get(k).map(|o| &o.value) {
            Some(Value::Set(s)) => Some(&**s),
            _ => None,
        })
        .collect()
}

/// The result of `op` over `sets` as a new set (encoded by `max_intset`), or
/// only its size (stopping at `limit` if non-zero) when `count_only`.
fn compute(op: SetOp, sets: &[Option<&Set>], max_intset: usize, count_only: bool, limit: usize) -> (Set, usize) {
    let mut out = Set::new();
    let mut count = 0usize;
    match op {
        SetOp::Inter => {
            if sets.iter().any(|s| s.is_none_or(|s| s.is_empty())) {
                return (out, 0);
            }
            let mut sorted: Vec<&Set> = sets.iter().flatten().copied().collect();
            sorted.sort_by_key(|s| s.len());
            let Some((first, others)) = sorted.split_first() else { return (out, 0) };
            first.for_each(|m| {
                if (limit > 0 && count >= limit) || !others.iter().all(|o| o.contains(m)) {
                    return;
                }
                count += 1;
                if !count_only {
                    out.add(m, max_intset);
                }
            });
        }
        SetOp::Union => {
            for s in sets.iter().flatten() {
                s.for_each(|m| {
                    out.add(m, max_intset);
                });
            }
            count = out.len();
        }
        SetOp::Diff => {
            let Some(Some(first)) = sets.first() else { return (out, 0) };
            let others = &sets[1..];
            first.for_each(|m| {
                if !others.iter().flatten().any(|o| o.contains(m)) {
                    out.add(m, max_intset);
                }
            });
            count = out.len();
        }
    }
    (out, count)
}

fn sinter(ctx: &mut Ctx, argv: &[&[u8]]) {
    setop_generic(ctx, &argv[1..], None, SetOp::Inter)
}

fn sunion(ctx: &mut Ctx, argv: &[&[u8]]) {
    setop_generic(ctx, &argv[1..], None, SetOp::Union)
}

fn sdiff(ctx: &mut Ctx, argv: &[&[u8]]) {
    setop_generic(ctx, &argv[1..], None, SetOp::Diff)
}

fn sinterstore(ctx: &mut Ctx, argv: &[&[u8]]) {
    setop_generic(ctx, &argv[2..], Some((argv[1], "sinterstore")), SetOp::Inter)
}

fn sunionstore(ctx: &mut Ctx, argv: &[&[u8]]) {
    setop_generic(ctx, &argv[2..], Some((argv[1], "sunionstore")), SetOp::Union)
}

fn sdiffstore(ctx: &mut Ctx, argv: &[&[u8]]) {
    setop_generic(ctx, &argv[2..], Some((argv[1], "sdiffstore")), SetOp::Diff)
}

/// The one code path behind SINTER/SUNION/SDIFF and their STORE forms
/// (`dst`: the destination and the keyspace event of the STORE form).
fn setop_generic(ctx: &mut Ctx, keys: &[&[u8]], dst: Option<(&[u8], &'static str)>, op: SetOp) {
    let (db, lim) = (ctx.db(), max_intset(ctx));
    let ks = &mut ctx.srv.ks;
    if let Err(e) = check_inputs(ks, db, keys) {
        return ctx.client.reply.error(e);
    }
    let sets = borrow_sets(ks, db, keys);
    let (result, _) = compute(op, &sets, lim, false, 0);
    match dst {
        Some((dst, event)) => {
            let n = result.len();
            store(ctx, dst, result, event);
            ctx.client.reply.int(n as i64);
        }
        None => {
            let r = &mut ctx.client.reply;
            r.set_len(result.len());
            result.for_each(|m| r.bulk(m));
        }
    }
}

fn sintercard(ctx: &mut Ctx, argv: &[&[u8]]) {
    let n = match args::int(argv[1]) {
        Ok(n) if n > 0 => n as u64,
        _ => return ctx.reply().error(errors::NUMKEYS_POSITIVE),
    };
    if n > (argv.len() - 2) as u64 {
        return ctx.reply().error(errors::NUMKEYS_EXCEED_ARGS);
    }
    let n = n as usize;
    let mut limit = 0usize;
    let mut j = 2 + n;
    while j < argv.len() {
        if is(argv[j], "limit") && j + 1 < argv.len() {
            match args::int(argv[j + 1]) {
                Ok(l) if l >= 0 => limit = l as usize,
                _ => return ctx.reply().error(errors::LIMIT_NEGATIVE),
            }
            j += 2;
        } else {
            return ctx.reply().error(errors::SYNTAX);
        }
    }
    let db = ctx.db();
    let keys = &argv[2..2 + n];
    let ks = &mut ctx.srv.ks;
    if let Err(e) = check_inputs(ks, db, keys) {
        return ctx.client.reply.error(e);
    }
    let sets = borrow_sets(ks, db, keys);
    let (_, count) = compute(SetOp::Inter, &sets, 0, true, limit);
    ctx.client.reply.int(count as i64);
}

// ---------------------------------------------------------------------------
// SSCAN.

fn sscan(ctx: &mut Ctx, argv: &[&[u8]]) {
    let o = match super::keys::parse_scan(&argv[2..], false) {
        Ok(o) => o,
        Err(e) => return ctx.reply().error(e),
    };
    let db = ctx.db();
    let s = match read(&mut ctx.srv.ks, db, argv[1]) {
        Err(e) => return ctx.client.reply.error(e),
        Ok(s) => s,
    };
    let mut items: Vec<Vec<u8>> = Vec::new();
    let mut cursor = 0;
    if let Some(s) = s {
        cursor = o.cursor;
        // Redis bounds the work per call to 10*COUNT bucket visits.
        let mut visits = o.count * 10;
        loop {
            cursor = s.scan(cursor, |m| {
                if o.pattern.is_none_or(|p| glob_match(p, m, false)) {
                    items.push(m.to_vec());
                }
            });
            visits -= 1;
            if cursor == 0 || items.len() >= o.count || visits == 0 {
                break;
            }
        }
    }
    let r = &mut ctx.client.reply;
    r.array_len(2);
    r.bulk(cursor.to_string().as_bytes());
    r.array_len(items.len());
    for m in &items {
        r.bulk(m);
    }
}
