import t from 'tap';
import { spec } from '@lienthong/decider/testing';
import { calendarDecider } from './calendar-decider.js';

const year = { year: 2027, holidays: ['2027-01-01', '2027-02-05'], workingDays: ['2027-02-13'] };
const set = (data = year) => ({ type: 'SetCalendarYear', data }) as const;
const event = (data = year) => ({ type: 'CalendarYearSet', data }) as const;

t.test('calendar year', async (t) => {
  spec(calendarDecider).given([]).when(set()).then(t, [event()], 'first PUT is recorded');
  spec(calendarDecider)
    .given([event()])
    .when(set({ ...year, holidays: ['2027-02-05', '2027-01-01'] }))
    .then(t, [], 'same days in another order → nothing');
  spec(calendarDecider)
    .given([event()])
    .when(set({ ...year, workingDays: [] }))
    .then(t, [event({ ...year, workingDays: [] })], 'changed → replaces the year');
  spec(calendarDecider)
    .given([])
    .when(set({ year: 2027, holidays: ['2027-02-05', '2027-01-01'], workingDays: [] }))
    .then(t, [event({ year: 2027, holidays: ['2027-01-01', '2027-02-05'], workingDays: [] })], 'lists sorted');
});
