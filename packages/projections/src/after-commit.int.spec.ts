import t from 'tap';
import { join } from 'node:path';
import BetterSqlite3, { type Database } from 'better-sqlite3';
import { tempDir } from '@lienthong/testing';
import { createSqliteEventStore, type EventStore, type RecordedEvent, type Subscription } from '@lienthong/event-store';
import { createProjectionRunner, type ProjectionRunner } from './runner.js';
import { counterProjection } from './test/counter-projection.js';
import type { Projection } from './types.js';

const meta = { correlationId: 'c1', actor: 'test', at: '2026-11-22T00:00:00.000Z' };
const bumped = (by: number) => ({ type: 'Bumped', data: { by }, metadata: meta });

/**
 * The counter projection reporting each bump as its change; `afterCommit` records what it was
 * given and what another connection to the file sees then (only committed rows are visible there).
 */
function announcing(failOn: { by: number | null }) {
  const base = counterProjection();
  const announced: Array<{ changes: number[]; seenElsewhere: unknown[]; inTransaction: boolean }> = [];
  const projection: Projection<number> = {
    ...base,
    apply(db: Database, event: RecordedEvent) {
      const { by } = event.data as { by: number };
      base.apply(db, event);
      if (by === failOn.by) throw new Error(`boom on ${by}`);
      return [by];
    },
    afterCommit(changes, db) {
      const other = new BetterSqlite3(db.name, { readonly: true });
      try {
        announced.push({
          changes: [...changes],
          seenElsewhere: other.prepare('SELECT id, total FROM counters ORDER BY id').all(),
          inTransaction: db.inTransaction,
        });
      } finally {
        other.close();
      }
    },
  };
  return { projection, announced };
}

t.test('afterCommit: after the commit, with what the batch changed; never for a batch rolled back', async (t) => {
  const dir = tempDir(t, 'lt-proj-');
  const store = createSqliteEventStore({ file: join(dir, 'events.sqlite') });
  t.teardown(() => store.close());
  const failOn = { by: 13 as number | null };
  const { projection, announced } = announcing(failOn);
  const errors: string[] = [];
  const logger = { info() {}, warn() {}, error: (o: object) => errors.push(String((o as { err: Error }).err.message)) };
  const runner = createProjectionRunner({ projection, store, dir: join(dir, 'p'), logger });
  t.teardown(() => runner.stop());
  // One append: one batch, whose last event fails after the first two were applied in it.
  const last = await store.append('counter-a', [bumped(1), bumped(2), bumped(13)]);
  await runner.start();
  await new Promise((r) => setTimeout(r, 300));
  t.ok(errors.includes('boom on 13'), 'the batch failed');
  t.same(announced, [], 'nothing announced from the rolled-back batch');

  failOn.by = null;
  await runner.waitFor(last.position, 5000);
  t.same(
    announced,
    [{ changes: [1, 2, 13], seenElsewhere: [{ id: 'counter-a', total: 16 }], inTransaction: false }],
    'announced once, committed, in order',
  );

  const next = await store.append('counter-b', [bumped(5)]);
  await runner.waitForEvent(next.events[0]!);
  t.same(
    announced.at(-1),
    {
      changes: [5],
      seenElsewhere: [
        { id: 'counter-a', total: 16 },
        { id: 'counter-b', total: 5 },
      ],
      inTransaction: false,
    },
    'a live batch too',
  );
});

t.test('afterCommit: history replayed by a rebuild or a restart is not announced again', async (t) => {
  const dir = tempDir(t, 'lt-proj-');
  const store = createSqliteEventStore({ file: join(dir, 'events.sqlite') });
  t.teardown(() => store.close());
  await store.append('counter-a', [bumped(1), bumped(2)]);
  const first = announcing({ by: null });
  let runner = createProjectionRunner({ projection: first.projection, store, dir: join(dir, 'p') });
  await runner.start();
  await runner.waitFor(await store.headPosition());
  t.same(
    first.announced.map((a) => a.changes),
    [[1, 2]],
    'new to the read model: announced',
  );
  await runner.rebuild();
  t.same(
    first.announced.map((a) => a.changes),
    [[1, 2]],
    'the rebuild announced nothing',
  );
  await runner.stop();

  await store.append('counter-a', [bumped(3)]);
  const second = announcing({ by: null });
  runner = createProjectionRunner({ projection: second.projection, store, dir: join(dir, 'p') });
  await runner.start();
  await runner.waitFor(await store.headPosition());
  t.same(
    second.announced.map((a) => a.changes),
    [[3]],
    'after a restart: only what the earlier process had not applied',
  );
  await runner.stop();
});

