"""The verbs, callbacks and context managers, asserted against the mock."""

import json

import pytest

import apnspush
from conftest import note, outcomes_by_id, payload_index, token


def test_push_waits_until_written(mock):
    with apnspush.Pusher(**mock.config) as pusher:
        ids = [pusher.push(note(i), timeout=60) for i in range(3)]
        assert len(set(ids)) == 3
        assert mock.wait_accepted(3, timeout=60)
    assert sorted(payload_index(p) for _, _, p, _ in mock.accepted()) == [0, 1, 2]


def test_ensure_push_returns_the_final_outcome():
    with apnspush.MockServer(reject={token(2): 8}) as mock:
        with apnspush.Pusher(**mock.config) as pusher:
            ok = pusher.ensure_push(note(1), timeout=60)
            bad = pusher.ensure_push(note(2), timeout=60)
        assert (ok.kind, ok.accepted, ok.token, ok.user_data, ok.error) == (
            "accepted", True, token(1), 1, None
        )
        assert ok.confirmed and ok.attempts == 1 and ok.status == 0
        assert (bad.kind, bad.accepted, bad.status, bad.user_data) == ("rejected", False, 8, 2)
        assert bad.reason and bad.timestamp is None and bad.token == token(2)
        assert [(ident, tok, apns_id) for ident, tok, _, apns_id in mock.accepted()] == [
            (ok.id, token(1), None)
        ]
        assert [(ident, tok, st) for ident, tok, st in mock.rejected()] == [(bad.id, token(2), 8)]


def test_ensure_delivery_times_out_with_typed_error():
    with apnspush.MockServer(error_delay=30.0) as mock:
        pusher = apnspush.Pusher(**mock.config, error_timeout_ms=600_000)
        pusher.push_async(note(1))
        with pytest.raises(apnspush.TimeoutError) as raised:
            pusher.ensure_delivery(timeout=0.3)
        assert isinstance(raised.value, TimeoutError) and raised.value.code == "TIMEOUT"
        summary = pusher.close(timeout=0.5)
        # Written but never confirmed. (The core currently reports it "cancelled" rather than
        # "failed"/unconfirmed: reported to the core's owner.)
        assert summary["cancelled"] + summary["unconfirmed"] == 1
        [left] = pusher.failed_notifications()
        assert left.kind in ("failed", "cancelled") and left.user_data == 1
        assert pusher.close() == {"cancelled": 0, "unconfirmed": 0}, "second close is a no-op"


def test_poll_returns_outcomes_without_a_callback(mock):
    with apnspush.Pusher(**mock.config) as pusher:
        assert pusher.poll() == []
        ids = pusher.push_many([note(i) for i in range(10)])
        pusher.ensure_delivery(timeout=60)
        outcomes = pusher.poll(0)
        assert [o.id for o in outcomes] == sorted(ids)
        assert pusher.poll(0) == [], "reports are served once"


def test_callback_exception_is_reraised_from_poll_and_nothing_is_lost(mock):
    seen = []

    def explode_on_third(outcome):
        seen.append(outcome.id)
        if len(seen) == 3:
            raise RuntimeError("boom")

    with apnspush.Pusher(**mock.config) as pusher:
        ids = pusher.push_many([note(i) for i in range(10)])
        pusher.ensure_delivery(timeout=60)
        with pytest.raises(RuntimeError, match="boom"):
            pusher.poll(0, explode_on_third)
        assert len(seen) == 3
        assert pusher.poll(0, lambda o: seen.append(o.id)) == 7, "the rest are served by the next poll"
    assert seen == sorted(ids)


def test_on_outcome_is_served_by_ensure_delivery(mock):
    served = []
    with apnspush.Pusher(**mock.config, on_outcome=served.append) as pusher:
        ids = pusher.push_many([note(i) for i in range(100)])
        pusher.ensure_delivery(timeout=60)
        assert sorted(o.id for o in served) == sorted(ids)
        assert pusher.poll(0) == []
        outcome = pusher.ensure_push(note(100), timeout=60)
        assert outcome.id in {o.id for o in served}


def test_poll_hands_outcomes_to_on_outcome_and_returns_them(mock):
    served = []
    with apnspush.Pusher(**mock.config, on_outcome=served.append) as pusher:
        ids = pusher.push_many([note(i) for i in range(10)])
        returned = []
        for _ in range(600):
            returned += pusher.poll(0.1)
            if len(returned) == len(ids):
                break
        assert [o.id for o in returned] == [o.id for o in served] == sorted(ids)
        assert all(a is b for a, b in zip(returned, served))
        other = []
        pusher.push_async(note(10))
        while not other:
            assert pusher.poll(None, other.append) == 1
        assert len(served) == 10, "an explicit callback replaces on_outcome"


def test_on_outcome_exception_is_reraised_from_ensure_delivery(mock):
    calls = []

    def fail_once(outcome):
        calls.append(outcome.id)
        if len(calls) == 1:
            raise KeyError("first")

    with apnspush.Pusher(**mock.config, on_outcome=fail_once) as pusher:
        ids = pusher.push_many([note(i) for i in range(5)])
        with pytest.raises(KeyError, match="first"):
            pusher.ensure_delivery(timeout=60)
        pusher.ensure_delivery(timeout=60)
    assert sorted(calls) == sorted(ids)


def test_on_outcome_must_be_callable():
    with pytest.raises(TypeError, match="on_outcome must be callable"):
        apnspush.Pusher(on_outcome=5)


