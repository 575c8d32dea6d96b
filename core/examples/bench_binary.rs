//! Benchmark (not a test): binary-protocol throughput to the built-in mock, which runs in its
//! own process (`apnspush-mock`) so the CPU figures are the engine's alone.
//!
//! Build and run: cargo build --release -p apnspush --bins --examples &&
//!                target/release/examples/bench_binary [notifications [runs]]
//! where runs picks some of 1-0, 4-0, 1-10, 4-10 (connections-bad tokens) and cut.
//!
//! Every notification is built before the clock starts, so the pusher figures are the engine's
//! own (push_async plus delivery); the cost of building and validating one is printed first.
//! Prints, per run: notifications/s, engine CPU time per notification (user+sys of this
//! process, which holds only the pushing thread and the pusher), and peak RSS (which includes
//! the pre-built notifications). The baseline is a bare rustls client writing pre-encoded frames to the same kind of mock: the TLS +
//! mock ceiling, measured in the same run. Last, the duplicates a gateway that silently cuts
//! every connection after 3,000 notifications costs: what it accepted for 20,000.

#[path = "bench_util/mod.rs"]
mod bench_util;
use apnspush::binary::codec;
use apnspush::{Config, Notification, Pusher};
use bench_util::{cpu_secs, peak_rss_mib, thread_cpu_secs, thread_split};
use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let n: u64 = args
        .get(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(1_000_000);
    // An optional second argument picks pusher runs, e.g. "1-0" (connections-bad tokens), or
    // "none" for the baseline alone; the baseline always runs.
    let only = args.get(2).cloned().unwrap_or_default();
    let wanted = |name: &str| only.is_empty() || only.split(',').any(|r| r == name);
    let payload = format!(
        "{{\"aps\":{{\"alert\":\"{}\",\"badge\":1,\"sound\":\"default\"}}}}",
        "x".repeat(48)
    );
    println!(
        "apnspush binary benchmark: {n} notifications, {}-byte payloads, 2 cores",
        payload.len()
    );
    let (_, build_secs) = notifications(n, &payload);
    println!(
        "{:<42} {:>6.0} ns CPU/notification  (not in the pusher figures below)",
        "building a notification (builder, JSON)",
        build_secs * 1e9 / n as f64
    );
    let base = baseline(n, &payload);
    let base_rate = n as f64 / base.secs;
    report("baseline: bare rustls writer", n, &base, None);
    for (conns, bad) in [(1, 0), (4, 0), (1, 10), (4, 10)] {
        if !wanted(&format!("{conns}-{bad}")) {
            continue;
        }
        let r = run(n, &payload, conns, bad);
        report(
            &format!("pusher: {conns} connection(s), {bad} bad tokens"),
            n,
            &r,
            Some(base_rate),
        );
    }
    if !wanted("cut") {
        return;
    }
    let (total, cut) = (20_000, 3_000);
    let c = cut_run(total, &payload, cut);
    println!(
        "cut every {}: gateway accepted {} for {} ({:.1}% extra; {} connection(s) lost, {} \
         duplicates possible counted)",
        thousands(cut),
        thousands(c.accepted),
        thousands(total),
        (c.accepted - total) as f64 * 100.0 / total as f64,
        c.losses,
        thousands(c.duplicates_possible)
    );
}

fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, d) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(d);
    }
    out
}

struct Cut {
    accepted: u64,
    losses: u64,
    duplicates_possible: u64,
}

/// `n` good notifications to a gateway that closes every connection silently (close_notify,
/// no error-response) after `cut` accepted.
fn cut_run(n: u64, payload: &str, cut: u64) -> Cut {
    let mock = start_mock_with(&[], &["--close-silently-after", &cut.to_string()]);
    let config =
        Config::from_pairs(mock.config.iter().map(|(k, v)| (k.as_str(), v.as_str()))).unwrap();
    let pusher = Pusher::new(config).unwrap();
    for i in 0..n {
        let note = Notification::builder()
            .token_bytes(&token(i))
            .payload_json(payload)
            .build()
            .unwrap();
        pusher.push_async(note).unwrap();
    }
    pusher
        .ensure_delivery(Some(Duration::from_secs(600)))
        .unwrap();
    let stats = pusher.stats();
    assert_eq!((stats.accepted, stats.failed), (n, 0), "{stats:?}");
    pusher.close(Duration::from_secs(5));
    let summary = stop_mock(mock);
    let accepted = summary["accepted"].as_u64().unwrap();
    assert!(
        accepted >= n && accepted - n <= stats.duplicates_possible,
        "mock summary {summary}, {stats:?}"
    );
    Cut {
        accepted,
        losses: stats.connection_losses,
        duplicates_possible: stats.duplicates_possible,
    }
}

struct Run {
    secs: f64,
    cpu_secs: f64,
    /// Per-thread CPU per notification ("" for the baseline).
    threads: String,
}

fn report(name: &str, n: u64, r: &Run, base_rate: Option<f64>) {
    let rate = n as f64 / r.secs;
    let ratio = base_rate
        .map(|b| format!("  ({:.2}x the baseline rate)", rate / b))
        .unwrap_or_default();
    println!(
        "{name:<42} {:>10.0} notifications/s  {:>6.0} ns CPU/notification  peak RSS {:>4} MiB{ratio}",
        rate,
        r.cpu_secs * 1e9 / n as f64,
        peak_rss_mib()
    );
    if !r.threads.is_empty() {
        println!("    CPU per notification by thread: {}", r.threads);
    }
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
                .unwrap()
        })
        .collect();
    (notes, cpu_secs() - cpu0)
}

