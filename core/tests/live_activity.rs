//! Live Activities: the payload and headers the server receives for start, update and end, and
//! Apple's rules refused at build (from fields or from a whole payload) with the field named.

mod common;

use apnspush::mock::MockOptions;
use apnspush::{ErrorKind, Notification, NotificationBuilder, OutcomeKind};
use common::*;

const TOPIC: &str = "com.example.app";

fn update() -> NotificationBuilder {
    Notification::builder()
        .token_bytes(&token(1))
        .event("update")
        .timestamp(1_700_000_000)
        .content_state_json(r#"{"score":"2-1"}"#)
}

/// The error `b` fails with, whose message must name `field`.
fn refused(b: NotificationBuilder, field: &str) -> ErrorKind {
    let e = b.build().expect_err("must be refused");
    assert!(
        e.message().contains(field),
        "{:?} does not name {field}",
        e.message()
    );
    e.kind()
}

#[test]
fn start_update_and_end_reach_the_server_as_apple_documents() {
    let m = mock(MockOptions {
        record_payloads: true,
        ..MockOptions::http2()
    });
    let p = pusher(&m, &[("topic", TOPIC)]);
    let start = Notification::builder()
        .token_bytes(&token(1))
        .event("start")
        .timestamp(1_700_000_000)
        .content_state_json(r#"{"score":"0-0"}"#)
        .attributes_type("MatchAttributes")
        .attributes_json(r#"{"home":"A","away":"B"}"#)
        .alert_title("Kick-off")
        .alert_body("A v B")
        .relevance_score(75.0)
        .build()
        .unwrap();
    let update = update()
        .stale_date(1_700_000_600)
        .priority(5)
        .build()
        .unwrap();
    let end = Notification::builder()
        .token_bytes(&token(1))
        .event("end")
        .timestamp(1_700_003_600)
        .dismissal_date(1_700_007_200)
        .build()
        .unwrap();
    for n in [&start, &update, &end] {
        assert_eq!(n.push_type(), Some("liveactivity"));
    }
    for n in [start, update, end] {
        assert!(p.ensure_push(n, WAIT).unwrap().is_accepted());
    }
    let payloads: Vec<String> = m
        .accepted()
        .iter()
        .map(|a| String::from_utf8(a.payload.clone()).unwrap())
        .collect();
    assert_eq!(
        payloads,
        [
            concat!(
                r#"{"aps":{"alert":{"body":"A v B","title":"Kick-off"},"#,
                r#""attributes":{"away":"B","home":"A"},"attributes-type":"MatchAttributes","#,
                r#""content-state":{"score":"0-0"},"event":"start","relevance-score":75.0,"#,
                r#""timestamp":1700000000}}"#
            ),
            concat!(
                r#"{"aps":{"content-state":{"score":"2-1"},"event":"update","#,
                r#""stale-date":1700000600,"timestamp":1700000000}}"#
            ),
            r#"{"aps":{"dismissal-date":1700007200,"event":"end","timestamp":1700003600}}"#,
        ]
    );
    let requests = m.http2_requests();
    assert_eq!(requests.len(), 3);
    for (r, priority) in requests.iter().zip(["10", "5", "10"]) {
        assert_eq!(r.push_type.as_deref(), Some("liveactivity"));
        assert_eq!(
            r.topic.as_deref(),
            Some("com.example.app.push-type.liveactivity")
        );
        assert_eq!(r.priority.as_deref(), Some(priority));
    }
}

#[test]
fn a_whole_payload_follows_the_same_rules() {
    let ok = r#"{"aps":{"event":"update","timestamp":1,"content-state":{}}}"#;
    let n = Notification::builder()
        .token_bytes(&token(1))
        .payload_json(ok)
        .build()
        .unwrap();
    assert_eq!(n.push_type(), Some("liveactivity"));
    let without_timestamp = r#"{"aps":{"event":"update","content-state":{}}}"#;
    let b = Notification::builder()
        .token_bytes(&token(1))
        .payload_json(without_timestamp);
    assert_eq!(refused(b, "timestamp"), ErrorKind::InvalidArgument);
    let liveactivity_without_event = Notification::builder()
        .token_bytes(&token(1))
        .push_type("liveactivity")
        .payload_json(r#"{"aps":{"alert":"hi"}}"#);
    assert_eq!(
        refused(liveactivity_without_event, "event"),
        ErrorKind::InvalidArgument
    );
    let b = Notification::builder()
        .token_bytes(&token(1))
        .payload_json(r#"{"aps":{"event":"update","timestamp":-1,"content-state":{}}}"#);
    assert_eq!(refused(b, "timestamp"), ErrorKind::InvalidArgument);
}

#[test]
fn apples_rules_are_refused_at_build_naming_the_field() {
    let t = || Notification::builder().token_bytes(&token(1));
    let cases: Vec<(NotificationBuilder, &str)> = vec![
        (t().event("begin").timestamp(1), "event"),
        (
            t().event("update").content_state_json(r#"{"a":1}"#),
            "timestamp",
        ),
        (t().event("update").timestamp(1), "content-state"),
        (
            t().event("start")
                .timestamp(1)
                .content_state_json("{}")
                .attributes_json("{}"),
            "attributes-type",
        ),
        (
            t().event("start")
                .timestamp(1)
                .content_state_json("{}")
                .attributes_type("A"),
            "attributes",
        ),
        (update().attributes_type("A"), "attributes-type"),
        (update().dismissal_date(5), "dismissal-date"),
        (update().push_type("alert"), "liveactivity"),
        (update().relevance_score(-1.0), "relevance-score"),
        (
            t().event("end").timestamp(1).content_state_json("[1]"),
            "content-state",
        ),
        (
            t().alert_title("x").relevance_score(75.0),
            "relevance-score",
        ),
    ];
    for (b, field) in cases {
        assert_eq!(refused(b, field), ErrorKind::InvalidArgument, "{field}");
    }
    let invalid_json = t().event("end").timestamp(1).attributes_json("{");
    assert_eq!(refused(invalid_json, "attributes"), ErrorKind::InvalidJson);
    let payload_and_fields = update().payload_json("{}");
    assert_eq!(
        refused(payload_and_fields, "content-state"),
        ErrorKind::InvalidArgument
    );
}

#[test]
fn channel_ids_are_checked_and_exclusive_with_tokens() {
    let on = |id: &str| {
        Notification::builder()
            .channel_id(id)
            .event("update")
            .timestamp(1)
            .content_state_json("{}")
    };
    let n = on("dHN0LXNyY2gtY2hubA==").build().unwrap();
    assert_eq!(n.channel_id(), Some("dHN0LXNyY2gtY2hubA=="));
    assert!(n.token().is_empty());
    assert_eq!(
        refused(on("not base64!"), "channel id"),
        ErrorKind::InvalidArgument
    );
    assert_eq!(refused(on(""), "channel id"), ErrorKind::InvalidArgument);
    assert_eq!(
        refused(on(&"A".repeat(257)), "channel id"),
        ErrorKind::InvalidArgument
    );
    assert_eq!(
        refused(on("dHN0").token_bytes(&token(1)), "channel id"),
        ErrorKind::InvalidArgument
    );
    let not_live = Notification::builder().channel_id("dHN0").alert_title("x");
    assert_eq!(
        refused(not_live, "liveactivity"),
        ErrorKind::InvalidArgument
    );
}

#[test]
fn a_binary_pusher_refuses_a_broadcast_at_the_call_and_keeps_what_is_queued() {
    let m = mock(MockOptions::default());
    let p = pusher(&m, &[]);
    p.push_async(notification(1)).unwrap();
    let n = Notification::builder()
        .channel_id("dHN0LXNyY2gtY2hubA==")
        .event("update")
        .timestamp(1)
        .content_state_json("{}")
        .build()
        .unwrap();
    let e = p.push_async(n).expect_err("binary cannot broadcast");
    assert_eq!(e.kind(), ErrorKind::InvalidArgument);
    assert!(e.message().contains("HTTP/2"), "{}", e.message());
    p.ensure_delivery(WAIT).unwrap();
    assert!(m.wait_accepted(1, std::time::Duration::from_secs(30)));
    assert_eq!(m.accepted()[0].token, token(1));
}

#[test]
fn a_broadcast_on_a_channel_reaches_it_and_an_unknown_channel_is_rejected() {
    let m = mock(MockOptions {
        record_payloads: true,
        ..MockOptions::http2()
    });
    let live = m.add_channel(TOPIC, 0).unwrap();
    let p = pusher(&m, &[("topic", "com.example.app.push-type.liveactivity")]);
    let on = |id: &str| {
        Notification::builder()
            .channel_id(id)
            .event("update")
            .timestamp(1_700_000_000)
            .content_state_json(r#"{"score":"3-1"}"#)
            .build()
            .unwrap()
    };
    let accepted = p.ensure_push(on(&live), WAIT).unwrap();
    assert!(accepted.is_accepted(), "{accepted:?}");
    assert_eq!(accepted.channel_id.as_deref(), Some(live.as_str()));
    assert!(accepted.token.is_empty());
    let unknown = p.ensure_push(on("dW5rbm93bg=="), WAIT).unwrap();
    assert_eq!(
        (unknown.kind, unknown.reason.as_str()),
        (OutcomeKind::Rejected, "ChannelNotRegistered")
    );
    assert_eq!(unknown.channel_id.as_deref(), Some("dW5rbm93bg=="));
    // A device token and a broadcast on the same connection.
    assert!(p.ensure_push(notification(1), WAIT).unwrap().is_accepted());
    let broadcasts = m.broadcasts();
    assert_eq!(broadcasts.len(), 1);
    let b = &broadcasts[0];
    assert_eq!(
        (b.bundle_id.as_str(), b.channel_id.as_str()),
        (TOPIC, live.as_str())
    );
    assert_eq!(
        b.payload,
        br#"{"aps":{"content-state":{"score":"3-1"},"event":"update","timestamp":1700000000}}"#
    );
    assert_eq!(
        Some(b.apns_id.clone()),
        accepted.apns_id,
        "apns-request-id both ways"
    );
    let requests = m.http2_requests();
    let broadcast = &requests[0];
    assert_eq!(broadcast.expiration.as_deref(), Some("0"));
    assert_eq!(broadcast.push_type.as_deref(), Some("liveactivity"));
    assert_eq!(broadcast.topic, None, "a broadcast carries no apns-topic");
}
