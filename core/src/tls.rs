//! TLS client set-up and a connection split for a writer thread and a reader thread.
//! Verification is always on: webpki roots plus an optional extra CA (`ca_file`/`ca_pem`).

use crate::config::{shown_path, Config};
use crate::error::{Error, ErrorKind, Result};
use crate::proxy::open_stream;
use parking_lot::{Mutex, MutexGuard};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use rustls::{AlertDescription, ClientConfig, ClientConnection, RootCertStore};
use std::io::{Read, Write};
use std::net::{Shutdown, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering::Relaxed};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Builds the client TLS config: roots, the extra CA, the client certificate if configured,
/// and the ALPN protocols to offer.
pub(crate) fn client_config(config: &Config, alpn: &[&[u8]]) -> Result<Arc<ClientConfig>> {
    let mut roots = RootCertStore::empty();
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    if let Some(ca) = &config.ca {
        let pem = ca.load("CA")?;
        let mut added = 0;
        for cert in CertificateDer::pem_slice_iter(&pem) {
            let cert = cert.map_err(|e| {
                Error::new(
                    ErrorKind::Credentials,
                    format!("CA PEM: {}", pem_problem(&e)),
                )
            })?;
            roots
                .add(cert)
                .map_err(|e| Error::new(ErrorKind::Credentials, format!("CA certificate: {e}")))?;
            added += 1;
        }
        if added == 0 {
            return Err(Error::new(
                ErrorKind::Credentials,
                "CA PEM holds no certificate",
            ));
        }
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| Error::new(ErrorKind::Tls, e.to_string()))?
        .with_root_certificates(roots);
    let identity =
        match (&config.p12, &config.cert, &config.key) {
            (Some(path), None, None) => Some(load_p12(path, &config.p12_password)?),
            (Some(_), _, _) => return Err(Error::new(
                ErrorKind::Credentials,
                "give the client certificate either as cert_p12_file or as cert/key PEM, not both",
            )),
            _ => None,
        };
    let mut tls = match (identity, &config.cert, &config.key) {
        (Some((chain, key)), _, _) => builder.with_client_auth_cert(chain, key).map_err(|e| {
            Error::new(
                ErrorKind::Credentials,
                format!("client certificate/key from the .p12: {e}"),
            )
        })?,
        (None, Some(cert), Some(key)) => {
            let (chain, key) = load_identity(&cert.load("certificate")?, &key.load("key")?)?;
            builder.with_client_auth_cert(chain, key).map_err(|e| {
                Error::new(
                    ErrorKind::Credentials,
                    format!("client certificate/key: {e}"),
                )
            })?
        }
        (None, None, None) => builder.with_no_client_auth(),
        _ => {
            return Err(Error::new(
                ErrorKind::Credentials,
                "a client certificate needs both cert_file/cert_pem and key_file/key_pem",
            ))
        }
    };
    tls.alpn_protocols = alpn.iter().map(|p| p.to_vec()).collect();
    Ok(Arc::new(tls))
}

/// Reads a PKCS#12 file: its certificate chain and PKCS#8 private key. Errors name the path,
/// never the password or key.
fn load_p12(
    path: &str,
    password: &str,
) -> Result<(Vec<CertificateDer<'static>>, PrivateKeyDer<'static>)> {
    let bytes = std::fs::read(path).map_err(|e| {
        Error::new(
            ErrorKind::Credentials,
            format!("cannot read cert_p12_file {}: {e}", shown_path(path)),
        )
    })?;
    let store = p12_keystore::KeyStore::from_pkcs12(
        &bytes,
        password,
        p12_keystore::Pkcs12ImportPolicy::Relaxed,
    )
    .map_err(|_| {
        Error::new(
            ErrorKind::Credentials,
            format!(
                "cannot open {}: not PKCS#12, or the password (cert_p12_password) is wrong",
                shown_path(path)
            ),
        )
    })?;
    let (_, chain) = store.private_key_chain().ok_or_else(|| {
        Error::new(
            ErrorKind::Credentials,
            format!(
                "{} holds no private key with its certificate",
                shown_path(path)
            ),
        )
    })?;
    let certs: Vec<CertificateDer<'static>> = chain
        .certs()
        .iter()
        .map(|c| CertificateDer::from(c.as_der().to_vec()))
        .collect();
    if certs.is_empty() {
        return Err(Error::new(
            ErrorKind::Credentials,
            format!(
                "{} holds a private key but no certificate",
                shown_path(path)
            ),
        ));
    }
    let key = PrivateKeyDer::Pkcs8(chain.key().as_der().to_vec().into());
    Ok((certs, key))
}

