//! Lua scripting and functions over TCP: EVAL/EVALSHA/SCRIPT, reply
//! conversions both ways (RESP2 and RESP3), error propagation and pcall, the
//! sandbox, the scripts client libraries send (redis-py's Lock, a sliding
//! window rate limiter), cjson/cmsgpack/bit/struct, FUNCTION LOAD/FCALL/
//! DUMP/RESTORE, long scripts (BUSY, SCRIPT KILL, FUNCTION KILL, UNKILLABLE,
//! SHUTDOWN NOSAVE) and blocked clients woken after a script. Expected replies
//! were checked against Redis 7.0.

mod common;

use std::io::Write;
use std::time::{Duration, Instant};

use common::{assert_err, q, r};
use redis::{Connection, Value};

fn bulk(s: &str) -> Value {
    Value::BulkString(s.as_bytes().to_vec())
}

fn eval(c: &mut Connection, script: &str, keys: &[&str], args: &[&str]) -> redis::RedisResult<Value> {
    let mut cmd = redis::cmd("EVAL");
    cmd.arg(script).arg(keys.len()).arg(keys).arg(args);
    cmd.query(c)
}

fn eval_ok(c: &mut Connection, script: &str, keys: &[&str], args: &[&str]) -> Value {
    match eval(c, script, keys, args) {
        Ok(v) => v,
        Err(e) => panic!("{script} failed: {e}"),
    }
}

/// Sends one command on a raw socket and returns what arrived.
fn raw_cmd(s: &mut std::net::TcpStream, args: &[&str], expect: usize) -> String {
    let mut req = format!("*{}\r\n", args.len());
    for a in args {
        req.push_str(&format!("${}\r\n{}\r\n", a.len(), a));
    }
    String::from_utf8_lossy(&common::roundtrip(s, req.as_bytes(), expect)).into_owned()
}

#[test]
fn eval_returns_converted_values() {
    let srv = common::Server::start();
    let mut c = srv.conn();
    assert_eq!(eval_ok(&mut c, "return 'hello'", &[], &[]), bulk("hello"));
    assert_eq!(eval_ok(&mut c, "return 100.5", &[], &[]), Value::Int(100));
    assert_eq!(eval_ok(&mut c, "return -3.99", &[], &[]), Value::Int(-3));
    assert_eq!(eval_ok(&mut c, "return true", &[], &[]), Value::Int(1));
    assert_eq!(eval_ok(&mut c, "return false", &[], &[]), Value::Nil);
    assert_eq!(eval_ok(&mut c, "return nil", &[], &[]), Value::Nil);
    assert_eq!(eval_ok(&mut c, "return {ok='fine'}", &[], &[]), Value::SimpleString("fine".into()));
    assert_eq!(
        eval_ok(&mut c, "return {1,2,3,'ciao',{1,2}}", &[], &[]),
        Value::Array(vec![
            Value::Int(1),
            Value::Int(2),
            Value::Int(3),
            bulk("ciao"),
            Value::Array(vec![Value::Int(1), Value::Int(2)])
        ])
    );
    // Arrays stop at the first nil.
    assert_eq!(eval_ok(&mut c, "return {1,2,nil,4}", &[], &[]), Value::Array(vec![Value::Int(1), Value::Int(2)]));
    assert_eq!(
        eval_ok(&mut c, "return {KEYS[1],KEYS[2],ARGV[1],ARGV[2]}", &["a", "b"], &["c", "d"]),
        Value::Array(vec![bulk("a"), bulk("b"), bulk("c"), bulk("d")])
    );
    // A table with a metatable is read raw: the metatable is never called.
    assert_eq!(
        eval_ok(&mut c, "local a = {}; setmetatable(a,{__index=function() foo() end}) return a", &[], &[]),
        Value::Array(vec![])
    );
    assert_err(eval(&mut c, "return {err='ERR this is an error'}", &[], &[]), "ERR this is an error");
    assert_err(eval(&mut c, "return redis.error_reply('MY_ERR custom msg')", &[], &[]), "MY_ERR custom msg");
    assert_eq!(eval_ok(&mut c, "return redis.status_reply('FINE')", &[], &[]), Value::SimpleString("FINE".into()));
    assert_err(r(&mut c, &["EVAL", "return 1", "-1"]), "ERR Number of keys can't be negative");
    assert_err(r(&mut c, &["EVAL", "return 1", "2", "a"]), "ERR Number of keys can't be greater than number of args");
    assert_err(r(&mut c, &["EVAL", "return 1", "x"]), "ERR value is not an integer or out of range");
}

