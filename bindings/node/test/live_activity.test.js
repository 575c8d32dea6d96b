'use strict';
// Live Activities through the Node face: start, update and end reach the HTTP/2 mock with
// Apple's payload, push type liveactivity and the suffixed topic; Apple's rules and wrong JS
// types are refused at the call, naming the field.

const test = require('node:test');
const assert = require('node:assert/strict');
const { apnspush, token } = require('./helpers');
const { Pusher, MockServer, validateNotification } = apnspush;

const TOPIC = 'com.example.app';
const typeError = { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' };
const invalid = (message) => ({ name: 'Error', code: 'INVALID_ARGUMENT', message });

const update = (fields = {}) => ({
  token: token(1),
  event: 'update',
  timestamp: 1700000000,
  contentState: { score: '2-1' },
  ...fields,
});

test('start, update and end reach the mock as Apple documents them', async () => {
  const mock = new MockServer({ protocol: 'http2' });
  const pusher = new Pusher({ ...mock.config, topic: TOPIC });
  const start = {
    token: token(1),
    event: 'start',
    timestamp: 1700000000,
    contentState: { score: '0-0' },
    attributesType: 'MatchAttributes',
    attributes: { home: 'A', away: 'B' },
    alertTitle: 'Kick-off',
    alertBody: 'A v B',
    relevanceScore: 75,
  };
  const end = { token: token(1), event: 'end', timestamp: 1700003600, dismissalDate: 1700007200 };
  for (const n of [start, update({ staleDate: 1700000600, priority: 5 }), end]) {
    const o = await pusher.ensurePush(n);
    assert.equal(o.kind, 'accepted', JSON.stringify(o));
  }
  await pusher.close();
  assert.deepEqual(mock.accepted().map((a) => a.payload), [
    '{"aps":{"alert":{"body":"A v B","title":"Kick-off"},' +
      '"attributes":{"away":"B","home":"A"},"attributes-type":"MatchAttributes",' +
      '"content-state":{"score":"0-0"},"event":"start","relevance-score":75.0,' +
      '"timestamp":1700000000}}',
    '{"aps":{"content-state":{"score":"2-1"},"event":"update","stale-date":1700000600,"timestamp":1700000000}}',
    '{"aps":{"dismissal-date":1700007200,"event":"end","timestamp":1700003600}}',
  ]);
  const requests = mock.http2Requests();
  assert.deepEqual(
    requests.map((r) => [r.token, r.pushType, r.topic, r.priority]),
    [10, 5, 10].map((p) => [token(1), 'liveactivity', `${TOPIC}.push-type.liveactivity`, String(p)]),
  );
  await mock.stop();
});

test('Apple\'s rules and wrong JS types are refused at the call, naming the field', async () => {
  const start = { token: token(1), event: 'start', timestamp: 1, contentState: {} };
  const cases = [
    [update({ event: 'begin' }), invalid(/Live Activity event "begin" is unknown/)],
    [update({ timestamp: undefined }), invalid(/needs a timestamp/)],
    [update({ contentState: undefined }), invalid(/a Live Activity update needs a content-state/)],
    [{ ...start, attributes: {} }, invalid(/a Live Activity start needs attributes-type/)],
    [{ ...start, attributesType: 'A' }, invalid(/a Live Activity start needs attributes/)],
    [update({ attributesType: 'A' }), invalid(/attributes-type applies to a Live Activity start, not update/)],
    [update({ dismissalDate: 5 }), invalid(/dismissal-date applies to a Live Activity end, not update/)],
    [update({ pushType: 'alert' }), invalid(/liveactivity/)],
    [update({ relevanceScore: -1 }), invalid(/relevance-score must be a number from 0/)],
    [update({ timestamp: 1.5 }), invalid(/Live Activity timestamp must be whole seconds since the epoch, not 1.5 \(notification.timestamp\)/)],
    [update({ staleDate: -1 }), invalid(/Live Activity stale-date must be whole seconds.*notification.staleDate/)],
    [update({ payload: '{"aps":{}}' }), invalid(/together with the fields it is built from \(event, timestamp, content-state\)/)],
    [{ token: token(1), payload: '{"aps":{"event":"update","content-state":{}}}' }, invalid(/timestamp/)],
    [update({ event: 1 }), { ...typeError, message: /notification.event must be a string, got number/ }],
    [update({ contentState: '{"a":1}' }), { ...typeError, message: /notification.contentState must be an object, got string/ }],
    [update({ contentState: [1] }), { ...typeError, message: /notification.contentState must be an object, got an array/ }],
    [update({ timestamp: '1700000000' }), { ...typeError, message: /notification.timestamp must be a number, got string/ }],
    [update({ staleDate: new Date() }), { ...typeError, message: /notification.staleDate must be a number, got object/ }],
    [update({ dismissalDate: true }), { ...typeError, message: /notification.dismissalDate must be a number, got boolean/ }],
    [update({ attributesType: {} }), { ...typeError, message: /notification.attributesType must be a string, got object/ }],
    [update({ attributes: 'x' }), { ...typeError, message: /notification.attributes must be an object, got string/ }],
    [update({ channelId: 5 }), { ...typeError, message: /notification.channelId must be a string, got number/ }],
    [update({ channelId: 'dHN0' }), invalid(/channel id/)],
    [{ ...update({ token: undefined }), channelId: 'not base64!' }, invalid(/channel id "not base64!" is not base64/)],
    [{ channelId: 'dHN0', alertTitle: 'x' }, invalid(/liveactivity/)],
  ];
  const mock = new MockServer({ protocol: 'http2' });
  const pusher = new Pusher({ ...mock.config, topic: TOPIC });
  for (const [n, expected] of cases) {
    assert.throws(() => validateNotification(n), expected, JSON.stringify(n));
    assert.throws(() => pusher.pushAsync(n), expected, JSON.stringify(n));
    await assert.rejects(pusher.send(n), expected, JSON.stringify(n));
  }
  assert.equal(pusher.stats().pushed, 0, 'nothing refused was queued');
  await pusher.close();
  assert.equal(mock.acceptedCount(), 0);
  await mock.stop();
});

test('index.d.ts declares the Live Activity and broadcast fields and the Channels class', () => {
  const fs = require('node:fs');
  const path = require('node:path');
  const dts = fs.readFileSync(path.join(__dirname, '..', 'index.d.ts'), 'utf8');
  const init = dts.slice(dts.indexOf('export interface NotificationInit'));
  const body = init.slice(0, init.indexOf('\n}'));
  for (const field of ['channelId', 'event', 'contentState', 'timestamp', 'staleDate', 'dismissalDate', 'attributesType', 'attributes']) {
    assert.match(body, new RegExp(`\\n  ${field}\\?: `), field);
  }
  assert.match(body, /\n  token\?: string \| Uint8Array\n/);
  for (const member of ['static connect(', 'create(policy?: 0 | 1): Promise<string>', 'get(channelId: string): Promise<ChannelInfo>',
    'list(): Promise<string[]>', 'delete(channelId: string): Promise<void>', 'close(): Promise<void>']) {
    assert.ok(dts.slice(dts.indexOf('export declare class Channels')).includes(member), member);
  }
});
