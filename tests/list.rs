//! List commands over TCP: pushes, pops (with the exact RESP2/RESP3 null
//! shapes), ranges, positional access, LINSERT/LREM/LTRIM/LPOS, moves, LMPOP,
//! errors, a randomized comparison with a model across many nodes, and the
//! blocking commands with several clients (FIFO order, timeouts, disconnects,
//! CLIENT UNBLOCK, pipelined input after a block). Expected replies were
//! checked against Redis 7.0.

mod common;

use std::collections::VecDeque;
use std::io::Write;
use std::net::TcpStream;
use std::time::{Duration, Instant};

use common::{assert_err, q, r, read_at_least};
use redis::{Connection, Value};

fn lrange(c: &mut Connection, key: &str) -> Vec<String> {
    q(c, &["LRANGE", key, "0", "-1"])
}

/// Sends one inline command on a raw socket and returns what arrives for it.
fn raw(s: &mut TcpStream, cmd: &str, expect_len: usize) -> Vec<u8> {
    s.write_all(format!("{cmd}\r\n").as_bytes()).expect("write");
    read_at_least(s, expect_len)
}

fn send(s: &mut TcpStream, cmd: &str) {
    s.write_all(format!("{cmd}\r\n").as_bytes()).expect("write");
}

fn blocked_clients(c: &mut Connection) -> i64 {
    let info: String = q(c, &["INFO", "clients"]);
    info.lines()
        .find_map(|l| l.strip_prefix("blocked_clients:"))
        .and_then(|v| v.trim().parse().ok())
        .expect("blocked_clients in INFO")
}

/// Waits (at most 5 s) until exactly `n` clients are blocked.
fn wait_blocked(c: &mut Connection, n: i64) {
    let deadline = Instant::now() + Duration::from_secs(5);
    while blocked_clients(c) != n {
        assert!(Instant::now() < deadline, "expected {n} blocked clients");
        std::thread::sleep(Duration::from_millis(5));
    }
}

#[test]
fn push_pop_and_null_shapes() {
    let srv = common::Server::start();
    let mut c = srv.conn();
    assert_eq!(q::<i64>(&mut c, &["RPUSH", "l", "a", "b", "c"]), 3);
    assert_eq!(q::<i64>(&mut c, &["LPUSH", "l", "y", "z"]), 5);
    assert_eq!(lrange(&mut c, "l"), ["z", "y", "a", "b", "c"]);
    assert_eq!(q::<i64>(&mut c, &["LPUSHX", "nokey", "a"]), 0);
    assert_eq!(q::<i64>(&mut c, &["RPUSHX", "nokey", "a"]), 0);
    assert_eq!(q::<i64>(&mut c, &["EXISTS", "nokey"]), 0);
    assert_eq!(q::<i64>(&mut c, &["RPUSHX", "l", "d", "e"]), 7);
    assert_eq!(q::<i64>(&mut c, &["LLEN", "l"]), 7);
    assert_eq!(q::<i64>(&mut c, &["LLEN", "nokey"]), 0);
    assert_eq!(q::<Option<String>>(&mut c, &["LPOP", "l"]).as_deref(), Some("z"));
    assert_eq!(q::<Option<String>>(&mut c, &["RPOP", "l"]).as_deref(), Some("e"));
    assert_eq!(q::<Vec<String>>(&mut c, &["LPOP", "l", "2"]), ["y", "a"]);
    assert_eq!(q::<Vec<String>>(&mut c, &["RPOP", "l", "0"]), Vec::<String>::new());
    assert_eq!(q::<Vec<String>>(&mut c, &["RPOP", "l", "10"]), ["d", "c", "b"]);
    // The emptied list is gone.
    assert_eq!(q::<i64>(&mut c, &["EXISTS", "l"]), 0);
    assert_err(r(&mut c, &["LPOP", "l", "-1"]), "ERR value is out of range, must be positive");
    assert_err(r(&mut c, &["LPOP", "l", "x"]), "ERR value is out of range, must be positive");
    assert_err(r(&mut c, &["LPOP", "l", "1", "1"]), "ERR wrong number of arguments for 'lpop' command");
}

