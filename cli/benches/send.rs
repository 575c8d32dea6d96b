//! Benchmark (not a test): `apnspush send` of N notifications (default 1,000,000) from a JSONL
//! file to the built-in HTTP/2 mock, against the library pushing the same notifications to the
//! same mock in the same run. Prints both rates and their ratio (target: the command at 0.8x
//! the library or better).
//!
//! Run: `cargo bench -p apnspush-cli --bench send [-- N]`. The mock runs in its own process
//! (`apnspush mock --http2`). The command's time is the whole process (start, connect, parse
//! every line, write every outcome line); the library's runs from `Pusher::new` to the last
//! outcome, with the notifications built before the clock starts, as in bench_http2.

use apnspush::{Config, Notification, Pusher};
use std::io::{BufRead, BufReader, Write};
use std::process::Command;
use std::time::{Duration, Instant};

mod common;

fn main() {
    let common::Setup {
        n,
        dir,
        mut mock,
        config_line,
        config_path,
    } = common::setup("send", 1_000_000);
    let bin = common::BIN;
    let pairs: serde_json::Map<String, serde_json::Value> =
        serde_json::from_str(&config_line).unwrap();

    let payload = format!(
        "{{\"aps\":{{\"alert\":\"{}\",\"badge\":1,\"sound\":\"default\"}}}}",
        "x".repeat(48)
    );
    let token = |i: u64| format!("{:064x}", i % 100_000 + 1);
    let input = dir.join("in.jsonl");
    let mut w = std::io::BufWriter::new(std::fs::File::create(&input).unwrap());
    for i in 0..n {
        writeln!(
            w,
            "{{\"ref\":{i},\"token\":\"{}\",\"topic\":\"com.example\",\"payload\":{payload}}}",
            token(i)
        )
        .unwrap();
    }
    drop(w);
    println!(
        "apnspush send benchmark: {n} notifications, {}-byte payloads, mock in its own process, {} cores",
        payload.len(),
        std::thread::available_parallelism().map(|p| p.get()).unwrap_or(0)
    );

    let output = dir.join("out.jsonl");
    let children_before = cpu_secs(libc::RUSAGE_CHILDREN);
    let start = Instant::now();
    let status = Command::new(bin)
        .arg("send")
        .arg("-q")
        .arg("--config")
        .arg(&config_path)
        .arg(&input)
        .arg("--output")
        .arg(&output)
        .status()
        .unwrap();
    let cli_secs = start.elapsed().as_secs_f64();
    // The mock is a child too, but not waited for yet: only the command is counted.
    let cli_cpu = cpu_secs(libc::RUSAGE_CHILDREN) - children_before;
    assert!(status.success(), "apnspush send: {status}");
    let lines = BufReader::new(std::fs::File::open(&output).unwrap())
        .lines()
        .count() as u64;
    assert_eq!(lines, n, "one outcome line per notification");
    let cli_rate = n as f64 / cli_secs;
    println!(
        "  apnspush send:  {cli_rate:>10.0} notifications/s ({cli_secs:.2} s, outcome file of {lines} lines), CPU {:.2} us per notification",
        cli_cpu * 1e6 / n as f64
    );

    let notifications: Vec<Notification> = (0..n)
        .map(|i| {
            Notification::builder()
                .token_hex(&token(i))
                .topic("com.example")
                .payload_json(&payload)
                .build()
                .unwrap()
        })
        .collect();
    let config = Config::from_pairs(
        pairs
            .iter()
            .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_string()))
            // As bench_http2, and as `apnspush send` sets it.
            .chain([("outcome_reports".to_string(), "none".to_string())]),
    )
    .unwrap();
    let self_before = cpu_secs(libc::RUSAGE_SELF);
    let start = Instant::now();
    let pusher = Pusher::new(config).unwrap();
    for note in notifications {
        pusher.push_async(note).expect("queued");
    }
    pusher
        .ensure_delivery(Some(Duration::from_secs(600)))
        .unwrap();
    let lib_secs = start.elapsed().as_secs_f64();
    let lib_cpu = cpu_secs(libc::RUSAGE_SELF) - self_before;
    let stats = pusher.stats();
    assert_eq!(stats.accepted, n);
    drop(pusher);
    let lib_rate = n as f64 / lib_secs;
    println!(
        "  library:        {lib_rate:>10.0} notifications/s ({lib_secs:.2} s), CPU {:.2} us per notification (building them not counted)",
        lib_cpu * 1e6 / n as f64
    );
    println!("  ratio (send / library): {:.2}x", cli_rate / lib_rate);

    drop(mock.stdin.take());
    let _ = mock.wait();
    let _ = std::fs::remove_dir_all(&dir);
}

/// User plus system CPU seconds of `who` (RUSAGE_SELF or RUSAGE_CHILDREN).
fn cpu_secs(who: libc::c_int) -> f64 {
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: getrusage writes into the struct it is given and nothing else.
    unsafe { libc::getrusage(who, &mut usage) };
    let secs = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    secs(usage.ru_utime) + secs(usage.ru_stime)
}
