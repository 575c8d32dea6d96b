"""Benchmark (a program, not a test): the cost of one push_async call from Python.

The mock APNs server runs in a child process (record_payloads=False) so it does not share this
interpreter. Per-call figures are wall time and CPU time of the calling thread
(time.thread_time: the engine's threads are not counted), and ratios to the baselines of the
same run, which hold on a loaded machine where absolute figures do not. Best of REPEATS rounds
each:
  - baselines from the same run: the cheapest pyo3 entry (a Notification getter) and constructing a
    Notification alone;
  - push_async of a pre-built Notification from 1 thread and from 4 threads;
  - Notification construction + push_async from 1 thread;
  - push_many of a pre-built list;
  - end to end: push_async + ensure_delivery through the mock;
  - per-call waits, one notification at a time (PER_CALL calls each): push (until written),
    ensure_push (until its outcome), push_async + ensure_delivery, submit(n).result(), and the
    asyncio face: `await pusher.send(n)` one at a time and 10,000 at once (asyncio.gather), with
    the ratio of the sync ensure_push's per-call time to the aio send's. A verb the installed
    package lacks is skipped.
The call figures time the calls alone (the engine settles them after the clock stops) and the
queue is sized so that they measure the call, not back-pressure.

Run: python benches/python/bench_push_async.py [N]
"""

import asyncio
import json
import subprocess
import sys
import threading
import time

import apnspush

N = int(sys.argv[1]) if len(sys.argv) > 1 else 500_000
REPEATS = 3
PER_CALL = int(sys.argv[2]) if len(sys.argv) > 2 else 2_000
GATHER = 10_000
THREADS = 4
TOKEN = bytes(range(32))
PAYLOAD = '{"aps":{"alert":"benchmark"}}'

MOCK_CHILD = """
import json, sys, apnspush
with apnspush.MockServer(protocol=sys.argv[1], record_payloads=False) as mock:
    print(json.dumps(mock.config), flush=True)
    sys.stdin.read()
"""


class Cost:
    """Per-call cost of `count` calls: the best wall and the best calling-thread CPU, ns."""

    def __init__(self, count, run, settle=lambda: None):
        self.wall = self.cpu = float("inf")
        for _ in range(REPEATS):
            cpu, start = time.thread_time_ns(), time.perf_counter_ns()
            run()
            self.wall = min(self.wall, (time.perf_counter_ns() - start) / count)
            self.cpu = min(self.cpu, (time.thread_time_ns() - cpu) / count)
            settle()

    @property
    def rate(self):
        return 1e9 / self.wall


