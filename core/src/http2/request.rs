//! Encodes APNs requests: `POST /3/device/<token>` (or, for a broadcast on a channel,
//! `POST /4/broadcasts/apps/<bundle id>`) HEADERS and the payload as DATA. Owned by one writer
//! thread (it holds the sending half of the connection's HPACK state).

use super::frame;
use super::hpack::{HeaderEncoder, Huffman};
use crate::notification::{Notification, PUSH_TYPES};
use crate::push_type;

pub(crate) struct RequestEncoder {
    hpack: HeaderEncoder,
    authority: Vec<u8>,
    /// The configured `topic`, used when a notification has none.
    default_topic: Option<String>,
    /// `default_topic` with the suffix each push type requires, by push type.
    suffixed_topics: Vec<(&'static str, String)>,
    table_size: u32,
    pub(crate) max_frame_size: u32,
    block: Vec<u8>,
    path: Vec<u8>,
}

impl RequestEncoder {
    pub(crate) fn new(authority: &str, default_topic: Option<String>) -> Self {
        let suffixed_topics = match &default_topic {
            Some(topic) => PUSH_TYPES
                .iter()
                .filter(|t| push_type::topic_suffix(t).is_some())
                .map(|t| (*t, push_type::suffixed_topic(topic, t)))
                .collect(),
            None => Vec::new(),
        };
        // Huffman coding only for what goes into the dynamic table (`:authority`,
        // `authorization`, `apns-topic`, `apns-push-type`): sent once per connection or token,
        // it saves ~20% of those bytes for a one-time cost. Per-request values stay raw: in
        // bench_hpack, coding `:path` costs ~115 ns to save 20 bytes and `apns-id` ~45 ns to
        // save 10, while encrypting those bytes costs under 5 ns: it would double the cost of
        // encoding a request block (~170 to ~330 ns) to save 30 of its ~130 bytes.
        let mut hpack = HeaderEncoder::new();
        hpack.set_huffman(Huffman::Indexed);
        RequestEncoder {
            hpack,
            authority: authority.as_bytes().to_vec(),
            default_topic,
            suffixed_topics,
            table_size: 4096,
            max_frame_size: frame::DEFAULT_MAX_FRAME_SIZE,
            block: Vec::with_capacity(512),
            path: Vec::with_capacity(256),
        }
    }

    /// Applies the peer's SETTINGS_HEADER_TABLE_SIZE and SETTINGS_MAX_FRAME_SIZE.
    pub(crate) fn sync(&mut self, table_size: u32, max_frame_size: u32) {
        if table_size != self.table_size {
            self.table_size = table_size;
            self.hpack.set_peer_table_size(table_size);
        }
        self.max_frame_size = max_frame_size;
    }

    /// Appends the request HEADERS (with CONTINUATIONs if needed) for `n` on `stream_id`.
    /// No `apns-expiration` when the expiry is unset; without a topic of its own, `n` gets the
    /// configured one, suffixed as its push type requires (`.voip`, `.location-query`, ...).
    /// `apns_id` is the notification's or a generated one; `authorization` the bearer value.
    /// A broadcast goes to the bundle id's broadcast path (the topic without its push-type
    /// suffix) with `apns-channel-id`, its id as `apns-request-id`, no `apns-topic`, and
    /// `apns-expiration` always (0 when unset: the one value every storage policy accepts).
    pub(crate) fn headers(
        &mut self,
        out: &mut Vec<u8>,
        stream_id: u32,
        n: &Notification,
        apns_id: &str,
        authorization: Option<&str>,
    ) {
        let broadcast = n.channel_id.as_deref();
        let topic = n.topic.as_deref().or_else(|| {
            default_topic_for(
                self.default_topic.as_deref(),
                &self.suffixed_topics,
                n.push_type.as_deref(),
            )
        });
        self.path.clear();
        match broadcast {
            None => {
                self.path.extend_from_slice(b"/3/device/");
                push_hex(&mut self.path, &n.token);
            }
            Some(_) => {
                self.path.extend_from_slice(b"/4/broadcasts/apps/");
                let bundle = crate::channels::bundle_of(topic.unwrap_or_default());
                self.path.extend_from_slice(bundle.as_bytes());
            }
        }
        let mut expiration = [0u8; 10];
        let expiry = n.expiry.or(broadcast.map(|_| 0));
        let expiration = expiry.map(|e| ascii_u32(e, &mut expiration));
        let mut priority = [0u8; 10];
        let priority = ascii_u32(u32::from(n.priority), &mut priority);
        let mut fields: [(&[u8], &[u8]); 12] = [(b"", b""); 12];
        let mut k = 0;
        macro_rules! add {
            ($name:expr, $value:expr) => {{
                fields[k] = ($name, $value);
                k += 1;
            }};
        }
        add!(b":method", b"POST");
        add!(b":scheme", b"https");
        add!(b":path", &self.path);
        add!(b":authority", &self.authority);
        if let Some(auth) = authorization {
            add!(b"authorization", auth.as_bytes());
        }
        match broadcast {
            None => add!(b"apns-id", apns_id.as_bytes()),
            Some(channel) => {
                add!(b"apns-channel-id", channel.as_bytes());
                add!(b"apns-request-id", apns_id.as_bytes());
            }
        }
        if let Some(e) = expiration {
            add!(b"apns-expiration", e);
        }
        add!(b"apns-priority", priority);
        if let (Some(t), None) = (topic, broadcast) {
            add!(b"apns-topic", t.as_bytes());
        }
        if let Some(t) = n.push_type.as_deref() {
            add!(b"apns-push-type", t.as_bytes());
        }
        if let Some(c) = n.collapse_id.as_deref() {
            add!(b"apns-collapse-id", c.as_bytes());
        }
        self.block.clear();
        self.hpack
            .encode(fields[..k].iter().copied(), &mut self.block);
        frame::encode_headers(out, stream_id, &self.block, false, self.max_frame_size);
    }

