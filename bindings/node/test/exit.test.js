'use strict';
// A process that creates a pusher, pushes and closes exits on its own with code 0. The bound
// below only catches a hang (the child is killed and the test fails); it is not a speed check.

const test = require('node:test');
const assert = require('node:assert/strict');
const { spawn } = require('node:child_process');
const path = require('node:path');

const HANG = 60000;

function run(script, args = []) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(__dirname, 'fixtures', script), ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    const guard = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${script} did not exit on its own within ${HANG} ms; stdout: ${out} stderr: ${err}`));
    }, HANG);
    child.on('exit', (code, signal) => {
      clearTimeout(guard);
      resolve({ code, signal, out, err });
    });
  });
}

test('a process that pushes and closes exits with code 0 on its own', async () => {
  const r = await run('push-and-close.js');
  assert.equal(r.code, 0, r.err);
  assert.equal(r.signal, null);
  assert.deepEqual(JSON.parse(r.out), { events: 1000, accepted: 1000, summary: { cancelled: 0, unconfirmed: 0 } });
});

test('the same with Pusher.connect', async () => {
  const r = await run('push-and-close.js', ['connect']);
  assert.equal(r.code, 0, r.err);
  assert.deepEqual(JSON.parse(r.out).events, 1000);
});

test('a pusher and a mock left open do not keep the process alive', async () => {
  const r = await run('push-no-close.js');
  assert.equal(r.code, 0, r.err);
  assert.deepEqual(JSON.parse(r.out), { events: 1000, accepted: 1000 });
});

test('a pending send keeps the process alive until it resolves, then it exits', async () => {
  const r = await run('send-pending.js');
  assert.equal(r.code, 0, r.err);
  assert.deepEqual(JSON.parse(r.out), { kind: 'accepted', accepted: 1 });
});

test('a Channels client, closed or left open, does not keep the process alive', async () => {
  for (const how of [['close'], []]) {
    const r = await run('channels-exit.js', how);
    assert.equal(r.code, 0, r.err);
    assert.deepEqual(JSON.parse(r.out), { listed: true }, how.join());
  }
});
