//! `Dict`: the hash table behind the keyspace (and, later, big hashes and sets).
//!
//! Why not `std::collections::HashMap`: Redis users rely on guarantees a general
//! map does not give.
//!
//! * **SCAN** takes a stateless integer cursor and must return every element that
//!   is present for the whole iteration at least once, even if the table grows or
//!   shrinks between calls.
//! * **Random sampling** (RANDOMKEY, eviction, active expiry) must be O(1).
//! * **No stop-the-world resize**: a table of ten million keys must not pause the
//!   server while it doubles.
//!
//! The design is Redis's: separate chaining in a power-of-two bucket array
//! addressed by `hash & mask`, and *two* tables while resizing. Entries move
//! from the old table to the new one a bucket at a time ("incremental rehash"),
//! one step per write operation plus a time-boxed batch in the cron tick.
//!
//! The SCAN cursor is a bucket index whose bits are incremented in *reverse*
//! order (high bit first). With power-of-two tables, the buckets of a larger
//! table that an element of bucket `b` of a smaller one can land in are exactly
//! those whose low bits equal `b`; incrementing the reversed index visits all of
//! them together, so a cursor obtained at one size is still meaningful at
//! another and nothing present throughout is skipped (elements may repeat).

use std::collections::hash_map::RandomState;
use std::hash::BuildHasher;
use std::sync::OnceLock;

use super::bytes::SmallBytes;
use crate::util::Rng;

const INITIAL_SIZE: usize = 4;
/// Below this fill percentage a table is shrunk (by `resize_if_needed`).
const MIN_FILL_PERCENT: usize = 10;
/// Fill percentage past which a table grows even when its owner would rather
/// wait (see [`Dict::insert_new_guarded`]); Redis's 1.618 load factor.
const MAX_LOAD_PERCENT: usize = 162;

/// One key/value pair in a bucket chain.
pub struct Entry<V, K = SmallBytes> {
    pub key: K,
    pub value: V,
    next: Option<Box<Entry<V, K>>>,
}

struct Table<V, K> {
    buckets: Vec<Option<Box<Entry<V, K>>>>,
    used: usize,
}

impl<V, K> Table<V, K> {
    fn empty() -> Self {
        Table { buckets: Vec::new(), used: 0 }
    }

    /// A table of `n` empty buckets, from zeroed memory: for a big table the
    /// allocator hands out fresh pages that are already zero, so doubling a
    /// table of millions of keys costs no memset and no burst of page faults
    /// in the event loop (the pages are touched as the rehash fills them),
    /// as Redis's `zcalloc` of a new table.
    fn with_size(n: usize) -> Self {
        let layout = std::alloc::Layout::array::<Option<Box<Entry<V, K>>>>(n).expect("bucket array size");
        if layout.size() == 0 {
            return Table::empty();
        }
        // SAFETY: `None` of `Option<Box<_>>` is guaranteed to be the null
        // pointer, so zeroed memory is `n` valid empty buckets; the pointer
        // comes from the global allocator with this exact layout, which is
        // what `Vec::from_raw_parts` requires for capacity `n`.
        let buckets = unsafe {
            let p = std::alloc::alloc_zeroed(layout) as *mut Option<Box<Entry<V, K>>>;
            if p.is_null() {
                std::alloc::handle_alloc_error(layout);
            }
            Vec::from_raw_parts(p, n, n)
        };
        Table { buckets, used: 0 }
    }

    #[inline]
    fn mask(&self) -> u64 {
        (self.buckets.len() as u64).wrapping_sub(1)
    }
}

/// The process-wide hash seed: random per process, so clients cannot predict
/// collisions (hash flooding).
fn hasher() -> &'static RandomState {
    static H: OnceLock<RandomState> = OnceLock::new();
    H.get_or_init(RandomState::new)
}

#[inline]
pub fn hash_key(key: &[u8]) -> u64 {
    hasher().hash_one(key)
}

/// Bucket arrays at least this long (512 KB) are freed on the lazyfree
/// thread when a rehash empties them.
const RETIRE_OFF_THREAD: usize = 1 << 16;

