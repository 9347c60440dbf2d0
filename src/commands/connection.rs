//! Connection commands: PING, ECHO, QUIT, SELECT, AUTH, HELLO, RESET, CLIENT.

use super::args::{self, is};
use super::docs::{block, integer, oneof, pure_token, string, Arg};
use super::{cmd, container, Command, Ctx, ADMIN, FAST, LOADING, NOSCRIPT, NO_AUTH, NO_KEYS, STALE};
use super::{ALL_SHARDS_ALL_SUCCEEDED, NONDETERMINISTIC};
use crate::config::{D, REDIS_VERSION};
use crate::errors;
use crate::server::tracking::TrackingOptions;
use crate::server::{PauseMode, ReplyMode};

const C: &[&str] = &["connection"];
const G: &str = "connection";
const CONN: u32 = LOADING | STALE;

#[rustfmt::skip]
pub static COMMANDS: &[Command] = &[
    Command { tips: ALL_SHARDS_ALL_SUCCEEDED, complexity: "O(1)", args: &[string("message").optional()], ..cmd("ping", -1, FAST, NO_KEYS, C, G, "Ping the server", "1.0.0", ping) },
    Command { complexity: "O(1)", args: &[string("message")], ..cmd("echo", 2, FAST | CONN, NO_KEYS, C, G, "Echo the given string", "1.0.0", echo) },
    Command { complexity: "O(1)", ..cmd("quit", -1, FAST | NO_AUTH | NOSCRIPT | CONN | ALLOW_BUSY_CONN, NO_KEYS, C, G, "Close the connection", "1.0.0", quit) },
    Command { complexity: "O(1)", args: &[integer("index")], ..cmd("select", 2, FAST | CONN, NO_KEYS, C, G, "Change the selected database for the current connection", "1.0.0", select) },
    Command { complexity: "O(N) where N is the number of passwords defined for the user", history: &[("6.0.0", "Added ACL style (username and password).")], args: AUTH_ARGS, ..cmd("auth", -2, FAST | NO_AUTH | NOSCRIPT | CONN | ALLOW_BUSY_CONN, NO_KEYS, C, G, "Authenticate to the server", "1.0.0", auth) },
    Command { complexity: "O(1)", history: HELLO_HISTORY, args: HELLO_ARGS, ..cmd("hello", -1, FAST | NO_AUTH | NOSCRIPT | CONN | ALLOW_BUSY_CONN, NO_KEYS, C, G, "Handshake with Redis", "6.0.0", hello) },
    Command { complexity: "O(1)", ..cmd("reset", 1, FAST | NO_AUTH | NOSCRIPT | CONN | ALLOW_BUSY_CONN, NO_KEYS, C, G, "Reset the connection", "6.2.0", reset) },
    Command { complexity: "Depends on subcommand.", ..container("client", G, "A container for client connection commands", "2.4.0", CLIENT_SUBCOMMANDS) },
];

const ALLOW_BUSY_CONN: u32 = super::ALLOW_BUSY;

