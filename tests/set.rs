//! Set commands over TCP: adding and removing, membership, SMOVE, SPOP and
//! SRANDMEMBER with and without counts, the set algebra and its STORE forms,
//! SINTERCARD, SSCAN, RESP3 reply shapes, WRONGTYPE, empty-key deletion, the
//! intset/hashtable conversion, and a randomized comparison with a model.
//! Expected replies were checked against Redis 7.0.

mod common;

use std::collections::BTreeSet;

use common::{assert_err, q, r};
use redis::{Connection, Value};

/// The members of a set reply, sorted (sets have no order).
fn sorted(c: &mut Connection, args: &[&str]) -> Vec<String> {
    let mut v: Vec<String> = q(c, args);
    v.sort();
    v
}

fn encoding(c: &mut Connection, key: &str) -> String {
    q(c, &["OBJECT", "ENCODING", key])
}

fn exists(c: &mut Connection, key: &str) -> bool {
    q::<i64>(c, &["EXISTS", key]) == 1
}

fn owned(v: &[&str]) -> Vec<String> {
    let mut v: Vec<String> = v.iter().map(|s| s.to_string()).collect();
    v.sort();
    v
}

fn resp3(srv: &common::Server) -> Connection {
    let client = redis::Client::open(format!("{}?protocol=resp3", srv.url())).expect("client");
    client.get_connection().expect("connect")
}

#[test]
fn sadd_srem_membership() {
    let srv = common::Server::start();
    let mut c = srv.conn();
    assert_eq!(q::<i64>(&mut c, &["SADD", "s", "a", "b", "c", "a"]), 3);
    assert_eq!(q::<i64>(&mut c, &["SADD", "s", "c", "d"]), 1);
    assert_eq!(q::<i64>(&mut c, &["SCARD", "s"]), 4);
    assert_eq!(q::<i64>(&mut c, &["SCARD", "missing"]), 0);
    assert_eq!(sorted(&mut c, &["SMEMBERS", "s"]), owned(&["a", "b", "c", "d"]));
    assert_eq!(sorted(&mut c, &["SMEMBERS", "missing"]), Vec::<String>::new());
    assert_eq!(q::<i64>(&mut c, &["SISMEMBER", "s", "a"]), 1);
    assert_eq!(q::<i64>(&mut c, &["SISMEMBER", "s", "z"]), 0);
    assert_eq!(q::<i64>(&mut c, &["SISMEMBER", "missing", "a"]), 0);
    assert_eq!(q::<Vec<i64>>(&mut c, &["SMISMEMBER", "s", "a", "z", "d"]), vec![1, 0, 1]);
    assert_eq!(q::<Vec<i64>>(&mut c, &["SMISMEMBER", "missing", "a", "b"]), vec![0, 0]);
    assert_eq!(q::<i64>(&mut c, &["SREM", "s", "a", "z", "b"]), 2);
    assert_eq!(q::<i64>(&mut c, &["SREM", "missing", "a"]), 0);
    assert_eq!(q::<i64>(&mut c, &["SREM", "s", "c", "d"]), 2);
    assert!(!exists(&mut c, "s"), "a set emptied by SREM is deleted");
    assert_err(r(&mut c, &["SMISMEMBER", "s"]), "ERR wrong number of arguments for 'smismember' command");
    assert_err(r(&mut c, &["SADD", "s"]), "ERR wrong number of arguments for 'sadd' command");
}

#[test]
fn wrong_type_everywhere() {
    let srv = common::Server::start();
    let mut c = srv.conn();
    q::<()>(&mut c, &["SET", "str", "x"]);
    q::<i64>(&mut c, &["SADD", "s", "1"]);
    const W: &str = "WRONGTYPE Operation against a key holding the wrong kind of value";
    for args in [
        &["SADD", "str", "a"][..],
        &["SREM", "str", "a"],
        &["SMEMBERS", "str"],
        &["SISMEMBER", "str", "a"],
        &["SMISMEMBER", "str", "a"],
        &["SCARD", "str"],
        &["SPOP", "str"],
        &["SPOP", "str", "0"],
        &["SRANDMEMBER", "str"],
        &["SRANDMEMBER", "str", "2"],
        &["SMOVE", "str", "s", "1"],
        &["SMOVE", "s", "str", "1"],
        &["SINTER", "missing", "str"],
        &["SUNION", "s", "str"],
        &["SDIFF", "missing", "str"],
        &["SINTERSTORE", "d", "missing", "str"],
        &["SUNIONSTORE", "d", "s", "str"],
        &["SDIFFSTORE", "d", "s", "str"],
        &["SINTERCARD", "2", "missing", "str"],
        &["SSCAN", "str", "0"],
    ] {
        assert_err(r(&mut c, args), W);
    }
    // A missing source makes SMOVE a no-op before the destination is checked.
    assert_eq!(q::<i64>(&mut c, &["SMOVE", "missing", "str", "1"]), 0);
    assert_eq!(q::<String>(&mut c, &["GET", "str"]), "x");
}

