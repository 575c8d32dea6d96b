//! `NotificationBuilder`: a notification from a complete JSON payload or from typed `aps`
//! fields plus custom keys, every value validated by `build`.

use super::checks;
use super::live_activity::{self, LIVE_ACTIVITY_EVENTS};
use super::{
    check_payload_len, check_token_len, hex_decode, Notification, HTTP2_PAYLOAD_MAX,
    INTERRUPTION_LEVELS, PUSH_TYPES, VOIP_PAYLOAD_MAX,
};
use crate::error::{Error, ErrorKind, Result};
use crate::push_type;

/// Builds a notification from either raw JSON or the common `aps` fields plus custom keys.
/// `build` validates everything and reports the first problem as a typed error.
#[derive(Clone, Debug, Default)]
pub struct NotificationBuilder {
    token: Option<std::result::Result<Vec<u8>, Error>>,
    channel_id: Option<String>,
    payload_json: Option<String>,
    aps: serde_json::Map<String, serde_json::Value>,
    /// `relevance-score` as set; its range depends on whether this is a Live Activity.
    relevance_score: Option<f64>,
    alert: serde_json::Map<String, serde_json::Value>,
    custom: Vec<(String, std::result::Result<serde_json::Value, Error>)>,
    /// Payload fields set (names for the error when a complete payload is given as well).
    fields: Vec<&'static str>,
    /// The first invalid field value set, reported by `build`.
    invalid: Option<Error>,
    expiry: Option<u32>,
    priority: Option<u8>,
    topic: Option<String>,
    push_type: Option<String>,
    collapse_id: Option<String>,
    apns_id: Option<String>,
    user_data: u64,
}

