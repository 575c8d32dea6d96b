'use strict';
// Shared helpers for the node:test suite: tokens that encode an index, and outcome collection
// that fails on a second outcome for one id.

const assert = require('node:assert/strict');
const apnspush = require('..');

/** A distinct 32-byte token for `i`, as hex: the index big-endian in the first 8 bytes. */
function token(i) {
  return i.toString(16).padStart(16, '0') + 'a5'.repeat(24);
}

/** The index encoded in a token produced by `token`. */
function indexOf(tokenHex) {
  return parseInt(tokenHex.slice(0, 16), 16);
}

function notification(i) {
  return { token: token(i), payload: `{"aps":{"alert":"n${i}"}}`, userData: i };
}

/** Collects outcome events by id; asserts that no id gets a second one. */
function collect(pusher) {
  const byId = new Map();
  pusher.onOutcome((o) => {
    assert.ok(!byId.has(o.id), `notification ${o.id} got a second outcome`);
    byId.set(o.id, o);
  });
  return byId;
}

/** How many times the mock accepted each index. */
function mockCounts(mock) {
  const counts = new Map();
  for (const a of mock.accepted()) {
    const i = indexOf(a.token);
    counts.set(i, (counts.get(i) || 0) + 1);
  }
  return counts;
}

function countKind(outcomes, kind) {
  let n = 0;
  for (const o of outcomes.values()) if (o.kind === kind) n++;
  return n;
}

/**
 * A binary mock and a non-blocking pusher whose queue of one stays full: its writer holds one
 * notification in flight (the mock answers after 3 s, the error window is 60 s) and takes no
 * other.
 */
function fullQueuePusher() {
  const mock = new apnspush.MockServer({ errorDelayMs: 3000 });
  const pusher = new apnspush.Pusher({
    ...mock.config,
    queue_capacity: 1,
    block_when_full: false,
    max_in_flight: 1,
    error_timeout_ms: 60000,
  });
  return { mock, pusher };
}

module.exports = {
  apnspush,
  token,
  indexOf,
  notification,
  collect,
  mockCounts,
  countKind,
  fullQueuePusher,
};
