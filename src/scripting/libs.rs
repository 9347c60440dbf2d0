//! The libraries Redis adds to Lua, written in Rust from their documented
//! behaviour: `cjson` (JSON), `cmsgpack` (MessagePack), `bit` (LuaBitOp) and
//! `struct` (binary packing).

use mlua::{LightUserData, Lua, MultiValue, Table, Value};

/// Adds the libraries to the globals (before the sandbox wraps them).
pub fn register(lua: &Lua, globals: &Table) -> mlua::Result<()> {
    globals.raw_set("cjson", cjson(lua)?)?;
    globals.raw_set("cmsgpack", cmsgpack(lua)?)?;
    globals.raw_set("bit", bit(lua)?)?;
    globals.raw_set("struct", structlib(lua)?)?;
    Ok(())
}

fn err(msg: impl Into<String>) -> mlua::Error {
    mlua::Error::RuntimeError(msg.into())
}

/// A library function. Its errors are raised as Lua's `luaL_error` raises
/// them: prefixed with the position of the Lua code that called it.
fn lib_fn<A, R, F>(lua: &Lua, f: F) -> mlua::Result<mlua::Function>
where
    A: mlua::FromLuaMulti,
    R: mlua::IntoLuaMulti,
    F: Fn(&Lua, A) -> mlua::Result<R> + 'static,
{
    lua.create_function(move |lua, args: A| {
        f(lua, args).map_err(|e| match e {
            mlua::Error::RuntimeError(m) => mlua::Error::RuntimeError(format!("{}{}", caller_position(lua), m)),
            other => other,
        })
    })
}

/// `short_src:line: ` of the Lua function calling the running Rust function,
/// or nothing when the caller is not Lua code (`pcall(f, ...)`).
fn caller_position(lua: &Lua) -> String {
    lua.inspect_stack(1, |d| {
        let line = d.current_line()?;
        let src = d.source();
        if src.what == "C" {
            return None;
        }
        Some(format!("{}:{}: ", src.short_src.as_deref().unwrap_or("?"), line))
    })
    .flatten()
    .unwrap_or_default()
}

/// C's `%.<prec>g`.
pub fn fmt_g(n: f64, prec: usize) -> String {
    if n.is_nan() {
        return if n.is_sign_negative() { "-nan".into() } else { "nan".into() };
    }
    if n.is_infinite() {
        return if n > 0.0 { "inf".into() } else { "-inf".into() };
    }
    if n == 0.0 {
        return if n.is_sign_negative() { "-0".into() } else { "0".into() };
    }
    let prec = prec.max(1);
    // Integers that fit in the precision print as they are (the common case,
    // and much cheaper than exact float formatting).
    if n.fract() == 0.0 && n.abs() < 10f64.powi(prec.min(15) as i32) {
        return format!("{}", n as i64);
    }
    let sci = format!("{:.*e}", prec - 1, n);
    let (mant, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let trim = |m: &str| -> String {
        if m.contains('.') {
            m.trim_end_matches('0').trim_end_matches('.').to_string()
        } else {
            m.to_string()
        }
    };
    if exp < -4 || exp >= prec as i32 {
        format!("{}e{}{:02}", trim(mant), if exp < 0 { '-' } else { '+' }, exp.abs())
    } else {
        trim(&format!("{:.*}", (prec as i32 - 1 - exp).max(0) as usize, n))
    }
}

/// A number argument as Lua's `luaL_checknumber` takes it (numeric strings too).
fn check_number(v: Option<&Value>, pos: usize, fname: &str) -> mlua::Result<f64> {
    match v {
        Some(Value::Number(n)) => Ok(*n),
        Some(Value::Integer(i)) => Ok(*i as f64),
        Some(Value::String(s)) => {
            let s = s.to_str()?;
            let t = s.trim();
            let parsed = if let Some(h) = t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
                u64::from_str_radix(h, 16).ok().map(|v| v as f64)
            } else {
                t.parse::<f64>().ok()
            };
            parsed.ok_or_else(|| err(format!("bad argument #{} to '{}' (number expected, got string)", pos, fname)))
        }
        other => Err(err(format!(
            "bad argument #{} to '{}' (number expected, got {})",
            pos,
            fname,
            other.map(|v| v.type_name()).unwrap_or("no value")
        ))),
    }
}

// ---------------------------------------------------------------- bit ----

/// LuaBitOp's normalisation: the number modulo 2^32 as a signed 32-bit
/// integer (rounding non-integers as the FPU does).
fn tobit(n: f64) -> i32 {
    let t = n + 6_755_399_441_055_744.0; // 2^52 + 2^51
    t.to_bits() as u32 as i32
}

