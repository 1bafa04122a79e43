import { join } from 'node:path';
import t from 'tap';
import {
  REPO_ROOT,
  eventually,
  requireNatsServer,
  requirePostgres,
  startNatsServer,
  startPostgres,
  startServer,
  tempDir,
  type StartedServer,
} from '@lienthong/testing';

const ADMIN = 'reporting-replicas-admin-token-0123';

interface Answer {
  status: number;
  body: any;
  cookie: string | null;
}

async function call(base: string, method: string, path: string, headers: Record<string, string>, body?: unknown): Promise<Answer> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { ...headers, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null, cookie: res.headers.get('set-cookie') };
}
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/**
 * Two processes of the reporting service alone (`src/main.ts`) on one PostgreSQL store and one
 * NATS server, sharing the deployment's secrets: a ticket asked from one opens the page on the
 * other, the page's cookie reads on both, and the single use holds on the process that took it.
 */
t.test('a /bao-cao ticket from one reporting process opens the page on another', async (t) => {
  if (!requirePostgres(t) || !requireNatsServer(t)) return;
  const pg = await startPostgres();
  t.teardown(() => pg.stop());
  const nats = await startNatsServer({ jetstream: true });
  t.teardown(() => nats.stop());
  const root = tempDir(t, 'lt-reporting-replicas-');
  const store = await pg.createDatabase('reporting_replicas');
  const start = async (name: string, init: boolean): Promise<StartedServer> => {
    const server = await startServer(
      ['--import', 'tsx', join(REPO_ROOT, 'services/reporting/src/main.ts')],
      {
        LT_DATA_DIR: join(root, name),
        LT_PORT: '0',
        LT_HOST: '127.0.0.1',
        LT_LOG_LEVEL: 'info',
        LT_EVENTSTORE: store,
        LT_NATS_URL: nats.url,
        LT_SECRETS_DIR: join(root, 'secrets'),
        LT_ADMIN_TOKEN: ADMIN,
        LT_PARSE_WORKERS: '0',
        LT_NATS_CONSUMER_EXPIRY_S: '30',
        ...(init ? { LT_INIT_SECRETS: '1' } : {}),
      },
      120_000,
    );
    t.teardown(() => server.stop());
    return server;
  };
  const a = await start('a', true);
  t.comment(`A listening after ${Math.round(a.readyMs)} ms`);
  const b = await start('b', false);
  t.comment(`B listening after ${Math.round(b.readyMs)} ms`);

  // 1. through A: the agencies, a district leader, an indicator and a monthly regime
  for (const agency of [
    { organId: 'H40', name: 'UBND tỉnh', level: 'province' },
    { organId: 'H40.01', name: 'UBND huyện', level: 'district', parentId: 'H40' },
  ])
    t.equal((await call(a.url, 'POST', '/v1/admin/agencies', bearer(ADMIN), agency)).status, 201);
  const staff = await call(a.url, 'POST', '/v1/admin/staff', bearer(ADMIN), { agencyId: 'H40.01', name: 'Lãnh đạo', roles: ['leader'] });
  t.equal(staff.status, 201);
  const leader = bearer(staff.body.token as string);
  const indicator = { name: 'Dân số', unit: 'người', kind: 'integer', aggregation: 'sum' };
  t.equal((await call(a.url, 'PUT', '/v1/reporting/indicators/pop', bearer(ADMIN), indicator)).status, 201);
  const regime = {
    name: 'Báo cáo tháng',
    legalBasis: 'Nghị định 09/2019/NĐ-CP',
    frequency: 'monthly',
    indicators: ['pop'],
    levels: ['district'],
  };
  t.equal((await call(a.url, 'PUT', '/v1/reporting/regimes/KTXH', bearer(ADMIN), regime)).status, 201);
  let period = '';
  await eventually(
    async () => {
      period = ((await call(b.url, 'GET', '/v1/reporting/regimes/KTXH', {})).body?.periods ?? [])[0] ?? '';
      return period !== '' && (await call(b.url, 'GET', `/v1/reporting/status?regime=KTXH&period=${period}`, leader)).status === 200;
    },
    30_000,
    'B has the regime, its period and the leader',
  );
  const status = `/v1/reporting/status?regime=KTXH&period=${period}`;
  t.comment(`B reads period ${period}`);

  // 2. a ticket asked from A, taken by B: the cookie B sets reads on B and on A
  const issued = await call(a.url, 'POST', '/v1/reporting/tickets', leader, {});
  t.equal(issued.status, 201);
  const session = await call(b.url, 'POST', '/v1/reporting/session', {}, { ticket: issued.body.ticket });
  t.equal(session.status, 200, JSON.stringify(session.body));
  t.match(session.cookie, /^lt_bao_cao=[^;]+;.*HttpOnly; SameSite=Strict/);
  const page = { cookie: session.cookie!.split(';')[0]! };
  const onB = await call(b.url, 'GET', status, page);
  t.equal(onB.status, 200, 'the page reads on B');
  t.strictSame(
    onB.body.agencies.map((x: { agencyId: string }) => x.agencyId),
    ['H40.01'],
    "the district leader's scope",
  );
  t.equal((await call(a.url, 'GET', status, page)).status, 200, 'and on A, which did not set the cookie');
  t.equal((await call(b.url, 'GET', `${status}&agencyId=H40`, page)).status, 403, 'not the province');
  const reused = await call(b.url, 'POST', '/v1/reporting/session', {}, { ticket: issued.body.ticket });
  t.match(reused, { status: 401, body: { ticket: 'used' } }, 'used once on B');

  // 3. revoked through A: the page stops on B too, once B's directory has the event
  const revokedAt = performance.now();
  t.equal((await call(a.url, 'POST', `/v1/admin/staff/${staff.body.staffId}/revoke`, bearer(ADMIN), {})).status, 200);
  await eventually(async () => (await call(b.url, 'GET', status, page)).status === 401, 10_000, 'B refuses the revoked page');
  t.comment(`B refused the page ${Math.round(performance.now() - revokedAt)} ms after the revocation through A`);
  t.match(await call(b.url, 'GET', status, page), { status: 401, body: { pageSession: 'revoked' } });
  t.match(await call(a.url, 'GET', status, page), { status: 401, body: { pageSession: 'revoked' } });
});
