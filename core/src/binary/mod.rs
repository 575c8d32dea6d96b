pub(crate) mod clock;
pub mod codec;
pub(crate) mod connection;
pub(crate) mod history;
pub(crate) mod window;
