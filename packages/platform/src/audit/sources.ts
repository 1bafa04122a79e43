/**
 * Where the chain check reads events from: the SQLite file itself (raw stored text, read-only
 * connection, so a damaged row is a finding rather than a parse error) or any `EventStore`.
 */
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { SEAL_COLUMNS, type EventStore } from '@lienthong/event-store';
import type { Config } from '@lienthong/service-kit';
import type { ChainEvent } from './chain.js';

/** A stream's head as the store records it. */
export interface RecordedHead {
  readonly stream: string;
  readonly revision: number;
  readonly position: number;
  readonly lastHash: string;
}

/** The store's head and its last seal, read together. */
export interface SourceBounds {
  readonly head: number;
  /** seq of the last seal (0: none); null when the source keeps no seals (EventStoreDB). */
  readonly lastSeal: number | null;
}

/** The event rows and heads a verification reads, page by page. */
export interface ChainSource {
  readonly kind: 'sqlite' | 'store';
  headPosition(): Promise<number>;
  /** One snapshot: every seal up to `lastSeal` was made at or before `head`. */
  bounds(): Promise<SourceBounds>;
  /** Seal rows as stored (unchecked), by seq, after `afterSeq`. */
  seals(afterSeq: number, max: number): Promise<unknown[]>;
  /** Events with `after < position <= upTo`, by position; only streams named `streamPrefix…` when given. */
  page(after: number, upTo: number, max: number, streamPrefix?: string): Promise<ChainEvent[]>;
  /** One stream's events from `fromRevision`, by revision. */
  streamPage(stream: string, fromRevision: number, max: number): Promise<ChainEvent[]>;
  /** Recorded heads, alphabetically after `after` (`''` for the first page). */
  heads(after: string, max: number): Promise<RecordedHead[]>;
  head(stream: string): Promise<RecordedHead | null>;
  close(): Promise<void>;
}

type Row = [
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
const COLUMNS = 'position, id, stream, revision, type, data, metadata, prev_hash, hash';

const fromRow = (r: Row): ChainEvent => ({
  position: r[0],
  id: r[1],
  stream: r[2],
  revision: r[3],
  type: r[4],
  dataJson: r[5],
  metadataJson: r[6],
  prevHash: r[7],
  hash: r[8],
});

/** Reads `events.sqlite` through its own read-only connection (WAL: never blocks the writer). */
export function sqliteChainSource(file: string): ChainSource {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  db.pragma('busy_timeout = 5000');
  const s = {
    head: db.prepare<[], { p: number | null }>('SELECT MAX(position) AS p FROM events'),
    page: db
      .prepare<[number, number, number], Row>(
        `SELECT ${COLUMNS} FROM events WHERE position > ? AND position <= ? ORDER BY position LIMIT ?`,
      )
      .raw(true),
    prefixPage: db
      .prepare<[number, number, string, number], Row>(
        `SELECT ${COLUMNS} FROM events WHERE position > ? AND position <= ? AND stream GLOB ? ORDER BY position LIMIT ?`,
      )
      .raw(true),
    stream: db
      .prepare<[string, number, number], Row>(`SELECT ${COLUMNS} FROM events WHERE stream = ? AND revision >= ? ORDER BY revision LIMIT ?`)
      .raw(true),
    heads: db.prepare<[string, number], { stream: string; revision: number; position: number; last_hash: string }>(
      'SELECT stream, revision, position, last_hash FROM streams WHERE revision >= 0 AND stream > ? ORDER BY stream LIMIT ?',
    ),
    oneHead: db.prepare<[string], { stream: string; revision: number; position: number; last_hash: string }>(
      'SELECT stream, revision, position, last_hash FROM streams WHERE revision >= 0 AND stream = ?',
    ),
  };
  // A store no sealing process has opened yet has no seals table: it reads as no seals.
  const sealed = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'seals'").get() !== undefined;
  // A seals table from before `kind` (not opened since by a hub): every seal in it is ordinary.
  const sealTable =
    sealed && !db.prepare("SELECT 1 FROM pragma_table_info('seals') WHERE name = 'kind'").get()
      ? '(SELECT *, NULL AS kind FROM seals)'
      : 'seals';
  const sealStatements = sealed
    ? {
        bounds: db.prepare<[], { head: number; lastSeal: number }>(
          'SELECT (SELECT COALESCE(MAX(position), 0) FROM events) AS head, (SELECT COALESCE(MAX(seq), 0) FROM seals) AS lastSeal',
        ),
        page: db.prepare<[number, number], unknown>(`SELECT ${SEAL_COLUMNS} FROM ${sealTable} WHERE seq > ? ORDER BY seq LIMIT ?`),
      }
    : null;
  const toHead = (r: { stream: string; revision: number; position: number; last_hash: string }): RecordedHead => ({
    stream: r.stream,
    revision: r.revision,
    position: r.position,
    lastHash: r.last_hash,
  });
  return {
    kind: 'sqlite',
    headPosition: async () => s.head.get()?.p ?? 0,
    bounds: async () => sealStatements?.bounds.get() ?? { head: s.head.get()?.p ?? 0, lastSeal: 0 },
    seals: async (afterSeq, max) => sealStatements?.page.all(afterSeq, max) ?? [],
    page: async (after, upTo, max, prefix) =>
      (prefix ? s.prefixPage.all(after, upTo, prefixGlob(prefix), max) : s.page.all(after, upTo, max)).map(fromRow),
    streamPage: async (stream, from, max) => s.stream.all(stream, from, max).map(fromRow),
    heads: async (after, max) => s.heads.all(after, max).map(toHead),
    head: async (stream) => {
      const row = s.oneHead.get(stream);
      return row ? toHead(row) : null;
    },
    close: async () => {
      if (db.open) db.close();
    },
  };
}

/** Any adapter through the port (EventStoreDB): events come parsed and are re-canonicalised. */
export function storeChainSource(store: EventStore): ChainSource {
  return {
    kind: 'store',
    headPosition: () => store.headPosition(),
    bounds: async () => ({ head: await store.headPosition(), lastSeal: null }),
    seals: async () => [],
    page: async (after, upTo, max, prefix) =>
      (await store.readAll({ after, maxCount: max, ...(prefix ? { streamPrefixes: [prefix] } : {}) })).filter((e) => e.position <= upTo),
    streamPage: (stream, fromRevision, max) => store.readStream(stream, { fromRevision, maxCount: max }),
    heads: async (after, max) =>
      (await store.listStreams({ after, limit: max })).map((i) => ({
        stream: i.stream,
        revision: i.revision,
        position: i.position,
        lastHash: i.lastHash,
      })),
    head: async (stream) => {
      const i = await store.streamInfo(stream);
      return i ? { stream: i.stream, revision: i.revision, position: i.position, lastHash: i.lastHash } : null;
    },
    close: async () => {},
  };
}

/** GLOB pattern for names starting with `prefix` (GLOB is case-sensitive, unlike LIKE). */
function prefixGlob(prefix: string): string {
  return prefix.replace(/[*?[]/g, (c) => `[${c}]`) + '*';
}

/** The SQLite file of a deployment, or null when it runs on another adapter. */
export function sqliteFileOf(config: Pick<Config, 'eventStoreUrl' | 'dataDir'>): string | null {
  const url = config.eventStoreUrl?.trim() ?? '';
  return url === '' || url.startsWith('sqlite:') ? join(config.dataDir, 'events.sqlite') : null;
}
