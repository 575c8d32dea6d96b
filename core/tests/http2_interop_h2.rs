//! Interop: the HTTP/2 client against `apnspush-h2-server` (tests/h2-server), an APNs emulation
//! on the `h2` crate (hyper's HTTP/2): another independent HPACK implementation (it Huffman-codes
//! the response headers), flow control, concurrency limits. The server runs as a process; it is
//! not a default workspace member, so it must be built first:
//! `cargo build -p apnspush-h2-server` (scripts/test-rust.sh does). Without it the test fails.

mod common;

use apnspush::{Config, Notification, OutcomeKind, Pusher};
use common::server_process::{self, hex, payload, token};
use common::{drain_outcomes, WAIT};
use serde_json::Value;
use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

struct H2Server {
    child: Child,
    config: Vec<(String, String)>,
}

/// target/<profile>/apnspush-h2-server beside this test's deps/ directory, or the path in
/// `APNSPUSH_H2_SERVER`.
fn binary() -> PathBuf {
    if let Some(path) = std::env::var_os("APNSPUSH_H2_SERVER") {
        return path.into();
    }
    let exe = std::env::current_exe().unwrap();
    exe.parent()
        .and_then(|deps| deps.parent())
        .unwrap()
        .join("apnspush-h2-server")
}

impl H2Server {
    fn start(args: &[&str]) -> H2Server {
        let bin = binary();
        let mut child = Command::new(&bin)
            .arg("--record-tokens")
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| {
                panic!(
                    "cannot start {} (build it first: cargo build -p apnspush-h2-server): {e}",
                    bin.display()
                )
            });
        let mut line = String::new();
        BufReader::new(child.stdout.as_mut().unwrap())
            .read_line(&mut line)
            .unwrap();
        let v: Value = serde_json::from_str(&line)
            .unwrap_or_else(|e| panic!("h2 server did not start ({e}): {line:?}"));
        let config = v
            .as_object()
            .unwrap()
            .iter()
            .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_owned()))
            .collect();
        H2Server { child, config }
    }

    fn pusher(&self, extra: &[(&str, &str)]) -> Pusher {
        let mut c =
            Config::from_pairs(self.config.iter().map(|(k, v)| (k.as_str(), v.as_str()))).unwrap();
        for (k, v) in extra {
            c.set(k, v).unwrap();
        }
        Pusher::new(c).expect("connects to the h2 server")
    }

    /// Ends the server and returns its summary.
    fn finish(mut self) -> Value {
        server_process::finish(&mut self.child)
    }
}

/// Pushes `count` notifications (every 500th from index 7 on a 0xbd token, which the server
/// rejects) and checks the outcomes and the server's record: every good token accepted exactly
/// once, every bad one rejected once with its reason.
fn push_and_check(server: H2Server, p: Pusher, count: u64, size: impl Fn(u64) -> usize) -> Value {
    let mut good = Vec::new();
    let mut bad = Vec::new();
    for i in 0..count {
        let first = if i % 500 == 7 { 0xbd } else { 0x10 };
        let t = token(first, i);
        let n = Notification::builder()
            .token_bytes(&t)
            .payload_json(&payload(i, size(i)))
            .user_data(i)
            .build()
            .unwrap();
        if first == 0xbd { &mut bad } else { &mut good }.push(hex(&t));
        p.push_async(n).unwrap();
    }
    p.ensure_delivery(WAIT).unwrap();
    let mut outcomes = HashMap::new();
    drain_outcomes(&p, &mut outcomes);
    assert_eq!(outcomes.len() as u64, count);
    for o in outcomes.values() {
        if o.user_data % 500 == 7 {
            assert_eq!(
                (o.kind, o.status, o.reason.as_str()),
                (OutcomeKind::Rejected, 400, "BadDeviceToken"),
                "{o:?}"
            );
        } else {
            assert!(o.is_accepted() && o.confirmed, "{o:?}");
        }
        assert!(o.apns_id.is_some(), "{o:?}");
    }
    let s = p.stats();
    let rejected = bad.len() as u64;
    assert_eq!(
        (s.accepted, s.rejected, s.failed),
        (count - rejected, rejected, 0),
        "{s:?}"
    );
    assert_eq!(s.duplicates_possible, 0, "{s:?}");
    drop(p);
    let record = server.finish();
    let accepted = record["accepted_tokens"].as_object().unwrap();
    assert_eq!(accepted.len(), good.len(), "each accepted token recorded");
    for t in &good {
        assert_eq!(accepted.get(t), Some(&Value::from(1)), "{t} accepted once");
    }
    let rejections = record["rejections"].as_array().unwrap();
    assert_eq!(rejections.len(), bad.len());
    for r in rejections {
        assert!(
            bad.contains(&r["token"].as_str().unwrap().to_string()),
            "{r}"
        );
        assert_eq!(
            (&r["status"], &r["reason"]),
            (&400.into(), &"BadDeviceToken".into())
        );
    }
    assert_eq!(
        record["apns_ids_generated"], 0,
        "every request carried an apns-id"
    );
    record
}

#[test]
fn h2_crate_server_default_windows_big_payloads_and_rejections() {
    // The RFC's 65,535-byte windows and 100 streams: payloads near 4096 bytes exhaust the
    // connection window every 16 requests.
    let server = H2Server::start(&["--max-concurrent-streams", "100"]);
    let p = server.pusher(&[]);
    let record = push_and_check(server, p, 3_000, |i| 3_900 + (i as usize % 196));
    assert_eq!(record["connections"], 1);
}

#[test]
fn h2_crate_server_token_auth_four_connections_large_windows() {
    let server = H2Server::start(&[
        "--token-auth",
        "--max-concurrent-streams",
        "1000",
        "--initial-window-size",
        "1048576",
        "--connection-window-size",
        "67108864",
    ]);
    let p = server.pusher(&[("connections", "4")]);
    let record = push_and_check(server, p, 5_000, |i| 100 + (i as usize % 300));
    assert_eq!(record["connections"], 4);
    assert_eq!(
        record["without_authorization"], 0,
        "every request carried a JWT"
    );
}
