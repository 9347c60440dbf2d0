//! Sorted set commands: ZADD and friends, ranges by rank, score and lex,
//! pops, set algebra (ZUNION/ZINTER/ZDIFF), random members and ZSCAN.
//!
//! Every range command turns its range into ascending ranks `[lo, hi)` first
//! (see [`ScoreRange`], [`LexRange`]) and then visits or removes by rank, so
//! one code path serves the forward, reverse, LIMIT and STORE variants.

use super::args::{self, is};
use super::docs::{block, double, integer, key, oneof, pattern, pure_token, string, Arg};
use super::{cmd, one_key_spec, Command, Ctx, KeySpec, Keys, DENYOOM, FAST, MOVABLE_KEYS, NO_KEYS, ONE_KEY, READONLY};
use super::{KEY_ACCESS_UPDATE, KEY_DELETE, KEY_OVERWRITE, KEY_POP, KEY_READ, KEY_RO, NONDETERMINISTIC, WRITE};
use crate::config::D;
use crate::errors;
use crate::protocol::Reply;
use crate::store::events::{GENERIC, ZSET};
use crate::store::zset::{Limits, ZSet};
use crate::store::{Keyspace, Value};
use crate::util::{fmt_double, glob_match};

const Z: &[&str] = &["sortedset"];
const G: &str = "sorted-set";
const TWO_KEYS: Keys = Keys { first: 1, last: 2, step: 1 };
static ZRANGESTORE_SPECS: &[KeySpec] = &[one_key_spec(1, KEY_OVERWRITE), one_key_spec(2, KEY_READ)];

#[rustfmt::skip]
pub static COMMANDS: &[Command] = &[
    Command { complexity: "O(log(N)) for each item added, where N is the number of elements in the sorted set.", history: ZADD_HISTORY, args: ZADD_ARGS, ..cmd("zadd", -4, WRITE | DENYOOM | FAST, ONE_KEY, Z, G, "Add one or more members to a sorted set, or update its score if it already exists", "1.2.0", zadd) },
    Command { key_flags: KEY_ACCESS_UPDATE, complexity: "O(log(N)) where N is the number of elements in the sorted set.", args: &[key("key", 0), integer("increment"), string("member")], ..cmd("zincrby", 4, WRITE | DENYOOM | FAST, ONE_KEY, Z, G, "Increment the score of a member in a sorted set", "1.2.0", zincrby) },
    Command { key_flags: KEY_DELETE, complexity: "O(M*log(N)) with N being the number of elements in the sorted set and M the number of elements to be removed.", history: &[("2.4.0", "Accepts multiple elements.")], args: &[key("key", 0), string("member").multiple()], ..cmd("zrem", -3, WRITE | FAST, ONE_KEY, Z, G, "Remove one or more members from a sorted set", "1.2.0", zrem) },
    Command { key_flags: KEY_RO, complexity: "O(1)", args: &[key("key", 0)], ..cmd("zcard", 2, READONLY | FAST, ONE_KEY, Z, G, "Get the number of members in a sorted set", "1.2.0", zcard) },
    Command { complexity: "O(1)", args: &[key("key", 0), string("member")], ..cmd("zscore", 3, READONLY | FAST, ONE_KEY, Z, G, "Get the score associated with the given member in a sorted set", "1.2.0", zscore) },
    Command { complexity: "O(N) where N is the number of members being requested.", args: &[key("key", 0), string("member").multiple()], ..cmd("zmscore", -3, READONLY | FAST, ONE_KEY, Z, G, "Get the score associated with the given members in a sorted set", "6.2.0", zmscore) },
    Command { complexity: "O(log(N))", args: &[key("key", 0), string("member")], ..cmd("zrank", 3, READONLY | FAST, ONE_KEY, Z, G, "Determine the index of a member in a sorted set", "2.0.0", zrank) },
    Command { complexity: "O(log(N))", args: &[key("key", 0), string("member")], ..cmd("zrevrank", 3, READONLY | FAST, ONE_KEY, Z, G, "Determine the index of a member in a sorted set, with scores ordered from high to low", "2.0.0", zrevrank) },
    Command { complexity: "O(log(N)) with N being the number of elements in the sorted set.", args: &[key("key", 0), double("min"), double("max")], ..cmd("zcount", 4, READONLY | FAST, ONE_KEY, Z, G, "Count the members in a sorted set with scores within the given values", "2.0.0", zcount) },
    Command { complexity: "O(log(N)) with N being the number of elements in the sorted set.", args: &[key("key", 0), string("min"), string("max")], ..cmd("zlexcount", 4, READONLY | FAST, ONE_KEY, Z, G, "Count the number of members in a sorted set between a given lexicographical range", "2.8.9", zlexcount) },
    Command { complexity: "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements returned.", history: ZRANGE_HISTORY, args: ZRANGE_ARGS, ..cmd("zrange", -4, READONLY, ONE_KEY, Z, G, "Return a range of members in a sorted set", "1.2.0", zrange) },
    Command { key_specs: ZRANGESTORE_SPECS, complexity: "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements stored into the destination key.", args: ZRANGESTORE_ARGS, ..cmd("zrangestore", -5, WRITE | DENYOOM, TWO_KEYS, Z, G, "Store a range of members from sorted set into another key", "6.2.0", zrangestore) },
    Command { complexity: "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements returned.", doc_flags: &["deprecated"], deprecated_since: "6.2.0", replaced_by: "`ZRANGE` with the `REV` argument", args: ZREVRANGE_ARGS, ..cmd("zrevrange", -4, READONLY, ONE_KEY, Z, G, "Return a range of members in a sorted set, by index, with scores ordered from high to low", "1.2.0", zrevrange) },
    Command { complexity: "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements being returned. If M is constant (e.g. always asking for the first 10 elements with LIMIT), you can consider it O(log(N)).", doc_flags: &["deprecated"], deprecated_since: "6.2.0", replaced_by: "`ZRANGE` with the `BYSCORE` argument", history: &[("2.0.0", "Added the `WITHSCORES` modifier.")], args: ZRANGEBYSCORE_ARGS, ..cmd("zrangebyscore", -4, READONLY, ONE_KEY, Z, G, "Return a range of members in a sorted set, by score", "1.0.5", zrangebyscore) },
    Command { complexity: "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements being returned. If M is constant (e.g. always asking for the first 10 elements with LIMIT), you can consider it O(log(N)).", doc_flags: &["deprecated"], deprecated_since: "6.2.0", replaced_by: "`ZRANGE` with the `REV` and `BYSCORE` arguments", history: &[("2.1.6", "`min` and `max` can be exclusive.")], args: ZREVRANGEBYSCORE_ARGS, ..cmd("zrevrangebyscore", -4, READONLY, ONE_KEY, Z, G, "Return a range of members in a sorted set, by score, with scores ordered from high to low", "2.2.0", zrevrangebyscore) },
    Command { complexity: "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements being returned. If M is constant (e.g. always asking for the first 10 elements with LIMIT), you can consider it O(log(N)).", doc_flags: &["deprecated"], deprecated_since: "6.2.0", replaced_by: "`ZRANGE` with the `BYLEX` argument", args: ZRANGEBYLEX_ARGS, ..cmd("zrangebylex", -4, READONLY, ONE_KEY, Z, G, "Return a range of members in a sorted set, by lexicographical range", "2.8.9", zrangebylex) },
    Command { complexity: "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements being returned. If M is constant (e.g. always asking for the first 10 elements with LIMIT), you can consider it O(log(N)).", doc_flags: &["deprecated"], deprecated_since: "6.2.0", replaced_by: "`ZRANGE` with the `REV` and `BYLEX` arguments", args: ZREVRANGEBYLEX_ARGS, ..cmd("zrevrangebylex", -4, READONLY, ONE_KEY, Z, G, "Return a range of members in a sorted set, by lexicographical range, ordered from higher to lower strings.", "2.8.9", zrevrangebylex) },
    Command { key_flags: KEY_POP, complexity: "O(log(N)*M) with N being the number of elements in the sorted set, and M being the number of elements popped.", args: &[key("key", 0), integer("count").optional()], ..cmd("zpopmin", -2, WRITE | FAST, ONE_KEY, Z, G, "Remove and return members with the lowest scores in a sorted set", "5.0.0", zpopmin) },
    Command { key_flags: KEY_POP, complexity: "O(log(N)*M) with N being the number of elements in the sorted set, and M being the number of elements popped.", args: &[key("key", 0), integer("count").optional()], ..cmd("zpopmax", -2, WRITE | FAST, ONE_KEY, Z, G, "Remove and return members with the highest scores in a sorted set", "5.0.0", zpopmax) },
    Command { key_specs: super::POP_NUMKEYS, complexity: "O(K) + O(M*log(N)) where K is the number of provided keys, N being the number of elements in the sorted set, and M being the number of elements popped.", args: ZMPOP_ARGS, ..cmd("zmpop", -4, WRITE | MOVABLE_KEYS, NO_KEYS, Z, G, "Remove and return members with scores in a sorted set", "7.0.0", zmpop) },
    Command { key_flags: KEY_DELETE, complexity: "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements removed by the operation.", args: &[key("key", 0), integer("start"), integer("stop")], ..cmd("zremrangebyrank", 4, WRITE, ONE_KEY, Z, G, "Remove all members in a sorted set within the given indexes", "2.0.0", zremrangebyrank) },
    Command { key_flags: KEY_DELETE, complexity: "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements removed by the operation.", args: &[key("key", 0), double("min"), double("max")], ..cmd("zremrangebyscore", 4, WRITE, ONE_KEY, Z, G, "Remove all members in a sorted set within the given scores", "1.2.0", zremrangebyscore) },
    Command { key_flags: KEY_DELETE, complexity: "O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements removed by the operation.", args: &[key("key", 0), string("min"), string("max")], ..cmd("zremrangebylex", 4, WRITE, ONE_KEY, Z, G, "Remove all members in a sorted set between the given lexicographical range", "2.8.9", zremrangebylex) },
    Command { key_specs: super::READ_NUMKEYS, complexity: "O(N)+O(M*log(M)) with N being the sum of the sizes of the input sorted sets, and M being the number of elements in the resulting sorted set.", args: ZUNION_ARGS, ..cmd("zunion", -3, READONLY | MOVABLE_KEYS, NO_KEYS, Z, G, "Add multiple sorted sets", "6.2.0", zunion) },
    Command { key_specs: super::READ_NUMKEYS, complexity: "O(N*K)+O(M*log(M)) worst case with N being the smallest input sorted set, K being the number of input sorted sets and M being the number of elements in the resulting sorted set.", args: ZINTER_ARGS, ..cmd("zinter", -3, READONLY | MOVABLE_KEYS, NO_KEYS, Z, G, "Intersect multiple sorted sets", "6.2.0", zinter) },
    Command { key_specs: super::READ_NUMKEYS, complexity: "O(L + (N-K)log(N)) worst case where L is the total number of elements in all the sets, N is the size of the first set, and K is the size of the result set.", args: ZDIFF_ARGS, ..cmd("zdiff", -3, READONLY | MOVABLE_KEYS, NO_KEYS, Z, G, "Subtract multiple sorted sets", "6.2.0", zdiff) },
    Command { key_specs: super::STORE_NUMKEYS, complexity: "O(N)+O(M log(M)) with N being the sum of the sizes of the input sorted sets, and M being the number of elements in the resulting sorted set.", args: ZUNIONSTORE_ARGS, ..cmd("zunionstore", -4, WRITE | DENYOOM | MOVABLE_KEYS, ONE_KEY, Z, G, "Add multiple sorted sets and store the resulting sorted set in a new key", "2.0.0", zunionstore) },
    Command { key_specs: super::STORE_NUMKEYS, complexity: "O(N*K)+O(M*log(M)) worst case with N being the smallest input sorted set, K being the number of input sorted sets and M being the number of elements in the resulting sorted set.", args: ZINTERSTORE_ARGS, ..cmd("zinterstore", -4, WRITE | DENYOOM | MOVABLE_KEYS, ONE_KEY, Z, G, "Intersect multiple sorted sets and store the resulting sorted set in a new key", "2.0.0", zinterstore) },
    Command { key_specs: super::STORE_NUMKEYS, complexity: "O(L + (N-K)log(N)) worst case where L is the total number of elements in all the sets, N is the size of the first set, and K is the size of the result set.", args: ZDIFFSTORE_ARGS, ..cmd("zdiffstore", -4, WRITE | DENYOOM | MOVABLE_KEYS, ONE_KEY, Z, G, "Subtract multiple sorted sets and store the resulting sorted set in a new key", "6.2.0", zdiffstore) },
    Command { key_specs: super::READ_NUMKEYS, complexity: "O(N*K) worst case with N being the smallest input sorted set, K being the number of input sorted sets.", args: ZINTERCARD_ARGS, ..cmd("zintercard", -3, READONLY | MOVABLE_KEYS, NO_KEYS, Z, G, "Intersect multiple sorted sets and return the cardinality of the result", "7.0.0", zintercard) },
    Command { tips: NONDETERMINISTIC, complexity: "O(N) where N is the number of elements returned", args: ZRANDMEMBER_ARGS, ..cmd("zrandmember", -2, READONLY, ONE_KEY, Z, G, "Get one or multiple random elements from a sorted set", "6.2.0", zrandmember) },
    Command { tips: NONDETERMINISTIC, complexity: "O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection..", args: ZSCAN_ARGS, ..cmd("zscan", -3, READONLY, ONE_KEY, Z, G, "Incrementally iterate sorted sets elements and associated scores", "2.8.0", zscan) },
];

