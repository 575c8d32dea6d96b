//! The receiving half of an HTTP/2 client connection as a pure state machine: bytes from the
//! server go in, [`Event`]s and the control frames to send back come out. No sockets, no
//! clocks, no panics on any input, so it can be fuzzed.
//!
//! It owns the frame decoder, the CONTINUATION assembler, the HPACK decoder (the reader
//! thread's half of the HPACK state) and the receive-side flow-control windows. Send-side
//! state (streams, send windows, concurrency) belongs to the caller, which applies the events.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use super::frame::{
    self, error_code, setting, Assembled, Frame, FrameDecoder, FrameError, HeaderAssembler,
    HeaderBlock,
};
use super::hpack::HeaderDecoder;

/// Receive windows this client advertises, and the limits it keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionLimits {
    /// SETTINGS_INITIAL_WINDOW_SIZE we advertise for every stream.
    pub stream_window: u32,
    /// The connection receive window we open with a WINDOW_UPDATE right after the preface.
    pub connection_window: u32,
    /// Most responses in progress at once (a guard against a server that never finishes).
    pub max_partial: usize,
    /// Most response body bytes kept per stream; the rest is counted and dropped.
    pub max_body: usize,
}

impl Default for SessionLimits {
    fn default() -> Self {
        SessionLimits {
            stream_window: 1 << 20,
            connection_window: 1 << 26,
            max_partial: 1 << 17,
            max_body: 64 * 1024,
        }
    }
}

/// A complete response on one stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    pub stream_id: u32,
    pub status: u16,
    pub apns_id: Option<String>,
    pub body: Vec<u8>,
}

/// What the server told us, in arrival order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// A stream's final response is complete.
    Response(Response),
    /// The server reset a stream, or its response was malformed (`error_code` PROTOCOL_ERROR,
    /// and an RST_STREAM is already queued).
    Reset { stream_id: u32, error_code: u32 },
    /// New peer settings, to apply to the sending side; the ACK is already queued.
    Settings(Vec<(u16, u32)>),
    /// The server acknowledged our SETTINGS.
    SettingsAck,
    /// More send window for a stream, or for the connection (`stream_id` 0).
    WindowUpdate { stream_id: u32, increment: u32 },
    /// The answer to one of our PINGs.
    PingAck([u8; 8]),
    /// The server sent a PING: acknowledge it with this payload. Only the latest unanswered
    /// one is kept (see `ConnState::pong`), so a PING flood queues one acknowledgement.
    Ping([u8; 8]),
    /// The server is going away; streams above `last_stream_id` were not processed.
    GoAway {
        last_stream_id: u32,
        error_code: u32,
        debug_data: Vec<u8>,
    },
}

/// Hasher for stream ids: they are small, odd and sequential, so a multiply spreads them.
#[derive(Default)]
pub(crate) struct StreamIdHasher(u64);

impl Hasher for StreamIdHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0.rotate_left(8) ^ u64::from(b)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        }
    }
    fn write_u32(&mut self, n: u32) {
        self.0 = u64::from(n).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
}

/// A map keyed by stream id.
pub(crate) type StreamMap<V> = HashMap<u32, V, BuildHasherDefault<StreamIdHasher>>;

/// A response being received.
#[derive(Debug, Default)]
struct Partial {
    status: u16,
    apns_id: Option<String>,
    body: Vec<u8>,
    /// Body bytes received since the last stream WINDOW_UPDATE.
    unacked: u32,
    /// Receive window left on this stream.
    window: i64,
}

/// Client-side receive state of one connection. Feed it every byte the server sends, in
/// order, with [`receive`](Self::receive). After an `Err` the connection must be closed.
#[derive(Debug)]
pub struct ClientSession {
    limits: SessionLimits,
    frames: FrameDecoder,
    headers: HeaderAssembler,
    hpack: HeaderDecoder,
    partial: StreamMap<Partial>,
    conn_window: i64,
    conn_unacked: u32,
    failed: Option<FrameError>,
    /// Highest stream id the client has opened: HEADERS or DATA above it is a connection
    /// PROTOCOL_ERROR (RFC 9113 §5.1, idle stream).
    last_opened: u32,
    /// Streams open on the client's side: a response starting while this many are in
    /// progress is on a stream already closed (reset as malformed), so in-progress responses
    /// never outnumber the requests that can still be answered.
    open_streams: usize,
}

impl Default for ClientSession {
    fn default() -> Self {
        Self::new(SessionLimits::default())
    }
}

impl ClientSession {
    pub fn new(limits: SessionLimits) -> Self {
        ClientSession {
            limits,
            frames: FrameDecoder::new(),
            headers: HeaderAssembler::default(),
            hpack: HeaderDecoder::new(),
            partial: StreamMap::default(),
            conn_window: i64::from(frame::DEFAULT_INITIAL_WINDOW_SIZE)
                .max(i64::from(limits.connection_window)),
            conn_unacked: 0,
            failed: None,
            last_opened: super::state::MAX_STREAM_ID,
            open_streams: usize::MAX,
        }
    }

