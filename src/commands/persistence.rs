//! Persistence commands: SAVE, BGSAVE, BGREWRITEAOF, DUMP, RESTORE and
//! MIGRATE. The work itself lives in `crate::persistence`.

use super::args::{self, is};
use super::docs::{block, integer, key, oneof, pure_token, string, Arg};
use super::{cmd, one_key_spec, Command, Ctx, KeySpec, ADMIN, DENYOOM, KEY_OVERWRITE, NOSCRIPT, NO_KEYS, ONE_KEY};
use super::{
    Find, KeyFlags, Keys, KEY_POP, MOVABLE_KEYS, NONDETERMINISTIC, NO_ASYNC_LOADING, NO_MULTI, READONLY, WRITE,
};
use crate::errors;
use crate::persistence::{self, rdb, ChildKind};
use crate::store::value::Obj;

const G: &str = "server";
const K: &[&str] = &["keyspace"];
const KD: &[&str] = &["keyspace", "dangerous"];
const NONE: &[&str] = &[];
const RESTORE_SPEC: &[KeySpec] = &[one_key_spec(1, KEY_OVERWRITE)];
/// MIGRATE's key, then the keys after its KEYS option.
const MIGRATE_SPECS: &[KeySpec] = &[
    one_key_spec(3, KEY_POP),
    KeySpec {
        notes: "",
        flags: &["RW", "access", "delete", "incomplete"],
        find: Find::Keyword { keyword: "KEYS", startfrom: -2, lastkey: -1, step: 1 },
    },
];

#[rustfmt::skip]
pub static COMMANDS: &[Command] = &[
    Command { complexity: "O(N) where N is the total number of keys in all databases", ..cmd("save", 1, ADMIN | NOSCRIPT | NO_ASYNC_LOADING | NO_MULTI, NO_KEYS, NONE, G, "Synchronously save the dataset to disk", "1.0.0", save) },
    Command { complexity: "O(1)", history: &[("3.2.2", "Added the `SCHEDULE` option.")], args: BGSAVE_ARGS, ..cmd("bgsave", -1, ADMIN | NOSCRIPT | NO_ASYNC_LOADING, NO_KEYS, NONE, G, "Asynchronously save the dataset to disk", "1.0.0", bgsave) },
    Command { complexity: "O(1)", ..cmd("bgrewriteaof", 1, ADMIN | NOSCRIPT | NO_ASYNC_LOADING, NO_KEYS, NONE, G, "Asynchronously rewrite the append-only file", "1.0.0", bgrewriteaof) },
    Command { tips: NONDETERMINISTIC, complexity: "O(1) to access the key and additional O(N*M) to serialize it, where N is the number of Redis objects composing the value and M their average size. For small string values the time complexity is thus O(1)+O(1*M) where M is small, so simply O(1).", args: &[key("key", 0)], ..cmd("dump", 2, READONLY, ONE_KEY, K, "generic", "Return a serialized version of the value stored at the specified key.", "2.6.0", dump) },
    Command { key_specs: RESTORE_SPEC, complexity: "O(1) to create the new key and additional O(N*M) to reconstruct the serialized value, where N is the number of Redis objects composing the value and M their average size. For small string values the time complexity is thus O(1)+O(1*M) where M is small, so simply O(1). However for sorted set values the complexity is O(N*M*log(N)) because inserting values into sorted sets is O(log(N)).", history: RESTORE_HISTORY, args: RESTORE_ARGS, ..cmd("restore", -4, WRITE | DENYOOM, ONE_KEY, KD, "generic", "Create a key using the provided serialized value, previously obtained using DUMP.", "2.6.0", restore) },
    Command { key_specs: MIGRATE_SPECS, get_keys: Some(migrate_keys), tips: NONDETERMINISTIC, complexity: "This command actually executes a DUMP+DEL in the source instance, and a RESTORE in the target instance. See the pages of these commands for time complexity. Also an O(N) data transfer between the two instances is performed.", history: MIGRATE_HISTORY, args: MIGRATE_ARGS, ..cmd("migrate", -6, WRITE | MOVABLE_KEYS, Keys { first: 3, last: 3, step: 1 }, KD, "generic", "Atomically transfer a key from a Redis instance to another one.", "2.6.0", migrate) },
];

