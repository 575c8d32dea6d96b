//! State shared by a pusher's public handle and its connection threads, whatever the protocol:
//! the queues, the ledger, the counters, and the stop/flush signals.

use crate::completion::{Completion, CompletionQueue, Wakes};
use crate::config::Config;
use crate::job::{now_epoch_secs, Job};
use crate::ledger::Ledger;
use crate::logs::TokenPrefix;
use crate::outcome::Outcome;
use crate::rules::{Action, Event};
use crate::stats::Counters;
use crossbeam_channel::{Receiver, Sender};
use parking_lot::Mutex;
use std::fmt;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::Relaxed};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// A live connection as the closer sees it.
pub(crate) trait LiveConn: Send + Sync {
    /// Unblocks the connection's threads; they exit soon after.
    fn shutdown(&self);
    /// Takes every written, unsettled notification out of the connection's history.
    fn take_unsettled(&self) -> Vec<Job>;
    /// Written, unsettled notifications.
    fn in_flight(&self) -> usize;
}

pub(crate) struct Engine {
    pub(crate) config: Config,
    pub(crate) ledger: Ledger,
    pub(crate) stats: Arc<Counters>,
    pub(crate) send_tx: Sender<Job>,
    pub(crate) send_rx: Receiver<Job>,
    pub(crate) retry_tx: Sender<Job>,
    pub(crate) retry_rx: Receiver<Job>,
    /// Wakes an idle writer (one per connection slot) for a flush or a stop.
    pub(crate) wakers: Vec<(Sender<()>, Receiver<()>)>,
    /// Threads currently waiting for everything to settle; writers flush while non-zero.
    pub(crate) flush_wanted: AtomicUsize,
    /// Set by close: writers stop taking work, readers stop reading.
    pub(crate) stop: AtomicBool,
    /// Slots with a live connection.
    pub(crate) connected: AtomicUsize,
    /// The live connection of each slot, for close.
    pub(crate) live: Vec<Mutex<Option<Arc<dyn LiveConn>>>>,
    /// push_async calls between taking an id and handing the job to the queue.
    pub(crate) pushing: AtomicUsize,
    /// Written notifications waiting for a retry (429/5xx, REFUSED_STREAM, a token that
    /// cannot be replaced yet), with when they are due. Writers take due ones first.
    delayed: Mutex<Vec<(Instant, Job)>>,
    /// Queues owed a `Room` once the send queue has room (`Pusher::notify_room`).
    room: Mutex<std::collections::VecDeque<CompletionQueue>>,
    /// `room.len()`, read without the lock on every batch.
    room_waiting: AtomicUsize,
    /// Test-only: injected panics so far (`crate::slot::fault`).
    #[cfg(test)]
    pub(crate) test_panics: std::sync::atomic::AtomicU64,
}

impl Engine {
    pub(crate) fn new(config: Config, ledger: Ledger, stats: Arc<Counters>) -> Engine {
        let (send_tx, send_rx) = crossbeam_channel::bounded(config.queue_capacity);
        let (retry_tx, retry_rx) = crossbeam_channel::unbounded();
        let slots = config.connections;
        Engine {
            wakers: (0..slots).map(|_| crossbeam_channel::bounded(1)).collect(),
            live: (0..slots).map(|_| Mutex::new(None)).collect(),
            config,
            ledger,
            stats,
            send_tx,
            send_rx,
            retry_tx,
            retry_rx,
            flush_wanted: AtomicUsize::new(0),
            stop: AtomicBool::new(false),
            connected: AtomicUsize::new(0),
            pushing: AtomicUsize::new(0),
            delayed: Mutex::new(Vec::new()),
            room: Mutex::new(Default::default()),
            room_waiting: AtomicUsize::new(0),
            #[cfg(test)]
            test_panics: std::sync::atomic::AtomicU64::new(0),
        }
    }

    pub(crate) fn stopping(&self) -> bool {
        self.stop.load(Relaxed)
    }

    /// Whether binary writers should flush now: a thread waits for outcomes, or a completion
    /// queue does.
    pub(crate) fn wants_flush(&self) -> bool {
        self.flush_wanted.load(Relaxed) > 0 || self.ledger.has_queued_interest()
    }

    /// `queue` receives a `Room` once the send queue has room or the pusher is closing (at
    /// once if it has room now); one per registration, in registration order.
    pub(crate) fn notify_room(&self, queue: &CompletionQueue) {
        let mut room = self.room.lock();
        room.push_back(queue.clone());
        self.room_waiting.store(room.len(), Relaxed);
        drop(room);
        // A writer may have taken the last job before the registration was visible.
        if !self.send_tx.is_full() || self.stopping() {
            self.deliver_room();
        }
    }

