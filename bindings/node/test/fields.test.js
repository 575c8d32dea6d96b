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

test('outcome keys are OUTCOME_FIELDS in camelCase; the optional ones only when they apply', async () => {
  const gone = new MockServer({ protocol: 'http2', http2Reject: { [token(2)]: [410, 'Unregistered'] } });
  const slow = new MockServer({ protocol: 'http2', responseDelayMs: 300 });
  const a = new Pusher({ ...gone.config, topic: 'com.example.app' });
  const channelId = gone.addChannel('com.example.app', 0);
  const b = new Pusher({ ...slow.config, response_timeout_ms: 100, max_attempts: 1 });
  const fromEvents = [];
  a.onOutcome((o) => fromEvents.push(o));
  b.onOutcome((o) => fromEvents.push(o));
  const accepted = await a.send(notification(1));
  const offline = await a.send(notification(2));
  const timedOut = await b.send(notification(3));
  const broadcast = await a.send({ channelId, event: 'update', timestamp: 1, contentState: {} });
  const keys = OUTCOME_FIELDS.map(camel);
  const optional = ['error', 'timestamp', 'channelId', 'apnsId'];
  const union = new Set();
  const all = [accepted, offline, timedOut, broadcast, ...fromEvents, ...a.failedNotifications(), ...b.failedNotifications()];
  assert.equal(all.length, 4 + 4 + 2);
  for (const o of all) {
    for (const k of Object.keys(o)) {
      assert.ok(keys.includes(k), `unknown key ${k}`);
      union.add(k);
    }
    for (const k of keys.filter((k) => !optional.includes(k))) assert.ok(k in o, `missing ${k}`);
  }
  assert.deepEqual([...union].sort(), [...keys].sort());
  // channelId appears only on a broadcast's outcome, whose token is ''.
  assert.deepEqual([broadcast.kind, broadcast.channelId, broadcast.token], ['accepted', channelId, '']);
  assert.deepEqual([accepted, offline, timedOut].map((o) => 'channelId' in o), [false, false, false]);
  assert.deepEqual([accepted.kind, 'error' in accepted, 'timestamp' in accepted], ['accepted', false, false]);
  assert.deepEqual([offline.kind, typeof offline.timestamp, 'error' in offline], ['rejected', 'number', false]);
  assert.match(offline.apnsId, /^[0-9a-f-]{36}$/);
  assert.deepEqual([timedOut.kind, timedOut.error, 'timestamp' in timedOut], ['failed', 'TIMEOUT', false]);
  await a.close();
  await b.close();
  await gone.stop();
  await slow.stop();
});
