//! Incremental, bounded parser for client requests.
//!
//! A request is either a RESP multibulk (`*<n>\r\n$<len>\r\n<bytes>\r\n...`) or an
//! inline command (a line of space-separated words, as typed into `nc`/telnet).
//!
//! The parser never copies arguments: it records each argument as a byte range
//! relative to the start of the current request. It is resumable: when a request
//! is only partly in the buffer it keeps what it has already parsed (the number of
//! arguments, the ranges found so far, the pending bulk length) so a huge request
//! arriving in many reads is scanned once, not once per read.
//!
//! Limits and error texts are Redis's (`networking.c`): a protocol error is
//! reported to the client as `-ERR Protocol error: ...` and that connection closes.

use std::ops::Range;

/// Longest line (inline request, or the `*`/`$` header line) accepted without a newline.
pub const PROTO_INLINE_MAX_SIZE: usize = 64 * 1024;
/// Bulks at least this big get their buffer space reserved in one go.
pub const PROTO_MBULK_BIG_ARG: usize = 32 * 1024;
/// Largest multibulk length Redis accepts.
const MAX_MULTIBULK_LEN: i64 = i32::MAX as i64;
/// Limits that apply before a client has authenticated.
const UNAUTH_MAX_MULTIBULK: i64 = 10;
const UNAUTH_MAX_BULK: i64 = 16384;

/// What one call to [`Parser::parse`] found.
#[derive(Debug, PartialEq, Eq)]
pub enum Parsed {
    /// A complete request of `consumed` bytes; its arguments are in [`Parser::args`].
    /// A request with zero arguments (an empty line, `*0`) has an empty `args`.
    Complete { consumed: usize },
    /// More bytes are needed. `reserve` is a hint: the number of bytes the pending
    /// bulk still needs, so the caller can grow its buffer once.
    Incomplete { reserve: usize },
    /// The client broke the protocol; the text goes after `-ERR `.
    Error(&'static str),
}

/// Limits the parser enforces (from the config, and the client's auth state).
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub proto_max_bulk_len: i64,
    pub authenticated: bool,
}

impl Default for Limits {
    fn default() -> Self {
        Limits { proto_max_bulk_len: 512 * 1024 * 1024, authenticated: true }
    }
}

/// The resumable state of one connection's request parser.
#[derive(Debug, Default)]
pub struct Parser {
    /// Argument ranges of the current (or just completed) request.
    args: Vec<Range<usize>>,
    /// Multibulk: how many arguments the header announced (0 = header not yet read).
    multibulk_len: usize,
    /// Offset (from the request start) of the next byte to look at.
    cursor: usize,
    /// Length of the bulk whose `$` header was read, if its payload is pending.
    pending_bulk: Option<usize>,
    /// Where the last scan for a newline stopped, so a long line is scanned once.
    scanned: usize,
    /// Arguments of an inline request with quotes: unescaped, so not ranges.
    owned: Option<Vec<Vec<u8>>>,
}

impl Parser {
    pub fn new() -> Self {
        Self::default()
    }

    /// The argument ranges of the request returned by the last `Complete`.
    /// Ranges are relative to the buffer passed to `parse`.
    pub fn args(&self) -> &[Range<usize>] {
        &self.args
    }

    /// The arguments of the last `Complete` inline request that had quotes
    /// (unescaped copies); when `Some`, [`Parser::args`] is empty.
    pub fn take_owned(&mut self) -> Option<Vec<Vec<u8>>> {
        self.owned.take()
    }

    /// Gives back the argument table of a huge request once it is done (the
    /// cron calls this, so a 100,000-argument SADD does not pin 1.6 MB).
    pub fn shrink_if_idle(&mut self) {
        if !self.in_progress() && self.args.capacity() > 1024 {
            self.args = Vec::new();
        }
    }

    /// True while a request is partly parsed (used to apply the query buffer limit).
    pub fn in_progress(&self) -> bool {
        self.cursor > 0 || self.multibulk_len > 0
    }

    fn reset(&mut self) {
        self.args.clear();
        self.multibulk_len = 0;
        self.cursor = 0;
        self.pending_bulk = None;
        self.scanned = 0;
    }

