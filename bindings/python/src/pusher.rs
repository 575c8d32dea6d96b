//! `apnspush.Pusher`: the verbs over a core `Pusher`.
//!
//! Threads: every method may be called from any Python thread at once. Callbacks (`on_outcome`,
//! `poll(callback=...)`, the done callbacks of `submit`'s futures) run only on the thread that
//! called `poll`, `push`, `ensure_push`, `ensure_delivery` or `close`, never on an engine thread
//! nor on the futures' dispatcher thread. Blocking follows `wait.rs`: the GIL is released,
//! Ctrl-C is honoured within 100 ms, and no wait starts a thread (each waits on a completion
//! queue of its own or resumes a core wait slice by slice).
//!
//! Back-pressure: an enqueue first tries without waiting and without releasing the GIL (the
//! fast path); one that finds the queue full waits for room in slices with the GIL released.
//! With `block_when_full=False` the caller gets `QueueFullError` at once.

use crate::completions::Completions;
use crate::convert;
use crate::errors::{to_py, IntoPyResult};
use crate::notification::{self, PyNotification};
use crate::outcome::{self, PyOutcome};
use crate::wait::{self, off_thread};
use apnspush::{Completion, CompletionQueue, Config, Error, ErrorKind, Outcome, Pusher};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyList};
use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering::Relaxed};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// An APNs provider connected at construction; see the module docs for the verbs.
#[pyclass(module = "apnspush", name = "Pusher", frozen)]
pub struct PyPusher {
    inner: Arc<Pusher>,
    close_timeout: Duration,
    on_outcome: Option<Py<PyAny>>,
    /// Outcomes taken from the engine whose callback has not run yet because an earlier callback
    /// raised; served first by the next poll.
    pending: Mutex<VecDeque<Outcome>>,
    /// Set by close (and drop); the dispatchers' queues see it.
    closed: Arc<AtomicBool>,
    /// `apnspush._futures.Dispatcher` of `submit`, made on first use.
    futures: PyOnceLock<Py<PyAny>>,
}

