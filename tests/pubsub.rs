//! Pub/Sub over TCP: SUBSCRIBE/PSUBSCRIBE/SSUBSCRIBE and their opposites,
//! PUBLISH/SPUBLISH, PUBSUB introspection, the RESP2 subscribed-mode rules,
//! RESP3 pushes, CLIENT LIST/INFO fields, RESET and disconnection, and the
//! `client-output-buffer-limit` enforcement. Expected bytes were checked
//! against Redis 7.0.

mod common;
#[path = "support/raw.rs"]
mod raw;

use std::collections::HashMap;
use std::time::{Duration, Instant};

use common::{q, Server};
use raw::{End, Frame, Raw};
use redis::Connection;

fn raw(srv: &Server) -> Raw {
    Raw::new(srv.raw())
}

fn bulk(s: &str) -> Frame {
    Frame::Bulk(Some(s.as_bytes().to_vec()))
}

/// A RESP2 array of bulk strings and one trailing integer.
fn arr(words: &[&str], n: i64) -> Frame {
    let mut v: Vec<Frame> = words.iter().map(|w| bulk(w)).collect();
    v.push(Frame::Int(n));
    Frame::Array(Some(v))
}

fn msg(words: &[&str]) -> Frame {
    Frame::Array(Some(words.iter().map(|w| bulk(w)).collect()))
}

fn push(words: &[&str]) -> Frame {
    Frame::Push(words.iter().map(|w| bulk(w)).collect())
}

fn not_allowed(cmd: &str) -> String {
    format!("ERR Can't execute '{cmd}': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context")
}

/// `key:value` lines of an INFO reply.
fn info(c: &mut Connection, section: &str) -> HashMap<String, String> {
    let text: String = q(c, &["INFO", section]);
    text.lines().filter_map(|l| l.split_once(':')).map(|(k, v)| (k.to_string(), v.trim_end().to_string())).collect()
}

/// The CLIENT LIST line of the client named `name`, as key=value pairs.
fn client_fields(c: &mut Connection, name: &str) -> Option<HashMap<String, String>> {
    let list: String = q(c, &["CLIENT", "LIST"]);
    list.lines().find(|l| l.contains(&format!(" name={name} "))).map(|l| {
        l.split(' ').filter_map(|kv| kv.split_once('=')).map(|(k, v)| (k.to_string(), v.to_string())).collect()
    })
}

#[test]
fn subscribe_publish_and_unsubscribe() {
    let srv = Server::start();
    let mut sub = raw(&srv);
    let mut c = srv.conn();
    sub.send(&raw::encode_str(&["SUBSCRIBE", "chan1", "chan2"]));
    assert_eq!(sub.read(), arr(&["subscribe", "chan1"], 1));
    assert_eq!(sub.read(), arr(&["subscribe", "chan2"], 2));
    assert_eq!(q::<i64>(&mut c, &["PUBLISH", "chan1", "hello"]), 1);
    assert_eq!(q::<i64>(&mut c, &["PUBLISH", "chan2", "world"]), 1);
    assert_eq!(q::<i64>(&mut c, &["PUBLISH", "other", "x"]), 0);
    assert_eq!(sub.read(), msg(&["message", "chan1", "hello"]));
    assert_eq!(sub.read(), msg(&["message", "chan2", "world"]));
    // Exact bytes of a message.
    q::<i64>(&mut c, &["PUBLISH", "chan1", ""]);
    assert_eq!(sub.read_bytes(), b"*3\r\n$7\r\nmessage\r\n$5\r\nchan1\r\n$0\r\n\r\n");
    assert_eq!(sub.cmd(&["UNSUBSCRIBE", "chan1"]), arr(&["unsubscribe", "chan1"], 1));
    assert_eq!(q::<i64>(&mut c, &["PUBLISH", "chan1", "hello"]), 0);
    // Subscribing twice to one channel counts once.
    sub.send(&raw::encode_str(&["SUBSCRIBE", "chan2", "chan2"]));
    assert_eq!(sub.read(), arr(&["subscribe", "chan2"], 1));
    assert_eq!(sub.read(), arr(&["subscribe", "chan2"], 1));
    assert_eq!(q::<i64>(&mut c, &["PUBLISH", "chan2", "once"]), 1);
    assert_eq!(sub.read(), msg(&["message", "chan2", "once"]));
    assert_eq!(sub.cmd(&["UNSUBSCRIBE"]), arr(&["unsubscribe", "chan2"], 0));
    // Nothing left: a null name and 0, for each kind.
    assert_eq!(
        sub.cmd(&["UNSUBSCRIBE"]),
        Frame::Array(Some(vec![bulk("unsubscribe"), Frame::Bulk(None), Frame::Int(0)]))
    );
    assert_eq!(
        sub.cmd(&["PUNSUBSCRIBE"]),
        Frame::Array(Some(vec![bulk("punsubscribe"), Frame::Bulk(None), Frame::Int(0)]))
    );
    assert_eq!(
        sub.cmd(&["SUNSUBSCRIBE"]),
        Frame::Array(Some(vec![bulk("sunsubscribe"), Frame::Bulk(None), Frame::Int(0)]))
    );
    // Unsubscribing from channels never subscribed still confirms each.
    sub.send(&raw::encode_str(&["UNSUBSCRIBE", "foo", "bar"]));
    assert_eq!(sub.read(), arr(&["unsubscribe", "foo"], 0));
    assert_eq!(sub.read(), arr(&["unsubscribe", "bar"], 0));
    // Out of Pub/Sub mode, normal commands work again.
    assert_eq!(sub.cmd(&["PING"]), Frame::Simple("PONG".into()));
    assert_eq!(sub.cmd(&["GET", "x"]), Frame::Bulk(None));
}

