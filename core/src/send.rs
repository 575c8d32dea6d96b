//! `Pusher::send`: a notification's outcome as a `std::future::Future`, with no runtime and no
//! thread per wait. The engine thread that settles the notification (or frees room in the send
//! queue) only calls `Waker::wake`; the future's owner runs everything else.

use crate::completion::{Completion, CompletionQueue};
use crate::error::{Error, ErrorKind, Result};
use crate::notification::Notification;
use crate::outcome::Outcome;
use crate::pusher::Pusher;
use parking_lot::Mutex;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

/// The future returned by `Pusher::send`. Resolves to the outcome, or to the error that kept
/// the notification out of the queue (`QueueFull` with `block_when_full = false`, `Closed`,
/// or a validation error).
pub struct SendFuture<'a> {
    pusher: &'a Pusher,
    notification: Option<Notification>,
    /// Set once enqueued.
    id: Option<u64>,
    queue: CompletionQueue,
    waker: Arc<Mutex<Option<Waker>>>,
}

impl<'a> SendFuture<'a> {
    pub(crate) fn new(pusher: &'a Pusher, notification: Notification) -> SendFuture<'a> {
        let waker: Arc<Mutex<Option<Waker>>> = Arc::default();
        let w = waker.clone();
        let queue = CompletionQueue::with_wake(move || {
            // Woken outside the lock: an executor may poll (and re-register) from `wake`.
            let waker = w.lock().clone();
            if let Some(waker) = waker {
                waker.wake();
            }
        });
        SendFuture {
            pusher,
            notification: Some(notification),
            id: None,
            queue,
            waker,
        }
    }

    /// The notification's id, once the future has enqueued it.
    pub fn id(&self) -> Option<u64> {
        self.id
    }
}

impl Future for SendFuture<'_> {
    type Output = Result<Outcome>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        // Register before looking, so an item appended after the look still wakes us.
        let fresh = match this.waker.lock().as_ref() {
            Some(w) => !w.will_wake(cx.waker()),
            None => true,
        };
        if fresh {
            *this.waker.lock() = Some(cx.waker().clone());
        }
        for item in this.queue.take(usize::MAX) {
            if let Completion::Settled(outcome) = item {
                return Poll::Ready(Ok(outcome));
            }
        }
        if this.id.is_some() {
            return Poll::Pending;
        }
        let Some(n) = this.notification.take() else {
            return Poll::Ready(Err(Error::new(
                ErrorKind::InvalidArgument,
                "polled after it resolved",
            )));
        };
        match this.pusher.submit(n, &this.queue, false, Duration::ZERO) {
            Ok(id) => {
                this.id = Some(id);
                Poll::Pending
            }
            Err((e, n)) if e.kind() == ErrorKind::QueueFull && this.pusher.blocks_when_full() => {
                this.notification = Some(n);
                this.pusher.notify_room(&this.queue);
                Poll::Pending
            }
            Err((e, _)) => Poll::Ready(Err(e)),
        }
    }
}
