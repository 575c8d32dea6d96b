"""Producer helpers for ``apnspush worker`` (docs/WORKER.md), with redis-py.

The worker reads notifications from a Redis stream and writes one outcome entry per
notification entry to another. This module is the producer's side of that schema:

- ``enqueue(client, notification)`` adds one notification: an entry with one field ``n``
  holding the notification as JSON, exactly a line of ``apnspush send``'s JSONL input
  (``token`` or ``channel_id``, ``payload`` or the builder fields, ``topic``, ``ref``...).
- ``read_outcomes(client, after)`` reads outcome entries with their fields decoded.

``client`` is a ``redis.Redis`` (any client with ``xadd``/``xread``/``pipeline``). Nothing here
needs the compiled extension; it only shapes entries. Thread safety is redis-py's.
"""

import json
from typing import Any, Dict, Iterable, List, Mapping, Optional, Tuple

NOTIFICATIONS = "apnspush:notifications"
OUTCOMES = "apnspush:outcomes"
DEAD_LETTERS = "apnspush:dead"

#: The fields of an outcome entry, in the order the worker writes them.
OUTCOME_FIELDS = (
    "entry", "ref", "token", "channel_id", "kind", "status", "reason", "timestamp",
    "apns_id", "attempts", "duplicate_possible", "worker",
)


def _value(notification: Mapping[str, Any]) -> str:
    if not isinstance(notification, Mapping):
        raise TypeError("a notification is a dict of send's JSONL keys (docs/CLI.md)")
    if "token" not in notification and "channel_id" not in notification:
        raise ValueError("a notification needs token or channel_id")
    return json.dumps(notification, separators=(",", ":"))


def enqueue(client, notification: Mapping[str, Any], stream: str = NOTIFICATIONS,
            maxlen: Optional[int] = None) -> str:
    """Adds one notification; returns its entry id (the outcome's ``entry``).

    ``maxlen`` trims the stream approximately (``MAXLEN ~``); leave it ``None`` unless the
    workers keep up, since a trimmed entry that is still pending is never pushed.
    Raises TypeError/ValueError for a notification with no target, redis errors as redis-py
    raises them."""
    entry = client.xadd(stream, {"n": _value(notification)}, maxlen=maxlen,
                        approximate=True)
    return entry.decode() if isinstance(entry, bytes) else entry


def enqueue_many(client, notifications: Iterable[Mapping[str, Any]],
                 stream: str = NOTIFICATIONS, batch: int = 1000) -> List[str]:
    """Adds many notifications with pipelined XADDs (``batch`` per round trip); returns the
    entry ids in order."""
    ids: List[str] = []
    pipe = client.pipeline(transaction=False)
    pending = 0
    for notification in notifications:
        pipe.xadd(stream, {"n": _value(notification)})
        pending += 1
        if pending == batch:
            ids.extend(_text(i) for i in pipe.execute())
            pending = 0
    if pending:
        ids.extend(_text(i) for i in pipe.execute())
    return ids


def _text(v) -> str:
    return v.decode() if isinstance(v, bytes) else str(v)


def decode_outcome(fields: Mapping) -> Dict[str, Any]:
    """An outcome entry's fields as Python values: ``ref`` JSON-decoded (None if the
    notification had none), ``status`` and ``attempts`` ints, ``timestamp`` an int or None,
    ``token``/``channel_id``/``apns_id`` None when empty, ``duplicate_possible`` a bool."""
    f = {_text(k): _text(v) for k, v in fields.items()}
    return {
        "entry": f["entry"],
        "ref": json.loads(f["ref"]) if f.get("ref") else None,
        "token": f.get("token") or None,
        "channel_id": f.get("channel_id") or None,
        "kind": f["kind"],
        "status": int(f["status"]),
        "reason": f.get("reason", ""),
        "timestamp": int(f["timestamp"]) if f.get("timestamp") else None,
        "apns_id": f.get("apns_id") or None,
        "attempts": int(f["attempts"]),
        "duplicate_possible": f.get("duplicate_possible") == "true",
        "worker": f.get("worker", ""),
    }


def read_outcomes(client, after: str = "0-0", count: int = 1000,
                  block_ms: Optional[int] = None,
                  stream: str = OUTCOMES) -> List[Tuple[str, Dict[str, Any]]]:
    """Up to ``count`` outcome entries written after the entry id ``after`` (``"0-0"``: from
    the start), as ``(outcome entry id, decoded outcome)``; waits up to ``block_ms`` for the
    first (``None``: no wait). Pass the last id returned as ``after`` to read on. An
    application with several readers gives the outcome stream a consumer group of its own
    instead."""
    reply = client.xread({stream: after}, count=count, block=block_ms)
    out = []
    for _name, entries in reply or []:
        for entry_id, fields in entries:
            out.append((_text(entry_id), decode_outcome(fields)))
    return out


def read_dead_letters(client, after: str = "0-0", count: int = 1000,
                      stream: str = DEAD_LETTERS) -> List[Tuple[str, Dict[str, str]]]:
    """Dead-letter entries after ``after``: ``{"entry", "reason", "n"}`` (``n`` the raw value,
    empty if the entry had none)."""
    reply = client.xread({stream: after}, count=count)
    return [(_text(i), {_text(k): _text(v) for k, v in fields.items()})
            for _name, entries in reply or [] for i, fields in entries]
