//! The `Pusher` class. Threads: every method runs on the JS thread and returns at once, except
//! the constructor (connects) and `pushAsync` when the send queue is full with
//! `block_when_full` true; promise-returning methods wait on threads of their own.

use crate::errors::{engine_error, type_error};
use crate::js::{self, Kind};
use crate::notification::notification_from_js;
use crate::options::{options_from_js, timeout_from_js};
use crate::settle::{promise_or_reject, spawn_promise, Resolver, Stack, Value};
use crate::shared::{Ignored, Shared};
use crate::types::{CloseSummary, Outcome, Stats};
use napi::bindgen_prelude::{FromNapiValue, Function, ToNapiValue, Unknown};
use napi::{Env, JsValue, Result};
use napi_derive::napi;
use std::sync::atomic::Ordering::SeqCst;
use std::sync::Arc;

/// An APNs provider: a bounded send queue feeding `connections` TLS connections, run by
/// native threads. Every notification pushed gets exactly one final outcome.
#[napi]
pub struct Pusher {
    shared: Arc<Shared>,
}

fn to_js<T: ToNapiValue>(env: &Env, value: T) -> Result<js::Raw> {
    unsafe { T::to_napi_value(env.raw(), value) }
}

#[napi]
impl Pusher {
    /// Connects now, on the calling (JS) thread: this blocks until every connection is up, up
    /// to `connect_timeout_ms` each (milliseconds on loopback). Use `Pusher.connect()` to
    /// connect without blocking the event loop.
    ///
    /// Throws: TypeError (options not an object, a value not a string/number/boolean), Error
    /// with code UNKNOWN_CONFIG_KEY, INVALID_CONFIG_VALUE, CONNECT, TLS or CREDENTIALS.
    #[napi(
        catch_unwind,
        constructor,
        ts_args_type = "options?: Record<string, string | number | boolean>"
    )]
    pub fn new(env: Env, options: Unknown) -> Result<Self> {
        let o = options_from_js(&env, options.raw(), "options")?;
        let max_pending = o.config.max_reports();
        let core = apnspush::Pusher::new(o.config).map_err(|e| engine_error(&env, &e))?;
        Ok(Pusher {
            shared: Shared::start(&env, core, o.close_timeout, max_pending)?,
        })
    }

    /// Connects on a thread of its own and resolves with the connected pusher; rejects as the
    /// constructor throws.
    #[napi(
        catch_unwind,
        ts_args_type = "options?: Record<string, string | number | boolean>",
        ts_return_type = "Promise<Pusher>"
    )]
    pub fn connect(env: Env, options: Unknown) -> Result<Value> {
        promise_or_reject(&env, || {
            let o = options_from_js(&env, options.raw(), "options")?;
            let (close_timeout, max_pending) = (o.close_timeout, o.config.max_reports());
            spawn_promise(&env, Stack::Tls, None, move || -> Resolver {
                let core = apnspush::Pusher::new(o.config);
                Box::new(move |env: &Env| {
                    let core = core.map_err(|e| engine_error(env, &e))?;
                    let pusher = Pusher {
                        shared: Shared::start(env, core, close_timeout, max_pending)?,
                    };
                    to_js(env, pusher)
                })
            })
        })
    }

    /// Validates and enqueues; returns the notification's id (a number) at once.
    ///
    /// Blocks the JS thread only while the send queue is full and `block_when_full` is true
    /// (the default); with `block_when_full: false` a full queue throws QUEUE_FULL instead.
    /// Throws: TypeError (wrong field types), Error with code BAD_TOKEN, INVALID_JSON,
    /// PAYLOAD_TOO_LARGE, INVALID_ARGUMENT, QUEUE_FULL or CLOSED. Nothing is queued on error.
    #[napi(catch_unwind, ts_args_type = "notification: NotificationInit")]
    pub fn push_async(&self, env: Env, notification: Unknown) -> Result<f64> {
        let n = notification_from_js(&env, notification.raw())?;
        match self.shared.core.push_async(n) {
            Ok(id) => Ok(id as f64),
            Err(e) => Err(engine_error(&env, &e)),
        }
    }

    /// Enqueues and resolves with the id once the notification is written to a connection
    /// (or already has its outcome). Rejects with the errors of `pushAsync`, or TIMEOUT after
    /// `timeoutMs` (the notification stays queued and still gets its outcome).
    #[napi(
        catch_unwind,
        ts_args_type = "notification: NotificationInit, timeoutMs?: number",
        ts_return_type = "Promise<number>"
    )]
    pub fn push(&self, env: Env, notification: Unknown, timeout_ms: Unknown) -> Result<Value> {
        promise_or_reject(&env, || {
            let n = notification_from_js(&env, notification.raw())?;
            let timeout = timeout_from_js(&env, timeout_ms.raw(), "timeoutMs")?;
            let shared = self.shared.clone();
            spawn_promise(
                &env,
                Stack::Wait,
                Some(self.shared.clone()),
                move || -> Resolver {
                    let r = shared.core.push(n, timeout);
                    shared.transfer();
                    Box::new(move |env: &Env| match r {
                        Ok(id) => to_js(env, id as f64),
                        Err(e) => Err(engine_error(env, &e)),
                    })
                },
            )
        })
    }

    /// Enqueues and resolves with the notification's final outcome (binary protocol: after a
    /// flush marker or the error window). Rejects with the errors of `pushAsync`, or TIMEOUT.
    #[napi(
        catch_unwind,
        ts_args_type = "notification: NotificationInit, timeoutMs?: number",
        ts_return_type = "Promise<Outcome>"
    )]
    pub fn ensure_push(
        &self,
        env: Env,
        notification: Unknown,
        timeout_ms: Unknown,
    ) -> Result<Value> {
        promise_or_reject(&env, || {
            let n = notification_from_js(&env, notification.raw())?;
            let timeout = timeout_from_js(&env, timeout_ms.raw(), "timeoutMs")?;
            let shared = self.shared.clone();
            spawn_promise(
                &env,
                Stack::Wait,
                Some(self.shared.clone()),
                move || -> Resolver {
                    let r = shared.core.ensure_push(n, timeout);
                    shared.transfer();
                    Box::new(move |env: &Env| match r {
                        Ok(o) => to_js(env, Outcome::from(o)),
                        Err(e) => Err(engine_error(env, &e)),
                    })
                },
            )
        })
    }

    /// Resolves once every notification pushed before the wait began has its final outcome,
    /// and after the outcome events of all of them were emitted.
    ///
    /// With `fn`: awaits `fn()` first (it may push), then waits, and resolves with what `fn`
    /// returned; a rejection or throw of `fn` rejects. Rejects with TIMEOUT after `timeoutMs`.
    #[napi(
        catch_unwind,
        ts_args_type = "fn?: (() => unknown) | null, timeoutMs?: number",
        ts_return_type = "Promise<unknown>"
    )]
    pub fn ensure_delivery(&self, env: Env, func: Unknown, timeout_ms: Unknown) -> Result<Value> {
        promise_or_reject(&env, || {
            let timeout = timeout_from_js(&env, timeout_ms.raw(), "timeoutMs")?;
            let k = js::kind(&env, func.raw());
            if k.is_absent() {
                return self.wait_delivery(&env, timeout, None);
            }
            js::expect(&env, func.raw(), Kind::Function, "fn")?;
            let returned = js::call0(&env, func.raw())?;
            // Promise.resolve(returned).then(value => <wait, then resolve with value>)
            let settled = crate::settle::resolved(&env, returned)?;
            let shared = self.shared.clone();
            crate::settle::then(&env, settled, move |env, value| {
                let held = js::hold(env, value)?;
                Pusher::wait_delivery_of(env, &shared, timeout, Some(held))
            })
        })
    }

    /// Drains the outcomes that are not `accepted` (rejected, failed, expired, cancelled)
    /// recorded since the last call.
    #[napi(catch_unwind)]
    pub fn failed_notifications(&self) -> Vec<Outcome> {
        self.shared
            .core
            .failed_notifications()
            .into_iter()
            .map(Outcome::from)
            .collect()
    }

    /// A snapshot of every counter.
    #[napi(catch_unwind)]
    pub fn stats(&self) -> Stats {
        Stats::from(self.shared.core.stats())
    }

    /// Sets the outcome listener, called on the JS thread once per final outcome (which ones:
    /// option `outcome_reports`, default all). Replaces the previous listener; `null` removes
    /// it. Outcomes reported while no listener is set are not kept. The events never keep the
    /// process alive; an awaited `ensureDelivery()`/`close()` resolves only after the events it
    /// covers were emitted. A listener that throws raises 'uncaughtException'.
    #[napi(
        catch_unwind,
        ts_args_type = "listener: ((outcome: Outcome) => void) | null"
    )]
    pub fn on_outcome(&self, env: Env, listener: Unknown) -> Result<()> {
        let k = js::kind(&env, listener.raw());
        if k.is_absent() {
            self.shared.set_listener(None);
            return Ok(());
        }
        if k != Kind::Function {
            return Err(type_error(
                &env,
                format!(
                    "listener must be a function or null, got {}",
                    js::describe(&env, listener.raw(), k)
                ),
            ));
        }
        let f: Function<Outcome, Ignored> =
            unsafe { Function::from_napi_value(env.raw(), listener.raw())? };
        self.shared.set_listener(Some(f.create_ref()?));
        Ok(())
    }

    /// Stops intake, flushes for most of `timeoutMs` (default: option `close_timeout_ms`),
    /// stops every thread and reports anything left: never written → `cancelled`, written but
    /// unconfirmed → `failed`. Resolves after their outcome events were emitted, then removes
    /// the listener; nothing of this pusher keeps the process alive. A second call resolves
    /// {0, 0}.
    #[napi(
        catch_unwind,
        ts_args_type = "timeoutMs?: number",
        ts_return_type = "Promise<CloseSummary>"
    )]
    pub fn close(&self, env: Env, timeout_ms: Unknown) -> Result<Value> {
        promise_or_reject(&env, || {
            let timeout = timeout_from_js(&env, timeout_ms.raw(), "timeoutMs")?
                .unwrap_or(self.shared.close_timeout);
            self.shared.closed.store(true, SeqCst);
            let shared = self.shared.clone();
            spawn_promise(
                &env,
                Stack::Wait,
                Some(self.shared.clone()),
                move || -> Resolver {
                    let summary = shared.core.close(timeout);
                    shared.stop_reporter(true);
                    shared.transfer();
                    shared.release_wake();
                    Box::new(move |env: &Env| {
                        // Every event was emitted just before this; the listener (which may
                        // refer to this pusher) is released so that the pusher can be collected.
                        shared.set_listener(None);
                        to_js(
                            env,
                            CloseSummary {
                                cancelled: summary.cancelled as i64,
                                unconfirmed: summary.unconfirmed as i64,
                            },
                        )
                    })
                },
            )
        })
    }
}

