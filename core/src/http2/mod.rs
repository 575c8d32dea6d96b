//! HTTP/2 provider API building blocks: the frame layer, HPACK header compression and the
//! ES256 provider token. Pure and synchronous; the connection threads are built on them.

pub mod frame;
pub mod hpack;
pub mod jwt;
