//! Node.js bindings for apnspush (`require('apnspush')`), built with napi-rs.
//!
//! Threads: JS calls run on the JS thread and return at once (see pusher.rs for the
//! exception); each pusher's promises and outcome events are settled and emitted on the JS
//! thread by its dispatcher (dispatch.rs), woken through one threadsafe function; one-off
//! blocking work (connect, close) runs on a thread of its own, and each `Channels` client's
//! calls on a worker thread of its own (channels.rs). Errors: see errors.rs.

mod channels;
mod dispatch;
mod errors;
mod events;
mod fields;
mod js;
mod logs;
mod mock;
mod notification;
mod options;
mod pusher;
mod settle;
mod types;

use napi::bindgen_prelude::Unknown;
use napi::{Env, JsValue, Result};
use napi_derive::napi;
use settle::{promise_or_reject, spawn_promise, Resolver, Stack, Value};
use std::collections::HashMap;

pub use channels::Channels;
pub use logs::{logs_dropped, on_log, set_log_level};
pub use mock::MockServer;
pub use pusher::Pusher;

/// Every field of `Pusher#stats()`, as the engine names them (`apnspush::Stats::FIELDS`,
/// snake_case); the keys of `stats()` are these in camelCase (`in_flight` → `inFlight`).
#[napi]
pub const STATS_FIELDS: [&str; apnspush::Stats::FIELDS.len()] = to_array(apnspush::Stats::FIELDS);

/// Every field of an `Outcome`, as the engine names them (`apnspush::Outcome::FIELDS`,
/// snake_case); the keys of an outcome object are these in camelCase (`apns_id` → `apnsId`).
#[napi]
pub const OUTCOME_FIELDS: [&str; apnspush::Outcome::FIELDS.len()] =
    to_array(apnspush::Outcome::FIELDS);

const fn to_array<const N: usize>(fields: &[&'static str]) -> [&'static str; N] {
    let mut a = [""; N];
    let mut i = 0;
    while i < N {
        a[i] = fields[i];
        i += 1;
    }
    a
}

/// The version of the native addon (and of the apnspush engine it embeds).
#[napi(catch_unwind)]
pub fn version() -> &'static str {
    env!("CARGO_PKG_VERSION")
}

/// Every error code (the `code` of errors thrown or rejected by this module) with its
/// one-line description. The same names as the C API's `APNS_ERR_*` results.
#[napi(catch_unwind)]
pub fn error_codes() -> HashMap<String, String> {
    apnspush::ErrorKind::ALL
        .iter()
        .map(|k| (k.name().to_owned(), k.describe().to_owned()))
        .collect()
}

/// Validates a notification as `pushAsync` would, without a pusher; throws the same errors.
/// (Protocol limits that depend on the pusher, such as the binary 2 KB payload, are checked
/// when pushed.)
#[napi(catch_unwind, ts_args_type = "notification: NotificationInit")]
pub fn validate_notification(env: Env, notification: Unknown) -> Result<()> {
    notification::notification_from_js(&env, notification.raw()).map(|_| ())
}

/// Reads the feedback service: resolves with the `[epoch seconds, token hex]` tuples of devices
/// that stopped accepting notifications (the service forgets them once read). `options` are
/// pusher options (feedback_host, feedback_port, cert_pem, key_pem, ca_pem, ...).
#[napi(
    catch_unwind,
    ts_args_type = "options?: Record<string, string | number | boolean>",
    ts_return_type = "Promise<Array<[number, string]>>"
)]
pub fn fetch_feedback(env: Env, options: Unknown) -> Result<Value> {
    promise_or_reject(&env, || {
        let o = options::options_from_js(&env, options.raw(), "options")?;
        spawn_promise(&env, Stack::Tls, move || -> Resolver {
            let tuples = apnspush::fetch_feedback(&o.config);
            Box::new(move |env: &Env| {
                let tuples = tuples.map_err(|e| errors::engine_error(env, &e))?;
                let items = tuples
                    .iter()
                    .map(|t| {
                        let ts = js::new_number(env, t.timestamp as f64)?;
                        let hex = apnspush::notification::hex_encode(&t.token);
                        js::new_array(env, &[ts, js::new_string(env, &hex)?])
                    })
                    .collect::<Result<Vec<_>>>()?;
                js::new_array(env, &items)
            })
        })
    })
}

/// Test-only, undocumented and left out of index.d.ts: panics where `place` says, to prove
/// that a panic never takes the host process down. "call": in the entry point itself (throws);
/// "thread": on the waiting thread of a promise (rejects); "resolver": while the promise is
/// settled on the JS thread (rejects). Every error carries the panic's message.
#[napi(catch_unwind, js_name = "__panicForTest", skip_typescript)]
pub fn panic_for_test(env: Env, place: String) -> Result<Value> {
    const MESSAGE: &str = "apnspush: deliberate panic for a test";
    match place.as_str() {
        "call" => panic!("{MESSAGE} (call)"),
        "thread" => spawn_promise(&env, Stack::Wait, || -> Resolver {
            panic!("{MESSAGE} (thread)")
        }),
        "resolver" => spawn_promise(&env, Stack::Wait, || -> Resolver {
            Box::new(|_env: &Env| panic!("{MESSAGE} (resolver)"))
        }),
        _ => Err(napi::Error::from_reason(format!("unknown place {place:?}"))),
    }
}
