//! Protocol abuse over raw sockets. Every case checks the exact reply Redis 7.0
//! sends (and whether it closes the connection), then that the server still
//! serves a SECOND client: one misbehaving connection must never hurt others.

mod common;
#[path = "support/raw.rs"]
mod raw;

use std::io::Write;
use std::net::Shutdown;
use std::time::Duration;

use raw::{encode, encode_str, End, Frame, Raw};

fn raw(srv: &common::Server) -> Raw {
    Raw::new(srv.raw())
}

/// A fresh client gets PONG, and the process is still running.
fn assert_alive(srv: &mut common::Server) {
    assert!(srv.alive(), "server process exited");
    let mut c = raw(srv);
    assert_eq!(c.cmd(&["PING"]), Frame::Simple("PONG".into()), "second client not served");
}

/// Sends `bytes`, expects exactly the error `msg`, then the connection closing
/// with nothing else sent (commands pipelined after the error are dropped).
fn expect_protocol_error(srv: &mut common::Server, bytes: &[u8], msg: &str) {
    let mut c = raw(srv);
    c.send(bytes);
    match c.try_read(Duration::from_secs(5)) {
        Ok(f) => f.assert_error(msg),
        Err(e) => panic!("no reply to {:?}: {e:?}", String::from_utf8_lossy(bytes)),
    }
    assert_eq!(c.wait_closed(Duration::from_secs(5)), End::Closed, "connection left open after {msg}");
    assert!(c.buffered().is_empty(), "extra bytes after the error: {:?}", String::from_utf8_lossy(c.buffered()));
    assert_alive(srv);
}

fn exists(srv: &common::Server, key: &str) -> bool {
    let mut c = raw(srv);
    c.cmd(&["EXISTS", key]).int() == 1
}

/// Caps the server's address space, so a runaway allocation makes the server
/// abort (failing the test) instead of exhausting the machine's memory.
fn cap_memory(srv: &common::Server, bytes: u64) {
    let lim = libc::rlimit { rlim_cur: bytes, rlim_max: bytes };
    // SAFETY: prlimit only reads `lim`; the old-limit pointer is null.
    let rc = unsafe { libc::prlimit(srv.child.id() as libc::pid_t, libc::RLIMIT_AS, &lim, std::ptr::null_mut()) };
    assert_eq!(rc, 0, "prlimit: {}", std::io::Error::last_os_error());
}

/// A deterministic byte generator (xorshift), so failures are reproducible.
fn garbage(seed: u64, len: usize) -> Vec<u8> {
    let mut x = seed | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect()
}

#[test]
fn invalid_multibulk_length() {
    let mut srv = common::Server::start();
    let msg = "ERR Protocol error: invalid multibulk length";
    expect_protocol_error(&mut srv, b"*abc\r\nPING\r\n", msg);
    for bad in [
        &b"*\r\n"[..],
        b"*1 \r\n",
        b"* 1\r\n",
        b"*+1\r\n$4\r\nPING\r\n",
        b"*2147483648\r\n",
        b"*3000000000\r\n",
        b"*99999999999999999999\r\n",
        b"*1x\r\n",
    ] {
        expect_protocol_error(&mut srv, bad, msg);
    }
}

#[test]
fn invalid_bulk_length() {
    let mut srv = common::Server::start();
    let msg = "ERR Protocol error: invalid bulk length";
    // A 2 GB bulk header is refused before any payload is read.
    expect_protocol_error(&mut srv, b"*1\r\n$2147483648\r\n", msg);
    for bad in [
        &b"*1\r\n$-1\r\n"[..],
        b"*1\r\n$-5\r\n",
        b"*1\r\n$abc\r\n",
        b"*1\r\n$\r\n",
        b"*1\r\n$+4\r\nPING\r\n",
        b"*1\r\n$99999999999999999999\r\n",
        b"*2\r\n$4\r\nECHO\r\n$536870913\r\n",
    ] {
        expect_protocol_error(&mut srv, bad, msg);
    }
    // The limit follows proto-max-bulk-len.
    let mut c = raw(&srv);
    assert_eq!(c.cmd(&["CONFIG", "SET", "proto-max-bulk-len", "1mb"]), Frame::Simple("OK".into()));
    expect_protocol_error(&mut srv, b"*2\r\n$4\r\nECHO\r\n$1048577\r\n", msg);
    let mut c = raw(&srv);
    let exact = "x".repeat(1024 * 1024);
    assert_eq!(c.cmd(&["ECHO", &exact]).text().len(), 1024 * 1024);
}

