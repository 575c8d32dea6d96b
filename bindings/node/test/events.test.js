'use strict';
// Outcome events: delivered on the JS thread, after the call that caused them returned, once
// per notification, before the awaited wait that covers them resolves.

const test = require('node:test');
const assert = require('node:assert/strict');
const { apnspush, token, notification, collect } = require('./helpers');
const { Pusher, MockServer } = apnspush;

test('events arrive asynchronously, one per notification, with the outcome fields', async () => {
  const mock = new MockServer({ reject: { [token(2)]: 8 } });
  const pusher = new Pusher(mock.config);
  const events = [];
  let inSyncSection = true;
  pusher.onOutcome((o) => {
    assert.equal(inSyncSection, false, 'an event ran inside a synchronous call');
    events.push(o);
  });
  const ids = [0, 1, 2, 3].map((i) => pusher.pushAsync(notification(i)));
  inSyncSection = false;
  await pusher.ensureDelivery();
  assert.deepEqual(events.map((o) => o.id).sort((a, b) => a - b), ids);
  const bad = events.find((o) => o.id === ids[2]);
  assert.equal(bad.kind, 'rejected');
  assert.equal(bad.status, 8);
  assert.equal(bad.reason, 'Invalid token');
  assert.equal(bad.token, token(2));
  assert.equal(typeof bad.confirmed, 'boolean');
  assert.equal(bad.attempts, 1);
  assert.equal(bad.userData, 2);
  for (const o of events.filter((e) => e.id !== ids[2])) {
    assert.equal(o.kind, 'accepted');
    assert.equal(o.status, 0);
  }
  await pusher.close();
  await mock.stop();
});

test("outcome_reports 'failures' emits only the outcomes that are not accepted", async () => {
  const mock = new MockServer({ reject: { [token(5)]: 8, [token(7)]: 8 } });
  const pusher = new Pusher({ ...mock.config, outcome_reports: 'failures' });
  const outcomes = collect(pusher);
  const ids = [];
  for (let i = 0; i < 1000; i++) ids.push(pusher.pushAsync(notification(i)));
  await pusher.ensureDelivery();
  assert.deepEqual([...outcomes.keys()].sort((a, b) => a - b), [ids[5], ids[7]]);
  assert.equal(mock.acceptedCount(), 998);
  await pusher.close();
  await mock.stop();
});

test('onOutcome(null) stops events; a new listener replaces the old one', async () => {
  const mock = new MockServer();
  const pusher = new Pusher(mock.config);
  const first = [];
  const second = [];
  pusher.onOutcome((o) => first.push(o.id));
  pusher.pushAsync(notification(1));
  await pusher.ensureDelivery();
  assert.equal(first.length, 1);

  pusher.onOutcome(null);
  pusher.pushAsync(notification(2));
  await pusher.ensureDelivery();
  assert.equal(first.length, 1, 'no event without a listener');

  pusher.onOutcome((o) => second.push(o.id));
  const id = pusher.pushAsync(notification(3));
  await pusher.ensureDelivery();
  assert.deepEqual([first.length, second], [1, [id]]);
  assert.equal(mock.acceptedCount(), 3);
  await pusher.close();
  await mock.stop();
});

test('events of cancelled notifications are emitted before close() resolves', async () => {
  const mock = new MockServer({ errorDelayMs: 2000 });
  const pusher = new Pusher({ ...mock.config, max_in_flight: 10, error_timeout_ms: 60000 });
  const outcomes = collect(pusher);
  for (let i = 0; i < 2000; i++) pusher.pushAsync(notification(i));
  const summary = await pusher.close(200);
  assert.equal(outcomes.size, 2000);
  assert.ok(summary.cancelled > 0);
  assert.equal(
    [...outcomes.values()].filter((o) => o.kind === 'cancelled').length,
    summary.cancelled,
  );
  await mock.stop();
});

test('ensurePush and push settle after the events reported before them', async () => {
  const mock = new MockServer({ reject: { [token(9)]: 8 } });
  const pusher = new Pusher(mock.config);
  const outcomes = collect(pusher);
  const o = await pusher.ensurePush(notification(9));
  assert.equal(o.kind, 'rejected');
  assert.deepEqual(outcomes.get(o.id), o);
  const id = await pusher.push(notification(10));
  await pusher.ensureDelivery();
  assert.equal(outcomes.get(id).kind, 'accepted');
  await pusher.close();
  await mock.stop();
});

test('a throwing listener raises uncaughtException and later outcomes are still emitted', async () => {
  const { spawnSync } = require('node:child_process');
  const r = spawnSync(process.execPath, [require('node:path').join(__dirname, 'fixtures', 'throwing-listener.js')], {
    encoding: 'utf8',
    timeout: 60000,
  });
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout), { events: 100, uncaught: 3 });
});

test('many concurrent ensurePush calls each resolve with their own outcome', async () => {
  const mock = new MockServer({ reject: { [token(17)]: 8 } });
  const pusher = new Pusher(mock.config);
  const results = await Promise.all(
    Array.from({ length: 200 }, (_, i) => pusher.ensurePush(notification(i))),
  );
  results.forEach((o, i) => {
    assert.equal(o.token, token(i));
    assert.equal(o.kind, i === 17 ? 'rejected' : 'accepted');
  });
  assert.equal(new Set(results.map((o) => o.id)).size, 200);
  assert.equal(mock.acceptedCount(), 199);
  await pusher.close();
  await mock.stop();
});

test('while the JS thread is busy, events waiting for it are bounded by max_reports', async () => {
  const mock = new MockServer({ protocol: 'http2' });
  const pusher = new Pusher({ ...mock.config, max_reports: 1000 });
  const events = collect(pusher);
  const total = 5000;
  for (let i = 0; i < total; i++) pusher.pushAsync(notification(i));
  // Keep the JS thread busy until every outcome is settled (the bound only catches a hang).
  const hang = Date.now() + 60000;
  while (pusher.stats().accepted < total) assert.ok(Date.now() < hang, 'outcomes never settled');
  await pusher.ensureDelivery();
  const s = pusher.stats();
  // At most max_reports waited for the JS thread and max_reports in the engine's queue; the
  // rest was dropped, oldest first, and counted.
  assert.ok(events.size <= 2 * 1000, `${events.size} events were kept`);
  assert.equal(events.size + s.reportsDropped, total);
  assert.equal(mock.acceptedCount(), total);
  await pusher.close();
  await mock.stop();
});