impl NotificationBuilder {
    pub fn token_hex(mut self, hex: &str) -> Self {
        self.token = Some(hex_decode(hex));
        self
    }
    pub fn token_bytes(mut self, bytes: &[u8]) -> Self {
        self.token = Some(Ok(bytes.to_vec()));
        self
    }
    /// Sends the notification on a broadcast channel (iOS 18; Apple's base64 channel id)
    /// instead of to a device token: exclusive with the token. Broadcasts carry Live
    /// Activities: the push type is `liveactivity` (set or inferred), and the request goes to
    /// the broadcast path of the topic's bundle id over HTTP/2.
    pub fn channel_id(mut self, id: &str) -> Self {
        self.channel_id = Some(id.to_owned());
        self
    }
    /// The complete payload as JSON text. Exclusive with the payload field setters below
    /// (every `alert_*`, badge, sound, sound_critical, category, thread id,
    /// content-available, mutable-content, target-content-id, interruption-level,
    /// relevance-score, filter-criteria, url-args, custom keys): `build` refuses both with
    /// `InvalidArgument`.
    pub fn payload_json(mut self, json: &str) -> Self {
        self.payload_json = Some(json.to_owned());
        self
    }
    pub fn alert_title(mut self, title: &str) -> Self {
        self.field("alert title");
        self.alert.insert("title".into(), title.into());
        self
    }
    pub fn alert_body(mut self, body: &str) -> Self {
        self.field("alert body");
        self.alert.insert("body".into(), body.into());
        self
    }
    /// `aps.alert.subtitle`.
    pub fn alert_subtitle(mut self, subtitle: &str) -> Self {
        self.field("alert subtitle");
        self.alert.insert("subtitle".into(), subtitle.into());
        self
    }
    /// `aps.alert.launch-image`: an image file in the app bundle.
    pub fn alert_launch_image(mut self, image: &str) -> Self {
        self.field("alert launch-image");
        self.alert.insert("launch-image".into(), image.into());
        self
    }
    /// `aps.alert.title-loc-key`; must not be empty.
    pub fn alert_title_loc_key(mut self, key: &str) -> Self {
        self.loc_key("alert title-loc-key", "title-loc-key", key);
        self
    }
    /// `aps.alert.title-loc-args`; `build` refuses them without `title-loc-key`.
    pub fn alert_title_loc_args<S: AsRef<str>>(mut self, args: &[S]) -> Self {
        self.field("alert title-loc-args");
        self.alert.insert("title-loc-args".into(), strings(args));
        self
    }
    /// `aps.alert.subtitle-loc-key`; must not be empty.
    pub fn alert_subtitle_loc_key(mut self, key: &str) -> Self {
        self.loc_key("alert subtitle-loc-key", "subtitle-loc-key", key);
        self
    }
    /// `aps.alert.subtitle-loc-args`; `build` refuses them without `subtitle-loc-key`.
    pub fn alert_subtitle_loc_args<S: AsRef<str>>(mut self, args: &[S]) -> Self {
        self.field("alert subtitle-loc-args");
        self.alert.insert("subtitle-loc-args".into(), strings(args));
        self
    }
    /// `aps.alert.loc-key` (the localized body); must not be empty.
    pub fn alert_loc_key(mut self, key: &str) -> Self {
        self.loc_key("alert loc-key", "loc-key", key);
        self
    }
    /// `aps.alert.loc-args`; `build` refuses them without `loc-key`.
    pub fn alert_loc_args<S: AsRef<str>>(mut self, args: &[S]) -> Self {
        self.field("alert loc-args");
        self.alert.insert("loc-args".into(), strings(args));
        self
    }
    pub fn badge(mut self, badge: u32) -> Self {
        self.field("badge");
        self.aps.insert("badge".into(), badge.into());
        self
    }
    /// `aps.sound` as a name. `sound` and `sound_critical` set the same key: the last call wins.
    pub fn sound(mut self, sound: &str) -> Self {
        self.field("sound");
        self.aps.insert("sound".into(), sound.into());
        self
    }
    /// `aps.sound` as the critical-alert dictionary `{"critical":1,"name":..,"volume":..}`:
    /// `name` not empty, `volume` from 0.0 (silent) to 1.0 (full). The last of `sound` and
    /// `sound_critical` called wins.
    pub fn sound_critical(mut self, name: &str, volume: f64) -> Self {
        self.field("sound");
        if name.is_empty() {
            self.refuse("sound name is empty".into());
        }
        self.check_unit("sound volume", volume);
        let mut sound = serde_json::Map::new();
        sound.insert("critical".into(), 1.into());
        sound.insert("name".into(), name.into());
        sound.insert("volume".into(), unit_value(volume));
        self.aps
            .insert("sound".into(), serde_json::Value::Object(sound));
        self
    }
    pub fn category(mut self, category: &str) -> Self {
        self.field("category");
        self.aps.insert("category".into(), category.into());
        self
    }
    pub fn thread_id(mut self, thread_id: &str) -> Self {
        self.field("thread-id");
        self.aps.insert("thread-id".into(), thread_id.into());
        self
    }
    pub fn content_available(mut self, on: bool) -> Self {
        self.field("content-available");
        self.set_flag("content-available", on);
        self
    }
    pub fn mutable_content(mut self, on: bool) -> Self {
        self.field("mutable-content");
        self.set_flag("mutable-content", on);
        self
    }
    /// `aps.target-content-id`: the identifier of the window brought forward.
    pub fn target_content_id(mut self, id: &str) -> Self {
        self.field("target-content-id");
        self.aps.insert("target-content-id".into(), id.into());
        self
    }
    /// `aps.interruption-level`: one of `INTERRUPTION_LEVELS`, checked by `build`.
    pub fn interruption_level(mut self, level: &str) -> Self {
        self.field("interruption-level");
        if !INTERRUPTION_LEVELS.contains(&level) {
            self.refuse(format!(
                "interruption-level {:?} is unknown; the levels are {INTERRUPTION_LEVELS:?}",
                level.chars().take(40).collect::<String>()
            ));
        }
        self.aps.insert("interruption-level".into(), level.into());
        self
    }
    /// `aps.relevance-score`: from 0.0 to 1.0 for a notification; for a Live Activity any
    /// number from 0 (checked by `build`).
    pub fn relevance_score(mut self, score: f64) -> Self {
        self.field("relevance-score");
        self.relevance_score = Some(score);
        self
    }
    /// `aps.event` of a Live Activity: one of `LIVE_ACTIVITY_EVENTS` (start, update, end).
    /// Setting it makes the notification a Live Activity (push type `liveactivity`, whose
    /// rules `build` checks: a timestamp always, a content-state to start or update, ...).
    pub fn event(mut self, event: &str) -> Self {
        self.field("event");
        if !LIVE_ACTIVITY_EVENTS.contains(&event) {
            self.refuse(format!(
                "Live Activity event {:?} is unknown; the events are {LIVE_ACTIVITY_EVENTS:?}",
                event.chars().take(40).collect::<String>()
            ));
        }
        self.aps.insert("event".into(), event.into());
        self
    }
    /// `aps.content-state`: the Live Activity's dynamic content, a JSON object as text.
    pub fn content_state_json(mut self, json: &str) -> Self {
        self.aps_object("content-state", json);
        self
    }
    /// `aps.timestamp`: when the Live Activity content was produced, in epoch seconds.
    pub fn timestamp(mut self, epoch_seconds: u64) -> Self {
        self.field("timestamp");
        self.aps.insert("timestamp".into(), epoch_seconds.into());
        self
    }
    /// `aps.stale-date`: when the Live Activity's content becomes out of date, epoch seconds.
    pub fn stale_date(mut self, epoch_seconds: u64) -> Self {
        self.field("stale-date");
        self.aps.insert("stale-date".into(), epoch_seconds.into());
        self
    }
    /// `aps.dismissal-date`: when an ended Live Activity leaves the Lock Screen, epoch seconds.
    pub fn dismissal_date(mut self, epoch_seconds: u64) -> Self {
        self.field("dismissal-date");
        self.aps
            .insert("dismissal-date".into(), epoch_seconds.into());
        self
    }
    /// `aps.attributes-type`: the app's ActivityAttributes type name, to start an activity.
    pub fn attributes_type(mut self, name: &str) -> Self {
        self.field("attributes-type");
        self.aps.insert("attributes-type".into(), name.into());
        self
    }
    /// `aps.attributes`: the static attributes of an activity to start, a JSON object as text.
    pub fn attributes_json(mut self, json: &str) -> Self {
        self.aps_object("attributes", json);
        self
    }
    /// `aps.filter-criteria`: the Focus filter criteria the notification matches.
    pub fn filter_criteria(mut self, criteria: &str) -> Self {
        self.field("filter-criteria");
        self.aps.insert("filter-criteria".into(), criteria.into());
        self
    }
    /// `aps.url-args` (Safari web push): the values filled into the website's URL format.
    pub fn url_args<S: AsRef<str>>(mut self, args: &[S]) -> Self {
        self.field("url-args");
        self.aps.insert("url-args".into(), strings(args));
        self
    }
    /// A top-level custom key whose value is JSON text (`"42"`, `"\"text\""`, `"{...}"`).
    pub fn custom_json(mut self, key: &str, value_json: &str) -> Self {
        self.field("custom keys");
        let value = serde_json::from_str(value_json)
            .map_err(|e| Error::new(ErrorKind::InvalidJson, format!("custom key {key:?}: {e}")));
        self.custom.push((key.to_owned(), value));
        self
    }
    /// Expiry in epoch seconds; 0 means one attempt, not stored. Unset (the default), APNs
    /// stores and retries (see `Notification::expiry`).
    pub fn expiry(mut self, epoch_seconds: u32) -> Self {
        self.expiry = Some(epoch_seconds);
        self
    }
    /// 10 (immediate), 5 (power-conserving) or 1 (lowest, HTTP/2 only). Unset: 5 for the
    /// `background` push type, else 10. Priority 10 with `background` is refused.
    pub fn priority(mut self, priority: u8) -> Self {
        self.priority = Some(priority);
        self
    }
    pub fn topic(mut self, topic: &str) -> Self {
        self.topic = Some(topic.to_owned());
        self
    }
    /// One of `PUSH_TYPES`. Unset, it is inferred from the payload (see `push_type::infer`).
    pub fn push_type(mut self, push_type: &str) -> Self {
        self.push_type = Some(push_type.to_owned());
        self
    }
    pub fn collapse_id(mut self, id: &str) -> Self {
        self.collapse_id = Some(id.to_owned());
        self
    }
    /// A lower-case UUID for `apns-id`; generated at send time when absent (HTTP/2).
    pub fn apns_id(mut self, id: &str) -> Self {
        self.apns_id = Some(id.to_owned());
        self
    }
    pub fn user_data(mut self, value: u64) -> Self {
        self.user_data = value;
        self
    }

