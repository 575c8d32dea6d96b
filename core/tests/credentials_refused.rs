//! A gateway that refuses the client certificate is a clear, fast failure: the constructor
//! reports it as `Credentials`, a later refusal fails the queued notifications with it after
//! backoff, and nothing is counted as a possible duplicate (the server processed nothing).

mod common;

use apnspush::mock::{MockOptions, MockServer};
use apnspush::{Config, ErrorKind, OutcomeKind, Pusher};
use common::*;
use parking_lot::Mutex;
use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// A self-signed client certificate and its key (PEM): no gateway's CA signed it.
fn self_signed_identity() -> (String, String) {
    let ck = rcgen::generate_simple_self_signed(vec!["client.example".to_string()]).unwrap();
    (ck.cert.pem(), ck.signing_key.serialize_pem())
}

fn with_identity(mut c: Config, cert: &str, key: &str) -> Config {
    c.set("cert_pem", cert).unwrap();
    c.set("key_pem", key).unwrap();
    c
}

fn assert_refused(err: &apnspush::Error, alert: &str) {
    assert_eq!(err.kind(), ErrorKind::Credentials, "{err}");
    assert!(err.message().contains(alert), "{err}");
}

#[test]
fn binary_self_signed_certificate_fails_the_constructor_as_credentials() {
    let m = mock(MockOptions::default());
    let (cert, key) = self_signed_identity();
    let c = with_identity(config(&m, &[]), &cert, &key);
    let err = Pusher::new(c)
        .err()
        .expect("the gateway refuses the certificate");
    assert_refused(
        &err,
        "the server refused the client certificate: TLS alert unknown_ca",
    );
    assert_eq!((m.connections(), m.accepted_count()), (0, 0));
}

#[test]
fn binary_without_client_certificate_fails_the_constructor_naming_certificate_required() {
    let m = mock(MockOptions::default());
    let c = with_identity(config(&m, &[]), "", "");
    let err = Pusher::new(c)
        .err()
        .expect("the gateway requires a certificate");
    assert_refused(&err, "none is configured");
    assert!(err.message().contains("certificate_required"), "{err}");
    assert_eq!((m.connections(), m.accepted_count()), (0, 0));
}

#[test]
fn http2_self_signed_certificate_fails_the_constructor_as_credentials() {
    let m = mock(MockOptions::http2());
    let (cert, key) = self_signed_identity();
    let c = with_identity(config(&m, &[]), &cert, &key);
    let err = Pusher::new(c)
        .err()
        .expect("the server refuses the certificate");
    assert_refused(
        &err,
        "the server refused the client certificate: TLS alert unknown_ca",
    );
    assert_eq!((m.connections(), m.accepted_count()), (0, 0));
}

#[test]
fn http2_without_client_certificate_fails_the_constructor_naming_certificate_required() {
    let m = mock(MockOptions::http2());
    let c = with_identity(config(&m, &[]), "", "");
    let err = Pusher::new(c)
        .err()
        .expect("the server requires a certificate");
    assert_refused(&err, "certificate_required");
    assert_eq!((m.connections(), m.accepted_count()), (0, 0));
}

/// A TCP relay on 127.0.0.1: connection `i` goes to the gateway port `route(i)`. With `hold`,
/// what the client sends after its first TLS record (the ClientHello) is held back that
/// long, so the server judges the client certificate late.
struct Relay {
    port: u16,
    accepted: Arc<AtomicUsize>,
    /// Both sockets of every relayed connection, in order.
    pairs: Arc<Mutex<Vec<(TcpStream, TcpStream)>>>,
    stop: Arc<AtomicBool>,
}

impl Relay {
    fn start(route: impl Fn(usize) -> u16 + Send + 'static, hold: Duration) -> Relay {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let accepted = Arc::new(AtomicUsize::new(0));
        let pairs = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let (n, all, stopping) = (accepted.clone(), pairs.clone(), stop.clone());
        std::thread::spawn(move || {
            for client in listener.incoming() {
                if stopping.load(SeqCst) {
                    return;
                }
                let Ok(client) = client else { continue };
                let i = n.fetch_add(1, SeqCst);
                let Ok(server) = TcpStream::connect(("127.0.0.1", route(i))) else {
                    continue;
                };
                all.lock()
                    .push((client.try_clone().unwrap(), server.try_clone().unwrap()));
                let (c2, s2) = (client.try_clone().unwrap(), server.try_clone().unwrap());
                std::thread::spawn(move || pump(client, server, hold));
                std::thread::spawn(move || pump(s2, c2, Duration::ZERO));
            }
        });
        Relay {
            port,
            accepted,
            pairs,
            stop,
        }
    }

    /// Cuts relayed connection `i` in both directions.
    fn sever(&self, i: usize) {
        let pairs = self.pairs.lock();
        let (c, s) = &pairs[i];
        let _ = c.shutdown(Shutdown::Both);
        let _ = s.shutdown(Shutdown::Both);
    }

    fn connections(&self) -> usize {
        self.accepted.load(SeqCst)
    }
}

impl Drop for Relay {
    fn drop(&mut self) {
        self.stop.store(true, SeqCst);
        let _ = TcpStream::connect(("127.0.0.1", self.port));
        for (c, s) in self.pairs.lock().iter() {
            let _ = c.shutdown(Shutdown::Both);
            let _ = s.shutdown(Shutdown::Both);
        }
    }
}

