import t from 'tap';
import { ANNOUNCED_CALENDAR_YEARS } from './data/holidays.js';
import { defaultCalendarYear, hungKingsDay, lunarNewYear } from './lunar-default.js';
import { formatISODate, parseISODate, weekdayOfDay } from './civil-date.js';

t.test('Tết (mùng 1) on the Vietnamese calendar (UTC+7)', async (t) => {
  const cases: Array<[number, string, string]> = [
    [1985, '1985-01-21', 'China: 20/2 — Vietnam has its own calendar since 1968'],
    [2007, '2007-02-17', 'China: 18/2'],
    [2020, '2020-01-25', ''],
    [2021, '2021-02-12', ''],
    [2022, '2022-02-01', ''],
    [2023, '2023-01-22', ''],
    [2024, '2024-02-10', ''],
    [2025, '2025-01-29', ''],
    [2026, '2026-02-17', ''],
    [2027, '2027-02-06', ''],
    [2028, '2028-01-26', ''],
    [2029, '2029-02-13', ''],
    [2030, '2030-02-02', 'China: 3/2 (new moon at 23:07 in Hanoi, 00:07 in Beijing)'],
  ];
  for (const [year, date, note] of cases) t.equal(lunarNewYear(year), date, `${year} ${note}`);
});

t.test('Giỗ Tổ Hùng Vương (10/3 lunar)', async (t) => {
  const cases: Array<[number, string]> = [
    [2024, '2024-04-18'],
    [2025, '2025-04-07'],
    [2026, '2026-04-26'],
    [2027, '2027-04-16'],
    [2028, '2028-04-04'],
  ];
  for (const [year, date] of cases) t.equal(hungKingsDay(year), date, String(year));
});

t.test('default calendar for years without data', async (t) => {
  const cases: Array<[number, string[], string]> = [
    [
      2028,
      [
        '2028-01-01',
        '2028-01-03',
        '2028-01-25',
        '2028-01-26',
        '2028-01-27',
        '2028-01-28',
        '2028-01-29',
        '2028-01-31',
        '2028-04-04',
        '2028-04-30',
        '2028-05-01',
        '2028-05-02',
        '2028-09-01',
        '2028-09-02',
        '2028-09-04',
      ],
      '1/1 Saturday → Monday 3/1; Tết 26/1: 25–29/1, Saturday 29/1 → Monday 31/1; 30/4 Sunday → Tuesday 2/5; 2/9 Saturday with 1/9 → Monday 4/9',
    ],
    [
      2029,
      [
        '2029-01-01',
        '2029-02-12',
        '2029-02-13',
        '2029-02-14',
        '2029-02-15',
        '2029-02-16',
        '2029-04-23',
        '2029-04-30',
        '2029-05-01',
        '2029-09-01',
        '2029-09-02',
        '2029-09-03',
        '2029-09-04',
      ],
      'Tết 13/2: 12–16/2; 2/9 Sunday and 1/9 Saturday → Monday 3/9 and Tuesday 4/9',
    ],
    [
      2030,
      [
        '2030-01-01',
        '2030-02-01',
        '2030-02-02',
        '2030-02-03',
        '2030-02-04',
        '2030-02-05',
        '2030-02-06',
        '2030-02-07',
        '2030-04-12',
        '2030-04-30',
        '2030-05-01',
        '2030-09-01',
        '2030-09-02',
        '2030-09-03',
      ],
      'Tết Saturday 2/2: 1–5/2 plus 6 and 7/2; 1/9 Sunday → Tuesday 3/9 (Monday 2/9 is taken)',
    ],
    [
      2027,
      [
        '2027-01-01',
        '2027-02-05',
        '2027-02-06',
        '2027-02-07',
        '2027-02-08',
        '2027-02-09',
        '2027-02-10',
        '2027-02-11',
        '2027-04-16',
        '2027-04-30',
        '2027-05-01',
        '2027-05-03',
        '2027-09-02',
        '2027-09-03',
      ],
      '2/9 Thursday: the adjacent day is Friday 3/9',
    ],
  ];
  for (const [year, holidays, why] of cases) {
    const computed = defaultCalendarYear(year);
    t.same(computed, { year, holidays, workingDays: [] }, `${year}: ${why}`);
  }
});

