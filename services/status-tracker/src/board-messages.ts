import { STATUS_CODES, STATUS_LABELS, isResolved, type DossierStatus } from '@lienthong/dossier-contract';
import { isOverdue } from './lookup.js';
import type { TrackedChange } from './projections/tracker-projection.js';
import type { TrackedDossier } from './projections/tracker-view.js';

/** A row of the counters' board. */
export interface BoardItem {
  readonly dossierCode: string;
  readonly agencyId: string;
  readonly procedureName: string;
  readonly status: DossierStatus;
  readonly statusCode: number;
  readonly statusLabel: string;
  readonly receivedAt: string;
  readonly dueAt: string;
  readonly overdue: boolean;
  readonly resolved: boolean;
}

/** First message of a socket. */
export interface BoardSnapshot {
  readonly type: 'snapshot';
  readonly agencyId: string;
  readonly at: string;
  readonly dossiers: readonly BoardItem[];
  /** More open dossiers exist than were sent. */
  readonly truncated: boolean;
}

/** One change; `agencyId` other than the board's means the dossier left it (transfer). */
export interface BoardChange extends BoardItem {
  readonly type: 'dossier';
  readonly event: TrackedChange['event'];
  readonly at: string;
}

export function boardItem(d: TrackedDossier, now: Date): BoardItem {
  return {
    dossierCode: d.dossierCode,
    agencyId: d.agencyId,
    procedureName: d.procedureName,
    status: d.status,
    statusCode: STATUS_CODES[d.status],
    statusLabel: STATUS_LABELS[d.status],
    receivedAt: d.receivedAt,
    dueAt: d.dueAt,
    overdue: isOverdue(d, now),
    resolved: isResolved(d.status),
  };
}

export function boardChange(d: TrackedDossier, change: TrackedChange, now: Date): BoardChange {
  return { type: 'dossier', ...boardItem(d, now), event: change.event, at: change.at };
}

export function boardSnapshot(agencyId: string, open: readonly TrackedDossier[], limit: number, now: Date): BoardSnapshot {
  return {
    type: 'snapshot',
    agencyId,
    at: now.toISOString(),
    dossiers: open.slice(0, limit).map((d) => boardItem(d, now)),
    truncated: open.length > limit,
  };
}
