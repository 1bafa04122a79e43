// The background WAL checkpointer's thread (see wal-checkpointer.ts). Plain JavaScript: it needs no
// loader. Messages: {type:'watch', file, id} / {type:'unwatch', id, done: Int32Array} (answered by
// Atomics.notify on `done`, so the owner can delete its files right after).
import { statSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';

const { thresholdBytes, intervalMs } = workerData;
/** id → { file, db } */
const watched = new Map();

function close(entry) {
  try {
    entry.db.close();
  } catch (error) {
    parentPort.postMessage({ type: 'error', file: entry.file, message: `close: ${error.message}` });
  }
}

parentPort.on('message', (m) => {
  if (m.type === 'watch') {
    try {
      const db = new Database(m.file, { fileMustExist: true });
      db.pragma('busy_timeout = 1000');
      // Sync the WAL before copying it and the database after (what SQLite's own checkpoints do).
      db.pragma('synchronous = NORMAL');
      watched.set(m.id, { file: m.file, db });
    } catch (error) {
      parentPort.postMessage({ type: 'error', file: m.file, message: `open: ${error.message}` });
    }
  } else if (m.type === 'unwatch') {
    const entry = watched.get(m.id);
    watched.delete(m.id);
    if (entry) close(entry);
    Atomics.store(m.done, 0, 1);
    Atomics.notify(m.done, 0);
  }
});

setInterval(() => {
  for (const entry of watched.values()) {
    let size = 0;
    try {
      size = statSync(`${entry.file}-wal`).size;
    } catch {
      continue; // no WAL file (yet, or any more)
    }
    if (size < thresholdBytes) continue;
    try {
      // PASSIVE: never waits for the writer or readers; what it cannot copy now it copies next time.
      entry.db.pragma('wal_checkpoint(PASSIVE)');
    } catch (error) {
      parentPort.postMessage({ type: 'error', file: entry.file, message: `checkpoint: ${error.message}` });
    }
  }
}, intervalMs);