#[test]
fn encodings_and_conversion() {
    let srv = common::Server::start();
    let mut c = srv.conn();
    q::<i64>(&mut c, &["SADD", "i", "3", "1", "-2", "2"]);
    assert_eq!(encoding(&mut c, "i"), "intset");
    // Intsets reply in ascending order.
    assert_eq!(q::<Vec<String>>(&mut c, &["SMEMBERS", "i"]), vec!["-2", "1", "2", "3"]);
    // A non-canonical integer is a string member.
    q::<i64>(&mut c, &["SADD", "i", "01"]);
    assert_eq!(encoding(&mut c, "i"), "hashtable");
    assert_eq!(q::<i64>(&mut c, &["SISMEMBER", "i", "1"]), 1);
    assert_eq!(q::<i64>(&mut c, &["SISMEMBER", "i", "01"]), 1);
    // Never converts back.
    q::<i64>(&mut c, &["SREM", "i", "01"]);
    assert_eq!(encoding(&mut c, "i"), "hashtable");

    q::<i64>(&mut c, &["SADD", "h", "a"]);
    assert_eq!(encoding(&mut c, "h"), "hashtable");

    // Past set-max-intset-entries.
    q::<()>(&mut c, &["CONFIG", "SET", "set-max-intset-entries", "4"]);
    q::<i64>(&mut c, &["SADD", "n", "1", "2", "3", "4"]);
    assert_eq!(encoding(&mut c, "n"), "intset");
    q::<i64>(&mut c, &["SADD", "n", "5"]);
    assert_eq!(encoding(&mut c, "n"), "hashtable");
    assert_eq!(q::<i64>(&mut c, &["SCARD", "n"]), 5);
    // Big integers at the edges of i64 stay integers; one past does not.
    q::<i64>(&mut c, &["SADD", "e", "9223372036854775807", "-9223372036854775808"]);
    assert_eq!(encoding(&mut c, "e"), "intset");
    q::<i64>(&mut c, &["SADD", "e", "9223372036854775808"]);
    assert_eq!(encoding(&mut c, "e"), "hashtable");

    // STORE results and SMOVE destinations are encoded like Redis does.
    q::<()>(&mut c, &["CONFIG", "SET", "set-max-intset-entries", "512"]);
    q::<i64>(&mut c, &["SADD", "x", "1", "2", "a"]);
    q::<i64>(&mut c, &["SADD", "y", "1", "2", "b"]);
    assert_eq!(q::<i64>(&mut c, &["SINTERSTORE", "d", "x", "y"]), 2);
    assert_eq!(encoding(&mut c, "d"), "intset");
    assert_eq!(q::<i64>(&mut c, &["SUNIONSTORE", "d", "x", "y"]), 4);
    assert_eq!(encoding(&mut c, "d"), "hashtable");
    assert_eq!(q::<i64>(&mut c, &["SMOVE", "x", "new", "2"]), 1);
    assert_eq!(encoding(&mut c, "new"), "intset");
}

