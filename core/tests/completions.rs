//! The completion path: `send` futures, completion queues, deadline enqueues and lazy start,
//! checked against what the mock recorded.

mod common;

use apnspush::mock::MockOptions;
use apnspush::{Completion, CompletionQueue, ErrorKind, OutcomeKind, Pusher};
use common::executor::{block_on, join_all};
use common::*;
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use std::sync::Arc;
use std::time::Duration;

const LIMIT: Duration = Duration::from_secs(120);

fn bad_token_mock(protocol_http2: bool, bad: &[u64]) -> apnspush::mock::MockServer {
    let base = if protocol_http2 {
        MockOptions::http2()
    } else {
        MockOptions::default()
    };
    let http2_reject = if protocol_http2 {
        let reason = "BadDeviceToken".to_string();
        bad.iter()
            .map(|&i| (token(i), 400, reason.clone()))
            .collect()
    } else {
        Vec::new()
    };
    let reject = if protocol_http2 {
        Vec::new()
    } else {
        bad.iter().map(|&i| (token(i), 8u8)).collect()
    };
    mock(MockOptions {
        reject,
        http2_reject,
        ..base
    })
}

fn sends_resolve_with_each_outcome(http2: bool) {
    let bad = [17, 4_000, 9_999];
    let m = bad_token_mock(http2, &bad);
    let p = pusher(&m, &[]);
    let futures: Vec<_> = (0..10_000).map(|i| p.send(notification(i))).collect();
    let (outcomes, polls) = join_all(futures, LIMIT);
    // Each future is polled once to enqueue and about once more when its outcome arrives.
    assert!(polls < 30_000, "{polls} polls for 10,000 futures");
    for (i, o) in outcomes.into_iter().enumerate() {
        let o = o.unwrap();
        assert_eq!(o.user_data, i as u64);
        let want = if bad.contains(&(i as u64)) {
            OutcomeKind::Rejected
        } else {
            OutcomeKind::Accepted
        };
        assert_eq!(o.kind, want, "notification {i}");
        if want == OutcomeKind::Rejected {
            assert_eq!(o.status, if http2 { 400 } else { 8 });
        }
    }
    let counts = mock_counts(&m);
    assert_eq!(counts.len(), 10_000 - bad.len());
    assert!(counts.values().all(|&c| c == 1));
}

#[test]
fn ten_thousand_send_futures_resolve_with_their_outcomes_binary() {
    sends_resolve_with_each_outcome(false);
}

#[test]
fn ten_thousand_send_futures_resolve_with_their_outcomes_http2() {
    sends_resolve_with_each_outcome(true);
}

#[test]
fn send_waits_for_room_in_a_full_queue_without_blocking_the_poller() {
    let m = mock(MockOptions::http2());
    let p = pusher(&m, &[("queue_capacity", "8")]);
    let futures: Vec<_> = (0..3_000).map(|i| p.send(notification(i))).collect();
    let (outcomes, _) = join_all(futures, LIMIT);
    assert!(outcomes.iter().all(|o| o.as_ref().unwrap().is_accepted()));
    assert_eq!(mock_counts(&m).len(), 3_000);
}

#[test]
fn send_with_block_when_full_false_resolves_queue_full_and_queues_nothing() {
    let m = mock(MockOptions {
        stall_after: Some(0),
        ..MockOptions::http2()
    });
    let p = pusher(&m, &[("queue_capacity", "4"), ("block_when_full", "false")]);
    // The gateway answers nothing: the writer holds a few, the queue takes 4, the rest are
    // refused at once.
    let futures: Vec<_> = (0..200).map(|i| p.send(notification(i))).collect();
    let mut refused = 0;
    let mut pending = Vec::new();
    for mut f in futures {
        match poll_once(&mut f) {
            Some(Err(e)) => {
                assert_eq!(e.kind(), ErrorKind::QueueFull);
                refused += 1;
            }
            Some(Ok(o)) => panic!("outcome {o:?} from a silent gateway"),
            None => pending.push(f.id().expect("an enqueued future has its id")),
        }
    }
    assert!(refused > 100, "only {refused} refused");
    assert_eq!(p.stats().pushed as usize, pending.len());
    let summary = p.close(Duration::from_millis(300));
    assert_eq!(
        (summary.cancelled + summary.unconfirmed) as usize,
        pending.len()
    );
    assert!(mock_counts(&m).is_empty());
}

