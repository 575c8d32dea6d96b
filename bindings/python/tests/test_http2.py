"""HTTP/2 through config alone: the mock in HTTP/2 mode, a Pusher built from its config, and
the outcomes asserted against the mock's record."""

import time
from collections import Counter

import pytest

import apnspush
from conftest import note, outcomes_by_id, payload_index, token

N = 2_000
BAD = {137, 600, 1_001, 1_500, 1_999}
GONE = {42, 1_234}


def now_ms() -> int:
    return int(time.time() * 1000)


def test_token_auth_rejections_and_apns_ids_match_the_mock():
    rules = {token(i): (400, "BadDeviceToken") for i in BAD}
    rules.update({token(i): (410, "Unregistered") for i in GONE})
    with apnspush.MockServer(protocol="http2", token_auth=True, http2_reject=rules) as mock:
        config = mock.config
        assert mock.protocol == config["protocol"] == "http2"
        assert {"auth_key_pem", "key_id", "team_id", "topic"} <= set(config)
        assert "cert_pem" not in config, "token auth needs no client certificate"
        # http2 is the default protocol: the pusher needs no protocol key.
        del config["protocol"]
        assert apnspush.CONFIG_KEYS["protocol"] == "http2"
        before = now_ms()
        with apnspush.Pusher(**config) as pusher:
            ids = {pusher.push_async(note(i)): i for i in range(N)}
            pusher.ensure_delivery(timeout=120)
            outcomes = outcomes_by_id(pusher.poll(0))
            failed = pusher.failed_notifications()
            stats = pusher.stats()
        after = now_ms()
        accepted = mock.accepted()
        accepted_count = mock.accepted_count()
        mock_rejected = mock.http2_rejected()
        binary_rejected = mock.rejected()

    assert set(outcomes) == set(ids)
    good = set(range(N)) - BAD - GONE
    apns_ids = {}
    for id_, i in ids.items():
        o = outcomes[id_]
        assert (o.user_data, o.token) == (i, token(i)), o
        if i in BAD:
            assert (o.kind, o.status, o.reason, o.error) == (
                "rejected", 400, "BadDeviceToken", None), o
            assert o.timestamp is None, o
        elif i in GONE:
            assert (o.kind, o.status, o.reason, o.error) == (
                "rejected", 410, "Unregistered", None), o
            assert isinstance(o.timestamp, int) and before <= o.timestamp <= after, o
        else:
            assert (o.kind, o.status, o.confirmed) == ("accepted", 200, True), o
            assert isinstance(o.apns_id, str) and o.apns_id, o
            apns_ids[token(i)] = o.apns_id
    assert sorted(o.user_data for o in failed) == sorted(BAD | GONE)
    assert (stats["pushed"], stats["accepted"], stats["rejected"], stats["failed"]) == (
        N, len(good), len(BAD | GONE), 0)
    assert isinstance(stats["last_error"], str)

    # The mock accepted each good token once, under the apns-id the outcome reports.
    assert accepted_count == len(accepted) == len(good) == 1_993
    assert Counter(tok for _, tok, _, _ in accepted) == Counter(token(i) for i in good)
    assert {tok: apns_id for _, tok, _, apns_id in accepted} == apns_ids
    assert len(set(apns_ids.values())) == len(good)
    assert {payload_index(p) for _, _, p, _ in accepted} == good
    # Each rejected token was answered once (never retried); the binary record stays empty.
    assert sorted(mock_rejected) == sorted(
        [(token(i), 400, "BadDeviceToken") for i in BAD]
        + [(token(i), 410, "Unregistered") for i in GONE]
    )
    assert binary_rejected == []


def test_goaway_every_500_loses_nothing():
    with apnspush.MockServer(protocol="http2", goaway_after=500) as mock:
        with apnspush.Pusher(**mock.config) as pusher:
            ids = pusher.push_many([note(i) for i in range(N)])
            pusher.ensure_delivery(timeout=120)
            outcomes = outcomes_by_id(pusher.poll(0))
            stats = pusher.stats()
        accepted = mock.accepted()
        connections = mock.connections()

    assert set(outcomes) == set(ids)
    assert Counter(o.kind for o in outcomes.values()) == {"accepted": N}
    assert all(o.status == 200 and o.apns_id for o in outcomes.values())
    # Each connection processes at most 500 requests, then says GOAWAY.
    assert connections >= N // 500
    assert stats["goaways"] >= N // 500 - 1
    assert "GOAWAY" in stats["last_error"], stats["last_error"]
    seen = Counter(payload_index(p) for _, _, p, _ in accepted)
    assert set(seen) == set(range(N)), "every notification reached the mock at least once"
    duplicates = len(accepted) - len(seen)
    assert duplicates <= stats["duplicates_possible"]
    assert {apns_id for _, _, _, apns_id in accepted} >= {o.apns_id for o in outcomes.values()}


