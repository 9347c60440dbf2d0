//! The set value type and its two encodings (the commands are in
//! src/commands/set.rs).
//!
//! A set whose members are all integers (as Redis parses them: canonical
//! decimal, fitting an `i64`) and that has at most `set-max-intset-entries`
//! members is an *intset* (OBJECT ENCODING `intset`): a sorted `Vec<i64>`,
//! eight bytes per member, searched by binary search. Anything else is a
//! *hashtable*: a [`Dict`] whose keys are the members, which gives O(1)
//! membership, SCAN cursors that survive resizing and random sampling. As in
//! Redis 7.0, a set never converts back to an intset on its own.
//!
//! In between, a set of at most [`SMALL_MAX_ENTRIES`] members of at most
//! [`SMALL_MAX_MEMBER`] bytes is a plain array of [`SmallBytes`], searched
//! linearly (what Redis 7.2 does with its listpack sets). A hash table entry
//! costs a 32-byte allocation, a bucket and the member's own block; here a
//! member of up to 14 bytes costs 16 bytes and a longer one 16 plus its bytes,
//! and a linear scan of a hundred short members is as fast as hashing one.
//! The array is reported as `hashtable`, the name Redis 7.0 gives every
//! non-integer set: clients and Redis 7.0's tests see the encoding they
//! expect, and nothing else about the set (order, SCAN, random picks)
//! promises more than a hashtable does.

use super::bytes::SmallBytes;
use super::dict::Dict;
use crate::util::{parse_i64_strict, write_i64, Rng};

/// A set value.
pub struct Set {
    repr: Repr,
}

/// Most members the array encoding holds (Redis 7.2's `set-max-listpack-entries`).
pub const SMALL_MAX_ENTRIES: usize = 128;
/// Longest member the array encoding holds (Redis 7.2's `set-max-listpack-value`).
pub const SMALL_MAX_MEMBER: usize = 64;

enum Repr {
    /// Sorted, without duplicates.
    Ints(Vec<i64>),
    /// Unordered, without duplicates, grown one slot at a time.
    Small(Vec<SmallBytes>),
    /// Boxed so the packed form, which most values have, stays small.
    Table(Box<Dict<()>>),
}

impl Default for Set {
    fn default() -> Self {
        Set::new()
    }
}

/// The integer a member stands for, if it is stored as one in an intset.
#[inline]
fn as_int(member: &[u8]) -> Option<i64> {
    if member.len() > 20 {
        return None;
    }
    parse_i64_strict(member)
}

/// How many entries a rejection-sampled bucket may contribute (see
/// [`Set::random`]): chains longer than this are vanishingly rare at the
/// dict's load factor.
const SAMPLE_CHAIN: usize = 8;

impl Set {
    /// An empty set in the intset encoding.
    pub fn new() -> Set {
        Set { repr: Repr::Ints(Vec::new()) }
    }

    /// An empty set in the same encoding as `self`.
    pub fn empty_like(&self) -> Set {
        match &self.repr {
            Repr::Ints(_) => Set::new(),
            Repr::Small(_) => Set { repr: Repr::Small(Vec::new()) },
            Repr::Table(_) => Set { repr: Repr::Table(Box::default()) },
        }
    }

