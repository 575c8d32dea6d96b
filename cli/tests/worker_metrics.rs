//! `--metrics ADDR` serves Prometheus text: the engine counters (every numeric `Stats` field),
//! the outcomes written by kind, dead letters, claims, pending entries, stream lag and Redis
//! errors.

mod common;
mod redis_server;
use apnspush::mock::MockOptions;
use apnspush::Stats;
use common::*;
use redis_server::*;
use std::collections::HashMap;
use std::io::{Read, Write};
use std::time::Duration;

fn scrape(addr: &str) -> HashMap<String, f64> {
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    write!(s, "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
    let mut text = String::new();
    s.read_to_string(&mut text).unwrap();
    assert!(text.starts_with("HTTP/1.1 200 OK\r\n"), "{text}");
    let body = &text[text.find("\r\n\r\n").unwrap() + 4..];
    body.lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .map(|l| {
            let (k, v) = l.rsplit_once(' ').unwrap();
            (k.to_string(), v.parse().unwrap())
        })
        .collect()
}

#[test]
fn the_metrics_endpoint_serves_engine_and_worker_counters() {
    let dir = Scratch::new("worker-metrics");
    let redis = RedisServer::start(&dir.0);
    let server = mock(MockOptions::http2());
    config_file(&server, &dir.path("mock.json"));
    for i in [3u64, 30, 300] {
        let token = apnspush::notification::hex_decode(&token(i)).unwrap();
        server.reject_token_http2(&token, 410, "Unregistered");
    }
    let mut con = redis.con();
    produce(
        &mut con,
        (0..999)
            .map(notification)
            .chain(std::iter::once("{".to_string())),
    );
    let addr = format!("127.0.0.1:{}", free_port());
    let mut worker = Worker::start(
        &redis,
        &dir.path("mock.json"),
        dir.path("worker.log"),
        &["--metrics", &addr, "--consumer", "m"],
    );
    wait_len(&mut con, OUTCOMES, 999);
    wait_len(&mut con, DEAD, 1);
    // Outcomes are counted once their write returned: scrape until they are all counted.
    let mut m = scrape(&addr);
    for _ in 0..500 {
        if m.get("apnspush_worker_outcomes_written_total{kind=\"accepted\"}") == Some(&996.0) {
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
        m = scrape(&addr);
    }
    for field in Stats::FIELDS.iter().filter(|f| **f != "last_error") {
        assert!(
            m.contains_key(&format!("apnspush_{field}")),
            "apnspush_{field} missing: {m:?}"
        );
    }
    let want = [
        ("apnspush_pushed", 999.0),
        ("apnspush_accepted", 996.0),
        ("apnspush_rejected", 3.0),
        ("apnspush_worker_entries_read_total", 1000.0),
        (
            "apnspush_worker_outcomes_written_total{kind=\"accepted\"}",
            996.0,
        ),
        (
            "apnspush_worker_outcomes_written_total{kind=\"rejected\"}",
            3.0,
        ),
        ("apnspush_worker_dead_letters_total", 1.0),
        ("apnspush_worker_claims_total", 0.0),
        ("apnspush_worker_redis_errors_total", 0.0),
        ("apnspush_worker_in_flight", 0.0),
        ("apnspush_worker_pending_entries", 0.0),
        ("apnspush_worker_group_pending_entries", 0.0),
        ("apnspush_worker_stream_lag", 0.0),
        ("apnspush_worker_redis_up", 1.0),
    ];
    for (name, value) in want {
        assert_eq!(m.get(name), Some(&value), "{name}: {m:?}");
    }
    worker.signal(libc::SIGTERM);
    assert_eq!(
        worker.wait(Duration::from_secs(30)),
        Some(0),
        "{}",
        worker.stderr()
    );
    let stderr = worker.stderr();
    assert!(
        stderr.contains("apnspush::http2 slot 0: connected"),
        "the engine's log: {stderr}"
    );
    let _ = server;
}
