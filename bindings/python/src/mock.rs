//! `apnspush.MockServer`: the built-in mock APNs gateway and feedback service, for tests.
//!
//! Threads: the server's threads are Rust threads that never touch Python. Every method may be
//! called from any thread. After `stop()` the record methods return the final record and the
//! methods that change the server raise ClosedError.

use crate::convert;
use crate::errors::{to_py, IntoPyResult};
use crate::wait;
use apnspush::mock::{Accepted, MockOptions, MockServer, Rejected};
use apnspush::notification::hex_encode;
use apnspush::{Error, ErrorKind, FeedbackTuple};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyTuple};
use std::sync::Mutex;
use std::time::Duration;

/// The record as it was when the server stopped.
struct Final {
    accepted: Vec<Accepted>,
    accepted_count: u64,
    rejected: Vec<Rejected>,
    markers: u64,
    connections: u64,
}

enum State {
    Running(MockServer),
    Stopped(Final),
}

/// A mock APNs binary gateway with a feedback service, over TLS on 127.0.0.1. `config` holds the
/// keyword arguments a Pusher needs to reach it: `Pusher(**mock.config)`.
#[pyclass(module = "apnspush", name = "MockServer", frozen)]
pub struct PyMockServer {
    state: Mutex<State>,
    config: Vec<(String, String)>,
    #[pyo3(get)]
    host: String,
    #[pyo3(get)]
    port: u16,
    #[pyo3(get)]
    feedback_port: u16,
    /// PEM of the CA that signed the server certificate.
    #[pyo3(get)]
    ca_pem: String,
    /// PEM of a client certificate the mock accepts, and its key.
    #[pyo3(get)]
    client_cert_pem: String,
    #[pyo3(get)]
    client_key_pem: String,
}

