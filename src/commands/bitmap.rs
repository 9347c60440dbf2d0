//! Bitmap commands on strings: SETBIT, GETBIT, BITCOUNT, BITPOS, BITOP,
//! BITFIELD, BITFIELD_RO.
//!
//! A string is a bit array numbered from the most significant bit of its
//! first byte: bit 0 is `0x80` of byte 0, bit 7 is `0x01` of byte 0, bit 8 is
//! `0x80` of byte 1. Reads past the end see zeros; writes past the end grow
//! the string with zero bytes (up to `proto-max-bulk-len`). Integer-encoded
//! strings are read as their decimal text and turned into `raw` strings
//! before they are edited in place, as in Redis.

use super::args::{self, is};
use super::docs::{block, integer, key, oneof, pure_token, string, Arg};
use super::{
    cmd, store_from_keys_specs, Command, Ctx, Find, KeyFlags, KeySpec, Keys, DENYOOM, FAST, ONE_KEY, READONLY,
};
use super::{KEY_ACCESS_UPDATE, KEY_READ, WRITE};
use crate::config::D;
use crate::errors;
use crate::store::events::{GENERIC, STRING};
use crate::store::{Str, Value};
use crate::util::parse_i64_strict;

const B: &[&str] = &["bitmap"];
const G: &str = "bitmap";

/// BITFIELD writes only with a SET or INCRBY operation: see [`bitfield_keys`].
static BITFIELD_SPECS: &[KeySpec] = &[KeySpec {
    notes: "This command allows both access and modification of the key",
    flags: &["RW", "access", "update", "variable_flags"],
    find: Find::Range(ONE_KEY),
}];
static BITOP_SPECS: &[KeySpec] = &store_from_keys_specs(2);

#[rustfmt::skip]
pub static COMMANDS: &[Command] = &[
    Command { key_flags: KEY_ACCESS_UPDATE, complexity: "O(1)", args: &[key("key", 0), integer("offset"), integer("value")], ..cmd("setbit", 4, WRITE | DENYOOM, ONE_KEY, B, G, "Sets or clears the bit at offset in the string value stored at key", "2.2.0", setbit) },
    Command { complexity: "O(1)", args: &[key("key", 0), integer("offset")], ..cmd("getbit", 3, READONLY | FAST, ONE_KEY, B, G, "Returns the bit value at offset in the string value stored at key", "2.2.0", getbit) },
    Command { complexity: "O(N)", history: &[("7.0.0", "Added the `BYTE|BIT` option.")], args: BITCOUNT_ARGS, ..cmd("bitcount", -2, READONLY, ONE_KEY, B, G, "Count set bits in a string", "2.6.0", bitcount) },
    Command { complexity: "O(N)", history: &[("7.0.0", "Added the `BYTE|BIT` option.")], args: BITPOS_ARGS, ..cmd("bitpos", -3, READONLY, ONE_KEY, B, G, "Find first bit set or clear in a string", "2.8.7", bitpos) },
    Command { key_specs: BITOP_SPECS, complexity: "O(N)", args: BITOP_ARGS, ..cmd("bitop", -4, WRITE | DENYOOM, Keys { first: 2, last: -1, step: 1 }, B, G, "Perform bitwise operations between strings", "2.6.0", bitop) },
    Command { key_specs: BITFIELD_SPECS, get_keys: Some(bitfield_keys), complexity: "O(1) for each subcommand specified", args: BITFIELD_ARGS, ..cmd("bitfield", -2, WRITE | DENYOOM, ONE_KEY, B, G, "Perform arbitrary bitfield integer operations on strings", "3.2.0", bitfield) },
    Command { complexity: "O(1) for each subcommand specified", args: BITFIELD_RO_ARGS, ..cmd("bitfield_ro", -2, READONLY | FAST, ONE_KEY, B, G, "Perform arbitrary bitfield integer operations on strings. Read-only variant of BITFIELD", "6.0.0", bitfield_ro) },
];

// `COMMAND DOCS` arguments and history of the commands above (Redis 7.0).

static BITCOUNT_ARGS: &[Arg] = &[
    key("key", 0),
    block(
        "index",
        &[
            integer("start"),
            integer("end"),
            oneof("index_unit", &[pure_token("byte", "BYTE"), pure_token("bit", "BIT")]).since("7.0.0").optional(),
        ],
    )
    .optional(),
];

