'use strict';
// No key material in any message: a PEM text given to a *_file option is refused without being
// echoed; malformed PEM in the *_pem options and a PEM-looking cert_p12_password fail (in the
// constructor or in Pusher.connect) with errors that quote no line of the PEM body.
// Assertion messages never include the error text or the key.

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { apnspush } = require('./helpers');
const { Pusher, MockServer } = apnspush;

const FILE_KEYS = ['cert_file', 'key_file', 'ca_file', 'cert_p12_file', 'auth_key_file'];
const OFFLINE = { protocol: 'http2', host: '127.0.0.1', port: 9 };

const bodyLines = (pem) =>
  pem.split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('-----'));

function pemOf(label, der) {
  const body = der.toString('base64');
  const lines = [];
  for (let i = 0; i < body.length; i += 64) lines.push(body.slice(i, i + 64));
  return [`-----BEGIN ${label}-----`, ...lines, `-----END ${label}-----`, ''].join('\n');
}

/** The key's DER reversed: PEM-shaped, unique, not a key. */
const malformed = (pem, label) =>
  pemOf(label, Buffer.from(bodyLines(pem).join(''), 'base64').reverse());

/** A PEM as an environment variable may mangle it: intact, line breaks lost, escaped. */
const variants = (pem) => ({
  intact: pem,
  spaces: pem.replaceAll('\n', ' '),
  escaped: pem.replaceAll('\n', '\\n'),
});

function assertClean(text, pem, what) {
  bodyLines(pem).forEach((line, i) => {
    assert.ok(!text.includes(line), `${what}: the message quotes line ${i} of the PEM body`);
  });
}

/** The error `fn` throws (fails if it returns). */
function thrown(fn, what) {
  try {
    fn();
  } catch (e) {
    return e;
  }
  assert.fail(`${what}: no error`);
}

async function rejected(promise, what) {
  try {
    await promise;
  } catch (e) {
    return e;
  }
  assert.fail(`${what}: no error`);
}

/** A freshly generated P-256 private key (the token-auth mock's). */
async function realKey() {
  const m = new MockServer({ protocol: 'http2', tokenAuth: true });
  const pem = m.config.auth_key_pem;
  await m.stop();
  return pem;
}

test('*_file options refuse PEM text without echoing it', async () => {
  const key = await realKey();
  for (const option of FILE_KEYS) {
    for (const [how, value] of Object.entries(variants(key))) {
      const e = thrown(() => new Pusher({ ...OFFLINE, [option]: value }), option);
      assert.equal(e.code, 'INVALID_CONFIG_VALUE');
      assert.ok(
        e.message.includes(`${option}: the value looks like PEM text, not a path`),
        `${option} (${how})`,
      );
      assertClean(`${e.message} ${e.stack}`, key, `${option} (${how})`);
    }
    const e = thrown(() => new Pusher({ ...OFFLINE, [option]: '/' + 'k'.repeat(4096) }), option);
    assert.equal(e.code, 'INVALID_CONFIG_VALUE');
    assert.ok(e.message.includes('longer than any path') && !e.message.includes('kkkk'));
  }
});

test('malformed PEM fails at Pusher.connect without echoing it', async () => {
  const key = await realKey();
  const badKey = malformed(key, 'PRIVATE KEY');
  const badCert = malformed(key, 'CERTIFICATE');
  const mock = new MockServer({ protocol: 'http2', requireClientCert: true });
  try {
    const { cert_pem: cert, key_pem: clientKey } = mock.config;
    const cases = [];
    for (const [how, v] of Object.entries(variants(badKey))) {
      cases.push([`auth_key_pem ${how}`, { ...OFFLINE, auth_key_pem: v, key_id: 'K', team_id: 'T' }, badKey]);
      cases.push([`key_pem ${how}`, { ...mock.config, cert_pem: cert, key_pem: v }, badKey]);
    }
    for (const [how, v] of Object.entries(variants(key))) {
      if (how !== 'intact') {
        cases.push([`auth_key_pem ${how}`, { ...OFFLINE, auth_key_pem: v, key_id: 'K', team_id: 'T' }, key]);
      }
    }
    for (const [how, v] of Object.entries(variants(badCert))) {
      cases.push([`cert_pem ${how}`, { ...mock.config, cert_pem: v, key_pem: clientKey }, badCert]);
      cases.push([`ca_pem ${how}`, { ...mock.config, ca_pem: v }, badCert]);
    }
    for (const [what, options, secret] of cases) {
      const e = await rejected(Pusher.connect(options), what);
      assert.ok(['CREDENTIALS', 'TLS'].includes(e.code), `${what}: ${e.code}`);
      assertClean(`${e.message} ${e.stack}`, secret, what);
    }
  } finally {
    await mock.stop();
  }
});

test('the p12 password is never quoted', async () => {
  const password = await realKey();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'apnspush-secrets-'));
  const notP12 = path.join(dir, 'not.p12');
  fs.writeFileSync(notP12, 'not a PKCS#12 file');
  try {
    for (const file of ['/nonexistent/apnspush-test/cert.p12', notP12]) {
      const options = { ...OFFLINE, cert_p12_file: file, cert_p12_password: password };
      const e = await rejected(Pusher.connect(options), file);
      assert.equal(e.code, 'CREDENTIALS');
      assert.ok(e.message.includes(file));
      assertClean(`${e.message} ${e.stack}`, password, 'cert_p12_password');
    }
  } finally {
    fs.rmSync(dir, { recursive: true });
  }
});

test('invalid values and unknown keys that look like PEM are not quoted', async () => {
  const key = await realKey();
  for (const option of ['protocol', 'topic', 'key_id', 'connections']) {
    const e = thrown(() => new Pusher({ [option]: key }), option);
    assert.equal(e.code, 'INVALID_CONFIG_VALUE');
    assert.ok(e.message.includes('not shown'), option);
    assertClean(e.message, key, option);
  }
  const e = thrown(() => new Pusher({ [key]: 'x' }), 'unknown key');
  assert.equal(e.code, 'UNKNOWN_CONFIG_KEY');
  assertClean(e.message, key, 'unknown key');
});
