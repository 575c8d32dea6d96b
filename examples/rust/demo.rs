//! The demo: start the built-in mock APNs server, push a batch with a few bad tokens through
//! a pusher, wait for every verdict, and print the outcomes and the stats; once over the
//! legacy binary protocol, once over HTTP/2 with token (JWT) auth.
//!
//! Run: cargo run --release -p apnspush --example demo

use apnspush::mock::{MockOptions, MockServer};
use apnspush::{Config, Notification, OutcomeKind, Pusher};
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

const BATCH: u64 = 10_000;
const BAD: [u64; 5] = [17, 1_234, 4_321, 7_777, 9_999];

fn token(i: u64) -> Vec<u8> {
    let mut t = vec![0x5A; 32];
    t[24..].copy_from_slice(&i.to_be_bytes());
    t
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // The mock answers the bad tokens like Apple: binary status 8 (invalid token), or
    // HTTP/2 400 BadDeviceToken.
    let reject: Vec<_> = BAD.iter().map(|&i| (token(i), 8)).collect();
    let binary = MockOptions {
        reject: reject.clone(),
        ..Default::default()
    };
    run("binary provider protocol", binary)?;
    let http2 = MockOptions {
        reject,
        ..MockOptions::http2().with_token_auth()
    };
    run("HTTP/2 provider API, token auth", http2)
}

fn run(name: &str, options: MockOptions) -> Result<(), Box<dyn std::error::Error>> {
    let mock = MockServer::start(options)?;
    println!(
        "== {name}: mock APNs gateway on {}:{}",
        mock.host(),
        mock.port()
    );

    let mut config = Config::from_pairs(mock.client_config())?;
    config.set("connections", "2")?;
    let pusher = Pusher::new(config)?;

    let start = Instant::now();
    for i in 0..BATCH {
        let n = Notification::builder()
            .token_bytes(&token(i))
            .alert_title("apnspush demo")
            .alert_body(&format!("notification {i}"))
            .badge(1)
            .user_data(i)
            .build()?;
        pusher.push_async(n)?;
    }
    pusher.ensure_delivery(Some(Duration::from_secs(60)))?;
    let elapsed = start.elapsed();

    let mut kinds: BTreeMap<&str, u64> = BTreeMap::new();
    pusher.poll(Duration::ZERO, |o| {
        *kinds.entry(o.kind.name()).or_default() += 1
    });
    println!(
        "pushed {BATCH} notifications ({} with bad tokens) in {elapsed:.2?}",
        BAD.len()
    );
    println!("outcomes: {kinds:?}");
    for o in pusher.failed_notifications() {
        assert_eq!(o.kind, OutcomeKind::Rejected);
        println!(
            "  rejected #{:<5} token {} status {} ({})",
            o.user_data,
            o.token_hex(),
            o.status,
            o.reason
        );
    }
    println!(
        "mock recorded {} accepted, {} rejected",
        mock.accepted_count(),
        mock.rejected().len() + mock.http2_rejected().len()
    );
    println!("stats: {}", pusher.stats().to_json());
    pusher.close(Duration::from_secs(5));
    Ok(())
}
