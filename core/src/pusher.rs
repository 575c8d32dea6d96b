//! The public handle: push verbs, waits, outcome reports, stats and close.
//!
//! Threads: every method may be called from any thread at once. Blocking: `push_async` blocks
//! only when the send queue is full and `block_when_full` is true; the `push`/`ensure_*`/`poll`
//! waits block the caller up to their timeout. Outcomes reach the caller only through return
//! values of these methods, on the caller's own thread.

// The enqueue path hands a refused notification back by value; boxing it would allocate on
// every refusal for no benefit to the caller.
#![allow(clippy::result_large_err)]

use crate::binary::connection::{self as binary, BinaryConn};
use crate::completion::CompletionQueue;
use crate::config::{Config, Protocol};
use crate::engine::Engine;
use crate::error::{Error, ErrorKind, Result};
use crate::job::Job;
use crate::ledger::Ledger;
use crate::notification::Notification;
use crate::outcome::{Outcome, OutcomeKind};
use crate::stats::{Counters, Stats};
use crossbeam_channel::SendTimeoutError;
use parking_lot::Mutex;
use std::sync::atomic::{AtomicBool, Ordering::Relaxed};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// An APNs provider: a bounded send queue feeding `connections` connections.
pub struct Pusher {
    pub(crate) engine: Arc<Engine>,
    threads: Mutex<Vec<JoinHandle<()>>>,
    closed: AtomicBool,
}

/// What `close` had to do with notifications that had no outcome yet.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CloseSummary {
    /// Never written: reported `cancelled`.
    pub cancelled: u64,
    /// Written but unconfirmed when the time ran out: reported `failed` (error `Closed`).
    pub unconfirmed: u64,
}

impl Pusher {
    /// Connects every connection now (with `connect_on_start = false`, in the background).
    /// Errors: `Connect` (unreachable), `Tls` (handshake or verification), `Credentials` (also
    /// when the server refuses the client certificate; with a lazy start, only unreadable
    /// credentials), `InvalidConfigValue`.
    pub fn new(config: Config) -> Result<Pusher> {
        let config = config.with_proxy_env()?;
        let stats = Arc::new(Counters::default());
        let ledger = Ledger::new(config.reports, config.max_reports, stats.clone());
        let engine = Arc::new(Engine::new(config, ledger, stats));
        let threads = match engine.config.protocol {
            Protocol::Binary => start_binary(&engine)?,
            Protocol::Http2 => start_http2(&engine)?,
        };
        Ok(Pusher {
            engine,
            threads: Mutex::new(threads),
            closed: AtomicBool::new(false),
        })
    }

    /// Validates against this pusher's protocol, enqueues, and returns the id at once.
    /// Errors: `PayloadTooLarge`/`BadToken` (protocol limits), `QueueFull` (non-blocking mode),
    /// `Closed`. Nothing already queued is affected by an error.
    pub fn push_async(&self, notification: Notification) -> Result<u64> {
        self.enqueue(notification, Interest::None, Room::Config)
            .map_err(|(e, _)| e)
    }

    /// `push_async` that hands the notification back with the error, so a caller that keeps
    /// ownership on failure (the C API) needs no copy.
    pub fn try_push_async(
        &self,
        notification: Notification,
    ) -> std::result::Result<u64, (Error, Notification)> {
        self.enqueue(notification, Interest::None, Room::Config)
    }

    /// Enqueues many; stops at the first error, returning it (earlier ones stay queued).
    pub fn push_many(
        &self,
        notifications: impl IntoIterator<Item = Notification>,
    ) -> Result<Vec<u64>> {
        notifications
            .into_iter()
            .map(|n| self.push_async(n))
            .collect()
    }

    /// Enqueues and waits until the notification is written (or has an outcome already).
    /// `Timeout` leaves it queued; it still gets its outcome.
    pub fn push(&self, notification: Notification, timeout: Option<Duration>) -> Result<u64> {
        let id = self
            .enqueue(notification, Interest::Written, Room::Config)
            .map_err(|(e, _)| e)?;
        if self.engine.ledger.wait_written(id, deadline(timeout)) {
            Ok(id)
        } else {
            Err(Error::new(
                ErrorKind::Timeout,
                format!("notification {id} was not written in time"),
            ))
        }
    }

    /// Enqueues and waits for the final outcome (binary: a flush marker or the error window).
    pub fn ensure_push(
        &self,
        notification: Notification,
        timeout: Option<Duration>,
    ) -> Result<Outcome> {
        let id = self
            .enqueue(notification, Interest::Outcome, Room::Config)
            .map_err(|(e, _)| e)?;
        let outcome = self.flushing(|| self.engine.ledger.wait_outcome(id, deadline(timeout)));
        outcome.ok_or_else(|| {
            Error::new(
                ErrorKind::Timeout,
                format!("notification {id} has no outcome yet"),
            )
        })
    }

