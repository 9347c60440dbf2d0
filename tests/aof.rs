//! The append-only file over TCP: no acknowledged write lost to a SIGKILL
//! with `appendfsync always`, a torn last record recovered, what commands
//! are propagated as, BGREWRITEAOF and the multi-part layout, turning the
//! AOF on at run time, and AOF directories moving between Redis 7.0 and
//! oxidis in both directions.
//!
//! Tests that need a real `redis-server` skip themselves when it is missing.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use common::persist::{contents, have, info_field, Redis, TempDir};
use common::{assert_err, free_port, q, r, Server};

/// oxidis with the AOF on in `dir`, logging to `dir/server.log`.
fn oxidis_aof(dir: &TempDir, extra: &[&str]) -> Server {
    let log = dir.path().join("server.log");
    let log = log.to_str().expect("path").to_string();
    let mut args = vec!["--dir", dir.s(), "--appendonly", "yes", "--logfile", &log, "--save", ""];
    args.extend_from_slice(extra);
    Server::start_with(&args)
}

/// A connection once the server has finished loading (it answers LOADING
/// while a big AOF is replayed).
fn loaded_conn(s: &Server) -> redis::Connection {
    let mut c = s.conn();
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        match redis::cmd("PING").query::<String>(&mut c) {
            Err(e) if e.code() == Some("LOADING") => std::thread::sleep(Duration::from_millis(20)),
            _ => break,
        }
    }
    c
}

fn kill9(s: &mut Server) {
    let _ = s.child.kill();
    let _ = s.child.wait();
}

fn wait_rewrite_done(c: &mut redis::Connection) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        let info: String = q(c, &["INFO", "persistence"]);
        if info.contains("aof_rewrite_in_progress:0") && info.contains("aof_rewrite_scheduled:0") {
            return;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    panic!("AOF rewrite did not finish");
}

fn manifest(dir: &TempDir) -> String {
    std::fs::read_to_string(dir.path().join("appendonlydir/appendonly.aof.manifest")).unwrap_or_default()
}

fn incr_file(dir: &TempDir) -> PathBuf {
    let m = manifest(dir);
    let name =
        m.lines().rfind(|l| l.ends_with("type i")).and_then(|l| l.split(' ').nth(1)).expect("an incr file").to_string();
    dir.path().join("appendonlydir").join(name)
}

/// Writes whose replay depends on time or randomness, blocking pops, a
/// script, several databases.
fn tricky_writes(c: &mut redis::Connection) {
    let cmds: &[&[&str]] = &[
        &["SET", "plain", "1"],
        &["SET", "ex", "v", "EX", "1000"],
        &["SET", "px", "v", "PX", "2000000", "GET"],
        &["SETEX", "setex", "3000", "v"],
        &["PSETEX", "psetex", "4000000", "v"],
        &["SET", "e", "v"],
        &["EXPIRE", "e", "5000"],
        &["SET", "gone", "v"],
        &["EXPIRE", "gone", "-1"],
        &["SET", "gx", "v"],
        &["GETEX", "gx", "EX", "6000"],
        &["SET", "gp", "v", "EX", "100"],
        &["GETEX", "gp", "PERSIST"],
        &["SET", "gd", "v"],
        &["GETDEL", "gd"],
        &["INCRBYFLOAT", "f", "0.1"],
        &["INCRBYFLOAT", "f", "0.2"],
        &["HSET", "h", "x", "1"],
        &["HINCRBYFLOAT", "h", "x", "0.3"],
        &["SADD", "s", "a", "b", "c", "d", "e", "f"],
        &["SPOP", "s"],
        &["SPOP", "s", "2"],
        &["SADD", "s2", "a", "b"],
        &["SPOP", "s2", "10"],
        &["RPUSH", "l", "a", "b", "c"],
        &["BLPOP", "missing", "l", "0"],
        &["BRPOP", "l", "0"],
        &["RPUSH", "src", "x", "y"],
        &["BLMOVE", "src", "dst", "LEFT", "RIGHT", "0"],
        &["BRPOPLPUSH", "src", "dst", "0"],
        &["RPUSH", "m", "1", "2", "3"],
        &["BLMPOP", "0", "2", "none", "m", "LEFT", "COUNT", "2"],
        &["ZADD", "z", "1", "a", "2", "b", "3", "c"],
        &["BZPOPMIN", "z", "0"],
        &["BZMPOP", "0", "1", "z", "MAX", "COUNT", "1"],
        &["EVAL", "redis.call('set', KEYS[1], 'x'); redis.call('incr', 'counter'); return 1", "1", "fromscript"],
        &["SELECT", "2"],
        &["SET", "in2", "two"],
        &["SELECT", "0"],
        &["SELECT", "3"],
        &["SET", "flushed", "payload"],
        &["FLUSHDB"],
        &["SET", "after-flush", "1"],
        &["SELECT", "0"],
    ];
    for cmd in cmds {
        let _: redis::Value = q(c, cmd);
    }
    // A transaction, with an expiring write inside.
    let _: redis::Value = redis::pipe()
        .atomic()
        .cmd("INCR")
        .arg("tx-counter")
        .cmd("SET")
        .arg("tx-key")
        .arg("v")
        .arg("EX")
        .arg("9000")
        .query(c)
        .expect("transaction");
    // RESTORE with a relative TTL.
    let _: () = q(c, &["SET", "tmp", "val"]);
    let payload: Vec<u8> = redis::cmd("DUMP").arg("tmp").query(c).expect("dump");
    let _: () = redis::cmd("RESTORE").arg("restored").arg(7_000_000).arg(&payload).query(c).expect("restore");
    // A key that expires and is then found expired (lazy expiry -> DEL).
    let _: () = q(c, &["SET", "short", "v", "PX", "1"]);
    std::thread::sleep(Duration::from_millis(10));
    let gone: Option<String> = q(c, &["GET", "short"]);
    assert!(gone.is_none());
}

