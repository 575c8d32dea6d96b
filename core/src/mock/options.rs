//! What the mock does: `MockOptions` and its token-auth settings.

use std::fmt;
use std::time::Duration;

use crate::binary::codec::FeedbackTuple;
use crate::config::Protocol;
use crate::http2::jwt::{generate_test_key_pem, ProviderKey};

/// What the mock does; `Default` behaves like a healthy Apple binary gateway, and
/// [`MockOptions::http2`] like a healthy HTTP/2 provider API.
#[derive(Clone, Debug)]
pub struct MockOptions {
    /// What the gateway port speaks (default `Binary`, so existing users are unchanged). In
    /// HTTP/2 mode it offers ALPN "h2" and serves the provider API.
    pub protocol: Protocol,
    /// Refuse TLS clients without a certificate signed by the mock's CA (default true, as the
    /// binary API requires one; `with_token_auth` turns it off). Applies to every port.
    pub require_client_cert: bool,
    /// Token bytes and the status to answer a notification to that token with. In HTTP/2 mode
    /// any rule here answers 400 BadDeviceToken.
    pub reject: Vec<(Vec<u8>, u8)>,
    /// Per connection: binary, after K accepted; HTTP/2, after K requests processed (answered
    /// or not). Then close the TCP socket abruptly (no error-response, no close_notify, and in
    /// HTTP/2 the answers not yet written are lost); the rest is discarded.
    pub drop_after: Option<u64>,
    /// Binary, per connection: after K accepted, send status 10 naming the K-th identifier,
    /// then close; the rest is discarded.
    pub shutdown_after: Option<u64>,
    /// Binary, per connection: after K accepted, send close_notify and close, with no
    /// error-response.
    pub close_silently_after: Option<u64>,
    /// Binary: delay before any error-response is written.
    pub error_delay: Duration,
    /// Keep token and payload of accepted notifications (default true); false keeps only counts
    /// and rejections.
    pub record_payloads: bool,
    /// Tuples served (once) by the feedback service.
    pub feedback: Vec<FeedbackTuple>,
    /// HTTP/2: token bytes → status and reason (410 adds the current time as `timestamp`).
    pub http2_reject: Vec<(Vec<u8>, u16, String)>,
    /// HTTP/2 token auth: verify every request's ES256 JWT (403 MissingProviderToken,
    /// InvalidProviderToken, ExpiredProviderToken) and require `apns-topic`.
    pub jwt: Option<MockJwt>,
    /// HTTP/2 SETTINGS_MAX_CONCURRENT_STREAMS advertised (default 1000). With token auth the
    /// first SETTINGS says 1 and a new one raises it after the first request carrying a valid
    /// provider token, as Apple does.
    pub max_concurrent_streams: u32,
    /// HTTP/2: drop MAX_CONCURRENT_STREAMS to 1 after a rejection and raise it again after the
    /// next success, as Apple does (default true).
    pub drop_concurrency_on_reject: bool,
    /// HTTP/2: every Nth request (over all connections) is answered with this status
    /// (429 TooManyRequests, 500 InternalServerError, 503 ServiceUnavailable, or any other).
    pub fail_every: Option<(u64, u16)>,
    /// HTTP/2, per connection: after N requests processed, send GOAWAY naming the last one,
    /// answer what is still open up to it, ignore later streams, and close as `goaway_grace`
    /// says.
    pub goaway_after: Option<u64>,
    /// HTTP/2: after a GOAWAY (the mock's own, from `goaway_after` or a protocol error, or the
    /// client's), the mock keeps reading until the client closes or this long has passed (and
    /// no delayed answer is still due): it answers streams up to the last-stream-id, ignores
    /// later ones, answers PINGs. Only then it sends close_notify and closes, so a TCP reset
    /// never destroys answers the client has not read yet. Default 1 s.
    pub goaway_grace: Duration,
    /// HTTP/2: hold every answer this long (streams stay open meanwhile).
    pub response_delay: Duration,
    /// HTTP/2 SETTINGS_INITIAL_WINDOW_SIZE advertised: the client's send window per stream
    /// (default 65,535, the RFC default).
    pub initial_window_size: u32,
    /// HTTP/2: the connection-level receive window the mock keeps open (default 65,535: no
    /// WINDOW_UPDATE beyond replenishing what was consumed).
    pub connection_window_size: u32,
    /// HTTP/2: acknowledge PINGs (default true; false simulates a dead peer for keepalive).
    pub answer_pings: bool,
    /// HTTP/2, per connection: after K requests processed, keep reading and answering PINGs
    /// and SETTINGS but never answer a later request; its stream stays open until the client
    /// resets it or the connection ends (an APNs connection gone silent, pushy#816).
    pub stall_after: Option<u64>,
    /// HTTP/2 token auth: each distinct provider token (JWT string) may be used for N requests
    /// over all connections; from the next one on, every request carrying it is answered 403
    /// ExpiredProviderToken, for good. A new token gets a fresh allowance.
    pub expire_token_after: Option<u64>,
    /// Both gateways: after every N bytes of ciphertext read on a connection, ask the client
    /// for a TLS 1.3 key update (rustls `refresh_traffic_keys`: a KeyUpdate with
    /// update_requested, which the client answers with its own before its next record).
    /// A client built on rustls or BoringSSL ends the connection after 32 key updates with no
    /// application data in between, which the binary gateway never sends: keep a binary
    /// connection's count under that.
    pub key_update_every: Option<usize>,
    /// HTTP/2, for soaks: seeded random faults. Each connection, after a random 2,000-40,000
    /// requests, is sent a GOAWAY (50%), dropped (35%) or goes silent while answering PINGs
    /// (15%), in place of `goaway_after`/`drop_after`/`stall_after`; one request in
    /// 2,000 is answered 429 and one in 5,000 100 ms late. The same seed repeats the faults.
    pub chaos: Option<u64>,
    /// Binary: the first connection to have accepted K stops reading for this long (once per
    /// mock), so the client's writes back up behind full socket buffers.
    pub read_pause: Option<(u64, Duration)>,
    /// HTTP/2: Huffman-code the response headers' string literals where that is shorter, as
    /// Apple's servers, nghttp2 and h2 do (default true); false sends raw octets. Either way
    /// `:status` is indexed and the other headers are added to the dynamic table.
    pub huffman: bool,
    /// HTTP/2: channels the management API keeps per bundle id (default 10,000, Apple's
    /// limit); creating one more is answered 400 CannotCreateChannelConfig.
    pub max_channels: usize,
}

