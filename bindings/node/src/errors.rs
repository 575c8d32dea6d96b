//! JS errors. Engine errors are `Error` objects whose `code` is the stable C result name
//! (`ErrorKind::name()`, e.g. "BAD_TOKEN"); wrong argument types are `TypeError`s with code
//! `ERR_INVALID_ARG_TYPE`, out-of-range numbers `RangeError`s with `ERR_OUT_OF_RANGE`. APNs'
//! refusals of a request (code `REJECTED`, e.g. channel management) also carry `status` (the
//! HTTP status, a number) and `reason` (Apple's reason text).
//!
//! Each constructor builds the JS object at once (JS thread only) and wraps it in a
//! `napi::Error` that keeps a reference to it, so that throwing or rejecting with it hands JS
//! that very object.

use apnspush::ErrorKind;
use napi::bindgen_prelude::Unknown;
use napi::{sys, Env, JsError, JsRangeError, JsTypeError, JsValue};

/// An `Error` with `code` = the engine's code and the engine's message, plus `status` and
/// `reason` when APNs refused the request (`REJECTED`).
pub(crate) fn engine_error(env: &Env, e: &apnspush::Error) -> napi::Error {
    let (Some(status), Some(reason)) = (e.status(), e.reason()) else {
        return coded(env, e.kind(), e.message());
    };
    let js = JsError::from(napi::Error::new(e.kind().name(), e.message())).into_unknown(*env);
    let set = |key: &str, value: napi::Result<crate::js::Raw>| {
        value.and_then(|v| crate::js::set(env, js.raw(), key, v))
    };
    let added = set("status", crate::js::new_number(env, status as f64))
        .and_then(|_| set("reason", crate::js::new_string(env, reason)));
    match added {
        Ok(()) => napi::Error::from(js),
        Err(e) => e,
    }
}

/// An `Error` with `code` = `kind.name()`.
pub(crate) fn coded(env: &Env, kind: ErrorKind, message: impl Into<String>) -> napi::Error {
    let js = JsError::from(napi::Error::new(kind.name(), message.into())).into_unknown(*env);
    napi::Error::from(js)
}

/// A `TypeError` with code `ERR_INVALID_ARG_TYPE`.
pub(crate) fn type_error(env: &Env, message: impl Into<String>) -> napi::Error {
    let js = JsTypeError::from(napi::Error::new("ERR_INVALID_ARG_TYPE", message.into()))
        .into_unknown(*env);
    napi::Error::from(js)
}

/// A `RangeError` with code `ERR_OUT_OF_RANGE`.
pub(crate) fn range_error(env: &Env, message: impl Into<String>) -> napi::Error {
    let js =
        JsRangeError::from(napi::Error::new("ERR_OUT_OF_RANGE", message.into())).into_unknown(*env);
    napi::Error::from(js)
}

/// Takes the pending JS exception (after a Node-API call reported one) as an error to rethrow.
pub(crate) fn thrown(env: &Env) -> napi::Error {
    let mut exception = std::ptr::null_mut();
    unsafe { sys::napi_get_and_clear_last_exception(env.raw(), &mut exception) };
    napi::Error::from(unsafe { Unknown::from_raw_unchecked(env.raw(), exception) })
}
