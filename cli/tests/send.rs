//! `apnspush send` end to end against the built-in HTTP/2 mock: the outcome file is complete
//! and exact, CSV rows are templated into the payloads the mock records, and a dry run reports
//! bad lines by number without connecting.

mod common;
use apnspush::mock::MockOptions;
use common::*;
use std::collections::HashMap;
use std::io::Write;

#[test]
fn a_100000_line_file_with_bad_tokens_gets_one_exact_outcome_line_per_line() {
    let dir = Scratch::new("bulk");
    let server = mock(MockOptions {
        record_payloads: false,
        ..MockOptions::http2()
    });
    config_file(&server, &dir.path("mock.json"));
    const N: u64 = 100_000;
    let bad_token = |i: u64| i % 10_007 == 5;
    let bad_line = |i: u64| i % 25_000 == 17;
    for i in (0..N).filter(|i| bad_token(*i)) {
        let token = apnspush::notification::hex_decode(&token(i)).unwrap();
        server.reject_token_http2(&token, 400, "BadDeviceToken");
    }
    let mut input = std::io::BufWriter::new(std::fs::File::create(dir.path("in.jsonl")).unwrap());
    for i in 0..N {
        if bad_line(i) {
            writeln!(
                input,
                r#"{{"ref":"r{i}","token":"{}","badge":"one"}}"#,
                token(i)
            )
            .unwrap();
        } else {
            writeln!(
                input,
                r#"{{"ref":"r{i}","token":"{}","alert":"n{i}","topic":"com.example"}}"#,
                token(i)
            )
            .unwrap();
        }
    }
    drop(input);
    let out = run(&[
        "send",
        "--config",
        dir.path("mock.json").to_str().unwrap(),
        dir.path("in.jsonl").to_str().unwrap(),
        "--output",
        dir.path("out.jsonl").to_str().unwrap(),
    ]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    let lines = outcomes(&dir.path("out.jsonl"));
    assert_eq!(lines.len() as u64, N);
    let mut seen = HashMap::new();
    for o in &lines {
        let r = o["ref"].as_str().unwrap();
        let i: u64 = r[1..].parse().unwrap();
        assert!(seen.insert(i, ()).is_none(), "ref {r} twice");
        assert_eq!(o["line"], i + 1);
        assert_eq!(o["token"], token(i));
        let kind = o["kind"].as_str().unwrap();
        if bad_line(i) {
            assert_eq!(kind, "invalid", "{o}");
            assert!(o["reason"].as_str().unwrap().contains("badge"), "{o}");
            assert!(err.contains(&format!("line {}: badge", i + 1)), "{err}");
        } else if bad_token(i) {
            assert_eq!(
                (kind, &o["status"], &o["reason"]),
                ("rejected", &400.into(), &"BadDeviceToken".into()),
                "{o}"
            );
            assert_eq!(o["attempts"], 1);
        } else {
            assert_eq!(
                (kind, &o["status"], o["attempts"].as_u64()),
                ("accepted", &200.into(), Some(1)),
                "{o}"
            );
            assert_eq!(o["apns_id"].as_str().unwrap().len(), 36);
        }
    }
    let rejected = (0..N).filter(|i| bad_token(*i) && !bad_line(*i)).count();
    let invalid = (0..N).filter(|i| bad_line(*i)).count();
    assert_eq!(server.http2_rejected().len(), rejected);
    assert_eq!(
        server.accepted_count() as usize,
        N as usize - rejected - invalid
    );
    // The summary table.
    assert!(
        err.contains(&format!("  rejected{rejected:>26}\n")),
        "{err}"
    );
    assert!(
        err.contains(&format!("BadDeviceToken{:>18}", rejected)),
        "{err}"
    );
    assert!(
        err.contains("duplicates possible") && err.contains("notifications/s"),
        "{err}"
    );
}

#[test]
fn csv_rows_fill_the_template_and_the_mock_records_each_payload() {
    let dir = Scratch::new("csv");
    let server = mock(MockOptions::http2());
    config_file(&server, &dir.path("mock.json"));
    let names = ["Ann", "Bo \"the\" Best", "Cé, Dü", "back\\slash"];
    let mut csv = String::from("ref,device,name\n");
    for (i, name) in names.iter().enumerate() {
        let quoted = format!("\"{}\"", name.replace('"', "\"\""));
        csv.push_str(&format!("c{i},{},{quoted}\n", token(i as u64)));
    }
    std::fs::write(dir.path("in.csv"), csv).unwrap();
    let out = run(&[
        "send",
        "--config",
        dir.path("mock.json").to_str().unwrap(),
        "--topic",
        "com.example",
        "--csv",
        "--token-column",
        "device",
        "--template",
        r#"{"aps":{"alert":"Hi {name}!"},"who":"{name}"}"#,
        dir.path("in.csv").to_str().unwrap(),
        "-o",
        dir.path("out.jsonl").to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let mut payloads: Vec<(String, serde_json::Value)> = server
        .accepted()
        .iter()
        .map(|a| {
            (
                apnspush::notification::hex_encode(&a.token),
                serde_json::from_slice(&a.payload).unwrap(),
            )
        })
        .collect();
    payloads.sort_by(|a, b| a.0.cmp(&b.0));
    let want: Vec<_> = names
        .iter()
        .enumerate()
        .map(|(i, n)| {
            (
                token(i as u64),
                serde_json::json!({"aps":{"alert":format!("Hi {n}!")},"who":n}),
            )
        })
        .collect();
    assert_eq!(payloads, want);
    let lines = outcomes(&dir.path("out.jsonl"));
    let mut refs: Vec<_> = lines
        .iter()
        .map(|o| {
            (
                o["ref"].as_str().unwrap().to_string(),
                o["line"].as_u64().unwrap(),
            )
        })
        .collect();
    refs.sort();
    assert_eq!(
        refs,
        [
            ("c0".into(), 2),
            ("c1".into(), 3),
            ("c2".into(), 4),
            ("c3".into(), 5)
        ]
    );
    // A template field that is not a column is a usage error naming it.
    let out = run(&[
        "send",
        "--dry-run",
        "--csv",
        "--template",
        r#"{"a":"{nmae}"}"#,
        "--token-column",
        "device",
        dir.path("in.csv").to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("{nmae} is not a CSV column"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_dry_run_reports_every_bad_line_by_number_without_connecting() {
    let dir = Scratch::new("dry");
    let good = format!(r#"{{"token":"{}","alert":"x"}}"#, token(1));
    let lines = [
        good.clone(),
        "".into(),
        "not json".into(),
        format!(
            r#"{{"token":"{}","payload":{{"aps":{{}}}},"sound":"x"}}"#,
            token(2)
        ),
        good.clone(),
        format!(r#"{{"token":"{}","priority":7,"alert":"x"}}"#, token(3)),
        r#"{"token":"abc","alert":"x"}"#.into(),
    ];
    std::fs::write(dir.path("in.jsonl"), lines.join("\n")).unwrap();
    // No configuration at all: nothing is connected to.
    let out = run(&["send", "--dry-run", dir.path("in.jsonl").to_str().unwrap()]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    let reported: Vec<&str> = err.lines().filter(|l| l.contains(": line ")).collect();
    assert_eq!(reported.len(), 4, "{err}");
    assert!(
        reported[0].starts_with("apnspush send: line 3: not a JSON object"),
        "{err}"
    );
    assert!(
        reported[1].starts_with("apnspush send: line 4: a payload was given together"),
        "{err}"
    );
    assert!(
        reported[2].starts_with("apnspush send: line 6: priority must be 10, 5 or 1"),
        "{err}"
    );
    assert!(reported[3].starts_with("apnspush send: line 7: "), "{err}");
    assert!(err.contains("dry run: 2 valid, 4 invalid"), "{err}");
    std::fs::write(dir.path("ok.jsonl"), format!("{good}\n{good}\n")).unwrap();
    let out = run(&["send", "--dry-run", dir.path("ok.jsonl").to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

#[test]
fn a_channel_line_is_broadcast_and_its_outcome_names_the_channel() {
    let dir = Scratch::new("channel");
    let server = mock(MockOptions::http2());
    let live = server.add_channel("com.example.app", 0).unwrap();
    config_file(&server, &dir.path("mock.json"));
    let line = |r: u32, id: &str| {
        format!(
            r#"{{"ref":{r},"channel_id":"{id}","event":"update","timestamp":1700000000,"content_state":{{"score":"2-1"}},"topic":"com.example.app"}}"#
        )
    };
    let input = format!("{}\n{}\n", line(1, &live), line(2, "dW5rbm93bg=="));
    std::fs::write(dir.path("in.jsonl"), input).unwrap();
    let out = run(&[
        "send",
        "--config",
        &dir.s("mock.json"),
        &dir.s("in.jsonl"),
        "-o",
        &dir.s("out.jsonl"),
    ]);
    assert_eq!(out.status.code(), Some(1), "one rejected: {}", stderr(&out));
    let mut lines = outcomes(&dir.path("out.jsonl"));
    lines.sort_by_key(|o| o["ref"].as_u64());
    assert_eq!(lines.len(), 2);
    let summary = |o: &serde_json::Value| {
        (
            o["ref"].clone(),
            o["channel_id"].clone(),
            o.get("token").cloned(),
            o["kind"].clone(),
            o["reason"].clone(),
        )
    };
    assert_eq!(
        summary(&lines[0]),
        (
            1.into(),
            live.clone().into(),
            None,
            "accepted".into(),
            "".into()
        )
    );
    assert_eq!(
        summary(&lines[1]),
        (
            2.into(),
            "dW5rbm93bg==".into(),
            None,
            "rejected".into(),
            "ChannelNotRegistered".into()
        )
    );
    let broadcasts = server.broadcasts();
    assert_eq!(broadcasts.len(), 1);
    assert_eq!(broadcasts[0].channel_id, live);
}
