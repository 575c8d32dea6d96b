//! `apnspush channels create|get|list|delete` against the built-in mock's channel registry.

mod common;
use apnspush::mock::MockOptions;
use common::*;

fn stdout(out: &std::process::Output) -> String {
    String::from_utf8(out.stdout.clone()).unwrap()
}

#[test]
fn channels_are_created_read_listed_and_deleted_with_apples_errors_exiting_1() {
    let dir = Scratch::new("channels");
    let server = mock(MockOptions {
        max_channels: 2,
        ..MockOptions::http2()
    });
    config_file(&server, &dir.path("mock.json"));
    let config = dir.s("mock.json");
    let channels = |args: &[&str]| {
        let mut all = vec!["channels"];
        all.extend_from_slice(args);
        all.extend_from_slice(&["--config", &config, "--topic", "com.example.app"]);
        run(&all)
    };
    let out = channels(&["create"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let first = stdout(&out).trim_end().to_owned();
    let out = channels(&["create", "--policy", "1"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let second = stdout(&out).trim_end().to_owned();
    assert_eq!(
        server.channel_ids("com.example.app"),
        [first.clone(), second.clone()]
    );
    let out = channels(&["list"]);
    assert_eq!(stdout(&out), format!("{first}\n{second}\n"));
    let out = channels(&["get", &second]);
    let info: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(
        info,
        serde_json::json!({"channel-id": second, "message-storage-policy": 1, "push-type": "LiveActivity"})
    );
    // The mock's limit of 2: Apple's refusal, exit 1, nothing on stdout.
    let out = channels(&["create"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("CannotCreateChannelConfig"),
        "{}",
        stderr(&out)
    );
    assert_eq!(stdout(&out), "");
    let out = channels(&["delete", &first]);
    assert_eq!((out.status.code(), stdout(&out)), (Some(0), String::new()));
    assert_eq!(server.channel_ids("com.example.app"), [second]);
    let out = channels(&["get", &first]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("ChannelNotRegistered"),
        "{}",
        stderr(&out)
    );
    // Usage errors exit 2 before connecting.
    assert_eq!(
        channels(&["create", "--policy", "2"]).status.code(),
        Some(2)
    );
    assert_eq!(channels(&["get", "not base64!"]).status.code(), Some(2));
    let out = run(&["channels", "list", "--config", &config]);
    assert_eq!(out.status.code(), Some(2), "no topic: {}", stderr(&out));
}
