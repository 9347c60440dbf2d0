//! Lua scripting: EVAL scripts and FUNCTION libraries, run as Redis 7 runs them.
//!
//! * [`engine`]: a Lua 5.1 interpreter with Redis's sandbox (read-only
//!   globals, the allowed libraries). EVAL scripts share one interpreter,
//!   reset by SCRIPT FLUSH; function libraries live in a second one, reset by
//!   FUNCTION FLUSH (as in Redis).
//! * [`api`]: the `redis` table; [`convert`]: reply ↔ Lua conversions;
//!   [`libs`]: cjson, cmsgpack, bit, struct; [`functions`]: libraries.
//!
//! A script runs inside the EVAL/FCALL handler, so it is atomic: nothing else
//! runs meanwhile, except that past `busy-reply-threshold` a hook in the
//! interpreter lets the event loop serve other clients in a restricted mode
//! (only `allow-busy` commands; the others get `-BUSY`), which is how SCRIPT
//! KILL, FUNCTION KILL and SHUTDOWN NOSAVE reach a script that does not end.
//!
//! Commands a script calls go through `Server::call` with a script client (no
//! socket), so they get the same lookups, flags, statistics, keyspace hooks
//! (WATCH, blocked clients: keys a script pushes to are served after it) as
//! any command. While the script runs, the Rust callbacks reach the server
//! through a pointer kept in a thread-local ([`RunCtx`]): the handler that
//! runs the script lends its `&mut Server` for exactly that duration.

pub mod api;
pub mod ccall;
pub mod convert;
pub mod engine;
pub mod functions;
pub mod libs;
pub mod sha1;

use std::cell::Cell;
use std::collections::HashMap;
use std::time::{Duration, Instant};

use mio::Token;
use mlua::{Function, HookTriggers, Lua, Table, Value, VmState};
use tracing::warn;

use crate::commands::{self, Ctx};
use crate::config::D;
use crate::server::{Client, Conn, Server};
use engine::Engine;

/// The token of the client scripts run their commands with (no connection).
pub const SCRIPT_CLIENT_TOKEN: Token = Token(usize::MAX);

/// The hook runs every this many Lua instructions: often enough to notice a
/// long script within a millisecond or so, rarely enough to cost nothing.
const HOOK_INSTRUCTIONS: u32 = 10_000;

/// How long FUNCTION LOAD may run a library's code.
const LOAD_TIMEOUT: Duration = Duration::from_millis(500);

/// While a script runs past the threshold, other clients are served at most
/// this often.
const BUSY_POLL_EVERY: Duration = Duration::from_millis(1);

pub const BUSY_EVAL: &str = "BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.";
pub const BUSY_FUNCTION: &str =
    "BUSY Redis is busy running a script. You can only call FUNCTION KILL or SHUTDOWN NOSAVE.";
pub const KILLED: &str = "ERR Script killed by user with SCRIPT KILL...";
pub const UNKILLABLE: &str = "UNKILLABLE Sorry the script already executed write commands against the dataset. You can either wait the script termination or kill the server in a hard way using the SHUTDOWN NOSAVE command.";
pub const NOTBUSY: &str = "NOTBUSY No scripts in execution right now.";
pub const WRITE_IN_READONLY: &str = "ERR Write commands are not allowed from read-only scripts.";
pub const WRITE_FLAG_WITH_RO: &str = "ERR Can not execute a script with write flag using *_ro command.";

// Script flags (EVAL shebang `flags=...`, `redis.register_function` flags).
pub const NO_WRITES: u32 = 1 << 0;
pub const ALLOW_OOM: u32 = 1 << 1;
pub const ALLOW_STALE: u32 = 1 << 2;
pub const NO_CLUSTER: u32 = 1 << 3;
pub const ALLOW_CROSS_SLOT: u32 = 1 << 4;

pub const FLAG_NAMES: &[(&str, u32)] = &[
    ("no-writes", NO_WRITES),
    ("allow-oom", ALLOW_OOM),
    ("allow-stale", ALLOW_STALE),
    ("no-cluster", NO_CLUSTER),
    ("allow-cross-slot-keys", ALLOW_CROSS_SLOT),
];

