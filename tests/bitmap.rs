//! Bitmap commands over TCP: SETBIT, GETBIT, BITCOUNT, BITPOS, BITOP,
//! BITFIELD and BITFIELD_RO, their error replies, offset limits, dirty
//! accounting and wrong-type keys. Expected replies were checked against
//! Redis 7.0.15.

mod common;

use common::{assert_err, q, r};
use redis::{Connection, FromRedisValue, Value};

fn int(c: &mut Connection, args: &[&str]) -> i64 {
    q(c, args)
}

/// A BITFIELD / BITFIELD_RO reply: one entry per subcommand, nil for FAIL.
fn fields(c: &mut Connection, args: &[&str]) -> Vec<Option<i64>> {
    q(c, args)
}

fn set_bytes(c: &mut Connection, key: &str, val: &[u8]) {
    let _: () = redis::cmd("SET").arg(key).arg(val).query(c).expect("SET");
}

fn get_bytes(c: &mut Connection, key: &str) -> Option<Vec<u8>> {
    redis::cmd("GET").arg(key).query(c).expect("GET")
}

fn dirty(c: &mut Connection) -> i64 {
    let info: String = q(c, &["INFO", "persistence"]);
    info.lines()
        .find_map(|l| l.strip_prefix("rdb_changes_since_last_save:"))
        .and_then(|v| v.trim().parse().ok())
        .expect("rdb_changes_since_last_save in INFO")
}

const BIT_OFFSET: &str = "ERR bit offset is not an integer or out of range";
const BIT_VALUE: &str = "ERR bit is not an integer or out of range";
const NOT_INTEGER: &str = "ERR value is not an integer or out of range";
const SYNTAX: &str = "ERR syntax error";
const BAD_TYPE: &str =
    "ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.";
const WRONGTYPE: &str = "WRONGTYPE Operation against a key holding the wrong kind of value";

#[test]
fn setbit_and_getbit() {
    let srv = common::Server::start();
    let mut c = srv.conn();
    // Bit 7 is the lowest bit of the first byte.
    assert_eq!(int(&mut c, &["SETBIT", "k", "7", "1"]), 0);
    assert_eq!(get_bytes(&mut c, "k"), Some(vec![0x01]));
    assert_eq!(int(&mut c, &["SETBIT", "k", "7", "1"]), 1);
    assert_eq!(int(&mut c, &["SETBIT", "k", "0", "1"]), 0);
    assert_eq!(get_bytes(&mut c, "k"), Some(vec![0x81]));
    // Setting far away zero-fills the gap.
    assert_eq!(int(&mut c, &["SETBIT", "k", "20", "1"]), 0);
    assert_eq!(get_bytes(&mut c, "k"), Some(vec![0x81, 0x00, 0x08]));
    assert_eq!(int(&mut c, &["SETBIT", "k", "7", "0"]), 1);
    assert_eq!(get_bytes(&mut c, "k"), Some(vec![0x80, 0x00, 0x08]));
    assert_eq!(int(&mut c, &["GETBIT", "k", "0"]), 1);
    assert_eq!(int(&mut c, &["GETBIT", "k", "1"]), 0);
    assert_eq!(int(&mut c, &["GETBIT", "k", "20"]), 1);
    // Past the end and on missing keys: zero, and nothing is created.
    assert_eq!(int(&mut c, &["GETBIT", "k", "24"]), 0);
    assert_eq!(int(&mut c, &["GETBIT", "k", "4294967295"]), 0);
    assert_eq!(int(&mut c, &["GETBIT", "missing", "100"]), 0);
    assert_eq!(int(&mut c, &["EXISTS", "missing"]), 0);
    // Clearing a bit of a missing key still creates it (zero bytes).
    assert_eq!(int(&mut c, &["SETBIT", "z", "9", "0"]), 0);
    assert_eq!(get_bytes(&mut c, "z"), Some(vec![0, 0]));
    assert_eq!(int(&mut c, &["STRLEN", "z"]), 2);
}

#[test]
fn setbit_on_integer_and_embstr_strings() {
    let srv = common::Server::start();
    let mut c = srv.conn();
    // "123" is 0x31 0x32 0x33: read as text.
    let _: () = q(&mut c, &["SET", "n", "123"]);
    assert_eq!(q::<String>(&mut c, &["OBJECT", "ENCODING", "n"]), "int");
    assert_eq!(int(&mut c, &["GETBIT", "n", "2"]), 1);
    assert_eq!(int(&mut c, &["GETBIT", "n", "0"]), 0);
    assert_eq!(q::<String>(&mut c, &["OBJECT", "ENCODING", "n"]), "int");
    // Any SETBIT, even one that changes nothing, makes the string raw.
    assert_eq!(int(&mut c, &["SETBIT", "n", "0", "0"]), 0);
    assert_eq!(q::<String>(&mut c, &["OBJECT", "ENCODING", "n"]), "raw");
    assert_eq!(q::<String>(&mut c, &["GET", "n"]), "123");
    // '1' (0x31) with bit 7 cleared is '0'.
    assert_eq!(int(&mut c, &["SETBIT", "n", "7", "0"]), 1);
    assert_eq!(q::<String>(&mut c, &["GET", "n"]), "023");
    // SETBIT keeps the TTL.
    let _: () = q(&mut c, &["SET", "t", "abc", "EX", "100"]);
    assert_eq!(int(&mut c, &["SETBIT", "t", "1", "1"]), 1);
    assert!(int(&mut c, &["TTL", "t"]) > 0);
}

#[test]
fn setbit_getbit_errors() {
    let srv = common::Server::start();
    let mut c = srv.conn();
    assert_err(r(&mut c, &["SETBIT", "k", "-1", "1"]), BIT_OFFSET);
    assert_err(r(&mut c, &["SETBIT", "k", "x", "1"]), BIT_OFFSET);
    assert_err(r(&mut c, &["SETBIT", "k", "1.5", "1"]), BIT_OFFSET);
    assert_err(r(&mut c, &["SETBIT", "k", "#1", "1"]), BIT_OFFSET);
    assert_err(r(&mut c, &["SETBIT", "k", "+1", "1"]), BIT_OFFSET);
    assert_err(r(&mut c, &["SETBIT", "k", "01", "1"]), BIT_OFFSET);
    // 512MB * 8 bits: the first offset past proto-max-bulk-len.
    assert_err(r(&mut c, &["SETBIT", "k", "4294967296", "1"]), BIT_OFFSET);
    assert_err(r(&mut c, &["SETBIT", "k", "99999999999999999999", "1"]), BIT_OFFSET);
    // The offset is checked before the value.
    assert_err(r(&mut c, &["SETBIT", "k", "x", "2"]), BIT_OFFSET);
    assert_err(r(&mut c, &["SETBIT", "k", "1", "2"]), BIT_VALUE);
    assert_err(r(&mut c, &["SETBIT", "k", "1", "-1"]), BIT_VALUE);
    assert_err(r(&mut c, &["SETBIT", "k", "1", "x"]), BIT_VALUE);
    assert_err(r(&mut c, &["SETBIT", "k", "1", ""]), BIT_VALUE);
    assert_eq!(int(&mut c, &["EXISTS", "k"]), 0);
    assert_err(r(&mut c, &["GETBIT", "k", "-1"]), BIT_OFFSET);
    assert_err(r(&mut c, &["GETBIT", "k", "4294967296"]), BIT_OFFSET);
    assert_err(r(&mut c, &["GETBIT", "k", "abc"]), BIT_OFFSET);
    assert_err(r(&mut c, &["SETBIT", "k", "1"]), "ERR wrong number of arguments for 'setbit' command");
    assert_err(r(&mut c, &["SETBIT", "k", "1", "1", "1"]), "ERR wrong number of arguments for 'setbit' command");
    assert_err(r(&mut c, &["GETBIT", "k"]), "ERR wrong number of arguments for 'getbit' command");
}