// `COMMAND DOCS` arguments and history of the commands above (Redis 7.0).

static ZADD_HISTORY: &[(&str, &str)] = &[
    ("2.4.0", "Accepts multiple elements."),
    ("3.0.2", "Added the `XX`, `NX`, `CH` and `INCR` options."),
    ("6.2.0", "Added the `GT` and `LT` options."),
];

static ZADD_ARGS: &[Arg] = &[
    key("key", 0),
    oneof("condition", &[pure_token("nx", "NX"), pure_token("xx", "XX")]).since("3.0.2").optional(),
    oneof("comparison", &[pure_token("gt", "GT"), pure_token("lt", "LT")]).since("6.2.0").optional(),
    pure_token("change", "CH").since("3.0.2").optional(),
    pure_token("increment", "INCR").since("3.0.2").optional(),
    block("score_member", &[double("score"), string("member")]).multiple(),
];

static ZRANGE_HISTORY: &[(&str, &str)] = &[("6.2.0", "Added the `REV`, `BYSCORE`, `BYLEX` and `LIMIT` options.")];

static ZRANGE_ARGS: &[Arg] = &[
    key("key", 0),
    string("start"),
    string("stop"),
    oneof("sortby", &[pure_token("byscore", "BYSCORE"), pure_token("bylex", "BYLEX")]).since("6.2.0").optional(),
    pure_token("rev", "REV").since("6.2.0").optional(),
    block("offset_count", &[integer("offset"), integer("count")]).token("LIMIT").since("6.2.0").optional(),
    pure_token("withscores", "WITHSCORES").optional(),
];

