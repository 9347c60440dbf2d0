//! List commands: pushes and pops at both ends, ranges, positional access,
//! LINSERT/LREM/LTRIM/LPOS, moves between lists, and the blocking variants
//! (BLPOP, BRPOP, BLMOVE, BRPOPLPUSH, BLMPOP) built on `server::blocking`.
//!
//! A list that becomes empty is deleted, as in Redis: no command ever leaves
//! an empty list in the keyspace.

use super::args::{self, is};
use super::docs::{double, integer, key, oneof, pure_token, string, Arg};
use super::{
    cmd, Command, Ctx, Handler, Keys, BLOCKING, DENYOOM, FAST, MOVABLE_KEYS, NOSCRIPT, NO_KEYS, ONE_KEY, READONLY,
    WRITE,
};
use super::{KEY_DELETE, KEY_INSERT, KEY_POP, KEY_RO, MOVE_SPECS};
use crate::config::D;
use crate::errors;
use crate::server::blocking::{self, block, parse_timeout};
use crate::store::events::{GENERIC, LIST};
use crate::store::list::{Fill, List};
use crate::store::{Keyspace, Value};

const L: &[&str] = &["list"];
const G: &str = "list";
const TWO_KEYS: Keys = Keys { first: 1, last: 2, step: 1 };
/// Every argument but the last (the timeout).
const BPOP_KEYS: Keys = Keys { first: 1, last: -2, step: 1 };

