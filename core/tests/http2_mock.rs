//! The mock's HTTP/2 mode driven frame by frame by a plain rustls client (not the pusher):
//! its answers, its record, and its enforcement of concurrency limits, flow-control windows
//! and GOAWAY, so the scenario tests that rely on it cannot pass vacuously.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::Arc;
use std::time::Duration;

use apnspush::http2::frame::{self, error_code, setting, Frame, FrameDecoder};
use apnspush::http2::hpack::{HeaderDecoder, HeaderEncoder};
use apnspush::mock::{MockOptions, MockServer};
use rustls::{ClientConfig, ClientConnection, RootCertStore, StreamOwned};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, ServerName};

struct Client {
    tls: StreamOwned<ClientConnection, TcpStream>,
    frames: FrameDecoder,
    hpack: HeaderEncoder,
    decoder: HeaderDecoder,
}

const ID: &str = "11111111-2222-4333-8444-555555555555";

impl Client {
    fn connect(server: &MockServer) -> Client {
        Client::connect_to(server.port(), server.ca_pem())
    }

    /// Connects to 127.0.0.1:`port`, trusting `ca_pem`, and sends the preface and SETTINGS.
    fn connect_to(port: u16, ca_pem: &str) -> Client {
        let mut roots = RootCertStore::empty();
        roots
            .add(CertificateDer::from_pem_slice(ca_pem.as_bytes()).unwrap())
            .unwrap();
        let mut config =
            ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
                .with_safe_default_protocol_versions()
                .unwrap()
                .with_root_certificates(roots)
                .with_no_client_auth();
        config.alpn_protocols = vec![b"h2".to_vec()];
        let sock = TcpStream::connect(("127.0.0.1", port)).unwrap();
        sock.set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        let name = ServerName::try_from("localhost").unwrap();
        let tls = StreamOwned::new(ClientConnection::new(Arc::new(config), name).unwrap(), sock);
        let mut c = Client {
            tls,
            frames: FrameDecoder::new(),
            hpack: HeaderEncoder::new(),
            decoder: HeaderDecoder::new(),
        };
        let mut hello = frame::PREFACE.to_vec();
        frame::encode_settings(&mut hello, &[]);
        c.send(&hello);
        c
    }

    fn send(&mut self, bytes: &[u8]) {
        self.tls.write_all(bytes).unwrap();
        self.tls.flush().unwrap();
    }

    /// Appends a request for `token` with `body` on `stream`.
    fn request(&mut self, out: &mut Vec<u8>, stream: u32, token: &[u8], body: &[u8], end: bool) {
        self.request_with(out, stream, token, body, end, &[]);
    }

    /// As `request`, with `extra` headers.
    fn request_with(
        &mut self,
        out: &mut Vec<u8>,
        stream: u32,
        token: &[u8],
        body: &[u8],
        end: bool,
        extra: &[(&[u8], &[u8])],
    ) {
        let path = format!("/3/device/{}", apnspush::notification::hex_encode(token));
        let mut block = Vec::new();
        let base: [(&[u8], &[u8]); 4] = [
            (b":method", b"POST"),
            (b":scheme", b"https"),
            (b":path", path.as_bytes()),
            (b"apns-id", ID.as_bytes()),
        ];
        self.hpack
            .encode(base.iter().chain(extra).copied(), &mut block);
        frame::encode_headers(out, stream, &block, false, 16_384);
        if end {
            frame::encode_data(out, stream, body, true, 16_384);
        }
    }

    /// Reads frames until `done` says stop (or the server closes).
    fn read_until(&mut self, mut done: impl FnMut(&Frame) -> bool) -> Vec<Frame> {
        let mut seen = Vec::new();
        let mut buf = [0u8; 16_384];
        loop {
            while let Some(f) = self.frames.next_frame().unwrap() {
                let stop = done(&f);
                seen.push(f);
                if stop {
                    return seen;
                }
            }
            match self.tls.read(&mut buf) {
                Ok(0) | Err(_) => return seen,
                Ok(n) => self.frames.feed(&buf[..n]),
            }
        }
    }