/// What is wrong with PEM text, in fixed words: the parser's own messages quote the offending
/// line, which may be the whole text when its line breaks were lost.
fn pem_problem(e: &rustls::pki_types::pem::Error) -> &'static str {
    use rustls::pki_types::pem::Error as E;
    match e {
        E::MissingSectionEnd { .. } => "a section has no END line",
        E::IllegalSectionStart { .. } => "malformed BEGIN line (PEM text needs its line breaks)",
        E::Base64Decode(_) => "the body is not valid base64",
        E::NoItemsFound => "no PEM section found",
        _ => "malformed PEM text",
    }
}

fn load_identity(
    cert_pem: &[u8],
    key_pem: &[u8],
) -> Result<(Vec<CertificateDer<'static>>, PrivateKeyDer<'static>)> {
    let chain = CertificateDer::pem_slice_iter(cert_pem)
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(|e| {
            Error::new(
                ErrorKind::Credentials,
                format!("certificate PEM: {}", pem_problem(&e)),
            )
        })?;
    if chain.is_empty() {
        return Err(Error::new(
            ErrorKind::Credentials,
            "certificate PEM holds no certificate",
        ));
    }
    let key = PrivateKeyDer::from_pem_slice(key_pem).map_err(|_| {
        Error::new(
            ErrorKind::Credentials,
            "key PEM holds no usable private key (PKCS#8, PKCS#1 or SEC1)",
        )
    })?;
    Ok((chain, key))
}

/// An established TLS connection shared by one writer and one reader thread.
/// Contracts: the rustls state lock is never held across a blocking socket call, and records
/// reach the socket in the order rustls encrypted them. Records are taken out of rustls only
/// by the holder of `out`, who writes them before releasing it; whoever holds `out` looks
/// again, under the rustls lock, for records queued meanwhile (by the reader: an alert, a
/// TLS 1.2 renegotiation refusal) and sends them before letting `out` go. Lock order: `out`,
/// then `tls`; the reader, holding `tls`, only ever tries `out` without waiting.
pub(crate) struct TlsConn {
    tls: Mutex<ClientConnection>,
    /// The writer's socket handle, also the lock that keeps encrypted records in order.
    out: Mutex<TcpStream>,
    /// The reader's socket handle (a clone of `out`'s socket).
    input: TcpStream,
    /// Set when the acceptance wait left plaintext or a close inside rustls: the next `read`
    /// returns it before touching the socket, so nothing the server sent is lost.
    held: AtomicBool,
}

/// How `TlsConn::connect` learns that the server accepted the client. Under TLS 1.3 the server
/// judges the client certificate after the client's handshake has ended, so a refusal (an
/// alert, or a bare close) only arrives after `complete_io` said the handshake was done.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Acceptance {
    /// Do not wait (the feedback service, whose whole answer may be a close).
    Assumed,
    /// HTTP/2: the server's first application bytes (its SETTINGS, always its first frame)
    /// prove it; wait for them as [`first_bytes_wait`] says. A server that says nothing before
    /// our preface (RFC 9113 allows it) is not refused: the connection proceeds after the wait.
    FirstBytes,
    /// Binary: the gateway never speaks on acceptance, so wait a short grace for an alert
    /// (see [`alert_grace`]); any clean TLS record (a session ticket) ends the wait early.
    NoAlert,
}

