import t from 'tap';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { createSqliteEventStore, type EventStore, type NewEvent, type RecordedEvent } from '@lienthong/event-store';
import { tempDir } from '@lienthong/testing';
import { createSqliteBus } from './sqlite-bus.js';
import { fakeEvent, record, uniqueName } from './testing/index.js';
import { RELAY_CHILD, restartRelayExpectingOnce, runChild } from './testing/child.js';

const newEvent = (n: number, type = 'Step'): NewEvent => ({
  type,
  data: { n, text: 'x'.repeat(200) },
  metadata: { correlationId: `c-${n}`, actor: 'test', at: new Date().toISOString() },
});

async function appendMany(store: EventStore, stream: string, count: number, type = 'Step'): Promise<RecordedEvent[]> {
  return (
    await store.append(
      stream,
      Array.from({ length: count }, (_, i) => newEvent(i, type)),
    )
  ).events as RecordedEvent[];
}

function loggedRows(file: string): Array<{ id: string; payload: string; position: number | null }> {
  const db = new Database(file, { readonly: true });
  try {
    return db
      .prepare<[], { id: string; payload: string; position: number | null }>('SELECT id, payload, position FROM messages ORDER BY seq')
      .all();
  } finally {
    db.close();
  }
}

t.test('events of its store are logged by reference and read from the store for consumers', async (t) => {
  const dir = tempDir(t);
  const store = createSqliteEventStore({ file: join(dir, 'events.sqlite') });
  const busFile = join(dir, 'bus.sqlite');
  const bus = createSqliteBus({ file: busFile, store, pollIntervalMs: 50 });
  t.teardown(async () => {
    await bus.close();
    await store.close();
  });
  // other events between them: the positions the bus reads are not contiguous
  const a = await appendMany(store, 'doc-1', 3);
  await appendMany(store, 'other-1', 2); // of the same type
  await appendMany(store, 'other-2', 600, 'Other'); // of another type, more than a read returns
  const b = await appendMany(store, 'doc-2', 2);
  const stranger = fakeEvent('s', 0);
  await bus.publishBatch([...a, ...b], { service: 'docs', source: store });
  await bus.publishBatch(a.slice(1), { service: 'docs', source: store }); // a retry: deduped
  await bus.publish(stranger, { service: 'docs' }); // no source: a copy

  const rows = loggedRows(busFile);
  t.same(
    rows.map((r) => [r.id, r.payload, r.position]),
    [...[...a, ...b].map((e) => [e.id, '', e.position]), [stranger.id, JSON.stringify(stranger), null]],
    'references hold the position and no payload; the event from elsewhere is copied',
  );

  const rec = await record(bus, { durable: uniqueName('d'), services: ['docs'] });
  await rec.waitFor(6);
  await rec.consumer.stop();
  t.same(
    rec.handled.map((h) => h.event),
    [...a, ...b, stranger],
    'consumers get the events whole, in publish order',
  );
});

t.test('a log of references opened without the store delivers nothing (and skips nothing) until opened with it', async (t) => {
  const dir = tempDir(t);
  const store = createSqliteEventStore({ file: join(dir, 'events.sqlite') });
  const busFile = join(dir, 'bus.sqlite');
  t.teardown(() => store.close());
  const events = await appendMany(store, 'doc-1', 3);
  const writer = createSqliteBus({ file: busFile, store });
  await writer.publishBatch(events, { service: 'docs', source: store });
  await writer.close();

  const errors: string[] = [];
  const logger = { info() {}, warn() {}, error: (_: object, message?: string) => void errors.push(message ?? ''), debug() {} };
  const blind = createSqliteBus({ file: busFile, pollIntervalMs: 20, logger });
  const rec1 = await record(blind, { durable: 'reader' });
  await new Promise((resolve) => setTimeout(resolve, 200));
  t.equal(rec1.handled.length, 0, 'nothing delivered');
  t.equal(await rec1.consumer.pending(), 3, 'nothing acknowledged');
  t.ok(errors.length > 0, 'the failure is logged');
  await blind.close();

  const seeing = createSqliteBus({ file: busFile, store, pollIntervalMs: 20 });
  t.teardown(() => seeing.close());
  const rec2 = await record(seeing, { durable: 'reader' });
  await rec2.waitFor(3);
  t.same(
    rec2.handled.map((h) => h.event.id),
    events.map((e) => e.id),
  );
});

t.test('a relay logging references killed between publish and checkpoint loses nothing, repeats nothing', async (t) => {
  const dir = tempDir(t);
  const storeFile = join(dir, 'events.sqlite');
  const checkpointFile = join(dir, 'relay.sqlite');
  const busFile = join(dir, 'bus.sqlite');
  const store = createSqliteEventStore({ file: storeFile, pollMs: 50 });
  // this process's bus resolves the child's references through its own instance of the store
  const bus = createSqliteBus({ file: busFile, store, pollIntervalMs: 50 });
  t.teardown(async () => {
    await bus.close();
    await store.close();
  });
  const service = uniqueName('records');
  const rec = await record(bus, { durable: uniqueName('d'), services: [service] });
  const expected = (await appendMany(store, 'doc-1', 8)).map((e) => e.id);

  const crashed = await runChild(RELAY_CHILD, [storeFile, checkpointFile, `ref:${busFile}`, service, 'doc-', '5']);
  t.equal(crashed.signal, 'SIGKILL', 'the relay died after the 5th publish');
  expected.push(...(await appendMany(store, 'doc-2', 6)).map((e) => e.id));
  await restartRelayExpectingOnce(t, rec, [storeFile, checkpointFile, `ref:${busFile}`, service, 'doc-', '0'], expected);
  t.ok(
    loggedRows(busFile).every((r) => r.payload === '' && r.position !== null),
    'every message is a reference',
  );
});
