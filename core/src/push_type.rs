//! Push-type rules shared by every face and protocol: the type inferred from a payload's
//! `aps` dictionary, and the `apns-topic` suffix Apple requires per type.

use crate::error::{Error, ErrorKind, Result};
use serde::de::{self, Deserialize, Deserializer, IgnoredAny, MapAccess, Visitor};
use serde_json::{Map, Value};
use std::fmt;

/// The push type a payload implies when none is set: `liveactivity` when `aps` carries a Live
/// Activity key (`event`, `content-state`, ...); `alert` when it carries `alert`,
/// `sound` or `badge` (a user-visible notification); `background` when it carries
/// `content-available: 1` and none of those (Apple's definition of a background update);
/// otherwise none (no `apns-push-type` header is sent).
pub(crate) fn infer(aps: &Map<String, Value>) -> Option<&'static str> {
    if crate::notification::is_live_activity(aps) {
        Some("liveactivity")
    } else if ["alert", "sound", "badge"]
        .iter()
        .any(|k| aps.contains_key(*k))
    {
        Some("alert")
    } else if aps.get("content-available").and_then(Value::as_u64) == Some(1) {
        Some("background")
    } else {
        None
    }
}

/// Validates `json` as one JSON object and returns its `aps` value (the last one, if the key
/// repeats), parsing nothing else into memory.
pub(crate) fn payload_aps(json: &[u8]) -> Result<Option<Value>> {
    let first = json.iter().find(|b| !b.is_ascii_whitespace());
    if first != Some(&b'{') {
        return Err(Error::new(
            ErrorKind::InvalidJson,
            "payload must be a JSON object",
        ));
    }
    serde_json::from_slice::<Root>(json)
        .map(|root| root.0)
        .map_err(|e| {
            Error::new(
                ErrorKind::InvalidJson,
                format!("payload is not valid JSON: {e}"),
            )
        })
}

/// The topic suffix Apple requires for `push_type`, appended to the app's bundle id.
pub(crate) fn topic_suffix(push_type: &str) -> Option<&'static str> {
    Some(match push_type {
        "voip" => ".voip",
        "complication" => ".complication",
        "fileprovider" => ".pushkit.fileprovider",
        "liveactivity" => ".push-type.liveactivity",
        "location" => ".location-query",
        "pushtotalk" => ".voip-ptt",
        _ => return None,
    })
}

/// `topic` with the suffix `push_type` requires, unless it already ends with it.
pub(crate) fn suffixed_topic(topic: &str, push_type: &str) -> String {
    match topic_suffix(push_type) {
        Some(suffix) if !topic.ends_with(suffix) => format!("{topic}{suffix}"),
        _ => topic.to_owned(),
    }
}

/// A JSON object reduced to its `aps` value.
struct Root(Option<Value>);

impl<'de> Deserialize<'de> for Root {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Root, D::Error> {
        struct RootVisitor;
        impl<'de> Visitor<'de> for RootVisitor {
            type Value = Root;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(
                self,
                mut map: A,
            ) -> std::result::Result<Root, A::Error> {
                let mut aps = None;
                while let Some(IsAps(is_aps)) = map.next_key()? {
                    if is_aps {
                        aps = Some(map.next_value::<Value>()?);
                    } else {
                        map.next_value::<IgnoredAny>()?;
                    }
                }
                Ok(Root(aps))
            }
        }
        d.deserialize_map(RootVisitor)
    }
}

/// A key, reduced to whether it is `aps` (no allocation).
struct IsAps(bool);

impl<'de> Deserialize<'de> for IsAps {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<IsAps, D::Error> {
        struct KeyVisitor;
        impl Visitor<'_> for KeyVisitor {
            type Value = IsAps;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a key")
            }
            fn visit_str<E: de::Error>(self, key: &str) -> std::result::Result<IsAps, E> {
                Ok(IsAps(key == "aps"))
            }
        }
        d.deserialize_str(KeyVisitor)
    }
}
