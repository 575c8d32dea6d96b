//! HTTP/2 frame layer (RFC 9113 §4, §6), usable by both the client and the mock server.
//!
//! Encoders append complete frames to a caller-owned `Vec<u8>` and never fail: inputs that
//! cannot be represented are clamped (stream ids to 31 bits, payloads to the frame size limits)
//! as each function documents. [`FrameDecoder`] accepts arbitrary byte chunks and yields
//! validated [`Frame`]s; every malformed input becomes a [`FrameError`], never a panic.

use std::fmt;

/// The client connection preface (RFC 9113 §3.4); a SETTINGS frame must follow it.
pub const PREFACE: &[u8; 24] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
/// Length of every frame header.
pub const FRAME_HEADER_LEN: usize = 9;
/// Initial SETTINGS_MAX_FRAME_SIZE, and the smallest value a peer may advertise.
pub const DEFAULT_MAX_FRAME_SIZE: u32 = 16_384;
/// Largest SETTINGS_MAX_FRAME_SIZE a peer may advertise (2^24 - 1).
pub const MAX_FRAME_SIZE_LIMIT: u32 = 16_777_215;
/// Initial flow-control window of the connection and of every stream.
pub const DEFAULT_INITIAL_WINDOW_SIZE: u32 = 65_535;
/// Largest flow-control window (2^31 - 1).
pub const MAX_WINDOW_SIZE: u32 = 0x7fff_ffff;

const STREAM_ID_MASK: u32 = 0x7fff_ffff;

/// Frame type codes (RFC 9113 §6).
pub mod kind {
    pub const DATA: u8 = 0x0;
    pub const HEADERS: u8 = 0x1;
    pub const PRIORITY: u8 = 0x2;
    pub const RST_STREAM: u8 = 0x3;
    pub const SETTINGS: u8 = 0x4;
    pub const PUSH_PROMISE: u8 = 0x5;
    pub const PING: u8 = 0x6;
    pub const GOAWAY: u8 = 0x7;
    pub const WINDOW_UPDATE: u8 = 0x8;
    pub const CONTINUATION: u8 = 0x9;
}

/// Frame flag bits; their meaning depends on the frame type.
pub mod flags {
    pub const END_STREAM: u8 = 0x1;
    pub const ACK: u8 = 0x1;
    pub const END_HEADERS: u8 = 0x4;
    pub const PADDED: u8 = 0x8;
    pub const PRIORITY: u8 = 0x20;
}

/// Error codes carried by RST_STREAM and GOAWAY (RFC 9113 §7).
pub mod error_code {
    pub const NO_ERROR: u32 = 0x0;
    pub const PROTOCOL_ERROR: u32 = 0x1;
    pub const INTERNAL_ERROR: u32 = 0x2;
    pub const FLOW_CONTROL_ERROR: u32 = 0x3;
    pub const SETTINGS_TIMEOUT: u32 = 0x4;
    pub const STREAM_CLOSED: u32 = 0x5;
    pub const FRAME_SIZE_ERROR: u32 = 0x6;
    pub const REFUSED_STREAM: u32 = 0x7;
    pub const CANCEL: u32 = 0x8;
    pub const COMPRESSION_ERROR: u32 = 0x9;
    pub const CONNECT_ERROR: u32 = 0xa;
    pub const ENHANCE_YOUR_CALM: u32 = 0xb;
    pub const INADEQUATE_SECURITY: u32 = 0xc;
    pub const HTTP_1_1_REQUIRED: u32 = 0xd;

    /// The RFC name of `code`, or "UNKNOWN_ERROR" for codes it does not define.
    pub fn name(code: u32) -> &'static str {
        #[rustfmt::skip]
        const NAMES: [&str; 14] = [
            "NO_ERROR", "PROTOCOL_ERROR", "INTERNAL_ERROR", "FLOW_CONTROL_ERROR",
            "SETTINGS_TIMEOUT", "STREAM_CLOSED", "FRAME_SIZE_ERROR", "REFUSED_STREAM", "CANCEL",
            "COMPRESSION_ERROR", "CONNECT_ERROR", "ENHANCE_YOUR_CALM", "INADEQUATE_SECURITY",
            "HTTP_1_1_REQUIRED",
        ];
        usize::try_from(code)
            .ok()
            .and_then(|i| NAMES.get(i).copied())
            .unwrap_or("UNKNOWN_ERROR")
    }
}