static BITPOS_ARGS: &[Arg] = &[
    key("key", 0),
    integer("bit"),
    block(
        "index",
        &[
            integer("start"),
            block(
                "end_index",
                &[
                    integer("end"),
                    oneof("index_unit", &[pure_token("byte", "BYTE"), pure_token("bit", "BIT")])
                        .since("7.0.0")
                        .optional(),
                ],
            )
            .optional(),
        ],
    )
    .optional(),
];

static BITOP_ARGS: &[Arg] = &[string("operation"), key("destkey", 0), key("key", 1).multiple()];

static BITFIELD_ARGS: &[Arg] = &[
    key("key", 0),
    oneof(
        "operation",
        &[
            block("encoding_offset", &[string("encoding"), integer("offset")]).token("GET"),
            block(
                "write",
                &[
                    oneof(
                        "wrap_sat_fail",
                        &[pure_token("wrap", "WRAP"), pure_token("sat", "SAT"), pure_token("fail", "FAIL")],
                    )
                    .token("OVERFLOW")
                    .optional(),
                    oneof(
                        "write_operation",
                        &[
                            block("encoding_offset_value", &[string("encoding"), integer("offset"), integer("value")])
                                .token("SET"),
                            block(
                                "encoding_offset_increment",
                                &[string("encoding"), integer("offset"), integer("increment")],
                            )
                            .token("INCRBY"),
                        ],
                    ),
                ],
            ),
        ],
    )
    .optional()
    .multiple(),
];

static BITFIELD_RO_ARGS: &[Arg] = &[
    key("key", 0),
    block("encoding_offset", &[string("encoding"), integer("offset")])
        .token("GET")
        .optional()
        .multiple()
        .multiple_token(),
];

fn setbit(ctx: &mut Ctx, argv: &[&[u8]]) {
    let offset = match bit_offset(ctx, argv[2], None) {
        Ok(o) => o,
        Err(e) => return ctx.reply().error(e),
    };
    let on = match parse_i64_strict(argv[3]) {
        Some(0) => false,
        Some(1) => true,
        _ => return ctx.reply().error(errors::BIT_VALUE),
    };
    let key = argv[1];
    let (was_set, changed) = match string_for_bits(ctx, key, offset) {
        Err(e) => return ctx.reply().error(e),
        Ok((buf, grown)) => {
            let was_set = get_bit(buf, offset);
            // A new or grown string counts as a change even if the bit keeps
            // its value (Redis's dirty accounting, which the suite checks).
            let changed = grown || was_set != on;
            if changed {
                set_bit(buf, offset, on);
            }
            (was_set, changed)
        }
    };
    if changed {
        let db = ctx.db();
        ctx.srv.ks.key_modified(db, key);
        ctx.srv.ks.dirty += 1;
        ctx.notify(STRING, "setbit", key);
    }
    ctx.reply().int(was_set as i64);
}

fn getbit(ctx: &mut Ctx, argv: &[&[u8]]) {
    let offset = match bit_offset(ctx, argv[2], None) {
        Ok(o) => o,
        Err(e) => return ctx.reply().error(e),
    };
    match read_string(ctx, argv[1], |s| s.is_some_and(|b| get_bit(b, offset))) {
        Ok(bit) => ctx.reply().int(bit as i64),
        Err(e) => ctx.reply().error(e),
    }
}

/// BITCOUNT key [start end [BYTE|BIT]]. As in Redis, a missing key answers 0
/// before the range arguments are even looked at.
fn bitcount(ctx: &mut Ctx, argv: &[&[u8]]) {
    let rest = &argv[2..];
    let counted = read_string(ctx, argv[1], |s| match s {
        None => Ok(0),
        Some(b) => count_in_range(b, rest),
    });
    match counted.and_then(|r| r) {
        Ok(n) => ctx.reply().int(n as i64),
        Err(e) => ctx.reply().error(e),
    }
}

fn count_in_range(b: &[u8], rest: &[&[u8]]) -> Result<u64, &'static str> {
    let len = b.len() as i64;
    let (lo, hi) = match rest.len() {
        0 if len == 0 => return Ok(0),
        0 => (0, len as u64 * 8 - 1),
        2 | 3 => {
            let start = args::int(rest[0])?;
            let end = args::int(rest[1])?;
            if start < 0 && end < 0 && start > end {
                return Ok(0);
            }
            let unit = range_unit(rest.get(2).copied())?;
            match unit.resolve(start, end, len) {
                Some(r) => r,
                None => return Ok(0),
            }
        }
        _ => return Err(errors::SYNTAX),
    };
    Ok(count_ones(b, lo, hi))
}