#[test]
fn negative_and_zero_multibulk_lengths_are_empty_requests() {
    let mut srv = common::Server::start();
    let mut c = raw(&srv);
    c.send(b"*-1\r\n*0\r\n*-5\r\nPING\r\n");
    assert_eq!(c.read(), Frame::Simple("PONG".into()));
    assert!(c.silent_for(Duration::from_millis(200)));
    assert_eq!(c.cmd(&["PING"]), Frame::Simple("PONG".into()));
    assert_alive(&mut srv);
}

#[test]
fn expected_dollar_errors() {
    let mut srv = common::Server::start();
    expect_protocol_error(&mut srv, b"*1\r\nfoo\r\n", "ERR Protocol error: expected '$', got 'f'");
    expect_protocol_error(&mut srv, b"*2\r\n$4\r\nECHO\r\n:5\r\n", "ERR Protocol error: expected '$', got ':'");
    expect_protocol_error(&mut srv, b"*2\r\n$4\r\nECHO\r\n*1\r\n", "ERR Protocol error: expected '$', got '*'");
}

#[test]
#[ignore = "server bug: 'expected $' errors print a space for non-printable bytes; Redis copies the byte (%c)"]
fn expected_dollar_error_copies_the_byte() {
    let mut srv = common::Server::start();
    expect_protocol_error(&mut srv, b"*1\r\n\x01oo\r\n", "ERR Protocol error: expected '$', got '\x01'");
}

#[test]
fn unbalanced_quotes_in_inline_requests() {
    let mut srv = common::Server::start();
    let msg = "ERR Protocol error: unbalanced quotes in request";
    expect_protocol_error(&mut srv, b"set \"a b\r\nPING\r\n", msg);
    expect_protocol_error(&mut srv, b"set 'a\r\n", msg);
    // A closing quote must be followed by a space or the end.
    expect_protocol_error(&mut srv, b"set \"a\"b c\r\n", msg);
    assert!(!exists(&srv, "a"));
}

#[test]
fn inline_commands() {
    let mut srv = common::Server::start();
    let mut c = raw(&srv);
    c.send(b"PING\r\n");
    assert_eq!(c.read(), Frame::Simple("PONG".into()));
    c.send(b"set a b\r\n");
    assert_eq!(c.read(), Frame::Simple("OK".into()));
    // Bare \n endings, extra blanks and tabs, empty lines (no reply).
    c.send(b"\r\n\n  get \t a  \n");
    assert_eq!(c.read(), Frame::Bulk(Some(b"b".to_vec())));
    // Quotes and escapes.
    c.send(b"set k \"a\\x41\\n\\\"q\\\"\"\r\nget k\r\n");
    assert_eq!(c.read(), Frame::Simple("OK".into()));
    assert_eq!(c.read(), Frame::Bulk(Some(b"aA\n\"q\"".to_vec())));
    c.send(b"set 'key 2' 'it\\'s'\r\nget \"key 2\"\r\n");
    assert_eq!(c.read(), Frame::Simple("OK".into()));
    assert_eq!(c.read(), Frame::Bulk(Some(b"it's".to_vec())));
    c.send(b"ECHO \"\"\r\n");
    assert_eq!(c.read(), Frame::Bulk(Some(vec![])));
    // Inline and multibulk requests mix in one pipeline.
    let mut mixed = b"PING one\r\n".to_vec();
    mixed.extend(encode_str(&["PING", "two"]));
    mixed.extend(b"PING three\n");
    c.send(&mixed);
    for word in ["one", "two", "three"] {
        assert_eq!(c.read(), Frame::Bulk(Some(word.as_bytes().to_vec())));
    }
    assert_alive(&mut srv);
}