#[test]
fn patterns_and_counts() {
    let srv = Server::start();
    let mut sub = raw(&srv);
    let mut c = srv.conn();
    assert_eq!(sub.cmd(&["SUBSCRIBE", "foo.bar"]), arr(&["subscribe", "foo.bar"], 1));
    sub.send(&raw::encode_str(&["PSUBSCRIBE", "foo.*", "b[ae]r.?"]));
    assert_eq!(sub.read(), arr(&["psubscribe", "foo.*"], 2));
    assert_eq!(sub.read(), arr(&["psubscribe", "b[ae]r.?"], 3));
    // A channel subscriber and a pattern subscriber: delivered (and counted) twice.
    assert_eq!(q::<i64>(&mut c, &["PUBLISH", "foo.bar", "hi"]), 2);
    assert_eq!(sub.read(), msg(&["message", "foo.bar", "hi"]));
    assert_eq!(sub.read(), msg(&["pmessage", "foo.*", "foo.bar", "hi"]));
    assert_eq!(q::<i64>(&mut c, &["PUBLISH", "ber.1", "x"]), 1);
    assert_eq!(sub.read(), msg(&["pmessage", "b[ae]r.?", "ber.1", "x"]));
    for miss in ["foo1", "bar.12", "qux.1", "Foo.bar"] {
        assert_eq!(q::<i64>(&mut c, &["PUBLISH", miss, "x"]), 0, "{miss}");
    }
    assert_eq!(q::<i64>(&mut c, &["PUBSUB", "NUMPAT"]), 2);
    assert_eq!(sub.cmd(&["PUNSUBSCRIBE", "foo.*"]), arr(&["punsubscribe", "foo.*"], 2));
    assert_eq!(q::<i64>(&mut c, &["PUBSUB", "NUMPAT"]), 1);
    // PUNSUBSCRIBE without arguments leaves the channel subscription alone.
    assert_eq!(sub.cmd(&["PUNSUBSCRIBE"]), arr(&["punsubscribe", "b[ae]r.?"], 1));
    assert_eq!(q::<i64>(&mut c, &["PUBLISH", "foo.bar", "still"]), 1);
    assert_eq!(sub.read(), msg(&["message", "foo.bar", "still"]));
}

#[test]
fn numpat_counts_unique_patterns() {
    let srv = Server::start();
    let (mut a, mut b) = (raw(&srv), raw(&srv));
    let mut c = srv.conn();
    a.cmd(&["PSUBSCRIBE", "foo*"]);
    b.cmd(&["PSUBSCRIBE", "foo*"]);
    a.cmd(&["PSUBSCRIBE", "bar*"]);
    b.cmd(&["PSUBSCRIBE", "baz*"]);
    assert_eq!(q::<i64>(&mut c, &["PUBSUB", "NUMPAT"]), 3);
    assert_eq!(q::<i64>(&mut c, &["PUBLISH", "food", "x"]), 2);
}

#[test]
fn shard_channels_are_a_separate_namespace() {
    let srv = Server::start();
    let (mut s1, mut s2) = (raw(&srv), raw(&srv));
    let mut c = srv.conn();
    assert_eq!(s1.cmd(&["SSUBSCRIBE", "chan1"]), arr(&["ssubscribe", "chan1"], 1));
    assert_eq!(s1.cmd(&["SSUBSCRIBE", "chan2"]), arr(&["ssubscribe", "chan2"], 2));
    // SUBSCRIBE counts channels and patterns only, SSUBSCRIBE shard channels only.
    assert_eq!(s1.cmd(&["SUBSCRIBE", "chan1"]), arr(&["subscribe", "chan1"], 1));
    assert_eq!(s2.cmd(&["SUBSCRIBE", "chan1"]), arr(&["subscribe", "chan1"], 1));
    assert_eq!(q::<i64>(&mut c, &["SPUBLISH", "chan1", "s"]), 1);
    assert_eq!(s1.read(), msg(&["smessage", "chan1", "s"]));
    assert_eq!(q::<i64>(&mut c, &["PUBLISH", "chan1", "p"]), 2);
    assert_eq!(s1.read(), msg(&["message", "chan1", "p"]));
    assert_eq!(s2.read(), msg(&["message", "chan1", "p"]));
    let v: Vec<redis::Value> = q(&mut c, &["PUBSUB", "SHARDNUMSUB", "chan1", "chan2", "nope"]);
    assert_eq!(
        v,
        vec![
            redis::Value::BulkString(b"chan1".to_vec()),
            redis::Value::Int(1),
            redis::Value::BulkString(b"chan2".to_vec()),
            redis::Value::Int(1),
            redis::Value::BulkString(b"nope".to_vec()),
            redis::Value::Int(0),
        ]
    );
    let mut shards: Vec<String> = q(&mut c, &["PUBSUB", "SHARDCHANNELS"]);
    shards.sort();
    assert_eq!(shards, vec!["chan1", "chan2"]);
    assert_eq!(q::<Vec<String>>(&mut c, &["PUBSUB", "SHARDCHANNELS", "*2"]), vec!["chan2"]);
    assert_eq!(q::<Vec<String>>(&mut c, &["PUBSUB", "CHANNELS"]), vec!["chan1"]);
    assert_eq!(s1.cmd(&["SUNSUBSCRIBE", "chan1"]), arr(&["sunsubscribe", "chan1"], 1));
    assert_eq!(s1.cmd(&["SUNSUBSCRIBE"]), arr(&["sunsubscribe", "chan2"], 0));
    assert_eq!(q::<i64>(&mut c, &["SPUBLISH", "chan1", "s"]), 0);
}

