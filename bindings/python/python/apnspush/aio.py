"""asyncio face: `pusher = await apnspush.aio.Pusher.connect(**config)`, `await pusher.send(n)`.

Every future of a pusher is resolved on its event loop's own thread by one dispatcher: the
engine appends completions to a queue whose wake function writes one byte to a socket the loop
watches (`loop.add_reader`); the reader callback takes the completions and resolves the futures.
No thread per wait, and the loop is never blocked: on a full send queue a send waits in a FIFO
for room (or raises `QueueFullError` at once with `block_when_full=False`).

A pusher belongs to the loop that connected it: call its methods from that loop's thread.

`channels = await apnspush.aio.Channels.connect(**config)`: broadcast channel management, each
request run by `apnspush.Channels` in the loop's default executor (the loop is never blocked).
"""

from __future__ import annotations

import asyncio
import collections
import functools
from typing import Any, Deque, Dict, List, Optional, Tuple, Union

from . import _apnspush
from ._apnspush import ClosedError, Notification, Outcome

__all__ = ["Pusher", "Channels"]

# Kinds of completion items (see bindings/python/src/completions.rs).
_SETTLED, _WRITTEN, _DELIVERED, _ROOM = 0, 1, 2, 3


class Pusher:
    """An APNs provider for asyncio code. Build it with `await Pusher.connect(**config)`."""

    def __init__(self, pusher: _apnspush.Pusher, loop: asyncio.AbstractEventLoop) -> None:
        """Wraps a connected `apnspush.Pusher` for `loop`; use `connect` instead."""
        self.sync = pusher
        self._loop = loop
        self._completions = pusher._completions(True)
        # id -> (future, resolves with the id when written rather than with the outcome)
        self._waiting: Dict[int, Tuple[asyncio.Future[Any], bool]] = {}
        # through -> futures of ensure_delivery
        self._deliveries: Dict[int, List[asyncio.Future[None]]] = {}
        # In order: (notification, future, written) waiting for room, or (None, future, False)
        # for an ensure_delivery called while sends were waiting.
        self._parked: Deque[Tuple[Optional[Notification], asyncio.Future[Any], bool]] = (
            collections.deque()
        )
        self._room_asked = False
        self._closed = False
        self._fd = self._completions.fileno()
        loop.add_reader(self._fd, self._on_ready)

    @classmethod
    async def connect(cls, **config: Union[str, int, bool]) -> "Pusher":
        """Starts a pusher (the keys of CONFIG.md, and `on_outcome` as for `apnspush.Pusher`).
        The eager connect runs in the loop's default executor; with `connect_on_start=False`
        nothing blocks and no executor is used. Raises as `apnspush.Pusher` does."""
        loop = asyncio.get_running_loop()
        if str(config.get("connect_on_start", "true")).lower() in ("false", "0", "no"):
            pusher = _apnspush.Pusher(**config)
        else:
            make = functools.partial(_apnspush.Pusher, **config)
            pusher = await loop.run_in_executor(None, make)
        return cls(pusher, loop)

    def send(self, notification: Notification) -> "asyncio.Future[Outcome]":
        """Enqueues now and returns a future of the notification's `Outcome`. Raises at the
        call: TypeError, QueueFullError (full queue, `block_when_full=False`), ClosedError, and
        the protocol limit errors. Cancelling the future (or the task awaiting it) does not
        withdraw a queued notification: its outcome still reaches `poll` and
        `failed_notifications`; one cancelled while waiting for room is never queued."""
        return self._submit(notification, False)

    def push(self, notification: Notification) -> "asyncio.Future[int]":
        """Enqueues now and returns a future of its id, resolved once it is written (or has
        its outcome). Raises at the call as `send` does."""
        return self._submit(notification, True)

    async def ensure_delivery(self, timeout: Optional[float] = None) -> None:
        """Waits until every notification sent before the call (including those still waiting
        for room) has its outcome. `apnspush.TimeoutError` when `timeout` seconds pass."""
        self._on_loop()
        if self._closed:
            return  # close settled everything
        future: asyncio.Future[None] = self._loop.create_future()
        if self._parked:
            self._parked.append((None, future, False))
        else:
            self._deliver(future)
        try:
            await asyncio.wait_for(future, timeout)
        except asyncio.TimeoutError:
            error = _apnspush.TimeoutError("some notifications have no outcome yet")
            error.message = "some notifications have no outcome yet"
            raise error from None

    def poll(self) -> List[Outcome]:
        """The queued outcome reports (see `apnspush.Pusher.poll`), without waiting."""
        self._on_loop()
        reports = self.sync.poll(0)
        assert isinstance(reports, list)
        return reports

    def failed_notifications(self) -> List[Outcome]:
        """Drains the outcomes that are not accepted (see `apnspush.Pusher`)."""
        return self.sync.failed_notifications()

    def stats(self) -> Dict[str, Union[int, str]]:
        """Every engine counter (keys: `apnspush.STATS_FIELDS`)."""
        return self.sync.stats()

    async def close(self, timeout: Optional[float] = None) -> Dict[str, int]:
        """Closes as `apnspush.Pusher.close` does (in the loop's default executor, so the loop
        keeps running); every future is resolved by the time it returns: sends still waiting
        for room raise ClosedError. A second call returns zeros."""
        self._on_loop()
        summary = await self._loop.run_in_executor(None, self.sync.close, timeout)
        if not self._closed:
            self._closed = True
            self._on_ready()
            self._unpark()
            self._loop.remove_reader(self._fd)
            for future, _ in self._waiting.values():
                _fail(future, ClosedError("the pusher closed"))
            self._waiting.clear()
        return summary

    async def __aenter__(self) -> "Pusher":
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await self.close()

    def _on_loop(self) -> None:
        if asyncio.get_running_loop() is not self._loop:
            raise RuntimeError("an apnspush.aio.Pusher belongs to the loop that connected it")

    def _submit(self, notification: Notification, written: bool) -> "asyncio.Future[Any]":
        self._on_loop()
        future: asyncio.Future[Any] = self._loop.create_future()
        if self._parked:
            # Behind the ones waiting for room; checked now, the rest when its turn comes.
            self._completions.check(notification)
            self._parked.append((notification, future, written))
            return future
        ident = self._completions.try_submit(notification, written)
        if ident is None:
            self._parked.append((notification, future, written))
            self._ask_room()
        else:
            self._waiting[ident] = (future, written)
        return future

    def _ask_room(self) -> None:
        if not self._room_asked:
            self._room_asked = True
            self._completions.notify_room()

    def _deliver(self, future: "asyncio.Future[None]") -> None:
        through = self._completions.last_id()
        waiting = self._deliveries.setdefault(through, [])
        waiting.append(future)
        if len(waiting) == 1:
            self._completions.notify_delivered(through)

    def _on_ready(self) -> None:
        """The reader callback: resolves the futures of every completion waiting."""
        waiting = self._waiting
        for kind, value in self._completions.take():
            if kind == _SETTLED:
                entry = waiting.pop(value.id, None)
                if entry is not None and not entry[0].done():
                    entry[0].set_result(value.id if entry[1] else value)
            elif kind == _WRITTEN:
                entry = waiting.pop(value, None)
                if entry is not None and not entry[0].done():
                    entry[0].set_result(value)
            elif kind == _DELIVERED:
                for future in self._deliveries.pop(value, ()):
                    if not future.done():
                        future.set_result(None)
            else:
                self._room_asked = False
                self._unpark()

    def _unpark(self) -> None:
        """Submits the sends waiting for room, in order, while there is room."""
        parked = self._parked
        while parked:
            notification, future, written = parked[0]
            if notification is None:
                parked.popleft()
                self._deliver(future)
                continue
            if future.done():  # cancelled while waiting for room: never queued
                parked.popleft()
                continue
            try:
                ident = self._completions.try_submit(notification, written)
            except Exception as error:
                parked.popleft()
                future.set_exception(error)
                continue
            if ident is None:
                self._ask_room()
                return
            parked.popleft()
            self._waiting[ident] = (future, written)


