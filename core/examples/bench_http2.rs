//! Benchmark (not a test): HTTP/2 throughput and client CPU against two servers, each in a
//! child process so the CPU figures of this process are the client's: the built-in mock (this
//! program re-executed with `--serve-mock`) and `apnspush-h2-server`, an independent server on
//! the `h2` crate (tests/h2-server). As the reference, h2load (nghttp2's load generator) is run
//! against the same independent server in the same run.
//!
//! Build and run (scripts/bench.sh does both and installs h2load):
//!   cargo build --release -p apnspush --examples -p apnspush-h2-server &&
//!   target/release/examples/bench_http2 [notifications [runs]]
//! where runs picks some of mock-1-large, mock-4-large, mock-1-default, mock-4-default, h2-1,
//! h2-4 (default: all).
//!
//! Every notification is built before the clock starts: the figures are the engine's (push_async
//! plus delivery), and the cost of building one is printed on its own. Per run: notifications/s,
//! the client's CPU per notification (user+sys of this process: the pushing thread plus the
//! pusher's threads), the server's CPU per notification. Both servers advertise 1000 concurrent
//! streams; "large" windows are 1 MiB per stream and 64 MiB per connection, "default" the
//! RFC's 65,535 bytes. The baseline, measured first in the same run, is the same pusher over the
//! binary protocol and one connection. Each run against the independent server is paired with
//! h2load on the same number of connections (1000 streams each, the same payload and headers,
//! fresh server each) and prints its rate as a ratio of h2load's. h2load does not verify the
//! server's certificate; the pusher always does.

#[path = "bench_util/mod.rs"]
mod bench_util;
#[path = "bench_util/process.rs"]
mod process;
use apnspush::mock::{MockOptions, MockServer};
use apnspush::{Config, Notification, Pusher};
use bench_util::{cpu_secs, sys_cpu_secs};
use process::{run_measured, sibling_binary, ServerProcess};
use std::io::{Read, Write};
use std::process::Command;
use std::time::{Duration, Instant};

const LARGE_STREAM_WINDOW: u32 = 1 << 20;
const LARGE_CONNECTION_WINDOW: u32 = 1 << 26;

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
        "apnspush HTTP/2 benchmark: {n} notifications, {}-byte payloads, token auth, servers in their own processes (1000 concurrent streams), {} cores",
        payload.len(),
        std::thread::available_parallelism().map(|p| p.get()).unwrap_or(0)
    );
    let only = args.get(2).cloned().unwrap_or_default();
    let wanted = |name: &str| only.is_empty() || only.split(',').any(|r| r == name);

    let (_, build_secs) = notifications(n, &payload);
    println!(
        "{:<52} {:>6.0} ns CPU/notification  (not in the figures below)",
        "building a notification (builder, JSON check)",
        build_secs * 1e9 / n as f64
    );
    let base = run(n, &payload, 1, Server::mock("binary"));
    let base_rate = n as f64 / base.secs;
    println!(
        "{:<52} {:>9.0} notifications/s  {:>6.0} ns client CPU/notification  (baseline)",
        "binary protocol, mock, 1 connection",
        base_rate,
        base.cpu_secs * 1e9 / n as f64
    );
    for (windows, conns) in [("large", 1), ("large", 4), ("default", 1), ("default", 4)] {
        if !wanted(&format!("mock-{conns}-{windows}")) {
            continue;
        }
        let r = run(n, &payload, conns, Server::mock(windows));
        print_run(
            &format!("HTTP/2, mock, {conns} connection(s), {windows} windows"),
            n,
            &r,
            format!("{:.2}x the baseline rate", r.rate(n) / base_rate),
        );
    }
    for conns in [1, 4] {
        if !wanted(&format!("h2-{conns}")) {
            continue;
        }
        let reference = h2load(n, &payload, conns);
        let r = run(n, &payload, conns, Server::H2);
        if let Some(h) = &reference {
            println!(
                "{:<52} {:>9.0} requests/s       {:>6.0} ns h2load CPU/request        {:>6.0} ns server CPU/request  (reference)",
                format!("h2load, h2-server, {conns} connection(s)"),
                h.rate(n),
                h.cpu_secs * 1e9 / n as f64,
                h.server_cpu_secs * 1e9 / n as f64,
            );
        }
        let vs = match &reference {
            Some(h) => format!(
                "{:.2}x h2load's rate, {:.2}x its CPU, {:.2}x the baseline rate",
                r.rate(n) / h.rate(n),
                r.cpu_secs / h.cpu_secs,
                r.rate(n) / base_rate
            ),
            None => format!("{:.2}x the baseline rate", r.rate(n) / base_rate),
        };
        print_run(
            &format!("HTTP/2, h2-server, {conns} connection(s)"),
            n,
            &r,
            vs,
        );
    }
}

fn print_run(name: &str, n: u64, r: &Run, ratios: String) {
    println!(
        "{name:<52} {:>9.0} notifications/s  {:>6.0} ns client CPU/notification  {:>6.0} ns server CPU/notification  ({ratios}; client CPU {:.0}% in the kernel)",
        r.rate(n),
        r.cpu_secs * 1e9 / n as f64,
        r.server_cpu_secs * 1e9 / n as f64,
        r.sys_secs * 100.0 / r.cpu_secs.max(1e-9),
    );
}

struct Run {
    secs: f64,
    cpu_secs: f64,
    /// The part of `cpu_secs` in the kernel.
    sys_secs: f64,
    server_cpu_secs: f64,
}

impl Run {
    fn rate(&self, n: u64) -> f64 {
        n as f64 / self.secs
    }
}

fn token(i: u64) -> Vec<u8> {
    let mut t = vec![0x3C; 32];
    t[24..].copy_from_slice(&i.to_be_bytes());
    t
}

