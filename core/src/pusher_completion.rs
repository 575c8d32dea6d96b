//! The completion verbs of `Pusher`: enqueues that hand their outcome to a completion queue
//! or a future instead of a waiting thread, and the deadline enqueue (see `crate::completion`).

// The enqueue path hands a refused notification back by value (see pusher.rs).
#![allow(clippy::result_large_err)]

use crate::completion::CompletionQueue;
use crate::config::Protocol;
use crate::error::Error;
use crate::notification::Notification;
use crate::pusher::{Interest, Pusher, Room};
use std::time::Duration;

impl Pusher {
    /// `push_async` that waits at most `timeout` for room in a full send queue, then fails with
    /// `QueueFull` and hands the notification back (never queued then), so a caller can wait
    /// in slices and give up between them. With `block_when_full = false` it never waits.
    pub fn push_async_timeout(
        &self,
        notification: Notification,
        timeout: Duration,
    ) -> std::result::Result<u64, (Error, Notification)> {
        let room = Room::within(timeout);
        self.enqueue(notification, Interest::None, room)
    }

    /// Enqueues like `push_async_timeout` (`Duration::ZERO`: never wait) and delivers the
    /// notification's outcome, and with `written` its write, to `queue`
    /// (`Completion::Settled` / `Completion::Written`). On `QueueFull` the notification is
    /// handed back; `notify_room` tells `queue` when to try again.
    pub fn submit(
        &self,
        notification: Notification,
        queue: &CompletionQueue,
        written: bool,
        timeout: Duration,
    ) -> std::result::Result<u64, (Error, Notification)> {
        let room = Room::within(timeout);
        let id = self.enqueue(notification, Interest::Queue(queue, written), room)?;
        if self.engine.config.protocol == Protocol::Binary {
            // As for ensure_push: an idle binary writer flushes at once (a marker) rather
            // than at its next idle tick, so a lone notification's outcome comes promptly.
            self.engine.wake_writers();
        }
        Ok(id)
    }

    /// `queue` receives one `Completion::Room` when the send queue has room again (at once if
    /// it has room now) or the pusher is closing.
    pub fn notify_room(&self, queue: &CompletionQueue) {
        self.engine.notify_room(queue);
    }

    /// `queue` receives `Completion::Delivered(through)` once every notification with an id up
    /// to `through` has its outcome (at once if they have). Binary connections flush while it
    /// waits, as for `ensure_delivery`.
    pub fn notify_delivered(&self, queue: &CompletionQueue, through: u64) {
        self.engine.ledger.notify_delivered(queue, through);
        self.engine.wake_writers();
    }

    /// `queue` receives `Completion::Settled` for every outcome from now on (as well as the
    /// `outcome_reports` queue and the failed list). Watching twice is watching once. The
    /// queue holds at most `max_reports` outcomes: past that the oldest is dropped and counted
    /// in stats `reports_dropped`, so a consumer that falls behind never grows it unbounded.
    pub fn watch(&self, queue: &CompletionQueue) {
        self.engine.ledger.watch(queue);
    }

    /// Ends `watch`, and drops any `notify_delivered` still pending for `queue` (a caller that
    /// gave up waiting).
    pub fn unwatch(&self, queue: &CompletionQueue) {
        self.engine.ledger.unwatch(queue);
    }

    /// The `block_when_full` key: whether enqueues may wait for room.
    pub fn blocks_when_full(&self) -> bool {
        self.engine.config.block_when_full
    }

    /// Whether every notification with an id up to `id` has its outcome. Never blocks.
    pub fn settled_through(&self, id: u64) -> bool {
        self.engine.ledger.settled_through(id)
    }

    /// A future of the notification's outcome (runtime-free: any executor, or `block_on`).
    /// It enqueues on its first poll, waiting for room in a full queue without blocking
    /// (with `block_when_full = false` it resolves to `QueueFull`). Dropping it after it
    /// enqueued does not cancel the notification.
    pub fn send(&self, notification: Notification) -> crate::send::SendFuture<'_> {
        crate::send::SendFuture::new(self, notification)
    }
}
