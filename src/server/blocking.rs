//! Blocking operations (BLPOP, BLMOVE, BLMPOP, BZPOPMIN, ...): clients that
//! wait for a key to receive data.
//!
//! How it works:
//!
//! * A blocking handler that finds nothing to pop calls [`block`]. The client
//!   is queued, in arrival order, on every key it waits for (per database),
//!   its deadline goes into an ordered timer set, and `Client::blocked` stops
//!   the server from running the rest of its input. A blocked client costs no
//!   CPU: nothing looks at it until a key it waits on is written, its deadline
//!   passes, it disconnects, or CLIENT UNBLOCK names it.
//! * A write to a key that has waiters marks the key ready
//!   ([`Server::signal_key_ready`]; list pushes call it, and after every write
//!   command `Server::call` marks the command's keys, which covers the other
//!   types, RENAME, SORT STORE...). Ready keys are served after the command
//!   that wrote them finishes, never in the middle of it.
//! * Serving re-runs the blocked command for each waiter of a ready key, first
//!   come first served, while the key exists. If the re-run finds data it
//!   replies and the client is unblocked; if not (another waiter took the
//!   data, or the key now holds another type) the client stays blocked, in the
//!   same place in every queue.
//! * An unblocked client resumes the input it received meanwhile at the next
//!   loop iteration.

use std::collections::{BTreeSet, HashMap, HashSet, VecDeque};

use mio::Token;

use super::{Conn, Server};
use crate::commands::{CmdId, Ctx, Handler};
use crate::errors;

/// A blocked client's command, kept to be re-run when a key it waits on is ready.
struct Waiter {
    handler: Handler,
    argv: Vec<Vec<u8>>,
    db: usize,
    keys: Vec<Vec<u8>>,
    /// Unix ms; `None` waits forever.
    deadline: Option<i64>,
}

/// Every blocked client and the keys they wait for.
#[derive(Default)]
pub struct Blocking {
    /// Per database, per key: the waiting clients in arrival order.
    queues: HashMap<usize, HashMap<Vec<u8>, VecDeque<Token>>>,
    waiters: HashMap<Token, Waiter>,
    timers: BTreeSet<(i64, Token)>,
    /// Keys written since the last serve, in order, and as a set to dedupe.
    ready: VecDeque<(usize, Vec<u8>)>,
    ready_set: HashSet<(usize, Vec<u8>)>,
    /// The blocked client whose command is being re-run right now.
    rerunning: Option<Token>,
    /// Set by `block` during a re-run: the client found nothing and keeps waiting.
    still_blocked: bool,
    /// The ready key the re-run client is being served from.
    serving_key: Option<Vec<u8>>,
    /// Clients unblocked since the loop last looked, whose input must resume.
    resume: Vec<Token>,
}

impl Blocking {
    /// Number of blocked clients (INFO `blocked_clients`).
    pub fn count(&self) -> usize {
        self.waiters.len()
    }

    /// Blocked clients with a deadline (INFO `clients_in_timeout_table`).
    pub fn timed_count(&self) -> usize {
        self.timers.len()
    }

    pub fn is_blocked(&self, t: Token) -> bool {
        self.waiters.contains_key(&t)
    }

    /// True if some client waits on `key` of `db`.
    pub fn has_waiters(&self, db: usize, key: &[u8]) -> bool {
        self.queues.get(&db).is_some_and(|m| m.contains_key(key))
    }

    /// Forgets a client: its place in every queue and its deadline.
    fn remove(&mut self, t: Token) -> Option<Waiter> {
        let w = self.waiters.remove(&t)?;
        if let Some(m) = self.queues.get_mut(&w.db) {
            for k in &w.keys {
                if let Some(q) = m.get_mut(k.as_slice()) {
                    q.retain(|x| *x != t);
                    if q.is_empty() {
                        m.remove(k.as_slice());
                    }
                }
            }
            if m.is_empty() {
                self.queues.remove(&w.db);
            }
        }
        if let Some(d) = w.deadline {
            self.timers.remove(&(d, t));
        }
        Some(w)
    }
}

/// Parses a blocking timeout in seconds (fractions allowed; 0 = forever) into
/// a Unix-ms deadline, with Redis's errors. Like Redis, a value too large to
/// be held in milliseconds reads as negative.
pub fn parse_timeout(arg: &[u8], now_ms: i64) -> Result<Option<i64>, &'static str> {
    let secs = crate::util::parse_f64(arg).filter(|f| !f.is_nan()).ok_or(errors::TIMEOUT_NOT_FLOAT)?;
    let ms = (secs * 1000.0).ceil();
    let fits = ms < 9.223_372_036_854_775e18;
    if !fits || ms < 0.0 {
        return Err(errors::TIMEOUT_NEG);
    }
    let ms = ms as i64;
    Ok(if ms == 0 { None } else { Some(now_ms.saturating_add(ms)) })
}

