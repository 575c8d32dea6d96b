//! What the mock gateway processed, shared by every connection thread and the test thread.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use parking_lot::{Condvar, Mutex};

use super::{Accepted, Rejected};

#[derive(Default)]
struct Inner {
    accepted: Vec<Accepted>,
    accepted_count: u64,
    rejected: Vec<Rejected>,
    markers: u64,
    connections: u64,
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

    /// Forgets accepted, rejected, markers and the connection count.
    pub fn clear(&self) {
        *self.inner.lock() = Inner::default();
    }
}
