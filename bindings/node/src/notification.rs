//! Notifications from plain JS objects (the `pushAsync` hot path). JS thread only.
//!
//! Fields: token (hex string, Buffer or Uint8Array) or channelId, payload (JSON text or an
//! object, which is JSON.stringify'd) or the fields a payload is built from (alertTitle,
//! alertBody, badge, sound (a name or the critical-alert object), category, threadId,
//! contentAvailable, mutableContent, custom, and the rest of the `aps` dictionary and the Live
//! Activity fields, read through the table in fields.rs), and the delivery options expiry,
//! priority, topic, pushType, collapseId, apnsId, and userData (a number returned in the
//! outcome). `undefined`/`null` fields are skipped.
//! A field of the wrong JS type is a TypeError; an unknown field, or a value the engine refuses,
//! is an Error with the engine's code (INVALID_ARGUMENT, BAD_TOKEN, INVALID_JSON, ...).

use crate::errors::{coded, engine_error, type_error};
use crate::fields;
use crate::js::{self, Kind, Raw};
use apnspush::{ErrorKind, Notification, NotificationBuilder};
use napi::{Env, Result};

/// Every field name, for the unknown-field message.
const FIELDS: &str = "token, payload, alertTitle, alertBody, badge, sound, category, threadId, \
contentAvailable, mutableContent, custom, expiry, priority, topic, pushType, collapseId, apnsId, \
userData";

/// Validates a notification object and builds the engine's notification.
pub(crate) fn notification_from_js(env: &Env, v: Raw) -> Result<Notification> {
    let k = js::kind(env, v);
    if k != Kind::Object || js::is_array(env, v) {
        return Err(type_error(
            env,
            format!(
                "notification must be an object, got {}",
                js::describe(env, v, k)
            ),
        ));
    }
    let mut b = NotificationBuilder::default();
    js::for_each_entry(env, v, |key, value| {
        let vk = js::kind(env, value);
        if vk.is_absent() {
            return Ok(());
        }
        let take = |b: &mut NotificationBuilder| std::mem::take(b);
        match key {
            "token" => {
                b = set_token(env, take(&mut b), value, vk)?;
            }
            "payload" => {
                b = match vk {
                    Kind::String => {
                        js::with_string(env, value, |json| take(&mut b).payload_json(json))?
                    }
                    Kind::Object => {
                        let json = js::json_stringify(env, value)?.unwrap_or_default();
                        take(&mut b).payload_json(&json)
                    }
                    _ => {
                        return Err(wrong_type(
                            env,
                            "payload",
                            "a string or an object",
                            value,
                            vk,
                        ))
                    }
                };
            }
            "alertTitle" => {
                b = take(&mut b).alert_title(&text(env, "alertTitle", value, vk)?);
            }
            "alertBody" => {
                b = take(&mut b).alert_body(&text(env, "alertBody", value, vk)?);
            }
            "sound" => {
                b = fields::sound(env, take(&mut b), value, vk)?;
            }
            "category" => {
                b = take(&mut b).category(&text(env, "category", value, vk)?);
            }
            "threadId" => {
                b = take(&mut b).thread_id(&text(env, "threadId", value, vk)?);
            }
            "badge" => {
                let n = integer(env, "badge", value, vk, u32::MAX as f64)?;
                b = take(&mut b).badge(n as u32);
            }
            "contentAvailable" => {
                b = take(&mut b).content_available(flag(env, "contentAvailable", value, vk)?);
            }
            "mutableContent" => {
                b = take(&mut b).mutable_content(flag(env, "mutableContent", value, vk)?);
            }
            "custom" => {
                b = set_custom(env, take(&mut b), value, vk)?;
            }
            "expiry" => {
                let seconds = if vk == Kind::Object && js::is_date(env, value) {
                    (js::date_ms(env, value)? / 1000.0).floor()
                } else if vk == Kind::Number {
                    integer(env, "expiry", value, vk, u32::MAX as f64)?
                } else {
                    return Err(wrong_type(
                        env,
                        "expiry",
                        "a number (epoch seconds) or a Date",
                        value,
                        vk,
                    ));
                };
                if !(0.0..=u32::MAX as f64).contains(&seconds) {
                    return Err(coded(
                        env,
                        ErrorKind::InvalidArgument,
                        format!("notification.expiry is out of range: {seconds} epoch seconds"),
                    ));
                }
                b = take(&mut b).expiry(seconds as u32);
            }
            "priority" => {
                let n = js::number(env, value, "notification.priority")?;
                if n.fract() != 0.0 || !(0.0..=255.0).contains(&n) {
                    return Err(coded(
                        env,
                        ErrorKind::InvalidArgument,
                        format!("priority must be 10, 5 or 1, not {n}"),
                    ));
                }
                b = take(&mut b).priority(n as u8);
            }
            "userData" => {
                let n = integer(env, "userData", value, vk, 9_007_199_254_740_991.0)?;
                b = take(&mut b).user_data(n as u64);
            }
            "topic" => b = take(&mut b).topic(&text(env, "topic", value, vk)?),
            "pushType" => b = take(&mut b).push_type(&text(env, "pushType", value, vk)?),
            "collapseId" => b = take(&mut b).collapse_id(&text(env, "collapseId", value, vk)?),
            "apnsId" => b = take(&mut b).apns_id(&text(env, "apnsId", value, vk)?),
            other => {
                let Some(field) = fields::find(other) else {
                    let table: Vec<&str> = fields::FIELDS.iter().map(|(n, _)| *n).collect();
                    return Err(coded(
                        env,
                        ErrorKind::InvalidArgument,
                        format!(
                            "unknown notification field {other:?}; the fields are {FIELDS}, {}",
                            table.join(", ")
                        ),
                    ));
                };
                b = fields::apply(env, take(&mut b), field, other, value, vk)?;
            }
        }
        Ok(())
    })?;
    b.build().map_err(|e| engine_error(env, &e))
}

