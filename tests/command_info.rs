//! COMMAND INFO, COMMAND DOCS and COMMAND GETKEYSANDFLAGS against Redis 7.0:
//! request and response policy tips, key specs (flags, begin_search,
//! find_keys, notes), documentation (summary, complexity, history, deprecation,
//! arguments) and the RESP2/RESP3 types of every part of the reply.
//!
//! The expected replies below are what Redis 7.0.15 answers (observed facts),
//! written in a compact notation (see [`render`]). When a real `redis-server`
//! 7.0 is installed, [`every_command_matches_real_redis`] also compares the
//! COMMAND INFO and COMMAND DOCS of every command oxidis declares, and
//! GETKEYSANDFLAGS for generated calls, with it; it skips itself with a
//! printed reason otherwise.

mod common;
#[path = "support/raw.rs"]
mod raw;

use std::collections::BTreeSet;

use common::persist::{have, Redis, TempDir};
use oxidis::commands::docs::{Arg, ArgKind};
use oxidis::commands::{CommandTable, Find, KEY_FLAG_ORDER};
use raw::{Frame, Raw};

/// A reply in one line: `+simple`, `"bulk"`, `-error`, `12`, `null`/`nil`,
/// `[array]`, `~[set]`, `{key: value}`. RESP2 and RESP3 types stay distinct.
fn render(f: &Frame) -> String {
    let list = |v: &[Frame]| v.iter().map(render).collect::<Vec<_>>().join(", ");
    match f {
        Frame::Simple(s) => format!("+{s}"),
        Frame::Error(e) => format!("-{e}"),
        Frame::Int(n) => n.to_string(),
        Frame::Bulk(Some(b)) => format!("\"{}\"", String::from_utf8_lossy(b)),
        Frame::Bulk(None) | Frame::Array(None) => "nil".into(),
        Frame::Null => "null".into(),
        Frame::Array(Some(v)) => format!("[{}]", list(v)),
        Frame::Set(v) => format!("~[{}]", list(v)),
        Frame::Map(m) => {
            let pairs: Vec<String> = m.iter().map(|(k, v)| format!("{}: {}", render(k), render(v))).collect();
            format!("{{{}}}", pairs.join(", "))
        }
        other => format!("{other:?}"),
    }
}

/// What a RESP3 reply looks like in RESP2: maps flattened, sets as arrays.
fn downgrade(f: &Frame) -> Frame {
    match f {
        Frame::Array(Some(v)) | Frame::Set(v) => Frame::Array(Some(v.iter().map(downgrade).collect())),
        Frame::Map(m) => Frame::Array(Some(m.iter().flat_map(|(k, v)| [downgrade(k), downgrade(v)]).collect())),
        Frame::Null => Frame::Bulk(None),
        other => other.clone(),
    }
}

/// A connection speaking RESP2 and one speaking RESP3.
fn conns(port: u16) -> (Raw, Raw) {
    let connect = || Raw::new(std::net::TcpStream::connect(("127.0.0.1", port)).expect("connect"));
    let resp2 = connect();
    let mut resp3 = connect();
    assert!(!resp3.cmd(&["HELLO", "3"]).is_error());
    (resp2, resp3)
}

