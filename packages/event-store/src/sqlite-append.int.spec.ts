import t from 'tap';
import type { Test } from 'tap';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { tempDir } from '@lienthong/testing';
import { hashCanonical } from './canonical.js';
import { DuplicateEventIdError, WrongExpectedRevisionError } from './errors.js';
import { GENESIS_HASH } from './hash.js';
import { applyAppend, assertStreamName, prepareEvent, type Head, type PendingAppend } from './sqlite-append.js';
import { applyPragmas, applySchema } from './sqlite-schema.js';
import { prepareStatements, type Statements } from './sqlite-statements.js';
import { ExpectedRevision, type NewEvent } from './types.js';

const meta = { correlationId: 'c', actor: 'test', at: '2026-01-01T00:00:00.000Z' };
const event = (n: number, id?: string): NewEvent => ({ type: 'Step', data: { n }, metadata: meta, ...(id ? { id } : {}) });

function openDb(t: Test): { db: Database.Database; s: Statements } {
  const db = new Database(join(tempDir(t, 'lt-append-'), 'events.sqlite'));
  t.teardown(() => db.close());
  applyPragmas(db, 'normal');
  applySchema(db);
  return { db, s: prepareStatements(db) };
}

const pending = (stream: string, events: NewEvent[], expected: ExpectedRevision = ExpectedRevision.any): PendingAppend => ({
  stream,
  expected,
  events: events.map(prepareEvent),
});

/** Runs appends in one transaction as the store does, heads written at the end. */
function batch(db: Database.Database, s: Statements, appends: PendingAppend[]) {
  const heads = new Map<string, Head>();
  const outcomes = db.transaction(() => {
    const results = appends.map((p) => applyAppend(s, p, heads));
    for (const [stream, head] of heads) if (head.changed) s.upsertHead.run(stream, head.revision, head.position, head.lastHash, 'x', 'x');
    return results;
  })();
  return { outcomes, heads };
}

const rows = (db: Database.Database) => db.prepare('SELECT position, id, stream, revision FROM events ORDER BY position').all();

t.test('prepareEvent: canonical JSON text, an id when none is given, refusals of its own', async (t) => {
  const p = prepareEvent({ type: 'T', data: { b: 1, a: [2, { d: 3, c: 4 }] }, metadata: { z: 1, a: 2 } as never });
  t.equal(p.dataJson, '{"a":[2,{"c":4,"d":3}],"b":1}', 'keys sorted at every depth');
  t.equal(p.metadataJson, '{"a":2,"z":1}');
  t.match(p.id, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/, 'a fresh UUID');
  t.equal(prepareEvent(event(1, 'given')).id, 'given', 'a given id kept');
  const none = prepareEvent({ type: 'T', metadata: meta } as NewEvent);
  t.equal(none.data, null, 'no data is null');
  t.equal(none.dataJson, 'null');
  t.throws(() => prepareEvent({ type: '', data: {}, metadata: meta }), TypeError);
  t.throws(() => prepareEvent({ type: 'T', data: {}, metadata: null as never }), TypeError);
  t.throws(() => assertStreamName(''), TypeError);
  t.doesNotThrow(() => assertStreamName('doc-1'));
});

t.test('applyAppend: revisions from the head, positions from the table, hashes chained from genesis', async (t) => {
  const { db, s } = openDb(t);
  const { outcomes, heads } = batch(db, s, [pending('doc-1', [event(1), event(2)], ExpectedRevision.noStream)]);
  const [first] = outcomes;
  if (!first?.ok) throw new Error('append refused');
  const [a, b] = first.result.events;
  t.equal(first.result.nextRevision, 1);
  t.same([a!.revision, b!.revision], [0, 1]);
  t.equal(first.result.position, b!.position);
  t.equal(a!.prevHash, GENESIS_HASH, 'the first links to genesis');
  t.equal(b!.prevHash, a!.hash, 'each links to the one before');
  const expected = hashCanonical(
    { id: a!.id, stream: 'doc-1', revision: 0, type: 'Step', dataJson: '{"n":1}', metadataJson: prepareEvent(event(1)).metadataJson },
    GENESIS_HASH,
  );
  t.equal(a!.hash, expected, 'the hash is over the canonical parts');
  t.same(heads.get('doc-1'), { revision: 1, position: b!.position, lastHash: b!.hash, changed: true });

  // A later batch starts from the stored head.
  const next = batch(db, s, [pending('doc-1', [event(3)], 1)]).outcomes[0];
  if (!next?.ok) throw new Error('append refused');
  t.equal(next.result.events[0]!.revision, 2);
  t.equal(next.result.events[0]!.prevHash, b!.hash, 'chained on from the stored head');
});

