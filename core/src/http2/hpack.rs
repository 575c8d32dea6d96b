//! HPACK header compression (RFC 7541) with the APNs indexing policy.
//!
//! HPACK state is directional: one [`HeaderEncoder`] per connection direction that sends
//! header blocks, one [`HeaderDecoder`] per direction that receives them, and every block
//! must be processed in the order it goes on the wire.
//!
//! Decoding is in `hpack_decode.rs` (re-exported here): our own, with a table-driven Huffman
//! decoder, because loona-hpack's builds a map of all 257 codes for every Huffman-coded
//! string. Encoding is our own because loona-hpack's encoder has one fixed strategy: it never
//! indexes a header whose name is in the static table (so `authorization` and `:authority`
//! would be re-sent in full on every request) and indexes every other new header (so each
//! `apns-id` would churn the dynamic table).

use std::collections::VecDeque;
use std::fmt;

use super::huffman;

/// The dynamic table size both sides start with, and the most this encoder ever uses.
pub const DEFAULT_HEADER_TABLE_SIZE: usize = 4096;
/// Default cap on a decoded header list, counted as RFC 9113 §6.5.2 does
/// (name + value + 32 per field).
pub const DEFAULT_MAX_HEADER_LIST_SIZE: usize = 64 * 1024;

/// Per-field representation (RFC 7541 §6.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Indexing {
    /// Literal added to the dynamic table, so later blocks send a one-byte index.
    Incremental,
    /// Literal that leaves the table untouched: for values that change every request.
    WithoutIndexing,
    /// Like `WithoutIndexing`, and intermediaries must never index it either.
    NeverIndexed,
}

/// The APNs policy: the headers that repeat on every request of a connection (and `:status`
/// on the server side) are indexed; per-request values (`:path`, `apns-id`,
/// `apns-expiration`, `apns-collapse-id`) and anything unknown are sent without indexing.
pub fn indexing_for(name: &[u8]) -> Indexing {
    match name {
        b":method" | b":scheme" | b":authority" | b":status" | b"apns-topic"
        | b"apns-push-type" | b"authorization" | b"apns-priority" => Indexing::Incremental,
        _ => Indexing::WithoutIndexing,
    }
}

/// Which string literals the encoder Huffman-codes (RFC 7541 §5.2), each only where that is
/// shorter than its raw octets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Huffman {
    /// None: raw octets.
    Never,
    /// The names and values of fields added to the dynamic table, which go out once per
    /// connection (or per change), so the coding is paid once and saves bytes for good.
    Indexed,
    /// Every literal, as nghttp2, h2 and Node's http2 do.
    Always,
}

/// RFC 7541 Appendix A.
#[rustfmt::skip]
pub(super) static STATIC_TABLE: [(&[u8], &[u8]); 61] = [
    (b":authority", b""), (b":method", b"GET"), (b":method", b"POST"), (b":path", b"/"),
    (b":path", b"/index.html"), (b":scheme", b"http"), (b":scheme", b"https"),
    (b":status", b"200"), (b":status", b"204"), (b":status", b"206"), (b":status", b"304"),
    (b":status", b"400"), (b":status", b"404"), (b":status", b"500"),
    (b"accept-charset", b""), (b"accept-encoding", b"gzip, deflate"),
    (b"accept-language", b""), (b"accept-ranges", b""), (b"accept", b""),
    (b"access-control-allow-origin", b""), (b"age", b""), (b"allow", b""),
    (b"authorization", b""), (b"cache-control", b""), (b"content-disposition", b""),
    (b"content-encoding", b""), (b"content-language", b""), (b"content-length", b""),
    (b"content-location", b""), (b"content-range", b""), (b"content-type", b""),
    (b"cookie", b""), (b"date", b""), (b"etag", b""), (b"expect", b""), (b"expires", b""),
    (b"from", b""), (b"host", b""), (b"if-match", b""), (b"if-modified-since", b""),
    (b"if-none-match", b""), (b"if-range", b""), (b"if-unmodified-since", b""),
    (b"last-modified", b""), (b"link", b""), (b"location", b""), (b"max-forwards", b""),
    (b"proxy-authenticate", b""), (b"proxy-authorization", b""), (b"range", b""),
    (b"referer", b""), (b"refresh", b""), (b"retry-after", b""), (b"server", b""),
    (b"set-cookie", b""), (b"strict-transport-security", b""), (b"transfer-encoding", b""),
    (b"user-agent", b""), (b"vary", b""), (b"via", b""), (b"www-authenticate", b""),
];

/// Size of a table entry (RFC 7541 §4.1).
pub(super) fn entry_size(name: &[u8], value: &[u8]) -> usize {
    name.len() + value.len() + 32
}

