"""The engine's log records reach Python's `logging` (logger "apnspush", a child per target)
on the threads that call into apnspush, never on an engine thread, and never carry key
material, a full device token or a payload."""

import asyncio
import logging
import threading

import apnspush
from apnspush import aio
from conftest import note, token

GOAWAY_AFTER = 4
COUNT = 10
BAD = 5


def secrets_of(mock) -> list:
    """Lines of the key material in the mock's config, every token pushed, every payload."""
    config = mock.config
    lines = []
    for key in ("auth_key_pem", "key_pem", "cert_pem"):
        for line in config.get(key, "").splitlines():
            if len(line) >= 16 and not line.startswith("-----"):
                lines.append(line)
    return lines + [token(i) for i in range(COUNT)] + [note(i).payload for i in range(COUNT)]


def check(records, mock, thread, executor=False):
    """No secrets; each record handled on `thread` (or, with `executor`, on an asyncio
    executor thread running a close or connect)."""
    assert records, "no records"
    secrets = secrets_of(mock)
    for r in records:
        message = r.getMessage()
        assert not any(s in message for s in secrets), message
        on_executor = executor and r.threadName.startswith("asyncio_")
        assert r.thread == thread or on_executor, (r.threadName, message)
        assert r.name == "apnspush" or r.name.startswith("apnspush."), r.name


def messages(records, name, level):
    return [r.getMessage() for r in records if r.name == name and r.levelno == level]


def test_goaway_and_rejection_records_on_the_calling_thread(caplog):
    caplog.set_level(logging.DEBUG, logger="apnspush")  # before the pusher: sets the capture
    rules = {token(BAD): (400, "BadDeviceToken")}
    with apnspush.MockServer(
        protocol="http2", token_auth=True, http2_reject=rules, goaway_after=GOAWAY_AFTER
    ) as mock:
        with apnspush.Pusher(**mock.config) as pusher:
            pusher.push_many([note(i) for i in range(COUNT)])
            pusher.ensure_delivery(timeout=60)
            assert pusher.stats()["goaways"] >= 1
            failed = pusher.failed_notifications()
        records = [r for r in caplog.records if r.name.startswith("apnspush")]
        check(records, mock, threading.get_ident())
    assert [o.user_data for o in failed] == [BAD]
    goaways = messages(records, "apnspush.http2", logging.WARNING)
    assert any("GOAWAY" in m for m in goaways), goaways
    rejected = messages(records, "apnspush.outcome", logging.DEBUG)
    assert any("rejected" in m and "BadDeviceToken" in m for m in rejected), rejected
    # The device token appears as its first 8 hex digits only.
    assert any(token(BAD)[:8] + "…" in m for m in rejected), rejected


def test_records_reach_logging_in_the_aio_reader_callback(caplog):
    caplog.set_level(logging.INFO, logger="apnspush")
    with apnspush.MockServer(protocol="http2", goaway_after=GOAWAY_AFTER) as mock:

        async def main():
            async with await aio.Pusher.connect(**mock.config) as pusher:
                outcomes = await asyncio.gather(*(pusher.send(note(i)) for i in range(COUNT)))
                return threading.get_ident(), outcomes

        loop_thread, outcomes = asyncio.run(main())
        records = [r for r in caplog.records if r.name.startswith("apnspush")]
        check(records, mock, loop_thread, executor=True)
    assert all(o.accepted for o in outcomes)
    # Logged before the replayed notifications settled, so served by the reader callback that
    # took their outcomes: on the loop's thread.
    goaways = [r for r in records if "GOAWAY" in r.getMessage()]
    assert goaways and all(r.thread == loop_thread for r in goaways)
    assert all(r.levelno == logging.WARNING and r.name == "apnspush.http2" for r in goaways)
    assert not messages(records, "apnspush.outcome", logging.DEBUG), "below the level set"


def test_a_connect_failure_is_logged_before_the_error_is_raised(caplog):
    caplog.set_level(logging.WARNING, logger="apnspush")
    with apnspush.MockServer() as mock:
        config = mock.config
    try:
        apnspush.Pusher(**config, connect_timeout_ms=2000)
    except apnspush.ConnectError:
        pass
    warnings = messages(caplog.records, "apnspush.binary", logging.WARNING)
    assert any("connect" in m for m in warnings), [r.getMessage() for r in caplog.records]


def test_the_futures_dispatcher_serves_no_records(caplog):
    caplog.set_level(logging.DEBUG, logger="apnspush")
    with apnspush.MockServer(protocol="http2", goaway_after=GOAWAY_AFTER) as mock:
        with apnspush.Pusher(**mock.config) as pusher:
            futures = [pusher.submit(note(i)) for i in range(COUNT)]
            outcomes = [f.result(timeout=60) for f in futures]
            pusher.poll(0)  # serves the records here
        records = [r for r in caplog.records if r.name.startswith("apnspush")]
        check(records, mock, threading.get_ident())
    assert all(o.accepted for o in outcomes)
    assert any("GOAWAY" in r.getMessage() for r in records)
