//! Client-side caching over TCP: CLIENT TRACKING in default and BCAST modes,
//! REDIRECT to RESP2 subscribers and RESP3 clients, OPTIN/OPTOUT with
//! CLIENT CACHING, NOLOOP, invalidation on writes, expiry, FLUSHALL/FLUSHDB
//! and tracking-table-max-keys, the order of invalidations and replies
//! (transactions, blocked clients), broken redirections, CLIENT GETREDIR,
//! CLIENT TRACKINGINFO, CLIENT LIST and INFO fields, and the exact errors.
//! Expected replies were checked against Redis 7.0.

mod common;
#[path = "support/raw.rs"]
mod raw;

use std::time::{Duration, Instant};

use raw::{Frame, Raw};

fn raw(srv: &common::Server) -> Raw {
    Raw::new(srv.raw())
}

fn bulk(s: &str) -> Frame {
    Frame::Bulk(Some(s.as_bytes().to_vec()))
}

fn simple(s: &str) -> Frame {
    Frame::Simple(s.to_string())
}

fn ok(c: &mut Raw, args: &[&str]) {
    assert_eq!(c.cmd(args), simple("OK"), "{args:?}");
}

fn keys(k: &[&str]) -> Frame {
    Frame::Array(Some(k.iter().map(|k| bulk(k)).collect()))
}

/// A RESP3 invalidation push for `k`.
fn push(k: &[&str]) -> Frame {
    Frame::Push(vec![bulk("invalidate"), keys(k)])
}

/// A RESP2 Pub/Sub message on `__redis__:invalidate` for `k`.
fn message(k: &[&str]) -> Frame {
    Frame::Array(Some(vec![bulk("message"), bulk("__redis__:invalidate"), keys(k)]))
}

fn hello3(c: &mut Raw) {
    assert!(matches!(c.cmd(&["HELLO", "3"]), Frame::Map(_)));
}

fn client_id(c: &mut Raw) -> String {
    c.cmd(&["CLIENT", "ID"]).int().to_string()
}

/// A RESP2 client subscribed to the invalidation channel; returns its id.
fn redirect_client(srv: &common::Server) -> (Raw, String) {
    let mut r = raw(srv);
    let id = client_id(&mut r);
    let sub = r.cmd(&["SUBSCRIBE", "__redis__:invalidate"]);
    assert_eq!(sub.items()[0], bulk("subscribe"));
    (r, id)
}

fn info_field(c: &mut Raw, field: &str) -> String {
    let text = c.cmd(&["INFO"]).text();
    text.lines()
        .find_map(|l| l.strip_prefix(&format!("{field}:")))
        .map(|v| v.trim().to_string())
        .unwrap_or_else(|| panic!("{field} not in INFO"))
}

fn quiet(c: &mut Raw) {
    assert!(c.silent_for(Duration::from_millis(100)), "unexpected: {:?}", String::from_utf8_lossy(c.buffered()));
}

#[test]
fn resp3_default_mode() {
    let srv = common::Server::start();
    let mut a = raw(&srv);
    let mut b = raw(&srv);
    hello3(&mut a);
    ok(&mut a, &["CLIENT", "TRACKING", "on"]);
    ok(&mut b, &["SET", "k", "1"]);
    assert_eq!(a.cmd(&["GET", "k"]), bulk("1"));
    ok(&mut b, &["SET", "k", "2"]);
    assert_eq!(a.read(), push(&["k"]));
    // Told once: the key is forgotten until read again.
    ok(&mut b, &["SET", "k", "3"]);
    quiet(&mut a);
    // Keys not read are not tracked; every key of a multi-key read is.
    a.cmd(&["MGET", "k", "x", "y"]);
    ok(&mut b, &["MSET", "x", "1", "z", "1", "k", "4"]);
    assert_eq!(a.read(), push(&["x"]));
    assert_eq!(a.read(), push(&["k"]));
    quiet(&mut a);
    // Its own write: the invalidation comes after the reply.
    a.cmd(&["HSET", "h", "f", "1"]);
    a.cmd(&["HGET", "h", "f"]);
    assert_eq!(a.cmd(&["HDEL", "h", "f"]), Frame::Int(1));
    assert_eq!(a.read(), push(&["h"]));
    // The table is per name, whatever the database.
    a.cmd(&["GET", "k"]);
    ok(&mut b, &["SELECT", "3"]);
    ok(&mut b, &["SET", "k", "other-db"]);
    assert_eq!(a.read(), push(&["k"]));
    // Expiry counts as a change.
    ok(&mut b, &["SELECT", "0"]);
    ok(&mut b, &["SET", "e", "1", "PX", "500"]);
    a.cmd(&["GET", "e"]);
    assert_eq!(a.try_read(Duration::from_secs(3)).expect("expiry invalidation"), push(&["e"]));
    // A RESP2 client without redirection gets nothing (nothing can carry it).
    let mut c2 = raw(&srv);
    ok(&mut c2, &["CLIENT", "TRACKING", "on"]);
    c2.cmd(&["GET", "k"]);
    ok(&mut b, &["SET", "k", "5"]);
    quiet(&mut c2);
    assert_eq!(c2.cmd(&["PING"]), simple("PONG"));
}