#[rustfmt::skip]
static CLIENT_SUBCOMMANDS: &[Command] = &[
    Command { complexity: "O(1)", ..cmd("id", 2, NOSCRIPT | CONN, NO_KEYS, C, G, "Returns the client ID for the current connection", "5.0.0", client_id) },
    Command { complexity: "O(1)", args: &[string("connection-name")], ..cmd("setname", 3, NOSCRIPT | CONN, NO_KEYS, C, G, "Set the current connection name", "2.6.9", client_setname) },
    Command { complexity: "O(1)", ..cmd("getname", 2, NOSCRIPT | CONN, NO_KEYS, C, G, "Get the current connection name", "2.6.9", client_getname) },
    cmd("setinfo", 4, NOSCRIPT | CONN, NO_KEYS, C, G, "Sets information specific to the client or connection.", "7.2.0", client_setinfo),
    Command { tips: NONDETERMINISTIC, complexity: "O(N) where N is the number of client connections", history: CLIENT_LIST_HISTORY, args: CLIENT_LIST_ARGS, ..cmd("list", -2, ADMIN | NOSCRIPT | CONN, NO_KEYS, C, G, "Get the list of client connections", "2.4.0", client_list) },
    Command { tips: NONDETERMINISTIC, complexity: "O(1)", ..cmd("info", 2, NOSCRIPT | CONN, NO_KEYS, C, G, "Returns information about the current client connection.", "6.2.0", client_info) },
    Command { complexity: "O(N) where N is the number of client connections", history: CLIENT_KILL_HISTORY, args: CLIENT_KILL_ARGS, ..cmd("kill", -3, ADMIN | NOSCRIPT | CONN, NO_KEYS, C, G, "Kill the connection of a client", "2.4.0", client_kill) },
    Command { complexity: "O(1)", args: CLIENT_REPLY_ARGS, ..cmd("reply", 3, NOSCRIPT | CONN, NO_KEYS, C, G, "Instruct the server whether to reply to commands", "3.2.0", client_reply) },
    Command { complexity: "O(1)", args: CLIENT_NO_EVICT_ARGS, ..cmd("no-evict", 3, ADMIN | NOSCRIPT | CONN, NO_KEYS, C, G, "Set client eviction mode for the current connection", "7.0.0", client_no_evict) },
    cmd("no-touch", 3, NOSCRIPT | CONN, NO_KEYS, C, G, "Controls whether commands sent by the client affect the LRU/LFU of accessed keys.", "7.2.0", client_no_touch),
    Command { complexity: "O(1)", history: CLIENT_PAUSE_HISTORY, args: CLIENT_PAUSE_ARGS, ..cmd("pause", -3, ADMIN | NOSCRIPT | CONN, NO_KEYS, C, G, "Stop processing commands from clients for some time", "2.9.50", client_pause) },
    Command { complexity: "O(N) Where N is the number of paused clients", ..cmd("unpause", 2, ADMIN | NOSCRIPT | CONN, NO_KEYS, C, G, "Resume processing of clients that were paused", "6.2.0", client_unpause) },
    Command { complexity: "O(log N) where N is the number of client connections", args: CLIENT_UNBLOCK_ARGS, ..cmd("unblock", -3, ADMIN | NOSCRIPT | CONN, NO_KEYS, C, G, "Unblock a client blocked in a blocking command from a different connection", "5.0.0", client_unblock) },
    Command { complexity: "O(1). Some options may introduce additional complexity.", args: CLIENT_TRACKING_ARGS, ..cmd("tracking", -3, NOSCRIPT | CONN, NO_KEYS, C, G, "Enable or disable server assisted client side caching support", "6.0.0", client_tracking) },
    Command { complexity: "O(1)", args: CLIENT_CACHING_ARGS, ..cmd("caching", 3, NOSCRIPT | CONN, NO_KEYS, C, G, "Instruct the server about tracking or not keys in the next request", "6.0.0", client_caching) },
    Command { complexity: "O(1)", ..cmd("getredir", 2, NOSCRIPT | CONN, NO_KEYS, C, G, "Get tracking notifications redirection client ID if any", "6.0.0", client_getredir) },
    Command { complexity: "O(1)", ..cmd("trackinginfo", 2, NOSCRIPT | CONN, NO_KEYS, C, G, "Return information about server assisted client side caching for the current connection", "6.2.0", client_trackinginfo) },
    Command { complexity: "O(1)", ..cmd("help", 2, CONN, NO_KEYS, C, G, "Show helpful text about the different subcommands", "5.0.0", client_help) },
];

// `COMMAND DOCS` arguments and history of the commands above (Redis 7.0).

static AUTH_ARGS: &[Arg] = &[string("username").since("6.0.0").optional(), string("password")];

static HELLO_HISTORY: &[(&str, &str)] = &[(
    "6.2.0",
    "`protover` made optional; when called without arguments the command reports the current connection's context.",
)];

static HELLO_ARGS: &[Arg] = &[block(
    "arguments",
    &[
        integer("protover"),
        block("username_password", &[string("username"), string("password")]).token("AUTH").optional(),
        string("clientname").token("SETNAME").optional(),
    ],
)
.optional()];

static CLIENT_LIST_HISTORY: &[(&str, &str)] = &[
    ("2.8.12", "Added unique client `id` field."),
    ("5.0.0", "Added optional `TYPE` filter."),
    ("6.0.0", "Added `user` field."),
    ("6.2.0", "Added `argv-mem`, `tot-mem`, `laddr` and `redir` fields and the optional `ID` filter."),
    ("7.0.0", "Added `resp`, `multi-mem`, `rbs` and `rbp` fields."),
    ("7.0.3", "Added `ssub` field."),
];

static CLIENT_LIST_ARGS: &[Arg] = &[
    oneof(
        "normal_master_replica_pubsub",
        &[
            pure_token("normal", "NORMAL"),
            pure_token("master", "MASTER"),
            pure_token("replica", "REPLICA"),
            pure_token("pubsub", "PUBSUB"),
        ],
    )
    .token("TYPE")
    .since("5.0.0")
    .optional(),
    block("id", &[integer("client-id").multiple()]).token("ID").since("6.2.0").optional(),
];

