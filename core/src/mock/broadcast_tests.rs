//! The gateway's broadcast route (`POST /4/broadcasts/apps/<bundle>`), driven by raw HTTP/2
//! requests: accepted broadcasts recorded per channel, and Apple's refusals for a missing,
//! malformed, unknown or deleted channel id, a wrong push type and missing auth.

use std::time::{Duration, Instant};

use super::{MockOptions, MockServer};
use crate::channels::wire::Conn;
use crate::channels::{Channels, MessageStoragePolicy};
use crate::config::Config;

const BUNDLE: &str = "com.example.mock";

/// Request headers, and the status and reason expected.
type Case<'a> = (Vec<(&'a str, &'a str)>, u16, &'a str);
const PAYLOAD: &[u8] = br#"{"aps":{"event":"update","timestamp":1,"content-state":{}}}"#;

fn config(m: &MockServer) -> Config {
    let mut c = Config::from_pairs(m.client_config()).unwrap();
    c.set("topic", BUNDLE).unwrap();
    c
}

fn gateway(m: &MockServer) -> Conn {
    let c = config(m);
    let tls = crate::tls::client_config(&c, &[b"h2"]).unwrap();
    Conn::open(&tls, &c, "127.0.0.1", m.port()).unwrap()
}

/// POSTs a broadcast and returns (status, reason).
fn broadcast(conn: &mut Conn, bundle: &str, headers: &[(&str, &str)]) -> (u16, String) {
    let deadline = Instant::now() + Duration::from_secs(30);
    let path = format!("/4/broadcasts/apps/{bundle}");
    let r = match conn.request("POST", &path, headers, PAYLOAD, deadline) {
        Ok(r) => r,
        Err(f) => panic!("no answer: {}", f.into_error()),
    };
    let reason = crate::http2::response::parse_error_body(&r.body)
        .reason
        .unwrap_or_default();
    (r.status, reason)
}

#[test]
fn accepted_broadcasts_are_recorded_per_channel() {
    let m = MockServer::start(MockOptions::http2()).unwrap();
    let a = m.add_channel(BUNDLE, 1).unwrap();
    let b = m.add_channel(BUNDLE, 0).unwrap();
    let mut conn = gateway(&m);
    for id in [&a, &b, &a] {
        let h = [
            ("apns-channel-id", id.as_str()),
            ("apns-push-type", "liveactivity"),
        ];
        assert_eq!(broadcast(&mut conn, BUNDLE, &h), (200, String::new()));
    }
    let got = m.broadcasts();
    assert_eq!(got.len(), 3);
    assert_eq!(got[0].channel_id, a);
    assert_eq!(got[1].channel_id, b);
    assert_eq!(got[0].bundle_id, BUNDLE);
    assert_eq!(got[0].payload, PAYLOAD);
    assert!(got[0].connection >= 1);
    let json: serde_json::Value = serde_json::from_str(&m.channels_json()).unwrap();
    assert_eq!(json["broadcasts_per_channel"][&a], 2);
    assert_eq!(json["broadcasts_per_channel"][&b], 1);
    assert_eq!(
        json["broadcasts"][0]["payload"],
        std::str::from_utf8(PAYLOAD).unwrap()
    );
    assert_eq!(m.accepted_count(), 3);
    m.clear();
    assert!(m.broadcasts().is_empty());
    assert_eq!(m.channel_ids(BUNDLE), vec![a, b]);
}

#[test]
fn refused_broadcasts_carry_apples_reasons() {
    let m = MockServer::start(MockOptions::http2()).unwrap();
    let live = m.add_channel(BUNDLE, 0).unwrap();
    let other_app = m.add_channel("com.example.other", 0).unwrap();
    // A channel created and deleted through the management API.
    let ch = Channels::connect(&config(&m)).unwrap();
    let deleted = ch.create(MessageStoragePolicy::NoMessageStored).unwrap();
    ch.delete(&deleted).unwrap();
    let mut conn = gateway(&m);
    let la = ("apns-push-type", "liveactivity");
    let cases: Vec<Case> = vec![
        (vec![la], 400, "MissingChannelId"),
        (
            vec![("apns-channel-id", "not base64!"), la],
            400,
            "BadChannelId",
        ),
        (
            vec![("apns-channel-id", "dW5rbm93bg=="), la],
            404,
            "ChannelNotRegistered",
        ),
        (
            vec![("apns-channel-id", &deleted), la],
            404,
            "ChannelNotRegistered",
        ),
        (
            vec![("apns-channel-id", &other_app), la],
            404,
            "ChannelNotRegistered",
        ),
        (vec![("apns-channel-id", &live)], 400, "MissingPushType"),
        (
            vec![("apns-channel-id", &live), ("apns-push-type", "alert")],
            400,
            "InvalidPushType",
        ),
    ];
    for (headers, status, reason) in cases {
        assert_eq!(
            broadcast(&mut conn, BUNDLE, &headers),
            (status, reason.to_owned()),
            "{headers:?}"
        );
    }
    assert!(m.broadcasts().is_empty());
    assert_eq!(m.accepted_count(), 0);
    let rejected = m.http2_rejected();
    assert_eq!(rejected.len(), 7);
    assert_eq!(rejected[0].reason, "MissingChannelId");
}

#[test]
fn broadcasts_need_auth_as_pushes_do() {
    let m = MockServer::start(MockOptions::http2().with_token_auth()).unwrap();
    let id = m.add_channel(BUNDLE, 0).unwrap();
    let mut conn = gateway(&m);
    let h = [
        ("apns-channel-id", id.as_str()),
        ("apns-push-type", "liveactivity"),
    ];
    assert_eq!(
        broadcast(&mut conn, BUNDLE, &h),
        (403, "MissingProviderToken".to_owned())
    );
    assert!(m.broadcasts().is_empty());
}
