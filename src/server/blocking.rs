//! Blocking operations (BLPOP & co): clients waiting for keys.

use super::Server;

impl Server {
    /// Notes that `key` of `db` may now satisfy clients blocked on it.
    pub fn signal_key_ready(&mut self, _db: usize, _key: &[u8]) {}
}
