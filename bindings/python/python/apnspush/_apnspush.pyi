"""Type stub of the compiled module apnspush._apnspush (checked against it by tests/test_stub.py)."""

import builtins
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import Future
from types import TracebackType
from typing import Any, Literal, Optional, TypedDict, Union, overload

__version__: str
CONFIG_KEYS: dict[str, str]
"""Every configuration key with its default (string form)."""
ERROR_CLASSES: dict[str, type[ApnsError]]
"""Error code name (e.g. "BAD_TOKEN") -> exception class."""
STATS_FIELDS: tuple[str, ...]
"""Every key of Pusher.stats(), from the core's one list (apnspush::Stats::FIELDS)."""
OUTCOME_FIELDS: tuple[str, ...]
"""The attributes every Outcome carries, from the core's one list (apnspush::Outcome::FIELDS)."""

_ConfigValue = Union[str, int, bool]
_Token = Union[str, bytes, bytearray]
_Strings = Union[list[str], tuple[str, ...]]

class _CriticalSound(TypedDict):
    """aps.sound as the critical-alert dictionary, sent as {"critical": 1, "name", "volume"}."""

    name: str
    critical: Literal[True]
    volume: float

class _ChannelInfo(TypedDict):
    """One broadcast channel, as Channels.get returns it."""

    channel_id: str
    message_storage_policy: int
    push_type: str

class ApnsError(Exception):
    code: Optional[str]
    message: str

class BadTokenError(ApnsError, ValueError):
    code: str

class PayloadTooLargeError(ApnsError, ValueError):
    code: str

class InvalidJsonError(ApnsError, ValueError):
    code: str

class InvalidArgumentError(ApnsError, ValueError):
    code: str

class ConfigError(ApnsError): ...

class UnknownConfigKeyError(ConfigError):
    code: str

class InvalidConfigValueError(ConfigError, ValueError):
    code: str

class ConnectError(ApnsError, ConnectionError):
    code: str

class TlsError(ApnsError):
    code: str

class CredentialsError(ApnsError):
    code: str

class IoError(ApnsError, OSError):
    code: str

class QueueFullError(ApnsError, BufferError):
    code: str

class ClosedError(ApnsError):
    code: str

class TimeoutError(ApnsError, builtins.TimeoutError):
    code: str

class ProtocolError(ApnsError):
    code: str

class InternalError(ApnsError):
    code: str

class RejectedError(ApnsError):
    code: str
    status: int
    """Apple's HTTP status (e.g. 404); set on every raised instance."""
    reason: str
    """Apple's reason (e.g. "ChannelNotRegistered"); set on every raised instance."""

class Notification:
    """An immutable, validated notification; pushing copies it. It goes to a device token, or
    with channel_id (and no token) to a broadcast channel."""

    def __init__(
        self,
        token: Optional[_Token] = None,
        payload: Union[str, bytes, Mapping[str, Any], None] = None,
        *,
        alert_title: Optional[str] = None,
        alert_body: Optional[str] = None,
        alert_subtitle: Optional[str] = None,
        alert_launch_image: Optional[str] = None,
        alert_title_loc_key: Optional[str] = None,
        alert_title_loc_args: Optional[_Strings] = None,
        alert_subtitle_loc_key: Optional[str] = None,
        alert_subtitle_loc_args: Optional[_Strings] = None,
        alert_loc_key: Optional[str] = None,
        alert_loc_args: Optional[_Strings] = None,
        badge: Optional[int] = None,
        sound: Union[str, _CriticalSound, None] = None,
        category: Optional[str] = None,
        thread_id: Optional[str] = None,
        content_available: Optional[bool] = None,
        mutable_content: Optional[bool] = None,
        target_content_id: Optional[str] = None,
        interruption_level: Optional[str] = None,
        relevance_score: Optional[float] = None,
        filter_criteria: Optional[str] = None,
        url_args: Optional[_Strings] = None,
        event: Optional[str] = None,
        content_state: Optional[Mapping[str, Any]] = None,
        timestamp: Optional[int] = None,
        stale_date: Optional[int] = None,
        dismissal_date: Optional[int] = None,
        attributes_type: Optional[str] = None,
        attributes: Optional[Mapping[str, Any]] = None,
        channel_id: Optional[str] = None,
        custom: Optional[Mapping[str, Any]] = None,
        expiry: Optional[int] = None,
        priority: Optional[int] = None,
        topic: Optional[str] = None,
        push_type: Optional[str] = None,
        collapse_id: Optional[str] = None,
        apns_id: Optional[str] = None,
        user_data: Optional[int] = None,
    ) -> None: ...
    @property
    def token(self) -> str:
        """Lower-case hex; "" for a broadcast."""
    @property
    def token_bytes(self) -> bytes: ...
    @property
    def channel_id(self) -> Optional[str]:
        """The broadcast channel it is sent on; None when sent to a device token."""
    @property
    def payload(self) -> str: ...
    @property
    def expiry(self) -> Optional[int]:
        """Epoch seconds; None when unset (APNs stores and retries), 0 = one attempt only."""
    @property
    def priority(self) -> int: ...
    @property
    def topic(self) -> Optional[str]: ...
    @property
    def push_type(self) -> Optional[str]:
        """As given, or inferred from aps when not given ("alert"/"background"), or None."""
    @property
    def collapse_id(self) -> Optional[str]: ...
    @property
    def apns_id(self) -> Optional[str]: ...
    @property
    def user_data(self) -> int: ...