    fn field(&mut self, name: &'static str) {
        if !self.fields.contains(&name) {
            self.fields.push(name);
        }
    }

    fn refuse(&mut self, message: String) {
        if self.invalid.is_none() {
            self.invalid = Some(Error::new(ErrorKind::InvalidArgument, message));
        }
    }

    fn loc_key(&mut self, field: &'static str, key: &str, value: &str) {
        self.field(field);
        if value.is_empty() {
            self.refuse(format!("{field} is empty"));
        }
        self.alert.insert(key.into(), value.into());
    }

    /// Refuses `value` for `field` unless it is a number from 0.0 to 1.0.
    fn check_unit(&mut self, field: &str, value: f64) {
        if !(0.0..=1.0).contains(&value) {
            self.refuse(format!("{field} must be from 0.0 to 1.0, not {value}"));
        }
    }

    /// Sets `aps.<key>` to the JSON object in `json` (refused by `build` if it is not one).
    fn aps_object(&mut self, key: &'static str, json: &str) {
        self.field(key);
        match serde_json::from_str::<serde_json::Value>(json) {
            Ok(value) if value.is_object() => {
                self.aps.insert(key.into(), value);
            }
            Ok(_) => self.refuse(format!("{key} must be a JSON object")),
            Err(e) => {
                if self.invalid.is_none() {
                    self.invalid = Some(Error::new(
                        ErrorKind::InvalidJson,
                        format!("{key} is not valid JSON: {e}"),
                    ));
                }
            }
        }
    }