static ZRANGESTORE_ARGS: &[Arg] = &[
    key("dst", 0),
    key("src", 1),
    string("min"),
    string("max"),
    oneof("sortby", &[pure_token("byscore", "BYSCORE"), pure_token("bylex", "BYLEX")]).optional(),
    pure_token("rev", "REV").optional(),
    block("offset_count", &[integer("offset"), integer("count")]).token("LIMIT").optional(),
];

static ZREVRANGE_ARGS: &[Arg] =
    &[key("key", 0), integer("start"), integer("stop"), pure_token("withscores", "WITHSCORES").optional()];

static ZRANGEBYSCORE_ARGS: &[Arg] = &[
    key("key", 0),
    double("min"),
    double("max"),
    pure_token("withscores", "WITHSCORES").since("2.0.0").optional(),
    block("offset_count", &[integer("offset"), integer("count")]).token("LIMIT").optional(),
];

static ZREVRANGEBYSCORE_ARGS: &[Arg] = &[
    key("key", 0),
    double("max"),
    double("min"),
    pure_token("withscores", "WITHSCORES").optional(),
    block("offset_count", &[integer("offset"), integer("count")]).token("LIMIT").optional(),
];

static ZRANGEBYLEX_ARGS: &[Arg] = &[
    key("key", 0),
    string("min"),
    string("max"),
    block("offset_count", &[integer("offset"), integer("count")]).token("LIMIT").optional(),
];

static ZREVRANGEBYLEX_ARGS: &[Arg] = &[
    key("key", 0),
    string("max"),
    string("min"),
    block("offset_count", &[integer("offset"), integer("count")]).token("LIMIT").optional(),
];

static ZMPOP_ARGS: &[Arg] = &[
    integer("numkeys"),
    key("key", 0).multiple(),
    oneof("where", &[pure_token("min", "MIN"), pure_token("max", "MAX")]),
    integer("count").token("COUNT").optional(),
];

static ZUNION_ARGS: &[Arg] = &[
    integer("numkeys"),
    key("key", 0).multiple(),
    integer("weight").token("WEIGHTS").optional().multiple(),
    oneof("aggregate", &[pure_token("sum", "SUM"), pure_token("min", "MIN"), pure_token("max", "MAX")])
        .token("AGGREGATE")
        .optional(),
    pure_token("withscores", "WITHSCORES").optional(),
];

static ZINTER_ARGS: &[Arg] = &[
    integer("numkeys"),
    key("key", 0).multiple(),
    integer("weight").token("WEIGHTS").optional().multiple(),
    oneof("aggregate", &[pure_token("sum", "SUM"), pure_token("min", "MIN"), pure_token("max", "MAX")])
        .token("AGGREGATE")
        .optional(),
    pure_token("withscores", "WITHSCORES").optional(),
];

static ZDIFF_ARGS: &[Arg] =
    &[integer("numkeys"), key("key", 0).multiple(), pure_token("withscores", "WITHSCORES").optional()];

static ZUNIONSTORE_ARGS: &[Arg] = &[
    key("destination", 0),
    integer("numkeys"),
    key("key", 1).multiple(),
    integer("weight").token("WEIGHTS").optional().multiple(),
    oneof("aggregate", &[pure_token("sum", "SUM"), pure_token("min", "MIN"), pure_token("max", "MAX")])
        .token("AGGREGATE")
        .optional(),
];

static ZINTERSTORE_ARGS: &[Arg] = &[
    key("destination", 0),
    integer("numkeys"),
    key("key", 1).multiple(),
    integer("weight").token("WEIGHTS").optional().multiple(),
    oneof("aggregate", &[pure_token("sum", "SUM"), pure_token("min", "MIN"), pure_token("max", "MAX")])
        .token("AGGREGATE")
        .optional(),
];

static ZDIFFSTORE_ARGS: &[Arg] = &[key("destination", 0), integer("numkeys"), key("key", 1).multiple()];

static ZINTERCARD_ARGS: &[Arg] =
    &[integer("numkeys"), key("key", 0).multiple(), integer("limit").token("LIMIT").optional()];

static ZRANDMEMBER_ARGS: &[Arg] = &[
    key("key", 0),
    block("options", &[integer("count"), pure_token("withscores", "WITHSCORES").optional()]).optional(),
];

static ZSCAN_ARGS: &[Arg] = &[
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
        max_entries: ctx.srv.config.int(D::ZsetMaxListpackEntries).max(0) as usize,
        max_value: ctx.srv.config.int(D::ZsetMaxListpackValue).max(0) as usize,
    }
}

/// The sorted set at `key` for reading: `Ok(None)` if missing, WRONGTYPE if
/// another type.
fn read<'a>(ks: &'a mut Keyspace, db: usize, key: &[u8]) -> Result<Option<&'a ZSet>, &'static str> {
    match ks.lookup_read(db, key) {
        None => Ok(None),
        Some(Value::ZSet(z)) => Ok(Some(z)),
        Some(_) => Err(errors::WRONGTYPE),
    }
}

/// The sorted set at `key` for modification (the caller reports the change).
fn write<'a>(ks: &'a mut Keyspace, db: usize, key: &[u8]) -> Result<Option<&'a mut ZSet>, &'static str> {
    match ks.lookup_write(db, key) {
        None => Ok(None),
        Some(Value::ZSet(z)) => Ok(Some(z)),
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
    let empty = matches!(ks.lookup_write(db, key), Some(Value::ZSet(z)) if z.is_empty());
    if empty {
        ks.delete(db, key);
    } else {
        ks.key_modified(db, key);
    }
    ks.dirty += changes as u64;
    ctx.notify(ZSET, event, key);
    if empty {
        ctx.notify(GENERIC, "del", key);
    }
}

/// Stores `z` at `dst` (replacing any value) announcing `event`, or deletes
/// `dst` if `z` is empty.
fn store(ctx: &mut Ctx, dst: &[u8], mut z: ZSet, lim: Limits, event: &'static str) {
    let db = ctx.db();
    let ks = &mut ctx.srv.ks;
    if z.is_empty() {
        if ks.delete(db, dst) {
            ks.dirty += 1;
            ctx.notify(GENERIC, "del", dst);
        }
        return;
    }
    z.fit(lim);
    ks.set(db, dst, Value::ZSet(Box::new(z)), false);
    ks.dirty += 1;
    ctx.notify(ZSET, event, dst);
}

/// Writes one (member, score) element: flat in RESP2 or without `nested`,
/// as a two-element array otherwise.
fn reply_pair(r: &mut Reply, m: &[u8], s: f64, nested: bool) {
    if nested {
        r.array_len(2);
    }
    r.bulk(m);
    r.double(s);
}

/// Writes an array of elements, with scores if `withscores` (pairs nested
/// in RESP3, as Redis does).
fn reply_elements(r: &mut Reply, items: &[(Vec<u8>, f64)], withscores: bool) {
    if withscores && r.resp3 {
        r.array_len(items.len());
    } else {
        r.array_len(items.len() * if withscores { 2 } else { 1 });
    }
    for (m, s) in items {
        if withscores {
            reply_pair(r, m, *s, r.resp3);
        } else {
            r.bulk(m);
        }
    }
}

// ---------------------------------------------------------------------------
// Ranges.

/// A score interval; `(` makes an end exclusive.
#[derive(Debug, Clone, Copy)]
struct ScoreRange {
    min: f64,
    minex: bool,
    max: f64,
    maxex: bool,
}

impl ScoreRange {
    fn parse(min: &[u8], max: &[u8]) -> Result<ScoreRange, &'static str> {
        let bound = |b: &[u8]| -> Option<(f64, bool)> {
            match b.strip_prefix(b"(") {
                Some(rest) => Some((args::float(rest).ok()?, true)),
                None => Some((args::float(b).ok()?, false)),
            }
        };
        let (Some((min, minex)), Some((max, maxex))) = (bound(min), bound(max)) else {
            return Err(errors::ZRANGE_NOT_FLOAT);
        };
        Ok(ScoreRange { min, minex, max, maxex })
    }

    /// The ascending ranks `[lo, hi)` of the elements inside the range.
    fn ranks(&self, z: &ZSet) -> (usize, usize) {
        let (min, minex, max, maxex) = (self.min, self.minex, self.max, self.maxex);
        let lo = z.count_before(|s, _| if minex { s <= min } else { s < min });
        let hi = z.count_before(|s, _| if maxex { s < max } else { s <= max });
        (lo, hi.max(lo))
    }
}