impl Default for MockOptions {
    fn default() -> Self {
        MockOptions {
            protocol: Protocol::Binary,
            require_client_cert: true,
            reject: Vec::new(),
            drop_after: None,
            shutdown_after: None,
            close_silently_after: None,
            error_delay: Duration::ZERO,
            record_payloads: true,
            feedback: Vec::new(),
            http2_reject: Vec::new(),
            jwt: None,
            max_concurrent_streams: 1000,
            drop_concurrency_on_reject: true,
            fail_every: None,
            goaway_after: None,
            goaway_grace: Duration::from_secs(1),
            response_delay: Duration::ZERO,
            initial_window_size: 65_535,
            connection_window_size: 65_535,
            answer_pings: true,
            stall_after: None,
            expire_token_after: None,
            key_update_every: None,
            chaos: None,
            read_pause: None,
            huffman: true,
            max_channels: crate::channels::MAX_CHANNELS,
        }
    }
}

impl MockOptions {
    /// A healthy HTTP/2 provider API with certificate auth (client certificate required).
    pub fn http2() -> Self {
        MockOptions {
            protocol: Protocol::Http2,
            ..MockOptions::default()
        }
    }

    /// Token auth with a freshly generated key: the mock verifies JWTs with its public half,
    /// `client_config()` hands the private half to the client, and no client certificate is
    /// required.
    pub fn with_token_auth(mut self) -> Self {
        self.jwt = Some(MockJwt::generate());
        self.require_client_cert = false;
        self
    }
}

/// The provider key the mock accepts tokens from.
#[derive(Clone)]
pub struct MockJwt {
    /// The `kid` tokens must carry.
    pub key_id: String,
    /// The team id handed to clients (the mock does not check `iss`).
    pub team_id: String,
    /// P-256 public key: 65-byte uncompressed point or DER SubjectPublicKeyInfo.
    pub public_key: Vec<u8>,
    /// The matching `.p8` PEM for `client_config()`, if the mock should hand one out.
    pub private_key_pem: Option<String>,
    /// The topic `client_config()` hands out.
    pub topic: String,
}

impl MockJwt {
    /// A fresh P-256 key pair with key id "MOCKKEY123", team id "MOCKTEAM12" and topic
    /// "com.example.mock".
    ///
    /// # Panics
    /// Only if the system random number generator fails.
    pub fn generate() -> MockJwt {
        let pem = generate_test_key_pem();
        let (key_id, team_id) = ("MOCKKEY123", "MOCKTEAM12");
        let key = ProviderKey::from_pem(&pem, key_id, team_id).expect("a generated key loads");
        MockJwt {
            key_id: key_id.into(),
            team_id: team_id.into(),
            public_key: key.public_key().to_vec(),
            private_key_pem: Some(pem),
            topic: "com.example.mock".into(),
        }
    }
}

impl fmt::Debug for MockJwt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MockJwt")
            .field("key_id", &self.key_id)
            .field("team_id", &self.team_id)
            .field("topic", &self.topic)
            .field(
                "private_key_pem",
                &self.private_key_pem.as_ref().map(|_| "<redacted>"),
            )
            .finish_non_exhaustive()
    }
}
