//! Walks the command table (`oxidis::commands::CommandTable`) and checks every
//! declaration for consistency, then checks that `COMMAND` over TCP reports
//! exactly what the table declares.

mod common;

use std::collections::{HashMap, HashSet};

use oxidis::commands::{acl_categories, CommandTable, Entry, FLAG_NAMES, READONLY, WRITE};
use redis::{FromRedisValue, Value};

fn table() -> CommandTable {
    CommandTable::new()
}

/// Every entry with its id, subcommands included.
fn all(t: &CommandTable) -> impl Iterator<Item = (usize, &Entry)> {
    t.entries.iter().enumerate()
}

fn flag_names(flags: u32) -> Vec<&'static str> {
    FLAG_NAMES.iter().filter(|(f, _)| flags & f != 0).map(|(_, n)| *n).collect()
}

#[test]
fn every_command_is_declared_completely() {
    let t = table();
    assert!(!t.entries.is_empty());
    for (_, e) in all(&t) {
        let c = e.spec;
        let name = &e.fullname;
        assert_ne!(c.arity, 0, "{name}: arity 0");
        assert!(!c.summary.trim().is_empty(), "{name}: no summary");
        assert!(!c.since.is_empty(), "{name}: no 'since'");
        assert!(
            c.since.split('.').count() == 3 && c.since.split('.').all(|p| p.parse::<u32>().is_ok()),
            "{name}: since {:?} is not x.y.z",
            c.since
        );
        assert!(!c.group.is_empty(), "{name}: no group");
        assert_eq!(c.name, c.name.to_lowercase(), "{name}: name not lower-case");
        assert!(!c.name.contains(' ') && !c.name.contains('|'), "{name}: bad characters");
        assert!(c.flags & WRITE == 0 || c.flags & READONLY == 0, "{name}: both write and readonly");
        assert!(!acl_categories(c).is_empty(), "{name}: no ACL categories");
        // Every flag bit has a name COMMAND INFO can show (bits without one would vanish).
        let known: u32 = FLAG_NAMES.iter().fold(0, |acc, (f, _)| acc | f);
        let unknown = c.flags & !known;
        // SENTINEL and PROTECTED are not shown by Redis either.
        let hidden = oxidis::commands::SENTINEL | oxidis::commands::PROTECTED;
        assert!(unknown & !hidden == 0, "{name}: flag bits {unknown:#x} have no name");
    }
}

#[test]
fn names_are_unique_and_looked_up_case_insensitively() {
    let t = table();
    let mut seen = HashSet::new();
    for (id, e) in all(&t) {
        assert!(seen.insert(e.fullname.clone()), "duplicate {}", e.fullname);
        match e.parent {
            None => {
                assert_eq!(e.fullname, e.spec.name);
                assert_eq!(t.lookup(e.spec.name.as_bytes()), Some(id));
                assert_eq!(t.lookup(e.spec.name.to_uppercase().as_bytes()), Some(id));
            }
            Some(p) => {
                assert!(t.entries[p].parent.is_none(), "{}: nested subcommand", e.fullname);
                assert_eq!(e.fullname, format!("{}|{}", t.entries[p].spec.name, e.spec.name));
                assert_eq!(t.lookup_sub(p, e.spec.name.as_bytes()), Some(id));
                assert_eq!(t.lookup_sub(p, e.spec.name.to_uppercase().as_bytes()), Some(id));
                let argv: Vec<&[u8]> = vec![t.entries[p].spec.name.as_bytes(), e.spec.name.as_bytes()];
                assert_eq!(t.resolve(&argv), Ok(id), "{}", e.fullname);
            }
        }
    }
    assert_eq!(t.lookup(b"no-such-command"), None);
}

#[test]
fn containers_and_subcommands() {
    let t = table();
    for (id, e) in all(&t) {
        if e.subs.is_empty() {
            continue;
        }
        assert!(e.spec.arity < 0, "{}: a container needs a variable arity", e.fullname);
        assert!(e.spec.keys.first == 0, "{}: a container declares keys", e.fullname);
        for &sid in e.subs.values() {
            let s = &t.entries[sid];
            assert_eq!(s.parent, Some(id));
            // A subcommand is at least "parent sub".
            assert!(s.spec.arity.abs() >= 2, "{}: arity {}", s.fullname, s.spec.arity);
            assert!(s.subs.is_empty(), "{}: nested subcommands", s.fullname);
        }
        // Every container has HELP, as in Redis.
        assert!(e.subs.contains_key(&b"help"[..]), "{}: no HELP subcommand", e.fullname);
    }
}

