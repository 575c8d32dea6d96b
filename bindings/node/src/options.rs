//! Pusher options: a plain object of the flat configuration keys (docs/CONFIG.md), values
//! string, number or boolean; `undefined`/`null` values are skipped. JS thread only.

use crate::errors::{engine_error, type_error};
use crate::js::{self, Kind, Raw};
use apnspush::Config;
use napi::{Env, Result};
use std::time::Duration;

/// A validated configuration plus what the binding itself needs to know.
pub(crate) struct Options {
    pub config: Config,
    pub close_timeout: Duration,
    /// `outcome_reports`: which outcomes become events. The binding takes every outcome from
    /// the engine through its dispatcher (`Pusher::watch`), so `config` has the engine's own
    /// report queue turned off (`outcome_reports = none`).
    pub reports: Reports,
}

/// Which outcomes are emitted as events (`outcome_reports`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Reports {
    All,
    Failures,
    None,
}

/// Errors: TypeError (not an object, or a value of another type), `UNKNOWN_CONFIG_KEY`,
/// `INVALID_CONFIG_VALUE`.
pub(crate) fn options_from_js(env: &Env, v: Raw, what: &str) -> Result<Options> {
    let mut config = Config::new();
    let mut close_ms = default_close_timeout_ms();
    let mut reports = Reports::All;
    let k = js::kind(env, v);
    if k.is_absent() {
        return finish(env, config, close_ms, reports);
    }
    if k != Kind::Object || js::is_array(env, v) {
        return Err(type_error(
            env,
            format!("{what} must be an object, got {}", js::describe(env, v, k)),
        ));
    }
    for (key, value) in js::entries(env, v)? {
        let Some(text) = value_text(env, value, &key)? else {
            continue;
        };
        config.set(&key, &text).map_err(|e| engine_error(env, &e))?;
        if key == "close_timeout_ms" {
            // Validated by `set` just above.
            close_ms = text.trim().parse().unwrap_or(close_ms);
        }
        if key == "outcome_reports" {
            // Validated by `set` just above.
            reports = match text.trim() {
                "failures" => Reports::Failures,
                "none" => Reports::None,
                _ => Reports::All,
            };
        }
    }
    finish(env, config, close_ms, reports)
}

fn finish(env: &Env, mut config: Config, close_ms: u64, reports: Reports) -> Result<Options> {
    config
        .set("outcome_reports", "none")
        .map_err(|e| engine_error(env, &e))?;
    Ok(Options {
        config,
        close_timeout: Duration::from_millis(close_ms),
        reports,
    })
}

/// The text of one option value; `None` for undefined/null.
fn value_text(env: &Env, v: Raw, key: &str) -> Result<Option<String>> {
    let k = js::kind(env, v);
    Ok(Some(match k {
        Kind::Undefined | Kind::Null => return Ok(None),
        Kind::String => js::string_unchecked(env, v)?,
        Kind::Boolean => js::boolean(env, v, key)?.to_string(),
        Kind::Number => number_text(js::number(env, v, key)?),
        _ => {
            return Err(type_error(
                env,
                format!(
                    "option {key:?} must be a string, number or boolean, got {}",
                    js::describe(env, v, k)
                ),
            ))
        }
    }))
}

/// Integers print without a fraction ("5000"); anything else as Rust prints it, which the
/// config then rejects as an invalid value.
fn number_text(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 9.007_199_254_740_992e15 {
        format!("{}", n as i64)
    } else {
        format!("{n}")
    }
}

fn default_close_timeout_ms() -> u64 {
    apnspush::config::KEYS
        .iter()
        .find(|(k, _)| *k == "close_timeout_ms")
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(5000)
}

/// An optional timeout argument in milliseconds: undefined/null → `None`.
/// TypeError for another type, RangeError for a negative or non-finite number.
pub(crate) fn timeout_from_js(env: &Env, v: Raw, what: &str) -> Result<Option<Duration>> {
    if js::kind(env, v).is_absent() {
        return Ok(None);
    }
    let ms = js::number(env, v, what)?;
    if !ms.is_finite() || ms < 0.0 {
        return Err(crate::errors::range_error(
            env,
            format!("{what} must be a finite number of milliseconds >= 0, got {ms}"),
        ));
    }
    Ok(Some(Duration::from_secs_f64(ms / 1000.0)))
}