    /// Parses one request from `buf`, which must start at the first byte of the
    /// request (the same start on every call until `Complete` or `Error`).
    pub fn parse(&mut self, buf: &[u8], limits: Limits) -> Parsed {
        if self.cursor == 0 && self.multibulk_len == 0 {
            self.args.clear();
            match buf.first() {
                None => return Parsed::Incomplete { reserve: 0 },
                Some(b'*') => {}
                Some(_) => return self.parse_inline(buf),
            }
        }
        let r = self.parse_multibulk(buf, limits);
        if !matches!(r, Parsed::Incomplete { .. }) {
            let args = std::mem::take(&mut self.args);
            self.reset();
            self.args = args;
        }
        r
    }

    /// Finds `\r\n` at or after `from`; remembers how far it looked.
    fn find_crlf(&mut self, buf: &[u8], from: usize) -> Option<usize> {
        let start = self.scanned.max(from);
        if start >= buf.len() {
            return None;
        }
        match memchr(b'\r', &buf[start..]) {
            Some(i) if start + i + 1 < buf.len() => Some(start + i),
            Some(i) => {
                self.scanned = start + i; // the '\r' is the last byte: look again from it
                None
            }
            None => {
                self.scanned = buf.len();
                None
            }
        }
    }

    fn parse_multibulk(&mut self, buf: &[u8], limits: Limits) -> Parsed {
        if self.multibulk_len == 0 {
            let Some(nl) = self.find_crlf(buf, 1) else {
                if buf.len() > PROTO_INLINE_MAX_SIZE {
                    return Parsed::Error("Protocol error: too big mbulk count string");
                }
                return Parsed::Incomplete { reserve: 0 };
            };
            let n = match parse_i64(&buf[1..nl]) {
                Some(n) if n <= MAX_MULTIBULK_LEN => n,
                _ => return Parsed::Error("Protocol error: invalid multibulk length"),
            };
            if n > UNAUTH_MAX_MULTIBULK && !limits.authenticated {
                return Parsed::Error("Protocol error: unauthenticated multibulk length");
            }
            self.scanned = 0;
            if n <= 0 {
                return Parsed::Complete { consumed: nl + 2 };
            }
            self.multibulk_len = n as usize;
            self.cursor = nl + 2;
            self.args.reserve((n as usize).min(1024));
        }
        while self.args.len() < self.multibulk_len {
            let len = match self.pending_bulk {
                Some(len) => len,
                None => {
                    let Some(&first) = buf.get(self.cursor) else {
                        return Parsed::Incomplete { reserve: 0 };
                    };
                    if first != b'$' {
                        return Parsed::Error(expected_dollar(first));
                    }
                    let Some(nl) = self.find_crlf(buf, self.cursor + 1) else {
                        if buf.len() - self.cursor > PROTO_INLINE_MAX_SIZE {
                            return Parsed::Error("Protocol error: too big bulk count string");
                        }
                        return Parsed::Incomplete { reserve: 0 };
                    };
                    let len = match parse_i64(&buf[self.cursor + 1..nl]) {
                        Some(l) if l >= 0 && l <= limits.proto_max_bulk_len => l,
                        _ => return Parsed::Error("Protocol error: invalid bulk length"),
                    };
                    if len > UNAUTH_MAX_BULK && !limits.authenticated {
                        return Parsed::Error("Protocol error: unauthenticated bulk length");
                    }
                    self.scanned = 0;
                    self.cursor = nl + 2;
                    self.pending_bulk = Some(len as usize);
                    len as usize
                }
            };
            let end = self.cursor + len;
            if buf.len() < end + 2 {
                let reserve = if len >= PROTO_MBULK_BIG_ARG { end + 2 - buf.len() } else { 0 };
                return Parsed::Incomplete { reserve };
            }
            // Redis does not check the two bytes after the payload; neither do we.
            self.args.push(self.cursor..end);
            self.cursor = end + 2;
            self.pending_bulk = None;
        }
        Parsed::Complete { consumed: self.cursor }
    }

    /// Inline requests: one line, split into words like Redis's `sdssplitargs`.
    fn parse_inline(&mut self, buf: &[u8]) -> Parsed {
        let Some(nl) = memchr(b'\n', buf) else {
            if buf.len() > PROTO_INLINE_MAX_SIZE {
                return Parsed::Error("Protocol error: too big inline request");
            }
            return Parsed::Incomplete { reserve: 0 };
        };
        let mut line_end = nl;
        if line_end > 0 && buf[line_end - 1] == b'\r' {
            line_end -= 1;
        }
        self.args.clear();
        let mut line = &buf[..line_end];
        // Redis splits the line as a C string: a NUL ends it.
        if let Some(nul) = memchr(0, line) {
            line = &line[..nul];
        }
        if line.iter().any(|&b| b == b'"' || b == b'\'') {
            match split_args(line) {
                Some(words) => self.owned = Some(words),
                None => return Parsed::Error("Protocol error: unbalanced quotes in request"),
            }
        } else {
            split_plain(line, &mut self.args);
        }
        Parsed::Complete { consumed: nl + 1 }
    }
}