    /// Waits until every notification pushed before this call has its final outcome.
    pub fn ensure_delivery(&self, timeout: Option<Duration>) -> Result<()> {
        self.ensure_delivery_through(self.last_id(), timeout)
    }

    /// The id of the last notification pushed so far (0 before the first). With
    /// `ensure_delivery_through` it lets a caller wait in slices for a fixed set.
    pub fn last_id(&self) -> u64 {
        self.engine.ledger.last_id()
    }

    /// Waits until every notification with an id up to `id` has its final outcome; notifications
    /// pushed later are not waited for. Resumable: after `Timeout`, call again with the same id.
    pub fn ensure_delivery_through(&self, id: u64, timeout: Option<Duration>) -> Result<()> {
        if self.flushing(|| self.engine.ledger.wait_settled(id, deadline(timeout))) {
            Ok(())
        } else {
            Err(Error::new(
                ErrorKind::Timeout,
                "some notifications have no outcome yet",
            ))
        }
    }

    /// Runs `f`, then `ensure_delivery(timeout)`; the block form of ensure_delivery.
    pub fn delivery<R>(
        &self,
        timeout: Option<Duration>,
        f: impl FnOnce(&Pusher) -> R,
    ) -> Result<R> {
        let r = f(self);
        self.ensure_delivery(timeout).map(|_| r)
    }

    /// Drains the outcomes that are not `accepted` (rejected, failed, expired, cancelled)
    /// recorded since the last call.
    pub fn failed_notifications(&self) -> Vec<Outcome> {
        self.engine.ledger.take_failed()
    }

    /// Serves queued outcome reports to `on_outcome` on this thread, waiting up to `timeout`
    /// for the first. Returns how many were served. Which outcomes are queued is set by
    /// `outcome_reports`.
    pub fn poll(&self, timeout: Duration, mut on_outcome: impl FnMut(Outcome)) -> usize {
        let reports = self.poll_outcomes(usize::MAX, timeout);
        let n = reports.len();
        reports.into_iter().for_each(&mut on_outcome);
        n
    }

    /// Takes up to `max` queued outcome reports, waiting up to `timeout` for the first.
    pub fn poll_outcomes(&self, max: usize, timeout: Duration) -> Vec<Outcome> {
        self.engine
            .ledger
            .take_reports(max, Some(Instant::now() + timeout))
    }

    /// A snapshot of every counter.
    pub fn stats(&self) -> Stats {
        let e = &self.engine;
        let queued = (e.send_rx.len() + e.retry_rx.len()) as u64;
        let in_flight = e.delayed_len() as u64
            + e.live
                .iter()
                .filter_map(|l| l.lock().clone())
                .map(|c| c.in_flight() as u64)
                .sum::<u64>();
        e.stats.snapshot(queued, in_flight)
    }

    /// Stops intake, flushes for most of `timeout`, stops every thread, and reports anything
    /// still without an outcome: never written → `cancelled`, written but unconfirmed →
    /// `failed`. Returns within `timeout` plus a few milliseconds; a second call is a no-op.
    pub fn close(&self, timeout: Duration) -> CloseSummary {
        if self.closed.swap(true, Relaxed) {
            return CloseSummary::default();
        }
        let e = &self.engine;
        let end = Instant::now() + timeout;
        e.ledger.close();
        let reserve = (timeout / 4).min(Duration::from_millis(250));
        if timeout > reserve {
            let target = e.ledger.last_id();
            self.flushing(|| e.ledger.wait_settled(target, Some(end - reserve)));
        }
        e.stop.store(true, Relaxed);
        e.wake_writers();
        e.deliver_room();
        for live in &e.live {
            if let Some(conn) = live.lock().clone() {
                conn.shutdown();
            }
        }
        while e.pushing.load(Relaxed) > 0 && Instant::now() < end {
            std::thread::sleep(Duration::from_millis(1));
        }
        self.join_threads(end);
        let queued = e.drain_queues();
        let cancelled = queued.len() as u64;
        e.settle_jobs(queued, |j| {
            j.into_outcome(
                OutcomeKind::Cancelled,
                0,
                "pusher closed before it was sent",
            )
        });
        let delayed = e.drain_delayed();
        let mut unconfirmed = delayed.len() as u64;
        e.settle_jobs(delayed, |j| {
            j.failed(ErrorKind::Closed, "pusher closed before it was retried")
        });
        for live in &e.live {
            if let Some(conn) = live.lock().take() {
                let jobs = conn.take_unsettled();
                unconfirmed += jobs.len() as u64;
                e.settle_jobs(jobs, |j| {
                    j.failed(ErrorKind::Closed, "pusher closed before it was confirmed")
                });
            }
        }
        e.ledger.wake_all();
        CloseSummary {
            cancelled,
            unconfirmed,
        }
    }

