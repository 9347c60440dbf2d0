//! Pub/Sub commands: SUBSCRIBE, UNSUBSCRIBE, PSUBSCRIBE, PUNSUBSCRIBE,
//! PUBLISH, the shard variants (SSUBSCRIBE, SUNSUBSCRIBE, SPUBLISH) and the
//! PUBSUB introspection container.
//!
//! The subscription maps and message delivery live in `server/pubsub.rs`;
//! the handlers here parse and call into them. Replies are Redis 7.0's:
//! confirmations and messages are pushes (RESP2 arrays, RESP3 `>` frames).

use super::docs::{block, pattern, string};
use super::{cmd, container, Command, Ctx, Find, KeySpec, Keys, FAST, LOADING, NOSCRIPT, NO_KEYS, PUBSUB, STALE};
use crate::server::pubsub::Kind;

const P: &[&str] = &["pubsub"];
const G: &str = "pubsub";
const SUB: u32 = PUBSUB | NOSCRIPT | LOADING | STALE;
const PUB: u32 = PUBSUB | LOADING | STALE | FAST;
/// Shard channels are declared as keys (for cluster slot checks), like Redis.
const CHANNELS: Keys = Keys { first: 1, last: -1, step: 1 };
const CHANNEL: Keys = Keys { first: 1, last: 1, step: 1 };
static CHANNELS_SPEC: &[KeySpec] = &[KeySpec { notes: "", flags: &["not_key"], find: Find::Range(CHANNELS) }];
static CHANNEL_SPEC: &[KeySpec] = &[KeySpec { notes: "", flags: &["not_key"], find: Find::Range(CHANNEL) }];

#[rustfmt::skip]
pub static COMMANDS: &[Command] = &[
    Command { complexity: "O(N) where N is the number of channels to subscribe to.", args: &[string("channel").multiple()], ..cmd("subscribe", -2, SUB, NO_KEYS, P, G, "Listen for messages published to the given channels", "2.0.0", subscribe) },
    Command { complexity: "O(N) where N is the number of clients already subscribed to a channel.", args: &[string("channel").optional().multiple()], ..cmd("unsubscribe", -1, SUB, NO_KEYS, P, G, "Stop listening for messages posted to the given channels", "2.0.0", unsubscribe) },
    Command { complexity: "O(N) where N is the number of patterns the client is already subscribed to.", args: &[block("pattern", &[pattern("pattern")]).multiple()], ..cmd("psubscribe", -2, SUB, NO_KEYS, P, G, "Listen for messages published to channels matching the given patterns", "2.0.0", psubscribe) },
    Command { complexity: "O(N+M) where N is the number of patterns the client is already subscribed and M is the number of total patterns subscribed in the system (by any client).", args: &[pattern("pattern").optional().multiple()], ..cmd("punsubscribe", -1, SUB, NO_KEYS, P, G, "Stop listening for messages posted to channels matching the given patterns", "2.0.0", punsubscribe) },
    Command { complexity: "O(N+M) where N is the number of clients subscribed to the receiving channel and M is the total number of subscribed patterns (by any client).", args: &[string("channel"), string("message")], ..cmd("publish", 3, PUB, NO_KEYS, P, G, "Post a message to a channel", "2.0.0", publish) },
    Command { key_specs: CHANNELS_SPEC, complexity: "O(N) where N is the number of shard channels to subscribe to.", args: &[string("shardchannel").multiple()], ..cmd("ssubscribe", -2, SUB, CHANNELS, P, G, "Listen for messages published to the given shard channels", "7.0.0", ssubscribe) },
    Command { key_specs: CHANNELS_SPEC, complexity: "O(N) where N is the number of clients already subscribed to a shard channel.", args: &[string("shardchannel").optional().multiple()], ..cmd("sunsubscribe", -1, SUB, CHANNELS, P, G, "Stop listening for messages posted to the given shard channels", "7.0.0", sunsubscribe) },
    Command { key_specs: CHANNEL_SPEC, complexity: "O(N) where N is the number of clients subscribed to the receiving shard channel.", args: &[string("shardchannel"), string("message")], ..cmd("spublish", 3, PUB, CHANNEL, P, G, "Post a message to a shard channel", "7.0.0", spublish) },
    Command { complexity: "Depends on subcommand.", ..container("pubsub", G, "A container for Pub/Sub commands", "2.8.0", PUBSUB_SUBCOMMANDS) },
];

const INTRO: u32 = PUBSUB | LOADING | STALE;

#[rustfmt::skip]
static PUBSUB_SUBCOMMANDS: &[Command] = &[
    Command { complexity: "O(N) where N is the number of active channels, and assuming constant time pattern matching (relatively short channels and patterns)", args: &[pattern("pattern").optional()], ..cmd("channels", -2, INTRO, NO_KEYS, P, G, "List active channels", "2.8.0", pubsub_channels) },
    Command { complexity: "O(N) for the NUMSUB subcommand, where N is the number of requested channels", args: &[string("channel").optional().multiple()], ..cmd("numsub", -2, INTRO, NO_KEYS, P, G, "Get the count of subscribers for channels", "2.8.0", pubsub_numsub) },
    Command { complexity: "O(1)", ..cmd("numpat", 2, INTRO, NO_KEYS, P, G, "Get the count of unique patterns pattern subscriptions", "2.8.0", pubsub_numpat) },
    Command { complexity: "O(N) where N is the number of active shard channels, and assuming constant time pattern matching (relatively short shard channels).", args: &[pattern("pattern").optional()], ..cmd("shardchannels", -2, INTRO, NO_KEYS, P, G, "List active shard channels", "7.0.0", pubsub_shardchannels) },
    Command { complexity: "O(N) for the SHARDNUMSUB subcommand, where N is the number of requested shard channels", args: &[string("shardchannel").optional().multiple()], ..cmd("shardnumsub", -2, INTRO, NO_KEYS, P, G, "Get the count of subscribers for shard channels", "7.0.0", pubsub_shardnumsub) },
    Command { complexity: "O(1)", ..cmd("help", 2, LOADING | STALE, NO_KEYS, &[], G, "Show helpful text about the different subcommands", "6.2.0", pubsub_help) },
];

