//! The ledger: hands out ids, records each notification's single final outcome, wakes the
//! threads waiting in ensure_push / ensure_delivery / push / poll, and keeps the report queue
//! and the failed list. Outcomes are only ever handed to callers on their own threads.

use crate::config::Reports;
use crate::error::{Error, ErrorKind, Result};
use crate::outcome::{Outcome, OutcomeKind};
use crate::stats::Counters;
use parking_lot::{Condvar, Mutex};
use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use std::sync::Arc;
use std::time::Instant;

pub(crate) struct Ledger {
    state: Mutex<State>,
    changed: Condvar,
    reports_mode: Reports,
    stats: Arc<Counters>,
    /// Number of `push` callers waiting for a write; writers skip bookkeeping when 0.
    written_waiters: AtomicUsize,
}

struct State {
    next_id: u64,
    /// Every id below `base` is settled; `settled[i]` is the state of id `base + i`.
    base: u64,
    settled: VecDeque<bool>,
    /// ensure_push waiters: id -> its outcome once known.
    waiters: HashMap<u64, Option<Outcome>>,
    /// push waiters: id -> written yet.
    written: HashMap<u64, bool>,
    reports: VecDeque<Outcome>,
    failed: Vec<Outcome>,
    closed: bool,
}

impl Ledger {
    pub(crate) fn new(reports_mode: Reports, stats: Arc<Counters>) -> Ledger {
        Ledger {
            state: Mutex::new(State {
                next_id: 1,
                base: 1,
                settled: VecDeque::new(),
                waiters: HashMap::new(),
                written: HashMap::new(),
                reports: VecDeque::new(),
                failed: Vec::new(),
                closed: false,
            }),
            changed: Condvar::new(),
            reports_mode,
            stats,
            written_waiters: AtomicUsize::new(0),
        }
    }

    /// Hands out the next id. `wait_outcome`/`wait_written` register a waiter atomically with it.
    /// Errors with `Closed` once `close` has been called.
    pub(crate) fn open(&self, wait_outcome: bool, wait_written: bool) -> Result<u64> {
        let mut s = self.state.lock();
        if s.closed {
            return Err(Error::new(ErrorKind::Closed, "the pusher is closed"));
        }
        let id = s.next_id;
        // Identifier 0 on the wire is reserved for flush markers.
        s.next_id += if (id + 1) as u32 == 0 { 2 } else { 1 };
        for _ in id..s.next_id {
            s.settled.push_back(false);
        }
        if id + 1 != s.next_id {
            // The skipped id never carries a notification.
            let last = s.settled.len() - 1;
            s.settled[last] = true;
        }
        if wait_outcome {
            s.waiters.insert(id, None);
        }
        if wait_written {
            s.written.insert(id, false);
            self.written_waiters.fetch_add(1, Relaxed);
        }
        Counters::add(&self.stats.pushed, 1);
        Ok(id)
    }

    /// Withdraws an id that never entered a queue (queue full): no outcome is reported for it.
    pub(crate) fn withdraw(&self, id: u64) {
        let mut s = self.state.lock();
        s.waiters.remove(&id);
        if s.written.remove(&id).is_some() {
            self.written_waiters.fetch_sub(1, Relaxed);
        }
        mark(&mut s, id);
        self.stats.pushed.fetch_sub(1, Relaxed);
        self.changed.notify_all();
    }

    /// Stops handing out ids.
    pub(crate) fn close(&self) {
        self.state.lock().closed = true;
    }

    /// The last id handed out so far (0 if none).
    pub(crate) fn last_id(&self) -> u64 {
        self.state.lock().next_id - 1
    }

    /// Records final outcomes. An id already settled is ignored (returns how many were new).
    pub(crate) fn settle(&self, outcomes: Vec<(Instant, Outcome)>) -> usize {
        if outcomes.is_empty() {
            return 0;
        }
        let now = Instant::now();
        let mut fresh = 0;
        let mut s = self.state.lock();
        for (pushed_at, outcome) in outcomes {
            if !mark(&mut s, outcome.id) {
                continue;
            }
            fresh += 1;
            self.count(&outcome);
            self.stats
                .record_latency(now.saturating_duration_since(pushed_at));
            if !s.waiters.is_empty() {
                if let Some(slot) = s.waiters.get_mut(&outcome.id) {
                    *slot = Some(outcome.clone());
                }
            }
            if outcome.kind != OutcomeKind::Accepted {
                s.failed.push(outcome.clone());
            }
            let report = match self.reports_mode {
                Reports::All => true,
                Reports::Failures => outcome.kind != OutcomeKind::Accepted,
                Reports::None => false,
            };
            if report {
                s.reports.push_back(outcome);
            }
        }
        drop(s);
        self.changed.notify_all();
        fresh
    }

