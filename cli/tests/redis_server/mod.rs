//! Helpers for the worker's tests: a real `redis-server` on a free loopback port (killed on
//! drop), the producer side of the schema (docs/WORKER.md), and `apnspush worker` processes.
#![allow(dead_code)]

use crate::common::{command, token};
use redis::{Commands, Connection, Value};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

pub const STREAM: &str = "apnspush:notifications";
pub const OUTCOMES: &str = "apnspush:outcomes";
pub const DEAD: &str = "apnspush:dead";
pub const GROUP: &str = "apnspush";

/// A redis-server child process on 127.0.0.1.
pub struct RedisServer {
    child: Option<Child>,
    pub port: u16,
    args: Vec<String>,
}

impl RedisServer {
    /// An in-memory server: no snapshots, no append-only file.
    pub fn start(dir: &Path) -> RedisServer {
        Self::with_args(dir, &["--save", "", "--appendonly", "no"])
    }

    /// A durable server: every write is in the append-only file (fsync before the reply)
    /// under `dir`, so a kill -9 and a restart lose nothing acknowledged.
    pub fn start_durable(dir: &Path) -> RedisServer {
        Self::with_args(
            dir,
            &[
                "--save",
                "",
                "--appendonly",
                "yes",
                "--appendfsync",
                "always",
            ],
        )
    }

    fn with_args(dir: &Path, extra: &[&str]) -> RedisServer {
        let port = free_port();
        let mut args: Vec<String> = vec![
            "--port".into(),
            port.to_string(),
            "--bind".into(),
            "127.0.0.1".into(),
            "--dir".into(),
            dir.to_str().unwrap().into(),
        ];
        args.extend(extra.iter().map(|s| s.to_string()));
        let mut server = RedisServer {
            child: None,
            port,
            args,
        };
        server.restart();
        server
    }

    /// Starts the server (again) with the same arguments and port; waits until it answers.
    pub fn restart(&mut self) {
        assert!(self.child.is_none(), "the server is running");
        let child = std::process::Command::new("redis-server")
            .args(&self.args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("redis-server runs (scripts/deps-redis.sh installs it)");
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Ok(mut con) = self.try_connect() {
                // Loading the append-only file answers LOADING until done.
                if redis::cmd("PING").query::<String>(&mut con).is_ok() {
                    return;
                }
            }
            assert!(Instant::now() < deadline, "redis-server did not start");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// SIGKILL, no shutdown.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    fn try_connect(&self) -> redis::RedisResult<Connection> {
        redis::Client::open(self.url())?.get_connection_with_timeout(Duration::from_secs(1))
    }

    pub fn con(&self) -> Connection {
        self.try_connect().expect("redis connection")
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.kill();
    }
}

/// A port nothing listens on now (the kernel's pick).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The `n` field of notification `i`: a `send` JSONL line with ref `i`.
pub fn notification(i: u64) -> String {
    format!(
        r#"{{"ref":{i},"token":"{}","alert":"n{i}","topic":"com.example"}}"#,
        token(i)
    )
}

/// XADDs `n` values (one field `n` each) in pipelined batches; returns the entry ids in order.
pub fn produce(con: &mut Connection, values: impl Iterator<Item = String>) -> Vec<String> {
    let mut ids = Vec::new();
    let values: Vec<String> = values.collect();
    for chunk in values.chunks(2000) {
        let mut pipe = redis::pipe();
        for v in chunk {
            pipe.cmd("XADD").arg(STREAM).arg("*").arg("n").arg(v);
        }
        let got: Vec<String> = pipe.query(con).unwrap();
        ids.extend(got);
    }
    ids
}

/// Every entry of a stream as a field map, oldest first.
pub fn read_stream(con: &mut Connection, key: &str) -> Vec<HashMap<String, String>> {
    let mut out = Vec::new();
    let mut from = "-".to_string();
    loop {
        let page: Value = redis::cmd("XRANGE")
            .arg(key)
            .arg(&from)
            .arg("+")
            .arg("COUNT")
            .arg(10_000)
            .query(con)
            .unwrap();
        let Value::Array(entries) = page else {
            panic!("XRANGE: {page:?}")
        };
        if entries.is_empty() {
            return out;
        }
        for e in &entries {
            let Value::Array(parts) = e else { panic!() };
            let id: String = redis::from_redis_value(parts[0].clone()).unwrap();
            let fields: Vec<String> = redis::from_redis_value(parts[1].clone()).unwrap();
            let map: HashMap<String, String> = fields
                .chunks(2)
                .map(|p| (p[0].clone(), p[1].clone()))
                .collect();
            from = format!("({id}");
            out.push(map);
        }
    }
}

pub fn xlen(con: &mut Connection, key: &str) -> u64 {
    con.xlen(key).unwrap()
}

/// Entries pending in the group.
pub fn group_pending(con: &mut Connection) -> u64 {
    let reply: Value = redis::cmd("XPENDING")
        .arg(STREAM)
        .arg(GROUP)
        .query(con)
        .unwrap();
    let Value::Array(parts) = reply else {
        panic!("{reply:?}")
    };
    redis::from_redis_value(parts[0].clone()).unwrap()
}

/// Outcome entries grouped by notification entry id, in the order they were written.
pub fn outcomes_by_entry(con: &mut Connection) -> HashMap<String, Vec<HashMap<String, String>>> {
    let mut by: HashMap<String, Vec<_>> = HashMap::new();
    for o in read_stream(con, OUTCOMES) {
        by.entry(o["entry"].clone()).or_default().push(o);
    }
    by
}

/// A worker process; its standard error goes to `log`.
pub struct Worker {
    pub child: Child,
    pub log: PathBuf,
}

impl Worker {
    pub fn start(redis: &RedisServer, config: &Path, log: PathBuf, extra: &[&str]) -> Worker {
        let url = redis.url();
        let mut args = vec![
            "worker",
            "--redis",
            &url,
            "--config",
            config.to_str().unwrap(),
        ];
        args.extend_from_slice(extra);
        let child = command(&args)
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .expect("apnspush worker runs");
        Worker { child, log }
    }

    /// Waits for the exit (at most `limit`, a bound against hangs); the exit code.
    pub fn wait(&mut self, limit: Duration) -> Option<i32> {
        let deadline = Instant::now() + limit;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status.code();
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                panic!(
                    "the worker did not exit within {limit:?}:\n{}",
                    self.stderr()
                );
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    pub fn signal(&self, signal: i32) {
        unsafe { libc::kill(self.child.id() as i32, signal) };
    }

    pub fn stderr(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Waits until `key` holds at least `n` entries (at most a minute, a bound against hangs).
pub fn wait_len(con: &mut Connection, key: &str, n: u64) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while xlen(con, key) < n {
        assert!(Instant::now() < deadline, "{key} never reached {n} entries");
        std::thread::sleep(Duration::from_millis(5));
    }
}
