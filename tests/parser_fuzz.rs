//! Property tests for the request parser (`oxidis::protocol::Parser`).
//!
//! The parser is driven the way the server drives it: always from the first
//! byte of the pending request, with a buffer that only grows until the parser
//! says `Complete` (then the next request starts after it) or `Error` (the
//! connection would close). Properties:
//!
//! - it never panics, on random bytes and on mutated valid frames;
//! - `Complete { consumed }` has `1 <= consumed <= buf.len()`, and every
//!   argument range lies within the consumed prefix;
//! - the outcome does not depend on how the bytes were split into reads;
//! - valid encodings of random argv (multibulk, plain and quoted inline)
//!   round-trip exactly, whole and split at random points;
//! - the `Incomplete { reserve }` hint never asks for more than the request needs;
//! - the limits (proto-max-bulk-len, unauthenticated limits) give Redis's errors.

use oxidis::protocol::{Limits, Parsed, Parser};
use proptest::prelude::*;
use proptest::sample::Index;

/// What one parsed request turned into.
#[derive(Debug, Clone, PartialEq)]
enum Outcome {
    Command(Vec<Vec<u8>>),
    Error(&'static str),
}

/// The result of feeding a whole buffer.
#[derive(Debug, PartialEq)]
struct Run {
    outcomes: Vec<Outcome>,
    /// Bytes consumed by complete requests.
    consumed: usize,
}

/// Checks the invariants of one `Complete` and extracts the request's arguments.
fn take_command(p: &mut Parser, req: &[u8], consumed: usize) -> Vec<Vec<u8>> {
    assert!(consumed >= 1, "Complete with consumed 0 would loop forever");
    assert!(consumed <= req.len(), "consumed {consumed} > buffer {}", req.len());
    let ranges = p.args().to_vec();
    for r in &ranges {
        assert!(r.start <= r.end && r.end <= consumed, "arg range {r:?} outside consumed prefix {consumed}");
    }
    match p.take_owned() {
        Some(owned) => {
            assert!(ranges.is_empty(), "both owned args and ranges");
            owned
        }
        None => ranges.iter().map(|r| req[r.clone()].to_vec()).collect(),
    }
}

/// Feeds `buf` to a parser as if it arrived in reads ending at `cuts` (sorted,
/// each <= buf.len()), then the rest. Stops at the first error.
fn feed(buf: &[u8], cuts: &[usize], limits: Limits) -> Run {
    let mut p = Parser::new();
    let mut outcomes = Vec::new();
    let mut pos = 0;
    let ends = cuts.iter().copied().chain(std::iter::once(buf.len()));
    for end in ends {
        if end < pos {
            continue;
        }
        loop {
            let visible = &buf[pos..end];
            match p.parse(visible, limits) {
                Parsed::Complete { consumed } => {
                    let args = take_command(&mut p, visible, consumed);
                    outcomes.push(Outcome::Command(args));
                    pos += consumed;
                }
                Parsed::Incomplete { .. } => break,
                Parsed::Error(e) => {
                    assert!(e.starts_with("Protocol error: "), "error text {e:?}");
                    outcomes.push(Outcome::Error(e));
                    return Run { outcomes, consumed: pos };
                }
            }
        }
    }
    Run { outcomes, consumed: pos }
}

/// Redis's multibulk encoding of one request.
fn encode(args: &[Vec<u8>]) -> Vec<u8> {
    let mut out = format!("*{}\r\n", args.len()).into_bytes();
    for a in args {
        out.extend_from_slice(format!("${}\r\n", a.len()).as_bytes());
        out.extend_from_slice(a);
        out.extend_from_slice(b"\r\n");
    }
    out
}

/// An inline line with every argument double-quoted and every byte `\xHH`-escaped.
fn encode_quoted_inline(args: &[Vec<u8>]) -> Vec<u8> {
    let words: Vec<String> =
        args.iter().map(|a| format!("\"{}\"", a.iter().map(|b| format!("\\x{b:02x}")).collect::<String>())).collect();
    format!("{}\r\n", words.join(" ")).into_bytes()
}

fn is_incomplete(r: &Parsed) -> bool {
    matches!(r, Parsed::Incomplete { .. })
}

/// Sorted cut positions in `0..=len` from proptest indices.
fn cuts_from(idx: &[Index], len: usize) -> Vec<usize> {
    let mut v: Vec<usize> = idx.iter().map(|i| i.index(len + 1)).collect();
    v.sort_unstable();
    v
}

/// Known server bug (see the ignored `inline_nul_with_quote_does_not_hang` test in
/// tests/protocol.rs): an inline line with a quote and a NUL byte outside quotes
/// makes `split_args` loop forever. Random inputs avoid it by turning NULs into
/// 0x01 when the buffer holds a quote, so the rest of the input space is covered.
fn avoid_known_split_args_hang(buf: &mut [u8]) {
    if buf.iter().any(|&b| b == b'"' || b == b'\'') {
        for b in buf.iter_mut().filter(|b| **b == 0) {
            *b = 1;
        }
    }
}

fn arg() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        6 => prop::collection::vec(any::<u8>(), 0..24),
        2 => prop::collection::vec(prop::sample::select(b"\r\n$*\0 \"'\\".to_vec()), 0..16),
        1 => prop::collection::vec(any::<u8>(), 0..600),
    ]
}

