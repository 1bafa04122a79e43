import t from 'tap';
import { civilFromDays, daysFromCivil, formatISODate, localDayOf, parseISODate, weekdayOfDay } from './civil-date.js';

t.test('day numbers agree with Date.UTC over the supported range', async (t) => {
  let mismatches = 0;
  for (let days = daysFromCivil(1900, 1, 1); days <= daysFromCivil(2200, 12, 31); days += 1) {
    const date = new Date(days * 86_400_000);
    const civil = civilFromDays(days);
    if (
      civil.year !== date.getUTCFullYear() ||
      civil.month !== date.getUTCMonth() + 1 ||
      civil.day !== date.getUTCDate() ||
      weekdayOfDay(days) !== date.getUTCDay() ||
      daysFromCivil(civil.year, civil.month, civil.day) !== days
    ) {
      mismatches++;
    }
  }
  t.equal(mismatches, 0);
});

t.test('ISO dates', async (t) => {
  t.equal(parseISODate('1970-01-01'), 0);
  t.equal(formatISODate(daysFromCivil(2024, 2, 29)), '2024-02-29');
  const bad = ['2025-02-29', '2100-02-29', '2025-00-10', '2025-04-31', '2025-4-01', '20250401', '', '2025-04-01T00:00'];
  for (const text of bad) t.equal(parseISODate(text), undefined, JSON.stringify(text));
  t.equal(parseISODate('2000-02-29'), daysFromCivil(2000, 2, 29));
});

t.test('the local day is read at UTC+7', async (t) => {
  t.equal(formatISODate(localDayOf(new Date('2025-03-09T16:59:59.999Z'))), '2025-03-09');
  t.equal(formatISODate(localDayOf(new Date('2025-03-09T17:00:00Z'))), '2025-03-10');
});