#[rustfmt::skip]
pub static COMMANDS: &[Command] = &[
    Command { key_flags: KEY_INSERT, complexity: "O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments.", history: &[("2.4.0", "Accepts multiple `element` arguments.")], args: &[key("key", 0), string("element").multiple()], ..cmd("lpush", -3, WRITE | DENYOOM | FAST, ONE_KEY, L, G, "Prepend one or multiple elements to a list", "1.0.0", lpush) },
    Command { key_flags: KEY_INSERT, complexity: "O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments.", history: &[("2.4.0", "Accepts multiple `element` arguments.")], args: &[key("key", 0), string("element").multiple()], ..cmd("rpush", -3, WRITE | DENYOOM | FAST, ONE_KEY, L, G, "Append one or multiple elements to a list", "1.0.0", rpush) },
    Command { key_flags: KEY_INSERT, complexity: "O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments.", history: &[("4.0.0", "Accepts multiple `element` arguments.")], args: &[key("key", 0), string("element").multiple()], ..cmd("lpushx", -3, WRITE | DENYOOM | FAST, ONE_KEY, L, G, "Prepend an element to a list, only if the list exists", "2.2.0", lpushx) },
    Command { key_flags: KEY_INSERT, complexity: "O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments.", history: &[("4.0.0", "Accepts multiple `element` arguments.")], args: &[key("key", 0), string("element").multiple()], ..cmd("rpushx", -3, WRITE | DENYOOM | FAST, ONE_KEY, L, G, "Append an element to a list, only if the list exists", "2.2.0", rpushx) },
    Command { key_flags: KEY_POP, complexity: "O(N) where N is the number of elements returned", history: &[("6.2.0", "Added the `count` argument.")], args: &[key("key", 0), integer("count").since("6.2.0").optional()], ..cmd("lpop", -2, WRITE | FAST, ONE_KEY, L, G, "Remove and get the first elements in a list", "1.0.0", lpop) },
    Command { key_flags: KEY_POP, complexity: "O(N) where N is the number of elements returned", history: &[("6.2.0", "Added the `count` argument.")], args: &[key("key", 0), integer("count").since("6.2.0").optional()], ..cmd("rpop", -2, WRITE | FAST, ONE_KEY, L, G, "Remove and get the last elements in a list", "1.0.0", rpop) },
    Command { key_flags: KEY_RO, complexity: "O(1)", args: &[key("key", 0)], ..cmd("llen", 2, READONLY | FAST, ONE_KEY, L, G, "Get the length of a list", "1.0.0", llen) },
    Command { complexity: "O(S+N) where S is the distance of start offset from HEAD for small lists, from nearest end (HEAD or TAIL) for large lists; and N is the number of elements in the specified range.", args: &[key("key", 0), integer("start"), integer("stop")], ..cmd("lrange", 4, READONLY, ONE_KEY, L, G, "Get a range of elements from a list", "1.0.0", lrange) },
    Command { complexity: "O(N) where N is the number of elements to traverse to get to the element at index. This makes asking for the first or the last element of the list O(1).", args: &[key("key", 0), integer("index")], ..cmd("lindex", 3, READONLY, ONE_KEY, L, G, "Get an element from a list by its index", "1.0.0", lindex) },
    Command { complexity: "O(N) where N is the length of the list. Setting either the first or the last element of the list is O(1).", args: &[key("key", 0), integer("index"), string("element")], ..cmd("lset", 4, WRITE | DENYOOM, ONE_KEY, L, G, "Set the value of an element in a list by its index", "1.0.0", lset) },
    Command { key_flags: KEY_INSERT, complexity: "O(N) where N is the number of elements to traverse before seeing the value pivot. This means that inserting somewhere on the left end on the list (head) can be considered O(1) and inserting somewhere on the right end (tail) is O(N).", args: LINSERT_ARGS, ..cmd("linsert", 5, WRITE | DENYOOM, ONE_KEY, L, G, "Insert an element before or after another element in a list", "2.2.0", linsert) },
    Command { key_flags: KEY_DELETE, complexity: "O(N+M) where N is the length of the list and M is the number of elements removed.", args: &[key("key", 0), integer("count"), string("element")], ..cmd("lrem", 4, WRITE, ONE_KEY, L, G, "Remove elements from a list", "1.0.0", lrem) },
    Command { key_flags: KEY_DELETE, complexity: "O(N) where N is the number of elements to be removed by the operation.", args: &[key("key", 0), integer("start"), integer("stop")], ..cmd("ltrim", 4, WRITE, ONE_KEY, L, G, "Trim a list to the specified range", "1.0.0", ltrim) },
    Command { complexity: "O(N) where N is the number of elements in the list, for the average case. When searching for elements near the head or the tail of the list, or when the MAXLEN option is provided, the command may run in constant time.", args: LPOS_ARGS, ..cmd("lpos", -3, READONLY, ONE_KEY, L, G, "Return the index of matching elements on a list", "6.0.6", lpos) },
    Command { key_specs: MOVE_SPECS, complexity: "O(1)", args: LMOVE_ARGS, ..cmd("lmove", 5, WRITE | DENYOOM, TWO_KEYS, L, G, "Pop an element from a list, push it to another list and return it", "6.2.0", lmove) },
    Command { key_specs: MOVE_SPECS, complexity: "O(1)", doc_flags: &["deprecated"], deprecated_since: "6.2.0", replaced_by: "`LMOVE` with the `RIGHT` and `LEFT` arguments", args: &[key("source", 0), key("destination", 1)], ..cmd("rpoplpush", 3, WRITE | DENYOOM, TWO_KEYS, L, G, "Remove the last element in a list, prepend it to another list and return it", "1.2.0", rpoplpush) },
    Command { key_specs: super::POP_NUMKEYS, complexity: "O(N+M) where N is the number of provided keys and M is the number of elements returned.", args: LMPOP_ARGS, ..cmd("lmpop", -4, WRITE | MOVABLE_KEYS, NO_KEYS, L, G, "Pop elements from a list", "7.0.0", lmpop) },
    Command { key_flags: KEY_POP, complexity: "O(N) where N is the number of provided keys.", history: BLPOP_HISTORY, args: &[key("key", 0).multiple(), double("timeout")], ..cmd("blpop", -3, WRITE | NOSCRIPT | BLOCKING, BPOP_KEYS, L, G, "Remove and get the first element in a list, or block until one is available", "2.0.0", blpop) },
    Command { key_flags: KEY_POP, complexity: "O(N) where N is the number of provided keys.", history: BRPOP_HISTORY, args: &[key("key", 0).multiple(), double("timeout")], ..cmd("brpop", -3, WRITE | NOSCRIPT | BLOCKING, BPOP_KEYS, L, G, "Remove and get the last element in a list, or block until one is available", "2.0.0", brpop) },
    Command { key_specs: MOVE_SPECS, complexity: "O(1)", doc_flags: &["deprecated"], deprecated_since: "6.2.0", replaced_by: "`BLMOVE` with the `RIGHT` and `LEFT` arguments", history: BRPOPLPUSH_HISTORY, args: BRPOPLPUSH_ARGS, ..cmd("brpoplpush", 4, WRITE | DENYOOM | NOSCRIPT | BLOCKING, TWO_KEYS, L, G, "Pop an element from a list, push it to another list and return it; or block until one is available", "2.2.0", brpoplpush) },
    Command { key_specs: MOVE_SPECS, complexity: "O(1)", args: BLMOVE_ARGS, ..cmd("blmove", 6, WRITE | DENYOOM | NOSCRIPT | BLOCKING, TWO_KEYS, L, G, "Pop an element from a list, push it to another list and return it; or block until one is available", "6.2.0", blmove) },
    Command { key_specs: super::BLOCKING_POP_NUMKEYS, complexity: "O(N+M) where N is the number of provided keys and M is the number of elements returned.", args: BLMPOP_ARGS, ..cmd("blmpop", -5, WRITE | BLOCKING | MOVABLE_KEYS, NO_KEYS, L, G, "Pop elements from a list, or block until one is available", "7.0.0", blmpop) },
    // The blocking sorted set pops live here, next to the other blocking
    // pops; they are built on the sorted set family's `zpop`.
    Command { key_flags: KEY_POP, complexity: "O(log(N)) with N being the number of elements in the sorted set.", history: BZPOPMIN_HISTORY, args: &[key("key", 0).multiple(), double("timeout")], ..cmd("bzpopmin", -3, WRITE | NOSCRIPT | FAST | BLOCKING, BPOP_KEYS, &["sortedset"], "sorted-set", "Remove and return the member with the lowest score from one or more sorted sets, or block until one is available", "5.0.0", bzpopmin) },
    Command { key_flags: KEY_POP, complexity: "O(log(N)) with N being the number of elements in the sorted set.", history: BZPOPMAX_HISTORY, args: &[key("key", 0).multiple(), double("timeout")], ..cmd("bzpopmax", -3, WRITE | NOSCRIPT | FAST | BLOCKING, BPOP_KEYS, &["sortedset"], "sorted-set", "Remove and return the member with the highest score from one or more sorted sets, or block until one is available", "5.0.0", bzpopmax) },
    Command { key_specs: super::BLOCKING_POP_NUMKEYS, complexity: "O(K) + O(M*log(N)) where K is the number of provided keys, N being the number of elements in the sorted set, and M being the number of elements popped.", args: BZMPOP_ARGS, ..cmd("bzmpop", -5, WRITE | BLOCKING | MOVABLE_KEYS, NO_KEYS, &["sortedset"], "sorted-set", "Remove and return members with scores in a sorted set or block until one is available", "7.0.0", bzmpop) },
];

