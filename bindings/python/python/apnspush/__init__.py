"""apnspush: an APNs provider engine that gives every notification exactly one final outcome.

Everything lives in the compiled module ``apnspush._apnspush``; this package re-exports it.
See docs/PYTHON.md for the API, the threading rules and the exceptions.
"""

from ._apnspush import (
    CONFIG_KEYS,
    ERROR_CLASSES,
    OUTCOME_FIELDS,
    STATS_FIELDS,
    ApnsError,
    BadTokenError,
    Channels,
    ClosedError,
    ConfigError,
    ConnectError,
    CredentialsError,
    Delivery,
    InvalidArgumentError,
    InvalidConfigValueError,
    InvalidJsonError,
    InternalError,
    IoError,
    MockServer,
    Notification,
    Outcome,
    PayloadTooLargeError,
    ProtocolError,
    Pusher,
    QueueFullError,
    RejectedError,
    TlsError,
    UnknownConfigKeyError,
    __version__,
    fetch_feedback,
)
from ._apnspush import TimeoutError as TimeoutError  # noqa: A004 (see __all__ below)
from . import aio as aio  # noqa: E402 (the asyncio face: apnspush.aio.Pusher)

# TimeoutError is left out of __all__ so that a star import does not shadow the builtin
# (it subclasses the builtin TimeoutError, so `except TimeoutError` still catches it).
__all__ = [
    "CONFIG_KEYS",
    "ERROR_CLASSES",
    "OUTCOME_FIELDS",
    "STATS_FIELDS",
    "ApnsError",
    "BadTokenError",
    "Channels",
    "ClosedError",
    "ConfigError",
    "ConnectError",
    "CredentialsError",
    "Delivery",
    "InvalidArgumentError",
    "InvalidConfigValueError",
    "InvalidJsonError",
    "InternalError",
    "IoError",
    "MockServer",
    "Notification",
    "Outcome",
    "PayloadTooLargeError",
    "ProtocolError",
    "Pusher",
    "QueueFullError",
    "RejectedError",
    "TlsError",
    "UnknownConfigKeyError",
    "__version__",
    "fetch_feedback",
]
