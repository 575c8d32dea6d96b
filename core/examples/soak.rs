//! Soak (a benchmark program, not a test): millions of notifications through the built-in mock,
//! which runs in its own process with random faults, while this process drains every outcome as
//! a service would. Prints what was lost (must be 0), possible duplicates against the mock's
//! actual extra copies, and this process's RSS at 10%, 50% and 100% of the run.
//!
//! Build and run: cargo build --release -p apnspush --bins --examples &&
//!                target/release/examples/soak [notifications] [--binary]
//!
//! HTTP/2 (default): token auth, 2 connections, `--chaos` faults (every connection is sent a
//! GOAWAY, dropped or goes silent after a random 2,000-40,000 requests; 429s; late answers),
//! TLS key updates every 1 MiB read, and one bad token in 20,000. `response_timeout_ms` is 1 s,
//! as a service next to a fast gateway would set it, so silent connections are replaced quickly.
//! Binary (`--binary`): one bad token in 10,000 (each ends a connection), a silent cut after
//! 7,000 accepted on a connection (before its bad token, so both faults happen), key updates every
//! 256 KiB.

#[path = "bench_util/mod.rs"]
mod bench_util;
use apnspush::notification::hex_encode;
use apnspush::{Config, Notification, OutcomeKind, Pusher};
use bench_util::current_rss_mib;
use std::io::{BufRead, BufReader, Read};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::time::{Duration, Instant};

