//! Random (version 4) UUIDs for `apns-id`, drawn from the system RNG in blocks so that one
//! notification costs no system call.

use ring::rand::{SecureRandom, SystemRandom};

/// Random bytes drawn per refill: 256 UUIDs.
const POOL: usize = 16 * 256;

/// A per-thread source of lower-case v4 UUID strings. Not shared: each writer owns one.
pub(crate) struct UuidSource {
    rng: SystemRandom,
    pool: Box<[u8; POOL]>,
    at: usize,
}

impl Default for UuidSource {
    fn default() -> Self {
        UuidSource {
            rng: SystemRandom::new(),
            pool: Box::new([0; POOL]),
            at: POOL,
        }
    }
}

impl UuidSource {
    /// The next UUID, e.g. `"3f2a1c9e-8b7d-4e6f-a1b2-c3d4e5f60718"`.
    pub(crate) fn next_uuid(&mut self) -> String {
        if self.at == POOL {
            // The system RNG does not fail on supported platforms; if it ever did, the ids
            // would still be unique enough for correlation thanks to the counter mix below.
            if self.rng.fill(&mut self.pool[..]).is_err() {
                fallback_fill(&mut self.pool[..]);
            }
            self.at = 0;
        }
        let mut bytes = [0u8; 16];
        bytes.copy_from_slice(&self.pool[self.at..self.at + 16]);
        self.at += 16;
        format_v4(bytes)
    }
}

/// Formats 16 random bytes as a version-4, variant-1 UUID.
pub(crate) fn format_v4(mut b: [u8; 16]) -> String {
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(36);
    for (i, byte) in b.iter().enumerate() {
        if matches!(i, 4 | 6 | 8 | 10) {
            s.push('-');
        }
        s.push(HEX[(byte >> 4) as usize] as char);
        s.push(HEX[(byte & 15) as usize] as char);
    }
    s
}

fn fallback_fill(buf: &mut [u8]) {
    use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0);
    for chunk in buf.chunks_mut(8) {
        let x = (now ^ COUNTER.fetch_add(1, Relaxed).rotate_left(29))
            .wrapping_mul(0x9E37_79B9_7F4A_7C15);
        chunk.copy_from_slice(&x.to_le_bytes()[..chunk.len()]);
    }
}

/// True when `s` looks like a UUID (8-4-4-4-12 hex digits).
pub(crate) fn is_uuid(s: &[u8]) -> bool {
    s.len() == 36
        && s.iter().enumerate().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => *c == b'-',
            _ => c.is_ascii_hexdigit(),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuids_are_v4_lowercase_and_distinct() {
        let mut src = UuidSource::default();
        let ids: std::collections::HashSet<String> = (0..1000).map(|_| src.next_uuid()).collect();
        assert_eq!(ids.len(), 1000);
        for id in &ids {
            assert!(is_uuid(id.as_bytes()), "{id}");
            assert_eq!(&id[14..15], "4");
            assert!(matches!(&id[19..20], "8" | "9" | "a" | "b"));
            assert_eq!(id.to_ascii_lowercase(), *id);
        }
    }
}
