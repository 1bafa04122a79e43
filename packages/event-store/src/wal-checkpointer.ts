import { statSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import type Database from 'better-sqlite3';

/** Frames not yet copied past which the background thread checkpoints (SQLite's own default is 1000 pages). */
const THRESHOLD_BYTES = 4 * 1024 * 1024;
/** A WAL unchanged this long has what it holds copied, however little. */
const QUIET_MS = 1_000;
/** How often it looks. */
const INTERVAL_MS = 50;
/**
 * Past this many pages the writer checkpoints itself after all. A busy writer rarely leaves the
 * thread a moment where the WAL is wholly copied, which is when SQLite can start it over; the
 * writer's own checkpoint then has little left to copy, and restarts the WAL.
 */
const FALLBACK_PAGES = 2000;
/**
 * The thread (~10 MB resident: an isolate with better-sqlite3 loaded) starts only once a watched
 * WAL has grown past this: an idle process, or one that writes little, never needs it.
 */
const WAKE_BYTES = 1024 * 1024;
/** How often the event loop looks at the watched WALs' sizes while no thread runs (a stat each). */
const WAKE_INTERVAL_MS = 250;
/** Longest `unwatch` waits for the thread to let go of a file before it stops the thread. */
const RELEASE_TIMEOUT_MS = 5_000;

/** What the thread should watch: id → file. A replacement thread is given all of them. */
const files = new Map<number, string>();
let worker: Worker | null = null;
/** Polls the watched WALs' sizes until one needs the thread (none while the thread runs). */
let waker: NodeJS.Timeout | null = null;
let nextId = 1;

/** Plain JavaScript kept in src/ (not emitted by tsc): found from src/ and from the compiled dist/ alike. */
const WORKER_FILE = new URL('../src/wal-checkpointer-worker.mjs', import.meta.url);

const warn = (message: string) => process.emitWarning(`WAL checkpointer: ${message}`, { code: 'LT_WAL_CHECKPOINT' });

function walBytes(file: string): number {
  try {
    return statSync(`${file}-wal`).size;
  } catch {
    return 0; // no WAL file (yet, or any more)
  }
}

/** Starts the thread with every watched file (once; a dead thread is replaced by its exit handler). */
function startThread(): void {
  if (waker) clearInterval(waker);
  waker = null;
  if (worker) return;
  const started = thread();
  for (const [id, file] of files) started.postMessage({ type: 'watch', file, id });
}

/** Until the thread runs, looks every WAKE_INTERVAL_MS whether a watched WAL has grown past WAKE_BYTES. */
function waitForGrowth(): void {
  if (worker || waker || files.size === 0) return;
  waker = setInterval(() => {
    for (const file of files.values()) {
      if (walBytes(file) >= WAKE_BYTES) {
        startThread();
        return;
      }
    }
  }, WAKE_INTERVAL_MS);
  waker.unref();
}

function thread(): Worker {
  if (worker) return worker;
  const started = new Worker(WORKER_FILE, { workerData: { thresholdBytes: THRESHOLD_BYTES, intervalMs: INTERVAL_MS, quietMs: QUIET_MS } });
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
 * WAL holds 4 MB not yet copied, or any once it has been quiet for a second; the connection `db` keeps a higher automatic checkpoint as a safety net. The
 * thread starts when a watched WAL first passes 1 MB (looked at four times a second), so a process
 * that stays idle never runs it; once started it stays.
 * Returns `unwatch`, to call before the connection closes: once it returns, the thread holds no
 * connection to the file (its files may be deleted then). The thread stays for the next file (it
 * does not keep the process alive).
 */
export function checkpointInBackground(db: Database.Database): () => void {
  if (db.memory || db.pragma('journal_mode', { simple: true }) !== 'wal') return () => {};
  db.pragma(`wal_autocheckpoint = ${FALLBACK_PAGES}`);
  const id = nextId++;
  files.set(id, db.name);
  if (worker) worker.postMessage({ type: 'watch', file: db.name, id });
  else waitForGrowth();
  return () => {
    if (!files.delete(id)) return;
    if (files.size === 0 && waker) {
      clearInterval(waker);
      waker = null;
    }
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

/**
 * Starts the background thread now rather than when a WAL first grows (for benchmarks that must
 * not measure its start, and tests); it watches every file watched so far and later.
 */
export function startWalCheckpointer(): void {
  startThread();
}

/** The background thread, if one runs (for tests and diagnostics). */
export function walCheckpointerThread(): Worker | null {
  return worker;
}
