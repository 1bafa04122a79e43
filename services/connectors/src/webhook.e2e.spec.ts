import t from 'tap';
import { startTestHub } from '@lienthong/platform/testing';
import { eventually, metricValue, tempDir } from '@lienthong/testing';
import { createConnectorsModule } from './module.js';
import { append, FAST_DELIVERY as fast, register, view } from './test/connector-hub.js';
import { firstDeliveryOrder, increasing, startReceiver, type ReceiverProcess } from './test/receiver-process.js';

const SECRET = `whsec_${Buffer.alloc(32, 7).toString('base64')}`;

t.test('webhook: every event at least once, in order per stream, signed, through 500s, resets, hangs and a killed receiver', async (t) => {
  const dir = tempDir(t);
  const receiver: ReceiverProcess = await startReceiver(dir, SECRET);
  t.teardown(() => receiver.close());
  const hub = await startTestHub([createConnectorsModule({ allowLoopback: true, delivery: fast, limits: { timeoutMs: 400 } })]);
  t.teardown(() => hub.close());

  const created = await register(hub, { connectorId: 'vendor', kind: 'webhook', url: `${receiver.url}/hook`, secret: SECRET });
  t.equal(created.statusCode, 201, created.body);
  t.equal(created.json<{ secret: string }>().secret, SECRET, 'the secret is shown once, at registration');
  const listed = await hub.app.inject({ method: 'GET', url: '/v1/admin/connectors/vendor', headers: hub.admin });
  t.notMatch(listed.body, /whsec_/, 'and never again');
  const rows = (await hub.platform.store.readStream('connector-vendor')).map((e) => JSON.stringify(e.data)).join();
  t.notMatch(rows, /whsec_/, 'the store holds it sealed');

  // the first attempt of each delivery is reset, the second hangs past the time limit, the third is a 500
  await receiver.control({ resetFirst: 1, hangFirst: 1, failFirst: 1 });
  const streams = ['dossier-A', 'dossier-B', 'dossier-C', 'dossier-D'];
  const types = ['DossierReceived', 'DossierAccepted', 'DossierAssigned', 'DossierCompleted', 'DossierResultDelivered'];
  const positions: number[] = [];
  for (const type of types)
    for (const s of streams) positions.push(await append(hub, s, type, { applicantSealed: 'SEALED-PERSONAL-DATA', pinHash: 'abc' }));
  await eventually(() => new Set(receiver.deliveries().map((d) => d.position)).size >= 10, 20_000, 'half delivered');

  // the receiver dies and comes back: nothing is lost
  await receiver.kill();
  for (const s of streams) positions.push(await append(hub, s, 'DossierApologized'));
  await new Promise((r) => setTimeout(r, 300));
  await receiver.restart();
  await receiver.control({ resetFirst: 0, hangFirst: 0, failFirst: 1 });
  await eventually(() => positions.every((p) => receiver.deliveries().some((d) => d.position === p)), 30_000, 'all delivered');

  const deliveries = receiver.deliveries();
  t.ok(
    deliveries.every((d) => d.verified),
    'every delivery verifies with standardwebhooks',
  );
  for (const [stream, order] of firstDeliveryOrder(deliveries))
    t.ok(increasing(order), `${stream}: first deliveries in order ${order.join(',')}`);
  t.notOk(
    deliveries.some((d) => JSON.stringify(d.body).includes('SEALED') || 'pinHash' in (d.body.data as object)),
    'sealed personal data left out',
  );
  const one = deliveries[0]!;
  t.strictSame(Object.keys(one.body).sort(), ['data', 'id', 'position', 'stream', 'type'], 'body {type, id, position, stream, data}');
  t.equal(one.headers['webhook-id'], one.body.id, 'webhook-id is the event id');
  t.match(one.headers['webhook-signature'], /^v1,/);
  t.ok(
    receiver.attempts().some((a) => a.attempt >= 3),
    'deliveries were retried',
  );

  await eventually(async () => (await view(hub, 'vendor')).outbox.lag === 0, 10_000, 'checkpoint caught up');
  const v = await view(hub, 'vendor');
  t.ok(
    v.outbox.stats.failures.reset! >= 1 && v.outbox.stats.failures.timeout! >= 1 && v.outbox.stats.failures['http-500']! >= 1,
    `failures by reason ${JSON.stringify(v.outbox.stats.failures)}`,
  );
  const metrics = await hub.platform.metrics.registry.metrics();
  t.ok(metricValue(metrics, 'lt_connector_delivered_total', { connector: 'vendor' }) >= positions.length, 'delivered in /metrics');
  t.ok(
    metricValue(metrics, 'lt_connector_failures_total', { connector: 'vendor', reason: 'timeout' }) >= 1,
    'failures by reason in /metrics',
  );

  // replay re-delivers a range
  const before = receiver.deliveries().length;
  const from = positions[8]!;
  const replay = await hub.app.inject({
    method: 'POST',
    url: '/v1/admin/connectors/vendor/replay',
    headers: hub.admin,
    payload: { fromPosition: from },
  });
  t.equal(replay.statusCode, 202, replay.body);
  await eventually(
    () =>
      receiver
        .deliveries()
        .slice(before)
        .filter((d) => d.position >= from).length >= positions.filter((p) => p >= from).length,
    20_000,
    'replayed',
  );
  t.notOk(
    receiver
      .deliveries()
      .slice(before)
      .some((d) => d.position < from),
    'nothing before fromPosition is replayed',
  );
});