// `COMMAND DOCS` arguments and history of the commands above (Redis 7.0).

static LINSERT_ARGS: &[Arg] = &[
    key("key", 0),
    oneof("where", &[pure_token("before", "BEFORE"), pure_token("after", "AFTER")]),
    string("pivot"),
    string("element"),
];

static LPOS_ARGS: &[Arg] = &[
    key("key", 0),
    string("element"),
    integer("rank").token("RANK").optional(),
    integer("num-matches").token("COUNT").optional(),
    integer("len").token("MAXLEN").optional(),
];

static LMOVE_ARGS: &[Arg] = &[
    key("source", 0),
    key("destination", 1),
    oneof("wherefrom", &[pure_token("left", "LEFT"), pure_token("right", "RIGHT")]),
    oneof("whereto", &[pure_token("left", "LEFT"), pure_token("right", "RIGHT")]),
];

static LMPOP_ARGS: &[Arg] = &[
    integer("numkeys"),
    key("key", 0).multiple(),
    oneof("where", &[pure_token("left", "LEFT"), pure_token("right", "RIGHT")]),
    integer("count").token("COUNT").optional(),
];

static BLPOP_HISTORY: &[(&str, &str)] = &[("6.0.0", "`timeout` is interpreted as a double instead of an integer.")];

static BRPOP_HISTORY: &[(&str, &str)] = &[("6.0.0", "`timeout` is interpreted as a double instead of an integer.")];

static BRPOPLPUSH_HISTORY: &[(&str, &str)] =
    &[("6.0.0", "`timeout` is interpreted as a double instead of an integer.")];

static BRPOPLPUSH_ARGS: &[Arg] = &[key("source", 0), key("destination", 1), double("timeout")];

static BLMOVE_ARGS: &[Arg] = &[
    key("source", 0),
    key("destination", 1),
    oneof("wherefrom", &[pure_token("left", "LEFT"), pure_token("right", "RIGHT")]),
    oneof("whereto", &[pure_token("left", "LEFT"), pure_token("right", "RIGHT")]),
    double("timeout"),
];

static BLMPOP_ARGS: &[Arg] = &[
    double("timeout"),
    integer("numkeys"),
    key("key", 0).multiple(),
    oneof("where", &[pure_token("left", "LEFT"), pure_token("right", "RIGHT")]),
    integer("count").token("COUNT").optional(),
];

static BZPOPMIN_HISTORY: &[(&str, &str)] = &[("6.0.0", "`timeout` is interpreted as a double instead of an integer.")];

static BZPOPMAX_HISTORY: &[(&str, &str)] = &[("6.0.0", "`timeout` is interpreted as a double instead of an integer.")];

static BZMPOP_ARGS: &[Arg] = &[
    double("timeout"),
    integer("numkeys"),
    key("key", 0).multiple(),
    oneof("where", &[pure_token("min", "MIN"), pure_token("max", "MAX")]),
    integer("count").token("COUNT").optional(),
];

/// The node size rule in force (`list-max-listpack-size`).
fn fill(ctx: &Ctx) -> Fill {
    Fill(ctx.srv.config.int(D::ListMaxListpackSize))
}

/// The list at `key` for modification: `Ok(None)` if missing, WRONGTYPE if another type.
fn write_list<'a>(ks: &'a mut Keyspace, db: usize, key: &[u8]) -> Result<Option<&'a mut List>, &'static str> {
    match ks.lookup_write(db, key) {
        None => Ok(None),
        Some(Value::List(l)) => Ok(Some(l)),
        Some(_) => Err(errors::WRONGTYPE),
    }
}

/// The list at `key` for reading.
fn read_list<'a>(ks: &'a mut Keyspace, db: usize, key: &[u8]) -> Result<Option<&'a List>, &'static str> {
    match ks.lookup_read(db, key) {
        None => Ok(None),
        Some(Value::List(l)) => Ok(Some(l)),
        Some(_) => Err(errors::WRONGTYPE),
    }
}

