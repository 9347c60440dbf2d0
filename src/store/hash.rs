//! The hash value type and its two encodings.
//!
//! Small hashes are kept *packed* (OBJECT ENCODING `listpack`): one byte
//! buffer of `varint(field len) field varint(value len) value` entries in
//! insertion order, searched linearly. That costs two or three bytes of
//! overhead per pair, against dozens for a hash table entry, and a linear scan
//! of a few kilobytes is as fast as hashing. Once a hash has more than
//! `hash-max-listpack-entries` fields, or is given a field or value longer than
//! `hash-max-listpack-value` bytes, it is converted to the *hashtable*
//! encoding: a [`Dict`] from field to value, which gives O(1) access, SCAN
//! cursors that survive resizing, and random sampling. As in Redis, a hash
//! never converts back on its own.

use super::bytes::SmallBytes;
use super::dict::Dict;
use super::thin::{self, Block, Thin, View, ViewMut, HEADER};
use super::varint;
use crate::util::Rng;

/// The thresholds that decide the encoding (`hash-max-listpack-*`).
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub max_entries: usize,
    pub max_value: usize,
}

/// Largest packed buffer we grow to, whatever the limits say (Redis refuses
/// to grow a listpack past 1 GiB and converts instead).
const PACKED_MAX_BYTES: usize = 1 << 30;

/// How many entries a fair random pick looks at in the hashtable encoding
/// (see [`Hash::random_pair`]).
const FAIR_SAMPLE: usize = 16;

/// A hash value: one pointer (so it sits inside [`super::Value`] with no box
/// of its own), to the packed block or to the hashtable (see [`Thin`]).
pub struct Hash {
    thin: Thin<Packed, Dict<SmallBytes>>,
}

const _: () = assert!(std::mem::size_of::<Hash>() == 8);

type Repr<'a> = View<'a, Packed, Dict<SmallBytes>>;
type ReprMut<'a> = ViewMut<'a, Packed, Dict<SmallBytes>>;

impl Default for Hash {
    fn default() -> Self {
        Hash::new()
    }
}

impl Hash {
    /// An empty hash in the packed encoding (no allocation).
    pub fn new() -> Hash {
        Hash { thin: Thin::packed(Packed { block: Block::empty() }) }
    }

