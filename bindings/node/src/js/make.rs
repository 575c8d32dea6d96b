//! Creating JS values, calling JS functions and holding values across threads. JS thread only.

use super::{kind, ok, string_unchecked, Kind, Raw};
use napi::{sys, Env, Result};
use std::ptr;

/// `JSON.stringify(v)`; `None` when it yields `undefined` (functions, symbols, undefined).
/// An exception thrown by stringify (BigInt, cycles, a throwing toJSON) is returned as is.
pub(crate) fn json_stringify(env: &Env, v: Raw) -> Result<Option<String>> {
    let mut global = ptr::null_mut();
    ok(env, unsafe { sys::napi_get_global(env.raw(), &mut global) })?;
    let mut json = ptr::null_mut();
    ok(env, unsafe {
        sys::napi_get_named_property(env.raw(), global, c"JSON".as_ptr(), &mut json)
    })?;
    let mut stringify = ptr::null_mut();
    ok(env, unsafe {
        sys::napi_get_named_property(env.raw(), json, c"stringify".as_ptr(), &mut stringify)
    })?;
    let mut out = ptr::null_mut();
    ok(env, unsafe {
        sys::napi_call_function(env.raw(), json, stringify, 1, [v].as_ptr(), &mut out)
    })?;
    if kind(env, out) == Kind::String {
        string_unchecked(env, out).map(Some)
    } else {
        Ok(None)
    }
}

/// Calls `f()` with `this` undefined; a thrown exception is returned as the error.
pub(crate) fn call0(env: &Env, f: Raw) -> Result<Raw> {
    let mut undefined = ptr::null_mut();
    ok(env, unsafe {
        sys::napi_get_undefined(env.raw(), &mut undefined)
    })?;
    let mut out = ptr::null_mut();
    ok(env, unsafe {
        sys::napi_call_function(env.raw(), undefined, f, 0, ptr::null(), &mut out)
    })?;
    Ok(out)
}

pub(crate) fn undefined(env: &Env) -> Result<Raw> {
    let mut v = ptr::null_mut();
    ok(env, unsafe { sys::napi_get_undefined(env.raw(), &mut v) })?;
    Ok(v)
}

pub(crate) fn new_object(env: &Env) -> Result<Raw> {
    let mut v = ptr::null_mut();
    ok(env, unsafe { sys::napi_create_object(env.raw(), &mut v) })?;
    Ok(v)
}

/// An object with `keys[i]: values[i]` as plain data properties, in that order; a null
/// `values[i]` leaves the key out.
pub(crate) fn new_object_with(env: &Env, keys: &[Raw], values: &[Raw]) -> Result<Raw> {
    let obj = new_object(env)?;
    for (&k, &v) in keys.iter().zip(values) {
        if v.is_null() {
            continue;
        }
        ok(env, unsafe { sys::napi_set_property(env.raw(), obj, k, v) })?;
    }
    Ok(obj)
}

pub(crate) fn new_array(env: &Env, items: &[Raw]) -> Result<Raw> {
    let mut a = ptr::null_mut();
    ok(env, unsafe {
        sys::napi_create_array_with_length(env.raw(), items.len(), &mut a)
    })?;
    for (i, item) in items.iter().enumerate() {
        ok(env, unsafe {
            sys::napi_set_element(env.raw(), a, i as u32, *item)
        })?;
    }
    Ok(a)
}

pub(crate) fn new_string(env: &Env, s: &str) -> Result<Raw> {
    let mut v = ptr::null_mut();
    ok(env, unsafe {
        sys::napi_create_string_utf8(env.raw(), s.as_ptr().cast(), s.len() as isize, &mut v)
    })?;
    Ok(v)
}

pub(crate) fn new_number(env: &Env, n: f64) -> Result<Raw> {
    let mut v = ptr::null_mut();
    ok(env, unsafe {
        sys::napi_create_double(env.raw(), n, &mut v)
    })?;
    Ok(v)
}