#[test]
fn offsets_follow_proto_max_bulk_len() {
    let srv = common::Server::start();
    let mut c = srv.conn();
    let _: () = q(&mut c, &["CONFIG", "SET", "proto-max-bulk-len", "1mb"]);
    // The byte of the offset must be below the limit.
    assert_err(r(&mut c, &["SETBIT", "big", "8388608", "1"]), BIT_OFFSET);
    assert_err(r(&mut c, &["GETBIT", "big", "8388608"]), BIT_OFFSET);
    assert_eq!(int(&mut c, &["SETBIT", "big", "8388607", "1"]), 0);
    assert_eq!(int(&mut c, &["STRLEN", "big"]), 1048576);
    assert_eq!(int(&mut c, &["BITCOUNT", "big"]), 1);
    assert_eq!(int(&mut c, &["BITPOS", "big", "1"]), 8388607);
    // BITFIELD checks the start offset only: a field may end past the limit.
    assert_eq!(fields(&mut c, &["BITFIELD", "big2", "SET", "i64", "8388607", "1"]), vec![Some(0)]);
    assert_eq!(int(&mut c, &["STRLEN", "big2"]), 1048584);
    assert_err(r(&mut c, &["BITFIELD", "big2", "GET", "u8", "#1048576"]), BIT_OFFSET);
    assert_eq!(fields(&mut c, &["BITFIELD", "big2", "GET", "u8", "#1048575"]), vec![Some(0)]);
    let _: () = q(&mut c, &["CONFIG", "SET", "proto-max-bulk-len", "512mb"]);
    assert_eq!(int(&mut c, &["GETBIT", "big", "8388608"]), 0);
}

#[test]
fn bitcount_ranges() {
    let srv = common::Server::start();
    let mut c = srv.conn();
    assert_eq!(int(&mut c, &["BITCOUNT", "missing"]), 0);
    assert_eq!(int(&mut c, &["BITCOUNT", "missing", "0", "1000", "BIT"]), 0);
    // A missing key answers 0 whatever the other arguments are.
    assert_eq!(int(&mut c, &["BITCOUNT", "missing", "0"]), 0);
    assert_eq!(int(&mut c, &["BITCOUNT", "missing", "a", "b", "c", "d"]), 0);
    let _: () = q(&mut c, &["SET", "s", "foobar"]);
    assert_eq!(int(&mut c, &["BITCOUNT", "s"]), 26);
    assert_eq!(int(&mut c, &["BITCOUNT", "s", "0", "-1"]), 26);
    assert_eq!(int(&mut c, &["BITCOUNT", "s", "0", "0"]), 4);
    assert_eq!(int(&mut c, &["BITCOUNT", "s", "1", "1"]), 6);
    assert_eq!(int(&mut c, &["BITCOUNT", "s", "1", "-2"]), 18);
    assert_eq!(int(&mut c, &["BITCOUNT", "s", "-2", "1"]), 0);
    assert_eq!(int(&mut c, &["BITCOUNT", "s", "0", "1000"]), 26);
    assert_eq!(int(&mut c, &["BITCOUNT", "s", "-100", "-1"]), 26);
    assert_eq!(int(&mut c, &["BITCOUNT", "s", "6", "10"]), 0);
    assert_eq!(int(&mut c, &["BITCOUNT", "s", "-6", "-7"]), 0);
    assert_eq!(int(&mut c, &["BITCOUNT", "s", "0", "4294967296"]), 26);
    // BIT ranges, including partial bytes at both ends.
    assert_eq!(int(&mut c, &["BITCOUNT", "s", "0", "-1", "BIT"]), 26);
    assert_eq!(int(&mut c, &["BITCOUNT", "s", "0", "-1", "byte"]), 26);
    assert_eq!(int(&mut c, &["BITCOUNT", "s", "10", "14", "bit"]), 4);
    assert_eq!(int(&mut c, &["BITCOUNT", "s", "3", "14", "bit"]), 7);
    assert_eq!(int(&mut c, &["BITCOUNT", "s", "3", "29", "bit"]), 16);
    assert_eq!(int(&mut c, &["BITCOUNT", "s", "3", "-34", "bit"]), 7);
    assert_eq!(int(&mut c, &["BITCOUNT", "s", "3", "-19", "bit"]), 16);
    assert_eq!(int(&mut c, &["BITCOUNT", "s", "5", "5", "bit"]), 1);
    assert_eq!(int(&mut c, &["BITCOUNT", "s", "47", "47", "bit"]), 0);
    assert_eq!(int(&mut c, &["BITCOUNT", "s", "-2", "1", "bit"]), 0);
    assert_eq!(int(&mut c, &["BITCOUNT", "s", "-6", "-15", "bit"]), 0);
    assert_eq!(int(&mut c, &["BITCOUNT", "s", "32", "87", "bit"]), 7);
    assert_eq!(int(&mut c, &["BITCOUNT", "s", "48", "87", "bit"]), 0);
    // Misaligned prefix plus whole words plus remainder.
    let _: () = q(&mut c, &["SET", "w", "__PPxxxxxxxxxxxxxxxxRR__"]);
    assert_eq!(int(&mut c, &["BITCOUNT", "w", "2", "-3"]), 74);
    // Empty and integer-encoded strings.
    let _: () = q(&mut c, &["SET", "e", ""]);
    assert_eq!(int(&mut c, &["BITCOUNT", "e"]), 0);
    assert_eq!(int(&mut c, &["BITCOUNT", "e", "0", "-1"]), 0);
    assert_eq!(int(&mut c, &["BITCOUNT", "e", "0", "-1", "bit"]), 0);
    let _: () = q(&mut c, &["SET", "n", "123"]);
    assert_eq!(int(&mut c, &["BITCOUNT", "n"]), 10);
    set_bytes(&mut c, "v", b"\x00\x00\xff");
    assert_eq!(int(&mut c, &["BITCOUNT", "v"]), 8);
}