    fn count(&self, o: &Outcome) {
        let c = &self.stats;
        let counter = match o.kind {
            OutcomeKind::Accepted => {
                if !o.confirmed {
                    Counters::add(&c.accepted_presumed, 1);
                }
                &c.accepted
            }
            OutcomeKind::Rejected => &c.rejected,
            OutcomeKind::Failed => &c.failed,
            OutcomeKind::Expired => &c.expired,
            OutcomeKind::Cancelled => &c.cancelled,
        };
        Counters::add(counter, 1);
    }

    pub(crate) fn has_written_waiters(&self) -> bool {
        self.written_waiters.load(Relaxed) > 0
    }

    /// Writers call this after a socket write; cheap when nobody waits in `push`.
    pub(crate) fn mark_written(&self, ids: impl Iterator<Item = u64>) {
        if self.written_waiters.load(Relaxed) == 0 {
            return;
        }
        let mut s = self.state.lock();
        for id in ids {
            if let Some(w) = s.written.get_mut(&id) {
                *w = true;
            }
        }
        drop(s);
        self.changed.notify_all();
    }

    /// Blocks until `id` is written or settled. False on deadline.
    pub(crate) fn wait_written(&self, id: u64, deadline: Option<Instant>) -> bool {
        let mut s = self.state.lock();
        let done = loop {
            let written = s.written.get(&id).copied().unwrap_or(true);
            if written || is_settled(&s, id) {
                break true;
            }
            if self.wait(&mut s, deadline) {
                break false;
            }
        };
        if s.written.remove(&id).is_some() {
            self.written_waiters.fetch_sub(1, Relaxed);
        }
        done
    }

    /// Blocks until `id` has its outcome. `None` on deadline (the waiter is dropped; the
    /// outcome is still reported through poll and failed_notifications).
    pub(crate) fn wait_outcome(&self, id: u64, deadline: Option<Instant>) -> Option<Outcome> {
        let mut s = self.state.lock();
        loop {
            if let Some(Some(_)) = s.waiters.get(&id) {
                return s.waiters.remove(&id).flatten();
            }
            if self.wait(&mut s, deadline) {
                s.waiters.remove(&id);
                return None;
            }
        }
    }

    /// Blocks until every id up to `target` is settled. False on deadline.
    pub(crate) fn wait_settled(&self, target: u64, deadline: Option<Instant>) -> bool {
        let mut s = self.state.lock();
        loop {
            if s.base > target {
                return true;
            }
            if self.wait(&mut s, deadline) {
                return false;
            }
        }
    }

    /// Takes up to `max` queued reports, waiting until `deadline` for the first one.
    pub(crate) fn take_reports(&self, max: usize, deadline: Option<Instant>) -> Vec<Outcome> {
        let mut s = self.state.lock();
        while s.reports.is_empty() {
            if self.wait(&mut s, deadline) {
                return Vec::new();
            }
        }
        let n = max.min(s.reports.len());
        s.reports.drain(..n).collect()
    }

    pub(crate) fn take_failed(&self) -> Vec<Outcome> {
        std::mem::take(&mut self.state.lock().failed)
    }

    /// Waits on the condvar; true when the deadline has passed.
    fn wait(&self, s: &mut parking_lot::MutexGuard<'_, State>, deadline: Option<Instant>) -> bool {
        match deadline {
            Some(d) => {
                Instant::now() >= d
                    || self.changed.wait_until(s, d).timed_out() && Instant::now() >= d
            }
            None => {
                self.changed.wait(s);
                false
            }
        }
    }

    /// Wakes every waiter (used on close so waits re-check their state).
    pub(crate) fn wake_all(&self) {
        self.changed.notify_all();
    }
}

fn is_settled(s: &State, id: u64) -> bool {
    id < s.base
        || s.settled
            .get((id - s.base) as usize)
            .copied()
            .unwrap_or(false)
}

/// Marks `id` settled; false if it already was (or was never handed out).
fn mark(s: &mut State, id: u64) -> bool {
    if id < s.base || id >= s.next_id {
        return false;
    }
    let i = (id - s.base) as usize;
    if s.settled[i] {
        return false;
    }
    s.settled[i] = true;
    while s.settled.front() == Some(&true) {
        s.settled.pop_front();
        s.base += 1;
    }
    true
}
