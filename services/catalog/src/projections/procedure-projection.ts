import type { RecordedEvent } from '@lienthong/event-store';
import { statement, type Database, type Projection } from '@lienthong/projections';
import type { AgencyLevel, OnlineLevel, ProcedureEvent, ProcedureRecord } from '../events.js';
import { recordOf } from '../domain/procedure.js';
import { foldText, searchTerms } from '../search/fold.js';

/**
 * The procedures in their latest version, for search: one row per code and an FTS5 index over
 * the folded (diacritic-free, lower-case) name and field. Retired procedures keep their row
 * (flagged) but leave the index.
 */
export const procedureProjection: Projection = {
  name: 'catalog-procedures',
  version: 1,
  streamPrefixes: ['procedure-'],
  init(db) {
    db.exec(`
      CREATE TABLE procedures (id INTEGER PRIMARY KEY, code TEXT NOT NULL UNIQUE, version INTEGER NOT NULL,
        name TEXT NOT NULL, name_folded TEXT NOT NULL, field_folded TEXT NOT NULL, levels TEXT NOT NULL,
        online_level TEXT NOT NULL, record TEXT NOT NULL, published_at TEXT NOT NULL,
        retired INTEGER NOT NULL DEFAULT 0, retired_at TEXT);
      CREATE INDEX procedures_field ON procedures(field_folded, code);
      CREATE VIRTUAL TABLE procedures_fts USING fts5(name_folded, field_folded, tokenize = 'unicode61 remove_diacritics 0', prefix = '1 2 3');`);
  },
  apply(db: Database, recorded: RecordedEvent) {
    const event = { type: recorded.type, data: recorded.data } as ProcedureEvent;
    switch (event.type) {
      case 'ProcedurePublished': {
        const { code, version, ...rest } = event.data;
        const record = recordOf(rest);
        const nameFolded = foldText(record.name);
        const fieldFolded = foldText(record.field);
        const row = statement(
          db,
          `INSERT INTO procedures (code, version, name, name_folded, field_folded, levels, online_level, record, published_at, retired, retired_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 0, NULL)
           ON CONFLICT(code) DO UPDATE SET version = excluded.version, name = excluded.name, name_folded = excluded.name_folded,
             field_folded = excluded.field_folded, levels = excluded.levels, online_level = excluded.online_level, record = excluded.record,
             published_at = excluded.published_at, retired = 0, retired_at = NULL
           RETURNING id`,
        ).get(code, version, record.name, nameFolded, fieldFolded, `,${record.agencyLevels.join(',')},`, record.onlineLevel, JSON.stringify(record), recorded.metadata.at) as { id: number };
        statement(db, 'DELETE FROM procedures_fts WHERE rowid = ?').run(row.id);
        statement(db, 'INSERT INTO procedures_fts (rowid, name_folded, field_folded) VALUES (?, ?, ?)').run(row.id, nameFolded, fieldFolded);
        return;
      }
      case 'ProcedureRetired': {
        const row = statement(db, 'UPDATE procedures SET retired = 1, retired_at = ? WHERE code = ? RETURNING id').get(recorded.metadata.at, event.data.code) as { id: number } | undefined;
        if (row) statement(db, 'DELETE FROM procedures_fts WHERE rowid = ?').run(row.id);
        return;
      }
      default:
        return;
    }
  },
};

/** One hit of a search: the latest version of a procedure in force. */
export type ProcedureSummary = ProcedureRecord & { readonly code: string; readonly version: number; readonly publishedAt: string };

export interface SearchQuery {
  readonly q?: string | undefined;
  readonly field?: string | undefined;
  readonly level?: AgencyLevel | undefined;
  readonly onlineLevel?: OnlineLevel | undefined;
  readonly limit: number;
  readonly offset: number;
}

export interface SearchResult {
  readonly items: ProcedureSummary[];
  readonly total: number;
  readonly limit: number;
  readonly offset: number;
}

interface Row {
  code: string;
  version: number;
  record: string;
  published_at: string;
  total: number;
}

const CODE_PREFIX = /^[0-9](?:\.[0-9A-Z]*)*$/;

