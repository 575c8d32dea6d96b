//! Blocking TLS plumbing shared by the gateway and the feedback service. Every function here
//! returns promptly once `MockServer::stop` has shut the socket down.

use crate::tls::NoSigPipe;
use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpStream};
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use rustls::ServerConnection;

use super::Shared;

/// A handshake that has not finished in this long is abandoned.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(30);
/// A write the client does not read within this long is abandoned.
const WRITE_TIMEOUT: Duration = Duration::from_secs(30);
/// After our close_notify, how long the client's remaining bytes are read and discarded before
/// the socket is closed (closing with unread input would send a reset that can destroy the
/// error-response in the client's receive buffer).
const LINGER: Duration = Duration::from_secs(2);

/// Runs the server handshake. `None` if it failed (the alert, if any, has been sent) or the
/// client went away; the socket is then left for the caller to drop.
pub(crate) fn accept_tls(shared: &Shared, sock: &mut TcpStream) -> Option<ServerConnection> {
    let _ = sock.set_nodelay(true);
    let _ = sock.set_read_timeout(Some(HANDSHAKE_TIMEOUT));
    let _ = sock.set_write_timeout(Some(WRITE_TIMEOUT));
    let mut tls = ServerConnection::new(shared.tls.clone()).ok()?;
    while tls.is_handshaking() {
        if tls.complete_io(&mut NoSigPipe(sock)).is_err() {
            return None;
        }
    }
    if flush(&mut tls, sock).is_err() {
        return None;
    }
    let _ = sock.set_read_timeout(None);
    Some(tls)
}

/// Writes every pending TLS record to the socket.
pub(crate) fn flush(tls: &mut ServerConnection, sock: &mut TcpStream) -> io::Result<()> {
    while tls.wants_write() {
        match tls.write_tls(&mut NoSigPipe(sock)) {
            Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
            Ok(_) => {}
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// Encrypts and writes all of `data`, in pieces that fit rustls' outgoing buffer.
pub(crate) fn send_all(
    tls: &mut ServerConnection,
    sock: &mut TcpStream,
    mut data: &[u8],
) -> io::Result<()> {
    while !data.is_empty() {
        // The outgoing buffer is empty here, so rustls takes at least one byte.
        let n = tls.writer().write(data)?;
        if n == 0 {
            return Err(io::ErrorKind::WriteZero.into());
        }
        flush(tls, sock)?;
        data = &data[n..];
    }
    Ok(())
}

/// Sends close_notify, half-closes, discards what the client still sends for up to `LINGER`,
/// then shuts the socket down.
pub(crate) fn close_gracefully(shared: &Shared, mut tls: ServerConnection, mut sock: TcpStream) {
    tls.send_close_notify();
    if flush(&mut tls, &mut sock).is_ok() && sock.shutdown(Shutdown::Write).is_ok() {
        let deadline = Instant::now() + LINGER;
        let mut sink = [0u8; 16 * 1024];
        while !shared.stopping.load(Ordering::Relaxed) {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() || sock.set_read_timeout(Some(left)).is_err() {
                break;
            }
            match sock.read(&mut sink) {
                Ok(0) => break,
                Ok(_) => {}
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(_) => break,
            }
        }
    }
    let _ = sock.shutdown(Shutdown::Both);
}

/// Sleeps for `delay`, waking early when the server is stopping.
pub(crate) fn pause(shared: &Shared, delay: Duration) {
    let start = Instant::now();
    loop {
        if shared.stopping.load(Ordering::Relaxed) {
            return;
        }
        let left = delay.saturating_sub(start.elapsed());
        if left.is_zero() {
            return;
        }
        std::thread::sleep(left.min(Duration::from_millis(10)));
    }
}

/// Feeds `data` through TLS and appends the plaintext to `plain`. `Ok(true)` once the client
/// sent close_notify; `Err` on a TLS error (its alert is queued).
pub(crate) fn decrypt(
    tls: &mut ServerConnection,
    mut data: &[u8],
    plain: &mut Vec<u8>,
) -> Result<bool, ()> {
    loop {
        let state = tls.process_new_packets().map_err(|_| ())?;
        let ready = state.plaintext_bytes_to_read();
        if ready > 0 {
            let start = plain.len();
            plain.resize(start + ready, 0);
            tls.reader()
                .read_exact(&mut plain[start..])
                .map_err(|_| ())?;
        }
        if state.peer_has_closed() {
            return Ok(true);
        }
        if data.is_empty() {
            return Ok(false);
        }
        match tls.read_tls(&mut data) {
            Ok(0) | Err(_) => return Err(()),
            Ok(_) => {}
        }
    }
}

/// `key_update_every`: counts `fresh` ciphertext bytes read into `since` and, once they reach
/// the knob, asks the client for a TLS 1.3 key update (sent with the next flush) and records it.
pub(crate) fn update_keys_if_due(
    shared: &Shared,
    tls: &mut ServerConnection,
    since: &mut usize,
    fresh: usize,
) {
    let Some(every) = shared.key_update_every else {
        return;
    };
    *since += fresh;
    if *since >= every && tls.refresh_traffic_keys().is_ok() {
        *since = 0;
        shared.record.add_key_update();
    }
}
