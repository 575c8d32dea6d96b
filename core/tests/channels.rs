//! Broadcast channel management (`apnspush::Channels`) against the mock's management API:
//! each verb, Apple's refusals as `Rejected` errors with status and reason, the channel limit,
//! auth refused, one resend after a GOAWAY or a lost idempotent request, and what the mock's
//! registry holds afterwards.

mod common;

use apnspush::channels::MAX_CHANNELS;
use apnspush::mock::{MockOptions, MockServer};
use apnspush::{Channels, Config, ErrorKind, MessageStoragePolicy};
use common::*;
use serde_json::Value;
use std::time::Duration;

const BUNDLE: &str = "com.example.mock"; // MockJwt's topic

fn channels(m: &MockServer, extra: &[(&str, &str)]) -> Channels {
    Channels::connect(&config(m, extra)).expect("channel client connects")
}

fn registry(m: &MockServer) -> Value {
    serde_json::from_str(&m.channels_json()).unwrap()
}

/// The `Rejected` error's (status, reason), checking its kind and message.
fn rejected(e: apnspush::Error) -> (u16, String) {
    assert_eq!(e.kind(), ErrorKind::Rejected, "{e}");
    let (status, reason) = (e.status().unwrap(), e.reason().unwrap().to_owned());
    assert_eq!(e.message(), format!("{reason} (status {status})"));
    (status, reason)
}

#[test]
fn create_get_list_delete_with_token_auth() {
    let m = mock(MockOptions::http2().with_token_auth());
    let ch = channels(&m, &[]);
    assert_eq!(ch.bundle_id(), BUNDLE);
    let none = ch.create(MessageStoragePolicy::NoMessageStored).unwrap();
    let recent = ch
        .create(MessageStoragePolicy::MostRecentMessageStored)
        .unwrap();
    assert_ne!(none, recent);
    let info = ch.get(&none).unwrap();
    assert_eq!(info.channel_id, none);
    assert_eq!(
        info.message_storage_policy,
        MessageStoragePolicy::NoMessageStored
    );
    assert_eq!(info.push_type, "LiveActivity");
    assert_eq!(
        ch.get(&recent).unwrap().message_storage_policy,
        MessageStoragePolicy::MostRecentMessageStored
    );
    assert_eq!(ch.list().unwrap(), vec![none.clone(), recent.clone()]);
    assert_eq!(m.channel_ids(BUNDLE), vec![none.clone(), recent.clone()]);

    ch.delete(&none).unwrap();
    let (status, reason) = rejected(ch.get(&none).unwrap_err());
    assert_eq!((status, reason.as_str()), (404, "ChannelNotRegistered"));
    let (status, reason) = rejected(ch.delete(&none).unwrap_err());
    assert_eq!((status, reason.as_str()), (404, "ChannelNotRegistered"));
    assert_eq!(ch.list().unwrap(), vec![recent.clone()]);

    let r = registry(&m);
    assert_eq!(r["apps"][BUNDLE].as_array().unwrap().len(), 1);
    assert_eq!(r["apps"][BUNDLE][0]["channel-id"], recent.as_str());
    assert_eq!(r["apps"][BUNDLE][0]["message-storage-policy"], 1);
    assert_eq!(r["deleted"][BUNDLE][0], none.as_str());
    // 2 creates, 3 gets (2 found), 2 lists, 2 deletes (1 found).
    assert_eq!(r["management_answers"]["201"], 2);
    assert_eq!(r["management_answers"]["200"], 4);
    assert_eq!(r["management_answers"]["204"], 1);
    assert_eq!(r["management_answers"]["404"], 2);
    // Management connections are not gateway connections, and the client broke no rule.
    assert_eq!(m.connections(), 0);
    assert_eq!(m.http2_counts().protocol_errors, 0);
    assert_eq!(m.tokens_seen(), 1);
}

#[test]
fn certificate_auth_and_a_suffixed_topic() {
    let m = mock(MockOptions::http2());
    let ch = channels(&m, &[("topic", "com.example.cert.push-type.liveactivity")]);
    assert_eq!(ch.bundle_id(), "com.example.cert");
    let id = ch.create(MessageStoragePolicy::NoMessageStored).unwrap();
    assert_eq!(m.channel_ids("com.example.cert"), vec![id.clone()]);
    assert_eq!(ch.list().unwrap(), vec![id]);
}

#[test]
fn the_channel_limit_is_a_typed_refusal() {
    let m = mock(MockOptions {
        max_channels: 2,
        ..MockOptions::http2().with_token_auth()
    });
    let ch = channels(&m, &[]);
    for _ in 0..2 {
        ch.create(MessageStoragePolicy::NoMessageStored).unwrap();
    }
    let (status, reason) = rejected(
        ch.create(MessageStoragePolicy::NoMessageStored)
            .unwrap_err(),
    );
    assert_eq!(
        (status, reason.as_str()),
        (400, "CannotCreateChannelConfig")
    );
    assert_eq!(ch.list().unwrap().len(), 2);
    assert_eq!(registry(&m)["limit"], 2);
    assert_eq!(MockOptions::default().max_channels, MAX_CHANNELS);
}

