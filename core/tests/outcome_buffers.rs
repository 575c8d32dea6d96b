//! The poll queue and the failed list are bounded by `max_reports`: a service that never drains
//! them keeps the newest outcomes, the oldest are dropped and counted, and nothing blocks.

mod common;

use apnspush::mock::MockOptions;
use apnspush::{Config, ErrorKind, OutcomeKind};
use common::*;
use std::time::Duration;

const MAX_REPORTS: u64 = 300;

fn is_bad(i: u64) -> bool {
    i.is_multiple_of(3)
}

#[test]
fn undrained_outcomes_keep_the_newest_max_reports_and_count_the_rest() {
    let total_async = 5_000u64;
    let total_sync = 1_000u64;
    let total = total_async + total_sync;
    let http2_reject = (0..total)
        .filter(|&i| is_bad(i))
        .map(|i| (token(i), 400u16, "BadDeviceToken".to_string()))
        .collect();
    let m = mock(MockOptions {
        http2_reject,
        ..MockOptions::http2()
    });
    let max = MAX_REPORTS.to_string();
    let p = pusher(&m, &[("max_reports", &max), ("outcome_reports", "all")]);
    for i in 0..total_async {
        p.push_async(notification(i)).unwrap();
    }
    // Nobody drains: settling goes on at full speed past the bound.
    p.ensure_delivery(WAIT).unwrap();
    // Then one at a time, so the newest outcomes are known: these settle in id order.
    let mut last_ids = Vec::new();
    for i in total_async..total {
        let o = p.ensure_push(notification(i), WAIT).unwrap();
        let want = if is_bad(i) {
            OutcomeKind::Rejected
        } else {
            OutcomeKind::Accepted
        };
        assert_eq!(o.kind, want);
        last_ids.push((o.id, i));
    }
    let s = p.stats();
    let bad = (0..total).filter(|&i| is_bad(i)).count() as u64;
    assert_eq!(
        (s.pushed, s.rejected, s.accepted),
        (total, bad, total - bad)
    );
    assert_eq!(s.reports_dropped, total - MAX_REPORTS, "{s:?}");
    assert_eq!(s.failed_dropped, bad - MAX_REPORTS, "{s:?}");

    let reports = p.poll_outcomes(usize::MAX, Duration::from_millis(10));
    let newest: Vec<u64> = last_ids[(total_sync - MAX_REPORTS) as usize..]
        .iter()
        .map(|&(id, _)| id)
        .collect();
    assert_eq!(reports.iter().map(|o| o.id).collect::<Vec<_>>(), newest);
    assert!(p.poll_outcomes(usize::MAX, Duration::ZERO).is_empty());

    let failed = p.failed_notifications();
    let newest_bad: Vec<u64> = last_ids
        .iter()
        .filter(|&&(_, i)| is_bad(i))
        .map(|&(id, _)| id)
        .collect();
    let newest_bad = &newest_bad[newest_bad.len() - MAX_REPORTS as usize..];
    assert_eq!(failed.iter().map(|o| o.id).collect::<Vec<_>>(), newest_bad);
    assert!(failed.iter().all(|o| o.kind == OutcomeKind::Rejected));
    assert!(p.failed_notifications().is_empty());

    // Every notification reached the mock exactly once: dropping reports touched no delivery.
    let counts = mock_counts(&m);
    assert_eq!(counts.len() as u64, total - bad);
    assert!(counts.values().all(|&c| c == 1));
    assert_eq!(m.http2_rejected().len() as u64, bad);
}

#[test]
fn drained_buffers_drop_nothing() {
    let m = mock(MockOptions::http2());
    let p = pusher(&m, &[("max_reports", "100")]);
    let mut seen = 0;
    for round in 0..5u64 {
        for i in 0..100 {
            p.push_async(notification(round * 100 + i)).unwrap();
        }
        p.ensure_delivery(WAIT).unwrap();
        seen += p.poll_outcomes(usize::MAX, Duration::ZERO).len();
    }
    assert_eq!(seen, 500);
    assert_eq!(p.stats().reports_dropped, 0);
}

#[test]
fn max_reports_is_validated() {
    let mut c = Config::new();
    for bad in ["0", "-1", "lots", "67108865"] {
        let e = c.set("max_reports", bad).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidConfigValue, "{bad}");
    }
    c.set("max_reports", "1").unwrap();
    assert!(apnspush::config::KEYS.contains(&("max_reports", "100000")));
}
