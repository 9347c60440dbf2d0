//! SORT and SORT_RO over TCP: numeric and ALPHA sorts of lists, sets (intset
//! and hashtable) and sorted sets, BY keys and hash fields, BY nosort, LIMIT,
//! GET, STORE (and the BLPOP waiter it wakes), errors and wrong types, key
//! extraction, and the RESP3 shapes. Expected replies were checked against
//! Redis 7.0.

mod common;

use std::io::Write;
use std::time::{Duration, Instant};

use common::{assert_err, q, r, read_at_least};
use redis::{Connection, Value};

fn sort(c: &mut Connection, args: &[&str]) -> Vec<String> {
    let mut argv = vec!["SORT"];
    argv.extend_from_slice(args);
    q(c, &argv)
}

/// SORT with GETs that may be nil.
fn sort_opt(c: &mut Connection, args: &[&str]) -> Vec<Option<String>> {
    let mut argv = vec!["SORT"];
    argv.extend_from_slice(args);
    q(c, &argv)
}

fn lrange(c: &mut Connection, key: &str) -> Vec<String> {
    q(c, &["LRANGE", key, "0", "-1"])
}

#[test]
fn numeric_and_alpha_sorts_of_a_list() {
    let srv = common::Server::start();
    let mut c = srv.conn();
    q::<i64>(&mut c, &["RPUSH", "l", "3", "1", "2", "10", "-5", "1.5", "1e3", "0x10"]);
    assert_eq!(sort(&mut c, &["l"]), ["-5", "1", "1.5", "2", "3", "10", "0x10", "1e3"]);
    assert_eq!(sort(&mut c, &["l", "DESC"]), ["1e3", "0x10", "10", "3", "2", "1.5", "1", "-5"]);
    assert_eq!(sort(&mut c, &["l", "ALPHA"]), ["-5", "0x10", "1", "1.5", "10", "1e3", "2", "3"]);
    assert_eq!(sort(&mut c, &["l", "alpha", "desc"]), ["3", "2", "1e3", "10", "1.5", "1", "0x10", "-5"]);
    // The last of ASC/DESC wins.
    assert_eq!(sort(&mut c, &["l", "asc", "desc", "asc", "limit", "0", "2"]), ["-5", "1"]);
    // The source is untouched.
    assert_eq!(lrange(&mut c, "l"), ["3", "1", "2", "10", "-5", "1.5", "1e3", "0x10"]);
    // Floats (issue #19), equal scores ordered by the elements' bytes.
    q::<i64>(&mut c, &["RPUSH", "f", "1.1", "5.10", "3.10", "7.44", "2.1", "5.75", "6.12", "0.25", "1.15", "01.1"]);
    assert_eq!(sort(&mut c, &["f"]), ["0.25", "01.1", "1.1", "1.15", "2.1", "3.10", "5.10", "5.75", "6.12", "7.44"]);
    assert_eq!(sort(&mut c, &["f", "DESC", "LIMIT", "7", "5"]), ["1.1", "01.1", "0.25"]);
    // strtod's reading: blanks before, hex, infinities; the empty string is 0.
    q::<i64>(&mut c, &["RPUSH", "odd", "", " 5", "3", "-inf", "infinity", "0X1P3"]);
    assert_eq!(sort(&mut c, &["odd"]), ["-inf", "", "3", " 5", "0X1P3", "infinity"]);
    // A missing key sorts as an empty list.
    assert_eq!(sort(&mut c, &["nokey"]), Vec::<String>::new());
    assert_eq!(sort(&mut c, &["nokey", "BY", "nosort", "LIMIT", "0", "10"]), Vec::<String>::new());
}

