//! `--metrics ADDR`: Prometheus text format over plain HTTP, one request per connection, on a
//! thread of its own. Every scrape reads the engine's counters, the worker's counters, and
//! the group's figures from Redis (on a connection of its own; `apnspush_worker_redis_up 0`
//! when that fails).

use super::state::{Shared, KINDS};
use super::stream::{int, items, text, Link, Names};
use apnspush::{Pusher, Stats};
use std::fmt::Write as _;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::Ordering::Relaxed;
use std::sync::Arc;
use std::time::Duration;

/// Engine figures that go up and down; the other numeric stats are counters.
const GAUGES: &[&str] = &[
    "queued",
    "in_flight",
    "latency_p50_us",
    "latency_p90_us",
    "latency_p99_us",
    "latency_p999_us",
    "latency_max_us",
];

pub struct Metrics {
    pub pusher: Arc<Pusher>,
    pub shared: Arc<Shared>,
    pub client: redis::Client,
    pub names: Names,
}

impl Metrics {
    /// Serves on `listener` until the process exits.
    pub fn serve(self, listener: TcpListener) {
        let mut link = Link::new(&self.client, &self.shared, "serving metrics");
        for stream in listener.incoming().flatten() {
            let body = self.render(&mut link);
            let _ = answer(stream, &body);
        }
    }

    fn render(&self, link: &mut Link) -> String {
        let mut out = String::with_capacity(8192);
        let stats = self.pusher.stats();
        let json: serde_json::Value =
            serde_json::from_str(&stats.to_json()).unwrap_or(serde_json::Value::Null);
        for field in Stats::FIELDS {
            let Some(v) = json.get(field).and_then(|v| v.as_u64()) else {
                continue; // last_error: text
            };
            let kind = if GAUGES.contains(field) {
                "gauge"
            } else {
                "counter"
            };
            metric(
                &mut out,
                &format!("apnspush_{field}"),
                kind,
                "engine counter (docs/CONFIG.md stats)",
                v,
            );
        }
        let c = &self.shared.counters;
        let load = |a: &std::sync::atomic::AtomicU64| a.load(Relaxed);
        metric(
            &mut out,
            "apnspush_worker_entries_read_total",
            "counter",
            "entries read with XREADGROUP",
            load(&c.read),
        );
        metric(
            &mut out,
            "apnspush_worker_claims_total",
            "counter",
            "entries claimed from idle consumers (XAUTOCLAIM)",
            load(&c.claimed),
        );
        metric(
            &mut out,
            "apnspush_worker_dead_letters_total",
            "counter",
            "invalid entries written to the dead-letter stream",
            load(&c.dead_letters),
        );
        let _ = writeln!(out, "# HELP apnspush_worker_outcomes_written_total outcome entries written, by kind\n# TYPE apnspush_worker_outcomes_written_total counter");
        for (kind, n) in KINDS.iter().zip(&c.written) {
            let _ = writeln!(
                out,
                "apnspush_worker_outcomes_written_total{{kind=\"{}\"}} {}",
                kind.name(),
                load(n)
            );
        }
        metric(
            &mut out,
            "apnspush_worker_outcomes_skipped_total",
            "counter",
            "outcomes not written: another worker settled the entry first",
            load(&c.skipped),
        );
        metric(
            &mut out,
            "apnspush_worker_left_pending_total",
            "counter",
            "entries left pending for another worker at a stop",
            load(&c.left_pending),
        );
        metric(
            &mut out,
            "apnspush_worker_deleted_pending_total",
            "counter",
            "pending entries found deleted from the stream",
            load(&c.deleted),
        );
        metric(
            &mut out,
            "apnspush_worker_redis_errors_total",
            "counter",
            "failed Redis calls and connection attempts",
            load(&c.redis_errors),
        );
        metric(
            &mut out,
            "apnspush_worker_in_flight",
            "gauge",
            "entries read and not yet acknowledged by this worker",
            self.shared.in_flight().len() as u64,
        );
        metric(
            &mut out,
            "apnspush_worker_held_outcomes",
            "gauge",
            "outcomes and dead letters waiting to be written",
            load(&c.held),
        );
        let group = link.get().map(|con| group_figures(con, &self.names));
        let up = match group {
            Some(Ok(g)) => {
                link.ok();
                metric(
                    &mut out,
                    "apnspush_worker_pending_entries",
                    "gauge",
                    "entries pending on this consumer (XINFO CONSUMERS)",
                    g.consumer_pending,
                );
                metric(
                    &mut out,
                    "apnspush_worker_group_pending_entries",
                    "gauge",
                    "entries pending in the whole group",
                    g.group_pending,
                );
                metric(
                    &mut out,
                    "apnspush_worker_stream_lag",
                    "gauge",
                    "entries in the stream not yet delivered to the group",
                    g.lag,
                );
                1
            }
            Some(Err(e)) => {
                link.fail(&e);
                0
            }
            None => 0,
        };
        metric(
            &mut out,
            "apnspush_worker_redis_up",
            "gauge",
            "whether this scrape could read the group's figures from Redis",
            up,
        );
        out
    }
}