fn token(i: u64) -> [u8; 32] {
    let mut t = [0x5c; 32];
    t[24..].copy_from_slice(&i.to_be_bytes());
    t
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let binary = args.iter().any(|a| a == "--binary");
    let n: u64 = args
        .iter()
        .find_map(|a| a.parse().ok())
        .unwrap_or(10_000_000);
    let bad_every = if binary { 10_000 } else { 20_000 };
    let is_bad = |i: u64| i % bad_every == bad_every / 2;
    let bad_total = (0..n)
        .step_by(1)
        .filter(|&i| i % bad_every == bad_every / 2)
        .count() as u64;

    let exe = std::env::current_exe().unwrap();
    let mock_bin = exe
        .parent()
        .unwrap()
        .parent()
        .unwrap()
        .join("apnspush-mock");
    let mut cmd = Command::new(&mock_bin);
    if binary {
        cmd.args([
            "--close-silently-after",
            "7000",
            "--key-update-every",
            "262144",
        ]);
    } else {
        cmd.args(["--http2", "--token-auth", "--chaos", "20261201"]);
        cmd.args(["--key-update-every", "1048576"]);
    }
    for i in (0..n).filter(|&i| is_bad(i)) {
        let rule = if binary {
            format!("{}:8", hex_encode(&token(i)))
        } else {
            format!("{}:400:BadDeviceToken", hex_encode(&token(i)))
        };
        cmd.arg(if binary { "--reject" } else { "--reject-http2" })
            .arg(rule);
    }
    let mut mock = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {}: {e}", mock_bin.display()));
    let mut line = String::new();
    BufReader::new(mock.stdout.as_mut().unwrap())
        .read_line(&mut line)
        .unwrap();
    let keys: serde_json::Value = serde_json::from_str(&line).unwrap();
    let mut config = Config::from_pairs(
        keys.as_object()
            .unwrap()
            .iter()
            .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_owned())),
    )
    .unwrap();
    config.set("connections", "2").unwrap();
    config.set("response_timeout_ms", "1000").unwrap();
    let pusher = Pusher::new(config).unwrap();
    let protocol = if binary { "binary" } else { "HTTP/2" };
    println!(
        "apnspush soak: {n} notifications over {protocol}, {bad_total} bad tokens, faults as \
         documented in core/examples/soak.rs"
    );

    // One bit per id: an outcome seen. Allocated up front, so it adds nothing to RSS later.
    let mut seen = vec![0u64; (n as usize / 64) + 2];
    let mut kinds = [0u64; 5];
    let mut twice = 0u64;
    let pushed = AtomicU64::new(0);
    let mut rss = Vec::new();
    let started = Instant::now();
    std::thread::scope(|s| {
        s.spawn(|| {
            let payload = r#"{"aps":{"alert":"soak","badge":1}}"#;
            for i in 0..n {
                let note = Notification::builder()
                    .token_bytes(&token(i))
                    .payload_json(payload)
                    .build()
                    .unwrap();
                pusher.push_async(note).unwrap();
                pushed.store(i + 1, Relaxed);
            }
        });
        let marks: Vec<u64> = (1..10).map(|k| n * k / 10).collect();
        let mut drain = |outcomes: Vec<apnspush::Outcome>| -> u64 {
            let count = outcomes.len() as u64;
            for o in outcomes {
                let (word, bit) = ((o.id / 64) as usize, o.id % 64);
                if seen[word] & (1 << bit) != 0 {
                    twice += 1;
                }
                seen[word] |= 1 << bit;
                kinds[match o.kind {
                    OutcomeKind::Accepted => 0,
                    OutcomeKind::Rejected => 1,
                    OutcomeKind::Failed => 2,
                    OutcomeKind::Expired => 3,
                    OutcomeKind::Cancelled => 4,
                }] += 1;
            }
            count
        };
        let mut reported = 0u64;
        while pushed.load(Relaxed) < n {
            reported += drain(pusher.poll_outcomes(50_000, Duration::from_millis(20)));
            let done = pushed.load(Relaxed);
            if rss.len() < marks.len() && done >= marks[rss.len()] {
                rss.push((done, current_rss_mib()));
            }
        }
        // Drain until every notification has reported, as a service would (no ensure_* call,
        // so the report queue never fills while we wait).
        let deadline = Instant::now() + Duration::from_secs(3600);
        while reported < n && Instant::now() < deadline {
            reported += drain(pusher.poll_outcomes(50_000, Duration::from_millis(20)));
        }
    });
    rss.push((n, current_rss_mib()));
    let secs = started.elapsed().as_secs_f64();
    let s = pusher.stats();
    pusher.close(Duration::from_secs(5));
    drop(mock.stdin.take());
    let mut out = String::new();
    mock.stdout
        .take()
        .unwrap()
        .read_to_string(&mut out)
        .unwrap();
    let _ = mock.wait();
    let summary: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    let mock_accepted = summary["accepted"].as_u64().unwrap();

    let reported: u64 = kinds.iter().sum();
    let lost = n - reported.min(n);
    println!(
        "outcomes: accepted {}, rejected {}, failed {}, expired {}, cancelled {}; \
         reported twice {twice}",
        kinds[0], kinds[1], kinds[2], kinds[3], kinds[4]
    );
    println!("lost (pushed with no outcome): {lost}");
    // Every notification that was not rejected ended accepted (failed is 0 in a healthy run),
    // so each reached the mock at least once: the mock's extra copies are exact.
    let extra = mock_accepted.saturating_sub(kinds[0]);
    println!(
        "duplicates: {} possible (counted by the pusher), {extra} actual (mock accepted \
         {mock_accepted} for {} accepted){}",
        s.duplicates_possible,
        kinds[0],
        if kinds[2] > 0 {
            "; failures make the actual figure an upper bound"
        } else {
            ""
        }
    );
    println!(
        "faults seen: connections {}, losses {}, GOAWAYs {}, replaced unhealthy {}, response \
         timeouts {}, retries {}, key updates {}",
        s.connects,
        s.connection_losses,
        s.goaways,
        s.unhealthy_replaced,
        s.response_timeouts,
        s.retries,
        summary["key_updates"]
    );
    let first = rss[0].1.max(1);
    for (at, mib) in &rss {
        println!(
            "RSS at {at:>9} pushed: {mib:>4} MiB ({:.2}x the first)",
            *mib as f64 / first as f64
        );
    }
    println!(
        "{:.0} notifications/s over {secs:.0} s; latency p50 {} us, p99 {} us, p999 {} us, max {} us",
        n as f64 / secs,
        s.latency_p50_us,
        s.latency_p99_us,
        s.latency_p999_us,
        s.latency_max_us
    );
    if lost > 0 || twice > 0 || extra > s.duplicates_possible {
        std::process::exit(1);
    }
}