#[test]
fn pubsub_introspection() {
    let srv = Server::start();
    let mut c = srv.conn();
    let v: Vec<redis::Value> = q(&mut c, &["PUBSUB", "NUMSUB", "abc", "def"]);
    assert_eq!(
        v,
        vec![
            redis::Value::BulkString(b"abc".to_vec()),
            redis::Value::Int(0),
            redis::Value::BulkString(b"def".to_vec()),
            redis::Value::Int(0)
        ]
    );
    assert_eq!(q::<Vec<String>>(&mut c, &["PUBSUB", "NUMSUB"]), Vec::<String>::new());
    let (mut a, mut b) = (raw(&srv), raw(&srv));
    a.cmd(&["SUBSCRIBE", "news.tech"]);
    b.cmd(&["SUBSCRIBE", "news.tech"]);
    b.cmd(&["SUBSCRIBE", "news.art"]);
    let mut all: Vec<String> = q(&mut c, &["PUBSUB", "CHANNELS"]);
    all.sort();
    assert_eq!(all, vec!["news.art", "news.tech"]);
    assert_eq!(q::<Vec<String>>(&mut c, &["PUBSUB", "CHANNELS", "*tech"]), vec!["news.tech"]);
    let v: Vec<redis::Value> = q(&mut c, &["PUBSUB", "NUMSUB", "news.tech"]);
    assert_eq!(v, vec![redis::Value::BulkString(b"news.tech".to_vec()), redis::Value::Int(2)]);
    let mut raw_c = raw(&srv);
    raw_c
        .cmd(&["PUBSUB", "CHANNELS", "a", "b"])
        .assert_error("ERR unknown subcommand or wrong number of arguments for 'CHANNELS'. Try PUBSUB HELP.");
    raw_c.cmd(&["PUBSUB", "NUMPAT", "x"]).assert_error("ERR wrong number of arguments for 'pubsub|numpat' command");
    raw_c.cmd(&["PUBSUB", "foo"]).assert_error("ERR unknown subcommand 'foo'. Try PUBSUB HELP.");
    raw_c.cmd(&["PUBSUB"]).assert_error("ERR wrong number of arguments for 'pubsub' command");
    raw_c.cmd(&["SUBSCRIBE"]).assert_error("ERR wrong number of arguments for 'subscribe' command");
    raw_c.cmd(&["PUBLISH", "a"]).assert_error("ERR wrong number of arguments for 'publish' command");
    let help = raw_c.cmd(&["PUBSUB", "HELP"]);
    assert_eq!(help.items().len(), 14);
    assert_eq!(help.items()[0].text(), "PUBSUB <subcommand> [<arg> [value] [opt] ...]. Subcommands are:");
    // INFO counts channels, distinct patterns and shard channels.
    a.cmd(&["PSUBSCRIBE", "x*"]);
    b.cmd(&["PSUBSCRIBE", "x*"]);
    let mut s = raw(&srv);
    s.cmd(&["SSUBSCRIBE", "sh"]);
    let stats = info(&mut c, "stats");
    assert_eq!(stats["pubsub_channels"], "2");
    assert_eq!(stats["pubsub_patterns"], "1");
    assert_eq!(stats["pubsubshard_channels"], "1");
}

#[test]
fn resp2_subscribed_mode_allows_only_some_commands() {
    let srv = Server::start();
    let mut sub = raw(&srv);
    sub.cmd(&["SUBSCRIBE", "a"]);
    sub.cmd(&["GET", "x"]).assert_error(&not_allowed("get"));
    sub.cmd(&["CLIENT", "LIST"]).assert_error(&not_allowed("client|list"));
    sub.cmd(&["PUBLISH", "a", "b"]).assert_error(&not_allowed("publish"));
    // Unknown commands and arity errors come first.
    sub.cmd(&["NOPE"]).assert_error("ERR unknown command 'NOPE', with args beginning with: ");
    sub.cmd(&["GET"]).assert_error("ERR wrong number of arguments for 'get' command");
    // PING answers like a message.
    assert_eq!(sub.cmd(&["PING"]), msg(&["pong", ""]));
    assert_eq!(sub.cmd(&["PING", "foo"]), msg(&["pong", "foo"]));
    assert_eq!(sub.cmd(&["PSUBSCRIBE", "p*"]), arr(&["psubscribe", "p*"], 2));
    // RESET leaves Pub/Sub mode without confirmations.
    assert_eq!(sub.cmd(&["RESET"]), Frame::Simple("RESET".into()));
    assert_eq!(sub.cmd(&["GET", "x"]), Frame::Bulk(None));
    let mut c = srv.conn();
    assert_eq!(q::<i64>(&mut c, &["PUBLISH", "a", "x"]), 0);
    assert_eq!(q::<i64>(&mut c, &["PUBSUB", "NUMPAT"]), 0);
    // A client subscribed to shard channels only is in Pub/Sub mode too.
    sub.cmd(&["SSUBSCRIBE", "s"]);
    sub.cmd(&["GET", "x"]).assert_error(&not_allowed("get"));
    // QUIT is allowed.
    assert_eq!(sub.cmd(&["QUIT"]), Frame::Simple("OK".into()));
}

