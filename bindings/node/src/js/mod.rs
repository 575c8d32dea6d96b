//! Raw Node-API access to JS values: readers for arguments here, constructors and calls in
//! make.rs. Every function runs on the JS thread that owns `env`; a value of the wrong JS type
//! becomes a `TypeError` (see errors.rs), never a panic.

mod make;

pub(crate) use make::*;

use crate::errors::{thrown, type_error};
use napi::{sys, Env, Result};
use std::ptr;

/// A borrowed JS value, valid for the current native call only.
pub(crate) type Raw = sys::napi_value;

/// The JS type of a value, as `typeof` reports it (with `null` apart).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    Undefined,
    Null,
    Boolean,
    Number,
    String,
    Symbol,
    Object,
    Function,
    Other,
}

impl Kind {
    /// The name used in TypeError messages.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Kind::Undefined => "undefined",
            Kind::Null => "null",
            Kind::Boolean => "boolean",
            Kind::Number => "number",
            Kind::String => "string",
            Kind::Symbol => "symbol",
            Kind::Object => "object",
            Kind::Function => "function",
            Kind::Other => "bigint",
        }
    }

    /// `undefined` or `null`: treated as "not given" everywhere.
    pub(crate) fn is_absent(self) -> bool {
        matches!(self, Kind::Undefined | Kind::Null)
    }
}

/// A Node-API status as a result; a pending exception becomes the error.
fn ok(env: &Env, status: sys::napi_status) -> Result<()> {
    if status == sys::Status::napi_ok {
        Ok(())
    } else if status == sys::Status::napi_pending_exception {
        Err(thrown(env))
    } else {
        Err(napi::Error::new(
            napi::Status::from(status),
            "Node-API call failed",
        ))
    }
}

pub(crate) fn kind(env: &Env, v: Raw) -> Kind {
    let mut t = 0;
    unsafe { sys::napi_typeof(env.raw(), v, &mut t) };
    match t {
        sys::ValueType::napi_undefined => Kind::Undefined,
        sys::ValueType::napi_null => Kind::Null,
        sys::ValueType::napi_boolean => Kind::Boolean,
        sys::ValueType::napi_number => Kind::Number,
        sys::ValueType::napi_string => Kind::String,
        sys::ValueType::napi_symbol => Kind::Symbol,
        sys::ValueType::napi_object => Kind::Object,
        sys::ValueType::napi_function => Kind::Function,
        _ => Kind::Other,
    }
}

/// `what` must be a string, else TypeError naming `what`.
pub(crate) fn string(env: &Env, v: Raw, what: &str) -> Result<String> {
    expect(env, v, Kind::String, what)?;
    string_unchecked(env, v)
}

/// Reads a value already known to be a string.
pub(crate) fn string_unchecked(env: &Env, v: Raw) -> Result<String> {
    let mut len = 0;
    ok(env, unsafe {
        sys::napi_get_value_string_utf8(env.raw(), v, ptr::null_mut(), 0, &mut len)
    })?;
    let mut buf = vec![0u8; len + 1];
    let mut written = 0;
    ok(env, unsafe {
        sys::napi_get_value_string_utf8(
            env.raw(),
            v,
            buf.as_mut_ptr().cast(),
            len + 1,
            &mut written,
        )
    })?;
    buf.truncate(written);
    // Node-API writes valid UTF-8 (lone surrogates become U+FFFD).
    Ok(String::from_utf8(buf)
        .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned()))
}

/// Reads a value already known to be a string, through a per-thread buffer: one Node-API call
/// instead of two for strings under 8 KiB (the payload on the `pushAsync` hot path).
pub(crate) fn with_string<R>(env: &Env, v: Raw, f: impl FnOnce(&str) -> R) -> Result<R> {
    thread_local! {
        static BUF: std::cell::RefCell<Vec<u8>> = std::cell::RefCell::new(vec![0u8; 8192]);
    }
    BUF.with(|cell| {
        let mut buf = cell.borrow_mut();
        let mut written = 0;
        ok(env, unsafe {
            sys::napi_get_value_string_utf8(
                env.raw(),
                v,
                buf.as_mut_ptr().cast(),
                buf.len(),
                &mut written,
            )
        })?;
        if written + 1 < buf.len() {
            if let Ok(text) = std::str::from_utf8(&buf[..written]) {
                return Ok(f(text));
            }
        }
        drop(buf);
        Ok(f(&string_unchecked(env, v)?))
    })
}

/// Copies a string into `buf` when it fits; `None` when it is longer than `buf.len() - 2` bytes.
pub(crate) fn string_into<'b>(env: &Env, v: Raw, buf: &'b mut [u8]) -> Result<Option<&'b str>> {
    let mut written = 0;
    ok(env, unsafe {
        sys::napi_get_value_string_utf8(
            env.raw(),
            v,
            buf.as_mut_ptr().cast(),
            buf.len(),
            &mut written,
        )
    })?;
    if written + 1 >= buf.len() {
        return Ok(None);
    }
    Ok(std::str::from_utf8(&buf[..written]).ok())
}

/// `what` must be a number, else TypeError.
pub(crate) fn number(env: &Env, v: Raw, what: &str) -> Result<f64> {
    expect(env, v, Kind::Number, what)?;
    let mut n = 0.0;
    ok(env, unsafe {
        sys::napi_get_value_double(env.raw(), v, &mut n)
    })?;
    Ok(n)
}

