"""Every bad input is refused at the call, before anything is queued, with a typed error."""

import json
import socket

import pytest

import apnspush
from conftest import note, token

GOOD = token(1)


@pytest.mark.parametrize(
    "bad, fragment",
    [
        ("zz" * 32, "non-hex"),
        ("abc", "odd length"),
        ("ab" * 31, "31 bytes"),
        ("ab" * 101, "101 bytes"),
        ("", "0 bytes"),
        (b"\x01" * 31, "31 bytes"),
    ],
)
def test_bad_token(bad, fragment):
    with pytest.raises(apnspush.BadTokenError, match=fragment) as raised:
        apnspush.Notification(bad, "{}")
    assert raised.value.code == "BAD_TOKEN"
    assert isinstance(raised.value, ValueError) and isinstance(raised.value, apnspush.ApnsError)


def test_token_as_hex_or_bytes():
    raw = bytes(range(32))
    assert apnspush.Notification(raw, "{}").token == raw.hex()
    assert apnspush.Notification(bytearray(raw), "{}").token_bytes == raw
    assert apnspush.Notification(raw.hex().upper(), "{}").token == raw.hex()


@pytest.mark.parametrize("payload", ["{", "[1, 2]", "null", "not json", '{"a": }', ""])
def test_invalid_json(payload):
    with pytest.raises(apnspush.InvalidJsonError) as raised:
        apnspush.Notification(GOOD, payload)
    assert raised.value.code == "INVALID_JSON"


def test_payload_over_the_http2_limit_is_refused_at_construction():
    with pytest.raises(apnspush.PayloadTooLargeError, match="4096"):
        apnspush.Notification(GOOD, {"aps": {}, "x": "a" * 5000})


def test_payload_over_the_binary_limit_is_refused_at_push(mock):
    big = apnspush.Notification(GOOD, {"aps": {}, "x": "a" * 2100})
    with apnspush.Pusher(**mock.config) as pusher:
        with pytest.raises(apnspush.PayloadTooLargeError, match="2048") as raised:
            pusher.push_async(big)
        assert raised.value.code == "PAYLOAD_TOO_LARGE"
        with pytest.raises(apnspush.PayloadTooLargeError):
            pusher.ensure_push(big)
        assert pusher.stats()["pushed"] == 0
    assert mock.accepted_count() == 0


def test_payload_forms():
    assert json.loads(apnspush.Notification(GOOD, {"aps": {"badge": 1}}).payload) == {
        "aps": {"badge": 1}
    }
    assert apnspush.Notification(GOOD, b'{"aps":{}}').payload == '{"aps":{}}'
    built = apnspush.Notification(
        GOOD,
        alert_title="T",
        alert_body="B",
        badge=3,
        sound="s",
        category="c",
        thread_id="t",
        content_available=True,
        mutable_content=True,
        custom={"k": [1, "two"], "u": "é"},
    )
    assert json.loads(built.payload) == {
        "aps": {
            "alert": {"title": "T", "body": "B"},
            "badge": 3,
            "sound": "s",
            "category": "c",
            "thread-id": "t",
            "content-available": 1,
            "mutable-content": 1,
        },
        "k": [1, "two"],
        "u": "é",
    }


def test_options_round_trip():
    n = apnspush.Notification(
        GOOD,
        "{}",
        expiry=1_900_000_000,
        priority=5,
        topic="com.example.app",
        push_type="alert",
        collapse_id="c1",
        apns_id="123E4567-E89B-12D3-A456-426614174000",
        user_data=2**64 - 1,
    )
    assert (n.expiry, n.priority, n.topic, n.push_type, n.collapse_id) == (
        1_900_000_000,
        5,
        "com.example.app",
        "alert",
        "c1",
    )
    assert n.apns_id == "123e4567-e89b-12d3-a456-426614174000"
    assert n.user_data == 2**64 - 1


def test_expiry_unset_is_none_and_zero_stays_zero():
    assert apnspush.Notification(GOOD, "{}").expiry is None
    assert apnspush.Notification(GOOD, "{}", expiry=0).expiry == 0
    assert apnspush.Notification(GOOD, alert_body="b").expiry is None


def test_push_type_and_priority_are_inferred():
    def typed(*args, **kwargs):
        n = apnspush.Notification(GOOD, *args, **kwargs)
        return n.push_type, n.priority

    assert typed(alert_body="hi") == ("alert", 10)
    assert typed(sound="default") == ("alert", 10)
    assert typed('{"aps":{"badge":2}}') == ("alert", 10)
    assert typed(content_available=True) == ("background", 5)
    assert typed({"aps": {"content-available": 1}}) == ("background", 5)
    assert typed(content_available=True, priority=1) == ("background", 1)
    assert typed(content_available=True, badge=1) == ("alert", 10)
    assert typed("{}") == (None, 10)
    assert typed(alert_body="call", push_type="voip") == ("voip", 10)


