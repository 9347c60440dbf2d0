//! Persistence over TCP: RDB files moving both ways between real Redis 7.0
//! and oxidis, SAVE/BGSAVE/LASTSAVE/INFO, restarts, DEBUG RELOAD, DUMP and
//! RESTORE payloads exchanged with Redis, MISCONF.
//!
//! Tests that need a real `redis-server` (and `redis-check-rdb`) skip
//! themselves when it is not installed.

mod common;

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::persist::{contents, have, info_field, populate, Redis, TempDir};
use common::{assert_err, free_port, q, r, Server};

/// Starts oxidis with `--dir dir` (the directory is the caller's).
fn oxidis_in(dir: &TempDir, extra: &[&str]) -> Server {
    let mut args = vec!["--dir", dir.s(), "--enable-debug-command", "yes"];
    args.extend_from_slice(extra);
    Server::start_with(&args)
}

fn wait_bgsave_done(c: &mut redis::Connection) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        let info: String = q(c, &["INFO", "persistence"]);
        if info.contains("rdb_bgsave_in_progress:0") && info.contains("aof_rewrite_in_progress:0") {
            return;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    panic!("background save did not finish");
}

#[test]
fn rdb_written_by_redis_loads_into_oxidis() {
    if !have("redis-server") {
        eprintln!("redis-server not installed: skipped");
        return;
    }
    let rdir = TempDir::new("redis-src");
    let expected = {
        let redis = Redis::start(rdir.path(), &[]);
        let mut c = redis.conn();
        populate(&mut c);
        let _: () = q(&mut c, &["SAVE"]);
        contents(&mut c)
    };
    let odir = TempDir::new("ox-dst");
    std::fs::copy(rdir.path().join("dump.rdb"), odir.path().join("dump.rdb")).expect("copy");
    let s = oxidis_in(&odir, &[]);
    let mut c = s.conn();
    assert_eq!(contents(&mut c), expected);
    assert_eq!(info_field(&mut c, "rdb_last_load_keys_loaded"), expected.len().to_string());
    // Encodings follow the loading server's thresholds, as in Redis.
    let enc: String = q(&mut c, &["OBJECT", "ENCODING", "set:intset"]);
    assert_eq!(enc, "intset");
    let enc: String = q(&mut c, &["OBJECT", "ENCODING", "zset:big"]);
    assert_eq!(enc, "skiplist");
    let enc: String = q(&mut c, &["OBJECT", "ENCODING", "hash:small"]);
    assert_eq!(enc, "listpack");
}

#[test]
fn rdb_written_by_oxidis_loads_into_redis_and_passes_check() {
    if !have("redis-server") {
        eprintln!("redis-server not installed: skipped");
        return;
    }
    let odir = TempDir::new("ox-src");
    let expected = {
        let s = oxidis_in(&odir, &[]);
        let mut c = s.conn();
        populate(&mut c);
        let _: () = q(&mut c, &["SAVE"]);
        contents(&mut c)
    };
    let file = odir.path().join("dump.rdb");
    if have("redis-check-rdb") {
        let out = Command::new("redis-check-rdb").arg(&file).output().expect("redis-check-rdb");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success() && text.contains("RDB looks OK"), "redis-check-rdb: {text}");
    }
    let rdir = TempDir::new("redis-dst");
    std::fs::copy(&file, rdir.path().join("dump.rdb")).expect("copy");
    let redis = Redis::start(rdir.path(), &[]);
    let mut c = redis.conn();
    assert_eq!(contents(&mut c), expected);
}

#[test]
fn uncompressed_and_unchecksummed_files_load_both_ways() {
    if !have("redis-server") {
        eprintln!("redis-server not installed: skipped");
        return;
    }
    let odir = TempDir::new("ox-plain");
    let expected = {
        let s = oxidis_in(&odir, &["--rdbcompression", "no", "--rdbchecksum", "no"]);
        let mut c = s.conn();
        populate(&mut c);
        let _: () = q(&mut c, &["SAVE"]);
        contents(&mut c)
    };
    let bytes = std::fs::read(odir.path().join("dump.rdb")).expect("read");
    assert_eq!(&bytes[bytes.len() - 8..], &[0u8; 8], "no checksum written");
    let rdir = TempDir::new("redis-plain");
    std::fs::copy(odir.path().join("dump.rdb"), rdir.path().join("dump.rdb")).expect("copy");
    let redis = Redis::start(rdir.path(), &[]);
    let mut c = redis.conn();
    assert_eq!(contents(&mut c), expected);
}