    /// Sends `Room` to as many waiting queues as the send queue has free places, oldest first
    /// (to all of them once the pusher is stopping); the rest wait for the next batch taken.
    pub(crate) fn deliver_room(&self) {
        let free = match self.send_tx.capacity() {
            _ if self.stopping() => usize::MAX,
            Some(cap) => cap.saturating_sub(self.send_tx.len()),
            None => usize::MAX,
        };
        let waiting: Vec<CompletionQueue> = {
            let mut room = self.room.lock();
            let n = free.min(room.len());
            let woken = room.drain(..n).collect();
            self.room_waiting.store(room.len(), Relaxed);
            woken
        };
        let mut wakes = Wakes::default();
        for q in &waiting {
            wakes.append(q, Completion::Room);
        }
        wakes.run();
    }

    /// The log target of this pusher's connections: `apnspush::http2` or `apnspush::binary`.
    pub(crate) fn log_target(&self) -> &'static str {
        match self.config.protocol {
            crate::config::Protocol::Http2 => "apnspush::http2",
            crate::config::Protocol::Binary => "apnspush::binary",
        }
    }

    pub(crate) fn wake_writers(&self) {
        for (tx, _) in &self.wakers {
            let _ = tx.try_send(());
        }
    }

    /// Moves up to `max` jobs into `out`, retry queue first. Expired jobs are settled here and
    /// not returned. When both queues are empty, waits up to `idle` for work or a wake-up.
    pub(crate) fn take_batch(&self, slot: usize, out: &mut Vec<Job>, max: usize, idle: Duration) {
        self.fill(out, max);
        if out.is_empty() && !self.stopping() {
            let wake = &self.wakers[slot].1;
            crossbeam_channel::select! {
                recv(self.retry_rx) -> job => out.extend(job.ok()),
                recv(self.send_rx) -> job => out.extend(job.ok()),
                recv(wake) -> _ => {},
                default(idle) => {},
            }
            self.fill(out, max);
        }
        if self.room_waiting.load(Relaxed) > 0 && !self.send_tx.is_full() {
            self.deliver_room();
        }
        let now = now_epoch_secs();
        if out.iter().any(|j| j.is_expired(now)) {
            let (expired, keep): (Vec<Job>, Vec<Job>) =
                out.drain(..).partition(|j| j.is_expired(now));
            *out = keep;
            self.settle_jobs(expired, Job::expired);
        }
    }

    fn fill(&self, out: &mut Vec<Job>, max: usize) {
        self.take_due(out, max);
        while out.len() < max {
            match self.retry_rx.try_recv() {
                Ok(job) => out.push(job),
                Err(_) => break,
            }
        }
        while out.len() < max {
            match self.send_rx.try_recv() {
                Ok(job) => out.push(job),
                Err(_) => break,
            }
        }
    }

    /// Settles jobs, each turned into its outcome by `f`.
    pub(crate) fn settle_jobs(
        &self,
        jobs: impl IntoIterator<Item = Job>,
        f: impl Fn(Job) -> Outcome,
    ) {
        let outcomes: Vec<(Instant, Outcome)> =
            jobs.into_iter().map(|j| (j.pushed_at, f(j))).collect();
        self.ledger.settle(outcomes);
    }

    /// Puts jobs back on the retry queue, in order. `possible_duplicates` says whether the
    /// server may already have processed them (they are counted).
    pub(crate) fn replay(&self, jobs: Vec<Job>, possible_duplicates: bool) {
        let n = jobs.len() as u64;
        if n == 0 {
            return;
        }
        Counters::add(&self.stats.replayed, n);
        if possible_duplicates {
            Counters::add(&self.stats.duplicates_possible, n);
        }
        for job in jobs {
            // The retry queue is unbounded and its receiver lives in the engine: cannot fail.
            let _ = self.retry_tx.send(job);
        }
        self.wake_writers();
    }

    /// Moves delayed jobs that are due into `out` (earliest first), up to `max` in all.
    fn take_due(&self, out: &mut Vec<Job>, max: usize) {
        let mut delayed = self.delayed.lock();
        if delayed.is_empty() || out.len() >= max {
            return;
        }
        let now = Instant::now();
        if delayed.iter().all(|(due, _)| *due > now) {
            return;
        }
        delayed.sort_by_key(|(due, _)| *due);
        let n = delayed
            .partition_point(|(due, _)| *due <= now)
            .min(max - out.len());
        out.extend(delayed.drain(..n).map(|(_, j)| j));
    }

    /// Jobs still queued (never written), taken out of both queues.
    pub(crate) fn drain_queues(&self) -> Vec<Job> {
        let mut out = Vec::new();
        out.extend(self.retry_rx.try_iter());
        out.extend(self.send_rx.try_iter());
        out
    }

    /// Written notifications waiting for a delayed retry.
    pub(crate) fn delayed_len(&self) -> usize {
        self.delayed.lock().len()
    }

    /// Jobs waiting for a delayed retry (written before, not yet sent again).
    pub(crate) fn drain_delayed(&self) -> Vec<Job> {
        self.delayed.lock().drain(..).map(|(_, j)| j).collect()
    }

    /// Applies the actions decided for a set of notifications (see `rules`).
    pub(crate) fn act(&self, settle: Settle) {
        let Settle {
            outcomes,
            replay,
            duplicates,
            retries,
            later,
        } = settle;
        self.ledger.settle(outcomes);
        Counters::add(&self.stats.retries, retries);
        if !later.is_empty() {
            Counters::add(&self.stats.replayed, later.len() as u64);
            self.delayed.lock().extend(later);
        }
        if !replay.is_empty() {
            Counters::add(&self.stats.duplicates_possible, duplicates);
            self.replay(replay, false);
        }
    }

    /// Calls `connect` until it succeeds or the pusher stops, waiting between attempts with
    /// exponential backoff (`reconnect_backoff_ms` doubling up to `reconnect_backoff_max_ms`)
    /// and jitter; only a stop cuts a wait short. While no slot is connected and
    /// `max_attempts` attempts in a row failed, queued notifications fail with the last error.
    pub(crate) fn reconnect<C>(&self, mut connect: impl FnMut() -> crate::Result<C>) -> Option<C> {
        let cfg = &self.config;
        let mut delay = cfg.backoff;
        let mut failures = 0u32;
        loop {
            if self.stopping() {
                return None;
            }
            match connect() {
                Ok(conn) => return Some(conn),
                Err(e) => {
                    failures += 1;
                    self.stats.set_last_error(e.to_string());
                    self.give_up_queued(failures, &e);
                }
            }
            let wait = jitter(delay);
            log::info!(
                target: self.log_target(),
                "reconnecting in {} ms ({failures} failed attempts in a row)",
                wait.as_millis()
            );
            self.pause(wait);
            delay = (delay * 2).min(cfg.backoff_max);
        }
    }

    /// After `failures` failed connects (or refused sessions) in a row, the last with `e`:
    /// from `max_attempts` on, while no slot is connected, queued notifications fail with `e`.
    pub(crate) fn give_up_queued(&self, failures: u32, e: &crate::Error) {
        if failures >= self.config.max_attempts && self.connected.load(Relaxed) == 0 {
            let mut jobs = self.drain_delayed();
            jobs.extend(self.drain_queues());
            if !jobs.is_empty() {
                log::warn!(
                    target: "apnspush::engine",
                    "no connection after {failures} failed attempts: {} queued notifications \
                     failed ({e})",
                    jobs.len()
                );
            }
            self.settle_jobs(jobs, |j| {
                j.failed(e.kind(), format!("no connection: {}", e.message()))
            });
        }
    }

    /// Sleeps for `d`, or less if the pusher stops. Wake-ups for flushes do not cut it short:
    /// a backoff is a backoff.
    pub(crate) fn pause(&self, d: Duration) {
        let end = Instant::now() + d;
        while !self.stopping() {
            let left = end.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return;
            }
            std::thread::sleep(left.min(Duration::from_millis(10)));
        }
    }
}

