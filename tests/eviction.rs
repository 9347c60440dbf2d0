//! maxmemory over TCP: each policy evicts the right class of keys, LRU/LFU/TTL
//! keep what they should much more often than not (statistical checks with
//! generous bounds, no timing), noeviction answers -OOM to commands that may
//! add data while reads and DEL still work, CONFIG SET at run time, and the
//! INFO fields that report it all. Replies were checked against Redis 7.0.

mod common;

use common::{assert_err, q, r};
use redis::Connection;

fn info_field(c: &mut Connection, section: &str, field: &str) -> String {
    let info: String = q(c, &["INFO", section]);
    info.lines()
        .find_map(|l| l.strip_prefix(&format!("{field}:")))
        .unwrap_or_else(|| panic!("no {field} in INFO {section}"))
        .trim()
        .to_string()
}

fn used_memory(c: &mut Connection) -> i64 {
    info_field(c, "memory", "used_memory").parse().expect("used_memory")
}

fn evicted(c: &mut Connection) -> i64 {
    info_field(c, "stats", "evicted_keys").parse().expect("evicted_keys")
}

/// Sets a limit `headroom` bytes above what is used now, with `policy`.
fn limit_above_current(c: &mut Connection, policy: &str, headroom: i64) -> i64 {
    let limit = used_memory(c) + headroom;
    q::<()>(c, &["CONFIG", "SET", "maxmemory-policy", policy]);
    q::<()>(c, &["CONFIG", "SET", "maxmemory", &limit.to_string()]);
    limit
}

/// Writes keys one command at a time (no pipelining, so query buffers stay
/// small), persistent or with a TTL, and returns how many were written.
fn fill(c: &mut Connection, prefix: &str, n: usize, ttl: Option<u64>) {
    for i in 0..n {
        let key = format!("{prefix}:{i}");
        match ttl {
            Some(t) => q::<()>(c, &["SETEX", &key, &t.to_string(), "some-value-of-twenty"]),
            None => q::<()>(c, &["SET", &key, "some-value-of-twenty"]),
        }
    }
}

fn exists(c: &mut Connection, key: &str) -> bool {
    q::<i64>(c, &["EXISTS", key]) == 1
}

#[test]
fn noeviction_refuses_denyoom_commands_but_reads_and_del_work() {
    let srv = common::Server::start();
    let mut c = srv.conn();
    q::<()>(&mut c, &["SET", "a", "1"]);
    q::<()>(&mut c, &["RPUSH", "l", "x"]);
    q::<()>(&mut c, &["CONFIG", "RESETSTAT"]);
    q::<()>(&mut c, &["CONFIG", "SET", "maxmemory", "1"]);
    assert_eq!(info_field(&mut c, "memory", "maxmemory_policy"), "noeviction");
    let oom = "OOM command not allowed when used memory > 'maxmemory'.";
    assert_err(r(&mut c, &["SET", "b", "2"]), oom);
    assert_err(r(&mut c, &["INCR", "a"]), "OOM");
    assert_err(r(&mut c, &["RPUSH", "l", "y"]), "OOM");
    assert_err(r(&mut c, &["SETEX", "c", "100", "v"]), "OOM");
    // Reads, deletions and commands that cannot grow memory still run.
    assert_eq!(q::<String>(&mut c, &["GET", "a"]), "1");
    assert_eq!(q::<i64>(&mut c, &["LLEN", "l"]), 1);
    assert_eq!(q::<String>(&mut c, &["LPOP", "l"]), "x");
    assert_eq!(q::<i64>(&mut c, &["DEL", "a"]), 1);
    assert_eq!(q::<i64>(&mut c, &["DBSIZE"]), 0);
    // Rejections are counted like Redis's: an OOM errorstat, rejected_calls.
    let errstats: String = q(&mut c, &["INFO", "errorstats"]);
    assert!(errstats.contains("errorstat_OOM:count=4"), "{errstats}");
    let cmdstats: String = q(&mut c, &["INFO", "commandstats"]);
    assert!(cmdstats.contains("cmdstat_set:calls=0,"), "{cmdstats}");
    assert!(cmdstats.contains("rejected_calls=1,failed_calls=0"), "{cmdstats}");
    assert_eq!(evicted(&mut c), 0);
    // Lifting the limit at run time lets writes in again.
    q::<()>(&mut c, &["CONFIG", "SET", "maxmemory", "0"]);
    q::<()>(&mut c, &["SET", "b", "2"]);
}