/// An error raised from Rust whose text already carries its error code.
#[derive(Debug, Clone)]
pub struct ScriptError(pub String);

impl ScriptError {
    pub fn new(msg: &str) -> ScriptError {
        ScriptError(msg.to_string())
    }
}

impl std::fmt::Display for ScriptError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ScriptError {}

impl From<ScriptError> for mlua::Error {
    fn from(e: ScriptError) -> mlua::Error {
        mlua::Error::external(e)
    }
}

/// A cached EVAL script.
pub struct Script {
    pub body: Vec<u8>,
    pub func: Function,
    /// Shebang flags; `None` for a script without shebang (Redis's
    /// compatibility mode: may write unless run with EVAL_RO).
    pub flags: Option<u32>,
}

/// The script running now.
pub struct RunState {
    pub start: Instant,
    pub is_eval: bool,
    /// SHA of an EVAL script, or the function name.
    pub name: String,
    /// The FCALL command, for FUNCTION STATS.
    pub argv: Vec<Vec<u8>>,
    /// Past busy-reply-threshold: other clients are served, with BUSY.
    pub timed_out: bool,
    pub killed: bool,
    /// A write command ran (SCRIPT KILL then refuses).
    pub wrote: bool,
    pub read_only: bool,
    /// `redis.setresp(3)` was called.
    pub resp3: bool,
    /// FUNCTION LOAD running a library's top-level code.
    pub loading: bool,
    last_poll: Instant,
}

impl RunState {
    fn new(is_eval: bool, name: String) -> RunState {
        let now = Instant::now();
        RunState {
            start: now,
            is_eval,
            name,
            argv: Vec::new(),
            timed_out: false,
            killed: false,
            wrote: false,
            read_only: false,
            resp3: false,
            loading: false,
            last_poll: now,
        }
    }
}

/// Hashes a script SHA by its first hex digits: SHAs are uniformly spread
/// already, so hashing them again (SipHash) on every EVALSHA is wasted work.
#[derive(Default, Clone, Copy)]
pub struct ShaHasher(u64);

impl std::hash::Hasher for ShaHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes.iter().take(16) {
            let digit = if b.is_ascii_digit() { b - b'0' } else { (b | 0x20).wrapping_sub(b'a' - 10) };
            self.0 = (self.0 << 4) | (digit & 0x0f) as u64;
        }
    }
}

type ShaMap<V> = HashMap<[u8; 40], V, std::hash::BuildHasherDefault<ShaHasher>>;

/// Scripting state of the server.
#[derive(Default)]
pub struct Scripting {
    eval: Option<Engine>,
    scripts: ShaMap<Script>,
    /// Total bytes of cached script bodies.
    scripts_bytes: usize,
    pub funcs: functions::Functions,
    pub run: Option<RunState>,
    fake: Option<Box<Client>>,
    /// Scripts and functions run so far (paces the garbage collector).
    runs: u64,
}

