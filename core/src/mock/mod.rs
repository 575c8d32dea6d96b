//! The built-in mock APNs server: Apple's binary gateway and feedback service over real TLS on
//! loopback, with its own certificate authority, fault injection and a record for tests.
//!
//! Threads: one accept thread per listener and one thread per connection, all owned by the
//! `MockServer`; every method may be called from any thread. `stop` (or drop) closes the
//! listeners and every live connection and joins all threads; it never hangs.

mod ca;
mod feedback;
mod gateway;
mod listener;
mod record;
mod tls_io;

use std::collections::HashMap;
use std::fmt;
use std::net::TcpListener;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::Duration;

use parking_lot::{Mutex, RwLock};
use rustls::ServerConfig;

use crate::binary::codec::FeedbackTuple;
use crate::error::{Error, ErrorKind, Result};
use listener::{Listener, Live};
use record::Record;

const HOST: &str = "127.0.0.1";

/// What the mock does; `Default` behaves like a healthy Apple gateway.
#[derive(Clone, Debug)]
pub struct MockOptions {
    /// Refuse TLS clients without a certificate signed by the mock's CA (default true, as the
    /// binary API requires one). Applies to the gateway and the feedback service.
    pub require_client_cert: bool,
    /// Token bytes and the status to answer a notification to that token with.
    pub reject: Vec<(Vec<u8>, u8)>,
    /// Per connection: after K accepted, close the TCP socket abruptly (no error-response, no
    /// close_notify); the rest is discarded.
    pub drop_after: Option<u64>,
    /// Per connection: after K accepted, send status 10 naming the K-th identifier, then close;
    /// the rest is discarded.
    pub shutdown_after: Option<u64>,
    /// Per connection: after K accepted, send close_notify and close, with no error-response.
    pub close_silently_after: Option<u64>,
    /// Delay before any error-response is written.
    pub error_delay: Duration,
    /// Keep token and payload of accepted notifications (default true); false keeps only counts
    /// and rejections.
    pub record_payloads: bool,
    /// Tuples served (once) by the feedback service.
    pub feedback: Vec<FeedbackTuple>,
}

impl Default for MockOptions {
    fn default() -> Self {
        MockOptions {
            require_client_cert: true,
            reject: Vec::new(),
            drop_after: None,
            shutdown_after: None,
            close_silently_after: None,
            error_delay: Duration::ZERO,
            record_payloads: true,
            feedback: Vec::new(),
        }
    }
}

/// A notification the gateway accepted. `connection` is the gateway connection id (from 1).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Accepted {
    pub identifier: u32,
    pub token: Vec<u8>,
    pub payload: Vec<u8>,
    pub connection: u64,
}

/// A notification the gateway answered with an error-response (markers excluded). `token` is
/// empty when the request could not be decoded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rejected {
    pub identifier: u32,
    pub token: Vec<u8>,
    pub status: u8,
    pub connection: u64,
}

/// State shared by the server handle and every thread.
pub(crate) struct Shared {
    tls: Arc<ServerConfig>,
    rules: RwLock<Arc<HashMap<Vec<u8>, u8>>>,
    feedback: Mutex<Vec<FeedbackTuple>>,
    record: Record,
    drop_after: Option<u64>,
    shutdown_after: Option<u64>,
    close_silently_after: Option<u64>,
    error_delay: Duration,
    record_payloads: bool,
    stopping: AtomicBool,
    live: Mutex<Live>,
}

/// A running mock server. Dropping it stops it.
pub struct MockServer {
    shared: Arc<Shared>,
    credentials: ca::Credentials,
    listeners: Vec<Listener>,
    port: u16,
    feedback_port: u16,
}

