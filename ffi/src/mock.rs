//! `apns_mock`: the built-in mock APNs server (binary or HTTP/2 gateway plus the feedback
//! service, over TLS on 127.0.0.1), for testing C code without Apple.
//!
//! Life cycle: apns_mock_new (a draft with default options: a healthy binary gateway) ->
//! setters -> apns_mock_start -> apns_mock_config_apply / record readers -> apns_mock_stop (the
//! record stays readable) -> apns_mock_destroy.
//! Threads: every function except apns_mock_destroy may be called from any thread at once; the
//! server's own threads never run caller code. Blocking: only apns_mock_start (generates
//! certificates), apns_mock_wait_accepted and apns_mock_stop/destroy (join the server threads).

use crate::boundary::write_text;
use crate::cast::{free_box, to_boxed_ptr, Castable, OwnershipBox};
use crate::conf::apns_conf;
use crate::result::apns_result;
use apnspush::config::Protocol;
use apnspush::mock::{
    Accepted, Http2Rejected, Http2Request, MockJwt, MockOptions, MockServer, Rejected,
};
use apnspush::notification::{hex_decode, hex_encode};
use apnspush::{Config, FeedbackTuple};
use serde_json::{json, Value};
use std::ffi::c_char;
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// A mock APNs server. Owned by the caller; free it with apns_mock_destroy.
pub struct apns_mock {
    _private: [u8; 0],
}

pub(crate) struct MockHandle {
    state: Mutex<State>,
}

impl Castable for apns_mock {
    type Ownership = OwnershipBox;
    type RustType = MockHandle;
}

enum State {
    Draft(Box<MockOptions>),
    Running(MockServer),
    Stopped(Record),
}

/// What a server recorded, kept after it stopped.
struct Record {
    protocol: Protocol,
    accepted: Vec<Accepted>,
    accepted_count: u64,
    rejected: Vec<Rejected>,
    http2_rejected: Vec<Http2Rejected>,
    markers: u64,
    connections: u64,
    tokens_seen: u64,
    requests: Vec<(u64, u64)>,
    http2_requests: Vec<Http2Request>,
    channels: String,
}

impl Record {
    fn of(server: &MockServer) -> Record {
        Record {
            protocol: match server.protocol_name() {
                "http2" => Protocol::Http2,
                _ => Protocol::Binary,
            },
            accepted: server.accepted(),
            accepted_count: server.accepted_count(),
            rejected: server.rejected(),
            http2_rejected: server.http2_rejected(),
            markers: server.markers(),
            connections: server.connections(),
            tokens_seen: server.tokens_seen(),
            requests: server.requests_per_connection(),
            http2_requests: server.http2_requests(),
            channels: server.channels_json(),
        }
    }

    fn channels_json(&self) -> String {
        self.channels.clone()
    }

    fn http2_requests_json(&self) -> String {
        let items: Vec<Value> = self
            .http2_requests
            .iter()
            .map(|r| {
                json!({
                    "token": hex_encode(&r.token),
                    "expiration": r.expiration,
                    "push_type": r.push_type,
                    "topic": r.topic,
                    "priority": r.priority,
                    "collapse_id": r.collapse_id,
                })
            })
            .collect();
        Value::Array(items).to_string()
    }

    fn requests_json(&self) -> String {
        let items: Vec<Value> = self
            .requests
            .iter()
            .map(|&(connection, requests)| json!({"connection": connection, "requests": requests}))
            .collect();
        Value::Array(items).to_string()
    }

    fn accepted_json(&self) -> String {
        let items: Vec<Value> = self
            .accepted
            .iter()
            .map(|a| {
                json!({
                    "identifier": a.identifier,
                    "token": hex_encode(&a.token),
                    "payload": String::from_utf8_lossy(&a.payload),
                    "connection": a.connection,
                    "apns_id": a.apns_id,
                })
            })
            .collect();
        Value::Array(items).to_string()
    }

