//! `apns_pusher`: the push verbs, waits, outcome reports, stats and close.
//!
//! Threads: every function except apns_pusher_destroy may be called from any thread at once.
//! Callbacks run only inside apns_pusher_poll, apns_pusher_ensure_delivery and
//! apns_pusher_failed_notifications, on the thread that called them; a callback may call any
//! apns_pusher function on the same pusher except apns_pusher_destroy.

// The enqueue path hands a refused notification back by value (as the core does).
#![allow(clippy::result_large_err)]

use crate::boundary::{timeout, write_text, ErrBuf};
use crate::cast::{free_box, to_boxed_ptr, Castable, Out, OwnershipBox};
use crate::conf::apns_conf;
use crate::notification::apns_notification;
use crate::outcome::{apns_outcome, apns_outcome_cb, serve, to_owned_ptr};
use crate::result::apns_result;
use apnspush::{Completion, CompletionQueue, Config, Notification, Pusher};
use std::ffi::{c_char, c_void};
use std::time::{Duration, Instant};

/// A connected APNs provider. Owned by the caller; free it with apns_pusher_destroy.
pub struct apns_pusher {
    _private: [u8; 0],
}

impl Castable for apns_pusher {
    type Ownership = OwnershipBox;
    type RustType = Pusher;
}

/// Creates a pusher from a copy of `conf` and connects every connection now.
/// Ownership: `conf` is not consumed (destroy it whenever you like); on APNS_OK `*out` is a new
/// handle the caller owns; on error `*out` is untouched and the message is copied into `errbuf`
/// (optional, truncated, NUL-terminated).
/// Threads: any. Blocking: up to connect_timeout_ms per connection.
/// Errors: APNS_ERR_CONNECT, APNS_ERR_TLS, APNS_ERR_CREDENTIALS, APNS_ERR_INVALID_CONFIG_VALUE,
/// APNS_ERR_NULL_PARAMETER.
#[no_mangle]
pub extern "C" fn apns_pusher_new(
    conf: *const apns_conf,
    out: *mut *mut apns_pusher,
    errbuf: *mut c_char,
    errlen: usize,
) -> apns_result {
    ffi_boundary! {
        let conf: &Config = try_ref!(conf);
        let out = try_out!(out);
        let mut err = ErrBuf::new(errbuf, errlen);
        match crate::sigpipe::without_sigpipe(|| Pusher::new(conf.clone())) {
            Ok(p) => {
                err.clear();
                out.write(to_boxed_ptr::<apns_pusher>(p));
                apns_result::APNS_OK
            }
            Err(e) => err.fail(&e),
        }
    }
}

/// Runs one push verb with a copy of `n`; on success frees `n` (the pusher took it).
fn push_with(
    n: *mut apns_notification,
    push: impl FnOnce(Notification) -> apnspush::Result<u64>,
    id: *mut u64,
) -> apns_result {
    let note: &Notification = try_ref!(n);
    match push(note.clone()) {
        Ok(new_id) => {
            free_box(n);
            if let Some(out) = Out::new(id) {
                out.write(new_id);
            }
            apns_result::APNS_OK
        }
        Err(e) => apns_result::from_kind(e.kind()),
    }
}

/// push_async without a copy: the notification moves into the pusher and comes back into `n`
/// on error, so the caller keeps a valid handle either way.
fn push_async_moving(
    n: *mut apns_notification,
    id: *mut u64,
    push: impl FnOnce(Notification) -> Result<u64, (apnspush::Error, Notification)>,
) -> apns_result {
    let note: &mut Notification = try_mut!(n);
    match push(note.take()) {
        Ok(new_id) => {
            free_box(n);
            if let Some(out) = Out::new(id) {
                out.write(new_id);
            }
            apns_result::APNS_OK
        }
        Err((e, back)) => {
            *note = back;
            apns_result::from_kind(e.kind())
        }
    }
}

/// Validates `n` against the pusher's protocol, enqueues it and writes its id to `*id`
/// (optional). Ownership: on APNS_OK the pusher has taken `n` (the handle is invalid); on any
/// error the caller still owns it and may push it again or destroy it.
/// Blocking: only while the send queue is full and block_when_full is true (the default).
/// Errors: APNS_ERR_PAYLOAD_TOO_LARGE / APNS_ERR_BAD_TOKEN (protocol limits),
/// APNS_ERR_QUEUE_FULL (block_when_full=false), APNS_ERR_CLOSED, APNS_ERR_NULL_PARAMETER.
#[no_mangle]
pub extern "C" fn apns_pusher_push_async(
    p: *const apns_pusher,
    n: *mut apns_notification,
    id: *mut u64,
) -> apns_result {
    ffi_boundary! {
        let p: &Pusher = try_ref!(p);
        push_async_moving(n, id, |note| p.try_push_async(note))
    }
}