#[test]
fn every_write_replays_exactly_after_a_crash() {
    let dir = TempDir::new("replay");
    let expected = {
        let mut s = oxidis_aof(&dir, &["--appendfsync", "always"]);
        let mut c = s.conn();
        tricky_writes(&mut c);
        let snapshot = contents(&mut c);
        kill9(&mut s);
        snapshot
    };
    let aof = std::fs::read(incr_file(&dir)).expect("incr file");
    let text = String::from_utf8_lossy(&aof).to_string();
    for want in [
        "PEXPIREAT",
        "PXAT",
        "KEEPTTL",
        "SREM",
        "LPOP",
        "RPOP",
        "LMOVE",
        "RPOPLPUSH",
        "ZPOPMIN",
        "ABSTTL",
        "MULTI",
        "EXEC",
        "DEL",
    ] {
        assert!(text.contains(want), "{want} not propagated:\n{text}");
    }
    for never in [
        "BLPOP",
        "BRPOP",
        "BLMOVE",
        "BRPOPLPUSH",
        "BZPOPMIN",
        "BZMPOP",
        "BLMPOP",
        "EVAL",
        "SETEX",
        "GETEX",
        "INCRBYFLOAT",
        "SPOP",
        "GETDEL",
    ] {
        assert!(!text.contains(&format!("\r\n{never}\r\n")), "{never} propagated as is:\n{text}");
    }
    // The transaction went out whole, its SET EX as an absolute SET PXAT.
    let tx = text.find("INCR\r\n$10\r\ntx-counter").expect("INCR propagated");
    let before = &text[..tx];
    let multi = before.rfind("MULTI").expect("MULTI before the transaction");
    assert!(!before[multi..].contains("EXEC"), "{text}");
    let after = &text[tx..];
    let set = after.find("tx-key").expect("SET propagated");
    let exec = after.find("EXEC").expect("EXEC propagated");
    assert!(set < exec && after[..exec].contains("PXAT"), "{after}");
    let s = oxidis_aof(&dir, &[]);
    let mut c = s.conn();
    assert_eq!(contents(&mut c), expected);
}