/// BITPOS key bit [start [end [BYTE|BIT]]]. The bit argument is checked before
/// the key; a missing key is all zeros (0 for bit 0, -1 for bit 1).
fn bitpos(ctx: &mut Ctx, argv: &[&[u8]]) {
    let bit = match args::int(argv[2]) {
        Ok(0) => false,
        Ok(1) => true,
        Ok(_) => return ctx.reply().error(errors::BIT_ARG),
        Err(e) => return ctx.reply().error(e),
    };
    let rest = &argv[3..];
    let found = read_string(ctx, argv[1], |s| match s {
        None => Ok(if bit { -1 } else { 0 }),
        Some(b) => position_in_range(b, bit, rest),
    });
    match found.and_then(|r| r) {
        Ok(n) => ctx.reply().int(n),
        Err(e) => ctx.reply().error(e),
    }
}

fn position_in_range(b: &[u8], bit: bool, rest: &[&[u8]]) -> Result<i64, &'static str> {
    let len = b.len() as i64;
    let (lo, hi, end_given) = match rest.len() {
        0 if len == 0 => return Ok(-1),
        0 => (0, len as u64 * 8 - 1, false),
        1..=3 => {
            let start = args::int(rest[0])?;
            // Redis checks the unit keyword before it parses `end`.
            let unit = range_unit(rest.get(2).copied())?;
            let (end, end_given) = match rest.get(1) {
                Some(e) => (args::int(e)?, true),
                None => (i64::MAX, false),
            };
            match unit.resolve(start, end, len) {
                Some((lo, hi)) => (lo, hi, end_given),
                None => return Ok(-1),
            }
        }
        _ => return Err(errors::SYNTAX),
    };
    Ok(match first_bit(b, lo, hi, bit) {
        Some(p) => p as i64,
        // Without an explicit end the string is seen as followed by zeros, so
        // the first clear bit is the one just past the end.
        None if !bit && !end_given => hi as i64 + 1,
        None => -1,
    })
}

/// Whether a BITCOUNT/BITPOS range counts bytes (the default) or bits.
#[derive(Clone, Copy, PartialEq)]
enum RangeUnit {
    Byte,
    Bit,
}

fn range_unit(arg: Option<&[u8]>) -> Result<RangeUnit, &'static str> {
    match arg {
        None => Ok(RangeUnit::Byte),
        Some(a) if is(a, "byte") => Ok(RangeUnit::Byte),
        Some(a) if is(a, "bit") => Ok(RangeUnit::Bit),
        Some(_) => Err(errors::SYNTAX),
    }
}

impl RangeUnit {
    /// Turns an inclusive `start..=end` range in this unit (negative values
    /// count from the end) over a string of `len` bytes into an inclusive
    /// range of bit positions, or `None` when it selects nothing.
    fn resolve(self, start: i64, end: i64, len: i64) -> Option<(u64, u64)> {
        let total = match self {
            RangeUnit::Byte => len,
            RangeUnit::Bit => len * 8,
        };
        let start = if start < 0 { (total + start).max(0) } else { start };
        let end = if end < 0 { (total + end).max(0) } else { end };
        let end = end.min(total - 1);
        if start > end {
            return None;
        }
        let (start, end) = (start as u64, end as u64);
        Some(match self {
            RangeUnit::Byte => (start * 8, end * 8 + 7),
            RangeUnit::Bit => (start, end),
        })
    }
}

#[derive(Clone, Copy, PartialEq)]
enum BitOp {
    And,
    Or,
    Xor,
    Not,
}

/// BITOP op dest key [key ...]: missing keys are empty strings, shorter
/// strings are padded with zero bytes. An empty result deletes `dest`.
fn bitop(ctx: &mut Ctx, argv: &[&[u8]]) {
    let op = if is(argv[1], "and") {
        BitOp::And
    } else if is(argv[1], "or") {
        BitOp::Or
    } else if is(argv[1], "xor") {
        BitOp::Xor
    } else if is(argv[1], "not") {
        BitOp::Not
    } else {
        return ctx.reply().error(errors::SYNTAX);
    };
    if op == BitOp::Not && argv.len() != 4 {
        return ctx.reply().error(errors::BITOP_NOT);
    }
    // Fold the sources into `res` one at a time, so no source is copied.
    // Nothing is written until every source has been type-checked.
    let mut res: Vec<u8> = Vec::new();
    for (i, key) in argv[3..].iter().enumerate() {
        let folded = read_string(ctx, key, |src| {
            let src = src.unwrap_or_default();
            if i == 0 {
                res.extend(src.iter().map(|&b| if op == BitOp::Not { !b } else { b }));
                return;
            }
            if res.len() < src.len() {
                res.resize(src.len(), 0);
            }
            match op {
                BitOp::And => {
                    let common = src.len();
                    res[..common].iter_mut().zip(src).for_each(|(r, s)| *r &= s);
                    res[common..].fill(0);
                }
                BitOp::Or => res.iter_mut().zip(src).for_each(|(r, s)| *r |= s),
                BitOp::Xor => res.iter_mut().zip(src).for_each(|(r, s)| *r ^= s),
                BitOp::Not => {}
            }
        });
        if let Err(e) = folded {
            return ctx.reply().error(e);
        }
    }
    let db = ctx.db();
    let dest = argv[2];
    let len = res.len();
    let ks = &mut ctx.srv.ks;
    if len > 0 {
        ks.set(db, dest, Value::Str(Str::raw(res)), false);
        ks.dirty += 1;
        ctx.notify(STRING, "set", dest);
    } else if ks.delete(db, dest) {
        ks.dirty += 1;
        ctx.notify(GENERIC, "del", dest);
    }
    ctx.reply().int(len as i64);
}

