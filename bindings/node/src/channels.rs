//! The `Channels` class: broadcast channel management (iOS 18; docs/CHANNELS.md) over the
//! core's blocking client.
//!
//! Threads: the constructor connects on the JS thread (`Channels.connect` on a thread of its
//! own). Each instance has one worker thread that runs its calls one at a time, in call order,
//! each blocking there (never on the JS thread, never on libuv's pool) for at most
//! `response_timeout_ms` per attempt; their promises settle on the JS thread. The worker ends
//! once `close()` has run after the calls made before it, or once the instance is collected
//! after its calls have run; it never keeps the process alive.

use crate::errors::{coded, engine_error, type_error};
use crate::js::{self, Kind, Raw};
use crate::options::options_from_js;
use crate::settle::{promise_or_reject, spawn_promise, Job, Resolver, Stack, Value};
use crate::types::ChannelInfo;
use apnspush::ErrorKind;
use apnspush::MessageStoragePolicy;
use napi::bindgen_prelude::{ToNapiValue, Unknown};
use napi::{Env, JsValue, Result};
use napi_derive::napi;
use parking_lot::Mutex;
use std::sync::mpsc;
use std::sync::Arc;

type Core = apnspush::Channels;

/// A channel-management client for the app whose bundle id is the `topic` option (a
/// push-type suffix is dropped): create, read, list and delete its broadcast channels on
/// Apple's management host (`channel_host`/`channel_port`, from `environment`). Takes the same
/// options as a `Pusher` (credentials, `ca_*`, `proxy`, timeouts).
#[napi]
pub struct Channels {
    /// Feeds the worker; `None` once closed.
    worker: Mutex<Option<mpsc::Sender<Job>>>,
    core: Arc<Core>,
    bundle_id: String,
}

fn to_js<T: ToNapiValue>(env: &Env, value: T) -> Result<Raw> {
    unsafe { T::to_napi_value(env.raw(), value) }
}

#[napi]
impl Channels {
    /// Connects now, on the calling (JS) thread: this blocks until the connection is up, up to
    /// `connect_timeout_ms` (milliseconds on loopback). `await Channels.connect(options)`
    /// connects without blocking the event loop.
    ///
    /// Throws: TypeError (options not an object, a value not a string/number/boolean), Error
    /// with code UNKNOWN_CONFIG_KEY, INVALID_CONFIG_VALUE (e.g. no `topic`), CONNECT, TLS,
    /// CREDENTIALS or PROTOCOL.
    #[napi(
        catch_unwind,
        constructor,
        ts_args_type = "options?: Record<string, string | number | boolean>"
    )]
    pub fn new(env: Env, options: Unknown) -> Result<Self> {
        let o = options_from_js(&env, options.raw(), "options")?;
        let core = Core::connect(&o.config).map_err(|e| engine_error(&env, &e))?;
        Channels::start(&env, core)
    }

    /// Connects on a thread of its own (the event loop keeps running) and resolves with the
    /// connected client; rejects as the constructor throws.
    #[napi(
        catch_unwind,
        ts_args_type = "options?: Record<string, string | number | boolean>",
        ts_return_type = "Promise<Channels>"
    )]
    pub fn connect(env: Env, options: Unknown) -> Result<Value> {
        promise_or_reject(&env, || {
            let o = options_from_js(&env, options.raw(), "options")?;
            spawn_promise(&env, Stack::Tls, move || -> Resolver {
                let core = Core::connect(&o.config);
                Box::new(move |env: &Env| {
                    let core = core.map_err(|e| engine_error(env, &e))?;
                    to_js(env, Channels::start(env, core)?)
                })
            })
        })
    }

    /// The bundle id whose channels these are.
    #[napi(catch_unwind, getter)]
    pub fn bundle_id(&self) -> String {
        self.bundle_id.clone()
    }

    /// Creates a Live Activity channel with `policy` (0, the default: no message stored for
    /// offline devices; 1: the most recent one) and resolves with its id (base64 text).
    /// Rejects: TypeError for a policy that is not a number, INVALID_ARGUMENT for another
    /// number; REJECTED (with `status` and `reason`, e.g. 400 CannotCreateChannelConfig at the
    /// app's limit); TIMEOUT, IO, CONNECT, TLS, CREDENTIALS, PROTOCOL; CLOSED after `close()`.
    #[napi(
        catch_unwind,
        ts_args_type = "policy?: 0 | 1",
        ts_return_type = "Promise<string>"
    )]
    pub fn create(&self, env: Env, policy: Unknown) -> Result<Value> {
        promise_or_reject(&env, || {
            let policy = policy_from_js(&env, policy.raw())?;
            self.call(&env, move |core| core.create(policy), to_js)
        })
    }

    /// Reads one channel: resolves with `{ channelId, messageStoragePolicy, pushType }`.
    /// Rejects: TypeError for an id that is not a string, INVALID_ARGUMENT for one that is not
    /// base64 text (no request made); REJECTED with status 404 and reason ChannelNotRegistered
    /// for a channel that does not exist (never created, or deleted); as `create` otherwise.
    #[napi(
        catch_unwind,
        ts_args_type = "channelId: string",
        ts_return_type = "Promise<ChannelInfo>"
    )]
    pub fn get(&self, env: Env, channel_id: Unknown) -> Result<Value> {
        promise_or_reject(&env, || {
            let id = js::string(&env, channel_id.raw(), "channelId")?;
            self.call(
                &env,
                move |core| core.get(&id),
                |env, info| {
                    to_js(
                        env,
                        ChannelInfo {
                            channel_id: info.channel_id,
                            message_storage_policy: info.message_storage_policy.code().into(),
                            push_type: info.push_type,
                        },
                    )
                },
            )
        })
    }

    /// Resolves with every channel id of the app. Rejects as `create`.
    #[napi(catch_unwind, ts_return_type = "Promise<string[]>")]
    pub fn list(&self, env: Env) -> Result<Value> {
        promise_or_reject(&env, || self.call(&env, |core| core.list(), to_js))
    }

    /// Deletes a channel; resolves with nothing. Rejects as `get`.
    #[napi(
        catch_unwind,
        ts_args_type = "channelId: string",
        ts_return_type = "Promise<void>"
    )]
    pub fn delete(&self, env: Env, channel_id: Unknown) -> Result<Value> {
        promise_or_reject(&env, || {
            let id = js::string(&env, channel_id.raw(), "channelId")?;
            self.call(
                &env,
                move |core| core.delete(&id),
                |env, ()| js::undefined(env),
            )
        })
    }

    /// Closes the connection once the calls already made have run, and resolves then. Later
    /// calls reject with CLOSED. Idempotent.
    #[napi(catch_unwind, ts_return_type = "Promise<void>")]
    pub fn close(&self, env: Env) -> Result<Value> {
        let core = self.core.clone();
        let (job, promise) = Job::new(&env, move || -> Resolver {
            core.close();
            Box::new(|env: &Env| js::undefined(env))
        })?;
        match self.worker.lock().take() {
            // The worker runs it after the calls before it, then ends (its sender is gone).
            Some(worker) => {
                if let Err(mpsc::SendError(job)) = worker.send(job) {
                    job.run();
                }
            }
            None => job.run(),
        }
        Ok(promise)
    }
}

