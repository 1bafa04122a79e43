import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { tempDir } from '@lienthong/testing';
import t from 'tap';
import { DuplicateEventIdError, StoreUnavailableError, WrongExpectedRevisionError } from './errors.js';
import { findBrokenLink } from './hash.js';
import { openEventStore } from './open-event-store.js';
import { createSqliteEventStore } from './sqlite-event-store.js';
import { toStoreError } from './sqlite-schema.js';
import type { SyncMode } from './sqlite-schema.js';
import { testEventStore } from './testing/contract.js';
import { collector, events, newEvent, within } from './testing/helpers.js';

const child = fileURLToPath(new URL('./testing/sqlite-child.ts', import.meta.url));

for (const sync of ['full', 'normal'] as const satisfies readonly SyncMode[]) {
  await testEventStore(t, `sqlite (synchronous ${sync})`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lt-es-'));
    const store = createSqliteEventStore({ file: join(dir, 'events.sqlite'), sync, pollMs: 50 });
    return {
      store,
      cleanup: async () => {
        await store.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  });
}

function runChild(
  args: string[],
  onLine?: (line: string, kill: () => void) => void,
): Promise<{ code: number | null; signal: NodeJS.Signals | null; out: string }> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, ['--import', 'tsx', child, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    const guard = setTimeout(() => proc.kill('SIGKILL'), 25_000);
    proc.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
      for (const line of chunk.split('\n')) if (line) onLine?.(line, () => proc.kill('SIGKILL'));
    });
    proc.on('error', reject);
    proc.on('exit', (code, signal) => {
      clearTimeout(guard);
      resolve({ code, signal, out });
    });
  });
}

