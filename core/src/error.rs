//! The one error type of the engine. `ErrorKind::name` is the stable code shared by every
//! language binding (C result names, Node `code`, Python exception classes).

use std::fmt;

/// What went wrong, grouped by origin: caller input, configuration, transport, engine state.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// Device token is not valid hex or has the wrong length.
    BadToken,
    /// Payload is larger than the protocol allows.
    PayloadTooLarge,
    /// Payload is not a JSON object.
    InvalidJson,
    /// Any other notification field is invalid (priority, collapse id, push type...).
    InvalidArgument,
    /// Configuration key is not known.
    UnknownConfigKey,
    /// Configuration value is invalid for its key.
    InvalidConfigValue,
    /// TCP connection could not be established (refused, unreachable, timed out).
    Connect,
    /// TLS handshake or certificate verification failed.
    Tls,
    /// Credentials (certificate, key, CA, provider token key) could not be loaded.
    Credentials,
    /// Socket-level failure on an established connection.
    Io,
    /// The send queue is full and the pusher was configured not to block.
    QueueFull,
    /// The pusher is closed or closing.
    Closed,
    /// A wait ran out of time.
    Timeout,
    /// Protocol violation by the peer.
    Protocol,
    /// A bug in apnspush: a connection thread panicked. The notifications it held may or may
    /// not have been sent; the connection slot was restarted.
    Internal,
    /// APNs answered a request with an error status (channel management): the status and
    /// Apple's reason are in [`Error::status`] and [`Error::reason`].
    Rejected,
}

impl ErrorKind {
    /// Every kind, in a stable order (the C enum and binding tables follow it).
    pub const ALL: [ErrorKind; 16] = [
        ErrorKind::BadToken,
        ErrorKind::PayloadTooLarge,
        ErrorKind::InvalidJson,
        ErrorKind::InvalidArgument,
        ErrorKind::UnknownConfigKey,
        ErrorKind::InvalidConfigValue,
        ErrorKind::Connect,
        ErrorKind::Tls,
        ErrorKind::Credentials,
        ErrorKind::Io,
        ErrorKind::QueueFull,
        ErrorKind::Closed,
        ErrorKind::Timeout,
        ErrorKind::Protocol,
        ErrorKind::Internal,
        ErrorKind::Rejected,
    ];

    /// Stable upper-case code, e.g. `BAD_TOKEN`; the C result is `APNS_ERR_` + this.
    pub fn name(self) -> &'static str {
        match self {
            ErrorKind::BadToken => "BAD_TOKEN",
            ErrorKind::PayloadTooLarge => "PAYLOAD_TOO_LARGE",
            ErrorKind::InvalidJson => "INVALID_JSON",
            ErrorKind::InvalidArgument => "INVALID_ARGUMENT",
            ErrorKind::UnknownConfigKey => "UNKNOWN_CONFIG_KEY",
            ErrorKind::InvalidConfigValue => "INVALID_CONFIG_VALUE",
            ErrorKind::Connect => "CONNECT",
            ErrorKind::Tls => "TLS",
            ErrorKind::Credentials => "CREDENTIALS",
            ErrorKind::Io => "IO",
            ErrorKind::QueueFull => "QUEUE_FULL",
            ErrorKind::Closed => "CLOSED",
            ErrorKind::Timeout => "TIMEOUT",
            ErrorKind::Protocol => "PROTOCOL",
            ErrorKind::Internal => "INTERNAL",
            ErrorKind::Rejected => "REJECTED",
        }
    }

    /// One-line human description of the kind.
    pub fn describe(self) -> &'static str {
        match self {
            ErrorKind::BadToken => "device token is not valid hex or has the wrong length",
            ErrorKind::PayloadTooLarge => "payload exceeds the protocol's size limit",
            ErrorKind::InvalidJson => "payload is not a valid JSON object",
            ErrorKind::InvalidArgument => "invalid notification field",
            ErrorKind::UnknownConfigKey => "unknown configuration key",
            ErrorKind::InvalidConfigValue => "invalid configuration value",
            ErrorKind::Connect => "could not connect to the server",
            ErrorKind::Tls => "TLS handshake or certificate verification failed",
            ErrorKind::Credentials => "could not load certificate, key or CA",
            ErrorKind::Io => "socket error on an established connection",
            ErrorKind::QueueFull => "send queue is full",
            ErrorKind::Closed => "pusher is closed",
            ErrorKind::Timeout => "timed out",
            ErrorKind::Protocol => "protocol violation by the peer",
            ErrorKind::Internal => "internal error in apnspush (a connection thread panicked)",
            ErrorKind::Rejected => "APNs refused the request (status and reason in the error)",
        }
    }
}

/// An error with its kind and a message naming the offending value (never key material).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Error {
    kind: ErrorKind,
    message: String,
    /// `Rejected` only: Apple's HTTP status and reason.
    rejection: Option<(u16, String)>,
}

impl Error {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Error {
            kind,
            message: message.into(),
            rejection: None,
        }
    }
    /// A `Rejected` error: APNs answered `status` with `reason` (Apple's spelling, e.g.
    /// `ChannelNotRegistered`); the message reads `ChannelNotRegistered (status 404)`.
    pub fn rejected(status: u16, reason: impl Into<String>) -> Self {
        let reason = reason.into();
        Error {
            kind: ErrorKind::Rejected,
            message: format!("{reason} (status {status})"),
            rejection: Some((status, reason)),
        }
    }
    /// `Rejected` only: the HTTP status APNs answered.
    pub fn status(&self) -> Option<u16> {
        self.rejection.as_ref().map(|r| r.0)
    }
    /// `Rejected` only: Apple's reason, e.g. `BadChannelId`.
    pub fn reason(&self) -> Option<&str> {
        self.rejection.as_ref().map(|r| r.1.as_str())
    }
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.kind.name(), self.message)
    }
}

impl std::error::Error for Error {}

pub type Result<T> = std::result::Result<T, Error>;
