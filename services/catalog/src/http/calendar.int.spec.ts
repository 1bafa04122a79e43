import t from 'tap';
import { startTestHub } from '@lienthong/platform/testing';
import { directoryModule } from '@lienthong/platform';
import { catalogModule } from '../module.js';
import { birthRegistration } from './test-fixtures.js';

const hub = await startTestHub([directoryModule, catalogModule]);
t.teardown(() => hub.close());
const { app, admin } = hub;
const putYear = (year: number | string, payload: unknown) =>
  app.inject({ method: 'PUT', url: `/v1/catalog/calendar/${year}`, headers: admin, payload: payload as object });
const getYear = async (year: number) => (await app.inject({ method: 'GET', url: `/v1/catalog/calendar/${year}` })).json();
/** An instant on the Vietnam clock, `YYYY-MM-DD HH:MM`. */
const vn = (text: string) => new Date(`${text.replace(' ', 'T')}:00+07:00`).toISOString();
const deadline = async (from: string, days: number | string) => {
  const res = await app.inject({ method: 'GET', url: `/v1/catalog/deadline?from=${encodeURIComponent(vn(from))}&days=${days}` });
  if (res.statusCode !== 200) throw new Error(res.body);
  return res.json().dueAt as string;
};

t.test('GET a year: shipped data, lunar default', async (t) => {
  const y2026 = await getYear(2026);
  t.match(y2026, { year: 2026, source: 'data' });
  t.ok(y2026.holidays.includes('2026-02-17'), 'Tết 2026');
  t.ok(y2026.workingDays.includes('2026-01-10'), 'swapped Saturday 10/1/2026');
  const y2027 = await getYear(2027);
  t.match(y2027, { year: 2027, source: 'default', workingDays: [] });
  t.ok(y2027.holidays.includes('2027-02-08'), 'lunar default Tết 2027');
  t.equal((await app.inject({ method: 'GET', url: '/v1/catalog/calendar/1800' })).statusCode, 400);
  t.equal((await app.inject({ method: 'GET', url: '/v1/catalog/calendar/abc' })).statusCode, 400);
});

t.test('deadline tables through the API (shipped 2025–2026 data)', async (t) => {
  const cases: Array<[string, string, number, string]> = [
    ['received Friday afternoon', '2025-03-07 15:00', 1, '2025-03-10 15:00'],
    ['before office hours', '2025-03-10 06:00', 1, '2025-03-10 17:00'],
    ['at lunch', '2025-03-10 12:00', 0.5, '2025-03-11 07:30'],
    ['on a holiday (30/4/2025)', '2025-04-30 09:00', 1, '2025-05-05 17:00'],
    ['across Tết 2026 (14–22/2 off)', '2026-02-13 10:00', 2, '2026-02-24 10:00'],
    ['into the swapped working Saturday 26/4/2025', '2025-04-25 10:00', 1, '2025-04-26 10:00'],
    ['over the 2/1/2026 swap onto Saturday 10/1/2026', '2026-01-09 10:00', 1, '2026-01-10 10:00'],
    ['fractional: 1.5 days from mid-afternoon', '2025-03-10 15:00', 1.5, '2025-03-12 09:00'],
    ['fractional: a quarter day (2 h) over lunch', '2025-03-10 10:00', 0.25, '2025-03-10 14:00'],
    ['zero days at lunch: the next opening', '2025-03-10 12:00', 0, '2025-03-10 13:30'],
  ];
  for (const [what, from, days, due] of cases) t.equal(await deadline(from, days), vn(due), `${what}: ${from} + ${days} → ${due}`);
  const bad = await app.inject({ method: 'GET', url: '/v1/catalog/deadline?from=2025-03-10&days=-1' });
  t.equal(bad.statusCode, 400);
  t.equal(
    (await app.inject({ method: 'GET', url: `/v1/catalog/deadline?from=${encodeURIComponent(vn('2025-03-10 08:00'))}` })).statusCode,
    400,
    'days or code needed',
  );
  // past the calendar's years: the caller's range, named, not a server fault
  for (const [from, days] of [
    ['1850-01-01T00:00:00Z', 1],
    ['2199-06-01T00:00:00Z', 1000],
    ['2400-01-01T00:00:00Z', 1],
  ] as const) {
    const outside = await app.inject({ method: 'GET', url: `/v1/catalog/deadline?from=${from}&days=${days}` });
    t.equal(outside.statusCode, 422, `${from} + ${days}: ${outside.body}`);
    t.match(outside.json(), { detail: /covers 1901–2199/ });
  }
});

