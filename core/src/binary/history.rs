//! Per-connection history: every written, unsettled notification in write order, plus flush
//! markers. The reader settles from it; nothing is ever evicted to save memory.

use crate::job::Job;
use std::collections::VecDeque;
use std::time::{Duration, Instant};

/// Wire identifier reserved for flush markers.
pub(crate) const MARKER_ID: u32 = 0;

pub(crate) struct Entry {
    pub(crate) wire_id: u32,
    pub(crate) written_at: Instant,
    /// `None` for a flush marker.
    pub(crate) job: Option<Job>,
}

#[derive(Default)]
pub(crate) struct History {
    entries: VecDeque<Entry>,
    /// Set once the connection is finished; nothing more may be appended.
    closed: bool,
    marker_outstanding: bool,
    /// Notifications appended since the last marker.
    unmarked: usize,
}

/// How a history splits around the entry an error-response names.
pub(crate) struct Split {
    pub(crate) before: Vec<Job>,
    pub(crate) named: Option<Job>,
    pub(crate) after: Vec<Job>,
}

impl History {
    /// Closed: someone already settled or took what it held.
    pub(crate) fn is_closed(&self) -> bool {
        self.closed
    }

    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }
    /// Entries that are notifications (markers excluded).
    pub(crate) fn notifications(&self) -> usize {
        self.entries.len() - self.entries.iter().filter(|e| e.job.is_none()).count()
    }
    pub(crate) fn marker_outstanding(&self) -> bool {
        self.marker_outstanding
    }
    pub(crate) fn unmarked(&self) -> usize {
        self.unmarked
    }

    /// Appends written jobs; gives them back untouched if the history is closed.
    pub(crate) fn append(&mut self, jobs: Vec<Job>, at: Instant) -> Result<(), Vec<Job>> {
        if self.closed {
            return Err(jobs);
        }
        self.unmarked += jobs.len();
        self.entries.extend(jobs.into_iter().map(|job| Entry {
            wire_id: job.id as u32,
            written_at: at,
            job: Some(job),
        }));
        Ok(())
    }

    /// Appends a marker; false if the history is closed.
    pub(crate) fn append_marker(&mut self, at: Instant) -> bool {
        if self.closed {
            return false;
        }
        self.entries.push_back(Entry {
            wire_id: MARKER_ID,
            written_at: at,
            job: None,
        });
        self.marker_outstanding = true;
        self.unmarked = 0;
        true
    }

    /// Removes the entries older than `window` from the front: their jobs are presumed
    /// accepted; an unanswered marker simply lapses.
    pub(crate) fn take_presumed(&mut self, window: Duration, now: Instant) -> Vec<Job> {
        let mut out = Vec::new();
        while let Some(front) = self.entries.front() {
            if now.saturating_duration_since(front.written_at) < window {
                break;
            }
            if let Some(e) = self.entries.pop_front() {
                match e.job {
                    Some(job) => out.push(job),
                    None => self.marker_outstanding = self.entries.iter().any(|e| e.job.is_none()),
                }
            }
        }
        self.unmarked = self.unmarked.min(self.entries.len());
        out
    }

    /// Closes the history and splits it around the first entry matching `is_named`.
    /// `None` when no entry matches (everything is returned in `after`).
    pub(crate) fn close_and_split(&mut self, is_named: impl Fn(&Entry) -> bool) -> (bool, Split) {
        self.closed = true;
        self.marker_outstanding = false;
        self.unmarked = 0;
        let entries = std::mem::take(&mut self.entries);
        let pos = entries.iter().position(&is_named);
        let mut split = Split {
            before: Vec::new(),
            named: None,
            after: Vec::new(),
        };
        for (i, e) in entries.into_iter().enumerate() {
            match pos {
                Some(p) if i < p => split.before.extend(e.job),
                Some(p) if i == p => split.named = e.job,
                _ => split.after.extend(e.job),
            }
        }
        (pos.is_some(), split)
    }

    /// Closes the history and takes every notification in it (markers are dropped).
    pub(crate) fn close_and_take(&mut self) -> Vec<Job> {
        self.close_and_split(|_| false).1.after
    }
}