/// Bookkeeping after `changed` elements of the list at `key` were modified
/// by `event` (the keyspace event name): deletes the key if the list emptied,
/// otherwise reports the modification.
fn after_write(ctx: &mut Ctx, key: &[u8], changed: usize, event: &'static str) {
    if changed == 0 {
        return;
    }
    let db = ctx.db();
    let ks = &mut ctx.srv.ks;
    let empty = matches!(ks.lookup_quiet(db, key), Some(o) if o.value.is_empty());
    if empty {
        ks.delete(db, key);
    } else {
        ks.key_modified(db, key);
    }
    ks.dirty += changed as u64;
    ctx.notify(LIST, event, key);
    if empty {
        ctx.notify(GENERIC, "del", key);
    }
}

fn pop_event(front: bool) -> &'static str {
    if front {
        "lpop"
    } else {
        "rpop"
    }
}

/// Pushes `vals` at one end of the list at `key`, creating it unless `only_existing`.
/// Returns the new length (0 if the key did not exist and was not created).
pub(crate) fn push_values(
    ctx: &mut Ctx,
    key: &[u8],
    vals: &[&[u8]],
    front: bool,
    only_existing: bool,
) -> Result<usize, &'static str> {
    let db = ctx.db();
    let fill = fill(ctx);
    let ks = &mut ctx.srv.ks;
    let len = match write_list(ks, db, key)? {
        Some(l) => {
            for v in vals {
                l.push(front, v, fill);
            }
            l.len()
        }
        None if only_existing => return Ok(0),
        None => {
            let mut l = List::new();
            for v in vals {
                l.push(front, v, fill);
            }
            let n = l.len();
            ks.set(db, key, Value::List(Box::new(l)), false);
            n
        }
    };
    ks.key_modified(db, key);
    ks.dirty += vals.len() as u64;
    ctx.srv.signal_key_ready(db, key);
    ctx.notify(LIST, if front { "lpush" } else { "rpush" }, key);
    Ok(len)
}

fn push_command(ctx: &mut Ctx, argv: &[&[u8]], front: bool, only_existing: bool) {
    match push_values(ctx, argv[1], &argv[2..], front, only_existing) {
        Ok(n) => ctx.reply().int(n as i64),
        Err(e) => ctx.reply().error(e),
    }
}

fn lpush(ctx: &mut Ctx, argv: &[&[u8]]) {
    push_command(ctx, argv, true, false)
}

fn rpush(ctx: &mut Ctx, argv: &[&[u8]]) {
    push_command(ctx, argv, false, false)
}

fn lpushx(ctx: &mut Ctx, argv: &[&[u8]]) {
    push_command(ctx, argv, true, true)
}

fn rpushx(ctx: &mut Ctx, argv: &[&[u8]]) {
    push_command(ctx, argv, false, true)
}

/// Pops up to `count` elements from one end of the list at `key`, deleting the
/// key if it empties. `Ok(None)` if the key does not exist.
pub(crate) fn pop_values(
    ctx: &mut Ctx,
    key: &[u8],
    front: bool,
    count: usize,
) -> Result<Option<Vec<Vec<u8>>>, &'static str> {
    let db = ctx.db();
    let Some(l) = write_list(&mut ctx.srv.ks, db, key)? else { return Ok(None) };
    let n = count.min(l.len());
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        match l.pop(front) {
            Some(v) => out.push(v),
            None => break,
        }
    }
    after_write(ctx, key, out.len(), pop_event(front));
    Ok(Some(out))
}

fn pop_command(ctx: &mut Ctx, argv: &[&[u8]], front: bool) {
    if argv.len() > 3 {
        let name = if front { "lpop" } else { "rpop" };
        return ctx.reply().error(&errors::arity(name));
    }
    let count = match argv.get(2) {
        None => None,
        Some(a) => match args::int(a) {
            Ok(n) if n >= 0 => Some(n as usize),
            _ => return ctx.reply().error(errors::POSITIVE_RANGE),
        },
    };
    let res = pop_values(ctx, argv[1], front, count.unwrap_or(1));
    let r = &mut ctx.client.reply;
    match (res, count) {
        (Err(e), _) => r.error(e),
        (Ok(None), None) => r.null(),
        (Ok(None), Some(_)) => r.null_array(),
        (Ok(Some(v)), None) => r.opt_bulk(v.first().map(|v| v.as_slice())),
        (Ok(Some(v)), Some(_)) => r.bulk_array(v.iter().map(|v| v.as_slice())),
    }
}

fn lpop(ctx: &mut Ctx, argv: &[&[u8]]) {
    pop_command(ctx, argv, true)
}

fn rpop(ctx: &mut Ctx, argv: &[&[u8]]) {
    pop_command(ctx, argv, false)
}

fn llen(ctx: &mut Ctx, argv: &[&[u8]]) {
    let db = ctx.db();
    match read_list(&mut ctx.srv.ks, db, argv[1]) {
        Err(e) => ctx.client.reply.error(e),
        Ok(l) => ctx.client.reply.int(l.map_or(0, |l| l.len()) as i64),
    }
}

/// Resolves a possibly negative index against `len`.
fn resolve_index(i: i64, len: usize) -> Option<usize> {
    let i = if i < 0 { i.checked_add(len as i64)? } else { i };
    if i < 0 || i as usize >= len {
        None
    } else {
        Some(i as usize)
    }
}

