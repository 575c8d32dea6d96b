//! `MockOptions::chaos`: seeded random faults for soaks, per HTTP/2 connection and request.
//! The same seed and connection order give the same faults.

use std::time::Duration;

/// How one connection ends, and its per-request faults.
pub(crate) struct Chaos {
    rng: u64,
    /// After this many requests processed: GOAWAY, drop, or go silent (at most one is set).
    pub(crate) goaway_after: Option<u64>,
    pub(crate) drop_after: Option<u64>,
    pub(crate) stall_after: Option<u64>,
}

/// One request in this many is answered 429 TooManyRequests.
const TOO_MANY_ONE_IN: u64 = 2_000;
/// One request in this many is answered late, by `SLOW_ANSWER`.
const SLOW_ONE_IN: u64 = 5_000;
pub(crate) const SLOW_ANSWER: Duration = Duration::from_millis(100);

impl Chaos {
    /// The faults of connection `id` under `seed`: after a uniform 2,000-40,000 requests it is
    /// sent a GOAWAY (50%), dropped (35%), or goes silent while answering PINGs (15%). No
    /// connection lives for ever, so a long run keeps meeting faults.
    pub(crate) fn new(seed: u64, id: u64) -> Chaos {
        let mut c = Chaos {
            rng: seed ^ id.wrapping_mul(0x9E37_79B9_7F4A_7C15),
            goaway_after: None,
            drop_after: None,
            stall_after: None,
        };
        let k = 2_000 + c.next() % 38_001;
        match c.next() % 100 {
            0..=49 => c.goaway_after = Some(k),
            50..=84 => c.drop_after = Some(k),
            _ => c.stall_after = Some(k),
        }
        c
    }

    /// This request is answered 429.
    pub(crate) fn too_many(&mut self) -> bool {
        self.next().is_multiple_of(TOO_MANY_ONE_IN)
    }

    /// This request is answered late.
    pub(crate) fn slow(&mut self) -> bool {
        self.next().is_multiple_of(SLOW_ONE_IN)
    }

    /// splitmix64.
    fn next(&mut self) -> u64 {
        self.rng = self.rng.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.rng;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fates_are_spread_and_repeatable() {
        let fates: Vec<(bool, bool, bool)> = (0..1_000)
            .map(|id| {
                let c = Chaos::new(7, id);
                (
                    c.goaway_after.is_some(),
                    c.drop_after.is_some(),
                    c.stall_after.is_some(),
                )
            })
            .collect();
        let count = |f: fn(&(bool, bool, bool)) -> bool| fates.iter().filter(|x| f(x)).count();
        assert!((400..600).contains(&count(|x| x.0)));
        assert!((250..450).contains(&count(|x| x.1)));
        assert!((100..200).contains(&count(|x| x.2)));
        assert!(fates
            .iter()
            .all(|x| u8::from(x.0) + u8::from(x.1) + u8::from(x.2) == 1));
        let again = Chaos::new(7, 3);
        assert_eq!(again.goaway_after, Chaos::new(7, 3).goaway_after);
        let mut c = Chaos::new(1, 1);
        let too_many = (0..200_000).filter(|_| c.too_many()).count();
        assert!((50..150).contains(&too_many), "{too_many}");
    }
}
