//! Failures surface as typed errors or outcomes, never as silence or a hang.

mod common;

use apnspush::mock::MockOptions;
use apnspush::{
    fetch_feedback, Config, ErrorKind, FeedbackTuple, Notification, OutcomeKind, Pusher,
};
use common::*;
use std::time::{Duration, Instant};

#[test]
fn g_unreachable_host_fails_the_constructor() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let c = Config::from_pairs([
        ("host", "127.0.0.1"),
        ("port", &port.to_string()),
        ("connect_timeout_ms", "2000"),
    ])
    .unwrap();
    let err = Pusher::new(c).err().expect("nothing listens there");
    assert_eq!(err.kind(), ErrorKind::Connect);
    assert!(err.message().contains(&port.to_string()), "{err}");
}

#[test]
fn g_untrusted_server_certificate_is_a_tls_error() {
    let m = mock(MockOptions::default());
    let mut c = config(&m, &[("connect_timeout_ms", "5000")]);
    c.set("ca_pem", "").unwrap(); // trust only the public roots
    let start = Instant::now();
    let err = Pusher::new(c).err().expect("the mock's CA is not trusted");
    assert_eq!(err.kind(), ErrorKind::Tls, "{err}");
    assert!(start.elapsed() < Duration::from_secs(5), "it must not hang");
    assert!(
        err.message().to_lowercase().contains("certificate"),
        "{err}"
    );
}

#[test]
fn missing_client_certificate_is_refused_by_the_gateway() {
    let m = mock(MockOptions::default());
    let mut c = config(&m, &[]);
    c.set("cert_pem", "").unwrap();
    c.set("key_pem", "").unwrap();
    // Under TLS 1.3 the server judges the client certificate after the client's handshake
    // ends; the constructor waits for that verdict.
    let err = Pusher::new(c)
        .err()
        .expect("the gateway requires a certificate");
    assert_eq!(err.kind(), ErrorKind::Credentials, "{err}");
    assert!(err.message().contains("certificate_required"), "{err}");
    assert_eq!(m.accepted_count(), 0);
}

#[test]
fn unreadable_credentials_are_named() {
    let m = mock(MockOptions::default());
    let mut c = config(&m, &[]);
    c.set("cert_file", "/nonexistent/cert.pem").unwrap();
    let err = Pusher::new(c).err().unwrap();
    assert_eq!(err.kind(), ErrorKind::Credentials);
    assert!(err.message().contains("/nonexistent/cert.pem"));
}

#[test]
fn h_protocol_limits_are_refused_at_the_call_and_nothing_queued_is_lost() {
    let m = mock(MockOptions::default());
    let p = pusher(&m, &[]);
    for i in 0..100 {
        p.push_async(notification(i)).unwrap();
    }
    let big = format!("{{\"k\":\"{}\"}}", "x".repeat(2100));
    let n = Notification::builder()
        .token_bytes(&token(1))
        .payload_json(&big)
        .build()
        .unwrap();
    assert_eq!(
        p.push_async(n).unwrap_err().kind(),
        ErrorKind::PayloadTooLarge
    );
    p.ensure_delivery(WAIT).unwrap();
    assert_eq!(m.accepted_count(), 100);
    assert_eq!(p.stats().pushed, 100);

    let enhanced = pusher(&m, &[("binary_format", "enhanced")]);
    let long = Notification::builder()
        .token_bytes(&[7; 64])
        .payload_json("{}")
        .build()
        .unwrap();
    assert_eq!(
        enhanced.push_async(long).unwrap_err().kind(),
        ErrorKind::BadToken
    );
}

