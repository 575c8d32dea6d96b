//! Servers and load generators the benchmarks run as child processes, so the CPU figures of
//! the benchmark process are the client's alone.

use std::io::{BufRead, BufReader, Read};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

/// A server that prints its client configuration as one line of JSON (string values), serves
/// until its stdin closes, then prints one line of JSON with its summary.
pub struct ServerProcess {
    child: Child,
    pub config: Vec<(String, String)>,
}

impl ServerProcess {
    pub fn spawn(mut cmd: Command) -> ServerProcess {
        let mut child = cmd
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {cmd:?}: {e}"));
        let mut line = String::new();
        BufReader::new(child.stdout.as_mut().expect("stdout"))
            .read_line(&mut line)
            .expect("configuration line");
        let json: serde_json::Map<String, serde_json::Value> = serde_json::from_str(&line)
            .unwrap_or_else(|e| panic!("{cmd:?} configuration line ({e}): {line:?}"));
        let config = json
            .into_iter()
            .map(|(k, v)| (k, v.as_str().unwrap_or_default().to_string()))
            .collect();
        ServerProcess { child, config }
    }

    pub fn get(&self, key: &str) -> &str {
        self.config
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
            .unwrap_or_else(|| panic!("no {key} in the server configuration"))
    }

    /// Closes the server's stdin and returns its summary line.
    pub fn finish(mut self) -> serde_json::Value {
        drop(self.child.stdin.take());
        let mut out = String::new();
        let _ = self
            .child
            .stdout
            .as_mut()
            .expect("stdout")
            .read_to_string(&mut out);
        let _ = self.child.wait();
        serde_json::from_str(out.trim()).unwrap_or_else(|e| panic!("summary ({e}): {out:?}"))
    }
}

/// A binary built beside this example's directory (target/<profile>/NAME).
pub fn sibling_binary(name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("own path");
    exe.parent()
        .and_then(|p| p.parent())
        .expect("target/<profile>/examples")
        .join(name)
}

/// Runs `cmd` to its end; returns its stdout and its user+system CPU seconds (from wait4, so
/// only that child's).
#[allow(clippy::zombie_processes)] // reaped by wait4 below
pub fn run_measured(mut cmd: Command) -> (String, f64) {
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {cmd:?}: {e}"));
    let mut out = String::new();
    let _ = child
        .stdout
        .take()
        .expect("stdout")
        .read_to_string(&mut out);
    let mut status = 0;
    // SAFETY: wait4 writes into the status and the zeroed rusage we own; the pid is our
    // child's, which nothing else waits for.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let pid = unsafe { libc::wait4(child.id() as libc::pid_t, &mut status, 0, &mut usage) };
    assert_eq!(pid, child.id() as libc::pid_t, "wait4 on {cmd:?}");
    let tv = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    (out, tv(usage.ru_utime) + tv(usage.ru_stime))
}
