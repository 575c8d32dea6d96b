//! Every bad input is refused at construction with a typed error.

use apnspush::{Config, ErrorKind, Notification};

const TOKEN: &str = "0000000000000000000000000000000000000000000000000000000000000001";

fn kind(r: apnspush::Result<Notification>) -> ErrorKind {
    r.expect_err("must be refused").kind()
}

#[test]
fn good_notification_builds() {
    let n = Notification::new(TOKEN, r#"{"aps":{"alert":"hi"}}"#).unwrap();
    assert_eq!(n.token().len(), 32);
    assert_eq!(n.token_hex(), TOKEN);
    assert_eq!(n.priority(), 10);
}

#[test]
fn bad_hex_is_refused() {
    assert_eq!(
        kind(Notification::new(&TOKEN.replace('1', "z"), "{}")),
        ErrorKind::BadToken
    );
    assert_eq!(
        kind(Notification::new(&TOKEN[1..], "{}")),
        ErrorKind::BadToken
    );
}

#[test]
fn wrong_token_length_is_refused() {
    assert_eq!(
        kind(Notification::new(&TOKEN[..62], "{}")),
        ErrorKind::BadToken
    );
    assert_eq!(
        kind(
            Notification::builder()
                .token_bytes(&[1; 101])
                .payload_json("{}")
                .build()
        ),
        ErrorKind::BadToken
    );
    assert!(Notification::builder()
        .token_bytes(&[1; 100])
        .payload_json("{}")
        .build()
        .is_ok());
    assert_eq!(
        kind(Notification::builder().payload_json("{}").build()),
        ErrorKind::BadToken
    );
}

#[test]
fn invalid_json_is_refused() {
    for bad in [
        "",
        "not json",
        "{\"a\":",
        "[1,2]",
        "\"text\"",
        "{} trailing",
    ] {
        assert_eq!(
            kind(Notification::new(TOKEN, bad)),
            ErrorKind::InvalidJson,
            "{bad:?}"
        );
    }
    let custom = Notification::builder()
        .token_hex(TOKEN)
        .custom_json("k", "{oops")
        .build();
    assert_eq!(kind(custom), ErrorKind::InvalidJson);
}

#[test]
fn oversized_payload_is_refused() {
    let big = format!("{{\"k\":\"{}\"}}", "x".repeat(4100));
    assert_eq!(
        kind(Notification::new(TOKEN, &big)),
        ErrorKind::PayloadTooLarge
    );
    let voip = Notification::builder()
        .token_hex(TOKEN)
        .payload_json(&big)
        .push_type("voip")
        .build();
    assert!(voip.is_ok());
}

#[test]
fn other_fields_are_validated() {
    let b = || Notification::builder().token_hex(TOKEN);
    assert_eq!(kind(b().priority(7).build()), ErrorKind::InvalidArgument);
    assert_eq!(
        kind(b().collapse_id(&"c".repeat(65)).build()),
        ErrorKind::InvalidArgument
    );
    assert_eq!(
        kind(b().push_type("pigeon").build()),
        ErrorKind::InvalidArgument
    );
    assert_eq!(
        kind(b().apns_id("not-a-uuid").build()),
        ErrorKind::InvalidArgument
    );
    assert!(b()
        .apns_id("123E4567-E89B-12D3-A456-426614174000")
        .build()
        .is_ok());
}

#[test]
fn payload_builder_makes_aps_json() {
    let n = Notification::builder()
        .token_hex(TOKEN)
        .alert_title("T")
        .alert_body("B")
        .badge(3)
        .sound("default")
        .category("c")
        .thread_id("t")
        .content_available(true)
        .mutable_content(true)
        .custom_json("order", "{\"id\":7}")
        .build()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(n.payload()).unwrap();
    assert_eq!(v["aps"]["alert"]["title"], "T");
    assert_eq!(v["aps"]["alert"]["body"], "B");
    assert_eq!(v["aps"]["badge"], 3);
    assert_eq!(v["aps"]["sound"], "default");
    assert_eq!(v["aps"]["category"], "c");
    assert_eq!(v["aps"]["thread-id"], "t");
    assert_eq!(v["aps"]["content-available"], 1);
    assert_eq!(v["aps"]["mutable-content"], 1);
    assert_eq!(v["order"]["id"], 7);
}

#[test]
fn config_keys_are_validated() {
    let mut c = Config::new();
    assert_eq!(
        c.set("nope", "1").unwrap_err().kind(),
        ErrorKind::UnknownConfigKey
    );
    assert_eq!(
        c.set("connections", "0").unwrap_err().kind(),
        ErrorKind::InvalidConfigValue
    );
    assert_eq!(
        c.set("connections", "x").unwrap_err().kind(),
        ErrorKind::InvalidConfigValue
    );
    assert_eq!(
        c.set("protocol", "smtp").unwrap_err().kind(),
        ErrorKind::InvalidConfigValue
    );
    let err = c.set("key_pem", "secret-not-pem").unwrap_err();
    assert!(
        !err.message().contains("secret"),
        "key material must not be echoed"
    );
    assert!(c.set("connections", "4").is_ok());
}

#[test]
fn every_config_key_is_documented() {
    let doc =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/CONFIG.md")).unwrap();
    for (key, _) in apnspush::config::KEYS {
        assert!(
            doc.contains(&format!("`{key}`")),
            "docs/CONFIG.md does not document {key}"
        );
    }
}

#[test]
fn bad_hex_names_the_position() {
    use apnspush::notification::hex_decode;
    assert_eq!(hex_decode("0aFf").unwrap(), vec![0x0a, 0xff]);
    assert!(hex_decode("0g")
        .unwrap_err()
        .message()
        .ends_with("position 1"));
    assert!(hex_decode("00g0")
        .unwrap_err()
        .message()
        .ends_with("position 2"));
    assert_eq!(hex_decode("abc").unwrap_err().kind(), ErrorKind::BadToken);
}
