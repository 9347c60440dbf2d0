//! Transactions over TCP with several clients: MULTI/EXEC/DISCARD, queue-time
//! errors (EXECABORT) and run-time errors, WATCH made dirty by other clients,
//! by expiry, FLUSHALL/FLUSHDB, SWAPDB, RENAME, MOVE..., RESP2 and RESP3
//! shapes, blocking commands inside MULTI and waiters woken after EXEC,
//! CLIENT LIST fields, commandstats, MONITOR, CLIENT PAUSE WRITE, and the
//! state checks (maxmemory, min-replicas-to-write, DEBUG) applied at queue
//! and EXEC time. Expected replies were checked against Redis 7.0.

mod common;
#[path = "support/raw.rs"]
mod raw;

use std::collections::HashMap;
use std::time::{Duration, Instant};

use raw::{Frame, Raw};

fn raw(srv: &common::Server) -> Raw {
    Raw::new(srv.raw())
}

fn bulk(s: &str) -> Frame {
    Frame::Bulk(Some(s.as_bytes().to_vec()))
}

fn simple(s: &str) -> Frame {
    Frame::Simple(s.to_string())
}

fn arr(v: Vec<Frame>) -> Frame {
    Frame::Array(Some(v))
}

const EXECABORT: &str = "EXECABORT Transaction discarded because of previous errors.";

fn ok(c: &mut Raw, args: &[&str]) {
    assert_eq!(c.cmd(args), simple("OK"), "{args:?}");
}

fn queued(c: &mut Raw, args: &[&str]) {
    assert_eq!(c.cmd(args), simple("QUEUED"), "{args:?}");
}

/// MULTI, PING, EXEC: the EXEC reply (a nil when a watched key changed).
fn try_exec(c: &mut Raw) -> Frame {
    ok(c, &["MULTI"]);
    queued(c, &["PING"]);
    c.cmd(&["EXEC"])
}

fn assert_dirty(c: &mut Raw, why: &str) {
    assert_eq!(try_exec(c), Frame::Array(None), "EXEC should fail: {why}");
}

fn assert_clean(c: &mut Raw, why: &str) {
    assert_eq!(try_exec(c), arr(vec![simple("PONG")]), "EXEC should run: {why}");
}

/// `key=value` pairs of CLIENT INFO.
fn client_info(c: &mut Raw) -> HashMap<String, String> {
    let line = c.cmd(&["CLIENT", "INFO"]).text();
    line.split_whitespace().filter_map(|kv| kv.split_once('=')).map(|(k, v)| (k.into(), v.into())).collect()
}

fn info_field(c: &mut Raw, section: &str, field: &str) -> String {
    let text = c.cmd(&["INFO", section]).text();
    text.lines()
        .find_map(|l| l.strip_prefix(&format!("{field}:")))
        .map(|v| v.trim().to_string())
        .unwrap_or_else(|| panic!("{field} not in INFO {section}"))
}

/// Waits (at most 5 s) until exactly `n` clients are blocked.
fn wait_blocked(c: &mut Raw, n: i64) {
    let deadline = Instant::now() + Duration::from_secs(5);
    while info_field(c, "clients", "blocked_clients") != n.to_string() {
        assert!(Instant::now() < deadline, "expected {n} blocked clients");
        std::thread::sleep(Duration::from_millis(5));
    }
}

#[test]
fn queue_and_exec_basics() {
    let srv = common::Server::start();
    let mut c = raw(&srv);
    c.cmd(&["EXEC"]).assert_error("ERR EXEC without MULTI");
    c.cmd(&["DISCARD"]).assert_error("ERR DISCARD without MULTI");
    ok(&mut c, &["MULTI"]);
    c.cmd(&["MULTI"]).assert_error("ERR MULTI calls can not be nested");
    c.cmd(&["WATCH", "x"]).assert_error("ERR WATCH inside MULTI is not allowed");
    // Neither error aborts the transaction.
    queued(&mut c, &["RPUSH", "l", "a", "b"]);
    queued(&mut c, &["LRANGE", "l", "0", "-1"]);
    queued(&mut c, &["PING"]);
    assert_eq!(c.cmd(&["EXEC"]), arr(vec![Frame::Int(2), arr(vec![bulk("a"), bulk("b")]), simple("PONG")]));
    // Out of MULTI again.
    assert_eq!(c.cmd(&["PING"]), simple("PONG"));
    c.cmd(&["EXEC"]).assert_error("ERR EXEC without MULTI");

    // DISCARD drops the queue.
    ok(&mut c, &["MULTI"]);
    queued(&mut c, &["DEL", "l"]);
    ok(&mut c, &["DISCARD"]);
    assert_eq!(c.cmd(&["LLEN", "l"]), Frame::Int(2));

    // An empty transaction.
    ok(&mut c, &["MULTI"]);
    assert_eq!(c.cmd(&["EXEC"]), arr(vec![]));

    // Commands that change argv (SPOP) and SELECT inside MULTI.
    assert_eq!(c.cmd(&["SADD", "s", "a"]), Frame::Int(1));
    ok(&mut c, &["MULTI"]);
    queued(&mut c, &["SPOP", "s"]);
    queued(&mut c, &["SELECT", "3"]);
    queued(&mut c, &["SET", "in3", "v"]);
    assert_eq!(c.cmd(&["EXEC"]), arr(vec![bulk("a"), simple("OK"), simple("OK")]));
    assert_eq!(c.cmd(&["GET", "in3"]), bulk("v"));
    ok(&mut c, &["SELECT", "0"]);
    assert_eq!(c.cmd(&["EXISTS", "s", "in3"]), Frame::Int(0));
}

