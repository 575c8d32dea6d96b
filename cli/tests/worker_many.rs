//! Several workers in one group, and workers that die: three workers share the entries with
//! no outcome lost or doubled; a worker killed with SIGKILL mid-run has its pending entries
//! claimed and pushed again by a new worker (as possible duplicates); a worker stopped with
//! SIGTERM settles what it has in flight, leaves the rest pending, and exits 0.

mod common;
mod redis_server;
use apnspush::mock::MockOptions;
use common::*;
use redis_server::*;
use std::collections::{HashMap, HashSet};
use std::time::Duration;

const N: u64 = 30_000;

fn setup(name: &str, delay_ms: u64) -> (Scratch, RedisServer, apnspush::mock::MockServer) {
    let dir = Scratch::new(name);
    let redis = RedisServer::start(&dir.0);
    let server = mock(MockOptions {
        record_payloads: false,
        response_delay: Duration::from_millis(delay_ms),
        ..MockOptions::http2()
    });
    config_file(&server, &dir.path("mock.json"));
    (dir, redis, server)
}

/// Every entry has an outcome; an entry with several has `duplicate_possible` on every one
/// after the first. Returns the outcomes by entry.
fn check_complete(
    con: &mut redis::Connection,
    ids: &[String],
) -> HashMap<String, Vec<HashMap<String, String>>> {
    let by_entry = outcomes_by_entry(con);
    for (i, id) in ids.iter().enumerate() {
        let outcomes = by_entry
            .get(id)
            .unwrap_or_else(|| panic!("entry {i} ({id}) has no outcome"));
        for later in &outcomes[1..] {
            assert_eq!(later["duplicate_possible"], "true", "{outcomes:?}");
        }
        for o in outcomes {
            assert_eq!(o["ref"], i.to_string());
            assert_eq!(o["kind"], "accepted", "{o:?}");
            let dup = o["attempts"] != "1";
            assert!(!dup || o["duplicate_possible"] == "true", "{o:?}");
        }
    }
    assert_eq!(
        by_entry.len(),
        ids.len(),
        "outcomes only for the entries produced"
    );
    assert_eq!(group_pending(con), 0);
    by_entry
}

/// Runs a worker "second" (configured by `config` in `dir`, claiming entries idle for
/// `claim_idle_ms`) until the group has nothing left, and checks it exits 0; its log.
fn finish_with_second_worker(
    redis: &RedisServer,
    dir: &Scratch,
    config: &str,
    claim_idle_ms: u64,
) -> String {
    let idle = claim_idle_ms.to_string();
    let mut second = Worker::start(
        redis,
        &dir.path(config),
        dir.path("second.log"),
        &[
            "--consumer",
            "second",
            "--claim-idle-ms",
            &idle,
            "--exit-idle-ms",
            "500",
        ],
    );
    assert_eq!(
        second.wait(Duration::from_secs(120)),
        Some(0),
        "{}",
        second.stderr()
    );
    second.stderr()
}

#[test]
fn three_workers_in_one_group_settle_every_entry_once() {
    let (dir, redis, server) = setup("worker-three", 0);
    let mut con = redis.con();
    let ids = produce(&mut con, (0..N).map(notification));
    let mut workers: Vec<Worker> = (0..3)
        .map(|w| {
            Worker::start(
                &redis,
                &dir.path("mock.json"),
                dir.path(&format!("w{w}.log")),
                &[
                    "--consumer",
                    &format!("w{w}"),
                    "--exit-idle-ms",
                    "500",
                    "--max-in-flight",
                    "1000",
                ],
            )
        })
        .collect();
    for w in &mut workers {
        assert_eq!(w.wait(Duration::from_secs(120)), Some(0), "{}", w.stderr());
    }
    let by_entry = check_complete(&mut con, &ids);
    assert_eq!(xlen(&mut con, OUTCOMES), N, "no entry settled twice");
    let per_worker: HashMap<String, usize> = by_entry.values().fold(HashMap::new(), |mut m, o| {
        *m.entry(o[0]["worker"].clone()).or_default() += 1;
        m
    });
    assert_eq!(
        per_worker.len(),
        3,
        "every worker took a share: {per_worker:?}"
    );
    assert_eq!(server.accepted_count(), N);
}

#[test]
fn a_worker_killed_mid_run_has_its_entries_claimed_and_none_is_lost() {
    // Slow answers keep entries in flight when the kill comes.
    let (dir, redis, server) = setup("worker-kill", 1);
    let mut con = redis.con();
    let ids = produce(&mut con, (0..N).map(notification));
    let mut first = Worker::start(
        &redis,
        &dir.path("mock.json"),
        dir.path("first.log"),
        &["--consumer", "first", "--max-in-flight", "2000"],
    );
    wait_len(&mut con, OUTCOMES, N / 5);
    first.child.kill().unwrap(); // SIGKILL
    first.child.wait().unwrap();
    let written_before = xlen(&mut con, OUTCOMES);
    assert!(written_before < N, "killed mid-run");
    let pending_of_first = group_pending(&mut con);
    assert!(
        pending_of_first > 0,
        "the killed worker left entries pending"
    );
    let stderr = finish_with_second_worker(&redis, &dir, "mock.json", 1000);
    let by_entry = check_complete(&mut con, &ids);
    let claimed: Vec<_> = by_entry
        .values()
        .flatten()
        .filter(|o| o["worker"] == "second" && o["duplicate_possible"] == "true")
        .collect();
    assert_eq!(
        claimed.len() as u64,
        pending_of_first,
        "every pending entry claimed once"
    );
    assert!(
        claimed.iter().all(|o| o["attempts"] == "2"),
        "delivered twice"
    );
    assert!(
        stderr.contains(&format!("claimed {pending_of_first} entries"))
            || stderr.contains("claimed"),
        "{stderr}"
    );
    // The mock saw at least every entry once; the claimed ones possibly twice.
    assert!(server.accepted_count() >= N);
    assert!(server.accepted_count() <= N + pending_of_first);
}

