//! The notification fields read through one table (the `aps` dictionary beyond the fields
//! `notification.rs` matches by name): one row per field, its JS value converted here (a wrong
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
    /// A value of its own shape, read by the function (given the field's name).
    Shaped(fn(&Env, Builder, &str, Raw, Kind) -> Result<Builder>),
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
    ("soundCritical", Field::Shaped(sound_critical)),
    ("targetContentId", Field::Text(Builder::target_content_id)),
    ("interruptionLevel", Field::Text(Builder::interruption_level)),
    ("relevanceScore", Field::Number(Builder::relevance_score)),
    ("filterCriteria", Field::Text(Builder::filter_criteria)),
    ("urlArgs", Field::Texts(Builder::url_args::<String>)),
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
        Field::Shaped(set) => set(env, b, name, v, vk)?,
    })
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

/// `{ name: string, volume: number }`: `aps.sound` as the critical-alert dictionary.
fn sound_critical(env: &Env, b: Builder, field: &str, v: Raw, vk: Kind) -> Result<Builder> {
    if vk != Kind::Object || js::is_array(env, v) {
        return Err(wrong_type(env, field, "an object { name, volume }", v, vk));
    }
    let (mut sound, mut volume) = (None, None);
    for (key, value) in js::entries(env, v)? {
        let vk = js::kind(env, value);
        match key.as_str() {
            "name" => sound = Some(text(env, &format!("{field}.name"), value, vk)?),
            "volume" => volume = Some(number(env, &format!("{field}.volume"), value, vk)?),
            other => {
                return Err(coded(
                    env,
                    ErrorKind::InvalidArgument,
                    format!(
                        "unknown notification.{field} field {other:?}; the fields are name, volume"
                    ),
                ))
            }
        }
    }
    let sound = sound.ok_or_else(|| missing(env, field, "name", "a string"))?;
    let volume = volume.ok_or_else(|| missing(env, field, "volume", "a number"))?;
    Ok(b.sound_critical(&sound, volume))
}

fn missing(env: &Env, field: &str, key: &str, want: &str) -> napi::Error {
    crate::errors::type_error(
        env,
        format!("notification.{field}.{key} must be {want}, got undefined"),
    )
}
