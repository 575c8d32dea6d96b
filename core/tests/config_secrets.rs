//! No key material in any message: `*_file` keys refuse PEM text and over-long values without
//! echoing them, and no error (at `Config::set` or at `Pusher::new`), `Debug` output or
//! `Stats::last_error` quotes a line of a secret's PEM body.

mod common;

use apnspush::config::{FILE_KEYS, MAX_PATH_LEN, SECRET_KEYS};
use apnspush::http2::jwt::generate_test_key_pem;
use apnspush::mock::MockOptions;
use apnspush::{Config, ErrorKind, Pusher};
use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use common::*;
use std::time::{Duration, Instant};

/// The base64 lines between the BEGIN and END lines.
fn body_lines(pem: &str) -> Vec<&str> {
    pem.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with("-----"))
        .collect()
}

/// Fails unless `text` is free of every body line of `pem`, both as text and as the list of
/// byte values a `Debug` of raw bytes would print. Never prints `text` or the key.
fn assert_clean(text: &str, pem: &str, what: &str) {
    for (i, line) in body_lines(pem).iter().enumerate() {
        assert!(
            !text.contains(line),
            "{what}: the message quotes line {i} of the PEM body"
        );
        let bytes = format!("{:?}", &line.as_bytes()[..12]);
        assert!(
            !text.contains(bytes.trim_matches(['[', ']'])),
            "{what}: the message quotes line {i} of the PEM body as bytes"
        );
    }
}

/// PEM text with 64-character lines around `der`.
fn pem_of(label: &str, der: &[u8]) -> String {
    let body = STANDARD.encode(der);
    let mut pem = format!("-----BEGIN {label}-----\n");
    for line in body.as_bytes().chunks(64) {
        pem.push_str(std::str::from_utf8(line).unwrap());
        pem.push('\n');
    }
    pem.push_str(&format!("-----END {label}-----\n"));
    pem
}

/// A freshly generated P-256 key whose DER is reversed: PEM-shaped, unique, and not a key.
fn malformed_key_pem(label: &str) -> String {
    let real = generate_test_key_pem();
    let mut der = STANDARD.decode(body_lines(&real).concat()).unwrap();
    der.reverse();
    pem_of(label, &der)
}

/// The ways a PEM value arrives broken from an environment variable: intact but not a key,
/// its line breaks turned into spaces, or written as literal `\n` escapes.
fn broken_variants(label: &str) -> Vec<(&'static str, String, String)> {
    let intact = malformed_key_pem(label);
    let real = generate_test_key_pem().replace("PRIVATE KEY", label);
    vec![
        ("not a key", intact.clone(), intact),
        ("line breaks lost", real.replace('\n', " "), real.clone()),
        ("literal \\n", real.replace('\n', "\\n"), real),
    ]
}

fn set_err(c: &mut Config, key: &str, value: &str) -> apnspush::Error {
    match c.set(key, value) {
        Ok(()) => panic!("{key}: the value was accepted"),
        Err(e) => e,
    }
}

fn new_err(c: Config, what: &str) -> apnspush::Error {
    match Pusher::new(c) {
        Ok(_) => panic!("{what}: Pusher::new succeeded"),
        Err(e) => e,
    }
}

/// HTTP/2 to a port nothing listens on: credentials are loaded before any connection.
fn offline(pairs: &[(&str, &str)]) -> Config {
    let mut c = Config::from_pairs([("host", "127.0.0.1"), ("port", "9")]).unwrap();
    for (k, v) in pairs {
        c.set(k, v)
            .unwrap_or_else(|e| panic!("{k}: {}", e.kind().name()));
    }
    c
}

