//! Interop: the HTTP/2 client against a server not written in this project — an APNs
//! emulation on Node's built-in `http2` module (tests/h2-interop/server.js) behind TLS with a
//! certificate generated here. Proves framing, HPACK (including a response header block split
//! over CONTINUATION frames), flow control at the RFC default 65,535 windows with payloads
//! near 4096 bytes, GOAWAY handling, and the delivery headers (expiry unset vs 0, inferred
//! push type, suffixed topic) as Node parsed them. Node is required: without it the test fails.

mod common;
mod header_cases;

use apnspush::{Config, Notification, OutcomeKind, Pusher};
use common::server_process::{self, hex, payload, token};
use common::{count_kind, drain_outcomes, WAIT};
use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};
use serde_json::Value;
use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

const SCRIPT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/h2-interop/server.js");

struct NodeServer {
    child: Child,
    port: u16,
    ca_pem: String,
    _dir: TempDir,
}

struct TempDir(PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A CA and a server certificate for 127.0.0.1 signed by it, written to a fresh directory.
fn certificates(tag: &str) -> (TempDir, PathBuf, PathBuf, String) {
    let dir =
        std::env::temp_dir().join(format!("apnspush-h2-interop-{}-{tag}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let ca_key = KeyPair::generate().unwrap();
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "interop CA");
    let ca_cert = ca_params.self_signed(&ca_key).unwrap();
    let issuer = Issuer::new(ca_params, ca_key);
    let key = KeyPair::generate().unwrap();
    let mut params =
        CertificateParams::new(vec!["127.0.0.1".to_string(), "localhost".to_string()]).unwrap();
    params
        .distinguished_name
        .push(DnType::CommonName, "localhost");
    let cert = params.signed_by(&key, &issuer).unwrap();
    let (cert_path, key_path) = (dir.join("server.pem"), dir.join("server.key"));
    std::fs::write(&cert_path, cert.pem()).unwrap();
    std::fs::write(&key_path, key.serialize_pem()).unwrap();
    (TempDir(dir), cert_path, key_path, ca_cert.pem())
}

impl NodeServer {
    fn start(tag: &str, extra: &[&str]) -> NodeServer {
        let (dir, cert, key, ca_pem) = certificates(tag);
        let mut child = Command::new("node")
            .arg(SCRIPT)
            .arg("--cert")
            .arg(&cert)
            .arg("--key")
            .arg(&key)
            .args(extra)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| {
                panic!("the interop test needs Node.js 20+ as `node` on PATH (install it; see scripts/deps.sh): {e}")
            });
        let mut line = String::new();
        BufReader::new(child.stdout.as_mut().unwrap())
            .read_line(&mut line)
            .unwrap();
        let v: Value = serde_json::from_str(&line)
            .unwrap_or_else(|e| panic!("node server did not start ({e}): {line:?}"));
        let port = v["port"].as_u64().expect("port") as u16;
        NodeServer {
            child,
            port,
            ca_pem,
            _dir: dir,
        }
    }

    fn pusher(&self, extra: &[(&str, &str)]) -> Pusher {
        let mut c = Config::from_pairs([
            ("protocol", "http2"),
            ("host", "127.0.0.1"),
            ("port", &self.port.to_string()),
            ("ca_pem", &self.ca_pem),
        ])
        .unwrap();
        for (k, v) in extra {
            c.set(k, v).unwrap();
        }
        Pusher::new(c).expect("connects to the node server")
    }

    /// Ends the server and returns its record.
    fn finish(mut self) -> Value {
        server_process::finish(&mut self.child)
    }
}

#[test]
fn node_http2_server_default_windows_big_payloads_continuation_and_rejections() {
    let server = NodeServer::start("main", &[]);
    let p = server.pusher(&[]);
    let mut expected = HashMap::new();
    for i in 0..3_000u64 {
        let first = match i % 500 {
            7 => 0xbd, // 400 BadDeviceToken
            8 => 0x41, // 410 Unregistered
            9 => 0xb1, // 200 with a huge header block
            _ => 0x10,
        };
        let t = token(first, i);
        let n = Notification::builder()
            .token_bytes(&t)
            .payload_json(&payload(i, 3_900 + (i as usize % 196)))
            .user_data(i)
            .build()
            .unwrap();
        expected.insert(i, first);
        p.push_async(n).unwrap();
    }
    p.ensure_delivery(WAIT).unwrap();
    let mut outcomes = HashMap::new();
    drain_outcomes(&p, &mut outcomes);
    assert_eq!(outcomes.len(), 3_000);
    for o in outcomes.values() {
        match expected[&o.user_data] {
            0xbd => assert_eq!(
                (o.kind, o.status, o.reason.as_str()),
                (OutcomeKind::Rejected, 400, "BadDeviceToken")
            ),
            0x41 => {
                assert_eq!(
                    (o.kind, o.status, o.reason.as_str()),
                    (OutcomeKind::Rejected, 410, "Unregistered")
                );
                assert!(o.timestamp.is_some_and(|t| t > 1_600_000_000_000), "{o:?}");
            }
            _ => assert!(o.is_accepted() && o.confirmed, "{o:?}"),
        }
        assert!(o.apns_id.is_some());
    }
    let s = p.stats();
    assert_eq!((s.accepted, s.rejected, s.failed), (2_988, 12, 0), "{s:?}");
    assert_eq!(s.duplicates_possible, 0);
    drop(p);
    let record = server.finish();
    let accepted = record["accepted"].as_object().unwrap();
    assert_eq!(accepted.len(), 2_988, "each accepted token recorded");
    assert!(accepted.values().all(|c| c == 1), "none twice");
    for (i, first) in &expected {
        if *first == 0x10 || *first == 0xb1 {
            assert!(accepted.contains_key(&hex(&token(*first, *i))));
        }
    }
    assert_eq!(record["apnsIds"], 2_988, "every request carried an apns-id");
    assert_eq!(record["badBodies"], 0, "every body arrived whole");
    assert_eq!(record["rejected"].as_array().unwrap().len(), 12);
    assert!(record["maxConcurrent"].as_u64().unwrap() <= 100);
    let headers = record["headers"].as_object().unwrap();
    assert_eq!(headers.len(), 3_000);
    for h in headers.values() {
        assert_eq!(h["expiration"], Value::Null, "unset expiry sent: {h}");
        assert_eq!(h["pushType"], "alert", "{h}");
        assert_eq!(h["priority"], "10", "{h}");
    }
}

#[test]
fn node_http2_server_sees_expiry_push_type_and_topic_headers() {
    let server = NodeServer::start("headers", &[]);
    let p = server.pusher(&[("topic", header_cases::TOPIC)]);
    let cases = header_cases::cases(0x30);
    for (_, n, _) in &cases {
        p.push_async(n.clone()).unwrap();
    }
    p.ensure_delivery(WAIT).unwrap();
    let mut outcomes = HashMap::new();
    drain_outcomes(&p, &mut outcomes);
    assert_eq!(outcomes.len(), cases.len());
    assert!(outcomes.values().all(|o| o.is_accepted()), "{outcomes:?}");
    drop(p);
    let record = server.finish();
    let text = |v: &Value| v.as_str().map(str::to_owned);
    for (token, n, want) in &cases {
        let h = &record["headers"][hex(token)];
        let seen = header_cases::Seen {
            expiration: text(&h["expiration"]),
            push_type: text(&h["pushType"]),
            topic: text(&h["topic"]),
            priority: text(&h["priority"]),
        };
        assert_eq!(&seen, want, "user_data {}: {h}", n.user_data());
    }
}

/// Frame-level check that the node server really splits a big response header block over
/// HEADERS + CONTINUATION (so the pusher test above exercised that path).
#[test]
fn node_http2_server_sends_continuation_for_big_header_blocks() {
    use apnspush::http2::frame::{self, Frame, FrameDecoder};
    use apnspush::http2::hpack::HeaderEncoder;
    use rustls_pki_types::pem::PemObject;
    use std::io::Write;
    use std::sync::Arc;
    let server = NodeServer::start("continuation", &[]);
    let mut roots = rustls::RootCertStore::empty();
    let ca = rustls_pki_types::CertificateDer::from_pem_slice(server.ca_pem.as_bytes()).unwrap();
    roots.add(ca).unwrap();
    let mut config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_root_certificates(roots)
    .with_no_client_auth();
    config.alpn_protocols = vec![b"h2".to_vec()];
    let sock = std::net::TcpStream::connect(("127.0.0.1", server.port)).unwrap();
    sock.set_read_timeout(Some(std::time::Duration::from_secs(10)))
        .unwrap();
    let name = rustls_pki_types::ServerName::try_from("localhost").unwrap();
    let mut tls = rustls::StreamOwned::new(
        rustls::ClientConnection::new(Arc::new(config), name).unwrap(),
        sock,
    );
    let mut out = frame::PREFACE.to_vec();
    frame::encode_settings(&mut out, &[]);
    let path = format!("/3/device/{}", hex(&token(0xb1, 1)));
    let mut block = Vec::new();
    HeaderEncoder::new().encode(
        [
            (&b":method"[..], &b"POST"[..]),
            (b":scheme", b"https"),
            (b":path", path.as_bytes()),
            (b":authority", b"127.0.0.1"),
        ],
        &mut block,
    );
    frame::encode_headers(&mut out, 1, &block, false, 16_384);
    frame::encode_data(&mut out, 1, b"{}", true, 16_384);
    tls.write_all(&out).unwrap();
    tls.flush().unwrap();
    let mut dec = FrameDecoder::new();
    let mut buf = [0u8; 16_384];
    let mut continuations = 0;
    'read: loop {
        let n = tls.read(&mut buf).unwrap();
        assert!(n > 0, "node closed before answering");
        dec.feed(&buf[..n]);
        while let Some(f) = dec.next_frame().unwrap() {
            match f {
                Frame::Settings { ack: false, .. } => {
                    let mut ack = Vec::new();
                    frame::encode_settings_ack(&mut ack);
                    tls.write_all(&ack).unwrap();
                }
                Frame::Continuation {
                    stream_id: 1,
                    end_headers,
                    ..
                } => {
                    continuations += 1;
                    if end_headers {
                        break 'read;
                    }
                }
                Frame::Headers {
                    stream_id: 1,
                    end_headers: true,
                    ..
                } => break 'read,
                _ => {}
            }
        }
    }
    assert!(
        continuations >= 1,
        "the response header block fit one frame"
    );
    drop(tls);
    server.finish();
}