    /// Number of members.
    pub fn len(&self) -> usize {
        match &self.repr {
            Repr::Ints(v) => v.len(),
            Repr::Small(v) => v.len(),
            Repr::Table(d) => d.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The name OBJECT ENCODING replies with.
    pub fn encoding(&self) -> &'static str {
        match &self.repr {
            Repr::Ints(_) => "intset",
            Repr::Small(_) | Repr::Table(_) => "hashtable",
        }
    }

    /// True if `member` is in the set.
    pub fn contains(&self, member: &[u8]) -> bool {
        match &self.repr {
            Repr::Ints(v) => as_int(member).is_some_and(|n| v.binary_search(&n).is_ok()),
            Repr::Small(v) => v.iter().any(|m| **m == *member),
            Repr::Table(d) => d.contains_key(member),
        }
    }

    /// Adds `member`; false if it was already there. `max_intset` is
    /// `set-max-intset-entries`: past it (or on a non-integer member) the set
    /// becomes a hashtable.
    pub fn add(&mut self, member: &[u8], max_intset: usize) -> bool {
        if let Repr::Ints(v) = &mut self.repr {
            if let Some(n) = as_int(member) {
                match v.binary_search(&n) {
                    Ok(_) => return false,
                    Err(pos) => {
                        if v.len() < max_intset {
                            v.insert(pos, n);
                            return true;
                        }
                    }
                }
            }
            self.convert(member.len());
        }
        if let Repr::Small(v) = &mut self.repr {
            if v.iter().any(|m| **m == *member) {
                return false;
            }
            if v.len() < SMALL_MAX_ENTRIES && member.len() <= SMALL_MAX_MEMBER {
                v.reserve_exact(1);
                v.push(member.into());
                return true;
            }
            self.convert_to_table();
        }
        match &mut self.repr {
            Repr::Table(d) => {
                if d.contains_key(member) {
                    return false;
                }
                d.insert_new(member.into(), ());
                true
            }
            Repr::Ints(_) | Repr::Small(_) => false,
        }
    }

    /// Removes `member`; false if it was not there.
    pub fn remove(&mut self, member: &[u8]) -> bool {
        match &mut self.repr {
            Repr::Ints(v) => match as_int(member).map(|n| v.binary_search(&n)) {
                Some(Ok(pos)) => {
                    v.remove(pos);
                    true
                }
                _ => false,
            },
            Repr::Small(v) => match v.iter().position(|m| **m == *member) {
                Some(pos) => {
                    v.swap_remove(pos);
                    if v.capacity() > 2 * v.len() + 4 {
                        v.shrink_to_fit();
                    }
                    true
                }
                None => false,
            },
            Repr::Table(d) => {
                let removed = d.remove(member).is_some();
                if removed {
                    d.resize_if_needed();
                }
                removed
            }
        }
    }

    /// Calls `f` with every member (intset members formatted as decimals).
    pub fn for_each(&self, mut f: impl FnMut(&[u8])) {
        match &self.repr {
            Repr::Ints(v) => {
                let mut buf = Vec::with_capacity(20);
                for &n in v {
                    buf.clear();
                    write_i64(&mut buf, n);
                    f(&buf);
                }
            }
            Repr::Small(v) => v.iter().for_each(|m| f(m)),
            Repr::Table(d) => d.iter().for_each(|e| f(&e.key)),
        }
    }

    /// Every member, copied (intsets in ascending order).
    pub fn members(&self) -> Vec<Vec<u8>> {
        let mut out = Vec::with_capacity(self.len());
        self.for_each(|m| out.push(m.to_vec()));
        out
    }

    /// One SCAN step. An intset or an array is small by definition and is
    /// returned whole with cursor 0, as Redis does for its compact encodings;
    /// the hashtable uses the dict's reverse-binary cursor, which keeps SCAN's
    /// guarantee across resizes.
    pub fn scan(&self, cursor: u64, mut f: impl FnMut(&[u8])) -> u64 {
        match &self.repr {
            Repr::Ints(_) | Repr::Small(_) => {
                self.for_each(f);
                0
            }
            Repr::Table(d) => d.scan(cursor, |e| f(&e.key)),
        }
    }

    /// A uniformly chosen member, or `None` if the set is empty.
    ///
    /// In the hashtable, `Dict::random_entry` picks a random non-empty bucket
    /// and then a member of its chain, which favours members of short chains
    /// (SRANDMEMBER's distribution is tested by Redis's suite). Instead we
    /// draw a random SCAN cursor, which names one bucket group uniformly
    /// among all of them (empty ones included; see below for rehashing),
    /// and a slot `0..SAMPLE_CHAIN` in it: if the slot holds a member we take
    /// it, otherwise we draw again.
    /// Every member in the first `SAMPLE_CHAIN` places of its group is then
    /// exactly equally likely; a member of a longer group (rare) is drawn a
    /// little less often, but is always reachable. The number of draws is
    /// bounded; past it we fall back to the dict's own pick.
    pub fn random(&self, rng: &mut Rng) -> Option<Vec<u8>> {
        match &self.repr {
            Repr::Ints(v) => {
                if v.is_empty() {
                    return None;
                }
                let mut buf = Vec::with_capacity(20);
                write_i64(&mut buf, v[rng.below(v.len())]);
                Some(buf)
            }
            Repr::Small(v) => (!v.is_empty()).then(|| v[rng.below(v.len())].to_vec()),
            Repr::Table(d) => {
                if d.is_empty() {
                    return None;
                }
                // While rehashing, `buckets()` is the sum of two powers of
                // two and the smaller is its lowest set bit. A cursor below
                // the smaller size names one bucket of it and the whole group
                // of buckets of the larger table it expands to; a cursor with
                // higher bits set would start mid-group and favour the group's
                // last buckets.
                let total = d.buckets();
                let groups = total & total.wrapping_neg();
                for _ in 0..1000 {
                    let cursor = rng.below(groups) as u64;
                    let slot = rng.below(SAMPLE_CHAIN);
                    let mut seen = 0;
                    let mut picked = None;
                    d.scan(cursor, |e| {
                        if seen == slot {
                            picked = Some(e.key.to_vec());
                        }
                        seen += 1;
                    });
                    if seen > SAMPLE_CHAIN {
                        // A group longer than the window (a few in a
                        // thousand sets of a few hundred members have one,
                        // mostly while rehashing): take one of its members
                        // uniformly, so none is out of reach.
                        let (slot, mut i) = (rng.below(seen), 0);
                        d.scan(cursor, |e| {
                            if i == slot {
                                picked = Some(e.key.to_vec());
                            }
                            i += 1;
                        });
                    }
                    if picked.is_some() {
                        return picked;
                    }
                }
                d.random_entry(rng).map(|e| e.key.to_vec())
            }
        }
    }

    /// Removes and returns a uniformly chosen member.
    pub fn pop_random(&mut self, rng: &mut Rng) -> Option<Vec<u8>> {
        if let Repr::Ints(v) = &mut self.repr {
            if v.is_empty() {
                return None;
            }
            let n = v.remove(rng.below(v.len()));
            let mut buf = Vec::with_capacity(20);
            write_i64(&mut buf, n);
            return Some(buf);
        }
        if let Repr::Small(v) = &mut self.repr {
            if v.is_empty() {
                return None;
            }
            return Some(v.swap_remove(rng.below(v.len())).into_vec());
        }
        let m = self.random(rng)?;
        self.remove(&m);
        Some(m)
    }

    /// Converts an intset to the array encoding, or straight to the
    /// hashtable when the array could not take it plus a member of `next_len`
    /// bytes.
    fn convert(&mut self, next_len: usize) {
        if let Repr::Ints(v) = &self.repr {
            let mut buf = Vec::with_capacity(20);
            let mut members = v.iter().map(|&n| {
                buf.clear();
                write_i64(&mut buf, n);
                SmallBytes::new(&buf)
            });
            if v.len() < SMALL_MAX_ENTRIES && next_len <= SMALL_MAX_MEMBER {
                let mut a = Vec::with_capacity(v.len() + 1);
                a.extend(members);
                self.repr = Repr::Small(a);
            } else {
                let mut d = Dict::new();
                members.by_ref().for_each(|m| d.insert_new(m, ()));
                self.repr = Repr::Table(Box::new(d));
            }
        }
    }

    /// Converts the array encoding to the hashtable.
    fn convert_to_table(&mut self) {
        if let Repr::Small(v) = &mut self.repr {
            let mut d = Dict::new();
            for m in std::mem::take(v) {
                d.insert_new(m, ());
            }
            self.repr = Repr::Table(Box::new(d));
        }
    }

    /// True while the set is in the array encoding (for memory estimates).
    pub fn is_array(&self) -> bool {
        matches!(self.repr, Repr::Small(_))
    }
}

impl Clone for Set {
    fn clone(&self) -> Self {
        match &self.repr {
            Repr::Ints(v) => Set { repr: Repr::Ints(v.clone()) },
            Repr::Small(v) => Set { repr: Repr::Small(v.clone()) },
            Repr::Table(d) => {
                let mut t = Dict::new();
                for e in d.iter() {
                    t.insert_new(e.key.clone(), ());
                }
                Set { repr: Repr::Table(Box::new(t)) }
            }
        }
    }
}

/// Equal members, whatever the encodings.
impl PartialEq for Set {
    fn eq(&self, other: &Self) -> bool {
        if self.len() != other.len() {
            return false;
        }
        let mut same = true;
        self.for_each(|m| same = same && other.contains(m));
        same
    }
}

impl std::fmt::Debug for Set {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Set({}, {} members)", self.encoding(), self.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intset_converts_on_string_or_size() {
        let mut s = Set::new();
        assert!(s.add(b"3", 4));
        assert!(s.add(b"-1", 4));
        assert!(!s.add(b"3", 4));
        assert_eq!(s.encoding(), "intset");
        assert_eq!(s.members(), vec![b"-1".to_vec(), b"3".to_vec()]);
        assert!(s.contains(b"3") && !s.contains(b"03") && !s.contains(b"x"));
        assert!(s.add(b"abc", 4));
        assert_eq!(s.encoding(), "hashtable");
        assert!(s.contains(b"3") && s.contains(b"abc") && s.contains(b"-1"));
        let mut t = Set::new();
        for i in 0..5 {
            t.add(i.to_string().as_bytes(), 4);
        }
        assert_eq!(t.encoding(), "hashtable");
        assert_eq!(t.len(), 5);
        assert!(t.remove(b"4") && !t.remove(b"4"));
    }

