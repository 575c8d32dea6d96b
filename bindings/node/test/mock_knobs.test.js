'use strict';
// The HTTP/2 mock's fault knobs from JavaScript: expireTokenAfter and stallAfter take effect
// and the record counts tokens and requests per connection.

const test = require('node:test');
const assert = require('node:assert/strict');
const { Pusher, MockServer } = require('..');
const { notification } = require('./helpers');

test('HTTP/2 mock: expireTokenAfter expires each token, stallAfter silences the connection', async () => {
  const mock = new MockServer({
    protocol: 'http2', tokenAuth: true, expireTokenAfter: 2, stallAfter: 4,
  });
  const pusher = await Pusher.connect({ ...mock.config, token_min_interval_ms: 0 });
  // Requests: 0 and 1 with the first token, 2 with it (expired), 2 again with a new one.
  for (let i = 0; i < 3; i++) {
    assert.equal((await pusher.ensurePush(notification(i))).kind, 'accepted');
  }
  assert.equal(mock.tokensSeen(), 2);
  // The fifth request on the connection is received and never answered.
  pusher.pushAsync(notification(3));
  const deadline = Date.now() + 60_000;
  while (JSON.stringify(mock.requestsPerConnection()) !== '[[1,5]]' && Date.now() < deadline) {
    assert.equal(await mock.waitAccepted(4, 10), false);
  }
  assert.deepEqual(mock.requestsPerConnection(), [[1, 5]]);
  await pusher.close(100);
  assert.equal(mock.acceptedCount(), 3);
  await mock.stop();
  assert.throws(() => new MockServer({ stallAfter: -1 }), RangeError);
});
