//! One HTTP/2 client connection that carries one request at a time: the preface and SETTINGS,
//! a request's HEADERS and DATA, and a read loop that answers SETTINGS and PING, applies
//! WINDOW_UPDATE, reopens our receive windows as DATA arrives, and notes GOAWAY, until the
//! request's answer is complete or its deadline passes.

use std::time::{Duration, Instant};

use rustls::ClientConfig;
use std::sync::Arc;

use crate::config::Config;
use crate::error::{Error, ErrorKind, Result};
use crate::http2::frame::{
    self, error_code, setting, Assembled, Frame, FrameDecoder, HeaderAssembler, HeaderBlock,
};
use crate::http2::hpack::{HeaderDecoder, HeaderEncoder, HeaderList};
use crate::tls::{Acceptance, TlsConn};

/// Our receive window, per stream and for the connection: a whole `all-channels` answer
/// (10,000 ids of ~44 bytes) fits without waiting on a WINDOW_UPDATE round trip.
const RECV_WINDOW: u32 = 1 << 20;
/// The longest answer body kept; a longer one is a protocol error.
const MAX_BODY: usize = 4 << 20;

/// A complete answer.
pub(crate) struct Response {
    pub(crate) status: u16,
    pub(crate) headers: HeaderList,
    pub(crate) body: Vec<u8>,
}

impl Response {
    /// The first value of header `name`, as text.
    pub(crate) fn header(&self, name: &str) -> Option<String> {
        self.headers
            .iter()
            .find(|(n, _)| n == name.as_bytes())
            .map(|(_, v)| String::from_utf8_lossy(v).into_owned())
    }
}

/// Why a request has no answer.
pub(crate) enum Failure {
    /// The server certainly did not process it (refused stream, GOAWAY below it, write
    /// failure on a dead connection): safe to send again on a new connection.
    Unprocessed(Error),
    /// The connection ended before the answer: it may or may not have been processed.
    Lost(Error),
    /// Anything else (timeout, protocol violation): the connection is not reused.
    Failed(Error),
}

impl Failure {
    pub(crate) fn into_error(self) -> Error {
        match self {
            Failure::Unprocessed(e) | Failure::Lost(e) | Failure::Failed(e) => e,
        }
    }
}

pub(crate) struct Conn {
    tls: TlsConn,
    authority: String,
    frames: FrameDecoder,
    assembler: HeaderAssembler,
    decoder: HeaderDecoder,
    encoder: HeaderEncoder,
    next_stream: u32,
    peer_max_frame: u32,
    /// The server's initial stream window and our connection send window.
    peer_stream_window: i64,
    send_window: i64,
    /// Last-stream-id of a GOAWAY received.
    goaway: Option<u32>,
    /// The connection is not to be used again (closed, failed or timed out).
    broken: bool,
    raw: Vec<u8>,
    plain: Vec<u8>,
    out: Vec<u8>,
}