/// Clamps `start..=end` (negative counting from the tail) to `len`, as LRANGE
/// and LTRIM do; `None` for an empty range.
fn clamp_range(start: i64, end: i64, len: usize) -> Option<(usize, usize)> {
    let len = len as i64;
    let mut start = if start < 0 { start.saturating_add(len) } else { start };
    let mut end = if end < 0 { end.saturating_add(len) } else { end };
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

fn lrange(ctx: &mut Ctx, argv: &[&[u8]]) {
    let (start, end) = match (args::int(argv[2]), args::int(argv[3])) {
        (Ok(s), Ok(e)) => (s, e),
        _ => return ctx.reply().error(errors::NOT_INTEGER),
    };
    let db = ctx.db();
    let r = &mut ctx.client.reply;
    match read_list(&mut ctx.srv.ks, db, argv[1]) {
        Err(e) => r.error(e),
        Ok(None) => r.array_len(0),
        Ok(Some(l)) => match clamp_range(start, end, l.len()) {
            None => r.array_len(0),
            Some((s, e)) => r.bulk_array(l.iter_from(s).take(e - s + 1)),
        },
    }
}

fn lindex(ctx: &mut Ctx, argv: &[&[u8]]) {
    let db = ctx.db();
    let r = &mut ctx.client.reply;
    // The key is checked before the index, as Redis does.
    match read_list(&mut ctx.srv.ks, db, argv[1]) {
        Err(e) => r.error(e),
        Ok(None) => r.null(),
        Ok(Some(l)) => match args::int(argv[2]) {
            Err(e) => r.error(e),
            Ok(i) => r.opt_bulk(resolve_index(i, l.len()).and_then(|i| l.get(i))),
        },
    }
}

fn lset(ctx: &mut Ctx, argv: &[&[u8]]) {
    let db = ctx.db();
    let fill = fill(ctx);
    let ks = &mut ctx.srv.ks;
    let res = match write_list(ks, db, argv[1]) {
        Err(e) => Err(e),
        Ok(None) => Err(errors::NO_SUCH_KEY),
        Ok(Some(l)) => match args::int(argv[2]) {
            Err(e) => Err(e),
            Ok(i) => match resolve_index(i, l.len()) {
                Some(i) if l.set(i, argv[3], fill) => Ok(()),
                _ => Err(errors::INDEX_OUT_OF_RANGE),
            },
        },
    };
    match res {
        Ok(()) => {
            after_write(ctx, argv[1], 1, "lset");
            ctx.client.reply.ok();
        }
        Err(e) => ctx.client.reply.error(e),
    }
}

fn linsert(ctx: &mut Ctx, argv: &[&[u8]]) {
    let after = if is(argv[2], "after") {
        true
    } else if is(argv[2], "before") {
        false
    } else {
        return ctx.reply().error(errors::SYNTAX);
    };
    let db = ctx.db();
    let fill = fill(ctx);
    let ks = &mut ctx.srv.ks;
    let res = match write_list(ks, db, argv[1]) {
        Err(e) => return ctx.client.reply.error(e),
        Ok(None) => 0,
        Ok(Some(l)) => match l.iter().position(|v| v == argv[3]) {
            None => -1,
            Some(p) => {
                l.insert(p + after as usize, argv[4], fill);
                l.len() as i64
            }
        },
    };
    if res > 0 {
        after_write(ctx, argv[1], 1, "linsert");
    }
    ctx.client.reply.int(res);
}

fn lrem(ctx: &mut Ctx, argv: &[&[u8]]) {
    let Ok(count) = args::int(argv[2]) else { return ctx.reply().error(errors::NOT_INTEGER) };
    let db = ctx.db();
    let ks = &mut ctx.srv.ks;
    let n = match write_list(ks, db, argv[1]) {
        Err(e) => return ctx.client.reply.error(e),
        Ok(None) => 0,
        Ok(Some(l)) => l.remove_matching(argv[3], count),
    };
    after_write(ctx, argv[1], n, "lrem");
    ctx.client.reply.int(n as i64);
}

fn ltrim(ctx: &mut Ctx, argv: &[&[u8]]) {
    let (start, end) = match (args::int(argv[2]), args::int(argv[3])) {
        (Ok(s), Ok(e)) => (s, e),
        _ => return ctx.reply().error(errors::NOT_INTEGER),
    };
    let db = ctx.db();
    let ks = &mut ctx.srv.ks;
    let removed = match write_list(ks, db, argv[1]) {
        Err(e) => return ctx.client.reply.error(e),
        Ok(None) => return ctx.client.reply.ok(),
        Ok(Some(l)) => {
            let len = l.len();
            match clamp_range(start, end, len) {
                None => {
                    l.remove_range(0, len);
                    len
                }
                Some((s, e)) => {
                    l.remove_range(e + 1, len - e - 1);
                    l.remove_range(0, s);
                    len - (e - s + 1)
                }
            }
        }
    };
    if removed == 0 {
        // Redis announces the trim even when it removed nothing, and counts it
        // as a change (WATCH).
        ctx.srv.ks.key_modified(db, argv[1]);
        ctx.notify(LIST, "ltrim", argv[1]);
    }
    after_write(ctx, argv[1], removed, "ltrim");
    ctx.client.reply.ok();
}

fn lpos(ctx: &mut Ctx, argv: &[&[u8]]) {
    let mut rank: i64 = 1;
    let mut count: Option<usize> = None;
    let mut maxlen: usize = 0;
    let mut i = 3;
    while i < argv.len() {
        let Some(val) = argv.get(i + 1) else { return ctx.reply().error(errors::SYNTAX) };
        let opt = argv[i];
        if !(is(opt, "rank") || is(opt, "count") || is(opt, "maxlen")) {
            return ctx.reply().error(errors::SYNTAX);
        }
        // Like Redis, a non-integer COUNT or MAXLEN gets the "negative" error.
        let n = match args::int(val) {
            Ok(n) => n,
            Err(e) if is(opt, "rank") => return ctx.reply().error(e),
            Err(_) => -1,
        };
        if is(opt, "rank") {
            if n == 0 {
                return ctx.reply().error(errors::LPOS_RANK_ZERO);
            }
            rank = n;
        } else if is(opt, "count") {
            if n < 0 {
                return ctx.reply().error(errors::LPOS_COUNT_NEGATIVE);
            }
            count = Some(n as usize);
        } else {
            if n < 0 {
                return ctx.reply().error(errors::LPOS_MAXLEN_NEGATIVE);
            }
            maxlen = n as usize;
        }
        i += 2;
    }
    let db = ctx.db();
    let r = &mut ctx.client.reply;
    let l = match read_list(&mut ctx.srv.ks, db, argv[1]) {
        Err(e) => return r.error(e),
        Ok(None) if count.is_some() => return r.array_len(0),
        Ok(None) => return r.null(),
        Ok(Some(l)) => l,
    };
    let want = match count {
        None => 1,
        Some(0) => usize::MAX,
        Some(c) => c,
    };
    let len = l.len();
    let limit = if maxlen == 0 { len } else { maxlen.min(len) };
    let mut skip = rank.unsigned_abs() - 1;
    let mut found: Vec<usize> = Vec::new();
    let mut check = |idx: usize, v: &[u8]| -> bool {
        if v == argv[2] {
            if skip > 0 {
                skip -= 1;
            } else {
                found.push(idx);
                if found.len() >= want {
                    return true;
                }
            }
        }
        false
    };
    if rank > 0 {
        for (i, v) in l.iter().take(limit).enumerate() {
            if check(i, v) {
                break;
            }
        }
    } else {
        for (i, v) in l.iter().rev().take(limit).enumerate() {
            if check(len - 1 - i, v) {
                break;
            }
        }
    }
    match count {
        None => match found.first() {
            Some(&p) => r.int(p as i64),
            None => r.null(),
        },
        Some(_) => {
            r.array_len(found.len());
            for p in found {
                r.int(p as i64);
            }
        }
    }
}

/// `LEFT` (true) or `RIGHT` (false).
fn parse_end(a: &[u8]) -> Option<bool> {
    if is(a, "left") {
        Some(true)
    } else if is(a, "right") {
        Some(false)
    } else {
        None
    }
}

/// The outcome of moving one element between lists.
pub(crate) enum Moved {
    /// The source does not exist.
    NoSource,
    Value(Vec<u8>),
}

/// Pops one element from `src` (head if `from_left`) and pushes it onto `dst`
/// (head if `to_left`), type-checking both first. The core of LMOVE,
/// RPOPLPUSH and their blocking forms.
pub(crate) fn move_one(
    ctx: &mut Ctx,
    src: &[u8],
    dst: &[u8],
    from_left: bool,
    to_left: bool,
) -> Result<Moved, &'static str> {
    let db = ctx.db();
    let ks = &mut ctx.srv.ks;
    match write_list(ks, db, src)? {
        Some(l) if !l.is_empty() => {}
        _ => return Ok(Moved::NoSource),
    }
    if let Some(v) = ks.lookup_write(db, dst) {
        if !matches!(v, Value::List(_)) {
            return Err(errors::WRONGTYPE);
        }
    }
    let v = match write_list(ks, db, src)?.and_then(|l| l.pop(from_left)) {
        Some(v) => v,
        None => return Ok(Moved::NoSource),
    };
    // Push before the empty-source check so that a rotation of a
    // one-element list (src == dst) keeps the key.
    push_values(ctx, dst, &[&v], to_left, false)?;
    after_write(ctx, src, 1, pop_event(from_left));
    Ok(Moved::Value(v))
}

