//! maxmemory enforcement and the memory figures INFO and MEMORY report.
//!
//! Before every command, when `maxmemory` is set, [`Server::perform_evictions`]
//! compares the memory counted for eviction with the limit and evicts keys
//! until it is under again (Redis's `performEvictions`): keys are chosen by
//! the keyspace (`store/evict.rs`), freed memory is measured on the
//! allocator's counters before and after each deletion. A command flagged
//! `denyoom` is refused with `-OOM` when nothing more can be evicted
//! (`noeviction`, or no candidate key); other commands (reads, DEL, INFO,
//! CONFIG) always run, so an operator can get out of the situation.
//!
//! Each call gets a time budget from `maxmemory-eviction-tenacity` (50 µs per
//! unit up to 10, then growing by 15% per unit; 100 is unlimited). When the
//! budget runs out with memory still over the limit, the command runs anyway
//! and eviction goes on at the next command and in the cron, so one client
//! filling memory fast cannot make every other client wait.
//!
//! Memory counted for eviction is `used_memory` minus what Redis does not
//! count (replication backlog and replica buffers, the AOF buffer: none exist
//! here yet). Normal clients' query and output buffers are allocated like
//! everything else, so they count, as in Redis.

use std::cell::Cell;
use std::time::{Duration, Instant};

use tracing::warn;

use super::Server;
use crate::alloc::{self, AllocStats};
use crate::commands;
use crate::config::D;
use crate::store::evict::Policy;
use crate::store::lazyfree;

/// Outcome of an eviction attempt (Redis's `EVICT_OK/RUNNING/FAIL`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Eviction {
    /// Under the limit (or no limit).
    Ok,
    /// Still over the limit but the time budget ran out; evicting goes on later.
    Running,
    /// Over the limit and nothing can be evicted.
    Fail,
}

/// Memory bookkeeping of the server (INFO memory, MEMORY STATS).
#[derive(Debug, Default)]
pub struct MemoryState {
    /// `used_memory` once the server was initialized.
    pub startup: u64,
    /// Highest `used_memory` seen (cron ticks, eviction checks, INFO); a
    /// `Cell` so that INFO, which only reads the server, can raise it.
    peak: Cell<u64>,
    /// The allocator's arena-wide figures, refreshed once per cron tick.
    pub alloc: AllocStats,
    pub rss: u64,
    /// Since when memory has been over the limit (for INFO's eviction times).
    over_since: Option<Instant>,
    /// INFO `total_eviction_exceeded_time` (ms).
    pub total_exceeded_ms: u64,
    /// True while eviction is unfinished (time budget ran out).
    pub eviction_running: bool,
    /// Memory of all clients as last accounted (see [`account`]).
    pub clients_total: u64,
    /// The last check before a top-level command found memory over the limit
    /// with nothing to evict (Redis's `pre_command_oom_state`; scripts read it).
    pub pre_command_oom: bool,
}

impl MemoryState {
    pub fn new() -> Self {
        lazyfree::start();
        let used = alloc::used_memory();
        MemoryState { startup: used, peak: Cell::new(used), ..Default::default() }
    }

    /// INFO `current_eviction_exceeded_time` (ms).
    pub fn current_exceeded_ms(&self) -> u64 {
        self.over_since.map(|t| t.elapsed().as_millis() as u64).unwrap_or(0)
    }

    /// Raises the peak to `used` if higher; returns the peak.
    #[inline]
    pub fn note_used(&self, used: u64) -> u64 {
        let peak = self.peak.get().max(used);
        self.peak.set(peak);
        peak
    }

    /// Restarts the peak from `used` (CONFIG RESETSTAT).
    pub fn reset_peak(&self, used: u64) {
        self.peak.set(used);
    }
}

/// The time one call of `perform_evictions` may spend (Redis's `evictionTimeLimitUs`).
fn eviction_time_limit(tenacity: u32) -> Option<Duration> {
    match tenacity {
        0..=10 => Some(Duration::from_micros(50 * tenacity as u64)),
        11..=99 => Some(Duration::from_micros((500.0 * 1.15f64.powi(tenacity as i32 - 10)) as u64)),
        _ => None,
    }
}