/// What BITFIELD does when a SET or INCRBY does not fit the field.
#[derive(Clone, Copy, PartialEq)]
enum Overflow {
    /// Keep the low bits (two's complement for signed fields).
    Wrap,
    /// Clamp to the field's minimum or maximum.
    Sat,
    /// Leave the field alone and reply nil.
    Fail,
}

#[derive(Clone, Copy, PartialEq)]
enum FieldOp {
    Get,
    Set(i64),
    IncrBy(i64),
}

/// One BITFIELD subcommand, parsed.
#[derive(Clone, Copy)]
struct Field {
    op: FieldOp,
    signed: bool,
    /// Width: 1..=64 signed, 1..=63 unsigned.
    bits: u32,
    /// Bit offset of the field's most significant bit.
    offset: u64,
    overflow: Overflow,
}

fn bitfield(ctx: &mut Ctx, argv: &[&[u8]]) {
    bitfield_generic(ctx, argv, false);
}

fn bitfield_ro(ctx: &mut Ctx, argv: &[&[u8]]) {
    bitfield_generic(ctx, argv, true);
}

/// BITFIELD and BITFIELD_RO: every subcommand is parsed (and rejected with its
/// own error) before the key is touched; then all of them run in order.
fn bitfield_generic(ctx: &mut Ctx, argv: &[&[u8]], read_only: bool) {
    let fields = match parse_fields(ctx, &argv[2..]) {
        Ok(f) => f,
        Err(e) => return ctx.reply().error(e),
    };
    let key = argv[1];
    // The last bit any SET or INCRBY touches: the string is grown to it once.
    let highest_write = fields.iter().filter(|f| f.op != FieldOp::Get).map(|f| f.offset + f.bits as u64 - 1).max();
    let Some(highest_write) = highest_write else {
        let values = read_string(ctx, key, |s| {
            let b = s.unwrap_or_default();
            fields.iter().map(|f| Some(read_field(b, f))).collect::<Vec<_>>()
        });
        return match values {
            Ok(v) => reply_fields(ctx, &v),
            Err(e) => ctx.reply().error(e),
        };
    };
    if read_only {
        return ctx.reply().error(errors::BITFIELD_RO);
    }
    let mut changes = 0u64;
    let values = match string_for_bits(ctx, key, highest_write) {
        Err(e) => return ctx.reply().error(e),
        Ok((buf, grown)) => {
            let mut values = Vec::with_capacity(fields.len());
            for f in &fields {
                let (value, changed) = apply_field(buf, f, grown);
                values.push(value);
                changes += changed as u64;
            }
            values
        }
    };
    if changes > 0 {
        let db = ctx.db();
        ctx.srv.ks.key_modified(db, key);
        ctx.srv.ks.dirty += changes;
        ctx.notify(STRING, "setbit", key);
    }
    reply_fields(ctx, &values);
}

fn reply_fields(ctx: &mut Ctx, values: &[Option<i64>]) {
    let r = ctx.reply();
    r.array_len(values.len());
    for v in values {
        match v {
            Some(n) => r.int(*n),
            None => r.null(),
        }
    }
}

