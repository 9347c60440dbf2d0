//! A raw RESP2/RESP3 client for protocol-level tests: it sends exact bytes and
//! reads exact frames, so a test can check the bytes Redis would send (error
//! texts, RESP3 types, connection closes) that the `redis` crate hides.
//!
//! Included by test files with `#[path = "support/raw.rs"] mod raw;`.
#![allow(dead_code)]

use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

/// One reply, as the wire says it.
#[derive(Debug, Clone, PartialEq)]
pub enum Frame {
    Simple(String),
    Error(String),
    Int(i64),
    /// `$-1` is `Bulk(None)`.
    Bulk(Option<Vec<u8>>),
    /// `*-1` is `Array(None)`.
    Array(Option<Vec<Frame>>),
    /// RESP3 `_`.
    Null,
    /// RESP3 `,` (kept as text, as sent).
    Double(String),
    /// RESP3 `#`.
    Bool(bool),
    /// RESP3 `(` (kept as text).
    BigNumber(String),
    /// RESP3 `=`: format and text.
    Verbatim(String, Vec<u8>),
    /// RESP3 `%`.
    Map(Vec<(Frame, Frame)>),
    /// RESP3 `~`.
    Set(Vec<Frame>),
    /// RESP3 `>`.
    Push(Vec<Frame>),
}

impl Frame {
    /// The text of a simple string, bulk string or verbatim string.
    pub fn text(&self) -> String {
        match self {
            Frame::Simple(s) => s.clone(),
            Frame::Bulk(Some(b)) | Frame::Verbatim(_, b) => String::from_utf8_lossy(b).into_owned(),
            other => panic!("not a string reply: {other:?}"),
        }
    }

    pub fn int(&self) -> i64 {
        match self {
            Frame::Int(n) => *n,
            other => panic!("not an integer reply: {other:?}"),
        }
    }

    /// The elements of an array, set or push.
    pub fn items(&self) -> &[Frame] {
        match self {
            Frame::Array(Some(v)) | Frame::Set(v) | Frame::Push(v) => v,
            other => panic!("not an aggregate reply: {other:?}"),
        }
    }

    /// Asserts this is an error whose text is exactly `msg` (code included).
    pub fn assert_error(&self, msg: &str) {
        match self {
            Frame::Error(e) => assert_eq!(e, msg),
            other => panic!("expected error '{msg}', got {other:?}"),
        }
    }

    pub fn is_error(&self) -> bool {
        matches!(self, Frame::Error(_))
    }
}

/// Encodes `args` as a RESP multibulk request.
pub fn encode(args: &[&[u8]]) -> Vec<u8> {
    let mut out = format!("*{}\r\n", args.len()).into_bytes();
    for a in args {
        out.extend_from_slice(format!("${}\r\n", a.len()).as_bytes());
        out.extend_from_slice(a);
        out.extend_from_slice(b"\r\n");
    }
    out
}

/// Encodes a request given as text words.
pub fn encode_str(args: &[&str]) -> Vec<u8> {
    let v: Vec<&[u8]> = args.iter().map(|a| a.as_bytes()).collect();
    encode(&v)
}

/// Why reading a frame stopped.
#[derive(Debug, PartialEq)]
pub enum End {
    /// The server closed the connection (or reset it).
    Closed,
    /// Nothing complete arrived in time.
    Timeout,
}

/// Parses one frame from the start of `b`: `Ok(Some((frame, len)))`, `Ok(None)`
/// if incomplete, `Err` if `b` is not RESP.
pub fn parse(b: &[u8]) -> Result<Option<(Frame, usize)>, String> {
    let Some(nl) = b.windows(2).position(|w| w == b"\r\n") else {
        return Ok(None);
    };
    if b.is_empty() {
        return Ok(None);
    }
    let line = &b[1..nl];
    let text = || String::from_utf8_lossy(line).into_owned();
    let num = || -> Result<i64, String> { text().parse::<i64>().map_err(|e| format!("bad number {:?}: {e}", text())) };
    let after = nl + 2;
    let aggregate = |n: i64, per: usize| -> Result<Option<(Vec<Frame>, usize)>, String> {
        let mut items = Vec::new();
        let mut pos = after;
        for _ in 0..(n.max(0) as usize * per) {
            match parse(&b[pos..])? {
                Some((f, used)) => {
                    items.push(f);
                    pos += used;
                }
                None => return Ok(None),
            }
        }
        Ok(Some((items, pos)))
    };
    let blob = |n: i64| -> Option<(Vec<u8>, usize)> {
        let n = n as usize;
        if b.len() < after + n + 2 {
            return None;
        }
        Some((b[after..after + n].to_vec(), after + n + 2))
    };
    Ok(match b[0] {
        b'+' => Some((Frame::Simple(text()), after)),
        b'-' => Some((Frame::Error(text()), after)),
        b':' => Some((Frame::Int(num()?), after)),
        b',' => Some((Frame::Double(text()), after)),
        b'(' => Some((Frame::BigNumber(text()), after)),
        b'#' => Some((Frame::Bool(line == b"t"), after)),
        b'_' => Some((Frame::Null, after)),
        b'$' => {
            let n = num()?;
            if n < 0 {
                Some((Frame::Bulk(None), after))
            } else {
                blob(n).map(|(v, used)| (Frame::Bulk(Some(v)), used))
            }
        }
        b'=' => blob(num()?).map(|(v, used)| {
            let fmt = String::from_utf8_lossy(&v[..3.min(v.len())]).into_owned();
            (Frame::Verbatim(fmt, v.get(4..).unwrap_or_default().to_vec()), used)
        }),
        b'*' => {
            let n = num()?;
            if n < 0 {
                Some((Frame::Array(None), after))
            } else {
                aggregate(n, 1)?.map(|(v, used)| (Frame::Array(Some(v)), used))
            }
        }
        b'~' => aggregate(num()?, 1)?.map(|(v, used)| (Frame::Set(v), used)),
        b'>' => aggregate(num()?, 1)?.map(|(v, used)| (Frame::Push(v), used)),
        b'%' => aggregate(num()?, 2)?.map(|(v, used)| {
            let mut it = v.into_iter();
            let mut pairs = Vec::new();
            while let (Some(k), Some(val)) = (it.next(), it.next()) {
                pairs.push((k, val));
            }
            (Frame::Map(pairs), used)
        }),
        other => return Err(format!("unexpected type byte {:?} in {:?}", other as char, String::from_utf8_lossy(b))),
    })
}