#[test]
fn bitcount_errors() {
    let srv = common::Server::start();
    let mut c = srv.conn();
    let _: () = q(&mut c, &["SET", "s", "foobar"]);
    assert_err(r(&mut c, &["BITCOUNT", "s", "0"]), SYNTAX);
    assert_err(r(&mut c, &["BITCOUNT", "s", "0", "1", "hello"]), SYNTAX);
    assert_err(r(&mut c, &["BITCOUNT", "s", "0", "1", "bit", "extra"]), SYNTAX);
    assert_err(r(&mut c, &["BITCOUNT", "s", "a", "1"]), NOT_INTEGER);
    assert_err(r(&mut c, &["BITCOUNT", "s", "0", "b"]), NOT_INTEGER);
    // Two negative indexes with start > end answer 0 before the unit is read.
    assert_eq!(int(&mut c, &["BITCOUNT", "s", "-1", "-2", "foo"]), 0);
    assert_err(r(&mut c, &["BITCOUNT"]), "ERR wrong number of arguments for 'bitcount' command");
}

#[test]
fn bitpos_search() {
    let srv = common::Server::start();
    let mut c = srv.conn();
    // A missing key is an infinite run of zeros.
    assert_eq!(int(&mut c, &["BITPOS", "missing", "0"]), 0);
    assert_eq!(int(&mut c, &["BITPOS", "missing", "1"]), -1);
    assert_eq!(int(&mut c, &["BITPOS", "missing", "0", "0", "-1", "bit"]), 0);
    assert_eq!(int(&mut c, &["BITPOS", "missing", "0", "junk"]), 0);
    // An empty string holds no bit at all.
    let _: () = q(&mut c, &["SET", "e", ""]);
    assert_eq!(int(&mut c, &["BITPOS", "e", "0"]), -1);
    assert_eq!(int(&mut c, &["BITPOS", "e", "1"]), -1);
    set_bytes(&mut c, "a", b"\xff\xf0\x00");
    assert_eq!(int(&mut c, &["BITPOS", "a", "0"]), 12);
    assert_eq!(int(&mut c, &["BITPOS", "a", "0", "1"]), 12);
    assert_eq!(int(&mut c, &["BITPOS", "a", "0", "0", "-1", "bit"]), 12);
    assert_eq!(int(&mut c, &["BITPOS", "a", "1", "2"]), -1);
    set_bytes(&mut c, "b", b"\x00\x0f\xff");
    assert_eq!(int(&mut c, &["BITPOS", "b", "1"]), 12);
    assert_eq!(int(&mut c, &["BITPOS", "b", "1", "1", "-1", "bit"]), 12);
    assert_eq!(int(&mut c, &["BITPOS", "b", "1", "13", "-1", "bit"]), 13);
    // All ones: without an end the first clear bit is just past the string;
    // with an explicit end (or in BIT units) there is none.
    set_bytes(&mut c, "f", b"\xff\xff\xff");
    assert_eq!(int(&mut c, &["BITPOS", "f", "0"]), 24);
    assert_eq!(int(&mut c, &["BITPOS", "f", "0", "0"]), 24);
    assert_eq!(int(&mut c, &["BITPOS", "f", "0", "2"]), 24);
    assert_eq!(int(&mut c, &["BITPOS", "f", "0", "0", "-1"]), -1);
    assert_eq!(int(&mut c, &["BITPOS", "f", "0", "0", "-1", "bit"]), -1);
    assert_eq!(int(&mut c, &["BITPOS", "f", "0", "3"]), -1);
    // Intervals.
    set_bytes(&mut c, "i", b"\x00\xff\x00");
    assert_eq!(int(&mut c, &["BITPOS", "i", "0", "1", "-1"]), 16);
    assert_eq!(int(&mut c, &["BITPOS", "i", "0", "2", "200"]), 16);
    assert_eq!(int(&mut c, &["BITPOS", "i", "0", "1", "1"]), -1);
    assert_eq!(int(&mut c, &["BITPOS", "i", "1", "1", "1"]), 8);
    assert_eq!(int(&mut c, &["BITPOS", "i", "1", "2", "-1"]), -1);
    assert_eq!(int(&mut c, &["BITPOS", "i", "0", "8", "8", "bit"]), -1);
    assert_eq!(int(&mut c, &["BITPOS", "i", "1", "8", "8", "bit"]), 8);
    assert_eq!(int(&mut c, &["BITPOS", "i", "1", "16", "200", "bit"]), -1);
    assert_eq!(int(&mut c, &["BITPOS", "i", "1", "2", "1"]), -1);
    // "foobar": BIT ranges with partial edge bytes.
    let _: () = q(&mut c, &["SET", "s", "foobar"]);
    assert_eq!(int(&mut c, &["BITPOS", "s", "1"]), 1);
    assert_eq!(int(&mut c, &["BITPOS", "s", "0", "3"]), 24);
    assert_eq!(int(&mut c, &["BITPOS", "s", "0", "-1"]), 40);
    assert_eq!(int(&mut c, &["BITPOS", "s", "0", "100"]), -1);
    assert_eq!(int(&mut c, &["BITPOS", "s", "1", "3", "4", "bit"]), -1);
    assert_eq!(int(&mut c, &["BITPOS", "s", "0", "3", "4", "BIT"]), 3);
    assert_eq!(int(&mut c, &["BITPOS", "s", "1", "-6", "-1", "bit"]), 42);
    assert_eq!(int(&mut c, &["BITPOS", "s", "0", "-6", "-1", "bit"]), 44);
    assert_eq!(int(&mut c, &["BITPOS", "s", "0", "41", "41", "bit"]), -1);
    // A run of zero words followed by the first set bit.
    let mut long = vec![0u8; 27];
    long.push(0xf0);
    set_bytes(&mut c, "l", &long);
    for start in 0..=8 {
        assert_eq!(int(&mut c, &["BITPOS", "l", "1", &start.to_string()]), 216);
    }
    assert_eq!(int(&mut c, &["BITPOS", "l", "1", "65", "-1", "bit"]), 216);
    assert_eq!(int(&mut c, &["BITPOS", "l", "0", "0", "-1", "bit"]), 0);
    // Integer-encoded: "1" is 0x31.
    let _: () = q(&mut c, &["SET", "n", "1"]);
    assert_eq!(int(&mut c, &["BITPOS", "n", "1"]), 2);
}