/// A dynamic table (the encoder's mirror of the peer's, or the decoder's own); newest entry
/// first. Each entry is one allocation: name then value.
#[derive(Default)]
pub(super) struct DynamicTable {
    entries: VecDeque<(Box<[u8]>, usize)>,
    pub(super) size: usize,
    max_size: usize,
}

impl DynamicTable {
    pub(super) fn resize(&mut self, max_size: usize) {
        self.max_size = max_size;
        self.evict();
    }

    /// Adds an entry; one larger than the whole table empties it (RFC 7541 §4.4).
    pub(super) fn insert(&mut self, name: &[u8], value: &[u8]) {
        let (bytes, name_len) = Self::entry_bytes(name, value);
        self.push(bytes, name_len);
    }

    /// An entry's storage: name then value, and the name's length.
    pub(super) fn entry_bytes(name: &[u8], value: &[u8]) -> (Box<[u8]>, usize) {
        let mut bytes = Vec::with_capacity(name.len() + value.len());
        bytes.extend_from_slice(name);
        bytes.extend_from_slice(value);
        (bytes.into_boxed_slice(), name.len())
    }

    /// Adds an entry made by [`entry_bytes`](Self::entry_bytes), evicting as needed.
    pub(super) fn push(&mut self, bytes: Box<[u8]>, name_len: usize) {
        self.size += bytes.len() + 32;
        self.entries.push_front((bytes, name_len));
        self.evict();
    }

    /// The `i`-th entry, 0 the newest.
    pub(super) fn get(&self, i: usize) -> Option<(&[u8], &[u8])> {
        self.entries
            .get(i)
            .map(|(bytes, name_len)| bytes.split_at(*name_len))
    }

    pub(super) fn len(&self) -> usize {
        self.entries.len()
    }

    fn iter(&self) -> impl Iterator<Item = (&[u8], &[u8])> {
        self.entries
            .iter()
            .map(|(bytes, name_len)| bytes.split_at(*name_len))
    }

    fn evict(&mut self) {
        while self.size > self.max_size {
            match self.entries.pop_back() {
                Some((bytes, _)) => self.size -= bytes.len() + 32,
                None => self.size = 0,
            }
        }
    }
}

/// Best match for a field: `(index, value_matches)`, a full match preferred.
fn find(table: &DynamicTable, name: &[u8], value: &[u8]) -> Option<(usize, bool)> {
    let (start, count) = static_range(name);
    let mut name_match = None;
    for (i, &(n, v)) in STATIC_TABLE.iter().enumerate().skip(start).take(count) {
        if n == name {
            if v == value {
                return Some((i + 1, true));
            }
            name_match = name_match.or(Some(i + 1));
        }
    }
    for (i, (n, v)) in table.iter().enumerate() {
        if n == name {
            if v == value {
                return Some((STATIC_TABLE.len() + i + 1, true));
            }
            name_match = name_match.or(Some(STATIC_TABLE.len() + i + 1));
        }
    }
    name_match.map(|i| (i, false))
}

/// The part of the static table that can hold `name` (0-based start, length): the exact
/// entries for the names every request carries, nothing for `apns-*`, the rest otherwise.
fn static_range(name: &[u8]) -> (usize, usize) {
    match name {
        b":authority" => (0, 1),
        b":method" => (1, 2),
        b":path" => (3, 2),
        b":scheme" => (5, 2),
        b":status" => (7, 7),
        b"authorization" => (22, 1),
        _ if name.starts_with(b"apns-") => (0, 0),
        _ => (0, STATIC_TABLE.len()),
    }
}

/// Integer representation of RFC 7541 §5.1; `flags` fills the bits above the prefix.
fn encode_int(out: &mut Vec<u8>, mut value: usize, prefix_bits: u8, flags: u8) {
    let max_prefix = (1usize << prefix_bits) - 1;
    if value < max_prefix {
        out.push(flags | value as u8);
        return;
    }
    out.push(flags | max_prefix as u8);
    value -= max_prefix;
    while value >= 128 {
        out.push((value % 128) as u8 | 0x80);
        value /= 128;
    }
    out.push(value as u8);
}

/// String literal of RFC 7541 §5.2: Huffman-coded when `huffman` and that is shorter.
fn encode_str(out: &mut Vec<u8>, s: &[u8], huffman: bool) {
    if huffman {
        let len = huffman::encoded_len(s);
        if len < s.len() {
            encode_int(out, len, 7, 0x80);
            huffman::encode(s, out);
            return;
        }
    }
    encode_int(out, s.len(), 7, 0);
    out.extend_from_slice(s);
}

