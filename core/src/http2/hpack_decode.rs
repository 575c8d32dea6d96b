//! HPACK decoding (RFC 7541): header blocks into header lists, with every check the RFC asks
//! of a decoder, and Huffman-coded strings through the table-driven [`huffman`] decoder.

use std::borrow::Cow;
use std::fmt;

use super::frame::error_code;
use super::hpack::{
    entry_size, DynamicTable, DEFAULT_HEADER_TABLE_SIZE, DEFAULT_MAX_HEADER_LIST_SIZE,
    STATIC_TABLE,
};
use super::huffman;

/// A header block that could not be accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HpackError {
    /// Malformed block. The decoding context is now unknown: close the connection with
    /// COMPRESSION_ERROR. `detail` describes the fault, never the header contents.
    Compression { detail: String },
    /// The block decoded fine but its list exceeds the limit. The decoder stays in sync, so
    /// only the stream needs to fail.
    HeaderListTooLarge { size: usize, max: usize },
}

impl HpackError {
    /// The HTTP/2 error code to send: COMPRESSION_ERROR (connection) or, for an oversized
    /// list, ENHANCE_YOUR_CALM (for RST_STREAM).
    pub fn error_code(&self) -> u32 {
        match self {
            HpackError::Compression { .. } => error_code::COMPRESSION_ERROR,
            HpackError::HeaderListTooLarge { .. } => error_code::ENHANCE_YOUR_CALM,
        }
    }

    /// True when the connection can no longer be used.
    pub fn is_connection_error(&self) -> bool {
        matches!(self, HpackError::Compression { .. })
    }
}

impl fmt::Display for HpackError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HpackError::Compression { detail } => write!(f, "HPACK decoding failed: {detail}"),
            HpackError::HeaderListTooLarge { size, max } => {
                write!(f, "header list of {size} bytes exceeds the limit of {max}")
            }
        }
    }
}

impl std::error::Error for HpackError {}

/// A decoded header list: (name, value) pairs in wire order.
pub type HeaderList = Vec<(Vec<u8>, Vec<u8>)>;

/// Decodes header blocks for one direction of one connection.
pub struct HeaderDecoder {
    table: DynamicTable,
    max_table_size: usize,
    max_list_size: usize,
    broken: bool,
}

impl Default for HeaderDecoder {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for HeaderDecoder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Table contents are header values: show sizes only.
        f.debug_struct("HeaderDecoder")
            .field("table_size", &self.table.size)
            .field("max_table_size", &self.max_table_size)
            .field("max_list_size", &self.max_list_size)
            .field("broken", &self.broken)
            .finish_non_exhaustive()
    }
}

/// A malformed block: the description (never header contents) of a COMPRESSION_ERROR.
type Fault = &'static str;

const TRUNCATED: Fault = "header block truncated";

impl HeaderDecoder {
    /// Table size limit 4096, list size limit [`DEFAULT_MAX_HEADER_LIST_SIZE`].
    pub fn new() -> Self {
        Self::with_limits(DEFAULT_HEADER_TABLE_SIZE, DEFAULT_MAX_HEADER_LIST_SIZE)
    }

    /// `max_table_size` is the SETTINGS_HEADER_TABLE_SIZE this endpoint advertises: a size
    /// update above it is a compression error. The table starts at the protocol's initial
    /// 4096 until the peer's encoder sends an update. `max_list_size` bounds each decoded
    /// list.
    pub fn with_limits(max_table_size: usize, max_list_size: usize) -> Self {
        let mut table = DynamicTable::default();
        table.resize(DEFAULT_HEADER_TABLE_SIZE);
        HeaderDecoder {
            table,
            max_table_size,
            max_list_size,
            broken: false,
        }
    }

    pub fn set_max_list_size(&mut self, max_list_size: usize) {
        self.max_list_size = max_list_size;
    }

    /// Decodes one complete header block (HEADERS joined with its CONTINUATIONs).
    ///
    /// After a `Compression` error every later call fails too, since the table is lost.
    pub fn decode(&mut self, block: &[u8]) -> Result<HeaderList, HpackError> {
        if self.broken {
            return Err(HpackError::Compression {
                detail: "decoder unusable after an earlier error".into(),
            });
        }
        let max = self.max_list_size;
        let mut list = Vec::with_capacity(4);
        let mut size = 0usize;
        // The whole block is always processed so the dynamic table stays in sync even when
        // the list is too large; fields past the limit are counted, not copied.
        let result = self.decode_fields(block, |name, value| {
            size = size.saturating_add(entry_size(&name, &value));
            if size <= max {
                list.push((name.into_owned(), value.into_owned()));
            }
        });
        if let Err(fault) = result {
            self.broken = true;
            return Err(HpackError::Compression {
                detail: fault.into(),
            });
        }
        if size > max {
            return Err(HpackError::HeaderListTooLarge { size, max });
        }
        Ok(list)
    }