#[test]
fn bitpos_errors() {
    let srv = common::Server::start();
    let mut c = srv.conn();
    let _: () = q(&mut c, &["SET", "s", "foobar"]);
    // The bit argument is checked before the key is looked up.
    assert_err(r(&mut c, &["BITPOS", "s", "2"]), "ERR The bit argument must be 1 or 0.");
    assert_err(r(&mut c, &["BITPOS", "missing", "-1"]), "ERR The bit argument must be 1 or 0.");
    assert_err(r(&mut c, &["BITPOS", "missing", "x"]), NOT_INTEGER);
    assert_err(r(&mut c, &["BITPOS", "s", "0", "a"]), NOT_INTEGER);
    assert_err(r(&mut c, &["BITPOS", "s", "0", "0", "b"]), NOT_INTEGER);
    assert_err(r(&mut c, &["BITPOS", "s", "0", "0", "1", "foo"]), SYNTAX);
    // The unit is checked before `end` is parsed, but after `start`.
    assert_err(r(&mut c, &["BITPOS", "s", "0", "0", "x", "foo"]), SYNTAX);
    assert_err(r(&mut c, &["BITPOS", "s", "0", "x", "1", "foo"]), NOT_INTEGER);
    assert_err(r(&mut c, &["BITPOS", "s", "1", "0", "-1", "bit", "x"]), SYNTAX);
    assert_err(r(&mut c, &["BITPOS", "s"]), "ERR wrong number of arguments for 'bitpos' command");
}

#[test]
fn bitop_operations() {
    let srv = common::Server::start();
    let mut c = srv.conn();
    set_bytes(&mut c, "a", b"\x01\x02\xff\xff");
    set_bytes(&mut c, "b", b"\x01\x02\xff");
    // Shorter inputs are padded with zero bytes; the reply is the length.
    assert_eq!(int(&mut c, &["BITOP", "AND", "and", "a", "b"]), 4);
    assert_eq!(get_bytes(&mut c, "and"), Some(b"\x01\x02\xff\x00".to_vec()));
    assert_eq!(int(&mut c, &["BITOP", "or", "or", "a", "b"]), 4);
    assert_eq!(get_bytes(&mut c, "or"), Some(b"\x01\x02\xff\xff".to_vec()));
    assert_eq!(int(&mut c, &["BITOP", "Xor", "xor", "a", "b"]), 4);
    assert_eq!(get_bytes(&mut c, "xor"), Some(b"\x00\x00\x00\xff".to_vec()));
    set_bytes(&mut c, "n", b"\xaa\x00\xff\x55");
    assert_eq!(int(&mut c, &["BITOP", "NOT", "not", "n"]), 4);
    assert_eq!(get_bytes(&mut c, "not"), Some(b"\x55\xff\x00\xaa".to_vec()));
    assert_eq!(q::<String>(&mut c, &["OBJECT", "ENCODING", "not"]), "raw");
    // The destination may be a source.
    assert_eq!(int(&mut c, &["BITOP", "NOT", "n", "n"]), 4);
    assert_eq!(get_bytes(&mut c, "n"), Some(b"\x55\xff\x00\xaa".to_vec()));
    // One input: unchanged for AND, OR and XOR.
    set_bytes(&mut c, "one", b"\x01\x02\xff");
    for op in ["and", "or", "xor"] {
        assert_eq!(int(&mut c, &["BITOP", op, "res", "one"]), 3);
        assert_eq!(get_bytes(&mut c, "res"), Some(b"\x01\x02\xff".to_vec()));
    }
    // Missing keys are streams of zeros.
    assert_eq!(int(&mut c, &["BITOP", "and", "r1", "nokey", "one"]), 3);
    assert_eq!(get_bytes(&mut c, "r1"), Some(vec![0, 0, 0]));
    assert_eq!(int(&mut c, &["BITOP", "or", "r2", "nokey", "one", "nokey2"]), 3);
    assert_eq!(get_bytes(&mut c, "r2"), Some(b"\x01\x02\xff".to_vec()));
    assert_eq!(int(&mut c, &["BITOP", "xor", "r3", "nokey", "one"]), 3);
    assert_eq!(get_bytes(&mut c, "r3"), Some(b"\x01\x02\xff".to_vec()));
    // An empty string after a longer one (Redis issue #529).
    set_bytes(&mut c, "z32", &[0u8; 32]);
    assert_eq!(int(&mut c, &["BITOP", "or", "x", "z32", "nokey"]), 32);
    // Integer-encoded sources are read as text: "1" ^ "2" ^ "1" = "2".
    let _: () = q(&mut c, &["SET", "i1", "1"]);
    let _: () = q(&mut c, &["SET", "i2", "2"]);
    assert_eq!(int(&mut c, &["BITOP", "xor", "ix", "i1", "i2", "i1"]), 1);
    assert_eq!(q::<String>(&mut c, &["GET", "ix"]), "2");
    // An empty result deletes the destination.
    assert_eq!(int(&mut c, &["EXISTS", "r1"]), 1);
    assert_eq!(int(&mut c, &["BITOP", "and", "r1", "nokey"]), 0);
    assert_eq!(int(&mut c, &["EXISTS", "r1"]), 0);
    let _: () = q(&mut c, &["SET", "empty", ""]);
    assert_eq!(int(&mut c, &["BITOP", "not", "en", "empty"]), 0);
    assert_eq!(int(&mut c, &["EXISTS", "en"]), 0);
    // The result replaces the destination and its TTL.
    let _: () = q(&mut c, &["SET", "t", "abc", "EX", "100"]);
    assert_eq!(int(&mut c, &["BITOP", "or", "t", "one"]), 3);
    assert_eq!(int(&mut c, &["TTL", "t"]), -1);
}

#[test]
fn bitop_errors() {
    let srv = common::Server::start();
    let mut c = srv.conn();
    let _: () = q(&mut c, &["SET", "s", "foobar"]);
    assert_err(r(&mut c, &["BITOP", "nand", "d", "s"]), SYNTAX);
    assert_err(r(&mut c, &["BITOP", "not", "d", "s", "s"]), "ERR BITOP NOT must be called with a single source key.");
    assert_err(r(&mut c, &["BITOP", "and", "d"]), "ERR wrong number of arguments for 'bitop' command");
    assert_err(r(&mut c, &["BITOP", "not", "d"]), "ERR wrong number of arguments for 'bitop' command");
    assert_eq!(int(&mut c, &["EXISTS", "d"]), 0);
}

