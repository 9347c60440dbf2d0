//! SORT and SORT_RO: sort the elements of a list, set or sorted set,
//! numerically or lexicographically, by the elements themselves or by
//! external keys (`BY weight_*`, `BY obj_*->field`), fetch other keys per
//! element (`GET`), and either reply or store the result as a list.
//!
//! How Redis 7.0 does it, and so how we do:
//!
//! * Options are parsed first (`ERR syntax error` before any type check).
//!   Several LIMIT, BY or STORE options may be given: the last one counts;
//!   every GET adds one field per element.
//! * A BY pattern without `*` means "do not sort" (`BY nosort`): lists and
//!   sorted sets keep their own order (reversed by DESC) and LIMIT is taken
//!   from that order directly. A set has no order of its own, so a set sorted
//!   BY a constant is sorted ALPHA anyway when the result is stored or the
//!   caller is a script, to keep replicas and AOF deterministic.
//! * Numeric scores are read as C's `strtod` reads them (hex floats, `inf`,
//!   leading blanks; overflow, underflow, NaN and trailing junk fail); equal
//!   scores are ordered by the elements' bytes. A BY key that is missing (or
//!   of another type) scores 0, or sorts first with ALPHA.
//! * Sorting a sorted set converts it to the skiplist encoding, as Redis does
//!   (even for SORT_RO): OBJECT ENCODING shows it.
//! * STORE writes a list (replacing a value of any type, dropping its TTL);
//!   an empty result deletes the destination instead. Clients blocked on the
//!   destination are woken: the table's key finder reports it.

use std::cmp::Ordering;

use super::args::{self, is};
use super::docs::{block, integer, key, oneof, pattern, pure_token, Arg};
use super::{
    cmd, Command, Ctx, Find, KeyFlags, KeySpec, DENYOOM, KEY_OVERWRITE, KEY_READ, MOVABLE_KEYS, ONE_KEY, READONLY,
    WRITE,
};
use crate::config::D;
use crate::errors;
use crate::server::Conn;
use crate::store::list::{Fill, List};
use crate::store::{Keyspace, Value};

const G: &str = "generic";
const ACL: &[&str] = &["set", "sortedset", "list", "dangerous"];
const COMPLEXITY: &str = "O(N+M*log(M)) where N is the number of elements in the list or set to sort, and M the number of returned elements. When the elements are not sorted, complexity is O(N).";

const SORT_BY_GET_NOTES: &str = "For the optional BY/GET keyword. It is marked 'unknown' because the key names derive from the content of the key we sort";
const SORT_STORE_NOTES: &str =
    "For the optional STORE keyword. It is marked 'unknown' because the keyword can appear anywhere in the argument array";

#[rustfmt::skip]
static SORT_SPECS: &[KeySpec] = &[
    KeySpec { notes: "", flags: KEY_READ, find: Find::Range(ONE_KEY) },
    KeySpec { notes: SORT_BY_GET_NOTES, flags: KEY_READ, find: Find::Unknown },
    KeySpec { notes: SORT_STORE_NOTES, flags: KEY_OVERWRITE, find: Find::Unknown },
];

#[rustfmt::skip]
static SORT_RO_SPECS: &[KeySpec] = &[
    KeySpec { notes: "", flags: KEY_READ, find: Find::Range(ONE_KEY) },
    KeySpec { notes: SORT_BY_GET_NOTES, flags: KEY_READ, find: Find::Unknown },
];

#[rustfmt::skip]
pub static COMMANDS: &[Command] = &[
    Command {
        complexity: COMPLEXITY,
        key_specs: SORT_SPECS,
        get_keys: Some(sort_keys),
        args: SORT_ARGS,
        ..cmd("sort", -2, WRITE | DENYOOM | MOVABLE_KEYS, ONE_KEY, ACL, G, "Sort the elements in a list, set or sorted set", "1.0.0", sort)
    },
    Command {
        complexity: COMPLEXITY,
        key_specs: SORT_RO_SPECS,
        args: SORT_RO_ARGS,
        ..cmd("sort_ro", -2, READONLY | MOVABLE_KEYS, ONE_KEY, ACL, G, "Sort the elements in a list, set or sorted set. Read-only variant of SORT.", "7.0.0", sort_ro)
    },
];

