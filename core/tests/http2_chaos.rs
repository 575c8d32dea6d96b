//! Seeded random faults (`MockOptions::chaos`): GOAWAYs, drops and silent connections at random
//! distances, 429s and late answers. Every notification is accepted exactly once by the
//! client's account, and the mock's extra copies never exceed `duplicates_possible`.

mod common;

use apnspush::mock::MockOptions;
use apnspush::OutcomeKind;
use common::{count_kind, drain_outcomes, mock, mock_counts, notification, pusher, WAIT};
use std::collections::HashMap;

#[test]
fn random_faults_lose_nothing_and_every_duplicate_is_counted() {
    let m = mock(MockOptions {
        chaos: Some(20261201),
        ..MockOptions::http2().with_token_auth()
    });
    let p = pusher(&m, &[("connections", "2"), ("response_timeout_ms", "500")]);
    let n = 60_000;
    for i in 0..n {
        p.push_async(notification(i)).unwrap();
    }
    p.ensure_delivery(WAIT).unwrap();
    let mut outcomes = HashMap::new();
    drain_outcomes(&p, &mut outcomes);
    let s = p.stats();
    assert_eq!(
        count_kind(&outcomes, OutcomeKind::Accepted),
        n as usize,
        "{s:?}"
    );
    assert!(
        s.goaways + s.connection_losses + s.unhealthy_replaced > 0,
        "{s:?}"
    );
    assert!(s.retries > 0, "429s were retried: {s:?}");
    let counts = mock_counts(&m);
    assert_eq!(
        counts.len(),
        n as usize,
        "every notification reached the mock"
    );
    let duplicates: u64 = counts.values().map(|&c| u64::from(c) - 1).sum();
    assert!(duplicates <= s.duplicates_possible, "{duplicates} > {s:?}");
}
