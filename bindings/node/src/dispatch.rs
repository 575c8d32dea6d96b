//! The dispatcher: one per pusher, the only way completions reach JS. No thread per call, no
//! polling.
//!
//! Two engine completion queues (`CompletionQueue::with_wake`) share one wake: a non-blocking
//! call of one threadsafe function, coalesced by a flag, made on the engine thread that filled
//! an empty queue. The threadsafe function runs `drain` on the JS thread, which takes both
//! queues and, there and only there:
//! - emits outcome events from `events_q` (every outcome, via `Pusher::watch`, while a listener
//!   is registered), to the listeners (events.rs);
//! - settles the pending promises from `calls_q`: `Settled` (send/ensurePush resolve with the
//!   outcome; push with the id), `Written` (push), `Delivered` (ensureDelivery), `Room` (moves
//!   the sends waiting for room into the engine's queue, oldest first).
//!
//! Ordering: the engine appends an outcome to `events_q` before it appends anything about that
//! outcome to `calls_q`, and `drain` takes `calls_q` before `events_q` and emits every event
//! it took before it settles any promise. So when a promise settles, the events of every
//! outcome reported before it have been emitted.
//!
//! Bounds: at most `max_reports` events wait for the JS thread here (the oldest beyond are
//! dropped and counted in `stats().reportsDropped`); at most `PER_TURN` items are handled per
//! wake before the JS thread yields to other work.
//!
//! Liveness: the threadsafe function is unref'd while no promise is pending and ref'd while one
//! is (a pending promise keeps the process alive, as any promise backed by work does; events
//! alone never do). It holds the `Shared` alive until released, which happens on the JS thread
//! once the engine is closed (`finished`) and no promise is pending.

use crate::errors::{coded, engine_error};
use crate::events::{Event, Func, Listeners};
use crate::js::{self, Held};
use crate::options::Reports;
use crate::settle::{catch_panic, Deferred, Value};
use crate::types::{outcome_to_js, OutcomeKeys};
use apnspush::{Completion, CompletionQueue, ErrorKind, Notification, Outcome};
use napi::bindgen_prelude::Function;
use napi::threadsafe_function::{ThreadsafeFunction, ThreadsafeFunctionCallMode};
use napi::{sys, Env, JsValue, Result, Status};
use parking_lot::Mutex;
use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::SeqCst};
use std::sync::Arc;
use std::time::Duration;

type Tsfn = ThreadsafeFunction<(), (), (), Status, false, true, 0>;

/// Items (events and completions) handled per wake before the JS thread yields.
const PER_TURN: usize = 8192;
/// Items handled per lock of the state and per handle scope.
const BATCH: usize = 256;

/// What a pending promise resolves with.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Want {
    /// The outcome (`send`, `ensurePush`).
    Outcome,
    /// The id, once written or settled (`push`).
    Written,
    /// The id, once in the engine's queue (`enqueue`).
    Queued,
}

/// The pusher-wide settings the dispatcher needs.
pub(crate) struct Settings {
    pub close_timeout: Duration,
    pub reports: Reports,
    /// `max_reports`: the bound of the events waiting for the JS thread.
    pub max_events: usize,
}

struct Call {
    deferred: Deferred,
    want: Want,
    /// Whether a timer refers to it (by its ticket).
    timed: bool,
    ticket: u64,
}

struct Waiting {
    notification: Notification,
    call: Call,
}

struct Delivery {
    ticket: u64,
    /// The id to wait through; `None` while sends that came first wait for room (until the
    /// one with ticket `after` entered the queue or gave up).
    through: Option<u64>,
    after: u64,
    deferred: Deferred,
    value: Option<Held>,
}

/// Where a timed promise is.
enum Timed {
    Waiting,
    Call(u64),
    Delivery,
}

#[derive(Default)]
struct State {
    calls: HashMap<u64, Call>,
    waiting: VecDeque<Waiting>,
    deliveries: Vec<Delivery>,
    timed: HashMap<u64, Timed>,
    next_ticket: u64,
    referenced: bool,
    listeners: Listeners,
    watching: bool,
    events: VecDeque<Outcome>,
    completions: VecDeque<Completion>,
    released: bool,
}

impl State {
    fn ticket(&mut self) -> u64 {
        self.next_ticket += 1;
        self.next_ticket
    }

    fn pending(&self) -> bool {
        !self.calls.is_empty() || !self.waiting.is_empty() || !self.deliveries.is_empty()
    }
}

/// The wake shared by both queues. Engine threads only signal; the JS thread runs `drain`.
struct Wake {
    tsfn: Mutex<Option<Tsfn>>,
    queued: AtomicBool,
}

