import t from 'tap';
import {
  endOfDate,
  formatPeriod,
  frequencyOf,
  hasStarted,
  parsePeriod,
  periodAt,
  shiftPeriod,
  startOfDate,
  submitByOf,
  windowOf,
  type Frequency,
} from './periods.js';

const p = (frequency: Frequency, id: string) => {
  const period = parsePeriod(frequency, id);
  if (!period) throw new Error(`bad period ${id}`);
  return period;
};

t.test('parsing and formatting every frequency', async (t) => {
  t.strictSame(parsePeriod('monthly', '2027-01'), { frequency: 'monthly', year: 2027, index: 1 });
  t.strictSame(parsePeriod('quarterly', '2027-Q4'), { frequency: 'quarterly', year: 2027, index: 4 });
  t.strictSame(parsePeriod('semiannual', '2027-H2'), { frequency: 'semiannual', year: 2027, index: 2 });
  t.strictSame(parsePeriod('annual', '2027'), { frequency: 'annual', year: 2027, index: 1 });
  for (const [f, bad] of [
    ['monthly', '2027-13'],
    ['monthly', '2027-1'],
    ['quarterly', '2027-Q5'],
    ['semiannual', '2027-H3'],
    ['annual', '27'],
    ['monthly', '2027'],
  ] as const)
    t.equal(parsePeriod(f, bad), null, `${f} ${bad} refused`);
  t.equal(frequencyOf('2027-Q2'), 'quarterly');
  t.equal(frequencyOf('2027'), 'annual');
  t.equal(frequencyOf('x'), null);
  for (const id of ['2027-01', '2027-12']) t.equal(formatPeriod(p('monthly', id)), id);
  t.equal(formatPeriod(p('quarterly', '2027-Q3')), '2027-Q3');
  t.equal(formatPeriod(p('semiannual', '2027-H1')), '2027-H1');
  t.equal(formatPeriod(p('annual', '2027')), '2027');
});

t.test('cut-off windows of Decree 09 art. 12, across year ends', async (t) => {
  t.strictSame(windowOf(p('monthly', '2027-01')), { from: '2026-12-15', to: '2027-01-14' }, "January's window starts 15 December");
  t.strictSame(windowOf(p('monthly', '2027-03')), { from: '2027-02-15', to: '2027-03-14' });
  t.strictSame(windowOf(p('monthly', '2027-12')), { from: '2027-11-15', to: '2027-12-14' });
  t.strictSame(windowOf(p('quarterly', '2027-Q1')), { from: '2026-12-15', to: '2027-03-14' });
  t.strictSame(windowOf(p('quarterly', '2027-Q2')), { from: '2027-03-15', to: '2027-06-14' });
  t.strictSame(windowOf(p('quarterly', '2027-Q4')), { from: '2027-09-15', to: '2027-12-14' });
  t.strictSame(windowOf(p('semiannual', '2027-H1')), { from: '2026-12-15', to: '2027-06-14' });
  t.strictSame(windowOf(p('semiannual', '2027-H2')), { from: '2027-06-15', to: '2027-12-14' });
  t.strictSame(windowOf(p('annual', '2027')), { from: '2026-12-15', to: '2027-12-14' }, 'annual: 15 Dec of the year before to 14 Dec');
  t.strictSame(windowOf(p('monthly', '2028-02'), { fromDay: 1 }), { from: '2028-02-01', to: '2028-02-29' }, 'calendar month, leap year');
  t.strictSame(windowOf(p('annual', '2027'), { fromDay: 1 }), { from: '2027-01-01', to: '2027-12-31' });
});

t.test('windows tile time: each starts the day after the previous ends', async (t) => {
  for (const f of ['monthly', 'quarterly', 'semiannual', 'annual'] as const) {
    let period = periodAt(f, new Date('2026-01-01T00:00:00Z'));
    for (let i = 0; i < 30; i++) {
      const next = shiftPeriod(period, 1);
      t.equal(
        startOfDate(windowOf(next).from).getTime(),
        endOfDate(windowOf(period).to).getTime(),
        `${formatPeriod(period)} → ${formatPeriod(next)}`,
      );
      period = next;
    }
  }
});

t.test('submitBy: a day of the period last month, per level, clamped', async (t) => {
  t.equal(submitByOf(p('monthly', '2027-01'), 'commune'), '2027-01-16');
  t.equal(submitByOf(p('monthly', '2027-01'), 'district'), '2027-01-18');
  t.equal(submitByOf(p('monthly', '2027-01'), 'province'), '2027-01-20');
  t.equal(submitByOf(p('quarterly', '2027-Q1'), 'province'), '2027-03-20');
  t.equal(submitByOf(p('semiannual', '2027-H1'), 'district'), '2027-06-18');
  t.equal(submitByOf(p('semiannual', '2027-H2'), 'commune'), '2027-12-16');
  t.equal(submitByOf(p('annual', '2027'), 'province'), '2027-12-20');
  t.equal(submitByOf(p('monthly', '2027-02'), 'province', { province: 31 }), '2027-02-28', 'day 31 in February → the 28th');
  t.equal(submitByOf(p('monthly', '2027-02'), 'commune', { commune: 10 }), '2027-02-10', 'the regime overrides');
});

t.test('the period an instant falls in (Asia/Ho_Chi_Minh dates)', async (t) => {
  t.equal(formatPeriod(periodAt('monthly', new Date('2026-12-14T16:59:59.999Z'))), '2026-12', '23:59 on 14 Dec in Hanoi → December');
  t.equal(formatPeriod(periodAt('monthly', new Date('2026-12-14T17:00:00.000Z'))), '2027-01', '00:00 on 15 Dec in Hanoi → January');
  t.equal(formatPeriod(periodAt('annual', new Date('2026-12-20T00:00:00Z'))), '2027');
  t.equal(formatPeriod(periodAt('annual', new Date('2026-12-10T00:00:00Z'))), '2026');
  t.equal(formatPeriod(periodAt('quarterly', new Date('2027-03-15T00:00:00Z'))), '2027-Q2');
  t.equal(formatPeriod(periodAt('quarterly', new Date('2026-12-31T00:00:00Z'))), '2027-Q1');
  t.equal(formatPeriod(periodAt('semiannual', new Date('2027-06-14T12:00:00Z'))), '2027-H1', '19:00 on 14 June in Hanoi → H1');
  t.equal(formatPeriod(periodAt('semiannual', new Date('2027-06-14T17:00:00Z'))), '2027-H2', '00:00 on 15 June in Hanoi → H2');
  t.equal(formatPeriod(periodAt('monthly', new Date('2027-01-31T00:00:00Z'), { fromDay: 1 })), '2027-01');
  t.ok(hasStarted(p('monthly', '2027-01'), new Date('2026-12-14T17:00:00.000Z')));
  t.notOk(hasStarted(p('monthly', '2027-01'), new Date('2026-12-14T16:59:59.999Z')));
  t.equal(endOfDate('2027-01-16').toISOString(), '2027-01-16T17:00:00.000Z', 'a due day ends at midnight in Hanoi');
});
