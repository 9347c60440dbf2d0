//! The keyspace: `databases` numbered databases of typed values with expiry.
//!
//! [`Keyspace`] is the one door to data. Handlers look keys up for reading or for
//! writing, set and delete them through it; lazy expiry, hit/miss statistics and
//! the "a key was modified" hook (WATCH, keyspace events and, later, the AOF and
//! replicas) live here and nowhere else.

pub mod bytes;
pub mod dict;
pub mod digest;
pub mod events;
pub mod evict;
pub mod hash;
pub mod lazyfree;
pub mod list;
pub mod memory;
pub mod set;
pub mod thin;
pub mod value;
pub mod varint;
pub mod watch;
pub mod zset;

pub use bytes::SmallBytes;
pub use dict::Dict;
pub use value::{Obj, Str, Value};
pub use watch::{DirtyFlag, WatchIndex};

use crate::util::Rng;
use evict::{AccessClock, Evictor};

/// One database: the main dict and the deadlines of its volatile keys.
///
/// Invariant: every key of `expires` is a [`KeyRef`] to the key of a live
/// entry of `dict`. So a key leaves `expires` *before* it leaves `dict`, and
/// joins `expires` only while it is in `dict` (the methods of [`Keyspace`]
/// are the only writers; the rest of the server only reads `expires`).
#[derive(Default)]
pub struct Db {
    pub dict: Dict<Obj>,
    /// Unix-ms deadline of every key that has a TTL, keyed by the main
    /// dict's own key (not a copy: a long key is stored once, as in Redis).
    pub expires: Dict<i64, KeyRef>,
    /// Average TTL of keys seen by the active expiry cycle (for INFO keyspace).
    pub avg_ttl: i64,
    /// Where the active expiry cycle continues (a SCAN cursor over `expires`).
    pub expire_cursor: u64,
}

/// A key of the expires index: a pointer to the key inside the main dict's
/// entry. Entries are boxed and never move while their key exists (a rehash
/// relinks the box, an overwrite replaces the value in place), so the pointer
/// stays valid as long as [`Db`]'s invariant holds.
pub struct KeyRef(std::ptr::NonNull<SmallBytes>);

impl KeyRef {
    /// A reference to the key of `dict`'s entry for `key`, if it exists.
    fn to(dict: &Dict<Obj>, key: &[u8]) -> Option<KeyRef> {
        dict.get_entry(key).map(|e| KeyRef(std::ptr::NonNull::from(&e.key)))
    }
}

impl std::ops::Deref for KeyRef {
    type Target = [u8];
    #[inline]
    fn deref(&self) -> &[u8] {
        // SAFETY: the entry this points into is alive (see `Db`'s invariant).
        unsafe { self.0.as_ref() }.as_slice()
    }
}

// SAFETY: a `KeyRef` is only read, and only together with the `Db` that owns
// both dicts; a `Db` moves between threads whole (FLUSHALL ASYNC), and the
// dict drops its entries without reading their keys.
unsafe impl Send for KeyRef {}

impl Db {
    pub fn len(&self) -> usize {
        self.dict.len()
    }

    pub fn is_empty(&self) -> bool {
        self.dict.is_empty()
    }
}

/// Counters kept by the keyspace (reported by INFO stats).
#[derive(Debug, Default, Clone)]
pub struct KeyspaceStats {
    pub hits: u64,
    pub misses: u64,
    pub expired_keys: u64,
    pub expired_stale_perc: f64,
    pub expired_time_cap_reached_count: u64,
}

/// Which deletions free big values on the lazyfree thread (the
/// `lazyfree-lazy-*` directives; UNLINK and FLUSH ASYNC always do).
#[derive(Debug, Default, Clone, Copy)]
pub struct LazyFree {
    pub expire: bool,
    pub server_del: bool,
    pub user_del: bool,
}

