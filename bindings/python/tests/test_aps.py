"""The whole aps dictionary as keyword arguments: each reaches the HTTP/2 mock under Apple's key
name, a wrong type is a TypeError naming the option, an invalid value the core's
InvalidArgumentError naming the field, and a payload given with any of them is refused."""

import ast
import json

import pytest

import apnspush
from conftest import token
from test_stub import stub_tree

GOOD = token(1)

# Every payload field set, and the exact JSON the mock must receive (the core writes keys sorted).
EVERY_FIELD = dict(
    alert_title="T",
    alert_subtitle="S",
    alert_body="B",
    alert_launch_image="launch.png",
    alert_title_loc_key="TK",
    alert_title_loc_args=["t1", "t2"],
    alert_subtitle_loc_key="SK",
    alert_subtitle_loc_args=("s1",),
    alert_loc_key="LK",
    alert_loc_args=["l1", "l2", "l3"],
    badge=7,
    sound={"name": "siren.caf", "critical": True, "volume": 0.75},
    category="C",
    thread_id="th",
    content_available=True,
    mutable_content=True,
    target_content_id="window-1",
    interruption_level="time-sensitive",
    relevance_score=0.5,
    filter_criteria="work",
    url_args=["boarding", "A12"],
    custom={"n": None, "b": False, "i": -3, "f": 2.5, "s": "é", "l": [1, "x"], "o": {"k": [{}]}},
)
EVERY_FIELD_JSON = (
    '{"aps":{"alert":{"body":"B","launch-image":"launch.png","loc-args":["l1","l2","l3"],'
    '"loc-key":"LK","subtitle":"S","subtitle-loc-args":["s1"],"subtitle-loc-key":"SK",'
    '"title":"T","title-loc-args":["t1","t2"],"title-loc-key":"TK"},"badge":7,"category":"C",'
    '"content-available":1,"filter-criteria":"work","interruption-level":"time-sensitive",'
    '"mutable-content":1,"relevance-score":0.5,'
    '"sound":{"critical":1,"name":"siren.caf","volume":0.75},"target-content-id":"window-1",'
    '"thread-id":"th","url-args":["boarding","A12"]},'
    '"b":false,"f":2.5,"i":-3,"l":[1,"x"],"n":null,"o":{"k":[{}]},"s":"é"}'
)


def pushed(*notifications):
    """The payloads the HTTP/2 mock recorded for these notifications, in order."""
    with apnspush.MockServer(protocol="http2") as mock:
        with apnspush.Pusher(**mock.config) as pusher:
            for n in notifications:
                assert pusher.ensure_push(n, timeout=60).kind == "accepted"
        recorded = mock.accepted()
    assert [t for _, t, _, _ in recorded] == [n.token for n in notifications]
    return [p for _, _, p, _ in recorded]


def test_every_field_reaches_the_mock_as_apples_json():
    n = apnspush.Notification(GOOD, **EVERY_FIELD)
    assert n.push_type == "alert"
    assert pushed(n) == [EVERY_FIELD_JSON]


def test_a_critical_alert_and_a_time_sensitive_one():
    critical = apnspush.Notification(
        token(2),
        alert_loc_key="FLOOD_WARNING",
        alert_loc_args=["Ana", "3"],
        sound={"critical": True, "volume": 1, "name": "siren.caf"},
        interruption_level="critical",
    )
    urgent = apnspush.Notification(
        token(3), alert_body="Your ride is here", interruption_level="time-sensitive"
    )
    silent = apnspush.Notification(
        token(4), sound={"name": "s", "critical": True, "volume": 0.0}
    )
    named = apnspush.Notification(token(5), sound="chime.caf")
    assert pushed(critical, urgent, silent, named) == [
        '{"aps":{"alert":{"loc-args":["Ana","3"],"loc-key":"FLOOD_WARNING"},'
        '"interruption-level":"critical",'
        '"sound":{"critical":1,"name":"siren.caf","volume":1.0}}}',
        '{"aps":{"alert":{"body":"Your ride is here"},"interruption-level":"time-sensitive"}}',
        '{"aps":{"sound":{"critical":1,"name":"s","volume":0.0}}}',
        '{"aps":{"sound":"chime.caf"}}',
    ]


