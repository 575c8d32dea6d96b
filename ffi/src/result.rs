//! `apns_result`: the one result code of the C API, grouped by origin, with one value per
//! engine `ErrorKind` (named `APNS_ERR_` + `ErrorKind::name()`).

use apnspush::ErrorKind;
use std::ffi::{c_char, c_int, CString};
use std::sync::OnceLock;

/// What a call did. 0 is success; the hundreds say where an error came from.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum apns_result {
    /// Success.
    APNS_OK = 0,
    /// Caller input (100-199): the device token is not valid hex or has the wrong length.
    APNS_ERR_BAD_TOKEN = 100,
    /// The payload exceeds the protocol's size limit.
    APNS_ERR_PAYLOAD_TOO_LARGE = 101,
    /// The payload (or a custom value) is not valid JSON, or not a JSON object.
    APNS_ERR_INVALID_JSON = 102,
    /// Any other invalid argument: a notification field, a string that is not UTF-8, a mock
    /// setting changed after start.
    APNS_ERR_INVALID_ARGUMENT = 103,
    /// Configuration (200-299): the key is not known.
    APNS_ERR_UNKNOWN_CONFIG_KEY = 200,
    /// The value is not valid for its key.
    APNS_ERR_INVALID_CONFIG_VALUE = 201,
    /// Transport (300-399): the TCP connection could not be established.
    APNS_ERR_CONNECT = 300,
    /// The TLS handshake or certificate verification failed.
    APNS_ERR_TLS = 301,
    /// A certificate, key or CA could not be loaded.
    APNS_ERR_CREDENTIALS = 302,
    /// A socket error on an established connection.
    APNS_ERR_IO = 303,
    /// The peer violated the protocol.
    APNS_ERR_PROTOCOL = 304,
    /// Engine state (400-499): the send queue is full (only with block_when_full=false).
    APNS_ERR_QUEUE_FULL = 400,
    /// The pusher is closed or closing.
    APNS_ERR_CLOSED = 401,
    /// A wait ran out of time.
    APNS_ERR_TIMEOUT = 402,
    /// An outcome only: a connection thread panicked (a bug in apnspush; please report it).
    /// The notification may or may not have been sent; the connection slot was restarted.
    APNS_ERR_INTERNAL = 403,
    /// C boundary (500-599): a required pointer argument was NULL.
    APNS_ERR_NULL_PARAMETER = 500,
    /// An output buffer is too small; the `needed` output holds the size required.
    APNS_ERR_BUFFER_TOO_SMALL = 501,
    /// A Rust panic was caught at the boundary (a bug in apnspush; please report it).
    APNS_ERR_PANIC = 502,
    /// APNs (600-699): APNs answered a channel-management request with an error status; the
    /// last error text reads e.g. "REJECTED: ChannelNotRegistered (status 404)".
    APNS_ERR_REJECTED = 600,
}

use apns_result::*;

/// Every value, in header order.
static ALL: [apns_result; 20] = [
    APNS_OK,
    APNS_ERR_BAD_TOKEN,
    APNS_ERR_PAYLOAD_TOO_LARGE,
    APNS_ERR_INVALID_JSON,
    APNS_ERR_INVALID_ARGUMENT,
    APNS_ERR_UNKNOWN_CONFIG_KEY,
    APNS_ERR_INVALID_CONFIG_VALUE,
    APNS_ERR_CONNECT,
    APNS_ERR_TLS,
    APNS_ERR_CREDENTIALS,
    APNS_ERR_IO,
    APNS_ERR_PROTOCOL,
    APNS_ERR_QUEUE_FULL,
    APNS_ERR_CLOSED,
    APNS_ERR_TIMEOUT,
    APNS_ERR_INTERNAL,
    APNS_ERR_NULL_PARAMETER,
    APNS_ERR_BUFFER_TOO_SMALL,
    APNS_ERR_PANIC,
    APNS_ERR_REJECTED,
];

// A new engine error kind must get its own result value here (and in `from_kind`).
const _: () = assert!(ErrorKind::ALL.len() == 16);

impl apns_result {
    /// The result for an engine error kind.
    pub(crate) fn from_kind(kind: ErrorKind) -> apns_result {
        match kind {
            ErrorKind::BadToken => APNS_ERR_BAD_TOKEN,
            ErrorKind::PayloadTooLarge => APNS_ERR_PAYLOAD_TOO_LARGE,
            ErrorKind::InvalidJson => APNS_ERR_INVALID_JSON,
            ErrorKind::InvalidArgument => APNS_ERR_INVALID_ARGUMENT,
            ErrorKind::UnknownConfigKey => APNS_ERR_UNKNOWN_CONFIG_KEY,
            ErrorKind::InvalidConfigValue => APNS_ERR_INVALID_CONFIG_VALUE,
            ErrorKind::Connect => APNS_ERR_CONNECT,
            ErrorKind::Tls => APNS_ERR_TLS,
            ErrorKind::Credentials => APNS_ERR_CREDENTIALS,
            ErrorKind::Io => APNS_ERR_IO,
            ErrorKind::Protocol => APNS_ERR_PROTOCOL,
            ErrorKind::QueueFull => APNS_ERR_QUEUE_FULL,
            ErrorKind::Closed => APNS_ERR_CLOSED,
            ErrorKind::Timeout => APNS_ERR_TIMEOUT,
            ErrorKind::Internal => APNS_ERR_INTERNAL,
            ErrorKind::Rejected => APNS_ERR_REJECTED,
            // ErrorKind is non_exhaustive; the assertion above catches a new kind at build time.
            _ => APNS_ERR_PROTOCOL,
        }
    }