    fn rejected_json(&self) -> String {
        let items: Vec<Value> = match self.protocol {
            Protocol::Binary => self
                .rejected
                .iter()
                .map(|r| {
                    json!({
                        "identifier": r.identifier,
                        "token": hex_encode(&r.token),
                        "status": r.status,
                        "connection": r.connection,
                    })
                })
                .collect(),
            Protocol::Http2 => self
                .http2_rejected
                .iter()
                .map(|r| {
                    json!({
                        "apns_id": r.apns_id,
                        "token": hex_encode(&r.token),
                        "status": r.status,
                        "reason": r.reason,
                        "timestamp": r.timestamp,
                        "connection": r.connection,
                    })
                })
                .collect(),
        };
        Value::Array(items).to_string()
    }
}

impl MockHandle {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Changes the options of a mock not yet started.
    fn configure(&self, f: impl FnOnce(&mut MockOptions)) -> apns_result {
        match &mut *self.lock() {
            State::Draft(options) => {
                f(options);
                apns_result::APNS_OK
            }
            State::Running(_) => apns_result::APNS_ERR_INVALID_ARGUMENT,
            State::Stopped(_) => apns_result::APNS_ERR_CLOSED,
        }
    }

    /// Reads the record of a running or stopped mock; `None` before start.
    fn record<T>(&self, f: impl FnOnce(&Record) -> T) -> Option<T> {
        match &*self.lock() {
            State::Draft(_) => None,
            State::Running(server) => Some(f(&Record::of(server))),
            State::Stopped(record) => Some(f(record)),
        }
    }

    /// Writes one JSON view of the record (buffer convention of write_text);
    /// APNS_ERR_INVALID_ARGUMENT before start.
    fn write_record(
        &self,
        json: fn(&Record) -> String,
        buf: *mut c_char,
        len: usize,
        needed: *mut usize,
    ) -> apns_result {
        match self.record(json) {
            Some(json) => write_text(buf, len, needed, &json),
            None => apns_result::APNS_ERR_INVALID_ARGUMENT,
        }
    }

    fn count(&self, running: impl FnOnce(&MockServer) -> u64, stopped: fn(&Record) -> u64) -> u64 {
        match &*self.lock() {
            State::Draft(_) => 0,
            State::Running(server) => running(server),
            State::Stopped(record) => stopped(record),
        }
    }
}

/// `Some(k)` for k > 0, `None` for 0 ("never").
fn after(k: u64) -> Option<u64> {
    (k > 0).then_some(k)
}

/// Creates a mock that is not started yet, with default options: a healthy binary gateway that
/// requires a client certificate, records payloads and serves no feedback.
/// Ownership: on APNS_OK `*out` is a new handle the caller owns (free it with
/// apns_mock_destroy). Blocking: never. Errors: APNS_ERR_NULL_PARAMETER.
#[no_mangle]
pub extern "C" fn apns_mock_new(out: *mut *mut apns_mock) -> apns_result {
    ffi_boundary! {
        let out = try_out!(out);
        let handle = MockHandle {
            state: Mutex::new(State::Draft(Box::default())),
        };
        out.write(to_boxed_ptr::<apns_mock>(handle));
        apns_result::APNS_OK
    }
}

/// Before start: what the gateway speaks, "binary" (default) or "http2". In HTTP/2 mode a
/// rejected token is answered 400 BadDeviceToken.
/// Errors: APNS_ERR_INVALID_ARGUMENT (another value, or the mock is running), APNS_ERR_CLOSED
/// (stopped), APNS_ERR_NULL_PARAMETER.
#[no_mangle]
pub extern "C" fn apns_mock_set_protocol(
    m: *const apns_mock,
    protocol: *const c_char,
) -> apns_result {
    ffi_boundary! {
        let m: &MockHandle = try_ref!(m);
        let protocol = match try_str!(protocol) {
            "binary" => Protocol::Binary,
            "http2" => Protocol::Http2,
            _ => return apns_result::APNS_ERR_INVALID_ARGUMENT,
        };
        m.configure(|o| o.protocol = protocol)
    }
}