/// As apns_pusher_push_async, but waits at most `timeout_ms` (>= 0) for room in a full send
/// queue, then fails with APNS_ERR_QUEUE_FULL, the notification never queued and still the
/// caller's: a caller can wait in slices and give up between them (to check for a shutdown
/// request, a signal, or an event loop's turn). With block_when_full=false it never waits.
/// Ownership: as apns_pusher_push_async. Blocking: up to `timeout_ms`.
/// Errors: those of apns_pusher_push_async, and APNS_ERR_INVALID_ARGUMENT (`timeout_ms` < 0).
#[no_mangle]
pub extern "C" fn apns_pusher_push_async_timeout(
    p: *const apns_pusher,
    n: *mut apns_notification,
    timeout_ms: i64,
    id: *mut u64,
) -> apns_result {
    ffi_boundary! {
        let p: &Pusher = try_ref!(p);
        let Some(limit) = timeout(timeout_ms) else {
            return apns_result::APNS_ERR_INVALID_ARGUMENT;
        };
        push_async_moving(n, id, |note| p.push_async_timeout(note, limit))
    }
}

/// As apns_pusher_push_async, then waits until the notification is written to a socket (or
/// already has an outcome). `timeout_ms` < 0 waits without limit.
/// Ownership: as apns_pusher_push_async, except that on APNS_ERR_TIMEOUT the notification was
/// already queued and will still get an outcome: the caller still owns `n`, must not push it
/// again, and should destroy it.
/// Blocking: up to `timeout_ms`. Errors: those of push_async, and APNS_ERR_TIMEOUT.
#[no_mangle]
pub extern "C" fn apns_pusher_push(
    p: *const apns_pusher,
    n: *mut apns_notification,
    timeout_ms: i64,
    id: *mut u64,
) -> apns_result {
    ffi_boundary! {
        let p: &Pusher = try_ref!(p);
        push_with(n, |note| p.push(note, timeout(timeout_ms)), id)
    }
}

/// Enqueues `n` and waits for its final outcome (binary: confirmed by a flush marker or
/// presumed after the error window). `timeout_ms` < 0 waits without limit.
/// Ownership: on APNS_OK the pusher has taken `n` and `*outcome` is a new outcome the caller
/// owns (free it with apns_outcome_destroy). On APNS_ERR_TIMEOUT the notification was queued
/// and will still get an outcome (reported by poll): the caller still owns `n`, must not push it
/// again, and should destroy it. On other errors the caller still owns `n`.
/// Blocking: up to `timeout_ms`. Errors: those of push_async, and APNS_ERR_TIMEOUT.
#[no_mangle]
pub extern "C" fn apns_pusher_ensure_push(
    p: *const apns_pusher,
    n: *mut apns_notification,
    timeout_ms: i64,
    outcome: *mut *mut apns_outcome,
) -> apns_result {
    ffi_boundary! {
        let p: &Pusher = try_ref!(p);
        let note: &Notification = try_ref!(n);
        let out = try_out!(outcome);
        match p.ensure_push(note.clone(), timeout(timeout_ms)) {
            Ok(o) => {
                free_box(n);
                out.write(to_owned_ptr(o));
                apns_result::APNS_OK
            }
            Err(e) => apns_result::from_kind(e.kind()),
        }
    }
}

/// Waits until every notification pushed before this call has its final outcome, serving
/// queued outcome reports to `cb` meanwhile (and once more at the end) on this thread. With a
/// NULL `cb` the reports stay queued for apns_pusher_poll. `timeout_ms` < 0 waits without limit.
/// To wait in slices for a fixed set, use apns_pusher_last_id and
/// apns_pusher_ensure_delivery_through instead.
/// Blocking: up to `timeout_ms` (plus the callbacks' own time).
/// Errors: APNS_ERR_TIMEOUT (some notifications have no outcome yet), APNS_ERR_NULL_PARAMETER.
#[no_mangle]
pub extern "C" fn apns_pusher_ensure_delivery(
    p: *const apns_pusher,
    timeout_ms: i64,
    cb: apns_outcome_cb,
    userdata: *mut c_void,
) -> apns_result {
    ffi_boundary! {
        let p: &Pusher = try_ref!(p);
        ensure_through(p, p.last_id(), timeout_ms, cb, userdata)
    }
}

