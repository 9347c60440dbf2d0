//! Helpers shared by the persistence tests (tests/persistence.rs, tests/aof.rs):
//! scratch directories, a real `redis-server` to exchange files with, and a
//! comparable dump of a server's whole data set.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::{free_port, q};

/// A scratch directory removed when dropped.
pub struct TempDir(PathBuf);

impl TempDir {
    pub fn new(tag: &str) -> TempDir {
        let p = std::env::temp_dir().join(format!("oxidis-persist-{}-{}-{}", tag, std::process::id(), free_port()));
        std::fs::create_dir_all(&p).expect("temp dir");
        TempDir(p)
    }
    pub fn path(&self) -> &Path {
        &self.0
    }
    pub fn s(&self) -> &str {
        self.0.to_str().expect("utf-8 path")
    }
    /// The content of `server.log` in the directory (empty when missing).
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.0.join("server.log")).unwrap_or_default()
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// True when `bin --version` runs (tests needing real Redis tools skip themselves otherwise).
pub fn have(bin: &str) -> bool {
    Command::new(bin).arg("--version").stdout(Stdio::null()).stderr(Stdio::null()).status().is_ok()
}

/// A real Redis server, killed by its PID when dropped.
pub struct Redis {
    pub child: Child,
    pub port: u16,
}