fn bit(lua: &Lua) -> mlua::Result<Table> {
    let t = lua.create_table()?;
    fn arg(args: &MultiValue, i: usize, name: &str) -> mlua::Result<i32> {
        check_number(args.get(i), i + 1, name).map(tobit)
    }
    t.raw_set("tobit", lib_fn(lua, |_, a: MultiValue| Ok(arg(&a, 0, "tobit")? as f64))?)?;
    t.raw_set("bnot", lib_fn(lua, |_, a: MultiValue| Ok(!arg(&a, 0, "bnot")? as f64))?)?;
    t.raw_set("bswap", lib_fn(lua, |_, a: MultiValue| Ok(arg(&a, 0, "bswap")?.swap_bytes() as f64))?)?;
    fn fold(a: &MultiValue, name: &str, f: fn(i32, i32) -> i32) -> mlua::Result<f64> {
        let mut acc = arg(a, 0, name)?;
        for i in 1..a.len() {
            acc = f(acc, arg(a, i, name)?);
        }
        Ok(acc as f64)
    }
    t.raw_set("band", lib_fn(lua, |_, a: MultiValue| fold(&a, "band", |x, y| x & y))?)?;
    t.raw_set("bor", lib_fn(lua, |_, a: MultiValue| fold(&a, "bor", |x, y| x | y))?)?;
    t.raw_set("bxor", lib_fn(lua, |_, a: MultiValue| fold(&a, "bxor", |x, y| x ^ y))?)?;
    fn shift(a: &MultiValue, name: &str, f: fn(i32, u32) -> i32) -> mlua::Result<f64> {
        let x = arg(a, 0, name)?;
        let n = arg(a, 1, name)? as u32 & 31;
        Ok(f(x, n) as f64)
    }
    t.raw_set("lshift", lib_fn(lua, |_, a: MultiValue| shift(&a, "lshift", |x, n| ((x as u32) << n) as i32))?)?;
    t.raw_set("rshift", lib_fn(lua, |_, a: MultiValue| shift(&a, "rshift", |x, n| ((x as u32) >> n) as i32))?)?;
    t.raw_set("arshift", lib_fn(lua, |_, a: MultiValue| shift(&a, "arshift", |x, n| x >> n))?)?;
    t.raw_set("rol", lib_fn(lua, |_, a: MultiValue| shift(&a, "rol", |x, n| (x as u32).rotate_left(n) as i32))?)?;
    t.raw_set("ror", lib_fn(lua, |_, a: MultiValue| shift(&a, "ror", |x, n| (x as u32).rotate_right(n) as i32))?)?;
    t.raw_set(
        "tohex",
        lib_fn(lua, |_, a: MultiValue| {
            let x = arg(&a, 0, "tohex")? as u32;
            let n: i64 = if a.len() > 1 { arg(&a, 1, "tohex")? as i64 } else { 8 };
            let upper = n < 0;
            let n = n.unsigned_abs().min(8) as usize;
            let s = if upper { format!("{:08X}", x) } else { format!("{:08x}", x) };
            Ok(s[8 - n..].to_string())
        })?,
    )?;
    Ok(t)
}

// -------------------------------------------------------------- cjson ----

/// cjson settings (per interpreter).
#[derive(Clone, Copy)]
struct JsonConfig {
    encode_max_depth: usize,
    decode_max_depth: usize,
    precision: usize,
    encode_invalid_numbers: bool,
    decode_invalid_numbers: bool,
    sparse_convert: bool,
    sparse_ratio: usize,
    sparse_safe: usize,
}

impl Default for JsonConfig {
    fn default() -> Self {
        JsonConfig {
            encode_max_depth: 1000,
            decode_max_depth: 1000,
            precision: 14,
            encode_invalid_numbers: false,
            decode_invalid_numbers: true,
            sparse_convert: false,
            sparse_ratio: 2,
            sparse_safe: 10,
        }
    }
}

fn json_config(lua: &Lua) -> JsonConfig {
    lua.app_data_ref::<JsonConfig>().map(|c| *c).unwrap_or_default()
}

fn set_json_config(lua: &Lua, f: impl FnOnce(&mut JsonConfig)) {
    let mut c = json_config(lua);
    f(&mut c);
    lua.set_app_data(c);
}

fn null_value() -> Value {
    Value::LightUserData(LightUserData(std::ptr::null_mut()))
}

fn cjson(lua: &Lua) -> mlua::Result<Table> {
    let t = lua.create_table()?;
    t.raw_set("null", null_value())?;
    t.raw_set("_NAME", "cjson")?;
    t.raw_set("_VERSION", "2.1.0")?;
    t.raw_set(
        "encode",
        lib_fn(lua, |lua, a: MultiValue| {
            if a.len() != 1 {
                return Err(err("bad argument #1 to 'encode' (expected 1 argument)"));
            }
            let cfg = json_config(lua);
            let mut out = Vec::new();
            json_encode(&cfg, &a[0], 0, &mut out)?;
            lua.create_string(&out)
        })?,
    )?;
    t.raw_set(
        "decode",
        lib_fn(lua, |lua, a: MultiValue| {
            let s = match a.front() {
                Some(Value::String(s)) if a.len() == 1 => s.as_bytes().to_vec(),
                _ => return Err(err("bad argument #1 to 'decode' (expected 1 argument)")),
            };
            let cfg = json_config(lua);
            let mut p = JsonParser { s: &s, pos: 0, depth: 0, cfg };
            p.ws();
            let v = p.value(lua)?;
            p.ws();
            if p.pos < s.len() {
                return Err(err(format!("Expected the end but found invalid token at character {}", p.pos + 1)));
            }
            Ok(v)
        })?,
    )?;
    fn int_setting(
        lua: &Lua,
        a: &MultiValue,
        min: i64,
        max: i64,
        name: &str,
        apply: impl FnOnce(&mut JsonConfig, usize),
    ) -> mlua::Result<()> {
        if let Some(v) = a.front() {
            let n = check_number(Some(v), 1, name)? as i64;
            if n < min || n > max {
                return Err(err(format!(
                    "bad argument #1 to '{}' (expected integer between {} and {})",
                    name, min, max
                )));
            }
            set_json_config(lua, |c| apply(c, n as usize));
        }
        Ok(())
    }
    fn bool_arg(v: Option<&Value>) -> Option<bool> {
        match v {
            Some(Value::Boolean(b)) => Some(*b),
            Some(Value::String(s)) => Some(matches!(s.to_str().ok().as_deref(), Some("on") | Some("true"))),
            Some(Value::Nil) | None => None,
            Some(_) => Some(true),
        }
    }
    t.raw_set(
        "encode_max_depth",
        lib_fn(lua, |lua, a: MultiValue| {
            int_setting(lua, &a, 1, i32::MAX as i64, "encode_max_depth", |c, n| c.encode_max_depth = n)?;
            Ok(json_config(lua).encode_max_depth)
        })?,
    )?;
    t.raw_set(
        "decode_max_depth",
        lib_fn(lua, |lua, a: MultiValue| {
            int_setting(lua, &a, 1, i32::MAX as i64, "decode_max_depth", |c, n| c.decode_max_depth = n)?;
            Ok(json_config(lua).decode_max_depth)
        })?,
    )?;
    t.raw_set(
        "encode_number_precision",
        lib_fn(lua, |lua, a: MultiValue| {
            int_setting(lua, &a, 1, 14, "encode_number_precision", |c, n| c.precision = n)?;
            Ok(json_config(lua).precision)
        })?,
    )?;
    t.raw_set("encode_keep_buffer", lib_fn(lua, |_, a: MultiValue| Ok(bool_arg(a.front()).unwrap_or(true)))?)?;
    t.raw_set(
        "encode_invalid_numbers",
        lib_fn(lua, |lua, a: MultiValue| {
            if let Some(b) = bool_arg(a.front()) {
                set_json_config(lua, |c| c.encode_invalid_numbers = b);
            }
            Ok(json_config(lua).encode_invalid_numbers)
        })?,
    )?;
    t.raw_set(
        "decode_invalid_numbers",
        lib_fn(lua, |lua, a: MultiValue| {
            if let Some(b) = bool_arg(a.front()) {
                set_json_config(lua, |c| c.decode_invalid_numbers = b);
            }
            Ok(json_config(lua).decode_invalid_numbers)
        })?,
    )?;
    t.raw_set(
        "encode_sparse_array",
        lib_fn(lua, |lua, a: MultiValue| {
            let mut c = json_config(lua);
            if let Some(b) = bool_arg(a.front()) {
                c.sparse_convert = b;
            }
            if let Some(v) = a.get(1) {
                c.sparse_ratio = check_number(Some(v), 2, "encode_sparse_array")?.max(0.0) as usize;
            }
            if let Some(v) = a.get(2) {
                c.sparse_safe = check_number(Some(v), 3, "encode_sparse_array")?.max(0.0) as usize;
            }
            lua.set_app_data(c);
            Ok((c.sparse_convert, c.sparse_ratio, c.sparse_safe))
        })?,
    )?;
    Ok(t)
}