impl Conn {
    /// Connects (through the configured proxy, if any), verifies the server for `host`,
    /// requires ALPN "h2" and writes the preface with our SETTINGS.
    pub(crate) fn open(
        tls: &Arc<ClientConfig>,
        config: &Config,
        host: &str,
        port: u16,
    ) -> Result<Conn> {
        let tls = TlsConn::connect(tls, config, host, port, Acceptance::FirstBytes)?;
        if tls.alpn().as_deref() != Some(b"h2") {
            tls.shutdown();
            return Err(Error::new(
                ErrorKind::Protocol,
                format!("{host}:{port} did not negotiate HTTP/2 (ALPN h2)"),
            ));
        }
        let mut out = frame::PREFACE.to_vec();
        frame::encode_settings(
            &mut out,
            &[
                (setting::ENABLE_PUSH, 0),
                (setting::INITIAL_WINDOW_SIZE, RECV_WINDOW),
            ],
        );
        frame::encode_window_update(
            &mut out,
            0,
            RECV_WINDOW - frame::DEFAULT_INITIAL_WINDOW_SIZE,
        );
        tls.write_all(&out, &mut Vec::new()).map_err(|e| {
            Error::new(
                ErrorKind::Connect,
                format!("{host}:{port}: writing the HTTP/2 preface failed: {e}"),
            )
        })?;
        out.clear();
        Ok(Conn {
            tls,
            authority: format!("{host}:{port}"),
            frames: FrameDecoder::new(),
            assembler: HeaderAssembler::default(),
            decoder: HeaderDecoder::new(),
            encoder: HeaderEncoder::new(),
            next_stream: 1,
            peer_max_frame: frame::DEFAULT_MAX_FRAME_SIZE,
            peer_stream_window: i64::from(frame::DEFAULT_INITIAL_WINDOW_SIZE),
            send_window: i64::from(frame::DEFAULT_INITIAL_WINDOW_SIZE),
            goaway: None,
            broken: false,
            raw: vec![0; 16 * 1024],
            plain: Vec::new(),
            out,
        })
    }

    /// Reads what the server sent while idle (a GOAWAY, a close, SETTINGS, PINGs), waiting a
    /// millisecond at most; true if a new request may be sent on this connection.
    pub(crate) fn usable(&mut self) -> bool {
        if !self.broken && self.goaway.is_none() {
            let soon = Instant::now() + Duration::from_millis(1);
            if let Err(f) = self.pump(0, soon, &mut Answer::default()) {
                if !matches!(f, Failure::Failed(ref e) if e.kind() == ErrorKind::Timeout) {
                    self.broken = true;
                }
            }
        }
        !self.broken && self.goaway.is_none() && self.next_stream < 0x7fff_fff0
    }

    /// Ends the connection (both directions; nothing more is read or written).
    pub(crate) fn shutdown(&self) {
        self.tls.shutdown();
    }

    /// Sends one request and waits for its complete answer until `deadline`.
    pub(crate) fn request(
        &mut self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &[u8],
        deadline: Instant,
    ) -> std::result::Result<Response, Failure> {
        let stream = self.next_stream;
        self.next_stream += 2;
        let mut fields: Vec<(&[u8], &[u8])> = vec![
            (b":method", method.as_bytes()),
            (b":scheme", b"https"),
            (b":path", path.as_bytes()),
            (b":authority", self.authority.as_bytes()),
        ];
        fields.extend(headers.iter().map(|(n, v)| (n.as_bytes(), v.as_bytes())));
        let mut block = Vec::with_capacity(256);
        self.encoder.encode(fields, &mut block);
        // Control frames still queued (a SETTINGS ack) go first, in the same write.
        let mut out = std::mem::take(&mut self.out);
        frame::encode_headers(
            &mut out,
            stream,
            &block,
            body.is_empty(),
            self.peer_max_frame,
        );
        if !body.is_empty() {
            let len = body.len() as i64;
            if len > self.send_window || len > self.peer_stream_window {
                self.broken = true;
                self.out = out;
                return Err(Failure::Failed(Error::new(
                    ErrorKind::Protocol,
                    "the server's flow-control window is smaller than a channel request",
                )));
            }
            self.send_window -= len;
            frame::encode_data(&mut out, stream, body, true, self.peer_max_frame);
        }
        let written = self.tls.write_all(&out, &mut Vec::new());
        out.clear();
        self.out = out;
        if let Err(e) = written {
            self.broken = true;
            return Err(Failure::Unprocessed(Error::new(
                ErrorKind::Io,
                format!("{}: writing the request failed: {e}", self.authority),
            )));
        }
        let mut answer = Answer::default();
        self.pump(stream, deadline, &mut answer)?;
        Ok(Response {
            status: answer.status.unwrap_or(0),
            headers: answer.headers,
            body: answer.body,
        })
    }

