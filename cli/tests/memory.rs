//! A 1,000,000-line input streams in constant memory: the command's resident set, sampled from
//! /proc while it runs, does not grow after the pipeline has filled.

mod common;
use apnspush::mock::MockOptions;
use common::*;
use std::io::Write;
use std::time::Duration;

fn rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

#[test]
fn a_million_lines_stream_with_flat_memory() {
    let dir = Scratch::new("memory");
    let server = mock(MockOptions {
        record_payloads: false,
        ..MockOptions::http2()
    });
    config_file(&server, &dir.path("mock.json"));
    const N: u64 = 1_000_000;
    let mut input = std::io::BufWriter::new(std::fs::File::create(dir.path("in.jsonl")).unwrap());
    for i in 0..N {
        writeln!(
            input,
            r#"{{"ref":{i},"token":"{}","alert":"x"}}"#,
            token(i % 5000)
        )
        .unwrap();
    }
    drop(input);
    let mut child = command(&[
        "send",
        "-q",
        "--config",
        &dir.s("mock.json"),
        "--topic",
        "t",
        // A small send queue fills in the first moments: the first quarter is steady state.
        "--set",
        "queue_capacity=8192",
        &dir.s("in.jsonl"),
        "-o",
        &dir.s("out.jsonl"),
    ])
    .spawn()
    .unwrap();
    let mut samples = Vec::new();
    while child.try_wait().unwrap().is_none() {
        if let Some(kib) = rss_kib(child.id()) {
            samples.push(kib);
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    assert_eq!(child.wait().unwrap().code(), Some(0));
    assert_eq!(server.accepted_count(), N);
    let lines = std::io::BufRead::lines(std::io::BufReader::new(
        std::fs::File::open(dir.path("out.jsonl")).unwrap(),
    ))
    .count();
    assert_eq!(lines as u64, N);
    assert!(samples.len() >= 20, "too few samples: {samples:?}");
    let quarter = samples.len() / 4;
    let early = *samples[..quarter].iter().max().unwrap();
    let late = *samples[samples.len() / 2..].iter().max().unwrap();
    eprintln!(
        "RSS KiB: first-quarter max {early}, second-half max {late}, {} samples",
        samples.len()
    );
    assert!(
        late <= early * 13 / 10 + 8 * 1024,
        "RSS grew: {early} KiB early, {late} KiB late"
    );
}
