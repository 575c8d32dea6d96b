//! What both benchmarks start with: the notification count from the first numeric argument, a
//! scratch directory, and the built-in HTTP/2 mock in its own process with its client
//! configuration written where `--config` reads it.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

pub const BIN: &str = env!("CARGO_BIN_EXE_apnspush");

pub struct Setup {
    pub n: u64,
    pub dir: PathBuf,
    /// `apnspush mock --http2`; it serves until its stdin is closed.
    pub mock: Child,
    pub config_line: String,
    pub config_path: PathBuf,
}

/// `name` names the scratch directory; `default_n` applies without a numeric argument.
pub fn setup(name: &str, default_n: u64) -> Setup {
    let n = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(default_n);
    let dir = std::env::temp_dir().join(format!("apnspush-bench-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut mock = Command::new(BIN)
        .args(["mock", "--http2"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("apnspush mock starts");
    let mut config_line = String::new();
    BufReader::new(mock.stdout.take().unwrap())
        .read_line(&mut config_line)
        .unwrap();
    let config_path = dir.join("mock.json");
    std::fs::write(&config_path, &config_line).unwrap();
    Setup {
        n,
        dir,
        mock,
        config_line,
        config_path,
    }
}