#[test]
fn null_shapes_resp2_and_resp3() {
    let srv = common::Server::start();
    let mut s = srv.raw();
    assert_eq!(raw(&mut s, "LPOP nokey", 5), b"$-1\r\n");
    assert_eq!(raw(&mut s, "LPOP nokey 2", 5), b"*-1\r\n");
    assert_eq!(raw(&mut s, "LPOP nokey 0", 5), b"*-1\r\n");
    assert_eq!(raw(&mut s, "LMPOP 1 nokey LEFT", 5), b"*-1\r\n");
    assert_eq!(raw(&mut s, "LINDEX nokey 0", 5), b"$-1\r\n");
    assert_eq!(raw(&mut s, "LPOS nokey a", 5), b"$-1\r\n");
    assert_eq!(raw(&mut s, "LPOS nokey a COUNT 0", 4), b"*0\r\n");
    assert_eq!(raw(&mut s, "RPOPLPUSH nokey dst", 5), b"$-1\r\n");
    assert_eq!(raw(&mut s, "BLPOP nokey 0.01", 5), b"*-1\r\n");
    assert_eq!(raw(&mut s, "BRPOPLPUSH nokey dst 0.01", 5), b"*-1\r\n");
    let hello = raw(&mut s, "HELLO 3", 20);
    assert!(hello.starts_with(b"%"));
    assert_eq!(raw(&mut s, "LPOP nokey 2", 3), b"_\r\n");
    assert_eq!(raw(&mut s, "LPOP nokey", 3), b"_\r\n");
    assert_eq!(raw(&mut s, "BLPOP nokey 0.01", 3), b"_\r\n");
    assert_eq!(raw(&mut s, "RPUSH l a", 4), b":1\r\n");
    assert_eq!(raw(&mut s, "LPOP l 0", 4), b"*0\r\n");
}

#[test]
fn positional_access() {
    let srv = common::Server::start();
    let mut c = srv.conn();
    let _: i64 = q(&mut c, &["RPUSH", "l", "a", "b", "c", "d", "e"]);
    assert_eq!(q::<Vec<String>>(&mut c, &["LRANGE", "l", "1", "2"]), ["b", "c"]);
    assert_eq!(q::<Vec<String>>(&mut c, &["LRANGE", "l", "-2", "100"]), ["d", "e"]);
    assert_eq!(q::<Vec<String>>(&mut c, &["LRANGE", "l", "-100", "0"]), ["a"]);
    assert_eq!(q::<Vec<String>>(&mut c, &["LRANGE", "l", "3", "1"]), Vec::<String>::new());
    assert_eq!(q::<Vec<String>>(&mut c, &["LRANGE", "nokey", "0", "-1"]), Vec::<String>::new());
    assert_err(r(&mut c, &["LRANGE", "l", "x", "1"]), "ERR value is not an integer or out of range");
    assert_eq!(q::<Option<String>>(&mut c, &["LINDEX", "l", "0"]).as_deref(), Some("a"));
    assert_eq!(q::<Option<String>>(&mut c, &["LINDEX", "l", "-1"]).as_deref(), Some("e"));
    assert_eq!(q::<Option<String>>(&mut c, &["LINDEX", "l", "5"]), None);
    assert_err(r(&mut c, &["LINDEX", "l", "x"]), "ERR value is not an integer or out of range");
    assert_eq!(q::<Option<String>>(&mut c, &["LINDEX", "nokey", "x"]), None);
    assert_eq!(r(&mut c, &["LSET", "l", "-1", "E"]).unwrap(), Value::Okay);
    assert_err(r(&mut c, &["LSET", "l", "5", "x"]), "ERR index out of range");
    assert_err(r(&mut c, &["LSET", "nokey", "0", "x"]), "ERR no such key");
    assert_eq!(q::<i64>(&mut c, &["LINSERT", "l", "BEFORE", "a", "0"]), 6);
    assert_eq!(q::<i64>(&mut c, &["LINSERT", "l", "after", "E", "F"]), 7);
    assert_eq!(q::<i64>(&mut c, &["LINSERT", "l", "after", "zz", "F"]), -1);
    assert_eq!(q::<i64>(&mut c, &["LINSERT", "nokey", "after", "a", "F"]), 0);
    assert_err(r(&mut c, &["LINSERT", "l", "middle", "a", "F"]), "ERR syntax error");
    assert_eq!(lrange(&mut c, "l"), ["0", "a", "b", "c", "d", "E", "F"]);
    assert_eq!(r(&mut c, &["LTRIM", "l", "1", "-2"]).unwrap(), Value::Okay);
    assert_eq!(lrange(&mut c, "l"), ["a", "b", "c", "d", "E"]);
    assert_eq!(r(&mut c, &["LTRIM", "l", "10", "20"]).unwrap(), Value::Okay);
    assert_eq!(q::<i64>(&mut c, &["EXISTS", "l"]), 0);
}

