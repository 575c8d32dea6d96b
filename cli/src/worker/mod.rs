//! `apnspush worker`: a consumer of a Redis Streams consumer group. Entries hold one field `n`,
//! a notification exactly as a `send` JSONL line; each final outcome is written to the
//! outcome stream together with the entry's acknowledgement (one script call per batch), an
//! invalid entry to the dead-letter stream with its acknowledgement. docs/WORKER.md has the
//! schema and the guarantees.
//!
//! Threads: the reader (XREADGROUP, XAUTOCLAIM, submit), this thread (outcomes → Redis), the
//! optional metrics server, and a closer at a stop.

mod logger;
mod metrics;
mod reader;
mod settle;
mod state;
mod stream;

use crate::{config, exit, ConfigArgs};
use apnspush::{CompletionQueue, Pusher};
use clap::Args;
use state::Shared;
use std::net::{SocketAddr, TcpListener};
use std::sync::atomic::{AtomicBool, Ordering::Relaxed};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use stream::{Names, LOG};

#[derive(Args, Debug)]
pub struct WorkerArgs {
    /// The Redis server: redis://HOST:PORT[/DB] (also redis://:PASSWORD@HOST...).
    #[arg(long, value_name = "URL")]
    pub redis: String,
    #[command(flatten)]
    pub config: ConfigArgs,
    /// The notification stream: entries with one field `n`, a notification as JSON.
    #[arg(long, default_value = "apnspush:notifications", value_name = "KEY")]
    pub stream: String,
    /// The outcome stream: one entry per notification entry settled.
    #[arg(long, default_value = "apnspush:outcomes", value_name = "KEY")]
    pub outcomes: String,
    /// The dead-letter stream: entries that are not valid notifications, with the reason.
    #[arg(long, default_value = "apnspush:dead", value_name = "KEY")]
    pub dead: String,
    /// The consumer group (created at the stream's start if absent).
    #[arg(long, default_value = "apnspush", value_name = "NAME")]
    pub group: String,
    /// This worker's consumer name [default: <hostname>-<pid>].
    #[arg(long, value_name = "NAME")]
    pub consumer: Option<String>,
    /// Most entries read and not yet acknowledged [default: queue_capacity, at most 8192].
    #[arg(long, value_name = "N")]
    pub max_in_flight: Option<usize>,
    /// Claim entries pending on another consumer that has not touched them for this long.
    #[arg(long, default_value_t = 30_000, value_name = "MS")]
    pub claim_idle_ms: u64,
    /// Serve Prometheus metrics on this address (e.g. 127.0.0.1:9898).
    #[arg(long, value_name = "ADDR")]
    pub metrics: Option<SocketAddr>,
    /// Exit (0) once nothing was read or held for this long and the group has no pending
    /// entry: a worker that drains the stream and ends.
    #[arg(long, value_name = "MS")]
    pub exit_idle_ms: Option<u64>,
    /// Log level: error, warn, info, debug, trace or off.
    #[arg(long, default_value = "info", value_name = "LEVEL", value_parser = level)]
    pub log_level: log::LevelFilter,
}

/// Default in-flight bound when `queue_capacity` is larger: a batch the engine settles well
/// within `claim_idle_ms`.
const MAX_IN_FLIGHT: usize = 8192;

