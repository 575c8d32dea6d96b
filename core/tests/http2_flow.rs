//! HTTP/2 flow control, payload limits and connection upkeep against the mock: the RFC default
//! windows with payloads near the limit, stream windows smaller than one payload, PING
//! keepalive, response timeouts, and servers that are not HTTP/2.

mod common;

use apnspush::mock::MockOptions;
use apnspush::{ErrorKind, Notification, OutcomeKind, Pusher};
use common::*;
use std::collections::HashMap;
use std::time::{Duration, Instant};

fn big(i: u64, len: usize, push_type: Option<&str>) -> Notification {
    let head = format!("{{\"aps\":{{\"alert\":\"n{i}\"}},\"pad\":\"");
    let pad = len - head.len() - 2;
    let mut b = Notification::builder()
        .token_bytes(&token(i))
        .payload_json(&format!("{head}{}\"}}", "p".repeat(pad)))
        .user_data(i);
    if let Some(t) = push_type {
        b = b.push_type(t);
    }
    let n = b.build().unwrap();
    assert_eq!(n.payload().len(), len);
    n
}

#[test]
fn default_65535_windows_with_payloads_near_4096() {
    let m = mock(MockOptions::http2());
    let p = pusher(&m, &[]);
    for i in 0..2_000 {
        p.push_async(big(i, 4000 + (i as usize % 96), None))
            .unwrap();
    }
    p.ensure_delivery(WAIT).unwrap();
    let mut outcomes = HashMap::new();
    drain_outcomes(&p, &mut outcomes);
    assert_eq!(count_kind(&outcomes, OutcomeKind::Accepted), 2_000);
    let a = m.accepted();
    assert_eq!(a.len(), 2_000);
    for rec in &a {
        let i = u64::from_be_bytes(rec.token[..8].try_into().unwrap());
        assert_eq!(
            rec.payload.len(),
            4000 + (i as usize % 96),
            "body arrived whole"
        );
    }
    let h2 = m.http2_counts();
    assert_eq!(
        (h2.flow_control_violations, h2.protocol_errors),
        (0, 0),
        "{h2:?}"
    );
}

#[test]
fn stream_window_smaller_than_one_payload() {
    let m = mock(MockOptions {
        initial_window_size: 1_000,
        max_concurrent_streams: 50,
        ..MockOptions::http2()
    });
    let p = pusher(&m, &[]);
    for i in 0..300 {
        p.push_async(big(i, 3_500, None)).unwrap();
    }
    p.ensure_delivery(WAIT).unwrap();
    assert_eq!(p.stats().accepted, 300);
    assert!(m.accepted().iter().all(|a| a.payload.len() == 3_500));
    assert_eq!(m.http2_counts().flow_control_violations, 0);
}

#[test]
fn payload_limits_voip_5120_others_4096() {
    let m = mock(MockOptions::http2());
    let p = pusher(&m, &[]);
    assert!(p
        .ensure_push(big(1, 5_120, Some("voip")), WAIT)
        .unwrap()
        .is_accepted());
    assert!(p
        .ensure_push(big(2, 4_096, None), WAIT)
        .unwrap()
        .is_accepted());
    let refused = |len: usize, push_type: Option<&str>| {
        let mut b = Notification::builder()
            .token_bytes(&token(3))
            .payload_json(&format!("{{\"k\":\"{}\"}}", "x".repeat(len - 8)));
        if let Some(t) = push_type {
            b = b.push_type(t);
        }
        b.build().unwrap_err().kind()
    };
    assert_eq!(refused(4_097, None), ErrorKind::PayloadTooLarge);
    assert_eq!(refused(5_121, Some("voip")), ErrorKind::PayloadTooLarge);
    assert_eq!(m.accepted_count(), 2);
    assert_eq!(m.accepted()[0].payload.len(), 5_120);
}

#[test]
fn idle_connection_is_kept_alive_with_pings() {
    let m = mock(MockOptions::http2());
    let p = pusher(
        &m,
        &[("ping_interval_ms", "30"), ("ping_timeout_ms", "2000")],
    );
    assert!(p.ensure_push(notification(1), WAIT).unwrap().is_accepted());
    std::thread::sleep(Duration::from_millis(300));
    assert!(p.ensure_push(notification(2), WAIT).unwrap().is_accepted());
    let s = p.stats();
    assert!(s.pings_sent >= 3, "{s:?}");
    assert_eq!((s.connection_losses, s.reconnects), (0, 0), "{s:?}");
    assert_eq!(m.connections(), 1);
}

#[test]
fn a_missing_ping_ack_marks_the_connection_dead_and_it_is_replaced() {
    let m = mock(MockOptions {
        answer_pings: false,
        ..MockOptions::http2()
    });
    let p = pusher(
        &m,
        &[("ping_interval_ms", "30"), ("ping_timeout_ms", "100")],
    );
    assert!(p.ensure_push(notification(1), WAIT).unwrap().is_accepted());
    let start = Instant::now();
    while p.stats().reconnects == 0 && start.elapsed() < Duration::from_secs(10) {
        std::thread::sleep(Duration::from_millis(10));
    }
    let s = p.stats();
    assert!(s.connection_losses >= 1 && s.reconnects >= 1, "{s:?}");
    assert!(s.last_error.contains("PING"), "{}", s.last_error);
    assert!(p.ensure_push(notification(2), WAIT).unwrap().is_accepted());
    assert!(m.connections() >= 2);
}

