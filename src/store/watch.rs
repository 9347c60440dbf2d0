//! WATCH: which clients watch which keys, and marking them dirty.
//!
//! The index maps (db, key) to the clients watching it. Every change to a key
//! goes through [`Keyspace::key_modified`](super::Keyspace::key_modified),
//! which calls [`WatchIndex::touch`]; FLUSHDB, FLUSHALL and SWAPDB call
//! [`WatchIndex::touch_db`] before they replace a database's contents. A
//! touched watcher's client becomes dirty (its EXEC will answer nil).
//!
//! Each client owns its dirty flag (a shared cell, see [`DirtyFlag`]); the
//! index keeps a handle on it so marking a client needs no access to the
//! client table. The client keeps the list of what it watches to unwatch.
//!
//! Expiry (Redis 7.0 semantics): a key that is already logically expired when
//! it is watched is remembered as such. Deleting it later (lazily, actively,
//! by a flush) is then no change, since it was already gone for clients; a new
//! value appearing under its name is. A key that was live when watched and has
//! expired by EXEC time makes the transaction fail, deleted or not.

use std::cell::Cell;
use std::collections::HashMap;
use std::rc::Rc;

use super::Db;

/// A client's "a watched key changed" flag, shared by the client and the index.
pub type DirtyFlag = Rc<Cell<bool>>;

/// One client watching one key.
struct Watcher {
    client: u64,
    dirty: DirtyFlag,
    /// The key was logically expired when WATCH ran.
    expired: bool,
}

/// Every watched key, per database.
#[derive(Default)]
pub struct WatchIndex {
    dbs: Vec<HashMap<Vec<u8>, Vec<Watcher>>>,
    /// Number of (client, key) pairs: lets the hot path skip everything when 0.
    watchers: usize,
}

impl WatchIndex {
    /// True when nobody watches anything.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.watchers == 0
    }

    /// Starts watching `key` of `db` for `client`; false if it already did.
    /// `expired` says the key is logically expired right now.
    pub fn watch(&mut self, db: usize, key: &[u8], client: u64, dirty: &DirtyFlag, expired: bool) -> bool {
        if self.dbs.len() <= db {
            self.dbs.resize_with(db + 1, HashMap::new);
        }
        let list = self.dbs[db].entry(key.to_vec()).or_default();
        if list.iter().any(|w| w.client == client) {
            return false;
        }
        list.push(Watcher { client, dirty: dirty.clone(), expired });
        self.watchers += 1;
        true
    }

    /// Stops `client` watching `key` of `db`.
    pub fn unwatch(&mut self, db: usize, key: &[u8], client: u64) {
        let Some(m) = self.dbs.get_mut(db) else { return };
        let Some(list) = m.get_mut(key) else { return };
        let before = list.len();
        list.retain(|w| w.client != client);
        self.watchers -= before - list.len();
        if list.is_empty() {
            m.remove(key);
        }
    }

    /// Whether `client` watched `key` of `db` while it was already expired.
    pub fn watched_expired(&self, db: usize, key: &[u8], client: u64) -> bool {
        self.dbs.get(db).and_then(|m| m.get(key)).is_some_and(|l| l.iter().any(|w| w.client == client && w.expired))
    }

    /// `key` of `db` changed. `exists` says whether it exists after the
    /// change (a stale key being deleted is no change for its watchers).
    pub fn touch(&mut self, db: usize, key: &[u8], exists: impl FnOnce() -> bool) {
        let Some(list) = self.dbs.get_mut(db).and_then(|m| m.get_mut(key)) else { return };
        let present = list.iter().any(|w| w.expired) && exists();
        for w in list.iter_mut() {
            if w.expired && !present {
                w.expired = false;
                continue;
            }
            w.dirty.set(true);
        }
    }

    /// The contents of database `db` (`emptied`) are about to be replaced by
    /// those of `replaced_with` (SWAPDB), or by nothing (FLUSHDB, FLUSHALL).
    /// Marks the watchers of every key whose existence or value changes.
    /// `now_ms` decides what counts as expired.
    pub fn touch_db(&mut self, db: usize, emptied: &Db, replaced_with: Option<&Db>, now_ms: i64) {
        let Some(m) = self.dbs.get_mut(db) else { return };
        let stale = |d: &Db, key: &[u8]| d.expires.get(key).is_some_and(|&t| t < now_ms);
        for (key, list) in m.iter_mut() {
            let in_emptied = emptied.dict.get(key).is_some();
            let in_new = replaced_with.is_some_and(|d| d.dict.get(key).is_some());
            if !in_emptied && !in_new {
                continue;
            }
            let new_stale = in_new && replaced_with.is_some_and(|d| stale(d, key));
            for w in list.iter_mut() {
                if w.expired {
                    if !in_new {
                        // The stale key is gone: no visible change.
                        w.expired = false;
                        continue;
                    }
                    if new_stale {
                        // Still a stale key under this name.
                        continue;
                    }
                } else if !in_emptied && new_stale {
                    // Nothing became a stale key: still nothing, but remember it.
                    w.expired = true;
                    continue;
                }
                w.dirty.set(true);
            }
        }
    }
}
