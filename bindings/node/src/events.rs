//! Outcome events: their names, the listeners registered for them and emitting one outcome.
//! JS thread only (FunctionRef may be dropped anywhere).
//!
//! One outcome is emitted as up to three events, in this order: 'outcome' (every outcome; the
//! `onOutcome` listener is one of these), its kind ('accepted', 'rejected', 'failed',
//! 'expired', 'cancelled'), then 'offline' (rejected with HTTP/2 status 410, Unregistered:
//! the token is no longer valid, since `timestamp`) or 'timeout' (failed with error TIMEOUT).

use crate::settle::Value;
use crate::types::{outcome_to_js_with, OutcomeKeys};
use apnspush::{ErrorKind, Outcome, OutcomeKind};
use napi::bindgen_prelude::{FromNapiValue, FunctionRef};
use napi::{sys, Env, Result};
use std::sync::Arc;

/// The listener's return value, ignored whatever it is.
pub(crate) struct Ignored;

impl FromNapiValue for Ignored {
    unsafe fn from_napi_value(_env: sys::napi_env, _v: sys::napi_value) -> Result<Self> {
        Ok(Ignored)
    }
}

pub(crate) type Func = FunctionRef<Value, Ignored>;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Event {
    Outcome,
    Accepted,
    Rejected,
    Failed,
    Expired,
    Cancelled,
    Offline,
    Timeout,
}

impl Event {
    /// Every event name, for messages.
    pub(crate) const NAMES: &'static str =
        "outcome, accepted, rejected, failed, expired, cancelled, offline, timeout";

    pub(crate) fn parse(name: &str) -> Option<Event> {
        Some(match name {
            "outcome" => Event::Outcome,
            "accepted" => Event::Accepted,
            "rejected" => Event::Rejected,
            "failed" => Event::Failed,
            "expired" => Event::Expired,
            "cancelled" => Event::Cancelled,
            "offline" => Event::Offline,
            "timeout" => Event::Timeout,
            _ => return None,
        })
    }

    fn of_kind(kind: OutcomeKind) -> Event {
        match kind {
            OutcomeKind::Accepted => Event::Accepted,
            OutcomeKind::Rejected => Event::Rejected,
            OutcomeKind::Failed => Event::Failed,
            OutcomeKind::Expired => Event::Expired,
            OutcomeKind::Cancelled => Event::Cancelled,
        }
    }

    /// The mpush-style event an outcome also raises, if any.
    fn special(o: &Outcome) -> Option<Event> {
        match o.kind {
            OutcomeKind::Rejected if o.status == 410 => Some(Event::Offline),
            OutcomeKind::Failed if o.error == Some(ErrorKind::Timeout) => Some(Event::Timeout),
            _ => None,
        }
    }
}

pub(crate) struct Listener {
    event: Event,
    func: Func,
    /// Set by `onOutcome` (one at most; replaced by the next `onOutcome`).
    slot: bool,
}

/// The registered listeners, copied on write so that an emit works on a snapshot that a
/// listener adding or removing listeners does not disturb (as `EventEmitter#emit` does).
#[derive(Clone, Default)]
pub(crate) struct Listeners(Arc<Vec<Arc<Listener>>>);

impl Listeners {
    pub(crate) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub(crate) fn add(&mut self, event: Event, func: Func) {
        let mut v = (*self.0).clone();
        v.push(Arc::new(Listener {
            event,
            func,
            slot: false,
        }));
        self.0 = Arc::new(v);
    }

    /// Removes the first listener of `event` that is `func` (`===`); false if none is.
    pub(crate) fn remove(&mut self, env: &Env, event: Event, func: sys::napi_value) -> bool {
        let found = self.0.iter().position(|l| {
            l.event == event
                && !l.slot
                && l.func
                    .borrow_back(env)
                    .is_ok_and(|f| crate::js::strict_equals(env, napi::JsValue::raw(&f), func))
        });
        let Some(i) = found else { return false };
        let mut v = (*self.0).clone();
        v.remove(i);
        self.0 = Arc::new(v);
        true
    }

    /// Sets or removes the `onOutcome` listener.
    pub(crate) fn set_slot(&mut self, func: Option<Func>) {
        let mut v: Vec<_> = self.0.iter().filter(|l| !l.slot).cloned().collect();
        if let Some(func) = func {
            v.push(Arc::new(Listener {
                event: Event::Outcome,
                func,
                slot: true,
            }));
        }
        self.0 = Arc::new(v);
    }

    /// The listeners' functions, resolved for one batch of emits (valid in the current handle
    /// scope).
    pub(crate) fn prepare(&self, env: &Env) -> Prepared {
        let funcs = self
            .0
            .iter()
            .filter_map(|l| {
                let f = l.func.borrow_back(env).ok()?;
                Some((l.event, napi::JsValue::raw(&f)))
            })
            .collect();
        Prepared(funcs)
    }
}

/// Listener functions ready to be called, in registration order.
pub(crate) struct Prepared(Vec<(Event, sys::napi_value)>);

impl Prepared {
    /// Emits `o` to the listeners of its events. A listener that throws raises
    /// 'uncaughtException' (as an EventEmitter listener called from an async callback would);
    /// the other listeners and the following outcomes still run.
    pub(crate) fn emit(&self, env: &Env, keys: &OutcomeKeys, o: &Outcome) {
        let kind = Event::of_kind(o.kind);
        let special = Event::special(o);
        let wanted = |e: Event| e == Event::Outcome || e == kind || Some(e) == special;
        if !self.0.iter().any(|(e, _)| wanted(*e)) {
            return;
        }
        let obj = match outcome_to_js_with(env, keys, o) {
            Ok(obj) => obj,
            Err(e) => return env.fatal_exception(e),
        };
        let Ok(this) = crate::js::undefined(env) else {
            return;
        };
        for event in [Some(Event::Outcome), Some(kind), special]
            .into_iter()
            .flatten()
        {
            for (_, f) in self.0.iter().filter(|(e, _)| *e == event) {
                if let Err(e) = crate::js::call(env, this, *f, &[obj]) {
                    env.fatal_exception(e);
                }
            }
        }
    }
}
