//! The panic boundary and the argument-checking macros every exported function uses.

use crate::cast;
use crate::result::apns_result;
use apnspush::Error;
use std::ffi::c_char;

/// What an exported function returns when its body panicked or a required pointer was NULL.
pub(crate) trait BoundaryValue {
    fn on_panic() -> Self;
    fn on_null() -> Self;
    /// A string argument that is not UTF-8.
    fn on_bad_utf8() -> Self
    where
        Self: Sized,
    {
        Self::on_null()
    }
}

impl BoundaryValue for apns_result {
    fn on_panic() -> Self {
        apns_result::APNS_ERR_PANIC
    }
    fn on_null() -> Self {
        apns_result::APNS_ERR_NULL_PARAMETER
    }
    fn on_bad_utf8() -> Self {
        apns_result::APNS_ERR_INVALID_ARGUMENT
    }
}

impl<T> BoundaryValue for *const T {
    fn on_panic() -> Self {
        std::ptr::null()
    }
    fn on_null() -> Self {
        std::ptr::null()
    }
}

impl<T> BoundaryValue for *mut T {
    fn on_panic() -> Self {
        std::ptr::null_mut()
    }
    fn on_null() -> Self {
        std::ptr::null_mut()
    }
}

macro_rules! zero_on_failure {
    ($($t:ty),*) => {$(
        impl BoundaryValue for $t {
            fn on_panic() -> Self { Default::default() }
            fn on_null() -> Self { Default::default() }
        }
    )*};
}
zero_on_failure!((), bool, u16, u32, u64, usize);

/// Runs an exported body, turning a panic into `BoundaryValue::on_panic()`. `return` inside the
/// body returns from the exported function.
macro_rules! ffi_boundary {
    ($($body:tt)*) => {{
        let run = || { $($body)* };
        match ::std::panic::catch_unwind(::std::panic::AssertUnwindSafe(run)) {
            Ok(value) => value,
            Err(_) => $crate::boundary::BoundaryValue::on_panic(),
        }
    }};
}

/// `&RustType` behind a handle, or return `on_null()`.
macro_rules! try_ref {
    ($ptr:expr) => {
        match $crate::cast::try_ref($ptr) {
            Some(value) => value,
            None => return $crate::boundary::BoundaryValue::on_null(),
        }
    };
}

/// `&mut RustType` behind a handle, or return `on_null()`.
macro_rules! try_mut {
    ($ptr:expr) => {
        match $crate::cast::try_mut($ptr) {
            Some(value) => value,
            None => return $crate::boundary::BoundaryValue::on_null(),
        }
    };
}

/// A required output parameter, or return `on_null()`.
macro_rules! try_out {
    ($ptr:expr) => {
        match $crate::cast::Out::new($ptr) {
            Some(out) => out,
            None => return $crate::boundary::BoundaryValue::on_null(),
        }
    };
}

/// A required `const char *` as `&str`: NULL returns `on_null()`, non-UTF-8 `on_bad_utf8()`.
macro_rules! try_str {
    ($ptr:expr) => {
        match $crate::cast::try_cstr($ptr).map(|s| s.to_str()) {
            Some(Ok(s)) => s,
            Some(Err(_)) => return $crate::boundary::BoundaryValue::on_bad_utf8(),
            None => return $crate::boundary::BoundaryValue::on_null(),
        }
    };
}

/// A `(pointer, length)` input as `&[u8]`; NULL is accepted only with length 0.
macro_rules! try_slice {
    ($ptr:expr, $len:expr) => {
        match $crate::cast::try_slice($ptr, $len) {
            Some(bytes) => bytes,
            None => return $crate::boundary::BoundaryValue::on_null(),
        }
    };
}

/// A required callback.
macro_rules! try_callback {
    ($cb:expr) => {
        match $cb {
            Some(cb) => cb,
            None => return $crate::boundary::BoundaryValue::on_null(),
        }
    };
}

/// The optional `char *errbuf, size_t errlen` pair every fallible constructor takes.
pub(crate) struct ErrBuf<'a>(Option<&'a mut [u8]>);

impl<'a> ErrBuf<'a> {
    pub(crate) fn new(ptr: *mut c_char, len: usize) -> Self {
        ErrBuf(cast::try_char_buf(ptr, len).filter(|b| !b.is_empty()))
    }

