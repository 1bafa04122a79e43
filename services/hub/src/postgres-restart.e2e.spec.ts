/**
 * The whole hub on PostgreSQL (`LT_EVENTSTORE=postgres://…`, a real server from startPostgres, the
 * hub a real process from the sources): a document submitted, delivered and acknowledged, a
 * dossier received; then PostgreSQL stopped in the middle of a burst of writes. Every write answers
 * 2xx or 503 problem+json, never anything else; while it is down writes answer 503 and readiness
 * fails; after it returns, each refused write retried with its Idempotency-Key succeeds, and
 * nothing is there twice or half: one dossier per key, one delivery per document, the hash chains
 * intact.
 */
import t from 'tap';
import { eventually, requirePostgres, startPostgres } from '@lienthong/testing';
import { receipt, setUpDirectory, startHubOnPostgres } from './test/hub-on-postgres.js';
import { AGENCY, SENDER, call, sampleDocument, type Answer } from './test/replicas.js';

const ADMIN = 'postgres-e2e-admin-token-0123456789';

const document = (subject: string) => sampleDocument(12, SENDER, AGENCY, subject);

t.test('the hub on PostgreSQL: documents and dossiers, PostgreSQL stopped mid-burst and started again', async (t) => {
  if (!requirePostgres(t)) return;
  const pg = await startPostgres();
  t.teardown(() => pg.stop());
  const hub = await startHubOnPostgres(t, await pg.createDatabase('hub'), 'lt-hub-pg-', ADMIN);
  const base = hub.url;

  // 1. directory, credentials, catalog
  const { clerk, system } = await setUpDirectory(t, base, ADMIN);
  const sender = await system([SENDER]);
  const recipient = await system([AGENCY]);

  // 2. a document submitted, delivered, acknowledged
  const sent = await call(base, 'POST', '/v1/documents', sender, document('Trước khi dừng'), { 'idempotency-key': 'doc-0' });
  t.equal(sent.status, 202, JSON.stringify(sent.body));
  const deliveryId = (sent.body as { recipients: Array<{ deliveryId: string }> }).recipients[0]!.deliveryId;
  await eventually(
    async () => JSON.stringify((await call(base, 'GET', `/v1/inbox?organId=${AGENCY}`, recipient)).body).includes(deliveryId),
    15_000,
    'the delivery is in the inbox',
  );
  t.equal((await call(base, 'GET', `/v1/deliveries/${deliveryId}/content?format=json`, recipient)).status, 200, 'content delivered');
  t.equal((await call(base, 'POST', `/v1/deliveries/${deliveryId}/ack`, recipient)).status, 204, 'acknowledged');

  // 3. a burst of writes, PostgreSQL stopped while it runs: each answer is 2xx or 503 problem+json
  const writes = [
    ...Array.from({ length: 8 }, (_, i) => ({ key: `dossier-${i}`, path: '/v1/dossiers', token: clerk.token, body: receipt as unknown })),
    ...Array.from({ length: 4 }, (_, i) => ({
      key: `doc-${i + 1}`,
      path: '/v1/documents',
      token: sender,
      body: document(`Văn bản ${i + 1}`),
    })),
  ];
  const burst = Promise.all(writes.map((w) => call(base, 'POST', w.path, w.token, w.body, { 'idempotency-key': w.key })));
  await pg.stop();
  const first = await burst;
  for (const [i, answer] of first.entries())
    t.ok(
      (answer.status >= 200 && answer.status < 300) || (answer.status === 503 && answer.type.startsWith('application/problem+json')),
      `${writes[i]!.key}: ${answer.status} ${answer.status === 503 ? answer.type : ''}`,
    );

  // 4. while it is down: writes 503 problem+json naming the store, readiness fails
  const down = await call(base, 'POST', '/v1/dossiers', clerk.token, receipt, { 'idempotency-key': 'while-down' });
  t.equal(down.status, 503, `a receipt while PostgreSQL is down: 503 (${JSON.stringify(down.body)})`);
  t.match(down.type, /^application\/problem\+json/);
  t.match(down.body, { status: 503, type: String, title: String, detail: /PostgreSQL|event store/i }, 'the problem names the store');
  const downDoc = await call(base, 'POST', '/v1/documents', sender, document('Khi dừng'), { 'idempotency-key': 'doc-down' });
  t.equal(downDoc.status, 503, `a document while PostgreSQL is down: 503 (${JSON.stringify(downDoc.body)})`);
  t.equal((await call(base, 'GET', '/health/ready', null)).status, 503, 'not ready while the store is down');

  // 5. started again: the hub is ready again without a restart, and every refused write succeeds on retry
  await pg.start();
  await eventually(async () => (await call(base, 'GET', '/health/ready', null)).status === 200, 30_000, 'ready again');
  const all = [...writes, { key: 'while-down', path: '/v1/dossiers', token: clerk.token, body: receipt as unknown }];
  all.push({ key: 'doc-down', path: '/v1/documents', token: sender, body: document('Khi dừng') });
  const codes = new Set<string>();
  const documents = new Set<string>();
  for (const w of all) {
    let answer: Answer | undefined;
    await eventually(
      async () => {
        answer = await call(base, 'POST', w.path, w.token, w.body, { 'idempotency-key': w.key });
        return answer.status >= 200 && answer.status < 300;
      },
      30_000,
      `${w.key} succeeds after PostgreSQL returned`,
    );
    if (w.path === '/v1/dossiers') codes.add((answer!.body as { dossierCode: string }).dossierCode);
    else documents.add((answer!.body as { documentId: string }).documentId);
  }
  t.equal(codes.size, 9, 'one dossier per key (8 in the burst, 1 while down)');
  t.equal(documents.size, 5, 'one document per key');

  // 6. nothing twice, nothing half: the read models hold exactly those, and every chain verifies
  await eventually(
    async () => {
      const listed = (await call(base, 'GET', `/v1/dossiers?agencyId=${AGENCY}&limit=100`, clerk.token)).body as {
        items?: Array<{ dossierCode: string }>;
      };
      const found = new Set((listed.items ?? []).map((d) => d.dossierCode));
      return [...codes].every((c) => found.has(c)) && found.size === codes.size + 1; // + the receipt of step 1
    },
    20_000,
    'the dossier list holds each acknowledged receipt once',
  );
  for (const code of codes) t.equal((await call(base, 'GET', `/v1/dossiers/${code}`, clerk.token)).status, 200, `${code} is whole`);
  await eventually(
    async () => {
      const inbox = (await call(base, 'GET', `/v1/inbox?organId=${AGENCY}&limit=100`, recipient)).body as {
        items?: Array<{ documentId: string }>;
      };
      const ids = (inbox.items ?? []).map((d) => d.documentId);
      return ids.length === documents.size && [...documents].every((id) => ids.includes(id));
    },
    20_000,
    'each new document waits in the inbox once',
  );
  const verified = await call(base, 'POST', '/v1/admin/audit/verify', ADMIN, {});
  t.equal(verified.status, 200);
  t.match(verified.body, { ok: true }, `every hash chain verifies (${JSON.stringify(verified.body)})`);
});
