#!/usr/bin/env python3
"""Bytes per key for string keys with and without a TTL, oxidis vs Redis.

../shared/perf/compare measures keys without TTLs; this adds the TTL case the
same way (RSS after the load minus RSS before, divided by the key count):
1,000,000 keys `key:%09d` (or --key-format) with 32-byte values, set with
`SET k v EX 100000`.

    python3 benches/ttl_memory.py --candidate target/release/oxidis-server [--keys N]

Both servers start on free loopback ports and are stopped by PID at the end.
"""

import argparse
import os
import socket
import subprocess
import sys
import time


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def command(*args):
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        a = a if isinstance(a, bytes) else str(a).encode()
        out.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(out)


def load(port, keys, ttl, key_format, batch=10_000):
    sock = socket.create_connection(("127.0.0.1", port))
    value = b"v" * 32
    for start in range(0, keys, batch):
        n = min(batch, keys - start)
        extra = (b"EX", b"100000") if ttl else ()
        buf = b"".join(command(b"SET", key_format % i, value, *extra) for i in range(start, start + n))
        sock.sendall(buf)
        got = 0
        while got < n:
            data = sock.recv(1 << 16)
            if not data:
                raise RuntimeError("server closed the connection")
            got += data.count(b"\r\n")
    sock.close()


def measure(argv, keys, ttl, settle, key_format):
    port = free_port()
    proc = subprocess.Popen(argv + ["--port", str(port), "--save", "", "--appendonly", "no"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port)).close()
                break
            except OSError:
                time.sleep(0.05)
        time.sleep(0.5)
        before = rss_kib(proc.pid)
        load(port, keys, ttl, key_format)
        time.sleep(settle)
        after = rss_kib(proc.pid)
        return (after - before) * 1024 / keys
    finally:
        proc.terminate()
        proc.wait()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--candidate", required=True, help="path of oxidis-server")
    ap.add_argument("--reference", default="redis-server")
    ap.add_argument("--keys", type=int, default=1_000_000)
    ap.add_argument("--settle", type=float, default=3.0, help="seconds to wait before reading RSS")
    ap.add_argument("--key-format", default="key:%09d", help="printf-style key name (default key:%%09d)")
    args = ap.parse_args()
    print(f"{'case':<10} {'redis B/key':>12} {'oxidis B/key':>13} {'ratio':>6}")
    for ttl in (False, True):
        fmt = args.key_format.encode()
        ref = measure([args.reference], args.keys, ttl, args.settle, fmt)
        cand = measure([args.candidate], args.keys, ttl, args.settle, fmt)
        name = "with TTL" if ttl else "no TTL"
        print(f"{name:<10} {ref:>12.1f} {cand:>13.1f} {cand / ref:>6.2f}")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
