//! Pub/Sub fan-out throughput, oxidis against real Redis on loopback.
//!
//! One publisher, N subscribers (default 100) of one channel, fixed-size
//! messages (default 64 bytes). The publisher pipelines PUBLISH commands but
//! keeps at most `--window` messages not yet received by every subscriber, so
//! the measure is the delivery rate the server sustains, not how fast its
//! output buffers grow. Reported: messages delivered per second (publishes ×
//! subscribers), for each server, each round, alternating the order.
//!
//! ```text
//! cargo bench --bench pubsub_fanout -- [--candidate "CMD {port}"] [--reference "CMD {port}"]
//!     [--subscribers 100] [--size 64] [--seconds 5] [--rounds 2] [--pipeline 32] [--window 2000]
//! ```
//!
//! Defaults: candidate `target/release/oxidis-server --port {port} --save ''`,
//! reference `redis-server --port {port} --save '' --appendonly no`. Servers
//! run pinned to CPU 0, this process to CPU 1 (when there are two CPUs). Each
//! run is bounded by `--seconds`, plus at most 10 s to drain. Servers are
//! stopped by their PID.

use std::io::{ErrorKind, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

struct Opts {
    candidate: String,
    reference: String,
    subscribers: usize,
    size: usize,
    seconds: f64,
    rounds: usize,
    pipeline: usize,
    window: u64,
}

fn parse_opts() -> Opts {
    let mut o = Opts {
        candidate: "target/release/oxidis-server --port {port} --save ''".into(),
        reference: "redis-server --port {port} --save '' --appendonly no".into(),
        subscribers: 100,
        size: 64,
        seconds: 5.0,
        rounds: 2,
        pipeline: 32,
        window: 2000,
    };
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut i = 0;
    while i < args.len() {
        let val = args.get(i + 1).cloned().unwrap_or_default();
        match args[i].as_str() {
            "--candidate" => o.candidate = val,
            "--reference" => o.reference = val,
            "--subscribers" => o.subscribers = val.parse().expect("--subscribers N"),
            "--size" => o.size = val.parse().expect("--size BYTES"),
            "--seconds" => o.seconds = val.parse().expect("--seconds S"),
            "--rounds" => o.rounds = val.parse().expect("--rounds N"),
            "--pipeline" => o.pipeline = val.parse().expect("--pipeline N"),
            "--window" => o.window = val.parse().expect("--window N"),
            // `cargo bench` passes --bench; ignore it and anything unknown.
            _ => {
                i += 1;
                continue;
            }
        }
        i += 2;
    }
    o
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("free port")
}

fn pin_to_cpu(cpu: usize) {
    // SAFETY: a zeroed cpu_set_t is valid; we set one bit and pass its size.
    unsafe {
        let mut set: libc::cpu_set_t = std::mem::zeroed();
        libc::CPU_SET(cpu, &mut set);
        libc::sched_setaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &set);
    }
}

fn two_cpus() -> bool {
    std::thread::available_parallelism().map(|n| n.get() >= 2).unwrap_or(false)
}

/// A server started for one run, killed by PID when dropped.
struct Srv {
    child: Child,
    port: u16,
}

