"""Pusher.submit: concurrent.futures.Future of the outcome, completed by one dispatcher thread
per pusher; done callbacks never run on that thread. Time bounds are hang detectors."""

import concurrent.futures
import threading
import time

import pytest

import apnspush
from conftest import note, payload_index, token

COUNT = 10_000


def dispatchers() -> list:
    return [t for t in threading.enumerate() if t.name == "apnspush-futures"]


def test_10000_submits_complete_with_the_mock_s_verdicts():
    bad = {17, 4_321}
    with apnspush.MockServer(reject={token(i): 8 for i in bad}) as mock:
        with apnspush.Pusher(**mock.config, outcome_reports="none") as pusher:
            before = dispatchers()  # other pushers' may still be ending
            pusher.stats()
            assert dispatchers() == before, "started on first use"
            futures = [pusher.submit(note(i)) for i in range(COUNT)]
            assert len([t for t in dispatchers() if t not in before]) == 1, "one per pusher"
            done, not_done = concurrent.futures.wait(futures, timeout=120)
            assert len(done) == COUNT and not not_done
            completed = list(concurrent.futures.as_completed(futures, timeout=120))
            outcomes = [f.result() for f in futures]
        accepted = {i: payload_index(p) for i, _, p, _ in mock.accepted()}
        rejected = {i: status for i, _, status in mock.rejected()}
    assert len(completed) == COUNT and set(completed) == set(futures)
    assert [o.user_data for o in outcomes] == list(range(COUNT))
    for o in outcomes:
        if o.user_data in bad:
            assert (o.kind, o.status) == ("rejected", 8) and rejected[o.id] == 8, o
        else:
            assert o.kind == "accepted" and accepted[o.id] == o.user_data, o
    assert len(accepted) == COUNT - len(bad)


def test_done_callbacks_run_on_the_polling_thread_never_the_dispatcher():
    with apnspush.MockServer() as mock:
        with apnspush.Pusher(**mock.config) as pusher:
            ran = []
            record = lambda f: ran.append((f.result().user_data, threading.current_thread().name))  # noqa: E731
            first = pusher.submit(note(1))
            first.add_done_callback(record)
            assert first.result(timeout=60).accepted
            assert ran == [], "deferred to a polling thread"
            assert not first.cancel(), "a queued notification cannot be withdrawn"

            def poll_on_a_thread():
                pusher.poll(0)

            poller = threading.Thread(target=poll_on_a_thread, name="my-poller")
            poller.start()
            poller.join(timeout=60)
            assert ran == [(1, "my-poller")]
            # On a future already done: at once, on the calling thread.
            first.add_done_callback(record)
            assert ran[-1] == (1, threading.current_thread().name)
            second = pusher.submit(note(2))
            second.add_done_callback(record)
            pusher.ensure_delivery(timeout=60)
            # The dispatcher hands the completed future over just after completing it, so the
            # callback runs in the first verb call after that (ensure_delivery, or a poll).
            deadline = time.monotonic() + 60
            while ran[-1][0] != 2 and time.monotonic() < deadline:
                pusher.poll(0)
            assert ran[-1] == (2, threading.current_thread().name)
    assert all(name != "apnspush-futures" for _, name in ran)


def test_submit_raises_at_the_call():
    with apnspush.MockServer(protocol="http2", response_delay=0.5) as mock:
        with apnspush.Pusher(
            **mock.config, queue_capacity=1, max_in_flight=1, block_when_full=False
        ) as pusher:
            with pytest.raises(TypeError, match="Notification"):
                pusher.submit("not a notification")
            futures = []
            with pytest.raises(apnspush.QueueFullError):
                for i in range(100):
                    futures.append(pusher.submit(note(i)))
            outcomes = [f.result(timeout=60) for f in futures]
        assert all(o.accepted for o in outcomes) and mock.accepted_count() == len(futures)
        with pytest.raises(apnspush.ClosedError):
            pusher.submit(note(0))


def test_close_completes_every_future_and_ends_the_dispatcher():
    with apnspush.MockServer(protocol="http2", response_delay=30) as mock:
        pusher = apnspush.Pusher(**mock.config, response_timeout_ms=600_000)
        before = dispatchers()  # other pushers' may still be ending
        futures = [pusher.submit(note(i)) for i in range(5)]
        [thread] = [t for t in dispatchers() if t not in before]
        summary = pusher.close(timeout=0.5)
        outcomes = [f.result(timeout=60) for f in futures]
        thread.join(timeout=60)
    assert not thread.is_alive()
    assert all(o.kind in ("cancelled", "failed") for o in outcomes)
    assert summary["cancelled"] + summary["unconfirmed"] == 5
