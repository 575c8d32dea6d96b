//! Live Activity rules (ActivityKit push notifications, push type `liveactivity`): what `aps`
//! must and may carry for each event. Checked by `NotificationBuilder::build` on the payload as
//! built from fields or as given whole, so both paths refuse the same payloads.

use crate::error::{Error, ErrorKind, Result};
use serde_json::{Map, Value};

/// Values of `aps.event`.
pub const LIVE_ACTIVITY_EVENTS: [&str; 3] = ["start", "update", "end"];

/// `aps` keys only a Live Activity carries; any of them makes a payload one.
pub(crate) const KEYS: [&str; 6] = [
    "event",
    "content-state",
    "stale-date",
    "dismissal-date",
    "attributes-type",
    "attributes",
];

/// True when `aps` carries a Live Activity key.
pub(crate) fn is_live_activity(aps: &Map<String, Value>) -> bool {
    KEYS.iter().any(|k| aps.contains_key(*k))
}

fn refuse(message: String) -> Error {
    Error::new(ErrorKind::InvalidArgument, message)
}

/// Checks a Live Activity's `aps`: `event` one of `LIVE_ACTIVITY_EVENTS`; `timestamp` (epoch
/// seconds) required; `content-state` an object, required to start or update; `stale-date` and
/// `dismissal-date` epoch seconds, `dismissal-date` only to end; `attributes-type` (text) and
/// `attributes` (an object) required to start and refused otherwise; `relevance-score` a
/// number from 0 (Live Activities rank by it; it is not bounded by 1 as for notifications).
pub(crate) fn check(aps: Option<&Map<String, Value>>) -> Result<()> {
    let empty = Map::new();
    let aps = aps.unwrap_or(&empty);
    let event = match aps.get("event") {
        Some(Value::String(e)) if LIVE_ACTIVITY_EVENTS.contains(&e.as_str()) => e.as_str(),
        Some(other) => {
            return Err(refuse(format!(
                "Live Activity event {} is unknown; the events are {LIVE_ACTIVITY_EVENTS:?}",
                short(other)
            )))
        }
        None => {
            return Err(refuse(
                "a Live Activity needs an event (start, update or end)".into(),
            ))
        }
    };
    for key in ["timestamp", "stale-date", "dismissal-date"] {
        if let Some(v) = aps.get(key) {
            if v.as_u64().is_none() {
                return Err(refuse(format!(
                    "Live Activity {key} must be whole seconds since the epoch, not {}",
                    short(v)
                )));
            }
        }
    }
    if !aps.contains_key("timestamp") {
        return Err(refuse(format!(
            "a Live Activity {event} needs a timestamp (seconds since the epoch)"
        )));
    }
    for key in ["content-state", "attributes"] {
        if let Some(v) = aps.get(key) {
            if !v.is_object() {
                return Err(refuse(format!(
                    "Live Activity {key} must be a JSON object, not {}",
                    short(v)
                )));
            }
        }
    }
    if event != "end" && !aps.contains_key("content-state") {
        return Err(refuse(format!(
            "a Live Activity {event} needs a content-state"
        )));
    }
    if event != "end" && aps.contains_key("dismissal-date") {
        return Err(refuse(format!(
            "dismissal-date applies to a Live Activity end, not {event}"
        )));
    }
    match aps.get("attributes-type") {
        Some(Value::String(t)) if !t.is_empty() => {}
        Some(other) => {
            return Err(refuse(format!(
                "Live Activity attributes-type must be non-empty text, not {}",
                short(other)
            )))
        }
        None => {}
    }
    for key in ["attributes-type", "attributes"] {
        let present = aps.contains_key(key);
        if event == "start" && !present {
            return Err(refuse(format!("a Live Activity start needs {key}")));
        }
        if event != "start" && present {
            return Err(refuse(format!(
                "{key} applies to a Live Activity start, not {event}"
            )));
        }
    }
    if let Some(v) = aps.get("relevance-score") {
        if !v.as_f64().is_some_and(|s| s >= 0.0) {
            return Err(refuse(format!(
                "Live Activity relevance-score must be a number from 0, not {}",
                short(v)
            )));
        }
    }
    Ok(())
}

/// A JSON value for an error message, at most 40 characters of it.
fn short(v: &Value) -> String {
    v.to_string().chars().take(40).collect()
}
