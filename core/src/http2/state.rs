//! Send-side state of one HTTP/2 connection, shared by its writer and reader threads under one
//! lock: the stream table (every written, unanswered notification), send windows, the peer's
//! settings, control frames waiting to be written, the PING in flight, and where the
//! connection is in its life ([`Phase`]).
//!
//! Ordering contract: the reader applies a peer SETTINGS and queues its ACK in `outbox` under
//! the same lock hold, and the writer takes the outbox before it reserves new streams in the
//! same way, so every stream opened after the ACK obeys the new settings.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::frame::{self, error_code, setting, FrameError};
use super::session::{Event, Response};
use crate::job::Job;

/// Highest client stream id (2^31 - 1).
pub(crate) const MAX_STREAM_ID: u32 = 0x7fff_ffff;

/// Most bytes of control frames the server's frames may queue (SETTINGS ACKs, WINDOW_UPDATEs,
/// RST_STREAMs) before the writer takes them; past it the server is flooding a connection
/// that is not reading (or not writing) fast enough, and it ends with ENHANCE_YOUR_CALM.
pub(crate) const MAX_PEER_QUEUED: usize = 256 * 1024;

/// A written, unanswered notification.
pub(crate) struct Stream {
    pub(crate) job: Job,
    pub(crate) written_at: Instant,
    /// Generation of the provider token its request carried (0 without token auth).
    pub(crate) token_generation: u64,
    /// Body bytes written so far.
    pub(crate) sent: usize,
    /// Send window; negative after the peer shrank SETTINGS_INITIAL_WINDOW_SIZE.
    pub(crate) window: i64,
}

impl Stream {
    fn remaining(&self) -> usize {
        self.job.notification.payload.len() - self.sent
    }
}

/// What ended a stream.
pub(crate) enum Answer {
    Response(Response),
    Reset(u32),
    /// No response within the response timeout, or none before the connection was replaced
    /// for leaving requests unanswered.
    TimedOut,
    /// Unanswered when the server ended the connection with an error (GOAWAY with an error
    /// code): it may have been processed. Says why.
    Lost(Arc<str>),
}

/// Where a connection is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Phase {
    /// Nothing answered yet: one stream at a time, whatever the peer advertises (Apple raises
    /// its limit only after a request it accepts the credentials of). Ends at the first
    /// response or reset of any kind, or at the first response timeout.
    Starting,
    /// Streams up to the peer's MAX_CONCURRENT_STREAMS and our own cap.
    Open,
    /// No new streams: what is open gets answered (or is taken), then the connection ends.
    Draining(Drain),
    /// Finished: everything it held was taken, and nothing may be added.
    Closed,
}

/// Why a connection drains.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Drain {
    /// The server sent GOAWAY: streams above `last_stream` will not be processed.
    GoAway { last_stream: u32 },
    /// Stream ids ran out.
    Exhausted,
    /// Requests went unanswered on a live connection (health check): we sent GOAWAY and
    /// took every open stream.
    Unhealthy,
}

/// A PING in flight: its payload, when it was sent, and how long it may take.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Ping {
    pub(crate) data: [u8; 8],
    pub(crate) sent: Instant,
    pub(crate) deadline: Duration,
}

/// A GOAWAY received: its error code and debug data.
pub(crate) struct GoAway {
    pub(crate) last_stream_id: u32,
    pub(crate) error_code: u32,
    pub(crate) debug_data: Vec<u8>,
}

impl GoAway {
    /// "GOAWAY CODE: reason", the reason from a JSON debug body or the printable debug text.
    pub(crate) fn describe(&self) -> String {
        let debug = &self.debug_data;
        let reason = super::response::parse_error_body(debug)
            .reason
            .unwrap_or_else(|| {
                String::from_utf8_lossy(&debug[..debug.len().min(200)])
                    .chars()
                    .filter(|c| !c.is_control())
                    .collect()
            });
        format!("GOAWAY {}: {reason}", error_code::name(self.error_code))
    }
}

/// How many of a batch may be opened now: the first `full` completely, then, if `partial`
/// is set, one more with only that many body bytes (it waits for window).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Plan {
    pub(crate) full: usize,
    pub(crate) partial: Option<usize>,
}