#[test]
fn queue_time_errors_abort_and_runtime_errors_do_not() {
    let srv = common::Server::start();
    let mut c = raw(&srv);
    for bad in [&["NOSUCHCMD", "1"][..], &["SET", "k"][..], &["GET", "k", "x"][..], &["SHUTDOWN"][..]] {
        c.cmd(&["DEL", "foo1", "foo2"]);
        ok(&mut c, &["MULTI"]);
        queued(&mut c, &["SET", "foo1", "bar1"]);
        assert!(c.cmd(bad).is_error(), "{bad:?} should be refused");
        queued(&mut c, &["SET", "foo2", "bar2"]);
        c.cmd(&["EXEC"]).assert_error(EXECABORT);
        assert_eq!(c.cmd(&["EXISTS", "foo1", "foo2"]), Frame::Int(0), "{bad:?}");
        // The MULTI state is gone.
        assert_eq!(c.cmd(&["PING"]), simple("PONG"));
    }
    ok(&mut c, &["MULTI"]);
    c.cmd(&["SHUTDOWN"]).assert_error("ERR Command not allowed inside a transaction");
    c.cmd(&["NOSUCH"]).assert_error("ERR unknown command 'NOSUCH', with args beginning with: ");
    c.cmd(&["GET"]).assert_error("ERR wrong number of arguments for 'get' command");
    c.cmd(&["EXEC"]).assert_error(EXECABORT);

    // An arity error of EXEC itself aborts at once, saying why.
    ok(&mut c, &["MULTI"]);
    queued(&mut c, &["SET", "foo1", "x"]);
    c.cmd(&["EXEC", "extra"])
        .assert_error("EXECABORT Transaction discarded because of: wrong number of arguments for 'exec' command");
    assert_eq!(c.cmd(&["EXISTS", "foo1"]), Frame::Int(0));
    c.cmd(&["EXEC"]).assert_error("ERR EXEC without MULTI");

    // Errors while running are replies like others; the rest still runs.
    ok(&mut c, &["SET", "str", "abc"]);
    ok(&mut c, &["MULTI"]);
    queued(&mut c, &["INCR", "str"]);
    queued(&mut c, &["SET", "n", "1"]);
    queued(&mut c, &["LPUSH", "str", "x"]);
    queued(&mut c, &["INCR", "n"]);
    queued(&mut c, &["CONFIG", "SET", "maxmemory", "bla"]);
    let r = c.cmd(&["EXEC"]);
    let items = r.items();
    assert_eq!(items.len(), 5);
    items[0].assert_error("ERR value is not an integer or out of range");
    assert_eq!(items[1], simple("OK"));
    items[2].assert_error("WRONGTYPE Operation against a key holding the wrong kind of value");
    assert_eq!(items[3], Frame::Int(2));
    assert!(items[4].is_error());
    assert_eq!(c.cmd(&["GET", "n"]), bulk("2"));

    // MONITOR cannot run inside EXEC.
    ok(&mut c, &["MULTI"]);
    queued(&mut c, &["MONITOR"]);
    queued(&mut c, &["PING"]);
    let r = c.cmd(&["EXEC"]);
    r.items()[0].assert_error("ERR MONITOR isn't allowed for DENY BLOCKING client");
    assert_eq!(r.items()[1], simple("PONG"));
}

#[test]
fn watch_made_dirty_by_other_clients() {
    let srv = common::Server::start();
    let mut a = raw(&srv);
    let mut b = raw(&srv);

    // Not modified.
    ok(&mut a, &["WATCH", "x", "y", "z"]);
    ok(&mut a, &["WATCH", "k"]);
    assert_clean(&mut a, "nothing changed");

    // Modified by another client, one key of several.
    ok(&mut a, &["SET", "x", "30"]);
    ok(&mut a, &["WATCH", "a", "b", "x", "k", "z"]);
    ok(&mut b, &["SET", "x", "40"]);
    // CLIENT LIST shows the dirty flag before EXEC.
    assert_eq!(client_info(&mut a)["flags"], "d");
    assert_dirty(&mut a, "SET by another client");
    // After a failed (or successful) EXEC nothing is watched any more.
    ok(&mut b, &["SET", "x", "50"]);
    assert_clean(&mut a, "no longer watched");

    // Modified by the same client also counts.
    ok(&mut a, &["WATCH", "x"]);
    ok(&mut a, &["SET", "x", "60"]);
    assert_dirty(&mut a, "own SET");

    // UNWATCH forgets both the keys and the dirty flag.
    ok(&mut a, &["WATCH", "x"]);
    ok(&mut b, &["SET", "x", "70"]);
    ok(&mut a, &["UNWATCH"]);
    assert_eq!(client_info(&mut a)["flags"], "N");
    assert_clean(&mut a, "after UNWATCH");
    ok(&mut a, &["UNWATCH"]);

    // DISCARD too.
    ok(&mut a, &["WATCH", "x"]);
    ok(&mut b, &["SET", "x", "10"]);
    ok(&mut a, &["MULTI"]);
    ok(&mut a, &["DISCARD"]);
    ok(&mut b, &["SET", "x", "10"]);
    ok(&mut a, &["MULTI"]);
    queued(&mut a, &["INCR", "x"]);
    assert_eq!(a.cmd(&["EXEC"]), arr(vec![Frame::Int(11)]));

    // Deletion, and a DEL of a missing key changes nothing.
    ok(&mut a, &["WATCH", "x", "missing"]);
    assert_eq!(b.cmd(&["DEL", "missing"]), Frame::Int(0));
    assert_clean(&mut a, "DEL of a missing key");
    ok(&mut a, &["WATCH", "x"]);
    assert_eq!(b.cmd(&["DEL", "x"]), Frame::Int(1));
    assert_dirty(&mut a, "DEL by another client");

    // A missing key that gets created.
    ok(&mut a, &["WATCH", "newkey"]);
    assert_eq!(b.cmd(&["LPUSH", "newkey", "v"]), Frame::Int(1));
    assert_dirty(&mut a, "key created");

    // WATCH remembers the database of the key.
    ok(&mut a, &["SELECT", "5"]);
    ok(&mut a, &["SET", "x", "30"]);
    ok(&mut a, &["WATCH", "x"]);
    ok(&mut a, &["SELECT", "1"]);
    ok(&mut a, &["SET", "x", "10"]);
    ok(&mut a, &["SELECT", "5"]);
    assert_clean(&mut a, "same name, other database");
    ok(&mut a, &["WATCH", "x"]);
    ok(&mut a, &["SELECT", "1"]);
    ok(&mut b, &["SELECT", "5"]);
    ok(&mut b, &["SET", "x", "1"]);
    assert_dirty(&mut a, "watched in db 5, changed there, EXEC from db 1");

    // A disconnecting watcher leaves nothing behind.
    let mut gone = raw(&srv);
    ok(&mut gone, &["WATCH", "x"]);
    drop(gone);
    ok(&mut b, &["SET", "x", "2"]);
}