#[test]
fn redis_call_converts_replies_to_lua() {
    let srv = common::Server::start();
    let mut c = srv.conn();
    q::<()>(&mut c, &["SET", "x", "0"]);
    assert_eq!(
        eval_ok(&mut c, "local v = redis.pcall('incr', KEYS[1]) return {type(v), v}", &["x"], &[]),
        Value::Array(vec![bulk("number"), Value::Int(1)])
    );
    q::<()>(&mut c, &["RPUSH", "l", "a", "b", "c"]);
    assert_eq!(
        eval_ok(&mut c, "local v = redis.call('lrange', KEYS[1], 0, -1) return {type(v), v[1], v[3], #v}", &["l"], &[]),
        Value::Array(vec![bulk("table"), bulk("a"), bulk("c"), Value::Int(3)])
    );
    assert_eq!(
        eval_ok(&mut c, "local v = redis.call('set', KEYS[1], 'v') return {type(v), v['ok']}", &["k"], &[]),
        Value::Array(vec![bulk("table"), bulk("OK")])
    );
    assert_eq!(
        eval_ok(&mut c, "local v = redis.call('get', 'nokey') return {type(v), v == false}", &[], &[]),
        Value::Array(vec![bulk("boolean"), Value::Int(1)])
    );
    // Numbers given to commands keep their precision.
    assert_eq!(
        eval_ok(&mut c, "redis.call('set', 'n', 9007199254740991) return redis.call('get', 'n')", &[], &[]),
        bulk("9007199254740991")
    );
    assert_eq!(eval_ok(&mut c, "return redis.call('echo', 0.1)", &[], &[]), bulk("0.10000000000000001"));
    // SELECT inside a script does not change the caller's database.
    q::<()>(&mut c, &["SET", "mykey", "db0"]);
    eval_ok(&mut c, "redis.call('select', 9) redis.call('set', 'mykey', 'db9')", &[], &[]);
    assert_eq!(q::<String>(&mut c, &["GET", "mykey"]), "db0");
    q::<()>(&mut c, &["SELECT", "9"]);
    assert_eq!(q::<String>(&mut c, &["GET", "mykey"]), "db9");
}

#[test]
fn resp3_conversions() {
    let srv = common::Server::start();
    let mut s = srv.raw();
    raw_cmd(&mut s, &["HELLO", "3"], 10);
    std::thread::sleep(Duration::from_millis(50));
    let _ = common::read_at_least(&mut s, 1);
    raw_cmd(&mut s, &["HSET", "h", "f", "v"], 4);
    let got = raw_cmd(&mut s, &["EVAL", "redis.setresp(3) return redis.call('hgetall', KEYS[1])", "1", "h"], 18);
    assert_eq!(got, "%1\r\n$1\r\nf\r\n$1\r\nv\r\n");
    let got = raw_cmd(&mut s, &["EVAL", "return redis.call('hgetall', KEYS[1])", "1", "h"], 18);
    assert_eq!(got, "*2\r\n$1\r\nf\r\n$1\r\nv\r\n");
    assert_eq!(raw_cmd(&mut s, &["EVAL", "return {double=3.5}", "0"], 6), ",3.5\r\n");
    assert_eq!(raw_cmd(&mut s, &["EVAL", "return {big_number='123'}", "0"], 6), "(123\r\n");
    assert_eq!(raw_cmd(&mut s, &["EVAL", "redis.setresp(3) return false", "0"], 4), "#f\r\n");
    assert_eq!(raw_cmd(&mut s, &["EVAL", "return false", "0"], 3), "_\r\n");
    assert_eq!(raw_cmd(&mut s, &["EVAL", "return {set={a=true}}", "0"], 11), "~1\r\n$1\r\na\r\n");
    assert_eq!(
        raw_cmd(&mut s, &["EVAL", "return {verbatim_string={format='txt', string='hi'}}", "0"], 12),
        "=6\r\ntxt:hi\r\n"
    );
    let got =
        raw_cmd(&mut s, &["EVAL", "redis.setresp(3) local v = redis.call('get', 'nokey') return type(v)", "0"], 9);
    assert_eq!(got, "$3\r\nnil\r\n");
    // A RESP2 client gets the RESP2 forms.
    let mut s2 = srv.raw();
    assert_eq!(raw_cmd(&mut s2, &["EVAL", "return {double=3.5}", "0"], 9), "$3\r\n3.5\r\n");
    assert_eq!(raw_cmd(&mut s2, &["EVAL", "redis.setresp(3) return true", "0"], 4), ":1\r\n");
}

#[test]
fn evalsha_script_load_exists_flush() {
    let srv = common::Server::start();
    let mut c = srv.conn();
    q::<()>(&mut c, &["SET", "mykey", "myval"]);
    eval_ok(&mut c, "return redis.call('get',KEYS[1])", &["mykey"], &[]);
    let sha = "fd758d1589d044dd850a6f05d52f2eefd27f033f";
    assert_eq!(q::<String>(&mut c, &["EVALSHA", sha, "1", "mykey"]), "myval");
    assert_eq!(q::<String>(&mut c, &["EVALSHA", &sha.to_uppercase(), "1", "mykey"]), "myval");
    assert_err(r(&mut c, &["EVALSHA", "NotValidShaSUM", "0"]), "NOSCRIPT No matching script. Please use EVAL.");
    assert_err(
        r(&mut c, &["EVALSHA", "ffd632c7d33e571e9f24556ebed26c3479a87130", "0"]),
        "NOSCRIPT No matching script. Please use EVAL.",
    );
    assert_eq!(q::<String>(&mut c, &["SCRIPT", "LOAD", "return 'loaded'"]), "b534286061d4b9e4026607613b95c06c06015ae8");
    assert_eq!(q::<String>(&mut c, &["EVALSHA", "b534286061d4b9e4026607613b95c06c06015ae8", "0"]), "loaded");
    assert_eq!(
        q::<Vec<i64>>(&mut c, &["SCRIPT", "EXISTS", sha, "b534286061d4b9e4026607613b95c06c06015ae9"]),
        vec![1, 0]
    );
    assert!(q::<String>(&mut c, &["INFO", "memory"]).contains("number_of_cached_scripts:2"));
    assert_eq!(q::<String>(&mut c, &["SCRIPT", "FLUSH", "ASYNC"]), "OK");
    assert_err(r(&mut c, &["EVALSHA", sha, "1", "mykey"]), "NOSCRIPT");
    assert_err(r(&mut c, &["SCRIPT", "FLUSH", "bad"]), "ERR SCRIPT FLUSH only support SYNC|ASYNC option");
    assert_err(r(&mut c, &["SCRIPT", "KILL"]), "NOTBUSY No scripts in execution right now.");
    assert_err(
        r(&mut c, &["EVAL", "return 'x", "0"]),
        "ERR Error compiling script (new function): user_script:1: unfinished string",
    );
    assert_eq!(
        q::<Vec<String>>(&mut c, &["COMMAND", "GETKEYS", "EVAL", "return 1", "2", "a", "b", "c"]),
        vec!["a", "b"]
    );
    assert_eq!(q::<Vec<String>>(&mut c, &["COMMAND", "GETKEYS", "FCALL", "f", "1", "k", "arg"]), vec!["k"]);
}

