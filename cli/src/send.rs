//! `apnspush send`: a bounded pipeline from the input to the pusher and back to the outcome
//! file. A reader thread parses lines into a small bounded channel; this thread submits them
//! (the pusher's full send queue holds it back) and takes outcomes from its own completion
//! queue, so memory holds only the notifications in flight, whatever the input's length.

use crate::input::{Format, Input, Item};
use crate::outcomes::{Outcomes, Pending};
use crate::progress::{Figures, Progress};
use crate::{config, exit, summary, ConfigArgs};
use apnspush::{Completion, CompletionQueue, ErrorKind, OutcomeKind, Pusher};
use clap::Args;
use crossbeam_channel::{bounded, Receiver, RecvTimeoutError};
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::atomic::{AtomicBool, Ordering::Relaxed};
use std::sync::Arc;
use std::time::{Duration, Instant};

#[derive(Args, Debug)]
pub struct SendArgs {
    /// The input: a JSONL file (one notification object per line; see docs/CLI.md), a CSV
    /// file with --csv, or - for standard input.
    #[arg(value_name = "FILE")]
    pub input: String,
    #[command(flatten)]
    pub config: ConfigArgs,
    /// Read CSV (a header row, then one notification per row) instead of JSONL; needs
    /// --template.
    #[arg(long, requires = "template")]
    pub csv: bool,
    /// The payload for each CSV row, with {column} replaced by that column's value
    /// (JSON-escaped), e.g. '{"aps":{"alert":"Hi {name}"}}'.
    #[arg(long, value_name = "JSON")]
    pub template: Option<String>,
    /// The CSV column holding the device token (hex).
    #[arg(long, default_value = "token", value_name = "NAME")]
    pub token_column: String,
    /// Write one JSON line per notification read: ref, token, kind, status, reason,
    /// timestamp, apns_id, attempts, line.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<std::path::PathBuf>,
    /// Validate every line without connecting; report the bad ones with their line numbers
    /// (exit 2 if any).
    #[arg(long)]
    pub dry_run: bool,
    /// Stop at the first bad line (exit 2) instead of skipping it.
    #[arg(long)]
    pub strict: bool,
    /// No progress and no summary (errors are still printed).
    #[arg(long, short)]
    pub quiet: bool,
    /// When standard error is not a terminal: milliseconds between progress lines.
    #[arg(long, default_value_t = 2000, value_name = "MS")]
    pub progress_interval_ms: u64,
}

/// Batches of parsed lines waiting for the pusher.
const READ_AHEAD: usize = 16;
/// Lines per batch from a regular file (standard input and pipes: 1, so a line that trickles
/// in is sent at once).
const FILE_BATCH: usize = 64;
/// Lines submitted between two looks at the completion queue.
const OUTCOME_EVERY: u64 = 32;
/// Longest a submit waits for room before outcomes are taken again.
const ROOM_WAIT: Duration = Duration::from_millis(20);
/// Longest the reader may take to hand over its last line after being told to stop.
const READER_STOP: Duration = Duration::from_millis(500);
/// Longest a wait for input or outcomes goes without checking for Ctrl-C and progress.
const TICK: Duration = Duration::from_millis(50);