// `COMMAND DOCS` arguments and history of the commands above (Redis 7.0).

static SORT_ARGS: &[Arg] = &[
    key("key", 0),
    pattern("pattern").key_spec(1).token("BY").optional(),
    block("offset_count", &[integer("offset"), integer("count")]).token("LIMIT").optional(),
    pattern("pattern").key_spec(1).token("GET").optional().multiple().multiple_token(),
    oneof("order", &[pure_token("asc", "ASC"), pure_token("desc", "DESC")]).optional(),
    pure_token("sorting", "ALPHA").optional(),
    key("destination", 2).token("STORE").optional(),
];

static SORT_RO_ARGS: &[Arg] = &[
    key("key", 0),
    pattern("pattern").key_spec(1).token("BY").optional(),
    block("offset_count", &[integer("offset"), integer("count")]).token("LIMIT").optional(),
    pattern("pattern").key_spec(1).token("GET").optional().multiple().multiple_token(),
    oneof("order", &[pure_token("asc", "ASC"), pure_token("desc", "DESC")]).optional(),
    pure_token("sorting", "ALPHA").optional(),
];

/// SORT's keys: the sorted key and, if given, the last STORE destination
/// (the BY/GET keys depend on the data and are not reported, as in Redis).
/// Unknown words are stepped over here; the command itself rejects them.
fn sort_keys(argv: &[&[u8]]) -> Vec<(usize, KeyFlags)> {
    let mut keys = vec![(1, KEY_READ)];
    let mut store = None;
    let mut i = 2;
    while i < argv.len() {
        if is(argv[i], "limit") {
            i += 2;
        } else if is(argv[i], "get") || is(argv[i], "by") {
            i += 1;
        } else if is(argv[i], "store") && i + 1 < argv.len() {
            store = Some(i + 1);
        }
        i += 1;
    }
    if let Some(p) = store {
        keys.push((p, KEY_OVERWRITE));
    }
    keys
}

/// The parsed options of one SORT call.
struct SortArgs<'a> {
    desc: bool,
    alpha: bool,
    limit_start: i64,
    /// Negative: up to the end.
    limit_count: i64,
    store: Option<&'a [u8]>,
    by: Option<&'a [u8]>,
    /// Set by a BY pattern without `*` (and never unset by a later BY).
    dontsort: bool,
    gets: Vec<&'a [u8]>,
}

fn parse_args<'a>(argv: &[&'a [u8]], readonly: bool) -> Result<SortArgs<'a>, &'static str> {
    let mut o = SortArgs {
        desc: false,
        alpha: false,
        limit_start: 0,
        limit_count: -1,
        store: None,
        by: None,
        dontsort: false,
        gets: Vec::new(),
    };
    let mut j = 2;
    while j < argv.len() {
        let left = argv.len() - j - 1;
        let a = argv[j];
        if is(a, "asc") {
            o.desc = false;
        } else if is(a, "desc") {
            o.desc = true;
        } else if is(a, "alpha") {
            o.alpha = true;
        } else if is(a, "limit") && left >= 2 {
            o.limit_start = args::int(argv[j + 1])?;
            o.limit_count = args::int(argv[j + 2])?;
            j += 2;
        } else if !readonly && is(a, "store") && left >= 1 {
            o.store = Some(argv[j + 1]);
            j += 1;
        } else if is(a, "by") && left >= 1 {
            let pattern = argv[j + 1];
            if !c_str(pattern).contains(&b'*') {
                o.dontsort = true;
            }
            o.by = Some(pattern);
            j += 1;
        } else if is(a, "get") && left >= 1 {
            o.gets.push(argv[j + 1]);
            j += 1;
        } else {
            return Err(errors::SYNTAX);
        }
        j += 1;
    }
    Ok(o)
}

fn sort(ctx: &mut Ctx, argv: &[&[u8]]) {
    sort_generic(ctx, argv, false)
}

