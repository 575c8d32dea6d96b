//! `_Completions`: one core `CompletionQueue` of a pusher, for the dispatchers written in Python
//! (`apnspush.aio`, the futures of `Pusher.submit`). Private: reached through
//! `Pusher._completions()`.
//!
//! Threads: the engine only appends to the queue. With `wake`, the queue's wake function writes
//! one byte to a non-blocking socket pair whose read end (`fileno()`) an event loop watches; it
//! runs on an engine thread, never takes the GIL and never runs Python code. The consumer takes
//! the items on its own thread (`take`, or `wait` with the GIL released).

use crate::errors::to_py;
use crate::notification;
use crate::outcome::PyOutcome;
use crate::wait;
use apnspush::{Completion, CompletionQueue, ErrorKind, Pusher};
use pyo3::prelude::*;
use pyo3::types::PyTuple;
use std::io::{ErrorKind as IoKind, Read, Write};
use std::os::fd::AsRawFd;
use std::os::unix::net::UnixStream;
use std::sync::atomic::{AtomicBool, Ordering::Relaxed};
use std::sync::Arc;
use std::time::Duration;

/// Item kinds, the first element of each tuple `take`/`wait` return.
pub const SETTLED: u8 = 0;
pub const WRITTEN: u8 = 1;
pub const DELIVERED: u8 = 2;
pub const ROOM: u8 = 3;

#[pyclass(module = "apnspush._apnspush", name = "_Completions", frozen)]
pub struct Completions {
    pusher: Arc<Pusher>,
    queue: CompletionQueue,
    /// The read end of the wake socket pair (None: a queue waited on with `wait`).
    wake: Option<UnixStream>,
    /// Set when the Python pusher is closed or dropped.
    closed: Arc<AtomicBool>,
}

impl Completions {
    pub fn new(pusher: Arc<Pusher>, closed: Arc<AtomicBool>, wake: bool) -> PyResult<Self> {
        if !wake {
            let queue = CompletionQueue::new();
            return Ok(Completions {
                pusher,
                queue,
                wake: None,
                closed,
            });
        }
        let (reader, writer) = UnixStream::pair()?;
        reader.set_nonblocking(true)?;
        writer.set_nonblocking(true)?;
        let writer = Arc::new(writer);
        // Log records wake the reader too (it serves them).
        crate::logs::watch(&writer);
        // A full socket buffer means unread bytes, so the reader is woken anyway.
        let queue = CompletionQueue::with_wake(move || {
            let _ = (&*writer).write(&[1]);
        });
        Ok(Completions {
            pusher,
            queue,
            wake: Some(reader),
            closed,
        })
    }

    fn items(&self, py: Python<'_>, items: Vec<Completion>) -> PyResult<Vec<Py<PyTuple>>> {
        items
            .into_iter()
            .map(|item| {
                let t = match item {
                    Completion::Settled(o) => {
                        (SETTLED, Py::new(py, PyOutcome::from(o))?.into_any())
                    }
                    Completion::Written(id) => (WRITTEN, id.into_pyobject(py)?.into_any().unbind()),
                    Completion::Delivered(id) => {
                        (DELIVERED, id.into_pyobject(py)?.into_any().unbind())
                    }
                    Completion::Room => (ROOM, py.None()),
                };
                Ok(PyTuple::new(py, [t.0.into_pyobject(py)?.into_any().unbind(), t.1])?.unbind())
            })
            .collect()
    }
}

#[pymethods]
impl Completions {
    /// Enqueues without waiting; the outcome (and with `written`, the write) comes to this
    /// queue. Returns the id, or None when the send queue is full and the pusher blocks when
    /// full (`notify_room` says when to try again). Raises the typed error otherwise
    /// (QueueFullError with block_when_full=False).
    fn try_submit(
        &self,
        py: Python<'_>,
        notification: &Bound<'_, PyAny>,
        written: bool,
    ) -> PyResult<Option<u64>> {
        let n = notification::extract(notification)?;
        match self.pusher.submit(n, &self.queue, written, Duration::ZERO) {
            Ok(id) => Ok(Some(id)),
            Err((e, _)) if e.kind() == ErrorKind::QueueFull && self.pusher.blocks_when_full() => {
                Ok(None)
            }
            Err((e, _)) => Err(to_py(py, &e)),
        }
    }

    /// Enqueues, waiting for room in a full queue on this thread as `Pusher.push_async` does
    /// (GIL released, Ctrl-C honoured); returns the id.
    fn submit(
        &self,
        py: Python<'_>,
        notification: &Bound<'_, PyAny>,
        written: bool,
    ) -> PyResult<u64> {
        let n = notification::extract(notification)?;
        let (pusher, queue) = (&*self.pusher, &self.queue);
        let submit = |n, t| pusher.submit(n, queue, written, t);
        wait::enqueue(py, pusher, n, None, &submit, |_| Ok(()))
    }

    /// Raises TypeError unless `notification` is a Notification.
    fn check(&self, notification: &Bound<'_, PyAny>) -> PyResult<()> {
        notification::checked(notification.clone()).map(|_| ())
    }

    /// One `ROOM` item when the send queue has room (or the pusher closes).
    fn notify_room(&self) {
        self.pusher.notify_room(&self.queue);
    }

    /// One `DELIVERED` item once every id up to `through` is settled.
    fn notify_delivered(&self, through: u64) {
        self.pusher.notify_delivered(&self.queue, through);
    }

    /// The id of the last notification pushed so far (0 before the first).
    fn last_id(&self) -> u64 {
        self.pusher.last_id()
    }

    #[getter]
    fn blocks_when_full(&self) -> bool {
        self.pusher.blocks_when_full()
    }

    /// Whether the pusher was closed (or dropped).
    #[getter]
    fn closed(&self) -> bool {
        self.closed.load(Relaxed)
    }

    /// The wake socket's file descriptor, readable when items are waiting.
    fn fileno(&self) -> PyResult<i32> {
        match &self.wake {
            Some(r) => Ok(r.as_raw_fd()),
            None => Err(pyo3::exceptions::PyValueError::new_err(
                "a queue without wake",
            )),
        }
    }

    /// Every waiting item as `(kind, value)`: `(SETTLED, Outcome)`, `(WRITTEN, id)`,
    /// `(DELIVERED, through)`, `(ROOM, None)`. Consumes the wake bytes first, so an item
    /// appended after this call wakes the reader again, then serves the log records waiting
    /// (to `logging`, on this thread). Never blocks.
    fn take(&self, py: Python<'_>) -> PyResult<Vec<Py<PyTuple>>> {
        if let Some(mut r) = self.wake.as_ref() {
            let mut buf = [0u8; 256];
            loop {
                match r.read(&mut buf) {
                    Ok(n) if n == buf.len() => continue,
                    Err(e) if e.kind() == IoKind::Interrupted => continue,
                    _ => break,
                }
            }
        }
        crate::logs::serve(py)?;
        self.items(py, self.queue.take(usize::MAX))
    }

    /// The items, waiting up to `timeout` seconds (at most one wait slice) for the first with
    /// the GIL released; empty when none came. For the futures' dispatcher thread: it serves
    /// no log records (no user code runs there).
    fn wait(&self, py: Python<'_>, timeout: f64) -> PyResult<Vec<Py<PyTuple>>> {
        let t = crate::convert::seconds("timeout", timeout)?.min(wait::SLICE);
        let queue = &self.queue;
        let items = py.detach(|| queue.wait(usize::MAX, t));
        self.items(py, items)
    }
}
