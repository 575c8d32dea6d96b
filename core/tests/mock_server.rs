//! The mock APNs server driven by a plain rustls client (not the pusher).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use apnspush::binary::codec::{decode_feedback, encode_enhanced, encode_frame};
use apnspush::mock::{Accepted, MockOptions, MockServer, Rejected};
use apnspush::FeedbackTuple;
use rustls::{ClientConfig, ClientConnection, RootCertStore, StreamOwned};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer, ServerName};

type Tls = StreamOwned<ClientConnection, TcpStream>;

const WAIT: Duration = Duration::from_secs(10);

fn client_config(ca_pem: &str, identity: Option<(&str, &str)>) -> Arc<ClientConfig> {
    let mut roots = RootCertStore::empty();
    roots
        .add(CertificateDer::from_pem_slice(ca_pem.as_bytes()).unwrap())
        .unwrap();
    let builder =
        ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_root_certificates(roots);
    let config = match identity {
        Some((cert, key)) => builder
            .with_client_auth_cert(
                vec![CertificateDer::from_pem_slice(cert.as_bytes()).unwrap()],
                PrivateKeyDer::from_pem_slice(key.as_bytes()).unwrap(),
            )
            .unwrap(),
        None => builder.with_no_client_auth(),
    };
    Arc::new(config)
}

/// Connects to `port` with the mock's CA and, if `with_cert`, its client certificate.
fn connect_to(server: &MockServer, port: u16, with_cert: bool, name: &str) -> Tls {
    let identity = with_cert.then(|| (server.client_cert_pem(), server.client_key_pem()));
    let config = client_config(server.ca_pem(), identity);
    let name = ServerName::try_from(name.to_string()).unwrap();
    let sock = TcpStream::connect((server.host(), port)).unwrap();
    sock.set_read_timeout(Some(WAIT)).unwrap();
    StreamOwned::new(ClientConnection::new(config, name).unwrap(), sock)
}

fn connect(server: &MockServer) -> Tls {
    connect_to(server, server.port(), true, "localhost")
}

/// Reads until the server closes; the flag is true when it closed with close_notify.
fn read_to_close(tls: &mut Tls) -> (Vec<u8>, bool) {
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match tls.read(&mut buf) {
            Ok(0) => return (got, true),
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(_) => return (got, false),
        }
    }
}

fn token(i: u32) -> Vec<u8> {
    let mut t = vec![0xA0; 32];
    t[28..].copy_from_slice(&i.to_be_bytes());
    t
}

fn payload(i: u32) -> Vec<u8> {
    format!("{{\"aps\":{{\"alert\":\"n{i}\"}}}}").into_bytes()
}

/// Frame-format notifications with identifiers `ids`.
fn frames(ids: impl IntoIterator<Item = u32>) -> Vec<u8> {
    let mut buf = Vec::new();
    for i in ids {
        encode_frame(&mut buf, i, 0, 10, &token(i), &payload(i));
    }
    buf
}

/// Starts a mock with the default options changed by `edit`.
fn mock(edit: impl FnOnce(&mut MockOptions)) -> MockServer {
    let mut options = MockOptions::default();
    edit(&mut options);
    MockServer::start(options).unwrap()
}

fn ids(accepted: &[Accepted]) -> Vec<u32> {
    accepted.iter().map(|a| a.identifier).collect()
}

fn eventually(what: &str, condition: impl Fn() -> bool) {
    let deadline = Instant::now() + WAIT;
    while !condition() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// Sends `bytes`, then returns what the server wrote before closing.
fn exchange(server: &MockServer, bytes: &[u8]) -> (Vec<u8>, bool) {
    let mut tls = connect(server);
    tls.write_all(bytes).unwrap();
    tls.flush().unwrap();
    read_to_close(&mut tls)
}

#[test]
fn server_handle_is_shareable_across_threads() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<MockServer>();
}

#[test]
fn handshake_with_the_mock_ca_and_client_cert_works() {
    let server = mock(|_| {});
    for name in ["localhost", "127.0.0.1"] {
        let mut tls = connect_to(&server, server.port(), true, name);
        while tls.conn.is_handshaking() {
            tls.conn.complete_io(&mut tls.sock).unwrap();
        }
    }
    eventually("two connections", || server.connections() == 2);
    assert_eq!(server.host(), "127.0.0.1");
    let config = server.client_config();
    let keys: Vec<&str> = config.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(
        keys.join(","),
        "protocol,host,port,feedback_host,feedback_port,ca_pem,cert_pem,key_pem"
    );
    assert_eq!(config[0].1, "binary");
    assert_eq!(config[2].1, server.port().to_string());
    assert!(server
        .client_key_pem()
        .starts_with("-----BEGIN PRIVATE KEY-----"));
}

