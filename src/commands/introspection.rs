//! Introspection: COMMAND, CONFIG, INFO, SLOWLOG, MONITOR.

use std::fmt::Write as _;

use super::args::{self, is};
use super::docs::{block, integer, oneof, pattern, string, Arg};
use super::{cmd, container, docs, Command, Ctx, Find, ADMIN, LOADING, NOSCRIPT, NO_KEYS, STALE};
use super::{ALL_NODES_ALL_SUCCEEDED, ALL_SHARDS_SPECIAL_REPORT, UNORDERED};
use crate::config::{Config, LoadReport, D, REDIS_VERSION, TABLE};
use crate::errors;
use crate::util::glob_match;

const G: &str = "server";
const CN: &[&str] = &["connection"];
const NONE: &[&str] = &[];

#[rustfmt::skip]
pub static COMMANDS: &[Command] = &[
    Command {
        arity: -1,
        flags: LOADING | STALE,
        handler: command_all,
        acl: CN,
        tips: UNORDERED,
        complexity: "O(N) where N is the total number of Redis commands",
        ..container("command", G, "Get array of Redis command details", "2.8.13", COMMAND_SUBCOMMANDS)
    },
    Command { complexity: "Depends on subcommand.", ..container("config", G, "A container for server configuration commands", "2.0.0", CONFIG_SUBCOMMANDS) },
    Command { tips: ALL_SHARDS_SPECIAL_REPORT, complexity: "O(1)", history: &[("7.0.0", "Added support for taking multiple section arguments.")], args: &[string("section").optional().multiple()], ..cmd("info", -1, LOADING | STALE, NO_KEYS, &["dangerous"], G, "Get information and statistics about the server", "1.0.0", info) },
    Command { complexity: "Depends on subcommand.", ..container("slowlog", G, "A container for slow log commands", "2.2.12", SLOWLOG_SUBCOMMANDS) },
    cmd("monitor", 1, ADMIN | NOSCRIPT | LOADING | STALE, NO_KEYS, NONE, G, "Listen for all requests received by the server in real time", "1.0.0", monitor),
];

#[rustfmt::skip]
static COMMAND_SUBCOMMANDS: &[Command] = &[
    Command { complexity: "O(1)", ..cmd("count", 2, LOADING | STALE, NO_KEYS, CN, G, "Get total number of Redis commands", "2.8.13", command_count) },
    Command { tips: UNORDERED, complexity: "O(N) where N is the number of commands to look up", history: COMMAND_INFO_HISTORY, args: &[string("command-name").optional().multiple()], ..cmd("info", -2, LOADING | STALE, NO_KEYS, CN, G, "Get array of specific Redis command details, or all when no argument is given.", "2.8.13", command_info) },
    Command { tips: UNORDERED, complexity: "O(N) where N is the total number of Redis commands", args: COMMAND_LIST_ARGS, ..cmd("list", -2, LOADING | STALE, NO_KEYS, CN, G, "Get an array of Redis command names", "7.0.0", command_list) },
    Command { tips: UNORDERED, complexity: "O(N) where N is the number of commands to look up", args: &[string("command-name").optional().multiple()], ..cmd("docs", -2, LOADING | STALE, NO_KEYS, CN, G, "Get array of specific Redis command documentation", "7.0.0", command_docs) },
    Command { complexity: "O(N) where N is the number of arguments to the command", ..cmd("getkeys", -4, LOADING | STALE, NO_KEYS, CN, G, "Extract keys given a full Redis command", "2.8.13", command_getkeys) },
    Command { complexity: "O(N) where N is the number of arguments to the command", ..cmd("getkeysandflags", -4, LOADING | STALE, NO_KEYS, CN, G, "Extract keys and access flags given a full Redis command", "7.0.0", command_getkeysandflags) },
    Command { complexity: "O(1)", ..cmd("help", 2, LOADING | STALE, NO_KEYS, CN, G, "Show helpful text about the different subcommands", "5.0.0", command_help) },
];

#[rustfmt::skip]
static CONFIG_SUBCOMMANDS: &[Command] = &[
    Command { complexity: "O(N) when N is the number of configuration parameters provided", history: CONFIG_GET_HISTORY, args: &[block("parameter", &[string("parameter")]).multiple()], ..cmd("get", -3, ADMIN | NOSCRIPT | LOADING | STALE, NO_KEYS, NONE, G, "Get the values of configuration parameters", "2.0.0", config_get) },
    Command { tips: ALL_NODES_ALL_SUCCEEDED, complexity: "O(N) when N is the number of configuration parameters provided", history: CONFIG_SET_HISTORY, args: CONFIG_SET_ARGS, ..cmd("set", -4, ADMIN | NOSCRIPT | LOADING | STALE, NO_KEYS, NONE, G, "Set configuration parameters to the given values", "2.0.0", config_set) },
    Command { complexity: "O(1)", ..cmd("resetstat", 2, ADMIN | NOSCRIPT | LOADING | STALE, NO_KEYS, NONE, G, "Reset the stats returned by INFO", "2.0.0", config_resetstat) },
    Command { complexity: "O(1)", ..cmd("rewrite", 2, ADMIN | NOSCRIPT | LOADING | STALE, NO_KEYS, NONE, G, "Rewrite the configuration file with the in memory configuration", "2.8.0", config_rewrite) },
    Command { complexity: "O(1)", ..cmd("help", 2, LOADING | STALE, NO_KEYS, NONE, G, "Show helpful text about the different subcommands", "5.0.0", config_help) },
];

