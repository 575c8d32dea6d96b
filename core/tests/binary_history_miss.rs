//! An error-response naming an identifier that is not in the history is never guessed at:
//! it is counted, and the whole unconfirmed tail is replayed as possible duplicates.
//! The gateway here is a hand-written TLS server that always names an unknown identifier.

use apnspush::binary::codec::{decode_request, ErrorResponse};
use apnspush::{Config, Notification, OutcomeKind, Pusher};
use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// A CA PEM and a server config whose certificate it signs, for 127.0.0.1.
fn server_tls() -> (String, Arc<rustls::ServerConfig>) {
    let ca_key = KeyPair::generate().unwrap();
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca = ca_params.self_signed(&ca_key).unwrap();
    let issuer = Issuer::new(ca_params, ca_key);
    let key = KeyPair::generate().unwrap();
    let leaf = CertificateParams::new(vec!["127.0.0.1".to_string()])
        .unwrap()
        .signed_by(&key, &issuer)
        .unwrap();
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(
            vec![CertificateDer::from(leaf.der().to_vec())],
            PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der())),
        )
        .unwrap();
    (ca.pem(), Arc::new(config))
}

/// Serves every connection the same way: read one whole request, answer status 8 naming an
/// identifier nobody used, close.
fn misnaming_gateway(listener: TcpListener, tls: Arc<rustls::ServerConfig>) {
    for sock in listener.incoming() {
        let Ok(sock) = sock else { return };
        let tls = tls.clone();
        std::thread::spawn(move || {
            let conn = rustls::ServerConnection::new(tls).unwrap();
            let mut stream = rustls::StreamOwned::new(conn, sock);
            let mut buf = Vec::new();
            let mut chunk = [0u8; 4096];
            loop {
                match stream.read(&mut chunk) {
                    Ok(0) | Err(_) => return,
                    Ok(n) => buf.extend_from_slice(&chunk[..n]),
                }
                if let Ok(Some(_)) = decode_request(&buf) {
                    let reply = ErrorResponse {
                        status: 8,
                        identifier: 0x7FFF_FFF0,
                    }
                    .encode();
                    let _ = stream.write_all(&reply);
                    let _ = stream.flush();
                    stream.conn.send_close_notify();
                    let _ = stream.flush();
                    return;
                }
            }
        });
    }
}

#[test]
fn unknown_identifier_is_counted_and_the_tail_replayed() {
    let (ca_pem, tls) = server_tls();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || misnaming_gateway(listener, tls));
    let config = Config::from_pairs([
        ("protocol", "binary"),
        ("host", "127.0.0.1"),
        ("port", &port.to_string()),
        ("ca_pem", &ca_pem),
        ("reconnect_backoff_ms", "5"),
    ])
    .unwrap();
    let pusher = Pusher::new(config).unwrap();
    for i in 0..5u8 {
        pusher
            .push_async(
                Notification::builder()
                    .token_bytes(&[i; 32])
                    .payload_json("{}")
                    .build()
                    .unwrap(),
            )
            .unwrap();
    }
    let deadline = Instant::now() + Duration::from_secs(30);
    while pusher.stats().history_misses < 3 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(5));
    }
    let stats = pusher.stats();
    assert!(stats.history_misses >= 3, "{stats:?}");
    assert!(
        stats.duplicates_possible >= 3,
        "the tail is replayed as possible duplicates: {stats:?}"
    );
    assert_eq!(stats.rejected, 0, "nobody is rejected on a guess");
    pusher.close(Duration::from_millis(100));
    let outcomes = pusher.poll_outcomes(100, Duration::from_millis(100));
    assert_eq!(
        outcomes.len(),
        5,
        "each one still ends with exactly one outcome"
    );
    assert!(outcomes
        .iter()
        .all(|o| matches!(o.kind, OutcomeKind::Failed | OutcomeKind::Cancelled)));
}
