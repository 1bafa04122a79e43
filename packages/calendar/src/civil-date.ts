/**
 * Civil (calendar) dates as day numbers, and Vietnam local time as plain offset arithmetic.
 * Vietnam has used UTC+7 without daylight saving since 1975, so a fixed offset is exact
 * for every date this package deals with, and far cheaper than Intl in hot loops.
 */

/** A calendar date `YYYY-MM-DD` (no time, no zone). */
export type ISODate = string;

/** Local time of Vietnam (Asia/Ho_Chi_Minh) relative to UTC, in milliseconds. */
export const VN_UTC_OFFSET_MS = 7 * 3_600_000;
export const DAY_MS = 86_400_000;

/** Days since 1970-01-01 for a proleptic Gregorian date (H. Hinnant's days_from_civil). */
export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const mp = (month + 9) % 12;
  const doy = Math.floor((153 * mp + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468;
}

/** Inverse of {@link daysFromCivil}. */
export function civilFromDays(days: number): { year: number; month: number; day: number } {
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return { year: yoe + era * 400 + (month <= 2 ? 1 : 0), month, day };
}

/** Year of a day number, without building the whole civil date. */
export function yearOfDay(days: number): number {
  return civilFromDays(days).year;
}

/** 0 = Sunday … 6 = Saturday. */
export function weekdayOfDay(days: number): number {
  // 1970-01-01 was a Thursday (4).
  return (((days + 4) % 7) + 7) % 7;
}

export function isWeekendDay(days: number): boolean {
  const w = weekdayOfDay(days);
  return w === 0 || w === 6;
}

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Parses `YYYY-MM-DD` into a day number; `undefined` when malformed or not a real date. */
export function parseISODate(text: string): number | undefined {
  const m = ISO_DATE.exec(text);
  if (m === null) return undefined;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  if (month < 1 || month > 12 || day < 1) return undefined;
  const days = daysFromCivil(year, month, day);
  const back = civilFromDays(days);
  return back.month === month && back.day === day ? days : undefined;
}

export function formatISODate(days: number): ISODate {
  const { year, month, day } = civilFromDays(days);
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

export function isoDate(year: number, month: number, day: number): ISODate {
  return formatISODate(daysFromCivil(year, month, day));
}

/** Milliseconds since the epoch on Vietnam's local clock (the UTC instant shifted by +7 h). */
export function toLocalMs(instant: Date): number {
  return instant.getTime() + VN_UTC_OFFSET_MS;
}

export function fromLocalMs(localMs: number): Date {
  return new Date(localMs - VN_UTC_OFFSET_MS);
}

/** The Vietnam-local day number of an instant. */
export function localDayOf(instant: Date): number {
  return Math.floor(toLocalMs(instant) / DAY_MS);
}

/** Day number of a Vietnam-local calendar date, or of the local day holding an instant. */
export function toDayNumber(date: Date | ISODate): number {
  if (date instanceof Date) {
    assertValidInstant(date, 'date');
    return localDayOf(date);
  }
  const days = parseISODate(date);
  if (days === undefined) throw new RangeError(`not a calendar date (YYYY-MM-DD): ${JSON.stringify(date)}`);
  return days;
}

export function assertValidInstant(instant: Date, name: string): void {
  if (!(instant instanceof Date) || Number.isNaN(instant.getTime())) {
    throw new RangeError(`${name} is not a valid Date`);
  }
}
