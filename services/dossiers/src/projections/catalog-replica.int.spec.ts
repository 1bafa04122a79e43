import t from 'tap';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { procedureLookupAt } from '@lienthong/catalog';
import { startDossiersHub, testClock, type DossiersHub } from '../test-helpers.js';
import { createCatalogReplica } from './catalog-replica.js';

const CODE = '1.000001';
// The history of the catalog's own `procedureLookupAt` unit test.
async function history(hub: DossiersHub) {
  await hub.publishProcedure(CODE, 1, new Date('2026-01-01T00:00:00.000Z'), 1);
  await hub.publishProcedure(CODE, 2, new Date('2026-02-01T00:00:00.000Z'), 2);
  await hub.retireProcedure(CODE, 2, new Date('2026-03-01T00:00:00.000Z'));
  await hub.publishProcedure(CODE, 3, new Date('2026-04-01T00:00:00.000Z'), 3);
  // typed in on 1 May, in force by law from 1 April
  await hub.publishProcedure(CODE, 4, new Date('2026-05-01T00:00:00.000Z'), 4, '2026-04-15T00:00:00.000Z');
}
const instants = [
  '2025-12-31T23:59:59.999Z',
  '2026-01-01T00:00:00.000Z',
  '2026-01-31T00:00:00.000Z',
  '2026-02-15T00:00:00.000Z',
  '2026-03-01T00:00:00.000Z',
  '2026-03-15T00:00:00.000Z',
  '2026-04-10T00:00:00.000Z',
  '2026-04-20T00:00:00.000Z',
  '2026-05-01T00:00:00.000Z',
];

t.test('the replica answers as the catalog rule does over the stream itself, also after a rebuild', async (t) => {
  const hub = await startDossiersHub({ overdueIntervalMs: 60_000 });
  t.teardown(() => hub.close());
  await history(hub);
  const runner = hub.platform.projections.get('dossiers-catalog-replica')!;
  const replica = createCatalogReplica('test');
  const check = async (when: string) => {
    const events = await hub.platform.store.readStream(`procedure-${CODE}`);
    for (const at of instants) {
      const expected = procedureLookupAt(events, at);
      const got = replica.procedureAt(runner.db(), CODE, new Date(at));
      t.equal(got.found ? got.procedure.version : null, expected.found ? expected.procedure.version : null, `${when}: ${at}`);
      if (!got.found) t.same(got, expected, `${when}: ${at} known, not in force, for the same reason`);
    }
    const v3 = replica.procedureAt(runner.db(), CODE, new Date('2026-04-10T00:00:00Z'));
    t.same(
      v3,
      {
        found: true,
        procedure: {
          code: CODE,
          version: 3,
          name: `Thủ tục ${CODE}`,
          processingDays: 3,
          online: { level: 'partial', form: null, components: [] },
        },
      },
      `${when}: what a receipt records`,
    );
    const v4 = replica.procedureAt(runner.db(), CODE, new Date('2026-04-20T00:00:00Z'));
    t.match(v4, { found: true, procedure: { version: 4 } }, `${when}: chosen by effectiveFrom, before it was typed in`);
    t.same(
      replica.procedureAt(runner.db(), CODE, new Date('2025-12-31T00:00:00Z')),
      { found: false, reason: 'not-yet-in-force', from: '2026-01-01T00:00:00.000Z' },
      `${when}: not yet`,
    );
    t.match(
      replica.procedureAt(runner.db(), CODE, new Date('2026-03-15T00:00:00Z')),
      { found: false, reason: 'retired', retiredAt: '2026-03-01T00:00:00.000Z' },
      `${when}: retired`,
    );
    t.same(replica.procedureAt(runner.db(), '9.999999', new Date()), { found: false, reason: 'unknown' }, `${when}: unknown`);
  };
  await check('live');
  t.equal(
    (await hub.inject('POST', '/v1/admin/projections/dossiers-catalog-replica/rebuild', hub.admin)).statusCode < 300,
    true,
    'rebuilt',
  );
  await check('after rebuild');
});

t.test('calendar years set by the catalog survive a restart and a rebuild (receipt deadlines use them)', async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'lt-dossiers-replica-'));
  t.teardown(() => rmSync(dataDir, { recursive: true, force: true }));
  const clock = testClock('2026-03-09T01:00:00.000Z'); // Monday 08:00 in Hanoi
  const A = '000.00.12.H40';
  const receive = async (hub: DossiersHub) => {
    const clerk = await hub.staff(A, ['clerk']);
    const res = await hub.inject('POST', '/v1/dossiers', clerk, {
      procedureCode: '1.000002',
      agencyId: A,
      applicant: { name: 'Lê C' },
      channel: 'counter',
    });
    t.equal(res.statusCode, 201);
    return res.json().dueAt as string;
  };
  let hub = await startDossiersHub({ dataDir, clock: clock.now, overdueIntervalMs: 60_000 });
  await hub.agency(A);
  await hub.publishProcedure('1.000002', 1);
  t.equal(await receive(hub), '2026-03-10T01:00:00.000Z', 'no holiday: Tuesday 08:00');
  await hub.setCalendarYear(2026, ['2026-01-01', '2026-03-10']);
  t.equal(await receive(hub), '2026-03-11T01:00:00.000Z', 'Tuesday off: Wednesday 08:00');
  await hub.close();

  hub = await startDossiersHub({ dataDir, clock: clock.now, overdueIntervalMs: 60_000 });
  t.teardown(() => hub.close());
  t.equal(await receive(hub), '2026-03-11T01:00:00.000Z', 'after a restart');
  t.equal(
    (await hub.inject('POST', '/v1/admin/projections/dossiers-catalog-replica/rebuild', hub.admin)).statusCode < 300,
    true,
    'rebuilt',
  );
  t.equal(await receive(hub), '2026-03-11T01:00:00.000Z', 'after a rebuild');
  await hub.setCalendarYear(2026, ['2026-01-01']);
  t.equal(await receive(hub), '2026-03-10T01:00:00.000Z', 'a later year replaces it');
});