/// SETTINGS parameter identifiers (RFC 9113 §6.5.2).
pub mod setting {
    pub const HEADER_TABLE_SIZE: u16 = 0x1;
    pub const ENABLE_PUSH: u16 = 0x2;
    pub const MAX_CONCURRENT_STREAMS: u16 = 0x3;
    pub const INITIAL_WINDOW_SIZE: u16 = 0x4;
    pub const MAX_FRAME_SIZE: u16 = 0x5;
    pub const MAX_HEADER_LIST_SIZE: u16 = 0x6;
}

/// A connection error: the receiver must send GOAWAY with `code` and close.
///
/// Errors the RFC allows to be stream errors are reported here as connection errors too
/// (RFC 9113 §5.4 permits that). `reason` is fixed text for logs and GOAWAY debug data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FrameError {
    pub code: u32,
    pub reason: &'static str,
}

impl FrameError {
    pub const fn new(code: u32, reason: &'static str) -> Self {
        FrameError { code, reason }
    }

    pub(crate) fn protocol(reason: &'static str) -> Self {
        Self::new(error_code::PROTOCOL_ERROR, reason)
    }

    fn size(reason: &'static str) -> Self {
        Self::new(error_code::FRAME_SIZE_ERROR, reason)
    }
}

impl fmt::Display for FrameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", error_code::name(self.code), self.reason)
    }
}

impl std::error::Error for FrameError {}

/// The 9-byte frame header. `len` holds 24 bits and `stream_id` 31 bits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FrameHeader {
    pub len: u32,
    pub kind: u8,
    pub flags: u8,
    pub stream_id: u32,
}

impl FrameHeader {
    /// Parses a header; the reserved stream-id bit is ignored as the RFC requires.
    pub fn parse(bytes: &[u8; FRAME_HEADER_LEN]) -> Self {
        FrameHeader {
            len: u32::from_be_bytes([0, bytes[0], bytes[1], bytes[2]]),
            kind: bytes[3],
            flags: bytes[4],
            stream_id: be_u32(&bytes[5..9]) & STREAM_ID_MASK,
        }
    }

    /// Appends the header; `len` is truncated to 24 bits and `stream_id` to 31 bits.
    pub fn encode(&self, buf: &mut Vec<u8>) {
        let len = (self.len & MAX_FRAME_SIZE_LIMIT).to_be_bytes();
        buf.extend_from_slice(&len[1..]);
        buf.push(self.kind);
        buf.push(self.flags);
        buf.extend_from_slice(&(self.stream_id & STREAM_ID_MASK).to_be_bytes());
    }
}

/// A decoded, validated frame. Padding and priority fields are already stripped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Frame {
    /// `flow_len` is the whole payload length (padding included): what flow control counts.
    Data {
        stream_id: u32,
        data: Vec<u8>,
        end_stream: bool,
        flow_len: u32,
    },
    /// A header block fragment; see [`HeaderAssembler`] to join CONTINUATIONs.
    Headers {
        stream_id: u32,
        block: Vec<u8>,
        end_stream: bool,
        end_headers: bool,
    },
    /// Parsed for validation only; the priority scheme is deprecated and ignored.
    Priority {
        stream_id: u32,
    },
    RstStream {
        stream_id: u32,
        error_code: u32,
    },
    Settings {
        ack: bool,
        params: Vec<(u16, u32)>,
    },
    Ping {
        ack: bool,
        data: [u8; 8],
    },
    GoAway {
        last_stream_id: u32,
        error_code: u32,
        debug_data: Vec<u8>,
    },
    /// `stream_id` 0 is the connection window. `increment` is never zero.
    WindowUpdate {
        stream_id: u32,
        increment: u32,
    },
    Continuation {
        stream_id: u32,
        block: Vec<u8>,
        end_headers: bool,
    },
    /// A frame of an unknown type; receivers must ignore it (outside a header block).
    Unknown {
        kind: u8,
        stream_id: u32,
    },
}

