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

fn info_field(c: &mut redis::Connection, section: &str, field: &str) -> String {
    let info: String = q(c, &["INFO", section]);
    info.lines()
        .find_map(|l| l.strip_prefix(&format!("{field}:")))
        .unwrap_or_else(|| panic!("no {field} in INFO {section}"))
        .trim()
        .to_string()
}

fn info_int(c: &mut redis::Connection, field: &str) -> i64 {
    info_field(c, "memory", field).parse().unwrap_or_else(|_| panic!("{field} is not an integer"))
}

/// Waits (bounded) until the lazyfree thread has nothing pending.
fn wait_lazyfree_done(c: &mut redis::Connection) {
    for _ in 0..500 {
        if info_int(c, "lazyfree_pending_objects") == 0 {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    panic!("lazyfree never finished");
}

#[test]
fn info_memory_reports_allocator_figures() {
    let srv = common::Server::start();
    let mut c = srv.conn();
    let info: String = q(&mut c, &["INFO", "memory"]);
    for field in [
        "used_memory",
        "used_memory_human",
        "used_memory_rss",
        "used_memory_peak",
        "used_memory_peak_perc",
        "used_memory_overhead",
        "used_memory_startup",
        "used_memory_dataset",
        "used_memory_dataset_perc",
        "allocator_allocated",
        "allocator_active",
        "allocator_resident",
        "allocator_frag_ratio",
        "mem_fragmentation_ratio",
        "mem_fragmentation_bytes",
        "mem_not_counted_for_evict",
        "mem_clients_normal",
        "maxmemory",
        "maxmemory_human",
        "maxmemory_policy",
        "mem_allocator",
        "lazyfree_pending_objects",
        "lazyfreed_objects",
    ] {
        assert!(info.contains(&format!("\r\n{field}:")), "missing {field}");
    }
    assert!(info_field(&mut c, "memory", "mem_allocator").starts_with("jemalloc-5."));
    assert_eq!(info_field(&mut c, "memory", "maxmemory_human"), "0B");
    let startup = info_int(&mut c, "used_memory_startup");
    let before = info_int(&mut c, "used_memory");
    assert!(before >= startup && startup > 0, "used {before}, startup {startup}");
    assert!(info_int(&mut c, "allocator_allocated") > 0);
    assert!(info_int(&mut c, "used_memory_rss") > before);
    assert!(info_int(&mut c, "mem_clients_normal") > 0);

    // 100 strings of 10 KB: used_memory follows the data both ways.
    let value = "v".repeat(10_000);
    for i in 0..100 {
        q::<()>(&mut c, &["SET", &format!("k{i}"), &value]);
    }
    let full = info_int(&mut c, "used_memory");
    assert!(full - before >= 1_000_000 && full - before < 1_300_000, "grew by {}", full - before);
    assert!(info_int(&mut c, "used_memory_peak") >= full);
    assert!(info_int(&mut c, "used_memory_dataset") >= 1_000_000);
    q::<()>(&mut c, &["FLUSHALL", "SYNC"]);
    let after = info_int(&mut c, "used_memory");
    assert!(after < before + 100_000, "after flush {after}, before {before}");
    assert!(info_int(&mut c, "used_memory_peak") >= full);
    // RESETSTAT restarts the peak from the current figure.
    q::<()>(&mut c, &["CONFIG", "RESETSTAT"]);
    assert!(info_int(&mut c, "used_memory_peak") < full);
}

#[test]
fn memory_stats_shape_in_resp2_and_resp3() {
    let srv = common::Server::start();
    let mut c = srv.conn();
    q::<()>(&mut c, &["SET", "a", "1"]);
    q::<()>(&mut c, &["SETEX", "b", "100", "2"]);
    let flat: Vec<Value> = q(&mut c, &["MEMORY", "STATS"]);
    let names: Vec<String> = flat
        .iter()
        .step_by(2)
        .map(|v| match v {
            Value::BulkString(b) => String::from_utf8_lossy(b).into_owned(),
            other => panic!("field name {other:?}"),
        })
        .collect();
    assert_eq!(&names[..3], &["peak.allocated", "total.allocated", "startup.allocated"]);
    assert!(names.contains(&"db.0".to_string()));
    assert_eq!(names.last().map(String::as_str), Some("fragmentation.bytes"));
    let pos = |n: &str| names.iter().position(|x| x == n).expect(n) * 2 + 1;
    assert_eq!(flat[pos("keys.count")], Value::Int(2));
    match &flat[pos("db.0")] {
        Value::Array(db) => assert_eq!(db.len(), 6),
        other => panic!("db.0 is {other:?}"),
    }
    // RESP3: a map, doubles as doubles.
    let mut s = srv.raw();
    let hello = common::roundtrip(&mut s, b"HELLO 3\r\n", 1);
    assert_eq!(hello[0], b'%');
    use std::io::Write;
    s.write_all(b"MEMORY STATS\r\n").expect("write");
    let reply = common::read_at_least(&mut s, 400);
    assert!(reply.starts_with(b"%"), "{}", String::from_utf8_lossy(&reply[..40]));
    let text = String::from_utf8_lossy(&reply);
    assert!(text.contains("$18\r\ndataset.percentage\r\n,"), "{text}");
}

#[test]
fn doctor_purge_and_malloc_stats() {
    let srv = common::Server::start();
    let mut c = srv.conn();
    let doctor: String = q(&mut c, &["MEMORY", "DOCTOR"]);
    assert!(doctor.contains("this instance is empty or is using very little memory"), "{doctor}");
    let stats: String = q(&mut c, &["MEMORY", "MALLOC-STATS"]);
    assert!(stats.contains("jemalloc statistics"), "{}", &stats[..stats.len().min(200)]);
    assert_eq!(q::<String>(&mut c, &["MEMORY", "PURGE"]), "OK");
    let help: Vec<String> = q(&mut c, &["MEMORY", "HELP"]);
    assert!(help.iter().any(|l| l == "STATS"));
}

#[test]
fn unlink_and_flush_async_free_in_the_background() {
    let srv = common::Server::start();
    let mut c = srv.conn();
    let members: Vec<String> = (0..100_000).map(|i| i.to_string()).collect();
    let orig = info_int(&mut c, "used_memory");
    for chunk in members.chunks(10_000) {
        let mut args = vec!["SADD", "myset"];
        args.extend(chunk.iter().map(|s| s.as_str()));
        q::<()>(&mut c, &args);
    }
    let peak = info_int(&mut c, "used_memory");
    assert!(peak > orig + 1_000_000);
    assert_eq!(q::<i64>(&mut c, &["UNLINK", "myset", "missing"]), 1);
    assert_eq!(q::<i64>(&mut c, &["EXISTS", "myset"]), 0);
    wait_lazyfree_done(&mut c);
    assert_eq!(info_int(&mut c, "lazyfreed_objects"), 1);
    let now = info_int(&mut c, "used_memory");
    assert!(now < orig + 500_000, "orig {orig} peak {peak} now {now}");

    // A small value is freed in place: nothing goes to the thread.
    q::<()>(&mut c, &["SADD", "small", "a", "b"]);
    assert_eq!(q::<i64>(&mut c, &["UNLINK", "small"]), 1);
    assert_eq!(info_int(&mut c, "lazyfreed_objects"), 1);

    // FLUSHALL ASYNC counts every key it hands over.
    for i in 0..10 {
        q::<()>(&mut c, &["SET", &format!("k{i}"), "v"]);
    }
    q::<()>(&mut c, &["FLUSHALL", "ASYNC"]);
    assert_eq!(q::<i64>(&mut c, &["DBSIZE"]), 0);
    wait_lazyfree_done(&mut c);
    assert_eq!(info_int(&mut c, "lazyfreed_objects"), 11);
    q::<()>(&mut c, &["CONFIG", "RESETSTAT"]);
    assert_eq!(info_int(&mut c, "lazyfreed_objects"), 0);

    // DEL frees in place unless lazyfree-lazy-user-del.
    let add = |c: &mut redis::Connection| {
        let mut args = vec!["SADD", "big"];
        args.extend(members[..1000].iter().map(|s| s.as_str()));
        q::<()>(c, &args);
    };
    add(&mut c);
    assert_eq!(q::<i64>(&mut c, &["DEL", "big"]), 1);
    assert_eq!(info_int(&mut c, "lazyfreed_objects"), 0);
    q::<()>(&mut c, &["CONFIG", "SET", "lazyfree-lazy-user-del", "yes"]);
    add(&mut c);
    assert_eq!(q::<i64>(&mut c, &["DEL", "big"]), 1);
    wait_lazyfree_done(&mut c);
    assert_eq!(info_int(&mut c, "lazyfreed_objects"), 1);
    // Overwriting a big value with lazyfree-lazy-server-del.
    q::<()>(&mut c, &["CONFIG", "SET", "lazyfree-lazy-server-del", "yes"]);
    add(&mut c);
    q::<()>(&mut c, &["SET", "big", "now a string"]);
    wait_lazyfree_done(&mut c);
    assert_eq!(info_int(&mut c, "lazyfreed_objects"), 2);
    assert_err(r(&mut c, &["FLUSHALL", "LATER"]), "ERR syntax error");
}
