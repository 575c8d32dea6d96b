//! Panics in connection threads, injected through `Config::test_panic`: the connection's
//! notifications fail with `INTERNAL`, the slot restarts, and every other notification is
//! still delivered exactly once.

use std::collections::HashMap;
use std::time::Duration;

use crate::error::ErrorKind;
use crate::mock::{MockOptions, MockServer};
use crate::notification::Notification;
use crate::outcome::{Outcome, OutcomeKind};
use crate::{Config, Pusher};

const N: u64 = 3_000;
const WAIT: Option<Duration> = Some(Duration::from_secs(60));

fn notification(i: u64) -> Notification {
    let mut token = [0x5a; 32];
    token[..8].copy_from_slice(&i.to_be_bytes());
    Notification::builder()
        .token_bytes(&token)
        .payload_json(r#"{"aps":{"alert":"x"}}"#)
        .user_data(i)
        .build()
        .unwrap()
}

fn run(options: MockOptions, site: &'static str) -> (MockServer, Pusher, HashMap<u64, Outcome>) {
    let mock = MockServer::start(options).unwrap();
    let mut config = Config::from_pairs(mock.client_config()).unwrap();
    config.test_panic = Some((site, N / 3));
    let pusher = Pusher::new(config).unwrap();
    for i in 0..N {
        pusher.push_async(notification(i)).unwrap();
    }
    pusher.ensure_delivery(WAIT).unwrap();
    let mut outcomes = HashMap::new();
    loop {
        let batch = pusher.poll_outcomes(100_000, Duration::from_millis(10));
        if batch.is_empty() {
            break;
        }
        for o in batch {
            assert!(outcomes.insert(o.id, o).is_none(), "one outcome each");
        }
    }
    (mock, pusher, outcomes)
}

/// Every notification has one outcome: accepted exactly once by the mock, or failed INTERNAL.
/// Returns how many failed.
fn check(mock: &MockServer, pusher: &Pusher, outcomes: &HashMap<u64, Outcome>) -> usize {
    assert_eq!(outcomes.len() as u64, N);
    let mut internal = 0;
    for o in outcomes.values() {
        match o.kind {
            OutcomeKind::Accepted => {}
            OutcomeKind::Failed => {
                assert_eq!(o.error, Some(ErrorKind::Internal), "{o:?}");
                assert!(o.reason.contains("panicked (injected"), "{o:?}");
                internal += 1;
            }
            _ => panic!("unexpected outcome {o:?}"),
        }
    }
    let accepted = outcomes.values().filter(|o| o.is_accepted()).count();
    assert_eq!(accepted + internal, N as usize);
    let mut seen: HashMap<Vec<u8>, u32> = HashMap::new();
    for a in mock.accepted() {
        *seen.entry(a.token).or_default() += 1;
    }
    for o in outcomes.values().filter(|o| o.is_accepted()) {
        assert!(
            seen.contains_key(&o.token),
            "accepted but not at the mock: {o:?}"
        );
    }
    let s = pusher.stats();
    assert!(s.last_error.contains("panicked"), "{s:?}");
    assert!(
        mock.connections() >= 2,
        "the slot restarted with a new connection"
    );
    // The slot keeps working.
    let after = pusher.ensure_push(notification(N + 1), WAIT).unwrap();
    assert!(after.is_accepted(), "{after:?}");
    internal
}

#[test]
fn a_panic_in_the_binary_reader_fails_its_connection_as_internal_and_the_slot_goes_on() {
    let (mock, pusher, outcomes) = run(MockOptions::default(), "reader");
    assert!(
        check(&mock, &pusher, &outcomes) > 0,
        "it panicked holding some"
    );
}

#[test]
fn a_panic_in_the_binary_writer_fails_its_connection_as_internal_and_the_slot_goes_on() {
    let (mock, pusher, outcomes) = run(MockOptions::default(), "writer");
    check(&mock, &pusher, &outcomes);
}

#[test]
fn a_panic_in_the_http2_reader_fails_its_connection_as_internal_and_the_slot_goes_on() {
    let (mock, pusher, outcomes) = run(MockOptions::http2().with_token_auth(), "reader");
    assert!(
        check(&mock, &pusher, &outcomes) > 0,
        "it panicked holding some"
    );
}

#[test]
fn a_panic_in_the_http2_writer_fails_its_connection_as_internal_and_the_slot_goes_on() {
    let (mock, pusher, outcomes) = run(MockOptions::http2().with_token_auth(), "writer");
    check(&mock, &pusher, &outcomes);
}
