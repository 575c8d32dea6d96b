'use strict';
// The whole aps dictionary as notification fields: each reaches the HTTP/2 mock under Apple's
// key name, a wrong JS type is a TypeError naming the field, an invalid value the engine's
// INVALID_ARGUMENT naming Apple's field, and a payload given with any of them is refused.

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { apnspush, token } = require('./helpers');
const { Pusher, MockServer, validateNotification } = apnspush;

const typeError = { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' };
const invalid = (message) => ({ name: 'Error', code: 'INVALID_ARGUMENT', message });

// Every payload field set, and the exact JSON the mock must receive (the core writes keys sorted).
const everyField = {
  alertTitle: 'T',
  alertSubtitle: 'S',
  alertBody: 'B',
  alertLaunchImage: 'launch.png',
  alertTitleLocKey: 'TK',
  alertTitleLocArgs: ['t1', 't2'],
  alertSubtitleLocKey: 'SK',
  alertSubtitleLocArgs: ['s1'],
  alertLocKey: 'LK',
  alertLocArgs: ['l1', 'l2', 'l3'],
  badge: 7,
  sound: { name: 'siren.caf', critical: true, volume: 0.75 },
  category: 'C',
  threadId: 'th',
  contentAvailable: true,
  mutableContent: true,
  targetContentId: 'window-1',
  interruptionLevel: 'time-sensitive',
  relevanceScore: 0.5,
  filterCriteria: 'work',
  urlArgs: ['boarding', 'A12'],
  custom: { n: null, b: false, i: -3, f: 2.5, s: 'é', l: [1, 'x'], o: { k: [{}] } },
};
const everyFieldJson =
  '{"aps":{"alert":{"body":"B","launch-image":"launch.png","loc-args":["l1","l2","l3"],' +
  '"loc-key":"LK","subtitle":"S","subtitle-loc-args":["s1"],"subtitle-loc-key":"SK",' +
  '"title":"T","title-loc-args":["t1","t2"],"title-loc-key":"TK"},"badge":7,"category":"C",' +
  '"content-available":1,"filter-criteria":"work","interruption-level":"time-sensitive",' +
  '"mutable-content":1,"relevance-score":0.5,' +
  '"sound":{"critical":1,"name":"siren.caf","volume":0.75},"target-content-id":"window-1",' +
  '"thread-id":"th","url-args":["boarding","A12"]},' +
  '"b":false,"f":2.5,"i":-3,"l":[1,"x"],"n":null,"o":{"k":[{}]},"s":"é"}';

/** Pushes each notification to an HTTP/2 mock; the payloads and push types it recorded. */
async function pushed(...notifications) {
  const mock = new MockServer({ protocol: 'http2' });
  const pusher = new Pusher(mock.config);
  for (const n of notifications) {
    assert.equal((await pusher.ensurePush(n)).kind, 'accepted');
  }
  await pusher.close();
  const accepted = mock.accepted();
  const requests = mock.http2Requests();
  await mock.stop();
  assert.deepEqual(accepted.map((a) => a.token), notifications.map((n) => n.token));
  assert.deepEqual(requests.map((r) => r.token), notifications.map((n) => n.token));
  return { payloads: accepted.map((a) => a.payload), pushTypes: requests.map((r) => r.pushType) };
}

test('every aps field reaches the HTTP/2 mock as Apple\'s JSON', async () => {
  const { payloads, pushTypes } = await pushed({ token: token(1), ...everyField });
  assert.deepEqual(payloads, [everyFieldJson]);
  assert.deepEqual(pushTypes, ['alert']);
});

test('a critical alert (sound as an object), a time-sensitive one, a sound by name', async () => {
  const critical = {
    token: token(2),
    alertLocKey: 'FLOOD_WARNING',
    alertLocArgs: ['Ana', '3'],
    sound: { name: 'siren.caf', critical: true, volume: 1 },
    interruptionLevel: 'critical',
  };
  const urgent = { token: token(3), alertBody: 'Your ride is here', interruptionLevel: 'time-sensitive' };
  const silent = { token: token(4), sound: { volume: 0, critical: true, name: 's' } };
  const named = { token: token(5), sound: 'chime.caf' };
  const { payloads, pushTypes } = await pushed(critical, urgent, silent, named);
  assert.deepEqual(payloads, [
    '{"aps":{"alert":{"loc-args":["Ana","3"],"loc-key":"FLOOD_WARNING"},' +
      '"interruption-level":"critical","sound":{"critical":1,"name":"siren.caf","volume":1.0}}}',
    '{"aps":{"alert":{"body":"Your ride is here"},"interruption-level":"time-sensitive"}}',
    '{"aps":{"sound":{"critical":1,"name":"s","volume":0.0}}}',
    '{"aps":{"sound":"chime.caf"}}',
  ]);
  assert.deepEqual(pushTypes, ['alert', 'alert', 'alert', 'alert']);
});

test('refusals: invalid values (the engine\'s), wrong types, a payload with any field', async () => {
  const t = token(1);
  const cases = [
    [{ interruptionLevel: 'loud' }, invalid(/interruption-level "loud" is unknown/)],
    [{ interruptionLevel: 'Active' }, invalid(/interruption-level/)],
    [{ relevanceScore: 1.5 }, invalid(/relevance-score must be from 0.0 to 1.0, not 1.5/)],
    [{ relevanceScore: NaN }, invalid(/relevance-score/)],
    [{ sound: { name: 'siren', critical: true, volume: -0.1 } }, invalid(/sound volume must be from 0.0 to 1.0, not -0.1/)],
    [{ sound: { name: 'siren', critical: true, volume: NaN } }, invalid(/sound volume must be from 0.0 to 1.0, not NaN/)],
    [{ sound: { name: '', critical: true, volume: 0.5 } }, invalid(/sound name is empty/)],
    [{ alertLocArgs: ['a'] }, invalid(/alert loc-args was set without alert loc-key/)],
    [{ alertTitleLocArgs: ['a'] }, invalid(/alert title-loc-args was set without alert title-loc-key/)],
    [{ alertSubtitleLocArgs: [] }, invalid(/alert subtitle-loc-args was set without/)],
    [{ alertLocKey: '' }, invalid(/alert loc-key is empty/)],
    [{ soundCritical: { name: 'b', critical: true, volume: 1 } }, invalid(/unknown notification field "soundCritical"/)],
    [{ alertSubtitel: 'x' }, invalid(/unknown notification field "alertSubtitel"; the fields are .*alertSubtitle/)],
    [{ alertSubtitle: 5 }, { ...typeError, message: /notification.alertSubtitle must be a string, got number/ }],
    [{ targetContentId: {} }, { ...typeError, message: /notification.targetContentId must be a string, got object/ }],
    [{ interruptionLevel: ['critical'] }, { ...typeError, message: /interruptionLevel must be a string, got an array/ }],
    [{ alertLocArgs: 'Ana' }, { ...typeError, message: /notification.alertLocArgs must be an array of strings, got string/ }],
    [{ urlArgs: { 0: 'a' } }, { ...typeError, message: /notification.urlArgs must be an array of strings, got object/ }],
    [{ alertTitleLocKey: 'K', alertTitleLocArgs: ['a', 2] }, { ...typeError, message: /notification.alertTitleLocArgs\[1\] must be a string, got number/ }],
    [{ relevanceScore: '0.5' }, { ...typeError, message: /notification.relevanceScore must be a number, got string/ }],
    [{ sound: 5 }, { ...typeError, message: /notification.sound must be a string or an object \{ name, critical: true, volume \}, got number/ }],
    [{ sound: ['siren', 1] }, { ...typeError, message: /notification.sound must be .*, got an array/ }],
    [{ sound: { name: 's', volume: 1 } }, { ...typeError, message: /notification.sound must be a string or an object \{ name, critical: true, volume \}: name, critical and volume are all required/ }],
    [{ sound: { name: 's', critical: true } }, { ...typeError, message: /notification.sound must be .*: name, critical and volume are all required/ }],
    [{ sound: { critical: true, volume: 1 } }, { ...typeError, message: /notification.sound must be .*: name, critical and volume are all required/ }],
    [{ sound: { name: 's', critical: false, volume: 1 } }, { ...typeError, message: /notification.sound must be .*: critical must be true, got false/ }],
    [{ sound: { name: 's', critical: 1, volume: 1 } }, { ...typeError, message: /notification.sound must be .*: critical must be true, got number/ }],
    [{ sound: { name: 's', critical: true, volume: 1, extra: 1 } }, { ...typeError, message: /notification.sound must be .*: "extra" is not one of its keys/ }],
    [{ sound: { name: 1, critical: true, volume: 1 } }, { ...typeError, message: /notification.sound.name must be a string, got number/ }],
    [{ sound: { name: 's', critical: true, volume: '1' } }, { ...typeError, message: /notification.sound.volume must be a number, got string/ }],
  ];
  // Each new field with a valid value, and the field name the engine's refusal gives it.
  const withPayload = [
    [{ alertSubtitle: 's' }, 'alert subtitle'],
    [{ alertLaunchImage: 'i' }, 'alert launch-image'],
    [{ alertTitleLocKey: 'k' }, 'alert title-loc-key'],
    [{ alertTitleLocArgs: ['a'] }, 'alert title-loc-args'],
    [{ alertSubtitleLocKey: 'k' }, 'alert subtitle-loc-key'],
    [{ alertSubtitleLocArgs: ['a'] }, 'alert subtitle-loc-args'],
    [{ alertLocKey: 'k' }, 'alert loc-key'],
    [{ alertLocArgs: ['a'] }, 'alert loc-args'],
    [{ sound: { name: 's', critical: true, volume: 1 } }, 'sound'],
    [{ targetContentId: 'w' }, 'target-content-id'],
    [{ interruptionLevel: 'active' }, 'interruption-level'],
    [{ relevanceScore: 0.5 }, 'relevance-score'],
    [{ filterCriteria: 'work' }, 'filter-criteria'],
    [{ urlArgs: ['a'] }, 'url-args'],
  ];
  for (const [fields, field] of withPayload) {
    cases.push([{ payload: '{"aps":{}}', ...fields }, invalid(new RegExp(`together with the fields it is built from \\(${field}\\)`))]);
  }
  const mock = new MockServer({ protocol: 'http2' });
  const pusher = new Pusher(mock.config);
  for (const [fields, expected] of cases) {
    const n = { token: t, ...fields };
    assert.throws(() => validateNotification(n), expected, JSON.stringify(fields));
    assert.throws(() => pusher.pushAsync(n), expected, JSON.stringify(fields));
    await assert.rejects(pusher.send(n), expected);
  }
  // undefined and null mean "not given", for every field.
  const absent = Object.fromEntries(Object.keys(everyField).map((k, i) => [k, i % 2 ? null : undefined]));
  assert.equal(validateNotification({ token: t, payload: '{"aps":{}}', ...absent }), undefined);
  assert.equal(pusher.stats().pushed, 0, 'nothing refused was queued');
  await pusher.close();
  assert.equal(mock.acceptedCount(), 0);
  await mock.stop();
});

test('index.d.ts declares every field tested here', () => {
  const dts = fs.readFileSync(path.join(__dirname, '..', 'index.d.ts'), 'utf8');
  const init = dts.slice(dts.indexOf('export interface NotificationInit'));
  const body = init.slice(0, init.indexOf('\n}'));
  for (const field of Object.keys(everyField)) {
    assert.match(body, new RegExp(`\\n  ${field}\\?: `), field);
  }
  assert.match(body, /\n  sound\?: string \| CriticalSound\n/);
  assert.ok(!body.includes('soundCritical'), 'soundCritical is gone');
  assert.match(dts, /export interface CriticalSound \{[^}]*name: string[^}]*critical: true[^}]*volume: number/);
});
