//! The engine's scenarios over HTTP/2 against the built-in mock: what the mock recorded and
//! what outcomes were reported must both say that nothing was lost.

mod common;

use apnspush::mock::MockOptions;
use apnspush::OutcomeKind;
use common::*;
use std::collections::{HashMap, HashSet};
use std::time::Duration;

#[test]
fn smoke_one_notification() {
    let m = mock(MockOptions::http2());
    let p = pusher(&m, &[]);
    let o = p.ensure_push(notification(1), WAIT).unwrap();
    assert_eq!((o.kind, o.status), (OutcomeKind::Accepted, 200), "{o:?}");
    assert!(o.confirmed);
    assert!(o.apns_id.is_some());
    let a = m.accepted();
    assert_eq!(a.len(), 1);
    assert_eq!(a[0].apns_id, o.apns_id);
    let mut outcomes = HashMap::new();
    for i in 0..1000 {
        p.push_async(notification(i)).unwrap();
    }
    p.ensure_delivery(WAIT).unwrap();
    drain_outcomes(&p, &mut outcomes);
    assert_eq!(count_kind(&outcomes, OutcomeKind::Accepted), 1001);
}

#[test]
fn a_100k_accepted_exactly_once() {
    let m = mock(MockOptions::http2());
    let p = pusher(&m, &[("connections", "2")]);
    let mut outcomes = HashMap::new();
    for i in 0..100_000 {
        p.push_async(notification(i)).unwrap();
        if i % 20_000 == 0 {
            drain_outcomes(&p, &mut outcomes);
        }
    }
    p.ensure_delivery(WAIT).unwrap();
    drain_outcomes(&p, &mut outcomes);
    assert_eq!(outcomes.len(), 100_000);
    assert_eq!(count_kind(&outcomes, OutcomeKind::Accepted), 100_000);
    assert!(outcomes
        .values()
        .all(|o| o.confirmed && o.apns_id.is_some()));
    let counts = mock_counts(&m);
    assert_eq!(counts.len(), 100_000);
    assert!(
        counts.values().all(|&c| c == 1),
        "a notification was delivered twice"
    );
    let accepted = m.accepted();
    let ids: std::collections::HashSet<&str> = accepted
        .iter()
        .filter_map(|a| a.apns_id.as_deref())
        .collect();
    assert_eq!(ids.len(), 100_000, "every apns-id once");
    for o in outcomes.values() {
        assert!(ids.contains(o.apns_id.as_deref().unwrap()));
    }
    let s = p.stats();
    assert_eq!(
        (s.pushed, s.accepted, s.rejected, s.failed),
        (100_000, 100_000, 0, 0)
    );
    assert_eq!(s.duplicates_possible, 0);
    let h2 = m.http2_counts();
    assert_eq!(h2.concurrency_violations, 0);
    assert_eq!(h2.flow_control_violations, 0);
    assert_eq!(h2.protocol_errors, 0);
    assert!(h2.peak_concurrent_streams <= 1000);
}

#[test]
fn b_bad_device_tokens_and_unregistered_among_20k() {
    let bad: HashSet<u64> = (0..20).map(|k| 300 + k * 997).collect();
    let gone: HashSet<u64> = (0..20).map(|k| 700 + k * 991).collect();
    let mut http2_reject: Vec<_> = bad
        .iter()
        .map(|&i| (token(i), 400u16, "BadDeviceToken".to_string()))
        .collect();
    http2_reject.extend(
        gone.iter()
            .map(|&i| (token(i), 410u16, "Unregistered".to_string())),
    );
    let m = mock(MockOptions {
        http2_reject,
        ..MockOptions::http2()
    });
    let p = pusher(&m, &[]);
    let before = apnspush_now_ms();
    for i in 0..20_000 {
        p.push_async(notification(i)).unwrap();
    }
    p.ensure_delivery(WAIT).unwrap();
    let mut outcomes = HashMap::new();
    drain_outcomes(&p, &mut outcomes);
    assert_eq!(outcomes.len(), 20_000);
    let rejected = |status: u16, reason: &str| -> HashSet<u64> {
        outcomes
            .values()
            .filter(|o| o.kind == OutcomeKind::Rejected && o.status == status && o.reason == reason)
            .map(|o| o.user_data)
            .collect()
    };
    assert_eq!(rejected(400, "BadDeviceToken"), bad);
    assert_eq!(rejected(410, "Unregistered"), gone);
    for o in outcomes.values().filter(|o| o.status == 410) {
        let ts = o.timestamp.expect("410 carries a timestamp");
        assert!(ts >= before && ts <= apnspush_now_ms(), "{ts}");
        assert!(o.apns_id.is_some());
    }
    assert!(outcomes
        .values()
        .filter(|o| o.status == 400)
        .all(|o| o.timestamp.is_none()));
    assert_eq!(count_kind(&outcomes, OutcomeKind::Accepted), 19_960);
    let counts = mock_counts(&m);
    assert_eq!(counts.len(), 19_960);
    assert!(counts.values().all(|&c| c == 1));
    let mock_rejected: HashSet<u64> = m
        .http2_rejected()
        .iter()
        .map(|r| u64::from_be_bytes(r.token[..8].try_into().unwrap()))
        .collect();
    assert_eq!(mock_rejected, bad.union(&gone).copied().collect());
    assert_eq!(
        m.http2_rejected().len(),
        40,
        "each rejected once, never retried"
    );
    assert_eq!(p.failed_notifications().len(), 40);
    let h2 = m.http2_counts();
    assert_eq!(h2.concurrency_violations, 0, "{h2:?}");
}

