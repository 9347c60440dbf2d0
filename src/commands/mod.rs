//! The command table and dispatch.
//!
//! Every command is declared once, in its family's file (`string.rs`,
//! `keys.rs`, ...), as a [`Command`]: name, arity (Redis convention: negative
//! means "at least"), flags, key positions, ACL categories, documentation and
//! handler. Everything that needs to know about commands reads this table:
//! dispatch (arity, auth, flags), `COMMAND` and its subcommands, and later
//! MULTI, scripting, ACL and cluster slot checks.

pub mod bitmap;
pub mod connection;
pub mod docs;
pub mod hash;
pub mod introspection;
pub mod keys;
pub mod list;
pub mod memory;
pub mod persistence;
pub mod pubsub;
pub mod scripting;
pub mod server;
pub mod set;
pub mod sort;
pub mod string;
pub mod transaction;
pub mod zset;

use std::collections::HashMap;

use crate::errors;
use crate::server::{Client, Server};
use crate::util::lower_into;

/// What a handler receives: the server (keyspace, config, other clients) and
/// the client that sent the command (its reply writer is `client.reply`).
pub struct Ctx<'a> {
    pub srv: &'a mut Server,
    pub client: &'a mut Client,
}

impl Ctx<'_> {
    /// The selected database of the calling client.
    #[inline]
    pub fn db(&self) -> usize {
        self.client.db
    }

    #[inline]
    pub fn reply(&mut self) -> &mut crate::protocol::Reply {
        &mut self.client.reply
    }
}

/// A command implementation. `argv[0]` is the command name as sent.
pub type Handler = fn(&mut Ctx, &[&[u8]]);

// Command flags (names as `COMMAND INFO` shows them are in `FLAG_NAMES`).
pub const WRITE: u32 = 1 << 0;
pub const READONLY: u32 = 1 << 1;
pub const DENYOOM: u32 = 1 << 2;
pub const ADMIN: u32 = 1 << 3;
pub const PUBSUB: u32 = 1 << 4;
pub const NOSCRIPT: u32 = 1 << 5;
pub const BLOCKING: u32 = 1 << 6;
pub const LOADING: u32 = 1 << 7;
pub const STALE: u32 = 1 << 8;
pub const SKIP_MONITOR: u32 = 1 << 9;
pub const SKIP_SLOWLOG: u32 = 1 << 10;
pub const FAST: u32 = 1 << 11;
pub const NO_AUTH: u32 = 1 << 12;
pub const MAY_REPLICATE: u32 = 1 << 13;
pub const NO_MANDATORY_KEYS: u32 = 1 << 14;
pub const NO_MULTI: u32 = 1 << 15;
pub const MOVABLE_KEYS: u32 = 1 << 16;
pub const ALLOW_BUSY: u32 = 1 << 17;
pub const NO_ASYNC_LOADING: u32 = 1 << 18;
pub const SENTINEL: u32 = 1 << 19;
/// Refused unless `enable-debug-command` allows it (DEBUG). Not shown by
/// COMMAND INFO, as in Redis.
pub const PROTECTED: u32 = 1 << 20;

pub const FLAG_NAMES: &[(u32, &str)] = &[
    (WRITE, "write"),
    (READONLY, "readonly"),
    (DENYOOM, "denyoom"),
    (ADMIN, "admin"),
    (PUBSUB, "pubsub"),
    (NOSCRIPT, "noscript"),
    (BLOCKING, "blocking"),
    (LOADING, "loading"),
    (STALE, "stale"),
    (SKIP_MONITOR, "skip_monitor"),
    (SKIP_SLOWLOG, "skip_slowlog"),
    (FAST, "fast"),
    (NO_AUTH, "no_auth"),
    (MAY_REPLICATE, "may_replicate"),
    (NO_MANDATORY_KEYS, "no_mandatory_keys"),
    (NO_ASYNC_LOADING, "no_async_loading"),
    (NO_MULTI, "no_multi"),
    (MOVABLE_KEYS, "movablekeys"),
    (ALLOW_BUSY, "allow_busy"),
];

