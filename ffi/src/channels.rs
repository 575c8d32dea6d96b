//! `apns_channels`: broadcast channel management (create, read, list, delete) on Apple's
//! management hosts (docs/CHANNELS.md).
//!
//! Threads: every function except apns_channels_destroy may be called from any thread at
//! once; the calls on one handle run one at a time, each blocking until its answer.
//! Text comes back in caller buffers (the convention of apns_pusher_stats_json): `*needed`
//! (optional) always receives the size required, NUL included.

use crate::boundary::{write_text, ErrBuf};
use crate::cast::{free_box, to_boxed_ptr, Castable, Out};
use crate::conf::apns_conf;
use crate::result::apns_result;
use apnspush::{Channels, Config, MessageStoragePolicy};
use std::ffi::{c_char, c_int};

/// The size of a buffer that always holds a channel id (256 bytes of base64 text and a NUL).
pub const APNS_CHANNEL_ID_BUF: usize = 257;

/// Runs `call` with SIGPIPE kept from the process; on success clears `err` and returns
/// `answer(value)`, on failure writes the message into `err` and returns its result.
fn request<T>(
    mut err: ErrBuf,
    call: impl FnOnce() -> apnspush::Result<T>,
    answer: impl FnOnce(T) -> apns_result,
) -> apns_result {
    match crate::sigpipe::without_sigpipe(call) {
        Ok(value) => {
            err.clear();
            answer(value)
        }
        Err(e) => err.fail(&e),
    }
}

/// A channel-management client: one HTTP/2 connection to the management host for the app
/// named by the `topic` key. Owned by the caller; free it with apns_channels_destroy.
pub struct apns_channels {
    _private: [u8; 0],
}

impl Castable for apns_channels {
    type Ownership = crate::cast::OwnershipBox;
    type RustType = Channels;
}

/// Connects a channel-management client configured by a copy of `conf`: channel_host and
/// channel_port (by default Apple's for `environment`), proxy, CA and auth as for a pusher,
/// and `topic` as the bundle id (a push-type suffix is dropped).
/// Ownership: `conf` is not consumed; on APNS_OK `*out` is a new handle the caller owns; on
/// error `*out` is untouched and the message is copied into `errbuf` (optional, truncated,
/// NUL-terminated; "" on success). Threads: any. Blocking: up to connect_timeout_ms.
/// Errors: APNS_ERR_INVALID_CONFIG_VALUE (no topic, incomplete token auth), APNS_ERR_CONNECT,
/// APNS_ERR_TLS, APNS_ERR_CREDENTIALS, APNS_ERR_PROTOCOL (no HTTP/2), APNS_ERR_NULL_PARAMETER.
#[no_mangle]
pub extern "C" fn apns_channels_new(
    conf: *const apns_conf,
    out: *mut *mut apns_channels,
    errbuf: *mut c_char,
    errlen: usize,
) -> apns_result {
    ffi_boundary! {
        let conf: &Config = try_ref!(conf);
        let out = try_out!(out);
        request(ErrBuf::new(errbuf, errlen), || Channels::connect(conf), |ch| {
            out.write(to_boxed_ptr::<apns_channels>(ch));
            apns_result::APNS_OK
        })
    }
}

/// Creates a Live Activity channel with message storage `policy` (0: no message stored, 1:
/// the most recent message stored) and writes its id (base64 text) into `id_buf`. A buffer
/// shorter than APNS_CHANNEL_ID_BUF bytes is refused before anything is sent
/// (APNS_ERR_BUFFER_TOO_SMALL, `*needed` = APNS_CHANNEL_ID_BUF).
/// Errors (message in `errbuf`, optional): APNS_ERR_REJECTED (APNs refused: the message is
/// Apple's reason and status, e.g. "CannotCreateChannelConfig (status 400)"),
/// APNS_ERR_INVALID_ARGUMENT (policy), APNS_ERR_TIMEOUT, APNS_ERR_IO, APNS_ERR_CONNECT,
/// APNS_ERR_TLS, APNS_ERR_PROTOCOL, APNS_ERR_CLOSED, APNS_ERR_BUFFER_TOO_SMALL,
/// APNS_ERR_NULL_PARAMETER. Blocking: up to response_timeout_ms (twice when an unprocessed
/// request is sent again on a new connection).
#[no_mangle]
pub extern "C" fn apns_channels_create(
    ch: *const apns_channels,
    policy: c_int,
    id_buf: *mut c_char,
    len: usize,
    needed: *mut usize,
    errbuf: *mut c_char,
    errlen: usize,
) -> apns_result {
    ffi_boundary! {
        let ch: &Channels = try_ref!(ch);
        let mut err = ErrBuf::new(errbuf, errlen);
        if id_buf.is_null() && len > 0 {
            return apns_result::APNS_ERR_NULL_PARAMETER;
        }
        if len < APNS_CHANNEL_ID_BUF {
            // Nothing is sent: the id of a created channel must never be lost.
            if let Some(out) = Out::new(needed) {
                out.write(APNS_CHANNEL_ID_BUF);
            }
            return apns_result::APNS_ERR_BUFFER_TOO_SMALL;
        }
        let policy = match MessageStoragePolicy::from_code(i64::from(policy)) {
            Ok(p) => p,
            Err(e) => return err.fail(&e),
        };
        request(err, || ch.create(policy), |id| write_text(id_buf, len, needed, &id))
    }
}

