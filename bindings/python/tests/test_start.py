"""connect_on_start: the default (eager) start raises the typed connect error; a lazy start
starts while nothing listens, queues, and delivers once the server is there."""

import socket

import pytest

import apnspush
from conftest import note


def closed_port() -> int:
    """A port on 127.0.0.1 with nothing listening."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def config_without_server() -> dict:
    with apnspush.MockServer(protocol="http2") as mock:
        config = mock.config
    config["port"] = closed_port()
    return config


def test_eager_start_raises_the_typed_connect_error():
    with pytest.raises(apnspush.ConnectError) as raised:
        apnspush.Pusher(**config_without_server(), connect_timeout_ms=2000)
    assert raised.value.code == "CONNECT" and isinstance(raised.value, ConnectionError)


def test_lazy_start_needs_no_server_and_fails_queued_ones_by_max_attempts():
    config = config_without_server()
    with apnspush.Pusher(
        **config, connect_on_start=False, max_attempts=2, reconnect_backoff_ms=10
    ) as pusher:
        assert pusher.stats()["connects"] == 0
        outcome = pusher.ensure_push(note(1), timeout=60)
    assert (outcome.kind, outcome.error, outcome.user_data) == ("failed", "CONNECT", 1)


def test_lazy_start_delivers_when_the_server_is_there(mock):
    with apnspush.Pusher(**mock.config, connect_on_start=False) as pusher:
        outcome = pusher.ensure_push(note(2), timeout=60)
    assert outcome.accepted and mock.accepted_count() == 1