#[test]
fn unanswered_streams_time_out_and_are_retried_then_failed() {
    let m = mock(MockOptions {
        response_delay: Duration::from_millis(400),
        ..MockOptions::http2()
    });
    let p = pusher(&m, &[("response_timeout_ms", "100"), ("max_attempts", "2")]);
    let o = p.ensure_push(notification(1), WAIT).unwrap();
    assert_eq!(
        (o.kind, o.error, o.attempts),
        (OutcomeKind::Failed, Some(ErrorKind::Timeout), 2),
        "{o:?}"
    );
    let s = p.stats();
    assert_eq!(s.response_timeouts, 2);
    std::thread::sleep(Duration::from_millis(100));
    let duplicates = m.accepted_count().saturating_sub(1);
    assert!(duplicates <= s.duplicates_possible, "{duplicates} vs {s:?}");
}

#[test]
fn a_server_that_is_not_http2_is_refused_at_creation() {
    let m = mock(MockOptions::default()); // the binary gateway: no ALPN
    let mut c = config(&m, &[]);
    c.set("protocol", "http2").unwrap();
    let err = Pusher::new(c).err().expect("no h2");
    assert_eq!(err.kind(), ErrorKind::Protocol, "{err}");
    assert!(err.message().contains("h2"), "{err}");
}

#[test]
fn a_connection_that_always_dies_fails_the_notification_after_max_attempts() {
    let m = mock(MockOptions {
        drop_after: Some(1),
        ..MockOptions::http2()
    });
    let p = pusher(&m, &[("max_attempts", "3"), ("reconnect_backoff_ms", "1")]);
    let o = p.ensure_push(notification(1), WAIT).unwrap();
    assert_eq!(
        (o.kind, o.error, o.attempts),
        (OutcomeKind::Failed, Some(ErrorKind::Io), 3),
        "{o:?}"
    );
    let s = p.stats();
    assert!(s.connection_losses >= 3);
    assert_eq!(
        m.accepted_count(),
        3,
        "processed each time, answer lost each time"
    );
    assert!(m.accepted_count() - 1 <= s.duplicates_possible);
}

#[test]
fn close_with_streams_in_flight_reports_everything() {
    let m = mock(MockOptions {
        response_delay: Duration::from_secs(5),
        ..MockOptions::http2()
    });
    let p = pusher(&m, &[]);
    for i in 0..5_000 {
        p.push_async(notification(i)).unwrap();
    }
    std::thread::sleep(Duration::from_millis(200));
    let start = Instant::now();
    let summary = p.close(Duration::from_millis(300));
    assert!(start.elapsed() < Duration::from_secs(2));
    let mut outcomes = HashMap::new();
    drain_outcomes(&p, &mut outcomes);
    assert_eq!(outcomes.len(), 5_000);
    let cancelled = count_kind(&outcomes, OutcomeKind::Cancelled) as u64;
    let failed = count_kind(&outcomes, OutcomeKind::Failed) as u64;
    assert_eq!(
        (cancelled, failed),
        (summary.cancelled, summary.unconfirmed)
    );
    assert_eq!(cancelled + failed, 5_000);
    assert!(failed >= 1, "streams were in flight");
}

#[test]
fn expired_notifications_are_not_sent() {
    let m = mock(MockOptions::http2());
    let p = pusher(&m, &[]);
    let n = Notification::builder()
        .token_bytes(&token(1))
        .payload_json("{}")
        .expiry(1_000)
        .build()
        .unwrap();
    assert_eq!(p.ensure_push(n, WAIT).unwrap().kind, OutcomeKind::Expired);
    assert_eq!(m.accepted_count(), 0);
}

#[test]
fn headers_carry_the_notification_options() {
    let m = mock(MockOptions::http2());
    let p = pusher(&m, &[("topic", "com.example.default")]);
    let id = "0A1B2C3D-0000-4000-8000-00000000000F";
    let n = Notification::builder()
        .token_bytes(&token(9))
        .payload_json("{\"aps\":{}}")
        .apns_id(id)
        .priority(5)
        .push_type("background")
        .collapse_id("group-1")
        .expiry(4_000_000_000)
        .build()
        .unwrap();
    let o = p.ensure_push(n, WAIT).unwrap();
    assert!(o.is_accepted());
    assert_eq!(o.apns_id.as_deref(), Some(id.to_ascii_lowercase().as_str()));
    assert_eq!(m.accepted()[0].apns_id, o.apns_id);
    // A bad priority reaches the mock's validation only through the wire: none here.
    assert!(m.http2_rejected().is_empty());
}
