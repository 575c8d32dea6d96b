//! Logging through `logs::capture` against the mock: the connect, GOAWAY, loss, token refresh,
//! rejection and error-response records, and that no record carries key material, a provider
//! token, a payload or more than the 8-hex-digit prefix of a device token.

mod common;

use apnspush::logs::{self, Level, LevelFilter, LogRecord};
use apnspush::mock::{MockOptions, MockServer};
use apnspush::{Notification, OutcomeKind};
use common::*;
use std::sync::Mutex;

/// The `log` logger is global: the tests of this file take turns.
static SERIAL: Mutex<()> = Mutex::new(());

/// A marker in every payload, which no record may contain.
const PAYLOAD_MARK: &str = "payload-text-never-logged";

/// Token of notification `i`: de ad be ef, then `i` big-endian, then a5 bytes.
fn token_of(i: u64) -> Vec<u8> {
    let mut t = vec![0xA5; 32];
    t[..4].copy_from_slice(&[0xde, 0xad, 0xbe, 0xef]);
    t[4..12].copy_from_slice(&i.to_be_bytes());
    t
}

fn note(i: u64) -> Notification {
    Notification::builder()
        .token_bytes(&token_of(i))
        .payload_json(&format!(r#"{{"aps":{{"alert":"{PAYLOAD_MARK} {i}"}}}}"#))
        .build()
        .unwrap()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Starts capturing at trace and drops what earlier tests left.
fn start() -> std::sync::MutexGuard<'static, ()> {
    let guard = SERIAL.lock().unwrap_or_else(|p| p.into_inner());
    logs::capture(LevelFilter::Trace).unwrap();
    logs::take(usize::MAX);
    guard
}

/// Every record so far, after checking that none holds a secret of `mock` or of the
/// notifications `0..pushed`.
fn records(mock: &MockServer, pushed: u64) -> Vec<LogRecord> {
    let records = logs::take(usize::MAX);
    assert!(!records.is_empty());
    let mut secrets: Vec<String> = Vec::new();
    for (key, value) in mock.client_config() {
        if key.ends_with("_pem") && key != "ca_pem" {
            // Every base64 line of the key's body.
            secrets.extend(
                value
                    .lines()
                    .filter(|l| !l.starts_with("-----") && l.len() > 16)
                    .map(str::to_owned),
            );
        }
    }
    assert!(!secrets.is_empty(), "the mock hands out a private key");
    for i in 0..pushed {
        let t = hex(&token_of(i));
        secrets.push(t.clone());
        // Anything past the 8-digit prefix.
        secrets.push(t[..9].to_owned());
        secrets.push(t[8..24].to_owned());
    }
    secrets.push(PAYLOAD_MARK.to_owned());
    secrets.push("bearer".to_owned());
    secrets.push("eyJ".to_owned()); // a JWT's base64 header
    for r in &records {
        assert!(
            r.target == "apnspush" || r.target.starts_with("apnspush::"),
            "{r:?}"
        );
        assert!(r.time_ms > 1_600_000_000_000, "{r:?}");
        for s in &secrets {
            assert!(
                !r.message.contains(s.as_str()),
                "a record holds a secret: {} / {}",
                r.target,
                r.level
            );
        }
    }
    records
}

/// The records of `target` at `level` whose message contains every one of `parts`.
fn find<'a>(
    records: &'a [LogRecord],
    level: Level,
    target: &str,
    parts: &[&str],
) -> Vec<&'a LogRecord> {
    records
        .iter()
        .filter(|r| r.level == level && r.target == target)
        .filter(|r| parts.iter().all(|p| r.message.contains(p)))
        .collect()
}

fn dump(records: &[LogRecord]) -> String {
    records
        .iter()
        .map(|r| format!("{} {} {}\n", r.level, r.target, r.message))
        .collect()
}

#[test]
fn connect_and_rejection_with_a_token_prefix_only() {
    let _turn = start();
    let m = mock(MockOptions::http2());
    m.reject_token_http2(&token_of(1), 400, "BadDeviceToken");
    let p = pusher(&m, &[("connections", "2")]);
    assert!(p.ensure_push(note(0), WAIT).unwrap().is_accepted());
    let o = p.ensure_push(note(1), WAIT).unwrap();
    assert_eq!((o.kind, o.status), (OutcomeKind::Rejected, 400));
    let connected = format!("connected to 127.0.0.1:{} (HTTP/2)", m.port());
    // Each slot logs its connect as its thread starts, which may be after the pushes.
    let mut r = records(&m, 2);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while find(&r, Level::Info, "apnspush::http2", &[&connected]).len() < 2 {
        assert!(std::time::Instant::now() < deadline, "{}", dump(&r));
        std::thread::sleep(std::time::Duration::from_millis(5));
        r.extend(logs::take(usize::MAX));
    }
    for slot in ["slot 0: ", "slot 1: "] {
        let c = find(&r, Level::Info, "apnspush::http2", &[slot, &connected]);
        assert_eq!(c.len(), 1, "{}", dump(&r));
    }
    let rejected = format!(
        "notification {} (token deadbeef…) rejected: 400 BadDeviceToken",
        o.id
    );
    let found = find(&r, Level::Debug, "apnspush::outcome", &[&rejected]);
    assert_eq!(found.len(), 1, "{}", dump(&r));
    let accepted = find(&r, Level::Trace, "apnspush::outcome", &["accepted"]);
    assert_eq!(accepted.len(), 1, "{}", dump(&r));
}

