//! What happens to a notification after an event, for both protocols: pure functions of
//! (event, attempts so far, configuration) → [`Action`], tested without sockets. The engine
//! applies actions (`Engine::act`); nothing else decides a notification's fate.
//!
//! The README's replay table is this module in prose.

use std::time::Duration;

use crate::config::Config;
use crate::error::ErrorKind;
use crate::http2::response::default_reason;

/// Whether the provider token a request carried is still the pusher's current one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum TokenUse {
    /// Certificate auth: no token.
    None,
    /// The token the pusher would send now.
    Current,
    /// A token the pusher has replaced since the request was written.
    Stale,
}

/// Something that happened to one written (or about to be written) notification.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Event<'a> {
    /// HTTP/2: a final response.
    Response {
        status: u16,
        reason: Option<&'a str>,
        token: TokenUse,
    },
    /// HTTP/2: the server reset the stream with this error code.
    Reset { code: u32 },
    /// No answer within `response_timeout_ms`, or none before the connection was replaced for
    /// not answering (health check): the server may have processed it.
    TimedOut,
    /// The server cannot have processed it: written above a GOAWAY's last-stream-id, or
    /// (binary) after the notification an error-response named, which Apple discards unseen.
    NotProcessed,
    /// The connection ended with no verdict for it: the server may have processed it.
    /// `charge`: the loss counts as one of its attempts (binary charges only a notification
    /// that was alone on the wire; HTTP/2 always).
    Lost {
        kind: ErrorKind,
        why: &'a str,
        charge: bool,
    },
    /// Binary: an error-response named it with this status.
    ErrorResponse { status: u8 },
    /// Binary: written before the notification an error-response or a flush marker's reply
    /// named (Apple processes in order), or named by status 10.
    ProcessedBefore,
    /// Binary: the error window passed on a live connection with no error-response.
    ErrorWindowPassed,
    /// The connection thread holding it panicked (a bug): it may or may not have been sent.
    Panicked { why: &'a str },
}

/// For log lines: what happened, never a token or a payload.
impl std::fmt::Display for Event<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Event::Response { status: 200, .. } => f.write_str("answered 200"),
            Event::Response { status, reason, .. } => {
                let reason = reason.unwrap_or(default_reason(*status));
                write!(f, "answered {status} {reason}")
            }
            Event::Reset { code } => write!(
                f,
                "stream reset by the server ({})",
                crate::http2::frame::error_code::name(*code)
            ),
            Event::TimedOut => f.write_str("no response within response_timeout_ms"),
            Event::NotProcessed => f.write_str("not processed by the server"),
            Event::Lost { why, .. } => write!(f, "connection ended with no answer ({why})"),
            Event::ErrorResponse { status } => write!(
                f,
                "error-response status {status} ({})",
                crate::binary::codec::status::reason(*status)
            ),
            Event::ProcessedBefore => {
                f.write_str("written before the notification an error-response or marker named")
            }
            Event::ErrorWindowPassed => {
                f.write_str("the error window passed with no error-response")
            }
            Event::Panicked { why } => f.write_str(why),
        }
    }
}

/// What the engine does with the notification.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Action {
    Accept {
        confirmed: bool,
    },
    Reject {
        status: u16,
        reason: String,
    },
    Fail {
        kind: ErrorKind,
        status: u16,
        reason: String,
    },
    /// Send again, first in line, on any connection. `attempt`: it counts as one of its
    /// attempts; `duplicate`: the server may already have processed it (counted).
    Replay {
        attempt: bool,
        duplicate: bool,
    },
    /// Send again after `delay`, counting an attempt.
    RetryLater {
        delay: Duration,
    },
    /// The provider token it carried is expired or was replaced: re-sign unless already done,
    /// then send again with the current token, counting an attempt.
    RefreshToken,
}

/// The server did not process the stream.
const REFUSED_STREAM: u32 = crate::http2::frame::error_code::REFUSED_STREAM;

