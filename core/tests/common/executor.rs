//! A minimal single-threaded executor for the tests of `Pusher::send`: it polls only the
//! futures whose waker was called, on the calling thread, and sleeps otherwise.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Wake, Waker};
use std::thread::Thread;
use std::time::{Duration, Instant};

struct Woken {
    ready: Mutex<Vec<usize>>,
    thread: Thread,
}

struct TaskWaker {
    index: usize,
    woken: Arc<Woken>,
}

impl Wake for TaskWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref()
    }
    fn wake_by_ref(self: &Arc<Self>) {
        self.woken.ready.lock().unwrap().push(self.index);
        self.woken.thread.unpark();
    }
}

/// Runs every future to completion (or panics after `limit`), returning the outputs in order,
/// and how many polls it took in all.
pub fn join_all<F: Future>(futures: Vec<F>, limit: Duration) -> (Vec<F::Output>, usize) {
    let n = futures.len();
    let woken = Arc::new(Woken {
        ready: Mutex::new((0..n).collect()),
        thread: std::thread::current(),
    });
    let wakers: Vec<Waker> = (0..n)
        .map(|index| {
            Waker::from(Arc::new(TaskWaker {
                index,
                woken: woken.clone(),
            }))
        })
        .collect();
    let mut futures: Vec<Option<Pin<Box<F>>>> =
        futures.into_iter().map(|f| Some(Box::pin(f))).collect();
    let mut outputs: Vec<Option<F::Output>> = (0..n).map(|_| None).collect();
    let (mut left, mut polls) = (n, 0);
    let end = Instant::now() + limit;
    while left > 0 {
        assert!(Instant::now() < end, "{left} futures still pending");
        let ready = std::mem::take(&mut *woken.ready.lock().unwrap());
        if ready.is_empty() {
            std::thread::park_timeout(Duration::from_millis(50));
            continue;
        }
        for i in ready {
            let Some(f) = futures[i].as_mut() else {
                continue;
            };
            polls += 1;
            if let Poll::Ready(v) = f.as_mut().poll(&mut Context::from_waker(&wakers[i])) {
                outputs[i] = Some(v);
                futures[i] = None;
                left -= 1;
            }
        }
    }
    (outputs.into_iter().map(Option::unwrap).collect(), polls)
}

/// Runs one future to completion on this thread.
pub fn block_on<F: Future>(f: F) -> F::Output {
    join_all(vec![f], Duration::from_secs(120)).0.pop().unwrap()
}