/// Reads one channel and writes it as JSON, {"channel-id": "...", "message-storage-policy":
/// 0 or 1, "push-type": "LiveActivity"}, into `buf` (`buf` may be NULL with `len` 0 to ask
/// the size: the request is then sent again on the next call). Ownership: `channel_id` is
/// copied. Errors: APNS_ERR_REJECTED (e.g. "ChannelNotRegistered (status 404)"),
/// APNS_ERR_INVALID_ARGUMENT (an id that is not base64 text, or not UTF-8), and as
/// apns_channels_create. Blocking: as apns_channels_create.
#[no_mangle]
pub extern "C" fn apns_channels_get(
    ch: *const apns_channels,
    channel_id: *const c_char,
    buf: *mut c_char,
    len: usize,
    needed: *mut usize,
    errbuf: *mut c_char,
    errlen: usize,
) -> apns_result {
    ffi_boundary! {
        let ch: &Channels = try_ref!(ch);
        let id = try_str!(channel_id);
        request(ErrBuf::new(errbuf, errlen), || ch.get(id), |info| {
            write_text(buf, len, needed, &info.to_json())
        })
    }
}

/// Lists every channel id of the app as a JSON array of strings into `buf` (buffer
/// convention as apns_channels_get). Errors: as apns_channels_create.
/// Blocking: as apns_channels_create.
#[no_mangle]
pub extern "C" fn apns_channels_list(
    ch: *const apns_channels,
    buf: *mut c_char,
    len: usize,
    needed: *mut usize,
    errbuf: *mut c_char,
    errlen: usize,
) -> apns_result {
    ffi_boundary! {
        let ch: &Channels = try_ref!(ch);
        request(ErrBuf::new(errbuf, errlen), || ch.list(), |ids| {
            let json = serde_json::to_string(&ids).unwrap_or_default();
            write_text(buf, len, needed, &json)
        })
    }
}

/// Deletes a channel. Ownership: `channel_id` is copied. Errors: as apns_channels_get.
/// Blocking: as apns_channels_create.
#[no_mangle]
pub extern "C" fn apns_channels_delete(
    ch: *const apns_channels,
    channel_id: *const c_char,
    errbuf: *mut c_char,
    errlen: usize,
) -> apns_result {
    ffi_boundary! {
        let ch: &Channels = try_ref!(ch);
        let id = try_str!(channel_id);
        request(ErrBuf::new(errbuf, errlen), || ch.delete(id), |()| apns_result::APNS_OK)
    }
}

/// Closes the connection; later calls give APNS_ERR_CLOSED. A second call does nothing.
/// Threads: any. Blocking: waits for a call in progress on another thread.
/// Errors: APNS_ERR_NULL_PARAMETER.
#[no_mangle]
pub extern "C" fn apns_channels_close(ch: *const apns_channels) -> apns_result {
    ffi_boundary! {
        try_ref!(ch).close();
        apns_result::APNS_OK
    }
}

/// Closes and frees the client. NULL is a no-op.
/// Threads: no other call may use `ch` meanwhile. Blocking: never long.
#[no_mangle]
pub extern "C" fn apns_channels_destroy(ch: *mut apns_channels) {
    ffi_boundary! { free_box(ch) }
}
