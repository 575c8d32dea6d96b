//! Flat string configuration, identical in every language. Keys are validated when set
//! (unknown / invalid / ok) and consumed by `Pusher::new`. Documented in docs/CONFIG.md.

use crate::binary::codec::Format;
use crate::error::{Error, ErrorKind, Result};
use crate::proxy::{EnvProxy, Proxy};
use std::time::Duration;

/// Wire protocol spoken by a pusher.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Protocol {
    Binary,
    Http2,
}

/// Which outcomes are queued for `poll`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reports {
    /// Every outcome.
    All,
    /// Everything except `accepted`.
    Failures,
    /// None (use `failed_notifications`, `ensure_push` or stats instead).
    None,
}

/// Every key with its default, in documentation order.
pub const KEYS: &[(&str, &str)] = &[
    ("protocol", "http2"),
    ("environment", "production"),
    ("host", ""),
    ("port", ""),
    ("feedback_host", ""),
    ("feedback_port", ""),
    ("channel_host", ""),
    ("channel_port", ""),
    ("cert_file", ""),
    ("key_file", ""),
    ("cert_pem", ""),
    ("key_pem", ""),
    ("ca_file", ""),
    ("ca_pem", ""),
    ("cert_p12_file", ""),
    ("cert_p12_password", ""),
    ("auth_key_file", ""),
    ("auth_key_pem", ""),
    ("key_id", ""),
    ("team_id", ""),
    ("topic", ""),
    ("token_refresh_interval_ms", "3000000"),
    ("token_min_interval_ms", "5000"),
    ("connections", "1"),
    ("queue_capacity", "65536"),
    ("block_when_full", "true"),
    ("max_in_flight", "10000"),
    ("binary_format", "frame"),
    ("error_timeout_ms", "1000"),
    ("connect_timeout_ms", "10000"),
    ("proxy", ""),
    ("proxy_from_env", "false"),
    ("write_timeout_ms", "10000"),
    ("reconnect_backoff_ms", "100"),
    ("reconnect_backoff_max_ms", "30000"),
    ("max_attempts", "5"),
    ("retry_backoff_ms", "100"),
    ("response_timeout_ms", "10000"),
    ("health_timeouts", "3"),
    ("ping_interval_ms", "60000"),
    ("ping_timeout_ms", "10000"),
    ("outcome_reports", "all"),
    ("max_reports", "100000"),
    ("close_timeout_ms", "5000"),
    ("connect_on_start", "true"),
];

/// Keys whose values are secret, or PEM text that may hold a secret: no message, log line or
/// stat ever quotes their values (`invalid` consults this list).
pub const SECRET_KEYS: &[&str] = &[
    "cert_pem",
    "key_pem",
    "ca_pem",
    "auth_key_pem",
    "cert_p12_password",
    "proxy",
];

/// Keys whose values are file paths (read by `Pusher::new`). A path may be quoted in messages;
/// a value that looks like key material is refused by `set` without being echoed.
pub const FILE_KEYS: &[&str] = &[
    "cert_file",
    "key_file",
    "ca_file",
    "cert_p12_file",
    "auth_key_file",
];

/// The longest value a `*_file` key accepts, in bytes (PATH_MAX).
pub const MAX_PATH_LEN: usize = 4096;

/// True for the keys of [`SECRET_KEYS`].
pub fn is_secret_key(key: &str) -> bool {
    SECRET_KEYS.contains(&key)
}