/// The id of the last notification pushed to `p` so far (0 before the first push, or if `p` is
/// NULL). Threads: any. Blocking: no.
#[no_mangle]
pub extern "C" fn apns_pusher_last_id(p: *const apns_pusher) -> u64 {
    ffi_boundary! {
        let p: &Pusher = try_ref!(p);
        p.last_id()
    }
}

/// As apns_pusher_ensure_delivery, but waits only for the notifications with ids up to `id`
/// (from apns_pusher_last_id): notifications pushed later, by any thread, are not waited for.
/// After APNS_ERR_TIMEOUT, call again with the same `id` to keep waiting for the same set.
/// Callbacks, blocking and errors: as apns_pusher_ensure_delivery.
#[no_mangle]
pub extern "C" fn apns_pusher_ensure_delivery_through(
    p: *const apns_pusher,
    id: u64,
    timeout_ms: i64,
    cb: apns_outcome_cb,
    userdata: *mut c_void,
) -> apns_result {
    ffi_boundary! {
        let p: &Pusher = try_ref!(p);
        ensure_through(p, id, timeout_ms, cb, userdata)
    }
}

/// Waits on this thread for every id up to `id` to settle, handing the queued reports to
/// `serve` as outcomes arrive: a completion queue that watches every outcome wakes the wait, and
/// a `Delivered` ends it. No helper thread, no polling interval.
fn wait_serving(
    p: &Pusher,
    id: u64,
    limit: Option<Duration>,
    mut serve: impl FnMut(Vec<apnspush::Outcome>),
) -> apnspush::Result<()> {
    let queue = CompletionQueue::new();
    p.watch(&queue);
    p.notify_delivered(&queue, id);
    let deadline = limit.map(|l| Instant::now() + l);
    let result = loop {
        let left = match deadline {
            Some(d) => d.saturating_duration_since(Instant::now()),
            None => Duration::from_secs(3600),
        };
        let items = queue.wait(usize::MAX, left);
        serve(p.poll_outcomes(usize::MAX, Duration::ZERO));
        if items.iter().any(|c| matches!(c, Completion::Delivered(_))) {
            break Ok(());
        }
        if deadline.is_some_and(|d| Instant::now() >= d) {
            let msg = "some notifications have no outcome yet";
            break Err(apnspush::Error::new(apnspush::ErrorKind::Timeout, msg));
        }
    };
    p.unwatch(&queue);
    result
}

/// Waits for ids up to `id`, serving reports to `cb` (if any) on this thread meanwhile.
fn ensure_through(
    p: &Pusher,
    id: u64,
    timeout_ms: i64,
    cb: apns_outcome_cb,
    userdata: *mut c_void,
) -> apns_result {
    let limit = timeout(timeout_ms);
    let waited = match cb {
        None => p.ensure_delivery_through(id, limit),
        Some(_) => wait_serving(p, id, limit, |reports| serve(cb, userdata, reports)),
    };
    match waited {
        Ok(()) => apns_result::APNS_OK,
        Err(e) => apns_result::from_kind(e.kind()),
    }
}

/// Serves queued outcome reports to `cb` on this thread (a NULL `cb` discards them), waiting up
/// to `timeout_ms` for the first (0: do not wait; < 0: wait until one arrives). Which outcomes
/// are queued is set by the outcome_reports key. Writes how many were served to `*served`
/// (optional). Before the outcomes it serves every queued log record to the log callback
/// (apns_set_log_callback), on this thread too. Blocking: up to `timeout_ms`.
/// Errors: APNS_ERR_NULL_PARAMETER.
#[no_mangle]
pub extern "C" fn apns_pusher_poll(
    p: *const apns_pusher,
    timeout_ms: i64,
    cb: apns_outcome_cb,
    userdata: *mut c_void,
    served: *mut usize,
) -> apns_result {
    ffi_boundary! {
        let p: &Pusher = try_ref!(p);
        let outcomes = match timeout(timeout_ms) {
            Some(wait) => p.poll_outcomes(usize::MAX, wait),
            None => loop {
                let batch = p.poll_outcomes(usize::MAX, Duration::from_secs(1));
                if !batch.is_empty() {
                    break batch;
                }
                crate::log::serve_logs(usize::MAX);
            },
        };
        let n = outcomes.len();
        crate::log::serve_logs(usize::MAX);
        serve(cb, userdata, outcomes);
        if let Some(out) = Out::new(served) {
            out.write(n);
        }
        apns_result::APNS_OK
    }
}

