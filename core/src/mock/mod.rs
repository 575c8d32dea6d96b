//! The built-in mock APNs server: Apple's binary gateway or HTTP/2 provider API, and the
//! feedback service, over real TLS on loopback, with its own certificate authority, fault
//! injection and a record for tests.
//!
//! Threads: one accept thread per listener and one thread per connection, all owned by the
//! `MockServer`; every method may be called from any thread. `stop` (or drop) closes the
//! listeners and every live connection and joins all threads; it never hangs.

#[cfg(test)]
mod broadcast_tests;
mod ca;
mod channels;
mod chaos;
pub mod cli;
mod feedback;
mod gateway;
mod h2_answer;
mod h2_gateway;
mod h2_judge;
mod listener;
mod options;
mod record;
mod tls_io;

use std::collections::HashMap;
use std::fmt;
use std::net::TcpListener;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use parking_lot::{Mutex, RwLock};
use rustls::ServerConfig;

use crate::binary::codec::FeedbackTuple;
use crate::config::Protocol;
use crate::error::{Error, ErrorKind, Result};
pub use channels::Broadcast;
use listener::{Listener, Live};
pub use options::{MockJwt, MockOptions};
use record::Record;
pub use record::{Http2Counts, Http2Request};

const HOST: &str = "127.0.0.1";

/// A notification the gateway accepted. `connection` is the gateway connection id (from 1).
/// `identifier` is the binary identifier, or the HTTP/2 stream id; `apns_id` is set in HTTP/2
/// mode (the request's `apns-id`, or the one the mock generated).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Accepted {
    pub identifier: u32,
    pub token: Vec<u8>,
    pub payload: Vec<u8>,
    pub connection: u64,
    pub apns_id: Option<String>,
}

/// An HTTP/2 request answered with a status other than 200 (retryable ones included).
/// `token` is empty when the path held no valid token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Http2Rejected {
    pub apns_id: String,
    pub token: Vec<u8>,
    pub status: u16,
    pub reason: String,
    /// 410 only: milliseconds since the epoch.
    pub timestamp: Option<u64>,
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
    /// HTTP/2 rules: token → status and reason.
    h2_rules: RwLock<Arc<Http2Rules>>,
    h2: H2Options,
    /// Requests over all HTTP/2 connections (for `fail_every`).
    requests: AtomicU64,
    /// Distinct provider tokens seen, each with its sequence number and use count.
    tokens: Mutex<HashMap<String, TokenUse>>,
    /// Tokens with a sequence number below this are answered ExpiredProviderToken.
    expired_below: AtomicU64,
    feedback: Mutex<Vec<FeedbackTuple>>,
    record: Record,
    drop_after: Option<u64>,
    shutdown_after: Option<u64>,
    close_silently_after: Option<u64>,
    error_delay: Duration,
    read_pause: Option<(u64, Duration)>,
    /// Set once a connection served `read_pause`.
    read_paused: AtomicBool,
    record_payloads: bool,
    stopping: AtomicBool,
    live: Mutex<Live>,
    key_update_every: Option<usize>,
    /// HTTP/2: the broadcast channel registry (management listener and gateway).
    channels: channels::Registry,
}

/// One authentic provider token: its order of first appearance, and the requests that carried
/// it (counted only with `expire_token_after`).
pub(crate) struct TokenUse {
    seq: u64,
    uses: u64,
}

/// HTTP/2 rejection rules: token → status and reason.
pub(crate) type Http2Rules = HashMap<Vec<u8>, (u16, String)>;

/// The HTTP/2 knobs of `MockOptions`, fixed at start.
pub(crate) struct H2Options {
    jwt: Option<MockJwt>,
    max_concurrent_streams: u32,
    drop_concurrency_on_reject: bool,
    fail_every: Option<(u64, u16)>,
    goaway_after: Option<u64>,
    goaway_grace: Duration,
    response_delay: Duration,
    initial_window_size: u32,
    connection_window_size: u32,
    answer_pings: bool,
    stall_after: Option<u64>,
    expire_token_after: Option<u64>,
    chaos: Option<u64>,
    huffman: bool,
}

/// A running mock server. Dropping it stops it.
pub struct MockServer {
    shared: Arc<Shared>,
    protocol: Protocol,
    require_client_cert: bool,
    credentials: ca::Credentials,
    listeners: Vec<Listener>,
    port: u16,
    feedback_port: u16,
    /// HTTP/2: the channel management listener's port (0 in binary mode).
    channel_port: u16,
}

