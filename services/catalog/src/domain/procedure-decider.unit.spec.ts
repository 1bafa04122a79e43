import t from 'tap';
import { spec } from '@lienthong/decider/testing';
import type { ProcedurePublished, ProcedureRecord } from '../events.js';
import { procedureDecider } from './procedure-decider.js';
import { isProcedureCode, procedurePutSchema } from './procedure.js';

const record: ProcedureRecord = {
  name: 'Đăng ký khai sinh',
  field: 'Hộ tịch',
  agencyLevels: ['commune'],
  processingDays: 1,
  fees: [{ description: 'Lệ phí', amount: 0 }],
  components: [{ name: 'Tờ khai đăng ký khai sinh', copies: 1, form: 'Mẫu TP/HT-2020-KS.1' }],
  result: 'Giấy khai sinh',
  legalBasis: ['Luật Hộ tịch 2014'],
  onlineLevel: 'full',
};
const code = '1.001193';
const at = '2026-12-06T03:00:00.000Z';
const published = (version: number, r: ProcedureRecord = record, effectiveFrom = at): ProcedurePublished => ({
  type: 'ProcedurePublished',
  data: { code, version, ...r, effectiveFrom },
});
const retired = (version: number) => ({ type: 'ProcedureRetired', data: { code, version } }) as const;
const publish = (r: ProcedureRecord = record, effectiveFrom?: string) =>
  ({ type: 'PublishProcedure', data: { code, record: r, effectiveFrom, at } }) as const;
/** As stored before `effectiveFrom` existed. */
const publishedBefore = (version: number): ProcedurePublished => ({ type: 'ProcedurePublished', data: { code, version, ...record } });
const retire = { type: 'RetireProcedure', data: { code } } as const;

t.test('publishing', async (t) => {
  spec(procedureDecider)
    .given([])
    .when(publish())
    .then(t, [published(1)], 'first PUT → version 1');
  spec(procedureDecider)
    .given([published(1)])
    .when(publish({ ...record, processingDays: 3 }))
    .then(t, [published(2, { ...record, processingDays: 3 })], 'changed record → next version');
  spec(procedureDecider)
    .given([published(1)])
    .when(publish())
    .then(t, [], 'identical record → nothing');
  spec(procedureDecider)
    .given([published(1)])
    .when(publish({ ...record, components: [{ form: 'Mẫu TP/HT-2020-KS.1', copies: 1, name: 'Tờ khai đăng ký khai sinh' }] }))
    .then(t, [], 'same record with keys in another order → nothing');
  spec(procedureDecider)
    .given([published(1), retired(1)])
    .when(publish())
    .then(t, [published(2)], 'PUT after retirement republishes, even identical');
  spec(procedureDecider)
    .given([published(1), published(2, { ...record, name: 'Khai sinh' })])
    .when(publish())
    .then(t, [published(3)], 'going back to an older record is a new version');
});

t.test('effective date', async (t) => {
  const legal = '2025-01-01T17:00:00.000Z';
  spec(procedureDecider)
    .given([])
    .when(publish(record, legal))
    .then(t, [published(1, record, legal)], 'given: recorded as given');
  spec(procedureDecider)
    .given([])
    .when(publish())
    .then(t, [published(1, record, at)], 'absent: the time of the PUT');
  spec(procedureDecider)
    .given([published(1)])
    .when(publish(record, legal))
    .then(t, [published(2, record, legal)], 'same record, another date → a new version (a correction)');
  spec(procedureDecider)
    .given([published(1, record, legal)])
    .when(publish(record, legal))
    .then(t, [], 'same record, same date → nothing');
  spec(procedureDecider)
    .given([published(1, record, legal)])
    .when(publish())
    .then(t, [], 'same record, no date → nothing (re-running an import)');
  spec(procedureDecider)
    .given([publishedBefore(1)])
    .when(publish())
    .then(t, [], 'an event stored without the field: same record → nothing');
  spec(procedureDecider)
    .given([publishedBefore(1)])
    .when(publish(record, legal))
    .then(t, [published(2, record, legal)], 'an event stored without the field: a date → a new version');
});