/// Frees the emptied bucket array of a finished rehash: a big one on the
/// lazyfree thread (see [`super::lazyfree::free_buckets`]), a small one here.
fn retire<V, K>(buckets: Vec<Option<Box<Entry<V, K>>>>) {
    if buckets.len() < RETIRE_OFF_THREAD {
        return;
    }
    debug_assert!(buckets.iter().all(Option::is_none));
    let mut b = std::mem::ManuallyDrop::new(buckets);
    let (ptr, len, cap) = (b.as_mut_ptr(), b.len(), b.capacity());
    // SAFETY: every bucket is `None` (the table's `used` count reached 0),
    // which for `Option<Box<_>>` is a null pointer: the memory holds `len`
    // valid `usize` zeros. `usize` has the same size and alignment as
    // `Option<Box<Entry<V>>>` (a thin pointer), so the allocation's layout
    // for capacity `cap` is the same and the `Vec<usize>` frees it correctly.
    let raw: Vec<usize> = unsafe { Vec::from_raw_parts(ptr as *mut usize, len, cap) };
    super::lazyfree::free_buckets(raw);
}

const _: () = assert!(std::mem::size_of::<Option<Box<Entry<()>>>>() == std::mem::size_of::<usize>());

/// What a dict can be keyed by: anything that reads as bytes. Usually an
/// owned [`SmallBytes`]; the expires index uses [`super::KeyRef`], which
/// shares the main dict's key.
pub trait DictKey: std::ops::Deref<Target = [u8]> {}

impl<T: std::ops::Deref<Target = [u8]>> DictKey for T {}

/// A binary-keyed hash table with incremental rehashing and a SCAN cursor.
pub struct Dict<V, K = SmallBytes> {
    tables: [Table<V, K>; 2],
    /// Next bucket of `tables[0]` to move while rehashing.
    rehash_idx: Option<usize>,
}

impl<V, K: DictKey> Default for Dict<V, K> {
    fn default() -> Self {
        Self::new()
    }
}

impl<V, K: DictKey> Dict<V, K> {
    pub fn new() -> Self {
        Dict { tables: [Table::empty(), Table::empty()], rehash_idx: None }
    }

    #[inline]
    pub fn len(&self) -> usize {
        self.tables[0].used + self.tables[1].used
    }

    #[inline]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Number of buckets in both tables (for `DEBUG HTSTATS`-like reporting).
    pub fn buckets(&self) -> usize {
        self.tables[0].buckets.len() + self.tables[1].buckets.len()
    }

    #[inline]
    pub fn is_rehashing(&self) -> bool {
        self.rehash_idx.is_some()
    }

    pub fn get(&self, key: &[u8]) -> Option<&V> {
        self.find(key, hash_key(key)).map(|e| &e.value)
    }

    pub fn get_entry(&self, key: &[u8]) -> Option<&Entry<V, K>> {
        self.find(key, hash_key(key))
    }

    fn find(&self, key: &[u8], h: u64) -> Option<&Entry<V, K>> {
        if self.is_empty() {
            return None;
        }
        for t in 0..2 {
            let table = &self.tables[t];
            if table.buckets.is_empty() {
                break;
            }
            let idx = (h & table.mask()) as usize;
            let mut cur = table.buckets[idx].as_deref();
            while let Some(e) = cur {
                if &*e.key == key {
                    return Some(e);
                }
                cur = e.next.as_deref();
            }
            if !self.is_rehashing() {
                break;
            }
        }
        None
    }

    pub fn contains_key(&self, key: &[u8]) -> bool {
        self.get(key).is_some()
    }

    pub fn get_mut(&mut self, key: &[u8]) -> Option<&mut V> {
        if self.is_empty() {
            return None;
        }
        self.rehash_step();
        let h = hash_key(key);
        let rehashing = self.is_rehashing();
        for table in self.tables.iter_mut() {
            if table.buckets.is_empty() {
                break;
            }
            let idx = (h & table.mask()) as usize;
            let mut cur = table.buckets[idx].as_deref_mut();
            while let Some(e) = cur {
                if &*e.key == key {
                    return Some(&mut e.value);
                }
                cur = e.next.as_deref_mut();
            }
            if !rehashing {
                break;
            }
        }
        None
    }

