//! Eviction under `maxmemory`: policies, the access clock, and the choice of
//! the next key to evict.
//!
//! **The access clock.** Every object carries 24 bits of access information
//! ([`Obj::lru`]), as in Redis. Under an LRU policy (and `noeviction`, random
//! and TTL policies) it is the LRU clock: seconds of the last access, mod 2^24.
//! Under an LFU policy it is split in two: the high 16 bits are the time of
//! the last decrement in minutes (mod 2^16), the low 8 bits a logarithmic
//! access counter. Each access first decays the counter by one per
//! `lfu-decay-time` minutes elapsed, then increments it with probability
//! `1 / ((counter - 5) * lfu-log-factor + 1)`, so with the default factor a
//! counter reaches 255 after about a million accesses. New keys start at 5 so
//! they are not evicted before they had a chance to be read again.
//!
//! **Approximated LRU/LFU/TTL.** Keeping every key in an exact order costs
//! memory per key and work per access. Like Redis, we sample instead: each
//! round draws `maxmemory-samples` random keys from every database (from all
//! keys or from the volatile ones, per the policy), scores them (idle time,
//! inverse frequency, or inverse deadline) and merges them into a small pool
//! of the best candidates seen so far ([`EVPOOL_SIZE`]), kept across rounds
//! and across calls. The key evicted is the pool's best that still exists.
//! With 5 samples and a pool of 16 this comes close to true LRU in Redis's
//! own measurements; more samples get closer at a CPU cost.
//!
//! The eviction loop itself (how much to free, time limits, the OOM answer)
//! is in `server/memory.rs`, which sees the allocator and the clients.

use super::bytes::SmallBytes;
use super::value::{idle_seconds, lru_clock, Obj, LRU_CLOCK_MAX};
use super::Keyspace;
use crate::util::Rng;

/// Size of the pool of eviction candidates (Redis's `EVPOOL_SIZE`).
pub const EVPOOL_SIZE: usize = 16;
/// Initial LFU counter of a new key.
pub const LFU_INIT_VAL: u32 = 5;

/// `maxmemory-policy`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Policy {
    VolatileLru,
    VolatileLfu,
    VolatileRandom,
    VolatileTtl,
    AllkeysLru,
    AllkeysLfu,
    AllkeysRandom,
    #[default]
    NoEviction,
}

impl Policy {
    pub fn parse(name: &str) -> Policy {
        match name {
            "volatile-lru" => Policy::VolatileLru,
            "volatile-lfu" => Policy::VolatileLfu,
            "volatile-random" => Policy::VolatileRandom,
            "volatile-ttl" => Policy::VolatileTtl,
            "allkeys-lru" => Policy::AllkeysLru,
            "allkeys-lfu" => Policy::AllkeysLfu,
            "allkeys-random" => Policy::AllkeysRandom,
            _ => Policy::NoEviction,
        }
    }

    pub fn is_lfu(self) -> bool {
        matches!(self, Policy::VolatileLfu | Policy::AllkeysLfu)
    }

    pub fn is_lru(self) -> bool {
        matches!(self, Policy::VolatileLru | Policy::AllkeysLru)
    }

    /// True if every key may be evicted (otherwise only keys with a TTL).
    pub fn all_keys(self) -> bool {
        matches!(self, Policy::AllkeysLru | Policy::AllkeysLfu | Policy::AllkeysRandom)
    }

    fn is_random(self) -> bool {
        matches!(self, Policy::VolatileRandom | Policy::AllkeysRandom)
    }
}

/// How lookups update an object's access clock.
#[derive(Debug, Clone, Copy)]
pub struct AccessClock {
    pub lfu: bool,
    pub log_factor: u32,
    pub decay_time: u32,
}

impl Default for AccessClock {
    fn default() -> Self {
        AccessClock { lfu: false, log_factor: 10, decay_time: 1 }
    }
}

impl AccessClock {
    /// The clock of a new object.
    #[inline]
    pub fn initial(&self, now_ms: i64) -> u32 {
        if self.lfu {
            (lfu_minutes(now_ms) << 8) | LFU_INIT_VAL
        } else {
            lru_clock(now_ms)
        }
    }

    /// The clock of a restored object (RESTORE ... IDLETIME | FREQ, Redis's
    /// `objectSetLRUOrLFU`): FREQ counts under an LFU policy, IDLETIME under
    /// the others; otherwise the object is new.
    pub fn restored(&self, now_ms: i64, idle_secs: Option<i64>, freq: Option<i64>) -> u32 {
        match (self.lfu, idle_secs, freq) {
            (true, _, Some(f)) => (lfu_minutes(now_ms) << 8) | f.clamp(0, 255) as u32,
            (false, Some(idle), _) => {
                let clock = lru_clock(now_ms);
                let idle = idle.clamp(0, LRU_CLOCK_MAX as i64) as u32;
                if clock >= idle {
                    clock - idle
                } else {
                    LRU_CLOCK_MAX - (idle - clock) + 1
                }
            }
            _ => self.initial(now_ms),
        }
    }