fn json_string(b: &[u8], out: &mut Vec<u8>) {
    out.push(b'"');
    for &c in b {
        match c {
            b'"' => out.extend_from_slice(b"\\\""),
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'/' => out.extend_from_slice(b"\\/"),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            b'\t' => out.extend_from_slice(b"\\t"),
            0x08 => out.extend_from_slice(b"\\b"),
            0x0c => out.extend_from_slice(b"\\f"),
            c if c < 0x20 || c == 0x7f => out.extend_from_slice(format!("\\u{:04x}", c).as_bytes()),
            c => out.push(c),
        }
    }
    out.push(b'"');
}

fn json_number(cfg: &JsonConfig, n: f64, out: &mut Vec<u8>) -> mlua::Result<()> {
    if n.is_nan() || n.is_infinite() {
        if !cfg.encode_invalid_numbers {
            return Err(err("Cannot serialise number: must not be NaN or Inf"));
        }
        out.extend_from_slice(if n.is_nan() {
            b"nan"
        } else if n > 0.0 {
            b"inf"
        } else {
            b"-inf"
        });
        return Ok(());
    }
    out.extend_from_slice(fmt_g(n, cfg.precision).as_bytes());
    Ok(())
}

/// The array length of a table if it is an array (positive integer keys
/// only), `None` for an object; errors on an excessively sparse array. The
/// pairs are looked at one at a time: a Rust function may hold only a few
/// thousand Lua values at once.
fn json_array_len(cfg: &JsonConfig, t: &Table) -> mlua::Result<Option<usize>> {
    let mut max = 0usize;
    let mut items = 0usize;
    for pair in t.pairs::<Value, Value>() {
        let (k, _) = pair?;
        let n = match k {
            Value::Number(n) => n,
            Value::Integer(i) => i as f64,
            _ => return Ok(None),
        };
        if n < 1.0 || n.fract() != 0.0 {
            return Ok(None);
        }
        max = max.max(n as usize);
        items += 1;
    }
    if cfg.sparse_ratio > 0 && max > items * cfg.sparse_ratio && max > cfg.sparse_safe {
        if !cfg.sparse_convert {
            return Err(err("Cannot serialise table: excessively sparse array"));
        }
        return Ok(None);
    }
    Ok(Some(max))
}

fn json_encode(cfg: &JsonConfig, v: &Value, depth: usize, out: &mut Vec<u8>) -> mlua::Result<()> {
    match v {
        Value::Nil => out.extend_from_slice(b"null"),
        Value::LightUserData(p) if p.0.is_null() => out.extend_from_slice(b"null"),
        Value::Boolean(b) => out.extend_from_slice(if *b { b"true" } else { b"false" }),
        Value::Number(n) => json_number(cfg, *n, out)?,
        Value::Integer(i) => json_number(cfg, *i as f64, out)?,
        Value::String(s) => json_string(&s.as_bytes(), out),
        Value::Table(t) => {
            let depth = depth + 1;
            if depth > cfg.encode_max_depth {
                return Err(err(format!("Cannot serialise, excessive nesting ({})", depth)));
            }
            match json_array_len(cfg, t)? {
                Some(n) if n > 0 => {
                    out.push(b'[');
                    for i in 1..=n {
                        if i > 1 {
                            out.push(b',');
                        }
                        json_encode(cfg, &t.raw_get::<Value>(i)?, depth, out)?;
                    }
                    out.push(b']');
                }
                _ => {
                    out.push(b'{');
                    let mut first = true;
                    for pair in t.pairs::<Value, Value>() {
                        let (k, val) = pair?;
                        if !first {
                            out.push(b',');
                        }
                        first = false;
                        match &k {
                            Value::String(s) => json_string(&s.as_bytes(), out),
                            Value::Number(n) => {
                                out.push(b'"');
                                json_number(cfg, *n, out)?;
                                out.push(b'"');
                            }
                            Value::Integer(i) => {
                                out.push(b'"');
                                json_number(cfg, *i as f64, out)?;
                                out.push(b'"');
                            }
                            _ => return Err(err("Cannot serialise table: table key must be a number or string")),
                        }
                        out.push(b':');
                        json_encode(cfg, &val, depth, out)?;
                    }
                    out.push(b'}');
                }
            }
        }
        other => return Err(err(format!("Cannot serialise {}: type not supported", other.type_name()))),
    }
    Ok(())
}

