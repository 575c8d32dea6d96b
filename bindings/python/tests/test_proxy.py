"""The `proxy` config key through the Python face (pushes and channel management), against a
real HTTP CONNECT proxy
(tinyproxy, started by tests/proxy/tinyproxy.sh with BasicAuth) and the HTTP/2 mock."""

import pathlib
import subprocess
from collections import Counter

import pytest

import apnspush
from conftest import note, outcomes_by_id, payload_index, token

HELPER = pathlib.Path(__file__).resolve().parents[3] / "tests" / "proxy" / "tinyproxy.sh"
N = 500
BAD = {123, 456}


@pytest.fixture
def tinyproxy():
    """(port, log path) of a tinyproxy requiring user:secret; stopped after the test."""
    helper = subprocess.Popen(
        ["bash", str(HELPER), "user", "secret"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        line = helper.stdout.readline().split()
        if len(line) != 3 or not line[0].isdigit():
            pytest.fail(f"tests/proxy/tinyproxy.sh: {' '.join(line) or 'no output'}")
        yield int(line[0]), pathlib.Path(line[1])
    finally:
        helper.terminate()
        helper.communicate(timeout=60)


def test_pushes_go_through_the_proxy_and_a_wrong_password_is_a_credentials_error(tinyproxy):
    port, log = tinyproxy
    rules = {token(i): (400, "BadDeviceToken") for i in BAD}
    with apnspush.MockServer(protocol="http2", http2_reject=rules) as mock:
        proxy = f"http://user:secret@127.0.0.1:{port}"
        with apnspush.Pusher(**mock.config, proxy=proxy) as pusher:
            ids = {pusher.push_async(note(i)): i for i in range(N)}
            pusher.ensure_delivery(timeout=120)
            outcomes = outcomes_by_id(pusher.poll(0))
        accepted = mock.accepted()
        rejected = mock.http2_rejected()
        connect = f"CONNECT 127.0.0.1:{mock.port} HTTP/1.1"
        tunnels = [line for line in log.read_text().splitlines() if line.endswith(connect)]

        with pytest.raises(apnspush.CredentialsError) as e:
            apnspush.Pusher(**mock.config, proxy=f"http://user:wrong-pw-0451@127.0.0.1:{port}")
        assert "refused the credentials" in str(e.value)
        assert "wrong-pw-0451" not in str(e.value) and "secret" not in str(e.value)

    assert set(outcomes) == set(ids)
    kinds = Counter(o.kind for o in outcomes.values())
    assert kinds == {"accepted": N - len(BAD), "rejected": len(BAD)}
    assert {ids[i] for i, o in outcomes.items() if o.kind == "rejected"} == BAD
    seen = Counter(payload_index(p) for _, _, p, _ in accepted)
    assert set(seen) == set(range(N)) - BAD and max(seen.values()) == 1
    assert sorted(tok for tok, _, _ in rejected) == sorted(token(i) for i in BAD)
    assert len(tunnels) >= 1, "tinyproxy logged no CONNECT to the mock"


def test_channel_management_goes_through_the_proxy(tinyproxy):
    port, log = tinyproxy
    with apnspush.MockServer(protocol="http2") as mock:
        proxy = f"http://user:secret@127.0.0.1:{port}"
        with apnspush.Channels(**mock.config, topic="com.example.app", proxy=proxy) as channels:
            created = channels.create(1)
            assert channels.list() == [created]
        assert mock.channel_ids("com.example.app") == [created]
        with pytest.raises(apnspush.CredentialsError):
            apnspush.Channels(**mock.config, topic="com.example.app",
                              proxy=f"http://user:wrong-pw-0451@127.0.0.1:{port}")
        connect = f"CONNECT 127.0.0.1:{mock.channel_port} HTTP/1.1"
    assert any(line.endswith(connect) for line in log.read_text().splitlines())
