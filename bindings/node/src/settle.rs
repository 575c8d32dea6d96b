//! Promises. `Deferred`: a promise settled on the JS thread (the dispatcher's, dispatch.rs).
//! `spawn_promise`: one-off blocking work (connecting, closing, reading the feedback service,
//! the mock's waits) on a thread of its own, never on libuv's small shared pool; the result is
//! turned into a JS value on the JS thread by a `Resolver`. `Job`: the same for work run in
//! order on a worker thread its owner keeps (channels.rs).

use crate::errors::coded;
use crate::js::Raw;
use apnspush::ErrorKind;
use napi::bindgen_prelude::{
    panic_to_error, CallbackContext, FromNapiValue, PromiseRaw, ToNapiValue, TypeName,
    ValidateNapiValue,
};
use napi::{sys, Env, JsDeferred, JsError, Result, ValueType};
use std::sync::Arc;

/// A JS value returned as is (a promise, an instance, a prepared object).
pub struct Value(pub(crate) Raw);

impl ToNapiValue for Value {
    unsafe fn to_napi_value(_env: sys::napi_env, v: Self) -> Result<sys::napi_value> {
        Ok(v.0)
    }
}

impl FromNapiValue for Value {
    unsafe fn from_napi_value(_env: sys::napi_env, v: sys::napi_value) -> Result<Self> {
        Ok(Value(v))
    }
}

impl TypeName for Value {
    fn type_name() -> &'static str {
        "unknown"
    }
    fn value_type() -> ValueType {
        ValueType::Unknown
    }
}

impl ValidateNapiValue for Value {}

/// Builds the settled value (or the rejection) on the JS thread.
pub(crate) type Resolver = Box<dyn FnOnce(&Env) -> Result<Raw> + Send>;

type JsPending = JsDeferred<Value, Box<dyn FnOnce(Env) -> Result<Value> + Send>>;

/// A promise's resolve/reject handle, settled on the JS thread without a thread or a
/// threadsafe function of its own. Created, settled and (if never settled) leaked on the JS
/// thread only; other threads never see it.
pub(crate) struct Deferred(sys::napi_deferred);

// Only the JS thread creates, stores (in the dispatcher's state) and settles it.
unsafe impl Send for Deferred {}

impl Deferred {
    /// A new pending promise and its handle.
    pub(crate) fn new(env: &Env) -> Result<(Deferred, Raw)> {
        let (mut d, mut p) = (std::ptr::null_mut(), std::ptr::null_mut());
        let status = unsafe { sys::napi_create_promise(env.raw(), &mut d, &mut p) };
        if status != sys::Status::napi_ok {
            return Err(napi::Error::new(
                napi::Status::from(status),
                "cannot create a promise",
            ));
        }
        Ok((Deferred(d), p))
    }

    pub(crate) fn resolve(self, env: &Env, value: Raw) {
        unsafe { sys::napi_resolve_deferred(env.raw(), self.0, value) };
    }

    pub(crate) fn reject(self, env: &Env, error: napi::Error) {
        let value = unsafe { JsError::from(error).into_value(env.raw()) };
        unsafe { sys::napi_reject_deferred(env.raw(), self.0, value) };
    }

    /// Resolves with the result's value or rejects with its error.
    pub(crate) fn settle(self, env: &Env, result: Result<Raw>) {
        match result {
            Ok(v) => self.resolve(env, v),
            Err(e) => self.reject(env, e),
        }
    }
}

/// Stack of a waiting thread. `Wait`: blocks on the engine's condition variables (`close`, the
/// mock's waits). `Tls`: runs TLS handshakes (`Pusher.connect`, `fetchFeedback`).
#[derive(Clone, Copy)]
pub(crate) enum Stack {
    Wait,
    Tls,
}

impl Stack {
    fn bytes(self) -> usize {
        match self {
            Stack::Wait => 256 << 10,
            Stack::Tls => 2 << 20,
        }
    }
}

/// Runs `work` on a new thread and settles the returned promise with the resolver it returns.
///
/// If no thread can be started, the promise rejects with code IO.
pub(crate) fn spawn_promise<W>(env: &Env, stack: Stack, work: W) -> Result<Value>
where
    W: FnOnce() -> Resolver + Send + 'static,
{
    let (deferred, promise) = new_deferred(env)?;
    let slot = Arc::new(parking_lot::Mutex::new(Some(deferred)));
    let mine = slot.clone();
    let spawned = std::thread::Builder::new()
        .name("apnspush-node-wait".into())
        .stack_size(stack.bytes())
        .spawn(move || {
            // A panic in the engine is a bug, but must not leave the promise (and the process)
            // waiting forever: it rejects the promise.
            let resolver = std::panic::catch_unwind(std::panic::AssertUnwindSafe(work))
                .unwrap_or_else(|payload| {
                    let e = panic_to_error(payload);
                    Box::new(move |_env: &Env| Err(e))
                });
            if let Some(deferred) = mine.lock().take() {
                deferred.resolve(Box::new(move |env: Env| {
                    // On the JS thread, outside any #[napi] entry point: a panic here would
                    // abort the process, so it rejects the promise instead.
                    catch_panic(|| resolver(&env).map(Value))
                }));
            }
        });
    if let Err(e) = spawned {
        // The thread never ran: settle here (a dropped, unsettled deferred would keep the
        // process alive).
        if let Some(deferred) = slot.lock().take() {
            let message = format!("cannot start a thread: {e}");
            deferred.resolve(Box::new(move |env: Env| {
                Err(coded(&env, ErrorKind::Io, message))
            }));
        }
    }
    Ok(Value(promise))
}

