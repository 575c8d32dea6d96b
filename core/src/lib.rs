//! apnspush: an APNs provider engine that gives every notification exactly one outcome.
//!
//! A `Pusher` owns a bounded send queue and N connections, each a writer thread and a
//! blocking reader thread over rustls, with an ordered history of what was written so that
//! everything Apple discarded is replayed. See README.md for the guarantee and the verbs.

pub mod binary;
pub mod channels;
pub mod completion;
pub mod config;
mod engine;
pub mod error;
mod feedback;
pub mod http2;
mod job;
mod ledger;
pub mod logs;
pub mod mock;
pub mod notification;
pub mod outcome;
mod proxy;
mod push_type;
mod pusher;
mod pusher_completion;
mod rules;
mod send;
mod slot;
pub mod stats;
mod tls;

pub use binary::codec::FeedbackTuple;
pub use channels::{ChannelInfo, Channels, MessageStoragePolicy};
pub use completion::{Completion, CompletionQueue};
pub use config::Config;
pub use error::{Error, ErrorKind, Result};
pub use feedback::{fetch_feedback, MAX_FEEDBACK_BYTES};
pub use notification::{Notification, NotificationBuilder};
pub use outcome::{Outcome, OutcomeKind};
pub use pusher::{CloseSummary, Pusher};
pub use send::SendFuture;
pub use stats::Stats;