/// Where a command's keys are: `first`, `last` (negative counts from the end),
/// `step`. `(0, 0, 0)` means no keys.
#[derive(Debug, Clone, Copy)]
pub struct Keys {
    pub first: i32,
    pub last: i32,
    pub step: i32,
}

pub const NO_KEYS: Keys = Keys { first: 0, last: 0, step: 0 };
pub const ONE_KEY: Keys = Keys { first: 1, last: 1, step: 1 };
pub const ALL_KEYS: Keys = Keys { first: 1, last: -1, step: 1 };

/// A key's access flags as `COMMAND GETKEYSANDFLAGS` and key specs show them,
/// in Redis's order: one of `RO` (read only), `RW` (read and write), `OW`
/// (overwrite without reading), `RM` (remove without reading); then what the
/// command does to the data (`access` returns it, `update`, `insert`,
/// `delete`); then `not_key` (a channel, not a key), `incomplete` (the spec
/// may miss keys) and `variable_flags` (the flags depend on the arguments).
pub type KeyFlags = &'static [&'static str];

/// Every key spec flag, in the order Redis lists them.
pub const KEY_FLAG_ORDER: &[&str] =
    &["RO", "RW", "OW", "RM", "access", "update", "insert", "delete", "not_key", "incomplete", "variable_flags"];

/// A key read by the command (GET, LRANGE).
pub const KEY_READ: KeyFlags = &["RO", "access"];
/// A key whose metadata alone is read, never its value (EXISTS, TYPE, LLEN).
pub const KEY_RO: KeyFlags = &["RO"];
/// A key modified by the command without returning its data (EXPIRE, HSET).
pub const KEY_UPDATE: KeyFlags = &["RW", "update"];
/// A key read and modified, its data returned (INCR, GETSET, ZINCRBY).
pub const KEY_ACCESS_UPDATE: KeyFlags = &["RW", "access", "update"];
/// A key that only gains data (LPUSH, SADD, APPEND).
pub const KEY_INSERT: KeyFlags = &["RW", "insert"];
/// A key that only loses data, none returned (LREM, SREM, ZREMRANGEBYSCORE).
pub const KEY_DELETE: KeyFlags = &["RW", "delete"];
/// A key the command reads and removes elements from (LPOP, SPOP, GETDEL).
pub const KEY_POP: KeyFlags = &["RW", "access", "delete"];
/// A key whose value the command replaces without reading it (SETEX, MSET).
pub const KEY_OVERWRITE: KeyFlags = &["OW", "update"];
/// A key written only if it does not exist yet (SETNX, MSETNX).
pub const KEY_OW_INSERT: KeyFlags = &["OW", "insert"];
/// A key removed without being read (DEL, UNLINK).
pub const KEY_REMOVE: KeyFlags = &["RM", "delete"];
/// A shard channel, not a key (SSUBSCRIBE, SPUBLISH).
pub const KEY_NOT_KEY: KeyFlags = &["not_key"];

/// Finds the keys of one call of a command whose keys cannot be told by
/// position alone (SORT's `STORE destination`): `(argv index, flags)` pairs.
pub type GetKeys = fn(&[&[u8]]) -> Vec<(usize, KeyFlags)>;

/// One key specification as `COMMAND INFO` shows it, for commands whose
/// `keys` range does not tell the whole story.
#[derive(Debug, Clone, Copy)]
pub struct KeySpec {
    /// Shown as `notes` when not empty.
    pub notes: &'static str,
    pub flags: KeyFlags,
    pub find: Find,
}