struct JsonParser<'a> {
    s: &'a [u8],
    pos: usize,
    depth: usize,
    cfg: JsonConfig,
}

impl JsonParser<'_> {
    fn ws(&mut self) {
        while self.pos < self.s.len() && matches!(self.s[self.pos], b' ' | b'\t' | b'\n' | b'\r') {
            self.pos += 1;
        }
    }

    fn fail<T>(&self, what: &str) -> mlua::Result<T> {
        let found = if self.pos >= self.s.len() { "T_END" } else { "invalid token" };
        Err(err(format!("Expected {} but found {} at character {}", what, found, self.pos + 1)))
    }

    fn nest(&mut self) -> mlua::Result<()> {
        self.depth += 1;
        if self.depth > self.cfg.decode_max_depth {
            return Err(err(format!(
                "Found too many nested data structures ({}) at character {}",
                self.depth,
                self.pos + 1
            )));
        }
        Ok(())
    }

    fn value(&mut self, lua: &Lua) -> mlua::Result<Value> {
        let Some(&c) = self.s.get(self.pos) else { return self.fail("value") };
        match c {
            b'{' => {
                self.nest()?;
                self.pos += 1;
                let t = lua.create_table()?;
                self.ws();
                if self.s.get(self.pos) == Some(&b'}') {
                    self.pos += 1;
                    self.depth -= 1;
                    return Ok(Value::Table(t));
                }
                loop {
                    self.ws();
                    if self.s.get(self.pos) != Some(&b'"') {
                        return self.fail("object key string");
                    }
                    let k = self.string(lua)?;
                    self.ws();
                    if self.s.get(self.pos) != Some(&b':') {
                        return self.fail("colon");
                    }
                    self.pos += 1;
                    self.ws();
                    let v = self.value(lua)?;
                    t.raw_set(k, v)?;
                    self.ws();
                    match self.s.get(self.pos) {
                        Some(b',') => self.pos += 1,
                        Some(b'}') => {
                            self.pos += 1;
                            break;
                        }
                        _ => return self.fail("comma or object end"),
                    }
                }
                self.depth -= 1;
                Ok(Value::Table(t))
            }
            b'[' => {
                self.nest()?;
                self.pos += 1;
                let t = lua.create_table()?;
                self.ws();
                if self.s.get(self.pos) == Some(&b']') {
                    self.pos += 1;
                    self.depth -= 1;
                    return Ok(Value::Table(t));
                }
                let mut i = 1;
                loop {
                    self.ws();
                    let v = self.value(lua)?;
                    t.raw_set(i, v)?;
                    i += 1;
                    self.ws();
                    match self.s.get(self.pos) {
                        Some(b',') => self.pos += 1,
                        Some(b']') => {
                            self.pos += 1;
                            break;
                        }
                        _ => return self.fail("comma or array end"),
                    }
                }
                self.depth -= 1;
                Ok(Value::Table(t))
            }
            b'"' => self.string(lua),
            b't' if self.s[self.pos..].starts_with(b"true") => {
                self.pos += 4;
                Ok(Value::Boolean(true))
            }
            b'f' if self.s[self.pos..].starts_with(b"false") => {
                self.pos += 5;
                Ok(Value::Boolean(false))
            }
            b'n' if self.s[self.pos..].starts_with(b"null") => {
                self.pos += 4;
                Ok(null_value())
            }
            b'-' | b'0'..=b'9' | b'.' | b'+' | b'i' | b'n' | b'I' | b'N' => self.number(),
            _ => self.fail("value"),
        }
    }

    fn number(&mut self) -> mlua::Result<Value> {
        let start = self.pos;
        while self.pos < self.s.len()
            && matches!(self.s[self.pos], b'-' | b'+' | b'.' | b'e' | b'E' | b'x' | b'X' | b'0'..=b'9' | b'a'..=b'd' | b'f' | b'A'..=b'D' | b'F' | b'i' | b'n' | b'I' | b'N' | b't' | b'y' | b'T' | b'Y')
        {
            self.pos += 1;
        }
        let text = std::str::from_utf8(&self.s[start..self.pos]).unwrap_or("");
        let lower = text.to_ascii_lowercase();
        let parsed = match lower.trim_start_matches(['-', '+']) {
            "inf" | "infinity" | "nan" if self.cfg.decode_invalid_numbers => lower.parse::<f64>().ok(),
            "inf" | "infinity" | "nan" => None,
            s if s.starts_with("0x") => {
                i64::from_str_radix(&s[2..], 16)
                    .ok()
                    .map(|v| if lower.starts_with('-') { -(v as f64) } else { v as f64 })
            }
            _ => text.parse::<f64>().ok(),
        };
        match parsed {
            Some(n) => Ok(Value::Number(n)),
            None => {
                self.pos = start;
                self.fail("value")
            }
        }
    }

    fn hex4(&mut self) -> Option<u32> {
        let h = self.s.get(self.pos..self.pos + 4)?;
        let v = u32::from_str_radix(std::str::from_utf8(h).ok()?, 16).ok()?;
        self.pos += 4;
        Some(v)
    }

    fn string(&mut self, lua: &Lua) -> mlua::Result<Value> {
        let start = self.pos;
        self.pos += 1;
        let mut out = Vec::new();
        loop {
            let Some(&c) = self.s.get(self.pos) else {
                self.pos = start;
                return self.fail("string end");
            };
            self.pos += 1;
            match c {
                b'"' => break,
                b'\\' => {
                    let Some(&e) = self.s.get(self.pos) else { return self.fail("escape") };
                    self.pos += 1;
                    match e {
                        b'"' | b'\\' | b'/' => out.push(e),
                        b'b' => out.push(8),
                        b'f' => out.push(12),
                        b'n' => out.push(b'\n'),
                        b'r' => out.push(b'\r'),
                        b't' => out.push(b'\t'),
                        b'u' => {
                            let Some(mut cp) = self.hex4() else { return self.fail("unicode escape") };
                            if (0xd800..0xdc00).contains(&cp) && self.s[self.pos..].starts_with(b"\\u") {
                                self.pos += 2;
                                let Some(lo) = self.hex4() else { return self.fail("unicode escape") };
                                cp = 0x10000 + ((cp - 0xd800) << 10) + (lo.wrapping_sub(0xdc00) & 0x3ff);
                            }
                            let ch = char::from_u32(cp).unwrap_or('\u{fffd}');
                            let mut buf = [0u8; 4];
                            out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
                        }
                        _ => {
                            self.pos -= 2;
                            return self.fail("valid escape");
                        }
                    }
                }
                c => out.push(c),
            }
        }
        Ok(Value::String(lua.create_string(&out)?))
    }
}