impl Wake {
    fn signal(&self) {
        if self.queued.swap(true, SeqCst) {
            return;
        }
        match self.tsfn.lock().as_ref() {
            Some(t) => {
                t.call((), ThreadsafeFunctionCallMode::NonBlocking);
            }
            None => self.queued.store(false, SeqCst),
        }
    }
}

pub(crate) struct Shared {
    /// The engine's pusher: Send + Sync, every method callable from any thread.
    pub core: apnspush::Pusher,
    pub settings: Settings,
    /// Set once `close()` started or the JS object was collected.
    pub closed: AtomicBool,
    /// Set once the engine's `close` returned: every notification has its outcome.
    finished: AtomicBool,
    events_dropped: AtomicU64,
    /// Bumped by every change of the listeners.
    listeners_generation: AtomicU64,
    /// Whether sends wait for room (`pushAsync` does not overtake them). JS thread only.
    room_waiters: AtomicBool,
    calls_q: CompletionQueue,
    events_q: CompletionQueue,
    wake: Arc<Wake>,
    /// Touched on the JS thread only (a lock for `Sync`; never held while JS code runs).
    state: Mutex<State>,
}

impl Shared {
    /// JS thread: wraps an engine pusher and creates the dispatcher's threadsafe function
    /// (unref'd).
    pub(crate) fn start(
        env: &Env,
        core: apnspush::Pusher,
        settings: Settings,
    ) -> Result<Arc<Shared>> {
        let wake = Arc::new(Wake {
            tsfn: Mutex::new(None),
            queued: AtomicBool::new(false),
        });
        let (w1, w2) = (wake.clone(), wake.clone());
        let shared = Arc::new(Shared {
            core,
            settings,
            closed: AtomicBool::new(false),
            finished: AtomicBool::new(false),
            events_dropped: AtomicU64::new(0),
            listeners_generation: AtomicU64::new(0),
            room_waiters: AtomicBool::new(false),
            calls_q: CompletionQueue::with_wake(move || w1.signal()),
            events_q: CompletionQueue::with_wake(move || w2.signal()),
            wake,
            state: Mutex::new(State::default()),
        });
        let mine = shared.clone();
        let noop: Function<(), ()> =
            env.create_function_from_closure("apnspushDispatch", |_| Ok(()))?;
        let tsfn: Tsfn = noop
            .build_threadsafe_function::<()>()
            .weak::<true>()
            .callee_handled::<false>()
            .build_callback(move |ctx| {
                catch_panic(|| {
                    mine.drain(&ctx.env, PER_TURN);
                    Ok(())
                })
            })?;
        *shared.wake.tsfn.lock() = Some(tsfn);
        Ok(shared)
    }