#[test]
fn unknown_and_malformed_channel_ids() {
    let m = mock(MockOptions::http2().with_token_auth());
    let ch = channels(&m, &[]);
    let (status, reason) = rejected(ch.get("dW5rbm93biBjaGFubmVs").unwrap_err());
    assert_eq!((status, reason.as_str()), (404, "ChannelNotRegistered"));
    // Not base64: refused at the call, nothing sent.
    for bad in ["", "not base64!", "a\nb"] {
        assert_eq!(ch.get(bad).unwrap_err().kind(), ErrorKind::InvalidArgument);
        assert_eq!(
            ch.delete(bad).unwrap_err().kind(),
            ErrorKind::InvalidArgument
        );
    }
    let answers = &registry(&m)["management_answers"];
    assert_eq!(answers.as_object().unwrap().len(), 1);
    assert_eq!(answers["404"], 1);
}

#[test]
fn topic_is_required() {
    let m = mock(MockOptions::http2());
    let e = Channels::connect(&config(&m, &[])).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidConfigValue);
    assert!(e.message().contains("topic"), "{e}");
}

#[test]
fn bad_auth_is_refused() {
    // A provider token signed by a key the mock does not know: 403 InvalidProviderToken.
    let m = mock(MockOptions::http2().with_token_auth());
    let other_key = apnspush::http2::jwt::generate_test_key_pem();
    let ch = channels(&m, &[("auth_key_pem", &other_key)]);
    let (status, reason) = rejected(
        ch.create(MessageStoragePolicy::NoMessageStored)
            .unwrap_err(),
    );
    assert_eq!((status, reason.as_str()), (403, "InvalidProviderToken"));
    assert!(m.channel_ids(BUNDLE).is_empty());

    // No client certificate where one is required: the TLS session is refused.
    let m = mock(MockOptions::http2());
    let mut c = config(&m, &[("topic", "com.example.cert")]);
    c.set("cert_pem", "").unwrap();
    c.set("key_pem", "").unwrap();
    let e = Channels::connect(&c).unwrap_err();
    assert!(
        matches!(e.kind(), ErrorKind::Credentials | ErrorKind::Tls),
        "{e}"
    );
}

#[test]
fn a_goaway_is_followed_by_a_new_connection() {
    // The mock ends each connection after one request (GOAWAY, then close).
    let m = mock(MockOptions {
        goaway_after: Some(1),
        goaway_grace: Duration::from_millis(50),
        ..MockOptions::http2().with_token_auth()
    });
    let ch = channels(&m, &[]);
    let a = ch.create(MessageStoragePolicy::NoMessageStored).unwrap();
    let b = ch.create(MessageStoragePolicy::NoMessageStored).unwrap();
    assert_eq!(ch.list().unwrap(), vec![a, b]);
    let r = registry(&m);
    assert_eq!(r["management_answers"]["201"], 2);
    assert_eq!(r["management_answers"]["200"], 1);
}

#[test]
fn a_lost_request_is_resent_once_if_idempotent() {
    // The mock drops each connection after processing one request, before its answer.
    let m = mock(MockOptions {
        drop_after: Some(1),
        ..MockOptions::http2().with_token_auth()
    });
    let ch = channels(&m, &[]);
    let e = ch.list().unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Io, "{e}");
    assert_eq!(registry(&m)["management_answers"]["200"], 2, "one resend");
    // A create may have been processed: never sent twice.
    let e = ch
        .create(MessageStoragePolicy::NoMessageStored)
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Io, "{e}");
    assert_eq!(m.channel_ids(BUNDLE).len(), 1);
}

#[test]
fn response_timeout_bounds_each_request() {
    let m = mock(MockOptions {
        response_delay: Duration::from_secs(5),
        ..MockOptions::http2().with_token_auth()
    });
    let ch = channels(&m, &[("response_timeout_ms", "200")]);
    let e = ch.list().unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Timeout, "{e}");
}

#[test]
fn closed_and_unreachable() {
    let m = mock(MockOptions::http2().with_token_auth());
    let ch = channels(&m, &[]);
    ch.close();
    ch.close();
    assert_eq!(ch.list().unwrap_err().kind(), ErrorKind::Closed);
    let port = m.channel_port().to_string();
    drop(m);
    let c = Config::from_pairs([
        ("host", "127.0.0.1"),
        ("channel_host", "127.0.0.1"),
        ("channel_port", port.as_str()),
        ("topic", BUNDLE),
        ("connect_timeout_ms", "2000"),
    ])
    .unwrap();
    assert_eq!(
        Channels::connect(&c).unwrap_err().kind(),
        ErrorKind::Connect
    );
}

#[test]
fn apple_hosts_by_environment() {
    let prod = Config::new();
    assert_eq!(prod.channel_host(), "api-manage-broadcast.push.apple.com");
    assert_eq!(prod.channel_port(), 2196);
    let sandbox = Config::from_pairs([("environment", "sandbox")]).unwrap();
    assert_eq!(
        sandbox.channel_host(),
        "api-manage-broadcast.sandbox.push.apple.com"
    );
    assert_eq!(sandbox.channel_port(), 2195);
    let mut c = Config::new();
    assert_eq!(
        c.set("channel_port", "70000").unwrap_err().kind(),
        ErrorKind::InvalidConfigValue
    );
    c.set("channel_port", "8443").unwrap();
    assert_eq!(c.channel_port(), 8443);
}
