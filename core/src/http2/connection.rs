//! One HTTP/2 connection slot: the slot thread is the writer (see `writer.rs`), each
//! connection gets a blocking reader thread (see `reader.rs`), and both share the connection's
//! [`ConnState`] under one lock. When a connection ends the slot settles or replays what it
//! held and connects again.
//!
//! What happens to each notification when a stream or connection ends is decided in
//! `crate::rules`; this file only runs the connection's life.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering::Relaxed};
use std::sync::Arc;
use std::time::{Duration, Instant};

use parking_lot::{Condvar, Mutex};
use rustls::ClientConfig;

use super::state::{ConnState, Drain, Phase, Stream};
use super::token::TokenProvider;
use crate::engine::{Engine, LiveConn, Settle};
use crate::error::{Error, ErrorKind, Result};
use crate::job::Job;
use crate::rules::Event;
use crate::slot::{self, Reader};
use crate::stats::Counters;
use crate::tls::{Acceptance, TlsConn};

/// How long an idle writer or a blocked reader waits before re-checking stop, timers and
/// retries.
pub(crate) const TICK: Duration = Duration::from_millis(20);

/// What every connection of one pusher shares.
pub(crate) struct Http2Context {
    pub(crate) tls: Arc<ClientConfig>,
    /// The provider token, with token auth.
    pub(crate) tokens: Option<TokenProvider>,
}

impl Http2Context {
    pub(crate) fn new(engine: &Engine) -> Result<Http2Context> {
        let c = &engine.config;
        let tls = crate::tls::client_config(c, &[b"h2"])?;
        let tokens = match (&c.auth_key, &c.key_id, &c.team_id) {
            (None, None, None) => None,
            (Some(key), Some(key_id), Some(team_id)) => Some(TokenProvider::new(
                &key.load("auth key")?,
                key_id,
                team_id,
                c.token_refresh_interval,
                c.token_min_interval,
                engine.stats.clone(),
            )?),
            _ => {
                return Err(Error::new(
                    ErrorKind::InvalidConfigValue,
                    "token auth needs auth_key_file (or auth_key_pem), key_id and team_id",
                ))
            }
        };
        Ok(Http2Context { tls, tokens })
    }
}

pub(crate) struct H2Conn {
    pub(crate) tls: TlsConn,
    pub(crate) state: Mutex<ConnState>,
    /// Signalled when streams close, windows open, control frames are queued, or it dies.
    pub(crate) changed: Condvar,
    dead: AtomicBool,
    /// Why it was lost, when the loss was noticed by the writer (a failed write).
    pub(crate) write_error: Mutex<Option<String>>,
    /// Set when it died of a TLS alert before any stream was answered: the server refused the
    /// session and processed nothing. The slot fails what is queued after `max_attempts`
    /// such ends in a row, as for failed connects.
    pub(crate) refused: Mutex<Option<Error>>,
}

impl LiveConn for H2Conn {
    fn shutdown(&self) {
        self.kill();
    }
    fn take_unsettled(&self) -> Vec<Job> {
        self.state.lock().close_and_take()
    }
    fn in_flight(&self) -> usize {
        self.state.lock().open()
    }
}

impl H2Conn {
    /// Connects and checks that the server speaks HTTP/2 (ALPN "h2").
    pub(crate) fn connect(engine: &Engine, ctx: &Http2Context) -> Result<Arc<H2Conn>> {
        let c = &engine.config;
        let (host, port) = (c.gateway_host(), c.gateway_port());
        let (timeouts, accept) = ((c.connect_timeout, c.write_timeout), Acceptance::FirstBytes);
        let result = TlsConn::connect(&ctx.tls, &host, port, timeouts.0, timeouts.1, accept)
            .and_then(|tls| match tls.alpn().as_deref() {
                Some(b"h2") => Ok(tls),
                _ => {
                    tls.shutdown();
                    Err(Error::new(
                        ErrorKind::Protocol,
                        format!("{host}:{port} did not negotiate HTTP/2 (ALPN h2)"),
                    ))
                }
            });
        match result {
            Ok(tls) => {
                Counters::add(&engine.stats.connects, 1);
                Ok(Arc::new(H2Conn {
                    tls,
                    state: Mutex::new(ConnState::new(Instant::now())),
                    changed: Condvar::new(),
                    dead: AtomicBool::new(false),
                    write_error: Mutex::new(None),
                    refused: Mutex::new(None),
                }))
            }
            Err(e) => {
                Counters::add(&engine.stats.connect_failures, 1);
                log::warn!(target: "apnspush::http2", "connect to {host}:{port} failed: {e}");
                Err(e)
            }
        }
    }

    pub(crate) fn kill(&self) {
        self.dead.store(true, Relaxed);
        self.tls.shutdown();
        self.changed.notify_all();
    }

    pub(crate) fn is_dead(&self) -> bool {
        self.dead.load(Relaxed)
    }
}

