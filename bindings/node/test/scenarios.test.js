'use strict';
// The engine's scenarios re-run from JS (b, c, f of the issue): the mock's record and the
// outcome events must both say that nothing was lost.

const test = require('node:test');
const assert = require('node:assert/strict');
const { apnspush, token, indexOf, notification, collect, mockCounts, countKind } = require('./helpers');
const { Pusher, MockServer } = apnspush;

test('b: 20 bad tokens among 20,000: exactly those rejected with status 8', async () => {
  const bad = new Set(Array.from({ length: 20 }, (_, k) => 500 + k * 997));
  const reject = Object.fromEntries([...bad].map((i) => [token(i), 8]));
  const mock = new MockServer({ reject });
  const pusher = new Pusher(mock.config);
  const outcomes = collect(pusher);
  const indexById = new Map();
  for (let i = 0; i < 20000; i++) indexById.set(pusher.pushAsync(notification(i)), i);
  await pusher.ensureDelivery();

  // Reported outcomes: one per notification, emitted before ensureDelivery resolved.
  assert.equal(outcomes.size, 20000);
  const rejected = [...outcomes.values()].filter((o) => o.kind === 'rejected');
  assert.deepEqual(new Set(rejected.map((o) => indexById.get(o.id))), bad);
  for (const o of rejected) {
    assert.equal(o.userData, indexById.get(o.id));
    assert.equal(o.status, 8);
    assert.equal(o.reason, 'Invalid token');
    assert.equal(indexOf(o.token), indexById.get(o.id));
  }
  assert.equal(countKind(outcomes, 'accepted'), 19980);

  // The mock's record: every good one exactly once, no bad one.
  const counts = mockCounts(mock);
  assert.equal(counts.size, 19980);
  for (const [i, c] of counts) {
    assert.equal(c, 1, `notification ${i} delivered ${c} times`);
    assert.ok(!bad.has(i));
  }
  assert.deepEqual(new Set(mock.rejected().map((r) => indexOf(r.token))), bad);
  assert.ok(mock.rejected().every((r) => r.status === 8));

  const failed = pusher.failedNotifications();
  assert.equal(failed.length, 20);
  assert.deepEqual(new Set(failed.map((o) => indexById.get(o.id))), bad);
  const s = pusher.stats();
  assert.equal(s.pushed, 20000);
  assert.equal(s.rejected, 20);
  assert.equal(s.accepted, 19980);
  await pusher.close();
  await mock.stop();
});

test('c: connection dropped every 3,000: none lost, duplicates counted', async () => {
  const mock = new MockServer({ dropAfter: 3000 });
  const pusher = new Pusher(mock.config);
  const outcomes = collect(pusher);
  const ids = [];
  for (let i = 0; i < 20000; i++) ids.push(pusher.pushAsync(notification(i)));
  await pusher.ensureDelivery();

  assert.equal(outcomes.size, 20000, 'every notification has exactly one outcome');
  for (const id of ids) assert.equal(outcomes.get(id)?.kind, 'accepted', `notification ${id}`);
  const counts = mockCounts(mock);
  assert.equal(counts.size, 20000, 'a notification never reached the mock');
  let duplicates = 0;
  for (const c of counts.values()) duplicates += c - 1;
  const s = pusher.stats();
  assert.ok(
    duplicates <= s.duplicatesPossible,
    `mock saw ${duplicates} duplicates, stats counted ${s.duplicatesPossible}`,
  );
  // The first cut teaches the window the distance; later connections end with a marker.
  assert.ok(s.connectionLosses >= 1, `expected a loss, got ${s.connectionLosses}`);
  assert.ok(s.reconnects >= 6);
  assert.ok(mock.connections() >= 7);
  await pusher.close();
  await mock.stop();
});

test('f: close() with 50,000 queued resolves and every notification has an outcome', async (t) => {
  // The mock holds every error-response for 3 s, so the first marker stalls the connection.
  const mock = new MockServer({ errorDelayMs: 3000 });
  const pusher = new Pusher({ ...mock.config, max_in_flight: 200, error_timeout_ms: 60000 });
  const outcomes = collect(pusher);
  for (let i = 0; i < 50000; i++) pusher.pushAsync(notification(i));
  const start = process.hrtime.bigint();
  const summary = await pusher.close(500);
  t.diagnostic(`close(500) resolved after ${Number(process.hrtime.bigint() - start) / 1e6} ms`);

  assert.equal(outcomes.size, 50000, 'every notification has exactly one outcome');
  const cancelled = countKind(outcomes, 'cancelled');
  const failed = countKind(outcomes, 'failed');
  const accepted = countKind(outcomes, 'accepted');
  assert.deepEqual([cancelled, failed], [summary.cancelled, summary.unconfirmed]);
  assert.equal(cancelled + failed + accepted, 50000);
  assert.ok(cancelled > 40000, `most were still queued: ${cancelled}`);
  for (const o of outcomes.values()) {
    if (o.kind === 'failed') assert.equal(o.error, 'CLOSED');
  }
  const s = pusher.stats();
  assert.equal(s.cancelled, cancelled);
  assert.throws(() => pusher.pushAsync(notification(1)), { code: 'CLOSED' });
  assert.deepEqual(await pusher.close(), { cancelled: 0, unconfirmed: 0 });
  await mock.stop();
});

test('e: pushes interleaved from many async tasks all arrive once', async () => {
  const mock = new MockServer();
  const pusher = await Pusher.connect({ ...mock.config, connections: 2, outcome_reports: 'failures' });
  const outcomes = collect(pusher);
  const tasks = Array.from({ length: 8 }, async (_, t) => {
    for (let i = 0; i < 2500; i++) {
      pusher.pushAsync(notification(t * 1000000 + i));
      if (i % 500 === 0) await new Promise((r) => setImmediate(r));
    }
  });
  await pusher.ensureDelivery(() => Promise.all(tasks));
  const s = pusher.stats();
  assert.deepEqual([s.pushed, s.accepted], [20000, 20000]);
  assert.equal(outcomes.size, 0, "outcome_reports 'failures' emits no accepted outcome");
  const counts = mockCounts(mock);
  assert.equal(counts.size, 20000);
  for (const c of counts.values()) assert.equal(c, 1);
  await pusher.close();
  await mock.stop();
});