def test_config_topic_is_bounded():
    with pytest.raises(apnspush.InvalidConfigValueError, match="at most 255 bytes"):
        apnspush.Pusher(topic="t" * 256)


@pytest.mark.parametrize(
    "kwargs, error, fragment",
    [
        ({"priority": 7}, apnspush.InvalidArgumentError, "priority"),
        ({"push_type": "shout"}, apnspush.InvalidArgumentError, "push type"),
        ({"apns_id": "not-a-uuid"}, apnspush.InvalidArgumentError, "UUID"),
        ({"collapse_id": "c" * 65}, apnspush.InvalidArgumentError, "collapse id"),
        ({"topic": ""}, apnspush.InvalidArgumentError, "topic"),
        ({"topic": "t" * 256}, apnspush.InvalidArgumentError, "limit is 255"),
        ({"collapse_id": "a\nb"}, apnspush.InvalidArgumentError, "control"),
        ({"apns_id": "1" * 36}, apnspush.InvalidArgumentError, "UUID"),
        ({"content_available": True, "priority": 10}, apnspush.InvalidArgumentError, "background"),
        ({"push_type": "background", "priority": 10}, apnspush.InvalidArgumentError, "priority 10"),
        ({"custom": {"aps": 1}}, apnspush.InvalidArgumentError, "reserved"),
        ({"badge": -1}, ValueError, "badge must be from 0"),
        ({"expiry": 2**40}, ValueError, "expiry must be from 0"),
        ({"user_data": -5}, ValueError, "user_data"),
        ({"badge": "1"}, TypeError, "badge must be an int, not str"),
        ({"badge": True}, TypeError, "badge must be an int, not bool"),
        ({"sound": 5}, TypeError, "sound must be a str or a dict .*, not int"),
        ({"content_available": 1}, TypeError, "content_available must be a bool"),
        ({"custom": [1]}, TypeError, "custom must be a dict"),
        ({"custom": {"k": object()}}, TypeError, "not JSON serializable"),
        ({"custom": {"k": float("nan")}}, ValueError, "JSON"),
        ({"custom": {1: "v"}}, TypeError, "custom key must be a str"),
    ],
)
def test_bad_fields(kwargs, error, fragment):
    with pytest.raises(error, match=fragment):
        apnspush.Notification(GOOD, **kwargs)


@pytest.mark.parametrize(
    "args, error, fragment",
    [
        ((1234, "{}"), TypeError, "token must be a hex str or bytes, not int"),
        ((GOOD, 42), TypeError, "payload must be a JSON str, bytes or a dict, not int"),
        ((GOOD, b"\xff\xfe"), ValueError, "UTF-8"),
    ],
)
def test_wrong_types(args, error, fragment):
    with pytest.raises(error, match=fragment):
        apnspush.Notification(*args)


def test_payload_and_fields_are_exclusive():
    # The core's rule and error, as in every language: INVALID_ARGUMENT naming the fields.
    for fields in ({"alert_title": "x"}, {"badge": 1, "custom": {"k": 1}}, {"sound": "a"}):
        with pytest.raises(apnspush.InvalidArgumentError, match="together with the fields") as e:
            apnspush.Notification(GOOD, "{}", **fields)
        assert e.value.code == "INVALID_ARGUMENT" and isinstance(e.value, ValueError)
        spellings = lambda name: (name, name.replace("_", " "), name.replace("_", "-"))  # noqa: E731
        assert all(any(s in e.value.message for s in spellings(name)) for name in fields)


def test_unknown_config_key_names_the_key():
    with pytest.raises(apnspush.UnknownConfigKeyError, match="colour") as raised:
        apnspush.Pusher(colour="blue")
    assert isinstance(raised.value, apnspush.ConfigError)
    assert raised.value.code == "UNKNOWN_CONFIG_KEY"
    with pytest.raises(apnspush.UnknownConfigKeyError, match="nope"):
        apnspush.fetch_feedback(nope=1)


@pytest.mark.parametrize(
    "kwargs, fragment",
    [
        ({"connections": 0}, "connections"),
        ({"block_when_full": "maybe"}, "block_when_full"),
        ({"protocol": "smtp"}, "protocol"),
        ({"port": 70000}, "port"),
        ({"cert_pem": "not pem"}, "cert_pem"),
        ({"error_timeout_ms": -1}, "error_timeout_ms"),
    ],
)
def test_invalid_config_value(kwargs, fragment):
    with pytest.raises(apnspush.InvalidConfigValueError, match=fragment) as raised:
        apnspush.Pusher(**kwargs)
    assert raised.value.code == "INVALID_CONFIG_VALUE"
    assert isinstance(raised.value, apnspush.ConfigError)


