//! `redis.call` and `redis.pcall` as plain Lua C functions.
//!
//! They are the hot path of every script, and a script may pass thousands of
//! arguments (`redis.call('rpush', k, unpack(t))`), so they read their
//! arguments straight from the Lua stack instead of through mlua's value
//! conversion (which keeps each value alive in a side stack of bounded
//! size), and build the reply table with the raw API.
//!
//! How this stays sound with Lua's `longjmp` errors:
//! * [`call`] first does all the Rust work in [`run_command`], which may not
//!   raise Lua errors (it reads the stack and runs the command) and returns
//!   the reply bytes.
//! * The reply is converted by [`convert`], called with `lua_pcall`: an
//!   allocation failure there unwinds only that function, whose frame owns
//!   nothing to drop, and `lua_pcall` reports it as a return code. The value is parked
//!   in a registry slot reserved per interpreter ([`CallSlot`]).
//! * Back in [`call`], every Rust value is dropped before the slot is pushed
//!   (`lua_rawgeti`, which does not allocate) and, for `redis.call` and an
//!   error reply, `lua_error` raises the error table: Lua unwinds only frames
//!   that own nothing.

use std::ffi::{c_int, c_void};

use mlua::{ffi, Lua, RegistryKey};

use super::convert::number_arg;
use super::with_ctx;

/// Per interpreter: the registry slot where a converted reply waits to be
/// pushed, and [`convert`] as a Lua function (created once: `lua_cpcall`
/// would allocate a closure per call).
pub struct CallSlot {
    slot: RegistryKey,
    convert: RegistryKey,
}

/// Reserves the interpreter's registry entries.
pub fn init(lua: &Lua) -> mlua::Result<()> {
    let slot = lua.create_registry_value(lua.create_table()?)?;
    // SAFETY: `convert` follows the Lua C API's rules (see the module doc).
    let convert = lua.create_registry_value(unsafe { lua.create_c_function(convert)? })?;
    lua.set_app_data(CallSlot { slot, convert });
    Ok(())
}

/// `redis.call`: raises the error table on an error reply.
///
/// # Safety
/// Called by Lua only, as a C function, with a valid state.
pub unsafe extern "C-unwind" fn redis_call(l: *mut ffi::lua_State) -> c_int {
    call(l, true)
}

/// `redis.pcall`: returns the error table on an error reply.
///
/// # Safety
/// Called by Lua only, as a C function, with a valid state.
pub unsafe extern "C-unwind" fn redis_pcall(l: *mut ffi::lua_State) -> c_int {
    call(l, false)
}

/// What a call produced, before conversion to Lua.
enum Outcome {
    /// An encoded reply (the command's output).
    Reply(Vec<u8>),
    /// An error of the call itself (`counted`: already in the error stats).
    Error(&'static str, bool),
}

struct ConvertJob<'a> {
    outcome: &'a Outcome,
    slot: c_int,
    is_error: bool,
}

unsafe fn call(l: *mut ffi::lua_State, raise: bool) -> c_int {
    let (slot, convert_fn) = match Lua::get_or_init_from_ptr(l).app_data_ref::<CallSlot>() {
        Some(s) => (s.slot.id(), s.convert.id()),
        None => return 0,
    };
    let is_error = {
        let outcome = match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| run_command(l))) {
            Ok(o) => o,
            Err(_) => Outcome::Error("ERR internal error running the command", false),
        };
        let mut job = ConvertJob { outcome: &outcome, slot, is_error: false };
        ffi::lua_rawgeti(l, ffi::LUA_REGISTRYINDEX, convert_fn as _);
        ffi::lua_pushlightuserdata(l, &mut job as *mut ConvertJob as *mut c_void);
        if ffi::lua_pcall(l, 1, 0, 0) != 0 {
            // Out of memory while building the reply: the message is on the stack.
            ffi::lua_pop(l, 1);
            ffi::lua_pushnil(l);
            ffi::lua_rawseti(l, ffi::LUA_REGISTRYINDEX, slot as _);
            job.is_error = false;
        }
        let is_error = job.is_error;
        // Give the reply buffer back to the script client for the next call.
        if let Outcome::Reply(mut b) = outcome {
            b.clear();
            with_ctx(|rc| {
                if rc.fake.reply.buf.capacity() < b.capacity() {
                    rc.fake.reply.buf = b;
                }
            });
        }
        is_error
        // Every Rust value is gone here, before anything can raise.
    };
    ffi::lua_rawgeti(l, ffi::LUA_REGISTRYINDEX, slot as _);
    if raise && is_error {
        ffi::lua_error(l);
    }
    1
}

