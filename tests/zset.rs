//! Sorted set commands over TCP: ZADD and its options, point queries, ranges
//! by rank/score/lex (forward, reverse, LIMIT, STORE), removals, pops, set
//! algebra, ZRANDMEMBER, ZSCAN, RESP3 reply shapes, the listpack/skiplist
//! conversion, and a randomized comparison with a model in both encodings.
//! Expected replies were checked against Redis 7.0.

mod common;

use common::{assert_err, q, r};
use redis::{Connection, Value};

fn strs(c: &mut Connection, args: &[&str]) -> Vec<String> {
    q(c, args)
}

fn encoding(c: &mut Connection, key: &str) -> String {
    q(c, &["OBJECT", "ENCODING", key])
}

fn exists(c: &mut Connection, key: &str) -> bool {
    q::<i64>(c, &["EXISTS", key]) == 1
}

/// A RESP3 connection (HELLO 3 sent by the client library).
fn resp3(srv: &common::Server) -> Connection {
    let client = redis::Client::open(format!("{}?protocol=resp3", srv.url())).expect("client");
    client.get_connection().expect("connect")
}

#[test]
fn zadd_and_point_queries() {
    let srv = common::Server::start();
    let mut c = srv.conn();
    assert_eq!(q::<i64>(&mut c, &["ZADD", "z", "1", "a", "2", "b", "3", "c"]), 3);
    assert_eq!(q::<i64>(&mut c, &["ZADD", "z", "10", "a", "4", "d"]), 1);
    assert_eq!(q::<i64>(&mut c, &["ZCARD", "z"]), 4);
    assert_eq!(q::<i64>(&mut c, &["ZCARD", "missing"]), 0);
    assert_eq!(q::<Option<String>>(&mut c, &["ZSCORE", "z", "a"]).as_deref(), Some("10"));
    assert_eq!(q::<Option<String>>(&mut c, &["ZSCORE", "z", "nope"]), None);
    assert_eq!(q::<Option<String>>(&mut c, &["ZSCORE", "missing", "a"]), None);
    let ms: Vec<Option<String>> = q(&mut c, &["ZMSCORE", "z", "b", "nope", "d"]);
    assert_eq!(ms, vec![Some("2".into()), None, Some("4".into())]);
    let ms: Vec<Option<String>> = q(&mut c, &["ZMSCORE", "missing", "a", "b"]);
    assert_eq!(ms, vec![None, None]);
    assert_eq!(q::<Option<i64>>(&mut c, &["ZRANK", "z", "a"]), Some(3));
    assert_eq!(q::<Option<i64>>(&mut c, &["ZREVRANK", "z", "a"]), Some(0));
    assert_eq!(q::<Option<i64>>(&mut c, &["ZRANK", "z", "nope"]), None);
    assert_eq!(q::<Option<i64>>(&mut c, &["ZRANK", "missing", "a"]), None);
    // Equal scores order by member bytes.
    q::<i64>(&mut c, &["ZADD", "eq", "1", "b", "1", "a", "1", "c"]);
    assert_eq!(strs(&mut c, &["ZRANGE", "eq", "0", "-1"]), ["a", "b", "c"]);
    // Scores print as %.17g, infinities as inf/-inf.
    q::<i64>(&mut c, &["ZADD", "f", "0.1", "x", "+inf", "y", "-inf", "w", "1e300", "v", "-0", "u"]);
    assert_eq!(
        strs(&mut c, &["ZRANGE", "f", "0", "-1", "WITHSCORES"]),
        ["w", "-inf", "u", "0", "x", "0.10000000000000001", "v", "1.0000000000000001e+300", "y", "inf"]
    );
}