/// The binary protocol's wait for a refusal alert, from the measured handshake time. The
/// server's verdict costs about one handshake: our last flight's trip, its certificate check,
/// and the alert's trip back. Twice that covers jitter; the floor covers loopback and a busy
/// scheduler, where the handshake itself is a few milliseconds; the ceiling bounds what every
/// connect pays against a gateway that sends no session ticket.
pub(crate) fn alert_grace(handshake: Duration) -> Duration {
    (handshake * 2).clamp(Duration::from_millis(50), Duration::from_millis(500))
}

/// HTTP/2's wait for the server's SETTINGS (sent as soon as the handshake ends, by Apple
/// and every server we tried): four handshakes, at least 100 ms, at most 1 s and
/// `connect_timeout`. Past it the client writes its preface anyway.
pub(crate) fn first_bytes_wait(handshake: Duration, connect_timeout: Duration) -> Duration {
    (handshake * 4)
        .max(Duration::from_millis(100))
        .min(Duration::from_secs(1))
        .min(connect_timeout)
}

impl TlsConn {
    /// Opens the TCP stream with [`open_stream`] (directly or through the configured proxy,
    /// within `connect_timeout_ms`), completes the handshake with `host` (SNI and verification
    /// against it, never the proxy), waits for the server's acceptance as `acceptance` says,
    /// and returns the split connection. `Connect` for TCP and proxy failures; `Tls` for
    /// handshake/verification failures and for a server that ends the session before
    /// accepting us; `Credentials` when its alert refuses our certificate, or the proxy
    /// refuses its credentials.
    pub(crate) fn connect(
        tls: &Arc<ClientConfig>,
        config: &Config,
        host: &str,
        port: u16,
        acceptance: Acceptance,
    ) -> Result<TlsConn> {
        let (connect_timeout, write_timeout) = (config.connect_timeout, config.write_timeout);
        let sock = open_stream(config, host, port)?;
        let io = |e: std::io::Error| Error::new(ErrorKind::Connect, format!("{host}:{port}: {e}"));
        sock.set_nodelay(true).map_err(io)?;
        sock.set_read_timeout(Some(connect_timeout)).map_err(io)?;
        sock.set_write_timeout(Some(write_timeout)).map_err(io)?;
        let name = ServerName::try_from(host.to_owned()).map_err(|_| {
            Error::new(
                ErrorKind::InvalidConfigValue,
                format!("host {host:?} is not a valid server name"),
            )
        })?;
        let mut conn = ClientConnection::new(tls.clone(), name)
            .map_err(|e| Error::new(ErrorKind::Tls, e.to_string()))?;
        let has_cert = tls.client_auth_cert_resolver.has_certs();
        let started = Instant::now();
        while conn.is_handshaking() {
            conn.complete_io(&mut NoSigPipe(&sock))
                .map_err(|e| handshake_error(host, port, has_cert, e))?;
        }
        // Flush anything the handshake left (client Finished under TLS 1.3).
        while conn.wants_write() {
            conn.write_tls(&mut NoSigPipe(&sock))
                .map_err(|e| handshake_error(host, port, has_cert, e))?;
        }
        let handshake = started.elapsed();
        let wait = match acceptance {
            Acceptance::Assumed => None,
            Acceptance::FirstBytes => Some(first_bytes_wait(handshake, connect_timeout)),
            Acceptance::NoAlert => Some(alert_grace(handshake)),
        };
        let held = match wait {
            Some(wait) => await_acceptance(&mut conn, &sock, acceptance, wait)
                .map_err(|e| refused_error(host, port, has_cert, e))?,
            None => false,
        };
        sock.set_read_timeout(Some(connect_timeout)).map_err(io)?;
        conn.set_buffer_limit(None);
        let input = sock.try_clone().map_err(io)?;
        Ok(TlsConn {
            tls: Mutex::new(conn),
            out: Mutex::new(sock),
            input,
            held: AtomicBool::new(held),
        })
    }

    /// The negotiated ALPN protocol.
    pub(crate) fn alpn(&self) -> Option<Vec<u8>> {
        self.tls.lock().alpn_protocol().map(|p| p.to_vec())
    }

    /// Encrypts `plain` and writes it. Blocks up to the write timeout per socket write.
    pub(crate) fn write_all(&self, plain: &[u8], scratch: &mut Vec<u8>) -> std::io::Result<()> {
        let out = self.out.lock();
        let mut tls = self.tls.lock();
        tls.writer().write_all(plain)?;
        self.send_queued(out, tls, scratch)
    }