/// How a key spec finds its keys in a call.
#[derive(Debug, Clone, Copy)]
pub enum Find {
    /// An `index` begin search at `keys.first` and a `range` find-keys
    /// (`lastkey` relative to it, `keystep`, limit 0).
    Range(Keys),
    /// An `index` begin search at `index`, then a `keynum` find-keys: the
    /// argument at `index + keynumidx` counts the keys, which start at
    /// `index + firstkey`, `step` apart (ZUNION's `numkeys key [key ...]`).
    Keynum { index: i32, keynumidx: i32, firstkey: i32, step: i32 },
    /// A `keyword` begin search: the keys follow the first `keyword`
    /// argument found scanning from `startfrom` (negative: from the end,
    /// backwards); then a `range` find-keys as in [`Find::Range`], `lastkey`
    /// relative to the first key found (MIGRATE's `KEYS key [key ...]`).
    Keyword { keyword: &'static str, startfrom: i32, lastkey: i32, step: i32 },
    /// Both `unknown`: the keys depend on the arguments' content or order.
    Unknown,
}

/// The key spec of `numkeys key [key ...]` at argument `index`.
pub const fn keynum_spec(index: i32, flags: KeyFlags) -> KeySpec {
    KeySpec { notes: "", flags, find: Find::Keynum { index, keynumidx: 0, firstkey: 1, step: 1 } }
}

/// `numkeys key [key ...]` read (ZUNION, ZINTERCARD, SINTERCARD...).
pub static READ_NUMKEYS: &[KeySpec] = &[keynum_spec(1, KEY_READ)];
/// `destination numkeys key [key ...]` (ZUNIONSTORE...).
pub static STORE_NUMKEYS: &[KeySpec] = &[one_key_spec(1, KEY_OVERWRITE), keynum_spec(2, KEY_READ)];
/// `numkeys key [key ...]` popped from (LMPOP, ZMPOP).
pub static POP_NUMKEYS: &[KeySpec] = &[keynum_spec(1, KEY_POP)];
/// `timeout numkeys key [key ...]` popped from (BLMPOP, BZMPOP).
pub static BLOCKING_POP_NUMKEYS: &[KeySpec] = &[keynum_spec(2, KEY_POP)];

/// The key spec of one key at argument `index`.
pub const fn one_key_spec(index: i32, flags: KeyFlags) -> KeySpec {
    KeySpec { notes: "", flags, find: Find::Range(Keys { first: index, last: index, step: 1 }) }
}

/// The key spec of the keys from argument `first` to `last` (negative counts
/// from the end), `step` apart.
pub const fn range_spec(first: i32, last: i32, step: i32, flags: KeyFlags) -> KeySpec {
    KeySpec { notes: "", flags, find: Find::Range(Keys { first, last, step }) }
}

/// `destination key [key ...]`: a destination overwritten from the keys read
/// (SUNIONSTORE, BITOP after its operation).
pub const fn store_from_keys_specs(dest: i32) -> [KeySpec; 2] {
    [one_key_spec(dest, KEY_OVERWRITE), range_spec(dest + 1, -1, 1, KEY_READ)]
}

/// `source destination`: an element moved from one key to another (LMOVE,
/// SMOVE, RPOPLPUSH).
pub static MOVE_SPECS: &[KeySpec] = &[one_key_spec(1, KEY_POP), one_key_spec(2, KEY_INSERT)];

/// A command's request/response policy tips, as `COMMAND INFO` lists them
/// (Redis's `command_tips`): how a cluster client should route the command
/// and merge the replies, and whether its output is deterministic. Each is
/// one of `nondeterministic_output`, `nondeterministic_output_order`,
/// `request_policy:<all_nodes|all_shards|multi_shard|special>` or
/// `response_policy:<one_succeeded|all_succeeded|agg_logical_and|agg_logical_or|agg_min|agg_max|agg_sum|special>`,
/// in the order Redis declares them.
pub type Tips = &'static [&'static str];

/// The reply may differ between two calls on the same data (TTL, SCAN, TIME).
pub const NONDETERMINISTIC: Tips = &["nondeterministic_output"];
/// The reply's elements come in no particular order (SMEMBERS, HKEYS).
pub const UNORDERED: Tips = &["nondeterministic_output_order"];
/// Sent to every shard, the replies summed (DBSIZE).
pub const ALL_SHARDS_AGG_SUM: Tips = &["request_policy:all_shards", "response_policy:agg_sum"];
/// Split by key across shards, the replies summed (DEL, EXISTS).
pub const MULTI_SHARD_AGG_SUM: Tips = &["request_policy:multi_shard", "response_policy:agg_sum"];
/// Sent to every shard, which must all succeed (FLUSHALL, PING).
pub const ALL_SHARDS_ALL_SUCCEEDED: Tips = &["request_policy:all_shards", "response_policy:all_succeeded"];
/// Sent to every node, replicas included, which must all succeed (CONFIG SET).
pub const ALL_NODES_ALL_SUCCEEDED: Tips = &["request_policy:all_nodes", "response_policy:all_succeeded"];
/// Sent to every shard, one success is enough (SCRIPT KILL, FUNCTION KILL).
pub const ALL_SHARDS_ONE_SUCCEEDED: Tips = &["request_policy:all_shards", "response_policy:one_succeeded"];
/// Per-shard reports merged by the client in its own way (INFO, MEMORY STATS).
pub const ALL_SHARDS_SPECIAL_REPORT: Tips =
    &["nondeterministic_output", "request_policy:all_shards", "response_policy:special"];

