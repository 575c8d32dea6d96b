"""One source of truth: the stats keys and the outcome attributes are the core's lists."""

import apnspush
from conftest import note


def test_stats_keys_are_the_core_s_fields(mock):
    assert isinstance(apnspush.STATS_FIELDS, tuple) and "pushed" in apnspush.STATS_FIELDS
    with apnspush.Pusher(**mock.config) as pusher:
        pusher.ensure_push(note(1), timeout=60)
        stats = pusher.stats()
    assert sorted(stats) == sorted(apnspush.STATS_FIELDS)
    assert len(stats) == len(apnspush.STATS_FIELDS)
    assert isinstance(stats["last_error"], str)
    assert all(isinstance(v, int) for k, v in stats.items() if k != "last_error")


def test_outcomes_carry_the_core_s_fields(mock):
    assert isinstance(apnspush.OUTCOME_FIELDS, tuple) and "user_data" in apnspush.OUTCOME_FIELDS
    with apnspush.Pusher(**mock.config) as pusher:
        outcome = pusher.ensure_push(note(3), timeout=60)
    for field in apnspush.OUTCOME_FIELDS:
        assert hasattr(outcome, field), field
    assert {f for f in dir(apnspush.Outcome) if not f.startswith("_")} >= set(
        apnspush.OUTCOME_FIELDS
    )