/// Appends one frame with an arbitrary type and payload (also for tests and fault injection).
/// A payload longer than [`MAX_FRAME_SIZE_LIMIT`] is truncated to that length.
pub fn encode_frame(buf: &mut Vec<u8>, kind: u8, flags: u8, stream_id: u32, payload: &[u8]) {
    let payload = &payload[..payload.len().min(MAX_FRAME_SIZE_LIMIT as usize)];
    let len = payload.len() as u32; // fits: truncated to 24 bits above
    FrameHeader {
        len,
        kind,
        flags,
        stream_id,
    }
    .encode(buf);
    buf.extend_from_slice(payload);
}

/// `flag` when `on`, else no bits.
fn bit(on: bool, flag: u8) -> u8 {
    if on {
        flag
    } else {
        0
    }
}

/// Clamps a peer-advertised max frame size to the legal range.
fn chunk_size(max_frame_size: u32) -> usize {
    max_frame_size.clamp(DEFAULT_MAX_FRAME_SIZE, MAX_FRAME_SIZE_LIMIT) as usize
}

/// Appends a HEADERS frame carrying `block`, followed by CONTINUATION frames when the block
/// is longer than `max_frame_size` (the peer's setting, clamped to the legal range).
/// END_HEADERS is set on the last frame; END_STREAM on the HEADERS frame when `end_stream`.
pub fn encode_headers(
    buf: &mut Vec<u8>,
    stream_id: u32,
    block: &[u8],
    end_stream: bool,
    max_frame_size: u32,
) {
    let size = chunk_size(max_frame_size);
    let (first, mut rest) = block.split_at(block.len().min(size));
    let fl = bit(end_stream, flags::END_STREAM) | bit(rest.is_empty(), flags::END_HEADERS);
    encode_frame(buf, kind::HEADERS, fl, stream_id, first);
    while !rest.is_empty() {
        let (chunk, tail) = rest.split_at(rest.len().min(size));
        let fl = bit(tail.is_empty(), flags::END_HEADERS);
        encode_frame(buf, kind::CONTINUATION, fl, stream_id, chunk);
        rest = tail;
    }
}

/// Appends `data` as DATA frames of at most `max_frame_size` bytes (clamped to the legal
/// range); END_STREAM goes on the last one. Empty `data` still produces one frame.
/// Flow control is the caller's business: pass no more than the windows allow.
pub fn encode_data(
    buf: &mut Vec<u8>,
    stream_id: u32,
    data: &[u8],
    end_stream: bool,
    max_frame_size: u32,
) {
    let size = chunk_size(max_frame_size);
    let mut rest = data;
    loop {
        let (chunk, tail) = rest.split_at(rest.len().min(size));
        let last = tail.is_empty();
        let fl = bit(last && end_stream, flags::END_STREAM);
        encode_frame(buf, kind::DATA, fl, stream_id, chunk);
        if last {
            return;
        }
        rest = tail;
    }
}

/// Appends a SETTINGS frame; parameters beyond what fits in 16384 bytes are dropped.
pub fn encode_settings(buf: &mut Vec<u8>, params: &[(u16, u32)]) {
    let max = DEFAULT_MAX_FRAME_SIZE as usize / 6;
    let mut payload = Vec::with_capacity(params.len().min(max) * 6);
    for (id, value) in params.iter().take(max) {
        payload.extend_from_slice(&id.to_be_bytes());
        payload.extend_from_slice(&value.to_be_bytes());
    }
    encode_frame(buf, kind::SETTINGS, 0, 0, &payload);
}

/// Appends an empty SETTINGS frame with the ACK flag.
pub fn encode_settings_ack(buf: &mut Vec<u8>) {
    encode_frame(buf, kind::SETTINGS, flags::ACK, 0, &[]);
}

/// Appends a PING (or its acknowledgement, which must echo the received data).
pub fn encode_ping(buf: &mut Vec<u8>, data: [u8; 8], ack: bool) {
    let fl = if ack { flags::ACK } else { 0 };
    encode_frame(buf, kind::PING, fl, 0, &data);
}

/// Appends a WINDOW_UPDATE; `increment` is truncated to 31 bits (zero is the caller's bug).
pub fn encode_window_update(buf: &mut Vec<u8>, stream_id: u32, increment: u32) {
    let payload = (increment & MAX_WINDOW_SIZE).to_be_bytes();
    encode_frame(buf, kind::WINDOW_UPDATE, 0, stream_id, &payload);
}

