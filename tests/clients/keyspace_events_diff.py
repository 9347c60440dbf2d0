#!/usr/bin/env python3
"""Differential check of keyspace notifications: runs the same commands
against two servers (e.g. oxidis and Redis 7.0) with every event class on,
and prints where the published events differ.

    python3 tests/clients/keyspace_events_diff.py PORT_A PORT_B [FLAGS]

FLAGS defaults to "KEA" plus m and n. Bounded: each server gets the fixed
script below once. Exit status 1 if the event streams differ.
"""
import sys
import time

import redis

SCRIPT = [
    # strings
    "SET s1 v", "SET s1 v2 EX 100", "SET s1 v3 KEEPTTL", "SET s1 v4 NX", "SET s1 v5 XX GET",
    "SETNX s2 a", "SETNX s2 b", "SETEX s3 100 x", "PSETEX s4 100000 x", "GETSET s2 c",
    "MSET m1 a m2 b", "MSETNX m3 a m4 b", "MSETNX m3 a m5 b", "APPEND s2 zz", "APPEND newapp x",
    "SETRANGE s2 1 yy", "SETRANGE newrange 2 a", "SETRANGE s2 0 ''", "INCR n1", "INCRBY n1 5", "DECR n1",
    "DECRBY n1 2", "INCRBYFLOAT f1 1.5", "GETDEL m1", "GETDEL nokey", "GETEX s2 EX 100", "GETEX s2 PERSIST",
    "GETEX s2", "GETEX s2 PXAT 1", "GET nokey", "GET s1", "STRLEN s1", "GETRANGE s1 0 1", "MGET s1 nokey",
    "LCS s1 m2", "SUBSTR s1 0 1",
    # bitmaps
    "SETBIT b1 7 1", "SETBIT b1 7 1", "BITOP OR b2 b1 s1", "BITOP AND b3 nokey nokey2", "SET b4 x",
    "BITOP AND b4 nokey", "BITFIELD b5 SET u8 0 255", "BITFIELD b5 GET u8 0", "BITFIELD_RO b5 GET u8 0",
    "BITFIELD b6 INCRBY u8 0 1 OVERFLOW FAIL INCRBY u8 0 300", "GETBIT b1 7", "BITCOUNT b1", "BITPOS b1 1",
    # generic
    "DEL s3 s4 nokey", "UNLINK m2", "EXISTS s1 nokey", "TYPE s1", "TYPE nokey", "TTL s1", "PTTL nokey",
    "EXPIRE s1 100", "PEXPIRE s1 100000", "EXPIREAT s1 99999999999", "PEXPIREAT s1 99999999999000",
    "EXPIRE s1 100 NX", "EXPIRE s1 100 XX", "EXPIRE nokey 10", "PERSIST s1", "PERSIST s1", "EXPIRE s1 -1",
    "SET r1 a", "RENAME r1 r2", "SET r3 b", "RENAME r3 r2", "RENAMENX r2 r4", "SET r5 x", "RENAMENX r4 r5",
    "RENAME r4 r4", "SET mv a", "MOVE mv 1", "SET cp a", "COPY cp cp2", "COPY cp cp2", "COPY cp cp2 REPLACE",
    "COPY cp cpdb DB 1", "TOUCH cp nokey", "RANDOMKEY", "EXPIRETIME cp", "OBJECT ENCODING cp",
    "SET past x", "EXPIREAT past 1", "SET past2 x", "PEXPIRE past2 0",
    # lists
    "LPUSH l1 a b c", "RPUSH l1 d", "LPUSHX l1 e", "RPUSHX l1 f", "LPUSHX nolist a", "LINSERT l1 BEFORE a x",
    "LINSERT l1 BEFORE zz x", "LSET l1 0 y", "LTRIM l1 0 4", "LREM l1 1 y", "LREM l1 1 nothere", "LPOP l1",
    "RPOP l1", "LPOP l1 2", "LPOP nolist", "RPUSH l2 a b", "RPOPLPUSH l2 l3", "LMOVE l2 l3 LEFT RIGHT",
    "LMOVE l3 l3 LEFT RIGHT", "RPUSH l4 a", "LMPOP 2 nolist l4 LEFT", "RPUSH l5 a b c", "LTRIM l5 5 10",
    "RPUSH l6 a", "LREM l6 0 a", "LRANGE l3 0 -1", "LINDEX l3 0", "LLEN l3", "LPOS l3 a", "BLPOP l3 0.01",
    "RPUSH l7 a b", "BRPOP l7 0.01", "BLMOVE l7 l8 RIGHT LEFT 0.01", "BLMPOP 0.01 1 l8 RIGHT",
    "LPOP l3 10",
    # hashes
    "HSET h1 a 1 b 2", "HSET h1 a 3", "HSETNX h1 a 1", "HSETNX h1 c 1", "HMSET h1 d 4", "HINCRBY h1 a 5",
    "HINCRBYFLOAT h1 a 1.5", "HDEL h1 a zz", "HDEL h1 zz", "HGET h1 b", "HGET nohash a", "HGETALL h1",
    "HDEL h1 b c d", "HRANDFIELD h1", "HEXISTS h1 a",
    # sets
    "SADD s5 a b c", "SADD s5 a", "SREM s5 a zz", "SREM s5 zz", "SMOVE s5 s6 b", "SMOVE s5 s6 zz",
    "SMOVE s5 s6 c", "SADD s7 1 2 3", "SPOP s7", "SPOP s7 5", "SADD s8 a b", "SADD s9 b c",
    "SINTERSTORE s10 s8 s9", "SUNIONSTORE s11 s8 s9", "SDIFFSTORE s12 s8 s9", "SINTERSTORE s10 s8 nokey",
    "SDIFFSTORE s13 nokey s8", "SISMEMBER s8 a", "SMEMBERS s8", "SCARD nokey", "SRANDMEMBER s8",
    # sorted sets
    "ZADD z1 1 a 2 b 3 c", "ZADD z1 1 a", "ZADD z1 INCR 5 a", "ZADD z1 XX 9 zz", "ZADD z1 NX 1 a",
    "ZADD z1 GT 0 a", "ZINCRBY z1 1 b", "ZREM z1 a zz", "ZREM z1 zz", "ZADD z2 1 a 2 b 3 c 4 d 5 e",
    "ZREMRANGEBYSCORE z2 1 1", "ZREMRANGEBYSCORE z2 100 200", "ZREMRANGEBYRANK z2 0 0",
    "ZREMRANGEBYLEX z2 [c [c", "ZPOPMIN z2", "ZPOPMAX z2 5", "ZADD z3 1 a 2 b", "ZADD z4 2 b 3 c",
    "ZUNIONSTORE z5 2 z3 z4", "ZINTERSTORE z6 2 z3 z4", "ZDIFFSTORE z7 2 z3 z4", "ZINTERSTORE z6 2 z3 nokey",
    "ZRANGESTORE z8 z3 0 -1", "ZRANGESTORE z8 z3 5 10", "ZMPOP 1 z3 MIN", "BZPOPMIN z4 0.01",
    "BZPOPMAX z4 0.01", "BZMPOP 0.01 1 z5 MAX COUNT 10", "ZSCORE z1 b", "ZRANGE z1 0 -1", "ZCARD nokey",
    # sort
    "RPUSH sl 3 1 2", "SORT sl STORE sl2", "SORT nokey STORE sl2", "SORT sl", "SORT_RO sl",
    # transactions and scripts are other helpers'; keyspace-wide commands
    "SELECT 1", "SET d1 x", "DEL d1", "SELECT 0",
    "SWAPDB 0 1", "SWAPDB 0 1", "FLUSHDB", "SET after x", "FLUSHALL", "SET final x",
]