#[test]
fn file_keys_refuse_pem_text_without_echoing_it() {
    let pem = generate_test_key_pem();
    let one_line = pem.replace('\n', " ");
    let escaped = pem.replace('\n', "\\n");
    for key in FILE_KEYS {
        for value in [&pem, &one_line, &escaped] {
            let mut c = Config::new();
            c.set(key, "/etc/apns/previous.pem").unwrap();
            let e = set_err(&mut c, key, value);
            assert_eq!(e.kind(), ErrorKind::InvalidConfigValue);
            assert!(
                e.message()
                    .starts_with(&format!("{key}: the value looks like PEM text, not a path")),
                "{key}: {}",
                e.message()
            );
            assert_clean(&e.to_string(), &pem, key);
        }
    }
    let e = set_err(&mut Config::new(), "auth_key_file", &pem);
    assert_eq!(
        e.message(),
        "auth_key_file: the value looks like PEM text, not a path; give the PEM text with auth_key_pem"
    );
    let e = set_err(&mut Config::new(), "cert_p12_file", &pem);
    assert!(e.message().ends_with("give the path of the file"));
}

#[test]
fn file_keys_refuse_values_longer_than_a_path() {
    let long = format!("/{}", "k".repeat(MAX_PATH_LEN));
    for key in FILE_KEYS {
        let e = set_err(&mut Config::new(), key, &long);
        assert_eq!(e.kind(), ErrorKind::InvalidConfigValue);
        assert!(e.message().contains("longer than any path (4096 bytes)"));
        assert!(!e.message().contains("kkkk"), "{key}: the value is echoed");
        Config::new().set(key, &long[..MAX_PATH_LEN]).unwrap();
    }
}

#[test]
fn file_keys_take_paths_and_errors_quote_the_path() {
    let missing = "/nonexistent/apnspush-test/AuthKey_ABC123.p8";
    let e = new_err(
        offline(&[
            ("auth_key_file", missing),
            ("key_id", "ABC123"),
            ("team_id", "TEAM"),
        ]),
        "missing auth key file",
    );
    assert_eq!(e.kind(), ErrorKind::Credentials);
    assert!(e.message().contains(&format!("{missing:?}")), "{e}");
    let e = new_err(offline(&[("cert_p12_file", missing)]), "missing .p12");
    assert!(e.message().contains(&format!("{missing:?}")), "{e}");
}

/// Base64 of a whole PEM file (a common way to put one in an environment variable) passes for
/// a path, but the read error does not quote it.
#[test]
fn a_base64_blob_given_as_a_path_is_not_quoted() {
    let pem = generate_test_key_pem();
    let blob = STANDARD.encode(&pem);
    let blob_body = STANDARD.encode(STANDARD.decode(body_lines(&pem).concat()).unwrap());
    for (key, extra) in [
        ("auth_key_file", vec![("key_id", "K"), ("team_id", "T")]),
        ("ca_file", vec![]),
        ("cert_p12_file", vec![]),
    ] {
        for value in [&blob, &blob_body] {
            let mut pairs = vec![(key, value.as_str())];
            pairs.extend(extra.iter().copied());
            let e = new_err(offline(&pairs), key);
            assert_eq!(e.kind(), ErrorKind::Credentials);
            assert!(e.message().contains("path not shown"), "{key}");
            for chunk in value.as_bytes().chunks(16) {
                let chunk = std::str::from_utf8(chunk).unwrap();
                assert!(!e.message().contains(chunk), "{key}: quotes the blob");
            }
        }
    }
}

#[test]
fn a_malformed_auth_key_fails_at_pusher_new_without_echoing_it() {
    for (how, value, secret) in broken_variants("PRIVATE KEY") {
        let c = offline(&[("auth_key_pem", &value), ("key_id", "K"), ("team_id", "T")]);
        let e = new_err(c, how);
        assert_eq!(e.kind(), ErrorKind::Credentials, "{how}");
        assert!(e.message().starts_with("auth key: "), "{how}");
        assert_clean(&e.to_string(), &secret, how);
    }
}

