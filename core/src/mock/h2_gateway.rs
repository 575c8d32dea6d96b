//! One connection of the mock HTTP/2 provider API: decrypt in large chunks, decode frames,
//! judge each complete request, and write every answer (and control frame) produced by a chunk
//! in one TLS write. Enforces and records the client's side of the protocol: concurrency
//! limits as acknowledged, both receive windows, stream id order.

use std::collections::VecDeque;
use std::io::{self, Read};
use std::net::{Shutdown, TcpStream};
use std::time::{Duration, Instant};

use rustls::ServerConnection;

use super::chaos::Chaos;
use super::h2_judge::TokenCache;
use super::tls_io::{accept_tls, close_gracefully, decrypt, send_all, update_keys_if_due};
use super::{Accepted, Http2Rejected, Shared};
use crate::http2::frame::{
    self, error_code, setting, Assembled, Frame, FrameDecoder, FrameError, HeaderAssembler,
    HeaderBlock,
};
use crate::http2::hpack::{HeaderDecoder, HeaderEncoder, HeaderList, Huffman};
use crate::http2::session::StreamMap;
use crate::http2::uuid::UuidSource;

const READ_CHUNK: usize = 64 * 1024;
/// Request bodies are kept up to this size (anything longer is refused as too large anyway).
const MAX_BODY: usize = 8 * 1024;

/// How a connection ends.
pub(super) enum End {
    /// The client went away or TLS failed.
    Gone,
    /// `drop_after`: close the TCP socket at once, unsent answers lost.
    Drop,
    /// The grace after a GOAWAY is over: close_notify, then close.
    Close,
}

pub(crate) fn serve(shared: &Shared, sock: TcpStream) {
    serve_as(shared, sock, false);
}

/// A connection of the channel management API: the same server, whose requests go to the
/// channel registry (`super::channels`) instead of the judge. Not counted as a gateway
/// connection.
pub(crate) fn serve_management(shared: &Shared, sock: TcpStream) {
    serve_as(shared, sock, true);
}

fn serve_as(shared: &Shared, mut sock: TcpStream, management: bool) {
    let Some(tls) = accept_tls(shared, &mut sock) else {
        let _ = sock.shutdown(Shutdown::Both);
        return;
    };
    let id = if management {
        0
    } else {
        let id = shared.record.connection_opened();
        shared.record.add_requests(id, 0);
        id
    };
    let mut conn = H2Server::new(shared, tls, id);
    conn.management = management;
    let end = conn.run(&mut sock);
    conn.publish();
    let H2Server { tls, .. } = conn;
    match end {
        End::Gone | End::Drop => {
            let _ = sock.shutdown(Shutdown::Both);
        }
        End::Close => close_gracefully(shared, tls, sock),
    }
}

/// A request stream the mock has not finished answering.
pub(super) struct Open {
    pub(super) headers: Option<HeaderList>,
    pub(super) body: Vec<u8>,
    /// Receive window left on the stream, and bytes consumed since our last WINDOW_UPDATE.
    pub(super) window: i64,
    pub(super) consumed: u32,
    /// Judged; the answer waits for its delay or for send window.
    pub(super) answered: bool,
}

/// An answer waiting to be written.
pub(super) struct Answer {
    pub(super) due: Instant,
    pub(super) stream_id: u32,
    pub(super) status: u16,
    pub(super) apns_id: String,
    pub(super) body: Vec<u8>,
    /// Management and broadcast answers: `apns-request-id` (in place of `apns-id`), and for a
    /// created channel `apns-channel-id`.
    pub(super) management: Option<(String, Option<String>)>,
}

