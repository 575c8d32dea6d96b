//! The ledger: hands out ids, records each notification's single final outcome, wakes the
//! threads waiting in ensure_push / ensure_delivery / push / poll, and keeps the report queue
//! and the failed list. Outcomes are only ever handed to callers on their own threads.
//!
//! Memory: per-id state lives only while an id is open (handed out, not settled) or while a
//! caller waits for it (open ids: one bit per id from the oldest open one on, see `OpenIds`);
//! the report queue and the failed list each hold at most `max_reports` outcomes, dropping
//! (and counting) their oldest past it, so settling never blocks.

use crate::completion::{Completion, CompletionQueue, Wakes};
use crate::config::Reports;
use crate::error::{Error, ErrorKind, Result};
use crate::outcome::{Outcome, OutcomeKind};
use crate::stats::Counters;
use open_ids::OpenIds;
use parking_lot::{Condvar, Mutex};
use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering::Relaxed};
use std::sync::Arc;
use std::time::Instant;

mod open_ids;

pub(crate) struct Ledger {
    state: Mutex<State>,
    changed: Condvar,
    reports_mode: Reports,
    /// Bound of `reports` and of `failed`, each.
    max_reports: usize,
    stats: Arc<Counters>,
    /// Number of `push` callers waiting for a write; writers skip bookkeeping when 0.
    written_waiters: AtomicUsize,
    /// Ids whose outcome a completion queue waits for, plus `Delivered` watches: while
    /// non-zero, binary writers flush (as while a thread waits in `ensure_push`).
    queued_interest: AtomicUsize,
}

struct State {
    next_id: u64,
    /// Every id below `base` is settled; `base` itself is open unless `base == next_id`.
    base: u64,
    /// Ids handed out and not settled yet (withdrawn ids leave too).
    open: OpenIds,
    /// ensure_push waiters: id -> its outcome once known.
    waiters: HashMap<u64, Option<Outcome>>,
    /// push waiters: id -> written yet.
    written: HashMap<u64, bool>,
    /// Ids submitted with a completion queue: the queue, and whether it wants `Written`.
    sinks: HashMap<u64, (CompletionQueue, bool)>,
    /// Queues that receive every outcome.
    watchers: Vec<CompletionQueue>,
    /// `Delivered(id)` owed to a queue once every id up to `id` is settled.
    delivered: Vec<(u64, CompletionQueue)>,
    reports: VecDeque<Outcome>,
    failed: VecDeque<Outcome>,
    closed: bool,
}

impl Ledger {
    pub(crate) fn new(reports_mode: Reports, max_reports: usize, stats: Arc<Counters>) -> Ledger {
        Ledger {
            state: Mutex::new(State {
                next_id: 1,
                base: 1,
                open: OpenIds::default(),
                waiters: HashMap::new(),
                written: HashMap::new(),
                sinks: HashMap::new(),
                watchers: Vec::new(),
                delivered: Vec::new(),
                reports: VecDeque::new(),
                failed: VecDeque::new(),
                closed: false,
            }),
            changed: Condvar::new(),
            reports_mode,
            max_reports: max_reports.max(1),
            stats,
            written_waiters: AtomicUsize::new(0),
            queued_interest: AtomicUsize::new(0),
        }
    }

    /// Hands out the next id. `wait_outcome`/`wait_written` register a waiter atomically with it.
    /// Errors with `Closed` once `close` has been called.
    pub(crate) fn open(&self, wait_outcome: bool, wait_written: bool) -> Result<u64> {
        self.open_with(wait_outcome, wait_written, None)
    }

    /// `open` whose outcome (and with `written`, its write) is delivered to `queue`.
    pub(crate) fn open_to(&self, queue: &CompletionQueue, written: bool) -> Result<u64> {
        self.open_with(false, false, Some((queue, written)))
    }

