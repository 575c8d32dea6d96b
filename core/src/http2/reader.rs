//! The reader half of an HTTP/2 connection (its own thread): reads and decrypts without the
//! TLS lock held across the socket call, feeds the bytes to the [`ClientSession`], applies its
//! events to the shared state under one lock hold, and settles the answered notifications
//! outside it. It also runs the connection's timers: response timeouts and keepalive PINGs.
//!
//! Contract: it never writes to the socket itself (the writer does, from the outbox), so a
//! server blocked writing to us can always make progress.

use std::time::{Duration, Instant};

use super::connection::{H2Conn, Http2Context, TICK};
use super::frame::{self, error_code, FrameError};
use super::response::parse_error_body;
use super::session::{ClientSession, Event, SessionLimits};
use super::state::{Answer, ConnState, Drain, Ping, Stream};
use crate::engine::{Engine, Settle};
use crate::error::{Error, ErrorKind};
use crate::rules::{decide, Action, Event as RuleEvent, TokenUse};
use crate::stats::Counters;
use crate::tls::{before_acceptance, tls_failure};

pub(crate) fn read_loop(engine: &Engine, ctx: &Http2Context, conn: &H2Conn, slot: usize) {
    let _ = conn.tls.set_read_timeout(TICK);
    let mut session = ClientSession::new(SessionLimits::default());
    let mut raw = vec![0u8; 64 * 1024];
    let mut plain = Vec::with_capacity(128 * 1024);
    let mut events = Vec::new();
    let mut out = Vec::new();
    let mut answers = Vec::new();
    let mut last_timers = Instant::now();
    loop {
        crate::slot::fault(engine, "reader", || conn.state.lock().open() > 0);
        let read = conn.tls.read(&mut raw, &mut plain);
        if engine.stopping() || conn.is_dead() {
            return;
        }
        let mut open = true;
        match read {
            Ok(still_open) => open = still_open,
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) => {}
            Err(e) if crate::tls::received_alert(&e).is_some() => {
                refused_or_lost(engine, conn, slot, &e);
                return;
            }
            Err(e) => {
                // rustls reports TLS failures (alerts, bad records) as InvalidData.
                let kind = if e.kind() == std::io::ErrorKind::InvalidData {
                    ErrorKind::Tls
                } else {
                    ErrorKind::Io
                };
                lose(engine, conn, slot, kind, &format!("connection lost: {e}"));
                return;
            }
        }
        if !plain.is_empty() {
            {
                let st = conn.state.lock();
                session.streams_opened(st.last_opened, st.open());
            }
            let result = session.receive(&plain, &mut events, &mut out);
            plain.clear();
            let applied = result.and_then(|()| {
                apply(
                    engine,
                    conn,
                    slot,
                    &mut session,
                    &mut events,
                    &mut out,
                    &mut answers,
                )
            });
            settle(engine, ctx, &mut answers);
            if let Err(e) = applied {
                send_goaway(conn, &e);
                lose(
                    engine,
                    conn,
                    slot,
                    ErrorKind::Protocol,
                    &format!("HTTP/2 connection error: {e}"),
                );
                return;
            }
            let _ = engine.wakers[slot].0.try_send(());
        }
        if !open {
            let graceful = {
                let st = conn.state.lock();
                st.draining() && st.open() == 0
            };
            if !graceful {
                lose(
                    engine,
                    conn,
                    slot,
                    ErrorKind::Io,
                    "the server closed the connection",
                );
            }
            conn.kill();
            return;
        }
        let now = Instant::now();
        if now.duration_since(last_timers) >= TICK {
            last_timers = now;
            if let Err(why) = timers(engine, conn, slot, &mut session, &mut answers, now) {
                lose(engine, conn, slot, ErrorKind::Timeout, &why);
                return;
            }
            settle(engine, ctx, &mut answers);
            let _ = engine.wakers[slot].0.try_send(());
        }
    }
}

/// Applies a chunk's events to the shared state in one lock hold, queues the session's
/// control frames, and collects the streams that ended.
fn apply(
    engine: &Engine,
    conn: &H2Conn,
    slot: usize,
    session: &mut ClientSession,
    events: &mut Vec<Event>,
    out: &mut Vec<u8>,
    answers: &mut Vec<(Stream, Answer)>,
) -> Result<(), FrameError> {
    let mut unprocessed = Vec::new();
    let mut goaways = Vec::new();
    let result = {
        let mut st = conn.state.lock();
        st.last_received = Instant::now();
        let result = st.apply_events(events, answers, &mut unprocessed, &mut goaways);
        events.clear();
        let result = result.and(st.queue_answers(out));
        out.clear();
        check_health(engine, slot, &mut st, session, answers);
        result
    };
    conn.changed.notify_all();
    let mut settle = Settle::default();
    settle.add_all(unprocessed, RuleEvent::NotProcessed, &engine.config);
    for g in goaways {
        Counters::add(&engine.stats.goaways, 1);
        let described = g.describe();
        log::warn!(
            target: "apnspush::http2",
            "slot {slot}: {described} (last stream id {}); streams above it: {}",
            g.last_stream_id,
            settle.tally()
        );
        engine.stats.set_last_error(described);
    }
    engine.act(settle);
    result
}