impl Plan {
    pub(crate) fn count(&self) -> usize {
        self.full + usize::from(self.partial.is_some())
    }
}

pub(crate) struct ConnState {
    /// Slot i holds stream `base + 2 i`; `None` once answered.
    streams: VecDeque<Option<Stream>>,
    base: u32,
    /// Streams opened (reserved included) and not yet answered.
    open: usize,
    /// Streams with body bytes still to send, in stream order.
    blocked: VecDeque<u32>,
    peer_max_concurrent: u32,
    peer_initial_window: i64,
    pub(crate) peer_max_frame_size: u32,
    pub(crate) peer_header_table_size: u32,
    pub(crate) phase: Phase,
    /// The connection left `Starting` (kept through draining, for the slot's reconnect
    /// backoff: a server that ends connections before that is met with a growing pause).
    pub(crate) started: bool,
    conn_window: i64,
    /// Control frames for the writer to send before anything else.
    pub(crate) outbox: Vec<u8>,
    /// Bytes of `outbox` queued in answer to the server since the writer last took it.
    peer_queued: usize,
    /// The PING acknowledgement to send: the latest PING's payload (h2 keeps one too).
    pong: Option<[u8; 8]>,
    /// Highest stream id inserted.
    pub(crate) last_opened: u32,
    /// The PING in flight (keepalive or health probe); at most one.
    pub(crate) ping: Option<Ping>,
    pub(crate) last_received: Instant,
    /// Response timeouts since the last answer of any kind.
    pub(crate) timeouts_in_row: u32,
    /// A PING sent after those timeouts was acknowledged: the peer is alive, so the
    /// unanswered requests are stuck, not delayed by a dead network.
    pub(crate) alive_since_timeout: bool,
}

impl ConnState {
    pub(crate) fn new(now: Instant) -> Self {
        ConnState {
            streams: VecDeque::new(),
            base: 1,
            open: 0,
            blocked: VecDeque::new(),
            peer_max_concurrent: u32::MAX,
            peer_initial_window: i64::from(frame::DEFAULT_INITIAL_WINDOW_SIZE),
            peer_max_frame_size: frame::DEFAULT_MAX_FRAME_SIZE,
            peer_header_table_size: 4096,
            phase: Phase::Starting,
            started: false,
            conn_window: i64::from(frame::DEFAULT_INITIAL_WINDOW_SIZE),
            outbox: Vec::new(),
            peer_queued: 0,
            pong: None,
            last_opened: 0,
            ping: None,
            last_received: now,
            timeouts_in_row: 0,
            alive_since_timeout: false,
        }
    }

    /// Streams opened and unanswered.
    pub(crate) fn open(&self) -> usize {
        self.open
    }

    /// No new stream will ever be opened here.
    pub(crate) fn draining(&self) -> bool {
        matches!(self.phase, Phase::Draining(_) | Phase::Closed)
    }

    pub(crate) fn is_closed(&self) -> bool {
        self.phase == Phase::Closed
    }

    /// Enters `Draining(why)` unless already closed; a GOAWAY's last-stream-id only shrinks.
    pub(crate) fn drain(&mut self, why: Drain) {
        self.phase = match (self.phase, why) {
            (Phase::Closed, _) => Phase::Closed,
            (
                Phase::Draining(Drain::GoAway { last_stream: old }),
                Drain::GoAway { last_stream },
            ) => Phase::Draining(Drain::GoAway {
                last_stream: old.min(last_stream),
            }),
            (Phase::Draining(Drain::GoAway { .. } | Drain::Unhealthy), Drain::Exhausted) => {
                self.phase
            }
            _ => Phase::Draining(why),
        };
    }

    /// Streams that may be opened now, given our own cap.
    pub(crate) fn room(&self, cap: usize) -> usize {
        // While a PING probes a connection whose requests timed out, nothing new is risked on
        // it: the probe decides between keeping it and replacing it.
        if !self.blocked.is_empty() || (self.timeouts_in_row > 0 && self.ping.is_some()) {
            return 0;
        }
        let limit = match self.phase {
            Phase::Starting => 1,
            Phase::Open => (self.peer_max_concurrent as usize).min(cap),
            Phase::Draining(_) | Phase::Closed => return 0,
        };
        limit.saturating_sub(self.open)
    }

