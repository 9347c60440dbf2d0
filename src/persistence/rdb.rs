//! The RDB format (version 10, as Redis 7.0 writes it): the snapshot file,
//! the AOF's RDB preamble and the DUMP/RESTORE payload all use it.
//!
//! A file is `REDIS0010`, AUX fields (`redis-ver`, `redis-bits`, `ctime`,
//! `used-mem`, `aof-base`), then per non-empty database `SELECTDB n`,
//! `RESIZEDB size expires` and its keys, each optionally preceded by
//! `EXPIRETIME_MS`, `IDLE` or `FREQ`, then `EOF` and a CRC-64 of everything
//! before it (zero when `rdbchecksum no`).
//!
//! Lengths use Redis's 1/2/5/9-byte encoding; strings are raw, integer
//! encoded (8/16/32 bits) or LZF compressed. Values are written in the
//! encodings Redis 7.0 writes: lists as quicklist-2 nodes of listpacks, small
//! hashes and sorted sets as one listpack, integer sets as an intset, big
//! sorted sets with binary doubles (highest score first, as Redis does so a
//! loader always inserts at the head). The reader also accepts everything
//! older Redis versions wrote: ziplists, zipmaps, quicklist-1, plain lists,
//! text-encoded doubles, second-resolution expiry, and 7.2's listpack sets.
//!
//! Every reader is bounds-checked: a RESTORE payload comes from a client, so
//! malformed input is an error, never a panic or an over-read.

use std::io::{self, BufRead, Write};

use super::crc64::crc64;
use super::lzf;
use crate::store::hash::{self, Hash};
use crate::store::list::{Fill, List};
use crate::store::set::Set;
use crate::store::zset::{self, ZSet};
use crate::store::{Str, Value};
use crate::util::{parse_i64_strict, write_i64};

/// The RDB version written (Redis 7.0).
pub const RDB_VERSION: u16 = 10;
/// The newest version read (7.2 files load when they use no new types we lack).
const RDB_VERSION_MAX_READ: u16 = 11;

// Opcodes.
const OP_FUNCTION2: u8 = 245;
const OP_FUNCTION: u8 = 246;
const OP_MODULE_AUX: u8 = 247;
const OP_IDLE: u8 = 248;
const OP_FREQ: u8 = 249;
const OP_AUX: u8 = 250;
const OP_RESIZEDB: u8 = 251;
const OP_EXPIRETIME_MS: u8 = 252;
const OP_EXPIRETIME: u8 = 253;
const OP_SELECTDB: u8 = 254;
const OP_EOF: u8 = 255;

// Value types.
pub const T_STRING: u8 = 0;
const T_LIST: u8 = 1;
const T_SET: u8 = 2;
const T_ZSET: u8 = 3;
const T_HASH: u8 = 4;
const T_ZSET_2: u8 = 5;
const T_MODULE: u8 = 6;
const T_MODULE_2: u8 = 7;
const T_HASH_ZIPMAP: u8 = 9;
const T_LIST_ZIPLIST: u8 = 10;
const T_SET_INTSET: u8 = 11;
const T_ZSET_ZIPLIST: u8 = 12;
const T_HASH_ZIPLIST: u8 = 13;
const T_LIST_QUICKLIST: u8 = 14;
const T_STREAM_LISTPACKS: u8 = 15;
const T_HASH_LISTPACK: u8 = 16;
const T_ZSET_LISTPACK: u8 = 17;
const T_LIST_QUICKLIST_2: u8 = 18;
const T_STREAM_LISTPACKS_2: u8 = 19;
const T_SET_LISTPACK: u8 = 20;
const T_STREAM_LISTPACKS_3: u8 = 21;

// Length encodings (the two top bits of the first byte).
const LEN_6BIT: u8 = 0;
const LEN_14BIT: u8 = 1;
const LEN_32BIT: u8 = 0x80;
const LEN_64BIT: u8 = 0x81;
const LEN_ENCVAL: u8 = 3;
const ENC_INT8: u8 = 0;
const ENC_INT16: u8 = 1;
const ENC_INT32: u8 = 2;
const ENC_LZF: u8 = 3;

// Quicklist-2 node containers.
const QUICKLIST_NODE_PLAIN: u64 = 1;
const QUICKLIST_NODE_PACKED: u64 = 2;

