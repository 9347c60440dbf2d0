//! MEMORY: per-key usage estimates, the memory breakdown and the allocator's
//! reports; and the INFO memory section, which shows the same figures.
//!
//! `MEMORY USAGE` is computed by [`crate::store::memory::usage`]. The
//! breakdown ([`Overhead`], Redis's `getMemoryOverheadData`) splits
//! `used_memory` into what the server itself needs (startup, client buffers,
//! the keyspace's hash tables) and the dataset. Allocator figures come from
//! jemalloc ([`crate::alloc`]).

use std::fmt::Write as _;

use super::args::{self, is};
use super::docs::{integer, key, Arg};
use super::{cmd, container, Command, Ctx, Keys, NO_KEYS, READONLY};
use super::{ALL_SHARDS_ALL_SUCCEEDED, ALL_SHARDS_SPECIAL_REPORT, KEY_RO};
use crate::alloc::{self, AllocStats};
use crate::config::D;
use crate::errors;
use crate::server::{Client, Server};
use crate::store::lazyfree;
use crate::util::bytes_to_human;

const G: &str = "server";
const NONE: &[&str] = &[];
/// Elements sampled by MEMORY USAGE without SAMPLES (Redis's default).
const DEFAULT_SAMPLES: usize = 5;

#[rustfmt::skip]
pub static COMMANDS: &[Command] = &[
    Command { complexity: "Depends on subcommand.", ..container("memory", G, "A container for memory diagnostics commands", "4.0.0", SUBCOMMANDS) },
];

#[rustfmt::skip]
static SUBCOMMANDS: &[Command] = &[
    Command { key_flags: KEY_RO, complexity: "O(N) where N is the number of samples.", args: MEMORY_USAGE_ARGS, ..cmd("usage", -3, READONLY, Keys { first: 2, last: 2, step: 1 }, &["read"], G, "Estimate the memory usage of a key", "4.0.0", usage) },
    Command { tips: ALL_SHARDS_SPECIAL_REPORT, complexity: "O(1)", ..cmd("doctor", 2, 0, NO_KEYS, NONE, G, "Outputs memory problems report", "4.0.0", doctor) },
    Command { tips: ALL_SHARDS_SPECIAL_REPORT, complexity: "O(1)", ..cmd("stats", 2, 0, NO_KEYS, NONE, G, "Show memory usage details", "4.0.0", stats) },
    Command { tips: ALL_SHARDS_ALL_SUCCEEDED, complexity: "Depends on how much memory is allocated, could be slow", ..cmd("purge", 2, 0, NO_KEYS, NONE, G, "Ask the allocator to release memory", "4.0.0", purge) },
    Command { tips: ALL_SHARDS_SPECIAL_REPORT, complexity: "Depends on how much memory is allocated, could be slow", ..cmd("malloc-stats", 2, 0, NO_KEYS, NONE, G, "Show allocator internal stats", "4.0.0", malloc_stats) },
    Command { complexity: "O(1)", ..cmd("help", 2, super::LOADING | super::STALE, NO_KEYS, NONE, G, "Show helpful text about the different subcommands", "4.0.0", help) },
];

// `COMMAND DOCS` arguments and history of the commands above (Redis 7.0).

static MEMORY_USAGE_ARGS: &[Arg] = &[key("key", 0), integer("count").token("SAMPLES").optional()];

fn usage(ctx: &mut Ctx, argv: &[&[u8]]) {
    let mut samples = DEFAULT_SAMPLES;
    let mut i = 3;
    while i < argv.len() {
        if is(argv[i], "samples") && i + 1 < argv.len() {
            match args::int(argv[i + 1]) {
                Err(_) => return ctx.reply().error(errors::NOT_INTEGER),
                Ok(n) if n < 0 => return ctx.reply().error(errors::SYNTAX),
                Ok(n) => samples = usize::try_from(n).unwrap_or(usize::MAX),
            }
            i += 2;
        } else {
            return ctx.reply().error(errors::SYNTAX);
        }
    }
    let db = ctx.db();
    let size = ctx.srv.ks.lookup_quiet(db, argv[2]).map(|o| crate::store::memory::usage(argv[2], o, samples));
    match size {
        Some(n) => ctx.reply().int(n as i64),
        None => ctx.reply().null(),
    }
}

/// Where `used_memory` goes (Redis's `getMemoryOverheadData`).
pub struct Overhead {
    pub used: u64,
    pub peak: u64,
    pub startup: u64,
    pub clients_normal: u64,
    /// (db index, main table overhead, expires table overhead) of non-empty databases.
    pub dbs: Vec<(usize, u64, u64)>,
    pub total: u64,
    pub keys: u64,
    pub dataset: u64,
    pub alloc: AllocStats,
    pub rss: u64,
}