#[test]
fn key_positions_are_consistent_with_arity() {
    let t = table();
    for (id, e) in all(&t) {
        let k = e.spec.keys;
        let name = &e.fullname;
        let min_argc = e.spec.arity.unsigned_abs() as i32;
        if k.first == 0 {
            assert!(k.last == 0 && k.step == 0, "{name}: keys {k:?} without a first key");
            continue;
        }
        assert!(k.first > 0, "{name}: first {}", k.first);
        assert!(k.step >= 1, "{name}: step {}", k.step);
        // The first key must be present in the shortest valid call, except for
        // a command whose keys are all optional (SUNSUBSCRIBE [shardchannel ...]).
        let optional_keys = e.spec.arity < 0 && k.first == min_argc && k.last < 0;
        assert!(k.first < min_argc || optional_keys, "{name}: first key {} but arity {}", k.first, e.spec.arity);
        if k.last > 0 {
            assert!(k.last >= k.first, "{name}: last {} < first {}", k.last, k.first);
            assert!(k.last < min_argc, "{name}: last key {} but arity {}", k.last, e.spec.arity);
            assert_eq!((k.last - k.first) % k.step, 0, "{name}: keys {k:?} not on the step");
        } else {
            // Counted from the end: only meaningful for a variable arity.
            assert!(e.spec.arity < 0, "{name}: last {} with fixed arity {}", k.last, e.spec.arity);
        }
        // Commands with their own key finder or specs are checked over TCP
        // (tests/getkeys.rs, tests/sort.rs): their keys depend on the arguments.
        if e.spec.get_keys.is_some() || !e.spec.key_specs.is_empty() {
            continue;
        }
        // The positions computed for calls of several lengths are real key slots.
        for extra in (optional_keys as usize)..6 {
            let argc = min_argc as usize + extra;
            let argv: Vec<&[u8]> = vec![&b"x"[..]; argc];
            let pos = t.key_positions(id, &argv);
            assert!(!pos.is_empty(), "{name}: no keys for argc {argc}");
            assert_eq!(pos[0], k.first as usize);
            assert!(pos.iter().all(|&p| p >= 1 && p < argc), "{name}: positions {pos:?} for argc {argc}");
            assert!(pos.windows(2).all(|w| w[1] - w[0] == k.step as usize), "{name}: positions {pos:?}");
        }
    }
}

/// `COMMAND` over TCP lists exactly the top-level entries, with the table's
/// arity, flags and key positions, and `COMMAND COUNT` agrees.
#[test]
fn command_reply_matches_the_table() {
    let t = table();
    let srv = common::Server::start();
    let mut c = srv.conn();
    let top: Vec<&Entry> = t.entries.iter().filter(|e| e.parent.is_none()).collect();
    let count: i64 = redis::cmd("COMMAND").arg("COUNT").query(&mut c).unwrap();
    assert_eq!(count as usize, top.len());

    let reply: Vec<Value> = redis::cmd("COMMAND").query(&mut c).unwrap();
    assert_eq!(reply.len(), top.len());
    let mut by_name: HashMap<String, Vec<Value>> = HashMap::new();
    for v in reply {
        let Value::Array(info) = v else { panic!("COMMAND entry {v:?}") };
        assert_eq!(info.len(), 10, "COMMAND entry {info:?}");
        let name = String::from_redis_value(&info[0]).unwrap();
        assert!(by_name.insert(name.clone(), info).is_none(), "{name} listed twice");
    }
    for e in &top {
        let info = by_name.get(&e.fullname).unwrap_or_else(|| panic!("{} missing from COMMAND", e.fullname));
        check_info(e, info, &t);
    }
}

