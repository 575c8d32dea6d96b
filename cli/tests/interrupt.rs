//! Ctrl-C mid-run: reading stops, what is in flight is flushed for `close_timeout_ms`, every
//! line read has exactly one outcome line, the summary is printed, and the exit code is 130.

mod common;
use apnspush::mock::MockOptions;
use common::*;
use std::io::{BufRead, BufReader, Write};
use std::process::Stdio;
use std::time::Duration;

#[test]
fn sigint_mid_run_writes_an_outcome_for_every_line_read_and_exits_130() {
    let dir = Scratch::new("sigint");
    // Slow answers keep the run going long enough to interrupt it.
    let server = mock(MockOptions {
        record_payloads: false,
        response_delay: Duration::from_millis(2),
        max_concurrent_streams: 50,
        ..MockOptions::http2()
    });
    config_file(&server, &dir.path("mock.json"));
    const N: u64 = 200_000;
    let mut input = std::io::BufWriter::new(std::fs::File::create(dir.path("in.jsonl")).unwrap());
    for i in 0..N {
        writeln!(
            input,
            r#"{{"ref":{i},"token":"{}","alert":"x","topic":"t"}}"#,
            token(i)
        )
        .unwrap();
    }
    drop(input);
    let mut child = command(&[
        "send",
        "--config",
        &dir.s("mock.json"),
        "--set",
        "close_timeout_ms=300",
        "--progress-interval-ms",
        "20",
        &dir.s("in.jsonl"),
        "-o",
        &dir.s("out.jsonl"),
    ])
    .stderr(Stdio::piped())
    .spawn()
    .unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut text = String::new();
    // Interrupt once some notifications were accepted.
    loop {
        let mut line = String::new();
        assert!(
            stderr.read_line(&mut line).unwrap() > 0,
            "ended early: {text}"
        );
        text.push_str(&line);
        if line.contains("accepted") && !line.contains("accepted 0,") {
            break;
        }
    }
    unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
    let status = child.wait().unwrap();
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut stderr, &mut rest).unwrap();
    text.push_str(&rest);
    assert_eq!(status.code(), Some(130), "{text}");
    assert!(rest.contains("apnspush send: summary"), "{rest}");
    let lines = outcomes(&dir.path("out.jsonl"));
    // Lines are read in order: the ones with an outcome are exactly lines 1..=k, each once.
    let mut refs: Vec<u64> = lines.iter().map(|o| o["ref"].as_u64().unwrap()).collect();
    refs.sort_unstable();
    let k = refs.len() as u64;
    assert!(k > 0 && k < N, "interrupted mid-run: {k} of {N}");
    assert_eq!(refs, (0..k).collect::<Vec<_>>());
    let count = |kind: &str| lines.iter().filter(|o| o["kind"] == kind).count();
    assert_eq!(
        count("accepted") + count("cancelled") + count("failed"),
        k as usize
    );
    // Written but unconfirmed when close_timeout_ms ran out: failed, though the mock may have
    // taken it.
    let (accepted, failed) = (count("accepted") as u64, count("failed") as u64);
    let taken = server.accepted_count();
    assert!(
        accepted <= taken && taken <= accepted + failed,
        "{accepted} {failed} {taken}"
    );
    assert!(
        count("cancelled") > 0,
        "read-ahead lines were never sent: cancelled"
    );
    assert!(
        rest.contains(&format!("  accepted{:>26}\n", count("accepted"))),
        "{rest}"
    );
}
