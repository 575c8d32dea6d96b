//! The writer half of an HTTP/2 connection (runs on the slot thread): takes notifications,
//! opens one stream each within the peer's concurrency limit and flow-control windows,
//! encodes HEADERS + DATA for a whole batch into one buffer, and writes it with one TLS write.
//! It also writes the control frames the reader queued (acknowledgements, WINDOW_UPDATEs,
//! PINGs, RST_STREAMs) and the rest of bodies that waited for window.
//!
//! Contract: stream entries are in the connection state before their bytes are written, so
//! the reader can always find the stream a response names. Blocking: the socket write (up to
//! `write_timeout_ms`) and waits of at most `TICK` for work or window.

use std::time::Instant;

use super::connection::{requeue, H2Conn, Http2Context, Unwritten, TICK};
use super::request::RequestEncoder;
use super::session;
use super::state::{Drain, Phase, Stream, MAX_STREAM_ID};
use super::uuid::UuidSource;
use crate::engine::Engine;
use crate::job::Job;
use crate::slot;
use crate::stats::Counters;

/// Most streams opened by one write.
const BATCH: usize = 1024;

/// Runs until the pusher stops, the connection dies, or it has drained after a GOAWAY (or
/// ran out of stream ids). What it took but never wrote stays in `unwritten`.
pub(crate) fn write_loop(
    engine: &Engine,
    ctx: &Http2Context,
    conn: &H2Conn,
    slot: usize,
    unwritten: &mut Unwritten,
) {
    let cfg = &engine.config;
    let cap = cfg.max_in_flight;
    let mut enc = RequestEncoder::new(&cfg.gateway_host(), cfg.topic.clone());
    let mut uuids = UuidSource::default();
    let Unwritten {
        held,
        batch,
        streams,
    } = unwritten;
    let mut buf = Vec::with_capacity(BATCH * 320);
    let mut scratch = Vec::with_capacity(BATCH * 360);
    let mut next_id: u32 = 1;
    session::client_preface(&session::SessionLimits::default(), &mut buf);
    if !write(conn, &buf, &mut scratch) {
        return;
    }
    while !engine.stopping() && !conn.is_dead() {
        buf.clear();
        let (room, finished) = {
            let mut st = conn.state.lock();
            st.take_outbox(&mut buf);
            enc.sync(st.peer_header_table_size, st.peer_max_frame_size);
            st.pump(|id, chunk, last| enc.data(&mut buf, id, chunk, last));
            let ids_left = if next_id > MAX_STREAM_ID {
                0
            } else {
                ((MAX_STREAM_ID - next_id) / 2 + 1) as usize
            };
            if ids_left == 0 {
                st.drain(Drain::Exhausted);
            }
            let finished = st.draining() && st.open() == 0;
            // A token APNs declared expired that may not be replaced yet: open nothing.
            let token_wait = ctx.tokens.as_ref().is_some_and(|t| !t.wait().is_zero());
            let room = if token_wait {
                0
            } else {
                st.room(cap).min(ids_left)
            };
            if room == 0 && buf.is_empty() && !finished {
                conn.changed.wait_for(&mut st, TICK);
                continue;
            }
            (room, finished)
        };
        if room > 0 {
            let want = room.min(BATCH);
            while batch.len() < want {
                match held.pop_front() {
                    Some(job) => batch.push(job),
                    None => break,
                }
            }
            let idle = if buf.is_empty() && batch.is_empty() {
                TICK
            } else {
                std::time::Duration::ZERO
            };
            // Also settles expired jobs, held ones included.
            engine.take_batch(slot, batch, want, idle);
        }
        let mut opened = (0, Vec::new());
        if !batch.is_empty() {
            let Some(o) = open_streams(
                engine,
                ctx,
                conn,
                &mut enc,
                &mut uuids,
                batch,
                streams,
                &mut buf,
                &mut next_id,
            ) else {
                // The connection finished under us: nothing of this batch was written, but
                // control frames queued meanwhile (a GOAWAY) still go out.
                requeue(engine, batch.drain(..));
                let mut rest = Vec::new();
                conn.state.lock().take_outbox(&mut rest);
                if !rest.is_empty() {
                    let _ = conn.tls.write_all(&rest, &mut scratch);
                }
                break;
            };
            opened = o;
            for job in batch.drain(..).rev() {
                held.push_front(job);
            }
        }
        if !buf.is_empty() && !write(conn, &buf, &mut scratch) {
            break;
        }
        if opened.0 > 0 {
            Counters::add(&engine.stats.written, opened.0 as u64);
            engine.ledger.mark_written(opened.1.into_iter());
            slot::fault(engine, "writer", || true);
        }
        if finished {
            break;
        }
    }
}

