//! Entries that are not valid notifications (not JSON, a bad token, no target, no `n` field,
//! a payload given with builder fields) go to the dead-letter stream with the reason and the
//! raw value, and are acknowledged; the valid entry beside them is pushed.

mod common;
mod redis_server;
use apnspush::mock::MockOptions;
use common::*;
use redis::Commands;
use redis_server::*;
use std::time::Duration;

#[test]
fn malformed_entries_land_in_the_dead_letter_stream_with_their_reason_and_are_acked() {
    let dir = Scratch::new("worker-dead");
    let redis = RedisServer::start(&dir.0);
    let server = mock(MockOptions::http2());
    config_file(&server, &dir.path("mock.json"));
    let mut con = redis.con();
    let bad = [
        ("not json".to_string(), "not a JSON object"),
        (r#"{"ref":1,"token":"zz","alert":"x"}"#.to_string(), "hex"),
        (r#"{"ref":2,"alert":"x"}"#.to_string(), "token is missing"),
        (
            format!(
                r#"{{"token":"{}","payload":{{"aps":{{}}}},"badge":1}}"#,
                token(3)
            ),
            "payload was given together",
        ),
    ];
    let mut ids = produce(&mut con, bad.iter().map(|(n, _)| n.clone()));
    let no_n: String = con.xadd(STREAM, "*", &[("token", token(4))]).unwrap();
    let good = produce(&mut con, std::iter::once(notification(5)));
    let mut worker = Worker::start(
        &redis,
        &dir.path("mock.json"),
        dir.path("worker.log"),
        &["--exit-idle-ms", "300"],
    );
    assert_eq!(
        worker.wait(Duration::from_secs(60)),
        Some(0),
        "{}",
        worker.stderr()
    );
    let dead = read_stream(&mut con, DEAD);
    assert_eq!(dead.len(), 5, "{dead:?}");
    ids.push(no_n.clone());
    for (d, id) in dead.iter().zip(&ids) {
        assert_eq!(&d["entry"], id);
        assert_eq!(d.len(), 3, "entry, reason, n: {d:?}");
    }
    for (d, (n, reason)) in dead.iter().zip(&bad) {
        assert_eq!(&d["n"], n);
        assert!(d["reason"].contains(reason), "{d:?}");
    }
    assert!(
        dead[4]["reason"].contains("no field \"n\" (fields: token)"),
        "{:?}",
        dead[4]
    );
    assert_eq!(dead[4]["n"], "");
    let stderr = worker.stderr();
    assert!(
        stderr.contains(&format!("entry {no_n} is not a valid notification")),
        "{stderr}"
    );
    let outcomes = read_stream(&mut con, OUTCOMES);
    assert_eq!(outcomes.len(), 1);
    assert_eq!(
        (&outcomes[0]["entry"], &outcomes[0]["kind"][..]),
        (&good[0], "accepted")
    );
    assert_eq!(server.accepted_count(), 1);
    assert_eq!(group_pending(&mut con), 0, "dead letters are acknowledged");
}