#[test]
fn resp3_pushes_and_normal_commands() {
    let srv = Server::start();
    let mut sub = raw(&srv);
    sub.cmd(&["HELLO", "3"]);
    sub.send(&raw::encode_str(&["SUBSCRIBE", "a"]));
    assert_eq!(sub.read_bytes(), b">3\r\n$9\r\nsubscribe\r\n$1\r\na\r\n:1\r\n");
    assert_eq!(sub.cmd(&["PSUBSCRIBE", "p*"]), Frame::Push(vec![bulk("psubscribe"), bulk("p*"), Frame::Int(2)]));
    assert_eq!(sub.cmd(&["SSUBSCRIBE", "s"]), Frame::Push(vec![bulk("ssubscribe"), bulk("s"), Frame::Int(1)]));
    // Every command works while subscribed in RESP3; PING is a plain PONG.
    assert_eq!(sub.cmd(&["PING"]), Frame::Simple("PONG".into()));
    assert_eq!(sub.cmd(&["SET", "k", "v"]), Frame::Simple("OK".into()));
    // Publishing to itself: the message comes before the PUBLISH reply.
    sub.send(&raw::encode_str(&["PUBLISH", "a", "m"]));
    assert_eq!(sub.read(), push(&["message", "a", "m"]));
    assert_eq!(sub.read(), Frame::Int(1));
    sub.send(&raw::encode_str(&["PUBLISH", "pa", "m2"]));
    assert_eq!(sub.read(), push(&["pmessage", "p*", "pa", "m2"]));
    assert_eq!(sub.read(), Frame::Int(1));
    sub.send(&raw::encode_str(&["SPUBLISH", "s", "m3"]));
    assert_eq!(sub.read(), push(&["smessage", "s", "m3"]));
    assert_eq!(sub.read(), Frame::Int(1));
    let mut c = srv.conn();
    q::<i64>(&mut c, &["PUBLISH", "a", "from-other"]);
    assert_eq!(sub.read_bytes(), b">3\r\n$7\r\nmessage\r\n$1\r\na\r\n$10\r\nfrom-other\r\n");
    assert_eq!(sub.cmd(&["UNSUBSCRIBE"]), Frame::Push(vec![bulk("unsubscribe"), bulk("a"), Frame::Int(1)]));
    assert_eq!(sub.cmd(&["PUNSUBSCRIBE"]), Frame::Push(vec![bulk("punsubscribe"), bulk("p*"), Frame::Int(0)]));
    assert_eq!(sub.cmd(&["SUNSUBSCRIBE"]), Frame::Push(vec![bulk("sunsubscribe"), bulk("s"), Frame::Int(0)]));
    assert_eq!(sub.cmd(&["UNSUBSCRIBE"]), Frame::Push(vec![bulk("unsubscribe"), Frame::Null, Frame::Int(0)]));
}

#[test]
fn pushes_bypass_client_reply_off() {
    let srv = Server::start();
    let mut c = srv.conn();
    for proto in ["2", "3"] {
        let mut sub = raw(&srv);
        sub.cmd(&["HELLO", proto]);
        sub.send(&raw::encode_str(&["CLIENT", "REPLY", "OFF"]));
        sub.send(&raw::encode_str(&["SUBSCRIBE", "channel"]));
        let first = sub.read();
        assert_eq!(first.items()[0], bulk("subscribe"), "proto {proto}");
        sub.send(&raw::encode_str(&["PSUBSCRIBE", "ch*"]));
        assert_eq!(sub.read().items()[2], Frame::Int(2));
        assert_eq!(q::<i64>(&mut c, &["PUBLISH", "channel", "hello"]), 2);
        assert_eq!(sub.read().items()[0], bulk("message"));
        assert_eq!(sub.read().items()[0], bulk("pmessage"));
        sub.send(&raw::encode_str(&["UNSUBSCRIBE", "channel"]));
        assert_eq!(sub.read().items()[2], Frame::Int(1));
        sub.send(&raw::encode_str(&["PUNSUBSCRIBE", "ch*"]));
        assert_eq!(sub.read().items()[2], Frame::Int(0));
        if proto == "3" {
            // Its own PUBLISH reply is dropped, the message to itself is not.
            sub.cmd(&["SUBSCRIBE", "self"]);
            sub.send(&raw::encode_str(&["PUBLISH", "self", "x"]));
            assert_eq!(sub.read(), push(&["message", "self", "x"]));
            assert!(sub.silent_for(Duration::from_millis(200)));
        }
    }
}

#[test]
fn one_subscriber_receives_messages_in_publish_order() {
    let srv = Server::start();
    let mut sub = raw(&srv);
    sub.cmd(&["SUBSCRIBE", "seq"]);
    sub.cmd(&["PSUBSCRIBE", "zzz*"]);
    let mut c = srv.conn();
    let n = 5000;
    let mut pipe = redis::pipe();
    for i in 0..n {
        pipe.cmd("PUBLISH").arg("seq").arg(i.to_string()).ignore();
    }
    pipe.query::<()>(&mut c).expect("pipeline");
    for i in 0..n {
        assert_eq!(sub.read(), msg(&["message", "seq", &i.to_string()]));
    }
}