    fn join_threads(&self, end: Instant) {
        let handles = std::mem::take(&mut *self.threads.lock());
        while handles.iter().any(|h| !h.is_finished()) && Instant::now() < end {
            std::thread::sleep(Duration::from_millis(1));
        }
        for h in handles {
            if h.is_finished() {
                let _ = h.join();
            } // else: detached; it holds no notification and exits at its next check.
        }
    }

    /// Runs a wait while asking the writers to flush (binary: write markers when idle).
    fn flushing<R>(&self, wait: impl FnOnce() -> R) -> R {
        self.engine.flush_wanted.fetch_add(1, Relaxed);
        self.engine.wake_writers();
        let r = wait();
        self.engine.flush_wanted.fetch_sub(1, Relaxed);
        r
    }

    pub(crate) fn enqueue(
        &self,
        notification: Notification,
        interest: Interest<'_>,
        room: Room,
    ) -> std::result::Result<u64, (Error, Notification)> {
        let e = &self.engine;
        // A notification moved out by `take` has neither token nor channel: BadToken.
        let target = match notification.channel_id() {
            Some(_) => Ok(()),
            None => crate::notification::check_token_len(notification.token().len()),
        };
        let checked = target.and_then(|_| match e.config.protocol {
            Protocol::Binary => binary::check_notification(e, &notification),
            Protocol::Http2 => check_http2(&e.config, &notification),
        });
        if let Err(err) = checked {
            return Err((err, notification));
        }
        e.pushing.fetch_add(1, Relaxed);
        let result = self.enqueue_counted(notification, interest, room);
        e.pushing.fetch_sub(1, Relaxed);
        result
    }

    fn enqueue_counted(
        &self,
        notification: Notification,
        interest: Interest<'_>,
        room: Room,
    ) -> std::result::Result<u64, (Error, Notification)> {
        let e = &self.engine;
        let opened = match interest {
            Interest::None => e.ledger.open(false, false),
            Interest::Outcome => e.ledger.open(true, false),
            Interest::Written => e.ledger.open(false, true),
            Interest::Queue(queue, written) => e.ledger.open_to(queue, written),
        };
        let id = match opened {
            Ok(id) => id,
            Err(err) => return Err((err, notification)),
        };
        let mut job = Job {
            id,
            notification,
            attempts: 1,
            pushed_at: Instant::now(),
        };
        let deadline = match room {
            _ if !e.config.block_when_full => None,
            Room::Now => None,
            Room::Config => Some(None),
            Room::Until(deadline) => Some(Some(deadline)),
        };
        // `None`: one try, no waiting (and no clock read on this path).
        let Some(deadline) = deadline else {
            return match e.send_tx.try_send(job) {
                Ok(()) => Ok(id),
                Err(full) => {
                    e.ledger.withdraw(id);
                    let msg = format!(
                        "send queue is full ({} notifications)",
                        e.config.queue_capacity
                    );
                    log::debug!(target: "apnspush::queue", "push refused: {msg}");
                    Err((
                        Error::new(ErrorKind::QueueFull, msg),
                        full.into_inner().notification,
                    ))
                }
            };
        };
        loop {
            let left = deadline.map(|d| d.saturating_duration_since(Instant::now()));
            let slice = left.map_or(SLICE, |left| left.min(SLICE));
            match e.send_tx.send_timeout(job, slice) {
                Ok(()) => return Ok(id),
                Err(SendTimeoutError::Timeout(j)) | Err(SendTimeoutError::Disconnected(j)) => {
                    if e.stopping() {
                        e.settle_jobs([j], |j| {
                            j.into_outcome(
                                OutcomeKind::Cancelled,
                                0,
                                "pusher closed before it was queued",
                            )
                        });
                        return Ok(id);
                    }
                    if left.is_some_and(|left| left <= slice) {
                        e.ledger.withdraw(id);
                        let msg = format!(
                            "send queue is still full ({} notifications) at the deadline",
                            e.config.queue_capacity
                        );
                        log::debug!(target: "apnspush::queue", "push refused: {msg}");
                        return Err((Error::new(ErrorKind::QueueFull, msg), j.notification));
                    }
                    job = j;
                }
            }
        }
    }
}

