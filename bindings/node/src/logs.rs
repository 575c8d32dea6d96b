//! The engine's log records as an opt-in event: `setLogLevel(level)` turns capture on
//! (`apnspush::logs::capture`), `onLog(listener)` receives the records on the JS thread.
//!
//! The engine's capture queue wakes a weak (unref'd) threadsafe function through
//! `logs::set_waker` (a non-blocking call, coalesced by a flag); its callback takes the queue
//! on the JS thread and calls the listener once per record. Records never keep the process
//! alive. One listener per process (the capture queue is process-wide).

use crate::errors::{coded, type_error};
use crate::events::{Func, Ignored};
use crate::js::{self, Kind};
use crate::settle::{catch_panic, Value};
use apnspush::logs::{self as core_logs, Level, LevelFilter, LogRecord};
use apnspush::ErrorKind;
use napi::bindgen_prelude::{Function, Unknown};
use napi::threadsafe_function::{ThreadsafeFunction, ThreadsafeFunctionCallMode};
use napi::{Env, JsValue, Result, Status};
use napi_derive::napi;
use parking_lot::Mutex;
use std::sync::atomic::{AtomicBool, Ordering::SeqCst};
use std::sync::Arc;

type Tsfn = ThreadsafeFunction<(), (), (), Status, false, true, 0>;

/// Records handed to the listener per wake before the JS thread yields.
const PER_TURN: usize = 1024;

struct Bridge {
    tsfn: Tsfn,
    listener: Arc<Func>,
}

static BRIDGE: Mutex<Option<Bridge>> = Mutex::new(None);
static QUEUED: AtomicBool = AtomicBool::new(false);

fn wake() {
    if QUEUED.swap(true, SeqCst) {
        return;
    }
    match BRIDGE.lock().as_ref() {
        Some(b) => {
            b.tsfn.call((), ThreadsafeFunctionCallMode::NonBlocking);
        }
        None => QUEUED.store(false, SeqCst),
    }
}

/// Captures the engine's log records up to `level`: 'off', 'error', 'warn', 'info' (connects,
/// losses, GOAWAYs, token refreshes), 'debug' (also per-notification rejections, failures and
/// retries) or 'trace'. Records reach the `onLog` listener. Records never contain key
/// material, provider tokens or payloads; a device token appears as its first 8 hex digits
/// and `…`. Throws INVALID_ARGUMENT for another level, or when another Rust `log` logger
/// already owns this process.
#[napi(
    catch_unwind,
    ts_args_type = "level: 'off' | 'error' | 'warn' | 'info' | 'debug' | 'trace'"
)]
pub fn set_log_level(env: Env, level: Unknown) -> Result<()> {
    let name = js::string(&env, level.raw(), "level")?;
    let filter = match name.as_str() {
        "off" => LevelFilter::Off,
        "error" => LevelFilter::Error,
        "warn" => LevelFilter::Warn,
        "info" => LevelFilter::Info,
        "debug" => LevelFilter::Debug,
        "trace" => LevelFilter::Trace,
        _ => {
            return Err(coded(
                &env,
                ErrorKind::InvalidArgument,
                format!(
                "unknown log level {name:?}; the levels are off, error, warn, info, debug, trace"
            ),
            ))
        }
    };
    core_logs::capture(filter).map_err(|e| crate::errors::engine_error(&env, &e))
}

/// Sets (or with `null` removes) the log listener: `listener({level, target, message, timeMs})`
/// is called on the JS thread, once per record, oldest first, never during a call into the
/// addon. At most 10,000 records wait for it (the oldest beyond are dropped; `logsDropped()`
/// counts them). A listener that throws raises 'uncaughtException'.
#[napi(
    catch_unwind,
    ts_args_type = "listener: ((record: LogRecord) => void) | null"
)]
pub fn on_log(env: Env, listener: Unknown) -> Result<()> {
    let k = js::kind(&env, listener.raw());
    if k.is_absent() {
        core_logs::set_waker(None);
        let old = BRIDGE.lock().take();
        drop(old);
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
    let f: Function<Value, Ignored> = unsafe {
        napi::bindgen_prelude::FromNapiValue::from_napi_value(env.raw(), listener.raw())?
    };
    let listener = Arc::new(f.create_ref()?);
    let noop: Function<(), ()> = env.create_function_from_closure("apnspushLogs", |_| Ok(()))?;
    let tsfn: Tsfn = noop
        .build_threadsafe_function::<()>()
        .weak::<true>()
        .callee_handled::<false>()
        .build_callback(|ctx| {
            catch_panic(|| {
                deliver(&ctx.env);
                Ok(())
            })
        })?;
    let old = BRIDGE.lock().replace(Bridge { tsfn, listener });
    drop(old);
    QUEUED.store(false, SeqCst);
    core_logs::set_waker(Some(Arc::new(wake)));
    // Records captured before the listener was set.
    wake();
    Ok(())
}

/// Records dropped because 10,000 were waiting for the listener, since the process started.
#[napi(catch_unwind)]
pub fn logs_dropped() -> f64 {
    core_logs::dropped() as f64
}

/// One captured log record.
// Declared for index.d.ts only; the JS objects are built by `record_to_js`.
#[allow(dead_code)]
#[napi(object, js_name = "LogRecord")]
pub struct LogRecordJs {
    #[napi(ts_type = "'error' | 'warn' | 'info' | 'debug' | 'trace'")]
    pub level: String,
    /// `apnspush` or `apnspush::<area>` (http2, binary, token, retry, outcome, engine, queue).
    pub target: String,
    pub message: String,
    /// When it was logged, milliseconds since the epoch.
    pub time_ms: f64,
}

/// JS thread: hands up to `PER_TURN` records to the listener, then wakes itself for the rest.
fn deliver(env: &Env) {
    QUEUED.store(false, SeqCst);
    let Some(listener) = BRIDGE.lock().as_ref().map(|b| b.listener.clone()) else {
        return;
    };
    let records = core_logs::take(PER_TURN);
    let full = records.len() == PER_TURN;
    for r in &records {
        js::scoped(env, || {
            let called = record_to_js(env, r).and_then(|obj| {
                listener
                    .borrow_back(env)
                    .and_then(|f| f.call(Value(obj)))
                    .map(|_| ())
            });
            if let Err(e) = called {
                env.fatal_exception(e);
            }
        });
    }
    if full {
        wake();
    }
}

fn record_to_js(env: &Env, r: &LogRecord) -> Result<js::Raw> {
    let level = match r.level {
        Level::Error => "error",
        Level::Warn => "warn",
        Level::Info => "info",
        Level::Debug => "debug",
        Level::Trace => "trace",
    };
    let obj = js::new_object(env)?;
    js::set_named(env, obj, c"level", js::new_string(env, level)?)?;
    js::set_named(env, obj, c"target", js::new_string(env, &r.target)?)?;
    js::set_named(env, obj, c"message", js::new_string(env, &r.message)?)?;
    js::set_named(env, obj, c"timeMs", js::new_number(env, r.time_ms as f64)?)?;
    Ok(obj)
}
