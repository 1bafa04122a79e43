import t, { type Test } from 'tap';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Database } from 'better-sqlite3';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { tempDir } from '@lienthong/testing';
import { createSqliteEventStore, type EventStore } from '@lienthong/event-store';
import { createProjectionRunner } from './runner.js';
import { ReadModelFile } from './read-model-file.js';
import { counterProjection } from './test/counter-projection.js';
import type { Projection } from './types.js';

const meta = { correlationId: 'c1', actor: 'test', at: '2026-11-22T00:00:00.000Z' };

async function setup(t: Test) {
  const dir = tempDir(t, 'lt-proj-');
  const store = createSqliteEventStore({ file: join(dir, 'events.sqlite') });
  t.teardown(() => store.close());
  return { dir, store };
}

async function bump(store: EventStore, stream: string, by: number) {
  return store.append(stream, [{ type: 'Bumped', data: { by }, metadata: meta }]);
}

const rows = (db: Database) => db.prepare('SELECT id, total FROM counters ORDER BY id').all();

t.test('applies catch-up and live events, ignores other streams, resumes after restart', async (t) => {
  const { dir, store } = await setup(t);
  await bump(store, 'counter-a', 1);
  await bump(store, 'other-x', 100);
  const calls = { n: 0 };
  let runner = createProjectionRunner({ projection: counterProjection(1, calls), store, dir: join(dir, 'p') });
  await runner.start();
  await runner.waitFor(await store.headPosition());
  t.strictSame(rows(runner.db()), [{ id: 'counter-a', total: 1 }]);
  const last = await bump(store, 'counter-b', 5);
  await runner.waitFor(last.position);
  t.strictSame(
    rows(runner.db()),
    [
      { id: 'counter-a', total: 1 },
      { id: 'counter-b', total: 5 },
    ],
    'live event applied',
  );
  t.equal((await runner.status()).lag, 0, 'no lag once caught up');
  await runner.stop();

  // events appended while stopped are applied once on restart; nothing twice
  await bump(store, 'counter-a', 2);
  calls.n = 0;
  runner = createProjectionRunner({ projection: counterProjection(1, calls), store, dir: join(dir, 'p') });
  await runner.start();
  await runner.waitFor(await store.headPosition());
  t.equal(calls.n, 1, 'only the new event is applied after restart');
  t.strictSame(rows(runner.db()), [
    { id: 'counter-a', total: 3 },
    { id: 'counter-b', total: 5 },
  ]);
  await runner.stop();
});

t.test('rebuild replays into a fresh copy while serving, then swaps to identical rows', async (t) => {
  const { dir, store } = await setup(t);
  for (let i = 0; i < 300; i++) await bump(store, `counter-${i % 7}`, i);
  const runner = createProjectionRunner({ projection: counterProjection(), store, dir: join(dir, 'p'), batchSize: 50 });
  await runner.start();
  await runner.waitFor(await store.headPosition());
  const before = rows(runner.db());
  const oldDb = runner.db();
  const rebuilding = runner.rebuild();
  t.strictSame(rows(oldDb), before, 'old copy serves during the rebuild');
  const writes = Promise.all([bump(store, 'counter-0', 1000), bump(store, 'counter-new', 7)]);
  const result = await rebuilding;
  await writes;
  await runner.waitFor(await store.headPosition());
  t.ok(result.events >= 300, 'replayed the history');
  t.not(runner.db(), oldDb, 'swapped to a new database');
  const after = rows(runner.db()) as Array<{ id: string; total: number }>;
  const expected = new Map((before as Array<{ id: string; total: number }>).map((r) => [r.id, r.total]));
  expected.set('counter-0', (expected.get('counter-0') ?? 0) + 1000);
  expected.set('counter-new', 7);
  t.strictSame(
    Object.fromEntries(after.map((r) => [r.id, r.total])),
    Object.fromEntries(expected),
    'rebuilt rows equal the old ones plus the concurrent writes',
  );
  t.equal(readdirSync(join(dir, 'p')).filter((f) => f.endsWith('.sqlite')).length, 1, 'old generation removed');
  t.equal((await runner.status()).generation, 2);
  await runner.stop();
});

t.test('a new projection version rebuilds at start', async (t) => {
  const { dir, store } = await setup(t);
  await bump(store, 'counter-a', 4);
  const r1 = createProjectionRunner({ projection: counterProjection(1), store, dir: join(dir, 'p') });
  await r1.start();
  await r1.waitFor(await store.headPosition());
  await r1.stop();
  const r2 = createProjectionRunner({ projection: counterProjection(2), store, dir: join(dir, 'p') });
  await r2.start();
  await r2.waitFor(await store.headPosition());
  const status = await r2.status();
  t.equal(status.version, 2);
  t.equal(status.generation, 2, 'a fresh generation was built');
  t.strictSame(rows(r2.db()), [{ id: 'counter-a', total: 4 }]);
  await r2.stop();
});

t.test('fed by the store (in position order) it keeps no revision per stream; a file fed otherwise is rebuilt', async (t) => {
  const { dir, store } = await setup(t);
  for (const id of ['a', 'b', 'c']) await bump(store, `counter-${id}`, 2);
  const calls = { n: 0 };
  const r1 = createProjectionRunner({ projection: counterProjection(1, calls), store, dir: join(dir, 'p') });
  await r1.start();
  await r1.waitFor(await store.headPosition());
  const meta = (key: string) => (r1.db().prepare('SELECT value FROM _lt_meta WHERE key = ?').get(key) as { value: string }).value;
  t.equal(meta('feed'), 'ordered', 'the file says how it is fed');
  t.same(r1.db().prepare('SELECT count(*) AS n FROM _lt_streams').get(), { n: 0 }, 'no row per stream');
  t.equal(calls.n, 3);
  r1.db().prepare("UPDATE _lt_meta SET value = 'per-stream' WHERE key = 'feed'").run(); // as a bus-fed file would be
  await r1.stop();
  const r2 = createProjectionRunner({ projection: counterProjection(1, calls), store, dir: join(dir, 'p') });
  await r2.start();
  await r2.waitFor(await store.headPosition());
  t.equal((await r2.status()).generation, 2, 'rebuilt into a fresh generation');
  t.strictSame(rows(r2.db()), [
    { id: 'counter-a', total: 2 },
    { id: 'counter-b', total: 2 },
    { id: 'counter-c', total: 2 },
  ]);
  await r2.stop();
});

