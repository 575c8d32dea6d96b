//! Certificate auth from a PKCS#12 (.p12) file, as Apple hands them out: modern (AES-256,
//! HMAC-SHA256) and legacy (3DES, HMAC-SHA1) encodings both load; a wrong password is a
//! CREDENTIALS error that does not echo the password.

mod common;

use apnspush::mock::MockOptions;
use apnspush::{Config, ErrorKind, OutcomeKind, Pusher};
use common::*;
use p12_keystore::{
    Certificate, EncryptionAlgorithm, KeyStore, KeyStoreEntry, MacAlgorithm, PrivateKey,
    PrivateKeyChain,
};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivatePkcs8KeyDer};

/// Writes the mock's client identity as a .p12 file and returns its path.
fn write_p12(
    mock: &apnspush::mock::MockServer,
    password: &str,
    legacy: bool,
    name: &str,
) -> String {
    let cert = CertificateDer::from_pem_slice(mock.client_cert_pem().as_bytes()).unwrap();
    let key = PrivatePkcs8KeyDer::from_pem_slice(mock.client_key_pem().as_bytes()).unwrap();
    let chain = PrivateKeyChain::new(
        "apnspush-test",
        PrivateKey::from_der(key.secret_pkcs8_der()).unwrap(),
        [Certificate::from_der(cert.as_ref()).unwrap()],
    );
    let mut store = KeyStore::new();
    store.add_entry("client", KeyStoreEntry::PrivateKeyChain(chain));
    let mut writer = store.writer(password);
    if legacy {
        writer = writer
            .encryption_algorithm(EncryptionAlgorithm::PbeWithShaAnd3KeyTripleDesCbc)
            .mac_algorithm(MacAlgorithm::HmacSha1);
    }
    let path = std::env::temp_dir().join(format!("apnspush-{}-{name}.p12", std::process::id()));
    std::fs::write(&path, writer.write().unwrap()).unwrap();
    path.to_string_lossy().into_owned()
}

fn p12_config(mock: &apnspush::mock::MockServer, path: &str, password: &str) -> Config {
    let mut c = config(mock, &[]);
    c.set("cert_pem", "").unwrap();
    c.set("key_pem", "").unwrap();
    c.set("cert_p12_file", path).unwrap();
    c.set("cert_p12_password", password).unwrap();
    c
}

#[test]
fn a_p12_identity_authenticates_over_both_protocols() {
    for (options, legacy) in [
        (MockOptions::default(), false),
        (MockOptions::http2(), true),
    ] {
        let m = mock(options);
        let path = write_p12(
            &m,
            "s3cret-pw",
            legacy,
            if legacy { "legacy" } else { "modern" },
        );
        let p = Pusher::new(p12_config(&m, &path, "s3cret-pw")).unwrap();
        let o = p.ensure_push(notification(1), WAIT).unwrap();
        assert_eq!(o.kind, OutcomeKind::Accepted, "{o:?}");
        assert_eq!(m.accepted_count(), 1);
        let _ = std::fs::remove_file(path);
    }
}

#[test]
fn a_wrong_password_is_a_credentials_error_without_the_password() {
    let m = mock(MockOptions::default());
    let path = write_p12(&m, "right-pw", false, "wrongpw");
    let err = Pusher::new(p12_config(&m, &path, "wrong-pw-XYZ"))
        .err()
        .unwrap();
    assert_eq!(err.kind(), ErrorKind::Credentials);
    assert!(!err.to_string().contains("wrong-pw-XYZ"), "{err}");
    assert!(err.message().contains(&path));
    let _ = std::fs::remove_file(path);
}

#[test]
fn p12_and_pem_identities_are_exclusive() {
    let m = mock(MockOptions::default());
    let path = write_p12(&m, "pw", false, "both");
    let mut c = config(&m, &[]);
    c.set("cert_p12_file", &path).unwrap();
    let err = Pusher::new(c).err().unwrap();
    assert_eq!(err.kind(), ErrorKind::Credentials);
    let _ = std::fs::remove_file(path);
}