/// One end of a lex range: `-`, `+`, `[member` or `(member`.
#[derive(Debug, Clone, Copy)]
enum LexBound<'a> {
    Min,
    Max,
    Incl(&'a [u8]),
    Excl(&'a [u8]),
}

#[derive(Debug, Clone, Copy)]
struct LexRange<'a> {
    min: LexBound<'a>,
    max: LexBound<'a>,
}

impl<'a> LexRange<'a> {
    fn parse(min: &'a [u8], max: &'a [u8]) -> Result<LexRange<'a>, &'static str> {
        let bound = |b: &'a [u8]| match b.first() {
            Some(b'-') if b.len() == 1 => Some(LexBound::Min),
            Some(b'+') if b.len() == 1 => Some(LexBound::Max),
            Some(b'[') => Some(LexBound::Incl(&b[1..])),
            Some(b'(') => Some(LexBound::Excl(&b[1..])),
            _ => None,
        };
        match (bound(min), bound(max)) {
            (Some(min), Some(max)) => Ok(LexRange { min, max }),
            _ => Err(errors::ZRANGE_NOT_LEX),
        }
    }

    /// The ascending ranks `[lo, hi)` of the elements inside the range
    /// (meaningful when all elements have the same score).
    fn ranks(&self, z: &ZSet) -> (usize, usize) {
        let below_min = |m: &[u8]| match self.min {
            LexBound::Min => false,
            LexBound::Max => true,
            LexBound::Incl(x) => m < x,
            LexBound::Excl(x) => m <= x,
        };
        let up_to_max = |m: &[u8]| match self.max {
            LexBound::Min => false,
            LexBound::Max => true,
            LexBound::Incl(x) => m <= x,
            LexBound::Excl(x) => m < x,
        };
        let lo = z.count_before(|_, m| below_min(m));
        let hi = z.range_end(lo, |_, m| up_to_max(m));
        (lo, hi.max(lo))
    }
}

/// Normalizes Redis rank indexes (negative from the end) to an inclusive
/// ascending range, or `None` if it is empty.
fn rank_range(start: i64, end: i64, len: usize) -> Option<(usize, usize)> {
    let len = len as i64;
    let mut start = if start < 0 { len + start } else { start };
    let mut end = if end < 0 { len + end } else { end };
    if start < 0 {
        start = 0;
    }
    if start > end || start >= len {
        return None;
    }
    if end >= len {
        end = len - 1;
    }
    Some((start as usize, end as usize))
}

// ---------------------------------------------------------------------------
// ZADD, ZINCRBY, ZREM and point queries.

#[derive(Default, Clone, Copy)]
struct AddFlags {
    nx: bool,
    xx: bool,
    gt: bool,
    lt: bool,
    ch: bool,
    incr: bool,
}

fn zadd(ctx: &mut Ctx, argv: &[&[u8]]) {
    let mut f = AddFlags::default();
    let mut i = 2;
    while i < argv.len() {
        let a = argv[i];
        if is(a, "nx") {
            f.nx = true;
        } else if is(a, "xx") {
            f.xx = true;
        } else if is(a, "gt") {
            f.gt = true;
        } else if is(a, "lt") {
            f.lt = true;
        } else if is(a, "ch") {
            f.ch = true;
        } else if is(a, "incr") {
            f.incr = true;
        } else {
            break;
        }
        i += 1;
    }
    let rest = &argv[i..];
    if rest.is_empty() || !rest.len().is_multiple_of(2) {
        return ctx.reply().error(errors::SYNTAX);
    }
    if f.incr && rest.len() > 2 {
        return ctx.reply().error(errors::ZADD_INCR_PAIRS);
    }
    if f.nx && f.xx {
        return ctx.reply().error(errors::ZADD_NX_XX);
    }
    if (f.nx && (f.gt || f.lt)) || (f.gt && f.lt) {
        return ctx.reply().error(errors::ZADD_GT_LT_NX);
    }
    let mut pairs = Vec::with_capacity(rest.len() / 2);
    for p in rest.chunks(2) {
        match args::float(p[0]) {
            Ok(s) => pairs.push((s, p[1])),
            Err(e) => return ctx.reply().error(e),
        }
    }
    zadd_generic(ctx, argv[1], f, &pairs);
}

fn zincrby(ctx: &mut Ctx, argv: &[&[u8]]) {
    let incr = match args::float(argv[2]) {
        Ok(v) => v,
        Err(e) => return ctx.reply().error(e),
    };
    let f = AddFlags { incr: true, ..Default::default() };
    zadd_generic(ctx, argv[1], f, &[(incr, argv[3])]);
}

/// What applying ZADD's pairs to a set did.
#[derive(Default)]
struct AddOutcome {
    added: usize,
    updated: usize,
    /// Pairs not skipped by NX/XX/GT/LT (for the INCR reply).
    processed: usize,
    last_score: f64,
    /// INCR produced NaN (nothing after that pair was applied).
    nan: bool,
}

fn apply_adds(z: &mut ZSet, f: AddFlags, pairs: &[(f64, &[u8])], lim: Limits) -> AddOutcome {
    let mut o = AddOutcome::default();
    for &(score, member) in pairs {
        match z.score(member) {
            Some(cur) => {
                if f.nx {
                    continue;
                }
                let mut new = score;
                if f.incr {
                    new += cur;
                    if new.is_nan() {
                        o.nan = true;
                        break;
                    }
                }
                if (f.lt && new >= cur) || (f.gt && new <= cur) {
                    continue;
                }
                o.processed += 1;
                o.last_score = new;
                if new != cur {
                    z.update(member, cur, new);
                    o.updated += 1;
                }
            }
            None => {
                if f.xx {
                    continue;
                }
                z.insert(member, score, lim);
                o.added += 1;
                o.processed += 1;
                o.last_score = score;
            }
        }
    }
    o
}

/// The one code path behind ZADD (all options) and ZINCRBY.
fn zadd_generic(ctx: &mut Ctx, key: &[u8], f: AddFlags, pairs: &[(f64, &[u8])]) {
    let db = ctx.db();
    let lim = limits(ctx);
    let ks = &mut ctx.srv.ks;
    let o = match write(ks, db, key) {
        Err(e) => return ctx.client.reply.error(e),
        Ok(Some(z)) => {
            let o = apply_adds(z, f, pairs, lim);
            if o.added + o.updated > 0 {
                ks.key_modified(db, key);
            }
            o
        }
        Ok(None) if f.xx => AddOutcome::default(),
        Ok(None) => {
            let first_len = pairs.first().map(|(_, m)| m.len()).unwrap_or(0);
            let mut z = ZSet::for_size(0, first_len, lim);
            let o = apply_adds(&mut z, f, pairs, lim);
            if !z.is_empty() {
                ks.set(db, key, Value::ZSet(Box::new(z)), false);
            }
            o
        }
    };
    ks.dirty += (o.added + o.updated) as u64;
    if o.added + o.updated > 0 {
        ctx.notify(ZSET, if f.incr { "zincr" } else { "zadd" }, key);
    }
    let r = &mut ctx.client.reply;
    if o.nan {
        r.error(errors::ZSCORE_NAN);
    } else if f.incr {
        if o.processed > 0 {
            r.double(o.last_score);
        } else {
            r.null();
        }
    } else {
        r.int(if f.ch { o.added + o.updated } else { o.added } as i64);
    }
}

