//! A validated notification: device token, JSON payload and delivery options.
//! Everything is checked at construction; a `Notification` that exists is well formed.

use crate::error::{Error, ErrorKind, Result};

mod builder;
mod checks;
mod live_activity;
pub use builder::NotificationBuilder;
pub(crate) use live_activity::is_live_activity;
pub use live_activity::LIVE_ACTIVITY_EVENTS;

/// Smallest and largest device token, in bytes (the frame format allows up to 100).
pub const TOKEN_MIN: usize = 32;
pub const TOKEN_MAX: usize = 100;
/// Payload limits per protocol, in bytes.
pub const BINARY_PAYLOAD_MAX: usize = 2048;
pub const HTTP2_PAYLOAD_MAX: usize = 4096;
pub const VOIP_PAYLOAD_MAX: usize = 5120;
/// Longest `apns-collapse-id`, in bytes (Apple's documented limit).
pub const COLLAPSE_ID_MAX: usize = 64;
/// Longest `apns-topic` (and `topic` configuration key), in bytes. Apple publishes no limit:
/// a topic is a reverse-DNS bundle id plus at most a 23-byte push-type suffix, far below
/// this. The bound refuses at the call what a server refuses for the whole connection (a
/// 100,000-byte topic draws GOAWAY COMPRESSION_ERROR, failing every stream in flight).
pub const TOPIC_MAX: usize = 255;
/// Length of an `apns-id`: a UUID in canonical 8-4-4-4-12 hex form.
pub const APNS_ID_LEN: usize = 36;
/// Push types the HTTP/2 API accepts in `apns-push-type`.
pub const PUSH_TYPES: [&str; 11] = [
    "alert",
    "background",
    "location",
    "voip",
    "complication",
    "fileprovider",
    "mdm",
    "liveactivity",
    "pushtotalk",
    "widgets",
    "controls",
];

/// Values of `aps.interruption-level`.
pub const INTERRUPTION_LEVELS: [&str; 4] = ["passive", "active", "time-sensitive", "critical"];

/// An immutable, validated notification. Cheap to move; clone copies token and payload.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Notification {
    /// The device token; empty when the notification is addressed to a channel.
    pub(crate) token: Vec<u8>,
    /// The broadcast channel id (base64 text) this notification is sent on, instead of a token.
    pub(crate) channel_id: Option<String>,
    pub(crate) payload: Vec<u8>,
    pub(crate) expiry: Option<u32>,
    pub(crate) priority: u8,
    pub(crate) topic: Option<String>,
    pub(crate) push_type: Option<String>,
    pub(crate) collapse_id: Option<String>,
    pub(crate) apns_id: Option<String>,
    pub(crate) user_data: u64,
}

impl Notification {
    /// A notification from a hex token and a JSON object payload, with default options.
    pub fn new(token_hex: &str, payload_json: &str) -> Result<Self> {
        Notification::builder()
            .token_hex(token_hex)
            .payload_json(payload_json)
            .build()
    }

    pub fn builder() -> NotificationBuilder {
        NotificationBuilder::default()
    }

    /// The device token; empty for a notification sent on a channel.
    pub fn token(&self) -> &[u8] {
        &self.token
    }
    /// The broadcast channel this notification is sent on (`None`: sent to a device token).
    pub fn channel_id(&self) -> Option<&str> {
        self.channel_id.as_deref()
    }
    /// The token as lower-case hex, as the HTTP/2 path and the outcomes show it.
    pub fn token_hex(&self) -> String {
        hex_encode(&self.token)
    }
    pub fn payload(&self) -> &[u8] {
        &self.payload
    }
    /// Expiry in epoch seconds. `None` (unset): HTTP/2 sends no `apns-expiration`, so APNs
    /// stores the notification and retries delivery for a period of its choosing; the binary
    /// protocol, which has no "absent", writes now + 30 days. `Some(0)`: one attempt, not
    /// stored ("now or never").
    pub fn expiry(&self) -> Option<u32> {
        self.expiry
    }
    pub fn priority(&self) -> u8 {
        self.priority
    }
    pub fn topic(&self) -> Option<&str> {
        self.topic.as_deref()
    }
    /// The `apns-push-type`: as set, or inferred from the payload when unset (`alert` for
    /// alert/sound/badge, `background` for content-available alone), or `None`.
    pub fn push_type(&self) -> Option<&str> {
        self.push_type.as_deref()
    }
    pub fn collapse_id(&self) -> Option<&str> {
        self.collapse_id.as_deref()
    }
    pub fn apns_id(&self) -> Option<&str> {
        self.apns_id.as_deref()
    }
    /// Opaque caller value returned unchanged in this notification's outcome.
    pub fn user_data(&self) -> u64 {
        self.user_data
    }
    /// Sets the caller value returned in the outcome.
    pub fn set_user_data(&mut self, value: u64) {
        self.user_data = value;
    }
    /// Moves the notification out, leaving an empty one (no token: every push refuses it) in
    /// its place. For bindings that hand a notification back to their caller on failure.
    #[doc(hidden)]
    pub fn take(&mut self) -> Notification {
        let empty = Notification {
            token: Vec::new(),
            channel_id: None,
            payload: Vec::new(),
            expiry: None,
            priority: 10,
            topic: None,
            push_type: None,
            collapse_id: None,
            apns_id: None,
            user_data: 0,
        };
        std::mem::replace(self, empty)
    }

    /// The payload limit that applies to this notification over HTTP/2.
    pub fn http2_payload_limit(&self) -> usize {
        if self.push_type.as_deref() == Some("voip") {
            VOIP_PAYLOAD_MAX
        } else {
            HTTP2_PAYLOAD_MAX
        }
    }
}

pub(crate) fn check_token_len(len: usize) -> Result<()> {
    if (TOKEN_MIN..=TOKEN_MAX).contains(&len) {
        Ok(())
    } else {
        Err(Error::new(
            ErrorKind::BadToken,
            format!("device token is {len} bytes; it must be {TOKEN_MIN} to {TOKEN_MAX}"),
        ))
    }
}

pub(crate) fn check_payload_len(len: usize, limit: usize) -> Result<()> {
    if len <= limit {
        Ok(())
    } else {
        Err(Error::new(
            ErrorKind::PayloadTooLarge,
            format!("payload is {len} bytes; the limit is {limit}"),
        ))
    }
}

/// Decodes hex (either case, no separators) into bytes.
pub fn hex_decode(hex: &str) -> Result<Vec<u8>> {
    let bytes = hex.as_bytes();
    if !bytes.len().is_multiple_of(2) {
        return Err(Error::new(
            ErrorKind::BadToken,
            format!("token hex has odd length {}", bytes.len()),
        ));
    }
    let nibble = |c: u8| match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    };
    let mut out = Vec::with_capacity(bytes.len() / 2);
    for (i, pair) in bytes.chunks_exact(2).enumerate() {
        match (nibble(pair[0]), nibble(pair[1])) {
            (Some(hi), Some(lo)) => out.push(hi << 4 | lo),
            (hi, _) => {
                let at = 2 * i + usize::from(hi.is_some());
                return Err(Error::new(
                    ErrorKind::BadToken,
                    format!("token has a non-hex character at position {at}"),
                ));
            }
        }
    }
    Ok(out)
}

/// Lower-case hex of `bytes`.
pub fn hex_encode(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(DIGITS[(b >> 4) as usize] as char);
        out.push(DIGITS[(b & 15) as usize] as char);
    }
    out
}

fn is_uuid(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == APNS_ID_LEN
        && b.iter().enumerate().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => *c == b'-',
            _ => c.is_ascii_hexdigit(),
        })
}