#[pymethods]
impl PyPusher {
    #[new]
    #[pyo3(signature = (*, on_outcome=None, **config))]
    fn new(
        py: Python<'_>,
        on_outcome: Option<Bound<'_, PyAny>>,
        config: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Self> {
        if let Some(cb) = &on_outcome {
            if !cb.is_callable() {
                return Err(PyTypeError::new_err(format!(
                    "on_outcome must be callable, not {}",
                    convert::type_name(cb)
                )));
            }
        }
        let pairs = convert::config_pairs(py, config)?;
        let cfg = Config::from_pairs(pairs.iter().map(|(k, v)| (k, v))).py_err(py)?;
        let last = |key: &str| {
            pairs
                .iter()
                .rev()
                .find(|(k, _)| k == key)
                .map(|(_, v)| v.trim())
        };
        let close_ms = last("close_timeout_ms")
            .and_then(|v| v.parse().ok())
            .unwrap_or(5000);
        crate::logs::start(py)?;
        let lazy = matches!(last("connect_on_start"), Some("false" | "0" | "no"));
        // The eager connect cannot be resumed, so on the main thread (where Ctrl-C lands) it
        // runs on a helper thread that Ctrl-C can abandon; elsewhere (an executor) and for a
        // lazy start, on this thread with the GIL released.
        let pusher = if lazy || !on_main_thread(py)? {
            py.detach(move || Pusher::new(cfg))
        } else {
            off_thread(py, move || Pusher::new(cfg))?
        };
        crate::logs::serve(py)?;
        Ok(PyPusher {
            inner: Arc::new(pusher.py_err(py)?),
            close_timeout: Duration::from_millis(close_ms),
            on_outcome: on_outcome.map(Bound::unbind),
            pending: Mutex::new(VecDeque::new()),
            closed: Arc::new(AtomicBool::new(false)),
            futures: PyOnceLock::new(),
        })
    }

    /// Enqueues and returns the id at once (blocks only while the queue is full, unless
    /// block_when_full=False, which raises QueueFullError instead).
    fn push_async(&self, py: Python<'_>, notification: &Bound<'_, PyAny>) -> PyResult<u64> {
        let n = notification::extract(notification)?;
        let pusher = &*self.inner;
        let enqueue = |n, t| pusher.push_async_timeout(n, t);
        let id = wait::enqueue(py, pusher, n, None, &enqueue, |_| Ok(()));
        crate::logs::serve(py)?;
        id
    }

    /// Enqueues like push_async and returns a `concurrent.futures.Future` of the Outcome,
    /// completed by the pusher's one dispatcher thread (started on first use). Done callbacks
    /// added before it completes run on the thread that next calls poll (or another verb that
    /// serves on_outcome), never on the dispatcher thread.
    fn submit(&self, py: Python<'_>, notification: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        let dispatcher = self.futures.get_or_try_init(py, || -> PyResult<_> {
            let completions = Completions::new(self.inner.clone(), self.closed.clone(), false)?;
            let class = py.import("apnspush._futures")?.getattr("Dispatcher")?;
            Ok(class.call1((completions,))?.unbind())
        })?;
        Ok(dispatcher
            .bind(py)
            .call_method1("submit", (notification,))?
            .unbind())
    }

    /// A completion queue of this pusher for a dispatcher written in Python (`apnspush.aio`
    /// with `wake=True`, `apnspush._futures` without).
    fn _completions(&self, wake: bool) -> PyResult<Completions> {
        Completions::new(self.inner.clone(), self.closed.clone(), wake)
    }

    /// Enqueues every notification in order and returns their ids. Every item is type-checked
    /// before the first is queued; the pushing itself runs with the GIL released. On a later
    /// error (closed, binary payload limit) the earlier ones stay queued.
    fn push_many(&self, py: Python<'_>, notifications: &Bound<'_, PyAny>) -> PyResult<Vec<u64>> {
        let items = notifications
            .try_iter()?
            .map(|item| notification::checked(item?).map(Bound::unbind))
            .collect::<PyResult<Vec<_>>>()?;
        let mut ids = Vec::with_capacity(items.len());
        let (pusher, block) = (&*self.inner, self.inner.blocks_when_full());
        loop {
            let rest = &items[ids.len()..];
            py.detach(|| push_slice(pusher, block, rest, &mut ids))
                .py_err(py)?;
            if ids.len() == items.len() {
                crate::logs::serve(py)?;
                return Ok(ids);
            }
            py.check_signals()?;
        }
    }

    /// Enqueues and waits until written; returns the id. TimeoutError leaves it queued.
    #[pyo3(signature = (notification, timeout=None))]
    fn push(
        &self,
        py: Python<'_>,
        notification: &Bound<'_, PyAny>,
        timeout: Option<f64>,
    ) -> PyResult<u64> {
        let n = notification::extract(notification)?;
        let deadline = deadline(convert::timeout("timeout", timeout)?);
        let queue = CompletionQueue::new();
        let id = self.submit_to(py, n, &queue, true, deadline)?;
        let done =
            |item: &Completion| matches!(item, Completion::Written(_) | Completion::Settled(_));
        match self.wait_for(py, &queue, deadline, done)? {
            Some(_) => crate::logs::serve(py).map(|_| id),
            None => Err(timeout_error(
                py,
                format!("notification {id} was not written in time"),
            )),
        }
    }

    /// Enqueues and waits for the final outcome.
    #[pyo3(signature = (notification, timeout=None))]
    fn ensure_push(
        &self,
        py: Python<'_>,
        notification: &Bound<'_, PyAny>,
        timeout: Option<f64>,
    ) -> PyResult<Py<PyOutcome>> {
        let n = notification::extract(notification)?;
        let deadline = deadline(convert::timeout("timeout", timeout)?);
        let queue = CompletionQueue::new();
        let id = self.submit_to(py, n, &queue, false, deadline)?;
        let settled = |item: &Completion| matches!(item, Completion::Settled(_));
        match self.wait_for(py, &queue, deadline, settled)? {
            Some(Completion::Settled(outcome)) => {
                self.serve_ready(py)?;
                Py::new(py, PyOutcome::from(outcome))
            }
            _ => Err(timeout_error(
                py,
                format!("notification {id} has no outcome yet"),
            )),
        }
    }

    /// Waits until every notification pushed before this call has its final outcome, serving
    /// `on_outcome` callbacks meanwhile and for every report queued at the end.
    #[pyo3(signature = (timeout=None))]
    fn ensure_delivery(&self, py: Python<'_>, timeout: Option<f64>) -> PyResult<()> {
        let timeout = convert::timeout("timeout", timeout)?;
        let (pusher, through) = (&*self.inner, self.inner.last_id());
        let settled = |budget| {
            let done = pusher.ensure_delivery_through(through, Some(budget));
            done.is_ok().then_some(())
        };
        if wait::sliced(py, timeout, settled, |py| self.serve_ready(py))?.is_none() {
            let message = "some notifications have no outcome yet";
            return Err(timeout_error(py, message.into()));
        }
        self.serve_ready(py)
    }

    /// A context manager whose exit runs ensure_delivery(timeout) when the block ended normally.
    #[pyo3(signature = (timeout=None))]
    fn delivery(slf: &Bound<'_, Self>, timeout: Option<f64>) -> PyResult<Delivery> {
        convert::timeout("timeout", timeout)?;
        Ok(Delivery {
            pusher: slf.clone().unbind(),
            timeout,
        })
    }

    /// Drains the outcomes that are not accepted, recorded since the last call.
    fn failed_notifications(&self, py: Python<'_>) -> PyResult<Vec<Py<PyOutcome>>> {
        crate::logs::serve(py)?;
        outcome::to_list(py, self.inner.failed_notifications())
    }

    /// Serves queued outcome reports, waiting up to `timeout` seconds (None: no limit) for the
    /// first. With `callback`: calls it with each Outcome on this thread and returns how many
    /// were served. Without: returns the list of Outcomes served, each handed to the pusher's
    /// on_outcome first when it has one. An exception from a callback is re-raised here; the
    /// reports after it are kept for the next poll.
    #[pyo3(signature = (timeout=0.0, callback=None))]
    fn poll(
        &self,
        py: Python<'_>,
        timeout: Option<f64>,
        callback: Option<Bound<'_, PyAny>>,
    ) -> PyResult<Py<PyAny>> {
        let timeout = convert::timeout("timeout", timeout)?;
        if let Some(cb) = &callback {
            if !cb.is_callable() {
                return Err(PyTypeError::new_err(format!(
                    "callback must be callable, not {}",
                    convert::type_name(cb)
                )));
            }
        }
        let mut outcomes: Vec<Outcome> = self.pending.lock().unwrap().drain(..).collect();
        let pusher = &self.inner;
        if outcomes.is_empty() {
            let got = wait::sliced(
                py,
                timeout,
                |budget| {
                    let v = pusher.poll_outcomes(usize::MAX, budget);
                    (!v.is_empty()).then_some(v)
                },
                |_| Ok(()),
            )?;
            outcomes = got.unwrap_or_default();
        } else {
            outcomes.extend(pusher.poll_outcomes(usize::MAX, Duration::ZERO));
        }
        crate::logs::serve(py)?;
        self.run_future_callbacks(py)?;
        match (callback, &self.on_outcome) {
            (Some(cb), _) => Ok(self
                .serve(py, &cb, outcomes)?
                .len()
                .into_pyobject(py)?
                .into_any()
                .unbind()),
            (None, Some(cb)) => Ok(PyList::new(py, self.serve(py, cb.bind(py), outcomes)?)?
                .into_any()
                .unbind()),
            (None, None) => Ok(PyList::new(py, outcome::to_list(py, outcomes)?)?
                .into_any()
                .unbind()),
        }
    }

    /// A snapshot of every counter: ints, except the strings (such as `last_error`).
    fn stats<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        crate::logs::serve(py)?;
        let json = self.inner.stats().to_json();
        let map: serde_json::Map<String, serde_json::Value> =
            serde_json::from_str(&json).expect("Stats::to_json is a JSON object");
        let dict = PyDict::new(py);
        for (key, value) in map {
            match value {
                serde_json::Value::String(s) => dict.set_item(key, s)?,
                serde_json::Value::Number(n) if n.is_u64() => dict.set_item(key, n.as_u64())?,
                serde_json::Value::Number(n) if n.is_i64() => dict.set_item(key, n.as_i64())?,
                serde_json::Value::Number(n) => dict.set_item(key, n.as_f64())?,
                serde_json::Value::Bool(b) => dict.set_item(key, b)?,
                serde_json::Value::Null => dict.set_item(key, py.None())?,
                other => dict.set_item(key, other.to_string())?,
            }
        }
        Ok(dict)
    }

    /// Stops intake, flushes for most of `timeout` seconds (None: close_timeout_ms), stops every
    /// thread and reports what is left as cancelled (never written) or failed (unconfirmed).
    /// Returns {"cancelled": n, "unconfirmed": n}; a second call returns zeros.
    #[pyo3(signature = (timeout=None))]
    fn close<'py>(&self, py: Python<'py>, timeout: Option<f64>) -> PyResult<Bound<'py, PyDict>> {
        let timeout = convert::timeout("timeout", timeout)?.unwrap_or(self.close_timeout);
        let pusher = &self.inner;
        let summary = py.detach(|| pusher.close(timeout));
        self.closed.store(true, Relaxed);
        self.serve_ready(py)?;
        let dict = PyDict::new(py);
        dict.set_item("cancelled", summary.cancelled)?;
        dict.set_item("unconfirmed", summary.unconfirmed)?;
        Ok(dict)
    }

    fn __enter__(slf: Bound<'_, Self>) -> Bound<'_, Self> {
        slf
    }

    #[pyo3(signature = (*_exc))]
    fn __exit__(&self, py: Python<'_>, _exc: &Bound<'_, pyo3::types::PyTuple>) -> PyResult<bool> {
        self.close(py, None)?;
        Ok(false)
    }
}

