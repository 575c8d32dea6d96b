//! The compiled module `apnspush._apnspush`, re-exported by `apnspush/__init__.py`.
//! The public surface is listed in `apnspush/_apnspush.pyi`; a test keeps the two in step.

// The core's enqueue hands a refused notification back by value (no allocation per refusal).
#![allow(clippy::result_large_err)]

mod channels;
mod completions;
mod convert;
mod errors;
mod feedback;
mod fields;
mod logs;
mod mock;
mod mock_args;
mod notification;
mod outcome;
mod pusher;
mod wait;

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyTuple};

#[pymodule]
fn _apnspush(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    errors::register(m)?;
    m.add_class::<notification::PyNotification>()?;
    m.add_class::<outcome::PyOutcome>()?;
    m.add_class::<pusher::PyPusher>()?;
    m.add_class::<pusher::Delivery>()?;
    m.add_class::<mock::PyMockServer>()?;
    m.add_class::<channels::PyChannels>()?;
    m.add_function(wrap_pyfunction!(feedback::fetch_feedback, m)?)?;
    let keys = PyDict::new(py);
    for (key, default) in apnspush::config::KEYS {
        keys.set_item(*key, *default)?;
    }
    m.add("CONFIG_KEYS", keys)?;
    m.add("STATS_FIELDS", PyTuple::new(py, apnspush::Stats::FIELDS)?)?;
    m.add(
        "OUTCOME_FIELDS",
        PyTuple::new(py, apnspush::Outcome::FIELDS)?,
    )?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
