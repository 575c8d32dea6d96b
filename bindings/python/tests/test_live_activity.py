"""Live Activities through the keyword arguments: start, update and end reach the HTTP/2 mock as
Apple documents them (payload, push type, topic with the .push-type.liveactivity suffix), the
core's rules are InvalidArgumentError naming Apple's field, wrong types are TypeError naming the
keyword, and a payload given with any of them is refused."""

import json

import pytest

import apnspush
from conftest import token
from test_aps import stub_keywords

TOPIC = "com.example.app"
T0 = 1_700_000_000


def update(**extra):
    return dict(event="update", timestamp=T0, content_state={"score": "2-1"}, **extra)


def test_start_update_and_end_reach_the_mock_as_apple_documents():
    start = apnspush.Notification(
        token(1),
        event="start",
        timestamp=T0,
        content_state={"score": "0-0"},
        attributes_type="MatchAttributes",
        attributes={"home": "A", "away": "B"},
        alert_title="Kick-off",
        alert_body="A v B",
        relevance_score=75.0,
    )
    upd = apnspush.Notification(token(1), stale_date=T0 + 600, priority=5, **update())
    end = apnspush.Notification(
        token(1), event="end", timestamp=T0 + 3600, dismissal_date=T0 + 7200
    )
    for n in (start, upd, end):
        assert n.push_type == "liveactivity" and n.channel_id is None
    with apnspush.MockServer(protocol="http2") as mock:
        with apnspush.Pusher(**mock.config, topic=TOPIC) as pusher:
            for n in (start, upd, end):
                assert pusher.ensure_push(n, timeout=60).kind == "accepted"
        payloads = [p for _, _, p, _ in mock.accepted()]
        requests = mock.http2_requests()
    assert payloads == [
        '{"aps":{"alert":{"body":"A v B","title":"Kick-off"},'
        '"attributes":{"away":"B","home":"A"},"attributes-type":"MatchAttributes",'
        '"content-state":{"score":"0-0"},"event":"start","relevance-score":75.0,'
        '"timestamp":1700000000}}',
        '{"aps":{"content-state":{"score":"2-1"},"event":"update",'
        '"stale-date":1700000600,"timestamp":1700000000}}',
        '{"aps":{"dismissal-date":1700007200,"event":"end","timestamp":1700003600}}',
    ]
    assert [(r["push_type"], r["topic"], r["priority"]) for r in requests] == [
        ("liveactivity", "com.example.app.push-type.liveactivity", p) for p in ("10", "5", "10")
    ]
    assert {r["token"] for r in requests} == {token(1)}


@pytest.mark.parametrize(
    "kwargs, field",
    [
        (dict(event="begin", timestamp=1), "event"),
        (dict(event="update", content_state={"a": 1}), "timestamp"),
        (dict(event="update", timestamp=1), "content-state"),
        (dict(event="start", timestamp=1, content_state={}, attributes={}), "attributes-type"),
        (dict(event="start", timestamp=1, content_state={}, attributes_type="A"), "attributes"),
        (
            dict(event="start", timestamp=1, content_state={}, attributes_type="", attributes={}),
            "attributes-type",
        ),
        (update(attributes_type="A"), "attributes-type"),
        (update(attributes={"a": 1}), "attributes"),
        (update(dismissal_date=5), "dismissal-date"),
        (update(push_type="alert"), "liveactivity"),
        (update(relevance_score=-1.0), "relevance-score"),
        (dict(content_state={"a": 1}, timestamp=1), "event"),
    ],
)
def test_apples_rules_are_invalid_argument_naming_the_field(kwargs, field):
    with pytest.raises(apnspush.InvalidArgumentError, match=field) as raised:
        apnspush.Notification(token(1), **kwargs)
    assert raised.value.code == "INVALID_ARGUMENT"