/// Parsed, validated configuration. Credentials are held as PEM text and never printed.
#[derive(Clone)]
pub struct Config {
    pub(crate) protocol: Protocol,
    pub(crate) sandbox: bool,
    pub(crate) host: Option<String>,
    pub(crate) port: Option<u16>,
    pub(crate) feedback_host: Option<String>,
    pub(crate) feedback_port: Option<u16>,
    /// Channel management host and port overrides (`channel_host`, `channel_port`).
    pub(crate) channel_host: Option<String>,
    pub(crate) channel_port: Option<u16>,
    pub(crate) cert: Option<Pem>,
    pub(crate) key: Option<Pem>,
    pub(crate) ca: Option<Pem>,
    /// A PKCS#12 (.p12) client identity file and its password (never printed).
    pub(crate) p12: Option<String>,
    pub(crate) p12_password: String,
    /// HTTP/2 token auth: the `.p8` signing key, its key id and the team id.
    pub(crate) auth_key: Option<Pem>,
    pub(crate) key_id: Option<String>,
    pub(crate) team_id: Option<String>,
    /// HTTP/2 default `apns-topic`.
    pub(crate) topic: Option<String>,
    pub(crate) token_refresh_interval: Duration,
    pub(crate) token_min_interval: Duration,
    pub(crate) connections: usize,
    pub(crate) queue_capacity: usize,
    pub(crate) block_when_full: bool,
    pub(crate) max_in_flight: usize,
    pub(crate) binary_format: Format,
    pub(crate) error_timeout: Duration,
    pub(crate) connect_timeout: Duration,
    /// The HTTP CONNECT proxy every connection goes through (`proxy`; its password is never
    /// printed).
    pub(crate) proxy: Option<Proxy>,
    /// Without `proxy`: take it from HTTPS_PROXY/NO_PROXY.
    pub(crate) proxy_from_env: bool,
    /// The environment as [`Config::with_proxy_env`] read it; `None` until then.
    pub(crate) proxy_env: Option<EnvProxy>,
    pub(crate) write_timeout: Duration,
    pub(crate) backoff: Duration,
    pub(crate) backoff_max: Duration,
    pub(crate) max_attempts: u32,
    pub(crate) retry_backoff: Duration,
    pub(crate) response_timeout: Duration,
    /// Response timeouts in a row, on a connection that still answers PINGs, after which it
    /// is replaced.
    pub(crate) health_timeouts: u32,
    pub(crate) ping_interval: Duration,
    pub(crate) ping_timeout: Duration,
    pub(crate) reports: Reports,
    /// Bound of the poll queue and of the failed list, each (oldest dropped past it).
    pub(crate) max_reports: usize,
    pub(crate) close_timeout: Duration,
    /// Connect every connection in `Pusher::new` (errors raised there), or let the connection
    /// threads connect in the background.
    pub(crate) connect_on_start: bool,
    /// Test-only fault injection: panic in the "reader" or "writer" once this many were written.
    #[cfg(test)]
    pub(crate) test_panic: Option<(&'static str, u64)>,
}

/// PEM credentials, from a file path or given inline.
#[derive(Clone)]
pub(crate) enum Pem {
    File(String),
    Text(String),
}

impl Pem {
    /// The PEM bytes; a file is read now. The error names the path, never the content.
    pub(crate) fn load(&self, what: &str) -> Result<Vec<u8>> {
        match self {
            Pem::Text(t) => Ok(t.clone().into_bytes()),
            Pem::File(path) => std::fs::read(path).map_err(|e| {
                Error::new(
                    ErrorKind::Credentials,
                    format!("cannot read {what} file {}: {e}", shown_path(path)),
                )
            }),
        }
    }
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("protocol", &self.protocol)
            .field("host", &self.gateway_host())
            .field("port", &self.gateway_port())
            .field("connections", &self.connections)
            .field("proxy", &self.proxy)
            .finish_non_exhaustive()
    }
}

impl Default for Config {
    fn default() -> Self {
        Config::new()
    }
}

impl Config {
    /// All defaults.
    pub fn new() -> Self {
        let mut c = Config {
            protocol: Protocol::Http2,
            sandbox: false,
            host: None,
            port: None,
            feedback_host: None,
            feedback_port: None,
            channel_host: None,
            channel_port: None,
            cert: None,
            key: None,
            ca: None,
            p12: None,
            p12_password: String::new(),
            auth_key: None,
            key_id: None,
            team_id: None,
            topic: None,
            token_refresh_interval: Duration::ZERO,
            token_min_interval: Duration::ZERO,
            connections: 0,
            queue_capacity: 0,
            block_when_full: true,
            max_in_flight: 0,
            binary_format: Format::Frame,
            error_timeout: Duration::ZERO,
            connect_timeout: Duration::ZERO,
            proxy: None,
            proxy_from_env: false,
            proxy_env: None,
            write_timeout: Duration::ZERO,
            backoff: Duration::ZERO,
            backoff_max: Duration::ZERO,
            max_attempts: 0,
            retry_backoff: Duration::ZERO,
            response_timeout: Duration::ZERO,
            health_timeouts: 0,
            ping_interval: Duration::ZERO,
            ping_timeout: Duration::ZERO,
            reports: Reports::All,
            max_reports: 0,
            close_timeout: Duration::ZERO,
            connect_on_start: true,
            #[cfg(test)]
            test_panic: None,
        };
        for (key, default) in KEYS {
            if !default.is_empty() {
                c.set(key, default).expect("defaults are valid");
            }
        }
        c
    }

