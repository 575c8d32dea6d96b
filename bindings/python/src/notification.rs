//! `apnspush.Notification`: an immutable, validated notification. Construction validates
//! everything (bad hex, token length, JSON, field values) and raises before anything is queued.

use crate::convert::{self, json_dumps, Token};
use crate::errors::IntoPyResult;
use apnspush::notification::hex_encode;
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyString};

/// A device token (or a broadcast channel id), a JSON payload and delivery options. Immutable
/// and thread-safe; pushing it copies it, so one object may be pushed many times.
#[pyclass(module = "apnspush", name = "Notification", frozen)]
pub struct PyNotification {
    pub inner: apnspush::Notification,
}

#[pymethods]
impl PyNotification {
    /// The payload fields not named in the signature (the rest of the `aps` dictionary) arrive
    /// in `fields` and are read by `fields.rs`.
    #[new]
    #[pyo3(signature = (token=None, payload=None, *, alert_title=None, alert_body=None, badge=None,
        sound=None, category=None, thread_id=None, content_available=None, mutable_content=None,
        custom=None, expiry=None, priority=None, topic=None, push_type=None, collapse_id=None,
        apns_id=None, user_data=None, **fields))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        token: Option<&Bound<'_, PyAny>>,
        payload: Option<&Bound<'_, PyAny>>,
        alert_title: Option<&Bound<'_, PyAny>>,
        alert_body: Option<&Bound<'_, PyAny>>,
        badge: Option<&Bound<'_, PyAny>>,
        sound: Option<&Bound<'_, PyAny>>,
        category: Option<&Bound<'_, PyAny>>,
        thread_id: Option<&Bound<'_, PyAny>>,
        content_available: Option<&Bound<'_, PyAny>>,
        mutable_content: Option<&Bound<'_, PyAny>>,
        custom: Option<&Bound<'_, PyAny>>,
        expiry: Option<&Bound<'_, PyAny>>,
        priority: Option<&Bound<'_, PyAny>>,
        topic: Option<&Bound<'_, PyAny>>,
        push_type: Option<&Bound<'_, PyAny>>,
        collapse_id: Option<&Bound<'_, PyAny>>,
        apns_id: Option<&Bound<'_, PyAny>>,
        user_data: Option<&Bound<'_, PyAny>>,
        fields: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Self> {
        let mut b = apnspush::Notification::builder();
        // Without a token it needs `channel_id` (the core refuses neither and both).
        if let Some(token) = token {
            b = match convert::token("token", token)? {
                Token::Hex(h) => b.token_hex(&h),
                Token::Bytes(bytes) => b.token_bytes(&bytes),
            };
        }
        // Given with payload fields, the core refuses it (InvalidArgument) at build.
        if let Some(payload) = payload {
            b = b.payload_json(&payload_text(payload)?);
        }
        if let Some(v) = alert_title {
            b = b.alert_title(&convert::text("alert_title", v)?);
        }
        if let Some(v) = alert_body {
            b = b.alert_body(&convert::text("alert_body", v)?);
        }
        if let Some(v) = badge {
            b = b.badge(convert::uint("badge", v, u32::MAX as u64)? as u32);
        }
        if let Some(v) = sound {
            b = crate::fields::sound(b, v)?;
        }
        if let Some(fields) = fields {
            b = crate::fields::apply(b, fields)?;
        }
        if let Some(v) = category {
            b = b.category(&convert::text("category", v)?);
        }
        if let Some(v) = thread_id {
            b = b.thread_id(&convert::text("thread_id", v)?);
        }
        if let Some(v) = content_available {
            b = b.content_available(convert::flag("content_available", v)?);
        }
        if let Some(v) = mutable_content {
            b = b.mutable_content(convert::flag("mutable_content", v)?);
        }
        if let Some(v) = custom {
            let dict = v.cast::<PyDict>().map_err(|_| {
                PyTypeError::new_err(format!(
                    "custom must be a dict, not {}",
                    convert::type_name(v)
                ))
            })?;
            for (key, value) in dict.iter() {
                let key = convert::text("custom key", &key)?;
                b = b.custom_json(&key, &json_dumps(&value)?);
            }
        }
        if let Some(v) = expiry {
            b = b.expiry(convert::uint("expiry", v, u32::MAX as u64)? as u32);
        }
        if let Some(v) = priority {
            b = b.priority(convert::uint("priority", v, u8::MAX as u64)? as u8);
        }
        if let Some(v) = topic {
            b = b.topic(&convert::text("topic", v)?);
        }
        if let Some(v) = push_type {
            b = b.push_type(&convert::text("push_type", v)?);
        }
        if let Some(v) = collapse_id {
            b = b.collapse_id(&convert::text("collapse_id", v)?);
        }
        if let Some(v) = apns_id {
            b = b.apns_id(&convert::text("apns_id", v)?);
        }
        if let Some(v) = user_data {
            b = b.user_data(convert::uint("user_data", v, u64::MAX)?);
        }
        Ok(PyNotification {
            inner: b.build().py_err(py)?,
        })
    }

    /// The device token as lower-case hex; "" for a broadcast (see `channel_id`).
    #[getter]
    fn token(&self) -> String {
        hex_encode(self.inner.token())
    }

    /// The device token bytes.
    #[getter]
    fn token_bytes<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, self.inner.token())
    }

    /// The broadcast channel it is sent on; None when it is sent to a device token.
    #[getter]
    fn channel_id(&self) -> Option<&str> {
        self.inner.channel_id()
    }

    /// The payload as JSON text.
    #[getter]
    fn payload(&self) -> String {
        String::from_utf8_lossy(self.inner.payload()).into_owned()
    }

    /// Epoch seconds, or None when unset (APNs stores and retries); 0 is one attempt only.
    #[getter]
    fn expiry(&self) -> Option<u32> {
        self.inner.expiry()
    }

    #[getter]
    fn priority(&self) -> u8 {
        self.inner.priority()
    }

    #[getter]
    fn topic(&self) -> Option<&str> {
        self.inner.topic()
    }

    /// As given, or inferred from `aps` when not given ("alert" or "background"), or None.
    #[getter]
    fn push_type(&self) -> Option<&str> {
        self.inner.push_type()
    }

    #[getter]
    fn collapse_id(&self) -> Option<&str> {
        self.inner.collapse_id()
    }

    #[getter]
    fn apns_id(&self) -> Option<&str> {
        self.inner.apns_id()
    }

    #[getter]
    fn user_data(&self) -> u64 {
        self.inner.user_data()
    }

    fn __repr__(&self) -> String {
        let target = match self.inner.channel_id() {
            Some(id) => format!("channel_id='{id}'"),
            None => format!("token='{}'", self.token()),
        };
        format!(
            "Notification({target}, payload={:?}, user_data={})",
            self.payload(),
            self.inner.user_data()
        )
    }
}