#[test]
fn dump_payloads_move_between_redis_and_oxidis() {
    if !have("redis-server") {
        eprintln!("redis-server not installed: skipped");
        return;
    }
    let rdir = TempDir::new("redis-dump");
    let redis = Redis::start(rdir.path(), &[]);
    let mut rc = redis.conn();
    populate(&mut rc);
    let odir = TempDir::new("ox-dump");
    let s = oxidis_in(&odir, &[]);
    let mut oc = s.conn();
    let mut keys: Vec<Vec<u8>> = q(&mut rc, &["KEYS", "*"]);
    keys.sort();
    for k in &keys {
        // Redis -> oxidis.
        let payload: Vec<u8> = redis::cmd("DUMP").arg(k).query(&mut rc).expect("dump");
        let _: () = redis::cmd("RESTORE").arg(k).arg(0).arg(&payload).query(&mut oc).expect("restore into oxidis");
        // oxidis -> Redis, under another name.
        let back: Vec<u8> = redis::cmd("DUMP").arg(k).query(&mut oc).expect("dump");
        let mut other = b"copy:".to_vec();
        other.extend_from_slice(k);
        let _: () = redis::cmd("RESTORE").arg(&other).arg(0).arg(&back).query(&mut rc).expect("restore into redis");
    }
    // Every copy equals its original in Redis (type and value; the copies
    // were restored without a TTL).
    let all = contents(&mut rc);
    let parse = |l: &str| {
        let p: Vec<String> = l.splitn(5, ' ').map(String::from).collect();
        (p[1].clone(), p[2].clone(), p[4].clone())
    };
    let lines: Vec<(String, String, String)> = all.iter().filter(|l| l.starts_with("db0 ")).map(|l| parse(l)).collect();
    let mut checked = 0;
    for (key, t, v) in lines.iter().filter(|(k, _, _)| !k.starts_with("copy:")) {
        let copy = lines.iter().find(|(k, _, _)| *k == format!("copy:{key}")).expect("copy exists");
        assert_eq!((&copy.1, &copy.2), (t, v), "{key}");
        checked += 1;
    }
    assert_eq!(checked, keys.len());
}

#[test]
fn dump_restore_options_and_errors() {
    let s = Server::start();
    let mut c = s.conn();
    let _: () = q(&mut c, &["RPUSH", "l", "a", "b", "c"]);
    let payload: Vec<u8> = redis::cmd("DUMP").arg("l").query(&mut c).expect("dump");
    let none: Option<Vec<u8>> = q(&mut c, &["DUMP", "missing"]);
    assert!(none.is_none());
    // BUSYKEY without REPLACE; REPLACE works.
    assert_err(
        redis::cmd("RESTORE").arg("l").arg(0).arg(&payload).query::<()>(&mut c),
        "BUSYKEY Target key name already exists.",
    );
    let _: () = redis::cmd("RESTORE").arg("l").arg(0).arg(&payload).arg("REPLACE").query(&mut c).expect("replace");
    // TTL relative, ABSTTL absolute, an absolute time in the past creates nothing.
    let _: () = redis::cmd("RESTORE").arg("l2").arg(100000).arg(&payload).query(&mut c).expect("ttl");
    let pttl: i64 = q(&mut c, &["PTTL", "l2"]);
    assert!(pttl > 90000 && pttl <= 100000, "{pttl}");
    let at = 4_000_000_000_000i64;
    let _: () = redis::cmd("RESTORE").arg("l3").arg(at).arg(&payload).arg("ABSTTL").query(&mut c).expect("absttl");
    let when: i64 = q(&mut c, &["PEXPIRETIME", "l3"]);
    assert_eq!(when, at);
    let _: () = redis::cmd("RESTORE").arg("l4").arg(1).arg(&payload).arg("ABSTTL").query(&mut c).expect("past");
    let exists: i64 = q(&mut c, &["EXISTS", "l4"]);
    assert_eq!(exists, 0);
    let _: () =
        redis::cmd("RESTORE").arg("l5").arg(0).arg(&payload).arg("IDLETIME").arg(1000).query(&mut c).expect("idle");
    let idle: i64 = q(&mut c, &["OBJECT", "IDLETIME", "l5"]);
    assert!(idle >= 1000, "{idle}");
    let items: Vec<String> = q(&mut c, &["LRANGE", "l5", "0", "-1"]);
    assert_eq!(items, ["a", "b", "c"]);
    // Errors, as Redis words them.
    let mut bad = payload.clone();
    let n = bad.len();
    bad[n - 1] ^= 0xff;
    assert_err(
        redis::cmd("RESTORE").arg("x").arg(0).arg(&bad).query::<()>(&mut c),
        "ERR DUMP payload version or checksum are wrong",
    );
    assert_err(
        redis::cmd("RESTORE").arg("x").arg(0).arg("short").query::<()>(&mut c),
        "ERR DUMP payload version or checksum are wrong",
    );
    let mut newer = payload.clone();
    newer[n - 10] = 11;
    assert_err(
        redis::cmd("RESTORE").arg("x").arg(0).arg(&newer).query::<()>(&mut c),
        "ERR DUMP payload version or checksum are wrong",
    );
    assert_err(
        redis::cmd("RESTORE").arg("x").arg(-1).arg(&payload).query::<()>(&mut c),
        "ERR Invalid TTL value, must be >= 0",
    );
    assert_err(
        redis::cmd("RESTORE").arg("x").arg("abc").arg(&payload).query::<()>(&mut c),
        "ERR value is not an integer or out of range",
    );
    assert_err(
        redis::cmd("RESTORE").arg("x").arg(0).arg(&payload).arg("IDLETIME").arg(-1).query::<()>(&mut c),
        "ERR Invalid IDLETIME value, must be >= 0",
    );
    assert_err(
        redis::cmd("RESTORE").arg("x").arg(0).arg(&payload).arg("FREQ").arg(256).query::<()>(&mut c),
        "ERR Invalid FREQ value, must be >= 0 and <= 255",
    );
    assert_err(
        redis::cmd("RESTORE").arg("x").arg(0).arg(&payload).arg("BOGUS").query::<()>(&mut c),
        "ERR syntax error",
    );
    assert_err(r(&mut c, &["RESTORE", "x", "0"]), "ERR wrong number of arguments for 'restore' command");
    // A payload with a valid footer but garbage inside.
    let mut garbage = vec![18u8, 0x05, 1, 2, 3];
    garbage.extend_from_slice(&10u16.to_le_bytes());
    let crc = crc64_jones(&garbage);
    garbage.extend_from_slice(&crc.to_le_bytes());
    assert_err(redis::cmd("RESTORE").arg("x").arg(0).arg(&garbage).query::<()>(&mut c), "ERR Bad data format");
    // RESP3 shapes are the same.
    let mut raw = s.raw();
    let got = common::roundtrip(&mut raw, b"HELLO 3\r\nDUMP missing\r\n", 1);
    let text = String::from_utf8_lossy(&got).to_string();
    let got2 = if text.ends_with("_\r\n") {
        text
    } else {
        text + &String::from_utf8_lossy(&common::read_at_least(&mut raw, 3))
    };
    assert!(got2.ends_with("_\r\n"), "{got2}");
}