#[test]
fn sigterm_settles_what_is_in_flight_leaves_the_rest_pending_and_exits_0() {
    let (dir, redis, server) = setup("worker-term", 1);
    let mut con = redis.con();
    let ids = produce(&mut con, (0..N).map(notification));
    let mut first = Worker::start(
        &redis,
        &dir.path("mock.json"),
        dir.path("first.log"),
        &[
            "--consumer",
            "first",
            "--max-in-flight",
            "2000",
            "--set",
            "close_timeout_ms=2000",
        ],
    );
    wait_len(&mut con, OUTCOMES, N / 5);
    first.signal(libc::SIGTERM);
    assert_eq!(
        first.wait(Duration::from_secs(30)),
        Some(0),
        "{}",
        first.stderr()
    );
    let stderr = first.stderr();
    assert!(stderr.contains("stopping: no more reads"), "{stderr}");
    let settled_by_first: HashSet<String> = read_stream(&mut con, OUTCOMES)
        .into_iter()
        .map(|o| o["entry"].clone())
        .collect();
    assert!((settled_by_first.len() as u64) < N);
    finish_with_second_worker(&redis, &dir, "mock.json", 500);
    let by_entry = check_complete(&mut con, &ids);
    // The first worker wrote the outcome of everything it had pushed before stopping: no
    // entry it settled appears again.
    for id in &settled_by_first {
        assert_eq!(by_entry[id].len(), 1, "{:?}", by_entry[id]);
    }
    assert_eq!(xlen(&mut con, OUTCOMES), N);
    assert!(server.accepted_count() >= N);
}

#[test]
fn sigterm_with_a_silent_server_leaves_the_unanswered_pending_for_another_worker() {
    // The first worker's server answers 300 requests per connection, then nothing: at the
    // SIGTERM the rest cannot settle within close_timeout_ms. They get no outcome and no ack,
    // and a second worker (with a server that answers) claims them as possible duplicates.
    const ANSWERED: u64 = 300;
    const ENTRIES: u64 = 2_000;
    let dir = Scratch::new("worker-term-silent");
    let redis = RedisServer::start(&dir.0);
    let silent = mock(MockOptions {
        stall_after: Some(ANSWERED),
        ..MockOptions::http2()
    });
    config_file(&silent, &dir.path("silent.json"));
    let answering = mock(MockOptions::http2());
    config_file(&answering, &dir.path("answering.json"));
    let mut con = redis.con();
    let ids = produce(&mut con, (0..ENTRIES).map(notification));
    let mut first = Worker::start(
        &redis,
        &dir.path("silent.json"),
        dir.path("first.log"),
        &[
            "--consumer",
            "first",
            "--max-in-flight",
            "500",
            "--set",
            "close_timeout_ms=300",
        ],
    );
    wait_len(&mut con, OUTCOMES, ANSWERED);
    first.signal(libc::SIGTERM);
    assert_eq!(
        first.wait(Duration::from_secs(30)),
        Some(0),
        "{}",
        first.stderr()
    );
    assert_eq!(
        xlen(&mut con, OUTCOMES),
        ANSWERED,
        "no outcome for the unanswered"
    );
    let left = group_pending(&mut con);
    assert!(left > 0, "the unanswered stay pending");
    assert!(
        first
            .stderr()
            .contains(&format!("stopped: {left} entries left pending")),
        "{}",
        first.stderr()
    );
    let settled_by_first: HashSet<String> = read_stream(&mut con, OUTCOMES)
        .into_iter()
        .map(|o| o["entry"].clone())
        .collect();
    finish_with_second_worker(&redis, &dir, "answering.json", 200);
    let by_entry = check_complete(&mut con, &ids);
    assert_eq!(xlen(&mut con, OUTCOMES), ENTRIES, "one outcome per entry");
    let claimed: Vec<_> = by_entry
        .iter()
        .filter(|(id, _)| !settled_by_first.contains(*id))
        .filter(|(_, o)| o[0]["attempts"] == "2")
        .collect();
    assert_eq!(
        claimed.len() as u64,
        left,
        "exactly the pending ones were claimed"
    );
    for (_, o) in claimed {
        assert_eq!(o[0]["duplicate_possible"], "true", "{o:?}");
        assert_eq!(o[0]["worker"], "second");
    }
}
