//! The `MockServer` class: the engine's mock APNs gateway, feedback service and channel
//! management API over real TLS on 127.0.0.1, for tests. Its threads are native; it never
//! keeps the process alive.

use crate::errors::{coded, range_error, type_error};
use crate::js::{self, Kind, Raw};
use crate::options::timeout_from_js;
use crate::settle::{promise_or_reject, spawn_promise, Resolver, Stack, Value};
use crate::types::{MockAccepted, MockBroadcast, MockHttp2Request, MockRejected};
use apnspush::config::Protocol;
use apnspush::mock::{MockOptions, MockServer as CoreMock};
use apnspush::notification::{hex_decode, hex_encode};
use apnspush::{ErrorKind, FeedbackTuple};
use napi::bindgen_prelude::{ToNapiValue, Unknown};
use napi::{Env, JsValue, Result};
use napi_derive::napi;
use parking_lot::Mutex;
use std::sync::Arc;
use std::time::Duration;

/// A running mock APNs server (binary gateway + feedback service, or HTTP/2 gateway + channel
/// management API) with its own certificate authority, fault injection and a record of what
/// it processed.
#[napi]
pub struct MockServer {
    inner: Mutex<Option<Arc<CoreMock>>>,
    port: u16,
    feedback_port: u16,
    config: Vec<(String, String)>,
}