#[test]
fn redirect_to_resp2_subscriber_and_resp3_client() {
    let srv = common::Server::start();
    let (mut r, rid) = redirect_client(&srv);
    let mut a = raw(&srv);
    let mut b = raw(&srv);
    ok(&mut a, &["CLIENT", "TRACKING", "on", "REDIRECT", &rid]);
    ok(&mut b, &["SET", "a", "1"]);
    ok(&mut b, &["SET", "b", "1"]);
    a.cmd(&["GET", "a"]);
    b.cmd(&["INCR", "b"]);
    b.cmd(&["INCR", "a"]);
    assert_eq!(r.read(), message(&["a"]));
    quiet(&mut r);
    assert_eq!(a.cmd(&["CLIENT", "GETREDIR"]).int().to_string(), rid);
    // Two clients redirecting to the same connection.
    let mut d = raw(&srv);
    ok(&mut d, &["CLIENT", "TRACKING", "on", "REDIRECT", &rid]);
    a.cmd(&["GET", "k1"]);
    d.cmd(&["GET", "k2"]);
    ok(&mut b, &["MSET", "k1", "1", "k2", "1"]);
    assert_eq!(r.read(), message(&["k1"]));
    assert_eq!(r.read(), message(&["k2"]));
    // FLUSHALL: a null for everything, in the tracking client's protocol.
    a.cmd(&["GET", "k1"]);
    ok(&mut d, &["CLIENT", "TRACKING", "off"]);
    ok(&mut b, &["FLUSHALL"]);
    r.send(b"");
    let bytes = r.read_bytes();
    assert_eq!(bytes, b"*3\r\n$7\r\nmessage\r\n$20\r\n__redis__:invalidate\r\n$-1\r\n");
    quiet(&mut r);

    // A RESP3 redirect client gets pushes, subscribed or not.
    let mut r3 = raw(&srv);
    hello3(&mut r3);
    let r3id = client_id(&mut r3);
    ok(&mut a, &["CLIENT", "TRACKING", "on", "REDIRECT", &r3id]);
    a.cmd(&["GET", "key1"]);
    b.cmd(&["INCR", "key1"]);
    assert_eq!(r3.read(), push(&["key1"]));
    // After the tracking client switches to RESP3, still to the redirect.
    hello3(&mut a);
    a.cmd(&["GET", "key1"]);
    b.cmd(&["INCR", "key1"]);
    assert_eq!(r3.read(), push(&["key1"]));
    quiet(&mut a);
}

#[test]
fn broken_redirection() {
    let srv = common::Server::start();
    let (mut r, rid) = redirect_client(&srv);
    let mut a = raw(&srv);
    let mut b = raw(&srv);
    hello3(&mut a);
    ok(&mut a, &["CLIENT", "TRACKING", "on", "REDIRECT", &rid]);
    a.cmd(&["GET", "key1"]);
    ok(&mut r, &["QUIT"]);
    ok(&mut b, &["SET", "key1", "2"]);
    let broken = Frame::Push(vec![bulk("tracking-redir-broken"), Frame::Int(rid.parse().unwrap())]);
    assert_eq!(a.read(), broken);
    let info = a.cmd(&["CLIENT", "TRACKINGINFO"]);
    let Frame::Map(m) = info else { panic!("{info:?}") };
    assert_eq!(m[0].1, Frame::Set(vec![bulk("on"), bulk("broken_redirect")]));
    assert_eq!(m[1].1, Frame::Int(rid.parse().unwrap()));
    let line = a.cmd(&["CLIENT", "INFO"]).text();
    assert!(line.contains(" flags=tR ") && line.contains(&format!(" redir={rid} ")), "{line}");
    // A redirect to a client that does not exist is refused up front.
    a.cmd(&["CLIENT", "TRACKING", "on", "REDIRECT", &rid])
        .assert_error("ERR The client ID you want redirect to does not exist");
}