pub(super) struct H2Server<'a> {
    pub(super) shared: &'a Shared,
    pub(super) tls: ServerConnection,
    pub(super) id: u64,
    pub(super) frames: FrameDecoder,
    pub(super) assembler: HeaderAssembler,
    pub(super) decoder: HeaderDecoder,
    pub(super) encoder: HeaderEncoder,
    pub(super) uuids: UuidSource,
    pub(super) tokens: TokenCache,
    pub(super) open: StreamMap<Open>,
    pub(super) last_stream: u32,
    pub(super) processed: u64,
    /// MAX_CONCURRENT_STREAMS: last advertised, in force (acknowledged), awaiting ACK.
    pub(super) advertised: u32,
    pub(super) in_force: u32,
    pub(super) unacked_limits: VecDeque<u32>,
    /// A request carried a valid provider token (always true without token auth).
    pub(super) token_validated: bool,
    pub(super) recv_window: i64,
    pub(super) recv_consumed: u32,
    /// Receive window of a new stream: our advertised initial window once the client
    /// acknowledged it, the larger of it and the RFC default before.
    pub(super) stream_recv_initial: i64,
    pub(super) initial_settings_acked: bool,
    pub(super) send_window: i64,
    pub(super) client_initial_window: i64,
    pub(super) client_max_frame: u32,
    /// Bodies waiting for send window (their stream closes when they are written).
    pub(super) stalled: VecDeque<(u32, Vec<u8>, i64)>,
    /// Last-stream-id of the GOAWAY we sent (`goaway_after`).
    pub(super) goaway_last: Option<u32>,
    /// After a GOAWAY either way: when the connection ends unless the client closes first.
    pub(super) drain_until: Option<Instant>,
    /// After a connection error: what the client sends is read and discarded, not decoded.
    pub(super) frames_broken: bool,
    pub(super) answers: VecDeque<Answer>,
    /// When the connection started: the due time of undelayed answers (no clock read).
    pub(super) epoch: Instant,
    pub(super) out: Vec<u8>,
    pub(super) accepted: Vec<Accepted>,
    pub(super) accepted_count: u64,
    pub(super) rejected: Vec<Http2Rejected>,
    /// `MockOptions::chaos`: this connection's random faults.
    pub(super) chaos: Option<Chaos>,
    /// Request streams opened since the last `publish`.
    pub(super) received: u64,
    /// A channel management connection (see `serve_management`).
    pub(super) management: bool,
}

impl<'a> H2Server<'a> {
    fn new(shared: &'a Shared, tls: ServerConnection, id: u64) -> Self {
        let h2 = &shared.h2;
        let chaos = h2.chaos.map(|seed| Chaos::new(seed, id));
        // Token auth: one stream until a request carries a valid provider token, as Apple.
        let token_validated = h2.jwt.is_none();
        let first_limit = if token_validated {
            h2.max_concurrent_streams
        } else {
            h2.max_concurrent_streams.min(1)
        };
        let mut out = Vec::new();
        frame::encode_settings(
            &mut out,
            &[
                (setting::MAX_CONCURRENT_STREAMS, first_limit),
                (setting::INITIAL_WINDOW_SIZE, h2.initial_window_size),
            ],
        );
        let mut encoder = HeaderEncoder::new();
        encoder.set_huffman(if h2.huffman {
            Huffman::Always
        } else {
            Huffman::Never
        });
        let extra = h2
            .connection_window_size
            .saturating_sub(frame::DEFAULT_INITIAL_WINDOW_SIZE);
        if extra > 0 {
            frame::encode_window_update(&mut out, 0, extra);
        }
        H2Server {
            shared,
            tls,
            id,
            frames: FrameDecoder::server_side(),
            assembler: HeaderAssembler::default(),
            decoder: HeaderDecoder::new(),
            encoder,
            uuids: UuidSource::default(),
            tokens: TokenCache::default(),
            open: StreamMap::default(),
            last_stream: 0,
            processed: 0,
            advertised: first_limit,
            // Until the client acknowledges our first SETTINGS it may not have seen it.
            in_force: h2.max_concurrent_streams,
            unacked_limits: VecDeque::from([first_limit]),
            token_validated,
            recv_window: i64::from(
                h2.connection_window_size
                    .max(frame::DEFAULT_INITIAL_WINDOW_SIZE),
            ),
            recv_consumed: 0,
            stream_recv_initial: i64::from(
                h2.initial_window_size
                    .max(frame::DEFAULT_INITIAL_WINDOW_SIZE),
            ),
            initial_settings_acked: false,
            send_window: i64::from(frame::DEFAULT_INITIAL_WINDOW_SIZE),
            client_initial_window: i64::from(frame::DEFAULT_INITIAL_WINDOW_SIZE),
            client_max_frame: frame::DEFAULT_MAX_FRAME_SIZE,
            stalled: VecDeque::new(),
            goaway_last: None,
            drain_until: None,
            frames_broken: false,
            answers: VecDeque::new(),
            epoch: Instant::now(),
            out,
            accepted: Vec::new(),
            accepted_count: 0,
            rejected: Vec::new(),
            chaos,
            received: 0,
            management: false,
        }
    }

