//! What the engine logs, and a capture queue for the language faces.
//!
//! The engine logs through the [`log`] facade with targets under `apnspush`
//! (`apnspush::http2`, `apnspush::binary`, `apnspush::token`, `apnspush::engine`,
//! `apnspush::queue`; docs/LOGGING.md lists the events and levels). Records never hold key
//! material, provider tokens or payloads; a device token appears only as its first 8 hex digits
//! followed by `…`.
//!
//! **Rust programs** install any `log` logger (`env_logger`, `simple_logger`, a `tracing`
//! bridge...) and filter on the `apnspush` target; nothing here is needed.
//!
//! **Language faces** (C, Python, Node, Ruby, Erlang) call [`capture`], which installs this
//! library's logger: a bounded queue of [`CAPACITY`] records holding only `apnspush` targets
//! (past that the oldest is dropped and counted in [`dropped`]). They drain it with [`take`]
//! on a thread of their own, so no user code ever runs on an engine thread; [`set_waker`]
//! tells them when the queue stops being empty.

use std::collections::VecDeque;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{SystemTime, UNIX_EPOCH};

pub use log::{Level, LevelFilter};

use crate::error::{Error, ErrorKind, Result};

/// Most records the capture queue holds; past that the oldest is dropped.
pub const CAPACITY: usize = 10_000;

/// One captured log record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogRecord {
    pub level: log::Level,
    /// `apnspush` or `apnspush::<area>`.
    pub target: String,
    pub message: String,
    /// When it was logged, in milliseconds since the Unix epoch.
    pub time_ms: u64,
}

/// Signals a face that the queue went from empty to non-empty.
pub type Waker = Arc<dyn Fn() + Send + Sync>;

/// Installs the library's capturing logger as the global `log` logger, recording `apnspush`
/// records up to `max_level` (`LevelFilter::Off` records nothing). Calling it again only
/// changes the level (`log::set_max_level`, which is global).
/// Errors: `InvalidArgument` if another `log` logger is already installed (records then go to
/// that logger). Threads: any. Blocking: never.
pub fn capture(max_level: log::LevelFilter) -> Result<()> {
    static INSTALL: Mutex<()> = Mutex::new(());
    let _serial = INSTALL.lock().unwrap_or_else(|p| p.into_inner());
    if !is_ours(log::logger()) && log::set_logger(&CAPTURE).is_err() {
        return Err(Error::new(
            ErrorKind::InvalidArgument,
            "another `log` logger is already installed in this process; apnspush records go \
             to that logger",
        ));
    }
    log::set_max_level(max_level);
    Ok(())
}

/// Takes up to `max` captured records, oldest first. Threads: any. Blocking: never (a short
/// lock).
pub fn take(max: usize) -> Vec<LogRecord> {
    CAPTURE.queue.take(max)
}

/// Sets (or with `None` removes) the function called each time the capture queue goes from
/// empty to non-empty. It runs on whatever thread logged, engine threads included, so it must
/// only signal (write an eventfd, call a napi threadsafe function) and never run user code or
/// log. After a wake, [`take`] until the queue is empty: a queue left non-empty wakes no more.
pub fn set_waker(waker: Option<Waker>) {
    *lock(&CAPTURE.waker) = waker;
}

/// Records dropped because the queue was full, since the process started.
pub fn dropped() -> u64 {
    CAPTURE.queue.dropped.load(Relaxed)
}

/// Displays a device token as its first 8 hex digits and `…` (fewer digits for a token under
/// 8 bytes, so that at most half of any token is shown). Formats only when the record is
/// actually written.
pub(crate) struct TokenPrefix<'a>(pub(crate) &'a [u8]);

impl fmt::Display for TokenPrefix<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let shown = self.0.len().min(8) / 2;
        for b in &self.0[..shown] {
            write!(f, "{b:02x}")?;
        }
        f.write_str("…")
    }
}

static CAPTURE: Capture = Capture {
    queue: Queue::new(CAPACITY),
    waker: Mutex::new(None),
};

struct Capture {
    queue: Queue,
    waker: Mutex<Option<Waker>>,
}

fn is_ours(logger: &dyn log::Log) -> bool {
    std::ptr::addr_eq(logger as *const dyn log::Log, &CAPTURE as *const Capture)
}

fn is_apnspush(target: &str) -> bool {
    target
        .strip_prefix("apnspush")
        .is_some_and(|rest| rest.is_empty() || rest.starts_with("::"))
}

impl log::Log for Capture {
    fn enabled(&self, metadata: &log::Metadata<'_>) -> bool {
        metadata.level() <= log::max_level() && is_apnspush(metadata.target())
    }