    /// Reserves streams and window for bodies of the given lengths, in order.
    pub(crate) fn plan(&mut self, bodies: impl Iterator<Item = usize>, room: usize) -> Plan {
        let mut plan = Plan::default();
        for len in bodies.take(room) {
            let len = len as i64;
            let n = len
                .min(self.conn_window)
                .min(self.peer_initial_window)
                .max(0);
            self.conn_window -= n;
            if n == len {
                plan.full += 1;
            } else {
                plan.partial = Some(n as usize);
                break;
            }
        }
        self.open += plan.count();
        plan
    }

    /// Adds a stream reserved by `plan` (ids strictly increasing). Gives the job back if the
    /// connection is finished or a GOAWAY excludes the id (the server will not process it).
    #[allow(clippy::result_large_err)] // the job is handed back by value, on a rare path
    pub(crate) fn insert(&mut self, id: u32, mut stream: Stream) -> Result<(), Job> {
        match self.phase {
            Phase::Closed => return Err(stream.job),
            Phase::Draining(Drain::GoAway { last_stream }) if id > last_stream => {
                self.open = self.open.saturating_sub(1);
                return Err(stream.job);
            }
            _ => {}
        }
        if self.streams.is_empty() {
            self.base = id;
        }
        self.last_opened = self.last_opened.max(id);
        let slot = ((id - self.base) / 2) as usize;
        while self.streams.len() < slot {
            self.streams.push_back(None);
        }
        stream.window = self.peer_initial_window - stream.sent as i64;
        if stream.remaining() > 0 {
            self.blocked.push_back(id);
        }
        self.streams.push_back(Some(stream));
        Ok(())
    }

    fn slot(&mut self, id: u32) -> Option<&mut Option<Stream>> {
        if id < self.base || !(id - self.base).is_multiple_of(2) {
            return None;
        }
        self.streams.get_mut(((id - self.base) / 2) as usize)
    }

    /// Removes an answered (or reset) stream. `None` if unknown or already answered.
    pub(crate) fn take(&mut self, id: u32) -> Option<Stream> {
        let stream = self.slot(id)?.take()?;
        self.open = self.open.saturating_sub(1);
        while let Some(None) = self.streams.front() {
            self.streams.pop_front();
            self.base += 2;
        }
        if stream.remaining() > 0 {
            // Answered before its body was all sent: stop sending it.
            self.blocked.retain(|&b| b != id);
            frame::encode_rst_stream(&mut self.outbox, id, error_code::NO_ERROR);
        }
        Some(stream)
    }

    /// Notes an answer of any kind, or a response timeout: the one-stream start is over,
    /// and from now on the peer's concurrency limit applies.
    pub(crate) fn mark_answered(&mut self) {
        self.started = true;
        if self.phase == Phase::Starting {
            self.phase = Phase::Open;
        }
    }

    /// Notes an answer (response or reset): the connection is answering requests.
    fn answered(&mut self) {
        self.mark_answered();
        self.timeouts_in_row = 0;
        self.alive_since_timeout = false;
    }

    /// Writes as much pending body as the windows allow, via `emit(stream_id, chunk, last)`.
    pub(crate) fn pump(&mut self, mut emit: impl FnMut(u32, &[u8], bool)) {
        let mut i = 0;
        while i < self.blocked.len() && self.conn_window > 0 {
            let id = self.blocked[i];
            let conn_window = self.conn_window;
            let Some(Some(s)) = self.slot(id) else {
                self.blocked.remove(i);
                continue;
            };
            let n = (s.remaining() as i64).min(s.window).min(conn_window).max(0) as usize;
            if n > 0 {
                let start = s.sent;
                s.sent += n;
                s.window -= n as i64;
                let last = s.remaining() == 0;
                emit(id, &s.job.notification.payload[start..start + n], last);
                self.conn_window -= n as i64;
                if last {
                    self.blocked.remove(i);
                    continue;
                }
            }
            i += 1;
        }
    }

    /// Applies a peer SETTINGS frame (its ACK is queued by the caller).
    #[cfg(test)]
    pub(crate) fn apply_settings(&mut self, params: &[(u16, u32)]) -> Result<(), FrameError> {
        let shift = self.take_settings(params);
        self.shift_windows(shift)
    }