#[test]
fn errors_carry_the_script_location() {
    let srv = common::Server::start();
    let mut c = srv.conn();
    q::<()>(&mut c, &["SET", "foo", "bar"]);
    let script = "redis.call('lpush', KEYS[1], 'val')";
    assert_err(
        eval(&mut c, script, &["foo"], &[]),
        "WRONGTYPE Operation against a key holding the wrong kind of value script: 7d6f924cf0855f1f3829e13d9ee58d95ef185e98, on @user_script:1.",
    );
    assert_err(
        eval(&mut c, "\n\nredis.call('nosuchcommand')", &[], &[]),
        "ERR Unknown Redis command called from script script: ",
    );
    let e = eval(&mut c, "\n\nredis.call('nosuchcommand')", &[], &[]).unwrap_err();
    assert!(e.to_string().contains("on @user_script:3."), "{e}");
    assert_err(
        eval(&mut c, "redis.call('get','a','b','c')", &[], &[]),
        "ERR Wrong number of args calling Redis command from script",
    );
    assert_err(
        eval(&mut c, "return redis.call()", &[], &[]),
        "ERR Please specify at least one argument for this redis lib call",
    );
    assert_err(
        eval(&mut c, "return redis.call('ping', {})", &[], &[]),
        "ERR Lua redis lib command arguments must be strings or integers",
    );
    assert_err(
        eval(&mut c, "return redis.pcall('blpop','x',0)", &[], &[]),
        "ERR This Redis command is not allowed from script",
    );
    assert_err(eval(&mut c, "error('boom')", &[], &[]), "ERR user_script:1: boom script: ");
    // pcall gets Redis's error table; redis.pcall returns it.
    assert_eq!(
        eval_ok(
            &mut c,
            "local ok, e = pcall(redis.call, 'lpush', KEYS[1], 'x') return {tostring(ok), e.err}",
            &["foo"],
            &[]
        ),
        Value::Array(vec![bulk("false"), bulk("WRONGTYPE Operation against a key holding the wrong kind of value")])
    );
    assert_eq!(
        eval_ok(&mut c, "local e = redis.pcall('incr', KEYS[1]) return e['err']", &["foo"], &[]),
        bulk("ERR value is not an integer or out of range")
    );
    assert_err(
        eval(&mut c, "return redis.pcall('incr', KEYS[1])", &["foo"], &[]),
        "ERR value is not an integer or out of range",
    );
    // Read-only scripts.
    assert_err(
        r(&mut c, &["EVAL_RO", "return redis.call('del', KEYS[1])", "1", "foo"]),
        "ERR Write commands are not allowed from read-only scripts.",
    );
    assert_eq!(q::<String>(&mut c, &["EVAL_RO", "return redis.call('get', KEYS[1])", "1", "foo"]), "bar");
    assert_err(
        eval(&mut c, "#!lua flags=no-writes\nredis.call('set','x',1)", &[], &[]),
        "ERR Write commands are not allowed from read-only scripts. script: ",
    );
    assert_err(
        r(&mut c, &["EVAL_RO", "#!lua\nreturn 1", "0"]),
        "ERR Can not execute a script with write flag using *_ro command.",
    );
    assert_err(eval(&mut c, "#!not-lua\nreturn 1", &[], &[]), "ERR Unexpected engine in script shebang: #!not-lua");
    assert_err(eval(&mut c, "#!lua badger=data\nreturn 1", &[], &[]), "ERR Unknown lua shebang option: badger=data");
    assert_err(
        eval(&mut c, "#!lua flags=allow-oom,what?\nreturn 1", &[], &[]),
        "ERR Unexpected flag in script shebang: what?",
    );
    assert_eq!(eval_ok(&mut c, "#!lua flags=no-writes,allow-stale\nreturn 1", &[], &[]), Value::Int(1));
    // Commands refused inside scripts count as rejected calls.
    let stats = q::<String>(&mut c, &["INFO", "commandstats"]);
    assert!(stats.contains("cmdstat_lpush:calls=2,"), "{stats}");
    assert!(
        stats.contains("cmdstat_blpop:calls=0,usec=0,usec_per_call=0.00,rejected_calls=1,failed_calls=0"),
        "{stats}"
    );
    assert!(stats.contains("cmdstat_del:calls=0,usec=0,usec_per_call=0.00,rejected_calls=1,failed_calls=0"), "{stats}");
    assert!(stats.contains("cmdstat_eval_ro:calls=3,"), "{stats}");
}