    /// Appends `chunk` of a body as DATA frames; END_STREAM on the last when `last`.
    pub(crate) fn data(&self, out: &mut Vec<u8>, stream_id: u32, chunk: &[u8], last: bool) {
        frame::encode_data(out, stream_id, chunk, last, self.max_frame_size);
    }
}

/// The configured topic, with the suffix `push_type` requires.
fn default_topic_for<'a>(
    default_topic: Option<&'a str>,
    suffixed: &'a [(&'static str, String)],
    push_type: Option<&str>,
) -> Option<&'a str> {
    push_type
        .and_then(|t| suffixed.iter().find(|(p, _)| *p == t))
        .map(|(_, topic)| topic.as_str())
        .or(default_topic)
}

fn push_hex(out: &mut Vec<u8>, bytes: &[u8]) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    for b in bytes {
        out.push(HEX[(b >> 4) as usize]);
        out.push(HEX[(b & 15) as usize]);
    }
}

/// Decimal digits of `v` in `buf`.
fn ascii_u32(mut v: u32, buf: &mut [u8; 10]) -> &[u8] {
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            return &buf[i..];
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http2::frame::{Frame, FrameDecoder};
    use crate::http2::hpack::HeaderDecoder;
    use crate::http2::huffman;

    fn contains(hay: &[u8], needle: &[u8]) -> bool {
        hay.windows(needle.len()).any(|w| w == needle)
    }

    /// The header block of the HEADERS frame in `wire`.
    fn block(wire: &[u8]) -> Vec<u8> {
        let mut frames = FrameDecoder::new();
        frames.feed(wire);
        match frames.next_frame().unwrap() {
            Some(Frame::Headers { block, .. }) => block,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn indexed_values_are_huffman_coded_and_per_request_values_raw() {
        let mut enc = RequestEncoder::new("api.push.apple.com", Some("com.example.app".into()));
        let n = Notification::builder()
            .token_hex(&"ab".repeat(32))
            .payload_json("{}")
            .build()
            .unwrap();
        let id = "8e2a4c1f-5b7d-4e3a-9c6f-0d1b2a3c4e5f";
        let jwt = "bearer eyJhbGciOiJFUzI1NiJ9.eyJpc3MiOiJERUYifQ.c2lnbmF0dXJl";
        let mut decoder = HeaderDecoder::new();
        let mut blocks = Vec::new();
        for _ in 0..2 {
            let mut wire = Vec::new();
            enc.headers(&mut wire, 1, &n, id, Some(jwt));
            let b = block(&wire);
            let list = decoder.decode(&b).unwrap();
            let value = |name: &[u8]| list.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
            assert_eq!(value(b"authorization").as_deref(), Some(jwt.as_bytes()));
            assert_eq!(
                value(b"apns-topic").as_deref(),
                Some(&b"com.example.app"[..])
            );
            assert_eq!(value(b"apns-id").as_deref(), Some(id.as_bytes()));
            assert!(contains(
                &b,
                format!("/3/device/{}", "ab".repeat(32)).as_bytes()
            ));
            assert!(contains(&b, id.as_bytes()), "apns-id raw");
            assert!(
                !contains(&b, b"com.example"),
                "topic Huffman-coded or indexed"
            );
            assert!(!contains(&b, b"eyJhbGci"), "token Huffman-coded or indexed");
            blocks.push(b);
        }
        let mut huffman = Vec::new();
        huffman::encode(jwt.as_bytes(), &mut huffman);
        assert!(contains(&blocks[0], &huffman), "token Huffman-coded once");
        assert!(!contains(&blocks[1], &huffman), "then indexed");
    }
}