#[test]
fn zadd_options() {
    let srv = common::Server::start();
    let mut c = srv.conn();
    q::<i64>(&mut c, &["ZADD", "z", "1", "a", "2", "b"]);
    // NX only adds, XX only updates.
    assert_eq!(q::<i64>(&mut c, &["ZADD", "z", "NX", "5", "a", "3", "c"]), 1);
    assert_eq!(q::<String>(&mut c, &["ZSCORE", "z", "a"]), "1");
    assert_eq!(q::<i64>(&mut c, &["ZADD", "z", "XX", "5", "a", "4", "d"]), 0);
    assert_eq!(q::<String>(&mut c, &["ZSCORE", "z", "a"]), "5");
    assert!(q::<Option<String>>(&mut c, &["ZSCORE", "z", "d"]).is_none());
    // CH counts updates too; GT/LT only move scores one way but still add.
    assert_eq!(q::<i64>(&mut c, &["ZADD", "z", "CH", "GT", "10", "a", "0", "b", "7", "e"]), 2);
    assert_eq!(strs(&mut c, &["ZRANGE", "z", "0", "-1", "WITHSCORES"]), ["b", "2", "c", "3", "e", "7", "a", "10"]);
    assert_eq!(q::<i64>(&mut c, &["ZADD", "z", "LT", "CH", "20", "a", "1", "b"]), 1);
    assert_eq!(q::<String>(&mut c, &["ZSCORE", "z", "b"]), "1");
    // INCR returns the new score, or nil when the condition blocks it.
    assert_eq!(q::<String>(&mut c, &["ZADD", "z", "INCR", "2.5", "b"]), "3.5");
    assert_eq!(q::<Option<String>>(&mut c, &["ZADD", "z", "NX", "INCR", "1", "b"]), None);
    assert_eq!(q::<Option<String>>(&mut c, &["ZADD", "z", "XX", "INCR", "1", "nope"]), None);
    assert_eq!(q::<Option<String>>(&mut c, &["ZADD", "z", "GT", "INCR", "-1", "b"]), None);
    // XX on a missing key creates nothing.
    assert_eq!(q::<i64>(&mut c, &["ZADD", "nokey", "XX", "1", "a"]), 0);
    assert!(!exists(&mut c, "nokey"));
    assert_eq!(q::<Option<String>>(&mut c, &["ZADD", "nokey", "XX", "INCR", "1", "a"]), None);
    assert!(!exists(&mut c, "nokey"));
    // ZINCRBY creates the key and the member.
    assert_eq!(q::<String>(&mut c, &["ZINCRBY", "zi", "5", "m"]), "5");
    assert_eq!(q::<String>(&mut c, &["ZINCRBY", "zi", "-7", "m"]), "-2");
    // inf + -inf is NaN: refused, the old score stays.
    q::<i64>(&mut c, &["ZADD", "n", "inf", "a"]);
    assert_err(r(&mut c, &["ZADD", "n", "INCR", "-inf", "a"]), "ERR resulting score is not a number (NaN)");
    assert_err(r(&mut c, &["ZINCRBY", "n", "-inf", "a"]), "ERR resulting score is not a number (NaN)");
    assert_eq!(q::<String>(&mut c, &["ZSCORE", "n", "a"]), "inf");
}

#[test]
fn zadd_errors() {
    let srv = common::Server::start();
    let mut c = srv.conn();
    assert_err(
        r(&mut c, &["ZADD", "z", "NX", "XX", "1", "a"]),
        "ERR XX and NX options at the same time are not compatible",
    );
    assert_err(r(&mut c, &["ZADD", "z", "NX", "GT", "1", "a"]), "ERR GT, LT, and/or NX options at the same time");
    assert_err(r(&mut c, &["ZADD", "z", "GT", "LT", "1", "a"]), "ERR GT, LT, and/or NX options at the same time");
    assert_err(r(&mut c, &["ZADD", "z", "INCR", "1", "a", "2", "b"]), "ERR INCR option supports a single increment");
    assert_err(r(&mut c, &["ZADD", "z", "1", "a", "2"]), "ERR syntax error");
    assert_err(r(&mut c, &["ZADD", "z", "1"]), "ERR wrong number of arguments for 'zadd' command");
    assert_err(r(&mut c, &["ZADD", "z", "nan", "a"]), "ERR value is not a valid float");
    assert_err(r(&mut c, &["ZADD", "z", "1", "a", "x", "b"]), "ERR value is not a valid float");
    // A parse error adds nothing.
    assert!(!exists(&mut c, "z"));
    assert_err(r(&mut c, &["ZINCRBY", "z", "abc", "a"]), "ERR value is not a valid float");
    let _: () = q(&mut c, &["SET", "s", "x"]);
    for cmd in [
        vec!["ZADD", "s", "1", "a"],
        vec!["ZINCRBY", "s", "1", "a"],
        vec!["ZREM", "s", "a"],
        vec!["ZCARD", "s"],
        vec!["ZSCORE", "s", "a"],
        vec!["ZMSCORE", "s", "a"],
        vec!["ZRANK", "s", "a"],
        vec!["ZCOUNT", "s", "0", "1"],
        vec!["ZLEXCOUNT", "s", "-", "+"],
        vec!["ZRANGE", "s", "0", "-1"],
        vec!["ZRANGEBYSCORE", "s", "0", "1"],
        vec!["ZRANGESTORE", "d", "s", "0", "-1"],
        vec!["ZPOPMIN", "s"],
        vec!["ZPOPMAX", "s", "0"],
        vec!["ZMPOP", "1", "s", "MIN"],
        vec!["ZREMRANGEBYRANK", "s", "0", "1"],
        vec!["ZUNION", "1", "s"],
        vec!["ZINTERSTORE", "d", "1", "s"],
        vec!["ZINTERCARD", "1", "s"],
        vec!["ZRANDMEMBER", "s"],
        vec!["ZSCAN", "s", "0"],
    ] {
        assert_err(r(&mut c, &cmd), "WRONGTYPE");
    }
}