    /// Walks the field representations of RFC 7541 §6, calling `emit` for each field in
    /// order.
    fn decode_fields(
        &mut self,
        block: &[u8],
        mut emit: impl FnMut(Cow<'_, [u8]>, Cow<'_, [u8]>),
    ) -> Result<(), Fault> {
        let mut pos = 0;
        let mut fields = 0usize;
        let mut last_was_update = false;
        while let Some(&first) = block.get(pos) {
            last_was_update = false;
            if first & 0x80 != 0 {
                // §6.1 Indexed Header Field.
                let index = decode_int(block, &mut pos, 7)?;
                let (name, value) = self.entry(index)?;
                emit(Cow::Borrowed(name), Cow::Borrowed(value));
            } else if first & 0xe0 == 0x20 {
                // §6.3 Dynamic Table Size Update: only before the first field (§4.2).
                if fields > 0 {
                    return Err("dynamic table size update after a header field");
                }
                let size = decode_int(block, &mut pos, 5)?;
                if size > self.max_table_size {
                    return Err("dynamic table size update above SETTINGS_HEADER_TABLE_SIZE");
                }
                self.table.resize(size);
                last_was_update = true;
                continue;
            } else {
                // §6.2 Literal Header Field: with incremental indexing (01), without
                // indexing (0000) or never indexed (0001).
                let incremental = first & 0x40 != 0;
                let index = decode_int(block, &mut pos, if incremental { 6 } else { 4 })?;
                let name = match index {
                    0 => Cow::Owned(decode_str(block, &mut pos)?),
                    i => Cow::Borrowed(self.entry(i)?.0),
                };
                let value = decode_str(block, &mut pos)?;
                if incremental {
                    let name = name.into_owned();
                    self.table.insert(&name, &value);
                    emit(Cow::Owned(name), Cow::Owned(value));
                } else {
                    emit(name, Cow::Owned(value));
                }
            }
            fields += 1;
        }
        if last_was_update {
            return Err("header block ends with a dynamic table size update");
        }
        Ok(())
    }

    /// Entry `index` of the static table followed by the dynamic table (§2.3.3).
    fn entry(&self, index: usize) -> Result<(&[u8], &[u8]), Fault> {
        match index {
            0 => Err("index 0"),
            i if i <= STATIC_TABLE.len() => Ok(STATIC_TABLE[i - 1]),
            i => self
                .table
                .entries
                .get(i - STATIC_TABLE.len() - 1)
                .map(|(n, v)| (n.as_slice(), v.as_slice()))
                .ok_or("index beyond the dynamic table"),
        }
    }
}

/// Integer of §5.1 starting at `block[*pos]` with a `prefix_bits` prefix; advances `pos`.
/// At most four continuation octets (values below 2^28 plus the prefix), as loona-hpack and
/// nghttp2 allow.
fn decode_int(block: &[u8], pos: &mut usize, prefix_bits: u32) -> Result<usize, Fault> {
    let max_prefix = (1usize << prefix_bits) - 1;
    let first = usize::from(*block.get(*pos).ok_or(TRUNCATED)?) & max_prefix;
    *pos += 1;
    if first < max_prefix {
        return Ok(first);
    }
    let mut value = max_prefix;
    let mut shift = 0;
    loop {
        let octet = *block.get(*pos).ok_or(TRUNCATED)?;
        *pos += 1;
        value += usize::from(octet & 0x7f) << shift;
        if octet & 0x80 == 0 {
            return Ok(value);
        }
        shift += 7;
        if shift == 28 {
            return Err("integer longer than five octets");
        }
    }
}

/// String literal of §5.2 at `block[*pos]`, Huffman-decoded when its H bit is set.
fn decode_str(block: &[u8], pos: &mut usize) -> Result<Vec<u8>, Fault> {
    let huffman = *block.get(*pos).ok_or(TRUNCATED)? & 0x80 != 0;
    let len = decode_int(block, pos, 7)?;
    let bytes = block
        .get(*pos..)
        .and_then(|rest| rest.get(..len))
        .ok_or("string longer than the header block")?;
    *pos += len;
    if !huffman {
        return Ok(bytes.to_vec());
    }
    let mut out = Vec::new();
    huffman::decode(bytes, &mut out).map_err(huffman::HuffmanError::describe)?;
    Ok(out)
}
