//! Micro-benchmarks of the hot path around a command: parsing requests,
//! writing replies, and looking the command up.
//!
//! `cargo bench --bench protocol` (add `-- --quick` for a short run).

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use oxidis::commands::CommandTable;
use oxidis::protocol::{Limits, Parsed, Parser, Reply};

/// One RESP multibulk request.
fn multibulk(args: &[&[u8]]) -> Vec<u8> {
    let mut out = format!("*{}\r\n", args.len()).into_bytes();
    for a in args {
        out.extend_from_slice(format!("${}\r\n", a.len()).as_bytes());
        out.extend_from_slice(a);
        out.extend_from_slice(b"\r\n");
    }
    out
}

/// 16 requests in one buffer, as a pipelining client sends them:
/// SET key:N <32 bytes> and GET key:N, alternating.
fn set_get_pipeline() -> Vec<u8> {
    let value = [b'x'; 32];
    let mut buf = Vec::new();
    for i in 0..8 {
        let key = format!("key:{i:012}");
        buf.extend(multibulk(&[b"SET", key.as_bytes(), &value]));
        buf.extend(multibulk(&[b"GET", key.as_bytes()]));
    }
    buf
}

/// Parses every request in `buf`; returns the number of arguments seen.
fn parse_all(parser: &mut Parser, buf: &[u8]) -> usize {
    let mut pos = 0;
    let mut args = 0;
    while pos < buf.len() {
        match parser.parse(&buf[pos..], Limits::default()) {
            Parsed::Complete { consumed } => {
                args += parser.args().len() + parser.take_owned().map_or(0, |o| o.len());
                pos += consumed;
            }
            other => panic!("unexpected {other:?}"),
        }
    }
    args
}

fn parser(c: &mut Criterion) {
    let mut g = c.benchmark_group("parser");
    let pipeline = set_get_pipeline();
    g.throughput(Throughput::Elements(16));
    g.bench_function("pipeline_16_set_get", |b| {
        let mut p = Parser::new();
        b.iter(|| {
            let n = parse_all(&mut p, black_box(&pipeline));
            assert_eq!(n, 8 * 3 + 8 * 2);
        })
    });
    let inline = b"SET key:000000000001 hello-world\r\n";
    g.throughput(Throughput::Elements(1));
    g.bench_function("inline_set", |b| {
        let mut p = Parser::new();
        b.iter(|| {
            let n = parse_all(&mut p, black_box(inline));
            assert_eq!(n, 3);
        })
    });
    g.finish();
}

fn reply(c: &mut Criterion) {
    let mut g = c.benchmark_group("reply");
    g.throughput(Throughput::Elements(1));
    let value = [b'v'; 32];
    // A fresh writer per iteration would measure the allocator; like a
    // client's output buffer, the writer is reused and cleared.
    let mut r = Reply::default();
    g.bench_function("bulk_32B", |b| {
        b.iter(|| {
            r.buf.clear();
            r.bulk(black_box(&value));
        })
    });
    g.bench_function("int", |b| {
        b.iter(|| {
            r.buf.clear();
            r.int(black_box(1_234_567));
        })
    });
    let items: Vec<Vec<u8>> = (0..100).map(|i| format!("element:{i:08}").into_bytes()).collect();
    g.throughput(Throughput::Elements(100));
    g.bench_function("array_100_bulks", |b| {
        b.iter(|| {
            r.buf.clear();
            r.array_len(items.len());
            for it in black_box(&items) {
                r.bulk(it);
            }
        })
    });
    g.bench_function("array_100_bulks_fresh_writer", |b| {
        b.iter_batched(
            Reply::default,
            |mut r| {
                r.array_len(items.len());
                for it in black_box(&items) {
                    r.bulk(it);
                }
                r
            },
            BatchSize::SmallInput,
        )
    });
    g.finish();
}

fn lookup(c: &mut Criterion) {
    let table = CommandTable::new();
    let mut g = c.benchmark_group("command_lookup");
    g.throughput(Throughput::Elements(1));
    for name in [&b"get"[..], b"SET", b"Config", b"nosuchcommand"] {
        g.bench_function(String::from_utf8_lossy(name).into_owned(), |b| b.iter(|| table.lookup(black_box(name))));
    }
    g.finish();
}

criterion_group!(benches, parser, reply, lookup);
criterion_main!(benches);
