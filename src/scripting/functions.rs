//! Function libraries (FUNCTION LOAD, FCALL): each library is Lua code whose
//! first line is `#!lua name=<library>` and which registers functions with
//! `redis.register_function` while it is loaded.
//!
//! Libraries run in their own interpreter (reset by FUNCTION FLUSH). While a
//! library's top-level code runs, the globals it sees are a small load API
//! (only `redis.register_function`, `redis.log` and the version fields) and it
//! may run for at most 500 ms; the functions it registers later run with the
//! normal script globals.
//!
//! FUNCTION DUMP/RESTORE use Redis's payload: one `RDB_OPCODE_FUNCTION2`
//! record (the library code as an RDB string, LZF-compressed when it pays)
//! per library, then the RDB version (2 bytes) and a CRC-64 of everything
//! before, so payloads move between Redis 7.0 and oxidis. The RDB string
//! coding and the CRC are the persistence module's.

use std::collections::{BTreeMap, HashMap};

use mlua::{Function, Lua, MultiValue, Table, Value};

use super::engine::Engine;
use super::{api, with_ctx, RunCtx, RunState, ScriptError, FLAG_NAMES, NO_WRITES};
use crate::persistence::crc64::crc64;
use crate::persistence::rdb;
use crate::server::Server;

/// A registered function.
pub struct FunctionInfo {
    pub name: String,
    pub func: Function,
    pub description: Option<String>,
    pub flags: u32,
}

/// A loaded library.
pub struct Library {
    pub name: String,
    pub code: Vec<u8>,
    /// By lower-cased function name.
    pub functions: BTreeMap<String, FunctionInfo>,
}

/// Every library, and an index of function names.
#[derive(Default)]
pub struct Functions {
    engine: Option<Engine>,
    /// The globals a library's code sees while it loads.
    load_api: Option<Table>,
    /// By library name.
    pub libraries: BTreeMap<String, Library>,
    /// Lower-cased function name → library name.
    pub index: HashMap<String, String>,
    /// Functions registered by the library being loaded.
    pending: Option<Vec<FunctionInfo>>,
}

const NAME_ERROR: &str =
    "Library names can only contain letters, numbers, or underscores(_) and must be at least one character long";

