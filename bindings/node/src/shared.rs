//! What a pusher's JS object, its reporter thread and its waiting threads share: the engine's
//! pusher and the plumbing of outcome events.
//!
//! Outcome events: the reporter thread moves the engine's outcome reports into `pending` and
//! wakes the JS thread through a weak (unref'd) threadsafe function, which never keeps the
//! process alive; on the JS thread `deliver` calls the listener once per outcome. Every move
//! from the engine into `pending` happens under `handoff`, and a waiting thread makes one more
//! move after its engine wait returns and before its promise settles (whose resolver runs
//! `deliver` first). So when `ensureDelivery()`, `ensurePush()`, `push()` or `close()` settles,
//! every outcome reported before it has already been emitted.
//!
//! Outcomes reported while no listener is set are dropped (like events nobody listens to),
//! which also keeps the engine's report queue from growing. While the JS thread is busy,
//! `pending` holds at most `max_reports` outcomes; the reporter then leaves the rest in the
//! engine's queue, itself bounded by `max_reports` (its oldest dropped, counted in
//! `reportsDropped`).

use crate::types::Outcome as OutcomeJs;
use apnspush::Outcome;
use napi::bindgen_prelude::{FromNapiValue, Function, FunctionRef};
use napi::threadsafe_function::{ThreadsafeFunction, ThreadsafeFunctionCallMode};
use napi::{sys, Env, Result, Status};
use parking_lot::Mutex;
use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering::SeqCst};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

/// The listener's return value, ignored whatever it is.
pub(crate) struct Ignored;

impl FromNapiValue for Ignored {
    unsafe fn from_napi_value(_env: sys::napi_env, _v: sys::napi_value) -> Result<Self> {
        Ok(Ignored)
    }
}

pub(crate) type Listener = FunctionRef<OutcomeJs, Ignored>;
type Wake = ThreadsafeFunction<(), (), (), Status, false, true, 0>;

/// Events emitted per wake of the JS thread before it yields to other work.
const EVENTS_PER_TURN: usize = 8192;
/// Reports taken from the engine per lock of its ledger.
const TAKE: usize = 4096;
/// The reporter's sleep when the engine had nothing: doubles from MIN to MAX while idle.
const IDLE_MIN: Duration = Duration::from_millis(1);
const IDLE_MAX: Duration = Duration::from_millis(16);

pub(crate) struct Shared {
    /// The engine's pusher: Send + Sync, every method callable from any thread.
    pub core: apnspush::Pusher,
    /// `close_timeout_ms` of the options: the default of `close()`.
    pub close_timeout: Duration,
    /// Set once `close()` started or the JS object was collected.
    pub closed: AtomicBool,
    pending: Mutex<VecDeque<Outcome>>,
    /// Bound of `pending` (`max_reports`).
    max_pending: usize,
    handoff: Mutex<()>,
    /// Read and replaced on the JS thread only (FunctionRef may be dropped anywhere).
    listener: Mutex<Option<Arc<Listener>>>,
    listening: AtomicBool,
    wake: Mutex<Option<Wake>>,
    wake_queued: AtomicBool,
    stop: AtomicBool,
    reporter: Mutex<Option<JoinHandle<()>>>,
}

impl Shared {
    /// JS thread: wraps a connected engine pusher, creates the wake function and starts the
    /// reporter thread.
    pub(crate) fn start(
        env: &Env,
        core: apnspush::Pusher,
        close_timeout: Duration,
        max_pending: usize,
    ) -> Result<Arc<Shared>> {
        let shared = Arc::new(Shared {
            core,
            close_timeout,
            closed: AtomicBool::new(false),
            pending: Mutex::new(VecDeque::new()),
            max_pending: max_pending.max(1),
            handoff: Mutex::new(()),
            listener: Mutex::new(None),
            listening: AtomicBool::new(false),
            wake: Mutex::new(None),
            wake_queued: AtomicBool::new(false),
            stop: AtomicBool::new(false),
            reporter: Mutex::new(None),
        });
        let weak = Arc::downgrade(&shared);
        let noop: Function<(), ()> =
            env.create_function_from_closure("apnspushOutcomeEvents", |_| Ok(()))?;
        let wake: Wake = noop
            .build_threadsafe_function::<()>()
            .weak::<true>()
            .callee_handled::<false>()
            .build_callback(move |ctx| {
                crate::settle::catch_panic(|| {
                    if let Some(shared) = weak.upgrade() {
                        shared.deliver(&ctx.env, Some(EVENTS_PER_TURN));
                    }
                    Ok(())
                })
            })?;
        *shared.wake.lock() = Some(wake);
        let reporter = shared.clone();
        let handle = std::thread::Builder::new()
            .name("apnspush-node-events".into())
            .stack_size(256 << 10)
            .spawn(move || reporter.report_loop())
            .map_err(|e| napi::Error::from_reason(format!("cannot start a thread: {e}")))?;
        *shared.reporter.lock() = Some(handle);
        Ok(shared)
    }

