"""Waits without a thread per call: Ctrl-C (SIGINT from a timer thread) ends each kind of wait
within a slice and loses nothing queued (the mock and the outcomes show it), and a thread
blocked in ensure_push costs no thread of the library's. Time bounds are hang detectors."""

import os
import signal
import threading
import time

import pytest

import apnspush
from conftest import new_threads, note, outcomes_by_id, payload_index, threads

DELAY = 2.0  # seconds the mock holds every answer: each wait below blocks at least this long
SIGNAL_AFTER = 0.3  # seconds
WITHIN = 2.0  # seconds from the signal to the KeyboardInterrupt: one slice is 0.1


@pytest.fixture
def interrupt():
    """interrupt(call): runs call() while a timer thread sends SIGINT to this process, asserts
    it ends with KeyboardInterrupt soon after the signal."""
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    timers = []

    def run(call):
        sent = []

        def fire():
            sent.append(time.monotonic())
            os.kill(os.getpid(), signal.SIGINT)

        timer = threading.Timer(SIGNAL_AFTER, fire)
        timers.append(timer)
        timer.start()
        with pytest.raises(KeyboardInterrupt):
            call()
        assert sent, "the call returned before the signal"
        assert time.monotonic() - sent[0] < WITHIN

    yield run
    for timer in timers:
        timer.cancel()
        timer.join()
    signal.signal(signal.SIGINT, previous)


def slow_mock():
    return apnspush.MockServer(protocol="http2", response_delay=DELAY)


def settle(pusher, mock, count):
    """Waits for everything queued; returns the outcomes reported, by id."""
    pusher.ensure_delivery(timeout=60)
    assert mock.wait_accepted(count, timeout=60)
    return outcomes_by_id(pusher.poll(0))


def test_ctrl_c_ends_push_async_waiting_for_room_and_keeps_the_queued(interrupt):
    with slow_mock() as mock:
        with apnspush.Pusher(**mock.config, queue_capacity=1, max_in_flight=1) as pusher:
            ids = []
            interrupt(lambda: [ids.append(pusher.push_async(note(i))) for i in range(100)])
            assert 1 <= len(ids) < 100
            outcomes = settle(pusher, mock, len(ids))
            assert sorted(outcomes) == sorted(ids)
            assert all(o.accepted for o in outcomes.values())
        # The interrupted one was never queued: the mock got exactly the ids returned.
        assert sorted(payload_index(p) for _, _, p, _ in mock.accepted()) == list(range(len(ids)))


def test_ctrl_c_ends_submit_waiting_for_room(interrupt):
    with slow_mock() as mock:
        with apnspush.Pusher(**mock.config, queue_capacity=1, max_in_flight=1) as pusher:
            futures = []
            interrupt(lambda: [futures.append(pusher.submit(note(i))) for i in range(100)])
            assert 1 <= len(futures) < 100
            outcomes = [f.result(timeout=60) for f in futures]
            assert [o.user_data for o in outcomes] == list(range(len(futures)))
            assert all(o.accepted for o in outcomes)
        assert mock.accepted_count() == len(futures)


def test_ctrl_c_ends_push_waiting_for_the_write(interrupt):
    with slow_mock() as mock:
        with apnspush.Pusher(**mock.config, max_in_flight=1) as pusher:
            first = pusher.push_async(note(0))  # in flight for DELAY: the next waits to be written
            interrupt(lambda: pusher.push(note(1)))
            outcomes = settle(pusher, mock, 2)
            assert sorted(o.user_data for o in outcomes.values()) == [0, 1]
            assert outcomes[first].accepted and all(o.accepted for o in outcomes.values())
        assert sorted(payload_index(p) for _, _, p, _ in mock.accepted()) == [0, 1]


def test_ctrl_c_ends_ensure_push_and_the_outcome_still_comes(interrupt):
    with slow_mock() as mock:
        with apnspush.Pusher(**mock.config) as pusher:
            interrupt(lambda: pusher.ensure_push(note(7)))
            [outcome] = settle(pusher, mock, 1).values()
            assert (outcome.user_data, outcome.kind) == (7, "accepted")
        assert [payload_index(p) for _, _, p, _ in mock.accepted()] == [7]


def test_ctrl_c_ends_ensure_delivery_and_it_can_be_called_again(interrupt):
    with slow_mock() as mock:
        with apnspush.Pusher(**mock.config) as pusher:
            ids = pusher.push_many([note(i) for i in range(5)])
            interrupt(pusher.ensure_delivery)
            outcomes = settle(pusher, mock, 5)
            assert sorted(outcomes) == sorted(ids) and all(o.accepted for o in outcomes.values())
        assert mock.accepted_count() == 5


def test_threads_blocked_in_ensure_push_add_no_thread():
    with slow_mock() as mock:
        with apnspush.Pusher(**mock.config) as pusher:
            # The connection's reader thread starts before its first write: warm up.
            pusher.push_async(note(100))
            assert mock.wait_accepted(1, timeout=60)
            results = {}
            start = threading.Barrier(9)

            def wait(i):
                start.wait()
                results[i] = pusher.ensure_push(note(i), timeout=60)

            workers = [threading.Thread(target=wait, args=(i,)) for i in range(8)]
            for w in workers:
                w.start()
            before = threads()
            start.wait()
            # Every request reached the mock, whose answers wait DELAY: all 8 are blocked now.
            assert mock.wait_accepted(9, timeout=60)
            during = threads()
            for w in workers:
                w.join(timeout=60)
        assert new_threads(before, during) == {}, "a blocked ensure_push started a thread"
        assert len(during) <= len(before)
        assert sorted(o.user_data for o in results.values()) == list(range(8))
        assert all(o.accepted for o in results.values())
