//! One binary-protocol connection slot: a writer thread that batches, encodes and writes, and
//! a blocking reader thread that waits for the 6-byte error-response and settles the history.
//! The replay rules of shared/design/ARCHITECTURE.md live in `on_error_response` and `on_lost`.

use super::clock::WindowClock;
use super::codec::{self, status, ErrorResponse, Format};
use super::history::{History, MARKER_ID};
use super::window::{End, Window};
use crate::engine::{Engine, LiveConn, Settle};
use crate::error::{Error, ErrorKind, Result};
use crate::job::Job;
use crate::rules::Event;
use crate::slot::{self, Reader};
use crate::stats::Counters;
use crate::tls::{before_acceptance, tls_failure, Acceptance, TlsConn};
use parking_lot::{Condvar, Mutex};
use rustls::ClientConfig;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::Relaxed};
use std::sync::Arc;
use std::time::Duration;

/// Most notifications encoded into one TLS write.
const BATCH: usize = 2048;
/// A batch shorter than this makes the writer pause for `COALESCE_PAUSE` before the next one.
const COALESCE_BELOW: u64 = 64;
const COALESCE_PAUSE: Duration = Duration::from_micros(100);
/// How long an idle writer or a blocked reader waits before re-checking stop and flush.
const TICK: Duration = Duration::from_millis(20);

pub(crate) struct BinaryConn {
    tls: TlsConn,
    /// Most unsettled notifications this connection may hold before it writes a marker.
    window: usize,
    /// Set when the connection died with no error-response.
    lost: AtomicBool,
    /// Notifications unsettled when it was lost.
    carried: AtomicUsize,
    /// Set when it ended with an error-response.
    verdict: AtomicBool,
    /// Notifications settled on it as processed (presumed, or before the entry a verdict
    /// names, or that entry).
    processed: AtomicUsize,
    history: Mutex<History>,
    /// The error window's clock (stops while a write is stalled).
    clock: WindowClock,
    /// Signalled whenever the history shrinks or the connection dies.
    changed: Condvar,
    dead: AtomicBool,
    /// Set once notifications were presumed accepted (the error window passed with the
    /// connection up): from then on a TLS alert ends it as an ordinary loss.
    verified: AtomicBool,
    /// Set when the connection died of a TLS alert before `verified`: the gateway refused the
    /// session, so it processed nothing written on it. The slot backs off as for a failed
    /// connect.
    refused: Mutex<Option<Error>>,
}

impl LiveConn for BinaryConn {
    fn shutdown(&self) {
        self.kill();
    }
    fn take_unsettled(&self) -> Vec<Job> {
        self.history.lock().close_and_take()
    }
    fn in_flight(&self) -> usize {
        self.history.lock().notifications()
    }
}

impl BinaryConn {
    pub(crate) fn connect(
        engine: &Engine,
        tls: &Arc<ClientConfig>,
        window: usize,
    ) -> Result<Arc<BinaryConn>> {
        let c = &engine.config;
        let result = TlsConn::connect(
            tls,
            c,
            &c.gateway_host(),
            c.gateway_port(),
            Acceptance::NoAlert,
        );
        match result {
            Ok(tls) => {
                Counters::add(&engine.stats.connects, 1);
                Ok(Arc::new(BinaryConn {
                    tls,
                    window,
                    lost: AtomicBool::new(false),
                    carried: AtomicUsize::new(0),
                    verdict: AtomicBool::new(false),
                    processed: AtomicUsize::new(0),
                    history: Mutex::default(),
                    clock: WindowClock::new(),
                    changed: Condvar::new(),
                    dead: AtomicBool::new(false),
                    verified: AtomicBool::new(false),
                    refused: Mutex::new(None),
                }))
            }
            Err(e) => {
                Counters::add(&engine.stats.connect_failures, 1);
                log::warn!(
                    target: "apnspush::binary",
                    "connect to {}:{} failed: {e}",
                    c.gateway_host(),
                    c.gateway_port()
                );
                Err(e)
            }
        }
    }

    fn kill(&self) {
        self.dead.store(true, Relaxed);
        self.tls.shutdown();
        self.changed.notify_all();
    }

    fn is_dead(&self) -> bool {
        self.dead.load(Relaxed)
    }

    /// Writes what the history's unstamped entries hold and stamps them once it returned.
    fn write(&self, plain: &[u8], scratch: &mut Vec<u8>) -> std::io::Result<()> {
        self.clock.write_begins();
        let written = self.tls.write_all(plain, scratch);
        self.clock.write_ends();
        if written.is_ok() {
            self.history.lock().stamp_written(self.clock.now());
        }
        written
    }

