//! The propagation point: every change to the data set leaves the server as
//! a command, through [`propagate`], to the append-only file (and, later, to
//! replicas).
//!
//! After a command runs, [`after_call`] decides what it propagates:
//! - nothing if it changed nothing (`dirty` did not grow);
//! - what its handler asked for with [`Propagation::rewrite`] (SPOP → SREM,
//!   BLPOP → LPOP of the key that was served...);
//! - a rewrite by name for commands whose effect depends on the moment they
//!   run (EXPIRE/SETEX/SET EX → absolute PEXPIREAT/SET PXAT, INCRBYFLOAT →
//!   SET KEEPTTL, GETDEL → DEL, BLMOVE → LMOVE, RESTORE ttl → ABSTTL...);
//! - its own argv otherwise.
//!
//! Keys the server deletes on its own (lazy or active expiry, eviction) are
//! logged by the keyspace and propagated as DEL before the command that met
//! them. Everything one top-level command propagates (EXEC's queued commands,
//! a script's calls, an expired key and the write that found it expired)
//! goes out together, wrapped in MULTI/EXEC when there is more than one
//! command, as Redis 7.0 does.

use crate::commands::CmdId;
use crate::server::{Client, Server};
use crate::store::Value;

/// One propagated command and the database it applies to (`None`: MULTI/EXEC).
pub type Op = (Option<usize>, Vec<Vec<u8>>);

/// Propagation state of the command(s) running now.
#[derive(Default)]
pub struct Propagation {
    /// Nesting of calls (EXEC and scripts run commands inside a command).
    depth: u32,
    /// What the current top-level command propagates so far.
    pending: Vec<Op>,
    /// Set by a handler: what the running command propagates instead of its argv.
    rewritten: Option<Vec<Vec<Vec<u8>>>>,
}

impl Propagation {
    /// Makes the running command propagate `argv` instead of its own
    /// arguments; call it several times to propagate several commands.
    pub fn rewrite(&mut self, argv: Vec<Vec<u8>>) {
        self.rewritten.get_or_insert_with(Vec::new).push(argv);
    }

    /// [`Propagation::rewrite`] from borrowed parts.
    pub fn rewrite_parts(&mut self, parts: &[&[u8]]) {
        self.rewrite(parts.iter().map(|p| p.to_vec()).collect());
    }
}

/// What [`before_call`] remembers for [`after_call`].
pub struct CallMark {
    dirty: u64,
    pending: usize,
    outer_rewrite: Option<Vec<Vec<Vec<u8>>>>,
}

/// Called right before a command's handler runs.
pub fn before_call(srv: &mut Server) -> CallMark {
    let p = &mut srv.persist.prop;
    p.depth += 1;
    CallMark { dirty: srv.ks.dirty, pending: p.pending.len(), outer_rewrite: p.rewritten.take() }
}

/// Commands that are never propagated themselves when the commands they ran
/// were: the transaction and scripts (their effects are).
fn runs_commands(name: &str) -> bool {
    matches!(name, "exec" | "eval" | "evalsha" | "eval_ro" | "evalsha_ro" | "fcall" | "fcall_ro")
}

/// Commands propagated even when they changed nothing (so a replica or the
/// AOF sees an empty database emptied too).
fn always_propagated(name: &str) -> bool {
    matches!(name, "flushall" | "flushdb" | "function|load" | "function|delete" | "function|flush" | "function|restore")
}

/// Commands whose changes are not theirs to propagate (DEBUG RELOAD and
/// LOADAOF load data that is already on disk).
fn never_propagated(name: &str) -> bool {
    matches!(name, "debug" | "save" | "bgsave" | "bgrewriteaof" | "shutdown")
}

/// Called right after a command's handler ran.
pub fn after_call(srv: &mut Server, mark: CallMark, c: &Client, id: CmdId, argv: &[&[u8]]) {
    let rewritten = std::mem::replace(&mut srv.persist.prop.rewritten, mark.outer_rewrite);
    srv.persist.prop.depth -= 1;
    take_implicit_deletes(srv);
    let entry = &srv.commands.entries[id];
    let name = entry.fullname.as_str();
    let failed = c.reply.errors > 0;
    let changed = (srv.ks.dirty > mark.dirty || (always_propagated(name) && !failed)) && !never_propagated(name);
    let inner_ops = srv.persist.prop.pending.len() > mark.pending;
    if changed && !(runs_commands(name) && inner_ops) {
        let db = c.db;
        let ops = match rewritten {
            Some(v) => v,
            None => vec![rewrite_by_name(srv, db, name, argv)],
        };
        for argv in ops {
            srv.persist.prop.pending.push((Some(db), argv));
        }
    }
    if srv.persist.prop.depth == 0 {
        flush_pending(srv);
    }
}

/// After a blocked client's command was re-run (and served) outside a call.
pub fn after_rerun(srv: &mut Server, dirty_before: u64, db: usize, argv: &[&[u8]]) {
    let name = String::from_utf8_lossy(argv[0]).to_ascii_lowercase();
    let name = name.as_str();
    let rewritten = srv.persist.prop.rewritten.take();
    take_implicit_deletes(srv);
    if srv.ks.dirty > dirty_before {
        let ops = rewritten.unwrap_or_else(|| vec![rewrite_by_name(srv, db, name, argv)]);
        for argv in ops {
            srv.persist.prop.pending.push((Some(db), argv));
        }
    }
    if srv.persist.prop.depth == 0 {
        flush_pending(srv);
    }
}

