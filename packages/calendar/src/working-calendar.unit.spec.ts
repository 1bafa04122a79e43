import t from 'tap';
import { InvalidCalendarYearError } from './calendar-year.js';
import { createWorkingCalendar } from './working-calendar.js';
import type { WorkingCalendar } from './working-calendar.js';

const HOUR = 3_600_000;
/** An instant given on the Vietnam clock, `YYYY-MM-DD HH:MM`. */
const vn = (text: string): Date => new Date(`${text.replace(' ', 'T')}:00+07:00`);
/** An instant shown on the Vietnam clock, `YYYY-MM-DD HH:MM` (seconds when not zero). */
const show = (d: Date): string => {
  const iso = new Date(d.getTime() + 7 * HOUR).toISOString();
  const text = `${iso.slice(0, 10)} ${iso.slice(11, 16)}`;
  return iso.slice(17, 23) === '00.000' ? text : `${text}:${iso.slice(17, 23)}`;
};

const cal = createWorkingCalendar();

t.test('addWorkingDays, received at various moments (shipped 2024–2026 data)', async (t) => {
  const cases: Array<[string, string, number, string]> = [
    // [what, received, days, due]
    ['Friday afternoon runs into Monday', '2025-03-07 15:00', 1, '2025-03-10 15:00'],
    ['before office hours: counting starts at 07:00, ends at the close', '2025-03-10 06:00', 1, '2025-03-10 17:00'],
    ['at lunch: counting starts at 13:30', '2025-03-10 12:00', 0.5, '2025-03-11 07:30'],
    ['after closing: counting starts next morning', '2025-03-10 18:00', 1, '2025-03-11 17:00'],
    ['exactly at the close', '2025-03-10 17:00', 0.5, '2025-03-11 11:00'],
    ['landing on the morning close stays at 11:30', '2025-03-10 07:00', 4.5 / 8, '2025-03-10 11:30'],
    ['on a Sunday', '2025-03-09 10:00', 1, '2025-03-10 17:00'],
    ['on a holiday (30/4/2025, off until 4/5)', '2025-04-30 09:00', 1, '2025-05-05 17:00'],
    ['across Tết 2025 (25/1–2/2 off)', '2025-01-24 15:00', 1, '2025-02-03 15:00'],
    ['across Tết 2026 (14/2–22/2 off)', '2026-02-13 10:00', 2, '2026-02-24 10:00'],
    ['into the swapped working Saturday 26/4/2025', '2025-04-25 10:00', 1, '2025-04-26 10:00'],
    ['into the swapped working Saturday 4/5/2024', '2024-05-03 10:00', 1, '2024-05-04 10:00'],
    ['over the 2/1/2026 swap onto Saturday 10/1/2026', '2026-01-09 10:00', 1, '2026-01-10 10:00'],
    ['Quốc khánh 2026 (29/8–2/9 off)', '2026-08-28 16:00', 0.25, '2026-09-03 08:00'],
    ['0.5 day from the morning opening (4 of the 4.5 morning hours)', '2025-03-10 07:00', 0.5, '2025-03-10 11:00'],
    ['1.5 days', '2025-03-10 07:00', 1.5, '2025-03-11 11:00'],
    ['1.5 days from mid-afternoon (2 h + 8 h + 2 h)', '2025-03-10 15:00', 1.5, '2025-03-12 09:00'],
    ['0 days within office hours: the instant itself', '2025-03-10 09:17', 0, '2025-03-10 09:17'],
    ['0 days at lunch: the next opening', '2025-03-10 12:00', 0, '2025-03-10 13:30'],
    ['0 days on Friday evening: Monday opening', '2025-03-07 19:00', 0, '2025-03-10 07:00'],
    ['60 working days (2/9/2025 holidays inside)', '2025-08-04 07:00', 60, '2025-10-28 17:00'],
    ['2027 (no data): the lunar default, Tết 5–11/2 off', '2027-02-04 16:00', 1, '2027-02-12 16:00'],
  ];
  for (const [what, received, days, due] of cases) {
    t.equal(show(cal.addWorkingDays(vn(received), days)), due, what);
  }
});

