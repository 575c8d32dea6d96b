// A small APNs provider API emulation on Node's built-in http2 module: an HTTP/2 server
// written independently of apnspush, for interop tests of its client (framing, HPACK,
// flow control, CONTINUATION, GOAWAY).
//
// Usage: node server.js --cert CERT.pem --key KEY.pem [--goaway-after N] [--max-streams N]
//          [--goaway-error CODE]
// --goaway-error: the GOAWAY after N requests per session carries this HTTP/2 error code and
// names the N-th stream as the last, which is then never answered nor reset (nor is any
// later one), and the session stays open: a client must not wait for it.
// Prints {"port": N} once listening; serves until stdin ends, then prints the record as one
// line of JSON and exits 0.
//
// Token rules (first byte of the device token): 0xbd -> 400 BadDeviceToken,
// 0x41 -> 410 Unregistered with a timestamp, 0xb1 -> 200 with 300 extra response headers
// (a header block larger than one frame: HEADERS + CONTINUATION).
'use strict';

const fs = require('node:fs');
const http2 = require('node:http2');

function arg(name, fallback) {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : fallback;
}

const goawayAfter = Number(arg('--goaway-after', '0'));
const maxStreams = Number(arg('--max-streams', '100'));
const goawayError = Number(arg('--goaway-error', '0'));
const record = {
  accepted: {},      // token hex -> count
  apnsIds: 0,        // accepted requests that carried an apns-id
  badBodies: 0,      // accepted requests whose body was not a JSON object
  rejected: [],      // {token, status, reason}
  maxConcurrent: 0,
  goaways: 0,
  ignored: 0,
  stalled: 0,        // requests left unanswered under a GOAWAY with an error code
  sessions: 0,
  bodyBytes: 0,
  // token hex -> the delivery headers of its last processed request, null where absent:
  // {expiration, pushType, topic, priority}
  headers: {},
};

const server = http2.createSecureServer({
  cert: fs.readFileSync(arg('--cert')),
  key: fs.readFileSync(arg('--key')),
  allowHTTP1: false,
  settings: { maxConcurrentStreams: maxStreams, initialWindowSize: 65535 },
});

server.on('session', (session) => {
  record.sessions += 1;
  session.on('error', () => {});
  session.apns = { processed: 0, active: 0, goawayLast: 0 };
});

server.on('stream', (stream, headers) => {
  stream.on('error', () => {});
  const session = stream.session;
  const state = session.apns;
  if (state.goawayLast && stream.id > state.goawayLast) {
    record.ignored += 1;
    stream.close(http2.constants.NGHTTP2_REFUSED_STREAM);
    return;
  }
  state.active += 1;
  record.maxConcurrent = Math.max(record.maxConcurrent, state.active);
  const chunks = [];
  stream.on('data', (c) => chunks.push(c));
  stream.on('close', () => { state.active -= 1; });
  stream.on('end', () => {
    if (state.goawayLast && stream.id > state.goawayLast) {
      // Above the last-stream-id announced: not processed, as the GOAWAY said.
      record.ignored += 1;
      stream.close(http2.constants.NGHTTP2_REFUSED_STREAM);
      return;
    }
    if (goawayError && state.processed + 1 === goawayAfter && !state.goawayLast) {
      state.goawayLast = stream.id;
      record.goaways += 1;
      record.stalled += 1;
      session.goaway(goawayError, stream.id, Buffer.from('{"reason":"InternalServerError"}'));
      return;
    }
    const body = Buffer.concat(chunks);
    record.bodyBytes += body.length;
    const path = headers[':path'] || '';
    const hex = path.startsWith('/3/device/') ? path.slice(10) : '';
    const apnsId = headers['apns-id'];
    record.headers[hex] = {
      expiration: headers['apns-expiration'] ?? null,
      pushType: headers['apns-push-type'] ?? null,
      topic: headers['apns-topic'] ?? null,
      priority: headers['apns-priority'] ?? null,
    };
    const reply = { ':status': 200 };
    if (apnsId) reply['apns-id'] = apnsId;
    let error = null;
    if (headers[':method'] !== 'POST' || !hex) {
      error = [404, 'BadPath'];
    } else if (hex.startsWith('bd')) {
      error = [400, 'BadDeviceToken'];
    } else if (hex.startsWith('41')) {
      error = [410, 'Unregistered'];
    }
    if (error) {
      record.rejected.push({ token: hex, status: error[0], reason: error[1] });
      reply[':status'] = error[0];
      reply['content-type'] = 'application/json';
      const json = { reason: error[1] };
      if (error[0] === 410) json.timestamp = Date.now();
      stream.respond(reply);
      stream.end(JSON.stringify(json));
    } else {
      try {
        const v = JSON.parse(body.toString('utf8'));
        if (typeof v !== 'object' || v === null || Array.isArray(v)) record.badBodies += 1;
      } catch (e) {
        record.badBodies += 1;
      }
      record.accepted[hex] = (record.accepted[hex] || 0) + 1;
      if (apnsId) record.apnsIds += 1;
      if (hex.startsWith('b1')) {
        // ~25 KB even after Huffman coding: more than one 16 KB frame.
        for (let i = 0; i < 300; i++) {
          reply['x-interop-' + i] = require('node:crypto').randomBytes(60).toString('base64');
        }
      }
      stream.respond(reply, { endStream: true });
    }
    state.processed += 1;
    if (goawayAfter && state.processed === goawayAfter && !state.goawayLast) {
      state.goawayLast = stream.id;
      record.goaways += 1;
      session.goaway(http2.constants.NGHTTP2_NO_ERROR, stream.id,
        Buffer.from('{"reason":"Shutdown"}'));
      // Close once the streams up to the last one are answered.
      setImmediate(() => session.close());
    }
  });
});

server.listen(0, '127.0.0.1', () => {
  process.stdout.write(JSON.stringify({ port: server.address().port }) + '\n');
});

process.stdin.resume();
process.stdin.on('end', () => {
  process.stdout.write(JSON.stringify(record) + '\n', () => process.exit(0));
});