#[test]
fn bcast_mode() {
    let srv = common::Server::start();
    let (mut r, rid) = redirect_client(&srv);
    let mut a = raw(&srv);
    let mut b = raw(&srv);
    // Every key (the empty prefix); one message per key written in separate loops.
    ok(&mut a, &["CLIENT", "TRACKING", "on", "BCAST", "REDIRECT", &rid]);
    ok(&mut b, &["MSET", "a", "1", "b", "2", "c", "3"]);
    assert_eq!(r.read(), message(&["a", "b", "c"]));
    // Prefixes: one message per prefix, keys in order, others ignored.
    ok(&mut a, &["CLIENT", "TRACKING", "off"]);
    ok(&mut a, &["CLIENT", "TRACKING", "on", "BCAST", "REDIRECT", &rid, "PREFIX", "a:", "PREFIX", "b:"]);
    ok(&mut b, &["MULTI"]);
    for k in ["a:2", "a:1", "b:1", "c:1"] {
        b.cmd(&["INCR", k]);
    }
    b.cmd(&["EXEC"]);
    assert_eq!(r.read(), message(&["a:1", "a:2"]));
    assert_eq!(r.read(), message(&["b:1"]));
    quiet(&mut r);
    // Adding a prefix later.
    ok(&mut a, &["CLIENT", "TRACKING", "on", "BCAST", "REDIRECT", &rid, "PREFIX", "c:"]);
    b.cmd(&["INCR", "c:1234"]);
    assert_eq!(r.read(), message(&["c:1234"]));
    let info = a.cmd(&["CLIENT", "TRACKINGINFO"]);
    assert_eq!(info.items()[1], Frame::Array(Some(vec![bulk("on"), bulk("bcast")])));
    assert_eq!(info.items()[5], keys(&["a:", "b:", "c:"]));
    assert_eq!(info_field(&mut b, "tracking_total_prefixes"), "3");
    // NOLOOP hides the client's own writes.
    ok(&mut a, &["CLIENT", "TRACKING", "off"]);
    ok(&mut a, &["CLIENT", "TRACKING", "on", "BCAST", "REDIRECT", &rid, "NOLOOP"]);
    ok(&mut b, &["SET", "other1", "1"]);
    assert_eq!(r.read(), message(&["other1"]));
    ok(&mut a, &["SET", "loop", "1"]);
    ok(&mut b, &["SET", "other2", "1"]);
    assert_eq!(r.read(), message(&["other2"]));
    quiet(&mut r);
    // Expired keys are nobody's write: NOLOOP does not hide them.
    ok(&mut a, &["SET", "mykey", "v", "PX", "1"]);
    assert_eq!(r.try_read(Duration::from_secs(3)).expect("expired"), message(&["mykey"]));
    // Overlapping prefixes.
    let mut c = raw(&srv);
    c.cmd(&["CLIENT", "TRACKING", "ON", "BCAST", "PREFIX", "FOOBAR", "PREFIX", "FOO"]).assert_error(
        "ERR Prefix 'FOOBAR' overlaps with another provided prefix 'FOO'. Prefixes for a single client must not overlap.",
    );
    ok(&mut c, &["CLIENT", "TRACKING", "ON", "BCAST", "PREFIX", "FOO", "PREFIX", "BAR"]);
    c.cmd(&["CLIENT", "TRACKING", "ON", "BCAST", "PREFIX", "FO"]).assert_error(
        "ERR Prefix 'FO' overlaps with an existing prefix 'FOO'. Prefixes for a single client must not overlap.",
    );
    // Keys read before switching to BCAST are not announced afterwards.
    let mut e = raw(&srv);
    hello3(&mut e);
    ok(&mut e, &["CLIENT", "TRACKING", "on"]);
    e.cmd(&["GET", "key1"]);
    ok(&mut e, &["CLIENT", "TRACKING", "off"]);
    ok(&mut e, &["CLIENT", "TRACKING", "on", "BCAST"]);
    b.cmd(&["INCR", "key1"]);
    assert_eq!(e.read(), push(&["key1"]));
    assert_eq!(e.cmd(&["PING"]), simple("PONG"));
}