pub(crate) fn new_boolean(env: &Env, b: bool) -> Result<Raw> {
    let mut v = ptr::null_mut();
    ok(env, unsafe { sys::napi_get_boolean(env.raw(), b, &mut v) })?;
    Ok(v)
}

/// `obj[key] = value` for a key known at compile time.
pub(crate) fn set_named(env: &Env, obj: Raw, key: &std::ffi::CStr, value: Raw) -> Result<()> {
    ok(env, unsafe {
        sys::napi_set_named_property(env.raw(), obj, key.as_ptr(), value)
    })
}

/// `obj[key]`, for a key known at compile time.
pub(crate) fn get_named(env: &Env, obj: Raw, key: &std::ffi::CStr) -> Result<Raw> {
    let mut v = ptr::null_mut();
    ok(env, unsafe {
        sys::napi_get_named_property(env.raw(), obj, key.as_ptr(), &mut v)
    })?;
    Ok(v)
}

/// Calls `f` with `this` and `args`; a thrown exception is returned as the error.
pub(crate) fn call(env: &Env, this: Raw, f: Raw, args: &[Raw]) -> Result<Raw> {
    let mut out = ptr::null_mut();
    ok(env, unsafe {
        sys::napi_call_function(env.raw(), this, f, args.len(), args.as_ptr(), &mut out)
    })?;
    Ok(out)
}

pub(crate) fn global(env: &Env) -> Result<Raw> {
    let mut g = ptr::null_mut();
    ok(env, unsafe { sys::napi_get_global(env.raw(), &mut g) })?;
    Ok(g)
}

/// `a === b`.
pub(crate) fn strict_equals(env: &Env, a: Raw, b: Raw) -> bool {
    let mut eq = false;
    unsafe { sys::napi_strict_equals(env.raw(), a, b, &mut eq) };
    eq
}

/// Runs `f` inside a handle scope of its own, so that the values it creates can be collected
/// once it returns (for loops that create many values in one native call).
pub(crate) fn scoped<T>(env: &Env, f: impl FnOnce() -> T) -> T {
    struct Scope(sys::napi_env, sys::napi_handle_scope);
    impl Drop for Scope {
        fn drop(&mut self) {
            if !self.1.is_null() {
                unsafe { sys::napi_close_handle_scope(self.0, self.1) };
            }
        }
    }
    let mut scope = Scope(env.raw(), ptr::null_mut());
    unsafe { sys::napi_open_handle_scope(env.raw(), &mut scope.1) };
    f()
}

pub(crate) fn set(env: &Env, obj: Raw, key: &str, value: Raw) -> Result<()> {
    let k = new_string(env, key)?;
    ok(env, unsafe {
        sys::napi_set_property(env.raw(), obj, k, value)
    })
}

/// A reference that keeps `v` alive across threads until `take` (objects and functions only
/// before Node-API 10, so callers box primitives in an object first).
pub(crate) struct Held(sys::napi_ref);

// The reference is only created, read and deleted on the JS thread (in `hold` and `take`);
// other threads merely carry it. A `Held` dropped without `take` leaks one reference.
unsafe impl Send for Held {}

pub(crate) fn hold(env: &Env, v: Raw) -> Result<Held> {
    let holder = new_object(env)?;
    set(env, holder, "value", v)?;
    let mut r = ptr::null_mut();
    ok(env, unsafe {
        sys::napi_create_reference(env.raw(), holder, 1, &mut r)
    })?;
    Ok(Held(r))
}

impl Held {
    /// The held value; deletes the reference. JS thread only.
    pub(crate) fn take(self, env: &Env) -> Result<Raw> {
        let mut holder = ptr::null_mut();
        ok(env, unsafe {
            sys::napi_get_reference_value(env.raw(), self.0, &mut holder)
        })?;
        unsafe { sys::napi_delete_reference(env.raw(), self.0) };
        let mut v = ptr::null_mut();
        ok(env, unsafe {
            sys::napi_get_named_property(env.raw(), holder, c"value".as_ptr(), &mut v)
        })?;
        Ok(v)
    }
}
