import { getLunarDate, getSolarDate } from '@dqcai/vn-lunar';
import { civilFromDays, daysFromCivil, formatISODate, isWeekendDay, weekdayOfDay } from './civil-date.js';
import type { ISODate } from './civil-date.js';
import { MAX_YEAR, MIN_YEAR } from './calendar-year.js';
import type { CalendarYear } from './calendar-year.js';

/*
 * The default for a year whose days off have not been announced (Labour Code 2019,
 * art. 112(1) and art. 111(3)):
 * - 1/1;
 * - Tết: 5 consecutive days from 29 tháng Chạp: the last day of the lunar year and mùng
 *   1–4 when the 12th month has 29 days, the last two days and mùng 1–3 when it has 30.
 *   The law lets the government choose the 5 days each year; this is what it chose in
 *   2020–2024 and 2026 (2025 began a day earlier, on 28 tháng Chạp, to keep the 5 days on
 *   Monday–Friday);
 * - Giỗ Tổ Hùng Vương: 10/3 lunar (the regular 3rd month, never the leap one);
 * - 30/4 and 1/5;
 * - 2/9 and one adjacent day: 3/9 when 2/9 is a Thursday (a Friday off joins the weekend,
 *   as in 2021), otherwise 1/9 (as in 2022–2026; in 2024 1/9 was a Sunday, so its day off
 *   moved to 3/9, exactly what was announced);
 * - a holiday on a Saturday or Sunday gives a compensatory day off on the next working
 *   day (art. 111(3)), taken in date order so consecutive holidays push one another.
 * No swapped working Saturdays: those are decided case by case.
 * Lunar dates come from @dqcai/vn-lunar, which computes Vietnam's calendar at UTC+7
 * (Tết 1985 = 21/1, 2007 = 17/2, 2030 = 2/2, a day before China's in each case).
 */

/** Day number of the lunar new year (mùng 1 Tết) falling in the Gregorian `year`. */
function lunarNewYearDay(year: number): number {
  return lunarToDay(1, 1, year);
}

function lunarToDay(day: number, month: number, year: number): number {
  if (!Number.isInteger(year) || year < MIN_YEAR || year > MAX_YEAR) {
    throw new RangeError(`year ${year} is outside the supported range ${MIN_YEAR}–${MAX_YEAR}`);
  }
  const solar = getSolarDate(day, month, year, false);
  // The library answers 0/0/0 outside its tables instead of throwing.
  if (solar.year === 0 || solar.month === 0 || solar.day === 0) {
    throw new RangeError(`no lunar data for ${day}/${month}/${year}`);
  }
  return daysFromCivil(solar.year, solar.month, solar.day);
}

/** Mùng 1 Tết (Vietnamese lunar new year) in the Gregorian `year`, e.g. 2026 → `2026-02-17`. */
export function lunarNewYear(year: number): ISODate {
  return formatISODate(lunarNewYearDay(year));
}

/** Giỗ Tổ Hùng Vương (10/3 lunar) in the Gregorian `year`, e.g. 2025 → `2025-04-07`. */
export function hungKingsDay(year: number): ISODate {
  return formatISODate(lunarToDay(10, 3, year));
}

/** Day number of 29 tháng Chạp, the eve of Tết or the day before it. */
function twentyNinthOfLastMonth(tet: number): number {
  const eve = civilFromDays(tet - 1);
  return getLunarDate(eve.day, eve.month, eve.year).day === 30 ? tet - 2 : tet - 1;
}

/** The statutory holidays of `year` before any compensation, as day numbers. */
export function statutoryHolidayDays(year: number): number[] {
  const tet = lunarNewYearDay(year);
  const tetStart = twentyNinthOfLastMonth(tet);
  const nationalDay = daysFromCivil(year, 9, 2);
  const adjacent = weekdayOfDay(nationalDay) === 4 ? nationalDay + 1 : nationalDay - 1;
  const days = [
    daysFromCivil(year, 1, 1),
    tetStart,
    tetStart + 1,
    tetStart + 2,
    tetStart + 3,
    tetStart + 4,
    lunarToDay(10, 3, year),
    daysFromCivil(year, 4, 30),
    daysFromCivil(year, 5, 1),
    adjacent,
    nationalDay,
  ];
  return [...new Set(days)].sort((a, b) => a - b);
}

/** The computed calendar of a year not (yet) announced; see the rules at the top of this file. */
export function defaultCalendarYear(year: number): CalendarYear {
  const statutory = statutoryHolidayDays(year);
  const off = new Set(statutory);
  for (const day of statutory) {
    if (!isWeekendDay(day)) continue;
    let compensatory = day + 1;
    while (isWeekendDay(compensatory) || off.has(compensatory)) compensatory++;
    off.add(compensatory);
  }
  const holidays = [...off].sort((a, b) => a - b).map(formatISODate);
  return { year, holidays, workingDays: [] };
}
