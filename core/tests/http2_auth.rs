//! HTTP/2 authentication against the mock: provider tokens (one per pusher, refreshed on age
//! and on ExpiredProviderToken, never more often than the minimum interval) and client
//! certificates.

mod common;

use apnspush::http2::jwt::generate_test_key_pem;
use apnspush::mock::MockOptions;
use apnspush::{Config, ErrorKind, Notification, OutcomeKind, Pusher};
use common::*;
use std::time::Duration;

fn token_mock() -> apnspush::mock::MockServer {
    mock(MockOptions::http2().with_token_auth())
}

#[test]
fn token_auth_one_token_shared_by_every_connection() {
    let m = token_mock();
    let config = m.client_config();
    let keys: Vec<&str> = config.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(
        keys.join(","),
        "protocol,host,port,channel_host,channel_port,ca_pem,auth_key_pem,key_id,team_id,topic"
    );
    let p = pusher(&m, &[("connections", "3")]);
    for i in 0..3_000 {
        p.push_async(notification(i)).unwrap();
    }
    p.ensure_delivery(WAIT).unwrap();
    assert_eq!(m.accepted_count(), 3_000);
    assert!(m.connections() >= 3);
    assert_eq!(
        m.tokens_seen(),
        1,
        "one JWT per pusher, shared by its connections"
    );
    assert_eq!(p.stats().token_refreshes, 0);
}

#[test]
fn a_token_signed_with_the_wrong_key_is_rejected_invalid() {
    let m = token_mock();
    let wrong = generate_test_key_pem();
    let p = pusher(&m, &[("auth_key_pem", &wrong)]);
    let o = p.ensure_push(notification(1), WAIT).unwrap();
    assert_eq!(
        (o.kind, o.status, o.reason.as_str()),
        (OutcomeKind::Rejected, 403, "InvalidProviderToken"),
        "{o:?}"
    );
    assert_eq!(o.attempts, 1, "never retried");
    assert_eq!(m.accepted_count(), 0);
}

#[test]
fn no_token_is_rejected_missing() {
    let m = token_mock();
    let mut c = config(&m, &[]);
    for key in ["auth_key_pem", "key_id", "team_id"] {
        c.set(key, "").unwrap();
    }
    let p = Pusher::new(c).unwrap();
    let o = p.ensure_push(notification(1), WAIT).unwrap();
    assert_eq!(
        (o.kind, o.status, o.reason.as_str()),
        (OutcomeKind::Rejected, 403, "MissingProviderToken")
    );
}

#[test]
fn expired_token_is_refreshed_once_and_the_notification_retried() {
    let m = token_mock();
    let p = pusher(&m, &[("token_min_interval_ms", "0")]);
    assert!(p.ensure_push(notification(0), WAIT).unwrap().is_accepted());
    m.expire_tokens();
    // Many in flight at once with the expired token: still only one new token.
    for i in 1..=300 {
        p.push_async(notification(i)).unwrap();
    }
    p.ensure_delivery(WAIT).unwrap();
    let mut outcomes = std::collections::HashMap::new();
    drain_outcomes(&p, &mut outcomes);
    assert_eq!(
        count_kind(&outcomes, OutcomeKind::Accepted),
        301,
        "{:?}",
        p.stats()
    );
    assert_eq!(m.accepted_count(), 301);
    assert_eq!(m.tokens_seen(), 2, "exactly one refresh");
    let s = p.stats();
    assert_eq!(s.token_refreshes, 1);
    let expired = m
        .http2_rejected()
        .iter()
        .filter(|r| r.status == 403 && r.reason == "ExpiredProviderToken")
        .count();
    assert!(expired >= 1);
    let retried = outcomes.values().filter(|o| o.attempts == 2).count();
    assert_eq!(retried, expired, "each expired answer retried once");
}

#[test]
fn a_token_expired_too_soon_after_signing_is_replaced_once_the_minimum_interval_passed() {
    let m = token_mock();
    let p = pusher(&m, &[("token_min_interval_ms", "700")]);
    assert!(p.ensure_push(notification(0), WAIT).unwrap().is_accepted());
    m.expire_tokens();
    let o = p.ensure_push(notification(1), WAIT).unwrap();
    assert_eq!(
        (o.kind, o.status, o.attempts),
        (OutcomeKind::Accepted, 200, 2),
        "retried with a fresh token once signing was allowed again"
    );
    assert_eq!(m.tokens_seen(), 2);
    assert_eq!(p.stats().token_refreshes, 1);
    // While signing was not allowed, nothing else was sent with the expired token.
    let expired = m
        .http2_rejected()
        .iter()
        .filter(|r| r.reason == "ExpiredProviderToken")
        .count();
    assert_eq!(expired, 1);
}

