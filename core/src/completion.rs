//! Completion queues: how a notification's write, its outcome, "everything up to an id is
//! settled" and "the send queue has room again" reach a waiter without a thread per wait.
//!
//! A `CompletionQueue` belongs to one consumer (a thread that calls `wait`, or an event loop
//! that is signalled by the queue's wake function and then calls `take`). The engine only
//! appends to it and, when it goes from empty to non-empty, calls the wake function on the
//! engine thread that appended: the function must only signal (write an eventfd, call a napi
//! threadsafe function, `Waker::wake`), never block or run user code. User code runs where the
//! consumer takes the items, on the consumer's own thread.

use crate::outcome::Outcome;
use parking_lot::{Condvar, Mutex};
use std::collections::VecDeque;
use std::sync::atomic::AtomicU64;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// A signal-only function called when a queue goes from empty to non-empty.
pub type Wake = Arc<dyn Fn() + Send + Sync>;

/// One item of a completion queue.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Completion {
    /// The notification with this id was written to a socket (asked for with `written`), or
    /// nothing if its outcome came first (a fast answer can overtake the write's report).
    Written(u64),
    /// A notification's final outcome (exactly once per id submitted with the queue, and for
    /// every id while the queue watches all outcomes).
    Settled(Outcome),
    /// Every notification with an id up to this one has its final outcome
    /// (`Pusher::notify_delivered`).
    Delivered(u64),
    /// The send queue had room (or the pusher closed) after `Pusher::notify_room`.
    Room,
}

/// A queue of completions for one consumer. Clones share the queue.
#[derive(Clone)]
pub struct CompletionQueue {
    inner: Arc<Inner>,
}

struct Inner {
    items: Mutex<VecDeque<Completion>>,
    ready: Condvar,
    wake: Option<Wake>,
}

impl Default for CompletionQueue {
    fn default() -> Self {
        Self::new()
    }
}

impl CompletionQueue {
    /// A queue for a consumer that blocks in `wait`.
    pub fn new() -> CompletionQueue {
        Self::build(None)
    }

    /// A queue that calls `wake` (on an engine thread) each time it goes from empty to
    /// non-empty. The consumer must then `take` until the queue is empty; items appended while
    /// it is non-empty do not call `wake` again.
    pub fn with_wake(wake: impl Fn() + Send + Sync + 'static) -> CompletionQueue {
        Self::build(Some(Arc::new(wake)))
    }

    fn build(wake: Option<Wake>) -> CompletionQueue {
        CompletionQueue {
            inner: Arc::new(Inner {
                items: Mutex::new(VecDeque::new()),
                ready: Condvar::new(),
                wake,
            }),
        }
    }

    /// Takes up to `max` items, oldest first, without blocking.
    pub fn take(&self, max: usize) -> Vec<Completion> {
        let mut items = self.inner.items.lock();
        let n = max.min(items.len());
        items.drain(..n).collect()
    }

    /// Takes up to `max` items, waiting up to `timeout` for the first. Empty on timeout.
    pub fn wait(&self, max: usize, timeout: Duration) -> Vec<Completion> {
        let deadline = Instant::now() + timeout;
        let mut items = self.inner.items.lock();
        while items.is_empty() {
            if self
                .inner
                .ready
                .wait_until(&mut items, deadline)
                .timed_out()
            {
                break;
            }
        }
        let n = max.min(items.len());
        items.drain(..n).collect()
    }

    /// Items waiting to be taken.
    pub fn len(&self) -> usize {
        self.inner.items.lock().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether both handles are the same queue.
    pub fn same(&self, other: &CompletionQueue) -> bool {
        Arc::ptr_eq(&self.inner, &other.inner)
    }

    /// Appends `item`; returns the wake function to call (after releasing any engine lock)
    /// when the queue was empty.
    pub(crate) fn append(&self, item: Completion) -> Option<Wake> {
        self.append_bounded(item, usize::MAX, &AtomicU64::new(0))
    }

    /// `append` to a queue of at most `max` items: past it the oldest is dropped and counted
    /// in `dropped` (a consumer that falls behind loses the oldest copies, never the engine's
    /// progress).
    pub(crate) fn append_bounded(
        &self,
        item: Completion,
        max: usize,
        dropped: &AtomicU64,
    ) -> Option<Wake> {
        let mut items = self.inner.items.lock();
        let was_empty = items.is_empty();
        if items.len() >= max.max(1) {
            items.pop_front();
            dropped.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        }
        items.push_back(item);
        drop(items);
        if was_empty {
            self.inner.ready.notify_all();
            self.inner.wake.clone()
        } else {
            None
        }
    }
}

/// Wake functions collected under a lock, called after it is released.
#[derive(Default)]
pub(crate) struct Wakes(Vec<Wake>);

impl Wakes {
    pub(crate) fn append(&mut self, queue: &CompletionQueue, item: Completion) {
        if let Some(w) = queue.append(item) {
            self.0.push(w);
        }
    }

    pub(crate) fn append_bounded(
        &mut self,
        queue: &CompletionQueue,
        item: Completion,
        max: usize,
        dropped: &AtomicU64,
    ) {
        if let Some(w) = queue.append_bounded(item, max, dropped) {
            self.0.push(w);
        }
    }

    pub(crate) fn run(self) {
        for w in self.0 {
            w();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};

    #[test]
    fn wake_is_called_only_when_the_queue_becomes_non_empty() {
        let calls = Arc::new(AtomicUsize::new(0));
        let c = calls.clone();
        let q = CompletionQueue::with_wake(move || {
            c.fetch_add(1, Relaxed);
        });
        let mut wakes = Wakes::default();
        wakes.append(&q, Completion::Room);
        wakes.append(&q, Completion::Delivered(3));
        wakes.run();
        assert_eq!(calls.load(Relaxed), 1);
        assert_eq!(q.take(1), [Completion::Room]);
        // Still non-empty: no new wake until drained.
        if let Some(w) = q.append(Completion::Written(1)) {
            w();
        }
        assert_eq!(calls.load(Relaxed), 1);
        assert_eq!(q.take(10).len(), 2);
        if let Some(w) = q.append(Completion::Written(2)) {
            w();
        }
        assert_eq!(calls.load(Relaxed), 2);
    }

    #[test]
    fn wait_returns_at_once_when_items_are_there_and_empty_on_timeout() {
        let q = CompletionQueue::new();
        assert!(q.wait(10, Duration::from_millis(5)).is_empty());
        let q2 = q.clone();
        let t = std::thread::spawn(move || q2.wait(10, Duration::from_secs(60)));
        std::thread::sleep(Duration::from_millis(20));
        assert!(q.append(Completion::Written(7)).is_none());
        assert_eq!(t.join().unwrap(), [Completion::Written(7)]);
        assert!(q.same(&q.clone()) && !q.same(&CompletionQueue::new()));
    }
}