t.test('the default reproduces the statutory core of the announced years', async (t) => {
  // Weekday days off of an announced year, minus the days swapped for a working Saturday,
  // are the statutory holidays and their compensation: the default must find the same
  // where the government chose "last day + mùng 1–4" for Tết (2026) …
  const weekdaysOff = (holidays: readonly string[]): string[] =>
    holidays.filter((d) => {
      const w = weekdayOfDay(parseISODate(d) ?? 0);
      return w !== 0 && w !== 6;
    });
  const announced2026 = ANNOUNCED_CALENDAR_YEARS.find((y) => y.year === 2026);
  t.ok(announced2026);
  const swappedOff2026 = ['2026-01-02', '2026-08-31'];
  t.same(
    weekdaysOff(announced2026?.holidays ?? []).filter((d) => !swappedOff2026.includes(d)),
    weekdaysOff(defaultCalendarYear(2026).holidays),
  );
  // … and in 2024, whose 12th lunar month had 30 days (Tết from 29 tháng Chạp, 8/2) …
  const announced2024 = ANNOUNCED_CALENDAR_YEARS.find((y) => y.year === 2024);
  t.same(
    weekdaysOff(announced2024?.holidays ?? []).filter((d) => d !== '2024-04-29'),
    weekdaysOff(defaultCalendarYear(2024).holidays),
  );
  // … but not in 2025, when Tết started on 28 tháng Chạp (27/1) to stay on Monday–Friday.
  const announced2025 = ANNOUNCED_CALENDAR_YEARS.find((y) => y.year === 2025);
  const defaultTet2025 = weekdaysOff(defaultCalendarYear(2025).holidays).filter((d) => d < '2025-03-01');
  t.same(defaultTet2025, ['2025-01-01', '2025-01-28', '2025-01-29', '2025-01-30', '2025-01-31', '2025-02-03']);
  t.not(
    weekdaysOff(announced2025?.holidays ?? [])
      .filter((d) => d < '2025-03-01')
      .join(),
    defaultTet2025.join(),
  );
});

t.test('shipped announced years are valid and consistent', async (t) => {
  t.same(
    ANNOUNCED_CALENDAR_YEARS.map((y) => y.year),
    [2024, 2025, 2026],
  );
  for (const y of ANNOUNCED_CALENDAR_YEARS) {
    for (const d of [...y.holidays, ...y.workingDays]) t.ok(d.startsWith(`${y.year}-`) && parseISODate(d) !== undefined, d);
    t.equal(new Set(y.holidays).size, y.holidays.length, `${y.year}: no duplicate`);
    for (const d of y.workingDays) {
      const w = weekdayOfDay(parseISODate(d) ?? 0);
      t.ok(w === 6, `${d} is a Saturday`);
    }
    // Every statutory Tết day (mùng 1–3 at least) is off.
    const tet = parseISODate(lunarNewYear(y.year)) ?? 0;
    for (let i = 0; i < 3; i++) t.ok(y.holidays.includes(formatISODate(tet + i)), `${y.year}: mùng ${i + 1} Tết is off`);
  }
});

t.test('years outside the lunar tables are refused', async (t) => {
  t.throws(() => defaultCalendarYear(1900), RangeError);
  t.throws(() => defaultCalendarYear(2200), RangeError);
  t.throws(() => lunarNewYear(2025.5), RangeError);
  t.equal(defaultCalendarYear(2199).year, 2199);
  t.equal(defaultCalendarYear(1901).year, 1901);
});

t.test('the default Tết matches the announced Tết of past years but 2025', async (t) => {
  // Weekdays off around Tết as announced (weekend days dropped): 5 days from 29 tháng Chạp
  // plus compensation for those on a weekend.
  const announced: Array<[number, string, string]> = [
    [2020, '2020-01-23', '2020-01-29'], // Tết Saturday 25/1, 30-day month: Thu 23/1 – Wed 29/1
    [2021, '2021-02-10', '2021-02-16'], // Tết Friday 12/2, 30-day month
    [2022, '2022-01-31', '2022-02-04'], // Tết Tuesday 1/2, 29-day month
    [2023, '2023-01-20', '2023-01-26'], // Tết Sunday 22/1, 30-day month
    [2024, '2024-02-08', '2024-02-14'], // Tết Saturday 10/2, 30-day month
    [2026, '2026-02-16', '2026-02-20'], // Tết Tuesday 17/2, 29-day month
  ];
  for (const [year, first, last] of announced) {
    const expected: string[] = [];
    for (let d = parseISODate(first) ?? 0; d <= (parseISODate(last) ?? 0); d++) {
      if (weekdayOfDay(d) !== 0 && weekdayOfDay(d) !== 6) expected.push(formatISODate(d));
    }
    const computed = defaultCalendarYear(year).holidays.filter((d) => {
      const day = parseISODate(d) ?? 0;
      return d >= first && d <= last && weekdayOfDay(day) !== 0 && weekdayOfDay(day) !== 6;
    });
    const around = defaultCalendarYear(year).holidays.filter((d) => d > `${year}-01-10` && d < `${year}-03-01`);
    t.same(computed, expected, `${year}: ${first} – ${last}`);
    t.equal(around.filter((d) => weekdayOfDay(parseISODate(d) ?? 0) % 6 !== 0).length, expected.length, `${year}: nothing else off`);
  }
});
