//! Pub/Sub state and message delivery.
//!
//! The server keeps three subscription maps: channel → subscribers, shard
//! channel → subscribers (SSUBSCRIBE; without cluster mode they behave like a
//! separate channel namespace), and pattern → subscribers. Each client keeps
//! the mirror image in [`ClientSubs`], so unsubscribing everything (UNSUBSCRIBE
//! without arguments, RESET, disconnection) never scans the server maps.
//!
//! Delivery writes into the subscribers' output buffers. A message is encoded
//! once per PUBLISH (and once per matching pattern), as a RESP2 array; a RESP3
//! subscriber gets the same bytes with the `*` of the header turned into the
//! `>` of a push. Every subscriber's buffer is then checked against the
//! `client-output-buffer-limit` of its class, so a subscriber that does not
//! read is disconnected instead of growing without bound (see `obuf.rs`).
//!
//! Confirmations (`subscribe`, `unsubscribe`, ...) and messages are pushes:
//! like Redis, they reach the client even under CLIENT REPLY OFF/SKIP. While a
//! command of the client itself runs with its reply switched off, its pushes
//! wait in [`ClientSubs::kept`] and `Server::call` appends them after dropping
//! the command's reply.

use std::collections::{HashMap, HashSet};

use mio::Token;

use super::obuf::{Checker, Class};
use super::{Client, Clients, ReplyMode, Server, Stats};
use crate::protocol::Reply;
use crate::util::{glob_match, write_i64};

/// The three kinds of subscription.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Channel,
    Pattern,
    Shard,
}

impl Kind {
    fn subscribe_name(self) -> &'static [u8] {
        match self {
            Kind::Channel => b"subscribe",
            Kind::Pattern => b"psubscribe",
            Kind::Shard => b"ssubscribe",
        }
    }

    fn unsubscribe_name(self) -> &'static [u8] {
        match self {
            Kind::Channel => b"unsubscribe",
            Kind::Pattern => b"punsubscribe",
            Kind::Shard => b"sunsubscribe",
        }
    }
}

/// What one client is subscribed to.
#[derive(Debug, Default)]
pub struct ClientSubs {
    pub channels: HashSet<Vec<u8>>,
    /// In subscription order (PUNSUBSCRIBE without arguments walks it in order,
    /// as Redis 7.0 does).
    pub patterns: Vec<Vec<u8>>,
    pub shard: HashSet<Vec<u8>>,
    /// Pushes for this client written while its own command's reply is being
    /// dropped (CLIENT REPLY OFF/SKIP); `Server::call` appends them afterwards.
    pub kept: Vec<u8>,
}

impl ClientSubs {
    /// True while subscribed to anything (the client is in Pub/Sub mode,
    /// flag `P`, class `pubsub` for output buffer limits).
    #[inline]
    pub fn active(&self) -> bool {
        !self.channels.is_empty() || !self.patterns.is_empty() || !self.shard.is_empty()
    }

    /// The count SUBSCRIBE/PSUBSCRIBE and their opposites report: channels
    /// plus patterns (shard channels are counted apart).
    pub fn count(&self) -> usize {
        self.channels.len() + self.patterns.len()
    }

    fn count_for(&self, kind: Kind) -> usize {
        match kind {
            Kind::Shard => self.shard.len(),
            _ => self.count(),
        }
    }
}

/// A pattern and its subscribers.
struct PatternSubs {
    pattern: Vec<u8>,
    clients: Vec<Token>,
}

/// The server-side subscription maps.
#[derive(Default)]
pub struct PubSub {
    channels: HashMap<Vec<u8>, Vec<Token>>,
    shard: HashMap<Vec<u8>, Vec<Token>>,
    /// Every pattern with at least one subscriber; PUBLISH walks them all.
    patterns: Vec<PatternSubs>,
    /// Where each pattern sits in `patterns`.
    pattern_index: HashMap<Vec<u8>, usize>,
    /// Reused encoding buffers for the message being delivered.
    frame: Vec<u8>,
    pframe: Vec<u8>,
}

impl PubSub {
    /// Channels with at least one subscriber (INFO `pubsub_channels`).
    pub fn channel_count(&self) -> usize {
        self.channels.len()
    }