#[test]
fn zrem_deletes_the_emptied_key() {
    let srv = common::Server::start();
    let mut c = srv.conn();
    q::<i64>(&mut c, &["ZADD", "z", "1", "a", "2", "b"]);
    assert_eq!(q::<i64>(&mut c, &["ZREM", "z", "a", "nope", "a"]), 1);
    assert_eq!(q::<i64>(&mut c, &["ZREM", "missing", "a"]), 0);
    assert_eq!(q::<i64>(&mut c, &["ZREM", "z", "b"]), 1);
    assert!(!exists(&mut c, "z"));
}

#[test]
fn ranges_by_rank() {
    let srv = common::Server::start();
    let mut c = srv.conn();
    q::<i64>(&mut c, &["ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d"]);
    assert_eq!(strs(&mut c, &["ZRANGE", "z", "0", "-1"]), ["a", "b", "c", "d"]);
    assert_eq!(strs(&mut c, &["ZRANGE", "z", "1", "2", "WITHSCORES"]), ["b", "2", "c", "3"]);
    assert_eq!(strs(&mut c, &["ZRANGE", "z", "-2", "100"]), ["c", "d"]);
    assert_eq!(strs(&mut c, &["ZRANGE", "z", "-100", "0"]), ["a"]);
    assert!(strs(&mut c, &["ZRANGE", "z", "3", "1"]).is_empty());
    assert!(strs(&mut c, &["ZRANGE", "z", "5", "10"]).is_empty());
    assert_eq!(strs(&mut c, &["ZRANGE", "z", "0", "1", "REV"]), ["d", "c"]);
    assert_eq!(strs(&mut c, &["ZREVRANGE", "z", "0", "-1", "WITHSCORES"]), ["d", "4", "c", "3", "b", "2", "a", "1"]);
    assert!(strs(&mut c, &["ZRANGE", "missing", "0", "-1"]).is_empty());
    assert_err(r(&mut c, &["ZRANGE", "z", "0", "-1", "LIMIT", "0", "1"]), "ERR syntax error, LIMIT is only supported");
    assert_err(r(&mut c, &["ZRANGE", "z", "a", "-1"]), "ERR value is not an integer or out of range");
    assert_err(r(&mut c, &["ZRANGE", "z", "0", "-1", "REV", "REV"]), "ERR syntax error");
    assert_err(r(&mut c, &["ZREVRANGE", "z", "0", "-1", "REV"]), "ERR syntax error");
    assert_err(r(&mut c, &["ZRANGE", "z", "0", "-1", "LIMIT", "1"]), "ERR syntax error");
}

#[test]
fn ranges_by_score() {
    let srv = common::Server::start();
    let mut c = srv.conn();
    q::<i64>(&mut c, &["ZADD", "z", "-inf", "m", "1", "a", "2", "b", "3", "c", "4", "d", "+inf", "p"]);
    assert_eq!(strs(&mut c, &["ZRANGEBYSCORE", "z", "1", "3"]), ["a", "b", "c"]);
    assert_eq!(strs(&mut c, &["ZRANGEBYSCORE", "z", "(1", "(3"]), ["b"]);
    assert_eq!(strs(&mut c, &["ZRANGEBYSCORE", "z", "-inf", "(1"]), ["m"]);
    assert_eq!(strs(&mut c, &["ZRANGEBYSCORE", "z", "4", "+inf", "WITHSCORES"]), ["d", "4", "p", "inf"]);
    assert_eq!(strs(&mut c, &["ZRANGEBYSCORE", "z", "-inf", "+inf", "LIMIT", "1", "2"]), ["a", "b"]);
    assert_eq!(strs(&mut c, &["ZRANGEBYSCORE", "z", "-inf", "+inf", "LIMIT", "4", "-1"]), ["d", "p"]);
    assert!(strs(&mut c, &["ZRANGEBYSCORE", "z", "-inf", "+inf", "LIMIT", "-1", "2"]).is_empty());
    assert!(strs(&mut c, &["ZRANGEBYSCORE", "z", "-inf", "+inf", "LIMIT", "1", "0"]).is_empty());
    assert!(strs(&mut c, &["ZRANGEBYSCORE", "z", "3", "1"]).is_empty());
    assert!(strs(&mut c, &["ZRANGEBYSCORE", "z", "(2", "(2"]).is_empty());
    assert_eq!(strs(&mut c, &["ZREVRANGEBYSCORE", "z", "3", "(1"]), ["c", "b"]);
    assert_eq!(
        strs(&mut c, &["ZREVRANGEBYSCORE", "z", "+inf", "-inf", "LIMIT", "1", "2", "WITHSCORES"]),
        ["d", "4", "c", "3"]
    );
    assert_eq!(strs(&mut c, &["ZRANGE", "z", "(1", "3", "BYSCORE"]), ["b", "c"]);
    assert_eq!(strs(&mut c, &["ZRANGE", "z", "3", "(1", "BYSCORE", "REV", "LIMIT", "0", "1"]), ["c"]);
    assert_eq!(q::<i64>(&mut c, &["ZCOUNT", "z", "-inf", "+inf"]), 6);
    assert_eq!(q::<i64>(&mut c, &["ZCOUNT", "z", "(1", "3"]), 2);
    assert_eq!(q::<i64>(&mut c, &["ZCOUNT", "missing", "0", "1"]), 0);
    assert_err(r(&mut c, &["ZRANGEBYSCORE", "z", "a", "1"]), "ERR min or max is not a float");
    assert_err(r(&mut c, &["ZCOUNT", "z", "(a", "1"]), "ERR min or max is not a float");
    assert_err(r(&mut c, &["ZCOUNT", "z", "nan", "1"]), "ERR min or max is not a float");
    assert_err(r(&mut c, &["ZRANGEBYSCORE", "z", "0", "1", "REV"]), "ERR syntax error");
    assert_err(r(&mut c, &["ZRANGEBYSCORE", "z", "0", "1", "LIMIT", "a", "1"]), "ERR value is not an integer");
}