    /// Encrypts and writes `plain` unless the writer keeps the socket for longer than
    /// `patience` (then `Ok(false)`, nothing written): for a last word from the reader, which
    /// must not wait long for a writer that may be blocked on a peer that does not read.
    pub(crate) fn write_if_idle(&self, plain: &[u8], patience: Duration) -> std::io::Result<bool> {
        let Some(out) = self.out.try_lock_for(patience) else {
            return Ok(false);
        };
        let mut tls = self.tls.lock();
        tls.writer().write_all(plain)?;
        self.send_queued(out, tls, &mut Vec::new())?;
        Ok(true)
    }

    /// With `out` and the rustls lock held: takes every queued record out of rustls, releases
    /// the rustls lock, writes them, and repeats until rustls has nothing queued; then releases
    /// `out` while still holding the rustls lock, so a record queued by the reader after that
    /// look finds `out` free (see [`TlsConn`]).
    fn send_queued<'a>(
        &'a self,
        mut out: MutexGuard<'a, TcpStream>,
        mut tls: MutexGuard<'a, ClientConnection>,
        scratch: &mut Vec<u8>,
    ) -> std::io::Result<()> {
        while tls.wants_write() {
            scratch.clear();
            while tls.wants_write() {
                tls.write_tls(scratch)?;
            }
            drop(tls);
            out.write_all(scratch)?;
            tls = self.tls.lock();
        }
        drop(out);
        Ok(())
    }

    /// Blocks until ciphertext arrives (or the read timeout passes), then decrypts it and
    /// appends the plaintext to `plain`. `Ok(false)` means the peer closed the stream (the
    /// plaintext that came before the close is still appended).
    /// Timeouts come back as `ErrorKind::WouldBlock`/`TimedOut`.
    pub(crate) fn read(&self, raw: &mut [u8], plain: &mut Vec<u8>) -> std::io::Result<bool> {
        if self.held.swap(false, Relaxed) {
            let mut tls = self.tls.lock();
            let state = tls
                .process_new_packets()
                .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e))?;
            let avail = state.plaintext_bytes_to_read();
            let start = plain.len();
            plain.resize(start + avail, 0);
            tls.reader().read_exact(&mut plain[start..])?;
            self.send_reader_records(tls)?;
            return Ok(!state.peer_has_closed());
        }
        let n = (&self.input).read(raw)?;
        if n == 0 {
            return Ok(false);
        }
        let mut closed = false;
        {
            let mut tls = self.tls.lock();
            let mut data = &raw[..n];
            while !data.is_empty() {
                tls.read_tls(&mut data)?;
                let state = tls
                    .process_new_packets()
                    .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e))?;
                let avail = state.plaintext_bytes_to_read();
                if avail > 0 {
                    let start = plain.len();
                    plain.resize(start + avail, 0);
                    tls.reader().read_exact(&mut plain[start..])?;
                }
                if state.peer_has_closed() {
                    closed = true;
                    break;
                }
            }
            self.send_reader_records(tls)?;
        }
        Ok(!closed)
    }

    /// Sends what processing input made rustls queue. If `out` is busy its holder sends it
    /// (after its own earlier records, before any later one): the reader never waits for a
    /// writer that may be blocked on a peer that is waiting for us to read.
    fn send_reader_records<'a>(
        &'a self,
        tls: MutexGuard<'a, ClientConnection>,
    ) -> std::io::Result<()> {
        if !tls.wants_write() {
            return Ok(());
        }
        match self.out.try_lock() {
            Some(out) => self.send_queued(out, tls, &mut Vec::new()),
            None => Ok(()),
        }
    }

    pub(crate) fn set_read_timeout(&self, timeout: Duration) -> std::io::Result<()> {
        self.input.set_read_timeout(Some(timeout))
    }

    /// Unblocks both threads: any pending or later socket call fails at once.
    pub(crate) fn shutdown(&self) {
        let _ = self.input.shutdown(Shutdown::Both);
    }
}

