import t from 'tap';
import { InvalidCalendarYearError, parseCalendarYear, validateCalendarYear } from './calendar-year.js';

t.test('a valid year comes back sorted and without duplicates', async (t) => {
  const result = validateCalendarYear(2027, {
    holidays: ['2027-02-08', '2027-01-01', '2027-02-08'],
    workingDays: ['2027-02-20'],
  });
  t.same(result, { success: true, data: { year: 2027, holidays: ['2027-01-01', '2027-02-08'], workingDays: ['2027-02-20'] } });
  t.same(
    validateCalendarYear(2027, { holidays: [] }),
    { success: true, data: { year: 2027, holidays: [], workingDays: [] } },
    'workingDays defaults to []',
  );
  t.same(parseCalendarYear(2027, { year: 2027, holidays: ['2027-09-03'], workingDays: [] }).holidays, ['2027-09-03']);
});

t.test('malformed and out-of-year dates are named, every one', async (t) => {
  const result = validateCalendarYear(2025, {
    holidays: ['2025-01-01', '2025-02-30', '2025-13-01', '1/5/2025', 20250101, '2025-04-30'],
    workingDays: ['2025-04-26'],
  });
  t.equal(result.success, false);
  if (result.success) return;
  t.same(
    result.issues.map((i) => [i.path, i.value]),
    [
      ['holidays[1]', '2025-02-30'],
      ['holidays[2]', '2025-13-01'],
      ['holidays[3]', '1/5/2025'],
      ['holidays[4]', 20250101],
    ],
  );

  const wrongYear = validateCalendarYear(2025, {
    holidays: ['2025-01-01', '2024-12-31', '2026-01-01'],
    workingDays: ['2024-05-04'],
  });
  t.equal(wrongYear.success, false);
  if (wrongYear.success) return;
  t.same(
    wrongYear.issues.map((i) => i.path),
    ['holidays[1]', 'holidays[2]', 'workingDays[0]'],
  );
  t.match(wrongYear.issues[0]?.message, /2024-12-31 is not in 2025/);
});

t.test('working days must be weekend days and not holidays', async (t) => {
  const result = validateCalendarYear(2025, {
    holidays: ['2025-04-26'],
    workingDays: ['2025-04-26', '2025-04-28'],
  });
  t.equal(result.success, false);
  if (result.success) return;
  t.same(
    result.issues.map((i) => i.path),
    ['workingDays[0]', 'workingDays[1]'],
  );
  t.match(result.issues[0]?.message, /both as a holiday and as a working day/);
  t.match(result.issues[1]?.message, /weekday/);
});

t.test('wrong shapes and years', async (t) => {
  const cases: Array<[string, number, unknown, string]> = [
    ['not an object', 2025, 'x', '(body)'],
    ['no holidays', 2025, { workingDays: [] }, 'holidays'],
    ['holidays not an array', 2025, { holidays: '2025-01-01' }, 'holidays'],
    ['body for another year', 2025, { year: 2026, holidays: [] }, 'year'],
    ['year out of range', 1800, { holidays: [] }, 'year'],
    ['year not an integer', 2025.5, { holidays: [] }, 'year'],
  ];
  for (const [what, year, body, path] of cases) {
    const result = validateCalendarYear(year, body);
    t.equal(result.success ? undefined : result.issues[0]?.path, path, what);
  }
});

t.test('parseCalendarYear throws a coded error carrying the issues', async (t) => {
  const error = t.throws(() => parseCalendarYear(2025, { holidays: ['2025-02-29'] }));
  t.ok(error instanceof InvalidCalendarYearError);
  if (!(error instanceof InvalidCalendarYearError)) return;
  t.equal(error.code, 'LT_INVALID_CALENDAR_YEAR');
  t.same(
    error.issues.map((i) => i.path),
    ['holidays[0]'],
  );
  t.match(error.message, /holidays\[0\]/);
});