    #[inline]
    fn repr(&self) -> Repr<'_> {
        self.thin.view()
    }

    #[inline]
    fn repr_mut(&mut self) -> ReprMut<'_> {
        self.thin.view_mut()
    }

    /// Number of fields.
    pub fn len(&self) -> usize {
        match self.repr() {
            Repr::Packed(p) => p.len(),
            Repr::Big(d) => d.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The name OBJECT ENCODING replies with.
    pub fn encoding(&self) -> &'static str {
        match self.repr() {
            Repr::Packed(_) => "listpack",
            Repr::Big(_) => "hashtable",
        }
    }

    /// The value of `field`.
    pub fn get(&self, field: &[u8]) -> Option<&[u8]> {
        match self.repr() {
            Repr::Packed(p) => p.find(field).map(|(_, v)| p.value_at(v)),
            Repr::Big(d) => d.get(field).map(|v| &v[..]),
        }
    }

    pub fn contains(&self, field: &[u8]) -> bool {
        self.get(field).is_some()
    }

    /// Converts to the hashtable encoding if any of `items` (fields or values
    /// about to be written) is too long for the packed one. Redis does this
    /// check over a command's arguments before writing any of them.
    pub fn fit_items(&mut self, items: &[&[u8]], lim: Limits) {
        let Repr::Packed(p) = self.repr() else { return };
        let mut sum = 0usize;
        for it in items {
            if it.len() > lim.max_value {
                return self.convert();
            }
            sum = sum.saturating_add(it.len());
        }
        if p.bytes().saturating_add(sum) > PACKED_MAX_BYTES {
            self.convert();
        }
    }

    /// Sets `field` to `value`; returns true if the field is new. Converts to
    /// the hashtable encoding when the hash or the pair outgrows the limits.
    pub fn set(&mut self, field: &[u8], value: &[u8], lim: Limits) -> bool {
        self.fit_items(&[field, value], lim);
        let added = match self.repr_mut() {
            ReprMut::Packed(p) => p.set(field, value),
            ReprMut::Big(d) => match d.get_mut(field) {
                Some(v) => {
                    *v = value.into();
                    false
                }
                None => {
                    d.insert_new(field.into(), value.into());
                    true
                }
            },
        };
        if added && self.len() > lim.max_entries {
            self.convert();
        }
        added
    }

    /// Removes `field`; returns true if it was there.
    pub fn remove(&mut self, field: &[u8]) -> bool {
        match self.repr_mut() {
            ReprMut::Packed(p) => p.remove(field),
            ReprMut::Big(d) => {
                let removed = d.remove(field).is_some();
                if removed {
                    // Keep the table reasonably full: SCAN steps and random
                    // sampling walk buckets, and a sparse table wastes both.
                    d.resize_if_needed();
                }
                removed
            }
        }
    }

    /// Calls `f` for every (field, value) pair.
    pub fn for_each(&self, mut f: impl FnMut(&[u8], &[u8])) {
        match self.repr() {
            Repr::Packed(p) => p.iter().for_each(|(k, v)| f(k, v)),
            Repr::Big(d) => d.iter().for_each(|e| f(&e.key, &e.value)),
        }
    }

    /// Every pair, borrowed, in the hash's order.
    pub fn pairs(&self) -> Vec<(&[u8], &[u8])> {
        let mut out = Vec::with_capacity(self.len());
        match self.repr() {
            Repr::Packed(p) => out.extend(p.iter()),
            Repr::Big(d) => out.extend(d.iter().map(|e| (&e.key[..], &e.value[..]))),
        }
        out
    }

    /// One SCAN step. The packed encoding is small by definition, so it is
    /// returned whole with cursor 0 (as Redis does); the hashtable uses the
    /// dict's reverse-binary cursor, which keeps SCAN's guarantee across
    /// resizes. `f` gets every pair of the visited bucket(s).
    pub fn scan(&self, cursor: u64, mut f: impl FnMut(&[u8], &[u8])) -> u64 {
        match self.repr() {
            Repr::Packed(p) => {
                p.iter().for_each(|(k, v)| f(k, v));
                0
            }
            Repr::Big(d) => d.scan(cursor, |e| f(&e.key, &e.value)),
        }
    }

    /// True if SCAN returns everything in one step (the packed encoding).
    pub fn scans_whole(&self) -> bool {
        !self.thin.is_big()
    }

    /// A random pair, every pair (nearly) equally likely.
    ///
    /// For the packed encoding this is an exact uniform pick. For the
    /// hashtable, picking a random bucket and then a random entry of its chain
    /// would favour entries in short chains, so instead we look at a window of
    /// about [`FAIR_SAMPLE`] entries starting at a random SCAN cursor and pick
    /// one of them uniformly (the idea behind Redis's `dictGetFairRandomKey`).
    /// Small tables are sampled over all their entries, exactly uniformly.
    pub fn random_pair(&self, rng: &mut Rng) -> Option<(&[u8], &[u8])> {
        match self.repr() {
            Repr::Packed(p) => {
                let n = p.len();
                if n == 0 {
                    return None;
                }
                p.iter().nth(rng.below(n))
            }
            Repr::Big(d) => {
                let n = d.len();
                if n == 0 {
                    return None;
                }
                if n <= FAIR_SAMPLE {
                    return d.iter().nth(rng.below(n)).map(|e| (&e.key[..], &e.value[..]));
                }
                fair_pick(d, rng).or_else(|| d.random_entry(rng)).map(|e| (&e.key[..], &e.value[..]))
            }
        }
    }

    /// Converts to the hashtable encoding.
    fn convert(&mut self) {
        if let Repr::Packed(p) = self.repr() {
            let mut d = Dict::new();
            for (k, v) in p.iter() {
                d.insert_new(k.into(), v.into());
            }
            self.thin = Thin::big(d);
        }
    }
}