/// Redis 7.0.15's `COMMAND INFO <name>` entry, in RESP3.
#[rustfmt::skip]
const REDIS_7_0_INFO: &[(&str, &str)] = &[
    (
        "get",
        r#"["get", 2, ~[+readonly, +fast], 1, 1, 1, ~[+@read, +@string, +@fast], ~[], ~[{"flags": ~[+RO, +access], "begin_search": {"type": "index", "spec": {"index": 1}}, "find_keys": {"type": "range", "spec": {"lastkey": 0, "keystep": 1, "limit": 0}}}], ~[]]"#,
    ),
    (
        "set",
        r#"["set", -3, ~[+write, +denyoom], 1, 1, 1, ~[+@write, +@string, +@slow], ~[], ~[{"notes": "RW and ACCESS due to the optional `GET` argument", "flags": ~[+RW, +access, +update, +variable_flags], "begin_search": {"type": "index", "spec": {"index": 1}}, "find_keys": {"type": "range", "spec": {"lastkey": 0, "keystep": 1, "limit": 0}}}], ~[]]"#,
    ),
    (
        "setnx",
        r#"["setnx", 3, ~[+write, +denyoom, +fast], 1, 1, 1, ~[+@write, +@string, +@fast], ~[], ~[{"flags": ~[+OW, +insert], "begin_search": {"type": "index", "spec": {"index": 1}}, "find_keys": {"type": "range", "spec": {"lastkey": 0, "keystep": 1, "limit": 0}}}], ~[]]"#,
    ),
    (
        "del",
        r#"["del", -2, ~[+write], 1, -1, 1, ~[+@keyspace, +@write, +@slow], ~["request_policy:multi_shard", "response_policy:agg_sum"], ~[{"flags": ~[+RM, +delete], "begin_search": {"type": "index", "spec": {"index": 1}}, "find_keys": {"type": "range", "spec": {"lastkey": -1, "keystep": 1, "limit": 0}}}], ~[]]"#,
    ),
    (
        "exists",
        r#"["exists", -2, ~[+readonly, +fast], 1, -1, 1, ~[+@keyspace, +@read, +@fast], ~["request_policy:multi_shard", "response_policy:agg_sum"], ~[{"flags": ~[+RO], "begin_search": {"type": "index", "spec": {"index": 1}}, "find_keys": {"type": "range", "spec": {"lastkey": -1, "keystep": 1, "limit": 0}}}], ~[]]"#,
    ),
    (
        "lmove",
        r#"["lmove", 5, ~[+write, +denyoom], 1, 2, 1, ~[+@write, +@list, +@slow], ~[], ~[{"flags": ~[+RW, +access, +delete], "begin_search": {"type": "index", "spec": {"index": 1}}, "find_keys": {"type": "range", "spec": {"lastkey": 0, "keystep": 1, "limit": 0}}}, {"flags": ~[+RW, +insert], "begin_search": {"type": "index", "spec": {"index": 2}}, "find_keys": {"type": "range", "spec": {"lastkey": 0, "keystep": 1, "limit": 0}}}], ~[]]"#,
    ),
    (
        "bitop",
        r#"["bitop", -4, ~[+write, +denyoom], 2, -1, 1, ~[+@write, +@bitmap, +@slow], ~[], ~[{"flags": ~[+OW, +update], "begin_search": {"type": "index", "spec": {"index": 2}}, "find_keys": {"type": "range", "spec": {"lastkey": 0, "keystep": 1, "limit": 0}}}, {"flags": ~[+RO, +access], "begin_search": {"type": "index", "spec": {"index": 3}}, "find_keys": {"type": "range", "spec": {"lastkey": -1, "keystep": 1, "limit": 0}}}], ~[]]"#,
    ),
    (
        "sinterstore",
        r#"["sinterstore", -3, ~[+write, +denyoom], 1, -1, 1, ~[+@write, +@set, +@slow], ~[], ~[{"flags": ~[+RW, +update], "begin_search": {"type": "index", "spec": {"index": 1}}, "find_keys": {"type": "range", "spec": {"lastkey": 0, "keystep": 1, "limit": 0}}}, {"flags": ~[+RO, +access], "begin_search": {"type": "index", "spec": {"index": 2}}, "find_keys": {"type": "range", "spec": {"lastkey": -1, "keystep": 1, "limit": 0}}}], ~[]]"#,
    ),
    (
        "migrate",
        r#"["migrate", -6, ~[+write, +movablekeys], 3, 3, 1, ~[+@keyspace, +@write, +@slow, +@dangerous], ~["nondeterministic_output"], ~[{"flags": ~[+RW, +access, +delete], "begin_search": {"type": "index", "spec": {"index": 3}}, "find_keys": {"type": "range", "spec": {"lastkey": 0, "keystep": 1, "limit": 0}}}, {"flags": ~[+RW, +access, +delete, +incomplete], "begin_search": {"type": "keyword", "spec": {"keyword": "KEYS", "startfrom": -2}}, "find_keys": {"type": "range", "spec": {"lastkey": -1, "keystep": 1, "limit": 0}}}], ~[]]"#,
    ),
    (
        "zunionstore",
        r#"["zunionstore", -4, ~[+write, +denyoom, +movablekeys], 1, 1, 1, ~[+@write, +@sortedset, +@slow], ~[], ~[{"flags": ~[+OW, +update], "begin_search": {"type": "index", "spec": {"index": 1}}, "find_keys": {"type": "range", "spec": {"lastkey": 0, "keystep": 1, "limit": 0}}}, {"flags": ~[+RO, +access], "begin_search": {"type": "index", "spec": {"index": 2}}, "find_keys": {"type": "keynum", "spec": {"keynumidx": 0, "firstkey": 1, "keystep": 1}}}], ~[]]"#,
    ),
    (
        "eval",
        r#"["eval", -3, ~[+noscript, +stale, +skip_monitor, +no_mandatory_keys, +movablekeys], 0, 0, 0, ~[+@slow, +@scripting], ~[], ~[{"notes": "We cannot tell how the keys will be used so we assume the worst, RW and UPDATE", "flags": ~[+RW, +access, +update], "begin_search": {"type": "index", "spec": {"index": 2}}, "find_keys": {"type": "keynum", "spec": {"keynumidx": 0, "firstkey": 1, "keystep": 1}}}], ~[]]"#,
    ),
    (
        "sort",
        r#"["sort", -2, ~[+write, +denyoom, +movablekeys], 1, 1, 1, ~[+@write, +@set, +@sortedset, +@list, +@slow, +@dangerous], ~[], ~[{"flags": ~[+RO, +access], "begin_search": {"type": "index", "spec": {"index": 1}}, "find_keys": {"type": "range", "spec": {"lastkey": 0, "keystep": 1, "limit": 0}}}, {"notes": "For the optional BY/GET keyword. It is marked 'unknown' because the key names derive from the content of the key we sort", "flags": ~[+RO, +access], "begin_search": {"type": "unknown", "spec": {}}, "find_keys": {"type": "unknown", "spec": {}}}, {"notes": "For the optional STORE keyword. It is marked 'unknown' because the keyword can appear anywhere in the argument array", "flags": ~[+OW, +update], "begin_search": {"type": "unknown", "spec": {}}, "find_keys": {"type": "unknown", "spec": {}}}], ~[]]"#,
    ),
    (
        "ssubscribe",
        r#"["ssubscribe", -2, ~[+pubsub, +noscript, +loading, +stale], 1, -1, 1, ~[+@pubsub, +@slow], ~[], ~[{"flags": ~[+not_key], "begin_search": {"type": "index", "spec": {"index": 1}}, "find_keys": {"type": "range", "spec": {"lastkey": -1, "keystep": 1, "limit": 0}}}], ~[]]"#,
    ),
    (
        "keys",
        r#"["keys", 2, ~[+readonly], 0, 0, 0, ~[+@keyspace, +@read, +@slow, +@dangerous], ~["request_policy:all_shards", "nondeterministic_output_order"], ~[], ~[]]"#,
    ),
    (
        "slowlog|len",
        r#"["slowlog|len", 2, ~[+admin, +loading, +stale], 0, 0, 0, ~[+@admin, +@slow, +@dangerous], ~["request_policy:all_nodes", "response_policy:agg_sum", "nondeterministic_output"], ~[], ~[]]"#,
    ),
    (
        "config|set",
        r#"["config|set", -4, ~[+admin, +noscript, +loading, +stale], 0, 0, 0, ~[+@admin, +@slow, +@dangerous], ~["request_policy:all_nodes", "response_policy:all_succeeded"], ~[], ~[]]"#,
    ),
    (
        "info",
        r#"["info", -1, ~[+loading, +stale], 0, 0, 0, ~[+@slow, +@dangerous], ~["nondeterministic_output", "request_policy:all_shards", "response_policy:special"], ~[], ~[]]"#,
    ),
    (
        "hgetall",
        r#"["hgetall", 2, ~[+readonly], 1, 1, 1, ~[+@read, +@hash, +@slow], ~["nondeterministic_output_order"], ~[{"flags": ~[+RO, +access], "begin_search": {"type": "index", "spec": {"index": 1}}, "find_keys": {"type": "range", "spec": {"lastkey": 0, "keystep": 1, "limit": 0}}}], ~[]]"#,
    ),
    (
        "ttl",
        r#"["ttl", 2, ~[+readonly, +fast], 1, 1, 1, ~[+@keyspace, +@read, +@fast], ~["nondeterministic_output"], ~[{"flags": ~[+RO, +access], "begin_search": {"type": "index", "spec": {"index": 1}}, "find_keys": {"type": "range", "spec": {"lastkey": 0, "keystep": 1, "limit": 0}}}], ~[]]"#,
    ),
    (
        "getex",
        r#"["getex", -2, ~[+write, +fast], 1, 1, 1, ~[+@write, +@string, +@fast], ~[], ~[{"notes": "RW and UPDATE because it changes the TTL", "flags": ~[+RW, +access, +update], "begin_search": {"type": "index", "spec": {"index": 1}}, "find_keys": {"type": "range", "spec": {"lastkey": 0, "keystep": 1, "limit": 0}}}], ~[]]"#,
    ),
    (
        "blpop",
        r#"["blpop", -3, ~[+write, +noscript, +blocking], 1, -2, 1, ~[+@write, +@list, +@slow, +@blocking], ~[], ~[{"flags": ~[+RW, +access, +delete], "begin_search": {"type": "index", "spec": {"index": 1}}, "find_keys": {"type": "range", "spec": {"lastkey": -2, "keystep": 1, "limit": 0}}}], ~[]]"#,
    ),
    (
        "mset",
        r#"["mset", -3, ~[+write, +denyoom], 1, -1, 2, ~[+@write, +@string, +@slow], ~["request_policy:multi_shard", "response_policy:all_succeeded"], ~[{"flags": ~[+OW, +update], "begin_search": {"type": "index", "spec": {"index": 1}}, "find_keys": {"type": "range", "spec": {"lastkey": -1, "keystep": 2, "limit": 0}}}], ~[]]"#,
    ),
    (
        "memory|usage",
        r#"["memory|usage", -3, ~[+readonly], 2, 2, 1, ~[+@read, +@slow], ~[], ~[{"flags": ~[+RO], "begin_search": {"type": "index", "spec": {"index": 2}}, "find_keys": {"type": "range", "spec": {"lastkey": 0, "keystep": 1, "limit": 0}}}], ~[]]"#,
    ),
    (
        "bitfield",
        r#"["bitfield", -2, ~[+write, +denyoom], 1, 1, 1, ~[+@write, +@bitmap, +@slow], ~[], ~[{"notes": "This command allows both access and modification of the key", "flags": ~[+RW, +access, +update, +variable_flags], "begin_search": {"type": "index", "spec": {"index": 1}}, "find_keys": {"type": "range", "spec": {"lastkey": 0, "keystep": 1, "limit": 0}}}], ~[]]"#,
    ),
    (
        "spublish",
        r#"["spublish", 3, ~[+pubsub, +loading, +stale, +fast], 1, 1, 1, ~[+@pubsub, +@fast], ~[], ~[{"flags": ~[+not_key], "begin_search": {"type": "index", "spec": {"index": 1}}, "find_keys": {"type": "range", "spec": {"lastkey": 0, "keystep": 1, "limit": 0}}}], ~[]]"#,
    ),
];

