//! One Lua 5.1 interpreter set up as Redis sets up its scripting engine.
//!
//! What a script sees:
//!
//! * The libraries Redis loads: base (without `dofile`, `loadfile`, `print`),
//!   `table`, `string`, `math`, `coroutine`, and `redis`, `cjson`, `cmsgpack`,
//!   `bit`, `struct` (ours, in Rust). No `os`, `io`, `debug`, `require`.
//! * A read-only global table. Redis 7 patches Lua with read-only tables; we
//!   get the same behaviour from stock Lua with proxies: the table scripts
//!   use as globals (`_G`) is an empty table whose metatable forwards reads to
//!   the real globals and refuses writes ("Attempt to modify a readonly
//!   table"); each library table is wrapped the same way; `setmetatable` and
//!   `rawset` refuse the proxies; and a read of a global that does not exist
//!   fails ("Script attempted to access nonexistent global variable").
//! * Binary chunks are refused by `loadstring`.
//!
//! The sandbox is built by a small Lua prelude ([`PRELUDE`]) because the
//! proxies are plain Lua metatables; everything with behaviour (the `redis`
//! API, the libraries, the error handler) is Rust.

use mlua::{Function, Lua, LuaOptions, StdLib, Table, Value};

/// Chunk name of our own Lua code. Error locations skip frames from it, so a
/// failing `redis.call` is reported at the script line that called it.
pub const INTERNAL_CHUNK: &str = "=oxidis";

/// Builds the sandbox. Receives the real globals table and a table of Rust
/// helpers; returns the globals proxy, its metatable, the `protect` helper
/// and the runner that calls a script function under the error handler.
const PRELUDE: &str = r#"
local G, api = ...
local rawset, setmetatable, error, type, tostring = rawset, setmetatable, error, type, tostring
local pcall, xpcall = pcall, xpcall
local readonly = setmetatable({}, {__mode = 'k'})

local function deny()
  error('Attempt to modify a readonly table', 2)
end

local function missing(_, k)
  error("Script attempted to access nonexistent global variable '" .. tostring(k) .. "'", 2)
end

-- A read-only view of t (what getmetatable returns for a protected table):
-- reads go through, tables read through it are views too, writes fail.
local views = setmetatable({}, {__mode = 'k'})
local view
view = function(t)
  local v = views[t]
  if v then return v end
  v = setmetatable({}, {
    __index = function(_, k)
      local x = t[k]
      if type(x) == 'table' then return view(x) end
      return x
    end,
    __newindex = deny,
    __metatable = false,
  })
  readonly[v] = true
  views[t] = v
  return v
end

-- A read-only proxy of t, and its metatable (kept private).
local function protect(t)
  local mt = {__index = t, __newindex = deny}
  mt.__metatable = view(mt)
  local p = setmetatable({}, mt)
  readonly[p] = true
  return p, mt
end

G.setmetatable = function(t, mt)
  if readonly[t] then error('Attempt to modify a readonly table', 2) end
  return setmetatable(t, mt)
end
G.rawset = function(t, k, v)
  if readonly[t] then error('Attempt to modify a readonly table', 2) end
  return rawset(t, k, v)
end
local loadstring = loadstring
G.loadstring = function(s, name)
  if type(s) == 'string' and s:byte(1) == 27 then
    return nil, 'binary chunks are not allowed'
  end
  return loadstring(s, name)
end
local concat = table.concat
G.load = function(f, name)
  local parts = {}
  while true do
    local piece = f()
    if piece == nil or piece == '' then break end
    parts[#parts + 1] = piece
  end
  return G.loadstring(concat(parts), name)
end

-- A killed script must not survive by catching the kill error; errors raised
-- by Rust functions reach the script as Redis's values (an error table for
-- redis.call, a message string otherwise).
local killed, lua_error = api.killed, api.lua_error
local function passthrough(ok, ...)
  if not ok then
    if killed() then error((...), 0) end
    return false, lua_error((...))
  end
  return ok, ...
end
G.pcall = function(...) return passthrough(pcall(...)) end
G.xpcall = function(f, h) return passthrough(xpcall(f, h)) end

for _, name in ipairs({'dofile', 'loadfile', 'print', 'module', 'require', 'package', 'os', 'io', 'debug'}) do
  G[name] = nil
end
for _, name in ipairs({'string', 'table', 'math', 'coroutine', 'redis', 'cjson', 'cmsgpack', 'bit', 'struct'}) do
  if G[name] then G[name] = protect(G[name]) end
end

G._G = nil
local P, M = protect(G)
G._G = P
setmetatable(G, {__index = missing})

local handler = api.err_handler
local function run(f, a, b)
  if a == nil then return xpcall(f, handler) end
  return xpcall(function() return f(a, b) end, handler)
end
return P, M, protect, run, missing
"#;

/// A Lua state with the sandbox in place.
pub struct Engine {
    /// The real globals (KEYS and ARGV are set here).
    pub globals: Table,
    /// The metatable of the globals proxy: its `__index` is switched to the
    /// library API while FUNCTION LOAD runs a library's code.
    pub meta: Table,
    /// `run(f, a, b)`: calls `f(a, b)` under the error handler; returns
    /// `true, result` or `false, error table`.
    pub runner: Function,
    /// `protect(t)`: a read-only proxy of `t`.
    pub protect: Function,
    /// The `__index` that raises "nonexistent global variable".
    pub missing: Function,
    /// Declared last: the values above are dropped before the interpreter.
    pub lua: Lua,
}

impl Engine {
    /// Creates an interpreter with the libraries and the `redis` API.
    pub fn new() -> mlua::Result<Engine> {
        let libs = StdLib::TABLE | StdLib::STRING | StdLib::MATH;
        let lua = Lua::new_with(libs, LuaOptions::new())?;
        let globals = lua.globals();
        super::ccall::init(&lua)?;
        super::api::register(&lua, &globals)?;
        super::libs::register(&lua, &globals)?;
        let helpers = lua.create_table()?;
        helpers.set("killed", lua.create_function(|_, ()| Ok(super::current_killed()))?)?;
        helpers.set("lua_error", lua.create_function(super::api::lua_error)?)?;
        helpers.set("err_handler", lua.create_function(super::api::err_handler)?)?;
        let prelude = lua.load(PRELUDE).set_name(INTERNAL_CHUNK).into_function()?;
        let (proxy, meta, protect, runner, missing): (Table, Table, Function, Function, Function) =
            prelude.call((globals.clone(), helpers))?;
        lua.set_globals(proxy)?;
        super::set_hook(&lua)?;
        Ok(Engine { globals, meta, runner, protect, missing, lua })
    }

    /// Compiles `code` as a function named `chunk` (`@user_script`) whose
    /// globals are the sandbox's. Errors are Lua's compile messages.
    pub fn compile(&self, code: &[u8], chunk: &str) -> Result<Function, String> {
        let env = self.lua.globals();
        self.lua.load(code).set_name(chunk).set_environment(env).into_function().map_err(|e| match e {
            mlua::Error::SyntaxError { message, .. } => message,
            other => other.to_string(),
        })
    }

    /// Memory the interpreter uses (INFO `used_memory_lua`).
    pub fn used_memory(&self) -> usize {
        self.lua.used_memory()
    }

    /// Sets a global without going through the read-only proxy.
    pub fn set_global(&self, name: &str, v: Value) -> mlua::Result<()> {
        self.globals.raw_set(name, v)
    }
}
