//! A notification in the engine's hands: its id, attempts so far, and when it was pushed.

use crate::error::ErrorKind;
use crate::notification::Notification;
use crate::outcome::{Outcome, OutcomeKind};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

pub(crate) struct Job {
    pub(crate) id: u64,
    pub(crate) notification: Notification,
    /// Writes that counted as attempts (replays after a discard do not count).
    pub(crate) attempts: u32,
    pub(crate) pushed_at: Instant,
}

impl Job {
    /// True when the notification carries an expiry that has passed.
    pub(crate) fn is_expired(&self, now_epoch: u64) -> bool {
        let expiry = self.notification.expiry as u64;
        expiry != 0 && expiry < now_epoch
    }

    /// Consumes the job into its outcome.
    pub(crate) fn into_outcome(
        self,
        kind: OutcomeKind,
        status: u16,
        reason: impl Into<String>,
    ) -> Outcome {
        Outcome {
            id: self.id,
            kind,
            status,
            reason: reason.into(),
            error: None,
            timestamp: None,
            token: self.notification.token,
            apns_id: self.notification.apns_id,
            confirmed: false,
            attempts: self.attempts,
            user_data: self.notification.user_data,
        }
    }

    pub(crate) fn accepted(self, confirmed: bool) -> Outcome {
        let mut o = self.into_outcome(OutcomeKind::Accepted, 0, "");
        o.confirmed = confirmed;
        o
    }

    pub(crate) fn failed(self, error: ErrorKind, reason: impl Into<String>) -> Outcome {
        let mut o = self.into_outcome(OutcomeKind::Failed, 0, reason);
        o.error = Some(error);
        o
    }

    pub(crate) fn expired(self) -> Outcome {
        self.into_outcome(
            OutcomeKind::Expired,
            0,
            "expiry passed before it could be sent",
        )
    }
}

pub(crate) fn now_epoch_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}