/// The payload as JSON text: str as is, bytes as UTF-8, dict (or any JSON value) serialised.
fn payload_text(payload: &Bound<'_, PyAny>) -> PyResult<String> {
    if let Ok(s) = payload.cast::<PyString>() {
        return Ok(s.to_cow()?.into_owned());
    }
    if let Ok(b) = payload.cast::<PyBytes>() {
        return String::from_utf8(b.as_bytes().to_vec())
            .map_err(|_| PyValueError::new_err("payload bytes are not UTF-8"));
    }
    if payload.is_instance_of::<PyDict>() {
        return json_dumps(payload);
    }
    Err(PyTypeError::new_err(format!(
        "payload must be a JSON str, bytes or a dict, not {}",
        convert::type_name(payload)
    )))
}

/// A core notification from a Python `Notification` argument (copied; the object stays usable).
pub fn extract(arg: &Bound<'_, PyAny>) -> PyResult<apnspush::Notification> {
    match arg.cast::<PyNotification>() {
        Ok(n) => Ok(n.get().inner.clone()),
        Err(_) => Err(not_a_notification(arg)),
    }
}

/// The argument as a `Notification`, or TypeError.
pub fn checked(arg: Bound<'_, PyAny>) -> PyResult<Bound<'_, PyNotification>> {
    arg.cast_into::<PyNotification>()
        .map_err(|e| not_a_notification(&e.into_inner()))
}

fn not_a_notification(arg: &Bound<'_, PyAny>) -> PyErr {
    PyTypeError::new_err(format!(
        "expected an apnspush.Notification, not {}",
        convert::type_name(arg)
    ))
}
