import { CalendarYearSource, parseCalendarYear } from './calendar-year.js';
import type { CalendarYear } from './calendar-year.js';
import {
  assertValidInstant,
  DAY_MS,
  daysFromCivil,
  fromLocalMs,
  parseISODate,
  toDayNumber,
  toLocalMs,
  weekdayOfDay,
  yearOfDay,
} from './civil-date.js';
import type { ISODate } from './civil-date.js';
import { ANNOUNCED_CALENDAR_YEARS } from './data/holidays.js';
import { defaultCalendarYear } from './lunar-default.js';
import { compileOfficeHours, DEFAULT_OFFICE_HOURS } from './office-hours.js';
import type { CompiledOfficeHours, OfficeHours } from './office-hours.js';

const HOUR_MS = 3_600_000;
/** Give up after this many calendar days without finding the working time asked for. */
const MAX_SCAN_DAYS = 366 * 50;

/**
 * Working-time arithmetic over Vietnam's official calendar: weekends off unless swapped,
 * holidays off, office hours only. Every instant is a `Date` (a UTC instant); days are read
 * on the Vietnam clock (UTC+7). Years without data use the lunar default.
 */
export interface WorkingCalendar {
  readonly officeHours: OfficeHours;
  /** Working milliseconds in one working day (8 h with the default office hours). */
  readonly workingDayMs: number;

  /** Whether the Vietnam-local day (of an instant, or a `YYYY-MM-DD` date) is a working day. */
  isWorkingDay(date: Date | ISODate): boolean;
  /** Whether the instant falls inside a session of a working day (start included, end excluded). */
  isWithinOfficeHours(instant: Date): boolean;
  /** The instant itself when within office hours, else the next session opening. */
  nextOpening(instant: Date): Date;

  /**
   * `days` working days (may be fractional: 0.5 = 4 h) after `instant`, counted as
   * `days × workingDayMs` of office time. Counting starts at the next opening when the
   * instant is outside office hours; a result landing exactly on a session's close stays
   * there rather than moving to the next opening. 0 returns the instant itself when within
   * office hours (its close included), else the next opening.
   */
  addWorkingDays(instant: Date, days: number): Date;
  /** Like {@link addWorkingDays}, in working hours. */
  addWorkingHours(instant: Date, hours: number): Date;
  /** Like {@link addWorkingDays}, in working milliseconds. */
  addWorkingTime(instant: Date, ms: number): Date;
  /** Milliseconds of office time between two instants; negative when `to` is before `from`. */
  workingTimeBetween(from: Date, to: Date): number;
  /**
   * A due date moved later by the office time a pause lasted (supplement requested at
   * `pausedFrom`, received at `resumedAt`); unchanged when the pause held no office time.
   */
  extendByPausedTime(dueAt: Date, pausedFrom: Date, resumedAt: Date): Date;

  /** The year's calendar: its data when announced or set, else the lunar default. */
  getYear(year: number): CalendarYear;
  sourceOf(year: number): CalendarYearSource;
  /** Years that have data (shipped or set), ascending. */
  dataYears(): number[];
  /** Replaces a year's data (an admin's PUT); validated, throws InvalidCalendarYearError. */
  setYear(calendarYear: CalendarYear): void;
  /** Drops a year's data so the lunar default applies again. */
  clearYear(year: number): void;
}

export interface WorkingCalendarOptions {
  /** Year data on top of (replacing) the shipped announced years. */
  readonly years?: readonly CalendarYear[];
  /** Start from the shipped 2024–2026 announcements (default true). */
  readonly includeAnnounced?: boolean;
  readonly officeHours?: OfficeHours;
}

/** One year compiled to a flag per day: 1 when working. */
interface YearFlags {
  readonly firstDay: number;
  readonly lastDay: number;
  readonly working: Uint8Array;
}

