//! Blocking without holding the GIL and without deafness to Ctrl-C.
//!
//! Contract: a blocking call first converts its arguments to owned Rust values, then waits in
//! slices of at most `SLICE` with the GIL released, and runs `py.check_signals()` (and any
//! between-slices work such as serving callbacks) on the calling thread between slices. A
//! KeyboardInterrupt ends the wait at once; work already handed to the engine goes on and still
//! gets its outcome.

use crossbeam_channel::RecvTimeoutError;
use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use std::time::{Duration, Instant};

/// Longest time the calling thread spends without checking for signals.
pub const SLICE: Duration = Duration::from_millis(100);

/// Runs `work` on a helper thread (core calls that block without a way to resume them) and
/// waits for its result in slices, calling `between` after each slice that did not finish it.
/// If the wait is abandoned (signal, or `between` raised), the helper runs to its end alone and
/// its result is dropped.
pub fn off_thread<T: Send + 'static>(
    py: Python<'_>,
    work: impl FnOnce() -> T + Send + 'static,
    mut between: impl FnMut(Python<'_>) -> PyResult<()>,
) -> PyResult<T> {
    let (tx, rx) = crossbeam_channel::bounded(1);
    std::thread::Builder::new()
        .name("apnspush-wait".into())
        .spawn(move || {
            let _ = tx.send(work());
        })
        .map_err(|e| PyRuntimeError::new_err(format!("cannot start a wait thread: {e}")))?;
    loop {
        match py.detach(|| rx.recv_timeout(SLICE)) {
            Ok(value) => return Ok(value),
            Err(RecvTimeoutError::Timeout) => {
                py.check_signals()?;
                between(py)?;
            }
            Err(RecvTimeoutError::Disconnected) => {
                return Err(PyRuntimeError::new_err("apnspush: a wait thread panicked"))
            }
        }
    }
}

/// Repeats `attempt` (called with the GIL released and a slice budget) until it returns
/// `Some`, the deadline passes (returns `None`), or a signal handler raises.
pub fn sliced<T: Send>(
    py: Python<'_>,
    timeout: Option<Duration>,
    attempt: impl Fn(Duration) -> Option<T> + Sync,
) -> PyResult<Option<T>> {
    let deadline = timeout.map(|t| Instant::now() + t);
    loop {
        let budget = match deadline {
            Some(d) => d.saturating_duration_since(Instant::now()).min(SLICE),
            None => SLICE,
        };
        if let Some(v) = py.detach(|| attempt(budget)) {
            return Ok(Some(v));
        }
        if deadline.is_some_and(|d| Instant::now() >= d) {
            return Ok(None);
        }
        py.check_signals()?;
    }
}
