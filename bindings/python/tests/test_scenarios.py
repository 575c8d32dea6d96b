"""The engine's scenarios (b, c, e, f) re-run through the Python binding, asserted against both
the mock's record and the reported outcomes."""

import threading
import time
from collections import Counter

import pytest

import apnspush
from conftest import note, outcomes_by_id, payload_index, token

N = 20_000
# A long error window: under a loaded machine a notification must not be presumed accepted
# before the mock's verdict on an earlier one arrives (ensure_delivery flushes with markers, so
# the window never delays these tests).
WINDOW = {"error_timeout_ms": 10_000}


def test_b_bad_tokens_are_rejected_and_nothing_is_lost():
    bad = set(range(500, N, N // 20))
    assert len(bad) == 20
    with apnspush.MockServer(reject={token(i): 8 for i in bad}) as mock:
        with apnspush.Pusher(**mock.config, **WINDOW) as pusher:
            ids = {pusher.push_async(note(i)): i for i in range(N)}
            assert len(ids) == N
            pusher.ensure_delivery(timeout=300)
            outcomes = outcomes_by_id(pusher.poll(0))
            failed = pusher.failed_notifications()
        accepted = mock.accepted()
        rejected = mock.rejected()

    assert set(outcomes) == set(ids)
    for id_, i in ids.items():
        o = outcomes[id_]
        assert o.user_data == i and o.token == token(i)
        if i in bad:
            assert (o.kind, o.status, o.error) == ("rejected", 8, None), o
        else:
            assert o.kind == "accepted", o
    assert sorted(o.user_data for o in failed) == sorted(bad)

    # The mock saw each good notification once, with its payload, and rejected each bad one once.
    seen = Counter(payload_index(p) for _, _, p, _ in accepted)
    assert set(seen) == set(range(N)) - bad
    assert max(seen.values()) == 1
    assert all(ids[ident] == payload_index(p) for ident, _, p, _ in accepted)
    assert sorted(tok for _, tok, _ in rejected) == sorted(token(i) for i in bad)
    assert {status for _, _, status in rejected} == {8}


def test_c_dropped_connections_lose_nothing():
    with apnspush.MockServer(drop_after=3000) as mock:
        with apnspush.Pusher(**mock.config, **WINDOW) as pusher:
            ids = pusher.push_many([note(i) for i in range(N)])
            pusher.ensure_delivery(timeout=300)
            outcomes = outcomes_by_id(pusher.poll(0))
            stats = pusher.stats()
        accepted = mock.accepted()
        connections = mock.connections()

    assert connections >= N // 3000
    assert set(outcomes) == set(ids)
    assert Counter(o.kind for o in outcomes.values()) == {"accepted": N}
    identifiers = Counter(ident for ident, _, _, _ in accepted)
    assert set(identifiers) == set(ids), "every id reached the mock at least once"
    duplicates = len(accepted) - len(identifiers)
    assert duplicates <= stats["duplicates_possible"]
    assert stats["connection_losses"] >= 1


def test_e_python_threads_push_at_once():
    threads, per_thread = 4, 5_000
    bad = {t * per_thread + 77 for t in range(threads)}
    served = []
    with apnspush.MockServer(reject={token(i): 8 for i in bad}) as mock:
        with apnspush.Pusher(**mock.config, connections=2, **WINDOW) as pusher:
            ids = [None] * threads
            errors = []

            def push_range(t):
                try:
                    start = t * per_thread
                    ids[t] = [pusher.push_async(note(i)) for i in range(start, start + per_thread)]
                except BaseException as e:  # pragma: no cover - reported below
                    errors.append(e)

            def consume():
                while len(served) < threads * per_thread:
                    pusher.poll(0.05, served.append)

            consumer = threading.Thread(target=consume)
            consumer.start()
            workers = [threading.Thread(target=push_range, args=(t,)) for t in range(threads)]
            for w in workers:
                w.start()
            for w in workers:
                w.join()
            assert errors == []
            pusher.ensure_delivery(timeout=300)
            consumer.join(timeout=300)
            assert not consumer.is_alive()
        accepted = mock.accepted()

    all_ids = [i for chunk in ids for i in chunk]
    assert len(set(all_ids)) == threads * per_thread
    outcomes = outcomes_by_id(served)
    assert set(outcomes) == set(all_ids)
    for o in outcomes.values():
        assert o.kind == ("rejected" if o.user_data in bad else "accepted"), o
    assert sorted(payload_index(p) for _, _, p, _ in accepted) == sorted(
        set(range(threads * per_thread)) - bad
    )


def test_f_close_with_50000_queued_settles_everything():
    total = 50_000
    with apnspush.MockServer() as mock:
        # A small in-flight window and no presumed acceptance keep most of them queued.
        pusher = apnspush.Pusher(
            **mock.config, queue_capacity=65536, max_in_flight=10, error_timeout_ms=600_000
        )
        ids = pusher.push_many([note(i) for i in range(total)])
        assert pusher.stats()["queued"] > 0
        start = time.monotonic()
        summary = pusher.close(timeout=1.0)
        elapsed = time.monotonic() - start
        outcomes = outcomes_by_id(pusher.poll(0))
        stats = pusher.stats()
        mock.stop()
        in_mock = {ident for ident, _, _, _ in mock.accepted()}

    assert elapsed < 30, "close() hung far beyond its timeout"  # a hang check, not a speed test
    assert set(outcomes) == set(ids)
    kinds = Counter(o.kind for o in outcomes.values())
    assert set(kinds) <= {"accepted", "cancelled", "failed"}
    assert sum(kinds.values()) == total
    assert kinds["cancelled"] == summary["cancelled"] == stats["cancelled"]
    assert kinds["failed"] == summary["unconfirmed"] == stats["failed"]
    assert all(o.error == "CLOSED" for o in outcomes.values() if o.kind == "failed")
    confirmed = {o.id for o in outcomes.values() if o.kind == "accepted" and o.confirmed}
    assert confirmed <= in_mock
    with pytest.raises(apnspush.ClosedError) as raised:
        pusher.push_async(note(0))
    assert raised.value.code == "CLOSED"