impl Scripting {
    /// The BUSY error another client gets while a script runs past the
    /// threshold, unless the command is allowed then.
    pub fn busy_error(&self, token: Token, flags: u32) -> Option<&'static str> {
        let run = self.run.as_ref()?;
        if !run.timed_out || flags & commands::ALLOW_BUSY != 0 || token == SCRIPT_CLIENT_TOKEN {
            return None;
        }
        Some(if run.is_eval { BUSY_EVAL } else { BUSY_FUNCTION })
    }

    /// True while a script or a library load runs.
    pub fn is_running(&self) -> bool {
        self.run.is_some()
    }

    /// True while a script runs past the threshold (SHUTDOWN needs NOSAVE).
    pub fn is_busy(&self) -> bool {
        self.run.as_ref().is_some_and(|r| r.timed_out)
    }

    fn eval_engine(&mut self) -> Result<&Engine, String> {
        if self.eval.is_none() {
            self.eval = Some(Engine::new().map_err(|e| format!("ERR cannot create the Lua interpreter: {e}"))?);
        }
        Ok(self.eval.as_ref().expect("just created"))
    }

    /// SCRIPT FLUSH: forgets every script and starts a new interpreter.
    pub fn flush_scripts(&mut self) {
        self.scripts.clear();
        self.scripts_bytes = 0;
        self.eval = None;
    }

    pub fn script_count(&self) -> usize {
        self.scripts.len()
    }

    pub fn scripts_bytes(&self) -> usize {
        self.scripts_bytes
    }

    /// Memory of the EVAL interpreter (INFO `used_memory_lua`).
    pub fn eval_memory(&self) -> usize {
        self.eval.as_ref().map(|e| e.used_memory()).unwrap_or(0)
    }

    pub fn has_script(&self, sha: &[u8]) -> bool {
        sha_key(sha).is_some_and(|k| self.scripts.contains_key(&k))
    }

    /// Compiles and caches a script unless it is cached; returns its SHA.
    pub fn load_script(&mut self, body: &[u8]) -> Result<[u8; 40], String> {
        let sha = sha1::sha1_hex(body);
        let mut key = [0u8; 40];
        key.copy_from_slice(sha.as_bytes());
        if self.scripts.contains_key(&key) {
            return Ok(key);
        }
        let (flags, offset) = parse_shebang(body)?;
        let engine = self.eval_engine()?;
        let func = engine
            .compile(&body[offset..], "@user_script")
            .map_err(|e| format!("ERR Error compiling script (new function): {}", e))?;
        self.scripts_bytes += body.len();
        self.scripts.insert(key, Script { body: body.to_vec(), func, flags });
        Ok(key)
    }

    pub fn script(&self, key: &[u8; 40]) -> Option<&Script> {
        self.scripts.get(key)
    }
}

/// The scripting lines of INFO memory (`used_memory_lua`...).
pub fn memory_info(s: &Scripting) -> String {
    use crate::util::bytes_to_human;
    let vm_eval = s.eval_memory() as u64;
    let vm_funcs = s.funcs.memory() as u64;
    let scripts = s.scripts_bytes() as u64;
    let funcs: u64 = s.funcs.libraries.values().map(|l| l.code.len() as u64).sum();
    format!(
        "used_memory_lua:{vm_eval}\r\nused_memory_vm_eval:{vm_eval}\r\nused_memory_lua_human:{}\r\nused_memory_scripts_eval:{scripts}\r\nnumber_of_cached_scripts:{}\r\nnumber_of_functions:{}\r\nnumber_of_libraries:{}\r\nused_memory_vm_functions:{vm_funcs}\r\nused_memory_vm_total:{}\r\nused_memory_vm_total_human:{}\r\nused_memory_functions:{funcs}\r\nused_memory_scripts:{}\r\nused_memory_scripts_human:{}\r\n",
        bytes_to_human(vm_eval),
        s.script_count(),
        s.funcs.function_count(),
        s.funcs.libraries.len(),
        vm_eval + vm_funcs,
        bytes_to_human(vm_eval + vm_funcs),
        scripts + funcs,
        bytes_to_human(scripts + funcs),
    )
}

/// The lower-cased SHA as a map key, if `sha` has the length of one.
pub fn sha_key(sha: &[u8]) -> Option<[u8; 40]> {
    if sha.len() != 40 {
        return None;
    }
    let mut k = [0u8; 40];
    for (d, s) in k.iter_mut().zip(sha) {
        *d = s.to_ascii_lowercase();
    }
    Some(k)
}

/// Splits a shebang or metadata line into words, honouring double quotes.
pub fn split_words(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut any = false;
    for ch in line.chars() {
        match ch {
            '"' => {
                quoted = !quoted;
                any = true;
            }
            c if c.is_whitespace() && !quoted => {
                if any {
                    out.push(std::mem::take(&mut cur));
                    any = false;
                }
            }
            c => {
                cur.push(c);
                any = true;
            }
        }
    }
    if any {
        out.push(cur);
    }
    out
}

