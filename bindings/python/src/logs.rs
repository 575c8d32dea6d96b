//! The engine's log records, bridged to Python's `logging` (logger `apnspush`, a child logger
//! per target: `apnspush.http2`, `apnspush.outcome`, ...; see docs/LOGGING.md).
//!
//! Threads: the core's capture queue is filled on engine threads; its waker only sets a flag
//! and writes a byte to the wake socket of every `apnspush.aio` pusher. Records reach
//! `logging` only through `serve`, which runs on Python threads that called into apnspush:
//! between wait slices, at the end of the verbs, and in an aio pusher's reader callback.
//! Never on an engine thread.

use apnspush::logs::{self, Level, LevelFilter};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::PyTuple;
use std::io::Write;
use std::os::unix::net::UnixStream;
use std::sync::atomic::{AtomicBool, Ordering::Relaxed};
use std::sync::{Arc, Mutex, Once, Weak};

/// Set by the waker when the capture queue stops being empty.
static PENDING: AtomicBool = AtomicBool::new(false);
/// Write ends of the aio pushers' wake sockets (dropped ones are pruned when seen).
static WAKES: Mutex<Vec<Weak<UnixStream>>> = Mutex::new(Vec::new());
/// `apnspush._logs.emit`, imported on first use.
static EMIT: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

/// Installs the capture with the level the Python logger `apnspush` is enabled for now
/// (called by each Pusher's constructor: set that logger's level before creating a pusher).
pub fn start(py: Python<'_>) -> PyResult<()> {
    static WAKER: Once = Once::new();
    WAKER.call_once(|| {
        logs::set_waker(Some(Arc::new(|| {
            PENDING.store(true, Relaxed);
            let wakes = WAKES.lock().unwrap_or_else(|p| p.into_inner());
            for w in wakes.iter().filter_map(Weak::upgrade) {
                let _ = (&*w).write(&[1]);
            }
        })));
    });
    let level: u8 = py
        .import("apnspush._logs")?
        .getattr("level_filter")?
        .call0()?
        .extract()?;
    let filter = match level {
        0 => LevelFilter::Off,
        1 => LevelFilter::Error,
        2 => LevelFilter::Warn,
        3 => LevelFilter::Info,
        4 => LevelFilter::Debug,
        _ => LevelFilter::Trace,
    };
    // Fails only when another `log` logger owns this library's records: then they go there.
    let _ = logs::capture(filter);
    Ok(())
}

/// Registers the write end of an aio pusher's wake socket: it is woken for log records too.
pub fn watch(writer: &Arc<UnixStream>) {
    let mut wakes = WAKES.lock().unwrap_or_else(|p| p.into_inner());
    wakes.retain(|w| w.strong_count() > 0);
    wakes.push(Arc::downgrade(writer));
}

/// Hands every captured record to Python's `logging` on this thread. Costs one atomic load
/// when there are none.
pub fn serve(py: Python<'_>) -> PyResult<()> {
    if !PENDING.load(Relaxed) || !PENDING.swap(false, Relaxed) {
        return Ok(());
    }
    let records = logs::take(usize::MAX);
    if records.is_empty() {
        return Ok(());
    }
    let emit = EMIT.get_or_try_init(py, || -> PyResult<_> {
        Ok(py.import("apnspush._logs")?.getattr("emit")?.unbind())
    })?;
    let tuples = records
        .into_iter()
        .map(|r| {
            let level = match r.level {
                Level::Error => 1u8,
                Level::Warn => 2,
                Level::Info => 3,
                Level::Debug => 4,
                Level::Trace => 5,
            };
            PyTuple::new(
                py,
                [
                    level.into_pyobject(py)?.into_any(),
                    r.target.into_pyobject(py)?.into_any(),
                    r.message.into_pyobject(py)?.into_any(),
                    r.time_ms.into_pyobject(py)?.into_any(),
                ],
            )
        })
        .collect::<PyResult<Vec<_>>>()?;
    emit.bind(py).call1((tuples,))?;
    Ok(())
}