/**
 * Ranking, best first: the exact code, a code prefix, the whole folded name, the name starting
 * with the query, the query as a phrase inside the name, then FTS5's bm25 (name weighted over
 * field), then the code. Every term of the query must match (as a word prefix) the name or field.
 */
const SCORE = `
  (CASE WHEN p.code = @code THEN 1000 WHEN @code <> '' AND substr(p.code, 1, length(@code)) = @code THEN 500 ELSE 0 END)
  + (CASE WHEN p.name_folded = @phrase THEN 300
          WHEN substr(p.name_folded, 1, length(@phrase) + 1) = @phrase || ' ' THEN 200
          WHEN substr(p.name_folded, 1, length(@phrase)) = @phrase THEN 150
          WHEN instr(' ' || p.name_folded || ' ', ' ' || @phrase || ' ') > 0 THEN 100
          WHEN instr(p.name_folded, @phrase) > 0 THEN 50 ELSE 0 END)`;

const FILTERS = `p.retired = 0 AND (@field IS NULL OR p.field_folded = @field) AND (@level IS NULL OR instr(p.levels, @level) > 0)
  AND (@online IS NULL OR p.online_level = @online)`;

function searchSql(withText: boolean, withCode: boolean): string {
  if (!withText && !withCode)
    return `SELECT p.code, p.version, p.record, p.published_at, count(*) OVER () AS total FROM procedures p
      WHERE ${FILTERS} ORDER BY p.code LIMIT @limit OFFSET @offset`;
  const sources = [
    ...(withText ? ['SELECT rowid AS id, bm25(procedures_fts, 10.0, 1.0) AS rank FROM procedures_fts WHERE procedures_fts MATCH @match'] : []),
    ...(withCode ? ['SELECT id, 0.0 AS rank FROM procedures WHERE code >= @code AND code < @codeEnd'] : []),
  ];
  // MATERIALIZED: flattened into the GROUP BY, bm25() would be called outside its FTS5 query.
  return `WITH hits AS MATERIALIZED (${sources.join(' UNION ALL ')}), best AS (SELECT id, min(rank) AS rank FROM hits GROUP BY id)
    SELECT p.code, p.version, p.record, p.published_at, count(*) OVER () AS total, ${SCORE} AS score, best.rank AS rank
    FROM best JOIN procedures p ON p.id = best.id
    WHERE ${FILTERS}
    ORDER BY score DESC, rank, p.code LIMIT @limit OFFSET @offset`;
}

/** Queries over the procedures read model; `db` is asked for each call because a rebuild swaps it. */
export function procedureView(db: () => Database) {
  return {
    /** `GET /v1/catalog/procedures`: diacritic- and case-insensitive search with filters and paging. */
    search(query: SearchQuery): SearchResult {
      const q = query.q?.trim() ?? '';
      const terms = searchTerms(q);
      const code = CODE_PREFIX.test(q.toUpperCase()) ? q.toUpperCase() : '';
      const params = {
        match: terms.map((t) => `"${t}"*`).join(' '),
        phrase: terms.join(' '),
        code,
        codeEnd: `${code}\uffff`,
        field: query.field === undefined ? null : foldText(query.field),
        level: query.level === undefined ? null : `,${query.level},`,
        online: query.onlineLevel ?? null,
        limit: query.limit,
        offset: query.offset,
      };
      if (q !== '' && terms.length === 0 && code === '') return { items: [], total: 0, limit: query.limit, offset: query.offset };
      const sql = searchSql(terms.length > 0, code !== '');
      const rows = statement(db(), sql).all(params) as Row[];
      let total = rows[0]?.total ?? 0;
      // Past the last page the window count is not there: count alone.
      if (rows.length === 0 && query.offset > 0) total = (statement(db(), sql).all({ ...params, limit: 1, offset: 0 }) as Row[])[0]?.total ?? 0;
      return {
        items: rows.map((r) => ({ code: r.code, version: r.version, publishedAt: r.published_at, ...(JSON.parse(r.record) as ProcedureRecord) })),
        total,
        limit: query.limit,
        offset: query.offset,
      };
    },
    /** Procedures in force (not retired). */
    count(): number {
      return (statement(db(), 'SELECT count(*) AS n FROM procedures WHERE retired = 0').get() as { n: number }).n;
    },
  };
}
export type ProcedureView = ReturnType<typeof procedureView>;
