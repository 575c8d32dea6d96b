//! The notification fields read through one table (the `aps` dictionary beyond the fields
//! `notification.rs` matches by name, the Live Activity fields, `channelId`), and `sound` (a
//! name or the critical-alert object): one row per field, its JS value converted here (a wrong
//! JS type is a TypeError naming the field) and handed to the core builder's setter, which
//! checks the value (INVALID_ARGUMENT naming Apple's field, from `build`). Adding a field is one
//! row here and its declaration in `types.rs` (`NotificationInit`). JS thread only.

use crate::errors::coded;
use crate::js::{self, Kind, Raw};
use crate::notification::{text, wrong_type};
use apnspush::{ErrorKind, NotificationBuilder as Builder};
use napi::{Env, Result};

/// How a field's JS value becomes a builder call.
pub(crate) enum Field {
    /// A string.
    Text(fn(Builder, &str) -> Builder),
    /// An array of strings.
    Texts(fn(Builder, &[String]) -> Builder),
    /// A number.
    Number(fn(Builder, f64) -> Builder),
    /// A plain object, `JSON.stringify`'d.
    Object(fn(Builder, &str) -> Builder),
    /// Whole epoch seconds (Apple's field name, for the refusal).
    Seconds(&'static str, fn(Builder, u64) -> Builder),
}

/// One row per field: its name in a notification object and how it reaches the builder.
#[rustfmt::skip]
pub(crate) const FIELDS: &[(&str, Field)] = &[
    ("alertSubtitle", Field::Text(Builder::alert_subtitle)),
    ("alertLaunchImage", Field::Text(Builder::alert_launch_image)),
    ("alertTitleLocKey", Field::Text(Builder::alert_title_loc_key)),
    ("alertTitleLocArgs", Field::Texts(Builder::alert_title_loc_args::<String>)),
    ("alertSubtitleLocKey", Field::Text(Builder::alert_subtitle_loc_key)),
    ("alertSubtitleLocArgs", Field::Texts(Builder::alert_subtitle_loc_args::<String>)),
    ("alertLocKey", Field::Text(Builder::alert_loc_key)),
    ("alertLocArgs", Field::Texts(Builder::alert_loc_args::<String>)),
    ("targetContentId", Field::Text(Builder::target_content_id)),
    ("interruptionLevel", Field::Text(Builder::interruption_level)),
    ("relevanceScore", Field::Number(Builder::relevance_score)),
    ("filterCriteria", Field::Text(Builder::filter_criteria)),
    ("urlArgs", Field::Texts(Builder::url_args::<String>)),
    ("event", Field::Text(Builder::event)),
    ("contentState", Field::Object(Builder::content_state_json)),
    ("timestamp", Field::Seconds("timestamp", Builder::timestamp)),
    ("staleDate", Field::Seconds("stale-date", Builder::stale_date)),
    ("dismissalDate", Field::Seconds("dismissal-date", Builder::dismissal_date)),
    ("attributesType", Field::Text(Builder::attributes_type)),
    ("attributes", Field::Object(Builder::attributes_json)),
    ("channelId", Field::Text(Builder::channel_id)),
];

/// The row for `name`, if it is one of `FIELDS`.
pub(crate) fn find(name: &str) -> Option<&'static Field> {
    FIELDS.iter().find(|(n, _)| *n == name).map(|(_, f)| f)
}

/// Sets field `name` (a row of `FIELDS`) from `v`, which is neither undefined nor null.
pub(crate) fn apply(
    env: &Env,
    b: Builder,
    field: &Field,
    name: &str,
    v: Raw,
    vk: Kind,
) -> Result<Builder> {
    Ok(match field {
        Field::Text(set) => set(b, &text(env, name, v, vk)?),
        Field::Texts(set) => set(b, &texts(env, name, v, vk)?),
        Field::Number(set) => set(b, number(env, name, v, vk)?),
        Field::Object(set) => set(b, &object(env, name, v, vk)?),
        Field::Seconds(apple, set) => set(b, seconds(env, name, apple, v, vk)?),
    })
}