/// Why loading failed. The messages are what the log and RESTORE show.
#[derive(Debug, thiserror::Error)]
pub enum RdbError {
    #[error("I/O error reading the RDB: {0}")]
    Io(#[from] io::Error),
    #[error("Short read or OOM loading DB. Unrecoverable error, aborting now.")]
    Truncated,
    #[error("Wrong signature trying to load DB from file")]
    BadSignature,
    #[error("Can't handle RDB format version {0}")]
    BadVersion(u16),
    #[error("Wrong RDB checksum expected: ({expected:x}) got: ({got:x}). Aborting now. (RDB CRC error)")]
    BadChecksum { expected: u64, got: u64 },
    #[error("Unknown RDB string encoding type {0}")]
    BadStringEncoding(u8),
    #[error("Invalid LZF compressed string")]
    BadLzf,
    #[error("{0} integrity check failed")]
    Integrity(&'static str),
    #[error("Duplicate {0} detected")]
    Duplicate(&'static str),
    #[error("{0} with dup elements")]
    DupElements(&'static str),
    #[error("Unknown RDB encoding type {0}")]
    UnknownType(u8),
    #[error("The RDB file contains a stream (type {0}): streams are not supported by oxidis yet")]
    Stream(u8),
    #[error("The RDB file contains module data (type {0}) I can't load: no matching module")]
    Module(u8),
    #[error("The RDB file contains AUX module data I can't load: no matching module")]
    ModuleAux,
    #[error("Pre-release function format not supported")]
    OldFunctions,
    #[error("FATAL: Data file was created with a Redis server configured to handle more than {0} databases. Exiting")]
    TooManyDbs(usize),
    #[error("Invalid {0}")]
    Invalid(&'static str),
    #[error("Failed loading the function libraries: {0}")]
    Functions(String),
}

pub type Result<T> = std::result::Result<T, RdbError>;

// ---------------------------------------------------------------------------
// Writing.

/// How values are written.
#[derive(Debug, Clone, Copy)]
pub struct EncodeOptions {
    /// `rdbcompression`: LZF for strings longer than 20 bytes.
    pub compress: bool,
    /// `list-max-listpack-size`: how list elements are grouped into nodes.
    pub list_fill: i64,
}

/// Appends a length in Redis's variable encoding.
pub fn put_len(buf: &mut Vec<u8>, n: u64) {
    if n < 1 << 6 {
        buf.push(n as u8);
    } else if n < 1 << 14 {
        buf.push((LEN_14BIT << 6) | (n >> 8) as u8);
        buf.push(n as u8);
    } else if n <= u32::MAX as u64 {
        buf.push(LEN_32BIT);
        buf.extend_from_slice(&(n as u32).to_be_bytes());
    } else {
        buf.push(LEN_64BIT);
        buf.extend_from_slice(&n.to_be_bytes());
    }
}

/// The integer encoding of `n` if it fits 32 bits.
fn put_int_encoded(buf: &mut Vec<u8>, n: i64) -> bool {
    let enc = LEN_ENCVAL << 6;
    if let Ok(v) = i8::try_from(n) {
        buf.push(enc | ENC_INT8);
        buf.push(v as u8);
    } else if let Ok(v) = i16::try_from(n) {
        buf.push(enc | ENC_INT16);
        buf.extend_from_slice(&v.to_le_bytes());
    } else if let Ok(v) = i32::try_from(n) {
        buf.push(enc | ENC_INT32);
        buf.extend_from_slice(&v.to_le_bytes());
    } else {
        return false;
    }
    true
}

/// Appends a string: integer encoded when it is a short canonical integer,
/// LZF compressed when that saves at least 4 bytes (as Redis decides), raw
/// otherwise.
pub fn put_string(buf: &mut Vec<u8>, s: &[u8], compress: bool) {
    if s.len() <= 11 {
        if let Some(n) = parse_i64_strict(s) {
            if put_int_encoded(buf, n) {
                return;
            }
        }
    }
    if compress && s.len() > 20 {
        if let Some(c) = lzf::compress(s, s.len() - 4) {
            buf.push((LEN_ENCVAL << 6) | ENC_LZF);
            put_len(buf, c.len() as u64);
            put_len(buf, s.len() as u64);
            buf.extend_from_slice(&c);
            return;
        }
    }
    put_len(buf, s.len() as u64);
    buf.extend_from_slice(s);
}

/// Appends an integer as a string object (Redis's `int` encoded strings).
fn put_i64_string(buf: &mut Vec<u8>, n: i64) {
    if !put_int_encoded(buf, n) {
        let mut tmp = Vec::with_capacity(20);
        write_i64(&mut tmp, n);
        put_len(buf, tmp.len() as u64);
        buf.extend_from_slice(&tmp);
    }
}

/// Appends a string value in its own encoding.
fn put_str(buf: &mut Vec<u8>, s: &Str, compress: bool) {
    match s {
        Str::Int(n) => put_i64_string(buf, *n),
        Str::Bytes(b) => put_string(buf, b, compress),
        Str::Raw(b) => put_string(buf, b, compress),
    }
}

/// The type byte `v` is written with.
pub fn value_type(v: &Value) -> u8 {
    match v {
        Value::Str(_) => T_STRING,
        Value::List(_) => T_LIST_QUICKLIST_2,
        Value::Set(s) if s.encoding() == "intset" => T_SET_INTSET,
        Value::Set(_) => T_SET,
        Value::ZSet(z) if z.encoding() == "listpack" => T_ZSET_LISTPACK,
        Value::ZSet(_) => T_ZSET_2,
        Value::Hash(h) if h.encoding() == "listpack" => T_HASH_LISTPACK,
        Value::Hash(_) => T_HASH,
    }
}

/// Appends the body of `v` (what follows its type byte and key).
pub fn put_value(buf: &mut Vec<u8>, v: &Value, opt: EncodeOptions) {
    match v {
        Value::Str(s) => put_str(buf, s, opt.compress),
        Value::List(l) => put_list(buf, l, opt),
        Value::Set(s) => {
            if s.encoding() == "intset" {
                let mut ints = Vec::with_capacity(s.len());
                s.for_each(|m| ints.push(parse_i64_strict(m).unwrap_or(0)));
                put_string(buf, &intset_blob(&ints), opt.compress);
            } else {
                put_len(buf, s.len() as u64);
                s.for_each(|m| put_string(buf, m, opt.compress));
            }
        }
        Value::ZSet(z) => {
            if z.encoding() == "listpack" {
                let mut lp = Listpack::new();
                z.for_each(|m, score| {
                    lp.push(m);
                    lp.push_score(score);
                });
                put_string(buf, &lp.finish(), opt.compress);
            } else {
                put_len(buf, z.len() as u64);
                z.visit(z.len() - 1, z.len(), true, |m, score| {
                    put_string(buf, m, opt.compress);
                    buf.extend_from_slice(&score.to_le_bytes());
                });
            }
        }
        Value::Hash(h) => {
            if h.encoding() == "listpack" {
                let mut lp = Listpack::new();
                h.for_each(|f, val| {
                    lp.push(f);
                    lp.push(val);
                });
                put_string(buf, &lp.finish(), opt.compress);
            } else {
                put_len(buf, h.len() as u64);
                h.for_each(|f, val| {
                    put_string(buf, f, opt.compress);
                    put_string(buf, val, opt.compress);
                });
            }
        }
    }
}

/// Largest node Redis builds with a positive fill (`SIZE_SAFETY_LIMIT`).
const NODE_SAFETY_LIMIT: usize = 8192;

/// A list as quicklist-2: nodes of listpacks sized like Redis sizes them
/// with `list-max-listpack-size`.
fn put_list(buf: &mut Vec<u8>, l: &List, opt: EncodeOptions) {
    let (max_count, max_bytes) = if opt.list_fill >= 0 {
        (opt.list_fill.max(1) as usize, NODE_SAFETY_LIMIT)
    } else {
        (usize::MAX, 4096usize << ((-opt.list_fill - 1) as usize).min(4))
    };
    let mut nodes: Vec<Vec<u8>> = Vec::new();
    let mut lp = Listpack::new();
    for e in l.iter() {
        if lp.count > 0 && (lp.count >= max_count || lp.buf.len() + e.len() + 11 > max_bytes) {
            nodes.push(std::mem::take(&mut lp).finish());
        }
        lp.push(e);
    }
    if lp.count > 0 {
        nodes.push(lp.finish());
    }
    put_len(buf, nodes.len() as u64);
    for n in nodes {
        put_len(buf, QUICKLIST_NODE_PACKED);
        put_string(buf, &n, opt.compress);
    }
}

/// An intset blob: encoding width, count, sorted little-endian values.
fn intset_blob(ints: &[i64]) -> Vec<u8> {
    let width: usize = if ints.iter().all(|&n| i16::try_from(n).is_ok()) {
        2
    } else if ints.iter().all(|&n| i32::try_from(n).is_ok()) {
        4
    } else {
        8
    };
    let mut out = Vec::with_capacity(8 + ints.len() * width);
    out.extend_from_slice(&(width as u32).to_le_bytes());
    out.extend_from_slice(&(ints.len() as u32).to_le_bytes());
    for &n in ints {
        out.extend_from_slice(&n.to_le_bytes()[..width]);
    }
    out
}

/// Builds a listpack: `total bytes (u32) | count (u16) | entries | 0xFF`.
/// Each entry is its encoding, its data and its length written backwards,
/// so the list can be walked from either end.
pub struct Listpack {
    buf: Vec<u8>,
    count: usize,
}

impl Default for Listpack {
    fn default() -> Self {
        Listpack::new()
    }
}

impl Listpack {
    pub fn new() -> Listpack {
        Listpack { buf: vec![0; 6], count: 0 }
    }

    /// Appends a string, integer encoded when it is a canonical integer (as
    /// Redis stores such strings).
    pub fn push(&mut self, s: &[u8]) {
        if s.len() <= 20 {
            if let Some(n) = parse_i64_strict(s) {
                return self.push_int(n);
            }
        }
        let start = self.buf.len();
        let n = s.len();
        if n < 64 {
            self.buf.push(0x80 | n as u8);
        } else if n < 4096 {
            self.buf.push(0xe0 | (n >> 8) as u8);
            self.buf.push(n as u8);
        } else {
            self.buf.push(0xf0);
            self.buf.extend_from_slice(&(n as u32).to_le_bytes());
        }
        self.buf.extend_from_slice(s);
        self.end_entry(start);
    }

    pub fn push_int(&mut self, n: i64) {
        let start = self.buf.len();
        if (0..=127).contains(&n) {
            self.buf.push(n as u8);
        } else if (-4096..=4095).contains(&n) {
            let u = (n as u16) & 0x1fff;
            self.buf.push(0xc0 | (u >> 8) as u8);
            self.buf.push(u as u8);
        } else if let Ok(v) = i16::try_from(n) {
            self.buf.push(0xf1);
            self.buf.extend_from_slice(&v.to_le_bytes());
        } else if (-(1 << 23)..(1 << 23)).contains(&n) {
            self.buf.push(0xf2);
            self.buf.extend_from_slice(&(n as i32).to_le_bytes()[..3]);
        } else if let Ok(v) = i32::try_from(n) {
            self.buf.push(0xf3);
            self.buf.extend_from_slice(&v.to_le_bytes());
        } else {
            self.buf.push(0xf4);
            self.buf.extend_from_slice(&n.to_le_bytes());
        }
        self.end_entry(start);
    }

    /// Appends a sorted-set score as Redis keeps it in a listpack: an integer
    /// when the score is one, otherwise its shortest round-trip decimal text.
    pub fn push_score(&mut self, score: f64) {
        if score.fract() == 0.0 && score.abs() < (1u64 << 53) as f64 && !(score == 0.0 && score.is_sign_negative()) {
            return self.push_int(score as i64);
        }
        let text = if score.is_infinite() {
            if score > 0.0 {
                "inf".to_string()
            } else {
                "-inf".to_string()
            }
        } else {
            format!("{score:e}")
        };
        // `{:e}` is the shortest round-trip form; plain decimals read better
        // for ordinary magnitudes and are what Redis's %.17g gives.
        let plain = format!("{score}");
        let s = if plain.len() <= text.len() { plain } else { text };
        self.push(s.as_bytes());
    }

    /// Writes the back-length of the entry that started at `start`.
    fn end_entry(&mut self, start: usize) {
        let (tmp, n) = encode_backlen((self.buf.len() - start) as u64);
        self.buf.extend_from_slice(&tmp[..n]);
        self.count += 1;
    }

    pub fn finish(mut self) -> Vec<u8> {
        self.buf.push(0xff);
        let total = self.buf.len() as u32;
        self.buf[0..4].copy_from_slice(&total.to_le_bytes());
        let count = self.count.min(65535) as u16;
        self.buf[4..6].copy_from_slice(&count.to_le_bytes());
        self.buf
    }
}

/// The back-length of an entry of `l` bytes and how many bytes it takes:
/// the rightmost byte holds the lowest 7 bits, and every byte but the
/// leftmost has its top bit set ("more bytes to the left").
fn encode_backlen(l: u64) -> ([u8; 5], usize) {
    let mut tmp = [0u8; 5];
    let n = backlen_size(l);
    for (i, slot) in tmp[..n].iter_mut().enumerate() {
        let shift = 7 * (n - 1 - i);
        let mut b = ((l >> shift) & 127) as u8;
        if i > 0 {
            b |= 128;
        }
        *slot = b;
    }
    (tmp, n)
}

/// Bytes the back-length of an entry of `l` bytes takes (Redis's thresholds).
fn backlen_size(l: u64) -> usize {
    if l <= 127 {
        1
    } else if l < 16383 {
        2
    } else if l < 2097151 {
        3
    } else if l < 268435455 {
        4
    } else {
        5
    }
}

/// Appends one key of a snapshot: expiry, LRU/LFU info, type, key, value.
pub fn put_key(buf: &mut Vec<u8>, key: &[u8], v: &Value, expire: Option<i64>, aux: KeyAux, opt: EncodeOptions) {
    if let Some(ms) = expire {
        buf.push(OP_EXPIRETIME_MS);
        buf.extend_from_slice(&ms.to_le_bytes());
    }
    match aux {
        KeyAux::None => {}
        KeyAux::Idle(secs) => {
            buf.push(OP_IDLE);
            put_len(buf, secs);
        }
        KeyAux::Freq(f) => {
            buf.push(OP_FREQ);
            buf.push(f);
        }
    }
    buf.push(value_type(v));
    put_string(buf, key, opt.compress);
    put_value(buf, v, opt);
}

/// The access information saved with a key (Redis saves idle time under an
/// LRU policy and the LFU counter under an LFU one).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyAux {
    None,
    Idle(u64),
    Freq(u8),
}

/// Writes an RDB stream to `W`, checksumming as it goes. Keys are appended
/// to an in-memory buffer that is handed to the writer every 64 KiB.
pub struct RdbWriter<W: Write> {
    out: W,
    pub buf: Vec<u8>,
    crc: u64,
    checksum: bool,
    /// Bytes handed to `out` so far.
    pub written: u64,
}

const WRITE_CHUNK: usize = 64 * 1024;

impl<W: Write> RdbWriter<W> {
    pub fn new(out: W, checksum: bool) -> Self {
        RdbWriter { out, buf: Vec::with_capacity(WRITE_CHUNK * 2), crc: 0, checksum, written: 0 }
    }

    /// Writes the buffer out if it is big enough.
    pub fn maybe_flush(&mut self) -> io::Result<()> {
        if self.buf.len() >= WRITE_CHUNK {
            self.flush_buf()?;
        }
        Ok(())
    }

    fn flush_buf(&mut self) -> io::Result<()> {
        if self.checksum {
            self.crc = crc64(self.crc, &self.buf);
        }
        self.out.write_all(&self.buf)?;
        self.written += self.buf.len() as u64;
        self.buf.clear();
        Ok(())
    }

    pub fn header(&mut self) {
        self.buf.extend_from_slice(format!("REDIS{:04}", RDB_VERSION).as_bytes());
    }

    pub fn aux(&mut self, key: &str, value: &[u8]) {
        self.buf.push(OP_AUX);
        put_string(&mut self.buf, key.as_bytes(), false);
        put_string(&mut self.buf, value, false);
    }

    pub fn select_db(&mut self, db: usize, size: usize, expires: usize) {
        self.buf.push(OP_SELECTDB);
        put_len(&mut self.buf, db as u64);
        self.buf.push(OP_RESIZEDB);
        put_len(&mut self.buf, size as u64);
        put_len(&mut self.buf, expires as u64);
    }

    /// A function library (FUNCTION2 opcode: its source code).
    pub fn function(&mut self, code: &[u8]) {
        self.buf.push(OP_FUNCTION2);
        put_string(&mut self.buf, code, false);
    }

    /// Writes EOF and the checksum, flushes, and returns the inner writer.
    pub fn finish(mut self) -> io::Result<W> {
        self.buf.push(OP_EOF);
        self.flush_buf()?;
        let crc = if self.checksum { self.crc } else { 0 };
        self.out.write_all(&crc.to_le_bytes())?;
        self.written += 8;
        self.out.flush()?;
        Ok(self.out)
    }
}

// ---------------------------------------------------------------------------
// Reading.

/// How loaded values are encoded (the `*-max-listpack-*` directives).
#[derive(Debug, Clone, Copy)]
pub struct LoadLimits {
    pub hash: hash::Limits,
    pub zset: zset::Limits,
    pub list_fill: Fill,
    pub max_intset: usize,
}

/// Reads an RDB stream, keeping a running CRC-64 of what it consumed.
pub struct RdbReader<R: BufRead> {
    r: R,
    crc: u64,
    /// Bytes consumed so far.
    pub pos: u64,
}

impl<R: BufRead> RdbReader<R> {
    pub fn new(r: R) -> Self {
        RdbReader { r, crc: 0, pos: 0 }
    }

    /// The underlying reader, positioned right after what was consumed.
    pub fn into_inner(self) -> R {
        self.r
    }

    fn fill(&mut self, out: &mut [u8]) -> Result<()> {
        let mut done = 0;
        while done < out.len() {
            let avail = match self.r.fill_buf() {
                Ok(b) => b,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(RdbError::Io(e)),
            };
            if avail.is_empty() {
                return Err(RdbError::Truncated);
            }
            let n = avail.len().min(out.len() - done);
            out[done..done + n].copy_from_slice(&avail[..n]);
            self.crc = crc64(self.crc, &avail[..n]);
            self.r.consume(n);
            done += n;
        }
        self.pos += out.len() as u64;
        Ok(())
    }

    fn u8(&mut self) -> Result<u8> {
        let mut b = [0u8; 1];
        self.fill(&mut b)?;
        Ok(b[0])
    }

    fn bytes(&mut self, n: u64) -> Result<Vec<u8>> {
        // Grow as data actually arrives, so a corrupt huge length cannot make
        // us allocate gigabytes up front.
        let mut out = Vec::new();
        let mut left = n;
        while left > 0 {
            let step = left.min(1 << 20) as usize;
            let start = out.len();
            out.resize(start + step, 0);
            self.fill(&mut out[start..])?;
            left -= step as u64;
        }
        Ok(out)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N]> {
        let mut b = [0u8; N];
        self.fill(&mut b)?;
        Ok(b)
    }

    /// A length, or `(value, true)` for the special string encodings.
    fn len_or_enc(&mut self) -> Result<(u64, bool)> {
        let b = self.u8()?;
        match b >> 6 {
            LEN_6BIT => Ok(((b & 0x3f) as u64, false)),
            LEN_14BIT => Ok(((((b & 0x3f) as u64) << 8) | self.u8()? as u64, false)),
            LEN_ENCVAL => Ok(((b & 0x3f) as u64, true)),
            _ => match b {
                LEN_32BIT => Ok((u32::from_be_bytes(self.array()?) as u64, false)),
                LEN_64BIT => Ok((u64::from_be_bytes(self.array()?), false)),
                _ => Err(RdbError::Invalid("length encoding")),
            },
        }
    }

    pub fn length(&mut self) -> Result<u64> {
        match self.len_or_enc()? {
            (n, false) => Ok(n),
            _ => Err(RdbError::Invalid("length encoding")),
        }
    }

    /// A string in any of its encodings.
    pub fn string(&mut self) -> Result<Vec<u8>> {
        let (n, enc) = self.len_or_enc()?;
        if !enc {
            return self.bytes(n);
        }
        let v: i64 = match n as u8 {
            ENC_INT8 => self.u8()? as i8 as i64,
            ENC_INT16 => i16::from_le_bytes(self.array()?) as i64,
            ENC_INT32 => i32::from_le_bytes(self.array()?) as i64,
            ENC_LZF => {
                let clen = self.length()?;
                let len = self.length()?;
                let data = self.bytes(clen)?;
                if len > 0 && clen == 0 {
                    return Err(RdbError::BadLzf);
                }
                return lzf::decompress(&data, len as usize).ok_or(RdbError::BadLzf);
            }
            other => return Err(RdbError::BadStringEncoding(other)),
        };
        let mut out = Vec::with_capacity(20);
        write_i64(&mut out, v);
        Ok(out)
    }

    /// A double in the old text form (ZSET type 3).
    fn text_double(&mut self) -> Result<f64> {
        let n = self.u8()?;
        match n {
            253 => Ok(f64::NAN),
            254 => Ok(f64::INFINITY),
            255 => Ok(f64::NEG_INFINITY),
            _ => {
                let b = self.bytes(n as u64)?;
                parse_score(&b).ok_or(RdbError::Invalid("double value"))
            }
        }
    }

    fn binary_double(&mut self) -> Result<f64> {
        Ok(f64::from_le_bytes(self.array()?))
    }

    /// Reads the value of a `kind` key. `Ok(None)`: an empty aggregate, which
    /// Redis skips on load.
    pub fn value(&mut self, kind: u8, lim: &LoadLimits) -> Result<Option<Value>> {
        let v = match kind {
            T_STRING => return Ok(Some(Value::str(&self.string()?))),
            T_LIST => {
                let n = self.length()?;
                let mut l = List::new();
                for _ in 0..n {
                    l.push(false, &self.string()?, lim.list_fill);
                }
                Value::List(Box::new(l))
            }
            T_LIST_ZIPLIST => {
                let blob = self.string()?;
                let mut l = List::new();
                for_each_ziplist(&blob, "Ziplist", |e| l.push(false, &e.to_bytes(), lim.list_fill))?;
                Value::List(Box::new(l))
            }
            T_LIST_QUICKLIST | T_LIST_QUICKLIST_2 => {
                let nodes = self.length()?;
                let mut l = List::new();
                for _ in 0..nodes {
                    let container = if kind == T_LIST_QUICKLIST_2 { self.length()? } else { QUICKLIST_NODE_PACKED };
                    let blob = self.string()?;
                    if blob.is_empty() {
                        return Err(RdbError::Integrity("Quicklist (encoded_len is 0)"));
                    }
                    match (kind, container) {
                        (T_LIST_QUICKLIST_2, QUICKLIST_NODE_PLAIN) => l.push(false, &blob, lim.list_fill),
                        (T_LIST_QUICKLIST_2, QUICKLIST_NODE_PACKED) => {
                            let n =
                                for_each_listpack(&blob, "Listpack", |e| l.push(false, &e.to_bytes(), lim.list_fill))?;
                            if n == 0 {
                                return Err(RdbError::Integrity("Quicklist (empty listpack node)"));
                            }
                        }
                        (T_LIST_QUICKLIST, _) => {
                            let n =
                                for_each_ziplist(&blob, "Ziplist", |e| l.push(false, &e.to_bytes(), lim.list_fill))?;
                            if n == 0 {
                                // Redis 7.0 skips empty ziplist nodes of old files.
                                continue;
                            }
                        }
                        _ => return Err(RdbError::Invalid("quicklist node container")),
                    }
                }
                Value::List(Box::new(l))
            }
            T_SET => {
                let n = self.length()?;
                let mut s = Set::new();
                // Redis goes straight to a hashtable when the set is too big
                // for an intset; `add` converts on the first non-integer too.
                let max = if n as usize > lim.max_intset { 0 } else { lim.max_intset };
                for _ in 0..n {
                    if !s.add(&self.string()?, max) {
                        return Err(RdbError::Duplicate("set members"));
                    }
                }
                Value::Set(Box::new(s))
            }
            T_SET_INTSET => {
                let blob = self.string()?;
                let ints = parse_intset(&blob).ok_or(RdbError::Integrity("Intset"))?;
                let mut s = Set::new();
                let max = if ints.len() > lim.max_intset { 0 } else { lim.max_intset };
                let mut buf = Vec::with_capacity(20);
                for n in ints {
                    buf.clear();
                    write_i64(&mut buf, n);
                    if !s.add(&buf, max) {
                        return Err(RdbError::Duplicate("set members"));
                    }
                }
                Value::Set(Box::new(s))
            }
            T_SET_LISTPACK => {
                let blob = self.string()?;
                let mut s = Set::new();
                let mut dup = false;
                for_each_listpack(&blob, "Set listpack", |e| {
                    if !s.add(&e.to_bytes(), lim.max_intset) {
                        dup = true;
                    }
                })?;
                if dup {
                    return Err(RdbError::DupElements("Set listpack"));
                }
                Value::Set(Box::new(s))
            }
            T_ZSET | T_ZSET_2 => {
                let n = self.length()?;
                let mut z = if n as usize > lim.zset.max_entries {
                    ZSet::for_size(n as usize, 0, lim.zset)
                } else {
                    ZSet::new()
                };
                for _ in 0..n {
                    let m = self.string()?;
                    let score = if kind == T_ZSET { self.text_double()? } else { self.binary_double()? };
                    if score.is_nan() {
                        return Err(RdbError::Invalid("zset score (NaN)"));
                    }
                    if z.score(&m).is_some() {
                        return Err(RdbError::Duplicate("zset elements"));
                    }
                    z.insert(&m, score, lim.zset);
                }
                Value::ZSet(Box::new(z))
            }
            T_ZSET_ZIPLIST | T_ZSET_LISTPACK => {
                let blob = self.string()?;
                let mut elems = Vec::new();
                let what = if kind == T_ZSET_ZIPLIST { "Zset ziplist" } else { "Zset listpack" };
                if kind == T_ZSET_ZIPLIST {
                    for_each_ziplist(&blob, what, |e| elems.push(e.to_bytes()))?;
                } else {
                    for_each_listpack(&blob, what, |e| elems.push(e.to_bytes()))?;
                }
                if elems.len() % 2 != 0 {
                    return Err(RdbError::Integrity(what));
                }
                let mut z = ZSet::new();
                for pair in elems.chunks_exact(2) {
                    let score = parse_score(&pair[1]).filter(|s| !s.is_nan()).ok_or(RdbError::Integrity(what))?;
                    if z.score(&pair[0]).is_some() {
                        return Err(RdbError::Integrity(what));
                    }
                    z.insert(&pair[0], score, lim.zset);
                }
                Value::ZSet(Box::new(z))
            }
            T_HASH => {
                let n = self.length()?;
                let mut h = Hash::new();
                for _ in 0..n {
                    let f = self.string()?;
                    let v = self.string()?;
                    if !h.set(&f, &v, lim.hash) {
                        return Err(RdbError::Duplicate("hash fields"));
                    }
                }
                Value::Hash(h)
            }
            T_HASH_ZIPMAP | T_HASH_ZIPLIST | T_HASH_LISTPACK => {
                let blob = self.string()?;
                let mut elems = Vec::new();
                let what = match kind {
                    T_HASH_ZIPMAP => "Zipmap",
                    T_HASH_ZIPLIST => "Hash ziplist",
                    _ => "Hash listpack",
                };
                match kind {
                    T_HASH_ZIPMAP => for_each_zipmap(&blob, |e| elems.push(e.to_vec()))?,
                    T_HASH_ZIPLIST => {
                        for_each_ziplist(&blob, what, |e| elems.push(e.to_bytes()))?;
                    }
                    _ => {
                        for_each_listpack(&blob, what, |e| elems.push(e.to_bytes()))?;
                    }
                }
                if elems.len() % 2 != 0 {
                    return Err(RdbError::Integrity(what));
                }
                let mut h = Hash::new();
                for pair in elems.chunks_exact(2) {
                    if !h.set(&pair[0], &pair[1], lim.hash) {
                        return Err(if kind == T_HASH_LISTPACK {
                            RdbError::DupElements(what)
                        } else {
                            RdbError::Integrity(what)
                        });
                    }
                }
                Value::Hash(h)
            }
            T_STREAM_LISTPACKS | T_STREAM_LISTPACKS_2 | T_STREAM_LISTPACKS_3 => return Err(RdbError::Stream(kind)),
            T_MODULE | T_MODULE_2 => return Err(RdbError::Module(kind)),
            other => return Err(RdbError::UnknownType(other)),
        };
        Ok(if v.is_empty() { None } else { Some(v) })
    }
}

/// A score stored as text (old zsets, listpack entries): `inf`, `-inf`,
/// `nan` as Redis spells them, or anything `strtod` reads.
fn parse_score(b: &[u8]) -> Option<f64> {
    let s = std::str::from_utf8(b).ok()?;
    match s.to_ascii_lowercase().as_str() {
        "inf" | "+inf" | "infinity" => Some(f64::INFINITY),
        "-inf" | "-infinity" => Some(f64::NEG_INFINITY),
        "nan" | "-nan" => Some(f64::NAN),
        t => t.parse().ok(),
    }
}

/// An element of a listpack or ziplist.
#[derive(Debug, Clone, Copy)]
pub enum Elem<'a> {
    Bytes(&'a [u8]),
    Int(i64),
}

impl Elem<'_> {
    pub fn to_bytes(&self) -> Vec<u8> {
        match self {
            Elem::Bytes(b) => b.to_vec(),
            Elem::Int(n) => crate::util::i64_to_bytes(*n),
        }
    }
}

/// Reads `n` little-endian bytes at `p` as a sign-extended integer.
fn le_int(b: &[u8], p: usize, n: usize) -> Option<i64> {
    let s = b.get(p..p + n)?;
    let mut v: u64 = 0;
    for (i, &x) in s.iter().enumerate() {
        v |= (x as u64) << (8 * i);
    }
    let shift = 64 - 8 * n as u32;
    Some(((v << shift) as i64) >> shift)
}

/// Calls `f` for every element of a listpack; returns how many there were.
pub fn for_each_listpack(b: &[u8], what: &'static str, mut f: impl FnMut(Elem)) -> Result<usize> {
    let bad = || RdbError::Integrity(what);
    if b.len() < 7 || u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize != b.len() {
        return Err(bad());
    }
    let declared = u16::from_le_bytes([b[4], b[5]]) as usize;
    let mut p = 6;
    let mut count = 0;
    loop {
        let Some(&c) = b.get(p) else { return Err(bad()) };
        if c == 0xff {
            break;
        }
        let start = p;
        let (elem, next) = if c & 0x80 == 0 {
            (Elem::Int(c as i64), p + 1)
        } else if c & 0xc0 == 0x80 {
            let n = (c & 0x3f) as usize;
            (Elem::Bytes(b.get(p + 1..p + 1 + n).ok_or_else(bad)?), p + 1 + n)
        } else if c & 0xe0 == 0xc0 {
            let lo = *b.get(p + 1).ok_or_else(bad)? as u16;
            let u = (((c & 0x1f) as u16) << 8) | lo;
            let v = ((u << 3) as i16 >> 3) as i64;
            (Elem::Int(v), p + 2)
        } else if c & 0xf0 == 0xe0 {
            let lo = *b.get(p + 1).ok_or_else(bad)? as usize;
            let n = (((c & 0x0f) as usize) << 8) | lo;
            (Elem::Bytes(b.get(p + 2..p + 2 + n).ok_or_else(bad)?), p + 2 + n)
        } else {
            match c {
                0xf0 => {
                    let n = le_int(b, p + 1, 4).ok_or_else(bad)? as u32 as usize;
                    (Elem::Bytes(b.get(p + 5..p + 5 + n).ok_or_else(bad)?), p + 5 + n)
                }
                0xf1 => (Elem::Int(le_int(b, p + 1, 2).ok_or_else(bad)?), p + 3),
                0xf2 => (Elem::Int(le_int(b, p + 1, 3).ok_or_else(bad)?), p + 4),
                0xf3 => (Elem::Int(le_int(b, p + 1, 4).ok_or_else(bad)?), p + 5),
                0xf4 => (Elem::Int(le_int(b, p + 1, 8).ok_or_else(bad)?), p + 9),
                _ => return Err(bad()),
            }
        };
        // The back-length must say how long the entry is.
        let (want, n) = encode_backlen((next - start) as u64);
        if b.get(next..next + n) != Some(&want[..n]) {
            return Err(bad());
        }
        p = next + n;
        if p >= b.len() {
            return Err(bad());
        }
        f(elem);
        count += 1;
    }
    if p != b.len() - 1 || (declared != 65535 && declared != count) {
        return Err(bad());
    }
    Ok(count)
}

/// Calls `f` for every element of a ziplist (Redis before 7.0); returns how
/// many there were.
pub fn for_each_ziplist(b: &[u8], what: &'static str, mut f: impl FnMut(Elem)) -> Result<usize> {
    let bad = || RdbError::Integrity(what);
    if b.len() < 11 || u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize != b.len() {
        return Err(bad());
    }
    let declared = u16::from_le_bytes([b[8], b[9]]) as usize;
    let tail = u32::from_le_bytes([b[4], b[5], b[6], b[7]]) as usize;
    let mut p = 10;
    let mut count = 0;
    let mut prev_len = 0usize;
    let mut last_start = 10;
    loop {
        let Some(&first) = b.get(p) else { return Err(bad()) };
        if first == 0xff {
            break;
        }
        let start = p;
        // prevlen: one byte, or 0xFE and four more; it must be the length
        // of the entry before.
        let prevlen = if first < 254 {
            p += 1;
            first as usize
        } else {
            let v = le_int(b, p + 1, 4).ok_or_else(bad)? as u32 as usize;
            p += 5;
            v
        };
        if prevlen != prev_len {
            return Err(bad());
        }
        let c = *b.get(p).ok_or_else(bad)?;
        let (elem, next) = match c >> 6 {
            0 => {
                let n = (c & 0x3f) as usize;
                (Elem::Bytes(b.get(p + 1..p + 1 + n).ok_or_else(bad)?), p + 1 + n)
            }
            1 => {
                let n = (((c & 0x3f) as usize) << 8) | *b.get(p + 1).ok_or_else(bad)? as usize;
                (Elem::Bytes(b.get(p + 2..p + 2 + n).ok_or_else(bad)?), p + 2 + n)
            }
            2 => {
                let s = b.get(p + 1..p + 5).ok_or_else(bad)?;
                let n = u32::from_be_bytes([s[0], s[1], s[2], s[3]]) as usize;
                (Elem::Bytes(b.get(p + 5..p + 5 + n).ok_or_else(bad)?), p + 5 + n)
            }
            _ => match c {
                0xc0 => (Elem::Int(le_int(b, p + 1, 2).ok_or_else(bad)?), p + 3),
                0xd0 => (Elem::Int(le_int(b, p + 1, 4).ok_or_else(bad)?), p + 5),
                0xe0 => (Elem::Int(le_int(b, p + 1, 8).ok_or_else(bad)?), p + 9),
                0xf0 => (Elem::Int(le_int(b, p + 1, 3).ok_or_else(bad)?), p + 4),
                0xfe => (Elem::Int(le_int(b, p + 1, 1).ok_or_else(bad)?), p + 2),
                0xf1..=0xfd => (Elem::Int((c & 0x0f) as i64 - 1), p + 1),
                _ => return Err(bad()),
            },
        };
        if next >= b.len() {
            return Err(bad());
        }
        f(elem);
        count += 1;
        prev_len = next - start;
        last_start = start;
        p = next;
    }
    if p != b.len() - 1 || (declared != 65535 && declared != count) || tail != last_start {
        return Err(bad());
    }
    Ok(count)
}

/// Calls `f` for every key and value of a zipmap (hashes before Redis 2.6).
pub fn for_each_zipmap(b: &[u8], mut f: impl FnMut(&[u8])) -> Result<()> {
    const BAD: RdbError = RdbError::Integrity("Zipmap");
    let mut p = 1;
    let len_at = |p: usize| -> Option<(usize, usize)> {
        let c = *b.get(p)?;
        match c {
            0..=253 => Some((c as usize, p + 1)),
            254 => Some((le_int(b, p + 1, 4)? as u32 as usize, p + 5)),
            _ => None,
        }
    };
    loop {
        let c = *b.get(p).ok_or(BAD)?;
        if c == 255 {
            break;
        }
        let (klen, q) = len_at(p).ok_or(BAD)?;
        f(b.get(q..q + klen).ok_or(BAD)?);
        let (vlen, q) = len_at(q + klen).ok_or(BAD)?;
        let free = *b.get(q).ok_or(BAD)? as usize;
        f(b.get(q + 1..q + 1 + vlen).ok_or(BAD)?);
        p = q + 1 + vlen + free;
    }
    // An empty zipmap is no hash at all: Redis's check refuses it.
    if p != b.len() - 1 || p == 1 {
        return Err(BAD);
    }
    Ok(())
}

/// The members of an intset blob, validated (width, length, strict order).
fn parse_intset(b: &[u8]) -> Option<Vec<i64>> {
    if b.len() < 8 {
        return None;
    }
    let width = u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize;
    let n = u32::from_le_bytes([b[4], b[5], b[6], b[7]]) as usize;
    if !matches!(width, 2 | 4 | 8) || n == 0 || b.len() != 8 + n.checked_mul(width)? {
        return None;
    }
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        let v = le_int(b, 8 + i * width, width)?;
        if out.last().is_some_and(|&last| last >= v) {
            return None;
        }
        out.push(v);
    }
    Some(out)
}

/// One loaded key.
pub struct LoadedKey {
    pub db: usize,
    pub key: Vec<u8>,
    pub value: Value,
    pub expire: Option<i64>,
    pub aux: KeyAux,
    /// Bytes of the stream read so far (for loading progress).
    pub offset: u64,
}

/// What a whole-file load found besides keys.
#[derive(Debug, Default)]
pub struct LoadInfo {
    pub version: u16,
    pub aux: Vec<(Vec<u8>, Vec<u8>)>,
    /// Function libraries (FUNCTION2 payloads: their source code).
    pub functions: Vec<Vec<u8>>,
    pub keys_loaded: u64,
    pub keys_expired: u64,
    pub empty_keys_skipped: u64,
    /// Keys whose value was empty, by name (Redis logs each one).
    pub empty_keys: Vec<Vec<u8>>,
}

/// Options of a whole-file load.
pub struct LoadOptions {
    pub limits: LoadLimits,
    pub databases: usize,
    /// Skip keys already expired at `now_ms` (a master loading its own file).
    pub skip_expired: bool,
    pub now_ms: i64,
    /// Check the trailing CRC (`rdbchecksum`); a zero CRC is never checked.
    pub verify_checksum: bool,
}

/// Reads a whole RDB stream (header to checksum), handing every live key to
/// `sink`. The reader is left right after the checksum (an AOF with an RDB
/// preamble continues there).
pub fn load<R: BufRead>(rd: &mut RdbReader<R>, opt: &LoadOptions, mut sink: impl FnMut(LoadedKey)) -> Result<LoadInfo> {
    let mut info = LoadInfo::default();
    let magic = rd.array::<9>()?;
    if &magic[..5] != b"REDIS" {
        return Err(RdbError::BadSignature);
    }
    let version =
        std::str::from_utf8(&magic[5..]).ok().and_then(|s| s.parse::<u16>().ok()).ok_or(RdbError::BadSignature)?;
    if !(1..=RDB_VERSION_MAX_READ).contains(&version) {
        return Err(RdbError::BadVersion(version));
    }
    info.version = version;
    let mut db = 0usize;
    let mut expire: Option<i64> = None;
    let mut aux = KeyAux::None;
    loop {
        let op = rd.u8()?;
        match op {
            OP_EXPIRETIME => {
                expire = Some(i32::from_le_bytes(rd.array()?) as i64 * 1000);
                continue;
            }
            OP_EXPIRETIME_MS => {
                expire = Some(i64::from_le_bytes(rd.array()?));
                continue;
            }
            OP_FREQ => {
                aux = KeyAux::Freq(rd.u8()?);
                continue;
            }
            OP_IDLE => {
                aux = KeyAux::Idle(rd.length()?);
                continue;
            }
            OP_EOF => break,
            OP_SELECTDB => {
                let n = rd.length()? as usize;
                if n >= opt.databases {
                    return Err(RdbError::TooManyDbs(opt.databases));
                }
                db = n;
                continue;
            }
            OP_RESIZEDB => {
                rd.length()?;
                rd.length()?;
                continue;
            }
            OP_AUX => {
                let k = rd.string()?;
                let v = rd.string()?;
                info.aux.push((k, v));
                continue;
            }
            OP_MODULE_AUX => return Err(RdbError::ModuleAux),
            OP_FUNCTION => return Err(RdbError::OldFunctions),
            OP_FUNCTION2 => {
                info.functions.push(rd.string()?);
                continue;
            }
            _ => {}
        }
        let key = rd.string()?;
        let value = rd.value(op, &opt.limits)?;
        let when = expire.take();
        let key_aux = std::mem::replace(&mut aux, KeyAux::None);
        let Some(value) = value else {
            info.empty_keys_skipped += 1;
            info.empty_keys.push(key);
            continue;
        };
        if opt.skip_expired && when.is_some_and(|t| t < opt.now_ms) {
            info.keys_expired += 1;
            continue;
        }
        info.keys_loaded += 1;
        sink(LoadedKey { db, key, value, expire: when, aux: key_aux, offset: rd.pos });
    }
    let computed = rd.crc;
    if version >= 5 {
        let stored = u64::from_le_bytes(rd.array()?);
        if opt.verify_checksum && stored != 0 && stored != computed {
            return Err(RdbError::BadChecksum { expected: stored, got: computed });
        }
    }
    Ok(info)
}

// ---------------------------------------------------------------------------
// DUMP / RESTORE payloads.

/// The DUMP payload of `v`: type, value, RDB version (2 bytes LE), CRC-64.
pub fn dump_payload(v: &Value, opt: EncodeOptions) -> Vec<u8> {
    let mut buf = vec![value_type(v)];
    put_value(&mut buf, v, opt);
    buf.extend_from_slice(&RDB_VERSION.to_le_bytes());
    let crc = crc64(0, &buf);
    buf.extend_from_slice(&crc.to_le_bytes());
    buf
}

/// Checks a DUMP payload's footer (version not newer than ours, CRC unless
/// `skip_crc`).
pub fn verify_payload(p: &[u8], skip_crc: bool) -> bool {
    if p.len() < 10 {
        return false;
    }
    let footer = &p[p.len() - 10..];
    let version = u16::from_le_bytes([footer[0], footer[1]]);
    if version > RDB_VERSION {
        return false;
    }
    if skip_crc {
        return true;
    }
    let stored = u64::from_le_bytes(footer[2..10].try_into().unwrap_or([0; 8]));
    crc64(0, &p[..p.len() - 8]) == stored
}

/// The value of a verified DUMP payload. `Ok(None)`: an empty aggregate.
pub fn restore_payload(p: &[u8], lim: &LoadLimits) -> Result<Option<Value>> {
    let body = &p[..p.len().saturating_sub(10)];
    let mut rd = RdbReader::new(body);
    let kind = rd.u8()?;
    let v = rd.value(kind, lim)?;
    if rd.pos as usize != body.len() {
        return Err(RdbError::Invalid("payload (trailing bytes)"));
    }
    Ok(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits() -> LoadLimits {
        LoadLimits {
            hash: hash::Limits { max_entries: 128, max_value: 64 },
            zset: zset::Limits { max_entries: 128, max_value: 64 },
            list_fill: Fill(-2),
            max_intset: 512,
        }
    }

    fn opts() -> EncodeOptions {
        EncodeOptions { compress: true, list_fill: -2 }
    }

    fn read_string(b: &[u8]) -> Vec<u8> {
        RdbReader::new(b).string().expect("string")
    }

    #[test]
    fn lengths() {
        for n in [0u64, 1, 63, 64, 16383, 16384, u32::MAX as u64, u32::MAX as u64 + 1, u64::MAX] {
            let mut b = Vec::new();
            put_len(&mut b, n);
            assert_eq!(RdbReader::new(&b[..]).length().expect("len"), n);
        }
    }

    #[test]
    fn strings() {
        for s in [&b""[..], b"a", b"12", b"-1", b"0123", b"2147483647", b"2147483648", b"-2147483648"] {
            let mut b = Vec::new();
            put_string(&mut b, s, true);
            assert_eq!(read_string(&b), s);
        }
        let long = vec![b'z'; 1000];
        let mut b = Vec::new();
        put_string(&mut b, &long, true);
        assert!(b.len() < 100, "compressed");
        assert_eq!(read_string(&b), long);
        let mut b = Vec::new();
        put_string(&mut b, b"100", false);
        assert_eq!(b, [0xc0, 100]);
    }

    #[test]
    fn listpack_roundtrip() {
        let items: Vec<Vec<u8>> = vec![
            b"a".to_vec(),
            b"0".to_vec(),
            b"127".to_vec(),
            b"128".to_vec(),
            b"-4096".to_vec(),
            b"4095".to_vec(),
            b"-32768".to_vec(),
            b"8388607".to_vec(),
            b"-8388608".to_vec(),
            b"2147483647".to_vec(),
            b"9223372036854775807".to_vec(),
            b"-9223372036854775808".to_vec(),
            vec![b'x'; 63],
            vec![b'y'; 64],
            vec![b'z'; 4095],
            vec![b'w'; 4096],
            vec![b'v'; 20000],
        ];
        let mut lp = Listpack::new();
        for it in &items {
            lp.push(it);
        }
        let blob = lp.finish();
        let mut got = Vec::new();
        assert_eq!(for_each_listpack(&blob, "Listpack", |e| got.push(e.to_bytes())).expect("valid"), items.len());
        assert_eq!(got, items);
        // Corruptions are errors, not panics.
        for cut in 0..blob.len() {
            let mut bad = blob[..cut].to_vec();
            bad.push(0xff);
            let _ = for_each_listpack(&bad, "Listpack", |_| {});
        }
    }

    #[test]
    fn scores_in_listpack() {
        for s in [0.0, -0.0, 1.5, -2.0, 1e300, f64::INFINITY, f64::NEG_INFINITY, 0.1, 1.0 / 3.0, 9007199254740993.0] {
            let mut lp = Listpack::new();
            lp.push_score(s);
            let blob = lp.finish();
            let mut got = Vec::new();
            for_each_listpack(&blob, "Listpack", |e| got.push(e.to_bytes())).expect("valid");
            let back = parse_score(&got[0]).expect("score");
            assert_eq!(back.to_bits(), s.to_bits(), "{s}");
        }
    }

    #[test]
    fn dump_roundtrip_every_type() {
        let lim = limits();
        let mut values = vec![Value::str(b"hello"), Value::str(b"12345"), Value::str(&vec![b'q'; 300])];
        let mut l = List::new();
        for i in 0..1000 {
            l.push(false, format!("item{i}").as_bytes(), Fill(-2));
        }
        values.push(Value::List(Box::new(l)));
        for n in [10usize, 1000] {
            let mut s = Set::new();
            for i in 0..n {
                s.add(i.to_string().as_bytes(), 512);
            }
            values.push(Value::Set(Box::new(s)));
            let mut s = Set::new();
            for i in 0..n {
                s.add(format!("m{i}").as_bytes(), 512);
            }
            values.push(Value::Set(Box::new(s)));
            let mut h = Hash::new();
            for i in 0..n {
                h.set(format!("f{i}").as_bytes(), i.to_string().as_bytes(), lim.hash);
            }
            values.push(Value::Hash(h));
            let mut z = ZSet::new();
            for i in 0..n {
                z.insert(format!("z{i}").as_bytes(), i as f64 / 3.0, lim.zset);
            }
            values.push(Value::ZSet(Box::new(z)));
        }
        for v in values {
            let p = dump_payload(&v, opts());
            assert!(verify_payload(&p, false));
            let back = restore_payload(&p, &lim).expect("restore").expect("not empty");
            assert_eq!(back.encoding(), v.encoding());
            assert!(back == v, "{} differs", v.type_name());
            let mut bad = p.clone();
            let last = bad.len() - 1;
            bad[last] ^= 1;
            assert!(!verify_payload(&bad, false));
            assert!(verify_payload(&bad, true));
        }
    }

    #[test]
    fn ziplist_and_intset_readers() {
        // A ziplist with "a", 5 (immediate), 300 (int16): built by hand.
        let mut zl = vec![0u8; 10];
        zl.extend_from_slice(&[0x00, 0x01, b'a']);
        zl.extend_from_slice(&[0x03, 0xf6]);
        let tail = zl.len() as u32;
        zl.extend_from_slice(&[0x02, 0xc0, 0x2c, 0x01]);
        zl.push(0xff);
        let total = zl.len() as u32;
        zl[0..4].copy_from_slice(&total.to_le_bytes());
        zl[4..8].copy_from_slice(&tail.to_le_bytes());
        zl[8..10].copy_from_slice(&3u16.to_le_bytes());
        let mut got = Vec::new();
        for_each_ziplist(&zl, "Ziplist", |e| got.push(e.to_bytes())).expect("valid");
        assert_eq!(got, vec![b"a".to_vec(), b"5".to_vec(), b"300".to_vec()]);
        assert_eq!(parse_intset(&intset_blob(&[-5, 7, 70000])), Some(vec![-5, 7, 70000]));
        assert_eq!(parse_intset(&intset_blob(&[7, 7])), None);
    }
}
