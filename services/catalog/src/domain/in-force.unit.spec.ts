import t from 'tap';
import { procedureInForce, procedureVersions } from './in-force.js';

const rec = { name: 'X', field: 'F', agencyLevels: ['commune'], processingDays: 1, fees: [], components: [], result: null, legalBasis: [], onlineLevel: 'full' };
const pub = (version: number, at: string) => ({ type: 'ProcedurePublished', data: { code: '1.000001', version, ...rec }, metadata: { at } });
const ret = (version: number, at: string) => ({ type: 'ProcedureRetired', data: { code: '1.000001', version }, metadata: { at } });

const history = [
  pub(1, '2026-01-01T00:00:00.000Z'),
  pub(2, '2026-02-01T00:00:00.000Z'),
  ret(2, '2026-03-01T00:00:00.000Z'),
  pub(3, '2026-04-01T00:00:00.000Z'),
];

t.test('the version in force at an instant', async (t) => {
  const at = (iso: string) => procedureInForce(history, iso)?.procedure.version ?? null;
  t.equal(at('2025-12-31T23:59:59.999Z'), null, 'before the first publication');
  t.equal(at('2026-01-01T00:00:00.000Z'), 1, 'at the publication instant');
  t.equal(at('2026-01-31T00:00:00.000Z'), 1);
  t.equal(at('2026-02-15T00:00:00.000Z'), 2);
  t.equal(at('2026-03-01T00:00:00.000Z'), null, 'retired at that instant');
  t.equal(at('2026-03-15T00:00:00.000Z'), null, 'retired');
  t.equal(at('2026-05-01T00:00:00.000Z'), 3, 'republished');
  t.equal(procedureInForce(history, new Date('2026-02-15T00:00:00Z'))?.publishedAt, '2026-02-01T00:00:00.000Z', 'publishedAt, Date input');
  t.equal(procedureInForce([], '2026-01-01T00:00:00Z'), null, 'no events');
  t.throws(() => procedureInForce(history, 'not a date'), RangeError);
});

t.test('version history', async (t) => {
  t.same(procedureVersions(history), [
    { version: 1, publishedAt: '2026-01-01T00:00:00.000Z', retiredAt: null },
    { version: 2, publishedAt: '2026-02-01T00:00:00.000Z', retiredAt: '2026-03-01T00:00:00.000Z' },
    { version: 3, publishedAt: '2026-04-01T00:00:00.000Z', retiredAt: null },
  ]);
});
