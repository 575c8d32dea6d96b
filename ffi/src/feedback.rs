//! The binary feedback service: devices that stopped accepting notifications.

use crate::boundary::ErrBuf;
use crate::conf::apns_conf;
use crate::result::apns_result;
use apnspush::Config;
use std::ffi::{c_char, c_void};

/// `void (*)(void *userdata, uint32_t timestamp, const uint8_t *token, size_t token_len)`:
/// one feedback tuple (epoch seconds when the device stopped accepting notifications, and its
/// token, borrowed for the call).
pub type apns_feedback_cb = Option<
    unsafe extern "C" fn(userdata: *mut c_void, timestamp: u32, token: *const u8, token_len: usize),
>;

/// Connects to the feedback service named by `conf` (feedback_host, feedback_port, the
/// environment and the client certificate), reads every tuple until the server closes, then
/// passes each to `cb` on this thread, in order. The service forgets tuples once read.
/// Ownership: `conf` is only read. Threads: any. Blocking: up to connect_timeout_ms to connect
/// and for each read. Errors (message copied into `errbuf`, optional): APNS_ERR_CONNECT,
/// APNS_ERR_TLS, APNS_ERR_CREDENTIALS, APNS_ERR_IO, APNS_ERR_PROTOCOL, APNS_ERR_NULL_PARAMETER.
#[no_mangle]
pub extern "C" fn apns_feedback_fetch(
    conf: *const apns_conf,
    cb: apns_feedback_cb,
    userdata: *mut c_void,
    errbuf: *mut c_char,
    errlen: usize,
) -> apns_result {
    ffi_boundary! {
        let conf: &Config = try_ref!(conf);
        let cb = try_callback!(cb);
        let mut err = ErrBuf::new(errbuf, errlen);
        match crate::sigpipe::without_sigpipe(|| apnspush::fetch_feedback(conf)) {
            Ok(tuples) => {
                err.clear();
                for t in tuples {
                    crate::cast::call_feedback_cb(cb, userdata, t.timestamp, &t.token);
                }
                apns_result::APNS_OK
            }
            Err(e) => err.fail(&e),
        }
    }
}