#[rustfmt::skip]
static SLOWLOG_SUBCOMMANDS: &[Command] = &[
    Command { tips: &["request_policy:all_nodes", "nondeterministic_output"], complexity: "O(N) where N is the number of entries returned", history: &[("4.0.0", "Added client IP address, port and name to the reply.")], args: &[integer("count").optional()], ..cmd("get", -2, ADMIN | LOADING | STALE, NO_KEYS, NONE, G, "Get the slow log's entries", "2.2.12", slowlog_get) },
    Command { tips: &["request_policy:all_nodes", "response_policy:agg_sum", "nondeterministic_output"], complexity: "O(1)", ..cmd("len", 2, ADMIN | LOADING | STALE, NO_KEYS, NONE, G, "Get the slow log's length", "2.2.12", slowlog_len) },
    Command { tips: ALL_NODES_ALL_SUCCEEDED, complexity: "O(N) where N is the number of entries in the slowlog", ..cmd("reset", 2, ADMIN | LOADING | STALE, NO_KEYS, NONE, G, "Clear all entries from the slow log", "2.2.12", slowlog_reset) },
    Command { complexity: "O(1)", ..cmd("help", 2, LOADING | STALE, NO_KEYS, NONE, G, "Show helpful text about the different subcommands", "6.2.0", slowlog_help) },
];

// `COMMAND DOCS` arguments and history of the commands above (Redis 7.0).

static COMMAND_INFO_HISTORY: &[(&str, &str)] =
    &[("7.0.0", "Allowed to be called with no argument to get info on all commands.")];

static COMMAND_LIST_ARGS: &[Arg] = &[oneof(
    "filterby",
    &[string("module-name").token("MODULE"), string("category").token("ACLCAT"), pattern("pattern").token("PATTERN")],
)
.token("FILTERBY")
.optional()];

static CONFIG_GET_HISTORY: &[(&str, &str)] =
    &[("7.0.0", "Added the ability to pass multiple pattern parameters in one call")];

static CONFIG_SET_HISTORY: &[(&str, &str)] = &[("7.0.0", "Added the ability to set multiple parameters in one call.")];

static CONFIG_SET_ARGS: &[Arg] = &[block("parameter_value", &[string("parameter"), string("value")]).multiple()];

/// The reply of every `XXX HELP` subcommand: a header line, the lines, and the
/// standard HELP entry, as Redis's `addReplyHelp` writes them.
pub fn help_reply(ctx: &mut Ctx, name: &str, lines: &[&str]) {
    let r = ctx.reply();
    r.array_len(lines.len() + 3);
    r.simple(&format!("{} <subcommand> [<arg> [value] [opt] ...]. Subcommands are:", name));
    for l in lines {
        r.simple(l);
    }
    r.simple("HELP");
    r.simple("    Prints this help.");
}

// ---------------------------------------------------------------- COMMAND

/// Writes one command's COMMAND INFO entry (10 fields, Redis 7 layout).
fn write_command_info(ctx: &mut Ctx, id: usize) {
    let table = &ctx.srv.commands;
    let e = &table.entries[id];
    let c = e.spec;
    let r = &mut ctx.client.reply;
    r.array_len(10);
    r.bulk(e.fullname.as_bytes());
    r.int(c.arity as i64);
    let flags: Vec<&str> = super::FLAG_NAMES.iter().filter(|(f, _)| c.flags & f != 0).map(|(_, n)| *n).collect();
    r.set_len(flags.len());
    for f in flags {
        r.simple(f);
    }
    r.int(c.keys.first as i64);
    r.int(c.keys.last as i64);
    r.int(c.keys.step as i64);
    let cats = super::acl_categories(c);
    r.set_len(cats.len());
    for cat in cats {
        r.simple(&format!("@{}", cat));
    }
    r.set_len(c.tips.len());
    for tip in c.tips {
        r.bulk(tip.as_bytes());
    }
    write_key_specs(r, c);
    let subs: Vec<usize> = {
        let mut v: Vec<usize> = e.subs.values().copied().collect();
        v.sort();
        v
    };
    // Redis 7.0 answers an empty set (RESP3 `~0`) for a command without
    // subcommands, an array of entries otherwise.
    if subs.is_empty() {
        ctx.client.reply.set_len(0);
    } else {
        ctx.client.reply.array_len(subs.len());
    }
    for s in subs {
        write_command_info(ctx, s);
    }
}

