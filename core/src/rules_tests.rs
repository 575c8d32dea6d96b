use super::*;

fn cfg() -> Config {
    Config::from_pairs([
        ("max_attempts", "3"),
        ("retry_backoff_ms", "100"),
        ("reconnect_backoff_max_ms", "1000"),
    ])
    .unwrap()
}

fn response(status: u16, reason: Option<&str>, token: TokenUse) -> Event<'_> {
    Event::Response {
        status,
        reason,
        token,
    }
}

const REPLAY_DUP: Action = Action::Replay {
    attempt: true,
    duplicate: true,
};

#[test]
fn responses() {
    let c = cfg();
    let ok = response(200, None, TokenUse::None);
    assert_eq!(decide(ok, 1, &c), Action::Accept { confirmed: true });
    let bad = response(400, Some("BadDeviceToken"), TokenUse::None);
    assert_eq!(
        decide(bad, 1, &c),
        Action::Reject {
            status: 400,
            reason: "BadDeviceToken".into()
        }
    );
    let gone = response(410, None, TokenUse::None);
    assert_eq!(
        decide(gone, 3, &c),
        Action::Reject {
            status: 410,
            reason: "Unregistered".into()
        }
    );
}

#[test]
fn retry_later_until_attempts_run_out() {
    let c = cfg();
    let busy = response(429, Some("TooManyRequests"), TokenUse::None);
    assert_eq!(
        decide(busy, 1, &c),
        Action::RetryLater {
            delay: Duration::from_millis(100)
        }
    );
    assert_eq!(
        decide(busy, 2, &c),
        Action::RetryLater {
            delay: Duration::from_millis(200)
        }
    );
    let Action::Fail {
        kind,
        status,
        reason,
    } = decide(response(503, None, TokenUse::None), 3, &c)
    else {
        panic!("a 503 out of attempts fails")
    };
    assert_eq!((kind, status), (ErrorKind::Io, 503));
    assert_eq!(reason, "ServiceUnavailable (status 503, attempt 3 of 3)");
    // The backoff is capped.
    assert_eq!(retry_backoff(30, &c), Duration::from_millis(1000));
}

#[test]
fn tokens() {
    let c = cfg();
    for token in [TokenUse::Current, TokenUse::Stale] {
        let expired = response(403, Some("ExpiredProviderToken"), token);
        assert_eq!(decide(expired, 1, &c), Action::RefreshToken);
        // Out of attempts: Apple's answer stands.
        assert!(matches!(
            decide(expired, 3, &c),
            Action::Reject { status: 403, .. }
        ));
    }
    // InvalidProviderToken: retried only when the token was replaced since the request left
    // (a wrong key is reported at once).
    let stale = response(403, Some("InvalidProviderToken"), TokenUse::Stale);
    assert_eq!(decide(stale, 1, &c), Action::RefreshToken);
    let current = response(403, Some("InvalidProviderToken"), TokenUse::Current);
    assert!(matches!(
        decide(current, 1, &c),
        Action::Reject { status: 403, .. }
    ));
}

#[test]
fn resets_timeouts_and_losses() {
    let c = cfg();
    assert!(matches!(
        decide(Event::Reset { code: 7 }, 1, &c),
        Action::RetryLater { .. }
    ));
    assert!(matches!(
        decide(Event::Reset { code: 7 }, 3, &c),
        Action::Fail {
            kind: ErrorKind::Protocol,
            ..
        }
    ));
    assert_eq!(decide(Event::Reset { code: 2 }, 1, &c), REPLAY_DUP);
    assert_eq!(decide(Event::TimedOut, 2, &c), REPLAY_DUP);
    let Action::Fail { kind, reason, .. } = decide(Event::TimedOut, 3, &c) else {
        panic!("a timeout out of attempts fails")
    };
    assert_eq!(kind, ErrorKind::Timeout);
    assert!(
        reason.contains("response_timeout_ms (attempt 3 of 3)"),
        "{reason}"
    );
    let goaway = Event::Lost {
        kind: ErrorKind::Protocol,
        why: "GOAWAY COMPRESSION_ERROR: ",
        charge: true,
    };
    assert_eq!(decide(goaway, 1, &c), REPLAY_DUP);
    let Action::Fail { kind, reason, .. } = decide(goaway, 3, &c) else {
        panic!("a loss out of attempts fails")
    };
    assert_eq!(kind, ErrorKind::Protocol);
    assert!(reason.starts_with("GOAWAY COMPRESSION_ERROR"), "{reason}");
    // An uncharged loss never fails, whatever the attempts.
    let uncharged = Event::Lost {
        kind: ErrorKind::Io,
        why: "x",
        charge: false,
    };
    assert_eq!(
        decide(uncharged, 9, &c),
        Action::Replay {
            attempt: false,
            duplicate: true
        }
    );
    assert_eq!(
        decide(Event::NotProcessed, 9, &c),
        Action::Replay {
            attempt: false,
            duplicate: false
        }
    );
}

#[test]
fn binary_error_responses() {
    let c = cfg();
    assert_eq!(
        decide(Event::ErrorResponse { status: 10 }, 1, &c),
        Action::Accept { confirmed: true }
    );
    let retry = Action::Replay {
        attempt: true,
        duplicate: false,
    };
    assert_eq!(decide(Event::ErrorResponse { status: 1 }, 2, &c), retry);
    assert!(matches!(
        decide(Event::ErrorResponse { status: 1 }, 3, &c),
        Action::Reject { status: 1, .. }
    ));
    // 255 is retried once.
    assert_eq!(decide(Event::ErrorResponse { status: 255 }, 1, &c), retry);
    assert!(matches!(
        decide(Event::ErrorResponse { status: 255 }, 2, &c),
        Action::Reject { status: 255, .. }
    ));
    assert!(matches!(
        decide(Event::ErrorResponse { status: 8 }, 1, &c),
        Action::Reject { status: 8, .. }
    ));
    assert_eq!(
        decide(Event::ProcessedBefore, 1, &c),
        Action::Accept { confirmed: true }
    );
    assert_eq!(
        decide(Event::ErrorWindowPassed, 1, &c),
        Action::Accept { confirmed: false }
    );
}

#[test]
fn a_panic_fails_as_internal_whatever_the_attempts() {
    let c = cfg();
    let why = "internal error: the reader thread panicked (x); slot restarted";
    for attempts in [0, 1, 3] {
        assert_eq!(
            decide(Event::Panicked { why }, attempts, &c),
            Action::Fail {
                kind: ErrorKind::Internal,
                status: 0,
                reason: why.to_owned()
            }
        );
    }
}