    /// Copies `message`, truncated at a character boundary, NUL-terminated.
    pub(crate) fn write(&mut self, message: &str) {
        if let Some(buf) = self.0.as_deref_mut() {
            let mut n = message.len().min(buf.len() - 1);
            while !message.is_char_boundary(n) {
                n -= 1;
            }
            buf[..n].copy_from_slice(&message.as_bytes()[..n]);
            buf[n] = 0;
        }
    }

    /// Copies the error's message and returns its result code.
    pub(crate) fn fail(&mut self, error: &Error) -> apns_result {
        self.write(error.message());
        apns_result::from_kind(error.kind())
    }

    /// Empties the buffer (success leaves "" in it).
    pub(crate) fn clear(&mut self) {
        self.write("");
    }
}

/// Copies `text` and a NUL into `buf` if it fits. `needed` (optional) always receives the size
/// required, NUL included; a buffer too small is left untouched and gives
/// APNS_ERR_BUFFER_TOO_SMALL.
pub(crate) fn write_text(
    buf: *mut c_char,
    len: usize,
    needed: *mut usize,
    text: &str,
) -> apns_result {
    write_bytes(buf.cast::<u8>(), len, needed, text.as_bytes(), true)
}

/// As `write_text` for raw bytes, with no terminator unless `nul` is set.
pub(crate) fn write_bytes(
    buf: *mut u8,
    len: usize,
    needed: *mut usize,
    bytes: &[u8],
    nul: bool,
) -> apns_result {
    let size = bytes.len() + usize::from(nul);
    if let Some(out) = cast::Out::new(needed) {
        out.write(size);
    }
    let Some(buf) = cast::try_buf(buf, len) else {
        return apns_result::APNS_ERR_NULL_PARAMETER;
    };
    if buf.len() < size {
        return apns_result::APNS_ERR_BUFFER_TOO_SMALL;
    }
    buf[..bytes.len()].copy_from_slice(bytes);
    if nul {
        buf[bytes.len()] = 0;
    }
    apns_result::APNS_OK
}

/// `int64_t timeout_ms` -> `None` (no limit) when negative.
pub(crate) fn timeout(ms: i64) -> Option<std::time::Duration> {
    u64::try_from(ms).ok().map(std::time::Duration::from_millis)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn panics(n: *const u8) -> apns_result {
        ffi_boundary! {
            if n.is_null() {
                return BoundaryValue::on_null();
            }
            panic!("a bug")
        }
    }

    fn panics_ptr() -> *const u8 {
        ffi_boundary! { panic!("a bug") }
    }

    #[test]
    fn a_panic_becomes_a_result_or_null() {
        assert_eq!(
            panics(std::ptr::NonNull::<u8>::dangling().as_ptr()),
            apns_result::APNS_ERR_PANIC
        );
        assert_eq!(
            panics(std::ptr::null()),
            apns_result::APNS_ERR_NULL_PARAMETER
        );
        assert!(panics_ptr().is_null());
    }

    #[test]
    fn errbuf_truncates_at_a_character_boundary() {
        let mut buf = [0x55u8; 5];
        ErrBuf::new(buf.as_mut_ptr().cast(), buf.len()).write("ab\u{e9}cd");
        // "ab" + the two bytes of 'é' need 4 bytes plus the NUL: all fit exactly.
        assert_eq!(&buf, b"ab\xc3\xa9\0");
        let mut buf = [0x55u8; 4];
        ErrBuf::new(buf.as_mut_ptr().cast(), buf.len()).write("ab\u{e9}cd");
        assert_eq!(&buf[..3], b"ab\0");
        ErrBuf::new(std::ptr::null_mut(), 10).write("ignored");
    }

    #[test]
    fn write_text_reports_the_size_and_leaves_a_short_buffer_alone() {
        let mut needed = 0usize;
        let mut buf = [b'z'; 3];
        let r = write_text(buf.as_mut_ptr().cast(), buf.len(), &mut needed, "abc");
        assert_eq!(
            (r, needed, buf),
            (apns_result::APNS_ERR_BUFFER_TOO_SMALL, 4, [b'z'; 3])
        );
        let mut buf = [b'z'; 4];
        let r = write_text(buf.as_mut_ptr().cast(), buf.len(), &mut needed, "abc");
        assert_eq!((r, &buf), (apns_result::APNS_OK, b"abc\0"));
    }
}