static CLIENT_KILL_HISTORY: &[(&str, &str)] = &[
    ("2.8.12", "Added new filter format."),
    ("2.8.12", "`ID` option."),
    ("3.2.0", "Added `master` type in for `TYPE` option."),
    ("5.0.0", "Replaced `slave` `TYPE` with `replica`. `slave` still supported for backward compatibility."),
    ("6.2.0", "`LADDR` option."),
];

static CLIENT_KILL_ARGS: &[Arg] = &[oneof(
    "filter",
    &[
        string("ip:port").deprecated_since("2.8.12"),
        oneof(
            "new-format",
            &[
                integer("client-id").token("ID").since("2.8.12").optional(),
                oneof(
                    "normal_master_slave_pubsub",
                    &[
                        pure_token("normal", "NORMAL"),
                        pure_token("master", "MASTER").since("3.2.0"),
                        pure_token("slave", "SLAVE"),
                        pure_token("replica", "REPLICA").since("5.0.0"),
                        pure_token("pubsub", "PUBSUB"),
                    ],
                )
                .token("TYPE")
                .since("2.8.12")
                .optional(),
                string("username").token("USER").optional(),
                string("ip:port").token("ADDR").optional(),
                string("ip:port").token("LADDR").since("6.2.0").optional(),
                string("yes/no").token("SKIPME").optional(),
            ],
        )
        .multiple(),
    ],
)];

static CLIENT_REPLY_ARGS: &[Arg] =
    &[oneof("on_off_skip", &[pure_token("on", "ON"), pure_token("off", "OFF"), pure_token("skip", "SKIP")])];

static CLIENT_NO_EVICT_ARGS: &[Arg] = &[oneof("enabled", &[pure_token("on", "ON"), pure_token("off", "OFF")])];

static CLIENT_PAUSE_HISTORY: &[(&str, &str)] =
    &[("6.2.0", "`CLIENT PAUSE WRITE` mode added along with the `mode` option.")];

static CLIENT_PAUSE_ARGS: &[Arg] = &[
    integer("timeout"),
    oneof("mode", &[pure_token("write", "WRITE"), pure_token("all", "ALL")]).since("6.2.0").optional(),
];

static CLIENT_UNBLOCK_ARGS: &[Arg] = &[
    integer("client-id"),
    oneof("timeout_error", &[pure_token("timeout", "TIMEOUT"), pure_token("error", "ERROR")]).optional(),
];

static CLIENT_TRACKING_ARGS: &[Arg] = &[
    oneof("status", &[pure_token("on", "ON"), pure_token("off", "OFF")]),
    integer("client-id").token("REDIRECT").optional(),
    string("prefix").token("PREFIX").optional().multiple().multiple_token(),
    pure_token("bcast", "BCAST").optional(),
    pure_token("optin", "OPTIN").optional(),
    pure_token("optout", "OPTOUT").optional(),
    pure_token("noloop", "NOLOOP").optional(),
];

static CLIENT_CACHING_ARGS: &[Arg] = &[oneof("mode", &[pure_token("yes", "YES"), pure_token("no", "NO")])];

fn ping(ctx: &mut Ctx, argv: &[&[u8]]) {
    // A subscribed RESP2 client gets PING's answer in the shape of a message.
    if argv.len() <= 2 && ctx.client.pubsub.active() && !ctx.client.reply.resp3 {
        let r = ctx.reply();
        r.array_len(2);
        r.bulk(b"pong");
        return r.bulk(argv.get(1).copied().unwrap_or_default());
    }
    match argv.len() {
        1 => ctx.reply().simple("PONG"),
        2 => ctx.reply().bulk(argv[1]),
        _ => ctx.reply().error(&errors::arity("ping")),
    }
}

fn echo(ctx: &mut Ctx, argv: &[&[u8]]) {
    ctx.reply().bulk(argv[1]);
}

fn quit(ctx: &mut Ctx, _argv: &[&[u8]]) {
    ctx.reply().ok();
    ctx.client.close_after_reply = true;
}

fn select(ctx: &mut Ctx, argv: &[&[u8]]) {
    match super::keys::parse_db(ctx, argv[1]) {
        Ok(db) => {
            ctx.client.db = db;
            ctx.reply().ok();
        }
        Err(e) => ctx.reply().error(e),
    }
}

/// Checks a username/password pair against the default user.
fn check_credentials(ctx: &Ctx, user: &[u8], pass: &[u8]) -> bool {
    if user != b"default" {
        return false;
    }
    let required = ctx.srv.config.str(D::Requirepass);
    required.is_empty() || required.as_bytes() == pass
}