t.test('addWorkingHours and addWorkingTime', async (t) => {
  t.equal(show(cal.addWorkingHours(vn('2025-03-10 11:00'), 1)), '2025-03-10 14:00', 'lunch is skipped');
  t.equal(show(cal.addWorkingHours(vn('2025-03-10 11:30'), 3.5)), '2025-03-10 17:00', 'from the morning close');
  t.equal(show(cal.addWorkingHours(vn('2025-03-07 16:30'), 0.75)), '2025-03-10 07:15', 'over a weekend');
  t.equal(show(cal.addWorkingTime(vn('2025-03-10 07:00'), 1500)), '2025-03-10 07:00:01.500', 'milliseconds');
  t.equal(
    cal.addWorkingDays(vn('2025-03-10 07:00'), 2).getTime(),
    cal.addWorkingHours(vn('2025-03-10 07:00'), 16).getTime(),
    '2 days = 16 hours',
  );
});

t.test('instants are read on the Vietnam clock whatever their UTC date', async (t) => {
  // 2025-03-09T17:30Z is Monday 00:30 in Vietnam (Sunday in UTC).
  t.equal(cal.isWorkingDay(new Date('2025-03-09T17:30:00Z')), true);
  t.equal(cal.isWorkingDay(new Date('2025-03-10T17:30:00Z')), true, 'Tuesday 00:30 in Vietnam');
  t.equal(cal.isWorkingDay(new Date('2025-03-07T17:30:00Z')), false, 'Saturday 00:30 in Vietnam');
  t.equal(cal.isWithinOfficeHours(new Date('2025-03-10T00:00:00Z')), true, '07:00 opening is inside');
  t.equal(cal.isWithinOfficeHours(new Date('2025-03-09T23:59:59Z')), false, '06:59:59 is outside');
  t.equal(cal.isWithinOfficeHours(vn('2025-03-10 11:30')), false, 'the close itself is outside');
  t.equal(cal.isWithinOfficeHours(vn('2025-04-30 09:00')), false, 'a holiday has no office hours');
  t.equal(show(cal.nextOpening(vn('2025-03-10 11:30'))), '2025-03-10 13:30');
  t.equal(show(cal.nextOpening(vn('2025-03-10 08:00'))), '2025-03-10 08:00');
  t.equal(show(cal.nextOpening(vn('2025-01-24 17:00'))), '2025-02-03 07:00', 'after Tết 2025');
});

t.test('isWorkingDay on dates', async (t) => {
  const cases: Array<[string, boolean, string]> = [
    ['2025-03-10', true, 'a Monday'],
    ['2025-03-08', false, 'a Saturday'],
    ['2025-04-26', true, 'swapped working Saturday'],
    ['2025-05-02', false, 'swapped day off'],
    ['2026-02-16', false, '29 tháng Chạp Ất Tỵ'],
    ['2026-02-23', true, 'back after Tết 2026'],
    ['2026-08-22', true, 'Saturday worked for 31/8/2026'],
    ['2026-08-31', false, 'Monday 31/8/2026 off'],
    ['2024-02-08', false, 'Tết 2024 starts 8/2'],
    ['2024-02-15', true, 'Tết 2024 ended 14/2'],
    ['2028-01-31', false, '2028 default: compensatory day for Saturday 29/1 (mùng 4)'],
    ['2028-01-01', false, '2028-01-01 is a Saturday'],
    ['2028-01-03', false, 'compensatory day for 1/1/2028'],
  ];
  for (const [date, expected, what] of cases) t.equal(cal.isWorkingDay(date), expected, `${date}: ${what}`);
  t.throws(() => cal.isWorkingDay('2025-02-30'), RangeError);
});

t.test('workingTimeBetween', async (t) => {
  const cases: Array<[string, string, number, string]> = [
    ['2025-03-10 10:00', '2025-03-11 10:00', 8, 'one night'],
    ['2025-03-07 16:00', '2025-03-10 08:00', 2, 'a weekend'],
    ['2025-03-10 11:00', '2025-03-10 14:00', 1, 'lunch'],
    ['2025-03-10 18:00', '2025-03-11 06:00', 0, 'a night only'],
    ['2025-03-10 09:00', '2025-03-10 09:00', 0, 'the same instant'],
    ['2026-02-13 16:00', '2026-02-23 08:00', 2, 'over Tết 2026'],
    ['2025-04-25 16:00', '2025-04-28 08:00', 10, 'over the working Saturday 26/4/2025 (1 + 8 + 1 h)'],
    ['2025-03-11 10:00', '2025-03-10 10:00', -8, 'reversed gives a negative span'],
  ];
  for (const [from, to, hours, what] of cases) t.equal(cal.workingTimeBetween(vn(from), vn(to)), hours * HOUR, what);
});

