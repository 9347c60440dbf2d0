//! Freeing big values without stalling clients (Redis's "lazy free").
//!
//! Dropping a set of ten million members walks and frees ten million
//! allocations: seconds during which the one server thread would answer no
//! one. Instead, the keyspace unlinks the value (O(1)) and hands it to one
//! helper thread, which drops it. Only values whose freeing costs more than
//! [`LAZYFREE_THRESHOLD`] allocations go there (Redis's rule): a small value is
//! cheaper to free in place than to send.
//!
//! The hand-off is a bounded channel. If the helper falls that far behind,
//! the value is freed in place: memory use stays bounded, at the cost of the
//! stall we wanted to avoid, which only a pathological delete rate reaches.
//!
//! Data moved to the helper is owned by it alone (no shared state besides two
//! counters), so the "one thread owns all data" rule holds: what the helper
//! holds is no longer in the keyspace.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{sync_channel, SyncSender, TrySendError};
use std::sync::OnceLock;

use super::value::{Obj, Value};
use super::Db;

/// Values whose freeing effort exceeds this go to the helper thread.
pub const LAZYFREE_THRESHOLD: usize = 64;
/// Jobs that may wait for the helper before frees happen in place again.
/// The channel allocates its slots up front (48 bytes each).
const QUEUE_CAPACITY: usize = 1024;

/// Objects (keys, for a database) handed over and not yet freed
/// (INFO `lazyfree_pending_objects`).
static PENDING: AtomicU64 = AtomicU64::new(0);
/// Objects freed by the helper since the last CONFIG RESETSTAT
/// (INFO `lazyfreed_objects`).
static FREED: AtomicU64 = AtomicU64::new(0);

/// What the helper thread frees, and how many objects that counts for.
enum Job {
    Obj(Obj),
    Db(Box<Db>),
    /// An emptied hash table bucket array (see [`free_buckets`]).
    Buckets(Vec<usize>),
}

fn sender() -> Option<&'static SyncSender<(Job, u64)>> {
    static TX: OnceLock<Option<SyncSender<(Job, u64)>>> = OnceLock::new();
    TX.get_or_init(|| {
        let (tx, rx) = sync_channel::<(Job, u64)>(QUEUE_CAPACITY);
        let spawned = std::thread::Builder::new().name("lazyfree".into()).spawn(move || {
            while let Ok((job, n)) = rx.recv() {
                match job {
                    Job::Obj(o) => drop(o),
                    Job::Db(d) => drop(d),
                    Job::Buckets(b) => drop(b),
                }
                crate::alloc::report_helper_thread();
                FREED.fetch_add(n, Ordering::Relaxed);
                PENDING.fetch_sub(n, Ordering::Relaxed);
            }
        });
        spawned.ok().map(|_| tx)
    })
    .as_ref()
}

/// Starts the helper thread now (at server start, so its channel counts in
/// `used_memory_startup` rather than in the first UNLINK).
pub fn start() {
    let _ = sender();
}

fn send(job: Job, n: u64) {
    let Some(tx) = sender() else { return drop(job) };
    PENDING.fetch_add(n, Ordering::Relaxed);
    match tx.try_send((job, n)) {
        Ok(()) => {}
        Err(TrySendError::Full((job, _)) | TrySendError::Disconnected((job, _))) => {
            PENDING.fetch_sub(n, Ordering::Relaxed);
            drop(job);
        }
    }
}

/// How many allocations freeing `v` takes, roughly (Redis's `lazyfreeGetFreeEffort`).
pub fn free_effort(v: &Value) -> usize {
    match v {
        Value::Str(_) => 1,
        Value::List(l) => l.node_count(),
        Value::Hash(h) if h.encoding() == "hashtable" => h.len(),
        Value::Set(s) if s.encoding() == "hashtable" && !s.is_array() => s.len(),
        Value::ZSet(z) if z.encoding() == "skiplist" => z.len(),
        _ => 1,
    }
}

/// Frees a value removed from the keyspace: on the helper thread if `lazy` and
/// it is big, here otherwise.
pub fn free_obj(obj: Obj, lazy: bool) {
    if lazy && free_effort(&obj.value) > LAZYFREE_THRESHOLD {
        send(Job::Obj(obj), 1);
    }
}

/// Frees a whole database (FLUSHDB/FLUSHALL ASYNC): on the helper thread if
/// `lazy`, here otherwise.
pub fn free_db(db: Db, lazy: bool) {
    let n = db.dict.len() as u64;
    if lazy && n > 0 {
        send(Job::Db(Box::new(db)), n);
    }
}

/// Frees the bucket array a big dict left behind when its rehash finished,
/// on the helper thread. jemalloc hands a block this big (megabytes) back to
/// the kernel as soon as it is freed, in the freeing thread: for the 64 MB
/// array of a table that grew past 8M keys that is a 3 to 5 ms stall, which
/// the server thread should not take. Not counted as a lazyfree object.
pub fn free_buckets(buckets: Vec<usize>) {
    send(Job::Buckets(buckets), 0);
}

/// INFO `lazyfree_pending_objects`.
pub fn pending_objects() -> u64 {
    PENDING.load(Ordering::Relaxed)
}

/// INFO `lazyfreed_objects`.
pub fn freed_objects() -> u64 {
    FREED.load(Ordering::Relaxed)
}

/// CONFIG RESETSTAT.
pub fn reset_stats() {
    FREED.store(0, Ordering::Relaxed);
}
