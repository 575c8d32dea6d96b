//! Checks `NotificationBuilder::build` applies to values set one by one: the alert's
//! `*-loc-args` and their keys, the priority for the push type, and the delivery headers.

use super::{is_uuid, APNS_ID_LEN, COLLAPSE_ID_MAX, TOPIC_MAX};
use crate::error::{Error, ErrorKind, Result};
use serde_json::{Map, Value};

/// Every `*-loc-args` of the alert comes with its `*-loc-key`.
pub(super) fn loc_args(alert: &Map<String, Value>) -> Result<()> {
    for (args, key) in [
        ("title-loc-args", "title-loc-key"),
        ("subtitle-loc-args", "subtitle-loc-key"),
        ("loc-args", "loc-key"),
    ] {
        if alert.contains_key(args) && !alert.contains_key(key) {
            return Err(Error::new(
                ErrorKind::InvalidArgument,
                format!("alert {args} was set without alert {key}"),
            ));
        }
    }
    Ok(())
}

/// The priority: as set (10, 5 or 1), or 5 for push type `background` and 10 otherwise; 10
/// with `background` is refused, saying whether the push type was set or inferred.
pub(super) fn priority(
    set: Option<u8>,
    push_type: Option<&str>,
    push_type_set: bool,
) -> Result<u8> {
    let background = push_type == Some("background");
    let priority = set.unwrap_or(if background { 5 } else { 10 });
    if ![10, 5, 1].contains(&priority) {
        return Err(Error::new(
            ErrorKind::InvalidArgument,
            format!("priority must be 10, 5 or 1, not {priority}"),
        ));
    }
    if background && priority == 10 {
        let how = if push_type_set {
            "set"
        } else {
            "inferred from content-available alone"
        };
        return Err(Error::new(
            ErrorKind::InvalidArgument,
            format!("priority 10 is not allowed with push type \"background\" ({how}); use 5 or 1, or leave the priority unset"),
        ));
    }
    Ok(priority)
}

/// `apns-collapse-id` at most `COLLAPSE_ID_MAX` bytes without control characters, `apns-id` a
/// UUID, `apns-topic` non-empty, at most `TOPIC_MAX` bytes, without control characters.
pub(super) fn headers(
    collapse_id: Option<&str>,
    apns_id: Option<&str>,
    topic: Option<&str>,
) -> Result<()> {
    if let Some(c) = collapse_id {
        if c.len() > COLLAPSE_ID_MAX {
            return Err(Error::new(
                ErrorKind::InvalidArgument,
                format!(
                    "collapse id is {} bytes, the limit is {COLLAPSE_ID_MAX}",
                    c.len()
                ),
            ));
        }
        if c.bytes().any(|b| b.is_ascii_control()) {
            return Err(Error::new(
                ErrorKind::InvalidArgument,
                "collapse id contains a control character",
            ));
        }
    }
    if let Some(id) = apns_id {
        if !is_uuid(id) {
            return Err(Error::new(
                ErrorKind::InvalidArgument,
                format!(
                    "apns-id {:?} is not a UUID ({APNS_ID_LEN} characters, 8-4-4-4-12 hex)",
                    id.chars().take(40).collect::<String>()
                ),
            ));
        }
    }
    if let Some(topic) = topic {
        if topic.len() > TOPIC_MAX {
            return Err(Error::new(
                ErrorKind::InvalidArgument,
                format!("topic is {} bytes, the limit is {TOPIC_MAX}", topic.len()),
            ));
        }
        if topic.is_empty() || topic.bytes().any(|b| b.is_ascii_control()) {
            return Err(Error::new(
                ErrorKind::InvalidArgument,
                format!("invalid topic {topic:?}"),
            ));
        }
    }
    Ok(())
}