    /// Handles frames and reads until `answer` (of `stream`; 0 for none) is complete, or
    /// `deadline` passes (a `Timeout` failure).
    fn pump(
        &mut self,
        stream: u32,
        deadline: Instant,
        answer: &mut Answer,
    ) -> std::result::Result<(), Failure> {
        loop {
            while let Some(f) = self.next_frame()? {
                self.on_frame(stream, f, answer)?;
                if stream != 0 && answer.done {
                    return self.flush_control();
                }
            }
            self.flush_control()?;
            let now = Instant::now();
            if now >= deadline {
                if stream != 0 {
                    self.broken = true;
                }
                return Err(Failure::Failed(Error::new(
                    ErrorKind::Timeout,
                    format!(
                        "{}: no complete answer within response_timeout_ms",
                        self.authority
                    ),
                )));
            }
            let _ = self
                .tls
                .set_read_timeout((deadline - now).max(Duration::from_millis(1)));
            self.plain.clear();
            match self.tls.read(&mut self.raw, &mut self.plain) {
                Ok(open) => {
                    self.frames.feed(&self.plain);
                    if !open {
                        while let Some(f) = self.next_frame()? {
                            self.on_frame(stream, f, answer)?;
                        }
                        self.broken = true;
                        if stream != 0 && answer.done {
                            return Ok(());
                        }
                        return Err(self.ended(stream, "the server closed the connection"));
                    }
                }
                Err(e)
                    if matches!(
                        e.kind(),
                        std::io::ErrorKind::WouldBlock
                            | std::io::ErrorKind::TimedOut
                            | std::io::ErrorKind::Interrupted
                    ) => {}
                Err(e) => {
                    self.broken = true;
                    return Err(self.ended(stream, &format!("reading failed: {e}")));
                }
            }
        }
    }

    /// The failure of a request whose connection ended: unprocessed if a GOAWAY excluded it.
    fn ended(&self, stream: u32, why: &str) -> Failure {
        let e = Error::new(ErrorKind::Io, format!("{}: {why}", self.authority));
        match self.goaway {
            Some(last) if stream > last => Failure::Unprocessed(e),
            _ => Failure::Lost(e),
        }
    }

    fn next_frame(&mut self) -> std::result::Result<Option<Frame>, Failure> {
        loop {
            let f = match self.frames.next_frame() {
                Ok(Some(f)) => f,
                Ok(None) => return Ok(None),
                Err(e) => return Err(self.violation(e.code, e.reason)),
            };
            match self.assembler.push(f) {
                Ok(Assembled::Pending) => {}
                Ok(Assembled::Frame(f)) => return Ok(Some(f)),
                Ok(Assembled::Block(HeaderBlock {
                    stream_id,
                    block,
                    end_stream,
                })) => {
                    return Ok(Some(Frame::Headers {
                        stream_id,
                        block,
                        end_stream,
                        end_headers: true,
                    }))
                }
                Err(e) => return Err(self.violation(e.code, e.reason)),
            }
        }
    }

    /// A protocol error by the server: GOAWAY (best effort) and the connection is done.
    fn violation(&mut self, code: u32, reason: &str) -> Failure {
        let mut out = Vec::new();
        frame::encode_goaway(&mut out, 0, code, reason.as_bytes());
        let _ = self.tls.write_all(&out, &mut Vec::new());
        self.broken = true;
        Failure::Failed(Error::new(
            ErrorKind::Protocol,
            format!("{}: {reason}", self.authority),
        ))
    }

