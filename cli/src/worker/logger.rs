//! The worker's log: the core's `log` records (targets under `apnspush`, docs/LOGGING.md) and
//! the worker's own (`apnspush::worker`), one line each on standard error.

use log::{LevelFilter, Log, Metadata, Record};
use std::io::Write;

struct Stderr;

static STDERR: Stderr = Stderr;

impl Log for Stderr {
    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        metadata.level() <= log::max_level() && metadata.target().starts_with("apnspush")
    }

    fn log(&self, record: &Record<'_>) {
        if self.enabled(record.metadata()) {
            let line = format!(
                "apnspush worker: {:<5} {} {}\n",
                record.level(),
                record.target(),
                record.args()
            );
            // One write per record, so lines from several threads never interleave.
            let _ = std::io::stderr().lock().write_all(line.as_bytes());
        }
    }

    fn flush(&self) {}
}

/// Installs the logger at `level` (once per process).
pub fn install(level: LevelFilter) {
    if log::set_logger(&STDERR).is_ok() {
        log::set_max_level(level);
    }
}
