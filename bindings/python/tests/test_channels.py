"""Broadcast channels through the Python face, against the HTTP/2 mock's management API and
gateway: create (both policies), get, list, delete, Apple's refusals as RejectedError with
.status and .reason, the channel limit, bad arguments refused before any request, and a
broadcast on a created channel (accepted, recorded by the mock) next to one on an unknown
channel (rejected)."""

import asyncio
import json

import pytest

import apnspush
from conftest import token

BUNDLE = "com.example.app"
TOPIC = BUNDLE + ".push-type.liveactivity"
UNKNOWN = "dW5rbm93bg=="


@pytest.fixture
def mock():
    with apnspush.MockServer(protocol="http2") as server:
        yield server


def registry(mock):
    return json.loads(mock.channels_json())


def test_create_get_list_and_delete(mock):
    with apnspush.Channels(**mock.config, topic=TOPIC) as channels:
        assert channels.bundle_id == BUNDLE
        assert repr(channels) == "Channels(bundle_id='com.example.app')"
        kept, stored = channels.create(), channels.create(1)
        assert kept != stored
        assert channels.get(kept) == {
            "channel_id": kept,
            "message_storage_policy": 0,
            "push_type": "LiveActivity",
        }
        assert channels.get(stored)["message_storage_policy"] == 1
        assert sorted(channels.list()) == sorted([kept, stored])
        assert mock.channel_ids(BUNDLE) == [kept, stored]
        assert channels.delete(kept) is None
        assert channels.list() == [stored]
        with pytest.raises(apnspush.RejectedError) as raised:
            channels.get(kept)
        e = raised.value
        assert (e.status, e.reason, e.code) == (404, "ChannelNotRegistered", "REJECTED")
        assert e.message == "ChannelNotRegistered (status 404)"
        with pytest.raises(apnspush.RejectedError) as raised:
            channels.delete(kept)
        assert (raised.value.status, raised.value.reason) == (404, "ChannelNotRegistered")
    record = registry(mock)
    assert record["apps"] == {
        BUNDLE: [{"channel-id": stored, "message-storage-policy": 1, "push-type": "LiveActivity"}]
    }
    assert record["deleted"] == {BUNDLE: [kept]}
    assert record["management_answers"] == {"201": 2, "200": 4, "204": 1, "404": 2}


def test_the_channel_limit_is_apples_refusal():
    with apnspush.MockServer(protocol="http2", max_channels=2) as mock:
        first = mock.add_channel(BUNDLE, 1)
        with apnspush.Channels(**mock.config, topic=BUNDLE) as channels:
            second = channels.create()
            with pytest.raises(apnspush.RejectedError) as raised:
                channels.create(1)
            assert (raised.value.status, raised.value.reason) == (400, "CannotCreateChannelConfig")
            assert channels.list() == [first, second]
        assert registry(mock)["limit"] == 2
        with pytest.raises(apnspush.InvalidArgumentError):
            mock.add_channel(BUNDLE, 0)


def test_bad_arguments_are_refused_without_a_request(mock):
    with apnspush.Channels(**mock.config, topic=BUNDLE) as channels:
        with pytest.raises(apnspush.InvalidArgumentError, match="message storage policy 2"):
            channels.create(2)
        with pytest.raises(TypeError, match="policy must be an int \\(0 or 1\\), not bool"):
            channels.create(True)
        with pytest.raises(TypeError, match="policy must be an int \\(0 or 1\\), not str"):
            channels.create("1")
        with pytest.raises(apnspush.InvalidArgumentError, match="channel id"):
            channels.get("not base64!")
        with pytest.raises(apnspush.InvalidArgumentError, match="channel id"):
            channels.delete("")
        with pytest.raises(TypeError, match="channel_id must be a str, not int"):
            channels.get(5)
    assert registry(mock)["management_answers"] == {}
    channels.close()  # idempotent
    with pytest.raises(apnspush.ClosedError):
        channels.list()
    with pytest.raises(apnspush.InvalidConfigValueError, match="topic"):
        apnspush.Channels(**mock.config)
    with pytest.raises(apnspush.UnknownConfigKeyError):
        apnspush.Channels(**mock.config, topic=BUNDLE, colour="red")


def test_a_broadcast_on_a_created_channel_is_accepted_and_an_unknown_one_rejected(mock):
    with apnspush.Channels(**mock.config, topic=TOPIC) as channels:
        live = channels.create()

    def on(channel_id):
        return apnspush.Notification(
            channel_id=channel_id, event="update", timestamp=1_700_000_000,
            content_state={"score": "3-1"}, user_data=7,
        )

    with apnspush.Pusher(**mock.config, topic=TOPIC) as pusher:
        accepted = pusher.ensure_push(on(live), timeout=60)
        unknown = pusher.ensure_push(on(UNKNOWN), timeout=60)
        device = pusher.ensure_push(apnspush.Notification(token(1), alert_body="b"), timeout=60)
    assert (accepted.kind, accepted.channel_id, accepted.token, accepted.user_data) == (
        "accepted", live, "", 7,
    )
    assert (unknown.kind, unknown.status, unknown.reason, unknown.channel_id) == (
        "rejected", 404, "ChannelNotRegistered", UNKNOWN,
    )
    assert device.kind == "accepted" and device.channel_id is None
    payload = '{"aps":{"content-state":{"score":"3-1"},"event":"update","timestamp":1700000000}}'
    [(bundle, channel, apns_id, body, _connection)] = mock.broadcasts()
    assert (bundle, channel, apns_id, body) == (BUNDLE, live, accepted.apns_id, payload)
    assert registry(mock)["broadcasts_per_channel"] == {live: 1}
    broadcast = mock.http2_requests()[0]
    assert (broadcast["token"], broadcast["push_type"], broadcast["topic"]) == (
        "", "liveactivity", None,
    )
    assert mock.http2_rejected() == [("", 404, "ChannelNotRegistered")]
    # A broadcast counts as an accepted notification, with no token.
    assert [t for _, t, _, _ in mock.accepted()] == ["", token(1)]


def test_the_asyncio_face():
    async def main(config):
        async with await apnspush.aio.Channels.connect(**config, topic=BUNDLE) as channels:
            assert isinstance(channels.sync, apnspush.Channels)
            created = await channels.create(1)
            info = await channels.get(created)
            listed = await channels.list()
            await channels.delete(created)
            with pytest.raises(apnspush.RejectedError) as raised:
                await channels.get(created)
            return created, info, listed, raised.value

    with apnspush.MockServer(protocol="http2") as mock:
        created, info, listed, error = asyncio.run(main(mock.config))
        assert mock.channel_ids(BUNDLE) == []
    assert info == {"channel_id": created, "message_storage_policy": 1, "push_type": "LiveActivity"}
    assert listed == [created]
    assert (error.status, error.reason) == (404, "ChannelNotRegistered")


def test_mock_channel_knobs_are_http2_only():
    with pytest.raises(ValueError, match="max_channels applies only to protocol=\"http2\""):
        apnspush.MockServer(max_channels=3)
    with apnspush.MockServer() as binary:
        assert binary.channel_port == 0 and binary.broadcasts() == []
    with apnspush.MockServer(protocol="http2") as mock:
        assert mock.channel_port not in (0, mock.port)
        assert mock.config["channel_port"] == str(mock.channel_port)
    assert mock.broadcasts() == [] and json.loads(mock.channels_json())["apps"] == {}
