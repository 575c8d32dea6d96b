//! Shared helpers for the engine's end-to-end tests against the built-in mock.
#![allow(dead_code)]

pub mod executor;
pub mod server_process;

use apnspush::mock::{MockOptions, MockServer};
use apnspush::{Config, Notification, Outcome, OutcomeKind, Pusher};
use std::collections::HashMap;
use std::time::Duration;

/// A distinct 32-byte token for `i`.
pub fn token(i: u64) -> Vec<u8> {
    let mut t = vec![0xA5; 32];
    t[..8].copy_from_slice(&i.to_be_bytes());
    t
}

pub fn notification(i: u64) -> Notification {
    Notification::builder()
        .token_bytes(&token(i))
        .payload_json(&format!("{{\"aps\":{{\"alert\":\"n{i}\"}}}}"))
        .user_data(i)
        .build()
        .unwrap()
}

pub fn mock(options: MockOptions) -> MockServer {
    MockServer::start(options).expect("mock starts")
}

pub fn config(mock: &MockServer, extra: &[(&str, &str)]) -> Config {
    let mut c = Config::from_pairs(mock.client_config()).unwrap();
    for (k, v) in extra {
        c.set(k, v).unwrap();
    }
    c
}

pub fn pusher(mock: &MockServer, extra: &[(&str, &str)]) -> Pusher {
    Pusher::new(config(mock, extra)).expect("pusher connects")
}

/// Every outcome reported so far, keyed by id; panics on a second outcome for one id.
pub fn drain_outcomes(p: &Pusher, into: &mut HashMap<u64, Outcome>) {
    loop {
        let batch = p.poll_outcomes(100_000, Duration::from_millis(10));
        if batch.is_empty() {
            return;
        }
        for o in batch {
            let id = o.id;
            assert!(
                into.insert(id, o).is_none(),
                "notification {id} got a second outcome"
            );
        }
    }
}

/// How many times the mock accepted each token (by the user index encoded in it).
pub fn mock_counts(mock: &MockServer) -> HashMap<u64, u32> {
    let mut counts = HashMap::new();
    for a in mock.accepted() {
        let i = u64::from_be_bytes(a.token[..8].try_into().unwrap());
        *counts.entry(i).or_insert(0) += 1;
    }
    counts
}

pub fn count_kind(outcomes: &HashMap<u64, Outcome>, kind: OutcomeKind) -> usize {
    outcomes.values().filter(|o| o.kind == kind).count()
}

pub const WAIT: Option<Duration> = Some(Duration::from_secs(120));
