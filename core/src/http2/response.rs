//! What an APNs response says: the JSON error body (`{"reason": ..., "timestamp": ...}`) and
//! what the engine does about a status and reason.

use serde_json::Value;

/// The fields of an error body the engine uses. Anything unparsable yields `None`s.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ErrorBody {
    pub reason: Option<String>,
    /// 410 only: when the token stopped being valid, milliseconds since the epoch.
    pub timestamp: Option<u64>,
}

/// Longest reason kept; Apple's are under 40 bytes.
const MAX_REASON: usize = 128;

/// Parses an error body leniently: a missing or malformed field is `None`; never panics.
/// The timestamp may be a JSON number or a string of digits.
pub fn parse_error_body(body: &[u8]) -> ErrorBody {
    let Ok(Value::Object(map)) = serde_json::from_slice::<Value>(body) else {
        return ErrorBody::default();
    };
    let reason = match map.get("reason") {
        Some(Value::String(s)) if !s.is_empty() => Some(
            s.chars()
                .filter(|c| !c.is_control())
                .take(MAX_REASON)
                .collect(),
        ),
        _ => None,
    };
    let timestamp = match map.get("timestamp") {
        Some(Value::Number(n)) => n.as_u64().or_else(|| {
            n.as_f64()
                .filter(|f| *f >= 0.0 && f.is_finite())
                .map(|f| f as u64)
        }),
        Some(Value::String(s)) => s.trim().parse().ok(),
        _ => None,
    };
    ErrorBody { reason, timestamp }
}

/// What the engine does with a final response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// 200: accepted.
    Accept,
    /// 429 and 5xx: retried after a backoff, counting an attempt.
    RetryLater,
    /// 403 ExpiredProviderToken: a fresh token, then one retry.
    RefreshToken,
    /// Everything else: rejected, never retried.
    Reject,
}

pub(crate) fn verdict(status: u16, reason: Option<&str>) -> Verdict {
    match status {
        200 => Verdict::Accept,
        403 if reason == Some("ExpiredProviderToken") => Verdict::RefreshToken,
        429 | 500..=599 => Verdict::RetryLater,
        _ => Verdict::Reject,
    }
}

/// The reason to report when the body gave none.
pub(crate) fn default_reason(status: u16) -> &'static str {
    match status {
        400 => "BadRequest",
        403 => "Forbidden",
        404 => "BadPath",
        405 => "MethodNotAllowed",
        410 => "Unregistered",
        413 => "PayloadTooLarge",
        429 => "TooManyRequests",
        500 => "InternalServerError",
        503 => "ServiceUnavailable",
        _ => "UnexpectedStatus",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies() {
        let b = parse_error_body(br#"{"reason":"Unregistered","timestamp":1700000000123}"#);
        assert_eq!(b.reason.as_deref(), Some("Unregistered"));
        assert_eq!(b.timestamp, Some(1_700_000_000_123));
        let b = parse_error_body(br#"{"reason":"BadDeviceToken"}"#);
        assert_eq!(
            (b.reason.as_deref(), b.timestamp),
            (Some("BadDeviceToken"), None)
        );
        assert_eq!(parse_error_body(b"").reason, None);
        assert_eq!(parse_error_body(b"[1]").reason, None);
        assert_eq!(
            parse_error_body(br#"{"timestamp":"42"}"#).timestamp,
            Some(42)
        );
        assert_eq!(parse_error_body(br#"{"reason":7}"#).reason, None);
    }

    #[test]
    fn verdicts() {
        assert_eq!(verdict(200, None), Verdict::Accept);
        assert_eq!(
            verdict(403, Some("ExpiredProviderToken")),
            Verdict::RefreshToken
        );
        assert_eq!(verdict(403, Some("InvalidProviderToken")), Verdict::Reject);
        assert_eq!(verdict(429, None), Verdict::RetryLater);
        assert_eq!(verdict(503, Some("Shutdown")), Verdict::RetryLater);
        assert_eq!(verdict(410, Some("Unregistered")), Verdict::Reject);
    }
}
