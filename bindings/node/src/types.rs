//! Plain objects handed to JS (and the input shapes, for index.d.ts). Ids, counters and
//! timestamps are JS numbers: exact up to 2^53, far beyond what a pusher hands out.

use crate::js::{self, Raw};
use apnspush::notification::hex_encode;
use napi::{Env, Result};
use napi_derive::napi;
use std::collections::HashMap;

/// The final outcome of one notification: exactly one per notification, reported once. Its
/// keys are those of `OUTCOME_FIELDS` in camelCase; `error`, `timestamp`, `channelId` and
/// `apnsId` are left out when they do not apply.
// Declared for index.d.ts only; the JS objects are built by `outcome_to_js`.
#[allow(dead_code)]
#[napi(object)]
pub struct Outcome {
    /// The id `pushAsync` returned.
    pub id: i64,
    /// Which final outcome it reached.
    #[napi(ts_type = "'accepted' | 'rejected' | 'failed' | 'expired' | 'cancelled'")]
    pub kind: String,
    /// Binary: the error-response status (8 = invalid token), 0 when none. HTTP/2: the
    /// response status (200, 400, 410, ...).
    pub status: u32,
    /// Apple's reason text, or the library's message for `failed`/`cancelled`.
    pub reason: String,
    /// For `failed`: the engine error code behind it (e.g. 'CONNECT', 'CLOSED').
    pub error: Option<String>,
    /// HTTP/2 410: when the token stopped being valid, in milliseconds since the epoch.
    pub timestamp: Option<i64>,
    /// The device token, lower-case hex ('' for a broadcast on a channel).
    pub token: String,
    /// The broadcast channel it was sent on; absent when sent to a device token.
    pub channel_id: Option<String>,
    /// HTTP/2 `apns-id`.
    pub apns_id: Option<String>,
    /// Accepted on evidence (a later reply, a marker, HTTP/2 200) rather than presumed after
    /// the error window.
    pub confirmed: bool,
    /// Times it was written, replays included.
    pub attempts: u32,
    /// The notification's `userData` (0 when it had none).
    pub user_data: f64,
}

/// The property names of an outcome object (`apnspush::Outcome::FIELDS` in camelCase), created
/// once per batch of outcomes. Valid in the handle scope that created them. JS thread only.
pub(crate) struct OutcomeKeys([Raw; 12]);

impl OutcomeKeys {
    pub(crate) fn new(env: &Env) -> Result<OutcomeKeys> {
        const NAMES: [&str; 12] = [
            "id",
            "kind",
            "status",
            "reason",
            "error",
            "timestamp",
            "token",
            "channelId",
            "apnsId",
            "confirmed",
            "attempts",
            "userData",
        ];
        let mut keys = [std::ptr::null_mut(); 12];
        for (k, name) in keys.iter_mut().zip(NAMES) {
            *k = js::new_string(env, name)?;
        }
        Ok(OutcomeKeys(keys))
    }
}

/// The JS object of an outcome, with the keys of `apnspush::Outcome::FIELDS` (camelCase);
/// `error`, `timestamp`, `channelId` and `apnsId` are left out when they do not apply. JS
/// thread only.
pub(crate) fn outcome_to_js(env: &Env, o: &apnspush::Outcome) -> Result<Raw> {
    outcome_to_js_with(env, &OutcomeKeys::new(env)?, o)
}

/// `outcome_to_js` with property names made beforehand (one Node-API call per object).
pub(crate) fn outcome_to_js_with(
    env: &Env,
    keys: &OutcomeKeys,
    o: &apnspush::Outcome,
) -> Result<Raw> {
    let absent = std::ptr::null_mut(); // left out
    let text = |s: Option<&str>| s.map_or(Ok(absent), |s| js::new_string(env, s));
    let number = |n: f64| js::new_number(env, n);
    let values = [
        number(o.id as f64)?,
        js::new_string(env, o.kind.name())?,
        number(o.status as f64)?,
        js::new_string(env, &o.reason)?,
        text(o.error.map(|k| k.name()))?,
        match o.timestamp {
            Some(t) => number(t as f64)?,
            None => absent,
        },
        js::new_string(env, &hex_encode(&o.token))?,
        text(o.channel_id.as_deref())?,
        text(o.apns_id.as_deref())?,
        js::new_boolean(env, o.confirmed)?,
        number(o.attempts as f64)?,
        number(o.user_data as f64)?,
    ];
    js::new_object_with(env, &keys.0, &values)
}

