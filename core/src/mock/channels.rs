//! The mock's broadcast channel registry and its management API, as Apple's "Sending channel
//! management requests to APNs" describes it: per bundle id, create (`POST
//! /1/apps/<bundle>/channels`), read (`GET .../channels` with `apns-channel-id`), list (`GET
//! .../all-channels`) and delete (`DELETE .../channels`), with a limit on channels per bundle
//! id; and the broadcasts the gateway accepted on a channel (`POST /4/broadcasts/apps/<bundle>`).

use std::collections::{BTreeMap, HashSet};

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use parking_lot::Mutex;
use ring::rand::{SecureRandom, SystemRandom};
use serde_json::{json, Value};

use crate::http2::hpack::HeaderList;

/// A broadcast the gateway accepted on a channel.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Broadcast {
    pub bundle_id: String,
    pub channel_id: String,
    /// The request's `apns-id`, or the one the mock generated.
    pub apns_id: String,
    /// Empty without `record_payloads`.
    pub payload: Vec<u8>,
    pub connection: u64,
}

/// A channel: its id and message storage policy (0 or 1).
#[derive(Clone, Debug, PartialEq, Eq)]
struct Channel {
    id: String,
    policy: u8,
}

#[derive(Default)]
struct Inner {
    /// Bundle id → its channels, in creation order.
    apps: BTreeMap<String, Vec<Channel>>,
    /// Ids deleted, per bundle id (refused as not registered).
    deleted: BTreeMap<String, HashSet<String>>,
    broadcasts: Vec<Broadcast>,
    /// Management requests answered, by status.
    answered: BTreeMap<u16, u64>,
}

/// The registry, shared by the management listener, the gateway and the test thread.
pub(crate) struct Registry {
    inner: Mutex<Inner>,
    limit: usize,
    rng: SystemRandom,
}

/// What to answer a management request.
pub(crate) struct Reply {
    pub status: u16,
    /// `apns-channel-id` of the answer (create, get).
    pub channel_id: Option<String>,
    /// JSON body (get, list, errors); empty for none.
    pub body: Vec<u8>,
}

impl Reply {
    fn refuse(status: u16, reason: &str) -> Reply {
        Reply {
            status,
            channel_id: None,
            body: json!({ "reason": reason }).to_string().into_bytes(),
        }
    }
}

impl Registry {
    pub(crate) fn new(limit: usize) -> Registry {
        Registry {
            inner: Mutex::new(Inner::default()),
            limit,
            rng: SystemRandom::new(),
        }
    }

    /// A new channel of `bundle` with `policy` (0 or 1), or the refusal (status, reason) when
    /// the bundle id holds `limit` channels already.
    pub(crate) fn create(&self, bundle: &str, policy: u8) -> Result<String, (u16, &'static str)> {
        let mut inner = self.inner.lock();
        let channels = inner.apps.entry(bundle.to_owned()).or_default();
        if channels.len() >= self.limit {
            return Err((400, "CannotCreateChannelConfig"));
        }
        let mut bytes = [0u8; 16];
        // The system RNG does not fail on supported platforms; zeros would still be unique
        // below, since ids are checked against the registry.
        let _ = self.rng.fill(&mut bytes);
        let mut id = STANDARD.encode(bytes);
        while channels.iter().any(|c| c.id == id) {
            bytes[0] = bytes[0].wrapping_add(1);
            id = STANDARD.encode(bytes);
        }
        channels.push(Channel {
            id: id.clone(),
            policy,
        });
        Ok(id)
    }

    /// `Ok` when `id` is a live channel of `bundle`; else Apple's refusal for it.
    pub(crate) fn check(
        &self,
        bundle: &str,
        id: Option<&[u8]>,
    ) -> Result<String, (u16, &'static str)> {
        let id = check_id(id)?;
        let inner = self.inner.lock();
        let live = inner
            .apps
            .get(bundle)
            .is_some_and(|c| c.iter().any(|c| c.id == id));
        if live {
            Ok(id)
        } else {
            Err((404, "ChannelNotRegistered"))
        }
    }