impl MockServer {
    /// Generates a fresh CA with server and client certificates, binds the gateway and the
    /// feedback service on two ephemeral ports of 127.0.0.1 and starts serving.
    pub fn start(options: MockOptions) -> Result<MockServer> {
        let credentials = ca::Credentials::generate()?;
        let tls = credentials.server_config(options.require_client_cert)?;
        let shared = Arc::new(Shared {
            tls,
            rules: RwLock::new(Arc::new(options.reject.into_iter().collect())),
            feedback: Mutex::new(options.feedback),
            record: Record::default(),
            drop_after: options.drop_after,
            shutdown_after: options.shutdown_after,
            close_silently_after: options.close_silently_after,
            error_delay: options.error_delay,
            record_payloads: options.record_payloads,
            stopping: AtomicBool::new(false),
            live: Mutex::new(Live::default()),
        });
        let io_error = |what: &str, e: std::io::Error| {
            Error::new(
                ErrorKind::Io,
                format!("mock could not start its {what}: {e}"),
            )
        };
        let bind = |what: &str| TcpListener::bind((HOST, 0)).map_err(|e| io_error(what, e));
        let (gateway_socket, feedback_socket) = (bind("gateway")?, bind("feedback service")?);
        let mut server = MockServer {
            shared,
            credentials,
            listeners: Vec::new(),
            port: 0,
            feedback_port: 0,
        };
        let gateway = Listener::spawn(
            gateway_socket,
            server.shared.clone(),
            "gateway",
            gateway::serve,
        )
        .map_err(|e| io_error("gateway", e))?;
        server.port = gateway.port();
        server.listeners.push(gateway);
        let feedback = Listener::spawn(
            feedback_socket,
            server.shared.clone(),
            "feedback",
            feedback::serve,
        )
        .map_err(|e| io_error("feedback service", e))?;
        server.feedback_port = feedback.port();
        server.listeners.push(feedback);
        Ok(server)
    }

    /// Host of both services: "127.0.0.1".
    pub fn host(&self) -> &str {
        HOST
    }

    /// Port of the binary gateway.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Port of the feedback service (same host).
    pub fn feedback_port(&self) -> u16 {
        self.feedback_port
    }

    /// PEM of the CA that signed the server certificate: what clients must trust.
    pub fn ca_pem(&self) -> &str {
        &self.credentials.ca_pem
    }

    /// PEM of a client certificate the mock accepts.
    pub fn client_cert_pem(&self) -> &str {
        &self.credentials.client_cert_pem
    }

    /// PKCS#8 PEM of the client certificate's private key.
    pub fn client_key_pem(&self) -> &str {
        &self.credentials.client_key_pem
    }

    /// The configuration keys a pusher needs to reach this mock: protocol, host, port,
    /// feedback_host, feedback_port, ca_pem, cert_pem, key_pem.
    pub fn client_config(&self) -> Vec<(String, String)> {
        [
            ("protocol", "binary".to_string()),
            ("host", HOST.to_string()),
            ("port", self.port.to_string()),
            ("feedback_host", HOST.to_string()),
            ("feedback_port", self.feedback_port.to_string()),
            ("ca_pem", self.credentials.ca_pem.clone()),
            ("cert_pem", self.credentials.client_cert_pem.clone()),
            ("key_pem", self.credentials.client_key_pem.clone()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect()
    }

    /// Answers later notifications to `token` with `status` (replacing an earlier rule for it);
    /// live connections apply it from their next decrypted chunk.
    pub fn reject_token(&self, token: &[u8], status: u8) {
        let mut rules = self.shared.rules.write();
        Arc::make_mut(&mut rules).insert(token.to_vec(), status);
    }

    /// Replaces the tuples the next feedback connection receives.
    pub fn set_feedback(&self, tuples: Vec<FeedbackTuple>) {
        *self.shared.feedback.lock() = tuples;
    }

    /// Accepted notifications in processing order (empty without `record_payloads`).
    pub fn accepted(&self) -> Vec<Accepted> {
        self.shared.record.accepted()
    }

    /// Number of accepted notifications, recorded with or without payloads.
    pub fn accepted_count(&self) -> u64 {
        self.shared.record.accepted_count()
    }

    /// Notifications answered with an error-response, in order (markers excluded).
    pub fn rejected(&self) -> Vec<Rejected> {
        self.shared.record.rejected()
    }

    /// Zero-length-token requests (flush markers) answered with status 2.
    pub fn markers(&self) -> u64 {
        self.shared.record.markers()
    }

    /// Gateway connections whose TLS handshake completed (feedback connections excluded).
    pub fn connections(&self) -> u64 {
        self.shared.record.connections()
    }

    /// Blocks until `accepted_count() >= n`; false if `timeout` passed first.
    pub fn wait_accepted(&self, n: u64, timeout: Duration) -> bool {
        self.shared.record.wait_accepted(n, timeout)
    }

    /// Forgets accepted, rejected, markers and the connection count; keeps rules and feedback.
    pub fn clear(&self) {
        self.shared.record.clear();
    }

    /// Closes the listeners and every live connection and joins all threads.
    pub fn stop(self) {}

    fn shutdown(&mut self) {
        listener::stop_all(&self.shared, &mut self.listeners);
    }
}

impl Drop for MockServer {
    fn drop(&mut self) {
        self.shutdown();
    }
}

impl fmt::Debug for MockServer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MockServer")
            .field("host", &HOST)
            .field("port", &self.port)
            .field("feedback_port", &self.feedback_port)
            .finish_non_exhaustive()
    }
}