t.test("deadline from a procedure's processing time", async (t) => {
  await app.inject({
    method: 'PUT',
    url: '/v1/catalog/procedures/1.001193',
    headers: admin,
    payload: { ...birthRegistration, processingDays: 3 },
  });
  const res = await app.inject({
    method: 'GET',
    url: `/v1/catalog/deadline?from=${encodeURIComponent(new Date().toISOString())}&code=1.001193`,
  });
  t.equal(res.statusCode, 200, res.body);
  t.match(res.json(), { days: 3, procedure: { code: '1.001193', version: 1 } });
  t.equal(
    (await app.inject({ method: 'GET', url: `/v1/catalog/deadline?from=${encodeURIComponent(vn('2000-01-03 08:00'))}&code=1.001193` }))
      .statusCode,
    404,
    'not in force then',
  );
});

t.test('PUT a year: validated, recorded, used for deadlines', async (t) => {
  // Before: Friday 2027-02-12 is after the default Tết (5–11/2), so 1 day from Thursday 18/2 ends Friday 19/2.
  t.equal(await deadline('2027-02-18 10:00', 1), vn('2027-02-19 10:00'));
  const res = await putYear(2027, {
    holidays: ['2027-01-01', '2027-02-05', '2027-02-08', '2027-02-09', '2027-02-10', '2027-02-11', '2027-02-12', '2027-02-19'],
    workingDays: ['2027-02-20'],
  });
  t.equal(res.statusCode, 200, res.body);
  t.match(res.json(), { year: 2027, source: 'admin', workingDays: ['2027-02-20'], setAt: String });
  t.match(await getYear(2027), {
    source: 'admin',
    holidays: ['2027-01-01', '2027-02-05', '2027-02-08', '2027-02-09', '2027-02-10', '2027-02-11', '2027-02-12', '2027-02-19'],
  });
  t.equal(await deadline('2027-02-18 10:00', 1), vn('2027-02-20 10:00'), 'Friday 19/2 off, Saturday 20/2 worked');
  const events = await hub.platform.store.readStream('calendar-2027');
  t.same(
    events.map((e) => e.type),
    ['CalendarYearSet'],
  );
  t.equal(
    (
      await putYear(2027, {
        holidays: ['2027-02-19', '2027-02-12', '2027-02-11', '2027-02-10', '2027-02-09', '2027-02-08', '2027-02-05', '2027-01-01'],
        workingDays: ['2027-02-20'],
      })
    ).statusCode,
    200,
  );
  t.equal((await hub.platform.store.readStream('calendar-2027')).length, 1, 'same days again: nothing recorded');
});

t.test('malformed and out-of-year dates → 400 naming the entries', async (t) => {
  const malformed = await putYear(2028, { holidays: ['2028-01-01', '2028-02-30', 'tomorrow'], workingDays: [] });
  t.equal(malformed.statusCode, 400);
  const paths = (malformed.json().errors as { path: string }[]).map((e) => e.path);
  t.ok(paths.includes('body/holidays/1') && paths.includes('body/holidays/2'), paths.join(', '));
  t.notOk(paths.includes('body/holidays/0'));

  const outOfYear = await putYear(2028, { holidays: ['2028-01-01', '2027-12-31'], workingDays: ['2029-01-06'] });
  t.equal(outOfYear.statusCode, 400);
  t.match(outOfYear.json().errors, [
    { path: 'body/holidays/1', message: /not in 2028/ },
    { path: 'body/workingDays/0', message: /not in 2028/ },
  ]);

  const weekday = await putYear(2028, { holidays: [], workingDays: ['2028-03-01'] });
  t.match(weekday.json().errors, [{ path: 'body/workingDays/0', message: /weekday/ }]);
  const otherYear = await putYear(2028, { year: 2029, holidays: [] });
  t.match(otherYear.json().errors, [{ path: 'body/year' }]);
  t.equal((await putYear(1800, { holidays: [] })).statusCode, 400, 'year out of range');
  t.equal((await putYear(2028, { workingDays: [] })).statusCode, 400, 'holidays required');
  const misspelt = await putYear(2028, { holidays: ['2028-01-01'], workingdays: ['2028-01-08'] });
  t.equal(misspelt.statusCode, 400, 'a misspelt field is refused, not read as no swapped days');
  t.match(JSON.stringify(misspelt.json()), /workingdays/);
  const tooMany = await putYear(2028, { holidays: Array.from({ length: 367 }, () => '2028-01-01') });
  t.equal(tooMany.statusCode, 400, 'at most 366 days');
  t.equal((await getYear(2028)).source, 'default', 'nothing stored');
  t.equal((await hub.platform.store.readStream('calendar-2028')).length, 0);
});