    fn on_frame(
        &mut self,
        stream: u32,
        f: Frame,
        answer: &mut Answer,
    ) -> std::result::Result<(), Failure> {
        match f {
            Frame::Settings { ack: false, params } => {
                for (id, value) in params {
                    match id {
                        setting::MAX_FRAME_SIZE => self.peer_max_frame = value,
                        setting::HEADER_TABLE_SIZE => self.encoder.set_peer_table_size(value),
                        setting::INITIAL_WINDOW_SIZE => self.peer_stream_window = i64::from(value),
                        _ => {}
                    }
                }
                frame::encode_settings_ack(&mut self.out);
            }
            Frame::Ping { ack: false, data } => frame::encode_ping(&mut self.out, data, true),
            Frame::WindowUpdate {
                stream_id: 0,
                increment,
            } => self.send_window += i64::from(increment),
            Frame::GoAway {
                last_stream_id,
                error_code: code,
                debug_data,
            } => {
                self.goaway = Some(last_stream_id);
                if stream != 0 && stream > last_stream_id && !answer.done {
                    self.broken = true;
                    let debug: String = String::from_utf8_lossy(&debug_data)
                        .chars()
                        .filter(|c| !c.is_control())
                        .take(128)
                        .collect();
                    return Err(Failure::Unprocessed(Error::new(
                        ErrorKind::Io,
                        format!(
                            "{}: the server is closing the connection (GOAWAY {}: {debug})",
                            self.authority,
                            error_code::name(code)
                        ),
                    )));
                }
            }
            Frame::RstStream {
                stream_id,
                error_code: code,
            } if stream_id == stream && stream != 0 => {
                let e = Error::new(
                    ErrorKind::Protocol,
                    format!(
                        "{}: the server reset the request ({})",
                        self.authority,
                        error_code::name(code)
                    ),
                );
                return Err(if code == error_code::REFUSED_STREAM {
                    Failure::Unprocessed(e)
                } else {
                    Failure::Failed(e)
                });
            }
            Frame::Headers {
                stream_id,
                block,
                end_stream,
                ..
            } => {
                let list = match self.decoder.decode(&block) {
                    Ok(list) => list,
                    Err(e) => return Err(self.violation(e.error_code(), "bad header block")),
                };
                if stream_id == stream && stream != 0 {
                    let status = list
                        .iter()
                        .find(|(n, _)| n == b":status")
                        .and_then(|(_, v)| std::str::from_utf8(v).ok()?.parse::<u16>().ok());
                    match (answer.status, status) {
                        // Informational answers (1xx) come before the real one.
                        (None, Some(s)) if s >= 200 => {
                            answer.status = Some(s);
                            answer.headers = list;
                        }
                        (None, Some(_)) => {}
                        (None, None) => {
                            return Err(self
                                .violation(error_code::PROTOCOL_ERROR, "answer without :status"))
                        }
                        (Some(_), _) => {} // trailers
                    }
                    answer.done |= end_stream && answer.status.is_some();
                }
            }
            Frame::Data {
                stream_id,
                data,
                end_stream,
                flow_len,
            } => {
                if flow_len > 0 {
                    frame::encode_window_update(&mut self.out, 0, flow_len);
                }
                if stream_id == stream && stream != 0 {
                    if answer.body.len() + data.len() > MAX_BODY {
                        return Err(
                            self.violation(error_code::ENHANCE_YOUR_CALM, "answer body too large")
                        );
                    }
                    answer.body.extend_from_slice(&data);
                    if end_stream {
                        answer.done = answer.status.is_some();
                    } else if flow_len > 0 {
                        frame::encode_window_update(&mut self.out, stream_id, flow_len);
                    }
                }
            }
            _ => {}
        }
        Ok(())
    }

    /// Writes the acknowledgements and window updates the frames handled so far produced.
    fn flush_control(&mut self) -> std::result::Result<(), Failure> {
        if self.out.is_empty() {
            return Ok(());
        }
        let r = self.tls.write_all(&self.out, &mut Vec::new());
        self.out.clear();
        r.map_err(|e| {
            self.broken = true;
            Failure::Lost(Error::new(
                ErrorKind::Io,
                format!("{}: writing failed: {e}", self.authority),
            ))
        })
    }
}

/// The answer being read.
#[derive(Default)]
struct Answer {
    status: Option<u16>,
    headers: HeaderList,
    body: Vec<u8>,
    done: bool,
}
