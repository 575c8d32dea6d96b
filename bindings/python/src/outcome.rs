//! `apnspush.Outcome`: the final outcome of one notification, as plain read-only attributes.

use apnspush::notification::hex_encode;
use apnspush::Outcome;
use pyo3::prelude::*;

/// What happened to one notification. `kind` is "accepted", "rejected", "failed", "expired" or
/// "cancelled"; `error` is the error code name behind a failed outcome (else None).
#[pyclass(module = "apnspush", name = "Outcome", frozen)]
pub struct PyOutcome {
    /// The id push_async returned.
    #[pyo3(get)]
    id: u64,
    #[pyo3(get)]
    kind: &'static str,
    /// Binary: the error-response status; HTTP/2: the response status; 0 when none.
    #[pyo3(get)]
    status: u16,
    /// Apple's reason text, or the library's message for failed/cancelled/expired.
    #[pyo3(get)]
    reason: String,
    #[pyo3(get)]
    error: Option<&'static str>,
    /// HTTP/2 410: when the token stopped being valid, in milliseconds since the epoch.
    #[pyo3(get)]
    timestamp: Option<u64>,
    /// Device token as lower-case hex ("" for a broadcast on a channel).
    #[pyo3(get)]
    token: String,
    /// The broadcast channel it was sent on; None when sent to a device token.
    #[pyo3(get)]
    channel_id: Option<String>,
    #[pyo3(get)]
    apns_id: Option<String>,
    /// Accepted on evidence rather than presumed after the error window.
    #[pyo3(get)]
    confirmed: bool,
    /// Times it was written, replays included.
    #[pyo3(get)]
    attempts: u32,
    #[pyo3(get)]
    user_data: u64,
}

impl From<Outcome> for PyOutcome {
    fn from(o: Outcome) -> Self {
        PyOutcome {
            id: o.id,
            kind: o.kind.name(),
            status: o.status,
            reason: o.reason,
            error: o.error.map(|e| e.name()),
            timestamp: o.timestamp,
            token: hex_encode(&o.token),
            channel_id: o.channel_id,
            apns_id: o.apns_id,
            confirmed: o.confirmed,
            attempts: o.attempts,
            user_data: o.user_data,
        }
    }
}

#[pymethods]
impl PyOutcome {
    /// True when kind is "accepted".
    #[getter]
    fn accepted(&self) -> bool {
        self.kind == "accepted"
    }

    fn __repr__(&self) -> String {
        let mut s = format!(
            "Outcome(id={}, kind='{}', token='{}'",
            self.id, self.kind, self.token
        );
        if self.status != 0 {
            s += &format!(", status={}", self.status);
        }
        if !self.reason.is_empty() {
            s += &format!(", reason={:?}", self.reason);
        }
        if let Some(e) = self.error {
            s += &format!(", error='{e}'");
        }
        s += &format!(
            ", attempts={}, user_data={})",
            self.attempts, self.user_data
        );
        s
    }
}

/// Outcomes as a Python list of `Outcome`.
pub fn to_list(py: Python<'_>, outcomes: Vec<Outcome>) -> PyResult<Vec<Py<PyOutcome>>> {
    outcomes
        .into_iter()
        .map(|o| Py::new(py, PyOutcome::from(o)))
        .collect()
}