/// True while the running command is a blocked client's command being re-run
/// because a key it waits on was written. Handlers then treat keys of another
/// type as empty instead of failing (Redis ignores them for waiters).
pub fn rerunning(ctx: &Ctx) -> bool {
    ctx.srv.blocking.rerunning == Some(ctx.client.token)
}

/// The keys a blocking handler should try, in order: all of `keys`, except
/// when a waiter is served because one of them became ready; then only that
/// key, as Redis 7.0 serves a waiter from the key that woke it (not from an
/// earlier key of its list that became non-empty meanwhile).
pub fn keys_to_try<'a>(ctx: &Ctx, keys: &[&'a [u8]]) -> Vec<&'a [u8]> {
    if rerunning(ctx) {
        if let Some(k) = &ctx.srv.blocking.serving_key {
            if let Some(found) = keys.iter().find(|x| **x == k.as_slice()) {
                return vec![*found];
            }
        }
    }
    keys.to_vec()
}

/// True if the running command may not block: inside EXEC (or for a client
/// without a connection). Blocking commands then act as their non-blocking
/// forms and answer as if they timed out at once.
pub fn cannot_block(ctx: &Ctx) -> bool {
    ctx.client.tx.executing || matches!(ctx.client.conn, Conn::None)
}

/// Blocks the calling client until one of `keys` can serve it, its deadline
/// passes, or CLIENT UNBLOCK. `handler` and `argv` are re-run to serve it.
/// A client that cannot block ([`cannot_block`]) gets the timeout reply at
/// once.
pub fn block(ctx: &mut Ctx, handler: Handler, argv: &[&[u8]], keys: &[&[u8]], deadline: Option<i64>) {
    let t = ctx.client.token;
    let deny = cannot_block(ctx);
    let b = &mut ctx.srv.blocking;
    if b.rerunning == Some(t) {
        b.still_blocked = true;
        return;
    }
    if deny {
        return ctx.client.reply.null_array();
    }
    let db = ctx.client.db;
    let mut uniq: Vec<Vec<u8>> = Vec::with_capacity(keys.len());
    for k in keys {
        if !uniq.iter().any(|u| u.as_slice() == *k) {
            uniq.push(k.to_vec());
        }
    }
    let m = b.queues.entry(db).or_default();
    for k in &uniq {
        m.entry(k.clone()).or_default().push_back(t);
    }
    if let Some(d) = deadline {
        b.timers.insert((d, t));
    }
    let argv = argv.iter().map(|a| a.to_vec()).collect();
    b.waiters.insert(t, Waiter { handler, argv, db, keys: uniq, deadline });
    ctx.client.blocked = true;
}

impl Server {
    /// Notes that `key` of `db` was written: if clients wait on it, it will be
    /// served after the current command.
    pub fn signal_key_ready(&mut self, db: usize, key: &[u8]) {
        let b = &mut self.blocking;
        if !b.has_waiters(db, key) {
            return;
        }
        let k = (db, key.to_vec());
        if b.ready_set.insert(k.clone()) {
            b.ready.push_back(k);
        }
    }

    /// Called by `call` after each command (inner ones of a transaction or
    /// script too): marks the keys a write command touched. Serving waits
    /// until the top-level command is done (`process_input` calls
    /// [`Server::serve_ready_keys`]), so a transaction is seen whole.
    pub(super) fn signal_command_keys(&mut self, db: usize, id: CmdId, argv: &[&[u8]]) {
        if self.blocking.waiters.is_empty() {
            return;
        }
        let spec = self.commands.entries[id].spec;
        if spec.flags & crate::commands::WRITE == 0 {
            return;
        }
        let positions = self.commands.key_positions(id, argv);
        if positions.is_empty() && spec.flags & crate::commands::MOVABLE_KEYS == 0 {
            // SWAPDB, FLUSHALL...: any waited key may have changed.
            let all: Vec<(usize, Vec<u8>)> =
                self.blocking.queues.iter().flat_map(|(d, m)| m.keys().map(move |k| (*d, k.clone()))).collect();
            for (d, k) in all {
                self.signal_key_ready(d, &k);
            }
            return;
        }
        for p in positions {
            self.signal_key_ready(db, argv[p]);
        }
        // MOVE key db: the key appears in the other database.
        if spec.name == "move" {
            if let Some(Ok(to)) = argv.get(2).map(|a| crate::commands::args::int(a)) {
                if let Ok(to) = usize::try_from(to) {
                    self.signal_key_ready(to, argv[1]);
                }
            }
        }
    }

