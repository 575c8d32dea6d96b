//! What the worker's threads share: the entries it holds unacknowledged and its counters.

use crate::outcomes::Pending;
use apnspush::OutcomeKind;
use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::Relaxed};
use std::sync::Mutex;

/// A notification entry handed to the pusher: what its outcome entry needs.
pub struct Entry {
    /// The notification stream entry id.
    pub id: Box<str>,
    pub pending: Pending,
    /// Times Redis delivered the entry to a consumer of the group (1: read once).
    pub deliveries: u64,
}

/// The entries this worker read and has not acknowledged: pushed ones (by key, the
/// notification's `user_data`) and dead letters not yet written. Its size is what
/// `--max-in-flight` bounds.
#[derive(Default)]
pub struct InFlight {
    pushed: HashMap<u64, Entry>,
    ids: HashSet<Box<str>>,
    next_key: u64,
}

impl InFlight {
    /// Entries held (pushed or dead, not yet acknowledged).
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    /// Whether the entry is held here already (a claim or re-read of it is skipped).
    pub fn holds(&self, id: &str) -> bool {
        self.ids.contains(id)
    }

    /// Holds a pushed entry; returns its key.
    pub fn add_push(&mut self, entry: Entry) -> u64 {
        self.next_key += 1;
        self.ids.insert(entry.id.clone());
        self.pushed.insert(self.next_key, entry);
        self.next_key
    }

    pub fn add_dead(&mut self, id: &str) {
        self.ids.insert(id.into());
    }

    pub fn get(&self, key: u64) -> Option<&Entry> {
        self.pushed.get(&key)
    }

    /// Lets go of a pushed entry (acknowledged, or left pending for another worker).
    pub fn remove_key(&mut self, key: u64) -> Option<Entry> {
        let entry = self.pushed.remove(&key)?;
        self.ids.remove(&entry.id);
        Some(entry)
    }

    pub fn remove_id(&mut self, id: &str) {
        self.ids.remove(id);
    }
}

/// Counters since the worker started (served by `--metrics`).
#[derive(Default)]
pub struct Counters {
    /// Entries read with XREADGROUP (new ones and this consumer's own pending ones).
    pub read: AtomicU64,
    /// Entries taken over from an idle consumer (XAUTOCLAIM).
    pub claimed: AtomicU64,
    /// Dead-letter entries written.
    pub dead_letters: AtomicU64,
    /// Outcome entries written, by kind (`OutcomeKind` order).
    pub written: [AtomicU64; 5],
    /// Outcomes not written because another worker had settled the entry already.
    pub skipped: AtomicU64,
    /// Entries left pending (not acknowledged) because the worker stopped before their
    /// outcome was final; another worker claims them.
    pub left_pending: AtomicU64,
    /// Pending entries Redis reported deleted from the stream.
    pub deleted: AtomicU64,
    /// Failed Redis calls and connection attempts.
    pub redis_errors: AtomicU64,
    /// Outcomes and dead letters waiting to be written (gauge).
    pub held: AtomicU64,
}

pub const KINDS: [OutcomeKind; 5] = [
    OutcomeKind::Accepted,
    OutcomeKind::Rejected,
    OutcomeKind::Failed,
    OutcomeKind::Expired,
    OutcomeKind::Cancelled,
];

pub fn kind_index(kind: OutcomeKind) -> usize {
    KINDS.iter().position(|k| *k == kind).unwrap_or(0)
}

/// Everything the threads share.
#[derive(Default)]
pub struct Shared {
    pub in_flight: Mutex<InFlight>,
    pub counters: Counters,
    /// Stop reading (a signal, or `--exit-idle-ms`).
    pub stop: AtomicBool,
    /// The reader has stopped: nothing more will be pushed.
    pub reader_done: AtomicBool,
}

impl Shared {
    pub fn in_flight(&self) -> std::sync::MutexGuard<'_, InFlight> {
        self.in_flight.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn stopping(&self) -> bool {
        self.stop.load(Relaxed)
    }

    pub fn count(counter: &AtomicU64, n: u64) {
        counter.fetch_add(n, Relaxed);
    }
}