impl Pusher {
    fn wait_delivery(
        &self,
        env: &Env,
        timeout: Option<std::time::Duration>,
        held: Option<js::Held>,
    ) -> Result<Value> {
        Pusher::wait_delivery_of(env, &self.shared, timeout, held)
    }

    /// Waits for every notification pushed so far, then resolves with the held value (or
    /// undefined).
    fn wait_delivery_of(
        env: &Env,
        shared: &Arc<Shared>,
        timeout: Option<std::time::Duration>,
        held: Option<js::Held>,
    ) -> Result<Value> {
        let waiting = shared.clone();
        spawn_promise(
            env,
            Stack::Wait,
            Some(shared.clone()),
            move || -> Resolver {
                let r = waiting.core.ensure_delivery(timeout);
                waiting.transfer();
                Box::new(move |env: &Env| {
                    let value = match held {
                        Some(h) => h.take(env)?,
                        None => js::undefined(env)?,
                    };
                    match r {
                        Ok(()) => Ok(value),
                        Err(e) => Err(engine_error(env, &e)),
                    }
                })
            },
        )
    }
}

impl Drop for Pusher {
    /// Runs when the JS object is collected (or at environment teardown): stops the event
    /// plumbing here and, if `close()` was never called, closes the engine on a thread of its
    /// own so that the JS thread never waits.
    fn drop(&mut self) {
        let shared = &self.shared;
        shared.stop_reporter(false);
        shared.release_wake();
        shared.set_listener(None);
        if !shared.closed.swap(true, SeqCst) {
            let shared = shared.clone();
            let _ = std::thread::Builder::new()
                .name("apnspush-node-close".into())
                .spawn(move || {
                    shared.core.close(shared.close_timeout);
                });
        }
    }
}