t.test('sqlite only', async (t) => {
  t.test('sync full: appends arriving during an fsync wait for it, and all settle (close() included)', async (t) => {
    const file = join(tempDir(t), 'events.sqlite');
    const store = createSqliteEventStore({ file, sync: 'full' });
    // one append per tick, each on its own stream: many land while an fsync is in flight
    const appends: Promise<unknown>[] = [];
    for (let i = 0; i < 200; i++) {
      appends.push(store.append(`gate-${i}`, events(1), { expectedRevision: 'no_stream' }));
      await new Promise((r) => setImmediate(r));
    }
    const results = await Promise.all(appends);
    t.equal(results.length, 200, 'every append settled');
    t.equal((await store.readAll()).length, 200, 'and is in the feed');
    // appends held behind an fsync when close() comes are committed, not dropped
    const held = Array.from({ length: 20 }, (_, i) => store.append(`held-${i}`, events(1)));
    await store.close();
    t.equal((await Promise.allSettled(held)).filter((r) => r.status === 'fulfilled').length, 20, 'held appends committed by close()');
    const reopened = createSqliteEventStore({ file });
    t.equal((await reopened.readAll()).length, 220, 'and durable');
    await reopened.close();
  });

  t.test('a reopened store loses nothing', async (t) => {
    const file = join(tempDir(t), 'events.sqlite');
    const first = createSqliteEventStore({ file });
    await first.append('doc-1', events(3), { expectedRevision: 'no_stream' });
    await first.append('doc-2', events(1));
    await first.setStreamMetadata('doc-1', { owner: 'H40' });
    const before = await first.readAll();
    await first.close();
    const second = createSqliteEventStore({ file });
    t.teardown(() => second.close());
    t.same(await second.readAll(), before, 'every event, identical');
    t.equal(await second.headPosition(), 4);
    t.same(await second.getStreamMetadata('doc-1'), { owner: 'H40' });
    const next = await second.append('doc-1', events(1), { expectedRevision: 2 });
    t.equal(next.nextRevision, 3);
    t.equal(next.position, 5, 'positions continue');
    t.equal(findBrokenLink(await second.readStream('doc-1')), undefined, 'chain continues across the reopen');
  });

  t.test('two store instances on one file: one wins a race, never a corrupted stream', async (t) => {
    const file = join(tempDir(t), 'events.sqlite');
    const a = createSqliteEventStore({ file, pollMs: 50 });
    const b = createSqliteEventStore({ file, pollMs: 50 });
    t.teardown(async () => {
      await a.close();
      await b.close();
    });
    const results = await Promise.allSettled([
      a.append('race', events(1, 'A'), { expectedRevision: 'no_stream' }),
      b.append('race', events(1, 'B'), { expectedRevision: 'no_stream' }),
    ]);
    t.equal(results.filter((r) => r.status === 'fulfilled').length, 1, 'one winner');
    const loser = results.find((r) => r.status === 'rejected');
    t.type(loser?.status === 'rejected' ? loser.reason : undefined, WrongExpectedRevisionError);
    t.equal(((loser as PromiseRejectedResult).reason as WrongExpectedRevisionError).actual, 0);
    // The other instance sees the winner's event through polling.
    const sub = collector(a.subscribeToAll());
    await b.append('from-b', events(1, 'FromB'));
    await sub.waitFor(2, 5000);
    t.same(
      sub.seen.map((e) => e.stream),
      ['race', 'from-b'],
      'subscription sees the other connection',
    );
  });

  t.test('sync full: the feed shows a commit only once this store has fsynced it', async (t) => {
    const file = join(tempDir(t), 'events.sqlite');
    const store = createSqliteEventStore({ file, sync: 'full', pollMs: 5_000 });
    t.teardown(() => store.close());
    await store.append('doc-1', events(1));
    // Another writer commits without fsyncing (as a crash-prone process at NORMAL would).
    const other = new Database(file);
    other.pragma('synchronous = OFF');
    other
      .prepare('INSERT INTO events (id, stream, revision, type, data, metadata, prev_hash, hash) VALUES (?, ?, 0, ?, ?, ?, ?, ?)')
      .run(randomUUID(), 'doc-2', 'Unsynced', '{}', '{"actor":"t","at":"x","correlationId":"c"}', 'p', 'h');
    other.close();
    t.same((await store.readStream('doc-2')).length, 1, 'commands see the latest commit');
    t.same(
      (await store.readAll()).map((e) => e.stream),
      ['doc-1'],
      'the feed does not, before the fsync',
    );
    t.equal(await store.headPosition(), 1, 'nor does the head');
    const sub = collector(store.subscribeToAll());
    await sub.waitFor(2, 2_000); // the read started a sync, whose end wakes subscriptions
    t.same(
      sub.seen.map((e) => e.stream),
      ['doc-1', 'doc-2'],
      'synced, then delivered without waiting for the poll',
    );
    t.equal(await store.headPosition(), 2);
  });

  t.test('live subscriptions share one tail: filtered, ordered, and a slow one that falls behind loses nothing', async (t) => {
    const store = createSqliteEventStore({ file: join(tempDir(t), 'events.sqlite'), sync: 'normal', pollMs: 5_000 });
    t.teardown(() => store.close());
    await store.append('doc-0', events(3, 'Early'));
    const all = collector(store.subscribeToAll());
    const docs = collector(store.subscribeToAll({ streamPrefixes: ['doc-'] }));
    const typed = collector(store.subscribeToAll({ eventTypes: ['Odd'], streamPrefixes: ['x-', 'doc-'] }));
    const slowSub = store.subscribeToAll();
    const slow = slowSub[Symbol.asyncIterator]();
    t.equal((await slow.next()).value?.position, 1, 'the slow one reads one event, then stalls');
    await all.waitFor(3);
    // More than the tail holds (5,000) while the slow one does not read.
    for (let i = 0; i < 8; i++) {
      await store.append(`${i % 2 ? 'x' : 'doc'}-${i}`, events(1_000, i % 2 ? 'Odd' : 'Even'));
      await all.waitFor(3 + (i + 1) * 1_000);
    }
    await store.append('doc-live', events(1, 'Odd'));
    await all.waitFor(8_004);
    await docs.waitFor(4_004);
    await typed.waitFor(4_001);
    const expected = await store.readAll();
    const positions = (list: readonly { position: number }[]): number[] => list.map((e) => e.position);
    t.same(positions(all.seen), positions(expected), 'everything, in order, once');
    t.same(positions(docs.seen), positions(expected.filter((e) => e.stream.startsWith('doc-'))), 'prefix filter');
    t.same(
      positions(typed.seen),
      positions(expected.filter((e) => e.type === 'Odd' && /^(x|doc)-/.test(e.stream))),
      'type and prefix filter',
    );
    const rest: number[] = [];
    while (rest.length < 8_003) {
      const next = await slow.next();
      if (next.done) break;
      rest.push(next.value.position);
    }
    t.same(rest, positions(expected).slice(1), 'the slow one gets every event after its stall, without gaps or duplicates');
    await store.append('doc-after', events(1, 'Odd'));
    t.equal((await within(2_000, 'slow one live again', slow.next())).value?.stream, 'doc-after', 'and is live again');
    await slowSub.close();
    t.equal((await slow.next()).done, true, 'close ends it');
  });

  t.test('two processes racing on one stream keep it linear', async (t) => {
    const file = join(tempDir(t), 'events.sqlite');
    await createSqliteEventStore({ file }).close();
    const runs = await Promise.all([runChild(['race', file, 'shared', '40']), runChild(['race', file, 'shared', '40'])]);
    t.same(
      runs.map((r) => r.code),
      [0, 0],
      'both finished',
    );
    const store = createSqliteEventStore({ file });
    t.teardown(() => store.close());
    const read = await store.readStream('shared');
    t.same(
      read.map((e) => e.revision),
      read.map((_, i) => i),
      '80 contiguous revisions',
    );
    t.equal(read.length, 80);
    t.equal(findBrokenLink(read), undefined, 'chain intact');
  });

  for (const sync of ['full', 'normal'] as const) {
    t.test(`a process killed right after its append resolved (${sync}): the event survives`, async (t) => {
      const file = join(tempDir(t), 'events.sqlite');
      const id = randomUUID();
      const run = await runChild(['append', file, sync, 'durable', id], (line, kill) => {
        if (line === `appended ${id}`) kill();
      });
      t.equal(run.signal, 'SIGKILL', 'killed, not exited');
      const store = createSqliteEventStore({ file });
      t.teardown(() => store.close());
      t.same(
        (await store.readStream('durable')).map((e) => e.id),
        [id],
      );
    });
  }

  t.test('group commit: appends in one batch are checked one by one', async (t) => {
    const store = createSqliteEventStore({ file: join(tempDir(t), 'events.sqlite') });
    t.teardown(() => store.close());
    const dup = randomUUID();
    await store.append('taken', [newEvent('T', {}, { id: dup })]);
    const [ok1, bad, wrong, ok2] = await Promise.allSettled([
      store.append('g', events(2), { expectedRevision: 'no_stream' }),
      store.append('g', [newEvent('X'), newEvent('Y', {}, { id: dup })], { expectedRevision: 1 }),
      store.append('g', events(1), { expectedRevision: 5 }),
      store.append('g', events(1), { expectedRevision: 1 }),
    ]);
    t.equal(ok1.status, 'fulfilled');
    t.type(bad.status === 'rejected' ? bad.reason : undefined, DuplicateEventIdError, 'a reused id is refused');
    t.type(wrong.status === 'rejected' ? wrong.reason : undefined, WrongExpectedRevisionError);
    t.equal(ok2.status, 'fulfilled', 'later appends in the batch still commit');
    const read = await store.readStream('g');
    t.same(
      read.map((e) => e.revision),
      [0, 1, 2],
      'the failed append left nothing behind',
    );
    t.equal(findBrokenLink(read), undefined);
    const again = randomUUID();
    await t.rejects(store.append('h', [newEvent('A', {}, { id: again }), newEvent('B', {}, { id: again })]), DuplicateEventIdError);
    t.same(await store.readStream('h'), [], 'an id repeated inside one append is refused whole');
  });

  t.test('a file that cannot be opened is StoreUnavailableError', async (t) => {
    const dir = tempDir(t);
    t.throws(() => createSqliteEventStore({ file: join(dir, 'no', 'such', 'dir', 'e.sqlite') }), StoreUnavailableError);
    writeFileSync(join(dir, 'garbage.sqlite'), 'this is not a database, just text '.repeat(200));
    t.throws(() => createSqliteEventStore({ file: join(dir, 'garbage.sqlite') }), StoreUnavailableError, 'not a database');
  });

  t.test('SQLite I/O error codes map to StoreUnavailableError, others pass through', async (t) => {
    const sqliteError = (code: string): Error => Object.assign(new Error(code), { code });
    for (const code of ['SQLITE_IOERR_WRITE', 'SQLITE_FULL', 'SQLITE_CANTOPEN', 'SQLITE_BUSY']) {
      t.type(toStoreError(sqliteError(code), 'append'), StoreUnavailableError, code);
    }
    t.type(toStoreError(new TypeError('The database connection is not open'), 'x'), StoreUnavailableError);
    const constraint = sqliteError('SQLITE_CONSTRAINT_CHECK');
    t.equal(toStoreError(constraint, 'append'), constraint);
  });

  t.test('openEventStore picks SQLite under the data directory by default', async (t) => {
    const dir = join(tempDir(t), 'data');
    for (const url of [undefined, 'sqlite:']) {
      const store = await openEventStore({ url, dataDir: dir, sync: 'normal' });
      await store.append('s', events(1));
      await store.close();
      t.ok(existsSync(join(dir, 'events.sqlite')), `events.sqlite for ${String(url)}`);
    }
    const reopened = await openEventStore({ dataDir: dir });
    t.equal((await reopened.readStream('s')).length, 2, 'both opened the same file');
    await reopened.close();
    await t.rejects(openEventStore({ url: 'mysql://x', dataDir: dir }), TypeError, 'an unsupported scheme is refused');
  });
});
