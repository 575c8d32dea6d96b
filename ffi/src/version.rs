//! Version macros of the header and the version of the loaded library.

use std::ffi::c_char;

/// Major version of the header. tests/c/version.c checks the version macros against the
/// library and scripts/test-c.sh against the workspace version in Cargo.toml.
pub const APNS_VERSION_MAJOR: u32 = 0;
/// Minor version of the header.
pub const APNS_VERSION_MINOR: u32 = 1;
/// Patch version of the header.
pub const APNS_VERSION_PATCH: u32 = 0;

const LIBRARY_VERSION: &std::ffi::CStr = match std::ffi::CStr::from_bytes_with_nul(
    concat!(env!("CARGO_PKG_VERSION"), "\0").as_bytes(),
) {
    Ok(v) => v,
    Err(_) => panic!("the package version has no NUL byte"),
};

/// The version of the loaded library, "MAJOR.MINOR.PATCH"; compare it with
/// APNS_VERSION_STRING to detect a header/library mismatch.
/// Ownership: a static string; never free it. Threads: any. Blocking: never.
#[no_mangle]
pub extern "C" fn apns_version() -> *const c_char {
    ffi_boundary! { LIBRARY_VERSION.as_ptr() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_version_matches_the_package() {
        assert_eq!(
            APNS_VERSION_MAJOR.to_string(),
            env!("CARGO_PKG_VERSION_MAJOR")
        );
        assert_eq!(
            APNS_VERSION_MINOR.to_string(),
            env!("CARGO_PKG_VERSION_MINOR")
        );
        assert_eq!(
            APNS_VERSION_PATCH.to_string(),
            env!("CARGO_PKG_VERSION_PATCH")
        );
    }
}