#[test]
fn the_sandbox_protects_globals() {
    let srv = common::Server::start();
    let mut c = srv.conn();
    let ro = "Attempt to modify a readonly table";
    for script in [
        "a = 10",
        "setmetatable(_G, {})",
        "local g = getmetatable(_G) g.__index = {}",
        "redis = function() return 1 end",
        "_G = {}",
        "redis.call = function() return 1 end",
        "cjson.encode = function() return 1 end",
        "cmsgpack.pack = function() return 1 end",
        "bit.lshift = function() return 1 end",
        "rawset(_G, 'x', 1)",
    ] {
        let e = eval(&mut c, script, &[], &[]).unwrap_err();
        assert!(e.to_string().contains(ro), "{script}: {e}");
    }
    for name in ["a", "loadfile", "dofile", "print", "os", "io", "require"] {
        let e = eval(&mut c, &format!("return {name}"), &[], &[]).unwrap_err();
        let want = format!("Script attempted to access nonexistent global variable '{name}'");
        assert!(e.to_string().contains(&want), "{name}: {e}");
    }
    assert_err(
        eval(&mut c, "return loadstring(string.dump(function() return 1 end))()", &[], &[]),
        "ERR user_script:1: attempt to call a nil value",
    );
    assert_eq!(
        eval_ok(&mut c, "local ok, r = pcall(function() return foo end) return tostring(ok) .. ' ' .. r", &[], &[]),
        bulk("false user_script:1: Script attempted to access nonexistent global variable 'foo'")
    );
    assert_eq!(eval_ok(&mut c, "return _G", &[], &[]), Value::Array(vec![]));
    assert_eq!(eval_ok(&mut c, "return loadstring('return 1 + 1')()", &[], &[]), Value::Int(2));
    assert_eq!(
        eval_ok(&mut c, "return redis.sha1hex('Pizza & Mandolino')", &[], &[]),
        bulk("74822d82031af7493c20eefa13bd07ec4fada82f")
    );
    let a = eval_ok(&mut c, "math.randomseed(ARGV[1]) return tostring(math.random())", &[], &["10"]);
    let b = eval_ok(&mut c, "math.randomseed(ARGV[1]) return tostring(math.random())", &[], &["10"]);
    assert_eq!(a, b);
}

const LOCK_RELEASE: &str = "
local token = redis.call('get', KEYS[1])
if not token or token ~= ARGV[1] then
    return 0
end
redis.call('del', KEYS[1])
return 1
";

const LOCK_EXTEND: &str = "
local token = redis.call('get', KEYS[1])
if not token or token ~= ARGV[1] then
    return 0
end
local expiration = redis.call('pttl', KEYS[1])
if not expiration then
    expiration = 0
end
if expiration < 0 then
    return 0
end

local newttl = ARGV[2]
if ARGV[3] == \"0\" then
    newttl = ARGV[2] + expiration
end
redis.call('pexpire', KEYS[1], newttl)
return 1
";

const LOCK_REACQUIRE: &str = "
local token = redis.call('get', KEYS[1])
if not token or token ~= ARGV[1] then
    return 0
end
redis.call('pexpire', KEYS[1], ARGV[2])
return 1
";

#[test]
fn redis_py_lock_scripts() {
    let srv = common::Server::start();
    let mut c = srv.conn();
    let release: String = q(&mut c, &["SCRIPT", "LOAD", LOCK_RELEASE]);
    let extend: String = q(&mut c, &["SCRIPT", "LOAD", LOCK_EXTEND]);
    let reacquire: String = q(&mut c, &["SCRIPT", "LOAD", LOCK_REACQUIRE]);
    // Acquire (SET NX PX), a second owner fails.
    assert_eq!(r(&mut c, &["SET", "lock", "tok1", "NX", "PX", "10000"]).unwrap(), Value::Okay);
    assert_eq!(r(&mut c, &["SET", "lock", "tok2", "NX", "PX", "10000"]).unwrap(), Value::Nil);
    // Extend by adding time, or replacing it.
    assert_eq!(q::<i64>(&mut c, &["EVALSHA", &extend, "1", "lock", "tok1", "5000", "0"]), 1);
    let pttl: i64 = q(&mut c, &["PTTL", "lock"]);
    assert!(pttl > 10000 && pttl <= 15000, "{pttl}");
    assert_eq!(q::<i64>(&mut c, &["EVALSHA", &extend, "1", "lock", "tok1", "3000", "1"]), 1);
    let pttl: i64 = q(&mut c, &["PTTL", "lock"]);
    assert!(pttl > 0 && pttl <= 3000, "{pttl}");
    assert_eq!(q::<i64>(&mut c, &["EVALSHA", &extend, "1", "lock", "wrong", "3000", "1"]), 0);
    assert_eq!(q::<i64>(&mut c, &["EVALSHA", &reacquire, "1", "lock", "tok1", "20000"]), 1);
    let pttl: i64 = q(&mut c, &["PTTL", "lock"]);
    assert!(pttl > 15000, "{pttl}");
    // Only the owner releases.
    assert_eq!(q::<i64>(&mut c, &["EVALSHA", &release, "1", "lock", "tok2"]), 0);
    assert_eq!(q::<i64>(&mut c, &["EXISTS", "lock"]), 1);
    assert_eq!(q::<i64>(&mut c, &["EVALSHA", &release, "1", "lock", "tok1"]), 1);
    assert_eq!(q::<i64>(&mut c, &["EXISTS", "lock"]), 0);
    assert_eq!(q::<i64>(&mut c, &["EVALSHA", &release, "1", "lock", "tok1"]), 0);
    // A lock without TTL cannot be extended.
    q::<()>(&mut c, &["SET", "lock", "tok1"]);
    assert_eq!(q::<i64>(&mut c, &["EVALSHA", &extend, "1", "lock", "tok1", "1000", "0"]), 0);
}