    /// A config from key/value pairs applied in order; the first bad pair is the error.
    pub fn from_pairs<K: AsRef<str>, V: AsRef<str>>(
        pairs: impl IntoIterator<Item = (K, V)>,
    ) -> Result<Self> {
        let mut c = Config::new();
        for (k, v) in pairs {
            c.set(k.as_ref(), v.as_ref())?;
        }
        Ok(c)
    }

    /// Sets one key. Errors: `UnknownConfigKey`, or `InvalidConfigValue` naming the key and the
    /// accepted values; on error the config is unchanged. An empty value restores the default
    /// for optional keys (host, port, credentials).
    pub fn set(&mut self, key: &str, value: &str) -> Result<()> {
        let v = value.trim();
        match key {
            "protocol" => {
                self.protocol = match v {
                    "binary" => Protocol::Binary,
                    "http2" => Protocol::Http2,
                    _ => return Err(invalid(key, value, "binary or http2")),
                }
            }
            "environment" => {
                self.sandbox = match v {
                    "production" => false,
                    "sandbox" | "development" => true,
                    _ => return Err(invalid(key, value, "production or sandbox")),
                }
            }
            "host" => self.host = non_empty(v),
            "port" => self.port = optional_port(key, v)?,
            "feedback_host" => self.feedback_host = non_empty(v),
            "feedback_port" => self.feedback_port = optional_port(key, v)?,
            "channel_host" => self.channel_host = non_empty(v),
            "channel_port" => self.channel_port = optional_port(key, v)?,
            "cert_file" => self.cert = path(key, value)?.map(Pem::File),
            "key_file" => self.key = path(key, value)?.map(Pem::File),
            "ca_file" => self.ca = path(key, value)?.map(Pem::File),
            "cert_pem" => self.cert = pem_text(key, value)?,
            "key_pem" => self.key = pem_text(key, value)?,
            "ca_pem" => self.ca = pem_text(key, value)?,
            "cert_p12_file" => self.p12 = path(key, value)?,
            "cert_p12_password" => self.p12_password = value.to_owned(),
            "auth_key_file" => self.auth_key = path(key, value)?.map(Pem::File),
            "auth_key_pem" => self.auth_key = pem_text(key, value)?,
            "key_id" => self.key_id = identifier(key, v)?,
            "team_id" => self.team_id = identifier(key, v)?,
            "topic" => self.topic = topic(key, v)?,
            "token_refresh_interval_ms" => {
                self.token_refresh_interval = millis(key, v, 1, 3_600_000)?
            }
            "token_min_interval_ms" => self.token_min_interval = millis(key, v, 0, 3_600_000)?,
            "connections" => self.connections = number(key, v, 1, 64)? as usize,
            "queue_capacity" => self.queue_capacity = number(key, v, 1, 1 << 26)? as usize,
            "block_when_full" => self.block_when_full = boolean(key, v)?,
            "connect_on_start" => self.connect_on_start = boolean(key, v)?,
            "max_in_flight" => self.max_in_flight = number(key, v, 1, 1 << 26)? as usize,
            "binary_format" => {
                self.binary_format = match v {
                    "enhanced" => Format::Enhanced,
                    "frame" => Format::Frame,
                    _ => return Err(invalid(key, value, "enhanced or frame")),
                }
            }
            "error_timeout_ms" => self.error_timeout = millis(key, v, 1, 3_600_000)?,
            "connect_timeout_ms" => self.connect_timeout = millis(key, v, 1, 3_600_000)?,
            "proxy" if v.is_empty() => self.proxy = None,
            "proxy" => {
                let p =
                    Proxy::parse(v, false).map_err(|why| crate::proxy::invalid_proxy(key, why))?;
                self.proxy = Some(p);
            }
            "proxy_from_env" => self.proxy_from_env = boolean(key, v)?,
            "write_timeout_ms" => self.write_timeout = millis(key, v, 1, 3_600_000)?,
            "reconnect_backoff_ms" => self.backoff = millis(key, v, 1, 3_600_000)?,
            "reconnect_backoff_max_ms" => self.backoff_max = millis(key, v, 1, 3_600_000)?,
            "max_attempts" => self.max_attempts = number(key, v, 1, 1000)? as u32,
            "retry_backoff_ms" => self.retry_backoff = millis(key, v, 1, 3_600_000)?,
            "response_timeout_ms" => self.response_timeout = millis(key, v, 1, 3_600_000)?,
            "health_timeouts" => self.health_timeouts = number(key, v, 1, 1_000_000)? as u32,
            "ping_interval_ms" => self.ping_interval = millis(key, v, 1, 86_400_000)?,
            "ping_timeout_ms" => self.ping_timeout = millis(key, v, 1, 3_600_000)?,
            "outcome_reports" => {
                self.reports = match v {
                    "all" => Reports::All,
                    "failures" => Reports::Failures,
                    "none" => Reports::None,
                    _ => return Err(invalid(key, value, "all, failures or none")),
                }
            }
            "max_reports" => self.max_reports = number(key, v, 1, 1 << 26)? as usize,
            "close_timeout_ms" => self.close_timeout = millis(key, v, 0, 3_600_000)?,
            _ => return Err(unknown_key(key)),
        }
        Ok(())
    }

