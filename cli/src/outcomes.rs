//! The outcome file: one JSON line per notification read, written as its outcome arrives
//! (`--output`), and the tally the summary and the exit code come from.

use apnspush::{Outcome, OutcomeKind};
use std::collections::HashMap;
use std::fmt::Write as _;
use std::io::{BufWriter, Write};

/// What a notification in flight needs for its outcome line, kept only until the outcome.
pub struct Pending {
    /// `ref` as JSON text.
    pub reference: Option<Box<str>>,
    pub target: Box<str>,
    /// `target` is a broadcast channel id (written as `channel_id`, not `token`).
    pub channel: bool,
    pub line: u64,
}

/// The kind written for a line that was skipped because it could not be parsed or built.
pub const INVALID: &str = "invalid";

/// Counts per kind and rejection reasons.
#[derive(Default)]
pub struct Tally {
    pub accepted: u64,
    pub rejected: u64,
    pub failed: u64,
    pub expired: u64,
    pub cancelled: u64,
    pub invalid: u64,
    /// Rejection reason → count; at most `MAX_REASONS` distinct, the rest under "(other)".
    pub reasons: HashMap<String, u64>,
}

const MAX_REASONS: usize = 64;

impl Tally {
    pub fn settled(&self) -> u64 {
        self.accepted + self.rejected + self.failed + self.expired + self.cancelled
    }

    fn count(&mut self, kind: OutcomeKind, reason: &str) {
        match kind {
            OutcomeKind::Accepted => self.accepted += 1,
            OutcomeKind::Rejected => {
                self.rejected += 1;
                let reason = if reason.is_empty() {
                    "(no reason)"
                } else {
                    reason
                };
                if let Some(n) = self.reasons.get_mut(reason) {
                    *n += 1;
                } else if self.reasons.len() < MAX_REASONS {
                    self.reasons.insert(reason.to_string(), 1);
                } else {
                    *self.reasons.entry("(other)".into()).or_default() += 1;
                }
            }
            OutcomeKind::Failed => self.failed += 1,
            OutcomeKind::Expired => self.expired += 1,
            OutcomeKind::Cancelled => self.cancelled += 1,
        }
    }
}

/// Writes outcome lines (when `--output` was given) and tallies every outcome.
pub struct Outcomes {
    out: Option<BufWriter<Box<dyn Write>>>,
    pub tally: Tally,
    /// The first write error; writing stops there.
    pub error: Option<std::io::Error>,
    /// The line being written (reused).
    line: String,
}

/// Appends `s` as a JSON string.
fn json_str(out: &mut String, s: &str) {
    if s.bytes().all(|b| b >= 0x20 && b != b'"' && b != b'\\') {
        out.push('"');
        out.push_str(s);
        out.push('"');
    } else {
        out.push_str(&serde_json::to_string(s).expect("a string serializes"));
    }
}

impl Outcomes {
    pub fn new(out: Option<Box<dyn Write>>) -> Outcomes {
        Outcomes {
            out: out.map(|w| BufWriter::with_capacity(256 * 1024, w)),
            tally: Tally::default(),
            error: None,
            line: String::new(),
        }
    }

    /// A notification's final outcome from the pusher.
    pub fn settled(&mut self, p: &Pending, o: &Outcome) {
        self.tally.count(o.kind, &o.reason);
        self.write(
            p,
            o.kind.name(),
            o.status,
            &o.reason,
            o.timestamp,
            o.apns_id.as_deref(),
            o.attempts,
        );
    }

    /// A notification read but never handed to the pusher (interrupted first).
    pub fn unsent(&mut self, p: &Pending, kind: OutcomeKind, reason: &str) {
        self.tally.count(kind, reason);
        self.write(p, kind.name(), 0, reason, None, None, 0);
    }

    /// A line skipped: it could not be parsed or built.
    pub fn invalid(&mut self, p: &Pending, reason: &str) {
        self.tally.invalid += 1;
        self.write(p, INVALID, 0, reason, None, None, 0);
    }

    #[allow(clippy::too_many_arguments)]
    fn write(
        &mut self,
        p: &Pending,
        kind: &str,
        status: u16,
        reason: &str,
        timestamp: Option<u64>,
        apns_id: Option<&str>,
        attempts: u32,
    ) {
        let Some(out) = &mut self.out else { return };
        if self.error.is_some() {
            return;
        }
        let line = &mut self.line;
        line.clear();
        line.push_str("{\"ref\":");
        line.push_str(p.reference.as_deref().unwrap_or("null"));
        line.push_str(if p.channel {
            ",\"channel_id\":"
        } else {
            ",\"token\":"
        });
        json_str(line, &p.target);
        let _ = write!(line, ",\"kind\":\"{kind}\",\"status\":{status},\"reason\":");
        json_str(line, reason);
        match timestamp {
            Some(t) => _ = write!(line, ",\"timestamp\":{t}"),
            None => line.push_str(",\"timestamp\":null"),
        }
        line.push_str(",\"apns_id\":");
        match apns_id {
            Some(id) => json_str(line, id),
            None => line.push_str("null"),
        }
        let _ = writeln!(line, ",\"attempts\":{attempts},\"line\":{}}}", p.line);
        let written = out.write_all(line.as_bytes());
        if let Err(e) = written {
            self.error = Some(e);
        }
    }

    /// Flushes the file; the first write error, if any.
    pub fn finish(&mut self) -> Option<&std::io::Error> {
        if let Some(out) = &mut self.out {
            if let Err(e) = out.flush() {
                self.error.get_or_insert(e);
            }
        }
        self.error.as_ref()
    }
}