/// A raw connection with a read buffer.
pub struct Raw {
    pub s: TcpStream,
    buf: Vec<u8>,
}

impl Raw {
    pub fn new(s: TcpStream) -> Raw {
        s.set_read_timeout(Some(Duration::from_secs(5))).expect("timeout");
        s.set_nodelay(true).ok();
        Raw { s, buf: Vec::new() }
    }

    pub fn send(&mut self, b: &[u8]) {
        self.s.write_all(b).expect("write");
    }

    /// Sends a multibulk request and reads its reply.
    pub fn cmd(&mut self, args: &[&str]) -> Frame {
        self.send(&encode_str(args));
        self.read()
    }

    /// Sends a binary multibulk request and reads its reply.
    pub fn cmd_bin(&mut self, args: &[&[u8]]) -> Frame {
        self.send(&encode(args));
        self.read()
    }

    /// Reads one frame; panics if the connection closes or 5 s pass.
    pub fn read(&mut self) -> Frame {
        match self.try_read(Duration::from_secs(5)) {
            Ok(f) => f,
            Err(e) => panic!("no reply ({e:?}); buffered: {:?}", String::from_utf8_lossy(&self.buf)),
        }
    }

    /// Reads one frame within `wait`.
    pub fn try_read(&mut self, wait: Duration) -> Result<Frame, End> {
        let deadline = Instant::now() + wait;
        loop {
            match parse(&self.buf) {
                Ok(Some((f, used))) => {
                    self.buf.drain(..used);
                    return Ok(f);
                }
                Ok(None) => {}
                Err(e) => panic!("{e}"),
            }
            self.fill(deadline)?;
        }
    }

    /// Reads exactly the bytes of the next frame.
    pub fn read_bytes(&mut self) -> Vec<u8> {
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            if let Ok(Some((_, used))) = parse(&self.buf) {
                return self.buf.drain(..used).collect();
            }
            if let Err(e) = self.fill(deadline) {
                panic!("no reply ({e:?}); buffered: {:?}", String::from_utf8_lossy(&self.buf));
            }
        }
    }

    /// Reads one CRLF-terminated line (for MONITOR output), without the CRLF.
    pub fn read_line(&mut self) -> String {
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            if let Some(nl) = self.buf.windows(2).position(|w| w == b"\r\n") {
                let line: Vec<u8> = self.buf.drain(..nl + 2).collect();
                return String::from_utf8_lossy(&line[..nl]).into_owned();
            }
            if let Err(e) = self.fill(deadline) {
                panic!("no line ({e:?}); buffered: {:?}", String::from_utf8_lossy(&self.buf));
            }
        }
    }

    /// Reads whatever arrives until the peer closes; `Closed` if it did within
    /// `wait`, `Timeout` otherwise. The bytes read are kept in the buffer.
    pub fn wait_closed(&mut self, wait: Duration) -> End {
        let deadline = Instant::now() + wait;
        loop {
            if let Err(e) = self.fill(deadline) {
                return e;
            }
        }
    }

    /// True if no byte arrives within `wait` (and the connection stays open).
    pub fn silent_for(&mut self, wait: Duration) -> bool {
        if !self.buf.is_empty() {
            return false;
        }
        matches!(self.fill(Instant::now() + wait), Err(End::Timeout))
    }

    /// Bytes received but not consumed yet.
    pub fn buffered(&self) -> &[u8] {
        &self.buf
    }

    /// One read into the buffer, bounded by `deadline`.
    fn fill(&mut self, deadline: Instant) -> Result<(), End> {
        let now = Instant::now();
        if now >= deadline {
            return Err(End::Timeout);
        }
        let left = (deadline - now).max(Duration::from_millis(1));
        self.s.set_read_timeout(Some(left)).expect("timeout");
        let mut tmp = [0u8; 65536];
        match self.s.read(&mut tmp) {
            Ok(0) => Err(End::Closed),
            Ok(n) => {
                self.buf.extend_from_slice(&tmp[..n]);
                Ok(())
            }
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => Err(End::Timeout),
            Err(e) if e.kind() == ErrorKind::Interrupted => Ok(()),
            Err(_) => Err(End::Closed),
        }
    }
}
