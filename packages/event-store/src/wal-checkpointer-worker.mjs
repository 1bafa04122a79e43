// The background WAL checkpointer's thread (see wal-checkpointer.ts). Plain JavaScript: it needs no
// loader. Messages: {type:'watch', file, id} / {type:'unwatch', id, done: Int32Array} (answered by
// Atomics.notify on `done`, so the owner can delete its files right after).
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { endianness } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';

const { thresholdBytes, intervalMs, quietMs } = workerData;
/** id → { file, db, frames (the WAL's frame count when last looked at), since (when it last changed) } */
const watched = new Map();

const header = Buffer.alloc(100);
const u32 = endianness() === 'LE' ? (at) => header.readUInt32LE(at) : (at) => header.readUInt32BE(at);
const u16 = endianness() === 'LE' ? (at) => header.readUInt16LE(at) : (at) => header.readUInt16BE(at);

/**
 * The WAL's frames and those not yet copied into the database, from the wal-index header at the
 * start of the `-shm` file (SQLite's documented format, in native byte order: version 3007000 at 0,
 * isInit at 12, the page size at 14, mxFrame at 16; nBackfill at 96), or null when it cannot be
 * read. Why not the WAL file's size: the file keeps its size when SQLite starts it over, so once
 * it had passed the threshold every look would checkpoint the few frames written since the last.
 */
function walFrames(file) {
  let fd;
  try {
    fd = openSync(`${file}-shm`, 'r');
    if (readSync(fd, header, 0, 100, 0) < 100) return null;
  } catch {
    return null;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
  if (u32(0) !== 3007000 || header[12] !== 1) return null;
  const pageSize = u16(14) === 1 ? 65536 : u16(14);
  const frames = u32(16);
  return { frames, pendingBytes: Math.max(0, frames - u32(96)) * (pageSize + 24) };
}

/**
 * Whether to checkpoint now: 4 MB of frames not yet copied, or some and the WAL quiet for a
 * while (so a file that stopped being written is brought up to date). Without a readable
 * wal-index, the WAL file's size decides, as SQLite's own threshold does.
 */
function due(entry, now) {
  const wal = walFrames(entry.file);
  if (wal === null) {
    try {
      return statSync(`${entry.file}-wal`).size >= thresholdBytes;
    } catch {
      return false; // no WAL file (yet, or any more)
    }
  }
  if (wal.frames !== entry.frames) {
    entry.frames = wal.frames;
    entry.since = now;
  }
  return wal.pendingBytes >= thresholdBytes || (wal.pendingBytes > 0 && now - entry.since >= quietMs);
}

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
      watched.set(m.id, { file: m.file, db, frames: -1, since: 0 });
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
  const now = performance.now();
  for (const entry of watched.values()) {
    if (!due(entry, now)) continue;
    try {
      // PASSIVE: never waits for the writer or readers; what it cannot copy now it copies next time.
      entry.db.pragma('wal_checkpoint(PASSIVE)');
    } catch (error) {
      parentPort.postMessage({ type: 'error', file: entry.file, message: `checkpoint: ${error.message}` });
    }
  }
}, intervalMs);
