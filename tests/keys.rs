//! Generic keyspace commands over TCP: DEL/UNLINK/EXISTS/TYPE, KEYS and SCAN,
//! RANDOMKEY, RENAME, TOUCH, the database commands (SELECT, SWAPDB, MOVE,
//! COPY, FLUSHDB, FLUSHALL), OBJECT, and expiry (EXPIRE family, TTL family,
//! PERSIST, lazy and active expiry). Expected replies were checked against
//! Redis 7.0.

mod common;

use std::collections::HashSet;
use std::time::{Duration, Instant};

use common::{assert_err, q, r};
use redis::{Connection, Value};

fn set(c: &mut Connection, k: &str, v: &str) {
    let _: () = q(c, &["SET", k, v]);
}

fn get(c: &mut Connection, k: &str) -> Option<String> {
    q(c, &["GET", k])
}

fn dbsize(c: &mut Connection) -> i64 {
    q(c, &["DBSIZE"])
}

fn ttl(c: &mut Connection, k: &str) -> i64 {
    q(c, &["TTL", k])
}

fn sorted_keys(c: &mut Connection, pattern: &str) -> Vec<String> {
    let mut v: Vec<String> = q(c, &["KEYS", pattern]);
    v.sort();
    v
}

fn now_ms() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis() as i64
}