/// One command's declaration.
pub struct Command {
    /// Lower-case name (for a subcommand, the subcommand's own name).
    pub name: &'static str,
    pub arity: i32,
    pub flags: u32,
    pub keys: Keys,
    /// ACL categories beyond those implied by the flags (`keyspace`, `string`...).
    pub acl: &'static [&'static str],
    pub group: &'static str,
    pub summary: &'static str,
    pub since: &'static str,
    pub complexity: &'static str,
    /// `COMMAND DOCS` history: (version, what changed).
    pub history: &'static [(&'static str, &'static str)],
    /// `COMMAND DOCS` doc flags: `deprecated`, `syscmd`.
    pub doc_flags: &'static [&'static str],
    /// For a deprecated command: since when, and what to use instead.
    pub deprecated_since: &'static str,
    pub replaced_by: &'static str,
    /// The arguments `COMMAND DOCS` describes.
    pub args: &'static [docs::Arg],
    pub handler: Handler,
    pub subcommands: &'static [Command],
    /// Key specs for `COMMAND INFO`; empty means one spec derived from `keys`
    /// with the flags `key_flags`.
    pub key_specs: &'static [KeySpec],
    /// Flags of the spec derived from `keys` when `key_specs` is empty; empty
    /// means `RW update` for a write command, `RO access` otherwise.
    pub key_flags: KeyFlags,
    /// Request/response policy tips (`COMMAND INFO`).
    pub tips: Tips,
    /// Finds the keys of a call when `keys` alone cannot (`MOVABLE_KEYS`
    /// commands); `None` means the `keys` range.
    pub get_keys: Option<GetKeys>,
}

impl Command {
    /// The flags of the key spec derived from `keys` (when `key_specs` is
    /// empty): `key_flags`, or by default `RW update` for a write command and
    /// `RO access` for any other.
    pub fn derived_key_flags(&self) -> KeyFlags {
        if !self.key_flags.is_empty() {
            self.key_flags
        } else if self.flags & WRITE != 0 {
            KEY_UPDATE
        } else {
            KEY_READ
        }
    }

    /// The key specs `COMMAND INFO` shows: the declared ones, or one derived
    /// from `keys` (none for a command without keys).
    pub fn effective_key_specs(&self) -> Vec<KeySpec> {
        if !self.key_specs.is_empty() {
            self.key_specs.to_vec()
        } else if self.keys.first > 0 {
            vec![KeySpec { notes: "", flags: self.derived_key_flags(), find: Find::Range(self.keys) }]
        } else {
            Vec::new()
        }
    }

    /// Whether any of its keys is a real key (COMMAND GETKEYS refuses a
    /// command with none: no key specs, or only channels).
    pub fn has_keys(&self) -> bool {
        self.get_keys.is_some() || self.effective_key_specs().iter().any(|ks| !ks.flags.contains(&"not_key"))
    }
}

/// Declares a command (a `const fn` so family tables stay one line each).
#[allow(clippy::too_many_arguments)]
pub const fn cmd(
    name: &'static str,
    arity: i32,
    flags: u32,
    keys: Keys,
    acl: &'static [&'static str],
    group: &'static str,
    summary: &'static str,
    since: &'static str,
    handler: Handler,
) -> Command {
    Command {
        name,
        arity,
        flags,
        keys,
        acl,
        group,
        summary,
        since,
        complexity: "",
        history: &[],
        doc_flags: &[],
        deprecated_since: "",
        replaced_by: "",
        args: &[],
        handler,
        subcommands: &[],
        key_specs: &[],
        key_flags: &[],
        tips: &[],
        get_keys: None,
    }
}

