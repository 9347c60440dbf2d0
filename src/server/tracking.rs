//! Client-side caching (CLIENT TRACKING): which clients may have cached which
//! keys, and the invalidation messages they get when those keys change.
//!
//! Two modes, as in Redis 7.0:
//!
//! * Default mode: after a read-only command of a tracking client, the keys
//!   it read are remembered in the tracking table (key name -> client ids;
//!   the name only, whatever the database). The first change to such a key
//!   sends each remembered client one invalidation and forgets the key.
//! * BCAST mode: the client subscribes to key prefixes (the empty prefix is
//!   every key); every change to a matching key is collected per prefix and
//!   sent once per event loop iteration, all keys of a prefix in one message.
//!
//! Changes reach here through the keyspace: `Keyspace::key_modified` (and
//! FLUSHDB/FLUSHALL) log them while tracking is in use, and the server
//! drains the log at fixed points ([`Server::tracking_drain`]): right before
//! a command's handler runs (evictions done for it are announced before its
//! reply), after the command (its own changes come after its reply, as
//! Redis's pending invalidations do), after a blocked client is served, and
//! before the loop sleeps (active expiry).
//!
//! A message goes to the tracking client itself as a RESP3 push
//! (`>2 invalidate [keys]`), or to its REDIRECT client: as a push if that
//! one speaks RESP3, as a Pub/Sub `message` on `__redis__:invalidate` if it
//! speaks RESP2 and is subscribed. A redirect client that disconnected makes
//! the tracking client's redirection broken (`tracking-redir-broken` push).

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use mio::Token;

use super::{Client, Server};
use crate::commands::{self, CmdId};
use crate::config::D;

/// The channel RESP2 redirect clients receive invalidations on.
pub const INVALIDATE_CHANNEL: &[u8] = b"__redis__:invalidate";

pub use crate::store::TrackingChange as Change;

/// A client's tracking settings (CLIENT TRACKING / CACHING).
#[derive(Debug, Default, Clone)]
pub struct ClientTracking {
    pub on: bool,
    /// Client id invalidations go to; 0 = the client itself.
    pub redirect: u64,
    pub bcast: bool,
    pub optin: bool,
    pub optout: bool,
    pub noloop: bool,
    /// The redirect client went away (`R` in CLIENT LIST).
    pub broken_redirect: bool,
    /// CLIENT CACHING yes/no, for the next command only.
    pub caching: Option<bool>,
    /// BCAST prefixes, in order.
    pub prefixes: BTreeSet<Vec<u8>>,
    /// Bytes the prefixes take (client eviction counts them).
    pub prefix_mem: usize,
}

/// Keys changed under a BCAST prefix since the last broadcast, with the
/// client that changed each one (for NOLOOP).
#[derive(Default)]
struct Prefix {
    clients: HashSet<u64>,
    pending: BTreeMap<Vec<u8>, Option<u64>>,
}

/// The server's tracking state.
#[derive(Default)]
pub struct Tracking {
    /// Key name -> ids of the clients that may have it cached.
    table: HashMap<Vec<u8>, HashSet<u64>>,
    /// Client ids summed over the table (INFO `tracking_total_items`).
    items: usize,
    prefixes: BTreeMap<Vec<u8>, Prefix>,
    /// Clients with tracking on (INFO `tracking_clients`).
    clients: usize,
    /// Rounds that ended still over `tracking-table-max-keys`: each one
    /// makes the next eviction round try harder.
    over_limit_rounds: u32,
    /// A command run by a script read something: the script's declared
    /// keys are remembered for its caller.
    pub script_read: bool,
    /// Messages for clients that were busy (taken out) when they were due.
    deferred: Vec<(u64, Option<Vec<u8>>)>,
}

impl Tracking {
    /// INFO: tracking clients, keys, items, prefixes.
    pub fn info(&self) -> (usize, usize, usize, usize) {
        (self.clients, self.table.len(), self.items, self.prefixes.len())
    }

    /// Whether writes must be logged for tracking.
    fn in_use(&self) -> bool {
        self.clients > 0 || !self.table.is_empty()
    }
}

/// CLIENT TRACKING options, parsed.
pub struct TrackingOptions {
    pub on: bool,
    pub redirect: u64,
    pub bcast: bool,
    pub optin: bool,
    pub optout: bool,
    pub noloop: bool,
    pub prefixes: Vec<Vec<u8>>,
}

/// True if one string is a prefix of the other (overlapping BCAST prefixes).
fn overlaps(a: &[u8], b: &[u8]) -> bool {
    let n = a.len().min(b.len());
    a[..n] == b[..n]
}

