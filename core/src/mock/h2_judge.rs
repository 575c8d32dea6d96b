//! The mock's HTTP/2 request judge: Apple's validation (path, headers, payload, provider
//! token) and the configured rules and faults, turned into a status and reason.

use std::collections::HashMap;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use super::{Http2Request, Http2Rules, Shared, TokenUse};
use crate::http2::hpack::HeaderList;
use crate::http2::jwt::{self, JwtVerifyError};
use crate::http2::response::default_reason;
use crate::http2::uuid::{is_uuid, UuidSource};
use crate::notification::{hex_decode, COLLAPSE_ID_MAX, PUSH_TYPES};

/// What to answer one request.
pub(crate) struct Verdict {
    pub apns_id: String,
    pub token: Vec<u8>,
    pub status: u16,
    pub reason: &'static str,
    /// A rule's own reason text (overrides `reason`).
    pub custom_reason: Option<String>,
    pub timestamp: Option<u64>,
    /// Token auth: the request carried a provider token that passed.
    pub token_valid: bool,
    /// A broadcast (`POST /4/broadcasts/apps/<bundle>`): its bundle id and channel id.
    pub broadcast: Option<(String, String)>,
}

impl Verdict {
    pub fn reason_text(&self) -> String {
        self.custom_reason
            .clone()
            .unwrap_or_else(|| self.reason.to_string())
    }
}

/// The last provider token a connection verified, so a signature is checked once per token.
#[derive(Default)]
pub(crate) struct TokenCache {
    token: String,
    /// `iat` and sequence number, or the 403 reason.
    result: Option<Result<(u64, u64), &'static str>>,
}

/// Judges a complete request.
pub(crate) fn judge(
    shared: &Shared,
    cache: &mut TokenCache,
    uuids: &mut UuidSource,
    rules: &Arc<Http2Rules>,
    binary_rules: &Arc<HashMap<Vec<u8>, u8>>,
    headers: &HeaderList,
    body: &[u8],
) -> Verdict {
    let find = |name: &[u8]| {
        headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_slice())
    };
    let path = find(b":path").unwrap_or_default();
    // A broadcast identifies itself with `apns-request-id`, a device request with `apns-id`.
    let id_header: &[u8] = if path.starts_with(b"/4/broadcasts/") {
        b"apns-request-id"
    } else {
        b"apns-id"
    };
    let (apns_id, bad_id) = match find(id_header) {
        Some(v) if is_uuid(v) => (String::from_utf8_lossy(v).to_ascii_lowercase(), false),
        Some(_) => (uuids.next_uuid(), true),
        None => (uuids.next_uuid(), false),
    };
    let token = path
        .strip_prefix(b"/3/device/")
        .and_then(|hex| std::str::from_utf8(hex).ok())
        .and_then(|hex| hex_decode(hex).ok())
        .unwrap_or_default();
    let mut v = Verdict {
        apns_id,
        token,
        status: 200,
        reason: "",
        custom_reason: None,
        timestamp: None,
        token_valid: false,
        broadcast: None,
    };
    let reject = |v: &mut Verdict, status: u16, reason: &'static str| {
        v.status = status;
        v.reason = reason;
    };
    let push_type = find(b"apns-push-type");
    if shared.record_payloads {
        let text = |name: &[u8]| find(name).map(|v| String::from_utf8_lossy(v).into_owned());
        shared.record.add_http2_request(Http2Request {
            token: v.token.clone(),
            expiration: text(b"apns-expiration"),
            push_type: text(b"apns-push-type"),
            topic: text(b"apns-topic"),
            priority: text(b"apns-priority"),
            collapse_id: text(b"apns-collapse-id"),
        });
    }
    if let Some(bundle) = path.strip_prefix(b"/4/broadcasts/apps/") {
        judge_broadcast(shared, cache, &mut v, bundle, &find, body, bad_id);
        return v;
    }
    if find(b":method") != Some(b"POST") {
        reject(&mut v, 405, "MethodNotAllowed");
    } else if !path.starts_with(b"/3/device/") {
        reject(&mut v, 404, "BadPath");
    } else if !(32..=100).contains(&v.token.len()) {
        reject(&mut v, 400, "BadDeviceToken");
    } else if bad_id {
        reject(&mut v, 400, "BadMessageId");
    } else if let Some(reason) = check_token(shared, cache, find(b"authorization")) {
        reject(&mut v, 403, reason);
    } else {
        v.token_valid = shared.h2.jwt.is_some();
    }
    if v.status != 200 {
        return v;
    }
    if shared.h2.jwt.is_some() && find(b"apns-topic").is_none() {
        reject(&mut v, 400, "MissingTopic");
    } else if find(b"apns-priority").is_some_and(|p| !matches!(p, b"10" | b"5" | b"1")) {
        reject(&mut v, 400, "BadPriority");
    } else if push_type.is_some_and(|t| !PUSH_TYPES.iter().any(|p| p.as_bytes() == t)) {
        reject(&mut v, 400, "InvalidPushType");
    } else if find(b"apns-expiration")
        .is_some_and(|e| e.is_empty() || e.len() > 10 || !e.iter().all(u8::is_ascii_digit))
    {
        reject(&mut v, 400, "BadExpirationDate");
    } else if find(b"apns-collapse-id").is_some_and(|c| c.len() > COLLAPSE_ID_MAX) {
        reject(&mut v, 400, "BadCollapseId");
    } else if body.is_empty() {
        reject(&mut v, 400, "PayloadEmpty");
    } else if body.len()
        > if push_type == Some(b"voip") {
            5120
        } else {
            4096
        }
    {
        reject(&mut v, 413, "PayloadTooLarge");
    } else if let Some((status, reason)) = rules.get(&v.token) {
        v.status = *status;
        v.custom_reason = Some(reason.clone());
        if *status == 410 {
            v.timestamp = Some(now_millis());
        }
    } else if binary_rules.contains_key(&v.token) {
        reject(&mut v, 400, "BadDeviceToken");
    } else if let Some((every, status)) = shared.h2.fail_every {
        let n = shared.requests.fetch_add(1, Ordering::Relaxed) + 1;
        if every > 0 && n.is_multiple_of(every) {
            reject(&mut v, status, default_reason(status));
        }
    }
    v
}