fn set_token(env: &Env, b: NotificationBuilder, v: Raw, vk: Kind) -> Result<NotificationBuilder> {
    if vk == Kind::String {
        let mut buf = [0u8; 256];
        return Ok(match js::string_into(env, v, &mut buf)? {
            Some(hex) => match decode_hex(hex) {
                Some((bytes, len)) => b.token_bytes(&bytes[..len]),
                // Anything unusual goes through the engine, whose errors name the problem.
                None => b.token_hex(hex),
            },
            None => b.token_hex(&js::string_unchecked(env, v)?),
        });
    }
    if vk == Kind::Object {
        if let Some(bytes) = js::bytes(env, v)? {
            return Ok(b.token_bytes(&bytes));
        }
    }
    Err(wrong_type(env, "token", "a hex string or a Buffer", v, vk))
}

/// Fast path for the common token: valid hex of at most 100 bytes, decoded on the stack.
fn decode_hex(hex: &str) -> Option<([u8; 100], usize)> {
    let h = hex.as_bytes();
    if !h.len().is_multiple_of(2) || h.len() > 200 {
        return None;
    }
    let nibble = |c: u8| match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    };
    let mut out = [0u8; 100];
    for (i, pair) in h.chunks_exact(2).enumerate() {
        out[i] = nibble(pair[0])? << 4 | nibble(pair[1])?;
    }
    Some((out, h.len() / 2))
}

fn set_custom(
    env: &Env,
    mut b: NotificationBuilder,
    v: Raw,
    vk: Kind,
) -> Result<NotificationBuilder> {
    if vk != Kind::Object || js::is_array(env, v) {
        return Err(wrong_type(env, "custom", "an object", v, vk));
    }
    for (key, value) in js::entries(env, v)? {
        if js::kind(env, value) == Kind::Undefined {
            continue;
        }
        let Some(json) = js::json_stringify(env, value)? else {
            return Err(coded(
                env,
                ErrorKind::InvalidArgument,
                format!("notification.custom.{key} is not JSON-serializable"),
            ));
        };
        b = b.custom_json(&key, &json);
    }
    Ok(b)
}

pub(crate) fn text(env: &Env, field: &str, v: Raw, vk: Kind) -> Result<String> {
    if vk != Kind::String {
        return Err(wrong_type(env, field, "a string", v, vk));
    }
    js::string_unchecked(env, v)
}

fn flag(env: &Env, field: &str, v: Raw, vk: Kind) -> Result<bool> {
    if vk != Kind::Boolean {
        return Err(wrong_type(env, field, "a boolean", v, vk));
    }
    js::boolean(env, v, field)
}

/// A whole number from 0 to `max` (as f64); TypeError for a non-number, INVALID_ARGUMENT else.
fn integer(env: &Env, field: &str, v: Raw, vk: Kind, max: f64) -> Result<f64> {
    if vk != Kind::Number {
        return Err(wrong_type(env, field, "a number", v, vk));
    }
    let n = js::number(env, v, field)?;
    if n.fract() != 0.0 || !(0.0..=max).contains(&n) {
        return Err(coded(
            env,
            ErrorKind::InvalidArgument,
            format!("notification.{field} must be an integer from 0 to {max}, got {n}"),
        ));
    }
    Ok(n)
}

pub(crate) fn wrong_type(env: &Env, field: &str, want: &str, v: Raw, vk: Kind) -> napi::Error {
    type_error(
        env,
        format!(
            "notification.{field} must be {want}, got {}",
            js::describe(env, v, vk)
        ),
    )
}
