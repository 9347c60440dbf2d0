//! Scripting and functions. The Lua engine arrives with the scripting work;
//! what is here is what exists without it: FUNCTION FLUSH (there are no
//! libraries to remove yet, so it always succeeds), FUNCTION LIST (empty).

use super::args::is;
use super::{cmd, container, Command, Ctx, NOSCRIPT, NO_KEYS, WRITE};
use crate::errors;

const S: &[&str] = &["scripting"];
const G: &str = "scripting";

#[rustfmt::skip]
pub static COMMANDS: &[Command] = &[container("function", G, "A container for function commands.", "7.0.0", FUNCTION_SUBCOMMANDS)];

#[rustfmt::skip]
static FUNCTION_SUBCOMMANDS: &[Command] = &[
    cmd("flush", -2, WRITE | NOSCRIPT, NO_KEYS, S, G, "Deletes all libraries and functions.", "7.0.0", function_flush),
    cmd("list", -2, NOSCRIPT, NO_KEYS, S, G, "Returns information about all libraries.", "7.0.0", function_list),
    cmd("help", 2, super::LOADING | super::STALE, NO_KEYS, S, G, "Returns helpful text about the different subcommands.", "7.0.0", function_help),
];

fn function_flush(ctx: &mut Ctx, argv: &[&[u8]]) {
    match argv.get(2) {
        None => {}
        Some(a) if is(a, "async") || is(a, "sync") => {}
        Some(_) => return ctx.reply().error("ERR FUNCTION FLUSH only supports SYNC|ASYNC option"),
    }
    if argv.len() > 3 {
        return ctx.reply().error(errors::SYNTAX);
    }
    ctx.reply().ok();
}

fn function_list(ctx: &mut Ctx, argv: &[&[u8]]) {
    let mut i = 2;
    while i < argv.len() {
        if is(argv[i], "withcode") {
            i += 1;
        } else if is(argv[i], "libraryname") && i + 1 < argv.len() {
            i += 2;
        } else {
            return ctx.reply().error("ERR Unknown argument");
        }
    }
    ctx.reply().array_len(0);
}

fn function_help(ctx: &mut Ctx, _argv: &[&[u8]]) {
    super::introspection::help_reply(
        ctx,
        "FUNCTION",
        &[
            "LIST [LIBRARYNAME <pattern>] [WITHCODE]",
            "    Return general information on all the libraries.",
            "FLUSH [ASYNC|SYNC]",
            "    Delete all the libraries.",
        ],
    );
}
