//! A connection slot keeps one reader thread across reconnects (issue 10, flat memory): a
//! thread per connection gave each reconnect a fresh glibc arena, and RSS grew with every
//! replaced connection. This file holds one test so no other pusher shares the process.

mod common;

use apnspush::mock::MockOptions;
use common::{mock, notification, pusher, token, WAIT};
use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// Thread ids of this process's threads named `name`.
fn threads_named(name: &str) -> HashSet<u64> {
    let mut ids = HashSet::new();
    for entry in std::fs::read_dir("/proc/self/task").unwrap().flatten() {
        let comm = std::fs::read_to_string(entry.path().join("comm")).unwrap_or_default();
        if comm.trim_end() == name {
            ids.extend(
                entry
                    .file_name()
                    .to_str()
                    .and_then(|s| s.parse::<u64>().ok()),
            );
        }
    }
    ids
}

/// Pushes `n` through `p` while sampling the reader threads; returns the distinct ids seen.
fn readers_seen(p: &apnspush::Pusher, n: u64, name: &str) -> HashSet<u64> {
    let done = AtomicBool::new(false);
    std::thread::scope(|s| {
        let sampler = s.spawn(|| {
            let mut seen = HashSet::new();
            while !done.load(Ordering::Relaxed) {
                seen.extend(threads_named(name));
                std::thread::sleep(Duration::from_micros(500));
            }
            seen
        });
        for i in 0..n {
            p.push_async(notification(i)).unwrap();
        }
        p.ensure_delivery(WAIT).unwrap();
        done.store(true, Ordering::Relaxed);
        sampler.join().unwrap()
    })
}

#[test]
fn each_slot_reads_every_connection_on_one_thread() {
    // Binary: every rejection ends the connection.
    let m = mock(MockOptions::default());
    for i in (0..6_000).step_by(300) {
        m.reject_token(&token(i), 8);
    }
    let p = pusher(&m, &[]);
    let seen = readers_seen(&p, 6_000, "apns-read-0");
    let s = p.stats();
    assert!(s.reconnects >= 15, "{s:?}");
    assert_eq!(
        seen.len(),
        1,
        "one reader thread for {} connections",
        s.connects
    );
    drop(p);

    // HTTP/2: a GOAWAY every 500 requests.
    let m = mock(MockOptions {
        goaway_after: Some(500),
        ..MockOptions::http2().with_token_auth()
    });
    let p = pusher(&m, &[]);
    let seen = readers_seen(&p, 6_000, "apns-h2-read-0");
    let s = p.stats();
    assert!(s.reconnects >= 10, "{s:?}");
    assert_eq!(
        seen.len(),
        1,
        "one reader thread for {} connections",
        s.connects
    );
}