    /// How it ended, for the slot's window.
    fn end(&self) -> End {
        let processed = self.processed.load(Relaxed);
        if self.lost.load(Relaxed) {
            End::Lost {
                carried: self.carried.load(Relaxed),
                processed,
            }
        } else if self.verdict.load(Relaxed) {
            End::Verdict { processed }
        } else {
            End::Other
        }
    }
}

/// Runs a slot until the pusher stops: serve the connection, replace it when it dies.
///
/// The slot's in-flight window (`Window`) starts at `max_in_flight`. A connection lost with no
/// verdict drops it below what that connection carried, and verdicts grow it back: a server
/// that drops connections after K notifications is met with windows below K, each closed by a
/// marker, so every connection confirms progress instead of replaying the same head.
pub(crate) fn run_slot(
    engine: Arc<Engine>,
    slot: usize,
    tls: Arc<ClientConfig>,
    conn: Option<Arc<BinaryConn>>,
) {
    let mut slot_window = Window::new(engine.config.max_in_flight);
    // Lazy start (`connect_on_start = false`): the slot makes its first connection itself.
    let first = conn.or_else(|| {
        engine.reconnect(|| BinaryConn::connect(&engine, &tls, engine.config.max_in_flight))
    });
    let Some(mut conn) = first else { return };
    let mut refused_ends = 0u32;
    let mut reader: Option<Reader<BinaryConn>> = None;
    let mut batch: Vec<Job> = Vec::with_capacity(BATCH);
    let (host, port) = (engine.config.gateway_host(), engine.config.gateway_port());
    loop {
        log::info!(
            target: "apnspush::binary",
            "slot {slot}: connected to {host}:{port} (binary, window {})",
            conn.window
        );
        *engine.live[slot].lock() = Some(conn.clone() as Arc<dyn LiveConn>);
        engine.connected.fetch_add(1, Relaxed);
        if reader.is_none() {
            reader = spawn_reader(&engine, slot).ok();
        }
        match &reader {
            Some(r) => {
                r.serve(conn.clone());
                let wrote = slot::write_guarded(|| write_loop(&engine, slot, &conn, &mut batch));
                if let Err(message) = wrote {
                    requeue(&engine, std::mem::take(&mut batch));
                    slot::fail_panicked(&engine, &*conn, "writer", &message);
                }
                conn.kill();
                r.wait(None);
            }
            None => conn.kill(),
        }
        engine.connected.fetch_sub(1, Relaxed);
        if engine.stopping() {
            return; // close() settles what is left in the history and the queues.
        }
        // Anything a dying connection left unsettled (e.g. the reader could not start).
        let left = conn.history.lock().close_and_take();
        let lost = Event::Lost {
            kind: ErrorKind::Io,
            why: "connection ended",
            charge: false,
        };
        let mut settle = Settle::default();
        settle.add_all(left, lost, &engine.config);
        if settle.tally() != Default::default() {
            log::warn!(
                target: "apnspush::binary",
                "slot {slot}: connection ended with notifications unsettled: {}",
                settle.tally()
            );
        }
        engine.act(settle);
        let window = slot_window.after(conn.end());
        // A gateway that refuses the session after our acceptance wait: treat each such end
        // as a failed connect (backoff, and queued notifications fail after max_attempts).
        match conn.refused.lock().take() {
            Some(e) => {
                refused_ends += 1;
                engine.give_up_queued(refused_ends, &e);
                let delay = engine
                    .config
                    .backoff
                    .saturating_mul(1 << (refused_ends - 1).min(16));
                let pause = crate::engine::jitter(delay.min(engine.config.backoff_max));
                log::info!(
                    target: "apnspush::binary",
                    "slot {slot}: session refused {refused_ends} times in a row; reconnecting \
                     in {} ms",
                    pause.as_millis()
                );
                engine.pause(pause);
            }
            None => refused_ends = 0,
        }
        match engine.reconnect(|| BinaryConn::connect(&engine, &tls, window)) {
            Some(next) => {
                Counters::add(&engine.stats.reconnects, 1);
                conn = next;
            }
            None => return,
        }
    }
}

/// The slot's reader thread: reads each connection in turn (see `crate::slot`).
fn spawn_reader(engine: &Arc<Engine>, slot: usize) -> std::io::Result<Reader<BinaryConn>> {
    let (e1, e2) = (engine.clone(), engine.clone());
    Reader::spawn(
        format!("apns-read-{slot}"),
        move |conn: &Arc<BinaryConn>| read_loop(&e1, conn, slot),
        move |conn: &Arc<BinaryConn>, message: String| {
            slot::fail_panicked(&e2, &**conn, "reader", &message)
        },
    )
}