    /// Tells the session which streams the server may answer: every odd id up to
    /// `last_opened`, at most `open` of them still unanswered. Call it before each
    /// [`receive`](Self::receive) with what the sending side has opened by then (a response
    /// is read only after its request was written, so nothing legitimate is refused). Until
    /// the first call every odd stream counts as opened.
    pub fn streams_opened(&mut self, last_opened: u32, open: usize) {
        self.last_opened = last_opened;
        self.open_streams = open;
    }

    /// Appends what a client with these limits sends first; see [`client_preface`].
    pub fn preface(&self, out: &mut Vec<u8>) {
        client_preface(&self.limits, out);
    }

    /// Responses in progress.
    pub fn partial_count(&self) -> usize {
        self.partial.len()
    }

    /// Forgets a stream the caller reset: later frames on it are ignored.
    pub fn forget(&mut self, stream_id: u32) {
        self.partial.remove(&stream_id);
    }

    /// Processes received bytes: appends events to `events` and frames to send to `out`
    /// (SETTINGS acknowledgements, WINDOW_UPDATEs, RST_STREAMs; PINGs come out as
    /// [`Event::Ping`]). An `Err` is a
    /// connection error; it is returned again by every later call.
    pub fn receive(
        &mut self,
        bytes: &[u8],
        events: &mut Vec<Event>,
        out: &mut Vec<u8>,
    ) -> Result<(), FrameError> {
        if let Some(e) = self.failed {
            return Err(e);
        }
        self.frames.feed(bytes);
        let result = self.drain(events, out);
        if let Err(e) = result {
            self.failed = Some(e);
            return result;
        }
        if self.conn_unacked > 0
            && self.conn_unacked as u64 * 2 >= u64::from(self.limits.connection_window.max(1))
        {
            frame::encode_window_update(out, 0, self.conn_unacked);
            self.conn_window += i64::from(self.conn_unacked);
            self.conn_unacked = 0;
        }
        Ok(())
    }

    fn drain(&mut self, events: &mut Vec<Event>, out: &mut Vec<u8>) -> Result<(), FrameError> {
        while let Some(f) = self.frames.next_frame()? {
            match self.headers.push(f)? {
                Assembled::Pending => {}
                Assembled::Block(block) => self.on_header_block(block, events, out)?,
                Assembled::Frame(f) => self.on_frame(f, events, out)?,
            }
        }
        Ok(())
    }

    fn on_frame(
        &mut self,
        f: Frame,
        events: &mut Vec<Event>,
        out: &mut Vec<u8>,
    ) -> Result<(), FrameError> {
        match f {
            Frame::Data {
                stream_id,
                data,
                end_stream,
                flow_len,
            } => self.on_data(stream_id, data, end_stream, flow_len, events, out)?,
            Frame::RstStream {
                stream_id,
                error_code,
            } => {
                self.partial.remove(&stream_id);
                events.push(Event::Reset {
                    stream_id,
                    error_code,
                });
            }
            Frame::Settings { ack: true, .. } => events.push(Event::SettingsAck),
            Frame::Settings { ack: false, params } => {
                frame::encode_settings_ack(out);
                events.push(Event::Settings(params));
            }
            Frame::Ping { ack: false, data } => events.push(Event::Ping(data)),
            Frame::Ping { ack: true, data } => events.push(Event::PingAck(data)),
            Frame::GoAway {
                last_stream_id,
                error_code,
                debug_data,
            } => events.push(Event::GoAway {
                last_stream_id,
                error_code,
                debug_data,
            }),
            Frame::WindowUpdate {
                stream_id,
                increment,
            } => events.push(Event::WindowUpdate {
                stream_id,
                increment,
            }),
            // Header frames never reach here (the assembler absorbs them); the priority
            // scheme is deprecated; unknown frame types must be ignored.
            Frame::Headers { .. }
            | Frame::Continuation { .. }
            | Frame::Priority { .. }
            | Frame::Unknown { .. } => {}
        }
        Ok(())
    }

    fn on_data(
        &mut self,
        stream_id: u32,
        data: Vec<u8>,
        end_stream: bool,
        flow_len: u32,
        events: &mut Vec<Event>,
        out: &mut Vec<u8>,
    ) -> Result<(), FrameError> {
        if self.never_opened(stream_id) {
            return Err(FrameError::protocol(
                "DATA on a stream the client never opened",
            ));
        }
        let flow = i64::from(flow_len);
        if flow > self.conn_window {
            return Err(FrameError::new(
                error_code::FLOW_CONTROL_ERROR,
                "DATA beyond the connection receive window",
            ));
        }
        self.conn_window -= flow;
        self.conn_unacked = self.conn_unacked.saturating_add(flow_len);
        // DATA on a stream we reset or finished is counted for the connection and dropped.
        let Some(p) = self.partial.get_mut(&stream_id) else {
            return Ok(());
        };
        if flow > p.window {
            return Err(FrameError::new(
                error_code::FLOW_CONTROL_ERROR,
                "DATA beyond the stream receive window",
            ));
        }
        p.window -= flow;
        let room = self.limits.max_body.saturating_sub(p.body.len());
        p.body.extend_from_slice(&data[..data.len().min(room)]);
        if end_stream {
            self.finish(stream_id, events);
            return Ok(());
        }
        p.unacked = p.unacked.saturating_add(flow_len);
        if p.unacked as u64 * 2 >= u64::from(self.limits.stream_window.max(1)) {
            frame::encode_window_update(out, stream_id, p.unacked);
            p.window += i64::from(p.unacked);
            p.unacked = 0;
        }
        Ok(())
    }