impl PyPusher {
    /// Enqueues `n` with its outcome (and with `written`, its write) going to `queue`, waiting
    /// for room as push_async does, until `deadline`; serves callbacks between slices.
    fn submit_to(
        &self,
        py: Python<'_>,
        n: apnspush::Notification,
        queue: &CompletionQueue,
        written: bool,
        deadline: Option<Instant>,
    ) -> PyResult<u64> {
        let pusher = &*self.inner;
        let submit = |n, t| pusher.submit(n, queue, written, t);
        wait::enqueue(py, pusher, n, deadline, &submit, |py| self.serve_ready(py))
    }

    /// Waits on `queue` in slices until an item `done` accepts (returned) or `deadline`
    /// (None); serves callbacks between slices.
    fn wait_for(
        &self,
        py: Python<'_>,
        queue: &CompletionQueue,
        deadline: Option<Instant>,
        done: impl Fn(&Completion) -> bool + Sync,
    ) -> PyResult<Option<Completion>> {
        let find = |budget| queue.wait(usize::MAX, budget).into_iter().find(&done);
        wait::sliced(py, left(deadline), find, |py| self.serve_ready(py))
    }

    /// Hands every report queued now to `on_outcome` (nothing when it is not set).
    fn serve_ready(&self, py: Python<'_>) -> PyResult<()> {
        crate::logs::serve(py)?;
        self.run_future_callbacks(py)?;
        let Some(cb) = &self.on_outcome else {
            return Ok(());
        };
        let mut outcomes: Vec<Outcome> = self.pending.lock().unwrap().drain(..).collect();
        outcomes.extend(self.inner.poll_outcomes(usize::MAX, Duration::ZERO));
        self.serve(py, cb.bind(py), outcomes).map(|_| ())
    }