fn sort_ro(ctx: &mut Ctx, argv: &[&[u8]]) {
    sort_generic(ctx, argv, true)
}

#[derive(Clone, Copy, PartialEq)]
enum Source {
    Missing,
    List,
    Set,
    ZSet,
}

/// One element with what it is sorted by.
struct Item {
    elem: Vec<u8>,
    /// The numeric weight (0 when the BY key is missing).
    score: f64,
    /// The ALPHA weight read through a BY pattern (`None`: missing).
    weight: Option<Vec<u8>>,
}

fn sort_generic(ctx: &mut Ctx, argv: &[&[u8]], readonly: bool) {
    let mut o = match parse_args(argv, readonly) {
        Ok(o) => o,
        Err(e) => return ctx.reply().error(e),
    };
    let db = ctx.db();
    let key = argv[1];
    let source = match ctx.srv.ks.lookup_read(db, key) {
        None => Source::Missing,
        Some(Value::List(_)) => Source::List,
        Some(Value::Set(_)) => Source::Set,
        Some(Value::ZSet(_)) => Source::ZSet,
        Some(_) => return ctx.reply().error(errors::WRONGTYPE),
    };
    // Scripts run without a connection (see `Conn::None`).
    let from_script = matches!(ctx.client.conn, Conn::None);
    if o.dontsort && source == Source::Set && (o.store.is_some() || from_script) {
        o.dontsort = false;
        o.alpha = true;
        o.by = None;
    }
    if source == Source::ZSet {
        if let Some(Value::ZSet(z)) = ctx.srv.ks.lookup_write(db, key) {
            z.convert_to_skiplist();
        }
    }

    let ks = &mut ctx.srv.ks;
    let value = ks.lookup_quiet(db, key).map(|obj| &obj.value);
    let len = value.map_or(0, |v| v.len()) as i64;
    // LIMIT, clamped to the collection so nothing overflows.
    let mut start = o.limit_start.clamp(0, len);
    let count = o.limit_count.clamp(-1, len);
    let mut end = if count < 0 { len - 1 } else { start + count - 1 };
    if start >= len {
        start = len - 1;
        end = len - 2;
    }
    end = end.min(len - 1);

    // Load the elements. Unsorted lists and sorted sets are read in their own
    // order, only the LIMIT range, reversed by DESC.
    let mut elems: Vec<Vec<u8>> = Vec::new();
    match value {
        Some(Value::List(l)) if o.dontsort && end >= start => {
            let n = (end - start + 1) as usize;
            if o.desc {
                elems.extend(l.iter().rev().skip(start as usize).take(n).map(|e| e.to_vec()));
            } else {
                elems.extend(l.iter_from(start as usize).take(n).map(|e| e.to_vec()));
            }
            end -= start;
            start = 0;
        }
        Some(Value::List(_)) if o.dontsort => {}
        Some(Value::List(l)) => elems.extend(l.iter().map(|e| e.to_vec())),
        Some(Value::Set(s)) => elems = s.members(),
        Some(Value::ZSet(z)) if o.dontsort => {
            if end >= start {
                let n = (end - start + 1) as usize;
                let first = if o.desc { len - 1 - start } else { start } as usize;
                elems.reserve(n);
                z.visit(first, n, o.desc, |m, _| elems.push(m.to_vec()));
            }
            end -= start;
            start = 0;
        }
        Some(Value::ZSet(z)) => {
            elems.reserve(z.len());
            z.for_each(|m, _| elems.push(m.to_vec()));
        }
        _ => {}
    }

    if !o.dontsort {
        match sort_elements(ks, db, elems, &o) {
            Ok(sorted) => elems = sorted,
            Err(e) => return ctx.reply().error(e),
        }
    }

    let range = if end >= start { &elems[start as usize..=end as usize] } else { &[][..] };
    let out_len = if o.gets.is_empty() { range.len() } else { range.len() * o.gets.len() };
    let Some(dest) = o.store else {
        let r = &mut ctx.client.reply;
        r.array_len(out_len);
        for elem in range {
            if o.gets.is_empty() {
                r.bulk(elem);
            }
            for pattern in &o.gets {
                match lookup_by_pattern(ks, db, pattern, elem) {
                    Some(v) => r.bulk(&v),
                    None => r.null(),
                }
            }
        }
        return;
    };
    let fill = Fill(ctx.srv.config.int(D::ListMaxListpackSize));
    let ks = &mut ctx.srv.ks;
    if out_len > 0 {
        let mut list = List::new();
        for elem in range {
            if o.gets.is_empty() {
                list.push(false, elem, fill);
            }
            for pattern in &o.gets {
                let v = lookup_by_pattern(ks, db, pattern, elem).unwrap_or_default();
                list.push(false, &v, fill);
            }
        }
        ks.set(db, dest, Value::List(Box::new(list)), false);
        ks.dirty += out_len as u64;
        ctx.srv.signal_key_ready(db, dest);
        ctx.notify(crate::store::events::LIST, "sortstore", dest);
    } else if ks.delete(db, dest) {
        ks.dirty += 1;
        ctx.notify(crate::store::events::GENERIC, "del", dest);
    }
    ctx.reply().int(out_len as i64);
}

