//! The `redis` table scripts use: `redis.call`/`redis.pcall` (commands run
//! through the command table with the script's client), reply helpers,
//! `sha1hex`, `log`, `setresp`, replication controls (accepted, since every
//! script is replicated by its effects), and the error handler that turns any
//! error into Redis's `{err=..., source=..., line=...}` form.

use mlua::{Lua, MultiValue, Table, Value};

use super::convert::{err_table, number_arg};
use super::engine::INTERNAL_CHUNK;
use super::{with_ctx, ScriptError};
use crate::commands;

pub const LOG_DEBUG: i64 = 0;
pub const LOG_WARNING: i64 = 3;

/// `REDIS_VERSION_NUM`: 0x00MMmmpp.
fn version_num() -> i64 {
    let mut parts = crate::config::REDIS_VERSION.split('.').map(|p| p.parse::<i64>().unwrap_or(0));
    let (a, b, c) = (parts.next().unwrap_or(0), parts.next().unwrap_or(0), parts.next().unwrap_or(0));
    (a << 16) | (b << 8) | c
}

/// Fields of `redis` shared by EVAL scripts, functions and the library load
/// API: `log`, the log levels and the version.
pub fn common_fields(lua: &Lua, t: &Table) -> mlua::Result<()> {
    t.raw_set("log", lua.create_function(log)?)?;
    t.raw_set("LOG_DEBUG", LOG_DEBUG)?;
    t.raw_set("LOG_VERBOSE", 1)?;
    t.raw_set("LOG_NOTICE", 2)?;
    t.raw_set("LOG_WARNING", LOG_WARNING)?;
    t.raw_set("REDIS_VERSION", crate::config::REDIS_VERSION)?;
    t.raw_set("REDIS_VERSION_NUM", version_num())?;
    Ok(())
}

/// Creates the global `redis` table (before the sandbox wraps it).
pub fn register(lua: &Lua, globals: &Table) -> mlua::Result<()> {
    let r = lua.create_table()?;
    common_fields(lua, &r)?;
    // SAFETY: plain Lua C functions following the Lua API's rules (see ccall.rs).
    r.raw_set("call", unsafe { lua.create_c_function(super::ccall::redis_call)? })?;
    r.raw_set("pcall", unsafe { lua.create_c_function(super::ccall::redis_pcall)? })?;
    r.raw_set("error_reply", lua.create_function(error_reply)?)?;
    r.raw_set("status_reply", lua.create_function(status_reply)?)?;
    r.raw_set("sha1hex", lua.create_function(sha1hex)?)?;
    r.raw_set("setresp", lua.create_function(setresp)?)?;
    r.raw_set("set_repl", lua.create_function(set_repl)?)?;
    r.raw_set("replicate_commands", lua.create_function(|_, _: MultiValue| Ok(true))?)?;
    r.raw_set("breakpoint", lua.create_function(|_, _: MultiValue| Ok(false))?)?;
    r.raw_set("debug", lua.create_function(|_, _: MultiValue| Ok(()))?)?;
    r.raw_set("acl_check_cmd", lua.create_function(acl_check_cmd)?)?;
    r.raw_set("REPL_NONE", 0)?;
    r.raw_set("REPL_AOF", 1)?;
    r.raw_set("REPL_SLAVE", 2)?;
    r.raw_set("REPL_REPLICA", 2)?;
    r.raw_set("REPL_ALL", 3)?;
    globals.raw_set("redis", r)?;
    Ok(())
}

fn runtime(msg: &str) -> mlua::Error {
    mlua::Error::RuntimeError(msg.to_string())
}

/// Turns the Lua arguments of `redis.call` into command arguments: strings
/// as they are, numbers formatted as Redis formats them.
fn to_argv(args: &MultiValue, buf: &mut Vec<u8>, ends: &mut Vec<usize>) -> bool {
    for v in args.iter() {
        match v {
            Value::String(s) => buf.extend_from_slice(&s.as_bytes()),
            Value::Number(n) => number_arg(*n, buf),
            Value::Integer(i) => number_arg(*i as f64, buf),
            _ => return false,
        }
        ends.push(buf.len());
    }
    true
}

/// What a script's `pcall` returns for an error raised by Rust code: the
/// message (Lua values are returned as they are).
pub fn lua_error(lua: &Lua, v: Value) -> mlua::Result<Value> {
    let Value::Error(e) = &v else { return Ok(v) };
    let msg = error_message(e);
    let msg = msg.strip_prefix("ERR ").unwrap_or(&msg).to_string();
    Ok(Value::String(lua.create_string(msg)?))
}

