import t, { type Test } from 'tap';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { RecordedEvent } from '@lienthong/event-store';
import { freePort, requireNatsServer, startNatsServer, tempDir } from '@lienthong/testing';
import { directoryModule } from './directory-module.js';
import { startTestHub } from './testing.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));

t.test('the platform on NATS: events relayed to LT_EVENTS with their subject and id', async (t) => {
  if (!requireNatsServer(t)) return;
  const nats = await startNatsServer({ jetstream: true });
  t.teardown(() => nats.stop());
  // a cluster's seed list, one of them down: the bus (and blobs) take the one that answers
  const down = `nats://127.0.0.1:${await freePort()}`;
  const hub = await startTestHub([directoryModule], { env: { LT_NATS_URL: `${nats.url}, ${down}` } });
  t.teardown(() => hub.close());
  t.equal((await hub.app.inject('/health/ready')).statusCode, 200, 'ready with NATS');
  await hub.agency('000.00.00.H40', 'UBND', ['H40']);
  const seen: Array<{ event: RecordedEvent; service: string }> = [];
  const consumer = await hub.platform.bus.consume({ durable: 'test-directory', services: ['directory'] }, async (event, delivery) => {
    seen.push({ event, service: delivery.service });
  });
  t.teardown(() => consumer.stop());
  const deadline = Date.now() + 10_000;
  while (!seen.some((s) => s.event.type === 'AgencyRegistered') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  const registered = seen.find((s) => s.event.type === 'AgencyRegistered');
  t.ok(registered, 'AgencyRegistered arrived over NATS');
  t.equal(registered?.service, 'directory');
  const [stored] = await hub.platform.store.readStream('agency-000.00.00.H40');
  t.equal(registered?.event.id, stored?.id, 'same event id as in the store');
  t.equal(registered?.event.hash, stored?.hash, 'hash chain travels with the event');

  await nats.stop();
  const ready = await hub.app.inject('/health/ready');
  t.equal(ready.statusCode, 503, 'bus outage → not ready');
  t.match(ready.json().detail, /bus/);
});

/** Starts a service's own main.ts as a process and waits until it answers. */
async function startAlone(t: Test, entry: string, env: Record<string, string>) {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', entry], {
    cwd: root,
    env: { ...process.env, ...env, LT_PORT: String(port), LT_HOST: '127.0.0.1', LT_LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  t.teardown(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/health/ready`);
      if (res.status === 200) return { child, port, stderr: () => stderr };
    } catch {
      // not listening yet
    }
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`${entry} did not start: ${stderr}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

t.test('each service starts alone, and the hub shuts down gracefully on SIGTERM', async (t) => {
  const dataDir = tempDir(t);
  const env = { LT_DATA_DIR: dataDir, LT_ADMIN_TOKEN: 'alone-admin-token-0123456789' };
  for (const service of ['catalog', 'dossiers', 'document-routing', 'status-tracker']) {
    const { child, port } = await startAlone(t, `services/${service}/src/main.ts`, env);
    const docs = (await (await fetch(`http://127.0.0.1:${port}/docs/json`)).json()) as { info: { title: string } };
    t.equal(docs.info.title, `lienthong ${service}`, `${service} serves alone`);
    child.kill('SIGTERM');
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    t.equal(code, 0, `${service} stops cleanly on SIGTERM`);
  }
  const hub = await startAlone(t, 'services/hub/src/main.ts', env);
  const created = await fetch(`http://127.0.0.1:${hub.port}/v1/admin/agencies`, {
    method: 'POST',
    headers: { authorization: `Bearer ${env.LT_ADMIN_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ organId: 'H40', name: 'UBND' }),
  });
  t.equal(created.status, 201);
  t.equal(created.headers.get('x-correlation-id')?.length, 36, 'a correlation id is made and returned');
  hub.child.kill('SIGTERM');
  t.equal(await new Promise<number | null>((resolve) => hub.child.once('exit', resolve)), 0, 'hub exits 0 after draining');
  t.notMatch(hub.stderr(), /"level":50/, 'no error logged on shutdown');
});