/// `n` distinct notifications, and the CPU seconds building them took.
fn notifications(n: u64, payload: &str) -> (Vec<Notification>, f64) {
    let cpu0 = cpu_secs();
    let notes = (0..n)
        .map(|i| {
            Notification::builder()
                .token_bytes(&token(i))
                .payload_json(payload)
                .build()
                .expect("valid notification")
        })
        .collect();
    (notes, cpu_secs() - cpu0)
}

enum Server {
    /// The built-in mock: "binary", or HTTP/2 with "large" or "default" windows.
    Mock(&'static str),
    /// apnspush-h2-server with large windows.
    H2,
}

impl Server {
    fn mock(mode: &'static str) -> Server {
        Server::Mock(mode)
    }

    fn start(&self) -> ServerProcess {
        match self {
            Server::Mock(mode) => {
                let mut cmd = Command::new(std::env::current_exe().expect("own path"));
                cmd.args(["--serve-mock", mode]);
                ServerProcess::spawn(cmd)
            }
            Server::H2 => ServerProcess::spawn(h2_server_command()),
        }
    }
}

fn h2_server_command() -> Command {
    let bin = sibling_binary("apnspush-h2-server");
    assert!(
        bin.exists(),
        "{} is missing: cargo build --release -p apnspush-h2-server",
        bin.display()
    );
    let mut cmd = Command::new(bin);
    cmd.args([
        "--token-auth",
        "--max-concurrent-streams",
        "1000",
        "--initial-window-size",
        &LARGE_STREAM_WINDOW.to_string(),
        "--connection-window-size",
        &LARGE_CONNECTION_WINDOW.to_string(),
    ]);
    cmd
}

fn run(n: u64, payload: &str, conns: usize, server: Server) -> Run {
    let (notes, _) = notifications(n, payload);
    let server = server.start();
    let mut config =
        Config::from_pairs(server.config.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .expect("server config");
    for (k, v) in [
        ("connections", conns.to_string()),
        ("outcome_reports", "none".to_string()),
        ("queue_capacity", "262144".to_string()),
    ] {
        config.set(k, &v).expect("bench config");
    }
    let pusher = Pusher::new(config).expect("pusher connects to the server");
    let sys0 = sys_cpu_secs();
    let cpu0 = cpu_secs();
    let start = Instant::now();
    for note in notes {
        pusher.push_async(note).expect("queued");
    }
    pusher
        .ensure_delivery(Some(Duration::from_secs(600)))
        .expect("everything delivered");
    let secs = start.elapsed().as_secs_f64();
    let cpu_secs = cpu_secs() - cpu0;
    let sys_secs = sys_cpu_secs() - sys0;
    let s = pusher.stats();
    assert_eq!(s.accepted, n, "every notification accepted: {s:?}");
    drop(pusher);
    let summary = server.finish();
    let accepted = summary["accepted"].as_u64().unwrap_or(0);
    assert!(
        accepted >= n,
        "the server accepted {accepted} of {n}: {summary}"
    );
    Run {
        secs,
        cpu_secs,
        sys_secs,
        server_cpu_secs: summary["cpu_secs"].as_f64().unwrap_or(0.0),
    }
}

/// h2load against a fresh apnspush-h2-server: `n` POSTs of `payload` with the headers the
/// pusher sends (a bearer token of a JWT's length), 1000 concurrent streams per connection.
/// None (with a note) when h2load is not installed.
fn h2load(n: u64, payload: &str, conns: usize) -> Option<Run> {
    if Command::new("h2load").arg("--version").output().is_err() {
        println!("h2load not found: no reference (apt-get install nghttp2-client; scripts/bench.sh does)");
        return None;
    }
    let server = Server::H2.start();
    let body = std::env::temp_dir().join(format!("apnspush-bench-{}.json", std::process::id()));
    std::fs::write(&body, payload).expect("body file");
    let url = format!(
        "https://127.0.0.1:{}/3/device/{}",
        server.get("port"),
        apnspush::notification::hex_encode(&token(0))
    );
    let mut cmd = Command::new("h2load");
    cmd.args(["-c", &conns.to_string(), "-m", "1000", "-n", &n.to_string()])
        .arg("-d")
        .arg(&body)
        .args(["-H", &format!("apns-topic: {}", server.get("topic"))])
        .args(["-H", "apns-push-type: alert", "-H", "apns-priority: 10"])
        .args(["-H", &format!("authorization: bearer {}", "J".repeat(180))])
        .arg(url);
    let (out, cpu_secs) = run_measured(cmd);
    let _ = std::fs::remove_file(&body);
    let summary = server.finish();
    // "finished in 1.64s, 121686.48 req/s, 4.28MB/s"
    let rate: f64 = out
        .lines()
        .find_map(|l| l.strip_prefix("finished in "))
        .and_then(|l| l.split(", ").nth(1))
        .and_then(|r| r.strip_suffix(" req/s"))
        .and_then(|r| r.parse().ok())
        .unwrap_or_else(|| panic!("h2load output: {out}"));
    let succeeded = format!("{n} succeeded");
    assert!(out.contains(&succeeded), "h2load: {out}");
    assert_eq!(summary["accepted"].as_u64(), Some(n), "{summary}");
    Some(Run {
        secs: n as f64 / rate,
        cpu_secs,
        sys_secs: 0.0,
        server_cpu_secs: summary["cpu_secs"].as_f64().unwrap_or(0.0),
    })
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
        options.initial_window_size = LARGE_STREAM_WINDOW;
        options.connection_window_size = LARGE_CONNECTION_WINDOW;
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
    println!(
        "{}",
        serde_json::json!({"accepted": server.accepted_count(), "cpu_secs": cpu_secs()})
    );
}