/// Writes a command's key specs: its declared ones, or one derived from its
/// `first`/`last`/`step` range (none for a command without keys). Redis 7.0
/// answers them as a set (RESP3 `~`).
fn write_key_specs(r: &mut crate::protocol::Reply, c: &Command) {
    let specs = c.effective_key_specs();
    r.set_len(specs.len());
    for spec in &specs {
        r.map_len(if spec.notes.is_empty() { 3 } else { 4 });
        if !spec.notes.is_empty() {
            r.bulk(b"notes");
            r.bulk(spec.notes.as_bytes());
        }
        r.bulk(b"flags");
        r.set_len(spec.flags.len());
        for f in spec.flags {
            r.simple(f);
        }
        match spec.find {
            Find::Unknown => {
                write_search(r, b"begin_search", b"unknown", &[]);
                write_search(r, b"find_keys", b"unknown", &[]);
            }
            Find::Range(k) => {
                write_search(r, b"begin_search", b"index", &[(b"index", k.first)]);
                let lastkey = if k.last < 0 { k.last } else { k.last - k.first };
                let spec: [(&[u8], i32); 3] = [(b"lastkey", lastkey), (b"keystep", k.step), (b"limit", 0)];
                write_search(r, b"find_keys", b"range", &spec);
            }
            Find::Keynum { index, keynumidx, firstkey, step } => {
                write_search(r, b"begin_search", b"index", &[(b"index", index)]);
                let spec: [(&[u8], i32); 3] = [(b"keynumidx", keynumidx), (b"firstkey", firstkey), (b"keystep", step)];
                write_search(r, b"find_keys", b"keynum", &spec);
            }
            Find::Keyword { keyword, startfrom, lastkey, step } => {
                r.bulk(b"begin_search");
                r.map_len(2);
                r.bulk(b"type");
                r.bulk(b"keyword");
                r.bulk(b"spec");
                r.map_len(2);
                r.bulk(b"keyword");
                r.bulk(keyword.as_bytes());
                r.bulk(b"startfrom");
                r.int(startfrom as i64);
                let spec: [(&[u8], i32); 3] = [(b"lastkey", lastkey), (b"keystep", step), (b"limit", 0)];
                write_search(r, b"find_keys", b"range", &spec);
            }
        }
    }
}

/// One `begin_search` / `find_keys` part of a key spec: `{type, spec: {...}}`.
fn write_search(r: &mut crate::protocol::Reply, part: &[u8], kind: &[u8], spec: &[(&[u8], i32)]) {
    r.bulk(part);
    r.map_len(2);
    r.bulk(b"type");
    r.bulk(kind);
    r.bulk(b"spec");
    r.map_len(spec.len());
    for (name, v) in spec {
        r.bulk(name);
        r.int(*v as i64);
    }
}

fn command_all(ctx: &mut Ctx, _argv: &[&[u8]]) {
    let ids: Vec<usize> = ctx.srv.commands.top_level().map(|(id, _)| id).collect();
    ctx.reply().array_len(ids.len());
    for id in ids {
        write_command_info(ctx, id);
    }
}

fn command_count(ctx: &mut Ctx, _argv: &[&[u8]]) {
    let n = ctx.srv.commands.top_level().count();
    ctx.reply().int(n as i64);
}

/// Resolves `name` or `parent|sub` to a command id.
fn find_command(ctx: &Ctx, name: &[u8]) -> Option<usize> {
    let t = &ctx.srv.commands;
    match name.iter().position(|&b| b == b'|') {
        Some(p) => {
            let parent = t.lookup(&name[..p])?;
            t.lookup_sub(parent, &name[p + 1..])
        }
        None => t.lookup(name),
    }
}

fn command_info(ctx: &mut Ctx, argv: &[&[u8]]) {
    if argv.len() == 2 {
        return command_all(ctx, argv);
    }
    ctx.reply().array_len(argv.len() - 2);
    for name in &argv[2..] {
        match find_command(ctx, name) {
            Some(id) => write_command_info(ctx, id),
            None => ctx.reply().null(),
        }
    }
}

fn command_list(ctx: &mut Ctx, argv: &[&[u8]]) {
    let mut filter: Option<(String, Vec<u8>)> = None;
    if argv.len() > 2 {
        if argv.len() != 5 || !is(argv[2], "filterby") {
            return ctx.reply().error(errors::SYNTAX);
        }
        let kind = args::lossy(argv[3]).to_lowercase();
        if !["module", "aclcat", "pattern"].contains(&kind.as_str()) {
            return ctx.reply().error(errors::SYNTAX);
        }
        filter = Some((kind, argv[4].to_vec()));
    }
    let mut names: Vec<String> = Vec::new();
    for e in ctx.srv.commands.entries.iter() {
        let keep = match &filter {
            None => true,
            Some((k, v)) if k == "pattern" => glob_match(v, e.fullname.as_bytes(), true),
            Some((k, v)) if k == "aclcat" => {
                let cat = String::from_utf8_lossy(v).to_lowercase();
                super::acl_categories(e.spec).contains(&cat.as_str())
            }
            Some(_) => false,
        };
        if keep {
            names.push(e.fullname.clone());
        }
    }
    let r = ctx.reply();
    r.array_len(names.len());
    for n in names {
        r.bulk(n.as_bytes());
    }
}

fn command_docs(ctx: &mut Ctx, argv: &[&[u8]]) {
    let ids: Vec<usize> = if argv.len() == 2 {
        ctx.srv.commands.top_level().map(|(id, _)| id).collect()
    } else {
        argv[2..].iter().filter_map(|n| find_command(ctx, n)).collect()
    };
    ctx.reply().map_len(ids.len());
    for id in ids {
        write_docs(ctx, id);
    }
}