#[test]
fn optin_optout_noloop() {
    let srv = common::Server::start();
    let mut a = raw(&srv);
    let mut b = raw(&srv);
    hello3(&mut a);
    // OPTIN: only after CLIENT CACHING yes, for the next command.
    ok(&mut a, &["CLIENT", "TRACKING", "on", "OPTIN"]);
    a.cmd(&["GET", "k1"]);
    ok(&mut b, &["SET", "k1", "1"]);
    quiet(&mut a);
    ok(&mut a, &["CLIENT", "CACHING", "yes"]);
    let info = a.cmd(&["CLIENT", "TRACKINGINFO"]);
    let Frame::Map(m) = info else { panic!() };
    assert_eq!(m[0].1, Frame::Set(vec![bulk("on"), bulk("optin"), bulk("caching-yes")]));
    a.cmd(&["GET", "k1"]);
    a.cmd(&["GET", "k2"]);
    ok(&mut b, &["MSET", "k1", "2", "k2", "2"]);
    assert_eq!(a.read(), push(&["k1"]));
    quiet(&mut a);
    a.cmd(&["CLIENT", "CACHING", "no"])
        .assert_error("ERR CLIENT CACHING NO is only valid when tracking is enabled in OPTOUT mode.");
    a.cmd(&["CLIENT", "TRACKING", "on", "OPTOUT"]).assert_error("ERR You can't switch OPTIN/OPTOUT mode before disabling tracking for this client, and then re-enabling it with a different mode.");
    // OPTOUT: everything but the command after CLIENT CACHING no.
    ok(&mut a, &["CLIENT", "TRACKING", "off"]);
    ok(&mut a, &["CLIENT", "TRACKING", "on", "OPTOUT"]);
    ok(&mut a, &["CLIENT", "CACHING", "no"]);
    a.cmd(&["GET", "k1"]);
    a.cmd(&["GET", "k2"]);
    ok(&mut b, &["MSET", "k1", "3", "k2", "3"]);
    assert_eq!(a.read(), push(&["k2"]));
    quiet(&mut a);
    // NOLOOP: no invalidation for the client's own writes.
    ok(&mut a, &["CLIENT", "TRACKING", "off"]);
    ok(&mut a, &["CLIENT", "TRACKING", "on", "NOLOOP"]);
    a.cmd(&["MGET", "o1", "mine", "o2"]);
    ok(&mut b, &["SET", "o1", "1"]);
    assert_eq!(a.read(), push(&["o1"]));
    ok(&mut a, &["SET", "mine", "1"]);
    ok(&mut b, &["SET", "o2", "1"]);
    assert_eq!(a.read(), push(&["o2"]));
    quiet(&mut a);
    let info = a.cmd(&["CLIENT", "TRACKINGINFO"]);
    let Frame::Map(m) = info else { panic!() };
    assert_eq!(m[0].1, Frame::Set(vec![bulk("on"), bulk("noloop")]));
}

