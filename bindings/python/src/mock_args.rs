//! `MockServer(...)` keyword arguments to the core's mock rules, with TypeError/ValueError
//! messages that name the argument. Everything here runs with the GIL held and never blocks.

use crate::convert;
use apnspush::FeedbackTuple;
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyTuple};

/// Binary rules: {token: status} with status 0-255.
pub fn reject_rules(py: Python<'_>, value: &Bound<'_, PyAny>) -> PyResult<Vec<(Vec<u8>, u8)>> {
    let mut rules = Vec::new();
    for (token, status) in dict("reject", "token -> status", value)?.iter() {
        let token = convert::token_bytes(py, "reject token", &token)?;
        let status = convert::uint("reject status", &status, 255)? as u8;
        rules.push((token, status));
    }
    Ok(rules)
}

/// HTTP/2 rules: {token: (status, reason)} with status 400-599.
pub fn http2_rules(
    py: Python<'_>,
    value: &Bound<'_, PyAny>,
) -> PyResult<Vec<(Vec<u8>, u16, String)>> {
    let mut rules = Vec::new();
    for (token, rule) in dict("http2_reject", "token -> (status, reason)", value)?.iter() {
        let token = convert::token_bytes(py, "http2_reject token", &token)?;
        let [status, reason] = pair("http2_reject values", "(status, reason)", &rule)?;
        let status = http2_status("http2_reject status", &status)?;
        let reason = convert::text("http2_reject reason", &reason)?;
        rules.push((token, status, reason));
    }
    Ok(rules)
}

/// `(n, status)`: every n-th request (n >= 1) is answered with status 400-599.
pub fn fail_every(value: &Bound<'_, PyAny>) -> PyResult<(u64, u16)> {
    let [every, status] = pair("fail_every", "(n, status)", value)?;
    let every = convert::uint("fail_every n", &every, u64::MAX)?;
    if every == 0 {
        return Err(PyValueError::new_err("fail_every n must be at least 1"));
    }
    Ok((every, http2_status("fail_every status", &status)?))
}

/// ValueError when `name` is given (`given`) to a mock that does not speak `protocol`, where
/// the core would ignore it.
pub fn only_for(protocol: &str, name: &str, given: bool) -> PyResult<()> {
    if given {
        return Err(PyValueError::new_err(format!(
            "{name} applies only to protocol=\"{protocol}\""
        )));
    }
    Ok(())
}

/// ValueError when `name` is given without token_auth=True, where the core would ignore it.
pub fn needs_token_auth(name: &str, value: Option<u64>, token_auth: bool) -> PyResult<()> {
    if value.is_some() && !token_auth {
        return Err(PyValueError::new_err(format!(
            "{name} applies only with token_auth=True"
        )));
    }
    Ok(())
}

/// `value` as a dict, or TypeError naming `name` and what it should map (`shape`).
fn dict<'a, 'py>(
    name: &str,
    shape: &str,
    value: &'a Bound<'py, PyAny>,
) -> PyResult<&'a Bound<'py, PyDict>> {
    value.cast::<PyDict>().map_err(|_| {
        PyTypeError::new_err(format!(
            "{name} must be a dict of {shape}, not {}",
            convert::type_name(value)
        ))
    })
}

/// The two items of a 2-tuple, or TypeError naming `name` and the expected `shape`.
fn pair<'py>(
    name: &str,
    shape: &str,
    value: &Bound<'py, PyAny>,
) -> PyResult<[Bound<'py, PyAny>; 2]> {
    match value.cast::<PyTuple>() {
        Ok(t) if t.len() == 2 => Ok([t.get_item(0)?, t.get_item(1)?]),
        _ => Err(PyTypeError::new_err(format!(
            "{name} must be a {shape} tuple, not {}",
            convert::type_name(value)
        ))),
    }
}

/// An HTTP error status for the mock to answer with: an int from 400 to 599.
pub fn http2_status(name: &str, value: &Bound<'_, PyAny>) -> PyResult<u16> {
    match convert::uint(name, value, u64::MAX) {
        Err(e) if e.is_instance_of::<PyTypeError>(value.py()) => Err(e),
        Ok(status @ 400..=599) => Ok(status as u16),
        _ => Err(PyValueError::new_err(format!(
            "{name} must be from 400 to 599, not {}",
            value.str()?
        ))),
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
