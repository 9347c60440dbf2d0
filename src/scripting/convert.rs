//! Conversions between Redis replies and Lua values, as Redis documents them.
//! Lua → Redis is here; Redis → Lua is built with the raw Lua API in
//! `ccall.rs` (the hot path of `redis.call`).
//!
//! Redis → Lua (what `redis.call` returns): integer → number, bulk → string,
//! null bulk / null array → `false` (RESP3 null → `nil`), array → table,
//! status → `{ok=...}`, error → `{err=...}`; under `redis.setresp(3)` also
//! map → `{map={...}}`, set → `{set={...}}`, double → `{double=n}`,
//! boolean → boolean, big number → `{big_number=s}`, verbatim →
//! `{verbatim_string={format=..., string=...}}`.
//!
//! Lua → Redis (what a script returns): number → integer (truncated), string →
//! bulk, `true` → 1 (RESP3 scripts: boolean), `false`/`nil` → null (RESP3
//! scripts: `false` is a boolean), tables with a field `err`, `ok`, `double`,
//! `big_number`, `map`, `set` or `verbatim_string` → that type, other tables →
//! an array of their elements up to the first `nil`. Fields are read raw, so
//! a metatable on the returned table is never called.

use mlua::{Lua, Table, Value};

use crate::protocol::Reply;
use crate::util::{fmt_double, write_i64};

/// Nesting deeper than this in a returned table is answered with an error
/// element (Redis runs out of Lua stack at about this depth).
const MAX_DEPTH: usize = 1000;

/// An error table `{err=msg}`; `counted` marks an error already counted in the
/// error statistics (one a command replied), so replying it does not count it
/// again.
pub fn err_table(lua: &Lua, msg: &str, counted: bool) -> mlua::Result<Value> {
    let t = lua.create_table()?;
    t.raw_set("err", lua.create_string(msg)?)?;
    if counted {
        t.raw_set("ignore_error_stats_update", true)?;
    }
    Ok(Value::Table(t))
}

/// Writes an error reply made of `msg` as given (no `ERR` added), with CR and
/// LF replaced by spaces. `count` adds it to the error statistics.
pub fn raw_error(reply: &mut Reply, msg: &[u8], count: bool) {
    let mut out = Vec::with_capacity(msg.len() + 3);
    out.push(b'-');
    out.extend(msg.iter().map(|&b| if b == b'\r' || b == b'\n' { b' ' } else { b }));
    out.extend_from_slice(b"\r\n");
    reply.encoded(&out);
    if count {
        reply.errors += 1;
        let code = msg.split(|&b| b == b' ').next().unwrap_or(b"");
        let code = if code.is_empty() { "ERR".to_string() } else { String::from_utf8_lossy(code).into_owned() };
        reply.last_error_code = Some(code.into());
    }
}

/// A Lua number as Redis turns it into an integer reply: truncated toward
/// zero; values out of range (and NaN) give the minimum, as C's cast does on
/// the machines Redis runs on.
pub fn lua_number_to_i64(n: f64) -> i64 {
    if n.is_nan() || !(-9.223_372_036_854_776e18..9.223_372_036_854_776e18).contains(&n) {
        i64::MIN
    } else {
        n as i64
    }
}

/// Writes a script's return value to the caller's reply. `resp3` is the
/// protocol the script selected with `redis.setresp`. Returns the number of
/// error replies written that were already counted in the error statistics
/// (a command's error returned by `redis.pcall`): the call still failed.
pub fn write_reply(reply: &mut Reply, v: &Value, resp3: bool) -> u64 {
    let mut uncounted = 0;
    write_value(reply, v, resp3, 0, &mut uncounted);
    uncounted
}

fn str_field(t: &Table, name: &str) -> Option<mlua::LuaString> {
    match t.raw_get::<Value>(name) {
        Ok(Value::String(s)) => Some(s),
        _ => None,
    }
}

fn no_crlf(b: &[u8]) -> Vec<u8> {
    b.iter().map(|&c| if c == b'\r' || c == b'\n' { b' ' } else { c }).collect()
}

fn write_value(reply: &mut Reply, v: &Value, resp3: bool, depth: usize, uncounted: &mut u64) {
    match v {
        Value::String(s) => reply.bulk(&s.as_bytes()),
        Value::Boolean(b) => {
            if resp3 {
                reply.bool(*b);
            } else if *b {
                reply.int(1);
            } else {
                reply.null();
            }
        }
        Value::Integer(i) => reply.int(*i),
        Value::Number(n) => reply.int(lua_number_to_i64(*n)),
        Value::Table(t) => write_table(reply, t, resp3, depth, uncounted),
        _ => reply.null(),
    }
}

