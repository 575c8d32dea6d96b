//! The `Pusher` class. Threads: every method runs on the JS thread and returns at once, except
//! the constructor (connects; `Pusher.connect` connects on a thread of its own). No method
//! blocks on a full send queue: `pushAsync` throws QUEUE_FULL, the promise-returning verbs wait
//! for room without a thread (dispatch.rs).

use crate::dispatch::{Settings, Shared, Want};
use crate::errors::{coded, engine_error, type_error};
use crate::events::{Event, Func};
use crate::js::{self, Kind, Raw};
use crate::notification::notification_from_js;
use crate::options::{options_from_js, timeout_from_js, Options};
use crate::settle::{promise_or_reject, spawn_promise, Resolver, Stack, Value};
use crate::types::{outcome_to_js, CloseSummary, Stats};
use apnspush::ErrorKind;
use napi::bindgen_prelude::{FromNapiValue, ToNapiValue, Unknown};
use napi::{Env, JsValue, Result};
use napi_derive::napi;
use std::sync::atomic::Ordering::SeqCst;
use std::sync::Arc;
use std::time::Duration;

/// An APNs provider: a bounded send queue feeding `connections` TLS connections, run by
/// native threads. Every notification pushed gets exactly one final outcome.
#[napi]
pub struct Pusher {
    shared: Arc<Shared>,
}

fn to_js<T: ToNapiValue>(env: &Env, value: T) -> Result<js::Raw> {
    unsafe { T::to_napi_value(env.raw(), value) }
}

fn settings(o: &Options) -> Settings {
    Settings {
        close_timeout: o.close_timeout,
        reports: o.reports,
        max_events: o.config.max_reports(),
    }
}

