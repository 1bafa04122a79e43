/**
 * Reporting periods and their cut-off windows (thời gian chốt số liệu, Decree 09/2019/NĐ-CP
 * art. 12) and submission deadlines. Pure functions of dates: no clock, no I/O.
 *
 * Dates are calendar dates `YYYY-MM-DD` of Asia/Ho_Chi_Minh (UTC+7, no daylight saving); an
 * instant belongs to the date it shows in Hanoi.
 */

export const Frequencies = ['monthly', 'quarterly', 'semiannual', 'annual'] as const;
export type Frequency = (typeof Frequencies)[number];
export const ReportingLevels = ['commune', 'district', 'province'] as const;
export type ReportingLevel = (typeof ReportingLevels)[number];

/** Day of the period's last month a report is due, per level (Decree 09 default schedule). */
export const DEFAULT_SUBMIT_BY: Readonly<Record<ReportingLevel, number>> = { commune: 16, district: 18, province: 20 };
/** The window opens on this day of the month before the period's first month (default 15). */
export const DEFAULT_CUT_OFF_DAY = 15;

export interface CutOff {
  /** Day of month the window starts (1–28); 1 makes windows calendar months, quarters, halves, years. */
  readonly fromDay: number;
}

export interface Window {
  /** First date of the window (inclusive). */
  readonly from: string;
  /** Last date of the window (inclusive). */
  readonly to: string;
}

export interface Period {
  readonly frequency: Frequency;
  readonly year: number;
  /** 1–12 (monthly), 1–4 (quarterly), 1–2 (semiannual), 1 (annual). */
  readonly index: number;
}

const OFFSET_MS = 7 * 3_600_000;
const PERIOD_PATTERNS: Record<Frequency, RegExp> = {
  monthly: /^(\d{4})-(0[1-9]|1[0-2])$/,
  quarterly: /^(\d{4})-Q([1-4])$/,
  semiannual: /^(\d{4})-H([12])$/,
  annual: /^(\d{4})$/,
};
const MONTHS_PER: Record<Frequency, number> = { monthly: 1, quarterly: 3, semiannual: 6, annual: 12 };
const PER_YEAR: Record<Frequency, number> = { monthly: 12, quarterly: 4, semiannual: 2, annual: 1 };

/** The period named `id` (`2027-01`, `2027-Q1`, `2027-H1`, `2027`) of that frequency, or null. */
export function parsePeriod(frequency: Frequency, id: string): Period | null {
  const m = PERIOD_PATTERNS[frequency].exec(id);
  if (!m) return null;
  const year = Number(m[1]);
  if (year < 2000 || year > 2999) return null;
  return { frequency, year, index: m[2] === undefined ? 1 : Number(m[2]) };
}

/** The frequency a period id is written in, or null. */
export function frequencyOf(id: string): Frequency | null {
  return Frequencies.find((f) => PERIOD_PATTERNS[f].test(id)) ?? null;
}

export function formatPeriod(p: Period): string {
  switch (p.frequency) {
    case 'monthly':
      return `${p.year}-${String(p.index).padStart(2, '0')}`;
    case 'quarterly':
      return `${p.year}-Q${p.index}`;
    case 'semiannual':
      return `${p.year}-H${p.index}`;
    case 'annual':
      return String(p.year);
  }
}

/** The next (`step` 1) or an earlier/later period of the same frequency. */
export function shiftPeriod(p: Period, step: number): Period {
  const n = p.year * PER_YEAR[p.frequency] + (p.index - 1) + step;
  return { frequency: p.frequency, year: Math.floor(n / PER_YEAR[p.frequency]), index: (n % PER_YEAR[p.frequency]) + 1 };
}

/** Months 1–12 of the period's first and last month. */
function monthsOf(p: Period): { first: number; last: number } {
  const first = (p.index - 1) * MONTHS_PER[p.frequency] + 1;
  return { first, last: first + MONTHS_PER[p.frequency] - 1 };
}

const pad = (n: number) => String(n).padStart(2, '0');
const daysIn = (year: number, month: number) => new Date(Date.UTC(year, month, 0)).getUTCDate();
/** A calendar date from a year and a month that may run over (0 = December of the year before). */
function dateOf(year: number, month: number, day: number): string {
  const d = new Date(Date.UTC(year, month - 1, day));
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
}

/**
 * The cut-off window: from `fromDay` of the month before the period's first month to the day
 * before `fromDay` of its last month (monthly 2027-01: 2026-12-15 to 2027-01-14; annual 2027:
 * 2026-12-15 to 2027-12-14). With `fromDay` 1 the window is the calendar period itself.
 * Consecutive periods' windows tile time: each starts the day after the previous one ends.
 */
export function windowOf(p: Period, cutOff: CutOff = { fromDay: DEFAULT_CUT_OFF_DAY }): Window {
  const { first, last } = monthsOf(p);
  const day = cutOff.fromDay;
  if (day === 1) return { from: dateOf(p.year, first, 1), to: dateOf(p.year, last, daysIn(p.year, last)) };
  return { from: dateOf(p.year, first - 1, day), to: dateOf(p.year, last, day - 1) };
}

/** The date a report of `level` is due: `day` of the period's last month (clamped to its length). */
export function submitByOf(p: Period, level: ReportingLevel, days: Partial<Record<ReportingLevel, number>> = {}): string {
  const { last } = monthsOf(p);
  const day = days[level] ?? DEFAULT_SUBMIT_BY[level];
  return dateOf(p.year, last, Math.min(day, daysIn(p.year, last)));
}

/** The Hanoi calendar date of an instant. */
export function hanoiDate(at: Date): string {
  return new Date(at.getTime() + OFFSET_MS).toISOString().slice(0, 10);
}

/** 00:00 Asia/Ho_Chi_Minh of a date, as an instant. */
export function startOfDate(date: string): Date {
  return new Date(Date.parse(`${date}T00:00:00.000Z`) - OFFSET_MS);
}

/** The first instant after a date (00:00 of the next day, Asia/Ho_Chi_Minh): where a window or a due day ends. */
export function endOfDate(date: string): Date {
  return new Date(startOfDate(date).getTime() + 86_400_000);
}

/** The period of `frequency` whose window holds the instant `at`. */
export function periodAt(frequency: Frequency, at: Date, cutOff: CutOff = { fromDay: DEFAULT_CUT_OFF_DAY }): Period {
  const date = hanoiDate(at);
  const year = Number(date.slice(0, 4));
  // A candidate in the calendar year, then one step either way: windows are shifted by less than a period.
  let p: Period = { frequency, year, index: Math.floor((Number(date.slice(5, 7)) - 1) / MONTHS_PER[frequency]) + 1 };
  for (let i = 0; i < 3; i++) {
    const w = windowOf(p, cutOff);
    if (date < w.from) p = shiftPeriod(p, -1);
    else if (date > w.to) p = shiftPeriod(p, 1);
    else return p;
  }
  throw new Error(`no ${frequency} period holds ${date}`);
}

/** Whether a period's window has started by `at` (it may be opened). */
export function hasStarted(p: Period, at: Date, cutOff?: CutOff): boolean {
  return at.getTime() >= startOfDate(windowOf(p, cutOff).from).getTime();
}
