#!/usr/bin/env python3
"""redis-py's Pub/Sub API against a running server (oxidis or Redis).

    python3 tests/clients/redis_py_pubsub.py PORT

Checks get_message(), listen(), run_in_thread() with handlers, pattern and
shard subscriptions, RESP2 and RESP3. Bounded in time; exits non-zero on the
first mismatch.
"""
import sys
import threading
import time

import redis


def wait_for(pred, timeout=5.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if pred():
            return True
        time.sleep(0.01)
    return False


def check(port, protocol):
    r = redis.Redis(port=port, protocol=protocol, decode_responses=True)
    p = r.pubsub()
    p.subscribe("news")
    p.psubscribe("alerts.*")
    assert p.get_message(timeout=2) == {"type": "subscribe", "pattern": None, "channel": "news", "data": 1}
    assert p.get_message(timeout=2) == {"type": "psubscribe", "pattern": None, "channel": "alerts.*", "data": 2}
    assert r.publish("news", "hello") == 1
    assert r.publish("alerts.fire", "hot") == 1
    m = p.get_message(timeout=2)
    assert m == {"type": "message", "pattern": None, "channel": "news", "data": "hello"}, m
    m = p.get_message(timeout=2)
    assert m == {"type": "pmessage", "pattern": "alerts.*", "channel": "alerts.fire", "data": "hot"}, m
    assert r.pubsub_numsub("news") == [("news", 1)]
    assert r.pubsub_numpat() == 1
    assert r.pubsub_channels() == ["news"]
    # listen(): a generator over every message, in order.
    for i in range(100):
        r.publish("news", str(i))
    got = []
    for m in p.listen():
        if m["type"] == "message":
            got.append(m["data"])
            if len(got) == 100:
                break
    assert got == [str(i) for i in range(100)], got[:5]
    p.unsubscribe()
    p.punsubscribe()
    assert wait_for(lambda: r.pubsub_numpat() == 0 and r.pubsub_numsub("news") == [("news", 0)])
    p.close()

    # run_in_thread with handlers.
    seen = []
    done = threading.Event()

    def handler(m):
        seen.append(m["data"])
        if len(seen) == 50:
            done.set()

    p = r.pubsub(ignore_subscribe_messages=True)
    p.subscribe(**{"jobs": handler})
    p.psubscribe(**{"task.*": handler})
    t = p.run_in_thread(sleep_time=0.01, daemon=True)
    assert wait_for(lambda: r.pubsub_numsub("jobs") == [("jobs", 1)])
    for i in range(25):
        r.publish("jobs", f"j{i}")
        r.publish("task.1", f"k{i}")
    assert done.wait(5), seen
    t.stop()
    t.join(timeout=5)
    assert sorted(seen) == sorted([f"j{i}" for i in range(25)] + [f"k{i}" for i in range(25)])
    p.close()

    # Shard channels.
    p = r.pubsub()
    p.ssubscribe("orders")
    assert p.get_sharded_message(timeout=2)["type"] == "ssubscribe"
    assert r.spublish("orders", "o1") == 1
    m = p.get_sharded_message(timeout=2)
    assert m["type"] == "smessage" and m["data"] == "o1", m
    assert r.pubsub_shardnumsub("orders") == [("orders", 1)]
    p.sunsubscribe()
    p.close()
    r.close()


if __name__ == "__main__":
    port = int(sys.argv[1])
    for proto in (2, 3):
        check(port, proto)
        print(f"redis-py {redis.__version__} pubsub RESP{proto}: ok")
