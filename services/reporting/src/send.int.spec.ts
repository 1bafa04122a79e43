import t from 'tap';
import ExcelJS from 'exceljs';
import { documentRoutingModule } from '@lienthong/document-routing';
import { seedRegime, seedTree, startReportingHub, testClock } from './test/reporting-hub.js';

const R = '/v1/reporting/reports/KTXH/2027-01';
const full = (pop: number) => ({
  values: { pop, households: 100, poorHouseholds: 10, schoolRate: 90, minRain: 5, maxRain: 9, note: 'ổn định' },
});

t.test('the accepted provincial aggregate goes to the Government reporting system as an edXML document', async (t) => {
  const clock = testClock('2027-01-05T03:00:00.000Z');
  const sender: { token?: string } = {};
  const hub = await startReportingHub(clock.now, { extra: [documentRoutingModule], systemToken: () => sender.token });
  t.teardown(() => hub.close());
  const { leader, clerk } = await seedTree(hub);
  await seedRegime(hub);
  t.equal(
    (await hub.req('POST', '/v1/admin/agencies', hub.admin, { organId: 'G01', name: 'Hệ thống báo cáo Chính phủ', level: 'central' }))
      .statusCode,
    201,
  );
  const government = await hub.system(['G01']);

  // communes of one district, the district, then the province: accepted up to the top (the admin accepts the province)
  for (const c of ['H40.01.01', 'H40.01.02']) {
    await hub.req('PUT', `${R}/${c}/values`, clerk[c]!, full(c.endsWith('1') ? 700 : 300));
    await hub.req('POST', `${R}/${c}/submit`, leader[c]!);
    await hub.req('POST', `${R}/${c}/accept`, leader['H40.01']!);
  }
  await hub.req('PUT', `${R}/H40.01/values`, clerk['H40.01']!, { values: { note: 'huyện' } });
  t.equal((await hub.req('POST', `${R}/H40.01/submit`, leader['H40.01']!)).statusCode, 200);
  t.equal((await hub.req('POST', `${R}/H40.01/accept`, leader['H40']!)).statusCode, 200);
  await hub.req('PUT', `${R}/H40/values`, clerk['H40']!, { values: { note: 'tỉnh' } });
  t.equal((await hub.req('POST', `${R}/H40/submit`, leader['H40']!)).statusCode, 200);

  const early = await hub.req('POST', `${R}/H40/send`, leader['H40']!, { to: 'G01' });
  t.equal(early.statusCode, 409, 'only an accepted aggregate is sent');
  t.equal(early.json().reportState, 'submitted');
  t.equal((await hub.req('POST', `${R}/H40/accept`, leader['H40']!)).statusCode, 403, 'the province cannot accept its own report');
  t.equal(
    (await hub.req('POST', `${R}/H40/accept`, hub.admin)).json().state,
    'accepted',
    "the province's reporting office (admin) accepts it",
  );
  t.equal(
    (await hub.req('POST', `${R}/H40/send`, leader['H40.01']!, { to: 'G01' })).statusCode,
    403,
    'a district cannot send the province report',
  );
  t.equal(
    (await hub.req('POST', `${R}/H40/send`, leader['H40']!, { to: 'G01' })).statusCode,
    503,
    'no document system configured: says so',
  );

  sender.token = (await hub.system(['H40'])).authorization.replace(/^Bearer /, '');
  t.equal(
    (await hub.req('POST', `${R}/H40/send`, leader['H40']!, { to: 'NOWHERE' })).statusCode,
    422,
    "document routing's refusal of an unknown recipient",
  );
  const sent = await hub.req('POST', `${R}/H40/send`, leader['H40']!, { to: 'G01' });
  t.equal(sent.statusCode, 202, sent.body);
  t.equal(sent.json().recipients[0].organId, 'G01');
  const again = await hub.req('POST', `${R}/H40/send`, leader['H40']!, { to: 'G01' });
  t.equal(again.json().documentId, sent.json().documentId, 'the same aggregate revision to the same recipient is one document');

  const inbox = (await hub.req('GET', '/v1/inbox?organId=G01', government)).json();
  const items = inbox.items ?? inbox.deliveries ?? inbox;
  t.equal(items.length, 1, 'one delivery in the recipient inbox');
  const content = await hub.req('GET', `/v1/deliveries/${sent.json().recipients[0].deliveryId}/content?format=json`, government);
  t.equal(content.statusCode, 200, content.body);
  const doc = content.json().document;
  t.equal(doc.header.from.organId, 'H40');
  t.match(doc.header.subject, /2027-01/);
  const names = (doc.attachments as { name: string }[]).map((a) => a.name);
  t.strictSame(names, ['bao-cao-KTXH-2027-01.xlsx', 'bao-cao-KTXH-2027-01.json']);
  const xml = await hub.req('GET', `/v1/deliveries/${sent.json().recipients[0].deliveryId}/content?format=edxml`, government);
  t.match(xml.body, /edXML/);
  // the XLSX attachment opens and carries the province total
  const link = (doc.attachments as { name: string; href?: string; url?: string; sha256?: string }[])[0]!;
  const href = link.href ?? link.url ?? (link.sha256 ? `/v1/attachments/${link.sha256}` : undefined);
  t.ok(href, JSON.stringify(link));
  const file = await hub.req('GET', href!, government);
  t.equal(file.statusCode, 200);
  const book = new ExcelJS.Workbook();
  await book.xlsx.load(file.rawPayload as unknown as ArrayBuffer);
  t.equal(book.worksheets[0]!.getRow(4).getCell(5).value, 1000, 'the province total in the XLSX');

  // the hub counts what it routed: documents.* of the window the document fell in (routing records wall-clock time)
  for (const code of ['documents.sent', 'documents.received', 'documents.signedValidShare'])
    await hub.req('PUT', `/v1/reporting/indicators/${code}`, hub.admin, {
      name: code,
      unit: 'văn bản',
      kind: code.endsWith('Share') ? 'percent' : 'integer',
      aggregation: 'sum',
    });
  await hub.req('PUT', '/v1/reporting/regimes/VB', hub.admin, {
    name: 'Văn bản điện tử',
    legalBasis: 'Nghị định 30/2020/NĐ-CP',
    frequency: 'annual',
    cutOff: { fromDay: 1 },
    indicators: ['documents.sent', 'documents.received', 'documents.signedValidShare'],
    levels: ['commune', 'district', 'province'],
  });
  const year = new Date().getUTCFullYear();
  const documents = await hub.req('GET', `/v1/reporting/reports/VB/${year}/H40/aggregate`, leader['H40']!);
  t.equal(documents.statusCode, 200, documents.body);
  t.strictSame(
    documents.json().values,
    { 'documents.sent': 1, 'documents.received': 0, 'documents.signedValidShare': 0 },
    'one document sent, unsigned',
  );
});