// `COMMAND DOCS` arguments and history of the commands above (Redis 7.0).

static BGSAVE_ARGS: &[Arg] = &[pure_token("schedule", "SCHEDULE").since("3.2.2").optional()];

static RESTORE_HISTORY: &[(&str, &str)] = &[
    ("3.0.0", "Added the `REPLACE` modifier."),
    ("5.0.0", "Added the `ABSTTL` modifier."),
    ("5.0.0", "Added the `IDLETIME` and `FREQ` options."),
];

static RESTORE_ARGS: &[Arg] = &[
    key("key", 0),
    integer("ttl"),
    string("serialized-value"),
    pure_token("replace", "REPLACE").since("3.0.0").optional(),
    pure_token("absttl", "ABSTTL").since("5.0.0").optional(),
    integer("seconds").token("IDLETIME").since("5.0.0").optional(),
    integer("frequency").token("FREQ").since("5.0.0").optional(),
];

static MIGRATE_HISTORY: &[(&str, &str)] = &[
    ("3.0.0", "Added the `COPY` and `REPLACE` options."),
    ("3.0.6", "Added the `KEYS` option."),
    ("4.0.7", "Added the `AUTH` option."),
    ("6.0.0", "Added the `AUTH2` option."),
];

static MIGRATE_ARGS: &[Arg] = &[
    string("host"),
    integer("port"),
    oneof("key_or_empty_string", &[key("key", 0), pure_token("empty_string", "")]),
    integer("destination-db"),
    integer("timeout"),
    pure_token("copy", "COPY").since("3.0.0").optional(),
    pure_token("replace", "REPLACE").since("3.0.0").optional(),
    oneof(
        "authentication",
        &[
            string("password").token("AUTH").since("4.0.7").optional(),
            block("username_password", &[string("username"), string("password")])
                .token("AUTH2")
                .since("6.0.0")
                .optional(),
        ],
    )
    .optional(),
    key("key", 1).token("KEYS").since("3.0.6").optional().multiple(),
];

fn save(ctx: &mut Ctx, _argv: &[&[u8]]) {
    if ctx.srv.persist.child.as_ref().is_some_and(|c| c.kind == ChildKind::Rdb) {
        return ctx.reply().error(errors::BGSAVE_IN_PROGRESS);
    }
    match persistence::rdb_save(ctx.srv) {
        Ok(()) => ctx.reply().ok(),
        Err(_) => ctx.reply().error("ERR"),
    }
}

fn bgsave(ctx: &mut Ctx, argv: &[&[u8]]) {
    let schedule = match argv.len() {
        1 => false,
        2 if is(argv[1], "schedule") => true,
        _ => return ctx.reply().error(errors::SYNTAX),
    };
    match ctx.srv.persist.child.as_ref().map(|c| c.kind) {
        Some(ChildKind::Rdb) => ctx.reply().error(errors::BGSAVE_IN_PROGRESS),
        Some(ChildKind::Aof) => {
            if schedule {
                ctx.srv.persist.bgsave_scheduled = true;
                ctx.reply().simple("Background saving scheduled");
            } else {
                ctx.reply().error(errors::BGSAVE_CHILD_ACTIVE);
            }
        }
        None => match persistence::bgsave(ctx.srv) {
            Ok(_) => ctx.reply().simple("Background saving started"),
            Err(_) => ctx.reply().error("ERR"),
        },
    }
}