#[test]
fn a_malformed_client_key_or_certificate_fails_at_pusher_new_without_echoing_it() {
    let m = mock(MockOptions {
        require_client_cert: true,
        ..MockOptions::http2()
    });
    let (cert, key) = (
        m.client_cert_pem().to_owned(),
        m.client_key_pem().to_owned(),
    );
    for (how, value, secret) in broken_variants("PRIVATE KEY") {
        let e = new_err(config(&m, &[("cert_pem", &cert), ("key_pem", &value)]), how);
        assert_eq!(e.kind(), ErrorKind::Credentials, "key_pem {how}");
        assert_clean(&e.to_string(), &secret, how);
    }
    for (how, value, secret) in broken_variants("CERTIFICATE") {
        let e = new_err(config(&m, &[("cert_pem", &value), ("key_pem", &key)]), how);
        assert!(
            matches!(e.kind(), ErrorKind::Credentials | ErrorKind::Tls),
            "cert_pem {how}: {}",
            e.kind().name()
        );
        assert_clean(&e.to_string(), &secret, how);
    }
    for (how, value, secret) in broken_variants("CERTIFICATE") {
        let e = new_err(config(&m, &[("ca_pem", &value)]), how);
        assert_eq!(e.kind(), ErrorKind::Credentials, "ca_pem {how}");
        assert_clean(&e.to_string(), &secret, how);
    }
}

#[test]
fn the_p12_password_is_never_quoted() {
    let password = generate_test_key_pem();
    let not_p12 = std::env::temp_dir().join(format!("apnspush-not-p12-{}", std::process::id()));
    std::fs::write(&not_p12, b"not a PKCS#12 file").unwrap();
    for path in [
        "/nonexistent/apnspush-test/cert.p12",
        not_p12.to_str().unwrap(),
    ] {
        let c = offline(&[("cert_p12_file", path), ("cert_p12_password", &password)]);
        let e = new_err(c, path);
        assert_eq!(e.kind(), ErrorKind::Credentials);
        assert!(e.message().contains(&format!("{path:?}")), "{e}");
        assert_clean(&e.to_string(), &password, "cert_p12_password");
    }
    std::fs::remove_file(&not_p12).unwrap();
}

#[test]
fn invalid_values_of_any_key_are_not_quoted_when_they_look_like_key_material() {
    let pem = generate_test_key_pem();
    for key in ["protocol", "topic", "key_id", "team_id", "connections"] {
        let e = set_err(&mut Config::new(), key, &pem);
        assert_eq!(e.kind(), ErrorKind::InvalidConfigValue);
        assert!(e.message().contains("the value (not shown)"), "{key}");
        assert_clean(&e.to_string(), &pem, key);
    }
    let e = set_err(&mut Config::new(), "protocol", "ftp");
    assert_eq!(
        e.message(),
        "protocol: \"ftp\" is not valid; expected binary or http2"
    );
}

#[test]
fn secret_pem_keys_refuse_non_pem_without_echoing_it() {
    for key in SECRET_KEYS.iter().filter(|k| k.ends_with("_pem")) {
        let e = set_err(&mut Config::new(), key, "s3cr3t-not-pem");
        assert_eq!(e.kind(), ErrorKind::InvalidConfigValue);
        assert!(!e.message().contains("s3cr3t"), "{key}");
    }
}

#[test]
fn an_unknown_key_that_looks_like_pem_is_not_quoted() {
    let pem = generate_test_key_pem();
    let e = set_err(&mut Config::new(), &pem, "auth_key_pem");
    assert_eq!(e.kind(), ErrorKind::UnknownConfigKey);
    assert_clean(&e.to_string(), &pem, "unknown key");
    let e = set_err(&mut Config::new(), "colour", "blue");
    assert_eq!(e.message(), "unknown configuration key \"colour\"");
}

