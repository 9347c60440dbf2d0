//! Conversions between Redis replies and Lua values, as Redis documents them.
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

/// Converts one encoded reply (what a command wrote into the script client's
/// buffer) to a Lua value. Returns true as well if the reply is an error.
pub fn reply_to_lua(lua: &Lua, buf: &[u8]) -> mlua::Result<(Value, bool)> {
    let mut pos = 0;
    // Attributes before the reply are skipped (they are not exposed to scripts).
    let is_err = buf.first() == Some(&b'-');
    let v = parse(lua, buf, &mut pos)?;
    Ok((v, is_err))
}

fn line<'a>(buf: &'a [u8], pos: &mut usize) -> &'a [u8] {
    let start = *pos;
    let end = buf[start..].windows(2).position(|w| w == b"\r\n").map(|i| start + i).unwrap_or(buf.len());
    *pos = (end + 2).min(buf.len());
    &buf[start..end]
}

fn num(b: &[u8]) -> i64 {
    crate::util::parse_i64_strict(b).unwrap_or(0)
}

fn bulk<'a>(buf: &'a [u8], pos: &mut usize, len: i64) -> &'a [u8] {
    let start = *pos;
    let end = (start + len.max(0) as usize).min(buf.len());
    *pos = (end + 2).min(buf.len());
    &buf[start..end]
}

fn parse(lua: &Lua, buf: &[u8], pos: &mut usize) -> mlua::Result<Value> {
    if *pos >= buf.len() {
        return Ok(Value::Nil);
    }
    let kind = buf[*pos];
    *pos += 1;
    let head = line(buf, pos);
    Ok(match kind {
        b'+' => {
            let t = lua.create_table()?;
            t.raw_set("ok", lua.create_string(head)?)?;
            Value::Table(t)
        }
        b'-' => err_table(lua, &String::from_utf8_lossy(head), true)?,
        b':' => Value::Number(num(head) as f64),
        b'$' => {
            let n = num(head);
            if n < 0 {
                Value::Boolean(false)
            } else {
                Value::String(lua.create_string(bulk(buf, pos, n))?)
            }
        }
        b'*' | b'~' | b'>' => {
            let n = num(head);
            if n < 0 {
                return Ok(Value::Boolean(false));
            }
            let t = lua.create_table_with_capacity(if kind == b'~' { 0 } else { n as usize }, 0)?;
            for i in 0..n {
                let v = parse(lua, buf, pos)?;
                if kind == b'~' {
                    t.raw_set(v, true)?;
                } else {
                    t.raw_set(i + 1, v)?;
                }
            }
            if kind == b'~' {
                let outer = lua.create_table()?;
                outer.raw_set("set", t)?;
                Value::Table(outer)
            } else {
                Value::Table(t)
            }
        }
        b'%' | b'|' => {
            let n = num(head);
            let t = lua.create_table()?;
            for _ in 0..n.max(0) {
                let k = parse(lua, buf, pos)?;
                let v = parse(lua, buf, pos)?;
                if kind == b'%' {
                    t.raw_set(k, v)?;
                }
            }
            if kind == b'|' {
                // An attribute: ignored, the real reply follows.
                return parse(lua, buf, pos);
            }
            let outer = lua.create_table()?;
            outer.raw_set("map", t)?;
            Value::Table(outer)
        }
        b'_' => Value::Nil,
        b'#' => Value::Boolean(head == b"t"),
        b',' => {
            let d = crate::util::parse_f64(head).unwrap_or(0.0);
            let t = lua.create_table()?;
            t.raw_set("double", d)?;
            Value::Table(t)
        }
        b'(' => {
            let t = lua.create_table()?;
            t.raw_set("big_number", lua.create_string(head)?)?;
            Value::Table(t)
        }
        b'=' => {
            let body = bulk(buf, pos, num(head));
            let (format, text) =
                if body.len() >= 4 && body[3] == b':' { body.split_at(4) } else { (&b"txt:"[..], body) };
            let v = lua.create_table()?;
            v.raw_set("format", lua.create_string(&format[..3])?)?;
            v.raw_set("string", lua.create_string(text)?)?;
            let t = lua.create_table()?;
            t.raw_set("verbatim_string", v)?;
            Value::Table(t)
        }
        _ => Value::Nil,
    })
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
/// protocol the script selected with `redis.setresp`.
pub fn write_reply(reply: &mut Reply, v: &Value, resp3: bool) {
    write_value(reply, v, resp3, 0);
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

fn write_value(reply: &mut Reply, v: &Value, resp3: bool, depth: usize) {
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
        Value::Table(t) => write_table(reply, t, resp3, depth),
        _ => reply.null(),
    }
}

fn write_table(reply: &mut Reply, t: &Table, resp3: bool, depth: usize) {
    if depth >= MAX_DEPTH {
        return raw_error(reply, b"ERR reached lua stack limit", true);
    }
    if let Some(e) = str_field(t, "err") {
        let counted = matches!(t.raw_get::<Value>("ignore_error_stats_update"), Ok(Value::Boolean(true)));
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
    if let Ok(Value::Table(m)) = t.raw_get::<Value>("map") {
        let pairs: Vec<(Value, Value)> = m.pairs::<Value, Value>().filter_map(Result::ok).collect();
        reply.map_len(pairs.len());
        for (k, v) in &pairs {
            write_value(reply, k, resp3, depth + 1);
            write_value(reply, v, resp3, depth + 1);
        }
        return;
    }
    if let Ok(Value::Table(s)) = t.raw_get::<Value>("set") {
        let keys: Vec<Value> = s.pairs::<Value, Value>().filter_map(Result::ok).map(|(k, _)| k).collect();
        reply.set_len(keys.len());
        for k in &keys {
            write_value(reply, k, resp3, depth + 1);
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
    let mut items = Vec::new();
    let mut i = 1;
    loop {
        match t.raw_get::<Value>(i) {
            Ok(Value::Nil) | Err(_) => break,
            Ok(v) => items.push(v),
        }
        i += 1;
    }
    reply.array_len(items.len());
    for v in &items {
        write_value(reply, v, resp3, depth + 1);
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
