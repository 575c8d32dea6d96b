//! `apnspush channels`: create, read, list and delete the broadcast channels (iOS 18) of the
//! app named by the `topic` key, on Apple's channel management host.

use crate::{config, exit, ConfigArgs};
use apnspush::channels::MessageStoragePolicy;
use apnspush::{Channels, ErrorKind};
use clap::{Args, Subcommand};

#[derive(Args)]
pub struct ChannelsArgs {
    #[command(subcommand)]
    action: Action,
    #[command(flatten)]
    config: ConfigArgs,
}

#[derive(Subcommand)]
enum Action {
    /// Create a channel and print its id.
    Create {
        /// Message storage policy: 0 stores nothing for offline devices, 1 stores the most
        /// recent message.
        #[arg(long, default_value_t = 0, value_parser = clap::value_parser!(u8).range(0..=1))]
        policy: u8,
    },
    /// Print one channel as JSON: {"channel-id", "message-storage-policy", "push-type"}.
    Get {
        /// The channel id (base64), as `create` printed it.
        channel_id: String,
    },
    /// Print the app's channel ids, one per line.
    List,
    /// Delete a channel.
    Delete {
        /// The channel id (base64).
        channel_id: String,
    },
}

/// Runs one channel request; prints its result on stdout, an error on stderr; returns the exit
/// code (Apple's refusals, e.g. ChannelNotRegistered, exit 1).
pub fn run(args: &ChannelsArgs) -> u8 {
    let fail = |e: apnspush::Error| {
        eprintln!("apnspush channels: {} ({})", e.message(), e.kind().name());
        match e.kind() {
            ErrorKind::Rejected => exit::NOT_ALL_ACCEPTED,
            kind => exit::for_error(kind),
        }
    };
    let loaded = match config::load(&args.config) {
        Ok(loaded) => loaded,
        Err(message) => {
            eprintln!("apnspush channels: {message}");
            return exit::USAGE;
        }
    };
    let channels = match Channels::connect(&loaded.config) {
        Ok(channels) => channels,
        Err(e) => return fail(e),
    };
    let printed = match &args.action {
        Action::Create { policy } => MessageStoragePolicy::from_code((*policy).into())
            .and_then(|p| channels.create(p))
            .map(|id| id + "\n"),
        Action::Get { channel_id } => channels.get(channel_id).map(|c| c.to_json() + "\n"),
        Action::List => channels
            .list()
            .map(|ids| ids.iter().map(|id| format!("{id}\n")).collect()),
        Action::Delete { channel_id } => channels.delete(channel_id).map(|()| String::new()),
    };
    channels.close();
    match printed {
        Ok(text) => {
            print!("{text}");
            exit::OK
        }
        Err(e) => fail(e),
    }
}
