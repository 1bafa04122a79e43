/**
 * Audit on the all-in-one hub: time travel for every aggregate type the modules register, and
 * every projection rebuilt from zero answering exactly as before (tables and API answers).
 */
import t from 'tap';
import { startTestHub, type TestHub } from '@lienthong/platform/testing';
import { allModules } from '../modules.js';

type Res = { statusCode: number; json(): any; body: string };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function api(hub: TestHub) {
  return (method: 'GET' | 'POST' | 'PUT', url: string, headers: Record<string, string> = hub.admin, payload?: unknown): Promise<Res> =>
    hub.app.inject({ method, url, headers, ...(payload !== undefined ? { payload: payload as object } : {}) });
}

/** Every row of every table of every read model, sorted, minus the runner's own bookkeeping. */
function tables(hub: TestHub): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, runner] of hub.platform.projections) {
    const db = runner.db();
    const names = (
      db
        .prepare(
          "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> '_lt_meta' AND sql NOT LIKE 'CREATE VIRTUAL%' ORDER BY name",
        )
        .all() as Array<{ name: string }>
    ).map((r) => r.name);
    for (const table of names) {
      if (/_fts_|_content$|_data$|_idx$|_docsize$|_config$/.test(table)) continue; // FTS shadow tables
      out[`${name}.${table}`] = db
        .prepare(`SELECT * FROM "${table}"`)
        .all()
        .map((r) => JSON.stringify(r))
        .sort();
    }
  }
  return out;
}

