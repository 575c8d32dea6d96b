//! The mock's throwaway certificate authority: a CA, a server certificate for the loopback
//! names, and one client certificate, all freshly generated per `MockServer`.

use std::sync::Arc;

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};
use rustls::server::WebPkiClientVerifier;
use rustls::{RootCertStore, ServerConfig};
use rustls_pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

use crate::error::{Error, ErrorKind, Result};

/// Names the server certificate is valid for.
const SERVER_NAMES: [&str; 3] = ["localhost", "127.0.0.1", "::1"];

/// Everything the mock generated. Private keys never leave this struct except the client key,
/// which is handed to the client under test.
pub(crate) struct Credentials {
    pub ca_pem: String,
    pub client_cert_pem: String,
    pub client_key_pem: String,
    ca_der: CertificateDer<'static>,
    server_cert_der: CertificateDer<'static>,
    server_key_der: Vec<u8>,
}

fn credentials_error(what: &str, e: rcgen::Error) -> Error {
    Error::new(
        ErrorKind::Credentials,
        format!("mock could not generate the {what}: {e}"),
    )
}

impl Credentials {
    /// Generates a P-256 CA and the server and client certificates it signs.
    pub fn generate() -> Result<Credentials> {
        let ca_key = KeyPair::generate().map_err(|e| credentials_error("CA key", e))?;
        let mut ca_params = CertificateParams::new(Vec::<String>::new())
            .map_err(|e| credentials_error("CA parameters", e))?;
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        // A name of its own, so another mock's client certificate is refused as unknown_ca
        // (as by Apple), not as a same-named issuer's bad signature (decrypt_error).
        static SEQ: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let seq = SEQ.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let name = format!("apnspush mock CA {}.{seq}", std::process::id());
        ca_params.distinguished_name.push(DnType::CommonName, name);
        ca_params.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        let ca_cert = ca_params
            .self_signed(&ca_key)
            .map_err(|e| credentials_error("CA certificate", e))?;
        let issuer = Issuer::new(ca_params, ca_key);

        let server_names: Vec<String> = SERVER_NAMES.iter().map(|s| s.to_string()).collect();
        let server_key = KeyPair::generate().map_err(|e| credentials_error("server key", e))?;
        let mut server_params = CertificateParams::new(server_names)
            .map_err(|e| credentials_error("server parameters", e))?;
        server_params
            .distinguished_name
            .push(DnType::CommonName, "localhost");
        server_params.use_authority_key_identifier_extension = true;
        server_params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        server_params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        let server_cert = server_params
            .signed_by(&server_key, &issuer)
            .map_err(|e| credentials_error("server certificate", e))?;

        let client_key = KeyPair::generate().map_err(|e| credentials_error("client key", e))?;
        let mut client_params = CertificateParams::new(Vec::<String>::new())
            .map_err(|e| credentials_error("client parameters", e))?;
        client_params
            .distinguished_name
            .push(DnType::CommonName, "apnspush mock client");
        client_params.use_authority_key_identifier_extension = true;
        client_params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        client_params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
        let client_cert = client_params
            .signed_by(&client_key, &issuer)
            .map_err(|e| credentials_error("client certificate", e))?;

        Ok(Credentials {
            ca_pem: ca_cert.pem(),
            client_cert_pem: client_cert.pem(),
            client_key_pem: client_key.serialize_pem(),
            ca_der: ca_cert.der().clone(),
            server_cert_der: server_cert.der().clone(),
            server_key_der: server_key.serialize_der(),
        })
    }

    /// A ring-backed server config presenting the server certificate; with `require_client_cert`
    /// the handshake fails unless the client presents a certificate signed by this CA.
    /// `alpn` lists the protocols offered ("h2" for the HTTP/2 gateway).
    pub fn server_config(
        &self,
        require_client_cert: bool,
        alpn: &[&[u8]],
    ) -> Result<Arc<ServerConfig>> {
        let tls_error = |what: &str, e: &dyn std::fmt::Display| {
            Error::new(
                ErrorKind::Tls,
                format!("mock could not build its TLS {what}: {e}"),
            )
        };
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let builder = ServerConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()
            .map_err(|e| tls_error("protocol versions", &e))?;
        let builder = if require_client_cert {
            let mut roots = RootCertStore::empty();
            roots
                .add(self.ca_der.clone())
                .map_err(|e| tls_error("trust store", &e))?;
            let verifier = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider)
                .build()
                .map_err(|e| tls_error("client verifier", &e))?;
            builder.with_client_cert_verifier(verifier)
        } else {
            builder.with_no_client_auth()
        };
        let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(self.server_key_der.clone()));
        let mut config = builder
            .with_single_cert(vec![self.server_cert_der.clone()], key)
            .map_err(|e| tls_error("server certificate", &e))?;
        config.alpn_protocols = alpn.iter().map(|p| p.to_vec()).collect();
        Ok(Arc::new(config))
    }
}