/// Runs the command; returns the exit code.
pub fn run(args: &SendArgs) -> u8 {
    let format = match (&args.template, args.csv) {
        (Some(template), true) => Format::Csv {
            template: template.clone(),
            token_column: args.token_column.clone(),
        },
        (Some(_), false) => return usage("--template needs --csv"),
        _ => Format::Jsonl,
    };
    let mut input = match Input::open(&args.input, &format) {
        Ok(input) => input,
        Err(message) => return usage(&message),
    };
    if args.dry_run {
        return dry_run(&mut input, args.quiet);
    }
    let mut loaded = match config::load(&args.config) {
        Ok(loaded) => loaded,
        Err(message) => return usage(&message),
    };
    // Outcomes come through this command's own completion queue; the pusher's poll queue
    // would only hold copies nobody reads.
    loaded
        .config
        .set("outcome_reports", "none")
        .expect("a valid value");
    let output: Option<Box<dyn std::io::Write>> = match &args.output {
        Some(path) => match std::fs::File::create(path) {
            Ok(file) => Some(Box::new(file)),
            Err(e) => return usage(&format!("cannot create --output {}: {e}", path.display())),
        },
        None => None,
    };
    let interrupted = Arc::new(AtomicBool::new(false));
    // The first Ctrl-C sets the flag; a second one exits at once.
    let sigint = signal_hook::consts::SIGINT;
    if let Err(e) = signal_hook::flag::register_conditional_shutdown(
        sigint,
        exit::INTERRUPTED.into(),
        interrupted.clone(),
    )
    .and_then(|_| signal_hook::flag::register(sigint, interrupted.clone()))
    {
        return usage(&format!("cannot handle SIGINT: {e}"));
    }
    let pusher = match Pusher::new(loaded.config) {
        Ok(pusher) => pusher,
        Err(e) => {
            eprintln!("apnspush send: {} ({})", e.message(), e.kind().name());
            return exit::for_error(e.kind());
        }
    };
    let mut run = Run {
        pusher: &pusher,
        queue: CompletionQueue::new(),
        pending: HashMap::default(),
        outcomes: Outcomes::new(output),
        progress: Progress::new(
            args.quiet,
            Duration::from_millis(args.progress_interval_ms.max(1)),
            input.size,
        ),
        backlog: Vec::new().into_iter(),
        read: 0,
        sent: 0,
        bytes: input.bytes.clone(),
        interrupted: interrupted.clone(),
    };
    let started = Instant::now();
    let stop = Arc::new(AtomicBool::new(false));
    let (tx, rx) = bounded::<Batch>(READ_AHEAD);
    let batch_len = if input.size.is_some() { FILE_BATCH } else { 1 };
    let reader = {
        let stop = stop.clone();
        std::thread::Builder::new()
            .name("apnspush-read".into())
            .spawn(move || {
                while !stop.load(Relaxed) {
                    let mut batch = Vec::with_capacity(batch_len);
                    let mut end = false;
                    while batch.len() < batch_len {
                        let Some(item) = input.next_item() else {
                            end = true;
                            break;
                        };
                        end = item.is_err();
                        batch.push(item);
                        if end {
                            break;
                        }
                    }
                    if (!batch.is_empty() && tx.send(batch).is_err()) || end {
                        break;
                    }
                }
            })
            .expect("the reader thread starts")
    };
    let end = run.feed(&rx, args.strict);
    stop.store(true, Relaxed);
    // Lines already read but not submitted get their outcome line too. A reader blocked on a
    // terminal's input sends nothing more and is left behind.
    let backlog = std::mem::take(&mut run.backlog);
    for item in backlog.flatten() {
        run.unsent(item);
    }
    while let Ok(batch) = rx.recv_timeout(READER_STOP) {
        for item in batch.into_iter().flatten() {
            run.unsent(item);
        }
    }
    if reader.is_finished() {
        let _ = reader.join();
    }
    if matches!(end, End::Interrupted) {
        pusher.close(loaded.close_timeout);
    }
    run.drain_all(loaded.close_timeout);
    let duplicates = pusher.stats().duplicates_possible;
    run.progress.finish();
    drop(rx);
    let Run {
        mut outcomes,
        pending,
        ..
    } = run;
    debug_assert!(pending.is_empty());
    let write_error = outcomes.finish().map(|e| e.to_string());
    if !args.quiet {
        summary::print(&outcomes.tally, duplicates, started.elapsed());
    }
    if let Some(e) = write_error {
        eprintln!("apnspush send: cannot write the outcome file: {e}");
        return exit::USAGE;
    }
    let t = &outcomes.tally;
    match end {
        End::Interrupted => exit::INTERRUPTED,
        End::Input(message) => usage(&message),
        End::Strict => exit::USAGE,
        End::Eof if t.invalid > 0 && t.settled() == 0 => exit::USAGE,
        End::Eof if t.settled() == t.accepted && t.invalid == 0 => exit::OK,
        End::Eof => exit::NOT_ALL_ACCEPTED,
    }
}

fn usage(message: &str) -> u8 {
    eprintln!("apnspush send: {message}");
    exit::USAGE
}

/// Parsed lines, in input order, or the error that ended the input.
type Batch = Vec<Result<Item, String>>;

/// Why feeding stopped.
enum End {
    Eof,
    Interrupted,
    /// `--strict` and a bad line.
    Strict,
    /// The input could not be read further.
    Input(String),
}

struct Run<'a> {
    pusher: &'a Pusher,
    /// The outcome of every notification submitted.
    queue: CompletionQueue,
    /// Push id → what its outcome line needs; only notifications in flight.
    pending: HashMap<u64, Pending, BuildHasherDefault<IdHasher>>,
    outcomes: Outcomes,
    progress: Progress,
    /// The rest of the batch being submitted.
    backlog: std::vec::IntoIter<Result<Item, String>>,
    read: u64,
    sent: u64,
    bytes: Arc<std::sync::atomic::AtomicU64>,
    interrupted: Arc<AtomicBool>,
}

