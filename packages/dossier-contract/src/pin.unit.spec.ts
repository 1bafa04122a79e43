import { createHmac } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '@lienthong/testing';
import t from 'tap';
import { hashPin, pinVerifier } from './pin.js';
import { loadSecret } from './secret-keys.js';

t.test('the PIN hash is the HMAC-SHA256 of <code>:<pin>, as stored in DossierReceived events', async (t) => {
  const key = Buffer.alloc(32, 7);
  t.equal(hashPin(key, 'H01.1-260308-0001', '12345678'), createHmac('sha256', key).update('H01.1-260308-0001:12345678').digest('hex'));
});

t.test('a verifier on a data directory accepts the PIN hashed under that directory’s key, and nothing else', async (t) => {
  const dir = tempDir(t);
  const key = loadSecret(dir, 'pin-hmac');
  const stored = hashPin(key, 'CODE-1', '12345678');
  const verify = pinVerifier(dir);
  t.ok(verify('CODE-1', '12345678', stored));
  t.notOk(verify('CODE-1', '12345679', stored), 'another PIN');
  t.notOk(verify('CODE-2', '12345678', stored), 'bound to the dossier code');
  t.notOk(verify('CODE-1', '12345678', stored.slice(0, 32)), 'a stored hash of another length');
  t.notOk(pinVerifier(tempDir(t))('CODE-1', '12345678', stored), 'another data directory’s key');
});

t.test('a key file is created once, 32 bytes, mode 600, and read back the same', async (t) => {
  const dir = tempDir(t);
  const first = loadSecret(dir, 'pin-hmac');
  t.equal(first.length, 32);
  t.same(loadSecret(dir, 'pin-hmac'), first);
  t.equal(statSync(join(dir, 'pin-hmac.key')).mode & 0o777, 0o600);
  t.not(loadSecret(dir, 'applicant').toString('hex'), first.toString('hex'), 'each secret has its own file');
  t.equal(Buffer.from(readFileSync(join(dir, 'pin-hmac.key'), 'utf8').trim(), 'base64').toString('hex'), first.toString('hex'));
});