/// Response timeouts, the health check and keepalive. `Err` when the connection is presumed
/// dead (a PING went unacknowledged).
///
/// Health: a response timeout sends a PING with a deadline of `min(ping_timeout_ms,
/// response_timeout_ms)` unless one is in flight. If it is acknowledged and requests keep
/// timing out (`health_timeouts` in a row with no answer between), the connection is alive
/// but stuck: it is sent a GOAWAY and drained, and its unanswered streams are ended as timed
/// out (replayed elsewhere as possible duplicates) so the slot replaces it at once.
fn timers(
    engine: &Engine,
    conn: &H2Conn,
    slot: usize,
    session: &mut ClientSession,
    answers: &mut Vec<(Stream, Answer)>,
    now: Instant,
) -> Result<(), String> {
    let cfg = &engine.config;
    let mut st = conn.state.lock();
    let mut timed_out = 0u32;
    for (id, s) in st.timed_out(now, cfg.response_timeout) {
        frame::encode_rst_stream(&mut st.outbox, id, error_code::CANCEL);
        session.forget(id);
        timed_out += 1;
        answers.push((s, Answer::TimedOut));
    }
    if timed_out > 0 {
        log::info!(
            target: "apnspush::http2",
            "slot {slot}: {timed_out} requests got no response within {} ms (reset; PING sent)",
            cfg.response_timeout.as_millis()
        );
        Counters::add(&engine.stats.response_timeouts, u64::from(timed_out));
        st.mark_answered();
        st.timeouts_in_row = st.timeouts_in_row.saturating_add(timed_out);
        if st.ping.is_none() {
            send_ping(
                engine,
                &mut st,
                now,
                cfg.ping_timeout.min(cfg.response_timeout),
            );
        }
    }
    check_health(engine, slot, &mut st, session, answers);
    match st.ping {
        Some(p) if now.duration_since(p.sent) >= p.deadline => {
            return Err(format!(
                "no PING acknowledgement within {} ms",
                p.deadline.as_millis()
            ));
        }
        None if now.duration_since(st.last_received) >= cfg.ping_interval => {
            send_ping(engine, &mut st, now, cfg.ping_timeout);
        }
        _ => {}
    }
    drop(st);
    conn.changed.notify_all();
    Ok(())
}

/// Replaces a connection that is alive (a PING sent after its requests timed out was
/// acknowledged) but left `health_timeouts` requests in a row unanswered: GOAWAY, drain, and
/// end every open stream as timed out. Runs at each timer tick and as soon as a PING ACK is
/// applied, so nothing more is risked on the connection meanwhile.
fn check_health(
    engine: &Engine,
    slot: usize,
    st: &mut ConnState,
    session: &mut ClientSession,
    answers: &mut Vec<(Stream, Answer)>,
) {
    if st.timeouts_in_row < engine.config.health_timeouts
        || !st.alive_since_timeout
        || st.draining()
    {
        return;
    }
    Counters::add(&engine.stats.unhealthy_replaced, 1);
    engine.stats.set_last_error(format!(
        "{} requests in a row got no response within response_timeout_ms on a connection \
         that answers PINGs: replaced",
        st.timeouts_in_row
    ));
    frame::encode_goaway(&mut st.outbox, 0, error_code::NO_ERROR, b"unresponsive");
    st.drain(Drain::Unhealthy);
    let mut open = 0usize;
    for (id, s) in st.take_all() {
        session.forget(id);
        answers.push((s, Answer::TimedOut));
        open += 1;
    }
    log::warn!(
        target: "apnspush::http2",
        "slot {slot}: {} requests in a row unanswered on a connection that answers PINGs: \
         replacing it (GOAWAY sent); its {open} open streams end as timed out",
        st.timeouts_in_row
    );
}

fn send_ping(engine: &Engine, st: &mut ConnState, now: Instant, deadline: Duration) {
    let data = ping_data();
    frame::encode_ping(&mut st.outbox, data, false);
    st.ping = Some(Ping {
        data,
        sent: now,
        deadline,
    });
    Counters::add(&engine.stats.pings_sent, 1);
}

fn ping_data() -> [u8; 8] {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0);
    nanos.to_be_bytes()
}

/// Tells the server why we end the connection (RFC 9113 §5.4.1), if the writer lets go of
/// the socket within 100 ms: a writer blocked on a server that does not read is not waited
/// for.
fn send_goaway(conn: &H2Conn, e: &FrameError) {
    let mut buf = Vec::new();
    frame::encode_goaway(&mut buf, 0, e.code, e.reason.as_bytes());
    let _ = conn.tls.write_if_idle(&buf, Duration::from_millis(100));
}