#[test]
fn smove_cases() {
    let srv = common::Server::start();
    let mut c = srv.conn();
    q::<i64>(&mut c, &["SADD", "src", "a", "b"]);
    q::<i64>(&mut c, &["SADD", "dst", "c"]);
    assert_eq!(q::<i64>(&mut c, &["SMOVE", "src", "dst", "a"]), 1);
    assert_eq!(sorted(&mut c, &["SMEMBERS", "src"]), owned(&["b"]));
    assert_eq!(sorted(&mut c, &["SMEMBERS", "dst"]), owned(&["a", "c"]));
    assert_eq!(q::<i64>(&mut c, &["SMOVE", "src", "dst", "zz"]), 0);
    assert_eq!(q::<i64>(&mut c, &["SMOVE", "src", "src", "b"]), 1);
    assert_eq!(q::<i64>(&mut c, &["SMOVE", "src", "src", "zz"]), 0);
    // Member already in the destination: still removed from the source.
    q::<i64>(&mut c, &["SADD", "dst", "b"]);
    assert_eq!(q::<i64>(&mut c, &["SMOVE", "src", "dst", "b"]), 1);
    assert!(!exists(&mut c, "src"), "an emptied source is deleted");
    assert_eq!(q::<i64>(&mut c, &["SCARD", "dst"]), 3);
    assert_eq!(q::<i64>(&mut c, &["SMOVE", "dst", "fresh", "c"]), 1);
    assert_eq!(sorted(&mut c, &["SMEMBERS", "fresh"]), owned(&["c"]));
    assert_eq!(q::<i64>(&mut c, &["SMOVE", "missing", "dst", "a"]), 0);
}

#[test]
fn spop_variants() {
    let srv = common::Server::start();
    let mut c = srv.conn();
    for enc in ["intset", "hashtable"] {
        let members: Vec<String> =
            (0..20).map(|i| if enc == "intset" { i.to_string() } else { format!("m{i}") }).collect();
        let mut args = vec!["SADD", "s"];
        args.extend(members.iter().map(String::as_str));
        q::<i64>(&mut c, &args);
        assert_eq!(encoding(&mut c, "s"), enc);
        let one: String = q(&mut c, &["SPOP", "s"]);
        assert!(members.contains(&one));
        assert_eq!(q::<i64>(&mut c, &["SISMEMBER", "s", &one]), 0);
        // Few popped (one by one) and most popped (survivors kept).
        let three: Vec<String> = q(&mut c, &["SPOP", "s", "3"]);
        assert_eq!(three.iter().collect::<BTreeSet<_>>().len(), 3);
        let many: Vec<String> = q(&mut c, &["SPOP", "s", "14"]);
        assert_eq!(many.iter().collect::<BTreeSet<_>>().len(), 14);
        assert_eq!(q::<i64>(&mut c, &["SCARD", "s"]), 2);
        let mut all: BTreeSet<String> = three.into_iter().chain(many).collect();
        all.insert(one);
        for m in q::<Vec<String>>(&mut c, &["SMEMBERS", "s"]) {
            assert!(all.insert(m));
        }
        assert_eq!(all, members.iter().cloned().collect());
        assert_eq!(q::<Vec<String>>(&mut c, &["SPOP", "s", "0"]), Vec::<String>::new());
        assert_eq!(q::<Vec<String>>(&mut c, &["SPOP", "s", "10"]).len(), 2);
        assert!(!exists(&mut c, "s"), "a set emptied by SPOP is deleted");
    }
    q::<i64>(&mut c, &["SADD", "one", "x"]);
    assert_eq!(q::<String>(&mut c, &["SPOP", "one"]), "x");
    assert!(!exists(&mut c, "one"));
    assert_eq!(q::<Option<String>>(&mut c, &["SPOP", "missing"]), None);
    assert_eq!(q::<Vec<String>>(&mut c, &["SPOP", "missing", "3"]), Vec::<String>::new());
    q::<i64>(&mut c, &["SADD", "s", "a"]);
    assert_err(r(&mut c, &["SPOP", "s", "-1"]), "ERR value is out of range, must be positive");
    assert_err(r(&mut c, &["SPOP", "s", "x"]), "ERR value is out of range, must be positive");
    assert_err(r(&mut c, &["SPOP", "s", "1", "2"]), "ERR syntax error");
}