    /// The status of a HEADERS frame.
    fn status(&mut self, f: &Frame) -> Option<String> {
        let Frame::Headers { block, .. } = f else {
            return None;
        };
        let list = self.decoder.decode(block).unwrap();
        list.iter()
            .find(|(n, _)| n == b":status")
            .map(|(_, v)| String::from_utf8_lossy(v).into_owned())
    }
}

fn token(i: u8) -> Vec<u8> {
    vec![i; 32]
}

fn open_mock(options: MockOptions) -> MockServer {
    MockServer::start(MockOptions {
        require_client_cert: false,
        ..options
    })
    .unwrap()
}

#[test]
fn answers_200_with_apns_id_and_400_with_a_json_reason() {
    let m = open_mock(MockOptions {
        reject: vec![(token(2), 8)],
        ..MockOptions::http2()
    });
    let mut c = Client::connect(&m);
    let mut out = Vec::new();
    frame::encode_settings_ack(&mut out);
    c.request(&mut out, 1, &token(1), b"{}", true);
    c.request(&mut out, 3, &token(2), b"{}", true);
    c.send(&out);
    let mut ended = 0;
    let frames = c.read_until(|f| {
        ended += matches!(
            f,
            Frame::Headers {
                end_stream: true,
                ..
            } | Frame::Data {
                end_stream: true,
                ..
            }
        ) as u32;
        ended == 2
    });
    let statuses: Vec<String> = frames.iter().filter_map(|f| c.status(f)).collect();
    assert_eq!(statuses, ["200", "400"]);
    let body = frames.iter().find_map(|f| match f {
        Frame::Data { data, .. } => Some(data.clone()),
        _ => None,
    });
    assert_eq!(
        body.as_deref(),
        Some(&br#"{"reason":"BadDeviceToken"}"#[..])
    );
    let accepted = m.accepted();
    assert_eq!(accepted.len(), 1);
    assert_eq!(
        (accepted[0].identifier, accepted[0].apns_id.as_deref()),
        (1, Some(ID))
    );
    let rejected = m.http2_rejected();
    assert_eq!(
        (rejected[0].status, rejected[0].reason.as_str()),
        (400, "BadDeviceToken")
    );
    // Apple's behaviour: one stream at a time after a rejection.
    assert!(frames
        .iter()
        .any(|f| matches!(f, Frame::Settings { ack: false, params }
        if params.contains(&(setting::MAX_CONCURRENT_STREAMS, 1)))));
}

#[test]
fn a_stream_beyond_the_concurrency_limit_is_refused_and_counted() {
    let m = open_mock(MockOptions {
        max_concurrent_streams: 1,
        response_delay: Duration::from_millis(300),
        ..MockOptions::http2()
    });
    let mut c = Client::connect(&m);
    let mut out = Vec::new();
    c.request(&mut out, 1, &token(1), b"{}", true);
    c.request(&mut out, 3, &token(3), b"{}", true);
    c.send(&out);
    let frames = c.read_until(|f| matches!(f, Frame::RstStream { .. }));
    assert!(matches!(
        frames.last(),
        Some(Frame::RstStream {
            stream_id: 3,
            error_code: error_code::REFUSED_STREAM
        })
    ));
    // Before the client acknowledged the limit: refused, but not a violation.
    assert_eq!(m.http2_counts().concurrency_violations, 0);
    let mut out = Vec::new();
    frame::encode_settings_ack(&mut out);
    c.request(&mut out, 5, &token(5), b"{}", true);
    c.send(&out);
    let frames = c.read_until(|f| matches!(f, Frame::RstStream { .. }));
    assert!(matches!(
        frames.last(),
        Some(Frame::RstStream {
            stream_id: 5,
            error_code: error_code::REFUSED_STREAM
        })
    ));
    let counts = m.http2_counts();
    assert_eq!(
        (
            counts.concurrency_violations,
            counts.peak_concurrent_streams,
            counts.streams_ignored
        ),
        (1, 1, 2)
    );
}

#[test]
fn data_beyond_the_stream_window_is_a_flow_control_violation() {
    let m = open_mock(MockOptions {
        initial_window_size: 100,
        ..MockOptions::http2()
    });
    let mut c = Client::connect(&m);
    // Wait for the mock's SETTINGS, acknowledge it: the 100-byte window is now in force.
    c.read_until(|f| matches!(f, Frame::Settings { ack: false, .. }));
    let mut out = Vec::new();
    frame::encode_settings_ack(&mut out);
    c.request(&mut out, 1, &token(1), &[b' '; 10], false);
    frame::encode_data(&mut out, 1, &[b' '; 150], true, 16_384);
    c.send(&out);
    let frames = c.read_until(|f| matches!(f, Frame::GoAway { .. }));
    assert!(matches!(
        frames.last(),
        Some(Frame::GoAway {
            error_code: error_code::FLOW_CONTROL_ERROR,
            ..
        })
    ));
    assert_eq!(m.http2_counts().flow_control_violations, 1);
    assert_eq!(m.accepted_count(), 0);
}

#[test]
fn goaway_after_n_names_the_last_processed_stream_and_ignores_later_ones() {
    let m = open_mock(MockOptions {
        goaway_after: Some(2),
        ..MockOptions::http2()
    });
    let mut c = Client::connect(&m);
    let mut out = Vec::new();
    for (stream, t) in [(1, 1), (3, 2), (5, 3), (7, 4)] {
        c.request(&mut out, stream, &token(t), b"{}", true);
    }
    c.send(&out);
    let frames = c.read_until(|_| false); // the mock closes after answering up to the last
    let goaway = frames.iter().find_map(|f| match f {
        Frame::GoAway {
            last_stream_id,
            error_code,
            debug_data,
        } => Some((*last_stream_id, *error_code, debug_data.clone())),
        _ => None,
    });
    assert_eq!(
        goaway,
        Some((
            3,
            error_code::NO_ERROR,
            br#"{"reason":"Shutdown"}"#.to_vec()
        ))
    );
    let answered: Vec<u32> = frames
        .iter()
        .filter_map(|f| match f {
            Frame::Headers { stream_id, .. } => Some(*stream_id),
            _ => None,
        })
        .collect();
    assert_eq!(answered, [1, 3]);
    assert_eq!(m.accepted_count(), 2);
    let counts = m.http2_counts();
    assert_eq!((counts.goaways_sent, counts.streams_ignored), (1, 2));
}

#[test]
fn client_config_names_the_protocol_and_what_auth_needs() {
    let m = MockServer::start(MockOptions::http2()).unwrap();
    let c = m.client_config();
    assert_eq!(c[0], ("protocol".to_string(), "http2".to_string()));
    assert!(c.iter().any(|(k, _)| k == "cert_pem"));
    let t = MockServer::start(MockOptions::http2().with_token_auth()).unwrap();
    let keys: Vec<String> = t.client_config().into_iter().map(|(k, _)| k).collect();
    assert!(keys.contains(&"auth_key_pem".to_string()) && !keys.contains(&"cert_pem".to_string()));
    assert!(!format!("{:?}", MockOptions::http2().with_token_auth()).contains("PRIVATE KEY"));
}

#[test]
fn command_line_mock_serves_http2_with_token_auth() {
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};
    let bad = apnspush::notification::hex_encode(&token(9));
    let mut child = Command::new(env!("CARGO_BIN_EXE_apnspush-mock"))
        .args([
            "--http2",
            "--token-auth",
            "--reject-http2",
            &format!("{bad}:410:Unregistered"),
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    out.read_line(&mut line).unwrap();
    let config: serde_json::Map<String, serde_json::Value> = serde_json::from_str(&line).unwrap();
    assert_eq!(config["protocol"], "http2");
    let config = apnspush::Config::from_pairs(
        config
            .iter()
            .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_string())),
    )
    .unwrap();
    let p = apnspush::Pusher::new(config).unwrap();
    for t in [1, 9, 2] {
        let n = apnspush::Notification::builder()
            .token_bytes(&token(t))
            .payload_json("{}")
            .build()
            .unwrap();
        p.push_async(n).unwrap();
    }
    p.ensure_delivery(Some(Duration::from_secs(30))).unwrap();
    let gone = p.failed_notifications();
    assert_eq!((gone.len(), gone[0].status), (1, 410));
    assert!(gone[0].timestamp.is_some());
    drop(p);
    drop(child.stdin.take());
    let mut rest = String::new();
    out.read_to_string(&mut rest).unwrap();
    assert!(child.wait().unwrap().success());
    let summary: serde_json::Value = serde_json::from_str(rest.trim()).unwrap();
    assert_eq!(summary["accepted"], 2);
    assert_eq!(summary["http2_rejected"][0]["reason"], "Unregistered");
    assert_eq!(summary["http2_rejected"][0]["token"], bad);
    assert_eq!(summary["concurrency_violations"], 0);
}