fn subscribe(ctx: &mut Ctx, argv: &[&[u8]]) {
    ctx.srv.pubsub_subscribe(ctx.client, Kind::Channel, &argv[1..]);
}

fn unsubscribe(ctx: &mut Ctx, argv: &[&[u8]]) {
    ctx.srv.pubsub_unsubscribe(ctx.client, Kind::Channel, &argv[1..]);
}

fn psubscribe(ctx: &mut Ctx, argv: &[&[u8]]) {
    ctx.srv.pubsub_subscribe(ctx.client, Kind::Pattern, &argv[1..]);
}

fn punsubscribe(ctx: &mut Ctx, argv: &[&[u8]]) {
    ctx.srv.pubsub_unsubscribe(ctx.client, Kind::Pattern, &argv[1..]);
}

fn ssubscribe(ctx: &mut Ctx, argv: &[&[u8]]) {
    // Redis 7.0 lets SUBSCRIBE and PSUBSCRIBE run inside EXEC but refuses
    // SSUBSCRIBE there, as it refuses blocking.
    if crate::server::blocking::cannot_block(ctx) {
        return ctx.reply().error(crate::errors::SSUBSCRIBE_DENY_BLOCKING);
    }
    ctx.srv.pubsub_subscribe(ctx.client, Kind::Shard, &argv[1..]);
}

fn sunsubscribe(ctx: &mut Ctx, argv: &[&[u8]]) {
    ctx.srv.pubsub_unsubscribe(ctx.client, Kind::Shard, &argv[1..]);
}

fn publish(ctx: &mut Ctx, argv: &[&[u8]]) {
    let n = ctx.srv.publish(Some(&mut *ctx.client), argv[1], argv[2]);
    ctx.reply().int(n as i64);
}

fn spublish(ctx: &mut Ctx, argv: &[&[u8]]) {
    let n = ctx.srv.spublish(Some(&mut *ctx.client), argv[1], argv[2]);
    ctx.reply().int(n as i64);
}

/// PUBSUB CHANNELS / SHARDCHANNELS [pattern]
fn channels_generic(ctx: &mut Ctx, argv: &[&[u8]], shard: bool) {
    if argv.len() > 3 {
        return ctx.reply().error(&format!(
            "ERR unknown subcommand or wrong number of arguments for '{}'. Try PUBSUB HELP.",
            super::args::lossy(argv[1])
        ));
    }
    let pattern = argv.get(2).copied();
    let found = ctx.srv.pubsub.channels_matching(shard, pattern);
    let r = &mut ctx.client.reply;
    r.array_len(found.len());
    for ch in found {
        r.bulk(ch);
    }
}

/// PUBSUB NUMSUB / SHARDNUMSUB [channel ...]: a flat array of channel, count.
fn numsub_generic(ctx: &mut Ctx, argv: &[&[u8]], shard: bool) {
    let chans = &argv[2..];
    let r = &mut ctx.client.reply;
    r.array_len(chans.len() * 2);
    for ch in chans {
        r.bulk(ch);
        r.int(ctx.srv.pubsub.subscribers(shard, ch) as i64);
    }
}

fn pubsub_channels(ctx: &mut Ctx, argv: &[&[u8]]) {
    channels_generic(ctx, argv, false);
}

fn pubsub_shardchannels(ctx: &mut Ctx, argv: &[&[u8]]) {
    channels_generic(ctx, argv, true);
}

fn pubsub_numsub(ctx: &mut Ctx, argv: &[&[u8]]) {
    numsub_generic(ctx, argv, false);
}

fn pubsub_shardnumsub(ctx: &mut Ctx, argv: &[&[u8]]) {
    numsub_generic(ctx, argv, true);
}

fn pubsub_numpat(ctx: &mut Ctx, _argv: &[&[u8]]) {
    let n = ctx.srv.pubsub.pattern_count();
    ctx.reply().int(n as i64);
}

fn pubsub_help(ctx: &mut Ctx, _argv: &[&[u8]]) {
    super::introspection::help_reply(
        ctx,
        "PUBSUB",
        &[
            "CHANNELS [<pattern>]",
            "    Return the currently active channels matching a <pattern> (default: '*').",
            "NUMPAT",
            "    Return number of subscriptions to patterns.",
            "NUMSUB [<channel> ...]",
            "    Return the number of subscribers for the specified channels, excluding",
            "    pattern subscriptions(default: no channels).",
            "SHARDCHANNELS [<pattern>]",
            "    Return the currently active shard level channels matching a <pattern> (default: '*').",
            "SHARDNUMSUB [<shardchannel> ...]",
            "    Return the number of subscribers for the specified shard level channel(s)",
        ],
    );
}
