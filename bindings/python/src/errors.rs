//! The exception hierarchy: `ApnsError` and one subclass per core `ErrorKind`, built once at
//! module init from a table, so a new kind only needs a row here. Every raised instance carries
//! `.code` (the kind's stable name, e.g. "BAD_TOKEN") and `.message`; a `RejectedError` also
//! `.status` and `.reason` (Apple's).

use apnspush::{Error, ErrorKind};
use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyTuple, PyType};

/// One class: its name, its apnspush parent (None = Exception), the name of an extra builtin
/// base, and the core kind it stands for (None for the abstract `ApnsError` and `ConfigError`).
struct Row {
    name: &'static str,
    parent: Option<&'static str>,
    builtin: Option<&'static str>,
    kind: Option<ErrorKind>,
    doc: &'static str,
}

const fn row(
    name: &'static str,
    parent: Option<&'static str>,
    builtin: Option<&'static str>,
    kind: Option<ErrorKind>,
    doc: &'static str,
) -> Row {
    Row {
        name,
        parent,
        builtin,
        kind,
        doc,
    }
}

const BASE: Option<&str> = Some("ApnsError");
const VALUE: Option<&str> = Some("ValueError");

/// Parents come before children.
#[rustfmt::skip]
const ROWS: &[Row] = &[
    row("ApnsError", None, None, None,
        "Base class of every apnspush error; `.code` names the kind."),
    row("BadTokenError", BASE, VALUE, Some(ErrorKind::BadToken), ""),
    row("PayloadTooLargeError", BASE, VALUE, Some(ErrorKind::PayloadTooLarge), ""),
    row("InvalidJsonError", BASE, VALUE, Some(ErrorKind::InvalidJson), ""),
    row("InvalidArgumentError", BASE, VALUE, Some(ErrorKind::InvalidArgument), ""),
    row("ConfigError", BASE, None, None, "Base class of configuration errors."),
    row("UnknownConfigKeyError", Some("ConfigError"), None, Some(ErrorKind::UnknownConfigKey), ""),
    row("InvalidConfigValueError", Some("ConfigError"), VALUE,
        Some(ErrorKind::InvalidConfigValue), ""),
    row("ConnectError", BASE, Some("ConnectionError"), Some(ErrorKind::Connect), ""),
    row("TlsError", BASE, None, Some(ErrorKind::Tls), ""),
    row("CredentialsError", BASE, None, Some(ErrorKind::Credentials), ""),
    row("IoError", BASE, Some("OSError"), Some(ErrorKind::Io), ""),
    row("QueueFullError", BASE, Some("BufferError"), Some(ErrorKind::QueueFull), ""),
    row("ClosedError", BASE, None, Some(ErrorKind::Closed), ""),
    row("TimeoutError", BASE, Some("TimeoutError"), Some(ErrorKind::Timeout), ""),
    row("ProtocolError", BASE, None, Some(ErrorKind::Protocol), ""),
    row("InternalError", BASE, None, Some(ErrorKind::Internal), ""),
    row("RejectedError", BASE, None, Some(ErrorKind::Rejected),
        "APNs refused a channel-management request; `.message` holds Apple's reason and status."),
];

/// A created class: its name, the kind it stands for, the class.
struct Class {
    name: String,
    kind: Option<ErrorKind>,
    class: Py<PyType>,
}

/// The created classes: `ROWS` in order, then one `<Code>Error(ApnsError)` for each core kind
/// that has no row yet (so a new core kind is raised as its own class at once; the stub test
/// then asks for a row and a stub entry). Set once by `register`.
static CLASSES: PyOnceLock<Vec<Class>> = PyOnceLock::new();

/// Creates every class and adds it to `module`, plus `ERROR_CLASSES` (code -> class).
pub fn register(module: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = module.py();
    let classes = CLASSES.get_or_try_init(py, || create_all(py))?;
    let by_code = PyDict::new(py);
    for c in classes {
        module.add(c.name.as_str(), c.class.bind(py))?;
        if let Some(kind) = c.kind {
            by_code.set_item(kind.name(), c.class.bind(py))?;
        }
    }
    module.add("ERROR_CLASSES", by_code)?;
    Ok(())
}