/// Writes one command's COMMAND DOCS entry: its name, then a map of summary,
/// since, group, complexity, doc flags, deprecation, history, arguments and
/// subcommands (each only when it has something to say), as Redis 7.0 does.
fn write_docs(ctx: &mut Ctx, id: usize) {
    let e = &ctx.srv.commands.entries[id];
    let c = e.spec;
    let subs: Vec<usize> = {
        let mut v: Vec<usize> = e.subs.values().copied().collect();
        v.sort();
        v
    };
    let name = e.fullname.clone();
    let r = &mut ctx.client.reply;
    r.bulk(name.as_bytes());
    let optional = [
        !c.complexity.is_empty(),
        !c.doc_flags.is_empty(),
        !c.deprecated_since.is_empty(),
        !c.replaced_by.is_empty(),
        !c.history.is_empty(),
        !c.args.is_empty(),
        !subs.is_empty(),
    ];
    r.map_len(3 + optional.iter().filter(|&&x| x).count());
    r.bulk(b"summary");
    r.bulk(c.summary.as_bytes());
    r.bulk(b"since");
    r.bulk(c.since.as_bytes());
    r.bulk(b"group");
    r.bulk(c.group.as_bytes());
    if !c.complexity.is_empty() {
        r.bulk(b"complexity");
        r.bulk(c.complexity.as_bytes());
    }
    if !c.doc_flags.is_empty() {
        r.bulk(b"doc_flags");
        r.set_len(c.doc_flags.len());
        for f in c.doc_flags {
            r.simple(f);
        }
    }
    if !c.deprecated_since.is_empty() {
        r.bulk(b"deprecated_since");
        r.bulk(c.deprecated_since.as_bytes());
    }
    if !c.replaced_by.is_empty() {
        r.bulk(b"replaced_by");
        r.bulk(c.replaced_by.as_bytes());
    }
    if !c.history.is_empty() {
        // A set in RESP3, as Redis 7.0 sends it.
        r.bulk(b"history");
        r.set_len(c.history.len());
        for (version, change) in c.history {
            r.array_len(2);
            r.bulk(version.as_bytes());
            r.bulk(change.as_bytes());
        }
    }
    if !c.args.is_empty() {
        r.bulk(b"arguments");
        write_doc_args(r, c.args);
    }
    if !subs.is_empty() {
        r.bulk(b"subcommands");
        r.map_len(subs.len());
        for s in subs {
            write_docs(ctx, s);
        }
    }
}

/// Writes `COMMAND DOCS` arguments: one map per argument (name, type, then
/// key spec index, token, since, deprecated_since, flags and nested
/// arguments when present).
fn write_doc_args(r: &mut crate::protocol::Reply, args: &[docs::Arg]) {
    r.array_len(args.len());
    for a in args {
        let children = a.kind.children();
        let flags: Vec<&str> = docs::ARG_FLAG_NAMES.iter().filter(|(f, _)| a.flags & f != 0).map(|(_, n)| *n).collect();
        let optional = [
            a.key_spec_index >= 0,
            a.token.is_some(),
            !a.since.is_empty(),
            !a.deprecated_since.is_empty(),
            !flags.is_empty(),
            !children.is_empty(),
        ];
        r.map_len(2 + optional.iter().filter(|&&x| x).count());
        r.bulk(b"name");
        r.bulk(a.name.as_bytes());
        r.bulk(b"type");
        r.bulk(a.kind.name().as_bytes());
        if a.key_spec_index >= 0 {
            r.bulk(b"key_spec_index");
            r.int(a.key_spec_index as i64);
        }
        if let Some(token) = a.token {
            r.bulk(b"token");
            r.bulk(token.as_bytes());
        }
        if !a.since.is_empty() {
            r.bulk(b"since");
            r.bulk(a.since.as_bytes());
        }
        if !a.deprecated_since.is_empty() {
            r.bulk(b"deprecated_since");
            r.bulk(a.deprecated_since.as_bytes());
        }
        if !flags.is_empty() {
            r.bulk(b"flags");
            r.set_len(flags.len());
            for f in flags {
                r.simple(f);
            }
        }
        if !children.is_empty() {
            r.bulk(b"arguments");
            write_doc_args(r, children);
        }
    }
}

fn getkeys_common(ctx: &mut Ctx, argv: &[&[u8]], with_flags: bool) {
    let target = &argv[2..];
    let id = match ctx.srv.commands.resolve(target) {
        Ok(id) => id,
        Err(_) => return ctx.reply().error("ERR Invalid command specified"),
    };
    let spec = ctx.srv.commands.entries[id].spec;
    // Redis's order of checks: a command without keys, then the arity.
    if !spec.has_keys() {
        return ctx.reply().error("ERR The command has no key arguments");
    }
    let argc = target.len() as i32;
    if (spec.arity > 0 && argc != spec.arity) || argc < -spec.arity {
        return ctx.reply().error("ERR Invalid number of arguments specified for command");
    }
    let keys = ctx.srv.commands.keys_with_flags(id, target);
    if keys.is_empty() {
        if spec.flags & super::NO_MANDATORY_KEYS != 0 {
            return ctx.reply().array_len(0);
        }
        return ctx.reply().error("ERR Invalid arguments specified for command");
    }
    let r = ctx.reply();
    r.array_len(keys.len());
    for (p, flags) in keys {
        if with_flags {
            r.array_len(2);
            r.bulk(target[p]);
            r.set_len(flags.len());
            for x in flags {
                r.simple(x);
            }
        } else {
            r.bulk(target[p]);
        }
    }
}

fn command_getkeys(ctx: &mut Ctx, argv: &[&[u8]]) {
    getkeys_common(ctx, argv, false);
}

fn command_getkeysandflags(ctx: &mut Ctx, argv: &[&[u8]]) {
    getkeys_common(ctx, argv, true);
}