/// Stream ids of the responses (HEADERS) among `frames`.
fn answered_streams(frames: &[Frame]) -> Vec<u32> {
    frames
        .iter()
        .filter_map(|f| match f {
            Frame::Headers { stream_id, .. } => Some(*stream_id),
            _ => None,
        })
        .collect()
}

#[test]
fn stall_after_k_answers_pings_but_no_later_request_and_counts_requests_per_connection() {
    let m = open_mock(MockOptions {
        stall_after: Some(2),
        ..MockOptions::http2()
    });
    let mut c = Client::connect(&m);
    let mut out = Vec::new();
    frame::encode_settings_ack(&mut out);
    for (stream, t) in [(1, 1), (3, 2), (5, 3), (7, 4)] {
        c.request(&mut out, stream, &token(t), b"{}", true);
    }
    frame::encode_ping(&mut out, *b"stalled1", false);
    c.send(&out);
    // The mock handles frames in order: an answer to 5 or 7 would come before the PING's ACK.
    let frames = c.read_until(|f| matches!(f, Frame::Ping { ack: true, .. }));
    assert!(matches!(
        frames.last(),
        Some(Frame::Ping { ack: true, data }) if data == b"stalled1"
    ));
    assert_eq!(answered_streams(&frames), [1, 3]);
    // Still reading, still silent: a new request and a SETTINGS change are handled the same.
    let mut out = Vec::new();
    c.request(&mut out, 9, &token(5), b"{}", true);
    frame::encode_settings(&mut out, &[(setting::INITIAL_WINDOW_SIZE, 100_000)]);
    frame::encode_ping(&mut out, *b"stalled2", false);
    c.send(&out);
    let frames = c.read_until(|f| matches!(f, Frame::Ping { ack: true, .. }));
    assert!(frames
        .iter()
        .any(|f| matches!(f, Frame::Settings { ack: true, .. })));
    assert_eq!(answered_streams(&frames), [0u32; 0]);
    assert_eq!(m.accepted_count(), 2);
    assert_eq!(m.http2_counts().streams_stalled, 3);
    assert_eq!(m.requests_per_connection(), [(1, 5)]);
    assert!(m.http2_rejected().is_empty());
    // A second connection gets its own K answers.
    let mut c2 = Client::connect(&m);
    let mut out = Vec::new();
    c2.request(&mut out, 1, &token(6), b"{}", true);
    c2.send(&out);
    let frames = c2.read_until(|f| matches!(f, Frame::Headers { .. }));
    assert_eq!(c2.status(frames.last().unwrap()).as_deref(), Some("200"));
    assert_eq!(m.accepted_count(), 3);
    assert_eq!(m.requests_per_connection(), [(1, 5), (2, 1)]);
}

