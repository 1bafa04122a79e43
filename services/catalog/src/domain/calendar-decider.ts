import { assertNever, type Decider } from '@lienthong/decider';
import type { CalendarYear } from '@lienthong/calendar';
import type { CalendarEvent } from '../events.js';

/** Sets a year's days off and swapped working days; the body was checked with `validateCalendarYear`. */
export type SetCalendarYear = { readonly type: 'SetCalendarYear'; readonly data: CalendarYear };
export type CalendarCommand = SetCalendarYear;

export type CalendarState = { readonly set: false } | { readonly set: true; readonly year: CalendarYear };

const sameYear = (a: CalendarYear, b: CalendarYear) =>
  a.year === b.year && a.holidays.join() === b.holidays.join() && a.workingDays.join() === b.workingDays.join();

/**
 * One calendar year, stream `calendar-<year>`. The first PUT always records an event, even when
 * it repeats the shipped data, so the year is then the admin's (`source: 'admin'`); repeating
 * the last PUT records nothing.
 */
export const calendarDecider: Decider<CalendarState, CalendarCommand, CalendarEvent> = {
  initialState: () => ({ set: false }),
  decide(command, state) {
    switch (command.type) {
      case 'SetCalendarYear': {
        const { year, holidays, workingDays } = command.data;
        const next = { year, holidays: [...holidays].sort(), workingDays: [...workingDays].sort() };
        if (state.set && sameYear(state.year, next)) return [];
        return [{ type: 'CalendarYearSet', data: next }];
      }
      default:
        return assertNever(command.type, 'command');
    }
  },
  evolve(_state, event) {
    switch (event.type) {
      case 'CalendarYearSet':
        return { set: true, year: { year: event.data.year, holidays: [...event.data.holidays], workingDays: [...event.data.workingDays] } };
      default:
        return assertNever(event.type, 'event');
    }
  },
};
