'use strict';
// One source of truth: stats() and outcomes carry exactly the engine's field lists
// (apnspush::Stats::FIELDS and Outcome::FIELDS, exported as STATS_FIELDS and OUTCOME_FIELDS),
// in camelCase.

const test = require('node:test');
const assert = require('node:assert/strict');
const { apnspush, token, notification } = require('./helpers');
const { Pusher, MockServer, STATS_FIELDS, OUTCOME_FIELDS } = apnspush;

const camel = (name) => name.replace(/_([a-z0-9])/g, (_, c) => c.toUpperCase());

test('stats() keys are STATS_FIELDS in camelCase, in order', async () => {
  assert.ok(STATS_FIELDS.length >= 30);
  for (const f of ['last_error', 'pings_sent', 'response_timeouts', 'token_refreshes', 'latency_p999_us']) {
    assert.ok(STATS_FIELDS.includes(f), f);
  }
  const mock = new MockServer({ protocol: 'http2' });
  const pusher = new Pusher(mock.config);
  await pusher.send(notification(1));
  const s = pusher.stats();
  assert.deepEqual(Object.keys(s), STATS_FIELDS.map(camel));
  assert.equal(typeof s.lastError, 'string');
  for (const k of Object.keys(s).filter((k) => k !== 'lastError')) assert.equal(typeof s[k], 'number', k);
  assert.equal(s.accepted, 1);
  await pusher.close();
  await mock.stop();
});

test('every outcome has every key of OUTCOME_FIELDS in camelCase', async () => {
  const mock = new MockServer({ protocol: 'http2', http2Reject: { [token(2)]: [410, 'Unregistered'] } });
  const pusher = new Pusher(mock.config);
  const fromEvents = [];
  pusher.onOutcome((o) => fromEvents.push(o));
  const accepted = await pusher.send(notification(1));
  const offline = await pusher.send(notification(2));
  const keys = OUTCOME_FIELDS.map(camel);
  for (const o of [accepted, offline, ...fromEvents, ...pusher.failedNotifications()]) {
    assert.deepEqual(Object.keys(o).sort(), [...keys].sort());
  }
  assert.equal(accepted.error, undefined);
  assert.equal(typeof offline.timestamp, 'number');
  assert.match(offline.apnsId, /^[0-9a-f-]{36}$/);
  await pusher.close();
  await mock.stop();
});
