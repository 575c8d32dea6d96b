'use strict';
// Producer helpers for `apnspush worker` (docs/WORKER.md), for an ioredis client
// (`new Redis(...)`; node-redis v4's `sendCommand`-style clients are not supported).
//
// The worker reads notifications from a Redis stream (one field `n`: the notification as JSON,
// exactly a line of `apnspush send`'s JSONL input) and writes one outcome entry per
// notification entry to another stream. These helpers only shape entries: nothing here loads
// the native addon, and `ioredis` is the application's own dependency, not this package's.
// Every function returns a Promise and rejects as ioredis does for Redis errors; a
// notification without a target throws (synchronously) a TypeError.

const NOTIFICATIONS = 'apnspush:notifications';
const OUTCOMES = 'apnspush:outcomes';
const DEAD_LETTERS = 'apnspush:dead';

/** The fields of an outcome entry, in the order the worker writes them (snake_case). */
const OUTCOME_FIELDS = Object.freeze([
  'entry', 'ref', 'token', 'channel_id', 'kind', 'status', 'reason', 'timestamp',
  'apns_id', 'attempts', 'duplicate_possible', 'worker',
]);

function value(notification) {
  if (notification === null || typeof notification !== 'object' || Array.isArray(notification)) {
    throw new TypeError('a notification is an object of send\'s JSONL keys (docs/CLI.md)');
  }
  if (!('token' in notification) && !('channel_id' in notification)) {
    throw new TypeError('a notification needs token or channel_id');
  }
  return JSON.stringify(notification);
}

/**
 * Adds one notification; resolves to its entry id (the outcome's `entry`). `maxlen` trims the
 * stream approximately (`MAXLEN ~`): leave it unset unless the workers keep up, since a trimmed
 * entry that is still pending is never pushed.
 */
function enqueue(redis, notification, { stream = NOTIFICATIONS, maxlen } = {}) {
  const n = value(notification);
  return maxlen === undefined
    ? redis.xadd(stream, '*', 'n', n)
    : redis.xadd(stream, 'MAXLEN', '~', maxlen, '*', 'n', n);
}

/**
 * Adds many notifications with pipelined XADDs (`batch` per round trip); resolves to their
 * entry ids in order. Every notification is checked before anything is sent.
 */
async function enqueueMany(redis, notifications, { stream = NOTIFICATIONS, batch = 1000 } = {}) {
  const values = Array.from(notifications, value);
  const ids = [];
  for (let start = 0; start < values.length; start += batch) {
    const pipeline = redis.pipeline();
    for (const n of values.slice(start, start + batch)) pipeline.xadd(stream, '*', 'n', n);
    for (const [err, id] of await pipeline.exec()) {
      if (err) throw err;
      ids.push(id);
    }
  }
  return ids;
}

function fieldsOf(flat) {
  const fields = {};
  for (let i = 0; i + 1 < flat.length; i += 2) fields[String(flat[i])] = String(flat[i + 1]);
  return fields;
}

/**
 * An outcome entry's fields as JS values, keys in camelCase: `ref` JSON-decoded (null when the
 * notification had none), `status` and `attempts` numbers, `timestamp` a number or null,
 * `token`/`channelId`/`apnsId` null when empty, `duplicatePossible` a boolean.
 */
function decodeOutcome(f) {
  return {
    entry: f.entry,
    ref: f.ref ? JSON.parse(f.ref) : null,
    token: f.token || null,
    channelId: f.channel_id || null,
    kind: f.kind,
    status: Number(f.status),
    reason: f.reason || '',
    timestamp: f.timestamp ? Number(f.timestamp) : null,
    apnsId: f.apns_id || null,
    attempts: Number(f.attempts),
    duplicatePossible: f.duplicate_possible === 'true',
    worker: f.worker || '',
  };
}

async function read(redis, stream, from, count, block) {
  const args = ['COUNT', count];
  if (block !== undefined && block !== null) args.push('BLOCK', block);
  const reply = await redis.xread(...args, 'STREAMS', stream, from);
  const out = [];
  for (const [, entries] of reply || []) {
    for (const [id, flat] of entries) out.push({ id, fields: fieldsOf(flat) });
  }
  return out;
}

/**
 * Up to `count` outcome entries written after the entry id `from` ('0-0': from the start), as
 * `[{ id, outcome }]` (`id` the outcome entry's own id: pass the last one as `from` to read on);
 * waits up to `block` ms for the first (unset: no wait; 0: forever). An application with
 * several readers gives the outcome stream a consumer group of its own instead.
 */
async function readOutcomes(redis, { stream = OUTCOMES, from = '0-0', count = 1000, block } = {}) {
  const entries = await read(redis, stream, from, count, block);
  return entries.map(({ id, fields }) => ({ id, outcome: decodeOutcome(fields) }));
}

/**
 * Dead-letter entries after `from`, as `[{ id, dead: { entry, reason, n } }]` (`n` the raw
 * value, '' when the entry had none); same options as `readOutcomes`.
 */
async function readDeadLetters(redis, { stream = DEAD_LETTERS, from = '0-0', count = 1000, block } = {}) {
  const entries = await read(redis, stream, from, count, block);
  return entries.map(({ id, fields }) => ({
    id,
    dead: { entry: fields.entry, reason: fields.reason || '', n: fields.n || '' },
  }));
}

module.exports = {
  NOTIFICATIONS,
  OUTCOMES,
  DEAD_LETTERS,
  OUTCOME_FIELDS,
  enqueue,
  enqueueMany,
  readOutcomes,
  readDeadLetters,
  decodeOutcome,
};