/// Runs a slot until the pusher stops: serve the connection, replace it when it ends.
pub(crate) fn run_slot(
    engine: Arc<Engine>,
    ctx: Arc<Http2Context>,
    slot: usize,
    conn: Option<Arc<H2Conn>>,
) {
    // Lazy start (`connect_on_start = false`): the slot makes its first connection itself.
    let first = conn.or_else(|| engine.reconnect(|| H2Conn::connect(&engine, &ctx)));
    let Some(mut conn) = first else { return };
    let mut unanswered_ends = 0u32;
    let mut reader: Option<Reader<H2Conn>> = None;
    let mut unwritten = Unwritten::default();
    let (host, port) = (engine.config.gateway_host(), engine.config.gateway_port());
    loop {
        log::info!(target: "apnspush::http2", "slot {slot}: connected to {host}:{port} (HTTP/2)");
        *engine.live[slot].lock() = Some(conn.clone() as Arc<dyn LiveConn>);
        engine.connected.fetch_add(1, Relaxed);
        if reader.is_none() {
            reader = spawn_reader(&engine, &ctx, slot).ok();
        }
        match &reader {
            Some(r) => {
                r.serve(conn.clone());
                let wrote = slot::write_guarded(|| {
                    super::writer::write_loop(&engine, &ctx, &conn, slot, &mut unwritten)
                });
                requeue(&engine, unwritten.take());
                if let Err(message) = wrote {
                    slot::fail_panicked(&engine, &*conn, "writer", &message);
                }
                // After a failed write the reader may still read why the server closed (a TLS
                // alert); give it a moment before the kill.
                let done = conn.write_error.lock().is_some()
                    && !engine.stopping()
                    && r.wait(Some(Duration::from_millis(500)));
                conn.kill();
                if !done {
                    r.wait(None);
                }
            }
            None => conn.kill(),
        }
        engine.connected.fetch_sub(1, Relaxed);
        if engine.stopping() {
            return; // close() settles what the connection and the queues still hold.
        }
        // Whatever the reader did not settle: a writer-side failure or a drained GOAWAY.
        let why = conn.write_error.lock().take();
        let (settled_by_reader, drained, in_flight, started) = {
            let mut st = conn.state.lock();
            let closed = st.is_closed();
            let drained = matches!(st.phase, Phase::Draining(Drain::GoAway { .. }));
            (closed, drained, st.close_and_take(), st.started)
        };
        // A write failing after a GOAWAY left nothing unanswered is the server closing as it
        // said it would, not a loss.
        let expected = drained && in_flight.is_empty();
        if let (false, false, Some(why)) = (settled_by_reader, expected, &why) {
            Counters::add(&engine.stats.connection_losses, 1);
            engine.stats.set_last_error(why.clone());
            if in_flight.is_empty() {
                log::warn!(
                    target: "apnspush::http2",
                    "slot {slot}: connection to {host}:{port} lost ({why}); nothing was in flight"
                );
            }
        }
        if !in_flight.is_empty() {
            let why = why.unwrap_or_else(|| "connection closed with streams unanswered".into());
            let lost = Event::Lost {
                kind: ErrorKind::Io,
                why: &why,
                charge: true,
            };
            let mut settle = Settle::default();
            settle.add_all(in_flight, lost, &engine.config);
            log::warn!(
                target: "apnspush::http2",
                "slot {slot}: connection to {host}:{port} ended with requests unanswered \
                 ({why}): {}",
                settle.tally()
            );
            engine.act(settle);
        }
        // A server that ends connections before answering anything (GOAWAY or drop on
        // arrival) must not be met with a connect storm: back off as for failed connects.
        if started {
            unanswered_ends = 0;
        } else {
            let delay = engine
                .config
                .backoff
                .saturating_mul(1 << unanswered_ends.min(16));
            unanswered_ends += 1;
            if let Some(e) = conn.refused.lock().take() {
                engine.give_up_queued(unanswered_ends, &e);
            }
            let pause = crate::engine::jitter(delay.min(engine.config.backoff_max));
            log::info!(
                target: "apnspush::http2",
                "slot {slot}: the connection ended before any answer; reconnecting in {} ms",
                pause.as_millis()
            );
            engine.pause(pause);
        }
        match engine.reconnect(|| H2Conn::connect(&engine, &ctx)) {
            Some(next) => {
                Counters::add(&engine.stats.reconnects, 1);
                conn = next;
            }
            None => return,
        }
    }
}

/// The slot's reader thread: reads each connection in turn (see `crate::slot`).
fn spawn_reader(
    engine: &Arc<Engine>,
    ctx: &Arc<Http2Context>,
    slot: usize,
) -> std::io::Result<Reader<H2Conn>> {
    let (e1, e2, ctx) = (engine.clone(), engine.clone(), ctx.clone());
    Reader::spawn(
        format!("apns-h2-read-{slot}"),
        move |conn: &Arc<H2Conn>| super::reader::read_loop(&e1, &ctx, conn, slot),
        move |conn: &Arc<H2Conn>, message: String| {
            slot::fail_panicked(&e2, &**conn, "reader", &message)
        },
    )
}

/// Jobs the writer took from the queues and has not written. The slot owns them, so they go
/// back to the queue when a connection ends, even by a panic.
#[derive(Default)]
pub(crate) struct Unwritten {
    /// Taken, waiting for room on the connection.
    pub(crate) held: VecDeque<Job>,
    /// The batch being opened.
    pub(crate) batch: Vec<Job>,
    /// Encoded streams not yet in the stream table (so not yet written).
    pub(crate) streams: Vec<(u32, Stream)>,
}

impl Unwritten {
    fn take(&mut self) -> Vec<Job> {
        let mut jobs: Vec<Job> = self.held.drain(..).collect();
        jobs.append(&mut self.batch);
        jobs.extend(self.streams.drain(..).map(|(_, s)| s.job));
        jobs
    }
}

/// Jobs taken from a queue but never written go back without counting as replays.
pub(crate) fn requeue(engine: &Engine, jobs: impl IntoIterator<Item = Job>) {
    for job in jobs {
        let _ = engine.retry_tx.send(job);
    }
    engine.wake_writers();
}