#[test]
fn srandmember_variants() {
    let srv = common::Server::start();
    let mut c = srv.conn();
    for (key, members) in [("i", owned(&["1", "2", "3", "4", "5"])), ("h", owned(&["a", "b", "c", "d", "e"]))] {
        let mut args = vec!["SADD", key];
        args.extend(members.iter().map(String::as_str));
        q::<i64>(&mut c, &args);
        let one: String = q(&mut c, &["SRANDMEMBER", key]);
        assert!(members.contains(&one));
        for n in ["1", "2", "4", "5", "100"] {
            let got: Vec<String> = q(&mut c, &["SRANDMEMBER", key, n]);
            let want = n.parse::<usize>().unwrap_or(0).min(5);
            assert_eq!(got.len(), want);
            assert_eq!(got.iter().collect::<BTreeSet<_>>().len(), want, "distinct members");
            assert!(got.iter().all(|m| members.contains(m)));
        }
        let rep: Vec<String> = q(&mut c, &["SRANDMEMBER", key, "-50"]);
        assert_eq!(rep.len(), 50);
        assert!(rep.iter().all(|m| members.contains(m)));
        // Every member shows up with repeats allowed.
        assert_eq!(rep.iter().collect::<BTreeSet<_>>().len(), 5);
        assert_eq!(q::<Vec<String>>(&mut c, &["SRANDMEMBER", key, "0"]), Vec::<String>::new());
        assert_eq!(q::<i64>(&mut c, &["SCARD", key]), 5, "SRANDMEMBER does not remove");
    }
    assert_eq!(q::<Option<String>>(&mut c, &["SRANDMEMBER", "missing"]), None);
    assert_eq!(q::<Vec<String>>(&mut c, &["SRANDMEMBER", "missing", "3"]), Vec::<String>::new());
    assert_err(r(&mut c, &["SRANDMEMBER", "i", "x"]), "ERR value is not an integer or out of range");
    assert_err(
        r(&mut c, &["SRANDMEMBER", "i", "-9223372036854775808"]),
        "ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807",
    );
    assert_err(r(&mut c, &["SRANDMEMBER", "i", "1", "2"]), "ERR syntax error");
}

#[test]
fn set_algebra() {
    let srv = common::Server::start();
    let mut c = srv.conn();
    q::<i64>(&mut c, &["SADD", "a", "1", "2", "3", "x"]);
    q::<i64>(&mut c, &["SADD", "b", "2", "3", "4"]);
    q::<i64>(&mut c, &["SADD", "c", "3", "4", "5"]);
    assert_eq!(sorted(&mut c, &["SINTER", "a", "b", "c"]), owned(&["3"]));
    assert_eq!(sorted(&mut c, &["SINTER", "a"]), owned(&["1", "2", "3", "x"]));
    assert_eq!(sorted(&mut c, &["SINTER", "a", "missing"]), Vec::<String>::new());
    assert_eq!(sorted(&mut c, &["SUNION", "a", "b", "missing"]), owned(&["1", "2", "3", "4", "x"]));
    assert_eq!(sorted(&mut c, &["SDIFF", "a", "b", "missing"]), owned(&["1", "x"]));
    assert_eq!(sorted(&mut c, &["SDIFF", "a", "b", "c"]), owned(&["1", "x"]));
    assert_eq!(sorted(&mut c, &["SDIFF", "missing", "a"]), Vec::<String>::new());

    assert_eq!(q::<i64>(&mut c, &["SINTERSTORE", "d", "a", "b"]), 2);
    assert_eq!(sorted(&mut c, &["SMEMBERS", "d"]), owned(&["2", "3"]));
    assert_eq!(q::<i64>(&mut c, &["SUNIONSTORE", "d", "b", "c"]), 4);
    assert_eq!(sorted(&mut c, &["SMEMBERS", "d"]), owned(&["2", "3", "4", "5"]));
    assert_eq!(q::<i64>(&mut c, &["SDIFFSTORE", "d", "b", "c"]), 1);
    assert_eq!(sorted(&mut c, &["SMEMBERS", "d"]), owned(&["2"]));
    // The destination may be a source; it is overwritten whatever its type.
    assert_eq!(q::<i64>(&mut c, &["SUNIONSTORE", "d", "d", "c"]), 4);
    q::<()>(&mut c, &["SET", "str", "v"]);
    assert_eq!(q::<i64>(&mut c, &["SINTERSTORE", "str", "a", "b"]), 2);
    assert_eq!(q::<String>(&mut c, &["TYPE", "str"]), "set");
    // Empty results delete the destination.
    for args in
        [&["SINTERSTORE", "d", "a", "missing"][..], &["SUNIONSTORE", "d", "missing"], &["SDIFFSTORE", "d", "a", "a"]]
    {
        q::<i64>(&mut c, &["SADD", "d", "keep"]);
        assert_eq!(q::<i64>(&mut c, args), 0);
        assert!(!exists(&mut c, "d"), "{args:?} deletes the destination");
    }
    assert_err(r(&mut c, &["SINTER"]), "ERR wrong number of arguments for 'sinter' command");
    assert_err(r(&mut c, &["SDIFFSTORE", "d"]), "ERR wrong number of arguments for 'sdiffstore' command");
}