    /// Runs the done callbacks of completed `submit` futures on this thread.
    fn run_future_callbacks(&self, py: Python<'_>) -> PyResult<()> {
        match self.futures.get(py) {
            Some(futures) => futures.bind(py).call_method0("run_callbacks").map(|_| ()),
            None => Ok(()),
        }
    }

    /// Calls `cb` with each outcome in order and returns the outcomes served. If it raises, the
    /// outcomes after that one go back to the front of `pending` and the exception is returned.
    fn serve(
        &self,
        py: Python<'_>,
        cb: &Bound<'_, PyAny>,
        outcomes: Vec<Outcome>,
    ) -> PyResult<Vec<Py<PyOutcome>>> {
        let mut served = Vec::with_capacity(outcomes.len());
        let mut rest = outcomes.into_iter();
        while let Some(o) = rest.next() {
            let o = Py::new(py, PyOutcome::from(o))?;
            if let Err(e) = cb.call1((o.clone_ref(py),)) {
                let mut pending = self.pending.lock().unwrap();
                for (i, o) in rest.enumerate() {
                    pending.insert(i, o);
                }
                return Err(e);
            }
            served.push(o);
        }
        Ok(served)
    }
}

impl Drop for PyPusher {
    /// Closes even while a wait thread abandoned by Ctrl-C still holds the engine, so those
    /// threads are released too; the GIL is released meanwhile. A no-op after close().
    fn drop(&mut self) {
        let (inner, timeout) = (&self.inner, self.close_timeout);
        Python::attach(|py| py.detach(|| inner.close(timeout)));
        self.closed.store(true, Relaxed);
    }
}