/// Sorts `elems` by their weights (the elements themselves, or what the BY
/// pattern finds), ascending or descending, numerically or ALPHA. Fails if a
/// numeric weight is not a double.
fn sort_elements(
    ks: &mut Keyspace,
    db: usize,
    elems: Vec<Vec<u8>>,
    o: &SortArgs,
) -> Result<Vec<Vec<u8>>, &'static str> {
    let mut items = Vec::with_capacity(elems.len());
    let mut bad_score = false;
    for elem in elems {
        let mut item = Item { elem, score: 0.0, weight: None };
        let found;
        let weight: &[u8] = match o.by {
            Some(pattern) => match lookup_by_pattern(ks, db, pattern, &item.elem) {
                Some(v) => {
                    found = v;
                    &found
                }
                None => {
                    items.push(item);
                    continue;
                }
            },
            None => &item.elem,
        };
        if !o.alpha {
            match strtod(weight) {
                Some(x) => item.score = x,
                None => bad_score = true,
            }
        } else if o.by.is_some() {
            item.weight = Some(weight.to_vec());
        }
        items.push(item);
    }
    if bad_score {
        return Err(errors::SORT_NOT_DOUBLE);
    }
    // Without STORE, Redis compares ALPHA weights with strcoll (C strings,
    // the C locale here); with STORE, byte-wise. Equal ALPHA weights keep the
    // elements' order (a stable sort, like glibc's qsort).
    let binary = o.store.is_some();
    let by = o.by.is_some();
    let compare = |a: &Item, b: &Item| -> Ordering {
        if !o.alpha {
            a.score.partial_cmp(&b.score).unwrap_or(Ordering::Equal).then_with(|| a.elem.cmp(&b.elem))
        } else if by {
            match (&a.weight, &b.weight) {
                (Some(x), Some(y)) => collate(x, y, binary),
                (x, y) => x.is_some().cmp(&y.is_some()),
            }
        } else {
            collate(&a.elem, &b.elem, binary)
        }
    };
    if o.desc {
        items.sort_by(|a, b| compare(b, a));
    } else {
        items.sort_by(compare);
    }
    Ok(items.into_iter().map(|i| i.elem).collect())
}

/// The bytes C sees of a string: up to the first NUL.
fn c_str(b: &[u8]) -> &[u8] {
    b.iter().position(|&c| c == 0).map_or(b, |n| &b[..n])
}

/// Byte-wise comparison, or as strcoll in the C locale compares C strings.
fn collate(a: &[u8], b: &[u8], binary: bool) -> Ordering {
    if binary {
        a.cmp(b)
    } else {
        c_str(a).cmp(c_str(b))
    }
}

