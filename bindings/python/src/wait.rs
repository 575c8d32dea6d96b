//! Blocking without holding the GIL and without deafness to Ctrl-C.
//!
//! Contract: a blocking call first converts its arguments to owned Rust values, then waits in
//! slices of at most `SLICE` with the GIL released, and runs `py.check_signals()` (and any
//! between-slices work such as serving callbacks) on the calling thread between slices. A
//! KeyboardInterrupt ends the wait at once; work already handed to the engine goes on and still
//! gets its outcome. Every wait resumes in the core (a deadline per slice), so no wait needs a
//! thread of its own.

use crate::errors::to_py;
use apnspush::{Error, ErrorKind, Notification, Pusher};
use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use std::time::{Duration, Instant};

/// Longest time the calling thread spends without checking for signals.
pub const SLICE: Duration = Duration::from_millis(100);

/// Runs `work` on a helper thread (a core call that blocks without a way to resume it: the
/// eager connect, the feedback fetch) and waits for its result in slices. If the wait is abandoned (signal), the
/// helper runs to its end alone and its result is dropped.
pub fn off_thread<T: Send + 'static>(
    py: Python<'_>,
    work: impl FnOnce() -> T + Send + 'static,
) -> PyResult<T> {
    let (tx, rx) = crossbeam_channel::bounded(1);
    std::thread::Builder::new()
        .name("apnspush-blocking".into())
        .spawn(move || {
            let _ = tx.send(work());
        })
        .map_err(|e| PyRuntimeError::new_err(format!("cannot start a helper thread: {e}")))?;
    loop {
        match py.detach(|| rx.recv_timeout(SLICE)) {
            Ok(value) => return Ok(value),
            Err(crossbeam_channel::RecvTimeoutError::Timeout) => py.check_signals()?,
            Err(crossbeam_channel::RecvTimeoutError::Disconnected) => {
                return Err(PyRuntimeError::new_err(
                    "apnspush: a helper thread panicked",
                ))
            }
        }
    }
}

/// Repeats `attempt` (called with the GIL released and a slice budget) until it returns
/// `Some`, the deadline passes (returns `None`), or a signal handler or `between` raises.
/// Log records are served between slices.
pub fn sliced<T: Send>(
    py: Python<'_>,
    timeout: Option<Duration>,
    attempt: impl Fn(Duration) -> Option<T> + Sync,
    mut between: impl FnMut(Python<'_>) -> PyResult<()>,
) -> PyResult<Option<T>> {
    let deadline = timeout.map(|t| Instant::now() + t);
    loop {
        let budget = budget(deadline);
        if let Some(v) = py.detach(|| attempt(budget)) {
            return Ok(Some(v));
        }
        if deadline.is_some_and(|d| Instant::now() >= d) {
            return Ok(None);
        }
        py.check_signals()?;
        crate::logs::serve(py)?;
        between(py)?;
    }
}

/// What an enqueue verb calls: the core's enqueue with a bound on the wait for room, handing
/// the notification back on `QueueFull`.
pub type Enqueue<'a, T> =
    &'a (dyn Fn(Notification, Duration) -> Result<T, (Error, Notification)> + Sync);

/// Enqueues `n` with `enqueue`: first without waiting and without releasing the GIL (the fast
/// path); on a full queue, when `pusher` blocks when full, again in slices with the GIL
/// released until there is room, `deadline` passes (`TimeoutError`, nothing queued) or a
/// signal handler or `between` raises (nothing queued). Log records are served between slices. Never queues `n` twice.
pub fn enqueue<T: Send>(
    py: Python<'_>,
    pusher: &Pusher,
    n: Notification,
    deadline: Option<Instant>,
    enqueue: Enqueue<'_, T>,
    mut between: impl FnMut(Python<'_>) -> PyResult<()>,
) -> PyResult<T> {
    let mut n = match enqueue(n, Duration::ZERO) {
        Ok(v) => return Ok(v),
        Err((e, n)) if e.kind() == ErrorKind::QueueFull && pusher.blocks_when_full() => n,
        Err((e, _)) => return Err(to_py(py, &e)),
    };
    loop {
        if deadline.is_some_and(|d| Instant::now() >= d) {
            let e = Error::new(
                ErrorKind::Timeout,
                "the send queue stayed full until the timeout",
            );
            return Err(to_py(py, &e));
        }
        py.check_signals()?;
        crate::logs::serve(py)?;
        between(py)?;
        let budget = budget(deadline);
        match py.detach(|| enqueue(n, budget)) {
            Ok(v) => return Ok(v),
            Err((e, back)) if e.kind() == ErrorKind::QueueFull => n = back,
            Err((e, _)) => return Err(to_py(py, &e)),
        }
    }
}

/// The next slice: `SLICE`, or less when the deadline is nearer.
fn budget(deadline: Option<Instant>) -> Duration {
    match deadline {
        Some(d) => d.saturating_duration_since(Instant::now()).min(SLICE),
        None => SLICE,
    }
}