/** The store, with its live subscriptions' events held at `gate.pass()` (a live feed behind history). */
function slowLiveFeed(store: EventStore, gate: { pass(): Promise<void> }): EventStore {
  return new Proxy(store, {
    get(target, key) {
      const value = Reflect.get(target, key, target) as unknown;
      if (key !== 'subscribeToAll') return typeof value === 'function' ? value.bind(target) : value;
      return (options: Parameters<EventStore['subscribeToAll']>[0]): Subscription => {
        const inner = target.subscribeToAll(options);
        return {
          close: () => inner.close(),
          async *[Symbol.asyncIterator]() {
            for await (const event of inner) {
              await gate.pass();
              yield event;
            }
          },
        };
      };
    },
  });
}

/**
 * One row per event (its position); each announcement records whether the serving read model
 * (`runner.db()` at that moment) already holds the row, and whether it was the `db` handed over.
 */
function marking(serving: () => Database) {
  const announced: Array<{ position: number; readable: boolean; servingDb: boolean }> = [];
  const projection: Projection<number> = {
    name: 'marks',
    version: 1,
    streamPrefixes: ['mark-'],
    init(db) {
      db.exec('CREATE TABLE marks (position INTEGER PRIMARY KEY)');
    },
    apply(db, event) {
      db.prepare('INSERT INTO marks VALUES (?)').run(event.position);
      return [event.position];
    },
    afterCommit(changes, db) {
      const now = serving();
      for (const position of changes) {
        announced.push({
          position,
          readable: now.prepare('SELECT 1 FROM marks WHERE position = ?').get(position) !== undefined,
          servingDb: db === now,
        });
      }
    },
  };
  return { projection, announced };
}

const mark = { type: 'Marked', data: {}, metadata: meta };

t.test('afterCommit during a rebuild: each event announced once, only when the serving read model holds it', async (t) => {
  const dir = tempDir(t, 'lt-proj-');
  const base = createSqliteEventStore({ file: join(dir, 'events.sqlite') });
  t.teardown(() => base.close());
  let held: Promise<void> = Promise.resolve();
  const store = slowLiveFeed(base, { pass: () => held });
  let runner: ProjectionRunner | undefined;
  const { projection, announced } = marking(() => runner!.db());
  runner = createProjectionRunner({ projection, store, dir: join(dir, 'p'), batchSize: 10 });
  t.teardown(() => runner!.stop());
  for (let i = 0; i < 5; i++) await store.append(`mark-${i}`, [mark]);
  await runner.start();
  await runner.waitFor(await store.headPosition());

  // 1. the live feed holds two new events while the rebuild's replay reaches them first
  let release!: () => void;
  held = new Promise((resolve) => (release = resolve));
  await store.append('mark-a', [mark]);
  await store.append('mark-b', [mark]);
  await runner.rebuild();
  t.same(
    announced.filter((a) => !a.readable || !a.servingDb),
    [],
    'nothing announced before the serving read model held it',
  );
  release();
  held = Promise.resolve();
  await runner.waitFor(await store.headPosition());

  // 2. a rebuild while events keep arriving and the live feed lags by a few milliseconds each
  held = Promise.resolve();
  const lag = { pass: () => new Promise<void>((resolve) => setTimeout(resolve, Math.random() * 3)) };
  const lagging = slowLiveFeed(base, lag);
  await runner.stop();
  runner = createProjectionRunner({ projection, store: lagging, dir: join(dir, 'p'), batchSize: 10 });
  await runner.start();
  for (let i = 0; i < 200; i++) await base.append(`mark-h${i}`, [mark]);
  const appending = (async () => {
    for (let i = 0; i < 60; i++) {
      await base.append(`mark-l${i}`, [mark]);
      await new Promise((resolve) => setImmediate(resolve));
    }
  })();
  const rebuilds = (async () => {
    for (let i = 0; i < 3; i++) await runner.rebuild();
  })();
  await Promise.all([appending, rebuilds]);
  await runner.waitFor(await base.headPosition());

  const positions = announced.map((a) => a.position);
  const head = await base.headPosition();
  t.same(
    positions.toSorted((a, b) => a - b),
    Array.from({ length: head }, (_, i) => i + 1),
    'every event announced exactly once',
  );
  t.same(
    announced.filter((a) => !a.readable || !a.servingDb),
    [],
    'each readable from runner.db() when announced, and handed that db',
  );
});