/// Bytes of scripting caches counted as overhead (`lua.caches`, `functions.caches`).
const SCRIPT_CACHES: u64 = 0;
const FUNCTION_CACHES: u64 = 184;

impl Overhead {
    /// Measures now: advances the allocator's epoch once.
    pub fn measure(srv: &Server, caller: Option<&Client>) -> Overhead {
        let used = alloc::used_memory();
        let alloc = AllocStats::refresh();
        let rss = alloc::rss_bytes();
        let clients_normal = srv.mem_clients_normal() + caller.map(crate::server::memory::client_memory).unwrap_or(0);
        let entry = |n: usize, slots: usize, entry_size: usize| (n * entry_size + slots * 8) as u64;
        let main_entry = std::mem::size_of::<crate::store::dict::Entry<crate::store::Obj>>();
        let exp_entry = std::mem::size_of::<crate::store::dict::Entry<i64>>();
        let mut dbs = Vec::new();
        let mut keys = 0u64;
        let startup = srv.mem.startup;
        let mut total = startup + clients_normal + SCRIPT_CACHES + FUNCTION_CACHES;
        for (i, d) in srv.ks.dbs.iter().enumerate() {
            if d.dict.is_empty() {
                continue;
            }
            keys += d.dict.len() as u64;
            let main = entry(d.dict.len(), d.dict.buckets(), main_entry);
            let exp = entry(d.expires.len(), d.expires.buckets(), exp_entry);
            total += main + exp;
            dbs.push((i, main, exp));
        }
        Overhead {
            used,
            peak: srv.mem.note_used(used),
            startup,
            clients_normal,
            dbs,
            total,
            keys,
            dataset: used.saturating_sub(total),
            alloc,
            rss,
        }
    }

    /// `used_memory - startup`: what the data and clients added.
    fn net(&self) -> u64 {
        self.used.saturating_sub(self.startup)
    }

    fn dataset_perc(&self) -> f64 {
        pct(self.dataset, self.net())
    }

    fn peak_perc(&self) -> f64 {
        pct(self.used, self.peak)
    }

    fn ratio(a: u64, b: u64) -> f64 {
        if b == 0 {
            0.0
        } else {
            a as f64 / b as f64
        }
    }

    fn frag(&self) -> (f64, i64) {
        (Self::ratio(self.alloc.active, self.alloc.allocated), self.alloc.active as i64 - self.alloc.allocated as i64)
    }

    fn rss_ratio(&self) -> (f64, i64) {
        (Self::ratio(self.alloc.resident, self.alloc.active), self.alloc.resident as i64 - self.alloc.active as i64)
    }

    fn rss_overhead(&self) -> (f64, i64) {
        (Self::ratio(self.rss, self.alloc.resident), self.rss as i64 - self.alloc.resident as i64)
    }

    fn fragmentation(&self) -> (f64, i64) {
        (Self::ratio(self.rss, self.used), self.rss as i64 - self.used as i64)
    }
}

fn pct(a: u64, b: u64) -> f64 {
    if b == 0 {
        0.0
    } else {
        a as f64 * 100.0 / b as f64
    }
}