/// The windowed fair pick of [`Hash::random_pair`] for big tables: count the
/// entries of a window of SCAN steps from a random cursor, choose one of them,
/// then replay the same steps to find it. `None` only if the window is empty
/// every time (which a table kept above its minimum fill never sees).
fn fair_pick<'a>(d: &'a Dict<SmallBytes>, rng: &mut Rng) -> Option<&'a super::dict::Entry<SmallBytes>> {
    const MAX_STEPS: usize = 1000;
    for _ in 0..8 {
        let start = rng.next_u64();
        let mut cursor = start;
        let mut seen = 0usize;
        let mut steps = 0usize;
        loop {
            cursor = d.scan(cursor, |_| seen += 1);
            steps += 1;
            if seen >= FAIR_SAMPLE || cursor == 0 || steps >= MAX_STEPS {
                break;
            }
        }
        if seen == 0 {
            continue;
        }
        let mut target = rng.below(seen);
        let mut chosen: Vec<u8> = Vec::new();
        let mut found = false;
        let mut cursor = start;
        for _ in 0..steps {
            cursor = d.scan(cursor, |e| {
                if !found {
                    if target == 0 {
                        chosen.extend_from_slice(&e.key);
                        found = true;
                    } else {
                        target -= 1;
                    }
                }
            });
        }
        if found {
            return d.get_entry(&chosen);
        }
    }
    None
}

impl Clone for Hash {
    fn clone(&self) -> Self {
        match self.repr() {
            Repr::Packed(p) => Hash { thin: Thin::packed(p.clone()) },
            Repr::Big(d) => {
                let mut t = Dict::new();
                for e in d.iter() {
                    t.insert_new(e.key.clone(), e.value.clone());
                }
                Hash { thin: Thin::big(t) }
            }
        }
    }
}

/// Equal contents, whatever the encodings and orders.
impl PartialEq for Hash {
    fn eq(&self, other: &Self) -> bool {
        if self.len() != other.len() {
            return false;
        }
        let mut same = true;
        self.for_each(|k, v| {
            if same {
                same = other.get(k) == Some(v);
            }
        });
        same
    }
}

impl std::fmt::Debug for Hash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Hash({}, {} fields)", self.encoding(), self.len())
    }
}

// ---------------------------------------------------------------------------
// Packed encoding.

/// A [`Block`] (header: length and pair count) of entries
/// `varint(field len) field varint(value len) value` in insertion order.
#[derive(Clone)]
struct Packed {
    block: Block,
}

impl thin::Packed for Packed {
    fn block(&self) -> &Block {
        &self.block
    }
    fn from_block(block: Block) -> Self {
        Packed { block }
    }
}

/// Where one entry lies in the buffer.
#[derive(Clone, Copy)]
struct Span {
    /// Start of the entry (its field length).
    start: usize,
    /// Start of the value's bytes.
    value: usize,
    value_len: usize,
    /// One past the end of the entry.
    end: usize,
}

impl Packed {
    #[inline]
    fn buf(&self) -> &[u8] {
        self.block.buf()
    }

    /// Number of pairs.
    fn len(&self) -> usize {
        self.block.count().unwrap_or_else(|| self.iter().count())
    }

    /// Bytes of the block (for the size limit).
    fn bytes(&self) -> usize {
        self.block.bytes()
    }

    /// Runs `f` on the block (entries from [`HEADER`]); the pair count
    /// becomes `len + delta`.
    fn edit<R>(&mut self, delta: isize, f: impl FnOnce(&mut Vec<u8>) -> R) -> R {
        let count = self.len().saturating_add_signed(delta);
        self.block.edit(count, f)
    }

    /// Decodes the entry starting at `off`: (field range, span).
    #[inline]
    fn span(&self, off: usize) -> (std::ops::Range<usize>, Span) {
        let (flen, fstart) = varint::read(self.buf(), off);
        let flen = flen as usize;
        let (vlen, value) = varint::read(self.buf(), fstart + flen);
        let vlen = vlen as usize;
        (fstart..fstart + flen, Span { start: off, value, value_len: vlen, end: value + vlen })
    }

    fn value_at(&self, s: Span) -> &[u8] {
        &self.buf()[s.value..s.value + s.value_len]
    }

    fn find(&self, field: &[u8]) -> Option<(usize, Span)> {
        let buf = self.buf();
        let mut off = HEADER;
        while off < buf.len() {
            let (f, s) = self.span(off);
            if &buf[f] == field {
                return Some((off, s));
            }
            off = s.end;
        }
        None
    }