impl Server {
    /// The token of the connected client with this id, even one taken out
    /// of the table to run a command.
    pub fn client_token(&self, id: u64) -> Option<Token> {
        self.clients.token_by_id(id)
    }

    /// Keeps the keyspace's "log writes for tracking" switch in step.
    fn tracking_sync(&mut self) {
        self.ks.track_writes = self.tracking.in_use();
    }

    /// CLIENT TRACKING: checks the options against the client's state and
    /// applies them, or returns Redis's error.
    pub fn tracking_configure(&mut self, c: &mut Client, o: TrackingOptions) -> Result<(), String> {
        if !o.on {
            self.tracking_disable(c);
            return Ok(());
        }
        if !o.prefixes.is_empty() && !o.bcast {
            return Err("ERR PREFIX option requires BCAST mode to be enabled".into());
        }
        if c.tracking.on && c.tracking.bcast != o.bcast {
            return Err("ERR You can't switch BCAST mode on/off before disabling tracking for this client, and then re-enabling it with a different mode.".into());
        }
        if o.bcast && (o.optin || o.optout) {
            return Err("ERR OPTIN and OPTOUT are not compatible with BCAST".into());
        }
        if o.optin && o.optout {
            return Err("ERR You can't specify both OPTIN mode and OPTOUT mode".into());
        }
        if (o.optin && c.tracking.optout) || (o.optout && c.tracking.optin) {
            return Err("ERR You can't switch OPTIN/OPTOUT mode before disabling tracking for this client, and then re-enabling it with a different mode.".into());
        }
        // Prefixes must not overlap the client's other ones, new or old.
        for (i, p) in o.prefixes.iter().enumerate() {
            if let Some(old) = c.tracking.prefixes.iter().find(|old| overlaps(old, p)) {
                return Err(format!(
                    "ERR Prefix '{}' overlaps with an existing prefix '{}'. Prefixes for a single client must not overlap.",
                    String::from_utf8_lossy(p),
                    String::from_utf8_lossy(old)
                ));
            }
            if let Some(other) = o.prefixes[i + 1..].iter().find(|q| overlaps(q, p)) {
                return Err(format!(
                    "ERR Prefix '{}' overlaps with another provided prefix '{}'. Prefixes for a single client must not overlap.",
                    String::from_utf8_lossy(p),
                    String::from_utf8_lossy(other)
                ));
            }
        }
        let t = &mut c.tracking;
        if !t.on {
            self.tracking.clients += 1;
        }
        t.on = true;
        t.bcast = o.bcast;
        t.optin = o.optin;
        t.optout = o.optout;
        t.noloop = o.noloop;
        t.redirect = o.redirect;
        t.broken_redirect = false;
        if o.bcast {
            let mut prefixes = o.prefixes;
            // BCAST without a prefix: every key (the empty prefix).
            if prefixes.is_empty() {
                prefixes.push(Vec::new());
            }
            for p in prefixes {
                self.tracking.prefixes.entry(p.clone()).or_default().clients.insert(c.id);
                t.prefix_mem += p.len() + 64;
                t.prefixes.insert(p);
            }
        }
        self.tracking_sync();
        Ok(())
    }

    /// CLIENT TRACKING off, RESET, disconnection. Keys it read stay in the
    /// table (Redis does not clean up by id either): they are dropped when
    /// they change.
    pub fn tracking_disable(&mut self, c: &mut Client) {
        if !c.tracking.on {
            return;
        }
        for p in std::mem::take(&mut c.tracking.prefixes) {
            if let Some(pf) = self.tracking.prefixes.get_mut(&p) {
                pf.clients.remove(&c.id);
                if pf.clients.is_empty() {
                    self.tracking.prefixes.remove(&p);
                }
            }
        }
        c.tracking = ClientTracking::default();
        self.tracking.clients -= 1;
        self.tracking_sync();
    }

    /// After command `id` of `c` ran: a tracking client (default mode)
    /// remembers the keys a read-only command read, or the keys an EVAL or
    /// FCALL declared if its script read something. Then CLIENT CACHING's
    /// one-command setting expires.
    pub(super) fn tracking_after_command(&mut self, c: &mut Client, id: CmdId, argv: &[&[u8]], script_read: bool) {
        // The common case: nothing to do (CLIENT CACHING needs tracking on).
        if !c.tracking.on {
            return;
        }
        let e = &self.commands.entries[id];
        let name = e.fullname.as_str();
        let keeps_caching = c.tx.active || name.starts_with("client|");
        if !c.tracking.bcast {
            let script_ro = matches!(name, "eval_ro" | "evalsha_ro" | "fcall_ro");
            let read = (e.spec.flags & commands::READONLY != 0 && !script_ro) || script_read;
            let wanted = match (c.tracking.optin, c.tracking.optout, c.tracking.caching) {
                (true, _, Some(true)) => true,
                (true, _, _) => false,
                (_, true, Some(false)) => false,
                _ => true,
            };
            if read && wanted {
                for p in self.commands.key_positions(id, argv) {
                    if self.tracking.table.entry(argv[p].to_vec()).or_default().insert(c.id) {
                        self.tracking.items += 1;
                    }
                }
                self.tracking_sync();
            }
        }
        if !keeps_caching {
            c.tracking.caching = None;
        }
    }