/// All databases, plus the clock the current command sees.
pub struct Keyspace {
    pub dbs: Vec<Db>,
    /// The cached clock (Unix ms): one "now" for a whole command.
    pub now_ms: i64,
    pub stats: KeyspaceStats,
    /// Changes since the last save (INFO `rdb_changes_since_last_save`).
    pub dirty: u64,
    pub rng: Rng,
    /// When false, lookups do not refresh the LRU clock (CLIENT NO-TOUCH, OBJECT).
    pub touch: bool,
    /// Lazy expiry can be turned off (`DEBUG SET-ACTIVE-EXPIRE` is for the active cycle).
    pub active_expire_enabled: bool,
    /// Wanted keyspace event classes (`events::parse_flags`; 0 when off).
    pub notify_flags: u32,
    /// Events noticed here (expiry, new keys, misses) not published yet.
    pub events: Vec<events::Pending>,
    /// Record keys the keyspace deletes on its own (expiry) in
    /// `implicit_deletes`, for propagation as DEL (on while the AOF is on).
    pub log_deletes: bool,
    /// True while an AOF or RDB is loaded (see [`Keyspace::already_expired`]).
    pub loading: bool,
    pub implicit_deletes: Vec<(usize, Box<[u8]>)>,
    /// How accesses update an object's LRU/LFU clock (from `maxmemory-policy`).
    pub access: AccessClock,
    /// maxmemory settings, the eviction candidate pool and its statistics.
    pub evict: Evictor,
    pub lazy: LazyFree,
    /// Keys watched by clients (WATCH), marked dirty by every change.
    pub watch: WatchIndex,
    /// Log changes for client-side caching (CLIENT TRACKING is in use).
    pub track_writes: bool,
    /// Changes not yet turned into invalidation messages (the server drains it).
    pub tracking_events: Vec<TrackingChange>,
}

/// A change client-side caching must announce (see `server::tracking`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TrackingChange {
    /// A key changed, by the running command (or the cron).
    Key(Vec<u8>),
    /// A key deleted by expiry: nobody "made" this change (NOLOOP in BCAST
    /// mode does not hide it).
    Expired(Vec<u8>),
    /// A database was emptied: tracking clients drop everything.
    Flush,
}

impl Keyspace {
    pub fn new(databases: usize) -> Self {
        Keyspace {
            dbs: (0..databases).map(|_| Db::default()).collect(),
            now_ms: crate::util::unix_ms(),
            stats: KeyspaceStats::default(),
            dirty: 0,
            rng: Rng::new(),
            touch: true,
            active_expire_enabled: true,
            notify_flags: 0,
            events: Vec::new(),
            log_deletes: false,
            loading: false,
            implicit_deletes: Vec::new(),
            access: AccessClock::default(),
            evict: Evictor::default(),
            lazy: LazyFree::default(),
            watch: WatchIndex::default(),
            track_writes: false,
            tracking_events: Vec::new(),
        }
    }

    /// Queues a keyspace event of `class` if that class is wanted.
    #[inline]
    pub fn queue_event(&mut self, class: u32, event: &'static str, db: usize, key: &[u8]) {
        if self.notify_flags & class != 0 {
            self.events.push(events::Pending { class, event, db, key: key.to_vec() });
        }
    }

    /// Notes a read of a missing key (the `keymiss` event), for lookups that
    /// do not go through [`Keyspace::lookup_read`] (EXISTS, TYPE, TTL...).
    #[inline]
    pub fn note_miss(&mut self, db: usize, key: &[u8]) {
        self.queue_event(events::KEY_MISS, "keymiss", db, key);
    }

    /// True if `key` has a deadline that has passed (it is logically gone but
    /// not deleted yet).
    #[inline]
    pub fn is_expired(&self, db: usize, key: &[u8]) -> bool {
        let d = &self.dbs[db];
        // Nothing expires while a data set is loaded: a key whose deadline
        // passed is expired after the load, as Redis does.
        if d.expires.is_empty() || self.loading {
            return false;
        }
        matches!(d.expires.get(key), Some(&when) if when < self.now_ms)
    }

    /// True if a deadline set now means the key is already gone (EXPIRE with
    /// a time in the past deletes the key), except while loading, when the
    /// deadline is kept and the key expires after the load.
    pub fn already_expired(&self, when: i64) -> bool {
        when <= self.now_ms && !self.loading
    }

    /// Deletes `key` if it has expired. Returns true if it did.
    pub fn expire_if_needed(&mut self, db: usize, key: &[u8]) -> bool {
        if !self.is_expired(db, key) {
            return false;
        }
        self.delete_expired(db, key);
        true
    }

    fn delete_expired(&mut self, db: usize, key: &[u8]) {
        let d = &mut self.dbs[db];
        d.expires.remove(key);
        let old = d.dict.remove(key);
        self.stats.expired_keys += 1;
        self.queue_event(events::EXPIRED, "expired", db, key);
        if self.log_deletes {
            self.implicit_deletes.push((db, key.into()));
        }
        self.key_modified(db, key);
        // Tell tracking it was an expiry, not the running command.
        if self.track_writes {
            if let Some(last) = self.tracking_events.last_mut() {
                if matches!(last, TrackingChange::Key(k) if k.as_slice() == key) {
                    *last = TrackingChange::Expired(key.to_vec());
                }
            }
        }
        if let Some((_, obj)) = old {
            lazyfree::free_obj(obj, self.lazy.expire);
        }
    }

