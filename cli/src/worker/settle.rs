//! The writing side: final outcomes from the pusher's completion queue and dead letters from
//! the reader, written with their acknowledgements in batches (one script call each). While
//! Redis is unavailable they are held in memory (at most `max_in_flight`) and retried with
//! backoff; an entry is acknowledged only together with its outcome.

use super::state::{kind_index, Shared};
use super::stream::{self, Link, Names, Write, LOG};
use apnspush::{Completion, CompletionQueue, ErrorKind, Outcome, OutcomeKind};
use crossbeam_channel::Receiver;
use std::collections::VecDeque;
use std::sync::atomic::Ordering::Relaxed;
use std::time::{Duration, Instant};

/// Entries per script call.
const BATCH: usize = 500;
/// Longest the first outcome of a batch waits for others to join it.
const LINGER: Duration = Duration::from_millis(2);
/// Longest a wait for outcomes goes without checking for a stop.
const TICK: Duration = Duration::from_millis(20);

pub struct Settler<'a> {
    pub names: &'a Names,
    pub client: &'a redis::Client,
    pub queue: &'a CompletionQueue,
    pub shared: &'a Shared,
    pub dead: Receiver<Write>,
}

impl Settler<'_> {
    /// Writes until the reader is done, `closed` says the pusher has closed, and everything
    /// held is written; or, once closed, until `give_up` passes with writes still failing.
    /// Returns how many outcomes could not be written (their entries stay pending).
    pub fn run(self, closed: &dyn Fn() -> bool, give_up: &dyn Fn() -> Option<Instant>) -> usize {
        let mut link = Link::new(self.client, self.shared, "writing outcomes");
        let script = stream::settle_script();
        let mut held: VecDeque<Write> = VecDeque::new();
        loop {
            let wait = if held.is_empty() {
                TICK
            } else {
                Duration::from_millis(1)
            };
            let mut items = self.queue.wait(BATCH, wait);
            // Outcomes come in a stream: wait a little for a fuller batch (fewer round trips).
            let linger = Instant::now() + LINGER;
            while !items.is_empty() && items.len() < BATCH {
                let left = linger.saturating_duration_since(Instant::now());
                if left.is_zero() {
                    break;
                }
                items.extend(self.queue.wait(BATCH - items.len(), left));
            }
            for item in items {
                if let Completion::Settled(outcome) = item {
                    if let Some(write) = self.outcome(&outcome) {
                        held.push_back(write);
                    }
                }
            }
            held.extend(self.dead.try_iter());
            self.shared.counters.held.store(held.len() as u64, Relaxed);
            while !held.is_empty() {
                let Some(con) = link.get() else {
                    std::thread::sleep(
                        TICK.min(link.retry_at().saturating_duration_since(Instant::now())),
                    );
                    break;
                };
                let n = held.len().min(BATCH);
                let batch = &held.make_contiguous()[..n];
                match stream::settle(con, &script, self.names, batch) {
                    Ok(flags) => {
                        link.ok();
                        self.settled(held.drain(..n), &flags);
                    }
                    Err(e) => {
                        link.fail(&e);
                        break;
                    }
                }
            }
            self.shared.counters.held.store(held.len() as u64, Relaxed);
            let done = self.shared.reader_done.load(Relaxed) && closed() && self.queue.is_empty();
            if done && held.is_empty() && self.dead.is_empty() {
                return 0;
            }
            if done && give_up().is_some_and(|t| Instant::now() >= t) {
                let n = held.len();
                log::error!(target: LOG, "stopping with {n} outcomes not written (redis \
                    unavailable): their entries stay pending and another worker will push them \
                    again as possible duplicates");
                return n;
            }
        }
    }

    /// The outcome entry for a final outcome; `None` when the outcome is not final for the
    /// queue (the pusher closed before a verdict): the entry then stays pending.
    fn outcome(&self, o: &Outcome) -> Option<Write> {
        let mut in_flight = self.shared.in_flight();
        if o.kind == OutcomeKind::Cancelled || o.error == Some(ErrorKind::Closed) {
            if let Some(entry) = in_flight.remove_key(o.user_data) {
                log::debug!(target: LOG, "entry {} left pending: {}", entry.id, o.reason);
            }
            Shared::count(&self.shared.counters.left_pending, 1);
            return None;
        }
        let Some(entry) = in_flight.get(o.user_data) else {
            log::warn!(target: LOG, "an outcome for no entry held (notification {})", o.id);
            return None;
        };
        let p = &entry.pending;
        let duplicate_possible = entry.deliveries > 1 || o.attempts > 1;
        let (token, channel) = if p.channel {
            (String::new(), p.target.to_string())
        } else {
            (p.target.to_string(), String::new())
        };
        Some(Write {
            id: entry.id.clone(),
            dead: false,
            force: duplicate_possible,
            fields: vec![
                ("entry", entry.id.to_string()),
                ("ref", p.reference.as_deref().unwrap_or("").to_string()),
                ("token", token),
                ("channel_id", channel),
                ("kind", o.kind.name().to_string()),
                ("status", o.status.to_string()),
                ("reason", o.reason.clone()),
                (
                    "timestamp",
                    o.timestamp.map(|t| t.to_string()).unwrap_or_default(),
                ),
                ("apns_id", o.apns_id.clone().unwrap_or_default()),
                ("attempts", entry.deliveries.to_string()),
                ("duplicate_possible", duplicate_possible.to_string()),
                ("worker", self.names.consumer.clone()),
            ],
            key: Some(o.user_data),
            kind: Some(o.kind),
        })
    }

    /// A batch written and acknowledged: let go of its entries and count them.
    fn settled(&self, batch: impl Iterator<Item = Write>, flags: &[bool]) {
        let c = &self.shared.counters;
        let mut in_flight = self.shared.in_flight();
        for (write, &written) in batch.zip(flags.iter().chain(std::iter::repeat(&true))) {
            match write.key {
                Some(key) => _ = in_flight.remove_key(key),
                None => in_flight.remove_id(&write.id),
            }
            match (written, write.kind) {
                (false, _) => Shared::count(&c.skipped, 1),
                (true, Some(kind)) => Shared::count(&c.written[kind_index(kind)], 1),
                (true, None) => Shared::count(&c.dead_letters, 1),
            }
        }
    }
}