/// Parses the flag list of a shebang (`no-writes,allow-oom`).
fn parse_flag_list(list: &str) -> Result<u32, String> {
    let mut flags = 0;
    for f in list.split(',').filter(|f| !f.is_empty()) {
        match FLAG_NAMES.iter().find(|(n, _)| *n == f) {
            Some((_, bit)) => flags |= bit,
            None => return Err(format!("ERR Unexpected flag in script shebang: {}", f)),
        }
    }
    Ok(flags)
}

/// Parses an EVAL script's shebang (`#!lua flags=no-writes`). Returns the
/// flags (`None` without a shebang) and where the code starts: the shebang
/// line is skipped but its newline kept, so line numbers stay right.
pub fn parse_shebang(body: &[u8]) -> Result<(Option<u32>, usize), String> {
    if !body.starts_with(b"#!") {
        return Ok((None, 0));
    }
    let Some(end) = body.iter().position(|&b| b == b'\n') else {
        return Err("ERR Invalid script shebang".into());
    };
    let line = String::from_utf8_lossy(&body[..end]);
    let words = split_words(&line);
    let Some(engine) = words.first() else {
        return Err("ERR Invalid engine in script shebang".into());
    };
    if engine != "#!lua" {
        return Err(format!("ERR Unexpected engine in script shebang: {}", engine));
    }
    let mut flags = 0;
    for w in &words[1..] {
        match w.strip_prefix("flags=") {
            Some(list) => flags |= parse_flag_list(list)?,
            None => return Err(format!("ERR Unknown lua shebang option: {}", w)),
        }
    }
    Ok((Some(flags), end))
}

/// What the Rust callbacks of a running script reach.
pub struct RunCtx {
    pub srv: *mut Server,
    /// The client the script's commands run with.
    pub fake: Box<Client>,
}

thread_local! {
    static CTX: Cell<*mut RunCtx> = const { Cell::new(std::ptr::null_mut()) };
}

/// Runs `f` with the running script's context; `None` when no script runs.
pub(crate) fn with_ctx<R>(f: impl FnOnce(&mut RunCtx) -> R) -> Option<R> {
    let p = CTX.with(|c| c.get());
    if p.is_null() {
        return None;
    }
    // SAFETY: the pointer is set by `enter` to a `RunCtx` on the stack of the
    // running handler and cleared before that frame returns. Callbacks run on
    // this thread only, one at a time (Lua is not reentrant here: commands a
    // script calls cannot run scripts).
    Some(f(unsafe { &mut *p }))
}

/// True if the running script was killed (our `pcall` re-raises the error).
pub(crate) fn current_killed() -> bool {
    with_ctx(|rc| {
        // SAFETY: see `api::call_raw`.
        let srv = unsafe { &*rc.srv };
        srv.scripting.run.as_ref().is_some_and(|r| r.killed)
    })
    .unwrap_or(false)
}

/// Installs the instruction-count hook that watches long scripts.
pub(crate) fn set_hook(lua: &Lua) -> mlua::Result<()> {
    lua.set_hook(HookTriggers::new().every_nth_instruction(HOOK_INSTRUCTIONS), |_, _| {
        match with_ctx(|rc| {
            // SAFETY: see `api::call_raw`; the hook runs between Lua
            // instructions, never inside another callback.
            let srv = unsafe { &mut *rc.srv };
            hook_tick(srv)
        }) {
            Some(Err(e)) => Err(e),
            _ => Ok(VmState::Continue),
        }
    })
}