#[pymethods]
impl PyMockServer {
    #[new]
    #[pyo3(signature = (*, reject=None, drop_after=None, shutdown_after=None,
        close_silently_after=None, error_delay=0.0, record_payloads=true,
        require_client_cert=true, feedback=None))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        reject: Option<&Bound<'_, PyAny>>,
        drop_after: Option<u64>,
        shutdown_after: Option<u64>,
        close_silently_after: Option<u64>,
        error_delay: f64,
        record_payloads: bool,
        require_client_cert: bool,
        feedback: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let mut options = MockOptions {
            require_client_cert,
            drop_after,
            shutdown_after,
            close_silently_after,
            error_delay: convert::seconds("error_delay", error_delay)?,
            record_payloads,
            ..MockOptions::default()
        };
        if let Some(reject) = reject {
            let rules = reject.cast::<PyDict>().map_err(|_| {
                PyTypeError::new_err(format!(
                    "reject must be a dict of token -> status, not {}",
                    convert::type_name(reject)
                ))
            })?;
            for (token, status) in rules.iter() {
                let token = convert::token_bytes(py, "reject token", &token)?;
                let status = convert::uint("reject status", &status, 255)? as u8;
                options.reject.push((token, status));
            }
        }
        if let Some(feedback) = feedback {
            options.feedback = feedback_tuples(py, feedback)?;
        }
        let server = py.detach(|| MockServer::start(options)).py_err(py)?;
        Ok(PyMockServer {
            config: server.client_config(),
            host: server.host().to_owned(),
            port: server.port(),
            feedback_port: server.feedback_port(),
            ca_pem: server.ca_pem().to_owned(),
            client_cert_pem: server.client_cert_pem().to_owned(),
            client_key_pem: server.client_key_pem().to_owned(),
            state: Mutex::new(State::Running(server)),
        })
    }

    /// The config keys a Pusher (or fetch_feedback) needs to reach this mock, as a new dict.
    #[getter]
    fn config<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let dict = PyDict::new(py);
        for (k, v) in &self.config {
            dict.set_item(k, v)?;
        }
        Ok(dict)
    }

    /// Accepted notifications in processing order: (identifier, token_hex, payload_str).
    /// Empty when the mock was started with record_payloads=False.
    fn accepted(&self) -> Vec<(u32, String, String)> {
        let accepted = self.read(|s| s.accepted(), |f| f.accepted.clone());
        accepted
            .into_iter()
            .map(|a| {
                let payload = String::from_utf8_lossy(&a.payload).into_owned();
                (a.identifier, hex_encode(&a.token), payload)
            })
            .collect()
    }

    /// Number of accepted notifications (also counted without record_payloads).
    fn accepted_count(&self) -> u64 {
        self.read(|s| s.accepted_count(), |f| f.accepted_count)
    }

    /// Notifications answered with an error-response: (identifier, token_hex, status).
    fn rejected(&self) -> Vec<(u32, String, u8)> {
        let rejected = self.read(|s| s.rejected(), |f| f.rejected.clone());
        rejected
            .into_iter()
            .map(|r| (r.identifier, hex_encode(&r.token), r.status))
            .collect()
    }

    /// Flush markers answered.
    fn markers(&self) -> u64 {
        self.read(|s| s.markers(), |f| f.markers)
    }

    /// Gateway connections whose TLS handshake completed.
    fn connections(&self) -> u64 {
        self.read(|s| s.connections(), |f| f.connections)
    }

    /// Answers later notifications to `token` (hex str or bytes) with `status`.
    fn reject_token(
        &self,
        py: Python<'_>,
        token: &Bound<'_, PyAny>,
        status: &Bound<'_, PyAny>,
    ) -> PyResult<()> {
        let token = convert::token_bytes(py, "token", token)?;
        let status = convert::uint("status", status, 255)? as u8;
        self.running(py, |s| s.reject_token(&token, status))
    }

    /// Replaces the (timestamp, token) tuples the next feedback connection receives.
    fn set_feedback(&self, py: Python<'_>, tuples: &Bound<'_, PyAny>) -> PyResult<()> {
        let tuples = feedback_tuples(py, tuples)?;
        self.running(py, |s| s.set_feedback(tuples))
    }

    /// Waits until accepted_count() >= n or `timeout` seconds pass (None: no limit); returns
    /// whether the count was reached. Interruptible with Ctrl-C.
    #[pyo3(signature = (n, timeout=None))]
    fn wait_accepted(&self, py: Python<'_>, n: u64, timeout: Option<f64>) -> PyResult<bool> {
        let timeout = convert::timeout("timeout", timeout)?;
        let reached = wait::sliced(py, timeout, |budget| {
            let state = self.state.lock().unwrap();
            let reached = match &*state {
                State::Running(s) => s.wait_accepted(n, budget.min(Duration::from_millis(10))),
                State::Stopped(f) => f.accepted_count >= n,
            };
            reached.then_some(())
        })?;
        Ok(reached.is_some())
    }

    /// Forgets accepted, rejected, markers and the connection count; keeps rules and feedback.
    fn clear(&self, py: Python<'_>) -> PyResult<()> {
        self.running(py, |s| s.clear())
    }

    /// Closes the listeners and every connection and joins the server's threads. Idempotent.
    fn stop(&self, py: Python<'_>) {
        let server = {
            let mut state = self.state.lock().unwrap();
            let State::Running(server) = &*state else {
                return;
            };
            let last = Final {
                accepted: server.accepted(),
                accepted_count: server.accepted_count(),
                rejected: server.rejected(),
                markers: server.markers(),
                connections: server.connections(),
            };
            std::mem::replace(&mut *state, State::Stopped(last))
        };
        // The lock is released before the GIL is: another thread may hold the GIL and wait
        // for the lock.
        if let State::Running(server) = server {
            py.detach(|| server.stop());
        }
    }

    fn __enter__(slf: Bound<'_, Self>) -> Bound<'_, Self> {
        slf
    }

    #[pyo3(signature = (*_exc))]
    fn __exit__(&self, py: Python<'_>, _exc: &Bound<'_, PyTuple>) -> bool {
        self.stop(py);
        false
    }

    fn __repr__(&self) -> String {
        format!("MockServer(host='{}', port={})", self.host, self.port)
    }
}

impl PyMockServer {
    fn read<T>(&self, live: impl FnOnce(&MockServer) -> T, last: impl FnOnce(&Final) -> T) -> T {
        match &*self.state.lock().unwrap() {
            State::Running(s) => live(s),
            State::Stopped(f) => last(f),
        }
    }

    fn running<T>(&self, py: Python<'_>, f: impl FnOnce(&MockServer) -> T) -> PyResult<T> {
        match &*self.state.lock().unwrap() {
            State::Running(s) => Ok(f(s)),
            State::Stopped(_) => Err(to_py(
                py,
                &Error::new(ErrorKind::Closed, "the mock server is stopped"),
            )),
        }
    }
}

/// (timestamp, token) pairs; token as hex str or bytes.
pub fn feedback_tuples(py: Python<'_>, value: &Bound<'_, PyAny>) -> PyResult<Vec<FeedbackTuple>> {
    let mut tuples = Vec::new();
    for item in value.try_iter()? {
        let item = item?;
        let pair = item
            .cast::<PyTuple>()
            .ok()
            .filter(|t| t.len() == 2)
            .ok_or_else(|| {
                PyTypeError::new_err(format!(
                    "feedback items must be (timestamp, token) tuples, not {}",
                    convert::type_name(&item)
                ))
            })?;
        tuples.push(FeedbackTuple {
            timestamp: convert::uint("feedback timestamp", &pair.get_item(0)?, u32::MAX as u64)?
                as u32,
            token: convert::token_bytes(py, "feedback token", &pair.get_item(1)?)?,
        });
    }
    Ok(tuples)
}
