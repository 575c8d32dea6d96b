//! TLS 1.3 key updates asked for by the server mid-stream: the client answers each with its
//! own before its next record, so no connection is lost and nothing is replayed.

mod common;

use apnspush::mock::MockOptions;
use apnspush::{OutcomeKind, Pusher};
use common::*;
use std::collections::HashMap;

/// Pushes `n` notifications, waits for every outcome and returns them.
fn push_all(p: &Pusher, n: u64) -> HashMap<u64, apnspush::Outcome> {
    let mut outcomes = HashMap::new();
    for i in 0..n {
        p.push_async(notification(i)).unwrap();
        if i % 20_000 == 0 {
            drain_outcomes(p, &mut outcomes);
        }
    }
    p.ensure_delivery(WAIT).unwrap();
    drain_outcomes(p, &mut outcomes);
    outcomes
}

/// About 66 bytes a notification: 100,000 make 6.6 MB, so a key update every 256 KiB is ~25
/// per connection, under the 32 a rustls client allows without application data between them
/// (the binary gateway never sends any).
#[test]
fn binary_key_updates_mid_stream_over_100k_lose_no_connection() {
    let m = mock(MockOptions {
        key_update_every: Some(256 * 1024),
        ..Default::default()
    });
    all_accepted_once_without_a_loss(&m, 100_000);
    assert!(m.key_updates() >= 20, "{} key updates", m.key_updates());
}

/// HTTP/2 answers are application data, which resets the client's key-update allowance: a key
/// update every 16 KiB read (hundreds per connection) costs nothing.
#[test]
fn http2_key_updates_every_16k_over_100k_lose_no_connection() {
    let m = mock(MockOptions {
        key_update_every: Some(16 * 1024),
        ..MockOptions::http2()
    });
    all_accepted_once_without_a_loss(&m, 100_000);
    assert!(m.key_updates() >= 200, "{} key updates", m.key_updates());
}

/// A binary gateway that asks for more than 32 key updates with no application data between
/// them is refused by rustls (as by BoringSSL: a denial-of-service guard). The connection ends
/// with a TLS error and is replaced; every notification is still accepted, none lost.
#[test]
fn binary_key_update_flood_is_a_connection_loss_and_nothing_is_lost() {
    let m = mock(MockOptions {
        key_update_every: Some(1),
        ..Default::default()
    });
    // A window large enough that one connection lives past 32 key updates (at the default
    // 10,000 a flush marker ends each connection first).
    let p = pusher(&m, &[("max_in_flight", "100000")]);
    let outcomes = push_all(&p, 50_000);
    let s = p.stats();
    assert!(
        s.connection_losses >= 1,
        "{} key updates; {s:?}",
        m.key_updates()
    );
    assert!(
        s.last_error.contains("connection lost"),
        "a loss says why: {:?}",
        s.last_error
    );
    assert!(m.key_updates() > 32);
    assert_eq!(count_kind(&outcomes, OutcomeKind::Accepted), 50_000);
    let counts = mock_counts(&m);
    assert_eq!(
        counts.len(),
        50_000,
        "a notification never reached the mock"
    );
    let duplicates: u64 = counts.values().map(|&c| c as u64 - 1).sum();
    assert!(duplicates <= s.duplicates_possible);
}

/// Pushes `n` through a pusher of `m` and asserts no connection was lost and the mock accepted
/// each notification exactly once.
fn all_accepted_once_without_a_loss(m: &apnspush::mock::MockServer, n: u64) {
    let p = pusher(m, &[]);
    let outcomes = push_all(&p, n);
    let s = p.stats();
    assert_eq!(s.connection_losses, 0, "lost: {}", s.last_error);
    assert_eq!(count_kind(&outcomes, OutcomeKind::Accepted), n as usize);
    let counts = mock_counts(m);
    assert_eq!(counts.len() as u64, n);
    assert!(
        counts.values().all(|&c| c == 1),
        "a notification was replayed"
    );
}