#[test]
fn limit_edges() {
    let srv = common::Server::start();
    let mut c = srv.conn();
    q::<i64>(&mut c, &["RPUSH", "l", "5", "4", "3", "2", "1"]);
    let cases: &[(&str, &str, &[&str])] = &[
        ("0", "2", &["1", "2"]),
        ("1", "-1", &["2", "3", "4", "5"]),
        ("-10", "2", &["1", "2"]),
        ("3", "100", &["4", "5"]),
        ("4", "1", &["5"]),
        ("5", "1", &[]),
        ("100", "5", &[]),
        ("0", "0", &[]),
        ("2", "9223372036854775807", &["3", "4", "5"]),
        ("9223372036854775807", "9223372036854775807", &[]),
        ("-9223372036854775808", "-9223372036854775808", &["1", "2", "3", "4", "5"]),
    ];
    for (start, count, want) in cases {
        assert_eq!(sort(&mut c, &["l", "LIMIT", start, count]), *want, "LIMIT {start} {count}");
        // The same range of the unsorted list, reversed by DESC.
        let mut native: Vec<&str> = vec!["1", "2", "3", "4", "5"];
        native.reverse();
        let got = sort(&mut c, &["l", "BY", "nosort", "DESC", "LIMIT", start, count]);
        assert_eq!(got, *want, "nosort DESC LIMIT {start} {count}");
    }
    // The last LIMIT wins.
    assert_eq!(sort(&mut c, &["l", "LIMIT", "0", "1", "LIMIT", "1", "2"]), ["2", "3"]);
    assert_err(r(&mut c, &["SORT", "l", "LIMIT", "a", "1"]), "ERR value is not an integer or out of range");
    assert_err(r(&mut c, &["SORT", "l", "LIMIT", "0", "1.5"]), "ERR value is not an integer or out of range");
    assert_err(r(&mut c, &["SORT", "l", "LIMIT", "0"]), "ERR syntax error");
}

#[test]
fn by_patterns_and_get() {
    let srv = common::Server::start();
    let mut c = srv.conn();
    q::<i64>(&mut c, &["RPUSH", "l", "c", "a", "b", "d"]);
    q::<()>(&mut c, &["MSET", "w_a", "3", "w_b", "1", "w_c", "2"]);
    // w_d is missing: weight 0.
    assert_eq!(sort(&mut c, &["l", "BY", "w_*"]), ["d", "b", "c", "a"]);
    assert_eq!(sort(&mut c, &["l", "BY", "w_*", "DESC"]), ["a", "c", "b", "d"]);
    assert_eq!(sort(&mut c, &["l", "BY", "w_*", "LIMIT", "1", "2"]), ["b", "c"]);
    // ALPHA by weights: a missing weight sorts first.
    q::<()>(&mut c, &["MSET", "s_a", "x", "s_b", "y", "s_c", "ab"]);
    assert_eq!(sort(&mut c, &["l", "BY", "s_*", "ALPHA"]), ["d", "c", "a", "b"]);
    assert_eq!(sort(&mut c, &["l", "BY", "s_*", "ALPHA", "DESC"]), ["b", "a", "c", "d"]);
    // Hash fields: `->` after the `*`; missing hashes, fields and other types weigh 0.
    q::<i64>(&mut c, &["HSET", "o_a", "f", "30"]);
    q::<i64>(&mut c, &["HSET", "o_b", "f", "10"]);
    q::<i64>(&mut c, &["HSET", "o_c", "g", "1"]);
    q::<()>(&mut c, &["SET", "o_d", "99"]);
    assert_eq!(sort(&mut c, &["l", "BY", "o_*->f"]), ["c", "d", "b", "a"]);
    // GET: `#` is the element, a string key, a hash field; nil when missing
    // or of another type, always nil for a pattern without `*`.
    let got = sort_opt(
        &mut c,
        &["l", "BY", "o_*->f", "GET", "#", "GET", "o_*->f", "GET", "o_*", "GET", "w_*", "GET", "const"],
    );
    let s = |v: &str| Some(v.to_string());
    #[rustfmt::skip]
    let want = vec![
        s("c"), None, None, s("2"), None,
        s("d"), None, s("99"), None, None,
        s("b"), s("10"), None, s("1"), None,
        s("a"), s("30"), None, s("3"), None,
    ];
    assert_eq!(got, want);
    // Only the first `*` is replaced; `->` at the very end is part of the key name.
    q::<()>(&mut c, &["SET", "x:a->", "100"]);
    q::<()>(&mut c, &["SET", "k_a_*", "star"]);
    assert_eq!(sort_opt(&mut c, &["l", "BY", "nosort", "GET", "x:*->", "LIMIT", "1", "1"]), [s("100")]);
    assert_eq!(sort_opt(&mut c, &["l", "BY", "nosort", "GET", "k_*_*", "LIMIT", "1", "1"]), [s("star")]);
    // Equal numeric weights are ordered by the elements (reversed by DESC).
    q::<i64>(&mut c, &["SADD", "set", "b", "aa", "a", "c"]);
    q::<()>(&mut c, &["MSET", "t_a", "1", "t_aa", "1", "t_b", "1", "t_c", "0"]);
    assert_eq!(sort(&mut c, &["set", "BY", "t_*"]), ["c", "a", "aa", "b"]);
    assert_eq!(sort(&mut c, &["set", "BY", "t_*", "DESC"]), ["b", "aa", "a", "c"]);
    // Equal ALPHA weights keep the collection's order.
    q::<i64>(&mut c, &["RPUSH", "ties", "b", "a", "c"]);
    q::<()>(&mut c, &["MSET", "u_a", "same", "u_b", "same", "u_c", "same"]);
    assert_eq!(sort(&mut c, &["ties", "BY", "u_*", "ALPHA"]), ["b", "a", "c"]);
    assert_eq!(sort(&mut c, &["ties", "BY", "u_*", "ALPHA", "DESC"]), ["b", "a", "c"]);
}