    fn report_loop(self: Arc<Self>) {
        let mut idle = IDLE_MIN;
        while !self.stop.load(SeqCst) {
            if self.transfer() > 0 {
                idle = IDLE_MIN;
            } else {
                std::thread::sleep(idle);
                idle = (idle * 2).min(IDLE_MAX);
            }
        }
    }

    /// Any thread: moves the engine's queued reports into `pending` up to its bound (or drops
    /// them when no listener is set) and wakes the JS thread. Returns how many were taken.
    pub(crate) fn transfer(&self) -> usize {
        let guard = self.handoff.lock();
        let mut moved = 0;
        for _ in 0..64 {
            let room = if self.listening.load(SeqCst) {
                self.max_pending.saturating_sub(self.pending.lock().len())
            } else {
                TAKE
            };
            if room == 0 {
                break;
            }
            let batch = self.core.poll_outcomes(TAKE.min(room), Duration::ZERO);
            if batch.is_empty() {
                break;
            }
            moved += batch.len();
            if self.listening.load(SeqCst) {
                self.pending.lock().extend(batch);
            }
        }
        drop(guard);
        if moved > 0 && self.listening.load(SeqCst) {
            self.wake();
        }
        moved
    }

    fn wake(&self) {
        if self.wake_queued.swap(true, SeqCst) {
            return;
        }
        match self.wake.lock().as_ref() {
            Some(w) => {
                w.call((), ThreadsafeFunctionCallMode::NonBlocking);
            }
            None => self.wake_queued.store(false, SeqCst),
        }
    }

    /// JS thread: emits pending outcomes to the listener, at most `limit` (then wakes itself
    /// again for the rest); with no limit, also every report still in the engine's queue. A
    /// listener that throws raises 'uncaughtException', as an EventEmitter listener would; the
    /// following outcomes are still delivered.
    pub(crate) fn deliver(&self, env: &Env, limit: Option<usize>) {
        self.wake_queued.store(false, SeqCst);
        let mut left = limit.unwrap_or(usize::MAX);
        // With no limit: up to the engine queue's bound more, enough for everything it held.
        let mut refill = if limit.is_none() { self.max_pending } else { 0 };
        while left > 0 {
            let Some(listener) = self.listener.lock().clone() else {
                self.pending.lock().clear();
                return;
            };
            let mut batch: VecDeque<Outcome> = {
                let mut pending = self.pending.lock();
                let n = pending.len().min(left).min(1024);
                pending.drain(..n).collect()
            };
            if batch.is_empty() {
                // `pending` may have been full: what it had no room for is still in the engine.
                let moved = if refill > 0 { self.transfer() } else { 0 };
                if moved == 0 {
                    return;
                }
                refill = refill.saturating_sub(moved);
                continue;
            }
            let Ok(f) = listener.borrow_back(env) else {
                return;
            };
            while let Some(o) = batch.pop_front() {
                left -= 1;
                if let Err(e) = f.call(OutcomeJs::from(o)) {
                    env.fatal_exception(e);
                }
                let current = self.listener.lock().clone();
                if !current.is_some_and(|c| Arc::ptr_eq(&c, &listener)) {
                    // Replaced or removed by the listener itself: the rest goes to the new one.
                    let mut pending = self.pending.lock();
                    while let Some(o) = batch.pop_back() {
                        pending.push_front(o);
                    }
                    break;
                }
            }
        }
        if !self.pending.lock().is_empty() {
            self.wake();
        }
    }

    /// JS thread: sets or removes the listener; the old one is released here.
    pub(crate) fn set_listener(&self, listener: Option<Listener>) {
        let on = listener.is_some();
        let old = std::mem::replace(&mut *self.listener.lock(), listener.map(Arc::new));
        self.listening.store(on, SeqCst);
        drop(old);
        if !on {
            self.pending.lock().clear();
        }
    }

    /// Any thread but the reporter: stops the reporter thread and waits for it (one sleep at
    /// most) unless `wait` is false.
    pub(crate) fn stop_reporter(&self, wait: bool) {
        self.stop.store(true, SeqCst);
        if wait {
            if let Some(h) = self.reporter.lock().take() {
                let _ = h.join();
            }
        }
    }

    /// Releases the wake function: nothing of this pusher can wake the JS thread any more.
    pub(crate) fn release_wake(&self) {
        drop(self.wake.lock().take());
    }
}
