//! A hostile or broken server cannot make the client grow without bound: each test runs a
//! small raw TLS server (the crate's frame codec over rustls) that misbehaves one way, and
//! checks what the client sent back, what the pusher reported, and what the server saw.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use apnspush::http2::frame::{self, error_code, setting, Frame, FrameDecoder};
use apnspush::{Config, Notification, OutcomeKind, Pusher};
use rustls::{ServerConfig, ServerConnection};
use rustls_pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

const WAIT: Option<Duration> = Some(Duration::from_secs(60));

/// A self-signed certificate for 127.0.0.1: its PEM (what the client trusts) and the server
/// config using it, offering `alpn`.
fn server_tls(alpn: &[&[u8]]) -> (String, Arc<ServerConfig>) {
    let cert = rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_string()]).unwrap();
    let pem = cert.cert.pem();
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(cert.signing_key.serialize_der()));
    let mut config =
        ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(vec![CertificateDer::from(cert.cert.der().to_vec())], key)
            .unwrap();
    config.alpn_protocols = alpn.iter().map(|p| p.to_vec()).collect();
    (pem, Arc::new(config))
}

/// One accepted TLS connection, read frame by frame.
struct Peer {
    tls: ServerConnection,
    sock: TcpStream,
    frames: FrameDecoder,
}

impl Peer {
    fn accept(listener: &TcpListener, config: &Arc<ServerConfig>) -> Peer {
        let (mut sock, _) = listener.accept().unwrap();
        sock.set_read_timeout(Some(Duration::from_secs(30)))
            .unwrap();
        // A client that gave up may leave its socket open, unread: a flood stops there.
        sock.set_write_timeout(Some(Duration::from_secs(2)))
            .unwrap();
        let mut tls = ServerConnection::new(config.clone()).unwrap();
        while tls.is_handshaking() {
            if let Err(e) = tls.complete_io(&mut sock) {
                panic!("handshake: {e}");
            }
        }
        tls.set_buffer_limit(None);
        Peer {
            tls,
            sock,
            frames: FrameDecoder::server_side(),
        }
    }

    fn send(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.tls.writer().write_all(bytes)?;
        while self.tls.wants_write() {
            self.tls.write_tls(&mut self.sock)?;
        }
        Ok(())
    }

    /// The next frame from the client; `None` once it closed or failed.
    fn next(&mut self) -> Option<Frame> {
        let mut raw = [0u8; 16 * 1024];
        loop {
            match self.frames.next_frame() {
                Ok(Some(f)) => return Some(f),
                Ok(None) => {}
                Err(_) => return None,
            }
            let n = self.sock.read(&mut raw).ok().filter(|&n| n > 0)?;
            let mut data = &raw[..n];
            while !data.is_empty() {
                self.tls.read_tls(&mut data).ok()?;
                let state = self.tls.process_new_packets().ok()?;
                let mut plain = vec![0u8; state.plaintext_bytes_to_read()];
                self.tls.reader().read_exact(&mut plain).ok()?;
                self.frames.feed(&plain);
            }
        }
    }

    /// Reads until a request on a new stream is complete (END_STREAM); returns its id.
    /// `seen` gets every frame read meanwhile.
    fn request(&mut self, seen: &mut Vec<Frame>) -> Option<u32> {
        loop {
            let f = self.next()?;
            let done = match &f {
                Frame::Data {
                    stream_id,
                    end_stream: true,
                    ..
                }
                | Frame::Headers {
                    stream_id,
                    end_stream: true,
                    ..
                } => Some(*stream_id),
                Frame::Settings { ack: false, .. } => {
                    let mut ack = Vec::new();
                    frame::encode_settings_ack(&mut ack);
                    self.send(&ack).ok()?;
                    None
                }
                _ => None,
            };
            seen.push(f);
            if done.is_some() {
                return done;
            }
        }
    }

    /// Answers `stream_id` with `:status 200` (static table index 8) and END_STREAM.
    fn answer_200(&mut self, stream_id: u32) {
        let mut buf = Vec::new();
        frame::encode_headers(&mut buf, stream_id, &[0x88], true, 16_384);
        self.send(&buf).unwrap();
    }