#[test]
fn ordering_with_transactions_scripts_and_blocked_clients() {
    let srv = common::Server::start();
    let mut a = raw(&srv);
    let mut b = raw(&srv);
    hello3(&mut a);
    ok(&mut a, &["CLIENT", "TRACKING", "on"]);
    // After EXEC's reply, not inside it.
    ok(&mut a, &["MSET", "a", "1", "b", "2"]);
    a.cmd(&["GET", "a"]);
    ok(&mut a, &["MULTI"]);
    a.cmd(&["INCR", "a"]);
    a.cmd(&["GET", "b"]);
    assert_eq!(a.cmd(&["EXEC"]), Frame::Array(Some(vec![Frame::Int(2), bulk("2")])));
    assert_eq!(a.read(), push(&["a"]));
    // FLUSHDB in a transaction: the null invalidation after the reply.
    ok(&mut a, &["MULTI"]);
    a.cmd(&["FLUSHDB"]);
    assert_eq!(a.cmd(&["EXEC"]), Frame::Array(Some(vec![simple("OK")])));
    assert_eq!(a.read(), Frame::Push(vec![bulk("invalidate"), Frame::Null]));
    assert_eq!(info_field(&mut b, "tracking_total_keys"), "0");

    // Scripts: the declared keys are tracked if the script read something.
    ok(&mut b, &["MSET", "k1", "1", "k2", "1"]);
    a.cmd(&["EVAL", "redis.call('set', 'k3', 'bar')", "2", "k1", "k2"]);
    ok(&mut b, &["MSET", "k2", "2", "k1", "2"]);
    quiet(&mut a);
    a.cmd(&["EVAL", "redis.call('get', 'k3')", "2", "k1", "k2"]);
    ok(&mut b, &["MSET", "k2", "3", "k1", "3"]);
    assert_eq!(a.read(), push(&["k2"]));
    assert_eq!(a.read(), push(&["k1"]));
    a.cmd(&["EVAL_RO", "redis.call('ping')", "2", "k1", "k2"]);
    ok(&mut b, &["MSET", "k2", "4", "k1", "4"]);
    quiet(&mut a);

    // A served blocked client gets its reply, then the invalidation.
    let mut w = raw(&srv);
    hello3(&mut w);
    ok(&mut w, &["CLIENT", "TRACKING", "on"]);
    b.cmd(&["RPUSH", "list2", "a"]);
    w.cmd(&["LRANGE", "list2", "0", "-1"]);
    w.send(&raw::encode_str(&["BLMOVE", "list1", "list2", "LEFT", "LEFT", "0"]));
    let deadline = Instant::now() + Duration::from_secs(5);
    while info_field(&mut b, "blocked_clients") != "1" {
        assert!(Instant::now() < deadline, "BLMOVE did not block");
        std::thread::sleep(Duration::from_millis(5));
    }
    b.cmd(&["RPUSH", "list1", "foo"]);
    assert_eq!(w.read(), bulk("foo"));
    assert_eq!(w.read(), push(&["list2"]));

    // CLIENT REPLY OFF does not drop invalidations.
    ok(&mut b, &["SET", "foo", "bar"]);
    w.cmd(&["GET", "foo"]);
    w.send(&raw::encode_str(&["CLIENT", "REPLY", "OFF"]));
    ok(&mut b, &["SET", "foo", "bar2"]);
    assert_eq!(w.read(), push(&["foo"]));
    ok(&mut w, &["CLIENT", "REPLY", "ON"]);
    assert_eq!(w.cmd(&["PING"]), simple("PONG"));
}

#[test]
fn table_limit_and_info() {
    let srv = common::Server::start();
    let (mut r, rid) = redirect_client(&srv);
    let mut a = raw(&srv);
    let mut b = raw(&srv);
    ok(&mut a, &["CLIENT", "TRACKING", "on", "REDIRECT", &rid]);
    for i in 0..250 {
        a.cmd(&["GET", &format!("key{i}")]);
    }
    assert_eq!(info_field(&mut b, "tracking_total_keys"), "250");
    assert_eq!(info_field(&mut b, "tracking_total_items"), "250");
    assert_eq!(info_field(&mut b, "tracking_clients"), "1");
    ok(&mut b, &["CONFIG", "SET", "tracking-table-max-keys", "1"]);
    // Exactly enough keys are evicted, each announced on its own.
    for _ in 0..249 {
        let m = r.try_read(Duration::from_secs(5)).expect("eviction message");
        assert_eq!(m.items()[0], bulk("message"));
        assert_eq!(m.items()[2].items().len(), 1);
    }
    quiet(&mut r);
    assert_eq!(info_field(&mut b, "tracking_total_keys"), "1");
    ok(&mut b, &["CONFIG", "SET", "tracking-table-max-keys", "1000000"]);

    // Two readers of one key: one key, two items.
    let mut c = raw(&srv);
    hello3(&mut c);
    ok(&mut c, &["CLIENT", "TRACKING", "on"]);
    ok(&mut b, &["FLUSHALL"]);
    let _ = r.read();
    let _ = c.read();
    a.cmd(&["GET", "shared"]);
    c.cmd(&["GET", "shared"]);
    assert_eq!(info_field(&mut b, "tracking_total_keys"), "1");
    assert_eq!(info_field(&mut b, "tracking_total_items"), "2");
    assert_eq!(info_field(&mut b, "tracking_clients"), "2");
    let list = b.cmd(&["CLIENT", "LIST"]).text();
    assert_eq!(list.matches(" flags=t ").count(), 2, "{list}");
    // RESET and disconnection turn tracking off.
    assert_eq!(c.cmd(&["RESET"]), simple("RESET"));
    assert_eq!(info_field(&mut b, "tracking_clients"), "1");
    drop(a);
    let deadline = Instant::now() + Duration::from_secs(5);
    while info_field(&mut b, "tracking_clients") != "0" {
        assert!(Instant::now() < deadline, "disconnect did not end tracking");
        std::thread::sleep(Duration::from_millis(5));
    }
}

