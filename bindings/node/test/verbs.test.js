'use strict';
// The verbs against the mock: what each resolves with, what the mock recorded.

const test = require('node:test');
const assert = require('node:assert/strict');
const { apnspush, token, indexOf, notification, collect, fullQueuePusher } = require('./helpers');
const { Pusher, MockServer, fetchFeedback, errorCodes, validateNotification, version } = apnspush;

test('pushAsync builds payloads from fields, objects and text as the mock receives them', async () => {
  const mock = new MockServer();
  const pusher = new Pusher(mock.config);
  pusher.pushAsync({
    token: token(1),
    alertTitle: 'Hi',
    alertBody: 'there',
    badge: 3,
    sound: 'ping.aiff',
    category: 'c',
    threadId: 't',
    contentAvailable: true,
    mutableContent: true,
    custom: { orderId: 42, nested: { a: [1, 2] } },
    expiry: new Date(Date.UTC(2030, 0, 1)),
    priority: 5,
  });
  pusher.pushAsync({ token: Buffer.from(token(2), 'hex'), payload: { aps: { alert: 'obj' } } });
  pusher.pushAsync({ token: token(3).toUpperCase(), payload: '{"aps":{"alert":"text"}}', collapseId: undefined });
  await pusher.ensureDelivery();
  const byIndex = new Map(mock.accepted().map((a) => [indexOf(a.token), JSON.parse(a.payload)]));
  assert.deepEqual(byIndex.get(1), {
    aps: {
      alert: { title: 'Hi', body: 'there' },
      badge: 3,
      sound: 'ping.aiff',
      category: 'c',
      'thread-id': 't',
      'content-available': 1,
      'mutable-content': 1,
    },
    orderId: 42,
    nested: { a: [1, 2] },
  });
  assert.deepEqual(byIndex.get(2), { aps: { alert: 'obj' } });
  assert.deepEqual(byIndex.get(3), { aps: { alert: 'text' } });
  await pusher.close();
  await mock.stop();
});

test('ids are increasing numbers; push resolves with the id once written', async () => {
  const mock = new MockServer();
  const pusher = new Pusher(mock.config);
  const a = pusher.pushAsync(notification(1));
  const b = await pusher.push(notification(2));
  assert.equal(typeof a, 'number');
  assert.ok(b > a);
  assert.ok(pusher.stats().written >= 2);
  await pusher.close();
  await mock.stop();
});

test('ensurePush resolves with each verdict, confirmed by a marker', async () => {
  const mock = new MockServer({ reject: { [token(2)]: 8 } });
  const pusher = new Pusher(mock.config);
  const good = await pusher.ensurePush(notification(1));
  assert.equal(good.kind, 'accepted');
  assert.equal(good.confirmed, true);
  assert.equal(good.token, token(1));
  const bad = await pusher.ensurePush(notification(2));
  assert.deepEqual([bad.kind, bad.status, bad.token], ['rejected', 8, token(2)]);
  assert.ok(mock.markers() >= 1);
  assert.equal(mock.acceptedCount(), 1);
  await pusher.close();
  await mock.stop();
});

test('ensureDelivery(fn) awaits fn, then waits for what it pushed, and resolves with its value', async () => {
  const mock = new MockServer();
  const pusher = new Pusher(mock.config);
  const outcomes = collect(pusher);
  const value = await pusher.ensureDelivery(async () => {
    await new Promise((r) => setTimeout(r, 10));
    for (let i = 0; i < 500; i++) pusher.pushAsync(notification(i));
    return 'done';
  });
  assert.equal(value, 'done');
  assert.equal(outcomes.size, 500);
  assert.equal(mock.acceptedCount(), 500);
  assert.equal(await pusher.ensureDelivery(() => 7), 7);
  await assert.rejects(pusher.ensureDelivery(() => { throw new Error('boom'); }), { message: 'boom' });
  await assert.rejects(pusher.ensureDelivery(() => Promise.reject(new RangeError('nope'))), RangeError);
  await pusher.close();
  await mock.stop();
});

test('failedNotifications drains the outcomes that are not accepted', async () => {
  const mock = new MockServer({ reject: { [token(4)]: 8 } });
  const pusher = new Pusher(mock.config);
  for (let i = 0; i < 10; i++) pusher.pushAsync(notification(i));
  await pusher.ensureDelivery();
  const failed = pusher.failedNotifications();
  assert.equal(failed.length, 1);
  assert.deepEqual([failed[0].kind, failed[0].status, failed[0].token], ['rejected', 8, token(4)]);
  assert.deepEqual(pusher.failedNotifications(), []);
  await pusher.close();
  await mock.stop();
});

test('stats is a plain object of numbers (and lastError), with true latency percentiles', async () => {
  const mock = new MockServer();
  const pusher = new Pusher(mock.config);
  for (let i = 0; i < 100; i++) pusher.pushAsync(notification(i));
  await pusher.ensureDelivery();
  const s = pusher.stats();
  assert.equal(Object.getPrototypeOf(s), Object.prototype);
  for (const [k, v] of Object.entries(s)) assert.equal(typeof v, k === 'lastError' ? 'string' : 'number', k);
  assert.deepEqual([s.pushed, s.accepted, s.rejected, s.failed, s.queued], [100, 100, 0, 0, 0]);
  assert.deepEqual([s.reportsDropped, s.failedDropped], [0, 0]);
  assert.ok(s.connects >= 1);
  const latency = [s.latencyP50Us, s.latencyP90Us, s.latencyP99Us, s.latencyP999Us, s.latencyMaxUs];
  assert.ok(latency[0] > 0, `${latency}`);
  for (let i = 1; i < latency.length; i++) assert.ok(latency[i - 1] <= latency[i], `${latency}`);
  await pusher.close();
  await mock.stop();
});

