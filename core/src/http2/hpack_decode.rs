//! HPACK decoding (RFC 7541): header blocks into header lists, with every check the RFC asks
//! of a decoder, and Huffman-coded strings through the table-driven [`huffman`] decoder.

use std::fmt;

use super::frame::error_code;
use super::hpack::{
    entry_size, DynamicTable, DEFAULT_HEADER_TABLE_SIZE, DEFAULT_MAX_HEADER_LIST_SIZE, STATIC_TABLE,
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
    /// Huffman-decoded name and value of the current field, reused from field to field.
    scratch_name: Vec<u8>,
    scratch_value: Vec<u8>,
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
            scratch_name: Vec::new(),
            scratch_value: Vec::new(),
        }
    }

    pub fn set_max_list_size(&mut self, max_list_size: usize) {
        self.max_list_size = max_list_size;
    }

    /// Size of the dynamic table now (RFC 7541 §4.1: names, values and 32 per entry).
    pub fn table_size(&self) -> usize {
        self.table.size
    }

    /// Decodes one complete header block (HEADERS joined with its CONTINUATIONs).
    ///
    /// After a `Compression` error every later call fails too, since the table is lost.
    pub fn decode(&mut self, block: &[u8]) -> Result<HeaderList, HpackError> {
        let mut list = Vec::with_capacity(4);
        self.decode_with(block, |name, value| {
            list.push((name.to_vec(), value.to_vec()))
        })?;
        Ok(list)
    }

    /// Decodes one complete header block, handing each field to `field` in wire order
    /// (name, value), without building a list.
    ///
    /// On `HeaderListTooLarge` the fields up to the limit have been handed over and the rest
    /// not; on `Compression` the fields before the fault. Either way the caller discards
    /// what it got. After a `Compression` error every later call fails too.
    pub fn decode_with(
        &mut self,
        block: &[u8],
        mut field: impl FnMut(&[u8], &[u8]),
    ) -> Result<(), HpackError> {
        if self.broken {
            return Err(HpackError::Compression {
                detail: "decoder unusable after an earlier error".into(),
            });
        }
        let max = self.max_list_size;
        let mut size = 0usize;
        // The whole block is always processed so the dynamic table stays in sync even when
        // the list is too large; fields past the limit are counted, not handed over.
        let result = self.decode_fields(block, |name, value| {
            size = size.saturating_add(entry_size(name, value));
            if size <= max {
                field(name, value);
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
        Ok(())
    }

    /// Walks the field representations of RFC 7541 §6, calling `emit` for each field in
    /// order.
    fn decode_fields(
        &mut self,
        block: &[u8],
        mut emit: impl FnMut(&[u8], &[u8]),
    ) -> Result<(), Fault> {
        let HeaderDecoder {
            table,
            max_table_size,
            scratch_name,
            scratch_value,
            ..
        } = self;
        let mut pos = 0;
        let mut fields = 0usize;
        let mut last_was_update = false;
        while let Some(&first) = block.get(pos) {
            last_was_update = false;
            if first & 0x80 != 0 {
                // §6.1 Indexed Header Field.
                let index = decode_int(block, &mut pos, 7)?;
                let (name, value) = entry(table, index)?;
                emit(name, value);
            } else if first & 0xe0 == 0x20 {
                // §6.3 Dynamic Table Size Update: only before the first field (§4.2).
                if fields > 0 {
                    return Err("dynamic table size update after a header field");
                }
                let size = decode_int(block, &mut pos, 5)?;
                if size > *max_table_size {
                    return Err("dynamic table size update above SETTINGS_HEADER_TABLE_SIZE");
                }
                table.resize(size);
                last_was_update = true;
                continue;
            } else {
                // §6.2 Literal Header Field: with incremental indexing (01), without
                // indexing (0000) or never indexed (0001).
                let incremental = first & 0x40 != 0;
                let index = decode_int(block, &mut pos, if incremental { 6 } else { 4 })?;
                let name = match index {
                    0 => decode_str(block, &mut pos, scratch_name)?,
                    i => entry(table, i)?.0,
                };
                let value = decode_str(block, &mut pos, scratch_value)?;
                emit(name, value);
                if incremental {
                    let (bytes, name_len) = DynamicTable::entry_bytes(name, value);
                    table.push(bytes, name_len);
                }
            }
            fields += 1;
        }
        if last_was_update {
            return Err("header block ends with a dynamic table size update");
        }
        Ok(())
    }
}

/// Entry `index` of the static table followed by the dynamic table (RFC 7541 §2.3.3).
fn entry(table: &DynamicTable, index: usize) -> Result<(&[u8], &[u8]), Fault> {
    match index {
        0 => Err("index 0"),
        i if i <= STATIC_TABLE.len() => Ok(STATIC_TABLE[i - 1]),
        i => table
            .get(i - STATIC_TABLE.len() - 1)
            .ok_or("index beyond the dynamic table"),
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

/// String literal of §5.2 at `block[*pos]`: the raw octets in `block`, or Huffman-decoded
/// into `scratch` when its H bit is set.
fn decode_str<'a>(
    block: &'a [u8],
    pos: &mut usize,
    scratch: &'a mut Vec<u8>,
) -> Result<&'a [u8], Fault> {
    let huffman = *block.get(*pos).ok_or(TRUNCATED)? & 0x80 != 0;
    let len = decode_int(block, pos, 7)?;
    let bytes = block
        .get(*pos..)
        .and_then(|rest| rest.get(..len))
        .ok_or("string longer than the header block")?;
    *pos += len;
    if !huffman {
        return Ok(bytes);
    }
    scratch.clear();
    huffman::decode(bytes, scratch).map_err(huffman::HuffmanError::describe)?;
    Ok(scratch)
}
