//! Client for the binary feedback service: connect, read every tuple until the server
//! closes (or [`MAX_FEEDBACK_BYTES`] arrived), return them. The service clears its list once
//! read.

use crate::binary::codec::{decode_feedback, FeedbackTuple};
use crate::config::Config;
use crate::error::{Error, ErrorKind, Result};
use crate::tls::{client_config, Acceptance, TlsConn};

/// Most feedback bytes one fetch reads (about 440,000 tuples of 32-byte tokens). A service
/// that sends more is cut off there: the connection is closed and the complete tuples read
/// so far are returned; what it had not sent yet is left to the next fetch.
pub const MAX_FEEDBACK_BYTES: usize = 16 * 1024 * 1024;

/// Fetches the (timestamp, token) tuples of devices that stopped accepting notifications.
/// Blocks up to `connect_timeout_ms` for the connection and for each read. Reads at most
/// [`MAX_FEEDBACK_BYTES`].
pub fn fetch_feedback(config: &Config) -> Result<Vec<FeedbackTuple>> {
    let tls = client_config(config, &[])?;
    let (host, port) = (config.feedback_host(), config.feedback_port());
    let config = &config.clone().with_proxy_env()?;
    let conn = TlsConn::connect(&tls, config, &host, port, Acceptance::Assumed)?;
    conn.set_read_timeout(config.connect_timeout)
        .map_err(|e| Error::new(ErrorKind::Io, e.to_string()))?;
    let mut raw = vec![0u8; 16 * 1024];
    let mut data = Vec::new();
    while data.len() < MAX_FEEDBACK_BYTES {
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
    if data.len() >= MAX_FEEDBACK_BYTES {
        conn.shutdown();
        data.truncate(complete_tuples(&data[..MAX_FEEDBACK_BYTES]));
    }
    decode_feedback(&data).map_err(|at| {
        Error::new(
            ErrorKind::Protocol,
            format!("truncated feedback tuple at byte {at}"),
        )
    })
}

/// Length of the longest prefix of `data` made of complete tuples.
fn complete_tuples(data: &[u8]) -> usize {
    let mut at = 0;
    while let Some(len) = data.get(at + 4..at + 6) {
        let end = at + 6 + usize::from(u16::from_be_bytes([len[0], len[1]]));
        if end > data.len() {
            break;
        }
        at = end;
    }
    at
}
