#!/usr/bin/env python3
"""Cache quality under maxmemory: oxidis and Redis side by side.

Each server runs with the same maxmemory and policy (allkeys-lru, then
allkeys-lfu) behind a cache-aside workload: GET a key drawn from a Zipf
distribution over a keyspace about ten times larger than what fits; on a
miss, SET it. After a warm-up the hit ratio (INFO keyspace_hits / misses) and
the throughput (GET+SET per second, pipelined, one client) are measured.
Everything is bounded: a number of operations and a time limit per run.

    benches/cache_quality.py --oxidis target/release/oxidis-server \\
        [--redis redis-server] [--maxmemory-mb 16] [--ops 600000] [--seconds 60]

Standard library only; servers listen on loopback ports picked at random
and are stopped by PID.
"""

import argparse
import bisect
import itertools
import os
import random
import socket
import subprocess
import sys
import tempfile
import time


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Conn:
    """A minimal RESP2 client with pipelining."""

    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port))
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.f = self.sock.makefile("rb")

    @staticmethod
    def encode(*args):
        out = [b"*%d\r\n" % len(args)]
        for a in args:
            a = a if isinstance(a, bytes) else str(a).encode()
            out.append(b"$%d\r\n%s\r\n" % (len(a), a))
        return b"".join(out)

    def send_many(self, cmds):
        self.sock.sendall(b"".join(self.encode(*c) for c in cmds))

    def read(self):
        line = self.f.readline()
        kind, rest = line[:1], line[1:-2]
        if kind == b"+":
            return rest
        if kind == b"-":
            raise RuntimeError(rest.decode())
        if kind == b":":
            return int(rest)
        if kind == b"$":
            n = int(rest)
            return None if n < 0 else self.f.read(n + 2)[:-2]
        if kind == b"*":
            n = int(rest)
            return None if n < 0 else [self.read() for _ in range(n)]
        raise RuntimeError("bad reply %r" % line)

    def call(self, *args):
        self.send_many([args])
        return self.read()

    def info(self, section):
        text = self.call("INFO", section).decode()
        return dict(l.split(":", 1) for l in text.split("\r\n") if ":" in l)


def start(binary, port, maxmemory, policy, workdir):
    args = [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
            "--dir", workdir, "--maxmemory", str(maxmemory), "--maxmemory-policy", policy]
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 10
    while time.time() < deadline:
        try:
            c = Conn(port)
            c.call("PING")
            return proc, c
        except OSError:
            time.sleep(0.05)
    proc.kill()
    raise RuntimeError("%s did not start" % binary)


def run(binary, policy, a, cum, value):
    port = free_port()
    with tempfile.TemporaryDirectory() as d:
        proc, c = start(binary, port, a.maxmemory_mb * 1024 * 1024, policy, d)
        try:
            rng = random.Random(a.seed)
            population = range(a.keys)
            warm = a.ops // 4
            done, t0, measured_t0, sets = 0, time.time(), None, 0
            while done < a.ops and time.time() - t0 < a.seconds:
                if measured_t0 is None and done >= warm:
                    c.call("CONFIG", "RESETSTAT")
                    measured_t0, sets = time.time(), 0
                batch = rng.choices(population, cum_weights=cum, k=a.pipeline)
                keys = [b"key:%d" % k for k in batch]
                c.send_many([("GET", k) for k in keys])
                misses = [k for k in keys if c.read() is None]
                if misses:
                    c.send_many([("SET", k, value) for k in misses])
                    for _ in misses:
                        c.read()
                sets += len(misses)
                done += len(keys)
            elapsed = time.time() - (measured_t0 or t0)
            stats = c.info("stats")
            mem = c.info("memory")
            keyspace = c.info("keyspace")
            hits, misses = int(stats["keyspace_hits"]), int(stats["keyspace_misses"])
            gets = hits + misses
            keys_held = int(keyspace.get("db0", "keys=0,").split(",")[0].split("=")[1]) if "db0" in keyspace else 0
            return {
                "hit": hits / gets if gets else 0.0,
                "ops": (gets + sets) / elapsed if elapsed > 0 else 0.0,
                "keys": keys_held,
                "used": int(mem["used_memory"]),
                "evicted": int(stats["evicted_keys"]),
                "measured": gets,
            }
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--oxidis", required=True)
    p.add_argument("--redis", default="redis-server")
    p.add_argument("--maxmemory-mb", type=int, default=16)
    p.add_argument("--keys", type=int, default=0, help="keyspace size (default: ~10x what fits)")
    p.add_argument("--value-size", type=int, default=100)
    p.add_argument("--zipf", type=float, default=0.99, help="Zipf exponent")
    p.add_argument("--ops", type=int, default=600_000, help="GETs per run, a quarter of them warm-up")
    p.add_argument("--seconds", type=float, default=60, help="time limit per run")
    p.add_argument("--pipeline", type=int, default=100)
    p.add_argument("--seed", type=int, default=42)
    a = p.parse_args()
    if a.keys == 0:
        # About 150 bytes per 100-byte value in either server: ten times more keys than fit.
        a.keys = 10 * a.maxmemory_mb * 1024 * 1024 // (a.value_size + 60)
    weights = (1.0 / (i ** a.zipf) for i in range(1, a.keys + 1))
    cum = list(itertools.accumulate(weights))
    value = b"v" * a.value_size
    print("maxmemory %d MB, %d keys (Zipf s=%.2f), %d-byte values, %d GETs per run (1/4 warm-up), pipeline %d"
          % (a.maxmemory_mb, a.keys, a.zipf, a.value_size, a.ops, a.pipeline))
    print("%-14s %-8s %9s %12s %9s %10s %9s" % ("policy", "server", "hit ratio", "ops/s", "keys", "used MB", "evicted"))
    for policy in ("allkeys-lru", "allkeys-lfu"):
        for name, binary in (("oxidis", a.oxidis), ("redis", a.redis)):
            r = run(binary, policy, a, cum, value)
            print("%-14s %-8s %9.4f %12.0f %9d %10.1f %9d"
                  % (policy, name, r["hit"], r["ops"], r["keys"], r["used"] / 1048576, r["evicted"]))
            sys.stdout.flush()


if __name__ == "__main__":
    main()
