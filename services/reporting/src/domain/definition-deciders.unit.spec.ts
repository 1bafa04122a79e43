import t from 'tap';
import { spec } from '@lienthong/decider/testing';
import type { IndicatorRecord, RegimeRecord } from './events.js';
import { indicatorDecider, regimeDecider } from './definition-deciders.js';

const at = '2027-01-01T00:00:00.000Z';
const record: IndicatorRecord = {
  name: 'Dân số',
  unit: 'người',
  kind: 'integer',
  aggregation: 'sum',
  numerator: null,
  denominator: null,
  decimals: null,
};
const publish = (code: string, r: IndicatorRecord = record) => ({ type: 'PublishIndicator', data: { code, record: r, at } }) as const;
const published = (code: string, version: number, r: IndicatorRecord = record) =>
  ({ type: 'IndicatorPublished', data: { code, version, at, ...r } }) as const;

t.test('indicators are versioned: each change a version, the same record nothing', async (t) => {
  spec(indicatorDecider)
    .given([])
    .when(publish('pop'))
    .then(t, [published('pop', 1)]);
  spec(indicatorDecider)
    .given([published('pop', 1)])
    .when(publish('pop'))
    .then(t, [], 'identical → nothing');
  spec(indicatorDecider)
    .given([published('pop', 1)])
    .when(publish('pop', { ...record, unit: 'nghìn người' }))
    .then(t, [published('pop', 2, { ...record, unit: 'nghìn người' })]);
});

t.test('indicator rules', async (t) => {
  spec(indicatorDecider)
    .given([])
    .when(publish('r', { ...record, aggregation: 'ratio' }))
    .thenThrows(t, { kind: 'invalid', fields: [{ field: 'numerator' }, { field: 'denominator' }] });
  spec(indicatorDecider)
    .given([])
    .when(publish('s', { ...record, numerator: 'a' }))
    .thenThrows(t, { kind: 'invalid', fields: [{ field: 'numerator' }] });
  spec(indicatorDecider)
    .given([])
    .when(publish('t', { ...record, kind: 'text' }))
    .thenThrows(t, { kind: 'invalid', fields: [{ field: 'aggregation' }] });
  spec(indicatorDecider)
    .given([])
    .when(publish('dossiers.madeUp'))
    .thenThrows(t, { kind: 'invalid', fields: [{ field: 'code' }] }, 'the hub namespace is closed');
  spec(indicatorDecider)
    .given([])
    .when(publish('dossiers.received'))
    .then(t, [published('dossiers.received', 1)], 'a hub indicator is defined like any other');
});

t.test('regimes list known indicators', async (t) => {
  const regime: RegimeRecord = {
    name: 'Báo cáo KT-XH',
    legalBasis: 'Nghị định 09/2019/NĐ-CP',
    frequency: 'monthly',
    indicators: ['pop'],
    levels: ['commune', 'district', 'province'],
    submitBy: {},
    cutOff: null,
  };
  const cmd = (r: RegimeRecord, unknownIndicators: string[] = []) =>
    ({ type: 'PublishRegime', data: { code: 'KTXH', record: r, at, unknownIndicators } }) as const;
  spec(regimeDecider)
    .given([])
    .when(cmd(regime))
    .then(t, [{ type: 'RegimePublished', data: { code: 'KTXH', version: 1, at, ...regime } }]);
  spec(regimeDecider)
    .given([])
    .when(cmd(regime, ['x']))
    .thenThrows(t, { kind: 'unprocessable', facts: { unknownIndicators: ['x'] } });
  spec(regimeDecider)
    .given([])
    .when(cmd({ ...regime, indicators: ['pop', 'pop'] }))
    .thenThrows(t, { kind: 'invalid' });
  spec(regimeDecider)
    .given([{ type: 'RegimePublished', data: { code: 'KTXH', version: 1, at, ...regime } }])
    .when(cmd({ ...regime, submitBy: { commune: 10 } }))
    .then(t, [{ type: 'RegimePublished', data: { code: 'KTXH', version: 2, at, ...regime, submitBy: { commune: 10 } } }]);
});