    fn set_flag(&mut self, key: &str, on: bool) {
        if on {
            self.aps.insert(key.into(), 1.into());
        } else {
            self.aps.remove(key);
        }
    }

    /// The device token, or an empty one for a valid channel id: exactly one must be given.
    fn take_target(&mut self) -> Result<Vec<u8>> {
        match (self.token.take(), &self.channel_id) {
            (Some(_), Some(_)) => Err(Error::new(
                ErrorKind::InvalidArgument,
                "both a device token and a channel id were given: give one",
            )),
            (Some(token), None) => {
                let token = token?;
                check_token_len(token.len())?;
                Ok(token)
            }
            (None, Some(id)) => crate::channels::check_channel_id(id).map(|()| Vec::new()),
            (None, None) => Err(Error::new(
                ErrorKind::BadToken,
                "device token (or channel id) is missing",
            )),
        }
    }

    /// Puts `relevance-score` into `aps`: 0.0 to 1.0 for a notification, any number from 0 for
    /// a Live Activity.
    fn insert_relevance_score(&mut self) -> Result<()> {
        let Some(score) = self.relevance_score else {
            return Ok(());
        };
        if live_activity::is_live_activity(&self.aps) {
            if !(score.is_finite() && score >= 0.0) {
                return Err(Error::new(
                    ErrorKind::InvalidArgument,
                    format!("Live Activity relevance-score must be a number from 0, not {score}"),
                ));
            }
        } else {
            self.check_unit("relevance-score", score);
            if let Some(e) = self.invalid.take() {
                return Err(e);
            }
        }
        self.aps.insert("relevance-score".into(), unit_value(score));
        Ok(())
    }

