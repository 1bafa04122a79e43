import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';

/** Another process (or another platform in this one) serves the read models of this directory. */
export class ReadModelsInUseError extends Error {
  override name = 'ReadModelsInUseError';
  constructor(readonly dir: string) {
    super(`the read models in ${dir} are in use by another process (is a hub or service already running on this data directory?)`);
  }
}

/**
 * Takes the read models of `dir` for this process until `release()`: a projection's in-memory
 * effects (caches, pushes, epochs) and its rebuilds assume one process applies its events.
 * The lock is SQLite's own exclusive file lock on `<dir>/lock.sqlite`, so the operating system
 * frees it when the process dies, however it dies; a second taker fails at once.
 */
export function lockReadModels(dir: string): { release(): void } {
  const db = new BetterSqlite3(join(dir, 'lock.sqlite'), { timeout: 0 });
  try {
    db.pragma('journal_mode = DELETE');
    // The file holds no data, only the lock: nothing to sync (its first transaction fsynced twice, 10-50 ms of each start).
    db.pragma('synchronous = OFF');
    db.pragma('locking_mode = EXCLUSIVE');
    // In this mode the exclusive lock BEGIN EXCLUSIVE takes is kept until the connection closes.
    db.exec('BEGIN EXCLUSIVE; COMMIT');
  } catch (error) {
    db.close();
    if ((error as { code?: string }).code?.startsWith('SQLITE_BUSY')) throw new ReadModelsInUseError(dir);
    throw error;
  }
  return {
    release() {
      if (db.open) db.close();
    },
  };
}
