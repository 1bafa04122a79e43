import t from 'tap';
import { aggregateValues, combineAccumulators, ownAccumulators } from './aggregation.js';
import type { IndicatorRecord } from './events.js';

const ind = (aggregation: IndicatorRecord['aggregation'], more: Partial<IndicatorRecord> = {}): IndicatorRecord => ({
  name: 'x',
  unit: 'u',
  kind: 'number',
  aggregation,
  numerator: null,
  denominator: null,
  decimals: null,
  ...more,
});
const indicators = {
  a: ind('sum'),
  b: ind('avg'),
  c: ind('min'),
  d: ind('max'),
  n: ind('sum'),
  m: ind('sum'),
  r: ind('ratio', { numerator: 'n', denominator: 'm', kind: 'percent', decimals: 1 }),
  q: ind('ratio', { numerator: 'n', denominator: 'm' }),
  note: ind('none', { kind: 'text' }),
};

t.test('each kind of aggregation over own values and children', async (t) => {
  const own = { a: 1, b: 10, c: 5, d: 5, n: 1, m: 4, note: 'riêng' };
  const child1 = ownAccumulators({ a: 2, b: 20, c: 3, d: 9, n: 2, m: 4, note: 'con' });
  const child2 = ownAccumulators({ a: 3, b: 60, c: 7, d: 1, n: 0, m: 4 });
  const v = aggregateValues(indicators, own, combineAccumulators([ownAccumulators(own), child1, child2]));
  t.equal(v.a, 6, 'sum');
  t.equal(v.b, 30, 'avg over every value');
  t.equal(v.c, 3, 'min');
  t.equal(v.d, 9, 'max');
  t.equal(v.r, 25, 'ratio: Σ numerator / Σ denominator, ×100 for a percent, rounded');
  t.equal(v.q, 0.25, 'ratio of numbers');
  t.equal(v.note, 'riêng', "none: the agency's own value only");
});

t.test('avg of a level above is over the leaves, not an average of averages', async (t) => {
  const district1 = combineAccumulators([ownAccumulators({ b: 10 }), ownAccumulators({ b: 20 }), ownAccumulators({ b: 30 })]);
  const district2 = ownAccumulators({ b: 100 });
  const v = aggregateValues(indicators, {}, combineAccumulators([district1, district2]));
  t.equal(v.b, 40, '(10+20+30+100)/4, not (20+100)/2');
});

t.test('nothing given, nothing invented; a zero denominator gives no ratio', async (t) => {
  t.strictSame(aggregateValues(indicators, {}, {}), {});
  t.equal(aggregateValues(indicators, {}, ownAccumulators({ n: 1, m: 0 })).r, undefined);
});
