import { generateKeyPairSync } from 'node:crypto';
import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { tempDir } from '@lienthong/testing';
import { hubKeyFile, loadHubKey, readHubPublicKey } from './hub-key.js';

t.test('the hub key: created once in the secrets directory (mode 600), then read back; the public half never creates one', async (t) => {
  const dir = tempDir(t);
  t.throws(() => readHubPublicKey(dir), /no hub key at .*hub-ed25519\.key/, 'missing: not created by a reader');
  const first = loadHubKey(dir);
  t.equal(statSync(hubKeyFile(dir)).mode & 0o777, 0o600);
  t.equal(first.privateKey.asymmetricKeyType, 'ed25519');
  t.match(first.keyId, /^[0-9a-f]{16}$/);
  t.equal(loadHubKey(dir).keyId, first.keyId, 'the same key on the next start');
  t.same(readHubPublicKey(dir), { publicKey: first.publicKey, keyId: first.keyId, publicKeyRaw: first.publicKeyRaw });
});

t.test('a key file that is not an Ed25519 private key is refused by name', async (t) => {
  const dir = tempDir(t);
  mkdirSync(join(dir, 'secrets'));
  writeFileSync(hubKeyFile(dir), 'not a key');
  t.throws(() => loadHubKey(dir), /hub-ed25519\.key does not hold a PEM private key/);
  writeFileSync(hubKeyFile(dir), generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'pem', type: 'pkcs8' }));
  t.throws(() => readHubPublicKey(dir), /holds a ec key, not Ed25519/);
});