fn argv() -> impl Strategy<Value = Vec<Vec<u8>>> {
    prop::collection::vec(arg(), 1..7)
}

fn pipeline() -> impl Strategy<Value = Vec<Vec<Vec<u8>>>> {
    prop::collection::vec(argv(), 1..6)
}

/// One edit of a byte buffer.
#[derive(Debug, Clone)]
enum Mutation {
    Set(Index, u8),
    Insert(Index, Vec<u8>),
    Delete(Index, usize),
    Truncate(Index),
    Duplicate(Index, Index),
    /// Overwrite with a protocol-ish token ("\r\n", "$-1", "*", digits...).
    Token(Index, &'static [u8]),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let tokens: Vec<&'static [u8]> = vec![
        b"\r\n",
        b"\r",
        b"\n",
        b"*",
        b"$",
        b"-1",
        b"0",
        b"2147483648",
        b"99999999999999999999",
        b"$-1\r\n",
        b"*0\r\n",
        b"*-1\r\n",
        b"\"",
        b"'",
        b"\\x",
        b" ",
        b"*1\r\n$",
        b"\0",
    ];
    prop_oneof![
        (any::<Index>(), any::<u8>()).prop_map(|(i, b)| Mutation::Set(i, b)),
        (any::<Index>(), prop::collection::vec(any::<u8>(), 1..8)).prop_map(|(i, v)| Mutation::Insert(i, v)),
        (any::<Index>(), 1usize..16).prop_map(|(i, n)| Mutation::Delete(i, n)),
        any::<Index>().prop_map(Mutation::Truncate),
        (any::<Index>(), any::<Index>()).prop_map(|(a, b)| Mutation::Duplicate(a, b)),
        (any::<Index>(), prop::sample::select(tokens)).prop_map(|(i, t)| Mutation::Token(i, t)),
    ]
}

fn apply(buf: &mut Vec<u8>, m: &Mutation) {
    if buf.is_empty() {
        if let Mutation::Insert(_, v) = m {
            buf.extend_from_slice(v);
        }
        return;
    }
    let len = buf.len();
    match m {
        Mutation::Set(i, b) => buf[i.index(len)] = *b,
        Mutation::Insert(i, v) => {
            let at = i.index(len + 1);
            buf.splice(at..at, v.iter().copied());
        }
        Mutation::Delete(i, n) => {
            let at = i.index(len);
            buf.drain(at..(at + n).min(len));
        }
        Mutation::Truncate(i) => buf.truncate(i.index(len + 1)),
        Mutation::Duplicate(a, b) => {
            let (x, y) = (a.index(len), b.index(len));
            let (from, to) = (x.min(y), x.max(y));
            let seg: Vec<u8> = buf[from..=to].to_vec();
            buf.splice(to + 1..to + 1, seg);
        }
        Mutation::Token(i, t) => {
            let at = i.index(len);
            let end = (at + t.len()).min(len);
            buf.splice(at..end, t.iter().copied());
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1000, ..ProptestConfig::default() })]

    /// Random bytes: no panic, invariants hold, and the read boundaries do not matter.
    #[test]
    fn random_bytes(mut buf in prop::collection::vec(any::<u8>(), 0..400), cuts in prop::collection::vec(any::<Index>(), 0..8)) {
        avoid_known_split_args_hang(&mut buf);
        let whole = feed(&buf, &[], Limits::default());
        prop_assert!(whole.consumed <= buf.len());
        let split = feed(&buf, &cuts_from(&cuts, buf.len()), Limits::default());
        prop_assert_eq!(whole, split);
    }