#[test]
fn too_long_lines() {
    let mut srv = common::Server::start();
    // Inline request without a newline past 64 KB.
    let mut big = vec![b'A'; 100 * 1024];
    big[0] = b'x';
    expect_protocol_error(&mut srv, &big, "ERR Protocol error: too big inline request");
    // Multibulk count and bulk length lines past 64 KB.
    let mut count = b"*".to_vec();
    count.extend(std::iter::repeat_n(b'1', 70_000));
    expect_protocol_error(&mut srv, &count, "ERR Protocol error: too big mbulk count string");
    let mut bulk = b"*1\r\n$".to_vec();
    bulk.extend(std::iter::repeat_n(b'1', 70_000));
    expect_protocol_error(&mut srv, &bulk, "ERR Protocol error: too big bulk count string");
}

#[test]
fn random_garbage() {
    let mut srv = common::Server::start();
    cap_memory(&srv, 2 << 30);
    for seed in 1..=20u64 {
        let mut bytes = garbage(seed, 50_000);
        // NUL bytes in inline requests with quotes hang the server today; that
        // case has its own (ignored) test below.
        for b in bytes.iter_mut().filter(|b| **b == 0) {
            *b = 1;
        }
        // Half the cases look like RESP at first.
        if seed % 2 == 0 {
            bytes[0] = b'*';
        }
        let mut c = raw(&srv);
        // The server may close before reading everything: write errors are fine.
        for chunk in bytes.chunks(4096) {
            if c.s.write_all(chunk).is_err() {
                break;
            }
        }
        // Whatever the server answered, it must have been well-formed RESP and the
        // connection either stays usable or is closed.
        let _ = c.wait_closed(Duration::from_millis(300));
        let mut pos = 0;
        let buf = c.buffered().to_vec();
        while pos < buf.len() {
            match raw::parse(&buf[pos..]) {
                Ok(Some((_, used))) => pos += used,
                // A reply still arriving when we stopped reading.
                Ok(None) => break,
                Err(e) => panic!("seed {seed}: malformed reply at {pos}: {e}"),
            }
        }
        assert_alive(&mut srv);
    }
}

#[test]
fn inline_nul_with_quote_does_not_hang() {
    let mut srv = common::Server::start();
    cap_memory(&srv, 1 << 30);
    for req in [&b"\0'\r\n"[..], b"a \0'b'\r\n", b"'a' \0\r\n"] {
        let mut c = raw(&srv);
        c.send(req);
        // Redis never completes such a line (it looks for the newline with strchr,
        // which stops at the NUL); any bounded answer is acceptable here, as long
        // as the server keeps serving others.
        let _ = c.wait_closed(Duration::from_millis(500));
        assert_alive(&mut srv);
    }
}

#[test]
fn unterminated_frame_then_close() {
    let mut srv = common::Server::start();
    for partial in [
        &b"*3\r\n$3\r\nSET\r\n$1\r\nk"[..],
        b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\n",
        b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1",
        b"*3\r\n",
        b"*3",
        b"*",
        b"set k v",
    ] {
        let mut c = raw(&srv);
        c.send(partial);
        assert!(c.silent_for(Duration::from_millis(100)), "reply to partial {partial:?}");
        drop(c);
        assert_alive(&mut srv);
        assert!(!exists(&srv, "k"), "partial {partial:?} was executed");
    }
    // Half-close after a partial frame.
    let mut c = raw(&srv);
    c.send(b"*2\r\n$4\r\nECHO\r\n$10\r\nabc");
    c.s.shutdown(Shutdown::Write).unwrap();
    assert_eq!(c.wait_closed(Duration::from_secs(5)), End::Closed);
    assert!(c.buffered().is_empty());
    assert_alive(&mut srv);
}

#[test]
fn client_closing_mid_bulk() {
    let mut srv = common::Server::start();
    for (declared, sent) in [(100_000usize, 50_000usize), (10 * 1024 * 1024, 3 * 1024 * 1024), (20, 19)] {
        let mut c = raw(&srv);
        let mut req = format!("*3\r\n$3\r\nSET\r\n$3\r\nbig\r\n${declared}\r\n").into_bytes();
        req.extend(std::iter::repeat_n(b'v', sent));
        c.send(&req);
        drop(c);
        assert_alive(&mut srv);
        assert!(!exists(&srv, "big"));
    }
}