fn bgrewriteaof(ctx: &mut Ctx, _argv: &[&[u8]]) {
    match persistence::aof::bgrewriteaof(ctx.srv) {
        Ok(msg) => ctx.reply().simple(msg),
        Err(e) => ctx.reply().error(&e),
    }
}

fn dump(ctx: &mut Ctx, argv: &[&[u8]]) {
    let db = ctx.db();
    let opt = persistence::encode_options(&ctx.srv.config);
    let payload = ctx.srv.ks.lookup_read(db, argv[1]).map(|v| rdb::dump_payload(v, opt));
    match payload {
        Some(p) => ctx.reply().bulk(&p),
        None => ctx.reply().null(),
    }
}

/// RESTORE's options.
struct RestoreArgs {
    replace: bool,
    absttl: bool,
    idle: Option<i64>,
    freq: Option<i64>,
}

fn parse_restore(argv: &[&[u8]]) -> Result<RestoreArgs, &'static str> {
    let mut a = RestoreArgs { replace: false, absttl: false, idle: None, freq: None };
    let mut j = 4;
    while j < argv.len() {
        let more = j + 1 < argv.len();
        if is(argv[j], "replace") {
            a.replace = true;
        } else if is(argv[j], "absttl") {
            a.absttl = true;
        } else if is(argv[j], "idletime") && more && a.freq.is_none() {
            let n = args::int(argv[j + 1])?;
            if n < 0 {
                return Err(errors::RESTORE_IDLETIME);
            }
            a.idle = Some(n);
            j += 1;
        } else if is(argv[j], "freq") && more && a.idle.is_none() {
            let n = args::int(argv[j + 1])?;
            if !(0..=255).contains(&n) {
                return Err(errors::RESTORE_FREQ);
            }
            a.freq = Some(n);
            j += 1;
        } else {
            return Err(errors::SYNTAX);
        }
        j += 1;
    }
    Ok(a)
}

fn restore(ctx: &mut Ctx, argv: &[&[u8]]) {
    let (db, key) = (ctx.db(), argv[1]);
    let a = match parse_restore(argv) {
        Ok(a) => a,
        Err(e) => return ctx.reply().error(e),
    };
    let ttl = match args::int(argv[2]) {
        Ok(t) if t < 0 => return ctx.reply().error(errors::RESTORE_TTL),
        Ok(t) => t,
        Err(e) => return ctx.reply().error(e),
    };
    if !a.replace && ctx.srv.ks.exists(db, key) {
        return ctx.reply().error(errors::BUSYKEY);
    }
    let payload = argv[3];
    if !rdb::verify_payload(payload, ctx.srv.persist.skip_checksum) {
        return ctx.reply().error(errors::DUMP_PAYLOAD);
    }
    let limits = persistence::load_limits(&ctx.srv.config);
    let value = match rdb::restore_payload(payload, &limits) {
        Ok(Some(v)) => v,
        Ok(None) => return ctx.reply().error(errors::BAD_DATA_FORMAT),
        Err(e) => {
            // Logged as Redis reports a corrupt payload.
            tracing::warn!("Internal error in RDB reading offset 0, function at rdb.c:0 -> {}", e);
            return ctx.reply().error(errors::BAD_DATA_FORMAT);
        }
    };
    let now = ctx.srv.ks.now_ms;
    let deadline = match ttl {
        0 => None,
        t if a.absttl => Some(t),
        t => Some(now.saturating_add(t)),
    };
    let deleted = a.replace && ctx.srv.ks.delete(db, key);
    if deadline.is_some_and(|t| ctx.srv.ks.already_expired(t)) {
        // Already expired: the key is not created (an old one was deleted).
        if deleted {
            ctx.srv.ks.dirty += 1;
            ctx.srv.persist.prop.rewrite_parts(&[b"DEL", key]);
            ctx.notify(crate::store::events::GENERIC, "del", key);
        }
        return ctx.reply().ok();
    }
    let lru = ctx.srv.ks.access.restored(now, a.idle, a.freq);
    ctx.srv.ks.put(db, key, Obj { value, lru }, deadline);
    ctx.srv.ks.dirty += 1;
    ctx.notify(crate::store::events::GENERIC, "restore", key);
    ctx.reply().ok();
}

