//! The Redis side of the worker: the connection with its backoff and outage log, the consumer
//! group commands, reply parsing, and the script that writes outcomes and acknowledges.

use super::state::Shared;
use redis::{Client, Connection, RedisError, Value};
use std::collections::HashMap;
use std::time::{Duration, Instant};

/// Log target of the worker's own records.
pub const LOG: &str = "apnspush::worker";

/// The stream, group and consumer names (docs/WORKER.md).
#[derive(Clone, Debug)]
pub struct Names {
    pub stream: String,
    pub outcomes: String,
    pub dead: String,
    pub group: String,
    pub consumer: String,
}

const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);
/// Longest a reply may take beyond a blocking read's own wait.
const REPLY_TIMEOUT: Duration = Duration::from_secs(10);
const BACKOFF_FIRST: Duration = Duration::from_millis(100);
const BACKOFF_MAX: Duration = Duration::from_secs(5);

/// One connection to Redis that reconnects with exponential backoff and logs an outage once
/// when it starts and once when it ends.
pub struct Link<'a> {
    client: &'a Client,
    shared: &'a Shared,
    /// What this connection does, for log lines.
    what: &'static str,
    con: Option<Connection>,
    backoff: Duration,
    retry_at: Instant,
    down_since: Option<Instant>,
    /// Connected since the last `take_fresh`.
    fresh: bool,
}

impl<'a> Link<'a> {
    pub fn new(client: &'a Client, shared: &'a Shared, what: &'static str) -> Link<'a> {
        Link {
            client,
            shared,
            what,
            con: None,
            backoff: BACKOFF_FIRST,
            retry_at: Instant::now(),
            down_since: None,
            fresh: false,
        }
    }

    /// The connection, connecting if the backoff allows; `None` while Redis is unavailable.
    pub fn get(&mut self) -> Option<&mut Connection> {
        if self.con.is_none() {
            if Instant::now() < self.retry_at {
                return None;
            }
            match self.connect() {
                Ok(con) => {
                    if let Some(since) = self.down_since.take() {
                        log::info!(target: LOG, "redis is back ({}) after {:.1} s", self.what,
                            since.elapsed().as_secs_f64());
                    }
                    self.con = Some(con);
                    self.fresh = true;
                }
                Err(e) => {
                    self.fail(&e);
                    return None;
                }
            }
        }
        self.con.as_mut()
    }

    fn connect(&self) -> redis::RedisResult<Connection> {
        let con = self.client.get_connection_with_timeout(CONNECT_TIMEOUT)?;
        con.set_write_timeout(Some(REPLY_TIMEOUT))?;
        con.set_read_timeout(Some(REPLY_TIMEOUT))?;
        Ok(con)
    }

    /// Whether the connection was (re)established since the last call.
    pub fn take_fresh(&mut self) -> bool {
        std::mem::take(&mut self.fresh)
    }

    /// When the next connection attempt may be made.
    pub fn retry_at(&self) -> Instant {
        self.retry_at
    }

    /// A call succeeded: the next outage starts with the shortest backoff.
    pub fn ok(&mut self) {
        self.backoff = BACKOFF_FIRST;
    }

    /// A call or a connection attempt failed: drop the connection and wait before the next.
    pub fn fail(&mut self, e: &RedisError) {
        Shared::count(&self.shared.counters.redis_errors, 1);
        self.con = None;
        let now = Instant::now();
        if self.down_since.is_none() {
            self.down_since = Some(now);
            log::warn!(target: LOG, "redis unavailable ({}): {e}; retrying with backoff, \
                in-flight notifications and their outcomes are kept and nothing unsettled is \
                acknowledged", self.what);
        } else {
            log::debug!(target: LOG, "redis still unavailable ({}): {e}; next try in {} ms",
                self.what, self.backoff.as_millis());
        }
        self.retry_at = now + self.backoff;
        self.backoff = (self.backoff * 2).min(BACKOFF_MAX);
    }
}

/// Creates the group at the stream's start (so entries added before any worker ran are read),
/// and the stream if absent. An existing group is left as it is.
pub fn create_group(con: &mut Connection, names: &Names) -> redis::RedisResult<()> {
    let created: redis::RedisResult<Value> = redis::cmd("XGROUP")
        .arg("CREATE")
        .arg(&names.stream)
        .arg(&names.group)
        .arg("0")
        .arg("MKSTREAM")
        .query(con);
    match created {
        Ok(_) => {
            log::info!(target: LOG, "created consumer group {} on {}", names.group, names.stream);
            Ok(())
        }
        Err(e) if e.code() == Some("BUSYGROUP") => Ok(()),
        Err(e) => Err(e),
    }
}

/// Whether the error says the group (or the stream) is gone: Redis lost its data.
pub fn is_no_group(e: &RedisError) -> bool {
    e.code() == Some("NOGROUP")
}

/// One stream entry as delivered: its id and its fields (`None`: deleted from the stream
/// while pending).
pub struct StreamEntry {
    pub id: String,
    pub fields: Option<Vec<(Vec<u8>, Vec<u8>)>>,
}

impl StreamEntry {
    /// The value of field `name`, if present.
    pub fn field(&self, name: &[u8]) -> Option<&[u8]> {
        self.fields
            .as_ref()?
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_slice())
    }

