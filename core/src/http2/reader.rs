//! The reader half of an HTTP/2 connection (its own thread): reads and decrypts without the
//! TLS lock held across the socket call, feeds the bytes to the [`ClientSession`], applies its
//! events to the shared state under one lock hold, and settles the answered notifications
//! outside it. It also runs the connection's timers: response timeouts and keepalive PINGs.
//!
//! Contract: it never writes to the socket itself (the writer does, from the outbox), so a
//! server blocked writing to us can always make progress.

use std::time::Instant;

use super::connection::{settle_lost, H2Conn, Http2Context, TICK};
use super::frame::{self, error_code, FrameError};
use super::response::{default_reason, parse_error_body, verdict, Verdict};
use super::session::{ClientSession, Event, SessionLimits};
use super::state::{Answer, Stream};
use crate::engine::Engine;
use crate::error::{Error, ErrorKind};
use crate::job::Job;
use crate::outcome::{Outcome, OutcomeKind};
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
                refused_or_lost(engine, conn, &e);
                return;
            }
            Err(e) => {
                // rustls reports TLS failures (alerts, bad records) as InvalidData.
                let kind = if e.kind() == std::io::ErrorKind::InvalidData {
                    ErrorKind::Tls
                } else {
                    ErrorKind::Io
                };
                lose(engine, conn, kind, &format!("connection lost: {e}"));
                return;
            }
        }
        if !plain.is_empty() {
            let result = session.receive(&plain, &mut events, &mut out);
            plain.clear();
            let applied =
                result.and_then(|()| apply(engine, conn, &mut events, &mut out, &mut answers));
            settle(engine, ctx, conn, &mut answers);
            if let Err(e) = applied {
                lose(
                    engine,
                    conn,
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
            if let Err(why) = timers(engine, conn, &mut session, &mut answers, now) {
                lose(engine, conn, ErrorKind::Timeout, &why);
                return;
            }
            settle(engine, ctx, conn, &mut answers);
            let _ = engine.wakers[slot].0.try_send(());
        }
    }
}

/// Applies a chunk's events to the shared state in one lock hold, queues the session's
/// control frames, and collects the streams that ended.
fn apply(
    engine: &Engine,
    conn: &H2Conn,
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
        st.outbox.append(out);
        result
    };
    conn.changed.notify_all();
    for g in goaways {
        Counters::add(&engine.stats.goaways, 1);
        engine
            .stats
            .set_last_error(goaway_text(g.error_code, &g.debug_data));
    }
    // Above the last-stream-id: never processed, so neither an attempt nor a duplicate.
    engine.replay(unprocessed, false);
    result
}

fn goaway_text(code: u32, debug: &[u8]) -> String {
    let reason = parse_error_body(debug).reason.unwrap_or_else(|| {
        String::from_utf8_lossy(&debug[..debug.len().min(200)])
            .chars()
            .filter(|c| !c.is_control())
            .collect()
    });
    format!("GOAWAY {}: {reason}", error_code::name(code))
}

/// Response timeouts and keepalive. `Err` when the connection is presumed dead.
fn timers(
    engine: &Engine,
    conn: &H2Conn,
    session: &mut ClientSession,
    answers: &mut Vec<(Stream, Answer)>,
    now: Instant,
) -> Result<(), String> {
    let cfg = &engine.config;
    let mut st = conn.state.lock();
    for (id, s) in st.timed_out(now, cfg.response_timeout) {
        frame::encode_rst_stream(&mut st.outbox, id, error_code::CANCEL);
        session.forget(id);
        Counters::add(&engine.stats.response_timeouts, 1);
        answers.push((s, Answer::TimedOut));
    }
    match st.ping {
        Some((_, sent)) if now.duration_since(sent) >= cfg.ping_timeout => {
            return Err(format!(
                "no PING acknowledgement within {} ms",
                cfg.ping_timeout.as_millis()
            ));
        }
        None if now.duration_since(st.last_received) >= cfg.ping_interval => {
            let data = ping_data();
            frame::encode_ping(&mut st.outbox, data, false);
            st.ping = Some((data, now));
            Counters::add(&engine.stats.pings_sent, 1);
        }
        _ => {}
    }
    drop(st);
    conn.changed.notify_all();
    Ok(())
}

fn ping_data() -> [u8; 8] {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0);
    nanos.to_be_bytes()
}

/// The connection died (or broke the protocol): settle or replay everything it held.
fn lose(engine: &Engine, conn: &H2Conn, kind: ErrorKind, why: &str) {
    Counters::add(&engine.stats.connection_losses, 1);
    engine.stats.set_last_error(why);
    let (in_flight, delayed) = conn.state.lock().close_and_take();
    conn.kill();
    settle_lost(engine, in_flight, kind, why);
    engine.replay(delayed, false);
}

/// The server ended the session with a TLS alert. Before any stream was answered it refused
/// us and processed nothing: replay everything with no attempt charged and no possible
/// duplicate counted, and mark the connection `refused` for the slot. Otherwise a loss.
fn refused_or_lost(engine: &Engine, conn: &H2Conn, e: &std::io::Error) {
    let c = &engine.config;
    let has_cert = c.cert.is_some() || c.p12.is_some();
    let (kind, why) = tls_failure(e, has_cert).unwrap_or_else(|| (ErrorKind::Tls, e.to_string()));
    if conn.state.lock().was_answered() {
        lose(engine, conn, kind, &format!("connection lost: {why}"));
        return;
    }
    let (host, port, hint) = (c.gateway_host(), c.gateway_port(), before_acceptance(kind));
    let err = Error::new(kind, format!("{host}:{port}: {why}{hint}"));
    Counters::add(&engine.stats.connection_losses, 1);
    engine.stats.set_last_error(err.to_string());
    let (in_flight, delayed) = conn.state.lock().close_and_take();
    *conn.refused.lock() = Some(err);
    conn.kill();
    engine.replay(in_flight, false);
    engine.replay(delayed, false);
}

