//! The feedback service: each TLS connection receives every current tuple, which are then
//! forgotten, followed by close_notify.

use std::net::{Shutdown, TcpStream};

use super::tls_io::{accept_tls, close_gracefully, send_all};
use super::Shared;

/// Serves one feedback connection. The list is taken only after a successful handshake, so a
/// refused client does not consume it; it is gone once taken, even if the write fails.
pub(crate) fn serve(shared: &Shared, mut sock: TcpStream) {
    let Some(mut tls) = accept_tls(shared, &mut sock) else {
        let _ = sock.shutdown(Shutdown::Both);
        return;
    };
    let tuples = std::mem::take(&mut *shared.feedback.lock());
    let mut bytes = Vec::with_capacity(tuples.len() * 38);
    for tuple in &tuples {
        tuple.encode(&mut bytes);
    }
    if send_all(&mut tls, &mut sock, &bytes).is_ok() {
        close_gracefully(shared, tls, sock);
    } else {
        let _ = sock.shutdown(Shutdown::Both);
    }
}