impl Srv {
    fn start(cmd: &str) -> Srv {
        let port = free_port();
        let line = cmd.replace("{port}", &port.to_string());
        let pin = if two_cpus() { "taskset -c 0 " } else { "" };
        let mut child = Command::new("bash")
            .arg("-c")
            .arg(format!("exec {pin}{line}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start server");
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(mut s) = TcpStream::connect(("127.0.0.1", port)) {
                let mut buf = [0u8; 16];
                if s.write_all(b"PING\r\n").is_ok() && s.read(&mut buf).is_ok_and(|n| n > 0) {
                    return Srv { child, port };
                }
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = child.kill();
        let _ = child.wait();
        panic!("server did not start: {line}");
    }
}

impl Drop for Srv {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn resp(args: &[&[u8]]) -> Vec<u8> {
    let mut out = format!("*{}\r\n", args.len()).into_bytes();
    for a in args {
        out.extend_from_slice(format!("${}\r\n", a.len()).as_bytes());
        out.extend_from_slice(a);
        out.extend_from_slice(b"\r\n");
    }
    out
}

/// Reads until `n` CRLF-terminated lines arrived (integer or status replies).
fn read_lines(s: &mut TcpStream, n: usize, buf: &mut [u8]) {
    let mut seen = 0;
    while seen < n {
        let k = s.read(buf).expect("read reply");
        assert!(k > 0, "server closed the publisher");
        seen += buf[..k].iter().filter(|&&b| b == b'\n').count();
    }
}

/// One fan-out run: returns (messages delivered per second, publishes per second).
fn fanout(port: u16, o: &Opts) -> (f64, f64) {
    let channel = b"fanout";
    let payload = vec![b'x'; o.size];
    let frame_len = resp(&[b"message", channel, &payload]).len() as u64;
    let mut admin = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    admin.write_all(&resp(&[b"CONFIG", b"SET", b"client-output-buffer-limit", b"pubsub 0 0 0"])).unwrap();
    let mut tmp = [0u8; 4096];
    read_lines(&mut admin, 1, &mut tmp);
    let mut subs = Vec::new();
    for _ in 0..o.subscribers {
        let mut s = TcpStream::connect(("127.0.0.1", port)).expect("connect subscriber");
        s.write_all(&resp(&[b"SUBSCRIBE", channel])).unwrap();
        // *3 $9 subscribe $6 fanout :1 = 6 lines.
        read_lines(&mut s, 6, &mut tmp);
        s.set_nonblocking(true).unwrap();
        subs.push(s);
    }
    let received = Arc::new(AtomicU64::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let reader = {
        let received = received.clone();
        let stop = stop.clone();
        std::thread::spawn(move || {
            use mio::net::TcpStream as MioStream;
            let mut poll = mio::Poll::new().unwrap();
            let mut socks: Vec<MioStream> = subs.into_iter().map(MioStream::from_std).collect();
            for (i, s) in socks.iter_mut().enumerate() {
                poll.registry().register(s, mio::Token(i), mio::Interest::READABLE).unwrap();
            }
            let mut events = mio::Events::with_capacity(1024);
            let mut buf = vec![0u8; 256 * 1024];
            while !stop.load(Ordering::Relaxed) {
                poll.poll(&mut events, Some(Duration::from_millis(50))).unwrap();
                for ev in events.iter() {
                    let s = &mut socks[ev.token().0];
                    loop {
                        match s.read(&mut buf) {
                            Ok(0) => break,
                            Ok(n) => {
                                received.fetch_add(n as u64, Ordering::Relaxed);
                            }
                            Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                            Err(e) => panic!("subscriber read: {e}"),
                        }
                    }
                }
            }
        })
    };
    let mut publisher = TcpStream::connect(("127.0.0.1", port)).expect("connect publisher");
    publisher.set_nodelay(true).unwrap();
    let one = resp(&[b"PUBLISH", channel, &payload]);
    let batch: Vec<u8> = one.iter().copied().cycle().take(one.len() * o.pipeline).collect();
    let start = Instant::now();
    let limit = Duration::from_secs_f64(o.seconds);
    let mut published: u64 = 0;
    let n_subs = o.subscribers as u64;
    while start.elapsed() < limit {
        // Stay within the window of messages not yet read by every subscriber.
        let delivered = received.load(Ordering::Relaxed) / frame_len / n_subs.max(1);
        if published.saturating_sub(delivered) > o.window {
            std::thread::yield_now();
            continue;
        }
        publisher.write_all(&batch).expect("publish");
        read_lines(&mut publisher, o.pipeline, &mut tmp);
        published += o.pipeline as u64;
    }
    let expected = published * n_subs * frame_len;
    let drain_deadline = Instant::now() + Duration::from_secs(10);
    while received.load(Ordering::Relaxed) < expected && Instant::now() < drain_deadline {
        std::thread::sleep(Duration::from_millis(1));
    }
    let elapsed = start.elapsed().as_secs_f64();
    stop.store(true, Ordering::Relaxed);
    reader.join().expect("reader thread");
    let got = received.load(Ordering::Relaxed) / frame_len;
    assert!(got >= published * n_subs, "lost messages: {got} of {}", published * n_subs);
    (got as f64 / elapsed, published as f64 / elapsed)
}

fn main() {
    let o = parse_opts();
    if two_cpus() {
        pin_to_cpu(1);
    }
    println!(
        "pubsub fan-out: 1 publisher, {} subscribers, {}-byte messages, pipeline {}, window {}, {} s per run, {} rounds",
        o.subscribers, o.size, o.pipeline, o.window, o.seconds, o.rounds
    );
    let mut totals = [0.0f64; 2];
    for round in 0..o.rounds {
        let order: [usize; 2] = if round % 2 == 0 { [0, 1] } else { [1, 0] };
        for which in order {
            let (name, cmd) = if which == 0 { ("reference", &o.reference) } else { ("candidate", &o.candidate) };
            let srv = Srv::start(cmd);
            let (delivered, publishes) = fanout(srv.port, &o);
            drop(srv);
            totals[which] += delivered;
            println!(
                "round {} {:9}: {:>12.0} messages delivered/s ({:>9.0} PUBLISH/s)",
                round + 1,
                name,
                delivered,
                publishes
            );
        }
    }
    let (r, c) = (totals[0] / o.rounds as f64, totals[1] / o.rounds as f64);
    println!("mean: reference {r:.0}/s, candidate {c:.0}/s, candidate/reference = {:.2}", c / r);
}