    /// Looks a key up for reading: expires it lazily, counts a hit or a miss and
    /// refreshes its LRU clock (or LFU counter).
    pub fn lookup_read(&mut self, db: usize, key: &[u8]) -> Option<&Value> {
        self.expire_if_needed(db, key);
        let touch = self.touch;
        match self.dbs[db].dict.get_mut(key) {
            Some(o) => {
                self.stats.hits += 1;
                if touch {
                    o.lru = self.access.touched(o.lru, self.now_ms, &mut self.rng);
                }
                Some(&o.value)
            }
            None => {
                self.stats.misses += 1;
                // (Field by field: the found branch still borrows `self.dbs`.)
                if self.notify_flags & events::KEY_MISS != 0 {
                    self.events.push(events::Pending {
                        class: events::KEY_MISS,
                        event: "keymiss",
                        db,
                        key: key.to_vec(),
                    });
                }
                None
            }
        }
    }

    /// Looks a key up without statistics or LRU update (EXISTS-like checks,
    /// OBJECT, TYPE), still expiring it lazily.
    pub fn lookup_quiet(&mut self, db: usize, key: &[u8]) -> Option<&Obj> {
        self.expire_if_needed(db, key);
        self.dbs[db].dict.get(key)
    }

    /// Looks a key up to modify it in place. The caller must call
    /// [`Keyspace::key_modified`] if it changes the value.
    pub fn lookup_write(&mut self, db: usize, key: &[u8]) -> Option<&mut Value> {
        self.expire_if_needed(db, key);
        let o = self.dbs[db].dict.get_mut(key)?;
        if self.touch {
            o.lru = self.access.touched(o.lru, self.now_ms, &mut self.rng);
        }
        Some(&mut o.value)
    }

    /// True if the key exists (after lazy expiry).
    pub fn exists(&mut self, db: usize, key: &[u8]) -> bool {
        self.lookup_quiet(db, key).is_some()
    }

    /// Sets `key` to `value`, replacing any old value. The TTL is removed unless
    /// `keep_ttl`.
    pub fn set(&mut self, db: usize, key: &[u8], value: Value, keep_ttl: bool) {
        let d = &mut self.dbs[db];
        let created = match d.dict.get_mut(key) {
            Some(o) => {
                let old = std::mem::replace(&mut o.value, value);
                // Under LFU an overwrite keeps the key's frequency (plus this access).
                o.lru = self.access.touched(o.lru, self.now_ms, &mut self.rng);
                lazyfree::free_obj(Obj { value: old, lru: 0 }, self.lazy.server_del);
                false
            }
            None => {
                let lru = self.access.initial(self.now_ms);
                let maxmemory = self.evict.maxmemory;
                d.dict.insert_new_guarded(key.into(), Obj { value, lru }, |extra| {
                    maxmemory == 0 || crate::alloc::used_memory() + extra as u64 <= maxmemory
                });
                true
            }
        };
        if !keep_ttl && !d.expires.is_empty() {
            d.expires.remove(key);
        }
        if created {
            self.queue_event(events::NEW, "new", db, key);
        }
        self.key_modified(db, key);
    }

    /// Deletes `key` as the server does on its own (an emptied aggregate, an
    /// overwritten destination): lazily if `lazyfree-lazy-server-del`.
    /// Returns true if it existed (expired keys do not count).
    pub fn delete(&mut self, db: usize, key: &[u8]) -> bool {
        let lazy = self.lazy.server_del;
        self.delete_with(db, key, lazy)
    }

    /// Deletes `key`, freeing a big value on the lazyfree thread if `lazy`
    /// (DEL with `lazyfree-lazy-user-del`, UNLINK).
    pub fn delete_with(&mut self, db: usize, key: &[u8], lazy: bool) -> bool {
        if self.expire_if_needed(db, key) {
            return false;
        }
        let d = &mut self.dbs[db];
        if !d.expires.is_empty() {
            d.expires.remove(key);
        }
        let Some((_, obj)) = d.dict.remove(key) else { return false };
        self.key_modified(db, key);
        lazyfree::free_obj(obj, lazy);
        true
    }