/// Decides what happens to a notification with `attempts` counted attempts after `event`.
pub(crate) fn decide(event: Event<'_>, attempts: u32, cfg: &Config) -> Action {
    let max = cfg.max_attempts;
    let more = attempts < max;
    match event {
        Event::Response { status: 200, .. } => Action::Accept { confirmed: true },
        Event::Response {
            status: 403,
            reason: Some("ExpiredProviderToken"),
            ..
        } if more => Action::RefreshToken,
        // Apple refuses a token it has seen replaced; only a stale token earns a retry, so a
        // wrong key is still reported at once.
        Event::Response {
            status: 403,
            reason: Some("InvalidProviderToken"),
            token: TokenUse::Stale,
        } if more => Action::RefreshToken,
        Event::Response {
            status: 429 | 500..=599,
            ..
        } if more => Action::RetryLater {
            delay: retry_backoff(attempts + 1, cfg),
        },
        Event::Response {
            status: status @ (429 | 500..=599),
            reason,
            ..
        } => Action::Fail {
            kind: ErrorKind::Io,
            status,
            reason: format!(
                "{} (status {status}, attempt {attempts} of {max})",
                reason.unwrap_or(default_reason(status))
            ),
        },
        Event::Response { status, reason, .. } => Action::Reject {
            status,
            reason: reason.unwrap_or(default_reason(status)).to_owned(),
        },
        Event::Reset {
            code: REFUSED_STREAM,
        } if more => Action::RetryLater {
            delay: retry_backoff(attempts + 1, cfg),
        },
        Event::Reset {
            code: REFUSED_STREAM,
        } => Action::Fail {
            kind: ErrorKind::Protocol,
            status: 0,
            reason: format!("stream refused (REFUSED_STREAM), attempt {attempts} of {max}"),
        },
        Event::Reset { .. } => lost(
            ErrorKind::Protocol,
            "stream reset by the server",
            attempts,
            cfg,
        ),
        Event::TimedOut => lost(
            ErrorKind::Timeout,
            "no response within response_timeout_ms",
            attempts,
            cfg,
        ),
        Event::NotProcessed => Action::Replay {
            attempt: false,
            duplicate: false,
        },
        Event::Lost {
            charge: false,
            kind: _,
            why: _,
        } => Action::Replay {
            attempt: false,
            duplicate: true,
        },
        Event::Lost { kind, why, .. } => lost(kind, why, attempts, cfg),
        Event::ErrorResponse { status } => binary_named(status, attempts, cfg),
        Event::ProcessedBefore => Action::Accept { confirmed: true },
        Event::ErrorWindowPassed => Action::Accept { confirmed: false },
        Event::Panicked { why } => Action::Fail {
            kind: ErrorKind::Internal,
            status: 0,
            reason: why.to_owned(),
        },
    }
}

/// Unanswered when it may have been processed: charged an attempt and replayed (a possible
/// duplicate), or failed once its attempts are used up.
fn lost(kind: ErrorKind, why: &str, attempts: u32, cfg: &Config) -> Action {
    let max = cfg.max_attempts;
    if attempts < max {
        Action::Replay {
            attempt: true,
            duplicate: true,
        }
    } else {
        Action::Fail {
            kind,
            status: 0,
            reason: format!("{why} (attempt {attempts} of {max})"),
        }
    }
}

/// Binary: the notification an error-response names. Status 10 (shutdown) names the last one
/// processed; 1 (processing error) is retried up to `max_attempts`, 255 (unknown) once;
/// everything else is a rejection.
fn binary_named(status: u8, attempts: u32, cfg: &Config) -> Action {
    use crate::binary::codec::status as st;
    let retry = match status {
        st::SHUTDOWN => return Action::Accept { confirmed: true },
        st::PROCESSING_ERROR => attempts < cfg.max_attempts,
        st::UNKNOWN => attempts < 2.min(cfg.max_attempts),
        _ => false,
    };
    if retry {
        Action::Replay {
            attempt: true,
            duplicate: false,
        }
    } else {
        Action::Reject {
            status: u16::from(status),
            reason: st::reason(status).to_owned(),
        }
    }
}

/// The wait before attempt number `attempt` after a 429/5xx or REFUSED_STREAM:
/// `retry_backoff_ms` doubling from the third attempt, capped by `reconnect_backoff_max_ms`.
/// Jitter is the caller's.
pub(crate) fn retry_backoff(attempt: u32, cfg: &Config) -> Duration {
    let exp = attempt.saturating_sub(2).min(20);
    cfg.retry_backoff
        .saturating_mul(1 << exp)
        .min(cfg.backoff_max.max(cfg.retry_backoff))
}

#[cfg(test)]
#[path = "rules_tests.rs"]
mod tests;
