"""The futures of `Pusher.submit`: one dispatcher thread per pusher completes them.

The dispatcher thread waits on the pusher's completion queue (GIL released) and completes each
future with its `Outcome`; that wakes `result()`, `concurrent.futures.wait` and `as_completed`
at once. It never runs a user callback: done callbacks added before completion are handed to
the thread that next calls `pusher.poll()` (or another verb that serves `on_outcome`); on a
future already done, `add_done_callback` runs the callback at once on the calling thread.
"""

from __future__ import annotations

import collections
import concurrent.futures
import logging
import threading
from typing import Any, Callable, Deque, Dict, List, Optional

from ._apnspush import Notification, Outcome

LOGGER = logging.getLogger("concurrent.futures")
WAIT = 0.1  # seconds per wait slice of the dispatcher thread


class OutcomeFuture(concurrent.futures.Future):  # type: ignore[type-arg]
    """A `concurrent.futures.Future` of one notification's `Outcome` (see `Pusher.submit`).

    It is running from the start, so `cancel()` returns False: a queued notification cannot be
    withdrawn. Unlike a plain Future, callbacks added with `add_done_callback` before it
    completes are not run on the completing (dispatcher) thread but on the thread that next
    calls `pusher.poll()`, `push`, `ensure_push`, `ensure_delivery` or `close`."""

    def __init__(self) -> None:
        super().__init__()
        self._deferred: List[Callable[[OutcomeFuture], Any]] = []
        self.set_running_or_notify_cancel()

    def add_done_callback(self, fn: Callable[[OutcomeFuture], Any]) -> None:  # type: ignore[override]
        with self._condition:
            if not self.done():
                self._deferred.append(fn)
                return
        run_callback(fn, self)


def run_callback(fn: Callable[[OutcomeFuture], Any], future: OutcomeFuture) -> None:
    """Calls fn(future), logging an exception as concurrent.futures does."""
    try:
        fn(future)
    except Exception:
        LOGGER.exception("exception calling callback for %r", future)


class Dispatcher:
    """The futures of one pusher: id -> future, and the thread that completes them."""

    def __init__(self, completions: Any) -> None:
        self._completions = completions
        self._lock = threading.Lock()
        self._futures: Dict[int, OutcomeFuture] = {}
        # Outcomes taken before `submit` registered their future (the engine can be faster).
        self._early: Dict[int, Outcome] = {}
        # Completed futures whose deferred callbacks wait for a polling thread.
        self._ready: Deque[OutcomeFuture] = collections.deque()
        self._thread: Optional[threading.Thread] = None

    def submit(self, notification: Notification) -> OutcomeFuture:
        ident = self._completions.submit(notification, False)
        future = OutcomeFuture()
        with self._lock:
            outcome = self._early.pop(ident, None)
            if outcome is None:
                self._futures[ident] = future
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="apnspush-futures", daemon=True
                )
                self._thread.start()
        if outcome is not None:
            self._complete(future, outcome)
        return future

    def run_callbacks(self) -> None:
        """Runs the deferred callbacks of completed futures on the calling thread."""
        while True:
            with self._lock:
                if not self._ready:
                    return
                future = self._ready.popleft()
            callbacks, future._deferred = future._deferred, []
            for fn in callbacks:
                run_callback(fn, future)

    def _complete(self, future: OutcomeFuture, outcome: Outcome) -> None:
        future.set_result(outcome)
        if future._deferred:
            with self._lock:
                self._ready.append(future)

    def _run(self) -> None:
        completions = self._completions
        while True:
            items = completions.wait(WAIT)
            for _kind, outcome in items:
                with self._lock:
                    future = self._futures.pop(outcome.id, None)
                    if future is None:
                        self._early[outcome.id] = outcome
                        continue
                self._complete(future, outcome)
            # Close settles every queued notification before `closed` is set, so once it is
            # set and the queue is empty, every future is complete.
            if not items and completions.closed:
                with self._lock:
                    self._thread = None
                    return