#[test]
fn ranges_by_lex() {
    let srv = common::Server::start();
    let mut c = srv.conn();
    q::<i64>(&mut c, &["ZADD", "z", "0", "a", "0", "b", "0", "c", "0", "d", "0", "e", "0", "f"]);
    assert_eq!(strs(&mut c, &["ZRANGEBYLEX", "z", "-", "+"]).len(), 6);
    assert_eq!(strs(&mut c, &["ZRANGEBYLEX", "z", "[b", "(e"]), ["b", "c", "d"]);
    assert_eq!(strs(&mut c, &["ZRANGEBYLEX", "z", "(b", "[e", "LIMIT", "1", "2"]), ["d", "e"]);
    assert_eq!(strs(&mut c, &["ZREVRANGEBYLEX", "z", "(e", "[b"]), ["d", "c", "b"]);
    assert_eq!(strs(&mut c, &["ZRANGE", "z", "[e", "-", "BYLEX", "REV"]), ["e", "d", "c", "b", "a"]);
    assert!(strs(&mut c, &["ZRANGEBYLEX", "z", "+", "-"]).is_empty());
    assert!(strs(&mut c, &["ZRANGEBYLEX", "z", "[e", "[b"]).is_empty());
    assert_eq!(q::<i64>(&mut c, &["ZLEXCOUNT", "z", "-", "+"]), 6);
    assert_eq!(q::<i64>(&mut c, &["ZLEXCOUNT", "z", "(a", "[c"]), 2);
    assert_err(r(&mut c, &["ZRANGEBYLEX", "z", "a", "[b"]), "ERR min or max not valid string range item");
    assert_err(r(&mut c, &["ZLEXCOUNT", "z", "-x", "+"]), "ERR min or max not valid string range item");
    assert_err(
        r(&mut c, &["ZRANGE", "z", "-", "+", "BYLEX", "WITHSCORES"]),
        "ERR syntax error, WITHSCORES not supported",
    );
}

#[test]
fn remove_ranges() {
    let srv = common::Server::start();
    let mut c = srv.conn();
    q::<i64>(&mut c, &["ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d", "5", "e"]);
    assert_eq!(q::<i64>(&mut c, &["ZREMRANGEBYRANK", "z", "1", "2"]), 2);
    assert_eq!(strs(&mut c, &["ZRANGE", "z", "0", "-1"]), ["a", "d", "e"]);
    assert_eq!(q::<i64>(&mut c, &["ZREMRANGEBYSCORE", "z", "(1", "4"]), 1);
    assert_eq!(q::<i64>(&mut c, &["ZREMRANGEBYRANK", "z", "5", "10"]), 0);
    assert_eq!(q::<i64>(&mut c, &["ZREMRANGEBYSCORE", "missing", "0", "1"]), 0);
    assert_eq!(q::<i64>(&mut c, &["ZREMRANGEBYRANK", "z", "0", "-1"]), 2);
    assert!(!exists(&mut c, "z"));
    q::<i64>(&mut c, &["ZADD", "l", "0", "a", "0", "b", "0", "c"]);
    assert_eq!(q::<i64>(&mut c, &["ZREMRANGEBYLEX", "l", "(a", "+"]), 2);
    assert_eq!(q::<i64>(&mut c, &["ZREMRANGEBYLEX", "l", "-", "+"]), 1);
    assert!(!exists(&mut c, "l"));
    assert_err(r(&mut c, &["ZREMRANGEBYSCORE", "l", "x", "1"]), "ERR min or max is not a float");
    assert_err(r(&mut c, &["ZREMRANGEBYLEX", "l", "x", "+"]), "ERR min or max not valid string range item");
    assert_err(r(&mut c, &["ZREMRANGEBYRANK", "l", "x", "1"]), "ERR value is not an integer");
}

