'use strict';
// Benchmark (a program that prints figures, not a test): pushAsync calls per second from JS
// and end-to-end push throughput against the built-in mock, with baselines from the same run.
//
//   node benches/node/bench.js [N] [ROUNDS]   (default 1,000,000 and 3; build in release first)
//
// Each figure is the best of ROUNDS (the machine may be shared):
//   no-op native call    version(): the cost of crossing into the addon at all
//   validation only      validateNotification(n): reading the JS object and building the
//                        notification, no queue
//   pushAsync            the same plus the enqueue (queue sized so that it never blocks)
//   end to end           pushAsync N then ensureDelivery: notifications/s through TLS to the
//                        mock (recordPayloads false) with every outcome settled
//   with outcome events  the same with outcome_reports 'all' and a listener (one JS call per
//                        outcome, all emitted before ensureDelivery resolves)

const path = require('node:path');
const { Pusher, MockServer, version, validateNotification } = require(path.join(__dirname, '../../bindings/node'));

const N = Number(process.argv[2] || 1_000_000);
const ROUNDS = Number(process.argv[3] || 3);
const VARIANTS = 1024;

function token(i) {
  return i.toString(16).padStart(16, '0') + 'a5'.repeat(24);
}
const notifications = Array.from({ length: VARIANTS }, (_, i) => ({
  token: token(i),
  payload: `{"aps":{"alert":"bench ${i}"}}`,
}));

function seconds(since) {
  return Number(process.hrtime.bigint() - since) / 1e9;
}

/** Best rate of `fn` (which runs `N` operations) over the rounds. */
async function best(fn) {
  let top = 0;
  for (let r = 0; r < ROUNDS; r++) top = Math.max(top, await fn());
  return top;
}

function fmt(n) {
  return Math.round(n).toLocaleString('en-US');
}

async function main() {
  console.log(`apnspush ${version()} on node ${process.version}, N = ${fmt(N)}, best of ${ROUNDS}`);

  const noop = await best(() => {
    const t = process.hrtime.bigint();
    for (let i = 0; i < N; i++) version();
    return N / seconds(t);
  });
  const validate = await best(() => {
    const t = process.hrtime.bigint();
    for (let i = 0; i < N; i++) validateNotification(notifications[i & (VARIANTS - 1)]);
    return N / seconds(t);
  });

  const mock = new MockServer({ recordPayloads: false });
  const queue_capacity = Math.max(N + 1, 65536);
  const pusher = new Pusher({ ...mock.config, queue_capacity, outcome_reports: 'none' });
  let push = 0;
  const endToEnd = await best(async () => {
    const t = process.hrtime.bigint();
    for (let i = 0; i < N; i++) pusher.pushAsync(notifications[i & (VARIANTS - 1)]);
    push = Math.max(push, N / seconds(t));
    await pusher.ensureDelivery();
    return N / seconds(t);
  });
  const s = pusher.stats();
  await pusher.close();

  const withEvents = new Pusher({ ...mock.config, queue_capacity });
  let events = 0;
  withEvents.onOutcome(() => events++);
  const eventsRate = await best(async () => {
    const t = process.hrtime.bigint();
    for (let i = 0; i < N; i++) withEvents.pushAsync(notifications[i & (VARIANTS - 1)]);
    await withEvents.ensureDelivery();
    return N / seconds(t);
  });
  await withEvents.close();
  const accepted = mock.acceptedCount();
  await mock.stop();

  console.log(`no-op native call   ${fmt(noop).padStart(12)} calls/s`);
  console.log(`validation only     ${fmt(validate).padStart(12)} calls/s`);
  console.log(`pushAsync           ${fmt(push).padStart(12)} calls/s   (${(push / validate).toFixed(2)}x validation only; target >= 300,000)`);
  console.log(`end to end          ${fmt(endToEnd).padStart(12)} notifications/s (pushAsync N + ensureDelivery)`);
  console.log(`with outcome events ${fmt(eventsRate).padStart(12)} notifications/s (the same with a listener)`);
  console.log(`mock accepted ${fmt(accepted)}; stats accepted ${fmt(s.accepted)} of ${fmt(s.pushed)}, rejected ${s.rejected}, failed ${s.failed}; events ${fmt(events)}`);
  const total = N * ROUNDS;
  if (accepted < 2 * total || s.accepted !== total || events !== total) {
    console.error('not every notification was accepted and reported');
    process.exitCode = 1;
  }
}

main();
