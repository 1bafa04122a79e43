import { existsSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import t from 'tap';
import { eventually, tempDir } from '@lienthong/testing';
import { checkpointInBackground, startWalCheckpointer, walCheckpointerThread } from './wal-checkpointer.js';

const MB = 1024 * 1024;
const walSize = (file: string) => (existsSync(`${file}-wal`) ? statSync(`${file}-wal`).size : 0);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** A thread starting on a loaded machine may take a while. */
const THREAD_WAIT_MS = 15_000;

function open(file: string): Database.Database {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec('CREATE TABLE IF NOT EXISTS rows (id INTEGER PRIMARY KEY, body BLOB NOT NULL)');
  return db;
}

/** Writes `total` bytes in 256 KB commits, pausing between them as a live service would. */
async function write(db: Database.Database, total: number, pauseMs: number): Promise<number> {
  const insert = db.prepare('INSERT INTO rows (body) VALUES (?)');
  const body = Buffer.alloc(64 * 1024, 1);
  let largest = 0;
  for (let written = 0; written < total; written += 4 * body.length) {
    db.transaction(() => {
      for (let i = 0; i < 4; i++) insert.run(body);
    })();
    largest = Math.max(largest, walSize(db.name));
    await sleep(pauseMs);
  }
  return largest;
}

t.test('no thread while the watched WALs stay small; it starts once one passes 1 MB', async (t) => {
  const dir = tempDir(t);
  const db = open(join(dir, 'idle.sqlite'));
  const unwatch = checkpointInBackground(db);
  // First in this file: no thread has started in this process yet (once started, it stays).
  await write(db, 512 * 1024, 0);
  await sleep(600);
  t.equal(walCheckpointerThread(), null, 'no thread for a WAL under 1 MB');
  await write(db, 2 * MB, 0);
  await eventually(() => walCheckpointerThread() !== null, THREAD_WAIT_MS, 'the thread to start');
  t.ok(walCheckpointerThread(), 'the thread runs once the WAL passed 1 MB');
  unwatch();
  db.close();
});

t.test("the writer keeps its own checkpoint as the safety net: a busy writer's WAL stays bounded, every row kept", async (t) => {
  const dir = tempDir(t);
  const db = open(join(dir, 'watched.sqlite'));
  const unwatch = checkpointInBackground(db);
  t.equal(db.pragma('wal_autocheckpoint', { simple: true }), 2000, 'the writer keeps a higher checkpoint as a safety net');
  const largest = await write(db, 40 * MB, 2);
  t.ok(largest < 12 * MB, `the WAL stayed at ${(largest / MB).toFixed(1)} MB`);

  t.equal((db.prepare('SELECT count(*) AS n FROM rows').get() as { n: number }).n, 640, 'every row is there');
  unwatch();
  db.close();
});

t.test('the thread copies the WAL into the database file; without it nothing is copied below the safety net', async (t) => {
  const dir = tempDir(t);
  const size = (file: string) => statSync(file).size;
  const alone = open(join(dir, 'alone.sqlite'));
  alone.pragma('wal_autocheckpoint = 2000');
  await write(alone, 6 * MB, 2);
  await sleep(300);
  t.ok(size(alone.name) < MB, `alone: the database file is still ${size(alone.name)} bytes`);
  alone.close();

  const db = open(join(dir, 'watched.sqlite'));
  const unwatch = checkpointInBackground(db);
  await write(db, 6 * MB, 2);
  await eventually(() => size(db.name) > 5 * MB, THREAD_WAIT_MS, 'the watched database file to grow past 5 MB');
  t.ok(size(db.name) > 5 * MB, `watched: the database file holds ${(size(db.name) / MB).toFixed(1)} MB`);
  unwatch();
  db.close();
});

t.test('a WAL started over is checkpointed again once 4 MB are pending or it is quiet, not at every look', async (t) => {
  const dir = tempDir(t);
  const size = (file: string) => statSync(file).size;
  const db = open(join(dir, 'reused.sqlite'));
  const unwatch = checkpointInBackground(db);
  startWalCheckpointer();
  await write(db, 6 * MB, 2);
  // Quiet: everything is copied, and the WAL file keeps its size (past the threshold) when SQLite starts it over.
  await eventually(() => size(db.name) > 6 * MB, THREAD_WAIT_MS, 'the database file to hold the first 6 MB');
  await sleep(1_200);
  const copied = size(db.name);
  t.ok(walSize(db.name) >= 4 * MB, `the WAL file is still ${(walSize(db.name) / MB).toFixed(1)} MB`);
  await write(db, MB, 100); // four commits over ~400 ms: never 4 MB pending, never a second quiet
  t.equal(size(db.name), copied, 'nothing copied while the WAL is written below the threshold');
  await eventually(() => size(db.name) > copied + 0.9 * MB, THREAD_WAIT_MS, 'the quiet WAL to be copied');
  t.ok(size(db.name) > copied + 0.9 * MB, 'once quiet, what it held is copied');
  unwatch();
  db.close();
});

t.test('after unwatch the files can be deleted and nothing writes them again', async (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'gone.sqlite');
  const db = open(file);
  const unwatch = checkpointInBackground(db);
  await write(db, 8 * MB, 0);
  unwatch();
  unwatch(); // twice is harmless
  db.close();
  for (const suffix of ['', '-wal', '-shm']) rmSync(file + suffix, { force: true });
  await sleep(200);
  t.notOk(existsSync(file) || existsSync(`${file}-wal`) || existsSync(`${file}-shm`), 'no file re-created');
});

t.test('in-memory and rollback-journal databases are left alone', async (t) => {
  const memory = new Database(':memory:');
  checkpointInBackground(memory)();
  t.equal(memory.pragma('wal_autocheckpoint', { simple: true }), 1000);
  memory.close();
  const dir = tempDir(t);
  const journal = new Database(join(dir, 'journal.sqlite'));
  checkpointInBackground(journal)();
  t.equal(journal.pragma('wal_autocheckpoint', { simple: true }), 1000);
  journal.close();
});

t.test('a thread that dies is replaced, and the files it watched go on being checkpointed', async (t) => {
  const dir = tempDir(t);
  const db = open(join(dir, 'kept.sqlite'));
  const unwatch = checkpointInBackground(db);
  startWalCheckpointer();
  const first = walCheckpointerThread()!;
  await first.terminate();
  await sleep(100);
  const second = walCheckpointerThread();
  t.ok(second && second !== first, 'a new thread runs');
  await write(db, 6 * MB, 2);
  await eventually(() => statSync(db.name).size > 5 * MB, THREAD_WAIT_MS, 'the new thread to checkpoint the file');
  t.ok(statSync(db.name).size > 5 * MB, 'the new thread checkpoints the file');
  const t0 = performance.now();
  unwatch();
  t.ok(performance.now() - t0 < 1000, 'unwatch answers at once');
  db.close();
});
