import type { Database } from '@lienthong/projections';
import { statement } from '@lienthong/projections';
import type { DossierStatus } from '@lienthong/dossier-contract';

/** A dossier as the tracker keeps it. */
export interface TrackedDossier {
  readonly dossierCode: string;
  readonly agencyId: string;
  readonly procedureCode: string;
  readonly procedureName: string;
  readonly status: DossierStatus;
  readonly receivedAt: string;
  readonly dueAt: string;
  readonly legalDueAt: string;
  /** The scheduler recorded the current due date as missed. */
  readonly overdueFlag: boolean;
  readonly pausedAt: string | null;
  readonly resolvedAt: string | null;
  readonly pinHash: string;
  readonly maskedName: string | null;
  /** Revision of the dossier's stream last applied: the row changes only with it. */
  readonly revision: number;
}

export interface HistoryEntry {
  readonly status: DossierStatus;
  readonly at: string;
}

interface Row {
  code: string;
  agency_id: string;
  procedure_code: string;
  procedure_name: string;
  status: DossierStatus;
  received_at: string;
  due_at: string;
  legal_due_at: string;
  overdue: number;
  paused_at: string | null;
  resolved_at: string | null;
  pin_hash: string;
  masked_name: string | null;
  revision: number;
}

const toDossier = (r: Row): TrackedDossier => ({
  dossierCode: r.code,
  agencyId: r.agency_id,
  procedureCode: r.procedure_code,
  procedureName: r.procedure_name,
  status: r.status,
  receivedAt: r.received_at,
  dueAt: r.due_at,
  legalDueAt: r.legal_due_at,
  overdueFlag: r.overdue === 1,
  pausedAt: r.paused_at,
  resolvedAt: r.resolved_at,
  pinHash: r.pin_hash,
  maskedName: r.masked_name,
  revision: r.revision,
});

/** Queries over the tracker's read model. */
export interface TrackerView {
  /** The read model's current file: a rebuild swaps it for another. */
  source(): Database;
  find(code: string): TrackedDossier | null;
  history(code: string): HistoryEntry[];
  /** The agency's unresolved dossiers, earliest due first, at most `limit`. */
  open(agencyId: string, limit: number): TrackedDossier[];
}

/** The view over the read model; `db` is asked each time because a rebuild swaps it. */
export function trackerView(db: () => Database): TrackerView {
  return {
    source(): Database {
      return db();
    },
    find(code: string): TrackedDossier | null {
      const row = statement(db(), 'SELECT * FROM tracked WHERE code = ?').get(code) as Row | undefined;
      return row ? toDossier(row) : null;
    },
    history(code: string): HistoryEntry[] {
      return statement(db(), 'SELECT status, at FROM tracked_history WHERE code = ? ORDER BY seq').all(code) as HistoryEntry[];
    },
    open(agencyId: string, limit: number): TrackedDossier[] {
      const rows = statement(db(), 'SELECT * FROM tracked WHERE agency_id = ? AND resolved_at IS NULL ORDER BY due_at, code LIMIT ?').all(
        agencyId,
        limit,
      ) as Row[];
      return rows.map(toDossier);
    },
  };
}