    /// Distinct patterns with at least one subscriber (INFO `pubsub_patterns`,
    /// PUBSUB NUMPAT).
    pub fn pattern_count(&self) -> usize {
        self.patterns.len()
    }

    /// Shard channels with at least one subscriber (INFO `pubsubshard_channels`).
    pub fn shard_channel_count(&self) -> usize {
        self.shard.len()
    }

    /// Active channels (or shard channels) matching `pattern` (all when `None`).
    pub fn channels_matching(&self, shard: bool, pattern: Option<&[u8]>) -> Vec<&[u8]> {
        let map = if shard { &self.shard } else { &self.channels };
        map.keys().filter(|c| pattern.is_none_or(|p| glob_match(p, c, false))).map(|c| c.as_slice()).collect()
    }

    /// Number of subscribers of a channel (or shard channel), patterns excluded.
    pub fn subscribers(&self, shard: bool, channel: &[u8]) -> usize {
        let map = if shard { &self.shard } else { &self.channels };
        map.get(channel).map_or(0, |v| v.len())
    }

    fn add(&mut self, kind: Kind, name: &[u8], t: Token) {
        match kind {
            Kind::Channel => self.channels.entry(name.to_vec()).or_default().push(t),
            Kind::Shard => self.shard.entry(name.to_vec()).or_default().push(t),
            Kind::Pattern => match self.pattern_index.get(name) {
                Some(&i) => self.patterns[i].clients.push(t),
                None => {
                    self.pattern_index.insert(name.to_vec(), self.patterns.len());
                    self.patterns.push(PatternSubs { pattern: name.to_vec(), clients: vec![t] });
                }
            },
        }
    }

    fn remove(&mut self, kind: Kind, name: &[u8], t: Token) {
        let map = match kind {
            Kind::Channel => &mut self.channels,
            Kind::Shard => &mut self.shard,
            Kind::Pattern => {
                let Some(&i) = self.pattern_index.get(name) else { return };
                let subs = &mut self.patterns[i].clients;
                subs.retain(|x| *x != t);
                if subs.is_empty() {
                    self.pattern_index.remove(name);
                    self.patterns.swap_remove(i);
                    if let Some(moved) = self.patterns.get(i) {
                        self.pattern_index.insert(moved.pattern.clone(), i);
                    }
                }
                return;
            }
        };
        if let Some(subs) = map.get_mut(name) {
            subs.retain(|x| *x != t);
            if subs.is_empty() {
                map.remove(name);
            }
        }
    }
}

/// Commands a RESP2 client may send while subscribed.
pub fn allowed_while_subscribed(fullname: &str) -> bool {
    matches!(
        fullname,
        "ping"
            | "subscribe"
            | "ssubscribe"
            | "unsubscribe"
            | "sunsubscribe"
            | "psubscribe"
            | "punsubscribe"
            | "quit"
            | "reset"
    )
}

/// The error a subscribed RESP2 client gets for any other command.
pub fn not_allowed_error(fullname: &str) -> String {
    format!(
        "ERR Can't execute '{}': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context",
        fullname
    )
}

/// Runs `f` on the reply writer a push to `c` should go to: the output
/// buffer, or [`ClientSubs::kept`] while the client's own reply is dropped.
fn push_to(c: &mut Client, f: impl FnOnce(&mut Reply)) {
    if c.reply_mode == ReplyMode::On {
        return f(&mut c.reply);
    }
    let mut r = Reply { buf: std::mem::take(&mut c.pubsub.kept), resp3: c.reply.resp3, ..Default::default() };
    f(&mut r);
    c.pubsub.kept = r.buf;
}

/// Appends a pre-encoded message (a RESP2 array) to `c` as a push.
#[inline]
fn append_frame(c: &mut Client, frame: &[u8], caller: bool) {
    let out = if caller && c.reply_mode != ReplyMode::On { &mut c.pubsub.kept } else { &mut c.reply.buf };
    if c.reply.resp3 {
        out.push(b'>');
        out.extend_from_slice(&frame[1..]);
    } else {
        out.extend_from_slice(frame);
    }
}