    #[test]
    fn array_encoding_holds_small_sets_then_converts() {
        let mut s = Set::new();
        assert!(s.add(b"abc", 512));
        assert!(s.is_array() && s.encoding() == "hashtable");
        assert!(!s.add(b"abc", 512));
        for i in 0..SMALL_MAX_ENTRIES - 1 {
            assert!(s.add(format!("member-{i}").as_bytes(), 512));
        }
        assert!(s.is_array() && s.len() == SMALL_MAX_ENTRIES);
        assert!(s.add(b"one more", 512));
        assert!(!s.is_array() && s.len() == SMALL_MAX_ENTRIES + 1);
        assert!(s.contains(b"abc") && s.contains(b"member-0") && s.contains(b"one more"));
        let mut t = Set::new();
        t.add(b"x", 512);
        assert!(t.add(&[b'y'; SMALL_MAX_MEMBER + 1], 512));
        assert!(!t.is_array() && t.contains(b"x") && t.len() == 2);
        let mut u = Set::new();
        u.add(b"1", 512);
        u.add(b"2", 512);
        u.add(b"two", 512);
        assert!(u.is_array() && u.contains(b"1") && u.contains(b"two"));
        assert!(u.remove(b"1") && !u.remove(b"1") && u.len() == 2);
    }