/// Builds Redis's error table from an error string: `-CODE msg` keeps its
/// code, anything else gets `ERR`.
fn error_from_string(lua: &Lua, s: &[u8]) -> mlua::Result<Value> {
    let s = String::from_utf8_lossy(s);
    let msg = match s.strip_prefix('-') {
        Some(rest) => match rest.split_once(' ') {
            Some((code, msg)) => format!("{} {}", code, msg.trim_matches(|c| c == '\r' || c == '\n')),
            None => format!("ERR {}", rest.trim_matches(|c| c == '\r' || c == '\n')),
        },
        None => format!("ERR {}", s.trim_matches(|c| c == '\r' || c == '\n')),
    };
    err_table(lua, &msg, false)
}

fn error_reply(lua: &Lua, args: MultiValue) -> mlua::Result<Value> {
    match args.iter().next() {
        Some(Value::String(s)) if args.len() == 1 => {
            let b = s.as_bytes();
            if b.first() == Some(&b'-') {
                error_from_string(lua, &b)
            } else {
                let mut v = b"-".to_vec();
                v.extend_from_slice(&b);
                error_from_string(lua, &v)
            }
        }
        _ => err_table(lua, "ERR wrong number or type of arguments", false),
    }
}

fn status_reply(lua: &Lua, args: MultiValue) -> mlua::Result<Value> {
    match args.iter().next() {
        Some(Value::String(s)) if args.len() == 1 => {
            let t = lua.create_table()?;
            t.raw_set("ok", s.clone())?;
            Ok(Value::Table(t))
        }
        _ => err_table(lua, "ERR wrong number or type of arguments", false),
    }
}

fn sha1hex(_: &Lua, args: MultiValue) -> mlua::Result<String> {
    let mut buf = Vec::new();
    match args.iter().next() {
        Some(Value::String(s)) if args.len() == 1 => buf.extend_from_slice(&s.as_bytes()),
        Some(Value::Number(n)) if args.len() == 1 => buf.extend_from_slice(lua_tostring_number(*n).as_bytes()),
        Some(Value::Integer(i)) if args.len() == 1 => buf.extend_from_slice(lua_tostring_number(*i as f64).as_bytes()),
        _ => return Err(runtime("wrong number of arguments")),
    }
    Ok(super::sha1::sha1_hex(&buf))
}

