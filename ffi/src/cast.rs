//! Every conversion between a C pointer and a Rust value, and every call into C. No other
//! file of this crate casts or dereferences a raw pointer. Functions here return `None` for a
//! NULL pointer; the `try_*!` macros of `boundary.rs` turn that into APNS_ERR_NULL_PARAMETER.
//!
//! Safety contract (stated once, relied on throughout): a non-NULL pointer from C points to a
//! live object of the documented type, buffers hold at least the length passed with them, and
//! no handle is used by two threads at once unless its functions say they may be.

use std::ffi::{c_char, c_void, CStr};
use std::marker::PhantomData;
use std::ptr::NonNull;

/// Maps a zero-sized C handle type to the Rust value behind it, and says how C holds it.
pub(crate) trait Castable {
    /// `OwnershipBox`: C owns a `Box<RustType>` from an `_new` call and frees it with
    /// `_destroy`. Borrowed pointers to the same type (callback arguments) are made with
    /// `to_const_ptr` and must never be freed.
    type Ownership;
    type RustType;
}

/// C owns a `Box` of the Rust value.
pub(crate) struct OwnershipBox;

/// Moves `value` into a new `Box` that C owns.
pub(crate) fn to_boxed_ptr<C: Castable<Ownership = OwnershipBox>>(value: C::RustType) -> *mut C {
    Box::into_raw(Box::new(value)).cast()
}

/// A borrowed pointer for C, valid as long as `value` is.
pub(crate) fn to_const_ptr<C: Castable>(value: &C::RustType) -> *const C {
    (value as *const C::RustType).cast()
}

pub(crate) fn try_ref<'a, C: Castable>(ptr: *const C) -> Option<&'a C::RustType> {
    // SAFETY: see the module contract; NULL gives None.
    unsafe { ptr.cast::<C::RustType>().as_ref() }
}

pub(crate) fn try_mut<'a, C: Castable>(ptr: *mut C) -> Option<&'a mut C::RustType> {
    // SAFETY: see the module contract; NULL gives None.
    unsafe { ptr.cast::<C::RustType>().as_mut() }
}

/// Takes back a `Box` C owned; the pointer is dangling afterwards.
pub(crate) fn try_take_box<C: Castable<Ownership = OwnershipBox>>(
    ptr: *mut C,
) -> Option<Box<C::RustType>> {
    // SAFETY: a non-NULL pointer came from `to_boxed_ptr::<C>` and is freed once (contract).
    (!ptr.is_null()).then(|| unsafe { Box::from_raw(ptr.cast::<C::RustType>()) })
}

/// Frees a handle C owned; NULL is a no-op.
pub(crate) fn free_box<C: Castable<Ownership = OwnershipBox>>(ptr: *mut C) {
    drop(try_take_box(ptr));
}

pub(crate) fn try_cstr<'a>(ptr: *const c_char) -> Option<&'a CStr> {
    // SAFETY: a non-NULL pointer is a NUL-terminated string (contract).
    (!ptr.is_null()).then(|| unsafe { CStr::from_ptr(ptr) })
}

/// Bytes C passed with their length; NULL is accepted only with length 0.
pub(crate) fn try_slice<'a>(ptr: *const u8, len: usize) -> Option<&'a [u8]> {
    match (ptr.is_null(), len) {
        (true, 0) => Some(&[]),
        (true, _) => None,
        // SAFETY: `ptr` holds at least `len` bytes (contract).
        (false, _) => Some(unsafe { std::slice::from_raw_parts(ptr, len) }),
    }
}

/// A writable buffer C passed with its length; NULL is accepted only with length 0.
pub(crate) fn try_buf<'a>(ptr: *mut u8, len: usize) -> Option<&'a mut [u8]> {
    match (ptr.is_null(), len) {
        (true, 0) => Some(&mut []),
        (true, _) => None,
        // SAFETY: `ptr` holds at least `len` writable bytes (contract).
        (false, _) => Some(unsafe { std::slice::from_raw_parts_mut(ptr, len) }),
    }
}

/// A `char` buffer as bytes.
pub(crate) fn try_char_buf<'a>(ptr: *mut c_char, len: usize) -> Option<&'a mut [u8]> {
    try_buf(ptr.cast::<u8>(), len)
}

/// An output parameter: written once, and only on success.
pub(crate) struct Out<'a, T> {
    ptr: NonNull<T>,
    _lifetime: PhantomData<&'a mut T>,
}

impl<T> Out<'_, T> {
    pub(crate) fn new(ptr: *mut T) -> Option<Self> {
        NonNull::new(ptr).map(|ptr| Out {
            ptr,
            _lifetime: PhantomData,
        })
    }

    pub(crate) fn write(self, value: T) {
        // SAFETY: C passed a writable `T` (contract); `T` here is Copy or a pointer, so
        // overwriting without dropping the old value is what C expects.
        unsafe { self.ptr.as_ptr().write(value) }
    }
}

/// `void *` user data as the engine's opaque `u64`, and back.
pub(crate) fn user_data_to_u64(user: *mut c_void) -> u64 {
    user as usize as u64
}

pub(crate) fn u64_to_user_data(value: u64) -> *mut c_void {
    value as usize as *mut c_void
}

pub(crate) fn call_outcome_cb(
    cb: unsafe extern "C" fn(*mut c_void, *const crate::apns_outcome),
    userdata: *mut c_void,
    outcome: *const crate::apns_outcome,
) {
    // SAFETY: the caller's function pointer, called on the caller's thread with a pointer
    // valid for the call.
    unsafe { cb(userdata, outcome) }
}

pub(crate) fn call_feedback_cb(
    cb: unsafe extern "C" fn(*mut c_void, u32, *const u8, usize),
    userdata: *mut c_void,
    timestamp: u32,
    token: &[u8],
) {
    // SAFETY: as above; `token` outlives the call.
    unsafe { cb(userdata, timestamp, token.as_ptr(), token.len()) }
}

pub(crate) fn call_log_fn(
    f: unsafe extern "C" fn(*mut c_void, u32, *const c_char, *const c_char),
    ctx: *mut c_void,
    level: u32,
    target: *const c_char,
    message: *const c_char,
) {
    // SAFETY: the caller's function pointer, called on the caller's thread with strings valid
    // for the call.
    unsafe { f(ctx, level, target, message) }
}