fn check_info(e: &Entry, info: &[Value], t: &CommandTable) {
    let name = &e.fullname;
    let c = e.spec;
    assert_eq!(info[1], Value::Int(c.arity as i64), "{name}: arity");
    let flags: HashSet<String> = FromRedisValue::from_redis_value(&info[2]).unwrap();
    let want: HashSet<String> = flag_names(c.flags).into_iter().map(String::from).collect();
    assert_eq!(flags, want, "{name}: flags");
    assert_eq!(info[3], Value::Int(c.keys.first as i64), "{name}: first key");
    assert_eq!(info[4], Value::Int(c.keys.last as i64), "{name}: last key");
    assert_eq!(info[5], Value::Int(c.keys.step as i64), "{name}: key step");
    let cats: HashSet<String> = FromRedisValue::from_redis_value(&info[6]).unwrap();
    let want: HashSet<String> = acl_categories(c).into_iter().map(|c| format!("@{c}")).collect();
    assert_eq!(cats, want, "{name}: ACL categories");
    // Key specs exist exactly for commands with keys.
    let specs: Vec<Value> = FromRedisValue::from_redis_value(&info[8]).unwrap();
    assert_eq!(specs.is_empty(), c.keys.first == 0 && c.key_specs.is_empty(), "{name}: key specs {specs:?}");
    // Subcommands are nested with their own full entries.
    let subs: Vec<Value> = FromRedisValue::from_redis_value(&info[9]).unwrap();
    assert_eq!(subs.len(), e.subs.len(), "{name}: subcommand count");
    for s in subs {
        let Value::Array(sinfo) = s else { panic!("{name}: subcommand entry {s:?}") };
        let sname = String::from_redis_value(&sinfo[0]).unwrap();
        let (_, sub) = t.entries.iter().enumerate().find(|(_, x)| x.fullname == sname).unwrap_or_else(|| {
            panic!("{name}: COMMAND lists unknown subcommand {sname}");
        });
        assert_eq!(sub.parent.map(|p| &t.entries[p].fullname), Some(name));
        check_info(sub, &sinfo, t);
    }
}

/// `COMMAND INFO` and `COMMAND DOCS` know every command and subcommand by name.
#[test]
fn command_info_and_docs_for_every_entry() {
    let t = table();
    let srv = common::Server::start();
    let mut c = srv.conn();
    let names: Vec<&str> = t.entries.iter().map(|e| e.fullname.as_str()).collect();
    let infos: Vec<Value> = redis::cmd("COMMAND").arg("INFO").arg(&names).query(&mut c).unwrap();
    assert_eq!(infos.len(), names.len());
    for (e, v) in t.entries.iter().zip(&infos) {
        let Value::Array(info) = v else { panic!("COMMAND INFO {}: {v:?}", e.fullname) };
        assert_eq!(String::from_redis_value(&info[0]).unwrap(), e.fullname);
        check_info(e, info, &t);
    }
    let top: Vec<&str> = t.entries.iter().filter(|e| e.parent.is_none()).map(|e| e.fullname.as_str()).collect();
    let docs: HashMap<String, HashMap<String, Value>> =
        redis::cmd("COMMAND").arg("DOCS").arg(&top).query(&mut c).unwrap();
    assert_eq!(docs.len(), top.len());
    for e in t.entries.iter().filter(|e| e.parent.is_none()) {
        let d = &docs[&e.fullname];
        assert_eq!(String::from_redis_value(&d["summary"]).unwrap(), e.spec.summary, "{}", e.fullname);
        assert_eq!(String::from_redis_value(&d["since"]).unwrap(), e.spec.since, "{}", e.fullname);
        assert_eq!(String::from_redis_value(&d["group"]).unwrap(), e.spec.group, "{}", e.fullname);
        assert_eq!(d.contains_key("subcommands"), !e.subs.is_empty(), "{}", e.fullname);
    }
    let list: Vec<String> = redis::cmd("COMMAND").arg("LIST").query(&mut c).unwrap();
    let list: HashSet<String> = list.into_iter().collect();
    for name in &top {
        assert!(list.contains(*name), "COMMAND LIST lacks {name}");
    }
}