#[test]
fn goaway_is_a_warning_with_its_code_last_stream_and_replays() {
    let _turn = start();
    let m = mock(MockOptions {
        goaway_after: Some(3),
        ..MockOptions::http2()
    });
    let p = pusher(&m, &[]);
    for i in 0..20 {
        p.push_async(note(i)).unwrap();
    }
    p.ensure_delivery(WAIT).unwrap();
    assert_eq!(m.accepted_count(), 20);
    let r = records(&m, 20);
    let goaways = find(
        &r,
        Level::Warn,
        "apnspush::http2",
        &["slot 0: GOAWAY NO_ERROR", "(last stream id ", "replayed ("],
    );
    assert!(!goaways.is_empty(), "{}", dump(&r));
    assert_eq!(goaways.len() as u64, p.stats().goaways, "{}", dump(&r));
    // Each GOAWAY is followed by a new connection.
    let connects = find(&r, Level::Info, "apnspush::http2", &["slot 0: connected"]);
    assert!(connects.len() > goaways.len(), "{}", dump(&r));
}

#[test]
fn a_dropped_connection_is_a_warning_saying_what_was_replayed() {
    let _turn = start();
    let m = mock(MockOptions {
        drop_after: Some(5),
        ..MockOptions::http2()
    });
    let p = pusher(&m, &[("reconnect_backoff_ms", "10")]);
    for i in 0..20 {
        p.push_async(note(i)).unwrap();
    }
    p.ensure_delivery(WAIT).unwrap();
    let s = p.stats();
    assert!(
        s.connection_losses >= 1 && s.duplicates_possible >= 1,
        "{s:?}"
    );
    let r = records(&m, 20);
    let losses = find(
        &r,
        Level::Warn,
        "apnspush::http2",
        &["slot 0: ", "possible duplicates)"],
    );
    assert!(!losses.is_empty(), "{}", dump(&r));
    let replays = find(
        &r,
        Level::Debug,
        "apnspush::retry",
        &["(token deadbeef…) replayed, possible duplicate: connection ended"],
    );
    assert_eq!(replays.len() as u64, s.duplicates_possible, "{}", dump(&r));
}

#[test]
fn a_token_refresh_is_logged_without_the_token_or_the_key() {
    let _turn = start();
    let m = mock(MockOptions::http2().with_token_auth());
    let p = pusher(&m, &[("token_min_interval_ms", "0")]);
    assert!(p.ensure_push(note(0), WAIT).unwrap().is_accepted());
    m.expire_tokens();
    let o = p.ensure_push(note(1), WAIT).unwrap();
    assert_eq!((o.kind, o.attempts), (OutcomeKind::Accepted, 2));
    assert_eq!(p.stats().token_refreshes, 1);
    let r = records(&m, 2);
    let refreshed = find(
        &r,
        Level::Info,
        "apnspush::token",
        &["provider token re-signed (generation 2): APNs declared the previous one expired"],
    );
    assert_eq!(refreshed.len(), 1, "{}", dump(&r));
    let retried = find(
        &r,
        Level::Debug,
        "apnspush::retry",
        &["resent with a fresh provider token: answered 403 ExpiredProviderToken"],
    );
    assert_eq!(retried.len(), 1, "{}", dump(&r));
}

#[test]
fn a_wrong_provider_key_is_one_warning_per_batch() {
    let _turn = start();
    let m = mock(MockOptions::http2().with_token_auth());
    let wrong = apnspush::http2::jwt::generate_test_key_pem();
    let p = pusher(&m, &[("auth_key_pem", &wrong)]);
    let o = p.ensure_push(note(0), WAIT).unwrap();
    assert_eq!((o.kind, o.status), (OutcomeKind::Rejected, 403));
    let r = records(&m, 1);
    for line in wrong.lines().filter(|l| !l.starts_with("-----")) {
        assert!(r.iter().all(|rec| !rec.message.contains(line)));
    }
    let warned = find(
        &r,
        Level::Warn,
        "apnspush::http2",
        &["1 notifications rejected 403 InvalidProviderToken"],
    );
    assert_eq!(warned.len(), 1, "{}", dump(&r));
}