fn command_help(ctx: &mut Ctx, _argv: &[&[u8]]) {
    help_reply(
        ctx,
        "COMMAND",
        &[
            "(no subcommand)",
            "    Return details about all Redis commands.",
            "COUNT",
            "    Return the total number of commands in this Redis server.",
            "LIST",
            "    Return a list of all commands in this Redis server.",
            "INFO [<command-name> ...]",
            "    Return details about multiple Redis commands.",
            "    If no command names are given, documentation details for all",
            "    commands are returned.",
            "DOCS [<command-name> ...]",
            "    Return documentation details about multiple Redis commands.",
            "    If no command names are given, documentation details for all",
            "    commands are returned.",
            "GETKEYS <full-command>",
            "    Return the keys from a full Redis command.",
            "GETKEYSANDFLAGS <full-command>",
            "    Return the keys and the access flags from a full Redis command.",
        ],
    );
}

// ---------------------------------------------------------------- CONFIG

fn config_get(ctx: &mut Ctx, argv: &[&[u8]]) {
    let pairs = ctx.srv.config.get_matching(&argv[2..]);
    let r = ctx.reply();
    r.map_len(pairs.len());
    for (k, v) in pairs {
        r.bulk(k.as_bytes());
        r.bulk(v.as_bytes());
    }
}

fn config_set(ctx: &mut Ctx, argv: &[&[u8]]) {
    if !argv.len().is_multiple_of(2) {
        return ctx.reply().error(errors::SYNTAX);
    }
    // Validate everything first: CONFIG SET of several pairs is all or nothing.
    let mut staged = ctx.srv.config.clone();
    let mut seen = Vec::new();
    let mut report = LoadReport::default();
    for pair in argv[2..].chunks(2) {
        let name = args::lossy(pair[0]).to_lowercase();
        let Some(idx) = staged.index_of(&name) else {
            return ctx
                .reply()
                .error(&format!("ERR Unknown option or number of arguments for CONFIG SET - '{}'", name));
        };
        if seen.contains(&idx) {
            return ctx.reply().error(&format!(
                "ERR CONFIG SET failed (possibly related to argument '{}') - duplicate parameter",
                name
            ));
        }
        seen.push(idx);
        let d = &TABLE[idx];
        if d.flags & crate::config::IMMUTABLE != 0 {
            return ctx.reply().error(&format!(
                "ERR CONFIG SET failed (possibly related to argument '{}') - can't set immutable config",
                name
            ));
        }
        if d.flags & crate::config::PROTECTED != 0 && staged.str(D::EnableProtectedConfigs) == "no" {
            return ctx.reply().error(&format!(
                "ERR CONFIG SET failed (possibly related to argument '{}') - can't set protected config",
                name
            ));
        }
        let value = String::from_utf8_lossy(pair[1]).into_owned();
        let words: Vec<String> = match d.kind {
            crate::config::Kind::List => {
                let w: Vec<String> = value.split_whitespace().map(String::from).collect();
                if w.is_empty() {
                    vec![String::new()]
                } else {
                    w
                }
            }
            _ => vec![value],
        };
        if let Err(e) = staged.set_words(idx, &words, &mut report) {
            return ctx
                .reply()
                .error(&format!("ERR CONFIG SET failed (possibly related to argument '{}') - {}", name, e));
        }
    }
    if let Err(e) = apply_config_change(ctx, staged) {
        return ctx.reply().error(&e);
    }
    ctx.reply().ok();
}

/// Applies side effects of a configuration change (listeners, log level,
/// dir...). If the listeners cannot be re-bound, the old configuration stays.
fn apply_config_change(ctx: &mut Ctx, new: Config) -> Result<(), String> {
    let old = std::mem::replace(&mut ctx.srv.config, new);
    let port_changed = old.int(D::Port) != ctx.srv.config.int(D::Port);
    let bind_changed = old.str(D::Bind) != ctx.srv.config.str(D::Bind);
    if (port_changed || bind_changed) && ctx.srv.rebind().is_err() {
        ctx.srv.config = old;
        let _ = ctx.srv.rebind();
        return Err(if port_changed {
            "ERR CONFIG SET failed (possibly related to argument 'port') - Unable to listen on this port".into()
        } else {
            "ERR CONFIG SET failed (possibly related to argument 'bind') - Failed to bind to specified addresses."
                .into()
        });
    }
    ctx.srv.config_changed();
    let cfg = &ctx.srv.config;
    if old.str(D::Loglevel) != cfg.str(D::Loglevel) {
        crate::server::log::set_level(cfg.str(D::Loglevel));
    }
    if old.str(D::Dir) != cfg.str(D::Dir) {
        let dir = cfg.str(D::Dir).to_string();
        if std::env::set_current_dir(&dir).is_ok() {
            if let Ok(cwd) = std::env::current_dir() {
                let mut r = LoadReport::default();
                let _ = ctx.srv.config.set_words(D::Dir as usize, &[cwd.display().to_string()], &mut r);
            }
        }
    }
    Ok(())
}

fn config_resetstat(ctx: &mut Ctx, _argv: &[&[u8]]) {
    reset_stats(ctx);
    ctx.reply().ok();
}

/// CONFIG RESETSTAT: zero every counter INFO reports.
pub fn reset_stats(ctx: &mut Ctx) {
    let srv = &mut *ctx.srv;
    srv.stats = Default::default();
    srv.ks.stats = Default::default();
    for e in srv.commands.entries.iter_mut() {
        e.stats = Default::default();
        e.latency = Default::default();
    }
    srv.slowlog.clear();
    srv.reset_memory_stats();
}

