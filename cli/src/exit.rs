//! The exit codes a script can rely on.

use apnspush::ErrorKind;

/// Every notification accepted.
pub const OK: u8 = 0;
/// Some notification rejected, failed, expired, cancelled or skipped as invalid.
pub const NOT_ALL_ACCEPTED: u8 = 1;
/// Usage, configuration or input error.
pub const USAGE: u8 = 2;
/// Could not connect (TCP, TLS, proxy, or the server refused the connection).
pub const CONNECT: u8 = 3;
/// Interrupted by SIGINT (Ctrl-C): 128 + 2, as shells report it.
pub const INTERRUPTED: u8 = 130;

/// The exit code for an error from `Pusher::new` or `fetch_feedback`.
pub fn for_error(kind: ErrorKind) -> u8 {
    match kind {
        ErrorKind::UnknownConfigKey
        | ErrorKind::InvalidConfigValue
        | ErrorKind::InvalidArgument
        | ErrorKind::BadToken
        | ErrorKind::InvalidJson
        | ErrorKind::PayloadTooLarge => USAGE,
        _ => CONNECT,
    }
}