#[napi]
impl MockServer {
    /// Generates a CA and certificates, binds two ephemeral ports on 127.0.0.1 and starts
    /// serving (synchronous: a few milliseconds of key generation). Throws TypeError for
    /// options of the wrong types, INVALID_ARGUMENT for an unknown option, BAD_TOKEN for a
    /// bad token in `reject`/`feedback`.
    #[napi(
        catch_unwind,
        constructor,
        ts_args_type = "options?: MockServerOptions"
    )]
    pub fn new(env: Env, options: Unknown) -> Result<Self> {
        let options = mock_options(&env, options.raw())?;
        let server = CoreMock::start(options).map_err(|e| crate::errors::engine_error(&env, &e))?;
        Ok(MockServer {
            port: server.port(),
            feedback_port: server.feedback_port(),
            config: server.client_config(),
            inner: Mutex::new(Some(Arc::new(server))),
        })
    }

    /// The options a `Pusher` (or `fetchFeedback`) needs to reach this mock: protocol, host,
    /// port, feedback_host, feedback_port, ca_pem, cert_pem, key_pem. Add your own keys to it.
    #[napi(catch_unwind, getter, ts_return_type = "Record<string, string>")]
    pub fn config(&self, env: Env) -> Result<Value> {
        let obj = js::new_object(&env)?;
        for (k, v) in &self.config {
            js::set(&env, obj, k, js::new_string(&env, v)?)?;
        }
        Ok(Value(obj))
    }

    /// "127.0.0.1"
    #[napi(catch_unwind, getter)]
    pub fn host(&self) -> String {
        "127.0.0.1".into()
    }

    /// Port of the binary gateway.
    #[napi(catch_unwind, getter)]
    pub fn port(&self) -> u32 {
        self.port as u32
    }

    /// Port of the feedback service.
    #[napi(catch_unwind, getter)]
    pub fn feedback_port(&self) -> u32 {
        self.feedback_port as u32
    }

    /// HTTP/2: port of the channel management API (its host is `host`; `config` carries
    /// channel_host and channel_port). 0 for a binary mock.
    #[napi(catch_unwind, getter)]
    pub fn channel_port(&self, env: Env) -> Result<u32> {
        Ok(self.server(&env)?.channel_port() as u32)
    }

    /// HTTP/2: the channel registry and the broadcasts accepted, as JSON text: {"apps":
    /// {bundle id: [{"channel-id", "message-storage-policy", "push-type"}]}, "broadcasts":
    /// [{"apns-id", "bundle-id", "channel-id", "connection", "payload"}],
    /// "broadcasts_per_channel", "deleted": {bundle id: [ids]}, "limit",
    /// "management_answers": {status: count}} (docs/CHANNELS.md).
    #[napi(catch_unwind)]
    pub fn channels_json(&self, env: Env) -> Result<String> {
        Ok(self.server(&env)?.channels_json())
    }

    /// HTTP/2: the live channel ids of `bundleId`, in creation order.
    #[napi(catch_unwind, ts_args_type = "bundleId: string")]
    pub fn channel_ids(&self, env: Env, bundle_id: Unknown) -> Result<Vec<String>> {
        let bundle = js::string(&env, bundle_id.raw(), "bundleId")?;
        Ok(self.server(&env)?.channel_ids(&bundle))
    }

    /// HTTP/2: creates a channel of `bundleId` without a request (`policy` 0 or 1, default 0)
    /// and returns its id. Throws INVALID_ARGUMENT for another policy or past `maxChannels`.
    #[napi(catch_unwind, ts_args_type = "bundleId: string, policy?: 0 | 1")]
    pub fn add_channel(&self, env: Env, bundle_id: Unknown, policy: Unknown) -> Result<String> {
        let bundle = js::string(&env, bundle_id.raw(), "bundleId")?;
        let policy = if js::kind(&env, policy.raw()).is_absent() {
            0
        } else {
            status_from_js(&env, policy.raw(), "policy")?
        };
        self.server(&env)?
            .add_channel(&bundle, policy)
            .map_err(|e| crate::errors::engine_error(&env, &e))
    }

    /// HTTP/2: the broadcasts the gateway accepted, in order.
    #[napi(catch_unwind)]
    pub fn broadcasts(&self, env: Env) -> Result<Vec<MockBroadcast>> {
        Ok(self
            .server(&env)?
            .broadcasts()
            .into_iter()
            .map(|b| MockBroadcast {
                bundle_id: b.bundle_id,
                channel_id: b.channel_id,
                apns_id: b.apns_id,
                payload: String::from_utf8_lossy(&b.payload).into_owned(),
                connection: b.connection as i64,
            })
            .collect())
    }

    /// Accepted notifications in processing order (empty with `recordPayloads: false`).
    #[napi(catch_unwind)]
    pub fn accepted(&self, env: Env) -> Result<Vec<MockAccepted>> {
        Ok(self
            .server(&env)?
            .accepted()
            .into_iter()
            .map(|a| MockAccepted {
                identifier: a.identifier,
                token: hex_encode(&a.token),
                payload: String::from_utf8_lossy(&a.payload).into_owned(),
                connection: a.connection as i64,
            })
            .collect())
    }

    /// Number of accepted notifications, recorded with or without payloads.
    #[napi(catch_unwind)]
    pub fn accepted_count(&self, env: Env) -> Result<f64> {
        Ok(self.server(&env)?.accepted_count() as f64)
    }

    /// Notifications answered with an error-response, in order (markers excluded).
    #[napi(catch_unwind)]
    pub fn rejected(&self, env: Env) -> Result<Vec<MockRejected>> {
        Ok(self
            .server(&env)?
            .rejected()
            .into_iter()
            .map(|r| MockRejected {
                identifier: r.identifier,
                token: hex_encode(&r.token),
                status: r.status as u32,
                connection: r.connection as i64,
            })
            .collect())
    }

    /// HTTP/2: the delivery headers of every request, in order (empty with
    /// `recordPayloads: false`).
    #[napi]
    pub fn http2_requests(&self, env: Env) -> Result<Vec<MockHttp2Request>> {
        Ok(self
            .server(&env)?
            .http2_requests()
            .into_iter()
            .map(|r| MockHttp2Request {
                token: hex_encode(&r.token),
                expiration: r.expiration,
                push_type: r.push_type,
                topic: r.topic,
                priority: r.priority,
            })
            .collect())
    }

    /// Flush markers received (answered with status 2).
    #[napi(catch_unwind)]
    pub fn markers(&self, env: Env) -> Result<f64> {
        Ok(self.server(&env)?.markers() as f64)
    }

    /// Gateway connections whose TLS handshake completed.
    #[napi(catch_unwind)]
    pub fn connections(&self, env: Env) -> Result<f64> {
        Ok(self.server(&env)?.connections() as f64)
    }

    /// HTTP/2 token auth: distinct authentic provider tokens seen.
    #[napi]
    pub fn tokens_seen(&self, env: Env) -> Result<f64> {
        Ok(self.server(&env)?.tokens_seen() as f64)
    }

    /// HTTP/2: [connection id, request streams opened on it] for every gateway connection,
    /// by connection id, whatever became of the requests.
    #[napi(ts_return_type = "Array<[number, number]>")]
    pub fn requests_per_connection(&self, env: Env) -> Result<Vec<Vec<f64>>> {
        Ok(self
            .server(&env)?
            .requests_per_connection()
            .into_iter()
            .map(|(connection, requests)| vec![connection as f64, requests as f64])
            .collect())
    }

    /// Answers later notifications to `tokenHex` with `status` (8 = invalid token).
    #[napi(catch_unwind, ts_args_type = "tokenHex: string, status: number")]
    pub fn reject_token(&self, env: Env, token_hex: Unknown, status: Unknown) -> Result<()> {
        let token = token_from_js(&env, token_hex.raw(), "tokenHex")?;
        let status = status_from_js(&env, status.raw(), "status")?;
        self.server(&env)?.reject_token(&token, status);
        Ok(())
    }

    /// Replaces the tuples the next feedback connection receives: [epoch seconds, token hex].
    #[napi(catch_unwind, ts_args_type = "tuples: Array<[number, string]>")]
    pub fn set_feedback(&self, env: Env, tuples: Unknown) -> Result<()> {
        let tuples = feedback_from_js(&env, tuples.raw(), "tuples")?;
        self.server(&env)?.set_feedback(tuples);
        Ok(())
    }

    /// Forgets accepted, rejected, markers and the connection count; keeps rules and feedback.
    #[napi(catch_unwind)]
    pub fn clear(&self, env: Env) -> Result<()> {
        self.server(&env)?.clear();
        Ok(())
    }

    /// Resolves true once `acceptedCount() >= n`, false if `timeoutMs` passed first.
    #[napi(
        catch_unwind,
        ts_args_type = "n: number, timeoutMs: number",
        ts_return_type = "Promise<boolean>"
    )]
    pub fn wait_accepted(&self, env: Env, n: Unknown, timeout_ms: Unknown) -> Result<Value> {
        promise_or_reject(&env, || {
            let n = js::number(&env, n.raw(), "n")?;
            let timeout = timeout_from_js(&env, timeout_ms.raw(), "timeoutMs")?
                .ok_or_else(|| type_error(&env, "timeoutMs must be a number, got undefined"))?;
            let server = self.server(&env)?;
            spawn_promise(&env, Stack::Wait, move || -> Resolver {
                let reached = server.wait_accepted(n.max(0.0) as u64, timeout);
                Box::new(move |env: &Env| unsafe { bool::to_napi_value(env.raw(), reached) })
            })
        })
    }

    /// Closes the listeners and every live connection and joins the mock's threads (off the
    /// JS thread). Afterwards every other method throws CLOSED. A second call resolves at once.
    #[napi(catch_unwind, ts_return_type = "Promise<void>")]
    pub fn stop(&self, env: Env) -> Result<Value> {
        let server = self.inner.lock().take();
        spawn_promise(&env, Stack::Wait, move || -> Resolver {
            drop(server);
            Box::new(|env: &Env| js::undefined(env))
        })
    }
}