#[test]
fn client_without_certificate_is_refused_when_required() {
    let server = mock(|_| {});
    let mut tls = connect_to(&server, server.port(), false, "localhost");
    // TLS 1.3 lets the client finish its side first; the refusal arrives as an alert.
    let _ = tls.write_all(&frames([1]));
    let _ = tls.flush();
    let (got, clean) = read_to_close(&mut tls);
    assert!(
        got.is_empty() && !clean,
        "refused client got {got:?}, clean close {clean}"
    );
    std::thread::sleep(Duration::from_millis(50));
    assert_eq!(server.connections(), 0);
    assert_eq!(server.accepted_count(), 0);
}

#[test]
fn client_without_certificate_is_served_when_not_required() {
    let server = mock(|o| o.require_client_cert = false);
    let mut tls = connect_to(&server, server.port(), false, "localhost");
    tls.write_all(&frames(1..=3)).unwrap();
    tls.flush().unwrap();
    assert!(server.wait_accepted(3, WAIT));
}

#[test]
fn good_notifications_in_both_formats_are_recorded_in_order() {
    let server = mock(|_| {});
    let mut tls = connect(&server);
    let mut bytes = Vec::new();
    for i in 1..=200u32 {
        if i % 2 == 0 {
            encode_frame(&mut bytes, i, 0, 10, &token(i), &payload(i));
        } else {
            encode_enhanced(&mut bytes, i, 0, &token(i), &payload(i));
        }
    }
    // Split at odd places so requests straddle TLS records and socket reads.
    for piece in bytes.chunks(777) {
        tls.write_all(piece).unwrap();
        tls.flush().unwrap();
    }
    assert!(server.wait_accepted(200, WAIT));
    let accepted = server.accepted();
    assert_eq!(ids(&accepted), (1..=200).collect::<Vec<_>>());
    for a in &accepted {
        assert_eq!(a.token, token(a.identifier));
        assert_eq!(a.payload, payload(a.identifier));
        assert_eq!(a.connection, 1);
    }
    assert_eq!(server.accepted_count(), 200);
    assert!(server.rejected().is_empty());
}

#[test]
fn rejected_token_draws_one_error_response_and_the_rest_is_discarded() {
    let bad = token(4);
    let server = mock(|o| o.reject = vec![(bad.clone(), 8)]);
    let (got, clean) = exchange(&server, &frames(1..=7));
    assert_eq!(got, [8, 8, 0, 0, 0, 4]);
    assert!(clean, "expected close_notify after the error-response");
    std::thread::sleep(Duration::from_millis(100));
    assert_eq!(ids(&server.accepted()), [1, 2, 3]);
    assert_eq!(
        server.rejected(),
        [Rejected {
            identifier: 4,
            token: bad,
            status: 8,
            connection: 1
        }]
    );
    assert_eq!(server.markers(), 0);
}

#[test]
fn reject_rule_added_while_running_applies_to_new_requests() {
    let server = mock(|_| {});
    let (got, _) = {
        let mut tls = connect(&server);
        tls.write_all(&frames([1])).unwrap();
        tls.flush().unwrap();
        assert!(server.wait_accepted(1, WAIT));
        server.reject_token(&token(2), 5);
        tls.write_all(&frames([2, 3])).unwrap();
        tls.flush().unwrap();
        read_to_close(&mut tls)
    };
    assert_eq!(got, [8, 5, 0, 0, 0, 2]);
    assert_eq!(ids(&server.accepted()), [1]);
}

#[test]
fn invalid_requests_draw_apples_statuses() {
    let server = mock(|_| {});
    let mut short_token = Vec::new();
    encode_frame(&mut short_token, 11, 0, 10, &[1; 31], b"{}");
    let mut no_payload = Vec::new();
    encode_enhanced(&mut no_payload, 12, 0, &token(12), b"");
    let mut big_payload = Vec::new();
    encode_frame(&mut big_payload, 13, 0, 10, &token(13), &vec![b' '; 2049]);
    let cases = [
        (short_token, 5u8, 11u32),
        (no_payload, 4, 12),
        (big_payload, 7, 13),
        (vec![9, 9, 9], 1, 0),
    ];
    for (bytes, status, id) in cases {
        let (got, _) = exchange(&server, &bytes);
        let id = id.to_be_bytes();
        assert_eq!(got, [8, status, id[0], id[1], id[2], id[3]]);
    }
    let statuses: Vec<u8> = server.rejected().iter().map(|r| r.status).collect();
    assert_eq!(statuses, [5, 4, 7, 1]);
    assert_eq!(server.accepted_count(), 0);
}