fn zrem(ctx: &mut Ctx, argv: &[&[u8]]) {
    let db = ctx.db();
    let ks = &mut ctx.srv.ks;
    let mut n = 0;
    match write(ks, db, argv[1]) {
        Err(e) => return ctx.client.reply.error(e),
        Ok(None) => {}
        Ok(Some(z)) => {
            for m in &argv[2..] {
                if z.remove(m).is_some() {
                    n += 1;
                }
                if z.is_empty() {
                    break;
                }
            }
        }
    }
    after_write(ctx, argv[1], n, "zrem");
    ctx.client.reply.int(n as i64);
}

fn zcard(ctx: &mut Ctx, argv: &[&[u8]]) {
    let db = ctx.db();
    match read(&mut ctx.srv.ks, db, argv[1]) {
        Err(e) => ctx.client.reply.error(e),
        Ok(z) => ctx.client.reply.int(z.map_or(0, |z| z.len()) as i64),
    }
}

fn zscore(ctx: &mut Ctx, argv: &[&[u8]]) {
    let db = ctx.db();
    match read(&mut ctx.srv.ks, db, argv[1]) {
        Err(e) => ctx.client.reply.error(e),
        Ok(z) => match z.and_then(|z| z.score(argv[2])) {
            Some(s) => ctx.client.reply.double(s),
            None => ctx.client.reply.null(),
        },
    }
}

fn zmscore(ctx: &mut Ctx, argv: &[&[u8]]) {
    let db = ctx.db();
    match read(&mut ctx.srv.ks, db, argv[1]) {
        Err(e) => ctx.client.reply.error(e),
        Ok(z) => {
            let r = &mut ctx.client.reply;
            r.array_len(argv.len() - 2);
            for m in &argv[2..] {
                match z.and_then(|z| z.score(m)) {
                    Some(s) => r.double(s),
                    None => r.null(),
                }
            }
        }
    }
}

fn zrank(ctx: &mut Ctx, argv: &[&[u8]]) {
    zrank_generic(ctx, argv, false)
}

fn zrevrank(ctx: &mut Ctx, argv: &[&[u8]]) {
    zrank_generic(ctx, argv, true)
}

fn zrank_generic(ctx: &mut Ctx, argv: &[&[u8]], rev: bool) {
    let db = ctx.db();
    match read(&mut ctx.srv.ks, db, argv[1]) {
        Err(e) => ctx.client.reply.error(e),
        Ok(z) => {
            let rank = z.and_then(|z| z.rank(argv[2]).map(|r| if rev { z.len() - 1 - r } else { r }));
            match rank {
                Some(r) => ctx.client.reply.int(r as i64),
                None => ctx.client.reply.null(),
            }
        }
    }
}

fn zcount(ctx: &mut Ctx, argv: &[&[u8]]) {
    let range = match ScoreRange::parse(argv[2], argv[3]) {
        Ok(r) => r,
        Err(e) => return ctx.reply().error(e),
    };
    let db = ctx.db();
    match read(&mut ctx.srv.ks, db, argv[1]) {
        Err(e) => ctx.client.reply.error(e),
        Ok(z) => {
            let n = z.map_or(0, |z| {
                let (lo, hi) = range.ranks(z);
                hi - lo
            });
            ctx.client.reply.int(n as i64)
        }
    }
}

fn zlexcount(ctx: &mut Ctx, argv: &[&[u8]]) {
    let range = match LexRange::parse(argv[2], argv[3]) {
        Ok(r) => r,
        Err(e) => return ctx.reply().error(e),
    };
    let db = ctx.db();
    match read(&mut ctx.srv.ks, db, argv[1]) {
        Err(e) => ctx.client.reply.error(e),
        Ok(z) => {
            let n = z.map_or(0, |z| {
                let (lo, hi) = range.ranks(z);
                hi - lo
            });
            ctx.client.reply.int(n as i64)
        }
    }
}

// ---------------------------------------------------------------------------
// ZRANGE and its variants.

#[derive(Debug, Clone, Copy, PartialEq)]
enum RangeKind {
    Rank,
    Score,
    Lex,
}

/// A parsed range request (ZRANGE's full syntax).
struct RangeSpec<'a> {
    kind: RangeKind,
    rev: bool,
    withscores: bool,
    offset: i64,
    limit: i64,
    start: i64,
    end: i64,
    score: Option<ScoreRange>,
    lex: Option<LexRange<'a>>,
}

/// Parses `min max [BYSCORE|BYLEX] [REV] [LIMIT o c] [WITHSCORES]` starting at
/// `argv[0] = min`. `kind`/`rev` are preset by the legacy commands (which
/// then reject the keyword); `store` rejects WITHSCORES.
fn parse_range<'a>(
    argv: &[&'a [u8]],
    kind: Option<RangeKind>,
    rev: Option<bool>,
    store: bool,
) -> Result<RangeSpec<'a>, &'static str> {
    let (mut kind, mut rev) = (kind, rev);
    let mut withscores = false;
    let mut offset = 0;
    let mut limit = -1;
    let mut j = 2;
    while j < argv.len() {
        let a = argv[j];
        let left = argv.len() - j - 1;
        if !store && is(a, "withscores") {
            withscores = true;
        } else if is(a, "limit") && left >= 2 {
            offset = args::int(argv[j + 1])?;
            limit = args::int(argv[j + 2])?;
            j += 2;
        } else if rev.is_none() && is(a, "rev") {
            rev = Some(true);
        } else if kind.is_none() && is(a, "bylex") {
            kind = Some(RangeKind::Lex);
        } else if kind.is_none() && is(a, "byscore") {
            kind = Some(RangeKind::Score);
        } else {
            return Err(errors::SYNTAX);
        }
        j += 1;
    }
    let rev = rev.unwrap_or(false);
    let kind = kind.unwrap_or(RangeKind::Rank);
    if limit != -1 && kind == RangeKind::Rank {
        return Err(errors::ZRANGE_LIMIT_RANK);
    }
    if withscores && kind == RangeKind::Lex {
        return Err(errors::ZRANGE_WITHSCORES_LEX);
    }
    let (mut min, mut max) = (argv[0], argv[1]);
    if rev && kind != RangeKind::Rank {
        std::mem::swap(&mut min, &mut max);
    }
    let mut spec = RangeSpec { kind, rev, withscores, offset, limit, start: 0, end: 0, score: None, lex: None };
    match kind {
        RangeKind::Rank => {
            spec.start = args::int(min)?;
            spec.end = args::int(max)?;
        }
        RangeKind::Score => spec.score = Some(ScoreRange::parse(min, max)?),
        RangeKind::Lex => spec.lex = Some(LexRange::parse(min, max)?),
    }
    Ok(spec)
}

impl RangeSpec<'_> {
    /// The selected window as (first ascending rank, count, direction).
    fn window(&self, z: &ZSet) -> (usize, usize) {
        let len = z.len();
        match self.kind {
            RangeKind::Rank => match rank_range(self.start, self.end, len) {
                None => (0, 0),
                Some((s, e)) if self.rev => (len - 1 - s, e - s + 1),
                Some((s, e)) => (s, e - s + 1),
            },
            RangeKind::Score | RangeKind::Lex => {
                let (lo, hi) = match (&self.score, &self.lex) {
                    (Some(r), _) => r.ranks(z),
                    (_, Some(r)) => r.ranks(z),
                    _ => (0, 0),
                };
                let total = (hi - lo) as i64;
                if self.offset < 0 || self.offset >= total {
                    return (0, 0);
                }
                let mut n = total - self.offset;
                if self.limit >= 0 {
                    n = n.min(self.limit);
                }
                let off = self.offset as usize;
                if self.rev {
                    (hi - 1 - off, n as usize)
                } else {
                    (lo + off, n as usize)
                }
            }
        }
    }
}