/// CRC-64/Jones as Redis computes it (bitwise, for the test only).
fn crc64_jones(data: &[u8]) -> u64 {
    let mut crc: u64 = 0;
    for &b in data {
        crc ^= b as u64;
        for _ in 0..8 {
            crc = if crc & 1 != 0 { (crc >> 1) ^ 0x95ac_9329_ac4b_c9b5 } else { crc >> 1 };
        }
    }
    crc
}

#[test]
fn save_bgsave_lastsave_and_restart() {
    let dir = TempDir::new("restart");
    let expected = {
        let s = oxidis_in(&dir, &[]);
        let mut c = s.conn();
        populate(&mut c);
        let changes: i64 = info_field(&mut c, "rdb_changes_since_last_save").parse().expect("int");
        assert!(changes > 0);
        let before: i64 = q(&mut c, &["LASTSAVE"]);
        let reply: String = q(&mut c, &["BGSAVE"]);
        assert_eq!(reply, "Background saving started");
        wait_bgsave_done(&mut c);
        assert_eq!(info_field(&mut c, "rdb_last_bgsave_status"), "ok");
        assert_eq!(info_field(&mut c, "rdb_changes_since_last_save"), "0");
        assert_eq!(info_field(&mut c, "rdb_saves"), "1");
        assert_eq!(info_field(&mut c, "total_forks"), "1");
        let after: i64 = q(&mut c, &["LASTSAVE"]);
        assert!(after >= before);
        // A change after the save, then SAVE (synchronous) writes it too.
        let _: () = q(&mut c, &["SET", "late", "1"]);
        let _: () = q(&mut c, &["SAVE"]);
        assert_err(r(&mut c, &["BGSAVE", "NOW"]), "ERR syntax error");
        contents(&mut c)
    };
    // The server was killed: what it saved is what a new one loads.
    let s = oxidis_in(&dir, &[]);
    let mut c = s.conn();
    assert_eq!(contents(&mut c), expected);
}

#[test]
fn shutdown_saves_when_save_points_exist_and_not_with_nosave() {
    let dir = TempDir::new("shutdown");
    {
        let mut s = oxidis_in(&dir, &["--save", "3600 1"]);
        let mut c = s.conn();
        let _: () = q(&mut c, &["SET", "k", "v"]);
        let _ = r(&mut c, &["SHUTDOWN"]);
        let _ = s.child.wait();
        assert!(!s.alive());
    }
    assert!(dir.path().join("dump.rdb").exists());
    {
        let mut s = oxidis_in(&dir, &["--save", ""]);
        let mut c = s.conn();
        let v: String = q(&mut c, &["GET", "k"]);
        assert_eq!(v, "v");
        let _: () = q(&mut c, &["SET", "k", "changed"]);
        // No save points: SHUTDOWN does not save; SHUTDOWN NOSAVE never does.
        let _ = r(&mut c, &["SHUTDOWN", "NOSAVE"]);
        let _ = s.child.wait();
    }
    {
        let mut s = oxidis_in(&dir, &["--save", ""]);
        let mut c = s.conn();
        let v: String = q(&mut c, &["GET", "k"]);
        assert_eq!(v, "v");
        let _: () = q(&mut c, &["SET", "k", "saved"]);
        let _ = r(&mut c, &["SHUTDOWN", "SAVE"]);
        let _ = s.child.wait();
    }
    let s = oxidis_in(&dir, &[]);
    let mut c = s.conn();
    let v: String = q(&mut c, &["GET", "k"]);
    assert_eq!(v, "saved");
}