/// Every kind of change to a watched key makes EXEC fail; commands that
/// change nothing leave it alone (same outcomes as Redis 7.0).
#[test]
fn watch_sees_every_write() {
    let srv = common::Server::start();
    let mut a = raw(&srv);
    let mut b = raw(&srv);
    type Case<'a> = (&'a [&'a [&'a str]], &'a [&'a str], bool);
    let cases: &[Case] = &[
        (&[&["SET", "k", "v"]], &["SET", "k", "v"], true),
        (&[&["SET", "k", "v"]], &["APPEND", "k", "x"], true),
        (&[&["SET", "k", "v"]], &["SETRANGE", "k", "0", "x"], true),
        (&[&["SET", "k", "1"]], &["INCRBYFLOAT", "k", "1.5"], true),
        (&[&["SET", "k", "v"]], &["GETDEL", "k"], true),
        (&[&["SET", "k", "v"]], &["GETEX", "k", "EX", "100"], true),
        (&[&["SET", "k", "v"]], &["GETEX", "k"], false),
        (&[&["SET", "k", "v"]], &["GET", "k"], false),
        (&[&["SET", "k", "v"]], &["SETNX", "k", "w"], false),
        (&[&["SET", "k", "v"]], &["SETBIT", "k", "0", "1"], true),
        (&[&["SET", "k", "v"]], &["SETBIT", "k", "1", "1"], false),
        (&[&["SET", "k", "v"]], &["BITFIELD", "k", "GET", "u8", "0"], false),
        (&[&["SET", "k", "v"]], &["BITOP", "NOT", "k", "k"], true),
        (&[&["RPUSH", "k", "a", "b"]], &["LSET", "k", "0", "a"], true),
        (&[&["RPUSH", "k", "a", "b"]], &["LREM", "k", "0", "z"], false),
        (&[&["RPUSH", "k", "a", "b"]], &["LTRIM", "k", "0", "-1"], true),
        (&[&["RPUSH", "k", "a", "b"]], &["LINSERT", "k", "BEFORE", "z", "x"], false),
        (&[&["RPUSH", "k", "a", "b"]], &["LMOVE", "k", "k", "LEFT", "RIGHT"], true),
        (&[&["RPUSH", "o", "a", "b"]], &["RPOPLPUSH", "o", "k"], true),
        (&[&["RPUSH", "k", "a", "b"]], &["LMPOP", "1", "k", "LEFT"], true),
        (&[&["SADD", "k", "a"]], &["SADD", "k", "a"], false),
        (&[&["SADD", "k", "a", "b"]], &["SPOP", "k"], true),
        (&[&["SADD", "k", "a"], &["SADD", "o", "a"]], &["SMOVE", "o", "k", "a"], false),
        (&[&["SADD", "o", "a"]], &["SMOVE", "o", "k", "a"], true),
        (&[&["SET", "k", "x"]], &["SINTERSTORE", "k", "nosuch"], true),
        (&[], &["SINTERSTORE", "k", "nosuch"], false),
        (&[&["HSET", "k", "f", "v"]], &["HSET", "k", "f", "w"], true),
        (&[&["HSET", "k", "f", "v"]], &["HSETNX", "k", "f", "w"], false),
        (&[&["HSET", "k", "f", "1"]], &["HINCRBYFLOAT", "k", "f", "1"], true),
        (&[&["ZADD", "k", "1", "a"]], &["ZADD", "k", "1", "a"], false),
        (&[&["ZADD", "k", "1", "a"]], &["ZINCRBY", "k", "1", "a"], true),
        (&[&["ZADD", "k", "1", "a", "2", "b"]], &["ZREMRANGEBYRANK", "k", "5", "6"], false),
        (&[&["ZADD", "k", "1", "a", "2", "b"]], &["ZPOPMIN", "k"], true),
        (&[&["ZADD", "o", "1", "a"]], &["ZRANGESTORE", "k", "o", "0", "-1"], true),
        (&[&["SET", "k", "x"]], &["ZUNIONSTORE", "k", "1", "nosuch"], true),
        (&[&["SET", "k", "v"]], &["EXPIRE", "k", "100"], true),
        (&[&["SET", "k", "v"]], &["EXPIRE", "k", "0"], true),
        (&[&["SET", "k", "v"]], &["EXPIRE", "k", "100", "XX"], false),
        (&[&["SET", "k", "v"]], &["PERSIST", "k"], false),
        (&[&["SET", "k", "v", "EX", "100"]], &["PERSIST", "k"], true),
        (&[&["SET", "k", "v"]], &["RENAME", "k", "o"], true),
        (&[&["SET", "o", "v"]], &["RENAME", "o", "k"], true),
        (&[&["SET", "k", "v"]], &["MOVE", "k", "5"], true),
        (&[&["SET", "o", "v"], &["SET", "k", "w"]], &["COPY", "o", "k"], false),
        (&[&["SET", "o", "v"], &["SET", "k", "w"]], &["COPY", "o", "k", "REPLACE"], true),
        (&[&["SET", "k", "v"]], &["COPY", "k", "o"], false),
        (&[&["SET", "k", "v"]], &["TOUCH", "k"], false),
        (&[&["SET", "k", "v"]], &["FLUSHDB"], true),
        (&[&["SET", "k", "v"]], &["SWAPDB", "0", "5"], true),
        (&[&["SET", "k", "v"]], &["SWAPDB", "4", "5"], false),
    ];
    for (setup, modify, dirty) in cases {
        ok(&mut a, &["FLUSHALL"]);
        for s in *setup {
            assert!(!a.cmd(s).is_error(), "{s:?}");
        }
        ok(&mut a, &["WATCH", "k"]);
        let r = b.cmd(modify);
        assert!(!r.is_error(), "{modify:?}: {r:?}");
        let got = try_exec(&mut a) == Frame::Array(None);
        assert_eq!(got, *dirty, "{modify:?} after {setup:?}: dirty={got}");
    }
}