t.test('a failing apply rolls back and is retried, never skipped', async (t) => {
  const { dir, store } = await setup(t);
  let fail = true;
  const base = counterProjection();
  const projection: Projection = {
    ...base,
    apply(db, event) {
      if (fail && (event.data as { by: number }).by === 13) throw new Error('boom');
      base.apply(db, event);
    },
  };
  const errors: string[] = [];
  const logger = { info() {}, warn() {}, error: (o: object) => errors.push(String((o as { err: Error }).err.message)) };
  const runner = createProjectionRunner({ projection, store, dir: join(dir, 'p'), logger });
  await runner.start();
  await bump(store, 'counter-a', 1);
  await bump(store, 'counter-a', 13);
  const last = await bump(store, 'counter-a', 2);
  await new Promise((r) => setTimeout(r, 300));
  t.ok(errors.includes('boom'), 'failure logged');
  t.equal((await runner.status()).lastError, 'boom');
  t.ok((await runner.status()).lag > 0, 'lag shows the stuck events');
  fail = false;
  await runner.waitFor(last.position, 5000);
  t.strictSame(rows(runner.db()), [{ id: 'counter-a', total: 16 }], 'every event applied exactly once after recovery');
  await runner.stop();
});

t.test('waitForEvent: read-your-writes for an event in hand, of its streams or not', async (t) => {
  const { dir, store } = await setup(t);
  const runner = createProjectionRunner({ projection: counterProjection(), store, dir: join(dir, 'p') });
  await runner.start();
  t.teardown(() => runner.stop());
  for (let i = 1; i <= 20; i++) {
    const [event] = (await bump(store, 'counter-a', 1)).events;
    await runner.waitForEvent(event!);
    t.equal(
      (runner.db().prepare("SELECT total FROM counters WHERE id = 'counter-a'").get() as { total: number }).total,
      i,
      `applied before resolving (${i})`,
    );
  }
  const [other] = (await bump(store, 'other-x', 1)).events;
  await runner.waitForEvent(other!, 1_000); // not one of its streams: nothing to wait for
  t.pass('an event of another stream resolves');
  await runner.stop();
  const [late] = (await bump(store, 'counter-b', 1)).events;
  await t.rejects(
    runner.waitForEvent(late!, 150),
    { name: 'ReadModelBehindError', unavailable: true, projection: 'counters', message: /did not reach position/ },
    'a stopped runner never gets there: timeout, marked unavailable (503 at the edge)',
  );
  await t.rejects(runner.waitFor(late!.position, 150), { name: 'ReadModelBehindError', unavailable: true }, 'waitFor alike');
});

t.test('runners of several processes start on one new directory together', async (t) => {
  const { dir, store } = await setup(t);
  await bump(store, 'counter-a', 2);
  await bump(store, 'counter-b', 3);
  const helper = fileURLToPath(new URL('./test/start-runners.ts', import.meta.url));
  const runs = await Promise.all(
    Array.from(
      { length: 4 },
      () =>
        new Promise<{ code: number; stderr: string }>((done) => {
          execFile(
            process.execPath,
            ['--import', 'tsx', helper, join(dir, 'events.sqlite'), join(dir, 'p'), '30'],
            { timeout: 60_000 },
            (error, _stdout, stderr) => done({ code: error ? Number(error.code ?? 1) : 0, stderr }),
          );
        }),
    ),
  );
  for (const run of runs) t.equal(run.code, 0, run.stderr);
  t.equal(readFileSync(join(dir, 'p', 'counters.current'), 'utf8'), '1');
  t.strictSame(
    readdirSync(join(dir, 'p')).filter((f) => f.endsWith('.tmp')),
    [],
    'no temporary pointer left',
  );
  const runner = createProjectionRunner({ projection: counterProjection(), store, dir: join(dir, 'p') });
  await runner.start();
  t.teardown(() => runner.stop());
  t.strictSame(
    rows(runner.db()),
    [
      { id: 'counter-a', total: 2 },
      { id: 'counter-b', total: 3 },
    ],
    'each event applied once',
  );
});

t.test('two openers of one read-model file: a batch the other applied is not applied again', async (t) => {
  const { dir, store } = await setup(t);
  await bump(store, 'counter-a', 2);
  await bump(store, 'counter-a', 3);
  const events = await store.readAll({ after: 0, maxCount: 10 });
  const first = ReadModelFile.open(join(dir, 'p'), counterProjection(), 1, 'ordered');
  const second = ReadModelFile.open(join(dir, 'p'), counterProjection(), 1, 'ordered');
  t.teardown(() => (first.close(), second.close()));
  first.applyBatch(events.slice(0, 1));
  t.strictSame(rows(second.db), [{ id: 'counter-a', total: 2 }], 'the other opener sees the first event applied');
  second.applyBatch(events); // its checkpoint in memory is still 0
  first.applyBatch(events);
  t.strictSame(rows(first.db), [{ id: 'counter-a', total: 5 }], 'each event applied once across both');
  t.equal(first.checkpoint, events.at(-1)!.position);
  t.equal(second.checkpoint, events.at(-1)!.position);
});