/// MIGRATE's options.
struct MigrateArgs {
    copy: bool,
    replace: bool,
    /// (username, password) of AUTH/AUTH2.
    auth: Option<(Option<Vec<u8>>, Vec<u8>)>,
    /// The keys: argv[3], or what follows KEYS.
    keys: std::ops::Range<usize>,
}

fn parse_migrate(argv: &[&[u8]]) -> Result<MigrateArgs, &'static str> {
    let mut a = MigrateArgs { copy: false, replace: false, auth: None, keys: 3..4 };
    let mut j = 6;
    while j < argv.len() {
        let more = argv.len() - j - 1;
        if is(argv[j], "copy") {
            a.copy = true;
        } else if is(argv[j], "replace") {
            a.replace = true;
        } else if is(argv[j], "auth") {
            if more < 1 {
                return Err(errors::SYNTAX);
            }
            a.auth = Some((None, argv[j + 1].to_vec()));
            j += 1;
        } else if is(argv[j], "auth2") {
            if more < 2 {
                return Err(errors::SYNTAX);
            }
            a.auth = Some((Some(argv[j + 1].to_vec()), argv[j + 2].to_vec()));
            j += 2;
        } else if is(argv[j], "keys") {
            if !argv[3].is_empty() {
                return Err(errors::MIGRATE_KEYS_EMPTY);
            }
            a.keys = j + 1..argv.len();
            break;
        } else {
            return Err(errors::SYNTAX);
        }
        j += 1;
    }
    Ok(a)
}

/// MIGRATE's keys for COMMAND GETKEYS, found as Redis finds them: the key
/// argument alone (even `""`) unless a `KEYS` word sits between the host and
/// the last argument; then the keys after the first `KEYS` that is not an
/// AUTH/AUTH2 argument, or none at all when the key argument is not `""`.
fn migrate_keys(argv: &[&[u8]]) -> Vec<(usize, KeyFlags)> {
    let argc = argv.len();
    if argc < 4 {
        return Vec::new();
    }
    if !(2..argc - 1).any(|i| is(argv[i], "keys")) {
        return vec![(3, KEY_POP)];
    }
    let (mut first, mut num) = (3, 1);
    let mut i = 6;
    while i < argc {
        if is(argv[i], "keys") {
            if !argv[3].is_empty() {
                return Vec::new();
            }
            first = i + 1;
            num = argc - first;
            break;
        }
        if is(argv[i], "auth") {
            i += 1;
        } else if is(argv[i], "auth2") {
            i += 2;
        }
        i += 1;
    }
    (first..first + num).map(|p| (p, KEY_POP)).collect()
}

