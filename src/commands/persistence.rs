//! Persistence commands: SAVE, BGSAVE, BGREWRITEAOF, DUMP, RESTORE. The work
//! itself lives in `crate::persistence`.

use super::args::{self, is};
use super::{cmd, one_key_spec, Command, Ctx, KeySpec, ADMIN, DENYOOM, KEY_OVERWRITE, NOSCRIPT, NO_KEYS, ONE_KEY};
use super::{NO_ASYNC_LOADING, NO_MULTI, READONLY, WRITE};
use crate::errors;
use crate::persistence::{self, rdb, ChildKind};
use crate::store::value::Obj;

const G: &str = "server";
const K: &[&str] = &["keyspace"];
const KD: &[&str] = &["keyspace", "dangerous"];
const NONE: &[&str] = &[];
const RESTORE_SPEC: &[KeySpec] = &[one_key_spec(1, KEY_OVERWRITE)];

#[rustfmt::skip]
pub static COMMANDS: &[Command] = &[
    cmd("save", 1, ADMIN | NOSCRIPT | NO_ASYNC_LOADING | NO_MULTI, NO_KEYS, NONE, G, "Synchronously saves the database(s) to disk.", "1.0.0", save),
    cmd("bgsave", -1, ADMIN | NOSCRIPT | NO_ASYNC_LOADING, NO_KEYS, NONE, G, "Asynchronously saves the database(s) to disk.", "1.0.0", bgsave),
    cmd("bgrewriteaof", 1, ADMIN | NOSCRIPT | NO_ASYNC_LOADING, NO_KEYS, NONE, G, "Asynchronously rewrites the append-only file to disk.", "1.0.0", bgrewriteaof),
    cmd("dump", 2, READONLY, ONE_KEY, K, "generic", "Returns a serialized representation of the value stored at a key.", "2.6.0", dump),
    Command { key_specs: RESTORE_SPEC, ..cmd("restore", -4, WRITE | DENYOOM, ONE_KEY, KD, "generic", "Creates a key from the serialized representation of a value.", "2.6.0", restore) },
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