    /// Sends what the keyspace logged since the last drain. `current` is
    /// the client whose command is running (NOLOOP compares with it), if
    /// any; messages for it are written now, so a drain after its command
    /// puts them after its reply.
    pub fn tracking_drain(&mut self, mut current: Option<&mut Client>) {
        if self.ks.tracking_events.is_empty() {
            return;
        }
        let origin = current.as_ref().map(|c| c.id);
        for ev in std::mem::take(&mut self.ks.tracking_events) {
            match ev {
                Change::Key(k) => self.invalidate_key(&k, &mut current, origin),
                Change::Expired(k) => self.invalidate_key(&k, &mut current, None),
                Change::Flush => self.invalidate_all(&mut current),
            }
        }
        self.tracking_sync();
    }

    /// One changed key: collected for BCAST prefixes (`bcast_origin`
    /// changed it), sent to the clients that read it (except `current`
    /// itself if it asked for NOLOOP), and forgotten.
    fn invalidate_key(&mut self, key: &[u8], current: &mut Option<&mut Client>, bcast_origin: Option<u64>) {
        if !self.tracking.prefixes.is_empty() {
            for (p, pf) in self.tracking.prefixes.iter_mut() {
                if key.starts_with(p) {
                    pf.pending.entry(key.to_vec()).or_insert(bcast_origin);
                }
            }
        }
        let Some(ids) = self.tracking.table.remove(key) else { return };
        self.tracking.items -= ids.len();
        for id in ids {
            self.send_to_tracker(id, Some(key), current, true);
        }
    }

    /// Sends one invalidation (`key`, or all keys when None) to tracking
    /// client `id`, if it still tracks in default mode (`default_mode`) and
    /// is not `current` with NOLOOP.
    fn send_to_tracker(&mut self, id: u64, key: Option<&[u8]>, current: &mut Option<&mut Client>, default_mode: bool) {
        if let Some(c) = current.as_deref_mut().filter(|c| c.id == id) {
            if !c.tracking.on || (default_mode && (c.tracking.bcast || c.tracking.noloop)) {
                return;
            }
            let (redirect, resp3) = (c.tracking.redirect, c.reply.resp3);
            self.deliver_invalidation(id, redirect, resp3, key.map(|k| vec![k.to_vec()]), current);
            return;
        }
        let Some(t) = self.client_token(id) else { return };
        let Some(c) = self.clients.get(t) else {
            // Taken out (a script's caller while another client is served).
            self.tracking.deferred.push((id, key.map(|k| k.to_vec())));
            return;
        };
        if !c.tracking.on || (default_mode && c.tracking.bcast) {
            return;
        }
        let (redirect, resp3) = (c.tracking.redirect, c.reply.resp3);
        self.deliver_invalidation(id, redirect, resp3, key.map(|k| vec![k.to_vec()]), current);
    }

    /// Writes one invalidation message for tracking client `id` (which
    /// speaks RESP3 if `resp3`): to its redirect client if it has one,
    /// otherwise to itself. `keys` None means "everything" (a flush).
    pub fn deliver_invalidation(
        &mut self,
        id: u64,
        redirect: u64,
        resp3: bool,
        keys: Option<Vec<Vec<u8>>>,
        current: &mut Option<&mut Client>,
    ) {
        let target_id = if redirect != 0 { redirect } else { id };
        let target = match current.as_deref_mut() {
            Some(c) if c.id == target_id => Some(None),
            _ => self.client_token(target_id).map(Some),
        };
        let Some(target) = target else {
            // The redirect client is gone: the tracking client learns it.
            self.with_client(id, current, |c| {
                c.tracking.broken_redirect = true;
                if c.reply.resp3 {
                    c.reply.push_len(2);
                    c.reply.bulk(b"tracking-redir-broken");
                    c.reply.int(redirect as i64);
                }
            });
            return;
        };
        let write = |c: &mut Client| {
            let r = &mut c.reply;
            if r.resp3 {
                r.push_len(2);
                r.bulk(b"invalidate");
            } else if redirect != 0 && c.pubsub.active() {
                r.array_len(3);
                r.bulk(b"message");
                r.bulk(INVALIDATE_CHANNEL);
            } else {
                // RESP2 without a subscribed redirect client: no way to say it.
                return;
            }
            match &keys {
                Some(keys) => {
                    r.array_len(keys.len());
                    for k in keys {
                        r.bulk(k);
                    }
                }
                // The null of the tracking client's protocol, as Redis sends it.
                None if resp3 => r.encoded(b"_\r\n"),
                None => r.encoded(b"$-1\r\n"),
            }
        };
        match target {
            None => {
                if let Some(c) = current.as_deref_mut() {
                    write(c);
                }
            }
            Some(t) => match self.clients.get_mut(t) {
                Some(c) => {
                    write(c);
                    self.schedule_write(t);
                }
                None => self.tracking.deferred.push((id, keys.and_then(|k| k.into_iter().next()))),
            },
        }
    }