fn lmove(ctx: &mut Ctx, argv: &[&[u8]]) {
    let (Some(from), Some(to)) = (parse_end(argv[3]), parse_end(argv[4])) else {
        return ctx.reply().error(errors::SYNTAX);
    };
    move_command(ctx, argv[1], argv[2], from, to)
}

fn rpoplpush(ctx: &mut Ctx, argv: &[&[u8]]) {
    move_command(ctx, argv[1], argv[2], false, true)
}

fn move_command(ctx: &mut Ctx, src: &[u8], dst: &[u8], from: bool, to: bool) {
    match move_one(ctx, src, dst, from, to) {
        Err(e) => ctx.reply().error(e),
        Ok(Moved::NoSource) => ctx.reply().null(),
        Ok(Moved::Value(v)) => ctx.reply().bulk(&v),
    }
}

/// Parsed `numkeys key [key ...] LEFT|RIGHT [COUNT count]` of LMPOP/BLMPOP,
/// starting at `argv[first]` (the numkeys argument).
struct MpopArgs {
    keys: std::ops::Range<usize>,
    front: bool,
    count: usize,
}

fn parse_mpop(argv: &[&[u8]], first: usize, end: fn(&[u8]) -> Option<bool>) -> Result<MpopArgs, &'static str> {
    let numkeys = match args::int(argv[first]) {
        Ok(n) if n > 0 => n as usize,
        _ => return Err(errors::NUMKEYS_POSITIVE),
    };
    let where_idx = match first.checked_add(numkeys).and_then(|w| w.checked_add(1)) {
        Some(w) if w < argv.len() => w,
        _ => return Err(errors::SYNTAX),
    };
    let front = end(argv[where_idx]).ok_or(errors::SYNTAX)?;
    let mut count = None;
    let mut j = where_idx + 1;
    while j < argv.len() {
        if count.is_none() && is(argv[j], "count") && j + 1 < argv.len() {
            match args::int(argv[j + 1]) {
                Ok(n) if n > 0 => count = Some(n as usize),
                _ => return Err(errors::COUNT_POSITIVE),
            }
            j += 2;
        } else {
            return Err(errors::SYNTAX);
        }
    }
    Ok(MpopArgs { keys: first + 1..where_idx, front, count: count.unwrap_or(1) })
}