fn auth(ctx: &mut Ctx, argv: &[&[u8]]) {
    if argv.len() > 3 {
        return ctx.reply().error(errors::SYNTAX);
    }
    let (user, pass): (&[u8], &[u8]) = if argv.len() == 2 { (b"default", argv[1]) } else { (argv[1], argv[2]) };
    if argv.len() == 2 && ctx.srv.config.str(D::Requirepass).is_empty() {
        return ctx.reply().error(errors::AUTH_NOPASS);
    }
    if check_credentials(ctx, user, pass) {
        ctx.client.authenticated = true;
        ctx.reply().ok();
    } else {
        ctx.reply().error(errors::WRONGPASS);
    }
}

fn hello(ctx: &mut Ctx, argv: &[&[u8]]) {
    let mut proto = if ctx.client.reply.resp3 { 3 } else { 2 };
    let mut i = 1;
    if argv.len() >= 2 {
        let Ok(v) = args::int(argv[1]) else {
            return ctx.reply().error("ERR Protocol version is not an integer or out of range");
        };
        if !(2..=3).contains(&v) {
            return ctx.reply().error(errors::HELLO_PROTO);
        }
        proto = v;
        i = 2;
    }
    let mut auth: Option<(&[u8], &[u8])> = None;
    let mut name: Option<&[u8]> = None;
    while i < argv.len() {
        let more = argv.len() - i - 1;
        if is(argv[i], "auth") && more >= 2 {
            auth = Some((argv[i + 1], argv[i + 2]));
            i += 3;
        } else if is(argv[i], "setname") && more >= 1 {
            name = Some(argv[i + 1]);
            i += 2;
        } else {
            return ctx.reply().error(&format!("ERR Syntax error in HELLO option '{}'", args::lossy(argv[i])));
        }
    }
    if let Some((u, p)) = auth {
        if !check_credentials(ctx, u, p) {
            return ctx.reply().error(errors::WRONGPASS);
        }
        ctx.client.authenticated = true;
    }
    if !ctx.client.authenticated {
        return ctx.reply().error("NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time");
    }
    if let Some(n) = name {
        if let Err(e) = validate_name(n) {
            return ctx.reply().error(e);
        }
        ctx.client.name = if n.is_empty() { None } else { Some(n.to_vec()) };
    }
    ctx.client.reply.resp3 = proto == 3;
    let id = ctx.client.id;
    let r = ctx.reply();
    r.map_len(7);
    r.bulk(b"server");
    r.bulk(b"redis");
    r.bulk(b"version");
    r.bulk(REDIS_VERSION.as_bytes());
    r.bulk(b"proto");
    r.int(proto);
    r.bulk(b"id");
    r.int(id as i64);
    r.bulk(b"mode");
    r.bulk(b"standalone");
    r.bulk(b"role");
    r.bulk(b"master");
    r.bulk(b"modules");
    r.array_len(0);
}

fn reset(ctx: &mut Ctx, _argv: &[&[u8]]) {
    let needs_auth = !ctx.srv.config.str(D::Requirepass).is_empty();
    let token = ctx.client.token;
    let c = &mut *ctx.client;
    c.db = 0;
    c.reply.resp3 = false;
    c.name = None;
    c.reply_mode = ReplyMode::On;
    c.no_evict = false;
    c.no_touch = false;
    c.authenticated = !needs_auth;
    if c.monitor {
        c.monitor = false;
        ctx.srv.monitors.retain(|t| *t != token);
    }
    ctx.srv.pubsub_forget(ctx.client);
    ctx.srv.discard_transaction(ctx.client);
    ctx.srv.tracking_disable(ctx.client);
    ctx.reply().simple("RESET");
}

/// Client names may not contain spaces, newlines or special characters.
fn validate_name(n: &[u8]) -> Result<(), &'static str> {
    if n.iter().any(|&b| !(b'!'..=b'~').contains(&b)) {
        return Err("ERR Client names cannot contain spaces, newlines or special characters.");
    }
    Ok(())
}

fn client_id(ctx: &mut Ctx, _argv: &[&[u8]]) {
    let id = ctx.client.id;
    ctx.reply().int(id as i64);
}

fn client_setname(ctx: &mut Ctx, argv: &[&[u8]]) {
    if let Err(e) = validate_name(argv[2]) {
        return ctx.reply().error(e);
    }
    ctx.client.name = if argv[2].is_empty() { None } else { Some(argv[2].to_vec()) };
    ctx.reply().ok();
}

fn client_getname(ctx: &mut Ctx, _argv: &[&[u8]]) {
    let n = ctx.client.name.clone();
    ctx.reply().opt_bulk(n.as_deref());
}

