pub mod codec;
pub(crate) mod connection;
pub(crate) mod history;
