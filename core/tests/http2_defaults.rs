//! Delivery defaults on the wire, as the built-in mock received them: no `apns-expiration`
//! when the expiry is unset (APNs stores and retries) and `0` only when set to 0, the push type
//! and priority inferred from `aps`, and the configured topic suffixed per push type.
//! tests/http2_interop.rs proves the same against Node's HTTP/2 server.

mod common;
mod header_cases;

use apnspush::mock::MockOptions;
use apnspush::Notification;
use common::*;
use header_cases::{Seen, TOPIC};

fn seen_by_mock(m: &apnspush::mock::MockServer, token: &[u8]) -> Seen {
    let requests = m.http2_requests();
    let r = requests
        .iter()
        .rev()
        .find(|r| r.token == token)
        .expect("the mock saw a request for the token");
    Seen {
        expiration: r.expiration.clone(),
        push_type: r.push_type.clone(),
        topic: r.topic.clone(),
        priority: r.priority.clone(),
    }
}

#[test]
fn expiry_push_type_and_topic_headers_on_the_wire() {
    let m = mock(MockOptions::http2());
    let p = pusher(&m, &[("topic", TOPIC)]);
    let cases = header_cases::cases(0x30);
    for (_, n, _) in &cases {
        let o = p.ensure_push(n.clone(), WAIT).unwrap();
        assert!(o.is_accepted(), "{o:?}");
    }
    for (token, n, want) in &cases {
        assert_eq!(
            &seen_by_mock(&m, token),
            want,
            "user_data {}",
            n.user_data()
        );
    }
    assert_eq!(m.http2_requests().len(), cases.len());
}

#[test]
fn a_default_topic_that_already_ends_in_the_suffix_is_not_doubled() {
    let m = mock(MockOptions::http2());
    let p = pusher(&m, &[("topic", "com.example.app.voip")]);
    let n = |first: u8, push_type: &str| {
        Notification::builder()
            .token_bytes(&[first; 32])
            .payload_json(r#"{"aps":{"alert":"call"}}"#)
            .push_type(push_type)
            .build()
            .unwrap()
    };
    for (first, push_type) in [(0x41, "voip"), (0x42, "alert"), (0x43, "location")] {
        assert!(p
            .ensure_push(n(first, push_type), WAIT)
            .unwrap()
            .is_accepted());
    }
    let topic = |first: u8| seen_by_mock(&m, &[first; 32]).topic.unwrap();
    assert_eq!(topic(0x41), "com.example.app.voip");
    assert_eq!(topic(0x42), "com.example.app.voip");
    assert_eq!(topic(0x43), "com.example.app.voip.location-query");
}

#[test]
fn without_a_topic_no_apns_topic_is_sent() {
    let m = mock(MockOptions::http2());
    let p = pusher(&m, &[]);
    let n = Notification::builder()
        .token_bytes(&[0x51; 32])
        .payload_json(r#"{"aps":{"alert":"call"}}"#)
        .push_type("voip")
        .build()
        .unwrap();
    assert!(p.ensure_push(n, WAIT).unwrap().is_accepted());
    let seen = seen_by_mock(&m, &[0x51; 32]);
    assert_eq!((seen.topic, seen.expiration), (None, None));
}