    /// Records a SETTINGS frame's values, each kind once (the last value of a kind wins), and
    /// returns how much SETTINGS_INITIAL_WINDOW_SIZE moved: the change still to apply to the
    /// open streams' windows (see [`shift_windows`](Self::shift_windows)).
    fn take_settings(&mut self, params: &[(u16, u32)]) -> i64 {
        let old_window = self.peer_initial_window;
        for &(id, value) in params {
            match id {
                setting::MAX_CONCURRENT_STREAMS => self.peer_max_concurrent = value,
                setting::INITIAL_WINDOW_SIZE => self.peer_initial_window = i64::from(value),
                setting::MAX_FRAME_SIZE => self.peer_max_frame_size = value,
                setting::HEADER_TABLE_SIZE => self.peer_header_table_size = value,
                _ => {}
            }
        }
        self.peer_initial_window - old_window
    }

    /// Moves every open stream's send window by `shift` in one walk (windows are additive,
    /// so however many SETTINGS a chunk held, the open streams are walked once).
    fn shift_windows(&mut self, shift: i64) -> Result<(), FrameError> {
        if shift == 0 {
            return Ok(());
        }
        let mut too_large = false;
        for s in self.streams.iter_mut().flatten() {
            s.window += shift;
            too_large |= s.window > i64::from(frame::MAX_WINDOW_SIZE);
        }
        if too_large {
            return Err(flow_error("stream window above 2^31-1"));
        }
        Ok(())
    }

    /// Queues the control frames the session produced in answer to the server. `Err`
    /// (ENHANCE_YOUR_CALM) once more than [`MAX_PEER_QUEUED`] bytes of them wait for the
    /// writer.
    pub(crate) fn queue_answers(&mut self, out: &mut Vec<u8>) -> Result<(), FrameError> {
        self.peer_queued += out.len();
        self.outbox.append(out);
        if self.peer_queued > MAX_PEER_QUEUED {
            return Err(FrameError::new(
                error_code::ENHANCE_YOUR_CALM,
                "the server queued too many control frames for us to answer",
            ));
        }
        Ok(())
    }

    /// The writer's take: every queued control frame, and the pending PING acknowledgement.
    pub(crate) fn take_outbox(&mut self, buf: &mut Vec<u8>) {
        buf.append(&mut self.outbox);
        if let Some(data) = self.pong.take() {
            frame::encode_ping(buf, data, true);
        }
        self.peer_queued = 0;
    }

    /// Applies a WINDOW_UPDATE. Unknown (answered) streams are ignored.
    #[cfg(test)]
    pub(crate) fn window_update(
        &mut self,
        stream_id: u32,
        increment: u32,
    ) -> Result<(), FrameError> {
        self.window_update_shifted(stream_id, increment, 0)
    }

    /// [`window_update`](Self::window_update) while `shift` is still to be applied to every
    /// open stream's window.
    fn window_update_shifted(
        &mut self,
        stream_id: u32,
        increment: u32,
        shift: i64,
    ) -> Result<(), FrameError> {
        let max = i64::from(frame::MAX_WINDOW_SIZE);
        if stream_id == 0 {
            self.conn_window += i64::from(increment);
            if self.conn_window > max {
                return Err(flow_error("connection window above 2^31-1"));
            }
        } else if let Some(Some(s)) = self.slot(stream_id) {
            s.window += i64::from(increment);
            if s.window + shift > max {
                return Err(flow_error("stream window above 2^31-1"));
            }
        }
        Ok(())
    }

    /// Applies a GOAWAY: returns the streams above `last_stream_id` (never processed).
    pub(crate) fn goaway(&mut self, last_stream_id: u32) -> Vec<Stream> {
        self.drain(Drain::GoAway {
            last_stream: last_stream_id,
        });
        let last = match self.phase {
            Phase::Draining(Drain::GoAway { last_stream }) => last_stream,
            _ => last_stream_id,
        };
        self.take_where(|id| id > last)
    }

