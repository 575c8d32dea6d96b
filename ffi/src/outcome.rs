//! `apns_outcome`: the final outcome of one notification, read through accessors.
//!
//! Every accessor: Threads: any thread, concurrently, while the outcome lives. Blocking: never.
//! A NULL outcome gives the value each function documents (NULL, 0, false).

use crate::boundary::{write_bytes, write_text};
use crate::cast::{free_box, u64_to_user_data, Castable, OwnershipBox};
use crate::result::apns_result;
use apnspush::{Outcome, OutcomeKind};
use std::ffi::{c_char, c_int, c_void, CString};
use std::sync::OnceLock;

/// One notification's final outcome. Owned by the caller when it comes from
/// apns_pusher_ensure_push (free it with apns_outcome_destroy); borrowed for the duration of
/// the call when passed to a callback (never free or keep it).
pub struct apns_outcome {
    _private: [u8; 0],
}

/// The outcome and the C strings made from it on first access.
pub(crate) struct OutcomeView {
    outcome: Outcome,
    reason: OnceLock<CString>,
    token_hex: OnceLock<CString>,
    apns_id: OnceLock<Option<CString>>,
    channel_id: OnceLock<Option<CString>>,
}

impl OutcomeView {
    pub(crate) fn new(outcome: Outcome) -> Self {
        OutcomeView {
            outcome,
            reason: OnceLock::new(),
            token_hex: OnceLock::new(),
            apns_id: OnceLock::new(),
            channel_id: OnceLock::new(),
        }
    }
}

impl Castable for apns_outcome {
    type Ownership = OwnershipBox;
    type RustType = OutcomeView;
}

/// `void (*)(void *userdata, const apns_outcome *outcome)`: receives one outcome, borrowed for
/// the call. Runs on the thread that called the apnspush function that serves it.
pub type apns_outcome_cb =
    Option<unsafe extern "C" fn(userdata: *mut c_void, outcome: *const apns_outcome)>;

/// Calls `cb` with each outcome, borrowed for the call; a NULL `cb` discards them.
pub(crate) fn serve(cb: apns_outcome_cb, userdata: *mut c_void, outcomes: Vec<Outcome>) {
    if let Some(cb) = cb {
        for o in outcomes {
            let view = OutcomeView::new(o);
            crate::cast::call_outcome_cb(cb, userdata, crate::cast::to_const_ptr(&view));
        }
    }
}

/// A C string from engine text; interior NULs (never expected) are dropped.
pub(crate) fn c_text(s: &str) -> CString {
    CString::new(s.replace('\0', "")).expect("NULs removed")
}

/// Which of the five final outcomes a notification reached: the type of apns_outcome_kind()
/// (C has one namespace for typedef and function names, hence the `_t`).
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum apns_outcome_kind_t {
    /// Not an outcome: returned only for a NULL handle.
    APNS_OUTCOME_NONE = 0,
    /// APNs took it (confirmed, or presumed after the binary error window).
    APNS_OUTCOME_ACCEPTED = 1,
    /// APNs refused it with a status (and reason). Never retried.
    APNS_OUTCOME_REJECTED = 2,
    /// apnspush gave up: attempts exhausted, timeout, connection or TLS failure, closed.
    APNS_OUTCOME_FAILED = 3,
    /// Its expiry passed before it could be (re)sent.
    APNS_OUTCOME_EXPIRED = 4,
    /// The pusher closed before it was written.
    APNS_OUTCOME_CANCELLED = 5,
}

/// Which final outcome it is; APNS_OUTCOME_NONE for NULL.
#[no_mangle]
pub extern "C" fn apns_outcome_kind(o: *const apns_outcome) -> apns_outcome_kind_t {
    ffi_boundary! {
        let Some(o) = crate::cast::try_ref(o) else {
            return apns_outcome_kind_t::APNS_OUTCOME_NONE;
        };
        match o.outcome.kind {
            OutcomeKind::Accepted => apns_outcome_kind_t::APNS_OUTCOME_ACCEPTED,
            OutcomeKind::Rejected => apns_outcome_kind_t::APNS_OUTCOME_REJECTED,
            OutcomeKind::Failed => apns_outcome_kind_t::APNS_OUTCOME_FAILED,
            OutcomeKind::Expired => apns_outcome_kind_t::APNS_OUTCOME_EXPIRED,
            OutcomeKind::Cancelled => apns_outcome_kind_t::APNS_OUTCOME_CANCELLED,
        }
    }
}