@pytest.mark.parametrize(
    "kwargs, field",
    [
        ({"interruption_level": "loud"}, "interruption-level"),
        ({"interruption_level": "Active"}, "interruption-level"),
        ({"relevance_score": 1.5}, "relevance-score"),
        ({"relevance_score": float("nan")}, "relevance-score"),
        ({"sound": {"name": "siren", "critical": True, "volume": -0.1}}, "sound volume"),
        ({"sound": {"name": "siren", "critical": True, "volume": float("nan")}}, "sound volume"),
        ({"sound": {"name": "", "critical": True, "volume": 0.5}}, "sound name"),
        ({"alert_loc_args": ["a"]}, "alert loc-args was set without alert loc-key"),
        ({"alert_title_loc_args": ["a"]}, "title-loc-args was set without alert title-loc-key"),
        ({"alert_subtitle_loc_args": []}, "subtitle-loc-args was set without"),
        ({"alert_loc_key": ""}, "alert loc-key is empty"),
    ],
)
def test_invalid_values_are_the_core_s_invalid_argument(kwargs, field):
    with pytest.raises(apnspush.InvalidArgumentError, match=field) as raised:
        apnspush.Notification(GOOD, alert_body="b", **kwargs)
    assert raised.value.code == "INVALID_ARGUMENT" and isinstance(raised.value, ValueError)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"alert_subtitle": 5}, "alert_subtitle must be a str, not int"),
        ({"target_content_id": 1.0}, "target_content_id must be a str, not float"),
        ({"interruption_level": ["critical"]}, "interruption_level must be a str, not list"),
        ({"alert_loc_args": "Ana"}, "alert_loc_args must be a list of str, not str"),
        ({"url_args": {"a": 1}}, "url_args must be a list of str, not dict"),
        ({"alert_title_loc_args": ["a", 2]}, r"alert_title_loc_args\[1\] must be a str, not int"),
        ({"relevance_score": "0.5"}, "relevance_score must be a float, not str"),
        ({"relevance_score": True}, "relevance_score must be a float, not bool"),
        ({"sound": 5}, "sound must be a str or a dict with exactly the keys .* not int"),
        ({"sound": ["siren"]}, "sound must be a str or a dict .* not list"),
        ({"sound": {"name": "s", "volume": 1.0}}, "not a dict with the keys 'name', 'volume'$"),
        (
            {"sound": {"name": "s", "critical": True, "volume": 1.0, "x": 1}},
            "keys 'name', 'critical', 'volume', 'x'",
        ),
        ({"sound": {}}, "not an empty dict"),
        (
            {"sound": {"name": "s", "critical": 1, "volume": 1.0}},
            r"sound\['critical'\] must be a bool, not int",
        ),
        (
            {"sound": {"name": 1, "critical": True, "volume": 1.0}},
            r"sound\['name'\] must be a str, not int",
        ),
        (
            {"sound": {"name": "s", "critical": True, "volume": "loud"}},
            r"sound\['volume'\] must be a float, not str",
        ),
        (
            {"sound_critical": {"name": "s", "volume": 1.0}},
            "unexpected keyword argument 'sound_critical'",
        ),
        ({"alert_subtitel": "x"}, "unexpected keyword argument 'alert_subtitel'"),
    ],
)
def test_wrong_types_are_type_errors_naming_the_option(kwargs, message):
    with pytest.raises(TypeError, match=message):
        apnspush.Notification(GOOD, **kwargs)


# Each new option with a valid value, and the field name the core's refusal gives it.
WITH_A_PAYLOAD = [
    ({"alert_subtitle": "s"}, "alert subtitle"),
    ({"alert_launch_image": "i"}, "alert launch-image"),
    ({"alert_title_loc_key": "k"}, "alert title-loc-key"),
    ({"alert_title_loc_args": ["a"]}, "alert title-loc-args"),
    ({"alert_subtitle_loc_key": "k"}, "alert subtitle-loc-key"),
    ({"alert_subtitle_loc_args": ["a"]}, "alert subtitle-loc-args"),
    ({"alert_loc_key": "k"}, "alert loc-key"),
    ({"alert_loc_args": ["a"]}, "alert loc-args"),
    ({"sound": {"name": "s", "critical": True, "volume": 1.0}}, "sound"),
    ({"sound": "s"}, "sound"),
    ({"target_content_id": "w"}, "target-content-id"),
    ({"interruption_level": "active"}, "interruption-level"),
    ({"relevance_score": 0.5}, "relevance-score"),
    ({"filter_criteria": "work"}, "filter-criteria"),
    ({"url_args": ["a"]}, "url-args"),
]


@pytest.mark.parametrize("kwargs, field", WITH_A_PAYLOAD)
def test_a_payload_with_any_field_is_refused(kwargs, field):
    with pytest.raises(apnspush.InvalidArgumentError, match="together with the fields") as raised:
        apnspush.Notification(GOOD, '{"aps":{}}', **kwargs)
    assert f"({field})" in raised.value.message


def test_a_sound_dict_with_critical_false_is_a_value_error():
    with pytest.raises(ValueError, match=r"sound\['critical'\] must be True") as raised:
        apnspush.Notification(GOOD, sound={"name": "s", "critical": False, "volume": 1.0})
    assert not isinstance(raised.value, apnspush.ApnsError)


def test_none_means_not_given():
    n = apnspush.Notification(GOOD, '{"aps":{}}', **{kwargs: None for kwargs in stub_keywords()})
    assert json.loads(n.payload) == {"aps": {}}


def stub_keywords():
    """The keyword-only parameters the stub declares for Notification()."""
    [cls] = [n for n in stub_tree().body if isinstance(n, ast.ClassDef) and n.name == "Notification"]
    [init] = [n for n in cls.body if isinstance(n, ast.FunctionDef) and n.name == "__init__"]
    return [a.arg for a in init.args.kwonlyargs]


def test_the_stub_declares_every_option_tested_here():
    keywords = set(stub_keywords())
    assert set(EVERY_FIELD) <= keywords
    assert {k for kwargs, _ in WITH_A_PAYLOAD for k in kwargs} <= keywords
