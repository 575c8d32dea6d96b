//! The engine's scenarios against the built-in mock: what the mock recorded and what
//! outcomes were reported must both say that nothing was lost.

mod common;

use apnspush::mock::MockOptions;
use apnspush::{OutcomeKind, Pusher};
use common::*;
use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

#[test]
fn a_100k_over_two_connections_each_accepted_exactly_once() {
    let m = mock(MockOptions::default());
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
    let counts = mock_counts(&m);
    assert_eq!(counts.len(), 100_000);
    assert!(
        counts.values().all(|&c| c == 1),
        "a notification was delivered twice"
    );
    let s = p.stats();
    assert_eq!(
        (s.pushed, s.accepted, s.rejected, s.failed),
        (100_000, 100_000, 0, 0)
    );
    assert!(m.connections() >= 2);
}

#[test]
fn b_20_bad_tokens_among_20k_exactly_those_rejected() {
    let bad: HashSet<u64> = (0..20).map(|k| 500 + k * 997).collect();
    let reject = bad.iter().map(|&i| (token(i), 8u8)).collect();
    let m = mock(MockOptions {
        reject,
        ..Default::default()
    });
    let p = pusher(&m, &[]);
    for i in 0..20_000 {
        p.push_async(notification(i)).unwrap();
    }
    p.ensure_delivery(WAIT).unwrap();
    let mut outcomes = HashMap::new();
    drain_outcomes(&p, &mut outcomes);
    assert_eq!(outcomes.len(), 20_000);
    let rejected: HashSet<u64> = outcomes
        .values()
        .filter(|o| o.kind == OutcomeKind::Rejected)
        .map(|o| o.user_data)
        .collect();
    assert_eq!(rejected, bad);
    assert!(outcomes
        .values()
        .filter(|o| o.kind == OutcomeKind::Rejected)
        .all(|o| o.status == 8 && o.reason == "Invalid token"));
    assert_eq!(count_kind(&outcomes, OutcomeKind::Accepted), 19_980);
    // The mock's record: every good one exactly once, no bad one.
    let counts = mock_counts(&m);
    assert_eq!(counts.len(), 19_980);
    assert!(counts.values().all(|&c| c == 1));
    assert!(bad.iter().all(|i| !counts.contains_key(i)));
    let mock_rejected: HashSet<u64> = m
        .rejected()
        .iter()
        .map(|r| u64::from_be_bytes(r.token[..8].try_into().unwrap()))
        .collect();
    assert_eq!(mock_rejected, bad);
    let failed = p.failed_notifications();
    assert_eq!(failed.len(), 20);
    assert_eq!(p.stats().rejected, 20);
}

#[test]
fn c_connection_dropped_every_3000_none_lost_duplicates_counted() {
    let m = mock(MockOptions {
        drop_after: Some(3_000),
        ..Default::default()
    });
    let p = pusher(&m, &[]);
    for i in 0..20_000 {
        p.push_async(notification(i)).unwrap();
    }
    p.ensure_delivery(WAIT).unwrap();
    let mut outcomes = HashMap::new();
    drain_outcomes(&p, &mut outcomes);
    assert_eq!(outcomes.len(), 20_000);
    assert_eq!(count_kind(&outcomes, OutcomeKind::Accepted), 20_000);
    let counts = mock_counts(&m);
    assert_eq!(
        counts.len(),
        20_000,
        "a notification never reached the mock"
    );
    let duplicates: u64 = counts.values().map(|&c| c as u64 - 1).sum();
    let s = p.stats();
    assert!(
        duplicates <= s.duplicates_possible,
        "mock saw {duplicates} duplicates, stats counted {}",
        s.duplicates_possible
    );
    // The first cut teaches the window the distance; later connections end with a marker.
    assert!(s.connection_losses >= 1);
    assert!(s.reconnects >= 6);
}