/// Parses `GET type offset | SET type offset value | INCRBY type offset incr |
/// OVERFLOW WRAP|SAT|FAIL` (an OVERFLOW applies to the subcommands after it).
fn parse_fields(ctx: &Ctx, a: &[&[u8]]) -> Result<Vec<Field>, &'static str> {
    let mut fields = Vec::new();
    let mut overflow = Overflow::Wrap;
    let mut j = 0;
    while j < a.len() {
        let remaining = a.len() - j - 1;
        let sub = a[j];
        let is_get = is(sub, "get") && remaining >= 2;
        let is_set = is(sub, "set") && remaining >= 3;
        let is_incr = is(sub, "incrby") && remaining >= 3;
        if is(sub, "overflow") && remaining >= 1 {
            let kind = a[j + 1];
            overflow = if is(kind, "wrap") {
                Overflow::Wrap
            } else if is(kind, "sat") {
                Overflow::Sat
            } else if is(kind, "fail") {
                Overflow::Fail
            } else {
                return Err(errors::BITFIELD_OVERFLOW);
            };
            j += 2;
            continue;
        }
        if !(is_get || is_set || is_incr) {
            return Err(errors::SYNTAX);
        }
        let (signed, bits) = field_type(a[j + 1])?;
        let offset = bit_offset(ctx, a[j + 2], Some(bits))?;
        let op = if is_get {
            FieldOp::Get
        } else {
            let n = args::int(a[j + 3])?;
            if is_set {
                FieldOp::Set(n)
            } else {
                FieldOp::IncrBy(n)
            }
        };
        fields.push(Field { op, signed, bits, offset, overflow });
        j += if is_get { 3 } else { 4 };
    }
    Ok(fields)
}

/// `i1`..`i64` or `u1`..`u63` (lower case only, as in Redis).
fn field_type(arg: &[u8]) -> Result<(bool, u32), &'static str> {
    let (signed, width) = match arg.split_first() {
        Some((b'i', w)) => (true, w),
        Some((b'u', w)) => (false, w),
        _ => return Err(errors::BITFIELD_TYPE),
    };
    let max = if signed { 64 } else { 63 };
    match parse_i64_strict(width) {
        Some(n) if (1..=max).contains(&n) => Ok((signed, n as u32)),
        _ => Err(errors::BITFIELD_TYPE),
    }
}

/// Runs one BITFIELD subcommand on a string already grown to hold every
/// written field. Returns the reply value (nil for an OVERFLOW FAIL) and
/// whether the string counts as changed (`grown` counts, as in Redis).
fn apply_field(buf: &mut [u8], f: &Field, grown: bool) -> (Option<i64>, bool) {
    let old = read_bits(buf, f.offset, f.bits);
    let (w, ow) = (f.bits, f.overflow);
    // (bits to store, reply value, overflowed): SET replies the old value,
    // INCRBY the new one.
    let (new, reply, overflowed) = match (f.op, f.signed) {
        (FieldOp::Get, _) => return (Some(read_field(buf, f)), false),
        (FieldOp::Set(v), true) => {
            let (new, o) = signed_add(v, 0, w, ow);
            (new as u64, sign_extend(old, w), o)
        }
        (FieldOp::IncrBy(by), true) => {
            let (new, o) = signed_add(sign_extend(old, w), by, w, ow);
            (new as u64, new, o)
        }
        // A SET value is taken as the unsigned 64-bit pattern of the integer
        // given, so `SET u8 0 -1` overflows past the top (as in Redis).
        // Unsigned fields have at most 63 bits, so every value fits an i64.
        (FieldOp::Set(v), false) => {
            let (new, o) = unsigned_add(v as u64, 0, w, ow);
            (new, old as i64, o)
        }
        (FieldOp::IncrBy(by), false) => {
            let (new, o) = unsigned_add(old, by, w, ow);
            (new, new as i64, o)
        }
    };
    if overflowed && ow == Overflow::Fail {
        return (None, false);
    }
    write_bits(buf, f.offset, w, new);
    let mask = if w == 64 { u64::MAX } else { (1u64 << w) - 1 };
    (Some(reply), grown || new & mask != old)
}

/// The value of a field as GET reports it (zeros past the end of the string).
fn read_field(b: &[u8], f: &Field) -> i64 {
    let raw = read_bits(b, f.offset, f.bits);
    if f.signed {
        sign_extend(raw, f.bits)
    } else {
        raw as i64
    }
}

/// `value + incr` in a signed field of `bits` bits; the flag says whether the
/// exact sum did not fit (then the result follows `ow`; for FAIL it is unused).
fn signed_add(value: i64, incr: i64, bits: u32, ow: Overflow) -> (i64, bool) {
    let max = (1i128 << (bits - 1)) - 1;
    let min = -max - 1;
    let sum = value as i128 + incr as i128;
    if (min..=max).contains(&sum) {
        return (sum as i64, false);
    }
    let limited = match ow {
        Overflow::Wrap => sign_extend(value.wrapping_add(incr) as u64, bits),
        Overflow::Sat if sum > max => max as i64,
        Overflow::Sat => min as i64,
        Overflow::Fail => 0,
    };
    (limited, true)
}