/// Opens streams for as much of `batch` as the state allows (the jobs opened are removed from
/// it), encodes them into `buf` and records them in the stream table. Returns how many were
/// opened and, if anyone waits in `push`, their ids; `None` if the connection was already
/// finished.
#[allow(clippy::too_many_arguments)]
fn open_streams(
    engine: &Engine,
    ctx: &Http2Context,
    conn: &H2Conn,
    enc: &mut RequestEncoder,
    uuids: &mut UuidSource,
    batch: &mut Vec<Job>,
    streams: &mut Vec<(u32, Stream)>,
    buf: &mut Vec<u8>,
    next_id: &mut u32,
) -> Option<(usize, Vec<u64>)> {
    let plan = {
        let mut st = conn.state.lock();
        if st.draining() && !matches!(st.phase, Phase::Draining(Drain::GoAway { .. })) {
            return None;
        }
        let room = st.room(engine.config.max_in_flight).min(batch.len());
        st.plan(batch.iter().map(|j| j.notification.payload.len()), room)
    };
    let count = plan.count();
    if count == 0 {
        return Some((0, Vec::new()));
    }
    let token = ctx.tokens.as_ref().map(|t| t.current());
    let (auth, generation) = match &token {
        Some((header, generation)) => (Some(&**header), *generation),
        None => (None, 0),
    };
    let now = Instant::now();
    for (i, mut job) in batch.drain(..count).enumerate() {
        let id = *next_id;
        *next_id += 2;
        let n = &mut job.notification;
        let apns_id = n.apns_id.get_or_insert_with(|| uuids.next_uuid()).clone();
        enc.headers(buf, id, n, &apns_id, auth);
        let len = n.payload.len();
        let sent = if i < plan.full {
            len
        } else {
            plan.partial.unwrap_or(0)
        };
        if sent > 0 {
            enc.data(buf, id, &n.payload[..sent], sent == len);
        }
        streams.push((
            id,
            Stream {
                job,
                written_at: now,
                token_generation: generation,
                sent,
                window: 0,
            },
        ));
    }
    let ids: Vec<u64> = if engine.ledger.has_written_waiters() {
        streams.iter().map(|(_, s)| s.job.id).collect()
    } else {
        Vec::new()
    };
    let mut refused = Vec::new();
    {
        let mut st = conn.state.lock();
        // Taken over by the reader (closed, or replaced as unhealthy) since the plan: the
        // batch is not written at all. A GOAWAY instead refuses only ids above its last.
        let closed = st.draining() && !matches!(st.phase, Phase::Draining(Drain::GoAway { .. }));
        for (id, stream) in streams.drain(..) {
            if let Err(job) = st.insert(id, stream) {
                refused.push(job);
            }
        }
        if closed {
            drop(st);
            // Nothing will be written: hand every job back untouched.
            batch.splice(0..0, refused);
            return None;
        }
    }
    // Streams above a GOAWAY that arrived meanwhile: written, but the server ignores them.
    requeue(engine, refused);
    Some((count, ids))
}

fn write(conn: &H2Conn, buf: &[u8], scratch: &mut Vec<u8>) -> bool {
    match conn.tls.write_all(buf, scratch) {
        Ok(()) => true,
        Err(e) => {
            // The slot lets the reader find out why before it kills the connection.
            *conn.write_error.lock() = Some(format!("write failed: {e}"));
            false
        }
    }
}