fn create_all(py: Python<'_>) -> PyResult<Vec<Class>> {
    let builtins = py.import("builtins")?;
    let mut made: Vec<Class> = Vec::with_capacity(ROWS.len());
    for row in ROWS {
        let mut bases: Vec<Bound<'_, PyAny>> = Vec::new();
        match row.parent {
            Some(parent) => bases.push(find(py, &made, parent)),
            None => bases.push(builtins.getattr("Exception")?),
        }
        if let Some(name) = row.builtin {
            bases.push(builtins.getattr(name)?);
        }
        made.push(create(py, row.name.to_owned(), bases, row.kind, row.doc)?);
    }
    for kind in ErrorKind::ALL {
        if !ROWS.iter().any(|r| r.kind == Some(kind)) {
            let name = format!("{}Error", camel(kind.name()));
            let base = find(py, &made, "ApnsError");
            made.push(create(py, name, vec![base], Some(kind), "")?);
        }
    }
    Ok(made)
}

fn find<'py>(py: Python<'py>, made: &[Class], name: &str) -> Bound<'py, PyAny> {
    let c = made
        .iter()
        .find(|c| c.name == name)
        .expect("parent row first");
    c.class.bind(py).clone().into_any()
}

fn create(
    py: Python<'_>,
    name: String,
    bases: Vec<Bound<'_, PyAny>>,
    kind: Option<ErrorKind>,
    doc: &str,
) -> PyResult<Class> {
    let attrs = PyDict::new(py);
    attrs.set_item("__module__", "apnspush")?;
    let doc = match kind {
        Some(kind) => format!("{} (code {}).", capitalise(kind.describe()), kind.name()),
        None => doc.to_owned(),
    };
    attrs.set_item("__doc__", doc)?;
    attrs.set_item("code", kind.map(ErrorKind::name))?;
    if kind == Some(ErrorKind::Rejected) {
        // Set on every raised instance; None on one made by hand.
        attrs.set_item("status", py.None())?;
        attrs.set_item("reason", py.None())?;
    }
    let type_ = py.import("builtins")?.getattr("type")?;
    let class = type_.call1((name.as_str(), PyTuple::new(py, bases)?, attrs))?;
    Ok(Class {
        name,
        kind,
        class: class.cast_into::<PyType>()?.unbind(),
    })
}

/// "QUEUE_FULL" -> "QueueFull".
fn camel(code: &str) -> String {
    code.split('_')
        .map(|w| capitalise(&w.to_ascii_lowercase()))
        .collect()
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(first) => first.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

fn class_for(py: Python<'_>, kind: ErrorKind) -> Option<Bound<'_, PyType>> {
    let classes = CLASSES.get(py)?;
    let c = classes
        .iter()
        .find(|c| c.kind == Some(kind))
        .unwrap_or(&classes[0]);
    Some(c.class.bind(py).clone())
}

/// The Python exception for a core error: its class by kind (`ApnsError` for a kind missing
/// from `ErrorKind::ALL`), with `.code` and `.message` set on the instance.
pub fn to_py(py: Python<'_>, error: &Error) -> PyErr {
    let Some(class) = class_for(py, error.kind()) else {
        return PyRuntimeError::new_err(error.to_string());
    };
    let build = || -> PyResult<PyErr> {
        let instance = class.call1((error.message(),))?;
        instance.setattr("code", error.kind().name())?;
        instance.setattr("message", error.message())?;
        if let (Some(status), Some(reason)) = (error.status(), error.reason()) {
            instance.setattr("status", status)?;
            instance.setattr("reason", reason)?;
        }
        Ok(PyErr::from_value(instance))
    };
    build().unwrap_or_else(|e| e)
}

/// `?`-friendly conversion of core results.
pub trait IntoPyResult<T> {
    fn py_err(self, py: Python<'_>) -> PyResult<T>;
}

impl<T> IntoPyResult<T> for apnspush::Result<T> {
    fn py_err(self, py: Python<'_>) -> PyResult<T> {
        self.map_err(|e| to_py(py, &e))
    }
}