#[test]
fn bitfield_get_set_incrby() {
    let srv = common::Server::start();
    let mut c = srv.conn();
    // SET replies the old value, INCRBY the new one.
    assert_eq!(fields(&mut c, &["BITFIELD", "bits", "SET", "i8", "0", "-100"]), vec![Some(0)]);
    assert_eq!(fields(&mut c, &["BITFIELD", "bits", "SET", "i8", "0", "101"]), vec![Some(-100)]);
    assert_eq!(fields(&mut c, &["BITFIELD", "bits", "GET", "i8", "0"]), vec![Some(101)]);
    assert_eq!(
        fields(&mut c, &["BITFIELD", "bits", "set", "u8", "0", "255", "incrby", "u8", "0", "100", "get", "u8", "0"]),
        vec![Some(101), Some(99), Some(99)]
    );
    assert_eq!(
        fields(&mut c, &["BITFIELD", "bits", "set", "i8", "0", "255", "set", "i8", "0", "100", "get", "i8", "0"]),
        vec![Some(99), Some(-1), Some(100)]
    );
    // No subcommand: an empty array.
    assert_eq!(fields(&mut c, &["BITFIELD", "bits"]), vec![]);
    assert_eq!(fields(&mut c, &["BITFIELD", "nokey"]), vec![]);
    // `#n` offsets count fields of the given width.
    let _: () = q(&mut c, &["DEL", "bits"]);
    for (i, v) in ["65", "66", "67"].iter().enumerate() {
        fields(&mut c, &["BITFIELD", "bits", "SET", "u8", &format!("#{i}"), v]);
    }
    assert_eq!(q::<String>(&mut c, &["GET", "bits"]), "ABC");
    assert_eq!(fields(&mut c, &["BITFIELD", "bits", "GET", "u16", "#1"]), vec![Some(0x4300)]);
    assert_eq!(fields(&mut c, &["BITFIELD", "bits", "GET", "u16", "4"]), vec![Some(0x1424)]);
    // Unaligned fields of odd widths across byte boundaries.
    let _: () = q(&mut c, &["SET", "s", "foobar"]);
    assert_eq!(
        fields(&mut c, &["BITFIELD", "s", "GET", "i4", "#3", "GET", "u7", "#5", "GET", "i64", "#0", "GET", "i64", "3"]),
        vec![Some(-1), Some(5), Some(7381240782615871488), Some(3709694039798317056)]
    );
    assert_eq!(
        fields(
            &mut c,
            &[
                "BITFIELD", "odd", "SET", "i5", "3", "-16", "INCRBY", "i5", "3", "-1", "GET", "u5", "3", "GET", "i3",
                "4"
            ]
        ),
        vec![Some(0), Some(15), Some(15), Some(-1)]
    );
    assert_eq!(
        fields(
            &mut c,
            &[
                "BITFIELD", "odd", "OVERFLOW", "SAT", "INCRBY", "i5", "3", "-100", "INCRBY", "u3", "100", "-9", "GET",
                "u16", "96"
            ]
        ),
        vec![Some(-16), Some(0), Some(0)]
    );
    // Chained INCRBYs see each other.
    let _: () = q(&mut c, &["DEL", "bits"]);
    fields(&mut c, &["BITFIELD", "bits", "SET", "u8", "#0", "10"]);
    assert_eq!(
        fields(&mut c, &["BITFIELD", "bits", "INCRBY", "u8", "#0", "100", "INCRBY", "u8", "#0", "100"]),
        vec![Some(110), Some(210)]
    );
    // Redis issue #3564.
    assert_eq!(
        fields(
            &mut c,
            &["BITFIELD", "m", "SET", "i8", "0", "10", "SET", "i8", "64", "10", "INCRBY", "i8", "10", "99900"]
        ),
        vec![Some(0), Some(0), Some(60)]
    );
    // Redis issue #3221: "1" is 0x31, whose top bit is 0.
    let _: () = q(&mut c, &["SET", "one", "1"]);
    assert_eq!(fields(&mut c, &["BITFIELD", "one", "GET", "u1", "0"]), vec![Some(0)]);
    // GET past the end reads zeros; a write grows the string to its last bit.
    assert_eq!(fields(&mut c, &["BITFIELD", "g", "SET", "u4", "0", "15", "GET", "u8", "1000"]), vec![Some(0), Some(0)]);
    assert_eq!(get_bytes(&mut c, "g"), Some(vec![0xf0]));
    assert_eq!(fields(&mut c, &["BITFIELD", "g", "SET", "u1", "16", "1"]), vec![Some(0)]);
    assert_eq!(get_bytes(&mut c, "g"), Some(vec![0xf0, 0x00, 0x80]));
    // The wrapped `#n` offset Redis computes: 2^61 * 8 is 0 modulo 2^64.
    assert_eq!(fields(&mut c, &["BITFIELD", "s", "GET", "u8", "#2305843009213693952"]), vec![Some(102)]);
}

