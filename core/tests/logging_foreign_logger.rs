//! `logs::capture` in a process where another `log` logger is already installed: a clear
//! error, and records keep going to that logger.

use apnspush::logs::{self, LevelFilter};
use apnspush::ErrorKind;
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};

struct Counting(AtomicUsize);

impl log::Log for Counting {
    fn enabled(&self, _: &log::Metadata<'_>) -> bool {
        true
    }
    fn log(&self, _: &log::Record<'_>) {
        self.0.fetch_add(1, Relaxed);
    }
    fn flush(&self) {}
}

static THEIRS: Counting = Counting(AtomicUsize::new(0));

#[test]
fn capture_refuses_to_replace_another_logger() {
    log::set_logger(&THEIRS).unwrap();
    log::set_max_level(log::LevelFilter::Info);
    let e = logs::capture(LevelFilter::Debug).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidArgument);
    assert!(e.message().contains("go to that logger"), "{e}");
    assert_eq!(log::max_level(), log::LevelFilter::Info, "level unchanged");
    log::info!(target: "apnspush::test", "to their logger");
    assert_eq!(THEIRS.0.load(Relaxed), 1);
    assert!(logs::take(10).is_empty());
}