#[test]
fn nosort_keeps_native_order() {
    let srv = common::Server::start();
    let mut c = srv.conn();
    q::<i64>(&mut c, &["LPUSH", "l", "2", "1", "4", "3", "5"]);
    assert_eq!(sort(&mut c, &["l", "BY", "nosort"]), ["5", "3", "4", "1", "2"]);
    assert_eq!(sort(&mut c, &["l", "BY", "nosort", "DESC"]), ["2", "1", "4", "3", "5"]);
    assert_eq!(sort(&mut c, &["l", "BY", "nosort", "LIMIT", "1", "2"]), ["3", "4"]);
    assert_eq!(sort(&mut c, &["l", "BY", "nosort", "DESC", "LIMIT", "1", "2"]), ["1", "4"]);
    // A BY without `*` disables sorting even if a later BY has one.
    assert_eq!(sort(&mut c, &["l", "BY", "nosort", "BY", "w_*"]), ["5", "3", "4", "1", "2"]);
    assert_eq!(q::<i64>(&mut c, &["SORT", "l", "BY", "nosort", "STORE", "dst"]), 5);
    assert_eq!(lrange(&mut c, "dst"), ["5", "3", "4", "1", "2"]);
    assert_eq!(q::<i64>(&mut c, &["SORT", "l", "BY", "nosort", "LIMIT", "0", "3", "STORE", "dst"]), 3);
    assert_eq!(lrange(&mut c, "dst"), ["5", "3", "4"]);

    // Sorted sets: score order, LIMIT taken from the range.
    q::<i64>(&mut c, &["ZADD", "z", "1", "a", "5", "b", "2", "c", "10", "d", "3", "e"]);
    assert_eq!(sort(&mut c, &["z", "BY", "nosort"]), ["a", "c", "e", "b", "d"]);
    assert_eq!(sort(&mut c, &["z", "BY", "nosort", "DESC"]), ["d", "b", "e", "c", "a"]);
    assert_eq!(sort(&mut c, &["z", "BY", "nosort", "ASC", "LIMIT", "0", "1"]), ["a"]);
    assert_eq!(sort(&mut c, &["z", "BY", "nosort", "DESC", "LIMIT", "0", "1"]), ["d"]);
    assert_eq!(sort(&mut c, &["z", "BY", "nosort", "DESC", "LIMIT", "0", "2"]), ["d", "b"]);
    assert_eq!(sort(&mut c, &["z", "BY", "nosort", "DESC", "LIMIT", "3", "100"]), ["c", "a"]);
    assert_eq!(sort(&mut c, &["z", "BY", "nosort", "LIMIT", "5", "10"]), Vec::<String>::new());
    assert_eq!(sort(&mut c, &["z", "BY", "nosort", "LIMIT", "-10", "100"]), ["a", "c", "e", "b", "d"]);

    // A set has no order: BY nosort gives its iteration order (an intset's is
    // ascending) and ignores DESC; with STORE it is sorted ALPHA instead.
    q::<i64>(&mut c, &["SADD", "si", "3", "1", "2", "10"]);
    assert_eq!(sort(&mut c, &["si", "BY", "nosort"]), ["1", "2", "3", "10"]);
    assert_eq!(sort(&mut c, &["si", "BY", "nosort", "DESC"]), ["1", "2", "3", "10"]);
    assert_eq!(q::<i64>(&mut c, &["SORT", "si", "BY", "nosort", "STORE", "dst"]), 4);
    assert_eq!(lrange(&mut c, "dst"), ["1", "10", "2", "3"]);
    assert_eq!(q::<i64>(&mut c, &["SORT", "si", "BY", "nosort", "DESC", "LIMIT", "1", "2", "STORE", "dst"]), 2);
    assert_eq!(lrange(&mut c, "dst"), ["2", "10"]);
    q::<i64>(&mut c, &["SADD", "myset", "a", "b", "c", "z", "aa", "aaa", "azz"]);
    assert_eq!(q::<i64>(&mut c, &["SORT", "myset", "ALPHA", "BY", "_", "STORE", "dst"]), 7);
    assert_eq!(lrange(&mut c, "dst"), ["a", "aa", "aaa", "azz", "b", "c", "z"]);
}

