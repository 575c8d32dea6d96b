'use strict';
// Broadcast channels through the Node face, against the HTTP/2 mock's management API and
// gateway: create (both policies), get, list, delete, Apple's refusals as REJECTED errors with
// status and reason, the mock's channel limit, the event loop running while calls wait, and a
// broadcast on a created channel with what the mock recorded.

const test = require('node:test');
const assert = require('node:assert/strict');
const { apnspush, token } = require('./helpers');
const { Pusher, MockServer, Channels, OUTCOME_FIELDS } = apnspush;

const BUNDLE = 'com.example.app';
const typeError = { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' };
const rejected = (status, reason) => (e) => {
  assert.equal(e.name, 'Error');
  assert.equal(e.code, 'REJECTED');
  assert.deepEqual([e.status, e.reason], [status, reason]);
  assert.match(e.message, new RegExp(`${reason} \\(status ${status}\\)`));
  return true;
};

const liveUpdate = (channelId, score) => ({
  channelId,
  event: 'update',
  timestamp: 1700000000,
  contentState: { score },
});

test('create (both policies), get, list, delete; a deleted channel is ChannelNotRegistered', async () => {
  const mock = new MockServer({ protocol: 'http2' });
  const channels = await Channels.connect({ ...mock.config, topic: `${BUNDLE}.push-type.liveactivity` });
  assert.equal(channels.bundleId, BUNDLE);
  const none = await channels.create();
  const recent = await channels.create(1);
  assert.match(none, /^[A-Za-z0-9+/=_-]+$/);
  assert.notEqual(none, recent);
  assert.deepEqual(await channels.get(none), { channelId: none, messageStoragePolicy: 0, pushType: 'LiveActivity' });
  assert.deepEqual(await channels.get(recent), { channelId: recent, messageStoragePolicy: 1, pushType: 'LiveActivity' });
  assert.deepEqual((await channels.list()).sort(), [none, recent].sort());
  assert.equal(await channels.delete(none), undefined);
  await assert.rejects(channels.get(none), rejected(404, 'ChannelNotRegistered'));
  await assert.rejects(channels.delete(none), rejected(404, 'ChannelNotRegistered'));
  assert.deepEqual(await channels.list(), [recent]);

  const recorded = JSON.parse(mock.channelsJson());
  assert.deepEqual(recorded.apps, {
    [BUNDLE]: [{ 'channel-id': recent, 'message-storage-policy': 1, 'push-type': 'LiveActivity' }],
  });
  assert.deepEqual(recorded.deleted, { [BUNDLE]: [none] });
  assert.deepEqual(recorded.management_answers, { 200: 4, 201: 2, 204: 1, 404: 2 });
  assert.deepEqual(mock.channelIds(BUNDLE), [recent]);

  // Refused at the call, without a request.
  await assert.rejects(channels.create(2), { code: 'INVALID_ARGUMENT', message: /policy 2 is not valid; expected 0 or 1/ });
  await assert.rejects(channels.create(0.5), { code: 'INVALID_ARGUMENT', message: /policy 0.5 is not valid/ });
  await assert.rejects(channels.create('1'), { ...typeError, message: /policy must be 0 or 1 \(a number\), got string/ });
  await assert.rejects(channels.get(42), { ...typeError, message: /channelId/ });
  await assert.rejects(channels.delete(undefined), { ...typeError, message: /channelId/ });
  await assert.rejects(channels.get('not base64!'), { code: 'INVALID_ARGUMENT', message: /channel id "not base64!" is not base64/ });
  assert.deepEqual(JSON.parse(mock.channelsJson()).management_answers, { 200: 4, 201: 2, 204: 1, 404: 2 });

  await channels.close();
  await assert.rejects(channels.list(), { code: 'CLOSED' });
  await channels.close();
  await mock.stop();
});

test('calls made without awaiting run in call order; the constructor connects too', async () => {
  const mock = new MockServer({ protocol: 'http2' });
  const channels = new Channels({ ...mock.config, topic: BUNDLE });
  const id = mock.addChannel(BUNDLE, 1);
  const [info, deleted, after, list] = await Promise.allSettled([
    channels.get(id),
    channels.delete(id),
    channels.get(id),
    channels.list(),
  ]);
  assert.deepEqual(info.value, { channelId: id, messageStoragePolicy: 1, pushType: 'LiveActivity' });
  assert.equal(deleted.status, 'fulfilled');
  assert.ok(rejected(404, 'ChannelNotRegistered')(after.reason));
  assert.deepEqual(list.value, []);
  // close() runs after the calls made before it.
  const last = channels.list();
  await channels.close();
  assert.deepEqual(await last, []);
  await mock.stop();
});

test('the mock\'s channel limit: CannotCreateChannelConfig', async () => {
  const mock = new MockServer({ protocol: 'http2', maxChannels: 2 });
  const channels = await Channels.connect({ ...mock.config, topic: BUNDLE });
  await channels.create(0);
  await channels.create(1);
  await assert.rejects(channels.create(0), rejected(400, 'CannotCreateChannelConfig'));
  assert.throws(() => mock.addChannel(BUNDLE, 0), { code: 'INVALID_ARGUMENT' });
  assert.equal((await channels.list()).length, 2);
  assert.equal(JSON.parse(mock.channelsJson()).limit, 2);
  await channels.close();
  await mock.stop();
});

test('a setInterval keeps ticking while channel calls wait for the server', async () => {
  const mock = new MockServer({ protocol: 'http2', responseDelayMs: 200 });
  const channels = await Channels.connect({ ...mock.config, topic: BUNDLE });
  let ticks = 0;
  const timer = setInterval(() => ticks++, 5);
  try {
    const id = await channels.create(1);
    const createTicks = ticks;
    await channels.get(id);
    await channels.list();
    assert.ok(createTicks > 0, 'the event loop ran while create waited');
    assert.ok(ticks > createTicks, 'and while get and list waited');
  } finally {
    clearInterval(timer);
  }
  await channels.close();
  await mock.stop();
});

test('a broadcast on a created channel is accepted with its channelId; an unknown one is rejected', async () => {
  const mock = new MockServer({ protocol: 'http2' });
  const config = { ...mock.config, topic: BUNDLE };
  const channels = await Channels.connect(config);
  const live = await channels.create(1);
  const pusher = new Pusher(config);
  const accepted = await pusher.ensurePush(liveUpdate(live, '3-1'));
  assert.equal(accepted.kind, 'accepted', JSON.stringify(accepted));
  assert.deepEqual([accepted.channelId, accepted.token, accepted.status], [live, '', 200]);
  const unknown = await pusher.ensurePush(liveUpdate('dW5rbm93bg==', '0-0'));
  assert.deepEqual(
    [unknown.kind, unknown.status, unknown.reason, unknown.channelId],
    ['rejected', 404, 'ChannelNotRegistered', 'dW5rbm93bg=='],
  );
  // A device push on the same pusher.
  const device = await pusher.ensurePush({ token: token(1), alertBody: 'hi' });
  assert.equal(device.kind, 'accepted');
  assert.ok(!('channelId' in device));
  // The outcome keys of a broadcast are OUTCOME_FIELDS (camelCase), channelId among them.
  const camel = (name) => name.replace(/_([a-z0-9])/g, (_, c) => c.toUpperCase());
  assert.deepEqual(Object.keys(accepted).sort(), OUTCOME_FIELDS.map(camel).filter((k) => !['error', 'timestamp'].includes(k)).sort());
  await pusher.close();

  const broadcasts = mock.broadcasts();
  assert.deepEqual(broadcasts, [{
    bundleId: BUNDLE,
    channelId: live,
    apnsId: accepted.apnsId,
    payload: '{"aps":{"content-state":{"score":"3-1"},"event":"update","timestamp":1700000000}}',
    connection: broadcasts[0].connection,
  }]);
  const recorded = JSON.parse(mock.channelsJson());
  assert.deepEqual(recorded.broadcasts_per_channel, { [live]: 1 });
  assert.equal(recorded.broadcasts[0]['channel-id'], live);
  const [broadcast] = mock.http2Requests();
  assert.deepEqual([broadcast.pushType, broadcast.expiration, 'topic' in broadcast], ['liveactivity', '0', false]);
  await channels.close();
  await mock.stop();
});

test('without a topic, or with a binary pusher, refused at the call', async () => {
  const mock = new MockServer({ protocol: 'http2' });
  assert.throws(() => new Channels(mock.config), { code: 'INVALID_CONFIG_VALUE', message: /topic/ });
  await assert.rejects(Channels.connect(mock.config), { code: 'INVALID_CONFIG_VALUE', message: /topic/ });
  await assert.rejects(Channels.connect('x'), typeError);
  await mock.stop();
  const binary = new MockServer();
  const pusher = new Pusher(binary.config);
  assert.throws(() => pusher.pushAsync(liveUpdate('dHN0', '0-0')), { code: 'INVALID_ARGUMENT', message: /HTTP\/2/ });
  await pusher.close();
  await binary.stop();
});
