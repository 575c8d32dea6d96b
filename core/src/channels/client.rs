//! `Channels`: the blocking channel-management client.

use std::sync::Arc;
use std::time::Instant;

use parking_lot::Mutex;
use rustls::ClientConfig;
use serde_json::Value;

use super::wire::{Conn, Failure, Response};
use super::{bundle_of, check_channel_id, ChannelInfo, MessageStoragePolicy};
use crate::config::Config;
use crate::error::{Error, ErrorKind, Result};
use crate::http2::response::{default_reason, parse_error_body};
use crate::http2::token::TokenProvider;
use crate::http2::uuid::UuidSource;
use crate::stats::Counters;

/// A channel-management client: one HTTP/2 connection to `channel_host:channel_port` (through
/// `proxy`/`proxy_from_env` when set, TLS verification always on, ALPN h2), authenticated as
/// pushes are (the provider token of `auth_key_*`/`key_id`/`team_id`, or the client
/// certificate), for the app whose bundle id is the `topic` key (a push-type suffix is
/// dropped).
///
/// Threads: `Send + Sync`; calls from several threads run one at a time (a lock), each
/// blocking until its answer, at most `response_timeout_ms` per attempt. A request whose
/// connection was closed or refused it unprocessed (GOAWAY below it, a refused stream, a
/// failed write) is sent once more on a new connection; a GET or DELETE also after a
/// connection lost mid-request. Errors: APNs' own refusals are `Rejected` with Apple's
/// status and reason ([`Error::status`], [`Error::reason`]); `Timeout`, `Io`, `Connect`,
/// `Tls`, `Credentials`, `Protocol` otherwise; `Closed` after [`Channels::close`].
pub struct Channels {
    state: Mutex<State>,
}

struct State {
    config: Config,
    tls: Arc<ClientConfig>,
    tokens: Option<TokenProvider>,
    bundle: String,
    host: String,
    port: u16,
    conn: Option<Conn>,
    closed: bool,
    uuids: UuidSource,
}

impl std::fmt::Debug for Channels {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let st = self.state.lock();
        f.debug_struct("Channels")
            .field("bundle", &st.bundle)
            .field("host", &st.host)
            .field("port", &st.port)
            .field("closed", &st.closed)
            .finish_non_exhaustive()
    }
}

impl Channels {
    /// Loads the credentials and opens the connection. Errors: `InvalidConfigValue` when
    /// `topic` is unset or token auth is incomplete; `Credentials`, `Connect`, `Tls`,
    /// `Protocol` (no HTTP/2) as for a pusher.
    pub fn connect(config: &Config) -> Result<Channels> {
        let config = config.clone().with_proxy_env()?;
        let Some(topic) = config.topic.as_deref() else {
            return Err(Error::new(
                ErrorKind::InvalidConfigValue,
                "topic: channel management needs the app's bundle id in `topic`",
            ));
        };
        let bundle = bundle_of(topic).to_owned();
        let tls = crate::tls::client_config(&config, &[b"h2"])?;
        let tokens = match (&config.auth_key, &config.key_id, &config.team_id) {
            (None, None, None) => None,
            (Some(key), Some(key_id), Some(team_id)) => Some(TokenProvider::new(
                &key.load("auth key")?,
                key_id,
                team_id,
                config.token_refresh_interval,
                config.token_min_interval,
                Arc::new(Counters::default()),
            )?),
            _ => {
                return Err(Error::new(
                    ErrorKind::InvalidConfigValue,
                    "token auth needs auth_key_file (or auth_key_pem), key_id and team_id",
                ))
            }
        };
        let (host, port) = (config.channel_host(), config.channel_port());
        let conn = Conn::open(&tls, &config, &host, port)?;
        log::info!(target: "apnspush::channels", "connected to {host}:{port} for {bundle}");
        Ok(Channels {
            state: Mutex::new(State {
                config,
                tls,
                tokens,
                bundle,
                host,
                port,
                conn: Some(conn),
                closed: false,
                uuids: UuidSource::default(),
            }),
        })
    }

    /// Creates a Live Activity channel (`POST /1/apps/<bundle>/channels`) and returns its id.
    pub fn create(&self, policy: MessageStoragePolicy) -> Result<String> {
        let body = serde_json::json!({
            "message-storage-policy": policy.code(),
            "push-type": "LiveActivity",
        })
        .to_string();
        let r = self.send("POST", "channels", None, body.as_bytes())?;
        expect(&r, &[201, 200])?;
        match r.header("apns-channel-id") {
            Some(id) if check_channel_id(&id).is_ok() => Ok(id),
            _ => Err(Error::new(
                ErrorKind::Protocol,
                "APNs created a channel but sent no valid apns-channel-id",
            )),
        }
    }

