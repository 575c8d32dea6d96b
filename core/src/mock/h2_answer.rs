//! The answering half of a mock HTTP/2 connection: judging a complete request, recording
//! it, Apple's concurrency drop after a rejection, and writing answers within the client's
//! flow-control windows (HPACK state follows write order).

use std::time::Instant;

use super::channels::{Broadcast, Reply};
use super::h2_gateway::{Answer, End, H2Server};
use super::h2_judge::{check_token, judge, Verdict};
use super::{Accepted, Http2Rejected};
use crate::http2::frame::{self, error_code, setting};
use crate::http2::hpack::HeaderList;
use crate::http2::hpack::Indexing;
use crate::http2::uuid::is_uuid;

impl H2Server<'_> {
    /// A request is complete: judge it, record it, queue its answer, apply the faults.
    pub(super) fn complete(&mut self, stream_id: u32) -> Option<End> {
        let shared = self.shared;
        let open = self.open.get_mut(&stream_id)?;
        open.answered = true;
        let headers = open.headers.take().unwrap_or_default();
        let body = std::mem::take(&mut open.body);
        let (goaway_after, drop_after, stall_after) = match &self.chaos {
            Some(c) => (c.goaway_after, c.drop_after, c.stall_after),
            None => (
                shared.h2.goaway_after,
                shared.drop_after,
                shared.h2.stall_after,
            ),
        };
        if stall_after.is_some_and(|k| self.processed >= k) {
            // A silent connection: the stream stays open (holding nothing) and unanswered.
            shared.record.update_h2(|c| c.streams_stalled += 1);
            return None;
        }
        if self.management {
            let answer = self.manage(stream_id, &headers, &body);
            return self.queue(answer, stream_id, goaway_after, drop_after);
        }
        let is_broadcast = headers
            .iter()
            .any(|(n, v)| n == b":path" && v.starts_with(b"/4/broadcasts/"));
        let rules = shared.h2_rules.read().clone();
        let binary_rules = shared.rules.read().clone();
        let mut v = judge(
            shared,
            &mut self.tokens,
            &mut self.uuids,
            &rules,
            &binary_rules,
            &headers,
            &body,
        );
        let mut delay = shared.h2.response_delay;
        if let Some(chaos) = &mut self.chaos {
            if v.status == 200 && chaos.too_many() {
                v.status = 429;
                v.reason = "TooManyRequests";
            }
            if chaos.slow() {
                delay = delay.max(super::chaos::SLOW_ANSWER);
            }
        }
        self.processed += 1;
        self.record(stream_id, &v, body);
        self.token_validated |= v.token_valid;
        self.adjust_limit(v.status == 200);
        let json = match v.status {
            200 => Vec::new(),
            _ => error_body(&v),
        };
        let now = if delay.is_zero() {
            self.epoch
        } else {
            Instant::now()
        };
        let answer = Answer {
            due: now + delay,
            stream_id,
            status: v.status,
            management: is_broadcast.then(|| (v.apns_id.clone(), None)),
            apns_id: v.apns_id,
            body: json,
        };
        self.queue(answer, stream_id, goaway_after, drop_after)
    }

    /// A channel management request: auth as the gateway checks it, then the registry.
    fn manage(&mut self, stream_id: u32, headers: &HeaderList, body: &[u8]) -> Answer {
        let shared = self.shared;
        let find = |name: &[u8]| {
            headers
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v.as_slice())
        };
        let request_id = match find(b"apns-request-id") {
            Some(v) if is_uuid(v) => String::from_utf8_lossy(v).to_ascii_lowercase(),
            _ => self.uuids.next_uuid(),
        };
        let reply = match check_token(shared, &mut self.tokens, find(b"authorization")) {
            Some(reason) => Reply {
                status: 403,
                channel_id: None,
                body: serde_json::json!({ "reason": reason })
                    .to_string()
                    .into_bytes(),
            },
            None => {
                self.token_validated = true;
                shared.channels.manage(headers, body)
            }
        };
        self.processed += 1;
        self.adjust_limit(reply.status < 400);
        let delay = shared.h2.response_delay;
        Answer {
            due: if delay.is_zero() {
                self.epoch
            } else {
                Instant::now() + delay
            },
            stream_id,
            status: reply.status,
            apns_id: String::new(),
            body: reply.body,
            management: Some((request_id, reply.channel_id)),
        }
    }

    /// Queues `answer` (in due order) and applies `drop_after` and `goaway_after`.
    fn queue(
        &mut self,
        answer: Answer,
        stream_id: u32,
        goaway_after: Option<u64>,
        drop_after: Option<u64>,
    ) -> Option<End> {
        let shared = self.shared;
        let now = answer.due;
        // In due order, so a late answer holds up no other.
        let at = self
            .answers
            .iter()
            .rposition(|a| a.due <= answer.due)
            .map_or(0, |i| i + 1);
        self.answers.insert(at, answer);
        if now <= self.epoch {
            self.release_due(now);
        }
        if drop_after.is_some_and(|k| self.processed >= k) {
            return Some(End::Drop);
        }
        if self.goaway_last.is_none() && goaway_after.is_some_and(|k| self.processed >= k) {
            self.goaway_last = Some(stream_id);
            let before = self.open.len();
            self.open.retain(|&id, _| id <= stream_id);
            let ignored = (before - self.open.len()) as u64;
            shared.record.update_h2(|c| c.streams_ignored += ignored);
            frame::encode_goaway(
                &mut self.out,
                stream_id,
                error_code::NO_ERROR,
                br#"{"reason":"Shutdown"}"#,
            );
            shared.record.update_h2(|c| c.goaways_sent += 1);
            self.start_draining();
        }
        None
    }

    fn record(&mut self, stream_id: u32, v: &Verdict, payload: Vec<u8>) {
        if let (200, Some((bundle, channel))) = (v.status, &v.broadcast) {
            self.shared.channels.add_broadcast(Broadcast {
                bundle_id: bundle.clone(),
                channel_id: channel.clone(),
                apns_id: v.apns_id.clone(),
                payload: if self.shared.record_payloads {
                    payload.clone()
                } else {
                    Vec::new()
                },
                connection: self.id,
            });
        }
        if v.status == 200 {
            self.accepted_count += 1;
            if self.shared.record_payloads {
                self.accepted.push(Accepted {
                    identifier: stream_id,
                    token: v.token.clone(),
                    payload,
                    connection: self.id,
                    apns_id: Some(v.apns_id.clone()),
                });
            }
        } else {
            self.rejected.push(Http2Rejected {
                apns_id: v.apns_id.clone(),
                token: v.token.clone(),
                status: v.status,
                reason: v.reason_text(),
                timestamp: v.timestamp,
                connection: self.id,
            });
        }
    }

    /// Apple's behaviour: one stream at a time until a request carried a valid provider token
    /// (token auth), and after a rejection until the next success (`drop_concurrency_on_reject`);
    /// the configured limit otherwise.
    fn adjust_limit(&mut self, success: bool) {
        let h2 = &self.shared.h2;
        let one = !self.token_validated || (h2.drop_concurrency_on_reject && !success);
        let want = if one {
            h2.max_concurrent_streams.min(1)
        } else {
            h2.max_concurrent_streams
        };
        if want != self.advertised {
            self.advertised = want;
            if want > self.in_force {
                // Raising needs no acknowledgement to be safe.
                self.in_force = want;
            }
            self.unacked_limits.push_back(want);
            self.shared.record.update_h2(|c| c.limit_changes += 1);
            frame::encode_settings(&mut self.out, &[(setting::MAX_CONCURRENT_STREAMS, want)]);
        }
    }

    /// Writes the answers that are due, in order (HPACK state follows write order).
    pub(super) fn release_due(&mut self, now: Instant) {
        while self.answers.front().is_some_and(|a| a.due <= now) {
            let Some(a) = self.answers.pop_front() else {
                break;
            };
            if !self.open.contains_key(&a.stream_id) {
                continue; // reset by the client meanwhile
            }
            let mut status = [0u8; 3];
            status.copy_from_slice(format!("{:03}", a.status.min(999)).as_bytes());
            let mut block = Vec::with_capacity(64);
            // As nghttp2 encodes: `:status` from the table, every other header added to it.
            let (id_name, id, channel): (&[u8], &str, Option<&str>) = match &a.management {
                Some((request_id, channel)) => (b"apns-request-id", request_id, channel.as_deref()),
                None => (b"apns-id", &a.apns_id, None),
            };
            let mut fields: Vec<(&[u8], &[u8], Indexing)> = vec![
                (b":status", &status[..], Indexing::Incremental),
                (id_name, id.as_bytes(), Indexing::Incremental),
            ];
            if let Some(channel) = channel {
                fields.push((
                    b"apns-channel-id",
                    channel.as_bytes(),
                    Indexing::Incremental,
                ));
            }
            if !a.body.is_empty() {
                fields.push((b"content-type", b"application/json", Indexing::Incremental));
            }
            self.encoder.encode_with(fields, &mut block);
            if a.body.is_empty() {
                frame::encode_headers(
                    &mut self.out,
                    a.stream_id,
                    &block,
                    true,
                    self.client_max_frame,
                );
                self.open.remove(&a.stream_id);
            } else {
                frame::encode_headers(
                    &mut self.out,
                    a.stream_id,
                    &block,
                    false,
                    self.client_max_frame,
                );
                self.stalled
                    .push_back((a.stream_id, a.body, self.client_initial_window));
                self.write_stalled();
            }
        }
    }

    /// Writes the bodies the client's windows allow; their streams close.
    pub(super) fn write_stalled(&mut self) {
        while let Some((id, body, window)) = self.stalled.front() {
            let len = body.len() as i64;
            if len > self.send_window || len > *window {
                break;
            }
            let (id, body) = (*id, body.clone());
            self.stalled.pop_front();
            self.send_window -= len;
            frame::encode_data(&mut self.out, id, &body, true, self.client_max_frame);
            self.open.remove(&id);
        }
    }

    /// Reopens the receive windows the client consumed.
    pub(super) fn replenish(&mut self) {
        if self.recv_consumed > 0 {
            frame::encode_window_update(&mut self.out, 0, self.recv_consumed);
            self.recv_window += i64::from(self.recv_consumed);
            self.recv_consumed = 0;
        }
        for (&id, open) in self.open.iter_mut() {
            if !open.answered && open.consumed > 0 {
                frame::encode_window_update(&mut self.out, id, open.consumed);
                open.window += i64::from(open.consumed);
                open.consumed = 0;
            }
        }
    }
}

fn error_body(v: &Verdict) -> Vec<u8> {
    let reason = serde_json::Value::from(v.reason_text());
    match v.timestamp {
        Some(ts) => format!(r#"{{"reason":{reason},"timestamp":{ts}}}"#),
        None => format!(r#"{{"reason":{reason}}}"#),
    }
    .into_bytes()
}