/// Writes until the connection dies or the pusher stops. `batch` holds jobs taken from the
/// queues and not yet in the history; it is the caller's, so a panic here loses none.
fn write_loop(engine: &Engine, slot: usize, conn: &BinaryConn, batch: &mut Vec<Job>) {
    let cfg = &engine.config;
    let cap = conn.window;
    let mut plain = Vec::with_capacity(BATCH * 200);
    let mut scratch = Vec::with_capacity(BATCH * 220);
    while !engine.stopping() && !conn.is_dead() {
        let room = {
            let mut h = conn.history.lock();
            if h.marker_outstanding() {
                conn.changed.wait_for(&mut h, TICK);
                continue;
            }
            cap.saturating_sub(h.len())
        };
        if room == 0 {
            write_marker(engine, conn, &mut plain, &mut scratch);
            continue;
        }
        engine.take_batch(slot, batch, room.min(BATCH), TICK);
        if batch.is_empty() {
            let unmarked = conn.history.lock().unmarked();
            if unmarked > 0 && engine.wants_flush() {
                write_marker(engine, conn, &mut plain, &mut scratch);
            }
            continue;
        }
        plain.clear();
        let now = crate::job::now_epoch_secs();
        for job in batch.iter() {
            encode(cfg.binary_format, job, now, &mut plain);
        }
        let jobs = std::mem::take(batch);
        let n = jobs.len() as u64;
        let ids: Vec<u64> = if engine.ledger.has_written_waiters() {
            jobs.iter().map(|j| j.id).collect()
        } else {
            Vec::new()
        };
        // In the history before the bytes go (an error-response may name any of them), but
        // the error window starts only once the write returned.
        if let Err(jobs) = conn.history.lock().append(jobs) {
            requeue(engine, jobs);
            return;
        }
        if conn.write(&plain, &mut scratch).is_err() {
            // The reader sees the dead socket and replays the history.
            conn.kill();
            return;
        }
        Counters::add(&engine.stats.written, n);
        engine.ledger.mark_written(ids.into_iter());
        slot::fault(engine, "writer", || true);
        if n < COALESCE_BELOW {
            // A short batch means the writer is outpacing the pushers: let a batch gather
            // instead of contending with them item by item on the queue.
            std::thread::sleep(COALESCE_PAUSE);
        }
    }
}

/// Jobs taken from a queue but never written go back without counting as replays.
fn requeue(engine: &Engine, jobs: Vec<Job>) {
    for job in jobs {
        let _ = engine.retry_tx.send(job);
    }
}

/// An unset expiry becomes `now_epoch` + 30 days here, when the frame is encoded.
fn encode(format: Format, job: &Job, now_epoch: u64, buf: &mut Vec<u8>) {
    let n = &job.notification;
    let id = job.id as u32;
    let expiry = codec::expiry_on_wire(n.expiry, now_epoch);
    match format {
        Format::Enhanced => codec::encode_enhanced(buf, id, expiry, &n.token, &n.payload),
        Format::Frame => codec::encode_frame(buf, id, expiry, n.priority, &n.token, &n.payload),
    }
}

/// Writes a flush marker: a zero-length-token notification that draws status 2. Its reply
/// proves everything written before it was processed.
fn write_marker(engine: &Engine, conn: &BinaryConn, plain: &mut Vec<u8>, scratch: &mut Vec<u8>) {
    if !conn.history.lock().append_marker() {
        return;
    }
    plain.clear();
    codec::encode_enhanced(plain, MARKER_ID, 0, &[], &[]);
    Counters::add(&engine.stats.markers_sent, 1);
    if conn.write(plain, scratch).is_err() {
        conn.kill();
    }
}