    /// JS thread: takes both queues and handles up to `budget` items (see the module doc);
    /// wakes itself again for the rest.
    pub(crate) fn drain(&self, env: &Env, budget: usize) {
        self.wake.queued.store(false, SeqCst);
        let mut left = budget;
        'turn: loop {
            self.gather();
            while left > 0 {
                let (batch, listeners) = {
                    let mut st = self.state.lock();
                    let n = left.min(BATCH).min(st.events.len());
                    let batch: Vec<Outcome> = st.events.drain(..n).collect();
                    (batch, st.listeners.clone())
                };
                if batch.is_empty() {
                    break;
                }
                left -= batch.len();
                js::scoped(env, || self.emit(env, &batch, listeners));
            }
            while left > 0 {
                let batch: Vec<Completion> = {
                    let mut st = self.state.lock();
                    let n = left.min(BATCH).min(st.completions.len());
                    st.completions.drain(..n).collect()
                };
                if batch.is_empty() {
                    break;
                }
                left -= batch.len();
                js::scoped(env, || {
                    batch.into_iter().for_each(|c| self.complete(env, c))
                });
            }
            if left == 0 || (self.calls_q.is_empty() && self.events_q.is_empty()) {
                break 'turn;
            }
        }
        let more = {
            let st = self.state.lock();
            !st.events.is_empty() || !st.completions.is_empty()
        };
        if more || !self.calls_q.is_empty() || !self.events_q.is_empty() {
            self.wake.signal();
        }
        self.update_ref(env);
        self.release_if_done();
    }

    /// Emits a batch of outcomes; a listener added or removed by a listener takes effect from
    /// the next outcome on (as with `EventEmitter#emit`).
    fn emit(&self, env: &Env, batch: &[Outcome], mut listeners: Listeners) {
        let Ok(keys) = OutcomeKeys::new(env) else {
            return;
        };
        let mut generation = self.listeners_generation.load(SeqCst);
        let mut prepared = listeners.prepare(env);
        for o in batch {
            let now = self.listeners_generation.load(SeqCst);
            if now != generation {
                generation = now;
                listeners = self.state.lock().listeners.clone();
                prepared = listeners.prepare(env);
            }
            prepared.emit(env, &keys, o);
        }
    }

    /// Moves both queues into the state, `calls_q` first (see the module doc).
    fn gather(&self) {
        let calls = self.calls_q.take(usize::MAX);
        let events = self.events_q.take(usize::MAX);
        if calls.is_empty() && events.is_empty() {
            return;
        }
        let mut st = self.state.lock();
        st.completions.extend(calls);
        if st.listeners.is_empty() {
            return; // events nobody listens to
        }
        let bound = self.settings.max_events.max(1);
        for item in events {
            let Completion::Settled(o) = item else {
                continue;
            };
            if self.settings.reports == Reports::Failures && o.is_accepted() {
                continue;
            }
            if st.events.len() >= bound {
                st.events.pop_front();
                self.events_dropped.fetch_add(1, SeqCst);
            }
            st.events.push_back(o);
        }
    }

    fn complete(&self, env: &Env, item: Completion) {
        match item {
            Completion::Settled(o) => {
                let call = {
                    let mut st = self.state.lock();
                    let call = st.calls.remove(&o.id);
                    forget_timer(&mut st, call.as_ref());
                    call
                };
                if let Some(c) = call {
                    let value = match c.want {
                        Want::Outcome => outcome_to_js(env, &o),
                        Want::Written | Want::Queued => js::new_number(env, o.id as f64),
                    };
                    c.deferred.settle(env, value);
                }
            }
            Completion::Written(id) => {
                let call = {
                    let mut st = self.state.lock();
                    let written = st.calls.get(&id).is_some_and(|c| c.want == Want::Written);
                    let call = if written { st.calls.remove(&id) } else { None };
                    forget_timer(&mut st, call.as_ref());
                    call
                };
                if let Some(c) = call {
                    c.deferred.settle(env, js::new_number(env, id as f64));
                }
            }
            Completion::Delivered(through) => {
                let done: Vec<Delivery> = {
                    let mut st = self.state.lock();
                    let (done, keep) = std::mem::take(&mut st.deliveries)
                        .into_iter()
                        .partition(|d| d.through.is_some_and(|t| t <= through));
                    st.deliveries = keep;
                    for d in &done {
                        st.timed.remove(&d.ticket);
                    }
                    done
                };
                for d in done {
                    let value = match d.value {
                        Some(held) => held.take(env),
                        None => js::undefined(env),
                    };
                    d.deferred.settle(env, value);
                }
            }
            Completion::Room => self.admit(env),
        }
    }

    /// Moves the sends waiting for room into the engine's queue, oldest first, until it is
    /// full again (then waits for the next `Room`).
    fn admit(&self, env: &Env) {
        let mut st = self.state.lock();
        while let Some(w) = st.waiting.pop_front() {
            let Waiting { notification, call } = w;
            let written = call.want == Want::Written;
            match self
                .core
                .submit(notification, &self.calls_q, written, Duration::ZERO)
            {
                Ok(id) => self.submitted(env, &mut st, id, call),
                Err((e, n)) if e.kind() == ErrorKind::QueueFull && self.core.blocks_when_full() => {
                    st.waiting.push_front(Waiting {
                        notification: n,
                        call,
                    });
                    self.core.notify_room(&self.calls_q);
                    break;
                }
                Err((e, _)) => {
                    forget_timer(&mut st, Some(&call));
                    call.deferred.reject(env, engine_error(env, &e));
                }
            }
        }
        self.arm_parked(&mut st);
    }

    /// Records a call whose notification entered the engine's queue as `id`.
    fn submitted(&self, env: &Env, st: &mut State, id: u64, call: Call) {
        if call.want == Want::Queued {
            forget_timer(st, Some(&call));
            let value = js::new_number(env, id as f64);
            call.deferred.settle(env, value);
            return;
        }
        if call.timed {
            st.timed.insert(call.ticket, Timed::Call(id));
        }
        st.calls.insert(id, call);
    }

    /// Starts the `ensureDelivery` waits that were waiting for earlier sends to enter the
    /// queue, once those did (or gave up).
    fn arm_parked(&self, st: &mut State) {
        let front = st.waiting.front().map(|w| w.call.ticket);
        let mut through = None;
        for d in st.deliveries.iter_mut().filter(|d| d.through.is_none()) {
            if front.is_none_or(|f| f > d.after) {
                let t = *through.get_or_insert_with(|| self.core.last_id());
                d.through = Some(t);
            }
        }
        if let Some(t) = through {
            self.core.notify_delivered(&self.calls_q, t);
        }
    }

    /// JS thread: a promise of `n`'s outcome (`Want::Outcome`), its write (`Written`) or its
    /// place in the queue (`Queued`). A full queue: waits for room in FIFO order
    /// (`block_when_full`), or rejects with QUEUE_FULL. With `timeout`: rejects with TIMEOUT
    /// (queued; it still gets its outcome) or QUEUE_FULL (never queued) when it runs out.
    pub(crate) fn call(
        self: &Arc<Self>,
        env: &Env,
        n: Notification,
        want: Want,
        timeout: Option<Duration>,
    ) -> Result<Value> {
        let (deferred, promise) = Deferred::new(env)?;
        if self.finished.load(SeqCst) {
            deferred.reject(env, coded(env, ErrorKind::Closed, "the pusher is closed"));
            return Ok(Value(promise));
        }
        let mut st = self.state.lock();
        let ticket = st.ticket();
        let call = Call {
            deferred,
            want,
            timed: timeout.is_some(),
            ticket,
        };
        if !st.waiting.is_empty() {
            self.wait_for_room(&mut st, n, call);
        } else {
            let written = want == Want::Written;
            match self.core.submit(n, &self.calls_q, written, Duration::ZERO) {
                Ok(id) => self.submitted(env, &mut st, id, call),
                Err((e, n)) if e.kind() == ErrorKind::QueueFull && self.core.blocks_when_full() => {
                    self.wait_for_room(&mut st, n, call);
                    self.core.notify_room(&self.calls_q);
                }
                Err((e, _)) => {
                    call.deferred.reject(env, engine_error(env, &e));
                    return Ok(Value(promise));
                }
            }
        }
        let timed = st.timed.contains_key(&ticket);
        drop(st);
        if let (true, Some(t)) = (timed, timeout) {
            self.set_timer(env, ticket, t)?;
        }
        self.update_ref(env);
        Ok(Value(promise))
    }

    fn wait_for_room(&self, st: &mut State, notification: Notification, call: Call) {
        if call.timed {
            st.timed.insert(call.ticket, Timed::Waiting);
        }
        st.waiting.push_back(Waiting { notification, call });
    }

    /// JS thread: a promise that resolves (with `value`, or undefined) once every notification
    /// given to this pusher so far has its outcome and its events were emitted; sends still
    /// waiting for room count too. TIMEOUT after `timeout`.
    pub(crate) fn delivery(
        self: &Arc<Self>,
        env: &Env,
        timeout: Option<Duration>,
        value: Option<Held>,
    ) -> Result<Value> {
        let (deferred, promise) = Deferred::new(env)?;
        if self.finished.load(SeqCst) {
            // Everything has its outcome, and `close()` emitted the events.
            let v = match value {
                Some(held) => held.take(env),
                None => js::undefined(env),
            };
            deferred.settle(env, v);
            return Ok(Value(promise));
        }
        let mut st = self.state.lock();
        let ticket = st.ticket();
        let (through, after) = match st.waiting.back() {
            Some(w) => (None, w.call.ticket),
            None => (Some(self.core.last_id()), 0),
        };
        st.deliveries.push(Delivery {
            ticket,
            through,
            after,
            deferred,
            value,
        });
        if timeout.is_some() {
            st.timed.insert(ticket, Timed::Delivery);
        }
        if let Some(t) = through {
            self.core.notify_delivered(&self.calls_q, t);
        }
        drop(st);
        if let Some(t) = timeout {
            self.set_timer(env, ticket, t)?;
        }
        self.update_ref(env);
        Ok(Value(promise))
    }

    /// An unref'd JS timer (`setTimeout`) that times out the promise of `ticket`.
    fn set_timer(self: &Arc<Self>, env: &Env, ticket: u64, timeout: Duration) -> Result<()> {
        let weak = Arc::downgrade(self);
        let ms = timeout.as_secs_f64() * 1000.0;
        let f: Function<(), ()> =
            env.create_function_from_closure("apnspushTimeout", move |ctx| {
                catch_panic(|| {
                    if let Some(shared) = weak.upgrade() {
                        shared.time_out(ctx.env, ticket, ms);
                    }
                    Ok(())
                })
            })?;
        let global = js::global(env)?;
        let set_timeout = js::get_named(env, global, c"setTimeout")?;
        let timer = js::call(
            env,
            global,
            set_timeout,
            &[f.raw(), js::new_number(env, ms)?],
        )?;
        let unref = js::get_named(env, timer, c"unref")?;
        if js::kind(env, unref) == js::Kind::Function {
            js::call(env, timer, unref, &[])?;
        }
        Ok(())
    }

    fn time_out(&self, env: &Env, ticket: u64, ms: f64) {
        let mut st = self.state.lock();
        match st.timed.remove(&ticket) {
            Some(Timed::Call(id)) => {
                if let Some(c) = st.calls.remove(&id) {
                    let what = match c.want {
                        Want::Written => "was not written",
                        _ => "has no outcome",
                    };
                    let msg = format!(
                        "notification {id} {what} after {ms} ms; it stays queued and still gets its outcome"
                    );
                    c.deferred.reject(env, coded(env, ErrorKind::Timeout, msg));
                }
            }
            Some(Timed::Waiting) => {
                if let Some(i) = st.waiting.iter().position(|w| w.call.ticket == ticket) {
                    if let Some(w) = st.waiting.remove(i) {
                        let msg = format!(
                            "the send queue was still full after {ms} ms; the notification was not queued"
                        );
                        w.call
                            .deferred
                            .reject(env, coded(env, ErrorKind::QueueFull, msg));
                    }
                    self.arm_parked(&mut st);
                }
            }
            Some(Timed::Delivery) => {
                if let Some(i) = st.deliveries.iter().position(|d| d.ticket == ticket) {
                    let d = st.deliveries.remove(i);
                    if let Some(held) = d.value {
                        let _ = held.take(env);
                    }
                    let msg = format!("some notifications have no outcome after {ms} ms");
                    d.deferred.reject(env, coded(env, ErrorKind::Timeout, msg));
                }
            }
            None => {}
        }
        drop(st);
        self.update_ref(env);
    }

    /// Refs the threadsafe function while a promise is pending, unrefs it otherwise.
    fn update_ref(&self, env: &Env) {
        let mut st = self.state.lock();
        self.room_waiters.store(!st.waiting.is_empty(), SeqCst);
        let want = st.pending();
        if want == st.referenced {
            return;
        }
        if let Some(t) = self.wake.tsfn.lock().as_ref() {
            unsafe {
                if want {
                    sys::napi_ref_threadsafe_function(env.raw(), t.raw());
                } else {
                    sys::napi_unref_threadsafe_function(env.raw(), t.raw());
                }
            }
            st.referenced = want;
        }
    }

    /// Once the engine is closed and nothing is pending or waiting to be emitted: stops watching, drops the listeners
    /// and releases the threadsafe function (and with it this `Shared`).
    fn release_if_done(&self) {
        let mut st = self.state.lock();
        let busy = st.pending()
            || !st.events.is_empty()
            || !st.completions.is_empty()
            || !self.calls_q.is_empty()
            || !self.events_q.is_empty();
        if st.released || !self.finished.load(SeqCst) || busy {
            return;
        }
        st.released = true;
        st.referenced = false;
        if st.watching {
            self.core.unwatch(&self.events_q);
            st.watching = false;
        }
        let listeners = std::mem::take(&mut st.listeners);
        st.events.clear();
        drop(st);
        drop(listeners);
        let tsfn = self.wake.tsfn.lock().take();
        drop(tsfn);
    }

    /// Marks the engine closed (`close` returned). Any thread.
    pub(crate) fn mark_finished(&self) {
        self.finished.store(true, SeqCst);
        self.wake.signal();
    }

    /// JS thread: changes the listeners; watches every outcome while there is one.
    pub(crate) fn listen<R>(&self, f: impl FnOnce(&mut Listeners) -> R) -> R {
        let mut st = self.state.lock();
        let r = f(&mut st.listeners);
        self.listeners_generation.fetch_add(1, SeqCst);
        let want =
            !st.listeners.is_empty() && self.settings.reports != Reports::None && !st.released;
        if want != st.watching {
            if want {
                self.core.watch(&self.events_q);
            } else {
                self.core.unwatch(&self.events_q);
                st.events.clear();
            }
            st.watching = want;
        }
        r
    }

    pub(crate) fn add_listener(&self, event: Event, func: Func) {
        self.listen(|l| l.add(event, func));
    }

    /// Whether promise verbs wait for room in the send queue (they go first).
    pub(crate) fn room_waiters(&self) -> bool {
        self.room_waiters.load(SeqCst)
    }

    /// Events dropped because `max_reports` were waiting for the JS thread.
    pub(crate) fn events_dropped(&self) -> u64 {
        self.events_dropped.load(SeqCst)
    }
}

fn forget_timer(st: &mut State, call: Option<&Call>) {
    if let Some(c) = call.filter(|c| c.timed) {
        st.timed.remove(&c.ticket);
    }
}