fn client_setinfo(ctx: &mut Ctx, argv: &[&[u8]]) {
    let val = argv[3];
    if val.iter().any(|&b| !(b'!'..=b'~').contains(&b)) {
        return ctx.reply().error(&format!(
            "ERR {} cannot contain spaces, newlines or special characters.",
            args::lossy(argv[2]).to_lowercase()
        ));
    }
    let v = if val.is_empty() { None } else { Some(val.to_vec()) };
    if is(argv[2], "lib-name") {
        ctx.client.lib_name = v;
    } else if is(argv[2], "lib-ver") {
        ctx.client.lib_ver = v;
    } else {
        return ctx.reply().error(&format!("ERR Unrecognized option '{}'", args::lossy(argv[2])));
    }
    ctx.reply().ok();
}

/// One CLIENT LIST line for `c` (Redis 7 format).
pub fn client_line(c: &crate::server::Client, now_ms: i64) -> String {
    let lossy = |v: &Option<Vec<u8>>| v.as_deref().map(|b| String::from_utf8_lossy(b).into_owned()).unwrap_or_default();
    let qbuf = if c.running_qbuf > 0 { c.running_qbuf } else { c.query_len() };
    let omem = c.pending_output();
    format!(
        "id={} addr={} laddr={} fd={} name={} age={} idle={} flags={} db={} sub={} psub={} ssub={} multi={} qbuf={} qbuf-free={} argv-mem={} multi-mem={} rbs={} rbp={} obl={} oll=0 omem={} tot-mem={} events=r{} cmd={} user={} redir={} resp={} lib-name={} lib-ver={}",
        c.id,
        c.addr,
        c.laddr,
        c.conn.fd(),
        lossy(&c.name),
        (now_ms - c.ctime_ms) / 1000,
        (now_ms - c.last_interaction_ms) / 1000,
        c.flags_string(),
        c.db,
        c.pubsub.channels.len(),
        c.pubsub.patterns.len(),
        c.pubsub.shard.len(),
        c.tx.multi_field(),
        qbuf,
        c.qbuf.capacity().saturating_sub(c.qbuf.len()),
        0,
        c.tx.memory(),
        c.reply.buf.capacity(),
        c.qbuf_peak,
        omem,
        omem,
        crate::server::memory::client_memory(c),
        if omem > 0 { "w" } else { "" },
        c.last_cmd,
        c.user,
        if c.tracking.on { c.tracking.redirect as i64 } else { -1 },
        if c.reply.resp3 { 3 } else { 2 },
        lossy(&c.lib_name),
        lossy(&c.lib_ver),
    )
}

fn client_list(ctx: &mut Ctx, argv: &[&[u8]]) {
    let now = ctx.srv.ks.now_ms;
    let mut ids: Option<Vec<u64>> = None;
    let mut type_filter: Option<String> = None;
    let mut i = 2;
    while i < argv.len() {
        if is(argv[i], "type") && i + 1 < argv.len() {
            let t = args::lossy(argv[i + 1]).to_lowercase();
            if !["normal", "master", "replica", "slave", "pubsub"].contains(&t.as_str()) {
                return ctx.reply().error(&format!("ERR Unknown client type '{}'", args::lossy(argv[i + 1])));
            }
            type_filter = Some(t);
            i += 2;
        } else if is(argv[i], "id") && i + 1 < argv.len() {
            let mut v = Vec::new();
            for a in &argv[i + 1..] {
                // Any integer is accepted; ids below 1 simply match no client.
                match args::int(a) {
                    Ok(n) if n > 0 => v.push(n as u64),
                    Ok(_) => {}
                    Err(_) => return ctx.reply().error("ERR Invalid client ID"),
                }
            }
            ids = Some(v);
            i = argv.len();
        } else {
            return ctx.reply().error(errors::SYNTAX);
        }
    }
    let mut out = String::new();
    let mut all: Vec<&crate::server::Client> = ctx.srv.clients.iter().collect();
    all.push(ctx.client);
    all.sort_by_key(|c| c.id);
    for c in all {
        if let Some(ids) = &ids {
            if !ids.contains(&c.id) {
                continue;
            }
        }
        if let Some(t) = &type_filter {
            if !is_type(c, t) {
                continue;
            }
        }
        out.push_str(&client_line(c, now));
        out.push('\n');
    }
    ctx.reply().verbatim(out.as_bytes());
}

/// True if `c` is of the CLIENT LIST/KILL `TYPE` named `t` (lower-case).
fn is_type(c: &crate::server::Client, t: &str) -> bool {
    let class = crate::server::obuf::Class::of(c).name();
    class == t || (t == "slave" && class == "replica")
}

