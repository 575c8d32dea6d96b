// An APNs-style client on Node's built-in http2 module (nghttp2): an HTTP/2 client written
// independently of apnspush, for interop tests of the mock server (GOAWAY, REFUSED_STREAM,
// SETTINGS changes, graceful close).
//
// Usage: node client.js --port N --ca CA.pem --count N [--jwt FILE] [--topic T]
//                       [--window N] [--split-body] [--timeout-ms N]
// Sends --count POST requests for distinct device tokens to 127.0.0.1:N, keeping up to
// --window (default 100) streams in flight on one session (nghttp2 also holds them to the
// server's MAX_CONCURRENT_STREAMS); --split-body writes each body on a later turn of the
// event loop than its HEADERS, as clients that await between the two do. After a GOAWAY no new stream goes to that session; requests
// the server refused (REFUSED_STREAM, or above the GOAWAY's last-stream-id) are sent again on a
// new session. Every stream ends as one of:
//   answered: a response arrived (its :status is kept),
//   refused:  no response, and the stream was refused: REFUSED_STREAM, or its id is above the
//             last-stream-id of a GOAWAY the session received (not processed, says RFC 9113;
//             node may end those with CANCEL when the session closes),
//   reset:    no response, the stream closed with another error code,
//   neither:  no response and no error code (an answer lost on the way), or still open when
//             the session ended or --timeout-ms (default 60000) passed.
// Prints one line of JSON: {"streams": [{"index", "apnsId", "session", "stream", "outcome",
// "status", "code", "reason"}], "sessions", "goaways", "settingsLimits"} and exits 0.
'use strict';

const crypto = require('node:crypto');
const fs = require('node:fs');
const http2 = require('node:http2');

function arg(name, fallback) {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : fallback;
}

const port = Number(arg('--port'));
const ca = fs.readFileSync(arg('--ca'));
const count = Number(arg('--count', '1000'));
const jwtFile = arg('--jwt', '');
const jwt = jwtFile ? fs.readFileSync(jwtFile, 'utf8').trim() : '';
const topic = arg('--topic', 'com.example.mock');
const windowSize = Number(arg('--window', '100'));
const timeoutMs = Number(arg('--timeout-ms', '60000'));
const splitBody = process.argv.includes('--split-body');

const record = { streams: [], sessions: 0, goaways: [], settingsLimits: [] };
const todo = [];
for (let i = 0; i < count; i++) todo.push(i);

function deviceToken(i) {
  return i.toString(16).padStart(16, '0') + 'a5'.repeat(24);
}

function finish() {
  process.stdout.write(JSON.stringify(record) + '\n', () => process.exit(0));
}

const deadline = setTimeout(() => {
  for (const s of open.values()) s.end('neither', null, null, 'timeout');
  finish();
}, timeoutMs);

// Streams not yet ended, by apns-id.
const open = new Map();

function runSession() {
  if (todo.length === 0) {
    clearTimeout(deadline);
    finish();
    return;
  }
  const number = ++record.sessions;
  const session = http2.connect(`https://127.0.0.1:${port}`, { ca, servername: 'localhost' });
  let goaway = false;
  let goawayLast = null;
  let ended = false;
  let inFlight = 0;
  session.on('error', () => {});
  session.on('remoteSettings', (s) => {
    if (s.maxConcurrentStreams !== undefined) record.settingsLimits.push(s.maxConcurrentStreams);
  });
  session.on('goaway', (code, lastStreamID) => {
    goaway = true;
    goawayLast = goawayLast === null ? lastStreamID : Math.min(goawayLast, lastStreamID);
    record.goaways.push({ session: number, code, lastStreamID });
  });
  session.on('close', () => {
    ended = true;
    for (const s of open.values()) {
      if (s.session === number) s.end('neither', null, null, 'session closed');
    }
    setImmediate(runSession);
  });

  function pump() {
    while (!goaway && !ended && !session.closed && !session.destroyed
           && inFlight < windowSize && todo.length > 0) {
      if (!send(todo.shift())) break;
    }
    if ((goaway || todo.length === 0) && inFlight === 0 && !session.closed) session.close();
  }

  function send(index) {
    const apnsId = crypto.randomUUID();
    const headers = {
      ':method': 'POST',
      ':path': `/3/device/${deviceToken(index)}`,
      'apns-id': apnsId,
      'apns-topic': topic,
    };
    if (jwt) headers.authorization = `bearer ${jwt}`;
    let req;
    try {
      req = session.request(headers);
    } catch (e) {
      todo.unshift(index); // the session refuses new streams: the next one takes it
      goaway = true;
      return false;
    }
    inFlight += 1;
    const entry = { index, apnsId, session: number, stream: null, done: false };
    entry.end = (outcome, status, code, reason) => {
      if (entry.done) return;
      if (outcome !== 'answered'
          && (code === http2.constants.NGHTTP2_REFUSED_STREAM
              || (goawayLast !== null && req.id !== undefined && req.id > goawayLast))) {
        outcome = 'refused';
      }
      entry.done = true;
      open.delete(apnsId);
      inFlight -= 1;
      record.streams.push({
        index, apnsId, session: number, stream: req.id === undefined ? null : req.id,
        outcome, status, code, reason,
      });
      if (outcome === 'refused') todo.push(index);
      if (!ended) setImmediate(pump);
    };
    open.set(apnsId, entry);
    let status = null;
    req.on('response', (h) => { status = h[':status']; });
    req.on('error', () => {});
    req.resume();
    req.on('close', () => {
      if (status !== null) entry.end('answered', status, req.rstCode || 0, null);
      else if (req.rstCode) entry.end('reset', null, req.rstCode, null);
      else entry.end('neither', null, req.rstCode === undefined ? null : req.rstCode, 'closed');
    });
    const body = JSON.stringify({ aps: { alert: `n${index}` } });
    if (splitBody) setImmediate(() => req.end(body));
    else req.end(body);
    return true;
  }

  session.on('connect', pump);
}

runSession();