t.test('time travel and rebuilds on the all-in-one hub', async (t) => {
  const hub = await startTestHub(allModules);
  t.teardown(() => hub.close());
  const call = api(hub);
  const stateOf = async (stream: string, at?: string | number) => {
    const res = await call(
      'GET',
      `/v1/admin/streams/${encodeURIComponent(stream)}/state${at === undefined ? '' : `?at=${encodeURIComponent(String(at))}`}`,
    );
    t.equal(res.statusCode, 200, `${stream} at ${at}: ${res.body.slice(0, 200)}`);
    return res.json() as { aggregate: string; revision: number; at: string | null; state: any };
  };
  const streamOf = async (prefix: string) => {
    const items = (await call('GET', `/v1/admin/streams?prefix=${encodeURIComponent(prefix)}`)).json().items as Array<{
      stream: string;
      revision: number;
    }>;
    return items;
  };
  const T0 = new Date().toISOString();
  await sleep(5);

  // directory: agencies, a system, a staff member (registration is their only event)
  await hub.agency('000.00.00.H40', 'Ủy ban nhân dân tỉnh Khánh Hòa', ['H40']);
  await hub.agency('000.00.12.H40', 'Sở Tư pháp', ['H40.12']);
  const system = await hub.system(['000.00.00.H40']);
  const system2 = await hub.system(['000.00.12.H40']);
  const staff = await hub.staff('000.00.12.H40', ['clerk', 'officer', 'leader']);
  for (const [prefix, aggregate] of [
    ['agency-', 'agency'],
    ['system-', 'system'],
    ['staff-', 'staff'],
  ] as const) {
    const stream = (await streamOf(prefix))[0]!.stream;
    const now = await stateOf(stream);
    t.equal(now.aggregate, aggregate);
    t.equal(now.revision, 0);
    t.not(JSON.stringify(now.state), JSON.stringify((await stateOf(stream, T0)).state), `${aggregate}: registered vs before`);
    t.equal((await stateOf(stream, T0)).revision, -1);
  }

  // procedure: two versions
  const proc = { name: 'Đăng ký khai sinh', field: 'Hộ tịch', agencyLevels: ['province'], processingDays: 2, onlineLevel: 'full' };
  t.equal((await call('PUT', '/v1/catalog/procedures/1.000001', hub.admin, proc)).statusCode, 201);
  await sleep(5);
  const betweenVersions = new Date().toISOString();
  await sleep(5);
  t.equal(
    (await call('PUT', '/v1/catalog/procedures/1.000001', hub.admin, { ...proc, name: 'Đăng ký khai sinh (sửa đổi)', processingDays: 3 }))
      .statusCode,
    200,
  );
  const procStream = (await streamOf('procedure-'))[0]!.stream;
  const v2 = await stateOf(procStream);
  t.match(JSON.stringify(v2.state), 'sửa đổi');
  for (const earlier of [await stateOf(procStream, 0), await stateOf(procStream, betweenVersions)]) {
    t.equal(earlier.revision, 0);
    t.notMatch(JSON.stringify(earlier.state), 'sửa đổi', 'the first version, by revision and by time');
    t.match(JSON.stringify(earlier.state), 'Đăng ký khai sinh');
  }
  t.equal(v2.aggregate, 'procedure');

  // calendar year: set twice
  t.ok(
    [200, 201].includes(
      (await call('PUT', '/v1/catalog/calendar/2027', hub.admin, { holidays: ['2027-01-01'], workingDays: [] })).statusCode,
    ),
  );
  t.ok(
    [200, 201].includes(
      (await call('PUT', '/v1/catalog/calendar/2027', hub.admin, { holidays: ['2027-01-01', '2027-09-02'], workingDays: [] })).statusCode,
    ),
  );
  const calStream = (await streamOf('calendar-'))[0]!.stream;
  const cal = await stateOf(calStream);
  t.equal(cal.aggregate, 'calendar-year');
  t.match(JSON.stringify(cal.state), '2027-09-02');
  t.notMatch(JSON.stringify((await stateOf(calStream, cal.revision - 1)).state), '2027-09-02');

  // dossier: received, accepted, assigned
  await hub.platform.projections.get('dossiers-catalog-replica')!.waitFor(await hub.platform.store.headPosition());
  const created = await call('POST', '/v1/dossiers', staff, {
    procedureCode: '1.000001',
    agencyId: '000.00.12.H40',
    applicant: { name: 'Nguyễn Văn An' },
    channel: 'counter',
  });
  t.equal(created.statusCode, 201, created.body);
  const code = created.json().dossierCode as string;
  await sleep(5);
  const beforeAccept = new Date().toISOString();
  await sleep(5);
  t.equal((await call('POST', `/v1/dossiers/${code}/actions/accept`, staff, {})).statusCode, 200);
  t.equal((await call('POST', `/v1/dossiers/${code}/actions/assign`, staff, { officer: staff.staffId })).statusCode, 200);
  const dossierStream = (await streamOf('dossier-'))[0]!.stream;
  const dNow = await stateOf(dossierStream);
  t.equal(dNow.aggregate, 'dossier');
  t.match(JSON.stringify(dNow.state), /processing/);
  for (const early of [await stateOf(dossierStream, 0), await stateOf(dossierStream, beforeAccept)]) {
    t.equal(early.revision, 0);
    t.match(JSON.stringify(early.state), /"new"/, 'new, by revision and by time');
  }
  t.match(JSON.stringify((await stateOf(dossierStream, 1)).state), /accepted/);

  // document and its delivery: sent, delivery acknowledged, status reported
  const doc = {
    header: {
      from: { organId: '000.00.00.H40', organName: 'UBND tỉnh' },
      to: [{ organId: '000.00.12.H40', organName: 'Sở Tư pháp' }],
      code: { codeNumber: '12', codeNotation: 'UBND-VP' },
      promulgationInfo: { place: 'Nha Trang', promulgationDate: '2026-01-15' },
      documentType: { type: 1, typeName: 'Công văn' },
      subject: 'Về việc kiểm tra',
      signerInfo: { position: 'Chánh Văn phòng', fullName: 'Nguyễn Văn A' },
      toPlaces: [],
      otherInfo: { priority: 0, appendixes: [] },
      responseFor: [],
    },
    traceHeaders: [{ organId: '000.00.00.H40', timestamp: '2026-01-15T08:00:00+07:00' }],
    attachments: [],
  };
  const sent = await call('POST', '/v1/documents', system, doc);
  t.equal(sent.statusCode, 202, sent.body);
  const { documentId, recipients } = sent.json() as { documentId: string; recipients: Array<{ deliveryId: string }> };
  await sleep(5);
  const beforeAck = new Date().toISOString();
  await sleep(5);
  t.equal((await call('POST', `/v1/deliveries/${recipients[0]!.deliveryId}/ack`, system2)).statusCode, 204);
  t.equal((await call('POST', `/v1/documents/${encodeURIComponent(documentId)}/status`, system2, { statusCode: '03' })).statusCode, 202);
  for (const prefix of ['document-', 'delivery-']) {
    for (const { stream, revision } of await streamOf(prefix)) {
      const now = await stateOf(stream);
      t.equal(now.aggregate, prefix.slice(0, -1));
      const first = await stateOf(stream, 0);
      t.equal(first.revision, 0);
      if (revision > 0) t.not(JSON.stringify(first.state), JSON.stringify(now.state), `${stream}: revision 0 differs from ${revision}`);
    }
  }
  const delivery = (await streamOf('delivery-')).find((s) => s.stream.includes(recipients[0]!.deliveryId))!;
  // A delivery stream records what happens after submission (pending lives in the document).
  const atBeforeAck = await stateOf(delivery.stream, beforeAck);
  t.equal(atBeforeAck.revision, -1, 'the delivery before its acknowledgement');
  t.not(JSON.stringify(atBeforeAck.state), JSON.stringify((await stateOf(delivery.stream)).state), 'acknowledged now, not then');

  // every chain holds
  t.match((await call('POST', '/v1/admin/audit/verify', hub.admin, {})).json(), { ok: true });

  // rebuild every projection: same tables, same answers
  const routes: Array<[string, Record<string, string>]> = [
    ['/v1/agencies', hub.admin],
    ['/v1/catalog/procedures?q=khai%20sinh', {}],
    ['/v1/catalog/procedures/1.000001', {}],
    ['/v1/catalog/calendar/2027', {}],
    [`/v1/dossiers/${code}`, staff],
    ['/v1/dossiers?agencyId=000.00.12.H40', staff],
    [`/v1/dossiers/${code}/history`, staff],
    [`/v1/documents/${encodeURIComponent(documentId)}`, system],
    ['/v1/inbox', system],
    ['/v1/inbox', system2],
  ];
  const answers = async () =>
    Promise.all(
      routes.map(async ([url, headers]) => {
        const res = await call('GET', url, headers);
        return `${res.statusCode} ${res.body}`;
      }),
    );
  // Wait for every read model to catch up before taking the picture.
  const head = await hub.platform.store.headPosition();
  for (const runner of hub.platform.projections.values()) await runner.waitFor(head).catch(() => undefined);
  const beforeTables = tables(hub);
  const beforeAnswers = await answers();
  t.ok(Object.values(beforeTables).filter((rows) => (rows as unknown[]).length > 0).length >= 6, 'the comparison covers filled tables');
  t.ok(
    beforeAnswers.every((a) => a.startsWith('200')),
    beforeAnswers
      .filter((a) => !a.startsWith('200'))
      .join('\n')
      .slice(0, 500),
  );
  for (const name of hub.platform.projections.keys()) {
    const res = await call('POST', `/v1/admin/projections/${name}/rebuild`);
    t.equal(res.statusCode, 200, `${name} rebuilt`);
    t.ok(res.json().status.generation >= 2);
  }
  t.same(tables(hub), beforeTables, 'every table of every read model, row for row');
  t.same(await answers(), beforeAnswers, 'every answer, byte for byte');
  t.equal((await call('POST', '/v1/admin/projections/nope/rebuild')).statusCode, 404);
});