/// Lua's own number to string conversion (`%.14g`).
pub fn lua_tostring_number(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e14 {
        return format!("{}", n as i64);
    }
    let s = format!("{:.13e}", n);
    let (mant, exp) = s.split_once('e').unwrap_or((&s, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let trim = |m: &str| -> String {
        if m.contains('.') {
            m.trim_end_matches('0').trim_end_matches('.').to_string()
        } else {
            m.to_string()
        }
    };
    if !(-4..14).contains(&exp) {
        format!("{}e{}{:02}", trim(mant), if exp < 0 { '-' } else { '+' }, exp.abs())
    } else {
        trim(&format!("{:.*}", (13 - exp).max(0) as usize, n))
    }
}

fn log(_: &Lua, args: MultiValue) -> mlua::Result<()> {
    if args.len() < 2 {
        return Err(runtime("redis.log() requires two arguments or more."));
    }
    let level = match args.iter().next() {
        Some(Value::Number(n)) => *n as i64,
        Some(Value::Integer(i)) => *i,
        _ => return Err(runtime("First argument must be a number (log level).")),
    };
    if !(LOG_DEBUG..=LOG_WARNING).contains(&level) {
        return Err(runtime("Invalid debug level."));
    }
    let mut msg = String::new();
    for (i, v) in args.iter().skip(1).enumerate() {
        if i > 0 {
            msg.push(' ');
        }
        match v {
            Value::String(s) => msg.push_str(&String::from_utf8_lossy(&s.as_bytes())),
            Value::Number(n) => msg.push_str(&lua_tostring_number(*n)),
            Value::Integer(n) => msg.push_str(&lua_tostring_number(*n as f64)),
            _ => {}
        }
    }
    match level {
        0 => tracing::trace!("{}", msg),
        1 => tracing::debug!("{}", msg),
        2 => tracing::info!("{}", msg),
        _ => tracing::warn!("{}", msg),
    }
    Ok(())
}

fn setresp(_: &Lua, args: MultiValue) -> mlua::Result<()> {
    if args.len() != 1 {
        return Err(runtime("redis.setresp() requires one argument."));
    }
    let v = match args.iter().next() {
        Some(Value::Number(n)) => *n as i64,
        Some(Value::Integer(i)) => *i,
        _ => 0,
    };
    if v != 2 && v != 3 {
        return Err(runtime("RESP version must be 2 or 3."));
    }
    with_ctx(|rc| {
        // SAFETY: see `call_raw`.
        let srv = unsafe { &mut *rc.srv };
        if let Some(r) = srv.scripting.run.as_mut() {
            r.resp3 = v == 3;
        }
    })
    .ok_or_else(|| runtime("redis.setresp() is only available while a script runs"))
}

fn set_repl(_: &Lua, args: MultiValue) -> mlua::Result<()> {
    if args.len() != 1 {
        return Err(runtime("redis.set_repl() requires one argument."));
    }
    let v = match args.iter().next() {
        Some(Value::Number(n)) => *n as i64,
        Some(Value::Integer(i)) => *i,
        _ => -1,
    };
    if !(0..=3).contains(&v) {
        return Err(runtime("Invalid replication flags. Use REPL_AOF, REPL_REPLICA, REPL_ALL or REPL_NONE."));
    }
    Ok(())
}

/// `redis.acl_check_cmd(cmd, ...)`: oxidis has only the default user, who may
/// run everything; the command must exist.
fn acl_check_cmd(_: &Lua, args: MultiValue) -> mlua::Result<bool> {
    let mut buf = Vec::new();
    let mut ends = Vec::new();
    if args.is_empty() || !to_argv(&args, &mut buf, &mut ends) {
        return Err(runtime("Please specify at least one argument for this redis lib call"));
    }
    let name = &buf[..ends[0]];
    let known = with_ctx(|rc| {
        // SAFETY: see `call_raw`.
        let srv = unsafe { &*rc.srv };
        srv.commands.lookup(name).is_some()
    });
    if known != Some(true) {
        return Err(ScriptError::new("ERR Invalid command passed to redis.acl_check_cmd()").into());
    }
    Ok(true)
}

/// The message handler scripts run under: any error becomes a table with
/// `err` (with an error code), and the script `source` and `line` where it
/// happened (for an error raised by a C/Rust function or our own Lua, the
/// script line that called it).
pub fn err_handler(lua: &Lua, err: Value) -> mlua::Result<Table> {
    let t = match err {
        Value::Table(t) if matches!(t.raw_get::<Value>("err"), Ok(Value::String(_))) => t,
        other => {
            let msg = match &other {
                Value::String(s) => format!("ERR {}", String::from_utf8_lossy(&s.as_bytes())),
                Value::Error(e) => error_message(e),
                Value::Nil => "ERR nil".to_string(),
                Value::Boolean(b) => format!("ERR {}", b),
                Value::Number(n) => format!("ERR {}", lua_tostring_number(*n)),
                Value::Integer(n) => format!("ERR {}", lua_tostring_number(*n as f64)),
                v => format!("ERR {}", v.type_name()),
            };
            let t = lua.create_table()?;
            t.raw_set("err", msg)?;
            t
        }
    };
    for level in 0..64 {
        let found = lua.inspect_stack(level, |d| {
            let src = d.source();
            let what = src.what;
            let source = src.source.as_deref().unwrap_or("").to_string();
            (what, source, d.current_line())
        });
        let Some((what, source, line)) = found else { break };
        if what == "C" || source == INTERNAL_CHUNK {
            continue;
        }
        t.raw_set("source", source)?;
        if let Some(l) = line {
            t.raw_set("line", l)?;
        }
        break;
    }
    Ok(t)
}

/// The text of an error raised by Rust code (ours or mlua's).
fn error_message(e: &mlua::Error) -> String {
    if let Some(se) = e.downcast_ref::<ScriptError>() {
        return se.0.clone();
    }
    match e {
        mlua::Error::CallbackError { cause, .. } => error_message(cause),
        mlua::Error::RuntimeError(m) => format!("ERR {}", m),
        mlua::Error::MemoryError(m) => format!("ERR {}", m),
        other => format!("ERR {}", other),
    }
}

/// Errors Redis gives a command called from a script before running it.
pub const UNKNOWN_COMMAND: &str = "ERR Unknown Redis command called from script";
pub const WRONG_ARITY: &str = "ERR Wrong number of args calling Redis command from script";
pub const NOT_ALLOWED: &str = "ERR This Redis command is not allowed from script";

/// True if the command may not run in a script (`noscript` flag).
pub fn denied(flags: u32) -> bool {
    flags & commands::NOSCRIPT != 0
}
