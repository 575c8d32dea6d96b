//! A slot's unconfirmed window: how many notifications a binary connection may hold unsettled
//! before it writes a flush marker (whose reply ends the connection). Connection-level policy;
//! per-notification fates are decided in `rules.rs`.
//!
//! A connection lost with no verdict costs a replay of everything it carried, so after such a
//! loss the window drops well below that count: to the largest count a connection processed
//! up to a verdict since the previous loss when that is below the loss, else an eighth of what
//! the lost connection carried. A gateway that cuts connections at a fixed distance is thus met
//! with windows below it after one loss. The window grows again (doubling per verdict) only
//! once sixteen times the lost count were processed since, so probing for a larger window
//! costs at most about a sixteenth in replays.

/// How a connection ended, as far as the window is concerned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum End {
    /// Lost with no verdict, `carried` notifications unsettled; `processed` settled as processed
    /// (presumed) before the loss.
    Lost { carried: usize, processed: usize },
    /// Ended by an error-response (a rejection or a marker reply) after `processed` were
    /// settled as processed on it.
    Verdict { processed: usize },
    /// Ended for a reason that says nothing about the gateway's distance (refused, stopped).
    Other,
}

/// Windows after a loss are this fraction of what the lost connection carried.
const SHRINK: usize = 8;
/// The window may grow once this many times the lost count were processed since the loss.
const HOLD: usize = 16;

pub(crate) struct Window {
    max: usize,
    current: usize,
    /// Notifications processed on the last connection that ended with a verdict since the last
    /// loss (0: none).
    safe: usize,
    /// Notifications still to be processed before the window may grow.
    hold: usize,
}

impl Window {
    /// Starts at `max` (`max_in_flight`).
    pub(crate) fn new(max: usize) -> Window {
        let max = max.max(1);
        Window {
            max,
            current: max,
            safe: 0,
            hold: 0,
        }
    }

    #[cfg(test)]
    fn current(&self) -> usize {
        self.current
    }

    /// The window for the slot's next connection, after one ended as `end`.
    pub(crate) fn after(&mut self, end: End) -> usize {
        match end {
            End::Lost { carried: 0, .. } | End::Other => {}
            End::Lost { carried, .. } => {
                let shrunk = (carried / SHRINK).max(1);
                let w = if self.safe > 0 && self.safe < carried {
                    self.safe.max(shrunk)
                } else {
                    shrunk
                };
                self.current = w.min(self.current);
                self.safe = 0;
                self.hold = carried.saturating_mul(HOLD);
            }
            End::Verdict { processed } => {
                self.safe = processed;
                self.hold = self.hold.saturating_sub(processed);
                if self.hold == 0 {
                    self.current = self.current.saturating_mul(2).min(self.max);
                }
            }
        }
        self.current
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A gateway that silently cuts each connection after `cut` processed, fed by a queue that
    /// always has more than a window: returns (processed in all, losses) for `total`
    /// notifications, counting a lost connection's processed ones as processed (the gateway
    /// took them) although they are replayed.
    fn simulate(max: usize, cut: usize, total: usize) -> (usize, usize) {
        let mut w = Window::new(max);
        let (mut done, mut gateway, mut losses) = (0, 0, 0);
        while done < total {
            let carried = w.current().min(total - done);
            if carried >= cut {
                gateway += cut;
                losses += 1;
                w.after(End::Lost {
                    carried,
                    processed: 0,
                });
            } else {
                gateway += carried;
                done += carried;
                w.after(End::Verdict { processed: carried });
            }
        }
        (gateway, losses)
    }

    #[test]
    fn a_loss_drops_the_window_below_what_the_connection_carried() {
        let mut w = Window::new(100_000);
        let next = w.after(End::Lost {
            carried: 20_000,
            processed: 0,
        });
        assert_eq!(next, 2_500);
        assert_eq!(
            w.after(End::Lost {
                carried: 1,
                processed: 0
            }),
            1
        );
    }

    #[test]
    fn an_idle_loss_or_a_refusal_leaves_the_window_alone() {
        let mut w = Window::new(1_000);
        assert_eq!(
            w.after(End::Lost {
                carried: 0,
                processed: 5
            }),
            1_000
        );
        assert_eq!(w.after(End::Other), 1_000);
    }

    #[test]
    fn verdicts_keep_the_window_at_max_when_nothing_is_lost() {
        let mut w = Window::new(100_000);
        for _ in 0..5 {
            assert_eq!(w.after(End::Verdict { processed: 100_000 }), 100_000);
        }
    }

    #[test]
    fn after_a_loss_the_window_holds_until_sixteen_times_the_loss_was_processed() {
        let mut w = Window::new(100_000);
        w.after(End::Lost {
            carried: 8_000,
            processed: 0,
        });
        assert_eq!(w.current(), 1_000);
        for _ in 0..127 {
            assert_eq!(w.after(End::Verdict { processed: 1_000 }), 1_000);
        }
        assert_eq!(w.after(End::Verdict { processed: 1_000 }), 2_000);
        assert_eq!(w.after(End::Verdict { processed: 2_000 }), 4_000);
    }

    #[test]
    fn a_failed_probe_returns_to_the_last_window_that_reached_a_verdict() {
        let mut w = Window::new(100_000);
        w.after(End::Verdict { processed: 2_500 });
        assert_eq!(
            w.after(End::Lost {
                carried: 5_000,
                processed: 0
            }),
            2_500
        );
        // With no verdict since, the next loss falls back to an eighth.
        assert_eq!(
            w.after(End::Lost {
                carried: 2_500,
                processed: 0
            }),
            312
        );
    }

    #[test]
    fn cuts_at_a_fixed_distance_cost_one_loss_then_at_most_a_sixteenth() {
        // The scenario: one learning loss, then none.
        assert_eq!(simulate(100_000, 3_000, 20_000), (23_000, 1));
        // Over a long run, probing stays within about a sixteenth of the traffic.
        let (gateway, losses) = simulate(100_000, 3_000, 10_000_000);
        assert!(
            gateway <= 10_000_000 + 10_000_000 / 14,
            "{gateway}, {losses} losses"
        );
        // A distance just above a power-of-two fraction of max.
        let (gateway, _) = simulate(100_000, 12_501, 1_000_000);
        assert!(gateway <= 1_000_000 + 1_000_000 / 14, "{gateway}");
    }
}
