//! MEMORY over TCP: USAGE estimates grow with the value, sampling options and
//! their errors, missing keys, and the diagnostic subcommands' shapes.
//! Expected replies were checked against Redis 7.0.

mod common;

use common::{assert_err, q, r};
use redis::Value;

#[test]
fn usage_tracks_value_size() {
    let srv = common::Server::start();
    let mut c = srv.conn();
    assert_eq!(q::<Value>(&mut c, &["MEMORY", "USAGE", "missing"]), Value::Nil);
    q::<()>(&mut c, &["SET", "small", "abc"]);
    q::<()>(&mut c, &["SET", "big", &"x".repeat(100_000)]);
    let small: i64 = q(&mut c, &["MEMORY", "USAGE", "small"]);
    let big: i64 = q(&mut c, &["MEMORY", "USAGE", "big"]);
    assert!((4..200).contains(&small), "small = {small}");
    assert!((100_000..120_000).contains(&big), "big = {big}");

    for (kind, fill) in [("list", "RPUSH"), ("set", "SADD"), ("zset", "ZADD"), ("hash", "HSET")] {
        let key = format!("{kind}-key");
        for i in 0..1000 {
            let member = format!("member-{i:05}");
            match kind {
                "zset" => q::<()>(&mut c, &[fill, &key, &i.to_string(), &member]),
                "hash" => q::<()>(&mut c, &[fill, &key, &member, "value"]),
                _ => q::<()>(&mut c, &[fill, &key, &member]),
            }
        }
        let sampled: i64 = q(&mut c, &["MEMORY", "USAGE", &key]);
        let all: i64 = q(&mut c, &["MEMORY", "USAGE", &key, "SAMPLES", "0"]);
        // 1000 members of 12 bytes each: at least their bytes, well under 1 KB each.
        for n in [sampled, all] {
            assert!((12_000..1_000_000).contains(&n), "{kind}: {n}");
        }
    }
}

#[test]
fn usage_errors() {
    let srv = common::Server::start();
    let mut c = srv.conn();
    q::<()>(&mut c, &["SET", "k", "v"]);
    assert_err(r(&mut c, &["MEMORY", "USAGE", "k", "SAMPLES", "x"]), "ERR value is not an integer");
    assert_err(r(&mut c, &["MEMORY", "USAGE", "k", "SAMPLES", "-1"]), "ERR syntax error");
    assert_err(r(&mut c, &["MEMORY", "USAGE", "k", "SAMPLES"]), "ERR syntax error");
    assert_err(r(&mut c, &["MEMORY", "USAGE", "k", "foo"]), "ERR syntax error");
    assert_err(r(&mut c, &["MEMORY", "USAGE"]), "ERR wrong number of arguments for 'memory|usage' command");
    assert_err(r(&mut c, &["MEMORY", "FOO"]), "ERR unknown subcommand 'FOO'. Try MEMORY HELP.");
    let keys: Vec<String> = q(&mut c, &["COMMAND", "GETKEYS", "MEMORY", "USAGE", "k"]);
    assert_eq!(keys, vec!["k"]);
}

#[test]
fn diagnostics() {
    let srv = common::Server::start();
    let mut c = srv.conn();
    let help: Vec<String> = q(&mut c, &["MEMORY", "HELP"]);
    assert!(help[0].starts_with("MEMORY <subcommand>"));
    assert!(help.iter().any(|l| l.starts_with("USAGE <key> [SAMPLES <count>]")));
    assert_eq!(q::<String>(&mut c, &["MEMORY", "PURGE"]), "OK");
    assert!(!q::<String>(&mut c, &["MEMORY", "DOCTOR"]).is_empty());
    assert!(!q::<String>(&mut c, &["MEMORY", "MALLOC-STATS"]).is_empty());
}
