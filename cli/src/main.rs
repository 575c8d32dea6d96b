//! `apnspush`: bulk sends from JSONL or CSV with progress and an outcome file, the built-in mock
//! APNs server, and the binary feedback service, from a shell. Exit codes: see `exit`.

mod channels;
mod config;
mod exit;
mod feedback;
mod fields;
mod input;
mod outcomes;
mod progress;
mod send;
mod summary;
mod template;
mod worker;

use clap::{Args, Parser, Subcommand};
use std::process::ExitCode;

const AFTER_HELP: &str = "\
Exit codes: 0 every notification accepted; 1 some rejected, failed, expired, cancelled or
skipped as invalid (the outcome file says which); 2 usage, configuration or input error;
3 could not connect; 130 interrupted (Ctrl-C).

Quick start against the built-in mock (docs/CLI.md has the details):
  sleep 60 | apnspush mock --http2 > mock.json &
  apnspush send --config mock.json notifications.jsonl --output outcomes.jsonl";

/// Send Apple push notifications in bulk, run a mock APNs server, read the feedback service.
#[derive(Parser)]
#[command(name = "apnspush", version, after_help = AFTER_HELP)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Send notifications from a JSONL or CSV file (or - for standard input), writing one
    /// outcome line per notification.
    Send(send::SendArgs),
    /// Run the built-in mock APNs server on 127.0.0.1 until standard input closes; prints the
    /// client configuration as one line of JSON (usable as `--config`). `apnspush mock --help`
    /// lists its flags.
    #[command(disable_help_flag = true)]
    Mock {
        /// The mock's flags (see `apnspush mock --help`).
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<String>,
    },
    /// Read the binary feedback service and print one `timestamp token` line per device that
    /// stopped accepting notifications (the service clears its list once read).
    Feedback(ConfigArgs),
    /// Broadcast channels (iOS 18) of the app named by `topic`: create, get, list, delete, on
    /// Apple's channel management host (channel_host/channel_port, derived from environment).
    Channels(channels::ChannelsArgs),
    /// Push notifications from a Redis Streams consumer group, writing one outcome entry per
    /// notification entry (docs/WORKER.md); runs until SIGTERM or Ctrl-C.
    Worker(worker::WorkerArgs),
}

/// Where the connection settings come from: precedence flags > environment > file.
#[derive(Args, Clone, Debug, Default)]
pub struct ConfigArgs {
    /// A TOML file of configuration keys (the flat keys of docs/CONFIG.md, e.g.
    /// `auth_key_file = "key.p8"`), or the JSON line `apnspush mock` prints.
    #[arg(long, value_name = "FILE", global = true)]
    pub config: Option<std::path::PathBuf>,
    /// Set one configuration key (repeatable). Overrides APNSPUSH_<KEY> variables and the file.
    /// Secret keys (*_pem, cert_p12_password, proxy) are refused here: use a file or the
    /// environment, or the *_file keys.
    #[arg(long = "set", value_name = "KEY=VALUE", global = true)]
    pub set: Vec<String>,
    /// The default topic (bundle id); same as `--set topic=...`.
    #[arg(long, global = true)]
    pub topic: Option<String>,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let code = match cli.command {
        Command::Send(args) => send::run(&args),
        Command::Mock { args } => {
            return apnspush::mock::cli::run("apnspush mock", args.into_iter())
        }
        Command::Feedback(args) => feedback::run(&args),
        Command::Channels(args) => channels::run(&args),
        Command::Worker(args) => worker::run(&args),
    };
    ExitCode::from(code)
}
