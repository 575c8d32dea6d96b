//! APNs provider authentication token: an ES256 JWT (RFC 7515/7519) signed with the P-256
//! key from Apple's `.p8` file, plus verification for the mock server.
//!
//! Key material never appears in errors or `Debug` output.

use std::fmt;

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine as _;
use ring::rand::SystemRandom;
use ring::signature::{
    EcdsaKeyPair, KeyPair as _, UnparsedPublicKey, ECDSA_P256_SHA256_FIXED,
    ECDSA_P256_SHA256_FIXED_SIGNING,
};
use rustls_pki_types::pem::{self, PemObject as _};
use rustls_pki_types::PrivatePkcs8KeyDer;
use serde_json::Value;

/// A token older than this (seconds since its `iat`) is expired.
pub const TOKEN_LIFETIME_SECS: u64 = 3600;
/// How far in the future an `iat` may lie before the token is invalid (clock skew).
pub const MAX_CLOCK_SKEW_SECS: u64 = 300;
/// Tokens longer than this are refused unparsed.
const MAX_TOKEN_LEN: usize = 8 * 1024;

/// DER prefix of a P-256 SubjectPublicKeyInfo; the 65-byte uncompressed point follows it.
const P256_SPKI_PREFIX: [u8; 26] = [
    0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06, 0x08, 0x2a,
    0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07, 0x03, 0x42, 0x00,
];

/// Why a provider key could not be loaded or used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JwtError {
    /// No "-----BEGIN PRIVATE KEY-----" (PKCS#8) section in the text.
    NoPkcs8Key,
    /// The PEM text is malformed.
    MalformedPem,
    /// The DER is not a P-256 PKCS#8 key ring accepts; the text is ring's reason.
    KeyRejected(String),
    /// The key id or team id is empty.
    EmptyId(&'static str),
    /// The system random number generator failed while signing.
    Signing,
}

impl fmt::Display for JwtError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            JwtError::NoPkcs8Key => write!(
                f,
                "no PKCS#8 \"PRIVATE KEY\" PEM section found (expected the .p8 file from Apple)"
            ),
            JwtError::MalformedPem => write!(f, "malformed PEM text"),
            JwtError::KeyRejected(why) => write!(f, "not a usable P-256 private key: {why}"),
            JwtError::EmptyId(which) => write!(f, "{which} must not be empty"),
            JwtError::Signing => write!(f, "signing the provider token failed"),
        }
    }
}

impl std::error::Error for JwtError {}

/// Why a token was refused. The mock maps `Invalid` to 403 InvalidProviderToken and
/// `Expired` to 403 ExpiredProviderToken.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JwtVerifyError {
    /// Bad format, algorithm, claims, signature or key; the text says which, in fixed words.
    Invalid(&'static str),
    /// Authentic, but issued more than [`TOKEN_LIFETIME_SECS`] before `now`.
    Expired { iat: u64, now: u64 },
}

impl fmt::Display for JwtVerifyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            JwtVerifyError::Invalid(why) => write!(f, "invalid provider token: {why}"),
            JwtVerifyError::Expired { iat, now } => {
                write!(f, "expired provider token: issued at {iat}, now {now}")
            }
        }
    }
}

impl std::error::Error for JwtVerifyError {}

/// The verified contents of a provider token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claims {
    pub kid: String,
    pub iss: String,
    pub iat: u64,
}

/// A provider signing key with its Apple key id and team id. Share it behind an `Arc`.
pub struct ProviderKey {
    key_pair: EcdsaKeyPair,
    key_id: String,
    team_id: String,
    rng: SystemRandom,
}

impl fmt::Debug for ProviderKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProviderKey")
            .field("key_id", &self.key_id)
            .field("team_id", &self.team_id)
            .field("private_key", &"<redacted>")
            .finish()
    }
}

impl ProviderKey {
    /// Loads the `.p8` file's text ("-----BEGIN PRIVATE KEY-----", PKCS#8, P-256).
    pub fn from_pem(pem: &str, key_id: &str, team_id: &str) -> Result<Self, JwtError> {
        let der = PrivatePkcs8KeyDer::from_pem_slice(pem.as_bytes()).map_err(|err| match err {
            pem::Error::NoItemsFound => JwtError::NoPkcs8Key,
            _ => JwtError::MalformedPem,
        })?;
        Self::from_pkcs8_der(der.secret_pkcs8_der(), key_id, team_id)
    }

    /// Loads a DER-encoded PKCS#8 P-256 key.
    pub fn from_pkcs8_der(der: &[u8], key_id: &str, team_id: &str) -> Result<Self, JwtError> {
        if key_id.is_empty() {
            return Err(JwtError::EmptyId("key id"));
        }
        if team_id.is_empty() {
            return Err(JwtError::EmptyId("team id"));
        }
        let rng = SystemRandom::new();
        let key_pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, der, &rng)
            .map_err(|rejected| JwtError::KeyRejected(rejected.to_string()))?;
        Ok(ProviderKey {
            key_pair,
            key_id: key_id.to_owned(),
            team_id: team_id.to_owned(),
            rng,
        })
    }

    pub fn key_id(&self) -> &str {
        &self.key_id
    }

    pub fn team_id(&self) -> &str {
        &self.team_id
    }

    /// The public key as a 65-byte uncompressed point (0x04 || x || y), for [`verify`].
    pub fn public_key(&self) -> &[u8] {
        self.key_pair.public_key().as_ref()
    }

    /// Signs a token issued at `issued_at_secs` (Unix seconds):
    /// `base64url({"alg":"ES256","kid":KEY_ID}).base64url({"iss":TEAM_ID,"iat":SECS}).sig`
    /// where sig is the 64-byte r||s signature. Fails only if the system RNG fails.
    pub fn sign(&self, issued_at_secs: u64) -> Result<String, JwtError> {
        let header = format!(
            r#"{{"alg":"ES256","kid":{}}}"#,
            Value::from(self.key_id.as_str())
        );
        let claims = format!(
            r#"{{"iss":{},"iat":{issued_at_secs}}}"#,
            Value::from(self.team_id.as_str())
        );
        let mut token = URL_SAFE_NO_PAD.encode(header);
        token.push('.');
        URL_SAFE_NO_PAD.encode_string(claims, &mut token);
        let signature = self
            .key_pair
            .sign(&self.rng, token.as_bytes())
            .map_err(|_| JwtError::Signing)?;
        token.push('.');
        URL_SAFE_NO_PAD.encode_string(signature.as_ref(), &mut token);
        Ok(token)
    }
}

