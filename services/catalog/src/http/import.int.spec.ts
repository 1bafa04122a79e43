import t from 'tap';
import { startTestHub } from '@lienthong/platform/testing';
import { directoryModule } from '@lienthong/platform';
import { catalogModule } from '../module.js';
import { generateProcedures, toCsv } from '../testing/generate.js';
import { procedure } from './test-fixtures.js';

const hub = await startTestHub([directoryModule, catalogModule]);
t.teardown(() => hub.close());
const { app, admin } = hub;
const importJson = (payload: unknown, query = '') =>
  app.inject({ method: 'POST', url: `/v1/admin/catalog/import${query}`, headers: admin, payload: payload as object });
const importCsv = (payload: string | Buffer) =>
  app.inject({
    method: 'POST',
    url: '/v1/admin/catalog/import',
    headers: { ...admin, 'content-type': 'text/csv; charset=utf-8' },
    payload,
  });
const procedureStreams = async () => (await hub.platform.store.listStreams({ prefix: 'procedure-', limit: 10_000 })).length;
const header = 'code,name,field,agencyLevels,processingDays,fees,components,result,legalBasis,onlineLevel';

t.test('JSON import: created, then updated and unchanged', async (t) => {
  const rows = [
    { code: '1.001193', ...procedure('Đăng ký khai sinh') },
    { code: '1.000894', ...procedure('Đăng ký kết hôn') },
  ];
  const first = await importJson(rows);
  t.equal(first.statusCode, 200, first.body);
  t.match(first.json(), { imported: 2, created: 2, updated: 0, unchanged: 0 });
  const second = await importJson([rows[0], { ...rows[1], processingDays: 5 }]);
  t.match(second.json(), { imported: 2, created: 0, updated: 1, unchanged: 1 });
  t.match((await app.inject({ method: 'GET', url: '/v1/catalog/procedures/1.000894' })).json(), { version: 2, processingDays: 5 });
  const dry = await importJson([{ code: '1.000656', ...procedure('Đăng ký khai tử') }], '?dryRun=true');
  t.match(dry.json(), { imported: 1, created: 0, dryRun: true });
  t.equal((await app.inject({ method: 'GET', url: '/v1/catalog/procedures/1.000656' })).statusCode, 404, 'dry run writes nothing');
});

t.test('CSV import with BOM, CRLF, quoted commas and list cells', async (t) => {
  const csv = `\ufeff${header}\r\n1.004884,"Đăng ký lại khai sinh, tại UBND xã",Hộ tịch,commune,"0,5","Lệ phí: 5.000",Tờ khai;Giấy tờ cũ,Giấy khai sinh,Luật Hộ tịch 2014;Nghị định 123/2015/NĐ-CP,full\r\n`;
  const res = await importCsv(Buffer.from(csv, 'utf8'));
  t.equal(res.statusCode, 200, res.body);
  t.match(res.json(), { imported: 1, created: 1 });
  const doc = (await app.inject({ method: 'GET', url: '/v1/catalog/procedures/1.004884' })).json();
  t.match(doc, {
    name: 'Đăng ký lại khai sinh, tại UBND xã',
    processingDays: 0.5,
    fees: [{ description: 'Lệ phí', amount: 5000 }],
    components: [{ name: 'Tờ khai' }, { name: 'Giấy tờ cũ' }],
    legalBasis: ['Luật Hộ tịch 2014', 'Nghị định 123/2015/NĐ-CP'],
  });
  const found = (await app.inject({ method: 'GET', url: '/v1/catalog/procedures?q=dang%20ky%20lai' })).json();
  t.equal(found.items[0].code, '1.004884', 'searchable right after the import');
});

t.test('effectiveFrom in both forms: given, or the time of the import; a bad one is named', async (t) => {
  const csv = `code,name,field,agencyLevels,processingDays,onlineLevel,effectiveFrom\n1.004900,Thủ tục A,Hộ tịch,commune,1,full,2025-01-01\n1.004901,Thủ tục B,Hộ tịch,commune,1,full,\n`;
  const before = Date.now();
  t.equal((await importCsv(csv)).statusCode, 200);
  const get = async (code: string) => (await app.inject({ method: 'GET', url: `/v1/catalog/procedures/${code}` })).json();
  t.equal((await get('1.004900')).effectiveFrom, '2024-12-31T17:00:00.000Z', 'a date: 00:00 in Vietnam');
  const b = await get('1.004901');
  t.equal(b.effectiveFrom, b.publishedAt, 'empty: the time of the import');
  t.ok(Date.parse(b.effectiveFrom) >= before - 1000);
  const json = await importJson([{ code: '1.004902', ...procedure('Thủ tục C'), effectiveFrom: '2025-07-01T08:00:00+07:00' }]);
  t.equal(json.statusCode, 200, json.body);
  t.equal((await get('1.004902')).effectiveFrom, '2025-07-01T01:00:00.000Z');
  const bad = await importJson([{ code: '1.004903', ...procedure('Thủ tục D'), effectiveFrom: '2025-13-01' }]);
  t.equal(bad.statusCode, 400);
  t.match(bad.json().errors, [{ path: 'row/1/effectiveFrom', field: 'effectiveFrom' }]);
});