#[test]
fn acknowledged_writes_survive_sigkill_with_appendfsync_always() {
    let dir = TempDir::new("sigkill");
    let mut s = oxidis_aof(&dir, &["--appendfsync", "always"]);
    let port = s.port;
    let pid = s.child.id();
    // A writer pipelines batches and records what was acknowledged; the
    // server is killed under it at some point.
    let writer = std::thread::spawn(move || {
        let mut sock = TcpStream::connect(("127.0.0.1", port)).expect("connect");
        sock.set_read_timeout(Some(Duration::from_secs(5))).expect("timeout");
        let mut reader = BufReader::new(sock.try_clone().expect("clone"));
        let mut acked = 0u64;
        'outer: for batch in 0..2000u64 {
            let mut req = Vec::new();
            for i in 0..10 {
                let n = batch * 10 + i;
                req.extend_from_slice(
                    format!("*3\r\n$5\r\nRPUSH\r\n$4\r\nlist\r\n${}\r\n{}\r\n", n.to_string().len(), n).as_bytes(),
                );
            }
            if sock.write_all(&req).is_err() {
                break;
            }
            for _ in 0..10 {
                let mut line = String::new();
                match reader.read_line(&mut line) {
                    Ok(n) if n > 0 && line.starts_with(':') => acked += 1,
                    other => {
                        eprintln!("writer stopped after {acked}: {other:?} {line:?}");
                        break 'outer;
                    }
                }
            }
        }
        acked
    });
    std::thread::sleep(Duration::from_millis(300));
    // SAFETY-free: kill(1) by pid.
    let _ = Command::new("kill").args(["-9", &pid.to_string()]).status();
    let acked = writer.join().expect("writer");
    let _ = s.child.wait();
    assert!(acked > 0, "nothing was written before the kill");
    let s2 = oxidis_aof(&dir, &[]);
    let mut c = loaded_conn(&s2);
    let len: u64 = q(&mut c, &["LLEN", "list"]);
    eprintln!("acknowledged {acked} pushes before the kill, {len} found after restart");
    assert!(len >= acked, "acknowledged {acked} pushes, found {len} after restart");
    // They are the first `len` numbers, in order.
    let items: Vec<u64> = q(&mut c, &["LRANGE", "list", "0", "-1"]);
    assert!(items.iter().enumerate().all(|(i, v)| *v == i as u64));
}

/// `appendfsync everysec` promises to lose at most about two seconds of
/// writes (one second between fsyncs, plus up to two seconds a write may
/// wait for a slow fsync). A SIGKILL loses only what had not been written
/// to the file yet; the bound is checked against the client's own clock:
/// acknowledged INCRs missing after the restart must not exceed those
/// acknowledged in the last two seconds before the kill.
#[test]
fn everysec_loses_at_most_about_two_seconds_of_acknowledged_writes_to_sigkill() {
    const BATCH: usize = 10;
    let dir = TempDir::new("everysec-loss");
    let mut s = oxidis_aof(&dir, &["--appendfsync", "everysec"]);
    let port = s.port;
    let pid = s.child.id();
    let start = Instant::now();
    // The writer records when each INCR was acknowledged (the reply is the
    // counter's new value, so the n-th acknowledgement is value n).
    let writer = std::thread::spawn(move || {
        let mut sock = TcpStream::connect(("127.0.0.1", port)).expect("connect");
        sock.set_read_timeout(Some(Duration::from_secs(5))).expect("timeout");
        let mut reader = BufReader::new(sock.try_clone().expect("clone"));
        let req = b"*2\r\n$4\r\nINCR\r\n$7\r\ncounter\r\n".repeat(BATCH);
        let mut acks: Vec<Instant> = Vec::new();
        let mut sent = 0u64;
        'outer: while acks.len() < 2_000_000 && start.elapsed() < Duration::from_secs(20) {
            if sock.write_all(&req).is_err() {
                break;
            }
            sent += BATCH as u64;
            for _ in 0..BATCH {
                let mut line = String::new();
                match reader.read_line(&mut line) {
                    Ok(n) if n > 0 && line.starts_with(':') => {
                        assert_eq!(line.trim_end()[1..].parse::<usize>().ok(), Some(acks.len() + 1));
                        acks.push(Instant::now());
                    }
                    _ => break 'outer,
                }
            }
        }
        (acks, sent)
    });
    // Long enough for a few fsync rounds.
    std::thread::sleep(Duration::from_millis(2500));
    let killed_at = Instant::now();
    // SAFETY: signalling the server this test started, by its pid.
    unsafe { libc::kill(pid as i32, libc::SIGKILL) };
    let (acks, sent) = writer.join().expect("writer");
    let _ = s.child.wait();
    let acked = acks.len() as u64;
    assert!(acked > 0, "nothing was acknowledged before the kill");

    let s2 = oxidis_aof(&dir, &[]);
    let mut c = loaded_conn(&s2);
    let restored: Option<u64> = q(&mut c, &["GET", "counter"]);
    let restored = restored.unwrap_or(0);
    let lost = acked.saturating_sub(restored);
    let window_start = killed_at.checked_sub(Duration::from_secs(2)).unwrap_or(start);
    let in_last_2s = acks.iter().filter(|t| **t >= window_start).count() as u64;
    let span = acks.last().map_or(Duration::ZERO, |t| t.duration_since(acks[0]));
    eprintln!(
        "everysec + SIGKILL: {acked} INCRs acknowledged over {:.2} s, {restored} restored, {lost} lost; \
         {in_last_2s} acknowledged in the last 2 s before the kill",
        span.as_secs_f64()
    );
    assert!(restored <= sent, "restored {restored} INCRs but only {sent} were sent");
    assert!(lost <= in_last_2s, "lost {lost} acknowledged INCRs, more than the {in_last_2s} of the last 2 s");
}

