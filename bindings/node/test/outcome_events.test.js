'use strict';
// Events per outcome kind and the mpush shape (onSuccess/onFailure/onOffline/onTimeout),
// each checked against what the mock did.

const test = require('node:test');
const assert = require('node:assert/strict');
const { apnspush, token, notification } = require('./helpers');
const { Pusher, MockServer } = apnspush;

const EVENTS = ['outcome', 'accepted', 'rejected', 'failed', 'expired', 'cancelled', 'offline', 'timeout'];

/** Records every event as [event, id]. */
function record(pusher) {
  const seen = [];
  for (const e of EVENTS) pusher.on(e, (o) => seen.push([e, o.id, o]));
  return seen;
}

function eventsOf(seen, id) {
  return seen.filter(([, i]) => i === id).map(([e]) => e);
}

test('accepted and rejected (binary): outcome, then the kind', async () => {
  const mock = new MockServer({ reject: { [token(2)]: 8 } });
  const pusher = new Pusher(mock.config);
  const seen = record(pusher);
  const good = pusher.pushAsync(notification(1));
  const bad = pusher.pushAsync(notification(2));
  await pusher.ensureDelivery();
  assert.deepEqual(eventsOf(seen, good), ['outcome', 'accepted']);
  assert.deepEqual(eventsOf(seen, bad), ['outcome', 'rejected']);
  assert.equal(seen.find(([e, i]) => e === 'rejected' && i === bad)[2].status, 8);
  assert.deepEqual(mock.rejected().map((r) => [r.token, r.status]), [[token(2), 8]]);
  await pusher.close();
  await mock.stop();
});

test('offline: HTTP/2 410 Unregistered with its timestamp raises rejected and offline', async () => {
  const mock = new MockServer({ protocol: 'http2', http2Reject: { [token(3)]: [410, 'Unregistered'] } });
  const pusher = new Pusher(mock.config);
  const seen = record(pusher);
  const before = Date.now();
  const ok = pusher.pushAsync(notification(1));
  const gone = pusher.pushAsync(notification(3));
  await pusher.ensureDelivery();
  assert.deepEqual(eventsOf(seen, ok), ['outcome', 'accepted']);
  assert.deepEqual(eventsOf(seen, gone), ['outcome', 'rejected', 'offline']);
  const o = seen.find(([e]) => e === 'offline')[2];
  assert.deepEqual([o.kind, o.status, o.reason, o.token], ['rejected', 410, 'Unregistered', token(3)]);
  assert.equal(typeof o.timestamp, 'number');
  assert.ok(o.timestamp >= before - 1000 && o.timestamp <= Date.now() + 1000, `timestamp ${o.timestamp}`);
  assert.deepEqual(mock.http2Requests().map((r) => r.token).sort(), [token(1), token(3)].sort());
  assert.equal(mock.acceptedCount(), 1);
  await pusher.close();
  await mock.stop();
});

test('timeout: no answer within response_timeout_ms raises failed and timeout', async () => {
  const mock = new MockServer({ protocol: 'http2', responseDelayMs: 400 });
  const pusher = new Pusher({ ...mock.config, response_timeout_ms: 100, max_attempts: 1 });
  const seen = record(pusher);
  const o = await pusher.send(notification(1));
  assert.deepEqual([o.kind, o.error, o.attempts], ['failed', 'TIMEOUT', 1]);
  assert.deepEqual(eventsOf(seen, o.id), ['outcome', 'failed', 'timeout']);
  assert.equal(mock.http2Requests().length, 1);
  assert.equal(pusher.stats().responseTimeouts, 1);
  await pusher.close();
  await mock.stop();
});

test('expired and cancelled', async () => {
  const mock = new MockServer({ errorDelayMs: 2000 });
  const pusher = new Pusher({ ...mock.config, max_in_flight: 10, error_timeout_ms: 60000 });
  const seen = record(pusher);
  const expired = await pusher.send({ ...notification(1), expiry: 1000 });
  assert.equal(expired.kind, 'expired');
  assert.deepEqual(eventsOf(seen, expired.id), ['outcome', 'expired']);
  for (let i = 2; i < 2000; i++) pusher.pushAsync(notification(i));
  const summary = await pusher.close(200);
  assert.ok(summary.cancelled > 0);
  assert.equal(seen.filter(([e]) => e === 'cancelled').length, summary.cancelled);
  assert.equal(seen.filter(([e]) => e === 'outcome').length, 1999);
  assert.ok(!mock.accepted().some((a) => a.token === token(1)), 'the expired one was sent');
  await mock.stop();
});

test('the mpush shape maps onto the events', async () => {
  const mock = new MockServer({ protocol: 'http2', http2Reject: { [token(3)]: [410, 'Unregistered'], [token(4)]: [400, 'BadDeviceToken'] } });
  const pusher = new Pusher(mock.config);
  const calls = { success: [], failure: [], offline: [] };
  // onSuccess, onFailure, onOffline as in the NODE.md mapping (onTimeout: 'timeout', above).
  pusher.on('accepted', (o) => calls.success.push(o.userData));
  pusher.on('rejected', (o) => calls.failure.push(o.userData));
  pusher.on('failed', (o) => calls.failure.push(o.userData));
  pusher.on('offline', (o) => calls.offline.push([o.userData, typeof o.timestamp]));
  for (let i = 1; i <= 4; i++) pusher.pushAsync(notification(i));
  await pusher.ensureDelivery();
  assert.deepEqual(calls.success.sort(), [1, 2]);
  assert.deepEqual(calls.failure.sort(), [3, 4]);
  assert.deepEqual(calls.offline, [[3, 'number']]);
  await pusher.close();
  await mock.stop();
});

test('off removes a listener; unknown events and non-functions are refused', async () => {
  const mock = new MockServer();
  const pusher = new Pusher(mock.config);
  const seen = [];
  const listener = (o) => seen.push(o.id);
  pusher.on('accepted', listener);
  await pusher.send(notification(1));
  assert.equal(pusher.off('accepted', listener), true);
  assert.equal(pusher.off('accepted', listener), false);
  await pusher.send(notification(2));
  assert.equal(seen.length, 1);
  assert.throws(() => pusher.on('success', listener), { code: 'INVALID_ARGUMENT', message: /unknown event "success"/ });
  assert.throws(() => pusher.on('accepted', 5), { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' });
  assert.equal(mock.acceptedCount(), 2);
  await pusher.close();
  await mock.stop();
});