#[test]
fn save_points_trigger_a_background_save() {
    let dir = TempDir::new("savepoint");
    let s = oxidis_in(&dir, &["--save", "1 2"]);
    let mut c = s.conn();
    let _: () = q(&mut c, &["SET", "a", "1"]);
    let _: () = q(&mut c, &["SET", "b", "2"]);
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline && info_field(&mut c, "rdb_saves") == "0" {
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(info_field(&mut c, "rdb_saves"), "1");
    assert!(dir.path().join("dump.rdb").exists());
    let save: Vec<String> = q(&mut c, &["CONFIG", "GET", "save"]);
    assert_eq!(save, ["save", "1 2"]);
}

#[test]
fn bgsave_failure_sets_misconf() {
    let dir = TempDir::new("misconf");
    let s = oxidis_in(&dir, &["--save", "3600 1"]);
    let mut c = s.conn();
    let _: () = q(&mut c, &["SET", "a", "1"]);
    // A directory where the file should be makes the child's rename fail.
    std::fs::create_dir_all(dir.path().join("dump.rdb").join("blocker")).expect("mkdir");
    let _: String = q(&mut c, &["BGSAVE"]);
    wait_bgsave_done(&mut c);
    assert_eq!(info_field(&mut c, "rdb_last_bgsave_status"), "err");
    assert_err(r(&mut c, &["SET", "b", "2"]), "MISCONF Redis is configured to save RDB snapshots");
    assert_err(r(&mut c, &["PING"]), "MISCONF");
    let v: Option<String> = q(&mut c, &["GET", "a"]);
    assert_eq!(v.as_deref(), Some("1"));
    // Turning the check off lets writes through again.
    let _: () = q(&mut c, &["CONFIG", "SET", "stop-writes-on-bgsave-error", "no"]);
    let _: () = q(&mut c, &["SET", "b", "2"]);
    let _: () = q(&mut c, &["CONFIG", "SET", "stop-writes-on-bgsave-error", "yes"]);
    std::fs::remove_dir_all(dir.path().join("dump.rdb")).expect("rm");
    let _: String = q(&mut c, &["BGSAVE"]);
    wait_bgsave_done(&mut c);
    assert_eq!(info_field(&mut c, "rdb_last_bgsave_status"), "ok");
    let _: () = q(&mut c, &["SET", "c", "3"]);
}

#[test]
fn bgsave_while_busy_and_schedule() {
    let dir = TempDir::new("busy");
    let s = oxidis_in(&dir, &["--rdb-key-save-delay", "20000"]);
    let mut c = s.conn();
    for i in 0..50 {
        let _: () = q(&mut c, &["SET", &format!("k{i}"), "v"]);
    }
    let _: String = q(&mut c, &["BGSAVE"]);
    assert_eq!(info_field(&mut c, "rdb_bgsave_in_progress"), "1");
    assert_err(r(&mut c, &["BGSAVE"]), "ERR Background save already in progress");
    assert_err(r(&mut c, &["SAVE"]), "ERR Background save already in progress");
    assert_err(r(&mut c, &["BGSAVE", "SCHEDULE"]), "ERR Background save already in progress");
    let reply: String = q(&mut c, &["BGREWRITEAOF"]);
    assert_eq!(reply, "Background append only file rewriting scheduled");
    // SHUTDOWN-free cleanup: lower the delay so the child ends soon.
    let _: () = q(&mut c, &["CONFIG", "SET", "rdb-key-save-delay", "0"]);
}

#[test]
fn debug_reload_and_debug_object() {
    let dir = TempDir::new("reload");
    let s = oxidis_in(&dir, &[]);
    let mut c = s.conn();
    populate(&mut c);
    let before = contents(&mut c);
    let _: () = q(&mut c, &["DEBUG", "RELOAD"]);
    assert_eq!(contents(&mut c), before);
    let obj: String = q(&mut c, &["DEBUG", "OBJECT", "list:small"]);
    assert!(obj.contains("encoding:quicklist") && obj.contains("serializedlength:"), "{obj}");
    let n: i64 = obj
        .split("serializedlength:")
        .nth(1)
        .and_then(|s| s.split(' ').next())
        .and_then(|s| s.parse().ok())
        .expect("len");
    assert!(n > 4 && n < 100, "{n}");
    assert_err(r(&mut c, &["DEBUG", "RELOAD", "BOGUS"]), "ERR DEBUG RELOAD only supports");
}

#[test]
fn old_and_future_encodings_load() {
    // A hand-made RDB v9 file with a zipmap hash, a ziplist list, a ziplist
    // zset, a ziplist hash, a quicklist-1 list, an old text-double zset and a
    // second-resolution expiry: what Redis 2.x-6.x wrote.
    let dir = TempDir::new("old");
    let mut f = b"REDIS0009".to_vec();
    f.extend_from_slice(&[0xfe, 0x00]);
    // zipmap hash {"a": "1"}
    let zipmap = [0x01u8, 0x01, b'a', 0x01, 0x00, b'1', 0xff];
    f.push(9);
    push_str(&mut f, b"h:zipmap");
    push_str(&mut f, &zipmap);
    // ziplist list ["x", 7]
    let zl = ziplist(&[b"x", b"7"]);
    f.push(10);
    push_str(&mut f, b"l:ziplist");
    push_str(&mut f, &zl);
    // ziplist zset {m: 2.5}
    f.push(12);
    push_str(&mut f, b"z:ziplist");
    push_str(&mut f, &ziplist(&[b"m", b"2.5"]));
    // ziplist hash {f: v}
    f.push(13);
    push_str(&mut f, b"h:ziplist");
    push_str(&mut f, &ziplist(&[b"f", b"v"]));
    // quicklist-1: two ziplist nodes
    f.push(14);
    push_str(&mut f, b"l:quicklist");
    f.push(2);
    push_str(&mut f, &ziplist(&[b"a", b"b"]));
    push_str(&mut f, &ziplist(&[b"c"]));
    // old zset with text doubles and an expiry in seconds far ahead
    f.push(0xfd);
    f.extend_from_slice(&2_000_000_000u32.to_le_bytes());
    f.push(3);
    push_str(&mut f, b"z:old");
    f.push(2);
    push_str(&mut f, b"a");
    f.push(3);
    f.extend_from_slice(b"1.5");
    push_str(&mut f, b"b");
    f.push(254);
    // plain list (type 1)
    f.push(1);
    push_str(&mut f, b"l:plain");
    f.push(1);
    push_str(&mut f, b"only");
    f.push(0xff);
    let crc = crc64_jones(&f);
    f.extend_from_slice(&crc.to_le_bytes());
    std::fs::write(dir.path().join("dump.rdb"), &f).expect("write");
    let s = oxidis_in(&dir, &[]);
    let mut c = s.conn();
    let h: Vec<String> = q(&mut c, &["HGETALL", "h:ziplist"]);
    assert_eq!(h, ["f", "v"]);
    let h: Vec<String> = q(&mut c, &["HGETALL", "h:zipmap"]);
    assert_eq!(h, ["a", "1"]);
    for (key, want) in [("l:plain", &["only"][..]), ("l:quicklist", &["a", "b", "c"]), ("l:ziplist", &["x", "7"])] {
        let l: Vec<String> = q(&mut c, &["LRANGE", key, "0", "-1"]);
        assert_eq!(l, want, "{key}");
    }
    let z: Vec<String> = q(&mut c, &["ZRANGE", "z:old", "0", "-1", "WITHSCORES"]);
    assert_eq!(z, ["a", "1.5", "b", "inf"]);
    let when: i64 = q(&mut c, &["EXPIRETIME", "z:old"]);
    assert_eq!(when, 2_000_000_000);
    let z: Vec<String> = q(&mut c, &["ZRANGE", "z:ziplist", "0", "-1", "WITHSCORES"]);
    assert_eq!(z, ["m", "2.5"]);
}

#[test]
fn streams_and_corrupt_files_are_load_errors() {
    let dir = TempDir::new("stream");
    let mut f = b"REDIS0010".to_vec();
    f.extend_from_slice(&[0xfe, 0x00, 15]);
    push_str(&mut f, b"s");
    f.extend_from_slice(&[0, 0, 0]);
    f.push(0xff);
    f.extend_from_slice(&[0; 8]);
    std::fs::write(dir.path().join("dump.rdb"), &f).expect("write");
    let out = Command::new(env!("CARGO_BIN_EXE_oxidis-server"))
        .args(["--port", &free_port().to_string(), "--dir", dir.s()])
        .output()
        .expect("run");
    assert!(!out.status.success());
    let log = String::from_utf8_lossy(&out.stdout);
    assert!(log.contains("stream"), "{log}");
    // A bad checksum stops the server too.
    let mut good = b"REDIS0010".to_vec();
    good.extend_from_slice(&[0xfe, 0x00, 0x00]);
    push_str(&mut good, b"k");
    push_str(&mut good, b"v");
    good.push(0xff);
    good.extend_from_slice(&12345u64.to_le_bytes());
    std::fs::write(dir.path().join("dump.rdb"), &good).expect("write");
    let out = Command::new(env!("CARGO_BIN_EXE_oxidis-server"))
        .args(["--port", &free_port().to_string(), "--dir", dir.s()])
        .output()
        .expect("run");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("Wrong RDB checksum"));
}