#[test]
fn commands_and_errors() {
    let srv = common::Server::start();
    let mut a = raw(&srv);
    let err = |c: &mut Raw, args: &[&str], msg: &str| c.cmd(args).assert_error(msg);
    err(&mut a, &["CLIENT", "TRACKING"], "ERR wrong number of arguments for 'client|tracking' command");
    err(&mut a, &["CLIENT", "TRACKING", "maybe"], "ERR syntax error");
    err(&mut a, &["CLIENT", "TRACKING", "on", "foo"], "ERR syntax error");
    err(&mut a, &["CLIENT", "TRACKING", "on", "REDIRECT"], "ERR syntax error");
    err(&mut a, &["CLIENT", "TRACKING", "on", "REDIRECT", "abc"], "ERR value is not an integer or out of range");
    err(
        &mut a,
        &["CLIENT", "TRACKING", "on", "REDIRECT", "99999"],
        "ERR The client ID you want redirect to does not exist",
    );
    err(&mut a, &["CLIENT", "TRACKING", "on", "PREFIX", "a"], "ERR PREFIX option requires BCAST mode to be enabled");
    err(&mut a, &["CLIENT", "TRACKING", "on", "BCAST", "OPTIN"], "ERR OPTIN and OPTOUT are not compatible with BCAST");
    err(
        &mut a,
        &["CLIENT", "TRACKING", "on", "OPTIN", "OPTOUT"],
        "ERR You can't specify both OPTIN mode and OPTOUT mode",
    );
    err(
        &mut a,
        &["CLIENT", "CACHING", "yes"],
        "ERR CLIENT CACHING can be called only when the client is in tracking mode with OPTIN or OPTOUT mode enabled",
    );
    err(&mut a, &["CLIENT", "CACHING"], "ERR wrong number of arguments for 'client|caching' command");
    ok(&mut a, &["CLIENT", "TRACKING", "off", "PREFIX", "x"]);
    // Tracking off: GETREDIR -1, TRACKINGINFO "off" (RESP2: a flat array).
    assert_eq!(a.cmd(&["CLIENT", "GETREDIR"]), Frame::Int(-1));
    assert_eq!(
        a.cmd(&["CLIENT", "TRACKINGINFO"]),
        Frame::Array(Some(vec![
            bulk("flags"),
            Frame::Array(Some(vec![bulk("off")])),
            bulk("redirect"),
            Frame::Int(-1),
            bulk("prefixes"),
            Frame::Array(Some(vec![])),
        ]))
    );
    ok(&mut a, &["CLIENT", "TRACKING", "on"]);
    assert_eq!(a.cmd(&["CLIENT", "GETREDIR"]), Frame::Int(0));
    err(
        &mut a,
        &["CLIENT", "CACHING", "yes"],
        "ERR CLIENT CACHING YES is only valid when tracking is enabled in OPTIN mode.",
    );
    err(&mut a, &["CLIENT", "CACHING", "maybe"], "ERR syntax error");
    err(&mut a, &["CLIENT", "TRACKING", "on", "BCAST"], "ERR You can't switch BCAST mode on/off before disabling tracking for this client, and then re-enabling it with a different mode.");
    let line = a.cmd(&["CLIENT", "INFO"]).text();
    assert!(line.contains(" flags=t ") && line.contains(" redir=0 "), "{line}");
    ok(&mut a, &["CLIENT", "TRACKING", "off"]);
    ok(&mut a, &["CLIENT", "TRACKING", "on", "BCAST"]);
    let line = a.cmd(&["CLIENT", "INFO"]).text();
    assert!(line.contains(" flags=tB "), "{line}");
    let info = a.cmd(&["CLIENT", "TRACKINGINFO"]);
    assert_eq!(info.items()[5], keys(&[""]));
}