impl MockServer {
    /// Generates a fresh CA with server and client certificates, binds the gateway (speaking
    /// `options.protocol`) and the feedback service on two ephemeral ports of 127.0.0.1 and
    /// starts serving.
    pub fn start(options: MockOptions) -> Result<MockServer> {
        let credentials = ca::Credentials::generate()?;
        let protocol = options.protocol;
        let require_client_cert = options.require_client_cert;
        let alpn: &[&[u8]] = match protocol {
            Protocol::Binary => &[],
            Protocol::Http2 => &[b"h2"],
        };
        let tls = credentials.server_config(options.require_client_cert, alpn)?;
        let h2_rules = options
            .http2_reject
            .into_iter()
            .map(|(token, status, reason)| (token, (status, reason)))
            .collect();
        let shared = Arc::new(Shared {
            tls,
            rules: RwLock::new(Arc::new(options.reject.into_iter().collect())),
            h2_rules: RwLock::new(Arc::new(h2_rules)),
            h2: H2Options {
                jwt: options.jwt,
                max_concurrent_streams: options.max_concurrent_streams,
                drop_concurrency_on_reject: options.drop_concurrency_on_reject,
                fail_every: options.fail_every,
                goaway_after: options.goaway_after,
                goaway_grace: options.goaway_grace,
                response_delay: options.response_delay,
                initial_window_size: options.initial_window_size,
                connection_window_size: options.connection_window_size,
                answer_pings: options.answer_pings,
                stall_after: options.stall_after,
                expire_token_after: options.expire_token_after,
                chaos: options.chaos,
                huffman: options.huffman,
            },
            requests: AtomicU64::new(0),
            tokens: Mutex::new(HashMap::new()),
            expired_below: AtomicU64::new(0),
            feedback: Mutex::new(options.feedback),
            record: Record::default(),
            drop_after: options.drop_after,
            shutdown_after: options.shutdown_after,
            close_silently_after: options.close_silently_after,
            error_delay: options.error_delay,
            read_pause: options.read_pause,
            read_paused: AtomicBool::new(false),
            record_payloads: options.record_payloads,
            stopping: AtomicBool::new(false),
            live: Mutex::new(Live::default()),
            key_update_every: options.key_update_every,
            channels: channels::Registry::new(options.max_channels),
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
            protocol,
            require_client_cert,
            credentials,
            listeners: Vec::new(),
            port: 0,
            feedback_port: 0,
            channel_port: 0,
        };
        let serve: fn(&Shared, std::net::TcpStream) = match protocol {
            Protocol::Binary => gateway::serve,
            Protocol::Http2 => h2_gateway::serve,
        };
        let gateway = Listener::spawn(gateway_socket, server.shared.clone(), "gateway", serve)
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
        if protocol == Protocol::Http2 {
            let socket = bind("channel management")?;
            let manage = Listener::spawn(
                socket,
                server.shared.clone(),
                "channels",
                h2_gateway::serve_management,
            )
            .map_err(|e| io_error("channel management", e))?;
            server.channel_port = manage.port();
            server.listeners.push(manage);
        }
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

    /// HTTP/2: port of the broadcast channel management API (same host, same TLS and auth
    /// as the gateway); 0 in binary mode.
    pub fn channel_port(&self) -> u16 {
        self.channel_port
    }

    /// HTTP/2: the channel registry and the broadcasts accepted, as JSON:
    /// `{"limit": N, "apps": {"<bundle>": [{"channel-id", "message-storage-policy",
    /// "push-type"}...]}, "deleted": {"<bundle>": [ids]}, "broadcasts": [{"bundle-id",
    /// "channel-id", "apns-id", "payload", "connection"}...], "broadcasts_per_channel":
    /// {"<id>": n}, "management_answers": {"<status>": n}}`.
    pub fn channels_json(&self) -> String {
        self.shared.channels.to_json()
    }

    /// HTTP/2: live channel ids of `bundle_id`, in creation order.
    pub fn channel_ids(&self, bundle_id: &str) -> Vec<String> {
        self.shared.channels.ids(bundle_id)
    }

    /// HTTP/2: creates a channel of `bundle_id` directly (no request), as if the management
    /// API had; `policy` is 0 or 1. `InvalidArgument` for another policy or past the limit.
    pub fn add_channel(&self, bundle_id: &str, policy: u8) -> Result<String> {
        if policy > 1 {
            return Err(Error::new(
                ErrorKind::InvalidArgument,
                "message storage policy must be 0 or 1",
            ));
        }
        self.shared
            .channels
            .create(bundle_id, policy)
            .map_err(|(_, reason)| Error::new(ErrorKind::InvalidArgument, reason))
    }

    /// HTTP/2: broadcasts the gateway accepted (`POST /4/broadcasts/apps/<bundle>`), in order.
    pub fn broadcasts(&self) -> Vec<Broadcast> {
        self.shared.channels.broadcasts()
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

    /// The configuration keys a pusher needs to reach this mock. Binary: protocol, host, port,
    /// feedback_host, feedback_port, ca_pem, cert_pem, key_pem. HTTP/2: protocol, host, port,
    /// channel_host, channel_port, ca_pem, then cert_pem and key_pem when a client certificate is required, and
    /// auth_key_pem, key_id, team_id and topic with token auth.
    pub fn client_config(&self) -> Vec<(String, String)> {
        let creds = &self.credentials;
        let mut pairs = vec![
            ("protocol", self.protocol_name().to_string()),
            ("host", HOST.to_string()),
            ("port", self.port.to_string()),
        ];
        match self.protocol {
            Protocol::Binary => {
                pairs.push(("feedback_host", HOST.to_string()));
                pairs.push(("feedback_port", self.feedback_port.to_string()));
                pairs.push(("ca_pem", creds.ca_pem.clone()));
                pairs.push(("cert_pem", creds.client_cert_pem.clone()));
                pairs.push(("key_pem", creds.client_key_pem.clone()));
            }
            Protocol::Http2 => {
                pairs.push(("channel_host", HOST.to_string()));
                pairs.push(("channel_port", self.channel_port.to_string()));
                pairs.push(("ca_pem", creds.ca_pem.clone()));
                if self.require_client_cert {
                    pairs.push(("cert_pem", creds.client_cert_pem.clone()));
                    pairs.push(("key_pem", creds.client_key_pem.clone()));
                }
                if let Some(jwt) = &self.shared.h2.jwt {
                    if let Some(pem) = &jwt.private_key_pem {
                        pairs.push(("auth_key_pem", pem.clone()));
                        pairs.push(("key_id", jwt.key_id.clone()));
                        pairs.push(("team_id", jwt.team_id.clone()));
                    }
                    pairs.push(("topic", jwt.topic.clone()));
                }
            }
        }
        pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
    }

    /// "binary" or "http2": what the gateway port speaks.
    pub fn protocol_name(&self) -> &'static str {
        match self.protocol {
            Protocol::Binary => "binary",
            Protocol::Http2 => "http2",
        }
    }

    /// Answers later notifications to `token` with `status` (replacing an earlier rule for it);
    /// live connections apply it from their next decrypted chunk.
    pub fn reject_token(&self, token: &[u8], status: u8) {
        let mut rules = self.shared.rules.write();
        Arc::make_mut(&mut rules).insert(token.to_vec(), status);
    }

    /// HTTP/2: answers later requests to `token` with `status` and `reason` (replacing an
    /// earlier rule for it).
    pub fn reject_token_http2(&self, token: &[u8], status: u16, reason: &str) {
        let mut rules = self.shared.h2_rules.write();
        Arc::make_mut(&mut rules).insert(token.to_vec(), (status, reason.to_string()));
    }

    /// HTTP/2 token auth: every provider token seen so far is answered ExpiredProviderToken
    /// from now on (a client must sign a new one).
    pub fn expire_tokens(&self) {
        let seen = self.shared.tokens.lock().len() as u64;
        self.shared.expired_below.store(seen, Ordering::SeqCst);
    }

    /// HTTP/2 token auth: distinct authentic provider tokens seen.
    pub fn tokens_seen(&self) -> u64 {
        self.shared.tokens.lock().len() as u64
    }

    /// HTTP/2 requests answered with a status other than 200, in order.
    pub fn http2_rejected(&self) -> Vec<Http2Rejected> {
        self.shared.record.http2_rejected()
    }

    /// HTTP/2: the delivery headers of every request judged, in order (empty without
    /// `record_payloads`).
    pub fn http2_requests(&self) -> Vec<Http2Request> {
        self.shared.record.http2_requests()
    }

    /// HTTP/2 protocol observations: peak concurrency, limit and flow-control violations.
    pub fn http2_counts(&self) -> Http2Counts {
        self.shared.record.h2()
    }

    /// HTTP/2: `(connection id, request streams the client opened on it)` for every gateway
    /// connection, by id; every new stream counts, whatever its fate (answered, refused,
    /// ignored after a GOAWAY, left unanswered by `stall_after`).
    pub fn requests_per_connection(&self) -> Vec<(u64, u64)> {
        self.shared.record.requests_per_connection()
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

    /// Binary: notifications answered with an error-response, in order (markers excluded).
    /// HTTP/2 rejections are in `http2_rejected`.
    pub fn rejected(&self) -> Vec<Rejected> {
        self.shared.record.rejected()
    }

    /// Zero-length-token requests (flush markers) answered with status 2.
    pub fn markers(&self) -> u64 {
        self.shared.record.markers()
    }

    /// Gateway connections whose TLS handshake completed (feedback connections excluded).
    /// (HTTP/2: also counted before the preface is checked.)
    pub fn connections(&self) -> u64 {
        self.shared.record.connections()
    }

    /// Blocks until `accepted_count() >= n`; false if `timeout` passed first.
    pub fn wait_accepted(&self, n: u64, timeout: Duration) -> bool {
        self.shared.record.wait_accepted(n, timeout)
    }

    /// Forgets accepted, rejected, markers, the connection count and the HTTP/2 observations
    /// (counts, requests per connection), the broadcasts and the management answer counts;
    /// keeps rules, feedback and channels.
    pub fn clear(&self) {
        self.shared.record.clear();
        self.shared.channels.clear();
    }

    /// TLS 1.3 key updates the gateway asked for (`key_update_every`), over all connections.
    pub fn key_updates(&self) -> u64 {
        self.shared.record.key_updates()
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
