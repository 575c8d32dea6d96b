//! TLS client set-up and a connection split for a writer thread and a reader thread.
//! Verification is always on: webpki roots plus an optional extra CA (`ca_file`/`ca_pem`).

use crate::config::{shown_path, Config};
use crate::error::{Error, ErrorKind, Result};
use parking_lot::Mutex;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use rustls::{ClientConfig, ClientConnection, RootCertStore};
use std::io::{Read, Write};
use std::net::{Shutdown, TcpStream, ToSocketAddrs};
use std::sync::Arc;
use std::time::Duration;

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
/// Contract: the rustls state lock is never held across a blocking socket call.
pub(crate) struct TlsConn {
    tls: Mutex<ClientConnection>,
    /// The writer's socket handle, also the lock that keeps encrypted records in order.
    out: Mutex<TcpStream>,
    /// The reader's socket handle (a clone of `out`'s socket).
    input: TcpStream,
}

impl TlsConn {
    /// Resolves, connects within `connect_timeout`, completes the handshake, and returns the
    /// split connection. `Connect` for TCP failures, `Tls` for handshake/verification ones.
    pub(crate) fn connect(
        tls: &Arc<ClientConfig>,
        host: &str,
        port: u16,
        connect_timeout: Duration,
        write_timeout: Duration,
    ) -> Result<TlsConn> {
        let addrs: Vec<_> = (host, port)
            .to_socket_addrs()
            .map_err(|e| {
                Error::new(
                    ErrorKind::Connect,
                    format!("cannot resolve {host}:{port}: {e}"),
                )
            })?
            .collect();
        let mut last = None;
        let mut sock = None;
        for addr in addrs {
            match TcpStream::connect_timeout(&addr, connect_timeout) {
                Ok(s) => {
                    sock = Some(s);
                    break;
                }
                Err(e) => last = Some(e),
            }
        }
        let sock = sock.ok_or_else(|| {
            let why = last
                .map(|e| e.to_string())
                .unwrap_or_else(|| "no address".into());
            Error::new(
                ErrorKind::Connect,
                format!("cannot connect to {host}:{port}: {why}"),
            )
        })?;
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
        while conn.is_handshaking() {
            conn.complete_io(&mut NoSigPipe(&sock))
                .map_err(|e| handshake_error(host, port, e))?;
        }
        // Flush anything the handshake left (client Finished under TLS 1.3).
        while conn.wants_write() {
            conn.write_tls(&mut NoSigPipe(&sock))
                .map_err(|e| handshake_error(host, port, e))?;
        }
        conn.set_buffer_limit(None);
        let input = sock.try_clone().map_err(io)?;
        Ok(TlsConn {
            tls: Mutex::new(conn),
            out: Mutex::new(sock),
            input,
        })
    }

    /// The negotiated ALPN protocol.
    pub(crate) fn alpn(&self) -> Option<Vec<u8>> {
        self.tls.lock().alpn_protocol().map(|p| p.to_vec())
    }

    /// Encrypts `plain` and writes it. Blocks up to the write timeout per socket write.
    pub(crate) fn write_all(&self, plain: &[u8], scratch: &mut Vec<u8>) -> std::io::Result<()> {
        let mut out = self.out.lock();
        scratch.clear();
        {
            let mut tls = self.tls.lock();
            tls.writer().write_all(plain)?;
            while tls.wants_write() {
                tls.write_tls(scratch)?;
            }
        }
        out.write_all(scratch)
    }

    /// Blocks until ciphertext arrives (or the read timeout passes), then decrypts it and
    /// appends the plaintext to `plain`. `Ok(false)` means the peer closed the stream (the
    /// plaintext that came before the close is still appended).
    /// Timeouts come back as `ErrorKind::WouldBlock`/`TimedOut`.
    pub(crate) fn read(&self, raw: &mut [u8], plain: &mut Vec<u8>) -> std::io::Result<bool> {
        let n = (&self.input).read(raw)?;
        if n == 0 {
            return Ok(false);
        }
        let mut pending = Vec::new();
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
            while tls.wants_write() {
                tls.write_tls(&mut pending)?;
            }
        }
        if !pending.is_empty() {
            self.out.lock().write_all(&pending)?;
        }
        Ok(!closed)
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

fn handshake_error(host: &str, port: u16, e: std::io::Error) -> Error {
    let kind = if e
        .get_ref()
        .map(|inner| inner.is::<rustls::Error>())
        .unwrap_or(false)
    {
        ErrorKind::Tls
    } else {
        match e.kind() {
            std::io::ErrorKind::InvalidData => ErrorKind::Tls,
            _ => ErrorKind::Connect,
        }
    };
    Error::new(
        kind,
        format!("TLS handshake with {host}:{port} failed: {e}"),
    )
}
