//! The log callback: apnspush's log records (connects, losses, GOAWAYs, retries, token
//! refreshes; docs/LOGGING.md) served to the application on its own threads.
//!
//! Records are queued by the engine (at most 10,000; past that the oldest are dropped) and
//! reach the callback only inside apns_log_poll and apns_pusher_poll, on the thread that called
//! them: never on an internal thread. One callback per process: the records are those of every
//! pusher in it.

use crate::cast::{call_log_fn, u64_to_user_data, user_data_to_u64, Out};
use crate::outcome::c_text;
use crate::result::apns_result;
use apnspush::logs::{self, LevelFilter};
use std::ffi::{c_char, c_void};
use std::sync::Mutex;

/// `void (*)(void *ctx, uint32_t level, const char *target, const char *message)`: receives one
/// log record. `level`: 1 error, 2 warn, 3 info, 4 debug, 5 trace. `target` is "apnspush" or
/// "apnspush::<area>" (http2, binary, token, retry, outcome, engine, queue). Both strings are
/// valid only during the call (copy what you keep). Runs on the thread that called
/// apns_log_poll or apns_pusher_poll (several at once if several threads poll). It may call any
/// apnspush function except apns_pusher_destroy of a pusher whose poll it runs in.
pub type apns_log_fn = Option<
    unsafe extern "C" fn(
        ctx: *mut c_void,
        level: u32,
        target: *const c_char,
        message: *const c_char,
    ),
>;

type LogFn = unsafe extern "C" fn(*mut c_void, u32, *const c_char, *const c_char);

/// The callback and its context (as an integer: the engine never dereferences it).
static SINK: Mutex<Option<(LogFn, u64)>> = Mutex::new(None);

fn sink() -> Option<(LogFn, u64)> {
    *SINK.lock().unwrap_or_else(|p| p.into_inner())
}

/// Sets the process's log callback: records up to `max_level` (0 off, 1 error, 2 warn, 3 info,
/// 4 debug, 5 trace) are queued from now on and served to `log_fn` by apns_log_poll and
/// apns_pusher_poll. A NULL `log_fn` or level 0 turns logging off and discards queued records.
/// Calling it again replaces the callback and the level.
/// Ownership: `ctx` is passed back to `log_fn` untouched and never dereferenced; it must stay valid
/// until the callback is replaced or turned off.
/// Threads: any. Blocking: never.
/// Errors: APNS_ERR_INVALID_ARGUMENT (`max_level` above 5, or another `log` logger is already
/// installed in the process, e.g. by a Rust program that links libapnspush.a).
#[no_mangle]
pub extern "C" fn apns_set_log_callback(
    log_fn: apns_log_fn,
    ctx: *mut c_void,
    max_level: u32,
) -> apns_result {
    ffi_boundary! {
        let level = match max_level {
            0 => LevelFilter::Off,
            1 => LevelFilter::Error,
            2 => LevelFilter::Warn,
            3 => LevelFilter::Info,
            4 => LevelFilter::Debug,
            5 => LevelFilter::Trace,
            _ => return apns_result::APNS_ERR_INVALID_ARGUMENT,
        };
        let mut sink = SINK.lock().unwrap_or_else(|p| p.into_inner());
        match (log_fn, level) {
            (Some(f), level) if level != LevelFilter::Off => match logs::capture(level) {
                Ok(()) => {
                    *sink = Some((f, user_data_to_u64(ctx)));
                    apns_result::APNS_OK
                }
                Err(e) => apns_result::from_kind(e.kind()),
            },
            _ => {
                *sink = None;
                // With another logger installed there is nothing of ours to turn off.
                let _ = logs::capture(LevelFilter::Off);
                logs::take(usize::MAX);
                apns_result::APNS_OK
            }
        }
    }
}

/// Serves up to `max` queued log records, oldest first, to the callback on this thread, and
/// writes how many to `*served` (optional). Without a callback nothing is served.
/// Threads: any. Blocking: never (only the callback's own time). Errors: none but
/// APNS_ERR_PANIC.
#[no_mangle]
pub extern "C" fn apns_log_poll(max: usize, served: *mut usize) -> apns_result {
    ffi_boundary! {
        let n = serve_logs(max);
        if let Some(out) = Out::new(served) {
            out.write(n);
        }
        apns_result::APNS_OK
    }
}

/// Serves up to `max` queued records on this thread; returns how many. Records taken while
/// the callback is being turned off (by the callback itself, say) are dropped.
pub(crate) fn serve_logs(max: usize) -> usize {
    if sink().is_none() {
        return 0;
    }
    let mut served = 0;
    for record in logs::take(max) {
        let Some((f, ctx)) = sink() else {
            break;
        };
        let (target, message) = (c_text(&record.target), c_text(&record.message));
        call_log_fn(
            f,
            u64_to_user_data(ctx),
            record.level as u32,
            target.as_ptr(),
            message.as_ptr(),
        );
        served += 1;
    }
    served
}