#[test]
fn bitfield_overflow_modes() {
    let srv = common::Server::start();
    let mut c = srv.conn();
    let bf = |c: &mut Connection, args: &[&str]| {
        let mut full = vec!["BITFIELD", "bits"];
        full.extend_from_slice(args);
        fields(c, &full)
    };
    fields(&mut c, &["BITFIELD", "bits", "SET", "u8", "#0", "100"]);
    assert_eq!(bf(&mut c, &["OVERFLOW", "WRAP", "INCRBY", "u8", "#0", "257"]), vec![Some(101)]);
    assert_eq!(
        bf(&mut c, &["overflow", "wrap", "incrby", "u8", "#0", "255", "get", "u8", "#0"]),
        vec![Some(100), Some(100)]
    );
    assert_eq!(bf(&mut c, &["OVERFLOW", "SAT", "INCRBY", "u8", "#0", "257"]), vec![Some(255)]);
    assert_eq!(
        bf(&mut c, &["OVERFLOW", "SAT", "INCRBY", "u8", "#0", "-255", "GET", "u8", "#0"]),
        vec![Some(0), Some(0)]
    );
    fields(&mut c, &["BITFIELD", "bits", "SET", "i8", "#0", "100"]);
    assert_eq!(bf(&mut c, &["OVERFLOW", "WRAP", "INCRBY", "i8", "#0", "257"]), vec![Some(101)]);
    assert_eq!(bf(&mut c, &["OVERFLOW", "WRAP", "INCRBY", "i8", "#0", "255"]), vec![Some(100)]);
    assert_eq!(bf(&mut c, &["OVERFLOW", "SAT", "INCRBY", "i8", "#0", "257"]), vec![Some(127)]);
    assert_eq!(bf(&mut c, &["OVERFLOW", "SAT", "INCRBY", "i8", "#0", "-255"]), vec![Some(-128)]);
    // FAIL replies nil and leaves the field alone; OVERFLOW applies only to
    // the subcommands after it.
    assert_eq!(
        bf(&mut c, &["INCRBY", "i8", "#0", "-1", "OVERFLOW", "FAIL", "INCRBY", "i8", "#0", "-300", "GET", "i8", "#0"]),
        vec![Some(127), None, Some(127)]
    );
    // SET overflows too: the value is clamped, wrapped or refused.
    let _: () = q(&mut c, &["DEL", "bits"]);
    assert_eq!(bf(&mut c, &["SET", "u8", "0", "256"]), vec![Some(0)]);
    assert_eq!(bf(&mut c, &["GET", "u8", "0"]), vec![Some(0)]);
    assert_eq!(
        bf(&mut c, &["OVERFLOW", "SAT", "SET", "i8", "0", "-1000", "GET", "i8", "0"]),
        vec![Some(0), Some(-128)]
    );
    assert_eq!(
        bf(&mut c, &["OVERFLOW", "SAT", "SET", "i8", "0", "1000", "GET", "i8", "0"]),
        vec![Some(-128), Some(127)]
    );
    assert_eq!(bf(&mut c, &["OVERFLOW", "FAIL", "SET", "u8", "0", "300", "GET", "u8", "0"]), vec![None, Some(127)]);
    // An unsigned SET takes the 64-bit pattern of a negative value: -1 is
    // past the top, so SAT stores 255 (not 0), as Redis does.
    assert_eq!(bf(&mut c, &["OVERFLOW", "SAT", "SET", "u8", "0", "-1", "GET", "u8", "0"]), vec![Some(127), Some(255)]);
    assert_eq!(bf(&mut c, &["OVERFLOW", "WRAP", "SET", "u8", "0", "-2", "GET", "u8", "0"]), vec![Some(255), Some(254)]);
    assert_eq!(bf(&mut c, &["OVERFLOW", "FAIL", "SET", "u8", "0", "-1"]), vec![None]);
    // The extremes: i64 and u63.
    assert_eq!(bf(&mut c, &["GET", "i64", "0"]), vec![Some(-144115188075855872)]);
    let _: () = q(&mut c, &["DEL", "bits"]);
    assert_eq!(
        bf(&mut c, &["SET", "i64", "0", "-9223372036854775808", "INCRBY", "i64", "0", "-1"]),
        vec![Some(0), Some(i64::MAX)]
    );
    assert_eq!(bf(&mut c, &["OVERFLOW", "SAT", "INCRBY", "i64", "0", "1"]), vec![Some(i64::MAX)]);
    assert_eq!(bf(&mut c, &["OVERFLOW", "FAIL", "INCRBY", "i64", "0", "1"]), vec![None]);
    assert_eq!(
        bf(
            &mut c,
            &[
                "OVERFLOW",
                "SAT",
                "INCRBY",
                "i64",
                "0",
                "-9223372036854775808",
                "INCRBY",
                "i64",
                "0",
                "-9223372036854775808"
            ]
        ),
        vec![Some(-1), Some(i64::MIN)]
    );
    assert_eq!(
        bf(
            &mut c,
            &[
                "SET",
                "u63",
                "0",
                "9223372036854775807",
                "OVERFLOW",
                "SAT",
                "INCRBY",
                "u63",
                "0",
                "1",
                "OVERFLOW",
                "WRAP",
                "INCRBY",
                "u63",
                "0",
                "1"
            ]
        ),
        vec![Some(4611686018427387904), Some(i64::MAX), Some(0)]
    );
    assert_eq!(bf(&mut c, &["GET", "u63", "0", "GET", "i1", "0", "GET", "u1", "63"]), vec![Some(0), Some(0), Some(0)]);
    assert_eq!(
        bf(&mut c, &["SET", "i1", "0", "-1", "GET", "i1", "0", "GET", "u1", "0"]),
        vec![Some(0), Some(-1), Some(1)]
    );
}

/// The wrap and overflow-detection rules over many widths and values,
/// against a model in 128-bit arithmetic (what Redis's own fuzz test does).
#[test]
fn bitfield_overflow_against_a_model() {
    let srv = common::Server::start();
    let mut c = srv.conn();
    let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    for _ in 0..300 {
        let bits = (next() % 64 + 1) as u32;
        let signed = bits == 64 || next() % 2 == 0;
        let range = 1i128 << bits;
        let min = if signed { -(range / 2) } else { 0 };
        let max = min + range - 1;
        let pick = |r: u64| (min * 2 + (r as i128).rem_euclid(range * 2)).clamp(i64::MIN as i128, i64::MAX as i128);
        let value = pick(next());
        let incr = pick(next());
        let ty = format!("{}{}", if signed { 'i' } else { 'u' }, bits);
        let (v, n) = (value.to_string(), incr.to_string());
        let _: () = q(&mut c, &["DEL", "k"]);
        fields(&mut c, &["BITFIELD", "k", "OVERFLOW", "WRAP", "SET", &ty, "0", &v]);
        fields(&mut c, &["BITFIELD", "k", "OVERFLOW", "WRAP", "INCRBY", &ty, "0", &n]);
        let got = fields(&mut c, &["BITFIELD", "k", "GET", &ty, "0"])[0].expect("GET");
        let mut want = (value + incr).rem_euclid(range);
        if signed && want > max {
            want -= range;
        }
        assert_eq!(got as i128, want, "{ty} {v} + {n} with WRAP");
        // FAIL: nil exactly when a value does not fit.
        let _: () = q(&mut c, &["DEL", "k"]);
        let set = fields(&mut c, &["BITFIELD", "k", "OVERFLOW", "FAIL", "SET", &ty, "0", &v])[0];
        let set_fits = if signed { (min..=max).contains(&value) } else { value >= 0 && value <= max };
        assert_eq!(set.is_some(), set_fits, "{ty} SET {v} with FAIL");
        if set_fits {
            let inc = fields(&mut c, &["BITFIELD", "k", "OVERFLOW", "FAIL", "INCRBY", &ty, "0", &n])[0];
            assert_eq!(inc.is_some(), (min..=max).contains(&(value + incr)), "{ty} {v} + {n} with FAIL");
        }
    }
}

#[test]
fn bitfield_read_and_write_paths() {
    let srv = common::Server::start();
    let mut c = srv.conn();
    // Only GETs: a missing key reads as zeros and is not created.
    assert_eq!(fields(&mut c, &["BITFIELD", "k", "GET", "u8", "0", "GET", "i64", "100"]), vec![Some(0), Some(0)]);
    assert_eq!(int(&mut c, &["EXISTS", "k"]), 0);
    // A write creates the key even when FAIL refuses every change.
    assert_eq!(fields(&mut c, &["BITFIELD", "k", "OVERFLOW", "FAIL", "SET", "u8", "0", "300"]), vec![None]);
    assert_eq!(get_bytes(&mut c, "k"), Some(vec![0]));
    // Reads keep the encoding; writes make the string raw.
    let _: () = q(&mut c, &["SET", "e", "abc"]);
    fields(&mut c, &["BITFIELD", "e", "GET", "u8", "0"]);
    assert_eq!(q::<String>(&mut c, &["OBJECT", "ENCODING", "e"]), "embstr");
    assert_eq!(fields(&mut c, &["BITFIELD", "e", "SET", "u8", "0", "65"]), vec![Some(97)]);
    assert_eq!(q::<String>(&mut c, &["OBJECT", "ENCODING", "e"]), "raw");
    assert_eq!(q::<String>(&mut c, &["GET", "e"]), "Abc");
    // BITFIELD keeps the TTL.
    let _: () = q(&mut c, &["EXPIRE", "e", "100"]);
    fields(&mut c, &["BITFIELD", "e", "INCRBY", "u8", "0", "1"]);
    assert!(int(&mut c, &["TTL", "e"]) > 0);
    assert_eq!(q::<String>(&mut c, &["GET", "e"]), "Bbc");
}