// ----------------------------------------------------------- cmsgpack ----

/// Tables nested deeper than this are packed as nil (as lua-cmsgpack does).
const MSGPACK_MAX_NESTING: usize = 16;

fn cmsgpack(lua: &Lua) -> mlua::Result<Table> {
    let t = lua.create_table()?;
    t.raw_set("_NAME", "cmsgpack")?;
    t.raw_set("_VERSION", "lua-cmsgpack 0.4.0")?;
    t.raw_set(
        "pack",
        lib_fn(lua, |lua, a: MultiValue| {
            if a.is_empty() {
                return Err(err("MessagePack pack needs input."));
            }
            let mut out = Vec::new();
            for v in a.iter() {
                mp_encode(v, 0, &mut out)?;
            }
            lua.create_string(&out)
        })?,
    )?;
    t.raw_set(
        "unpack",
        lib_fn(lua, |lua, a: MultiValue| {
            let s = mp_input(&a)?;
            let (_, vals) = mp_unpack(lua, &s, 0, 0)?;
            Ok(MultiValue::from_iter(vals))
        })?,
    )?;
    t.raw_set(
        "unpack_one",
        lib_fn(lua, |lua, a: MultiValue| {
            let s = mp_input(&a)?;
            let off = match a.get(1) {
                Some(v) => check_number(Some(v), 2, "unpack_one")? as i64,
                None => 0,
            };
            mp_unpack_limited(lua, &s, 1, off)
        })?,
    )?;
    t.raw_set(
        "unpack_limit",
        lib_fn(lua, |lua, a: MultiValue| {
            let s = mp_input(&a)?;
            let limit = check_number(a.get(1), 2, "unpack_limit")? as i64;
            let off = match a.get(2) {
                Some(v) => check_number(Some(v), 3, "unpack_limit")? as i64,
                None => 0,
            };
            mp_unpack_limited(lua, &s, limit.max(0) as usize, off)
        })?,
    )?;
    Ok(t)
}

fn mp_input(a: &MultiValue) -> mlua::Result<Vec<u8>> {
    match a.front() {
        Some(Value::String(s)) => Ok(s.as_bytes().to_vec()),
        Some(Value::Number(n)) => Ok(fmt_g(*n, 14).into_bytes()),
        _ => Err(err("bad argument #1 to 'unpack' (string expected)")),
    }
}

fn mp_unpack_limited(lua: &Lua, s: &[u8], limit: usize, off: i64) -> mlua::Result<MultiValue> {
    if off < 0 || off as usize > s.len() {
        return Err(err(format!("Start offset {} greater than input length {}.", off, s.len())));
    }
    let (next, vals) = mp_unpack(lua, s, off as usize, limit)?;
    let mut out = vec![Value::Number(if next >= s.len() { -1.0 } else { next as f64 })];
    out.extend(vals);
    Ok(MultiValue::from_iter(out))
}

fn mp_unpack(lua: &Lua, s: &[u8], mut pos: usize, limit: usize) -> mlua::Result<(usize, Vec<Value>)> {
    let mut vals = Vec::new();
    while pos < s.len() && (limit == 0 || vals.len() < limit) {
        let v = mp_decode(lua, s, &mut pos)?;
        vals.push(v);
    }
    Ok((pos, vals))
}