/// Builds `Stats` from the engine's counter table (`apnspush::with_stats_counters!`), so the
/// fields never drift from the core's; the fields after the counters are listed here.
macro_rules! stats_fields {
    ($($field:ident: $doc:literal,)*) => {
        /// A snapshot of a pusher's counters.
        #[napi(object)]
        pub struct Stats {
            $(#[doc = $doc] pub $field: i64,)*
            /// Notifications waiting in the send and retry queues.
            pub queued: i64,
            /// Notifications written and not yet settled, over all connections.
            pub in_flight: i64,
            /// Push-to-outcome latency, 50th percentile, microseconds (within 1%).
            pub latency_p50_us: i64,
            /// Push-to-outcome latency, 90th percentile, microseconds (within 1%).
            pub latency_p90_us: i64,
            /// Push-to-outcome latency, 99th percentile, microseconds (within 1%).
            pub latency_p99_us: i64,
            /// Push-to-outcome latency, 99.9th percentile, microseconds (within 1%).
            pub latency_p999_us: i64,
            /// Push-to-outcome latency, maximum, microseconds (within 1%).
            pub latency_max_us: i64,
            /// The most recent connection-level problem, empty if none.
            pub last_error: String,
        }

        impl From<apnspush::Stats> for Stats {
            fn from(s: apnspush::Stats) -> Self {
                Stats {
                    $($field: s.$field as i64,)*
                    queued: s.queued as i64,
                    in_flight: s.in_flight as i64,
                    latency_p50_us: s.latency_p50_us as i64,
                    latency_p90_us: s.latency_p90_us as i64,
                    latency_p99_us: s.latency_p99_us as i64,
                    latency_p999_us: s.latency_p999_us as i64,
                    latency_max_us: s.latency_max_us as i64,
                    last_error: s.last_error,
                }
            }
        }
    };
}

apnspush::with_stats_counters!();

/// What `close()` had to do with notifications that had no outcome yet.
#[napi(object)]
pub struct CloseSummary {
    /// Never written: reported `cancelled`.
    pub cancelled: i64,
    /// Written but unconfirmed when the time ran out: reported `failed` (error 'CLOSED').
    pub unconfirmed: i64,
}

/// A notification the mock gateway accepted.
#[napi(object)]
pub struct MockAccepted {
    /// The binary identifier it was sent with.
    pub identifier: u32,
    /// Device token, lower-case hex.
    pub token: String,
    /// Payload text (empty when the mock was started with `recordPayloads: false`).
    pub payload: String,
    /// Gateway connection id, from 1.
    pub connection: i64,
}

/// The delivery headers of one HTTP/2 request the mock received; absent headers are left out.
#[napi(object)]
pub struct MockHttp2Request {
    /// Device token, lower-case hex (empty when the path held no valid token).
    pub token: String,
    /// apns-expiration
    pub expiration: Option<String>,
    /// apns-push-type
    pub push_type: Option<String>,
    /// apns-topic
    pub topic: Option<String>,
    /// apns-priority
    pub priority: Option<String>,
}

/// A broadcast the HTTP/2 mock accepted on a channel.
#[napi(object)]
pub struct MockBroadcast {
    /// The bundle id of the request's path (`/4/broadcasts/apps/<bundle id>`).
    pub bundle_id: String,
    /// Its apns-channel-id.
    pub channel_id: String,
    /// The request's apns-request-id, or the one the mock generated.
    pub apns_id: String,
    /// Payload text (empty when the mock was started with `recordPayloads: false`).
    pub payload: String,
    /// Gateway connection id, from 1.
    pub connection: i64,
}

/// A broadcast channel as APNs describes it (`Channels#get`).
#[napi(object)]
pub struct ChannelInfo {
    /// The channel id (base64 text).
    pub channel_id: String,
    /// 0: no message stored for offline devices; 1: the most recent one.
    #[napi(ts_type = "0 | 1")]
    pub message_storage_policy: u32,
    /// Apple's push type of the channel: 'LiveActivity'.
    pub push_type: String,
}

/// A notification the mock answered with an error-response (markers excluded).
#[napi(object)]
pub struct MockRejected {
    pub identifier: u32,
    /// Device token, lower-case hex (empty when the request could not be decoded).
    pub token: String,
    /// The status it was answered with (8 = invalid token).
    pub status: u32,
    pub connection: i64,
}

/// A notification, as a plain object. `token` (or, for a broadcast, `channelId`) is required;
/// give either `payload` or the fields it is built from (alertTitle ... custom, the Live
/// Activity fields). Validated when pushed: wrong JS types
/// throw TypeError, invalid values an Error with the engine's code (INVALID_ARGUMENT naming
/// Apple's field, e.g. an unknown interruption level or a score outside 0.0-1.0).
// Declared for index.d.ts only: notifications are read field by field in notification.rs.
#[allow(dead_code)]
#[napi(object)]
pub struct NotificationInit {
    /// Device token: hex text (either case) or raw bytes; 32 to 100 bytes. Absent for a
    /// broadcast (`channelId`).
    #[napi(ts_type = "string | Uint8Array")]
    pub token: Option<String>,
    /// A broadcast channel id (iOS 18; base64 text, from `Channels#create`) instead of a
    /// token: the notification goes to every device subscribed to the channel. HTTP/2 only;
    /// a Live Activity (push type liveactivity).
    pub channel_id: Option<String>,
    /// The whole payload: JSON text or an object (JSON.stringify'd). Must be a JSON object.
    #[napi(ts_type = "string | Record<string, unknown>")]
    pub payload: Option<String>,
    /// aps.alert.title
    pub alert_title: Option<String>,
    /// aps.alert.body
    pub alert_body: Option<String>,
    /// aps.alert.subtitle
    pub alert_subtitle: Option<String>,
    /// aps.alert.launch-image
    pub alert_launch_image: Option<String>,
    /// aps.alert.title-loc-key, not empty
    pub alert_title_loc_key: Option<String>,
    /// aps.alert.title-loc-args; needs alertTitleLocKey
    pub alert_title_loc_args: Option<Vec<String>>,
    /// aps.alert.subtitle-loc-key, not empty
    pub alert_subtitle_loc_key: Option<String>,
    /// aps.alert.subtitle-loc-args; needs alertSubtitleLocKey
    pub alert_subtitle_loc_args: Option<Vec<String>>,
    /// aps.alert.loc-key (the localized body), not empty
    pub alert_loc_key: Option<String>,
    /// aps.alert.loc-args; needs alertLocKey
    pub alert_loc_args: Option<Vec<String>>,
    /// aps.badge, an integer >= 0
    pub badge: Option<u32>,
    /// aps.sound: a sound name, or the critical-alert dictionary
    /// `{ name, critical: true, volume }` (sent as {"critical":1,"name":..,"volume":..})
    #[napi(ts_type = "string | CriticalSound")]
    pub sound: Option<String>,
    /// aps.category
    pub category: Option<String>,
    /// aps.thread-id
    pub thread_id: Option<String>,
    /// aps.content-available = 1 when true
    pub content_available: Option<bool>,
    /// aps.mutable-content = 1 when true
    pub mutable_content: Option<bool>,
    /// aps.target-content-id
    pub target_content_id: Option<String>,
    /// aps.interruption-level
    #[napi(ts_type = "'passive' | 'active' | 'time-sensitive' | 'critical'")]
    pub interruption_level: Option<String>,
    /// aps.relevance-score, from 0.0 to 1.0 (a Live Activity: any number from 0)
    pub relevance_score: Option<f64>,
    /// aps.event of a Live Activity; makes the notification one (push type liveactivity, topic
    /// suffix .push-type.liveactivity)
    #[napi(ts_type = "'start' | 'update' | 'end'")]
    pub event: Option<String>,
    /// aps.content-state: the Live Activity's dynamic content (start and update need it)
    #[napi(ts_type = "Record<string, unknown>")]
    pub content_state: Option<HashMap<String, String>>,
    /// aps.timestamp, whole epoch seconds; every Live Activity needs it
    pub timestamp: Option<f64>,
    /// aps.stale-date, whole epoch seconds
    pub stale_date: Option<f64>,
    /// aps.dismissal-date, whole epoch seconds (end only)
    pub dismissal_date: Option<f64>,
    /// aps.attributes-type: the ActivityAttributes type name (start only, required there)
    pub attributes_type: Option<String>,
    /// aps.attributes: the activity's static attributes (start only, required there)
    #[napi(ts_type = "Record<string, unknown>")]
    pub attributes: Option<HashMap<String, String>>,
    /// aps.filter-criteria
    pub filter_criteria: Option<String>,
    /// aps.url-args (Safari)
    pub url_args: Option<Vec<String>>,
    /// Top-level custom keys (any JSON-serializable values); "aps" is reserved.
    #[napi(ts_type = "Record<string, unknown>")]
    pub custom: Option<HashMap<String, String>>,
    /// Expiry: epoch seconds or a Date. 0 means one attempt, not stored by APNs. Unset (the
    /// default): no apns-expiration is sent, so APNs stores it and retries delivery (binary:
    /// now + 30 days).
    #[napi(ts_type = "number | Date")]
    pub expiry: Option<u32>,
    /// 10 (immediate), 5 (power-conserving) or 1 (HTTP/2 only). Unset: 5 for the background
    /// push type, else 10; 10 with background is refused (INVALID_ARGUMENT).
    pub priority: Option<u32>,
    /// apns-topic (HTTP/2), at most 255 bytes. Unset: the `topic` option, with the suffix the
    /// push type requires (voip: `.voip`, location: `.location-query`, ...).
    pub topic: Option<String>,
    /// apns-push-type (HTTP/2): alert, background, location, voip, complication, fileprovider,
    /// mdm, liveactivity, pushtotalk, widgets or controls. Unset: `alert` when the payload's aps
    /// has alert, sound or badge; `background` for content-available alone; else none is sent.
    pub push_type: Option<String>,
    /// apns-collapse-id, at most 64 bytes (HTTP/2)
    pub collapse_id: Option<String>,
    /// apns-id, a UUID: 36 characters, 8-4-4-4-12 hex (HTTP/2)
    pub apns_id: Option<String>,
    /// Any whole number from 0 to 2^53 - 1, returned unchanged in this notification's outcome.
    pub user_data: Option<f64>,
}

/// `aps.sound` as the critical-alert dictionary: exactly these three keys.
// Declared for index.d.ts only: read in fields.rs.
#[allow(dead_code)]
#[napi(object)]
pub struct CriticalSound {
    /// The sound file's name in the app bundle, not empty.
    pub name: String,
    /// Always true: an object sound is the critical alert's.
    #[napi(ts_type = "true")]
    pub critical: bool,
    /// From 0.0 (silent) to 1.0 (full volume).
    pub volume: f64,
}

/// Options of the mock APNs server (all optional).
// Declared for index.d.ts only: read field by field in mock.rs.
#[allow(dead_code)]
#[napi(object)]
pub struct MockServerOptions {
    /// What the gateway speaks: 'binary' (default; with the feedback service) or 'http2'.
    #[napi(ts_type = "'binary' | 'http2'")]
    pub protocol: Option<String>,
    /// HTTP/2: verify ES256 provider tokens; `config` then carries a generated key, key id,
    /// team id and topic, and no client certificate is required.
    pub token_auth: Option<bool>,
    /// Token hex → status to answer notifications to that token with (binary; 8 = invalid
    /// token). Over HTTP/2 any rule here answers 400 BadDeviceToken.
    pub reject: Option<HashMap<String, u32>>,
    /// HTTP/2: token hex → [status, reason] to answer requests to that token with (410 adds
    /// the current time as `timestamp`, e.g. `[410, 'Unregistered']`).
    #[napi(ts_type = "Record<string, [number, string]>")]
    pub http2_reject: Option<HashMap<String, String>>,
    /// HTTP/2, per connection: after N requests processed, send GOAWAY and close gracefully.
    pub goaway_after: Option<i64>,
    /// HTTP/2: hold every answer this long, milliseconds (with `response_timeout_ms` below it,
    /// every attempt times out).
    pub response_delay_ms: Option<f64>,
    /// Per connection: after K accepted, close the TCP socket abruptly.
    pub drop_after: Option<i64>,
    /// Per connection: after K accepted, send status 10 (shutdown) and close.
    pub shutdown_after: Option<i64>,
    /// Per connection: after K accepted, send close_notify and close, with no error-response.
    pub close_silently_after: Option<i64>,
    /// Delay before any error-response is written, milliseconds.
    pub error_delay_ms: Option<f64>,
    /// Keep token and payload of accepted notifications (default true).
    pub record_payloads: Option<bool>,
    /// Refuse TLS clients without a certificate from the mock's CA (default true).
    pub require_client_cert: Option<bool>,
    /// Tuples the feedback service serves once: [epoch seconds, token hex].
    #[napi(ts_type = "Array<[number, string]>")]
    pub feedback: Option<Vec<String>>,
    /// HTTP/2, per connection: after K requests processed, answer no later request (PINGs
    /// and SETTINGS still answered; the streams stay open).
    pub stall_after: Option<i64>,
    /// HTTP/2 token auth: each provider token may be used for N requests over all
    /// connections; later requests carrying it are answered 403 ExpiredProviderToken.
    pub expire_token_after: Option<i64>,
    /// HTTP/2: channels the management API keeps per bundle id (default 10000, Apple's
    /// limit); creating one more is answered 400 CannotCreateChannelConfig.
    pub max_channels: Option<i64>,
}