export function createWorkingCalendar(options: WorkingCalendarOptions = {}): WorkingCalendar {
  const officeHours = options.officeHours ?? DEFAULT_OFFICE_HOURS;
  const hours = compileOfficeHours(officeHours);
  const data = new Map<number, CalendarYear>();
  const compiled = new Map<number, YearFlags>();
  let last: YearFlags | undefined;

  const setYear = (calendarYear: CalendarYear): void => {
    const valid = parseCalendarYear(calendarYear.year, calendarYear);
    data.set(valid.year, valid);
    compiled.delete(valid.year);
    last = undefined;
  };
  if (options.includeAnnounced ?? true) ANNOUNCED_CALENDAR_YEARS.forEach(setYear);
  options.years?.forEach(setYear);

  const getYear = (year: number): CalendarYear => data.get(year) ?? defaultCalendarYear(year);

  const flagsOf = (year: number): YearFlags => {
    let flags = compiled.get(year);
    if (flags === undefined) {
      flags = compileYear(getYear(year));
      compiled.set(year, flags);
    }
    return flags;
  };

  const isWorkingDayNumber = (day: number): boolean => {
    let flags = last;
    if (flags === undefined || day < flags.firstDay || day > flags.lastDay) {
      flags = flagsOf(yearOfDay(day));
      last = flags;
    }
    return flags.working[day - flags.firstDay] === 1;
  };

  const addWorkingTime = (instant: Date, ms: number): Date => {
    assertValidInstant(instant, 'instant');
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`working time must be a finite number ≥ 0, got ${ms}`);
    return fromLocalMs(advance(hours, isWorkingDayNumber, toLocalMs(instant), Math.round(ms)));
  };

  const workingTimeBetween = (from: Date, to: Date): number => {
    assertValidInstant(from, 'from');
    assertValidInstant(to, 'to');
    const a = toLocalMs(from);
    const b = toLocalMs(to);
    return b >= a ? officeTimeIn(hours, isWorkingDayNumber, a, b) : -officeTimeIn(hours, isWorkingDayNumber, b, a);
  };

  return {
    officeHours,
    workingDayMs: hours.dayMs,
    isWorkingDay: (date) => isWorkingDayNumber(toDayNumber(date)),
    isWithinOfficeHours(instant) {
      assertValidInstant(instant, 'instant');
      const t = toLocalMs(instant);
      const day = Math.floor(t / DAY_MS);
      if (!isWorkingDayNumber(day)) return false;
      const offset = t - day * DAY_MS;
      return hours.starts.some((start, i) => offset >= start && offset < (hours.ends[i] ?? 0));
    },
    nextOpening(instant) {
      assertValidInstant(instant, 'instant');
      return fromLocalMs(nextOpeningLocal(hours, isWorkingDayNumber, toLocalMs(instant)));
    },
    addWorkingDays(instant, days) {
      if (!Number.isFinite(days) || days < 0) throw new RangeError(`working days must be a finite number ≥ 0, got ${days}`);
      return addWorkingTime(instant, days * hours.dayMs);
    },
    addWorkingHours(instant, h) {
      if (!Number.isFinite(h) || h < 0) throw new RangeError(`working hours must be a finite number ≥ 0, got ${h}`);
      return addWorkingTime(instant, h * HOUR_MS);
    },
    addWorkingTime,
    workingTimeBetween,
    extendByPausedTime(dueAt, pausedFrom, resumedAt) {
      assertValidInstant(dueAt, 'dueAt');
      const paused = workingTimeBetween(pausedFrom, resumedAt);
      return paused > 0 ? addWorkingTime(dueAt, paused) : new Date(dueAt.getTime());
    },
    getYear,
    sourceOf: (year) => (data.has(year) ? CalendarYearSource.data : CalendarYearSource.default),
    dataYears: () => [...data.keys()].sort((a, b) => a - b),
    setYear,
    clearYear(year) {
      data.delete(year);
      compiled.delete(year);
      last = undefined;
    },
  };
}

function compileYear(calendarYear: CalendarYear): YearFlags {
  const firstDay = daysFromCivil(calendarYear.year, 1, 1);
  const lastDay = daysFromCivil(calendarYear.year, 12, 31);
  const working = new Uint8Array(lastDay - firstDay + 1);
  for (let day = firstDay; day <= lastDay; day++) {
    const weekday = weekdayOfDay(day);
    working[day - firstDay] = weekday === 0 || weekday === 6 ? 0 : 1;
  }
  // Validated data: every date parses and lies in the year.
  for (const text of calendarYear.holidays) working[(parseISODate(text) ?? firstDay) - firstDay] = 0;
  for (const text of calendarYear.workingDays) working[(parseISODate(text) ?? firstDay) - firstDay] = 1;
  return { firstDay, lastDay, working };
}

type IsWorkingDay = (day: number) => boolean;

/** Local ms reached after `remaining` ms of office time from local ms `t` (see addWorkingDays). */
function advance(hours: CompiledOfficeHours, isWorking: IsWorkingDay, t: number, remaining: number): number {
  let day = Math.floor(t / DAY_MS);
  for (let scanned = 0; scanned < MAX_SCAN_DAYS; scanned++, day++) {
    if (!isWorking(day)) continue;
    const base = day * DAY_MS;
    // Whole working days at once once the count starts before the day's first opening.
    if (t <= base + (hours.starts[0] ?? 0) && remaining > hours.dayMs) {
      remaining -= hours.dayMs;
      continue;
    }
    for (let i = 0; i < hours.starts.length; i++) {
      const start = base + (hours.starts[i] ?? 0);
      const end = base + (hours.ends[i] ?? 0);
      // A session already over is skipped; its very close still serves a zero remainder.
      if (t > end || (t === end && remaining > 0)) continue;
      const from = Math.max(t, start);
      const available = end - from;
      if (remaining <= available) return from + remaining;
      remaining -= available;
      t = end;
    }
  }
  throw new RangeError(`no working time found within ${MAX_SCAN_DAYS} days`);
}

function nextOpeningLocal(hours: CompiledOfficeHours, isWorking: IsWorkingDay, t: number): number {
  let day = Math.floor(t / DAY_MS);
  for (let scanned = 0; scanned < MAX_SCAN_DAYS; scanned++, day++) {
    if (!isWorking(day)) continue;
    const base = day * DAY_MS;
    for (let i = 0; i < hours.starts.length; i++) {
      const start = base + (hours.starts[i] ?? 0);
      const end = base + (hours.ends[i] ?? 0);
      if (t < end) return Math.max(t, start);
    }
  }
  throw new RangeError(`no office opening found within ${MAX_SCAN_DAYS} days`);
}

/** Office time within local ms [a, b], a ≤ b. */
function officeTimeIn(hours: CompiledOfficeHours, isWorking: IsWorkingDay, a: number, b: number): number {
  let total = 0;
  const lastDay = Math.floor(b / DAY_MS);
  for (let day = Math.floor(a / DAY_MS); day <= lastDay; day++) {
    if (!isWorking(day)) continue;
    const base = day * DAY_MS;
    for (let i = 0; i < hours.starts.length; i++) {
      const lo = Math.max(a, base + (hours.starts[i] ?? 0));
      const hi = Math.min(b, base + (hours.ends[i] ?? 0));
      if (hi > lo) total += hi - lo;
    }
  }
  return total;
}