const RATE_LIMIT: &str = "
local key = KEYS[1]
local now = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local limit = tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', key, 0, now - window)
local count = redis.call('ZCARD', key)
if count < limit then
    redis.call('ZADD', key, now, ARGV[4])
    redis.call('EXPIRE', key, math.ceil(window / 1000))
    return {1, limit - count - 1}
end
return {0, 0}
";

#[test]
fn sliding_window_rate_limiter() {
    let srv = common::Server::start();
    let mut c = srv.conn();
    let sha: String = q(&mut c, &["SCRIPT", "LOAD", RATE_LIMIT]);
    let mut allowed = 0;
    // 10 requests in the same second with a limit of 3 per 1000 ms window.
    for i in 0..10 {
        let now = (1_000_000 + i * 10).to_string();
        let v: Vec<i64> = q(&mut c, &["EVALSHA", &sha, "1", "rl", &now, "1000", "3", &format!("req{i}")]);
        allowed += v[0];
    }
    assert_eq!(allowed, 3);
    assert_eq!(q::<i64>(&mut c, &["ZCARD", "rl"]), 3);
    let ttl: i64 = q(&mut c, &["TTL", "rl"]);
    assert!(ttl > 0 && ttl <= 1, "{ttl}");
    // Past the window the old entries are trimmed and requests pass again.
    let v: Vec<i64> = q(&mut c, &["EVALSHA", &sha, "1", "rl", "1001500", "1000", "3", "late"]);
    assert_eq!(v, vec![1, 2]);
    assert_eq!(q::<i64>(&mut c, &["ZCARD", "rl"]), 1);
}