/// Sends one request per `(stream, jwt)` (token auth headers, distinct device tokens) and
/// returns each stream's status, in answer order, once all of them ended.
fn exchange_with_tokens(c: &mut Client, requests: &[(u32, &str)]) -> Vec<(u32, String)> {
    let mut out = Vec::new();
    for &(stream, jwt) in requests {
        let auth = format!("bearer {jwt}");
        c.request_with(
            &mut out,
            stream,
            &token(stream as u8),
            b"{}",
            true,
            &[
                (b"authorization", auth.as_bytes()),
                (b"apns-topic", b"com.example.mock"),
            ],
        );
    }
    c.send(&out);
    let mut ended = 0;
    let frames = c.read_until(|f| {
        ended += matches!(
            f,
            Frame::Headers {
                end_stream: true,
                ..
            } | Frame::Data {
                end_stream: true,
                ..
            }
        ) as usize;
        ended == requests.len()
    });
    frames
        .iter()
        .filter_map(|f| match f {
            Frame::Headers { stream_id, .. } => c.status(f).map(|s| (*stream_id, s)),
            _ => None,
        })
        .collect()
}

#[test]
fn expire_token_after_n_uses_expires_each_token_for_good_over_all_connections() {
    use apnspush::http2::jwt::ProviderKey;
    let options = MockOptions {
        expire_token_after: Some(3),
        drop_concurrency_on_reject: false,
        ..MockOptions::http2().with_token_auth()
    };
    let jwt = options.jwt.clone().unwrap();
    let m = open_mock(options);
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
    let (first, second) = (key.sign(now).unwrap(), key.sign(now - 1).unwrap());
    assert_ne!(first, second);
    let mut c = Client::connect(&m);
    let statuses = exchange_with_tokens(&mut c, &[(1, &first), (3, &first)]);
    assert_eq!(statuses, [(1, "200".into()), (3, "200".into())]);
    // The allowance is per token over all connections: one use left for `first`.
    let mut c2 = Client::connect(&m);
    let statuses = exchange_with_tokens(&mut c2, &[(1, &first), (3, &first), (5, &second)]);
    assert_eq!(
        statuses,
        [(1, "200".into()), (3, "403".into()), (5, "200".into())]
    );
    // Expired stays expired; the new token still has its own allowance.
    let statuses = exchange_with_tokens(&mut c, &[(5, &first), (7, &second), (9, &second)]);
    assert_eq!(
        statuses,
        [(5, "403".into()), (7, "200".into()), (9, "200".into())]
    );
    let statuses = exchange_with_tokens(&mut c, &[(11, &second)]);
    assert_eq!(statuses, [(11, "403".into())]);
    assert_eq!(m.tokens_seen(), 2);
    assert_eq!(m.accepted_count(), 6);
    let rejected = m.http2_rejected();
    assert_eq!(rejected.len(), 3);
    assert!(rejected
        .iter()
        .all(|r| (r.status, r.reason.as_str()) == (403, "ExpiredProviderToken")));
}

