import { statement, type Database, type Projection } from '@lienthong/projections';
import { createWorkingCalendar, type WorkingCalendar } from '@lienthong/calendar';
import {
  CATALOG_STREAM_PREFIXES,
  createCalendarReplica,
  procedureLookupAt,
  type ProcedureEventEnvelope,
  type ProcedureEvent,
  type ProcedureNotInForce,
} from '@lienthong/catalog';

/** The version of a procedure in force at an instant, as a receipt records it. */
export interface ProcedureInForce {
  readonly code: string;
  readonly version: number;
  readonly name: string;
  readonly processingDays: number;
  /** For online submission (SPEC §7): the online level, the e-form schema and each component's file rules. */
  readonly online: OnlineRules;
}

/** What an online submission of a procedure version is checked against. */
export interface OnlineRules {
  readonly level: 'full' | 'partial' | null;
  readonly form: Readonly<Record<string, unknown>> | null;
  readonly components: readonly {
    readonly name: string;
    readonly required?: boolean;
    readonly mediaTypes?: readonly string[];
    readonly maxSizeMb?: number;
  }[];
}

/** A procedure lookup: found, or why not (unknown, retired then, or not yet in force then). */
export type ProcedureLookup =
  { readonly found: true; readonly procedure: ProcedureInForce } | ({ readonly found: false } & ProcedureNotInForce);

export interface CatalogReplica {
  /** Run it with a bus feed (service `catalog`); then call `load` once. */
  readonly projection: Projection;
  /** Puts the calendar years stored in the read model into the calendar (after a restart). */
  load(db: Database): void;
  /** The working calendar: shipped years and lunar default, overridden by every year the catalog set. Kept in memory. */
  readonly calendar: WorkingCalendar;
  /** The version of `code` in force at `at`, by the catalog's own rule (`procedureLookupAt`: by `effectiveFrom`). */
  procedureAt(db: Database, code: string, at: Date): ProcedureLookup;
}

/** What the dossier service reads from the replica. */
export interface CatalogReplicaView {
  procedureAt(code: string, at: Date): ProcedureLookup;
}

interface EventRow {
  type: string;
  at: string;
  data: string;
}

/**
 * This service's own copy of the catalog, fed over the bus: every event of each procedure
 * stream (so the catalog's `procedureLookupAt` answers "which version at that instant" from the
 * same events as the catalog), and the calendar years through the catalog's
 * `createCalendarReplica` (same table, same in-memory calendar, same rules) in the same file.
 */
export function createCatalogReplica(name = 'dossiers-catalog-replica'): CatalogReplica {
  const calendar = createWorkingCalendar();
  const years = createCalendarReplica(calendar, { name });
  return {
    projection: {
      name,
      // 2: procedure events kept in stream order for `procedureLookupAt`; the catalog's calendar table.
      version: 2,
      streamPrefixes: CATALOG_STREAM_PREFIXES,
      init(db) {
        years.projection.init(db);
        db.exec(`CREATE TABLE procedure_events (code TEXT NOT NULL, revision INTEGER NOT NULL, type TEXT NOT NULL, at TEXT NOT NULL,
          data TEXT NOT NULL, PRIMARY KEY (code, revision))`);
      },
      apply(db, event) {
        switch (event.type) {
          case 'ProcedurePublished':
          case 'ProcedureRetired': {
            const { data } = event as unknown as ProcedureEvent;
            statement(db, 'INSERT OR REPLACE INTO procedure_events VALUES (?, ?, ?, ?, ?)').run(
              data.code,
              event.revision,
              event.type,
              event.metadata.at,
              JSON.stringify(data),
            );
            return;
          }
          default:
            years.projection.apply(db, event); // CalendarYearSet; it ignores anything else
        }
      },
    },
    load: (db) => years.load(db),
    calendar,
    procedureAt(db, code, at) {
      const rows = statement(db, 'SELECT type, at, data FROM procedure_events WHERE code = ? ORDER BY revision').all(code) as EventRow[];
      if (rows.length === 0) return { found: false, reason: 'unknown' };
      const events: ProcedureEventEnvelope[] = rows.map((r) => ({
        type: r.type,
        data: JSON.parse(r.data) as unknown,
        metadata: { at: r.at },
      }));
      const lookup = procedureLookupAt(events, at);
      if (!lookup.found) return lookup;
      const { code: c, version, name: procedureName, processingDays, onlineLevel, form, components } = lookup.procedure;
      const online: OnlineRules = { level: onlineLevel, form: form ?? null, components };
      return { found: true, procedure: { code: c, version, name: procedureName, processingDays, online } };
    },
  };
}