    #[test]
    fn random_and_pop_cover_all() {
        let mut rng = Rng::with_seed(7);
        let mut s = Set::new();
        for i in 0..100 {
            s.add(format!("m{i}").as_bytes(), 512);
        }
        let mut seen = std::collections::HashSet::new();
        for _ in 0..5000 {
            seen.insert(s.random(&mut rng).expect("non-empty"));
        }
        assert_eq!(seen.len(), 100);
        let mut popped = std::collections::HashSet::new();
        while let Some(m) = s.pop_random(&mut rng) {
            assert!(popped.insert(m));
        }
        assert_eq!(popped.len(), 100);
        assert!(s.is_empty());
    }

    #[test]
    fn random_is_uniform_while_rehashing() {
        let mut rng = Rng::with_seed(11);
        let mut s = Set::new();
        // Past the array encoding's size, so the members are in a hashtable.
        let n = SMALL_MAX_ENTRIES + 72;
        for i in 0..n {
            s.add(format!("m{i}").as_bytes(), 0);
        }
        assert!(!s.is_array());
        let mut counts = std::collections::HashMap::new();
        let draws = 200_000;
        for _ in 0..draws {
            *counts.entry(s.random(&mut rng).expect("non-empty")).or_insert(0usize) += 1;
        }
        let p = draws as f64 / n as f64;
        let chi2: f64 = counts.values().map(|&c| (c as f64 - p).powi(2) / p).sum();
        assert_eq!(counts.len(), n);
        // 199 degrees of freedom: mean 199, standard deviation 20.
        assert!(chi2 < 320.0, "chi-square {chi2}");
    }
}
