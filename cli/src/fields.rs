//! One JSONL object → a notification, through `NotificationBuilder` (which validates every
//! value). The keys are listed in docs/CLI.md; an unknown key is an error naming it.

use apnspush::{Notification, NotificationBuilder};
use serde_json::value::RawValue;
use serde_json::{Map, Value};
use std::borrow::Cow;

/// A parsed line: what the outcome echoes, and the notification or why there is none.
pub struct Parsed {
    /// `ref` as JSON text.
    pub reference: Option<Box<str>>,
    /// `token` (hex) or `channel_id`, as given.
    pub target: Box<str>,
    /// `target` is a broadcast channel id.
    pub channel: bool,
    pub notification: Result<Notification, String>,
}

/// The common keys, parsed without building a JSON tree (strings borrowed from the line, the
/// payload passed through as its text). A line with any other key, or a value of another type,
/// takes the general path, whose errors name the key.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Common<'a> {
    #[serde(rename = "ref", borrow)]
    reference: Option<&'a RawValue>,
    #[serde(borrow)]
    token: Cow<'a, str>,
    #[serde(borrow)]
    payload: Option<&'a RawValue>,
    #[serde(borrow)]
    alert: Option<Cow<'a, str>>,
    #[serde(borrow)]
    title: Option<Cow<'a, str>>,
    #[serde(borrow)]
    subtitle: Option<Cow<'a, str>>,
    #[serde(borrow)]
    body: Option<Cow<'a, str>>,
    badge: Option<u32>,
    #[serde(borrow)]
    sound: Option<Cow<'a, str>>,
    #[serde(borrow)]
    category: Option<Cow<'a, str>>,
    #[serde(borrow)]
    thread_id: Option<Cow<'a, str>>,
    content_available: Option<bool>,
    mutable_content: Option<bool>,
    #[serde(borrow)]
    topic: Option<Cow<'a, str>>,
    #[serde(borrow)]
    push_type: Option<Cow<'a, str>>,
    priority: Option<u8>,
    expiration: Option<u32>,
    #[serde(borrow)]
    collapse_id: Option<Cow<'a, str>>,
    #[serde(borrow)]
    apns_id: Option<Cow<'a, str>>,
}

impl Common<'_> {
    fn parsed(self) -> Option<Parsed> {
        let mut b = Notification::builder().token_hex(&self.token);
        if let Some(p) = self.payload {
            if !p.get().starts_with('{') {
                return None;
            }
            b = b.payload_json(p.get());
        }
        // Setters only for the keys present: the builder is large, and each call moves it.
        macro_rules! set {
            ($($field:ident => $setter:ident,)*) => {
                $(if let Some(v) = &self.$field {
                    b = b.$setter(v);
                })*
            };
        }
        set! {
            title => alert_title,
            subtitle => alert_subtitle,
            alert => alert_body,
            body => alert_body,
            sound => sound,
            category => category,
            thread_id => thread_id,
            topic => topic,
            push_type => push_type,
            collapse_id => collapse_id,
            apns_id => apns_id,
        }
        if let Some(badge) = self.badge {
            b = b.badge(badge);
        }
        if let Some(on) = self.content_available {
            b = b.content_available(on);
        }
        if let Some(on) = self.mutable_content {
            b = b.mutable_content(on);
        }
        if let Some(p) = self.priority {
            b = b.priority(p);
        }
        if let Some(e) = self.expiration {
            b = b.expiry(e);
        }
        Some(Parsed {
            reference: self.reference.map(|r| r.get().into()),
            target: self.token.into(),
            channel: false,
            notification: b.build().map_err(|e| e.message().to_string()),
        })
    }
}

/// Parses one line of JSON text.
pub fn parse_line(text: &str) -> Parsed {
    if let Some(parsed) = serde_json::from_str::<Common>(text)
        .ok()
        .and_then(Common::parsed)
    {
        return parsed;
    }
    match serde_json::from_str::<Map<String, Value>>(text) {
        Ok(object) => from_object(object),
        Err(e) => Parsed {
            reference: None,
            target: "".into(),
            channel: false,
            notification: Err(format!("not a JSON object: {e}")),
        },
    }
}