/// The MAX_CONCURRENT_STREAMS values of the SETTINGS frames (not ACKs) among `frames`.
fn limits_advertised(frames: &[Frame]) -> Vec<u32> {
    frames
        .iter()
        .filter_map(|f| match f {
            Frame::Settings { ack: false, params } => params
                .iter()
                .find(|(id, _)| *id == setting::MAX_CONCURRENT_STREAMS)
                .map(|(_, v)| *v),
            _ => None,
        })
        .collect()
}

#[test]
fn token_auth_allows_one_stream_until_a_request_carries_a_valid_token() {
    use apnspush::http2::jwt::ProviderKey;
    let options = MockOptions {
        max_concurrent_streams: 50,
        ..MockOptions::http2().with_token_auth()
    };
    let jwt = options.jwt.clone().unwrap();
    let m = open_mock(options);
    let mut c = Client::connect(&m);
    let first = c.read_until(|f| matches!(f, Frame::Settings { ack: false, .. }));
    assert_eq!(limits_advertised(&first), [1]);
    c.send(&{
        let mut ack = Vec::new();
        frame::encode_settings_ack(&mut ack);
        ack
    });
    // A token that does not verify: 403, and the limit stays at 1.
    let forged = "eyJhbGciOiJFUzI1NiIsImtpZCI6Ik1PQ0tLRVkxMjMifQ.eyJpc3MiOiJNT0NLVEVBTTEyIiwiaWF0IjoxfQ.c2ln";
    let mut out = Vec::new();
    c.request_with(
        &mut out,
        1,
        &token(1),
        b"{}",
        true,
        &[(b"authorization", format!("bearer {forged}").as_bytes())],
    );
    frame::encode_ping(&mut out, *b"afterbad", false);
    c.send(&out);
    let frames = c.read_until(|f| matches!(f, Frame::Ping { ack: true, .. }));
    assert_eq!(answered_streams(&frames), [1]);
    assert_eq!(limits_advertised(&frames), [0u32; 0]);
    assert_eq!(m.http2_rejected()[0].reason, "InvalidProviderToken");
    // A valid token: a new SETTINGS raises the limit to the configured 50.
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
    let valid = key.sign(now).unwrap();
    let mut out = Vec::new();
    c.request_with(
        &mut out,
        3,
        &token(3),
        b"{}",
        true,
        &[
            (b"authorization", format!("bearer {valid}").as_bytes()),
            (b"apns-topic", b"com.example.mock"),
        ],
    );
    frame::encode_ping(&mut out, *b"aftergud", false);
    c.send(&out);
    let frames = c.read_until(|f| matches!(f, Frame::Ping { ack: true, .. }));
    assert_eq!(answered_streams(&frames), [3]);
    assert_eq!(limits_advertised(&frames), [50]);
    assert_eq!(m.accepted_count(), 1);
    let counts = m.http2_counts();
    assert_eq!(
        (counts.limit_changes, counts.concurrency_violations),
        (1, 0)
    );
    // Each connection starts at 1 again; without token auth the first SETTINGS has the limit.
    let mut c2 = Client::connect(&m);
    let first = c2.read_until(|f| matches!(f, Frame::Settings { ack: false, .. }));
    assert_eq!(limits_advertised(&first), [1]);
    let plain = open_mock(MockOptions {
        max_concurrent_streams: 50,
        ..MockOptions::http2()
    });
    let mut c3 = Client::connect(&plain);
    let first = c3.read_until(|f| matches!(f, Frame::Settings { ack: false, .. }));
    assert_eq!(limits_advertised(&first), [50]);
}

