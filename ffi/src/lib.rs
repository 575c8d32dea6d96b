//! The C ABI of apnspush: `libapnspush.so` / `libapnspush.a` and `include/apns.h`.
//!
//! This crate holds only the boundary. Every exported body runs inside `ffi_boundary!` (a
//! caught panic becomes `APNS_ERR_PANIC` or NULL/0), NULL arguments are refused through the
//! `try_*!` macros, and every raw pointer cast or dereference lives in `cast.rs` (the
//! signal-mask calls in `sigpipe.rs`). The conventions (ownership, threads, blocking, errors,
//! callbacks) are in docs/C_API.md.
#![allow(non_camel_case_types, clippy::not_unsafe_ptr_arg_deref)]

#[macro_use]
mod boundary;
mod cast;
mod sigpipe;

// The exported modules, in the order the header lists their functions (cbindgen follows the
// declarations; the comments keep rustfmt from sorting them).
mod result;
// Version macros and apns_version.
mod version;
// apns_conf.
mod conf;
// apns_notification.
mod notification;
// apns_notification_builder.
mod builder;
// apns_pusher.
mod pusher;
// apns_outcome.
mod outcome;
// apns_feedback_fetch.
mod feedback;
// apns_mock.
mod mock;
// apns_channels.
mod channels;
// apns_set_log_callback, apns_log_poll.
mod log;

pub use builder::*;
pub use channels::*;
pub use conf::*;
pub use feedback::*;
pub use log::*;
pub use mock::*;
pub use notification::*;
pub use outcome::*;
pub use pusher::*;
pub use result::*;
pub use version::*;
