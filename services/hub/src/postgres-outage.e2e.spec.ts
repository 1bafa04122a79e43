/**
 * Writes in flight while PostgreSQL stops (fast shutdown), crashes (immediate) and comes back, at
 * several points of a steady load: the hub (a real process on `LT_EVENTSTORE=postgres://…`) answers
 * every write within a bound, 2xx or 503 problem+json, never a hang, a dropped connection or a
 * 500; after the server returns each refused write, retried with its Idempotency-Key, succeeds
 * once, and the hash chains verify.
 */
import { join } from 'node:path';
import t from 'tap';
import { eventually, requirePostgres, startPostgres, startServer, tempDir } from '@lienthong/testing';
import { HUB_SOURCE } from './test/replicas.js';

const ADMIN = 'postgres-outage-admin-token-0123456789';
const AGENCY = '000.00.12.H40';
const SENDER = '000.00.00.H40';
const PROCEDURE = '1.004227';
/** Every write answers within this (ms): the store's connect timeout is 5 s. */
const ANSWER_BOUND_MS = 10_000;

interface Answer {
  readonly status: number;
  readonly type: string;
  readonly body: any;
  readonly ms: number;
}

async function call(base: string, method: string, path: string, token: string | null, body?: unknown, key?: string): Promise<Answer> {
  const started = performance.now();
  try {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...(key ? { 'idempotency-key': key } : {}),
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      signal: AbortSignal.timeout(ANSWER_BOUND_MS * 2),
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // not JSON: kept as text
    }
    return { status: res.status, type: res.headers.get('content-type') ?? '', body: parsed, ms: performance.now() - started };
  } catch (error) {
    return { status: 0, type: '', body: String(error), ms: performance.now() - started };
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

interface Write {
  readonly key: string;
  readonly path: string;
  readonly token: string;
  readonly body: unknown;
  readonly answers: Answer[];
  /** 'up' before the stop was asked, 'down' after, 'back' once the server started again. */
  readonly phase: string;
}

t.test('PostgreSQL stopped, crashed and started again under steady writes: every write answered in time, 2xx or 503', async (t) => {
  if (!requirePostgres(t)) return;
  const pg = await startPostgres();
  t.teardown(() => pg.stop());
  const root = tempDir(t, 'lt-hub-pg-outage-');
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
  const sender = (
    (await call(base, 'POST', '/v1/admin/systems', ADMIN, { name: 'Hệ thống', vendor: 'VNPT', organIds: [SENDER] })).body as {
      token: string;
    }
  ).token;
  const procedure = { name: 'Đăng ký khai sinh', field: 'Hộ tịch', agencyLevels: ['district'], processingDays: 3, onlineLevel: 'partial' };
  t.equal((await call(base, 'PUT', `/v1/catalog/procedures/${PROCEDURE}`, ADMIN, procedure)).status, 201);
  await eventually(
    async () => (await call(base, 'POST', '/v1/dossiers', clerk.token, receipt, 'warm-0')).status === 201,
    20_000,
    'first receipt',
  );

  // 2. outages at several points of a steady load: writers keep sending new keyed writes throughout
  const writes: Write[] = [];
  const outages: Array<{ how: 'stop' | 'crash'; afterMs: number }> = [
    { how: 'stop', afterMs: 0 },
    { how: 'crash', afterMs: 120 },
    { how: 'stop', afterMs: 400 },
    { how: 'crash', afterMs: 30 },
  ];
  for (const [round, outage] of outages.entries()) {
    let phase = 'up';
    let running = true;
    let n = 0;
    const writer = async (w: number): Promise<void> => {
      while (running) {
        const i = n++;
        const dossier = (w + i) % 3 !== 0;
        const write: Write = {
          key: `r${round}-w${w}-${i}`,
          path: dossier ? '/v1/dossiers' : '/v1/documents',
          token: dossier ? clerk.token : sender,
          body: dossier ? receipt : document(`Văn bản ${round}-${w}-${i}`),
          answers: [],
          phase,
        };
        writes.push(write);
        write.answers.push(await call(base, 'POST', write.path, write.token, write.body, write.key));
        if (phase === 'down') await new Promise((r) => setTimeout(r, 50));
      }
    };
    const writers = Promise.all(Array.from({ length: 6 }, (_, w) => writer(w)));
    await new Promise((r) => setTimeout(r, outage.afterMs));
    phase = 'down';
    await (outage.how === 'stop' ? pg.stop() : pg.crash());
    await new Promise((r) => setTimeout(r, 1_500));
    await pg.start();
    phase = 'back';
    await eventually(
      async () => writes.some((w) => w.phase === 'back' && w.answers.some((a) => a.status >= 200 && a.status < 300)),
      30_000,
      `round ${round}: writes succeed again`,
    );
    running = false;
    await writers;
  }

  // 3. every answer in time, 2xx or 503 problem+json
  const answers = writes.flatMap((w) => w.answers.map((a) => ({ w, a })));
  const wrong = answers.filter(
    ({ a }) =>
      a.ms > ANSWER_BOUND_MS ||
      !(
        (a.status >= 200 && a.status < 300) ||
        (a.status === 503 && a.type.startsWith('application/problem+json') && a.body?.status === 503)
      ),
  );
  t.same(
    wrong.map(
      ({ w, a }) => `${w.key} (${w.phase}) ${w.path}: ${a.status} in ${Math.round(a.ms)} ms ${JSON.stringify(a.body).slice(0, 200)}`,
    ),
    [],
    `every write answered within ${ANSWER_BOUND_MS} ms, 2xx or 503 problem+json (${answers.length} answers)`,
  );
  const refused = writes.filter((w) => !(w.answers[0]!.status >= 200 && w.answers[0]!.status < 300));
  t.ok(refused.length > 0, `writes were refused while the server was down (${refused.length})`);
  t.comment(`slowest answer ${Math.round(Math.max(...answers.map(({ a }) => a.ms)))} ms; ${refused.length} refused of ${writes.length}`);

  // 4. each refused write succeeds on retry with its key; each write once
  for (const w of refused) {
    await eventually(
      async () => {
        const a = await call(base, 'POST', w.path, w.token, w.body, w.key);
        w.answers.push(a);
        return a.status >= 200 && a.status < 300;
      },
      30_000,
      `${w.key} succeeds after the server returned`,
    );
  }
  const dossiers = writes.filter((w) => w.path === '/v1/dossiers');
  const codes = new Set(dossiers.map((w) => (w.answers.find((a) => a.status === 201)?.body as { dossierCode?: string })?.dossierCode));
  t.equal(codes.size, dossiers.length, 'one dossier per key');
  t.notOk(codes.has(undefined), 'every keyed receipt answered with its code');
  for (const w of dossiers.slice(0, 5)) {
    const again = await call(base, 'POST', w.path, w.token, w.body, w.key);
    t.equal(
      (again.body as { dossierCode: string }).dossierCode,
      (w.answers.find((a) => a.status === 201)?.body as { dossierCode: string }).dossierCode,
      `${w.key}: a replay answers the same code`,
    );
  }
  const verified = await call(base, 'POST', '/v1/admin/audit/verify', ADMIN, {});
  t.match(verified.body, { ok: true }, `every hash chain verifies (${JSON.stringify(verified.body).slice(0, 300)})`);
});