/// Copies `from` to `to` until either side ends; with `hold`, pauses after the first TLS
/// record.
fn pump(mut from: TcpStream, mut to: TcpStream, hold: Duration) {
    let mut buf = vec![0u8; 64 * 1024];
    if !hold.is_zero() {
        let mut header = [0u8; 5];
        if from.read_exact(&mut header).is_err() {
            return;
        }
        let len = u16::from_be_bytes([header[3], header[4]]) as usize;
        if from.read_exact(&mut buf[..len]).is_err()
            || to.write_all(&header).is_err()
            || to.write_all(&buf[..len]).is_err()
        {
            return;
        }
        std::thread::sleep(hold);
    }
    loop {
        match from.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                if to.write_all(&buf[..n]).is_err() {
                    break;
                }
            }
        }
    }
    let _ = to.shutdown(Shutdown::Write);
    let _ = from.shutdown(Shutdown::Read);
}

/// A config for `accepting`'s client identity, reaching the gateway through `relay`, and
/// trusting the server certificates of both mocks.
fn relayed_config(
    accepting: &MockServer,
    refusing: &MockServer,
    relay: &Relay,
    extra: &[(&str, &str)],
) -> Config {
    let mut c = config(accepting, extra);
    c.set("port", &relay.port.to_string()).unwrap();
    let cas = format!("{}\n{}", accepting.ca_pem(), refusing.ca_pem());
    c.set("ca_pem", &cas).unwrap();
    c
}

/// Waits (bounded against hangs) until `done` holds for the pusher's stats.
fn wait_stats(p: &Pusher, done: impl Fn(&apnspush::Stats) -> bool) {
    let end = Instant::now() + Duration::from_secs(60);
    while !done(&p.stats()) {
        assert!(
            Instant::now() < end,
            "stats never got there: {:?}",
            p.stats()
        );
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// Every pushed notification failed with `Credentials`, naming the certificate problem.
fn assert_all_failed_refused(p: &Pusher, n: usize) {
    p.ensure_delivery(WAIT).expect("every notification settles");
    let failed = p.failed_notifications();
    assert_eq!(failed.len(), n, "{failed:?}");
    for o in &failed {
        assert_eq!(
            (o.kind, o.error),
            (OutcomeKind::Failed, Some(ErrorKind::Credentials)),
            "{o:?}"
        );
        assert!(
            o.reason
                .contains("refused the client certificate: TLS alert unknown_ca"),
            "{o:?}"
        );
    }
}

/// The gateway accepted the pusher's first connection and refuses every later one: the
/// reconnects fail as connects (counted, backed off), the queued notifications fail with
/// `Credentials` after `max_attempts`, and nothing is counted as a possible duplicate.
fn gateway_that_starts_refusing(options: MockOptions) {
    let accepting = mock(options.clone());
    let refusing = mock(options);
    let (a, b) = (accepting.port(), refusing.port());
    let relay = Relay::start(move |i| if i == 0 { a } else { b }, Duration::ZERO);
    let c = relayed_config(
        &accepting,
        &refusing,
        &relay,
        &[
            ("max_attempts", "3"),
            ("reconnect_backoff_ms", "20"),
            ("reconnect_backoff_max_ms", "200"),
        ],
    );
    let p = Pusher::new(c).expect("the first connection is accepted");
    relay.sever(0);
    wait_stats(&p, |s| s.connection_losses >= 1);
    for i in 0..20 {
        p.push_async(notification(i)).unwrap();
    }
    assert_all_failed_refused(&p, 20);
    let s = p.stats();
    assert!(s.connect_failures >= 3, "{s:?}");
    assert!(s.connect_failures < 100, "a connect storm: {s:?}");
    assert!(relay.connections() < 100, "a connect storm: {s:?}");
    assert_eq!(s.duplicates_possible, 0, "{s:?}");
    assert!(
        s.last_error.contains("refused the client certificate"),
        "{s:?}"
    );
    assert_eq!(accepting.accepted_count() + refusing.accepted_count(), 0);
    assert_eq!(refusing.connections(), 0);
}

#[test]
fn binary_gateway_that_starts_refusing_fails_queued_notifications_after_backoff() {
    gateway_that_starts_refusing(MockOptions::default());
}

#[test]
fn http2_server_that_starts_refusing_fails_queued_notifications_after_backoff() {
    gateway_that_starts_refusing(MockOptions::http2());
}

/// Binary: the gateway judges the certificate only after the constructor's acceptance wait
/// (its alert arrives after notifications were written). Each such end backs off like a
/// failed connect, the notifications fail with `Credentials` after `max_attempts` of them,
/// and none is counted as a possible duplicate.
#[test]
fn binary_refusal_after_the_acceptance_wait_is_credentials_with_backoff_and_no_duplicates() {
    let accepting = mock(MockOptions::default());
    let refusing = mock(MockOptions::default());
    let b = refusing.port();
    // Longer than the acceptance wait's ceiling (500 ms).
    let relay = Relay::start(move |_| b, Duration::from_millis(1200));
    let c = relayed_config(
        &accepting,
        &refusing,
        &relay,
        &[
            ("max_attempts", "2"),
            ("reconnect_backoff_ms", "20"),
            ("reconnect_backoff_max_ms", "200"),
            ("error_timeout_ms", "60000"),
        ],
    );
    let p = Pusher::new(c).expect("the refusal comes after the acceptance wait");
    for i in 0..10 {
        p.push_async(notification(i)).unwrap();
    }
    assert_all_failed_refused(&p, 10);
    let s = p.stats();
    assert!(s.connection_losses >= 2, "{s:?}");
    assert!(relay.connections() < 10, "a connect storm: {s:?}");
    assert_eq!(s.duplicates_possible, 0, "{s:?}");
    assert!(
        s.last_error.contains("refused the client certificate"),
        "{s:?}"
    );
    assert_eq!(refusing.accepted_count(), 0);
    assert_eq!(refusing.connections(), 0);
}