/// Answers notifications to the token (hex) with `status` (binary; 8 = invalid token).
/// Before start it is an option; on a running mock it applies to later notifications.
/// Errors: APNS_ERR_BAD_TOKEN (not hex), APNS_ERR_CLOSED (stopped), APNS_ERR_NULL_PARAMETER.
#[no_mangle]
pub extern "C" fn apns_mock_reject_token(
    m: *const apns_mock,
    token_hex: *const c_char,
    status: u8,
) -> apns_result {
    ffi_boundary! {
        let m: &MockHandle = try_ref!(m);
        let Ok(token) = hex_decode(try_str!(token_hex)) else {
            return apns_result::APNS_ERR_BAD_TOKEN;
        };
        match &mut *m.lock() {
            State::Draft(options) => options.reject.push((token, status)),
            State::Running(server) => server.reject_token(&token, status),
            State::Stopped(_) => return apns_result::APNS_ERR_CLOSED,
        }
        apns_result::APNS_OK
    }
}

/// HTTP/2: answers notifications to the token (hex) with `status` (100 to 599) and `reason`
/// (e.g. 410 "Unregistered", which adds the current time as the outcome's timestamp).
/// Before start it is an option; on a running mock it applies to later notifications and
/// replaces an earlier rule for the token. Ownership: `reason` is copied.
/// Errors: APNS_ERR_BAD_TOKEN (not hex), APNS_ERR_INVALID_ARGUMENT (status out of range),
/// APNS_ERR_CLOSED (stopped), APNS_ERR_NULL_PARAMETER.
#[no_mangle]
pub extern "C" fn apns_mock_reject_token_http2(
    m: *const apns_mock,
    token_hex: *const c_char,
    status: u16,
    reason: *const c_char,
) -> apns_result {
    ffi_boundary! {
        let m: &MockHandle = try_ref!(m);
        let Ok(token) = hex_decode(try_str!(token_hex)) else {
            return apns_result::APNS_ERR_BAD_TOKEN;
        };
        let reason = try_str!(reason);
        if !(100..=599).contains(&status) {
            return apns_result::APNS_ERR_INVALID_ARGUMENT;
        }
        match &mut *m.lock() {
            State::Draft(options) => options.http2_reject.push((token, status, reason.into())),
            State::Running(server) => server.reject_token_http2(&token, status, reason),
            State::Stopped(_) => return apns_result::APNS_ERR_CLOSED,
        }
        apns_result::APNS_OK
    }
}

/// Before start: per connection, close the socket abruptly after `k` accepted (binary) or `k`
/// requests (HTTP/2); 0 (default) never. Errors: APNS_ERR_INVALID_ARGUMENT (running),
/// APNS_ERR_CLOSED (stopped), APNS_ERR_NULL_PARAMETER.
#[no_mangle]
pub extern "C" fn apns_mock_set_drop_after(m: *const apns_mock, k: u64) -> apns_result {
    ffi_boundary! { try_ref!(m).configure(|o| o.drop_after = after(k)) }
}

/// Before start (binary): per connection, after `k` accepted send status 10 (shutdown) naming
/// the k-th and close; 0 (default) never. Errors: as apns_mock_set_drop_after.
#[no_mangle]
pub extern "C" fn apns_mock_set_shutdown_after(m: *const apns_mock, k: u64) -> apns_result {
    ffi_boundary! { try_ref!(m).configure(|o| o.shutdown_after = after(k)) }
}

/// Before start (binary): per connection, after `k` accepted send close_notify and close with
/// no error-response; 0 (default) never. Errors: as apns_mock_set_drop_after.
#[no_mangle]
pub extern "C" fn apns_mock_set_close_silently_after(m: *const apns_mock, k: u64) -> apns_result {
    ffi_boundary! { try_ref!(m).configure(|o| o.close_silently_after = after(k)) }
}