#[test]
fn lrem_and_lpos() {
    let srv = common::Server::start();
    let mut c = srv.conn();
    let _: i64 = q(&mut c, &["RPUSH", "l", "a", "b", "a", "c", "a", "b"]);
    assert_eq!(q::<i64>(&mut c, &["LPOS", "l", "a"]), 0);
    assert_eq!(q::<i64>(&mut c, &["LPOS", "l", "a", "RANK", "2"]), 2);
    assert_eq!(q::<i64>(&mut c, &["LPOS", "l", "a", "RANK", "-1"]), 4);
    assert_eq!(q::<Vec<i64>>(&mut c, &["LPOS", "l", "a", "COUNT", "0"]), [0, 2, 4]);
    assert_eq!(q::<Vec<i64>>(&mut c, &["LPOS", "l", "a", "RANK", "-1", "COUNT", "2"]), [4, 2]);
    assert_eq!(q::<Vec<i64>>(&mut c, &["LPOS", "l", "a", "COUNT", "0", "MAXLEN", "3"]), [0, 2]);
    assert_eq!(q::<Option<i64>>(&mut c, &["LPOS", "l", "zz"]), None);
    assert_err(
        r(&mut c, &["LPOS", "l", "a", "RANK", "0"]),
        "ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list",
    );
    assert_err(r(&mut c, &["LPOS", "l", "a", "COUNT", "-1"]), "ERR COUNT can't be negative");
    assert_err(r(&mut c, &["LPOS", "l", "a", "MAXLEN", "-1"]), "ERR MAXLEN can't be negative");
    assert_err(r(&mut c, &["LPOS", "l", "a", "COUNT", "x"]), "ERR COUNT can't be negative");
    assert_err(r(&mut c, &["LPOS", "l", "a", "RANK", "x"]), "ERR value is not an integer or out of range");
    assert_err(r(&mut c, &["LPOS", "l", "a", "FOO", "1"]), "ERR syntax error");
    assert_err(r(&mut c, &["LPOS", "l", "a", "RANK"]), "ERR syntax error");
    assert_eq!(q::<i64>(&mut c, &["LREM", "l", "-1", "a"]), 1);
    assert_eq!(lrange(&mut c, "l"), ["a", "b", "a", "c", "b"]);
    assert_eq!(q::<i64>(&mut c, &["LREM", "l", "1", "b"]), 1);
    assert_eq!(q::<i64>(&mut c, &["LREM", "l", "0", "a"]), 2);
    assert_eq!(lrange(&mut c, "l"), ["c", "b"]);
    assert_eq!(q::<i64>(&mut c, &["LREM", "nokey", "0", "a"]), 0);
    assert_eq!(q::<i64>(&mut c, &["LREM", "l", "0", "c"]), 1);
    assert_eq!(q::<i64>(&mut c, &["LREM", "l", "0", "b"]), 1);
    assert_eq!(q::<i64>(&mut c, &["EXISTS", "l"]), 0);
}

