//! Benchmark (not a test) behind the default of `max_in_flight`: binary throughput and the
//! pusher's resident memory for several in-flight windows, one connection, the mock in its own
//! process. The window bounds a connection's history (every written, unsettled notification):
//! at the cap the connection writes a flush marker and waits one round trip for its reply.
//!
//! Build and run: cargo build --release -p apnspush --bins --examples &&
//!                target/release/examples/bench_window [notifications]

#[path = "bench_util/mod.rs"]
mod bench_util;
use apnspush::{Config, Notification, Pusher};
use bench_util::{cpu_secs, current_rss_mib};
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let n: u64 = args
        .get(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(1_000_000);
    let payload = format!(
        "{{\"aps\":{{\"alert\":\"{}\",\"badge\":1,\"sound\":\"default\"}}}}",
        "x".repeat(48)
    );
    if let Some(window) = args.get(2).and_then(|a| a.parse().ok()) {
        // A child: one run, in a process of its own so its RSS is its own.
        let (rate, cpu_ns, rss, markers) = run(n, &payload, window);
        println!("{rate} {cpu_ns} {rss} {markers}");
        return;
    }
    println!("apnspush max_in_flight benchmark: binary, 1 connection, {n} notifications");
    let mut base = None;
    for window in [100_000, 50_000, 20_000, 10_000, 5_000, 100_000, 20_000] {
        let out = Command::new(std::env::current_exe().unwrap())
            .arg(n.to_string())
            .arg(window.to_string())
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        let f: Vec<f64> = text
            .split_whitespace()
            .filter_map(|x| x.parse().ok())
            .collect();
        let [rate, cpu_ns, rss, markers] = f[..] else {
            panic!(
                "child run failed: {text} {}",
                String::from_utf8_lossy(&out.stderr)
            )
        };
        let base_rate = *base.get_or_insert(rate);
        println!(
            "max_in_flight {window:>7}: {rate:>10.0} notifications/s ({:.2}x the first run)  \
             {cpu_ns:>5.0} ns CPU/notification  RSS at the end {rss:>4} MiB  markers {markers}",
            rate / base_rate
        );
    }
}

fn run(n: u64, payload: &str, window: usize) -> (f64, f64, u64, u64) {
    let exe = std::env::current_exe().unwrap();
    let bin = exe
        .parent()
        .unwrap()
        .parent()
        .unwrap()
        .join("apnspush-mock");
    let mut child = Command::new(&bin)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {}: {e}", bin.display()));
    let mut line = String::new();
    BufReader::new(child.stdout.as_mut().unwrap())
        .read_line(&mut line)
        .unwrap();
    let v: serde_json::Value = serde_json::from_str(&line).unwrap();
    let mut config = Config::from_pairs(
        v.as_object()
            .unwrap()
            .iter()
            .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_owned())),
    )
    .unwrap();
    config.set("max_in_flight", &window.to_string()).unwrap();
    config.set("outcome_reports", "none").unwrap();
    let pusher = Pusher::new(config).unwrap();
    let cpu0 = cpu_secs();
    let t0 = Instant::now();
    for i in 0..n {
        let mut t = [0x3C; 32];
        t[24..].copy_from_slice(&i.to_be_bytes());
        let note = Notification::builder()
            .token_bytes(&t)
            .payload_json(payload)
            .build()
            .unwrap();
        pusher.push_async(note).unwrap();
    }
    pusher
        .ensure_delivery(Some(Duration::from_secs(600)))
        .unwrap();
    let secs = t0.elapsed().as_secs_f64();
    let cpu = cpu_secs() - cpu0;
    let rss = current_rss_mib();
    let s = pusher.stats();
    assert_eq!(s.accepted, n, "{s:?}");
    pusher.close(Duration::from_secs(5));
    drop(pusher);
    drop(child.stdin.take());
    let _ = child.wait();
    (n as f64 / secs, cpu * 1e9 / n as f64, rss, s.markers_sent)
}