test('Pusher.connect resolves with a working pusher', async () => {
  const mock = new MockServer();
  const pusher = await Pusher.connect(mock.config);
  assert.ok(pusher instanceof Pusher);
  const o = await pusher.ensurePush(notification(1));
  assert.equal(o.kind, 'accepted');
  await pusher.close();
  await mock.stop();
});

test('rejectToken applies to later notifications', async () => {
  const mock = new MockServer();
  const pusher = new Pusher(mock.config);
  assert.equal((await pusher.ensurePush(notification(1))).kind, 'accepted');
  mock.rejectToken(token(1), 8);
  const o = await pusher.ensurePush(notification(1));
  assert.deepEqual([o.kind, o.status], ['rejected', 8]);
  await pusher.close();
  await mock.stop();
});

test('fetchFeedback returns the tuples the mock serves', async () => {
  const mock = new MockServer({ feedback: [[1700000000, token(1)], [1700000001, token(2)]] });
  assert.deepEqual(await fetchFeedback(mock.config), [
    [1700000000, token(1)],
    [1700000001, token(2)],
  ]);
  mock.setFeedback([[5, token(3)]]);
  assert.deepEqual(await fetchFeedback(mock.config), [[5, token(3)]]);
  await mock.stop();
});

test('timeouts reject with TIMEOUT and leave the notification to get its outcome', async () => {
  const mock = new MockServer({ errorDelayMs: 1500 });
  const pusher = new Pusher({ ...mock.config, error_timeout_ms: 60000 });
  const outcomes = collect(pusher);
  const err = await pusher.ensurePush(notification(1), 50).then(() => null, (e) => e);
  assert.equal(err?.code, 'TIMEOUT');
  await assert.rejects(pusher.ensureDelivery(null, 50), { code: 'TIMEOUT' });
  await pusher.ensureDelivery();
  assert.equal(outcomes.size, 1);
  assert.equal([...outcomes.values()][0].kind, 'accepted');
  await pusher.close();
  await mock.stop();
});

test('QUEUE_FULL in non-blocking mode; nothing queued is affected', async () => {
  const { mock, pusher } = fullQueuePusher();
  const outcomes = collect(pusher);
  const ids = [];
  let error = null;
  for (let i = 0; i < 10000 && !error; i++) {
    try {
      ids.push(pusher.pushAsync(notification(i)));
    } catch (e) {
      error = e;
    }
  }
  assert.equal(error?.code, 'QUEUE_FULL');
  assert.ok(error instanceof Error);
  assert.equal(pusher.stats().pushed, ids.length);
  await pusher.close(100);
  assert.deepEqual(new Set(outcomes.keys()), new Set(ids));
  await mock.stop();
});

test('errorCodes lists the stable codes; validateNotification and version', () => {
  const codes = errorCodes();
  for (const c of ['BAD_TOKEN', 'PAYLOAD_TOO_LARGE', 'INVALID_JSON', 'INVALID_ARGUMENT',
    'UNKNOWN_CONFIG_KEY', 'INVALID_CONFIG_VALUE', 'CONNECT', 'TLS', 'CREDENTIALS', 'IO',
    'QUEUE_FULL', 'CLOSED', 'TIMEOUT', 'PROTOCOL', 'INTERNAL', 'REJECTED']) {
    assert.equal(typeof codes[c], 'string', c);
  }
  assert.equal(validateNotification(notification(1)), undefined);
  assert.throws(() => validateNotification({ token: 'zz' }), { code: 'BAD_TOKEN' });
  assert.match(version(), /^\d+\.\d+\.\d+/);
});

test('HTTP/2 mock, certificate and token auth: bad tokens get 400 BadDeviceToken', async () => {
  for (const options of [{ protocol: 'http2' }, { protocol: 'http2', tokenAuth: true }]) {
    const mock = new MockServer({ ...options, reject: { [token(3)]: 8 } });
    assert.equal(mock.config.protocol, 'http2');
    assert.equal('auth_key_pem' in mock.config, options.tokenAuth === true);
    const pusher = await Pusher.connect(mock.config);
    const outcomes = collect(pusher);
    const ids = [];
    for (let i = 0; i < 1000; i++) ids.push(pusher.pushAsync(notification(i)));
    await pusher.ensureDelivery();
    assert.equal(outcomes.size, 1000);
    const bad = outcomes.get(ids[3]);
    assert.deepEqual([bad.kind, bad.status, bad.reason], ['rejected', 400, 'BadDeviceToken']);
    assert.match(bad.apnsId, /^[0-9a-f-]{36}$/);
    const counts = new Map(mock.accepted().map((a) => [indexOf(a.token), a.payload]));
    assert.equal(counts.size, 999);
    assert.ok(!counts.has(3));
    assert.deepEqual(JSON.parse(counts.get(7)), { aps: { alert: 'n7' } });
    await pusher.close();
    await mock.stop();
  }
});