#[test]
fn allkeys_policies_keep_memory_under_the_limit() {
    let srv = common::Server::start();
    let mut c = srv.conn();
    for policy in ["allkeys-random", "allkeys-lru", "allkeys-lfu"] {
        q::<()>(&mut c, &["FLUSHALL"]);
        q::<()>(&mut c, &["CONFIG", "SET", "maxmemory", "0"]);
        q::<()>(&mut c, &["CONFIG", "RESETSTAT"]);
        let limit = limit_above_current(&mut c, policy, 100 * 1024);
        fill(&mut c, policy, 4000, None);
        let used = used_memory(&mut c);
        assert!(used <= limit + 4096, "{policy}: used {used} > limit {limit}");
        let n: i64 = q(&mut c, &["DBSIZE"]);
        assert!(n > 100 && n < 4000, "{policy}: {n} keys left");
        // INFO's own reply buffer may push a few more keys out after DBSIZE.
        assert!(evicted(&mut c) >= 4000 - n, "{policy}");
    }
}

#[test]
fn volatile_policies_never_evict_persistent_keys() {
    let srv = common::Server::start();
    let mut c = srv.conn();
    for policy in ["volatile-lru", "volatile-lfu", "volatile-random", "volatile-ttl"] {
        q::<()>(&mut c, &["FLUSHALL"]);
        q::<()>(&mut c, &["CONFIG", "SET", "maxmemory", "0"]);
        let limit = limit_above_current(&mut c, policy, 150 * 1024);
        fill(&mut c, "persistent", 300, None);
        fill(&mut c, "volatile", 3000, Some(10_000));
        assert!(used_memory(&mut c) <= limit + 4096, "{policy}");
        for i in 0..300 {
            assert!(exists(&mut c, &format!("persistent:{i}")), "{policy} evicted persistent:{i}");
        }
        let volatile = q::<i64>(&mut c, &["DBSIZE"]) - 300;
        assert!(volatile < 3000, "{policy}: nothing evicted");
        // Once no volatile key is left, writes get -OOM instead of eating
        // into the persistent keys.
        let mut oom = false;
        for i in 0..5000 {
            if let Err(e) = r(&mut c, &["SET", &format!("more:{i}"), "some-value-of-twenty"]) {
                assert!(format!("{e:?}").contains("OOM"), "{e:?}");
                oom = true;
                break;
            }
        }
        assert!(oom, "{policy}: never ran out of volatile keys");
        for i in 0..300 {
            assert!(exists(&mut c, &format!("persistent:{i}")), "{policy} evicted persistent:{i}");
        }
    }
}