#[test]
fn d_shutdown_after_5000_none_lost() {
    let m = mock(MockOptions {
        shutdown_after: Some(5_000),
        ..Default::default()
    });
    let p = pusher(&m, &[]);
    for i in 0..20_000 {
        p.push_async(notification(i)).unwrap();
    }
    p.ensure_delivery(WAIT).unwrap();
    let mut outcomes = HashMap::new();
    drain_outcomes(&p, &mut outcomes);
    assert_eq!(count_kind(&outcomes, OutcomeKind::Accepted), 20_000);
    let counts = mock_counts(&m);
    assert_eq!(counts.len(), 20_000);
    assert!(
        counts.values().all(|&c| c == 1),
        "status 10 names the last good one: no duplicates"
    );
    assert!(p.stats().error_responses >= 3);
}

#[test]
fn e_eight_threads_pushing_25000_each() {
    let m = mock(MockOptions::default());
    let p = pusher(&m, &[("connections", "2"), ("outcome_reports", "failures")]);
    std::thread::scope(|s| {
        for t in 0..8u64 {
            let p = &p;
            s.spawn(move || {
                for i in 0..25_000 {
                    p.push_async(notification(t * 1_000_000 + i)).unwrap();
                }
            });
        }
    });
    p.ensure_delivery(WAIT).unwrap();
    let s = p.stats();
    assert_eq!((s.pushed, s.accepted), (200_000, 200_000));
    let counts = mock_counts(&m);
    assert_eq!(counts.len(), 200_000);
    assert!(counts.values().all(|&c| c == 1));
    assert!(p.failed_notifications().is_empty());
}

