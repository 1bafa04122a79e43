export type { ISODate } from './civil-date.js';
export type {
  CalendarYear,
  CalendarYearBody,
  CalendarYearIssue,
  CalendarYearValidation,
} from './calendar-year.js';
export type { OfficeHours, OfficeSession } from './office-hours.js';
export type { WorkingCalendar, WorkingCalendarOptions } from './working-calendar.js';

export {
  CalendarYearSource,
  calendarYearBodySchema,
  calendarYearNumberSchema,
  InvalidCalendarYearError,
  MAX_YEAR,
  MIN_YEAR,
  parseCalendarYear,
  validateCalendarYear,
} from './calendar-year.js';
export { DEFAULT_OFFICE_HOURS, officeHoursSchema } from './office-hours.js';
export { defaultCalendarYear, hungKingsDay, lunarNewYear } from './lunar-default.js';
export { ANNOUNCED_CALENDAR_YEARS } from './data/holidays.js';
export { createWorkingCalendar } from './working-calendar.js';
export { formatISODate, isoDate, parseISODate, VN_UTC_OFFSET_MS } from './civil-date.js';