/// Drains the outcomes that are not accepted (rejected, failed, expired, cancelled) recorded
/// since the last call, passing each to `cb` on this thread (NULL discards them); writes how
/// many to `*count` (optional). Blocking: never. Errors: APNS_ERR_NULL_PARAMETER.
#[no_mangle]
pub extern "C" fn apns_pusher_failed_notifications(
    p: *const apns_pusher,
    cb: apns_outcome_cb,
    userdata: *mut c_void,
    count: *mut usize,
) -> apns_result {
    ffi_boundary! {
        let p: &Pusher = try_ref!(p);
        let failed = p.failed_notifications();
        let n = failed.len();
        serve(cb, userdata, failed);
        if let Some(out) = Out::new(count) {
            out.write(n);
        }
        apns_result::APNS_OK
    }
}

/// Writes every counter as one JSON object (pushed, written, accepted, rejected, failed,
/// duplicates_possible, reconnects, queued, in_flight, latency_p50_us, ..., last_error) into
/// `buf`, NUL-terminated. `*needed` (optional) always receives the size required, NUL
/// included; a `buf` shorter than that is left untouched and gives APNS_ERR_BUFFER_TOO_SMALL
/// (`buf` may be NULL with `len` 0 to ask the size; 4096 bytes is always enough).
/// Blocking: never. Errors: APNS_ERR_BUFFER_TOO_SMALL, APNS_ERR_NULL_PARAMETER.
#[no_mangle]
pub extern "C" fn apns_pusher_stats_json(
    p: *const apns_pusher,
    buf: *mut c_char,
    len: usize,
    needed: *mut usize,
) -> apns_result {
    ffi_boundary! {
        let p: &Pusher = try_ref!(p);
        write_text(buf, len, needed, &p.stats().to_json())
    }
}

/// Writes the name of every key apns_pusher_stats_json writes, in order, as a JSON array of
/// strings (the core's one list, `Stats::FIELDS`, that each language's stats must match).
/// Buffer convention as apns_pusher_stats_json. Threads: any. Blocking: never.
/// Errors: APNS_ERR_BUFFER_TOO_SMALL, APNS_ERR_NULL_PARAMETER (NULL `buf` with `len` > 0).
#[no_mangle]
pub extern "C" fn apns_stats_fields_json(
    buf: *mut c_char,
    len: usize,
    needed: *mut usize,
) -> apns_result {
    ffi_boundary! {
        let json = serde_json::to_string(apnspush::Stats::FIELDS).unwrap_or_default();
        write_text(buf, len, needed, &json)
    }
}

/// Stops intake, flushes for most of `timeout_ms`, stops every thread, and reports anything
/// still without an outcome: never written -> cancelled, written but unconfirmed -> failed with
/// APNS_ERR_CLOSED. Those outcomes can still be read with apns_pusher_poll and
/// apns_pusher_failed_notifications; later pushes give APNS_ERR_CLOSED. Writes the counts to
/// `*cancelled` and `*unconfirmed` (both optional). A second call does nothing and writes 0s.
/// Blocking: returns within `timeout_ms` plus a few milliseconds.
/// Errors: APNS_ERR_NULL_PARAMETER.
#[no_mangle]
pub extern "C" fn apns_pusher_close(
    p: *const apns_pusher,
    timeout_ms: u64,
    cancelled: *mut u64,
    unconfirmed: *mut u64,
) -> apns_result {
    ffi_boundary! {
        let p: &Pusher = try_ref!(p);
        let summary = p.close(Duration::from_millis(timeout_ms));
        if let Some(out) = Out::new(cancelled) {
            out.write(summary.cancelled);
        }
        if let Some(out) = Out::new(unconfirmed) {
            out.write(summary.unconfirmed);
        }
        apns_result::APNS_OK
    }
}

/// Closes the pusher (with close_timeout_ms, unless apns_pusher_close ran already) and frees
/// it; outcomes not yet polled are discarded. NULL is a no-op. Never hangs: it returns within
/// close_timeout_ms plus a few milliseconds.
/// Threads: no other call may use `p` meanwhile (and never from a callback of `p`).
#[no_mangle]
pub extern "C" fn apns_pusher_destroy(p: *mut apns_pusher) {
    ffi_boundary! { free_box(p) }
}