impl Redis {
    /// Starts `redis-server` in `dir` with no save points, DEBUG enabled, and `extra` arguments.
    pub fn start(dir: &Path, extra: &[&str]) -> Redis {
        let port = free_port();
        let mut child = Command::new("redis-server")
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1", "--save", ""])
            .args(["--enable-debug-command", "yes", "--dir", dir.to_str().expect("dir")])
            .args(extra)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn redis-server");
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(client) = redis::Client::open(format!("redis://127.0.0.1:{port}/")) {
                if let Ok(mut c) = client.get_connection() {
                    if redis::cmd("PING").query::<String>(&mut c).is_ok() {
                        return Redis { child, port };
                    }
                }
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = child.kill();
        let _ = child.wait();
        panic!("redis-server did not start");
    }

    pub fn conn(&self) -> redis::Connection {
        let client = redis::Client::open(format!("redis://127.0.0.1:{}/", self.port)).expect("client");
        client.get_connection().expect("connect")
    }
}

impl Drop for Redis {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A data set covering every type and every encoding Redis 7.0 writes.
pub fn populate(c: &mut redis::Connection) {
    let cmds: Vec<Vec<Vec<u8>>> = {
        let mut v: Vec<Vec<Vec<u8>>> = Vec::new();
        let mut add = |parts: &[&[u8]]| v.push(parts.iter().map(|p| p.to_vec()).collect());
        add(&[b"SET", b"str:short", b"hello"]);
        add(&[b"SET", b"str:int8", b"100"]);
        add(&[b"SET", b"str:int16", b"-30000"]);
        add(&[b"SET", b"str:int32", b"2000000000"]);
        add(&[b"SET", b"str:int64", b"9223372036854775807"]);
        add(&[b"SET", b"str:leadingzero", b"0123"]);
        add(&[b"SET", b"str:empty", b""]);
        add(&[b"SET", b"str:binary", b"a\x00b\r\nc\xff"]);
        add(&[b"SET", b"str:compressible", &[b'a'; 2000]]);
        let random: Vec<u8> = (0..3000u32).map(|i| (i.wrapping_mul(2654435761) >> 13) as u8).collect();
        add(&[b"SET", b"str:random", &random]);
        add(&[b"SET", b"str:ttl", b"v", b"PX", b"5000000"]);
        add(&[b"RPUSH", b"list:small", b"a", b"1", b"-5", b"hello world"]);
        for i in 0..1500 {
            add(&[b"RPUSH", b"list:big", format!("element-{i}").as_bytes()]);
        }
        add(&[b"RPUSH", b"list:bigitems", &[b'x'; 10000], &[b'y'; 70000], b"z"]);
        add(&[b"SADD", b"set:intset", b"1", b"2", b"-3", b"100000", b"5000000000"]);
        for i in 0..600 {
            add(&[b"SADD", b"set:manyints", i.to_string().as_bytes()]);
        }
        add(&[b"SADD", b"set:strings", b"a", b"b", b"c"]);
        add(&[b"ZADD", b"zset:small", b"1", b"a", b"1.5", b"b", b"-0.25", b"c", b"inf", b"d", b"-inf", b"e"]);
        for i in 0..300 {
            add(&[b"ZADD", b"zset:big", format!("{}", i as f64 / 7.0).as_bytes(), format!("m{i}").as_bytes()]);
        }
        add(&[b"ZADD", b"zset:longmember", b"3", &[b'q'; 100]]);
        add(&[b"HSET", b"hash:small", b"f1", b"v1", b"f2", b"22", b"f3", b""]);
        for i in 0..300 {
            add(&[b"HSET", b"hash:big", format!("field{i}").as_bytes(), i.to_string().as_bytes()]);
        }
        add(&[b"HSET", b"hash:longvalue", b"f", &[b'v'; 200]]);
        add(&[b"PEXPIRE", b"hash:big", b"9000000"]);
        add(&[b"SELECT", b"3"]);
        add(&[b"SET", b"in:db3", b"three"]);
        add(&[b"RPUSH", b"list:db3", b"x"]);
        add(&[b"SELECT", b"0"]);
        v
    };
    let mut pipe = redis::pipe();
    for cmd in &cmds {
        let mut rc = redis::cmd(std::str::from_utf8(&cmd[0]).expect("name"));
        for a in &cmd[1..] {
            rc.arg(a.as_slice());
        }
        pipe.add_command(rc).ignore();
    }
    pipe.query::<()>(c).expect("populate");
}

/// One field of `INFO all`.
pub fn info_field(c: &mut redis::Connection, field: &str) -> String {
    let info: String = q(c, &["INFO", "all"]);
    info.lines()
        .find_map(|l| l.strip_prefix(&format!("{field}:")).map(|v| v.trim().to_string()))
        .unwrap_or_else(|| panic!("no {field} in INFO"))
}

/// Every key of every database (0-15) with its type, content and deadline,
/// in a comparable form.
pub fn contents(c: &mut redis::Connection) -> Vec<String> {
    use redis::Value;
    let mut out = Vec::new();
    for db in 0..16 {
        let _: () = q(c, &["SELECT", &db.to_string()]);
        let mut keys: Vec<Vec<u8>> = q(c, &["KEYS", "*"]);
        keys.sort();
        for k in keys {
            let t: String = redis::cmd("TYPE").arg(&k).query(c).expect("type");
            let v: Value = match t.as_str() {
                "string" => redis::cmd("GET").arg(&k).query(c).expect("get"),
                "list" => redis::cmd("LRANGE").arg(&k).arg(0).arg(-1).query(c).expect("lrange"),
                "set" => {
                    let mut m: Vec<Vec<u8>> = redis::cmd("SMEMBERS").arg(&k).query(c).expect("smembers");
                    m.sort();
                    Value::Array(m.into_iter().map(Value::BulkString).collect())
                }
                "zset" => redis::cmd("ZRANGE").arg(&k).arg(0).arg(-1).arg("WITHSCORES").query(c).expect("zrange"),
                "hash" => {
                    let mut m: Vec<(Vec<u8>, Vec<u8>)> = redis::cmd("HGETALL").arg(&k).query(c).expect("hgetall");
                    m.sort();
                    Value::Array(
                        m.into_iter().flat_map(|(f, v)| [Value::BulkString(f), Value::BulkString(v)]).collect(),
                    )
                }
                other => panic!("unexpected type {other}"),
            };
            let when: i64 = redis::cmd("PEXPIRETIME").arg(&k).query(c).expect("pexpiretime");
            out.push(format!("db{db} {} {t} expire={when} {v:?}", String::from_utf8_lossy(&k)));
        }
    }
    let _: () = q(c, &["SELECT", "0"]);
    out
}