    /// Inserts or replaces; returns the previous value.
    pub fn insert(&mut self, key: K, value: V) -> Option<V> {
        if let Some(v) = self.get_mut(&key) {
            return Some(std::mem::replace(v, value));
        }
        self.insert_new(key, value);
        None
    }

    /// Inserts a key the caller knows is absent.
    pub fn insert_new(&mut self, key: K, value: V) {
        self.insert_new_guarded(key, value, |_| true);
    }

    /// Like [`Dict::insert_new`], but a growth of the table that would
    /// allocate `bytes` more happens only if `may_grow(bytes)` agrees, until
    /// the table is [`MAX_LOAD_PERCENT`] full. The keyspace uses this so that
    /// doubling a big table does not push memory over `maxmemory` and evict
    /// keys for an allocation that can wait (Redis's `dictExpandAllowed`).
    pub fn insert_new_guarded(&mut self, key: K, value: V, may_grow: impl FnOnce(usize) -> bool) {
        self.rehash_step();
        self.expand_if_needed(may_grow);
        let h = hash_key(&key);
        let t = if self.is_rehashing() { 1 } else { 0 };
        let table = &mut self.tables[t];
        let idx = (h & table.mask()) as usize;
        let next = table.buckets[idx].take();
        table.buckets[idx] = Some(Box::new(Entry { key, value, next }));
        table.used += 1;
    }

    pub fn remove(&mut self, key: &[u8]) -> Option<(K, V)> {
        if self.is_empty() {
            return None;
        }
        self.rehash_step();
        let h = hash_key(key);
        let rehashing = self.is_rehashing();
        for table in self.tables.iter_mut() {
            if table.buckets.is_empty() {
                break;
            }
            let idx = (h & table.mask()) as usize;
            let mut slot = &mut table.buckets[idx];
            while slot.as_ref().is_some_and(|e| &*e.key != key) {
                slot = &mut slot.as_mut().expect("checked above").next;
            }
            if let Some(mut e) = slot.take() {
                *slot = e.next.take();
                table.used -= 1;
                let Entry { key, value, .. } = *e;
                return Some((key, value));
            }
            if !rehashing {
                break;
            }
        }
        None
    }

    /// Removes everything, returning the old contents as a dict (so the caller
    /// can drop it elsewhere, e.g. on a background thread).
    pub fn take(&mut self) -> Dict<V, K> {
        std::mem::take(self)
    }

    pub fn clear(&mut self) {
        *self = Dict::new();
    }

    fn expand_if_needed(&mut self, may_grow: impl FnOnce(usize) -> bool) {
        if self.is_rehashing() {
            return;
        }
        let t0 = &self.tables[0];
        if t0.buckets.is_empty() {
            self.tables[0] = Table::with_size(INITIAL_SIZE);
        } else if t0.used >= t0.buckets.len() {
            let size = (t0.used + 1).next_power_of_two();
            let forced = t0.used * 100 >= t0.buckets.len() * MAX_LOAD_PERCENT;
            if forced || may_grow(size * std::mem::size_of::<usize>()) {
                self.resize_to(size);
            }
        }
    }

    /// Starts an incremental rehash into a table of `size` buckets.
    fn resize_to(&mut self, size: usize) {
        let size = size.max(INITIAL_SIZE).next_power_of_two();
        if self.is_rehashing() || size == self.tables[0].buckets.len() {
            return;
        }
        if self.tables[0].used == 0 {
            self.tables[0] = Table::with_size(size);
            return;
        }
        self.tables[1] = Table::with_size(size);
        self.rehash_idx = Some(0);
    }

    /// Shrinks a table that has become mostly empty (called from the cron).
    pub fn resize_if_needed(&mut self) {
        let size = self.tables[0].buckets.len();
        if !self.is_rehashing() && size > INITIAL_SIZE && self.len() * 100 / size < MIN_FILL_PERCENT {
            self.resize_to(self.len().max(INITIAL_SIZE));
        }
    }

