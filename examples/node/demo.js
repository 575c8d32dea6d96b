'use strict';
// The demo: start the built-in mock APNs server, push a batch with a few bad tokens through a
// pusher, wait for every verdict, and print the outcomes that are not accepted and the stats.
//
// Run from the repository root (after `bash scripts/deps-node.sh` and `cd bindings/node && npm run build`):
//   node examples/node/demo.js

const path = require('node:path');
const { Pusher, MockServer } = require(path.join(__dirname, '../../bindings/node'));

const BATCH = 10000;
const BAD = [17, 1234, 4321, 7777, 9999];

/** A distinct 32-byte device token for `i`, as hex. */
function token(i) {
  return '5a'.repeat(24) + i.toString(16).padStart(16, '0');
}

async function main() {
  // The mock answers the bad tokens with status 8 (invalid token), like Apple.
  const mock = new MockServer({ reject: Object.fromEntries(BAD.map((i) => [token(i), 8])) });
  console.log(`mock APNs gateway on ${mock.host}:${mock.port}`);

  const pusher = await Pusher.connect({ ...mock.config, connections: 2 });
  const kinds = {};
  pusher.onOutcome((o) => {
    kinds[o.kind] = (kinds[o.kind] || 0) + 1;
  });

  const start = process.hrtime.bigint();
  for (let i = 0; i < BATCH; i++) {
    pusher.pushAsync({
      token: token(i),
      alertTitle: 'apnspush demo',
      alertBody: `notification ${i}`,
      badge: 1,
      userData: i,
    });
  }
  await pusher.ensureDelivery();
  const ms = Number(process.hrtime.bigint() - start) / 1e6;

  console.log(`pushed ${BATCH} notifications (${BAD.length} with bad tokens) in ${ms.toFixed(1)} ms`);
  console.log(`outcomes: ${JSON.stringify(kinds)}`);
  for (const o of pusher.failedNotifications()) {
    console.log(`  ${o.kind} #${o.userData} token ${o.token} status ${o.status} (${o.reason})`);
  }
  console.log(`mock recorded ${mock.acceptedCount()} accepted, ${mock.rejected().length} rejected`);
  console.log(`stats: ${JSON.stringify(pusher.stats())}`);
  await pusher.close();
  await mock.stop();
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
