import { Worker } from 'node:worker_threads';
import type Database from 'better-sqlite3';

/** WAL size past which the background thread checkpoints (SQLite's own default is 1000 pages). */
const THRESHOLD_BYTES = 4 * 1024 * 1024;
/** How often it looks. */
const INTERVAL_MS = 50;
/**
 * Past this many pages the writer checkpoints itself after all. A busy writer rarely leaves the
 * thread a moment where the WAL is wholly copied, which is when SQLite can start it over; the
 * writer's own checkpoint then has little left to copy, and restarts the WAL.
 */
const FALLBACK_PAGES = 2000;

let worker: Worker | null = null;
let nextId = 1;

function thread(): Worker {
  if (worker) return worker;
  const started = new Worker(new URL('./wal-checkpointer-worker.mjs', import.meta.url), { workerData: { thresholdBytes: THRESHOLD_BYTES, intervalMs: INTERVAL_MS } });
  started.on('message', (m: { type: string; file: string; message: string }) => {
    if (m.type === 'error') process.emitWarning(`WAL checkpointer: ${m.file}: ${m.message}`, { code: 'LT_WAL_CHECKPOINT' });
  });
  started.on('error', (error) => process.emitWarning(`WAL checkpointer stopped: ${error.message}`, { code: 'LT_WAL_CHECKPOINT' }));
  started.on('exit', () => {
    if (worker === started) worker = null;
  });
  // After the listeners: adding a 'message' listener refs the port again.
  started.unref();
  worker = started;
  return started;
}

/**
 * Moves a WAL database's checkpoints off the caller's thread: a checkpoint copies the WAL into the
 * database file and fsyncs both, which in a commit on the event loop doubles the cost of the
 * commits that trigger it. One background thread per process checkpoints every watched file whose
 * WAL passes 4 MB; the connection `db` keeps a far higher automatic checkpoint as a safety net.
 * Returns `unwatch`, to call before the connection closes: it returns once the thread let go of
 * the file (its files may be deleted then). The thread stays for the next file (it does not keep
 * the process alive).
 */
export function checkpointInBackground(db: Database.Database): () => void {
  if (db.memory || db.pragma('journal_mode', { simple: true }) !== 'wal') return () => {};
  db.pragma(`wal_autocheckpoint = ${FALLBACK_PAGES}`);
  const id = nextId++;
  const target = thread();
  target.postMessage({ type: 'watch', file: db.name, id });
  let watching = true;
  return () => {
    if (!watching) return;
    watching = false;
    const done = new Int32Array(new SharedArrayBuffer(4));
    target.postMessage({ type: 'unwatch', id, done });
    // Brief: the thread closes one connection (or finishes the checkpoint in hand first).
    Atomics.wait(done, 0, 0, 5_000);
  };
}