/// Dispatch enforces every declared arity with Redis's error text. Only calls
/// that violate the arity are sent, so no command actually runs.
#[test]
fn dispatch_enforces_declared_arity() {
    let t = table();
    let srv = common::Server::start();
    let mut c = srv.conn();
    let mut checked = 0;
    for e in &t.entries {
        let arity = e.spec.arity;
        // The words that select this entry: "get", or "config get".
        let mut base: Vec<String> = match e.parent {
            None => vec![e.spec.name.to_string()],
            Some(p) => vec![t.entries[p].spec.name.to_string(), e.spec.name.to_string()],
        };
        let too_few = (arity.unsigned_abs() as usize).checked_sub(1).filter(|&n| n >= base.len());
        let mut bad_calls = Vec::new();
        if let Some(n) = too_few {
            let mut argv = base.clone();
            argv.resize(n, "x".to_string());
            bad_calls.push(argv);
        }
        if arity > 0 {
            base.resize(arity as usize + 1, "x".to_string());
            bad_calls.push(base);
        }
        for argv in bad_calls {
            let r: redis::RedisResult<Value> = redis::cmd(&argv[0]).arg(&argv[1..]).query(&mut c);
            let msg = format!("wrong number of arguments for '{}' command", e.fullname);
            // A refused EXEC says so as the reason the transaction was discarded.
            let code = if e.fullname == "exec" { "EXECABORT Transaction discarded because of:" } else { "ERR" };
            common::assert_err(r, &format!("{code} {msg}"));
            checked += 1;
        }
    }
    assert!(checked > t.entries.len() / 2, "only {checked} arity checks ran");
    // The connection survived all of it.
    let pong: String = redis::cmd("PING").query(&mut c).unwrap();
    assert_eq!(pong, "PONG");
}

