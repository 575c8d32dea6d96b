//! A fresh CA, a server certificate for 127.0.0.1/localhost signed by it, and (for token auth)
//! a provider signing key to hand to the client.

use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use std::sync::Arc;

pub struct Credentials {
    pub server_config: Arc<rustls::ServerConfig>,
    pub ca_pem: String,
    /// Configuration pairs for token auth (empty without it).
    pub token_auth: Vec<(&'static str, String)>,
}

pub fn generate(token_auth: bool) -> Result<Credentials, String> {
    let e = |e: rcgen::Error| e.to_string();
    let ca_key = KeyPair::generate().map_err(e)?;
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).map_err(e)?;
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "apnspush-h2-server CA");
    let ca_cert = ca_params.self_signed(&ca_key).map_err(e)?;
    let issuer = Issuer::new(ca_params, ca_key);
    let key = KeyPair::generate().map_err(e)?;
    let mut params = CertificateParams::new(vec!["127.0.0.1".to_string(), "localhost".to_string()])
        .map_err(e)?;
    params
        .distinguished_name
        .push(DnType::CommonName, "localhost");
    let cert = params.signed_by(&key, &issuer).map_err(e)?;

    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut server_config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .with_no_client_auth()
        .with_single_cert(
            vec![CertificateDer::from(cert.der().to_vec())],
            PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der())),
        )
        .map_err(|e| e.to_string())?;
    server_config.alpn_protocols = vec![b"h2".to_vec()];

    let mut pairs = Vec::new();
    if token_auth {
        // rcgen's default key is ECDSA P-256 in PKCS#8: what Apple's .p8 files hold.
        let signing = KeyPair::generate().map_err(e)?;
        pairs.push(("auth_key_pem", signing.serialize_pem()));
        pairs.push(("key_id", "H2SRV00001".to_string()));
        pairs.push(("team_id", "H2TEAM0001".to_string()));
        pairs.push(("topic", "com.example.h2server".to_string()));
    }
    Ok(Credentials {
        server_config: Arc::new(server_config),
        ca_pem: ca_cert.pem(),
        token_auth: pairs,
    })
}
