//! 100,000 `send` futures in flight on a fixed set of threads: a pending send holds no thread.
//! (Alone in its test binary, so no other test's threads are counted.)

mod common;

use apnspush::mock::MockOptions;
use common::executor::join_all;
use common::*;
use std::future::Future;
use std::time::Duration;

fn threads() -> usize {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status.lines().find(|l| l.starts_with("Threads:")).unwrap();
    line[8..].trim().parse().unwrap()
}

#[test]
fn a_hundred_thousand_pending_sends_use_no_thread_each() {
    let m = mock(MockOptions::http2());
    let p = pusher(&m, &[("connections", "2"), ("outcome_reports", "none")]);
    // Warm up: both connections up, their reader threads and the mock's threads started.
    for i in 0..2_000 {
        p.push_async(notification(1_000_000 + i)).unwrap();
    }
    p.ensure_delivery(WAIT).unwrap();
    let before = threads();
    let mut futures: Vec<_> = (0..100_000).map(|i| p.send(notification(i))).collect();
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    let mut ready = 0;
    for f in futures.iter_mut() {
        // A first poll enqueues (or, past the queue's capacity, waits for room).
        ready += std::pin::Pin::new(f).poll(&mut cx).is_ready() as usize;
    }
    let during = threads();
    assert_eq!(ready, 0, "a send resolved before its outcome could arrive");
    assert_eq!(
        during, before,
        "threads grew from {before} to {during} with sends pending"
    );
    let (outcomes, _) = join_all(futures, Duration::from_secs(300));
    assert!(outcomes.iter().all(|o| o.as_ref().unwrap().is_accepted()));
    assert_eq!(mock_counts(&m).len(), 102_000);
    assert_eq!(threads(), before);
    println!("threads: {before} with the pusher and mock, {during} with 100,000 sends pending");
}