#[test]
fn drop_after_closes_after_exactly_k_without_error_response() {
    let server = mock(|o| o.drop_after = Some(5));
    let (got, clean) = exchange(&server, &frames(1..=10));
    assert!(got.is_empty(), "got {got:?}");
    assert!(!clean, "drop_after must not send close_notify");
    assert_eq!(ids(&server.accepted()), [1, 2, 3, 4, 5]);
    assert!(server.rejected().is_empty());
}

#[test]
fn shutdown_after_sends_status_10_naming_the_kth_identifier() {
    let server = mock(|o| o.shutdown_after = Some(3));
    let (got, clean) = exchange(&server, &frames(100..106));
    assert_eq!(got, [8, 10, 0, 0, 0, 102]);
    assert!(clean);
    assert_eq!(ids(&server.accepted()), [100, 101, 102]);
    assert!(server.rejected().is_empty());
}

#[test]
fn close_silently_after_sends_close_notify_only() {
    let server = mock(|o| o.close_silently_after = Some(2));
    let (got, clean) = exchange(&server, &frames(1..=4));
    assert!(got.is_empty());
    assert!(clean);
    assert_eq!(ids(&server.accepted()), [1, 2]);
}

#[test]
fn error_delay_holds_the_error_response_back() {
    let delay = Duration::from_millis(300);
    let server = mock(|o| {
        o.reject = vec![(token(1), 8)];
        o.error_delay = delay;
    });
    let mut tls = connect(&server);
    while tls.conn.is_handshaking() {
        tls.conn.complete_io(&mut tls.sock).unwrap();
    }
    let sent = Instant::now();
    tls.write_all(&frames([1])).unwrap();
    tls.flush().unwrap();
    let mut response = [0u8; 6];
    tls.read_exact(&mut response).unwrap();
    assert!(
        sent.elapsed() >= delay,
        "error-response after {:?}",
        sent.elapsed()
    );
    assert_eq!(response, [8, 8, 0, 0, 0, 1]);
}

#[test]
fn zero_length_token_marker_draws_status_2_and_counts_as_marker() {
    let server = mock(|_| {});
    let mut bytes = frames([1, 2]);
    encode_frame(&mut bytes, 77, 0, 10, &[], b"{}");
    bytes.extend_from_slice(&frames([3]));
    let (got, clean) = exchange(&server, &bytes);
    assert_eq!(got, [8, 2, 0, 0, 0, 77]);
    assert!(clean);
    assert_eq!(server.markers(), 1);
    assert!(server.rejected().is_empty());
    assert_eq!(ids(&server.accepted()), [1, 2]);
}

fn fetch_feedback(server: &MockServer, with_cert: bool) -> (Vec<u8>, bool) {
    let mut tls = connect_to(server, server.feedback_port(), with_cert, "localhost");
    read_to_close(&mut tls)
}

#[test]
fn feedback_serves_tuples_once_then_none() {
    let tuples: Vec<FeedbackTuple> = (1..=3)
        .map(|i| FeedbackTuple {
            timestamp: 1_700_000_000 + i,
            token: token(i),
        })
        .collect();
    let server = mock(|o| o.feedback = tuples.clone());

    let (refused, _) = fetch_feedback(&server, false);
    assert!(
        refused.is_empty(),
        "a client without a certificate must not read feedback"
    );

    let (bytes, clean) = fetch_feedback(&server, true);
    assert!(clean);
    assert_eq!(bytes.len(), 3 * 38);
    assert_eq!(decode_feedback(&bytes).unwrap(), tuples);

    let (again, clean) = fetch_feedback(&server, true);
    assert!(again.is_empty() && clean);

    server.set_feedback(tuples[..1].to_vec());
    let (bytes, _) = fetch_feedback(&server, true);
    assert_eq!(decode_feedback(&bytes).unwrap(), tuples[..1]);
    assert_eq!(
        server.connections(),
        0,
        "feedback connections are not gateway connections"
    );
}

#[test]
fn record_without_payloads_counts_and_clear_forgets() {
    let server = mock(|o| o.record_payloads = false);
    let mut tls = connect(&server);
    tls.write_all(&frames(1..=50)).unwrap();
    tls.flush().unwrap();
    assert!(server.wait_accepted(50, WAIT));
    assert!(server.accepted().is_empty());
    assert!(!server.wait_accepted(51, Duration::from_millis(50)));
    server.clear();
    assert_eq!((server.accepted_count(), server.connections()), (0, 0));
    tls.write_all(&frames(51..=52)).unwrap();
    tls.flush().unwrap();
    assert!(server.wait_accepted(2, WAIT));
}

