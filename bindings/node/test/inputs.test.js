'use strict';
// Every bad input: wrong JS types are TypeErrors (code ERR_INVALID_ARG_TYPE), bad values are
// Errors whose code is the engine's stable name. Promise-returning methods reject instead of
// throwing. Nothing bad is ever queued.

const test = require('node:test');
const assert = require('node:assert/strict');
const { apnspush, token, notification } = require('./helpers');
const { Pusher, MockServer, fetchFeedback, validateNotification } = apnspush;

const typeError = { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' };
const rangeError = { name: 'RangeError', code: 'ERR_OUT_OF_RANGE' };
const coded = (code) => ({ name: 'Error', code });

test('Pusher options: types, unknown keys, invalid values, unreachable servers', async () => {
  const mock = new MockServer();
  for (const bad of [5, 'x', true, [], () => 1]) {
    assert.throws(() => new Pusher(bad), typeError, String(bad));
    await assert.rejects(Pusher.connect(bad), typeError);
  }
  for (const value of [{}, [], () => 1, Symbol('s'), 10n]) {
    assert.throws(() => new Pusher({ ...mock.config, connections: value }), {
      ...typeError,
      message: /option "connections" must be a string, number or boolean/,
    });
  }
  assert.throws(() => new Pusher({ nope: 1 }), { ...coded('UNKNOWN_CONFIG_KEY'), message: /"nope"/ });
  await assert.rejects(Pusher.connect({ nope: 1 }), coded('UNKNOWN_CONFIG_KEY'));
  for (const [key, value] of [['connections', 0], ['protocol', 'smtp'], ['port', 1.5],
    ['block_when_full', 'maybe'], ['error_timeout_ms', -1], ['cert_pem', 'not pem']]) {
    assert.throws(() => new Pusher({ [key]: value }), coded('INVALID_CONFIG_VALUE'), key);
  }
  // Nothing listens on port 1 of the loopback: the connection is refused.
  const unreachable = { ...mock.config, port: 1, connect_timeout_ms: 2000 };
  assert.throws(() => new Pusher(unreachable), coded('CONNECT'));
  await assert.rejects(Pusher.connect(unreachable), coded('CONNECT'));
  // A CA that did not sign the server's certificate.
  const other = new MockServer();
  assert.throws(() => new Pusher({ ...mock.config, ca_pem: other.config.ca_pem }), coded('TLS'));
  assert.throws(
    () => new Pusher({ ...mock.config, cert_pem: '', key_pem: '', cert_file: '/nonexistent/cert.pem', key_file: '/nonexistent/key.pem' }),
    coded('CREDENTIALS'),
  );
  await other.stop();
  await mock.stop();
});

test('notification objects: every bad field', async () => {
  const mock = new MockServer();
  const pusher = new Pusher(mock.config);
  const t = token(1);
  for (const bad of [undefined, null, 5, 'x', [], () => 1]) {
    assert.throws(() => pusher.pushAsync(bad), { ...typeError, message: /notification must be an object/ });
  }
  const cases = [
    [{ payload: '{}' }, coded('BAD_TOKEN')],
    [{ token: 5 }, typeError],
    [{ token: {} }, typeError],
    [{ token: 'zz'.repeat(32) }, coded('BAD_TOKEN')],
    [{ token: 'abc' }, coded('BAD_TOKEN')],
    [{ token: 'ab'.repeat(31) }, coded('BAD_TOKEN')],
    [{ token: 'ab'.repeat(101) }, coded('BAD_TOKEN')],
    [{ token: new Uint16Array(16) }, typeError],
    [{ token: t, payload: 5 }, typeError],
    [{ token: t, payload: '{"aps":' }, coded('INVALID_JSON')],
    [{ token: t, payload: '[1,2]' }, coded('INVALID_JSON')],
    [{ token: t, payload: [1, 2] }, coded('INVALID_JSON')],
    [{ token: t, payload: `{"aps":{"alert":"${'x'.repeat(5000)}"}}` }, coded('PAYLOAD_TOO_LARGE')],
    [{ token: t, payload: { n: 10n } }, { name: 'TypeError' }],
    [{ token: t, payload: '{}', alertTitle: 'x' }, { ...coded('INVALID_ARGUMENT'), message: /payload was given together with the fields it is built from \(alert title\)/ }],
    [{ token: t, alertTitle: 5 }, typeError],
    [{ token: t, alertBody: {} }, typeError],
    [{ token: t, sound: true }, typeError],
    [{ token: t, category: 1 }, typeError],
    [{ token: t, threadId: [] }, typeError],
    [{ token: t, badge: '1' }, typeError],
    [{ token: t, badge: -1 }, coded('INVALID_ARGUMENT')],
    [{ token: t, badge: 1.5 }, coded('INVALID_ARGUMENT')],
    [{ token: t, contentAvailable: 1 }, typeError],
    [{ token: t, mutableContent: 'yes' }, typeError],
    [{ token: t, custom: [] }, typeError],
    [{ token: t, custom: 'x' }, typeError],
    [{ token: t, custom: { aps: 1 } }, coded('INVALID_ARGUMENT')],
    [{ token: t, custom: { f: () => 1 } }, coded('INVALID_ARGUMENT')],
    [{ token: t, expiry: 'tomorrow' }, typeError],
    [{ token: t, expiry: -1 }, coded('INVALID_ARGUMENT')],
    [{ token: t, expiry: 2 ** 33 }, coded('INVALID_ARGUMENT')],
    [{ token: t, priority: '10' }, typeError],
    [{ token: t, priority: 7 }, coded('INVALID_ARGUMENT')],
    [{ token: t, priority: 1000 }, coded('INVALID_ARGUMENT')],
    [{ token: t, topic: 5 }, typeError],
    [{ token: t, topic: '' }, coded('INVALID_ARGUMENT')],
    [{ token: t, pushType: 'bogus' }, coded('INVALID_ARGUMENT')],
    [{ token: t, collapseId: 'x'.repeat(65) }, coded('INVALID_ARGUMENT')],
    [{ token: t, apnsId: 'not-a-uuid' }, coded('INVALID_ARGUMENT')],
    [{ token: t, apnsId: '1'.repeat(36) }, coded('INVALID_ARGUMENT')],
    [{ token: t, topic: 't'.repeat(256) }, { ...coded('INVALID_ARGUMENT'), message: /limit is 255/ }],
    [{ token: t, collapseId: 'a\nb' }, coded('INVALID_ARGUMENT')],
    [{ token: t, contentAvailable: true, priority: 10 }, { ...coded('INVALID_ARGUMENT'), message: /priority 10.*background/ }],
    [{ token: t, payload: '{"aps":{"content-available":1}}', priority: 10 }, coded('INVALID_ARGUMENT')],
    [{ token: t, payload: '{}', pushType: 'background', priority: 10 }, coded('INVALID_ARGUMENT')],
    [{ token: t, userData: '1' }, typeError],
    [{ token: t, userData: -1 }, coded('INVALID_ARGUMENT')],
    [{ token: t, userData: 2 ** 53 }, coded('INVALID_ARGUMENT')],
    [{ token: t, tokn: t }, { ...coded('INVALID_ARGUMENT'), message: /unknown notification field "tokn"/ }],
  ];
  for (const [n, expected] of cases) {
    assert.throws(() => pusher.pushAsync(n), expected, JSON.stringify(n, (k, v) => (typeof v === 'bigint' ? `${v}n` : v)));
    await assert.rejects(pusher.push(n), expected);
    await assert.rejects(pusher.ensurePush(n), expected);
  }
  // Over the binary protocol's 2 KB but within HTTP/2's 4 KB: refused when pushed.
  const big = { token: t, payload: `{"aps":{"alert":"${'x'.repeat(3000)}"}}` };
  assert.equal(validateNotification(big), undefined);
  assert.throws(() => pusher.pushAsync(big), coded('PAYLOAD_TOO_LARGE'));

  await pusher.ensureDelivery();
  assert.equal(pusher.stats().pushed, 0, 'nothing bad was queued');
  assert.equal(mock.acceptedCount(), 0);
  await pusher.close();
  await mock.stop();
});

test('expiry unset vs 0, inferred push type and suffixed topic, as the HTTP/2 mock saw them', async () => {
  const mock = new MockServer({ protocol: 'http2' });
  const pusher = new Pusher({ ...mock.config, topic: 'com.example.app' });
  assert.throws(() => new Pusher({ ...mock.config, topic: 't'.repeat(256) }), coded('INVALID_CONFIG_VALUE'));
  const sent = [
    { token: token(1), alertBody: 'unset' },
    { token: token(2), alertBody: 'zero', expiry: 0 },
    { token: token(3), alertBody: 'date', expiry: new Date(Date.UTC(2030, 0, 1)) },
    { token: token(4), contentAvailable: true },
    { token: token(5), payload: { aps: { alert: 'call' } }, pushType: 'voip' },
    { token: token(6), payload: '{}' },
  ];
  for (const n of sent) {
    assert.equal((await pusher.ensurePush(n)).kind, 'accepted');
  }
  const seen = new Map(mock.http2Requests().map((r) => [r.token, r]));
  const headers = (i) => {
    const { expiration, pushType, topic, priority } = seen.get(token(i));
    return { expiration, pushType, topic, priority };
  };
  const app = 'com.example.app';
  assert.deepEqual(headers(1), { expiration: undefined, pushType: 'alert', topic: app, priority: '10' });
  assert.deepEqual(headers(2), { expiration: '0', pushType: 'alert', topic: app, priority: '10' });
  assert.deepEqual(headers(3), { expiration: '1893456000', pushType: 'alert', topic: app, priority: '10' });
  assert.deepEqual(headers(4), { expiration: undefined, pushType: 'background', topic: app, priority: '5' });
  assert.deepEqual(headers(5), { expiration: undefined, pushType: 'voip', topic: `${app}.voip`, priority: '10' });
  assert.deepEqual(headers(6), { expiration: undefined, pushType: undefined, topic: app, priority: '10' });
  await pusher.close();
  await mock.stop();
});

test('method arguments: timeouts, fn, listener', async () => {
  const mock = new MockServer();
  const pusher = new Pusher(mock.config);
  const n = notification(1);
  await assert.rejects(pusher.push(n, 'soon'), typeError);
  await assert.rejects(pusher.push(n, -1), rangeError);
  await assert.rejects(pusher.ensurePush(n, NaN), rangeError);
  await assert.rejects(pusher.ensureDelivery(5), { ...typeError, message: /fn must be a function/ });
  await assert.rejects(pusher.ensureDelivery(null, {}), typeError);
  await assert.rejects(pusher.ensureDelivery(undefined, Infinity), rangeError);
  await assert.rejects(pusher.close('later'), typeError);
  for (const bad of [5, 'x', {}]) {
    assert.throws(() => pusher.onOutcome(bad), { ...typeError, message: /listener must be a function or null/ });
  }
  assert.equal(pusher.stats().pushed, 0);
  await pusher.close();
  assert.throws(() => pusher.pushAsync(n), coded('CLOSED'));
  await assert.rejects(pusher.push(n), coded('CLOSED'));
  await assert.rejects(pusher.ensurePush(n), coded('CLOSED'));
  await mock.stop();
});

test('MockServer options and methods', async () => {
  for (const bad of [5, 'x', []]) assert.throws(() => new MockServer(bad), typeError);
  assert.throws(() => new MockServer({ dropEvery: 3 }), coded('INVALID_ARGUMENT'));
  assert.throws(() => new MockServer({ protocol: 'spdy' }), coded('INVALID_ARGUMENT'));
  assert.throws(() => new MockServer({ protocol: 2 }), typeError);
  assert.throws(() => new MockServer({ tokenAuth: 'yes' }), typeError);
  assert.throws(() => new MockServer({ dropAfter: -1 }), rangeError);
  assert.throws(() => new MockServer({ dropAfter: 'x' }), typeError);
  assert.throws(() => new MockServer({ errorDelayMs: -5 }), rangeError);
  assert.throws(() => new MockServer({ recordPayloads: 1 }), typeError);
  assert.throws(() => new MockServer({ reject: [] }), typeError);
  assert.throws(() => new MockServer({ reject: { zz: 8 } }), coded('BAD_TOKEN'));
  assert.throws(() => new MockServer({ reject: { [token(1)]: 300 } }), rangeError);
  assert.throws(() => new MockServer({ reject: { [token(1)]: '8' } }), typeError);
  assert.throws(() => new MockServer({ feedback: {} }), typeError);
  assert.throws(() => new MockServer({ feedback: [[1]] }), typeError);
  assert.throws(() => new MockServer({ feedback: [[-1, token(1)]] }), rangeError);
  assert.throws(() => new MockServer({ feedback: [[1, 'xyz']] }), coded('BAD_TOKEN'));
  const mock = new MockServer();
  assert.throws(() => mock.rejectToken(5, 8), typeError);
  assert.throws(() => mock.rejectToken(token(1), 256), rangeError);
  assert.throws(() => mock.setFeedback('x'), typeError);
  await assert.rejects(mock.waitAccepted('x', 10), typeError);
  await assert.rejects(mock.waitAccepted(1), typeError);
  assert.equal(await mock.waitAccepted(1, 10), false);
  await mock.stop();
  assert.throws(() => mock.acceptedCount(), coded('CLOSED'));
  assert.throws(() => mock.accepted(), coded('CLOSED'));
  await mock.stop();
});

test('fetchFeedback options', async () => {
  await assert.rejects(fetchFeedback(5), typeError);
  await assert.rejects(fetchFeedback({ nope: 1 }), coded('UNKNOWN_CONFIG_KEY'));
  const mock = new MockServer();
  await assert.rejects(
    fetchFeedback({ ...mock.config, feedback_port: 1, connect_timeout_ms: 2000 }),
    coded('CONNECT'),
  );
  await mock.stop();
});
