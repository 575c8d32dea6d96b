//! Every exit code of `apnspush send`, and where the configuration comes from (flags over
//! environment over file; secrets refused on the command line and never echoed).

mod common;
use apnspush::mock::MockOptions;
use common::*;

fn write_lines(path: &std::path::Path, tokens: &[String]) {
    let text: String = tokens
        .iter()
        .map(|t| format!("{{\"token\":\"{t}\",\"alert\":\"x\",\"topic\":\"com.example\"}}\n"))
        .collect();
    std::fs::write(path, text).unwrap();
}

#[test]
fn zero_when_all_are_accepted_one_when_some_are_rejected() {
    let dir = Scratch::new("exit01");
    let server = mock(MockOptions::http2());
    config_file(&server, &dir.path("mock.json"));
    let config = dir.path("mock.json");
    write_lines(&dir.path("ok.jsonl"), &[token(1), token(2)]);
    let out = run(&[
        "send",
        "-q",
        "--config",
        config.to_str().unwrap(),
        dir.path("ok.jsonl").to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stderr(&out), "", "--quiet prints nothing");
    server.reject_token_http2(
        &apnspush::notification::hex_decode(&token(2)).unwrap(),
        410,
        "Unregistered",
    );
    let out = run(&[
        "send",
        "--config",
        config.to_str().unwrap(),
        dir.path("ok.jsonl").to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains("Unregistered"), "{}", stderr(&out));
    assert_eq!(server.accepted_count(), 3);
}

#[test]
fn two_for_usage_configuration_and_input_errors() {
    let dir = Scratch::new("exit2");
    let server = mock(MockOptions::http2());
    config_file(&server, &dir.path("mock.json"));
    let config = dir.path("mock.json");
    let config = config.to_str().unwrap();
    write_lines(&dir.path("ok.jsonl"), &[token(1)]);
    let ok = dir.path("ok.jsonl");
    let ok = ok.to_str().unwrap();
    let expect2 = |args: &[&str], want: &str| {
        let out = run(args);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(want), "{args:?}: {err}");
        err
    };
    expect2(&["send"], "Usage");
    expect2(&["send", "--bogus", ok], "--bogus");
    expect2(
        &["send", "--config", config, "/nonexistent/in.jsonl"],
        "cannot open /nonexistent/in.jsonl",
    );
    std::fs::write(dir.path("bad.toml"), "hots = \"127.0.0.1\"\n").unwrap();
    expect2(
        &[
            "send",
            "--config",
            dir.path("bad.toml").to_str().unwrap(),
            ok,
        ],
        "unknown configuration key \"hots\"",
    );
    expect2(
        &["send", "--config", config, "--set", "connections=0", ok],
        "--set connections",
    );
    let err = expect2(
        &[
            "send",
            "--config",
            config,
            "--set",
            "key_pem=-----BEGIN PRIVATE KEY-----TOPSECRET",
            ok,
        ],
        "--set key_pem: secret keys are refused on the command line",
    );
    assert!(!err.contains("TOPSECRET"), "{err}");
    // No valid line at all.
    std::fs::write(dir.path("none.jsonl"), "{}\nnope\n").unwrap();
    expect2(
        &[
            "send",
            "--config",
            config,
            dir.path("none.jsonl").to_str().unwrap(),
        ],
        "line 2:",
    );
    // --strict stops at the first bad line; the good line before it was still sent.
    std::fs::write(
        dir.path("mixed.jsonl"),
        format!(
            "{}\n{{\"token\":\"zz\"}}\n",
            std::fs::read_to_string(ok).unwrap().trim()
        ),
    )
    .unwrap();
    let mixed = dir.path("mixed.jsonl");
    expect2(
        &[
            "send",
            "--strict",
            "--config",
            config,
            mixed.to_str().unwrap(),
            "-o",
            dir.path("o.jsonl").to_str().unwrap(),
        ],
        "line 2:",
    );
    let mut kinds: Vec<_> = outcomes(&dir.path("o.jsonl"))
        .iter()
        .map(|o| o["kind"].as_str().unwrap().to_string())
        .collect();
    kinds.sort();
    assert_eq!(kinds, ["accepted", "invalid"]);
    // Without --strict the bad line is skipped and counted: exit 1.
    let out = run(&["send", "--config", config, mixed.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains(&format!("invalid lines{:>21}", 1)),
        "{}",
        stderr(&out)
    );
}

#[test]
fn three_when_the_gateway_cannot_be_reached() {
    let dir = Scratch::new("exit3");
    let server = mock(MockOptions::http2());
    config_file(&server, &dir.path("mock.json"));
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port().to_string();
    drop(closed);
    write_lines(&dir.path("ok.jsonl"), &[token(1)]);
    let args = ["send", "--config", &dir.s("mock.json"), &dir.s("ok.jsonl")];
    let out = command(&args)
        .args(["--set", &format!("port={port}")])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(stderr(&out).contains("(CONNECT)"), "{}", stderr(&out));
    // The environment overrides the file: the wrong port from APNSPUSH_PORT fails too...
    let out = command(&args).env("APNSPUSH_PORT", &port).output().unwrap();
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    // ...and a flag overrides the environment.
    let out = command(&args)
        .env("APNSPUSH_PORT", &port)
        .args(["--set", &format!("port={}", server.port())])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(server.accepted_count(), 1);
}