/// Settles (or schedules for retry) the streams that ended, outside the state lock.
fn settle(engine: &Engine, ctx: &Http2Context, conn: &H2Conn, answers: &mut Vec<(Stream, Answer)>) {
    if answers.is_empty() {
        return;
    }
    let cfg = &engine.config;
    let max = cfg.max_attempts;
    let mut outcomes: Vec<(Instant, Outcome)> = Vec::with_capacity(answers.len());
    let mut later: Vec<Job> = Vec::new();
    let mut again: Vec<Job> = Vec::new();
    let mut reset: Vec<Job> = Vec::new();
    let mut timed_out: Vec<Job> = Vec::new();
    let mut retried = ctx.token_retried.lock();
    for (stream, answer) in answers.drain(..) {
        let job = stream.job;
        match answer {
            Answer::Response(r) => {
                let body = (r.status != 200).then(|| parse_error_body(&r.body));
                let reason = body.as_ref().and_then(|b| b.reason.clone());
                let apns_id = r.apns_id;
                match verdict(r.status, reason.as_deref()) {
                    Verdict::Accept => {
                        forget_token_retry(&mut retried, job.id);
                        let at = job.pushed_at;
                        let mut o = job.accepted(true);
                        o.status = r.status;
                        if apns_id.is_some() {
                            o.apns_id = apns_id;
                        }
                        outcomes.push((at, o));
                    }
                    Verdict::RefreshToken if job.attempts < max && retried.insert(job.id) => {
                        if let Some(tokens) = &ctx.tokens {
                            tokens.expired(stream.token_generation);
                        }
                        let mut job = job;
                        job.attempts += 1;
                        again.push(job);
                    }
                    Verdict::RetryLater if job.attempts < max => later.push(job),
                    Verdict::RetryLater => {
                        let reason = reason.unwrap_or_else(|| default_reason(r.status).into());
                        let at = job.pushed_at;
                        let msg = format!(
                            "{reason} (status {}, attempt {} of {max})",
                            r.status, job.attempts
                        );
                        let mut o = job.failed(ErrorKind::Io, msg);
                        o.status = r.status;
                        if apns_id.is_some() {
                            o.apns_id = apns_id;
                        }
                        outcomes.push((at, o));
                    }
                    Verdict::Reject | Verdict::RefreshToken => {
                        forget_token_retry(&mut retried, job.id);
                        let reason = reason.unwrap_or_else(|| default_reason(r.status).into());
                        let at = job.pushed_at;
                        let mut o = job.into_outcome(OutcomeKind::Rejected, r.status, reason);
                        o.timestamp = body.and_then(|b| b.timestamp);
                        if apns_id.is_some() {
                            o.apns_id = apns_id;
                        }
                        outcomes.push((at, o));
                    }
                }
            }
            Answer::Reset(code) if code == error_code::REFUSED_STREAM => {
                if job.attempts < max {
                    later.push(job);
                } else {
                    let at = job.pushed_at;
                    let msg = format!(
                        "stream refused (REFUSED_STREAM), attempt {} of {max}",
                        job.attempts
                    );
                    outcomes.push((at, job.failed(ErrorKind::Protocol, msg)));
                }
            }
            // Any other reset, or no answer: it may have been processed.
            Answer::Reset(_) => reset.push(job),
            Answer::TimedOut => timed_out.push(job),
        }
    }
    drop(retried);
    engine.ledger.settle(outcomes);
    if !again.is_empty() {
        Counters::add(&engine.stats.retries, again.len() as u64);
        engine.replay(again, false);
    }
    if !reset.is_empty() {
        settle_lost(
            engine,
            reset,
            ErrorKind::Protocol,
            "stream reset by the server",
        );
    }
    if !timed_out.is_empty() {
        let why = "no response within response_timeout_ms";
        settle_lost(engine, timed_out, ErrorKind::Timeout, why);
    }
    if !later.is_empty() {
        retry_later(engine, conn, later);
    }
}

fn forget_token_retry(retried: &mut std::collections::HashSet<u64>, id: u64) {
    if !retried.is_empty() {
        retried.remove(&id);
    }
}

/// 429/5xx/REFUSED_STREAM: one more attempt after a backoff that doubles per attempt.
fn retry_later(engine: &Engine, conn: &H2Conn, jobs: Vec<Job>) {
    let cfg = &engine.config;
    let now = Instant::now();
    Counters::add(&engine.stats.retries, jobs.len() as u64);
    Counters::add(&engine.stats.replayed, jobs.len() as u64);
    let mut refused = Vec::new();
    {
        let mut st = conn.state.lock();
        for mut job in jobs {
            job.attempts += 1;
            let exp = job.attempts.saturating_sub(2).min(20);
            let delay = cfg
                .retry_backoff
                .saturating_mul(1 << exp)
                .min(cfg.backoff_max.max(cfg.retry_backoff));
            let due = now + crate::engine::jitter(delay);
            if let Err(job) = st.delay(due, job) {
                refused.push(job);
            }
        }
    }
    if !refused.is_empty() {
        // The connection is finished: retry elsewhere at once.
        for job in refused {
            let _ = engine.retry_tx.send(job);
        }
        engine.wake_writers();
    }
}