fn client_info(ctx: &mut Ctx, _argv: &[&[u8]]) {
    let now = ctx.srv.ks.now_ms;
    let mut line = client_line(ctx.client, now);
    line.push('\n');
    ctx.reply().verbatim(line.as_bytes());
}

/// CLIENT TRACKING on|off [REDIRECT id] [BCAST] [PREFIX p]... [OPTIN]
/// [OPTOUT] [NOLOOP] (client-side caching, see `server::tracking`).
fn client_tracking(ctx: &mut Ctx, argv: &[&[u8]]) {
    let mut o = TrackingOptions {
        on: false,
        redirect: 0,
        bcast: false,
        optin: false,
        optout: false,
        noloop: false,
        prefixes: Vec::new(),
    };
    let mut i = 3;
    while i < argv.len() {
        let more = i + 1 < argv.len();
        let a = argv[i];
        if is(a, "redirect") && more {
            i += 1;
            if o.redirect != 0 {
                return ctx.reply().error("ERR A client can only redirect to a single other client");
            }
            let id = match args::int(argv[i]) {
                Ok(id) => id,
                Err(e) => return ctx.reply().error(e),
            };
            // The client must exist now (it may go away later: the
            // redirection then becomes broken).
            if id <= 0 || ctx.srv.client_token(id as u64).is_none() {
                return ctx.reply().error("ERR The client ID you want redirect to does not exist");
            }
            o.redirect = id as u64;
        } else if is(a, "bcast") {
            o.bcast = true;
        } else if is(a, "optin") {
            o.optin = true;
        } else if is(a, "optout") {
            o.optout = true;
        } else if is(a, "noloop") {
            o.noloop = true;
        } else if is(a, "prefix") && more {
            i += 1;
            o.prefixes.push(argv[i].to_vec());
        } else {
            return ctx.reply().error(errors::SYNTAX);
        }
        i += 1;
    }
    if is(argv[2], "on") {
        o.on = true;
    } else if !is(argv[2], "off") {
        return ctx.reply().error(errors::SYNTAX);
    }
    match ctx.srv.tracking_configure(ctx.client, o) {
        Ok(()) => ctx.reply().ok(),
        Err(e) => ctx.reply().error(&e),
    }
}

/// CLIENT CACHING yes|no: whether the next command's keys are tracked
/// (OPTIN / OPTOUT modes).
fn client_caching(ctx: &mut Ctx, argv: &[&[u8]]) {
    let t = &mut ctx.client.tracking;
    if !t.on {
        return ctx.reply().error(
            "ERR CLIENT CACHING can be called only when the client is in tracking mode with OPTIN or OPTOUT mode enabled",
        );
    }
    if is(argv[2], "yes") {
        if !t.optin {
            return ctx.reply().error("ERR CLIENT CACHING YES is only valid when tracking is enabled in OPTIN mode.");
        }
        t.caching = Some(true);
    } else if is(argv[2], "no") {
        if !t.optout {
            return ctx.reply().error("ERR CLIENT CACHING NO is only valid when tracking is enabled in OPTOUT mode.");
        }
        t.caching = Some(false);
    } else {
        return ctx.reply().error(errors::SYNTAX);
    }
    ctx.reply().ok();
}

fn client_getredir(ctx: &mut Ctx, _argv: &[&[u8]]) {
    let t = &ctx.client.tracking;
    let id = if t.on { t.redirect as i64 } else { -1 };
    ctx.reply().int(id);
}

fn client_trackinginfo(ctx: &mut Ctx, _argv: &[&[u8]]) {
    let t = ctx.client.tracking.clone();
    let mut flags: Vec<&str> = Vec::new();
    if !t.on {
        flags.push("off");
    } else {
        flags.push("on");
        if t.bcast {
            flags.push("bcast");
        }
        if t.optin {
            flags.push("optin");
            if t.caching.is_some() {
                flags.push("caching-yes");
            }
        }
        if t.optout {
            flags.push("optout");
            if t.caching.is_some() {
                flags.push("caching-no");
            }
        }
        if t.noloop {
            flags.push("noloop");
        }
        if t.broken_redirect {
            flags.push("broken_redirect");
        }
    }
    let r = ctx.reply();
    r.map_len(3);
    r.bulk(b"flags");
    r.set_len(flags.len());
    for f in flags {
        r.bulk(f.as_bytes());
    }
    r.bulk(b"redirect");
    r.int(if t.on { t.redirect as i64 } else { -1 });
    r.bulk(b"prefixes");
    r.array_len(t.prefixes.len());
    for p in &t.prefixes {
        r.bulk(p);
    }
}

