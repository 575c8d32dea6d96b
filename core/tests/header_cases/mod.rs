//! Notifications paired with the HTTP/2 delivery headers a pusher configured with
//! `topic = TOPIC` must send for them: expiry unset vs 0, inferred push type and priority,
//! and the topic suffix each push type requires. Shared by the built-in mock and interop tests.

use apnspush::Notification;

pub const TOPIC: &str = "com.example.app";

/// What the server must see; `None` is an absent header.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Seen {
    pub expiration: Option<String>,
    pub push_type: Option<String>,
    pub topic: Option<String>,
    pub priority: Option<String>,
}

fn seen(expiration: Option<&str>, push_type: Option<&str>, topic: &str, priority: &str) -> Seen {
    Seen {
        expiration: expiration.map(str::to_owned),
        push_type: push_type.map(str::to_owned),
        topic: Some(topic.to_owned()),
        priority: Some(priority.to_owned()),
    }
}

/// The cases, each with a distinct token whose first byte is `first` (index in byte 1).
pub fn cases(first: u8) -> Vec<(Vec<u8>, Notification, Seen)> {
    let alert = r#"{"aps":{"alert":"hi"}}"#;
    let silent = r#"{"aps":{"content-available":1}}"#;
    let base = |json: &str| Notification::builder().payload_json(json);
    let suffixed = |t: &str| format!("{TOPIC}{t}");
    let table = vec![
        (base(alert), seen(None, Some("alert"), TOPIC, "10")),
        (
            base(alert).expiry(0),
            seen(Some("0"), Some("alert"), TOPIC, "10"),
        ),
        (
            base(alert).expiry(2_000_000_000),
            seen(Some("2000000000"), Some("alert"), TOPIC, "10"),
        ),
        (base(silent), seen(None, Some("background"), TOPIC, "5")),
        (
            base(r#"{"aps":{"category":"c"}}"#),
            seen(None, None, TOPIC, "10"),
        ),
        (
            base(alert).push_type("voip"),
            seen(None, Some("voip"), &suffixed(".voip"), "10"),
        ),
        (
            base(alert).push_type("complication"),
            seen(None, Some("complication"), &suffixed(".complication"), "10"),
        ),
        (
            base(silent).push_type("fileprovider").priority(5),
            seen(
                None,
                Some("fileprovider"),
                &suffixed(".pushkit.fileprovider"),
                "5",
            ),
        ),
        (
            base(r#"{"aps":{"event":"end","timestamp":1}}"#),
            seen(
                None,
                Some("liveactivity"),
                &suffixed(".push-type.liveactivity"),
                "10",
            ),
        ),
        (
            base("{}").push_type("location"),
            seen(None, Some("location"), &suffixed(".location-query"), "10"),
        ),
        (
            base(alert).push_type("pushtotalk"),
            seen(None, Some("pushtotalk"), &suffixed(".voip-ptt"), "10"),
        ),
        (
            base(alert).push_type("widgets"),
            seen(None, Some("widgets"), TOPIC, "10"),
        ),
        // A topic the notification sets is sent as is.
        (
            base(alert).push_type("voip").topic("com.other.app"),
            seen(None, Some("voip"), "com.other.app", "10"),
        ),
    ];
    table
        .into_iter()
        .enumerate()
        .map(|(i, (b, want))| {
            let mut token = vec![first; 32];
            token[1] = i as u8;
            let n = b.token_bytes(&token).user_data(i as u64).build().unwrap();
            (token, n, want)
        })
        .collect()
}