#[test]
fn client_list_fields_types_and_disconnection() {
    let srv = Server::start();
    let mut c = srv.conn();
    let mut sub = raw(&srv);
    sub.cmd(&["CLIENT", "SETNAME", "sub"]);
    sub.cmd(&["SUBSCRIBE", "a", "b"]);
    sub.read();
    sub.cmd(&["PSUBSCRIBE", "p*"]);
    sub.cmd(&["SSUBSCRIBE", "s"]);
    let f = client_fields(&mut c, "sub").expect("listed");
    assert_eq!((f["sub"].as_str(), f["psub"].as_str(), f["ssub"].as_str()), ("2", "1", "1"));
    assert_eq!(f["flags"], "P");
    let pubsub_list: String = q(&mut c, &["CLIENT", "LIST", "TYPE", "pubsub"]);
    assert!(pubsub_list.contains("name=sub "));
    assert_eq!(pubsub_list.lines().count(), 1);
    let normal_list: String = q(&mut c, &["CLIENT", "LIST", "TYPE", "normal"]);
    assert!(!normal_list.contains("name=sub "));
    // Closing the connection drops its subscriptions.
    drop(sub);
    let deadline = Instant::now() + Duration::from_secs(5);
    while q::<i64>(&mut c, &["PUBLISH", "a", "x"]) != 0 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(q::<i64>(&mut c, &["PUBLISH", "a", "x"]), 0);
    assert_eq!(q::<i64>(&mut c, &["PUBSUB", "NUMPAT"]), 0);
    assert_eq!(q::<Vec<String>>(&mut c, &["PUBSUB", "SHARDCHANNELS"]), Vec::<String>::new());
    // CLIENT KILL TYPE pubsub.
    let mut s2 = raw(&srv);
    s2.cmd(&["SUBSCRIBE", "k"]);
    assert_eq!(q::<i64>(&mut c, &["CLIENT", "KILL", "TYPE", "pubsub"]), 1);
    assert_eq!(s2.wait_closed(Duration::from_secs(5)), End::Closed);
}

#[test]
fn idle_timeout_spares_subscribers() {
    let srv = Server::start_with(&["--timeout", "1"]);
    let mut sub = raw(&srv);
    sub.cmd(&["SUBSCRIBE", "quiet"]);
    let mut idle = raw(&srv);
    idle.cmd(&["PING"]);
    // The idle normal client is closed within a few cron ticks past 1 s.
    assert_eq!(idle.wait_closed(Duration::from_secs(10)), End::Closed);
    // The subscriber, idle just as long, still gets messages.
    let mut c = srv.conn();
    assert_eq!(q::<i64>(&mut c, &["PUBLISH", "quiet", "still here"]), 1);
    assert_eq!(sub.read(), msg(&["message", "quiet", "still here"]));
}

#[test]
fn redis_crate_pubsub_api() {
    let srv = Server::start();
    let mut con = srv.conn();
    let mut publisher = srv.conn();
    let mut ps = con.as_pubsub();
    ps.subscribe("news").expect("subscribe");
    ps.psubscribe("alerts.*").expect("psubscribe");
    ps.set_read_timeout(Some(Duration::from_secs(5))).expect("timeout");
    assert_eq!(q::<i64>(&mut publisher, &["PUBLISH", "news", "first"]), 1);
    assert_eq!(q::<i64>(&mut publisher, &["PUBLISH", "alerts.fire", "second"]), 1);
    let m = ps.get_message().expect("message");
    assert_eq!(m.get_channel_name(), "news");
    assert_eq!(m.get_payload::<String>().expect("payload"), "first");
    let m = ps.get_message().expect("pmessage");
    assert_eq!(m.get_channel_name(), "alerts.fire");
    assert_eq!(m.get_pattern::<String>().expect("pattern"), "alerts.*");
    assert_eq!(m.get_payload::<String>().expect("payload"), "second");
    ps.unsubscribe("news").expect("unsubscribe");
    ps.punsubscribe("alerts.*").expect("punsubscribe");
    drop(ps);
    // Back to normal after unsubscribing from everything.
    assert_eq!(q::<String>(&mut con, &["PING"]), "PONG");
}

// ---------------------------------------------------------------- output buffer limits

/// Publishes `size`-byte messages on `channel` (in pipelined batches) until
/// `done` says so or `max_bytes` were published. Returns the bytes published.
fn publish_until(
    c: &mut Connection,
    channel: &str,
    size: usize,
    max_bytes: usize,
    mut done: impl FnMut(&mut Connection) -> bool,
) -> usize {
    let payload = "x".repeat(size);
    let mut sent = 0;
    while sent < max_bytes {
        let mut pipe = redis::pipe();
        for _ in 0..100 {
            pipe.cmd("PUBLISH").arg(channel).arg(&payload).ignore();
        }
        pipe.query::<()>(c).expect("publish");
        sent += 100 * size;
        if done(c) {
            break;
        }
    }
    sent
}

#[test]
fn pubsub_hard_limit_disconnects_a_subscriber_that_does_not_read() {
    let srv = Server::start();
    let mut c = srv.conn();
    q::<String>(&mut c, &["CONFIG", "SET", "client-output-buffer-limit", "pubsub 1mb 0 0"]);
    let before: u64 = info(&mut c, "stats")["client_output_buffer_limit_disconnections"].parse().unwrap();
    let mut sub = raw(&srv);
    sub.cmd(&["CLIENT", "SETNAME", "slow"]);
    sub.cmd(&["SUBSCRIBE", "firehose"]);
    let mut max_omem = 0u64;
    // Bounded: at most 256 MB published.
    publish_until(&mut c, "firehose", 4096, 256 << 20, |c| match client_fields(c, "slow") {
        Some(f) => {
            max_omem = max_omem.max(f["omem"].parse().unwrap());
            false
        }
        None => true,
    });
    assert!(client_fields(&mut c, "slow").is_none(), "the slow subscriber is still connected");
    assert!(max_omem > 0 && max_omem < 2 << 20, "omem {max_omem}");
    let after: u64 = info(&mut c, "stats")["client_output_buffer_limit_disconnections"].parse().unwrap();
    assert_eq!(after, before + 1);
    // The server's memory stayed bounded (nothing near what was published).
    let rss: u64 = info(&mut c, "memory")["used_memory_rss"].parse().unwrap();
    assert!(rss < 128 << 20, "rss {rss}");
    // Everyone else is fine.
    assert_eq!(q::<i64>(&mut c, &["PUBLISH", "firehose", "x"]), 0);
    let mut other = srv.conn();
    assert_eq!(q::<String>(&mut other, &["PING"]), "PONG");
}