    /// Random bytes that start like RESP.
    #[test]
    fn random_resp_like_bytes(
        tail in prop::collection::vec(prop_oneof![
            3 => any::<u8>(),
            1 => prop::sample::select(b"\r\n$*-0123456789".to_vec()),
        ], 0..300),
        cuts in prop::collection::vec(any::<Index>(), 0..8),
    ) {
        let mut buf = b"*".to_vec();
        buf.extend(tail);
        avoid_known_split_args_hang(&mut buf);
        let whole = feed(&buf, &[], Limits::default());
        let split = feed(&buf, &cuts_from(&cuts, buf.len()), Limits::default());
        prop_assert_eq!(whole, split);
    }

    /// Valid pipelines with a few mutations: no panic, invariants, split-invariance.
    #[test]
    fn mutated_frames(
        cmds in pipeline(),
        muts in prop::collection::vec(mutation(), 1..5),
        cuts in prop::collection::vec(any::<Index>(), 0..8),
        authenticated in any::<bool>(),
    ) {
        let mut buf: Vec<u8> = cmds.iter().flat_map(|c| encode(c)).collect();
        for m in &muts {
            apply(&mut buf, m);
        }
        avoid_known_split_args_hang(&mut buf);
        let limits = Limits { authenticated, ..Limits::default() };
        let whole = feed(&buf, &[], limits);
        prop_assert!(whole.consumed <= buf.len());
        let split = feed(&buf, &cuts_from(&cuts, buf.len()), limits);
        prop_assert_eq!(whole, split);
    }

    /// Valid multibulk pipelines round-trip exactly, whole and split at random points.
    #[test]
    fn multibulk_round_trip(cmds in pipeline(), cuts in prop::collection::vec(any::<Index>(), 0..12)) {
        let buf: Vec<u8> = cmds.iter().flat_map(|c| encode(c)).collect();
        let expected: Vec<Outcome> = cmds.iter().cloned().map(Outcome::Command).collect();
        let whole = feed(&buf, &[], Limits::default());
        prop_assert_eq!(&whole.outcomes, &expected);
        prop_assert_eq!(whole.consumed, buf.len());
        let split = feed(&buf, &cuts_from(&cuts, buf.len()), Limits::default());
        prop_assert_eq!(&split.outcomes, &expected);
        prop_assert_eq!(split.consumed, buf.len());
    }

    /// Every prefix of a valid request is Incomplete, and the reserve hint never
    /// exceeds what the request still needs.
    #[test]
    fn prefixes_are_incomplete_and_reserve_is_bounded(args in argv(), big in prop::option::of(32 * 1024usize..40 * 1024)) {
        let mut args = args;
        if let Some(n) = big {
            args.push(vec![b'x'; n]);
        }
        let buf = encode(&args);
        let mut p = Parser::new();
        // Grow the visible prefix in uneven steps, as reads would.
        let mut end = 0;
        let mut step = 1;
        while end < buf.len() {
            match p.parse(&buf[..end], Limits::default()) {
                Parsed::Incomplete { reserve } => {
                    prop_assert!(end + reserve <= buf.len(), "reserve {} at {} of {}", reserve, end, buf.len());
                }
                other => prop_assert!(false, "prefix {} of {}: {:?}", end, buf.len(), other),
            }
            end += step;
            step = step * 3 % 1009 + 1;
        }
        prop_assert_eq!(p.parse(&buf, Limits::default()), Parsed::Complete { consumed: buf.len() });
        prop_assert_eq!(take_command(&mut p, &buf, buf.len()), args);
    }