    fn open_with(
        &self,
        wait_outcome: bool,
        wait_written: bool,
        queue: Option<(&CompletionQueue, bool)>,
    ) -> Result<u64> {
        let mut s = self.state.lock();
        if s.closed {
            return Err(Error::new(ErrorKind::Closed, "the pusher is closed"));
        }
        let id = s.next_id;
        // Identifier 0 on the wire is reserved for flush markers.
        // The skipped id is never open, so it counts as settled.
        s.next_id += if (id + 1) as u32 == 0 { 2 } else { 1 };
        s.open.insert(id);
        if wait_outcome {
            s.waiters.insert(id, None);
        }
        if wait_written {
            s.written.insert(id, false);
            self.written_waiters.fetch_add(1, Relaxed);
        }
        if let Some((queue, written)) = queue {
            s.sinks.insert(id, (queue.clone(), written));
            self.queued_interest.fetch_add(1, Relaxed);
            if written {
                self.written_waiters.fetch_add(1, Relaxed);
            }
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
        self.drop_sink(&mut s, id);
        mark(&mut s, id);
        let mut wakes = Wakes::default();
        self.deliver_settled(&mut s, &mut wakes);
        self.stats.pushed.fetch_sub(1, Relaxed);
        drop(s);
        wakes.run();
        self.changed.notify_all();
    }

    /// Removes `id`'s completion queue registration, returning the queue.
    fn drop_sink(&self, s: &mut State, id: u64) -> Option<CompletionQueue> {
        let (queue, written) = s.sinks.remove(&id)?;
        self.queued_interest.fetch_sub(1, Relaxed);
        if written {
            self.written_waiters.fetch_sub(1, Relaxed);
        }
        Some(queue)
    }

    /// Sends `Delivered` to every watch whose id is now below `base`.
    fn deliver_settled(&self, s: &mut State, wakes: &mut Wakes) {
        if s.delivered.is_empty() {
            return;
        }
        let base = s.base;
        s.delivered.retain(|(through, queue)| {
            let done = *through < base;
            if done {
                wakes.append(queue, Completion::Delivered(*through));
                self.queued_interest.fetch_sub(1, Relaxed);
            }
            !done
        });
    }

    /// `queue` receives every outcome settled from now on (once per queue).
    pub(crate) fn watch(&self, queue: &CompletionQueue) {
        let mut s = self.state.lock();
        if !s.watchers.iter().any(|q| q.same(queue)) {
            s.watchers.push(queue.clone());
        }
    }

    /// Stops `watch` and drops the `Delivered` watches still owed to `queue`.
    pub(crate) fn unwatch(&self, queue: &CompletionQueue) {
        let mut s = self.state.lock();
        s.watchers.retain(|q| !q.same(queue));
        let before = s.delivered.len();
        s.delivered.retain(|(_, q)| !q.same(queue));
        let dropped = before - s.delivered.len();
        self.queued_interest.fetch_sub(dropped, Relaxed);
    }

    /// `queue` receives `Delivered(through)` once every id up to `through` is settled (at once
    /// if they already are).
    pub(crate) fn notify_delivered(&self, queue: &CompletionQueue, through: u64) {
        let mut s = self.state.lock();
        let mut wakes = Wakes::default();
        if s.base > through {
            wakes.append(queue, Completion::Delivered(through));
        } else {
            s.delivered.push((through, queue.clone()));
            self.queued_interest.fetch_add(1, Relaxed);
        }
        drop(s);
        wakes.run();
    }

    /// Whether every id up to `id` is settled.
    pub(crate) fn settled_through(&self, id: u64) -> bool {
        self.state.lock().base > id
    }

    /// Whether a completion queue waits for an outcome or a `Delivered`.
    pub(crate) fn has_queued_interest(&self) -> bool {
        self.queued_interest.load(Relaxed) > 0
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
        let mut wakes = Wakes::default();
        let mut latency = self.stats.latency_recorder();
        for (pushed_at, outcome) in outcomes {
            if !mark(&mut s, outcome.id) {
                continue;
            }
            fresh += 1;
            self.count(&outcome);
            latency.record(now.saturating_duration_since(pushed_at));
            let id = outcome.id;
            let sink = match s.sinks.is_empty() {
                true => None,
                false => self.drop_sink(&mut s, id),
            };
            let waiter = !s.waiters.is_empty() && s.waiters.contains_key(&id);
            let failed = outcome.kind != OutcomeKind::Accepted;
            let report = match self.reports_mode {
                Reports::All => true,
                Reports::Failures => failed,
                Reports::None => false,
            };
            // Every recipient but the last gets a copy; the last takes the outcome itself.
            let mut copies = s.watchers.len()
                + [sink.is_some(), waiter, failed, report]
                    .iter()
                    .filter(|&&b| b)
                    .count();
            let mut held = Some(outcome);
            let mut give = || {
                copies -= 1;
                match copies {
                    0 => held.take(),
                    _ => held.clone(),
                }
                .expect("one copy per recipient")
            };
            for q in &s.watchers {
                let dropped = &self.stats.reports_dropped;
                wakes.append_bounded(q, Completion::Settled(give()), self.max_reports, dropped);
            }
            if let Some(q) = sink {
                wakes.append(&q, Completion::Settled(give()));
            }
            if waiter {
                s.waiters.insert(id, Some(give()));
            }
            if failed {
                let dropped = &self.stats.failed_dropped;
                push_bounded(&mut s.failed, give(), self.max_reports, dropped);
            }
            if report {
                let dropped = &self.stats.reports_dropped;
                push_bounded(&mut s.reports, give(), self.max_reports, dropped);
            }
        }
        drop(latency);
        self.deliver_settled(&mut s, &mut wakes);
        drop(s);
        wakes.run();
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
        let mut wakes = Wakes::default();
        for id in ids {
            if let Some(w) = s.written.get_mut(&id) {
                *w = true;
            }
            if let Some((queue, written)) = s.sinks.get_mut(&id) {
                if *written {
                    *written = false;
                    self.written_waiters.fetch_sub(1, Relaxed);
                    wakes.append(queue, Completion::Written(id));
                }
            }
        }
        drop(s);
        wakes.run();
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
        std::mem::take(&mut self.state.lock().failed).into()
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

/// Appends to a buffer of at most `max` outcomes, dropping its oldest (counted in `dropped`).
fn push_bounded(buffer: &mut VecDeque<Outcome>, outcome: Outcome, max: usize, dropped: &AtomicU64) {
    if buffer.len() >= max {
        buffer.pop_front();
        Counters::add(dropped, 1);
    }
    buffer.push_back(outcome);
}

fn is_settled(s: &State, id: u64) -> bool {
    id < s.next_id && !s.open.contains(id)
}

/// Marks `id` settled; false if it already was (or was never handed out). Amortised O(1).
fn mark(s: &mut State, id: u64) -> bool {
    if !s.open.remove(id) {
        return false;
    }
    s.base = s.open.oldest().unwrap_or(s.next_id);
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ledger(mode: Reports, max_reports: usize) -> Ledger {
        Ledger::new(mode, max_reports, Arc::new(Counters::default()))
    }

    fn outcome(id: u64, kind: OutcomeKind) -> (Instant, Outcome) {
        let o = Outcome {
            id,
            kind,
            status: if kind == OutcomeKind::Accepted { 0 } else { 8 },
            reason: String::new(),
            error: None,
            timestamp: None,
            token: vec![0; 32],
            channel_id: None,
            apns_id: None,
            confirmed: true,
            attempts: 1,
            user_data: id,
        };
        (Instant::now(), o)
    }

    /// Per-id state held by the ledger: open ids and registered waiters.
    fn per_id_entries(l: &Ledger) -> usize {
        let s = l.state.lock();
        s.open.len() + s.waiters.len() + s.written.len() + s.sinks.len() + s.delivered.len()
    }

    #[test]
    fn a_watching_queue_keeps_the_newest_max_reports() {
        let l = ledger(Reports::None, 10);
        let q = CompletionQueue::new();
        l.watch(&q);
        let batch = (0..25).map(|_| outcome(l.open(false, false).unwrap(), OutcomeKind::Accepted));
        l.settle(batch.collect());
        let ids: Vec<u64> = q
            .take(usize::MAX)
            .into_iter()
            .map(|c| match c {
                Completion::Settled(o) => o.id,
                other => panic!("unexpected {other:?}"),
            })
            .collect();
        assert_eq!(ids, (16..=25).collect::<Vec<_>>());
        assert_eq!(l.stats.reports_dropped.load(Relaxed), 15);
    }

    #[test]
    fn completion_queues_get_writes_outcomes_and_deliveries_once() {
        let l = ledger(Reports::None, 10);
        let q = CompletionQueue::new();
        let all = CompletionQueue::new();
        l.watch(&all);
        l.watch(&all);
        let a = l.open_to(&q, true).unwrap();
        let b = l.open_to(&q, false).unwrap();
        let c = l.open(false, false).unwrap();
        assert!(l.has_queued_interest() && l.has_written_waiters());
        l.notify_delivered(&q, b);
        l.mark_written([a, b, a].into_iter());
        assert!(!l.has_written_waiters());
        assert_eq!(q.take(10), [Completion::Written(a)]);
        l.settle(vec![outcome(b, OutcomeKind::Rejected)]);
        // b is settled, a is not: no delivery yet.
        let got = q.take(10);
        assert!(matches!(&got[..], [Completion::Settled(o)] if o.id == b));
        l.settle(vec![
            outcome(a, OutcomeKind::Accepted),
            outcome(c, OutcomeKind::Accepted),
        ]);
        l.settle(vec![outcome(a, OutcomeKind::Rejected)]); // a second outcome is ignored
        let got = q.take(10);
        assert!(
            matches!(&got[..], [Completion::Settled(o), Completion::Delivered(d)]
            if o.id == a && o.kind == OutcomeKind::Accepted && *d == b)
        );
        // The watcher saw every outcome exactly once, in settle order.
        let ids: Vec<u64> = all
            .take(10)
            .into_iter()
            .map(|c| match c {
                Completion::Settled(o) => o.id,
                other => panic!("unexpected {other:?}"),
            })
            .collect();
        assert_eq!(ids, [b, a, c]);
        // Already settled: delivered at once. Nothing per id is left behind.
        l.notify_delivered(&q, c);
        assert_eq!(q.take(10), [Completion::Delivered(c)]);
        assert!(!l.has_queued_interest());
        assert_eq!(per_id_entries(&l), 0);
        l.unwatch(&all);
        // A delivery watch given up is forgotten.
        let e = l.open(false, false).unwrap();
        l.notify_delivered(&q, e);
        assert!(l.has_queued_interest());
        l.unwatch(&q);
        assert!(!l.has_queued_interest() && per_id_entries(&l) == 1);
        l.settle(vec![outcome(e, OutcomeKind::Accepted)]);
        assert!(q.is_empty());
        let d = l.open_to(&q, false).unwrap();
        l.withdraw(d);
        assert!(all.is_empty() && q.is_empty() && !l.has_queued_interest());
    }

    #[test]
    fn settled_ids_are_forgotten_even_behind_an_open_one() {
        let l = ledger(Reports::None, 10);
        let stuck = l.open(false, false).unwrap();
        let ids: Vec<u64> = (0..10_000).map(|_| l.open(false, false).unwrap()).collect();
        assert_eq!(per_id_entries(&l), 10_001);
        let settled = ids.iter().map(|&id| outcome(id, OutcomeKind::Accepted));
        assert_eq!(l.settle(settled.collect()), 10_000);
        // Only the one open id is remembered; everything settled after it is gone.
        assert_eq!(per_id_entries(&l), 1);
        assert!(!l.wait_settled(stuck, Some(Instant::now())));
        assert!(is_settled(&l.state.lock(), ids[5_000]));
        assert_eq!(l.settle(vec![outcome(stuck, OutcomeKind::Accepted)]), 1);
        assert_eq!(per_id_entries(&l), 0);
        assert!(l.wait_settled(l.last_id(), Some(Instant::now())));
        // A settled id stays settled: a second outcome is ignored and leaves no state.
        assert_eq!(l.settle(vec![outcome(ids[0], OutcomeKind::Rejected)]), 0);
        assert_eq!(per_id_entries(&l), 0);
    }

    #[test]
    fn waiters_that_time_out_or_withdraw_leave_nothing_behind() {
        let l = ledger(Reports::All, 10);
        let past = Some(Instant::now());
        let a = l.open(true, false).unwrap();
        let b = l.open(false, true).unwrap();
        let c = l.open(true, true).unwrap();
        assert_eq!(l.wait_outcome(a, past), None);
        assert!(!l.wait_written(b, past));
        l.withdraw(c);
        // a and b are still open (they will get outcomes); no waiter entry survives.
        assert_eq!(per_id_entries(&l), 2);
        assert!(!l.has_written_waiters());
        l.settle(vec![
            outcome(a, OutcomeKind::Accepted),
            outcome(b, OutcomeKind::Accepted),
        ]);
        assert_eq!(per_id_entries(&l), 0);
        // The timed-out caller's outcome is still reported; the withdrawn id never is.
        let ids: Vec<u64> = l.take_reports(10, past).iter().map(|o| o.id).collect();
        assert_eq!(ids, [a, b]);
        // A waiter that collects its outcome removes its entry.
        let d = l.open(true, false).unwrap();
        l.settle(vec![outcome(d, OutcomeKind::Rejected)]);
        assert_eq!(l.wait_outcome(d, past).map(|o| o.id), Some(d));
        assert_eq!(per_id_entries(&l), 0);
    }

    #[test]
    fn report_queue_and_failed_list_keep_the_newest_max_reports() {
        let l = ledger(Reports::All, 100);
        for round in 0..50u64 {
            let batch: Vec<_> = (0..10)
                .map(|i| {
                    let id = l.open(false, false).unwrap();
                    let kind = if (round * 10 + i) % 2 == 0 {
                        OutcomeKind::Rejected
                    } else {
                        OutcomeKind::Accepted
                    };
                    outcome(id, kind)
                })
                .collect();
            l.settle(batch);
            let s = l.state.lock();
            assert!(s.reports.len() <= 100 && s.failed.len() <= 100);
        }
        // 500 reports for a queue of 100; 250 failures for a list of 100.
        assert_eq!(l.stats.reports_dropped.load(Relaxed), 400);
        assert_eq!(l.stats.failed_dropped.load(Relaxed), 150);
        let reports = l.take_reports(usize::MAX, Some(Instant::now()));
        assert_eq!(
            reports.iter().map(|o| o.id).collect::<Vec<_>>(),
            (401..=500).collect::<Vec<_>>()
        );
        let failed = l.take_failed();
        assert_eq!(
            failed.iter().map(|o| o.id).collect::<Vec<_>>(),
            (301..=500).step_by(2).collect::<Vec<_>>()
        );
        // Drained buffers fill again up to the bound; nothing more is counted until then.
        let id = l.open(false, false).unwrap();
        l.settle(vec![outcome(id, OutcomeKind::Failed)]);
        assert_eq!(l.stats.reports_dropped.load(Relaxed), 400);
        assert_eq!(l.take_failed().len(), 1);
    }
}
