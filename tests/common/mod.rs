//! Helpers for integration tests: start the real `oxidis-server` binary on a
//! free loopback port, connect to it with the `redis` crate or a raw socket,
//! and stop it when the test ends.
#![allow(dead_code)]

pub mod persist;

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running server; killed (by its PID) when dropped.
pub struct Server {
    pub child: Child,
    pub port: u16,
    pub dir: std::path::PathBuf,
}

/// A port that was free a moment ago, below the kernel's ephemeral range.
///
/// A port the kernel hands out for `bind(0)` is one it also hands out for
/// outgoing connections: under the load of a whole `cargo test` run (tests
/// in parallel, thousands of connections in TIME_WAIT) another test's client
/// socket could take it before the server binds it, and a client port in
/// TIME_WAIT blocks a listening bind for a minute even with SO_REUSEADDR.
/// Ports below the ephemeral range are never used for outgoing connections.
pub fn free_port() -> u16 {
    use std::hash::{BuildHasher, Hasher};
    let low = std::fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range")
        .ok()
        .and_then(|s| s.split_whitespace().next().and_then(|p| p.parse::<u32>().ok()))
        .unwrap_or(32768);
    let (from, to) = if low > 12000 { (10000u32, low) } else { (0, 0) };
    for _ in 0..200 {
        if to == 0 {
            break;
        }
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_u32(std::process::id());
        let port = (from + (h.finish() % u64::from(to - from)) as u32) as u16;
        if TcpListener::bind(("127.0.0.1", port)).is_ok() {
            return port;
        }
    }
    TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("free port")
}

impl Server {
    /// Starts the server with extra `--directive value` arguments.
    pub fn start_with(args: &[&str]) -> Server {
        let dir = std::env::temp_dir().join(format!("oxidis-test-{}-{}", std::process::id(), free_port()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        // Beside the data dir, not in it (tests look at what the server writes there).
        let log = dir.with_extension("log");
        for _ in 0..10 {
            let port = free_port();
            let mut cmd = Command::new(env!("CARGO_BIN_EXE_oxidis-server"));
            cmd.arg("--port").arg(port.to_string()).arg("--bind").arg("127.0.0.1");
            cmd.arg("--dir").arg(&dir);
            cmd.args(args);
            // The log goes to a file, so a server that does not come up can
            // say why in the panic message below.
            match std::fs::File::create(&log).and_then(|f| Ok((f.try_clone()?, f))) {
                Ok((out, err)) => cmd.stdout(out).stderr(err),
                Err(_) => cmd.stdout(Stdio::null()).stderr(Stdio::null()),
            };
            let mut child = cmd.spawn().expect("spawn oxidis-server");
            let deadline = Instant::now() + Duration::from_secs(10);
            while Instant::now() < deadline {
                if let Ok(Some(_)) = child.try_wait() {
                    break;
                }
                if let Ok(mut s) = TcpStream::connect(("127.0.0.1", port)) {
                    let _ = s.set_read_timeout(Some(Duration::from_secs(2)));
                    if s.write_all(b"PING\r\n").is_ok() {
                        let mut buf = [0u8; 64];
                        if let Ok(n) = s.read(&mut buf) {
                            if n > 0 {
                                return Server { child, port, dir };
                            }
                        }
                    }
                }
                std::thread::sleep(Duration::from_millis(20));
            }
            let _ = child.kill();
            let _ = child.wait();
        }
        let tail = std::fs::read_to_string(&log).unwrap_or_default();
        let lines: Vec<&str> = tail.lines().collect();
        let last = lines[lines.len().saturating_sub(5)..].join("\n");
        panic!("oxidis-server did not start; the last attempt's log ends with:\n{last}");
    }

    pub fn start() -> Server {
        Server::start_with(&[])
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/", self.port)
    }

    /// A new `redis` crate connection.
    pub fn conn(&self) -> redis::Connection {
        let client = redis::Client::open(self.url()).expect("client");
        let c = client.get_connection_with_timeout(Duration::from_secs(5)).expect("connect");
        c.set_read_timeout(Some(Duration::from_secs(10))).expect("timeout");
        c
    }

    /// A raw TCP socket, for protocol-level tests.
    pub fn raw(&self) -> TcpStream {
        let s = TcpStream::connect(("127.0.0.1", self.port)).expect("connect");
        s.set_read_timeout(Some(Duration::from_secs(5))).expect("timeout");
        s
    }

    /// True while the process runs.
    pub fn alive(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
        let _ = std::fs::remove_file(self.dir.with_extension("log"));
    }
}

/// Sends raw bytes and reads until `expect_len` bytes arrived or the peer closed.
pub fn roundtrip(s: &mut TcpStream, req: &[u8], expect_len: usize) -> Vec<u8> {
    s.write_all(req).expect("write");
    read_at_least(s, expect_len)
}

/// Reads until at least `n` bytes arrived, the peer closed, or 5 s passed.
pub fn read_at_least(s: &mut TcpStream, n: usize) -> Vec<u8> {
    let mut out = Vec::new();
    let mut buf = [0u8; 65536];
    let deadline = Instant::now() + Duration::from_secs(5);
    while out.len() < n && Instant::now() < deadline {
        match s.read(&mut buf) {
            Ok(0) => break,
            Ok(k) => out.extend_from_slice(&buf[..k]),
            Err(_) => break,
        }
    }
    out
}

/// Asserts that a redis-crate result is a server error whose text starts with `prefix`
/// (the code included, e.g. "WRONGTYPE" or "ERR syntax error").
pub fn assert_err<T: std::fmt::Debug>(r: redis::RedisResult<T>, prefix: &str) {
    match r {
        Ok(v) => panic!("expected error '{prefix}', got Ok({v:?})"),
        Err(e) => {
            let full = match (e.code(), e.detail()) {
                (Some(code), Some(detail)) => format!("{code} {detail}"),
                (Some(code), None) => code.to_string(),
                _ => e.to_string(),
            };
            assert!(full.starts_with(prefix), "expected error starting with '{prefix}', got '{full}'");
        }
    }
}

/// Runs `args` and converts the reply, panicking (with the command) on error.
pub fn q<T: redis::FromRedisValue>(c: &mut redis::Connection, args: &[&str]) -> T {
    match redis::cmd(args[0]).arg(&args[1..]).query(c) {
        Ok(v) => v,
        Err(e) => panic!("{args:?} failed: {e}"),
    }
}

/// Runs `args` and returns the raw result (for error assertions).
pub fn r(c: &mut redis::Connection, args: &[&str]) -> redis::RedisResult<redis::Value> {
    redis::cmd(args[0]).arg(&args[1..]).query(c)
}