def test_a_whole_payload_follows_the_same_rules():
    ok = '{"aps":{"event":"update","timestamp":1,"content-state":{}}}'
    assert apnspush.Notification(token(1), ok).push_type == "liveactivity"
    with pytest.raises(apnspush.InvalidArgumentError, match="timestamp"):
        apnspush.Notification(token(1), {"aps": {"event": "update", "content-state": {}}})


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        ({"event": 1}, TypeError, "event must be a str, not int"),
        ({"content_state": '{"a":1}'}, TypeError, "content_state must be a dict, not str"),
        ({"content_state": [1]}, TypeError, "content_state must be a dict, not list"),
        ({"content_state": {"s": {1}}}, TypeError, "content_state: .*set"),
        ({"content_state": {"f": float("nan")}}, ValueError, "content_state: .*JSON"),
        ({"attributes": b"{}"}, TypeError, "attributes must be a dict, not bytes"),
        ({"attributes_type": 3}, TypeError, "attributes_type must be a str, not int"),
        ({"timestamp": True}, TypeError, "timestamp must be an int, not bool"),
        ({"timestamp": 1.5}, TypeError, "timestamp must be an int, not float"),
        ({"stale_date": "1"}, TypeError, "stale_date must be an int, not str"),
        ({"dismissal_date": False}, TypeError, "dismissal_date must be an int, not bool"),
        ({"timestamp": -1}, ValueError, "timestamp must be from 0 to"),
        ({"channel_id": 5}, TypeError, "channel_id must be a str, not int"),
    ],
)
def test_wrong_types_name_the_keyword(kwargs, error, message):
    with pytest.raises(error, match=message) as raised:
        apnspush.Notification(token(1), **kwargs)
    assert not isinstance(raised.value, apnspush.ApnsError)


# Each keyword with a valid value, and the field name the core's refusal gives it.
WITH_A_PAYLOAD = [
    ({"event": "update"}, "event"),
    ({"content_state": {}}, "content-state"),
    ({"timestamp": 1}, "timestamp"),
    ({"stale_date": 1}, "stale-date"),
    ({"dismissal_date": 1}, "dismissal-date"),
    ({"attributes_type": "A"}, "attributes-type"),
    ({"attributes": {}}, "attributes"),
]


@pytest.mark.parametrize("kwargs, field", WITH_A_PAYLOAD)
def test_a_payload_with_any_of_them_is_refused(kwargs, field):
    with pytest.raises(apnspush.InvalidArgumentError, match="together with the fields") as raised:
        apnspush.Notification(token(1), '{"aps":{}}', **kwargs)
    assert f"({field})" in raised.value.message


def test_a_channel_id_replaces_the_token():
    n = apnspush.Notification(channel_id="dHN0LXNyY2gtY2hubA==", **update())
    assert (n.channel_id, n.token, n.token_bytes, n.push_type) == (
        "dHN0LXNyY2gtY2hubA==",
        "",
        b"",
        "liveactivity",
    )
    assert repr(n).startswith("Notification(channel_id='dHN0LXNyY2gtY2hubA==', payload=")
    assert json.loads(n.payload) == {
        "aps": {"content-state": {"score": "2-1"}, "event": "update", "timestamp": T0}
    }


@pytest.mark.parametrize(
    "args, kwargs, error, message",
    [
        ((), dict(channel_id="not base64!", **update()), apnspush.InvalidArgumentError,
         "channel id"),
        ((), dict(channel_id="", **update()), apnspush.InvalidArgumentError, "channel id"),
        ((token(1),), dict(channel_id="dHN0", **update()), apnspush.InvalidArgumentError,
         "both a device token and a channel id"),
        ((), dict(channel_id="dHN0", alert_title="x"), apnspush.InvalidArgumentError,
         "liveactivity"),
        ((), update(), apnspush.BadTokenError, "device token \\(or channel id\\) is missing"),
        ((None,), dict(alert_body="b"), apnspush.BadTokenError, "is missing"),
    ],
)
def test_channel_id_rules(args, kwargs, error, message):
    with pytest.raises(error, match=message):
        apnspush.Notification(*args, **kwargs)


def test_the_stub_declares_every_keyword_tested_here():
    keywords = set(stub_keywords())
    assert {k for kwargs, _ in WITH_A_PAYLOAD for k in kwargs} | {"channel_id"} <= keywords
