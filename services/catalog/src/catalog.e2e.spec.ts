import t from 'tap';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RecordedEvent } from '@lienthong/event-store';
import { startTestHub } from '@lienthong/platform/testing';
import { directoryModule } from '@lienthong/platform';
import { createWorkingCalendar } from '@lienthong/calendar';
import { catalogModule } from './module.js';
import { createCalendarReplica } from './projections/calendar-replica.js';
import { procedureInForce } from './domain/in-force.js';
import type { CalendarYearSet, ProcedurePublished } from './events.js';
import { birthRegistration } from './http/test-fixtures.js';

const year2027 = {
  holidays: ['2027-01-01', '2027-02-05', '2027-02-08', '2027-02-09', '2027-02-10', '2027-02-11', '2027-02-19'],
  workingDays: ['2027-02-20'],
};

t.test('catalog events reach a bus consumer; a bus-fed calendar replica follows them', async (t) => {
  const hub = await startTestHub([directoryModule, catalogModule]);
  t.teardown(() => hub.close());
  const { app, admin, platform } = hub;
  const seen: { event: RecordedEvent; service: string }[] = [];
  let wake: () => void = () => {};
  const consumer = await platform.bus.consume({ durable: 'test-catalog-events', services: ['catalog'] }, async (event, delivery) => {
    seen.push({ event, service: delivery.service });
    wake();
  });
  t.teardown(() => consumer.stop());
  // What the dossiers team does: its own calendar, replicated from the bus under its own name.
  const calendar = createWorkingCalendar();
  const replica = createCalendarReplica(calendar, { name: 'test-dossiers-calendar' });
  const runner = await platform.projection(replica.projection, {
    kind: 'bus',
    bus: platform.bus,
    durable: 'test-dossiers-calendar',
    services: ['catalog'],
  });
  replica.load(runner.db());

  await app.inject({ method: 'PUT', url: '/v1/catalog/procedures/1.001193', headers: admin, payload: birthRegistration });
  await app.inject({ method: 'DELETE', url: '/v1/catalog/procedures/1.001193', headers: admin });
  await app.inject({ method: 'PUT', url: '/v1/catalog/calendar/2027', headers: admin, payload: year2027 });

  const deadline = Date.now() + 10_000;
  while (seen.length < 3 && Date.now() < deadline) await new Promise<void>((r) => ((wake = r), setTimeout(r, 200)));
  t.same(
    seen.map((s) => s.event.type),
    ['ProcedurePublished', 'ProcedureRetired', 'CalendarYearSet'],
  );
  t.ok(seen.every((s) => s.service === 'catalog'));
  const published = seen[0]!.event as RecordedEvent<'ProcedurePublished', ProcedurePublished['data']>;
  t.match(published.data, {
    code: '1.001193',
    version: 1,
    name: 'Đăng ký khai sinh',
    agencyLevels: ['commune'],
    processingDays: 1,
    onlineLevel: 'full',
    result: 'Giấy khai sinh',
  });
  t.match(seen[1]!.event.data, { code: '1.001193', version: 1 });
  t.same((seen[2]!.event as RecordedEvent<'CalendarYearSet', CalendarYearSet['data']>).data, { year: 2027, ...year2027 });
  t.equal(
    procedureInForce(
      seen.map((s) => s.event),
      published.metadata.at,
    )?.procedure.version,
    1,
    'procedureInForce over bus events',
  );
  t.equal(
    procedureInForce(
      seen.map((s) => s.event),
      new Date(),
    ),
    null,
    'retired now',
  );

  const until = Date.now() + 10_000;
  while (calendar.sourceOf(2027) !== 'data' && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
  t.equal(calendar.isWorkingDay('2027-02-19'), false, 'replica applied the admin year');
  t.equal(calendar.isWorkingDay('2027-02-20'), true);
  t.same(replica.adminYear(runner.db(), 2027), { year: 2027, ...year2027, setAt: String(seen[2]!.event.metadata.at), actor: 'admin' });
});

t.test('restart keeps procedures, search, history and the calendar; rebuilds keep them too', async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'lt-catalog-'));
  t.teardown(() => rmSync(dataDir, { recursive: true, force: true }));
  {
    const hub = await startTestHub([directoryModule, catalogModule], { dataDir });
    const { app, admin } = hub;
    await app.inject({ method: 'PUT', url: '/v1/catalog/procedures/1.001193', headers: admin, payload: birthRegistration });
    await app.inject({
      method: 'PUT',
      url: '/v1/catalog/procedures/1.001193',
      headers: admin,
      payload: { ...birthRegistration, processingDays: 2 },
    });
    await app.inject({
      method: 'PUT',
      url: '/v1/catalog/procedures/1.000894',
      headers: admin,
      payload: { ...birthRegistration, name: 'Đăng ký kết hôn' },
    });
    await app.inject({ method: 'DELETE', url: '/v1/catalog/procedures/1.000894', headers: admin });
    t.equal((await app.inject({ method: 'PUT', url: '/v1/catalog/calendar/2027', headers: admin, payload: year2027 })).statusCode, 200);
    await hub.close();
  }
  const hub = await startTestHub([directoryModule, catalogModule], { dataDir });
  t.teardown(() => hub.close());
  const { app, admin } = hub;
  const check = async (when: string) => {
    t.match(
      (await app.inject({ method: 'GET', url: '/v1/catalog/procedures/1.001193' })).json(),
      { version: 2, processingDays: 2, versions: [{ version: 1 }, { version: 2 }] },
      `${when}: procedure`,
    );
    t.match((await app.inject({ method: 'GET', url: '/v1/catalog/procedures/1.000894' })).json(), { retired: true }, `${when}: retired`);
    const found = (await app.inject({ method: 'GET', url: '/v1/catalog/procedures?q=dang%20ky' })).json();
    t.same(
      found.items.map((i: { code: string }) => i.code),
      ['1.001193'],
      `${when}: search, retired excluded`,
    );
    t.match(
      (await app.inject({ method: 'GET', url: '/v1/catalog/calendar/2027' })).json(),
      { source: 'admin', workingDays: ['2027-02-20'] },
      `${when}: calendar`,
    );
    const from = encodeURIComponent(new Date('2027-02-18T10:00:00+07:00').toISOString());
    t.equal(
      (await app.inject({ method: 'GET', url: `/v1/catalog/deadline?from=${from}&days=1` })).json().dueAt,
      new Date('2027-02-20T10:00:00+07:00').toISOString(),
      `${when}: deadline uses the admin calendar`,
    );
  };
  await check('after restart');
  for (const name of ['catalog-procedures', 'catalog-calendar']) {
    const res = await app.inject({ method: 'POST', url: `/v1/admin/projections/${name}/rebuild`, headers: admin });
    t.ok(res.statusCode < 300, `rebuild ${name}: ${res.statusCode}`);
  }
  await check('after rebuilds');
  // The audit time travel (served by the host) finds the catalog's aggregates.
  const procedure = hub.platform.aggregates.find((a) => a.streamPrefix === 'procedure-');
  t.ok(procedure && hub.platform.aggregates.some((a) => a.streamPrefix === 'calendar-'));
  const folded = (await hub.platform.store.readStream('procedure-1.000894')).reduce(
    (s, e) => procedure!.evolve(s, e),
    procedure!.initialState(),
  );
  t.match(folded, { exists: true, retired: true, version: 1 });
});