/// Declares a container command (CONFIG, CLIENT, OBJECT...) whose work is done
/// by its subcommands.
pub const fn container(
    name: &'static str,
    group: &'static str,
    summary: &'static str,
    since: &'static str,
    subcommands: &'static [Command],
) -> Command {
    Command {
        name,
        arity: -2,
        flags: 0,
        keys: NO_KEYS,
        acl: &[],
        group,
        summary,
        since,
        complexity: "",
        history: &[],
        doc_flags: &[],
        deprecated_since: "",
        replaced_by: "",
        args: &[],
        handler: unknown_subcommand,
        subcommands,
        key_specs: &[],
        key_flags: &[],
        tips: &[],
        get_keys: None,
    }
}

fn unknown_subcommand(ctx: &mut Ctx, argv: &[&[u8]]) {
    let sub = String::from_utf8_lossy(argv.get(1).copied().unwrap_or_default());
    let name = String::from_utf8_lossy(argv[0]).to_uppercase();
    ctx.reply().error(&format!("ERR unknown subcommand '{:.128}'. Try {} HELP.", sub, name));
}

/// A command's runtime statistics (INFO commandstats).
#[derive(Debug, Default, Clone)]
pub struct CmdStats {
    pub calls: u64,
    pub usec: u64,
    pub rejected_calls: u64,
    pub failed_calls: u64,
}

/// Index of a command (or subcommand) in [`CommandTable::entries`].
pub type CmdId = usize;

pub struct Entry {
    pub spec: &'static Command,
    /// `get`, or `config|get` for subcommands.
    pub fullname: String,
    pub parent: Option<CmdId>,
    pub subs: HashMap<&'static [u8], CmdId>,
    pub stats: CmdStats,
    /// Latency distribution (INFO latencystats), in nanoseconds.
    pub latency: crate::server::histogram::Histogram,
}

/// The runtime command table: every command and subcommand, looked up by
/// lower-cased name.
pub struct CommandTable {
    pub entries: Vec<Entry>,
    by_name: HashMap<&'static [u8], CmdId>,
}

/// Every family's declarations.
fn families() -> Vec<&'static [Command]> {
    vec![
        string::COMMANDS,
        bitmap::COMMANDS,
        keys::COMMANDS,
        connection::COMMANDS,
        server::COMMANDS,
        introspection::COMMANDS,
        scripting::COMMANDS,
        list::COMMANDS,
        hash::COMMANDS,
        set::COMMANDS,
        zset::COMMANDS,
        memory::COMMANDS,
        sort::COMMANDS,
        pubsub::COMMANDS,
        persistence::COMMANDS,
        transaction::COMMANDS,
    ]
}

impl CommandTable {
    pub fn new() -> Self {
        let mut t = CommandTable { entries: Vec::new(), by_name: HashMap::new() };
        for fam in families() {
            for c in fam {
                let id = t.entries.len();
                t.entries.push(Entry {
                    spec: c,
                    fullname: c.name.to_string(),
                    parent: None,
                    subs: HashMap::new(),
                    stats: CmdStats::default(),
                    latency: Default::default(),
                });
                assert!(t.by_name.insert(c.name.as_bytes(), id).is_none(), "duplicate command {}", c.name);
                for s in c.subcommands {
                    let sid = t.entries.len();
                    t.entries.push(Entry {
                        spec: s,
                        fullname: format!("{}|{}", c.name, s.name),
                        parent: Some(id),
                        subs: HashMap::new(),
                        stats: CmdStats::default(),
                        latency: Default::default(),
                    });
                    t.entries[id].subs.insert(s.name.as_bytes(), sid);
                }
            }
        }
        t
    }

    /// Looks a top-level command up by name, case-insensitively.
    pub fn lookup(&self, name: &[u8]) -> Option<CmdId> {
        let mut buf = [0u8; 32];
        let lower = lower_into(name, &mut buf)?;
        self.by_name.get(lower).copied()
    }

    pub fn lookup_sub(&self, parent: CmdId, name: &[u8]) -> Option<CmdId> {
        let mut buf = [0u8; 32];
        let lower = lower_into(name, &mut buf)?;
        self.entries[parent].subs.get(lower).copied()
    }

