'use strict';
// Benchmark (a program that prints figures, not a test): the per-call cost of each verb from JS
// and end-to-end push throughput against the built-in mock.
//
//   node benches/node/bench.js [N] [ROUNDS] [BASELINE_DIR]   (defaults 1,000,000, 3, none)
//
// Build in release first. With BASELINE_DIR (another build of bindings/node, e.g. an older
// commit's), both addons run the same measurements in one process, rounds interleaved, and
// the ratio this/baseline is printed per row (> 1 is faster for rates, < 1 is cheaper for
// costs). Each figure is the best of ROUNDS (the machine may be shared).
//
//   no-op native call    version(): the cost of crossing into the addon at all (ns/call)
//   validation only      validateNotification(n): reading the JS object, building the
//                        notification, no queue (ns/call)
//   pushAsync            the same plus the enqueue (queue sized so that it never fills), while
//                        the engine drains to the mock (ns/call, wall and JS-thread CPU)
//   end to end           pushAsync N then ensureDelivery: notifications/s through TLS to the
//                        mock (recordPayloads false) with every outcome settled
//   with outcome events  the same with a listener (one JS call per outcome)
//   ensurePush xC        C concurrent ensurePush promises (send in this version), all awaited:
//                        promises settled per second
//   push xC              C concurrent push promises (resolve once written)
//   ensureDelivery       one pushAsync then an awaited ensureDelivery(), K times in a row:
//                        round trips per second

const fs = require('node:fs');
const path = require('node:path');

const N = Number(process.argv[2] || 1_000_000);
const ROUNDS = Number(process.argv[3] || 3);
const BASELINE = process.argv[4];
const C = Math.min(10_000, N);
const K = Math.min(2_000, N);
const VARIANTS = 1024;

const current = { name: 'this', mod: require(path.join(__dirname, '../../bindings/node')) };
const impls = [current];
if (BASELINE) impls.push({ name: 'baseline', mod: require(path.resolve(BASELINE)) });

function token(i) {
  return i.toString(16).padStart(16, '0') + 'a5'.repeat(24);
}
const notifications = Array.from({ length: VARIANTS }, (_, i) => ({
  token: token(i),
  payload: `{"aps":{"alert":"bench ${i}"}}`,
}));
const nth = (i) => notifications[i & (VARIANTS - 1)];

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

function fmt(n) {
  return Math.round(n).toLocaleString('en-US');
}

/** One round of every measurement for one addon; figures merged into `best` (best of rounds). */
async function round(impl, mock, best) {
  const { Pusher, version, validateNotification } = impl.mod;
  const keep = (key, value, better) => {
    if (!(key in best) || better(value, best[key])) best[key] = value;
  };
  const lower = (a, b) => a < b;
  const higher = (a, b) => a > b;
  const perCall = (key, fn) => {
    const c = threadCpuNs();
    const t = process.hrtime.bigint();
    fn();
    keep(`${key} wall`, (seconds(t) * 1e9) / N, lower);
    keep(`${key} cpu`, (threadCpuNs() - c) / N, lower);
  };
  perCall('noop', () => {
    for (let i = 0; i < N; i++) version();
  });
  perCall('validate', () => {
    for (let i = 0; i < N; i++) validateNotification(nth(i));
  });

  const queue_capacity = Math.max(N + 1, 65536);
  const pusher = new Pusher({ ...mock.config, queue_capacity, outcome_reports: 'none' });
  let t = process.hrtime.bigint();
  perCall('pushAsync', () => {
    for (let i = 0; i < N; i++) pusher.pushAsync(nth(i));
  });
  await pusher.ensureDelivery();
  keep('end to end', N / seconds(t), higher);

  t = process.hrtime.bigint();
  await Promise.all(Array.from({ length: C }, (_, i) => pusher.ensurePush(nth(i))));
  keep('ensurePush', C / seconds(t), higher);

  t = process.hrtime.bigint();
  await Promise.all(Array.from({ length: C }, (_, i) => pusher.push(nth(i))));
  keep('push', C / seconds(t), higher);
  await pusher.ensureDelivery();

  t = process.hrtime.bigint();
  for (let i = 0; i < K; i++) {
    pusher.pushAsync(nth(i));
    await pusher.ensureDelivery();
  }
  keep('ensureDelivery', K / seconds(t), higher);
  const s = pusher.stats();
  await pusher.close();
  best.pushed = (best.pushed || 0) + s.pushed;
  best.accepted = (best.accepted || 0) + s.accepted;

  // Events wait for the JS thread, which is busy pushing: room for all of them.
  const withEvents = new Pusher({ ...mock.config, queue_capacity, max_reports: queue_capacity });
  let events = 0;
  withEvents.onOutcome(() => events++);
  t = process.hrtime.bigint();
  for (let i = 0; i < N; i++) withEvents.pushAsync(nth(i));
  await withEvents.ensureDelivery();
  keep('with events', N / seconds(t), higher);
  await withEvents.close();
  best.events = (best.events || 0) + events;
}

