//! A connected client: its socket, query buffer and parser, reply buffer, and
//! the per-connection state commands read and change (selected db, protocol
//! version, name, auth, reply mode...).

use std::io::{self, Read, Write};

use mio::net::{TcpStream, UnixStream};
use mio::Token;

use crate::protocol::{Parser, Reply};

/// A client's socket.
pub enum Conn {
    Tcp(TcpStream),
    Unix(UnixStream),
    /// No socket: a client used internally (scripts, tests).
    None,
}

impl Conn {
    pub fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Conn::Tcp(s) => s.read(buf),
            Conn::Unix(s) => s.read(buf),
            Conn::None => Ok(0),
        }
    }

    pub fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Conn::Tcp(s) => s.write(buf),
            Conn::Unix(s) => s.write(buf),
            Conn::None => Ok(buf.len()),
        }
    }

    pub fn shutdown(&self) {
        let _ = match self {
            Conn::Tcp(s) => s.shutdown(std::net::Shutdown::Both),
            Conn::Unix(s) => s.shutdown(std::net::Shutdown::Both),
            Conn::None => Ok(()),
        };
    }

    pub fn fd(&self) -> i32 {
        use std::os::fd::AsRawFd;
        match self {
            Conn::Tcp(s) => s.as_raw_fd(),
            Conn::Unix(s) => s.as_raw_fd(),
            Conn::None => -1,
        }
    }
}

/// CLIENT REPLY state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReplyMode {
    On,
    Off,
    /// Skip the reply of the next command only.
    SkipNext,
    /// Skipping the reply of the current command.
    Skip,
}

/// One connection.
pub struct Client {
    pub id: u64,
    pub token: Token,
    pub conn: Conn,
    /// `ip:port` of the peer (or the unix socket path).
    pub addr: String,
    /// `ip:port` of our side.
    pub laddr: String,
    pub unix: bool,
    pub name: Option<Vec<u8>>,
    pub lib_name: Option<Vec<u8>>,
    pub lib_ver: Option<Vec<u8>>,
    /// Selected database.
    pub db: usize,
    pub reply: Reply,
    /// Bytes of `reply.buf` already written to the socket.
    pub sent: usize,
    /// Received bytes; `qpos` is where the next request starts.
    pub qbuf: Vec<u8>,
    pub qpos: usize,
    /// Unconsumed query bytes (including the running command) while a command runs.
    pub running_qbuf: usize,
    /// Bytes the parser said a pending big bulk still needs.
    pub reserve_hint: usize,
    pub parser: Parser,
    pub authenticated: bool,
    pub user: String,
    pub reply_mode: ReplyMode,
    /// Close once the pending output is written (QUIT, protocol errors).
    pub close_after_reply: bool,
    /// Close at the next chance, without writing more (CLIENT KILL, limits).
    pub close_asap: bool,
    pub ctime_ms: i64,
    pub last_interaction_ms: i64,
    /// Full name of the last command run (`client|list`), for CLIENT LIST.
    pub last_cmd: String,
    pub monitor: bool,
    pub no_evict: bool,
    pub no_touch: bool,
    /// True while WRITABLE interest is registered with the poller.
    pub want_write: bool,
    /// True while the client is in the server's pending-write list.
    pub in_pending: bool,
    /// Total bytes read from / written to this connection.
    pub net_in: u64,
    pub net_out: u64,
    /// Peak query buffer size since the last cron sample.
    pub qbuf_peak: usize,
    /// Waiting in a blocking command (BLPOP...): its further input waits too.
    pub blocked: bool,
    /// Channels and patterns it is subscribed to (see `pubsub.rs`).
    pub pubsub: super::pubsub::ClientSubs,
    /// When its output first reached the soft limit (Unix ms; 0: under it).
    pub obuf_soft_since: i64,
    /// Memory counted for it in `MemoryState::clients_total` (client eviction).
    pub mem_accounted: u64,
    /// MULTI state and WATCHed keys (see `server::multi`).
    pub tx: super::multi::Transaction,
    /// CLIENT TRACKING settings (see `server::tracking`).
    pub tracking: super::tracking::ClientTracking,
}

