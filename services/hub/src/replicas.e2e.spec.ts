import { join } from 'node:path';
import t from 'tap';
import { eventually, requireNatsServer, requirePostgres, startNatsServer, startPostgres, tempDir } from '@lienthong/testing';
import { ADMIN_TOKEN, call, openSocket, sampleDocument, startReplica, type Deployment } from './test/replicas.js';

const AGENCY = '000.00.12.H40';
const SENDER = '000.00.00.H40';
const PROCEDURE = '1.004227';

t.test('two hub replicas on one PostgreSQL store and one NATS server', async (t) => {
  if (!requirePostgres(t) || !requireNatsServer(t)) return;
  const pg = await startPostgres();
  t.teardown(() => pg.stop());
  const nats = await startNatsServer({ jetstream: true });
  t.teardown(() => nats.stop());
  const root = tempDir(t, 'lt-replicas-');
  const deployment: Deployment = { store: await pg.createDatabase('replicas'), nats: nats.url, secretsDir: join(root, 'secrets') };

  // 1. secrets: none → refused; the first replica creates them; a replica with another set is refused
  await t.rejects(startReplica(deployment, root, 'no-secrets'), /lacks pin-hmac\.key.*LT_INIT_SECRETS=1/s, 'no secrets, no start');
  const a = await startReplica(deployment, root, 'a', { init: true });
  t.teardown(() => a.stop());
  const b = await startReplica(deployment, root, 'b');
  t.teardown(() => b.stop());
  await t.rejects(
    startReplica({ ...deployment, secretsDir: join(root, 'other-secrets') }, root, 'c', { init: true }),
    /are not this deployment's/,
    'a replica with another secret set refuses to start',
  );

  // 2. the directory's routes on both replicas; each one's writes seen by the other
  t.equal(
    (await call(a.url, 'POST', '/v1/admin/agencies', ADMIN_TOKEN, { organId: AGENCY, name: 'UBND huyện', level: 'district' })).status,
    201,
  );
  const viaB = await call(b.url, 'POST', '/v1/admin/agencies', ADMIN_TOKEN, { organId: SENDER, name: 'UBND tỉnh', level: 'province' });
  t.equal(viaB.status, 201, `replica B serves the directory's routes: ${JSON.stringify(viaB.body)}`);
  await eventually(async () => (await call(a.url, 'GET', `/v1/agencies/${SENDER}`, ADMIN_TOKEN)).status === 200, 10_000, 'A sees B');
  await eventually(async () => (await call(b.url, 'GET', `/v1/agencies/${AGENCY}`, ADMIN_TOKEN)).status === 200, 10_000, 'B sees A');
  const staff = async (roles: string[]) => {
    const res = await call(a.url, 'POST', '/v1/admin/staff', ADMIN_TOKEN, { agencyId: AGENCY, name: 'Cán bộ', roles });
    t.equal(res.status, 201);
    return res.body as { staffId: string; token: string };
  };
  const clerk = await staff(['clerk', 'officer', 'leader']);
  const procedure = { name: 'Đăng ký khai sinh', field: 'Hộ tịch', agencyLevels: ['district'], processingDays: 3, onlineLevel: 'partial' };
  t.equal((await call(b.url, 'PUT', `/v1/catalog/procedures/${PROCEDURE}`, ADMIN_TOKEN, procedure)).status, 201, 'the catalog through B');

  // 3. concurrent receipts at one agency through both replicas: distinct codes, one dense sequence
  const receipt = { procedureCode: PROCEDURE, agencyId: AGENCY, applicant: { name: 'Nguyễn Văn An' }, channel: 'counter' };
  for (const replica of [a, b])
    await eventually(
      async () => (await call(replica.url, 'GET', `/v1/catalog/procedures/${PROCEDURE}`, null)).status === 200,
      15_000,
      `${replica.name} has the procedure`,
    );
  const receipts = await Promise.all(
    Array.from({ length: 24 }, (_, i) => eventuallyCreated(i % 2 === 0 ? a.url : b.url, clerk.token, receipt)),
  );
  const codes = receipts.map((r) => r.dossierCode as string);
  t.equal(new Set(codes).size, codes.length, 'every receipt got its own code');
  const numbers = codes.map((c) => Number(c.slice(-4))).sort((x, y) => x - y);
  t.same(
    numbers,
    Array.from({ length: 24 }, (_, i) => i + 1),
    'the agency-day sequence is dense: 1…24',
  );

  // 4. a receipt through A: its PIN checks on B (the same secrets), B's board sees A's change live
  const board = await openSocket(`${b.url.replace(/^http/, 'ws')}/v1/track/live?agencyId=${AGENCY}`, clerk.token);
  t.teardown(() => board.close());
  await board.next((m) => m.type === 'snapshot');
  const first = receipts[0]!;
  await eventually(
    async () => (await call(b.url, 'GET', `/v1/track/${first.dossierCode}?pin=${first.lookupPin}`, null)).status === 200,
    15_000,
    'B checks the PIN issued by A',
  );
  const accepted = await call(a.url, 'POST', `/v1/dossiers/${first.dossierCode}/actions/accept`, clerk.token, {});
  t.equal(accepted.status, 200);
  const pushed = await board.next((m) => m.type === 'dossier' && m.dossierCode === first.dossierCode && m.statusCode === 2);
  t.equal(pushed.agencyId ?? AGENCY, AGENCY, 'the board socket on B got the change made through A');

  // a browser's ticket asked from A opens the board on B (signed with the deployment's key), once
  const issued = await call(a.url, 'POST', '/v1/track/tickets', clerk.token, { agencyId: AGENCY });
  t.equal(issued.status, 201);
  const byTicket = await openSocket(`${b.url.replace(/^http/, 'ws')}/v1/track/live?ticket=${issued.body.ticket}`, '');
  t.teardown(() => byTicket.close());
  t.equal((await byTicket.next((m) => m.type === 'snapshot')).agencyId, AGENCY, "A's ticket opened a board on B");
  await t.rejects(openSocket(`${b.url.replace(/^http/, 'ws')}/v1/track/live?ticket=${issued.body.ticket}`, ''), /401/, 'used once on B');

  // 5. document delivery stream: sent through A, pushed by B
  const system = async (organIds: string[]) => {
    const res = await call(b.url, 'POST', '/v1/admin/systems', ADMIN_TOKEN, { name: 'Hệ thống', vendor: 'VNPT', organIds });
    t.equal(res.status, 201);
    return res.body as { token: string };
  };
  const sender = await system([SENDER]);
  const recipient = await system([AGENCY]);
  await eventually(async () => (await call(a.url, 'GET', '/v1/inbox', sender.token)).status === 200, 10_000, 'A knows the sender');
  const stream = await openSocket(`${b.url.replace(/^http/, 'ws')}/v1/stream?organId=${AGENCY}`, recipient.token);
  t.teardown(() => stream.close());
  const document = sampleDocument(12, SENDER, AGENCY, 'Về việc liên thông giữa hai bản sao');
  const sent = await call(a.url, 'POST', '/v1/documents', sender.token, document);
  t.equal(sent.status, 202, JSON.stringify(sent.body));
  const delivered = await stream.next((m) => m.type === 'delivery' && m.delivery?.documentId === sent.body.documentId);
  t.equal(delivered.delivery.to, AGENCY, 'the delivery stream on B pushed the document sent through A');

  // 6. a token revoked through A is refused by B, and B's socket opened with it is closed
  const leaving = await staff(['clerk']);
  await eventually(
    async () => (await call(b.url, 'GET', `/v1/dossiers?agencyId=${AGENCY}`, leaving.token)).status === 200,
    10_000,
    'B knows the new staff token',
  );
  const theirBoard = await openSocket(`${b.url.replace(/^http/, 'ws')}/v1/track/live?agencyId=${AGENCY}`, leaving.token);
  t.teardown(() => theirBoard.close());
  await theirBoard.next((m) => m.type === 'snapshot');
  t.equal((await call(a.url, 'POST', `/v1/admin/staff/${leaving.staffId}/revoke`, ADMIN_TOKEN, { reason: 'nghỉ việc' })).status, 200);
  const revokedAt = Date.now();
  await eventually(
    async () => (await call(b.url, 'GET', `/v1/dossiers?agencyId=${AGENCY}`, leaving.token)).status === 401,
    10_000,
    'B refuses the revoked token',
  );
  // A second is the goal on a quiet machine; this one is shared, so the time is reported, not asserted.
  t.comment(`B refused the token ${Date.now() - revokedAt} ms after A's revoke returned`);
  t.equal(await theirBoard.closed, 1008, "B closed the revoked holder's board socket (1008)");
  t.equal((await call(b.url, 'GET', `/v1/dossiers?agencyId=${AGENCY}`, clerk.token)).status, 200, 'other tokens still work');

  // 7. every read model rebuilt on A and B at the same time, with receipts going on: no harm done
  const names = ((await call(a.url, 'GET', '/v1/admin/projections', ADMIN_TOKEN)).body.items as Array<{ name: string }>).map((p) => p.name);
  t.ok(names.includes('directory') && names.length > 3, `read models: ${names.join(', ')}`);
  const rebuilds = Promise.all(
    [a, b].flatMap((replica) => names.map((name) => call(replica.url, 'POST', `/v1/admin/projections/${name}/rebuild`, ADMIN_TOKEN))),
  );
  const more = await Promise.all(Array.from({ length: 6 }, (_, i) => eventuallyCreated(i % 2 === 0 ? a.url : b.url, clerk.token, receipt)));
  const rebuilt = await rebuilds;
  t.same(
    rebuilt.map((r) => r.status),
    rebuilt.map(() => 200),
    'every rebuild on both replicas succeeded',
  );

  // 8. a service started alone on the deployment serves the directory's routes too
  const dossiersAlone = await startReplica(deployment, root, 'dossiers-alone', { entry: 'services/dossiers/src/main.ts' });
  t.teardown(() => dossiersAlone.stop());
  const third = await call(dossiersAlone.url, 'POST', '/v1/admin/agencies', ADMIN_TOKEN, { organId: '000.00.13.H40', name: 'UBND xã' });
  t.equal(third.status, 201, `the dossiers service alone registers an agency: ${JSON.stringify(third.body)}`);
  await eventually(async () => (await call(a.url, 'GET', '/v1/agencies/000.00.13.H40', ADMIN_TOKEN)).status === 200, 10_000, 'A sees it');

  // 9. a replica started now catches up from the store; all three agree with each other
  const late = await startReplica(deployment, root, 'late');
  t.teardown(() => late.stop());
  const queue = async (base: string) =>
    ((await call(base, 'GET', `/v1/dossiers?agencyId=${AGENCY}&limit=500`, clerk.token)).body?.items ?? [])
      .map((d: { dossierCode: string; statusCode: number }) => `${d.dossierCode}:${d.statusCode}`)
      .sort();
  const expected = [...codes, ...more.map((r) => r.dossierCode as string)].length;
  for (const replica of [a, b, late])
    await eventually(async () => (await queue(replica.url)).length === expected, 20_000, `${replica.name} lists all ${expected} dossiers`);
  const [onA, onB, onLate] = await Promise.all([a, b, late].map((r) => queue(r.url)));
  t.same(onB, onA, 'B lists what A lists');
  t.same(onLate, onA, 'the late replica, built from the store, lists the same');
});

/** POST /v1/dossiers until 201 (a replica still catching up answers 422 unknown agency or procedure for a moment). */

async function eventuallyCreated(base: string, token: string, body: unknown): Promise<any> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const res = await call(base, 'POST', '/v1/dossiers', token, body);
    if (res.status === 201) return res.body;
    if (Date.now() > deadline || ![401, 422, 503].includes(res.status))
      throw new Error(`POST /v1/dossiers on ${base} → ${res.status} ${JSON.stringify(res.body)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