    #[inline]
    fn rehash_step(&mut self) {
        if self.is_rehashing() {
            self.rehash(1);
        }
    }

    /// Moves up to `n` buckets from the old table to the new one (visiting at
    /// most 10n empty buckets). Returns true while rehashing remains.
    pub fn rehash(&mut self, n: usize) -> bool {
        let Some(mut idx) = self.rehash_idx else { return false };
        let mut empty_visits = n * 10;
        let [t0, t1] = &mut self.tables;
        let mask1 = t1.mask();
        for _ in 0..n {
            if t0.used == 0 {
                break;
            }
            while t0.buckets[idx].is_none() {
                idx += 1;
                empty_visits -= 1;
                if empty_visits == 0 {
                    self.rehash_idx = Some(idx);
                    return true;
                }
            }
            let mut chain = t0.buckets[idx].take();
            while let Some(mut e) = chain {
                chain = e.next.take();
                let dst = (hash_key(&e.key) & mask1) as usize;
                e.next = t1.buckets[dst].take();
                t1.buckets[dst] = Some(e);
                t0.used -= 1;
                t1.used += 1;
            }
            idx += 1;
        }
        if t0.used == 0 {
            let new = std::mem::replace(&mut self.tables[1], Table::empty());
            let old = std::mem::replace(&mut self.tables[0], new);
            retire(old.buckets);
            self.rehash_idx = None;
            return false;
        }
        self.rehash_idx = Some(idx);
        true
    }

    /// Rehashes in batches of 100 buckets for about `ms` milliseconds.
    pub fn rehash_for(&mut self, ms: u64) {
        let start = std::time::Instant::now();
        while self.rehash(100) {
            if start.elapsed().as_millis() as u64 >= ms {
                break;
            }
        }
    }

    /// One SCAN step: calls `f` for every entry of the bucket(s) the cursor
    /// names and returns the next cursor (0 when the iteration is complete).
    pub fn scan(&self, cursor: u64, mut f: impl FnMut(&Entry<V, K>)) -> u64 {
        if self.is_empty() {
            return 0;
        }
        let mut v = cursor;
        let emit = |t: &Table<V, K>, idx: u64, f: &mut dyn FnMut(&Entry<V, K>)| {
            let mut cur = t.buckets[idx as usize].as_deref();
            while let Some(e) = cur {
                f(e);
                cur = e.next.as_deref();
            }
        };
        if !self.is_rehashing() {
            let t0 = &self.tables[0];
            let m0 = t0.mask();
            emit(t0, v & m0, &mut f);
            v |= !m0;
            v = v.reverse_bits().wrapping_add(1).reverse_bits();
        } else {
            let (small, large) = if self.tables[0].buckets.len() <= self.tables[1].buckets.len() {
                (&self.tables[0], &self.tables[1])
            } else {
                (&self.tables[1], &self.tables[0])
            };
            let m0 = small.mask();
            let m1 = large.mask();
            emit(small, v & m0, &mut f);
            // Visit every bucket of the larger table that expands this one.
            loop {
                emit(large, v & m1, &mut f);
                v |= !m1;
                v = v.reverse_bits().wrapping_add(1).reverse_bits();
                if v & (m0 ^ m1) == 0 {
                    break;
                }
            }
        }
        v
    }

    /// A uniformly chosen bucket's random entry (Redis's `dictGetFairRandomKey`
    /// is not needed for our uses; this is `dictGetRandomKey`).
    pub fn random_entry(&self, rng: &mut Rng) -> Option<&Entry<V, K>> {
        if self.is_empty() {
            return None;
        }
        let chain_head = loop {
            let idx = match self.rehash_idx {
                Some(ri) => {
                    let s0 = self.tables[0].buckets.len();
                    let s1 = self.tables[1].buckets.len();
                    // Buckets below rehash_idx in table 0 are empty.
                    let i = ri + rng.below(s0 + s1 - ri);
                    if i >= s0 {
                        self.tables[1].buckets[i - s0].as_deref()
                    } else {
                        self.tables[0].buckets[i].as_deref()
                    }
                }
                None => {
                    let t0 = &self.tables[0];
                    t0.buckets[rng.below(t0.buckets.len())].as_deref()
                }
            };
            if let Some(e) = idx {
                break e;
            }
        };
        let mut len = 0;
        let mut cur = Some(chain_head);
        while let Some(e) = cur {
            len += 1;
            cur = e.next.as_deref();
        }
        let mut pick = rng.below(len);
        let mut cur = chain_head;
        while pick > 0 {
            cur = cur.next.as_deref().expect("within chain length");
            pick -= 1;
        }
        Some(cur)
    }