/// Appends an RST_STREAM.
pub fn encode_rst_stream(buf: &mut Vec<u8>, stream_id: u32, error_code: u32) {
    encode_frame(
        buf,
        kind::RST_STREAM,
        0,
        stream_id,
        &error_code.to_be_bytes(),
    );
}

/// Appends a GOAWAY; debug data is truncated so the frame fits in 16384 bytes.
pub fn encode_goaway(buf: &mut Vec<u8>, last_stream_id: u32, error_code: u32, debug: &[u8]) {
    let room = DEFAULT_MAX_FRAME_SIZE as usize - 8;
    let mut payload = Vec::with_capacity(8 + debug.len().min(room));
    payload.extend_from_slice(&(last_stream_id & STREAM_ID_MASK).to_be_bytes());
    payload.extend_from_slice(&error_code.to_be_bytes());
    payload.extend_from_slice(&debug[..debug.len().min(room)]);
    encode_frame(buf, kind::GOAWAY, 0, 0, &payload);
}

/// Checks the start of what a client sent against [`PREFACE`]: `Ok(true)` when the whole
/// preface is present, `Ok(false)` when `received` is a proper prefix of it (read more),
/// a PROTOCOL_ERROR as soon as a byte differs.
pub fn check_preface(received: &[u8]) -> Result<bool, FrameError> {
    let n = received.len().min(PREFACE.len());
    if received[..n] != PREFACE[..n] {
        return Err(FrameError::protocol("invalid connection preface"));
    }
    Ok(n == PREFACE.len())
}

fn be_u32(b: &[u8]) -> u32 {
    let mut a = [0u8; 4];
    let n = b.len().min(4);
    a[..n].copy_from_slice(&b[..n]);
    u32::from_be_bytes(a)
}

/// Incremental frame decoder: [`feed`](Self::feed) bytes as they arrive, then call
/// [`next_frame`](Self::next_frame) until it returns `Ok(None)`.
///
/// After the first error the decoder is poisoned and returns that error forever: the
/// connection must be closed. Oversized frames are refused from their header alone, so at
/// most one frame of `max_frame_size` bytes is ever buffered beyond what was fed.
#[derive(Debug)]
pub struct FrameDecoder {
    buf: Vec<u8>,
    pos: usize,
    max_frame_size: u32,
    expect_preface: bool,
    failed: Option<FrameError>,
}

impl Default for FrameDecoder {
    fn default() -> Self {
        Self::new()
    }
}

impl FrameDecoder {
    /// A decoder for frames sent by a server (max frame size 16384).
    pub fn new() -> Self {
        FrameDecoder {
            buf: Vec::new(),
            pos: 0,
            max_frame_size: DEFAULT_MAX_FRAME_SIZE,
            expect_preface: false,
            failed: None,
        }
    }

    /// A decoder for what a client sends: the [`PREFACE`] is checked and consumed first.
    pub fn server_side() -> Self {
        FrameDecoder {
            expect_preface: true,
            ..Self::new()
        }
    }

    /// Sets the largest payload accepted: the SETTINGS_MAX_FRAME_SIZE this endpoint
    /// advertised. Clamped to the legal range.
    pub fn set_max_frame_size(&mut self, size: u32) {
        self.max_frame_size = size.clamp(DEFAULT_MAX_FRAME_SIZE, MAX_FRAME_SIZE_LIMIT);
    }

    pub fn max_frame_size(&self) -> u32 {
        self.max_frame_size
    }

    /// Bytes fed but not yet returned as frames.
    pub fn buffered(&self) -> usize {
        self.buf.len() - self.pos
    }

    /// Appends received bytes. Chunk boundaries are irrelevant.
    pub fn feed(&mut self, bytes: &[u8]) {
        if self.pos > 0 && self.pos >= self.buf.len() / 2 {
            self.buf.drain(..self.pos);
            self.pos = 0;
        }
        self.buf.extend_from_slice(bytes);
    }

    /// The next complete frame, `Ok(None)` if more bytes are needed, or the connection error.
    pub fn next_frame(&mut self) -> Result<Option<Frame>, FrameError> {
        if let Some(err) = self.failed {
            return Err(err);
        }
        let result = self.decode_one();
        if let Err(err) = result {
            self.failed = Some(err);
        }
        result
    }