impl Server {
    /// Copies the memory directives into the keyspace (at start and after CONFIG SET).
    pub fn apply_memory_config(&mut self) {
        let cfg = &self.config;
        let policy = Policy::parse(cfg.str(D::MaxmemoryPolicy));
        let maxmemory = cfg.int(D::Maxmemory).max(0) as u64;
        let ev = &mut self.ks.evict;
        if ev.policy != policy {
            ev.clear_pool();
        }
        let lowered = maxmemory > 0 && (ev.maxmemory == 0 || maxmemory < ev.maxmemory);
        ev.policy = policy;
        ev.maxmemory = maxmemory;
        ev.samples = cfg.int(D::MaxmemorySamples).clamp(1, 64) as usize;
        ev.tenacity = cfg.int(D::MaxmemoryEvictionTenacity).clamp(0, 100) as u32;
        ev.lazy = cfg.bool(D::LazyfreeLazyEviction);
        let access = &mut self.ks.access;
        access.lfu = policy.is_lfu();
        access.log_factor = cfg.int(D::LfuLogFactor).clamp(0, u32::MAX as i64) as u32;
        access.decay_time = cfg.int(D::LfuDecayTime).clamp(0, u32::MAX as i64) as u32;
        self.ks.lazy.expire = cfg.bool(D::LazyfreeLazyExpire);
        self.ks.lazy.server_del = cfg.bool(D::LazyfreeLazyServerDel);
        self.ks.lazy.user_del = cfg.bool(D::LazyfreeLazyUserDel);
        crate::alloc::set_background_thread(cfg.bool(D::JemallocBgThread));
        self.evict_clients_if_needed();
        // Like Redis, a lower limit is enforced from the next command or cron
        // tick on, not inside CONFIG SET (whose own temporary copies of the
        // configuration would count and evict keys for nothing).
        if lowered {
            let used = self.memory_for_eviction();
            if used > maxmemory {
                warn!(
                    "WARNING: the new maxmemory value set via CONFIG SET ({}) is smaller than the current memory usage ({}). This will result in key eviction and/or the inability to accept new write commands depending on the maxmemory-policy.",
                    maxmemory, used
                );
                self.mem.eviction_running = true;
            }
        }
    }

    /// Memory counted against `maxmemory` (Redis: used minus replication
    /// buffers and the AOF buffer, which do not exist here).
    #[inline]
    pub fn memory_for_eviction(&self) -> u64 {
        alloc::used_memory().saturating_sub(self.mem_not_counted_for_evict())
    }

    /// INFO `mem_not_counted_for_evict`.
    pub fn mem_not_counted_for_evict(&self) -> u64 {
        0
    }

    /// The gate before each command: evicts if over `maxmemory`, and says
    /// whether a command with these flags may run.
    ///
    /// Commands a script runs do not evict (as in Redis, a script must not
    /// see keys vanish under it): they get the answer of the check made
    /// before the script started ([`MemoryState::pre_command_oom`]).
    #[inline]
    pub fn maxmemory_allows(&mut self, flags: u32) -> bool {
        if self.ks.evict.maxmemory == 0 {
            self.mem.pre_command_oom = false;
            return true;
        }
        if self.scripting.run.is_none() {
            self.mem.pre_command_oom = self.perform_evictions() == Eviction::Fail;
        }
        !(self.mem.pre_command_oom && flags & commands::DENYOOM != 0)
    }

    /// Evicts keys until memory is under `maxmemory`, within the tenacity time budget.
    pub fn perform_evictions(&mut self) -> Eviction {
        let maxmemory = self.ks.evict.maxmemory;
        if maxmemory == 0 {
            self.mem.eviction_running = false;
            return Eviction::Ok;
        }
        let used = self.memory_for_eviction();
        self.mem.note_used(used);
        if used <= maxmemory {
            self.eviction_done();
            return Eviction::Ok;
        }
        if self.mem.over_since.is_none() {
            self.mem.over_since = Some(Instant::now());
        }
        if self.ks.evict.policy == Policy::NoEviction {
            return Eviction::Fail;
        }
        let to_free = used - maxmemory;
        let limit = eviction_time_limit(self.ks.evict.tenacity);
        let start = Instant::now();
        let mut freed: i64 = 0;
        let mut keys_freed = 0u64;
        let mut result = Eviction::Ok;
        while freed < to_free as i64 {
            let Some((db, key)) = self.ks.eviction_candidate() else {
                result = Eviction::Fail;
                break;
            };
            let before = alloc::used_memory() as i64;
            if self.ks.evict_key(db, &key) {
                notify_evicted(self, db, &key);
                keys_freed += 1;
            }
            drop(key);
            freed += before - alloc::used_memory() as i64;
            if keys_freed.is_multiple_of(16) {
                // Freed on the lazyfree thread: the drop shows up a bit later.
                if self.ks.evict.lazy && self.memory_for_eviction() <= maxmemory {
                    break;
                }
                if limit.is_some_and(|l| start.elapsed() > l) {
                    result = Eviction::Running;
                    break;
                }
            }
        }
        if result == Eviction::Fail && lazyfree::pending_objects() > 0 {
            // Nothing left to evict, but the lazyfree thread is still freeing:
            // give it a moment, as Redis does.
            std::thread::sleep(limit.unwrap_or(Duration::from_millis(1)).min(Duration::from_millis(1)));
            if self.memory_for_eviction() <= maxmemory {
                result = Eviction::Ok;
            }
        }
        match result {
            Eviction::Ok => self.eviction_done(),
            Eviction::Running => self.mem.eviction_running = true,
            Eviction::Fail => self.mem.eviction_running = false,
        }
        result
    }

