'use strict';
// A panic in the addon (a bug) never takes the process down: an entry point throws, a promise
// rejects, and the process goes on working. `__panicForTest` is a hidden, test-only export
// (always built, left out of index.d.ts) that panics where it is told.

const test = require('node:test');
const assert = require('node:assert/strict');
const { apnspush, notification } = require('./helpers');
const { Pusher, MockServer } = apnspush;

const panicForTest = apnspush.__panicForTest;

test('a panic in an entry point throws an Error carrying the panic message', () => {
  assert.equal(typeof panicForTest, 'function');
  assert.throws(() => panicForTest('call'), (e) => {
    assert.ok(e instanceof Error);
    assert.equal(e.message, 'apnspush: deliberate panic for a test (call)');
    return true;
  });
});

test('a panic on a waiting thread rejects its promise', async () => {
  await assert.rejects(panicForTest('thread'), {
    message: 'apnspush: deliberate panic for a test (thread)',
  });
});

test('a panic while a promise is settled on the JS thread rejects it', async () => {
  await assert.rejects(panicForTest('resolver'), {
    message: 'apnspush: deliberate panic for a test (resolver)',
  });
});

test('after panics the process and a pusher keep working', async () => {
  assert.throws(() => panicForTest('call'));
  await assert.rejects(panicForTest('thread'));
  const mock = new MockServer();
  const pusher = new Pusher(mock.config);
  const o = await pusher.ensurePush(notification(1));
  assert.equal(o.kind, 'accepted');
  assert.equal(mock.acceptedCount(), 1);
  await pusher.close();
  await mock.stop();
});
