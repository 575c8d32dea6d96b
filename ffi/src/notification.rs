//! `apns_notification`: a validated notification, ready to push.

use crate::boundary::ErrBuf;
use crate::cast::{free_box, to_boxed_ptr, user_data_to_u64, Castable, OwnershipBox};
use crate::result::apns_result;
use apnspush::{Error, ErrorKind, Notification};
use std::ffi::{c_char, c_void};

/// A validated notification. Owned by the caller until a push call succeeds with it.
pub struct apns_notification {
    _private: [u8; 0],
}

impl Castable for apns_notification {
    type Ownership = OwnershipBox;
    type RustType = Notification;
}

/// Hands a built notification (or its error) to C: `*out` on success, `errbuf` on error.
pub(crate) fn deliver(
    built: Result<Notification, Error>,
    out: *mut *mut apns_notification,
    errbuf: *mut c_char,
    errlen: usize,
) -> apns_result {
    let out = try_out!(out);
    let mut err = ErrBuf::new(errbuf, errlen);
    match built {
        Ok(n) => {
            err.clear();
            out.write(to_boxed_ptr::<apns_notification>(n));
            apns_result::APNS_OK
        }
        Err(e) => err.fail(&e),
    }
}

/// Creates a notification from a hex device token and a JSON object payload, with default
/// options (no expiry, no topic; push type and priority as the payload implies, see
/// apns_notification_builder_set_push_type). Everything is validated now.
/// Ownership: the strings are copied; on APNS_OK `*out` is a new handle the caller owns until a
/// push call succeeds with it (or apns_notification_destroy); on error `*out` is untouched and
/// the message is copied into `errbuf` (optional, truncated, NUL-terminated).
/// Threads: any. Blocking: never.
/// Errors: APNS_ERR_BAD_TOKEN, APNS_ERR_INVALID_JSON, APNS_ERR_PAYLOAD_TOO_LARGE (4096 bytes;
/// the binary protocol's 2048 is checked when pushed), APNS_ERR_NULL_PARAMETER.
#[no_mangle]
pub extern "C" fn apns_notification_new(
    token_hex: *const c_char,
    payload_json: *const c_char,
    out: *mut *mut apns_notification,
    errbuf: *mut c_char,
    errlen: usize,
) -> apns_result {
    ffi_boundary! {
        let token = crate::cast::try_cstr(token_hex);
        let payload = crate::cast::try_cstr(payload_json);
        let (Some(token), Some(payload)) = (token, payload) else {
            return apns_result::APNS_ERR_NULL_PARAMETER;
        };
        let built = match (token.to_str(), payload.to_str()) {
            (Ok(t), Ok(p)) => Notification::new(t, p),
            (Err(_), _) => Err(Error::new(ErrorKind::BadToken, "token hex is not ASCII")),
            (_, Err(_)) => Err(Error::new(ErrorKind::InvalidJson, "payload is not UTF-8")),
        };
        deliver(built, out, errbuf, errlen)
    }
}

/// As apns_notification_new, from raw token bytes and payload bytes (UTF-8 JSON object, no
/// terminator needed). `token` and `payload` may be NULL only with length 0 (which is then
/// refused as a bad token / invalid JSON).
/// Ownership, threads, blocking, errors: as apns_notification_new.
#[no_mangle]
pub extern "C" fn apns_notification_new_bytes(
    token: *const u8,
    token_len: usize,
    payload: *const u8,
    payload_len: usize,
    out: *mut *mut apns_notification,
    errbuf: *mut c_char,
    errlen: usize,
) -> apns_result {
    ffi_boundary! {
        let token = try_slice!(token, token_len);
        let payload = try_slice!(payload, payload_len);
        let built = match std::str::from_utf8(payload) {
            Ok(p) => Notification::builder().token_bytes(token).payload_json(p).build(),
            Err(_) => Err(Error::new(ErrorKind::InvalidJson, "payload is not UTF-8")),
        };
        deliver(built, out, errbuf, errlen)
    }
}

/// Sets the caller's pointer that comes back unchanged in this notification's outcome
/// (apns_outcome_user_data). apnspush never dereferences it.
/// Threads: one thread at a time per notification. Blocking: never.
/// Errors: APNS_ERR_NULL_PARAMETER (only for `n`; `user` may be NULL).
#[no_mangle]
pub extern "C" fn apns_notification_set_user_data(
    n: *mut apns_notification,
    user: *mut c_void,
) -> apns_result {
    ffi_boundary! {
        let n: &mut Notification = try_mut!(n);
        n.set_user_data(user_data_to_u64(user));
        apns_result::APNS_OK
    }
}

/// Frees a notification the caller still owns (never one a push call took). NULL is a no-op.
/// Threads: no other call may use `n` meanwhile. Blocking: never.
#[no_mangle]
pub extern "C" fn apns_notification_destroy(n: *mut apns_notification) {
    ffi_boundary! { free_box(n) }
}