@pytest.mark.parametrize("value", [1.5, None, ["x"], b"bytes"])
def test_config_value_of_wrong_type(value):
    with pytest.raises(TypeError, match="config key \"connections\": expected str, int or bool"):
        apnspush.Pusher(connections=value)


def test_config_values_accept_str_int_bool(mock):
    with apnspush.Pusher(
        **mock.config, connections=2, block_when_full=True, error_timeout_ms="500"
    ) as pusher:
        assert pusher.ensure_push(note(1)).kind == "accepted"
    assert mock.connections() >= 2


def test_push_wrong_types(mock):
    with apnspush.Pusher(**mock.config) as pusher:
        with pytest.raises(TypeError, match="expected an apnspush.Notification, not str"):
            pusher.push_async(GOOD)
        with pytest.raises(TypeError, match="not dict"):
            pusher.push_many([note(1), {"token": GOOD}])
        with pytest.raises(TypeError):
            pusher.push_many(5)
        with pytest.raises(ValueError, match="timeout must be a non-negative"):
            pusher.ensure_delivery(timeout=-1)
        with pytest.raises(TypeError):
            pusher.ensure_delivery(timeout="soon")
        with pytest.raises(TypeError, match="callback must be callable"):
            pusher.poll(0, callback=3)
        assert pusher.stats()["pushed"] == 0, "nothing queued by a refused call"
    assert mock.accepted_count() == 0


def test_connect_error():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(apnspush.ConnectError) as raised:
        apnspush.Pusher(protocol="binary", host="127.0.0.1", port=port, connect_timeout_ms=2000)
    assert raised.value.code == "CONNECT"
    assert isinstance(raised.value, ConnectionError)


def test_tls_error_with_the_wrong_ca(mock):
    with apnspush.MockServer() as other:
        config = dict(mock.config, ca_pem=other.ca_pem)
        with pytest.raises(apnspush.TlsError) as raised:
            apnspush.Pusher(**config)
    assert raised.value.code == "TLS"


def test_credentials_error_for_a_missing_file(mock, tmp_path):
    config = dict(mock.config, cert_pem="", cert_file=str(tmp_path / "missing.pem"))
    with pytest.raises(apnspush.CredentialsError, match="missing.pem"):
        apnspush.Pusher(**config)


def test_queue_full_in_non_blocking_mode(mock):
    # One notification in flight (never presumed accepted), one in the queue: the next is refused.
    pusher = apnspush.Pusher(
        **mock.config,
        block_when_full=False,
        queue_capacity=1,
        max_in_flight=1,
        error_timeout_ms=600_000,
    )
    ids = []
    with pytest.raises(apnspush.QueueFullError) as raised:
        for i in range(1000):
            ids.append(pusher.push_async(note(i)))
    assert isinstance(raised.value, BufferError)
    assert raised.value.code == "QUEUE_FULL"
    pusher.ensure_delivery(timeout=60)
    outcomes = pusher.poll(0)
    assert sorted(o.id for o in outcomes) == sorted(ids), "the refused one has no outcome"
    assert all(o.kind == "accepted" for o in outcomes)
    pusher.close()
    assert mock.accepted_count() == len(ids)


def test_full_queue_blocks_until_room(mock):
    pusher = apnspush.Pusher(
        **mock.config, queue_capacity=1, max_in_flight=1, error_timeout_ms=20
    )
    ids = [pusher.push_async(note(i)) for i in range(50)]
    ids += pusher.push_many([note(i) for i in range(50, 100)])
    pusher.ensure_delivery(timeout=120)
    outcomes = pusher.poll(0)
    assert sorted(o.id for o in outcomes) == sorted(ids)
    assert all(o.kind == "accepted" for o in outcomes)
    pusher.close()
    assert sorted(p for _, _, p, _ in mock.accepted()) == sorted(note(i).payload for i in range(100))


def test_error_hierarchy():
    codes = set(apnspush.ERROR_CLASSES)
    assert codes == {
        "BAD_TOKEN", "PAYLOAD_TOO_LARGE", "INVALID_JSON", "INVALID_ARGUMENT",
        "UNKNOWN_CONFIG_KEY", "INVALID_CONFIG_VALUE", "CONNECT", "TLS", "CREDENTIALS", "IO",
        "QUEUE_FULL", "CLOSED", "TIMEOUT", "PROTOCOL", "INTERNAL", "REJECTED",
    }
    for code, cls in apnspush.ERROR_CLASSES.items():
        assert issubclass(cls, apnspush.ApnsError) and cls.code == code
        assert cls.__module__ == "apnspush"
    assert issubclass(apnspush.TimeoutError, TimeoutError)
    assert issubclass(apnspush.QueueFullError, BufferError)
    assert issubclass(apnspush.UnknownConfigKeyError, apnspush.ConfigError)
    assert issubclass(apnspush.InvalidConfigValueError, apnspush.ConfigError)