fn token(i: u64) -> Vec<u8> {
    let mut t = vec![0x3C; 32];
    t[24..].copy_from_slice(&i.to_be_bytes());
    t
}

/// Indices of the bad tokens: spread evenly.
fn bad_indices(n: u64, bad: u64) -> Vec<u64> {
    (0..bad)
        .map(|k| (k * 2 + 1) * n / (bad * 2 + 1).max(1))
        .collect()
}

struct Mock {
    child: Child,
    config: Vec<(String, String)>,
}

fn start_mock(reject: &[u64]) -> Mock {
    start_mock_with(reject, &[])
}

fn start_mock_with(reject: &[u64], args: &[&str]) -> Mock {
    let exe = std::env::current_exe().unwrap();
    let bin = exe
        .parent()
        .and_then(|p| p.parent())
        .unwrap()
        .join("apnspush-mock");
    let mut cmd = Command::new(&bin);
    for i in reject {
        cmd.arg("--reject").arg(format!(
            "{}:8",
            apnspush::notification::hex_encode(&token(*i))
        ));
    }
    cmd.args(args);
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| {
            panic!(
                "cannot start {} (build it with cargo build --release -p apnspush): {e}",
                bin.display()
            )
        });
    let mut line = String::new();
    BufReader::new(child.stdout.as_mut().unwrap())
        .read_line(&mut line)
        .unwrap();
    let v: serde_json::Value = serde_json::from_str(&line).unwrap();
    let config = v
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_owned()))
        .collect();
    Mock { child, config }
}

/// Closes the mock's stdin and returns its summary line.
fn stop_mock(mut m: Mock) -> serde_json::Value {
    drop(m.child.stdin.take());
    let mut out = String::new();
    m.child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut out)
        .unwrap();
    m.child.wait().unwrap();
    serde_json::from_str(out.trim()).unwrap()
}

fn run(n: u64, payload: &str, conns: usize, bad: u64) -> Run {
    let bad_ids = bad_indices(n, bad);
    let mock = start_mock(&bad_ids);
    let mut config =
        Config::from_pairs(mock.config.iter().map(|(k, v)| (k.as_str(), v.as_str()))).unwrap();
    config.set("connections", &conns.to_string()).unwrap();
    config.set("outcome_reports", "failures").unwrap();
    let (notes, _) = notifications(n, payload);
    let pusher = Pusher::new(config).unwrap();
    let threads0 = thread_cpu_secs();
    let cpu0 = cpu_secs();
    let t0 = Instant::now();
    for note in notes {
        pusher.push_async(note).unwrap();
    }
    pusher
        .ensure_delivery(Some(Duration::from_secs(600)))
        .unwrap();
    let secs = t0.elapsed().as_secs_f64();
    let cpu = cpu_secs() - cpu0;
    let threads = thread_split(&threads0, &thread_cpu_secs(), n);
    let stats = pusher.stats();
    assert_eq!(
        (stats.accepted, stats.rejected),
        (n - bad, bad),
        "{stats:?}"
    );
    pusher.close(Duration::from_secs(5));
    let summary = stop_mock(mock);
    assert!(
        summary["accepted"].as_u64().unwrap() >= n - bad,
        "mock summary {summary}"
    );
    Run {
        secs,
        cpu_secs: cpu,
        threads,
    }
}

/// A bare client: pre-encode every frame, write in 2048-frame TLS writes, end with a marker
/// and wait for its error-response (proof the mock processed everything).
fn baseline(n: u64, payload: &str) -> Run {
    let mock = start_mock(&[]);
    let get = |k: &str| {
        mock.config
            .iter()
            .find(|(key, _)| key == k)
            .unwrap()
            .1
            .clone()
    };
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let mut roots = rustls::RootCertStore::empty();
    roots
        .add(CertificateDer::from_pem_slice(get("ca_pem").as_bytes()).unwrap())
        .unwrap();
    let certs = vec![CertificateDer::from_pem_slice(get("cert_pem").as_bytes()).unwrap()];
    let key = PrivateKeyDer::from_pem_slice(get("key_pem").as_bytes()).unwrap();
    let tls = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_root_certificates(roots)
    .with_client_auth_cert(certs, key)
    .unwrap();
    let sock =
        std::net::TcpStream::connect((get("host").as_str(), get("port").parse::<u16>().unwrap()))
            .unwrap();
    sock.set_nodelay(true).unwrap();
    let conn =
        rustls::ClientConnection::new(Arc::new(tls), get("host").try_into().unwrap()).unwrap();
    let mut stream = rustls::StreamOwned::new(conn, sock);
    let cpu0 = cpu_secs();
    let t0 = Instant::now();
    let mut buf = Vec::with_capacity(2048 * 160);
    let mut i = 0;
    while i < n {
        buf.clear();
        for _ in 0..2048.min(n - i) {
            i += 1;
            codec::encode_frame(&mut buf, i as u32, 0, 10, &token(i), payload.as_bytes());
        }
        stream.write_all(&buf).unwrap();
    }
    buf.clear();
    codec::encode_enhanced(&mut buf, 0, 0, &[], &[]);
    stream.write_all(&buf).unwrap();
    let mut reply = [0u8; 6];
    stream.read_exact(&mut reply).unwrap();
    assert_eq!(reply[..2], [8, 2], "the marker draws status 2");
    let run = Run {
        secs: t0.elapsed().as_secs_f64(),
        cpu_secs: cpu_secs() - cpu0,
        threads: String::new(),
    };
    drop(stream);
    let summary = stop_mock(mock);
    assert_eq!(
        summary["accepted"].as_u64(),
        Some(n),
        "mock summary {summary}"
    );
    run
}