#[test]
fn each_connection_is_judged_separately() {
    let server = mock(|o| o.drop_after = Some(2));
    for round in 0..3u32 {
        let (got, _) = exchange(&server, &frames(round * 10..round * 10 + 5));
        assert!(got.is_empty());
    }
    let accepted = server.accepted();
    assert_eq!(ids(&accepted), [0, 1, 10, 11, 20, 21]);
    let connections: Vec<u64> = accepted.iter().map(|a| a.connection).collect();
    assert_eq!(connections, [1, 1, 2, 2, 3, 3]);
}

#[test]
fn stop_closes_live_connections_without_hanging() {
    let server = mock(|o| {
        o.reject = vec![(token(1), 8)];
        o.error_delay = Duration::from_secs(3600);
    });
    let mut idle = connect(&server);
    let mut waiting = connect(&server);
    while idle.conn.is_handshaking() {
        idle.conn.complete_io(&mut idle.sock).unwrap();
    }
    waiting.write_all(&frames([1])).unwrap();
    waiting.flush().unwrap();
    let _half_open = TcpStream::connect((server.host(), server.port())).unwrap();
    eventually("the rejection", || server.rejected().len() == 1);
    let (port, started) = (server.port(), Instant::now());
    server.stop();
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "stop took {:?}",
        started.elapsed()
    );
    assert!(read_to_close(&mut idle).0.is_empty());
    assert!(read_to_close(&mut waiting).0.is_empty());
    assert!(
        TcpStream::connect(("127.0.0.1", port)).is_err(),
        "listener still open after stop"
    );
}

#[test]
fn one_connection_carries_a_large_stream() {
    let n = 200_000u32;
    let server = mock(|o| o.record_payloads = false);
    let mut tls = connect(&server);
    let started = Instant::now();
    let mut bytes = Vec::with_capacity(1 << 20);
    for batch in (0..n).collect::<Vec<_>>().chunks(10_000) {
        bytes.clear();
        for &i in batch {
            encode_frame(
                &mut bytes,
                i,
                0,
                10,
                &token(i),
                br#"{"aps":{"alert":"hi"}}"#,
            );
        }
        tls.write_all(&bytes).unwrap();
    }
    tls.flush().unwrap();
    assert!(server.wait_accepted(n as u64, Duration::from_secs(120)));
    let secs = started.elapsed().as_secs_f64();
    eprintln!(
        "mock accepted {n} notifications in {secs:.3} s ({:.0}/s)",
        n as f64 / secs
    );
}

#[test]
fn command_line_mock_prints_json_config_and_summary() {
    let bad = token(9);
    let mut child = Command::new(env!("CARGO_BIN_EXE_apnspush-mock"))
        .args([
            "--reject",
            &format!("{}:8", hex(&bad)),
            "--feedback",
            &format!("1700000000:{}", hex(&token(5))),
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    stdout.read_line(&mut line).unwrap();
    let config: serde_json::Value = serde_json::from_str(&line).unwrap();
    let field = |k: &str| {
        config[k]
            .as_str()
            .unwrap_or_else(|| panic!("no {k} in {line}"))
            .to_string()
    };
    assert_eq!(field("host"), "127.0.0.1");
    assert_eq!(field("feedback_host"), "127.0.0.1");

    let tls_config = client_config(
        &field("ca_pem"),
        Some((&field("cert_pem"), &field("key_pem"))),
    );
    let open = |port: String| {
        let sock = TcpStream::connect(("127.0.0.1", port.parse::<u16>().unwrap())).unwrap();
        sock.set_read_timeout(Some(WAIT)).unwrap();
        let name = ServerName::try_from("localhost").unwrap();
        StreamOwned::new(
            ClientConnection::new(tls_config.clone(), name).unwrap(),
            sock,
        )
    };
    let mut tls = open(field("port"));
    tls.write_all(&frames([1, 2, 3, 9, 10])).unwrap();
    tls.flush().unwrap();
    assert_eq!(read_to_close(&mut tls).0, [8, 8, 0, 0, 0, 9]);
    let feedback = read_to_close(&mut open(field("feedback_port"))).0;
    assert_eq!(
        decode_feedback(&feedback).unwrap(),
        [FeedbackTuple {
            timestamp: 1_700_000_000,
            token: token(5)
        }]
    );

    drop(child.stdin.take());
    let mut rest = String::new();
    stdout.read_to_string(&mut rest).unwrap();
    assert!(child.wait().unwrap().success());
    let summary: serde_json::Value = serde_json::from_str(rest.trim()).unwrap();
    assert_eq!(summary["accepted"], 3);
    assert_eq!(summary["connections"], 1);
    assert_eq!(summary["rejected"][0]["status"], 8);
    assert_eq!(summary["rejected"][0]["identifier"], 9);
    assert_eq!(summary["rejected"][0]["token"], hex(&bad));
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