#[test]
fn pubsub_soft_limit_expires_without_traffic() {
    let srv = Server::start();
    let mut c = srv.conn();
    q::<String>(&mut c, &["CONFIG", "SET", "client-output-buffer-limit", "pubsub 0 100kb 1"]);
    let mut sub = raw(&srv);
    sub.cmd(&["CLIENT", "SETNAME", "soft"]);
    sub.cmd(&["SUBSCRIBE", "ch"]);
    // Fill the socket buffers and get past the soft limit, then stop.
    publish_until(&mut c, "ch", 1000, 64 << 20, |c| {
        client_fields(c, "soft").is_none_or(|f| f["omem"].parse::<u64>().unwrap() >= 100 * 1024)
    });
    // With no more traffic, the cron closes it once the soft limit held for over a second.
    let deadline = Instant::now() + Duration::from_secs(10);
    while client_fields(&mut c, "soft").is_some() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(client_fields(&mut c, "soft").is_none());
}

#[test]
fn normal_hard_limit_closes_without_a_reply() {
    let srv = Server::start();
    let mut c = srv.conn();
    let item = "x".repeat(1000);
    for _ in 0..150 {
        q::<i64>(&mut c, &["RPUSH", "biglist", &item]);
    }
    q::<String>(&mut c, &["CONFIG", "SET", "client-output-buffer-limit", "normal 100000 0 0"]);
    let mut big = raw(&srv);
    big.cmd(&["CLIENT", "SETNAME", "big"]);
    big.send(&raw::encode_str(&["LRANGE", "biglist", "0", "-1"]));
    assert_eq!(big.wait_closed(Duration::from_secs(5)), End::Closed);
    assert!(big.buffered().is_empty(), "got {} bytes", big.buffered().len());
    // A pipeline whose replies add up past the limit gets nothing either.
    q::<String>(&mut c, &["SET", "bigkey", &"y".repeat(10_000)]);
    let mut pipe = raw(&srv);
    let mut req = Vec::new();
    for _ in 0..15 {
        req.extend(raw::encode_str(&["GET", "bigkey"]));
    }
    pipe.send(&req);
    assert_eq!(pipe.wait_closed(Duration::from_secs(5)), End::Closed);
    assert!(pipe.buffered().len() < 100_000);
    // Huge replies stop early instead of filling memory.
    q::<i64>(&mut c, &["HSET", "h", "a", "b"]);
    let mut hr = raw(&srv);
    hr.send(&raw::encode_str(&["HRANDFIELD", "h", "-999999999"]));
    assert_eq!(hr.wait_closed(Duration::from_secs(10)), End::Closed);
    // Small replies are untouched.
    let mut small = srv.conn();
    assert_eq!(q::<i64>(&mut small, &["LLEN", "biglist"]), 150);
    q::<String>(&mut c, &["CONFIG", "SET", "client-output-buffer-limit", "normal 0 0 0"]);
    let all: Vec<String> = q(&mut small, &["LRANGE", "biglist", "0", "-1"]);
    assert_eq!(all.len(), 150);
}

#[test]
fn omem_reflects_pending_output() {
    let srv = Server::start();
    let mut c = srv.conn();
    q::<String>(&mut c, &["CONFIG", "SET", "client-output-buffer-limit", "pubsub 0 0 0"]);
    let mut sub = raw(&srv);
    sub.cmd(&["CLIENT", "SETNAME", "lagging"]);
    sub.cmd(&["SUBSCRIBE", "ch"]);
    let mut omem = 0;
    publish_until(&mut c, "ch", 1000, 64 << 20, |c| {
        omem = client_fields(c, "lagging").map(|f| f["omem"].parse::<u64>().unwrap()).unwrap_or(0);
        omem > 200_000
    });
    assert!(omem > 200_000, "omem {omem}");
    let clients = info(&mut c, "clients");
    assert!(clients["client_recent_max_output_buffer"].parse::<u64>().unwrap() >= 200_000);
    let f = client_fields(&mut c, "lagging").expect("still connected");
    assert!(f["tot-mem"].parse::<u64>().unwrap() >= omem);
    assert!(f["events"].contains('w'));
}

// ---------------------------------------------------------------- keyspace notifications

/// Sets `notify-keyspace-events` to `flags`, runs `cmds` (words split on
/// spaces) and returns the keyevent/keyspace messages they published, as
/// "channel message" strings, in order.
fn events(srv: &Server, flags: &str, cmds: &[&str]) -> Vec<String> {
    let mut c = srv.conn();
    q::<String>(&mut c, &["CONFIG", "SET", "notify-keyspace-events", flags]);
    let mut sub = raw(srv);
    sub.cmd(&["PSUBSCRIBE", "*"]);
    for line in cmds {
        let words: Vec<&str> = line.split(' ').collect();
        let _ = common::r(&mut c, &words);
    }
    q::<i64>(&mut c, &["PUBLISH", "sentinel", "end"]);
    let mut out = Vec::new();
    loop {
        let f = sub.read();
        let items = f.items();
        let (ch, m) = (items[2].text(), items[3].text());
        if ch == "sentinel" {
            break;
        }
        out.push(format!("{ch} {m}"));
    }
    q::<String>(&mut c, &["CONFIG", "SET", "notify-keyspace-events", ""]);
    out
}

