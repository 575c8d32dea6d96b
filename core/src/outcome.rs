//! The final outcome of a notification: exactly one per notification, reported once.

use crate::error::ErrorKind;

/// Which of the five final outcomes a notification reached.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum OutcomeKind {
    /// APNs took it: HTTP/2 status 200, or binary confirmed by a later reply or marker
    /// (`confirmed`), or presumed after the error window passed on a live connection.
    Accepted,
    /// APNs refused it with a status (and reason). Never retried.
    Rejected,
    /// The library gave up: attempts exhausted, timeout, connection or TLS failure, closed.
    Failed,
    /// Its expiry passed before it could be (re)sent.
    Expired,
    /// The pusher closed before it was written.
    Cancelled,
}

impl OutcomeKind {
    pub fn name(self) -> &'static str {
        match self {
            OutcomeKind::Accepted => "accepted",
            OutcomeKind::Rejected => "rejected",
            OutcomeKind::Failed => "failed",
            OutcomeKind::Expired => "expired",
            OutcomeKind::Cancelled => "cancelled",
        }
    }
}

/// What happened to one notification.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outcome {
    /// The id `push_async` returned.
    pub id: u64,
    pub kind: OutcomeKind,
    /// Binary: the error-response status (0 when accepted). HTTP/2: the response status
    /// (200 when accepted). 0 when the server gave none.
    pub status: u16,
    /// Apple's reason text, or the library's error message for `failed`.
    pub reason: String,
    /// The engine error behind a `failed` outcome.
    pub error: Option<ErrorKind>,
    /// HTTP/2 410: when the token stopped being valid, in milliseconds since the epoch.
    pub timestamp: Option<u64>,
    /// The device token; empty for a notification sent on a channel.
    pub token: Vec<u8>,
    /// The broadcast channel the notification was sent on (`None`: sent to `token`).
    pub channel_id: Option<String>,
    /// HTTP/2 `apns-id` (for a broadcast, its `apns-request-id`).
    pub apns_id: Option<String>,
    /// Accepted on evidence (a later reply, a marker, HTTP/2 200) rather than presumed.
    pub confirmed: bool,
    /// Times it was written, counting replays.
    pub attempts: u32,
    /// The caller's value from `Notification::user_data`.
    pub user_data: u64,
}

impl Outcome {
    /// Every field a face's outcome carries, under these names (`token` as hex text, `error`
    /// as the error kind's name, `kind` as `OutcomeKind::name`).
    pub const FIELDS: &'static [&'static str] = &[
        "id",
        "kind",
        "status",
        "reason",
        "error",
        "timestamp",
        "token",
        "channel_id",
        "apns_id",
        "confirmed",
        "attempts",
        "user_data",
    ];

    pub fn token_hex(&self) -> String {
        crate::notification::hex_encode(&self.token)
    }
    pub fn is_accepted(&self) -> bool {
        self.kind == OutcomeKind::Accepted
    }
}