fn from_object(mut object: Map<String, Value>) -> Parsed {
    let reference = object.remove("ref").map(|v| v.to_string().into_boxed_str());
    let token = object.remove("token");
    let channel = object.remove("channel_id");
    let target = token
        .as_ref()
        .or(channel.as_ref())
        .map(|v| match v {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        })
        .unwrap_or_default()
        .into_boxed_str();
    let channel_target = token.is_none() && channel.is_some();
    let notification = match (token, channel) {
        (Some(_), Some(_)) => Err("give either token or channel_id, not both".to_string()),
        (None, Some(channel)) => string("channel_id", &channel).and_then(|channel| {
            apply(Notification::builder().channel_id(channel), object)
                .and_then(|b| b.build().map_err(|e| e.message().to_string()))
        }),
        (None, None) => Err("token is missing".to_string()),
        (Some(token), None) => string("token", &token).and_then(|token| {
            apply(Notification::builder().token_hex(token), object)
                .and_then(|b| b.build().map_err(|e| e.message().to_string()))
        }),
    };
    Parsed {
        reference,
        target,
        channel: channel_target,
        notification,
    }
}

/// Applies every remaining key of `object` to the builder.
fn apply(
    mut b: NotificationBuilder,
    object: Map<String, Value>,
) -> Result<NotificationBuilder, String> {
    for (key, value) in object {
        let v = &value;
        b = match key.as_str() {
            "payload" => match v {
                Value::Object(_) => b.payload_json(&v.to_string()),
                Value::String(s) => b.payload_json(s),
                _ => return Err("payload: expected a JSON object".into()),
            },
            "alert" => match v {
                Value::String(s) => b.alert_body(s),
                Value::Object(alert) => apply_alert(b, alert)?,
                _ => return Err("alert: expected a string or an object".into()),
            },
            "title" => b.alert_title(string(&key, v)?),
            "subtitle" => b.alert_subtitle(string(&key, v)?),
            "body" => b.alert_body(string(&key, v)?),
            "launch_image" => b.alert_launch_image(string(&key, v)?),
            "title_loc_key" => b.alert_title_loc_key(string(&key, v)?),
            "title_loc_args" => b.alert_title_loc_args(&strings(&key, v)?),
            "subtitle_loc_key" => b.alert_subtitle_loc_key(string(&key, v)?),
            "subtitle_loc_args" => b.alert_subtitle_loc_args(&strings(&key, v)?),
            "loc_key" => b.alert_loc_key(string(&key, v)?),
            "loc_args" => b.alert_loc_args(&strings(&key, v)?),
            "badge" => b.badge(unsigned(&key, v, u32::MAX as u64)? as u32),
            "sound" => match v {
                Value::String(s) => b.sound(s),
                Value::Object(o) => {
                    let name = o.get("name").map(|n| string("sound.name", n)).transpose()?;
                    let volume = o.get("volume").and_then(Value::as_f64).unwrap_or(1.0);
                    b.sound_critical(name.unwrap_or(""), volume)
                }
                _ => return Err("sound: expected a string or {\"name\":..,\"volume\":..}".into()),
            },
            "category" => b.category(string(&key, v)?),
            "thread_id" => b.thread_id(string(&key, v)?),
            "content_available" => b.content_available(flag(&key, v)?),
            "mutable_content" => b.mutable_content(flag(&key, v)?),
            "target_content_id" => b.target_content_id(string(&key, v)?),
            "interruption_level" => b.interruption_level(string(&key, v)?),
            "relevance_score" => b.relevance_score(number(&key, v)?),
            "filter_criteria" => b.filter_criteria(string(&key, v)?),
            "url_args" => b.url_args(&strings(&key, v)?),
            "custom" => {
                let Value::Object(custom) = v else {
                    return Err("custom: expected an object of top-level payload keys".into());
                };
                custom
                    .iter()
                    .fold(b, |b, (k, v)| b.custom_json(k, &v.to_string()))
            }
            "event" => b.event(string(&key, v)?),
            "content_state" => b.content_state_json(&object_text(&key, v)?),
            "timestamp" => b.timestamp(unsigned(&key, v, u64::MAX)?),
            "stale_date" => b.stale_date(unsigned(&key, v, u64::MAX)?),
            "dismissal_date" => b.dismissal_date(unsigned(&key, v, u64::MAX)?),
            "attributes_type" => b.attributes_type(string(&key, v)?),
            "attributes" => b.attributes_json(&object_text(&key, v)?),
            "topic" => b.topic(string(&key, v)?),
            "push_type" => b.push_type(string(&key, v)?),
            "priority" => b.priority(unsigned(&key, v, 255)? as u8),
            "expiration" => b.expiry(unsigned(&key, v, u32::MAX as u64)? as u32),
            "collapse_id" => b.collapse_id(string(&key, v)?),
            "apns_id" => b.apns_id(string(&key, v)?),
            _ => {
                return Err(format!(
                    "unknown key {:?}",
                    key.chars().take(40).collect::<String>()
                ))
            }
        };
    }
    Ok(b)
}

