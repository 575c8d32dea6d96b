//! Redis killed (SIGKILL) and restarted on the same port mid-run. A durable queue is a Redis
//! with an append-only file fsynced before each reply (`--appendonly yes --appendfsync
//! always`): what it acknowledged survives the kill. The worker keeps its in-flight
//! notifications and their outcomes while Redis is down, reconnects with backoff, writes what
//! it held, and every entry ends with exactly one outcome entry.

mod common;
mod redis_server;
use apnspush::mock::MockOptions;
use common::*;
use redis_server::*;
use std::time::Duration;

#[test]
fn redis_killed_and_restarted_mid_run_loses_nothing() {
    let dir = Scratch::new("worker-redis-restart");
    let mut redis = RedisServer::start_durable(&dir.0);
    let server = mock(MockOptions {
        record_payloads: false,
        response_delay: Duration::from_millis(1),
        ..MockOptions::http2()
    });
    config_file(&server, &dir.path("mock.json"));
    const N: u64 = 30_000;
    let ids = produce(&mut redis.con(), (0..N).map(notification));
    let mut worker = Worker::start(
        &redis,
        &dir.path("mock.json"),
        dir.path("worker.log"),
        &[
            "--consumer",
            "w",
            "--max-in-flight",
            "2000",
            "--claim-idle-ms",
            "2000",
            "--exit-idle-ms",
            "1000",
        ],
    );
    wait_len(&mut redis.con(), OUTCOMES, N / 4);
    redis.kill();
    // Down long enough for outcomes to pile up in the worker and its retries to back off.
    std::thread::sleep(Duration::from_millis(1500));
    redis.restart();
    let mut con = redis.con();
    let before = xlen(&mut con, OUTCOMES);
    assert!(before < N, "restarted mid-run ({before} outcomes)");
    assert_eq!(
        worker.wait(Duration::from_secs(120)),
        Some(0),
        "{}",
        worker.stderr()
    );
    let stderr = worker.stderr();
    eprintln!("{stderr}");
    assert!(
        stderr.contains("redis unavailable (writing outcomes)"),
        "{stderr}"
    );
    assert!(
        stderr.contains("redis is back (writing outcomes)"),
        "{stderr}"
    );
    let by_entry = outcomes_by_entry(&mut con);
    for (i, id) in ids.iter().enumerate() {
        let outcomes = by_entry
            .get(id)
            .unwrap_or_else(|| panic!("entry {i} has no outcome"));
        assert_eq!(outcomes.len(), 1, "{outcomes:?}");
        assert_eq!(outcomes[0]["kind"], "accepted");
        assert_eq!(outcomes[0]["ref"], i.to_string());
    }
    assert_eq!(xlen(&mut con, OUTCOMES), N);
    assert_eq!(group_pending(&mut con), 0);
    assert!(server.accepted_count() >= N);
}
