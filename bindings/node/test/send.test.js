'use strict';
// The promise verbs on the one dispatcher: send/ensurePush (the outcome), push (written),
// enqueue (queued), ensureDelivery; a full queue waits without blocking the event loop, or
// rejects with QUEUE_FULL; no thread per call.

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const net = require('node:net');
const { apnspush, token, indexOf, notification, collect, mockCounts, fullQueuePusher } = require('./helpers');
const { Pusher, MockServer } = apnspush;

function threads() {
  return fs.readdirSync('/proc/self/task').length;
}

test('100,000 concurrent sends are in flight with a fixed number of threads', async () => {
  const mock = new MockServer({ recordPayloads: false });
  const pusher = new Pusher({ ...mock.config, connections: 2 });
  const total = 100000;
  // Every connection (and the mock's thread for it) busy once before counting.
  await Promise.all(Array.from({ length: 1000 }, (_, i) => pusher.send(notification(total + 1 + i))));
  const before = threads();
  const promises = [];
  for (let i = 1; i <= total; i++) promises.push(pusher.send(notification(i)));
  // Nothing can settle before this synchronous code ends: all 100,000 are pending here.
  const during = threads();
  const outcomes = await Promise.all(promises);
  const after = threads();
  console.log(`threads: before ${before}, with 100,000 sends pending ${during}, after ${after}`);
  assert.equal(during, before, 'a thread was started for pending sends');
  assert.equal(after, before);
  assert.equal(outcomes.length, total);
  assert.ok(outcomes.every((o) => o.kind === 'accepted'));
  assert.equal(new Set(outcomes.map((o) => o.id)).size, total);
  outcomes.forEach((o, i) => assert.equal(o.userData, i + 1));
  assert.equal(mock.acceptedCount(), total + 1000);
  assert.equal(pusher.stats().accepted, total + 1000);
  await pusher.close();
  await mock.stop();
});

test('a full queue never blocks the event loop: 20,000 sends wait for room in order', async () => {
  const mock = new MockServer({ protocol: 'http2', responseDelayMs: 20 });
  const pusher = new Pusher({ ...mock.config, queue_capacity: 16 });
  const total = 20000;
  let ticks = 0;
  let ticksWhileWaiting = 0;
  const timer = setInterval(() => {
    ticks++;
    if (pusher.stats().pushed < total) ticksWhileWaiting++;
  }, 1);
  const promises = [];
  for (let i = 0; i < total; i++) promises.push(pusher.send(notification(i)));
  // The calls returned although the queue holds 16: most sends are still waiting for room.
  const pushedAfterCalls = pusher.stats().pushed;
  const outcomes = await Promise.all(promises);
  clearInterval(timer);
  console.log(`pushed after the calls: ${pushedAfterCalls}; interval ticks: ${ticks}, while sends waited: ${ticksWhileWaiting}`);
  assert.ok(pushedAfterCalls < total / 2, `${pushedAfterCalls} were queued by the calls themselves`);
  assert.ok(ticksWhileWaiting > 0, 'the event loop did not run while sends waited for room');
  assert.ok(outcomes.every((o) => o.kind === 'accepted'));
  // Waiting sends entered the queue in call order: ids increase with the call index.
  for (let i = 1; i < total; i++) assert.ok(outcomes[i].id > outcomes[i - 1].id);
  const counts = mockCounts(mock);
  assert.equal(counts.size, total);
  assert.ok([...counts.values()].every((c) => c === 1));
  await pusher.close();
  await mock.stop();
});

test('pushAsync on a full queue throws QUEUE_FULL at once; send waits; ensureDelivery covers waiting sends', async () => {
  const mock = new MockServer({ protocol: 'http2', responseDelayMs: 20 });
  const pusher = new Pusher({ ...mock.config, queue_capacity: 4 });
  const outcomes = collect(pusher);
  const sends = [];
  let settledSends = 0;
  for (let i = 0; i < 2000; i++) sends.push(pusher.send(notification(i)).then((o) => (settledSends++, o)));
  assert.throws(() => pusher.pushAsync(notification(5000)), {
    code: 'QUEUE_FULL',
    message: /pushAsync never waits/,
  });
  await pusher.ensureDelivery();
  // Every send given before the wait has its outcome, and its event was emitted.
  assert.equal(outcomes.size, 2000);
  await Promise.resolve();
  assert.equal(settledSends, 2000);
  const ids = await pusher.enqueue(notification(2001));
  assert.equal(typeof ids, 'number');
  await pusher.ensureDelivery();
  assert.equal(outcomes.get(ids).kind, 'accepted');
  assert.equal(mock.acceptedCount(), 2001);
  await pusher.close();
  await mock.stop();
});