fn mp_encode(v: &Value, level: usize, out: &mut Vec<u8>) -> mlua::Result<()> {
    match v {
        Value::Nil => out.push(0xc0),
        Value::Boolean(b) => out.push(if *b { 0xc3 } else { 0xc2 }),
        Value::Integer(i) => mp_int(*i, out),
        Value::Number(n) => {
            let n = *n;
            if n.fract() == 0.0 && (-9.223_372_036_854_776e18..9.223_372_036_854_776e18).contains(&n) {
                mp_int(n as i64, out);
            } else if n >= 0.0 && n.fract() == 0.0 && n < 1.844_674_407_370_955_2e19 {
                out.push(0xcf);
                out.extend_from_slice(&(n as u64).to_be_bytes());
            } else if (n as f32) as f64 == n {
                out.push(0xca);
                out.extend_from_slice(&(n as f32).to_be_bytes());
            } else {
                out.push(0xcb);
                out.extend_from_slice(&n.to_be_bytes());
            }
        }
        Value::String(s) => {
            let b = s.as_bytes();
            let n = b.len();
            if n < 32 {
                out.push(0xa0 | n as u8);
            } else if n <= 0xff {
                out.push(0xd9);
                out.push(n as u8);
            } else if n <= 0xffff {
                out.push(0xda);
                out.extend_from_slice(&(n as u16).to_be_bytes());
            } else {
                out.push(0xdb);
                out.extend_from_slice(&(n as u32).to_be_bytes());
            }
            out.extend_from_slice(&b);
        }
        Value::Table(t) if level < MSGPACK_MAX_NESTING => {
            // An array if the keys are exactly 1..n.
            let mut count = 0usize;
            let mut max = 0usize;
            let mut is_array = true;
            for pair in t.pairs::<Value, Value>() {
                let (k, _) = pair?;
                count += 1;
                match k {
                    Value::Number(n) if n >= 1.0 && n.fract() == 0.0 => max = max.max(n as usize),
                    Value::Integer(i) if i >= 1 => max = max.max(i as usize),
                    _ => is_array = false,
                }
            }
            if is_array && max == count {
                if count < 16 {
                    out.push(0x90 | count as u8);
                } else if count <= 0xffff {
                    out.push(0xdc);
                    out.extend_from_slice(&(count as u16).to_be_bytes());
                } else {
                    out.push(0xdd);
                    out.extend_from_slice(&(count as u32).to_be_bytes());
                }
                for i in 1..=count {
                    mp_encode(&t.raw_get::<Value>(i)?, level + 1, out)?;
                }
            } else {
                if count < 16 {
                    out.push(0x80 | count as u8);
                } else if count <= 0xffff {
                    out.push(0xde);
                    out.extend_from_slice(&(count as u16).to_be_bytes());
                } else {
                    out.push(0xdf);
                    out.extend_from_slice(&(count as u32).to_be_bytes());
                }
                for pair in t.pairs::<Value, Value>() {
                    let (k, v) = pair?;
                    mp_encode(&k, level + 1, out)?;
                    mp_encode(&v, level + 1, out)?;
                }
            }
        }
        _ => out.push(0xc0),
    }
    Ok(())
}

fn mp_int(i: i64, out: &mut Vec<u8>) {
    if i >= 0 {
        let u = i as u64;
        if u < 128 {
            out.push(u as u8);
        } else if u <= 0xff {
            out.extend_from_slice(&[0xcc, u as u8]);
        } else if u <= 0xffff {
            out.push(0xcd);
            out.extend_from_slice(&(u as u16).to_be_bytes());
        } else if u <= 0xffff_ffff {
            out.push(0xce);
            out.extend_from_slice(&(u as u32).to_be_bytes());
        } else {
            out.push(0xcf);
            out.extend_from_slice(&u.to_be_bytes());
        }
    } else if i >= -32 {
        out.push(i as i8 as u8);
    } else if i >= -128 {
        out.extend_from_slice(&[0xd0, i as i8 as u8]);
    } else if i >= -32768 {
        out.push(0xd1);
        out.extend_from_slice(&(i as i16).to_be_bytes());
    } else if i >= -(1 << 31) {
        out.push(0xd2);
        out.extend_from_slice(&(i as i32).to_be_bytes());
    } else {
        out.push(0xd3);
        out.extend_from_slice(&i.to_be_bytes());
    }
}

fn mp_take<'a>(s: &'a [u8], pos: &mut usize, n: usize) -> mlua::Result<&'a [u8]> {
    let end = pos.checked_add(n).filter(|&e| e <= s.len()).ok_or_else(|| err("Missing bytes in input."))?;
    let b = &s[*pos..end];
    *pos = end;
    Ok(b)
}

fn be(b: &[u8]) -> u64 {
    b.iter().fold(0u64, |acc, &x| (acc << 8) | x as u64)
}