    fn on_header_block(
        &mut self,
        block: HeaderBlock,
        events: &mut Vec<Event>,
        out: &mut Vec<u8>,
    ) -> Result<(), FrameError> {
        let HeaderBlock {
            stream_id,
            block,
            end_stream,
        } = block;
        if stream_id % 2 == 0 {
            return Err(FrameError::new(
                error_code::PROTOCOL_ERROR,
                "HEADERS on a server-initiated stream (push is disabled)",
            ));
        }
        if self.never_opened(stream_id) {
            return Err(FrameError::protocol(
                "HEADERS on a stream the client never opened",
            ));
        }
        let mut status = None;
        let mut apns_id = None;
        let decoded = self.hpack.decode_with(&block, |name, value| match name {
            b":status" => status = parse_status(value),
            b"apns-id" | b"apns-request-id" if value.len() <= 64 && value.is_ascii() => {
                apns_id = std::str::from_utf8(value).ok().map(str::to_owned)
            }
            _ => {}
        });
        let complete = match decoded {
            Ok(()) => true,
            Err(e) if e.is_connection_error() => {
                return Err(FrameError::new(
                    error_code::COMPRESSION_ERROR,
                    "HPACK decoding failed",
                ))
            }
            Err(_) => false, // list too large: the decoder is still in sync
        };
        let existing = self.partial.contains_key(&stream_id);
        if existing {
            // Trailers: their content is ignored; they must end the stream.
            if end_stream && complete {
                self.finish(stream_id, events);
            } else {
                self.malformed(stream_id, events, out);
            }
            return Ok(());
        }
        if !complete {
            self.malformed(stream_id, events, out);
            return Ok(());
        }
        let Some(status) = status else {
            self.malformed(stream_id, events, out);
            return Ok(());
        };
        if (100..200).contains(&status) {
            // Informational: the final response follows (an END_STREAM here is malformed).
            if end_stream {
                self.malformed(stream_id, events, out);
            }
            return Ok(());
        }
        if self.partial.len() >= self.limits.max_partial {
            return Err(FrameError::new(
                error_code::ENHANCE_YOUR_CALM,
                "too many unfinished responses",
            ));
        }
        if self.partial.len() >= self.open_streams {
            // More responses in progress than requests open: this one answers a stream
            // already closed.
            self.malformed(stream_id, events, out);
            return Ok(());
        }
        self.partial.insert(
            stream_id,
            Partial {
                status,
                apns_id,
                body: Vec::new(),
                unacked: 0,
                window: i64::from(self.limits.stream_window),
            },
        );
        if end_stream {
            self.finish(stream_id, events);
        }
        Ok(())
    }

    /// A server-initiated (even) id, or an odd one above every stream the client opened.
    fn never_opened(&self, stream_id: u32) -> bool {
        stream_id.is_multiple_of(2) || stream_id > self.last_opened
    }

    fn finish(&mut self, stream_id: u32, events: &mut Vec<Event>) {
        if let Some(p) = self.partial.remove(&stream_id) {
            events.push(Event::Response(Response {
                stream_id,
                status: p.status,
                apns_id: p.apns_id,
                body: p.body,
            }));
        }
    }

    /// A response that breaks HTTP semantics: reset the stream and report it.
    fn malformed(&mut self, stream_id: u32, events: &mut Vec<Event>, out: &mut Vec<u8>) {
        self.partial.remove(&stream_id);
        frame::encode_rst_stream(out, stream_id, error_code::PROTOCOL_ERROR);
        events.push(Event::Reset {
            stream_id,
            error_code: error_code::PROTOCOL_ERROR,
        });
    }
}

/// Appends what a client sends first: the preface, our SETTINGS (push disabled, our stream
/// window) and the WINDOW_UPDATE that opens the connection window.
pub fn client_preface(limits: &SessionLimits, out: &mut Vec<u8>) {
    out.extend_from_slice(frame::PREFACE);
    frame::encode_settings(
        out,
        &[
            (setting::ENABLE_PUSH, 0),
            (setting::INITIAL_WINDOW_SIZE, limits.stream_window),
        ],
    );
    let extra = limits
        .connection_window
        .saturating_sub(frame::DEFAULT_INITIAL_WINDOW_SIZE);
    if extra > 0 {
        frame::encode_window_update(out, 0, extra);
    }
}

/// A `:status` value: exactly three ASCII digits.
fn parse_status(v: &[u8]) -> Option<u16> {
    if v.len() != 3 || !v.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(v.iter().fold(0u16, |n, d| n * 10 + u16::from(d - b'0')))
}