    /// Resolves `argv` to a command or subcommand, or the error Redis replies.
    pub fn resolve(&self, argv: &[&[u8]]) -> Result<CmdId, String> {
        let Some(id) = self.lookup(argv[0]) else {
            return Err(unknown_command_error(argv));
        };
        let e = &self.entries[id];
        if e.subs.is_empty() {
            return Ok(id);
        }
        if argv.len() < 2 && e.spec.arity == -1 {
            return Ok(id);
        }
        if argv.len() < 2 {
            return Err(format!("ERR wrong number of arguments for '{}' command", e.fullname));
        }
        match self.lookup_sub(id, argv[1]) {
            Some(sid) => Ok(sid),
            None => Err(format!(
                "ERR unknown subcommand '{:.128}'. Try {} HELP.",
                String::from_utf8_lossy(argv[1]),
                e.fullname.to_uppercase()
            )),
        }
    }

    /// Top-level commands (for COMMAND, COMMAND COUNT, COMMAND LIST).
    pub fn top_level(&self) -> impl Iterator<Item = (CmdId, &Entry)> {
        self.entries.iter().enumerate().filter(|(_, e)| e.parent.is_none())
    }

    /// The key positions in `argv` (the whole call, name included) for
    /// command `id`: what COMMAND GETKEYS reports and what blocked clients,
    /// WATCH and the like are told about.
    pub fn key_positions(&self, id: CmdId, argv: &[&[u8]]) -> Vec<usize> {
        self.keys_with_flags(id, argv).into_iter().map(|(p, _)| p).collect()
    }

    /// The keys of `argv` for command `id` with their access flags (COMMAND
    /// GETKEYSANDFLAGS): the command's own key finder if it has one,
    /// otherwise its `first`/`last`/`step` range.
    pub fn keys_with_flags(&self, id: CmdId, argv: &[&[u8]]) -> Vec<(usize, KeyFlags)> {
        let spec = self.entries[id].spec;
        if let Some(find) = spec.get_keys {
            return find(argv);
        }
        if !spec.key_specs.is_empty() {
            return keys_from_specs(spec.key_specs, argv);
        }
        let k = spec.keys;
        if k.first <= 0 {
            return Vec::new();
        }
        let flags = spec.derived_key_flags();
        let argc = argv.len();
        let last = if k.last < 0 { argc as i32 + k.last } else { k.last };
        let mut out = Vec::new();
        let mut i = k.first;
        while i <= last && (i as usize) < argc {
            out.push((i as usize, flags));
            i += k.step.max(1);
        }
        out
    }
}

/// The keys that `specs` find in `argv` (`unknown` specs find none, and
/// channels, `not_key` specs, are not keys); none at all when a count is not
/// a number or names more keys than there are arguments (COMMAND GETKEYS then
/// reports invalid arguments).
fn keys_from_specs(specs: &[KeySpec], argv: &[&[u8]]) -> Vec<(usize, KeyFlags)> {
    let mut out = Vec::new();
    let argc = argv.len() as i32;
    let push_range = |out: &mut Vec<(usize, KeyFlags)>, first: i32, last: i32, step: i32, flags: KeyFlags| {
        let last = if last < 0 { argc + last } else { last };
        let mut i = first;
        while i <= last && i < argc {
            out.push((i as usize, flags));
            i += step.max(1);
        }
    };
    for ks in specs {
        if ks.flags.contains(&"not_key") {
            continue;
        }
        match ks.find {
            Find::Range(k) => push_range(&mut out, k.first, k.last, k.step, ks.flags),
            Find::Keyword { keyword, startfrom, lastkey, step } => {
                // As Redis scans: up to, not including, the last argument
                // (forwards) or the first one (backwards).
                let found = if startfrom > 0 {
                    (startfrom..argc - 1).find(|&i| args::is(argv[i as usize], keyword))
                } else {
                    (2..=argc + startfrom).rev().find(|&i| args::is(argv[i as usize], keyword))
                };
                if let Some(kw) = found {
                    let last = if lastkey < 0 { lastkey } else { kw + 1 + lastkey };
                    push_range(&mut out, kw + 1, last, step, ks.flags);
                }
            }
            Find::Keynum { index, keynumidx, firstkey, step } => {
                let Some(Ok(n)) = argv.get((index + keynumidx) as usize).map(|a| args::int(a)) else {
                    return Vec::new();
                };
                let first = (index + firstkey) as usize;
                let step = step.max(1) as usize;
                let Some(end) = usize::try_from(n).ok().and_then(|n| n.checked_mul(step)).map(|n| first + n) else {
                    return Vec::new();
                };
                if n < 1 || end > argv.len() {
                    return Vec::new();
                }
                out.extend((first..end).step_by(step).map(|p| (p, ks.flags)));
            }
            Find::Unknown => {}
        }
    }
    out
}

