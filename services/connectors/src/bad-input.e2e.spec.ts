import t from 'tap';
import { startTestHub } from '@lienthong/platform/testing';
import { createLogger, PROBLEM_CONTENT_TYPE } from '@lienthong/service-kit';
import { eventually, tempDir } from '@lienthong/testing';
import { createConnectorsModule } from './module.js';
import { append, FAST_DELIVERY, register, view } from './test/connector-hub.js';
import { startReceiver } from './test/receiver-process.js';

const SECRET = `whsec_${Buffer.alloc(32, 5).toString('base64')}`;

t.test('a receiver answering an endless body, or never finishing its answer, is cut off by the size and time limits', async (t) => {
  const receiver = await startReceiver(tempDir(t), SECRET);
  t.teardown(() => receiver.close());
  const limits = { timeoutMs: 500, maxResponseBytes: 16 * 1024 };
  const hub = await startTestHub([createConnectorsModule({ allowLoopback: true, delivery: FAST_DELIVERY, limits })]);
  t.teardown(() => hub.close());
  t.equal((await register(hub, { connectorId: 'vendor', kind: 'webhook', url: `${receiver.url}/hook`, secret: SECRET })).statusCode, 201);

  // 1. a 200 followed by up to 10 GB: the hub keeps 16 KiB of it and hangs up
  await receiver.control({ huge: true });
  await append(hub, 'dossier-HUGE', 'DossierReceived');
  const [huge] = await hub.platform.store.readStream('dossier-HUGE');
  await eventually(() => receiver.cuts().some((c) => c.id === huge!.id), 15_000, 'the endless answer cut');
  const cut = receiver.cuts().find((c) => c.id === huge!.id)!;
  t.ok(cut.written < 64 * 1024 ** 2, `the receiver wrote ${cut.written} bytes before the hub hung up, not 10 GB`);
  await eventually(async () => (await view(hub, 'vendor')).outbox.stats.delivered === 1, 10_000, 'the 200 counts');

  // 2. a 200 whose body trickles forever: each attempt is cut at the time limit, then retried
  await receiver.control({ huge: false, trickle: true });
  const slow = await append(hub, 'dossier-SLOW', 'DossierReceived');
  const [trickled] = await hub.platform.store.readStream('dossier-SLOW');
  await eventually(() => receiver.cuts().filter((c) => c.id === trickled!.id).length >= 2, 15_000, 'two attempts cut');
  const v = await view(hub, 'vendor');
  t.ok((v.outbox.stats.failures.timeout ?? 0) >= 2, `timeouts counted: ${JSON.stringify(v.outbox.stats.failures)}`);
  t.ok(v.outbox.outboxDepth >= 1, 'the event is still in the outbox');
  t.notOk(
    receiver.deliveries().some((d) => d.position === slow),
    'never taken for delivered',
  );
  await receiver.control({ trickle: false });
  await eventually(() => receiver.deliveries().some((d) => d.position === slow), 15_000, 'delivered once the receiver behaves');
});

t.test('secrets never appear in the logs', async (t) => {
  const lines: string[] = [];
  const logger = createLogger({ level: 'trace', destination: { write: (line: string) => void lines.push(line) } });
  const receiver = await startReceiver(tempDir(t), SECRET);
  t.teardown(() => receiver.close());
  const hub = await startTestHub(
    [createConnectorsModule({ allowLoopback: true, delivery: { ...FAST_DELIVERY, retryBudgetMs: 300 }, limits: { timeoutMs: 300 } })],
    { logger },
  );
  t.teardown(() => hub.close());
  const TOKEN = 'portal-access-token-7f3a9c1e5b';

  t.equal((await register(hub, { connectorId: 'vendor', kind: 'webhook', url: `${receiver.url}/hook`, secret: SECRET })).statusCode, 201);
  t.equal((await register(hub, { connectorId: 'portal', kind: 'dvcqg', url: `${receiver.url}/dvcqg`, secret: TOKEN })).statusCode, 201);
  const generated = (await register(hub, { connectorId: 'other', kind: 'webhook', url: `${receiver.url}/other` })).json<{
    secret: string;
  }>().secret;
  // refusals carrying a secret: a bad URL, a duplicate
  t.equal((await register(hub, { connectorId: 'bad', kind: 'webhook', url: 'http://169.254.169.254/', secret: SECRET })).statusCode, 400);
  t.equal((await register(hub, { connectorId: 'portal', kind: 'dvcqg', url: `${receiver.url}/dvcqg`, secret: TOKEN })).statusCode, 409);

  // failures of every kind, and a dead letter (logged at warn)
  await receiver.control({ resetFirst: 1, hangFirst: 1, failFirst: 1, failStreams: ['dossier-DEAD'] });
  await append(hub, 'dossier-OK', 'DossierReceived', { statusCode: 1, procedureCode: '1.004227', channel: 'counter' });
  await append(hub, 'dossier-DEAD', 'DossierReceived', { statusCode: 1 });
  await eventually(async () => (await view(hub, 'vendor')).deadLetters.length === 1, 15_000, 'a dead letter');
  await eventually(() => receiver.deliveries().some((d) => d.stream === 'dossier-OK'), 15_000, 'a delivery');
  for (const id of ['vendor', 'portal', 'other']) await view(hub, id);
  await hub.app.inject({ method: 'POST', url: '/v1/admin/connectors/vendor/pause', headers: hub.admin });
  await hub.close();

  const log = lines.join('');
  t.ok(lines.length > 20, `${lines.length} log lines captured`);
  t.match(log, /connectors: dead letter/, 'the dead letter was logged');
  t.match(log, /\/v1\/admin\/connectors/, 'the admin requests were logged');
  for (const [name, secret] of Object.entries({ SECRET, TOKEN, generated })) {
    t.notOk(log.includes(secret), `${name} is not in the logs`);
    t.notOk(log.includes(secret.replace(/^whsec_/u, '')), `nor its key material`);
  }
});