/// Returned by `Pusher.delivery()`: `with pusher.delivery(timeout): ...` yields the pusher and
/// ensures delivery when the block exits without an exception.
#[pyclass(module = "apnspush", name = "Delivery", frozen)]
pub struct Delivery {
    pusher: Py<PyPusher>,
    timeout: Option<f64>,
}

#[pymethods]
impl Delivery {
    fn __enter__(&self, py: Python<'_>) -> Py<PyPusher> {
        self.pusher.clone_ref(py)
    }

    #[pyo3(signature = (exc_type=None, _exc=None, _tb=None))]
    fn __exit__(
        &self,
        py: Python<'_>,
        exc_type: Option<&Bound<'_, PyAny>>,
        _exc: Option<&Bound<'_, PyAny>>,
        _tb: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<bool> {
        if exc_type.is_none_or(|t| t.is_none()) {
            self.pusher.get().ensure_delivery(py, self.timeout)?;
        }
        Ok(false)
    }
}

/// Pushes `items` in order, appending their ids, until all are queued, an error, or one wait
/// slice has passed (the caller then checks for signals and calls again). Runs without the GIL.
fn push_slice(
    pusher: &Pusher,
    block: bool,
    items: &[Py<PyNotification>],
    ids: &mut Vec<u64>,
) -> apnspush::Result<()> {
    let end = Instant::now() + wait::SLICE;
    for (i, item) in items.iter().enumerate() {
        let n = &item.get().inner;
        let id = match pusher.push_async_timeout(n.clone(), Duration::ZERO) {
            Err((e, n)) if e.kind() == ErrorKind::QueueFull && block => {
                let left = end.saturating_duration_since(Instant::now());
                match pusher.push_async_timeout(n, left) {
                    Err((e, _)) if e.kind() == ErrorKind::QueueFull => return Ok(()),
                    result => result.map_err(|(e, _)| e)?,
                }
            }
            result => result.map_err(|(e, _)| e)?,
        };
        ids.push(id);
        if i % 1024 == 1023 && Instant::now() >= end {
            return Ok(());
        }
    }
    Ok(())
}

fn deadline(timeout: Option<Duration>) -> Option<Instant> {
    timeout.map(|t| Instant::now() + t)
}

fn left(deadline: Option<Instant>) -> Option<Duration> {
    deadline.map(|d| d.saturating_duration_since(Instant::now()))
}

/// Whether this is the interpreter's main thread, the one signal handlers run on.
pub(crate) fn on_main_thread(py: Python<'_>) -> PyResult<bool> {
    let threading = py.import("threading")?;
    let main = threading.call_method0("main_thread")?;
    Ok(main.is(&threading.call_method0("current_thread")?))
}

fn timeout_error(py: Python<'_>, message: String) -> PyErr {
    to_py(py, &Error::new(ErrorKind::Timeout, message))
}
