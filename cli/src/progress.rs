//! Progress on standard error: an indicatif bar on a terminal (ETA from the input file's size,
//! a spinner for standard input), otherwise one plain line every `interval`; nothing with
//! `--quiet`.

use crate::outcomes::Tally;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::time::{Duration, Instant};

/// The figures shown.
pub struct Figures<'a> {
    pub read: u64,
    pub bytes: u64,
    pub sent: u64,
    pub in_flight: u64,
    pub tally: &'a Tally,
}

pub struct Progress {
    mode: Mode,
    interval: Duration,
    started: Instant,
    next: Instant,
    calls: u64,
}

enum Mode {
    Quiet,
    Bar(ProgressBar),
    Plain,
}

/// How often the bar's figures are refreshed.
const BAR_REFRESH: Duration = Duration::from_millis(100);

impl Progress {
    pub fn new(quiet: bool, interval: Duration, size: Option<u64>) -> Progress {
        let bar = !quiet && std::io::stderr().is_terminal();
        let interval = if bar { BAR_REFRESH } else { interval };
        let mode = if quiet {
            Mode::Quiet
        } else if bar {
            let bar = match size {
                Some(size) => ProgressBar::with_draw_target(
                    Some(size),
                    ProgressDrawTarget::stderr(),
                )
                .with_style(
                    ProgressStyle::with_template(
                        "{spinner} [{elapsed_precise}] [{wide_bar}] {percent}% ETA {eta}\n  {msg}",
                    )
                    .expect("valid template")
                    .progress_chars("=> "),
                ),
                None => ProgressBar::new_spinner().with_style(
                    ProgressStyle::with_template("{spinner} [{elapsed_precise}] {msg}")
                        .expect("valid template"),
                ),
            };
            Mode::Bar(bar)
        } else {
            Mode::Plain
        };
        let now = Instant::now();
        Progress {
            mode,
            interval,
            started: now,
            next: now + interval,
            calls: 0,
        }
    }

    /// Shows `figures` if the refresh time has come. While `busy`, the clock is read only
    /// every 64th call.
    pub fn update(&mut self, figures: &Figures, busy: bool) {
        self.calls = self.calls.wrapping_add(1);
        if busy && !self.calls.is_multiple_of(64) {
            return;
        }
        let now = Instant::now();
        if now < self.next {
            return;
        }
        self.next = now + self.interval;
        self.show(figures);
    }

    fn show(&self, f: &Figures) {
        let secs = self.started.elapsed().as_secs_f64();
        let rate = if secs > 0.0 {
            f.tally.settled() as f64 / secs
        } else {
            0.0
        };
        let t = f.tally;
        match &self.mode {
            Mode::Quiet => {}
            Mode::Bar(bar) => {
                bar.set_position(f.bytes);
                bar.set_message(format!(
                    "sent {} accepted {} rejected {} failed {} invalid {} {rate:.0}/s",
                    f.sent,
                    t.accepted,
                    t.rejected,
                    t.failed + t.expired + t.cancelled,
                    t.invalid
                ));
            }
            Mode::Plain => eprintln!(
                "apnspush send: {:.1} s: read {}, sent {}, accepted {}, rejected {}, failed {}, invalid {}, in flight {}, {rate:.0}/s",
                secs,
                f.read,
                f.sent,
                t.accepted,
                t.rejected,
                t.failed + t.expired + t.cancelled,
                t.invalid,
                f.in_flight
            ),
        }
    }

    /// Removes the bar (the summary follows).
    pub fn finish(&self) {
        if let Mode::Bar(bar) = &self.mode {
            bar.finish_and_clear();
        }
    }
}