fn config_rewrite(ctx: &mut Ctx, _argv: &[&[u8]]) {
    let Some(path) = ctx.srv.config.file.clone() else {
        return ctx.reply().error("ERR The server is running without a config file");
    };
    let old = std::fs::read_to_string(&path).unwrap_or_default();
    let text = ctx.srv.config.rewrite_text(&old);
    let tmp = path.with_extension("tmp-rewrite");
    let res = std::fs::write(&tmp, text).and_then(|_| std::fs::rename(&tmp, &path));
    match res {
        Ok(()) => {
            tracing::info!("CONFIG REWRITE executed with success.");
            ctx.reply().ok()
        }
        Err(e) => ctx.reply().error(&format!("ERR Rewriting config file: {}", e)),
    }
}

fn config_help(ctx: &mut Ctx, _argv: &[&[u8]]) {
    help_reply(
        ctx,
        "CONFIG",
        &[
            "GET <pattern>",
            "    Return parameters matching the glob-like <pattern> and their values.",
            "SET <directive> <value>",
            "    Set the configuration <directive> to <value>.",
            "RESETSTAT",
            "    Reset statistics reported by the INFO command.",
            "REWRITE",
            "    Rewrite the configuration file.",
        ],
    );
}

// ---------------------------------------------------------------- SLOWLOG

fn slowlog_get(ctx: &mut Ctx, argv: &[&[u8]]) {
    let mut count = 10usize;
    if argv.len() == 3 {
        match args::int(argv[2]) {
            Ok(-1) => count = usize::MAX,
            Ok(n) if n >= 0 => count = n as usize,
            _ => return ctx.reply().error("ERR count should be greater than or equal to -1"),
        }
    } else if argv.len() > 3 {
        return ctx.reply().error(&errors::arity("slowlog|get"));
    }
    let entries: Vec<_> = ctx.srv.slowlog.iter().take(count).cloned().collect();
    let r = ctx.reply();
    r.array_len(entries.len());
    for e in entries {
        r.array_len(6);
        r.int(e.id as i64);
        r.int(e.time);
        r.int(e.duration_us as i64);
        r.array_len(e.argv.len());
        for a in &e.argv {
            r.bulk(a);
        }
        r.bulk(e.addr.as_bytes());
        r.bulk(&e.name);
    }
}

fn slowlog_len(ctx: &mut Ctx, _argv: &[&[u8]]) {
    let n = ctx.srv.slowlog.len();
    ctx.reply().int(n as i64);
}

fn slowlog_reset(ctx: &mut Ctx, _argv: &[&[u8]]) {
    ctx.srv.slowlog.clear();
    ctx.reply().ok();
}

fn slowlog_help(ctx: &mut Ctx, _argv: &[&[u8]]) {
    help_reply(
        ctx,
        "SLOWLOG",
        &[
            "GET [<count>]",
            "    Return top <count> entries from the slowlog (default: 10, -1 mean all).",
            "    Entries are made of:",
            "    id, timestamp, time in microseconds, arguments array, client IP and port,",
            "    client name",
            "LEN",
            "    Return the length of the slowlog.",
            "RESET",
            "    Reset the slowlog.",
        ],
    );
}

fn monitor(ctx: &mut Ctx, _argv: &[&[u8]]) {
    // Inside EXEC the client expects one reply per command.
    if ctx.client.tx.executing {
        return ctx.reply().error(errors::MONITOR_DENY_BLOCKING);
    }
    if ctx.client.monitor {
        return;
    }
    ctx.client.monitor = true;
    let t = ctx.client.token;
    ctx.srv.monitors.push(t);
    ctx.reply().ok();
}

// ---------------------------------------------------------------- INFO

/// Resident set size in bytes, from /proc.
pub fn rss_bytes() -> u64 {
    crate::alloc::rss_bytes()
}

fn cpu_times() -> (f64, f64) {
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: getrusage fills the struct we own.
    unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut ru) };
    let t = |tv: libc::timeval| tv.tv_sec as f64 + tv.tv_usec as f64 / 1e6;
    (t(ru.ru_stime), t(ru.ru_utime))
}

const DEFAULT_SECTIONS: &[&str] = &[
    "server",
    "clients",
    "memory",
    "persistence",
    "stats",
    "replication",
    "cpu",
    "modules",
    "errorstats",
    "cluster",
    "keyspace",
];
const ALL_SECTIONS: &[&str] = &[
    "server",
    "clients",
    "memory",
    "persistence",
    "stats",
    "replication",
    "cpu",
    "modules",
    "commandstats",
    "errorstats",
    "cluster",
    "keyspace",
    "latencystats",
];

fn info(ctx: &mut Ctx, argv: &[&[u8]]) {
    let mut wanted: Vec<&str> = Vec::new();
    if argv.len() == 1 {
        wanted.extend(DEFAULT_SECTIONS);
    }
    for a in &argv[1..] {
        let s = String::from_utf8_lossy(a).to_lowercase();
        match s.as_str() {
            "all" => wanted.extend(ALL_SECTIONS.iter().filter(|s| **s != "modules")),
            "everything" => wanted.extend(ALL_SECTIONS),
            "default" => wanted.extend(DEFAULT_SECTIONS),
            other => {
                if let Some(x) = ALL_SECTIONS.iter().find(|x| **x == other) {
                    wanted.push(x);
                }
            }
        }
    }
    let text = info_text(ctx, &wanted);
    ctx.reply().verbatim(text.as_bytes());
}

