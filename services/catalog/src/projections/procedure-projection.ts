import type { RecordedEvent } from '@lienthong/event-store';
import { statement, type Database, type Projection } from '@lienthong/projections';
import type { ProcedureEvent, ProcedureRecord } from '../events.js';
import { recordOf } from '../domain/procedure.js';
import { foldText } from '../search/fold.js';
import { indexed, searchProcedures, type IndexedProcedure, type SearchQuery, type SearchResult } from '../search/search-index.js';

const nextGeneration = (db: Database): number =>
  (statement(db, 'SELECT coalesce(max(generation), 0) + 1 AS g FROM procedures').get() as { g: number }).g;

/**
 * The procedures in their latest version, one row per code (retired ones flagged), each stamped
 * with a generation that grows with every change: the search keeps an in-memory index of the
 * procedures in force and catches up by reading the rows of newer generations (see
 * `procedureView`). Folded (diacritic-free, lower-case) name and field are stored beside.
 */
export const procedureProjection: Projection = {
  name: 'catalog-procedures',
  version: 2,
  streamPrefixes: ['procedure-'],
  init(db) {
    db.exec(`
      CREATE TABLE procedures (id INTEGER PRIMARY KEY, code TEXT NOT NULL UNIQUE, version INTEGER NOT NULL,
        name TEXT NOT NULL, name_folded TEXT NOT NULL, field_folded TEXT NOT NULL, levels TEXT NOT NULL,
        online_level TEXT NOT NULL, record TEXT NOT NULL, published_at TEXT NOT NULL,
        retired INTEGER NOT NULL DEFAULT 0, retired_at TEXT, generation INTEGER NOT NULL);
      CREATE INDEX procedures_generation ON procedures(generation);`);
  },
  apply(db: Database, recorded: RecordedEvent) {
    const event = { type: recorded.type, data: recorded.data } as ProcedureEvent;
    switch (event.type) {
      case 'ProcedurePublished': {
        const { code, version, ...rest } = event.data;
        const record = recordOf(rest);
        const nameFolded = foldText(record.name);
        const fieldFolded = foldText(record.field);
        statement(
          db,
          `INSERT INTO procedures (code, version, name, name_folded, field_folded, levels, online_level, record, published_at, retired, retired_at, generation)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 0, NULL, ?)
           ON CONFLICT(code) DO UPDATE SET version = excluded.version, name = excluded.name, name_folded = excluded.name_folded,
             field_folded = excluded.field_folded, levels = excluded.levels, online_level = excluded.online_level, record = excluded.record,
             published_at = excluded.published_at, retired = 0, retired_at = NULL, generation = excluded.generation`,
        ).run(
          code,
          version,
          record.name,
          nameFolded,
          fieldFolded,
          `,${record.agencyLevels.join(',')},`,
          record.onlineLevel,
          JSON.stringify(record),
          recorded.metadata.at,
          nextGeneration(db),
        );
        return;
      }
      case 'ProcedureRetired': {
        statement(db, 'UPDATE procedures SET retired = 1, retired_at = ?, generation = ? WHERE code = ?').run(
          recorded.metadata.at,
          nextGeneration(db),
          event.data.code,
        );
        return;
      }
      default:
        return;
    }
  },
};

interface Row {
  id: number;
  code: string;
  version: number;
  record: string;
  published_at: string;
  retired: number;
  generation: number;
}

/** The in-memory index of one read-model file, caught up to a generation. */
interface IndexCache {
  readonly db: Database;
  generation: number;
  readonly entries: Map<number, IndexedProcedure>;
}

/** Queries over the procedures read model. */
export interface ProcedureView {
  /** `GET /v1/catalog/procedures`: diacritic- and case-insensitive search with filters and paging. */
  search(query: SearchQuery): SearchResult;
  /** Procedures in force (not retired). */
  count(): number;
}

/**
 * The procedures read model's view; `db` is asked for each call because a rebuild swaps
 * it. Search runs over an in-memory index of the procedures in force, brought up to date before
 * each search from the rows whose generation is newer than the index's (one indexed read when
 * nothing changed); a swapped file gets a fresh index.
 */
export function procedureView(db: () => Database): ProcedureView {
  let cache: IndexCache | undefined;

  function index(): Map<number, IndexedProcedure> {
    const current = db();
    if (cache?.db !== current) cache = { db: current, generation: 0, entries: new Map() };
    const { g } = statement(current, 'SELECT coalesce(max(generation), 0) AS g FROM procedures').get() as { g: number };
    if (g > cache.generation) {
      const rows = statement(
        current,
        'SELECT id, code, version, record, published_at, retired, generation FROM procedures WHERE generation > ?',
      ).all(cache.generation) as Row[];
      for (const r of rows) {
        if (r.retired) cache.entries.delete(r.id);
        else cache.entries.set(r.id, indexed(r.code, r.version, r.published_at, JSON.parse(r.record) as ProcedureRecord));
      }
      cache.generation = g;
    }
    return cache.entries;
  }

  return {
    search(query: SearchQuery): SearchResult {
      return searchProcedures(index().values(), query);
    },
    count(): number {
      return index().size;
    },
  };
}