/// Runs the worker until SIGTERM/SIGINT (or `--exit-idle-ms`); returns the exit code.
pub fn run(args: &WorkerArgs) -> u8 {
    logger::install(args.log_level);
    let mut loaded = match config::load(&args.config) {
        Ok(loaded) => loaded,
        Err(message) => return usage(&message),
    };
    loaded
        .config
        .set("outcome_reports", "none")
        .expect("a valid value");
    let client = match redis::Client::open(args.redis.as_str()) {
        Ok(client) => client,
        Err(e) => return usage(&format!("--redis {}: {e}", args.redis)),
    };
    let names = Names {
        stream: args.stream.clone(),
        outcomes: args.outcomes.clone(),
        dead: args.dead.clone(),
        group: args.group.clone(),
        consumer: args.consumer.clone().unwrap_or_else(default_consumer),
    };
    let max_in_flight = args
        .max_in_flight
        .unwrap_or(loaded.queue_capacity.min(MAX_IN_FLIGHT))
        .max(1);
    let listener = match args.metrics.map(TcpListener::bind).transpose() {
        Ok(listener) => listener,
        Err(e) => return usage(&format!("--metrics: {e}")),
    };
    let shared = Arc::new(Shared::default());
    // The first SIGINT or SIGTERM stops reading; a second one exits at once.
    let signalled = Arc::new(AtomicBool::new(false));
    for signal in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        let registered = signal_hook::flag::register_conditional_shutdown(
            signal,
            exit::INTERRUPTED.into(),
            signalled.clone(),
        )
        .and_then(|_| signal_hook::flag::register(signal, signalled.clone()));
        if let Err(e) = registered {
            return usage(&format!("cannot handle signals: {e}"));
        }
    }
    let pusher = match Pusher::new(loaded.config) {
        Ok(pusher) => Arc::new(pusher),
        Err(e) => {
            eprintln!("apnspush worker: {} ({})", e.message(), e.kind().name());
            return exit::for_error(e.kind());
        }
    };
    if let Some(listener) = listener {
        let m = metrics::Metrics {
            pusher: pusher.clone(),
            shared: shared.clone(),
            client: client.clone(),
            names: names.clone(),
        };
        let spawned = std::thread::Builder::new()
            .name("apnspush-metrics".into())
            .spawn(move || m.serve(listener));
        if let Err(e) = spawned {
            return usage(&format!("cannot start the metrics thread: {e}"));
        }
    }
    log::info!(target: LOG, "consumer {} of group {} on {} at {} (at most {max_in_flight} in \
        flight, claiming after {} ms idle)", names.consumer, names.group, names.stream,
        redacted(&args.redis), args.claim_idle_ms);
    let queue = CompletionQueue::new();
    let (dead_tx, dead_rx) = crossbeam_channel::unbounded();
    let closed = AtomicBool::new(false);
    let give_up: Mutex<Option<Instant>> = Mutex::new(None);
    let unwritten = std::thread::scope(|s| {
        let reader = reader::Reader {
            names: &names,
            client: &client,
            pusher: &pusher,
            queue: &queue,
            shared: &shared,
            dead: dead_tx,
            max_in_flight,
            claim_idle: Duration::from_millis(args.claim_idle_ms),
            exit_idle: args.exit_idle_ms.map(Duration::from_millis),
        };
        let reading = std::thread::Builder::new()
            .name("apnspush-redis-read".into())
            .spawn_scoped(s, || {
                reader.run();
                shared.reader_done.store(true, Relaxed);
            })
            .expect("the reader thread starts");
        // Forwards a signal to the reader, then closes the pusher once the reader is done:
        // in-flight notifications get `close_timeout_ms` to settle.
        let closer = std::thread::Builder::new()
            .name("apnspush-close".into())
            .spawn_scoped(s, || {
                while !shared.reader_done.load(Relaxed) {
                    if signalled.load(Relaxed) && !shared.stopping() {
                        log::info!(target: LOG, "stopping: no more reads; settling what is in \
                            flight (close_timeout_ms {})", loaded.close_timeout.as_millis());
                        shared.stop.store(true, Relaxed);
                    }
                    std::thread::sleep(Duration::from_millis(10));
                }
                let summary = pusher.close(loaded.close_timeout);
                log::debug!(target: LOG, "pusher closed: {summary:?}");
                *give_up.lock().unwrap() =
                    Some(Instant::now() + loaded.close_timeout.max(Duration::from_secs(1)));
                closed.store(true, Relaxed);
            })
            .expect("the closer thread starts");
        let settler = settle::Settler {
            names: &names,
            client: &client,
            queue: &queue,
            shared: &shared,
            dead: dead_rx,
        };
        let unwritten = settler.run(&|| closed.load(Relaxed), &|| *give_up.lock().unwrap());
        let _ = reading.join();
        let _ = closer.join();
        unwritten
    });
    let left = shared.counters.left_pending.load(Relaxed);
    log::info!(target: LOG, "stopped: {left} entries left pending for another worker, \
        {unwritten} outcomes not written");
    if unwritten > 0 {
        exit::NOT_ALL_ACCEPTED
    } else {
        exit::OK
    }
}

fn level(s: &str) -> Result<log::LevelFilter, String> {
    s.parse()
        .map_err(|_| "expected error, warn, info, debug, trace or off".to_string())
}

fn usage(message: &str) -> u8 {
    eprintln!("apnspush worker: {message}");
    exit::USAGE
}

/// `<hostname>-<pid>`: unique per live process, so a restarted worker is a new consumer.
fn default_consumer() -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "worker".into());
    format!("{host}-{}", std::process::id())
}

/// The URL without a password, for the log.
fn redacted(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            format!("{}***{}", &url[..scheme + 3], &url[at..])
        }
        _ => url.to_string(),
    }
}
