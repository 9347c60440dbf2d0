//! Keyspace event classes (`notify-keyspace-events`) and the events the
//! keyspace itself notices.
//!
//! Commands announce what they did with `Ctx::notify(class, event, key)`
//! (`server/notify.rs`), which publishes on `__keyspace@<db>__:<key>` and
//! `__keyevent@<db>__:<event>`. A few events happen inside the keyspace, below
//! any command: a key found expired (lazily, or by the active cycle), a key
//! created (`new`), a read of a missing key (`keymiss`). The keyspace queues
//! those in [`Keyspace::events`](super::Keyspace) and the server publishes
//! them before the next event of the command, or once the command (or the
//! cron's expiry cycle) is done, so subscribers see them in the order they
//! happened.
//!
//! Every check is one AND against [`Keyspace::notify_flags`](super::Keyspace),
//! which is 0 when notifications are off.

/// `K`: publish on `__keyspace@<db>__:<key>`.
pub const KEYSPACE: u32 = 1 << 0;
/// `E`: publish on `__keyevent@<db>__:<event>`.
pub const KEYEVENT: u32 = 1 << 1;
/// `g`: generic commands (DEL, EXPIRE, RENAME, ...).
pub const GENERIC: u32 = 1 << 2;
/// `$`: string commands.
pub const STRING: u32 = 1 << 3;
/// `l`: list commands.
pub const LIST: u32 = 1 << 4;
/// `s`: set commands.
pub const SET: u32 = 1 << 5;
/// `h`: hash commands.
pub const HASH: u32 = 1 << 6;
/// `z`: sorted set commands.
pub const ZSET: u32 = 1 << 7;
/// `x`: a key expired.
pub const EXPIRED: u32 = 1 << 8;
/// `e`: a key was evicted.
pub const EVICTED: u32 = 1 << 9;
/// `t`: stream commands.
pub const STREAM: u32 = 1 << 10;
/// `m`: a read found no key.
pub const KEY_MISS: u32 = 1 << 11;
/// `d`: module key types.
pub const MODULE: u32 = 1 << 12;
/// `n`: a key was created.
pub const NEW: u32 = 1 << 13;

/// The classes `A` stands for.
const ALL: u32 = GENERIC | STRING | LIST | SET | HASH | ZSET | EXPIRED | EVICTED | STREAM | MODULE;

/// Parses a `notify-keyspace-events` value into the mask the keyspace tests.
/// Without `K` or `E` nothing is published, so the mask is then 0: one AND
/// against it answers "is this event wanted" for every call site.
pub fn parse_flags(s: &str) -> u32 {
    let mut f = 0;
    for c in s.chars() {
        f |= match c {
            'A' => ALL,
            'g' => GENERIC,
            '$' => STRING,
            'l' => LIST,
            's' => SET,
            'h' => HASH,
            'z' => ZSET,
            'x' => EXPIRED,
            'e' => EVICTED,
            't' => STREAM,
            'm' => KEY_MISS,
            'd' => MODULE,
            'n' => NEW,
            'K' => KEYSPACE,
            'E' => KEYEVENT,
            _ => 0,
        };
    }
    if f & (KEYSPACE | KEYEVENT) == 0 {
        0
    } else {
        f
    }
}

/// An event noticed inside the keyspace, waiting to be published.
#[derive(Debug, Clone)]
pub struct Pending {
    pub class: u32,
    pub event: &'static str,
    pub db: usize,
    pub key: Vec<u8>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags() {
        assert_eq!(parse_flags(""), 0);
        assert_eq!(parse_flags("A"), 0, "classes without K or E publish nothing");
        assert_eq!(parse_flags("KA") & KEY_MISS, 0, "A does not include m");
        assert_eq!(parse_flags("KA") & NEW, 0, "A does not include n");
        assert_ne!(parse_flags("KA") & EXPIRED, 0);
        assert_eq!(parse_flags("El"), KEYEVENT | LIST);
        assert_eq!(parse_flags("Kgx$"), KEYSPACE | GENERIC | EXPIRED | STRING);
    }
}
