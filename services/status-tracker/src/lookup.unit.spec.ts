import t from 'tap';
import Database from 'better-sqlite3';
import { hashPin } from '@lienthong/dossier-contract';
import type { RecordedEvent } from '@lienthong/event-store';
import { createLookup, etagMatches, etagOf, isOnTime, isOverdue } from './lookup.js';
import { createTrackerProjection, type TrackedChange } from './projections/tracker-projection.js';
import { trackerView, type TrackedDossier } from './projections/tracker-view.js';

const KEY = Buffer.alloc(32, 7);
const CODE = '000.00.12.H40-260309-0001';
const PIN = '12345678';
const snap = (status: string, statusCode: number, extra: object = {}) => ({
  dossierCode: CODE,
  agencyId: 'A',
  status,
  statusCode,
  dueAt: '2026-03-12T01:00:00.000Z',
  overdue: false,
  ...extra,
});
let revision = 0;
const ev = (type: string, data: object, at: string): RecordedEvent => ({
  id: `e${revision}`,
  stream: `dossier-${CODE}`,
  revision: revision++,
  position: revision,
  type,
  data,
  metadata: { correlationId: 'c', actor: 'staff:x', at },
  prevHash: '',
  hash: '',
});

t.test('the projection: a row per dossier, a history entry per status entered, pause and resolution', async (t) => {
  const db = new Database(':memory:');
  const changes: TrackedChange[] = [];
  const projection = createTrackerProjection();
  projection.init(db);
  // What each apply reports having changed (the runner hands it to afterCommit).
  const apply = (e: RecordedEvent) => changes.push(...(projection.apply(db, e) ?? []));
  const events = [
    ev(
      'DossierReceived',
      {
        ...snap('new', 1),
        procedureCode: '1.004227',
        procedureVersion: 1,
        procedureName: 'Khai sinh',
        processingDays: 3,
        channel: 'postal',
        receivedAt: '2026-03-08T01:00:00.000Z',
        legalDueAt: '2026-03-12T01:00:00.000Z',
        pinHash: hashPin(KEY, CODE, PIN),
        applicant: { maskedName: 'N*** A***' },
        applicantSealed: 'x',
        components: [],
      },
      '2026-03-09T01:00:00.000Z',
    ),
    ev('DossierAccepted', { ...snap('accepted', 2), note: null }, '2026-03-09T02:00:00.000Z'),
    ev('DossierAssigned', { ...snap('processing', 4), officer: null, department: null }, '2026-03-09T03:00:00.000Z'),
    ev('DossierAssigned', { ...snap('processing', 4), officer: 'o2', department: null }, '2026-03-09T03:30:00.000Z'),
    ev(
      'DossierSupplementRequested',
      { ...snap('supplement-requested', 5), reason: 'r', items: [], pausedAt: '2026-03-09T04:00:00.000Z' },
      '2026-03-09T04:00:00.000Z',
    ),
  ];
  for (const e of events) apply(e);
  const view = trackerView(() => db);
  let row = view.find(CODE)!;
  t.equal(row.status, 'supplement-requested');
  t.equal(row.pausedAt, '2026-03-09T04:00:00.000Z');
  t.equal(row.receivedAt, '2026-03-08T01:00:00.000Z', 'the real arrival, not the recording time');
  t.strictSame(
    view.history(CODE).map((h) => h.status),
    ['new', 'accepted', 'processing', 'supplement-requested'],
    'a reassignment is not a new status',
  );
  t.equal(view.history(CODE)[0]!.at, '2026-03-08T01:00:00.000Z');

  apply(
    ev(
      'DossierSupplemented',
      {
        ...snap('processing', 4, { dueAt: '2026-03-13T01:00:00.000Z' }),
        components: [],
        resumedAt: 'x',
        pausedWorkingMs: 1,
        legalDueAt: '2026-03-13T01:00:00.000Z',
      },
      '2026-03-10T01:00:00.000Z',
    ),
  );
  row = view.find(CODE)!;
  t.equal(row.pausedAt, null);
  t.equal(row.legalDueAt, '2026-03-13T01:00:00.000Z', 'the pause moves the legal due date');
  t.equal(view.open('A', 10).length, 1);
  apply(ev('DossierCompleted', { ...snap('processed', 9, { dueAt: '2026-03-13T01:00:00.000Z' }), note: null }, '2026-03-11T01:00:00.000Z'));
  apply(
    ev(
      'DossierResultDelivered',
      { ...snap('result-delivered', 10, { dueAt: '2026-03-13T01:00:00.000Z' }), note: null },
      '2026-03-12T01:00:00.000Z',
    ),
  );
  row = view.find(CODE)!;
  t.equal(row.resolvedAt, '2026-03-11T01:00:00.000Z', 'first resolution kept');
  t.equal(view.open('A', 10).length, 0, 'off the board');
  t.equal(changes.length, 8, 'every event reported');
  t.equal(changes[0]!.previousAgencyId, null);

  apply(ev('DossierAccepted', { ...snap('accepted', 2), dossierCode: 'unknown-code', note: null }, 'x'));
  t.equal(view.find('unknown-code'), null, 'an event without its receipt is ignored');
});