/// Before start (binary): hold every error-response this long (default 0).
/// Errors: as apns_mock_set_drop_after.
#[no_mangle]
pub extern "C" fn apns_mock_set_error_delay_ms(m: *const apns_mock, ms: u64) -> apns_result {
    ffi_boundary! { try_ref!(m).configure(|o| o.error_delay = Duration::from_millis(ms)) }
}

/// Before start: keep token and payload of accepted notifications (default true); false keeps
/// only the counts and rejections (what a benchmark wants). Errors: as apns_mock_set_drop_after.
#[no_mangle]
pub extern "C" fn apns_mock_set_record_payloads(m: *const apns_mock, on: bool) -> apns_result {
    ffi_boundary! { try_ref!(m).configure(|o| o.record_payloads = on) }
}

/// Before start: refuse TLS clients without a certificate from the mock's CA (default true).
/// Errors: as apns_mock_set_drop_after.
#[no_mangle]
pub extern "C" fn apns_mock_set_require_client_cert(m: *const apns_mock, on: bool) -> apns_result {
    ffi_boundary! { try_ref!(m).configure(|o| o.require_client_cert = on) }
}

/// Before start (HTTP/2): token auth on (a fresh provider key whose private half
/// apns_mock_config_apply hands out; every request's JWT is verified; no client certificate
/// required) or off (default; apns_mock_set_require_client_cert is not restored).
/// Errors: as apns_mock_set_drop_after.
#[no_mangle]
pub extern "C" fn apns_mock_set_token_auth(m: *const apns_mock, on: bool) -> apns_result {
    ffi_boundary! {
        try_ref!(m).configure(|o| {
            if on {
                o.jwt = Some(MockJwt::generate());
                o.require_client_cert = false;
            } else {
                o.jwt = None;
            }
        })
    }
}

/// Before start (HTTP/2): per connection, after `k` requests processed the connection goes
/// silent: it still reads and answers PINGs and SETTINGS but answers no later request (those
/// streams stay open); 0 (default) never. Errors: as apns_mock_set_drop_after.
#[no_mangle]
pub extern "C" fn apns_mock_set_stall_after(m: *const apns_mock, k: u64) -> apns_result {
    ffi_boundary! { try_ref!(m).configure(|o| o.stall_after = after(k)) }
}

/// Before start (HTTP/2 token auth): each distinct provider token may be used for `n` requests
/// over all connections; every later request carrying it is answered 403
/// ExpiredProviderToken; 0 (default) never. Errors: as apns_mock_set_drop_after.
#[no_mangle]
pub extern "C" fn apns_mock_set_expire_token_after(m: *const apns_mock, n: u64) -> apns_result {
    ffi_boundary! { try_ref!(m).configure(|o| o.expire_token_after = after(n)) }
}

/// Before start (HTTP/2): channels the management API keeps per bundle id (default 10,000,
/// Apple's limit; 0 is refused); creating one more is answered 400 CannotCreateChannelConfig.
/// Errors: APNS_ERR_INVALID_ARGUMENT (0, or running), APNS_ERR_CLOSED (stopped),
/// APNS_ERR_NULL_PARAMETER.
#[no_mangle]
pub extern "C" fn apns_mock_set_max_channels(m: *const apns_mock, n: u64) -> apns_result {
    ffi_boundary! {
        let m: &MockHandle = try_ref!(m);
        let Ok(n) = usize::try_from(n) else {
            return apns_result::APNS_ERR_INVALID_ARGUMENT;
        };
        if n == 0 {
            return apns_result::APNS_ERR_INVALID_ARGUMENT;
        }
        m.configure(|o| o.max_channels = n)
    }
}

/// Before start: adds a tuple (epoch seconds, token hex) that the feedback service serves once.
/// Errors: APNS_ERR_BAD_TOKEN (not hex), APNS_ERR_INVALID_ARGUMENT (running), APNS_ERR_CLOSED
/// (stopped), APNS_ERR_NULL_PARAMETER.
#[no_mangle]
pub extern "C" fn apns_mock_add_feedback(
    m: *const apns_mock,
    timestamp: u32,
    token_hex: *const c_char,
) -> apns_result {
    ffi_boundary! {
        let m: &MockHandle = try_ref!(m);
        let Ok(token) = hex_decode(try_str!(token_hex)) else {
            return apns_result::APNS_ERR_BAD_TOKEN;
        };
        m.configure(|o| o.feedback.push(FeedbackTuple { timestamp, token }))
    }
}