/// A pusher holding every kind of secret loses its gateway: `last_error`, the stats JSON and
/// the config's `Debug` quote none of them.
#[test]
fn stats_and_debug_never_quote_secrets() {
    let m = mock(MockOptions::http2().with_token_auth());
    let password = generate_test_key_pem();
    let cfg = config(&m, &[("cert_p12_password", &password)]);
    let secrets: Vec<String> = m
        .client_config()
        .into_iter()
        .filter(|(k, _)| apnspush::config::is_secret_key(k))
        .map(|(_, v)| v)
        .chain([password.clone()])
        .collect();
    assert_eq!(secrets.len(), 3, "ca_pem, auth_key_pem, cert_p12_password");
    let debug = format!("{cfg:?}");
    let p = Pusher::new(cfg).expect("pusher connects");
    p.ensure_push(notification(1), WAIT).unwrap();
    m.stop();
    p.push_async(notification(2)).unwrap();
    let end = Instant::now() + Duration::from_secs(120);
    while p.stats().last_error.is_empty() {
        assert!(
            Instant::now() < end,
            "no last_error after the gateway went away"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    let stats = p.stats();
    for secret in &secrets {
        assert_clean(&stats.last_error, secret, "last_error");
        assert_clean(&stats.to_json(), secret, "stats JSON");
        assert_clean(&debug, secret, "Config Debug");
    }
    p.close(Duration::ZERO);
}

/// The secret and file key lists cover every such key of the key table, so a key added later
/// is protected without touching the message code.
#[test]
fn the_secret_and_file_key_lists_match_the_key_table() {
    use apnspush::config::KEYS;
    for (key, _) in KEYS {
        if key.ends_with("_pem") || key.contains("password") {
            assert!(SECRET_KEYS.contains(key), "{key} is not in SECRET_KEYS");
        }
        if key.ends_with("_file") {
            assert!(FILE_KEYS.contains(key), "{key} is not in FILE_KEYS");
        }
    }
    for key in SECRET_KEYS.iter().chain(FILE_KEYS) {
        assert!(KEYS.iter().any(|(k, _)| k == key), "{key} is not a key");
    }
}

/// The `proxy` key's password: `set` refuses a bad URL without quoting it, `Debug` hides it,
/// and an unreachable proxy's connection error names the proxy, not the credentials.
#[test]
fn the_proxy_password_is_never_quoted() {
    assert!(SECRET_KEYS.contains(&"proxy"));
    let password = "pr0xy-S3cret";
    for bad in [
        format!("https://apns:{password}@proxy.corp:3128"),
        format!("http://apns:{password}@proxy.corp"),
        format!("http://apns:{password}@proxy.corp:3128/path"),
        format!("apns:{password}@proxy.corp:3128"),
        format!("http://apns:{password}%zz@proxy.corp:3128"),
    ] {
        let e = set_err(&mut Config::new(), "proxy", &bad);
        assert_eq!(e.kind(), ErrorKind::InvalidConfigValue);
        assert!(e
            .message()
            .starts_with("proxy: the value (not shown) is not valid: "));
        assert!(!e.to_string().contains(password), "{bad}: quoted");
        assert!(!e.to_string().contains("apns:"), "{bad}: quoted");
    }
    let e = set_err(&mut Config::new(), "proxy_from_env", "maybe");
    assert_eq!(
        e.message(),
        "proxy_from_env: \"maybe\" is not valid; expected true or false"
    );
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let c = offline(&[("proxy", &format!("http://apns:{password}@127.0.0.1:{port}"))]);
    let debug = format!("{c:?}");
    assert!(
        !debug.contains(password),
        "Config Debug quotes the password"
    );
    assert!(debug.contains(&format!(
        "proxy: Some(http://apns:(not shown)@127.0.0.1:{port})"
    )));
    let e = new_err(c, "proxy down");
    assert_eq!(e.kind(), ErrorKind::Connect);
    assert!(
        e.message().contains(&format!("proxy 127.0.0.1:{port}")),
        "{e}"
    );
    assert!(!e.to_string().contains(password));
    let mut c = Config::new();
    c.set("proxy", &format!("http://apns:{password}@127.0.0.1:{port}"))
        .unwrap();
    c.set("proxy", "").unwrap();
    assert!(format!("{c:?}").contains("proxy: None"));
}