/// Polls once with a no-op waker (for tests that look at a future between polls).
fn poll_once<F: std::future::Future + Unpin>(f: &mut F) -> Option<F::Output> {
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    match std::pin::Pin::new(f).poll(&mut cx) {
        std::task::Poll::Ready(v) => Some(v),
        std::task::Poll::Pending => None,
    }
}

#[test]
fn a_completion_queue_gets_writes_outcomes_and_delivery_with_one_wake_per_batch() {
    let m = bad_token_mock(true, &[3]);
    let p = pusher(&m, &[]);
    let wakes = Arc::new(AtomicUsize::new(0));
    let w = wakes.clone();
    let q = CompletionQueue::with_wake(move || {
        w.fetch_add(1, Relaxed);
    });
    let ids: Vec<u64> = (0..500)
        .map(|i| {
            p.submit(notification(i), &q, i % 2 == 0, Duration::from_secs(10))
                .map_err(|(e, _)| e)
                .unwrap()
        })
        .collect();
    p.notify_delivered(&q, *ids.last().unwrap());
    let (mut written, mut settled, mut delivered) = (0, HashMap::new(), None);
    while delivered.is_none() {
        let items = q.wait(usize::MAX, Duration::from_secs(60));
        assert!(!items.is_empty(), "no completion within a minute");
        for item in items {
            match item {
                Completion::Written(id) => {
                    assert!(id % 2 == 1, "only even indexes (odd ids) asked for writes");
                    assert!(!settled.contains_key(&id), "Written after the outcome");
                    written += 1;
                }
                Completion::Settled(o) => assert!(settled.insert(o.id, o).is_none()),
                Completion::Delivered(id) => delivered = Some(id),
                Completion::Room => panic!("Room without notify_room"),
            }
        }
    }
    assert_eq!(delivered, ids.last().copied());
    // A write is reported unless the outcome overtook it (the answer read before the writer
    // marked the write): how many do depends on scheduling (under load most can be overtaken),
    // so only the bounds are fixed; the order is checked per item above.
    assert!((1..=250).contains(&written), "{written} writes reported");
    assert_eq!(settled.len(), 500);
    assert_eq!(settled[&4].kind, OutcomeKind::Rejected);
    assert!(p.settled_through(ids[499]));
    // The wake function ran once per empty-to-non-empty transition, not per item.
    assert!(
        wakes.load(Relaxed) < 1_000 + 1,
        "{} wakes",
        wakes.load(Relaxed)
    );
    assert_eq!(mock_counts(&m).len(), 499);
}

#[test]
fn a_watching_queue_sees_every_outcome_once_whatever_verb_pushed_it() {
    let m = mock(MockOptions::default());
    let p = pusher(&m, &[]);
    let all = CompletionQueue::new();
    p.watch(&all);
    for i in 0..300 {
        p.push_async(notification(i)).unwrap();
    }
    p.ensure_push(notification(300), WAIT).unwrap();
    block_on(p.send(notification(301))).unwrap();
    p.ensure_delivery(WAIT).unwrap();
    p.unwatch(&all);
    let mut seen = HashMap::new();
    for item in all.take(usize::MAX) {
        let Completion::Settled(o) = item else {
            panic!("unexpected {item:?}")
        };
        assert!(seen.insert(o.user_data, o.kind).is_none());
    }
    assert_eq!(seen.len(), 302);
    p.push_async(notification(302)).unwrap();
    p.ensure_delivery(WAIT).unwrap();
    assert!(all.is_empty(), "an unwatched queue still received outcomes");
}