#[test]
fn f_close_with_50000_queued_returns_in_time_and_reports_everything() {
    // The mock holds every error-response for 3 s, so the first marker stalls the connection.
    let m = mock(MockOptions {
        error_delay: Duration::from_secs(3),
        ..Default::default()
    });
    let p = pusher(
        &m,
        &[("max_in_flight", "200"), ("error_timeout_ms", "60000")],
    );
    for i in 0..50_000 {
        p.push_async(notification(i)).unwrap();
    }
    let start = Instant::now();
    let summary = p.close(Duration::from_millis(500));
    let took = start.elapsed();
    assert!(took < Duration::from_secs(2), "close took {took:?}");
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
fn ensure_push_gives_each_verdict_and_poll_runs_on_the_caller() {
    let m = mock(MockOptions {
        reject: vec![(token(2), 8)],
        ..Default::default()
    });
    let p = pusher(&m, &[]);
    let good = p.ensure_push(notification(1), WAIT).unwrap();
    assert_eq!(
        (good.kind, good.confirmed, good.user_data),
        (OutcomeKind::Accepted, true, 1)
    );
    let bad = p.ensure_push(notification(2), WAIT).unwrap();
    assert_eq!(
        (bad.kind, bad.status, bad.token_hex()),
        (
            OutcomeKind::Rejected,
            8,
            apnspush::notification::hex_encode(&token(2))
        )
    );
    let id = p.push(notification(3), WAIT).unwrap();
    p.ensure_delivery(WAIT).unwrap();
    let me = std::thread::current().id();
    let mut seen = vec![];
    p.poll(Duration::from_millis(100), |o| {
        assert_eq!(std::thread::current().id(), me);
        seen.push(o.id);
    });
    assert!(seen.contains(&id) && seen.len() == 3);
    assert_eq!(m.accepted().len(), 2);
}

#[test]
fn delivery_block_form_waits_for_everything_in_it() {
    let m = mock(MockOptions::default());
    let p = pusher(&m, &[]);
    let n = p
        .delivery(WAIT, |p| {
            for i in 0..500 {
                p.push_async(notification(i)).unwrap();
            }
            500
        })
        .unwrap();
    assert_eq!(n, 500);
    assert_eq!(p.stats().accepted, 500);
    assert_eq!(m.accepted_count(), 500);
}

#[test]
fn processing_error_is_retried_and_status_255_once() {
    let m = mock(MockOptions {
        reject: vec![(token(7), 1), (token(9), 255)],
        ..Default::default()
    });
    let p = pusher(&m, &[("max_attempts", "3")]);
    for i in 0..20 {
        p.push_async(notification(i)).unwrap();
    }
    p.ensure_delivery(WAIT).unwrap();
    let failed: HashMap<u64, _> = p
        .failed_notifications()
        .into_iter()
        .map(|o| (o.user_data, o))
        .collect();
    assert_eq!(failed.len(), 2);
    assert_eq!(
        (failed[&7].status, failed[&7].attempts),
        (1, 3),
        "status 1 retried up to max_attempts"
    );
    assert_eq!(
        (failed[&9].status, failed[&9].attempts),
        (255, 2),
        "status 255 retried once"
    );
    assert_eq!(
        m.rejected().iter().filter(|r| r.token == token(7)).count(),
        3
    );
    assert_eq!(m.accepted_count(), 18);
}

#[test]
fn expired_notifications_are_not_sent() {
    let m = mock(MockOptions::default());
    let p = pusher(&m, &[]);
    let n = apnspush::Notification::builder()
        .token_bytes(&token(1))
        .payload_json("{}")
        .expiry(1_000)
        .build()
        .unwrap();
    let o = p.ensure_push(n, WAIT).unwrap();
    assert_eq!(o.kind, OutcomeKind::Expired);
    assert_eq!(m.accepted_count(), 0);
}

#[test]
fn presumed_accepted_after_the_error_window() {
    let m = mock(MockOptions::default());
    let p = pusher(&m, &[("error_timeout_ms", "50")]);
    let id = p.push_async(notification(1)).unwrap();
    let o = loop {
        if let Some(o) = p.poll_outcomes(1, Duration::from_secs(5)).pop() {
            break o;
        }
    };
    assert_eq!(
        (o.id, o.kind, o.confirmed),
        (id, OutcomeKind::Accepted, false)
    );
    assert_eq!(p.stats().accepted_presumed, 1);
    assert_eq!(m.markers(), 0, "no flush was requested");
}

#[test]
fn enhanced_format_is_accepted_by_the_mock() {
    let m = mock(MockOptions {
        reject: vec![(token(3), 8)],
        ..Default::default()
    });
    let p = pusher(&m, &[("binary_format", "enhanced")]);
    for i in 0..1000 {
        p.push_async(notification(i)).unwrap();
    }
    p.ensure_delivery(WAIT).unwrap();
    assert_eq!(m.accepted_count(), 999);
    assert_eq!(p.stats().rejected, 1);
}

#[test]
fn pusher_is_send_and_sync() {
    fn check<T: Send + Sync>() {}
    check::<Pusher>();
}

#[test]
fn ensure_delivery_through_waits_for_a_fixed_set_in_slices() {
    // Error-responses are held for 600 ms, so the first slices time out.
    let m = mock(MockOptions {
        error_delay: Duration::from_millis(600),
        ..Default::default()
    });
    let p = pusher(&m, &[]);
    assert_eq!(p.last_id(), 0);
    for i in 0..100 {
        p.push_async(notification(i)).unwrap();
    }
    let through = p.last_id();
    assert_eq!(through, 100);
    let mut slices = 0;
    loop {
        match p.ensure_delivery_through(through, Some(Duration::from_millis(100))) {
            Ok(()) => break,
            Err(e) => assert_eq!(e.kind(), apnspush::ErrorKind::Timeout),
        }
        // Later pushes are not part of the wait.
        p.push_async(notification(1000 + slices)).unwrap();
        slices += 1;
        assert!(slices < 1000, "never settled");
    }
    assert!(slices >= 2, "the marker reply is delayed 600 ms");
    assert_eq!(p.stats().rejected, 0);
    let counts = mock_counts(&m);
    assert!((0..100).all(|i| counts.get(&i) == Some(&1)));
}