/// A plain object as JSON text (an array is refused: Apple's fields here are dictionaries).
fn object(env: &Env, name: &str, v: Raw, vk: Kind) -> Result<String> {
    if vk != Kind::Object || js::is_array(env, v) {
        return Err(wrong_type(env, name, "an object", v, vk));
    }
    match js::json_stringify(env, v)? {
        Some(json) => Ok(json),
        None => Err(coded(
            env,
            ErrorKind::InvalidArgument,
            format!("notification.{name} is not JSON-serializable"),
        )),
    }
}

/// Whole seconds since the epoch, from 0 to 2^53 - 1; anything else INVALID_ARGUMENT naming
/// Apple's field as the core does.
fn seconds(env: &Env, name: &str, apple: &str, v: Raw, vk: Kind) -> Result<u64> {
    let n = number(env, name, v, vk)?;
    if n.fract() != 0.0 || !(0.0..=9_007_199_254_740_991.0).contains(&n) {
        return Err(coded(
            env,
            ErrorKind::InvalidArgument,
            format!(
                "Live Activity {apple} must be whole seconds since the epoch, not {n} \
                 (notification.{name})"
            ),
        ));
    }
    Ok(n as u64)
}

/// An array of strings (a string itself is refused, not taken as its characters).
fn texts(env: &Env, name: &str, v: Raw, vk: Kind) -> Result<Vec<String>> {
    if !js::is_array(env, v) {
        return Err(wrong_type(env, name, "an array of strings", v, vk));
    }
    js::elements(env, v, name)?
        .into_iter()
        .enumerate()
        .map(|(i, e)| text(env, &format!("{name}[{i}]"), e, js::kind(env, e)))
        .collect()
}

/// A number (its range, and NaN, are the core's to refuse).
fn number(env: &Env, name: &str, v: Raw, vk: Kind) -> Result<f64> {
    if vk != Kind::Number {
        return Err(wrong_type(env, name, "a number", v, vk));
    }
    js::number(env, v, name)
}

/// The shape `sound` takes, for its TypeErrors.
const SOUND: &str = "a string or an object { name, critical: true, volume }";

/// `aps.sound`: a name (a string), or the critical-alert dictionary as an object with exactly
/// `name` (a string), `critical` (true) and `volume` (a number; its range is the core's). Any
/// other shape is a TypeError naming `sound`.
pub(crate) fn sound(env: &Env, b: Builder, v: Raw, vk: Kind) -> Result<Builder> {
    if vk == Kind::String {
        return Ok(b.sound(&js::string_unchecked(env, v)?));
    }
    if vk != Kind::Object || js::is_array(env, v) {
        return Err(wrong_type(env, "sound", SOUND, v, vk));
    }
    let (mut name, mut critical, mut volume) = (None, false, None);
    for (key, value) in js::entries(env, v)? {
        let vk = js::kind(env, value);
        match key.as_str() {
            "name" => name = Some(text(env, "sound.name", value, vk)?),
            "critical" => {
                if vk != Kind::Boolean || !js::boolean(env, value, "sound.critical")? {
                    return Err(sound_shape(
                        env,
                        format!("critical must be true, got {}", shown(env, value, vk)),
                    ));
                }
                critical = true;
            }
            "volume" => volume = Some(number(env, "sound.volume", value, vk)?),
            other => {
                return Err(sound_shape(
                    env,
                    format!("{other:?} is not one of its keys"),
                ))
            }
        }
    }
    match (name, critical, volume) {
        (Some(name), true, Some(volume)) => Ok(b.sound_critical(&name, volume)),
        _ => Err(sound_shape(
            env,
            "name, critical and volume are all required".into(),
        )),
    }
}

fn sound_shape(env: &Env, problem: String) -> napi::Error {
    crate::errors::type_error(
        env,
        format!("notification.sound must be {SOUND}: {problem}"),
    )
}

fn shown(env: &Env, v: Raw, vk: Kind) -> String {
    if vk == Kind::Boolean {
        js::boolean(env, v, "").map_or_else(|_| "a boolean".into(), |b| b.to_string())
    } else {
        js::describe(env, v, vk).to_owned()
    }
}
