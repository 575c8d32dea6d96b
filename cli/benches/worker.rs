//! Benchmark (not a test): 1, 2 and 4 `apnspush worker` processes in one group, through one
//! in-memory redis-server, to the built-in HTTP/2 mock (its own process), against the library
//! pushing the same notifications to the same mock in the same run. Prints notifications/s in
//! total and per worker, and each figure's ratio to the library.
//!
//! Run: `cargo bench -p apnspush-cli --bench worker [-- N]` (default N = 200,000 per run;
//! needs redis-server: scripts/deps-redis.sh). Each run's entries are added before its clock
//! starts; the clock runs from starting the workers to the last outcome entry in the stream.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

mod common;

fn main() {
    let common::Setup {
        n,
        dir,
        mut mock,
        config_line,
        config_path,
    } = common::setup("worker", 200_000);
    let bin = common::BIN;
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut redis = Command::new("redis-server")
        .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
        .args(["--save", "", "--appendonly", "no"])
        .stdout(Stdio::null())
        .spawn()
        .expect("redis-server runs (scripts/deps-redis.sh installs it)");
    let url = format!("redis://127.0.0.1:{port}");
    let client = redis::Client::open(url.as_str()).unwrap();
    let mut con = loop {
        if let Ok(con) = client.get_connection() {
            break con;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let payload = common::payload();
    println!(
        "apnspush worker benchmark: {n} notifications per run, {}-byte payloads, one redis-server \
         {}, mock in its own process, {} cores",
        payload.len(),
        redis_version(&mut con),
        std::thread::available_parallelism()
            .map(|p| p.get())
            .unwrap_or(0)
    );

    let mut rows = Vec::new();
    for workers in [1usize, 2, 4] {
        let _: () = redis::cmd("FLUSHALL").query(&mut con).unwrap();
        for chunk in (0..n).collect::<Vec<_>>().chunks(5000) {
            let mut pipe = redis::pipe();
            for i in chunk {
                let line = common::line(*i);
                pipe.cmd("XADD")
                    .arg("apnspush:notifications")
                    .arg("*")
                    .arg("n")
                    .arg(line)
                    .ignore();
            }
            let _: () = pipe.query(&mut con).unwrap();
        }
        let workers_cpu_before = common::cpu_secs(libc::RUSAGE_CHILDREN);
        let redis_cpu_before = proc_cpu_secs(redis.id());
        let mock_cpu_before = proc_cpu_secs(mock.id());
        let start = Instant::now();
        let mut children: Vec<Child> = (0..workers)
            .map(|w| {
                Command::new(bin)
                    .args(["worker", "--redis", &url, "--config"])
                    .arg(&config_path)
                    .args(["--consumer", &format!("bench-{w}"), "--exit-idle-ms", "200"])
                    .args(["--log-level", "warn"])
                    .stdin(Stdio::null())
                    .spawn()
                    .expect("apnspush worker runs")
            })
            .collect();
        loop {
            let len: u64 = redis::cmd("XLEN")
                .arg("apnspush:outcomes")
                .query(&mut con)
                .unwrap();
            if len >= n {
                break;
            }
            std::thread::sleep(Duration::from_millis(2));
        }
        let secs = start.elapsed().as_secs_f64();
        let redis_cpu = proc_cpu_secs(redis.id()) - redis_cpu_before;
        let mock_cpu = proc_cpu_secs(mock.id()) - mock_cpu_before;
        for c in &mut children {
            assert!(c.wait().unwrap().success());
        }
        let workers_us =
            (common::cpu_secs(libc::RUSAGE_CHILDREN) - workers_cpu_before) * 1e6 / n as f64;
        let len: u64 = redis::cmd("XLEN")
            .arg("apnspush:outcomes")
            .query(&mut con)
            .unwrap();
        assert_eq!(len, n, "one outcome entry per notification entry");
        rows.push((
            workers,
            n as f64 / secs,
            redis_cpu / secs,
            mock_cpu / secs,
            workers_us,
        ));
    }

    let (lib_rate, _) = common::library(&config_line, n);

    println!("| workers | notifications/s | per worker | total / library | redis-server CPU | mock CPU | workers' CPU per notification |");
    println!("|---|---|---|---|---|---|---|");
    for (workers, rate, redis_cpu, mock_cpu, workers_us) in &rows {
        println!(
            "| {workers} | {rate:.0} | {:.0} | {:.2}x | {:.0}% | {:.0}% | {workers_us:.1} us |",
            rate / *workers as f64,
            rate / lib_rate,
            redis_cpu * 100.0,
            mock_cpu * 100.0
        );
    }
    println!("| library, pushing directly | {lib_rate:.0} | | 1.00x | | | |");

    drop(mock.stdin.take());
    let _ = mock.wait();
    let _ = redis.kill();
    let _ = redis.wait();
    let _ = std::fs::remove_dir_all(&dir);
}

/// CPU seconds (user + system) a process has used, from /proc.
fn proc_cpu_secs(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // Fields after the command name (which may hold spaces): utime and stime are the 12th
    // and 13th.
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let f: Vec<f64> = rest
        .split_whitespace()
        .filter_map(|x| x.parse().ok())
        .collect();
    // SAFETY: sysconf only reads a system constant.
    let ticks = unsafe { libc::sysconf(libc::_SC_CLK_TCK) } as f64;
    f.get(10)
        .zip(f.get(11))
        .map_or(0.0, |(u, s)| (u + s) / ticks)
}

fn redis_version(con: &mut redis::Connection) -> String {
    let info: String = redis::cmd("INFO")
        .arg("server")
        .query(con)
        .unwrap_or_default();
    info.lines()
        .find_map(|l| l.strip_prefix("redis_version:"))
        .map(|v| v.trim().to_string())
        .unwrap_or_default()
}
