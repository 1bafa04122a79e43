import { statement, type Database } from '@lienthong/projections';
import { isOverdue, type DossierStatus } from '@lienthong/dossier-contract';

/** One line of a counter's queue. */
export interface QueueItem {
  readonly dossierCode: string;
  readonly agencyId: string;
  readonly procedureCode: string;
  readonly procedureName: string;
  readonly status: string;
  readonly statusCode: number;
  readonly channel: string;
  readonly applicant: { readonly maskedName: string };
  readonly receivedAt: string;
  readonly dueAt: string;
  readonly paused: boolean;
  readonly overdue: boolean;
  readonly officer: string | null;
  readonly department: string | null;
  readonly resolvedAt: string | null;
  readonly updatedAt: string;
}

export interface QueueFilter {
  readonly agencyId?: string | undefined;
  readonly statusCode?: number | undefined;
  readonly overdue?: boolean | undefined;
  readonly procedureCode?: string | undefined;
  readonly officer?: string | undefined;
  readonly limit: number;
  readonly offset: number;
}

/** See docs/services/dossiers.md for the exact definition of each figure. */
export interface DossierReport {
  readonly agencyId: string | null;
  readonly from: string;
  readonly to: string;
  readonly carriedOver: number;
  readonly received: number;
  readonly resolvedOnTime: number;
  readonly resolvedLate: number;
  readonly pending: number;
  readonly pendingOverdue: number;
}

interface Row {
  code: string;
  agency_id: string;
  procedure_code: string;
  procedure_name: string;
  status: DossierStatus;
  status_code: number;
  channel: string;
  masked_name: string;
  received_at: string;
  due_at: string;
  paused: number;
  paused_at: string | null;
  overdue: number;
  officer: string | null;
  department: string | null;
  resolved_at: string | null;
  updated_at: string;
}

/** The contract's overdue rule on a row's columns (the pause instant counts only while paused). */
const overdueOf = (r: Pick<Row, 'status' | 'due_at' | 'overdue' | 'paused' | 'paused_at'>, now: Date): boolean =>
  isOverdue({ status: r.status, dueAt: r.due_at, overdue: r.overdue === 1, pausedAt: r.paused === 1 ? r.paused_at : null }, now);

/** The same rule as the SQL function `dossier_overdue(…)` of each read-model file (a rebuild swaps it), so the filter and the items agree. */
const withRule = new WeakSet<Database>();
function ruled(db: Database): Database {
  if (!withRule.has(db)) {
    db.function(
      'dossier_overdue',
      { deterministic: true },
      (status: DossierStatus, due_at: string, overdue: number, paused: number, paused_at: string | null, now: string) =>
        overdueOf({ status, due_at, overdue, paused, paused_at }, new Date(now)) ? 1 : 0,
    );
    withRule.add(db);
  }
  return db;
}
const OVERDUE_SQL = `dossier_overdue(status, due_at, overdue, paused, paused_at, @now) = 1`;

/** Queries over the counters' queue read model. */
export interface DossierQueueView {
  /** Most urgent first (earliest due date), then by code. */
  list(filter: QueueFilter, now: Date): { items: QueueItem[]; total: number };
  /** Revision of the dossier's stream the queue has applied (-1 when not there yet). */
  revisionOf(code: string): number;
  /** The agency holding the dossier now, or null when the queue does not know it. */
  agencyOf(code: string): string | null;
  /**
   * The due index: running dossiers whose due date passed and that are not flagged overdue yet,
   * the scheduler's candidates (the decider's `MarkOverdue` judges each by the contract's rule).
   */
  dueBefore(now: Date, limit: number): string[];
  /** The next due date the scheduler should wake up for, if any. */
  nextDue(): Date | null;
  /** Figures over [from, to) for one agency (or all when null); `now` bounds "overdue" when `to` is in the future. */
  report(agencyId: string | null, from: Date, to: Date, now: Date): Omit<DossierReport, 'from' | 'to' | 'agencyId'>;
}