def run(port, flags):
    r = redis.Redis(port=port, decode_responses=True)
    r.flushall()
    r.config_set("notify-keyspace-events", flags)
    p = r.pubsub()
    p.psubscribe("*")
    p.get_message(timeout=2)
    for line in SCRIPT:
        args = [a if a != "''" else "" for a in line.split()]
        try:
            r.execute_command(*args)
        except redis.ResponseError:
            pass
    r.publish("__sentinel", "end")
    events = []
    deadline = time.time() + 10
    while time.time() < deadline:
        m = p.get_message(timeout=1)
        if m is None:
            continue
        if m["channel"] == "__sentinel":
            break
        events.append((m["channel"], m["data"]))
    r.config_set("notify-keyspace-events", "")
    p.close()
    r.flushall()
    return events


def main():
    a, b = int(sys.argv[1]), int(sys.argv[2])
    flags = sys.argv[3] if len(sys.argv) > 3 else "KEAmn"
    ea, eb = run(a, flags), run(b, flags)
    import difflib
    diff = list(difflib.unified_diff([f"{c} {d}" for c, d in ea], [f"{c} {d}" for c, d in eb], f"port {a}", f"port {b}", lineterm="", n=2))
    print(f"{len(ea)} events on {a}, {len(eb)} on {b}")
    for l in diff:
        print(l)
    sys.exit(1 if diff else 0)


if __name__ == "__main__":
    main()