#[test]
fn queue_full_is_an_error_in_non_blocking_mode() {
    let m = mock(MockOptions {
        error_delay: Duration::from_secs(2),
        ..Default::default()
    });
    let p = pusher(
        &m,
        &[
            ("block_when_full", "false"),
            ("queue_capacity", "10"),
            ("max_in_flight", "1"),
        ],
    );
    let mut full = None;
    let mut ok = 0;
    for i in 0..100 {
        match p.push_async(notification(i)) {
            Ok(_) => ok += 1,
            Err(e) => {
                full = Some(e);
                break;
            }
        }
    }
    assert_eq!(full.expect("the queue fills").kind(), ErrorKind::QueueFull);
    assert_eq!(p.stats().pushed, ok);
    p.close(Duration::from_millis(100));
    let mut outcomes = std::collections::HashMap::new();
    drain_outcomes(&p, &mut outcomes);
    assert_eq!(
        outcomes.len() as u64,
        ok,
        "every queued one has an outcome, the refused one none"
    );
}

#[test]
fn a_connection_that_always_dies_fails_the_notification_after_max_attempts() {
    let m = mock(MockOptions {
        drop_after: Some(0),
        ..Default::default()
    });
    let p = pusher(&m, &[("max_attempts", "3"), ("reconnect_backoff_ms", "1")]);
    let o = p.ensure_push(notification(1), WAIT).unwrap();
    assert_eq!(
        (o.kind, o.error, o.attempts),
        (OutcomeKind::Failed, Some(ErrorKind::Io), 3)
    );
    assert!(p.stats().connection_losses >= 3);
}

#[test]
fn i_feedback_tuples_are_fetched_once() {
    let tuples = vec![
        FeedbackTuple {
            timestamp: 1_700_000_000,
            token: token(1),
        },
        FeedbackTuple {
            timestamp: 1_700_000_500,
            token: token(2),
        },
    ];
    let m = mock(MockOptions {
        feedback: tuples.clone(),
        ..Default::default()
    });
    let c = config(&m, &[]);
    assert_eq!(fetch_feedback(&c).unwrap(), tuples);
    assert_eq!(
        fetch_feedback(&c).unwrap(),
        vec![],
        "the list is cleared once read"
    );
}

#[test]
fn drop_never_hangs_and_close_is_idempotent() {
    let m = mock(MockOptions {
        error_delay: Duration::from_secs(30),
        ..Default::default()
    });
    let p = pusher(&m, &[("close_timeout_ms", "200"), ("max_in_flight", "5")]);
    for i in 0..1000 {
        p.push_async(notification(i)).unwrap();
    }
    let start = Instant::now();
    drop(p);
    assert!(start.elapsed() < Duration::from_secs(5));
}

#[test]
fn close_reports_written_unconfirmed_notifications_as_failed_not_cancelled() {
    let m = mock(MockOptions {
        error_delay: Duration::from_secs(30),
        ..Default::default()
    });
    let p = pusher(&m, &[("error_timeout_ms", "600000")]);
    p.push_async(notification(1)).unwrap();
    assert_eq!(
        p.ensure_delivery(Some(Duration::from_millis(300)))
            .unwrap_err()
            .kind(),
        ErrorKind::Timeout
    );
    assert_eq!(p.stats().in_flight, 1, "the marker is not a notification");
    let summary = p.close(Duration::from_millis(500));
    assert_eq!((summary.cancelled, summary.unconfirmed), (0, 1));
    let o = p.poll_outcomes(10, Duration::from_millis(100));
    assert_eq!(o.len(), 1);
    assert_eq!(
        (o[0].kind, o[0].error),
        (OutcomeKind::Failed, Some(ErrorKind::Closed))
    );
    assert_eq!(p.stats().duplicates_possible, 0);
    assert_eq!(m.accepted_count(), 1);
}

#[test]
fn try_push_async_hands_the_notification_back_and_a_taken_one_is_refused() {
    let m = mock(MockOptions::default());
    let p = pusher(&m, &[]);
    let mut n = notification(5);
    let original = n.clone();
    let empty = n.take();
    assert_eq!(empty, original);
    assert_eq!(p.push_async(n).unwrap_err().kind(), ErrorKind::BadToken);
    p.close(Duration::from_millis(100));
    let (err, back) = p.try_push_async(original.clone()).unwrap_err();
    assert_eq!((err.kind(), back), (ErrorKind::Closed, original));
    assert_eq!(m.accepted_count(), 0);
}