#[test]
fn zrangestore() {
    let srv = common::Server::start();
    let mut c = srv.conn();
    q::<i64>(&mut c, &["ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d"]);
    assert_eq!(q::<i64>(&mut c, &["ZRANGESTORE", "d", "z", "1", "2"]), 2);
    assert_eq!(strs(&mut c, &["ZRANGE", "d", "0", "-1", "WITHSCORES"]), ["b", "2", "c", "3"]);
    assert_eq!(q::<i64>(&mut c, &["ZRANGESTORE", "d", "z", "+inf", "(2", "BYSCORE", "REV", "LIMIT", "0", "1"]), 1);
    assert_eq!(strs(&mut c, &["ZRANGE", "d", "0", "-1"]), ["d"]);
    // An empty result deletes the destination, whatever its type.
    let _: () = q(&mut c, &["SET", "s", "x"]);
    assert_eq!(q::<i64>(&mut c, &["ZRANGESTORE", "s", "z", "10", "20"]), 0);
    assert!(!exists(&mut c, "s"));
    assert_eq!(q::<i64>(&mut c, &["ZRANGESTORE", "d", "missing", "0", "-1"]), 0);
    assert!(!exists(&mut c, "d"));
    assert_err(r(&mut c, &["ZRANGESTORE", "d", "z", "0", "-1", "WITHSCORES"]), "ERR syntax error");
}

#[test]
fn pops() {
    let srv = common::Server::start();
    let mut c = srv.conn();
    q::<i64>(&mut c, &["ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d"]);
    assert_eq!(strs(&mut c, &["ZPOPMIN", "z"]), ["a", "1"]);
    assert_eq!(strs(&mut c, &["ZPOPMAX", "z", "2"]), ["d", "4", "c", "3"]);
    assert!(strs(&mut c, &["ZPOPMIN", "z", "0"]).is_empty());
    assert!(strs(&mut c, &["ZPOPMIN", "missing"]).is_empty());
    assert_eq!(strs(&mut c, &["ZPOPMIN", "z", "10"]), ["b", "2"]);
    assert!(!exists(&mut c, "z"));
    assert_err(r(&mut c, &["ZPOPMIN", "z", "-1"]), "ERR value is out of range, must be positive");
    assert_err(r(&mut c, &["ZPOPMIN", "z", "1", "2"]), "ERR syntax error");

    q::<i64>(&mut c, &["ZADD", "z2", "1", "a", "2", "b", "3", "c"]);
    let v = r(&mut c, &["ZMPOP", "2", "missing", "z2", "MAX", "COUNT", "2"]).unwrap();
    let expected = Value::Array(vec![
        Value::BulkString(b"z2".to_vec()),
        Value::Array(vec![
            Value::Array(vec![Value::BulkString(b"c".to_vec()), Value::BulkString(b"3".to_vec())]),
            Value::Array(vec![Value::BulkString(b"b".to_vec()), Value::BulkString(b"2".to_vec())]),
        ]),
    ]);
    assert_eq!(v, expected);
    assert_eq!(r(&mut c, &["ZMPOP", "1", "missing", "MIN"]).unwrap(), Value::Nil);
    assert_err(r(&mut c, &["ZMPOP", "0", "z2", "MIN"]), "ERR numkeys should be greater than 0");
    assert_err(r(&mut c, &["ZMPOP", "1", "z2", "MIN", "COUNT", "0"]), "ERR count should be greater than 0");
    assert_err(r(&mut c, &["ZMPOP", "1", "z2", "FOO"]), "ERR syntax error");
    assert_err(r(&mut c, &["ZMPOP", "3", "z2", "MIN"]), "ERR syntax error");
    assert_err(r(&mut c, &["ZMPOP", "1", "z2", "MIN", "COUNT", "1", "COUNT", "1"]), "ERR syntax error");
}

#[test]
fn resp3_reply_shapes() {
    let srv = common::Server::start();
    let mut c = resp3(&srv);
    q::<i64>(&mut c, &["ZADD", "z", "1", "a", "2.5", "b"]);
    assert_eq!(r(&mut c, &["ZSCORE", "z", "b"]).unwrap(), Value::Double(2.5));
    let pair = |m: &str, s: f64| Value::Array(vec![Value::BulkString(m.as_bytes().to_vec()), Value::Double(s)]);
    assert_eq!(
        r(&mut c, &["ZRANGE", "z", "0", "-1", "WITHSCORES"]).unwrap(),
        Value::Array(vec![pair("a", 1.0), pair("b", 2.5)])
    );
    // ZPOPMIN without COUNT stays flat; with COUNT it nests.
    assert_eq!(
        r(&mut c, &["ZPOPMIN", "z"]).unwrap(),
        Value::Array(vec![Value::BulkString(b"a".to_vec()), Value::Double(1.0)])
    );
    assert_eq!(r(&mut c, &["ZPOPMAX", "z", "1"]).unwrap(), Value::Array(vec![pair("b", 2.5)]));
    q::<i64>(&mut c, &["ZADD", "y", "3", "x"]);
    assert_eq!(r(&mut c, &["ZUNION", "1", "y", "WITHSCORES"]).unwrap(), Value::Array(vec![pair("x", 3.0)]));
    assert_eq!(r(&mut c, &["ZRANDMEMBER", "y", "1", "WITHSCORES"]).unwrap(), Value::Array(vec![pair("x", 3.0)]));
    assert_eq!(r(&mut c, &["ZMPOP", "1", "nokey", "MIN"]).unwrap(), Value::Nil);
}