const dossier = (over: Partial<TrackedDossier>): TrackedDossier => ({
  dossierCode: CODE,
  agencyId: 'A',
  procedureCode: 'p',
  procedureName: 'p',
  status: 'processing',
  receivedAt: '2026-03-09T01:00:00.000Z',
  dueAt: '2026-03-12T01:00:00.000Z',
  legalDueAt: '2026-03-12T01:00:00.000Z',
  overdueFlag: false,
  pausedAt: null,
  resolvedAt: null,
  pinHash: '',
  maskedName: null,
  revision: 0,
  ...over,
});

t.test('overdue and on time', async (t) => {
  const before = new Date('2026-03-11T00:00:00Z');
  const after = new Date('2026-03-13T00:00:00Z');
  t.equal(isOverdue(dossier({}), before), false);
  t.equal(isOverdue(dossier({}), after), true, 'running past the due date');
  t.equal(isOverdue(dossier({ overdueFlag: true }), before), true, 'flagged by the scheduler');
  t.equal(
    isOverdue(dossier({ status: 'supplement-requested', pausedAt: '2026-03-10T00:00:00Z' }), after),
    false,
    'the clock stopped before the due date',
  );
  t.equal(isOverdue(dossier({ status: 'processed', resolvedAt: '2026-03-13T00:00:00Z' }), after), false, 'resolved is never overdue');
  t.equal(isOnTime(dossier({ status: 'processed', resolvedAt: '2026-03-12T01:00:00.000Z' }), after), true, 'resolved at the due instant');
  t.equal(isOnTime(dossier({ status: 'processed', resolvedAt: '2026-03-12T01:00:00.001Z' }), after), false);
  t.equal(isOnTime(dossier({ dueAt: '2026-03-20T01:00:00.000Z' }), after), false, 'an apology moves the appointment, not the law');
  t.equal(isOverdue(dossier({ dueAt: '2026-03-20T01:00:00.000Z' }), after), false);
});

t.test('ETag and If-None-Match', async (t) => {
  const tag = etagOf('{"a":1}');
  t.equal(tag, etagOf('{"a":1}'));
  t.not(tag, etagOf('{"a":2}'));
  t.ok(etagMatches(tag, tag));
  t.ok(etagMatches(`W/${tag}`, tag));
  t.ok(etagMatches(`"x" , ${tag}`, tag));
  t.ok(etagMatches('*', tag));
  t.notOk(etagMatches(undefined, tag));
  t.notOk(etagMatches('"x"', tag));
});

t.test('unknown code and wrong PIN do the same work', async (t) => {
  const db = new Database(':memory:');
  const projection = createTrackerProjection();
  projection.init(db);
  revision = 0;
  projection.apply(
    db,
    ev(
      'DossierReceived',
      {
        ...snap('new', 1),
        procedureCode: 'p',
        procedureVersion: 1,
        procedureName: 'p',
        processingDays: 3,
        channel: 'counter',
        receivedAt: '2026-03-09T01:00:00.000Z',
        legalDueAt: '2026-03-12T01:00:00.000Z',
        pinHash: hashPin(KEY, CODE, PIN),
        applicant: { maskedName: 'A***' },
        applicantSealed: 'x',
        components: [],
      },
      '2026-03-09T01:00:00.000Z',
    ),
  );
  const calls: string[] = [];
  let now = new Date('2026-03-10T00:00:00Z');
  let current = db;
  const lookup = createLookup({
    view: trackerView(() => current),
    verifyPin: (code, pin, hash) => {
      calls.push(hash.length === 64 ? 'hmac' : 'short');
      return hashPin(KEY, code, pin) === hash;
    },
    clock: () => now,
  });
  t.equal(lookup.answer(CODE, '00000000'), null);
  t.equal(lookup.answer('000.00.12.H40-260309-0002', PIN), null);
  t.strictSame(calls, ['hmac', 'hmac'], 'one keyed hash checked either way');
  const found = lookup.answer(CODE, PIN)!;
  t.equal(JSON.parse(found.body).statusLabel, 'Mới đăng ký');
  t.equal(lookup.answer(CODE, PIN), found, 'served from the cache');
  t.equal(lookup.answer(CODE, '00000000'), null, 'a wrong PIN is refused from the cache too');
  t.equal(calls.length, 5, 'the PIN is checked on every lookup, cached or not');
  now = new Date('2026-03-12T02:00:00Z');
  const later = lookup.answer(CODE, PIN)!;
  t.equal(JSON.parse(later.body).overdue, true, 'the due date passing renders again');
  t.not(later.etag, found.etag);

  // An event for the dossier: the read model changes and the projection forgets the answer.
  projection.apply(db, ev('DossierAccepted', { ...snap('accepted', 2), note: null }, '2026-03-12T03:00:00.000Z'));
  t.equal(lookup.answer(CODE, PIN), later, 'not forgotten: the stale answer would still be served');
  lookup.forget(CODE);
  const accepted = lookup.answer(CODE, PIN)!;
  t.equal(JSON.parse(accepted.body).status, 'accepted', 'forgotten: rendered again from the read model');

  // A rebuild swaps the read model: nothing cached from the old one is served.
  const rebuilt = new Database(':memory:');
  projection.init(rebuilt);
  current = rebuilt;
  t.equal(lookup.answer(CODE, PIN), null, 'the new read model does not know the dossier (yet)');
});
