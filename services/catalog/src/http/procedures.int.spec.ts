import t from 'tap';
import { startTestHub } from '@lienthong/platform/testing';
import { directoryModule } from '@lienthong/platform';
import { catalogModule } from '../module.js';
import { birthRegistration } from './test-fixtures.js';

const hub = await startTestHub([directoryModule, catalogModule]);
t.teardown(() => hub.close());
const { app, admin } = hub;
const url = (code: string) => `/v1/catalog/procedures/${code}`;
const put = (code: string, payload: object, headers: Record<string, string> = admin) =>
  app.inject({ method: 'PUT', url: url(code), headers, payload });
const get = (path: string) => app.inject({ method: 'GET', url: path });

t.test('PUT publishes versions: 201 first, 200 after; identical is a no-op', async (t) => {
  const first = await put('1.001193', birthRegistration);
  t.equal(first.statusCode, 201, first.body);
  t.match(first.json(), {
    code: '1.001193',
    version: 1,
    latestVersion: 1,
    name: 'Đăng ký khai sinh',
    retired: false,
    versions: [{ version: 1 }],
  });
  t.equal(first.headers['x-lienthong-changed'], 'true');

  const same = await put('1.001193', { ...birthRegistration, code: '1.001193' });
  t.equal(same.statusCode, 200);
  t.equal(same.json().version, 1, 'identical record: no new version');
  t.equal(same.headers['x-lienthong-changed'], 'false');

  const second = await put('1.001193', { ...birthRegistration, processingDays: 0.5 });
  t.equal(second.statusCode, 200);
  t.match(second.json(), { version: 2, processingDays: 0.5, versions: [{ version: 1 }, { version: 2 }] });

  const events = await hub.platform.store.readStream('procedure-1.001193');
  t.same(
    events.map((e) => e.type),
    ['ProcedurePublished', 'ProcedurePublished'],
  );
  t.equal(events[0]!.metadata.actor, 'admin');
});

t.test('GET: latest, ?version, ?at, unknown', async (t) => {
  const latest = await get(url('1.001193'));
  t.equal(latest.statusCode, 200);
  const doc = latest.json();
  t.match(doc, { version: 2, processingDays: 0.5 });
  const v1At = doc.versions[0].publishedAt as string;
  const v2At = doc.versions[1].publishedAt as string;
  t.match((await get(`${url('1.001193')}?version=1`)).json(), { version: 1, processingDays: 1, latestVersion: 2 });
  t.equal((await get(`${url('1.001193')}?version=9`)).statusCode, 404);
  t.match((await get(`${url('1.001193')}?at=${encodeURIComponent(v1At)}`)).json(), { version: 1 });
  t.match((await get(`${url('1.001193')}?at=${encodeURIComponent(v2At)}`)).json(), { version: 2 });
  t.equal((await get(`${url('1.001193')}?at=2000-01-01T00:00:00Z`)).statusCode, 404, 'before the first version');
  t.equal((await get(`${url('1.001193')}?at=yesterday`)).statusCode, 400);
  t.equal((await get(`${url('1.001193')}?version=1&at=${encodeURIComponent(v1At)}`)).statusCode, 400, 'version and at together');
  const unknown = await get(url('1.999999'));
  t.equal(unknown.statusCode, 404);
  t.match(unknown.headers['content-type'], /problem\+json/);
  t.equal((await get(url('not-a-code'))).statusCode, 400);
});

t.test('DELETE retires; GET shows it retired; PUT republishes', async (t) => {
  const del = await app.inject({ method: 'DELETE', url: url('1.001193'), headers: admin });
  t.equal(del.statusCode, 200);
  t.match(del.json(), { retired: true, version: 2, versions: [{ retiredAt: null }, { retiredAt: String }] });
  const again = await app.inject({ method: 'DELETE', url: url('1.001193'), headers: admin });
  t.equal(again.statusCode, 200, 'retiring again is idempotent');
  t.equal((await hub.platform.store.readStream('procedure-1.001193')).length, 3, 'one retirement event');
  t.match((await get(url('1.001193'))).json(), { retired: true, retiredAt: String });
  t.equal((await get(`${url('1.001193')}?at=${encodeURIComponent(new Date().toISOString())}`)).statusCode, 404, 'not in force now');
  t.equal((await app.inject({ method: 'DELETE', url: url('1.999999'), headers: admin })).statusCode, 404);

  const back = await put('1.001193', { ...birthRegistration, processingDays: 0.5 });
  t.equal(back.statusCode, 200);
  t.match(back.json(), { version: 3, retired: false, retiredAt: null });
});

