//! `apnspush.MockServer`: the built-in mock APNs gateway (binary or HTTP/2) and feedback
//! service, for tests.
//!
//! Threads: the server's threads are Rust threads that never touch Python. Every method may be
//! called from any thread. After `stop()` the record methods return the final record and the
//! methods that change the server raise ClosedError.

use crate::convert;
use crate::errors::{to_py, IntoPyResult};
use crate::mock_args as args;
use crate::wait;
use apnspush::mock::{
    Accepted, Broadcast, Http2Rejected, Http2Request, MockOptions, MockServer, Rejected,
};
use apnspush::notification::hex_encode;
use apnspush::{Error, ErrorKind};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyTuple};
use std::sync::Mutex;
use std::time::Duration;

/// The record as it was when the server stopped.
struct Final {
    accepted: Vec<Accepted>,
    accepted_count: u64,
    rejected: Vec<Rejected>,
    http2_rejected: Vec<Http2Rejected>,
    markers: u64,
    connections: u64,
    tokens_seen: u64,
    requests: Vec<(u64, u64)>,
    broadcasts: Vec<Broadcast>,
    channels_json: String,
    http2_requests: Vec<Http2Request>,
}

enum State {
    Running(MockServer),
    Stopped(Final),
}

/// A mock APNs gateway (binary or HTTP/2 provider API) with a feedback service, over TLS on
/// 127.0.0.1. `config` holds the keyword arguments a Pusher needs to reach it:
/// `Pusher(**mock.config)`.
#[pyclass(module = "apnspush", name = "MockServer", frozen)]
pub struct PyMockServer {
    state: Mutex<State>,
    config: Vec<(String, String)>,
    /// "binary" or "http2": what the gateway port speaks.
    #[pyo3(get)]
    protocol: &'static str,
    #[pyo3(get)]
    host: String,
    #[pyo3(get)]
    port: u16,
    #[pyo3(get)]
    feedback_port: u16,
    /// HTTP/2: the channel management port (same host); 0 in binary mode.
    #[pyo3(get)]
    channel_port: u16,
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
    #[pyo3(signature = (*, protocol="binary", reject=None, drop_after=None, shutdown_after=None,
        close_silently_after=None, error_delay=0.0, record_payloads=true,
        require_client_cert=None, feedback=None, token_auth=false, http2_reject=None,
        goaway_after=None, fail_every=None, max_concurrent_streams=None, response_delay=0.0,
        stall_after=None, expire_token_after=None, max_channels=None))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        protocol: &str,
        reject: Option<&Bound<'_, PyAny>>,
        drop_after: Option<u64>,
        shutdown_after: Option<u64>,
        close_silently_after: Option<u64>,
        error_delay: f64,
        record_payloads: bool,
        require_client_cert: Option<bool>,
        feedback: Option<&Bound<'_, PyAny>>,
        token_auth: bool,
        http2_reject: Option<&Bound<'_, PyAny>>,
        goaway_after: Option<u64>,
        fail_every: Option<&Bound<'_, PyAny>>,
        max_concurrent_streams: Option<u32>,
        response_delay: f64,
        stall_after: Option<u64>,
        expire_token_after: Option<u64>,
        max_channels: Option<usize>,
    ) -> PyResult<Self> {
        let mut options = match protocol {
            "binary" => {
                args::only_for("http2", "token_auth", token_auth)?;
                args::only_for("http2", "http2_reject", http2_reject.is_some())?;
                args::only_for("http2", "goaway_after", goaway_after.is_some())?;
                args::only_for("http2", "fail_every", fail_every.is_some())?;
                args::only_for(
                    "http2",
                    "max_concurrent_streams",
                    max_concurrent_streams.is_some(),
                )?;
                args::only_for("http2", "response_delay", response_delay != 0.0)?;
                args::only_for("http2", "stall_after", stall_after.is_some())?;
                args::only_for("http2", "expire_token_after", expire_token_after.is_some())?;
                args::only_for("http2", "max_channels", max_channels.is_some())?;
                MockOptions::default()
            }
            "http2" => {
                args::only_for("binary", "shutdown_after", shutdown_after.is_some())?;
                args::only_for(
                    "binary",
                    "close_silently_after",
                    close_silently_after.is_some(),
                )?;
                args::only_for("binary", "error_delay", error_delay != 0.0)?;
                args::needs_token_auth("expire_token_after", expire_token_after, token_auth)?;
                let options = MockOptions::http2();
                if token_auth {
                    options.with_token_auth()
                } else {
                    options
                }
            }
            other => {
                return Err(PyValueError::new_err(format!(
                    "protocol must be \"binary\" or \"http2\", not {other:?}"
                )))
            }
        };
        options.drop_after = drop_after;
        options.shutdown_after = shutdown_after;
        options.close_silently_after = close_silently_after;
        options.error_delay = convert::seconds("error_delay", error_delay)?;
        options.response_delay = convert::seconds("response_delay", response_delay)?;
        options.record_payloads = record_payloads;
        options.goaway_after = goaway_after;
        options.stall_after = stall_after;
        options.expire_token_after = expire_token_after;
        if let Some(require) = require_client_cert {
            options.require_client_cert = require;
        }
        if let Some(limit) = max_concurrent_streams {
            if limit == 0 {
                return Err(PyValueError::new_err(
                    "max_concurrent_streams must be at least 1",
                ));
            }
            options.max_concurrent_streams = limit;
        }
        if let Some(limit) = max_channels {
            options.max_channels = limit;
        }
        if let Some(reject) = reject {
            options.reject = args::reject_rules(py, reject)?;
        }
        if let Some(rules) = http2_reject {
            options.http2_reject = args::http2_rules(py, rules)?;
        }
        if let Some(fail_every) = fail_every {
            options.fail_every = Some(args::fail_every(fail_every)?);
        }
        if let Some(feedback) = feedback {
            options.feedback = args::feedback_tuples(py, feedback)?;
        }
        let server = py.detach(|| MockServer::start(options)).py_err(py)?;
        Ok(PyMockServer {
            config: server.client_config(),
            protocol: server.protocol_name(),
            host: server.host().to_owned(),
            port: server.port(),
            feedback_port: server.feedback_port(),
            channel_port: server.channel_port(),
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

    /// Accepted notifications in processing order: (identifier, token_hex, payload_str,
    /// apns_id). identifier is the binary identifier or the HTTP/2 stream id; apns_id is None
    /// in binary mode. Empty when the mock was started with record_payloads=False.
    fn accepted(&self) -> Vec<(u32, String, String, Option<String>)> {
        let accepted = self.read(|s| s.accepted(), |f| f.accepted.clone());
        accepted
            .into_iter()
            .map(|a| {
                let payload = String::from_utf8_lossy(&a.payload).into_owned();
                (a.identifier, hex_encode(&a.token), payload, a.apns_id)
            })
            .collect()
    }

    /// Number of accepted notifications (also counted without record_payloads).
    fn accepted_count(&self) -> u64 {
        self.read(|s| s.accepted_count(), |f| f.accepted_count)
    }

    /// Binary: notifications answered with an error-response: (identifier, token_hex, status).
    /// Empty in HTTP/2 mode (see http2_rejected).
    fn rejected(&self) -> Vec<(u32, String, u8)> {
        let rejected = self.read(|s| s.rejected(), |f| f.rejected.clone());
        rejected
            .into_iter()
            .map(|r| (r.identifier, hex_encode(&r.token), r.status))
            .collect()
    }

    /// HTTP/2 requests answered with a status other than 200, in order (retryable ones such as
    /// fail_every's included): (token_hex, status, reason). Empty in binary mode.
    fn http2_rejected(&self) -> Vec<(String, u16, String)> {
        let rejected = self.read(|s| s.http2_rejected(), |f| f.http2_rejected.clone());
        rejected
            .into_iter()
            .map(|r| (hex_encode(&r.token), r.status, r.reason))
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

    /// HTTP/2 token auth: distinct authentic provider tokens seen.
    fn tokens_seen(&self) -> u64 {
        self.read(|s| s.tokens_seen(), |f| f.tokens_seen)
    }

    /// HTTP/2: (connection, request streams opened on it) for every gateway connection, by
    /// connection number (from 1), whatever became of the requests.
    fn requests_per_connection(&self) -> Vec<(u64, u64)> {
        self.read(|s| s.requests_per_connection(), |f| f.requests.clone())
    }

    /// HTTP/2: the delivery headers of every request judged, in order, as dicts with the keys
    /// token (hex; "" for a broadcast), expiration, push_type, topic, priority and collapse_id
    /// (header values as str, None when absent). Empty without record_payloads.
    fn http2_requests<'py>(&self, py: Python<'py>) -> PyResult<Vec<Bound<'py, PyDict>>> {
        let requests = self.read(|s| s.http2_requests(), |f| f.http2_requests.clone());
        requests
            .into_iter()
            .map(|r| {
                let dict = PyDict::new(py);
                dict.set_item("token", hex_encode(&r.token))?;
                dict.set_item("expiration", r.expiration)?;
                dict.set_item("push_type", r.push_type)?;
                dict.set_item("topic", r.topic)?;
                dict.set_item("priority", r.priority)?;
                dict.set_item("collapse_id", r.collapse_id)?;
                Ok(dict)
            })
            .collect()
    }

    /// HTTP/2: the broadcasts the gateway accepted, in order: (bundle_id, channel_id, apns_id,
    /// payload_str, connection). payload_str is "" without record_payloads.
    fn broadcasts(&self) -> Vec<(String, String, String, String, u64)> {
        let broadcasts = self.read(|s| s.broadcasts(), |f| f.broadcasts.clone());
        broadcasts
            .into_iter()
            .map(|b| {
                let payload = String::from_utf8_lossy(&b.payload).into_owned();
                (b.bundle_id, b.channel_id, b.apns_id, payload, b.connection)
            })
            .collect()
    }

    /// HTTP/2: the channel registry and the broadcasts accepted, as JSON text (docs/CHANNELS.md,
    /// "The mock"): {"limit", "apps", "deleted", "broadcasts", "broadcasts_per_channel",
    /// "management_answers"}.
    fn channels_json(&self) -> String {
        self.read(|s| s.channels_json(), |f| f.channels_json.clone())
    }

    /// HTTP/2: creates a channel of `bundle_id` with policy 0 or 1 directly (no request) and
    /// returns its id. InvalidArgumentError for another policy or past max_channels.
    #[pyo3(signature = (bundle_id, policy=0))]
    fn add_channel(&self, py: Python<'_>, bundle_id: &str, policy: u8) -> PyResult<String> {
        self.running(py, |s| s.add_channel(bundle_id, policy))?
            .py_err(py)
    }

    /// HTTP/2: the live channel ids of `bundle_id`, in creation order.
    fn channel_ids(&self, py: Python<'_>, bundle_id: &str) -> PyResult<Vec<String>> {
        self.running(py, |s| s.channel_ids(bundle_id))
    }

    /// Answers later notifications to `token` (hex str or bytes) with `status`: binary, an
    /// error-response status (0-255, no reason); HTTP/2, an HTTP status (400-599) and `reason`
    /// (required).
    #[pyo3(signature = (token, status, reason=None))]
    fn reject_token(
        &self,
        py: Python<'_>,
        token: &Bound<'_, PyAny>,
        status: &Bound<'_, PyAny>,
        reason: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<()> {
        let token = convert::token_bytes(py, "token", token)?;
        if self.protocol == "http2" {
            let status = args::http2_status("status", status)?;
            let reason = reason.ok_or_else(|| {
                PyValueError::new_err("reject_token needs a reason in http2 mode")
            })?;
            let reason = convert::text("reason", reason)?;
            self.running(py, |s| s.reject_token_http2(&token, status, &reason))
        } else {
            args::only_for("http2", "reason", reason.is_some())?;
            let status = convert::uint("status", status, 255)? as u8;
            self.running(py, |s| s.reject_token(&token, status))
        }
    }

    /// Replaces the (timestamp, token) tuples the next feedback connection receives.
    fn set_feedback(&self, py: Python<'_>, tuples: &Bound<'_, PyAny>) -> PyResult<()> {
        let tuples = args::feedback_tuples(py, tuples)?;
        self.running(py, |s| s.set_feedback(tuples))
    }

    /// Waits until accepted_count() >= n or `timeout` seconds pass (None: no limit); returns
    /// whether the count was reached. Interruptible with Ctrl-C.
    #[pyo3(signature = (n, timeout=None))]
    fn wait_accepted(&self, py: Python<'_>, n: u64, timeout: Option<f64>) -> PyResult<bool> {
        let timeout = convert::timeout("timeout", timeout)?;
        let reached = wait::sliced(
            py,
            timeout,
            |budget| {
                let state = self.state.lock().unwrap();
                let reached = match &*state {
                    State::Running(s) => s.wait_accepted(n, budget.min(Duration::from_millis(10))),
                    State::Stopped(f) => f.accepted_count >= n,
                };
                reached.then_some(())
            },
            |_| Ok(()),
        )?;
        Ok(reached.is_some())
    }

    /// Forgets accepted, rejected, http2_rejected, markers, the connection count, broadcasts and
    /// the management answer counts; keeps rules, feedback and channels.
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
                http2_rejected: server.http2_rejected(),
                markers: server.markers(),
                connections: server.connections(),
                tokens_seen: server.tokens_seen(),
                requests: server.requests_per_connection(),
                broadcasts: server.broadcasts(),
                channels_json: server.channels_json(),
                http2_requests: server.http2_requests(),
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
        format!(
            "MockServer(protocol='{}', host='{}', port={})",
            self.protocol, self.host, self.port
        )
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