t.test('pause and resume', async (t) => {
  const dueAt = vn('2025-03-13 17:00');
  // 1 h on Monday, 8 h on Tuesday, 1 h on Wednesday: 10 working hours of pause.
  t.equal(show(cal.extendByPausedTime(dueAt, vn('2025-03-10 16:00'), vn('2025-03-12 08:00'))), '2025-03-17 09:00');
  t.equal(
    show(cal.extendByPausedTime(dueAt, vn('2025-03-08 09:00'), vn('2025-03-09 15:00'))),
    '2025-03-13 17:00',
    'a weekend pause changes nothing',
  );
  t.equal(
    show(cal.extendByPausedTime(dueAt, vn('2025-03-12 08:00'), vn('2025-03-10 16:00'))),
    '2025-03-13 17:00',
    'resumed before paused changes nothing',
  );
  t.equal(
    show(cal.extendByPausedTime(vn('2026-02-13 16:00'), vn('2026-02-12 09:00'), vn('2026-02-12 11:00'))),
    '2026-02-23 08:00',
    'an extension crosses Tết',
  );
});

t.test('adding then measuring gives back the same working time', async (t) => {
  let seed = 42;
  const random = (): number => {
    seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
    return seed / 2_147_483_648;
  };
  const start = vn('2024-01-01 00:00').getTime();
  let failures = 0;
  for (let i = 0; i < 500; i++) {
    const from = new Date(start + Math.floor(random() * 3 * 365 * 24 * 60) * 60_000);
    const ms = Math.floor(random() * 40 * 8 * 60) * 60_000;
    const due = cal.addWorkingTime(from, ms);
    if (cal.workingTimeBetween(from, due) !== ms || (ms > 0 && !cal.isWorkingDay(due))) failures++;
  }
  t.equal(failures, 0);
});

t.test('replacing and clearing a year', async (t) => {
  const c = createWorkingCalendar();
  t.equal(c.sourceOf(2025), 'data');
  t.equal(c.sourceOf(2030), 'default');
  t.same(c.dataYears(), [2024, 2025, 2026]);
  t.equal(c.isWorkingDay('2025-03-10'), true);
  c.setYear({ year: 2025, holidays: ['2025-03-10'], workingDays: ['2025-03-15'] });
  t.equal(c.isWorkingDay('2025-03-10'), false, 'new holiday applies');
  t.equal(c.isWorkingDay('2025-03-15'), true, 'new working Saturday applies');
  t.equal(c.isWorkingDay('2025-04-30'), true, 'the replaced data no longer applies');
  t.same(c.getYear(2025).holidays, ['2025-03-10']);
  c.clearYear(2025);
  t.equal(c.sourceOf(2025), 'default');
  t.equal(c.isWorkingDay('2025-04-26'), false, 'the default has no swapped Saturday');
  t.equal(c.isWorkingDay('2025-02-03'), false, 'the default compensates Saturday 1/2/2025 (mùng 4)');
  t.throws(() => c.setYear({ year: 2025, holidays: ['2025-02-30'], workingDays: [] }), InvalidCalendarYearError);
  t.equal(cal.isWorkingDay('2025-03-10'), true, 'another calendar is not affected');

  const bare = createWorkingCalendar({ includeAnnounced: false, years: [{ year: 2024, holidays: [], workingDays: [] }] });
  t.same(bare.dataYears(), [2024]);
  t.equal(bare.isWorkingDay('2024-02-12'), true, 'an explicitly empty year has no holiday');
  t.equal(bare.isWorkingDay('2026-02-16'), false, 'other years use the default');
});