/// Encodes header blocks for one direction of one connection.
///
/// Names must already be lowercase (HTTP/2 requires it; the encoder does not check).
pub struct HeaderEncoder {
    table: DynamicTable,
    /// Smallest table size set since the last block, when a size update must be signalled.
    pending_min: Option<usize>,
    huffman: Huffman,
}

impl Default for HeaderEncoder {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for HeaderEncoder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Table contents include the authorization token: show sizes only.
        f.debug_struct("HeaderEncoder")
            .field("entries", &self.table.len())
            .field("size", &self.table.size)
            .field("max_size", &self.table.max_size)
            .finish()
    }
}

impl HeaderEncoder {
    pub fn new() -> Self {
        let mut table = DynamicTable::default();
        table.resize(DEFAULT_HEADER_TABLE_SIZE);
        HeaderEncoder {
            table,
            pending_min: None,
            huffman: Huffman::Never,
        }
    }

    /// Which later string literals are Huffman-coded (default [`Huffman::Never`]).
    pub fn set_huffman(&mut self, huffman: Huffman) {
        self.huffman = huffman;
    }

    /// Applies the peer's SETTINGS_HEADER_TABLE_SIZE. The table used is the smaller of it and
    /// [`DEFAULT_HEADER_TABLE_SIZE`]; a change is announced at the start of the next block.
    pub fn set_peer_table_size(&mut self, peer_limit: u32) {
        let size = usize::try_from(peer_limit)
            .unwrap_or(usize::MAX)
            .min(DEFAULT_HEADER_TABLE_SIZE);
        if size == self.table.max_size && self.pending_min.is_none() {
            return;
        }
        self.pending_min = Some(self.pending_min.map_or(size, |m| m.min(size)));
        self.table.resize(size);
    }

    /// Appends the header block for `headers`, in order, using [`indexing_for`] per name.
    pub fn encode<N, V>(&mut self, headers: impl IntoIterator<Item = (N, V)>, out: &mut Vec<u8>)
    where
        N: AsRef<[u8]>,
        V: AsRef<[u8]>,
    {
        for (name, value) in headers {
            let name = name.as_ref();
            self.encode_field(name, value.as_ref(), indexing_for(name), out);
        }
    }

    /// Appends a header block with an explicit representation for every field.
    pub fn encode_with<N, V>(
        &mut self,
        fields: impl IntoIterator<Item = (N, V, Indexing)>,
        out: &mut Vec<u8>,
    ) where
        N: AsRef<[u8]>,
        V: AsRef<[u8]>,
    {
        for (name, value, indexing) in fields {
            self.encode_field(name.as_ref(), value.as_ref(), indexing, out);
        }
    }

    /// Emits the pending dynamic table size update(s) (RFC 7541 §4.2, §6.3). Called before
    /// the first field of a block, so an empty block never ends with an update (which
    /// decoders reject) and the update waits for the next non-empty block.
    fn signal_table_size(&mut self, out: &mut Vec<u8>) {
        let Some(low) = self.pending_min.take() else {
            return;
        };
        encode_int(out, low, 5, 0x20);
        if low != self.table.max_size {
            encode_int(out, self.table.max_size, 5, 0x20);
        }
    }

    fn encode_field(&mut self, name: &[u8], value: &[u8], indexing: Indexing, out: &mut Vec<u8>) {
        self.signal_table_size(out);
        let found = find(&self.table, name, value);
        if let Some((index, true)) = found {
            encode_int(out, index, 7, 0x80);
            return;
        }
        let name_index = found.map_or(0, |(index, _)| index);
        let (prefix_bits, flags) = match indexing {
            Indexing::Incremental => (6, 0x40),
            Indexing::WithoutIndexing => (4, 0x00),
            Indexing::NeverIndexed => (4, 0x10),
        };
        encode_int(out, name_index, prefix_bits, flags);
        let huffman = match self.huffman {
            Huffman::Never => false,
            Huffman::Indexed => indexing == Indexing::Incremental,
            Huffman::Always => true,
        };
        if name_index == 0 {
            encode_str(out, name, huffman);
        }
        encode_str(out, value, huffman);
        if indexing == Indexing::Incremental {
            self.table.insert(name, value);
        }
    }
}

pub use super::hpack_decode::{HeaderDecoder, HeaderList, HpackError};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_static_entry_is_found_at_its_index() {
        let table = DynamicTable::default();
        for (i, (n, v)) in STATIC_TABLE.iter().enumerate() {
            let first = STATIC_TABLE.iter().position(|e| e == &(*n, *v)).unwrap();
            assert_eq!(find(&table, n, v), Some((first + 1, true)), "{i}");
        }
        assert_eq!(find(&table, b":status", b"299"), Some((8, false)));
        assert_eq!(find(&table, b"apns-id", b"x"), None);
    }
}
