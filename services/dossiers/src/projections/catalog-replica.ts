import { statement, type Database, type Projection } from '@lienthong/projections';
import { createWorkingCalendar, type CalendarYear, type WorkingCalendar } from '@lienthong/calendar';
import type { Logger } from '@lienthong/service-kit';
import { CATALOG_STREAM_PREFIXES, type CatalogEvent } from '@lienthong/catalog';

/** This service's own copy of the catalog: every procedure version and every calendar year set. */
export const catalogReplicaProjection: Projection = {
  name: 'dossiers-catalog-replica',
  version: 1,
  streamPrefixes: CATALOG_STREAM_PREFIXES,
  init(db) {
    db.exec(`
      CREATE TABLE procedure_versions (code TEXT NOT NULL, version INTEGER NOT NULL, at TEXT NOT NULL, name TEXT NOT NULL,
        processing_days REAL NOT NULL, data TEXT NOT NULL, PRIMARY KEY (code, version));
      CREATE INDEX procedure_versions_at ON procedure_versions (code, at);
      CREATE TABLE procedure_retirements (code TEXT NOT NULL, version INTEGER NOT NULL, at TEXT NOT NULL);
      CREATE INDEX procedure_retirements_at ON procedure_retirements (code, at);
      CREATE TABLE calendar_years (year INTEGER PRIMARY KEY, holidays TEXT NOT NULL, working_days TEXT NOT NULL, position INTEGER NOT NULL);
    `);
  },
  apply(db, event) {
    const e = { type: event.type, data: event.data } as CatalogEvent;
    const at = new Date(event.metadata.at).toISOString();
    switch (e.type) {
      case 'ProcedurePublished':
        statement(db, 'INSERT OR REPLACE INTO procedure_versions VALUES (?, ?, ?, ?, ?, ?)').run(
          e.data.code,
          e.data.version,
          at,
          e.data.name,
          e.data.processingDays,
          JSON.stringify(e.data),
        );
        return;
      case 'ProcedureRetired':
        statement(db, 'INSERT INTO procedure_retirements VALUES (?, ?, ?)').run(e.data.code, e.data.version, at);
        return;
      case 'CalendarYearSet':
        statement(db, 'INSERT OR REPLACE INTO calendar_years VALUES (?, ?, ?, ?)').run(
          e.data.year,
          JSON.stringify(e.data.holidays),
          JSON.stringify(e.data.workingDays),
          event.position,
        );
        return;
      default:
        return; // other catalog events do not matter here
    }
  },
};

/** The version of a procedure in force at an instant. */
export interface ProcedureInForce {
  readonly code: string;
  readonly version: number;
  readonly name: string;
  readonly processingDays: number;
}

export type ProcedureLookup = { readonly found: true; readonly procedure: ProcedureInForce } | { readonly found: false; readonly reason: 'unknown' | 'retired' };

export function catalogReplicaView(db: () => Database, logger?: Logger) {
  let cached: { stamp: string; calendar: WorkingCalendar } | undefined;
  return {
    /** The latest version published at or before `at`, unless a retirement came after it (and before `at`). */
    procedureAt(code: string, at: Date): ProcedureLookup {
      const iso = at.toISOString();
      const v = statement(db(), 'SELECT code, version, at, name, processing_days FROM procedure_versions WHERE code = ? AND at <= ? ORDER BY at DESC, version DESC LIMIT 1').get(
        code,
        iso,
      ) as { code: string; version: number; at: string; name: string; processing_days: number } | undefined;
      if (!v) {
        const later = statement(db(), 'SELECT 1 FROM procedure_versions WHERE code = ? LIMIT 1').get(code);
        return { found: false, reason: later ? 'retired' : 'unknown' };
      }
      const r = statement(db(), 'SELECT at FROM procedure_retirements WHERE code = ? AND at <= ? ORDER BY at DESC LIMIT 1').get(code, iso) as { at: string } | undefined;
      if (r && r.at >= v.at) return { found: false, reason: 'retired' };
      return { found: true, procedure: { code: v.code, version: v.version, name: v.name, processingDays: v.processing_days } };
    },

    /** The working calendar: shipped years and lunar default, overridden by every year the catalog set. Rebuilt when the replica changes. */
    calendar(): WorkingCalendar {
      const stamp = statement(db(), 'SELECT COUNT(*) || \'-\' || COALESCE(MAX(position), 0) AS s FROM calendar_years').get() as { s: string };
      if (cached?.stamp === stamp.s) return cached.calendar;
      const rows = statement(db(), 'SELECT year, holidays, working_days FROM calendar_years ORDER BY year').all() as { year: number; holidays: string; working_days: string }[];
      const calendar = createWorkingCalendar();
      for (const row of rows) {
        const year: CalendarYear = { year: row.year, holidays: JSON.parse(row.holidays) as string[], workingDays: JSON.parse(row.working_days) as string[] };
        try {
          calendar.setYear(year);
        } catch (error) {
          // The catalog validated it; a year this version cannot read keeps the default rather than stopping receipts.
          logger?.warn({ err: error, year: row.year }, 'calendar year from the catalog refused; using the default for it');
        }
      }
      cached = { stamp: stamp.s, calendar };
      return calendar;
    },
  };
}
export type CatalogReplicaView = ReturnType<typeof catalogReplicaView>;