t.test('custom office hours', async (t) => {
  const c = createWorkingCalendar({ officeHours: { sessions: [{ start: '08:00', end: '12:00' }] } });
  t.equal(c.workingDayMs, 4 * HOUR);
  t.equal(show(c.addWorkingDays(vn('2025-03-10 08:00'), 1)), '2025-03-10 12:00');
  t.equal(show(c.addWorkingDays(vn('2025-03-10 13:00'), 1.5)), '2025-03-12 10:00');
  t.equal(cal.workingDayMs, 8 * HOUR, 'the default day is 8 hours');
  t.throws(() => createWorkingCalendar({ officeHours: { sessions: [{ start: '13:00', end: '12:00' }] } }), RangeError);
  t.throws(
    () =>
      createWorkingCalendar({
        officeHours: {
          sessions: [
            { start: '07:00', end: '12:00' },
            { start: '11:00', end: '17:00' },
          ],
        },
      }),
    RangeError,
  );
  t.throws(() => createWorkingCalendar({ officeHours: { sessions: [] } }), RangeError);
  t.throws(() => createWorkingCalendar({ officeHours: { sessions: [{ start: '7:00', end: '12:00' }] } }), RangeError);
});

t.test('bad arguments are refused', async (t) => {
  const at = vn('2025-03-10 09:00');
  t.throws(() => cal.addWorkingDays(at, -1), RangeError);
  t.throws(() => cal.addWorkingDays(at, Number.NaN), RangeError);
  t.throws(() => cal.addWorkingHours(at, Number.POSITIVE_INFINITY), RangeError);
  t.throws(() => cal.addWorkingDays(new Date('nope'), 1), RangeError);
  t.throws(() => cal.workingTimeBetween(at, new Date(Number.NaN)), RangeError);
  t.throws(() => cal.isWorkingDay('2300-01-02'), RangeError, 'beyond the lunar tables');
});

t.test('many computations stay quick (sanity, not timed)', async (t) => {
  const c: WorkingCalendar = createWorkingCalendar();
  let at = vn('2024-01-02 09:00');
  for (let i = 0; i < 20_000; i++) at = c.addWorkingHours(at, 3);
  // 60 000 working hours = 7 500 working days, about 30 years on.
  t.ok(at.getTime() > vn('2050-01-01 00:00').getTime(), show(at));
  t.equal(c.workingTimeBetween(vn('2024-01-02 09:00'), at), 60_000 * HOUR);
});

t.test('agrees with a minute-by-minute count', async (t) => {
  // Reference: walk the Vietnam clock minute by minute, counting minutes inside 07:00–11:30
  // and 13:30–17:00 of working days (a different algorithm from the calendar's).
  const inSession = (minuteOfDay: number): boolean =>
    (minuteOfDay >= 7 * 60 && minuteOfDay < 11 * 60 + 30) || (minuteOfDay >= 13 * 60 + 30 && minuteOfDay < 17 * 60);
  const reference = (from: Date, minutes: number): Date => {
    let at = from.getTime();
    let left = minutes;
    for (;;) {
      const local = at + 7 * HOUR;
      const minuteOfDay = Math.floor((local % 86_400_000) / 60_000);
      if (left === 0 && cal.isWorkingDay(new Date(at)) && inSession(minuteOfDay)) return new Date(at);
      if (cal.isWorkingDay(new Date(at)) && inSession(minuteOfDay)) {
        left--;
        // Ending exactly at a session's close: stay there.
        if (left === 0) return new Date(at + 60_000);
      }
      at += 60_000;
    }
  };
  let seed = 7;
  const random = (): number => {
    seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
    return seed / 2_147_483_648;
  };
  const start = vn('2024-01-01 00:00').getTime();
  const mismatches: string[] = [];
  for (let i = 0; i < 120; i++) {
    const from = new Date(start + Math.floor(random() * 3 * 365 * 24 * 60) * 60_000);
    const minutes = 1 + Math.floor(random() * 3 * 8 * 60);
    const expected = reference(from, minutes);
    const actual = cal.addWorkingTime(from, minutes * 60_000);
    if (expected.getTime() !== actual.getTime()) mismatches.push(`${show(from)} + ${minutes} min: ${show(actual)} ≠ ${show(expected)}`);
  }
  t.same(mismatches, []);
});