def test_delivery_context_manager(mock):
    with apnspush.Pusher(**mock.config) as pusher:
        with pusher.delivery(timeout=60) as p:
            assert p is pusher
            ids = [p.push_async(note(i)) for i in range(200)]
        # Every notification pushed in the block has its outcome now.
        stats = pusher.stats()
        assert stats["accepted"] == 200 and stats["queued"] == 0 and stats["in_flight"] == 0
        assert sorted(o.id for o in pusher.poll(0)) == sorted(ids)


def test_delivery_context_manager_lets_exceptions_through(mock):
    with apnspush.Pusher(**mock.config) as pusher:
        with pytest.raises(ZeroDivisionError):
            with pusher.delivery():
                pusher.push_async(note(1))
                1 / 0


def test_pusher_context_manager_closes(mock):
    with apnspush.Pusher(**mock.config) as pusher:
        pusher.push_many([note(i) for i in range(100)])
    with pytest.raises(apnspush.ClosedError):
        pusher.push_async(note(1))
    outcomes = outcomes_by_id(pusher.poll(0))
    assert len(outcomes) == 100


def test_stats_counts(mock):
    with apnspush.Pusher(**mock.config) as pusher:
        pusher.push_many([note(i) for i in range(20)])
        pusher.ensure_delivery(timeout=60)
        stats = pusher.stats()
    assert set(apnspush.CONFIG_KEYS) >= {"protocol", "connections", "block_when_full"}
    assert stats["pushed"] == 20 and stats["accepted"] == 20 and stats["rejected"] == 0
    assert stats["written"] >= 20 and stats["connects"] >= 1
    assert stats["last_error"] == ""
    assert all(isinstance(v, int) for k, v in stats.items() if k != "last_error")


def test_mock_rules_record_and_stop():
    mock = apnspush.MockServer()
    mock.reject_token(bytes.fromhex(token(3)), 8)
    with apnspush.Pusher(**mock.config) as pusher:
        pusher.push_many([note(i) for i in range(5)])
        pusher.ensure_delivery(timeout=60)
        [rejected] = pusher.failed_notifications()
    assert rejected.user_data == 3
    assert mock.markers() >= 1
    mock.stop()
    mock.stop()
    assert sorted(payload_index(p) for _, _, p, _ in mock.accepted()) == [0, 1, 2, 4]
    assert mock.accepted_count() == 4
    assert [tok for _, tok, _ in mock.rejected()] == [token(3)]
    with pytest.raises(apnspush.ClosedError):
        mock.reject_token(token(4), 8)


def test_mock_without_payload_record_still_counts():
    with apnspush.MockServer(record_payloads=False) as mock:
        with apnspush.Pusher(**mock.config) as pusher:
            pusher.push_many([note(i) for i in range(50)])
            pusher.ensure_delivery(timeout=60)
        assert mock.accepted_count() == 50
        assert mock.accepted() == []


def test_mock_clear_forgets_the_record(mock):
    with apnspush.Pusher(**mock.config) as pusher:
        pusher.ensure_push(note(1), timeout=60)
    mock.clear()
    assert (mock.accepted_count(), mock.accepted(), mock.markers()) == (0, [], 0)


def test_fetch_feedback():
    tuples = [(1_700_000_000, token(1)), (1_700_000_001, bytes.fromhex(token(2)))]
    with apnspush.MockServer(feedback=tuples) as mock:
        assert apnspush.fetch_feedback(**mock.config) == [
            (1_700_000_000, token(1)),
            (1_700_000_001, token(2)),
        ]
        assert apnspush.fetch_feedback(**mock.config) == [], "the service clears its list"
        mock.set_feedback([(5, token(9))])
        assert apnspush.fetch_feedback(**mock.config) == [(5, token(9))]


def test_mock_argument_errors():
    with pytest.raises(TypeError, match="reject must be a dict"):
        apnspush.MockServer(reject=[token(1)])
    with pytest.raises(apnspush.BadTokenError):
        apnspush.MockServer(reject={"xyz": 8})
    with pytest.raises(ValueError, match="reject status must be from 0 to 255"):
        apnspush.MockServer(reject={token(1): 300})
    with pytest.raises(TypeError, match="feedback items must be"):
        apnspush.MockServer(feedback=[token(1)])


def test_notification_is_reusable_and_repr(mock):
    n = note(7)
    with apnspush.Pusher(**mock.config) as pusher:
        a, b = pusher.push_async(n), pusher.push_async(n)
        assert a != b
        pusher.ensure_delivery(timeout=60)
        assert "user_data=7" in repr(pusher.poll(0)[0])
    assert [json.loads(p)["i"] for _, _, p, _ in mock.accepted()] == [7, 7]
    assert repr(n).startswith("Notification(token='")


def test_push_many_stops_at_the_first_refused_notification(mock):
    big = apnspush.Notification(token(9), {"aps": {}, "x": "a" * 2100})
    with apnspush.Pusher(**mock.config) as pusher:
        with pytest.raises(apnspush.PayloadTooLargeError):
            pusher.push_many([note(1), big, note(2)])
        pusher.ensure_delivery(timeout=60)
        assert [o.user_data for o in pusher.poll(0)] == [1], "the one before it stays queued"
    assert [payload_index(p) for _, _, p, _ in mock.accepted()] == [1]


def test_push_many_accepts_any_iterable(mock):
    with apnspush.Pusher(**mock.config) as pusher:
        ids = pusher.push_many(note(i) for i in range(3))
        assert pusher.push_many([]) == []
        pusher.ensure_delivery(timeout=60)
        assert sorted(o.id for o in pusher.poll(0)) == sorted(ids)
