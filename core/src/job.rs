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
    /// True when the notification carries an expiry that has passed. Unset never expires;
    /// 0 ("now or never") is for APNs to apply, not the engine.
    pub(crate) fn is_expired(&self, now_epoch: u64) -> bool {
        self.notification
            .expiry
            .is_some_and(|e| e != 0 && u64::from(e) < now_epoch)
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
            channel_id: self.notification.channel_id,
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

#[cfg(test)]
mod tests {
    use super::*;

    fn job(b: crate::NotificationBuilder) -> Job {
        Job {
            id: 1,
            notification: b.token_bytes(&[1; 32]).payload_json("{}").build().unwrap(),
            attempts: 0,
            pushed_at: Instant::now(),
        }
    }

    #[test]
    fn unset_expiry_never_expires_and_zero_is_not_the_engines_to_expire() {
        let n = || Notification::builder();
        assert!(!job(n()).is_expired(u64::from(u32::MAX) + 1));
        assert!(!job(n().expiry(0)).is_expired(u64::from(u32::MAX)));
        assert!(job(n().expiry(1_000)).is_expired(1_001));
        assert!(!job(n().expiry(1_000)).is_expired(1_000));
    }
}