/// A socket view whose writes never raise SIGPIPE. rustls writes with `write_vectored`, which
/// std implements with `writev` (no MSG_NOSIGNAL): in a C host that does not ignore SIGPIPE, a
/// peer that closed mid-handshake would kill the process. Plain `write` goes through
/// `send(MSG_NOSIGNAL)`, so this type keeps the default one-buffer `write_vectored`.
pub(crate) struct NoSigPipe<'a>(pub(crate) &'a TcpStream);

impl Read for NoSigPipe<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        (&mut &*self.0).read(buf)
    }
}

impl Write for NoSigPipe<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        (&mut &*self.0).write(buf)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn handshake_error(host: &str, port: u16, has_cert: bool, e: std::io::Error) -> Error {
    if let Some((kind, why)) = tls_failure(&e, has_cert) {
        return Error::new(
            kind,
            format!("TLS handshake with {host}:{port} failed: {why}"),
        );
    }
    let kind = match e.kind() {
        std::io::ErrorKind::InvalidData => ErrorKind::Tls,
        _ => ErrorKind::Connect,
    };
    Error::new(
        kind,
        format!("TLS handshake with {host}:{port} failed: {e}"),
    )
}

/// Why the server did not accept us in the acceptance wait.
enum Refusal {
    /// A TLS error (an alert, most often) or a socket error.
    Failed(std::io::Error),
    /// The server closed or reset the connection without an alert.
    Closed(&'static str),
}

/// Reads what the server sends right after the handshake, until `acceptance` is decided or
/// `wait` passes (see [`Acceptance`]). `Ok(true)` when plaintext or a close is left inside
/// rustls for the first `read`. Writes only what rustls itself must answer, never
/// application data.
fn await_acceptance(
    conn: &mut ClientConnection,
    sock: &TcpStream,
    acceptance: Acceptance,
    wait: Duration,
) -> std::result::Result<bool, Refusal> {
    let end = Instant::now() + wait;
    let mut raw = [0u8; 16 * 1024];
    loop {
        let left = end.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Ok(false);
        }
        sock.set_read_timeout(Some(left.max(Duration::from_millis(1))))
            .map_err(Refusal::Failed)?;
        let n = match (&mut &*sock).read(&mut raw) {
            Ok(0) => return Err(Refusal::Closed("closed")),
            Ok(n) => n,
            Err(e) => match e.kind() {
                std::io::ErrorKind::WouldBlock
                | std::io::ErrorKind::TimedOut
                | std::io::ErrorKind::Interrupted => continue,
                std::io::ErrorKind::ConnectionReset | std::io::ErrorKind::ConnectionAborted => {
                    return Err(Refusal::Closed("reset"))
                }
                _ => return Err(Refusal::Failed(e)),
            },
        };
        let mut data = &raw[..n];
        let mut state = None;
        while !data.is_empty() {
            conn.read_tls(&mut data).map_err(Refusal::Failed)?;
            let s = conn.process_new_packets().map_err(|e| {
                Refusal::Failed(std::io::Error::new(std::io::ErrorKind::InvalidData, e))
            })?;
            state = Some(s);
        }
        while conn.wants_write() {
            conn.write_tls(&mut NoSigPipe(sock))
                .map_err(Refusal::Failed)?;
        }
        let Some(state) = state else { continue };
        if state.plaintext_bytes_to_read() > 0 {
            return Ok(true);
        }
        if state.peer_has_closed() {
            return Err(Refusal::Closed("closed"));
        }
        if acceptance == Acceptance::NoAlert {
            // A clean record (a session ticket): the server got past our certificate.
            return Ok(false);
        }
    }
}

fn refused_error(host: &str, port: u16, has_cert: bool, refusal: Refusal) -> Error {
    match refusal {
        Refusal::Failed(e) => match tls_failure(&e, has_cert) {
            Some((kind, why)) => Error::new(
                kind,
                format!("{host}:{port}: {why}{}", before_acceptance(kind)),
            ),
            None => Error::new(
                ErrorKind::Connect,
                format!("{host}:{port} right after the TLS handshake: {e}"),
            ),
        },
        Refusal::Closed(how) => Error::new(
            ErrorKind::Tls,
            format!(
                "{host}:{port} {how} the connection right after the TLS handshake, before \
                 accepting it (does it trust the client certificate?)"
            ),
        ),
    }
}

