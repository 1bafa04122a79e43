/**
 * The whole hub on PostgreSQL (`LT_EVENTSTORE=postgres://…`, a real server from startPostgres, the
 * hub a real process from the sources): a document submitted, delivered and acknowledged, a
 * dossier received; then PostgreSQL stopped in the middle of a burst of writes. Every write answers
 * 2xx or 503 problem+json, never anything else; while it is down writes answer 503 and readiness
 * fails; after it returns, each refused write retried with its Idempotency-Key succeeds, and
 * nothing is there twice or half: one dossier per key, one delivery per document, the hash chains
 * intact.
 */
import { join } from 'node:path';
import t from 'tap';
import { eventually, requirePostgres, startPostgres, startServer, tempDir } from '@lienthong/testing';
import { HUB_SOURCE } from './test/replicas.js';

const ADMIN = 'postgres-e2e-admin-token-0123456789';
const AGENCY = '000.00.12.H40';
const SENDER = '000.00.00.H40';
const PROCEDURE = '1.004227';

interface Answer {
  readonly status: number;
  readonly type: string;
  readonly body: any;
}

async function call(base: string, method: string, path: string, token: string | null, body?: unknown, key?: string): Promise<Answer> {
  try {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...(key ? { 'idempotency-key': key } : {}),
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      signal: AbortSignal.timeout(30_000),
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // not JSON: kept as text
    }
    return { status: res.status, type: res.headers.get('content-type') ?? '', body: parsed };
  } catch (error) {
    return { status: 0, type: '', body: String(error) };
  }
}

const document = (subject: string) => ({
  header: {
    from: { organId: SENDER, organName: 'UBND tỉnh' },
    to: [{ organId: AGENCY, organName: 'UBND huyện' }],
    code: { codeNumber: '12', codeNotation: 'UBND-VP' },
    promulgationInfo: { place: 'Nha Trang', promulgationDate: '2026-11-20' },
    documentType: { type: 1, typeName: 'Công văn' },
    subject,
    signerInfo: { position: 'Chánh Văn phòng', fullName: 'Nguyễn Văn A' },
    toPlaces: [],
    otherInfo: { priority: 0, appendixes: [] },
    responseFor: [],
  },
  traceHeaders: [{ organId: SENDER, timestamp: '2026-11-20T08:00:00+07:00' }],
  attachments: [],
});
const receipt = { procedureCode: PROCEDURE, agencyId: AGENCY, applicant: { name: 'Nguyễn Văn An' }, channel: 'counter' };

t.test('the hub on PostgreSQL: documents and dossiers, PostgreSQL stopped mid-burst and started again', async (t) => {
  if (!requirePostgres(t)) return;
  const pg = await startPostgres();
  t.teardown(() => pg.stop());
  const root = tempDir(t, 'lt-hub-pg-');
  const hub = await startServer(
    ['--import', 'tsx', HUB_SOURCE],
    {
      LT_DATA_DIR: join(root, 'data'),
      LT_PORT: '0',
      LT_HOST: '127.0.0.1',
      LT_LOG_LEVEL: 'info',
      LT_EVENTSTORE: await pg.createDatabase('hub'),
      LT_SECRETS_DIR: join(root, 'secrets'),
      LT_INIT_SECRETS: '1',
      LT_ADMIN_TOKEN: ADMIN,
      LT_PARSE_WORKERS: '0',
    },
    120_000,
  );
  t.teardown(() => hub.stop());
  const base = hub.url;

  // 1. directory, credentials, catalog
  t.equal((await call(base, 'POST', '/v1/admin/agencies', ADMIN, { organId: AGENCY, name: 'UBND huyện', level: 'district' })).status, 201);
  t.equal((await call(base, 'POST', '/v1/admin/agencies', ADMIN, { organId: SENDER, name: 'UBND tỉnh', level: 'province' })).status, 201);
  const clerk = (await call(base, 'POST', '/v1/admin/staff', ADMIN, { agencyId: AGENCY, name: 'Cán bộ', roles: ['clerk', 'officer'] }))
    .body as { token: string };
  const system = async (organIds: string[]) =>
    ((await call(base, 'POST', '/v1/admin/systems', ADMIN, { name: 'Hệ thống', vendor: 'VNPT', organIds })).body as { token: string })
      .token;
  const sender = await system([SENDER]);
  const recipient = await system([AGENCY]);
  const procedure = { name: 'Đăng ký khai sinh', field: 'Hộ tịch', agencyLevels: ['district'], processingDays: 3, onlineLevel: 'partial' };
  t.equal((await call(base, 'PUT', `/v1/catalog/procedures/${PROCEDURE}`, ADMIN, procedure)).status, 201);
  await eventually(
    async () => (await call(base, 'POST', '/v1/dossiers', clerk.token, receipt, 'warm-0')).status === 201,
    20_000,
    'first receipt',
  );

  // 2. a document submitted, delivered, acknowledged
  const sent = await call(base, 'POST', '/v1/documents', sender, document('Trước khi dừng'), 'doc-0');
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
  const burst = Promise.all(writes.map((w) => call(base, 'POST', w.path, w.token, w.body, w.key)));
  await pg.stop();
  const first = await burst;
  for (const [i, answer] of first.entries())
    t.ok(
      (answer.status >= 200 && answer.status < 300) || (answer.status === 503 && answer.type.startsWith('application/problem+json')),
      `${writes[i]!.key}: ${answer.status} ${answer.status === 503 ? answer.type : ''}`,
    );

  // 4. while it is down: writes 503 problem+json naming the store, readiness fails
  const down = await call(base, 'POST', '/v1/dossiers', clerk.token, receipt, 'while-down');
  t.equal(down.status, 503, `a receipt while PostgreSQL is down: 503 (${JSON.stringify(down.body)})`);
  t.match(down.type, /^application\/problem\+json/);
  t.match(down.body, { status: 503, type: String, title: String, detail: /PostgreSQL|event store/i }, 'the problem names the store');
  const downDoc = await call(base, 'POST', '/v1/documents', sender, document('Khi dừng'), 'doc-down');
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
        answer = await call(base, 'POST', w.path, w.token, w.body, w.key);
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
