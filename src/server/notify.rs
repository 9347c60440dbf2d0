//! Keyspace notifications: publishing what commands did to keys.
//!
//! Every command that modifies a key calls [`Ctx::notify`] (or
//! [`Ctx::notify_db`] for another database) with Redis 7.0's class and event
//! name, right where Redis calls `notifyKeyspaceEvent`. When notifications
//! are off the call is one AND against `Keyspace::notify_flags`. When the
//! class is wanted, the event is published as a Pub/Sub message:
//!
//! * `K`: channel `__keyspace@<db>__:<key>`, message `<event>`;
//! * `E`: channel `__keyevent@<db>__:<event>`, message `<key>`.
//!
//! Events the keyspace notices by itself (`expired`, `new`, `keymiss`, see
//! `store/events.rs`) are queued there; they are published before the next
//! event a command publishes, and after each command and each active expiry
//! cycle, so the order subscribers see is the order things happened.

use super::{Client, Server};
use crate::commands::Ctx;
use crate::store::events::{parse_flags, KEYEVENT, KEYSPACE};
use crate::util::write_i64;

impl Ctx<'_> {
    /// Announces that the running command did `event` (of `class`, one of the
    /// `store::events` constants) to `key` in the client's selected database.
    #[inline]
    pub fn notify(&mut self, class: u32, event: &'static str, key: &[u8]) {
        if self.srv.ks.notify_flags & class != 0 {
            let db = self.client.db;
            self.srv.notify(Some(&mut *self.client), class, event, key, db);
        }
    }

    /// [`Ctx::notify`] for a key of database `db` (MOVE, COPY ... DB).
    #[inline]
    pub fn notify_db(&mut self, class: u32, event: &'static str, key: &[u8], db: usize) {
        if self.srv.ks.notify_flags & class != 0 {
            self.srv.notify(Some(&mut *self.client), class, event, key, db);
        }
    }
}

impl Server {
    /// Publishes a keyspace event (after any the keyspace queued before it).
    /// `caller` is the client running the current command, if any.
    pub fn notify(&mut self, mut caller: Option<&mut Client>, class: u32, event: &str, key: &[u8], db: usize) {
        if self.ks.notify_flags & class == 0 {
            return;
        }
        if !self.ks.events.is_empty() {
            self.publish_queued_events(caller.as_deref_mut());
        }
        self.publish_event(caller, event, key, db);
    }

    /// Publishes the events the keyspace queued (expiry, new keys, misses).
    pub fn publish_queued_events(&mut self, mut caller: Option<&mut Client>) {
        while !self.ks.events.is_empty() {
            for ev in std::mem::take(&mut self.ks.events) {
                // The flags may have changed since it was queued.
                if self.ks.notify_flags & ev.class != 0 {
                    self.publish_event(caller.as_deref_mut(), ev.event, &ev.key, ev.db);
                }
            }
        }
    }

    fn publish_event(&mut self, mut caller: Option<&mut Client>, event: &str, key: &[u8], db: usize) {
        let flags = self.ks.notify_flags;
        if flags & KEYSPACE != 0 {
            let channel = event_channel(b"__keyspace@", db, key);
            self.publish(caller.as_deref_mut(), &channel, event.as_bytes());
        }
        if flags & KEYEVENT != 0 {
            let channel = event_channel(b"__keyevent@", db, event.as_bytes());
            self.publish(caller, &channel, key);
        }
    }

    /// Re-reads `notify-keyspace-events` (start-up and CONFIG SET).
    pub(super) fn refresh_notify_flags(&mut self) {
        self.ks.notify_flags = parse_flags(self.config.str(crate::config::D::NotifyKeyspaceEvents));
        if self.ks.notify_flags == 0 {
            self.ks.events.clear();
        }
    }
}

/// `<prefix><db>__:<suffix>`
fn event_channel(prefix: &[u8], db: usize, suffix: &[u8]) -> Vec<u8> {
    let mut ch = Vec::with_capacity(prefix.len() + 6 + suffix.len());
    ch.extend_from_slice(prefix);
    write_i64(&mut ch, db as i64);
    ch.extend_from_slice(b"__:");
    ch.extend_from_slice(suffix);
    ch
}

#[cfg(test)]
mod tests {
    #[test]
    fn channels() {
        assert_eq!(super::event_channel(b"__keyspace@", 9, b"foo"), b"__keyspace@9__:foo");
        assert_eq!(super::event_channel(b"__keyevent@", 0, b"set"), b"__keyevent@0__:set");
    }
}
