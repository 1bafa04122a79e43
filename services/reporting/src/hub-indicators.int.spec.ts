import t from 'tap';
import { catalogModule } from '@lienthong/catalog';
import { createDossiersModule } from '@lienthong/dossiers';
import { HUB_INDICATORS } from './domain/definition-deciders.js';
import { seedTree, startReportingHub, testClock } from './test/reporting-hub.js';

const C = 'H40.01.01';

t.test('indicators computed by the hub equal the dossiers report for the window, however late the report is run', async (t) => {
  const clock = testClock('2027-01-03T02:00:00.000Z');
  const hub = await startReportingHub(clock.now, {
    extra: [catalogModule, createDossiersModule({ clock: clock.now, overdueIntervalMs: 60_000 })],
  });
  t.teardown(() => hub.close());
  const { leader, clerk } = await seedTree(hub);
  const procedure = await hub.req('PUT', '/v1/catalog/procedures/1.004227', hub.admin, {
    name: 'Đăng ký khai sinh',
    field: 'Hộ tịch',
    agencyLevels: ['commune'],
    processingDays: 1,
    onlineLevel: 'full',
    effectiveFrom: '2026-01-01',
  });
  t.equal(procedure.statusCode, 201, procedure.body);
  const counter = { authorization: (await hub.staff(C, ['clerk', 'officer', 'leader'])).authorization };
  const receive = async (channel: string, receivedAt?: string) => {
    const r = await hub.req('POST', '/v1/dossiers', clerk[C]!, {
      procedureCode: '1.004227',
      agencyId: C,
      applicant: { name: 'Nguyễn Văn A' },
      channel,
      ...(receivedAt ? { receivedAt } : {}),
    });
    if (r.statusCode !== 201) throw new Error(r.body);
    return r.json().dossierCode as string;
  };
  const act = async (code: string, action: string, payload: object = {}) => {
    const r = await hub.req('POST', `/v1/dossiers/${code}/actions/${action}`, counter, payload);
    if (r.statusCode !== 200) throw new Error(`${action}: ${r.body}`);
  };
  // in the window of 2027-01 (15 Dec – 14 Jan): five receipts, two online (one accepted: its legal clock starts then), one resolved on time, one late, two pending
  const onTime = await receive('counter');
  const late = await receive('postal', '2026-12-20T02:00:00.000Z');
  const pending = await receive('online');
  const overdue = await receive('postal', '2026-12-16T02:00:00.000Z');
  await receive('online');
  for (const code of [onTime, late, pending, overdue]) await act(code, 'accept');
  for (const code of [onTime, late]) {
    await act(code, 'assign', { officer: 'cb1' });
    await act(code, 'complete');
  }

  for (const code of HUB_INDICATORS) {
    const kind = code.endsWith('Share') ? 'percent' : 'integer';
    const r = await hub.req('PUT', `/v1/reporting/indicators/${code}`, hub.admin, {
      name: code,
      unit: kind === 'percent' ? '%' : 'hồ sơ',
      kind,
      aggregation: 'sum',
    });
    t.equal(r.statusCode, 201, r.body);
  }
  t.equal(
    (
      await hub.req('PUT', '/v1/reporting/indicators/dossiers.other', hub.admin, {
        name: 'x',
        unit: 'x',
        kind: 'integer',
        aggregation: 'sum',
      })
    ).statusCode,
    400,
    'the hub namespace is closed',
  );
  const regime = await hub.req('PUT', '/v1/reporting/regimes/HCC', hub.admin, {
    name: 'Báo cáo kiểm soát thủ tục hành chính',
    legalBasis: 'Thông tư 01/2020/TT-VPCP',
    frequency: 'monthly',
    indicators: [...HUB_INDICATORS],
    levels: ['commune', 'district', 'province'],
  });
  t.equal(regime.statusCode, 201, regime.body);

  // the window ends; the report is run afterwards
  clock.set('2027-01-15T03:00:00.000Z');
  const report = (await hub.req('GET', `/v1/reports/dossiers?agencyId=${C}&from=2026-12-15&to=2027-01-14`, leader[C]!)).json();
  const aggregate = await hub.req('GET', `/v1/reporting/reports/HCC/2027-01/${C}/aggregate`, leader[C]!);
  t.equal(aggregate.statusCode, 200, aggregate.body);
  const values = aggregate.json().values;
  t.equal(values['dossiers.received'], report.received, 'received');
  t.equal(values['dossiers.resolvedOnTime'], report.resolvedOnTime, 'resolved on time');
  t.equal(values['dossiers.resolvedLate'], report.resolvedLate, 'resolved late');
  t.equal(values['dossiers.pendingOverdue'], report.pendingOverdue, 'pending overdue');
  t.equal(values['dossiers.received'], 5);
  t.equal(values['dossiers.resolvedLate'], 1, 'the dossier received on 20 Dec and resolved on 3 Jan is late');
  t.equal(values['dossiers.onlineShare'], 40, '2 of 5 online');
  t.ok(values['dossiers.pendingOverdue'] >= 1);

  // later events change the dossiers report of now, not the window's indicators
  await act(pending, 'assign', { officer: 'cb1' });
  await act(pending, 'complete');
  await receive('online', '2027-01-10T02:00:00.000Z');
  clock.set('2027-03-01T03:00:00.000Z');
  const later = (await hub.req('GET', `/v1/reporting/reports/HCC/2027-01/${C}/aggregate`, leader[C]!)).json().values;
  t.strictSame(later, values, 'identical however late the report is run');
  const reportNow = (await hub.req('GET', `/v1/reports/dossiers?agencyId=${C}&from=2026-12-15&to=2027-01-14`, leader[C]!)).json();
  t.not(reportNow.received, report.received, 'while a postal receipt typed in later changes the live dossiers report');

  // the district's figures are its subtree's
  const district = (await hub.req('GET', '/v1/reporting/reports/HCC/2027-01/H40.01/aggregate', leader['H40.01']!)).json().values;
  t.equal(district['dossiers.received'], 5);
});