/// Polls `cond` every 20 ms until it holds or `secs` pass; returns whether it held.
fn wait_until(secs: u64, mut cond: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + Duration::from_secs(secs);
    while Instant::now() < deadline {
        if cond() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    cond()
}

/// Runs a full SCAN with the given extra arguments; returns every key seen.
fn scan_all(c: &mut Connection, extra: &[&str]) -> Vec<String> {
    let mut cursor = "0".to_string();
    let mut out = Vec::new();
    for _ in 0..100_000 {
        let mut args = vec!["SCAN", cursor.as_str()];
        args.extend_from_slice(extra);
        let (next, keys): (String, Vec<String>) = q(c, &args);
        out.extend(keys);
        cursor = next;
        if cursor == "0" {
            return out;
        }
    }
    panic!("SCAN did not terminate");
}

#[test]
fn del_unlink_exists() {
    let srv = common::Server::start();
    let mut c = srv.conn();
    let _: () = q(&mut c, &["MSET", "a", "1", "b", "2", "c", "3", "d", "4"]);
    assert_eq!(q::<i64>(&mut c, &["EXISTS", "a"]), 1);
    assert_eq!(q::<i64>(&mut c, &["EXISTS", "a", "a", "nokey", "b"]), 3);
    assert_eq!(q::<i64>(&mut c, &["DEL", "a", "nokey"]), 1);
    assert_eq!(q::<i64>(&mut c, &["DEL", "a"]), 0);
    // A key named twice is deleted once.
    assert_eq!(q::<i64>(&mut c, &["DEL", "b", "b"]), 1);
    assert_eq!(q::<i64>(&mut c, &["UNLINK", "c", "d", "nokey"]), 2);
    assert_eq!(q::<i64>(&mut c, &["EXISTS", "a", "b", "c", "d"]), 0);
    assert_eq!(dbsize(&mut c), 0);
    assert_err(r(&mut c, &["DEL"]), "ERR wrong number of arguments for 'del' command");
    assert_err(r(&mut c, &["UNLINK"]), "ERR wrong number of arguments for 'unlink' command");
    assert_err(r(&mut c, &["EXISTS"]), "ERR wrong number of arguments for 'exists' command");
}

#[test]
fn type_command() {
    let srv = common::Server::start();
    let mut c = srv.conn();
    set(&mut c, "s", "v");
    set(&mut c, "n", "12");
    let t = r(&mut c, &["TYPE", "s"]).unwrap();
    assert_eq!(t, Value::SimpleString("string".into()));
    assert_eq!(q::<String>(&mut c, &["TYPE", "n"]), "string");
    assert_eq!(r(&mut c, &["TYPE", "nokey"]).unwrap(), Value::SimpleString("none".into()));
    assert_err(r(&mut c, &["TYPE"]), "ERR wrong number of arguments for 'type' command");
}

#[test]
fn keys_glob_patterns() {
    let srv = common::Server::start();
    let mut c = srv.conn();
    for k in ["hello", "hallo", "hxllo", "hllo", "heeeello", "h[a]llo", "h*llo", "h?llo", "h\\llo", "foo", "Hello"] {
        set(&mut c, k, "1");
    }
    let all = sorted_keys(&mut c, "*");
    assert_eq!(all.len(), 11);
    assert_eq!(sorted_keys(&mut c, "h?llo"), ["h*llo", "h?llo", "h\\llo", "hallo", "hello", "hxllo"]);
    assert_eq!(
        sorted_keys(&mut c, "h*llo"),
        ["h*llo", "h?llo", "h[a]llo", "h\\llo", "hallo", "heeeello", "hello", "hllo", "hxllo"]
    );
    assert_eq!(sorted_keys(&mut c, "h[ae]llo"), ["hallo", "hello"]);
    assert_eq!(sorted_keys(&mut c, "h[^e]llo"), ["h*llo", "h?llo", "h\\llo", "hallo", "hxllo"]);
    assert_eq!(sorted_keys(&mut c, "h[a-b]llo"), ["hallo"]);
    assert_eq!(sorted_keys(&mut c, "h[a-z]llo"), ["hallo", "hello", "hxllo"]);
    // Reversed ranges match too.
    assert_eq!(sorted_keys(&mut c, "[z-a]oo"), ["foo"]);
    // Escapes make the special characters literal.
    assert_eq!(sorted_keys(&mut c, "h\\*llo"), ["h*llo"]);
    assert_eq!(sorted_keys(&mut c, "h\\?llo"), ["h?llo"]);
    assert_eq!(sorted_keys(&mut c, "h\\[a\\]llo"), ["h[a]llo"]);
    assert_eq!(sorted_keys(&mut c, "h\\\\llo"), ["h\\llo"]);
    // Matching is case-sensitive.
    assert_eq!(sorted_keys(&mut c, "H*"), ["Hello"]);
    assert_eq!(sorted_keys(&mut c, "f*"), ["foo"]);
    assert_eq!(sorted_keys(&mut c, "*o"), all);
    assert!(sorted_keys(&mut c, "nomatch*").is_empty());
    assert!(sorted_keys(&mut c, "").is_empty());
    // Unterminated brackets are handled without error.
    assert!(sorted_keys(&mut c, "h[a-").is_empty());
    assert!(sorted_keys(&mut c, "f[^").is_empty());
    assert_err(r(&mut c, &["KEYS"]), "ERR wrong number of arguments for 'keys' command");
}

#[test]
fn keys_binary_and_empty_db() {
    let srv = common::Server::start();
    let mut c = srv.conn();
    assert!(sorted_keys(&mut c, "*").is_empty());
    let _: () = redis::cmd("SET").arg(b"a\0b").arg(1).query(&mut c).unwrap();
    let _: () = redis::cmd("SET").arg(b"a\r\nb").arg(1).query(&mut c).unwrap();
    let mut v: Vec<Vec<u8>> = redis::cmd("KEYS").arg("a?b").query(&mut c).unwrap();
    v.sort();
    assert_eq!(v, vec![b"a\0b".to_vec()]);
    let v: Vec<Vec<u8>> = redis::cmd("KEYS").arg("a*b").query(&mut c).unwrap();
    assert_eq!(v.len(), 2);
}

#[test]
fn scan_basics() {
    let srv = common::Server::start();
    let mut c = srv.conn();
    // Empty database.
    let (cur, keys): (String, Vec<String>) = q(&mut c, &["SCAN", "0"]);
    assert_eq!(cur, "0");
    assert!(keys.is_empty());
    for i in 0..1000 {
        set(&mut c, &format!("key:{i}"), "v");
    }
    for i in 0..100 {
        set(&mut c, &format!("other:{i}"), "v");
    }
    let all: HashSet<String> = scan_all(&mut c, &[]).into_iter().collect();
    assert_eq!(all.len(), 1100);
    let matched: HashSet<String> = scan_all(&mut c, &["MATCH", "other:*"]).into_iter().collect();
    assert_eq!(matched, (0..100).map(|i| format!("other:{i}")).collect());
    let matched: HashSet<String> = scan_all(&mut c, &["MATCH", "key:1?", "COUNT", "1000"]).into_iter().collect();
    assert_eq!(matched, (10..20).map(|i| format!("key:{i}")).collect());
    let typed: HashSet<String> = scan_all(&mut c, &["TYPE", "string", "COUNT", "7"]).into_iter().collect();
    assert_eq!(typed.len(), 1100);
    assert!(scan_all(&mut c, &["TYPE", "list"]).is_empty());
    assert!(scan_all(&mut c, &["TYPE", "nosuchtype"]).is_empty());
    // A large COUNT returns everything in one call.
    let (cur, keys): (String, Vec<String>) = q(&mut c, &["SCAN", "0", "COUNT", "100000"]);
    assert_eq!(cur, "0");
    assert_eq!(keys.len(), 1100);
}

#[test]
fn scan_errors_and_cursor_syntax() {
    let srv = common::Server::start();
    let mut c = srv.conn();
    set(&mut c, "k", "v");
    assert_err(r(&mut c, &["SCAN", "abc"]), "ERR invalid cursor");
    assert_err(r(&mut c, &["SCAN", " 0"]), "ERR invalid cursor");
    assert_err(r(&mut c, &["SCAN", "0x"]), "ERR invalid cursor");
    assert_err(r(&mut c, &["SCAN", "18446744073709551616"]), "ERR invalid cursor");
    assert_err(r(&mut c, &["SCAN", "0", "COUNT", "0"]), "ERR syntax error");
    assert_err(r(&mut c, &["SCAN", "0", "COUNT", "-1"]), "ERR syntax error");
    assert_err(r(&mut c, &["SCAN", "0", "COUNT", "x"]), "ERR value is not an integer or out of range");
    assert_err(r(&mut c, &["SCAN", "0", "MATCH"]), "ERR syntax error");
    assert_err(r(&mut c, &["SCAN", "0", "FOO", "bar"]), "ERR syntax error");
    assert_err(r(&mut c, &["SCAN"]), "ERR wrong number of arguments for 'scan' command");
    // Cursors are read like strtoul does: a sign is accepted, -1 is the largest cursor.
    let (cur, _): (String, Vec<String>) = q(&mut c, &["SCAN", "+0"]);
    assert_eq!(cur, "0");
    let (cur, _): (String, Vec<String>) = q(&mut c, &["SCAN", "-1"]);
    assert_eq!(cur, "0");
    let (cur, _): (String, Vec<String>) = q(&mut c, &["SCAN", "18446744073709551615"]);
    assert_eq!(cur, "0");
}

#[test]
fn scan_returns_every_key_present_throughout_while_inserting_and_deleting() {
    let srv = common::Server::start();
    let mut c = srv.conn();
    let stable: Vec<String> = (0..2000).map(|i| format!("stable:{i}")).collect();
    for chunk in stable.chunks(500) {
        let mut cmd = redis::cmd("MSET");
        for k in chunk {
            cmd.arg(k).arg("v");
        }
        let _: () = cmd.query(&mut c).unwrap();
    }
    let mut seen: HashSet<String> = HashSet::new();
    let mut cursor = "0".to_string();
    let mut round = 0u32;
    loop {
        let (next, keys): (String, Vec<String>) = q(&mut c, &["SCAN", &cursor, "COUNT", "20"]);
        seen.extend(keys);
        // Grow the table a lot early (rehashing under the cursor), then delete the
        // extra keys again so it can shrink before the scan ends.
        if round < 40 {
            let mut cmd = redis::cmd("MSET");
            for i in 0..500 {
                cmd.arg(format!("extra:{round}:{i}")).arg("v");
            }
            let _: () = cmd.query(&mut c).unwrap();
        } else if round < 80 {
            let mut cmd = redis::cmd("DEL");
            for i in 0..500 {
                cmd.arg(format!("extra:{}:{i}", round - 40));
            }
            let _: i64 = cmd.query(&mut c).unwrap();
        }
        round += 1;
        assert!(round < 100_000, "SCAN did not terminate");
        cursor = next;
        if cursor == "0" {
            break;
        }
    }
    let missing: Vec<&String> = stable.iter().filter(|k| !seen.contains(*k)).collect();
    assert!(
        missing.is_empty(),
        "{} stable keys never returned, e.g. {:?}",
        missing.len(),
        &missing[..missing.len().min(5)]
    );
}

#[test]
fn randomkey() {
    let srv = common::Server::start();
    let mut c = srv.conn();
    assert_eq!(r(&mut c, &["RANDOMKEY"]).unwrap(), Value::Nil);
    let keys: HashSet<String> = (0..50).map(|i| format!("k{i}")).collect();
    for k in &keys {
        set(&mut c, k, "v");
    }
    let mut seen = HashSet::new();
    for _ in 0..500 {
        let k: String = q(&mut c, &["RANDOMKEY"]);
        assert!(keys.contains(&k), "unknown key {k}");
        seen.insert(k);
    }
    // 500 draws from 50 keys: more than one distinct key, for any sane sampling.
    assert!(seen.len() > 10, "only {} distinct keys", seen.len());
    assert_err(r(&mut c, &["RANDOMKEY", "x"]), "ERR wrong number of arguments for 'randomkey' command");
}

#[test]
fn rename_and_renamenx() {
    let srv = common::Server::start();
    let mut c = srv.conn();
    assert_err(r(&mut c, &["RENAME", "nokey", "x"]), "ERR no such key");
    assert_err(r(&mut c, &["RENAMENX", "nokey", "x"]), "ERR no such key");
    set(&mut c, "a", "1");
    let _: () = q(&mut c, &["EXPIRE", "a", "100"]);
    assert_eq!(r(&mut c, &["RENAME", "a", "b"]).unwrap(), Value::Okay);
    assert_eq!(get(&mut c, "a"), None);
    assert_eq!(get(&mut c, "b").as_deref(), Some("1"));
    // The TTL travels with the value.
    assert!((99..=100).contains(&ttl(&mut c, "b")));
    // Overwriting a destination drops the destination's TTL too.
    set(&mut c, "c", "2");
    let _: () = q(&mut c, &["EXPIRE", "c", "50"]);
    set(&mut c, "d", "3");
    assert_eq!(r(&mut c, &["RENAME", "d", "c"]).unwrap(), Value::Okay);
    assert_eq!(get(&mut c, "c").as_deref(), Some("3"));
    assert_eq!(ttl(&mut c, "c"), -1);
    // Same name: OK / 0, nothing changes.
    assert_eq!(r(&mut c, &["RENAME", "c", "c"]).unwrap(), Value::Okay);
    assert_eq!(get(&mut c, "c").as_deref(), Some("3"));
    assert_eq!(q::<i64>(&mut c, &["RENAMENX", "c", "c"]), 0);
    assert_eq!(q::<i64>(&mut c, &["RENAMENX", "c", "b"]), 0);
    assert_eq!(get(&mut c, "c").as_deref(), Some("3"));
    assert_eq!(q::<i64>(&mut c, &["RENAMENX", "c", "e"]), 1);
    assert_eq!(get(&mut c, "e").as_deref(), Some("3"));
    assert_eq!(q::<i64>(&mut c, &["EXISTS", "c"]), 0);
    // Binary names.
    let _: () = redis::cmd("RENAME").arg("e").arg(b"e\0\r\n").query(&mut c).unwrap();
    let v: String = redis::cmd("GET").arg(b"e\0\r\n").query(&mut c).unwrap();
    assert_eq!(v, "3");
    assert_err(r(&mut c, &["RENAME", "a"]), "ERR wrong number of arguments for 'rename' command");
}

#[test]
fn touch_and_object() {
    let srv = common::Server::start();
    let mut c = srv.conn();
    set(&mut c, "a", "hello");
    set(&mut c, "n", "123");
    assert_eq!(q::<i64>(&mut c, &["TOUCH", "a", "nokey", "n"]), 2);
    assert_eq!(q::<i64>(&mut c, &["TOUCH", "a", "a"]), 2);
    assert_eq!(q::<String>(&mut c, &["OBJECT", "ENCODING", "a"]), "embstr");
    assert_eq!(q::<String>(&mut c, &["object", "encoding", "n"]), "int");
    assert_eq!(r(&mut c, &["OBJECT", "ENCODING", "nokey"]).unwrap(), Value::Nil);
    assert_eq!(q::<i64>(&mut c, &["OBJECT", "REFCOUNT", "a"]), 1);
    // Small integers are shared objects in Redis.
    assert_eq!(q::<i64>(&mut c, &["OBJECT", "REFCOUNT", "n"]), 2147483647);
    assert_eq!(r(&mut c, &["OBJECT", "REFCOUNT", "nokey"]).unwrap(), Value::Nil);
    let idle: i64 = q(&mut c, &["OBJECT", "IDLETIME", "a"]);
    assert!((0..=1).contains(&idle), "idle {idle}");
    assert_eq!(r(&mut c, &["OBJECT", "IDLETIME", "nokey"]).unwrap(), Value::Nil);
    assert_err(r(&mut c, &["OBJECT", "FREQ", "a"]), "ERR An LFU maxmemory policy is not selected");
    assert_err(r(&mut c, &["OBJECT", "FOO", "a"]), "ERR unknown subcommand 'FOO'. Try OBJECT HELP.");
    assert_err(r(&mut c, &["OBJECT"]), "ERR wrong number of arguments for 'object' command");
    assert_err(r(&mut c, &["OBJECT", "ENCODING"]), "ERR wrong number of arguments for 'object|encoding' command");
    assert_err(r(&mut c, &["TOUCH"]), "ERR wrong number of arguments for 'touch' command");
}

#[test]
fn object_help() {
    let srv = common::Server::start();
    let mut c = srv.conn();
    let lines: Vec<String> = q(&mut c, &["OBJECT", "HELP"]);
    assert!(lines[0].starts_with("OBJECT <subcommand>"), "{lines:?}");
    for sub in ["ENCODING <key>", "FREQ <key>", "IDLETIME <key>", "REFCOUNT <key>", "HELP"] {
        assert!(lines.iter().any(|l| l == sub), "missing {sub} in {lines:?}");
    }
}

#[test]
fn object_help_last_line() {
    let srv = common::Server::start();
    let mut c = srv.conn();
    let lines: Vec<String> = q(&mut c, &["OBJECT", "HELP"]);
    assert_eq!(lines.last().map(String::as_str), Some("    Prints this help."));
}

#[test]
fn object_idletime_grows_and_resets_on_access() {
    let srv = common::Server::start();
    let mut c = srv.conn();
    set(&mut c, "k", "v");
    let grew = wait_until(6, || q::<i64>(&mut c, &["OBJECT", "IDLETIME", "k"]) >= 2);
    assert!(grew, "OBJECT IDLETIME never reached 2");
    // OBJECT itself does not touch the key; GET does.
    let _: Option<String> = q(&mut c, &["GET", "k"]);
    let idle: i64 = q(&mut c, &["OBJECT", "IDLETIME", "k"]);
    assert!(idle <= 1, "idle {idle} after GET");
    let grew = wait_until(6, || q::<i64>(&mut c, &["OBJECT", "IDLETIME", "k"]) >= 2);
    assert!(grew);
    assert_eq!(q::<i64>(&mut c, &["TOUCH", "k"]), 1);
    let idle: i64 = q(&mut c, &["OBJECT", "IDLETIME", "k"]);
    assert!(idle <= 1, "idle {idle} after TOUCH");
}

#[test]
fn select_and_dbsize() {
    let srv = common::Server::start();
    let mut c = srv.conn();
    set(&mut c, "k", "db0");
    assert_eq!(r(&mut c, &["SELECT", "1"]).unwrap(), Value::Okay);
    assert_eq!(get(&mut c, "k"), None);
    assert_eq!(dbsize(&mut c), 0);
    set(&mut c, "k", "db1");
    set(&mut c, "k2", "db1");
    assert_eq!(dbsize(&mut c), 2);
    let _: () = q(&mut c, &["SELECT", "15"]);
    assert_eq!(dbsize(&mut c), 0);
    let _: () = q(&mut c, &["SELECT", "0"]);
    assert_eq!(get(&mut c, "k").as_deref(), Some("db0"));
    assert_eq!(dbsize(&mut c), 1);
    assert_err(r(&mut c, &["SELECT", "16"]), "ERR DB index is out of range");
    assert_err(r(&mut c, &["SELECT", "-1"]), "ERR DB index is out of range");
    assert_err(r(&mut c, &["SELECT", "x"]), "ERR value is not an integer or out of range");
    assert_err(r(&mut c, &["DBSIZE", "x"]), "ERR wrong number of arguments for 'dbsize' command");
}

#[test]
fn swapdb() {
    let srv = common::Server::start();
    let mut c = srv.conn();
    let mut other = srv.conn();
    let _: () = q(&mut other, &["SELECT", "1"]);
    set(&mut c, "a", "from0");
    set(&mut other, "b", "from1");
    assert_eq!(r(&mut c, &["SWAPDB", "0", "1"]).unwrap(), Value::Okay);
    // Clients stay on their index and see the swapped contents.
    assert_eq!(get(&mut c, "b").as_deref(), Some("from1"));
    assert_eq!(get(&mut c, "a"), None);
    assert_eq!(get(&mut other, "a").as_deref(), Some("from0"));
    assert_eq!(r(&mut c, &["SWAPDB", "0", "0"]).unwrap(), Value::Okay);
    assert_eq!(get(&mut c, "b").as_deref(), Some("from1"));
    assert_err(r(&mut c, &["SWAPDB", "0", "16"]), "ERR DB index is out of range");
    assert_err(r(&mut c, &["SWAPDB", "-1", "0"]), "ERR DB index is out of range");
    assert_err(r(&mut c, &["SWAPDB", "a", "0"]), "ERR invalid first DB index");
    assert_err(r(&mut c, &["SWAPDB", "0", "b"]), "ERR invalid second DB index");
    assert_err(r(&mut c, &["SWAPDB", "0"]), "ERR wrong number of arguments for 'swapdb' command");
}

#[test]
fn move_between_databases() {
    let srv = common::Server::start();
    let mut c = srv.conn();
    set(&mut c, "k", "v");
    let _: () = q(&mut c, &["EXPIRE", "k", "100"]);
    assert_eq!(q::<i64>(&mut c, &["MOVE", "k", "1"]), 1);
    assert_eq!(q::<i64>(&mut c, &["EXISTS", "k"]), 0);
    assert_eq!(q::<i64>(&mut c, &["MOVE", "k", "1"]), 0);
    let _: () = q(&mut c, &["SELECT", "1"]);
    assert_eq!(get(&mut c, "k").as_deref(), Some("v"));
    assert!((99..=100).contains(&ttl(&mut c, "k")));
    // An existing key in the target blocks the move.
    let _: () = q(&mut c, &["SELECT", "0"]);
    set(&mut c, "k", "other");
    assert_eq!(q::<i64>(&mut c, &["MOVE", "k", "1"]), 0);
    assert_eq!(get(&mut c, "k").as_deref(), Some("other"));
    assert_err(r(&mut c, &["MOVE", "k", "0"]), "ERR source and destination objects are the same");
    assert_err(r(&mut c, &["MOVE", "k", "16"]), "ERR DB index is out of range");
    assert_err(r(&mut c, &["MOVE", "k", "x"]), "ERR value is not an integer or out of range");
}

#[test]
fn copy_command() {
    let srv = common::Server::start();
    let mut c = srv.conn();
    set(&mut c, "src", "v");
    let _: () = q(&mut c, &["EXPIRE", "src", "100"]);
    assert_eq!(q::<i64>(&mut c, &["COPY", "src", "dst"]), 1);
    assert_eq!(get(&mut c, "dst").as_deref(), Some("v"));
    assert!((99..=100).contains(&ttl(&mut c, "dst")));
    // The copy is independent of the source.
    let _: i64 = q(&mut c, &["APPEND", "dst", "2"]);
    assert_eq!(get(&mut c, "src").as_deref(), Some("v"));
    assert_eq!(q::<i64>(&mut c, &["COPY", "src", "dst"]), 0);
    assert_eq!(get(&mut c, "dst").as_deref(), Some("v2"));
    assert_eq!(q::<i64>(&mut c, &["COPY", "src", "dst", "REPLACE"]), 1);
    assert_eq!(get(&mut c, "dst").as_deref(), Some("v"));
    assert_eq!(q::<i64>(&mut c, &["COPY", "nokey", "dst"]), 0);
    assert_eq!(q::<i64>(&mut c, &["COPY", "src", "src", "DB", "2"]), 1);
    let _: () = q(&mut c, &["SELECT", "2"]);
    assert_eq!(get(&mut c, "src").as_deref(), Some("v"));
    let _: () = q(&mut c, &["SELECT", "0"]);
    assert_err(r(&mut c, &["COPY", "src", "src"]), "ERR source and destination objects are the same");
    assert_err(r(&mut c, &["COPY", "src", "x", "DB", "16"]), "ERR DB index is out of range");
    assert_err(r(&mut c, &["COPY", "src", "x", "DB", "abc"]), "ERR value is not an integer or out of range");
    assert_err(r(&mut c, &["COPY", "src", "x", "FOO"]), "ERR syntax error");
    assert_err(r(&mut c, &["COPY", "src"]), "ERR wrong number of arguments for 'copy' command");
}

#[test]
fn flushdb_and_flushall() {
    let srv = common::Server::start();
    let mut c = srv.conn();
    let fill = |c: &mut Connection| {
        for db in ["0", "1", "2"] {
            let _: () = q(c, &["SELECT", db]);
            let _: () = q(c, &["MSET", "a", "1", "b", "2"]);
        }
        let _: () = q(c, &["SELECT", "0"]);
    };
    let size_of = |c: &mut Connection, db: &str| -> i64 {
        let _: () = q(c, &["SELECT", db]);
        let n = dbsize(c);
        let _: () = q(c, &["SELECT", "0"]);
        n
    };
    fill(&mut c);
    assert_eq!(r(&mut c, &["FLUSHDB"]).unwrap(), Value::Okay);
    assert_eq!(size_of(&mut c, "0"), 0);
    assert_eq!(size_of(&mut c, "1"), 2);
    let _: () = q(&mut c, &["SELECT", "1"]);
    assert_eq!(r(&mut c, &["FLUSHDB", "ASYNC"]).unwrap(), Value::Okay);
    assert_eq!(dbsize(&mut c), 0);
    let _: () = q(&mut c, &["SELECT", "0"]);
    assert_eq!(size_of(&mut c, "2"), 2);
    assert_eq!(r(&mut c, &["FLUSHDB", "sync"]).unwrap(), Value::Okay);
    assert_eq!(size_of(&mut c, "2"), 2);
    for mode in [None, Some("ASYNC"), Some("SYNC")] {
        fill(&mut c);
        let mut args = vec!["FLUSHALL"];
        args.extend(mode);
        assert_eq!(r(&mut c, &args).unwrap(), Value::Okay);
        for db in ["0", "1", "2"] {
            assert_eq!(size_of(&mut c, db), 0, "db {db} after {args:?}");
        }
    }
    assert_err(r(&mut c, &["FLUSHDB", "FOO"]), "ERR syntax error");
    assert_err(r(&mut c, &["FLUSHALL", "ASYNC", "SYNC"]), "ERR syntax error");
}

#[test]
fn expire_family_sets_deadlines() {
    let srv = common::Server::start();
    let mut c = srv.conn();
    set(&mut c, "k", "v");
    assert_eq!(q::<i64>(&mut c, &["EXPIRE", "k", "100"]), 1);
    assert!((99..=100).contains(&ttl(&mut c, "k")));
    assert_eq!(q::<i64>(&mut c, &["PEXPIRE", "k", "200000"]), 1);
    let p: i64 = q(&mut c, &["PTTL", "k"]);
    assert!((190_000..=200_000).contains(&p), "pttl {p}");
    let at = now_ms() / 1000 + 300;
    assert_eq!(q::<i64>(&mut c, &["EXPIREAT", "k", &at.to_string()]), 1);
    assert_eq!(q::<i64>(&mut c, &["EXPIRETIME", "k"]), at);
    assert_eq!(q::<i64>(&mut c, &["PEXPIRETIME", "k"]), at * 1000);
    let pat = now_ms() + 400_000;
    assert_eq!(q::<i64>(&mut c, &["PEXPIREAT", "k", &pat.to_string()]), 1);
    assert_eq!(q::<i64>(&mut c, &["PEXPIRETIME", "k"]), pat);
    // EXPIRETIME rounds to the nearest second.
    assert_eq!(q::<i64>(&mut c, &["EXPIRETIME", "k"]), (pat + 500) / 1000);
    // Missing keys.
    assert_eq!(q::<i64>(&mut c, &["EXPIRE", "nokey", "100"]), 0);
    assert_eq!(q::<i64>(&mut c, &["PEXPIREAT", "nokey", "1"]), 0);
    assert_eq!(ttl(&mut c, "nokey"), -2);
    assert_eq!(q::<i64>(&mut c, &["PTTL", "nokey"]), -2);
    assert_eq!(q::<i64>(&mut c, &["EXPIRETIME", "nokey"]), -2);
    assert_eq!(q::<i64>(&mut c, &["PEXPIRETIME", "nokey"]), -2);
    // Keys without a deadline.
    set(&mut c, "p", "v");
    assert_eq!(ttl(&mut c, "p"), -1);
    assert_eq!(q::<i64>(&mut c, &["PTTL", "p"]), -1);
    assert_eq!(q::<i64>(&mut c, &["EXPIRETIME", "p"]), -1);
    assert_eq!(q::<i64>(&mut c, &["PEXPIRETIME", "p"]), -1);
    // A deadline in the past deletes the key.
    for args in [
        ["EXPIRE", "d", "-1"],
        ["EXPIRE", "d", "0"],
        ["PEXPIRE", "d", "0"],
        ["EXPIREAT", "d", "1"],
        ["PEXPIREAT", "d", "1"],
    ] {
        set(&mut c, "d", "v");
        assert_eq!(q::<i64>(&mut c, &args), 1, "{args:?}");
        assert_eq!(q::<i64>(&mut c, &["EXISTS", "d"]), 0, "{args:?}");
    }
}

#[test]
fn expire_nx_xx_gt_lt() {
    let srv = common::Server::start();
    let mut c = srv.conn();
    set(&mut c, "k", "v");
    // No TTL yet: XX and GT fail, NX and LT succeed (no TTL counts as infinite).
    assert_eq!(q::<i64>(&mut c, &["EXPIRE", "k", "100", "XX"]), 0);
    assert_eq!(q::<i64>(&mut c, &["EXPIRE", "k", "100", "GT"]), 0);
    assert_eq!(ttl(&mut c, "k"), -1);
    assert_eq!(q::<i64>(&mut c, &["EXPIRE", "k", "100", "NX"]), 1);
    assert_eq!(q::<i64>(&mut c, &["EXPIRE", "k", "50", "NX"]), 0);
    assert!((99..=100).contains(&ttl(&mut c, "k")));
    assert_eq!(q::<i64>(&mut c, &["EXPIRE", "k", "200", "XX"]), 1);
    assert!((199..=200).contains(&ttl(&mut c, "k")));
    assert_eq!(q::<i64>(&mut c, &["EXPIRE", "k", "100", "GT"]), 0);
    assert_eq!(q::<i64>(&mut c, &["EXPIRE", "k", "300", "GT"]), 1);
    assert!((299..=300).contains(&ttl(&mut c, "k")));
    assert_eq!(q::<i64>(&mut c, &["EXPIRE", "k", "400", "LT"]), 0);
    assert_eq!(q::<i64>(&mut c, &["EXPIRE", "k", "150", "lt"]), 1);
    assert!((149..=150).contains(&ttl(&mut c, "k")));
    assert_eq!(q::<i64>(&mut c, &["EXPIRE", "k", "500", "XX", "GT"]), 1);
    assert!((499..=500).contains(&ttl(&mut c, "k")));
    assert_eq!(q::<i64>(&mut c, &["PEXPIRE", "k", "1000", "XX", "GT"]), 0);
    set(&mut c, "p", "v");
    assert_eq!(q::<i64>(&mut c, &["EXPIRE", "p", "100", "LT"]), 1);
    assert!((99..=100).contains(&ttl(&mut c, "p")));
    let at = (now_ms() / 1000 + 1000).to_string();
    assert_eq!(q::<i64>(&mut c, &["EXPIREAT", "p", &at, "GT"]), 1);
    assert_eq!(q::<i64>(&mut c, &["PEXPIREAT", "p", "1", "GT"]), 0);
    // A past deadline with LT deletes the key.
    assert_eq!(q::<i64>(&mut c, &["EXPIRE", "p", "-5", "LT"]), 1);
    assert_eq!(q::<i64>(&mut c, &["EXISTS", "p"]), 0);

    let nx_msg = "ERR NX and XX, GT or LT options at the same time are not compatible";
    assert_err(r(&mut c, &["EXPIRE", "k", "10", "NX", "XX"]), nx_msg);
    assert_err(r(&mut c, &["EXPIRE", "k", "10", "NX", "GT"]), nx_msg);
    assert_err(r(&mut c, &["PEXPIRE", "k", "10", "LT", "NX"]), nx_msg);
    assert_err(
        r(&mut c, &["EXPIRE", "k", "10", "GT", "LT"]),
        "ERR GT and LT options at the same time are not compatible",
    );
    assert_err(r(&mut c, &["EXPIRE", "k", "10", "FOO"]), "ERR Unsupported option FOO");
    assert!((499..=500).contains(&ttl(&mut c, "k")));
}

#[test]
fn expire_errors() {
    let srv = common::Server::start();
    let mut c = srv.conn();
    set(&mut c, "k", "v");
    assert_err(r(&mut c, &["EXPIRE", "k", "abc"]), "ERR value is not an integer or out of range");
    assert_err(r(&mut c, &["EXPIRE", "k", "1.5"]), "ERR value is not an integer or out of range");
    assert_err(r(&mut c, &["EXPIRE", "k", "9223372036854775807"]), "ERR invalid expire time in 'expire' command");
    assert_err(r(&mut c, &["EXPIRE", "k", "-9223372036854775808"]), "ERR invalid expire time in 'expire' command");
    assert_err(r(&mut c, &["PEXPIRE", "k", "9223372036854775807"]), "ERR invalid expire time in 'pexpire' command");
    assert_err(r(&mut c, &["EXPIREAT", "k", "9223372036854775807"]), "ERR invalid expire time in 'expireat' command");
    assert_err(r(&mut c, &["EXPIRE", "k"]), "ERR wrong number of arguments for 'expire' command");
    assert_err(r(&mut c, &["TTL"]), "ERR wrong number of arguments for 'ttl' command");
    assert_eq!(ttl(&mut c, "k"), -1);
    // The largest PEXPIREAT is accepted.
    assert_eq!(q::<i64>(&mut c, &["PEXPIREAT", "k", "9223372036854775807"]), 1);
    assert_eq!(q::<i64>(&mut c, &["PEXPIRETIME", "k"]), i64::MAX);
}

#[test]
fn persist() {
    let srv = common::Server::start();
    let mut c = srv.conn();
    set(&mut c, "k", "v");
    assert_eq!(q::<i64>(&mut c, &["PERSIST", "k"]), 0);
    let _: () = q(&mut c, &["EXPIRE", "k", "100"]);
    assert_eq!(q::<i64>(&mut c, &["PERSIST", "k"]), 1);
    assert_eq!(ttl(&mut c, "k"), -1);
    assert_eq!(q::<i64>(&mut c, &["PERSIST", "k"]), 0);
    assert_eq!(q::<i64>(&mut c, &["PERSIST", "nokey"]), 0);
    assert_eq!(get(&mut c, "k").as_deref(), Some("v"));
}

#[test]
fn ttl_rounds_to_nearest_second() {
    let srv = common::Server::start();
    let mut c = srv.conn();
    set(&mut c, "k", "v");
    let _: () = q(&mut c, &["PEXPIRE", "k", "100700"]);
    // 100.7 s left (minus a few ms of test time) reads as 101 s in Redis.
    assert_eq!(ttl(&mut c, "k"), 101);
}

#[test]
fn lazy_expiry_on_access() {
    let srv = common::Server::start_with(&["--enable-debug-command", "yes"]);
    let mut c = srv.conn();
    let _: () = q(&mut c, &["DEBUG", "SET-ACTIVE-EXPIRE", "0"]);
    for k in ["get", "exists", "ttl", "type", "set-xx", "incr"] {
        let _: () = q(&mut c, &["SET", k, "1", "PX", "100"]);
    }
    set(&mut c, "keep", "v");
    // Past the deadline (no timing assertion: we only wait longer than 100 ms).
    std::thread::sleep(Duration::from_millis(300));
    // Nothing expires them actively, so they are still counted.
    assert_eq!(dbsize(&mut c), 7);
    assert_eq!(get(&mut c, "get"), None);
    assert_eq!(q::<i64>(&mut c, &["EXISTS", "exists"]), 0);
    assert_eq!(ttl(&mut c, "ttl"), -2);
    assert_eq!(q::<String>(&mut c, &["TYPE", "type"]), "none");
    assert_eq!(r(&mut c, &["SET", "set-xx", "2", "XX"]).unwrap(), Value::Nil);
    assert_eq!(q::<i64>(&mut c, &["INCR", "incr"]), 1);
    let keys = sorted_keys(&mut c, "*");
    assert_eq!(keys, ["incr", "keep"]);
    let scanned: HashSet<String> = scan_all(&mut c, &[]).into_iter().collect();
    assert_eq!(scanned, ["incr", "keep"].iter().map(|s| s.to_string()).collect());
    assert!(wait_until(5, || dbsize(&mut c) == 2), "expired keys still counted after access");
    // Turning active expiry back on works.
    let _: () = q(&mut c, &["DEBUG", "SET-ACTIVE-EXPIRE", "1"]);
}

#[test]
fn active_expiry_removes_untouched_keys() {
    let srv = common::Server::start();
    let mut c = srv.conn();
    for i in 0..200 {
        let _: () = q(&mut c, &["SET", &format!("vol:{i}"), "v", "PX", "100"]);
    }
    for i in 0..50 {
        set(&mut c, &format!("keep:{i}"), "v");
    }
    assert_eq!(dbsize(&mut c), 250);
    // Only DBSIZE is called: it never touches a key, so only the cron can expire them.
    let done = wait_until(5, || dbsize(&mut c) == 50);
    assert!(done, "DBSIZE still {} after 5 s", dbsize(&mut c));
    for i in 0..50 {
        assert_eq!(get(&mut c, &format!("keep:{i}")).as_deref(), Some("v"));
    }
}

#[test]
fn expire_is_per_database_and_survives_swapdb() {
    let srv = common::Server::start();
    let mut c = srv.conn();
    let _: () = q(&mut c, &["SELECT", "3"]);
    let _: () = q(&mut c, &["SET", "k", "v", "PX", "100"]);
    let _: () = q(&mut c, &["SWAPDB", "3", "4"]);
    let _: () = q(&mut c, &["SELECT", "4"]);
    assert_eq!(dbsize(&mut c), 1);
    assert!(wait_until(5, || dbsize(&mut c) == 0), "key in swapped db never expired");
}

/// Every command sees a logically expired key (still stored, active expiry off)
/// as missing.
#[test]
fn every_command_treats_an_expired_key_as_missing() {
    let srv = common::Server::start_with(&["--enable-debug-command", "yes"]);
    let mut c = srv.conn();
    let _: () = q(&mut c, &["DEBUG", "SET-ACTIVE-EXPIRE", "0"]);
    // The RENAME error is checked separately below.
    let cases: &[(&[&str], Value)] = &[
        (&["COPY", "e", "x"], Value::Int(0)),
        (&["MOVE", "e", "1"], Value::Int(0)),
        (&["EXPIRE", "e", "100"], Value::Int(0)),
        (&["PERSIST", "e"], Value::Int(0)),
        (&["TOUCH", "e", "e2"], Value::Int(0)),
        (&["EXISTS", "e", "e2"], Value::Int(0)),
        (&["TYPE", "e"], Value::SimpleString("none".into())),
        (&["OBJECT", "ENCODING", "e"], Value::Nil),
        (&["TTL", "e"], Value::Int(-2)),
        (&["PEXPIRETIME", "e"], Value::Int(-2)),
        (&["GET", "e"], Value::Nil),
        (&["STRLEN", "e"], Value::Int(0)),
        (&["GETRANGE", "e", "0", "-1"], Value::BulkString(vec![])),
        (&["MGET", "e", "e2"], Value::Array(vec![Value::Nil, Value::Nil])),
        (&["GETEX", "e", "EX", "10"], Value::Nil),
        (&["GETDEL", "e"], Value::Nil),
        (&["GETSET", "e", "new"], Value::Nil),
        (&["SET", "e", "new", "XX"], Value::Nil),
        (&["SET", "e", "new", "NX", "GET"], Value::Nil),
        (&["SETNX", "e", "1"], Value::Int(1)),
        (&["MSETNX", "e", "1", "e2", "2"], Value::Int(1)),
        (&["APPEND", "e", "x"], Value::Int(1)),
        (&["SETRANGE", "e", "2", "x"], Value::Int(3)),
        (&["INCR", "e"], Value::Int(1)),
        (&["INCRBYFLOAT", "e", "1.5"], Value::BulkString(b"1.5".to_vec())),
        (&["LCS", "e", "e2"], Value::BulkString(vec![])),
        (&["RANDOMKEY"], Value::Nil),
        (&["KEYS", "*"], Value::Array(vec![])),
    ];
    let expired_pair = |c: &mut Connection| {
        let _: () = q(c, &["FLUSHALL"]);
        let _: () = q(c, &["SET", "e", "old", "PX", "1"]);
        let _: () = q(c, &["SET", "e2", "old", "PX", "1"]);
        // Both deadlines pass; nothing deletes the keys until they are accessed.
        std::thread::sleep(Duration::from_millis(20));
        assert_eq!(dbsize(c), 2);
    };
    for (args, want) in cases {
        expired_pair(&mut c);
        assert_eq!(&r(&mut c, args).unwrap(), want, "{args:?}");
    }
    for args in [["RENAME", "e", "x"], ["RENAMENX", "e", "x"]] {
        expired_pair(&mut c);
        assert_err(r(&mut c, &args), "ERR no such key");
    }
    // A SCAN over only expired keys returns nothing.
    let _: () = q(&mut c, &["FLUSHALL"]);
    for i in 0..20 {
        let _: () = q(&mut c, &["SET", &format!("x{i}"), "v", "PX", "1"]);
    }
    std::thread::sleep(Duration::from_millis(20));
    assert!(scan_all(&mut c, &[]).is_empty());
}