    /// The clock after an access.
    #[inline]
    pub fn touched(&self, lru: u32, now_ms: i64, rng: &mut Rng) -> u32 {
        if !self.lfu {
            return lru_clock(now_ms);
        }
        let counter = lfu_decayed(lru, now_ms, self.decay_time);
        let counter = lfu_log_incr(counter, self.log_factor, rng);
        (lfu_minutes(now_ms) << 8) | counter
    }
}

/// Minutes, 16 bits (the LFU decrement time).
#[inline]
fn lfu_minutes(now_ms: i64) -> u32 {
    ((now_ms / 60_000) as u32) & 0xFFFF
}

/// The LFU counter of `lru` after decaying it by one per `decay_time` minutes
/// since its last decrement (what OBJECT FREQ shows; nothing is stored).
pub fn lfu_decayed(lru: u32, now_ms: i64, decay_time: u32) -> u32 {
    let ldt = lru >> 8;
    let counter = lru & 0xFF;
    let now = lfu_minutes(now_ms);
    let elapsed = if now >= ldt { now - ldt } else { 0xFFFF - ldt + now };
    let periods = elapsed.checked_div(decay_time).unwrap_or(0);
    counter.saturating_sub(periods)
}

/// Increments a logarithmic counter with a probability that falls as it grows.
fn lfu_log_incr(counter: u32, log_factor: u32, rng: &mut Rng) -> u32 {
    if counter >= 255 {
        return 255;
    }
    let r = (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
    let base = counter.saturating_sub(LFU_INIT_VAL) as f64;
    let p = 1.0 / (base * log_factor as f64 + 1.0);
    if r < p {
        counter + 1
    } else {
        counter
    }
}

/// One candidate of the eviction pool.
#[derive(Debug, Clone)]
struct Candidate {
    /// Higher is a better candidate: idle ms, 255 - frequency, or u64::MAX - deadline.
    score: u64,
    db: usize,
    key: SmallBytes,
}

/// The eviction state kept by the keyspace: settings derived from the config,
/// the candidate pool, and statistics.
#[derive(Debug, Default)]
pub struct Evictor {
    pub maxmemory: u64,
    pub policy: Policy,
    pub samples: usize,
    pub tenacity: u32,
    /// `lazyfree-lazy-eviction`.
    pub lazy: bool,
    /// Candidates in ascending score order (the best is last).
    pool: Vec<Candidate>,
    /// Where the random policies continue their round over the databases.
    next_db: usize,
    /// INFO `evicted_keys`.
    pub evicted_keys: u64,
}

impl Evictor {
    /// Merges a sampled key into the pool (Redis's `evictionPoolPopulate` rule:
    /// a full pool drops its worst entry for a better one).
    fn offer(&mut self, score: u64, db: usize, key: &[u8]) {
        let pos = self.pool.partition_point(|c| c.score < score);
        if (self.pool.len() == EVPOOL_SIZE && pos == 0) || self.pool.iter().any(|c| c.db == db && *c.key == *key) {
            return;
        }
        let c = Candidate { score, db, key: key.into() };
        if self.pool.len() < EVPOOL_SIZE {
            self.pool.insert(pos, c);
        } else if pos > 0 {
            self.pool.remove(0);
            self.pool.insert(pos - 1, c);
        }
    }

    /// Forgets every candidate (after FLUSHALL, or a policy change).
    pub fn clear_pool(&mut self) {
        self.pool.clear();
    }
}

impl Keyspace {
    /// The eviction score of an object under the current policy (higher is
    /// evicted first).
    fn eviction_scorer(&self) -> impl Fn(&Obj) -> u64 {
        let (lfu, now_ms, decay_time) = (self.evict.policy.is_lfu(), self.now_ms, self.access.decay_time);
        move |obj: &Obj| {
            if lfu {
                255 - lfu_decayed(obj.lru, now_ms, decay_time) as u64
            } else {
                idle_seconds(obj.lru, now_ms) * 1000
            }
        }
    }

    /// Samples `maxmemory-samples` keys of `db` into the pool (a run of
    /// neighbouring buckets, as Redis samples: see [`super::Dict::sample`]).
    fn populate_pool(&mut self, db: usize) {
        let samples = self.evict.samples.max(1);
        let policy = self.evict.policy;
        let score_of = self.eviction_scorer();
        let (d, evict) = (&self.dbs[db], &mut self.evict);
        if policy.all_keys() {
            d.dict.sample(&mut self.rng, samples, |e| evict.offer(score_of(&e.value), db, &e.key));
        } else {
            d.expires.sample(&mut self.rng, samples, |e| {
                let score = if policy == Policy::VolatileTtl {
                    Some(u64::MAX - e.value.max(0) as u64)
                } else {
                    d.dict.get(&e.key).map(&score_of)
                };
                if let Some(score) = score {
                    evict.offer(score, db, &e.key);
                }
            });
        }
    }

    /// The next key to evict under the current policy, or None when nothing
    /// is evictable (no keys, or no volatile keys for a `volatile-*` policy).
    pub fn eviction_candidate(&mut self) -> Option<(usize, SmallBytes)> {
        let policy = self.evict.policy;
        if policy == Policy::NoEviction {
            return None;
        }
        let all = policy.all_keys();
        let ndb = self.dbs.len();
        if policy.is_random() {
            for _ in 0..ndb {
                self.evict.next_db = (self.evict.next_db + 1) % ndb;
                let d = &self.dbs[self.evict.next_db];
                let e = if all {
                    d.dict.random_entry(&mut self.rng).map(|e| e.key.clone())
                } else {
                    d.expires.random_entry(&mut self.rng).map(|e| SmallBytes::new(&e.key))
                };
                if let Some(k) = e {
                    return Some((self.evict.next_db, k));
                }
            }
            return None;
        }
        // A pool whose every entry went stale is refilled; the loop ends when
        // no database has a key to sample.
        loop {
            let mut total = 0;
            for db in 0..ndb {
                let n = if all { self.dbs[db].dict.len() } else { self.dbs[db].expires.len() };
                if n > 0 {
                    total += n;
                    self.populate_pool(db);
                }
            }
            if total == 0 {
                return None;
            }
            while let Some(c) = self.evict.pool.pop() {
                let d = &self.dbs[c.db];
                let live = if all { d.dict.contains_key(&c.key) } else { d.expires.contains_key(&c.key) };
                if live {
                    return Some((c.db, c.key));
                }
            }
        }
    }

    /// Removes an evicted key (freeing a big value on the lazyfree thread if
    /// `lazyfree-lazy-eviction`). Returns false if it was gone.
    pub fn evict_key(&mut self, db: usize, key: &[u8]) -> bool {
        let d = &mut self.dbs[db];
        if !d.expires.is_empty() {
            d.expires.remove(key);
        }
        let Some((_, obj)) = d.dict.remove(key) else { return false };
        self.evict.evicted_keys += 1;
        // Keyspace event `evicted`; replicas and the AOF see a DEL.
        self.queue_event(super::events::EVICTED, "evicted", db, key);
        if self.log_deletes {
            self.implicit_deletes.push((db, key.into()));
        }
        self.key_modified(db, key);
        super::lazyfree::free_obj(obj, self.evict.lazy);
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lfu_counter_grows_logarithmically_and_decays() {
        let mut rng = Rng::with_seed(7);
        let clock = AccessClock { lfu: true, log_factor: 10, decay_time: 1 };
        let now = 1_000_000_000_000i64;
        let mut lru = clock.initial(now);
        assert_eq!(lru & 0xFF, LFU_INIT_VAL);
        for _ in 0..1000 {
            lru = clock.touched(lru, now, &mut rng);
        }
        let c = lru & 0xFF;
        assert!(c > 10 && c < 40, "counter after 1000 hits: {c}");
        // Ten minutes later it has decayed by ten.
        assert_eq!(lfu_decayed(lru, now + 10 * 60_000, 1), c - 10);
        assert_eq!(lfu_decayed(lru, now + 10 * 60_000, 0), c);
    }

    #[test]
    fn pool_keeps_the_best_candidates_sorted() {
        let mut ev = Evictor::default();
        for i in 0..40u64 {
            ev.offer(i * 7 % 41, 0, format!("k{i}").as_bytes());
        }
        assert_eq!(ev.pool.len(), EVPOOL_SIZE);
        assert!(ev.pool.windows(2).all(|w| w[0].score <= w[1].score));
        assert_eq!(ev.pool.last().map(|c| c.score), Some(40));
        // A duplicate is not added twice.
        ev.offer(1000, 0, b"k0");
        ev.offer(1000, 0, b"k0");
        assert_eq!(ev.pool.iter().filter(|c| &*c.key == b"k0").count(), 1);
    }
}
