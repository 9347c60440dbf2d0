//! MIGRATE's connections: a small cache of blocking sockets to target
//! servers, as Redis keeps them (`migrate_cached_sockets`), so moving many
//! keys one by one does not reconnect each time. A cached socket remembers
//! the database it last SELECTed; sockets idle for 10 seconds are closed by
//! the cron. MIGRATE blocks the event loop while it talks to the target,
//! bounded by its timeout, exactly like Redis.

use std::collections::HashMap;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::Duration;

/// Most sockets kept.
const MAX_CACHED: usize = 64;
/// Seconds a cached socket may stay unused.
const SOCKET_TTL_MS: i64 = 10_000;

/// One cached connection.
pub struct CachedSocket {
    pub stream: TcpStream,
    /// Database of the last SELECT sent (None: send one).
    pub last_db: Option<i64>,
    pub last_use_ms: i64,
}

/// The cache, by `host:port`.
#[derive(Default)]
pub struct MigrateSockets {
    sockets: HashMap<String, CachedSocket>,
}

impl MigrateSockets {
    /// Number of cached sockets (INFO `migrate_cached_sockets`).
    pub fn len(&self) -> usize {
        self.sockets.len()
    }

    pub fn is_empty(&self) -> bool {
        self.sockets.is_empty()
    }

    /// The cached socket to `host:port`, connecting (within `timeout`) if
    /// there is none. The socket is taken out; give it back with [`put`].
    pub fn take(&mut self, host: &str, port: u16, timeout: Duration) -> io::Result<CachedSocket> {
        let name = format!("{host}:{port}");
        if let Some(s) = self.sockets.remove(&name) {
            return Ok(s);
        }
        if self.sockets.len() >= MAX_CACHED {
            // Make room: drop any one (Redis drops a random one).
            if let Some(k) = self.sockets.keys().next().cloned() {
                self.sockets.remove(&k);
            }
        }
        let addr = (host, port)
            .to_socket_addrs()?
            .next()
            .ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, "no address"))?;
        let stream = TcpStream::connect_timeout(&addr, timeout)?;
        let _ = stream.set_nodelay(true);
        Ok(CachedSocket { stream, last_db: None, last_use_ms: 0 })
    }

    /// Gives a healthy socket back to the cache.
    pub fn put(&mut self, host: &str, port: u16, mut s: CachedSocket, now_ms: i64) {
        s.last_use_ms = now_ms;
        self.sockets.insert(format!("{host}:{port}"), s);
    }

    /// Closes sockets unused for more than 10 seconds.
    pub fn expire(&mut self, now_ms: i64) {
        self.sockets.retain(|_, s| now_ms - s.last_use_ms <= SOCKET_TTL_MS);
    }
}

/// Sends `buf` and reads `replies` one-line replies, every step bounded by
/// `timeout`. Err says which step failed: `Err(true)` writing, `Err(false)`
/// reading.
pub fn exchange(s: &mut CachedSocket, buf: &[u8], replies: usize, timeout: Duration) -> Result<Vec<Vec<u8>>, bool> {
    let _ = s.stream.set_write_timeout(Some(timeout));
    let _ = s.stream.set_read_timeout(Some(timeout));
    s.stream.write_all(buf).map_err(|_| true)?;
    let mut reader = BufReader::new(Read::by_ref(&mut s.stream));
    let mut out = Vec::with_capacity(replies);
    for _ in 0..replies {
        let mut line = Vec::new();
        match reader.read_until(b'\n', &mut line) {
            Ok(n) if n > 0 && line.ends_with(b"\r\n") => {
                line.truncate(line.len() - 2);
                out.push(line);
            }
            _ => return Err(false),
        }
    }
    Ok(out)
}