    /// Serves the waiters of every ready key, in FIFO order per key, while
    /// the key exists. Keys made ready while serving (BLMOVE pushing to a list
    /// others wait on) are served in the same pass.
    pub fn serve_ready_keys(&mut self) {
        // Not while a script runs (other clients may be served meanwhile):
        // its writes are seen whole, after it.
        if self.blocking.ready.is_empty() || self.scripting.is_running() {
            return;
        }
        while let Some((db, key)) = self.blocking.ready.pop_front() {
            self.blocking.ready_set.remove(&(db, key.clone()));
            let waiting: Vec<Token> = match self.blocking.queues.get(&db).and_then(|m| m.get(key.as_slice())) {
                Some(q) => q.iter().copied().collect(),
                None => continue,
            };
            for t in waiting {
                if !self.ks.exists(db, &key) {
                    break;
                }
                if self.blocking.is_blocked(t) {
                    self.blocking.serving_key = Some(key.clone());
                    self.rerun_blocked(t);
                    self.blocking.serving_key = None;
                }
            }
        }
    }

    /// Re-runs a blocked client's command; unblocks it if it was served.
    fn rerun_blocked(&mut self, t: Token) {
        let Some(mut c) = self.clients.take(t) else { return };
        let Some(w) = self.blocking.waiters.get(&t) else {
            self.clients.put_back(c);
            return;
        };
        let handler = w.handler;
        let argv = w.argv.clone();
        let refs: Vec<&[u8]> = argv.iter().map(|a| a.as_slice()).collect();
        self.blocking.rerunning = Some(t);
        self.blocking.still_blocked = false;
        self.ks.now_ms = crate::util::unix_ms();
        let dirty = self.ks.dirty;
        handler(&mut Ctx { srv: self, client: &mut c }, &refs);
        crate::persistence::propagate::after_rerun(self, dirty, c.db, &refs);
        self.blocking.rerunning = None;
        if !self.blocking.still_blocked {
            self.blocking.remove(t);
            c.blocked = false;
            self.blocking.resume.push(t);
        }
        self.count_error(&mut c);
        // Invalidations its served command caused come after its reply.
        if self.ks.track_writes {
            self.tracking_drain(Some(&mut c));
        }
        self.clients.put_back(c);
        self.schedule_write(t);
    }

    /// Unblocks a blocked client with the timeout reply (a null array) or,
    /// with `error`, the CLIENT UNBLOCK error. False if it was not blocked.
    pub fn unblock_client(&mut self, t: Token, error: bool) -> bool {
        let Some(waiter) = self.blocking.remove(t) else { return false };
        if let Some(c) = self.clients.get_mut(t) {
            c.blocked = false;
            if error {
                // Counted as Redis counts it: an error reply (errorstats) and
                // a failed call of the blocked command.
                c.reply.error(errors::UNBLOCKED);
                self.stats.count_errors(c);
                if let Some(id) = waiter.argv.first().and_then(|name| self.commands.lookup(name)) {
                    self.commands.entries[id].stats.failed_calls += 1;
                }
            } else {
                c.reply.null_array();
            }
        }
        self.blocking.resume.push(t);
        self.schedule_write(t);
        true
    }

    /// Forgets a disconnected client.
    pub(super) fn forget_blocked(&mut self, t: Token) {
        self.blocking.remove(t);
    }

    /// How long the loop may sleep: `max`, or less if a blocked client's
    /// deadline comes sooner.
    pub(super) fn blocking_poll_timeout(&self, max: std::time::Duration) -> std::time::Duration {
        match self.blocking.timers.first() {
            None => max,
            Some(&(when, _)) => {
                let left = (when - crate::util::unix_ms()).max(0) as u64;
                max.min(std::time::Duration::from_millis(left))
            }
        }
    }

    /// Once per loop iteration: times out blocked clients whose deadline
    /// passed, then runs the pending input of clients unblocked since.
    pub(super) fn blocking_tick(&mut self) {
        if !self.blocking.timers.is_empty() {
            let now = crate::util::unix_ms();
            while let Some(&(when, t)) = self.blocking.timers.first() {
                if when > now {
                    break;
                }
                self.blocking.timers.pop_first();
                self.unblock_client(t, false);
            }
        }
        while !self.blocking.resume.is_empty() {
            for t in std::mem::take(&mut self.blocking.resume) {
                let Some(mut c) = self.clients.take(t) else { continue };
                if !c.blocked && c.query_len() > 0 {
                    self.process_input(&mut c);
                }
                self.after_client_work(c);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timeouts_parse_like_redis() {
        assert_eq!(parse_timeout(b"0", 1000), Ok(None));
        assert_eq!(parse_timeout(b"1.5", 1000), Ok(Some(2500)));
        assert_eq!(parse_timeout(b"0.0001", 1000), Ok(Some(1001)));
        assert_eq!(parse_timeout(b"-0.0001", 1000), Ok(None));
        assert_eq!(parse_timeout(b"-1", 1000), Err(errors::TIMEOUT_NEG));
        assert_eq!(parse_timeout(b"inf", 1000), Err(errors::TIMEOUT_NEG));
        assert_eq!(parse_timeout(b"1e20", 1000), Err(errors::TIMEOUT_NEG));
        assert_eq!(parse_timeout(b"abc", 1000), Err(errors::TIMEOUT_NOT_FLOAT));
        assert_eq!(parse_timeout(b"nan", 1000), Err(errors::TIMEOUT_NOT_FLOAT));
    }
}