#[test]
fn after_goaways_either_way_the_mock_keeps_answering_up_to_the_last_stream_and_reading() {
    let m = open_mock(MockOptions {
        goaway_after: Some(1),
        goaway_grace: Duration::from_secs(60),
        ..MockOptions::http2()
    });
    let mut c = Client::connect(&m);
    let mut out = Vec::new();
    frame::encode_settings_ack(&mut out);
    c.request(&mut out, 1, &token(1), b"", false); // body to follow
    c.request(&mut out, 3, &token(3), b"{}", true);
    c.send(&out);
    let frames = c.read_until(|f| matches!(f, Frame::GoAway { .. }));
    assert!(matches!(
        frames.last(),
        Some(Frame::GoAway {
            last_stream_id: 3,
            ..
        })
    ));
    // The client's own GOAWAY, then the body of stream 1 (below the last-stream-id), a new
    // stream above it, and a PING.
    let mut out = Vec::new();
    frame::encode_goaway(&mut out, 0, error_code::NO_ERROR, b"");
    frame::encode_data(&mut out, 1, b"{}", true, 16_384);
    c.request(&mut out, 5, &token(5), b"{}", true);
    frame::encode_ping(&mut out, *b"draining", false);
    c.send(&out);
    let more = c.read_until(|f| matches!(f, Frame::Ping { ack: true, .. }));
    assert_eq!(answered_streams(&frames), [3]);
    assert_eq!(answered_streams(&more), [1], "5 is ignored silently");
    assert!(!more
        .iter()
        .any(|f| matches!(f, Frame::RstStream { .. } | Frame::GoAway { .. })));
    assert_eq!(m.accepted_count(), 2);
    assert_eq!(m.http2_counts().streams_ignored, 1);
    assert_eq!(m.requests_per_connection(), [(1, 3)]);
}