#[test]
fn binary_error_responses_are_info_records() {
    let _turn = start();
    let m = mock(MockOptions::default());
    m.reject_token(&token_of(3), 8);
    let p = pusher(&m, &[]);
    for i in 0..10 {
        p.push_async(note(i)).unwrap();
    }
    p.ensure_delivery(WAIT).unwrap();
    let r = records(&m, 10);
    let connected = format!("slot 0: connected to 127.0.0.1:{} (binary", m.port());
    assert!(
        !find(&r, Level::Info, "apnspush::binary", &[&connected]).is_empty(),
        "{}",
        dump(&r)
    );
    let error = find(
        &r,
        Level::Info,
        "apnspush::binary",
        &[
            "slot 0: error-response status 8 (",
            "naming notification 4: ",
        ],
    );
    assert_eq!(error.len(), 1, "{}", dump(&r));
}

#[test]
fn a_full_queue_is_a_debug_record_per_refused_push() {
    let _turn = start();
    let m = mock(MockOptions {
        response_delay: std::time::Duration::from_millis(500),
        ..MockOptions::http2()
    });
    let p = pusher(
        &m,
        &[
            ("queue_capacity", "1"),
            ("block_when_full", "false"),
            ("max_in_flight", "1"),
        ],
    );
    let refused = (0..6)
        .filter(|i| {
            p.push_async(note(*i))
                .is_err_and(|e| e.kind() == apnspush::ErrorKind::QueueFull)
        })
        .count();
    assert!(refused >= 1);
    p.ensure_delivery(WAIT).unwrap();
    let r = records(&m, 6);
    let full = find(
        &r,
        Level::Debug,
        "apnspush::queue",
        &["push refused: send queue is full (1 notifications)"],
    );
    assert_eq!(full.len(), refused, "{}", dump(&r));
}

#[test]
fn a_gateway_gone_gives_failed_connects_backoff_and_a_give_up() {
    let _turn = start();
    let m = mock(MockOptions::http2());
    let port = m.port();
    let p = pusher(&m, &[("reconnect_backoff_ms", "10"), ("max_attempts", "2")]);
    assert!(p.ensure_push(note(1), WAIT).unwrap().is_accepted());
    records(&m, 2); // checked while the mock (and its key) is there
    m.stop();
    let o = p.ensure_push(note(0), WAIT).unwrap();
    assert_eq!(o.kind, OutcomeKind::Failed, "{o:?}");
    let r = logs::take(usize::MAX);
    let failed = format!("connect to 127.0.0.1:{port} failed: CONNECT: ");
    assert!(
        find(&r, Level::Warn, "apnspush::http2", &[&failed]).len() >= 2,
        "{}",
        dump(&r)
    );
    let backoff = find(
        &r,
        Level::Info,
        "apnspush::http2",
        &["reconnecting in ", " ms (", " failed attempts in a row)"],
    );
    assert!(!backoff.is_empty(), "{}", dump(&r));
    let gave_up = find(
        &r,
        Level::Warn,
        "apnspush::engine",
        &[
            "no connection after ",
            " failed attempts: 1 queued notifications failed (CONNECT: ",
        ],
    );
    assert_eq!(gave_up.len(), 1, "{}", dump(&r));
    let token = hex(&token_of(0));
    assert!(r.iter().all(|rec| !rec.message.contains(&token[..9])));
}

#[test]
fn a_stuck_connection_replaced_by_the_health_check_is_a_warning() {
    let _turn = start();
    let m = mock(MockOptions {
        stall_after: Some(2),
        ..MockOptions::http2()
    });
    let p = pusher(&m, &[("response_timeout_ms", "100")]);
    for i in 0..10 {
        p.push_async(note(i)).unwrap();
    }
    p.ensure_delivery(WAIT).unwrap();
    let s = p.stats();
    assert!(s.unhealthy_replaced >= 1, "{s:?}");
    let r = records(&m, 10);
    let replaced = find(
        &r,
        Level::Warn,
        "apnspush::http2",
        &["requests in a row unanswered on a connection that answers PINGs: replacing it"],
    );
    assert_eq!(replaced.len() as u64, s.unhealthy_replaced, "{}", dump(&r));
    let timeouts = find(
        &r,
        Level::Info,
        "apnspush::http2",
        &["requests got no response within 100 ms"],
    );
    assert!(!timeouts.is_empty(), "{}", dump(&r));
}