/// MIGRATE host port key|"" db timeout [COPY] [REPLACE] [AUTH pw | AUTH2 user pw] [KEYS key...]:
/// DUMP each existing key, RESTORE it on the target (blocking, within
/// `timeout` ms per step), then delete the keys the target accepted unless
/// COPY. Propagated as a DEL of the keys that left.
fn migrate(ctx: &mut Ctx, argv: &[&[u8]]) {
    let a = match parse_migrate(argv) {
        Ok(a) => a,
        Err(e) => return ctx.reply().error(e),
    };
    let (Ok(db_target), Ok(timeout)) = (args::int(argv[4]), args::int(argv[5])) else {
        return ctx.reply().error(errors::NOT_INTEGER);
    };
    let timeout = std::time::Duration::from_millis(if timeout <= 0 { 1000 } else { timeout as u64 });
    let db = ctx.db();
    let now = ctx.srv.ks.now_ms;
    let opt = persistence::encode_options(&ctx.srv.config);
    // The keys that exist, with their payload and remaining TTL.
    let mut batch: Vec<(&[u8], Vec<u8>, i64)> = Vec::new();
    for &key in &argv[a.keys.clone()] {
        let Some(v) = ctx.srv.ks.lookup_read(db, key) else { continue };
        let payload = rdb::dump_payload(v, opt);
        let ttl = match ctx.srv.ks.expire_at(db, key) {
            Some(t) if t < now => continue,
            Some(t) => (t - now).max(1),
            None => 0,
        };
        batch.push((key, payload, ttl));
    }
    if batch.is_empty() {
        return ctx.reply().simple("NOKEY");
    }
    let host = String::from_utf8_lossy(argv[1]).into_owned();
    let port: u16 = std::str::from_utf8(argv[2]).ok().and_then(|p| p.parse().ok()).unwrap_or(0);
    let mut retried = false;
    let (replies, pre) = loop {
        let mut sock = match ctx.srv.persist.migrate.take(&host, port, timeout) {
            Ok(s) => s,
            Err(_) => return ctx.reply().error(errors::MIGRATE_CONNECT),
        };
        let cached = sock.last_use_ms > 0;
        let mut buf = Vec::new();
        let mut expected = batch.len();
        if let Some((user, pass)) = &a.auth {
            let mut cmd = vec![b"AUTH".to_vec()];
            cmd.extend(user.clone());
            cmd.push(pass.clone());
            persistence::aof::encode_command(&mut buf, &cmd);
            expected += 1;
        }
        let select = sock.last_db != Some(db_target);
        if select {
            persistence::aof::encode_command(&mut buf, &[b"SELECT".to_vec(), db_target.to_string().into_bytes()]);
            expected += 1;
        }
        for (key, payload, ttl) in &batch {
            let mut cmd = vec![b"RESTORE".to_vec(), key.to_vec(), ttl.to_string().into_bytes(), payload.clone()];
            if a.replace {
                cmd.push(b"REPLACE".to_vec());
            }
            persistence::aof::encode_command(&mut buf, &cmd);
        }
        match persistence::migrate::exchange(&mut sock, &buf, expected, timeout) {
            Ok(r) => {
                if select {
                    sock.last_db = Some(db_target);
                }
                ctx.srv.persist.migrate.put(&host, port, sock, crate::util::unix_ms());
                break (r, expected - batch.len());
            }
            // A cached connection the target closed meanwhile: one new try.
            Err(_) if cached && !retried => retried = true,
            Err(writing) => {
                return ctx.reply().error(if writing { errors::MIGRATE_WRITE } else { errors::MIGRATE_READ });
            }
        }
    };
    // AUTH and SELECT answer first: an error there moved nothing.
    let mut it = replies.into_iter();
    for r in it.by_ref().take(pre) {
        if r.first() == Some(&b'-') {
            let e = String::from_utf8_lossy(&r[1..]).into_owned();
            return ctx.reply().error(&format!("ERR Target instance replied with error: {e}"));
        }
    }
    let mut error: Option<String> = None;
    let mut moved: Vec<Vec<u8>> = Vec::new();
    for ((key, _, _), r) in batch.iter().zip(it) {
        if r.first() == Some(&b'-') {
            if error.is_none() {
                error = Some(String::from_utf8_lossy(&r[1..]).into_owned());
            }
            continue;
        }
        if !a.copy && ctx.srv.ks.delete(db, key) {
            moved.push(key.to_vec());
        }
    }
    if !moved.is_empty() {
        ctx.srv.ks.dirty += moved.len() as u64;
        let mut del = vec![b"DEL".to_vec()];
        del.extend(moved);
        ctx.srv.persist.prop.rewrite(del);
    }
    match error {
        Some(e) => ctx.reply().error(&format!("ERR Target instance replied with error: {e}")),
        None => ctx.reply().ok(),
    }
}
