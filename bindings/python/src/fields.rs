//! The payload fields `Notification(...)` takes as keyword arguments beyond those named in its
//! signature: one row per option, its Python value converted here (a wrong type is a TypeError
//! naming the option) and handed to the core builder's setter, which checks the value
//! (`InvalidArgumentError` naming the field, raised by `build`). Adding an option is one row
//! here and one line in `_apnspush.pyi`. `sound` (a named keyword) is read by `sound` below.

use crate::convert;
use apnspush::NotificationBuilder as Builder;
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple};

/// How a keyword's value becomes a builder call.
enum Field {
    /// A str.
    Text(fn(Builder, &str) -> Builder),
    /// A list or tuple of str.
    Texts(fn(Builder, &[String]) -> Builder),
    /// An int or a float (not a bool).
    Number(fn(Builder, f64) -> Builder),
    /// An int of epoch seconds (not a bool).
    Seconds(fn(Builder, u64) -> Builder),
    /// A dict, handed over as JSON text.
    Object(fn(Builder, &str) -> Builder),
}

/// One row per option: its keyword and how it reaches the builder.
#[rustfmt::skip]
const FIELDS: &[(&str, Field)] = &[
    ("alert_subtitle", Field::Text(Builder::alert_subtitle)),
    ("alert_launch_image", Field::Text(Builder::alert_launch_image)),
    ("alert_title_loc_key", Field::Text(Builder::alert_title_loc_key)),
    ("alert_title_loc_args", Field::Texts(Builder::alert_title_loc_args::<String>)),
    ("alert_subtitle_loc_key", Field::Text(Builder::alert_subtitle_loc_key)),
    ("alert_subtitle_loc_args", Field::Texts(Builder::alert_subtitle_loc_args::<String>)),
    ("alert_loc_key", Field::Text(Builder::alert_loc_key)),
    ("alert_loc_args", Field::Texts(Builder::alert_loc_args::<String>)),
    ("target_content_id", Field::Text(Builder::target_content_id)),
    ("interruption_level", Field::Text(Builder::interruption_level)),
    ("relevance_score", Field::Number(Builder::relevance_score)),
    ("filter_criteria", Field::Text(Builder::filter_criteria)),
    ("url_args", Field::Texts(Builder::url_args::<String>)),
    ("event", Field::Text(Builder::event)),
    ("content_state", Field::Object(Builder::content_state_json)),
    ("timestamp", Field::Seconds(Builder::timestamp)),
    ("stale_date", Field::Seconds(Builder::stale_date)),
    ("dismissal_date", Field::Seconds(Builder::dismissal_date)),
    ("attributes_type", Field::Text(Builder::attributes_type)),
    ("attributes", Field::Object(Builder::attributes_json)),
    ("channel_id", Field::Text(Builder::channel_id)),
];

/// Applies every keyword of `fields` in the order given; None means "not given", as for the
/// named keywords. A keyword that is no option raises TypeError, as Python does.
pub fn apply(mut b: Builder, fields: &Bound<'_, PyDict>) -> PyResult<Builder> {
    for (name, value) in fields.iter() {
        let name = convert::text("keyword", &name)?;
        let Some((_, field)) = FIELDS.iter().find(|(n, _)| *n == name) else {
            return Err(PyTypeError::new_err(format!(
                "Notification() got an unexpected keyword argument '{name}'"
            )));
        };
        if value.is_none() {
            continue;
        }
        b = match field {
            Field::Text(set) => set(b, &convert::text(&name, &value)?),
            Field::Texts(set) => set(b, &texts(&name, &value)?),
            Field::Number(set) => set(b, number(&name, &value)?),
            Field::Seconds(set) => set(b, convert::uint(&name, &value, u64::MAX)?),
            Field::Object(set) => set(b, &object(&name, &value)?),
        };
    }
    Ok(b)
}

