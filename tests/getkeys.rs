//! COMMAND GETKEYS / GETKEYSANDFLAGS / INFO for commands whose keys follow a
//! count argument (ZUNION, ZUNIONSTORE, LMPOP, BLMPOP, SINTERCARD...), over
//! TCP. Expected replies were checked against Redis 7.0.

mod common;

use common::{assert_err, q, r};
use redis::Value;

fn keys(c: &mut redis::Connection, call: &[&str]) -> Vec<String> {
    let mut args = vec!["COMMAND", "GETKEYS"];
    args.extend_from_slice(call);
    q(c, &args)
}

#[test]
fn keys_after_a_count() {
    let srv = common::Server::start();
    let mut c = srv.conn();
    assert_eq!(keys(&mut c, &["ZUNIONSTORE", "d", "2", "a", "b", "WEIGHTS", "1", "2"]), ["d", "a", "b"]);
    assert_eq!(keys(&mut c, &["ZINTER", "2", "a", "b", "WITHSCORES"]), ["a", "b"]);
    assert_eq!(keys(&mut c, &["ZDIFF", "1", "a"]), ["a"]);
    assert_eq!(keys(&mut c, &["ZINTERCARD", "2", "a", "b", "LIMIT", "1"]), ["a", "b"]);
    assert_eq!(keys(&mut c, &["SINTERCARD", "1", "a"]), ["a"]);
    assert_eq!(keys(&mut c, &["LMPOP", "2", "a", "b", "LEFT"]), ["a", "b"]);
    assert_eq!(keys(&mut c, &["BLMPOP", "0", "2", "a", "b", "LEFT"]), ["a", "b"]);
    assert_eq!(keys(&mut c, &["ZMPOP", "1", "z", "MIN"]), ["z"]);
    assert_eq!(keys(&mut c, &["BZMPOP", "1.5", "1", "z", "MIN"]), ["z"]);

    let flagged: Value = q(&mut c, &["COMMAND", "GETKEYSANDFLAGS", "ZUNIONSTORE", "d", "1", "a"]);
    let want = Value::Array(vec![
        Value::Array(vec![
            Value::BulkString(b"d".to_vec()),
            Value::Array(vec![Value::SimpleString("OW".into()), Value::SimpleString("update".into())]),
        ]),
        Value::Array(vec![
            Value::BulkString(b"a".to_vec()),
            Value::Array(vec![Value::SimpleString("RO".into()), Value::SimpleString("access".into())]),
        ]),
    ]);
    assert_eq!(flagged, want);

    // A count that is not a number, zero, or beyond the arguments.
    for bad in [&["ZUNIONSTORE", "d", "x", "a"][..], &["ZUNION", "0", "a"], &["LMPOP", "5", "a", "LEFT"]] {
        let mut args = vec!["COMMAND", "GETKEYS"];
        args.extend_from_slice(bad);
        assert_err(r(&mut c, &args), "ERR Invalid arguments specified for command");
    }
    assert_err(r(&mut c, &["COMMAND", "GETKEYS", "ECHO", "x"]), "ERR The command has no key arguments");
}

#[test]
fn keynum_specs_in_command_info() {
    let srv = common::Server::start();
    let mut c = srv.conn();
    let info: Value = q(&mut c, &["COMMAND", "INFO", "ZUNION"]);
    let text = format!("{info:?}");
    for part in ["keynum", "keynumidx", "firstkey", "movablekeys"] {
        assert!(text.contains(part), "{part} missing from {text}");
    }
}