/// Reads the command from the stack and runs it with the script's client.
unsafe fn run_command(l: *mut ffi::lua_State) -> Outcome {
    let n = ffi::lua_gettop(l);
    if n == 0 {
        return Outcome::Error("ERR Please specify at least one argument for this redis lib call", false);
    }
    let mut buf: Vec<u8> = Vec::with_capacity(64);
    let mut ends: Vec<usize> = Vec::with_capacity(n as usize);
    for i in 1..=n {
        match ffi::lua_type(l, i) {
            ffi::LUA_TSTRING => {
                let mut len = 0usize;
                let p = ffi::lua_tolstring(l, i, &mut len);
                if !p.is_null() {
                    buf.extend_from_slice(std::slice::from_raw_parts(p as *const u8, len));
                }
            }
            ffi::LUA_TNUMBER => number_arg(ffi::lua_tonumber(l, i), &mut buf),
            _ => return Outcome::Error("ERR Lua redis lib command arguments must be strings or integers", false),
        }
        ends.push(buf.len());
    }
    let mut argv: Vec<&[u8]> = Vec::with_capacity(ends.len());
    let mut start = 0;
    for &end in &ends {
        argv.push(&buf[start..end]);
        start = end;
    }
    let out = with_ctx(|rc| {
        // SAFETY: the pointer was made from the `&mut Server` of the running
        // EVAL/FCALL handler, which does not touch the server until the
        // script returns; nothing else holds a reference meanwhile.
        let srv = &mut *rc.srv;
        if let Err(msg) = super::check_script_command(srv, &argv) {
            return Outcome::Error(msg, true);
        }
        let resp3 = srv.scripting.run.as_ref().is_some_and(|r| r.resp3);
        rc.fake.reply.buf.clear();
        rc.fake.reply.resp3 = resp3;
        srv.call(&mut rc.fake, &argv);
        Outcome::Reply(std::mem::take(&mut rc.fake.reply.buf))
    });
    out.unwrap_or(Outcome::Error("ERR redis.call is only available while a script runs", false))
}

/// Builds the Lua value of a call's outcome and parks it in the slot (run
/// under `lua_pcall`; owns nothing, so a Lua error may unwind it).
unsafe extern "C-unwind" fn convert(l: *mut ffi::lua_State) -> c_int {
    let job = &mut *(ffi::lua_touserdata(l, 1) as *mut ConvertJob);
    match job.outcome {
        Outcome::Error(msg, counted) => {
            push_error(l, msg.as_bytes(), *counted);
            job.is_error = true;
        }
        Outcome::Reply(bytes) => {
            job.is_error = bytes.first() == Some(&b'-');
            let mut pos = 0;
            push_reply(l, bytes, &mut pos);
        }
    }
    ffi::lua_rawseti(l, ffi::LUA_REGISTRYINDEX, job.slot as _);
    0
}

unsafe fn push_bytes(l: *mut ffi::lua_State, b: &[u8]) {
    ffi::lua_pushlstring(l, b.as_ptr() as *const _, b.len());
}

/// `{err=msg}`, with `ignore_error_stats_update` when already counted.
unsafe fn push_error(l: *mut ffi::lua_State, msg: &[u8], counted: bool) {
    ffi::lua_createtable(l, 0, 2);
    push_bytes(l, msg);
    ffi::lua_setfield(l, -2, c"err".as_ptr());
    if counted {
        ffi::lua_pushboolean(l, 1);
        ffi::lua_setfield(l, -2, c"ignore_error_stats_update".as_ptr());
    }
}

/// A one-field table `{name = <value on top>}`.
unsafe fn wrap_field(l: *mut ffi::lua_State, name: &std::ffi::CStr) {
    ffi::lua_createtable(l, 0, 1);
    ffi::lua_insert(l, -2);
    ffi::lua_setfield(l, -2, name.as_ptr());
}