def main():
    mock, config = start_mock("binary")
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

    noop = Cost(N, noop)
    construct = Cost(N, construct)
    one = Cost(N, push_prebuilt, settle)
    four = Cost(per_thread * THREADS, push_from_threads, settle)
    built = Cost(N, push_constructed, settle)
    many = Cost(N, push_many, settle)
    e2e = Cost(N, end_to_end)
    waits = per_call_waits(config, n, "binary")
    http2_mock, http2_config = start_mock("http2")
    waits += per_call_waits(http2_config, n, "HTTP/2")
    http2_mock.stdin.close()
    http2_mock.wait()
    stats = pusher.stats()
    pusher.close()
    mock.stdin.close()
    mock.wait()

    print(f"apnspush {apnspush.__version__}, Python {sys.version.split()[0]}, "
          f"N={N:,}, best of {REPEATS}")
    print(f"{'':<46}{'calls/s':>12}  {'ns/call':>8}  {'CPU ns/call':>11}")
    rows = [
        ("baseline: pyo3 attribute getter n.priority", noop, "", True),
        ("baseline: Notification(token, payload)", construct,
         f"{construct.cpu / noop.cpu:.1f}x the getter's CPU", True),
        ("push_async(n), 1 thread", one,
         f"{one.cpu / noop.cpu:.1f}x the getter's CPU, {one.cpu / construct.cpu:.2f}x "
         "construction's; target <= 2,000 ns", True),
        (f"push_async(n), {THREADS} threads", four,
         f"{four.rate / one.rate:.2f}x one thread's rate", False),
        ("push_async(Notification(...)), 1 thread", built,
         f"{built.cpu / construct.cpu:.2f}x construction alone's CPU", True),
        ("push_many(list), per notification", many,
         f"{many.cpu / one.cpu:.2f}x push_async's CPU", True),
        ("end to end: push_async + ensure_delivery", e2e,
         f"{e2e.rate / one.rate:.2f}x push_async's rate", False),
    ]
    for label, c, note, own_cpu in rows:
        cpu = f"{c.cpu:>11,.0f}" if own_cpu else f"{'':>11}"
        print(f"{label:<46}{c.rate:>12,.0f}  {c.wall:>8,.0f}  {cpu}  {note}")
    print(f"per-call waits, {PER_CALL:,} calls one after another (best of {REPEATS}; binary: "
          "each outcome waits for a flush marker, which the gateway answers by closing):")
    for label, c, note in waits:
        print(f"{label:<46}{c.rate:>12,.0f}  {c.wall:>8,.0f}  {c.cpu:>11,.0f}  {note}")
    print(f"engine: pushed {stats['pushed']:,}, accepted {stats['accepted']:,}, "
          f"rejected {stats['rejected']}, failed {stats['failed']}")


def start_mock(protocol):
    """A mock in a child process; returns it and its config."""
    mock = subprocess.Popen(
        [sys.executable, "-c", MOCK_CHILD, protocol],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )
    return mock, json.loads(mock.stdout.readline())


def per_call_waits(config, n, protocol):
    """Rows (label, Cost, note) for the verbs that wait, on a pusher of their own."""
    rows = []
    with apnspush.Pusher(**config, outcome_reports="none") as pusher:

        def each(verb):
            def run():
                for _ in range(PER_CALL):
                    verb(n)

            return run

        def push_then_deliver(n):
            pusher.push_async(n)
            pusher.ensure_delivery()

        push = Cost(PER_CALL, each(pusher.push))
        rows.append((f"{protocol}: push(n) (until written)", push, ""))
        ensure = Cost(PER_CALL, each(pusher.ensure_push))
        rows.append((f"{protocol}: ensure_push(n)", ensure, ""))
        deliver = Cost(PER_CALL, each(push_then_deliver))
        rows.append((f"{protocol}: push_async(n) + ensure_delivery()", deliver, ""))
        if hasattr(pusher, "submit"):
            submit = Cost(PER_CALL, each(lambda n: pusher.submit(n).result()))
            rows.append((f"{protocol}: submit(n).result()", submit,
                         f"{submit.wall / ensure.wall:.2f}x ensure_push's time"))
    aio = getattr(apnspush, "aio", None)
    if aio is None:
        return rows

    loop = asyncio.new_event_loop()
    pusher = loop.run_until_complete(
        aio.Pusher.connect(**config, outcome_reports="none", max_in_flight=GATHER))

    async def sends_one_by_one():
        for _ in range(PER_CALL):
            await pusher.send(n)

    async def sends_at_once():
        await asyncio.gather(*(pusher.send(n) for _ in range(GATHER)))

    one = Cost(PER_CALL, lambda: loop.run_until_complete(sends_one_by_one()))
    rows.append((f"{protocol}: aio await send(n), one by one", one,
                 f"ensure_push/aio send time ratio {ensure.wall / one.wall:.2f}"))
    many = Cost(GATHER, lambda: loop.run_until_complete(sends_at_once()))
    rows.append((f"{protocol}: aio gather({GATHER:,} sends), each", many,
                 f"{many.rate / one.rate:.1f}x one at a time's rate"))
    loop.run_until_complete(pusher.close())
    loop.close()
    return rows


if __name__ == "__main__":
    main()