#[test]
fn moves_and_lmpop() {
    let srv = common::Server::start();
    let mut c = srv.conn();
    let _: i64 = q(&mut c, &["RPUSH", "src", "1", "2", "3"]);
    assert_eq!(q::<String>(&mut c, &["LMOVE", "src", "dst", "LEFT", "RIGHT"]), "1");
    assert_eq!(q::<String>(&mut c, &["LMOVE", "src", "dst", "RIGHT", "LEFT"]), "3");
    assert_eq!(lrange(&mut c, "dst"), ["3", "1"]);
    assert_eq!(q::<String>(&mut c, &["RPOPLPUSH", "dst", "dst"]), "1");
    assert_eq!(lrange(&mut c, "dst"), ["1", "3"]);
    assert_err(r(&mut c, &["LMOVE", "src", "dst", "UP", "LEFT"]), "ERR syntax error");
    // A one-element list rotated onto itself keeps existing.
    assert_eq!(q::<String>(&mut c, &["LMOVE", "src", "src", "LEFT", "RIGHT"]), "2");
    assert_eq!(lrange(&mut c, "src"), ["2"]);
    assert_eq!(q::<String>(&mut c, &["RPOPLPUSH", "src", "dst"]), "2");
    assert_eq!(q::<i64>(&mut c, &["EXISTS", "src"]), 0);
    assert_eq!(q::<Option<String>>(&mut c, &["RPOPLPUSH", "src", "dst"]), None);
    let _: () = q(&mut c, &["SET", "str", "x"]);
    assert_err(r(&mut c, &["RPOPLPUSH", "dst", "str"]), "WRONGTYPE");
    assert_eq!(lrange(&mut c, "dst"), ["2", "1", "3"]);

    let v: (String, Vec<String>) = q(&mut c, &["LMPOP", "2", "nokey", "dst", "RIGHT", "COUNT", "2"]);
    assert_eq!(v, ("dst".to_string(), vec!["3".to_string(), "1".to_string()]));
    let v: (String, Vec<String>) = q(&mut c, &["LMPOP", "1", "dst", "LEFT", "COUNT", "10"]);
    assert_eq!(v.1, ["2"]);
    assert_eq!(r(&mut c, &["LMPOP", "1", "dst", "LEFT"]).unwrap(), Value::Nil);
    assert_err(r(&mut c, &["LMPOP", "0", "dst", "LEFT"]), "ERR numkeys should be greater than 0");
    assert_err(r(&mut c, &["LMPOP", "a", "dst", "LEFT"]), "ERR numkeys should be greater than 0");
    assert_err(r(&mut c, &["LMPOP", "1", "dst", "MIDDLE"]), "ERR syntax error");
    assert_err(r(&mut c, &["LMPOP", "5", "dst", "LEFT"]), "ERR syntax error");
    assert_err(r(&mut c, &["LMPOP", "1", "dst", "LEFT", "COUNT", "0"]), "ERR count should be greater than 0");
    assert_err(r(&mut c, &["LMPOP", "1", "dst", "LEFT", "COUNT", "1", "COUNT", "1"]), "ERR syntax error");
    assert_err(r(&mut c, &["LMPOP", "2", "str", "dst", "LEFT"]), "WRONGTYPE");
}