#[test]
fn push_async_timeout_hands_the_notification_back_and_loses_nothing() {
    let m = mock(MockOptions {
        stall_after: Some(0),
        ..MockOptions::http2()
    });
    let p = pusher(&m, &[("queue_capacity", "2")]);
    let mut queued = 0;
    let mut refused = None;
    for i in 0..100 {
        match p.push_async_timeout(notification(i), Duration::from_millis(20)) {
            Ok(_) => queued += 1,
            Err((e, n)) => {
                assert_eq!(e.kind(), ErrorKind::QueueFull);
                assert_eq!(n.user_data(), i, "the refused notification comes back");
                refused = Some(i);
                break;
            }
        }
    }
    assert!(
        refused.is_some(),
        "a silent gateway never filled a 2-slot queue"
    );
    assert_eq!(p.stats().pushed, queued);
    let summary = p.close(Duration::from_millis(300));
    assert_eq!(summary.cancelled + summary.unconfirmed, queued);
    let mut outcomes = HashMap::new();
    drain_outcomes(&p, &mut outcomes);
    assert_eq!(outcomes.len() as u64, queued);
}

#[test]
fn send_on_a_closed_pusher_resolves_closed() {
    let m = mock(MockOptions::http2());
    let p = pusher(&m, &[]);
    p.close(Duration::from_secs(1));
    let e = block_on(p.send(notification(1))).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Closed);
}

#[test]
fn eager_start_fails_when_apns_is_unreachable() {
    let port = free_port();
    let mut c = apnspush::Config::new();
    c.set("host", "127.0.0.1").unwrap();
    c.set("port", &port.to_string()).unwrap();
    c.set("connect_timeout_ms", "2000").unwrap();
    let e = Pusher::new(c).err().expect("nothing listens there");
    assert_eq!(e.kind(), ErrorKind::Connect);
}

#[test]
fn lazy_start_queues_while_apns_is_unreachable_and_delivers_when_it_appears() {
    let m = mock(MockOptions::http2());
    let port = free_port();
    let mut c = config(&m, &[("connect_on_start", "false")]);
    c.set("port", &port.to_string()).unwrap();
    c.set("reconnect_backoff_max_ms", "200").unwrap();
    c.set("max_attempts", "1000").unwrap();
    let p = Pusher::new(c).expect("a lazy start never needs the network");
    let ids: Vec<u64> = (0..100)
        .map(|i| p.push_async(notification(i)).unwrap())
        .collect();
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(p.stats().accepted, 0);
    // APNs appears: a forwarder on the pusher's port to the mock.
    let _forwarder = forward(port, m.port());
    p.ensure_delivery(WAIT).unwrap();
    let mut outcomes = HashMap::new();
    drain_outcomes(&p, &mut outcomes);
    assert!(ids.iter().all(|id| outcomes[id].is_accepted()));
    assert_eq!(mock_counts(&m).len(), 100);
}

#[test]
fn lazy_start_fails_queued_notifications_after_max_attempts_connects() {
    let mut c = apnspush::Config::new();
    c.set("host", "127.0.0.1").unwrap();
    c.set("port", &free_port().to_string()).unwrap();
    for (k, v) in [
        ("connect_on_start", "false"),
        ("max_attempts", "3"),
        ("reconnect_backoff_ms", "10"),
    ] {
        c.set(k, v).unwrap();
    }
    let p = Pusher::new(c).unwrap();
    let o = p.ensure_push(notification(1), WAIT).unwrap();
    assert_eq!(
        (o.kind, o.error),
        (OutcomeKind::Failed, Some(ErrorKind::Connect))
    );
}

/// A loopback port nothing listens on (bound, then released).
fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

/// Forwards every connection to `from` on to `to` until dropped (the test's end).
fn forward(from: u16, to: u16) -> std::thread::JoinHandle<()> {
    let listener = std::net::TcpListener::bind(("127.0.0.1", from)).unwrap();
    std::thread::spawn(move || {
        for client in listener.incoming().flatten() {
            let Ok(server) = std::net::TcpStream::connect(("127.0.0.1", to)) else {
                continue;
            };
            for (mut a, mut b) in [
                (client.try_clone().unwrap(), server.try_clone().unwrap()),
                (server, client),
            ] {
                std::thread::spawn(move || {
                    let _ = std::io::copy(&mut a, &mut b);
                    let _ = b.shutdown(std::net::Shutdown::Write);
                });
            }
        }
    })
}