    fn decode_one(&mut self) -> Result<Option<Frame>, FrameError> {
        if self.expect_preface {
            let pending = &self.buf[self.pos..];
            if !check_preface(pending)? {
                return Ok(None);
            }
            self.pos += PREFACE.len();
            self.expect_preface = false;
        }
        let pending = &self.buf[self.pos..];
        let Some(head) = pending.first_chunk::<FRAME_HEADER_LEN>() else {
            return Ok(None);
        };
        let header = FrameHeader::parse(head);
        if header.len > self.max_frame_size {
            return Err(FrameError::size(
                "frame larger than SETTINGS_MAX_FRAME_SIZE",
            ));
        }
        let end = FRAME_HEADER_LEN + header.len as usize;
        let Some(payload) = pending.get(FRAME_HEADER_LEN..end) else {
            return Ok(None);
        };
        let frame = parse_frame(&header, payload)?;
        self.pos += end;
        Ok(Some(frame))
    }
}

/// Validates and decodes one frame whose payload is complete.
pub fn parse_frame(h: &FrameHeader, payload: &[u8]) -> Result<Frame, FrameError> {
    match h.kind {
        kind::DATA => parse_data(h, payload),
        kind::HEADERS => parse_headers(h, payload),
        kind::PRIORITY => parse_priority(h, payload),
        kind::RST_STREAM => parse_rst_stream(h, payload),
        kind::SETTINGS => parse_settings(h, payload),
        kind::PUSH_PROMISE => Err(FrameError::protocol(
            "PUSH_PROMISE received: push is disabled",
        )),
        kind::PING => parse_ping(h, payload),
        kind::GOAWAY => parse_goaway(h, payload),
        kind::WINDOW_UPDATE => parse_window_update(h, payload),
        kind::CONTINUATION => parse_continuation(h, payload),
        other => Ok(Frame::Unknown {
            kind: other,
            stream_id: h.stream_id,
        }),
    }
}

fn require_stream(h: &FrameHeader, reason: &'static str) -> Result<(), FrameError> {
    match h.stream_id {
        0 => Err(FrameError::protocol(reason)),
        _ => Ok(()),
    }
}

fn require_connection(h: &FrameHeader, reason: &'static str) -> Result<(), FrameError> {
    match h.stream_id {
        0 => Ok(()),
        _ => Err(FrameError::protocol(reason)),
    }
}

/// Strips the padding of a PADDED frame; the pad length must leave room for itself.
fn strip_padding<'a>(h: &FrameHeader, payload: &'a [u8]) -> Result<&'a [u8], FrameError> {
    if h.flags & flags::PADDED == 0 {
        return Ok(payload);
    }
    let Some((&pad, rest)) = payload.split_first() else {
        return Err(FrameError::size("padded frame without a pad length"));
    };
    let keep = rest.len().checked_sub(usize::from(pad));
    keep.map(|k| &rest[..k])
        .ok_or(FrameError::protocol("padding longer than the payload"))
}

fn parse_data(h: &FrameHeader, payload: &[u8]) -> Result<Frame, FrameError> {
    require_stream(h, "DATA on stream 0")?;
    let data = strip_padding(h, payload)?;
    Ok(Frame::Data {
        stream_id: h.stream_id,
        data: data.to_vec(),
        end_stream: h.flags & flags::END_STREAM != 0,
        flow_len: h.len,
    })
}

fn parse_headers(h: &FrameHeader, payload: &[u8]) -> Result<Frame, FrameError> {
    require_stream(h, "HEADERS on stream 0")?;
    let mut block = strip_padding(h, payload)?;
    if h.flags & flags::PRIORITY != 0 {
        block = block.get(5..).ok_or(FrameError::size(
            "HEADERS too short for its priority fields",
        ))?;
    }
    Ok(Frame::Headers {
        stream_id: h.stream_id,
        block: block.to_vec(),
        end_stream: h.flags & flags::END_STREAM != 0,
        end_headers: h.flags & flags::END_HEADERS != 0,
    })
}

fn parse_priority(h: &FrameHeader, payload: &[u8]) -> Result<Frame, FrameError> {
    require_stream(h, "PRIORITY on stream 0")?;
    if payload.len() != 5 {
        return Err(FrameError::size("PRIORITY length is not 5"));
    }
    Ok(Frame::Priority {
        stream_id: h.stream_id,
    })
}