/// Redis 7.0.15's `COMMAND DOCS <name>` reply, in RESP3.
#[rustfmt::skip]
const REDIS_7_0_DOCS: &[(&str, &str)] = &[
    (
        "get",
        r#"{"get": {"summary": "Get the value of a key", "since": "1.0.0", "group": "string", "complexity": "O(1)", "arguments": [{"name": "key", "type": "key", "key_spec_index": 0}]}}"#,
    ),
    (
        "set",
        r#"{"set": {"summary": "Set the string value of a key", "since": "1.0.0", "group": "string", "complexity": "O(1)", "history": ~[["2.6.12", "Added the `EX`, `PX`, `NX` and `XX` options."], ["6.0.0", "Added the `KEEPTTL` option."], ["6.2.0", "Added the `GET`, `EXAT` and `PXAT` option."], ["7.0.0", "Allowed the `NX` and `GET` options to be used together."]], "arguments": [{"name": "key", "type": "key", "key_spec_index": 0}, {"name": "value", "type": "string"}, {"name": "condition", "type": "oneof", "since": "2.6.12", "flags": ~[+optional], "arguments": [{"name": "nx", "type": "pure-token", "token": "NX"}, {"name": "xx", "type": "pure-token", "token": "XX"}]}, {"name": "get", "type": "pure-token", "token": "GET", "since": "6.2.0", "flags": ~[+optional]}, {"name": "expiration", "type": "oneof", "flags": ~[+optional], "arguments": [{"name": "seconds", "type": "integer", "token": "EX", "since": "2.6.12"}, {"name": "milliseconds", "type": "integer", "token": "PX", "since": "2.6.12"}, {"name": "unix-time-seconds", "type": "unix-time", "token": "EXAT", "since": "6.2.0"}, {"name": "unix-time-milliseconds", "type": "unix-time", "token": "PXAT", "since": "6.2.0"}, {"name": "keepttl", "type": "pure-token", "token": "KEEPTTL", "since": "6.0.0"}]}]}}"#,
    ),
    (
        "getset",
        r#"{"getset": {"summary": "Set the string value of a key and return its old value", "since": "1.0.0", "group": "string", "complexity": "O(1)", "doc_flags": ~[+deprecated], "deprecated_since": "6.2.0", "replaced_by": "`SET` with the `!GET` argument", "arguments": [{"name": "key", "type": "key", "key_spec_index": 0}, {"name": "value", "type": "string"}]}}"#,
    ),
    (
        "migrate",
        r#"{"migrate": {"summary": "Atomically transfer a key from a Redis instance to another one.", "since": "2.6.0", "group": "generic", "complexity": "This command actually executes a DUMP+DEL in the source instance, and a RESTORE in the target instance. See the pages of these commands for time complexity. Also an O(N) data transfer between the two instances is performed.", "history": ~[["3.0.0", "Added the `COPY` and `REPLACE` options."], ["3.0.6", "Added the `KEYS` option."], ["4.0.7", "Added the `AUTH` option."], ["6.0.0", "Added the `AUTH2` option."]], "arguments": [{"name": "host", "type": "string"}, {"name": "port", "type": "integer"}, {"name": "key_or_empty_string", "type": "oneof", "arguments": [{"name": "key", "type": "key", "key_spec_index": 0}, {"name": "empty_string", "type": "pure-token", "token": ""}]}, {"name": "destination-db", "type": "integer"}, {"name": "timeout", "type": "integer"}, {"name": "copy", "type": "pure-token", "token": "COPY", "since": "3.0.0", "flags": ~[+optional]}, {"name": "replace", "type": "pure-token", "token": "REPLACE", "since": "3.0.0", "flags": ~[+optional]}, {"name": "authentication", "type": "oneof", "flags": ~[+optional], "arguments": [{"name": "password", "type": "string", "token": "AUTH", "since": "4.0.7", "flags": ~[+optional]}, {"name": "username_password", "type": "block", "token": "AUTH2", "since": "6.0.0", "flags": ~[+optional], "arguments": [{"name": "username", "type": "string"}, {"name": "password", "type": "string"}]}]}, {"name": "key", "type": "key", "key_spec_index": 1, "token": "KEYS", "since": "3.0.6", "flags": ~[+optional, +multiple]}]}}"#,
    ),
    (
        "sort",
        r#"{"sort": {"summary": "Sort the elements in a list, set or sorted set", "since": "1.0.0", "group": "generic", "complexity": "O(N+M*log(M)) where N is the number of elements in the list or set to sort, and M the number of returned elements. When the elements are not sorted, complexity is O(N).", "arguments": [{"name": "key", "type": "key", "key_spec_index": 0}, {"name": "pattern", "type": "pattern", "key_spec_index": 1, "token": "BY", "flags": ~[+optional]}, {"name": "offset_count", "type": "block", "token": "LIMIT", "flags": ~[+optional], "arguments": [{"name": "offset", "type": "integer"}, {"name": "count", "type": "integer"}]}, {"name": "pattern", "type": "pattern", "key_spec_index": 1, "token": "GET", "flags": ~[+optional, +multiple, +multiple_token]}, {"name": "order", "type": "oneof", "flags": ~[+optional], "arguments": [{"name": "asc", "type": "pure-token", "token": "ASC"}, {"name": "desc", "type": "pure-token", "token": "DESC"}]}, {"name": "sorting", "type": "pure-token", "token": "ALPHA", "flags": ~[+optional]}, {"name": "destination", "type": "key", "key_spec_index": 2, "token": "STORE", "flags": ~[+optional]}]}}"#,
    ),
    (
        "debug",
        r#"{"debug": {"summary": "A container for debugging commands", "since": "1.0.0", "group": "server", "complexity": "Depends on subcommand.", "doc_flags": ~[+syscmd]}}"#,
    ),
    (
        "monitor",
        r#"{"monitor": {"summary": "Listen for all requests received by the server in real time", "since": "1.0.0", "group": "server"}}"#,
    ),
    (
        "client|kill",
        r#"{"client|kill": {"summary": "Kill the connection of a client", "since": "2.4.0", "group": "connection", "complexity": "O(N) where N is the number of client connections", "history": ~[["2.8.12", "Added new filter format."], ["2.8.12", "`ID` option."], ["3.2.0", "Added `master` type in for `TYPE` option."], ["5.0.0", "Replaced `slave` `TYPE` with `replica`. `slave` still supported for backward compatibility."], ["6.2.0", "`LADDR` option."]], "arguments": [{"name": "filter", "type": "oneof", "arguments": [{"name": "ip:port", "type": "string", "deprecated_since": "2.8.12"}, {"name": "new-format", "type": "oneof", "flags": ~[+multiple], "arguments": [{"name": "client-id", "type": "integer", "token": "ID", "since": "2.8.12", "flags": ~[+optional]}, {"name": "normal_master_slave_pubsub", "type": "oneof", "token": "TYPE", "since": "2.8.12", "flags": ~[+optional], "arguments": [{"name": "normal", "type": "pure-token", "token": "NORMAL"}, {"name": "master", "type": "pure-token", "token": "MASTER", "since": "3.2.0"}, {"name": "slave", "type": "pure-token", "token": "SLAVE"}, {"name": "replica", "type": "pure-token", "token": "REPLICA", "since": "5.0.0"}, {"name": "pubsub", "type": "pure-token", "token": "PUBSUB"}]}, {"name": "username", "type": "string", "token": "USER", "flags": ~[+optional]}, {"name": "ip:port", "type": "string", "token": "ADDR", "flags": ~[+optional]}, {"name": "ip:port", "type": "string", "token": "LADDR", "since": "6.2.0", "flags": ~[+optional]}, {"name": "yes/no", "type": "string", "token": "SKIPME", "flags": ~[+optional]}]}]}]}}"#,
    ),
    (
        "zadd",
        r#"{"zadd": {"summary": "Add one or more members to a sorted set, or update its score if it already exists", "since": "1.2.0", "group": "sorted-set", "complexity": "O(log(N)) for each item added, where N is the number of elements in the sorted set.", "history": ~[["2.4.0", "Accepts multiple elements."], ["3.0.2", "Added the `XX`, `NX`, `CH` and `INCR` options."], ["6.2.0", "Added the `GT` and `LT` options."]], "arguments": [{"name": "key", "type": "key", "key_spec_index": 0}, {"name": "condition", "type": "oneof", "since": "3.0.2", "flags": ~[+optional], "arguments": [{"name": "nx", "type": "pure-token", "token": "NX"}, {"name": "xx", "type": "pure-token", "token": "XX"}]}, {"name": "comparison", "type": "oneof", "since": "6.2.0", "flags": ~[+optional], "arguments": [{"name": "gt", "type": "pure-token", "token": "GT"}, {"name": "lt", "type": "pure-token", "token": "LT"}]}, {"name": "change", "type": "pure-token", "token": "CH", "since": "3.0.2", "flags": ~[+optional]}, {"name": "increment", "type": "pure-token", "token": "INCR", "since": "3.0.2", "flags": ~[+optional]}, {"name": "score_member", "type": "block", "flags": ~[+multiple], "arguments": [{"name": "score", "type": "double"}, {"name": "member", "type": "string"}]}]}}"#,
    ),
];