/// `d` scaled by a factor in [0.5, 1.5).
pub(crate) fn jitter(d: Duration) -> Duration {
    use std::sync::atomic::AtomicU64;
    static SEQ: AtomicU64 = AtomicU64::new(0);
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|t| t.subsec_nanos() as u64)
        .unwrap_or(0)
        ^ SEQ.fetch_add(0x9E37_79B9, Relaxed);
    let r = (seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 40) as f64 / (1u64 << 24) as f64;
    d.mul_f64(0.5 + r)
}

/// Notifications with their decided actions, gathered outside any lock and applied at once by
/// [`Engine::act`]: outcomes to settle, replays in order, delayed retries.
#[derive(Default)]
pub(crate) struct Settle {
    outcomes: Vec<(Instant, Outcome)>,
    replay: Vec<Job>,
    duplicates: u64,
    retries: u64,
    later: Vec<(Instant, Job)>,
}

impl Settle {
    /// What has been recorded so far, for a log line summing up one event.
    pub(crate) fn tally(&self) -> Tally {
        Tally {
            settled: self.outcomes.len(),
            replayed: self.replay.len(),
            duplicates: self.duplicates,
            later: self.later.len(),
        }
    }

    /// As [`Settle::add`], logging at debug what `event` did to the notification (targets
    /// `apnspush::retry` for a retry, `apnspush::outcome` for a rejection or failure; trace
    /// for an acceptance).
    pub(crate) fn decided(
        &mut self,
        event: Event<'_>,
        job: Job,
        action: Action,
        fill: impl FnOnce(&mut Outcome),
    ) {
        log_decision(&event, &job, &action);
        self.add(job, action, fill);
    }