fn valid_name(name: &str) -> bool {
    !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

impl Functions {
    pub fn engine(&self) -> Option<&Engine> {
        self.engine.as_ref()
    }

    pub fn function_count(&self) -> usize {
        self.index.len()
    }

    pub fn memory(&self) -> usize {
        self.engine.as_ref().map(|e| e.used_memory()).unwrap_or(0)
    }

    /// The function called `name` (case-insensitive).
    pub fn lookup(&self, name: &[u8]) -> Option<&FunctionInfo> {
        let lower = String::from_utf8_lossy(name).to_lowercase();
        let lib = self.index.get(&lower)?;
        self.libraries.get(lib)?.functions.get(&lower)
    }

    /// FUNCTION FLUSH: every library goes, with the interpreter.
    pub fn flush(&mut self) {
        self.libraries.clear();
        self.index.clear();
        self.load_api = None;
        self.engine = None;
    }

    fn ensure_engine(&mut self) -> Result<(), String> {
        if self.engine.is_some() {
            return Ok(());
        }
        let engine = Engine::new().map_err(|e| format!("ERR cannot create the Lua interpreter: {e}"))?;
        let api = build_load_api(&engine).map_err(|e| format!("ERR cannot create the Lua interpreter: {e}"))?;
        self.engine = Some(engine);
        self.load_api = Some(api);
        Ok(())
    }

    fn remove_library(&mut self, name: &str) -> Option<Library> {
        let lib = self.libraries.remove(name)?;
        for f in lib.functions.keys() {
            self.index.remove(f);
        }
        Some(lib)
    }

    fn insert_library(&mut self, lib: Library) {
        for f in lib.functions.keys() {
            self.index.insert(f.clone(), lib.name.clone());
        }
        self.libraries.insert(lib.name.clone(), lib);
    }
}

/// The load API: `{redis = {register_function, log, LOG_*, REDIS_VERSION*}}`,
/// read-only, and any other global read fails.
fn build_load_api(engine: &Engine) -> mlua::Result<Table> {
    let lua = &engine.lua;
    let missing_mt = lua.create_table()?;
    missing_mt.raw_set("__index", engine.missing.clone())?;
    let redis = lua.create_table()?;
    api::common_fields(lua, &redis)?;
    redis.raw_set("register_function", lua.create_function(register_function)?)?;
    redis.set_metatable(Some(missing_mt.clone()))?;
    let (redis_ro, _): (Table, Table) = engine.protect.call(redis)?;
    let globals = lua.create_table()?;
    globals.raw_set("redis", redis_ro)?;
    globals.set_metatable(Some(missing_mt))?;
    Ok(globals)
}

fn reg_error(msg: &str) -> mlua::Error {
    ScriptError(format!("ERR {msg}")).into()
}

/// `redis.register_function(name, callback)` or
/// `redis.register_function{function_name=..., callback=..., flags=..., description=...}`.
fn register_function(_lua: &Lua, args: MultiValue) -> mlua::Result<()> {
    let loading = with_ctx(|rc| {
        // SAFETY: see `api::call_raw`.
        let srv = unsafe { &*rc.srv };
        srv.scripting.run.as_ref().is_some_and(|r| r.loading)
    });
    if loading != Some(true) {
        return Err(reg_error("redis.register_function can only be called on FUNCTION LOAD command"));
    }
    let mut it = args.into_iter();
    let info = match (it.next(), it.next(), it.next()) {
        (Some(Value::Table(t)), None, None) => named_registration(&t)?,
        (Some(_), None, None) => {
            return Err(reg_error(
                "calling redis.register_function with a single argument is only applicable to Lua table (representing named arguments).",
            ))
        }
        (Some(name), Some(cb), None) => {
            let Value::String(name) = name else {
                return Err(reg_error("first argument to redis.register_function must be a string"));
            };
            let Value::Function(func) = cb else {
                return Err(reg_error("second argument to redis.register_function must be a function"));
            };
            FunctionInfo { name: name.to_str()?.to_string(), func, description: None, flags: 0 }
        }
        _ => return Err(reg_error("wrong number of arguments to redis.register_function")),
    };
    if !valid_name(&info.name) {
        return Err(reg_error(NAME_ERROR));
    }
    with_ctx(|rc| {
        // SAFETY: see `api::call_raw`.
        let srv = unsafe { &mut *rc.srv };
        let pending = srv.scripting.funcs.pending.get_or_insert_with(Vec::new);
        if pending.iter().any(|f| f.name.eq_ignore_ascii_case(&info.name)) {
            return Err(reg_error("Function already exists in the library"));
        }
        pending.push(info);
        Ok(())
    })
    .unwrap_or(Ok(()))
}

fn named_registration(t: &Table) -> mlua::Result<FunctionInfo> {
    let mut name = None;
    let mut func = None;
    let mut description = None;
    let mut flags = 0;
    for pair in t.pairs::<Value, Value>() {
        let (k, v) = pair?;
        let key = match &k {
            Value::String(s) => s.to_str()?.to_string(),
            _ => return Err(reg_error("named argument key given to redis.register_function is not a string")),
        };
        match key.as_str() {
            "function_name" => match v {
                Value::String(s) => name = Some(s.to_str()?.to_string()),
                _ => return Err(reg_error("function_name argument given to redis.register_function must be a string")),
            },
            "description" => match v {
                Value::String(s) => description = Some(s.to_str()?.to_string()),
                _ => return Err(reg_error("description argument given to redis.register_function must be a string")),
            },
            "callback" => match v {
                Value::Function(f) => func = Some(f),
                _ => return Err(reg_error("callback argument given to redis.register_function must be a function")),
            },
            "flags" => match v {
                Value::Table(ft) => {
                    for f in ft.sequence_values::<Value>() {
                        let name = match f? {
                            Value::String(s) => s.to_str()?.to_string(),
                            _ => return Err(reg_error("unknown flag given")),
                        };
                        match FLAG_NAMES.iter().find(|(n, _)| *n == name) {
                            Some((_, bit)) => flags |= bit,
                            None => return Err(reg_error("unknown flag given")),
                        }
                    }
                }
                _ => {
                    return Err(reg_error(
                        "flags argument to redis.register_function must be a table representing function flags",
                    ))
                }
            },
            _ => return Err(reg_error("unknown argument given to redis.register_function")),
        }
    }
    let Some(name) = name else {
        return Err(reg_error("redis.register_function must get a function name argument"));
    };
    let Some(func) = func else {
        return Err(reg_error("redis.register_function must get a callback argument"));
    };
    Ok(FunctionInfo { name, func, description, flags })
}

/// The `#!<engine> name=<library>` line: engine, library name, and where the
/// code starts (the newline is kept so line numbers stay right).
fn parse_metadata(code: &[u8]) -> Result<(String, String, usize), String> {
    if !code.starts_with(b"#!") {
        return Err("ERR Missing library metadata".into());
    }
    let Some(end) = code.iter().position(|&b| b == b'\n') else {
        return Err("ERR Invalid library metadata".into());
    };
    let line = String::from_utf8_lossy(&code[..end]);
    let words = super::split_words(&line);
    let engine = words.first().map(|w| w[2.min(w.len())..].to_string()).unwrap_or_default();
    let mut name = None;
    for w in words.iter().skip(1) {
        match w.strip_prefix("name=") {
            Some(n) => {
                if name.is_some() {
                    return Err("ERR Invalid metadata value, name argument was given multiple times".into());
                }
                name = Some(n.to_string());
            }
            None => return Err(format!("ERR Invalid metadata value given: {}", w)),
        }
    }
    let Some(name) = name else {
        return Err("ERR Library name was not given".into());
    };
    Ok((engine, name, end))
}

/// Runs a library's top-level code and returns the functions it registered.
fn run_library_code(srv: &mut Server, code: &[u8], offset: usize) -> Result<Vec<FunctionInfo>, String> {
    srv.scripting.funcs.ensure_engine()?;
    let funcs = &srv.scripting.funcs;
    let engine = funcs.engine.as_ref().expect("engine created");
    let load_api = funcs.load_api.clone().expect("load api created");
    let chunk = engine
        .compile(&code[offset..], "@user_function")
        .map_err(|e| format!("ERR Error compiling function: {}", e))?;
    let runner = engine.runner.clone();
    let meta = engine.meta.clone();
    let globals = engine.globals.clone();
    let mut state = RunState::new(false, String::new());
    state.loading = true;
    srv.scripting.run = Some(state);
    srv.scripting.funcs.pending = Some(Vec::new());
    let _ = meta.raw_set("__index", load_api);
    let fake = match srv.scripting.fake.take() {
        Some(f) => f,
        None => super::new_script_client(srv),
    };
    let mut rc = RunCtx { srv: srv as *mut Server, fake };
    let prev = super::CTX.with(|c| c.replace(&mut rc as *mut RunCtx));
    let result: mlua::Result<(bool, Value)> = runner.call((chunk, Value::Nil, Value::Nil));
    super::CTX.with(|c| c.set(prev));
    let RunCtx { fake, .. } = rc;
    srv.scripting.fake = Some(fake);
    let _ = meta.raw_set("__index", globals);
    srv.scripting.run = None;
    let pending = srv.scripting.funcs.pending.take().unwrap_or_default();
    match result {
        Ok((true, _)) => Ok(pending),
        Ok((false, Value::Table(t))) => {
            let err: String = t.raw_get::<Option<String>>("err").ok().flatten().unwrap_or_default();
            Err(format!("ERR Error registering functions: {}", err))
        }
        Ok((false, _)) => Err("ERR Error registering functions".into()),
        Err(e) => Err(format!("ERR Error registering functions: {}", e)),
    }
}

/// Checks a library's metadata line: its engine and name; returns the name
/// and where the code starts.
fn check_metadata(code: &[u8]) -> Result<(String, usize), String> {
    let (engine, name, offset) = parse_metadata(code)?;
    if !engine.eq_ignore_ascii_case("lua") {
        return Err(format!("ERR Engine '{}' not found", engine));
    }
    if !valid_name(&name) {
        return Err(format!("ERR {}", NAME_ERROR));
    }
    Ok((name, offset))
}

/// Compiles and runs a library's code; the library is not installed yet.
fn build_library(srv: &mut Server, code: &[u8]) -> Result<Library, String> {
    let (name, offset) = check_metadata(code)?;
    let registered = run_library_code(srv, code, offset)?;
    if registered.is_empty() {
        return Err("ERR No functions registered".into());
    }
    let functions = registered.into_iter().map(|f| (f.name.to_lowercase(), f)).collect();
    Ok(Library { name, code: code.to_vec(), functions })
}

/// FUNCTION LOAD: returns the library name.
pub fn load(srv: &mut Server, code: &[u8], replace: bool) -> Result<String, String> {
    // Fail on a name clash before running any code.
    let (name, _) = check_metadata(code)?;
    if !replace && srv.scripting.funcs.libraries.contains_key(&name) {
        return Err(format!("ERR Library '{}' already exists", name));
    }
    let lib = build_library(srv, code)?;
    install(srv, vec![lib], replace).map(|mut names| names.pop().unwrap_or_default())
}

/// Installs libraries after checking every name clash; nothing changes on error.
fn install(srv: &mut Server, libs: Vec<Library>, replace: bool) -> Result<Vec<String>, String> {
    let funcs = &mut srv.scripting.funcs;
    for lib in &libs {
        if funcs.libraries.contains_key(&lib.name) && !replace {
            return Err(format!("ERR Library {} already exists", lib.name));
        }
        for (fname, f) in &lib.functions {
            if let Some(owner) = funcs.index.get(fname) {
                if *owner != lib.name {
                    return Err(format!("ERR Function {} already exists", f.name));
                }
            }
        }
    }
    let mut names = Vec::new();
    for lib in libs {
        funcs.remove_library(&lib.name);
        names.push(lib.name.clone());
        funcs.insert_library(lib);
    }
    Ok(names)
}

/// FUNCTION DELETE.
pub fn delete(srv: &mut Server, name: &str) -> bool {
    srv.scripting.funcs.remove_library(name).is_some()
}

/// Whether a function may run under FCALL_RO.
pub fn is_read_only(f: &FunctionInfo) -> bool {
    f.flags & NO_WRITES != 0
}

// ---- FUNCTION DUMP / RESTORE payload ----

const RDB_OPCODE_FUNCTION2: u8 = 245;

/// FUNCTION DUMP: every library's code in Redis's payload format.
pub fn dump(srv: &Server) -> Vec<u8> {
    let mut out = Vec::new();
    for lib in srv.scripting.funcs.libraries.values() {
        out.push(RDB_OPCODE_FUNCTION2);
        rdb::put_string(&mut out, &lib.code, true);
    }
    out.extend_from_slice(&rdb::RDB_VERSION.to_le_bytes());
    let crc = crc64(0, &out);
    out.extend_from_slice(&crc.to_le_bytes());
    out
}

/// How FUNCTION RESTORE treats existing libraries.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum RestorePolicy {
    Append,
    Replace,
    Flush,
}

