//! `apnspush.fetch_feedback`: the binary feedback service client.

use crate::convert;
use crate::errors::IntoPyResult;
use crate::wait;
use apnspush::notification::hex_encode;
use pyo3::prelude::*;
use pyo3::types::PyDict;

/// Connects to the feedback service named by the config keys and returns every
/// (timestamp, token_hex) tuple it sends. Blocks (GIL released, Ctrl-C honoured) up to
/// connect_timeout_ms per read.
#[pyfunction]
#[pyo3(signature = (**config))]
pub fn fetch_feedback(
    py: Python<'_>,
    config: Option<&Bound<'_, PyDict>>,
) -> PyResult<Vec<(u32, String)>> {
    let pairs = convert::config_pairs(py, config)?;
    let cfg = apnspush::Config::from_pairs(pairs.iter().map(|(k, v)| (k, v))).py_err(py)?;
    let tuples = wait::off_thread(py, move || apnspush::fetch_feedback(&cfg))?.py_err(py)?;
    Ok(tuples
        .into_iter()
        .map(|t| (t.timestamp, hex_encode(&t.token)))
        .collect())
}