fn expected_dollar(got: u8) -> &'static str {
    // Redis formats the offending byte into the message; we keep a static table
    // for printable ASCII (which is what clients send in practice).
    const MSGS: [&str; 95] = expected_dollar_table();
    if (32..127).contains(&got) {
        MSGS[(got - 32) as usize]
    } else {
        "Protocol error: expected '$', got ' '"
    }
}

const fn expected_dollar_table() -> [&'static str; 95] {
    macro_rules! t {
        ($($c:literal)*) => { [$(concat!("Protocol error: expected '$', got '", $c, "'")),*] };
    }
    t!(" " "!" "\"" "#" "$" "%" "&" "'" "(" ")" "*" "+" "," "-" "." "/"
       "0" "1" "2" "3" "4" "5" "6" "7" "8" "9" ":" ";" "<" "=" ">" "?"
       "@" "A" "B" "C" "D" "E" "F" "G" "H" "I" "J" "K" "L" "M" "N" "O"
       "P" "Q" "R" "S" "T" "U" "V" "W" "X" "Y" "Z" "[" "\\" "]" "^" "_"
       "`" "a" "b" "c" "d" "e" "f" "g" "h" "i" "j" "k" "l" "m" "n" "o"
       "p" "q" "r" "s" "t" "u" "v" "w" "x" "y" "z" "{" "|" "}" "~")
}

/// Position of the first `needle` byte in `hay`.
#[inline]
pub fn memchr(needle: u8, hay: &[u8]) -> Option<usize> {
    hay.iter().position(|&b| b == needle)
}

/// Strict decimal parse of a protocol length (`-?[0-9]+`, no `+`, no spaces).
fn parse_i64(s: &[u8]) -> Option<i64> {
    crate::util::parse_i64_strict(s)
}

/// Splits an unquoted inline line on whitespace into argument ranges.
fn split_plain(line: &[u8], out: &mut Vec<Range<usize>>) {
    let mut i = 0;
    while i < line.len() {
        while i < line.len() && is_space(line[i]) {
            i += 1;
        }
        if i >= line.len() {
            break;
        }
        let start = i;
        while i < line.len() && !matches!(line[i], b' ' | b'\n' | b'\r' | b'\t') {
            i += 1;
        }
        out.push(start..i);
    }
}

/// Redis's `sdssplitargs`: splits a line into words with quote and escape handling.
/// Returns `None` on unbalanced quotes. Used for inline requests with quotes and
/// for config files.
pub fn split_args(line: &[u8]) -> Option<Vec<Vec<u8>>> {
    // A NUL ends the line, as in C.
    let line = match memchr(0, line) {
        Some(n) => &line[..n],
        None => line,
    };
    let mut out = Vec::new();
    let mut i = 0;
    let n = line.len();
    loop {
        while i < n && is_space(line[i]) {
            i += 1;
        }
        if i >= n {
            return Some(out);
        }
        let mut cur = Vec::new();
        let mut inq = false;
        let mut insq = false;
        loop {
            if inq {
                if i >= n {
                    return None;
                }
                let c = line[i];
                if c == b'\\'
                    && i + 3 < n
                    && line[i + 1] == b'x'
                    && line[i + 2].is_ascii_hexdigit()
                    && line[i + 3].is_ascii_hexdigit()
                {
                    cur.push(hex(line[i + 2]) * 16 + hex(line[i + 3]));
                    i += 4;
                    continue;
                } else if c == b'\\' && i + 1 < n {
                    i += 1;
                    cur.push(match line[i] {
                        b'n' => b'\n',
                        b'r' => b'\r',
                        b't' => b'\t',
                        b'b' => 8,
                        b'a' => 7,
                        other => other,
                    });
                } else if c == b'"' {
                    if i + 1 < n && !is_space(line[i + 1]) {
                        return None;
                    }
                    i += 1;
                    break;
                } else {
                    cur.push(c);
                }
                i += 1;
            } else if insq {
                if i >= n {
                    return None;
                }
                let c = line[i];
                if c == b'\\' && i + 1 < n && line[i + 1] == b'\'' {
                    cur.push(b'\'');
                    i += 2;
                    continue;
                } else if c == b'\'' {
                    if i + 1 < n && !is_space(line[i + 1]) {
                        return None;
                    }
                    i += 1;
                    break;
                } else {
                    cur.push(c);
                }
                i += 1;
            } else {
                if i >= n {
                    break;
                }
                let c = line[i];
                match c {
                    b' ' | b'\n' | b'\r' | b'\t' | 0 => break,
                    b'"' => inq = true,
                    b'\'' => insq = true,
                    _ => cur.push(c),
                }
                i += 1;
            }
        }
        out.push(cur);
    }
}