    /// The field names, for a message.
    pub fn field_names(&self) -> String {
        let names: Vec<String> = self
            .fields
            .iter()
            .flatten()
            .take(8)
            .map(|(k, _)| String::from_utf8_lossy(k).into_owned())
            .collect();
        names.join(", ")
    }
}

/// XREADGROUP of up to `count` entries: new ones (`from` = `>`, waiting up to `block`) or this
/// consumer's own pending ones after `from`.
pub fn read_group(
    con: &mut Connection,
    names: &Names,
    count: usize,
    from: &str,
    block: Option<Duration>,
) -> redis::RedisResult<Vec<StreamEntry>> {
    let mut cmd = redis::cmd("XREADGROUP");
    cmd.arg("GROUP")
        .arg(&names.group)
        .arg(&names.consumer)
        .arg("COUNT")
        .arg(count);
    if let Some(block) = block {
        cmd.arg("BLOCK").arg(block.as_millis() as u64);
    }
    cmd.arg("STREAMS").arg(&names.stream).arg(from);
    let reply: Value = cmd.query(con)?;
    // [[stream, [entry, ...]]] or nil.
    let entries = items(&reply)
        .first()
        .map(|s| items(s).get(1).map(entries).unwrap_or_default())
        .unwrap_or_default();
    Ok(entries)
}

/// XAUTOCLAIM of up to `count` entries idle past `min_idle`, from `cursor`. Returns the next
/// cursor (`0-0`: the scan is complete), the entries, and how many pending entries Redis found
/// deleted from the stream (it drops them from the pending list).
pub fn auto_claim(
    con: &mut Connection,
    names: &Names,
    min_idle: Duration,
    cursor: &str,
    count: usize,
) -> redis::RedisResult<(String, Vec<StreamEntry>, usize)> {
    let reply: Value = redis::cmd("XAUTOCLAIM")
        .arg(&names.stream)
        .arg(&names.group)
        .arg(&names.consumer)
        .arg(min_idle.as_millis() as u64)
        .arg(cursor)
        .arg("COUNT")
        .arg(count)
        .query(con)?;
    let parts = items(&reply);
    let next = parts.first().and_then(text).unwrap_or_else(|| "0-0".into());
    let claimed = parts.get(1).map(entries).unwrap_or_default();
    let deleted = parts.get(2).map(|d| items(d).len()).unwrap_or(0);
    Ok((next, claimed, deleted))
}

/// Times each of `ids` was delivered, from this consumer's pending list; an id missing from
/// the map is no longer pending (another consumer acknowledged it).
pub fn delivery_counts(
    con: &mut Connection,
    names: &Names,
    ids: &[&str],
    extra: usize,
) -> redis::RedisResult<HashMap<String, u64>> {
    let (Some(first), Some(last)) = (
        ids.iter().min_by(|a, b| cmp_id(a, b)),
        ids.iter().max_by(|a, b| cmp_id(a, b)),
    ) else {
        return Ok(HashMap::new());
    };
    let reply: Value = redis::cmd("XPENDING")
        .arg(&names.stream)
        .arg(&names.group)
        .arg(*first)
        .arg(*last)
        .arg(ids.len() + extra)
        .arg(&names.consumer)
        .query(con)?;
    // [[id, consumer, idle ms, deliveries], ...]
    Ok(items(&reply)
        .iter()
        .filter_map(|row| {
            let row = items(row);
            Some((text(row.first()?)?, int(row.get(3)?)? as u64))
        })
        .collect())
}

/// Entries pending in the whole group (XPENDING summary).
pub fn group_pending(con: &mut Connection, names: &Names) -> redis::RedisResult<u64> {
    let reply: Value = redis::cmd("XPENDING")
        .arg(&names.stream)
        .arg(&names.group)
        .query(con)?;
    Ok(items(&reply).first().and_then(int).unwrap_or(0) as u64)
}