#[test]
fn node_http2_server_goaway_streams_above_last_are_replayed_not_duplicated() {
    let server = NodeServer::start("goaway", &["--goaway-after", "700", "--max-streams", "50"]);
    let p = server.pusher(&[]);
    for i in 0..3_000u64 {
        let n = Notification::builder()
            .token_bytes(&token(0x20, i))
            .payload_json(&payload(i, 200))
            .build()
            .unwrap();
        p.push_async(n).unwrap();
    }
    p.ensure_delivery(WAIT).unwrap();
    let s = p.stats();
    assert_eq!((s.accepted, s.failed, s.rejected), (3_000, 0, 0), "{s:?}");
    assert!(s.goaways >= 4, "{s:?}");
    assert!(s.last_error.contains("GOAWAY"), "{}", s.last_error);
    drop(p);
    let record = server.finish();
    let accepted = record["accepted"].as_object().unwrap();
    assert_eq!(accepted.len(), 3_000);
    let duplicates: u64 = accepted.values().map(|c| c.as_u64().unwrap() - 1).sum();
    assert!(
        duplicates <= s.duplicates_possible,
        "{duplicates} > {}",
        s.duplicates_possible
    );
    assert!(record["sessions"].as_u64().unwrap() >= 5);
    assert!(record["maxConcurrent"].as_u64().unwrap() <= 50);
}

