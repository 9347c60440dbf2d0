//! The arguments of a command as `COMMAND DOCS` describes them (Redis 7.0's
//! argument model): each has a name and a type, maybe a token that introduces
//! it (`EX seconds`), the version that added it, and flags saying whether it
//! is optional or may repeat. `oneof` and `block` arguments hold others.
//!
//! Families declare them next to their command table with the constructors
//! below, e.g. `SET key value [NX | XX]`:
//!
//! ```ignore
//! &[key("key", 0), string("value"), oneof("condition", &[pure_token("nx", "NX"), pure_token("xx", "XX")]).optional()]
//! ```

/// One documented argument.
#[derive(Debug, Clone, Copy)]
pub struct Arg {
    pub name: &'static str,
    pub kind: ArgKind,
    /// The key spec (in `COMMAND INFO`) that finds this argument, or -1.
    pub key_spec_index: i32,
    /// The word that introduces the argument (`EX`); MIGRATE's
    /// `empty_string` is the empty word `""`.
    pub token: Option<&'static str>,
    /// The version that added it, or empty when the command always had it.
    pub since: &'static str,
    pub deprecated_since: &'static str,
    /// [`OPTIONAL`], [`MULTIPLE`], [`MULTIPLE_TOKEN`].
    pub flags: u8,
}

/// An argument's type as `COMMAND DOCS` names it.
#[derive(Debug, Clone, Copy)]
pub enum ArgKind {
    String,
    Integer,
    Double,
    Key,
    Pattern,
    UnixTime,
    /// Only its token (`NX`).
    PureToken,
    /// Exactly one of the contained arguments.
    Oneof(&'static [Arg]),
    /// All of the contained arguments, in order.
    Block(&'static [Arg]),
}

impl ArgKind {
    /// The type's name in `COMMAND DOCS`.
    pub fn name(&self) -> &'static str {
        match self {
            ArgKind::String => "string",
            ArgKind::Integer => "integer",
            ArgKind::Double => "double",
            ArgKind::Key => "key",
            ArgKind::Pattern => "pattern",
            ArgKind::UnixTime => "unix-time",
            ArgKind::PureToken => "pure-token",
            ArgKind::Oneof(_) => "oneof",
            ArgKind::Block(_) => "block",
        }
    }

    /// The arguments a `oneof` or `block` holds.
    pub fn children(&self) -> &'static [Arg] {
        match self {
            ArgKind::Oneof(a) | ArgKind::Block(a) => a,
            _ => &[],
        }
    }
}

/// The argument may be left out.
pub const OPTIONAL: u8 = 1 << 0;
/// The argument may be given several times.
pub const MULTIPLE: u8 = 1 << 1;
/// Each repetition repeats the token too (`GET a GET b`).
pub const MULTIPLE_TOKEN: u8 = 1 << 2;

/// The flag names in `COMMAND DOCS`, in Redis's order.
pub const ARG_FLAG_NAMES: &[(u8, &str)] =
    &[(OPTIONAL, "optional"), (MULTIPLE, "multiple"), (MULTIPLE_TOKEN, "multiple_token")];

const fn arg(name: &'static str, kind: ArgKind) -> Arg {
    Arg { name, kind, key_spec_index: -1, token: None, since: "", deprecated_since: "", flags: 0 }
}

/// A key, found by key spec `spec` (its index in `COMMAND INFO`'s key specs).
pub const fn key(name: &'static str, spec: i32) -> Arg {
    Arg { key_spec_index: spec, ..arg(name, ArgKind::Key) }
}

pub const fn string(name: &'static str) -> Arg {
    arg(name, ArgKind::String)
}

pub const fn integer(name: &'static str) -> Arg {
    arg(name, ArgKind::Integer)
}

pub const fn double(name: &'static str) -> Arg {
    arg(name, ArgKind::Double)
}

pub const fn pattern(name: &'static str) -> Arg {
    arg(name, ArgKind::Pattern)
}

pub const fn unix_time(name: &'static str) -> Arg {
    arg(name, ArgKind::UnixTime)
}

/// A bare word (`NX`).
pub const fn pure_token(name: &'static str, token: &'static str) -> Arg {
    Arg { token: Some(token), ..arg(name, ArgKind::PureToken) }
}

pub const fn oneof(name: &'static str, of: &'static [Arg]) -> Arg {
    arg(name, ArgKind::Oneof(of))
}

pub const fn block(name: &'static str, of: &'static [Arg]) -> Arg {
    arg(name, ArgKind::Block(of))
}

impl Arg {
    /// Introduced by `token` (`EX seconds`).
    pub const fn token(self, token: &'static str) -> Arg {
        Arg { token: Some(token), ..self }
    }

    /// Found by key spec `spec` (a pattern naming keys, SORT's `BY`).
    pub const fn key_spec(self, spec: i32) -> Arg {
        Arg { key_spec_index: spec, ..self }
    }

    pub const fn since(self, version: &'static str) -> Arg {
        Arg { since: version, ..self }
    }

    pub const fn deprecated_since(self, version: &'static str) -> Arg {
        Arg { deprecated_since: version, ..self }
    }

    pub const fn optional(self) -> Arg {
        Arg { flags: self.flags | OPTIONAL, ..self }
    }

    pub const fn multiple(self) -> Arg {
        Arg { flags: self.flags | MULTIPLE, ..self }
    }

    pub const fn multiple_token(self) -> Arg {
        Arg { flags: self.flags | MULTIPLE_TOKEN, ..self }
    }
}