#[test]
fn set_algebra() {
    let srv = common::Server::start();
    let mut c = srv.conn();
    q::<i64>(&mut c, &["ZADD", "a", "1", "x", "2", "y", "3", "z"]);
    q::<i64>(&mut c, &["ZADD", "b", "10", "y", "20", "z", "30", "w"]);
    assert_eq!(strs(&mut c, &["ZUNION", "2", "a", "b", "WITHSCORES"]), ["x", "1", "y", "12", "z", "23", "w", "30"]);
    assert_eq!(strs(&mut c, &["ZINTER", "2", "a", "b", "WITHSCORES"]), ["y", "12", "z", "23"]);
    assert_eq!(strs(&mut c, &["ZDIFF", "2", "a", "b", "WITHSCORES"]), ["x", "1"]);
    assert_eq!(
        strs(&mut c, &["ZUNION", "2", "a", "b", "WEIGHTS", "2", "1", "AGGREGATE", "MAX", "WITHSCORES"]),
        ["x", "2", "y", "10", "z", "20", "w", "30"]
    );
    assert_eq!(strs(&mut c, &["ZINTER", "2", "a", "b", "AGGREGATE", "MIN"]), ["y", "z"]);
    assert_eq!(strs(&mut c, &["ZUNION", "2", "a", "missing"]), ["x", "y", "z"]);
    assert!(strs(&mut c, &["ZINTER", "2", "a", "missing"]).is_empty());
    assert_eq!(q::<i64>(&mut c, &["ZUNIONSTORE", "d", "2", "a", "b", "WEIGHTS", "1", "-1"]), 4);
    assert_eq!(strs(&mut c, &["ZRANGE", "d", "0", "-1", "WITHSCORES"]), ["w", "-30", "z", "-17", "y", "-8", "x", "1"]);
    assert_eq!(q::<i64>(&mut c, &["ZINTERSTORE", "d", "2", "a", "b"]), 2);
    assert_eq!(q::<i64>(&mut c, &["ZDIFFSTORE", "d", "2", "a", "a"]), 0);
    assert!(!exists(&mut c, "d"));
    assert_eq!(q::<i64>(&mut c, &["ZINTERCARD", "2", "a", "b"]), 2);
    assert_eq!(q::<i64>(&mut c, &["ZINTERCARD", "2", "a", "b", "LIMIT", "1"]), 1);
    assert_eq!(q::<i64>(&mut c, &["ZINTERCARD", "2", "a", "b", "LIMIT", "0"]), 2);
    // inf * 0 and inf + -inf become 0, as in Redis.
    q::<i64>(&mut c, &["ZADD", "i1", "inf", "m"]);
    q::<i64>(&mut c, &["ZADD", "i2", "-inf", "m"]);
    assert_eq!(strs(&mut c, &["ZUNION", "2", "i1", "i2", "WITHSCORES"]), ["m", "0"]);
    assert_eq!(strs(&mut c, &["ZUNION", "1", "i1", "WEIGHTS", "0", "WITHSCORES"]), ["m", "0"]);
    assert_err(
        r(&mut c, &["ZUNIONSTORE", "d", "0", "a"]),
        "ERR at least 1 input key is needed for 'zunionstore' command",
    );
    assert_err(r(&mut c, &["ZUNION", "3", "a", "b"]), "ERR syntax error");
    assert_err(r(&mut c, &["ZUNION", "1", "a", "WEIGHTS", "x"]), "ERR weight value is not a float");
    assert_err(r(&mut c, &["ZINTER", "1", "a", "AGGREGATE", "avg"]), "ERR syntax error");
    assert_err(r(&mut c, &["ZDIFF", "1", "a", "WEIGHTS", "1"]), "ERR syntax error");
    assert_err(r(&mut c, &["ZUNIONSTORE", "d", "1", "a", "WITHSCORES"]), "ERR syntax error");
    assert_err(r(&mut c, &["ZINTERCARD", "1", "a", "LIMIT", "-1"]), "ERR LIMIT can't be negative");
    // Keys are type-checked before the options are parsed, as in Redis.
    let _: () = q(&mut c, &["SET", "str", "x"]);
    assert_err(r(&mut c, &["ZINTERCARD", "2", "a", "str", "LIMIT", "-1"]), "WRONGTYPE");
    assert_err(r(&mut c, &["ZINTERCARD", "0", "a"]), "ERR at least 1 input key is needed for 'zintercard' command");
}