/// The `# Memory` section of INFO.
pub fn info_section(srv: &Server, caller: &Client) -> String {
    let o = Overhead::measure(srv, Some(caller));
    let maxmem = srv.ks.evict.maxmemory;
    let sys = super::introspection::total_system_memory();
    let (frag, frag_bytes) = o.frag();
    let (rss_ratio, rss_bytes) = o.rss_ratio();
    let (rss_over, rss_over_bytes) = o.rss_overhead();
    let (mem_frag, mem_frag_bytes) = o.fragmentation();
    let mut s = String::with_capacity(2048);
    let _ = write!(
        s,
        "# Memory\r\nused_memory:{}\r\nused_memory_human:{}\r\nused_memory_rss:{}\r\nused_memory_rss_human:{}\r\nused_memory_peak:{}\r\nused_memory_peak_human:{}\r\nused_memory_peak_perc:{:.2}%\r\nused_memory_overhead:{}\r\nused_memory_startup:{}\r\nused_memory_dataset:{}\r\nused_memory_dataset_perc:{:.2}%\r\nallocator_allocated:{}\r\nallocator_active:{}\r\nallocator_resident:{}\r\ntotal_system_memory:{}\r\ntotal_system_memory_human:{}\r\n",
        o.used,
        bytes_to_human(o.used),
        o.rss,
        bytes_to_human(o.rss),
        o.peak,
        bytes_to_human(o.peak),
        o.peak_perc(),
        o.total,
        o.startup,
        o.dataset,
        o.dataset_perc(),
        o.alloc.allocated,
        o.alloc.active,
        o.alloc.resident,
        sys,
        bytes_to_human(sys),
    );
    s.push_str(&crate::scripting::memory_info(&srv.scripting));
    let _ = write!(
        s,
        "maxmemory:{}\r\nmaxmemory_human:{}\r\nmaxmemory_policy:{}\r\nallocator_frag_ratio:{:.2}\r\nallocator_frag_bytes:{}\r\nallocator_rss_ratio:{:.2}\r\nallocator_rss_bytes:{}\r\nrss_overhead_ratio:{:.2}\r\nrss_overhead_bytes:{}\r\nmem_fragmentation_ratio:{:.2}\r\nmem_fragmentation_bytes:{}\r\nmem_not_counted_for_evict:{}\r\nmem_replication_backlog:0\r\nmem_total_replication_buffers:0\r\nmem_clients_slaves:0\r\nmem_clients_normal:{}\r\nmem_cluster_links:0\r\nmem_aof_buffer:0\r\nmem_allocator:{}\r\nactive_defrag_running:0\r\nlazyfree_pending_objects:{}\r\nlazyfreed_objects:{}\r\n",
        maxmem,
        bytes_to_human(maxmem),
        srv.config.str(D::MaxmemoryPolicy),
        frag,
        frag_bytes,
        rss_ratio,
        rss_bytes,
        rss_over,
        rss_over_bytes,
        mem_frag,
        mem_frag_bytes,
        srv.mem_not_counted_for_evict(),
        o.clients_normal,
        alloc::allocator_name(),
        lazyfree::pending_objects(),
        lazyfree::freed_objects(),
    );
    s
}

/// MEMORY STATS: Redis's field names and order; a map in RESP3.
fn stats(ctx: &mut Ctx, _argv: &[&[u8]]) {
    let o = Overhead::measure(ctx.srv, Some(ctx.client));
    let (frag, frag_bytes) = o.frag();
    let (rss_ratio, rss_bytes) = o.rss_ratio();
    let (rss_over, rss_over_bytes) = o.rss_overhead();
    let (mem_frag, mem_frag_bytes) = o.fragmentation();
    let r = ctx.reply();
    r.map_len(27 + o.dbs.len());
    let int = |r: &mut crate::protocol::Reply, k: &str, v: i64| {
        r.bulk(k.as_bytes());
        r.int(v);
    };
    let dbl = |r: &mut crate::protocol::Reply, k: &str, v: f64| {
        r.bulk(k.as_bytes());
        r.double(v);
    };
    int(r, "peak.allocated", o.peak as i64);
    int(r, "total.allocated", o.used as i64);
    int(r, "startup.allocated", o.startup as i64);
    int(r, "replication.backlog", 0);
    int(r, "clients.slaves", 0);
    int(r, "clients.normal", o.clients_normal as i64);
    int(r, "cluster.links", 0);
    int(r, "aof.buffer", 0);
    int(r, "lua.caches", SCRIPT_CACHES as i64);
    int(r, "functions.caches", FUNCTION_CACHES as i64);
    for &(db, main, exp) in &o.dbs {
        r.bulk(format!("db.{db}").as_bytes());
        r.map_len(3);
        int(r, "overhead.hashtable.main", main as i64);
        int(r, "overhead.hashtable.expires", exp as i64);
        int(r, "overhead.hashtable.slot-to-keys", 0);
    }
    int(r, "overhead.total", o.total as i64);
    int(r, "keys.count", o.keys as i64);
    int(r, "keys.bytes-per-key", o.net().checked_div(o.keys).unwrap_or(0) as i64);
    int(r, "dataset.bytes", o.dataset as i64);
    dbl(r, "dataset.percentage", o.dataset_perc());
    dbl(r, "peak.percentage", o.peak_perc());
    int(r, "allocator.allocated", o.alloc.allocated as i64);
    int(r, "allocator.active", o.alloc.active as i64);
    int(r, "allocator.resident", o.alloc.resident as i64);
    dbl(r, "allocator-fragmentation.ratio", frag);
    int(r, "allocator-fragmentation.bytes", frag_bytes);
    dbl(r, "allocator.rss-ratio", rss_ratio);
    int(r, "allocator.rss-bytes", rss_bytes);
    dbl(r, "rss-overhead.ratio", rss_over);
    int(r, "rss-overhead.bytes", rss_over_bytes);
    dbl(r, "fragmentation", mem_frag);
    int(r, "fragmentation.bytes", mem_frag_bytes);
}

