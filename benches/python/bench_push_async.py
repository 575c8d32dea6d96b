"""Benchmark (a program, not a test): how many push_async calls per second Python can make.

The mock APNs server runs in a child process (record_payloads=False) so it does not share this
interpreter. Figures printed, best of REPEATS rounds each:
  - baselines from the same run: the cheapest pyo3 entry (a Notification getter) and constructing a
    Notification alone;
  - push_async of a pre-built Notification from 1 thread and from 4 threads;
  - Notification construction + push_async from 1 thread;
  - push_many of a pre-built list;
  - end to end: push_async + ensure_delivery through the mock.
The call figures time the calls alone (the engine settles them after the clock stops) and the
queue is sized so that they measure the call, not back-pressure.

Run: python benches/python/bench_push_async.py [N]
"""

import json
import subprocess
import sys
import threading
import time

import apnspush

N = int(sys.argv[1]) if len(sys.argv) > 1 else 500_000
REPEATS = 3
THREADS = 4
TOKEN = bytes(range(32))
PAYLOAD = '{"aps":{"alert":"benchmark"}}'

MOCK_CHILD = """
import json, sys, apnspush
with apnspush.MockServer(record_payloads=False) as mock:
    print(json.dumps(mock.config), flush=True)
    sys.stdin.read()
"""


def best_rate(count, run, settle=lambda: None):
    """count / the fastest of REPEATS timed runs of run(); settle() runs after each, untimed."""
    best = float("inf")
    for _ in range(REPEATS):
        start = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - start)
        settle()
    return count / best


def main():
    mock = subprocess.Popen(
        [sys.executable, "-c", MOCK_CHILD], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    config = json.loads(mock.stdout.readline())
    pusher = apnspush.Pusher(
        **config, queue_capacity=4 * N, max_in_flight=N, outcome_reports="none"
    )
    settle = pusher.ensure_delivery
    n = apnspush.Notification(TOKEN, PAYLOAD)
    push = pusher.push_async
    Notification = apnspush.Notification

    def noop():
        for _ in range(N):
            n.priority

    def construct():
        for _ in range(N):
            Notification(TOKEN, PAYLOAD)

    def push_prebuilt(count=N):
        for _ in range(count):
            push(n)

    def push_constructed():
        for _ in range(N):
            push(Notification(TOKEN, PAYLOAD))

    per_thread = N // THREADS

    def push_from_threads():
        threads = [
            threading.Thread(target=push_prebuilt, args=(per_thread,)) for _ in range(THREADS)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()

    batch = [n] * N

    def push_many():
        pusher.push_many(batch)

    def end_to_end():
        push_prebuilt()
        pusher.ensure_delivery()

    noop_rate = best_rate(N, noop)
    construct_rate = best_rate(N, construct)
    one = best_rate(N, push_prebuilt, settle)
    four = best_rate(per_thread * THREADS, push_from_threads, settle)
    built = best_rate(N, push_constructed, settle)
    many = best_rate(N, push_many, settle)
    e2e = best_rate(N, end_to_end)
    stats = pusher.stats()
    pusher.close()
    mock.stdin.close()
    mock.wait()

    print(f"apnspush {apnspush.__version__}, Python {sys.version.split()[0]}, "
          f"N={N:,}, best of {REPEATS}")
    rows = [
        ("baseline: pyo3 attribute getter n.priority", noop_rate, ""),
        ("baseline: Notification(token, payload)", construct_rate, ""),
        ("push_async(n), 1 thread", one, f"{one / noop_rate:.2f}x the getter"),
        (f"push_async(n), {THREADS} threads", four, f"{four / one:.2f}x one thread"),
        ("push_async(Notification(...)), 1 thread", built,
         f"{built / construct_rate:.2f}x construction alone"),
        ("push_many(list), per notification", many, f"{many / one:.2f}x push_async"),
        ("end to end: push_async + ensure_delivery", e2e, f"{e2e / one:.2f}x push_async"),
    ]
    for label, rate, note in rows:
        print(f"{label:<42}{rate:>12,.0f} /s  {note}")
    print(f"engine: pushed {stats['pushed']:,}, accepted {stats['accepted']:,}, "
          f"rejected {stats['rejected']}, failed {stats['failed']}")


if __name__ == "__main__":
    main()