impl Drop for Pusher {
    /// Closes with `close_timeout_ms`; never hangs process exit beyond it.
    fn drop(&mut self) {
        self.close(self.engine.config.close_timeout);
    }
}

/// The longest an enqueue waiting for room goes without checking for a close.
const SLICE: Duration = Duration::from_millis(20);

/// Who is told about an enqueued notification.
pub(crate) enum Interest<'a> {
    None,
    /// A thread will wait in `wait_outcome`.
    Outcome,
    /// A thread will wait in `wait_written`.
    Written,
    /// The queue gets its outcome, and with `true` its write.
    Queue(&'a CompletionQueue, bool),
}

/// How long an enqueue may wait for room in a full send queue.
pub(crate) enum Room {
    /// `block_when_full`: until there is room, or fail at once.
    Config,
    /// Never wait: one try.
    Now,
    /// Until this instant (fail at once with `block_when_full = false`).
    Until(Instant),
}

impl Room {
    /// Waiting at most `timeout` (zero: one try).
    pub(crate) fn within(timeout: Duration) -> Room {
        if timeout.is_zero() {
            Room::Now
        } else {
            Room::Until(Instant::now() + timeout)
        }
    }
}

fn deadline(timeout: Option<Duration>) -> Option<Instant> {
    timeout.map(|t| Instant::now() + t)
}

/// HTTP/2 limits checked at the call: the payload limit (5120 bytes for VoIP) and, with
/// token auth, a topic from the notification or the `topic` key.
fn check_http2(config: &Config, n: &Notification) -> Result<()> {
    crate::notification::check_payload_len(n.payload().len(), n.http2_payload_limit())?;
    if config.uses_token_auth() && n.topic().is_none() && config.topic.is_none() {
        return Err(Error::new(
            ErrorKind::InvalidArgument,
            "token auth needs a topic: set the notification's topic or the `topic` key",
        ));
    }
    if n.channel_id().is_some() && n.topic().is_none() && config.topic.is_none() {
        return Err(Error::new(
            ErrorKind::InvalidArgument,
            "a broadcast is sent for a bundle id: set the notification's topic or the `topic` key",
        ));
    }
    Ok(())
}

fn start_http2(engine: &Arc<Engine>) -> Result<Vec<JoinHandle<()>>> {
    use crate::http2::connection::{run_slot, H2Conn, Http2Context};
    let ctx = Arc::new(Http2Context::new(engine)?);
    let conns = connect_all(engine, || H2Conn::connect(engine, &ctx))?;
    spawn_slots(engine, conns, "apns-h2-write", move |engine, slot, conn| {
        run_slot(engine, ctx.clone(), slot, conn)
    })
}

fn start_binary(engine: &Arc<Engine>) -> Result<Vec<JoinHandle<()>>> {
    let tls = crate::tls::client_config(&engine.config, &[])?;
    let window = engine.config.max_in_flight;
    let conns = connect_all(engine, || BinaryConn::connect(engine, &tls, window))?;
    spawn_slots(engine, conns, "apns-write", move |engine, slot, conn| {
        binary::run_slot(engine, slot, tls.clone(), conn)
    })
}

/// One connection per slot, connected now; with `connect_on_start = false`, none (each slot
/// thread connects its own).
fn connect_all<C>(engine: &Engine, connect: impl Fn() -> Result<C>) -> Result<Vec<Option<C>>> {
    let n = engine.config.connections;
    if !engine.config.connect_on_start {
        return Ok((0..n).map(|_| None).collect());
    }
    (0..n).map(|_| connect().map(Some)).collect()
}

/// Starts one slot thread per connected connection, named `{name}-{slot}`, running `run`.
/// If a thread cannot start, the ones already running are stopped.
fn spawn_slots<C: Send + 'static>(
    engine: &Arc<Engine>,
    conns: Vec<Option<C>>,
    name: &str,
    run: impl Fn(Arc<Engine>, usize, Option<C>) + Send + Sync + 'static,
) -> Result<Vec<JoinHandle<()>>> {
    let run = Arc::new(run);
    let mut threads = Vec::new();
    for (slot, conn) in conns.into_iter().enumerate() {
        let (slot_engine, run) = (engine.clone(), run.clone());
        let spawned = std::thread::Builder::new()
            .name(format!("{name}-{slot}"))
            .spawn(move || run(slot_engine, slot, conn));
        match spawned {
            Ok(handle) => threads.push(handle),
            Err(e) => {
                engine.stop.store(true, Relaxed);
                engine.wake_writers();
                let msg = format!("cannot start a connection thread: {e}");
                return Err(Error::new(ErrorKind::Io, msg));
            }
        }
    }
    Ok(threads)
}