t.test('connector URLs that are not http(s), or point at the hub itself, link-local or metadata addresses: problem+json', async (t) => {
  const hub = await startTestHub([createConnectorsModule({ allowLoopback: true })]);
  t.teardown(() => hub.close());
  await hub.app.listen({ port: 0, host: '127.0.0.1' });
  const port = (hub.app.server.address() as { port: number }).port;
  const cases: Array<[string, RegExp]> = [
    ['ftp://example.org/x', /not http/],
    ['javascript:alert(1)', /not http/],
    ['file:///etc/passwd', /not http/],
    ['ws://192.0.2.1/x', /not http/],
    [`http://127.0.0.1:${port}/v1/admin/connectors`, /hub itself/],
    [`http://localhost:${port}/x`, /hub itself/],
    [`http://[::1]:${port}/x`, /hub itself/],
    [`http://127.1:${port}/x`, /hub itself/],
    ['http://169.254.169.254/latest/meta-data/', /link-local/],
    ['http://2852039166/', /link-local/],
    ['http://[::ffff:169.254.169.254]/', /link-local/],
    ['http://[fe80::1%25eth0]/', /./],
    ['http://metadata.google.internal/computeMetadata/v1/', /metadata/],
    ['http://100.100.100.200/latest/meta-data/', /metadata/],
    ['http://0.0.0.0:9999/', /unspecified/],
  ];
  for (const [url, why] of cases) {
    const res = await register(hub, { connectorId: 'x', kind: 'webhook', url });
    t.equal(res.statusCode, 400, `${url} refused`);
    t.equal(res.headers['content-type'], PROBLEM_CONTENT_TYPE, `${url}: problem+json`);
    const problem = res.json<{ status: number; detail: string; errors: Array<{ path: string; message: string }> }>();
    t.equal(problem.status, 400);
    t.equal(problem.errors[0]?.path, '/url', `${url}: the url is named`);
    t.match(problem.detail, why, `${url}: ${problem.detail}`);
  }
  t.equal(
    (await register(hub, { connectorId: 'x', kind: 'webhook', url: `http://127.0.0.1:${port + 1}/hook` })).statusCode,
    201,
    'another loopback port is allowed when loopback is',
  );
  t.equal((await hub.app.inject({ method: 'GET', url: '/v1/admin/connectors' })).statusCode, 401, 'the registry is admin only');
});

t.test('every connector route is in /docs with its schemas (so the hub walks it with bad input)', async (t) => {
  const hub = await startTestHub([createConnectorsModule()]);
  t.teardown(() => hub.close());
  const openapi = (await hub.app.inject('/docs/json')).json<{
    paths: Record<string, Record<string, { requestBody?: unknown; parameters?: unknown[] }>>;
  }>();
  const routes = Object.entries(openapi.paths)
    .filter(([path]) => path.startsWith('/v1/admin/connectors'))
    .flatMap(([path, operations]) => Object.keys(operations).map((method) => `${method.toUpperCase()} ${path}`))
    .sort();
  t.strictSame(routes, [
    'DELETE /v1/admin/connectors/{id}',
    'GET /v1/admin/connectors',
    'GET /v1/admin/connectors/{id}',
    'POST /v1/admin/connectors',
    'POST /v1/admin/connectors/{id}/dead-letters/retry',
    'POST /v1/admin/connectors/{id}/pause',
    'POST /v1/admin/connectors/{id}/replay',
    'POST /v1/admin/connectors/{id}/resume',
  ]);
  t.ok(openapi.paths['/v1/admin/connectors']!.post!.requestBody, 'the registration body is documented');
  t.ok(openapi.paths['/v1/admin/connectors/{id}/replay']!.post!.requestBody, 'the replay body is documented');
});