fn push_str(out: &mut Vec<u8>, s: &[u8]) {
    assert!(s.len() < 64);
    out.push(s.len() as u8);
    out.extend_from_slice(s);
}

/// A ziplist of short strings (and the integers they spell, stored as
/// immediates when in 0..=12, else as strings).
fn ziplist(items: &[&[u8]]) -> Vec<u8> {
    let mut body = Vec::new();
    let mut prev = 0usize;
    let mut last = 0usize;
    for it in items {
        let start = body.len();
        last = start;
        body.push(prev as u8);
        match std::str::from_utf8(it).ok().and_then(|s| s.parse::<u8>().ok()) {
            Some(n) if n <= 12 && it.len() == 1 + (n >= 10) as usize => body.push(0xf1 + n),
            _ => {
                body.push(it.len() as u8);
                body.extend_from_slice(it);
            }
        }
        prev = body.len() - start;
    }
    let total = 10 + body.len() + 1;
    let mut out = Vec::new();
    out.extend_from_slice(&(total as u32).to_le_bytes());
    out.extend_from_slice(&((10 + last) as u32).to_le_bytes());
    out.extend_from_slice(&(items.len() as u16).to_le_bytes());
    out.extend_from_slice(&body);
    out.push(0xff);
    out
}

const LIBRARY: &str = "#!lua name=persistlib\nredis.register_function('answer', function(keys, args) return 42 end)";