class Outcome:
    """The final outcome of one notification."""

    @property
    def id(self) -> int: ...
    @property
    def kind(self) -> str:
        """"accepted", "rejected", "failed", "expired" or "cancelled"."""
    @property
    def status(self) -> int: ...
    @property
    def reason(self) -> str: ...
    @property
    def error(self) -> Optional[str]:
        """Error code name behind a failed outcome (e.g. "CLOSED"), else None."""
    @property
    def timestamp(self) -> Optional[int]: ...
    @property
    def token(self) -> str: ...
    @property
    def channel_id(self) -> Optional[str]:
        """The broadcast channel it was sent on; None when sent to a device token."""
    @property
    def apns_id(self) -> Optional[str]: ...
    @property
    def confirmed(self) -> bool: ...
    @property
    def attempts(self) -> int: ...
    @property
    def user_data(self) -> int: ...
    @property
    def accepted(self) -> bool: ...

class Pusher:
    """An APNs provider; connects at construction. Keyword arguments are the config keys."""

    def __init__(
        self,
        *,
        on_outcome: Optional[Callable[[Outcome], object]] = None,
        **config: _ConfigValue,
    ) -> None: ...
    def push_async(self, notification: Notification) -> int: ...
    def submit(self, notification: Notification) -> Future[Outcome]:
        """Enqueues like push_async; a concurrent.futures.Future of the Outcome, completed by
        the pusher's one dispatcher thread. Exception to concurrent.futures' contract: a done
        callback added before completion runs on the thread that next calls poll (or push,
        ensure_push, ensure_delivery, close), never on the dispatcher thread; cancel() returns
        False."""
    def push_many(self, notifications: Iterable[Notification]) -> list[int]: ...
    def push(self, notification: Notification, timeout: Optional[float] = None) -> int: ...
    def ensure_push(
        self, notification: Notification, timeout: Optional[float] = None
    ) -> Outcome: ...
    def ensure_delivery(self, timeout: Optional[float] = None) -> None: ...
    def delivery(self, timeout: Optional[float] = None) -> Delivery: ...
    def failed_notifications(self) -> list[Outcome]: ...
    @overload
    def poll(self, timeout: Optional[float], callback: Callable[[Outcome], object]) -> int: ...
    @overload
    def poll(
        self, timeout: Optional[float] = 0.0, *, callback: Callable[[Outcome], object]
    ) -> int: ...
    @overload
    def poll(self, timeout: Optional[float] = 0.0, callback: None = None) -> list[Outcome]:
        """The outcomes served (each handed to on_outcome first, when the pusher has one)."""
    def stats(self) -> dict[str, Any]:
        """Counters as ints; "last_error" is a str (empty if none)."""
    def close(self, timeout: Optional[float] = None) -> dict[str, int]: ...
    def __enter__(self) -> Pusher: ...
    def __exit__(
        self,
        exc_type: Optional[type[BaseException]],
        exc: Optional[BaseException],
        tb: Optional[TracebackType],
    ) -> bool: ...

class Delivery:
    """Returned by Pusher.delivery(); ensures delivery when the with-block exits normally."""

    def __enter__(self) -> Pusher: ...
    def __exit__(
        self,
        exc_type: Optional[type[BaseException]] = None,
        exc: Optional[BaseException] = None,
        tb: Optional[TracebackType] = None,
    ) -> bool: ...

