//! Benchmark (not a test): `apnspush send` of N notifications (default 1,000,000) from a JSONL
//! file to the built-in HTTP/2 mock, against the library pushing the same notifications to the
//! same mock in the same run. Prints both rates and their ratio (target: the command at 0.8x
//! the library or better).
//!
//! Run: `cargo bench -p apnspush-cli --bench send [-- N]`. The mock runs in its own process
//! (`apnspush mock --http2`). The command's time is the whole process (start, connect, parse
//! every line, write every outcome line); the library's runs from `Pusher::new` to the last
//! outcome, with the notifications built before the clock starts, as in bench_http2.

use std::io::{BufRead, BufReader, Write};
use std::process::Command;
use std::time::Instant;

mod common;

fn main() {
    let common::Setup {
        n,
        dir,
        mut mock,
        config_line,
        config_path,
    } = common::setup("send", 1_000_000);
    let bin = common::BIN;
    let payload = common::payload();
    let input = dir.join("in.jsonl");
    let mut w = std::io::BufWriter::new(std::fs::File::create(&input).unwrap());
    for i in 0..n {
        writeln!(w, "{}", common::line(i)).unwrap();
    }
    drop(w);
    println!(
        "apnspush send benchmark: {n} notifications, {}-byte payloads, mock in its own process, {} cores",
        payload.len(),
        std::thread::available_parallelism().map(|p| p.get()).unwrap_or(0)
    );

    let output = dir.join("out.jsonl");
    let children_before = common::cpu_secs(libc::RUSAGE_CHILDREN);
    let start = Instant::now();
    let status = Command::new(bin)
        .arg("send")
        .arg("-q")
        .arg("--config")
        .arg(&config_path)
        .arg(&input)
        .arg("--output")
        .arg(&output)
        .status()
        .unwrap();
    let cli_secs = start.elapsed().as_secs_f64();
    // The mock is a child too, but not waited for yet: only the command is counted.
    let cli_cpu = common::cpu_secs(libc::RUSAGE_CHILDREN) - children_before;
    assert!(status.success(), "apnspush send: {status}");
    let lines = BufReader::new(std::fs::File::open(&output).unwrap())
        .lines()
        .count() as u64;
    assert_eq!(lines, n, "one outcome line per notification");
    let cli_rate = n as f64 / cli_secs;
    println!(
        "  apnspush send:  {cli_rate:>10.0} notifications/s ({cli_secs:.2} s, outcome file of {lines} lines), CPU {:.2} us per notification",
        cli_cpu * 1e6 / n as f64
    );

    let (lib_rate, lib_cpu) = common::library(&config_line, n);
    println!(
        "  library:        {lib_rate:>10.0} notifications/s, CPU {:.2} us per notification (building them not counted)",
        lib_cpu * 1e6
    );
    println!("  ratio (send / library): {:.2}x", cli_rate / lib_rate);

    drop(mock.stdin.take());
    let _ = mock.wait();
    let _ = std::fs::remove_dir_all(&dir);
}
