import { join } from 'node:path';
import t from 'tap';
import { eventually, requireNatsServer, requirePostgres, startNatsCluster, startPostgres, tempDir } from '@lienthong/testing';
import {
  ADMIN_TOKEN,
  AGENCY,
  PROCEDURE,
  SENDER,
  call,
  dossierStreams,
  killNatsNodeThenRestartPostgres,
  sampleDocument,
  sleep,
  startReplica,
  writeUntilAcknowledged,
  type Answer,
  type Deployment,
  type Replica,
} from './test/replicas.js';

// the start, the load and the checks: about two minutes on the shared 2-core machine
t.setTimeout(180_000);

t.test('PostgreSQL + 3 NATS nodes + 2 hub replicas under load: kill -9 of a replica, of a NATS node, a PostgreSQL restart', async (t) => {
  if (!requirePostgres(t) || !requireNatsServer(t)) return;
  const [pg, cluster] = await Promise.all([startPostgres(), startNatsCluster()]);
  t.teardown(() => pg.stop());
  t.teardown(() => cluster.stop());
  const root = tempDir(t, 'lt-replica-faults-');
  const deployment: Deployment = {
    store: await pg.createDatabase('faults'),
    nats: cluster.urls.join(','),
    secretsDir: join(root, 'secrets'),
  };
  const replicas: Replica[] = [await startReplica(deployment, root, 'a', { init: true })];
  replicas.push(await startReplica(deployment, root, 'b'));
  t.teardown(() => Promise.all(replicas.map((r) => r.stop())));
  const down = new Set<string>();
  const [a] = replicas as [Replica];

  // 1. the directory, the catalog, a clerk, two document systems
  t.equal(
    (await call(a.url, 'POST', '/v1/admin/agencies', ADMIN_TOKEN, { organId: AGENCY, name: 'UBND huyện', level: 'district' })).status,
    201,
  );
  t.equal(
    (await call(a.url, 'POST', '/v1/admin/agencies', ADMIN_TOKEN, { organId: SENDER, name: 'UBND tỉnh', level: 'province' })).status,
    201,
  );
  const clerk = (await call(a.url, 'POST', '/v1/admin/staff', ADMIN_TOKEN, { agencyId: AGENCY, name: 'Cán bộ', roles: ['clerk'] })).body
    .token as string;
  const system = async (organIds: string[]) =>
    (await call(a.url, 'POST', '/v1/admin/systems', ADMIN_TOKEN, { name: 'Hệ thống', vendor: 'VNPT', organIds })).body.token as string;
  const sender = await system([SENDER]);
  const recipient = await system([AGENCY]);
  const procedure = { name: 'Đăng ký khai sinh', field: 'Hộ tịch', agencyLevels: ['district'], processingDays: 3, onlineLevel: 'partial' };
  t.equal((await call(a.url, 'PUT', `/v1/catalog/procedures/${PROCEDURE}`, ADMIN_TOKEN, procedure)).status, 201);
  for (const replica of replicas)
    await eventually(
      async () => (await call(replica.url, 'GET', `/v1/dossiers?agencyId=${AGENCY}`, clerk)).status === 200,
      20_000,
      `${replica.name} knows the clerk`,
    );

  // 2. the load: 4 writers through both replicas, each write retried with its Idempotency-Key until acknowledged
  const acknowledged = { dossiers: new Map<string, string>(), documents: new Map<string, string>() };
  const refusals = new Map<string, number>();
  let stop = false;
  const write = (path: string, token: string, body: unknown, n: number): Promise<Answer> =>
    writeUntilAcknowledged(
      () => replicas.filter((r) => !down.has(r.name)).map((r) => r.url),
      { method: 'POST', path, token, body },
      { n, ok: [201, 202], label: path, refusals },
    );
  // Paced (each writer at most ~6 writes/s) and capped, so that the load spans every fault on a fast
  // machine as on a slow one, and every dossier fits one page of the queue (500).
  const MAX_WRITES = 660;
  let n = 0;
  const writer = async () => {
    while (!stop) {
      if (n >= MAX_WRITES) {
        await sleep(100);
        continue;
      }
      const i = n++;
      await sleep(150);
      if (i % 3 === 2) {
        const res = await write('/v1/documents', sender, sampleDocument(i, SENDER, AGENCY), i);
        acknowledged.documents.set(res.body.documentId as string, `${i}`);
      } else {
        const receipt = { procedureCode: PROCEDURE, agencyId: AGENCY, applicant: { name: `Người nộp ${i}` }, channel: 'counter' };
        const res = await write('/v1/dossiers', clerk, receipt, i);
        acknowledged.dossiers.set(res.body.dossierCode as string, `${i}`);
      }
    }
  };
  const writers = Promise.all(Array.from({ length: 4 }, writer));
  t.teardown(() => {
    stop = true; // a failed assertion ends the test: the writers stop too
  });

  // 3. the faults, one after the other while the load runs
  await sleep(3000);
  const b = replicas[1]!;
  down.add('b');
  b.child.kill('SIGKILL');
  t.comment(`replica b killed (-9) after ${n} writes`);
  await sleep(2000);
  replicas[1] = await startReplica(deployment, root, 'b');
  down.delete('b');
  t.comment(`replica b back after ${n} writes`);
  await sleep(2000);
  await killNatsNodeThenRestartPostgres(t, cluster, pg, () => n);
  stop = true;
  await writers;
  t.comment(`${n} writes acknowledged; refused on the way (then retried): ${JSON.stringify(Object.fromEntries(refusals))}`);
  t.ok(
    acknowledged.dossiers.size > 10 && acknowledged.documents.size > 3,
    `load went on: ${acknowledged.dossiers.size} dossiers, ${acknowledged.documents.size} documents`,
  );

  // 4. lag recovers on both replicas
  for (const replica of replicas)
    await eventually(
      async () => {
        const res = await call(replica.url, 'GET', '/v1/admin/projections', ADMIN_TOKEN);
        return res.status === 200 && (res.body.items as Array<{ lag: number }>).every((p) => p.lag === 0);
      },
      30_000,
      `${replica.name}'s read models caught up`,
    );

  // 5. every acknowledged write is there, once
  const streams = await dossierStreams(a.url);
  t.same(
    streams.sort(),
    [...acknowledged.dossiers.keys()].map((c) => `dossier-${c}`).sort(),
    'one dossier stream per acknowledged receipt, no more',
  );
  const queue = async (replica: Replica) =>
    ((await call(replica.url, 'GET', `/v1/dossiers?agencyId=${AGENCY}&limit=500`, clerk)).body.items as Array<{ dossierCode: string }>)
      .map((d) => d.dossierCode)
      .sort();
  for (const replica of replicas)
    t.same(await queue(replica), [...acknowledged.dossiers.keys()].sort(), `${replica.name}'s queue holds every dossier once`);
  const inbox = async (replica: Replica) =>
    ((await call(replica.url, 'GET', `/v1/inbox?organId=${AGENCY}&limit=1000`, recipient)).body.items as Array<{ documentId: string }>)
      .map((d) => d.documentId)
      .sort();
  for (const replica of replicas)
    t.same(
      await inbox(replica),
      [...acknowledged.documents.keys()].sort(),
      `${replica.name}'s inbox: one delivery per acknowledged document`,
    );

  // 6. read models agree with a rebuild; the store's chains hold
  const names = ((await call(a.url, 'GET', '/v1/admin/projections', ADMIN_TOKEN)).body.items as Array<{ name: string }>).map((p) => p.name);
  const before = { queue: await queue(a), inbox: await inbox(a) };
  for (const name of names)
    t.equal((await call(a.url, 'POST', `/v1/admin/projections/${name}/rebuild`, ADMIN_TOKEN)).status, 200, `${name} rebuilt`);
  t.same({ queue: await queue(a), inbox: await inbox(a) }, before, 'the rebuilt read models answer the same');
  const verified = await call(a.url, 'POST', '/v1/admin/audit/verify', ADMIN_TOKEN, {});
  t.equal(verified.body.ok, true, `hash chains hold: ${JSON.stringify(verified.body)}`);
});
