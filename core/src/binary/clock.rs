//! The error window's clock for one connection: time since it opened, minus the time its
//! writer spent blocked in a write beyond `STALL_GRACE`. A write that blocks means the gateway
//! is not reading, so what was written before it may still sit unread in socket buffers: none
//! of it ages toward presumption until the gateway reads again.

use parking_lot::Mutex;
use std::time::{Duration, Instant};

/// How long a write may take before the rest of it counts as a stall.
const STALL_GRACE: Duration = Duration::from_millis(20);

pub(crate) struct WindowClock {
    opened: Instant,
    state: Mutex<Stalls>,
}

#[derive(Default)]
struct Stalls {
    /// Stalled time of the writes that returned.
    past: Duration,
    /// When the write in progress began.
    writing_since: Option<Instant>,
}

impl WindowClock {
    pub(crate) fn new() -> WindowClock {
        WindowClock::opened_at(Instant::now())
    }

    fn opened_at(opened: Instant) -> WindowClock {
        WindowClock {
            opened,
            state: Mutex::new(Stalls::default()),
        }
    }

    /// The clock's reading: it does not run while a write is stalled.
    pub(crate) fn now(&self) -> Duration {
        self.reading_at(Instant::now())
    }

    pub(crate) fn write_begins(&self) {
        self.write_begins_at(Instant::now());
    }

    pub(crate) fn write_ends(&self) {
        self.write_ends_at(Instant::now());
    }

    fn reading_at(&self, now: Instant) -> Duration {
        let s = self.state.lock();
        let current = s.writing_since.map_or(Duration::ZERO, |t| stall(t, now));
        now.saturating_duration_since(self.opened)
            .saturating_sub(s.past + current)
    }

    fn write_begins_at(&self, at: Instant) {
        self.state.lock().writing_since = Some(at);
    }

    fn write_ends_at(&self, at: Instant) {
        let mut s = self.state.lock();
        if let Some(t) = s.writing_since.take() {
            s.past += stall(t, at);
        }
    }
}

fn stall(began: Instant, now: Instant) -> Duration {
    now.saturating_duration_since(began)
        .saturating_sub(STALL_GRACE)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn a_stalled_write_stops_the_clock_and_a_short_one_does_not() {
        let t0 = Instant::now();
        let c = WindowClock::opened_at(t0);
        assert_eq!(c.reading_at(t0 + ms(100)), ms(100));
        // A write of 5 ms: within the grace, the clock runs through it.
        c.write_begins_at(t0 + ms(100));
        assert_eq!(c.reading_at(t0 + ms(105)), ms(105));
        c.write_ends_at(t0 + ms(105));
        assert_eq!(c.reading_at(t0 + ms(200)), ms(200));
        // A write blocked for 1 s: the clock stops 20 ms in, while it is blocked and after.
        c.write_begins_at(t0 + ms(200));
        assert_eq!(c.reading_at(t0 + ms(700)), ms(220));
        assert_eq!(c.reading_at(t0 + ms(1200)), ms(220));
        c.write_ends_at(t0 + ms(1200));
        assert_eq!(c.reading_at(t0 + ms(1200)), ms(220));
        assert_eq!(c.reading_at(t0 + ms(1300)), ms(320));
    }
}