t.test('retiring', async (t) => {
  spec(procedureDecider)
    .given([published(1), published(2)])
    .when(retire)
    .then(t, [retired(2)], 'retires the latest version');
  spec(procedureDecider)
    .given([published(1), retired(1)])
    .when(retire)
    .then(t, [], 'retiring twice does nothing');
  spec(procedureDecider).given([]).when(retire).thenThrows(t, { kind: 'not-found' }, 'unknown code → 404');
});

t.test('state', async (t) => {
  const state = spec(procedureDecider).given([published(1), retired(1), published(2)]).state;
  t.match(state, { exists: true, version: 2, retired: false, effectiveFrom: at, record: { name: 'Đăng ký khai sinh' } });
});

t.test('procedure codes', async (t) => {
  for (const ok of ['1.004227', '2.000635', '1.004227.H40', '2.000635.000.00.00.H40', '1.004227.H40.12', '3.000123'])
    t.ok(isProcedureCode(ok), `${ok} accepted`);
  for (const bad of [
    '',
    '1.04227',
    '12.004227',
    '1.0042270',
    '1.004227.',
    '1.004227.h40',
    '1.004227..H40',
    'A.004227',
    '1.004227 ',
    `1.004227.${'H'.repeat(36)}`,
    '1-004227',
  ])
    t.notOk(isProcedureCode(bad), `${JSON.stringify(bad)} refused`);
});

t.test('record validation names every failing field, normalises text', async (t) => {
  const bad = procedurePutSchema.safeParse({
    name: '   ',
    field: 'Hộ tịch',
    agencyLevels: ['commune', 'commune', 'ward'],
    processingDays: -1,
    fees: [{ description: 'Lệ phí', amount: 1.5 }],
    components: [{ name: 'Tờ khai', copies: 0 }],
    onlineLevel: 'some',
    extra: 1,
  });
  t.notOk(bad.success);
  const paths = bad.error!.issues.map((i) => i.path.join('.'));
  for (const p of ['name', 'agencyLevels.2', 'processingDays', 'fees.0.amount', 'components.0.copies', 'onlineLevel'])
    t.ok(paths.includes(p), `names ${p}`);
  t.ok(
    bad.error!.issues.some((i) => i.code === 'unrecognized_keys'),
    'unknown field refused',
  );

  const good = procedurePutSchema.parse({
    name: ' Đăng ký khai sinh '.normalize('NFD'),
    field: 'Hộ tịch',
    agencyLevels: ['commune'],
    processingDays: 0.5,
    onlineLevel: 'partial',
  });
  t.equal(good.name, 'Đăng ký khai sinh', 'trimmed and NFC');
  t.same(
    { fees: good.fees, components: good.components, result: good.result, legalBasis: good.legalBasis },
    { fees: [], components: [], result: null, legalBasis: [] },
    'defaults',
  );
  t.notOk(procedurePutSchema.safeParse({ ...good, agencyLevels: ['commune', 'commune'] }).success, 'repeated level refused');
  t.notOk(procedurePutSchema.safeParse({ ...good, agencyLevels: [] }).success, 'no level refused');
});

t.test('effectiveFrom: an ISO date is 00:00 in Vietnam, a date-time keeps its offset', async (t) => {
  const base = { name: 'X', field: 'F', agencyLevels: ['commune'], processingDays: 1, onlineLevel: 'full' };
  t.equal(procedurePutSchema.parse({ ...base, effectiveFrom: '2026-11-20' }).effectiveFrom, '2026-11-19T17:00:00.000Z');
  t.equal(procedurePutSchema.parse({ ...base, effectiveFrom: '2026-11-20T08:00:00+07:00' }).effectiveFrom, '2026-11-20T01:00:00.000Z');
  t.equal(procedurePutSchema.parse(base).effectiveFrom, undefined, 'absent stays absent (the service defaults it)');
  for (const bad of ['2026-02-30', '20/11/2026', '2026-11-20T08:00:00', '1899-12-31', 20261120, ''])
    t.notOk(procedurePutSchema.safeParse({ ...base, effectiveFrom: bad }).success, `${JSON.stringify(bad)} refused`);
});