fn read_loop(engine: &Engine, conn: &BinaryConn, slot: usize) {
    let window = engine.config.error_timeout;
    let _ = conn
        .tls
        .set_read_timeout((window / 4).clamp(Duration::from_millis(1), TICK));
    let mut raw = vec![0u8; 32 * 1024];
    let mut plain = Vec::new();
    loop {
        let read = conn.tls.read(&mut raw, &mut plain);
        slot::fault(engine, "reader", || conn.history.lock().notifications() > 0);
        match read {
            Ok(open) => {
                if plain.len() >= codec::ERROR_RESPONSE_LEN {
                    match ErrorResponse::decode(&plain[..codec::ERROR_RESPONSE_LEN]) {
                        Some(resp) => on_error_response(engine, conn, slot, resp),
                        None => on_lost(
                            engine,
                            conn,
                            slot,
                            ErrorKind::Protocol,
                            "the gateway sent bytes that are not an error-response",
                        ),
                    }
                    return;
                }
                if !open {
                    on_lost(
                        engine,
                        conn,
                        slot,
                        ErrorKind::Io,
                        "the gateway closed the connection with no verdict",
                    );
                    return;
                }
            }
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) =>
            {
                if engine.stopping() {
                    return;
                }
                let presumed = conn.history.lock().take_presumed(window, conn.clock.now());
                if !presumed.is_empty() {
                    conn.processed.fetch_add(presumed.len(), Relaxed);
                    conn.verified.store(true, Relaxed);
                    conn.changed.notify_all();
                    let mut settle = Settle::default();
                    settle.add_all(presumed, Event::ErrorWindowPassed, &engine.config);
                    engine.act(settle);
                }
            }
            Err(e) => {
                if !engine.stopping() {
                    if crate::tls::received_alert(&e).is_some() && !conn.verified.load(Relaxed) {
                        on_refused(engine, conn, slot, &e);
                        return;
                    }
                    // rustls reports TLS failures (alerts, bad records) as InvalidData.
                    let kind = if e.kind() == std::io::ErrorKind::InvalidData {
                        ErrorKind::Tls
                    } else {
                        ErrorKind::Io
                    };
                    on_lost(engine, conn, slot, kind, &format!("connection lost: {e}"));
                }
                return;
            }
        }
    }
}

/// The gateway ended the session with a TLS alert before accepting us: it processed nothing
/// written on this connection, so the history goes back to the queue with no attempt charged
/// and no possible duplicate counted; `run_slot` backs off and, after `max_attempts` such ends
/// in a row, fails what is queued with this error.
fn on_refused(engine: &Engine, conn: &BinaryConn, slot: usize, e: &std::io::Error) {
    let c = &engine.config;
    let has_cert = c.cert.is_some() || c.p12.is_some();
    let (kind, why) = tls_failure(e, has_cert).unwrap_or_else(|| (ErrorKind::Tls, e.to_string()));
    let (host, port, hint) = (c.gateway_host(), c.gateway_port(), before_acceptance(kind));
    let err = Error::new(kind, format!("{host}:{port}: {why}{hint}"));
    let message = err.to_string();
    Counters::add(&engine.stats.connection_losses, 1);
    engine.stats.set_last_error(message.clone());
    let jobs = conn.history.lock().close_and_take();
    conn.kill();
    *conn.refused.lock() = Some(err);
    let mut settle = Settle::default();
    settle.add_all(jobs, Event::NotProcessed, c);
    log::error!(
        target: "apnspush::binary",
        "slot {slot}: the gateway refused the session: {message}; {}",
        settle.tally()
    );
    engine.act(settle);
}

/// Apple answered one notification with an error and closed: settle around it and replay
/// everything written after it on a new connection.
fn on_error_response(engine: &Engine, conn: &BinaryConn, slot: usize, resp: ErrorResponse) {
    Counters::add(&engine.stats.error_responses, 1);
    conn.verdict.store(true, Relaxed);
    let (marker_reply, lapsed_marker_reply) = {
        let h = conn.history.lock();
        let marker = resp.status == status::MISSING_TOKEN;
        (
            marker && h.marker_outstanding(),
            marker && h.marker_lapsed(),
        )
    };
    if lapsed_marker_reply {
        // It answers the connection's first marker, which lapsed: nothing still in the
        // history was processed.
        let after = conn.history.lock().close_and_take();
        conn.kill();
        let mut settle = Settle::default();
        settle.add_all(after, Event::NotProcessed, &engine.config);
        log::debug!(
            target: "apnspush::binary",
            "slot {slot}: reply to a lapsed flush marker: {}",
            settle.tally()
        );
        engine.act(settle);
        return;
    }
    let (found, split) = conn.history.lock().close_and_split(|e| {
        if marker_reply {
            e.job.is_none()
        } else {
            e.job.is_some() && e.wire_id == resp.identifier
        }
    });
    conn.kill();
    let cfg = &engine.config;
    let mut settle = Settle::default();
    if !found {
        // Never guess: count it, and replay the whole unconfirmed tail.
        Counters::add(&engine.stats.history_misses, 1);
        let why = "error-response for an identifier not in the history";
        let lost = Event::Lost {
            kind: ErrorKind::Protocol,
            why,
            charge: false,
        };
        settle.add_all(split.after, lost, cfg);
    } else {
        let processed = split.before.len() + usize::from(split.named.is_some());
        conn.processed.fetch_add(processed, Relaxed);
        settle.add_all(split.before, Event::ProcessedBefore, cfg);
        let named = Event::ErrorResponse {
            status: resp.status,
        };
        settle.add_all(split.named, named, cfg);
        settle.add_all(split.after, Event::NotProcessed, cfg);
    }
    // A flush marker's reply is routine; an identifier not in the history is never guessed.
    let level = match (marker_reply, found) {
        (true, _) => log::Level::Debug,
        (false, true) => log::Level::Info,
        (false, false) => log::Level::Warn,
    };
    if log::log_enabled!(target: "apnspush::binary", level) {
        let named = match (marker_reply, found) {
            (true, _) => "a flush marker".to_owned(),
            (false, true) => format!("notification {}", resp.identifier),
            (false, false) => format!("identifier {}, not in the history", resp.identifier),
        };
        log::log!(
            target: "apnspush::binary",
            level,
            "slot {slot}: error-response status {} ({}) naming {named}: {}",
            resp.status,
            status::reason(resp.status),
            settle.tally()
        );
    }
    engine.act(settle);
}

