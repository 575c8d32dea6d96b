"""The reference producer (apnspush.redis_queue) against a real redis-server and the
`apnspush worker` binary: 1,000 notifications with bad tokens in, exactly 1,000 outcomes out,
the bad ones rejected with the mock's reason; an invalid one lands in the dead letters."""

import json
import os
import socket
import subprocess
import tempfile
import time

import pytest
import redis

import apnspush
from apnspush.redis_queue import (
    OUTCOME_FIELDS, enqueue, enqueue_many, read_dead_letters, read_outcomes,
)

from conftest import token

ROOT = os.path.join(os.path.dirname(__file__), "..", "..", "..")


def apnspush_binary() -> str:
    """The command-line binary, built (or found up to date) by cargo in release."""
    build = subprocess.run(
        ["cargo", "build", "--locked", "--release", "-p", "apnspush-cli",
         "--message-format=json-render-diagnostics"],
        cwd=ROOT, capture_output=True, text=True, timeout=1800, check=True)
    for line in build.stdout.splitlines():
        msg = json.loads(line)
        if msg.get("reason") == "compiler-artifact" and msg.get("executable") \
                and msg["target"]["name"] == "apnspush":
            return msg["executable"]
    raise AssertionError("cargo built no apnspush binary")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def redis_server():
    """redis-server on a free loopback port (scripts/deps-redis.sh installs it), killed after."""
    port = free_port()
    with tempfile.TemporaryDirectory() as tmp:
        server = subprocess.Popen(
            ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", tmp],
            stdout=subprocess.DEVNULL)
        client = redis.Redis(host="127.0.0.1", port=port)
        deadline = time.monotonic() + 20
        while True:
            try:
                client.ping()
                break
            except redis.ConnectionError:
                assert time.monotonic() < deadline, "redis-server did not start"
                time.sleep(0.02)
        try:
            yield port, client
        finally:
            server.kill()
            server.wait()


def test_a_producer_gets_exactly_one_outcome_per_notification(redis_server, tmp_path):
    port, client = redis_server
    bad = {i for i in range(1000) if i % 97 == 5}
    with apnspush.MockServer(
            protocol="http2", record_payloads=False,
            http2_reject={token(i): (400, "BadDeviceToken") for i in bad}) as mock:
        config = tmp_path / "mock.json"
        config.write_text(json.dumps(mock.config))
        first = enqueue(client, {"ref": {"order": 0}, "token": token(0), "alert": "n0",
                                 "topic": "com.example"})
        ids = [first] + enqueue_many(
            client, ({"ref": {"order": i}, "token": token(i), "alert": f"n{i}",
                      "topic": "com.example"} for i in range(1, 1000)))
        dead = enqueue(client, {"token": "zz", "alert": "x"})
        worker = subprocess.run(
            [apnspush_binary(), "worker", "--redis", f"redis://127.0.0.1:{port}",
             "--config", str(config), "--exit-idle-ms", "500"],
            capture_output=True, text=True, timeout=120, check=False)
        assert worker.returncode == 0, worker.stderr
        assert mock.accepted_count() == 1000 - len(bad)

    outcomes, after = [], "0-0"
    while True:
        page = read_outcomes(client, after=after, count=300)
        if not page:
            break
        outcomes.extend(o for _, o in page)
        after = page[-1][0]
    assert len(outcomes) == 1000
    by_entry = {o["entry"]: o for o in outcomes}
    assert len(by_entry) == 1000
    for i, entry in enumerate(ids):
        o = by_entry[entry]
        assert set(o) == set(OUTCOME_FIELDS)
        assert o["ref"] == {"order": i}
        assert o["token"] == token(i) and o["channel_id"] is None
        assert o["attempts"] == 1 and o["duplicate_possible"] is False
        if i in bad:
            assert (o["kind"], o["status"], o["reason"]) == ("rejected", 400, "BadDeviceToken")
        else:
            assert (o["kind"], o["status"]) == ("accepted", 200)
            assert len(o["apns_id"]) == 36
    letters = read_dead_letters(client)
    assert [(d["entry"], "hex" in d["reason"]) for _, d in letters] == [(dead, True)]
    assert client.xpending("apnspush:notifications", "apnspush")["pending"] == 0


def test_enqueue_refuses_a_notification_without_a_target(redis_server):
    _, client = redis_server
    with pytest.raises(ValueError, match="token or channel_id"):
        enqueue(client, {"alert": "x"})
    with pytest.raises(TypeError):
        enqueue(client, "not a dict")
