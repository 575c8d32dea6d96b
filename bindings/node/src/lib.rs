//! Node.js bindings for apnspush (`require('apnspush')`), built with napi-rs.
//!
//! Threads: JS calls run on the JS thread and return at once (see pusher.rs for the two
//! exceptions); blocking waits run on threads of their own and settle promises; outcome events
//! reach JS through a weak threadsafe function (shared.rs). Errors: see errors.rs.

mod errors;
mod js;
mod mock;
mod notification;
mod options;
mod pusher;
mod settle;
mod shared;
mod types;

use napi::bindgen_prelude::Unknown;
use napi::{Env, JsValue, Result};
use napi_derive::napi;
use settle::{promise_or_reject, spawn_promise, Resolver, Stack, Value};
use std::collections::HashMap;

pub use mock::MockServer;
pub use pusher::Pusher;

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
        spawn_promise(&env, Stack::Tls, None, move || -> Resolver {
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
        "thread" => spawn_promise(&env, Stack::Wait, None, || -> Resolver {
            panic!("{MESSAGE} (thread)")
        }),
        "resolver" => spawn_promise(&env, Stack::Wait, None, || -> Resolver {
            Box::new(|_env: &Env| panic!("{MESSAGE} (resolver)"))
        }),
        _ => Err(napi::Error::from_reason(format!("unknown place {place:?}"))),
    }
}