fn apnspush_now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64
}

#[test]
fn c_goaway_every_5000_and_drop_every_7000_none_lost() {
    let m = mock(MockOptions {
        goaway_after: Some(5_000),
        ..MockOptions::http2()
    });
    let d = mock(MockOptions {
        drop_after: Some(7_000),
        ..MockOptions::http2()
    });
    for (server, what) in [(&m, "goaway"), (&d, "drop")] {
        let p = pusher(server, &[]);
        for i in 0..30_000 {
            p.push_async(notification(i)).unwrap();
        }
        p.ensure_delivery(WAIT).unwrap();
        let mut outcomes = HashMap::new();
        drain_outcomes(&p, &mut outcomes);
        assert_eq!(outcomes.len(), 30_000, "{what}");
        assert_eq!(
            count_kind(&outcomes, OutcomeKind::Accepted),
            30_000,
            "{what}"
        );
        let counts = mock_counts(server);
        assert_eq!(
            counts.len(),
            30_000,
            "{what}: a notification never reached the mock"
        );
        let duplicates: u64 = counts.values().map(|&c| c as u64 - 1).sum();
        let s = p.stats();
        assert!(
            duplicates <= s.duplicates_possible,
            "{what}: mock saw {duplicates} duplicates, stats counted {}",
            s.duplicates_possible
        );
        assert!(s.reconnects >= 4, "{what}: {s:?}");
        if what == "goaway" {
            assert_eq!(
                duplicates, 0,
                "streams above last-stream-id were not processed"
            );
            assert_eq!(s.duplicates_possible, 0);
            assert!(s.goaways >= 5, "{s:?}");
            assert!(
                s.last_error.contains("GOAWAY") && s.last_error.contains("Shutdown"),
                "{}",
                s.last_error
            );
            assert!(server.http2_counts().goaways_sent >= 5);
        } else {
            assert!(s.connection_losses >= 4, "{s:?}");
            assert!(s.duplicates_possible > 0);
        }
    }
}

#[test]
fn d_429_every_100th_all_eventually_accepted() {
    let m = mock(MockOptions {
        fail_every: Some((100, 429)),
        ..MockOptions::http2()
    });
    let p = pusher(&m, &[("retry_backoff_ms", "5")]);
    for i in 0..10_000 {
        p.push_async(notification(i)).unwrap();
    }
    p.ensure_delivery(WAIT).unwrap();
    let mut outcomes = HashMap::new();
    drain_outcomes(&p, &mut outcomes);
    assert_eq!(count_kind(&outcomes, OutcomeKind::Accepted), 10_000);
    let counts = mock_counts(&m);
    assert_eq!(counts.len(), 10_000);
    assert!(counts.values().all(|&c| c == 1));
    let refused = m.http2_rejected();
    assert!(
        refused.len() >= 100
            && refused
                .iter()
                .all(|r| r.status == 429 && r.reason == "TooManyRequests")
    );
    let s = p.stats();
    assert_eq!(s.retries, refused.len() as u64);
    let retried: u64 = outcomes.values().map(|o| (o.attempts - 1) as u64).sum();
    assert_eq!(retried, refused.len() as u64, "each 429 cost one attempt");
}

#[test]
fn d_503_until_attempts_run_out_fails_with_the_last_reason() {
    let m = mock(MockOptions {
        fail_every: Some((1, 503)),
        ..MockOptions::http2()
    });
    let p = pusher(&m, &[("retry_backoff_ms", "1"), ("max_attempts", "3")]);
    let o = p.ensure_push(notification(1), WAIT).unwrap();
    assert_eq!(
        (o.kind, o.status, o.attempts),
        (OutcomeKind::Failed, 503, 3),
        "{o:?}"
    );
    assert!(o.reason.contains("ServiceUnavailable"), "{}", o.reason);
    assert_eq!(m.http2_rejected().len(), 3);
    assert_eq!(m.accepted_count(), 0);
}

