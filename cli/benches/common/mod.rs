//! What both benchmarks start with: the notification count from the first numeric argument, a
//! scratch directory, and the built-in HTTP/2 mock in its own process with its client
//! configuration written where `--config` reads it.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

pub const BIN: &str = env!("CARGO_BIN_EXE_apnspush");

pub struct Setup {
    pub n: u64,
    pub dir: PathBuf,
    /// `apnspush mock --http2`; it serves until its stdin is closed.
    pub mock: Child,
    pub config_line: String,
    pub config_path: PathBuf,
}

/// `name` names the scratch directory; `default_n` applies without a numeric argument.
pub fn setup(name: &str, default_n: u64) -> Setup {
    let n = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(default_n);
    let dir = std::env::temp_dir().join(format!("apnspush-bench-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut mock = Command::new(BIN)
        .args(["mock", "--http2"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("apnspush mock starts");
    let mut config_line = String::new();
    BufReader::new(mock.stdout.take().unwrap())
        .read_line(&mut config_line)
        .unwrap();
    let config_path = dir.join("mock.json");
    std::fs::write(&config_path, &config_line).unwrap();
    Setup {
        n,
        dir,
        mock,
        config_line,
        config_path,
    }
}

/// Notification `i` as a `send` JSONL line (and a worker entry's `n`): 100,000 distinct
/// tokens, a 96-byte payload.
pub fn line(i: u64) -> String {
    format!(
        "{{\"ref\":{i},\"token\":\"{}\",\"topic\":\"com.example\",\"payload\":{}}}",
        token(i),
        payload()
    )
}

pub fn payload() -> String {
    format!(
        "{{\"aps\":{{\"alert\":\"{}\",\"badge\":1,\"sound\":\"default\"}}}}",
        "x".repeat(48)
    )
}

fn token(i: u64) -> String {
    format!("{:064x}", i % 100_000 + 1)
}

/// User plus system CPU seconds of `who` (RUSAGE_SELF or RUSAGE_CHILDREN).
pub fn cpu_secs(who: libc::c_int) -> f64 {
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: getrusage writes into the struct it is given and nothing else.
    unsafe { libc::getrusage(who, &mut usage) };
    let secs = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    secs(usage.ru_utime) + secs(usage.ru_stime)
}

/// The baseline: the library pushing the same `n` notifications (built before the clock, as
/// in bench_http2, with `outcome_reports=none` as the command sets it) to the mock configured
/// by `config_line`. Returns notifications/s and this process's CPU seconds per notification.
pub fn library(config_line: &str, n: u64) -> (f64, f64) {
    use apnspush::{Config, Notification, Pusher};
    let payload = payload();
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
    let pairs: serde_json::Map<String, serde_json::Value> =
        serde_json::from_str(config_line).unwrap();
    let config = Config::from_pairs(
        pairs
            .iter()
            .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_string()))
            .chain([("outcome_reports".to_string(), "none".to_string())]),
    )
    .unwrap();
    let cpu_before = cpu_secs(libc::RUSAGE_SELF);
    let start = std::time::Instant::now();
    let pusher = Pusher::new(config).unwrap();
    for note in notifications {
        pusher.push_async(note).expect("queued");
    }
    pusher
        .ensure_delivery(Some(std::time::Duration::from_secs(600)))
        .unwrap();
    let secs = start.elapsed().as_secs_f64();
    let cpu = cpu_secs(libc::RUSAGE_SELF) - cpu_before;
    assert_eq!(pusher.stats().accepted, n);
    (n as f64 / secs, cpu / n as f64)
}