/// The value a GET or BY pattern names for `elem`: `#` is the element itself;
/// otherwise the first `*` is replaced by the element and the resulting key
/// is read as a string, or, with `->field` after the `*`, as a hash field.
/// Missing keys and keys of another type give `None`, and so does a pattern
/// without `*`. Like Redis, the pattern is searched as a C string.
fn lookup_by_pattern(ks: &mut Keyspace, db: usize, pattern: &[u8], elem: &[u8]) -> Option<Vec<u8>> {
    let cpat = c_str(pattern);
    if cpat == b"#" {
        return Some(elem.to_vec());
    }
    let star = cpat.iter().position(|&c| c == b'*')?;
    let arrow = cpat[star + 1..].windows(2).position(|w| w == b"->").map(|p| star + 1 + p);
    let (postfix_end, field) = match arrow {
        Some(a) if a + 2 < cpat.len() => (a, Some(&pattern[a + 2..])),
        _ => (pattern.len(), None),
    };
    let mut name = Vec::with_capacity(pattern.len() + elem.len());
    name.extend_from_slice(&pattern[..star]);
    name.extend_from_slice(elem);
    name.extend_from_slice(&pattern[star + 1..postfix_end]);
    match (ks.lookup_read(db, &name)?, field) {
        (Value::Str(s), None) => Some(s.to_vec()),
        (Value::Hash(h), Some(f)) => h.get(f).map(|v| v.to_vec()),
        _ => None,
    }
}

/// A numeric weight as C's `strtod` reads it, with SORT's checks: the whole
/// string (up to a NUL) must be consumed, and overflow, underflow and NaN
/// fail. An empty string reads as 0.
fn strtod(b: &[u8]) -> Option<f64> {
    let text = c_str(b);
    let mut small = [0u8; 64];
    let mut big = Vec::new();
    let buf: &[u8] = if text.len() < small.len() {
        small[..text.len()].copy_from_slice(text);
        &small[..=text.len()]
    } else {
        big.extend_from_slice(text);
        big.push(0);
        &big
    };
    let mut end: *mut libc::c_char = std::ptr::null_mut();
    // SAFETY: `buf` is NUL-terminated and outlives the call; strtod only
    // reads it and stores a pointer into it in `end`.
    let (v, errno) = unsafe {
        *libc::__errno_location() = 0;
        let v = libc::strtod(buf.as_ptr() as *const libc::c_char, &mut end);
        (v, *libc::__errno_location())
    };
    let consumed = end as usize - buf.as_ptr() as usize;
    if consumed != text.len() || errno == libc::ERANGE || v.is_nan() {
        return None;
    }
    Some(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strtod_reads_like_c() {
        assert_eq!(strtod(b""), Some(0.0));
        assert_eq!(strtod(b"  7"), Some(7.0));
        assert_eq!(strtod(b"+3"), Some(3.0));
        assert_eq!(strtod(b"0x10"), Some(16.0));
        assert_eq!(strtod(b"0X1P3"), Some(8.0));
        assert_eq!(strtod(b"inf"), Some(f64::INFINITY));
        assert_eq!(strtod(b"-Infinity"), Some(f64::NEG_INFINITY));
        assert_eq!(strtod(b"5\0junk"), Some(5.0));
        assert_eq!(strtod(b"5 "), None);
        assert_eq!(strtod(b"2.5abc"), None);
        assert_eq!(strtod(b"nan"), None);
        assert_eq!(strtod(b"1e400"), None);
        assert_eq!(strtod(b"1e-400"), None);
        assert_eq!(strtod(b"1e-310"), None);
        let long = format!("{}1", "0".repeat(100));
        assert_eq!(strtod(long.as_bytes()), Some(1.0));
    }

    #[test]
    fn sort_keys_finds_the_last_store() {
        let argv: Vec<&[u8]> =
            vec![b"sort", b"abc", b"store", b"x", b"limit", b"0", b"1", b"get", b"store", b"store", b"d"];
        let keys: Vec<usize> = sort_keys(&argv).into_iter().map(|(p, _)| p).collect();
        assert_eq!(keys, vec![1, 10]);
        let argv: Vec<&[u8]> = vec![b"sort", b"abc", b"store"];
        assert_eq!(sort_keys(&argv).len(), 1);
    }
}
