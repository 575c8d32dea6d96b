//! The reading side: entries from the group (new ones, this consumer's own pending ones after
//! a reconnection, and ones claimed from idle consumers) parsed with the `send` line parser and
//! submitted to the pusher, never more than `max_in_flight` held at once. Invalid entries go to
//! the writer as dead letters.

use super::state::{Entry, Shared};
use super::stream::{self, Link, Names, StreamEntry, Write, LOG};
use crate::fields::parse_line;
use crate::outcomes::Pending;
use apnspush::{CompletionQueue, ErrorKind, Pusher};
use crossbeam_channel::Sender;
use std::collections::HashMap;
use std::thread::sleep;
use std::time::{Duration, Instant};

/// Longest a blocking read waits, so a stop or a claim pass is seen within it.
const BLOCK: Duration = Duration::from_millis(200);
/// Most entries one read asks for.
const MAX_COUNT: usize = 1000;
/// Longest a submit waits for room before checking for a stop.
const ROOM_WAIT: Duration = Duration::from_millis(20);
/// Wait while no room is free (the writer has not acknowledged yet) or Redis is down.
const NAP: Duration = Duration::from_millis(5);

pub struct Reader<'a> {
    pub names: &'a Names,
    pub client: &'a redis::Client,
    pub pusher: &'a Pusher,
    pub queue: &'a CompletionQueue,
    pub shared: &'a Shared,
    pub dead: Sender<Write>,
    pub max_in_flight: usize,
    pub claim_idle: Duration,
    /// Stop once nothing was read or held for this long and the group has nothing pending.
    pub exit_idle: Option<Duration>,
}

/// Where reads come from next.
enum Source {
    /// This consumer's own pending entries after this id (after each (re)connection: entries
    /// delivered to it whose reply was lost).
    Own(String),
    /// New entries (`>`).
    New,
}