fn parse_rst_stream(h: &FrameHeader, payload: &[u8]) -> Result<Frame, FrameError> {
    require_stream(h, "RST_STREAM on stream 0")?;
    if payload.len() != 4 {
        return Err(FrameError::size("RST_STREAM length is not 4"));
    }
    Ok(Frame::RstStream {
        stream_id: h.stream_id,
        error_code: be_u32(payload),
    })
}

fn parse_settings(h: &FrameHeader, payload: &[u8]) -> Result<Frame, FrameError> {
    require_connection(h, "SETTINGS on a stream")?;
    let ack = h.flags & flags::ACK != 0;
    if ack && !payload.is_empty() {
        return Err(FrameError::size("SETTINGS ACK with a payload"));
    }
    if !payload.chunks_exact(6).remainder().is_empty() {
        return Err(FrameError::size("SETTINGS length is not a multiple of 6"));
    }
    let mut params = Vec::with_capacity(payload.len() / 6);
    for entry in payload.chunks_exact(6) {
        let id = u16::from_be_bytes([entry[0], entry[1]]);
        let value = be_u32(&entry[2..]);
        check_setting(id, value)?;
        params.push((id, value));
    }
    Ok(Frame::Settings { ack, params })
}

/// Value rules of RFC 9113 §6.5.2; unknown identifiers are accepted (and to be ignored).
fn check_setting(id: u16, value: u32) -> Result<(), FrameError> {
    match id {
        setting::ENABLE_PUSH if value > 1 => {
            Err(FrameError::protocol("SETTINGS_ENABLE_PUSH is not 0 or 1"))
        }
        setting::INITIAL_WINDOW_SIZE if value > MAX_WINDOW_SIZE => Err(FrameError::new(
            error_code::FLOW_CONTROL_ERROR,
            "SETTINGS_INITIAL_WINDOW_SIZE above 2^31-1",
        )),
        setting::MAX_FRAME_SIZE
            if !(DEFAULT_MAX_FRAME_SIZE..=MAX_FRAME_SIZE_LIMIT).contains(&value) =>
        {
            Err(FrameError::protocol("SETTINGS_MAX_FRAME_SIZE out of range"))
        }
        _ => Ok(()),
    }
}

fn parse_ping(h: &FrameHeader, payload: &[u8]) -> Result<Frame, FrameError> {
    require_connection(h, "PING on a stream")?;
    let data: [u8; 8] = payload
        .try_into()
        .map_err(|_| FrameError::size("PING length is not 8"))?;
    Ok(Frame::Ping {
        ack: h.flags & flags::ACK != 0,
        data,
    })
}

fn parse_goaway(h: &FrameHeader, payload: &[u8]) -> Result<Frame, FrameError> {
    require_connection(h, "GOAWAY on a stream")?;
    if payload.len() < 8 {
        return Err(FrameError::size("GOAWAY shorter than 8 bytes"));
    }
    Ok(Frame::GoAway {
        last_stream_id: be_u32(&payload[..4]) & STREAM_ID_MASK,
        error_code: be_u32(&payload[4..8]),
        debug_data: payload[8..].to_vec(),
    })
}

fn parse_window_update(h: &FrameHeader, payload: &[u8]) -> Result<Frame, FrameError> {
    if payload.len() != 4 {
        return Err(FrameError::size("WINDOW_UPDATE length is not 4"));
    }
    let increment = be_u32(payload) & MAX_WINDOW_SIZE;
    if increment == 0 {
        return Err(FrameError::protocol("WINDOW_UPDATE with a zero increment"));
    }
    Ok(Frame::WindowUpdate {
        stream_id: h.stream_id,
        increment,
    })
}

fn parse_continuation(h: &FrameHeader, payload: &[u8]) -> Result<Frame, FrameError> {
    require_stream(h, "CONTINUATION on stream 0")?;
    Ok(Frame::Continuation {
        stream_id: h.stream_id,
        block: payload.to_vec(),
        end_headers: h.flags & flags::END_HEADERS != 0,
    })
}

pub use super::assemble::{Assembled, HeaderAssembler, HeaderBlock, DEFAULT_MAX_HEADER_BLOCK};