    /// Answers one management request (auth already checked by the caller).
    pub(crate) fn manage(&self, headers: &HeaderList, body: &[u8]) -> Reply {
        let reply = self.route(headers, body);
        *self.inner.lock().answered.entry(reply.status).or_insert(0) += 1;
        reply
    }

    fn route(&self, headers: &HeaderList, body: &[u8]) -> Reply {
        let find = |name: &[u8]| {
            headers
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v.as_slice())
        };
        let method = find(b":method").unwrap_or_default();
        let path = String::from_utf8_lossy(find(b":path").unwrap_or_default()).into_owned();
        let Some((bundle, resource)) = path
            .strip_prefix("/1/apps/")
            .and_then(|rest| rest.split_once('/'))
            .filter(|(bundle, _)| !bundle.is_empty())
        else {
            return Reply::refuse(404, "BadPath");
        };
        match (method, resource) {
            (b"POST", "channels") => self.create_from(bundle, body),
            (b"GET", "channels") => match self.check(bundle, find(b"apns-channel-id")) {
                Ok(id) => {
                    let inner = self.inner.lock();
                    let policy = inner.apps[bundle]
                        .iter()
                        .find(|c| c.id == id)
                        .map_or(0, |c| c.policy);
                    Reply {
                        status: 200,
                        body: json!({
                            "message-storage-policy": policy,
                            "push-type": "LiveActivity",
                        })
                        .to_string()
                        .into_bytes(),
                        channel_id: Some(id),
                    }
                }
                Err((status, reason)) => Reply::refuse(status, reason),
            },
            (b"DELETE", "channels") => match self.check(bundle, find(b"apns-channel-id")) {
                Ok(id) => {
                    let mut inner = self.inner.lock();
                    if let Some(c) = inner.apps.get_mut(bundle) {
                        c.retain(|c| c.id != id);
                    }
                    inner
                        .deleted
                        .entry(bundle.to_owned())
                        .or_default()
                        .insert(id);
                    Reply {
                        status: 204,
                        channel_id: None,
                        body: Vec::new(),
                    }
                }
                Err((status, reason)) => Reply::refuse(status, reason),
            },
            (b"GET", "all-channels") => {
                let inner = self.inner.lock();
                let ids: Vec<&str> = inner
                    .apps
                    .get(bundle)
                    .map(|c| c.iter().map(|c| c.id.as_str()).collect())
                    .unwrap_or_default();
                Reply {
                    status: 200,
                    channel_id: None,
                    body: json!({ "channels": ids }).to_string().into_bytes(),
                }
            }
            (_, "channels" | "all-channels") => Reply::refuse(405, "MethodNotAllowed"),
            _ => Reply::refuse(404, "BadPath"),
        }
    }

    fn create_from(&self, bundle: &str, body: &[u8]) -> Reply {
        let Ok(Value::Object(map)) = serde_json::from_slice::<Value>(body) else {
            return Reply::refuse(400, "BadRequest");
        };
        match map.get("push-type") {
            None => return Reply::refuse(400, "MissingPushType"),
            Some(Value::String(t)) if t == "LiveActivity" => {}
            Some(_) => return Reply::refuse(400, "InvalidPushType"),
        }
        let policy = match map.get("message-storage-policy").and_then(Value::as_u64) {
            Some(p @ (0 | 1)) => p as u8,
            _ => return Reply::refuse(400, "BadMessageStoragePolicy"),
        };
        match self.create(bundle, policy) {
            Ok(id) => Reply {
                status: 201,
                channel_id: Some(id),
                body: Vec::new(),
            },
            Err((status, reason)) => Reply::refuse(status, reason),
        }
    }

    pub(crate) fn add_broadcast(&self, broadcast: Broadcast) {
        self.inner.lock().broadcasts.push(broadcast);
    }

    pub(crate) fn broadcasts(&self) -> Vec<Broadcast> {
        self.inner.lock().broadcasts.clone()
    }

    /// Live channel ids of `bundle`, in creation order.
    pub(crate) fn ids(&self, bundle: &str) -> Vec<String> {
        let inner = self.inner.lock();
        inner
            .apps
            .get(bundle)
            .map(|c| c.iter().map(|c| c.id.clone()).collect())
            .unwrap_or_default()
    }

    /// Everything, as JSON (see `MockServer::channels_json`).
    pub(crate) fn to_json(&self) -> String {
        let inner = self.inner.lock();
        let apps: serde_json::Map<String, Value> = inner
            .apps
            .iter()
            .map(|(bundle, channels)| {
                let list: Vec<Value> = channels
                    .iter()
                    .map(|c| {
                        json!({
                            "channel-id": c.id,
                            "message-storage-policy": c.policy,
                            "push-type": "LiveActivity",
                        })
                    })
                    .collect();
                (bundle.clone(), Value::from(list))
            })
            .collect();
        let deleted: serde_json::Map<String, Value> = inner
            .deleted
            .iter()
            .map(|(bundle, ids)| {
                let mut ids: Vec<&String> = ids.iter().collect();
                ids.sort();
                (bundle.clone(), json!(ids))
            })
            .collect();
        let mut per_channel: BTreeMap<&str, u64> = BTreeMap::new();
        for b in &inner.broadcasts {
            *per_channel.entry(b.channel_id.as_str()).or_insert(0) += 1;
        }
        let broadcasts: Vec<Value> = inner
            .broadcasts
            .iter()
            .map(|b| {
                json!({
                    "bundle-id": b.bundle_id,
                    "channel-id": b.channel_id,
                    "apns-id": b.apns_id,
                    "payload": String::from_utf8_lossy(&b.payload),
                    "connection": b.connection,
                })
            })
            .collect();
        let answered: serde_json::Map<String, Value> = inner
            .answered
            .iter()
            .map(|(s, n)| (s.to_string(), json!(n)))
            .collect();
        json!({
            "limit": self.limit,
            "apps": apps,
            "deleted": deleted,
            "broadcasts": broadcasts,
            "broadcasts_per_channel": per_channel,
            "management_answers": answered,
        })
        .to_string()
    }

    /// Forgets the broadcasts and answer counts; the channels stay.
    pub(crate) fn clear(&self) {
        let mut inner = self.inner.lock();
        inner.broadcasts.clear();
        inner.answered.clear();
    }
}