/// What to add to a TLS failure the server reported before it accepted us: under TLS 1.3
/// what it judges then is our certificate, even when its alert does not say so.
pub(crate) fn before_acceptance(kind: ErrorKind) -> &'static str {
    match kind {
        ErrorKind::Credentials => "",
        _ => " (before accepting the client: does it trust the client certificate?)",
    }
}

/// The alert the server ended the session with, if that is what `e` reports.
pub(crate) fn received_alert(e: &std::io::Error) -> Option<AlertDescription> {
    match e.get_ref()?.downcast_ref::<rustls::Error>()? {
        rustls::Error::AlertReceived(alert) => Some(*alert),
        _ => None,
    }
}

/// How a TLS failure reads for the caller: `Credentials` when the server's alert refuses
/// our client certificate, `Tls` for any other alert or TLS error; `None` for a socket error
/// that is not TLS. `has_cert` says whether a client certificate was configured.
pub(crate) fn tls_failure(e: &std::io::Error, has_cert: bool) -> Option<(ErrorKind, String)> {
    if let Some(alert) = received_alert(e) {
        return Some(alert_failure(alert, has_cert));
    }
    let is_tls = e
        .get_ref()
        .map(|inner| inner.is::<rustls::Error>())
        .unwrap_or(false);
    is_tls.then(|| (ErrorKind::Tls, e.to_string()))
}

/// `Credentials` for the alerts a server sends about the client's certificate, `Tls` for the
/// others; the text names the alert.
pub(crate) fn alert_failure(alert: AlertDescription, has_cert: bool) -> (ErrorKind, String) {
    let name = match alert {
        AlertDescription::BadCertificate => "bad_certificate",
        AlertDescription::CertificateRequired => "certificate_required",
        AlertDescription::UnknownCA => "unknown_ca",
        AlertDescription::CertificateUnknown => "certificate_unknown",
        AlertDescription::CertificateRevoked => "certificate_revoked",
        AlertDescription::CertificateExpired => "certificate_expired",
        AlertDescription::AccessDenied => "access_denied",
        other => {
            return (
                ErrorKind::Tls,
                format!("the server ended the TLS session: TLS alert {other:?}"),
            )
        }
    };
    let why = if has_cert {
        format!("the server refused the client certificate: TLS alert {name}")
    } else {
        format!(
            "the server requires a client certificate and none is configured \
             (cert_file/cert_pem and key_file/key_pem, or cert_p12_file): TLS alert {name}"
        )
    };
    (ErrorKind::Credentials, why)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alerts_about_the_client_certificate_are_credentials_and_named() {
        let cert_alerts = [
            (AlertDescription::BadCertificate, "bad_certificate"),
            (
                AlertDescription::CertificateRequired,
                "certificate_required",
            ),
            (AlertDescription::UnknownCA, "unknown_ca"),
            (AlertDescription::CertificateUnknown, "certificate_unknown"),
            (AlertDescription::CertificateRevoked, "certificate_revoked"),
            (AlertDescription::CertificateExpired, "certificate_expired"),
            (AlertDescription::AccessDenied, "access_denied"),
        ];
        for (alert, name) in cert_alerts {
            let e = std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                rustls::Error::AlertReceived(alert),
            );
            let (kind, why) = tls_failure(&e, true).unwrap();
            assert_eq!(kind, ErrorKind::Credentials, "{why}");
            assert!(why.ends_with(&format!("TLS alert {name}")), "{why}");
        }
        let e = std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            rustls::Error::AlertReceived(AlertDescription::HandshakeFailure),
        );
        assert_eq!(tls_failure(&e, true).unwrap().0, ErrorKind::Tls);
        let reset = std::io::Error::from(std::io::ErrorKind::ConnectionReset);
        assert_eq!(tls_failure(&reset, true), None);
    }
}