/// `value + incr` in an unsigned field of `bits` (at most 63) bits.
fn unsigned_add(value: u64, incr: i64, bits: u32, ow: Overflow) -> (u64, bool) {
    let max = (1i128 << bits) - 1;
    let sum = value as i128 + incr as i128;
    if (0..=max).contains(&sum) {
        return (sum as u64, false);
    }
    let limited = match ow {
        Overflow::Wrap => value.wrapping_add(incr as u64) & (max as u64),
        Overflow::Sat if sum > max => max as u64,
        Overflow::Sat => 0,
        Overflow::Fail => 0,
    };
    (limited, true)
}

/// Sign-extends the low `bits` bits of `v`.
fn sign_extend(v: u64, bits: u32) -> i64 {
    if bits >= 64 {
        return v as i64;
    }
    let shift = 64 - bits;
    ((v << shift) as i64) >> shift
}

/// Reads `bits` (<= 64) bits starting at bit `offset`, most significant first;
/// bits past the end of `b` read as zero.
fn read_bits(b: &[u8], offset: u64, bits: u32) -> u64 {
    (0..bits as u64).fold(0u64, |acc, i| (acc << 1) | get_bit(b, offset + i) as u64)
}

/// Writes the low `bits` bits of `v` at bit `offset`, most significant first.
/// The caller has grown `b` to hold them.
fn write_bits(b: &mut [u8], offset: u64, bits: u32, v: u64) {
    for i in 0..bits as u64 {
        let on = (v >> (bits as u64 - 1 - i)) & 1 == 1;
        set_bit(b, offset + i, on);
    }
}

#[inline]
fn get_bit(b: &[u8], pos: u64) -> bool {
    let byte = usize::try_from(pos >> 3).ok().and_then(|i| b.get(i));
    byte.is_some_and(|&v| v & (0x80 >> (pos & 7)) != 0)
}

#[inline]
fn set_bit(b: &mut [u8], pos: u64, on: bool) {
    let Some(byte) = usize::try_from(pos >> 3).ok().and_then(|i| b.get_mut(i)) else {
        return;
    };
    let mask = 0x80u8 >> (pos & 7);
    if on {
        *byte |= mask;
    } else {
        *byte &= !mask;
    }
}

/// Number of set bits in the inclusive bit range `lo..=hi` (within `b`).
fn count_ones(b: &[u8], lo: u64, hi: u64) -> u64 {
    let (first, last) = ((lo >> 3) as usize, (hi >> 3) as usize);
    let Some(bytes) = b.get(first..=last) else {
        return 0;
    };
    let mut n = popcount(bytes);
    // Take back the bits of the edge bytes that lie outside the range.
    let lead = !(0xFFu8 >> (lo & 7));
    let trail = (0xFFu8 >> 1) >> (hi & 7);
    n -= (bytes[0] & lead).count_ones() as u64;
    n -= (bytes[bytes.len() - 1] & trail).count_ones() as u64;
    n
}

fn popcount(b: &[u8]) -> u64 {
    let mut chunks = b.chunks_exact(8);
    let mut n: u64 = 0;
    for c in &mut chunks {
        let mut w = [0u8; 8];
        w.copy_from_slice(c);
        n += u64::from_ne_bytes(w).count_ones() as u64;
    }
    n + chunks.remainder().iter().map(|x| x.count_ones() as u64).sum::<u64>()
}

/// Position of the first bit equal to `bit` in the inclusive bit range
/// `lo..=hi` (within `b`).
fn first_bit(b: &[u8], lo: u64, hi: u64, bit: bool) -> Option<u64> {
    let (first, last) = ((lo >> 3) as usize, (hi >> 3) as usize);
    let bytes = b.get(first..=last)?;
    // Look for a 1 in `wanted`: the byte itself, or its complement for bit 0.
    let wanted = |v: u8| if bit { v } else { !v };
    let lead = 0xFFu8 >> (lo & 7);
    let trail = 0xFFu8 << (7 - (hi & 7));
    let at = |i: usize, v: u8| Some((first + i) as u64 * 8 + v.leading_zeros() as u64);
    let n = bytes.len();
    let mut head = wanted(bytes[0]) & lead;
    if n == 1 {
        head &= trail;
    }
    if head != 0 {
        return at(0, head);
    }
    if n == 1 {
        return None;
    }
    // Whole bytes in between: skip eight at a time while none can match.
    let middle_end = n - 1;
    let skip = if bit { 0u64 } else { u64::MAX };
    let mut i = 1;
    while i + 8 <= middle_end {
        let mut w = [0u8; 8];
        w.copy_from_slice(&bytes[i..i + 8]);
        if u64::from_ne_bytes(w) != skip {
            break;
        }
        i += 8;
    }
    while i < middle_end {
        let v = wanted(bytes[i]);
        if v != 0 {
            return at(i, v);
        }
        i += 1;
    }
    let tail = wanted(bytes[n - 1]) & trail;
    if tail != 0 {
        return at(n - 1, tail);
    }
    None
}

