//! Estimates of how much memory a key and its value take, for MEMORY USAGE.
//!
//! Like Redis's `objectComputeSize`, the figure for an aggregate is sampled:
//! the average size of the first `samples` elements (all of them when
//! `samples` is 0) times the element count, plus the structure's fixed cost.
//! The per-element overheads are those of our own encodings (a packed buffer's
//! length prefixes, a hash table entry's pointers), so the estimate tracks
//! what the allocator really holds within a few bytes per element. Exact
//! allocator-level accounting (jemalloc statistics) is INFO memory's job.

use super::value::{Obj, Value};

/// Fixed cost of a keyspace entry besides the key bytes and the value: the
/// dict slot and chain pointer, the object header (value tag, LRU clock).
const ENTRY_OVERHEAD: usize = 8 + 8 + std::mem::size_of::<Obj>();
/// Fixed cost of a boxed aggregate (the box and the encoding's header).
const AGGREGATE_HEADER: usize = 48;
/// Per-element cost of a hash table entry: the slot, the chain pointer, and
/// the boxed key's fat pointer.
const TABLE_ENTRY: usize = 8 + 8 + 16;
/// Per-member cost of a skiplist node beyond its member bytes.
const SKIPLIST_NODE: usize = 56 + TABLE_ENTRY;

/// Bytes used by `key` holding `obj`, sampling `samples` elements of an
/// aggregate (0 = every element).
pub fn usage(key: &[u8], obj: &Obj, samples: usize) -> usize {
    ENTRY_OVERHEAD + super::SmallBytes::heap_size_for(key.len()) + value_usage(&obj.value, samples)
}

fn value_usage(v: &Value, samples: usize) -> usize {
    let limit = if samples == 0 { usize::MAX } else { samples };
    match v {
        Value::Str(s) => s.heap_size(),
        Value::List(l) => AGGREGATE_HEADER + l.allocated_bytes(),
        Value::Hash(h) => {
            let per_pair = if h.encoding() == "listpack" { 4 } else { TABLE_ENTRY + 16 };
            let mut s = Sampler::new(limit);
            h.for_each(|f, v| s.add(f.len() + v.len() + per_pair));
            AGGREGATE_HEADER + s.total(h.len())
        }
        Value::Set(set) if set.is_array() => {
            let mut s = Sampler::new(limit);
            set.for_each(|m| {
                s.add(std::mem::size_of::<super::SmallBytes>() + super::SmallBytes::heap_size_for(m.len()))
            });
            AGGREGATE_HEADER + s.total(set.len())
        }
        Value::Set(set) => {
            let per_member = match set.encoding() {
                "intset" => return AGGREGATE_HEADER + 8 * set.len(),
                "listpack" => 2,
                _ => TABLE_ENTRY,
            };
            let mut s = Sampler::new(limit);
            set.for_each(|m| s.add(m.len() + per_member));
            AGGREGATE_HEADER + s.total(set.len())
        }
        Value::ZSet(z) => {
            let per_member = if z.encoding() == "listpack" { 11 } else { SKIPLIST_NODE };
            let mut s = Sampler::new(limit);
            z.for_each(|m, _| s.add(m.len() + per_member));
            AGGREGATE_HEADER + s.total(z.len())
        }
    }
}

/// Averages the sizes of the first `limit` elements it is given.
struct Sampler {
    limit: usize,
    seen: usize,
    bytes: usize,
}

impl Sampler {
    fn new(limit: usize) -> Self {
        Sampler { limit, seen: 0, bytes: 0 }
    }

    fn add(&mut self, bytes: usize) {
        if self.seen < self.limit {
            self.seen += 1;
            self.bytes += bytes;
        }
    }

    /// The sampled average scaled to `len` elements.
    fn total(&self, len: usize) -> usize {
        if self.seen == 0 {
            return 0;
        }
        ((self.bytes as f64 / self.seen as f64) * len as f64) as usize
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_count_their_bytes() {
        let small = Obj { value: Value::str(b"abc"), lru: 0 };
        let big = Obj { value: Value::str(&[b'x'; 10_000]), lru: 0 };
        assert!(usage(b"k", &small, 5) < usage(b"k", &big, 5));
        assert!(usage(b"k", &big, 5) > 10_000);
    }

    /// Most aggregates are small: their boxed headers must stay small too
    /// (the big encodings' tables sit behind one more box).
    #[test]
    fn aggregate_headers_stay_small() {
        assert!(std::mem::size_of::<crate::store::hash::Hash>() <= 32);
        assert!(std::mem::size_of::<crate::store::set::Set>() <= 32);
        assert!(std::mem::size_of::<crate::store::zset::ZSet>() <= 32);
        assert!(std::mem::size_of::<crate::store::list::List>() <= 48);
    }
}
