//! Output buffer limits (`client-output-buffer-limit <class> <hard> <soft> <soft-seconds>`).
//!
//! A client whose pending output reaches its class's hard limit, or stays at or
//! above the soft limit for more than soft-seconds, is closed as soon as
//! possible, without writing anything more: a subscriber that does not read,
//! or a client asking for a reply bigger than the limit, cannot make the
//! server's memory grow without bound. The check runs wherever output is
//! appended in bulk: after every command for the client that ran it, after
//! every Pub/Sub delivery for the subscriber, and in the cron (a soft limit
//! can expire while no traffic flows).
//!
//! The class is `pubsub` for a client with subscriptions, `normal` otherwise
//! (`replica` is kept for when replication exists). The limits are parsed from
//! the config once, at start and after each CONFIG SET ([`Server::config_changed`]).

use tracing::warn;

use super::{Client, Conn, Server, Stats};
use crate::config::{obuf_limits, Config};

/// The client classes of `client-output-buffer-limit`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    Normal,
    Replica,
    Pubsub,
}

impl Class {
    /// The class of a client (CLIENT LIST TYPE, CLIENT KILL TYPE, limits).
    pub fn of(c: &Client) -> Class {
        if c.pubsub.active() {
            Class::Pubsub
        } else {
            Class::Normal
        }
    }

    /// The name CLIENT LIST/KILL TYPE use.
    pub fn name(self) -> &'static str {
        match self {
            Class::Normal => "normal",
            Class::Replica => "replica",
            Class::Pubsub => "pubsub",
        }
    }
}

/// One class's limits; 0 disables a limit.
#[derive(Debug, Clone, Copy, Default)]
pub struct Limit {
    pub hard: usize,
    pub soft: usize,
    pub soft_ms: i64,
}

impl Limit {
    #[inline]
    fn is_off(&self) -> bool {
        self.hard == 0 && self.soft == 0
    }
}

/// The parsed limits of the three classes.
#[derive(Debug, Clone, Default)]
pub struct ObufLimits {
    classes: [Limit; 3],
}

impl ObufLimits {
    pub fn from_config(cfg: &Config) -> Self {
        let get = |name| {
            let (hard, soft, secs) = obuf_limits(cfg, name);
            Limit { hard: hard as usize, soft: soft as usize, soft_ms: (secs as i64).saturating_mul(1000) }
        };
        ObufLimits { classes: [get("normal"), get("slave"), get("pubsub")] }
    }

    pub fn get(&self, class: Class) -> Limit {
        self.classes[class as usize]
    }

    /// The limits of `class` as seen at `now_ms`, ready to check clients.
    #[inline]
    pub fn for_class(&self, class: Class, now_ms: i64) -> Checker {
        Checker { limit: self.get(class), now_ms }
    }
}

/// Checks clients of one class against its limits at one instant.
#[derive(Debug, Clone, Copy)]
pub struct Checker {
    limit: Limit,
    now_ms: i64,
}

impl Checker {
    /// Checks `c` and, if it is over its limits, marks it to be closed as soon
    /// as possible (logging it and counting it). Returns true if it did.
    #[inline]
    pub fn enforce(&self, c: &mut Client, stats: &mut Stats) -> bool {
        if self.limit.is_off() || c.close_asap {
            return false;
        }
        self.enforce_slow(c, stats)
    }

    fn enforce_slow(&self, c: &mut Client, stats: &mut Stats) -> bool {
        if matches!(c.conn, Conn::None) {
            return false;
        }
        let used = c.pending_output();
        let hard = self.limit.hard > 0 && used >= self.limit.hard;
        let mut soft = self.limit.soft > 0 && used >= self.limit.soft;
        // The soft limit must hold for soft-seconds in a row: remember when it
        // was first reached, forget it as soon as the client is back under.
        if soft {
            if c.obuf_soft_since == 0 {
                c.obuf_soft_since = self.now_ms;
                soft = false;
            } else if self.now_ms - c.obuf_soft_since <= self.limit.soft_ms {
                soft = false;
            }
        } else {
            c.obuf_soft_since = 0;
        }
        if !hard && !soft {
            return false;
        }
        c.close_asap = true;
        stats.client_outbuf_limit_disconnections += 1;
        warn!(
            "Client {} scheduled to be closed ASAP for overcoming of output buffer limits.",
            crate::commands::connection::client_line(c, self.now_ms)
        );
        true
    }
}

impl Server {
    /// Checks the client that just ran a command (the `normal` or `pubsub`
    /// limits, whichever its class is now).
    pub(super) fn enforce_output_limit(&mut self, c: &mut Client) {
        let checker = self.obuf.for_class(Class::of(c), self.ks.now_ms);
        checker.enforce(c, &mut self.stats);
    }

    /// Sets the point past which a client's reply buffer is over its hard
    /// limit, so long replies (KEYS, HRANDFIELD with a huge count) can stop
    /// early: their client is closed without receiving them anyway.
    pub(super) fn arm_output_limit(&self, c: &mut Client) {
        let hard = self.obuf.get(Class::of(c)).hard;
        c.reply.limit = if hard == 0 || matches!(c.conn, Conn::None) { 0 } else { c.sent + hard };
    }

    /// Cron: the soft limit of a client that stopped receiving output can
    /// expire too.
    pub(super) fn enforce_output_limits_cron(&mut self) {
        let now = self.ks.now_ms;
        let mut closing = Vec::new();
        for c in self.clients.iter_mut() {
            if c.pending_output() == 0 && c.obuf_soft_since == 0 {
                continue;
            }
            let checker = self.obuf.for_class(Class::of(c), now);
            if checker.enforce(c, &mut self.stats) {
                closing.push(c.token);
            }
        }
        for t in closing {
            self.close_client(t);
        }
    }
}
