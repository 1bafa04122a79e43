import { cpSync, existsSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { createSqliteEventStore } from '@lienthong/event-store';
import { createLogger, loadConfig } from '@lienthong/service-kit';
import { tempDir } from '@lienthong/testing';
import { checkSecretsFingerprint, prepareSecrets, SECRETS_STREAM } from './deployment-secrets.js';

const logger = createLogger({ level: 'silent' });
const serverStore = (secretsDir: string, init = false) =>
  loadConfig({ LT_EVENTSTORE: 'postgres://lt@db/lt', LT_SECRETS_DIR: secretsDir, LT_INIT_SECRETS: init ? '1' : '0' });

t.test('on a server store: missing secrets refused unless LT_INIT_SECRETS=1, then the whole set created (mode 600)', async (t) => {
  const dir = join(tempDir(t), 'secrets');
  t.throws(
    () => prepareSecrets(serverStore(dir)),
    /lacks pin-hmac\.key, applicant\.key, connectors\.key, hub-ed25519\.key.*LT_INIT_SECRETS=1/,
  );
  t.notOk(existsSync(join(dir, 'pin-hmac.key')), 'nothing created by a refused start');
  const fingerprint = prepareSecrets(serverStore(dir, true));
  t.match(fingerprint, /^[0-9a-f]{64}$/);
  for (const file of ['pin-hmac.key', 'applicant.key', 'connectors.key', 'hub-ed25519.key'])
    t.equal(statSync(join(dir, file)).mode & 0o777, 0o600, `${file} created, mode 600`);
  t.equal(prepareSecrets(serverStore(dir)), fingerprint, 'the same files, the same fingerprint, no init needed');
  t.notMatch(fingerprint!, readFileSync(join(dir, 'pin-hmac.key'), 'utf8').trim(), 'the fingerprint holds no key');

  rmSync(join(dir, 'applicant.key'));
  t.throws(() => prepareSecrets(serverStore(dir)), /lacks applicant\.key/, 'one file missing is refused too');
});

t.test('on SQLite: nothing checked or created (each loader creates its file on first use)', async (t) => {
  const dir = join(tempDir(t), 'secrets');
  t.equal(prepareSecrets(loadConfig({ LT_SECRETS_DIR: dir })), null);
  t.notOk(existsSync(dir));
});

t.test('the first process records the fingerprint; the same set passes, another set is refused', async (t) => {
  const root = tempDir(t);
  const store = createSqliteEventStore({ file: join(root, 'events.sqlite') });
  t.teardown(() => store.close());
  const deployment = join(root, 'a');
  const first = prepareSecrets(serverStore(deployment, true))!;
  await Promise.all([1, 2, 3].map(() => checkSecretsFingerprint(store, first, serverStore(deployment), logger)));
  const recorded = await store.readStream(SECRETS_STREAM);
  t.equal(recorded.length, 1, 'three processes starting together record it once');
  t.equal((recorded[0]?.data as { fingerprint: string }).fingerprint, first);

  const copy = join(root, 'copy');
  cpSync(deployment, copy, { recursive: true });
  await checkSecretsFingerprint(store, prepareSecrets(serverStore(copy))!, serverStore(copy), logger);
  t.pass('a copy of the secrets directory starts');

  const other = join(root, 'other');
  const theirs = prepareSecrets(serverStore(other, true))!;
  await t.rejects(
    checkSecretsFingerprint(store, theirs, serverStore(other), logger),
    { name: 'SecretsError', message: /are not this deployment's .*would issue PINs/ },
    'a process with another set of secrets refuses to start',
  );
  t.equal((await store.readStream(SECRETS_STREAM)).length, 1, 'and records nothing');
});