#[test]
fn a_torn_last_record_is_cut_back_with_a_log_line() {
    let dir = TempDir::new("torn");
    {
        let mut s = oxidis_aof(&dir, &["--appendfsync", "always"]);
        let mut c = s.conn();
        let _: () = q(&mut c, &["SET", "a", "1"]);
        let _: () = q(&mut c, &["SET", "b", "2"]);
        kill9(&mut s);
    }
    let incr = incr_file(&dir);
    let good_len = std::fs::metadata(&incr).expect("incr").len();
    let mut f = std::fs::OpenOptions::new().append(true).open(&incr).expect("open");
    f.write_all(b"*3\r\n$3\r\nSET\r\n$1\r\nc\r\n$5\r\nhel").expect("append");
    drop(f);
    // aof-load-truncated no: the server refuses to start.
    let out = Command::new(env!("CARGO_BIN_EXE_oxidis-server"))
        .args([
            "--port",
            &free_port().to_string(),
            "--dir",
            dir.s(),
            "--appendonly",
            "yes",
            "--aof-load-truncated",
            "no",
        ])
        .output()
        .expect("run");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("Unexpected end of file"));
    // The default (yes): loads what is complete, truncates, says so.
    let s = oxidis_aof(&dir, &[]);
    let mut c = s.conn();
    let v: Vec<Option<String>> = q(&mut c, &["MGET", "a", "b", "c"]);
    assert_eq!(v, [Some("1".to_string()), Some("2".to_string()), None]);
    let log = dir.log();
    assert!(log.contains("!!! Warning: short read while loading the AOF file"), "{log}");
    assert!(log.contains("loaded anyway because aof-load-truncated is enabled"), "{log}");
    assert_eq!(std::fs::metadata(&incr).expect("incr").len(), good_len);
    // New writes go after the cut.
    let _: () = q(&mut c, &["SET", "c", "3"]);
    if have("redis-check-aof") {
        let out = Command::new("redis-check-aof")
            .arg(dir.path().join("appendonlydir/appendonly.aof.manifest"))
            .output()
            .expect("redis-check-aof");
        assert!(String::from_utf8_lossy(&out.stdout).contains("are valid"), "{}", String::from_utf8_lossy(&out.stdout));
    }
}

#[test]
fn a_transaction_without_exec_is_dropped_on_load() {
    let dir = TempDir::new("openmulti");
    {
        let mut s = oxidis_aof(&dir, &[]);
        let mut c = s.conn();
        let _: () = q(&mut c, &["SET", "a", "1"]);
        let _ = r(&mut c, &["SHUTDOWN"]);
        let _ = s.child.wait();
    }
    let mut f = std::fs::OpenOptions::new().append(true).open(incr_file(&dir)).expect("open");
    f.write_all(b"*1\r\n$5\r\nMULTI\r\n*3\r\n$3\r\nSET\r\n$1\r\nb\r\n$1\r\n2\r\n").expect("append");
    drop(f);
    let s = oxidis_aof(&dir, &[]);
    let mut c = s.conn();
    let v: Vec<Option<String>> = q(&mut c, &["MGET", "a", "b"]);
    assert_eq!(v, [Some("1".to_string()), None]);
}

