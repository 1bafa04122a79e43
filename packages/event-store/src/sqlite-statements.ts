/** The prepared statements of the SQLite store's connection (one set per connection). */
import type Database from 'better-sqlite3';
import { EVENT_COLUMNS } from './sqlite-schema.js';
import type { EventRow, StreamRow } from './sqlite-schema.js';

type Statement<P extends unknown[] = unknown[], R = unknown> = Database.Statement<P, R>;

export interface Statements {
  readonly begin: Statement;
  readonly commit: Statement;
  readonly rollback: Statement;
  readonly deleteFrom: Statement;
  readonly head: Statement<[string], StreamRow>;
  readonly insert: Statement;
  readonly upsertHead: Statement;
  /** Raw rows (arrays), as `toRecorded` takes them. */
  readonly readForward: Statement<[string, number, number], EventRow>;
  readonly readBackward: Statement<[string, number, number], EventRow>;
  readonly readForwardAll: Statement<[string, number], EventRow>;
  readonly listStreams: Statement<[string, string, number], StreamRow>;
  readonly getMetadata: Statement<[string], { metadata: string | null }>;
  readonly setMetadata: Statement;
  readonly headPosition: Statement<[], { p: number }>;
  readonly ping: Statement;
  readonly rewindPositions: Statement;
}

export function prepareStatements(db: Database.Database): Statements {
  return {
    begin: db.prepare('BEGIN IMMEDIATE'),
    commit: db.prepare('COMMIT'),
    rollback: db.prepare('ROLLBACK'),
    deleteFrom: db.prepare('DELETE FROM events WHERE position >= ?'),
    head: db.prepare<[string], StreamRow>(
      'SELECT stream, revision, position, last_hash, created_at, updated_at FROM streams WHERE stream = ?',
    ),
    insert: db.prepare('INSERT INTO events (id, stream, revision, type, data, metadata, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)'),
    upsertHead: db.prepare(
      `INSERT INTO streams (stream, revision, position, last_hash, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (stream) DO UPDATE SET revision = excluded.revision, position = excluded.position,
         last_hash = excluded.last_hash, updated_at = excluded.updated_at,
         created_at = CASE WHEN streams.revision < 0 THEN excluded.created_at ELSE streams.created_at END`,
    ),
    readForward: db
      .prepare<[string, number, number], EventRow>(
        `SELECT ${EVENT_COLUMNS} FROM events WHERE stream = ? AND revision >= ? ORDER BY revision LIMIT ?`,
      )
      .raw(true),
    readBackward: db
      .prepare<[string, number, number], EventRow>(
        `SELECT ${EVENT_COLUMNS} FROM events WHERE stream = ? AND revision <= ? ORDER BY revision DESC LIMIT ?`,
      )
      .raw(true),
    // Whole-stream reads (every command's load) without a LIMIT: a bound `LIMIT -1` costs SQLite
    // more than the index seek of an empty stream itself.
    readForwardAll: db
      .prepare<[string, number], EventRow>(`SELECT ${EVENT_COLUMNS} FROM events WHERE stream = ? AND revision >= ? ORDER BY revision`)
      .raw(true),
    listStreams: db.prepare<[string, string, number], StreamRow>(
      `SELECT stream, revision, position, last_hash, created_at, updated_at FROM streams
       WHERE revision >= 0 AND stream GLOB ? AND stream > ? ORDER BY stream LIMIT ?`,
    ),
    getMetadata: db.prepare<[string], { metadata: string | null }>('SELECT metadata FROM streams WHERE stream = ?'),
    setMetadata: db.prepare(
      `INSERT INTO streams (stream, revision, position, last_hash, created_at, updated_at, metadata)
       VALUES (?, -1, 0, ?, ?, ?, ?) ON CONFLICT (stream) DO UPDATE SET metadata = excluded.metadata`,
    ),
    headPosition: db.prepare<[], { p: number }>('SELECT COALESCE(MAX(position), 0) AS p FROM events'),
    ping: db.prepare('SELECT 1'),
    // After undoing an append's rows: the next append takes the freed positions (no gap for verify to report).
    rewindPositions: db.prepare("UPDATE sqlite_sequence SET seq = ? WHERE name = 'events'"),
  };
}
