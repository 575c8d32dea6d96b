//! What the server saw, shared by every connection task.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::Mutex;

/// A rejected request: the token as in the path, the status, the reason.
type Rejection = (String, u16, &'static str);

pub struct Record {
    pub accepted: AtomicU64,
    pub rejected: AtomicU64,
    pub connections: AtomicU64,
    pub without_authorization: AtomicU64,
    pub apns_ids_generated: AtomicU64,
    /// Accepted requests per token (hex, as in the path), when recording tokens.
    tokens: Option<Mutex<HashMap<String, u64>>>,
    /// Rejected requests: (token as in the path, status, reason), when recording tokens.
    rejections: Option<Mutex<Vec<Rejection>>>,
}

impl Record {
    pub fn new(record_tokens: bool) -> Record {
        Record {
            accepted: AtomicU64::new(0),
            rejected: AtomicU64::new(0),
            connections: AtomicU64::new(0),
            without_authorization: AtomicU64::new(0),
            apns_ids_generated: AtomicU64::new(0),
            tokens: record_tokens.then(|| Mutex::new(HashMap::new())),
            rejections: record_tokens.then(|| Mutex::new(Vec::new())),
        }
    }

    pub fn accept(&self, token: &str) {
        self.accepted.fetch_add(1, Relaxed);
        if let Some(tokens) = &self.tokens {
            let mut t = tokens.lock().unwrap_or_else(|p| p.into_inner());
            *t.entry(token.to_string()).or_insert(0) += 1;
        }
    }

    pub fn reject(&self, token: &str, status: u16, reason: &'static str) {
        self.rejected.fetch_add(1, Relaxed);
        if let Some(r) = &self.rejections {
            let mut r = r.lock().unwrap_or_else(|p| p.into_inner());
            r.push((token.to_string(), status, reason));
        }
    }

    /// `{"accepted", "rejected", "connections", "without_authorization", "apns_ids_generated",
    /// "cpu_secs"}`, plus `"accepted_tokens": {hex: count}` and
    /// `"rejections": [{"token", "status", "reason"}]` when recording tokens.
    pub fn summary(&self, cpu_secs: f64) -> serde_json::Value {
        let mut s = serde_json::json!({
            "accepted": self.accepted.load(Relaxed),
            "rejected": self.rejected.load(Relaxed),
            "connections": self.connections.load(Relaxed),
            "without_authorization": self.without_authorization.load(Relaxed),
            "apns_ids_generated": self.apns_ids_generated.load(Relaxed),
            "cpu_secs": cpu_secs,
        });
        if let Some(tokens) = &self.tokens {
            let t = tokens.lock().unwrap_or_else(|p| p.into_inner());
            s["accepted_tokens"] = serde_json::json!(*t);
        }
        if let Some(r) = &self.rejections {
            let r = r.lock().unwrap_or_else(|p| p.into_inner());
            s["rejections"] = r
                .iter()
                .map(|(token, status, reason)| {
                    serde_json::json!({"token": token, "status": status, "reason": reason})
                })
                .collect();
        }
        s
    }
}