impl Run<'_> {
    /// Submits every item until the input ends, Ctrl-C, or a bad line with `strict`.
    fn feed(&mut self, rx: &Receiver<Batch>, strict: bool) -> End {
        loop {
            if self.read.is_multiple_of(OUTCOME_EVERY) || self.backlog.len() == 0 {
                self.take_outcomes();
            }
            if self.interrupted.load(Relaxed) {
                return End::Interrupted;
            }
            let next = match self.backlog.next() {
                Some(next) => next,
                None => match rx.recv_timeout(TICK) {
                    Ok(batch) => {
                        self.backlog = batch.into_iter();
                        continue;
                    }
                    Err(RecvTimeoutError::Timeout) => {
                        self.show_progress(false);
                        continue;
                    }
                    Err(RecvTimeoutError::Disconnected) => return End::Eof,
                },
            };
            let item = match next {
                Ok(item) => item,
                Err(message) => return End::Input(message),
            };
            self.read += 1;
            self.show_progress(true);
            let pending = Pending {
                reference: item.parsed.reference,
                target: item.parsed.target,
                channel: item.parsed.channel,
                line: item.line,
            };
            let mut notification = match item.parsed.notification {
                Ok(n) => n,
                Err(reason) => {
                    self.bad_line(&pending, &reason);
                    if strict {
                        return End::Strict;
                    }
                    continue;
                }
            };
            // One try without waiting first (no clock read); then wait in slices for room.
            let mut wait = Duration::ZERO;
            loop {
                match self.pusher.submit(notification, &self.queue, false, wait) {
                    Ok(id) => {
                        self.sent += 1;
                        self.pending.insert(id, pending);
                        break;
                    }
                    Err((e, back)) if e.kind() == ErrorKind::QueueFull => {
                        notification = back;
                        wait = ROOM_WAIT;
                        self.take_outcomes();
                        if self.interrupted.load(Relaxed) {
                            self.outcomes
                                .unsent(&pending, OutcomeKind::Cancelled, CANCELLED);
                            return End::Interrupted;
                        }
                    }
                    Err((e, _)) => {
                        // Refused at the call (a protocol limit, a missing topic): a bad line.
                        self.bad_line(&pending, e.message());
                        if strict {
                            return End::Strict;
                        }
                        break;
                    }
                }
            }
        }
    }

    fn bad_line(&mut self, pending: &Pending, reason: &str) {
        eprintln!("apnspush send: line {}: {reason}", pending.line);
        self.outcomes.invalid(pending, reason);
    }

    /// An item read but never submitted (Ctrl-C or `--strict` came first).
    fn unsent(&mut self, item: Item) {
        self.read += 1;
        let pending = Pending {
            reference: item.parsed.reference,
            target: item.parsed.target,
            channel: item.parsed.channel,
            line: item.line,
        };
        match &item.parsed.notification {
            Ok(_) => self
                .outcomes
                .unsent(&pending, OutcomeKind::Cancelled, CANCELLED),
            Err(reason) => self.outcomes.invalid(&pending, reason),
        }
    }

    /// Takes every outcome queued now, without waiting.
    fn take_outcomes(&mut self) {
        let items = self.queue.take(usize::MAX);
        self.handle(items);
    }

    fn handle(&mut self, items: Vec<Completion>) {
        for item in items {
            if let Completion::Settled(outcome) = item {
                if let Some(p) = self.pending.remove(&outcome.id) {
                    self.outcomes.settled(&p, &outcome);
                }
            }
        }
    }

    /// Progress, at its own pace; `busy`: called once per line.
    fn show_progress(&mut self, busy: bool) {
        let figures = Figures {
            read: self.read,
            bytes: self.bytes.load(Relaxed),
            sent: self.sent,
            in_flight: self.pending.len() as u64,
            tally: &self.outcomes.tally,
        };
        self.progress.update(&figures, busy);
    }

    /// Waits for the outcome of everything submitted. Ctrl-C while waiting closes the pusher
    /// with `close_timeout` (flush, then cancelled/failed for the rest).
    fn drain_all(&mut self, close_timeout: Duration) {
        let mut closed = false;
        let last = self.pusher.last_id();
        while !self.pending.is_empty() {
            let items = self.queue.wait(usize::MAX, TICK);
            self.handle(items);
            self.show_progress(false);
            if !closed && self.interrupted.load(Relaxed) {
                self.pusher.close(close_timeout);
                closed = true;
            }
            // Everything settled means every outcome is in the queue already (the engine
            // appends it as it settles); none should be missing after that.
            if !self.pending.is_empty() && self.pusher.settled_through(last) {
                let items = self.queue.take(usize::MAX);
                self.handle(items);
                let left: Vec<_> = self.pending.drain().collect();
                for (_, p) in left {
                    self.outcomes
                        .unsent(&p, OutcomeKind::Failed, "no outcome was reported");
                }
            }
        }
    }
}

/// Push ids are distinct integers: a multiplicative hash spreads them over the table's bits.
#[derive(Default)]
struct IdHasher(u64);

impl Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = (self.0 << 8 | u64::from(*b)).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        }
    }
    fn write_u64(&mut self, id: u64) {
        self.0 = id.wrapping_mul(0x9e37_79b9_7f4a_7c15);
    }
}

const CANCELLED: &str = "interrupted before it was sent";

/// `--dry-run`: builds every line, reports the bad ones; exit 2 if any.
fn dry_run(input: &mut Input, quiet: bool) -> u8 {
    let (mut good, mut bad) = (0u64, 0u64);
    while let Some(item) = input.next_item() {
        match item {
            Ok(item) => match item.parsed.notification {
                Ok(_) => good += 1,
                Err(reason) => {
                    bad += 1;
                    eprintln!("apnspush send: line {}: {reason}", item.line);
                }
            },
            Err(message) => return usage(&message),
        }
    }
    if !quiet {
        eprintln!("apnspush send: dry run: {good} valid, {bad} invalid");
    }
    if bad > 0 {
        exit::USAGE
    } else {
        exit::OK
    }
}