/// Encodes `*<n>\r\n` followed by bulk strings.
fn encode_frame(out: &mut Vec<u8>, parts: &[&[u8]]) {
    out.clear();
    out.push(b'*');
    write_i64(out, parts.len() as i64);
    out.extend_from_slice(b"\r\n");
    for p in parts {
        out.push(b'$');
        write_i64(out, p.len() as i64);
        out.extend_from_slice(b"\r\n");
        out.extend_from_slice(p);
        out.extend_from_slice(b"\r\n");
    }
}

/// Writes one encoded message to subscriber `t`, schedules its output and
/// enforces its output buffer limit. `caller` is the client running the
/// current command (taken out of `clients`), which may be a subscriber too.
fn deliver(
    clients: &mut Clients,
    pending: &mut Vec<Token>,
    stats: &mut Stats,
    limits: &Checker,
    caller: &mut Option<&mut Client>,
    t: Token,
    frame: &[u8],
) {
    let is_caller = caller.as_ref().is_some_and(|c| c.token == t);
    let c = if is_caller {
        match caller.as_deref_mut() {
            Some(c) => c,
            None => return,
        }
    } else {
        match clients.get_mut(t) {
            Some(c) => c,
            None => return,
        }
    };
    // A client about to be closed gets nothing more (as in Redis).
    if c.close_asap {
        return;
    }
    append_frame(c, frame, is_caller);
    if !is_caller && !c.in_pending {
        c.in_pending = true;
        pending.push(t);
    }
    limits.enforce(c, stats);
}

impl Server {
    /// Subscribes the calling client to `names` and writes one confirmation each.
    pub fn pubsub_subscribe(&mut self, c: &mut Client, kind: Kind, names: &[&[u8]]) {
        for &name in names {
            let added = match kind {
                Kind::Channel => c.pubsub.channels.insert(name.to_vec()),
                Kind::Shard => c.pubsub.shard.insert(name.to_vec()),
                Kind::Pattern => {
                    let new = !c.pubsub.patterns.iter().any(|p| p.as_slice() == name);
                    if new {
                        c.pubsub.patterns.push(name.to_vec());
                    }
                    new
                }
            };
            if added {
                self.pubsub.add(kind, name, c.token);
            }
            let n = c.pubsub.count_for(kind);
            push_to(c, |r| confirmation(r, kind.subscribe_name(), Some(name), n));
        }
    }

    /// Unsubscribes the calling client from `names`, or from everything of
    /// that kind when `names` is empty, writing a confirmation for each.
    pub fn pubsub_unsubscribe(&mut self, c: &mut Client, kind: Kind, names: &[&[u8]]) {
        if names.is_empty() {
            let all: Vec<Vec<u8>> = match kind {
                Kind::Channel => c.pubsub.channels.iter().cloned().collect(),
                Kind::Shard => c.pubsub.shard.iter().cloned().collect(),
                Kind::Pattern => c.pubsub.patterns.clone(),
            };
            if all.is_empty() {
                // Nothing to leave: Redis still confirms, with a null name.
                let n = c.pubsub.count_for(kind);
                push_to(c, |r| confirmation(r, kind.unsubscribe_name(), None, n));
                return;
            }
            for name in &all {
                self.unsubscribe_one(c, kind, name, true);
            }
            return;
        }
        for &name in names {
            self.unsubscribe_one(c, kind, name, true);
        }
    }

    fn unsubscribe_one(&mut self, c: &mut Client, kind: Kind, name: &[u8], notify: bool) {
        let removed = match kind {
            Kind::Channel => c.pubsub.channels.remove(name),
            Kind::Shard => c.pubsub.shard.remove(name),
            Kind::Pattern => match c.pubsub.patterns.iter().position(|p| p.as_slice() == name) {
                Some(i) => {
                    c.pubsub.patterns.remove(i);
                    true
                }
                None => false,
            },
        };
        if removed {
            self.pubsub.remove(kind, name, c.token);
        }
        if notify {
            let n = c.pubsub.count_for(kind);
            push_to(c, |r| confirmation(r, kind.unsubscribe_name(), Some(name), n));
        }
    }