/// Lowers maxmemory so that about `evict` keys of `per_key` bytes must go,
/// and waits (bounded) until eviction got there: a call may stop early on its
/// time budget and continue at the next commands.
fn evict_about(c: &mut Connection, policy: &str, per_key: i64, evict: i64) -> i64 {
    let limit = used_memory(c) - per_key * evict;
    q::<()>(c, &["CONFIG", "SET", "maxmemory-policy", policy]);
    q::<()>(c, &["CONFIG", "SET", "maxmemory", &limit.to_string()]);
    for _ in 0..200 {
        if used_memory(c) <= limit {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    limit
}

/// Runs once every command the checks use: a command's first call allocates
/// its latency histogram, which must not count as key memory nor trigger
/// evictions in the middle of the checks.
fn warm_up(c: &mut Connection) {
    for cmd in [&["EXISTS", "x"][..], &["GET", "x"], &["DBSIZE"], &["KEYS", "x"], &["CONFIG", "GET", "x"]] {
        let _: redis::Value = q(c, cmd);
    }
    q::<()>(c, &["SETEX", "x", "100", "y"]);
    q::<()>(c, &["SET", "x", "y"]);
    q::<()>(c, &["DEL", "x"]);
}

/// Writes `n` keys `{prefix}:{i}` and returns the memory each one took.
fn fill_measured(c: &mut Connection, prefix: &str, n: usize) -> i64 {
    warm_up(c);
    let before = used_memory(c);
    fill(c, prefix, n, None);
    (used_memory(c) - before) / n as i64
}

/// Fraction of the keys `{prefix}:{i}` still present, for i in `ids`.
fn kept(c: &mut Connection, prefix: &str, ids: impl Iterator<Item = usize>) -> f64 {
    let (mut kept, mut total) = (0, 0);
    for i in ids {
        total += 1;
        if exists(c, &format!("{prefix}:{i}")) {
            kept += 1;
        }
    }
    kept as f64 / total as f64
}

#[test]
fn volatile_ttl_evicts_the_nearest_deadlines_first() {
    let srv = common::Server::start();
    let mut c = srv.conn();
    // Deadlines spread over a wide range, written in shuffled order.
    let n = 2000;
    warm_up(&mut c);
    let before = used_memory(&mut c);
    for i in 0..n {
        let ttl = 10_000 + (i * 7919) % n * 10;
        q::<()>(&mut c, &["SETEX", &format!("k:{ttl}"), &ttl.to_string(), "some-value-of-twenty"]);
    }
    let per_key = (used_memory(&mut c) - before) / n as i64;
    evict_about(&mut c, "volatile-ttl", per_key, n as i64 / 2);
    let keys: Vec<String> = q(&mut c, &["KEYS", "k:*"]);
    assert!(keys.len() < n * 3 / 4 && keys.len() > n / 4, "{} keys left", keys.len());
    let ttls: Vec<i64> = keys.iter().map(|k| k[2..].parse().expect("ttl in name")).collect();
    // The survivors are mostly the farthest deadlines: at least 75% of them
    // in the upper half of the range (random eviction would keep 50%).
    let median = 10_000 + (n as i64 * 10) / 2;
    let far = ttls.iter().filter(|&&t| t >= median).count();
    assert!(far * 4 >= ttls.len() * 3, "{far} of {} survivors have far deadlines", ttls.len());
}

#[test]
fn lru_keeps_recently_read_keys() {
    let srv = common::Server::start();
    let mut c = srv.conn();
    let per_key = fill_measured(&mut c, "k", 1000);
    // The LRU clock has a one-second resolution (Redis's): let the keys age.
    std::thread::sleep(std::time::Duration::from_millis(2100));
    for i in (0..1000).step_by(10) {
        let _: Option<String> = q(&mut c, &["GET", &format!("k:{i}")]);
    }
    evict_about(&mut c, "allkeys-lru", per_key, 450);
    let hot = kept(&mut c, "k", (0..1000).step_by(10));
    let cold = kept(&mut c, "k", (0..1000).filter(|i| i % 10 != 0));
    assert!(evicted(&mut c) > 200);
    assert!(hot >= 0.8 && hot > cold + 0.3, "hot kept {hot:.2}, cold kept {cold:.2}");
}

#[test]
fn lfu_keeps_frequently_read_keys_and_object_freq_reports_it() {
    let srv = common::Server::start();
    let mut c = srv.conn();
    q::<()>(&mut c, &["CONFIG", "SET", "maxmemory-policy", "allkeys-lfu"]);
    let per_key = fill_measured(&mut c, "k", 1000);
    for _ in 0..20 {
        for i in (0..1000).step_by(10) {
            let _: Option<String> = q(&mut c, &["GET", &format!("k:{i}")]);
        }
    }
    let hot_freq: i64 = q(&mut c, &["OBJECT", "FREQ", "k:0"]);
    let cold_freq: i64 = q(&mut c, &["OBJECT", "FREQ", "k:1"]);
    assert_eq!(cold_freq, 5, "a new key starts at LFU_INIT_VAL");
    assert!(hot_freq > cold_freq, "hot {hot_freq}, cold {cold_freq}");
    assert_err(
        r(&mut c, &["OBJECT", "IDLETIME", "k:0"]),
        "ERR An LFU maxmemory policy is selected, idle time not tracked",
    );

    evict_about(&mut c, "allkeys-lfu", per_key, 450);
    let hot = kept(&mut c, "k", (0..1000).step_by(10));
    let cold = kept(&mut c, "k", (0..1000).filter(|i| i % 10 != 0));
    assert!(hot >= 0.8 && hot > cold + 0.3, "hot kept {hot:.2}, cold kept {cold:.2}");

    // Back to LRU: FREQ is refused, IDLETIME works again.
    q::<()>(&mut c, &["CONFIG", "SET", "maxmemory", "0"]);
    q::<()>(&mut c, &["CONFIG", "SET", "maxmemory-policy", "allkeys-lru"]);
    assert_err(
        r(&mut c, &["OBJECT", "FREQ", "k:0"]),
        "ERR An LFU maxmemory policy is not selected, access frequency not tracked",
    );
    let _: i64 = q(&mut c, &["OBJECT", "IDLETIME", "k:0"]);
}

#[test]
fn config_set_maxmemory_at_run_time() {
    let srv = common::Server::start_with(&["--maxmemory", "100mb", "--maxmemory-policy", "allkeys-random"]);
    let mut c = srv.conn();
    let got: Vec<String> = q(&mut c, &["CONFIG", "GET", "maxmemory"]);
    assert_eq!(got, vec!["maxmemory", "104857600"]);
    q::<()>(&mut c, &["CONFIG", "SET", "maxmemory", "1gb"]);
    assert_eq!(info_field(&mut c, "memory", "maxmemory"), "1073741824");
    assert_eq!(info_field(&mut c, "memory", "maxmemory_human"), "1.00G");
    q::<()>(&mut c, &["CONFIG", "SET", "maxmemory", "10k"]);
    assert_eq!(info_field(&mut c, "memory", "maxmemory"), "10000");
    assert_err(r(&mut c, &["CONFIG", "SET", "maxmemory", "lots"]), "ERR CONFIG SET failed");
    assert_err(r(&mut c, &["CONFIG", "SET", "maxmemory-policy", "lru"]), "ERR CONFIG SET failed");
    assert_err(r(&mut c, &["CONFIG", "SET", "maxmemory-samples", "0"]), "ERR CONFIG SET failed");
    for (name, value) in [
        ("maxmemory-samples", "10"),
        ("maxmemory-eviction-tenacity", "100"),
        ("lfu-log-factor", "20"),
        ("lfu-decay-time", "5"),
    ] {
        q::<()>(&mut c, &["CONFIG", "SET", name, value]);
        let got: Vec<String> = q(&mut c, &["CONFIG", "GET", name]);
        assert_eq!(got, vec![name, value]);
    }

    // Lowering the limit below what the data uses evicts right away.
    q::<()>(&mut c, &["CONFIG", "SET", "maxmemory", "0"]);
    fill(&mut c, "k", 2000, None);
    let used = used_memory(&mut c);
    q::<()>(&mut c, &["CONFIG", "SET", "maxmemory", &(used - 50 * 1024).to_string()]);
    let n: i64 = q(&mut c, &["DBSIZE"]);
    assert!(n < 2000 && n > 0, "{n}");
    assert!(evicted(&mut c) > 0);
    let stats: String = q(&mut c, &["INFO", "stats"]);
    assert!(stats.contains("total_eviction_exceeded_time:"), "{stats}");
    q::<()>(&mut c, &["CONFIG", "RESETSTAT"]);
    assert_eq!(evicted(&mut c), 0);
}

#[test]
fn small_integers_are_not_shared_under_lru() {
    let srv = common::Server::start();
    let mut c = srv.conn();
    q::<()>(&mut c, &["SET", "a", "1"]);
    assert!(q::<i64>(&mut c, &["OBJECT", "REFCOUNT", "a"]) > 1);
    q::<()>(&mut c, &["CONFIG", "SET", "maxmemory", "1gb"]);
    q::<()>(&mut c, &["CONFIG", "SET", "maxmemory-policy", "allkeys-random"]);
    assert!(q::<i64>(&mut c, &["OBJECT", "REFCOUNT", "a"]) > 1);
    q::<()>(&mut c, &["CONFIG", "SET", "maxmemory-policy", "allkeys-lru"]);
    assert_eq!(q::<i64>(&mut c, &["OBJECT", "REFCOUNT", "a"]), 1);
}

#[test]
fn lazy_eviction_frees_big_values_in_the_background() {
    let srv = common::Server::start_with(&["--lazyfree-lazy-eviction", "yes"]);
    let mut c = srv.conn();
    let members: Vec<String> = (0..2000).map(|i| format!("member-{i}")).collect();
    for k in 0..20 {
        let mut args = vec!["SADD".to_string(), format!("set:{k}")];
        args.extend(members.iter().cloned());
        let refs: Vec<&str> = args.iter().map(|s| s.as_str()).collect();
        q::<()>(&mut c, &refs);
    }
    let used = used_memory(&mut c);
    q::<()>(&mut c, &["CONFIG", "SET", "maxmemory-policy", "allkeys-random"]);
    q::<()>(&mut c, &["CONFIG", "SET", "maxmemory", &(used / 2).to_string()]);
    // The big sets went to the lazyfree thread; wait (bounded) until it is done.
    let mut freed = 0;
    for _ in 0..200 {
        freed = info_field(&mut c, "memory", "lazyfreed_objects").parse().expect("lazyfreed_objects");
        if freed > 0 && info_field(&mut c, "memory", "lazyfree_pending_objects") == "0" {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    assert!(freed > 0);
    assert!(q::<i64>(&mut c, &["DBSIZE"]) < 20);
    assert!(used_memory(&mut c) <= used / 2 + 4096);
}

#[test]
fn client_eviction_disconnects_the_biggest_clients_but_not_no_evict_ones() {
    use std::io::Write;
    let srv = common::Server::start();
    let mut c = srv.conn();
    q::<()>(&mut c, &["CLIENT", "NO-EVICT", "ON"]);
    q::<()>(&mut c, &["CONFIG", "SET", "maxmemory-clients", "2mb"]);
    let got: Vec<String> = q(&mut c, &["CONFIG", "GET", "maxmemory-clients"]);
    assert_eq!(got, vec!["maxmemory-clients", "2097152"]);
    q::<()>(&mut c, &["CONFIG", "SET", "maxmemory-clients", "10%"]);
    let got: Vec<String> = q(&mut c, &["CONFIG", "GET", "maxmemory-clients"]);
    assert_eq!(got, vec!["maxmemory-clients", "10%"]);
    assert_err(r(&mut c, &["CONFIG", "SET", "maxmemory-clients", "101%"]), "ERR CONFIG SET failed");
    q::<()>(&mut c, &["CONFIG", "SET", "maxmemory-clients", "1mb"]);

    // Two clients each leave 1.5 MB of an unfinished request in their query
    // buffer; the protected one survives, the other is evicted.
    let mut keep = srv.raw();
    common::roundtrip(&mut keep, b"CLIENT NO-EVICT ON\r\n", 5);
    let mut victim = srv.raw();
    let big = format!("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$3000000\r\n{}", "x".repeat(1_500_000));
    keep.write_all(big.as_bytes()).expect("write");
    // The server may cut it off while it is still sending.
    let _ = victim.write_all(big.as_bytes());
    let mut evicted = 0;
    for _ in 0..200 {
        evicted = info_field(&mut c, "stats", "evicted_clients").parse::<i64>().expect("evicted_clients");
        if evicted > 0 {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    assert_eq!(evicted, 1);
    let list: String = q(&mut c, &["CLIENT", "LIST"]);
    assert_eq!(list.lines().count(), 2, "{list}");
    assert!(list.contains("flags=e"), "{list}");
    q::<()>(&mut c, &["CONFIG", "SET", "maxmemory-clients", "0"]);
}