impl MockServer {
    fn server(&self, env: &Env) -> Result<Arc<CoreMock>> {
        self.inner
            .lock()
            .clone()
            .ok_or_else(|| coded(env, ErrorKind::Closed, "the mock server is stopped"))
    }
}

impl Drop for MockServer {
    /// Collected without `stop()`: stops it on a thread of its own.
    fn drop(&mut self) {
        if let Some(server) = self.inner.lock().take() {
            let _ = std::thread::Builder::new()
                .name("apnspush-node-mock-stop".into())
                .spawn(move || drop(server));
        }
    }
}

fn mock_options(env: &Env, v: Raw) -> Result<MockOptions> {
    let mut o = MockOptions::default();
    let k = js::kind(env, v);
    if k.is_absent() {
        return Ok(o);
    }
    if k != Kind::Object || js::is_array(env, v) {
        return Err(type_error(
            env,
            format!("options must be an object, got {}", js::describe(env, v, k)),
        ));
    }
    let mut token_auth = false;
    let mut client_cert: Option<bool> = None;
    for (key, value) in js::entries(env, v)? {
        if js::kind(env, value).is_absent() {
            continue;
        }
        let what = format!("options.{key}");
        match key.as_str() {
            "protocol" => {
                o.protocol = match js::string(env, value, &what)?.as_str() {
                    "binary" => Protocol::Binary,
                    "http2" => Protocol::Http2,
                    other => {
                        return Err(coded(
                            env,
                            ErrorKind::InvalidArgument,
                            format!("{what} must be 'binary' or 'http2', not {other:?}"),
                        ))
                    }
                }
            }
            "tokenAuth" => token_auth = js::boolean(env, value, &what)?,
            "reject" => {
                let rk = js::kind(env, value);
                if rk != Kind::Object || js::is_array(env, value) {
                    return Err(type_error(
                        env,
                        format!("{what} must be an object of token hex to status, got {}", js::describe(env, value, rk)),
                    ));
                }
                for (hex, status) in js::entries(env, value)? {
                    let token = hex_decode(&hex).map_err(|e| crate::errors::engine_error(env, &e))?;
                    o.reject.push((token, status_from_js(env, status, &format!("{what}[{hex:?}]"))?));
                }
            }
            "http2Reject" => o.http2_reject = http2_reject_from_js(env, value, &what)?,
            "goawayAfter" => o.goaway_after = Some(count(env, value, &what)?),
            "responseDelayMs" => {
                o.response_delay = timeout_from_js(env, value, &what)?.unwrap_or(Duration::ZERO)
            }
            "dropAfter" => o.drop_after = Some(count(env, value, &what)?),
            "shutdownAfter" => o.shutdown_after = Some(count(env, value, &what)?),
            "closeSilentlyAfter" => o.close_silently_after = Some(count(env, value, &what)?),
            "errorDelayMs" => {
                o.error_delay = timeout_from_js(env, value, &what)?.unwrap_or(Duration::ZERO)
            }
            "recordPayloads" => o.record_payloads = js::boolean(env, value, &what)?,
            "requireClientCert" => client_cert = Some(js::boolean(env, value, &what)?),
            "feedback" => o.feedback = feedback_from_js(env, value, &what)?,
            "stallAfter" => o.stall_after = Some(count(env, value, &what)?),
            "expireTokenAfter" => o.expire_token_after = Some(count(env, value, &what)?),
            "maxChannels" => o.max_channels = count(env, value, &what)? as usize,
            other => {
                return Err(coded(
                    env,
                    ErrorKind::InvalidArgument,
                    format!("unknown MockServer option {other:?}; the options are protocol, reject, http2Reject, goawayAfter, responseDelayMs, dropAfter, shutdownAfter, closeSilentlyAfter, errorDelayMs, recordPayloads, requireClientCert, tokenAuth, feedback, stallAfter, expireTokenAfter, maxChannels"),
                ))
            }
        }
    }
    if token_auth {
        o = o.with_token_auth();
    }
    if let Some(required) = client_cert {
        o.require_client_cert = required;
    }
    Ok(o)
}