#[test]
fn sets_of_both_encodings_and_sorted_sets() {
    let srv = common::Server::start();
    let mut c = srv.conn();
    q::<i64>(&mut c, &["SADD", "ints", "5", "-1", "10", "3"]);
    assert_eq!(q::<String>(&mut c, &["OBJECT", "ENCODING", "ints"]), "intset");
    assert_eq!(sort(&mut c, &["ints"]), ["-1", "3", "5", "10"]);
    assert_eq!(sort(&mut c, &["ints", "DESC", "LIMIT", "0", "2"]), ["10", "5"]);
    assert_eq!(sort(&mut c, &["ints", "ALPHA"]), ["-1", "10", "3", "5"]);
    q::<i64>(&mut c, &["SADD", "words", "banana", "apple", "cherry", "12", "2"]);
    assert_eq!(q::<String>(&mut c, &["OBJECT", "ENCODING", "words"]), "hashtable");
    assert_eq!(sort(&mut c, &["words", "ALPHA"]), ["12", "2", "apple", "banana", "cherry"]);
    assert_eq!(sort(&mut c, &["words", "ALPHA", "DESC", "LIMIT", "1", "2"]), ["banana", "apple"]);
    // 600 members: a big hashtable sorted by weights.
    let members: Vec<String> = (0..600).map(|i| format!("m{i}")).collect();
    let mut sadd = vec!["SADD", "big"];
    sadd.extend(members.iter().map(|m| m.as_str()));
    q::<i64>(&mut c, &sadd);
    for i in 0..600 {
        q::<()>(&mut c, &["SET", &format!("wt_m{i}"), &((i * 7919) % 600).to_string()]);
    }
    let got = sort(&mut c, &["big", "BY", "wt_*"]);
    let mut want: Vec<(i64, String)> = (0..600).map(|i| ((i * 7919) % 600, format!("m{i}"))).collect();
    want.sort();
    assert_eq!(got, want.into_iter().map(|(_, m)| m).collect::<Vec<_>>());

    // Sorted sets are sorted by their members, not their scores (and SORT
    // converts a packed one to the skiplist encoding, as Redis does).
    q::<i64>(&mut c, &["ZADD", "z", "1", "30", "2", "10", "3", "20"]);
    assert_eq!(q::<String>(&mut c, &["OBJECT", "ENCODING", "z"]), "listpack");
    assert_eq!(sort(&mut c, &["z"]), ["10", "20", "30"]);
    assert_eq!(q::<String>(&mut c, &["OBJECT", "ENCODING", "z"]), "skiplist");
    assert_eq!(sort(&mut c, &["z", "ALPHA", "DESC"]), ["30", "20", "10"]);
    q::<i64>(&mut c, &["ZADD", "z2", "1", "a", "2", "b"]);
    assert_eq!(q::<Vec<String>>(&mut c, &["SORT_RO", "z2", "BY", "nosort", "DESC"]), ["b", "a"]);
    assert_eq!(q::<String>(&mut c, &["OBJECT", "ENCODING", "z2"]), "skiplist");
    assert_eq!(q::<Vec<String>>(&mut c, &["ZRANGE", "z2", "0", "-1", "WITHSCORES"]), ["a", "1", "b", "2"]);
}