impl Reader<'_> {
    /// Reads and submits until stopped.
    pub fn run(self) {
        let mut link = Link::new(self.client, self.shared, "reading notifications");
        let mut source = Source::New;
        let claim_every =
            (self.claim_idle / 2).clamp(Duration::from_millis(100), Duration::from_secs(10));
        let mut next_claim = Instant::now() + claim_every;
        let mut cursor = String::from("0-0");
        let mut idle_since = Instant::now();
        while !self.shared.stopping() {
            if link.get().is_none() {
                sleep(
                    NAP.max(
                        link.retry_at()
                            .saturating_duration_since(Instant::now())
                            .min(BLOCK),
                    ),
                );
                continue;
            }
            let fresh = link.take_fresh();
            let con = link.get().expect("connected");
            if fresh {
                if let Err(e) = stream::create_group(con, self.names) {
                    link.fail(&e);
                    continue;
                }
                source = Source::Own("0".into());
            }
            let held = self.shared.in_flight().len();
            if held > 0 {
                idle_since = Instant::now();
            }
            let room = self.max_in_flight.saturating_sub(held).min(MAX_COUNT);
            if room == 0 {
                sleep(NAP);
                continue;
            }
            let result = if Instant::now() >= next_claim {
                let r = self.claim(con, &mut cursor, room);
                if cursor == "0-0" {
                    next_claim = Instant::now() + claim_every;
                }
                r
            } else {
                match &source {
                    Source::Own(from) => {
                        let from = from.clone();
                        self.read_own(con, &from, room).map(|(n, next)| {
                            source = match next {
                                Some(next) => Source::Own(next),
                                None => Source::New,
                            };
                            n
                        })
                    }
                    Source::New => self.read_new(con, room),
                }
            };
            match result {
                Ok(n) => {
                    link.ok();
                    if n > 0 {
                        idle_since = Instant::now();
                    } else if let Some(exit_idle) = self.exit_idle {
                        if idle_since.elapsed() >= exit_idle && self.drained(&mut link) {
                            log::info!(target: LOG, "nothing to read, claim or settle for {} ms: stopping",
                                exit_idle.as_millis());
                            self.shared
                                .stop
                                .store(true, std::sync::atomic::Ordering::Relaxed);
                        }
                    }
                }
                Err(e) if stream::is_no_group(&e) => {
                    log::warn!(target: LOG, "the group {} on {} is gone (Redis lost its data?): \
                        creating it again", self.names.group, self.names.stream);
                    if let Some(con) = link.get() {
                        if let Err(e) = stream::create_group(con, self.names) {
                            link.fail(&e);
                        }
                    }
                    source = Source::New;
                }
                Err(e) => link.fail(&e),
            }
        }
    }

    /// Whether the whole group has nothing pending and this worker holds nothing.
    fn drained(&self, link: &mut Link) -> bool {
        if self.shared.in_flight().len() > 0 {
            return false;
        }
        let Some(con) = link.get() else { return false };
        match stream::group_pending(con, self.names) {
            Ok(n) => n == 0,
            Err(e) => {
                link.fail(&e);
                false
            }
        }
    }

    fn read_new(&self, con: &mut redis::Connection, room: usize) -> redis::RedisResult<usize> {
        let entries = stream::read_group(con, self.names, room, ">", Some(BLOCK))?;
        let n = entries.len();
        Shared::count(&self.shared.counters.read, n as u64);
        for entry in entries {
            self.handle(entry, 1);
        }
        Ok(n)
    }

    /// A page of this consumer's own pending entries; the id to go on from, `None` at the end.
    fn read_own(
        &self,
        con: &mut redis::Connection,
        from: &str,
        room: usize,
    ) -> redis::RedisResult<(usize, Option<String>)> {
        let entries = stream::read_group(con, self.names, room, from, None)?;
        let Some(last) = entries.last().map(|e| e.id.clone()) else {
            return Ok((0, None));
        };
        let fresh = self.not_held(entries);
        let n = fresh.len();
        if n > 0 {
            log::info!(target: LOG, "re-reading {n} entries delivered to this consumer \
                and never settled (possible duplicates)");
        }
        Shared::count(&self.shared.counters.read, n as u64);
        self.handle_counted(con, fresh)?;
        Ok((n, Some(last)))
    }

    fn claim(
        &self,
        con: &mut redis::Connection,
        cursor: &mut String,
        room: usize,
    ) -> redis::RedisResult<usize> {
        let (next, entries, deleted) =
            stream::auto_claim(con, self.names, self.claim_idle, cursor, room)?;
        *cursor = next;
        if deleted > 0 {
            Shared::count(&self.shared.counters.deleted, deleted as u64);
            log::warn!(target: LOG, "{deleted} pending entries were deleted from {} before \
                being settled: nothing to push", self.names.stream);
        }
        let fresh = self.not_held(entries);
        let n = fresh.len();
        if n > 0 {
            Shared::count(&self.shared.counters.claimed, n as u64);
            log::info!(target: LOG, "claimed {n} entries idle for over {} ms from other \
                consumers: pushing them again (possible duplicates)", self.claim_idle.as_millis());
        }
        self.handle_counted(con, fresh)?;
        Ok(n)
    }

    fn not_held(&self, entries: Vec<StreamEntry>) -> Vec<StreamEntry> {
        let held = self.shared.in_flight();
        entries.into_iter().filter(|e| !held.holds(&e.id)).collect()
    }

    /// Handles re-delivered entries with their delivery counts; one no longer pending was
    /// settled by another consumer meanwhile and is skipped.
    fn handle_counted(
        &self,
        con: &mut redis::Connection,
        entries: Vec<StreamEntry>,
    ) -> redis::RedisResult<()> {
        let ids: Vec<&str> = entries.iter().map(|e| e.id.as_str()).collect();
        let extra = self.shared.in_flight().len();
        let counts: HashMap<String, u64> = stream::delivery_counts(con, self.names, &ids, extra)?;
        for entry in entries {
            if let Some(&deliveries) = counts.get(&entry.id) {
                self.handle(entry, deliveries.max(1));
            }
        }
        Ok(())
    }

    /// Parses one entry and submits it, or sends it to the dead letters.
    fn handle(&self, entry: StreamEntry, deliveries: u64) {
        if entry.fields.is_none() {
            return self.dead_letter(
                &entry.id,
                "the entry was deleted from the stream before it was settled".into(),
                None,
            );
        }
        let Some(raw) = entry.field(b"n") else {
            let reason = format!("no field \"n\" (fields: {}); the entry must have one field n holding a notification as JSON", entry.field_names());
            return self.dead_letter(&entry.id, reason, None);
        };
        let Ok(text) = std::str::from_utf8(raw) else {
            return self.dead_letter(&entry.id, "n is not UTF-8 text".into(), None);
        };
        let parsed = parse_line(text.trim());
        let pending = Pending {
            reference: parsed.reference,
            target: parsed.target,
            channel: parsed.channel,
            line: 0,
        };
        let mut notification = match parsed.notification {
            Ok(n) => n,
            Err(reason) => return self.dead_letter(&entry.id, reason, Some(text)),
        };
        let key = self.shared.in_flight().add_push(Entry {
            id: entry.id.as_str().into(),
            pending,
            deliveries,
        });
        notification.set_user_data(key);
        let mut wait = Duration::ZERO;
        loop {
            match self.pusher.submit(notification, self.queue, false, wait) {
                Ok(_) => return,
                Err((e, back)) if e.kind() == ErrorKind::QueueFull && !self.shared.stopping() => {
                    notification = back;
                    wait = ROOM_WAIT;
                }
                Err((e, _)) if matches!(e.kind(), ErrorKind::QueueFull | ErrorKind::Closed) => {
                    // Stopping: the entry stays pending for another worker.
                    self.shared.in_flight().remove_key(key);
                    Shared::count(&self.shared.counters.left_pending, 1);
                    return;
                }
                Err((e, _)) => {
                    // Refused at the call (a protocol limit, no topic): an invalid entry.
                    self.shared.in_flight().remove_key(key);
                    return self.dead_letter(&entry.id, e.message().to_string(), Some(text));
                }
            }
        }
    }

    fn dead_letter(&self, id: &str, reason: String, raw: Option<&str>) {
        log::warn!(target: LOG, "entry {id} is not a valid notification: {reason}");
        self.shared.in_flight().add_dead(id);
        let write = Write {
            id: id.into(),
            dead: true,
            force: false,
            fields: vec![
                ("entry", id.to_string()),
                ("reason", reason),
                ("n", raw.unwrap_or("").to_string()),
            ],
            key: None,
            kind: None,
        };
        // The writer outlives the reader; a send fails only if it panicked.
        let _ = self.dead.send(write);
    }
}