/// A promise already rejected with `error` (argument errors of promise-returning methods).
pub(crate) fn rejected(env: &Env, error: napi::Error) -> Result<Value> {
    let (deferred, promise) = new_deferred(env)?;
    deferred.resolve(Box::new(move |_env: Env| Err(error)));
    Ok(Value(promise))
}

/// The promise of `f`, or a rejected one if `f` fails before any work was started.
pub(crate) fn promise_or_reject(env: &Env, f: impl FnOnce() -> Result<Value>) -> Result<Value> {
    match f() {
        Ok(p) => Ok(p),
        Err(e) => rejected(env, e),
    }
}

fn new_deferred(env: &Env) -> Result<(JsPending, Raw)> {
    let (deferred, promise) = env.create_deferred()?;
    Ok((deferred, napi::JsValue::raw(&promise)))
}

/// `Promise.resolve(v)`: a promise that adopts the state of a thenable `v`.
pub(crate) fn resolved(env: &Env, v: Raw) -> Result<Raw> {
    let p = PromiseRaw::<Value>::resolve(env, Value(v))?;
    Ok(napi::JsValue::raw(&p))
}

/// `promise.then(value => f(env, value))`, on the JS thread; the promise `f` returns is
/// adopted, an error it returns rejects. A rejection of `promise` passes through.
pub(crate) fn then(
    env: &Env,
    promise: Raw,
    f: impl FnOnce(&Env, Raw) -> Result<Value> + 'static,
) -> Result<Value> {
    let p = PromiseRaw::<Value>::new(env.raw(), promise);
    let next =
        p.then(move |ctx: CallbackContext<Value>| catch_panic(|| f(&ctx.env, ctx.value.0)))?;
    Ok(Value(napi::JsValue::raw(&next)))
}

/// Runs a callback that napi calls on the JS thread outside a `#[napi(catch_unwind)]` entry
/// point (a promise's settlement, a `then`, an event wake-up): a panic becomes the same error
/// such an entry point throws (the panic's message, code 'GenericFailure') instead of aborting
/// the process.
pub(crate) fn catch_panic<T>(f: impl FnOnce() -> Result<T>) -> Result<T> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f))
        .unwrap_or_else(|p| Err(panic_to_error(p)))
}

/// A promise's work, to run once on a thread the caller owns (a worker that takes jobs in
/// order): `run` settles the promise with the resolver `work` returns, on the JS thread. A job
/// dropped without running rejects its promise with CLOSED.
pub(crate) struct Job {
    deferred: Option<JsPending>,
    work: Option<Box<dyn FnOnce() -> Resolver + Send>>,
}

impl Job {
    /// A pending promise and the job that settles it.
    pub(crate) fn new<W>(env: &Env, work: W) -> Result<(Job, Value)>
    where
        W: FnOnce() -> Resolver + Send + 'static,
    {
        let (deferred, promise) = new_deferred(env)?;
        let job = Job {
            deferred: Some(deferred),
            work: Some(Box::new(work)),
        };
        Ok((job, Value(promise)))
    }

    /// Runs the work (a panic rejects the promise) and settles the promise.
    pub(crate) fn run(mut self) {
        let (Some(work), Some(deferred)) = (self.work.take(), self.deferred.take()) else {
            return;
        };
        let resolver = std::panic::catch_unwind(std::panic::AssertUnwindSafe(work)).unwrap_or_else(
            |payload| {
                let e = panic_to_error(payload);
                Box::new(move |_env: &Env| Err(e))
            },
        );
        deferred.resolve(Box::new(move |env: Env| {
            catch_panic(|| resolver(&env).map(Value))
        }));
    }
}

impl Drop for Job {
    fn drop(&mut self) {
        if let Some(deferred) = self.deferred.take() {
            deferred.resolve(Box::new(|env: Env| {
                Err(coded(
                    &env,
                    ErrorKind::Closed,
                    "the work was dropped before it ran",
                ))
            }));
        }
    }
}