impl Client {
    pub fn new(id: u64, token: Token, conn: Conn, addr: String, laddr: String, unix: bool, now_ms: i64) -> Self {
        Client {
            id,
            token,
            conn,
            addr,
            laddr,
            unix,
            name: None,
            lib_name: None,
            lib_ver: None,
            db: 0,
            reply: Reply::default(),
            sent: 0,
            qbuf: Vec::new(),
            qpos: 0,
            running_qbuf: 0,
            reserve_hint: 0,
            parser: Parser::new(),
            authenticated: false,
            user: "default".into(),
            reply_mode: ReplyMode::On,
            close_after_reply: false,
            close_asap: false,
            ctime_ms: now_ms,
            last_interaction_ms: now_ms,
            last_cmd: "NULL".into(),
            monitor: false,
            no_evict: false,
            no_touch: false,
            want_write: false,
            in_pending: false,
            net_in: 0,
            net_out: 0,
            qbuf_peak: 0,
            blocked: false,
            pubsub: Default::default(),
            obuf_soft_since: 0,
            mem_accounted: 0,
            tx: Default::default(),
            tracking: Default::default(),
        }
    }

    /// Bytes waiting to be written.
    #[inline]
    pub fn pending_output(&self) -> usize {
        self.reply.buf.len() - self.sent
    }

    /// Bytes of the query buffer not yet consumed.
    #[inline]
    pub fn query_len(&self) -> usize {
        self.qbuf.len() - self.qpos
    }

    /// Reads once from the socket into the query buffer (at least 16 KB of
    /// room, more if a big bulk is pending). Returns the bytes read and whether
    /// the read filled all the room offered (if not, the socket is drained).
    /// `Ok((0, _))` is EOF; `Err(WouldBlock)` means nothing was there.
    pub fn read_some(&mut self) -> io::Result<(usize, bool)> {
        // Drop the consumed prefix before growing the buffer.
        if self.qpos > 0 && (self.qpos == self.qbuf.len() || self.qpos > 64 * 1024) {
            self.qbuf.drain(..self.qpos);
            self.qpos = 0;
        }
        // Like Redis: 16 KB at a time, or the rest of a pending big bulk in
        // one go. Reading in bounded steps lets the query buffer limit apply
        // to what is pending, not to a long pipeline.
        let want = if self.reserve_hint > 0 { self.reserve_hint } else { 16 * 1024 };
        if self.reserve_hint > 0 {
            // A big bulk: room for exactly what it still needs (doubling
            // would hold up to twice its size, as Redis avoids too).
            self.qbuf.reserve_exact(want);
        } else {
            self.qbuf.reserve(want);
        }
        let fd = self.conn.fd();
        if fd < 0 {
            return Ok((0, false));
        }
        let spare = self.qbuf.spare_capacity_mut();
        let room = spare.len().min(want);
        // SAFETY: `read` writes at most `room` bytes into the spare capacity we
        // own, and we extend the length by exactly the number it wrote.
        let n = unsafe { libc::read(fd, spare.as_mut_ptr() as *mut libc::c_void, room) };
        if n < 0 {
            return Err(io::Error::last_os_error());
        }
        let n = n as usize;
        unsafe { self.qbuf.set_len(self.qbuf.len() + n) };
        self.net_in += n as u64;
        Ok((n, n == room))
    }

    /// Writes pending output. Returns true when everything was written.
    pub fn flush(&mut self) -> io::Result<bool> {
        while self.sent < self.reply.buf.len() {
            match self.conn.write(&self.reply.buf[self.sent..]) {
                Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
                Ok(n) => {
                    self.sent += n;
                    self.net_out += n as u64;
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    // A client that never drains its buffer completely (a
                    // subscriber reading a bit slower than messages arrive)
                    // must not keep the sent prefix forever.
                    if self.sent >= 64 * 1024 && self.sent * 2 >= self.reply.buf.len() {
                        self.reply.buf.drain(..self.sent);
                        self.sent = 0;
                    }
                    return Ok(false);
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            }
        }
        self.reply.buf.clear();
        self.sent = 0;
        // Give back memory after a huge reply.
        if self.reply.buf.capacity() > 1024 * 1024 {
            self.reply.buf = Vec::with_capacity(16 * 1024);
        }
        Ok(true)
    }

    /// The `flags=` field of CLIENT LIST.
    pub fn flags_string(&self) -> String {
        // Redis's order of the letters.
        let mut f = String::new();
        if self.monitor {
            f.push('O');
        }
        if self.pubsub.active() {
            f.push('P');
        }
        if self.tx.active {
            f.push('x');
        }
        if self.blocked {
            f.push('b');
        }
        if self.tracking.on {
            f.push('t');
            if self.tracking.broken_redirect {
                f.push('R');
            }
            if self.tracking.bcast {
                f.push('B');
            }
        }
        if self.tx.dirty.get() {
            f.push('d');
        }
        if self.close_after_reply {
            f.push('c');
        }
        if self.close_asap {
            f.push('A');
        }
        if self.unix {
            f.push('U');
        }
        if self.no_evict {
            f.push('e');
        }
        if self.no_touch {
            f.push('T');
        }
        if f.is_empty() {
            f.push('N');
        }
        f
    }
}