/// The connection died with no error-response: everything unsettled may or may not have been
/// processed. Replay it (at-least-once, counted). A loss is charged as an attempt only to a
/// notification that was alone on the wire (window 1): only then can it be the cause.
fn on_lost(engine: &Engine, conn: &BinaryConn, slot: usize, kind: ErrorKind, why: &str) {
    if engine.stopping() {
        return; // close() settles the history: our own shutdown is not a loss.
    }
    let (settled_elsewhere, jobs) = {
        let mut h = conn.history.lock();
        (h.is_closed(), h.close_and_take())
    };
    if settled_elsewhere {
        return; // an error-response or a panic already settled this connection
    }
    Counters::add(&engine.stats.connection_losses, 1);
    engine.stats.set_last_error(why);
    conn.lost.store(true, Relaxed);
    conn.carried.store(jobs.len(), Relaxed);
    conn.kill();
    let lost = Event::Lost {
        kind,
        why,
        charge: conn.window == 1,
    };
    let mut settle = Settle::default();
    settle.add_all(jobs, lost, &engine.config);
    log::warn!(
        target: "apnspush::binary",
        "slot {slot}: {why} ({}): {}",
        kind.name(),
        settle.tally()
    );
    engine.act(settle);
}

/// Error for a configuration this protocol cannot carry.
pub(crate) fn check_notification(engine: &Engine, n: &crate::Notification) -> Result<()> {
    if n.channel_id.is_some() {
        return Err(Error::new(
            ErrorKind::InvalidArgument,
            "broadcast channels are an HTTP/2 feature; the binary protocol sends to device tokens",
        ));
    }
    crate::notification::check_payload_len(
        n.payload.len(),
        crate::notification::BINARY_PAYLOAD_MAX,
    )?;
    if engine.config.binary_format == Format::Enhanced && n.token.len() != 32 {
        return Err(Error::new(
            ErrorKind::BadToken,
            format!(
                "the enhanced format carries 32-byte tokens; this one is {} bytes",
                n.token.len()
            ),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod expiry_tests {
    use super::*;
    use crate::job::now_epoch_secs;
    use crate::notification::Notification;
    use std::time::Instant;

    fn written_expiry(format: Format, n: Notification) -> u32 {
        let job = Job {
            id: 7,
            notification: n,
            attempts: 0,
            pushed_at: Instant::now(),
        };
        let mut buf = Vec::new();
        encode(format, &job, now_epoch_secs(), &mut buf);
        let (req, used) = codec::decode_request(&buf).unwrap().unwrap();
        assert_eq!((req.identifier, used), (7, buf.len()));
        req.expiry
    }

    /// The binary format has no absent expiry: unset is now + 30 days at encoding time.
    #[test]
    fn unset_expiry_is_encoded_as_now_plus_30_days() {
        let b = || {
            Notification::builder()
                .token_bytes(&[1; 32])
                .payload_json(r#"{"aps":{"alert":"x"}}"#)
        };
        for format in [Format::Enhanced, Format::Frame] {
            let before = now_epoch_secs() as u32 + codec::UNSET_EXPIRY_SECS;
            let written = written_expiry(format, b().build().unwrap());
            let after = now_epoch_secs() as u32 + codec::UNSET_EXPIRY_SECS;
            assert!((before..=after).contains(&written), "{format:?}: {written}");
            assert_eq!(written_expiry(format, b().expiry(0).build().unwrap()), 0);
            let later = b().expiry(2_000_000_000).build().unwrap();
            assert_eq!(written_expiry(format, later), 2_000_000_000);
        }
    }
}