#[test]
fn store() {
    let srv = common::Server::start();
    let mut c = srv.conn();
    q::<i64>(&mut c, &["RPUSH", "l", "c", "a", "b"]);
    q::<()>(&mut c, &["MSET", "w_a", "1", "w_b", "2"]);
    assert_eq!(q::<i64>(&mut c, &["SORT", "l", "ALPHA", "STORE", "dst"]), 3);
    assert_eq!(lrange(&mut c, "dst"), ["a", "b", "c"]);
    assert_eq!(q::<String>(&mut c, &["OBJECT", "ENCODING", "dst"]), "quicklist");
    // GETs are stored flat; a missing one as an empty string.
    assert_eq!(q::<i64>(&mut c, &["SORT", "l", "ALPHA", "GET", "#", "GET", "w_*", "STORE", "dst"]), 6);
    assert_eq!(lrange(&mut c, "dst"), ["a", "1", "b", "2", "c", ""]);
    // Any old value is replaced, and its TTL dropped.
    q::<()>(&mut c, &["SET", "dst", "string"]);
    q::<i64>(&mut c, &["EXPIRE", "dst", "100"]);
    assert_eq!(q::<i64>(&mut c, &["SORT", "l", "ALPHA", "LIMIT", "0", "1", "STORE", "dst"]), 1);
    assert_eq!(q::<String>(&mut c, &["TYPE", "dst"]), "list");
    assert_eq!(q::<i64>(&mut c, &["TTL", "dst"]), -1);
    // The last STORE counts; the source may be the destination.
    assert_eq!(q::<i64>(&mut c, &["SORT", "l", "ALPHA", "STORE", "x", "STORE", "l"]), 3);
    assert_eq!(lrange(&mut c, "l"), ["a", "b", "c"]);
    assert_eq!(q::<i64>(&mut c, &["EXISTS", "x"]), 0);
    // An empty result deletes the destination instead of storing an empty list.
    assert_eq!(q::<i64>(&mut c, &["SORT", "nokey", "STORE", "dst"]), 0);
    assert_eq!(q::<i64>(&mut c, &["EXISTS", "dst"]), 0);
    assert_eq!(q::<i64>(&mut c, &["SORT", "l", "ALPHA", "LIMIT", "10", "10", "STORE", "dst"]), 0);
    assert_eq!(q::<i64>(&mut c, &["EXISTS", "dst"]), 0);
    // Nothing is stored when the sort fails.
    q::<i64>(&mut c, &["RPUSH", "bad", "1", "x"]);
    q::<()>(&mut c, &["SET", "dst", "keep"]);
    assert_err(r(&mut c, &["SORT", "bad", "STORE", "dst"]), "ERR One or more scores can't be converted into double");
    assert_eq!(q::<String>(&mut c, &["GET", "dst"]), "keep");
    q::<()>(&mut c, &["SET", "str", "x"]);
    assert_err(r(&mut c, &["SORT", "str", "STORE", "dst"]), "WRONGTYPE");
    assert_eq!(q::<String>(&mut c, &["GET", "dst"]), "keep");
}