/// Pops from the first non-empty list of `keys` and replies `[key, [elements]]`.
/// Returns false (nothing replied) if every key is missing. With
/// `skip_wrongtype`, keys of another type count as missing (a blocked client
/// being served ignores them, as Redis does).
fn mpop_keys(ctx: &mut Ctx, keys: &[&[u8]], front: bool, count: usize, skip_wrongtype: bool) -> bool {
    for key in keys {
        match pop_values(ctx, key, front, count) {
            Err(_) if skip_wrongtype => continue,
            Err(e) => {
                ctx.client.reply.error(e);
                return true;
            }
            Ok(None) => continue,
            Ok(Some(items)) => {
                // Propagated as the pop it was, from the key it was.
                let cmd: &[u8] = if front { b"LPOP" } else { b"RPOP" };
                ctx.srv.persist.prop.rewrite_parts(&[cmd, key, items.len().to_string().as_bytes()]);
                let r = &mut ctx.client.reply;
                r.array_len(2);
                r.bulk(key);
                r.bulk_array(items.iter().map(|v| v.as_slice()));
                return true;
            }
        }
    }
    false
}

fn lmpop(ctx: &mut Ctx, argv: &[&[u8]]) {
    let a = match parse_mpop(argv, 1, parse_end) {
        Ok(a) => a,
        Err(e) => return ctx.reply().error(e),
    };
    if !mpop_keys(ctx, &argv[a.keys], a.front, a.count, false) {
        ctx.reply().null_array();
    }
}

// ---------------------------------------------------------------------------
// Blocking forms. Each one first tries its non-blocking work; if there is
// nothing to pop it blocks (see `server::blocking`), and the same handler runs
// again when a key it waits on is written.

fn blpop(ctx: &mut Ctx, argv: &[&[u8]]) {
    bpop(ctx, argv, true, blpop)
}

fn brpop(ctx: &mut Ctx, argv: &[&[u8]]) {
    bpop(ctx, argv, false, brpop)
}

/// The timeout argument (the last one) as a deadline, or the error replied.
fn timeout_arg(ctx: &mut Ctx, arg: &[u8]) -> Option<Option<i64>> {
    match parse_timeout(arg, ctx.srv.ks.now_ms) {
        Ok(d) => Some(d),
        Err(e) => {
            ctx.reply().error(e);
            None
        }
    }
}

fn bpop(ctx: &mut Ctx, argv: &[&[u8]], front: bool, me: Handler) {
    let Some(deadline) = timeout_arg(ctx, argv[argv.len() - 1]) else { return };
    let keys = &argv[1..argv.len() - 1];
    let rerun = blocking::rerunning(ctx);
    for key in blocking::keys_to_try(ctx, keys) {
        match pop_values(ctx, key, front, 1) {
            Err(_) if rerun => continue,
            Err(e) => return ctx.reply().error(e),
            Ok(None) => continue,
            Ok(Some(items)) => {
                ctx.srv.persist.prop.rewrite_parts(&[if front { b"LPOP" } else { b"RPOP" }, key]);
                let r = &mut ctx.client.reply;
                r.array_len(2);
                r.bulk(key);
                r.bulk(items.first().map_or(&[][..], |v| v.as_slice()));
                return;
            }
        }
    }
    block(ctx, me, argv, keys, deadline);
}