/// The connection died (or broke the protocol): everything it held may have been processed.
fn lose(engine: &Engine, conn: &H2Conn, slot: usize, kind: ErrorKind, why: &str) {
    let in_flight = {
        let mut st = conn.state.lock();
        if st.is_closed() {
            None // already settled (a panic, or close): not a loss
        } else {
            Some(st.close_and_take())
        }
    };
    conn.kill();
    let Some(in_flight) = in_flight else {
        return;
    };
    Counters::add(&engine.stats.connection_losses, 1);
    engine.stats.set_last_error(why);
    let mut settle = Settle::default();
    let lost = RuleEvent::Lost {
        kind,
        why,
        charge: true,
    };
    settle.add_all(in_flight, lost, &engine.config);
    log::warn!(
        target: "apnspush::http2",
        "slot {slot}: {why} ({}): {}",
        kind.name(),
        settle.tally()
    );
    engine.act(settle);
}

/// The server ended the session with a TLS alert. Before the connection got past its start
/// (no answer, no timeout) it refused us and processed nothing: replay everything as not
/// processed, and mark the connection `refused` for the slot. Otherwise a loss.
fn refused_or_lost(engine: &Engine, conn: &H2Conn, slot: usize, e: &std::io::Error) {
    let c = &engine.config;
    let has_cert = c.cert.is_some() || c.p12.is_some();
    let (kind, why) = tls_failure(e, has_cert).unwrap_or_else(|| (ErrorKind::Tls, e.to_string()));
    if conn.state.lock().started {
        lose(engine, conn, slot, kind, &format!("connection lost: {why}"));
        return;
    }
    let (host, port, hint) = (c.gateway_host(), c.gateway_port(), before_acceptance(kind));
    let err = Error::new(kind, format!("{host}:{port}: {why}{hint}"));
    let message = err.to_string();
    Counters::add(&engine.stats.connection_losses, 1);
    engine.stats.set_last_error(message.clone());
    let in_flight = conn.state.lock().close_and_take();
    *conn.refused.lock() = Some(err);
    conn.kill();
    let mut settle = Settle::default();
    settle.add_all(in_flight, RuleEvent::NotProcessed, c);
    log::error!(
        target: "apnspush::http2",
        "slot {slot}: the server refused the session: {message}; {}",
        settle.tally()
    );
    engine.act(settle);
}

/// Settles, replays or delays the streams that ended, outside the state lock (`rules`).
fn settle(engine: &Engine, ctx: &Http2Context, answers: &mut Vec<(Stream, Answer)>) {
    if answers.is_empty() {
        return;
    }
    let cfg = &engine.config;
    let generation = ctx.tokens.as_ref().map_or(0, |t| t.generation());
    let mut settle = Settle::default();
    // Requests refused for their credentials (403 but for an expired token): the last reason
    // and how many, logged once per batch.
    let mut auth_refused: Option<(String, usize)> = None;
    for (stream, answer) in answers.drain(..) {
        let job = stream.job;
        let attempts = job.attempts;
        match answer {
            Answer::Response(r) => {
                let body = (r.status != 200).then(|| parse_error_body(&r.body));
                let (reason, timestamp) = match body {
                    Some(b) => (b.reason, b.timestamp),
                    None => (None, None),
                };
                let token = match &ctx.tokens {
                    None => TokenUse::None,
                    Some(_) if stream.token_generation < generation => TokenUse::Stale,
                    Some(_) => TokenUse::Current,
                };
                let event = RuleEvent::Response {
                    status: r.status,
                    reason: reason.as_deref(),
                    token,
                };
                let action = match decide(event, attempts, cfg) {
                    Action::RefreshToken => refresh(ctx, stream.token_generation),
                    action => action,
                };
                if let (403, Action::Reject { reason, .. }) = (r.status, &action) {
                    let n = auth_refused.as_ref().map_or(0, |(_, n)| *n);
                    auth_refused = Some((reason.clone(), n + 1));
                }
                let (status, apns_id) = (r.status, r.apns_id);
                settle.decided(event, job, action, |o| {
                    o.status = status;
                    o.timestamp = timestamp;
                    if apns_id.is_some() {
                        o.apns_id = apns_id;
                    }
                });
            }
            Answer::Reset(code) => {
                let event = RuleEvent::Reset { code };
                settle.decided(event, job, decide(event, attempts, cfg), |_| {})
            }
            Answer::TimedOut => {
                let event = RuleEvent::TimedOut;
                settle.decided(event, job, decide(event, attempts, cfg), |_| {})
            }
            Answer::Lost(why) => {
                let lost = RuleEvent::Lost {
                    kind: ErrorKind::Protocol,
                    why: &why,
                    charge: true,
                };
                settle.decided(lost, job, decide(lost, attempts, cfg), |_| {})
            }
        }
    }
    if let Some((reason, n)) = auth_refused {
        log::warn!(
            target: "apnspush::http2",
            "{n} notifications rejected 403 {reason}: check the provider key, key_id and \
             team_id, or the certificate"
        );
    }
    engine.act(settle);
}

/// A request's token was declared expired (or was replaced meanwhile): replace it if it is
/// the current one, and send again now, or once a fresh token may be signed.
fn refresh(ctx: &Http2Context, generation: u64) -> Action {
    let wait = ctx
        .tokens
        .as_ref()
        .map_or(Duration::ZERO, |t| t.expired(generation));
    if wait.is_zero() {
        Action::RefreshToken
    } else {
        Action::RetryLater { delay: wait }
    }
}