#[test]
fn wrong_type_everywhere() {
    let srv = common::Server::start();
    let mut c = srv.conn();
    let _: () = q(&mut c, &["SET", "s", "x"]);
    for args in [
        &["LPUSH", "s", "a"][..],
        &["RPUSHX", "s", "a"],
        &["LPOP", "s"],
        &["RPOP", "s", "2"],
        &["LLEN", "s"],
        &["LRANGE", "s", "0", "-1"],
        &["LINDEX", "s", "0"],
        &["LSET", "s", "0", "a"],
        &["LINSERT", "s", "BEFORE", "a", "b"],
        &["LREM", "s", "0", "a"],
        &["LTRIM", "s", "0", "1"],
        &["LPOS", "s", "a"],
        &["LMOVE", "s", "d", "LEFT", "LEFT"],
        &["BLPOP", "s", "0"],
        &["BLMOVE", "s", "d", "LEFT", "LEFT", "0"],
        &["BLMPOP", "0", "1", "s", "LEFT"],
    ] {
        assert_err(r(&mut c, args), "WRONGTYPE Operation against a key holding the wrong kind of value");
    }
    assert_eq!(q::<String>(&mut c, &["GET", "s"]), "x");
    let _: i64 = q(&mut c, &["RPUSH", "l", "a"]);
    assert_eq!(q::<String>(&mut c, &["TYPE", "l"]), "list");
    assert_eq!(q::<String>(&mut c, &["OBJECT", "ENCODING", "l"]), "quicklist");
}

/// Random operations on a list spread over many small nodes, compared with a
/// model after every step.
#[test]
fn randomized_against_a_model() {
    let srv = common::Server::start_with(&["--list-max-listpack-size", "3"]);
    let mut c = srv.conn();
    let mut model: VecDeque<String> = VecDeque::new();
    let mut seed: u64 = 0x9e3779b97f4a7c15;
    let mut rnd = |n: u64| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed % n
    };
    for step in 0..1500 {
        let v = format!("v{}", rnd(20));
        match rnd(10) {
            0 | 1 => {
                let _: i64 = q(&mut c, &["LPUSH", "k", &v]);
                model.push_front(v);
            }
            2 | 3 => {
                let _: i64 = q(&mut c, &["RPUSH", "k", &v]);
                model.push_back(v);
            }
            4 => assert_eq!(q::<Option<String>>(&mut c, &["LPOP", "k"]), model.pop_front()),
            5 => assert_eq!(q::<Option<String>>(&mut c, &["RPOP", "k"]), model.pop_back()),
            6 if !model.is_empty() => {
                let i = rnd(model.len() as u64) as usize;
                let _: () = q(&mut c, &["LSET", "k", &i.to_string(), &v]);
                model[i] = v;
            }
            7 if !model.is_empty() => {
                let i = rnd(model.len() as u64) as usize;
                let pivot = model[i].clone();
                let at = model.iter().position(|x| *x == pivot).unwrap_or(0);
                let _: i64 = q(&mut c, &["LINSERT", "k", "AFTER", &pivot, &v]);
                model.insert(at + 1, v);
            }
            8 => {
                let count = rnd(5) as i64 - 2;
                let n: i64 = q(&mut c, &["LREM", "k", &count.to_string(), &v]);
                let mut removed = 0;
                let limit = if count == 0 { usize::MAX } else { count.unsigned_abs() as usize };
                let mut idx: Vec<usize> = (0..model.len()).filter(|&i| model[i] == v).collect();
                if count < 0 {
                    idx.reverse();
                }
                idx.truncate(limit);
                idx.sort_unstable();
                for i in idx.into_iter().rev() {
                    model.remove(i);
                    removed += 1;
                }
                assert_eq!(n, removed);
            }
            _ => {
                let i = rnd(model.len() as u64 + 1) as i64;
                // Negative indexes for elements, one past the end for a miss.
                let idx = if (i as usize) < model.len() { i - model.len() as i64 } else { i };
                let got: Option<String> = q(&mut c, &["LINDEX", "k", &idx.to_string()]);
                assert_eq!(got, if (i as usize) < model.len() { Some(model[i as usize].clone()) } else { None });
            }
        }
        if step % 50 == 0 {
            assert_eq!(lrange(&mut c, "k"), Vec::from(model.clone()));
        }
    }
    assert_eq!(lrange(&mut c, "k"), Vec::from(model.clone()));
    assert_eq!(q::<i64>(&mut c, &["LLEN", "k"]), model.len() as i64);
}