fn zrange(ctx: &mut Ctx, argv: &[&[u8]]) {
    zrange_generic(ctx, argv[1], &argv[2..], None, None)
}

fn zrevrange(ctx: &mut Ctx, argv: &[&[u8]]) {
    zrange_generic(ctx, argv[1], &argv[2..], Some(RangeKind::Rank), Some(true))
}

fn zrangebyscore(ctx: &mut Ctx, argv: &[&[u8]]) {
    zrange_generic(ctx, argv[1], &argv[2..], Some(RangeKind::Score), Some(false))
}

fn zrevrangebyscore(ctx: &mut Ctx, argv: &[&[u8]]) {
    zrange_generic(ctx, argv[1], &argv[2..], Some(RangeKind::Score), Some(true))
}

fn zrangebylex(ctx: &mut Ctx, argv: &[&[u8]]) {
    zrange_generic(ctx, argv[1], &argv[2..], Some(RangeKind::Lex), Some(false))
}

fn zrevrangebylex(ctx: &mut Ctx, argv: &[&[u8]]) {
    zrange_generic(ctx, argv[1], &argv[2..], Some(RangeKind::Lex), Some(true))
}

/// The one code path behind every range read.
fn zrange_generic(ctx: &mut Ctx, key: &[u8], rest: &[&[u8]], kind: Option<RangeKind>, rev: Option<bool>) {
    let spec = match parse_range(rest, kind, rev, false) {
        Ok(s) => s,
        Err(e) => return ctx.reply().error(e),
    };
    let db = ctx.db();
    let z = match read(&mut ctx.srv.ks, db, key) {
        Err(e) => return ctx.client.reply.error(e),
        Ok(None) => return ctx.client.reply.array_len(0),
        Ok(Some(z)) => z,
    };
    let (start, n) = spec.window(z);
    let r = &mut ctx.client.reply;
    let nested = spec.withscores && r.resp3;
    r.array_len(if spec.withscores && !nested { 2 * n } else { n });
    z.visit(start, n, spec.rev, |m, s| {
        if spec.withscores {
            reply_pair(r, m, s, nested);
        } else {
            r.bulk(m);
        }
    });
}

fn zrangestore(ctx: &mut Ctx, argv: &[&[u8]]) {
    let spec = match parse_range(&argv[3..], None, None, true) {
        Ok(s) => s,
        Err(e) => return ctx.reply().error(e),
    };
    let db = ctx.db();
    let lim = limits(ctx);
    let ks = &mut ctx.srv.ks;
    let mut out = ZSet::new();
    match read(ks, db, argv[2]) {
        Err(e) => return ctx.client.reply.error(e),
        Ok(None) => {}
        Ok(Some(z)) => {
            let (start, n) = spec.window(z);
            let mut items = Vec::with_capacity(n);
            z.visit(start, n, spec.rev, |m, s| items.push((m.to_vec(), s)));
            let max_member = items.iter().map(|(m, _)| m.len()).max().unwrap_or(0);
            out = ZSet::for_size(items.len(), max_member, lim);
            for (m, s) in &items {
                out.insert(m, *s, lim);
            }
        }
    }
    let n = out.len();
    store(ctx, argv[1], out, lim, "zrangestore");
    ctx.client.reply.int(n as i64);
}

// ---------------------------------------------------------------------------
// Removal by range.

fn zremrangebyrank(ctx: &mut Ctx, argv: &[&[u8]]) {
    let (start, end) = match (args::int(argv[2]), args::int(argv[3])) {
        (Ok(s), Ok(e)) => (s, e),
        (Err(e), _) | (_, Err(e)) => return ctx.reply().error(e),
    };
    zremrange_generic(ctx, argv[1], "zremrangebyrank", |z| match rank_range(start, end, z.len()) {
        Some((s, e)) => (s, e + 1),
        None => (0, 0),
    })
}

fn zremrangebyscore(ctx: &mut Ctx, argv: &[&[u8]]) {
    match ScoreRange::parse(argv[2], argv[3]) {
        Ok(r) => zremrange_generic(ctx, argv[1], "zremrangebyscore", |z| r.ranks(z)),
        Err(e) => ctx.reply().error(e),
    }
}

fn zremrangebylex(ctx: &mut Ctx, argv: &[&[u8]]) {
    match LexRange::parse(argv[2], argv[3]) {
        Ok(r) => zremrange_generic(ctx, argv[1], "zremrangebylex", |z| r.ranks(z)),
        Err(e) => ctx.reply().error(e),
    }
}

fn zremrange_generic(ctx: &mut Ctx, key: &[u8], event: &'static str, ranks: impl Fn(&ZSet) -> (usize, usize)) {
    let db = ctx.db();
    let ks = &mut ctx.srv.ks;
    let n = match write(ks, db, key) {
        Err(e) => return ctx.client.reply.error(e),
        Ok(None) => 0,
        Ok(Some(z)) => {
            let (lo, hi) = ranks(z);
            z.remove_ranks(lo, hi)
        }
    };
    after_write(ctx, key, n, event);
    ctx.client.reply.int(n as i64);
}

// ---------------------------------------------------------------------------
// Pops.

/// Elements popped by [`zpop`], in pop order: (member, score).
pub type Popped = Vec<(Vec<u8>, f64)>;

/// Pops up to `count` lowest (or, with `max`, highest) elements of the sorted
/// set at `key`, deleting the key when it empties and counting the change.
/// `Ok(None)` if the key does not exist, `Err(WRONGTYPE)` for another type.
/// This is the building block for ZPOPMIN/ZPOPMAX/ZMPOP and the blocking
/// BZPOPMIN/BZPOPMAX/BZMPOP.
pub fn zpop(ctx: &mut Ctx, key: &[u8], max: bool, count: usize) -> Result<Option<Popped>, &'static str> {
    let db = ctx.db();
    let Some(z) = write(&mut ctx.srv.ks, db, key)? else { return Ok(None) };
    let len = z.len();
    let n = count.min(len);
    let mut out = Vec::with_capacity(n);
    if max {
        z.visit(len.saturating_sub(1), n, true, |m, s| out.push((m.to_vec(), s)));
        z.remove_ranks(len - n, len);
    } else {
        z.visit(0, n, false, |m, s| out.push((m.to_vec(), s)));
        z.remove_ranks(0, n);
    }
    after_write(ctx, key, n, if max { "zpopmax" } else { "zpopmin" });
    Ok(Some(out))
}

fn zpopmin(ctx: &mut Ctx, argv: &[&[u8]]) {
    zpop_command(ctx, argv, false)
}

fn zpopmax(ctx: &mut Ctx, argv: &[&[u8]]) {
    zpop_command(ctx, argv, true)
}

fn zpop_command(ctx: &mut Ctx, argv: &[&[u8]], max: bool) {
    if argv.len() > 3 {
        return ctx.reply().error(errors::SYNTAX);
    }
    let count = match argv.get(2) {
        None => None,
        Some(a) => match args::int(a) {
            Ok(n) if n >= 0 => Some(n as usize),
            _ => return ctx.reply().error(errors::POSITIVE_RANGE),
        },
    };
    let res = zpop(ctx, argv[1], max, count.unwrap_or(1));
    let r = &mut ctx.client.reply;
    match res {
        Err(e) => r.error(e),
        Ok(None) => r.array_len(0),
        Ok(Some(items)) => {
            let nested = r.resp3 && count.is_some();
            r.array_len(if nested { items.len() } else { 2 * items.len() });
            for (m, s) in &items {
                reply_pair(r, m, *s, nested);
            }
        }
    }
}