test('block_when_full false: send, push and enqueue reject with QUEUE_FULL on a full queue', async () => {
  const { mock, pusher } = fullQueuePusher();
  const outcomes = collect(pusher);
  const ids = [];
  // Fill the queue until it stays full: the writer holds its one notification in flight (the
  // mock's verdict comes after the 60 s error window) and takes no other.
  let fullTwice = false;
  for (let i = 0; i < 1000 && !fullTwice; i++) {
    try {
      ids.push(pusher.pushAsync(notification(i)));
    } catch (e) {
      assert.equal(e.code, 'QUEUE_FULL');
      await new Promise((r) => setTimeout(r, 20));
      try {
        ids.push(pusher.pushAsync(notification(10000 + i)));
      } catch (again) {
        assert.equal(again.code, 'QUEUE_FULL');
        fullTwice = true;
      }
    }
  }
  assert.ok(fullTwice);
  // The queue is full: each promise verb rejects, nothing is queued.
  const results = await Promise.allSettled([
    pusher.send(notification(20001)),
    pusher.push(notification(20002)),
    pusher.enqueue(notification(20003)),
    pusher.ensurePush(notification(20004)),
  ]);
  for (const r of results) {
    assert.equal(r.status, 'rejected');
    assert.equal(r.reason.code, 'QUEUE_FULL');
  }
  assert.equal(pusher.stats().pushed, ids.length);
  await pusher.close(100);
  assert.deepEqual(new Set(outcomes.keys()), new Set(ids));
  assert.ok(mock.accepted().every((a) => indexOf(a.token) < 20000));
  await mock.stop();
});

test('push resolves with the id once written; its outcome follows', async () => {
  for (const protocol of ['binary', 'http2']) {
    const mock = new MockServer({ protocol, reject: { [token(2)]: 8 } });
    const pusher = new Pusher(mock.config);
    const outcomes = collect(pusher);
    const id = await pusher.push(notification(1));
    assert.equal(typeof id, 'number');
    assert.ok(pusher.stats().written >= 1, 'push resolved before the write');
    const bad = await pusher.push(notification(2));
    await pusher.ensureDelivery();
    assert.equal(outcomes.get(id).kind, 'accepted');
    assert.equal(outcomes.get(bad).kind, 'rejected');
    assert.deepEqual([...mockCounts(mock).keys()], [1]);
    await pusher.close();
    await mock.stop();
  }
});

test('timeouts: TIMEOUT leaves a queued notification to its outcome; QUEUE_FULL when room never came', async () => {
  const mock = new MockServer({ protocol: 'http2', stallAfter: 0 });
  const pusher = new Pusher({ ...mock.config, queue_capacity: 1, connections: 1, max_attempts: 1, response_timeout_ms: 60000 });
  const outcomes = collect(pusher);
  // The mock answers nothing: sends stay in flight, the queue fills, later sends wait for room.
  const first = pusher.send(notification(1), 50);
  const filler = [];
  for (let i = 2; i < 1200; i++) filler.push(pusher.send(notification(i), 50).then(() => null, (e) => e.code));
  await assert.rejects(first, { code: 'TIMEOUT', message: /stays queued and still gets its outcome/ });
  const codes = await Promise.all(filler);
  assert.ok(codes.includes('QUEUE_FULL'), 'some sends never found room');
  assert.ok(codes.every((c) => c === 'QUEUE_FULL' || c === 'TIMEOUT'));
  await assert.rejects(pusher.ensureDelivery(null, 20), { code: 'TIMEOUT' });
  const summary = await pusher.close(100);
  // Only the queued ones got outcomes; the QUEUE_FULL ones were never queued.
  const queued = codes.filter((c) => c === 'TIMEOUT').length + 1;
  assert.equal(outcomes.size, queued);
  assert.equal(summary.cancelled + summary.unconfirmed, queued);
  await mock.stop();
});

test('Pusher.connect keeps the event loop running while it connects', async () => {
  // A TCP server that accepts and never answers the TLS handshake.
  const sockets = [];
  const server = net.createServer((s) => sockets.push(s));
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const mock = new MockServer();
  let ticks = 0;
  const timer = setInterval(() => ticks++, 5);
  const err = await Pusher.connect({
    ...mock.config,
    port: server.address().port,
    connect_timeout_ms: 300,
  }).then(() => null, (e) => e);
  clearInterval(timer);
  assert.ok(err && ['CONNECT', 'TLS', 'IO'].includes(err.code), String(err));
  assert.ok(ticks > 0, 'the event loop stood still while connecting');
  sockets.forEach((s) => s.destroy());
  server.close();
  await mock.stop();
});

test('after close, send rejects CLOSED and ensureDelivery resolves at once', async () => {
  const mock = new MockServer();
  const pusher = await Pusher.connect(mock.config);
  const o = await pusher.send(notification(1));
  assert.equal(o.kind, 'accepted');
  await pusher.close();
  await assert.rejects(pusher.send(notification(2)), { code: 'CLOSED' });
  assert.equal(await pusher.ensureDelivery(() => 7), 7);
  await mock.stop();
});