    fn kind(self) -> Option<ErrorKind> {
        ErrorKind::ALL
            .into_iter()
            .find(|k| apns_result::from_kind(*k) == self)
    }

    fn texts(self) -> (String, String) {
        if let Some(kind) = self.kind() {
            return (
                format!("APNS_ERR_{}", kind.name()),
                kind.describe().to_owned(),
            );
        }
        let (name, describe) = match self {
            APNS_OK => ("APNS_OK", "success"),
            APNS_ERR_NULL_PARAMETER => (
                "APNS_ERR_NULL_PARAMETER",
                "a required pointer argument was NULL",
            ),
            APNS_ERR_BUFFER_TOO_SMALL => (
                "APNS_ERR_BUFFER_TOO_SMALL",
                "the output buffer is too small; `needed` holds the size required",
            ),
            _ => (
                "APNS_ERR_PANIC",
                "internal error: a Rust panic was caught at the C boundary",
            ),
        };
        (name.to_owned(), describe.to_owned())
    }
}

/// (value, name, description) for every result, built once.
fn table() -> &'static [(c_int, CString, CString)] {
    static TABLE: OnceLock<Vec<(c_int, CString, CString)>> = OnceLock::new();
    TABLE.get_or_init(|| {
        ALL.iter()
            .map(|r| {
                let (name, describe) = r.texts();
                (
                    *r as c_int,
                    CString::new(name).expect("no NUL in names"),
                    CString::new(describe).expect("no NUL in descriptions"),
                )
            })
            .collect()
    })
}

/// The enumerator's name, e.g. "APNS_ERR_QUEUE_FULL"; "APNS_ERR_UNKNOWN" for a value that is not
/// an apns_result. Ownership: a static string; never free it. Threads: any. Blocking: never.
#[no_mangle]
pub extern "C" fn apns_result_name(result: c_int) -> *const c_char {
    ffi_boundary! {
        table()
            .iter()
            .find(|(v, _, _)| *v == result)
            .map_or(c"APNS_ERR_UNKNOWN".as_ptr(), |(_, name, _)| name.as_ptr())
    }
}

/// A one-line English description of `result`; "unknown result" for a value that is not an
/// apns_result. Ownership: a static string; never free it. Threads: any. Blocking: never.
#[no_mangle]
pub extern "C" fn apns_result_describe(result: c_int) -> *const c_char {
    ffi_boundary! {
        table()
            .iter()
            .find(|(v, _, _)| *v == result)
            .map_or(c"unknown result".as_ptr(), |(_, _, d)| d.as_ptr())
    }
}

/// Every apns_result value, for bindings that build their own constant tables: returns a static
/// array and writes its length to `*count`. Returns NULL (and writes nothing) if `count` is NULL.
/// Ownership: static; never free it. Threads: any. Blocking: never.
#[no_mangle]
pub extern "C" fn apns_result_all(count: *mut usize) -> *const apns_result {
    ffi_boundary! {
        let count = try_out!(count);
        count.write(ALL.len());
        ALL.as_ptr()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::CStr;

    fn name(r: c_int) -> String {
        unsafe { CStr::from_ptr(apns_result_name(r)) }
            .to_str()
            .unwrap()
            .to_owned()
    }

    #[test]
    fn one_distinct_value_per_error_kind_named_after_it() {
        let mut seen = std::collections::HashSet::new();
        for kind in ErrorKind::ALL {
            let r = apns_result::from_kind(kind);
            assert!(seen.insert(r), "{kind:?} shares {r:?}");
            assert_eq!(name(r as c_int), format!("APNS_ERR_{}", kind.name()));
            assert_eq!(format!("{r:?}"), format!("APNS_ERR_{}", kind.name()));
        }
        assert_eq!(ALL.len(), ErrorKind::ALL.len() + 4);
        for r in ALL {
            assert_eq!(name(r as c_int), format!("{r:?}"));
        }
    }

    #[test]
    fn unknown_values_have_static_texts() {
        assert_eq!(name(-7), "APNS_ERR_UNKNOWN");
        let d = unsafe { CStr::from_ptr(apns_result_describe(99_999)) };
        assert_eq!(d.to_str().unwrap(), "unknown result");
    }
}