/// Only the keyevent messages, as "event key".
fn keyevents(srv: &Server, flags: &str, cmds: &[&str]) -> Vec<String> {
    events(srv, flags, cmds).into_iter().filter_map(|e| e.strip_prefix("__keyevent@0__:").map(str::to_string)).collect()
}

#[test]
fn keyspace_and_keyevent_channels() {
    let srv = Server::start();
    assert_eq!(events(&srv, "KEA", &["SET foo bar"]), vec!["__keyspace@0__:foo set", "__keyevent@0__:set foo"]);
    assert_eq!(events(&srv, "K$", &["SET foo bar"]), vec!["__keyspace@0__:foo set"]);
    assert_eq!(events(&srv, "Eg", &["SELECT 5", "SET x 1", "DEL x"]), vec!["__keyevent@5__:del x"]);
    // Classes without K or E publish nothing; off means nothing.
    assert!(events(&srv, "A", &["SET foo bar", "DEL foo"]).is_empty());
    assert!(events(&srv, "", &["SET foo bar", "DEL foo"]).is_empty());
    // Masking: only list events.
    assert_eq!(keyevents(&srv, "El", &["SET foo bar", "LPUSH l a", "DEL l"]), vec!["lpush l"]);
    let mut c = srv.conn();
    q::<String>(&mut c, &["CONFIG", "SET", "notify-keyspace-events", "KA"]);
    assert_eq!(q::<Vec<String>>(&mut c, &["CONFIG", "GET", "notify-keyspace-events"])[1], "AK");
    q::<String>(&mut c, &["CONFIG", "SET", "notify-keyspace-events", "$lshzxeKE"]);
    assert_eq!(q::<Vec<String>>(&mut c, &["CONFIG", "GET", "notify-keyspace-events"])[1], "$lshzxeKE");
    common::assert_err(
        common::r(&mut c, &["CONFIG", "SET", "notify-keyspace-events", "Q"]),
        "ERR CONFIG SET failed (possibly related to argument 'notify-keyspace-events') - Invalid event class character",
    );
}

#[test]
fn keyevents_of_every_family() {
    let srv = Server::start();
    // Expected lists checked against Redis 7.0 (tests/clients/keyspace_events_diff.py).
    let cases: &[(&[&str], &[&str])] = &[
        (&["SET s v EX 100", "SET s v KEEPTTL", "SET s v NX"], &["set s", "expire s", "set s"]),
        (
            &["MSET a 1 b 2", "INCR a", "DECRBY a 2", "INCRBYFLOAT a 1.5"],
            &["set a", "set b", "incrby a", "incrby a", "incrbyfloat a"],
        ),
        (&["APPEND s2 x", "SETRANGE s2 3 y", "SETRANGE s2 0 ''", "GETDEL s2"], &["append s2", "setrange s2", "del s2"]),
        (
            &["SET g v", "GETEX g EX 100", "GETEX g PERSIST", "GETEX g", "GETEX g PXAT 1"],
            &["set g", "expire g", "persist g", "del g"],
        ),
        (
            &["SETBIT b 7 1", "SETBIT b 7 1", "BITOP OR b2 b", "BITFIELD b3 SET u8 0 1", "BITOP AND b2 nokey"],
            &["setbit b", "set b2", "setbit b3", "del b2"],
        ),
        (
            &["SET k v", "EXPIRE k 100", "EXPIRE k 100 NX", "PERSIST k", "PERSIST k", "PEXPIRE k 0"],
            &["set k", "expire k", "persist k", "del k"],
        ),
        (
            &["SET r1 a", "RENAME r1 r2", "SET r3 b", "RENAMENX r2 r3", "RENAMENX r2 r4"],
            &["set r1", "rename_from r1", "rename_to r2", "set r3", "rename_from r2", "rename_to r4"],
        ),
        (
            &["SET m v", "MOVE m 1", "SET c v", "COPY c c2", "COPY c c2", "COPY c c2 REPLACE"],
            &["set m", "move_from m", "set c", "copy_to c2", "copy_to c2"],
        ),
        (
            &[
                "LPUSH l a b c",
                "RPUSH l d",
                "LINSERT l BEFORE a x",
                "LSET l 0 y",
                "LTRIM l 0 -1",
                "LREM l 1 y",
                "LPOP l",
                "RPOP l 5",
            ],
            &["lpush l", "rpush l", "linsert l", "lset l", "ltrim l", "lrem l", "lpop l", "rpop l", "del l"],
        ),
        (
            &["RPUSH src a b", "LMOVE src dst LEFT RIGHT", "RPOPLPUSH src dst"],
            &["rpush src", "rpush dst", "lpop src", "lpush dst", "rpop src", "del src"],
        ),
        (
            &[
                "HSET h a 1 b 2",
                "HSETNX h a 1",
                "HSETNX h c 1",
                "HINCRBY h a 1",
                "HINCRBYFLOAT h a 1.5",
                "HDEL h a b c",
            ],
            &["hset h", "hset h", "hincrby h", "hincrbyfloat h", "hdel h", "del h"],
        ),
        (
            &[
                "SADD s a b c",
                "SADD s a",
                "SREM s a",
                "SMOVE s t b",
                "SPOP s 5",
                "SADD u x",
                "SINTERSTORE v t u",
                "SUNIONSTORE v t u",
            ],
            &["sadd s", "srem s", "srem s", "sadd t", "spop s", "del s", "sadd u", "sunionstore v"],
        ),
        (
            &[
                "ZADD z 1 a 2 b 3 c",
                "ZADD z 1 a",
                "ZADD z INCR 1 a",
                "ZINCRBY z 1 b",
                "ZREM z a",
                "ZREMRANGEBYSCORE z 0 0",
                "ZPOPMIN z",
                "ZPOPMAX z",
            ],
            &["zadd z", "zincr z", "zincr z", "zrem z", "zpopmin z", "zpopmax z", "del z"],
        ),
        (
            &[
                "ZADD y 1 a 2 b",
                "ZUNIONSTORE w 1 y",
                "ZINTERSTORE w 2 y nokey",
                "ZRANGESTORE w y 0 0",
                "ZREMRANGEBYRANK y 0 0",
                "ZREMRANGEBYLEX y - +",
            ],
            &["zadd y", "zunionstore w", "del w", "zrangestore w", "zremrangebyrank y", "zremrangebylex y", "del y"],
        ),
        (&["RPUSH sl 3 1 2", "SORT sl STORE sl2", "SORT nokey STORE sl2"], &["rpush sl", "sortstore sl2", "del sl2"]),
        (&["SET f x", "FLUSHALL", "SET f2 x", "SWAPDB 0 1"], &["set f", "set f2"]),
    ];
    for (cmds, want) in cases {
        let mut c = srv.conn();
        q::<String>(&mut c, &["FLUSHALL"]);
        let cmds: Vec<&str> =
            cmds.iter().map(|l| if *l == "SETRANGE s2 0 ''" { "SETRANGE s2 0 " } else { l }).collect();
        assert_eq!(keyevents(&srv, "EA", &cmds), *want, "{cmds:?}");
    }
}