fn metric(out: &mut String, name: &str, kind: &str, help: &str, value: u64) {
    let _ = writeln!(
        out,
        "# HELP {name} {help}\n# TYPE {name} {kind}\n{name} {value}"
    );
}

struct GroupFigures {
    consumer_pending: u64,
    group_pending: u64,
    lag: u64,
}

/// XINFO GROUPS (pending, lag; lag as length minus entries read when Redis cannot tell) and
/// XINFO CONSUMERS (this consumer's pending).
fn group_figures(con: &mut redis::Connection, names: &Names) -> redis::RedisResult<GroupFigures> {
    let groups: redis::Value = redis::cmd("XINFO")
        .arg("GROUPS")
        .arg(&names.stream)
        .query(con)?;
    let mut figures = GroupFigures {
        consumer_pending: 0,
        group_pending: 0,
        lag: 0,
    };
    let field = |row: &redis::Value, name: &str| -> Option<redis::Value> {
        let kv = items(row);
        kv.chunks(2)
            .find(|p| text(&p[0]).as_deref() == Some(name))
            .and_then(|p| p.get(1).cloned())
    };
    let Some(group) = items(&groups)
        .iter()
        .find(|g| field(g, "name").and_then(|v| text(&v)).as_deref() == Some(&names.group))
    else {
        return Ok(figures);
    };
    figures.group_pending = field(group, "pending").and_then(|v| int(&v)).unwrap_or(0) as u64;
    figures.lag = match field(group, "lag").and_then(|v| int(&v)) {
        Some(lag) => lag as u64,
        None => {
            let len: u64 = redis::cmd("XLEN").arg(&names.stream).query(con)?;
            let read = field(group, "entries-read")
                .and_then(|v| int(&v))
                .unwrap_or(0) as u64;
            len.saturating_sub(read)
        }
    };
    let consumers: redis::Value = redis::cmd("XINFO")
        .arg("CONSUMERS")
        .arg(&names.stream)
        .arg(&names.group)
        .query(con)?;
    figures.consumer_pending = items(&consumers)
        .iter()
        .find(|c| field(c, "name").and_then(|v| text(&v)).as_deref() == Some(&names.consumer))
        .and_then(|c| field(c, "pending"))
        .and_then(|v| int(&v))
        .unwrap_or(0) as u64;
    Ok(figures)
}

/// Reads the request head (whatever it asks) and answers with the text.
fn answer(mut stream: TcpStream, body: &str) -> std::io::Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(2)))?;
    let mut head = Vec::new();
    let mut buf = [0u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < 16 * 1024 {
        let n = stream.read(&mut buf)?;
        if n == 0 {
            break;
        }
        head.extend_from_slice(&buf[..n]);
    }
    write!(
        stream,
        "HTTP/1.1 200 OK\r\nContent-Type: text/plain; version=0.0.4\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )?;
    stream.flush()
}
