import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import t from 'tap';
import { ConfigError, loadConfig } from './config.js';

t.test('defaults run the embedded hub', async (t) => {
  const config = loadConfig({});
  t.match(config, {
    port: 8080,
    host: '0.0.0.0',
    dataDir: resolve('./data'),
    eventStoreUrl: undefined,
    natsServers: undefined,
    sqliteSync: 'full',
    trustProxy: false,
    hubOrganId: 'lienthong',
  });
  t.equal(config.maxBodyBytes, 100 * 1024 * 1024);
  const cores = availableParallelism();
  t.equal(config.parseWorkers, Math.min(4, Math.max(0, cores - 1)));
  t.equal(config.boardProcesses, cores >= 2 ? Math.min(4, cores) : 0, 'board processes only where there is a second core');
});

t.test('a PostgreSQL store; secrets beside the data or in a directory of their own', async (t) => {
  t.equal(loadConfig({ LT_EVENTSTORE: 'postgres://lt@db1/lt' }).eventStoreUrl, 'postgres://lt@db1/lt');
  t.equal(loadConfig({ LT_EVENTSTORE: 'postgresql://lt@db1/lt' }).eventStoreUrl, 'postgresql://lt@db1/lt');
  t.match(loadConfig({ LT_DATA_DIR: '/srv/lt' }), { secretsDir: '/srv/lt/secrets', initSecrets: false });
  t.match(loadConfig({ LT_SECRETS_DIR: '/etc/lienthong/secrets', LT_INIT_SECRETS: '1' }), {
    secretsDir: '/etc/lienthong/secrets',
    initSecrets: true,
  });
  t.throws(() => loadConfig({ LT_INIT_SECRETS: 'yes' }), /LT_INIT_SECRETS/);
  t.equal(loadConfig({}).eventStoreTimeoutMs, undefined, "the store's own default unless set");
  t.equal(loadConfig({ LT_EVENTSTORE_TIMEOUT_S: '30' }).eventStoreTimeoutMs, 30_000);
  for (const value of ['0', '601', '2.5', 'soon'])
    t.throws(() => loadConfig({ LT_EVENTSTORE_TIMEOUT_S: value }), /LT_EVENTSTORE_TIMEOUT_S/);
});

t.test('worker and process counts, trust proxy forms; blanks are unset', async (t) => {
  const config = loadConfig({ LT_PARSE_WORKERS: '0', LT_BOARD_PROCESSES: '3', LT_TRUST_PROXY: '2', LT_PORT: '' });
  t.equal(config.parseWorkers, 0);
  t.equal(config.boardProcesses, 3);
  t.equal(config.trustProxy, 2);
  t.equal(config.port, 8080);
  t.equal(loadConfig({ LT_BOARD_PROCESSES: '0' }).boardProcesses, 0, '0 keeps the sockets in the service');
  t.equal(loadConfig({ LT_TRUST_PROXY: 'true' }).trustProxy, true);
  t.equal(loadConfig({ LT_HUB_ORGAN_ID: '000.00.00.G22' }).hubOrganId, '000.00.00.G22');
  t.strictSame(loadConfig({ LT_NATS_URL: 'nats://n1:4222' }).natsServers, ['nats://n1:4222']);
  t.strictSame(
    loadConfig({ LT_NATS_URL: 'nats://n1:4222, tls://n2:4222,nats://n3:4222' }).natsServers,
    ['nats://n1:4222', 'tls://n2:4222', 'nats://n3:4222'],
    "a cluster's seeds, each server its own",
  );
  t.equal(loadConfig({ LT_TRUST_PROXY: '10.0.0.0/8,127.0.0.1' }).trustProxy, '10.0.0.0/8,127.0.0.1');
});

t.test('NATS replicas: 3 with three or more seeds, else 1, unless LT_NATS_REPLICAS says; consumer expiry', async (t) => {
  t.equal(loadConfig({}).natsReplicas, 1, 'no NATS');
  t.equal(loadConfig({ LT_NATS_URL: 'nats://n1:4222' }).natsReplicas, 1, 'one server');
  t.equal(loadConfig({ LT_NATS_URL: 'nats://n1:4222,nats://n2:4222' }).natsReplicas, 1, 'two seeds');
  t.equal(loadConfig({ LT_NATS_URL: 'nats://n1:4222,nats://n2:4222,nats://n3:4222' }).natsReplicas, 3, "a cluster's three seeds");
  t.equal(loadConfig({ LT_NATS_URL: 'nats://n1:4222,nats://n2:4222,nats://n3:4222', LT_NATS_REPLICAS: '1' }).natsReplicas, 1, 'told 1');
  t.equal(loadConfig({ LT_NATS_URL: 'nats://n1:4222', LT_NATS_REPLICAS: '5' }).natsReplicas, 5, 'told 5 (one seed of a larger cluster)');
  t.equal(loadConfig({}).natsConsumerExpiryMs, 300_000, 'five minutes by default');
  t.equal(loadConfig({ LT_NATS_CONSUMER_EXPIRY_S: '60' }).natsConsumerExpiryMs, 60_000);
});

t.test('seals: every 1,000 events and 60 s by default, or as set', async (t) => {
  t.match(loadConfig({}), { sealEvery: 1000, sealIntervalMs: 60_000 });
  t.match(loadConfig({ LT_SEAL_EVERY: '50', LT_SEAL_SECONDS: '5' }), { sealEvery: 50, sealIntervalMs: 5_000 });
});

t.test('a bad value is refused, naming the variable', async (t) => {
  for (const [name, value] of [
    ['LT_BOARD_PROCESSES', '-1'],
    ['LT_BOARD_PROCESSES', '17'],
    ['LT_BOARD_PROCESSES', 'two'],
    ['LT_PARSE_WORKERS', '1.5'],
    ['LT_PORT', '70000'],
    ['LT_SQLITE_SYNC', 'off'],
    ['LT_ADMIN_TOKEN', 'short'],
    ['LT_EVENTSTORE', 'mysql://x'],
    ['LT_NATS_URL', 'n1:4222'],
    ['LT_HUB_ORGAN_ID', 'hub <x>'],
    ['LT_HUB_ORGAN_ID', '.H40'],
    ['LT_NATS_URL', 'nats://n1:4222,'],
    ['LT_NATS_URL', 'nats://n1:4222,http://n2:4222'],
    ['LT_NATS_REPLICAS', '0'],
    ['LT_NATS_REPLICAS', '6'],
    ['LT_NATS_REPLICAS', 'three'],
    ['LT_NATS_CONSUMER_EXPIRY_S', '5'],
    ['LT_NATS_CONSUMER_EXPIRY_S', '1.5'],
    ['LT_SEAL_EVERY', '0'],
    ['LT_SEAL_EVERY', '10.5'],
    ['LT_SEAL_SECONDS', '0'],
    ['LT_SEAL_SECONDS', 'minute'],
  ] as const)
    t.throws(() => loadConfig({ [name]: value }), { name: 'ConfigError', message: new RegExp(name) }, `${name}=${value}`);
  t.type(new ConfigError('x'), Error);
});
