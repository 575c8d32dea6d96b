//! Helpers for the command's tests: the built-in mock in this process, a scratch directory,
//! the config file the command reads, and running the built binary.
#![allow(dead_code)]

use apnspush::mock::{MockOptions, MockServer};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

pub const BIN: &str = env!("CARGO_BIN_EXE_apnspush");

/// A scratch directory under the target dir, removed on drop.
pub struct Scratch(pub PathBuf);

impl Scratch {
    pub fn new(name: &str) -> Scratch {
        let dir = std::env::temp_dir().join(format!("apnspush-cli-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Scratch(dir)
    }
    pub fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
    /// `path` as text, for arguments.
    pub fn s(&self, name: &str) -> String {
        self.path(name).to_str().unwrap().to_owned()
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// An HTTP/2 mock (client certificate auth).
pub fn mock(options: MockOptions) -> MockServer {
    MockServer::start(options).expect("mock starts")
}

/// Writes the mock's client configuration as the JSON object `--config` reads.
pub fn config_file(server: &MockServer, path: &Path) {
    let map: serde_json::Map<String, serde_json::Value> = server
        .client_config()
        .into_iter()
        .map(|(k, v)| (k, serde_json::Value::String(v)))
        .collect();
    std::fs::write(path, serde_json::Value::Object(map).to_string()).unwrap();
}

/// The hex token of device `i` (never the zero token).
pub fn token(i: u64) -> String {
    format!("{:064x}", i + 1)
}

pub fn command(args: &[&str]) -> Command {
    let mut c = Command::new(BIN);
    c.args(args)
        .stdin(Stdio::null())
        .env_remove("APNSPUSH_PORT")
        .env_remove("APNSPUSH_HOST");
    c
}

pub fn run(args: &[&str]) -> Output {
    command(args).output().expect("apnspush runs")
}

pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// The outcome file's lines, parsed.
pub fn outcomes(path: &Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).expect("an outcome line is JSON"))
        .collect()
}