    /// Records `action` for `job`; `fill` adds protocol details to a final outcome (status,
    /// apns-id, timestamp). `RefreshToken` must be resolved by the caller (it knows the
    /// token); here it is a replay that counts an attempt.
    pub(crate) fn add(&mut self, mut job: Job, action: Action, fill: impl FnOnce(&mut Outcome)) {
        let at = job.pushed_at;
        let outcome = match action {
            Action::Accept { confirmed } => job.accepted(confirmed),
            Action::Reject { status, reason } => {
                job.into_outcome(crate::outcome::OutcomeKind::Rejected, status, reason)
            }
            Action::Fail {
                kind,
                status,
                reason,
            } => {
                let mut o = job.failed(kind, reason);
                o.status = status;
                o
            }
            Action::Replay { attempt, duplicate } => {
                if attempt {
                    job.attempts += 1;
                    self.retries += 1;
                }
                self.duplicates += u64::from(duplicate);
                self.replay.push(job);
                return;
            }
            Action::RefreshToken => {
                job.attempts += 1;
                self.retries += 1;
                self.replay.push(job);
                return;
            }
            Action::RetryLater { delay } => {
                job.attempts += 1;
                self.retries += 1;
                self.later.push((Instant::now() + jitter(delay), job));
                return;
            }
        };
        let mut outcome = outcome;
        fill(&mut outcome);
        self.outcomes.push((at, outcome));
    }

    /// Decides and records what `event` means for each job, with no protocol details.
    pub(crate) fn add_all(
        &mut self,
        jobs: impl IntoIterator<Item = Job>,
        event: crate::rules::Event<'_>,
        cfg: &Config,
    ) {
        for job in jobs {
            let action = crate::rules::decide(event, job.attempts, cfg);
            self.decided(event, job, action, |_| {});
        }
    }
}

/// Counts of a [`Settle`], displayed as "R replayed (D possible duplicates), L retried later,
/// S settled".
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Tally {
    pub(crate) settled: usize,
    pub(crate) replayed: usize,
    pub(crate) duplicates: u64,
    pub(crate) later: usize,
}

impl fmt::Display for Tally {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} replayed ({} possible duplicates), {} retried later, {} settled",
            self.replayed, self.duplicates, self.later, self.settled
        )
    }
}

/// One notification's fate, per notification: debug (trace for an acceptance), so the hot
/// path pays one level check when disabled.
fn log_decision(event: &Event<'_>, job: &Job, action: &Action) {
    use log::Level;
    let (level, target) = match action {
        Action::Accept { .. } => (Level::Trace, "apnspush::outcome"),
        Action::Reject { .. } | Action::Fail { .. } => (Level::Debug, "apnspush::outcome"),
        _ => (Level::Debug, "apnspush::retry"),
    };
    if !log::log_enabled!(target: target, level) {
        return;
    }
    let (id, token) = (job.id, TokenPrefix(&job.notification.token));
    match action {
        Action::Accept { confirmed: true } => {
            log::log!(target: target, level, "notification {id} (token {token}) accepted: {event}")
        }
        Action::Accept { confirmed: false } => log::log!(
            target: target,
            level,
            "notification {id} (token {token}) presumed accepted: {event}"
        ),
        Action::Reject { status, reason } => log::log!(
            target: target,
            level,
            "notification {id} (token {token}) rejected: {status} {reason}"
        ),
        Action::Fail { kind, reason, .. } => log::log!(
            target: target,
            level,
            "notification {id} (token {token}) failed: {}: {reason}",
            kind.name()
        ),
        Action::Replay {
            duplicate: false, ..
        } => log::log!(
            target: target,
            level,
            "notification {id} (token {token}) replayed: {event}"
        ),
        Action::Replay {
            duplicate: true, ..
        } => log::log!(
            target: target,
            level,
            "notification {id} (token {token}) replayed, possible duplicate: {event}"
        ),
        Action::RefreshToken => log::log!(
            target: target,
            level,
            "notification {id} (token {token}) resent with a fresh provider token: {event}"
        ),
        Action::RetryLater { delay } => log::log!(
            target: target,
            level,
            "notification {id} (token {token}) retried in {} ms: {event}",
            delay.as_millis()
        ),
    }
}