#[test]
fn blocking_fifo_and_wakeups() {
    let srv = common::Server::start();
    let mut c = srv.conn();
    let mut a = srv.raw();
    let mut b = srv.raw();
    send(&mut a, "BLPOP k1 k2 0");
    wait_blocked(&mut c, 1);
    send(&mut b, "BRPOP k2 0");
    wait_blocked(&mut c, 2);
    // One push of three elements serves both waiters, first come first served.
    assert_eq!(q::<i64>(&mut c, &["RPUSH", "k2", "x", "y", "z"]), 3);
    assert_eq!(read_at_least(&mut a, 19), b"*2\r\n$2\r\nk2\r\n$1\r\nx\r\n");
    assert_eq!(read_at_least(&mut b, 19), b"*2\r\n$2\r\nk2\r\n$1\r\nz\r\n");
    assert_eq!(lrange(&mut c, "k2"), ["y"]);
    wait_blocked(&mut c, 0);

    // BLMOVE feeding a BLPOP waiter on its destination.
    send(&mut a, "BLMOVE src dst RIGHT LEFT 0");
    wait_blocked(&mut c, 1);
    send(&mut b, "BLPOP dst 0");
    wait_blocked(&mut c, 2);
    let _: i64 = q(&mut c, &["LPUSH", "src", "v"]);
    assert_eq!(read_at_least(&mut a, 7), b"$1\r\nv\r\n");
    assert_eq!(read_at_least(&mut b, 20), b"*2\r\n$3\r\ndst\r\n$1\r\nv\r\n");
    assert_eq!(q::<i64>(&mut c, &["EXISTS", "src", "dst"]), 0);

    // A key renamed into place wakes the waiter; a key of another type does not.
    send(&mut a, "BLMPOP 0 1 k LEFT COUNT 2");
    wait_blocked(&mut c, 1);
    let _: () = q(&mut c, &["SET", "k", "string"]);
    let _: i64 = q(&mut c, &["DEL", "k"]);
    assert_eq!(blocked_clients(&mut c), 1);
    let _: i64 = q(&mut c, &["RPUSH", "tmp", "1", "2", "3"]);
    let _: () = q(&mut c, &["RENAME", "tmp", "k"]);
    assert_eq!(read_at_least(&mut a, 32), b"*2\r\n$1\r\nk\r\n*2\r\n$1\r\n1\r\n$1\r\n2\r\n");
    wait_blocked(&mut c, 0);
}