    /// Calls `f` with up to `count` entries found by walking consecutive
    /// buckets from a random one (in both tables while rehashing), as Redis's
    /// `dictGetSomeKeys`. Eviction samples with this: after one random jump
    /// the bucket array is read sequentially, so a sample of five keys costs
    /// about five cache misses (the entries) instead of fifteen or more for
    /// five independent random picks. The picks are not independent (keys in
    /// neighbouring buckets come together), which an eviction pool does not
    /// need. At most `10 * count` buckets are visited; a run of empty buckets
    /// jumps to a new random place. Returns how many entries were passed.
    pub fn sample(&self, rng: &mut Rng, count: usize, mut f: impl FnMut(&Entry<V, K>)) -> usize {
        let count = count.min(self.len());
        if count == 0 {
            return 0;
        }
        let tables = if self.is_rehashing() { 2 } else { 1 };
        let max_mask = (0..tables).map(|t| self.tables[t].mask()).max().expect("at least one table") as usize;
        let mut idx = rng.below(max_mask + 1);
        let mut stored = 0;
        let mut empty_run = 0;
        for _ in 0..count * 10 {
            for t in 0..tables {
                let table = &self.tables[t];
                // Buckets of table 0 below the rehash index are already moved.
                if t == 0 && self.rehash_idx.is_some_and(|ri| idx < ri) {
                    // Jump to the rehash index when table 1 has nothing there either.
                    if idx > self.tables[1].mask() as usize {
                        idx = self.rehash_idx.unwrap_or(0);
                    }
                    continue;
                }
                if idx > table.mask() as usize {
                    continue;
                }
                let mut cur = table.buckets[idx].as_deref();
                if cur.is_none() {
                    empty_run += 1;
                    if empty_run >= 5 && empty_run > count {
                        idx = rng.below(max_mask + 1);
                        empty_run = 0;
                    }
                    continue;
                }
                empty_run = 0;
                while let Some(e) = cur {
                    f(e);
                    stored += 1;
                    if stored == count {
                        return stored;
                    }
                    cur = e.next.as_deref();
                }
            }
            idx = (idx + 1) & max_mask;
        }
        stored
    }

    /// Iterates over every entry (no guarantees under modification: it borrows).
    pub fn iter(&self) -> impl Iterator<Item = &Entry<V, K>> {
        self.tables.iter().flat_map(|t| t.buckets.iter()).flat_map(|b| {
            let mut cur = b.as_deref();
            std::iter::from_fn(move || {
                let e = cur?;
                cur = e.next.as_deref();
                Some(e)
            })
        })
    }

    /// Approximate heap bytes used by the bucket arrays.
    pub fn overhead_bytes(&self) -> usize {
        self.buckets() * std::mem::size_of::<usize>()
    }
}

impl<V> Dict<V, SmallBytes> {
    /// Returns the value for `key`, inserting `make()` first if it is absent.
    pub fn get_or_insert_with(&mut self, key: &[u8], make: impl FnOnce() -> V) -> &mut V {
        if self.get(key).is_none() {
            self.insert_new(key.into(), make());
        }
        self.get_mut(key).expect("just inserted")
    }
}