fn hook_tick(srv: &mut Server) -> mlua::Result<()> {
    let threshold = srv.config.int(D::BusyReplyThreshold);
    let Some(run) = srv.scripting.run.as_mut() else { return Ok(()) };
    if run.killed {
        return Err(ScriptError::new(KILLED).into());
    }
    let elapsed = run.start.elapsed();
    if run.loading {
        if elapsed > LOAD_TIMEOUT {
            return Err(ScriptError::new("ERR FUNCTION LOAD timeout").into());
        }
        return Ok(());
    }
    if !run.timed_out {
        if threshold <= 0 || elapsed < Duration::from_millis(threshold as u64) {
            return Ok(());
        }
        run.timed_out = true;
        warn!(
            "Slow script detected: still in execution after {} milliseconds. You can try killing the script using the {} command. Script name is: {}.",
            elapsed.as_millis(),
            if run.is_eval { "SCRIPT KILL" } else { "FUNCTION KILL" },
            run.name
        );
    }
    if run.last_poll != run.start && run.last_poll.elapsed() < BUSY_POLL_EVERY {
        return Ok(());
    }
    let first = run.last_poll == run.start;
    run.last_poll = Instant::now();
    srv.process_events_while_blocked(first);
    if srv.shutdown.is_some_and(|s| s.nosave) {
        return Err(ScriptError::new("ERR Script killed by SHUTDOWN NOSAVE").into());
    }
    if srv.scripting.run.as_ref().is_some_and(|r| r.killed) {
        return Err(ScriptError::new(KILLED).into());
    }
    Ok(())
}

/// SCRIPT KILL / FUNCTION KILL from another client (served while busy).
pub fn kill(srv: &mut Server, eval: bool) -> Result<(), &'static str> {
    let Some(run) = srv.scripting.run.as_mut() else { return Err(NOTBUSY) };
    if run.loading {
        return Err(NOTBUSY);
    }
    if run.is_eval != eval {
        return Err(if run.is_eval { BUSY_EVAL } else { BUSY_FUNCTION });
    }
    if run.wrote {
        return Err(UNKILLABLE);
    }
    run.killed = true;
    Ok(())
}

/// Checks a command a script calls before it runs, as Redis does for
/// scripts: it must exist, have the right arity, be allowed in scripts, and
/// not write from a read-only script. Rejections are counted like Redis
/// counts them (the error, and a rejected call of the command).
pub(crate) fn check_script_command(srv: &mut Server, argv: &[&[u8]]) -> Result<(), &'static str> {
    let mut id = srv.commands.lookup(argv[0]);
    if let Some(top) = id {
        if !srv.commands.entries[top].subs.is_empty() && argv.len() >= 2 {
            id = srv.commands.lookup_sub(top, argv[1]);
        }
    }
    let result = match id {
        None => Err(api::UNKNOWN_COMMAND),
        Some(id) => {
            let spec = srv.commands.entries[id].spec;
            let argc = argv.len() as i32;
            if (spec.arity > 0 && argc != spec.arity) || argc < -spec.arity {
                Err(api::WRONG_ARITY)
            } else if api::denied(spec.flags) {
                Err(api::NOT_ALLOWED)
            } else if spec.flags & commands::WRITE != 0 {
                match srv.scripting.run.as_mut() {
                    Some(r) if r.read_only => Err(WRITE_IN_READONLY),
                    Some(r) => {
                        r.wrote = true;
                        Ok(())
                    }
                    None => Ok(()),
                }
            } else {
                Ok(())
            }
        }
    };
    if result.is_err() {
        srv.stats.total_error_replies += 1;
        *srv.stats.errorstats.entry("ERR".to_string()).or_insert(0) += 1;
        if let Some(id) = id {
            srv.commands.entries[id].stats.rejected_calls += 1;
        }
    }
    result
}

fn new_script_client(srv: &Server) -> Box<Client> {
    let now = srv.ks.now_ms;
    let mut c = Client::new(0, SCRIPT_CLIENT_TOKEN, Conn::None, "lua".into(), String::new(), false, now);
    c.authenticated = true;
    Box::new(c)
}

/// How to run a script or function.
pub struct Invocation<'a> {
    pub func: Function,
    pub is_eval: bool,
    pub name: String,
    pub keys: &'a [&'a [u8]],
    pub args: &'a [&'a [u8]],
    pub read_only: bool,
}

fn string_table(lua: &Lua, items: &[&[u8]]) -> mlua::Result<Table> {
    let t = lua.create_table_with_capacity(items.len(), 0)?;
    for (i, it) in items.iter().enumerate() {
        t.raw_set(i + 1, lua.create_string(it)?)?;
    }
    Ok(t)
}