/// `{tokenHex: [status, reason]}`: HTTP/2 answers per token (410 adds a timestamp).
fn http2_reject_from_js(env: &Env, v: Raw, what: &str) -> Result<Vec<(Vec<u8>, u16, String)>> {
    let k = js::kind(env, v);
    if k != Kind::Object || js::is_array(env, v) {
        return Err(type_error(
            env,
            format!(
                "{what} must be an object of token hex to [status, reason], got {}",
                js::describe(env, v, k)
            ),
        ));
    }
    js::entries(env, v)?
        .into_iter()
        .map(|(hex, rule)| {
            let at = format!("{what}[{hex:?}]");
            let token = hex_decode(&hex).map_err(|e| crate::errors::engine_error(env, &e))?;
            let items = js::elements(env, rule, &at)?;
            if items.len() != 2 {
                return Err(type_error(
                    env,
                    format!("{at} must be a [status, reason] pair"),
                ));
            }
            let status = count(env, items[0], &format!("{at}[0]"))?;
            if !(200..=599).contains(&status) {
                return Err(range_error(
                    env,
                    format!("{at}[0] must be an HTTP status from 200 to 599, got {status}"),
                ));
            }
            let reason = js::string(env, items[1], &format!("{at}[1]"))?;
            Ok((token, status as u16, reason))
        })
        .collect()
}

fn count(env: &Env, v: Raw, what: &str) -> Result<u64> {
    let n = js::number(env, v, what)?;
    if n.fract() != 0.0 || !(0.0..=9.007_199_254_740_991e15).contains(&n) {
        return Err(range_error(
            env,
            format!("{what} must be a whole number >= 0, got {n}"),
        ));
    }
    Ok(n as u64)
}

fn status_from_js(env: &Env, v: Raw, what: &str) -> Result<u8> {
    let n = js::number(env, v, what)?;
    if n.fract() != 0.0 || !(0.0..=255.0).contains(&n) {
        return Err(range_error(
            env,
            format!("{what} must be a status from 0 to 255, got {n}"),
        ));
    }
    Ok(n as u8)
}

fn token_from_js(env: &Env, v: Raw, what: &str) -> Result<Vec<u8>> {
    let hex = js::string(env, v, what)?;
    hex_decode(&hex).map_err(|e| crate::errors::engine_error(env, &e))
}

fn feedback_from_js(env: &Env, v: Raw, what: &str) -> Result<Vec<FeedbackTuple>> {
    js::elements(env, v, what)?
        .into_iter()
        .enumerate()
        .map(|(i, pair)| {
            let at = format!("{what}[{i}]");
            let items = js::elements(env, pair, &at)?;
            if items.len() != 2 {
                return Err(type_error(
                    env,
                    format!("{at} must be a [timestamp, tokenHex] pair"),
                ));
            }
            let ts = count(env, items[0], &format!("{at}[0]"))?;
            if ts > u32::MAX as u64 {
                return Err(range_error(
                    env,
                    format!("{at}[0] must fit in 32 bits, got {ts}"),
                ));
            }
            Ok(FeedbackTuple {
                timestamp: ts as u32,
                token: token_from_js(env, items[1], &format!("{at}[1]"))?,
            })
        })
        .collect()
}
