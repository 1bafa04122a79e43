import t from 'tap';
import type { Test } from 'tap';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { tempDir } from '@lienthong/testing';
import { StoreUnavailableError } from './errors.js';
import { applyPragmas, applySchema } from './sqlite-schema.js';
import { WalSync, type WalSyncHooks } from './sqlite-wal-sync.js';

/** Hooks whose head the test moves, counting what the sync tells. */
function hooks(db: Database.Database) {
  const state = { head: 0, synced: 0, idle: 0, open: true, warnings: [] as string[] };
  const h: WalSyncHooks = {
    head: () => state.head,
    isOpen: () => state.open && db.open,
    onSynced: () => void state.synced++,
    onIdle: () => void state.idle++,
    warn: (_details, message) => void state.warnings.push(message),
  };
  return { state, h };
}

function openWal(t: Test) {
  const db = new Database(join(tempDir(t, 'lt-wal-'), 'events.sqlite'));
  applyPragmas(db, 'normal');
  applySchema(db); // a write: the -wal file exists
  const { state, h } = hooks(db);
  const wal = WalSync.open(db, h);
  if (!wal) throw new Error('no WAL');
  t.teardown(() => {
    wal.close();
    db.close();
  });
  return { db, wal, state };
}

t.test('without a WAL file SQLite syncs itself: no WalSync, synchronous FULL', async (t) => {
  const db = new Database(':memory:');
  t.teardown(() => db.close());
  const wal = WalSync.open(db, hooks(db).h);
  t.equal(wal, null);
  t.equal(db.pragma('synchronous', { simple: true }), 2, 'FULL');
});

t.test('readers see up to what is synced; a reader past it starts a sync', async (t) => {
  const { wal, state } = openWal(t);
  state.head = 0;
  t.equal(wal.visibleHead(0), 0);
  state.head = 5; // commits made since the last sync
  t.equal(wal.visibleHead(5), 0, 'not synced yet: not visible');
  t.ok(wal.busy, 'the reader started a sync');
  await wal.settled();
  t.equal(state.synced, 1, 'told once synced');
  t.ok(state.idle >= 1, 'told once idle');
  t.notOk(wal.busy);
  t.equal(wal.visibleHead(5), 5, 'visible once synced');
});

t.test('syncs asked for during one share a single one queued after it', async (t) => {
  const { wal, state } = openWal(t);
  state.head = 1;
  const first = wal.sync();
  state.head = 2;
  const second = wal.sync();
  const third = wal.sync();
  t.not(first, second, 'a commit during a sync needs another one');
  t.equal(second, third, 'but one for all that arrive meanwhile');
  await Promise.all([first, second]);
  t.equal(state.synced, 2, 'two fsyncs for three asks');
  t.equal(wal.visibleHead(2), 2, 'the queued one covered the later head');
});

t.test('a lone append on a fast disk is synced inline; a batch on the pool', async (t) => {
  const { wal, state } = openWal(t);
  state.head = 1;
  const lone = wal.afterCommit(1);
  // tmp is normally fast; the inline path returns nothing and is synced at once.
  if (lone === undefined) {
    t.equal(state.synced, 1, 'synced before afterCommit returned');
    t.equal(wal.visibleHead(1), 1);
  } else {
    await lone;
    t.pass('a slow disk: the pool instead');
  }
  state.head = 3;
  const many = wal.afterCommit(2);
  t.type(many, Promise, 'more than one append: never inline');
  await many;
  t.equal(wal.visibleHead(3), 3);
});

t.test('a sync of a closed store rejects as unavailable and releases who waits for it', async (t) => {
  const { wal, state } = openWal(t);
  state.open = false;
  const idleBefore = state.idle;
  await t.rejects(wal.sync(), StoreUnavailableError);
  t.equal(state.idle, idleBefore + 1, 'onIdle: appends held back for the sync go on (and fail)');
  state.open = true;
  wal.close();
  await t.rejects(wal.sync(), StoreUnavailableError, 'closed WalSync');
  wal.close(); // twice is harmless
});

t.test('a reader-started sync that fails is a warning, not an unhandled rejection', async (t) => {
  const { wal, state } = openWal(t);
  state.head = 3;
  state.open = false;
  t.equal(wal.visibleHead(3), 0);
  await wal.settled();
  await new Promise((resolve) => setImmediate(resolve));
  t.same(state.warnings, ['event store: fsync for readers failed']);
});
