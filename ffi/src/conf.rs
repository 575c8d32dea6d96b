//! `apns_conf`: the flat string configuration (keys in docs/CONFIG.md).

use crate::boundary::ErrBuf;
use crate::cast::{free_box, to_boxed_ptr, Castable, Out, OwnershipBox};
use crate::result::apns_result;
use apnspush::{Config, Error, ErrorKind};
use std::ffi::c_char;

/// A configuration: every key at its default until set. Owned by the caller.
pub struct apns_conf {
    _private: [u8; 0],
}

impl Castable for apns_conf {
    type Ownership = OwnershipBox;
    type RustType = Config;
}

/// Creates a configuration with every key at its default.
/// Ownership: on APNS_OK `*out` is a new handle the caller owns (free it with
/// apns_conf_destroy); on error `*out` is untouched. Threads: a conf is used by one thread at a
/// time. Blocking: never. Errors: APNS_ERR_NULL_PARAMETER.
#[no_mangle]
pub extern "C" fn apns_conf_new(out: *mut *mut apns_conf) -> apns_result {
    ffi_boundary! {
        let out: Out<*mut apns_conf> = try_out!(out);
        out.write(to_boxed_ptr::<apns_conf>(Config::new()));
        apns_result::APNS_OK
    }
}

/// Sets one key, validated now. On error the conf is unchanged and the message is copied into
/// `errbuf` (optional; truncated to `errlen` bytes, NUL included); on success `errbuf` holds "".
/// An empty value restores the default of optional keys (host, port, credentials).
/// Ownership: `key` and `value` are copied. Threads: one thread at a time per conf.
/// Blocking: never (files named by *_file keys are read by apns_pusher_new).
/// Errors: APNS_ERR_UNKNOWN_CONFIG_KEY, APNS_ERR_INVALID_CONFIG_VALUE (also for text that is not
/// UTF-8), APNS_ERR_NULL_PARAMETER.
#[no_mangle]
pub extern "C" fn apns_conf_set(
    conf: *mut apns_conf,
    key: *const c_char,
    value: *const c_char,
    errbuf: *mut c_char,
    errlen: usize,
) -> apns_result {
    ffi_boundary! {
        let conf: &mut Config = try_mut!(conf);
        let key = crate::cast::try_cstr(key);
        let value = crate::cast::try_cstr(value);
        let (Some(key), Some(value)) = (key, value) else {
            return apns_result::APNS_ERR_NULL_PARAMETER;
        };
        let mut err = ErrBuf::new(errbuf, errlen);
        let Ok(key) = key.to_str() else {
            let e = Error::new(ErrorKind::UnknownConfigKey, "configuration key is not UTF-8");
            return err.fail(&e);
        };
        let Ok(value) = value.to_str() else {
            // Only a known key is quoted: an unknown one may be a value given as the key.
            let e = if apnspush::config::KEYS.iter().any(|(k, _)| *k == key) {
                Error::new(
                    ErrorKind::InvalidConfigValue,
                    format!("{key}: value is not UTF-8"),
                )
            } else {
                apnspush::config::unknown_key(key)
            };
            return err.fail(&e);
        };
        match conf.set(key, value) {
            Ok(()) => {
                err.clear();
                apns_result::APNS_OK
            }
            Err(e) => err.fail(&e),
        }
    }
}

/// Frees a conf. NULL is a no-op. Pushers created from it are unaffected.
/// Ownership: `conf` is invalid afterwards. Threads: no other call may use `conf` meanwhile.
/// Blocking: never.
#[no_mangle]
pub extern "C" fn apns_conf_destroy(conf: *mut apns_conf) {
    ffi_boundary! { free_box(conf) }
}
