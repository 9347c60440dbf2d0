//! A deterministic workload over one large skiplist-encoded sorted set, for
//! comparing layouts by wall clock or (better on a shared machine) under
//! `valgrind --tool=callgrind --cache-sim=yes`.
//!
//! `cargo bench --bench zset -- [N] [OPS] [PHASES]`: builds a set of N
//! members named like redis-benchmark's (`element:000000123456`) with random
//! scores, then runs OPS operations of each phase listed in PHASES (comma
//! separated, default all): `update` (ZADD of an existing member with a new
//! random score, as the command does: score lookup then update), `incr`
//! (ZINCRBY of a small random step, so elements move a few hundred places
//! at most), `rank`
//! (ZRANK), `range` (the rank where a score range starts, as ZRANGEBYSCORE
//! finds it, then 10 elements), `at` (ZRANGE by rank: the element at a random
//! rank, then 10), `rem` (ZREM then ZADD back), `pop` (ZPOPMIN of 10, then the
//! 10 added back). Prints nanoseconds per operation for each phase. With
//! PHASES `none` only the set is built, so a callgrind run of the build alone
//! can be subtracted from a run with one phase.

use std::hint::black_box;
use std::time::Instant;

use oxidis::store::zset::{Limits, ZSet};
use oxidis::util::Rng;

// The server's allocator, so node placement matches the server's.
#[global_allocator]
static ALLOC: oxidis::alloc::Jemalloc = oxidis::alloc::Jemalloc;

const LIM: Limits = Limits { max_entries: 128, max_value: 64 };

fn member(i: usize) -> Vec<u8> {
    format!("element:{i:012}").into_bytes()
}

fn score(rng: &mut Rng) -> f64 {
    rng.below(1 << 30) as f64
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with("--")).collect();
    let n: usize = args.first().and_then(|a| a.parse().ok()).unwrap_or(1_000_000);
    let ops: usize = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(1_000_000);
    let phases = args.get(2).cloned().unwrap_or_else(|| "update,incr,rank,range,at,rem,pop".into());
    let mut rng = Rng::with_seed(42);
    let names: Vec<Vec<u8>> = (0..n).map(member).collect();

    let t = Instant::now();
    let mut z = ZSet::new();
    for m in &names {
        let s = score(&mut rng);
        z.insert(m, s, LIM);
    }
    println!("build     {:>8.0} ns/op  ({n} members)", t.elapsed().as_nanos() as f64 / n as f64);

    for phase in phases.split(',') {
        let t = Instant::now();
        let mut sink = 0usize;
        match phase {
            "update" => {
                for _ in 0..ops {
                    let m = &names[rng.below(n)];
                    let new = score(&mut rng);
                    if let Some(cur) = z.score(m) {
                        if cur != new {
                            z.update(m, cur, new);
                        }
                    }
                }
            }
            "incr" => {
                // ZINCRBY by a small random step: the element moves a few
                // hundred places at most (scores are about 1000 apart).
                for _ in 0..ops {
                    let m = &names[rng.below(n)];
                    if let Some(cur) = z.score(m) {
                        let new = cur + rng.below(200_000) as f64 - 100_000.0;
                        if cur != new {
                            z.update(m, cur, new);
                        }
                    }
                }
            }
            "rank" => {
                for _ in 0..ops {
                    sink += z.rank(&names[rng.below(n)]).unwrap_or(0);
                }
            }
            "range" => {
                for _ in 0..ops {
                    let lo = score(&mut rng);
                    let start = z.count_before(|s, _| s < lo);
                    z.visit(start, 10, false, |m, s| sink += m.len() + s as usize);
                }
            }
            "at" => {
                for _ in 0..ops {
                    z.visit(rng.below(n), 10, false, |m, s| sink += m.len() + s as usize);
                }
            }
            "rem" => {
                for _ in 0..ops {
                    let m = &names[rng.below(n)];
                    if z.remove(m).is_some() {
                        z.insert(m, score(&mut rng), LIM);
                    }
                }
            }
            "pop" => {
                let mut popped = Vec::with_capacity(10);
                for _ in 0..ops / 10 {
                    popped.clear();
                    z.visit(0, 10, false, |m, s| popped.push((m.to_vec(), s)));
                    z.remove_ranks(0, 10);
                    for (m, _) in &popped {
                        z.insert(m, score(&mut rng), LIM);
                    }
                }
            }
            "none" => continue,
            other => panic!("unknown phase {other}"),
        }
        black_box(sink);
        println!("{phase:<9} {:>8.0} ns/op", t.elapsed().as_nanos() as f64 / ops as f64);
    }
    assert_eq!(z.len(), n);
}