    /// Removes and returns a key's value and deadline (for RENAME, MOVE).
    pub fn take(&mut self, db: usize, key: &[u8]) -> Option<(Obj, Option<i64>)> {
        if self.expire_if_needed(db, key) {
            return None;
        }
        let d = &mut self.dbs[db];
        let ttl = d.expires.remove(key).map(|(_, t)| t);
        let (_, obj) = d.dict.remove(key)?;
        self.key_modified(db, key);
        Some((obj, ttl))
    }

    /// Puts a value with an optional deadline (the counterpart of `take`).
    pub fn put(&mut self, db: usize, key: &[u8], obj: Obj, when: Option<i64>) {
        let d = &mut self.dbs[db];
        let old = d.dict.insert(key.into(), obj);
        let created = old.is_none();
        if let Some(old) = old {
            lazyfree::free_obj(old, self.lazy.server_del);
        }
        match when {
            Some(t) => {
                if let Some(slot) = d.expires.get_mut(key) {
                    *slot = t;
                } else if let Some(k) = KeyRef::to(&d.dict, key) {
                    d.expires.insert_new(k, t);
                }
            }
            None => {
                d.expires.remove(key);
            }
        }
        if created {
            self.queue_event(events::NEW, "new", db, key);
        }
        self.key_modified(db, key);
    }

    /// The key's deadline in Unix ms, if it has one (no lazy expiry here).
    pub fn expire_at(&self, db: usize, key: &[u8]) -> Option<i64> {
        let d = &self.dbs[db];
        if d.expires.is_empty() {
            return None;
        }
        d.expires.get(key).copied()
    }

    /// Sets the deadline of an existing key.
    pub fn set_expire(&mut self, db: usize, key: &[u8], when: i64) {
        let d = &mut self.dbs[db];
        if let Some(t) = d.expires.get_mut(key) {
            *t = when;
        } else if let Some(k) = KeyRef::to(&d.dict, key) {
            d.expires.insert_new(k, when);
        }
        self.key_modified(db, key);
    }

    /// Removes a key's deadline; true if it had one.
    pub fn persist(&mut self, db: usize, key: &[u8]) -> bool {
        let removed = self.dbs[db].expires.remove(key).is_some();
        if removed {
            self.key_modified(db, key);
        }
        removed
    }

    /// The hook every modification goes through: WATCH is marked dirty here;
    /// keyspace notifications and propagation attach here too.
    #[inline]
    pub fn key_modified(&mut self, db: usize, key: &[u8]) {
        if !self.watch.is_empty() {
            let dict = &self.dbs[db].dict;
            self.watch.touch(db, key, || dict.get(key).is_some());
        }
        if self.track_writes {
            self.tracking_events.push(TrackingChange::Key(key.to_vec()));
        }
    }

    /// Empties one database, freeing it on the lazyfree thread if `lazy`;
    /// returns the number of keys it had.
    pub fn flush_db(&mut self, db: usize, lazy: bool) -> usize {
        if !self.watch.is_empty() {
            self.watch.touch_db(db, &self.dbs[db], None, self.now_ms);
        }
        // One "drop everything" per flush, however many databases it empties.
        if self.track_writes && self.tracking_events.last() != Some(&TrackingChange::Flush) {
            self.tracking_events.push(TrackingChange::Flush);
        }
        let d = &mut self.dbs[db];
        let n = d.dict.len();
        let old = std::mem::take(d);
        lazyfree::free_db(old, lazy);
        n
    }

    /// Empties every database; returns the number of keys removed.
    pub fn flush_all(&mut self, lazy: bool) -> usize {
        self.evict.clear_pool();
        (0..self.dbs.len()).map(|i| self.flush_db(i, lazy)).sum()
    }

    /// Exchanges the contents of two databases (SWAPDB). Watchers, like
    /// blocked clients, stay with the database number.
    pub fn swap_db(&mut self, a: usize, b: usize) {
        if !self.watch.is_empty() {
            self.watch.touch_db(a, &self.dbs[a], Some(&self.dbs[b]), self.now_ms);
            self.watch.touch_db(b, &self.dbs[b], Some(&self.dbs[a]), self.now_ms);
        }
        self.dbs.swap(a, b);
    }

    /// A random live key of `db` (expired ones met on the way are deleted).
    pub fn random_key(&mut self, db: usize) -> Option<Vec<u8>> {
        // Bounded: if every key we draw is expired, give up after many tries
        // (Redis does the same when all keys are volatile and expired).
        for _ in 0..100 {
            let key = self.dbs[db].dict.random_entry(&mut self.rng)?.key.to_vec();
            if !self.expire_if_needed(db, &key) {
                return Some(key);
            }
        }
        None
    }