    /// Removes every open stream (ids ascending), e.g. when the connection is given up.
    pub(crate) fn take_all(&mut self) -> Vec<(u32, Stream)> {
        let ids: Vec<u32> = self.ids().collect();
        ids.into_iter()
            .filter_map(|id| self.take(id).map(|s| (id, s)))
            .collect()
    }

    fn ids(&self) -> impl Iterator<Item = u32> + '_ {
        self.streams
            .iter()
            .enumerate()
            .filter(|(_, s)| s.is_some())
            .map(|(i, _)| self.base + 2 * i as u32)
    }

    fn take_where(&mut self, pick: impl Fn(u32) -> bool) -> Vec<Stream> {
        let ids: Vec<u32> = self.ids().filter(|&id| pick(id)).collect();
        ids.into_iter().filter_map(|id| self.take(id)).collect()
    }

    /// Removes the streams written longer than `timeout` ago (oldest first).
    pub(crate) fn timed_out(&mut self, now: Instant, timeout: Duration) -> Vec<(u32, Stream)> {
        let mut ids = Vec::new();
        for (i, slot) in self.streams.iter().enumerate() {
            if let Some(s) = slot {
                if now.saturating_duration_since(s.written_at) < timeout {
                    break; // written in order: the rest are younger
                }
                ids.push(self.base + 2 * i as u32);
            }
        }
        ids.into_iter()
            .filter_map(|id| self.take(id).map(|s| (id, s)))
            .collect()
    }

    /// Applies a chunk's session events: ended streams go to `answers`, streams a GOAWAY
    /// excluded to `unprocessed`, GOAWAYs to `goaways`. A GOAWAY with an error code also
    /// ends every stream still open (`Answer::Lost`): the server will not answer them.
    /// `Err` is a connection error.
    pub(crate) fn apply_events(
        &mut self,
        events: &mut Vec<Event>,
        answers: &mut Vec<(Stream, Answer)>,
        unprocessed: &mut Vec<Job>,
        goaways: &mut Vec<GoAway>,
    ) -> Result<(), FrameError> {
        // SETTINGS_INITIAL_WINDOW_SIZE changes not yet applied to the open streams' windows.
        let mut shift = 0i64;
        for event in events.drain(..) {
            match event {
                Event::Response(r) => {
                    self.answered();
                    if let Some(s) = self.take(r.stream_id) {
                        answers.push((s, Answer::Response(r)));
                    }
                }
                Event::Reset {
                    stream_id,
                    error_code,
                } => {
                    self.answered();
                    if let Some(s) = self.take(stream_id) {
                        answers.push((s, Answer::Reset(error_code)));
                    }
                }
                Event::Settings(params) => shift += self.take_settings(&params),
                Event::SettingsAck => {}
                Event::WindowUpdate {
                    stream_id,
                    increment,
                } => self.window_update_shifted(stream_id, increment, shift)?,
                Event::Ping(data) => self.pong = Some(data),
                Event::PingAck(data) => {
                    if self.ping.is_some_and(|p| p.data == data) {
                        self.ping = None;
                        if self.timeouts_in_row > 0 {
                            self.alive_since_timeout = true;
                        }
                    }
                }
                Event::GoAway {
                    last_stream_id,
                    error_code,
                    debug_data,
                } => {
                    unprocessed.extend(self.goaway(last_stream_id).into_iter().map(|s| s.job));
                    let goaway = GoAway {
                        last_stream_id,
                        error_code,
                        debug_data,
                    };
                    if error_code != error_code::NO_ERROR {
                        let why: Arc<str> = Arc::from(goaway.describe());
                        for (_, s) in self.take_all() {
                            answers.push((s, Answer::Lost(why.clone())));
                        }
                    }
                    goaways.push(goaway);
                }
            }
        }
        self.shift_windows(shift)
    }

    /// Finishes the connection: returns what was in flight. Idempotent.
    pub(crate) fn close_and_take(&mut self) -> Vec<Job> {
        self.phase = Phase::Closed;
        self.blocked.clear();
        self.open = 0;
        self.streams.drain(..).flatten().map(|s| s.job).collect()
    }
}

fn flow_error(reason: &'static str) -> FrameError {
    FrameError::new(error_code::FLOW_CONTROL_ERROR, reason)
}

#[cfg(test)]
#[path = "state_tests.rs"]
mod tests;