/// Redis 7.0.15's `COMMAND GETKEYSANDFLAGS <call>` reply, in RESP3.
#[rustfmt::skip]
const REDIS_7_0_GETKEYSANDFLAGS: &[(&[&str], &str)] = &[
    (&["SET", "k", "v"], r#"[["k", ~[+OW, +update]]]"#),
    (&["SET", "k", "v", "EX", "10", "GET"], r#"[["k", ~[+RW, +access, +update]]]"#),
    (&["SETNX", "k", "v"], r#"[["k", ~[+OW, +insert]]]"#),
    (&["BITFIELD", "k", "GET", "u8", "0", "OVERFLOW", "WRAP"], r#"[["k", ~[+RO, +access]]]"#),
    (&["BITFIELD", "k", "GET", "u8", "0", "SET", "u8", "0", "1"], r#"[["k", ~[+RW, +access, +update]]]"#),
    (&["BITFIELD", "k", "GET", "u8"], r#"[["k", ~[+RW, +access, +update]]]"#),
    (&["COPY", "a", "b"], r#"[["a", ~[+RO, +access]], ["b", ~[+OW, +update]]]"#),
    (&["RENAME", "a", "b"], r#"[["a", ~[+RW, +access, +delete]], ["b", ~[+OW, +update]]]"#),
    (&["RENAMENX", "a", "b"], r#"[["a", ~[+RW, +access, +delete]], ["b", ~[+OW, +insert]]]"#),
    (&["LMOVE", "a", "b", "LEFT", "RIGHT"], r#"[["a", ~[+RW, +access, +delete]], ["b", ~[+RW, +insert]]]"#),
    (&["DEL", "a", "b"], r#"[["a", ~[+RM, +delete]], ["b", ~[+RM, +delete]]]"#),
    (&["EXISTS", "a", "b"], r#"[["a", ~[+RO]], ["b", ~[+RO]]]"#),
    (&["BITOP", "AND", "d", "a", "b"], r#"[["d", ~[+OW, +update]], ["a", ~[+RO, +access]], ["b", ~[+RO, +access]]]"#),
    (&["SINTERSTORE", "d", "a", "b"], r#"[["d", ~[+RW, +update]], ["a", ~[+RO, +access]], ["b", ~[+RO, +access]]]"#),
    (&["ZRANGESTORE", "d", "s", "0", "-1"], r#"[["d", ~[+OW, +update]], ["s", ~[+RO, +access]]]"#),
    (&["MSETNX", "a", "1", "b", "2"], r#"[["a", ~[+OW, +insert]], ["b", ~[+OW, +insert]]]"#),
    (&["INCR", "n"], r#"[["n", ~[+RW, +access, +update]]]"#),
    (&["HDEL", "h", "f"], r#"[["h", ~[+RW, +delete]]]"#),
    (&["LPUSH", "l", "x"], r#"[["l", ~[+RW, +insert]]]"#),
    (&["SPOP", "s"], r#"[["s", ~[+RW, +access, +delete]]]"#),
    (&["OBJECT", "ENCODING", "k"], r#"[["k", ~[+RO]]]"#),
    (&["MIGRATE", "h", "1", "k", "0", "0"], r#"[["k", ~[+RW, +access, +delete]]]"#),
    (&["MIGRATE", "h", "1", "k", "0", "0", "REPLACE"], r#"[["k", ~[+RW, +access, +delete]]]"#),
    (&["MIGRATE", "h", "1", "", "0", "0", "AUTH", "pw", "KEYS", "a", "b"], r#"[["a", ~[+RW, +access, +delete]], ["b", ~[+RW, +access, +delete]]]"#),
    (&["MIGRATE", "h", "1", "k", "0", "0", "KEYS", "a"], r#"-ERR Invalid arguments specified for command"#),
    (&["EVAL", "s", "0"], r#"[]"#),
    (&["EVAL", "s", "2", "a", "b", "c"], r#"[["a", ~[+RW, +access, +update]], ["b", ~[+RW, +access, +update]]]"#),
    (&["ZUNIONSTORE", "d", "2", "a", "b"], r#"[["d", ~[+OW, +update]], ["a", ~[+RO, +access]], ["b", ~[+RO, +access]]]"#),
    (&["ZUNIONSTORE", "d", "3", "a", "b"], r#"-ERR Invalid arguments specified for command"#),
    (&["SSUBSCRIBE", "ch"], r#"-ERR The command has no key arguments"#),
    (&["SPUBLISH", "ch", "m"], r#"-ERR The command has no key arguments"#),
    (&["GET"], r#"-ERR wrong number of arguments for 'command|getkeysandflags' command"#),
];

#[test]
fn command_info_matches_redis_7_0() {
    let srv = common::Server::start();
    let (mut c2, mut c3) = conns(srv.port);
    for (name, want) in REDIS_7_0_INFO {
        let reply = c3.cmd(&["COMMAND", "INFO", name]);
        let entry = &reply.items()[0];
        assert_eq!(render(entry), *want, "COMMAND INFO {name} (RESP3)");
        let reply2 = c2.cmd(&["COMMAND", "INFO", name]);
        assert_eq!(render(&reply2.items()[0]), render(&downgrade(entry)), "COMMAND INFO {name} (RESP2)");
    }
}

#[test]
fn command_docs_matches_redis_7_0() {
    let srv = common::Server::start();
    let (mut c2, mut c3) = conns(srv.port);
    for (name, want) in REDIS_7_0_DOCS {
        let reply = c3.cmd(&["COMMAND", "DOCS", name]);
        assert_eq!(render(&reply), *want, "COMMAND DOCS {name} (RESP3)");
        let reply2 = c2.cmd(&["COMMAND", "DOCS", name]);
        assert_eq!(render(&reply2), render(&downgrade(&reply)), "COMMAND DOCS {name} (RESP2)");
    }
}

#[test]
fn getkeysandflags_matches_redis_7_0() {
    let srv = common::Server::start();
    let (mut c2, mut c3) = conns(srv.port);
    for (call, want) in REDIS_7_0_GETKEYSANDFLAGS {
        let mut argv = vec!["COMMAND", "GETKEYSANDFLAGS"];
        argv.extend_from_slice(call);
        let reply = c3.cmd(&argv);
        assert_eq!(render(&reply), *want, "{call:?} (RESP3)");
        assert_eq!(render(&c2.cmd(&argv)), render(&downgrade(&reply)), "{call:?} (RESP2)");
        // GETKEYS names the same keys.
        argv[1] = "GETKEYS";
        let keys = c2.cmd(&argv);
        match &reply {
            Frame::Error(e) => assert_eq!(keys, Frame::Error(e.replace("getkeysandflags", "getkeys")), "{call:?}"),
            _ => {
                let want: Vec<Frame> = reply.items().iter().map(|k| downgrade(&k.items()[0])).collect();
                assert_eq!(keys.items(), &want[..], "GETKEYS {call:?}");
            }
        }
    }
}

/// The tips Redis 7.0 defines (`COMMAND DOCS`/`COMMAND INFO` documentation).
const TIPS: &[&str] = &[
    "nondeterministic_output",
    "nondeterministic_output_order",
    "request_policy:all_nodes",
    "request_policy:all_shards",
    "request_policy:multi_shard",
    "request_policy:special",
    "response_policy:one_succeeded",
    "response_policy:all_succeeded",
    "response_policy:agg_logical_and",
    "response_policy:agg_logical_or",
    "response_policy:agg_min",
    "response_policy:agg_max",
    "response_policy:agg_sum",
    "response_policy:special",
];

#[test]
fn tips_and_key_specs_are_well_formed() {
    let t = CommandTable::new();
    for e in &t.entries {
        let (name, c) = (&e.fullname, e.spec);
        // Tips: known, no repeats, at most one policy of each kind, and a
        // nondeterministic order only makes sense for a deterministic output.
        let tips: BTreeSet<&str> = c.tips.iter().copied().collect();
        assert_eq!(tips.len(), c.tips.len(), "{name}: repeated tip in {:?}", c.tips);
        for tip in c.tips {
            assert!(TIPS.contains(tip), "{name}: unknown tip {tip:?}");
        }
        for kind in ["request_policy:", "response_policy:"] {
            assert!(c.tips.iter().filter(|t| t.starts_with(kind)).count() <= 1, "{name}: two {kind} tips");
        }
        assert!(
            !(tips.contains("nondeterministic_output") && tips.contains("nondeterministic_output_order")),
            "{name}: both nondeterministic tips"
        );
        // A multi-shard request splits by key, so the command has keys.
        if tips.contains("request_policy:multi_shard") {
            assert!(c.keys.first > 0, "{name}: multi_shard without keys");
        }
        // Key specs: flags from Redis's list, in its order, exactly one of
        // RO/RW/OW/RM for a key (none for a channel).
        for ks in c.effective_key_specs() {
            let pos: Vec<usize> = ks
                .flags
                .iter()
                .map(|f| KEY_FLAG_ORDER.iter().position(|x| x == f).unwrap_or_else(|| panic!("{name}: flag {f:?}")))
                .collect();
            assert!(pos.windows(2).all(|w| w[0] < w[1]), "{name}: key flags {:?} out of order", ks.flags);
            let access = ks.flags.iter().filter(|f| ["RO", "RW", "OW", "RM"].contains(f)).count();
            let not_key = ks.flags.contains(&"not_key");
            assert_eq!(access, usize::from(!not_key), "{name}: key flags {:?}", ks.flags);
            match ks.find {
                Find::Range(k) => {
                    assert!(k.first > 0 && k.step > 0, "{name}: range {k:?}");
                    assert!(k.last < 0 || k.last >= k.first, "{name}: range {k:?}");
                }
                Find::Keynum { index, keynumidx, firstkey, step } => {
                    assert!(index > 0 && keynumidx >= 0 && firstkey > keynumidx && step > 0, "{name}: keynum");
                }
                Find::Keyword { keyword, startfrom, step, .. } => {
                    assert!(!keyword.is_empty() && startfrom != 0 && step > 0, "{name}: keyword");
                    assert_eq!(keyword, keyword.to_uppercase(), "{name}: keyword {keyword}");
                }
                Find::Unknown => {}
            }
        }
        // variable_flags needs a key finder that tells the flags of each call.
        let variable = c.effective_key_specs().iter().any(|ks| ks.flags.contains(&"variable_flags"));
        assert!(!variable || c.get_keys.is_some(), "{name}: variable_flags without a key finder");
        // Documentation: versions, deprecation, arguments.
        let version = |v: &str| v.split('.').count() == 3 && v.split('.').all(|p| p.parse::<u32>().is_ok());
        for (v, change) in c.history {
            assert!(version(v) && !change.is_empty(), "{name}: history ({v:?}, {change:?})");
        }
        let deprecated = c.doc_flags.contains(&"deprecated");
        assert_eq!(deprecated, !c.deprecated_since.is_empty(), "{name}: deprecated_since");
        assert_eq!(deprecated, !c.replaced_by.is_empty(), "{name}: replaced_by");
        assert!(
            c.doc_flags.iter().all(|f| ["deprecated", "syscmd"].contains(f)),
            "{name}: doc flags {:?}",
            c.doc_flags
        );
        check_args(name, c.args, c.effective_key_specs().len(), &version);
    }
}

/// Every documented argument is complete, and a key argument names one of
/// the command's key specs.
fn check_args(name: &str, args: &[Arg], specs: usize, version: &dyn Fn(&str) -> bool) {
    for a in args {
        assert!(!a.name.is_empty(), "{name}: argument without a name");
        for v in [a.since, a.deprecated_since] {
            assert!(v.is_empty() || version(v), "{name}: {} version {v:?}", a.name);
        }
        match a.kind {
            ArgKind::Key => assert!(a.key_spec_index >= 0, "{name}: key {} without a key spec", a.name),
            ArgKind::PureToken => assert!(a.token.is_some(), "{name}: pure token {} without its word", a.name),
            ArgKind::Oneof(of) | ArgKind::Block(of) => {
                assert!(!of.is_empty(), "{name}: empty {}", a.name);
                check_args(name, of, specs, version);
            }
            _ => {}
        }
        assert!(a.key_spec_index < specs as i32, "{name}: {} names key spec {} of {specs}", a.name, a.key_spec_index);
    }
}

/// A COMMAND DOCS reply with its subcommand maps sorted (Redis's order is
/// random) and the subcommands Redis 7.0 lacks left out.
fn normalize_docs(f: &Frame) -> Frame {
    let is_newer =
        |k: &Frame| matches!(k, Frame::Bulk(Some(b)) if NEWER_THAN_7_0.contains(&String::from_utf8_lossy(b).as_ref()));
    let sorted = |pairs: Vec<(Frame, Frame)>| {
        let mut pairs: Vec<(Frame, Frame)> = pairs.into_iter().filter(|(k, _)| !is_newer(k)).collect();
        pairs.sort_by_key(|(k, _)| render(k));
        pairs
    };
    match f {
        Frame::Map(m) => Frame::Map(
            m.iter()
                .map(|(k, v)| {
                    let v = normalize_docs(v);
                    match (k, v) {
                        (Frame::Bulk(Some(name)), Frame::Map(subs)) if name == b"subcommands" => {
                            (k.clone(), Frame::Map(sorted(subs)))
                        }
                        (_, v) => (k.clone(), v),
                    }
                })
                .collect(),
        ),
        Frame::Array(Some(v)) => {
            let v: Vec<Frame> = v.iter().map(normalize_docs).collect();
            let mut out = Vec::new();
            let mut i = 0;
            while i < v.len() {
                out.push(v[i].clone());
                if v[i] == Frame::Bulk(Some(b"subcommands".to_vec())) {
                    if let Some(Frame::Array(Some(flat))) = v.get(i + 1) {
                        let pairs = flat.chunks(2).map(|p| (p[0].clone(), p[1].clone())).collect();
                        out.push(Frame::Array(Some(sorted(pairs).into_iter().flat_map(|(a, b)| [a, b]).collect())));
                        i += 2;
                        continue;
                    }
                }
                i += 1;
            }
            Frame::Array(Some(out))
        }
        other => other.clone(),
    }
}

/// Subcommands come in Redis's dictionary order, which is random: sort them.
fn normalize(entry: &Frame) -> Frame {
    let Frame::Array(Some(fields)) = entry else { return entry.clone() };
    let mut fields = fields.clone();
    if let Some(Frame::Array(Some(subs))) = fields.get_mut(9) {
        subs.sort_by_key(render);
    }
    Frame::Array(Some(fields))
}

/// The name of a COMMAND INFO entry.
fn entry_name(entry: &Frame) -> String {
    entry.items()[0].text()
}

/// Subcommands oxidis has that Redis 7.0 does not (added in Redis 7.2).
const NEWER_THAN_7_0: &[&str] = &["client|no-touch", "client|setinfo"];

/// Removes the subcommands Redis 7.0 lacks from an oxidis entry.
fn without_newer(entry: &Frame) -> Frame {
    let Frame::Array(Some(fields)) = entry else { return entry.clone() };
    let mut fields = fields.clone();
    if let Some(Frame::Array(Some(subs))) = fields.get_mut(9) {
        subs.retain(|s| !NEWER_THAN_7_0.contains(&entry_name(s).as_str()));
    }
    Frame::Array(Some(fields))
}

/// Calls to ask GETKEYSANDFLAGS about for one command: the shortest valid
/// call and longer ones, with each argument in turn replaced by a number (so
/// key counts and options are exercised), and one call that is too short.
fn sample_calls(words: &[&str], arity: i32) -> Vec<Vec<String>> {
    let mut calls = Vec::new();
    let need = arity.unsigned_abs() as usize;
    let extras: &[usize] = if arity > 0 { &[0] } else { &[0, 1, 3] };
    for &extra in extras {
        let mut call: Vec<String> = words.iter().map(|w| w.to_string()).collect();
        for i in words.len()..need + extra {
            call.push(format!("k{i}"));
        }
        for pos in words.len()..call.len() {
            let mut numeric = call.clone();
            numeric[pos] = "1".into();
            calls.push(numeric);
        }
        calls.push(call);
    }
    calls.push(words.iter().map(|w| w.to_string()).collect());
    calls
}

#[test]
fn every_command_matches_real_redis() {
    if !have("redis-server") {
        eprintln!("redis-server not installed: skipped");
        return;
    }
    let version = std::process::Command::new("redis-server").arg("--version").output().expect("redis-server");
    let version = String::from_utf8_lossy(&version.stdout).into_owned();
    if !version.contains(" v=7.0.") {
        eprintln!("redis-server is not 7.0 ({}): skipped", version.trim());
        return;
    }
    let dir = TempDir::new("cmdinfo");
    let redis = Redis::start(dir.path(), &[]);
    let srv = common::Server::start();
    let (mut ox2, mut ox3) = conns(srv.port);
    let (mut rd2, mut rd3) = conns(redis.port);
    let t = CommandTable::new();
    let mut diffs = Vec::new();
    let mut compared = 0;
    for e in t.entries.iter().filter(|e| e.parent.is_none()) {
        let name = e.fullname.as_str();
        for (ox, rd, proto) in [(&mut ox2, &mut rd2, 2), (&mut ox3, &mut rd3, 3)] {
            let mine = normalize(&without_newer(&ox.cmd(&["COMMAND", "INFO", name]).items()[0]));
            let theirs = normalize(&rd.cmd(&["COMMAND", "INFO", name]).items()[0]);
            if render(&mine) != render(&theirs) {
                diffs.push(format!(
                    "COMMAND INFO {name} (RESP{proto}):\n  oxidis: {}\n  redis:  {}",
                    render(&mine),
                    render(&theirs)
                ));
            }
            compared += 1;
            let mine = normalize_docs(&ox.cmd(&["COMMAND", "DOCS", name]));
            let theirs = normalize_docs(&rd.cmd(&["COMMAND", "DOCS", name]));
            if render(&mine) != render(&theirs) {
                diffs.push(format!(
                    "COMMAND DOCS {name} (RESP{proto}):\n  oxidis: {}\n  redis:  {}",
                    render(&mine),
                    render(&theirs)
                ));
            }
            compared += 1;
        }
    }
    for e in &t.entries {
        if NEWER_THAN_7_0.contains(&e.fullname.as_str()) {
            continue;
        }
        let words: Vec<&str> = e.fullname.split('|').collect();
        for call in sample_calls(&words, e.spec.arity) {
            let mut argv = vec!["COMMAND", "GETKEYSANDFLAGS"];
            argv.extend(call.iter().map(String::as_str));
            for (ox, rd, proto) in [(&mut ox2, &mut rd2, 2), (&mut ox3, &mut rd3, 3)] {
                let (mine, theirs) = (render(&ox.cmd(&argv)), render(&rd.cmd(&argv)));
                if mine != theirs {
                    diffs
                        .push(format!("GETKEYSANDFLAGS {call:?} (RESP{proto}):\n  oxidis: {mine}\n  redis:  {theirs}"));
                }
                compared += 1;
            }
        }
    }
    assert!(diffs.is_empty(), "{} of {compared} replies differ from Redis 7.0:\n{}", diffs.len(), diffs.join("\n"));
    eprintln!("{compared} replies identical to Redis 7.0's");
}
