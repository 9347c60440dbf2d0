//! MEMORY: per-key usage estimates and the allocator's reports.
//!
//! `MEMORY USAGE` is computed by [`crate::store::memory::usage`]. Allocator
//! statistics (`MEMORY STATS`, a real `MALLOC-STATS`) come with jemalloc.

use super::args::{self, is};
use super::{cmd, container, Command, Ctx, Keys, NO_KEYS, READONLY};
use crate::errors;

const G: &str = "server";
const NONE: &[&str] = &[];
/// Elements sampled by MEMORY USAGE without SAMPLES (Redis's default).
const DEFAULT_SAMPLES: usize = 5;

#[rustfmt::skip]
pub static COMMANDS: &[Command] = &[
    container("memory", G, "A container for memory diagnostics commands.", "4.0.0", SUBCOMMANDS),
];

#[rustfmt::skip]
static SUBCOMMANDS: &[Command] = &[
    cmd("usage", -3, READONLY, Keys { first: 2, last: 2, step: 1 }, &["read"], G, "Estimates the memory usage of a key.", "4.0.0", usage),
    cmd("doctor", 2, 0, NO_KEYS, NONE, G, "Outputs a memory problems report.", "4.0.0", doctor),
    cmd("purge", 2, 0, NO_KEYS, NONE, G, "Asks the allocator to release memory.", "4.0.0", purge),
    cmd("malloc-stats", 2, 0, NO_KEYS, NONE, G, "Returns the allocator statistics.", "4.0.0", malloc_stats),
    cmd("help", 2, super::LOADING | super::STALE, NO_KEYS, NONE, G, "Returns helpful text about the different subcommands.", "4.0.0", help),
];

fn usage(ctx: &mut Ctx, argv: &[&[u8]]) {
    let mut samples = DEFAULT_SAMPLES;
    let mut i = 3;
    while i < argv.len() {
        if is(argv[i], "samples") && i + 1 < argv.len() {
            match args::int(argv[i + 1]) {
                Err(_) => return ctx.reply().error(errors::NOT_INTEGER),
                Ok(n) if n < 0 => return ctx.reply().error(errors::SYNTAX),
                Ok(n) => samples = usize::try_from(n).unwrap_or(usize::MAX),
            }
            i += 2;
        } else {
            return ctx.reply().error(errors::SYNTAX);
        }
    }
    let db = ctx.db();
    let size = ctx.srv.ks.lookup_quiet(db, argv[2]).map(|o| crate::store::memory::usage(argv[2], o, samples));
    match size {
        Some(n) => ctx.reply().int(n as i64),
        None => ctx.reply().null(),
    }
}

fn doctor(ctx: &mut Ctx, _argv: &[&[u8]]) {
    ctx.reply().verbatim(
        b"Hi Sam, I can't find any memory issue in your instance. I can only account for what occurs on this base.",
    );
}

fn purge(ctx: &mut Ctx, _argv: &[&[u8]]) {
    ctx.reply().ok();
}

fn malloc_stats(ctx: &mut Ctx, _argv: &[&[u8]]) {
    ctx.reply().verbatim(b"Stats not supported for the current allocator");
}

fn help(ctx: &mut Ctx, _argv: &[&[u8]]) {
    super::introspection::help_reply(
        ctx,
        "MEMORY",
        &[
            "DOCTOR",
            "    Return memory problems reports.",
            "MALLOC-STATS",
            "    Return internal statistics report from the memory allocator.",
            "PURGE",
            "    Attempt to purge dirty pages for reclamation by the allocator.",
            "USAGE <key> [SAMPLES <count>]",
            "    Return memory in bytes used by <key> and its value. Nested values are",
            "    sampled up to <count> times (default: 5, 0 means sample all).",
        ],
    );
}