/// The channel id header: 400 MissingChannelId when absent, 400 BadChannelId when it is not
/// base64 text.
fn check_id(id: Option<&[u8]>) -> Result<String, (u16, &'static str)> {
    let Some(id) = id else {
        return Err((400, "MissingChannelId"));
    };
    let ok = !id.is_empty()
        && id.len() <= 256
        && id
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'=' | b'-' | b'_'));
    if !ok {
        return Err((400, "BadChannelId"));
    }
    Ok(String::from_utf8_lossy(id).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(method: &str, path: &str, id: Option<&str>) -> HeaderList {
        let mut h: HeaderList = vec![
            (b":method".to_vec(), method.as_bytes().to_vec()),
            (b":path".to_vec(), path.as_bytes().to_vec()),
        ];
        if let Some(id) = id {
            h.push((b"apns-channel-id".to_vec(), id.as_bytes().to_vec()));
        }
        h
    }

    fn reason(r: &Reply) -> String {
        let v: Value = serde_json::from_slice(&r.body).unwrap();
        v["reason"].as_str().unwrap().to_owned()
    }

    /// Method, path, channel id, body, and the status and reason expected.
    type Case<'a> = (&'a str, &'a str, Option<&'a str>, &'a [u8], u16, &'a str);

    const CREATE: &[u8] = br#"{"message-storage-policy":1,"push-type":"LiveActivity"}"#;

    #[test]
    fn create_get_list_delete_then_refused() {
        let reg = Registry::new(10);
        let r = reg.manage(&request("POST", "/1/apps/com.a/channels", None), CREATE);
        assert_eq!(r.status, 201);
        let id = r.channel_id.unwrap();
        let got = reg.manage(&request("GET", "/1/apps/com.a/channels", Some(&id)), b"");
        assert_eq!(got.status, 200);
        assert_eq!(got.channel_id.as_deref(), Some(id.as_str()));
        let body: Value = serde_json::from_slice(&got.body).unwrap();
        assert_eq!(body["message-storage-policy"], 1);
        let list = reg.manage(&request("GET", "/1/apps/com.a/all-channels", None), b"");
        let body: Value = serde_json::from_slice(&list.body).unwrap();
        assert_eq!(body["channels"], json!([id]));
        // Another bundle id does not see it.
        let other = reg.manage(&request("GET", "/1/apps/com.b/channels", Some(&id)), b"");
        assert_eq!(
            (other.status, reason(&other).as_str()),
            (404, "ChannelNotRegistered")
        );
        let del = reg.manage(&request("DELETE", "/1/apps/com.a/channels", Some(&id)), b"");
        assert_eq!(del.status, 204);
        let again = reg.manage(&request("GET", "/1/apps/com.a/channels", Some(&id)), b"");
        assert_eq!(
            (again.status, reason(&again).as_str()),
            (404, "ChannelNotRegistered")
        );
        assert_eq!(reg.ids("com.a"), Vec::<String>::new());
        let all: Value = serde_json::from_str(&reg.to_json()).unwrap();
        assert_eq!(all["deleted"]["com.a"], json!([id]));
        assert_eq!(all["management_answers"]["404"], 2);
    }

    #[test]
    fn apple_reasons_for_bad_requests() {
        let reg = Registry::new(1);
        let cases: [Case; 7] = [
            (
                "GET",
                "/1/apps/com.a/channels",
                None,
                b"",
                400,
                "MissingChannelId",
            ),
            (
                "GET",
                "/1/apps/com.a/channels",
                Some("not base64!"),
                b"",
                400,
                "BadChannelId",
            ),
            (
                "POST",
                "/1/apps/com.a/channels",
                None,
                br#"{"message-storage-policy":2,"push-type":"LiveActivity"}"#,
                400,
                "BadMessageStoragePolicy",
            ),
            (
                "POST",
                "/1/apps/com.a/channels",
                None,
                br#"{"message-storage-policy":0,"push-type":"alert"}"#,
                400,
                "InvalidPushType",
            ),
            (
                "POST",
                "/1/apps/com.a/channels",
                None,
                br#"{"message-storage-policy":0}"#,
                400,
                "MissingPushType",
            ),
            (
                "PUT",
                "/1/apps/com.a/channels",
                None,
                b"",
                405,
                "MethodNotAllowed",
            ),
            ("GET", "/2/apps/com.a/channels", None, b"", 404, "BadPath"),
        ];
        for (method, path, id, body, status, want) in cases {
            let r = reg.manage(&request(method, path, id), body);
            assert_eq!(
                (r.status, reason(&r).as_str()),
                (status, want),
                "{method} {path}"
            );
        }
        assert_eq!(
            reg.manage(&request("POST", "/1/apps/com.a/channels", None), CREATE)
                .status,
            201
        );
        let full = reg.manage(&request("POST", "/1/apps/com.a/channels", None), CREATE);
        assert_eq!(
            (full.status, reason(&full).as_str()),
            (400, "CannotCreateChannelConfig")
        );
        // The limit is per bundle id.
        assert_eq!(
            reg.manage(&request("POST", "/1/apps/com.b/channels", None), CREATE)
                .status,
            201
        );
    }
}
