//! Hash commands over TCP: HSET/HMSET/HSETNX, point reads, HDEL and empty-key
//! deletion, whole-hash reads, counters (HINCRBY, HINCRBYFLOAT) with their
//! errors, HRANDFIELD (all count paths, RESP3 nesting), HSCAN (cursor
//! guarantee in both encodings), WRONGTYPE everywhere, the listpack ->
//! hashtable conversion, and a randomized comparison with a model. Expected
//! replies were checked against Redis 7.0.

mod common;

use std::collections::{HashMap, HashSet};

use common::{assert_err, q, r};
use redis::{Connection, Value};

fn encoding(c: &mut Connection, key: &str) -> String {
    q(c, &["OBJECT", "ENCODING", key])
}

fn exists(c: &mut Connection, key: &str) -> bool {
    q::<i64>(c, &["EXISTS", key]) == 1
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

/// A RESP3 connection (HELLO 3 sent by the client library).
fn resp3(srv: &common::Server) -> Connection {
    let client = redis::Client::open(format!("{}?protocol=resp3", srv.url())).expect("client");
    client.get_connection().expect("connect")
}

fn bulk(s: &str) -> Value {
    Value::BulkString(s.as_bytes().to_vec())
}

#[test]
fn hset_hget_and_point_reads() {
    let srv = common::Server::start();
    let mut c = srv.conn();
    assert_eq!(q::<i64>(&mut c, &["HSET", "h", "a", "1", "b", "2"]), 2);
    assert_eq!(q::<i64>(&mut c, &["HSET", "h", "a", "10", "c", "3"]), 1);
    assert_eq!(q::<String>(&mut c, &["HMSET", "h", "d", "4", "a", "11"]), "OK");
    assert_eq!(q::<Option<String>>(&mut c, &["HGET", "h", "a"]).as_deref(), Some("11"));
    assert_eq!(q::<Option<String>>(&mut c, &["HGET", "h", "zz"]), None);
    assert_eq!(q::<Option<String>>(&mut c, &["HGET", "nokey", "a"]), None);
    let m: Vec<Option<String>> = q(&mut c, &["HMGET", "h", "a", "zz", "d"]);
    assert_eq!(m, vec![Some("11".into()), None, Some("4".into())]);
    let m: Vec<Option<String>> = q(&mut c, &["HMGET", "nokey", "a", "b"]);
    assert_eq!(m, vec![None, None]);
    assert_eq!(q::<i64>(&mut c, &["HLEN", "h"]), 4);
    assert_eq!(q::<i64>(&mut c, &["HLEN", "nokey"]), 0);
    assert_eq!(q::<i64>(&mut c, &["HSTRLEN", "h", "a"]), 2);
    assert_eq!(q::<i64>(&mut c, &["HSTRLEN", "h", "zz"]), 0);
    assert_eq!(q::<i64>(&mut c, &["HSTRLEN", "nokey", "zz"]), 0);
    assert_eq!(q::<i64>(&mut c, &["HEXISTS", "h", "a"]), 1);
    assert_eq!(q::<i64>(&mut c, &["HEXISTS", "h", "zz"]), 0);
    assert_eq!(q::<i64>(&mut c, &["HEXISTS", "nokey", "a"]), 0);
    // Empty fields and values are fine; binary data round-trips.
    assert_eq!(q::<i64>(&mut c, &["HSET", "h", "", ""]), 1);
    assert_eq!(q::<Option<String>>(&mut c, &["HGET", "h", ""]).as_deref(), Some(""));
    let bin: Vec<u8> = vec![0, 255, b'\r', b'\n', 7];
    let _: i64 = redis::cmd("HSET").arg("h").arg(&bin[..]).arg(&bin[..]).query(&mut c).unwrap();
    let got: Vec<u8> = redis::cmd("HGET").arg("h").arg(&bin[..]).query(&mut c).unwrap();
    assert_eq!(got, bin);
    // Odd field/value counts are an arity error naming the command.
    assert_err(r(&mut c, &["HSET", "h", "a", "1", "b"]), "ERR wrong number of arguments for 'hset' command");
    assert_err(r(&mut c, &["HMSET", "h", "a", "1", "b"]), "ERR wrong number of arguments for 'hmset' command");
    assert_err(r(&mut c, &["HSET", "h", "a"]), "ERR wrong number of arguments for 'hset' command");
    assert_err(r(&mut c, &["HGET", "h"]), "ERR wrong number of arguments for 'hget' command");
    // Nothing was written by the failed HSET.
    assert_eq!(q::<Option<String>>(&mut c, &["HGET", "h", "a"]).as_deref(), Some("11"));
}

#[test]
fn hsetnx() {
    let srv = common::Server::start();
    let mut c = srv.conn();
    assert_eq!(q::<i64>(&mut c, &["HSETNX", "h", "a", "1"]), 1);
    assert_eq!(q::<i64>(&mut c, &["HSETNX", "h", "a", "2"]), 0);
    assert_eq!(q::<String>(&mut c, &["HGET", "h", "a"]), "1");
    // A refused HSETNX with a long value does not convert the hash.
    let long = "x".repeat(100);
    assert_eq!(q::<i64>(&mut c, &["HSETNX", "h", "a", &long]), 0);
    assert_eq!(encoding(&mut c, "h"), "listpack");
    assert_eq!(q::<i64>(&mut c, &["HSETNX", "h", "b", &long]), 1);
    assert_eq!(encoding(&mut c, "h"), "hashtable");
    assert_eq!(q::<i64>(&mut c, &["HSETNX", "h", "b", "x"]), 0);
    assert_eq!(q::<String>(&mut c, &["HGET", "h", "b"]), long);
}

#[test]
fn hdel_and_empty_key_deletion() {
    let srv = common::Server::start();
    let mut c = srv.conn();
    q::<i64>(&mut c, &["HSET", "h", "a", "1", "b", "2", "c", "3"]);
    assert_eq!(q::<i64>(&mut c, &["HDEL", "h", "x", "y"]), 0);
    assert_eq!(q::<i64>(&mut c, &["HDEL", "h", "a", "a", "x"]), 1);
    assert_eq!(q::<i64>(&mut c, &["HDEL", "nokey", "a"]), 0);
    assert_eq!(q::<i64>(&mut c, &["HDEL", "h", "b", "c"]), 2);
    assert!(!exists(&mut c, "h"));
    // The same in the hashtable encoding.
    let long = "v".repeat(65);
    q::<i64>(&mut c, &["HSET", "big", "a", &long, "b", "2"]);
    assert_eq!(encoding(&mut c, "big"), "hashtable");
    assert_eq!(q::<i64>(&mut c, &["HDEL", "big", "a"]), 1);
    assert_eq!(encoding(&mut c, "big"), "hashtable");
    assert_eq!(q::<i64>(&mut c, &["HDEL", "big", "b"]), 1);
    assert!(!exists(&mut c, "big"));
    // A TTL on a hash survives field writes.
    q::<i64>(&mut c, &["HSET", "t", "a", "1"]);
    q::<i64>(&mut c, &["EXPIRE", "t", "100"]);
    q::<i64>(&mut c, &["HSET", "t", "b", "2"]);
    q::<i64>(&mut c, &["HINCRBY", "t", "n", "1"]);
    assert!(q::<i64>(&mut c, &["TTL", "t"]) > 0);
}

#[test]
fn whole_hash_reads() {
    let srv = common::Server::start();
    let mut c = srv.conn();
    q::<i64>(&mut c, &["HSET", "h", "a", "1", "b", "2", "c", "3"]);
    // The listpack keeps insertion order.
    assert_eq!(q::<Vec<String>>(&mut c, &["HKEYS", "h"]), ["a", "b", "c"]);
    assert_eq!(q::<Vec<String>>(&mut c, &["HVALS", "h"]), ["1", "2", "3"]);
    assert_eq!(q::<Vec<String>>(&mut c, &["HGETALL", "h"]), ["a", "1", "b", "2", "c", "3"]);
    assert!(q::<Vec<String>>(&mut c, &["HKEYS", "nokey"]).is_empty());
    assert!(q::<Vec<String>>(&mut c, &["HVALS", "nokey"]).is_empty());
    assert!(q::<Vec<String>>(&mut c, &["HGETALL", "nokey"]).is_empty());
    // Updating a value in place keeps the field's position.
    q::<i64>(&mut c, &["HSET", "h", "a", "100"]);
    assert_eq!(q::<Vec<String>>(&mut c, &["HGETALL", "h"]), ["a", "100", "b", "2", "c", "3"]);
    // In the hashtable encoding the order is the table's, the contents the same.
    q::<String>(&mut c, &["CONFIG", "SET", "hash-max-listpack-entries", "2"]);
    for i in 0..50 {
        q::<i64>(&mut c, &["HSET", "big", &format!("f{i}"), &format!("v{i}")]);
    }
    assert_eq!(encoding(&mut c, "big"), "hashtable");
    let all: Vec<String> = q(&mut c, &["HGETALL", "big"]);
    assert_eq!(all.len(), 100);
    let map: HashMap<String, String> = all.chunks(2).map(|p| (p[0].clone(), p[1].clone())).collect();
    for i in 0..50 {
        assert_eq!(map[&format!("f{i}")], format!("v{i}"));
    }
    let keys = sorted(q(&mut c, &["HKEYS", "big"]));
    assert_eq!(keys, sorted((0..50).map(|i| format!("f{i}")).collect()));
    let vals = sorted(q(&mut c, &["HVALS", "big"]));
    assert_eq!(vals, sorted((0..50).map(|i| format!("v{i}")).collect()));
}

#[test]
fn hincrby() {
    let srv = common::Server::start();
    let mut c = srv.conn();
    assert_eq!(q::<i64>(&mut c, &["HINCRBY", "h", "n", "5"]), 5);
    assert_eq!(q::<i64>(&mut c, &["HINCRBY", "h", "n", "-7"]), -2);
    assert_eq!(q::<String>(&mut c, &["HGET", "h", "n"]), "-2");
    q::<i64>(&mut c, &["HSET", "h", "big", "17179869184"]);
    assert_eq!(q::<i64>(&mut c, &["HINCRBY", "h", "big", "17179869184"]), 34359738368);
    // The stored value must be a strict integer.
    for bad in [" 11", "11 ", "1.5", "abc", "", "01x"] {
        q::<i64>(&mut c, &["HSET", "h", "s", bad]);
        assert_err(r(&mut c, &["HINCRBY", "h", "s", "1"]), "ERR hash value is not an integer");
    }
    // The increment must be an integer.
    assert_err(r(&mut c, &["HINCRBY", "h", "n", "1.5"]), "ERR value is not an integer or out of range");
    assert_err(
        r(&mut c, &["HINCRBY", "h", "n", "99999999999999999999"]),
        "ERR value is not an integer or out of range",
    );
    // Overflow either way.
    q::<i64>(&mut c, &["HSET", "h", "m", "9223372036854775807"]);
    assert_err(r(&mut c, &["HINCRBY", "h", "m", "1"]), "ERR increment or decrement would overflow");
    q::<i64>(&mut c, &["HSET", "h", "m", "-9223372036854775484"]);
    assert_eq!(q::<i64>(&mut c, &["HINCRBY", "h", "m", "-1"]), -9223372036854775485);
    assert_err(r(&mut c, &["HINCRBY", "h", "m", "-10000"]), "ERR increment or decrement would overflow");
    assert_eq!(q::<String>(&mut c, &["HGET", "h", "m"]), "-9223372036854775485");
    // A failed HINCRBY on a missing key creates nothing.
    assert_err(r(&mut c, &["HINCRBY", "new", "n", "x"]), "ERR value is not an integer or out of range");
    assert!(!exists(&mut c, "new"));
}

#[test]
fn hincrbyfloat() {
    let srv = common::Server::start();
    let mut c = srv.conn();
    assert_eq!(q::<String>(&mut c, &["HINCRBYFLOAT", "h", "f", "2.5"]), "2.5");
    assert_eq!(q::<String>(&mut c, &["HINCRBYFLOAT", "h", "f", "3.5"]), "6");
    assert_eq!(q::<String>(&mut c, &["HGET", "h", "f"]), "6");
    assert_eq!(q::<String>(&mut c, &["HINCRBYFLOAT", "h", "f", "3.0e3"]), "3006");
    assert_eq!(q::<String>(&mut c, &["HINCRBYFLOAT", "h", "f", "-3006"]), "0");
    // Plain notation, shortest exact form (issue #2846).
    assert_eq!(q::<String>(&mut c, &["HINCRBYFLOAT", "x", "f", "1.23"]), "1.23");
    assert_eq!(q::<String>(&mut c, &["HINCRBYFLOAT", "x", "f", "0.77"]), "2");
    assert_eq!(q::<String>(&mut c, &["HINCRBYFLOAT", "x", "f", "-0.1"]), "1.9");
    q::<i64>(&mut c, &["HSET", "h", "i", "17179869184"]);
    assert_eq!(q::<String>(&mut c, &["HINCRBYFLOAT", "h", "i", "1"]), "17179869185");
    // Stored values that are not floats.
    for bad in [" 11", "11 ", "abc", "1\u{0}2", ""] {
        q::<i64>(&mut c, &["HSET", "h", "s", bad]);
        assert_err(r(&mut c, &["HINCRBYFLOAT", "h", "s", "1"]), "ERR hash value is not a float");
    }
    assert_err(r(&mut c, &["HINCRBYFLOAT", "h", "f", "abc"]), "ERR value is not a valid float");
    assert_err(r(&mut c, &["HINCRBYFLOAT", "hfoo", "f", "+inf"]), "ERR value is NaN or Infinity");
    assert_err(r(&mut c, &["HINCRBYFLOAT", "hfoo", "f", "-inf"]), "ERR value is NaN or Infinity");
    assert!(!exists(&mut c, "hfoo"));
    q::<i64>(&mut c, &["HSET", "h", "inf", "inf"]);
    assert_err(r(&mut c, &["HINCRBYFLOAT", "h", "inf", "1"]), "ERR increment would produce NaN or Infinity");
}

#[test]
fn wrong_type() {
    let srv = common::Server::start();
    let mut c = srv.conn();
    q::<String>(&mut c, &["SET", "s", "x"]);
    let wt = "WRONGTYPE Operation against a key holding the wrong kind of value";
    for cmd in [
        &["HSET", "s", "a", "1"][..],
        &["HMSET", "s", "a", "1"],
        &["HSETNX", "s", "a", "1"],
        &["HGET", "s", "a"],
        &["HMGET", "s", "a", "b"],
        &["HDEL", "s", "a"],
        &["HLEN", "s"],
        &["HSTRLEN", "s", "a"],
        &["HEXISTS", "s", "a"],
        &["HKEYS", "s"],
        &["HVALS", "s"],
        &["HGETALL", "s"],
        &["HINCRBY", "s", "a", "1"],
        &["HINCRBYFLOAT", "s", "a", "1"],
        &["HRANDFIELD", "s"],
        &["HRANDFIELD", "s", "0"],
        &["HRANDFIELD", "s", "-3", "WITHVALUES"],
        &["HSCAN", "s", "0"],
        &["HSCAN", "s", "0", "BADOPTION", "x"],
    ] {
        assert_err(r(&mut c, cmd), wt);
    }
    assert_eq!(q::<String>(&mut c, &["GET", "s"]), "x");
    // And the other way round.
    q::<i64>(&mut c, &["HSET", "h", "a", "1"]);
    assert_err(r(&mut c, &["GET", "h"]), "WRONGTYPE");
    assert_eq!(q::<String>(&mut c, &["TYPE", "h"]), "hash");
}

#[test]
fn encoding_conversion() {
    let srv = common::Server::start();
    let mut c = srv.conn();
    // Entries: 128 fields stay packed, the 129th converts.
    for i in 0..128 {
        q::<i64>(&mut c, &["HSET", "h", &format!("f{i}"), "v"]);
    }
    assert_eq!(encoding(&mut c, "h"), "listpack");
    q::<i64>(&mut c, &["HSET", "h", "f128", "v"]);
    assert_eq!(encoding(&mut c, "h"), "hashtable");
    assert_eq!(q::<i64>(&mut c, &["HLEN", "h"]), 129);
    // It never converts back.
    for i in 0..100 {
        q::<i64>(&mut c, &["HDEL", "h", &format!("f{i}")]);
    }
    assert_eq!(encoding(&mut c, "h"), "hashtable");
    assert_eq!(q::<i64>(&mut c, &["HLEN", "h"]), 29);
    // Values: 64 bytes stay packed, 65 convert; fields too.
    q::<i64>(&mut c, &["HSET", "v", "f", &"x".repeat(64)]);
    assert_eq!(encoding(&mut c, "v"), "listpack");
    q::<i64>(&mut c, &["HSET", "v", "f", &"x".repeat(65)]);
    assert_eq!(encoding(&mut c, "v"), "hashtable");
    q::<i64>(&mut c, &["HSET", "k", &"k".repeat(65), "1"]);
    assert_eq!(encoding(&mut c, "k"), "hashtable");
    // HINCRBY and HINCRBYFLOAT check the field and the new value.
    q::<String>(&mut c, &["CONFIG", "SET", "hash-max-listpack-value", "8"]);
    q::<i64>(&mut c, &["HINCRBY", "i1", "abcdefgh", "1"]);
    assert_eq!(encoding(&mut c, "i1"), "listpack");
    q::<i64>(&mut c, &["HINCRBY", "i2", "abcdefghi", "1"]);
    assert_eq!(encoding(&mut c, "i2"), "hashtable");
    q::<i64>(&mut c, &["HINCRBY", "i1", "abcdefgh", "123456789012"]);
    assert_eq!(encoding(&mut c, "i1"), "hashtable");
    q::<i64>(&mut c, &["HSET", "f1", "tmp", "0"]);
    q::<i64>(&mut c, &["HSET", "f2", "tmp", "0"]);
    q::<String>(&mut c, &["HINCRBYFLOAT", "f1", "tmp", "0.000005"]);
    q::<String>(&mut c, &["HINCRBYFLOAT", "f2", "tmp", "0.0000005"]);
    assert_eq!(encoding(&mut c, "f1"), "listpack");
    assert_eq!(encoding(&mut c, "f2"), "hashtable");
    // The old ziplist names are aliases; entries 0 means always a hashtable.
    q::<String>(&mut c, &["CONFIG", "SET", "hash-max-ziplist-entries", "0"]);
    q::<i64>(&mut c, &["HSET", "z", "a", "1"]);
    assert_eq!(encoding(&mut c, "z"), "hashtable");
    assert_eq!(q::<String>(&mut c, &["HGET", "z", "a"]), "1");
}

#[test]
fn hrandfield() {
    let srv = common::Server::start();
    let mut c = srv.conn();
    assert_eq!(q::<Option<String>>(&mut c, &["HRANDFIELD", "nokey"]), None);
    assert_eq!(r(&mut c, &["HRANDFIELD", "nokey", "5"]).unwrap(), Value::Array(vec![]));
    assert_eq!(r(&mut c, &["HRANDFIELD", "nokey", "-5", "WITHVALUES"]).unwrap(), Value::Array(vec![]));
    // Both encodings: a 10-field listpack and a 10-field hashtable.
    q::<i64>(&mut c, &["HSET", "lp", "a", "1", "b", "2", "c", "3", "d", "4", "e", "5"]);
    q::<i64>(&mut c, &["HSET", "lp", "6", "f", "7", "g", "8", "h", "9", "i", "10", "j"]);
    q::<i64>(&mut c, &["HSET", "ht", "a", "1", "b", "2", "c", "3", "d", "4", "e", "5"]);
    q::<i64>(&mut c, &["HSET", "ht", "6", "f", "7", "g", "8", "h", "9", "i", &"k".repeat(80), "j"]);
    assert_eq!(encoding(&mut c, "lp"), "listpack");
    assert_eq!(encoding(&mut c, "ht"), "hashtable");
    for key in ["lp", "ht"] {
        let all: Vec<String> = q(&mut c, &["HGETALL", key]);
        let model: HashMap<String, String> = all.chunks(2).map(|p| (p[0].clone(), p[1].clone())).collect();
        // No count: one field of the hash, every field eventually.
        let mut seen = HashSet::new();
        for _ in 0..300 {
            let f: String = q(&mut c, &["HRANDFIELD", key]);
            assert!(model.contains_key(&f));
            seen.insert(f);
        }
        assert_eq!(seen.len(), 10, "{key}");
        // Count 0 is an empty array.
        assert_eq!(r(&mut c, &["HRANDFIELD", key, "0"]).unwrap(), Value::Array(vec![]));
        // Negative: exactly |count| picks, repeats allowed, roughly uniform.
        let picks: Vec<String> = q(&mut c, &["HRANDFIELD", key, "-1000"]);
        assert_eq!(picks.len(), 1000);
        let mut counts: HashMap<&str, usize> = HashMap::new();
        for p in &picks {
            assert!(model.contains_key(p));
            *counts.entry(p).or_default() += 1;
        }
        assert_eq!(counts.len(), 10);
        assert!(counts.values().all(|&n| (40..=180).contains(&n)), "{key}: {counts:?}");
        let pv: Vec<String> = q(&mut c, &["HRANDFIELD", key, "-20", "WITHVALUES"]);
        assert_eq!(pv.len(), 40);
        for p in pv.chunks(2) {
            assert_eq!(model[&p[0]], p[1]);
        }
        // Positive: distinct fields, at most all of them.
        for n in [10, 20] {
            let got: Vec<String> = q(&mut c, &["HRANDFIELD", key, &n.to_string()]);
            assert_eq!(sorted(got), sorted(model.keys().cloned().collect()));
            let got: Vec<String> = q(&mut c, &["HRANDFIELD", key, &n.to_string(), "WITHVALUES"]);
            assert_eq!(got.len(), 20);
        }
        for n in [8usize, 2] {
            let mut seen = HashSet::new();
            for _ in 0..200 {
                let got: Vec<String> = q(&mut c, &["HRANDFIELD", key, &n.to_string(), "withvalues"]);
                assert_eq!(got.len(), n * 2);
                let fields: HashSet<&String> = got.chunks(2).map(|p| &p[0]).collect();
                assert_eq!(fields.len(), n, "distinct");
                for p in got.chunks(2) {
                    assert_eq!(model[&p[0]], p[1]);
                    seen.insert(p[0].clone());
                }
            }
            assert_eq!(seen.len(), 10);
        }
    }
    // Errors, checked before the key.
    assert_err(r(&mut c, &["HRANDFIELD", "lp", "x"]), "ERR value is not an integer or out of range");
    assert_err(r(&mut c, &["HRANDFIELD", "nokey", "1", "foo"]), "ERR syntax error");
    assert_err(r(&mut c, &["HRANDFIELD", "lp", "1", "WITHVALUES", "x"]), "ERR syntax error");
    assert_err(
        r(&mut c, &["HRANDFIELD", "lp", "-9223372036854775808"]),
        "ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807",
    );
    assert_err(r(&mut c, &["HRANDFIELD", "lp", "-9223372036854770000", "WITHVALUES"]), "ERR value is out of range");
    assert_err(r(&mut c, &["HRANDFIELD", "lp", "4611686018427387904", "WITHVALUES"]), "ERR value is out of range");
    // A positive count beyond the hash size is just "all of it".
    let all: Vec<String> = q(&mut c, &["HRANDFIELD", "lp", "4611686018427387903", "WITHVALUES"]);
    assert_eq!(all.len(), 20);
    // A negative count whose reply could never fit in memory is refused
    // (Redis 7.0 is killed by the OOM killer there).
    assert_err(r(&mut c, &["HRANDFIELD", "lp", "-4611686018427387903", "WITHVALUES"]), "ERR value is out of range");
    assert_err(r(&mut c, &["HRANDFIELD", "lp", "-100000000"]), "ERR value is out of range");
}

#[test]
fn resp3_shapes() {
    let srv = common::Server::start();
    let mut c = resp3(&srv);
    q::<i64>(&mut c, &["HSET", "h", "a", "1"]);
    assert_eq!(r(&mut c, &["HGETALL", "h"]).unwrap(), Value::Map(vec![(bulk("a"), bulk("1"))]));
    assert_eq!(r(&mut c, &["HGETALL", "nokey"]).unwrap(), Value::Map(vec![]));
    let pair = Value::Array(vec![bulk("a"), bulk("1")]);
    assert_eq!(r(&mut c, &["HRANDFIELD", "h", "1", "WITHVALUES"]).unwrap(), Value::Array(vec![pair.clone()]));
    assert_eq!(
        r(&mut c, &["HRANDFIELD", "h", "-2", "WITHVALUES"]).unwrap(),
        Value::Array(vec![pair.clone(), pair.clone()])
    );
    assert_eq!(r(&mut c, &["HRANDFIELD", "h", "-2"]).unwrap(), Value::Array(vec![bulk("a"), bulk("a")]));
    assert_eq!(r(&mut c, &["HRANDFIELD", "nokey"]).unwrap(), Value::Nil);
    // HSCAN stays a flat array of fields and values.
    assert_eq!(
        r(&mut c, &["HSCAN", "h", "0"]).unwrap(),
        Value::Array(vec![bulk("0"), Value::Array(vec![bulk("a"), bulk("1")])])
    );
    assert_eq!(r(&mut c, &["HKEYS", "h"]).unwrap(), Value::Array(vec![bulk("a")]));
}

/// Runs a full HSCAN iteration and returns every (field, value) returned.
fn full_scan(c: &mut Connection, key: &str, extra: &[&str]) -> (Vec<(String, String)>, usize) {
    let mut cursor = "0".to_string();
    let mut out = Vec::new();
    let mut calls = 0;
    loop {
        let mut args = vec!["HSCAN", key, cursor.as_str()];
        args.extend_from_slice(extra);
        let (next, items): (String, Vec<String>) = q(c, &args);
        calls += 1;
        out.extend(items.chunks(2).map(|p| (p[0].clone(), p[1].clone())));
        cursor = next;
        if cursor == "0" {
            break;
        }
        assert!(calls < 100_000, "HSCAN does not terminate");
    }
    (out, calls)
}

#[test]
fn hscan() {
    let srv = common::Server::start();
    let mut c = srv.conn();
    // Missing key: an empty iteration, whatever the options.
    let (cur, items): (String, Vec<String>) = q(&mut c, &["HSCAN", "nokey", "0", "BAD", "x"]);
    assert_eq!((cur.as_str(), items.len()), ("0", 0));
    assert_err(r(&mut c, &["HSCAN", "nokey", "x"]), "ERR invalid cursor");
    // Listpack: everything in one call, with cursor 0.
    q::<i64>(&mut c, &["HSET", "small", "a", "1", "b", "2", "foo", "3"]);
    let (cur, items): (String, Vec<String>) = q(&mut c, &["HSCAN", "small", "0", "COUNT", "1"]);
    assert_eq!(cur, "0");
    assert_eq!(items, ["a", "1", "b", "2", "foo", "3"]);
    let (_, items): (String, Vec<String>) = q(&mut c, &["HSCAN", "small", "0", "MATCH", "f*"]);
    assert_eq!(items, ["foo", "3"]);
    assert_err(r(&mut c, &["HSCAN", "small", "0", "COUNT", "0"]), "ERR syntax error");
    assert_err(r(&mut c, &["HSCAN", "small", "0", "COUNT"]), "ERR syntax error");
    assert_err(r(&mut c, &["HSCAN", "small", "0", "TYPE", "hash"]), "ERR syntax error");
    assert_err(r(&mut c, &["HSCAN", "small", "0", "COUNT", "x"]), "ERR value is not an integer or out of range");
    // Hashtable: a multi-call iteration returns every field.
    for i in 0..1000 {
        q::<i64>(&mut c, &["HSET", "big", &format!("f{i}"), &format!("v{i}")]);
    }
    assert_eq!(encoding(&mut c, "big"), "hashtable");
    let (items, calls) = full_scan(&mut c, "big", &[]);
    assert!(calls > 1);
    let fields: HashSet<String> = items
        .iter()
        .map(|(f, v)| {
            assert_eq!(&f[1..], &v[1..]);
            f.clone()
        })
        .collect();
    assert_eq!(fields.len(), 1000);
    let (items, _) = full_scan(&mut c, "big", &["MATCH", "f1*", "COUNT", "100"]);
    let fields: HashSet<String> = items.into_iter().map(|(f, _)| f).collect();
    assert_eq!(fields.len(), 111);
    assert!(fields.iter().all(|f| f.starts_with("f1")));
}

#[test]
fn hscan_guarantee_across_resizes() {
    let srv = common::Server::start();
    let mut c = srv.conn();
    for i in 0..500 {
        q::<i64>(&mut c, &["HSET", "h", &format!("keep{i}"), "v"]);
    }
    // Iterate while the table grows (new fields) and shrinks (deleted
    // fields): every field present throughout must be returned.
    let mut cursor = "0".to_string();
    let mut seen = HashSet::new();
    let mut step = 0;
    loop {
        let (next, items): (String, Vec<String>) = q(&mut c, &["HSCAN", "h", &cursor, "COUNT", "20"]);
        for p in items.chunks(2) {
            seen.insert(p[0].clone());
        }
        step += 1;
        if step < 10 {
            for j in 0..300 {
                q::<i64>(&mut c, &["HSET", "h", &format!("tmp{step}_{j}"), "v"]);
            }
        } else if step < 20 {
            for j in 0..300 {
                q::<i64>(&mut c, &["HDEL", "h", &format!("tmp{}_{j}", step - 10)]);
            }
        }
        cursor = next;
        if cursor == "0" {
            break;
        }
        assert!(step < 100_000);
    }
    for i in 0..500 {
        assert!(seen.contains(&format!("keep{i}")), "keep{i} missed");
    }
}

#[test]
fn randomized_against_model() {
    let srv = common::Server::start();
    let mut c = srv.conn();
    // A small xorshift so the test is deterministic.
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut rnd = move |n: u64| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state % n
    };
    for limit in ["128", "4"] {
        q::<String>(&mut c, &["CONFIG", "SET", "hash-max-listpack-entries", limit]);
        q::<i64>(&mut c, &["DEL", "h"]);
        let mut model: HashMap<String, String> = HashMap::new();
        for _ in 0..2000 {
            let f = format!("f{}", rnd(40));
            match rnd(6) {
                0 | 1 => {
                    let v = if rnd(10) == 0 { "x".repeat(70) } else { format!("{}", rnd(1000)) };
                    let added: i64 = q(&mut c, &["HSET", "h", &f, &v]);
                    assert_eq!(added == 1, model.insert(f, v).is_none());
                }
                2 => {
                    let n: i64 = q(&mut c, &["HDEL", "h", &f]);
                    assert_eq!(n == 1, model.remove(&f).is_some());
                }
                3 => {
                    let got: Option<String> = q(&mut c, &["HGET", "h", &f]);
                    assert_eq!(got.as_ref(), model.get(&f));
                }
                4 => {
                    let res = r(&mut c, &["HINCRBY", "h", &f, "3"]);
                    match model.get(&f).map(|v| v.parse::<i64>()) {
                        None => {
                            assert_eq!(res.unwrap(), Value::Int(3));
                            model.insert(f, "3".into());
                        }
                        Some(Ok(n)) => {
                            assert_eq!(res.unwrap(), Value::Int(n + 3));
                            model.insert(f, (n + 3).to_string());
                        }
                        Some(Err(_)) => assert_err(res, "ERR hash value is not an integer"),
                    }
                }
                _ => {
                    let n: i64 = q(&mut c, &["HLEN", "h"]);
                    assert_eq!(n as usize, model.len());
                    assert_eq!(exists(&mut c, "h"), !model.is_empty());
                }
            }
        }
        let all: Vec<String> = q(&mut c, &["HGETALL", "h"]);
        let got: HashMap<String, String> = all.chunks(2).map(|p| (p[0].clone(), p[1].clone())).collect();
        assert_eq!(got, model);
    }
}
