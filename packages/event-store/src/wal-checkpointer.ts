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
/** Longest `unwatch` waits for the thread to let go of a file before it stops the thread. */
const RELEASE_TIMEOUT_MS = 5_000;

/** What the thread should watch: id → file. A replacement thread is given all of them. */
const files = new Map<number, string>();
let worker: Worker | null = null;
let nextId = 1;

/** Plain JavaScript kept in src/ (not emitted by tsc): found from src/ and from the compiled dist/ alike. */
const WORKER_FILE = new URL('../src/wal-checkpointer-worker.mjs', import.meta.url);

const warn = (message: string) => process.emitWarning(`WAL checkpointer: ${message}`, { code: 'LT_WAL_CHECKPOINT' });

function thread(): Worker {
  if (worker) return worker;
  const started = new Worker(WORKER_FILE, { workerData: { thresholdBytes: THRESHOLD_BYTES, intervalMs: INTERVAL_MS } });
  started.on('message', (m: { type: string; file: string; message: string }) => {
    if (m.type === 'error') warn(`${m.file}: ${m.message}`);
  });
  started.on('error', (error) => warn(`thread failed: ${error.message}`));
  started.on('exit', () => {
    if (worker !== started) return;
    worker = null;
    if (files.size === 0) return;
    // Files still watched go to a new thread (they would otherwise lose background checkpoints).
    warn(`thread stopped; a new one takes over ${files.size} file(s)`);
    const next = thread();
    for (const [id, file] of files) next.postMessage({ type: 'watch', file, id });
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
 * WAL passes 4 MB; the connection `db` keeps a higher automatic checkpoint as a safety net.
 * Returns `unwatch`, to call before the connection closes: once it returns, the thread holds no
 * connection to the file (its files may be deleted then). The thread stays for the next file (it
 * does not keep the process alive).
 */
export function checkpointInBackground(db: Database.Database): () => void {
  if (db.memory || db.pragma('journal_mode', { simple: true }) !== 'wal') return () => {};
  db.pragma(`wal_autocheckpoint = ${FALLBACK_PAGES}`);
  const id = nextId++;
  files.set(id, db.name);
  thread().postMessage({ type: 'watch', file: db.name, id });
  return () => {
    if (!files.delete(id)) return;
    const target = worker;
    if (target === null) return; // no thread: nothing holds the file
    const done = new Int32Array(new SharedArrayBuffer(4));
    target.postMessage({ type: 'unwatch', id, done });
    // Brief: the thread closes one connection (or finishes the checkpoint in hand first).
    if (Atomics.wait(done, 0, 0, RELEASE_TIMEOUT_MS) === 'timed-out') {
      // Stuck (or gone without our knowing yet): stop it, its connections with it; the exit
      // handler hands the other files to a new thread.
      warn(`thread did not release ${db.name} within ${RELEASE_TIMEOUT_MS} ms; stopping it`);
      void target.terminate();
    }
  };
}

/** The background thread, if one runs (for tests and diagnostics). */
export function walCheckpointerThread(): Worker | null {
  return worker;
}