fn apply_alert(
    mut b: NotificationBuilder,
    alert: &Map<String, Value>,
) -> Result<NotificationBuilder, String> {
    for (key, v) in alert {
        let name = format!("alert.{key}");
        b = match key.as_str() {
            "title" => b.alert_title(string(&name, v)?),
            "subtitle" => b.alert_subtitle(string(&name, v)?),
            "body" => b.alert_body(string(&name, v)?),
            _ => {
                return Err(format!(
                    "{name}: unknown (alert takes title, subtitle, body)"
                ))
            }
        };
    }
    Ok(b)
}

fn string<'a>(key: &str, v: &'a Value) -> Result<&'a str, String> {
    v.as_str()
        .ok_or_else(|| format!("{key}: expected a string"))
}

fn object_text(key: &str, v: &Value) -> Result<String, String> {
    match v {
        Value::Object(_) => Ok(v.to_string()),
        _ => Err(format!("{key}: expected a JSON object")),
    }
}

fn strings(key: &str, v: &Value) -> Result<Vec<String>, String> {
    let err = || format!("{key}: expected an array of strings");
    v.as_array()
        .ok_or_else(err)?
        .iter()
        .map(|s| s.as_str().map(str::to_owned).ok_or_else(err))
        .collect()
}

fn unsigned(key: &str, v: &Value, max: u64) -> Result<u64, String> {
    v.as_u64()
        .filter(|n| *n <= max)
        .ok_or_else(|| format!("{key}: expected an integer from 0 to {max}"))
}

fn number(key: &str, v: &Value) -> Result<f64, String> {
    v.as_f64()
        .ok_or_else(|| format!("{key}: expected a number"))
}

fn flag(key: &str, v: &Value) -> Result<bool, String> {
    match v {
        Value::Bool(b) => Ok(*b),
        Value::Number(n) if n.as_u64() == Some(0) || n.as_u64() == Some(1) => {
            Ok(n.as_u64() == Some(1))
        }
        _ => Err(format!("{key}: expected true, false, 0 or 1")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOKEN: &str = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";

    #[test]
    fn builder_fields_and_options_make_the_payload_and_headers() {
        let line = format!(
            r#"{{"ref":{{"id":7}},"token":"{TOKEN}","title":"T","body":"B","badge":3,"sound":"s","custom":{{"k":[1]}},"topic":"com.x","priority":5,"collapse_id":"c","expiration":0}}"#
        );
        let p = parse_line(&line);
        assert_eq!(p.reference.as_deref(), Some(r#"{"id":7}"#));
        assert_eq!(&*p.target, TOKEN);
        let n = p.notification.unwrap();
        let payload: Value = serde_json::from_slice(n.payload()).unwrap();
        assert_eq!(
            payload,
            serde_json::json!({"aps":{"alert":{"title":"T","body":"B"},"badge":3,"sound":"s"},"k":[1]})
        );
        assert_eq!(
            (n.topic(), n.priority(), n.collapse_id(), n.expiry()),
            (Some("com.x"), 5, Some("c"), Some(0))
        );
    }

    #[test]
    fn a_channel_line_is_a_live_activity_broadcast() {
        let line = r#"{"ref":1,"channel_id":"dHN0LXNyY2gtY2hubA==","event":"update","timestamp":1700000000,"content_state":{"score":"2-1"},"topic":"com.example.app"}"#;
        let p = parse_line(line);
        assert!(p.channel);
        assert_eq!(&*p.target, "dHN0LXNyY2gtY2hubA==");
        let n = p.notification.unwrap();
        assert_eq!(n.channel_id(), Some("dHN0LXNyY2gtY2hubA=="));
        assert_eq!(n.push_type(), Some("liveactivity"));
        let payload: Value = serde_json::from_slice(n.payload()).unwrap();
        assert_eq!(payload["aps"]["content-state"]["score"], "2-1");
        assert_eq!(payload["aps"]["timestamp"], 1700000000);
    }

    #[test]
    fn bad_lines_say_why() {
        let cases = [
            ("{", "not a JSON object"),
            (r#"{"payload":{}}"#, "token is missing"),
            (r#"{"token":"zz"}"#, "hex"),
            (
                &format!(r#"{{"token":"{TOKEN}","payload":{{"aps":{{}}}},"badge":1}}"#),
                "payload was given together",
            ),
            (
                &format!(r#"{{"token":"{TOKEN}","bogus":1}}"#),
                "unknown key \"bogus\"",
            ),
            (
                &format!(r#"{{"token":"{TOKEN}","badge":-1}}"#),
                "badge: expected an integer",
            ),
            (
                r#"{"channel_id":"abc","token":"00"}"#,
                "either token or channel_id",
            ),
        ];
        for (line, want) in cases {
            let err = parse_line(line).notification.err().unwrap();
            assert!(err.contains(want), "{line}: {err}");
        }
    }
}
