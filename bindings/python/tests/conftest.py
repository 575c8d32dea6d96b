"""Shared helpers: deterministic device tokens and a mock server per test."""

import json
import os

import pytest

import apnspush


def token(i: int) -> str:
    """A 32-byte device token (hex) unique to i."""
    return "5a" * 24 + "%016x" % i


def payload_index(payload: str) -> int:
    """The index a test put into a payload with `note(i)`."""
    return json.loads(payload)["i"]


def note(i: int, **options) -> apnspush.Notification:
    """Notification i: token(i), a payload naming i, user_data i."""
    return apnspush.Notification(
        token(i), alert_body=f"notification {i}", custom={"i": i}, user_data=i, **options
    )


@pytest.fixture
def mock():
    with apnspush.MockServer() as server:
        yield server


def outcomes_by_id(outcomes):
    """id -> outcome, failing on any id reported twice."""
    by_id = {}
    for o in outcomes:
        assert o.id not in by_id, f"outcome reported twice: {o!r}"
        by_id[o.id] = o
    return by_id


def threads() -> dict:
    """This process's threads, id -> name: a new thread shows as a new id even if another
    ended meanwhile."""
    names = {}
    for tid in os.listdir("/proc/self/task"):
        try:
            with open(f"/proc/self/task/{tid}/comm") as f:
                names[tid] = f.read().strip()
        except OSError:
            pass  # ended meanwhile
    return names


def new_threads(before: dict, after: dict) -> dict:
    return {tid: name for tid, name in after.items() if tid not in before}
