import { z } from 'zod';
import { isWeekendDay, parseISODate } from './civil-date.js';
import type { ISODate } from './civil-date.js';

/**
 * The days off and swapped working days of one Gregorian year, as announced by the
 * government (or computed by the lunar default). Every other Monday–Friday is a working
 * day; every other Saturday and Sunday is not.
 */
export interface CalendarYear {
  readonly year: number;
  /** Days off that would otherwise be working days (holidays, compensatory and swapped days off). Listing a weekend day is allowed and changes nothing. */
  readonly holidays: readonly ISODate[];
  /** Saturdays or Sundays worked in exchange for a weekday off (ngày làm bù). */
  readonly workingDays: readonly ISODate[];
}

/** Where a year's days came from: announced data (shipped or set by an admin) or the lunar default. */
export const CalendarYearSource = {
  data: 'data',
  default: 'default',
} as const;
export type CalendarYearSource = (typeof CalendarYearSource)[keyof typeof CalendarYearSource];

/** One problem found in a calendar year body; `path` is like `holidays[2]`. */
export interface CalendarYearIssue {
  readonly path: string;
  readonly message: string;
  readonly value?: unknown;
}

export type CalendarYearValidation =
  { readonly success: true; readonly data: CalendarYear } | { readonly success: false; readonly issues: readonly CalendarYearIssue[] };

/** Supported years: the lunar default works for 1901–2199; data outside that is refused too. */
export const MIN_YEAR = 1901;
export const MAX_YEAR = 2199;

export const calendarYearNumberSchema = z.number().int().min(MIN_YEAR).max(MAX_YEAR);

/** The body of `PUT /v1/catalog/calendar/:year`: `{holidays, workingDays}` (an optional `year` must match). */
export const calendarYearBodySchema = z.strictObject({
  year: calendarYearNumberSchema.optional(),
  // strict: a misspelt `workingdays` must not pass as a year with no swapped working days
  holidays: z.array(z.iso.date()).max(366),
  workingDays: z.array(z.iso.date()).max(366).default([]),
});
export type CalendarYearBody = z.input<typeof calendarYearBodySchema>;

/**
 * Validates a calendar year body for `year`: every entry must be a real `YYYY-MM-DD` date of
 * that year; a working day must be a Saturday or Sunday (a weekday is already worked, so it
 * is most likely a typo) and must not also be a holiday. Names every faulty entry.
 * Duplicates are dropped and both lists come back sorted.
 */
export function validateCalendarYear(year: number, body: unknown): CalendarYearValidation {
  const issues: CalendarYearIssue[] = [];
  if (!calendarYearNumberSchema.safeParse(year).success) {
    issues.push({ path: 'year', message: `year must be an integer in ${MIN_YEAR}–${MAX_YEAR}`, value: year });
    return { success: false, issues };
  }
  const parsed = calendarYearBodySchema.safeParse(body);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const path = formatPath(issue.path);
      issues.push({ path: path === '' ? '(body)' : path, message: issue.message, value: valueAt(body, issue.path) });
    }
    return { success: false, issues };
  }
  const { data } = parsed;
  if (data.year !== undefined && data.year !== year) {
    issues.push({ path: 'year', message: `body is for ${data.year}, not ${year}`, value: data.year });
  }
  const holidays = checkInYear(year, data.holidays, 'holidays', issues);
  const workingDays = checkInYear(year, data.workingDays, 'workingDays', issues);
  data.workingDays.forEach((text, i) => {
    const days = parseISODate(text);
    if (days === undefined || !workingDays.has(text)) return;
    if (!isWeekendDay(days)) {
      issues.push({
        path: `workingDays[${i}]`,
        message: `${text} is a weekday, already a working day; a swapped working day is a Saturday or Sunday`,
        value: text,
      });
    }
    if (holidays.has(text)) {
      issues.push({ path: `workingDays[${i}]`, message: `${text} is listed both as a holiday and as a working day`, value: text });
    }
  });
  if (issues.length > 0) return { success: false, issues };
  return { success: true, data: { year, holidays: [...holidays].sort(), workingDays: [...workingDays].sort() } };
}

/** Like {@link validateCalendarYear} but throws {@link InvalidCalendarYearError}. */
export function parseCalendarYear(year: number, body: unknown): CalendarYear {
  const result = validateCalendarYear(year, body);
  if (!result.success) throw new InvalidCalendarYearError(year, result.issues);
  return result.data;
}

/** A calendar year body was refused; `issues` names each faulty entry. */
export class InvalidCalendarYearError extends Error {
  readonly code = 'LT_INVALID_CALENDAR_YEAR';
  constructor(
    readonly year: number,
    readonly issues: readonly CalendarYearIssue[],
  ) {
    super(`invalid calendar year ${year}: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`);
    this.name = 'InvalidCalendarYearError';
  }
}

function checkInYear(year: number, dates: readonly string[], field: string, issues: CalendarYearIssue[]): Set<ISODate> {
  const ok = new Set<ISODate>();
  dates.forEach((text, i) => {
    if (Number(text.slice(0, 4)) !== year) {
      issues.push({ path: `${field}[${i}]`, message: `${text} is not in ${year}`, value: text });
    } else {
      ok.add(text);
    }
  });
  return ok;
}

function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) out += typeof key === 'number' ? `[${key}]` : out === '' ? String(key) : `.${String(key)}`;
  return out;
}

function valueAt(body: unknown, path: readonly PropertyKey[]): unknown {
  let cur: unknown = body;
  for (const key of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[key];
  }
  return cur;
}
