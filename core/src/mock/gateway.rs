//! One binary-gateway connection: decrypt in large chunks, decode requests in order, accept or
//! answer the first bad one with an error-response and discard the rest, like Apple.

use std::collections::HashMap;
use std::io::{self, Read};
use std::net::{Shutdown, TcpStream};
use std::sync::atomic::Ordering;
use std::sync::Arc;

use rustls::ServerConnection;

use super::tls_io::{
    accept_tls, close_gracefully, decrypt, flush, pause, send_all, update_keys_if_due,
};
use super::{Accepted, Rejected, Shared};
use crate::binary::codec::{decode_request, status, ErrorResponse, Request};

/// Bytes read from the socket at a time.
const READ_CHUNK: usize = 64 * 1024;
const MAX_PAYLOAD: usize = 2048;

/// How a connection ends.
enum End {
    /// The client closed, the socket failed, or TLS failed: nothing more to say.
    Gone,
    /// Close the TCP socket without close_notify (`drop_after`).
    Drop,
    /// close_notify without an error-response (`close_silently_after`).
    Silent,
    /// Error-response after `error_delay`, then close_notify.
    Respond(ErrorResponse),
}

/// Serves one gateway connection until it ends; never panics on client input.
pub(crate) fn serve(shared: &Shared, mut sock: TcpStream) {
    let Some(tls) = accept_tls(shared, &mut sock) else {
        let _ = sock.shutdown(Shutdown::Both);
        return;
    };
    let id = shared.record.connection_opened();
    let mut conn = Gateway {
        shared,
        tls,
        id,
        accepted: 0,
        last_identifier: 0,
        batch: Vec::new(),
    };
    let end = conn.fault().unwrap_or_else(|| conn.run(&mut sock));
    let Gateway { mut tls, .. } = conn;
    match end {
        End::Gone | End::Drop => {
            let _ = sock.shutdown(Shutdown::Both);
        }
        End::Silent => close_gracefully(shared, tls, sock),
        End::Respond(response) => {
            pause(shared, shared.error_delay);
            if send_all(&mut tls, &mut sock, &response.encode()).is_ok() {
                close_gracefully(shared, tls, sock);
            } else {
                let _ = sock.shutdown(Shutdown::Both);
            }
        }
    }
}

struct Gateway<'a> {
    shared: &'a Shared,
    tls: ServerConnection,
    /// Connection id recorded with every notification.
    id: u64,
    /// Accepted on this connection so far.
    accepted: u64,
    /// Identifier of the last accepted notification (what status 10 names).
    last_identifier: u32,
    /// Accepted details not yet appended to the record (always empty without payload recording).
    batch: Vec<Accepted>,
}

impl Gateway<'_> {
    fn run(&mut self, sock: &mut TcpStream) -> End {
        let mut net = vec![0u8; READ_CHUNK];
        let mut plain: Vec<u8> = Vec::with_capacity(2 * READ_CHUNK);
        // Application data may have arrived with the client's last handshake flight.
        let mut fresh = 0;
        let mut since_key_update = 0;
        loop {
            let peer_closed = match decrypt(&mut self.tls, &net[..fresh], &mut plain) {
                Ok(closed) => closed,
                Err(()) => {
                    let _ = flush(&mut self.tls, sock);
                    return End::Gone;
                }
            };
            if let Some(end) = self.process(&mut plain) {
                return end;
            }
            update_keys_if_due(self.shared, &mut self.tls, &mut since_key_update, fresh);
            if peer_closed || flush(&mut self.tls, sock).is_err() {
                return End::Gone;
            }
            if let Some((k, pause_for)) = self.shared.read_pause {
                if self.accepted >= k && !self.shared.read_paused.swap(true, Ordering::Relaxed) {
                    pause(self.shared, pause_for);
                }
            }
            fresh = loop {
                match sock.read(&mut net) {
                    Ok(0) => return End::Gone,
                    Ok(n) => break n,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(_) => return End::Gone,
                }
            };
        }
    }

    /// Decodes and judges every complete request in `plain`, removing them; the record gets the
    /// accepted ones in one append. `Some` when the connection must end.
    fn process(&mut self, plain: &mut Vec<u8>) -> Option<End> {
        let rules = self.shared.rules.read().clone();
        let mut at = 0;
        let mut count = 0u64;
        let mut outcome = None;
        while at < plain.len() {
            let (request, used) = match decode_request(&plain[at..]) {
                Ok(Some(decoded)) => decoded,
                Ok(None) => break,
                Err(e) => {
                    outcome = Some((e.status, e.identifier, Vec::new()));
                    break;
                }
            };
            at += used;
            if let Some(status) = judge(&request, &rules) {
                outcome = Some((status, request.identifier, request.token));
                break;
            }
            count += 1;
            self.accepted += 1;
            self.last_identifier = request.identifier;
            if self.shared.record_payloads {
                let Request {
                    identifier,
                    token,
                    payload,
                    ..
                } = request;
                self.batch.push(Accepted {
                    identifier,
                    token,
                    payload,
                    connection: self.id,
                    apns_id: None,
                });
            }
            if let Some(end) = self.fault() {
                self.shared.record.add_accepted(count, &mut self.batch);
                return Some(end);
            }
        }
        self.shared.record.add_accepted(count, &mut self.batch);
        match outcome {
            Some((status, identifier, token)) => {
                if status == status::MISSING_TOKEN && token.is_empty() {
                    self.shared.record.add_marker();
                } else {
                    let connection = self.id;
                    self.shared.record.add_rejected(Rejected {
                        identifier,
                        token,
                        status,
                        connection,
                    });
                }
                Some(End::Respond(ErrorResponse { status, identifier }))
            }
            None => {
                plain.drain(..at);
                None
            }
        }
    }

    /// The injected fault due after `self.accepted` acceptances, if any.
    fn fault(&self) -> Option<End> {
        let due = |k: Option<u64>| k.is_some_and(|k| self.accepted >= k);
        if due(self.shared.drop_after) {
            Some(End::Drop)
        } else if due(self.shared.shutdown_after) {
            Some(End::Respond(ErrorResponse {
                status: status::SHUTDOWN,
                identifier: self.last_identifier,
            }))
        } else if due(self.shared.close_silently_after) {
            Some(End::Silent)
        } else {
            None
        }
    }
}

/// Apple's validation order; `Some(status)` rejects the request.
fn judge(request: &Request, rules: &Arc<HashMap<Vec<u8>, u8>>) -> Option<u8> {
    let token_len = request.token.len();
    if token_len == 0 {
        Some(status::MISSING_TOKEN)
    } else if !(32..=100).contains(&token_len) {
        Some(status::INVALID_TOKEN_SIZE)
    } else if request.payload.is_empty() {
        Some(status::MISSING_PAYLOAD)
    } else if request.payload.len() > MAX_PAYLOAD {
        Some(status::INVALID_PAYLOAD_SIZE)
    } else if rules.is_empty() {
        None
    } else {
        rules.get(request.token.as_slice()).copied()
    }
}