/// "accepted", "rejected", "failed", "expired", "cancelled"; "none" for any other value.
/// Ownership: a static string. Threads: any. Blocking: never.
#[no_mangle]
pub extern "C" fn apns_outcome_kind_name(kind: c_int) -> *const c_char {
    ffi_boundary! {
        match kind {
            1 => c"accepted",
            2 => c"rejected",
            3 => c"failed",
            4 => c"expired",
            5 => c"cancelled",
            _ => c"none",
        }
        .as_ptr()
    }
}

/// The id the push call returned (ids start at 1); 0 for NULL.
#[no_mangle]
pub extern "C" fn apns_outcome_id(o: *const apns_outcome) -> u64 {
    ffi_boundary! { try_ref!(o).outcome.id }
}

/// Binary: the error-response status (8 = invalid token). HTTP/2: the response status. 0 when
/// there is none, and for NULL.
#[no_mangle]
pub extern "C" fn apns_outcome_status(o: *const apns_outcome) -> u16 {
    ffi_boundary! { try_ref!(o).outcome.status }
}

/// Apple's reason text, or apnspush's error message for a failed outcome; "" when none.
/// Ownership: borrowed, valid while the outcome lives. NULL for NULL.
#[no_mangle]
pub extern "C" fn apns_outcome_reason(o: *const apns_outcome) -> *const c_char {
    ffi_boundary! {
        let o: &OutcomeView = try_ref!(o);
        o.reason.get_or_init(|| c_text(&o.outcome.reason)).as_ptr()
    }
}

/// The engine error behind a failed outcome (e.g. APNS_ERR_CLOSED, APNS_ERR_TIMEOUT); APNS_OK
/// when there is none; APNS_ERR_NULL_PARAMETER for NULL.
#[no_mangle]
pub extern "C" fn apns_outcome_error(o: *const apns_outcome) -> apns_result {
    ffi_boundary! {
        let o: &OutcomeView = try_ref!(o);
        o.outcome.error.map_or(apns_result::APNS_OK, apns_result::from_kind)
    }
}

/// HTTP/2 410: when the token stopped being valid, in milliseconds since the epoch. Returns
/// true and writes `*timestamp_ms` if the outcome has one; false (nothing written) if it has
/// none or an argument is NULL.
#[no_mangle]
pub extern "C" fn apns_outcome_timestamp(o: *const apns_outcome, timestamp_ms: *mut u64) -> bool {
    ffi_boundary! {
        let o: &OutcomeView = try_ref!(o);
        let out = try_out!(timestamp_ms);
        match o.outcome.timestamp {
            Some(t) => {
                out.write(t);
                true
            }
            None => false,
        }
    }
}

/// Copies the device token bytes into `buf`. `*token_len` (optional) always receives the token
/// length; a `buf` shorter than that is left untouched and gives APNS_ERR_BUFFER_TOO_SMALL.
/// `buf` may be NULL with `len` 0 to ask the length. Errors: APNS_ERR_NULL_PARAMETER (NULL
/// outcome, or NULL `buf` with `len` > 0), APNS_ERR_BUFFER_TOO_SMALL.
#[no_mangle]
pub extern "C" fn apns_outcome_token(
    o: *const apns_outcome,
    buf: *mut u8,
    len: usize,
    token_len: *mut usize,
) -> apns_result {
    ffi_boundary! {
        let o: &OutcomeView = try_ref!(o);
        write_bytes(buf, len, token_len, &o.outcome.token, false)
    }
}

/// The device token as lower-case hex (empty for a broadcast on a channel). Ownership:
/// borrowed, valid while the outcome lives. NULL for NULL.
#[no_mangle]
pub extern "C" fn apns_outcome_token_hex(o: *const apns_outcome) -> *const c_char {
    ffi_boundary! {
        let o: &OutcomeView = try_ref!(o);
        o.token_hex.get_or_init(|| c_text(&o.outcome.token_hex())).as_ptr()
    }
}