/// Generates a fresh CA with server and client certificates, binds the gateway and the
/// feedback service on two ephemeral ports of 127.0.0.1 and starts serving.
/// Blocking: certificate generation (milliseconds). Errors: APNS_ERR_IO (cannot bind),
/// APNS_ERR_INVALID_ARGUMENT (already started), APNS_ERR_CLOSED (stopped),
/// APNS_ERR_NULL_PARAMETER.
#[no_mangle]
pub extern "C" fn apns_mock_start(m: *const apns_mock) -> apns_result {
    ffi_boundary! {
        let m: &MockHandle = try_ref!(m);
        let mut state = m.lock();
        let options = match &*state {
            State::Draft(options) => (**options).clone(),
            State::Running(_) => return apns_result::APNS_ERR_INVALID_ARGUMENT,
            State::Stopped(_) => return apns_result::APNS_ERR_CLOSED,
        };
        match crate::sigpipe::without_sigpipe(|| MockServer::start(options)) {
            Ok(server) => {
                *state = State::Running(server);
                apns_result::APNS_OK
            }
            Err(e) => apns_result::from_kind(e.kind()),
        }
    }
}

/// Sets on `conf` the keys a pusher needs to reach this running mock: protocol, host, port,
/// feedback_host, feedback_port, channel_host, channel_port, ca_pem, cert_pem, key_pem (as the
/// mock's protocol requires), and with token auth auth_key_pem, key_id, team_id and topic.
/// Other keys of `conf` are unchanged. Threads: `conf` is used by one thread at a time.
/// Errors: APNS_ERR_INVALID_ARGUMENT (not started), APNS_ERR_CLOSED (stopped),
/// APNS_ERR_NULL_PARAMETER.
#[no_mangle]
pub extern "C" fn apns_mock_config_apply(m: *const apns_mock, conf: *mut apns_conf) -> apns_result {
    ffi_boundary! {
        let m: &MockHandle = try_ref!(m);
        let conf: &mut Config = try_mut!(conf);
        let pairs = match &*m.lock() {
            State::Running(server) => server.client_config(),
            State::Draft(_) => return apns_result::APNS_ERR_INVALID_ARGUMENT,
            State::Stopped(_) => return apns_result::APNS_ERR_CLOSED,
        };
        let mut updated = conf.clone();
        for (key, value) in pairs {
            if let Err(e) = updated.set(&key, &value) {
                return apns_result::from_kind(e.kind());
            }
        }
        *conf = updated;
        apns_result::APNS_OK
    }
}

/// The gateway port of a running mock; 0 before start, after stop, and for NULL.
#[no_mangle]
pub extern "C" fn apns_mock_port(m: *const apns_mock) -> u16 {
    ffi_boundary! {
        match &*try_ref!(m).lock() {
            State::Running(server) => server.port(),
            _ => 0,
        }
    }
}

/// The channel management port of a running HTTP/2 mock (same host; apns_mock_config_apply
/// sets channel_host and channel_port); 0 in binary mode, before start, after stop, and for
/// NULL.
#[no_mangle]
pub extern "C" fn apns_mock_channel_port(m: *const apns_mock) -> u16 {
    ffi_boundary! {
        match &*try_ref!(m).lock() {
            State::Running(server) => server.channel_port(),
            _ => 0,
        }
    }
}

/// The feedback service port of a running mock; 0 before start, after stop, and for NULL.
#[no_mangle]
pub extern "C" fn apns_mock_feedback_port(m: *const apns_mock) -> u16 {
    ffi_boundary! {
        match &*try_ref!(m).lock() {
            State::Running(server) => server.feedback_port(),
            _ => 0,
        }
    }
}

