import t from 'tap';
import { join } from 'node:path';
import { tempDir } from '@lienthong/testing';
import { createSqliteEventStore } from '@lienthong/event-store';
import { createProjectionRunner, type Projection } from '@lienthong/projections';
import { createTrackerProjection, type TrackedChange } from './tracker-projection.js';

const CODE = '000.00.12.H40-260309-0001';
const meta = { correlationId: 'c1', actor: 'staff:x', at: '2026-03-09T01:00:00.000Z' };
const snap = (status: string, statusCode: number) => ({
  dossierCode: CODE,
  agencyId: 'A',
  status,
  statusCode,
  dueAt: '2026-03-12T01:00:00.000Z',
  overdue: false,
});

t.test('the board hears of a change once its batch committed, never of one rolled back', async (t) => {
  const dir = tempDir(t, 'lt-tracker-');
  const store = createSqliteEventStore({ file: join(dir, 'events.sqlite') });
  t.teardown(() => store.close());
  const heard: Array<{ event: string; status: string | undefined }> = [];
  let failing = true;
  const base = createTrackerProjection((change, db) =>
    heard.push({
      event: change.event,
      status: (db.prepare('SELECT status FROM tracked WHERE code = ?').get(change.dossierCode) as { status: string } | undefined)?.status,
    }),
  );
  const projection: Projection<TrackedChange> = {
    ...base,
    apply(db, event) {
      const changes = base.apply(db, event);
      if (failing && event.type === 'DossierAccepted') throw new Error('boom');
      return changes;
    },
  };
  const runner = createProjectionRunner({ projection, store, dir: join(dir, 'p'), logger: { info() {}, warn() {}, error() {} } });
  t.teardown(() => runner.stop());
  const last = await store.append(`dossier-${CODE}`, [
    {
      type: 'DossierReceived',
      metadata: meta,
      data: {
        ...snap('new', 1),
        procedureCode: 'p',
        procedureName: 'Khai sinh',
        receivedAt: meta.at,
        legalDueAt: '2026-03-12T01:00:00.000Z',
        pinHash: 'h',
        applicant: { maskedName: 'N*** A***' },
      },
    },
    { type: 'DossierAccepted', metadata: meta, data: { ...snap('accepted', 2), note: null } },
  ]);
  await runner.start();
  await new Promise((r) => setTimeout(r, 300));
  t.same(heard, [], 'nothing announced while the batch keeps rolling back');
  failing = false;
  await runner.waitFor(last.position, 5000);
  t.same(
    heard,
    [
      { event: 'DossierReceived', status: 'accepted' },
      { event: 'DossierAccepted', status: 'accepted' },
    ],
    'each change once, as committed',
  );
});
