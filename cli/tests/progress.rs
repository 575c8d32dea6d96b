//! Progress when standard error is not a terminal: plain lines every `--progress-interval-ms`
//! while the run lasts (here: standard input fed slowly), none with `--quiet`.

mod common;
use apnspush::mock::MockOptions;
use common::*;
use std::io::Write;
use std::process::Stdio;
use std::time::Duration;

fn send_slowly(quiet: bool) -> (Option<i32>, String) {
    let dir = Scratch::new(if quiet { "progress-q" } else { "progress" });
    let server = mock(MockOptions::http2());
    config_file(&server, &dir.path("mock.json"));
    let config = dir.s("mock.json");
    let mut args = vec![
        "send",
        "--config",
        &config,
        "--topic",
        "t",
        "--progress-interval-ms",
        "30",
        "-",
    ];
    if quiet {
        args.push("--quiet");
    }
    let mut child = command(&args)
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    for i in 0..6 {
        writeln!(stdin, r#"{{"token":"{}","alert":"x"}}"#, token(i)).unwrap();
        stdin.flush().unwrap();
        // Input that trickles in: the run outlasts several progress intervals.
        std::thread::sleep(Duration::from_millis(100));
    }
    drop(stdin);
    let out = child.wait_with_output().unwrap();
    assert_eq!(server.accepted_count(), 6);
    (out.status.code(), stderr(&out))
}

#[test]
fn plain_progress_lines_when_stderr_is_not_a_terminal() {
    let (code, err) = send_slowly(false);
    assert_eq!(code, Some(0), "{err}");
    let progress: Vec<&str> = err.lines().filter(|l| l.contains(": read ")).collect();
    assert!(progress.len() >= 2, "{err}");
    for line in &progress {
        assert!(
            line.starts_with("apnspush send: ")
                && line.contains(", accepted ")
                && line.ends_with("/s"),
            "{line}"
        );
    }
    assert!(err.contains("apnspush send: summary"), "{err}");
}

#[test]
fn quiet_prints_neither_progress_nor_summary() {
    let (code, err) = send_slowly(true);
    assert_eq!((code, err.as_str()), (Some(0), ""));
}