/// Builds INFO text for the given sections (in Redis's order).
pub fn info_text(ctx: &Ctx, wanted: &[&str]) -> String {
    let srv = &*ctx.srv;
    let mut out = String::new();
    let now = srv.ks.now_ms;
    for section in ALL_SECTIONS {
        if !wanted.contains(section) {
            continue;
        }
        if !out.is_empty() {
            out.push_str("\r\n");
        }
        let mut s = String::new();
        match *section {
            "server" => {
                let uptime = srv.uptime_secs();
                let _ = write!(
                    s,
                    "# Server\r\nredis_version:{REDIS_VERSION}\r\nredis_git_sha1:00000000\r\nredis_git_dirty:0\r\nredis_build_id:0\r\nredis_mode:standalone\r\nos:{} {}\r\narch_bits:64\r\nmonotonic_clock:POSIX clock_gettime\r\nmultiplexing_api:epoll\r\natomicvar_api:c11-builtin\r\ngcc_version:0.0.0\r\nprocess_id:{}\r\nprocess_supervised:no\r\nrun_id:{}\r\ntcp_port:{}\r\nserver_time_usec:{}\r\nuptime_in_seconds:{}\r\nuptime_in_days:{}\r\nhz:{}\r\nconfigured_hz:{}\r\nlru_clock:{}\r\nexecutable:{}\r\nconfig_file:{}\r\nio_threads_active:0\r\noxidis_version:{}\r\n",
                    std::env::consts::OS,
                    std::env::consts::ARCH,
                    std::process::id(),
                    srv.run_id,
                    srv.tcp_port,
                    crate::util::unix_us(),
                    uptime,
                    uptime / 86400,
                    srv.config.int(D::Hz),
                    srv.config.int(D::Hz),
                    crate::store::value::lru_clock(now),
                    srv.executable,
                    srv.config.file.as_ref().map(|p| p.display().to_string()).unwrap_or_default(),
                    env!("CARGO_PKG_VERSION"),
                );
            }
            "clients" => {
                let n = srv.clients.len();
                let max_qbuf = srv.clients.iter().map(|c| c.qbuf.capacity()).max().unwrap_or(0);
                let max_out = srv.clients.iter().map(|c| c.pending_output()).max().unwrap_or(0);
                let _ = write!(
                    s,
                    "# Clients\r\nconnected_clients:{}\r\ncluster_connections:0\r\nmaxclients:{}\r\nclient_recent_max_input_buffer:{}\r\nclient_recent_max_output_buffer:{}\r\nblocked_clients:{}\r\ntracking_clients:{}\r\nclients_in_timeout_table:{}\r\n",
                    n,
                    srv.config.int(D::Maxclients),
                    max_qbuf,
                    max_out,
                    // Clients held by CLIENT PAUSE count as blocked, as in Redis.
                    srv.blocking.count() + srv.paused_count(),
                    srv.tracking.info().0,
                    srv.blocking.timed_count()
                );
            }
            "memory" => s.push_str(&super::memory::info_section(srv, &*ctx.client)),
            "persistence" => s.push_str(&crate::persistence::info_section(srv)),
            "stats" => {
                let st = &srv.stats;
                let ks = &srv.ks.stats;
                let expires: usize = srv.ks.dbs.iter().map(|d| d.expires.len()).sum();
                let _ = write!(
                    s,
                    "# Stats\r\ntotal_connections_received:{}\r\ntotal_commands_processed:{}\r\ninstantaneous_ops_per_sec:{}\r\ntotal_net_input_bytes:{}\r\ntotal_net_output_bytes:{}\r\ntotal_net_repl_input_bytes:0\r\ntotal_net_repl_output_bytes:0\r\ninstantaneous_input_kbps:{:.2}\r\ninstantaneous_output_kbps:{:.2}\r\ninstantaneous_input_repl_kbps:0.00\r\ninstantaneous_output_repl_kbps:0.00\r\nrejected_connections:{}\r\nsync_full:0\r\nsync_partial_ok:0\r\nsync_partial_err:0\r\nexpired_keys:{}\r\nexpired_stale_perc:0.00\r\nexpired_time_cap_reached_count:{}\r\nexpire_cycle_cpu_milliseconds:0\r\nevicted_keys:{}\r\nevicted_clients:{}\r\ntotal_eviction_exceeded_time:{}\r\ncurrent_eviction_exceeded_time:{}\r\nkeyspace_hits:{}\r\nkeyspace_misses:{}\r\npubsub_channels:{}\r\npubsub_patterns:{}\r\npubsubshard_channels:{}\r\nlatest_fork_usec:{}\r\ntotal_forks:{}\r\nmigrate_cached_sockets:{}\r\nslave_expires_tracked_keys:0\r\nactive_defrag_hits:0\r\nactive_defrag_misses:0\r\nactive_defrag_key_hits:0\r\nactive_defrag_key_misses:0\r\ntotal_active_defrag_time:0\r\ncurrent_active_defrag_time:0\r\ntracking_total_keys:{}\r\ntracking_total_items:{}\r\ntracking_total_prefixes:{}\r\nunexpected_error_replies:{}\r\ntotal_error_replies:{}\r\ndump_payload_sanitizations:0\r\ntotal_reads_processed:{}\r\ntotal_writes_processed:{}\r\nio_threaded_reads_processed:0\r\nio_threaded_writes_processed:0\r\nreply_buffer_shrinks:0\r\nreply_buffer_expands:0\r\nclient_query_buffer_limit_disconnections:{}\r\nclient_output_buffer_limit_disconnections:{}\r\n",
                    st.total_connections_received,
                    st.total_commands_processed,
                    srv.ops_metric.value() as u64,
                    st.net_input_bytes,
                    st.net_output_bytes,
                    srv.net_in_metric.value() / 1024.0,
                    srv.net_out_metric.value() / 1024.0,
                    st.rejected_connections,
                    ks.expired_keys,
                    ks.expired_time_cap_reached_count,
                    srv.ks.evict.evicted_keys,
                    st.evicted_clients,
                    srv.mem.total_exceeded_ms,
                    srv.mem.current_exceeded_ms(),
                    ks.hits,
                    ks.misses,
                    srv.pubsub.channel_count(),
                    srv.pubsub.pattern_count(),
                    srv.pubsub.shard_channel_count(),
                    srv.persist.latest_fork_usec,
                    srv.persist.total_forks,
                    srv.persist.migrate.len(),
                    srv.tracking.info().1,
                    srv.tracking.info().2,
                    srv.tracking.info().3,
                    st.unexpected_error_replies,
                    st.total_error_replies,
                    st.total_reads_processed,
                    st.total_writes_processed,
                    st.client_qbuf_limit_disconnections,
                    st.client_outbuf_limit_disconnections,
                );
                let _ = expires;
            }
            "replication" => {
                let _ = write!(
                    s,
                    "# Replication\r\nrole:master\r\nconnected_slaves:0\r\nmaster_failover_state:no-failover\r\nmaster_replid:{}\r\nmaster_replid2:0000000000000000000000000000000000000000\r\nmaster_repl_offset:0\r\nsecond_repl_offset:-1\r\nrepl_backlog_active:0\r\nrepl_backlog_size:{}\r\nrepl_backlog_first_byte_offset:0\r\nrepl_backlog_histlen:0\r\n",
                    srv.run_id,
                    srv.config.int(D::ReplBacklogSize)
                );
            }
            "cpu" => {
                let (sys, user) = cpu_times();
                let _ = write!(
                    s,
                    "# CPU\r\nused_cpu_sys:{sys:.6}\r\nused_cpu_user:{user:.6}\r\nused_cpu_sys_children:0.000000\r\nused_cpu_user_children:0.000000\r\nused_cpu_sys_main_thread:{sys:.6}\r\nused_cpu_user_main_thread:{user:.6}\r\n"
                );
            }
            "modules" => s.push_str("# Modules\r\n"),
            "commandstats" => {
                s.push_str("# Commandstats\r\n");
                for e in srv.commands.entries.iter() {
                    let st = &e.stats;
                    if st.calls == 0 && st.rejected_calls == 0 && st.failed_calls == 0 {
                        continue;
                    }
                    let per = if st.calls > 0 { st.usec as f64 / st.calls as f64 } else { 0.0 };
                    let _ = write!(
                        s,
                        "cmdstat_{}:calls={},usec={},usec_per_call={:.2},rejected_calls={},failed_calls={}\r\n",
                        e.fullname, st.calls, st.usec, per, st.rejected_calls, st.failed_calls
                    );
                }
            }
            "errorstats" => {
                s.push_str("# Errorstats\r\n");
                let mut v: Vec<_> = srv.stats.errorstats.iter().collect();
                v.sort();
                for (k, n) in v {
                    let _ = write!(s, "errorstat_{}:count={}\r\n", k, n);
                }
            }
            "cluster" => s.push_str("# Cluster\r\ncluster_enabled:0\r\n"),
            "keyspace" => {
                s.push_str("# Keyspace\r\n");
                for (i, d) in srv.ks.dbs.iter().enumerate() {
                    if !d.is_empty() {
                        let _ =
                            write!(s, "db{}:keys={},expires={},avg_ttl={}\r\n", i, d.len(), d.expires.len(), d.avg_ttl);
                    }
                }
            }
            "latencystats" => {
                s.push_str("# Latencystats\r\n");
                let pcts: Vec<f64> = srv
                    .config
                    .str(D::LatencyTrackingInfoPercentiles)
                    .split_whitespace()
                    .filter_map(|p| p.parse().ok())
                    .collect();
                for e in srv.commands.entries.iter() {
                    if e.latency.total() == 0 {
                        continue;
                    }
                    let parts: Vec<String> = pcts
                        .iter()
                        .map(|p| {
                            format!(
                                "p{}={:.3}",
                                crate::util::fmt_human_double(*p),
                                e.latency.percentile(*p) as f64 / 1000.0
                            )
                        })
                        .collect();
                    let _ = write!(s, "latency_percentiles_usec_{}:{}\r\n", e.fullname, parts.join(","));
                }
            }
            _ => {}
        }
        out.push_str(&s);
    }
    out
}

pub(crate) fn total_system_memory() -> u64 {
    std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("MemTotal:"))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse::<u64>().ok()))
        })
        .map(|kb| kb * 1024)
        .unwrap_or(0)
}