/// `what` must be a boolean, else TypeError.
pub(crate) fn boolean(env: &Env, v: Raw, what: &str) -> Result<bool> {
    expect(env, v, Kind::Boolean, what)?;
    let mut b = false;
    ok(env, unsafe {
        sys::napi_get_value_bool(env.raw(), v, &mut b)
    })?;
    Ok(b)
}

/// TypeError unless `v` has JS type `want`.
pub(crate) fn expect(env: &Env, v: Raw, want: Kind, what: &str) -> Result<()> {
    let got = kind(env, v);
    if got == want {
        Ok(())
    } else {
        Err(type_error(
            env,
            format!(
                "{what} must be a {}, got {}",
                want.name(),
                describe(env, v, got)
            ),
        ))
    }
}

/// A short description of a value's type for messages ("an array", "null", "number").
pub(crate) fn describe(env: &Env, v: Raw, k: Kind) -> &'static str {
    if k == Kind::Object && is_array(env, v) {
        "an array"
    } else {
        k.name()
    }
}

pub(crate) fn is_array(env: &Env, v: Raw) -> bool {
    let mut b = false;
    unsafe { sys::napi_is_array(env.raw(), v, &mut b) };
    b
}

pub(crate) fn is_date(env: &Env, v: Raw) -> bool {
    let mut b = false;
    unsafe { sys::napi_is_date(env.raw(), v, &mut b) };
    b
}

pub(crate) fn date_ms(env: &Env, v: Raw) -> Result<f64> {
    let mut ms = 0.0;
    ok(env, unsafe {
        sys::napi_get_date_value(env.raw(), v, &mut ms)
    })?;
    Ok(ms)
}

/// The bytes of a Buffer or Uint8Array, or `None` if `v` is neither.
pub(crate) fn bytes(env: &Env, v: Raw) -> Result<Option<Vec<u8>>> {
    let mut is = false;
    unsafe { sys::napi_is_typedarray(env.raw(), v, &mut is) };
    if !is {
        return Ok(None);
    }
    let (mut t, mut len, mut data, mut ab, mut off) =
        (0, 0usize, ptr::null_mut(), ptr::null_mut(), 0usize);
    ok(env, unsafe {
        sys::napi_get_typedarray_info(env.raw(), v, &mut t, &mut len, &mut data, &mut ab, &mut off)
    })?;
    if t != sys::TypedarrayType::uint8_array {
        return Ok(None);
    }
    if len == 0 {
        return Ok(Some(Vec::new()));
    }
    Ok(Some(
        unsafe { std::slice::from_raw_parts(data as *const u8, len) }.to_vec(),
    ))
}

/// Own enumerable string keys of an object, with a callback per key: `f(key, value)`.
/// Short keys are read into a stack buffer (this is the `pushAsync` hot path).
pub(crate) fn for_each_entry(
    env: &Env,
    obj: Raw,
    mut f: impl FnMut(&str, Raw) -> Result<()>,
) -> Result<()> {
    let mut keys = ptr::null_mut();
    ok(env, unsafe {
        sys::napi_get_all_property_names(
            env.raw(),
            obj,
            sys::KeyCollectionMode::own_only,
            sys::KeyFilter::enumerable | sys::KeyFilter::skip_symbols,
            sys::KeyConversion::numbers_to_strings,
            &mut keys,
        )
    })?;
    let mut n = 0u32;
    ok(env, unsafe {
        sys::napi_get_array_length(env.raw(), keys, &mut n)
    })?;
    let mut buf = [0u8; 64];
    for i in 0..n {
        let mut key = ptr::null_mut();
        ok(env, unsafe {
            sys::napi_get_element(env.raw(), keys, i, &mut key)
        })?;
        let mut value = ptr::null_mut();
        ok(env, unsafe {
            sys::napi_get_property(env.raw(), obj, key, &mut value)
        })?;
        match string_into(env, key, &mut buf)? {
            Some(name) => f(name, value)?,
            None => f(&string_unchecked(env, key)?, value)?,
        }
    }
    Ok(())
}

/// Own enumerable string keys with their values, for inputs where key text matters in full.
pub(crate) fn entries(env: &Env, obj: Raw) -> Result<Vec<(String, Raw)>> {
    let mut out = Vec::new();
    for_each_entry(env, obj, |key, value| {
        out.push((key.to_owned(), value));
        Ok(())
    })?;
    Ok(out)
}

/// Elements of an array (TypeError naming `what` if `v` is not one).
pub(crate) fn elements(env: &Env, v: Raw, what: &str) -> Result<Vec<Raw>> {
    if !is_array(env, v) {
        let k = kind(env, v);
        return Err(type_error(
            env,
            format!("{what} must be an array, got {}", describe(env, v, k)),
        ));
    }
    let mut n = 0u32;
    ok(env, unsafe {
        sys::napi_get_array_length(env.raw(), v, &mut n)
    })?;
    (0..n)
        .map(|i| {
            let mut e = ptr::null_mut();
            ok(env, unsafe {
                sys::napi_get_element(env.raw(), v, i, &mut e)
            })?;
            Ok(e)
        })
        .collect()
}
