//! `apnspush mock` (the same command as `apnspush-mock`) and `apnspush feedback`.

mod common;
use common::*;
use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};

#[test]
fn mock_prints_a_usable_config_and_feedback_prints_its_tuples() {
    let dir = Scratch::new("mock");
    let a = "aa".repeat(32);
    let b = "bb".repeat(32);
    let mut child = Command::new(BIN)
        .args([
            "mock",
            "--feedback",
            &format!("1700000000:{a}"),
            "--feedback",
            &format!("1700000001:{b}"),
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    stdout.read_line(&mut line).unwrap();
    std::fs::write(dir.path("mock.json"), &line).unwrap();
    let config: serde_json::Value = serde_json::from_str(&line).unwrap();
    assert_eq!(config["protocol"], "binary");
    let out = run(&["feedback", "--config", &dir.s("mock.json")]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        format!("1700000000 {a}\n1700000001 {b}\n")
    );
    // A binary send through the same mock, then the summary when stdin closes.
    std::fs::write(
        dir.path("in.jsonl"),
        format!("{{\"token\":\"{}\",\"alert\":\"x\"}}\n", token(1)),
    )
    .unwrap();
    let out = run(&["send", "--config", &dir.s("mock.json"), &dir.s("in.jsonl")]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    child.stdin.take().unwrap().flush().unwrap();
    let mut summary = String::new();
    stdout.read_line(&mut summary).unwrap();
    assert!(child.wait().unwrap().success());
    let summary: serde_json::Value = serde_json::from_str(&summary).unwrap();
    assert_eq!(summary["accepted"], 1);
}

#[test]
fn mock_help_and_bad_flags_behave_like_apnspush_mock() {
    let out = Command::new(BIN).args(["mock", "--help"]).output().unwrap();
    let help = String::from_utf8(out.stdout).unwrap();
    assert!(
        out.status.success()
            && help.contains("usage: apnspush mock [--reject TOKENHEX:STATUS]")
            && help.contains("--http2"),
        "{help}"
    );
    let out = Command::new(BIN)
        .args(["mock", "--bogus"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("unknown argument --bogus"));
}

#[test]
fn feedback_exits_3_when_the_service_cannot_be_reached() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port().to_string();
    drop(closed);
    let out = run(&[
        "feedback",
        "--set",
        "feedback_host=127.0.0.1",
        "--set",
        &format!("feedback_port={port}"),
    ]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
}