/// Verifies an ES256 provider token against a P-256 public key given either as the 65-byte
/// uncompressed point or as a DER SubjectPublicKeyInfo. The signature is checked before the
/// age, so `Expired` is only ever reported for authentic tokens. A token is expired when
/// `now_secs - iat > TOKEN_LIFETIME_SECS`, and invalid when `iat` is more than
/// [`MAX_CLOCK_SKEW_SECS`] in the future.
pub fn verify(token: &str, public_key: &[u8], now_secs: u64) -> Result<Claims, JwtVerifyError> {
    let parts = split_token(token)?;
    let (kid, iss, iat) = parse_parts(&parts)?;
    check_signature(&parts, public_key)?;
    if iat > now_secs.saturating_add(MAX_CLOCK_SKEW_SECS) {
        return Err(JwtVerifyError::Invalid("iat is in the future"));
    }
    if now_secs.saturating_sub(iat) > TOKEN_LIFETIME_SECS {
        return Err(JwtVerifyError::Expired { iat, now: now_secs });
    }
    Ok(Claims { kid, iss, iat })
}

/// The `kid` of a token's header, unverified: for choosing the key to [`verify`] with.
pub fn peek_key_id(token: &str) -> Result<String, JwtVerifyError> {
    let parts = split_token(token)?;
    parse_header(parts.header)
}

/// A token split at its dots; `signed` is the JWS signing input `header.claims`.
struct Parts<'a> {
    header: &'a str,
    claims: &'a str,
    signed: &'a str,
    signature: &'a str,
}

fn invalid(why: &'static str) -> JwtVerifyError {
    JwtVerifyError::Invalid(why)
}

fn split_token(token: &str) -> Result<Parts<'_>, JwtVerifyError> {
    if token.len() > MAX_TOKEN_LEN {
        return Err(invalid("token too long"));
    }
    let (signed, signature) = token.rsplit_once('.').ok_or(invalid("no dots"))?;
    let (header, claims) = signed.split_once('.').ok_or(invalid("only one dot"))?;
    if claims.contains('.') {
        return Err(invalid("more than two dots"));
    }
    Ok(Parts {
        header,
        claims,
        signed,
        signature,
    })
}

fn decode_json(part: &str, what: &'static str) -> Result<Value, JwtVerifyError> {
    let bytes = URL_SAFE_NO_PAD.decode(part).map_err(|_| invalid(what))?;
    match serde_json::from_slice::<Value>(&bytes) {
        Ok(value @ Value::Object(_)) => Ok(value),
        _ => Err(invalid(what)),
    }
}

fn parse_header(part: &str) -> Result<String, JwtVerifyError> {
    let header = decode_json(part, "header is not base64url JSON")?;
    if header.get("alg").and_then(Value::as_str) != Some("ES256") {
        return Err(invalid("alg is not ES256"));
    }
    match header.get("kid").and_then(Value::as_str) {
        Some(kid) => Ok(kid.to_owned()),
        None => Err(invalid("kid missing")),
    }
}

fn parse_parts(parts: &Parts<'_>) -> Result<(String, String, u64), JwtVerifyError> {
    let kid = parse_header(parts.header)?;
    let claims = decode_json(parts.claims, "claims are not base64url JSON")?;
    let iss = claims
        .get("iss")
        .and_then(Value::as_str)
        .ok_or(invalid("iss missing"))?;
    let iat = claims
        .get("iat")
        .and_then(Value::as_u64)
        .ok_or(invalid("iat missing or not a non-negative integer"))?;
    Ok((kid, iss.to_owned(), iat))
}

fn check_signature(parts: &Parts<'_>, public_key: &[u8]) -> Result<(), JwtVerifyError> {
    let signature = URL_SAFE_NO_PAD
        .decode(parts.signature)
        .map_err(|_| invalid("signature is not base64url"))?;
    if signature.len() != 64 {
        return Err(invalid("signature is not 64 bytes"));
    }
    let point = public_key
        .strip_prefix(&P256_SPKI_PREFIX[..])
        .unwrap_or(public_key);
    UnparsedPublicKey::new(&ECDSA_P256_SHA256_FIXED, point)
        .verify(parts.signed.as_bytes(), &signature)
        .map_err(|_| invalid("bad signature"))
}

/// Generates a fresh P-256 key as a `.p8`-style PKCS#8 PEM text, for tests and the mock.
///
/// # Panics
/// Only if the operating system's random number generator fails.
pub fn generate_test_key_pem() -> String {
    let rng = SystemRandom::new();
    let doc = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng)
        .expect("system random number generator failed");
    let body = STANDARD.encode(doc.as_ref());
    let mut pem = String::from("-----BEGIN PRIVATE KEY-----\n");
    for line in body.as_bytes().chunks(64) {
        pem.push_str(&String::from_utf8_lossy(line));
        pem.push('\n');
    }
    pem.push_str("-----END PRIVATE KEY-----\n");
    pem
}