t.test('webhook: dead letters after the retry budget, listed, retried by the admin; pause and delete stop delivery', async (t) => {
  const dir = tempDir(t);
  const receiver = await startReceiver(dir, SECRET);
  t.teardown(() => receiver.close());
  const hub = await startTestHub([createConnectorsModule({ allowLoopback: true, delivery: { ...fast, retryBudgetMs: 600 } })]);
  t.teardown(() => hub.close());
  t.equal((await register(hub, { connectorId: 'vendor', kind: 'webhook', url: `${receiver.url}/hook`, secret: SECRET })).statusCode, 201);

  await receiver.control({ failStreams: ['dossier-BAD'] });
  const bad = await append(hub, 'dossier-BAD', 'DossierReceived');
  const good = await append(hub, 'dossier-OK', 'DossierReceived');
  await eventually(async () => (await view(hub, 'vendor')).deadLetters.length === 1, 15_000, 'dead letter');
  const v = await view(hub, 'vendor');
  t.match(v.deadLetters[0], { position: bad, reason: 'http-500' }, 'the dead letter names the event and the reason');
  t.ok(
    receiver.deliveries().some((d) => d.position === good),
    'another stream is not held up',
  );
  t.ok(
    (await hub.platform.store.readStream('connector-vendor')).some((e) => e.type === 'DeliveryDeadLettered'),
    'the dead letter is an event',
  );

  await receiver.control({ failStreams: [] });
  const retry = await hub.app.inject({
    method: 'POST',
    url: '/v1/admin/connectors/vendor/dead-letters/retry',
    headers: hub.admin,
    payload: {},
  });
  t.match(retry.json(), { retried: 1 });
  await eventually(() => receiver.deliveries().some((d) => d.position === bad), 10_000, 'dead letter delivered after retry');
  await eventually(async () => (await view(hub, 'vendor')).deadLetters.length === 0, 5_000, 'list emptied');

  // pause: events wait; resume: they go
  t.equal((await hub.app.inject({ method: 'POST', url: '/v1/admin/connectors/vendor/pause', headers: hub.admin })).statusCode, 200);
  const paused = await append(hub, 'dossier-P', 'DossierReceived');
  await new Promise((r) => setTimeout(r, 500));
  t.notOk(
    receiver.deliveries().some((d) => d.position === paused),
    'nothing delivered while paused',
  );
  t.equal((await view(hub, 'vendor')).state, 'paused');
  await hub.app.inject({ method: 'POST', url: '/v1/admin/connectors/vendor/resume', headers: hub.admin });
  await eventually(() => receiver.deliveries().some((d) => d.position === paused), 10_000, 'delivered after resume');

  // delete: stops
  t.equal((await hub.app.inject({ method: 'DELETE', url: '/v1/admin/connectors/vendor', headers: hub.admin })).statusCode, 200);
  const gone = await append(hub, 'dossier-G', 'DossierReceived');
  await new Promise((r) => setTimeout(r, 500));
  t.notOk(
    receiver.deliveries().some((d) => d.position === gone),
    'nothing delivered once deleted',
  );
  t.equal((await hub.app.inject({ method: 'GET', url: '/v1/admin/connectors/vendor', headers: hub.admin })).statusCode, 404);
});

t.test('bad input: unsafe URLs refused, secrets checked, duplicates 409, unknown 404', async (t) => {
  const hub = await startTestHub([createConnectorsModule({ allowLoopback: false })]);
  t.teardown(() => hub.close());
  for (const url of [
    'ftp://example.org/x',
    'file:///etc/passwd',
    'http://169.254.169.254/latest/meta-data',
    'http://[fe80::1]/x',
    'http://[::ffff:169.254.169.254]/x',
    'http://metadata.google.internal/x',
    'http://127.0.0.1:9/x',
    'http://localhost:9/x',
    'http://user:pw@example.org/x',
    'not a url',
  ]) {
    const res = await register(hub, { connectorId: 'x', kind: 'webhook', url });
    t.equal(res.statusCode, 400, `${url} refused`);
    t.match(res.json(), { status: 400, errors: [{ path: '/url' }] });
  }
  t.equal(
    (await register(hub, { connectorId: 'x', kind: 'webhook', url: 'https://192.0.2.10/hook', secret: 'whsec_short' })).statusCode,
    400,
    'bad whsec',
  );
  t.equal(
    (await register(hub, { connectorId: 'x', kind: 'dvcqg', url: 'https://192.0.2.10/hook' })).statusCode,
    400,
    'dvcqg needs its token',
  );
  t.equal((await register(hub, { connectorId: 'X Y', kind: 'webhook', url: 'https://192.0.2.10/hook' })).statusCode, 400, 'bad id');
  t.equal((await register(hub, { connectorId: 'x', kind: 'smtp', url: 'https://192.0.2.10/hook' })).statusCode, 400, 'bad kind');
  const ok = await register(hub, { connectorId: 'x', kind: 'webhook', url: 'https://192.0.2.10/hook' });
  t.equal(ok.statusCode, 201, 'a private-network receiver is allowed');
  t.match(ok.json<{ secret: string }>().secret, /^whsec_/, 'a secret is generated when none is given');
  t.equal((await register(hub, { connectorId: 'x', kind: 'webhook', url: 'https://192.0.2.10/hook' })).statusCode, 409);
  t.equal((await hub.app.inject({ method: 'GET', url: '/v1/admin/connectors/nope', headers: hub.admin })).statusCode, 404);
  t.equal(
    (await hub.app.inject({ method: 'POST', url: '/v1/admin/connectors/x/replay', headers: hub.admin, payload: { fromPosition: 0 } }))
      .statusCode,
    400,
  );
  t.equal((await hub.app.inject({ method: 'GET', url: '/v1/admin/connectors/x' })).statusCode, 401, 'admin only');
});