/// MEMORY DOCTOR: the checks of Redis's memory doctor on our figures.
fn doctor(ctx: &mut Ctx, _argv: &[&[u8]]) {
    let o = Overhead::measure(ctx.srv, Some(ctx.client));
    let clients = ctx.srv.clients.len() as u64 + 1;
    let report = doctor_report(&o, clients);
    ctx.reply().verbatim(report.as_bytes());
}

fn doctor_report(o: &Overhead, clients: u64) -> String {
    const MB: u64 = 1024 * 1024;
    if o.used < 5 * MB {
        return "Hi Sam, this instance is empty or is using very little memory, my issues detector can't be used in these conditions. Please, leave for your mission on Earth and fill it with some data. The new Sam and I will be back to our programming as soon as I finished rebooting.".into();
    }
    let mut issues = Vec::new();
    if o.peak > 0 && (o.peak as f64 / o.used as f64) > 1.5 {
        issues.push(" * Peak memory: In the past this instance used more than 150% the memory that is currently using. The allocator is normally not able to release memory after a peak, so you can expect to see a big fragmentation ratio, however this is actually harmless and is only due to the memory peak, and if the Redis instance Resident Set Size (RSS) is currently bigger than expected, the memory will be used as soon as you fill the Redis instance with more data. If the memory peak was only occasional and you want to try to reclaim memory, please try the MEMORY PURGE command, otherwise the only other option is to shutdown and restart the instance.");
    }
    let (frag, frag_bytes) = o.frag();
    if frag > 1.1 && frag_bytes > 10 * MB as i64 {
        issues.push(" * High allocator fragmentation: This instance has an allocator external fragmentation greater than 1.1. This problem is usually due either to a large peak memory (check if there is a peak memory entry above in the report) or may result from a workload that causes the allocator to fragment memory a lot. You can try enabling 'activedefrag' config option.");
    }
    let (rss_ratio, rss_bytes) = o.rss_ratio();
    if rss_ratio > 1.1 && rss_bytes > 10 * MB as i64 {
        issues.push(" * High allocator RSS overhead: This instance has an RSS memory overhead is greater than 1.1 (this means that the Resident Set Size of the allocator is much larger than the sum what the allocator actually holds). This problem is usually due to a large peak memory (check if there is a peak memory entry above in the report), you can try the MEMORY PURGE command to reclaim it.");
    }
    let (over, over_bytes) = o.rss_overhead();
    if over > 1.1 && over_bytes > 10 * MB as i64 {
        issues.push(" * High process RSS overhead: This instance has non-allocator RSS memory overhead is greater than 1.1 (this means that the Resident Set Size of the Redis process is much larger than the RSS the allocator holds). This problem may be due to Lua scripts or Modules.");
    }
    if o.clients_normal / clients > 200 * 1024 {
        issues.push(" * Big client buffers: The clients output buffers are in general too big, on average more than 200 kilobytes per client are used. This is likely because some client is too slow to receive data in real time, or because commands returning big replies are issued. You may want to check the 'client-output-buffer-limit' configuration option and the MONITOR and CLIENT LIST commands.");
    }
    if issues.is_empty() {
        return "Hi Sam, I can't find any memory issue in your instance. I can only account for what occurs on this base.".into();
    }
    let mut s = String::from("Sam, I detected a few issues in this Redis instance memory implants:\n\n");
    for i in issues {
        s.push_str(i);
        s.push_str("\n\n");
    }
    s.push_str("I'm here to keep you safe, Sam. I want to help you.\n");
    s
}

/// MEMORY PURGE: returns the allocator's dirty pages to the system.
fn purge(ctx: &mut Ctx, _argv: &[&[u8]]) {
    if alloc::purge() {
        ctx.reply().ok();
    } else {
        ctx.reply().error("ERR Error purging dirty pages");
    }
}

/// MEMORY MALLOC-STATS: jemalloc's statistics report.
fn malloc_stats(ctx: &mut Ctx, _argv: &[&[u8]]) {
    let text = alloc::malloc_stats();
    ctx.reply().verbatim(text.as_bytes());
}

fn help(ctx: &mut Ctx, _argv: &[&[u8]]) {
    super::introspection::help_reply(
        ctx,
        "MEMORY",
        &[
            "DOCTOR",
            "    Return memory problems reports.",
            "STATS",
            "    Return information about the memory usage of the server.",
            "MALLOC-STATS",
            "    Return internal statistics report from the memory allocator.",
            "PURGE",
            "    Attempt to purge dirty pages for reclamation by the allocator.",
            "USAGE <key> [SAMPLES <count>]",
            "    Return memory in bytes used by <key> and its value. Nested values are",
            "    sampled up to <count> times (default: 5, 0 means sample all).",
        ],
    );
}