fn brpoplpush(ctx: &mut Ctx, argv: &[&[u8]]) {
    let Some(deadline) = timeout_arg(ctx, argv[3]) else { return };
    bmove(ctx, argv, false, true, deadline, brpoplpush)
}

fn blmove(ctx: &mut Ctx, argv: &[&[u8]]) {
    let (Some(from), Some(to)) = (parse_end(argv[3]), parse_end(argv[4])) else {
        return ctx.reply().error(errors::SYNTAX);
    };
    let Some(deadline) = timeout_arg(ctx, argv[5]) else { return };
    bmove(ctx, argv, from, to, deadline, blmove)
}

fn bmove(ctx: &mut Ctx, argv: &[&[u8]], from: bool, to: bool, deadline: Option<i64>, me: Handler) {
    let (src, dst) = (argv[1], argv[2]);
    // A waiter ignores a source that became another type; a wrong
    // destination type is still an error, as in Redis.
    let db = ctx.db();
    if blocking::rerunning(ctx)
        && matches!(ctx.srv.ks.lookup_quiet(db, src), Some(o) if !matches!(o.value, Value::List(_)))
    {
        return block(ctx, me, argv, &argv[1..2], deadline);
    }
    match move_one(ctx, src, dst, from, to) {
        Err(e) => ctx.reply().error(e),
        // Inside EXEC: a null bulk, not the null array of a timeout.
        Ok(Moved::NoSource) if blocking::cannot_block(ctx) => ctx.reply().null(),
        Ok(Moved::NoSource) => block(ctx, me, argv, &argv[1..2], deadline),
        Ok(Moved::Value(v)) => ctx.reply().bulk(&v),
    }
}

fn blmpop(ctx: &mut Ctx, argv: &[&[u8]]) {
    let Some(deadline) = timeout_arg(ctx, argv[1]) else { return };
    let a = match parse_mpop(argv, 2, parse_end) {
        Ok(a) => a,
        Err(e) => return ctx.reply().error(e),
    };
    let rerun = blocking::rerunning(ctx);
    let keys = blocking::keys_to_try(ctx, &argv[a.keys.clone()]);
    if !mpop_keys(ctx, &keys, a.front, a.count, rerun) {
        block(ctx, blmpop, argv, &argv[a.keys], deadline);
    }
}

/// `MIN` (false) or `MAX` (true).
fn parse_min_max(a: &[u8]) -> Option<bool> {
    if is(a, "min") {
        Some(false)
    } else if is(a, "max") {
        Some(true)
    } else {
        None
    }
}

fn bzpopmin(ctx: &mut Ctx, argv: &[&[u8]]) {
    bzpop(ctx, argv, false, bzpopmin)
}

fn bzpopmax(ctx: &mut Ctx, argv: &[&[u8]]) {
    bzpop(ctx, argv, true, bzpopmax)
}

fn bzpop(ctx: &mut Ctx, argv: &[&[u8]], max: bool, me: Handler) {
    let Some(deadline) = timeout_arg(ctx, argv[argv.len() - 1]) else { return };
    let keys = &argv[1..argv.len() - 1];
    let rerun = blocking::rerunning(ctx);
    for key in blocking::keys_to_try(ctx, keys) {
        match super::zset::zpop(ctx, key, max, 1) {
            Err(_) if rerun => continue,
            Err(e) => return ctx.reply().error(e),
            Ok(None) => continue,
            Ok(Some(items)) => {
                let Some((m, s)) = items.first() else { continue };
                ctx.srv.persist.prop.rewrite_parts(&[if max { b"ZPOPMAX" } else { b"ZPOPMIN" }, key]);
                let r = &mut ctx.client.reply;
                r.array_len(3);
                r.bulk(key);
                r.bulk(m);
                r.double(*s);
                return;
            }
        }
    }
    block(ctx, me, argv, keys, deadline);
}

fn bzmpop(ctx: &mut Ctx, argv: &[&[u8]]) {
    let Some(deadline) = timeout_arg(ctx, argv[1]) else { return };
    let a = match parse_mpop(argv, 2, parse_min_max) {
        Ok(a) => a,
        Err(e) => return ctx.reply().error(e),
    };
    let max = a.front;
    let rerun = blocking::rerunning(ctx);
    for key in blocking::keys_to_try(ctx, &argv[a.keys.clone()]) {
        match super::zset::zpop(ctx, key, max, a.count) {
            Err(_) if rerun => continue,
            Err(e) => return ctx.reply().error(e),
            Ok(None) => continue,
            Ok(Some(items)) => {
                let cmd: &[u8] = if max { b"ZPOPMAX" } else { b"ZPOPMIN" };
                ctx.srv.persist.prop.rewrite_parts(&[cmd, key, items.len().to_string().as_bytes()]);
                let r = &mut ctx.client.reply;
                r.array_len(2);
                r.bulk(key);
                r.array_len(items.len());
                for (m, s) in &items {
                    r.array_len(2);
                    r.bulk(m);
                    r.double(*s);
                }
                return;
            }
        }
    }
    block(ctx, bzmpop, argv, &argv[a.keys], deadline);
}
