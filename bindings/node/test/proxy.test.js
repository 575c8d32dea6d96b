'use strict';
// The `proxy` option through the Node face (pushes and channel management), against a real
// HTTP CONNECT proxy (tinyproxy, started by tests/proxy/tinyproxy.sh with BasicAuth) and the
// HTTP/2 mock.

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const readline = require('node:readline');
const { spawn } = require('node:child_process');
const { apnspush, token, notification, collect, mockCounts, countKind } = require('./helpers');
const { Pusher, MockServer, Channels } = apnspush;

const HELPER = path.join(__dirname, '..', '..', '..', 'tests', 'proxy', 'tinyproxy.sh');

/** Starts tinyproxy requiring user:password: { port, log, helper } (kill helper to stop it). */
async function tinyproxy(user, password) {
  const helper = spawn('bash', [HELPER, user, password], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = readline.createInterface({ input: helper.stdout });
  const [first] = await Promise.race([
    new Promise((resolve) => lines.once('line', (l) => resolve([l]))),
    new Promise((resolve) => helper.once('exit', () => resolve(['no output']))),
  ]);
  lines.close();
  const [port, log] = first.split(' ');
  if (!/^\d+$/.test(port)) {
    helper.kill();
    assert.fail(`tests/proxy/tinyproxy.sh: ${first}`);
  }
  return { port: Number(port), log, helper };
}

test('500 through tinyproxy with Basic auth, and a channel created there; a wrong password is a CREDENTIALS error', async () => {
  const tp = await tinyproxy('user', 'secret');
  const bad = new Set([123, 456]);
  const http2Reject = Object.fromEntries([...bad].map((i) => [token(i), [400, 'BadDeviceToken']]));
  const mock = new MockServer({ protocol: 'http2', http2Reject });
  try {
    const pusher = new Pusher({ ...mock.config, proxy: `http://user:secret@127.0.0.1:${tp.port}` });
    const outcomes = collect(pusher);
    const indexById = new Map();
    for (let i = 0; i < 500; i++) indexById.set(pusher.pushAsync(notification(i)), i);
    await pusher.ensureDelivery();
    await pusher.close();

    assert.equal(outcomes.size, 500);
    assert.equal(countKind(outcomes, 'accepted'), 498);
    const rejected = [...outcomes.values()].filter((o) => o.kind === 'rejected');
    assert.deepEqual(new Set(rejected.map((o) => indexById.get(o.id))), bad);
    assert.ok(rejected.every((o) => o.status === 400 && o.reason === 'BadDeviceToken'));
    const counts = mockCounts(mock);
    assert.equal(counts.size, 498);
    for (const [i, c] of counts) assert.ok(c === 1 && !bad.has(i), `notification ${i}: ${c} times`);
    const connect = `CONNECT 127.0.0.1:${mock.port} HTTP/1.1`;
    const tunnels = fs.readFileSync(tp.log, 'utf8').split('\n').filter((l) => l.endsWith(connect));
    assert.ok(tunnels.length >= 1, 'tinyproxy logged no CONNECT to the mock');

    // Channel management through the same proxy, to the mock's management port.
    const channels = await Channels.connect({
      ...mock.config,
      topic: 'com.example.app',
      proxy: `http://user:secret@127.0.0.1:${tp.port}`,
    });
    const id = await channels.create(1);
    assert.deepEqual(await channels.list(), [id]);
    await channels.close();
    assert.deepEqual(mock.channelIds('com.example.app'), [id]);
    const manage = `CONNECT 127.0.0.1:${mock.channelPort} HTTP/1.1`;
    assert.ok(fs.readFileSync(tp.log, 'utf8').split('\n').some((l) => l.endsWith(manage)), 'no CONNECT to the management port');

    const wrong = 'wrong-pw-0451';
    assert.throws(
      () => new Pusher({ ...mock.config, proxy: `http://user:${wrong}@127.0.0.1:${tp.port}` }),
      (e) => {
        assert.equal(e.code, 'CREDENTIALS');
        assert.ok(e.message.includes('refused the credentials'), 'names the refusal');
        assert.ok(!e.message.includes(wrong) && !e.message.includes('secret'), 'quotes no password');
        return true;
      },
    );
  } finally {
    await mock.stop();
    tp.helper.kill();
  }
});