fn mp_decode(lua: &Lua, s: &[u8], pos: &mut usize) -> mlua::Result<Value> {
    let c = mp_take(s, pos, 1)?[0];
    let num = |x: f64| Ok(Value::Number(x));
    match c {
        0x00..=0x7f => num(c as f64),
        0x80..=0x8f => mp_map(lua, s, pos, (c & 0x0f) as usize),
        0x90..=0x9f => mp_array(lua, s, pos, (c & 0x0f) as usize),
        0xa0..=0xbf => {
            let b = mp_take(s, pos, (c & 0x1f) as usize)?;
            Ok(Value::String(lua.create_string(b)?))
        }
        0xc0 => Ok(Value::Nil),
        0xc2 => Ok(Value::Boolean(false)),
        0xc3 => Ok(Value::Boolean(true)),
        0xc4 | 0xd9 => {
            let n = mp_take(s, pos, 1)?[0] as usize;
            Ok(Value::String(lua.create_string(mp_take(s, pos, n)?)?))
        }
        0xc5 | 0xda => {
            let n = be(mp_take(s, pos, 2)?) as usize;
            Ok(Value::String(lua.create_string(mp_take(s, pos, n)?)?))
        }
        0xc6 | 0xdb => {
            let n = be(mp_take(s, pos, 4)?) as usize;
            Ok(Value::String(lua.create_string(mp_take(s, pos, n)?)?))
        }
        0xca => num(f32::from_bits(be(mp_take(s, pos, 4)?) as u32) as f64),
        0xcb => num(f64::from_bits(be(mp_take(s, pos, 8)?))),
        0xcc => num(be(mp_take(s, pos, 1)?) as f64),
        0xcd => num(be(mp_take(s, pos, 2)?) as f64),
        0xce => num(be(mp_take(s, pos, 4)?) as f64),
        0xcf => num(be(mp_take(s, pos, 8)?) as f64),
        0xd0 => num(be(mp_take(s, pos, 1)?) as u8 as i8 as f64),
        0xd1 => num(be(mp_take(s, pos, 2)?) as u16 as i16 as f64),
        0xd2 => num(be(mp_take(s, pos, 4)?) as u32 as i32 as f64),
        0xd3 => num(be(mp_take(s, pos, 8)?) as i64 as f64),
        0xdc => {
            let n = be(mp_take(s, pos, 2)?) as usize;
            mp_array(lua, s, pos, n)
        }
        0xdd => {
            let n = be(mp_take(s, pos, 4)?) as usize;
            mp_array(lua, s, pos, n)
        }
        0xde => {
            let n = be(mp_take(s, pos, 2)?) as usize;
            mp_map(lua, s, pos, n)
        }
        0xdf => {
            let n = be(mp_take(s, pos, 4)?) as usize;
            mp_map(lua, s, pos, n)
        }
        0xe0..=0xff => num(c as i8 as f64),
        _ => Err(err("Bad data format in input.")),
    }
}

fn mp_array(lua: &Lua, s: &[u8], pos: &mut usize, n: usize) -> mlua::Result<Value> {
    let t = lua.create_table_with_capacity(n.min(1 << 16), 0)?;
    for i in 0..n {
        let v = mp_decode(lua, s, pos)?;
        t.raw_set(i + 1, v)?;
    }
    Ok(Value::Table(t))
}

fn mp_map(lua: &Lua, s: &[u8], pos: &mut usize, n: usize) -> mlua::Result<Value> {
    let t = lua.create_table()?;
    for _ in 0..n {
        let k = mp_decode(lua, s, pos)?;
        let v = mp_decode(lua, s, pos)?;
        if !matches!(k, Value::Nil) {
            t.raw_set(k, v)?;
        }
    }
    Ok(Value::Table(t))
}

// ------------------------------------------------------------- struct ----

/// One parsed item of a struct format.
struct FmtState<'a> {
    fmt: &'a [u8],
    pos: usize,
    little: bool,
    align: usize,
}

impl FmtState<'_> {
    fn new(fmt: &[u8]) -> FmtState<'_> {
        FmtState { fmt, pos: 0, little: cfg!(target_endian = "little"), align: 1 }
    }

    fn number(&mut self, default: usize) -> usize {
        let start = self.pos;
        let mut n = 0usize;
        while let Some(&d) = self.fmt.get(self.pos) {
            if !d.is_ascii_digit() {
                break;
            }
            n = n.saturating_mul(10).saturating_add((d - b'0') as usize);
            self.pos += 1;
        }
        if self.pos == start {
            default
        } else {
            n
        }
    }

    /// The next option and its size (`None` at the end); handles the
    /// endianness/alignment options itself.
    fn next(&mut self) -> mlua::Result<Option<(u8, usize)>> {
        loop {
            let Some(&c) = self.fmt.get(self.pos) else { return Ok(None) };
            self.pos += 1;
            let size = match c {
                b' ' => continue,
                b'>' => {
                    self.little = false;
                    continue;
                }
                b'<' => {
                    self.little = true;
                    continue;
                }
                b'=' => {
                    self.little = cfg!(target_endian = "little");
                    continue;
                }
                b'!' => {
                    let a = self.number(8);
                    if !a.is_power_of_two() {
                        return Err(err(format!("alignment {} is not a power of 2", a)));
                    }
                    self.align = a;
                    continue;
                }
                b'x' | b'b' | b'B' => 1,
                b'h' | b'H' => 2,
                b'l' | b'L' | b'T' => 8,
                b'f' => 4,
                b'd' => 8,
                b'i' | b'I' => {
                    let n = self.number(4);
                    if n == 0 || n > 8 {
                        return Err(err(format!("integral size {} is larger than limit of 8", n)));
                    }
                    n
                }
                b'c' => self.number(1),
                b's' => 0,
                _ => return Err(err(format!("invalid format option '{}'", c as char))),
            };
            return Ok(Some((c, size)));
        }
    }

    /// Padding needed before an item of `size` at offset `total`.
    fn gap(&self, opt: u8, size: usize, total: usize) -> usize {
        if matches!(opt, b'c' | b's' | b'x') {
            return 0;
        }
        let a = size.min(self.align);
        if a <= 1 {
            0
        } else {
            (a - (total & (a - 1))) & (a - 1)
        }
    }
}

fn structlib(lua: &Lua) -> mlua::Result<Table> {
    let t = lua.create_table()?;
    t.raw_set("pack", lib_fn(lua, struct_pack)?)?;
    t.raw_set("unpack", lib_fn(lua, struct_unpack)?)?;
    t.raw_set(
        "size",
        lib_fn(lua, |_, fmt: mlua::LuaString| {
            let fmt = fmt.as_bytes().to_vec();
            let mut st = FmtState::new(&fmt);
            let mut total = 0usize;
            while let Some((opt, size)) = st.next()? {
                if opt == b's' || (opt == b'c' && size == 0) {
                    return Err(err("options 'c0' - 's' have undefined sizes"));
                }
                total += st.gap(opt, size, total) + size;
            }
            Ok(total)
        })?,
    )?;
    Ok(t)
}