#[test]
fn command_line_mock_stalls_and_expires_tokens_and_summarises_both() {
    use apnspush::http2::jwt::ProviderKey;
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};
    let mut child = Command::new(env!("CARGO_BIN_EXE_apnspush-mock"))
        .args(["--http2", "--token-auth", "--expire-token-after", "1"])
        .args(["--stall-after", "3", "--goaway-grace-ms", "100"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    out.read_line(&mut line).unwrap();
    let config: serde_json::Value = serde_json::from_str(&line).unwrap();
    let text = |key: &str| config[key].as_str().unwrap().to_string();
    let key =
        ProviderKey::from_pem(&text("auth_key_pem"), &text("key_id"), &text("team_id")).unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let (a, b) = (key.sign(now).unwrap(), key.sign(now).unwrap());
    let mut c = Client::connect_to(text("port").parse().unwrap(), &text("ca_pem"));
    let statuses = exchange_with_tokens(&mut c, &[(1, &a)]);
    assert_eq!(statuses, [(1, "200".into())]);
    let statuses = exchange_with_tokens(&mut c, &[(3, &a), (5, &b)]);
    assert_eq!(statuses, [(3, "403".into()), (5, "200".into())]);
    // The fourth request on the connection is never answered; PINGs still are.
    let mut more = Vec::new();
    let auth = format!("bearer {b}");
    c.request_with(
        &mut more,
        7,
        &token(7),
        b"{}",
        true,
        &[
            (b"authorization", auth.as_bytes()),
            (b"apns-topic", b"com.example.mock"),
        ],
    );
    frame::encode_ping(&mut more, *b"cli-ping", false);
    c.send(&more);
    let frames = c.read_until(|f| matches!(f, Frame::Ping { ack: true, .. }));
    assert_eq!(answered_streams(&frames), [0u32; 0]);
    drop(c);
    drop(child.stdin.take());
    let mut rest = String::new();
    out.read_to_string(&mut rest).unwrap();
    assert!(child.wait().unwrap().success());
    let summary: serde_json::Value = serde_json::from_str(rest.trim()).unwrap();
    assert_eq!(summary["accepted"], 2);
    assert_eq!(summary["tokens_seen"], 2);
    assert_eq!(summary["streams_stalled"], 1);
    assert_eq!(
        summary["requests_per_connection"],
        serde_json::json!([[1, 4]])
    );
    assert_eq!(
        summary["http2_rejected"][0]["reason"],
        "ExpiredProviderToken"
    );
}

/// The response HEADERS blocks for two requests without an `apns-id` (so the mock makes up two
/// different ones), from a mock started with `options` or, when `cli` is set, from the
/// command-line mock started with `cli`.
fn two_response_blocks(options: MockOptions, cli: Option<&[&str]>) -> Vec<Vec<u8>> {
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};
    let (mut c, mut child, _mock) = match cli {
        None => {
            let m = open_mock(options);
            (Client::connect(&m), None, Some(m))
        }
        Some(args) => {
            let mut child = Command::new(env!("CARGO_BIN_EXE_apnspush-mock"))
                .args(args)
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .spawn()
                .unwrap();
            let mut line = String::new();
            BufReader::new(child.stdout.as_mut().unwrap())
                .read_line(&mut line)
                .unwrap();
            let config: serde_json::Value = serde_json::from_str(&line).unwrap();
            let text = |key: &str| config[key].as_str().unwrap().to_string();
            let c = Client::connect_to(text("port").parse().unwrap(), &text("ca_pem"));
            (c, Some(child), None)
        }
    };
    let mut out = Vec::new();
    for stream in [1u32, 3] {
        let path = format!("/3/device/{}", "ab".repeat(32));
        let mut block = Vec::new();
        c.hpack.encode(
            [(":method", "POST"), (":scheme", "https"), (":path", &path)],
            &mut block,
        );
        frame::encode_headers(&mut out, stream, &block, false, 16_384);
        frame::encode_data(&mut out, stream, b"{}", true, 16_384);
    }
    c.send(&out);
    let frames = c.read_until(|f| matches!(f, Frame::Headers { stream_id: 3, .. }));
    drop(c);
    if let Some(child) = child.as_mut() {
        drop(child.stdin.take());
        assert!(child.wait().unwrap().success());
    }
    frames
        .into_iter()
        .filter_map(|f| match f {
            Frame::Headers { block, .. } => Some(block),
            _ => None,
        })
        .collect()
}