#[test]
fn bitfield_errors() {
    let srv = common::Server::start();
    let mut c = srv.conn();
    let _: () = q(&mut c, &["SET", "s", "foobar"]);
    let bf = |c: &mut Connection, args: &[&str]| {
        let mut full = vec!["BITFIELD", "s"];
        full.extend_from_slice(args);
        r(c, &full)
    };
    assert_err(bf(&mut c, &["GET"]), SYNTAX);
    assert_err(bf(&mut c, &["GET", "u8"]), SYNTAX);
    assert_err(bf(&mut c, &["SET", "u8", "0"]), SYNTAX);
    assert_err(bf(&mut c, &["INCRBY", "u8", "0"]), SYNTAX);
    assert_err(bf(&mut c, &["FOO", "u8", "0"]), SYNTAX);
    assert_err(bf(&mut c, &["OVERFLOW"]), SYNTAX);
    assert_err(bf(&mut c, &["OVERFLOW", "foo", "GET", "u8", "0"]), "ERR Invalid OVERFLOW type specified");
    for ty in ["u64", "i65", "i0", "u0", "I8", "U8", "x8", "u08", "u+8", "u", "i", "8", "i-1"] {
        assert_err(bf(&mut c, &["GET", ty, "0"]), BAD_TYPE);
    }
    for off in ["-1", "x", "#-1", "#", "#+1", "+1", "01", "-0", "1.0", "4294967296", "#536870912", "#99999999999999999"]
    {
        assert_err(bf(&mut c, &["GET", "u8", off]), BIT_OFFSET);
    }
    assert_err(bf(&mut c, &["SET", "u8", "0", "x"]), NOT_INTEGER);
    assert_err(bf(&mut c, &["INCRBY", "u8", "0", "9223372036854775808"]), NOT_INTEGER);
    // A bad subcommand anywhere means nothing runs.
    assert_err(bf(&mut c, &["SET", "u8", "0", "65", "SET", "u8", "x", "1"]), BIT_OFFSET);
    assert_eq!(q::<String>(&mut c, &["GET", "s"]), "foobar");
    assert_err(r(&mut c, &["BITFIELD"]), "ERR wrong number of arguments for 'bitfield' command");
}

#[test]
fn bitfield_ro() {
    let srv = common::Server::start();
    let mut c = srv.conn();
    let _: () = q(&mut c, &["SET", "s", "foobar"]);
    assert_eq!(fields(&mut c, &["BITFIELD_RO", "s", "GET", "u8", "0", "GET", "i8", "#1"]), vec![Some(102), Some(111)]);
    assert_eq!(fields(&mut c, &["bitfield_ro", "s"]), vec![]);
    assert_eq!(fields(&mut c, &["BITFIELD_RO", "nokey", "GET", "u8", "0"]), vec![Some(0)]);
    assert_eq!(int(&mut c, &["EXISTS", "nokey"]), 0);
    let ro_only = "ERR BITFIELD_RO only supports the GET subcommand";
    assert_err(r(&mut c, &["BITFIELD_RO", "s", "GET", "u8", "0", "SET", "u8", "0", "1"]), ro_only);
    assert_err(r(&mut c, &["BITFIELD_RO", "s", "INCRBY", "u8", "0", "1"]), ro_only);
    // OVERFLOW alone is not a write.
    assert_eq!(fields(&mut c, &["BITFIELD_RO", "s", "OVERFLOW", "SAT", "GET", "u8", "0"]), vec![Some(102)]);
    // Parse errors come before the read-only check.
    assert_err(r(&mut c, &["BITFIELD_RO", "s", "SET", "u8", "0", "1", "GET", "x", "0"]), BAD_TYPE);
    assert_eq!(q::<String>(&mut c, &["GET", "s"]), "foobar");
    assert_err(r(&mut c, &["BITFIELD_RO"]), "ERR wrong number of arguments for 'bitfield_ro' command");
}

#[test]
fn dirty_counts_only_real_changes() {
    let srv = common::Server::start();
    let mut c = srv.conn();
    let d0 = dirty(&mut c);
    // Creating a key is a change.
    int(&mut c, &["SETBIT", "a", "0", "0"]);
    fields(&mut c, &["BITFIELD", "b", "SET", "i5", "0", "0"]);
    assert_eq!(dirty(&mut c), d0 + 2);
    // Writing the value already there is not.
    int(&mut c, &["SETBIT", "a", "0", "0"]);
    fields(&mut c, &["BITFIELD", "b", "SET", "i5", "0", "0"]);
    fields(&mut c, &["BITFIELD", "b", "OVERFLOW", "SAT", "INCRBY", "u8", "0", "0"]);
    fields(&mut c, &["BITFIELD", "b", "OVERFLOW", "FAIL", "INCRBY", "u8", "0", "300"]);
    assert_eq!(dirty(&mut c), d0 + 2);
    // Each changing subcommand counts.
    fields(&mut c, &["BITFIELD", "b", "INCRBY", "i5", "0", "1", "INCRBY", "i5", "0", "1"]);
    assert_eq!(dirty(&mut c), d0 + 4);
    // Growing the string counts even if the bit keeps its value.
    int(&mut c, &["SETBIT", "a", "90", "0"]);
    fields(&mut c, &["BITFIELD", "b", "SET", "i5", "90", "0"]);
    assert_eq!(dirty(&mut c), d0 + 6);
    // BITOP writes once; deleting the destination with an empty result counts.
    int(&mut c, &["BITOP", "or", "d", "a", "b"]);
    assert_eq!(dirty(&mut c), d0 + 7);
    int(&mut c, &["BITOP", "or", "d", "nokey"]);
    assert_eq!(dirty(&mut c), d0 + 8);
    int(&mut c, &["BITOP", "or", "d", "nokey"]);
    assert_eq!(dirty(&mut c), d0 + 8);
}

/// Creates a key of a non-string type with whatever command the server has;
/// false when it has none yet.
fn make_non_string(c: &mut Connection, key: &str) -> bool {
    let tries: [&[&str]; 4] =
        [&["LPUSH", key, "x"], &["SADD", key, "x"], &["HSET", key, "f", "v"], &["ZADD", key, "1", "x"]];
    tries.iter().any(|args| r(c, args).is_ok())
}