/// Orders stream ids (`ms-seq`) numerically.
fn cmp_id(a: &str, b: &str) -> std::cmp::Ordering {
    let parse = |s: &str| {
        let (ms, seq) = s.split_once('-').unwrap_or((s, "0"));
        (
            ms.parse::<u64>().unwrap_or(0),
            seq.parse::<u64>().unwrap_or(0),
        )
    };
    parse(a).cmp(&parse(b))
}

fn entries(list: &Value) -> Vec<StreamEntry> {
    items(list)
        .iter()
        .filter_map(|e| {
            let e = items(e);
            let id = text(e.first()?)?;
            let fields = match e.get(1) {
                Some(Value::Array(kv)) => Some(
                    kv.chunks(2)
                        .filter_map(|p| Some((bytes(&p[0])?, bytes(p.get(1)?)?)))
                        .collect(),
                ),
                _ => None,
            };
            Some(StreamEntry { id, fields })
        })
        .collect()
}

pub fn items(v: &Value) -> &[Value] {
    match v {
        Value::Array(a) | Value::Set(a) => a,
        _ => &[],
    }
}

pub fn bytes(v: &Value) -> Option<Vec<u8>> {
    match v {
        Value::BulkString(b) => Some(b.clone()),
        Value::SimpleString(s) => Some(s.clone().into_bytes()),
        Value::Okay => Some(b"OK".to_vec()),
        Value::Int(i) => Some(i.to_string().into_bytes()),
        _ => None,
    }
}

pub fn text(v: &Value) -> Option<String> {
    bytes(v).map(|b| String::from_utf8_lossy(&b).into_owned())
}

pub fn int(v: &Value) -> Option<i64> {
    match v {
        Value::Int(i) => Some(*i),
        other => text(other)?.parse().ok(),
    }
}

/// One entry to write and acknowledge: an outcome or a dead letter.
pub struct Write {
    /// The notification entry id.
    pub id: Box<str>,
    /// A dead letter (else an outcome).
    pub dead: bool,
    /// Write even if another consumer acknowledged the entry first (this push may have been a
    /// second send: it must be counted in the outcome stream).
    pub force: bool,
    pub fields: Vec<(&'static str, String)>,
    /// The pushed entry's key in `InFlight` (outcomes).
    pub key: Option<u64>,
    pub kind: Option<apnspush::OutcomeKind>,
}

/// Acknowledges each entry and writes its outcome or dead letter, atomically per call (a Lua
/// script runs alone). An entry already acknowledged that is still in the stream was settled
/// by another consumer, or by this script on a try whose reply was lost: its entry is written
/// only when forced, so a retried call never writes an unforced outcome twice. An entry no
/// longer in the stream (Redis lost it) still gets its outcome. Returns 1 per written entry.
const SETTLE: &str = r"
local group = ARGV[1]
local flags = {}
local i = 2
while i <= #ARGV do
  local dead, id, force, n = ARGV[i], ARGV[i + 1], ARGV[i + 2], tonumber(ARGV[i + 3])
  local write = redis.call('XACK', KEYS[1], group, id) == 1 or force == '1'
  if not write then
    write = #redis.call('XRANGE', KEYS[1], id, id) == 0
  end
  if write then
    redis.call('XADD', dead == '1' and KEYS[3] or KEYS[2], '*', unpack(ARGV, i + 4, i + 3 + 2 * n))
    flags[#flags + 1] = 1
  else
    flags[#flags + 1] = 0
  end
  i = i + 4 + 2 * n
end
return flags
";

/// Runs the settle script for `batch`; returns, per entry, whether it was written.
pub fn settle(
    con: &mut Connection,
    script: &redis::Script,
    names: &Names,
    batch: &[Write],
) -> redis::RedisResult<Vec<bool>> {
    let mut call = script.prepare_invoke();
    call.key(&names.stream)
        .key(&names.outcomes)
        .key(&names.dead)
        .arg(&names.group);
    for w in batch {
        call.arg(if w.dead { "1" } else { "0" })
            .arg(&*w.id)
            .arg(if w.force { "1" } else { "0" })
            .arg(w.fields.len());
        for (k, v) in &w.fields {
            call.arg(*k).arg(v);
        }
    }
    let flags: Vec<i64> = call.invoke(con)?;
    Ok(flags.into_iter().map(|f| f == 1).collect())
}

pub fn settle_script() -> redis::Script {
    redis::Script::new(SETTLE)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stream_ids_order_numerically() {
        assert!(cmp_id("9-0", "10-0").is_lt());
        assert!(cmp_id("10-2", "10-10").is_lt());
        assert!(cmp_id("10-1", "10-1").is_eq());
    }
}