#[test]
fn commands_after_a_protocol_error_are_not_run() {
    let mut srv = common::Server::start();
    let mut c = raw(&srv);
    c.send(b"SET a 1\r\n*abc\r\nSET b 2\r\n");
    assert_eq!(c.read(), Frame::Simple("OK".into()));
    c.read().assert_error("ERR Protocol error: invalid multibulk length");
    assert_eq!(c.wait_closed(Duration::from_secs(5)), End::Closed);
    assert!(exists(&srv, "a"));
    assert!(!exists(&srv, "b"));
    assert_alive(&mut srv);
}

#[test]
fn bytes_after_a_bulk_payload_are_not_checked() {
    // Redis skips the two bytes after a payload without looking at them.
    let mut srv = common::Server::start();
    let mut c = raw(&srv);
    c.send(b"*1\r\n$4\r\nPINGxx");
    assert_eq!(c.read(), Frame::Simple("PONG".into()));
    assert_alive(&mut srv);
}

#[test]
fn ten_thousand_pipelined_pings_in_one_write() {
    let mut srv = common::Server::start();
    let mut c = raw(&srv);
    let one = encode_str(&["PING"]);
    let all: Vec<u8> = one.iter().copied().cycle().take(one.len() * 10_000).collect();
    c.send(&all);
    let want = b"+PONG\r\n".repeat(10_000);
    let got = common::read_at_least(&mut c.s, want.len());
    assert_eq!(got.len(), want.len());
    assert!(got == want, "replies differ");
    // Inline PINGs too.
    c.send(&b"PING\r\n".repeat(10_000));
    let got = common::read_at_least(&mut c.s, want.len());
    assert!(got == want);
    assert_alive(&mut srv);
}

#[test]
fn ten_thousand_pipelined_sets_reply_in_order() {
    let mut srv = common::Server::start();
    let mut c = raw(&srv);
    let mut req = Vec::new();
    for i in 0..10_000 {
        req.extend(encode_str(&["SET", &format!("key:{i}"), &format!("value:{i}")]));
    }
    c.send(&req);
    for i in 0..10_000 {
        assert_eq!(c.read(), Frame::Simple("OK".into()), "reply {i}");
    }
    // Replies carry data in request order.
    let mut req = Vec::new();
    for i in 0..10_000 {
        req.extend(encode_str(&["INCR", "counter"]));
        req.extend(encode_str(&["GET", &format!("key:{}", 9_999 - i)]));
    }
    c.send(&req);
    for i in 0..10_000 {
        assert_eq!(c.read(), Frame::Int(i + 1));
        assert_eq!(c.read(), Frame::Bulk(Some(format!("value:{}", 9_999 - i).into_bytes())));
    }
    assert_eq!(c.cmd(&["DBSIZE"]), Frame::Int(10_001));
    assert_alive(&mut srv);
}

#[test]
fn pipeline_written_and_abandoned() {
    // The client sends a big pipeline and leaves without reading the replies.
    let mut srv = common::Server::start();
    {
        let mut c = raw(&srv);
        let big = "x".repeat(1000);
        let mut req = Vec::new();
        for _ in 0..5_000 {
            req.extend(encode_str(&["ECHO", &big]));
        }
        c.send(&req);
    }
    assert_alive(&mut srv);
}

#[test]
fn many_arguments_in_one_command() {
    let mut srv = common::Server::start();
    let mut c = raw(&srv);
    let keys: Vec<String> = (0..50_000).map(|i| format!("k{i}")).collect();
    let mut args: Vec<&[u8]> = vec![b"MSET"];
    for k in &keys {
        args.push(k.as_bytes());
        args.push(b"v");
    }
    c.send(&encode(&args));
    assert_eq!(c.read(), Frame::Simple("OK".into()));
    assert_eq!(c.cmd(&["DBSIZE"]), Frame::Int(50_000));
    assert_alive(&mut srv);
}