fn zmpop(ctx: &mut Ctx, argv: &[&[u8]]) {
    let numkeys = match args::int(argv[1]) {
        Ok(n) if n > 0 => n as usize,
        _ => return ctx.reply().error(errors::NUMKEYS_POSITIVE),
    };
    let where_idx = match numkeys.checked_add(2) {
        Some(w) if w < argv.len() => w,
        _ => return ctx.reply().error(errors::SYNTAX),
    };
    let max = if is(argv[where_idx], "min") {
        false
    } else if is(argv[where_idx], "max") {
        true
    } else {
        return ctx.reply().error(errors::SYNTAX);
    };
    let mut count = None;
    let mut j = where_idx + 1;
    while j < argv.len() {
        if count.is_none() && is(argv[j], "count") && j + 1 < argv.len() {
            match args::int(argv[j + 1]) {
                Ok(n) if n > 0 => count = Some(n as usize),
                _ => return ctx.reply().error(errors::COUNT_POSITIVE),
            }
            j += 2;
        } else {
            return ctx.reply().error(errors::SYNTAX);
        }
    }
    for key in &argv[2..where_idx] {
        match zpop(ctx, key, max, count.unwrap_or(1)) {
            Err(e) => return ctx.client.reply.error(e),
            Ok(None) => continue,
            Ok(Some(items)) => {
                let r = &mut ctx.client.reply;
                r.array_len(2);
                r.bulk(key);
                r.array_len(items.len());
                for (m, s) in &items {
                    reply_pair(r, m, *s, true);
                }
                return;
            }
        }
    }
    ctx.client.reply.null_array();
}

// ---------------------------------------------------------------------------
// ZUNION, ZINTER, ZDIFF, their STORE forms and ZINTERCARD.

#[derive(Debug, Clone, Copy, PartialEq)]
enum SetOp {
    Union,
    Inter,
    Diff,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Aggregate {
    Sum,
    Min,
    Max,
}

impl Aggregate {
    fn apply(self, acc: &mut f64, v: f64) {
        match self {
            Aggregate::Sum => {
                *acc += v;
                // inf + -inf: Redis stores 0 rather than NaN.
                if acc.is_nan() {
                    *acc = 0.0;
                }
            }
            Aggregate::Min => *acc = acc.min(v),
            Aggregate::Max => *acc = acc.max(v),
        }
    }
}

/// One input of the set algebra, copied out of the keyspace: its elements
/// and a member lookup.
struct Input {
    items: Vec<(Vec<u8>, f64)>,
    index: std::collections::HashMap<Vec<u8>, f64>,
    weight: f64,
}

impl Input {
    fn new(items: Vec<(Vec<u8>, f64)>) -> Input {
        Input { items, index: std::collections::HashMap::new(), weight: 1.0 }
    }

    fn build_index(&mut self) {
        if self.index.is_empty() {
            self.index = self.items.iter().cloned().collect();
        }
    }
}

/// Reads the inputs of a set-algebra command (every key is type-checked,
/// missing keys are empty inputs).
fn load_inputs(ctx: &mut Ctx, keys: &[&[u8]]) -> Result<Vec<Input>, &'static str> {
    let db = ctx.db();
    let mut out = Vec::with_capacity(keys.len());
    for k in keys {
        let items = match ctx.srv.ks.lookup_read(db, k) {
            None => Vec::new(),
            Some(Value::ZSet(z)) => {
                let mut v = Vec::with_capacity(z.len());
                z.for_each(|m, s| v.push((m.to_vec(), s)));
                v
            }
            // A plain set is an input whose members all score 1.
            Some(Value::Set(s)) => {
                let mut v = Vec::with_capacity(s.len());
                s.for_each(|m| v.push((m.to_vec(), 1.0)));
                v
            }
            Some(_) => return Err(errors::WRONGTYPE),
        };
        out.push(Input::new(items));
    }
    Ok(out)
}

/// Computes the result of `op` over `inputs` (weights applied), unsorted.
fn compute(op: SetOp, agg: Aggregate, mut inputs: Vec<Input>) -> Vec<(Vec<u8>, f64)> {
    let weighted = |w: f64, s: f64| {
        let v = w * s;
        if v.is_nan() {
            0.0
        } else {
            v
        }
    };
    match op {
        SetOp::Union => {
            let mut acc: std::collections::HashMap<Vec<u8>, f64> = std::collections::HashMap::new();
            let mut order = Vec::new();
            inputs.sort_by_key(|i| i.items.len());
            for inp in &inputs {
                for (m, s) in &inp.items {
                    let v = weighted(inp.weight, *s);
                    match acc.get_mut(m) {
                        Some(a) => agg.apply(a, v),
                        None => {
                            acc.insert(m.clone(), v);
                            order.push(m.clone());
                        }
                    }
                }
            }
            order.into_iter().filter_map(|m| acc.get(&m).map(|s| (m.clone(), *s))).collect()
        }
        SetOp::Inter => {
            inputs.sort_by_key(|i| i.items.len());
            if inputs.first().is_none_or(|i| i.items.is_empty()) {
                return Vec::new();
            }
            for inp in inputs.iter_mut().skip(1) {
                inp.build_index();
            }
            let (first, others) = inputs.split_at(1);
            let mut out = Vec::new();
            'next: for (m, s) in &first[0].items {
                let mut score = weighted(first[0].weight, *s);
                for o in others {
                    match o.index.get(m) {
                        Some(os) => agg.apply(&mut score, weighted(o.weight, *os)),
                        None => continue 'next,
                    }
                }
                out.push((m.clone(), score));
            }
            out
        }
        SetOp::Diff => {
            let mut it = inputs.into_iter();
            let Some(first) = it.next() else { return Vec::new() };
            let mut others: Vec<Input> = it.collect();
            for o in others.iter_mut() {
                o.build_index();
            }
            first.items.into_iter().filter(|(m, _)| !others.iter().any(|o| o.index.contains_key(m))).collect()
        }
    }
}

fn zunion(ctx: &mut Ctx, argv: &[&[u8]]) {
    setop_generic(ctx, argv, 1, None, SetOp::Union)
}

fn zinter(ctx: &mut Ctx, argv: &[&[u8]]) {
    setop_generic(ctx, argv, 1, None, SetOp::Inter)
}

fn zdiff(ctx: &mut Ctx, argv: &[&[u8]]) {
    setop_generic(ctx, argv, 1, None, SetOp::Diff)
}

fn zunionstore(ctx: &mut Ctx, argv: &[&[u8]]) {
    setop_generic(ctx, argv, 2, Some(argv[1]), SetOp::Union)
}

fn zinterstore(ctx: &mut Ctx, argv: &[&[u8]]) {
    setop_generic(ctx, argv, 2, Some(argv[1]), SetOp::Inter)
}

fn zdiffstore(ctx: &mut Ctx, argv: &[&[u8]]) {
    setop_generic(ctx, argv, 2, Some(argv[1]), SetOp::Diff)
}

/// Parses `numkeys` at `argv[idx]`: the key count, checked against the
/// arguments present.
fn parse_numkeys(argv: &[&[u8]], idx: usize) -> Result<usize, String> {
    let n = args::int(argv[idx]).map_err(str::to_string)?;
    if n < 1 {
        let name = String::from_utf8_lossy(argv[0]).to_lowercase();
        return Err(format!("ERR at least 1 input key is needed for '{}' command", name));
    }
    if n as u64 > (argv.len() - idx - 1) as u64 {
        return Err(errors::SYNTAX.to_string());
    }
    Ok(n as usize)
}

