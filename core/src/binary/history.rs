//! Per-connection history: every unsettled notification in write order, plus flush markers.
//! An entry goes in before its bytes are written (so the reader finds whatever an
//! error-response names) and is stamped once the write returned; the error window runs from
//! that stamp, on the connection's `WindowClock`. The reader settles from it; nothing is ever
//! evicted to save memory.

use crate::job::Job;
use std::collections::VecDeque;
use std::time::Duration;

/// Wire identifier reserved for flush markers.
pub(crate) const MARKER_ID: u32 = 0;

pub(crate) struct Entry {
    pub(crate) wire_id: u32,
    /// `WindowClock` reading when the write carrying it returned; `None` while it may not
    /// have left.
    pub(crate) written_at: Option<Duration>,
    /// `None` for a flush marker.
    pub(crate) job: Option<Job>,
}

#[derive(Default)]
pub(crate) struct History {
    entries: VecDeque<Entry>,
    /// Set once the connection is finished; nothing more may be appended.
    closed: bool,
    marker_outstanding: bool,
    /// Set once a marker lapsed unanswered. The gateway answers the first marker it reaches
    /// and closes, so a later status-2 reply answers that lapsed marker: everything still
    /// here was written after it and discarded.
    marker_lapsed: bool,
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
    pub(crate) fn marker_lapsed(&self) -> bool {
        self.marker_lapsed
    }

    /// Appends jobs about to be written (unstamped); gives them back untouched if the history
    /// is closed.
    pub(crate) fn append(&mut self, jobs: Vec<Job>) -> Result<(), Vec<Job>> {
        if self.closed {
            return Err(jobs);
        }
        self.unmarked += jobs.len();
        self.entries.extend(jobs.into_iter().map(|job| Entry {
            wire_id: job.id as u32,
            written_at: None,
            job: Some(job),
        }));
        Ok(())
    }

    /// Appends a marker about to be written (unstamped); false if the history is closed.
    pub(crate) fn append_marker(&mut self) -> bool {
        if self.closed {
            return false;
        }
        self.entries.push_back(Entry {
            wire_id: MARKER_ID,
            written_at: None,
            job: None,
        });
        self.marker_outstanding = true;
        self.unmarked = 0;
        true
    }

    /// Stamps every unstamped entry: the write carrying them returned at `at`.
    pub(crate) fn stamp_written(&mut self, at: Duration) {
        for e in self.entries.iter_mut().rev() {
            if e.written_at.is_some() {
                break;
            }
            e.written_at = Some(at);
        }
    }

    /// Removes the entries stamped at least `window` ago from the front: their jobs are
    /// presumed accepted; an unanswered marker simply lapses. Stops at the first unstamped
    /// entry: what may not have left is never presumed.
    pub(crate) fn take_presumed(&mut self, window: Duration, now: Duration) -> Vec<Job> {
        let mut out = Vec::new();
        while let Some(front) = self.entries.front() {
            match front.written_at {
                Some(at) if now.saturating_sub(at) >= window => {}
                _ => break,
            }
            if let Some(e) = self.entries.pop_front() {
                match e.job {
                    Some(job) => out.push(job),
                    None => {
                        self.marker_lapsed = true;
                        self.marker_outstanding = self.entries.iter().any(|e| e.job.is_none());
                    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Notification;
    use std::time::Instant;

    fn secs(n: u64) -> Duration {
        Duration::from_secs(n)
    }

    fn jobs(ids: std::ops::Range<u64>) -> Vec<Job> {
        ids.map(|id| Job {
            id,
            notification: Notification::builder()
                .token_bytes(&[7; 32])
                .payload_json("{}")
                .build()
                .unwrap(),
            attempts: 0,
            pushed_at: Instant::now(),
        })
        .collect()
    }

    fn ids(jobs: &[Job]) -> Vec<u64> {
        jobs.iter().map(|j| j.id).collect()
    }

    #[test]
    fn an_unstamped_entry_is_never_presumed_however_old() {
        let mut h = History::default();
        assert!(h.append(jobs(1..4)).is_ok());
        assert!(h
            .take_presumed(Duration::from_millis(1), secs(3600))
            .is_empty());
        assert_eq!(h.len(), 3);
    }

    #[test]
    fn presumption_runs_from_the_stamp_and_stops_at_the_first_unstamped_entry() {
        let mut h = History::default();
        let t0 = secs(100);
        assert!(h.append(jobs(1..3)).is_ok());
        h.stamp_written(t0);
        assert!(h.append_marker());
        h.stamp_written(t0 + Duration::from_secs(1));
        // A batch whose write has not returned.
        assert!(h.append(jobs(3..5)).is_ok());
        let window = Duration::from_secs(2);
        assert!(h
            .take_presumed(window, t0 + Duration::from_millis(1999))
            .is_empty());
        let first = h.take_presumed(window, t0 + Duration::from_secs(2));
        assert_eq!(ids(&first), [1, 2]);
        assert!(h.marker_outstanding());
        // The marker lapses; the unstamped batch stays however late it is.
        let rest = h.take_presumed(window, t0 + Duration::from_secs(3600));
        assert!(rest.is_empty());
        assert!(!h.marker_outstanding());
        assert!(h.marker_lapsed());
        assert_eq!(h.notifications(), 2);
        h.stamp_written(t0 + Duration::from_secs(3600));
        let last = h.take_presumed(window, t0 + Duration::from_secs(3602));
        assert_eq!(ids(&last), [3, 4]);
        assert_eq!(h.len(), 0);
    }

    #[test]
    fn stamping_leaves_earlier_stamps_alone() {
        let mut h = History::default();
        let t0 = secs(100);
        assert!(h.append(jobs(1..2)).is_ok());
        h.stamp_written(t0);
        assert!(h.append(jobs(2..3)).is_ok());
        h.stamp_written(t0 + Duration::from_secs(10));
        let stamps: Vec<_> = h.entries.iter().map(|e| e.written_at).collect();
        assert_eq!(stamps, [Some(t0), Some(t0 + Duration::from_secs(10))]);
    }
}