#[test]
fn big_value_round_trip() {
    let mut srv = common::Server::start();
    let mut c = raw(&srv);
    let value: Vec<u8> = (0..10 * 1024 * 1024u32).map(|i| (i % 251) as u8).collect();
    c.send(&encode(&[b"SET", b"big", &value]));
    assert_eq!(c.read(), Frame::Simple("OK".into()));
    c.send(&encode(&[b"GET", b"big"]));
    let got = c.read_bytes();
    let header = format!("${}\r\n", value.len());
    assert!(got.starts_with(header.as_bytes()));
    assert_eq!(got.len(), header.len() + value.len() + 2);
    assert!(got[header.len()..header.len() + value.len()] == value[..], "value differs");
    assert!(got.ends_with(b"\r\n"));
    assert_eq!(c.cmd(&["STRLEN", "big"]), Frame::Int(value.len() as i64));
    // Written in many small pieces.
    let mut c2 = raw(&srv);
    let req = encode(&[b"SET", b"big2", &value[..1024 * 1024]]);
    for chunk in req.chunks(1000) {
        c2.send(chunk);
    }
    assert_eq!(c2.read(), Frame::Simple("OK".into()));
    assert_eq!(c2.cmd(&["STRLEN", "big2"]), Frame::Int(1024 * 1024));
    assert_alive(&mut srv);
}

#[test]
fn one_byte_at_a_time() {
    let mut srv = common::Server::start();
    let mut c = raw(&srv);
    let mut req = encode_str(&["SET", "key", "value"]);
    req.extend(b"GET key\r\n");
    req.extend(encode_str(&["ECHO", "a\r\nb"]));
    req.extend(b"PING\n");
    for b in &req {
        c.send(std::slice::from_ref(b));
        c.s.flush().unwrap();
    }
    assert_eq!(c.read(), Frame::Simple("OK".into()));
    assert_eq!(c.read(), Frame::Bulk(Some(b"value".to_vec())));
    assert_eq!(c.read(), Frame::Bulk(Some(b"a\r\nb".to_vec())));
    assert_eq!(c.read(), Frame::Simple("PONG".into()));
    // A bulk above the big-argument threshold, byte by byte in 1-byte writes
    // for its header and then in small pieces.
    let big = vec![b'z'; 40_000];
    let req = encode(&[b"SET", b"k2", &big]);
    for b in &req[..30] {
        c.send(std::slice::from_ref(b));
    }
    for chunk in req[30..].chunks(7) {
        c.send(chunk);
    }
    assert_eq!(c.read(), Frame::Simple("OK".into()));
    assert_eq!(c.cmd(&["STRLEN", "k2"]), Frame::Int(40_000));
    assert_alive(&mut srv);
}

#[test]
fn query_buffer_limit_does_not_cut_pipelines() {
    let mut srv = common::Server::start();
    let mut c = raw(&srv);
    assert_eq!(c.cmd(&["CONFIG", "SET", "client-query-buffer-limit", "1mb"]), Frame::Simple("OK".into()));
    let n = 300_000;
    let req = encode_str(&["PING"]).repeat(n);
    let writer = {
        let mut s = c.s.try_clone().unwrap();
        std::thread::spawn(move || s.write_all(&req).is_ok())
    };
    let want = b"+PONG\r\n".len() * n;
    let got = common::read_at_least(&mut c.s, want);
    assert!(writer.join().unwrap(), "write failed: connection closed");
    assert_eq!(got.len(), want);
    assert_alive(&mut srv);
}

#[test]
fn query_buffer_limit_closes_a_huge_unfinished_argument() {
    let mut srv = common::Server::start();
    let mut c = raw(&srv);
    assert_eq!(c.cmd(&["CONFIG", "SET", "client-query-buffer-limit", "1mb"]), Frame::Simple("OK".into()));
    let mut req = b"*2\r\n$4\r\nECHO\r\n$2000000\r\n".to_vec();
    req.extend(std::iter::repeat_n(b'x', 2_000_000));
    req.extend(b"\r\n");
    let mut d = raw(&srv);
    let _ = d.s.write_all(&req);
    assert_eq!(d.wait_closed(Duration::from_secs(5)), End::Closed);
    assert!(d.buffered().is_empty(), "{:?}", String::from_utf8_lossy(&d.buffered()[..d.buffered().len().min(100)]));
    assert_alive(&mut srv);
}