/// Arity, flags and key positions as Redis 7.0.15 reports them in
/// `COMMAND INFO` (observed facts), for the commands oxidis implements.
/// (name, arity, flags, first key, last key, key step)
type CommandFacts = (&'static str, i64, &'static [&'static str], i64, i64, i64);

const REDIS_7_0: &[CommandFacts] = &[
    ("append", 3, &["write", "denyoom", "fast"], 1, 1, 1),
    ("auth", -2, &["noscript", "loading", "stale", "fast", "no_auth", "allow_busy"], 0, 0, 0),
    ("bitcount", -2, &["readonly"], 1, 1, 1),
    ("bitfield", -2, &["write", "denyoom"], 1, 1, 1),
    ("bitfield_ro", -2, &["readonly", "fast"], 1, 1, 1),
    ("bitop", -4, &["write", "denyoom"], 2, -1, 1),
    ("bitpos", -3, &["readonly"], 1, 1, 1),
    ("client", -2, &[], 0, 0, 0),
    ("client|getname", 2, &["noscript", "loading", "stale"], 0, 0, 0),
    ("client|help", 2, &["loading", "stale"], 0, 0, 0),
    ("client|id", 2, &["noscript", "loading", "stale"], 0, 0, 0),
    ("client|info", 2, &["noscript", "loading", "stale"], 0, 0, 0),
    ("client|kill", -3, &["admin", "noscript", "loading", "stale"], 0, 0, 0),
    ("client|list", -2, &["admin", "noscript", "loading", "stale"], 0, 0, 0),
    ("client|no-evict", 3, &["admin", "noscript", "loading", "stale"], 0, 0, 0),
    ("client|pause", -3, &["admin", "noscript", "loading", "stale"], 0, 0, 0),
    ("client|reply", 3, &["noscript", "loading", "stale"], 0, 0, 0),
    ("client|setname", 3, &["noscript", "loading", "stale"], 0, 0, 0),
    ("client|unpause", 2, &["admin", "noscript", "loading", "stale"], 0, 0, 0),
    ("command", -1, &["loading", "stale"], 0, 0, 0),
    ("command|count", 2, &["loading", "stale"], 0, 0, 0),
    ("command|docs", -2, &["loading", "stale"], 0, 0, 0),
    ("command|getkeys", -4, &["loading", "stale"], 0, 0, 0),
    ("command|getkeysandflags", -4, &["loading", "stale"], 0, 0, 0),
    ("command|help", 2, &["loading", "stale"], 0, 0, 0),
    ("command|info", -2, &["loading", "stale"], 0, 0, 0),
    ("command|list", -2, &["loading", "stale"], 0, 0, 0),
    ("config", -2, &[], 0, 0, 0),
    ("config|get", -3, &["admin", "noscript", "loading", "stale"], 0, 0, 0),
    ("config|help", 2, &["loading", "stale"], 0, 0, 0),
    ("config|resetstat", 2, &["admin", "noscript", "loading", "stale"], 0, 0, 0),
    ("config|rewrite", 2, &["admin", "noscript", "loading", "stale"], 0, 0, 0),
    ("config|set", -4, &["admin", "noscript", "loading", "stale"], 0, 0, 0),
    ("copy", -3, &["write", "denyoom"], 1, 2, 1),
    ("dbsize", 1, &["readonly", "fast"], 0, 0, 0),
    ("debug", -2, &["admin", "noscript", "loading", "stale"], 0, 0, 0),
    ("decr", 2, &["write", "denyoom", "fast"], 1, 1, 1),
    ("decrby", 3, &["write", "denyoom", "fast"], 1, 1, 1),
    ("del", -2, &["write"], 1, -1, 1),
    ("discard", 1, &["noscript", "loading", "stale", "fast", "allow_busy"], 0, 0, 0),
    ("echo", 2, &["loading", "stale", "fast"], 0, 0, 0),
    ("exec", 1, &["noscript", "loading", "stale", "skip_slowlog"], 0, 0, 0),
    ("exists", -2, &["readonly", "fast"], 1, -1, 1),
    ("expire", -3, &["write", "fast"], 1, 1, 1),
    ("expireat", -3, &["write", "fast"], 1, 1, 1),
    ("expiretime", 2, &["readonly", "fast"], 1, 1, 1),
    ("flushall", -1, &["write"], 0, 0, 0),
    ("flushdb", -1, &["write"], 0, 0, 0),
    ("function", -2, &[], 0, 0, 0),
    ("function|flush", -2, &["write", "noscript"], 0, 0, 0),
    ("function|help", 2, &["loading", "stale"], 0, 0, 0),
    ("function|list", -2, &["noscript"], 0, 0, 0),
    ("get", 2, &["readonly", "fast"], 1, 1, 1),
    ("getbit", 3, &["readonly", "fast"], 1, 1, 1),
    ("getdel", 2, &["write", "fast"], 1, 1, 1),
    ("getex", -2, &["write", "fast"], 1, 1, 1),
    ("getrange", 4, &["readonly"], 1, 1, 1),
    ("getset", 3, &["write", "denyoom", "fast"], 1, 1, 1),
    ("hello", -1, &["noscript", "loading", "stale", "fast", "no_auth", "allow_busy"], 0, 0, 0),
    ("incr", 2, &["write", "denyoom", "fast"], 1, 1, 1),
    ("incrby", 3, &["write", "denyoom", "fast"], 1, 1, 1),
    ("incrbyfloat", 3, &["write", "denyoom", "fast"], 1, 1, 1),
    ("info", -1, &["loading", "stale"], 0, 0, 0),
    ("keys", 2, &["readonly"], 0, 0, 0),
    ("lastsave", 1, &["loading", "stale", "fast"], 0, 0, 0),
    ("lcs", -3, &["readonly"], 1, 2, 1),
    ("mget", -2, &["readonly", "fast"], 1, -1, 1),
    ("monitor", 1, &["admin", "noscript", "loading", "stale"], 0, 0, 0),
    ("move", 3, &["write", "fast"], 1, 1, 1),
    ("mset", -3, &["write", "denyoom"], 1, -1, 2),
    ("msetnx", -3, &["write", "denyoom"], 1, -1, 2),
    ("multi", 1, &["noscript", "loading", "stale", "fast", "allow_busy"], 0, 0, 0),
    ("object", -2, &[], 0, 0, 0),
    ("object|encoding", 3, &["readonly"], 2, 2, 1),
    ("object|freq", 3, &["readonly"], 2, 2, 1),
    ("object|help", 2, &["loading", "stale"], 0, 0, 0),
    ("object|idletime", 3, &["readonly"], 2, 2, 1),
    ("object|refcount", 3, &["readonly"], 2, 2, 1),
    ("persist", 2, &["write", "fast"], 1, 1, 1),
    ("pexpire", -3, &["write", "fast"], 1, 1, 1),
    ("pexpireat", -3, &["write", "fast"], 1, 1, 1),
    ("pexpiretime", 2, &["readonly", "fast"], 1, 1, 1),
    ("ping", -1, &["fast"], 0, 0, 0),
    ("psetex", 4, &["write", "denyoom"], 1, 1, 1),
    ("pttl", 2, &["readonly", "fast"], 1, 1, 1),
    ("quit", -1, &["noscript", "loading", "stale", "fast", "no_auth", "allow_busy"], 0, 0, 0),
    ("randomkey", 1, &["readonly"], 0, 0, 0),
    ("rename", 3, &["write"], 1, 2, 1),
    ("renamenx", 3, &["write", "fast"], 1, 2, 1),
    ("reset", 1, &["noscript", "loading", "stale", "fast", "no_auth", "allow_busy"], 0, 0, 0),
    ("scan", -2, &["readonly"], 0, 0, 0),
    ("select", 2, &["loading", "stale", "fast"], 0, 0, 0),
    ("set", -3, &["write", "denyoom"], 1, 1, 1),
    ("setbit", 4, &["write", "denyoom"], 1, 1, 1),
    ("setex", 4, &["write", "denyoom"], 1, 1, 1),
    ("setnx", 3, &["write", "denyoom", "fast"], 1, 1, 1),
    ("setrange", 4, &["write", "denyoom"], 1, 1, 1),
    ("shutdown", -1, &["admin", "noscript", "loading", "stale", "no_multi", "allow_busy"], 0, 0, 0),
    ("slowlog", -2, &[], 0, 0, 0),
    ("slowlog|get", -2, &["admin", "loading", "stale"], 0, 0, 0),
    ("slowlog|help", 2, &["loading", "stale"], 0, 0, 0),
    ("slowlog|len", 2, &["admin", "loading", "stale"], 0, 0, 0),
    ("slowlog|reset", 2, &["admin", "loading", "stale"], 0, 0, 0),
    ("sort", -2, &["write", "denyoom", "movablekeys"], 1, 1, 1),
    ("sort_ro", -2, &["readonly", "movablekeys"], 1, 1, 1),
    ("strlen", 2, &["readonly", "fast"], 1, 1, 1),
    ("substr", 4, &["readonly"], 1, 1, 1),
    ("swapdb", 3, &["write", "fast"], 0, 0, 0),
    ("time", 1, &["loading", "stale", "fast"], 0, 0, 0),
    ("touch", -2, &["readonly", "fast"], 1, -1, 1),
    ("ttl", 2, &["readonly", "fast"], 1, 1, 1),
    ("type", 2, &["readonly", "fast"], 1, 1, 1),
    ("unlink", -2, &["write", "fast"], 1, -1, 1),
    ("unwatch", 1, &["noscript", "loading", "stale", "fast", "allow_busy"], 0, 0, 0),
    ("watch", -2, &["noscript", "loading", "stale", "fast", "allow_busy"], 1, -1, 1),
];

/// Entries where oxidis is known to differ; each has its own ignored test.
const KNOWN_DIFFERENCES: &[&str] = &["command|getkeys", "command|getkeysandflags", "function|flush"];

fn compare_with_redis(names: &[&str]) -> Vec<String> {
    let t = table();
    let mut diffs = Vec::new();
    for &(name, arity, flags, first, last, step) in REDIS_7_0.iter().filter(|r| names.contains(&r.0)) {
        let Some(e) = t.entries.iter().find(|e| e.fullname == name) else {
            continue;
        };
        let ours = (e.spec.arity as i64, e.spec.keys.first as i64, e.spec.keys.last as i64, e.spec.keys.step as i64);
        if ours != (arity, first, last, step) {
            diffs.push(format!("{name}: arity/keys {ours:?}, Redis ({arity}, {first}, {last}, {step})"));
        }
        let our_flags: HashSet<&str> = flag_names(e.spec.flags).into_iter().collect();
        let want: HashSet<&str> = flags.iter().copied().collect();
        if our_flags != want {
            diffs.push(format!("{name}: flags {our_flags:?}, Redis {want:?}"));
        }
    }
    diffs
}

#[test]
fn arity_flags_and_keys_match_redis() {
    let names: Vec<&str> = REDIS_7_0.iter().map(|r| r.0).filter(|n| !KNOWN_DIFFERENCES.contains(n)).collect();
    let diffs = compare_with_redis(&names);
    assert!(diffs.is_empty(), "differences from Redis 7.0:\n{}", diffs.join("\n"));
}

#[test]
fn known_differences_from_redis() {
    let diffs = compare_with_redis(KNOWN_DIFFERENCES);
    assert!(diffs.is_empty(), "differences from Redis 7.0:\n{}", diffs.join("\n"));
}