class Channels:
    """Broadcast channel management for asyncio code. Build it with
    `await Channels.connect(**config)`; every request runs in the loop's default executor and
    raises as `apnspush.Channels` does (RejectedError with `.status` and `.reason`, ...)."""

    def __init__(self, channels: _apnspush.Channels) -> None:
        """Wraps a connected `apnspush.Channels`; use `connect` instead."""
        self.sync = channels

    @classmethod
    async def connect(cls, **config: Union[str, int, bool]) -> "Channels":
        """Connects (the config keys of `apnspush.Channels`) in the default executor."""
        loop = asyncio.get_running_loop()
        make = functools.partial(_apnspush.Channels, **config)
        return cls(await loop.run_in_executor(None, make))

    async def create(self, policy: int = 0) -> str:
        """A new Live Activity channel's id (policy 0: nothing stored, 1: the most recent)."""
        return await self._run(self.sync.create, policy)

    async def get(self, channel_id: str) -> Dict[str, Any]:
        """{"channel_id", "message_storage_policy", "push_type"} of one channel."""
        return await self._run(self.sync.get, channel_id)

    async def list(self) -> List[str]:
        """Every channel id of the app."""
        return await self._run(self.sync.list)

    async def delete(self, channel_id: str) -> None:
        await self._run(self.sync.delete, channel_id)

    async def close(self) -> None:
        """Idempotent; later calls raise ClosedError."""
        await self._run(self.sync.close)

    async def __aenter__(self) -> "Channels":
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await self.close()

    async def _run(self, method: Any, *args: Any) -> Any:
        return await asyncio.get_running_loop().run_in_executor(None, method, *args)


def _fail(future: "asyncio.Future[Any]", error: BaseException) -> None:
    if not future.done():
        future.set_exception(error)
