import t, { type Test } from 'tap';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSqliteEventStore } from '@lienthong/event-store';
import { createProjectionRunner } from '@lienthong/projections';
import { STATUS_CODES, type DossierStatus } from '@lienthong/dossier-contract';
import type { DossierEvent, DossierSnapshot } from '../domain/events.js';
import { dossierQueueProjection } from './dossier-queue.js';
import { dossierQueueView } from './dossier-queue-view.js';

const AGENCY = '000.00.12.H40';
const DUE = '2026-03-12T01:00:00.000Z';
const meta = { correlationId: 'c1', actor: 'staff:x', at: '2026-03-09T01:00:00.000Z' };
const snap = (code: string, status: DossierStatus, more: Partial<DossierSnapshot> = {}): DossierSnapshot => ({
  dossierCode: code,
  agencyId: AGENCY,
  status,
  statusCode: STATUS_CODES[status],
  dueAt: DUE,
  overdue: false,
  ...more,
});
const received = (code: string): DossierEvent => ({
  type: 'DossierReceived',
  data: {
    ...snap(code, 'new'),
    procedureCode: 'p',
    procedureVersion: 1,
    procedureName: 'Khai sinh',
    processingDays: 3,
    channel: 'counter',
    receivedAt: meta.at,
    legalDueAt: DUE,
    pinHash: 'h',
    applicant: { maskedName: 'N*** A***' },
    applicantSealed: 's',
    components: [],
  },
});
const accepted = (code: string): DossierEvent => ({ type: 'DossierAccepted', data: { ...snap(code, 'accepted'), note: null } });
const assigned = (code: string): DossierEvent => ({
  type: 'DossierAssigned',
  data: { ...snap(code, 'processing'), officer: 'o1', department: 'Tư pháp' },
});

/** The queue given these streams: `given(events).then(rows)` on a real store and read model. */
async function given(t: Test, streams: Record<string, DossierEvent[]>) {
  const dir = mkdtempSync(join(tmpdir(), 'lt-queue-'));
  const store = createSqliteEventStore({ file: join(dir, 'events.sqlite') });
  const runner = createProjectionRunner({
    projection: dossierQueueProjection,
    store,
    dir: join(dir, 'p'),
    logger: { info() {}, warn() {}, error() {} },
  });
  t.teardown(async () => {
    await runner.stop();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  await runner.start();
  for (const [code, events] of Object.entries(streams)) {
    const r = await store.append(
      `dossier-${code}`,
      events.map((e) => ({ ...e, metadata: meta })),
    );
    await runner.waitForEvent(r.events.at(-1)!);
  }
  return dossierQueueView(() => runner.db());
}

const item = (view: Awaited<ReturnType<typeof given>>, code: string, now: string) =>
  view.list({ limit: 10, offset: 0 }, new Date(now)).items.find((i) => i.dossierCode === code);
const overdueCodes = (view: Awaited<ReturnType<typeof given>>, now: string, overdue: boolean) =>
  view
    .list({ overdue, limit: 10, offset: 0 }, new Date(now))
    .items.map((i) => i.dossierCode)
    .sort();

t.test('overdue in the queue is the contract rule: items and the filter agree', async (t) => {
  const view = await given(t, {
    running: [received('running'), accepted('running')],
    // paused after its due date passed, before the scheduler flagged it: overdue by its stopped clock
    pausedLate: [
      received('pausedLate'),
      accepted('pausedLate'),
      {
        type: 'DossierSupplementRequested',
        data: { ...snap('pausedLate', 'supplement-requested'), reason: 'r', items: [], pausedAt: '2026-03-12T02:00:00.000Z' },
      },
    ],
    pausedEarly: [
      received('pausedEarly'),
      accepted('pausedEarly'),
      {
        type: 'DossierSupplementRequested',
        data: { ...snap('pausedEarly', 'supplement-requested'), reason: 'r', items: [], pausedAt: '2026-03-10T02:00:00.000Z' },
      },
    ],
    // flagged, then finished: no longer overdue
    finished: [
      received('finished'),
      accepted('finished'),
      assigned('finished'),
      { type: 'DossierBecameOverdue', data: snap('finished', 'processing', { overdue: true }) },
      { type: 'DossierCompleted', data: { ...snap('finished', 'processed', { overdue: true }), note: null } },
    ],
  });
  t.equal(item(view, 'running', DUE)?.overdue, false, 'exactly at dueAt');
  t.equal(item(view, 'running', '2026-03-12T01:00:00.001Z')?.overdue, true, 'just after');
  const later = '2026-04-01T00:00:00.000Z';
  t.equal(item(view, 'pausedLate', later)?.overdue, true);
  t.equal(item(view, 'pausedEarly', later)?.overdue, false);
  t.equal(item(view, 'finished', later)?.overdue, false);
  t.strictSame(overdueCodes(view, later, true), ['pausedLate', 'running']);
  t.strictSame(overdueCodes(view, later, false), ['finished', 'pausedEarly']);
  t.strictSame(overdueCodes(view, DUE, true), ['pausedLate']);
});

t.test('the row follows the decider’s evolve: pause, resume, officer, transfer, resolution', async (t) => {
  const code = 'd1';
  const view = await given(t, {
    [code]: [
      received(code),
      accepted(code),
      assigned(code),
      {
        type: 'DossierSupplementRequested',
        data: { ...snap(code, 'supplement-requested'), reason: 'r', items: [], pausedAt: '2026-03-10T02:00:00.000Z' },
      },
    ],
  });
  const now = '2026-03-11T00:00:00.000Z';
  t.match(item(view, code, now), { status: 'supplement-requested', paused: true, officer: 'o1', department: 'Tư pháp', resolvedAt: null });
  const view2 = await given(t, {
    [code]: [
      received(code),
      accepted(code),
      assigned(code),
      {
        type: 'DossierSupplementRequested',
        data: { ...snap(code, 'supplement-requested'), reason: 'r', items: [], pausedAt: '2026-03-10T02:00:00.000Z' },
      },
      {
        type: 'DossierSupplemented',
        data: {
          ...snap(code, 'processing', { dueAt: '2026-03-13T01:00:00.000Z' }),
          components: [],
          resumedAt: '2026-03-11T02:00:00.000Z',
          pausedWorkingMs: 1,
          legalDueAt: '2026-03-13T01:00:00.000Z',
        },
      },
      {
        type: 'DossierTransferred',
        data: { ...snap(code, 'accepted', { agencyId: 'B', dueAt: '2026-03-13T01:00:00.000Z' }), fromAgencyId: AGENCY, reason: null },
      },
      { type: 'DossierStopped', data: { ...snap(code, 'stopped', { agencyId: 'B', dueAt: '2026-03-13T01:00:00.000Z' }), reason: 'r' } },
    ],
  });
  t.match(item(view2, code, now), {
    status: 'stopped',
    statusCode: 8,
    agencyId: 'B',
    dueAt: '2026-03-13T01:00:00.000Z',
    paused: false,
    officer: null,
    department: null,
    resolvedAt: meta.at,
  });
  t.equal(view2.revisionOf(code), 6);
});
