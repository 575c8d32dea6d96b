//! Client for the binary feedback service: connect, read every tuple until the server
//! closes, return them. The service clears its list once read.

use crate::binary::codec::{decode_feedback, FeedbackTuple};
use crate::config::Config;
use crate::error::{Error, ErrorKind, Result};
use crate::tls::{client_config, Acceptance, TlsConn};

/// Fetches the (timestamp, token) tuples of devices that stopped accepting notifications.
/// Blocks up to `connect_timeout_ms` for the connection and for each read.
pub fn fetch_feedback(config: &Config) -> Result<Vec<FeedbackTuple>> {
    let tls = client_config(config, &[])?;
    let (host, port) = (config.feedback_host(), config.feedback_port());
    let conn = TlsConn::connect(
        &tls,
        &host,
        port,
        config.connect_timeout,
        config.write_timeout,
        Acceptance::Assumed,
    )?;
    conn.set_read_timeout(config.connect_timeout)
        .map_err(|e| Error::new(ErrorKind::Io, e.to_string()))?;
    let mut raw = vec![0u8; 16 * 1024];
    let mut data = Vec::new();
    loop {
        match conn.read(&mut raw, &mut data) {
            Ok(true) => {}
            Ok(false) => break,
            // A peer that closes the TCP stream without close_notify still ends the list.
            Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => break,
            Err(e) => {
                return Err(Error::new(
                    ErrorKind::Io,
                    format!("feedback {host}:{port}: {e}"),
                ))
            }
        }
    }
    decode_feedback(&data).map_err(|at| {
        Error::new(
            ErrorKind::Protocol,
            format!("truncated feedback tuple at byte {at}"),
        )
    })
}
