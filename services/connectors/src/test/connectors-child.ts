/**
 * The connectors service in a process of its own, for the kill -9 spec:
 * `node --import tsx connectors-child.ts <dataDir> <receiver url> <secret> <events to append>`.
 * Registers the webhook connector on first start, appends the events (`seq` 0…n-1 over 10
 * dossiers), prints `ready`, then delivers until killed. `LT_CHILD_READ_MODELS` names its read
 * models (two children on one data dir each keep their own); `LT_CONNECTORS_LEASE_MS` the lease.
 */
import { startTestHub } from '@lienthong/platform/testing';
import { createConnectorsModule } from '../module.js';

const [dataDir, url, secret, count] = process.argv.slice(2);
const hub = await startTestHub(
  [
    createConnectorsModule({
      allowLoopback: true,
      delivery: { initialBackoffMs: 20, maxBackoffMs: 200, checkpointEveryMs: 100, pollMs: 50, concurrency: 4 },
    }),
  ],
  { dataDir: dataDir!, keepDataDir: true, ...(process.env.LT_CHILD_READ_MODELS ? { readModels: process.env.LT_CHILD_READ_MODELS } : {}) },
);
const existing = await hub.platform.store.streamInfo('connector-vendor');
if (!existing) {
  const res = await hub.app.inject({
    method: 'POST',
    url: '/v1/admin/connectors',
    headers: hub.admin,
    payload: { connectorId: 'vendor', kind: 'webhook', url, secret },
  });
  if (res.statusCode !== 201) throw new Error(res.body);
}
const meta = { correlationId: 'child', actor: 'test', at: new Date().toISOString() };
for (let seq = 0; seq < Number(count); seq++) {
  const stream = `dossier-K${seq % 10}`;
  await hub.platform.store.append(stream, [
    { type: 'DossierAccepted', data: { dossierCode: stream.slice(8), agencyId: 'H40', statusCode: 2, seq }, metadata: meta },
  ]);
}
process.stdout.write('ready\n');
