'use strict';
// Benchmark (a program that prints figures, not a test): the cost of one pushAsync call from JS
// and end-to-end push throughput against the built-in mock, with baselines from the same run.
//
//   node benches/node/bench.js [N] [ROUNDS]   (default 1,000,000 and 3; build in release first)
//
// Each figure is the best of ROUNDS (the machine may be shared). Per-call figures are given as
// wall time and as CPU time of the JS thread (Linux: /proc/self/task/<pid>/schedstat; the
// engine's threads are not counted), and as ratios to the baselines of the same run, which
// hold on a loaded machine where absolute figures do not:
//   no-op native call    version(): the cost of crossing into the addon at all
//   validation only      validateNotification(n): reading the JS object and building the
//                        notification, no queue
//   pushAsync            the same plus the enqueue (queue sized so that it never blocks), while
//                        the engine drains to the mock
//   end to end           pushAsync N then ensureDelivery: notifications/s through TLS to the
//                        mock (recordPayloads false) with every outcome settled
//   with outcome events  the same with outcome_reports 'all' and a listener (one JS call per
//                        outcome, all emitted before ensureDelivery resolves)

const fs = require('node:fs');
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

/** CPU nanoseconds of the JS thread so far (the main thread: its tid is the pid); NaN off Linux. */
function threadCpuNs() {
  try {
    return Number(fs.readFileSync(`/proc/self/task/${process.pid}/schedstat`, 'utf8').split(' ')[0]);
  } catch {
    return NaN;
  }
}

/** Per-call cost of `fn` (which makes `N` calls): the best wall and the best JS-thread CPU, ns. */
async function perCall(fn) {
  let wall = Infinity;
  let cpu = Infinity;
  for (let r = 0; r < ROUNDS; r++) {
    const c = threadCpuNs();
    const t = process.hrtime.bigint();
    await fn();
    wall = Math.min(wall, (seconds(t) * 1e9) / N);
    cpu = Math.min(cpu, (threadCpuNs() - c) / N);
  }
  return { wall, cpu };
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

  const noop = await perCall(() => {
    for (let i = 0; i < N; i++) version();
  });
  const validate = await perCall(() => {
    for (let i = 0; i < N; i++) validateNotification(notifications[i & (VARIANTS - 1)]);
  });

  const mock = new MockServer({ recordPayloads: false });
  const queue_capacity = Math.max(N + 1, 65536);
  const pusher = new Pusher({ ...mock.config, queue_capacity, outcome_reports: 'none' });
  const push = { wall: Infinity, cpu: Infinity };
  const endToEnd = await best(async () => {
    const c = threadCpuNs();
    const t = process.hrtime.bigint();
    for (let i = 0; i < N; i++) pusher.pushAsync(notifications[i & (VARIANTS - 1)]);
    push.wall = Math.min(push.wall, (seconds(t) * 1e9) / N);
    push.cpu = Math.min(push.cpu, (threadCpuNs() - c) / N);
    await pusher.ensureDelivery();
    return N / seconds(t);
  });
  const s = pusher.stats();
  await pusher.close();

  // Events wait for the JS thread, which is busy pushing: room for all of them.
  const withEvents = new Pusher({ ...mock.config, queue_capacity, max_reports: queue_capacity });
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

  const row = (label, c, note) =>
    console.log(`${label.padEnd(20)}${fmt(1e9 / c.wall).padStart(12)} calls/s  ${fmt(c.wall).padStart(6)} ns/call wall  ${fmt(c.cpu).padStart(6)} ns/call JS-thread CPU${note}`);
  row('no-op native call', noop, '  (baseline)');
  row('validation only', validate, `  (baseline; ${(validate.cpu / noop.cpu).toFixed(1)}x the no-op call's CPU)`);
  row('pushAsync', push, `  (${(push.cpu / validate.cpu).toFixed(2)}x validation only's CPU, ${(push.wall / validate.wall).toFixed(2)}x its wall; target <= 3,300 ns/call)`);
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