#[test]
fn function_libraries_survive_a_restart_and_come_from_redis() {
    let dir = TempDir::new("functions");
    {
        let s = oxidis_in(&dir, &[]);
        let mut c = s.conn();
        let name: String = q(&mut c, &["FUNCTION", "LOAD", LIBRARY]);
        assert_eq!(name, "persistlib");
        let _: () = q(&mut c, &["SAVE"]);
    }
    {
        let s = oxidis_in(&dir, &[]);
        let mut c = s.conn();
        let v: i64 = q(&mut c, &["FCALL", "answer", "0"]);
        assert_eq!(v, 42);
    }
    if !have("redis-server") {
        return;
    }
    let rdir = TempDir::new("functions-redis");
    {
        let redis = Redis::start(rdir.path(), &[]);
        let mut c = redis.conn();
        let _: String = q(&mut c, &["FUNCTION", "LOAD", LIBRARY]);
        let _: () = q(&mut c, &["SET", "k", "v"]);
        let _: () = q(&mut c, &["SAVE"]);
    }
    let odir = TempDir::new("functions-ox");
    std::fs::copy(rdir.path().join("dump.rdb"), odir.path().join("dump.rdb")).expect("copy");
    let s = oxidis_in(&odir, &[]);
    let mut c = s.conn();
    let v: i64 = q(&mut c, &["FCALL", "answer", "0"]);
    assert_eq!(v, 42);
    // And oxidis's file, with the library, loads into Redis.
    let _: () = q(&mut c, &["SAVE"]);
    let rdir2 = TempDir::new("functions-redis2");
    std::fs::copy(odir.path().join("dump.rdb"), rdir2.path().join("dump.rdb")).expect("copy");
    let redis = Redis::start(rdir2.path(), &[]);
    let mut rc = redis.conn();
    let v: i64 = q(&mut rc, &["FCALL", "answer", "0"]);
    assert_eq!(v, 42);
}