/// The broadcast channel id the notification was sent on; NULL when it was sent to a device
/// token and for NULL. Ownership: borrowed, valid while the outcome lives.
#[no_mangle]
pub extern "C" fn apns_outcome_channel_id(o: *const apns_outcome) -> *const c_char {
    ffi_boundary! {
        let o: &OutcomeView = try_ref!(o);
        o.channel_id
            .get_or_init(|| o.outcome.channel_id.as_deref().map(c_text))
            .as_ref()
            .map_or(std::ptr::null(), |s| s.as_ptr())
    }
}

/// HTTP/2 `apns-id` of the request (a broadcast's `apns-request-id`); NULL when there is none (binary) and for NULL.
/// Ownership: borrowed, valid while the outcome lives.
#[no_mangle]
pub extern "C" fn apns_outcome_apns_id(o: *const apns_outcome) -> *const c_char {
    ffi_boundary! {
        let o: &OutcomeView = try_ref!(o);
        o.apns_id
            .get_or_init(|| o.outcome.apns_id.as_deref().map(c_text))
            .as_ref()
            .map_or(std::ptr::null(), |s| s.as_ptr())
    }
}

/// True when accepted on evidence (a later reply, a flush marker, HTTP/2 200) rather than
/// presumed after the error window; false otherwise and for NULL.
#[no_mangle]
pub extern "C" fn apns_outcome_confirmed(o: *const apns_outcome) -> bool {
    ffi_boundary! { try_ref!(o).outcome.confirmed }
}

/// Times it was written, counting replays; 0 for NULL.
#[no_mangle]
pub extern "C" fn apns_outcome_attempts(o: *const apns_outcome) -> u32 {
    ffi_boundary! { try_ref!(o).outcome.attempts }
}

/// The pointer given to apns_notification_set_user_data (or the builder's); NULL for NULL.
#[no_mangle]
pub extern "C" fn apns_outcome_user_data(o: *const apns_outcome) -> *mut c_void {
    ffi_boundary! {
        let o: &OutcomeView = try_ref!(o);
        u64_to_user_data(o.outcome.user_data)
    }
}

/// Writes the name of every field a language's outcome carries, as a JSON array of strings (the
/// core's one list, `Outcome::FIELDS`: "token" is apns_outcome_token_hex, "error" the result
/// name, "kind" apns_outcome_kind_name), NUL-terminated. `*needed` (optional) always receives
/// the size required, NUL included; a `buf` shorter than that is left untouched and gives
/// APNS_ERR_BUFFER_TOO_SMALL. Threads: any. Blocking: never.
/// Errors: APNS_ERR_BUFFER_TOO_SMALL, APNS_ERR_NULL_PARAMETER (NULL `buf` with `len` > 0).
#[no_mangle]
pub extern "C" fn apns_outcome_fields_json(
    buf: *mut c_char,
    len: usize,
    needed: *mut usize,
) -> apns_result {
    ffi_boundary! {
        let json = serde_json::to_string(Outcome::FIELDS).unwrap_or_default();
        write_text(buf, len, needed, &json)
    }
}

/// Frees an outcome the caller owns (from apns_pusher_ensure_push); never one passed to a
/// callback. NULL is a no-op. Threads: no other call may use `o` meanwhile. Blocking: never.
#[no_mangle]
pub extern "C" fn apns_outcome_destroy(o: *mut apns_outcome) {
    ffi_boundary! { free_box(o) }
}

/// Makes an owned outcome handle for C.
pub(crate) fn to_owned_ptr(outcome: Outcome) -> *mut apns_outcome {
    crate::cast::to_boxed_ptr::<apns_outcome>(OutcomeView::new(outcome))
}

impl crate::boundary::BoundaryValue for apns_outcome_kind_t {
    fn on_panic() -> Self {
        apns_outcome_kind_t::APNS_OUTCOME_NONE
    }
    fn on_null() -> Self {
        apns_outcome_kind_t::APNS_OUTCOME_NONE
    }
}