    fn run(&mut self, sock: &mut TcpStream) -> End {
        let mut net = vec![0u8; READ_CHUNK];
        let mut plain: Vec<u8> = Vec::with_capacity(2 * READ_CHUNK);
        let mut fresh = 0;
        let mut since_key_update = 0;
        loop {
            let peer_closed = match decrypt(&mut self.tls, &net[..fresh], &mut plain) {
                Ok(closed) => closed,
                Err(()) => return End::Gone,
            };
            update_keys_if_due(self.shared, &mut self.tls, &mut since_key_update, fresh);
            if !plain.is_empty() && !self.frames_broken {
                self.frames.feed(&plain);
                if let Some(end) = self.process() {
                    return end;
                }
            }
            plain.clear();
            let now = Instant::now();
            self.release_due(now);
            self.replenish();
            if self.flush(sock).is_err() || peer_closed {
                return End::Gone;
            }
            // Bodies still waiting for the client's window are abandoned with the grace.
            if self.drain_until.is_some_and(|t| now >= t) && self.answers.is_empty() {
                return End::Close;
            }
            let wake = [self.answers.front().map(|a| a.due), self.drain_until]
                .into_iter()
                .flatten()
                .min();
            let timeout = wake.map(|t| {
                t.saturating_duration_since(Instant::now())
                    .max(Duration::from_millis(1))
            });
            let _ = sock.set_read_timeout(timeout);
            fresh = loop {
                match sock.read(&mut net) {
                    Ok(0) => return End::Gone,
                    Ok(n) => break n,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(e)
                        if matches!(
                            e.kind(),
                            io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                        ) =>
                    {
                        break 0
                    }
                    Err(_) => return End::Gone,
                }
            };
            if self
                .shared
                .stopping
                .load(std::sync::atomic::Ordering::Relaxed)
            {
                return End::Gone;
            }
        }
    }

    fn flush(&mut self, sock: &mut TcpStream) -> io::Result<()> {
        self.publish();
        if self.out.is_empty() {
            return Ok(());
        }
        let r = send_all(&mut self.tls, sock, &self.out);
        self.out.clear();
        r
    }

    /// Appends what this connection judged to the shared record.
    fn publish(&mut self) {
        let record = &self.shared.record;
        if self.accepted_count > 0 {
            record.add_accepted(self.accepted_count, &mut self.accepted);
            self.accepted_count = 0;
        }
        record.add_http2_rejected(&mut self.rejected);
        if self.received > 0 && !self.management {
            record.add_requests(self.id, self.received);
            self.received = 0;
        }
    }

    /// Handles every complete frame fed so far. `Some` when the connection must end now
    /// (`drop_after`).
    fn process(&mut self) -> Option<End> {
        loop {
            let frame = match self.frames.next_frame() {
                Ok(Some(f)) => f,
                Ok(None) => return None,
                Err(e) => {
                    self.connection_error(e);
                    return None;
                }
            };
            let result = match self.assembler.push(frame) {
                Ok(Assembled::Pending) => Ok(None),
                Ok(Assembled::Block(block)) => self.on_headers(block),
                Ok(Assembled::Frame(f)) => self.on_frame(f),
                Err(e) => Err(e),
            };
            match result {
                Ok(Some(end)) => return Some(end),
                Ok(None) => {}
                Err(e) => {
                    self.connection_error(e);
                    return None;
                }
            }
        }
    }

    /// After a GOAWAY either way: the grace starts (once).
    pub(super) fn start_draining(&mut self) {
        if self.drain_until.is_none() {
            self.drain_until = Some(Instant::now() + self.shared.h2.goaway_grace);
        }
    }

    /// GOAWAY with the error; from now on the client's bytes are discarded (answers already
    /// judged are still written) until the grace ends or the client closes.
    fn connection_error(&mut self, e: FrameError) {
        self.shared.record.update_h2(|c| {
            if e.code == error_code::FLOW_CONTROL_ERROR {
                c.flow_control_violations += 1;
            } else {
                c.protocol_errors += 1;
            }
        });
        frame::encode_goaway(&mut self.out, self.last_stream, e.code, e.reason.as_bytes());
        self.frames_broken = true;
        self.start_draining();
    }