#[test]
fn errors_and_wrong_types() {
    let srv = common::Server::start();
    let mut c = srv.conn();
    q::<()>(&mut c, &["SET", "str", "x"]);
    q::<i64>(&mut c, &["HSET", "h", "a", "1"]);
    q::<i64>(&mut c, &["RPUSH", "l", "1", "2"]);
    assert_err(r(&mut c, &["SORT", "str"]), "WRONGTYPE Operation against a key holding the wrong kind of value");
    assert_err(r(&mut c, &["SORT_RO", "h"]), "WRONGTYPE");
    // Syntax errors come before the type check.
    for args in [
        &["SORT", "str", "foo"][..],
        &["SORT", "l", "BY"],
        &["SORT", "l", "GET"],
        &["SORT", "l", "STORE"],
        &["SORT", "l", "LIMIT", "1"],
        &["SORT", "l", "ALPHA", "DESCENDING"],
        &["SORT_RO", "l", "STORE", "dst"],
        &["SORT_RO", "nokey", "STORE", "dst"],
    ] {
        assert_err(r(&mut c, args), "ERR syntax error");
    }
    assert_eq!(q::<i64>(&mut c, &["EXISTS", "dst"]), 0);
    assert_err(r(&mut c, &["SORT"]), "ERR wrong number of arguments for 'sort' command");
    assert_err(r(&mut c, &["SORT_RO"]), "ERR wrong number of arguments for 'sort_ro' command");
    // Numeric sorts need doubles, from the elements or the BY keys.
    q::<i64>(&mut c, &["SADD", "s", "1", "2", "not-a-double"]);
    assert_err(r(&mut c, &["SORT", "s"]), "ERR One or more scores can't be converted into double");
    assert_eq!(sort(&mut c, &["s", "ALPHA"]), ["1", "2", "not-a-double"]);
    q::<()>(&mut c, &["MSET", "sc_1", "10", "sc_2", "nan"]);
    assert_err(r(&mut c, &["SORT", "l", "BY", "sc_*"]), "ERR One or more scores can't be converted into double");
    for bad in ["5 ", "2.5abc", "1e400", "1e-400"] {
        q::<()>(&mut c, &["SET", "sc_2", bad]);
        assert_err(r(&mut c, &["SORT", "l", "BY", "sc_*"]), "ERR One or more scores can't be converted into double");
    }
    q::<()>(&mut c, &["SET", "sc_2", "-inf"]);
    assert_eq!(sort(&mut c, &["l", "BY", "sc_*"]), ["2", "1"]);
}

