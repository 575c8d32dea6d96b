'use strict';
// The opt-in log event: setLogLevel + onLog deliver the engine's records on the JS thread;
// no record holds key material or a whole device token.

const test = require('node:test');
const assert = require('node:assert/strict');
const { apnspush, token, notification } = require('./helpers');
const { Pusher, MockServer, setLogLevel, onLog, logsDropped } = apnspush;

test('a rejection and a GOAWAY yield records, without keys or whole tokens', async () => {
  const records = [];
  let inSyncSection = true;
  onLog((r) => {
    assert.equal(inSyncSection, false, 'a record was delivered inside a synchronous call');
    records.push(r);
  });
  setLogLevel('debug');
  const mock = new MockServer({ protocol: 'http2', tokenAuth: true, goawayAfter: 50, http2Reject: { [token(7)]: [400, 'BadDeviceToken'] } });
  const pusher = new Pusher({ ...mock.config, connections: 1 });
  const ids = [];
  for (let i = 0; i < 200; i++) ids.push(pusher.pushAsync(notification(i)));
  inSyncSection = false;
  await pusher.ensureDelivery();
  const bad = await pusher.send(notification(7));
  assert.equal(bad.status, 400);
  await pusher.close();
  await new Promise((r) => setImmediate(r));
  const text = records.map((r) => `${r.level} ${r.target} ${r.message}`);
  assert.ok(text.some((t) => /^info apnspush::http2 slot 0: connected/.test(t)), text.join('\n'));
  assert.ok(text.some((t) => /^warn apnspush::http2 .*GOAWAY/.test(t)), text.join('\n'));
  assert.ok(text.some((t) => /^debug apnspush::outcome notification \d+ \(token [0-9a-f]{8}…\) rejected: 400 BadDeviceToken/.test(t)), text.join('\n'));
  for (const r of records) {
    assert.deepEqual(Object.keys(r), ['level', 'target', 'message', 'timeMs']);
    assert.equal(typeof r.timeMs, 'number');
    assert.ok(!r.message.includes('-----BEGIN'), r.message);
    for (const k of ['key_pem', 'cert_pem', 'auth_key_pem']) {
      const pem = mock.config[k];
      if (!pem) continue;
      const body = pem.split('\n').filter((l) => l && !l.startsWith('-----'));
      for (const line of body) assert.ok(!r.message.includes(line), `${k} in ${r.message}`);
    }
    for (let i = 0; i < 200; i++) assert.ok(!r.message.includes(token(i)), r.message);
  }
  assert.equal(logsDropped(), 0);
  setLogLevel('off');
  onLog(null);
  assert.throws(() => setLogLevel('loud'), { code: 'INVALID_ARGUMENT' });
  await mock.stop();
});