/// A broadcast on a channel, as Apple's "Sending broadcast push notification requests to
/// APNs" describes it: auth, then a live channel of the bundle id in `apns-channel-id`
/// (400 MissingChannelId, 400 BadChannelId, 404 ChannelNotRegistered), push type
/// `liveactivity` (400 MissingPushType, 400 InvalidPushType), and a payload of 1 to 5120
/// bytes.
fn judge_broadcast<'h>(
    shared: &Shared,
    cache: &mut TokenCache,
    v: &mut Verdict,
    bundle: &[u8],
    find: &impl Fn(&[u8]) -> Option<&'h [u8]>,
    body: &[u8],
    bad_id: bool,
) {
    let mut reject = |status: u16, reason: &'static str| {
        v.status = status;
        v.reason = reason;
    };
    let bundle = std::str::from_utf8(bundle).unwrap_or_default();
    if find(b":method") != Some(b"POST") {
        return reject(405, "MethodNotAllowed");
    }
    if bundle.is_empty() || bundle.contains('/') {
        return reject(404, "BadPath");
    }
    if bad_id {
        return reject(400, "BadMessageId");
    }
    if let Some(reason) = check_token(shared, cache, find(b"authorization")) {
        return reject(403, reason);
    }
    let channel = match shared.channels.check(bundle, find(b"apns-channel-id")) {
        Ok(id) => id,
        Err((status, reason)) => return reject(status, reason),
    };
    match find(b"apns-push-type") {
        None => reject(400, "MissingPushType"),
        Some(b"liveactivity") => {
            if find(b"apns-priority").is_some_and(|p| !matches!(p, b"10" | b"5" | b"1")) {
                reject(400, "BadPriority")
            } else if body.is_empty() {
                reject(400, "PayloadEmpty")
            } else if body.len() > 5120 {
                reject(413, "PayloadTooLarge")
            } else {
                v.token_valid = shared.h2.jwt.is_some();
                v.broadcast = Some((bundle.to_owned(), channel));
            }
        }
        Some(_) => reject(400, "InvalidPushType"),
    }
}

/// `Some(reason)` when token auth is on and the `authorization` header does not pass.
pub(crate) fn check_token(
    shared: &Shared,
    cache: &mut TokenCache,
    authorization: Option<&[u8]>,
) -> Option<&'static str> {
    let key = shared.h2.jwt.as_ref()?;
    let Some(value) = authorization else {
        return Some("MissingProviderToken");
    };
    let Some(token) = value
        .strip_prefix(b"bearer ")
        .and_then(|t| std::str::from_utf8(t).ok())
    else {
        return Some("InvalidProviderToken");
    };
    let now = now_millis() / 1000;
    if cache.result.is_none() || cache.token != token {
        let result = match jwt::peek_key_id(token) {
            Ok(kid) if kid == key.key_id => match jwt::verify(token, &key.public_key, now) {
                Ok(claims) => {
                    let mut seen = shared.tokens.lock();
                    let next = seen.len() as u64;
                    let seen = seen
                        .entry(token.to_string())
                        .or_insert(TokenUse { seq: next, uses: 0 });
                    Ok((claims.iat, seen.seq))
                }
                Err(JwtVerifyError::Expired { .. }) => Err("ExpiredProviderToken"),
                Err(JwtVerifyError::Invalid(_)) => Err("InvalidProviderToken"),
            },
            _ => Err("InvalidProviderToken"),
        };
        cache.token = token.to_string();
        cache.result = Some(result);
    }
    match cache.result? {
        Err(reason) => Some(reason),
        Ok((_, seq)) if seq < shared.expired_below.load(Ordering::SeqCst) => {
            Some("ExpiredProviderToken")
        }
        Ok((iat, _)) if now.saturating_sub(iat) > jwt::TOKEN_LIFETIME_SECS => {
            Some("ExpiredProviderToken")
        }
        Ok(_) if allowance_spent(shared, &cache.token) => Some("ExpiredProviderToken"),
        Ok(_) => None,
    }
}

/// `expire_token_after`: counts one more use of the authentic `token`; true once its uses
/// exceed the allowance (and from then on, as uses only grow).
fn allowance_spent(shared: &Shared, token: &str) -> bool {
    let Some(allowance) = shared.h2.expire_token_after else {
        return false;
    };
    let mut seen = shared.tokens.lock();
    let Some(entry) = seen.get_mut(token) else {
        return false;
    };
    entry.uses += 1;
    entry.uses > allowance
}

pub(crate) fn now_millis() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}
