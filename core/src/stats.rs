//! Engine counters (lock-free) and the `Stats` snapshot returned by `Pusher::stats`.

use hdrhistogram::Histogram;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::time::Duration;

/// Latencies above this (an hour, in microseconds) are recorded as this.
const LATENCY_MAX_US: u64 = 3_600_000_000;

macro_rules! counters {
    ($($name:ident: $doc:literal,)*) => {
        /// Live counters shared by every thread of a pusher.
        pub(crate) struct Counters {
            $(pub(crate) $name: AtomicU64,)*
            /// Push-to-outcome latency in microseconds, 2 significant digits (1% resolution).
            latency: parking_lot::Mutex<Histogram<u64>>,
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
            /// Push-to-outcome latency percentiles and maximum, microseconds, each within 1% of
            /// the true value (HDR histogram, 2 significant digits); 0 before any outcome.
            pub latency_p50_us: u64,
            pub latency_p90_us: u64,
            pub latency_p99_us: u64,
            pub latency_p999_us: u64,
            pub latency_max_us: u64,
            /// The most recent connection-level problem (a lost connection, a GOAWAY and its
            /// reason), empty if none. Never contains key material.
            pub last_error: String,
        }

        /// Expands to `stats_fields! { name: "doc", ... }` at the call site, with every counter
        /// of `Stats` in order, so a face builds its own stats type without copying the table.
        /// The fields after the counters (`queued`, `in_flight`, the latency figures and
        /// `last_error`) are the face's to add.
        #[doc(hidden)]
        #[macro_export]
        macro_rules! with_stats_counters {
            () => { stats_fields! { $($name: $doc,)* } };
        }

        impl Default for Counters {
            fn default() -> Self {
                let latency = Histogram::new_with_bounds(1, LATENCY_MAX_US, 2)
                    .expect("valid histogram bounds");
                Counters {
                    $($name: AtomicU64::new(0),)*
                    latency: parking_lot::Mutex::new(latency),
                    last_error: Default::default(),
                }
            }
        }

        impl Counters {
            pub(crate) fn snapshot(&self, queued: u64, in_flight: u64) -> Stats {
                let [p50, p90, p99, p999, max] = self.percentiles();
                Stats {
                    $($name: self.$name.load(Relaxed),)*
                    queued,
                    in_flight,
                    latency_p50_us: p50,
                    latency_p90_us: p90,
                    latency_p99_us: p99,
                    latency_p999_us: p999,
                    latency_max_us: max,
                    last_error: self.last_error.lock().clone(),
                }
            }
        }

        impl Stats {
            /// Every field name, in declaration order: the one list each face's stats must
            /// match (their suites compare against it).
            pub const FIELDS: &'static [&'static str] = &[
                $(stringify!($name),)*
                "queued",
                "in_flight",
                "latency_p50_us",
                "latency_p90_us",
                "latency_p99_us",
                "latency_p999_us",
                "latency_max_us",
                "last_error",
            ];

            /// The snapshot as one JSON object with the field names as keys.
            pub fn to_json(&self) -> String {
                let mut m = serde_json::Map::new();
                $(m.insert(stringify!($name).into(), self.$name.into());)*
                m.insert("queued".into(), self.queued.into());
                m.insert("in_flight".into(), self.in_flight.into());
                m.insert("latency_p50_us".into(), self.latency_p50_us.into());
                m.insert("latency_p90_us".into(), self.latency_p90_us.into());
                m.insert("latency_p99_us".into(), self.latency_p99_us.into());
                m.insert("latency_p999_us".into(), self.latency_p999_us.into());
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
    reports_dropped: "Outcome reports dropped unpolled, the oldest first, because the poll queue held max_reports.",
    failed_dropped: "Outcomes dropped from the failed_notifications list, the oldest first, because it held max_reports.",
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

    /// A recorder for a batch of latencies: one lock for the whole batch (the settle path).
    pub(crate) fn latency_recorder(&self) -> LatencyRecorder<'_> {
        LatencyRecorder(self.latency.lock())
    }

    /// p50, p90, p99, p99.9 and max, microseconds; zeros before the first record.
    fn percentiles(&self) -> [u64; 5] {
        let h = self.latency.lock();
        if h.is_empty() {
            return [0; 5];
        }
        let at = |q: f64| h.value_at_quantile(q);
        [at(0.5), at(0.9), at(0.99), at(0.999), h.max()]
    }
}

/// Records push-to-outcome latencies while it lives (holds the histogram's lock).
pub(crate) struct LatencyRecorder<'a>(parking_lot::MutexGuard<'a, Histogram<u64>>);

impl LatencyRecorder<'_> {
    pub(crate) fn record(&mut self, d: Duration) {
        let us = u64::try_from(d.as_micros()).unwrap_or(u64::MAX);
        self.0.saturating_record(us.clamp(1, LATENCY_MAX_US));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_name_every_json_key_in_order() {
        let json: serde_json::Value = serde_json::from_str(&Stats::default().to_json()).unwrap();
        let keys: Vec<&str> = json
            .as_object()
            .unwrap()
            .keys()
            .map(|k| k.as_str())
            .collect();
        let mut fields = Stats::FIELDS.to_vec();
        fields.sort_unstable();
        let mut keys_sorted = keys.clone();
        keys_sorted.sort_unstable();
        assert_eq!(keys_sorted, fields);
        assert_eq!(Stats::FIELDS.len(), keys.len());
    }

    fn within_1_percent(got: u64, want: u64) -> bool {
        got.abs_diff(want) * 100 <= want
    }

    #[test]
    fn percentiles_are_true_to_1_percent() {
        let c = Counters::default();
        assert_eq!(c.snapshot(0, 0).latency_max_us, 0);
        // 1..=10,000 µs once each, recorded in batches as the ledger does, plus one 3 s outlier.
        for batch in (1..=10_000u64).collect::<Vec<_>>().chunks(64) {
            let mut r = c.latency_recorder();
            batch
                .iter()
                .for_each(|&us| r.record(Duration::from_micros(us)));
        }
        c.latency_recorder().record(Duration::from_secs(3));
        let s = c.snapshot(0, 0);
        // 10,001 values: the q-quantile is the ceil(q * 10,001)-th smallest.
        let want = [
            (s.latency_p50_us, 5_001),
            (s.latency_p90_us, 9_001),
            (s.latency_p99_us, 9_901),
            (s.latency_p999_us, 9_991),
            (s.latency_max_us, 3_000_000),
        ];
        for (got, want) in want {
            assert!(within_1_percent(got, want), "{got} is not {want} within 1%");
        }
        let json: serde_json::Value = serde_json::from_str(&s.to_json()).unwrap();
        assert_eq!(json["latency_p999_us"], s.latency_p999_us);
        assert_eq!(json["latency_max_us"], s.latency_max_us);
    }

    #[test]
    fn latencies_beyond_an_hour_are_recorded_as_an_hour() {
        let c = Counters::default();
        c.latency_recorder().record(Duration::from_secs(86_400));
        assert!(within_1_percent(
            c.snapshot(0, 0).latency_max_us,
            LATENCY_MAX_US
        ));
    }
}