    /// Reads until the client closes; returns every frame.
    fn rest(&mut self) -> Vec<Frame> {
        std::iter::from_fn(|| self.next()).collect()
    }
}

/// Serves `connections` connections one after the other with `script` (given the connection
/// index from 0); the thread returns what each script returned.
fn serve<T: Send + 'static>(
    connections: usize,
    script: impl Fn(usize, &mut Peer) -> T + Send + 'static,
) -> (Config, JoinHandle<Vec<T>>) {
    let (ca_pem, config) = server_tls(&[b"h2"]);
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let handle = std::thread::spawn(move || {
        (0..connections)
            .map(|i| {
                let mut peer = Peer::accept(&listener, &config);
                let mut settings = Vec::new();
                frame::encode_settings(&mut settings, &[]);
                peer.send(&settings).unwrap();
                script(i, &mut peer)
            })
            .collect()
    });
    let key = apnspush::http2::jwt::generate_test_key_pem();
    let mut c = Config::new();
    for (k, v) in [
        ("protocol", "http2"),
        ("host", "127.0.0.1"),
        ("port", &port.to_string()),
        ("ca_pem", &ca_pem),
        ("auth_key_pem", &key),
        ("key_id", "KEYID12345"),
        ("team_id", "TEAMID1234"),
        ("topic", "com.example.hostile"),
        ("response_timeout_ms", "20000"),
    ] {
        c.set(k, v).unwrap();
    }
    (c, handle)
}

fn notification() -> Notification {
    Notification::builder()
        .token_bytes(&[0xAB; 32])
        .payload_json("{\"aps\":{\"alert\":\"hi\"}}")
        .user_data(7)
        .build()
        .unwrap()
}

/// Pushes one notification, waits for its outcome, closes the pusher; returns the outcome
/// kind and the stats.
fn push_one(config: Config) -> (OutcomeKind, apnspush::Stats) {
    let p = Pusher::new(config).unwrap();
    p.push_async(notification()).unwrap();
    p.ensure_delivery(WAIT).unwrap();
    let outcomes = p.poll_outcomes(10, Duration::from_millis(100));
    assert_eq!(outcomes.len(), 1, "{outcomes:?}");
    let stats = p.stats();
    p.close(Duration::from_secs(10));
    (outcomes[0].kind, stats)
}

fn goaway_codes(frames: &[Frame]) -> Vec<u32> {
    frames
        .iter()
        .filter_map(|f| match f {
            Frame::GoAway { error_code, .. } => Some(*error_code),
            _ => None,
        })
        .collect()
}

/// 20,000 PINGs in one burst: the client keeps one acknowledgement pending (the latest
/// payload), so it sends a handful, not 20,000, and the connection carries on.
#[test]
fn ping_flood_is_answered_with_one_pending_ack() {
    const PINGS: u64 = 20_000;
    let (config, server) = serve(1, |_, peer| {
        let mut flood = Vec::new();
        for i in 0..PINGS {
            frame::encode_ping(&mut flood, i.to_be_bytes(), false);
        }
        peer.send(&flood).unwrap();
        let mut seen = Vec::new();
        let id = peer.request(&mut seen).unwrap();
        // The latest PING's acknowledgement always goes out.
        let last = (PINGS - 1).to_be_bytes();
        let acked_last = |f: &Frame| matches!(f, Frame::Ping { ack: true, data } if *data == last);
        while !seen.iter().any(acked_last) {
            seen.push(peer.next().unwrap());
        }
        peer.answer_200(id);
        seen.extend(peer.rest());
        seen.iter()
            .filter(|f| matches!(f, Frame::Ping { ack: true, .. }))
            .count()
    });
    let (kind, stats) = push_one(config);
    assert_eq!(kind, OutcomeKind::Accepted);
    assert_eq!(stats.connection_losses, 0, "{}", stats.last_error);
    let acks = server.join().unwrap()[0];
    assert!(
        (1..=100).contains(&acks),
        "{acks} PING ACKs for {PINGS} PINGs"
    );
}