fn write_table(reply: &mut Reply, t: &Table, resp3: bool, depth: usize, uncounted: &mut u64) {
    if depth >= MAX_DEPTH {
        return raw_error(reply, b"ERR reached lua stack limit", true);
    }
    if let Some(e) = str_field(t, "err") {
        let counted = matches!(t.raw_get::<Value>("ignore_error_stats_update"), Ok(Value::Boolean(true)));
        *uncounted += counted as u64;
        return raw_error(reply, &e.as_bytes(), !counted);
    }
    if let Some(s) = str_field(t, "ok") {
        let text = no_crlf(&s.as_bytes());
        let mut out = Vec::with_capacity(text.len() + 3);
        out.push(b'+');
        out.extend_from_slice(&text);
        out.extend_from_slice(b"\r\n");
        return reply.encoded(&out);
    }
    match t.raw_get::<Value>("double") {
        Ok(Value::Number(d)) => return reply.double(d),
        Ok(Value::Integer(i)) => return reply.double(i as f64),
        _ => {}
    }
    if let Some(s) = str_field(t, "big_number") {
        let text = no_crlf(&s.as_bytes());
        if reply.resp3 {
            let mut out = Vec::with_capacity(text.len() + 3);
            out.push(b'(');
            out.extend_from_slice(&text);
            out.extend_from_slice(b"\r\n");
            return reply.encoded(&out);
        }
        return reply.bulk(&text);
    }
    // Tables are walked twice (count, then write) rather than collected: a
    // Rust function may hold only a few thousand Lua values at once.
    if let Ok(Value::Table(m)) = t.raw_get::<Value>("map") {
        reply.map_len(m.pairs::<Value, Value>().filter(Result::is_ok).count());
        for (k, v) in m.pairs::<Value, Value>().filter_map(Result::ok) {
            write_value(reply, &k, resp3, depth + 1, uncounted);
            write_value(reply, &v, resp3, depth + 1, uncounted);
        }
        return;
    }
    if let Ok(Value::Table(s)) = t.raw_get::<Value>("set") {
        reply.set_len(s.pairs::<Value, Value>().filter(Result::is_ok).count());
        for (k, _) in s.pairs::<Value, Value>().filter_map(Result::ok) {
            write_value(reply, &k, resp3, depth + 1, uncounted);
        }
        return;
    }
    if let Ok(Value::Table(vt)) = t.raw_get::<Value>("verbatim_string") {
        if let (Some(format), Some(text)) = (str_field(&vt, "format"), str_field(&vt, "string")) {
            let format = format.as_bytes();
            let text = text.as_bytes();
            if reply.resp3 && format.len() == 3 {
                let mut out = Vec::with_capacity(text.len() + 16);
                out.push(b'=');
                write_i64(&mut out, text.len() as i64 + 4);
                out.extend_from_slice(b"\r\n");
                out.extend_from_slice(&format);
                out.push(b':');
                out.extend_from_slice(&text);
                out.extend_from_slice(b"\r\n");
                return reply.encoded(&out);
            }
            return reply.bulk(&text);
        }
    }
    // An array: elements 1, 2, ... up to the first nil.
    let mut n = 0;
    while !matches!(t.raw_get::<Value>(n + 1), Ok(Value::Nil) | Err(_)) {
        n += 1;
    }
    reply.array_len(n);
    for i in 1..=n {
        let v = t.raw_get::<Value>(i).unwrap_or(Value::Nil);
        write_value(reply, &v, resp3, depth + 1, uncounted);
    }
}

/// A Lua number as a command argument: integers in decimal, others like
/// `%.17g` (Redis's formatting of Lua numbers passed to commands).
pub fn number_arg(n: f64, out: &mut Vec<u8>) {
    if n.fract() == 0.0 && n.abs() < 1e17 && !(n == 0.0 && n.is_sign_negative()) {
        write_i64(out, n as i64);
    } else if n.is_nan() {
        out.extend_from_slice(if n.is_sign_negative() { b"-nan" } else { b"nan" });
    } else {
        out.extend_from_slice(fmt_double(n).as_bytes());
    }
}
