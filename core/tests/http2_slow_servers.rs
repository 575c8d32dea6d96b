//! Slow, stuck and token-expiring servers (issue 9): a slow server does not serialise a
//! connection, a connection that answers PINGs but not requests is replaced, and a provider
//! token the server declared expired is replaced at once. Each test asserts the mock's record
//! and every reported outcome.

mod common;

use apnspush::mock::MockOptions;
use apnspush::{ErrorKind, OutcomeKind};
use common::{count_kind, drain_outcomes, mock, mock_counts, notification, pusher, WAIT};
use std::collections::HashMap;
use std::time::{Duration, Instant};

/// Answers take 300 ms, the client waits 100 ms: every attempt times out. Before the fix the
/// connection never left its one-stream start and 2,000 notifications needed about 18 minutes;
/// now timeouts end the start, retries run concurrently, and stuck connections are replaced.
#[test]
fn a_slow_server_with_a_short_timeout_fails_every_notification_concurrently() {
    let m = mock(MockOptions {
        response_delay: Duration::from_millis(300),
        ..MockOptions::http2().with_token_auth()
    });
    let p = pusher(&m, &[("response_timeout_ms", "100"), ("max_attempts", "3")]);
    let started = Instant::now();
    for i in 0..2_000 {
        p.push_async(notification(i)).unwrap();
    }
    p.ensure_delivery(Some(Duration::from_secs(90)))
        .expect("2,000 notifications settle in seconds, not minutes");
    let took = started.elapsed();
    let mut outcomes = HashMap::new();
    drain_outcomes(&p, &mut outcomes);
    assert_eq!(outcomes.len(), 2_000);
    for o in outcomes.values() {
        assert_eq!(
            (o.kind, o.error, o.attempts),
            (OutcomeKind::Failed, Some(ErrorKind::Timeout), 3),
            "{o:?}"
        );
    }
    let s = p.stats();
    assert!(s.response_timeouts > 0, "{s:?}");
    assert!(s.unhealthy_replaced > 0, "{s:?}");
    // What the mock processed was all reported as a possible duplicate or a failure.
    assert!(m.accepted_count() <= s.written, "{s:?}");
    assert!(
        took < Duration::from_secs(90),
        "took {took:?} (a hang guard, not a speed test)"
    );
}

/// A gateway that goes silent on each connection after 1,000 requests while still answering
/// PINGs (pushy#816): each stuck connection is replaced, nothing is lost.
#[test]
fn a_connection_that_answers_pings_but_not_requests_is_replaced_and_nothing_lost() {
    let m = mock(MockOptions {
        stall_after: Some(1_000),
        ..MockOptions::http2().with_token_auth()
    });
    let p = pusher(&m, &[("response_timeout_ms", "500")]);
    let outcomes = all_accepted_exactly_once(&m, &p, 5_000);
    let s = p.stats();
    assert!(s.unhealthy_replaced >= 4, "{s:?}");
    assert!(s.reconnects >= 4, "{s:?}");
    // Stuck requests were never processed: nothing needed more than a couple of attempts.
    assert!(outcomes.values().all(|o| o.attempts <= 3), "{s:?}");
    // A stuck connection carries its 1,000 answered requests, about one concurrency window
    // (1,000 streams) that times out, and nothing more while it is probed and replaced.
    let per_connection = m.requests_per_connection();
    assert!(
        per_connection.iter().all(|&(_, n)| n <= 2_050),
        "{per_connection:?} {s:?}"
    );
}

/// Apple keeps a token expired once it said so. The token is replaced at once (the default
/// minimum interval is seconds), the refused requests retried with it: all accepted, two
/// tokens.
#[test]
fn an_expired_token_is_replaced_and_every_notification_accepted() {
    let m = mock(MockOptions {
        expire_token_after: Some(15_000),
        ..MockOptions::http2().with_token_auth()
    });
    let p = pusher(&m, &[("connections", "2")]);
    all_accepted_exactly_once(&m, &p, 20_000);
    assert_eq!(m.tokens_seen(), 2);
    assert_eq!(p.stats().token_refreshes, 1);
}

/// Pushes `n`, waits for every outcome, and asserts each was accepted by the client and by
/// the mock exactly once. Returns the outcomes.
fn all_accepted_exactly_once(
    m: &apnspush::mock::MockServer,
    p: &apnspush::Pusher,
    n: u64,
) -> HashMap<u64, apnspush::Outcome> {
    for i in 0..n {
        p.push_async(notification(i)).unwrap();
    }
    p.ensure_delivery(WAIT).unwrap();
    let mut outcomes = HashMap::new();
    drain_outcomes(p, &mut outcomes);
    assert_eq!(
        count_kind(&outcomes, OutcomeKind::Accepted),
        n as usize,
        "{:?}",
        p.stats()
    );
    let counts = mock_counts(m);
    assert_eq!(
        counts.len() as u64,
        n,
        "every notification accepted by the mock"
    );
    assert!(counts.values().all(|&c| c == 1), "none processed twice");
    outcomes
}
