//! Every bad input is refused at construction with a typed error.

use apnspush::{Config, ErrorKind, Notification, NotificationBuilder};

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

#[test]
fn expiry_unset_is_distinct_from_zero() {
    let b = || Notification::builder().token_hex(TOKEN).payload_json("{}");
    assert_eq!(b().build().unwrap().expiry(), None);
    assert_eq!(b().expiry(0).build().unwrap().expiry(), Some(0));
    assert_eq!(
        b().expiry(2_000_000_000).build().unwrap().expiry(),
        Some(2_000_000_000)
    );
    assert_eq!(Notification::new(TOKEN, "{}").unwrap().expiry(), None);
}

#[test]
fn push_type_is_inferred_from_aps() {
    let json = |p: &str| Notification::new(TOKEN, p).unwrap();
    let typed = |n: Notification| (n.push_type().map(str::to_owned), n.priority());
    let alert = (Some("alert".to_owned()), 10);
    let background = (Some("background".to_owned()), 5);
    let none = (None, 10);
    assert_eq!(typed(json(r#"{"aps":{"alert":"hi"}}"#)), alert);
    assert_eq!(typed(json(r#"{"aps":{"sound":"default"}}"#)), alert);
    assert_eq!(typed(json(r#"{"aps":{"badge":0}}"#)), alert);
    assert_eq!(
        typed(json(
            r#"{"aps":{"alert":{"body":"b"},"content-available":1}}"#
        )),
        alert
    );
    assert_eq!(
        typed(json(r#"{"aps":{"content-available":1}}"#)),
        background
    );
    assert_eq!(
        typed(json(
            r#"{"x":{"aps":{"alert":"nested"}},"aps":{"content-available":1},"y":[1]}"#
        )),
        background
    );
    assert_eq!(typed(json(r#"{"aps":{"content-available":0}}"#)), none);
    assert_eq!(typed(json(r#"{"aps":{"category":"c"}}"#)), none);
    assert_eq!(typed(json(r#"{"aps":"text"}"#)), none);
    assert_eq!(typed(json(r#"{"data":1}"#)), none);
    assert_eq!(typed(json("{}")), none);
    let b = || Notification::builder().token_hex(TOKEN);
    assert_eq!(typed(b().alert_body("hi").build().unwrap()), alert);
    assert_eq!(typed(b().badge(1).build().unwrap()), alert);
    assert_eq!(
        typed(b().content_available(true).build().unwrap()),
        background
    );
    assert_eq!(
        typed(b().content_available(true).sound("s").build().unwrap()),
        alert
    );
    assert_eq!(typed(b().category("c").build().unwrap()), none);
    // A push type that is set wins over the payload.
    let voip = b().alert_body("call").push_type("voip").build().unwrap();
    assert_eq!(typed(voip), (Some("voip".to_owned()), 10));
    // An explicit priority 5 or 1 stays.
    let quiet = b().content_available(true).priority(1).build().unwrap();
    assert_eq!(typed(quiet), (Some("background".to_owned()), 1));
}

#[test]
fn background_with_priority_10_is_refused() {
    let b = || Notification::builder().token_hex(TOKEN);
    for built in [
        b().content_available(true).priority(10).build(),
        b().payload_json(r#"{"aps":{"content-available":1}}"#)
            .priority(10)
            .build(),
        b().payload_json("{}")
            .push_type("background")
            .priority(10)
            .build(),
    ] {
        let e = built.expect_err("background at priority 10");
        assert_eq!(e.kind(), ErrorKind::InvalidArgument);
        assert!(e.message().contains("priority 10"), "{}", e.message());
        assert!(e.message().contains("background"), "{}", e.message());
    }
    let set = b()
        .payload_json("{}")
        .push_type("background")
        .build()
        .unwrap();
    assert_eq!((set.push_type(), set.priority()), (Some("background"), 5));
}

#[test]
fn header_values_are_bounded() {
    use apnspush::notification::{APNS_ID_LEN, COLLAPSE_ID_MAX, PUSH_TYPES, TOPIC_MAX};
    let b = || Notification::builder().token_hex(TOKEN).payload_json("{}");
    let refused = |n: apnspush::Result<Notification>, needle: &str| {
        let e = n.expect_err(needle);
        assert_eq!(e.kind(), ErrorKind::InvalidArgument, "{e}");
        assert!(e.message().contains(needle), "{e}");
        assert!(e.message().len() < 300, "message echoes the value: {e}");
    };
    assert!(b().topic(&"t".repeat(TOPIC_MAX)).build().is_ok());
    refused(b().topic(&"t".repeat(TOPIC_MAX + 1)).build(), "255");
    refused(b().topic(&"t".repeat(100_000)).build(), "limit");
    assert!(b()
        .collapse_id(&"c".repeat(COLLAPSE_ID_MAX))
        .build()
        .is_ok());
    refused(
        b().collapse_id(&"c".repeat(COLLAPSE_ID_MAX + 1)).build(),
        "64",
    );
    refused(b().collapse_id("a\r\nb").build(), "control");
    let uuid = "123e4567-e89b-12d3-a456-426614174000";
    assert_eq!(uuid.len(), APNS_ID_LEN);
    assert!(b().apns_id(uuid).build().is_ok());
    for bad in [
        &uuid[..35],
        "123e4567e89b12d3a456426614174000",
        "123e4567-e89b-12d3-a456-42661417400g",
        "123e4567-e89b-12d3-a456-4266141740000",
        "123e456-7e89b-12d3-a456-426614174000",
    ] {
        refused(b().apns_id(bad).build(), "not a UUID");
    }
    refused(b().apns_id(&"a".repeat(100_000)).build(), "not a UUID");
    assert_eq!(PUSH_TYPES.len(), 11);
    // liveactivity has rules of its own (core/tests/live_activity.rs).
    for t in PUSH_TYPES.into_iter().filter(|t| *t != "liveactivity") {
        let n = b().push_type(t).priority(5).build().unwrap();
        assert_eq!(n.push_type(), Some(t));
    }
    assert!(b().push_type("controls").build().is_ok());
    refused(b().push_type("Alert").build(), "unknown push type");
    refused(b().push_type("").build(), "unknown push type");
}

#[test]
fn config_topic_is_bounded() {
    use apnspush::notification::TOPIC_MAX;
    let mut c = Config::new();
    assert!(c.set("topic", &"t".repeat(TOPIC_MAX)).is_ok());
    let e = c.set("topic", &"t".repeat(TOPIC_MAX + 1)).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidConfigValue);
    assert!(e.message().contains("255 bytes"), "{e}");
    let e = c.set("topic", &"t".repeat(100_000)).unwrap_err();
    assert!(e.message().len() < 200, "{e}");
    assert!(c.set("topic", "com.example app").is_err());
}

#[test]
fn a_payload_with_the_fields_it_is_built_from_is_refused() {
    let with_payload = || Notification::builder().token_hex(TOKEN).payload_json("{}");
    let cases: Vec<(&str, NotificationBuilder)> = vec![
        ("alert title", with_payload().alert_title("t")),
        ("alert body", with_payload().alert_body("b")),
        ("badge", with_payload().badge(1)),
        ("sound", with_payload().sound("s")),
        ("category", with_payload().category("c")),
        ("thread-id", with_payload().thread_id("t")),
        ("content-available", with_payload().content_available(false)),
        ("mutable-content", with_payload().mutable_content(true)),
        ("custom keys", with_payload().custom_json("k", "1")),
        // The order of the calls does not matter.
        (
            "badge",
            Notification::builder()
                .token_hex(TOKEN)
                .badge(2)
                .payload_json("{}"),
        ),
    ];
    for (field, builder) in cases {
        let err = builder.build().unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidArgument, "{field}");
        assert!(err.to_string().contains(field), "{field}: {err}");
    }
    // Either alone is fine; options that are not payload fields go with a payload.
    assert!(with_payload()
        .topic("t")
        .priority(5)
        .collapse_id("c")
        .build()
        .is_ok());
    assert!(Notification::builder()
        .token_hex(TOKEN)
        .badge(1)
        .build()
        .is_ok());
}

#[test]
fn invalid_aps_values_are_refused_naming_the_field() {
    let b = || Notification::builder().token_hex(TOKEN).alert_body("b");
    let cases: Vec<(&str, NotificationBuilder)> = vec![
        ("sound volume", b().sound_critical("siren", 1.01)),
        ("sound volume", b().sound_critical("siren", -0.01)),
        ("sound volume", b().sound_critical("siren", f64::NAN)),
        ("sound volume", b().sound_critical("siren", f64::INFINITY)),
        ("sound name", b().sound_critical("", 0.5)),
        ("relevance-score", b().relevance_score(1.5)),
        ("relevance-score", b().relevance_score(-0.1)),
        ("relevance-score", b().relevance_score(f64::NAN)),
        ("interruption-level", b().interruption_level("loud")),
        ("interruption-level", b().interruption_level("Active")),
        ("interruption-level", b().interruption_level("")),
        ("alert title-loc-key", b().alert_title_loc_key("")),
        ("alert subtitle-loc-key", b().alert_subtitle_loc_key("")),
        ("alert loc-key", b().alert_loc_key("")),
        ("alert title-loc-args", b().alert_title_loc_args(&["a"])),
        (
            "alert subtitle-loc-args",
            b().alert_subtitle_loc_args(&["a"]),
        ),
        ("alert loc-args", b().alert_loc_args(&["a"])),
        // An invalid value is reported even when a later call sets a valid one.
        (
            "sound volume",
            b().sound_critical("siren", 2.0)
                .sound_critical("siren", 1.0),
        ),
    ];
    for (field, builder) in cases {
        let err = builder.build().unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidArgument, "{field}: {err}");
        assert!(err.to_string().contains(field), "{field}: {err}");
    }
}

#[test]
fn aps_ranges_are_inclusive() {
    let b = || Notification::builder().token_hex(TOKEN);
    for v in [0.0, 0.25, 1.0] {
        assert!(b().sound_critical("s", v).build().is_ok(), "{v}");
        assert!(b().relevance_score(v).build().is_ok(), "{v}");
    }
    for level in apnspush::notification::INTERRUPTION_LEVELS {
        assert!(b().interruption_level(level).build().is_ok(), "{level}");
    }
}

#[test]
fn sound_name_and_dictionary_last_call_wins() {
    let sound = |b: NotificationBuilder| {
        let n = b.token_hex(TOKEN).build().unwrap();
        let v: serde_json::Value = serde_json::from_slice(n.payload()).unwrap();
        v["aps"]["sound"].clone()
    };
    assert_eq!(
        sound(Notification::builder().sound("a").sound_critical("b", 0.5)),
        serde_json::json!({"critical": 1, "name": "b", "volume": 0.5})
    );
    assert_eq!(
        sound(Notification::builder().sound_critical("b", 0.5).sound("a")),
        serde_json::json!("a")
    );
}

#[test]
fn a_large_loc_args_array_is_refused_by_size() {
    let args: Vec<String> = (0..300).map(|i| format!("argument-{i:05}")).collect();
    let b = || Notification::builder().token_hex(TOKEN).alert_loc_key("K");
    let e = b().alert_loc_args(&args).build().unwrap_err();
    assert_eq!(e.kind(), ErrorKind::PayloadTooLarge, "{e}");
    assert!(b().alert_loc_args(&args[..100]).build().is_ok());
}

#[test]
fn a_payload_with_the_new_aps_fields_is_refused() {
    let with_payload = || Notification::builder().token_hex(TOKEN).payload_json("{}");
    let cases: Vec<(&str, NotificationBuilder)> = vec![
        ("alert subtitle", with_payload().alert_subtitle("s")),
        ("alert launch-image", with_payload().alert_launch_image("i")),
        (
            "alert title-loc-key",
            with_payload().alert_title_loc_key("k"),
        ),
        (
            "alert title-loc-args",
            with_payload().alert_title_loc_args(&["a"]),
        ),
        (
            "alert subtitle-loc-key",
            with_payload().alert_subtitle_loc_key("k"),
        ),
        (
            "alert subtitle-loc-args",
            with_payload().alert_subtitle_loc_args(&["a"]),
        ),
        ("alert loc-key", with_payload().alert_loc_key("k")),
        ("alert loc-args", with_payload().alert_loc_args(&["a"])),
        ("sound", with_payload().sound_critical("s", 1.0)),
        ("target-content-id", with_payload().target_content_id("w")),
        (
            "interruption-level",
            with_payload().interruption_level("active"),
        ),
        ("relevance-score", with_payload().relevance_score(0.5)),
        ("filter-criteria", with_payload().filter_criteria("work")),
        ("url-args", with_payload().url_args(&["a"])),
    ];
    for (field, builder) in cases {
        let err = builder.build().unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidArgument, "{field}");
        assert!(err.to_string().contains("together"), "{field}: {err}");
        assert!(err.to_string().contains(field), "{field}: {err}");
    }
}
