//! Python arguments to owned Rust values, with TypeError/ValueError messages that name the
//! argument. Everything here runs with the GIL held and never blocks.

use crate::errors::IntoPyResult;
use apnspush::Config;
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyByteArray, PyBytes, PyDict, PyInt, PyString};
use std::time::Duration;

/// Python type name of `obj`, for error messages.
pub fn type_name(obj: &Bound<'_, PyAny>) -> String {
    obj.get_type()
        .name()
        .map(|n| n.to_string())
        .unwrap_or_else(|_| "object".into())
}

/// A config value in its string form: str as is, bool as "true"/"false", int in decimal.
fn config_value(key: &str, value: &Bound<'_, PyAny>) -> PyResult<String> {
    if let Ok(s) = value.cast::<PyString>() {
        return Ok(s.to_cow()?.into_owned());
    }
    if let Ok(b) = value.cast::<PyBool>() {
        return Ok(if b.is_true() { "true" } else { "false" }.to_owned());
    }
    if value.is_instance_of::<PyInt>() {
        return Ok(value.str()?.to_cow()?.into_owned());
    }
    Err(PyTypeError::new_err(format!(
        "config key {key:?}: expected str, int or bool, got {}",
        type_name(value)
    )))
}

/// Key/value pairs from `**config`, converted and validated one by one through `Config::set`
/// (so an unknown key or a bad value raises its typed error naming the key).
pub fn config_pairs(
    py: Python<'_>,
    config: Option<&Bound<'_, PyDict>>,
) -> PyResult<Vec<(String, String)>> {
    let mut pairs = Vec::new();
    let mut check = Config::new();
    if let Some(config) = config {
        for (key, value) in config.iter() {
            let key: String = key.extract()?;
            let value = config_value(&key, &value)?;
            check.set(&key, &value).py_err(py)?;
            pairs.push((key, value));
        }
    }
    Ok(pairs)
}

/// Seconds as a Duration; None (or +inf) means no limit. Negative or NaN is a ValueError.
pub fn timeout(name: &str, seconds: Option<f64>) -> PyResult<Option<Duration>> {
    match seconds {
        None => Ok(None),
        Some(s) if s.is_nan() || s < 0.0 => Err(PyValueError::new_err(format!(
            "{name} must be a non-negative number of seconds or None, not {s}"
        ))),
        Some(s) if s.is_infinite() || s > 1.0e9 => Ok(None),
        Some(s) => Ok(Some(Duration::from_secs_f64(s))),
    }
}

/// Seconds as a Duration, where None is not allowed.
pub fn seconds(name: &str, seconds: f64) -> PyResult<Duration> {
    Ok(timeout(name, Some(seconds))?.unwrap_or(Duration::from_secs(1_000_000_000)))
}

/// An int argument in `0..=max`: TypeError for a non-int (bool included), ValueError when out
/// of range.
pub fn uint(name: &str, value: &Bound<'_, PyAny>, max: u64) -> PyResult<u64> {
    if !value.is_instance_of::<PyInt>() || value.is_instance_of::<PyBool>() {
        return Err(PyTypeError::new_err(format!(
            "{name} must be an int, not {}",
            type_name(value)
        )));
    }
    match value.extract::<u64>() {
        Ok(n) if n <= max => Ok(n),
        _ => Err(PyValueError::new_err(format!(
            "{name} must be from 0 to {max}, not {}",
            value.str()?
        ))),
    }
}

/// A bool argument (only True/False).
pub fn flag(name: &str, value: &Bound<'_, PyAny>) -> PyResult<bool> {
    match value.cast::<PyBool>() {
        Ok(b) => Ok(b.is_true()),
        Err(_) => Err(PyTypeError::new_err(format!(
            "{name} must be a bool, not {}",
            type_name(value)
        ))),
    }
}

/// A str argument.
pub fn text(name: &str, value: &Bound<'_, PyAny>) -> PyResult<String> {
    match value.cast::<PyString>() {
        Ok(s) => Ok(s.to_cow()?.into_owned()),
        Err(_) => Err(PyTypeError::new_err(format!(
            "{name} must be a str, not {}",
            type_name(value)
        ))),
    }
}

/// A device token: hex str or bytes-like. Returns the bytes, or the hex text for the core to
/// decode (so bad hex raises BadTokenError with the core's message).
pub enum Token {
    Hex(String),
    Bytes(Vec<u8>),
}

pub fn token(name: &str, value: &Bound<'_, PyAny>) -> PyResult<Token> {
    if let Ok(s) = value.cast::<PyString>() {
        return Ok(Token::Hex(s.to_cow()?.into_owned()));
    }
    if let Ok(b) = value.cast::<PyBytes>() {
        return Ok(Token::Bytes(b.as_bytes().to_vec()));
    }
    if let Ok(b) = value.cast::<PyByteArray>() {
        return Ok(Token::Bytes(b.to_vec()));
    }
    Err(PyTypeError::new_err(format!(
        "{name} must be a hex str or bytes, not {}",
        type_name(value)
    )))
}

/// Token bytes, decoding hex here (for the mock's rules and feedback tuples).
pub fn token_bytes(py: Python<'_>, name: &str, value: &Bound<'_, PyAny>) -> PyResult<Vec<u8>> {
    match token(name, value)? {
        Token::Bytes(b) => Ok(b),
        Token::Hex(h) => apnspush::notification::hex_decode(&h).py_err(py),
    }
}

/// JSON text of any JSON-serialisable Python value, compact, UTF-8 kept as is. A value json
/// cannot encode raises TypeError.
pub fn json_dumps(value: &Bound<'_, PyAny>) -> PyResult<String> {
    let py = value.py();
    let kwargs = PyDict::new(py);
    kwargs.set_item("separators", (",", ":"))?;
    kwargs.set_item("ensure_ascii", false)?;
    kwargs.set_item("allow_nan", false)?;
    let dumps = py.import("json")?.getattr("dumps")?;
    match dumps.call((value,), Some(&kwargs)) {
        Ok(s) => s.extract(),
        Err(e) if e.is_instance_of::<PyValueError>(py) => Err(PyValueError::new_err(format!(
            "value is not JSON-serialisable: {}",
            e.value(py)
        ))),
        Err(e) => Err(e),
    }
}
