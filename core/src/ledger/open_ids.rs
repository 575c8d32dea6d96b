//! The set of open ids (handed out, not settled) as a sliding bitmap: ids are handed out in
//! increasing order and mostly settle in that order, so one bit per id from the oldest open
//! one to the newest replaces a hashed set (no hashing, no per-id allocation).
//!
//! Memory: one bit per id between the oldest open id and the newest one handed out (a
//! notification open for a whole second at a million a second holds 125 KB).

use std::collections::VecDeque;

#[derive(Default)]
pub(super) struct OpenIds {
    /// Bit `i` of word `k` stands for id `first + 64 * k + i`. Empty, or its first word is
    /// non-zero.
    words: VecDeque<u64>,
    /// The id of bit 0 of `words[0]`; a multiple of 64.
    first: u64,
    len: usize,
}

impl OpenIds {
    /// Adds `id`, which is greater than every id added before.
    pub(super) fn insert(&mut self, id: u64) {
        if self.words.is_empty() {
            self.first = id & !63;
        }
        debug_assert!(id >= self.first);
        let k = ((id - self.first) / 64) as usize;
        if k >= self.words.len() {
            self.words.resize(k + 1, 0);
        }
        let bit = 1u64 << (id % 64);
        debug_assert!(self.words[k] & bit == 0, "id {id} added twice");
        self.words[k] |= bit;
        self.len += 1;
    }

    /// Removes `id`; false if it was not open.
    pub(super) fn remove(&mut self, id: u64) -> bool {
        let Some((k, bit)) = self.position(id) else {
            return false;
        };
        if self.words[k] & bit == 0 {
            return false;
        }
        self.words[k] &= !bit;
        self.len -= 1;
        while self.words.front() == Some(&0) {
            self.words.pop_front();
            self.first += 64;
        }
        true
    }

    pub(super) fn contains(&self, id: u64) -> bool {
        self.position(id)
            .is_some_and(|(k, bit)| self.words[k] & bit != 0)
    }

    /// The smallest open id.
    pub(super) fn oldest(&self) -> Option<u64> {
        let w = *self.words.front()?;
        Some(self.first + u64::from(w.trailing_zeros()))
    }

    #[cfg(test)]
    pub(super) fn len(&self) -> usize {
        self.len
    }

    /// Words held (each covers 64 ids).
    #[cfg(test)]
    pub(super) fn words(&self) -> usize {
        self.words.len()
    }

    fn position(&self, id: u64) -> Option<(usize, u64)> {
        let k = usize::try_from(id.checked_sub(self.first)? / 64).ok()?;
        (k < self.words.len()).then(|| (k, 1u64 << (id % 64)))
    }
}

#[cfg(test)]
mod tests {
    use super::OpenIds;
    use proptest::prelude::*;
    use std::collections::BTreeSet;

    #[test]
    fn settled_words_are_released_behind_the_oldest() {
        let mut s = OpenIds::default();
        for id in 1..=1_000 {
            s.insert(id);
        }
        for id in 1..1_000 {
            assert!(s.remove(id));
        }
        assert_eq!((s.len(), s.oldest(), s.words()), (1, Some(1_000), 1));
        assert!(!s.remove(5), "already removed");
        assert!(s.remove(1_000));
        assert_eq!((s.len(), s.oldest(), s.words()), (0, None, 0));
        assert!(!s.contains(1_000));
        s.insert(5_000);
        assert_eq!((s.oldest(), s.words()), (Some(5_000), 1));
    }

    proptest! {
        /// Behaves as an ordered set of the ids, whatever the order of removals.
        #[test]
        fn matches_a_set(
            gaps in proptest::collection::vec(1u64..200, 1..300),
            removals in proptest::collection::vec((any::<prop::sample::Index>(), any::<bool>()), 0..400),
        ) {
            let mut s = OpenIds::default();
            let mut model = BTreeSet::new();
            let mut id = 0;
            let mut ids = Vec::new();
            for g in gaps {
                id += g;
                s.insert(id);
                model.insert(id);
                ids.push(id);
            }
            for (pick, bogus) in removals {
                let id = if bogus { ids[pick.index(ids.len())] + 1 } else { ids[pick.index(ids.len())] };
                prop_assert_eq!(s.remove(id), model.remove(&id));
                prop_assert_eq!(s.len(), model.len());
                prop_assert_eq!(s.oldest(), model.first().copied());
                prop_assert_eq!(s.contains(id), false);
            }
            for id in &ids {
                prop_assert_eq!(s.contains(*id), model.contains(id));
            }
        }
    }
}