fn struct_pack(lua: &Lua, a: MultiValue) -> mlua::Result<mlua::LuaString> {
    let fmt = match a.front() {
        Some(Value::String(s)) => s.as_bytes().to_vec(),
        _ => return Err(err("bad argument #1 to 'pack' (string expected)")),
    };
    let mut st = FmtState::new(&fmt);
    let mut out: Vec<u8> = Vec::new();
    let mut arg = 1;
    while let Some((opt, size)) = st.next()? {
        let pad = st.gap(opt, size, out.len());
        out.extend(std::iter::repeat_n(0u8, pad));
        match opt {
            b'x' => out.push(0),
            b'b' | b'B' | b'h' | b'H' | b'l' | b'L' | b'T' | b'i' | b'I' => {
                let n = check_number(a.get(arg), arg + 1, "pack")?;
                arg += 1;
                let v = if n < 0.0 { n as i64 as u64 } else { n as u64 };
                let bytes = v.to_le_bytes();
                if st.little {
                    out.extend_from_slice(&bytes[..size]);
                } else {
                    out.extend(bytes[..size].iter().rev());
                }
            }
            b'f' => {
                let n = check_number(a.get(arg), arg + 1, "pack")? as f32;
                arg += 1;
                out.extend_from_slice(&if st.little { n.to_le_bytes() } else { n.to_be_bytes() });
            }
            b'd' => {
                let n = check_number(a.get(arg), arg + 1, "pack")?;
                arg += 1;
                out.extend_from_slice(&if st.little { n.to_le_bytes() } else { n.to_be_bytes() });
            }
            b'c' | b's' => {
                let s = match a.get(arg) {
                    Some(Value::String(s)) => s.as_bytes().to_vec(),
                    Some(Value::Number(n)) => fmt_g(*n, 14).into_bytes(),
                    _ => return Err(err(format!("bad argument #{} to 'pack' (string expected)", arg + 1))),
                };
                arg += 1;
                if opt == b'c' {
                    let n = if size == 0 { s.len() } else { size };
                    if s.len() < n {
                        return Err(err(format!("bad argument #{} to 'pack' (string too short)", arg)));
                    }
                    out.extend_from_slice(&s[..n]);
                } else {
                    if s.contains(&0) {
                        return Err(err(format!("bad argument #{} to 'pack' (string contains zeros)", arg)));
                    }
                    out.extend_from_slice(&s);
                    out.push(0);
                }
            }
            _ => {}
        }
    }
    lua.create_string(&out)
}

fn struct_unpack(lua: &Lua, a: MultiValue) -> mlua::Result<MultiValue> {
    let fmt = match a.front() {
        Some(Value::String(s)) => s.as_bytes().to_vec(),
        _ => return Err(err("bad argument #1 to 'unpack' (string expected)")),
    };
    let data = match a.get(1) {
        Some(Value::String(s)) => s.as_bytes().to_vec(),
        _ => return Err(err("bad argument #2 to 'unpack' (string expected)")),
    };
    let mut pos = match a.get(2) {
        Some(v) => {
            let p = check_number(Some(v), 3, "unpack")? as i64;
            if p < 1 {
                return Err(err("bad argument #3 to 'unpack' (offset must be 1 or greater)"));
            }
            (p - 1) as usize
        }
        None => 0,
    };
    let mut st = FmtState::new(&fmt);
    let mut out = Vec::new();
    let short = || err("bad argument #2 to 'unpack' (data string too short)");
    while let Some((opt, size)) = st.next()? {
        pos += st.gap(opt, size, pos);
        match opt {
            b'x' => pos += 1,
            b'b' | b'B' | b'h' | b'H' | b'l' | b'L' | b'T' | b'i' | b'I' => {
                let b = data.get(pos..pos + size).ok_or_else(short)?;
                let mut v: u64 = 0;
                if st.little {
                    for (i, &x) in b.iter().enumerate() {
                        v |= (x as u64) << (8 * i);
                    }
                } else {
                    for &x in b {
                        v = (v << 8) | x as u64;
                    }
                }
                let signed = opt.is_ascii_lowercase();
                let n = if signed && size < 8 {
                    let shift = 64 - 8 * size as u32;
                    (((v << shift) as i64) >> shift) as f64
                } else if signed {
                    v as i64 as f64
                } else {
                    v as f64
                };
                out.push(Value::Number(n));
                pos += size;
            }
            b'f' => {
                let b: [u8; 4] = data.get(pos..pos + 4).ok_or_else(short)?.try_into().map_err(|_| short())?;
                out.push(Value::Number(if st.little { f32::from_le_bytes(b) } else { f32::from_be_bytes(b) } as f64));
                pos += 4;
            }
            b'd' => {
                let b: [u8; 8] = data.get(pos..pos + 8).ok_or_else(short)?.try_into().map_err(|_| short())?;
                out.push(Value::Number(if st.little { f64::from_le_bytes(b) } else { f64::from_be_bytes(b) }));
                pos += 8;
            }
            b'c' => {
                let n = if size == 0 {
                    // The length is the previous number read.
                    match out.pop() {
                        Some(Value::Number(n)) => n as usize,
                        _ => return Err(err("format 'c0' needs a previous size")),
                    }
                } else {
                    size
                };
                let b = data.get(pos..pos + n).ok_or_else(short)?;
                out.push(Value::String(lua.create_string(b)?));
                pos += n;
            }
            b's' => {
                let rest = data.get(pos..).ok_or_else(short)?;
                let end = rest.iter().position(|&c| c == 0).ok_or_else(|| err("unfinished string in data"))?;
                out.push(Value::String(lua.create_string(&rest[..end])?));
                pos += end + 1;
            }
            _ => {}
        }
    }
    out.push(Value::Number((pos + 1) as f64));
    Ok(MultiValue::from_iter(out))
}