impl Default for CommandTable {
    fn default() -> Self {
        Self::new()
    }
}

/// `ERR unknown command 'x', with args beginning with: 'a' 'b' `, as Redis
/// builds it (at most 128 characters of arguments).
pub fn unknown_command_error(argv: &[&[u8]]) -> String {
    let mut args = String::new();
    for a in &argv[1..] {
        if args.len() >= 128 {
            break;
        }
        let room = 128 - args.len();
        let s = String::from_utf8_lossy(a);
        let s: String = s.chars().take(room).collect();
        args.push_str(&format!("'{}' ", s));
    }
    let name = String::from_utf8_lossy(argv[0]);
    let name: String = name.chars().take(128).collect();
    format!("ERR unknown command '{}', with args beginning with: {}", name, args)
}

/// ACL categories of a command: its declared ones plus those its flags imply.
pub fn acl_categories(c: &Command) -> Vec<&'static str> {
    let mut v: Vec<&'static str> = Vec::new();
    if c.flags & WRITE != 0 {
        v.push("write");
    }
    if c.flags & READONLY != 0 && !c.acl.contains(&"scripting") {
        v.push("read");
    }
    for a in c.acl {
        if !v.contains(a) {
            v.push(a);
        }
    }
    if c.flags & ADMIN != 0 {
        v.push("admin");
        v.push("dangerous");
    }
    if c.flags & PUBSUB != 0 && !v.contains(&"pubsub") {
        v.push("pubsub");
    }
    if c.flags & FAST != 0 {
        v.push("fast");
    }
    if c.flags & BLOCKING != 0 {
        v.push("blocking");
    }
    if c.flags & FAST == 0 {
        v.push("slow");
    }
    // COMMAND INFO lists them in the order of Redis's category table.
    v.sort_by_key(|cat| ACL_CATEGORY_ORDER.iter().position(|x| x == cat).unwrap_or(usize::MAX));
    v
}

/// Redis's ACL categories in the order `COMMAND INFO` and `ACL CAT` list them.
pub const ACL_CATEGORY_ORDER: &[&str] = &[
    "keyspace",
    "read",
    "write",
    "set",
    "sortedset",
    "list",
    "hash",
    "string",
    "bitmap",
    "hyperloglog",
    "geo",
    "stream",
    "pubsub",
    "admin",
    "fast",
    "slow",
    "blocking",
    "dangerous",
    "connection",
    "transaction",
    "scripting",
];

/// Shared argument parsing helpers: every handler uses these, so each error
/// text is produced in one place.
pub mod args {
    use super::errors;
    use crate::util::{parse_f64, parse_i64_strict};

    /// An integer argument (`ERR value is not an integer or out of range`).
    pub fn int(b: &[u8]) -> Result<i64, &'static str> {
        parse_i64_strict(b).ok_or(errors::NOT_INTEGER)
    }

    /// A float argument (`ERR value is not a valid float`).
    pub fn float(b: &[u8]) -> Result<f64, &'static str> {
        parse_f64(b).ok_or(errors::NOT_FLOAT)
    }

    /// Case-insensitive keyword comparison.
    #[inline]
    pub fn is(arg: &[u8], kw: &str) -> bool {
        arg.eq_ignore_ascii_case(kw.as_bytes())
    }

    /// A UTF-8 view of an argument for messages.
    pub fn lossy(b: &[u8]) -> std::borrow::Cow<'_, str> {
        String::from_utf8_lossy(b)
    }
}
