//! Binary protocol: the error window runs from the moment a write returned, never from before
//! it. A gateway that stops reading for longer than `error_timeout_ms` leaves the client's
//! writes blocked behind full socket buffers; what is still blocked must not be presumed
//! accepted, so when the gateway reads again and answers an earlier entry (here the flush
//! marker written before the blocked batch, and on the replay a bad token inside it)
//! everything after that entry is replayed, and the mock sees every notification once. Nor
//! does what was handed to the kernel before the blocked write age while the gateway does
//! not read: the error window's clock stops while a write is blocked.

mod common;

use apnspush::mock::MockOptions;
use apnspush::{Notification, OutcomeKind};
use common::*;
use std::collections::HashMap;
use std::time::Duration;

/// Payloads near the 2,048-byte maximum, so a few thousand notifications are many megabytes:
/// far more than loopback socket buffers hold while the gateway is not reading.
fn large_notification(i: u64) -> Notification {
    let pad = "p".repeat(1_900);
    Notification::builder()
        .token_bytes(&token(i))
        .payload_json(&format!(
            "{{\"aps\":{{\"alert\":\"n{i}\"}},\"pad\":\"{pad}\"}}"
        ))
        .user_data(i)
        .build()
        .unwrap()
}

#[test]
fn a_gateway_that_stops_reading_then_rejects_gets_everything_after_the_rejection_replayed() {
    // Filler about 2 MB: written while the gateway is not reading, it fits the socket buffers.
    const FILLER: u64 = 1_000;
    // One batch of 2,048 (about 4.3 MB), written in one blocking write behind the filler.
    const N: u64 = FILLER + 2_048;
    const BAD: u64 = FILLER + 1_500;
    let m = mock(MockOptions {
        reject: vec![(token(BAD), 8)],
        // Reads nothing for 3 s from the start: six error windows.
        read_pause: Some((0, Duration::from_secs(3))),
        ..Default::default()
    });
    let p = pusher(
        &m,
        &[
            ("error_timeout_ms", "500"),
            ("max_in_flight", "100000"),
            ("connections", "1"),
        ],
    );
    for i in 0..FILLER {
        p.push_async(large_notification(i)).unwrap();
    }
    // The flush writes a marker after the filler; the writer takes nothing more until it is
    // answered or lapses (one error window later), so the rest, pushed meanwhile, goes out as
    // one batch whose write blocks until the gateway reads again, two seconds later. Reading
    // again, the gateway answers the lapsed marker and closes: the blocked batch was never
    // processed, so it is replayed, and on the replay the bad token is rejected.
    assert!(p.ensure_delivery(Some(Duration::from_millis(100))).is_err());
    for i in FILLER..N {
        p.push_async(large_notification(i)).unwrap();
    }
    p.ensure_delivery(WAIT).unwrap();
    let mut outcomes = HashMap::new();
    drain_outcomes(&p, &mut outcomes);
    assert_eq!(outcomes.len() as u64, N);
    let by_index: HashMap<u64, _> = outcomes.values().map(|o| (o.user_data, o)).collect();

    let bad = by_index[&BAD];
    assert_eq!(
        (bad.kind, bad.status),
        (OutcomeKind::Rejected, 8),
        "the rejected notification was settled before its verdict came: {bad:?}"
    );
    let presumed_late: Vec<u64> = by_index
        .iter()
        .filter(|(&i, o)| i >= BAD && o.kind == OutcomeKind::Accepted && !o.confirmed)
        .map(|(&i, _)| i)
        .take(5)
        .collect();
    let not_accepted: Vec<u64> = by_index
        .iter()
        .filter(|(&i, o)| i != BAD && o.kind != OutcomeKind::Accepted)
        .map(|(&i, _)| i)
        .take(5)
        .collect();
    assert!(not_accepted.is_empty(), "not accepted: {not_accepted:?}");

    // The mock's record: every good one exactly once (those after the rejection on a later
    // connection), the bad one never.
    let counts = mock_counts(&m);
    let wrong: Vec<(u64, u32)> = (0..N)
        .filter(|i| *i != BAD && counts.get(i) != Some(&1))
        .map(|i| (i, counts.get(&i).copied().unwrap_or(0)))
        .take(5)
        .collect();
    assert!(
        wrong.is_empty(),
        "not accepted exactly once by the mock (index, count): {wrong:?}; presumed at or \
         after the rejection: {presumed_late:?}"
    );
    assert!(!counts.contains_key(&BAD));
    let rejected = m.rejected();
    assert_eq!(rejected.len(), 1);
    assert_eq!(rejected[0].token, token(BAD));
    assert!(
        presumed_late.is_empty(),
        "presumed accepted at or after the rejection: {presumed_late:?}"
    );

    let s = p.stats();
    assert_eq!((s.accepted, s.rejected, s.failed), (N - 1, 1, 0));
    assert_eq!((s.history_misses, s.duplicates_possible), (0, 0), "{s:?}");
    assert!(s.markers_sent >= 1 && m.markers() >= 1);
    assert!(
        m.connections() >= 3,
        "stalled, replay with the rejection, replay after it"
    );
}

#[test]
fn what_waits_in_socket_buffers_behind_a_blocked_write_is_not_presumed() {
    // About 12 MB pushed at once: the first few MB are handed to the kernel (those writes
    // return), then a write blocks. The bad token is among the first, already handed over.
    const N: u64 = 6_000;
    const BAD: u64 = 300;
    let m = mock(MockOptions {
        reject: vec![(token(BAD), 8)],
        read_pause: Some((0, Duration::from_secs(3))),
        ..Default::default()
    });
    let p = pusher(
        &m,
        &[
            ("error_timeout_ms", "500"),
            ("max_in_flight", "100000"),
            ("connections", "1"),
        ],
    );
    for i in 0..N {
        p.push_async(large_notification(i)).unwrap();
    }
    p.ensure_delivery(WAIT).unwrap();
    let mut outcomes = HashMap::new();
    drain_outcomes(&p, &mut outcomes);
    assert_eq!(outcomes.len() as u64, N);
    let by_index: HashMap<u64, _> = outcomes.values().map(|o| (o.user_data, o)).collect();
    let bad = by_index[&BAD];
    assert_eq!(
        (bad.kind, bad.status),
        (OutcomeKind::Rejected, 8),
        "presumed while the gateway was not reading: {bad:?}"
    );
    let counts = mock_counts(&m);
    let wrong: Vec<(u64, u32)> = (0..N)
        .filter(|i| *i != BAD && counts.get(i) != Some(&1))
        .map(|i| (i, counts.get(&i).copied().unwrap_or(0)))
        .take(5)
        .collect();
    assert!(
        wrong.is_empty(),
        "not accepted exactly once by the mock: {wrong:?}"
    );
    assert!(!counts.contains_key(&BAD));
    let s = p.stats();
    assert_eq!((s.accepted, s.rejected, s.failed), (N - 1, 1, 0));
    assert_eq!((s.history_misses, s.duplicates_possible), (0, 0), "{s:?}");
}