#[test]
fn wrong_type() {
    let srv = common::Server::start();
    let mut c = srv.conn();
    if !make_non_string(&mut c, "l") {
        eprintln!("wrong_type: no non-string type is implemented yet; skipped");
        return;
    }
    let _: () = q(&mut c, &["SET", "s", "foobar"]);
    for args in [
        &["SETBIT", "l", "0", "1"][..],
        &["GETBIT", "l", "0"],
        &["BITCOUNT", "l"],
        &["BITCOUNT", "l", "0"],
        &["BITPOS", "l", "1"],
        &["BITPOS", "l", "0", "x"],
        &["BITOP", "and", "d", "s", "l"],
        &["BITOP", "not", "d", "l"],
        &["BITFIELD", "l"],
        &["BITFIELD", "l", "GET", "u8", "0"],
        &["BITFIELD", "l", "SET", "u8", "0", "1"],
        &["BITFIELD_RO", "l", "GET", "u8", "0"],
    ] {
        assert_err(r(&mut c, args), WRONGTYPE);
    }
    // Argument errors found before the lookup still win.
    assert_err(r(&mut c, &["SETBIT", "l", "-1", "1"]), BIT_OFFSET);
    assert_err(r(&mut c, &["BITPOS", "l", "2"]), "ERR The bit argument must be 1 or 0.");
    assert_err(r(&mut c, &["BITFIELD", "l", "GET", "u64", "0"]), BAD_TYPE);
    assert_err(
        r(&mut c, &["BITFIELD_RO", "l", "SET", "u8", "0", "1"]),
        "ERR BITFIELD_RO only supports the GET subcommand",
    );
    // A failed BITOP leaves the destination alone.
    assert_eq!(int(&mut c, &["EXISTS", "d"]), 0);
}

/// Random SETBITs checked with GETBIT, BITCOUNT and BITPOS against a plain
/// bit vector, over byte and bit ranges.
#[test]
fn random_bits_against_a_model() {
    let srv = common::Server::start();
    let mut c = srv.conn();
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move |n: u64| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed % n
    };
    const NBITS: u64 = 200;
    let mut model: Vec<bool> = Vec::new();
    for round in 0..300 {
        let pos = next(NBITS);
        let on = next(2) == 1;
        let old = int(&mut c, &["SETBIT", "k", &pos.to_string(), if on { "1" } else { "0" }]);
        let need = ((pos / 8 + 1) * 8) as usize;
        if model.len() < need {
            model.resize(need, false);
        }
        assert_eq!(old == 1, model[pos as usize], "round {round}");
        model[pos as usize] = on;
        let len = model.len() as i64;
        let p = next(len as u64) as usize;
        assert_eq!(int(&mut c, &["GETBIT", "k", &p.to_string()]) == 1, model[p]);
        // A random bit range, written with negative indexes half of the time.
        let (mut a, mut b) = (next(len as u64) as i64, next(len as u64) as i64);
        if a > b {
            std::mem::swap(&mut a, &mut b);
        }
        let (sa, sb) = if next(2) == 0 { (a, b) } else { (a - len, b - len) };
        let (sa, sb) = (sa.to_string(), sb.to_string());
        let slice = &model[a as usize..=b as usize];
        let ones = slice.iter().filter(|&&x| x).count() as i64;
        assert_eq!(int(&mut c, &["BITCOUNT", "k", &sa, &sb, "BIT"]), ones, "BITCOUNT {sa} {sb} BIT");
        for bit in [false, true] {
            let want = slice.iter().position(|&x| x == bit).map_or(-1, |i| a + i as i64);
            let arg = if bit { "1" } else { "0" };
            assert_eq!(int(&mut c, &["BITPOS", "k", arg, &sa, &sb, "BIT"]), want, "BITPOS {arg} {sa} {sb} BIT");
        }
        // The same in whole bytes.
        let (ba, bb) = (a / 8, b / 8);
        let bytes = &model[(ba * 8) as usize..((bb + 1) * 8) as usize];
        let ones = bytes.iter().filter(|&&x| x).count() as i64;
        assert_eq!(int(&mut c, &["BITCOUNT", "k", &ba.to_string(), &bb.to_string()]), ones);
        let want = bytes.iter().position(|&x| x).map_or(-1, |i| ba * 8 + i as i64);
        assert_eq!(int(&mut c, &["BITPOS", "k", "1", &ba.to_string(), &bb.to_string()]), want);
        // Without an end, BITPOS 0 may answer the bit just past the string.
        let from = &model[(ba * 8) as usize..];
        let want = from.iter().position(|&x| !x).map_or(len, |i| ba * 8 + i as i64);
        assert_eq!(int(&mut c, &["BITPOS", "k", "0", &ba.to_string()]), want);
        assert_eq!(int(&mut c, &["BITCOUNT", "k"]), model.iter().filter(|&&x| x).count() as i64);
    }
}

#[test]
fn command_table_entries() {
    let srv = common::Server::start();
    let mut c = srv.conn();
    // (name, arity, flags, first key, last key, step, ACL categories)
    #[allow(clippy::type_complexity)]
    let expected: [(&str, i64, &[&str], i64, i64, i64, &[&str]); 7] = [
        ("setbit", 4, &["write", "denyoom"], 1, 1, 1, &["@write", "@bitmap", "@slow"]),
        ("getbit", 3, &["readonly", "fast"], 1, 1, 1, &["@read", "@bitmap", "@fast"]),
        ("bitcount", -2, &["readonly"], 1, 1, 1, &["@read", "@bitmap", "@slow"]),
        ("bitpos", -3, &["readonly"], 1, 1, 1, &["@read", "@bitmap", "@slow"]),
        ("bitop", -4, &["write", "denyoom"], 2, -1, 1, &["@write", "@bitmap", "@slow"]),
        ("bitfield", -2, &["write", "denyoom"], 1, 1, 1, &["@write", "@bitmap", "@slow"]),
        ("bitfield_ro", -2, &["readonly", "fast"], 1, 1, 1, &["@read", "@bitmap", "@fast"]),
    ];
    for (name, arity, flags, first, last, step, acl) in expected {
        let info: Vec<Value> = q(&mut c, &["COMMAND", "INFO", name]);
        let Some(Value::Array(entry)) = info.first() else { panic!("COMMAND INFO {name}: {info:?}") };
        assert_eq!(String::from_redis_value(&entry[0]).unwrap(), name);
        assert_eq!(i64::from_redis_value(&entry[1]).unwrap(), arity, "{name} arity");
        let got: Vec<String> = FromRedisValue::from_redis_value(&entry[2]).unwrap();
        assert_eq!(got, flags, "{name} flags");
        let keys: Vec<i64> = entry[3..6].iter().map(|v| i64::from_redis_value(v).unwrap()).collect();
        assert_eq!(keys, [first, last, step], "{name} keys");
        let got: Vec<String> = FromRedisValue::from_redis_value(&entry[6]).unwrap();
        assert_eq!(got, acl, "{name} ACL categories");
    }
    let keys: Vec<String> = q(&mut c, &["COMMAND", "GETKEYS", "BITOP", "AND", "dest", "a", "b"]);
    assert_eq!(keys, ["dest", "a", "b"]);
}