def test_mock_rules_apply_to_a_live_http2_mock():
    with apnspush.MockServer(protocol="http2") as mock:
        assert "cert_pem" in mock.config, "certificate auth by default"
        mock.reject_token(token(2), 410, "Unregistered")
        with pytest.raises(ValueError, match="reason"):
            mock.reject_token(token(3), 400)
        with pytest.raises(ValueError, match="400 to 599"):
            mock.reject_token(token(3), 8, "BadDeviceToken")
        with apnspush.Pusher(**mock.config) as pusher:
            ok = pusher.ensure_push(note(1), timeout=60)
            gone = pusher.ensure_push(note(2), timeout=60)
        assert [(tok, apns_id) for _, tok, _, apns_id in mock.accepted()] == [
            (token(1), ok.apns_id)]
        assert mock.http2_rejected() == [(token(2), 410, "Unregistered")]
        assert (gone.kind, gone.status, gone.reason) == ("rejected", 410, "Unregistered")
        mock.clear()
        assert (mock.accepted(), mock.http2_rejected()) == ([], [])
    assert repr(mock).startswith("MockServer(protocol='http2'")


@pytest.mark.parametrize("protocol, knob", [
    ("http2", {"shutdown_after": 5}),
    ("http2", {"close_silently_after": 5}),
    ("http2", {"error_delay": 0.5}),
    ("binary", {"token_auth": True}),
    ("binary", {"http2_reject": {}}),
    ("binary", {"goaway_after": 5}),
    ("binary", {"fail_every": (10, 429)}),
    ("binary", {"max_concurrent_streams": 5}),
    ("binary", {"response_delay": 0.5}),
    ("binary", {"stall_after": 5}),
    ("binary", {"expire_token_after": 5}),
])
def test_knobs_the_protocol_would_ignore_are_refused(protocol, knob):
    [name] = knob
    with pytest.raises(ValueError, match=f"{name} applies only to"):
        apnspush.MockServer(protocol=protocol, **knob)


def test_mock_arguments_are_checked():
    with pytest.raises(ValueError, match="protocol"):
        apnspush.MockServer(protocol="spdy")
    with pytest.raises(TypeError, match=r"http2_reject values must be a \(status, reason\)"):
        apnspush.MockServer(protocol="http2", http2_reject={token(1): 400})
    with pytest.raises(ValueError, match="http2_reject status must be from 400 to 599"):
        apnspush.MockServer(protocol="http2", http2_reject={token(1): (200, "Fine")})
    with pytest.raises(TypeError, match="http2_reject reason must be a str"):
        apnspush.MockServer(protocol="http2", http2_reject={token(1): (400, 5)})
    with pytest.raises(ValueError, match="fail_every n must be at least 1"):
        apnspush.MockServer(protocol="http2", fail_every=(0, 429))
    with pytest.raises(ValueError, match="max_concurrent_streams must be at least 1"):
        apnspush.MockServer(protocol="http2", max_concurrent_streams=0)
    with apnspush.MockServer() as binary:
        with pytest.raises(ValueError, match="reason applies only to"):
            binary.reject_token(token(1), 8, "BadDeviceToken")


def test_expire_token_after_and_stall_after_take_effect():
    with pytest.raises(ValueError, match="expire_token_after applies only with token_auth=True"):
        apnspush.MockServer(protocol="http2", expire_token_after=2)
    with apnspush.MockServer(
        protocol="http2", token_auth=True, expire_token_after=2, stall_after=4
    ) as mock:
        with apnspush.Pusher(**mock.config, token_min_interval_ms=0) as pusher:
            # Requests: 0 and 1 with the first token, 2 with it (expired), 2 with a new one.
            for i in range(3):
                assert pusher.ensure_push(note(i), timeout=60).kind == "accepted"
            assert mock.tokens_seen() == 2
            assert [r[2] for r in mock.http2_rejected()] == ["ExpiredProviderToken"]
            # The fifth request on the connection is received and never answered.
            pusher.push_async(note(3))
            deadline = time.monotonic() + 60
            while mock.requests_per_connection() != [(1, 5)] and time.monotonic() < deadline:
                assert not mock.wait_accepted(4, timeout=0.01)
            assert mock.requests_per_connection() == [(1, 5)]
            pusher.close(timeout=0.1)
        assert mock.accepted_count() == 3
    assert mock.requests_per_connection() == [(1, 5)], "kept after stop"
