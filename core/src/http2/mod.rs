//! HTTP/2 provider API: the frame layer, HPACK header compression, the ES256 provider token,
//! the client session state machine, and the connection threads built on them.

mod assemble;
pub(crate) mod connection;
pub mod frame;
pub mod hpack;
mod hpack_decode;
pub mod huffman;
pub mod jwt;
pub(crate) mod reader;
pub(crate) mod request;
pub mod response;
pub mod session;
pub(crate) mod state;
pub(crate) mod token;
pub(crate) mod uuid;
pub(crate) mod writer;