#[test]
fn g_max_concurrent_streams_honoured_including_the_drop_to_1() {
    let bad: Vec<u64> = (0..30).map(|k| 50 + k * 101).collect();
    let m = mock(MockOptions {
        max_concurrent_streams: 7,
        http2_reject: bad
            .iter()
            .map(|&i| (token(i), 400, "BadDeviceToken".into()))
            .collect(),
        response_delay: Duration::from_millis(2),
        ..MockOptions::http2()
    });
    let p = pusher(&m, &[]);
    for i in 0..3_000 {
        p.push_async(notification(i)).unwrap();
    }
    p.ensure_delivery(WAIT).unwrap();
    let h2 = m.http2_counts();
    assert_eq!(h2.concurrency_violations, 0, "{h2:?}");
    assert_eq!(h2.peak_concurrent_streams, 7, "{h2:?}");
    assert!(
        h2.limit_changes >= 2 * 30 - 1,
        "a drop after each rejection: {h2:?}"
    );
    assert_eq!(m.accepted_count(), 2_970);
    assert_eq!(p.stats().rejected, 30);
}

#[test]
fn e_eight_threads_pushing_at_once() {
    let m = mock(MockOptions {
        record_payloads: true,
        ..MockOptions::http2().with_token_auth()
    });
    let p = pusher(&m, &[("connections", "2"), ("outcome_reports", "failures")]);
    std::thread::scope(|s| {
        for t in 0..8u64 {
            let p = &p;
            s.spawn(move || {
                for i in 0..10_000 {
                    p.push_async(notification(t * 1_000_000 + i)).unwrap();
                }
            });
        }
    });
    p.ensure_delivery(WAIT).unwrap();
    let s = p.stats();
    assert_eq!((s.pushed, s.accepted), (80_000, 80_000));
    let counts = mock_counts(&m);
    assert_eq!(counts.len(), 80_000);
    assert!(counts.values().all(|&c| c == 1));
    assert!(p.failed_notifications().is_empty());
    assert_eq!(m.tokens_seen(), 1);
}

#[test]
fn f_close_with_50000_queued_returns_in_time_and_reports_everything() {
    let m = mock(MockOptions {
        response_delay: Duration::from_secs(3),
        ..MockOptions::http2()
    });
    let p = pusher(&m, &[("max_in_flight", "200")]);
    for i in 0..50_000 {
        p.push_async(notification(i)).unwrap();
    }
    let start = std::time::Instant::now();
    let summary = p.close(Duration::from_millis(500));
    assert!(
        start.elapsed() < Duration::from_secs(2),
        "close took {:?}",
        start.elapsed()
    );
    let mut outcomes = HashMap::new();
    drain_outcomes(&p, &mut outcomes);
    assert_eq!(
        outcomes.len(),
        50_000,
        "every notification has exactly one outcome"
    );
    let cancelled = count_kind(&outcomes, OutcomeKind::Cancelled) as u64;
    let failed = count_kind(&outcomes, OutcomeKind::Failed) as u64;
    let accepted = count_kind(&outcomes, OutcomeKind::Accepted) as u64;
    assert_eq!(
        (cancelled, failed),
        (summary.cancelled, summary.unconfirmed)
    );
    assert_eq!(cancelled + failed + accepted, 50_000);
    assert!(cancelled > 40_000, "most were still queued: {cancelled}");
    assert_eq!(
        p.push_async(notification(1)).unwrap_err().kind(),
        apnspush::ErrorKind::Closed
    );
}

#[test]
fn connections_ended_before_any_answer_are_replaced_with_backoff() {
    // Every connection dies as soon as its first request arrives: no answer ever comes back.
    let m = mock(MockOptions {
        drop_after: Some(1),
        ..MockOptions::http2()
    });
    let p = pusher(&m, &[("reconnect_backoff_ms", "50"), ("max_attempts", "5")]);
    let start = std::time::Instant::now();
    let o = p.ensure_push(notification(1), WAIT).unwrap();
    assert_eq!(o.kind, OutcomeKind::Failed, "{o:?}");
    assert_eq!(o.attempts, 5);
    // Four replacements, each after at least half of 50, 100, 200, 400 ms (jitter x0.5..1.5).
    assert!(
        start.elapsed() >= Duration::from_millis(375),
        "reconnected without backing off: {:?}",
        start.elapsed()
    );
    assert!(m.connections() <= 6, "{} connections", m.connections());
}