#[test]
fn a_server_that_expires_every_token_cannot_make_the_pusher_loop() {
    let m = token_mock();
    let p = pusher(&m, &[("token_min_interval_ms", "0"), ("max_attempts", "4")]);
    assert!(p.ensure_push(notification(0), WAIT).unwrap().is_accepted());
    // A watcher expires every token the moment it has been seen.
    let stop = std::sync::atomic::AtomicBool::new(false);
    let o = std::thread::scope(|scope| {
        scope.spawn(|| {
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                m.expire_tokens();
                std::thread::sleep(Duration::from_micros(200));
            }
        });
        let o = p.ensure_push(notification(1), WAIT).unwrap();
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
        o
    });
    // Each answer re-signs at most once (one new token per expired one), and the attempts
    // bound the notification.
    assert!(
        o.kind == OutcomeKind::Rejected || o.kind == OutcomeKind::Accepted,
        "{o:?}"
    );
    assert!(o.attempts <= 4, "{o:?}");
    let s = p.stats();
    assert!(s.token_refreshes <= 3, "{s:?}");
    assert_eq!(m.tokens_seen(), 1 + s.token_refreshes);
}

#[test]
fn token_is_refreshed_when_it_reaches_the_refresh_age() {
    let m = token_mock();
    let p = pusher(
        &m,
        &[
            ("token_refresh_interval_ms", "100"),
            ("token_min_interval_ms", "0"),
        ],
    );
    assert!(p.ensure_push(notification(0), WAIT).unwrap().is_accepted());
    std::thread::sleep(Duration::from_millis(250));
    assert!(p.ensure_push(notification(1), WAIT).unwrap().is_accepted());
    assert_eq!(m.tokens_seen(), 2);
    assert_eq!(p.stats().token_refreshes, 1);
}

#[test]
fn token_auth_needs_a_topic_at_the_call() {
    let m = token_mock();
    let p = pusher(&m, &[("topic", "")]);
    let err = p.push_async(notification(1)).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidArgument, "{err}");
    assert!(err.message().contains("topic"));
    let with_topic = Notification::builder()
        .token_bytes(&token(2))
        .payload_json("{}")
        .topic("com.example.mock")
        .build()
        .unwrap();
    assert!(p.ensure_push(with_topic, WAIT).unwrap().is_accepted());
    assert_eq!(p.stats().pushed, 1);
}

#[test]
fn incomplete_token_config_and_bad_keys_are_refused_without_echoing_the_key() {
    let m = token_mock();
    let mut c = config(&m, &[]);
    c.set("team_id", "").unwrap();
    let err = Pusher::new(c).err().expect("team_id missing");
    assert_eq!(err.kind(), ErrorKind::InvalidConfigValue, "{err}");

    let mut c = config(&m, &[]);
    let secret = "-----BEGIN PRIVATE KEY-----\nTUlTU0lOR0tFWU1BVEVSSUFMc2VjcmV0\n-----END PRIVATE KEY-----\n";
    c.set("auth_key_pem", secret).unwrap();
    let err = Pusher::new(c).err().expect("not a P-256 key");
    assert_eq!(err.kind(), ErrorKind::Credentials, "{err}");
    assert!(
        !err.message().contains("TUlTU0lOR0tFWU1BVEVSSUFMc2VjcmV0"),
        "{err}"
    );
    let c = config(&m, &[]);
    assert!(!format!("{c:?}").contains("PRIVATE KEY"));
}

#[test]
fn certificate_auth_against_a_mock_requiring_a_client_certificate() {
    let m = mock(MockOptions::http2());
    let keys: Vec<String> = m.client_config().into_iter().map(|(k, _)| k).collect();
    assert_eq!(
        keys.join(","),
        "protocol,host,port,channel_host,channel_port,ca_pem,cert_pem,key_pem"
    );
    let p = pusher(&m, &[]);
    for i in 0..500 {
        p.push_async(notification(i)).unwrap();
    }
    p.ensure_delivery(WAIT).unwrap();
    assert_eq!(m.accepted_count(), 500);
    drop(p);

    let mut c = config(&m, &[]);
    c.set("cert_pem", "").unwrap();
    c.set("key_pem", "").unwrap();
    // Under TLS 1.3 the server judges the certificate after the client's handshake ends; the
    // constructor waits for that verdict.
    let err = Pusher::new(c).err().expect("refused at construction");
    assert_eq!(err.kind(), ErrorKind::Credentials, "{err}");
    assert!(err.message().contains("certificate_required"), "{err}");
    assert_eq!(m.accepted_count(), 500);
}

#[test]
fn http2_is_the_default_protocol_with_apple_hosts() {
    let c = Config::new();
    assert_eq!(c.protocol(), apnspush::config::Protocol::Http2);
    assert_eq!(
        (c.gateway_host().as_str(), c.gateway_port()),
        ("api.push.apple.com", 443)
    );
    let c = Config::from_pairs([("environment", "sandbox"), ("port", "2197")]).unwrap();
    assert_eq!(
        (c.gateway_host().as_str(), c.gateway_port()),
        ("api.sandbox.push.apple.com", 2197)
    );
}