fn line<'a>(buf: &'a [u8], pos: &mut usize) -> &'a [u8] {
    let start = (*pos).min(buf.len());
    let end = buf[start..].windows(2).position(|w| w == b"\r\n").map(|i| start + i).unwrap_or(buf.len());
    *pos = (end + 2).min(buf.len());
    &buf[start..end]
}

fn num(b: &[u8]) -> i64 {
    crate::util::parse_i64_strict(b).unwrap_or(0)
}

fn bulk<'a>(buf: &'a [u8], pos: &mut usize, len: i64) -> &'a [u8] {
    let start = (*pos).min(buf.len());
    let end = (start + len.max(0) as usize).min(buf.len());
    *pos = (end + 2).min(buf.len());
    &buf[start..end]
}

/// Pushes the Lua value of one encoded reply (see `convert.rs` for the
/// mapping, which this follows exactly).
unsafe fn push_reply(l: *mut ffi::lua_State, buf: &[u8], pos: &mut usize) {
    if *pos >= buf.len() {
        ffi::lua_pushnil(l);
        return;
    }
    let kind = buf[*pos];
    *pos += 1;
    let head = line(buf, pos);
    match kind {
        b'+' => {
            push_bytes(l, head);
            wrap_field(l, c"ok");
        }
        b'-' => push_error(l, head, true),
        b':' => ffi::lua_pushnumber(l, num(head) as f64),
        b'$' => {
            let n = num(head);
            if n < 0 {
                ffi::lua_pushboolean(l, 0);
            } else {
                push_bytes(l, bulk(buf, pos, n));
            }
        }
        b'*' | b'>' => {
            let n = num(head);
            if n < 0 {
                ffi::lua_pushboolean(l, 0);
                return;
            }
            ffi::lua_createtable(l, n.min(1 << 20) as c_int, 0);
            for i in 0..n {
                push_reply(l, buf, pos);
                ffi::lua_rawseti(l, -2, (i + 1) as _);
            }
        }
        b'~' => {
            let n = num(head);
            ffi::lua_createtable(l, 0, n.clamp(0, 1 << 20) as c_int);
            for _ in 0..n.max(0) {
                push_reply(l, buf, pos);
                if ffi::lua_type(l, -1) == ffi::LUA_TNIL {
                    ffi::lua_pop(l, 1);
                    continue;
                }
                ffi::lua_pushboolean(l, 1);
                ffi::lua_rawset(l, -3);
            }
            wrap_field(l, c"set");
        }
        b'%' | b'|' => {
            let n = num(head);
            ffi::lua_createtable(l, 0, n.clamp(0, 1 << 20) as c_int);
            for _ in 0..n.max(0) {
                push_reply(l, buf, pos);
                push_reply(l, buf, pos);
                if ffi::lua_type(l, -2) == ffi::LUA_TNIL {
                    ffi::lua_pop(l, 2);
                    continue;
                }
                ffi::lua_rawset(l, -3);
            }
            if kind == b'|' {
                // An attribute: not exposed to scripts; the reply follows.
                ffi::lua_pop(l, 1);
                return push_reply(l, buf, pos);
            }
            wrap_field(l, c"map");
        }
        b'_' => ffi::lua_pushnil(l),
        b'#' => ffi::lua_pushboolean(l, (head == b"t") as c_int),
        b',' => {
            ffi::lua_pushnumber(l, crate::util::parse_f64(head).unwrap_or(0.0));
            wrap_field(l, c"double");
        }
        b'(' => {
            push_bytes(l, head);
            wrap_field(l, c"big_number");
        }
        b'=' => {
            let body = bulk(buf, pos, num(head));
            let (format, text) =
                if body.len() >= 4 && body[3] == b':' { body.split_at(4) } else { (&b"txt:"[..], body) };
            ffi::lua_createtable(l, 0, 2);
            push_bytes(l, &format[..3]);
            ffi::lua_setfield(l, -2, c"format".as_ptr());
            push_bytes(l, text);
            ffi::lua_setfield(l, -2, c"string".as_ptr());
            wrap_field(l, c"verbatim_string");
        }
        _ => ffi::lua_pushnil(l),
    }
}