/// CLIENT UNBLOCK id [TIMEOUT|ERROR]: ends another client's blocking command
/// with its timeout reply or an `-UNBLOCKED` error.
fn client_unblock(ctx: &mut Ctx, argv: &[&[u8]]) {
    let Ok(id) = args::int(argv[2]) else { return ctx.reply().error(errors::NOT_INTEGER) };
    let error = match argv.get(3) {
        None => false,
        Some(a) if is(a, "timeout") && argv.len() == 4 => false,
        Some(a) if is(a, "error") && argv.len() == 4 => true,
        Some(_) => return ctx.reply().error("ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR"),
    };
    let target = u64::try_from(id).ok().and_then(|id| ctx.srv.token_of(id));
    let done = match target {
        Some(t) => ctx.srv.unblock_client(t, error),
        None => false,
    };
    ctx.reply().int(done as i64);
}

fn client_kill(ctx: &mut Ctx, argv: &[&[u8]]) {
    // Old form: CLIENT KILL addr:port
    if argv.len() == 3 {
        let addr = args::lossy(argv[2]).into_owned();
        let target = ctx.srv.clients.iter().find(|c| c.addr == addr).map(|c| c.token);
        if ctx.client.addr == addr {
            ctx.client.close_after_reply = true;
            return ctx.reply().ok();
        }
        return match target {
            Some(t) => {
                ctx.srv.kill_client(t);
                ctx.reply().ok()
            }
            None => ctx.reply().error("ERR No such client"),
        };
    }
    let mut id: Option<u64> = None;
    let mut addr: Option<String> = None;
    let mut laddr: Option<String> = None;
    let mut user: Option<String> = None;
    let mut skipme = true;
    let mut type_: Option<String> = None;
    let mut i = 2;
    while i + 1 < argv.len() {
        let v = argv[i + 1];
        if is(argv[i], "id") {
            match args::int(v) {
                Ok(n) if n > 0 => id = Some(n as u64),
                _ => return ctx.reply().error("ERR client-id should be greater than 0"),
            }
        } else if is(argv[i], "addr") {
            addr = Some(args::lossy(v).into_owned());
        } else if is(argv[i], "laddr") {
            laddr = Some(args::lossy(v).into_owned());
        } else if is(argv[i], "user") {
            user = Some(args::lossy(v).into_owned());
        } else if is(argv[i], "type") {
            let t = args::lossy(v).to_lowercase();
            if !["normal", "master", "replica", "slave", "pubsub"].contains(&t.as_str()) {
                return ctx.reply().error(&format!("ERR Unknown client type '{}'", args::lossy(v)));
            }
            type_ = Some(t);
        } else if is(argv[i], "skipme") {
            if is(v, "yes") {
                skipme = true;
            } else if is(v, "no") {
                skipme = false;
            } else {
                return ctx.reply().error(errors::SYNTAX);
            }
        } else {
            return ctx.reply().error(errors::SYNTAX);
        }
        i += 2;
    }
    if i != argv.len() {
        return ctx.reply().error(errors::SYNTAX);
    }
    let matches = |c: &crate::server::Client| {
        id.is_none_or(|x| c.id == x)
            && addr.as_ref().is_none_or(|a| &c.addr == a)
            && laddr.as_ref().is_none_or(|a| &c.laddr == a)
            && user.as_ref().is_none_or(|u| &c.user == u)
            && type_.as_ref().is_none_or(|t| is_type(c, t))
    };
    let targets: Vec<_> = ctx.srv.clients.iter().filter(|c| matches(c)).map(|c| c.token).collect();
    let mut n = targets.len() as i64;
    for t in targets {
        ctx.srv.kill_client(t);
    }
    if !skipme && matches(ctx.client) {
        ctx.client.close_after_reply = true;
        n += 1;
    }
    ctx.reply().int(n);
}

fn client_reply(ctx: &mut Ctx, argv: &[&[u8]]) {
    if is(argv[2], "on") {
        ctx.client.reply_mode = ReplyMode::On;
        ctx.reply().ok();
    } else if is(argv[2], "off") {
        ctx.client.reply_mode = ReplyMode::Off;
    } else if is(argv[2], "skip") {
        if ctx.client.reply_mode != ReplyMode::Off {
            ctx.client.reply_mode = ReplyMode::SkipNext;
        }
    } else {
        ctx.reply().error(errors::SYNTAX);
    }
}

fn on_off(ctx: &mut Ctx, arg: &[u8]) -> Option<bool> {
    if is(arg, "on") {
        Some(true)
    } else if is(arg, "off") {
        Some(false)
    } else {
        ctx.reply().error(errors::SYNTAX);
        None
    }
}

