//! The reply writer: encodes replies straight into a client's output buffer.
//!
//! Handlers never build a reply value; they call `bulk`, `int`, `array_len`, ...
//! and the writer picks the RESP2 or RESP3 encoding from the client's protocol
//! version (set by `HELLO`). Aggregate replies are written as a header followed
//! by their elements, exactly as they go on the wire.

use crate::util::{fmt_double, write_i64};

/// An output buffer plus the protocol version it encodes for.
#[derive(Debug, Default)]
pub struct Reply {
    /// Encoded bytes not yet written to the socket.
    pub buf: Vec<u8>,
    /// True after `HELLO 3`.
    pub resp3: bool,
    /// Error replies written since the counter was last reset (for stats).
    pub errors: u32,
    /// The first word of the last error written (for errorstats).
    pub last_error_code: Option<Box<str>>,
    /// Length of `buf` past which the client is over its output buffer hard
    /// limit (0: no limit). Long replies check [`Reply::over_limit`] and stop:
    /// such a client is closed without receiving them.
    pub limit: usize,
}

impl Reply {
    /// True once the buffer grew past the client's output buffer hard limit.
    #[inline]
    pub fn over_limit(&self) -> bool {
        self.limit != 0 && self.buf.len() > self.limit
    }

    #[inline]
    fn raw(&mut self, b: &[u8]) {
        self.buf.extend_from_slice(b);
    }

    #[inline]
    fn header(&mut self, prefix: u8, n: i64) {
        self.buf.push(prefix);
        write_i64(&mut self.buf, n);
        self.buf.extend_from_slice(b"\r\n");
    }

    /// `+OK`
    #[inline]
    pub fn ok(&mut self) {
        self.raw(b"+OK\r\n");
    }

    /// A status reply (`+text`). `text` must not contain CR or LF.
    pub fn simple(&mut self, text: &str) {
        self.buf.push(b'+');
        self.raw(text.as_bytes());
        self.raw(b"\r\n");
    }

    /// An error reply. `msg` includes its code (`ERR ...`, `WRONGTYPE ...`); if it
    /// has none, `ERR ` is added. Newlines are replaced by spaces, as Redis does,
    /// so a client-provided string cannot break the protocol.
    pub fn error(&mut self, msg: &str) {
        let msg = msg.strip_prefix('-').unwrap_or(msg);
        self.buf.push(b'-');
        let code = msg.split(' ').next().unwrap_or("");
        let has_code = !code.is_empty() && code.bytes().all(|b| b.is_ascii_uppercase() || b == b'_');
        if !has_code {
            self.raw(b"ERR ");
        }
        let code = if has_code { code } else { "ERR" };
        for &b in msg.as_bytes() {
            self.buf.push(if b == b'\r' || b == b'\n' { b' ' } else { b });
        }
        self.raw(b"\r\n");
        self.errors += 1;
        self.last_error_code = Some(code.into());
    }

    #[inline]
    pub fn int(&mut self, n: i64) {
        match n {
            0 => self.raw(b":0\r\n"),
            1 => self.raw(b":1\r\n"),
            _ => self.header(b':', n),
        }
    }

    #[inline]
    pub fn bulk(&mut self, b: &[u8]) {
        self.header(b'$', b.len() as i64);
        self.raw(b);
        self.raw(b"\r\n");
    }

    /// A bulk string holding the decimal form of `n`.
    pub fn bulk_i64(&mut self, n: i64) {
        let mut tmp = Vec::with_capacity(20);
        write_i64(&mut tmp, n);
        self.bulk(&tmp);
    }

    /// The null bulk (RESP2 `$-1`, RESP3 `_`).
    #[inline]
    pub fn null(&mut self) {
        if self.resp3 {
            self.raw(b"_\r\n");
        } else {
            self.raw(b"$-1\r\n");
        }
    }

    /// The null array (RESP2 `*-1`, RESP3 `_`).
    pub fn null_array(&mut self) {
        if self.resp3 {
            self.raw(b"_\r\n");
        } else {
            self.raw(b"*-1\r\n");
        }
    }

    #[inline]
    pub fn array_len(&mut self, n: usize) {
        self.header(b'*', n as i64);
    }

    /// A map of `n` key/value pairs (RESP2: a flat array of 2n elements).
    pub fn map_len(&mut self, n: usize) {
        if self.resp3 {
            self.header(b'%', n as i64);
        } else {
            self.header(b'*', 2 * n as i64);
        }
    }

    /// A set of `n` elements (RESP2: an array).
    pub fn set_len(&mut self, n: usize) {
        self.header(if self.resp3 { b'~' } else { b'*' }, n as i64);
    }

    /// An out-of-band push of `n` elements (RESP2: an array).
    pub fn push_len(&mut self, n: usize) {
        self.header(if self.resp3 { b'>' } else { b'*' }, n as i64);
    }

    /// A double (RESP3 `,`; RESP2 a bulk string), formatted like Redis's `%.17g`.
    pub fn double(&mut self, d: f64) {
        let s = fmt_double(d);
        if self.resp3 {
            self.buf.push(b',');
            self.raw(s.as_bytes());
            self.raw(b"\r\n");
        } else {
            self.bulk(s.as_bytes());
        }
    }

    /// A boolean (RESP3 `#t`/`#f`; RESP2 `:1`/`:0`).
    pub fn bool(&mut self, b: bool) {
        if self.resp3 {
            self.raw(if b { b"#t\r\n" } else { b"#f\r\n" });
        } else {
            self.int(b as i64);
        }
    }

    /// A verbatim string (RESP3 `=len\r\ntxt:...`; RESP2 a bulk string).
    pub fn verbatim(&mut self, text: &[u8]) {
        if self.resp3 {
            self.header(b'=', text.len() as i64 + 4);
            self.raw(b"txt:");
            self.raw(text);
            self.raw(b"\r\n");
        } else {
            self.bulk(text);
        }
    }

    /// A bulk string, or null for `None`.
    pub fn opt_bulk(&mut self, b: Option<&[u8]>) {
        match b {
            Some(b) => self.bulk(b),
            None => self.null(),
        }
    }

    /// An array of bulk strings.
    pub fn bulk_array<'a>(&mut self, items: impl ExactSizeIterator<Item = &'a [u8]>) {
        self.array_len(items.len());
        for it in items {
            self.bulk(it);
        }
    }

    /// Bytes already encoded elsewhere (a pre-encoded reply).
    pub fn encoded(&mut self, b: &[u8]) {
        self.raw(b);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resp2_and_resp3() {
        let mut r = Reply::default();
        r.map_len(1);
        r.null();
        r.double(1.5);
        assert_eq!(r.buf, b"*2\r\n$-1\r\n$3\r\n1.5\r\n");
        let mut r = Reply { resp3: true, ..Default::default() };
        r.map_len(1);
        r.null();
        r.double(1.5);
        assert_eq!(r.buf, b"%1\r\n_\r\n,1.5\r\n");
    }

    #[test]
    fn errors_get_code_and_no_newlines() {
        let mut r = Reply::default();
        r.error("unknown thing\r\nx");
        r.error("WRONGTYPE Operation");
        assert_eq!(r.buf, b"-ERR unknown thing  x\r\n-WRONGTYPE Operation\r\n");
        assert_eq!(r.errors, 2);
    }
}