/// C's `isspace`.
#[inline]
fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

fn hex(c: u8) -> u8 {
    match c {
        b'0'..=b'9' => c - b'0',
        b'a'..=b'f' => c - b'a' + 10,
        _ => c - b'A' + 10,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_all(input: &[u8]) -> Vec<Vec<Vec<u8>>> {
        let mut p = Parser::new();
        let mut pos = 0;
        let mut out = vec![];
        loop {
            match p.parse(&input[pos..], Limits::default()) {
                Parsed::Complete { consumed } => {
                    if let Some(o) = p.take_owned() {
                        out.push(o);
                        pos += consumed;
                        continue;
                    }
                    out.push(p.args().iter().map(|r| input[pos..][r.clone()].to_vec()).collect());
                    pos += consumed;
                }
                Parsed::Incomplete { .. } => return out,
                Parsed::Error(e) => panic!("{e}"),
            }
        }
    }

    #[test]
    fn multibulk_and_pipeline() {
        let cmds = parse_all(b"*2\r\n$3\r\nGET\r\n$1\r\nk\r\n*1\r\n$4\r\nPING\r\n");
        assert_eq!(cmds, vec![vec![b"GET".to_vec(), b"k".to_vec()], vec![b"PING".to_vec()]]);
    }

    #[test]
    fn inline_commands() {
        let cmds = parse_all(b"PING\r\nset a  b\n\r\n");
        assert_eq!(cmds[0], vec![b"PING".to_vec()]);
        assert_eq!(cmds[1], vec![b"set".to_vec(), b"a".to_vec(), b"b".to_vec()]);
        assert!(cmds[2].is_empty());
    }

    #[test]
    fn incremental_byte_by_byte() {
        let input = b"*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$5\r\nvalue\r\n";
        let mut p = Parser::new();
        for end in 1..input.len() {
            assert!(matches!(p.parse(&input[..end], Limits::default()), Parsed::Incomplete { .. }));
        }
        assert_eq!(p.parse(input, Limits::default()), Parsed::Complete { consumed: input.len() });
        assert_eq!(p.args().len(), 3);
    }

    #[test]
    fn errors() {
        let mut p = Parser::new();
        assert_eq!(p.parse(b"*abc\r\n", Limits::default()), Parsed::Error("Protocol error: invalid multibulk length"));
        let mut p = Parser::new();
        assert_eq!(
            p.parse(b"*1\r\nfoo\r\n", Limits::default()),
            Parsed::Error("Protocol error: expected '$', got 'f'")
        );
        let mut p = Parser::new();
        assert_eq!(p.parse(b"*1\r\n$-1\r\n", Limits::default()), Parsed::Error("Protocol error: invalid bulk length"));
        let mut p = Parser::new();
        assert_eq!(
            p.parse(b"*1\r\n$2000000000\r\n", Limits::default()),
            Parsed::Error("Protocol error: invalid bulk length")
        );
        let mut p = Parser::new();
        assert_eq!(
            p.parse(b"\"foo\r\n", Limits::default()),
            Parsed::Error("Protocol error: unbalanced quotes in request")
        );
    }

    #[test]
    fn split_args_quotes() {
        assert_eq!(
            split_args(b"set \"a b\" 'c\\'d' \"\\x41\\n\"").unwrap(),
            vec![b"set".to_vec(), b"a b".to_vec(), b"c'd".to_vec(), b"A\n".to_vec()]
        );
        assert!(split_args(b"\"abc").is_none());
        assert!(split_args(b"\"abc\"def").is_none());
        assert_eq!(split_args(b"\0'").unwrap(), Vec::<Vec<u8>>::new());
        assert_eq!(split_args(b"a \0'b").unwrap(), vec![b"a".to_vec()]);
    }
}