#[test]
fn new_key_and_key_miss_events() {
    let srv = Server::start();
    assert_eq!(
        keyevents(&srv, "En", &["SET foo bar", "SET foo baz", "SET bar bar", "RPUSH l a", "RPUSH l b"]),
        vec!["new foo", "new bar", "new l"]
    );
    // A new key is announced before what created it.
    assert_eq!(keyevents(&srv, "Eng$", &["DEL x", "SET x 1"]), vec!["new x", "set x"]);
    assert_eq!(
        keyevents(
            &srv,
            "Em",
            &["GET nokey", "EXISTS nokey", "TYPE nokey", "APPEND nokey2 x", "LPUSHX nokey3 a", "GET nokey2"]
        ),
        vec!["keymiss nokey", "keymiss nokey", "keymiss nokey"]
    );
}

#[test]
fn expired_events_lazy_and_active() {
    let srv = Server::start_with(&["--enable-debug-command", "yes"]);
    let mut c = srv.conn();
    q::<String>(&mut c, &["CONFIG", "SET", "notify-keyspace-events", "Ex"]);
    let mut sub = raw(&srv);
    sub.cmd(&["PSUBSCRIBE", "*"]);
    // Active expiry: nobody touches the key.
    q::<String>(&mut c, &["PSETEX", "foo", "100", "1"]);
    assert_eq!(sub.read(), msg(&["pmessage", "*", "__keyevent@0__:expired", "foo"]));
    // Lazy expiry: the access finds it expired (the active cycle is off).
    q::<String>(&mut c, &["DEBUG", "SET-ACTIVE-EXPIRE", "0"]);
    q::<String>(&mut c, &["PSETEX", "bar", "50", "1"]);
    std::thread::sleep(Duration::from_millis(150));
    assert!(sub.silent_for(Duration::from_millis(100)));
    assert_eq!(q::<Option<String>>(&mut c, &["GET", "bar"]), None);
    assert_eq!(sub.read(), msg(&["pmessage", "*", "__keyevent@0__:expired", "bar"]));
}

#[test]
fn notifications_to_a_resp3_client_come_before_its_reply() {
    let srv = Server::start();
    let mut c = srv.conn();
    q::<String>(&mut c, &["CONFIG", "SET", "notify-keyspace-events", "KEA"]);
    let mut me = raw(&srv);
    me.cmd(&["HELLO", "3"]);
    me.cmd(&["SUBSCRIBE", "__keyevent@0__:set"]);
    me.send(&raw::encode_str(&["SET", "k", "v"]));
    assert_eq!(me.read(), push(&["message", "__keyevent@0__:set", "k"]));
    assert_eq!(me.read(), Frame::Simple("OK".into()));
}

#[test]
fn restore_events() {
    let srv = Server::start();
    let mut c = srv.conn();
    q::<String>(&mut c, &["SET", "a", "v"]);
    let payload: Vec<u8> = redis::cmd("DUMP").arg("a").query(&mut c).expect("dump");
    q::<String>(&mut c, &["CONFIG", "SET", "notify-keyspace-events", "Eg"]);
    let mut sub = raw(&srv);
    sub.cmd(&["PSUBSCRIBE", "*"]);
    let restore = |c: &mut Connection, key: &str, ttl: i64, extra: &[&str]| {
        let _: redis::RedisResult<()> = redis::cmd("RESTORE").arg(key).arg(ttl).arg(&payload).arg(extra).query(c);
    };
    restore(&mut c, "b", 0, &[]);
    restore(&mut c, "b", 0, &[]); // BUSYKEY: nothing
    restore(&mut c, "b", 1, &["REPLACE", "ABSTTL"]); // already expired: the old key is deleted
    q::<i64>(&mut c, &["PUBLISH", "sentinel", "end"]);
    let mut got = Vec::new();
    loop {
        let f = sub.read();
        let (ch, m) = (f.items()[2].text(), f.items()[3].text());
        if ch == "sentinel" {
            break;
        }
        got.push(format!("{ch} {m}"));
    }
    assert_eq!(got, vec!["__keyevent@0__:restore b", "__keyevent@0__:del b"]);
}
