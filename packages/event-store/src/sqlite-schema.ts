/** Schema, pragmas, row shapes and error mapping of the SQLite event store. */
import type Database from 'better-sqlite3';
import { StoreUnavailableError } from './errors.js';
import type { RecordedEvent, StreamInfo, EventMetadata } from './types.js';

export const SCHEMA = `
CREATE TABLE IF NOT EXISTS events (
  position  INTEGER PRIMARY KEY AUTOINCREMENT,
  id        TEXT NOT NULL UNIQUE,
  stream    TEXT NOT NULL,
  revision  INTEGER NOT NULL,
  type      TEXT NOT NULL,
  data      TEXT NOT NULL,
  metadata  TEXT NOT NULL,
  prev_hash TEXT NOT NULL,
  hash      TEXT NOT NULL,
  UNIQUE (stream, revision)
);
-- revision -1: a stream that has metadata but no event yet.
CREATE TABLE IF NOT EXISTS streams (
  stream     TEXT PRIMARY KEY,
  revision   INTEGER NOT NULL,
  position   INTEGER NOT NULL,
  last_hash  TEXT NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  metadata   TEXT
) WITHOUT ROWID;
-- Signed running hashes over the events (seal.ts); created on the first open of an older store.
-- kind: NULL, or 'adopt' for the first seal of a store that held events before it was sealed.
CREATE TABLE IF NOT EXISTS seals (
  seq       INTEGER PRIMARY KEY,
  position  INTEGER NOT NULL,
  chain     TEXT NOT NULL,
  at        TEXT NOT NULL,
  every     INTEGER NOT NULL,
  key_id    TEXT NOT NULL,
  signature TEXT NOT NULL,
  kind      TEXT
);
`;

/** Runs SCHEMA, then adds what later versions added to existing tables (the seals' `kind`). */
export function applySchema(db: Database.Database): void {
  db.exec(SCHEMA);
  if (!hasSealKind(db)) db.exec('ALTER TABLE seals ADD COLUMN kind TEXT');
}

/** False for a seals table made before `kind` (a read-only reader then reads NULL). */
export function hasSealKind(db: Database.Database): boolean {
  return db
    .prepare<[], { name: string }>("SELECT name FROM pragma_table_info('seals')")
    .all()
    .some((c) => c.name === 'kind');
}

export type SyncMode = 'full' | 'normal';

export function applyPragmas(db: Database.Database, sync: SyncMode): void {
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${sync === 'normal' ? 'NORMAL' : 'FULL'}`);
  // Another process may hold the write lock for a commit; wait rather than fail.
  db.pragma('busy_timeout = 5000');
  // 8 MB of page cache, not 32 (until 2026-12-07): alternated runs of `pnpm bench federation`
  // gave A → B +5 % (four pairs of four), `pnpm bench event-store` no change. The likely reason:
  // SQLite truncates its page cache at the end of every write transaction by scanning a hash
  // table sized to the cache (`pcache1TruncateUnsafe`, ~4 % of a busy hub's event loop at 32 MB).
  db.pragma('cache_size = -8000');
  // Statement journals in memory: a temp file per rolled-back-able statement costs more than the insert.
  db.pragma('temp_store = MEMORY');
}

export const EVENT_COLUMNS = 'position, id, stream, revision, type, data, metadata, prev_hash, hash';

/** A row of EVENT_COLUMNS in raw (array) mode: no per-row object before the event itself. */
export type EventRow = [
  position: number,
  id: string,
  stream: string,
  revision: number,
  type: string,
  data: string,
  metadata: string,
  prevHash: string,
  hash: string,
];

export function toRecorded(row: EventRow): RecordedEvent {
  return {
    id: row[1],
    stream: row[2],
    revision: row[3],
    position: row[0],
    type: row[4],
    data: JSON.parse(row[5]) as unknown,
    metadata: JSON.parse(row[6]) as EventMetadata,
    prevHash: row[7],
    hash: row[8],
  };
}

export interface StreamRow {
  stream: string;
  revision: number;
  position: number;
  last_hash: string;
  created_at: string;
  updated_at: string;
}

export function toStreamInfo(row: StreamRow): StreamInfo {
  return {
    stream: row.stream,
    revision: row.revision,
    position: row.position,
    lastHash: row.last_hash,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** GLOB pattern matching names that start with `prefix` (GLOB is case-sensitive, unlike LIKE). */
export function prefixGlob(prefix: string): string {
  return prefix.replace(/[*?[]/g, (c) => `[${c}]`) + '*';
}

const UNAVAILABLE = /^SQLITE_(IOERR|FULL|CANTOPEN|NOTADB|CORRUPT|BUSY|LOCKED|READONLY|PERM|NOMEM|PROTOCOL|AUTH)/;

/** I/O-ish SQLite failures and use after close become `StoreUnavailableError`; others pass through. */
export function toStoreError(error: unknown, what: string): unknown {
  if (error instanceof StoreUnavailableError) return error;
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && UNAVAILABLE.test(code)) {
    return new StoreUnavailableError(`event store: ${what} failed: ${(error as Error).message}`, { cause: error });
  }
  if (error instanceof TypeError && /database connection is not open/i.test(error.message)) {
    return new StoreUnavailableError(`event store: ${what} failed: the database is closed`, { cause: error });
  }
  return error;
}

export function isDuplicateIdError(error: unknown): boolean {
  const e = error as { code?: unknown; message?: unknown } | null;
  return e?.code === 'SQLITE_CONSTRAINT_UNIQUE' && typeof e.message === 'string' && e.message.includes('events.id');
}