impl Channels {
    /// Wraps a connected client and starts its worker. JS thread.
    fn start(env: &Env, core: Core) -> Result<Channels> {
        let core = Arc::new(core);
        let bundle_id = core.bundle_id();
        let (tx, rx) = mpsc::channel::<Job>();
        // The worker's own reference: the client is dropped (and closed) there, off the JS
        // thread, once the last job has run.
        let mine = core.clone();
        std::thread::Builder::new()
            .name("apnspush-node-channels".into())
            .stack_size(2 << 20)
            .spawn(move || {
                for job in rx {
                    job.run();
                }
                drop(mine);
            })
            .map_err(|e| coded(env, ErrorKind::Io, format!("cannot start a thread: {e}")))?;
        Ok(Channels {
            worker: Mutex::new(Some(tx)),
            core,
            bundle_id,
        })
    }

    /// Queues `f` for the worker; the promise settles with `to_value` of its result on the JS
    /// thread, or rejects with the engine's error. CLOSED at once after `close()`.
    fn call<T, F>(&self, env: &Env, f: F, to_value: fn(&Env, T) -> Result<Raw>) -> Result<Value>
    where
        T: Send + 'static,
        F: FnOnce(&Core) -> apnspush::Result<T> + Send + 'static,
    {
        let Some(worker) = self.worker.lock().clone() else {
            return Err(coded(
                env,
                ErrorKind::Closed,
                "the channel management client is closed",
            ));
        };
        let core = self.core.clone();
        let (job, promise) = Job::new(env, move || -> Resolver {
            let result = f(&core);
            drop(core);
            Box::new(move |env: &Env| {
                let value = result.map_err(|e| engine_error(env, &e))?;
                to_value(env, value)
            })
        })?;
        // A worker that has ended drops the job, which rejects its promise with CLOSED.
        let _ = worker.send(job);
        Ok(promise)
    }
}

/// `undefined` → 0; 0 or 1; another number INVALID_ARGUMENT; anything else a TypeError.
fn policy_from_js(env: &Env, v: Raw) -> Result<MessageStoragePolicy> {
    let k = js::kind(env, v);
    if k == Kind::Undefined {
        return Ok(MessageStoragePolicy::NoMessageStored);
    }
    if k != Kind::Number {
        return Err(type_error(
            env,
            format!(
                "policy must be 0 or 1 (a number), got {}",
                js::describe(env, v, k)
            ),
        ));
    }
    let n = js::number(env, v, "policy")?;
    let code = if n.fract() == 0.0 && n.abs() < 1e15 {
        n as i64
    } else {
        -1
    };
    MessageStoragePolicy::from_code(code).map_err(|_| {
        coded(
            env,
            ErrorKind::InvalidArgument,
            format!("message storage policy {n} is not valid; expected 0 or 1"),
        )
    })
}