class MockServer:
    """The built-in mock APNs gateway (binary, or the HTTP/2 provider API) and feedback service
    (TLS on 127.0.0.1). Knobs the chosen protocol would ignore raise ValueError."""

    def __init__(
        self,
        *,
        protocol: str = "binary",
        reject: Optional[Mapping[_Token, int]] = None,
        drop_after: Optional[int] = None,
        shutdown_after: Optional[int] = None,
        close_silently_after: Optional[int] = None,
        error_delay: float = 0.0,
        record_payloads: bool = True,
        require_client_cert: Optional[bool] = None,
        feedback: Optional[Iterable[tuple[int, _Token]]] = None,
        token_auth: bool = False,
        http2_reject: Optional[Mapping[_Token, tuple[int, str]]] = None,
        goaway_after: Optional[int] = None,
        fail_every: Optional[tuple[int, int]] = None,
        max_concurrent_streams: Optional[int] = None,
        response_delay: float = 0.0,
        stall_after: Optional[int] = None,
        expire_token_after: Optional[int] = None,
        max_channels: Optional[int] = None,
    ) -> None: ...
    @property
    def config(self) -> dict[str, Any]:
        """Config keys -> str values (typed Any so that Pusher(**mock.config) type-checks)."""
    @property
    def protocol(self) -> str:
        """"binary" or "http2"."""
    @property
    def host(self) -> str: ...
    @property
    def port(self) -> int: ...
    @property
    def feedback_port(self) -> int: ...
    @property
    def channel_port(self) -> int:
        """HTTP/2: the channel management port (same host); 0 in binary mode."""
    @property
    def ca_pem(self) -> str: ...
    @property
    def client_cert_pem(self) -> str: ...
    @property
    def client_key_pem(self) -> str: ...
    def accepted(self) -> list[tuple[int, str, str, Optional[str]]]:
        """(identifier, token_hex, payload, apns_id); apns_id is None in binary mode."""
    def accepted_count(self) -> int: ...
    def rejected(self) -> list[tuple[int, str, int]]:
        """Binary error-responses: (identifier, token_hex, status)."""
    def http2_rejected(self) -> list[tuple[str, int, str]]:
        """HTTP/2 answers other than 200: (token_hex, status, reason)."""
    def markers(self) -> int: ...
    def connections(self) -> int: ...
    def tokens_seen(self) -> int:
        """HTTP/2 token auth: distinct authentic provider tokens seen."""
    def requests_per_connection(self) -> list[tuple[int, int]]:
        """HTTP/2: (connection, request streams opened on it), by connection number."""
    def http2_requests(self) -> list[dict[str, Optional[str]]]:
        """HTTP/2 delivery headers of every request judged: token, expiration, push_type,
        topic, priority, collapse_id (str or None)."""
    def broadcasts(self) -> list[tuple[str, str, str, str, int]]:
        """HTTP/2 broadcasts accepted: (bundle_id, channel_id, apns_id, payload, connection)."""
    def channels_json(self) -> str:
        """HTTP/2: the channel registry and broadcasts as JSON text (docs/CHANNELS.md)."""
    def add_channel(self, bundle_id: str, policy: int = 0) -> str:
        """HTTP/2: creates a channel without a request; returns its id."""
    def channel_ids(self, bundle_id: str) -> list[str]:
        """HTTP/2: the live channel ids of bundle_id, in creation order."""
    def reject_token(
        self, token: _Token, status: int, reason: Optional[str] = None
    ) -> None:
        """Binary: status 0-255, no reason. HTTP/2: status 400-599 and a reason."""
    def set_feedback(self, tuples: Iterable[tuple[int, _Token]]) -> None: ...
    def wait_accepted(self, n: int, timeout: Optional[float] = None) -> bool: ...
    def clear(self) -> None: ...
    def stop(self) -> None: ...
    def __enter__(self) -> MockServer: ...
    def __exit__(self, *exc: object) -> bool: ...

class Channels:
    """Broadcast channel management for the app whose bundle id is the `topic` key; connects
    at construction. Keyword arguments are the config keys. Blocking calls release the GIL;
    APNs' refusals raise RejectedError (.status, .reason)."""

    def __init__(self, **config: _ConfigValue) -> None: ...
    @property
    def bundle_id(self) -> str: ...
    def create(self, policy: int = 0) -> str:
        """A new Live Activity channel's id; policy 0 stores no message, 1 the most recent."""
    def get(self, channel_id: str) -> _ChannelInfo: ...
    def list(self) -> builtins.list[str]: ...
    def delete(self, channel_id: str) -> None: ...
    def close(self) -> None:
        """Idempotent; later calls raise ClosedError."""
    def __enter__(self) -> Channels: ...
    def __exit__(self, *exc: object) -> bool: ...

def fetch_feedback(**config: _ConfigValue) -> list[tuple[int, str]]: ...