    pub fn protocol(&self) -> Protocol {
        self.protocol
    }

    /// The bound of each outcome buffer (`max_reports`); a face that keeps outcomes of its
    /// own (Node's events for the JS thread) bounds them by it too.
    pub fn max_reports(&self) -> usize {
        self.max_reports
    }

    /// True when HTTP/2 token authentication is configured (`auth_key_file`/`auth_key_pem`).
    pub fn uses_token_auth(&self) -> bool {
        self.auth_key.is_some()
    }

    /// Gateway host: the override, or Apple's host for the protocol and environment.
    pub fn gateway_host(&self) -> String {
        if let Some(h) = &self.host {
            return h.clone();
        }
        match (self.protocol, self.sandbox) {
            (Protocol::Binary, false) => "gateway.push.apple.com",
            (Protocol::Binary, true) => "gateway.sandbox.push.apple.com",
            (Protocol::Http2, false) => "api.push.apple.com",
            (Protocol::Http2, true) => "api.sandbox.push.apple.com",
        }
        .to_owned()
    }

    pub fn gateway_port(&self) -> u16 {
        self.port.unwrap_or(match self.protocol {
            Protocol::Binary => 2195,
            Protocol::Http2 => 443,
        })
    }

    pub fn feedback_host(&self) -> String {
        match (&self.feedback_host, self.sandbox) {
            (Some(h), _) => h.clone(),
            (None, false) => "feedback.push.apple.com".to_owned(),
            (None, true) => "feedback.sandbox.push.apple.com".to_owned(),
        }
    }

    pub fn feedback_port(&self) -> u16 {
        self.feedback_port.unwrap_or(2196)
    }

    /// Channel management host: the override, or Apple's for the environment
    /// (`api-manage-broadcast.push.apple.com`, `api-manage-broadcast.sandbox.push.apple.com`).
    pub fn channel_host(&self) -> String {
        match (&self.channel_host, self.sandbox) {
            (Some(h), _) => h.clone(),
            (None, false) => "api-manage-broadcast.push.apple.com".to_owned(),
            (None, true) => "api-manage-broadcast.sandbox.push.apple.com".to_owned(),
        }
    }

    /// Channel management port: the override, or Apple's for the environment (2196 in
    /// production, 2195 in the sandbox).
    pub fn channel_port(&self) -> u16 {
        self.channel_port
            .unwrap_or(if self.sandbox { 2195 } else { 2196 })
    }

    /// With `proxy_from_env` and no `proxy`: reads HTTPS_PROXY and NO_PROXY now, once, for
    /// every connection made with the returned config. Errors: `InvalidConfigValue` naming
    /// the variable (never its value).
    pub(crate) fn with_proxy_env(mut self) -> Result<Config> {
        if self.proxy_from_env && self.proxy.is_none() && self.proxy_env.is_none() {
            self.proxy_env = Some(EnvProxy::read()?);
        }
        Ok(self)
    }
}

/// `InvalidConfigValue` quoting at most 40 characters of the value, and none of a secret key's
/// value or of a value that looks like key material.
fn invalid(key: &str, value: &str, expected: &str) -> Error {
    let shown = if is_secret_key(key) || looks_like_key_material(value) {
        "the value (not shown)".to_owned()
    } else {
        format!("{:?}", value.chars().take(40).collect::<String>())
    };
    Error::new(
        ErrorKind::InvalidConfigValue,
        format!("{key}: {shown} is not valid; expected {expected}"),
    )
}