#[test]
fn plain_sets_are_inputs_with_score_one() {
    let srv = common::Server::start();
    let mut c = srv.conn();
    q::<i64>(&mut c, &["SADD", "s", "a", "b"]);
    q::<i64>(&mut c, &["ZADD", "z", "2", "a", "5", "c"]);
    assert_eq!(strs(&mut c, &["ZUNION", "2", "s", "z", "WITHSCORES"]), ["b", "1", "a", "3", "c", "5"]);
    assert_eq!(q::<i64>(&mut c, &["ZINTERSTORE", "d", "2", "s", "z", "WEIGHTS", "2", "1"]), 1);
    assert_eq!(strs(&mut c, &["ZRANGE", "d", "0", "-1", "WITHSCORES"]), ["a", "4"]);
    assert_eq!(strs(&mut c, &["ZDIFF", "2", "s", "z"]), ["b"]);
    assert_eq!(q::<i64>(&mut c, &["ZINTERCARD", "2", "s", "z"]), 1);
    // An intset's members come out as decimal strings.
    q::<i64>(&mut c, &["SADD", "n", "1", "2", "3"]);
    assert_eq!(strs(&mut c, &["ZINTER", "2", "n", "n", "WITHSCORES"]), ["1", "2", "2", "2", "3", "2"]);
}

#[test]
fn zrandmember() {
    let srv = common::Server::start();
    let mut c = srv.conn();
    assert_eq!(q::<Option<String>>(&mut c, &["ZRANDMEMBER", "missing"]), None);
    assert!(strs(&mut c, &["ZRANDMEMBER", "missing", "5"]).is_empty());
    q::<i64>(&mut c, &["ZADD", "z", "1", "a", "2", "b", "3", "c"]);
    let m: String = q(&mut c, &["ZRANDMEMBER", "z"]);
    assert!(["a", "b", "c"].contains(&m.as_str()));
    let mut all = strs(&mut c, &["ZRANDMEMBER", "z", "10"]);
    all.sort();
    assert_eq!(all, ["a", "b", "c"]);
    let two = strs(&mut c, &["ZRANDMEMBER", "z", "2", "WITHSCORES"]);
    assert_eq!(two.len(), 4);
    assert_ne!(two[0], two[2]);
    assert_eq!(strs(&mut c, &["ZRANDMEMBER", "z", "-7"]).len(), 7);
    assert!(strs(&mut c, &["ZRANDMEMBER", "z", "0"]).is_empty());
    assert_err(r(&mut c, &["ZRANDMEMBER", "z", "1", "FOO"]), "ERR syntax error");
    assert_err(r(&mut c, &["ZRANDMEMBER", "z", "-9223372036854770000", "WITHSCORES"]), "ERR value is out of range");
    assert_err(r(&mut c, &["ZRANDMEMBER", "z", "-9223372036854775808"]), "ERR value is out of range");
}

#[test]
fn zscan_both_encodings() {
    let srv = common::Server::start();
    let mut c = srv.conn();
    for n in [5, 500] {
        let key = format!("z{n}");
        for i in 0..n {
            q::<i64>(&mut c, &["ZADD", &key, &i.to_string(), &format!("m{i}")]);
        }
        let mut cursor = "0".to_string();
        let mut seen = std::collections::HashMap::new();
        loop {
            let (next, items): (String, Vec<String>) = q(&mut c, &["ZSCAN", &key, &cursor, "COUNT", "20"]);
            for p in items.chunks(2) {
                seen.insert(p[0].clone(), p[1].clone());
            }
            cursor = next;
            if cursor == "0" {
                break;
            }
        }
        assert_eq!(seen.len(), n);
        assert_eq!(seen.get("m3").map(String::as_str), Some("3"));
        let (_, items): (String, Vec<String>) = q(&mut c, &["ZSCAN", &key, "0", "MATCH", "m1", "COUNT", "1000"]);
        assert_eq!(items, ["m1", "1"]);
    }
    let (cur, items): (String, Vec<String>) = q(&mut c, &["ZSCAN", "z500", "0", "COUNT", "9223372036854775807"]);
    assert_eq!((cur.as_str(), items.len()), ("0", 1000));
    let (cur, items): (String, Vec<String>) = q(&mut c, &["ZSCAN", "missing", "0"]);
    assert_eq!((cur.as_str(), items.len()), ("0", 0));
    assert_err(r(&mut c, &["ZSCAN", "z5", "0", "COUNT", "0"]), "ERR syntax error");
    assert_err(r(&mut c, &["ZSCAN", "z5", "0", "TYPE", "zset"]), "ERR syntax error");
}