/// Runs the "bad frame after the request" scenario: connection 0 reads the request and sends
/// `bad(stream_id)`, connection 1 answers. Returns the GOAWAY codes connection 0 received,
/// the requests each connection saw, the outcome and the stats.
fn bad_frame_after_request(
    bad: fn(u32) -> Vec<u8>,
) -> (Vec<u32>, Vec<usize>, OutcomeKind, apnspush::Stats) {
    let (config, server) = serve(2, move |i, peer| {
        let mut seen = Vec::new();
        let id = peer.request(&mut seen).unwrap();
        if i == 0 {
            peer.send(&bad(id)).unwrap();
            seen.extend(peer.rest());
            return (goaway_codes(&seen), 1);
        }
        peer.answer_200(id);
        seen.extend(peer.rest());
        (goaway_codes(&seen), 1)
    });
    let (kind, stats) = push_one(config);
    let seen = server.join().unwrap();
    (
        seen[0].0.clone(),
        seen.iter().map(|s| s.1).collect(),
        kind,
        stats,
    )
}

/// HEADERS on a stream the client never opened: a connection PROTOCOL_ERROR (GOAWAY sent),
/// the notification in flight is replayed on a new connection and accepted there.
#[test]
fn headers_on_a_stream_never_opened_is_a_connection_protocol_error() {
    let (codes, requests, kind, stats) = bad_frame_after_request(|id| {
        let mut buf = Vec::new();
        frame::encode_headers(&mut buf, id + 2, &[0x88], false, 16_384);
        buf
    });
    assert_eq!(codes, vec![error_code::PROTOCOL_ERROR]);
    assert_eq!(requests, vec![1, 1], "the notification was replayed");
    assert_eq!(kind, OutcomeKind::Accepted);
    assert_eq!(stats.connection_losses, 1);
    assert!(
        stats.last_error.contains("never opened"),
        "{}",
        stats.last_error
    );
}

/// DATA on a stream the client never opened: the same.
#[test]
fn data_on_a_stream_never_opened_is_a_connection_protocol_error() {
    let (codes, requests, kind, stats) = bad_frame_after_request(|id| {
        let mut buf = Vec::new();
        frame::encode_data(&mut buf, id + 4, b"{}", false, 16_384);
        buf
    });
    assert_eq!(codes, vec![error_code::PROTOCOL_ERROR]);
    assert_eq!(requests, vec![1, 1]);
    assert_eq!(kind, OutcomeKind::Accepted);
    assert_eq!(stats.connection_losses, 1);
    assert!(
        stats.last_error.contains("never opened"),
        "{}",
        stats.last_error
    );
}

/// One SETTINGS frame names SETTINGS_INITIAL_WINDOW_SIZE twice: only the last value counts,
/// so a first value that would overflow the open stream's window is not an error.
#[test]
fn settings_apply_the_last_value_of_each_kind() {
    let (config, server) = serve(1, |_, peer| {
        let mut seen = Vec::new();
        let id = peer.request(&mut seen).unwrap();
        let mut buf = Vec::new();
        frame::encode_window_update(&mut buf, id, 1_000_000);
        frame::encode_settings(
            &mut buf,
            &[
                (setting::INITIAL_WINDOW_SIZE, frame::MAX_WINDOW_SIZE),
                (setting::INITIAL_WINDOW_SIZE, 65_535),
            ],
        );
        peer.send(&buf).unwrap();
        // Its ACK proves the client applied it.
        while !seen
            .iter()
            .any(|f| matches!(f, Frame::Settings { ack: true, .. }))
        {
            seen.push(peer.next().unwrap());
        }
        peer.answer_200(id);
        seen.extend(peer.rest());
        goaway_codes(&seen)
    });
    let (kind, stats) = push_one(config);
    assert_eq!(kind, OutcomeKind::Accepted);
    assert_eq!(stats.connection_losses, 0, "{}", stats.last_error);
    let codes = &server.join().unwrap()[0];
    assert!(
        codes.iter().all(|&c| c == error_code::NO_ERROR),
        "{codes:?}"
    );
}

