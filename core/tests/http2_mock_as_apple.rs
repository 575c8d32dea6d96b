//! The mock as Apple behaves, seen by a client we did not write: Node's built-in `http2`
//! (nghttp2) driven by tests/h2-interop/client.js, pumping many streams across the mock's
//! GOAWAYs with token auth. Every stream must end answered or refused, and every notification
//! the mock recorded as accepted must have reached the client as a 200. Node is required:
//! without it the test fails.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use apnspush::http2::jwt::ProviderKey;
use apnspush::mock::{MockOptions, MockServer};
use serde_json::Value;

const SCRIPT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/h2-interop/client.js");

struct TempDir(PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A provider token signed now with the key the mock hands out.
fn provider_token(options: &MockOptions) -> String {
    let jwt = options.jwt.as_ref().expect("token auth");
    let key = ProviderKey::from_pem(
        jwt.private_key_pem.as_deref().unwrap(),
        &jwt.key_id,
        &jwt.team_id,
    )
    .unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    key.sign(now).unwrap()
}

/// Runs client.js against `mock` for `count` notifications and returns its record.
fn run_node_client(tag: &str, mock: &MockServer, jwt: &str, count: u64, extra: &[&str]) -> Value {
    let dir = std::env::temp_dir().join(format!(
        "apnspush-mock-as-apple-{}-{tag}",
        std::process::id()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let dir = TempDir(dir);
    let (ca, token) = (dir.0.join("ca.pem"), dir.0.join("jwt"));
    std::fs::write(&ca, mock.ca_pem()).unwrap();
    std::fs::write(&token, jwt).unwrap();
    let out = Command::new("node")
        .arg(SCRIPT)
        .args([
            "--port",
            &mock.port().to_string(),
            "--count",
            &count.to_string(),
        ])
        .arg("--ca")
        .arg(&ca)
        .arg("--jwt")
        .arg(&token)
        .args(extra)
        .output()
        .unwrap_or_else(|e| {
            panic!("this test needs Node.js 20+ as `node` on PATH (see scripts/deps.sh): {e}")
        });
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    serde_json::from_str(text.trim()).unwrap_or_else(|e| panic!("client record ({e}): {text:?}"))
}

#[test]
fn node_client_across_goaways_gets_an_answer_or_a_refusal_for_every_stream() {
    const COUNT: u64 = 3_000;
    let options = MockOptions {
        goaway_after: Some(400),
        max_concurrent_streams: 50,
        response_delay: Duration::from_millis(2),
        ..MockOptions::http2().with_token_auth()
    };
    let jwt = provider_token(&options);
    let mock = MockServer::start(options).unwrap();
    let record = run_node_client("goaway", &mock, &jwt, COUNT, &["--split-body"]);
    let streams = record["streams"].as_array().unwrap();
    let mut outcomes: HashMap<String, usize> = HashMap::new();
    let mut answered_200 = HashSet::new();
    let mut ok_per_index: HashMap<u64, u32> = HashMap::new();
    for s in streams {
        let outcome = s["outcome"].as_str().unwrap();
        let key = match outcome {
            "reset" => format!("reset {}", s["code"]),
            other => other.to_string(),
        };
        *outcomes.entry(key).or_default() += 1;
        if outcome == "answered" && s["status"] == 200 {
            answered_200.insert(s["apnsId"].as_str().unwrap().to_string());
            *ok_per_index
                .entry(s["index"].as_u64().unwrap())
                .or_default() += 1;
        }
    }
    let lost: Vec<&Value> = streams
        .iter()
        .filter(|s| s["outcome"] != "answered" && s["outcome"] != "refused")
        .collect();
    assert!(
        lost.is_empty(),
        "{} streams ended with neither an answer nor a refusal ({outcomes:?}), e.g. {:?}; \
         GOAWAYs {}",
        lost.len(),
        &lost[..lost.len().min(3)],
        record["goaways"]
    );
    assert_eq!(ok_per_index.len() as u64, COUNT, "{outcomes:?}");
    assert!(ok_per_index.values().all(|&n| n == 1));
    // Every notification the mock accepted reached the client as a 200, and nothing twice.
    let accepted: HashSet<String> = mock
        .accepted()
        .into_iter()
        .map(|a| a.apns_id.unwrap())
        .collect();
    let unanswered: Vec<&String> = accepted.difference(&answered_200).collect();
    assert!(
        unanswered.is_empty(),
        "{} accepted by the mock but never answered at the client",
        unanswered.len()
    );
    assert_eq!(mock.accepted_count(), COUNT);
    assert_eq!(accepted, answered_200);
    let goaways = record["goaways"].as_array().unwrap().len() as u64;
    assert!(goaways >= COUNT / 400 - 1, "{goaways}");
    assert_eq!(mock.http2_counts().goaways_sent, goaways);
    // Each session: one stream until the token was seen, then the configured limit.
    let limits: Vec<u64> = record["settingsLimits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_u64().unwrap())
        .collect();
    assert_eq!(&limits[..2], [1, 50], "{limits:?}");
    assert_eq!(mock.http2_counts().concurrency_violations, 0);
}