#[napi]
impl Pusher {
    /// Connects now, on the calling (JS) thread: this blocks until every connection is up, up
    /// to `connect_timeout_ms` each (milliseconds on loopback). `await Pusher.connect(options)`
    /// connects without blocking the event loop.
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
        let settings = settings(&o);
        let core = apnspush::Pusher::new(o.config).map_err(|e| engine_error(&env, &e))?;
        Ok(Pusher {
            shared: Shared::start(&env, core, settings)?,
        })
    }

    /// Connects on a thread of its own (the event loop keeps running) and resolves with the
    /// connected pusher; rejects as the constructor throws.
    #[napi(
        catch_unwind,
        ts_args_type = "options?: Record<string, string | number | boolean>",
        ts_return_type = "Promise<Pusher>"
    )]
    pub fn connect(env: Env, options: Unknown) -> Result<Value> {
        promise_or_reject(&env, || {
            let o = options_from_js(&env, options.raw(), "options")?;
            let settings = settings(&o);
            spawn_promise(&env, Stack::Tls, move || -> Resolver {
                let core = apnspush::Pusher::new(o.config);
                Box::new(move |env: &Env| {
                    let core = core.map_err(|e| engine_error(env, &e))?;
                    let pusher = Pusher {
                        shared: Shared::start(env, core, settings)?,
                    };
                    to_js(env, pusher)
                })
            })
        })
    }

    /// Validates and enqueues; returns the notification's id (a number) at once. Never blocks:
    /// a full send queue throws QUEUE_FULL (whatever `block_when_full` says), and so does a
    /// queue that sends are waiting to enter (they go first); `send`, `push` and `enqueue` are
    /// the forms that wait for room.
    ///
    /// Throws: TypeError (wrong field types), Error with code BAD_TOKEN, INVALID_JSON,
    /// PAYLOAD_TOO_LARGE, INVALID_ARGUMENT, QUEUE_FULL or CLOSED. Nothing is queued on error.
    #[napi(catch_unwind, ts_args_type = "notification: NotificationInit")]
    pub fn push_async(&self, env: Env, notification: Unknown) -> Result<f64> {
        let n = notification_from_js(&env, notification.raw())?;
        if self.shared.room_waiters() {
            return Err(coded(
                &env,
                ErrorKind::QueueFull,
                "the send queue is full and sends are waiting for room; pushAsync never waits: await send(), push() or enqueue() to wait for room",
            ));
        }
        match self.shared.core.push_async_timeout(n, Duration::ZERO) {
            Ok(id) => Ok(id as f64),
            Err((e, _)) if e.kind() == ErrorKind::QueueFull => Err(coded(
                &env,
                ErrorKind::QueueFull,
                format!(
                    "{}; pushAsync never waits: await send(), push() or enqueue() to wait for room",
                    e.message()
                ),
            )),
            Err((e, _)) => Err(engine_error(&env, &e)),
        }
    }

    /// Enqueues and resolves with the notification's final outcome (binary protocol: after a
    /// flush marker or the error window). A full send queue: waits for room without blocking
    /// the event loop, in call order (`block_when_full: false`: rejects with QUEUE_FULL).
    /// Rejects with the errors of `pushAsync`; after `timeoutMs`, with TIMEOUT (queued: it
    /// still gets its outcome) or QUEUE_FULL (still waiting for room: never queued).
    #[napi(
        catch_unwind,
        ts_args_type = "notification: NotificationInit, timeoutMs?: number",
        ts_return_type = "Promise<Outcome>"
    )]
    pub fn send(&self, env: Env, notification: Unknown, timeout_ms: Unknown) -> Result<Value> {
        self.call(&env, notification, timeout_ms, Want::Outcome)
    }

    /// The same as `send` (its older name).
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
        self.call(&env, notification, timeout_ms, Want::Outcome)
    }

    /// Enqueues (waiting for room as `send` does) and resolves with the id once the
    /// notification is written to a connection, or has its outcome. TIMEOUT after `timeoutMs`
    /// leaves it queued; it still gets its outcome.
    #[napi(
        catch_unwind,
        ts_args_type = "notification: NotificationInit, timeoutMs?: number",
        ts_return_type = "Promise<number>"
    )]
    pub fn push(&self, env: Env, notification: Unknown, timeout_ms: Unknown) -> Result<Value> {
        self.call(&env, notification, timeout_ms, Want::Written)
    }

    /// `pushAsync` that waits for room: resolves with the id once the notification is in the
    /// send queue (at once when there is room). QUEUE_FULL with `block_when_full: false`, or
    /// when `timeoutMs` ran out first (never queued then).
    #[napi(
        catch_unwind,
        ts_args_type = "notification: NotificationInit, timeoutMs?: number",
        ts_return_type = "Promise<number>"
    )]
    pub fn enqueue(&self, env: Env, notification: Unknown, timeout_ms: Unknown) -> Result<Value> {
        self.call(&env, notification, timeout_ms, Want::Queued)
    }

    /// Resolves once every notification given to this pusher before the wait began (sends
    /// still waiting for room included) has its final outcome, and after the outcome events
    /// of all of them were emitted.
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
                return self.shared.delivery(&env, timeout, None);
            }
            js::expect(&env, func.raw(), Kind::Function, "fn")?;
            let returned = js::call0(&env, func.raw())?;
            // Promise.resolve(returned).then(value => <wait, then resolve with value>)
            let settled = crate::settle::resolved(&env, returned)?;
            let shared = self.shared.clone();
            crate::settle::then(&env, settled, move |env, value| {
                let held = js::hold(env, value)?;
                shared.delivery(env, timeout, Some(held))
            })
        })
    }

    /// Drains the outcomes that are not `accepted` (rejected, failed, expired, cancelled)
    /// recorded since the last call.
    #[napi(catch_unwind, ts_return_type = "Array<Outcome>")]
    pub fn failed_notifications(&self, env: Env) -> Result<Value> {
        let items = self
            .shared
            .core
            .failed_notifications()
            .iter()
            .map(|o| outcome_to_js(&env, o))
            .collect::<Result<Vec<_>>>()?;
        js::new_array(&env, &items).map(Value)
    }

    /// A snapshot of every counter: the fields of `STATS_FIELDS`, in camelCase.
    #[napi(catch_unwind)]
    pub fn stats(&self) -> Stats {
        let mut s = self.shared.core.stats();
        s.reports_dropped += self.shared.events_dropped();
        Stats::from(s)
    }

    /// Sets the outcome listener, called on the JS thread once per final outcome (which ones:
    /// option `outcome_reports`, default all), as one of the 'outcome' listeners of `on`.
    /// Replaces the previous one; `null` removes it. Outcomes reported while no listener is
    /// set are not kept. Events never keep the process alive; an awaited promise of this
    /// pusher resolves only after the events of the outcomes reported before it were emitted.
    /// A listener that throws raises 'uncaughtException'.
    #[napi(
        catch_unwind,
        ts_args_type = "listener: ((outcome: Outcome) => void) | null"
    )]
    pub fn on_outcome(&self, env: Env, listener: Unknown) -> Result<()> {
        if js::kind(&env, listener.raw()).is_absent() {
            self.shared.listen(|l| l.set_slot(None));
            return Ok(());
        }
        let f = listener_from_js(&env, listener.raw(), "a function or null")?;
        self.shared.listen(|l| l.set_slot(Some(f)));
        Ok(())
    }

    /// Adds a listener for `event`, called on the JS thread with the outcome: 'outcome' (every
    /// outcome), 'accepted', 'rejected', 'failed', 'expired', 'cancelled' (by kind), 'offline'
    /// (rejected with HTTP/2 status 410 Unregistered; `timestamp` says since when) and
    /// 'timeout' (failed with error TIMEOUT). One outcome raises 'outcome', then its kind,
    /// then 'offline' or 'timeout'. Which outcomes are reported: option `outcome_reports`.
    /// Throws INVALID_ARGUMENT for another event name, TypeError for a listener that is not
    /// a function.
    #[napi(
        catch_unwind,
        ts_args_type = "event: 'outcome' | 'accepted' | 'rejected' | 'failed' | 'expired' | 'cancelled' | 'offline' | 'timeout', listener: (outcome: Outcome) => void"
    )]
    pub fn on(&self, env: Env, event: Unknown, listener: Unknown) -> Result<()> {
        let event = event_from_js(&env, event.raw())?;
        let f = listener_from_js(&env, listener.raw(), "a function")?;
        self.shared.add_listener(event, f);
        Ok(())
    }

    /// Removes a listener added with `on` (the first registration of it for `event`).
    /// Returns whether one was removed.
    #[napi(
        catch_unwind,
        ts_args_type = "event: 'outcome' | 'accepted' | 'rejected' | 'failed' | 'expired' | 'cancelled' | 'offline' | 'timeout', listener: (outcome: Outcome) => void"
    )]
    pub fn off(&self, env: Env, event: Unknown, listener: Unknown) -> Result<bool> {
        let event = event_from_js(&env, event.raw())?;
        js::expect(&env, listener.raw(), Kind::Function, "listener")?;
        let raw = listener.raw();
        Ok(self.shared.listen(|l| l.remove(&env, event, raw)))
    }

    /// Stops intake, flushes for most of `timeoutMs` (default: option `close_timeout_ms`),
    /// stops every thread and reports anything left: never written → `cancelled`, written but
    /// unconfirmed → `failed`. Resolves after their outcome events were emitted and every
    /// pending promise of this pusher settled, then removes the listeners; nothing of this
    /// pusher keeps the process alive. A second call resolves {0, 0}.
    #[napi(
        catch_unwind,
        ts_args_type = "timeoutMs?: number",
        ts_return_type = "Promise<CloseSummary>"
    )]
    pub fn close(&self, env: Env, timeout_ms: Unknown) -> Result<Value> {
        promise_or_reject(&env, || {
            let timeout = timeout_from_js(&env, timeout_ms.raw(), "timeoutMs")?
                .unwrap_or(self.shared.settings.close_timeout);
            self.shared.closed.store(true, SeqCst);
            let shared = self.shared.clone();
            spawn_promise(&env, Stack::Wait, move || -> Resolver {
                let summary = shared.core.close(timeout);
                shared.mark_finished();
                Box::new(move |env: &Env| {
                    // Every outcome is in the queues now: emit and settle all of it.
                    shared.drain(env, usize::MAX);
                    to_js(
                        env,
                        CloseSummary {
                            cancelled: summary.cancelled as i64,
                            unconfirmed: summary.unconfirmed as i64,
                        },
                    )
                })
            })
        })
    }
}

