//! Binary protocol: a gateway that silently cuts every connection after a fixed number of
//! notifications. Each cut costs a replay of what the lost connection carried (possible
//! duplicates, all counted); the unconfirmed window must learn the distance from the first
//! loss, so later connections end with a marker before the cut instead of being cut again.

mod common;

use apnspush::mock::MockOptions;
use apnspush::OutcomeKind;
use common::*;
use std::collections::HashMap;

const N: u64 = 20_000;
const CUT: u64 = 3_000;

fn silent_cuts_every_3000(options: MockOptions) {
    let m = mock(options);
    let p = pusher(&m, &[("max_in_flight", "100000")]);
    for i in 0..N {
        p.push_async(notification(i)).unwrap();
    }
    p.ensure_delivery(WAIT).unwrap();
    let mut outcomes = HashMap::new();
    drain_outcomes(&p, &mut outcomes);
    assert_eq!(outcomes.len() as u64, N);
    assert_eq!(count_kind(&outcomes, OutcomeKind::Accepted) as u64, N);
    let counts = mock_counts(&m);
    assert_eq!(
        counts.len() as u64,
        N,
        "a notification never reached the mock"
    );
    let accepted = m.accepted_count();
    let duplicates = accepted - N;
    let s = p.stats();
    eprintln!(
        "mock accepted {accepted} for {N}; losses {}, connections {}, markers {}",
        s.connection_losses,
        m.connections(),
        s.markers_sent
    );
    assert!(
        duplicates <= s.duplicates_possible,
        "mock saw {duplicates} duplicates, stats counted {}",
        s.duplicates_possible
    );
    // The first cut is unavoidable: the gateway accepted CUT notifications on a connection
    // that ended with no verdict, so all of them are replayed. After it, no cut.
    assert!(s.connection_losses >= 1);
    assert!(
        accepted <= N + CUT,
        "the gateway accepted {accepted} for {N} ({} connections lost)",
        s.connection_losses
    );
}

#[test]
fn closed_silently_every_3000_costs_one_learning_loss() {
    silent_cuts_every_3000(MockOptions {
        close_silently_after: Some(CUT),
        ..Default::default()
    });
}

#[test]
fn dropped_every_3000_costs_one_learning_loss() {
    silent_cuts_every_3000(MockOptions {
        drop_after: Some(CUT),
        ..Default::default()
    });
}