    /// Runs `f` on client `id`, whether it is `current` or in the table.
    fn with_client(&mut self, id: u64, current: &mut Option<&mut Client>, f: impl FnOnce(&mut Client)) {
        if let Some(c) = current.as_deref_mut().filter(|c| c.id == id) {
            f(c);
            return;
        }
        if let Some(t) = self.client_token(id) {
            if let Some(c) = self.clients.get_mut(t) {
                f(c);
                self.schedule_write(t);
            }
        }
    }

    /// FLUSHDB/FLUSHALL: every tracking client (any mode) is told to drop
    /// everything, and the table is emptied.
    fn invalidate_all(&mut self, current: &mut Option<&mut Client>) {
        let mut ids: Vec<u64> = self.clients.iter().filter(|c| c.tracking.on).map(|c| c.id).collect();
        if let Some(c) = current.as_deref() {
            if c.tracking.on && !ids.contains(&c.id) {
                ids.push(c.id);
            }
        }
        for id in ids {
            self.send_to_tracker(id, None, current, false);
        }
        self.tracking.table.clear();
        self.tracking.items = 0;
        for pf in self.tracking.prefixes.values_mut() {
            pf.pending.clear();
        }
    }

    /// Before the loop sleeps: sends the keys collected for each BCAST
    /// prefix (one message per prefix and client) and what was deferred.
    pub(super) fn tracking_before_sleep(&mut self) {
        self.tracking_drain(None);
        for (id, key) in std::mem::take(&mut self.tracking.deferred) {
            self.send_to_tracker(id, key.as_deref(), &mut None, key.is_some());
        }
        if self.tracking.prefixes.values().all(|p| p.pending.is_empty()) {
            return;
        }
        let mut batches = Vec::new();
        for pf in self.tracking.prefixes.values_mut() {
            if pf.pending.is_empty() {
                continue;
            }
            let pending = std::mem::take(&mut pf.pending);
            batches.push((pf.clients.iter().copied().collect::<Vec<u64>>(), pending));
        }
        for (clients, pending) in batches {
            for id in clients {
                let Some(t) = self.client_token(id) else { continue };
                let Some(c) = self.clients.get(t) else { continue };
                let (redirect, resp3, noloop) = (c.tracking.redirect, c.reply.resp3, c.tracking.noloop);
                let keys: Vec<Vec<u8>> = pending
                    .iter()
                    .filter(|(_, origin)| !(noloop && **origin == Some(id)))
                    .map(|(k, _)| k.clone())
                    .collect();
                if !keys.is_empty() {
                    self.deliver_invalidation(id, redirect, resp3, Some(keys), &mut None);
                }
            }
        }
    }

    /// `tracking-table-max-keys`: while the table holds more keys, forget
    /// some (invalidating them as if they changed), trying harder each
    /// round that could not get under the limit. `current` as for
    /// [`Server::tracking_drain`].
    pub fn tracking_limit_keys(&mut self, mut current: Option<&mut Client>) {
        let max = self.config.int(D::TrackingTableMaxKeys).max(0) as usize;
        if max == 0 || self.tracking.table.len() <= max {
            self.tracking.over_limit_rounds = 0;
            return;
        }
        let effort = 100 * (self.tracking.over_limit_rounds as usize + 1);
        let victims: Vec<Vec<u8>> = self.tracking.table.keys().take(effort).cloned().collect();
        for key in victims {
            if let Some(ids) = self.tracking.table.remove(&key) {
                self.tracking.items -= ids.len();
                for id in ids {
                    self.send_to_tracker(id, Some(&key), &mut current, true);
                }
            }
            if self.tracking.table.len() <= max {
                self.tracking.over_limit_rounds = 0;
                self.tracking_sync();
                return;
            }
        }
        self.tracking.over_limit_rounds += 1;
        self.tracking_sync();
    }
}