/// Notifications accepted so far (counted with or without record_payloads); the final count
/// after stop; 0 before start and for NULL.
#[no_mangle]
pub extern "C" fn apns_mock_accepted_count(m: *const apns_mock) -> u64 {
    ffi_boundary! { try_ref!(m).count(MockServer::accepted_count, |r| r.accepted_count) }
}

/// Binary flush markers answered so far; 0 before start and for NULL.
#[no_mangle]
pub extern "C" fn apns_mock_markers(m: *const apns_mock) -> u64 {
    ffi_boundary! { try_ref!(m).count(MockServer::markers, |r| r.markers) }
}

/// Gateway connections whose TLS handshake completed; 0 before start and for NULL.
#[no_mangle]
pub extern "C" fn apns_mock_connections(m: *const apns_mock) -> u64 {
    ffi_boundary! { try_ref!(m).count(MockServer::connections, |r| r.connections) }
}

/// HTTP/2 token auth: distinct authentic provider tokens seen; 0 before start and for NULL.
#[no_mangle]
pub extern "C" fn apns_mock_tokens_seen(m: *const apns_mock) -> u64 {
    ffi_boundary! { try_ref!(m).count(MockServer::tokens_seen, |r| r.tokens_seen) }
}

/// As apns_mock_accepted_json for the HTTP/2 request streams each gateway connection received
/// (whatever their fate): [{"connection": id from 1, "requests": count}], by connection id.
#[no_mangle]
pub extern "C" fn apns_mock_requests_json(
    m: *const apns_mock,
    buf: *mut c_char,
    len: usize,
    needed: *mut usize,
) -> apns_result {
    ffi_boundary! { try_ref!(m).write_record(Record::requests_json, buf, len, needed) }
}

/// As apns_mock_accepted_json for the delivery headers of every HTTP/2 request judged, in
/// order (whatever its fate; empty without record_payloads): [{"token": hex ("" when the path
/// held no valid token), "expiration", "push_type", "topic", "priority", "collapse_id": the
/// header's text, or null when absent}].
#[no_mangle]
pub extern "C" fn apns_mock_http2_requests_json(
    m: *const apns_mock,
    buf: *mut c_char,
    len: usize,
    needed: *mut usize,
) -> apns_result {
    ffi_boundary! { try_ref!(m).write_record(Record::http2_requests_json, buf, len, needed) }
}

/// As apns_mock_accepted_json for the HTTP/2 broadcast channel registry and the broadcasts
/// the gateway accepted: {"limit": n, "apps": {"<bundle id>": [{"channel-id",
/// "message-storage-policy", "push-type"}]}, "deleted": {"<bundle id>": [ids]}, "broadcasts":
/// [{"bundle-id", "channel-id", "apns-id", "payload", "connection"}], "broadcasts_per_channel":
/// {"<id>": n}, "management_answers": {"<status>": n}} (docs/CHANNELS.md).
#[no_mangle]
pub extern "C" fn apns_mock_channels_json(
    m: *const apns_mock,
    buf: *mut c_char,
    len: usize,
    needed: *mut usize,
) -> apns_result {
    ffi_boundary! { try_ref!(m).write_record(Record::channels_json, buf, len, needed) }
}

/// Writes the accepted notifications, in processing order, as a JSON array of objects
/// {"identifier": binary identifier (the pusher's id) or HTTP/2 stream id, "token": hex,
/// "payload": the JSON text, "connection": gateway connection number from 1, "apns_id": string
/// or null} into `buf`, NUL-terminated (empty without record_payloads). `*needed` (optional)
/// always receives the size required, NUL included; a `buf` shorter than that is left untouched
/// and gives APNS_ERR_BUFFER_TOO_SMALL (`buf` may be NULL with `len` 0 to ask the size).
/// Works while running and after stop. Errors: APNS_ERR_BUFFER_TOO_SMALL,
/// APNS_ERR_INVALID_ARGUMENT (not started), APNS_ERR_NULL_PARAMETER.
#[no_mangle]
pub extern "C" fn apns_mock_accepted_json(
    m: *const apns_mock,
    buf: *mut c_char,
    len: usize,
    needed: *mut usize,
) -> apns_result {
    ffi_boundary! { try_ref!(m).write_record(Record::accepted_json, buf, len, needed) }
}