/// GOAWAY with an error code: the streams at or below its last-stream-id will not be answered
/// (node holds them open and never resets them), so they are replayed at once as possible
/// duplicates, never left to the response timeout.
#[test]
fn node_http2_server_goaway_with_an_error_code_ends_unanswered_streams_at_once() {
    let server = NodeServer::start(
        "goaway-error",
        &["--goaway-after", "50", "--goaway-error", "2"],
    );
    // Far beyond the test's bound: waiting for it would hang the test.
    let p = server.pusher(&[("response_timeout_ms", "600000")]);
    for i in 0..300u64 {
        let n = Notification::builder()
            .token_bytes(&token(0x10, i))
            .payload_json(&payload(i, 100))
            .build()
            .unwrap();
        p.push_async(n).unwrap();
    }
    p.ensure_delivery(Some(std::time::Duration::from_secs(60)))
        .expect("every stream ended without waiting for the response timeout");
    let mut outcomes = HashMap::new();
    drain_outcomes(&p, &mut outcomes);
    assert_eq!(
        count_kind(&outcomes, OutcomeKind::Accepted),
        300,
        "{:?}",
        p.stats()
    );
    let s = p.stats();
    assert_eq!(s.response_timeouts, 0, "{s:?}");
    assert!(s.goaways >= 5, "{s:?}");
    drop(p);
    let record = server.finish();
    let stalled = record["stalled"].as_u64().unwrap();
    assert!(stalled >= 5, "{record}");
    assert!(
        s.duplicates_possible >= stalled,
        "the held streams count as possible duplicates: {s:?}"
    );
    let accepted = record["accepted"].as_object().unwrap();
    assert_eq!(accepted.len(), 300);
    assert!(accepted.values().all(|c| c == 1), "none twice");
}

#[test]
fn node_http2_server_goaway_with_an_error_code_fails_the_notification_naming_it() {
    let server = NodeServer::start(
        "goaway-error-fail",
        &["--goaway-after", "1", "--goaway-error", "2"],
    );
    let p = server.pusher(&[("response_timeout_ms", "600000"), ("max_attempts", "2")]);
    let n = Notification::builder()
        .token_bytes(&token(0x10, 1))
        .payload_json(&payload(1, 100))
        .build()
        .unwrap();
    let o = p
        .ensure_push(n, Some(std::time::Duration::from_secs(60)))
        .expect("an outcome without waiting for the response timeout");
    assert_eq!(o.kind, OutcomeKind::Failed, "{o:?}");
    assert_eq!(o.error, Some(apnspush::ErrorKind::Protocol), "{o:?}");
    assert!(
        o.reason
            .contains("GOAWAY INTERNAL_ERROR: InternalServerError")
            && o.reason.contains("attempt 2 of 2"),
        "{o:?}"
    );
    drop(p);
    let record = server.finish();
    assert_eq!(record["stalled"], 2);
    assert!(record["accepted"].as_object().unwrap().is_empty());
}
