export type { CalendarYear } from './calendar-year.js';
export type { WorkingCalendar } from './working-calendar.js';

export { CalendarYearSource, calendarYearBodySchema, MAX_YEAR, MIN_YEAR, validateCalendarYear } from './calendar-year.js';
export { createWorkingCalendar } from './working-calendar.js';
export { VN_UTC_OFFSET_MS } from './civil-date.js';
