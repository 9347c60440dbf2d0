//! `DEBUG DIGEST` and `DEBUG DIGEST-VALUE`: a 160-bit fingerprint of the whole
//! data set, or of single values, equal to the one Redis 7.0 computes for the
//! same data. Tests (ours and Redis's suite) compare it before and after a
//! reload, a restart or a replication to prove nothing changed.
//!
//! Two SHA-1 based operations build every digest:
//! - *xor in* `data`: `d ^= SHA1(data)`. Commutative, so it combines the parts
//!   whose order carries no meaning (keys of a database, members of a set,
//!   fields of a hash, elements of a sorted set).
//! - *mix in* `data`: `d = SHA1(d ^ SHA1(data))`. Order matters, so it chains
//!   what is a sequence (a key's name, type and value; the elements of a list).
//!
//! A key's digest starts at zero, mixes in the key name, then its value
//! (see [`mix_value`]), and is xored into the data set's digest. Each
//! non-empty database first mixes its index (4 bytes, big-endian) into the
//! data set's digest, so moving a key to another database changes it. An empty
//! data set digests to zeros. Elements are digested in their string form
//! (integers in decimal, sorted-set scores as `%.17g`), so the encoding of a
//! value does not change its digest. A TTL adds a fixed marker, not its time
//! (the same data set has the same digest a second later and on a replica).

use super::{Keyspace, Value};
use crate::scripting::sha1::sha1;
use crate::util::fmt_double;

/// A 20-byte digest.
pub type Digest = [u8; 20];

/// The marker xored into a value's digest when its key has a TTL.
const EXPIRE_MARKER: &[u8] = b"!!expire!!";

/// Type codes mixed in before a value (Redis's `OBJ_STRING`..`OBJ_HASH`).
fn type_code(v: &Value) -> u32 {
    match v {
        Value::Str(_) => 0,
        Value::List(_) => 1,
        Value::Set(_) => 2,
        Value::ZSet(_) => 3,
        Value::Hash(_) => 4,
    }
}

/// `d ^= SHA1(data)`.
fn xor_in(d: &mut Digest, data: &[u8]) {
    for (x, y) in d.iter_mut().zip(sha1(data)) {
        *x ^= y;
    }
}

/// `d = SHA1(d ^ SHA1(data))`.
fn mix_in(d: &mut Digest, data: &[u8]) {
    xor_in(d, data);
    *d = sha1(d);
}

/// The digest of a pair (hash field and value, sorted-set member and score),
/// xored into `d` so that pairs combine in any order.
fn xor_pair(d: &mut Digest, a: &[u8], b: &[u8]) {
    let mut pair = [0u8; 20];
    mix_in(&mut pair, a);
    mix_in(&mut pair, b);
    xor_in(d, &pair);
}

/// Mixes a value (type code, content, TTL marker) into `d`.
pub fn mix_value(d: &mut Digest, v: &Value, has_ttl: bool) {
    mix_in(d, &type_code(v).to_be_bytes());
    match v {
        Value::Str(s) => s.with_bytes(|b| mix_in(d, b)),
        Value::List(l) => {
            for e in l.iter() {
                mix_in(d, e);
            }
        }
        Value::Set(s) => s.for_each(|m| xor_in(d, m)),
        Value::ZSet(z) => z.for_each(|m, score| xor_pair(d, m, fmt_double(score).as_bytes())),
        Value::Hash(h) => h.for_each(|f, val| xor_pair(d, f, val)),
    }
    if has_ttl {
        xor_in(d, EXPIRE_MARKER);
    }
}

/// The digest of the whole data set (`DEBUG DIGEST`). Like Redis it reads the
/// tables as they are: a key past its deadline but not yet removed counts.
pub fn dataset(ks: &Keyspace) -> Digest {
    let mut out = [0u8; 20];
    for (index, db) in ks.dbs.iter().enumerate() {
        if db.dict.is_empty() {
            continue;
        }
        mix_in(&mut out, &(index as u32).to_be_bytes());
        for e in db.dict.iter() {
            let mut d = [0u8; 20];
            mix_in(&mut d, &e.key);
            mix_value(&mut d, &e.value.value, db.expires.get(&e.key).is_some());
            xor_in(&mut out, &d);
        }
    }
    out
}

/// The digest of one key's value (`DEBUG DIGEST-VALUE`), zeros for a missing
/// key. No lazy expiry, as in Redis: a debug command sees expired keys.
pub fn value(ks: &Keyspace, db: usize, key: &[u8]) -> Digest {
    let mut d = [0u8; 20];
    let db = &ks.dbs[db];
    if let Some(o) = db.dict.get(key) {
        mix_value(&mut d, &o.value, db.expires.get(key).is_some());
    }
    d
}

/// Lower-case hex, as the commands reply.
pub fn hex(d: &Digest) -> String {
    d.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_data_set_is_zeros() {
        let ks = Keyspace::new(16);
        assert_eq!(hex(&dataset(&ks)), "0".repeat(40));
        assert_eq!(value(&ks, 0, b"missing"), [0u8; 20]);
    }

    #[test]
    fn string_value_matches_redis() {
        // `SET s hello` then `DEBUG DIGEST-VALUE s` on Redis 7.0.
        let mut ks = Keyspace::new(16);
        ks.set(0, b"s", Value::str(b"hello"), false);
        assert_eq!(hex(&value(&ks, 0, b"s")), "36b23a1456b2dce2c3ed252c456761301dba8060");
        ks.set(0, b"n", Value::str(b"123"), false);
        assert_eq!(hex(&value(&ks, 0, b"n")), "89f7f51b707418f666d5b45e053bd5bbbf82ac2b");
    }
}