async function main() {
  const { MockServer, version } = current.mod;
  console.log(`apnspush ${version()} on node ${process.version}, N = ${fmt(N)}, C = ${fmt(C)}, K = ${fmt(K)}, best of ${ROUNDS}`);
  if (BASELINE) console.log(`baseline: ${path.resolve(BASELINE)} (apnspush ${impls[1].mod.version()}), rounds interleaved`);
  const mock = new MockServer({ recordPayloads: false });
  const results = impls.map(() => ({}));
  for (let r = 0; r < ROUNDS; r++) {
    for (let i = 0; i < impls.length; i++) await round(impls[i], mock, results[i]);
  }
  const accepted = mock.acceptedCount();
  await mock.stop();

  const rows = [
    ['no-op native call', 'noop wall', 'ns/call', false],
    ['  (JS-thread CPU)', 'noop cpu', 'ns/call', false],
    ['validation only', 'validate wall', 'ns/call', false],
    ['  (JS-thread CPU)', 'validate cpu', 'ns/call', false],
    ['pushAsync', 'pushAsync wall', 'ns/call', false],
    ['  (JS-thread CPU)', 'pushAsync cpu', 'ns/call', false],
    ['end to end', 'end to end', 'notifications/s', true],
    ['with outcome events', 'with events', 'notifications/s', true],
    [`ensurePush x${fmt(C)}`, 'ensurePush', 'promises/s', true],
    [`push x${fmt(C)}`, 'push', 'promises/s', true],
    ['ensureDelivery', 'ensureDelivery', 'round trips/s', true],
  ];
  const [mine, base] = results;
  const head = `${'measure'.padEnd(22)}${'this'.padStart(14)}${BASELINE ? 'baseline'.padStart(14) + '   ratio' : ''}`;
  console.log(head);
  for (const [label, key, unit, rate] of rows) {
    let line = `${label.padEnd(22)}${fmt(mine[key]).padStart(14)}`;
    if (base) {
      const ratio = mine[key] / base[key];
      const verdict = rate ? (ratio >= 1 ? 'faster' : 'slower') : (ratio <= 1 ? 'cheaper' : 'dearer');
      line += `${fmt(base[key]).padStart(14)}   ${ratio.toFixed(2)}x (${verdict})`;
    }
    console.log(`${line}  ${unit}`);
  }
  const perImpl = ROUNDS * (N + 2 * C + K);
  let failed = false;
  results.forEach((res, i) => {
    console.log(`${impls[i].name}: stats accepted ${fmt(res.accepted)} of ${fmt(res.pushed)}; events ${fmt(res.events)}`);
    if (res.accepted !== perImpl || res.pushed !== perImpl || res.events !== ROUNDS * N) failed = true;
  });
  console.log(`mock accepted ${fmt(accepted)}`);
  if (failed || accepted < impls.length * ROUNDS * (2 * N + 2 * C + K)) {
    console.error('not every notification was accepted and reported');
    process.exitCode = 1;
  }
}

main();