t.test('appends of one batch see each other: the heads carry between them', async (t) => {
  const { db, s } = openDb(t);
  const { outcomes } = batch(db, s, [
    pending('doc-1', [event(1)], ExpectedRevision.noStream),
    pending('doc-1', [event(2)], 0),
    pending('doc-1', [event(3)], ExpectedRevision.noStream),
  ]);
  t.same(
    outcomes.map((o) => o.ok),
    [true, true, false],
  );
  const refused = outcomes[2]!;
  if (refused.ok) throw new Error('not refused');
  t.type(refused.error, WrongExpectedRevisionError);
  t.equal((refused.error as WrongExpectedRevisionError).actual, 1, 'carries the actual revision');
  t.equal(rows(db).length, 2, 'the refused append wrote nothing');
});

t.test('an empty append checks the expected revision and writes nothing', async (t) => {
  const { db, s } = openDb(t);
  batch(db, s, [pending('doc-1', [event(1)])]);
  const { outcomes, heads } = batch(db, s, [pending('doc-1', [], 0)]);
  t.same(outcomes[0], { ok: true, result: { nextRevision: 0, position: 1, events: [] } });
  t.equal(heads.get('doc-1')?.changed, false, 'the head is not rewritten');
  const wrong = batch(db, s, [pending('doc-1', [], 5)]).outcomes[0]!;
  t.equal(wrong.ok, false);
});

t.test('a duplicate event id undoes that append alone; positions are given back', async (t) => {
  const { db, s } = openDb(t);
  batch(db, s, [pending('doc-1', [event(1, 'taken')])]);
  const { outcomes } = batch(db, s, [
    pending('doc-2', [event(2, 'fresh-1'), event(3, 'taken'), event(4, 'fresh-2')]),
    pending('doc-3', [event(5, 'other')]),
  ]);
  const [duplicate, other] = outcomes;
  if (duplicate?.ok !== false) throw new Error('duplicate not refused');
  t.type(duplicate.error, DuplicateEventIdError);
  t.match((duplicate.error as Error).message, /taken/, 'names the id');
  t.equal(other?.ok, true, 'the next append of the batch goes on');
  t.same(rows(db), [
    { position: 1, id: 'taken', stream: 'doc-1', revision: 0 },
    { position: 2, id: 'other', stream: 'doc-3', revision: 0 },
  ]);
  t.notOk(db.prepare("SELECT 1 FROM streams WHERE stream = 'doc-2'").get(), 'no head for the undone stream');
});

t.test('an error other than a duplicate id is thrown, for the batch to roll back', async (t) => {
  const { db, s } = openDb(t);
  db.exec("CREATE TRIGGER refuse BEFORE INSERT ON events WHEN NEW.type = 'Bad' BEGIN SELECT RAISE(ABORT, 'refused'); END");
  const bad = { stream: 'doc-1', expected: ExpectedRevision.any, events: [prepareEvent({ type: 'Bad', data: {}, metadata: meta })] };
  t.throws(() => batch(db, s, [pending('doc-1', [event(1)]), bad]), /refused/);
  t.same(rows(db), [], 'the whole batch rolled back');
});

t.test('generated ids are UUIDs in append order (time-ordered: the id index grows at its end)', async (t) => {
  const ids = Array.from({ length: 500 }, (_, n) => prepareEvent(event(n)).id);
  for (const id of ids) t.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  t.same([...ids].sort(), ids, 'each sorts after the one before');
  t.equal(new Set(ids).size, ids.length, 'all distinct');
  t.equal(prepareEvent(event(1, 'given-id')).id, 'given-id', 'an id given is kept');
});