#[test]
fn sort_ro_and_key_extraction() {
    let srv = common::Server::start();
    let mut c = srv.conn();
    q::<i64>(&mut c, &["LPUSH", "mylist", "a"]);
    q::<()>(&mut c, &["SET", "x:a", "100"]);
    assert_eq!(q::<Vec<String>>(&mut c, &["SORT_RO", "mylist", "BY", "nosort", "GET", "x:*"]), ["100"]);
    let keys = |c: &mut Connection, args: &[&str]| -> Vec<String> {
        let mut argv = vec!["COMMAND", "GETKEYS"];
        argv.extend_from_slice(args);
        q(c, &argv)
    };
    assert_eq!(keys(&mut c, &["SORT", "abc", "STORE", "def"]), ["abc", "def"]);
    assert_eq!(keys(&mut c, &["SORT", "abc", "STORE", "invalid", "STORE", "stillbad", "STORE", "def"]), ["abc", "def"]);
    assert_eq!(keys(&mut c, &["SORT", "abc", "BY", "store", "GET", "store", "LIMIT", "0", "1"]), ["abc"]);
    assert_eq!(keys(&mut c, &["SORT_RO", "abc"]), ["abc"]);
    let flags: Value = q(&mut c, &["COMMAND", "GETKEYSANDFLAGS", "SORT", "a", "STORE", "d"]);
    let want = Value::Array(vec![
        Value::Array(vec![
            Value::BulkString(b"a".to_vec()),
            Value::Array(vec![Value::SimpleString("RO".into()), Value::SimpleString("access".into())]),
        ]),
        Value::Array(vec![
            Value::BulkString(b"d".to_vec()),
            Value::Array(vec![Value::SimpleString("OW".into()), Value::SimpleString("update".into())]),
        ]),
    ]);
    assert_eq!(flags, want);
    // COMMAND INFO: flags, key range and the three key specs of Redis 7.0.
    let info: Vec<Value> = q(&mut c, &["COMMAND", "INFO", "SORT", "SORT_RO"]);
    let Value::Array(sort_info) = &info[0] else { panic!("{info:?}") };
    let flags: Vec<String> = redis::from_redis_value(&sort_info[2]).unwrap();
    assert_eq!(flags, ["write", "denyoom", "movablekeys"]);
    let cats: Vec<String> = redis::from_redis_value(&sort_info[6]).unwrap();
    assert_eq!(cats, ["@write", "@set", "@sortedset", "@list", "@slow", "@dangerous"]);
    let Value::Array(specs) = &sort_info[8] else { panic!("{sort_info:?}") };
    assert_eq!(specs.len(), 3);
    let text = format!("{:?}", specs[2]);
    assert!(text.contains("STORE") && text.contains("OW") && text.contains("unknown"), "{text}");
    let Value::Array(ro_info) = &info[1] else { panic!("{info:?}") };
    let flags: Vec<String> = redis::from_redis_value(&ro_info[2]).unwrap();
    assert_eq!(flags, ["readonly", "movablekeys"]);
    let Value::Array(specs) = &ro_info[8] else { panic!("{ro_info:?}") };
    assert_eq!(specs.len(), 2);
}

#[test]
fn store_wakes_a_blocked_client() {
    let srv = common::Server::start();
    let mut c = srv.conn();
    q::<i64>(&mut c, &["RPUSH", "src", "b", "c", "a"]);
    let mut waiter = srv.raw();
    waiter.write_all(b"BLPOP dst 10\r\n").unwrap();
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let info: String = q(&mut c, &["INFO", "clients"]);
        if info.contains("blocked_clients:1") {
            break;
        }
        assert!(Instant::now() < deadline, "BLPOP did not block");
        std::thread::sleep(Duration::from_millis(5));
    }
    assert_eq!(q::<i64>(&mut c, &["SORT", "src", "ALPHA", "STORE", "dst"]), 3);
    let reply = read_at_least(&mut waiter, 25);
    assert_eq!(reply, b"*2\r\n$3\r\ndst\r\n$1\r\na\r\n");
    assert_eq!(lrange(&mut c, "dst"), ["b", "c"]);
}

#[test]
fn resp3_shapes() {
    let srv = common::Server::start();
    let mut s = srv.raw();
    // The whole HELLO map is written at once.
    s.write_all(b"HELLO 3\r\n").unwrap();
    let hello = read_at_least(&mut s, 20);
    assert!(hello.starts_with(b"%"), "{}", String::from_utf8_lossy(&hello));
    s.write_all(b"RPUSH l 2 1\r\n").unwrap();
    assert_eq!(read_at_least(&mut s, 4), b":2\r\n");
    s.write_all(b"SORT l GET # GET w_*\r\n").unwrap();
    let want = b"*4\r\n$1\r\n1\r\n_\r\n$1\r\n2\r\n_\r\n";
    assert_eq!(read_at_least(&mut s, want.len()), want);
    s.write_all(b"SORT nokey\r\n").unwrap();
    assert_eq!(read_at_least(&mut s, 4), b"*0\r\n");
    s.write_all(b"SORT l STORE d\r\n").unwrap();
    assert_eq!(read_at_least(&mut s, 4), b":2\r\n");
    // RESP2: a missing GET is a nil bulk.
    let mut s2 = srv.raw();
    s2.write_all(b"SORT l GET w_* LIMIT 0 1\r\n").unwrap();
    assert_eq!(read_at_least(&mut s2, 9), b"*1\r\n$-1\r\n");
}
