//! What APNs answers to a request, decided from its method, path and body alone.

/// The largest payload APNs takes for ordinary notifications.
pub const MAX_PAYLOAD: usize = 4096;

#[derive(Debug, PartialEq, Eq)]
pub enum Answer {
    Accepted,
    Rejected { status: u16, reason: &'static str },
}

/// The token part of `path` (`/3/device/<token>`), if the path has that shape.
pub fn token(path: &str) -> Option<&str> {
    path.strip_prefix("/3/device/")
}

pub fn answer(method: &str, path: &str, body_len: usize) -> Answer {
    let rejected = |status, reason| Answer::Rejected { status, reason };
    if method != "POST" {
        return rejected(405, "MethodNotAllowed");
    }
    let Some(token) = token(path) else {
        return rejected(404, "BadPath");
    };
    let hex = token.len() % 2 == 0 && token.bytes().all(|b| b.is_ascii_hexdigit());
    if token.is_empty() || !hex || token[..2].eq_ignore_ascii_case("bd") {
        return rejected(400, "BadDeviceToken");
    }
    if body_len == 0 {
        return rejected(400, "PayloadEmpty");
    }
    if body_len > MAX_PAYLOAD {
        return rejected(413, "PayloadTooLarge");
    }
    Answer::Accepted
}

/// A UUID-shaped apns-id made from a counter (unique within this server's run).
pub fn apns_id(n: u64) -> String {
    format!(
        "{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}",
        (n >> 32) as u32 ^ 0x5eed_1d00,
        (n >> 16) as u16,
        n & 0xfff,
        (n >> 12) & 0xfff,
        n
    )
}
