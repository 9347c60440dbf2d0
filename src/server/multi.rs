//! Transactions: a client's MULTI state and its WATCHed keys.
//!
//! After MULTI, `Server::call` checks each command as usual (unknown command,
//! arity, auth, `no-multi`...) and then queues it instead of running it,
//! answering `+QUEUED`. A command refused at that point marks the transaction
//! aborted: EXEC then answers `EXECABORT` and runs nothing. EXEC runs the
//! queued commands one after the other through `Server::call` (so statistics,
//! MONITOR, slowlog and blocked-client signalling see each of them), with
//! blocking commands acting as their non-blocking forms. Clients blocked on a
//! key a transaction pushed to are served once EXEC is over, never halfway.
//!
//! WATCH registers keys in the keyspace's [`WatchIndex`](crate::store::WatchIndex);
//! any change to one of them (a write, an expiry, FLUSHDB/FLUSHALL, SWAPDB)
//! sets the client's dirty flag, and EXEC of a dirty client answers nil.

use crate::commands::{self, CmdId};
use crate::store::DirtyFlag;

use super::{Client, Server};

/// One queued command.
pub struct Queued {
    pub argv: Vec<Vec<u8>>,
}

/// A client's transaction state (MULTI ... EXEC) and the keys it watches.
#[derive(Default)]
pub struct Transaction {
    /// Between MULTI and EXEC/DISCARD (`x` in CLIENT LIST).
    pub active: bool,
    /// A command was refused while queueing: EXEC will abort.
    pub aborted: bool,
    /// EXEC is running the queued commands.
    pub executing: bool,
    pub queue: Vec<Queued>,
    /// Commands queued (kept while EXEC runs them, for CLIENT LIST).
    pub count: usize,
    /// Union of the flags of the queued commands (EXEC counts as a write
    /// for CLIENT PAUSE WRITE when one of them writes).
    pub flags: u32,
    /// Bytes held by the queued arguments.
    pub mem: usize,
    /// Bytes held for the watched keys (here and in the keyspace's index).
    pub watched_mem: usize,
    /// Watched keys, as (db, key).
    pub watched: Vec<(usize, Vec<u8>)>,
    /// Set when a watched key changes (`d` in CLIENT LIST).
    pub dirty: DirtyFlag,
}

impl Transaction {
    /// The `multi=` field of CLIENT LIST: queued commands, or -1 outside MULTI.
    pub fn multi_field(&self) -> i64 {
        if self.active {
            self.count as i64
        } else {
            -1
        }
    }

    /// CLIENT LIST `multi-mem`: the queue and the watched keys, as Redis
    /// counts them (also part of the client's memory for client eviction).
    pub fn memory(&self) -> usize {
        self.mem + self.watched_mem
    }

    /// Whether a command with these flags must wait while CLIENT PAUSE WRITE
    /// holds writes: EXEC does when the transaction writes.
    pub fn exec_writes(&self) -> bool {
        self.flags & (commands::WRITE | commands::MAY_REPLICATE) != 0
    }
}

/// Commands that run at once even inside MULTI instead of being queued.
pub fn runs_in_multi(name: &str) -> bool {
    matches!(name, "exec" | "discard" | "multi" | "watch" | "quit" | "reset")
}

impl Server {
    /// Queues a checked command of a client in MULTI and answers `+QUEUED`.
    pub(super) fn queue_command(&mut self, c: &mut Client, id: CmdId, argv: &[&[u8]]) {
        let tx = &mut c.tx;
        tx.flags |= self.commands.entries[id].spec.flags;
        tx.mem += argv.iter().map(|a| a.len()).sum::<usize>() + std::mem::size_of::<Queued>();
        tx.count += 1;
        tx.queue.push(Queued { argv: argv.iter().map(|a| a.to_vec()).collect() });
        c.reply.simple("QUEUED");
    }

    /// A command was refused: inside MULTI that aborts the transaction.
    pub(super) fn flag_transaction(&mut self, c: &mut Client) {
        if c.tx.active {
            c.tx.aborted = true;
        }
    }

    /// Forgets every key the client watches and clears its dirty flag.
    pub fn unwatch_all(&mut self, c: &mut Client) {
        for (db, key) in c.tx.watched.drain(..) {
            self.ks.watch.unwatch(db, &key, c.id);
        }
        c.tx.watched_mem = 0;
        c.tx.dirty.set(false);
    }

    /// Ends the client's transaction (EXEC done, DISCARD, RESET, EXECABORT):
    /// drops the queue and the watched keys.
    pub fn discard_transaction(&mut self, c: &mut Client) {
        let tx = &mut c.tx;
        tx.active = false;
        tx.aborted = false;
        tx.executing = false;
        tx.queue = Vec::new();
        tx.count = 0;
        tx.flags = 0;
        tx.mem = 0;
        self.unwatch_all(c);
    }

    /// WATCH one key for the client (no-op if it already watches it).
    pub fn watch_key(&mut self, c: &mut Client, key: &[u8]) {
        let db = c.db;
        let expired = self.ks.is_expired(db, key);
        if self.ks.watch.watch(db, key, c.id, &c.tx.dirty, expired) {
            // The key twice (the client's list and the index) and the entries.
            c.tx.watched_mem += 2 * key.len() + 64;
            c.tx.watched.push((db, key.to_vec()));
        }
    }

    /// At EXEC: true if a key that was live when watched has expired since
    /// (even if nothing deleted it yet).
    pub fn watched_key_expired(&self, c: &Client) -> bool {
        c.tx.watched
            .iter()
            .any(|(db, key)| self.ks.is_expired(*db, key) && !self.ks.watch.watched_expired(*db, key, c.id))
    }
}
