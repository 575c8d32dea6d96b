//! The provider token (JWT) of one pusher, shared by all its connections.
//!
//! Apple wants a token under one hour old and answers 429 TooManyProviderTokenUpdates to
//! routine replacements more often than every 20 minutes. So: sign once, reuse it everywhere,
//! re-sign when it is `refresh_interval` old (default 50 minutes). A token APNs declared
//! expired (403 ExpiredProviderToken) stays expired there, so it is replaced at once: once per
//! token (a response naming an older token never re-signs), and never within `min_interval`
//! (default 5 s) of the last signing, which bounds the signing rate even against a server that
//! declares every token expired. Both intervals come from the configuration
//! (`token_refresh_interval_ms`, `token_min_interval_ms`).

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use parking_lot::Mutex;

use super::jwt::ProviderKey;
use crate::error::{Error, ErrorKind, Result};
use crate::stats::Counters;

pub(crate) struct TokenProvider {
    key: ProviderKey,
    refresh_interval: Duration,
    min_interval: Duration,
    current: Mutex<Token>,
    stats: Arc<Counters>,
}

struct Token {
    /// The `authorization` header value: "bearer " + JWT.
    header: Arc<str>,
    generation: u64,
    signed_at: Instant,
    /// APNs declared this token expired; it is replaced as soon as `min_interval` allows.
    expired: bool,
}

impl TokenProvider {
    /// Loads the key and signs the first token. Errors name the problem, never the key.
    pub(crate) fn new(
        pem: &[u8],
        key_id: &str,
        team_id: &str,
        refresh_interval: Duration,
        min_interval: Duration,
        stats: Arc<Counters>,
    ) -> Result<TokenProvider> {
        let text = std::str::from_utf8(pem)
            .map_err(|_| Error::new(ErrorKind::Credentials, "auth key is not PEM text"))?;
        let key = ProviderKey::from_pem(text, key_id, team_id)
            .map_err(|e| Error::new(ErrorKind::Credentials, format!("auth key: {e}")))?;
        let header = sign(&key)?;
        Ok(TokenProvider {
            key,
            refresh_interval,
            min_interval,
            current: Mutex::new(Token {
                header,
                generation: 1,
                signed_at: Instant::now(),
                expired: false,
            }),
            stats,
        })
    }

    /// The current `authorization` value and its generation, re-signed first if it is due.
    pub(crate) fn current(&self) -> (Arc<str>, u64) {
        let mut t = self.current.lock();
        let age = t.signed_at.elapsed();
        if (t.expired || age >= self.refresh_interval) && age >= self.min_interval {
            self.resign(&mut t);
        }
        (t.header.clone(), t.generation)
    }

    /// The generation requests carry now (for telling stale tokens from the current one).
    pub(crate) fn generation(&self) -> u64 {
        self.current.lock().generation
    }

    /// How long until a request can carry a token APNs has not declared expired: zero
    /// unless the current token is expired and `min_interval` forbids signing yet.
    pub(crate) fn wait(&self) -> Duration {
        let t = self.current.lock();
        if t.expired {
            self.min_interval.saturating_sub(t.signed_at.elapsed())
        } else {
            Duration::ZERO
        }
    }

    /// APNs answered ExpiredProviderToken to a request carrying `generation`. Replaces the
    /// token now if it is the current one and `min_interval` allows (else marks it expired,
    /// to be replaced when allowed). Returns how long until a retry can carry a fresh token.
    pub(crate) fn expired(&self, generation: u64) -> Duration {
        let mut t = self.current.lock();
        if t.generation == generation {
            t.expired = true;
            if t.signed_at.elapsed() >= self.min_interval {
                self.resign(&mut t);
            }
        }
        drop(t);
        self.wait()
    }

    fn resign(&self, t: &mut Token) {
        // A signing failure (system RNG) keeps the old token; APNs will say what it thinks.
        let why = if t.expired {
            "APNs declared the previous one expired".to_owned()
        } else {
            format!(
                "the previous one was {} s old (token_refresh_interval_ms)",
                t.signed_at.elapsed().as_secs()
            )
        };
        match sign(&self.key) {
            Ok(header) => {
                t.header = header;
                t.generation += 1;
                t.signed_at = Instant::now();
                t.expired = false;
                Counters::add(&self.stats.token_refreshes, 1);
                log::info!(
                    target: "apnspush::token",
                    "provider token re-signed (generation {}): {why}",
                    t.generation
                );
            }
            Err(e) => log::warn!(
                target: "apnspush::token",
                "could not sign a new provider token ({e}); keeping generation {}",
                t.generation
            ),
        }
    }
}

fn sign(key: &ProviderKey) -> Result<Arc<str>> {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let jwt = key
        .sign(now)
        .map_err(|e| Error::new(ErrorKind::Credentials, format!("auth key: {e}")))?;
    Ok(Arc::from(format!("bearer {jwt}")))
}
