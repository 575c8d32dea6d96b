//! Engine counters (lock-free) and the `Stats` snapshot returned by `Pusher::stats`.

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::time::Duration;

macro_rules! counters {
    ($($name:ident: $doc:literal,)*) => {
        /// Live counters shared by every thread of a pusher.
        #[derive(Default)]
        pub(crate) struct Counters {
            $(pub(crate) $name: AtomicU64,)*
            /// Push-to-outcome latency, log2 buckets of microseconds.
            latency: [AtomicU64; 32],
            /// The most recent connection-level problem, for `Stats::last_error`.
            last_error: parking_lot::Mutex<String>,
        }

        /// A snapshot of a pusher's counters.
        #[derive(Clone, Debug, Default, PartialEq, Eq)]
        pub struct Stats {
            $(#[doc = $doc] pub $name: u64,)*
            /// Notifications waiting in the send and retry queues.
            pub queued: u64,
            /// Notifications written and not yet settled, over all connections (delayed
            /// retries included).
            pub in_flight: u64,
            /// Push-to-outcome latency percentiles, microseconds (bucket upper bounds).
            pub latency_p50_us: u64,
            pub latency_p90_us: u64,
            pub latency_p99_us: u64,
            pub latency_max_us: u64,
            /// The most recent connection-level problem (a lost connection, a GOAWAY and its
            /// reason), empty if none. Never contains key material.
            pub last_error: String,
        }

        impl Counters {
            pub(crate) fn snapshot(&self, queued: u64, in_flight: u64) -> Stats {
                let (p50, p90, p99, max) = self.percentiles();
                Stats {
                    $($name: self.$name.load(Relaxed),)*
                    queued,
                    in_flight,
                    latency_p50_us: p50,
                    latency_p90_us: p90,
                    latency_p99_us: p99,
                    latency_max_us: max,
                    last_error: self.last_error.lock().clone(),
                }
            }
        }

        impl Stats {
            /// The snapshot as one JSON object with the field names as keys.
            pub fn to_json(&self) -> String {
                let mut m = serde_json::Map::new();
                $(m.insert(stringify!($name).into(), self.$name.into());)*
                m.insert("queued".into(), self.queued.into());
                m.insert("in_flight".into(), self.in_flight.into());
                m.insert("latency_p50_us".into(), self.latency_p50_us.into());
                m.insert("latency_p90_us".into(), self.latency_p90_us.into());
                m.insert("latency_p99_us".into(), self.latency_p99_us.into());
                m.insert("latency_max_us".into(), self.latency_max_us.into());
                m.insert("last_error".into(), self.last_error.clone().into());
                serde_json::Value::Object(m).to_string()
            }
        }
    };
}

counters! {
    pushed: "Notifications accepted by push_async (ids handed out).",
    written: "Notification writes to a socket, replays included.",
    accepted: "Final outcome accepted.",
    accepted_presumed: "Of `accepted`, those presumed after the error window (binary).",
    rejected: "Final outcome rejected.",
    failed: "Final outcome failed.",
    expired: "Final outcome expired.",
    cancelled: "Final outcome cancelled.",
    replayed: "Notifications put back on the retry queue to be written again.",
    duplicates_possible: "Replays of notifications the server may already have processed (connection lost with no verdict).",
    retries: "Retries that counted as an attempt (status 1/255, 429/5xx, connection loss).",
    connects: "Connections established.",
    reconnects: "Connections established to replace a lost or closed one.",
    connect_failures: "Connection attempts that failed (TCP or TLS).",
    connection_losses: "Connections lost without an error-response or GOAWAY.",
    error_responses: "Binary error-responses received (markers included).",
    history_misses: "Error-responses naming an identifier not in the history (the tail was replayed).",
    markers_sent: "Binary flush markers written.",
    goaways: "HTTP/2 GOAWAY frames received.",
    token_refreshes: "HTTP/2 provider tokens signed after the first (age or ExpiredProviderToken).",
    response_timeouts: "HTTP/2 streams reset for lack of an answer within response_timeout_ms.",
    pings_sent: "HTTP/2 PINGs sent (keepalive and health probes).",
    unhealthy_replaced: "HTTP/2 connections replaced because requests went unanswered (health_timeouts in a row) while PINGs were acknowledged.",
}

impl Counters {
    pub(crate) fn add(counter: &AtomicU64, n: u64) {
        counter.fetch_add(n, Relaxed);
    }

    /// Records the latest connection-level problem (shown in `Stats::last_error`).
    pub(crate) fn set_last_error(&self, message: impl Into<String>) {
        *self.last_error.lock() = message.into();
    }

    pub(crate) fn record_latency(&self, d: Duration) {
        let us = d.as_micros().max(1) as u64;
        let bucket = (63 - us.leading_zeros() as usize).min(self.latency.len() - 1);
        self.latency[bucket].fetch_add(1, Relaxed);
    }

    fn percentiles(&self) -> (u64, u64, u64, u64) {
        let counts: Vec<u64> = self.latency.iter().map(|c| c.load(Relaxed)).collect();
        let total: u64 = counts.iter().sum();
        if total == 0 {
            return (0, 0, 0, 0);
        }
        let upper = |i: usize| (1u64 << (i + 1)) - 1;
        let at = |q: f64| {
            let want = ((total as f64) * q).ceil().max(1.0) as u64;
            let mut seen = 0;
            for (i, c) in counts.iter().enumerate() {
                seen += c;
                if seen >= want {
                    return upper(i);
                }
            }
            upper(counts.len() - 1)
        };
        let max = counts.iter().rposition(|&c| c > 0).map(upper).unwrap_or(0);
        (at(0.5), at(0.9), at(0.99), max)
    }
}
