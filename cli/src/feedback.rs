//! `apnspush feedback`: the binary feedback service's tuples as `timestamp token` lines.

use crate::{config, exit, ConfigArgs};
use std::io::Write;

/// Prints one `EPOCH_SECONDS TOKENHEX` line per tuple on stdout; returns the exit code.
pub fn run(args: &ConfigArgs) -> u8 {
    let loaded = match config::load(args) {
        Ok(loaded) => loaded,
        Err(message) => {
            eprintln!("apnspush feedback: {message}");
            return exit::USAGE;
        }
    };
    match apnspush::fetch_feedback(&loaded.config) {
        Ok(tuples) => {
            let mut out = std::io::BufWriter::new(std::io::stdout().lock());
            for t in &tuples {
                let token = apnspush::notification::hex_encode(&t.token);
                if writeln!(out, "{} {token}", t.timestamp).is_err() {
                    return exit::NOT_ALL_ACCEPTED;
                }
            }
            if out.flush().is_err() {
                return exit::NOT_ALL_ACCEPTED;
            }
            exit::OK
        }
        Err(e) => {
            eprintln!("apnspush feedback: {} ({})", e.message(), e.kind().name());
            exit::for_error(e.kind())
        }
    }
}