#[test]
fn cjson_cmsgpack_bit_struct() {
    let srv = common::Server::start();
    let mut c = srv.conn();
    assert_eq!(
        eval_ok(&mut c, "return cjson.encode({1, 2.5, 'a/b', {x=true}, {}})", &[], &[]),
        bulk(r#"[1,2.5,"a\/b",{"x":true},{}]"#)
    );
    assert_eq!(
        eval_ok(&mut c, "return table.concat(cjson.decode('[0.0, -5e3, -1, 0.3e-3, 1023.2, 0e10]'), ' ')", &[], &[]),
        bulk("0 -5000 -1 0.0003 1023.2 0")
    );
    assert_eq!(
        eval_ok(
            &mut c,
            "local t = cjson.decode(ARGV[1]) return {t.a[2], t.b.c, tostring(t.n == cjson.null)}",
            &[],
            &[r#"{"a":[1,"two"],"b":{"c":"\u00e9"},"n":null}"#]
        ),
        Value::Array(vec![bulk("two"), bulk("é"), bulk("true")])
    );
    let rt = "local v = cjson.decode(cjson.encode(cjson.decode(ARGV[1]))) return cjson.encode(v)";
    assert_eq!(eval_ok(&mut c, rt, &[], &["[1,[2,[3]],\"s\"]"]), bulk("[1,[2,[3]],\"s\"]"));
    assert_eq!(
        eval_ok(&mut c, "return {pcall(cjson.decode, '[1,2')}", &[], &[]),
        Value::Array(vec![Value::Nil, bulk("Expected comma or array end but found T_END at character 5")])
    );
    assert_err(
        eval(&mut c, "return cjson.encode({[1]=1,[30]=3})", &[], &[]),
        "ERR user_script:1: Cannot serialise table: excessively sparse array",
    );
    let hex = "local e = cmsgpack.pack(ARGV[1] + 0) local h = '' for i = 1, #e do h = h .. string.format('%02x', e:byte(i)) end return h";
    assert_eq!(eval_ok(&mut c, hex, &[], &["0.1"]), bulk("cb3fb999999999999a"));
    assert_eq!(eval_ok(&mut c, hex, &[], &["-1099511627776"]), bulk("d3ffffff0000000000"));
    assert_eq!(
        eval_ok(
            &mut c,
            "local t = cmsgpack.unpack(cmsgpack.pack({1, 'two', {k='v'}, true, -300})) return {t[1], t[2], t[3].k, tostring(t[4]), t[5]}",
            &[],
            &[]
        ),
        Value::Array(vec![Value::Int(1), bulk("two"), bulk("v"), bulk("true"), Value::Int(-300)])
    );
    assert_eq!(
        eval_ok(&mut c, "return {cmsgpack.unpack_limit(cmsgpack.pack(1, 'abc', 3), 2, 0)}", &[], &[]),
        Value::Array(vec![Value::Int(5), Value::Int(1), bulk("abc")])
    );
    assert_eq!(
        eval_ok(&mut c, "return {bit.tobit(0xffffffff), bit.band(0xff, 0x0f), bit.bor(1,2,4,8,16,32,64,128), bit.tohex(255), bit.lshift(1, 40), bit.bxor(1,3)}", &[], &[]),
        Value::Array(vec![Value::Int(-1), Value::Int(15), Value::Int(255), bulk("000000ff"), Value::Int(256), Value::Int(2)])
    );
    assert_eq!(
        eval_ok(&mut c, "return {struct.unpack('>bBhH', struct.pack('>bBhH', -1, 255, -2, 65535))}", &[], &[]),
        Value::Array(vec![Value::Int(-1), Value::Int(255), Value::Int(-2), Value::Int(65535), Value::Int(7)])
    );
    assert_eq!(eval_ok(&mut c, "return struct.size('>iIhHbBd')", &[], &[]), Value::Int(22));
}

const LIB: &str = "#!lua name=mylib
local function add1(a) return a + 1 end
redis.register_function('incr_by_one', function(keys, args) return add1(tonumber(args[1])) end)
redis.register_function{function_name='getter', callback=function(keys, args) return redis.call('get', keys[1]) end, flags={'no-writes'}, description='reads a key'}
redis.register_function('setter', function(keys, args) return redis.call('set', keys[1], args[1]) end)
";

#[test]
fn function_load_fcall_list_dump_restore() {
    let srv = common::Server::start();
    let mut c = srv.conn();
    assert_eq!(q::<String>(&mut c, &["FUNCTION", "LOAD", LIB]), "mylib");
    assert_err(r(&mut c, &["FUNCTION", "LOAD", LIB]), "ERR Library 'mylib' already exists");
    assert_eq!(q::<String>(&mut c, &["FUNCTION", "LOAD", "REPLACE", LIB]), "mylib");
    assert_eq!(q::<i64>(&mut c, &["FCALL", "incr_by_one", "0", "41"]), 42);
    assert_eq!(q::<i64>(&mut c, &["FCALL", "INCR_BY_ONE", "0", "1"]), 2);
    assert_eq!(q::<String>(&mut c, &["FCALL", "setter", "1", "k", "v"]), "OK");
    assert_eq!(q::<String>(&mut c, &["FCALL_RO", "getter", "1", "k"]), "v");
    assert_err(
        r(&mut c, &["FCALL_RO", "setter", "1", "k", "v"]),
        "ERR Can not execute a script with write flag using *_ro command.",
    );
    assert_err(r(&mut c, &["FCALL", "nosuch", "0"]), "ERR Function not found");
    assert_err(r(&mut c, &["FCALL", "getter", "x"]), "ERR Bad number of keys provided");
    assert_err(
        r(
            &mut c,
            &["FUNCTION", "LOAD", "#!lua name=bad\nredis.register_function('incr_by_one', function() return 1 end)"],
        ),
        "ERR Function incr_by_one already exists",
    );
    assert_err(r(&mut c, &["FUNCTION", "LOAD", "#!lua name=x\nreturn math.random()"]), "ERR Error registering functions: ERR user_function:2: Script attempted to access nonexistent global variable 'math'");
    assert_err(r(&mut c, &["FUNCTION", "LOAD", "#!lua name=x\nreturn 1"]), "ERR No functions registered");
    assert_err(r(&mut c, &["FUNCTION", "LOAD", "return 1"]), "ERR Missing library metadata");
    assert_err(r(&mut c, &["FUNCTION", "LOAD", "#!js name=x\n"]), "ERR Engine 'js' not found");
    assert_err(
        r(&mut c, &["FUNCTION", "LOAD", "#!lua name=x\nx = = 1"]),
        "ERR Error compiling function: user_function:2:",
    );
    let list = r(&mut c, &["FUNCTION", "LIST", "WITHCODE"]).unwrap();
    let text = format!("{list:?}");
    assert!(text.contains("reads a key") && text.contains("no-writes") && text.contains("library_code"), "{text}");
    let stats = format!("{:?}", r(&mut c, &["FUNCTION", "STATS"]).unwrap());
    assert!(stats.contains("libraries_count") && stats.contains("int(1)") && stats.contains("int(3)"), "{stats}");
    // Dump, flush, restore.
    let payload: Vec<u8> = redis::cmd("FUNCTION").arg("DUMP").query(&mut c).unwrap();
    assert_eq!(q::<String>(&mut c, &["FUNCTION", "FLUSH"]), "OK");
    assert_err(r(&mut c, &["FCALL", "getter", "1", "k"]), "ERR Function not found");
    let restored: String = redis::cmd("FUNCTION").arg("RESTORE").arg(&payload).query(&mut c).unwrap();
    assert_eq!(restored, "OK");
    assert_eq!(q::<String>(&mut c, &["FCALL", "getter", "1", "k"]), "v");
    let again: redis::RedisResult<String> = redis::cmd("FUNCTION").arg("RESTORE").arg(&payload).query(&mut c);
    assert_err(again, "ERR Library mylib already exists");
    let mut bad = payload.clone();
    let n = bad.len();
    bad[n - 1] ^= 1;
    let bad: redis::RedisResult<String> = redis::cmd("FUNCTION").arg("RESTORE").arg(&bad).query(&mut c);
    assert_err(bad, "ERR DUMP payload version or checksum are wrong");
    assert_eq!(q::<String>(&mut c, &["FUNCTION", "DELETE", "mylib"]), "OK");
    assert_err(r(&mut c, &["FUNCTION", "DELETE", "mylib"]), "ERR Library not found");
    assert_err(r(&mut c, &["FUNCTION", "KILL"]), "NOTBUSY No scripts in execution right now.");
}

/// Waits until `c` gets a BUSY error (the script passed the threshold).
fn wait_busy(c: &mut Connection) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        match r(c, &["PING"]) {
            Err(e) if e.to_string().contains("BUSY") => return,
            other if Instant::now() > deadline => panic!("the script never became busy: {other:?}"),
            _ => std::thread::sleep(Duration::from_millis(20)),
        }
    }
}

