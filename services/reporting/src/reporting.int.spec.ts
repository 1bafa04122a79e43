import t from 'tap';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { eventually } from '@lienthong/testing';
import { seedRegime, seedTree, startReportingHub, testClock, type ReportingHub } from './test/reporting-hub.js';

const R = '/v1/reporting/reports/KTXH/2027-01';
const full = (pop: number, households: number, poor: number, school: number, rain: number) => ({
  values: { pop, households, poorHouseholds: poor, schoolRate: school, minRain: rain, maxRain: rain, note: `xã ${pop}` },
});

t.test('the Decree 09 workflow over a province, a correction flowing up, restart in the middle', async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'lt-reporting-'));
  t.teardown(() => rmSync(dataDir, { recursive: true, force: true }));
  const clock = testClock('2027-01-05T03:00:00.000Z');
  let hub: ReportingHub = await startReportingHub(clock.now, { dataDir });
  t.teardown(() => hub.close());
  const { leader, clerk } = await seedTree(hub);
  await seedRegime(hub);

  // 1. the regime's current period opened at once, owing one report per agency
  const status = await hub.req('GET', '/v1/reporting/status?regime=KTXH&period=2027-01', hub.admin);
  t.equal(status.statusCode, 200, status.body);
  t.strictSame(status.json().window, { from: '2026-12-15', to: '2027-01-14' });
  t.strictSame(status.json().submitBy, { commune: '2027-01-16', district: '2027-01-18', province: '2027-01-20' });
  t.strictSame(
    status.json().agencies.map((a: { agencyId: string; state: string }) => `${a.agencyId}:${a.state}`),
    [
      'H40:not-started',
      'H40.01:not-started',
      'H40.02:not-started',
      'H40.01.01:not-started',
      'H40.01.02:not-started',
      'H40.02.01:not-started',
    ],
  );

  // 2. bad input: nothing accepted
  const c1 = `${R}/H40.01.01`;
  const bad = async (payload: unknown, status: number, what: RegExp | string, headers = clerk['H40.01.01']!) => {
    const r = await hub.req('PUT', `${c1}/values`, headers, payload);
    t.equal(r.statusCode, status, `${JSON.stringify(payload)} → ${status}`);
    t.match(r.headers['content-type'], /problem\+json/);
    t.match(r.body, what);
  };
  await bad({ values: { pop: 'mười' } }, 400, 'body/values/pop');
  await bad({ values: { schoolRate: 101 } }, 400, 'between 0 and 100');
  await bad({ values: { nope: 1 } }, 400, 'unknown indicator');
  await bad({ values: { poorShare: 3 } }, 400, 'ratio');
  await bad({ values: { pop: 1 } }, 403, 'staff', clerk['H40.01.02']!);
  const notOpen = await hub.req('PUT', '/v1/reporting/reports/KTXH/2027-03/H40.01.01/values', clerk['H40.01.01']!, { values: { pop: 1 } });
  t.equal(notOpen.statusCode, 409, 'a period not open yet');
  t.equal(notOpen.json().periodState, 'not-open');
  const c1Report = await hub.req('GET', c1, leader['H40.01.01']!);
  t.equal(c1Report.json().state, 'not-started', 'nothing accepted from bad input');

  // 3. a commune drafts; a submit without every value names the missing ones
  t.equal((await hub.req('PUT', `${c1}/values`, clerk['H40.01.01']!, { values: { pop: 1000 } })).statusCode, 200);
  const missing = await hub.req('POST', `${c1}/submit`, leader['H40.01.01']!);
  t.equal(missing.statusCode, 400);
  t.strictSame(missing.json().missing, ['households', 'poorHouseholds', 'schoolRate', 'minRain', 'maxRain', 'note']);
  t.equal((await hub.req('POST', `${c1}/submit`, clerk['H40.01.01']!)).statusCode, 403, 'a clerk cannot submit');
  t.equal((await hub.req('PUT', `${c1}/values`, clerk['H40.01.01']!, full(1000, 200, 20, 90, 10))).statusCode, 200);
  t.equal((await hub.req('POST', `${c1}/submit`, leader['H40.01.01']!)).statusCode, 200);
  t.equal((await hub.req('POST', `${c1}/accept`, leader['H40.01.01']!)).statusCode, 403, 'a commune cannot accept its own report');
  t.equal((await hub.req('POST', `${c1}/accept`, clerk['H40.01']!)).statusCode, 403, "the district's clerk cannot accept");
  t.equal((await hub.req('POST', `${c1}/accept`, leader['H40.02']!)).statusCode, 403, 'another district cannot accept');
  t.equal((await hub.req('PUT', `${c1}/values`, clerk['H40.01.01']!, { values: { pop: 1 } })).statusCode, 409, 'submitted: no edits');

  // 4. restart in the middle of the workflow: the submitted report waits, nothing is opened twice
  await hub.close();
  hub = await startReportingHub(clock.now, { dataDir });
  const afterRestart = await hub.req('GET', c1, leader['H40.01']!);
  t.equal(afterRestart.json().state, 'submitted', 'still submitted after a restart');
  t.equal((await hub.platform.store.readStream('reportperiod-KTXH/2027-01')).length, 1, 'the period opened once');
  const accepted = await hub.req('POST', `${c1}/accept`, leader['H40.01']!);
  t.equal(accepted.statusCode, 200, accepted.body);
  t.equal(accepted.json().state, 'accepted');

  // 5. the second commune: returned, corrected, accepted
  const c2 = `${R}/H40.01.02`;
  await hub.req('PUT', `${c2}/values`, clerk['H40.01.02']!, full(500, 100, 30, 70, 30));
  await hub.req('POST', `${c2}/submit`, leader['H40.01.02']!);
  t.equal((await hub.req('POST', `${c2}/return`, leader['H40.01']!, {})).statusCode, 400, 'a return names its reason');
  t.equal((await hub.req('POST', `${c2}/return`, leader['H40.01']!, { reason: 'sai số hộ' })).json().state, 'returned');
  await hub.req('PUT', `${c2}/values`, clerk['H40.01.02']!, { values: { households: 150 } });
  t.equal((await hub.req('POST', `${c2}/submit`, leader['H40.01.02']!)).json().state, 'submitted');
  t.equal((await hub.req('POST', `${c2}/accept`, leader['H40.01']!)).json().state, 'accepted');

  // 6. the district's aggregate: every kind of aggregation, sources named
  const d1 = await hub.req('GET', `${R}/H40.01/aggregate`, leader['H40.01']!);
  t.equal(d1.statusCode, 200, d1.body);
  const v = d1.json().values;
  t.equal(v.pop, 1500, 'sum');
  t.equal(v.households, 350);
  t.equal(v.poorShare, 14.29, 'ratio = Σ poor / Σ households, as a percent, 2 decimals');
  t.equal(v.schoolRate, 80, 'avg');
  t.equal(v.minRain, 10, 'min');
  t.equal(v.maxRain, 30, 'max');
  t.equal(v.note, undefined, 'none: the district gave no note of its own');
  t.strictSame(d1.json().missing, []);
  t.strictSame(
    d1.json().sources.map((s: { agencyId: string }) => s.agencyId),
    ['H40.01.01', 'H40.01.02'],
  );
  // the district gives its own note, submits (the rest comes from its communes); the province accepts
  await hub.req('PUT', `${R}/H40.01/values`, clerk['H40.01']!, { values: { note: 'huyện ổn định' } });
  const d1Submit = await hub.req('POST', `${R}/H40.01/submit`, leader['H40.01']!);
  t.equal(d1Submit.statusCode, 200, d1Submit.body);
  t.equal((await hub.req('POST', `${R}/H40.01/accept`, leader['H40']!)).json().state, 'accepted');
  const p1 = (await hub.req('GET', `${R}/H40/aggregate`, leader['H40']!)).json();
  t.equal(p1.values.pop, 1500);
  t.strictSame(p1.missing, ['H40.02'], 'the district that has not reported is missing');
  t.equal(p1.stale, false);

  // 7. authorisation of reads
  t.equal((await hub.req('GET', `${R}/H40.01.02`, leader['H40.01.01']!)).statusCode, 403, 'a commune sees only itself');
  t.equal((await hub.req('GET', `${R}/H40.01.02`, clerk['H40.01']!)).statusCode, 200, 'a district sees its communes');
  t.equal((await hub.req('GET', `${R}/H40.02.01`, clerk['H40.01']!)).statusCode, 403, "not another district's");
  t.equal((await hub.req('GET', `${R}/H40.02.01/aggregate`, clerk['H40']!)).statusCode, 200, 'the province sees all');
  const communeStatus = (await hub.req('GET', '/v1/reporting/status?regime=KTXH&period=2027-01', clerk['H40.01.01']!)).json();
  t.equal(communeStatus.agencies.length, 1);
  const districtStatus = (await hub.req('GET', '/v1/reporting/status?regime=KTXH&period=2027-01', clerk['H40.01']!)).json();
  t.strictSame(
    districtStatus.agencies.map((a: { agencyId: string }) => a.agencyId),
    ['H40.01', 'H40.01.01', 'H40.01.02'],
  );
  t.equal((await hub.req('GET', '/v1/reporting/status?regime=KTXH&period=2027-01&agencyId=H40', clerk['H40.01']!)).statusCode, 403);

  // 8. a correction of a commune after acceptance flows up: district and province as new revisions
  const d1Before = (await hub.req('GET', `${R}/H40.01/aggregate`, leader['H40.01']!)).json();
  t.equal((await hub.req('POST', `${c1}/reopen`, leader['H40.01']!, { reason: 'đính chính dân số' })).json().state, 'returned');
  const staleD1 = (await hub.req('GET', `${R}/H40.01/aggregate`, leader['H40.01']!)).json();
  t.equal(staleD1.stale, true, 'while corrected, the district aggregate is stale');
  t.strictSame(staleD1.staleSources, ['H40.01.01']);
  t.equal(staleD1.values.pop, 1500, 'with the last accepted numbers');
  await hub.req('PUT', `${c1}/values`, clerk['H40.01.01']!, { values: { pop: 1200 } });
  t.equal((await hub.req('GET', `${R}/H40.01/aggregate`, leader['H40.01']!)).json().values.pop, 1500, 'a draft does not flow up');
  await hub.req('POST', `${c1}/submit`, leader['H40.01.01']!);
  await hub.req('POST', `${c1}/accept`, leader['H40.01']!);
  const d1After = (await hub.req('GET', `${R}/H40.01/aggregate`, leader['H40.01']!)).json();
  t.equal(d1After.values.pop, 1700);
  t.equal(d1After.stale, false);
  t.ok(d1After.revision > d1Before.revision, 'a new district revision');
  const c1Source = d1After.sources.find((s: { agencyId: string }) => s.agencyId === 'H40.01.01');
  t.ok(
    c1Source.revision > d1Before.sources.find((s: { agencyId: string }) => s.agencyId === 'H40.01.01').revision,
    'naming the corrected report',
  );
  const p2 = (await hub.req('GET', `${R}/H40/aggregate`, leader['H40']!)).json();
  t.equal(p2.values.pop, 1700, 'the province follows');
  t.ok(p2.revision > p1.revision);
  t.equal(
    p2.sources.find((s: { agencyId: string }) => s.agencyId === 'H40.01').aggregateRevision,
    d1After.revision,
    'naming the district revision',
  );
  t.match(p2.revisions.at(-1).cause, /ReportAccepted H40.01.01/);
  const d2Untouched = (await hub.req('GET', `${R}/H40.02/aggregate`, leader['H40.02']!)).json();
  t.strictSame([d2Untouched.revision, d2Untouched.revisions.length], [0, 0], 'the other district was never recomputed');

  // XLSX export: Vietnamese headers, units, the agency tree as rows
  const xlsx = await hub.req('GET', `${R}/H40.01/aggregate?format=xlsx`, leader['H40.01']!);
  t.equal(xlsx.statusCode, 200);
  t.match(xlsx.headers['content-type'], /spreadsheetml/);
  const book = new ExcelJS.Workbook();
  await book.xlsx.load(xlsx.rawPayload as unknown as ArrayBuffer);
  const sheet = book.worksheets[0]!;
  const cells = (row: number) => (sheet.getRow(row).values as unknown[]).slice(1);
  t.strictSame(cells(2).slice(0, 5), ['Mã đơn vị', 'Tên đơn vị', 'Cấp', 'Trạng thái', 'Dân số']);
  t.equal(cells(3)[4], 'người', 'units under the headers');
  t.strictSame(cells(4).slice(0, 5), ['H40.01', 'UBND huyện Một', 'Huyện', 'Đã duyệt', 1700], 'the district total first');
  t.strictSame(cells(5).slice(0, 5), ['H40.01.01', '  UBND xã Một Một', 'Xã', 'Đã duyệt', 1200], 'then its communes, indented');

  // 9. overdue at submitBy: the commune that never submitted, once
  clock.set('2027-01-16T16:59:00.000Z');
  await new Promise((r) => setTimeout(r, 300));
  t.equal((await hub.req('GET', `${R}/H40.02.01`, clerk['H40.02']!)).json().overdue, false, 'not before the due day ends in Hanoi');
  clock.set('2027-01-16T17:00:01.000Z');
  await eventually(async () => (await hub.req('GET', `${R}/H40.02.01`, clerk['H40.02']!)).json().overdue === true, 5000, 'overdue');
  await new Promise((r) => setTimeout(r, 300));
  const history = (await hub.req('GET', `${R}/H40.02.01`, clerk['H40.02']!)).json().history;
  t.equal(history.filter((e: { type: string }) => e.type === 'ReportBecameOverdue').length, 1, 'flagged once');
  t.equal((await hub.req('GET', `${R}/H40.01.01`, clerk['H40.01']!)).json().overdue, false, 'a submitted report is not overdue');
  const late = (await hub.req('GET', '/v1/reporting/status?regime=KTXH&period=2027-01', hub.admin)).json();
  t.equal(late.agencies.find((a: { agencyId: string }) => a.agencyId === 'H40.02.01').overdue, true);
  t.equal(late.agencies.find((a: { agencyId: string }) => a.agencyId === 'H40.01.01').onTime, true);

  // 10. the next period opens by itself when its window starts; closing a period stops drafts
  clock.set('2027-01-14T17:00:00.000Z');
  await eventually(
    async () => (await hub.req('GET', '/v1/reporting/status?regime=KTXH&period=2027-02', hub.admin)).statusCode === 200,
    5000,
    'February opens',
  );
  t.equal((await hub.req('POST', '/v1/reporting/periods/KTXH/2027-01/close', hub.admin, {})).statusCode, 200);
  const closed = await hub.req('PUT', `${R}/H40.02.01/values`, clerk['H40.02.01']!, { values: { pop: 1 } });
  t.equal(closed.statusCode, 409);
  t.equal(closed.json().periodState, 'closed');
});
