//! The end-of-run table on standard error: counts per kind, the top rejection reasons,
//! duplicates possible, elapsed time and rate.

use crate::outcomes::Tally;
use std::time::Duration;

/// How many rejection reasons the table lists.
const TOP_REASONS: usize = 10;

pub fn print(tally: &Tally, duplicates_possible: u64, elapsed: Duration) {
    let secs = elapsed.as_secs_f64();
    let settled = tally.settled();
    let rate = if secs > 0.0 {
        settled as f64 / secs
    } else {
        0.0
    };
    let mut out = String::new();
    out.push_str("apnspush send: summary\n");
    for (name, n) in [
        ("accepted", tally.accepted),
        ("rejected", tally.rejected),
        ("failed", tally.failed),
        ("expired", tally.expired),
        ("cancelled", tally.cancelled),
        ("invalid lines", tally.invalid),
    ] {
        out.push_str(&format!("  {name:<22}{n:>12}\n"));
    }
    if !tally.reasons.is_empty() {
        out.push_str("  top rejection reasons:\n");
        let mut reasons: Vec<_> = tally.reasons.iter().collect();
        reasons.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
        for (reason, n) in reasons.into_iter().take(TOP_REASONS) {
            out.push_str(&format!("    {reason:<20}{n:>12}\n"));
        }
    }
    out.push_str(&format!(
        "  {:<22}{duplicates_possible:>12}\n",
        "duplicates possible"
    ));
    out.push_str(&format!("  {:<22}{:>12.1} s\n", "elapsed", secs));
    out.push_str(&format!("  {:<22}{:>12.0} notifications/s\n", "rate", rate));
    eprint!("{out}");
}