/// Propagates the deletions the keyspace did on its own since the last look.
fn take_implicit_deletes(srv: &mut Server) {
    if srv.ks.implicit_deletes.is_empty() {
        return;
    }
    for (db, key) in std::mem::take(&mut srv.ks.implicit_deletes) {
        srv.persist.prop.pending.push((Some(db), vec![b"DEL".to_vec(), key.into_vec()]));
    }
}

/// Propagation outside any command (active expiry in the cron, evictions).
pub fn flush_outside_calls(srv: &mut Server) {
    if srv.persist.prop.depth > 0 {
        return;
    }
    take_implicit_deletes(srv);
    // Deletions found by the cron are independent: no MULTI around them.
    for (db, argv) in std::mem::take(&mut srv.persist.prop.pending) {
        propagate(srv, db, &argv);
    }
}

/// Sends what the top-level command propagated, wrapped in MULTI/EXEC when
/// it is more than one command.
fn flush_pending(srv: &mut Server) {
    let ops = std::mem::take(&mut srv.persist.prop.pending);
    match ops.len() {
        0 => {}
        1 => {
            let (db, argv) = &ops[0];
            propagate(srv, *db, argv);
        }
        _ => {
            propagate(srv, None, &[b"MULTI".to_vec()]);
            for (db, argv) in &ops {
                propagate(srv, *db, argv);
            }
            propagate(srv, None, &[b"EXEC".to_vec()]);
        }
    }
}

/// The single propagation point: one command applied to `db`.
pub fn propagate(srv: &mut Server, db: Option<usize>, argv: &[Vec<u8>]) {
    super::aof::feed(srv, db, argv);
}

fn has_option(argv: &[&[u8]], from: usize, names: &[&str]) -> bool {
    argv.iter().skip(from).any(|a| names.iter().any(|n| a.eq_ignore_ascii_case(n.as_bytes())))
}

fn owned(parts: &[&[u8]]) -> Vec<Vec<u8>> {
    parts.iter().map(|p| p.to_vec()).collect()
}

/// An absolute deadline as propagated, or DEL when the key is gone (an
/// expiry in the past deletes it).
fn deadline_or_del(srv: &Server, db: usize, key: &[u8], cmd: &[u8]) -> Vec<Vec<u8>> {
    match srv.ks.expire_at(db, key) {
        Some(t) if srv.ks.dbs[db].dict.contains_key(key) => {
            vec![cmd.to_vec(), key.to_vec(), t.to_string().into_bytes()]
        }
        _ => vec![b"DEL".to_vec(), key.to_vec()],
    }
}

/// What a command that changed the data set propagates, when its handler did
/// not say: its argv, or the time-independent form of it.
fn rewrite_by_name(srv: &Server, db: usize, name: &str, argv: &[&[u8]]) -> Vec<Vec<u8>> {
    const EXPIRY_OPTS: &[&str] = &["ex", "px", "exat", "pxat"];
    let key = argv.get(1).copied().unwrap_or_default();
    match name {
        "set" if has_option(argv, 3, EXPIRY_OPTS) => match srv.ks.expire_at(db, key) {
            Some(t) => owned(&[b"SET", key, argv[2], b"PXAT", t.to_string().as_bytes()]),
            None => vec![b"DEL".to_vec(), key.to_vec()],
        },
        "setex" | "psetex" => match srv.ks.expire_at(db, key) {
            Some(t) => owned(&[b"SET", key, argv[3], b"PXAT", t.to_string().as_bytes()]),
            None => vec![b"DEL".to_vec(), key.to_vec()],
        },
        "expire" | "pexpire" | "expireat" | "pexpireat" => deadline_or_del(srv, db, key, b"PEXPIREAT"),
        "getex" if has_option(argv, 2, EXPIRY_OPTS) => deadline_or_del(srv, db, key, b"PEXPIREAT"),
        "getex" if has_option(argv, 2, &["persist"]) => owned(&[b"PERSIST", key]),
        "getdel" => owned(&[b"DEL", key]),
        "incrbyfloat" => match srv.ks.dbs[db].dict.get(key).map(|o| &o.value) {
            Some(Value::Str(s)) => owned(&[b"SET", key, &s.to_vec(), b"KEEPTTL"]),
            _ => owned(argv),
        },
        "hincrbyfloat" => match srv.ks.dbs[db].dict.get(key).map(|o| &o.value) {
            Some(Value::Hash(h)) => match h.get(argv[2]) {
                Some(v) => owned(&[b"HSET", key, argv[2], v]),
                None => owned(argv),
            },
            _ => owned(argv),
        },
        "restore" if !has_option(argv, 4, &["absttl"]) && argv.get(2).is_some_and(|t| *t != b"0") => {
            match srv.ks.expire_at(db, key) {
                Some(t) => {
                    let mut v = owned(argv);
                    v[2] = t.to_string().into_bytes();
                    v.push(b"ABSTTL".to_vec());
                    v
                }
                None => owned(argv),
            }
        }
        "blmove" if argv.len() == 6 => owned(&[b"LMOVE", argv[1], argv[2], argv[3], argv[4]]),
        "brpoplpush" if argv.len() == 4 => owned(&[b"RPOPLPUSH", argv[1], argv[2]]),
        _ => owned(argv),
    }
}