/// As nghttp2 encodes a response: `:status 200` from the static table, `apns-id` a literal
/// with incremental indexing (name literal the first time, then the dynamic entry 62), its
/// strings Huffman-coded unless `huffman` is off; both decoders read the same list.
fn assert_encoded_as_nghttp2(blocks: &[Vec<u8>], huffman: bool) {
    assert_eq!(blocks.len(), 2);
    let (first, second) = (&blocks[0], &blocks[1]);
    assert_eq!(&first[..2], [0x88, 0x40], "indexed :status, literal name");
    let name_huffman = first[2] & 0x80 != 0;
    assert_eq!(name_huffman, huffman, "name {first:02x?}");
    assert_eq!(
        &second[..2],
        [0x88, 0x40 | 62],
        "name from the dynamic table"
    );
    assert_eq!(second[2] & 0x80 != 0, huffman, "value {second:02x?}");
    let mut ours = HeaderDecoder::new();
    let mut reference = loona_hpack::Decoder::new();
    let mut ids = Vec::new();
    for block in blocks {
        let list = ours.decode(block).unwrap();
        assert_eq!(list, reference.decode(block).unwrap());
        assert_eq!(list[0], (b":status".to_vec(), b"200".to_vec()));
        assert_eq!(list[1].0, b"apns-id");
        assert_eq!(list[1].1.len(), 36);
        ids.push(list[1].1.clone());
    }
    assert_ne!(ids[0], ids[1]);
    let coded_len = if huffman {
        apnspush::http2::huffman::encoded_len(&ids[1])
    } else {
        36
    };
    assert_eq!(usize::from(second[2] & 0x7f), coded_len, "value length");
}

#[test]
fn responses_are_encoded_as_nghttp2_does_with_huffman_unless_turned_off() {
    for huffman in [true, false] {
        let options = MockOptions {
            huffman,
            ..MockOptions::http2()
        };
        assert_encoded_as_nghttp2(&two_response_blocks(options, None), huffman);
    }
    assert!(MockOptions::default().huffman);
}

#[test]
fn command_line_mock_turns_huffman_off_with_no_huffman() {
    for (args, huffman) in [
        (&["--http2", "--no-client-cert"][..], true),
        (&["--http2", "--no-client-cert", "--no-huffman"][..], false),
    ] {
        let blocks = two_response_blocks(MockOptions::http2(), Some(args));
        assert_encoded_as_nghttp2(&blocks, huffman);
    }
}