    fn on_frame(&mut self, f: Frame) -> Result<Option<End>, FrameError> {
        match f {
            Frame::Data {
                stream_id,
                data,
                end_stream,
                flow_len,
            } => return self.on_data(stream_id, data, end_stream, flow_len),
            Frame::Settings { ack: true, .. } => {
                if let Some(limit) = self.unacked_limits.pop_front() {
                    // A raise still unacknowledged may already be applied by the client.
                    self.in_force = self.unacked_limits.iter().copied().fold(limit, u32::max);
                }
                if !self.initial_settings_acked {
                    // From now on the client applies our initial window, and it adjusted the
                    // windows of the streams already open by the difference.
                    self.initial_settings_acked = true;
                    let ours = i64::from(self.shared.h2.initial_window_size);
                    let delta = ours - self.stream_recv_initial;
                    self.stream_recv_initial = ours;
                    self.open.values_mut().for_each(|o| o.window += delta);
                }
            }
            Frame::Settings { ack: false, params } => {
                for (id, value) in params {
                    match id {
                        setting::INITIAL_WINDOW_SIZE => {
                            let delta = i64::from(value) - self.client_initial_window;
                            self.client_initial_window = i64::from(value);
                            self.stalled.iter_mut().for_each(|s| s.2 += delta);
                        }
                        setting::MAX_FRAME_SIZE => self.client_max_frame = value,
                        setting::HEADER_TABLE_SIZE => self.encoder.set_peer_table_size(value),
                        _ => {}
                    }
                }
                frame::encode_settings_ack(&mut self.out);
                self.write_stalled();
            }
            Frame::Ping { ack: false, data } if self.shared.h2.answer_pings => {
                frame::encode_ping(&mut self.out, data, true)
            }
            Frame::WindowUpdate {
                stream_id,
                increment,
            } => {
                if stream_id == 0 {
                    self.send_window += i64::from(increment);
                } else if let Some(s) = self.stalled.iter_mut().find(|s| s.0 == stream_id) {
                    s.2 += i64::from(increment);
                }
                self.write_stalled();
            }
            Frame::RstStream { stream_id, .. } => {
                self.open.remove(&stream_id);
                self.stalled.retain(|s| s.0 != stream_id);
            }
            // The client's own requests still get their answers.
            Frame::GoAway { .. } => self.start_draining(),
            _ => {}
        }
        Ok(None)
    }

    fn on_headers(&mut self, block: HeaderBlock) -> Result<Option<End>, FrameError> {
        let HeaderBlock {
            stream_id,
            block,
            end_stream,
        } = block;
        // Decode even streams we ignore: the HPACK context must stay in sync.
        let headers = self
            .decoder
            .decode(&block)
            .map_err(|e| FrameError::new(e.error_code(), "request header block refused"))?;
        if self.open.contains_key(&stream_id) {
            return Err(FrameError::new(
                error_code::PROTOCOL_ERROR,
                "trailers on a request",
            ));
        }
        if stream_id % 2 == 0 || stream_id <= self.last_stream {
            return Err(FrameError::new(
                error_code::PROTOCOL_ERROR,
                "stream id not increasing",
            ));
        }
        self.last_stream = stream_id;
        self.received += 1;
        if self.goaway_last.is_some_and(|last| stream_id > last) {
            self.shared.record.update_h2(|c| c.streams_ignored += 1);
            return Ok(None);
        }
        if self.open.len() as u64 >= u64::from(self.in_force) {
            // Before it acknowledged our first SETTINGS the client may not have seen any limit:
            // refused all the same, but no violation.
            let violation = u64::from(self.initial_settings_acked);
            self.shared.record.update_h2(|c| {
                c.concurrency_violations += violation;
                c.streams_ignored += 1;
            });
            frame::encode_rst_stream(&mut self.out, stream_id, error_code::REFUSED_STREAM);
            return Ok(None);
        }
        self.open.insert(
            stream_id,
            Open {
                headers: Some(headers),
                body: Vec::new(),
                window: self.stream_recv_initial,
                consumed: 0,
                answered: false,
            },
        );
        let open = self.open.len() as u64;
        self.shared
            .record
            .update_h2(|c| c.peak_concurrent_streams = c.peak_concurrent_streams.max(open));
        if end_stream {
            return Ok(self.complete(stream_id));
        }
        Ok(None)
    }

    fn on_data(
        &mut self,
        stream_id: u32,
        data: Vec<u8>,
        end_stream: bool,
        flow_len: u32,
    ) -> Result<Option<End>, FrameError> {
        let flow = i64::from(flow_len);
        if flow > self.recv_window {
            return Err(FrameError::new(
                error_code::FLOW_CONTROL_ERROR,
                "DATA beyond the connection window",
            ));
        }
        self.recv_window -= flow;
        self.recv_consumed += flow_len;
        let Some(open) = self.open.get_mut(&stream_id).filter(|o| !o.answered) else {
            return Ok(None); // ignored or reset stream: counted for the connection only
        };
        if flow > open.window {
            return Err(FrameError::new(
                error_code::FLOW_CONTROL_ERROR,
                "DATA beyond the stream window",
            ));
        }
        open.window -= flow;
        open.consumed += flow_len;
        let room = MAX_BODY.saturating_sub(open.body.len());
        open.body.extend_from_slice(&data[..data.len().min(room)]);
        if end_stream {
            return Ok(self.complete(stream_id));
        }
        Ok(None)
    }
}
