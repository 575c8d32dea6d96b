//! Benchmark (not a test): HTTP/2 throughput to the built-in mock, which runs in a child
//! process (this program re-executed with `--serve-mock`) so the CPU figures are the engine's.
//!
//! Run: cargo run --release -p apnspush --example bench_http2 [notifications [runs]]
//! where runs picks some of 1-large,4-large,1-default,4-default (default: all).
//!
//! Prints, per run: notifications/s, the engine's CPU time per notification (user+sys of this
//! process: the pushing thread plus the pusher's threads), the mock's CPU per notification,
//! and peak RSS. The mock advertises 1000 concurrent streams. The baseline, measured first in
//! the same run, is the same pusher over the binary protocol and one connection; each HTTP/2
//! run prints its rate as a ratio of it.

#[path = "bench_util/mod.rs"]
mod bench_util;
use apnspush::mock::{MockOptions, MockServer};
use apnspush::{Config, Notification, Pusher};
use bench_util::{cpu_secs, peak_rss_mib};
use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("--serve-mock") {
        serve_mock(args.get(2).map(String::as_str).unwrap_or("default"));
        return;
    }
    let n: u64 = args
        .get(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(1_000_000);
    let payload = format!(
        "{{\"aps\":{{\"alert\":\"{}\",\"badge\":1,\"sound\":\"default\"}}}}",
        "x".repeat(48)
    );
    println!(
        "apnspush HTTP/2 benchmark: {n} notifications, {}-byte payloads, token auth, mock in its own process (1000 concurrent streams), {} cores",
        payload.len(),
        std::thread::available_parallelism().map(|p| p.get()).unwrap_or(0)
    );
    // An optional second argument picks runs, e.g. "1-large,4-default".
    let only = args.get(2).cloned().unwrap_or_default();
    let base = run(n, &payload, 1, "binary");
    let base_rate = n as f64 / base.secs;
    println!(
        "{:<48} {:>9.0} notifications/s  {:>6.0} ns engine CPU/notification  (baseline)",
        "binary protocol, 1 connection",
        base_rate,
        base.cpu_secs * 1e9 / n as f64
    );
    for (windows, conns) in [("large", 1), ("large", 4), ("default", 1), ("default", 4)] {
        if !only.is_empty() && !only.split(',').any(|r| r == format!("{conns}-{windows}")) {
            continue;
        }
        let r = run(n, &payload, conns, windows);
        println!(
            "{:<48} {:>9.0} notifications/s  {:>6.0} ns engine CPU/notification  {:>6.0} ns mock CPU/notification  peak RSS {:>4} MiB  ({:.2}x the baseline rate)",
            format!("{conns} connection(s), {windows} flow-control windows"),
            n as f64 / r.secs,
            r.cpu_secs * 1e9 / n as f64,
            r.mock_cpu_secs * 1e9 / n as f64,
            peak_rss_mib(),
            n as f64 / r.secs / base_rate
        );
    }
}

struct Run {
    secs: f64,
    cpu_secs: f64,
    mock_cpu_secs: f64,
}

fn token(i: u64) -> Vec<u8> {
    let mut t = vec![0x3C; 32];
    t[24..].copy_from_slice(&i.to_be_bytes());
    t
}

fn run(n: u64, payload: &str, conns: usize, windows: &str) -> Run {
    let mut mock = Mock::spawn(windows);
    let mut config = Config::from_pairs(mock.config.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .expect("mock config");
    for (k, v) in [
        ("connections", conns.to_string()),
        ("outcome_reports", "none".to_string()),
        ("queue_capacity", "262144".to_string()),
    ] {
        config.set(k, &v).expect("bench config");
    }
    let pusher = Pusher::new(config).expect("pusher connects to the mock");
    let cpu0 = cpu_secs();
    let start = Instant::now();
    for i in 0..n {
        let note = Notification::builder()
            .token_bytes(&token(i))
            .payload_json(payload)
            .build()
            .expect("valid notification");
        pusher.push_async(note).expect("queued");
    }
    pusher
        .ensure_delivery(Some(Duration::from_secs(600)))
        .expect("everything delivered");
    let secs = start.elapsed().as_secs_f64();
    let cpu_secs = cpu_secs() - cpu0;
    let s = pusher.stats();
    assert_eq!(s.accepted, n, "every notification accepted: {s:?}");
    drop(pusher);
    let (accepted, mock_cpu_secs) = mock.finish();
    assert!(accepted >= n, "the mock accepted {accepted} of {n}");
    Run {
        secs,
        cpu_secs,
        mock_cpu_secs,
    }
}

/// The child process: a mock that keeps only counts. `mode` is "binary", "large" or "default".
fn serve_mock(mode: &str) {
    let mut options = MockOptions {
        record_payloads: false,
        ..MockOptions::http2().with_token_auth()
    };
    if mode == "binary" {
        options = MockOptions {
            record_payloads: false,
            ..MockOptions::default()
        };
    }
    if mode == "large" {
        options.initial_window_size = 1 << 20;
        options.connection_window_size = 1 << 26;
    }
    let server = MockServer::start(options).expect("mock starts");
    let config: serde_json::Map<String, serde_json::Value> = server
        .client_config()
        .into_iter()
        .map(|(k, v)| (k, v.into()))
        .collect();
    println!("{}", serde_json::Value::Object(config));
    std::io::stdout().flush().expect("stdout");
    let mut sink = Vec::new();
    let _ = std::io::stdin().read_to_end(&mut sink);
    println!("{} {}", server.accepted_count(), cpu_secs());
}

struct Mock {
    child: Child,
    config: Vec<(String, String)>,
}

impl Mock {
    fn spawn(windows: &str) -> Mock {
        let exe = std::env::current_exe().expect("own path");
        let mut child = Command::new(exe)
            .args(["--serve-mock", windows])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("mock process starts");
        let mut line = String::new();
        BufReader::new(child.stdout.as_mut().expect("stdout"))
            .read_line(&mut line)
            .expect("mock config line");
        let json: serde_json::Map<String, serde_json::Value> =
            serde_json::from_str(&line).expect("mock config JSON");
        let config = json
            .into_iter()
            .map(|(k, v)| (k, v.as_str().unwrap_or_default().to_string()))
            .collect();
        Mock { child, config }
    }

    /// Stops the mock; returns its accepted count and its CPU seconds.
    fn finish(&mut self) -> (u64, f64) {
        drop(self.child.stdin.take());
        let mut out = String::new();
        let _ = self
            .child
            .stdout
            .as_mut()
            .expect("stdout")
            .read_to_string(&mut out);
        let _ = self.child.wait();
        let mut it = out.split_whitespace();
        let accepted = it.next().and_then(|v| v.parse().ok()).unwrap_or(0);
        let cpu = it.next().and_then(|v| v.parse().ok()).unwrap_or(0.0);
        (accepted, cpu)
    }
}
