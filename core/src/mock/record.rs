//! What the mock gateway processed, shared by every connection thread and the test thread.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use parking_lot::{Condvar, Mutex};

use super::{Accepted, Http2Rejected, Rejected};

#[derive(Default)]
struct Inner {
    accepted: Vec<Accepted>,
    accepted_count: u64,
    rejected: Vec<Rejected>,
    http2_rejected: Vec<Http2Rejected>,
    markers: u64,
    connections: u64,
    h2: Http2Counts,
    /// HTTP/2: connection id → request streams opened.
    requests: BTreeMap<u64, u64>,
    http2_requests: Vec<Http2Request>,
    key_updates: u64,
}

/// The delivery headers of one judged HTTP/2 request, as received (`None`: header absent).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Http2Request {
    /// From the path; empty when it held no valid token.
    pub token: Vec<u8>,
    pub expiration: Option<String>,
    pub push_type: Option<String>,
    pub topic: Option<String>,
    pub priority: Option<String>,
    pub collapse_id: Option<String>,
}

/// HTTP/2 protocol observations, for tests to assert the client behaved.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Http2Counts {
    /// Most streams open at once on one connection.
    pub peak_concurrent_streams: u64,
    /// Streams opened beyond the MAX_CONCURRENT_STREAMS in force after the client acknowledged
    /// our first SETTINGS (refused with REFUSED_STREAM, as are those before it).
    pub concurrency_violations: u64,
    /// DATA beyond a receive window (the connection is closed with FLOW_CONTROL_ERROR).
    pub flow_control_violations: u64,
    /// Connections closed for any other protocol error by the client.
    pub protocol_errors: u64,
    /// SETTINGS frames that changed MAX_CONCURRENT_STREAMS after the first (drops to 1 after
    /// a rejection, raises after a success).
    pub limit_changes: u64,
    /// GOAWAY frames sent by `goaway_after`.
    pub goaways_sent: u64,
    /// Requests answered with REFUSED_STREAM or not processed after a GOAWAY.
    pub streams_ignored: u64,
    /// Complete requests left unanswered by `stall_after`.
    pub streams_stalled: u64,
}

/// The record. Connection threads append accepted notifications once per decrypted chunk.
#[derive(Default)]
pub(crate) struct Record {
    inner: Mutex<Inner>,
    grew: Condvar,
    /// Source of connection ids; never reset, so ids stay unique across `clear`.
    next_connection: AtomicU64,
}

impl Record {
    /// Counts a gateway connection whose handshake completed and returns its id (from 1).
    pub fn connection_opened(&self) -> u64 {
        self.inner.lock().connections += 1;
        self.next_connection.fetch_add(1, Ordering::Relaxed) + 1
    }

    /// Appends `count` accepted notifications; `batch` holds their details when payloads are
    /// recorded (and is left empty), and is empty otherwise.
    pub fn add_accepted(&self, count: u64, batch: &mut Vec<Accepted>) {
        if count == 0 {
            return;
        }
        let mut inner = self.inner.lock();
        inner.accepted.append(batch);
        inner.accepted_count += count;
        drop(inner);
        self.grew.notify_all();
    }

    pub fn add_rejected(&self, rejected: Rejected) {
        self.inner.lock().rejected.push(rejected);
    }

    pub fn add_http2_rejected(&self, batch: &mut Vec<Http2Rejected>) {
        if !batch.is_empty() {
            self.inner.lock().http2_rejected.append(batch);
        }
    }

    /// Updates the HTTP/2 observations.
    pub fn update_h2(&self, f: impl FnOnce(&mut Http2Counts)) {
        f(&mut self.inner.lock().h2);
    }

    /// Adds `n` request streams to connection `id` (0 registers the connection).
    pub fn add_requests(&self, id: u64, n: u64) {
        *self.inner.lock().requests.entry(id).or_insert(0) += n;
    }

    pub fn requests_per_connection(&self) -> Vec<(u64, u64)> {
        let inner = self.inner.lock();
        inner.requests.iter().map(|(&id, &n)| (id, n)).collect()
    }

    pub fn h2(&self) -> Http2Counts {
        self.inner.lock().h2
    }

    pub fn add_http2_request(&self, request: Http2Request) {
        self.inner.lock().http2_requests.push(request);
    }

    pub fn http2_requests(&self) -> Vec<Http2Request> {
        self.inner.lock().http2_requests.clone()
    }

    pub fn http2_rejected(&self) -> Vec<Http2Rejected> {
        self.inner.lock().http2_rejected.clone()
    }

    pub fn add_marker(&self) {
        self.inner.lock().markers += 1;
    }

    pub fn accepted(&self) -> Vec<Accepted> {
        self.inner.lock().accepted.clone()
    }

    pub fn accepted_count(&self) -> u64 {
        self.inner.lock().accepted_count
    }

    pub fn rejected(&self) -> Vec<Rejected> {
        self.inner.lock().rejected.clone()
    }

    pub fn markers(&self) -> u64 {
        self.inner.lock().markers
    }

    pub fn connections(&self) -> u64 {
        self.inner.lock().connections
    }

    /// Blocks until at least `n` notifications were accepted or `timeout` passed.
    pub fn wait_accepted(&self, n: u64, timeout: Duration) -> bool {
        let deadline = Instant::now().checked_add(timeout);
        let mut inner = self.inner.lock();
        while inner.accepted_count < n {
            let timed_out = match deadline {
                Some(deadline) => self.grew.wait_until(&mut inner, deadline).timed_out(),
                None => {
                    self.grew.wait(&mut inner);
                    false
                }
            };
            if timed_out {
                return inner.accepted_count >= n;
            }
        }
        true
    }

    pub fn add_key_update(&self) {
        self.inner.lock().key_updates += 1;
    }

    pub fn key_updates(&self) -> u64 {
        self.inner.lock().key_updates
    }

    /// Forgets accepted, rejected, markers, the connection count and HTTP/2 observations.
    pub fn clear(&self) {
        *self.inner.lock() = Inner::default();
    }
}