t.test('effectiveFrom: the legal effective date chooses the version in force', async (t) => {
  const code = '1.000635';
  const before = Date.now();
  const typed = await put(code, birthRegistration);
  t.equal(typed.statusCode, 201);
  const { effectiveFrom, publishedAt } = typed.json();
  t.equal(effectiveFrom, publishedAt, 'default: the time of the PUT');
  t.ok(Date.parse(effectiveFrom) >= before - 1000 && Date.parse(effectiveFrom) <= Date.now(), 'the time of the PUT');
  const nov20 = '2026-11-20T02:00:00.000Z';
  const early = await get(`${url(code)}?at=${nov20}`);
  t.equal(early.statusCode, 404);
  t.match(early.json().detail, `procedure ${code} is not yet in force at ${nov20} (in force from ${effectiveFrom})`);

  // The legal date, given as a date (00:00 in Vietnam): same record, a new version that applies since then.
  const dated = await put(code, { ...birthRegistration, effectiveFrom: '2025-01-01' });
  t.equal(dated.statusCode, 200);
  t.match(dated.json(), {
    version: 2,
    effectiveFrom: '2024-12-31T17:00:00.000Z',
    versions: [
      { version: 1, effectiveFrom },
      { version: 2, effectiveFrom: '2024-12-31T17:00:00.000Z' },
    ],
  });
  t.match(
    (await get(`${url(code)}?at=${nov20}`)).json(),
    { version: 2, effectiveFrom: '2024-12-31T17:00:00.000Z' },
    'in force on 20 November',
  );
  t.equal(
    (await put(code, { ...birthRegistration, effectiveFrom: '2025-01-01T00:00:00+07:00' })).headers['x-lienthong-changed'],
    'false',
    'the same instant: nothing new',
  );
  t.equal((await put(code, birthRegistration)).headers['x-lienthong-changed'], 'false', 'no date given: nothing new');
  const deadline = await get(`/v1/catalog/deadline?from=${nov20}&code=${code}`);
  t.match(deadline.json(), { procedure: { code, version: 2 } }, 'the deadline reads the same rule');

  for (const bad of ['2025-02-30', '01/01/2025', '2025-01-01T00:00:00', 20250101]) {
    const res = await put(code, { ...birthRegistration, effectiveFrom: bad });
    t.equal(res.statusCode, 400, `${JSON.stringify(bad)} refused`);
    t.match(res.headers['content-type'], /problem\+json/);
    t.match(JSON.stringify(res.json().errors), 'body/effectiveFrom', 'names the field');
  }
});

t.test('auth: writes are admin-only, reads are public', async (t) => {
  await hub.agency('000.00.12.H40');
  const staff = await hub.staff('000.00.12.H40', ['leader']);
  t.equal((await put('1.000001', birthRegistration, {})).statusCode, 401);
  t.equal((await put('1.000001', birthRegistration, { authorization: 'Bearer nope' })).statusCode, 401);
  t.equal((await put('1.000001', birthRegistration, { authorization: staff.authorization })).statusCode, 403);
  t.equal((await app.inject({ method: 'DELETE', url: url('1.001193'), headers: { authorization: staff.authorization } })).statusCode, 403);
  t.equal(
    (await app.inject({ method: 'POST', url: '/v1/admin/catalog/import', headers: { authorization: staff.authorization }, payload: [] }))
      .statusCode,
    403,
  );
  t.equal((await app.inject({ method: 'PUT', url: '/v1/catalog/calendar/2027', payload: { holidays: [] } })).statusCode, 401);
  t.equal((await get(url('1.001193'))).statusCode, 200, 'anonymous read');
  t.equal((await get('/v1/catalog/procedures?q=khai')).statusCode, 200, 'anonymous search');
});

t.test('invalid records → 400 naming the fields', async (t) => {
  const res = await put('1.000002', {
    name: '  ',
    field: 'Hộ tịch',
    agencyLevels: ['commune', 'ward'],
    processingDays: -1,
    fees: [{ description: 'x', amount: 1.5 }],
    onlineLevel: 'half',
    other: 1,
  });
  t.equal(res.statusCode, 400);
  const paths = (res.json().errors as { path: string }[]).map((e) => e.path);
  for (const p of ['body/agencyLevels/1', 'body/processingDays', 'body/fees/0/amount', 'body/onlineLevel', 'body/other'])
    t.ok(paths.includes(p), `names ${p}: ${paths.join(', ')}`);
  const blank = await put('1.000002', { ...birthRegistration, name: '   ' });
  t.equal(blank.statusCode, 400);
  t.match(blank.json().errors, [{ path: 'body/name', message: /empty/ }]);
  const repeated = await put('1.000002', { ...birthRegistration, agencyLevels: ['commune', 'commune'] });
  t.match(repeated.json().errors, [{ path: 'body/agencyLevels' }]);
  const otherCode = await put('1.000002', { ...birthRegistration, code: '1.000003' });
  t.equal(otherCode.statusCode, 400);
  t.match(otherCode.json().errors, [{ path: 'body/code' }]);
  const badCode = await put('1.000002.h40', birthRegistration);
  t.equal(badCode.statusCode, 400);
  t.match(badCode.json().errors, [{ path: /params\/code|code/ }]);
  t.equal((await get(url('1.000002'))).statusCode, 404, 'nothing stored');
});

t.test('PUT has one validator (zod, trimming first), its JSON Schema in /docs', async (t) => {
  const body = (await app.inject('/docs/json')).json().paths['/v1/catalog/procedures/{code}'].put.requestBody.content['application/json']
    .schema;
  t.ok(body.$ref || body.properties?.name, 'the body schema is shown');
  const name = 'N'.repeat(500);
  const padded = await put('1.000004', { ...birthRegistration, name: `  ${name}\n` });
  t.equal(padded.statusCode, 201, 'the limit counts the trimmed text (the route schema refused it before zod could trim)');
  t.equal(padded.json().name, name);
  const typed = await put('1.000004', { ...birthRegistration, processingDays: '5', fees: [{ description: 'x', amount: '10' }] });
  t.equal(typed.statusCode, 400, 'a JSON body is not coerced');
  t.same((typed.json().errors as { path: string }[]).map((e) => e.path).sort(), ['body/fees/0/amount', 'body/processingDays']);
  t.same(
    (await put('1.000004', { ...birthRegistration, other: 1, more: 2 })).json().errors.map((e: { path: string }) => e.path),
    ['body/other', 'body/more'],
    'each unknown member named',
  );
});

t.test('local variants', async (t) => {
  const res = await put('2.000635.000.00.00.H40', {
    ...birthRegistration,
    name: 'Cấp giấy phép xây dựng',
    field: 'Xây dựng',
    agencyLevels: ['district'],
  });
  t.equal(res.statusCode, 201);
  t.equal(res.json().code, '2.000635.000.00.00.H40');
});
