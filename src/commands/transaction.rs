//! Transactions: MULTI, EXEC, DISCARD, WATCH, UNWATCH.
//!
//! Queueing happens in `Server::call` (a client in MULTI gets `+QUEUED` for
//! every command that passes the checks); the state and WATCH bookkeeping
//! live in `server::multi` and `store::watch`. Here are the commands.

use super::docs::key;
use super::KEY_RO;
use super::{cmd, Command, Ctx, ALLOW_BUSY, ALL_KEYS, FAST, LOADING, NOSCRIPT, NO_KEYS, SKIP_SLOWLOG, STALE};
use crate::errors;

const T: &[&str] = &["transaction"];
const G: &str = "transactions";

#[rustfmt::skip]
pub static COMMANDS: &[Command] = &[
    Command { complexity: "O(1)", ..cmd("multi", 1, NOSCRIPT | LOADING | STALE | FAST | ALLOW_BUSY, NO_KEYS, T, G, "Mark the start of a transaction block", "1.2.0", multi) },
    Command { complexity: "Depends on commands in the transaction", ..cmd("exec", 1, NOSCRIPT | LOADING | STALE | SKIP_SLOWLOG, NO_KEYS, T, G, "Execute all commands issued after MULTI", "1.2.0", exec) },
    Command { complexity: "O(N), when N is the number of queued commands", ..cmd("discard", 1, NOSCRIPT | LOADING | STALE | FAST | ALLOW_BUSY, NO_KEYS, T, G, "Discard all commands issued after MULTI", "2.0.0", discard) },
    Command { key_flags: KEY_RO, complexity: "O(1) for every key.", args: &[key("key", 0).multiple()], ..cmd("watch", -2, NOSCRIPT | LOADING | STALE | FAST | ALLOW_BUSY, ALL_KEYS, T, G, "Watch the given keys to determine execution of the MULTI/EXEC block", "2.2.0", watch) },
    Command { complexity: "O(1)", ..cmd("unwatch", 1, NOSCRIPT | LOADING | STALE | FAST | ALLOW_BUSY, NO_KEYS, T, G, "Forget about all watched keys", "2.2.0", unwatch) },
];

fn multi(ctx: &mut Ctx, _argv: &[&[u8]]) {
    if ctx.client.tx.active {
        return ctx.reply().error(errors::MULTI_NESTED);
    }
    ctx.client.tx.active = true;
    ctx.reply().ok();
}

/// Runs the queued commands, unless a command was refused while queueing
/// (EXECABORT) or a watched key changed (nil). Errors of single commands are
/// replies like any other and do not stop the rest.
fn exec(ctx: &mut Ctx, _argv: &[&[u8]]) {
    let (srv, c) = (&mut *ctx.srv, &mut *ctx.client);
    if !c.tx.active {
        return c.reply.error(errors::EXEC_WITHOUT_MULTI);
    }
    if srv.watched_key_expired(c) {
        c.tx.dirty.set(true);
    }
    if c.tx.aborted {
        srv.discard_transaction(c);
        return c.reply.error(errors::EXECABORT);
    }
    if c.tx.dirty.get() {
        srv.discard_transaction(c);
        return c.reply.null_array();
    }
    // Nothing to watch for any more: the transaction runs now.
    srv.unwatch_all(c);
    let queue = std::mem::take(&mut c.tx.queue);
    c.tx.executing = true;
    c.reply.array_len(queue.len());
    for q in &queue {
        let argv: Vec<&[u8]> = q.argv.iter().map(|a| a.as_slice()).collect();
        srv.call(c, &argv);
    }
    srv.discard_transaction(c);
}

fn discard(ctx: &mut Ctx, _argv: &[&[u8]]) {
    if !ctx.client.tx.active {
        return ctx.reply().error(errors::DISCARD_WITHOUT_MULTI);
    }
    ctx.srv.discard_transaction(ctx.client);
    ctx.reply().ok();
}

fn watch(ctx: &mut Ctx, argv: &[&[u8]]) {
    if ctx.client.tx.active {
        return ctx.reply().error(errors::WATCH_IN_MULTI);
    }
    // Once dirty, the transaction fails anyway: no point watching more.
    if !ctx.client.tx.dirty.get() {
        for key in &argv[1..] {
            ctx.srv.watch_key(ctx.client, key);
        }
    }
    ctx.reply().ok();
}

fn unwatch(ctx: &mut Ctx, _argv: &[&[u8]]) {
    ctx.srv.unwatch_all(ctx.client);
    ctx.reply().ok();
}