#[test]
fn clients_get_loading_errors_while_a_big_file_loads() {
    let dir = TempDir::new("loading");
    {
        let s = oxidis_in(&dir, &[]);
        let mut c = s.conn();
        let _: () = q(&mut c, &["DEBUG", "POPULATE", "2000", "key", "100"]);
        let _: () = q(&mut c, &["SAVE"]);
    }
    // 2000 keys at 2 ms each: about 4 s of loading, served every 1 KB.
    let port = free_port();
    let child = Command::new(env!("CARGO_BIN_EXE_oxidis-server"))
        .args(["--port", &port.to_string(), "--bind", "127.0.0.1", "--dir", dir.s()])
        .args(["--key-load-delay", "2000", "--loading-process-events-interval-bytes", "1024"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn");
    // Killed (by its PID) whatever happens below.
    let _guard = KillOnDrop(child);
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut saw_loading = false;
    while Instant::now() < deadline {
        let Ok(client) = redis::Client::open(format!("redis://127.0.0.1:{port}/")) else { continue };
        let Ok(mut c) = client.get_connection_with_timeout(Duration::from_secs(2)) else {
            std::thread::sleep(Duration::from_millis(20));
            continue;
        };
        match redis::cmd("GET").arg("key:1").query::<Option<String>>(&mut c) {
            Err(e) if e.code() == Some("LOADING") => {
                saw_loading = true;
                let info: String = q(&mut c, &["INFO", "persistence"]);
                assert!(info.contains("loading:1"), "{info}");
                assert!(info.contains("loading_loaded_bytes:"), "{info}");
                break;
            }
            Ok(_) => break,
            Err(_) => std::thread::sleep(Duration::from_millis(20)),
        }
    }
    assert!(saw_loading, "never saw a LOADING reply");
}

/// A child process killed when dropped.
struct KillOnDrop(Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn flushall_with_save_points_saves_and_resets_dirty() {
    let dir = TempDir::new("flushall");
    let s = oxidis_in(&dir, &["--save", "3600 1"]);
    let mut c = s.conn();
    let _: () = q(&mut c, &["SET", "k", "v"]);
    assert_eq!(info_field(&mut c, "rdb_changes_since_last_save"), "1");
    let _: () = q(&mut c, &["FLUSHALL"]);
    assert_eq!(info_field(&mut c, "rdb_changes_since_last_save"), "0");
    assert!(dir.path().join("dump.rdb").exists());
    // And it stops a background save in progress.
    for i in 0..20 {
        let _: () = q(&mut c, &["SET", &format!("k{i}"), "v"]);
    }
    let _: () = q(&mut c, &["CONFIG", "SET", "rdb-key-save-delay", "1000000"]);
    let _: String = q(&mut c, &["BGSAVE"]);
    assert_eq!(info_field(&mut c, "rdb_bgsave_in_progress"), "1");
    let _: () = q(&mut c, &["FLUSHALL"]);
    assert_eq!(info_field(&mut c, "rdb_bgsave_in_progress"), "0");
}

#[test]
fn restore_sets_lfu_counter_and_children_report_progress() {
    let dir = TempDir::new("lfu");
    let s = oxidis_in(&dir, &[]);
    let mut c = s.conn();
    let _: () = q(&mut c, &["SET", "foo", "bar"]);
    let payload: Vec<u8> = redis::cmd("DUMP").arg("foo").query(&mut c).expect("dump");
    let _: () = q(&mut c, &["DEL", "foo"]);
    let _: () = q(&mut c, &["CONFIG", "SET", "maxmemory-policy", "allkeys-lfu"]);
    let _: () =
        redis::cmd("RESTORE").arg("foo").arg(0).arg(&payload).arg("FREQ").arg(100).query(&mut c).expect("restore");
    let freq: i64 = q(&mut c, &["OBJECT", "FREQ", "foo"]);
    assert_eq!(freq, 100);
    let _: () = q(&mut c, &["CONFIG", "SET", "maxmemory-policy", "noeviction"]);
    // A slow BGSAVE reports keys written and its copy-on-write size.
    let _: () = q(&mut c, &["DEBUG", "POPULATE", "3000", "key", "100"]);
    let _: () = q(&mut c, &["CONFIG", "SET", "rdb-key-save-delay", "1000"]);
    let _: String = q(&mut c, &["BGSAVE"]);
    assert_eq!(info_field(&mut c, "current_save_keys_total"), "3001");
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline && info_field(&mut c, "current_save_keys_processed") == "0" {
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_ne!(info_field(&mut c, "current_save_keys_processed"), "0");
    let _: () = q(&mut c, &["CONFIG", "SET", "rdb-key-save-delay", "0"]);
    let _: () = q(&mut c, &["FLUSHALL"]);
}

#[test]
fn corrupt_payloads_are_refused_and_logged() {
    let dir = TempDir::new("corrupt");
    let log = dir.path().join("server.log");
    let s = oxidis_in(&dir, &["--logfile", log.to_str().expect("path")]);
    let mut c = s.conn();
    // A quicklist node (a ziplist) whose second entry claims the wrong previous length
    // (Redis's own test payload), with a valid CRC.
    let bad_prevlen: &[u8] = b"\x0E\x01\x13\x13\x00\x00\x00\x0E\x00\x00\x00\x02\x00\x00\x02\x61\x00\x02\x02\x62\x00\xFF\x09\x00\xC7\x71\x03\x97\x07\x75\xB0\x63";
    assert_err(redis::cmd("RESTORE").arg("k").arg(0).arg(bad_prevlen).query::<()>(&mut c), "ERR Bad data format");
    // A CRC that does not match is refused, unless checks are skipped.
    let mut payload: Vec<u8> = {
        let _: () = q(&mut c, &["HSET", "h", "a", "1", "b", "2"]);
        redis::cmd("DUMP").arg("h").query(&mut c).expect("dump")
    };
    let n = payload.len();
    payload[n - 1] ^= 1;
    assert_err(redis::cmd("RESTORE").arg("h2").arg(0).arg(&payload).query::<()>(&mut c), "ERR DUMP payload version");
    let _: () = q(&mut c, &["DEBUG", "SET-SKIP-CHECKSUM-VALIDATION", "1"]);
    let _: () = redis::cmd("RESTORE").arg("h2").arg(0).arg(&payload).query(&mut c).expect("restore");
    let v: Vec<String> = q(&mut c, &["HMGET", "h2", "a", "b"]);
    assert_eq!(v, ["1", "2"]);
    let text = std::fs::read_to_string(&log).unwrap_or_default();
    assert!(text.contains("integrity check failed"), "{text}");
}

#[test]
fn migrate_moves_copies_and_reports_errors() {
    let src = Server::start();
    let dst = Server::start();
    let mut c = src.conn();
    let mut d = dst.conn();
    let port = dst.port.to_string();
    let _: () = q(&mut c, &["SET", "k", "v", "EX", "100"]);
    let _: () = q(&mut c, &["RPUSH", "l", "a", "b"]);
    let ok: String = q(&mut c, &["MIGRATE", "127.0.0.1", &port, "k", "0", "5000"]);
    assert_eq!(ok, "OK");
    let gone: i64 = q(&mut c, &["EXISTS", "k"]);
    assert_eq!(gone, 0);
    let v: String = q(&mut d, &["GET", "k"]);
    assert_eq!(v, "v");
    let ttl: i64 = q(&mut d, &["TTL", "k"]);
    assert!(ttl > 90 && ttl <= 100, "{ttl}");
    assert_eq!(info_field(&mut c, "migrate_cached_sockets"), "1");
    // COPY keeps the source; an existing target key needs REPLACE.
    let ok: String = q(&mut c, &["MIGRATE", "127.0.0.1", &port, "l", "3", "5000", "COPY"]);
    assert_eq!(ok, "OK");
    assert_err(
        r(&mut c, &["MIGRATE", "127.0.0.1", &port, "l", "3", "5000", "COPY"]),
        "ERR Target instance replied with error: BUSYKEY",
    );
    let ok: String = q(&mut c, &["MIGRATE", "127.0.0.1", &port, "l", "3", "5000", "REPLACE"]);
    assert_eq!(ok, "OK");
    let _: () = q(&mut d, &["SELECT", "3"]);
    let items: Vec<String> = q(&mut d, &["LRANGE", "l", "0", "-1"]);
    assert_eq!(items, ["a", "b"]);
    // KEYS form, missing keys, errors.
    let _: () = q(&mut c, &["MSET", "a", "1", "b", "2"]);
    let nokey: String = q(&mut c, &["MIGRATE", "127.0.0.1", &port, "", "0", "5000", "KEYS", "x", "y"]);
    assert_eq!(nokey, "NOKEY");
    let ok: String = q(&mut c, &["MIGRATE", "127.0.0.1", &port, "", "0", "5000", "KEYS", "x", "a", "b"]);
    assert_eq!(ok, "OK");
    let n: i64 = q(&mut c, &["DBSIZE"]);
    assert_eq!(n, 0);
    assert_err(
        r(&mut c, &["MIGRATE", "127.0.0.1", &port, "k", "0", "5000", "KEYS", "a"]),
        "ERR When using MIGRATE KEYS option",
    );
    let _: () = q(&mut c, &["SET", "z", "1"]);
    let closed = common::free_port().to_string();
    assert_err(
        r(&mut c, &["MIGRATE", "127.0.0.1", &closed, "z", "0", "500"]),
        "IOERR error or timeout connecting to the client",
    );
    assert_err(
        r(&mut c, &["MIGRATE", "127.0.0.1", &port, "z", "x", "500"]),
        "ERR value is not an integer or out of range",
    );
    // AUTH to a target with a password.
    let _: () = q(&mut d, &["CONFIG", "SET", "requirepass", "pw"]);
    assert_err(
        r(&mut c, &["MIGRATE", "127.0.0.1", &port, "z", "0", "5000", "AUTH", "bad"]),
        "ERR Target instance replied with error: WRONGPASS",
    );
    // (The cached connection was already authenticated: the target did run
    // that RESTORE, as Redis would; the key stays here since AUTH failed.)
    let here: i64 = q(&mut c, &["EXISTS", "z"]);
    assert_eq!(here, 1);
    let ok: String = q(&mut c, &["MIGRATE", "127.0.0.1", &port, "z", "0", "5000", "REPLACE", "AUTH", "pw"]);
    assert_eq!(ok, "OK");
    if have("redis-server") {
        // And into real Redis.
        let rdir = TempDir::new("migrate-redis");
        let redis = Redis::start(rdir.path(), &[]);
        let _: () = q(&mut c, &["HSET", "h", "f", "v"]);
        let ok: String = q(&mut c, &["MIGRATE", "127.0.0.1", &redis.port.to_string(), "h", "0", "5000"]);
        assert_eq!(ok, "OK");
        let mut rc = redis.conn();
        let v: String = q(&mut rc, &["HGET", "h", "f"]);
        assert_eq!(v, "v");
    }
}