#[test]
fn script_kill_stops_a_busy_script() {
    let srv = common::Server::start_with(&["--busy-reply-threshold", "50"]);
    let mut other = srv.conn();
    let mut s = srv.raw();
    let script = "while true do end";
    let req = format!("*3\r\n$4\r\nEVAL\r\n${}\r\n{}\r\n$1\r\n0\r\n*1\r\n$4\r\nPING\r\n", script.len(), script);
    s.write_all(req.as_bytes()).unwrap();
    wait_busy(&mut other);
    assert_err(
        r(&mut other, &["GET", "x"]),
        "BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.",
    );
    assert_err(
        r(&mut other, &["FUNCTION", "KILL"]),
        "BUSY Redis is busy running a script. You can only call SCRIPT KILL",
    );
    assert_eq!(q::<String>(&mut other, &["SCRIPT", "KILL"]), "OK");
    let out = String::from_utf8_lossy(&common::read_at_least(&mut s, 100)).into_owned();
    assert!(out.starts_with("-ERR Script killed by user with SCRIPT KILL... script: "), "{out}");
    // The pipelined PING after the script is answered.
    let out =
        if out.contains("+PONG") { out } else { out + &String::from_utf8_lossy(&common::read_at_least(&mut s, 7)) };
    assert!(out.ends_with("+PONG\r\n"), "{out}");
    assert_eq!(q::<String>(&mut other, &["PING"]), "PONG");

    // A script that catches errors with pcall is killed all the same.
    let script = "local f = function() while 1 do redis.call('ping') end end while 1 do pcall(f) end";
    let req = format!("*3\r\n$4\r\nEVAL\r\n${}\r\n{}\r\n$1\r\n0\r\n", script.len(), script);
    s.write_all(req.as_bytes()).unwrap();
    wait_busy(&mut other);
    assert_eq!(q::<String>(&mut other, &["SCRIPT", "KILL"]), "OK");
    let out = String::from_utf8_lossy(&common::read_at_least(&mut s, 40)).into_owned();
    assert!(out.contains("killed by user"), "{out}");
    assert_eq!(q::<String>(&mut other, &["PING"]), "PONG");
}

#[test]
fn function_kill_and_unkillable_and_shutdown_nosave() {
    let mut srv = common::Server::start_with(&["--busy-reply-threshold", "50"]);
    let mut other = srv.conn();
    q::<String>(
        &mut other,
        &[
            "FUNCTION",
            "LOAD",
            "#!lua name=spin\nredis.register_function('spin', function() local a = 1 while true do a = a + 1 end end)",
        ],
    );
    let mut s = srv.raw();
    s.write_all(b"*3\r\n$5\r\nFCALL\r\n$4\r\nspin\r\n$1\r\n0\r\n").unwrap();
    wait_busy(&mut other);
    assert_err(
        r(&mut other, &["PING"]),
        "BUSY Redis is busy running a script. You can only call FUNCTION KILL or SHUTDOWN NOSAVE.",
    );
    assert_err(r(&mut other, &["SCRIPT", "KILL"]), "BUSY");
    let stats = format!("{:?}", r(&mut other, &["FUNCTION", "STATS"]).unwrap());
    assert!(stats.contains("spin") && stats.contains("duration_ms"), "{stats}");
    assert_eq!(q::<String>(&mut other, &["FUNCTION", "KILL"]), "OK");
    let out = String::from_utf8_lossy(&common::read_at_least(&mut s, 40)).into_owned();
    assert!(out.contains("killed by user"), "{out}");

    // A script that wrote cannot be killed; SHUTDOWN NOSAVE stops the server.
    let script = "redis.call('set', KEYS[1], 'y') while true do end";
    let req = format!("*4\r\n$4\r\nEVAL\r\n${}\r\n{}\r\n$1\r\n1\r\n$1\r\nx\r\n", script.len(), script);
    s.write_all(req.as_bytes()).unwrap();
    wait_busy(&mut other);
    assert_err(
        r(&mut other, &["SCRIPT", "KILL"]),
        "UNKILLABLE Sorry the script already executed write commands against the dataset.",
    );
    assert_err(r(&mut other, &["SHUTDOWN"]), "BUSY");
    let _ = r(&mut other, &["SHUTDOWN", "NOSAVE"]);
    let deadline = Instant::now() + Duration::from_secs(10);
    while srv.alive() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(!srv.alive(), "the server is still running");
}

#[test]
fn a_script_wakes_blocked_clients_after_it_ends() {
    let srv = common::Server::start();
    let mut blocked = srv.raw();
    blocked.write_all(b"*3\r\n$5\r\nBRPOP\r\n$1\r\na\r\n$1\r\n0\r\n").unwrap();
    let mut c = srv.conn();
    let deadline = Instant::now() + Duration::from_secs(5);
    while !q::<String>(&mut c, &["INFO", "clients"]).contains("blocked_clients:1") {
        assert!(Instant::now() < deadline, "the client never blocked");
        std::thread::sleep(Duration::from_millis(10));
    }
    // Both pushes happen before the waiter is served: it pops the last one
    // from the right, i.e. "1" (pushed first).
    eval_ok(&mut c, "redis.call('lpush', KEYS[1], '1') redis.call('lpush', KEYS[1], '2')", &["a"], &[]);
    let out = String::from_utf8_lossy(&common::read_at_least(&mut blocked, 20)).into_owned();
    assert_eq!(out, "*2\r\n$1\r\na\r\n$1\r\n1\r\n");
    assert_eq!(q::<Vec<String>>(&mut c, &["LRANGE", "a", "0", "-1"]), vec!["2"]);
}