/// The one code path behind ZUNION/ZINTER/ZDIFF and their STORE forms.
fn setop_generic(ctx: &mut Ctx, argv: &[&[u8]], numkeys_idx: usize, dst: Option<&[u8]>, op: SetOp) {
    let n = match parse_numkeys(argv, numkeys_idx) {
        Ok(n) => n,
        Err(e) => return ctx.reply().error(&e),
    };
    let keys = &argv[numkeys_idx + 1..numkeys_idx + 1 + n];
    let mut inputs = match load_inputs(ctx, keys) {
        Ok(i) => i,
        Err(e) => return ctx.reply().error(e),
    };
    let mut agg = Aggregate::Sum;
    let mut withscores = false;
    let mut j = numkeys_idx + 1 + n;
    while j < argv.len() {
        let a = argv[j];
        let left = argv.len() - j - 1;
        if op != SetOp::Diff && is(a, "weights") && left >= n {
            for (k, inp) in inputs.iter_mut().enumerate() {
                match args::float(argv[j + 1 + k]) {
                    Ok(w) => inp.weight = w,
                    Err(_) => return ctx.reply().error(errors::WEIGHT_NOT_FLOAT),
                }
            }
            j += n;
        } else if op != SetOp::Diff && is(a, "aggregate") && left >= 1 {
            let v = argv[j + 1];
            agg = if is(v, "sum") {
                Aggregate::Sum
            } else if is(v, "min") {
                Aggregate::Min
            } else if is(v, "max") {
                Aggregate::Max
            } else {
                return ctx.reply().error(errors::SYNTAX);
            };
            j += 1;
        } else if dst.is_none() && is(a, "withscores") {
            withscores = true;
        } else {
            return ctx.reply().error(errors::SYNTAX);
        }
        j += 1;
    }
    let mut items = compute(op, agg, inputs);
    items.sort_by(|a, b| a.1.total_cmp(&b.1).then_with(|| a.0.cmp(&b.0)));
    match dst {
        Some(dst) => {
            let lim = limits(ctx);
            let max_member = items.iter().map(|(m, _)| m.len()).max().unwrap_or(0);
            let mut z = ZSet::for_size(items.len(), max_member, lim);
            for (m, s) in &items {
                z.insert(m, *s, lim);
            }
            let event = match op {
                SetOp::Union => "zunionstore",
                SetOp::Inter => "zinterstore",
                SetOp::Diff => "zdiffstore",
            };
            store(ctx, dst, z, lim, event);
            ctx.client.reply.int(items.len() as i64);
        }
        None => reply_elements(&mut ctx.client.reply, &items, withscores),
    }
}

fn zintercard(ctx: &mut Ctx, argv: &[&[u8]]) {
    let n = match parse_numkeys(argv, 1) {
        Ok(n) => n,
        Err(e) => return ctx.reply().error(&e),
    };
    // As in Redis, the keys are type-checked before the options are parsed.
    let inputs = match load_inputs(ctx, &argv[2..2 + n]) {
        Ok(i) => i,
        Err(e) => return ctx.reply().error(e),
    };
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
    let mut card = compute(SetOp::Inter, Aggregate::Sum, inputs).len();
    if limit > 0 {
        card = card.min(limit);
    }
    ctx.reply().int(card as i64);
}

// ---------------------------------------------------------------------------
// ZRANDMEMBER and ZSCAN.

fn zrandmember(ctx: &mut Ctx, argv: &[&[u8]]) {
    let db = ctx.db();
    if argv.len() == 2 {
        let ks = &mut ctx.srv.ks;
        let mut rng = std::mem::replace(&mut ks.rng, crate::util::Rng::with_seed(1));
        let pick = match read(ks, db, argv[1]) {
            Err(e) => Err(e),
            Ok(None) => Ok(None),
            Ok(Some(z)) => Ok(z.at(z.random_rank(&mut rng)).map(|(m, _)| m.to_vec())),
        };
        ctx.srv.ks.rng = rng;
        return match pick {
            Err(e) => ctx.client.reply.error(e),
            Ok(m) => ctx.client.reply.opt_bulk(m.as_deref()),
        };
    }
    let count = match args::int(argv[2]) {
        Err(e) => return ctx.reply().error(e),
        Ok(i64::MIN) => return ctx.reply().error(errors::ZRANDMEMBER_RANGE),
        Ok(c) => c,
    };
    let withscores = match argv.len() {
        3 => false,
        4 if is(argv[3], "withscores") => true,
        _ => return ctx.reply().error(errors::SYNTAX),
    };
    if withscores && !(-i64::MAX / 2..=i64::MAX / 2).contains(&count) {
        return ctx.reply().error(errors::VALUE_OUT_OF_RANGE);
    }
    let ks = &mut ctx.srv.ks;
    let mut rng = std::mem::replace(&mut ks.rng, crate::util::Rng::with_seed(1));
    let picked = match read(ks, db, argv[1]) {
        Err(e) => Err(e),
        Ok(None) => Ok(Vec::new()),
        Ok(Some(z)) => Ok(random_members(z, count, &mut rng)),
    };
    ctx.srv.ks.rng = rng;
    match picked {
        Err(e) => ctx.client.reply.error(e),
        Ok(items) => reply_elements(&mut ctx.client.reply, &items, withscores),
    }
}

/// ZRANDMEMBER's selection: `count > 0` distinct members (at most all of
/// them), `count < 0` that many independent draws.
fn random_members(z: &ZSet, count: i64, rng: &mut crate::util::Rng) -> Vec<(Vec<u8>, f64)> {
    let len = z.len();
    let mut out = Vec::new();
    if count < 0 {
        let n = count.unsigned_abs() as usize;
        out.reserve(n.min(1 << 20));
        for _ in 0..n {
            if let Some((m, s)) = z.at(rng.below(len)) {
                out.push((m.to_vec(), s));
            }
        }
        return out;
    }
    let n = count as usize;
    if n >= len {
        z.for_each(|m, s| out.push((m.to_vec(), s)));
        // Shuffle so the order is not the set's order.
        for i in (1..out.len()).rev() {
            out.swap(i, rng.below(i + 1));
        }
        return out;
    }
    // Floyd's algorithm: n distinct ranks in O(n) draws.
    let mut chosen = std::collections::HashSet::with_capacity(n);
    for j in (len - n)..len {
        let t = rng.below(j + 1);
        if !chosen.insert(t) {
            chosen.insert(j);
        }
    }
    for r in chosen {
        if let Some((m, s)) = z.at(r) {
            out.push((m.to_vec(), s));
        }
    }
    out
}

fn zscan(ctx: &mut Ctx, argv: &[&[u8]]) {
    let o = match super::keys::parse_scan(&argv[2..], false) {
        Ok(o) => o,
        Err(e) => return ctx.reply().error(e),
    };
    let db = ctx.db();
    let z = match read(&mut ctx.srv.ks, db, argv[1]) {
        Err(e) => return ctx.client.reply.error(e),
        Ok(z) => z,
    };
    let mut items: Vec<(Vec<u8>, f64)> = Vec::new();
    let mut cursor = o.cursor;
    if let Some(z) = z {
        let mut visits = o.count.saturating_mul(10);
        loop {
            cursor = z.scan(cursor, |m, s| {
                if o.pattern.is_none_or(|p| glob_match(p, m, false)) {
                    items.push((m.to_vec(), s));
                }
            });
            visits = visits.saturating_sub(1);
            if cursor == 0 || items.len() >= o.count || visits == 0 {
                break;
            }
        }
    } else {
        cursor = 0;
    }
    let r = &mut ctx.client.reply;
    r.array_len(2);
    r.bulk(cursor.to_string().as_bytes());
    r.array_len(items.len() * 2);
    for (m, s) in &items {
        r.bulk(m);
        r.bulk(fmt_double(*s).as_bytes());
    }
}