#[test]
fn bgrewriteaof_swaps_the_base_and_keeps_writes_made_meanwhile() {
    let dir = TempDir::new("rewrite");
    let mut s = oxidis_aof(&dir, &["--rdb-key-save-delay", "200"]);
    let mut c = s.conn();
    for i in 0..500 {
        let _: () = q(&mut c, &["SET", &format!("k{i}"), &i.to_string()]);
    }
    assert_eq!(
        manifest(&dir),
        "file appendonly.aof.1.base.rdb seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n"
    );
    let reply: String = q(&mut c, &["BGREWRITEAOF"]);
    assert_eq!(reply, "Background append only file rewriting started");
    assert_err(r(&mut c, &["BGREWRITEAOF"]), "ERR Background append only file rewriting already in progress");
    let reply: String = q(&mut c, &["BGSAVE", "SCHEDULE"]);
    assert_eq!(reply, "Background saving scheduled");
    // Writes while the child runs go to the new incr file.
    for i in 0..50 {
        let _: () = q(&mut c, &["SET", &format!("during{i}"), "x"]);
    }
    wait_rewrite_done(&mut c);
    assert_eq!(
        manifest(&dir),
        "file appendonly.aof.2.base.rdb seq 2 type b\nfile appendonly.aof.2.incr.aof seq 2 type i\n"
    );
    let files: Vec<String> = std::fs::read_dir(dir.path().join("appendonlydir"))
        .expect("dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(files.len(), 3, "{files:?}");
    assert_eq!(info_field(&mut c, "aof_rewrites"), "1");
    assert_eq!(info_field(&mut c, "aof_last_bgrewrite_status"), "ok");
    assert_eq!(info_field(&mut c, "aof_enabled"), "1");
    let base = std::fs::read(dir.path().join("appendonlydir/appendonly.aof.2.base.rdb")).expect("base");
    assert!(base.starts_with(b"REDIS0010"));
    let expected = contents(&mut c);
    kill9(&mut s);
    let s = oxidis_aof(&dir, &[]);
    let mut c = s.conn();
    assert_eq!(contents(&mut c), expected);
    let n: i64 = q(&mut c, &["DBSIZE"]);
    assert_eq!(n, 550);
}

#[test]
fn aof_without_rdb_preamble_and_debug_loadaof() {
    let dir = TempDir::new("nopreamble");
    let mut s = oxidis_aof(&dir, &["--aof-use-rdb-preamble", "no", "--enable-debug-command", "yes"]);
    let mut c = s.conn();
    tricky_writes(&mut c);
    let _: String =
        q(&mut c, &["FUNCTION", "LOAD", "#!lua name=lib1\nredis.register_function('f1', function() return 1 end)"]);
    let _: String = q(&mut c, &["BGREWRITEAOF"]);
    wait_rewrite_done(&mut c);
    let base = std::fs::read(dir.path().join("appendonlydir/appendonly.aof.2.base.aof")).expect("base");
    assert!(base.starts_with(b"*"));
    let expected = contents(&mut c);
    let _: () = q(&mut c, &["DEBUG", "LOADAOF"]);
    assert_eq!(contents(&mut c), expected);
    kill9(&mut s);
    let s = oxidis_aof(&dir, &["--aof-use-rdb-preamble", "no"]);
    let mut c = s.conn();
    assert_eq!(contents(&mut c), expected);
    let v: i64 = q(&mut c, &["FCALL", "f1", "0"]);
    assert_eq!(v, 1);
}

#[test]
fn appendonly_turned_on_at_run_time() {
    let dir = TempDir::new("runtime");
    let log = dir.path().join("server.log");
    let mut s = Server::start_with(&["--dir", dir.s(), "--save", "", "--logfile", log.to_str().expect("p")]);
    let mut c = s.conn();
    let _: () = q(&mut c, &["SET", "before", "1"]);
    assert_eq!(info_field(&mut c, "aof_enabled"), "0");
    let _: () = q(&mut c, &["CONFIG", "SET", "appendonly", "yes"]);
    let _: () = q(&mut c, &["SET", "during", "2"]);
    wait_rewrite_done(&mut c);
    assert_eq!(info_field(&mut c, "aof_enabled"), "1");
    let _: () = q(&mut c, &["SET", "after", "3"]);
    let m = manifest(&dir);
    assert!(m.contains("type b") && m.contains("type i"), "{m}");
    let expected = contents(&mut c);
    kill9(&mut s);
    let s = oxidis_aof(&dir, &[]);
    let mut c = s.conn();
    assert_eq!(contents(&mut c), expected);
    // And off again: nothing more is appended.
    let _: () = q(&mut c, &["CONFIG", "SET", "appendonly", "no"]);
    assert_eq!(info_field(&mut c, "aof_enabled"), "0");
    let size = std::fs::metadata(incr_file(&dir)).expect("incr").len();
    let _: () = q(&mut c, &["SET", "ignored", "x"]);
    assert_eq!(std::fs::metadata(incr_file(&dir)).expect("incr").len(), size);
}

#[test]
fn automatic_rewrite_on_growth() {
    let dir = TempDir::new("auto");
    let s = oxidis_aof(&dir, &["--auto-aof-rewrite-min-size", "4096", "--auto-aof-rewrite-percentage", "100"]);
    let mut c = s.conn();
    let value = "v".repeat(100);
    for i in 0..200 {
        let _: () = q(&mut c, &["SET", &format!("key{}", i % 10), &value]);
    }
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline && info_field(&mut c, "aof_rewrites") == "0" {
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(info_field(&mut c, "aof_rewrites").parse::<u64>().expect("int") >= 1);
    wait_rewrite_done(&mut c);
    let current: u64 = info_field(&mut c, "aof_current_size").parse().expect("int");
    assert!(current < 200 * 100, "{current}");
    assert!(dir.log().contains("Starting automatic rewriting of AOF on"), "{}", dir.log());
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for e in std::fs::read_dir(from).expect("read dir") {
        let e = e.expect("entry");
        std::fs::copy(e.path(), to.join(e.file_name())).expect("copy");
    }
}

#[test]
fn aof_directories_move_between_redis_and_oxidis() {
    if !have("redis-server") {
        eprintln!("redis-server not installed: skipped");
        return;
    }
    // Redis writes (base + incr, then a rewrite, then more incr): oxidis loads it.
    let rdir = TempDir::new("redis-aof");
    let expected = {
        let redis = Redis::start(rdir.path(), &["--appendonly", "yes"]);
        let mut c = redis.conn();
        tricky_writes(&mut c);
        let _: String = q(&mut c, &["BGREWRITEAOF"]);
        wait_rewrite_done(&mut c);
        let _: () = q(&mut c, &["RPUSH", "after-rewrite", "a", "b"]);
        let snapshot = contents(&mut c);
        let _ = r(&mut c, &["SHUTDOWN", "NOSAVE"]);
        snapshot
    };
    let odir = TempDir::new("ox-from-redis");
    copy_dir(&rdir.path().join("appendonlydir"), &odir.path().join("appendonlydir"));
    let expected_ox = {
        let mut s = oxidis_aof(&odir, &[]);
        let mut c = s.conn();
        assert_eq!(contents(&mut c), expected);
        // oxidis appends and rewrites in its turn...
        let _: () = q(&mut c, &["HSET", "from-oxidis", "f", "v"]);
        let _: String = q(&mut c, &["BGREWRITEAOF"]);
        wait_rewrite_done(&mut c);
        let _: () = q(&mut c, &["SADD", "after-ox-rewrite", "m"]);
        let snapshot = contents(&mut c);
        kill9(&mut s);
        snapshot
    };
    if have("redis-check-aof") {
        let out = Command::new("redis-check-aof")
            .arg(odir.path().join("appendonlydir/appendonly.aof.manifest"))
            .output()
            .expect("redis-check-aof");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains("All AOF files and manifest are valid"), "{text}");
    }
    // ...and Redis loads what oxidis wrote.
    let rdir2 = TempDir::new("redis-from-ox");
    copy_dir(&odir.path().join("appendonlydir"), &rdir2.path().join("appendonlydir"));
    let redis = Redis::start(rdir2.path(), &["--appendonly", "yes"]);
    let mut c = redis.conn();
    assert_eq!(contents(&mut c), expected_ox);
}

#[test]
fn old_single_file_aof_is_migrated() {
    let dir = TempDir::new("oldaof");
    let mut old = Vec::new();
    for cmd in [&["SELECT", "0"][..], &["SET", "x", "1"], &["RPUSH", "l", "a", "b"]] {
        old.extend_from_slice(format!("*{}\r\n", cmd.len()).as_bytes());
        for a in cmd {
            old.extend_from_slice(format!("${}\r\n{}\r\n", a.len(), a).as_bytes());
        }
    }
    std::fs::write(dir.path().join("appendonly.aof"), &old).expect("write");
    let s = oxidis_aof(&dir, &[]);
    let mut c = s.conn();
    let v: String = q(&mut c, &["GET", "x"]);
    assert_eq!(v, "1");
    let m = manifest(&dir);
    assert!(m.starts_with("file appendonly.aof seq 1 type b\n"), "{m}");
    assert!(!dir.path().join("appendonly.aof").exists());
    let mut raw = Vec::new();
    std::fs::File::open(dir.path().join("appendonlydir/appendonly.aof"))
        .expect("moved")
        .read_to_end(&mut raw)
        .expect("read");
    assert_eq!(raw, old);
}