/// Runs a script or function for the calling client and writes its reply.
pub fn run(ctx: &mut Ctx, argv: &[&[u8]], inv: Invocation) {
    let srv: &mut Server = ctx.srv;
    let engine = if inv.is_eval { srv.scripting.eval.as_ref() } else { srv.scripting.funcs.engine() };
    let Some(engine) = engine else {
        return ctx.client.reply.error("ERR the scripting engine is not available");
    };
    let lua = engine.lua.clone();
    let runner = engine.runner.clone();
    let globals = engine.globals.clone();
    let tables = string_table(&lua, inv.keys).and_then(|k| Ok((k, string_table(&lua, inv.args)?)));
    let Ok((keys, args)) = tables else {
        return ctx.client.reply.error("ERR out of memory building KEYS and ARGV");
    };
    let (a, b) = if inv.is_eval {
        let _ = globals.raw_set("KEYS", keys);
        let _ = globals.raw_set("ARGV", args);
        (Value::Nil, Value::Nil)
    } else {
        (Value::Table(keys), Value::Table(args))
    };
    let mut fake = match srv.scripting.fake.take() {
        Some(f) => f,
        None => new_script_client(srv),
    };
    fake.db = ctx.client.db;
    fake.reply.buf.clear();
    let mut state = RunState::new(inv.is_eval, inv.name);
    state.read_only = inv.read_only;
    if !inv.is_eval {
        state.argv = argv.iter().map(|a| a.to_vec()).collect();
    }
    srv.scripting.run = Some(state);
    let mut rc = RunCtx { srv: srv as *mut Server, fake };
    let prev = CTX.with(|c| c.replace(&mut rc as *mut RunCtx));
    let result: mlua::Result<(bool, Value)> = runner.call((inv.func, a, b));
    CTX.with(|c| c.set(prev));
    let RunCtx { fake, .. } = rc;
    srv.scripting.fake = Some(fake);
    let state = srv.scripting.run.take().expect("run state set above");
    if state.timed_out {
        warn!("Slow script finished after {} milliseconds.", state.start.elapsed().as_millis());
    }
    // Like Redis, a collection step every 50 scripts keeps the garbage of
    // many small scripts from waiting for a full cycle.
    srv.scripting.runs += 1;
    if srv.scripting.runs.is_multiple_of(50) {
        // SAFETY: a plain `lua_gc` call on the interpreter's state.
        let _ = unsafe {
            lua.exec_raw::<()>((), |state| {
                mlua::ffi::lua_gc(state, mlua::ffi::LUA_GCSTEP, 50);
            })
        };
    }
    let reply = &mut ctx.client.reply;
    match result {
        Ok((true, v)) => {
            let failed = convert::write_reply(reply, &v, state.resp3);
            if failed > 0 {
                if let Some(id) = srv.commands.lookup(argv[0]) {
                    srv.commands.entries[id].stats.failed_calls += failed;
                }
            }
        }
        Ok((false, Value::Table(t))) => {
            let err: String = t.raw_get::<Option<mlua::LuaString>>("err").ok().flatten().map_or_else(
                || "ERR unknown error".to_string(),
                |s| String::from_utf8_lossy(&s.as_bytes()).into_owned(),
            );
            let counted = matches!(t.raw_get::<Value>("ignore_error_stats_update"), Ok(Value::Boolean(true)));
            let mut msg = err;
            let source: Option<String> = t.raw_get("source").ok().flatten();
            let line: Option<i64> = t.raw_get("line").ok().flatten();
            if let (Some(source), Some(line)) = (source, line) {
                msg.push_str(&format!(" script: {}, on {}:{}.", state.name, source, line));
            }
            convert::raw_error(reply, msg.as_bytes(), !counted);
            if counted {
                // Already counted in the error statistics; the call still failed.
                if let Some(id) = srv.commands.lookup(argv[0]) {
                    srv.commands.entries[id].stats.failed_calls += 1;
                }
            }
        }
        Ok((false, other)) => {
            reply.error(&format!("ERR Error running script {}, {:?}", state.name, other.type_name()));
        }
        Err(e) => reply.error(&format!("ERR Error running script {}, {:.100}", state.name, e.to_string())),
    }
}