    /// Plain inline requests: words separated by blanks, CRLF or LF endings.
    #[test]
    fn plain_inline_round_trip(
        words in prop::collection::vec("[a-zA-Z0-9_:.\\-]{1,12}", 1..8),
        seps in prop::collection::vec("[ \t]{1,3}", 8),
        lf_only in any::<bool>(),
        cuts in prop::collection::vec(any::<Index>(), 0..6),
    ) {
        let mut line = String::from(seps[7].as_str());
        for (i, w) in words.iter().enumerate() {
            line.push_str(w);
            line.push_str(&seps[i]);
        }
        line.push_str(if lf_only { "\n" } else { "\r\n" });
        let buf = line.into_bytes();
        let expected = vec![Outcome::Command(words.iter().map(|w| w.as_bytes().to_vec()).collect())];
        let whole = feed(&buf, &[], Limits::default());
        prop_assert_eq!(&whole.outcomes, &expected);
        prop_assert_eq!(whole.consumed, buf.len());
        let split = feed(&buf, &cuts_from(&cuts, buf.len()), Limits::default());
        prop_assert_eq!(&split.outcomes, &expected);
    }

    /// Quoted inline requests with `\xHH` escapes carry arbitrary bytes.
    #[test]
    fn quoted_inline_round_trip(args in prop::collection::vec(prop::collection::vec(any::<u8>(), 0..16), 1..6)) {
        let buf = encode_quoted_inline(&args);
        let run = feed(&buf, &[], Limits::default());
        prop_assert_eq!(run.outcomes, vec![Outcome::Command(args)]);
        prop_assert_eq!(run.consumed, buf.len());
    }

    /// proto-max-bulk-len: a bulk longer than the limit is refused at its header.
    #[test]
    fn bulk_length_limit(limit in 1i64..100_000, len in 0i64..200_000) {
        let buf = format!("*2\r\n$4\r\nECHO\r\n${len}\r\n").into_bytes();
        let limits = Limits { proto_max_bulk_len: limit, ..Limits::default() };
        let r = Parser::new().parse(&buf, limits);
        if len > limit {
            prop_assert_eq!(r, Parsed::Error("Protocol error: invalid bulk length"));
        } else {
            prop_assert!(is_incomplete(&r), "{:?}", r);
        }
    }

    /// Unauthenticated clients: at most 10 arguments and 16 KB bulks.
    #[test]
    fn unauthenticated_limits(count in 0i64..40, len in 0i64..40_000) {
        let limits = Limits { authenticated: false, ..Limits::default() };
        let r = Parser::new().parse(format!("*{count}\r\n").as_bytes(), limits);
        if count > 10 {
            prop_assert_eq!(r, Parsed::Error("Protocol error: unauthenticated multibulk length"));
        } else if count <= 0 {
            prop_assert_eq!(r, Parsed::Complete { consumed: format!("*{count}\r\n").len() });
        } else {
            prop_assert!(is_incomplete(&r), "{:?}", r);
        }
        let r = Parser::new().parse(format!("*1\r\n${len}\r\n").as_bytes(), limits);
        if len > 16384 {
            prop_assert_eq!(r, Parsed::Error("Protocol error: unauthenticated bulk length"));
        } else {
            prop_assert!(is_incomplete(&r), "{:?}", r);
        }
    }
}

#[test]
fn fixed_cases() {
    let run = feed(b"*abc\r\n", &[], Limits::default());
    assert_eq!(run.outcomes, vec![Outcome::Error("Protocol error: invalid multibulk length")]);
    let run = feed(b"*1\r\n$2147483648\r\n", &[], Limits::default());
    assert_eq!(run.outcomes, vec![Outcome::Error("Protocol error: invalid bulk length")]);
    // Empty requests are complete with no arguments.
    let run = feed(b"*0\r\n*-1\r\n\r\n\n", &[], Limits::default());
    assert_eq!(run.outcomes, vec![Outcome::Command(vec![]); 4]);
    assert_eq!(run.consumed, 12);
    let run = feed(b"set \"a b\r\n", &[], Limits::default());
    assert_eq!(run.outcomes, vec![Outcome::Error("Protocol error: unbalanced quotes in request")]);
    // Byte-at-a-time feeding of a pipeline.
    let buf = b"*2\r\n$4\r\nECHO\r\n$2\r\nhi\r\nPING\r\n*1\r\n$4\r\nPING\r\n";
    let cuts: Vec<usize> = (0..buf.len()).collect();
    let run = feed(buf, &cuts, Limits::default());
    assert_eq!(
        run.outcomes,
        vec![
            Outcome::Command(vec![b"ECHO".to_vec(), b"hi".to_vec()]),
            Outcome::Command(vec![b"PING".to_vec()]),
            Outcome::Command(vec![b"PING".to_vec()]),
        ]
    );
}