t.test('a bad file names every bad row, line and field, and writes nothing', async (t) => {
  const before = await procedureStreams();
  const csv = [
    header,
    '1.100001,Good row,Hộ tịch,commune,1,,,,,full',
    '1.10002,,Hộ tịch,ward,abc,Lệ phí,,,,half',
    '1.100003,Another good row,Hộ tịch,district,2,,,,,partial',
    '1.100001,Duplicate code,Hộ tịch,commune,1,,,,,full',
  ].join('\n');
  const res = await importCsv(csv);
  t.equal(res.statusCode, 400);
  const body = res.json();
  t.match(body.detail, /nothing was written/);
  t.same(body.badRows, [2, 4]);
  const row2 = (body.errors as { row: number; line: number; field: string }[]).filter((e) => e.row === 2);
  t.same(row2.map((e) => e.field).sort(), ['agencyLevels[0]', 'code', 'fees[0].amount', 'name', 'onlineLevel', 'processingDays']);
  t.ok(
    row2.every((e) => e.line === 3),
    'line 3',
  );
  t.match(
    body.errors.find((e: { row: number }) => e.row === 4),
    { line: 5, field: 'code', code: '1.100001', message: /row 1/ },
  );
  t.equal(await procedureStreams(), before, 'no procedure written, not even the good rows');

  const json = await importJson([{ code: '1.100001', ...procedure('Ok') }, { code: '1.100002', name: 'x' }, 'not an object']);
  t.equal(json.statusCode, 400);
  t.same(json.json().badRows, [2, 3]);
  t.ok(json.json().errors.some((e: { row: number; field: string }) => e.row === 2 && e.field === 'agencyLevels'));
  t.equal(await procedureStreams(), before);
});

t.test('malformed bodies', async (t) => {
  t.equal((await importJson({ code: '1.000001' })).statusCode, 400, 'not an array');
  t.equal((await importJson([])).statusCode, 400, 'empty');
  t.equal((await importCsv(`${header}\n1.000001,"unclosed\n`)).statusCode, 400, 'unclosed quote');
  const unknownColumn = await importCsv('code,nom\n1.000001,x\n');
  t.equal(unknownColumn.statusCode, 400);
  t.match(unknownColumn.json().errors, [{ path: 'line/1/nom' }]);
  const xml = await app.inject({
    method: 'POST',
    url: '/v1/admin/catalog/import',
    headers: { ...admin, 'content-type': 'application/xml' },
    payload: '<a/>',
  });
  t.equal(xml.statusCode, 415);
});

t.test('5,000 rows of CSV in one request; re-running the same import is a no-op', async (t) => {
  const csv = toCsv(generateProcedures(5000, 7));
  t.ok(Buffer.byteLength(csv) > 1_000_000, 'over a megabyte');
  const first = await importCsv(csv);
  t.equal(first.statusCode, 200, first.body.slice(0, 500));
  t.match(first.json(), { imported: 5000, created: 5000 });
  const again = await importCsv(csv);
  t.match(
    again.json(),
    { imported: 5000, created: 0, updated: 0, unchanged: 5000 },
    'idempotent: an import cut short is finished by running it again',
  );
  const all = (await app.inject({ method: 'GET', url: '/v1/catalog/procedures?limit=1' })).json();
  t.ok(all.total >= 5000);
});

t.test('body limit: over LT_MAX_BODY_MB → 413', async (t) => {
  const small = await startTestHub([directoryModule, catalogModule], { env: { LT_MAX_BODY_MB: '1' } });
  t.teardown(() => small.close());
  const res = await small.app.inject({
    method: 'POST',
    url: '/v1/admin/catalog/import',
    headers: { ...small.admin, 'content-type': 'text/csv' },
    payload: toCsv(generateProcedures(5000)),
  });
  t.equal(res.statusCode, 413);
});
