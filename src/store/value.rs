//! Values stored in the keyspace and their encodings.
//!
//! Strings have three encodings, named as Redis names them in `OBJECT ENCODING`:
//! `int` (a decimal integer stored as an `i64`), `embstr` (a short string set
//! whole, stored in an exact-size allocation) and `raw` (a growable buffer, used
//! once a string is modified in place by APPEND/SETRANGE/SETBIT or is long).
//!
//! Layout matters here: a keyspace entry is its key, a [`Value`] and a clock,
//! and a million keys pay for every byte. `Value` is 16 bytes (its tag shares
//! the niche of [`SmallBytes`]'s tag byte), and a string of up to
//! [`super::bytes::INLINE_MAX`] bytes needs no allocation of its own.

use super::bytes::SmallBytes;
use crate::util::{parse_i64_strict, write_i64};

/// Longest string stored as `embstr` (Redis's `OBJ_ENCODING_EMBSTR_SIZE_LIMIT`).
pub const EMBSTR_MAX: usize = 44;

/// A string value.
#[derive(Debug, Clone, PartialEq)]
pub enum Str {
    Int(i64),
    /// Bytes set whole, in one exact-size block (or inline): `embstr` up to
    /// [`EMBSTR_MAX`] bytes, `raw` above, as Redis reports them.
    Bytes(SmallBytes),
    /// A growable buffer, once the string is edited in place (always `raw`).
    Raw(Box<Vec<u8>>),
}

const _: () = assert!(std::mem::size_of::<Value>() == 16);

impl Str {
    /// Chooses the compact encoding for a value set whole (SET, MSET, GETSET...).
    pub fn from_bytes(b: &[u8]) -> Str {
        if b.len() <= 20 {
            if let Some(n) = parse_i64_strict(b) {
                return Str::Int(n);
            }
        }
        Str::Bytes(SmallBytes::new(b))
    }

    /// A string kept in the `raw` encoding (results of in-place edits).
    pub fn raw(v: Vec<u8>) -> Str {
        Str::Raw(Box::new(v))
    }

    pub fn len(&self) -> usize {
        match self {
            Str::Int(n) => int_len(*n),
            Str::Bytes(b) => b.len(),
            Str::Raw(b) => b.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Calls `f` with the bytes of the string (integers formatted on the stack).
    #[inline]
    pub fn with_bytes<R>(&self, f: impl FnOnce(&[u8]) -> R) -> R {
        match self {
            Str::Int(n) => {
                let mut buf = Vec::new();
                write_i64(&mut buf, *n);
                f(&buf)
            }
            Str::Bytes(b) => f(b),
            Str::Raw(b) => f(b),
        }
    }

    pub fn to_vec(&self) -> Vec<u8> {
        self.with_bytes(|b| b.to_vec())
    }

    /// The integer value, for INCR & co: `Int` directly, or a strictly parsed string.
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Str::Int(n) => Some(*n),
            Str::Bytes(b) => parse_i64_strict(b),
            Str::Raw(b) => parse_i64_strict(b),
        }
    }

    /// Converts to the `raw` encoding and returns the buffer for in-place edits.
    pub fn make_raw(&mut self) -> &mut Vec<u8> {
        if !matches!(self, Str::Raw(_)) {
            *self = Str::raw(self.to_vec());
        }
        match self {
            Str::Raw(v) => v,
            _ => unreachable!("converted to raw above"),
        }
    }

    /// Heap bytes held beyond the `Value` itself (for MEMORY USAGE).
    pub fn heap_size(&self) -> usize {
        match self {
            Str::Int(_) => 0,
            Str::Bytes(b) => b.heap_size(),
            Str::Raw(v) => std::mem::size_of::<Vec<u8>>() + v.capacity(),
        }
    }

    pub fn encoding(&self) -> &'static str {
        match self {
            Str::Int(_) => "int",
            Str::Bytes(b) if b.len() <= EMBSTR_MAX => "embstr",
            Str::Bytes(_) | Str::Raw(_) => "raw",
        }
    }
}

fn int_len(n: i64) -> usize {
    let mut len = if n < 0 { 2 } else { 1 };
    let mut v = n.unsigned_abs();
    while v >= 10 {
        v /= 10;
        len += 1;
    }
    len
}

/// A typed value. New data types add a variant here. Aggregates are boxed, or
/// are a single pointer themselves (`Hash`), so a `Value` stays 16 bytes.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Str(Str),
    List(Box<super::list::List>),
    /// Not boxed: a `Hash` is a single pointer.
    Hash(super::hash::Hash),
    Set(Box<super::set::Set>),
    ZSet(Box<super::zset::ZSet>),
}

impl Value {
    /// The name `TYPE` replies with.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Str(_) => "string",
            Value::List(_) => "list",
            Value::Hash(_) => "hash",
            Value::Set(_) => "set",
            Value::ZSet(_) => "zset",
        }
    }

    /// The name `OBJECT ENCODING` replies with.
    pub fn encoding(&self) -> &'static str {
        match self {
            Value::Str(s) => s.encoding(),
            Value::List(l) => l.encoding(),
            Value::Hash(h) => h.encoding(),
            Value::Set(s) => s.encoding(),
            Value::ZSet(z) => z.encoding(),
        }
    }

    /// Number of elements of an aggregate (the byte length for strings), for
    /// DEBUG OBJECT and size estimates.
    pub fn len(&self) -> usize {
        match self {
            Value::Str(s) => s.len(),
            Value::List(l) => l.len(),
            Value::Hash(h) => h.len(),
            Value::Set(s) => s.len(),
            Value::ZSet(z) => z.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn str(b: &[u8]) -> Value {
        Value::Str(Str::from_bytes(b))
    }
}

/// A keyspace entry's value plus its access clock (LRU seconds, or LFU counter
/// and decrement time, as Redis keeps them in 24 bits).
#[derive(Debug, Clone)]
pub struct Obj {
    pub value: Value,
    /// Seconds-resolution LRU clock of the last access (mod 2^24).
    pub lru: u32,
}

/// Redis's LRU clock: seconds, 24 bits.
pub const LRU_CLOCK_MAX: u32 = (1 << 24) - 1;

pub fn lru_clock(now_ms: i64) -> u32 {
    ((now_ms / 1000) as u32) & LRU_CLOCK_MAX
}

/// Seconds since `lru` given the current clock (wrapping like Redis).
pub fn idle_seconds(lru: u32, now_ms: i64) -> u64 {
    let now = lru_clock(now_ms);
    if now >= lru {
        (now - lru) as u64
    } else {
        (LRU_CLOCK_MAX - lru + now) as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodings() {
        assert_eq!(Str::from_bytes(b"123").encoding(), "int");
        assert_eq!(Str::from_bytes(b"0123").encoding(), "embstr");
        assert_eq!(Str::from_bytes(&[b'a'; 45]).encoding(), "raw");
        assert_eq!(Str::from_bytes(b"-42").len(), 3);
        let mut s = Str::from_bytes(b"12");
        s.make_raw().push(b'3');
        assert_eq!(Str::from_bytes(&[b'a'; 44]).encoding(), "embstr");
        assert_eq!(s.to_vec(), b"123");
        assert_eq!(s.encoding(), "raw");
    }
}