/// A list or tuple of str (a str itself is refused, not taken as its characters).
fn texts(name: &str, value: &Bound<'_, PyAny>) -> PyResult<Vec<String>> {
    let items = if let Ok(list) = value.cast::<PyList>() {
        list.iter().collect::<Vec<_>>()
    } else if let Ok(tuple) = value.cast::<PyTuple>() {
        tuple.iter().collect()
    } else {
        return Err(PyTypeError::new_err(format!(
            "{name} must be a list of str, not {}",
            convert::type_name(value)
        )));
    };
    items
        .iter()
        .enumerate()
        .map(|(i, item)| convert::text(&format!("{name}[{i}]"), item))
        .collect()
}

/// An int or float as f64 (range and NaN are the core's to refuse).
fn number(name: &str, value: &Bound<'_, PyAny>) -> PyResult<f64> {
    let numeric = value.is_instance_of::<PyFloat>()
        || (value.is_instance_of::<PyInt>() && !value.is_instance_of::<PyBool>());
    if !numeric {
        return Err(PyTypeError::new_err(format!(
            "{name} must be a float, not {}",
            convert::type_name(value)
        )));
    }
    value.extract()
}

/// A dict as JSON text (anything else is refused, a JSON str included).
fn object(name: &str, value: &Bound<'_, PyAny>) -> PyResult<String> {
    if !value.is_instance_of::<PyDict>() {
        return Err(PyTypeError::new_err(format!(
            "{name} must be a dict, not {}",
            convert::type_name(value)
        )));
    }
    let py = value.py();
    convert::json_dumps(value).map_err(|e| {
        let message = format!("{name}: {}", e.value(py));
        if e.is_instance_of::<PyTypeError>(py) {
            PyTypeError::new_err(message)
        } else {
            PyValueError::new_err(message)
        }
    })
}

/// `sound`: a str (`aps.sound`, the sound name) or the critical-alert dictionary
/// `{"name": str, "critical": True, "volume": float}` (exactly these keys), the core's
/// `sound_critical(name, volume)`. Another type or key set is a TypeError, `critical` other
/// than True a ValueError; the name and volume are the core's to check.
pub fn sound(b: Builder, value: &Bound<'_, PyAny>) -> PyResult<Builder> {
    const NAME: &str = "sound";
    if value.is_instance_of::<PyString>() {
        return Ok(b.sound(&convert::text(NAME, value)?));
    }
    let shape = || {
        PyTypeError::new_err(format!(
            "{NAME} must be a str or a dict with exactly the keys 'name' (str), 'critical' \
             (True) and 'volume' (float), not {}",
            describe(value)
        ))
    };
    let dict = value.cast::<PyDict>().map_err(|_| shape())?;
    let keys_ok = dict.len() == 3
        && dict.keys().iter().all(|k| {
            matches!(
                k.extract::<String>().as_deref(),
                Ok("name" | "critical" | "volume")
            )
        });
    if !keys_ok {
        return Err(shape());
    }
    let item = |key: &str| dict.get_item(key).ok().flatten().ok_or_else(shape);
    let critical = item("critical")?;
    if !convert::flag(&format!("{NAME}['critical']"), &critical)? {
        return Err(PyValueError::new_err(format!(
            "{NAME}['critical'] must be True (a dict is the critical-alert sound; give a str \
             for another sound)"
        )));
    }
    let name = convert::text(&format!("{NAME}['name']"), &item("name")?)?;
    let volume = number(&format!("{NAME}['volume']"), &item("volume")?)?;
    Ok(b.sound_critical(&name, volume))
}

/// A dict by its keys, anything else by its type, for the shape error.
fn describe(value: &Bound<'_, PyAny>) -> String {
    match value.cast::<PyDict>() {
        Ok(dict) => {
            let keys: Vec<String> = dict
                .keys()
                .iter()
                .map(|k| match k.cast::<PyString>() {
                    Ok(s) => format!("'{}'", s.to_string_lossy()),
                    Err(_) => convert::type_name(&k),
                })
                .collect();
            if keys.is_empty() {
                "an empty dict".into()
            } else {
                format!("a dict with the keys {}", keys.join(", "))
            }
        }
        Err(_) => convert::type_name(value),
    }
}