impl<V, K> Drop for Dict<V, K> {
    /// Frees chains iteratively: a long chain freed recursively could overflow the stack.
    fn drop(&mut self) {
        for t in self.tables.iter_mut() {
            for b in t.buckets.iter_mut() {
                let mut cur = b.take();
                while let Some(mut e) = cur {
                    cur = e.next.take();
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn insert_get_remove_across_growth() {
        let mut d: Dict<_> = Dict::new();
        for i in 0..10_000u32 {
            d.insert(i.to_string().into_bytes().into(), i);
        }
        assert_eq!(d.len(), 10_000);
        for i in 0..10_000u32 {
            assert_eq!(d.get(i.to_string().as_bytes()), Some(&i));
        }
        for i in 0..5_000u32 {
            assert_eq!(d.remove(i.to_string().as_bytes()).map(|(_, v)| v), Some(i));
        }
        assert_eq!(d.len(), 5_000);
        assert!(d.get(b"1").is_none());
        assert_eq!(d.get(b"7777"), Some(&7777));
    }

    #[test]
    fn scan_returns_everything_across_resizes() {
        let mut d: Dict<_> = Dict::new();
        for i in 0..1000u32 {
            d.insert(format!("k{i}").into_bytes().into(), ());
        }
        let mut seen = HashSet::new();
        let mut cursor = 0;
        let mut step = 0;
        loop {
            cursor = d.scan(cursor, |e| {
                seen.insert(e.key.to_vec());
            });
            step += 1;
            // Grow the table in the middle of the iteration, then shrink it.
            if step == 10 {
                for i in 1000..5000u32 {
                    d.insert(format!("k{i}").into_bytes().into(), ());
                }
            }
            if step == 200 {
                for i in 1000..5000u32 {
                    d.remove(format!("k{i}").as_bytes());
                }
                d.resize_if_needed();
            }
            if cursor == 0 {
                break;
            }
        }
        for i in 0..1000u32 {
            assert!(seen.contains(format!("k{i}").as_bytes()), "missing k{i}");
        }
    }

    #[test]
    fn sample_reaches_every_element_and_respects_count() {
        let mut d: Dict<_> = Dict::new();
        let mut rng = Rng::with_seed(3);
        assert_eq!(d.sample(&mut rng, 5, |_| {}), 0);
        for i in 0..1000u32 {
            d.insert(i.to_string().into_bytes().into(), i);
        }
        let mut seen = HashSet::new();
        for round in 0..5000 {
            // Grow in the middle, so some rounds sample a rehashing dict.
            if round == 2500 {
                for i in 1000..3000u32 {
                    d.insert(i.to_string().into_bytes().into(), i);
                }
            }
            let n = d.sample(&mut rng, 5, |e| {
                seen.insert(e.value);
            });
            assert!(n <= 5);
            assert!(n > 0);
        }
        assert_eq!(d.sample(&mut rng, 10_000, |_| {}), d.len());
        // Like Redis's dictGetSomeKeys, a sample takes whole chains from the
        // start, so a key deep in an unusually long chain can be missed for
        // a while (the hash seed is random, so which one varies): nearly every
        // key must have been seen, not necessarily all.
        let covered = (0..1000).filter(|i| seen.contains(i)).count();
        assert!(covered >= 980, "only {covered} of the first 1000 keys were sampled");
    }

    #[test]
    fn big_tables_retire_their_old_buckets_and_keep_every_entry() {
        // 2^17 entries: the last doublings leave bucket arrays of 2^16 and
        // more, which go to the lazyfree thread when their rehash ends.
        let n = (RETIRE_OFF_THREAD * 2) as u32;
        let mut d: Dict<_> = Dict::new();
        for i in 0..n {
            d.insert(i.to_le_bytes()[..].into(), i);
        }
        while d.rehash(1000) {}
        assert!(d.buckets() >= RETIRE_OFF_THREAD * 2);
        assert_eq!(d.len(), n as usize);
        for i in (0..n).step_by(97) {
            assert_eq!(d.get(&i.to_le_bytes()), Some(&i));
        }
    }

    #[test]
    fn random_entry_finds_elements() {
        let mut d: Dict<_> = Dict::new();
        let mut rng = Rng::with_seed(7);
        assert!(d.random_entry(&mut rng).is_none());
        for i in 0..100u32 {
            d.insert(i.to_string().into_bytes().into(), i);
        }
        let mut seen = HashSet::new();
        for _ in 0..2000 {
            seen.insert(d.random_entry(&mut rng).map(|e| e.value));
        }
        assert!(seen.len() > 90);
    }
}