    /// Validates and returns the notification, or the first error found.
    pub fn build(mut self) -> Result<Notification> {
        let token = self.take_target()?;
        if let Some(t) = &self.push_type {
            if !PUSH_TYPES.contains(&t.as_str()) {
                return Err(Error::new(
                    ErrorKind::InvalidArgument,
                    format!(
                        "unknown push type {:?}; the push types are {PUSH_TYPES:?}",
                        t.chars().take(40).collect::<String>()
                    ),
                ));
            }
        }
        if self.payload_json.is_some() && !self.fields.is_empty() {
            return Err(Error::new(
                ErrorKind::InvalidArgument,
                format!(
                    "a payload was given together with the fields it is built from ({}): \
                     give either the complete payload or the fields",
                    self.fields.join(", ")
                ),
            ));
        }
        if let Some(e) = self.invalid.take() {
            return Err(e);
        }
        self.insert_relevance_score()?;
        checks::loc_args(&self.alert)?;
        if !self.alert.is_empty() {
            let alert = std::mem::take(&mut self.alert);
            self.aps
                .insert("alert".into(), serde_json::Value::Object(alert));
        }
        let given_aps = match &self.payload_json {
            Some(json) => push_type::payload_aps(json.as_bytes())?,
            None => None,
        };
        let aps = match &self.payload_json {
            Some(_) => given_aps.as_ref().and_then(|a| a.as_object()),
            None => Some(&self.aps),
        };
        let inferred = aps.and_then(push_type::infer);
        let push_type_set = self.push_type.is_some();
        let push_type = self.push_type.or_else(|| inferred.map(str::to_owned));
        check_live_activity(aps, push_type.as_deref(), self.channel_id.is_some())?;
        let payload = match self.payload_json {
            Some(json) => json.into_bytes(),
            None => build_payload(self.aps, self.custom)?,
        };
        let limit = if push_type.as_deref() == Some("voip") {
            VOIP_PAYLOAD_MAX
        } else {
            HTTP2_PAYLOAD_MAX
        };
        check_payload_len(payload.len(), limit)?;
        let priority = checks::priority(self.priority, push_type.as_deref(), push_type_set)?;
        checks::headers(
            self.collapse_id.as_deref(),
            self.apns_id.as_deref(),
            self.topic.as_deref(),
        )?;
        Ok(Notification {
            token,
            channel_id: self.channel_id,
            payload,
            expiry: self.expiry,
            priority,
            topic: self.topic,
            push_type,
            collapse_id: self.collapse_id,
            apns_id: self.apns_id.map(|s| s.to_ascii_lowercase()),
            user_data: self.user_data,
        })
    }
}

fn strings<S: AsRef<str>>(args: &[S]) -> serde_json::Value {
    args.iter().map(|a| a.as_ref()).collect::<Vec<_>>().into()
}

/// A checked 0.0-1.0 value as JSON (an out-of-range one never reaches a payload).
fn unit_value(value: f64) -> serde_json::Value {
    serde_json::Number::from_f64(value).map_or(serde_json::Value::Null, Into::into)
}

/// Live Activity rules: a payload carrying Live Activity keys has push type `liveactivity`,
/// one with that push type follows `live_activity::check`, and a broadcast is one.
fn check_live_activity(
    aps: Option<&serde_json::Map<String, serde_json::Value>>,
    push_type: Option<&str>,
    broadcast: bool,
) -> Result<()> {
    let live = push_type == Some("liveactivity");
    if broadcast && !live {
        return Err(Error::new(
            ErrorKind::InvalidArgument,
            format!(
                "a broadcast on a channel carries a Live Activity (push type liveactivity), not {}",
                push_type.unwrap_or("a payload without event")
            ),
        ));
    }
    if !live && aps.is_some_and(live_activity::is_live_activity) {
        return Err(Error::new(
            ErrorKind::InvalidArgument,
            format!(
                "Live Activity fields need push type liveactivity, not {:?}",
                push_type.unwrap_or_default()
            ),
        ));
    }
    if live {
        live_activity::check(aps)?;
    }
    Ok(())
}

/// The payload built from fields.
fn build_payload(
    aps: serde_json::Map<String, serde_json::Value>,
    custom: Vec<(String, std::result::Result<serde_json::Value, Error>)>,
) -> Result<Vec<u8>> {
    let mut root = serde_json::Map::new();
    root.insert("aps".into(), serde_json::Value::Object(aps));
    for (key, value) in custom {
        if key == "aps" {
            return Err(Error::new(
                ErrorKind::InvalidArgument,
                "custom key \"aps\" is reserved",
            ));
        }
        root.insert(key, value?);
    }
    serde_json::to_vec(&serde_json::Value::Object(root))
        .map_err(|e| Error::new(ErrorKind::InvalidJson, e.to_string()))
}