    fn eviction_done(&mut self) {
        self.mem.eviction_running = false;
        if let Some(t) = self.mem.over_since.take() {
            self.mem.total_exceeded_ms += t.elapsed().as_millis() as u64;
        }
    }

    /// Cron work: refresh the allocator's figures and the peak, and go on
    /// evicting if a previous call ran out of time.
    pub fn memory_cron(&mut self) {
        self.mem.alloc = AllocStats::refresh();
        self.mem.rss = alloc::rss_bytes();
        let used = alloc::used_memory();
        self.mem.note_used(used);
        if self.mem.eviction_running || (self.ks.evict.maxmemory > 0 && used > self.ks.evict.maxmemory) {
            self.perform_evictions();
        }
    }

    /// [`account`] for a client in the table.
    pub fn account_client_mem(&mut self, t: mio::Token) {
        if let Some(c) = self.clients.get_mut(t) {
            account(&mut self.mem, c);
        }
        self.evict_clients_if_needed();
    }

    /// The `maxmemory-clients` limit in bytes (a percentage is of `maxmemory`;
    /// never below 128 KB, so a bad setting cannot lock everyone out); 0: none.
    pub fn client_eviction_limit(&self) -> u64 {
        let v = self.config.int(D::MaxmemoryClients);
        let limit = if v < 0 {
            if self.ks.evict.maxmemory == 0 {
                return 0;
            }
            (self.ks.evict.maxmemory as f64 * (-v) as f64 / 100.0) as u64
        } else {
            v as u64
        };
        if limit == 0 {
            0
        } else {
            limit.max(128 * 1024)
        }
    }

    /// Client eviction: while the clients' memory is over `maxmemory-clients`,
    /// disconnects the biggest ones, except those with CLIENT NO-EVICT on.
    pub fn evict_clients_if_needed(&mut self) {
        let limit = self.client_eviction_limit();
        if limit == 0 || self.mem.clients_total < limit {
            return;
        }
        let mut candidates: Vec<(u64, mio::Token)> =
            self.clients.iter().filter(|c| !c.no_evict && !c.close_asap).map(|c| (c.mem_accounted, c.token)).collect();
        candidates.sort_unstable_by_key(|c| std::cmp::Reverse(c.0));
        for (mem, t) in candidates {
            if self.mem.clients_total < limit {
                break;
            }
            if let Some(c) = self.clients.get(t) {
                tracing::info!("Evicting client: id={} addr={} tot-mem={}", c.id, c.addr, mem);
            }
            self.stats.evicted_clients += 1;
            self.kill_client(t);
        }
    }

    /// CONFIG RESETSTAT: evicted keys, eviction times, the peak, lazyfreed objects.
    pub fn reset_memory_stats(&mut self) {
        self.ks.evict.evicted_keys = 0;
        self.mem.total_exceeded_ms = 0;
        self.mem.reset_peak(alloc::used_memory());
        lazyfree::reset_stats();
    }

    /// Memory of the normal and Pub/Sub clients' buffers and state (INFO
    /// `mem_clients_normal`): what Redis's `getClientMemoryUsage` adds up.
    pub fn mem_clients_normal(&self) -> u64 {
        self.clients.iter().map(client_memory).sum()
    }
}

/// Re-counts a client's memory into the running total (after it read and ran
/// commands, after its output was flushed), so client eviction needs no scan.
pub fn account(mem: &mut MemoryState, c: &mut super::Client) {
    let now = client_memory(c);
    let old = std::mem::replace(&mut c.mem_accounted, now);
    mem.clients_total = (mem.clients_total + now).saturating_sub(old);
}

/// Bytes counted per channel or pattern subscription (a set entry and the
/// name's allocation, roughly).
const SUBSCRIPTION_COST: usize = 64;

/// Memory one client holds: its structure, the capacity of its buffers and
/// its subscriptions.
pub fn client_memory(c: &super::Client) -> u64 {
    let subs = (c.pubsub.count() + c.pubsub.shard.len()) * SUBSCRIPTION_COST;
    (std::mem::size_of::<super::Client>()
        + c.qbuf.capacity()
        + c.reply.buf.capacity()
        + c.pubsub.kept.capacity()
        + c.tx.memory()
        + c.tracking.prefix_mem
        + subs) as u64
}

/// Keyspace event `evicted`. The keyspace notification helper connects here
/// once `notify` is on main; until then an eviction notifies no one.
fn notify_evicted(_srv: &mut Server, _db: usize, _key: &[u8]) {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tenacity_budgets() {
        assert_eq!(eviction_time_limit(0), Some(Duration::ZERO));
        assert_eq!(eviction_time_limit(10), Some(Duration::from_micros(500)));
        assert!(eviction_time_limit(50).is_some_and(|d| d > Duration::from_millis(100)));
        assert_eq!(eviction_time_limit(100), None);
    }
}