#[test]
fn sintercard() {
    let srv = common::Server::start();
    let mut c = srv.conn();
    q::<i64>(&mut c, &["SADD", "a", "1", "2", "3", "x", "y"]);
    q::<i64>(&mut c, &["SADD", "b", "2", "3", "x", "z"]);
    assert_eq!(q::<i64>(&mut c, &["SINTERCARD", "2", "a", "b"]), 3);
    assert_eq!(q::<i64>(&mut c, &["SINTERCARD", "1", "a"]), 5);
    assert_eq!(q::<i64>(&mut c, &["SINTERCARD", "2", "a", "b", "LIMIT", "2"]), 2);
    assert_eq!(q::<i64>(&mut c, &["SINTERCARD", "2", "a", "b", "limit", "0"]), 3);
    assert_eq!(q::<i64>(&mut c, &["SINTERCARD", "2", "a", "b", "LIMIT", "10"]), 3);
    assert_eq!(q::<i64>(&mut c, &["SINTERCARD", "2", "a", "missing"]), 0);
    assert_err(r(&mut c, &["SINTERCARD", "0", "a"]), "ERR numkeys should be greater than 0");
    assert_err(r(&mut c, &["SINTERCARD", "x", "a"]), "ERR numkeys should be greater than 0");
    assert_err(r(&mut c, &["SINTERCARD", "-1", "a"]), "ERR numkeys should be greater than 0");
    assert_err(r(&mut c, &["SINTERCARD", "3", "a", "b"]), "ERR Number of keys can't be greater than number of args");
    assert_err(r(&mut c, &["SINTERCARD", "1", "a", "LIMIT", "-1"]), "ERR LIMIT can't be negative");
    assert_err(r(&mut c, &["SINTERCARD", "1", "a", "LIMIT", "x"]), "ERR LIMIT can't be negative");
    assert_err(r(&mut c, &["SINTERCARD", "1", "a", "LIMIT"]), "ERR syntax error");
    assert_err(r(&mut c, &["SINTERCARD", "1", "a", "b"]), "ERR syntax error");
    let info: Vec<Value> = q(&mut c, &["COMMAND", "INFO", "sintercard"]);
    assert!(format!("{info:?}").contains("movablekeys"));
}

#[test]
fn sscan_both_encodings() {
    let srv = common::Server::start();
    let mut c = srv.conn();
    // An intset comes back whole with cursor 0.
    q::<i64>(&mut c, &["SADD", "i", "1", "2", "3", "10"]);
    let (cursor, items): (String, Vec<String>) = q(&mut c, &["SSCAN", "i", "0"]);
    assert_eq!(cursor, "0");
    assert_eq!(items, vec!["1", "2", "3", "10"]);
    let (_, items): (String, Vec<String>) = q(&mut c, &["SSCAN", "i", "0", "MATCH", "1*"]);
    assert_eq!(items, vec!["1", "10"]);
    // A hashtable is walked with a cursor; every member is seen.
    let members: Vec<String> = (0..1000).map(|i| format!("m{i}")).collect();
    let mut args = vec!["SADD", "h"];
    args.extend(members.iter().map(String::as_str));
    q::<i64>(&mut c, &args);
    let mut seen = BTreeSet::new();
    let mut cursor = "0".to_string();
    let mut calls = 0;
    loop {
        let (next, items): (String, Vec<String>) = q(&mut c, &["SSCAN", "h", &cursor, "COUNT", "20"]);
        seen.extend(items);
        calls += 1;
        cursor = next;
        if cursor == "0" {
            break;
        }
    }
    assert!(calls > 1);
    assert_eq!(seen, members.iter().cloned().collect());
    let (_, none): (String, Vec<String>) = q(&mut c, &["SSCAN", "missing", "0"]);
    assert!(none.is_empty());
    assert_err(r(&mut c, &["SSCAN", "h", "0", "COUNT", "0"]), "ERR syntax error");
    assert_err(r(&mut c, &["SSCAN", "h", "0", "FOO", "1"]), "ERR syntax error");
    assert_err(r(&mut c, &["SSCAN", "h", "abc"]), "ERR invalid cursor");
}