/// As apns_mock_accepted_json for the rejected notifications. Binary: {"identifier", "token",
/// "status", "connection"} per error-response (markers excluded). HTTP/2: {"apns_id", "token",
/// "status", "reason", "timestamp" (410 only, else null), "connection"} per non-200 answer.
#[no_mangle]
pub extern "C" fn apns_mock_rejected_json(
    m: *const apns_mock,
    buf: *mut c_char,
    len: usize,
    needed: *mut usize,
) -> apns_result {
    ffi_boundary! { try_ref!(m).write_record(Record::rejected_json, buf, len, needed) }
}

/// Waits until the mock has accepted at least `n` notifications in all; `timeout_ms` < 0 waits
/// without limit. Blocking: up to `timeout_ms`. Errors: APNS_ERR_TIMEOUT,
/// APNS_ERR_INVALID_ARGUMENT (not started), APNS_ERR_CLOSED (stopped), APNS_ERR_NULL_PARAMETER.
#[no_mangle]
pub extern "C" fn apns_mock_wait_accepted(
    m: *const apns_mock,
    n: u64,
    timeout_ms: i64,
) -> apns_result {
    ffi_boundary! {
        let m: &MockHandle = try_ref!(m);
        let end = crate::boundary::timeout(timeout_ms).map(|t| Instant::now() + t);
        loop {
            // Short slices, so that other calls (stop) are never held up for long.
            match &*m.lock() {
                State::Running(server) => {
                    if server.wait_accepted(n, Duration::from_millis(10)) {
                        return apns_result::APNS_OK;
                    }
                }
                State::Draft(_) => return apns_result::APNS_ERR_INVALID_ARGUMENT,
                State::Stopped(_) => return apns_result::APNS_ERR_CLOSED,
            }
            if end.is_some_and(|end| Instant::now() >= end) {
                return apns_result::APNS_ERR_TIMEOUT;
            }
        }
    }
}

/// Forgets accepted, rejected, markers and the connection count of a running mock; keeps its
/// rules and feedback. Errors: APNS_ERR_INVALID_ARGUMENT (not started), APNS_ERR_CLOSED
/// (stopped), APNS_ERR_NULL_PARAMETER.
#[no_mangle]
pub extern "C" fn apns_mock_clear(m: *const apns_mock) -> apns_result {
    ffi_boundary! {
        match &*try_ref!(m).lock() {
            State::Running(server) => {
                server.clear();
                apns_result::APNS_OK
            }
            State::Draft(_) => apns_result::APNS_ERR_INVALID_ARGUMENT,
            State::Stopped(_) => apns_result::APNS_ERR_CLOSED,
        }
    }
}

/// Closes the listeners and every live connection and joins the server's threads; the record
/// stays readable. Stopping a mock that is not running does nothing.
/// Blocking: until the threads exit (they never hang). Errors: APNS_ERR_NULL_PARAMETER.
#[no_mangle]
pub extern "C" fn apns_mock_stop(m: *const apns_mock) -> apns_result {
    ffi_boundary! {
        let m: &MockHandle = try_ref!(m);
        let mut state = m.lock();
        if let State::Running(server) = &*state {
            let record = Record::of(server);
            // Dropping the server stops it.
            *state = State::Stopped(record);
        }
        apns_result::APNS_OK
    }
}

/// Stops the mock if it runs and frees it. NULL is a no-op.
/// Threads: no other call may use `m` meanwhile. Blocking: as apns_mock_stop.
#[no_mangle]
pub extern "C" fn apns_mock_destroy(m: *mut apns_mock) {
    ffi_boundary! { free_box(m) }
}