    fn log(&self, record: &log::Record<'_>) {
        if !self.enabled(record.metadata()) {
            return;
        }
        let record = LogRecord {
            level: record.level(),
            target: record.target().to_owned(),
            message: record.args().to_string(),
            time_ms: SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| d.as_millis() as u64),
        };
        if self.queue.push(record) {
            // Cloned out of the lock: the waker may take its own locks.
            let waker = lock(&self.waker).clone();
            if let Some(wake) = waker {
                wake();
            }
        }
    }

    fn flush(&self) {}
}

/// A bounded FIFO that drops its oldest record when full, counting the drops.
struct Queue {
    records: Mutex<VecDeque<LogRecord>>,
    capacity: usize,
    dropped: AtomicU64,
}

impl Queue {
    const fn new(capacity: usize) -> Queue {
        Queue {
            records: Mutex::new(VecDeque::new()),
            capacity,
            dropped: AtomicU64::new(0),
        }
    }

    /// Appends `record`; true when the queue was empty before.
    fn push(&self, record: LogRecord) -> bool {
        let mut q = lock(&self.records);
        let was_empty = q.is_empty();
        if q.len() >= self.capacity {
            q.pop_front();
            self.dropped.fetch_add(1, Relaxed);
        }
        q.push_back(record);
        was_empty
    }

    fn take(&self, max: usize) -> Vec<LogRecord> {
        let mut q = lock(&self.records);
        let n = q.len().min(max);
        q.drain(..n).collect()
    }
}

/// A poisoned lock (a panic elsewhere while holding it) still guards valid data here.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;

    fn record(i: usize) -> LogRecord {
        LogRecord {
            level: Level::Info,
            target: "apnspush::test".into(),
            message: format!("m{i}"),
            time_ms: 0,
        }
    }

    #[test]
    fn a_full_queue_drops_the_oldest_and_counts_it() {
        let q = Queue::new(CAPACITY);
        assert!(q.push(record(0)), "first push finds the queue empty");
        for i in 1..CAPACITY + 5 {
            assert!(!q.push(record(i)));
        }
        assert_eq!(q.dropped.load(Relaxed), 5);
        let first = q.take(3);
        let messages: Vec<&str> = first.iter().map(|r| r.message.as_str()).collect();
        assert_eq!(messages, ["m5", "m6", "m7"], "oldest kept first");
        assert_eq!(q.take(usize::MAX).len(), CAPACITY - 3);
        assert!(q.take(10).is_empty());
        assert!(q.push(record(0)), "empty again after draining");
    }

    #[test]
    fn token_prefix_shows_eight_hex_digits_at_most_half_a_token() {
        let token: Vec<u8> = (0xa0..0xc0).collect();
        assert_eq!(TokenPrefix(&token).to_string(), "a0a1a2a3…");
        assert_eq!(TokenPrefix(&[1, 2, 3, 4]).to_string(), "0102…");
        assert_eq!(TokenPrefix(&[]).to_string(), "…");
    }

    #[test]
    fn only_apnspush_targets_are_captured() {
        assert!(is_apnspush("apnspush"));
        assert!(is_apnspush("apnspush::http2"));
        assert!(!is_apnspush("apnspushy"));
        assert!(!is_apnspush("rustls::client"));
    }

    /// The one test in this binary that installs the logger (the `log` logger is global).
    #[test]
    fn capture_installs_once_changes_the_level_and_wakes_on_empty_to_non_empty() {
        capture(LevelFilter::Info).unwrap();
        assert!(is_ours(log::logger()));
        let wakes = Arc::new(AtomicUsize::new(0));
        let w = wakes.clone();
        set_waker(Some(Arc::new(move || {
            w.fetch_add(1, Relaxed);
        })));
        // Other tests of this binary may log meanwhile: look only at this test's target.
        let mine = |records: Vec<LogRecord>| -> Vec<(Level, String)> {
            records
                .into_iter()
                .filter(|r| r.target == "apnspush::logs_test")
                .map(|r| (r.level, r.message))
                .collect()
        };
        take(usize::MAX);
        log::info!(target: "apnspush::logs_test", "one");
        log::debug!(target: "apnspush::logs_test", "hidden at info");
        log::info!(target: "rustls::x", "not ours");
        log::warn!(target: "apnspush::logs_test", "two");
        assert!(wakes.load(Relaxed) >= 1);
        let got = mine(take(usize::MAX));
        assert_eq!(
            got,
            [(Level::Info, "one".into()), (Level::Warn, "two".into())]
        );
        capture(LevelFilter::Debug).unwrap();
        log::debug!(target: "apnspush::logs_test", "shown at debug");
        assert_eq!(
            mine(take(usize::MAX)),
            [(Level::Debug, "shown at debug".into())]
        );
        capture(LevelFilter::Off).unwrap();
        log::error!(target: "apnspush::logs_test", "off");
        assert!(mine(take(usize::MAX)).is_empty());
        set_waker(None);
    }
}