#[test]
fn resp3_shapes() {
    let srv = common::Server::start();
    let mut c = resp3(&srv);
    q::<i64>(&mut c, &["SADD", "s", "1", "2"]);
    let set = |v: &[&str]| Value::Set(v.iter().map(|m| Value::BulkString(m.as_bytes().to_vec())).collect());
    assert_eq!(r(&mut c, &["SMEMBERS", "s"]).unwrap(), set(&["1", "2"]));
    assert_eq!(r(&mut c, &["SINTER", "s", "s"]).unwrap(), set(&["1", "2"]));
    assert_eq!(r(&mut c, &["SUNION", "s"]).unwrap(), set(&["1", "2"]));
    assert_eq!(r(&mut c, &["SDIFF", "s", "missing"]).unwrap(), set(&["1", "2"]));
    assert_eq!(r(&mut c, &["SMEMBERS", "missing"]).unwrap(), set(&[]));
    assert_eq!(r(&mut c, &["SPOP", "s", "0"]).unwrap(), set(&[]));
    assert_eq!(r(&mut c, &["SPOP", "missing", "2"]).unwrap(), set(&[]));
    // SRANDMEMBER with a count is an array (it may repeat members).
    assert_eq!(
        r(&mut c, &["SRANDMEMBER", "s", "5"]).unwrap(),
        Value::Array(vec![Value::BulkString(b"1".to_vec()), Value::BulkString(b"2".to_vec())])
    );
    assert!(matches!(r(&mut c, &["SRANDMEMBER", "s", "-3"]).unwrap(), Value::Array(v) if v.len() == 3));
    assert!(matches!(r(&mut c, &["SPOP", "s", "5"]).unwrap(), Value::Set(v) if v.len() == 2));
}

/// A tiny deterministic generator for the randomized test.
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: u64) -> u64 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (self.0 >> 33) % n
    }
}

#[test]
fn randomized_against_model() {
    let srv = common::Server::start();
    let mut c = srv.conn();
    q::<()>(&mut c, &["CONFIG", "SET", "set-max-intset-entries", "16"]);
    let mut rng = Lcg(42);
    let keys = ["k0", "k1", "k2"];
    let mut model: Vec<BTreeSet<String>> = vec![BTreeSet::new(); 3];
    for _ in 0..3000 {
        let k = rng.below(3) as usize;
        // Mostly small integers (intsets), sometimes strings (conversion).
        let member =
            if rng.below(10) == 0 { format!("s{}", rng.below(20)) } else { (rng.below(40) as i64 - 10).to_string() };
        match rng.below(6) {
            0..=2 => {
                let added: i64 = q(&mut c, &["SADD", keys[k], &member]);
                assert_eq!(added == 1, model[k].insert(member));
            }
            3..=4 => {
                let removed: i64 = q(&mut c, &["SREM", keys[k], &member]);
                assert_eq!(removed == 1, model[k].remove(&member));
            }
            _ => {
                let popped: Option<String> = q(&mut c, &["SPOP", keys[k]]);
                match popped {
                    Some(m) => assert!(model[k].remove(&m)),
                    None => assert!(model[k].is_empty()),
                }
            }
        }
        assert_eq!(exists(&mut c, keys[k]), !model[k].is_empty());
        if !model[k].is_empty() {
            let all_int = model[k].iter().all(|m| !m.starts_with('s'));
            let enc = encoding(&mut c, keys[k]);
            if enc == "intset" {
                assert!(all_int && model[k].len() <= 16);
            }
        }
    }
    for k in 0..3 {
        let got: BTreeSet<String> = q::<Vec<String>>(&mut c, &["SMEMBERS", keys[k]]).into_iter().collect();
        assert_eq!(got, model[k]);
    }
    let inter: BTreeSet<String> = model[0].intersection(&model[1]).cloned().collect();
    let got: BTreeSet<String> = q::<Vec<String>>(&mut c, &["SINTER", "k0", "k1"]).into_iter().collect();
    assert_eq!(got, inter);
    assert_eq!(q::<i64>(&mut c, &["SINTERCARD", "2", "k0", "k1"]), inter.len() as i64);
    let union: BTreeSet<String> = model.iter().flatten().cloned().collect();
    let got: BTreeSet<String> = q::<Vec<String>>(&mut c, &["SUNION", "k0", "k1", "k2"]).into_iter().collect();
    assert_eq!(got, union);
    let diff: BTreeSet<String> =
        model[0].iter().filter(|m| !model[1].contains(*m) && !model[2].contains(*m)).cloned().collect();
    let got: BTreeSet<String> = q::<Vec<String>>(&mut c, &["SDIFF", "k0", "k1", "k2"]).into_iter().collect();
    assert_eq!(got, diff);
}