/// SETTINGS frames by the million while the server reads nothing: once the ACKs the client
/// cannot write pile past its cap, the connection ends with ENHANCE_YOUR_CALM instead of
/// queueing them all; the notification is replayed on a new connection and accepted.
#[test]
fn settings_flood_past_the_control_frame_cap_ends_the_connection() {
    let (config, server) = serve(2, |i, peer| {
        let mut seen = Vec::new();
        let id = peer.request(&mut seen).unwrap();
        if i == 0 {
            let mut burst = Vec::new();
            for _ in 0..10_000 {
                frame::encode_settings(&mut burst, &[]);
            }
            // 2,000,000 frames (18 MB) at most; the client gives up long before.
            let mut sent = 0;
            while sent < 200 && peer.send(&burst).is_ok() {
                sent += 1;
            }
            return sent;
        }
        peer.answer_200(id);
        peer.rest();
        0
    });
    let (kind, stats) = push_one(config);
    let sent = server.join().unwrap()[0];
    assert!(
        sent < 200,
        "the client took 2,000,000 SETTINGS without complaint"
    );
    assert_eq!(kind, OutcomeKind::Accepted);
    assert_eq!(stats.connection_losses, 1);
    assert!(
        stats.last_error.contains("ENHANCE_YOUR_CALM"),
        "{}",
        stats.last_error
    );
}

/// A feedback service that never stops: one fetch reads `MAX_FEEDBACK_BYTES`, returns the
/// complete tuples in it, and closes the connection.
#[test]
fn feedback_reads_are_capped() {
    let (ca_pem, config) = server_tls(&[]);
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = std::thread::spawn(move || {
        let mut peer = Peer::accept(&listener, &config);
        let mut tuple = vec![0, 0, 0, 1, 0, 32];
        tuple.extend_from_slice(&[0xCD; 32]);
        let burst = tuple.repeat(1000);
        let mut sent = 0usize;
        while sent < 64 * 1024 * 1024 && peer.send(&burst).is_ok() {
            sent += burst.len();
        }
        sent
    });
    let client = rcgen::generate_simple_self_signed(vec!["client".to_string()]).unwrap();
    let mut c = Config::new();
    for (k, v) in [
        ("protocol", "binary"),
        ("feedback_host", "127.0.0.1"),
        ("feedback_port", &port.to_string()),
        ("ca_pem", &ca_pem),
        ("cert_pem", &client.cert.pem()),
        ("key_pem", &client.signing_key.serialize_pem()),
    ] {
        c.set(k, v).unwrap();
    }
    let tuples = apnspush::fetch_feedback(&c).unwrap();
    assert_eq!(tuples.len(), apnspush::MAX_FEEDBACK_BYTES / 38);
    assert!(tuples
        .iter()
        .all(|t| t.timestamp == 1 && t.token == [0xCD; 32]));
    let sent = server.join().unwrap();
    assert!(sent < 64 * 1024 * 1024, "the client read all {sent} bytes");
}

/// HEADERS starting responses on streams already closed: responses in progress never
/// outnumber the streams open, each extra one is reset (RST_STREAM PROTOCOL_ERROR), and a
/// stream above the last one opened is a connection PROTOCOL_ERROR.
#[test]
fn session_buffers_responses_only_for_open_streams() {
    use apnspush::http2::session::{ClientSession, Event};
    let mut session = ClientSession::default();
    session.streams_opened(199, 1);
    let mut input = Vec::new();
    for id in (1..=199).step_by(2) {
        frame::encode_headers(&mut input, id, &[0x88], false, 16_384);
    }
    let (mut events, mut out) = (Vec::new(), Vec::new());
    session.receive(&input, &mut events, &mut out).unwrap();
    assert_eq!(session.partial_count(), 1);
    let resets = events
        .iter()
        .filter(|e| matches!(e, Event::Reset { error_code: 1, .. }))
        .count();
    assert_eq!(resets, 99);
    let mut sent = FrameDecoder::new();
    sent.feed(&out);
    let mut rst = 0;
    while let Some(f) = sent.next_frame().unwrap() {
        assert!(matches!(f, Frame::RstStream { error_code: 1, .. }), "{f:?}");
        rst += 1;
    }
    assert_eq!(rst, 99);
    let mut above = Vec::new();
    frame::encode_headers(&mut above, 201, &[0x88], true, 16_384);
    let err = session.receive(&above, &mut events, &mut out).unwrap_err();
    assert_eq!(err.code, error_code::PROTOCOL_ERROR);
}
