import { isResolved, type DossierStatus } from './status.js';

/**
 * The one rule of "overdue", for every reader of a dossier (its service, the counters' queue,
 * the status tracker) and for the decider's `MarkOverdue`: a dossier is overdue while it is
 * running (not resolved) and either the scheduler recorded its current `dueAt` as missed, or
 * its clock passed `dueAt`. The clock stops while a supplement is awaited: it reads the pause
 * instant then. Exactly at `dueAt` is still on time.
 */
export interface DossierClock {
  readonly status: DossierStatus;
  readonly dueAt: string;
  /** `DossierBecameOverdue` was recorded for the current `dueAt` (the events' `overdue`). */
  readonly overdue: boolean;
  /** Set while a supplement is awaited. */
  readonly pausedAt: string | null;
}

/** The dossier's clock reading at `now`: the pause instant while paused. */
export function clockAt(d: Pick<DossierClock, 'pausedAt'>, now: Date): number {
  return d.pausedAt !== null ? Date.parse(d.pausedAt) : now.getTime();
}

/** Its clock passed `dueAt` (strictly). */
export function duePassed(d: Pick<DossierClock, 'dueAt' | 'pausedAt'>, now: Date): boolean {
  return Date.parse(d.dueAt) < clockAt(d, now);
}

export function isOverdue(d: DossierClock, now: Date): boolean {
  if (isResolved(d.status)) return false;
  return d.overdue || duePassed(d, now);
}