/// Parses a bit offset: a non-negative integer whose byte (`offset / 8`) is
/// below `proto-max-bulk-len`. With `field_bits` (BITFIELD), `#n` means `n`
/// fields of that width. The multiplication wraps like Redis's, whose
/// observable behaviour this keeps (a wrapped value is still range-checked).
fn bit_offset(ctx: &Ctx, arg: &[u8], field_bits: Option<u32>) -> Result<u64, &'static str> {
    let (digits, scale) = match (arg.first(), field_bits) {
        (Some(b'#'), Some(bits)) => (&arg[1..], bits as i64),
        _ => (arg, 1),
    };
    let n = parse_i64_strict(digits).ok_or(errors::BIT_OFFSET)?.wrapping_mul(scale);
    let max = ctx.srv.config.int(D::ProtoMaxBulkLen);
    if n < 0 || (n >> 3) >= max {
        return Err(errors::BIT_OFFSET);
    }
    Ok(n as u64)
}

/// Runs `f` over the bytes of the string at `key` (`None` when the key is
/// missing); WRONGTYPE if the key holds another type.
fn read_string<R>(ctx: &mut Ctx, key: &[u8], f: impl FnOnce(Option<&[u8]>) -> R) -> Result<R, &'static str> {
    let db = ctx.db();
    match ctx.srv.ks.lookup_read(db, key) {
        None => Ok(f(None)),
        Some(Value::Str(s)) => Ok(s.with_bytes(|b| f(Some(b)))),
        #[allow(unreachable_patterns)]
        Some(_) => Err(errors::WRONGTYPE),
    }
}

/// The string at `key` as a `raw` buffer long enough to hold bit `max_bit`,
/// created (zero-filled) if missing. The flag is true when the key was created
/// or the string grew. The caller reports the modification.
fn string_for_bits<'a>(ctx: &'a mut Ctx, key: &[u8], max_bit: u64) -> Result<(&'a mut Vec<u8>, bool), &'static str> {
    let db = ctx.db();
    let need = usize::try_from(max_bit >> 3).ok().and_then(|n| n.checked_add(1)).ok_or(errors::STRING_ALLOC)?;
    let ks = &mut ctx.srv.ks;
    let exists = match ks.lookup_write(db, key) {
        None => false,
        Some(Value::Str(_)) => true,
        #[allow(unreachable_patterns)]
        Some(_) => return Err(errors::WRONGTYPE),
    };
    if !exists {
        ks.set(db, key, Value::Str(Str::raw(zeroed(need)?)), false);
    }
    let Some(Value::Str(s)) = ks.lookup_write(db, key) else {
        return Err(errors::WRONGTYPE);
    };
    let buf = s.make_raw();
    let old_len = buf.len();
    if old_len < need {
        buf.try_reserve_exact(need - old_len).map_err(|_| errors::STRING_ALLOC)?;
        buf.resize(need, 0);
    }
    let grown = !exists || buf.len() != old_len;
    Ok((buf, grown))
}

/// `n` zero bytes, or an error instead of an abort if memory runs out.
fn zeroed(n: usize) -> Result<Vec<u8>, &'static str> {
    let mut v = Vec::new();
    v.try_reserve_exact(n).map_err(|_| errors::STRING_ALLOC)?;
    v.resize(n, 0);
    Ok(v)
}