/// `UnknownConfigKey` quoting the key, unless it looks like key material (a value passed as the
/// key).
pub fn unknown_key(key: &str) -> Error {
    let message = if looks_like_key_material(key) || key.len() > 64 {
        "unknown configuration key (not shown: it looks like a value, not a key)".to_owned()
    } else {
        format!("unknown configuration key {key:?}")
    };
    Error::new(ErrorKind::UnknownConfigKey, message)
}

/// A file path as messages quote it; one that looks like key material is not shown.
pub(crate) fn shown_path(path: &str) -> String {
    if looks_like_key_material(path) {
        "(path not shown: it looks like key material)".to_owned()
    } else {
        format!("{path:?}")
    }
}

/// PEM text (a BEGIN line or a line break), anything longer than a path, or a run of 40 or more
/// base64 characters (a key or a base64-encoded file; '/' splits runs, as in paths).
fn looks_like_key_material(v: &str) -> bool {
    v.contains("-----BEGIN")
        || v.contains(['\n', '\r'])
        || v.len() > MAX_PATH_LEN
        || v.split(|c: char| !(c.is_ascii_alphanumeric() || c == '+' || c == '='))
            .any(|run| run.len() >= 40)
}

/// A `*_file` value: a path, or empty for none. PEM text, a line break or more than
/// [`MAX_PATH_LEN`] bytes is refused, and the error never echoes the value.
fn path(key: &str, value: &str) -> Result<Option<String>> {
    let v = value.trim();
    let pem_key = key.replace("_file", "_pem");
    let instead = if KEYS.iter().any(|(k, _)| *k == pem_key) {
        format!("give the PEM text with {pem_key}")
    } else {
        "give the path of the file".to_owned()
    };
    let problem = if v.contains("-----BEGIN") || v.contains(['\n', '\r']) {
        "the value looks like PEM text, not a path".to_owned()
    } else if v.len() > MAX_PATH_LEN {
        format!("the value is longer than any path ({MAX_PATH_LEN} bytes)")
    } else {
        return Ok(non_empty(v));
    };
    Err(Error::new(
        ErrorKind::InvalidConfigValue,
        format!("{key}: {problem}; {instead}"),
    ))
}

/// A key id, team id or topic: printable ASCII without spaces, or empty for none.
fn identifier(key: &str, v: &str) -> Result<Option<String>> {
    if v.bytes().all(|b| b.is_ascii_graphic()) {
        Ok(non_empty(v))
    } else {
        Err(invalid(key, v, "printable ASCII without spaces"))
    }
}

/// The default topic: an identifier of at most `TOPIC_MAX` bytes (the bound on `apns-topic`).
fn topic(key: &str, v: &str) -> Result<Option<String>> {
    use crate::notification::TOPIC_MAX;
    if v.len() > TOPIC_MAX {
        return Err(invalid(key, v, &format!("at most {TOPIC_MAX} bytes")));
    }
    identifier(key, v)
}

fn non_empty(v: &str) -> Option<String> {
    (!v.is_empty()).then(|| v.to_owned())
}

fn number(key: &str, v: &str, min: u64, max: u64) -> Result<u64> {
    match v.parse::<u64>() {
        Ok(n) if (min..=max).contains(&n) => Ok(n),
        _ => Err(invalid(key, v, &format!("an integer from {min} to {max}"))),
    }
}

fn millis(key: &str, v: &str, min: u64, max: u64) -> Result<Duration> {
    number(key, v, min, max).map(Duration::from_millis)
}

fn optional_port(key: &str, v: &str) -> Result<Option<u16>> {
    if v.is_empty() {
        return Ok(None);
    }
    number(key, v, 1, 65535).map(|p| Some(p as u16))
}

fn boolean(key: &str, v: &str) -> Result<bool> {
    match v {
        "true" | "1" | "yes" => Ok(true),
        "false" | "0" | "no" => Ok(false),
        _ => Err(invalid(key, v, "true or false")),
    }
}

/// Inline PEM; the error never echoes the value (it may be a private key).
fn pem_text(key: &str, value: &str) -> Result<Option<Pem>> {
    if value.trim().is_empty() {
        return Ok(None);
    }
    if !value.contains("-----BEGIN ") {
        return Err(Error::new(
            ErrorKind::InvalidConfigValue,
            format!("{key}: value is not PEM text"),
        ));
    }
    Ok(Some(Pem::Text(value.to_owned())))
}