fn client_no_evict(ctx: &mut Ctx, argv: &[&[u8]]) {
    if let Some(v) = on_off(ctx, argv[2]) {
        ctx.client.no_evict = v;
        ctx.reply().ok();
    }
}

fn client_no_touch(ctx: &mut Ctx, argv: &[&[u8]]) {
    if let Some(v) = on_off(ctx, argv[2]) {
        ctx.client.no_touch = v;
        ctx.reply().ok();
    }
}

fn client_pause(ctx: &mut Ctx, argv: &[&[u8]]) {
    // Redis matches `CLIENT PAUSE` only with 3 or 4 arguments; more fall through
    // to its generic unknown-subcommand reply.
    if argv.len() > 4 {
        return ctx.reply().error(&format!(
            "ERR unknown subcommand or wrong number of arguments for '{:.128}'. Try CLIENT HELP.",
            args::lossy(argv[1])
        ));
    }
    let ms = match args::int(argv[2]) {
        Ok(n) if n >= 0 => n,
        Ok(_) => return ctx.reply().error(errors::TIMEOUT_NEG),
        Err(_) => return ctx.reply().error("ERR timeout is not an integer or out of range"),
    };
    let mode = match argv.get(3) {
        None => PauseMode::All,
        Some(m) if is(m, "all") => PauseMode::All,
        Some(m) if is(m, "write") => PauseMode::Write,
        Some(_) => return ctx.reply().error("ERR CLIENT PAUSE mode must be WRITE or ALL"),
    };
    let until = ctx.srv.ks.now_ms + ms;
    // A stricter or longer pause wins over the current one, as in Redis.
    let new = match ctx.srv.pause {
        Some((PauseMode::All, u)) if mode == PauseMode::Write => (PauseMode::All, u.max(until)),
        Some((_, u)) => (mode, u.max(until)),
        None => (mode, until),
    };
    ctx.srv.pause = Some(new);
    ctx.reply().ok();
}

fn client_unpause(ctx: &mut Ctx, _argv: &[&[u8]]) {
    ctx.srv.pause = None;
    ctx.reply().ok();
}

fn client_help(ctx: &mut Ctx, _argv: &[&[u8]]) {
    super::introspection::help_reply(
        ctx,
        "CLIENT",
        &[
            "CACHING (YES|NO)",
            "    Enable/disable tracking of the keys for next command in OPTIN/OPTOUT modes.",
            "GETREDIR",
            "    Return the client ID we are redirecting to when tracking is enabled.",
            "GETNAME",
            "    Return the name of the current connection.",
            "ID",
            "    Return the ID of the current connection.",
            "INFO",
            "    Return information about the current client connection.",
            "KILL <ip:port>",
            "    Kill connection made from <ip:port>.",
            "KILL <option> <value> [<option> <value> [...]]",
            "    Kill connections. Options are:",
            "    * ADDR (<ip:port>|<unixsocket>:0)",
            "      Kill connections made from the specified address",
            "    * LADDR (<ip:port>|<unixsocket>:0)",
            "      Kill connections made to specified local address",
            "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
            "      Kill connections by type.",
            "    * USER <username>",
            "      Kill connections authenticated by <username>.",
            "    * SKIPME (YES|NO)",
            "      Skip killing current connection (default: yes).",
            "    * ID <client-id>",
            "      Kill connections by client id.",
            "LIST [options ...]",
            "    Return information about client connections. Options:",
            "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
            "      Return clients of specified type.",
            "UNPAUSE",
            "    Stop the current client pause, resuming traffic.",
            "PAUSE <timeout> [WRITE|ALL]",
            "    Suspend all, or just write, clients for <timeout> milliseconds.",
            "REPLY (ON|OFF|SKIP)",
            "    Control the replies sent to the current connection.",
            "SETNAME <name>",
            "    Assign the name <name> to the current connection.",
            "SETINFO <option> <value>",
            "    Set client meta attr. Options are:",
            "    * LIB-NAME: the client lib name.",
            "    * LIB-VER: the client lib version.",
            "UNBLOCK <clientid> [TIMEOUT|ERROR]",
            "    Unblock the specified blocked client.",
            "TRACKING (ON|OFF) [REDIRECT <id>] [BCAST] [PREFIX <prefix> [...]]",
            "         [OPTIN] [OPTOUT] [NOLOOP]",
            "    Control server assisted client side caching.",
            "TRACKINGINFO",
            "    Report tracking status for the current connection.",
            "NO-EVICT (ON|OFF)",
            "    Protect current client connection from eviction.",
            "NO-TOUCH (ON|OFF)",
            "    Will not touch LRU/LFU stats when this mode is on.",
        ],
    );
}