/// A FUNCTION DUMP payload made by Redis 7.0 (its library code is stored
/// LZF-compressed) restores here, and what oxidis dumps restores there.
#[test]
fn function_restore_reads_a_redis_payload() {
    let srv = common::Server::start();
    let mut c = srv.conn();
    let hex = "f5c3407240891423216c7561206e616d653d66726f6d72656469730a6005182e72656769737465725f66756e6374696f6e28276672272c20e0000e0c6b2c2061292072657475726e20201b016f6d200c203f0b2027202e2e20737472696e6720450370282778203602343029e007160079a01603656e64290a009a34abd54302eb03";
    let payload: Vec<u8> = (0..hex.len()).step_by(2).map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap()).collect();
    let ok: String = redis::cmd("FUNCTION").arg("RESTORE").arg(&payload).query(&mut c).unwrap();
    assert_eq!(ok, "OK");
    let want = format!("from redis {}{}", "x".repeat(40), "y".repeat(40));
    assert_eq!(q::<String>(&mut c, &["FCALL", "fr", "0"]), want);
    let list = format!("{:?}", r(&mut c, &["FUNCTION", "LIST"]).unwrap());
    assert!(list.contains("fromredis"), "{list}");
}

/// MONITOR shows EVAL before the commands its script runs (those from `lua`).
#[test]
fn monitor_shows_the_script_then_its_commands() {
    let srv = common::Server::start();
    let mut mon = srv.raw();
    assert_eq!(raw_cmd(&mut mon, &["MONITOR"], 5), "+OK\r\n");
    let mut c = srv.conn();
    eval_ok(&mut c, "redis.call('set', KEYS[1], 'v') return redis.call('get', KEYS[1])", &["k"], &[]);
    let mut out = String::new();
    let deadline = Instant::now() + Duration::from_secs(5);
    while !out.contains("\"get\" \"k\"\r\n") && Instant::now() < deadline {
        out.push_str(&String::from_utf8_lossy(&common::read_at_least(&mut mon, 1)));
    }
    // The client library's CLIENT SETINFO lines come first.
    let lines: Vec<&str> = out.lines().filter(|l| !l.contains("SETINFO")).collect();
    assert!(
        lines[0]
            .ends_with("\"EVAL\" \"redis.call('set', KEYS[1], 'v') return redis.call('get', KEYS[1])\" \"1\" \"k\""),
        "{out}"
    );
    assert!(lines[1].ends_with("[0 lua] \"set\" \"k\" \"v\""), "{out}");
    assert!(lines[2].ends_with("[0 lua] \"get\" \"k\""), "{out}");
}

/// Thousands of arguments to one redis.call (strings and numbers), and
/// redis.call from a coroutine.
#[test]
fn many_arguments_and_coroutines() {
    let srv = common::Server::start();
    let mut c = srv.conn();
    let script = "local a = {} for i = 1, 7999 do a[i] = 'v' .. i end return redis.call('rpush', KEYS[1], unpack(a))";
    assert_eq!(eval_ok(&mut c, script, &["l"], &[]), Value::Int(7999));
    let script = "local a = {} for i = 1, 7999 do a[i] = i end return redis.call('rpush', KEYS[1], unpack(a))";
    assert_eq!(eval_ok(&mut c, script, &["l"], &[]), Value::Int(15998));
    let co = "local co = coroutine.create(function() return redis.call('incr', KEYS[1]) end) local ok, v = coroutine.resume(co) return {tostring(ok), v}";
    assert_eq!(eval_ok(&mut c, co, &["n"], &[]), Value::Array(vec![bulk("true"), Value::Int(1)]));
    let big = "local t = {} for i = 1, 20000 do t[i] = 'x' .. i end return t";
    match eval_ok(&mut c, big, &[], &[]) {
        Value::Array(v) => assert_eq!((v.len(), v[19999].clone()), (20000, bulk("x20000"))),
        other => panic!("{other:?}"),
    }
    let json =
        "local t = {} for i = 1, 20000 do t[i] = {a = i, b = 'x' .. i} end return #cjson.decode(cjson.encode(t))";
    assert_eq!(eval_ok(&mut c, json, &[], &[]), Value::Int(20000));
}

/// Past maxmemory: scripts without flags run but their denyoom commands fail;
/// scripts with flags need allow-oom (or no-writes) to run at all.
#[test]
fn out_of_memory_rules_for_scripts() {
    let srv = common::Server::start();
    let mut c = srv.conn();
    q::<()>(&mut c, &["SET", "x", "123"]);
    q::<()>(&mut c, &["CONFIG", "SET", "maxmemory", "1"]);
    assert_err(
        eval(&mut c, "redis.call('set', KEYS[1], 1) return 1", &["x"], &[]),
        "OOM command not allowed when used memory > 'maxmemory'. script: ",
    );
    assert_eq!(eval_ok(&mut c, "return redis.call('get', KEYS[1])", &["x"], &[]), bulk("123"));
    assert_eq!(
        eval_ok(&mut c, "return redis.pcall('set', KEYS[1], 1)['err']", &["x"], &[]),
        bulk("OOM command not allowed when used memory > 'maxmemory'.")
    );
    assert_err(eval(&mut c, "#!lua flags=\nreturn 1", &[], &[]), "OOM command not allowed when used memory");
    assert_eq!(
        eval_ok(&mut c, "#!lua flags=allow-oom\nredis.call('set', KEYS[1], 1) return 1", &["x"], &[]),
        Value::Int(1)
    );
    assert_eq!(eval_ok(&mut c, "#!lua flags=no-writes\nreturn redis.call('get', KEYS[1])", &["x"], &[]), bulk("1"));
    q::<()>(&mut c, &["CONFIG", "SET", "maxmemory", "0"]);
    assert_eq!(eval_ok(&mut c, "#!lua flags=\nreturn 1", &[], &[]), Value::Int(1));
}