    /// Active expiry over every database: samples volatile keys and deletes the
    /// expired ones, repeating while more than a quarter of a sample was expired,
    /// within `budget_us` microseconds. Returns the number of keys expired.
    pub fn active_expire_cycle(&mut self, budget_us: u64) -> u64 {
        const SAMPLE: usize = 20;
        let start = std::time::Instant::now();
        let mut expired_total = 0;
        let now = crate::util::unix_ms();
        self.now_ms = now;
        for db in 0..self.dbs.len() {
            loop {
                if self.dbs[db].expires.is_empty() {
                    break;
                }
                let mut sampled = 0;
                let mut expired = Vec::new();
                let mut ttl_sum = 0i64;
                let mut ttl_n = 0i64;
                let mut cursor = self.dbs[db].expire_cursor;
                // Walk the expires dict with a SCAN cursor: it visits every
                // volatile key once per full pass, unlike random sampling.
                while sampled < SAMPLE {
                    cursor = self.dbs[db].expires.scan(cursor, |e| {
                        sampled += 1;
                        if e.value < now {
                            expired.push(e.key.to_vec());
                        } else {
                            ttl_sum += e.value - now;
                            ttl_n += 1;
                        }
                    });
                    if cursor == 0 {
                        break;
                    }
                }
                self.dbs[db].expire_cursor = cursor;
                if ttl_n > 0 {
                    let avg = ttl_sum / ttl_n;
                    let d = &mut self.dbs[db];
                    d.avg_ttl = if d.avg_ttl == 0 { avg } else { (d.avg_ttl / 50) * 49 + avg / 50 };
                }
                let n = expired.len();
                for k in expired {
                    self.delete_expired(db, &k);
                }
                expired_total += n as u64;
                if start.elapsed().as_micros() as u64 > budget_us {
                    self.stats.expired_time_cap_reached_count += 1;
                    return expired_total;
                }
                if sampled == 0 || n * 4 <= sampled || cursor == 0 {
                    break;
                }
            }
        }
        expired_total
    }

    /// Total keys and volatile keys of a database (INFO keyspace).
    pub fn db_sizes(&self, db: usize) -> (usize, usize) {
        (self.dbs[db].dict.len(), self.dbs[db].expires.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The expires index shares the main dict's keys: every path that moves a
    /// key in or out keeps it pointing at a live entry (run under valgrind to
    /// catch a dangling one).
    #[test]
    fn expires_index_follows_the_main_dict() {
        let mut ks = Keyspace::new(2);
        ks.now_ms = 1_000;
        let far = 1_000_000;
        let long = |i: usize| format!("a-key-longer-than-inline-{i}").into_bytes();
        for i in 0..2000 {
            ks.set(0, &long(i), Value::str(b"v"), false);
            ks.set_expire(0, &long(i), far + i as i64);
        }
        assert_eq!(ks.db_sizes(0), (2000, 2000));
        // Overwrites keep or drop the TTL; the entries stay where they were.
        for i in (0..2000).step_by(2) {
            ks.set(0, &long(i), Value::str(b"w"), i % 4 == 0);
        }
        assert_eq!(ks.db_sizes(0).1, 1500);
        // Move some keys out and back (RENAME/MOVE use take/put).
        for i in (1..2000).step_by(4) {
            let (obj, when) = ks.take(0, &long(i)).expect("present");
            ks.put(1, &long(i), obj, when);
        }
        assert_eq!(ks.expire_at(1, &long(1)), Some(far + 1));
        // Deletes and PERSIST.
        for i in (3..2000).step_by(4) {
            assert!(ks.delete(0, &long(i)));
        }
        assert!(ks.persist(0, &long(0)));
        // Every volatile key's deadline is readable through its shared key.
        for db in 0..2 {
            let d = &ks.dbs[db];
            for e in d.expires.iter() {
                assert!(d.dict.contains_key(&e.key), "{:?}", String::from_utf8_lossy(&e.key));
            }
        }
        // Expiry deletes through the index.
        ks.now_ms = far + 5_000;
        let mut gone = 0;
        for i in 0..2000 {
            if ks.expire_if_needed(0, &long(i)) || ks.expire_if_needed(1, &long(i)) {
                gone += 1;
            }
        }
        assert!(gone > 0);
        assert!(ks.dbs.iter().all(|d| d.expires.iter().all(|e| d.dict.contains_key(&e.key))));
        ks.swap_db(0, 1);
        ks.flush_all(false);
        assert_eq!(ks.db_sizes(0), (0, 0));
    }
}
