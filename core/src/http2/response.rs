//! What an APNs response says: the JSON error body (`{"reason": ..., "timestamp": ...}`) and
//! the reason a status implies when the body gives none. What the engine does about it is
//! `crate::rules`.

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
}
