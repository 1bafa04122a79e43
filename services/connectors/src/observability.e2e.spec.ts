import t from 'tap';
import { startTestHub, type TestHub } from '@lienthong/platform/testing';
import { eventually, metricValue, tempDir } from '@lienthong/testing';
import { createConnectorsModule } from './module.js';
import { append, FAST_DELIVERY, register, view } from './test/connector-hub.js';
import { startReceiver } from './test/receiver-process.js';

const SECRET = `whsec_${Buffer.alloc(32, 3).toString('base64')}`;
const vendor = { connector: 'vendor' };

async function scrape(hub: TestHub): Promise<string> {
  const res = await hub.app.inject({ method: 'GET', url: '/metrics' });
  if (res.statusCode !== 200) throw new Error(`/metrics → ${res.statusCode}`);
  return res.body;
}

t.test('lag, depth, attempts and failures by reason, in GET /v1/admin/connectors/:id and in /metrics', async (t) => {
  const receiver = await startReceiver(tempDir(t), SECRET);
  t.teardown(() => receiver.close());
  const hub = await startTestHub([createConnectorsModule({ allowLoopback: true, delivery: FAST_DELIVERY })]);
  t.teardown(() => hub.close());
  t.equal((await register(hub, { connectorId: 'vendor', kind: 'webhook', url: `${receiver.url}/hook`, secret: SECRET })).statusCode, 201);

  // 1. one dossier's receiver endpoint fails (500): its 5 events wait in their lane; another dossier's 3 go through
  await receiver.control({ failStreams: ['dossier-STUCK'] });
  const stuck: number[] = [];
  for (let i = 0; i < 5; i++) stuck.push(await append(hub, 'dossier-STUCK', `DossierStep${i}`));
  for (let i = 0; i < 3; i++) await append(hub, 'dossier-FREE', `DossierStep${i}`);
  await eventually(() => receiver.deliveries().filter((d) => d.stream === 'dossier-FREE').length === 3, 15_000, 'the free lane');
  await eventually(async () => ((await view(hub, 'vendor')).outbox.stats.failures['http-500'] ?? 0) >= 3, 15_000, 'retries');

  const [firstStuck] = await hub.platform.store.readStream('dossier-STUCK', { maxCount: 1 });
  const v = await view(hub, 'vendor');
  t.equal(v.outbox.outboxDepth, 5, 'depth: the five stuck events');
  t.equal(v.outbox.checkpoint, stuck[0]! - 1, 'the checkpoint stays below the first undelivered event');
  t.ok(v.outbox.lag >= 5, `lag in positions: ${v.outbox.lag}`);
  t.equal(v.outbox.oldestPendingAt, firstStuck!.metadata.at, 'the oldest pending event is the first stuck one');
  t.ok(v.outbox.lagSeconds > 0, `lag in seconds: ${v.outbox.lagSeconds}`);
  t.equal(v.outbox.stats.delivered, 3);
  t.ok(v.outbox.stats.attempts >= 3 + 3, `attempts: ${v.outbox.stats.attempts}`);
  t.strictSame(Object.keys(v.outbox.stats.failures), ['http-500'], 'failures by reason');

  const m = await scrape(hub);
  t.equal(metricValue(m, 'lt_connector_outbox_depth', vendor), 5, '/metrics: depth');
  t.ok(metricValue(m, 'lt_connector_lag_events', vendor) >= 5, '/metrics: lag in positions');
  t.ok(metricValue(m, 'lt_connector_oldest_pending_seconds', vendor) > 0, '/metrics: lag in seconds');
  t.ok(metricValue(m, 'lt_connector_attempts_total', vendor) >= 6, '/metrics: attempts');
  t.ok(metricValue(m, 'lt_connector_failures_total', { ...vendor, reason: 'http-500' }) >= 3, '/metrics: failures by reason');
  t.equal(metricValue(m, 'lt_connector_delivered_total', vendor), 3, '/metrics: delivered');
  t.equal(metricValue(m, 'lt_connector_delivery_lag_seconds_count', vendor), 3, '/metrics: delivery lag observed per delivery');
  t.equal(metricValue(m, 'lt_connectors_lease_held'), 1, '/metrics: this process holds the delivery lease');
  t.equal(v.outbox.lease.heldHere, true, 'the view: the lease is held here');
  t.match(v.outbox.lease, { holder: /^.+:\d+:[0-9a-f]{8}$/u, until: /^\d{4}-/u }, 'the view names the holder and its time');

  // 2. the receiver recovers: depth and lag fall to zero
  await receiver.control({ failStreams: [] });
  await eventually(async () => (await view(hub, 'vendor')).outbox.outboxDepth === 0, 15_000, 'drained');
  await eventually(async () => (await view(hub, 'vendor')).outbox.lag === 0, 15_000, 'caught up');
  const after = await scrape(hub);
  t.equal(metricValue(after, 'lt_connector_outbox_depth', vendor), 0);
  t.equal(metricValue(after, 'lt_connector_oldest_pending_seconds', vendor), 0);
  t.equal(metricValue(after, 'lt_connector_delivered_total', vendor), 8);
  t.equal((await view(hub, 'vendor')).outbox.lagSeconds, 0);

  // 3. paused: the events wait in the log, and the view still tells how late the connector is
  await hub.app.inject({ method: 'POST', url: '/v1/admin/connectors/vendor/pause', headers: hub.admin });
  await append(hub, 'dossier-LATER', 'DossierReceived');
  const [waiting] = await hub.platform.store.readStream('dossier-LATER');
  const paused = await view(hub, 'vendor');
  t.equal(paused.outbox.running, false);
  t.ok(paused.outbox.lag >= 1, 'lag grows while paused');
  t.equal(paused.outbox.oldestPendingAt, waiting!.metadata.at, 'the waiting event is named by its time');
  t.equal(metricValue(after, 'lt_connector_paused', vendor), 0, '/metrics: not paused before');
  await new Promise((r) => setTimeout(r, 1100)); // the waiting event is a second old at least
  const whilePaused = await scrape(hub);
  t.equal(metricValue(whilePaused, 'lt_connector_paused', vendor), 1, '/metrics: paused');
  t.ok(metricValue(whilePaused, 'lt_connector_lag_events', vendor) >= 1, '/metrics: lag in positions grows while paused');
  const waited = metricValue(whilePaused, 'lt_connector_oldest_pending_seconds', vendor);
  t.ok(waited >= 1, `/metrics: lag in seconds while paused reads the waiting event (${waited} s)`);
  t.equal(metricValue(whilePaused, 'lt_connector_outbox_depth', vendor), 0, '/metrics: nothing read ahead while paused');

  // 4. resumed: the waiting event goes out, the gauges fall back
  await hub.app.inject({ method: 'POST', url: '/v1/admin/connectors/vendor/resume', headers: hub.admin });
  await eventually(async () => (await view(hub, 'vendor')).outbox.lag === 0, 15_000, 'caught up after resume');
  const resumed = await scrape(hub);
  t.equal(metricValue(resumed, 'lt_connector_paused', vendor), 0, '/metrics: resumed');
  t.equal(metricValue(resumed, 'lt_connector_oldest_pending_seconds', vendor), 0, '/metrics: nothing waits');
  t.equal(metricValue(resumed, 'lt_connector_delivered_total', vendor), 9, '/metrics: the waiting event delivered');
});
