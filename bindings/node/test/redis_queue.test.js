'use strict';
// The producer helpers (lib/redis-queue.js) with ioredis against a real redis-server on a free
// loopback port and the `apnspush worker` binary pushing to this face's HTTP/2 mock: 1,000
// notifications (some to tokens the mock rejects) in, exactly 1,000 outcomes out, each `ref`
// once, the bad ones rejected with the mock's reason; an invalid one lands in the dead letters.

const test = require('node:test');
const assert = require('node:assert/strict');
const { spawn, execFileSync } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const Redis = require('ioredis');
const apnspush = require('..');
const {
  enqueue, enqueueMany, readOutcomes, readDeadLetters, OUTCOME_FIELDS,
} = require('../lib/redis-queue');
const { token } = require('./helpers');

const ROOT = path.join(__dirname, '..', '..', '..');

/** The command-line binary, built (or found up to date) by cargo in release. */
function apnspushBinary() {
  const out = execFileSync('cargo', ['build', '--locked', '--release', '-p', 'apnspush-cli',
    '--message-format=json-render-diagnostics'],
  { cwd: ROOT, encoding: 'utf8', maxBuffer: 1 << 28, stdio: ['ignore', 'pipe', 'pipe'] });
  for (const line of out.split('\n')) {
    if (!line) continue;
    const msg = JSON.parse(line);
    if (msg.reason === 'compiler-artifact' && msg.executable && msg.target.name === 'apnspush') {
      return msg.executable;
    }
  }
  throw new Error('cargo built no apnspush binary');
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function exited(child) {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve(child.exitCode);
    else child.once('exit', (code) => resolve(code));
  });
}

/** redis-server on a free loopback port (scripts/deps-redis.sh installs it), in memory. */
async function startRedis(dir) {
  const port = await freePort();
  const server = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1',
    '--save', '', '--appendonly', 'no', '--dir', dir], { stdio: 'ignore' });
  const client = new Redis({ host: '127.0.0.1', port, lazyConnect: true, maxRetriesPerRequest: 0 });
  // Until the server listens, connect() rejects; the 'error' events that go with it are expected.
  client.on('error', () => {});
  const deadline = Date.now() + 20000;
  for (;;) {
    try {
      await client.connect();
      await client.ping();
      return { server, client, port };
    } catch (err) {
      client.disconnect();
      assert.ok(Date.now() < deadline, `redis-server did not start: ${err}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}

test('a producer gets exactly one outcome per notification', { timeout: 300000 }, async () => {
  const binary = apnspushBinary();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'apnspush-redis-'));
  const { server, client, port } = await startRedis(dir);
  const bad = new Set();
  for (let i = 0; i < 1000; i++) if (i % 97 === 5) bad.add(i);
  const mock = new apnspush.MockServer({
    protocol: 'http2',
    recordPayloads: false,
    http2Reject: Object.fromEntries([...bad].map((i) => [token(i), [400, 'BadDeviceToken']])),
  });
  let worker;
  try {
    const config = path.join(dir, 'mock.json');
    fs.writeFileSync(config, JSON.stringify(mock.config));
    worker = spawn(binary, ['worker', '--redis', `redis://127.0.0.1:${port}`, '--config', config],
      { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    worker.stderr.on('data', (d) => { stderr += d; });

    const note = (i) => ({ ref: { order: i }, token: token(i), alert: `n${i}`, topic: 'com.example' });
    const ids = [await enqueue(client, note(0))];
    ids.push(...await enqueueMany(client, Array.from({ length: 999 }, (_, k) => note(k + 1)), { batch: 300 }));
    const dead = await enqueue(client, { token: 'zz', alert: 'x' });
    assert.equal(ids.length, 1000);

    const outcomes = [];
    let from = '0-0';
    while (outcomes.length < 1000) {
      assert.equal(worker.exitCode, null, `the worker exited: ${stderr}`);
      const page = await readOutcomes(client, { from, count: 300, block: 1000 });
      outcomes.push(...page.map((p) => p.outcome));
      if (page.length) from = page[page.length - 1].id;
    }
    assert.equal(outcomes.length, 1000);

    worker.kill('SIGTERM');
    assert.equal(await exited(worker), 0, stderr);
    assert.equal(mock.acceptedCount(), 1000 - bad.size);
    assert.deepEqual(await readOutcomes(client, { from }), [], 'an outcome past the 1,000th');

    const byEntry = new Map(outcomes.map((o) => [o.entry, o]));
    assert.equal(byEntry.size, 1000);
    const refs = new Set(outcomes.map((o) => o.ref.order));
    assert.equal(refs.size, 1000, 'each ref once');
    ids.forEach((entry, i) => {
      const o = byEntry.get(entry);
      assert.ok(o, `no outcome for entry ${entry}`);
      assert.equal(Object.keys(o).length, OUTCOME_FIELDS.length);
      assert.deepEqual(o.ref, { order: i });
      assert.equal(o.token, token(i));
      assert.equal(o.channelId, null);
      assert.equal(o.attempts, 1);
      assert.equal(o.duplicatePossible, false);
      assert.ok(o.worker.length > 0);
      if (bad.has(i)) {
        assert.deepEqual([o.kind, o.status, o.reason], ['rejected', 400, 'BadDeviceToken']);
      } else {
        assert.deepEqual([o.kind, o.status, o.reason], ['accepted', 200, '']);
        assert.equal(o.apnsId.length, 36);
      }
    });
    const letters = await readDeadLetters(client);
    assert.equal(letters.length, 1);
    assert.equal(letters[0].dead.entry, dead);
    assert.match(letters[0].dead.reason, /hex/);
    assert.equal(letters[0].dead.n, '{"token":"zz","alert":"x"}');
    const [pending] = await client.xpending('apnspush:notifications', 'apnspush');
    assert.equal(pending, 0);
  } finally {
    if (worker && worker.exitCode === null && worker.signalCode === null) {
      worker.kill('SIGKILL');
      await exited(worker);
    }
    await mock.stop();
    client.disconnect();
    server.kill('SIGKILL');
    await exited(server);
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('enqueue refuses a notification without a target', async () => {
  const client = { xadd: () => assert.fail('nothing may be sent') };
  assert.throws(() => enqueue(client, { alert: 'x' }), { name: 'TypeError', message: /token or channel_id/ });
  assert.throws(() => enqueue(client, 'not an object'), TypeError);
  await assert.rejects(enqueueMany(client, [{ token: 'ab' }, { alert: 'x' }]), TypeError);
});