/// BITFIELD's key for COMMAND GETKEYSANDFLAGS: only read when every operation
/// is a complete GET or OVERFLOW; written otherwise (a SET or INCRBY, or
/// arguments that do not parse, taken as a write to be safe).
fn bitfield_keys(argv: &[&[u8]]) -> Vec<(usize, KeyFlags)> {
    let mut i = 2;
    let mut read_only = true;
    while i < argv.len() {
        let left = argv.len() - i - 1;
        if is(argv[i], "get") && left >= 2 {
            i += 3;
        } else if is(argv[i], "overflow") && left >= 1 {
            i += 2;
        } else {
            read_only = false;
            break;
        }
    }
    vec![(1, if read_only { KEY_READ } else { KEY_ACCESS_UPDATE })]
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Bit `i` of `b`, one bit at a time (the reference for the fast paths).
    fn bit_at(b: &[u8], i: u64) -> bool {
        b[(i / 8) as usize] & (0x80 >> (i % 8)) != 0
    }

    #[test]
    fn count_and_search_match_a_bit_by_bit_scan() {
        // Runs of 0x00 and 0xff long enough for the 8-byte skip, with a few
        // odd bytes, over every sub-range.
        let mut b = vec![0u8; 20];
        b.extend([0xffu8; 20]);
        b[3] = 0x10;
        b[25] = 0xef;
        b.push(0x5a);
        let nbits = b.len() as u64 * 8;
        for lo in (0..nbits).step_by(3) {
            for hi in (lo..nbits).step_by(5) {
                let ones = (lo..=hi).filter(|&i| bit_at(&b, i)).count() as u64;
                assert_eq!(count_ones(&b, lo, hi), ones, "count {lo}..={hi}");
                for bit in [false, true] {
                    let want = (lo..=hi).find(|&i| bit_at(&b, i) == bit);
                    assert_eq!(first_bit(&b, lo, hi, bit), want, "first {bit} in {lo}..={hi}");
                }
            }
        }
    }

    #[test]
    fn fields_round_trip_at_odd_offsets() {
        let mut b = vec![0u8; 12];
        for bits in 1..=64u32 {
            for offset in [0u64, 1, 7, 9, 30] {
                let v = 0xdead_beef_cafe_f00du64 >> (64 - bits);
                b.fill(0);
                write_bits(&mut b, offset, bits, v);
                assert_eq!(read_bits(&b, offset, bits), v, "u{bits} at {offset}");
                let ones = b.iter().map(|x| x.count_ones()).sum::<u32>();
                assert_eq!(ones, v.count_ones(), "no stray bits for u{bits} at {offset}");
            }
        }
    }

    #[test]
    fn overflow_rules() {
        assert_eq!(signed_add(100, 257, 8, Overflow::Wrap), (101, true));
        assert_eq!(signed_add(100, 257, 8, Overflow::Sat), (127, true));
        assert_eq!(signed_add(100, -255, 8, Overflow::Sat), (-128, true));
        assert_eq!(signed_add(i64::MIN, -1, 64, Overflow::Wrap), (i64::MAX, true));
        assert_eq!(signed_add(i64::MIN, -1, 64, Overflow::Sat), (i64::MIN, true));
        assert_eq!(signed_add(-16, -1, 5, Overflow::Wrap), (15, true));
        assert_eq!(signed_add(3, 4, 4, Overflow::Fail), (7, false));
        assert_eq!(unsigned_add(100, 257, 8, Overflow::Wrap), (101, true));
        assert_eq!(unsigned_add(100, -255, 8, Overflow::Sat), (0, true));
        assert_eq!(unsigned_add(u64::MAX, 0, 8, Overflow::Sat), (255, true));
        assert_eq!(unsigned_add((1 << 63) - 1, 1, 63, Overflow::Wrap), (0, true));
        assert_eq!(unsigned_add(5, -5, 3, Overflow::Fail), (0, false));
        assert_eq!(sign_extend(0b10000, 5), -16);
        assert_eq!(sign_extend(0b01111, 5), 15);
    }

    #[test]
    fn field_types() {
        assert_eq!(field_type(b"i64"), Ok((true, 64)));
        assert_eq!(field_type(b"u63"), Ok((false, 63)));
        assert_eq!(field_type(b"u1"), Ok((false, 1)));
        for bad in [&b"u64"[..], b"i65", b"i0", b"I8", b"u08", b"u+8", b"u", b"", b"x8"] {
            assert_eq!(field_type(bad), Err(errors::BITFIELD_TYPE));
        }
    }

    #[test]
    fn ranges_resolve_like_redis() {
        // "foobar": 6 bytes, 48 bits.
        assert_eq!(RangeUnit::Byte.resolve(0, -1, 6), Some((0, 47)));
        assert_eq!(RangeUnit::Byte.resolve(-2, 1, 6), None);
        assert_eq!(RangeUnit::Byte.resolve(1, 1000, 6), Some((8, 47)));
        assert_eq!(RangeUnit::Bit.resolve(10, -34, 6), Some((10, 14)));
        assert_eq!(RangeUnit::Bit.resolve(-100, 3, 6), Some((0, 3)));
        assert_eq!(RangeUnit::Bit.resolve(0, -1, 0), None);
    }
}