#[test]
fn blocking_timeouts_unblock_and_disconnect() {
    let srv = common::Server::start();
    let mut c = srv.conn();
    let mut a = srv.raw();
    assert_eq!(raw(&mut a, "BLPOP k -1", 10), b"-ERR timeout is negative\r\n");
    assert_eq!(raw(&mut a, "BLPOP k abc", 10), b"-ERR timeout is not a float or out of range\r\n");
    // A short timeout replies null.
    assert_eq!(raw(&mut a, "BRPOP k 0.05", 5), b"*-1\r\n");
    // CLIENT UNBLOCK, with the timeout reply and with the error.
    let id: i64 = {
        let reply = raw(&mut a, "CLIENT ID", 3);
        String::from_utf8_lossy(&reply[1..reply.len() - 2]).parse().expect("id")
    };
    send(&mut a, "BLPOP k 0");
    wait_blocked(&mut c, 1);
    assert_eq!(q::<i64>(&mut c, &["CLIENT", "UNBLOCK", &id.to_string()]), 1);
    assert_eq!(read_at_least(&mut a, 5), b"*-1\r\n");
    // Commands pipelined behind a blocking one run once it is unblocked.
    let _: () = q(&mut c, &["CONFIG", "RESETSTAT"]);
    send(&mut a, "BLPOP k 0\r\nPING");
    wait_blocked(&mut c, 1);
    assert_eq!(q::<i64>(&mut c, &["CLIENT", "UNBLOCK", &id.to_string(), "ERROR"]), 1);
    assert_eq!(read_at_least(&mut a, 55), b"-UNBLOCKED client unblocked via CLIENT UNBLOCK\r\n+PONG\r\n");
    // The error counts as Redis counts it: errorstats, total_error_replies
    // and a failed call of BLPOP (not of the PING after it).
    let info: String = q(&mut c, &["INFO", "all"]);
    assert!(info.contains("errorstat_UNBLOCKED:count=1\r\n"), "{info}");
    assert!(info.contains("total_error_replies:1\r\n"), "{info}");
    assert!(info.contains("cmdstat_blpop:calls=1,") && info.contains("rejected_calls=0,failed_calls=1\r\n"), "{info}");
    assert!(info.contains("cmdstat_ping:calls=1,usec="), "{info}");
    assert!(!info.lines().any(|l| l.starts_with("cmdstat_ping") && l.ends_with("failed_calls=1")), "{info}");
    assert_eq!(q::<i64>(&mut c, &["CLIENT", "UNBLOCK", &id.to_string()]), 0);
    assert_err(r(&mut c, &["CLIENT", "UNBLOCK", &id.to_string(), "MAYBE"]), "ERR CLIENT UNBLOCK reason should be");

    // A waiter that disconnects is forgotten: the next push is not lost.
    {
        let mut gone = srv.raw();
        send(&mut gone, "BLPOP k 0");
        wait_blocked(&mut c, 1);
    }
    wait_blocked(&mut c, 0);
    let _: i64 = q(&mut c, &["RPUSH", "k", "kept"]);
    assert_eq!(lrange(&mut c, "k"), ["kept"]);
}

#[test]
fn blocking_sorted_set_pops() {
    let srv = common::Server::start();
    let mut c = srv.conn();
    let mut a = srv.raw();
    send(&mut a, "BZPOPMIN z 0");
    wait_blocked(&mut c, 1);
    let _: i64 = q(&mut c, &["ZADD", "z", "1", "m", "2", "n"]);
    assert_eq!(read_at_least(&mut a, 26), b"*3\r\n$1\r\nz\r\n$1\r\nm\r\n$1\r\n1\r\n");
    assert_eq!(raw(&mut a, "BZMPOP 0 1 z MAX COUNT 5", 36), b"*2\r\n$1\r\nz\r\n*1\r\n*2\r\n$1\r\nn\r\n$1\r\n2\r\n");
    assert_eq!(raw(&mut a, "BZPOPMAX z 0.01", 5), b"*-1\r\n");
}

/// A waiter is served from the key that woke it, even if an earlier key of
/// its list received data meanwhile (Redis 7.0's order).
#[test]
fn blocking_waiter_served_from_the_waking_key() {
    let srv = common::Server::start();
    let mut c = srv.conn();
    let mut mover = srv.raw();
    let mut popper = srv.raw();
    send(&mut mover, "BLMOVE k1 k3 RIGHT LEFT 0");
    wait_blocked(&mut c, 1);
    send(&mut popper, "BLMPOP 0 2 k3 k1 LEFT COUNT 2");
    wait_blocked(&mut c, 2);
    let _: i64 = q(&mut c, &["RPUSH", "k1", "c", "c", "b"]);
    assert_eq!(read_at_least(&mut mover, 7), b"$1\r\nb\r\n");
    assert_eq!(read_at_least(&mut popper, 32), b"*2\r\n$2\r\nk1\r\n*2\r\n$1\r\nc\r\n$1\r\nc\r\n");
    assert_eq!(lrange(&mut c, "k3"), ["b"]);
    assert_eq!(q::<i64>(&mut c, &["EXISTS", "k1"]), 0);
    wait_blocked(&mut c, 0);
}