    fn iter(&self) -> PackedIter<'_> {
        PackedIter { p: self, off: HEADER }
    }

    fn set(&mut self, field: &[u8], value: &[u8]) -> bool {
        match self.find(field) {
            Some((_, s)) => {
                let mut enc = Vec::with_capacity(value.len() + 5);
                varint::write(&mut enc, value.len() as u64);
                enc.extend_from_slice(value);
                let vhead = s.value - varint::len(s.value_len as u64);
                self.edit(0, |buf| {
                    buf.reserve_exact(enc.len().saturating_sub(s.end - vhead));
                    buf.splice(vhead..s.end, enc);
                });
                false
            }
            None => {
                let extra =
                    field.len() + value.len() + varint::len(field.len() as u64) + varint::len(value.len() as u64);
                self.edit(1, |buf| {
                    buf.reserve_exact(extra);
                    varint::write(buf, field.len() as u64);
                    buf.extend_from_slice(field);
                    varint::write(buf, value.len() as u64);
                    buf.extend_from_slice(value);
                });
                true
            }
        }
    }

    fn remove(&mut self, field: &[u8]) -> bool {
        match self.find(field) {
            Some((_, s)) => {
                self.edit(-1, |buf| {
                    buf.drain(s.start..s.end);
                });
                true
            }
            None => false,
        }
    }
}

struct PackedIter<'a> {
    p: &'a Packed,
    off: usize,
}

impl<'a> Iterator for PackedIter<'a> {
    type Item = (&'a [u8], &'a [u8]);

    fn next(&mut self) -> Option<Self::Item> {
        let buf = self.p.buf();
        if self.off >= buf.len() {
            return None;
        }
        let (f, s) = self.p.span(self.off);
        self.off = s.end;
        Some((&buf[f], &buf[s.value..s.end]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::thin::COUNT_BY_SCAN;

    const LIM: Limits = Limits { max_entries: 4, max_value: 8 };

    #[test]
    fn packed_block_is_exact_and_counts_past_its_header() {
        let mut p = Packed { block: Block::empty() };
        assert_eq!((p.len(), p.bytes()), (0, 0));
        assert!(p.set(b"f1", b"v1") && p.set(b"f2", b"v2") && p.set(b"f3", b""));
        assert!(!p.set(b"f2", b"longer value"));
        assert_eq!(p.len(), 3);
        assert_eq!(p.bytes(), HEADER + 6 + 16 + 4);
        // A count too big for the header is found by walking the entries.
        p.block.store_count(COUNT_BY_SCAN);
        assert_eq!(p.len(), 3);
        assert_eq!(p.clone().iter().count(), 3);
        p.block.store_count(3);
        assert!(p.remove(b"f1") && p.remove(b"f2") && !p.remove(b"f2"));
        assert_eq!(p.iter().collect::<Vec<_>>(), vec![(&b"f3"[..], &b""[..])]);
        assert!(p.remove(b"f3"));
        assert_eq!((p.len(), p.bytes()), (0, 0));
    }

    #[test]
    fn packed_set_get_remove_and_convert() {
        let mut h = Hash::new();
        assert!(h.set(b"a", b"1", LIM));
        assert!(h.set(b"b", b"", LIM));
        assert!(!h.set(b"a", b"longer!", LIM));
        assert_eq!(h.get(b"a"), Some(&b"longer!"[..]));
        assert_eq!(h.get(b"b"), Some(&b""[..]));
        assert_eq!(h.encoding(), "listpack");
        assert!(h.remove(b"a"));
        assert!(!h.remove(b"a"));
        assert_eq!(h.len(), 1);
        for i in 0..5u8 {
            h.set(&[b'k', i], b"v", LIM);
        }
        assert_eq!(h.encoding(), "hashtable");
        assert_eq!(h.len(), 6);
        assert_eq!(h.get(b"b"), Some(&b""[..]));
        let mut h2 = Hash::new();
        h2.set(b"f", b"123456789", LIM);
        assert_eq!(h2.encoding(), "hashtable");
        let long = vec![b'x'; 300];
        let mut h3 = Hash::new();
        h3.set(&long, b"v", Limits { max_entries: 10, max_value: 1000 });
        assert_eq!(h3.get(&long), Some(&b"v"[..]));
        assert_eq!(h3.clone(), h3);
    }

    #[test]
    fn random_pair_covers_big_tables() {
        let lim = Limits { max_entries: 0, max_value: 64 };
        let mut h = Hash::new();
        for i in 0..100 {
            h.set(format!("f{i}").as_bytes(), b"v", lim);
        }
        let mut rng = Rng::with_seed(7);
        let mut seen = std::collections::HashSet::new();
        for _ in 0..5000 {
            if let Some((k, _)) = h.random_pair(&mut rng) {
                seen.insert(k.to_vec());
            }
        }
        assert_eq!(seen.len(), 100);
    }
}