#[test]
fn watch_flush_and_swapdb() {
    let srv = common::Server::start();
    let mut a = raw(&srv);
    let mut b = raw(&srv);
    for flush in ["FLUSHALL", "FLUSHDB"] {
        ok(&mut a, &["SET", "x", "30"]);
        ok(&mut a, &["WATCH", "x"]);
        ok(&mut b, &[flush]);
        assert_dirty(&mut a, flush);
        ok(&mut a, &["WATCH", "x"]);
        ok(&mut b, &[flush]);
        assert_clean(&mut a, "flush of a database without the key");
    }
    // Several watched keys, one client.
    ok(&mut a, &["MSET", "a", "a", "b", "b"]);
    ok(&mut a, &["WATCH", "b", "a"]);
    ok(&mut a, &["FLUSHALL"]);
    assert_dirty(&mut a, "FLUSHALL, two keys");

    // SWAPDB: a watched key that exists goes away; a missing one appears.
    ok(&mut a, &["SET", "x", "30"]);
    ok(&mut a, &["WATCH", "x"]);
    ok(&mut b, &["SWAPDB", "0", "1"]);
    assert_dirty(&mut a, "SWAPDB removed the key");
    ok(&mut a, &["FLUSHALL"]);
    ok(&mut a, &["SELECT", "1"]);
    ok(&mut a, &["SET", "x", "30"]);
    ok(&mut a, &["SELECT", "0"]);
    ok(&mut a, &["WATCH", "x"]);
    ok(&mut b, &["SWAPDB", "0", "1"]);
    assert_dirty(&mut a, "SWAPDB brought the key");
}