    /// Reads one channel (`GET /1/apps/<bundle>/channels`, `apns-channel-id: id`).
    /// `InvalidArgument` for an id that is not base64 text.
    pub fn get(&self, channel_id: &str) -> Result<ChannelInfo> {
        check_channel_id(channel_id)?;
        let r = self.send("GET", "channels", Some(channel_id), b"")?;
        expect(&r, &[200])?;
        let json: Value = serde_json::from_slice(&r.body)
            .map_err(|_| Error::new(ErrorKind::Protocol, "channel answer is not JSON"))?;
        let policy = json
            .get("message-storage-policy")
            .and_then(Value::as_i64)
            .ok_or_else(|| {
                Error::new(
                    ErrorKind::Protocol,
                    "channel answer has no message-storage-policy",
                )
            })?;
        let policy = MessageStoragePolicy::from_code(policy)
            .map_err(|e| Error::new(ErrorKind::Protocol, e.message()))?;
        let push_type = json
            .get("push-type")
            .and_then(Value::as_str)
            .unwrap_or("LiveActivity")
            .to_owned();
        let channel_id = r
            .header("apns-channel-id")
            .unwrap_or_else(|| channel_id.to_owned());
        Ok(ChannelInfo {
            channel_id,
            message_storage_policy: policy,
            push_type,
        })
    }

    /// Every channel id of the app (`GET /1/apps/<bundle>/all-channels`).
    pub fn list(&self) -> Result<Vec<String>> {
        let r = self.send("GET", "all-channels", None, b"")?;
        expect(&r, &[200])?;
        let json: Value = serde_json::from_slice(&r.body)
            .map_err(|_| Error::new(ErrorKind::Protocol, "channel list is not JSON"))?;
        let ids = json
            .get("channels")
            .and_then(Value::as_array)
            .ok_or_else(|| Error::new(ErrorKind::Protocol, "channel list has no channels"))?;
        Ok(ids
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect())
    }

    /// Deletes a channel (`DELETE /1/apps/<bundle>/channels`, `apns-channel-id: id`).
    /// `InvalidArgument` for an id that is not base64 text.
    pub fn delete(&self, channel_id: &str) -> Result<()> {
        check_channel_id(channel_id)?;
        let r = self.send("DELETE", "channels", Some(channel_id), b"")?;
        expect(&r, &[204, 200])
    }

    /// Closes the connection; every later call fails with `Closed`. Idempotent.
    pub fn close(&self) {
        let mut st = self.state.lock();
        st.closed = true;
        if let Some(conn) = st.conn.take() {
            conn.shutdown();
        }
    }

    /// The bundle id requests are for.
    pub fn bundle_id(&self) -> String {
        self.state.lock().bundle.clone()
    }

    /// Sends one request, on a new connection once more when the first attempt was not
    /// processed (or, for GET and DELETE, was lost with its connection).
    fn send(
        &self,
        method: &str,
        resource: &str,
        channel_id: Option<&str>,
        body: &[u8],
    ) -> Result<Response> {
        let mut guard = self.state.lock();
        let st = &mut *guard;
        if st.closed {
            return Err(Error::new(
                ErrorKind::Closed,
                "the channel management client is closed",
            ));
        }
        let path = format!("/1/apps/{}/{resource}", st.bundle);
        let idempotent = method != "POST";
        let mut attempt = 0;
        loop {
            attempt += 1;
            if !st.conn.as_mut().is_some_and(Conn::usable) {
                if let Some(old) = st.conn.take() {
                    old.shutdown();
                }
                st.conn = Some(Conn::open(&st.tls, &st.config, &st.host, st.port)?);
            }
            let auth = st.tokens.as_ref().map(|t| t.current().0);
            let request_id = st.uuids.next_uuid();
            let mut headers: Vec<(&str, &str)> = Vec::with_capacity(4);
            if let Some(a) = auth.as_deref() {
                headers.push(("authorization", a));
            }
            headers.push(("apns-request-id", &request_id));
            if let Some(id) = channel_id {
                headers.push(("apns-channel-id", id));
            }
            if !body.is_empty() {
                headers.push(("content-type", "application/json"));
            }
            let deadline = Instant::now() + st.config.response_timeout;
            let conn = st.conn.as_mut().expect("connected above");
            match conn.request(method, &path, &headers, body, deadline) {
                Ok(r) => return Ok(r),
                Err(Failure::Unprocessed(e)) if attempt == 1 => {
                    log::info!(target: "apnspush::channels", "{method} {path}: {e}; sending again");
                }
                Err(Failure::Lost(e)) if attempt == 1 && idempotent => {
                    log::info!(target: "apnspush::channels", "{method} {path}: {e}; sending again");
                }
                Err(f) => {
                    let e = f.into_error();
                    log::warn!(target: "apnspush::channels", "{method} {path}: {e}");
                    return Err(e);
                }
            }
        }
    }
}

impl Drop for Channels {
    fn drop(&mut self) {
        self.close();
    }
}

/// `Ok` for an expected status; Apple's refusal as `Rejected`; any other status `Protocol`.
fn expect(r: &Response, ok: &[u16]) -> Result<()> {
    if ok.contains(&r.status) {
        return Ok(());
    }
    if (400..600).contains(&r.status) {
        let reason = parse_error_body(&r.body)
            .reason
            .unwrap_or_else(|| default_reason(r.status).to_owned());
        return Err(Error::rejected(r.status, reason));
    }
    Err(Error::new(
        ErrorKind::Protocol,
        format!("unexpected status {} from APNs", r.status),
    ))
}