impl Pusher {
    fn call(
        &self,
        env: &Env,
        notification: Unknown,
        timeout_ms: Unknown,
        want: Want,
    ) -> Result<Value> {
        promise_or_reject(env, || {
            let n = notification_from_js(env, notification.raw())?;
            let timeout = timeout_from_js(env, timeout_ms.raw(), "timeoutMs")?;
            self.shared.call(env, n, want, timeout)
        })
    }
}

fn event_from_js(env: &Env, v: Raw) -> Result<Event> {
    let name = js::string(env, v, "event")?;
    Event::parse(&name).ok_or_else(|| {
        coded(
            env,
            ErrorKind::InvalidArgument,
            format!("unknown event {name:?}; the events are {}", Event::NAMES),
        )
    })
}

fn listener_from_js(env: &Env, v: Raw, expected: &str) -> Result<Func> {
    let k = js::kind(env, v);
    if k != Kind::Function {
        return Err(type_error(
            env,
            format!(
                "listener must be {expected}, got {}",
                js::describe(env, v, k)
            ),
        ));
    }
    let f: napi::bindgen_prelude::Function<Value, crate::events::Ignored> =
        unsafe { napi::bindgen_prelude::Function::from_napi_value(env.raw(), v)? };
    f.create_ref()
}

impl Drop for Pusher {
    /// Runs when the JS object is collected (or at environment teardown): if `close()` was
    /// never called, closes the engine on a thread of its own so that the JS thread never
    /// waits; pending promises still settle, then the dispatcher is released.
    fn drop(&mut self) {
        let shared = &self.shared;
        if !shared.closed.swap(true, SeqCst) {
            let shared = shared.clone();
            let _ = std::thread::Builder::new()
                .name("apnspush-node-close".into())
                .spawn(move || {
                    shared.core.close(shared.settings.close_timeout);
                    shared.mark_finished();
                });
        }
    }
}