/// Expiry, with Redis 7.0's rules: a key that expires after WATCH fails the
/// transaction (deleted or not yet); a key already expired when watched is
/// gone already, so deleting it is no change.
#[test]
fn watch_and_expiry() {
    let srv = common::Server::start_with(&["--enable-debug-command", "yes"]);
    let mut a = raw(&srv);
    let mut b = raw(&srv);

    // Expires after WATCH, nobody touches it: EXEC sees it expired.
    ok(&mut a, &["DEBUG", "SET-ACTIVE-EXPIRE", "0"]);
    ok(&mut a, &["SET", "k", "1", "PX", "50"]);
    ok(&mut a, &["WATCH", "k"]);
    std::thread::sleep(Duration::from_millis(120));
    ok(&mut a, &["MULTI"]);
    queued(&mut a, &["INCR", "k"]);
    assert_eq!(a.cmd(&["EXEC"]), Frame::Array(None));

    // Expires after WATCH and another client's read deletes it.
    ok(&mut a, &["SET", "k", "1", "PX", "50"]);
    ok(&mut a, &["WATCH", "k"]);
    std::thread::sleep(Duration::from_millis(120));
    assert_eq!(b.cmd(&["GET", "k"]), Frame::Bulk(None));
    assert_dirty(&mut a, "lazily expired by another client");

    // Already expired when watched.
    let stale = |a: &mut Raw| {
        ok(a, &["SET", "x", "foo", "PX", "1"]);
        std::thread::sleep(Duration::from_millis(10));
        ok(a, &["WATCH", "x"]);
    };
    stale(&mut a);
    assert_clean(&mut a, "stale key watched");
    stale(&mut a);
    assert_eq!(b.cmd(&["EXISTS", "x"]), Frame::Int(0));
    assert_clean(&mut a, "stale key deleted lazily");
    stale(&mut a);
    ok(&mut b, &["FLUSHDB"]);
    assert_clean(&mut a, "stale key flushed");
    stale(&mut a);
    ok(&mut b, &["SET", "x", "new"]);
    assert_dirty(&mut a, "stale key replaced by a live one");
    stale(&mut a);
    assert_eq!(b.cmd(&["EXISTS", "x"]), Frame::Int(0));
    ok(&mut b, &["SET", "x", "new"]);
    assert_dirty(&mut a, "stale key deleted, then created");

    // SWAPDB between stale and missing keys changes nothing.
    ok(&mut a, &["FLUSHALL"]);
    ok(&mut a, &["SELECT", "1"]);
    stale(&mut a);
    ok(&mut b, &["SWAPDB", "0", "1"]);
    assert_clean(&mut a, "stale key swapped for no key");
    ok(&mut a, &["FLUSHALL"]);
    ok(&mut a, &["SELECT", "0"]);
    ok(&mut a, &["SET", "x", "foo", "PX", "1"]);
    std::thread::sleep(Duration::from_millis(10));
    ok(&mut a, &["SELECT", "1"]);
    ok(&mut a, &["WATCH", "x"]);
    ok(&mut b, &["SWAPDB", "0", "1"]);
    assert_clean(&mut a, "no key swapped for a stale key");
    ok(&mut a, &["FLUSHALL"]);
    ok(&mut a, &["SET", "x", "foo", "PX", "1"]);
    ok(&mut a, &["SELECT", "0"]);
    ok(&mut a, &["SET", "x", "bar", "PX", "1"]);
    std::thread::sleep(Duration::from_millis(10));
    ok(&mut a, &["SELECT", "1"]);
    ok(&mut a, &["WATCH", "x"]);
    ok(&mut b, &["SWAPDB", "0", "1"]);
    assert_clean(&mut a, "stale key swapped for a stale key");
    ok(&mut a, &["SELECT", "0"]);

    // Active expiry deleting a watched key.
    ok(&mut a, &["DEBUG", "SET-ACTIVE-EXPIRE", "1"]);
    ok(&mut a, &["FLUSHALL"]);
    ok(&mut a, &["SET", "x", "foo", "PX", "30"]);
    ok(&mut a, &["WATCH", "x"]);
    let deadline = Instant::now() + Duration::from_secs(5);
    while b.cmd(&["DBSIZE"]) != Frame::Int(0) {
        assert!(Instant::now() < deadline, "active expiry did not run");
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_dirty(&mut a, "actively expired");

    // EXPIRE on a watched key.
    ok(&mut a, &["SET", "x", "foo"]);
    ok(&mut a, &["WATCH", "x"]);
    assert_eq!(b.cmd(&["EXPIRE", "x", "10"]), Frame::Int(1));
    assert_dirty(&mut a, "EXPIRE");
}

#[test]
fn resp3_shapes() {
    let srv = common::Server::start();
    let mut a = raw(&srv);
    let mut b = raw(&srv);
    assert!(matches!(a.cmd(&["HELLO", "3"]), Frame::Map(_)));
    ok(&mut a, &["MULTI"]);
    queued(&mut a, &["HGETALL", "nokey"]);
    queued(&mut a, &["HSET", "h", "a", "1"]);
    queued(&mut a, &["HGETALL", "h"]);
    queued(&mut a, &["ZADD", "z", "1.5", "m"]);
    queued(&mut a, &["ZSCORE", "z", "m"]);
    queued(&mut a, &["GET", "nokey"]);
    let r = a.cmd(&["EXEC"]);
    assert_eq!(
        r,
        arr(vec![
            Frame::Map(vec![]),
            Frame::Int(1),
            Frame::Map(vec![(bulk("a"), bulk("1"))]),
            Frame::Int(1),
            Frame::Double("1.5".into()),
            Frame::Null,
        ])
    );
    // A failed WATCH is a RESP3 null; RESP2 says *-1.
    ok(&mut a, &["WATCH", "h"]);
    assert_eq!(b.cmd(&["HSET", "h", "b", "2"]), Frame::Int(1));
    ok(&mut a, &["MULTI"]);
    queued(&mut a, &["PING"]);
    a.send(&raw::encode_str(&["EXEC"]));
    assert_eq!(a.read_bytes(), b"_\r\n");
    ok(&mut b, &["WATCH", "h"]);
    assert_eq!(a.cmd(&["HSET", "h", "c", "3"]), Frame::Int(1));
    ok(&mut b, &["MULTI"]);
    queued(&mut b, &["PING"]);
    b.send(&raw::encode_str(&["EXEC"]));
    assert_eq!(b.read_bytes(), b"*-1\r\n");
}

#[test]
fn client_list_fields() {
    let srv = common::Server::start();
    let mut a = raw(&srv);
    let mut b = raw(&srv);
    let i = client_info(&mut a);
    assert_eq!((i["multi"].as_str(), i["multi-mem"].as_str(), i["flags"].as_str()), ("-1", "0", "N"));
    ok(&mut a, &["MULTI"]);
    queued(&mut a, &["SET", "q", "1"]);
    queued(&mut a, &["PING"]);
    let id = a.cmd(&["CLIENT", "ID"]);
    assert_eq!(id, simple("QUEUED"));
    let list = b.cmd(&["CLIENT", "LIST"]).text();
    let line = list.lines().find(|l| l.contains(" flags=x ")).expect("a client in MULTI");
    assert!(line.contains(" multi=3 "), "{line}");
    assert!(!line.contains(" multi-mem=0 "), "{line}");
    assert!(line.contains(" cmd=client|id "), "{line}");
    queued(&mut a, &["CLIENT", "INFO"]);
    let r = a.cmd(&["EXEC"]);
    // Inside EXEC the client is still in MULTI, running EXEC.
    let inner = r.items()[3].text();
    assert!(inner.contains(" flags=x ") && inner.contains(" multi=4 ") && inner.contains(" cmd=exec "), "{inner}");
    let i = client_info(&mut a);
    assert_eq!((i["multi"].as_str(), i["flags"].as_str()), ("-1", "N"));

    // `d` appears when a watched key changes; both letters together in Redis's order.
    ok(&mut a, &["WATCH", "w"]);
    ok(&mut b, &["SET", "w", "1"]);
    ok(&mut a, &["MULTI"]);
    let list = b.cmd(&["CLIENT", "LIST"]).text();
    assert!(list.contains(" flags=xd "), "{list}");
    assert_eq!(a.cmd(&["EXEC"]), Frame::Array(None));
    // RESET leaves MULTI and forgets watched keys.
    ok(&mut a, &["WATCH", "w"]);
    ok(&mut a, &["MULTI"]);
    queued(&mut a, &["SET", "w", "2"]);
    assert_eq!(a.cmd(&["RESET"]), simple("RESET"));
    ok(&mut b, &["SET", "w", "3"]);
    assert_clean(&mut a, "after RESET");
    assert_eq!(b.cmd(&["GET", "w"]), bulk("3"));
}

#[test]
fn blocking_commands_inside_multi_do_not_block() {
    let srv = common::Server::start();
    let mut a = raw(&srv);
    ok(&mut a, &["MULTI"]);
    for cmd in [
        &["BLPOP", "empty", "0"][..],
        &["BRPOP", "empty", "0"],
        &["BRPOPLPUSH", "empty", "dst", "0"],
        &["BLMOVE", "empty", "dst", "LEFT", "LEFT", "0"],
        &["BLMPOP", "0", "1", "empty", "LEFT"],
        &["BZPOPMIN", "emptyz", "0"],
        &["BZPOPMAX", "emptyz", "0"],
        &["BZMPOP", "0", "1", "emptyz", "MIN"],
        &["BLPOP", "empty", "-1"],
    ] {
        queued(&mut a, cmd);
    }
    a.send(&raw::encode_str(&["EXEC"]));
    let bytes = a.read_bytes();
    assert_eq!(
        String::from_utf8_lossy(&bytes),
        "*9\r\n*-1\r\n*-1\r\n$-1\r\n$-1\r\n*-1\r\n*-1\r\n*-1\r\n*-1\r\n-ERR timeout is negative\r\n"
    );
    assert_eq!(info_field(&mut a, "clients", "blocked_clients"), "0");
    // With data they pop as usual.
    a.cmd(&["RPUSH", "full", "x"]);
    ok(&mut a, &["MULTI"]);
    queued(&mut a, &["BLPOP", "full", "0"]);
    assert_eq!(a.cmd(&["EXEC"]), arr(vec![arr(vec![bulk("full"), bulk("x")])]));
    // RESP3: nulls.
    a.cmd(&["HELLO", "3"]);
    ok(&mut a, &["MULTI"]);
    queued(&mut a, &["BLPOP", "empty", "0"]);
    queued(&mut a, &["BLMOVE", "empty", "dst", "LEFT", "LEFT", "0"]);
    assert_eq!(a.cmd(&["EXEC"]), arr(vec![Frame::Null, Frame::Null]));
}

#[test]
fn ssubscribe_inside_exec_is_refused_and_subscribe_is_not() {
    let srv = common::Server::start();
    let mut a = raw(&srv);
    ok(&mut a, &["MULTI"]);
    queued(&mut a, &["SSUBSCRIBE", "ch"]);
    a.send(&raw::encode_str(&["EXEC"]));
    assert_eq!(
        String::from_utf8_lossy(&a.read_bytes()),
        "*1\r\n-ERR SSUBSCRIBE isn't allowed for a DENY BLOCKING client\r\n"
    );
    // Not subscribed: ordinary commands still work.
    assert_eq!(a.cmd(&["PING"]), simple("PONG"));
    // SUBSCRIBE inside EXEC does subscribe, as in Redis 7.0.
    ok(&mut a, &["MULTI"]);
    queued(&mut a, &["SUBSCRIBE", "ch"]);
    assert_eq!(a.cmd(&["EXEC"]), arr(vec![arr(vec![bulk("subscribe"), bulk("ch"), Frame::Int(1)])]));
}

#[test]
fn pushes_in_multi_wake_waiters_after_exec() {
    let srv = common::Server::start();
    let mut a = raw(&srv);
    let mut w = raw(&srv);
    // The waiter sees the transaction whole: the last LPUSH is at the head.
    w.send(&raw::encode_str(&["BLPOP", "l", "0"]));
    wait_blocked(&mut a, 1);
    ok(&mut a, &["MULTI"]);
    queued(&mut a, &["LPUSH", "l", "a"]);
    queued(&mut a, &["LPUSH", "l", "b"]);
    queued(&mut a, &["LPUSH", "l", "c"]);
    assert_eq!(a.cmd(&["EXEC"]), arr(vec![Frame::Int(1), Frame::Int(2), Frame::Int(3)]));
    assert_eq!(w.read(), arr(vec![bulk("l"), bulk("c")]));
    assert_eq!(a.cmd(&["LRANGE", "l", "0", "-1"]), arr(vec![bulk("b"), bulk("a")]));

    // A push undone inside the same transaction wakes nobody.
    a.cmd(&["DEL", "l"]);
    w.send(&raw::encode_str(&["BLPOP", "l", "0"]));
    wait_blocked(&mut a, 1);
    ok(&mut a, &["MULTI"]);
    queued(&mut a, &["LPUSH", "l", "a"]);
    queued(&mut a, &["DEL", "l"]);
    assert_eq!(a.cmd(&["EXEC"]), arr(vec![Frame::Int(1), Frame::Int(1)]));
    assert!(w.silent_for(Duration::from_millis(100)));
    assert_eq!(info_field(&mut a, "clients", "blocked_clients"), "1");
    // ... until a later push.
    a.cmd(&["RPUSH", "l", "z"]);
    assert_eq!(w.read(), arr(vec![bulk("l"), bulk("z")]));

    // A sorted-set waiter and ZADD in a transaction.
    w.send(&raw::encode_str(&["BZPOPMIN", "z", "0"]));
    wait_blocked(&mut a, 1);
    ok(&mut a, &["MULTI"]);
    queued(&mut a, &["ZADD", "z", "2", "b"]);
    queued(&mut a, &["ZADD", "z", "1", "a"]);
    a.cmd(&["EXEC"]);
    assert_eq!(w.read(), arr(vec![bulk("z"), bulk("a"), bulk("1")]));

    // BLMOVE waiting for a source filled by a transaction; its push wakes a
    // second waiter on the destination.
    let mut w2 = raw(&srv);
    w.send(&raw::encode_str(&["BLMOVE", "src", "dst", "LEFT", "LEFT", "0"]));
    wait_blocked(&mut a, 1);
    w2.send(&raw::encode_str(&["BLPOP", "dst", "0"]));
    wait_blocked(&mut a, 2);
    ok(&mut a, &["MULTI"]);
    queued(&mut a, &["RPUSH", "src", "v"]);
    a.cmd(&["EXEC"]);
    assert_eq!(w.read(), bulk("v"));
    assert_eq!(w2.read(), arr(vec![bulk("dst"), bulk("v")]));
}

#[test]
fn commandstats_and_monitor() {
    let srv = common::Server::start();
    let mut a = raw(&srv);
    let mut m = raw(&srv);
    ok(&mut a, &["CONFIG", "RESETSTAT"]);
    ok(&mut a, &["MULTI"]);
    queued(&mut a, &["SET", "foo", "bar"]);
    queued(&mut a, &["EXPIRE", "foo", "0"]);
    a.cmd(&["EXEC"]);
    let stats = a.cmd(&["INFO", "commandstats"]).text();
    for cmd in ["multi", "exec", "set", "expire"] {
        assert!(stats.contains(&format!("cmdstat_{cmd}:calls=1,")), "{cmd}: {stats}");
    }
    // Errors: the failing inner command counts them, not EXEC; a refused
    // command counts as rejected and EXECABORT as an EXEC failure.
    ok(&mut a, &["CONFIG", "RESETSTAT"]);
    ok(&mut a, &["MULTI"]);
    queued(&mut a, &["SET", "a", "b"]);
    queued(&mut a, &["AUTH", "a"]);
    let r = a.cmd(&["EXEC"]);
    assert!(r.items()[1].is_error());
    let stats = a.cmd(&["INFO", "commandstats"]).text();
    assert!(stats.contains("cmdstat_auth:calls=1,") && stats.contains("rejected_calls=0,failed_calls=1"), "{stats}");
    assert!(stats.lines().any(|l| l.starts_with("cmdstat_exec:calls=1,") && l.ends_with("failed_calls=0")), "{stats}");
    ok(&mut a, &["CONFIG", "RESETSTAT"]);
    ok(&mut a, &["MULTI"]);
    a.cmd(&["SET"]).assert_error("ERR wrong number of arguments for 'set' command");
    a.cmd(&["EXEC"]).assert_error(EXECABORT);
    let stats = a.cmd(&["INFO", "commandstats"]).text();
    assert!(stats.lines().any(|l| l.starts_with("cmdstat_set:calls=0,") && l.contains("rejected_calls=1")), "{stats}");
    assert!(stats.lines().any(|l| l.starts_with("cmdstat_exec:calls=1,") && l.ends_with("failed_calls=1")), "{stats}");
    let errs = a.cmd(&["INFO", "errorstats"]).text();
    assert!(errs.contains("errorstat_EXECABORT:count=1") && errs.contains("errorstat_ERR:count=1"), "{errs}");

    // MONITOR: queued commands show when EXEC runs them, before EXEC itself.
    ok(&mut m, &["MONITOR"]);
    ok(&mut a, &["MULTI"]);
    queued(&mut a, &["SET", "foo", "bar"]);
    a.cmd(&["EXEC"]);
    ok(&mut a, &["MULTI"]);
    assert!(a.cmd(&["SYNTAX", "ERROR"]).is_error());
    a.cmd(&["EXEC"]).assert_error(EXECABORT);
    let lines: Vec<String> = (0..5).map(|_| m.read_line()).collect();
    let tail = |l: &str| l.split_once("] ").map(|(_, t)| t.to_string()).unwrap_or_default();
    let got: Vec<String> = lines.iter().map(|l| tail(l)).collect();
    assert_eq!(got, ["\"MULTI\"", "\"SET\" \"foo\" \"bar\"", "\"EXEC\"", "\"MULTI\"", "\"EXEC\""]);
    // An EXEC refused before it runs shows too, as sent.
    ok(&mut a, &["MULTI"]);
    a.cmd(&["EXEC", "x"])
        .assert_error("EXECABORT Transaction discarded because of: wrong number of arguments for 'exec' command");
    assert_eq!(tail(&m.read_line()), "\"MULTI\"");
    assert_eq!(tail(&m.read_line()), "\"EXEC\" \"x\"");
}

#[test]
fn client_pause_write_holds_exec_with_writes() {
    let srv = common::Server::start();
    let mut a = raw(&srv);
    let mut p = raw(&srv);
    ok(&mut a, &["SET", "foo", "bar"]);
    // A read-only transaction runs during CLIENT PAUSE WRITE.
    ok(&mut p, &["CLIENT", "PAUSE", "100000", "WRITE"]);
    ok(&mut a, &["MULTI"]);
    queued(&mut a, &["PING"]);
    queued(&mut a, &["GET", "foo"]);
    assert_eq!(a.cmd(&["EXEC"]), arr(vec![simple("PONG"), bulk("bar")]));
    ok(&mut p, &["CLIENT", "UNPAUSE"]);
    // One with a write waits for the pause to end.
    ok(&mut a, &["MULTI"]);
    queued(&mut a, &["SET", "foo", "baz"]);
    ok(&mut p, &["CLIENT", "PAUSE", "100000", "WRITE"]);
    a.send(&raw::encode_str(&["EXEC"]));
    assert!(a.silent_for(Duration::from_millis(200)));
    assert_eq!(p.cmd(&["GET", "foo"]), bulk("bar"));
    // A held client counts as blocked, as in Redis.
    assert_eq!(info_field(&mut p, "clients", "blocked_clients"), "1");
    ok(&mut p, &["CLIENT", "UNPAUSE"]);
    assert_eq!(a.read(), arr(vec![simple("OK")]));
    assert_eq!(p.cmd(&["GET", "foo"]), bulk("baz"));
}

#[test]
fn state_checks_at_queue_and_exec_time() {
    let srv = common::Server::start();
    let mut a = raw(&srv);
    let mut b = raw(&srv);

    // maxmemory: inside MULTI every command is refused while over the limit.
    ok(&mut a, &["MULTI"]);
    queued(&mut a, &["SET", "foo1", "bar1"]);
    ok(&mut b, &["CONFIG", "SET", "maxmemory", "1"]);
    a.cmd(&["LPUSH", "l", "v"]).assert_error("OOM command not allowed when used memory > 'maxmemory'.");
    ok(&mut b, &["CONFIG", "SET", "maxmemory", "0"]);
    queued(&mut a, &["SET", "foo2", "bar2"]);
    a.cmd(&["EXEC"]).assert_error(EXECABORT);
    assert_eq!(a.cmd(&["EXISTS", "foo1", "foo2"]), Frame::Int(0));
    // DISCARD still works when over the limit.
    ok(&mut b, &["CONFIG", "SET", "maxmemory", "1"]);
    ok(&mut a, &["MULTI"]);
    a.cmd(&["SET", "x", "1"]).assert_error("OOM command not allowed when used memory > 'maxmemory'.");
    ok(&mut a, &["DISCARD"]);
    ok(&mut b, &["CONFIG", "SET", "maxmemory", "0"]);
    // EXEC of reads only runs over the limit; with a write that may use
    // memory it aborts, saying why.
    ok(&mut a, &["SET", "x", "value"]);
    ok(&mut a, &["MULTI"]);
    queued(&mut a, &["GET", "x"]);
    queued(&mut a, &["PING"]);
    ok(&mut b, &["CONFIG", "SET", "maxmemory", "1"]);
    assert_eq!(a.cmd(&["EXEC"]), arr(vec![bulk("value"), simple("PONG")]));
    ok(&mut b, &["CONFIG", "SET", "maxmemory", "0"]);
    ok(&mut a, &["MULTI"]);
    queued(&mut a, &["SET", "x", "1"]);
    queued(&mut a, &["GET", "x"]);
    ok(&mut b, &["CONFIG", "SET", "maxmemory", "1"]);
    a.cmd(&["EXEC"]).assert_error(
        "EXECABORT Transaction discarded because of: OOM command not allowed when used memory > 'maxmemory'.",
    );
    // Outside MULTI: only commands that may use memory are refused.
    a.cmd(&["SET", "y", "1"]).assert_error("OOM command not allowed when used memory > 'maxmemory'.");
    assert_eq!(a.cmd(&["DEL", "x"]), Frame::Int(1));
    ok(&mut b, &["CONFIG", "SET", "maxmemory", "0"]);

    // Scripts over the limit: one without a shebang fails at its first
    // command that may use memory; declared flags decide before it runs.
    ok(&mut b, &["CONFIG", "SET", "maxmemory", "1"]);
    let oom = "OOM command not allowed when used memory > 'maxmemory'.";
    let r = a.cmd(&["EVAL", "return redis.call('set','x','1')", "0"]);
    assert!(matches!(&r, Frame::Error(e) if e.starts_with(oom)), "{r:?}");
    assert_eq!(a.cmd(&["EVAL", "return redis.call('get','x')", "0"]), Frame::Bulk(None));
    a.cmd(&["EVAL", "#!lua\nreturn 1", "0"]).assert_error(oom);
    assert_eq!(a.cmd(&["EVAL", "#!lua flags=allow-oom\nreturn redis.call('set','x','1')", "0"]), simple("OK"));
    assert_eq!(a.cmd(&["EVAL", "#!lua flags=no-writes\nreturn redis.call('get','x')", "0"]), bulk("1"));
    ok(&mut b, &["CONFIG", "SET", "maxmemory", "0"]);
    assert_eq!(a.cmd(&["DEL", "x"]), Frame::Int(1));

    // min-replicas-to-write: there are no replicas, so writes are refused.
    ok(&mut a, &["SET", "xx", "1"]);
    ok(&mut a, &["MULTI"]);
    queued(&mut a, &["INCR", "xx"]);
    ok(&mut b, &["CONFIG", "SET", "min-replicas-to-write", "2"]);
    a.cmd(&["EXEC"])
        .assert_error("EXECABORT Transaction discarded because of: NOREPLICAS Not enough good replicas to write.");
    assert_eq!(a.cmd(&["GET", "xx"]), bulk("1"));
    a.cmd(&["SET", "xx", "2"]).assert_error("NOREPLICAS Not enough good replicas to write.");
    // Scripts: reads run; a write, or declared flags without no-writes, do not.
    assert_eq!(a.cmd(&["EVAL", "return redis.call('get','xx')", "0"]), bulk("1"));
    assert_eq!(a.cmd(&["EVAL", "#!lua flags=no-writes\nreturn redis.call('get','xx')", "0"]), bulk("1"));
    a.cmd(&["EVAL", "#!lua\nreturn redis.call('get','xx')", "0"])
        .assert_error("NOREPLICAS Not enough good replicas to write.");
    let r = a.cmd(&["EVAL", "return redis.call('set','xx','2')", "0"]);
    assert!(matches!(&r, Frame::Error(e) if e.starts_with("NOREPLICAS")), "{r:?}");
    ok(&mut b, &["CONFIG", "SET", "min-replicas-max-lag", "0"]);
    ok(&mut a, &["SET", "xx", "2"]);
    ok(&mut b, &["CONFIG", "SET", "min-replicas-max-lag", "10"]);
    ok(&mut b, &["CONFIG", "SET", "min-replicas-to-write", "0"]);
    ok(&mut a, &["SET", "xx", "3"]);

    // DEBUG refused by enable-debug-command counts as a queue-time error.
    ok(&mut a, &["MULTI"]);
    a.cmd(&["DEBUG", "SLEEP", "0"]).assert_error(
        "ERR DEBUG command not allowed. If the enable-debug-command option is set to \"local\", you can run it from a local connection, otherwise you need to set this option in the configuration file, and then restart the server.",
    );
    a.cmd(&["EXEC"]).assert_error(EXECABORT);
}
