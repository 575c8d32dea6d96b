//! `apnspush.Channels`: broadcast channel management (iOS 18) over the core's blocking client.
//!
//! Threads: every method may be called from any Python thread; the core sends one request at
//! a time. A call converts its arguments first, then blocks with the GIL released: on the main
//! thread the request runs on a helper thread, so Ctrl-C ends the wait at once (the request
//! finishes alone and its result is dropped); on any other thread (an executor, as
//! `apnspush.aio.Channels` uses) it runs on the calling thread. Log records are served after
//! each call. APNs' refusals raise `RejectedError` with `.status` and `.reason`.

use crate::convert;
use crate::errors::IntoPyResult;
use crate::wait::off_thread;
use apnspush::{Channels, Config, MessageStoragePolicy};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyInt, PyTuple};
use std::sync::Arc;

/// A channel-management client for the app whose bundle id is the `topic` key; connected at
/// construction. Keyword arguments are the config keys, as for `Pusher`.
#[pyclass(module = "apnspush", name = "Channels", frozen)]
pub struct PyChannels {
    inner: Arc<Channels>,
}

#[pymethods]
impl PyChannels {
    #[new]
    #[pyo3(signature = (**config))]
    fn new(py: Python<'_>, config: Option<&Bound<'_, PyDict>>) -> PyResult<Self> {
        let pairs = convert::config_pairs(py, config)?;
        let cfg = Config::from_pairs(pairs.iter().map(|(k, v)| (k, v))).py_err(py)?;
        crate::logs::start(py)?;
        let channels = blocking(py, move || Channels::connect(&cfg))?;
        crate::logs::serve(py)?;
        Ok(PyChannels {
            inner: Arc::new(channels.py_err(py)?),
        })
    }

    /// Creates a Live Activity channel with message storage policy 0 (nothing stored, the
    /// default) or 1 (the most recent message stored) and returns its id.
    #[pyo3(signature = (policy=None))]
    fn create(&self, py: Python<'_>, policy: Option<&Bound<'_, PyAny>>) -> PyResult<String> {
        let policy = match policy {
            Some(p) => storage_policy(py, p)?,
            None => MessageStoragePolicy::NoMessageStored,
        };
        self.run(py, move |c| c.create(policy))
    }

    /// One channel: {"channel_id": str, "message_storage_policy": 0 or 1, "push_type": str}.
    fn get<'py>(
        &self,
        py: Python<'py>,
        channel_id: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyDict>> {
        let id = convert::text("channel_id", channel_id)?;
        let info = self.run(py, move |c| c.get(&id))?;
        let dict = PyDict::new(py);
        dict.set_item("channel_id", info.channel_id)?;
        dict.set_item("message_storage_policy", info.message_storage_policy.code())?;
        dict.set_item("push_type", info.push_type)?;
        Ok(dict)
    }

    /// Every channel id of the app.
    fn list(&self, py: Python<'_>) -> PyResult<Vec<String>> {
        self.run(py, |c| c.list())
    }

    /// Deletes a channel.
    fn delete(&self, py: Python<'_>, channel_id: &Bound<'_, PyAny>) -> PyResult<()> {
        let id = convert::text("channel_id", channel_id)?;
        self.run(py, move |c| c.delete(&id))
    }

    /// Closes the connection; later calls raise ClosedError. Idempotent. Waits (GIL
    /// released) for a request in progress on another thread.
    fn close(&self, py: Python<'_>) {
        let inner = &self.inner;
        py.detach(|| inner.close());
    }

    /// The bundle id requests are for: `topic` without a push-type suffix.
    #[getter]
    fn bundle_id(&self, py: Python<'_>) -> String {
        let inner = &self.inner;
        py.detach(|| inner.bundle_id())
    }

    fn __enter__(slf: Bound<'_, Self>) -> Bound<'_, Self> {
        slf
    }

    #[pyo3(signature = (*_exc))]
    fn __exit__(&self, py: Python<'_>, _exc: &Bound<'_, PyTuple>) -> bool {
        self.close(py);
        false
    }

    fn __repr__(&self, py: Python<'_>) -> String {
        format!("Channels(bundle_id='{}')", self.bundle_id(py))
    }
}

impl PyChannels {
    /// Runs one core call as the module docs say and converts its error.
    fn run<T: Send + 'static>(
        &self,
        py: Python<'_>,
        call: impl FnOnce(&Channels) -> apnspush::Result<T> + Send + 'static,
    ) -> PyResult<T> {
        let inner = self.inner.clone();
        let result = blocking(py, move || call(&inner))?;
        crate::logs::serve(py)?;
        result.py_err(py)
    }
}

/// `work` with the GIL released: on the main thread on a helper thread that Ctrl-C can
/// abandon, elsewhere on this thread.
fn blocking<T: Send + 'static>(
    py: Python<'_>,
    work: impl FnOnce() -> T + Send + 'static,
) -> PyResult<T> {
    if crate::pusher::on_main_thread(py)? {
        off_thread(py, work)
    } else {
        Ok(py.detach(work))
    }
}

/// An int policy; the core refuses numbers other than 0 and 1 (InvalidArgumentError).
fn storage_policy(py: Python<'_>, value: &Bound<'_, PyAny>) -> PyResult<MessageStoragePolicy> {
    if !value.is_instance_of::<PyInt>() || value.is_instance_of::<PyBool>() {
        return Err(PyTypeError::new_err(format!(
            "policy must be an int (0 or 1), not {}",
            convert::type_name(value)
        )));
    }
    let code = value.extract::<i64>().unwrap_or(i64::MAX);
    MessageStoragePolicy::from_code(code).py_err(py)
}