#[test]
fn encoding_conversion() {
    let srv = common::Server::start();
    let mut c = srv.conn();
    for i in 0..128 {
        q::<i64>(&mut c, &["ZADD", "z", &i.to_string(), &format!("m{i}")]);
    }
    assert_eq!(encoding(&mut c, "z"), "listpack");
    q::<i64>(&mut c, &["ZADD", "z", "1000", "one-more"]);
    assert_eq!(encoding(&mut c, "z"), "skiplist");
    assert_eq!(q::<i64>(&mut c, &["ZCARD", "z"]), 129);
    assert_eq!(q::<Option<i64>>(&mut c, &["ZRANK", "z", "one-more"]), Some(128));
    // A long member converts at once.
    let long = "x".repeat(65);
    q::<i64>(&mut c, &["ZADD", "l", "1", &long]);
    assert_eq!(encoding(&mut c, "l"), "skiplist");
    q::<i64>(&mut c, &["ZADD", "s", "1", &"x".repeat(64)]);
    assert_eq!(encoding(&mut c, "s"), "listpack");
    // A stored result takes the small encoding if it fits.
    assert_eq!(q::<i64>(&mut c, &["ZRANGESTORE", "d", "z", "0", "9"]), 10);
    assert_eq!(encoding(&mut c, "d"), "listpack");
    assert_eq!(q::<i64>(&mut c, &["ZUNIONSTORE", "u", "1", "z"]), 129);
    assert_eq!(encoding(&mut c, "u"), "skiplist");
    // The thresholds come from the config.
    let _: () = q(&mut c, &["CONFIG", "SET", "zset-max-listpack-entries", "2"]);
    q::<i64>(&mut c, &["ZADD", "t", "1", "a", "2", "b"]);
    assert_eq!(encoding(&mut c, "t"), "listpack");
    q::<i64>(&mut c, &["ZADD", "t", "3", "c"]);
    assert_eq!(encoding(&mut c, "t"), "skiplist");
}

/// Random operations against a sorted-vector model, with the packed
/// encoding (default) and with every set a skiplist (thresholds 0).
#[test]
fn randomized_against_a_model() {
    for skiplist in [false, true] {
        let srv = common::Server::start();
        let mut c = srv.conn();
        if skiplist {
            let _: () = q(&mut c, &["CONFIG", "SET", "zset-max-listpack-entries", "0"]);
        }
        let mut model: Vec<(f64, String)> = Vec::new();
        let mut seed = 0x1234_5678_9abc_def0u64;
        let mut rnd = |n: u64| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed % n
        };
        for step in 0..1500 {
            let m = format!("m{}", rnd(200));
            let s = rnd(40) as f64 - 20.0;
            match rnd(6) {
                0..=2 => {
                    let added: i64 = q(&mut c, &["ZADD", "z", &s.to_string(), &m]);
                    let was = model.iter().position(|(_, mm)| *mm == m);
                    assert_eq!(added, was.is_none() as i64);
                    if let Some(i) = was {
                        model.remove(i);
                    }
                    model.push((s, m));
                }
                3 => {
                    let removed: i64 = q(&mut c, &["ZREM", "z", &m]);
                    let was = model.iter().position(|(_, mm)| *mm == m);
                    assert_eq!(removed, was.is_some() as i64);
                    if let Some(i) = was {
                        model.remove(i);
                    }
                }
                4 => {
                    let lo = rnd(40) as f64 - 20.0;
                    let hi = lo + rnd(10) as f64;
                    let n: i64 = q(&mut c, &["ZCOUNT", "z", &format!("({lo}"), &hi.to_string()]);
                    assert_eq!(n as usize, model.iter().filter(|(s, _)| *s > lo && *s <= hi).count());
                }
                _ => {
                    let rank: Option<i64> = q(&mut c, &["ZRANK", "z", &m]);
                    model.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
                    assert_eq!(rank.map(|r| r as usize), model.iter().position(|(_, mm)| *mm == m));
                }
            }
            model.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
            if step % 100 == 0 {
                let got = strs(&mut c, &["ZRANGE", "z", "0", "-1"]);
                let want: Vec<String> = model.iter().map(|(_, m)| m.clone()).collect();
                assert_eq!(got, want);
                let start = rnd(model.len() as u64 + 1) as usize;
                let got = strs(&mut c, &["ZREVRANGE", "z", &start.to_string(), &(start + 5).to_string()]);
                let want: Vec<String> = model.iter().rev().skip(start).take(6).map(|(_, m)| m.clone()).collect();
                assert_eq!(got, want);
            }
        }
        // 200 possible members: past 128 both runs end up in the skiplist.
        if model.len() > 128 {
            assert_eq!(encoding(&mut c, "z"), "skiplist");
        }
    }
}