/// FUNCTION RESTORE.
pub fn restore(srv: &mut Server, payload: &[u8], policy: RestorePolicy) -> Result<(), String> {
    const BAD: &str = "ERR DUMP payload version or checksum are wrong";
    if payload.len() < 10 {
        return Err(BAD.into());
    }
    let (body, footer) = payload.split_at(payload.len() - 10);
    let ver = u16::from_le_bytes([footer[0], footer[1]]);
    let crc = u64::from_le_bytes(footer[2..10].try_into().map_err(|_| BAD.to_string())?);
    if ver > rdb::RDB_VERSION || crc64(0, &payload[..payload.len() - 8]) != crc {
        return Err(BAD.into());
    }
    let mut codes = Vec::new();
    let mut pos = 0;
    while pos < body.len() {
        if body[pos] != RDB_OPCODE_FUNCTION2 {
            return Err("ERR given type is not a function".into());
        }
        pos += 1;
        let mut reader = rdb::RdbReader::new(&body[pos..]);
        let code = reader.string().map_err(|_| "ERR payload is not a valid function dump".to_string())?;
        pos += reader.pos as usize;
        codes.push(code);
    }
    // Build every library in a fresh interpreter state first, so a bad
    // payload leaves the current libraries untouched.
    let mut libs = Vec::new();
    for code in &codes {
        match build_library(srv, code) {
            Ok(l) => libs.push(l),
            Err(e) => return Err(e),
        }
    }
    let names: std::collections::HashSet<&str> = libs.iter().map(|l| l.name.as_str()).collect();
    if names.len() != libs.len() {
        return Err("ERR Library already exists in the payload".into());
    }
    match policy {
        RestorePolicy::Flush => {
            let keep: Vec<String> = srv.scripting.funcs.libraries.keys().cloned().collect();
            for k in keep {
                srv.scripting.funcs.remove_library(&k);
            }
            install(srv, libs, false).map(|_| ())
        }
        RestorePolicy::Append => install(srv, libs, false).map(|_| ()),
        RestorePolicy::Replace => install(srv, libs, true).map(|_| ()),
    }
}