    /// Drops every subscription of a client without confirmations (RESET,
    /// disconnection).
    pub fn pubsub_forget(&mut self, c: &mut Client) {
        if !c.pubsub.active() {
            return;
        }
        let t = c.token;
        for ch in std::mem::take(&mut c.pubsub.channels) {
            self.pubsub.remove(Kind::Channel, &ch, t);
        }
        for ch in std::mem::take(&mut c.pubsub.shard) {
            self.pubsub.remove(Kind::Shard, &ch, t);
        }
        for p in std::mem::take(&mut c.pubsub.patterns) {
            self.pubsub.remove(Kind::Pattern, &p, t);
        }
    }

    /// Publishes `msg` on `channel` to channel subscribers, then to the
    /// subscribers of every matching pattern. Returns the number of
    /// deliveries (a client subscribed both ways counts twice, as in Redis).
    /// `caller` is the client running the command, if any (it is not in
    /// `clients` while it runs, and may be a RESP3 subscriber itself).
    pub fn publish(&mut self, mut caller: Option<&mut Client>, channel: &[u8], msg: &[u8]) -> usize {
        let ps = &mut self.pubsub;
        if ps.patterns.is_empty() && !ps.channels.contains_key(channel) {
            return 0;
        }
        let mut n = 0;
        let mut frame = std::mem::take(&mut ps.frame);
        let mut pframe = std::mem::take(&mut ps.pframe);
        let limits = self.obuf.for_class(Class::Pubsub, self.ks.now_ms);
        let ps = &self.pubsub;
        if let Some(subs) = ps.channels.get(channel) {
            encode_frame(&mut frame, &[b"message", channel, msg]);
            for &t in subs {
                deliver(&mut self.clients, &mut self.pending_writes, &mut self.stats, &limits, &mut caller, t, &frame);
            }
            n += subs.len();
        }
        for p in &ps.patterns {
            if !glob_match(&p.pattern, channel, false) {
                continue;
            }
            encode_frame(&mut pframe, &[b"pmessage", &p.pattern, channel, msg]);
            for &t in &p.clients {
                deliver(&mut self.clients, &mut self.pending_writes, &mut self.stats, &limits, &mut caller, t, &pframe);
            }
            n += p.clients.len();
        }
        self.pubsub.frame = frame;
        self.pubsub.pframe = pframe;
        n
    }

    /// SPUBLISH: delivers to the subscribers of a shard channel.
    pub fn spublish(&mut self, mut caller: Option<&mut Client>, channel: &[u8], msg: &[u8]) -> usize {
        let Some(subs) = self.pubsub.shard.get(channel) else { return 0 };
        let mut frame = std::mem::take(&mut self.pubsub.frame);
        encode_frame(&mut frame, &[b"smessage", channel, msg]);
        let limits = self.obuf.for_class(Class::Pubsub, self.ks.now_ms);
        for &t in subs {
            deliver(&mut self.clients, &mut self.pending_writes, &mut self.stats, &limits, &mut caller, t, &frame);
        }
        let n = subs.len();
        self.pubsub.frame = frame;
        n
    }
}

/// `[un]subscribe <name|nil> <count>` as a push.
fn confirmation(r: &mut Reply, kind: &[u8], name: Option<&[u8]>, count: usize) {
    r.push_len(3);
    r.bulk(kind);
    r.opt_bulk(name);
    r.int(count as i64);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_are_resp2_arrays() {
        let mut f = Vec::new();
        encode_frame(&mut f, &[b"message", b"ch", b""]);
        assert_eq!(f, b"*3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$0\r\n\r\n");
    }

    #[test]
    fn pattern_removal_keeps_the_index_consistent() {
        let mut ps = PubSub::default();
        let (a, b) = (Token(100), Token(101));
        ps.add(Kind::Pattern, b"a*", a);
        ps.add(Kind::Pattern, b"b*", a);
        ps.add(Kind::Pattern, b"c*", b);
        ps.remove(Kind::Pattern, b"a*", a);
        assert_eq!(ps.pattern_count(), 2);
        for (i, p) in ps.patterns.iter().enumerate() {
            assert_eq!(ps.pattern_index[&p.pattern], i);
        }
        ps.remove(Kind::Pattern, b"c*", b);
        ps.remove(Kind::Pattern, b"b*", a);
        assert_eq!(ps.pattern_count(), 0);
        assert!(ps.pattern_index.is_empty());
    }
}
