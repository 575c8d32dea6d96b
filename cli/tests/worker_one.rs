//! One worker against a real redis-server and the built-in mock: 100,000 entries with bad
//! tokens get exactly one outcome entry each (by entry id), the bad ones rejected with the
//! mock's reason, and nothing is left pending.

mod common;
mod redis_server;
use apnspush::mock::MockOptions;
use common::*;
use redis_server::*;
use std::collections::HashMap;
use std::time::{Duration, Instant};

#[test]
fn one_worker_settles_100000_entries_with_exactly_one_outcome_each() {
    let dir = Scratch::new("worker-one");
    let redis = RedisServer::start(&dir.0);
    let server = mock(MockOptions {
        record_payloads: false,
        ..MockOptions::http2()
    });
    config_file(&server, &dir.path("mock.json"));
    const N: u64 = 100_000;
    let bad = |i: u64| i % 1_009 == 7;
    for i in (0..N).filter(|i| bad(*i)) {
        let token = apnspush::notification::hex_decode(&token(i)).unwrap();
        server.reject_token_http2(&token, 400, "BadDeviceToken");
    }
    let mut con = redis.con();
    let ids = produce(&mut con, (0..N).map(notification));
    let started = Instant::now();
    let mut worker = Worker::start(
        &redis,
        &dir.path("mock.json"),
        dir.path("worker.log"),
        &["--exit-idle-ms", "500", "--consumer", "w1"],
    );
    assert_eq!(
        worker.wait(Duration::from_secs(180)),
        Some(0),
        "{}",
        worker.stderr()
    );
    eprintln!(
        "100,000 entries settled in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let by_entry = outcomes_by_entry(&mut con);
    assert_eq!(
        xlen(&mut con, OUTCOMES),
        N,
        "one outcome entry per notification entry"
    );
    assert_eq!(by_entry.len() as u64, N);
    let index: HashMap<&str, u64> = ids
        .iter()
        .enumerate()
        .map(|(i, id)| (id.as_str(), i as u64))
        .collect();
    for (entry, outcomes) in &by_entry {
        let o = &outcomes[0];
        let i = index[entry.as_str()];
        assert_eq!(o["ref"], i.to_string(), "{o:?}");
        assert_eq!(o["token"], token(i));
        assert_eq!(o["channel_id"], "");
        assert_eq!(o["attempts"], "1");
        assert_eq!(o["duplicate_possible"], "false");
        assert_eq!(o["worker"], "w1");
        assert_eq!(o["apns_id"].len(), 36, "{o:?}");
        if bad(i) {
            assert_eq!(
                (&o["kind"][..], &o["status"][..], &o["reason"][..]),
                ("rejected", "400", "BadDeviceToken")
            );
        } else {
            assert_eq!(
                (&o["kind"][..], &o["status"][..], &o["reason"][..]),
                ("accepted", "200", "")
            );
        }
        assert_eq!(o.len(), 12, "the schema's fields: {o:?}");
    }
    let rejected = (0..N).filter(|i| bad(*i)).count();
    assert_eq!(server.http2_rejected().len(), rejected);
    assert_eq!(server.accepted_count(), N - rejected as u64);
    assert_eq!(group_pending(&mut con), 0, "nothing pending at the end");
    assert_eq!(xlen(&mut con, DEAD), 0);
}