export function dossierQueueView(db: () => Database): DossierQueueView {
  const toItem = (r: Row, now: Date): QueueItem => ({
    dossierCode: r.code,
    agencyId: r.agency_id,
    procedureCode: r.procedure_code,
    procedureName: r.procedure_name,
    status: r.status,
    statusCode: r.status_code,
    channel: r.channel,
    applicant: { maskedName: r.masked_name },
    receivedAt: r.received_at,
    dueAt: r.due_at,
    paused: r.paused === 1,
    overdue: overdueOf(r, now),
    officer: r.officer,
    department: r.department,
    resolvedAt: r.resolved_at,
    updatedAt: r.updated_at,
  });

  return {
    list(filter: QueueFilter, now: Date): { items: QueueItem[]; total: number } {
      const where = `WHERE (@agency IS NULL OR agency_id = @agency) AND (@status IS NULL OR status_code = @status)
        AND (@procedure IS NULL OR procedure_code = @procedure) AND (@officer IS NULL OR officer = @officer)
        AND (@overdue IS NULL OR (@overdue = 1 AND ${OVERDUE_SQL}) OR (@overdue = 0 AND NOT ${OVERDUE_SQL}))`;
      const params = {
        agency: filter.agencyId ?? null,
        status: filter.statusCode ?? null,
        procedure: filter.procedureCode ?? null,
        officer: filter.officer ?? null,
        overdue: filter.overdue === undefined ? null : filter.overdue ? 1 : 0,
        now: now.toISOString(),
      };
      const rows = statement(ruled(db()), `SELECT * FROM dossiers ${where} ORDER BY due_at, code LIMIT @limit OFFSET @offset`).all({
        ...params,
        limit: filter.limit,
        offset: filter.offset,
      }) as Row[];
      const total = (statement(ruled(db()), `SELECT COUNT(*) AS n FROM dossiers ${where}`).get(params) as { n: number }).n;
      return { items: rows.map((r) => toItem(r, now)), total };
    },

    revisionOf(code: string): number {
      return (
        (statement(db(), 'SELECT revision FROM dossiers WHERE code = ?').get(code) as { revision: number } | undefined)?.revision ?? -1
      );
    },

    agencyOf(code: string): string | null {
      return (
        (statement(db(), 'SELECT agency_id FROM dossiers WHERE code = ?').get(code) as { agency_id: string } | undefined)?.agency_id ?? null
      );
    },

    dueBefore(now: Date, limit: number): string[] {
      return (
        statement(
          db(),
          'SELECT code FROM dossiers WHERE resolved_at IS NULL AND paused = 0 AND overdue = 0 AND due_at < ? ORDER BY due_at LIMIT ?',
        ).all(now.toISOString(), limit) as { code: string }[]
      ).map((r) => r.code);
    },

    nextDue(): Date | null {
      const r = statement(db(), 'SELECT MIN(due_at) AS d FROM dossiers WHERE resolved_at IS NULL AND paused = 0 AND overdue = 0').get() as {
        d: string | null;
      };
      return r.d ? new Date(r.d) : null;
    },

    report(agencyId: string | null, from: Date, to: Date, now: Date): Omit<DossierReport, 'from' | 'to' | 'agencyId'> {
      const asOf = new Date(Math.min(to.getTime(), now.getTime())).toISOString();
      const r = statement(
        db(),
        `SELECT
          SUM(received_at < @from AND (resolved_at IS NULL OR resolved_at >= @from)) AS carried_over,
          SUM(received_at >= @from AND received_at < @to) AS received,
          SUM(resolved_at >= @from AND resolved_at < @to AND resolved_at <= legal_due_at) AS resolved_on_time,
          SUM(resolved_at >= @from AND resolved_at < @to AND resolved_at > legal_due_at) AS resolved_late,
          SUM(received_at < @to AND (resolved_at IS NULL OR resolved_at >= @to)) AS pending,
          SUM(received_at < @to AND (resolved_at IS NULL OR resolved_at >= @to) AND legal_due_at < @asOf
              AND NOT (paused = 1 AND paused_at <= legal_due_at)) AS pending_overdue
        FROM dossiers WHERE (@agency IS NULL OR agency_id = @agency)`,
      ).get({ agency: agencyId, from: from.toISOString(), to: to.toISOString(), asOf }) as Record<string, number | null>;
      const n = (k: string) => r[k] ?? 0;
      return {
        carriedOver: n('carried_over'),
        received: n('received'),
        resolvedOnTime: n('resolved_on_time'),
        resolvedLate: n('resolved_late'),
        pending: n('pending'),
        pendingOverdue: n('pending_overdue'),
      };
    },
  };
}
