import type { WorkingCalendar } from '@lienthong/calendar';
import type { ResumedClock, StartedClock } from './commands.js';
import type { DossierState } from './dossier-decider.js';

/**
 * The calendar's answers that dossier commands carry. The command handler asks them of the
 * calendar as it is at decision time and puts them in the command, so the decider stays pure:
 * a replay of the command decides the same events whatever the calendar says later.
 */

/** The due date of a receipt: `receivedAt` plus the procedure's processing days, in working days. */
export function receiptDueAt(calendar: WorkingCalendar, receivedAt: Date, processingDays: number): string {
  return calendar.addWorkingDays(receivedAt, processingDays).toISOString();
}

/**
 * Resuming a paused dossier at `at`: the office time the clock stood still since the supplement
 * was requested, and both due dates moved by it. Undefined when the clock is not paused.
 */
export function resumedClock(calendar: WorkingCalendar, state: DossierState, at: Date): ResumedClock | undefined {
  if (!state.received || state.pausedAt === null) return undefined;
  const pausedAt = new Date(state.pausedAt);
  return {
    pausedWorkingMs: Math.max(0, calendar.workingTimeBetween(pausedAt, at)),
    dueAt: calendar.extendByPausedTime(new Date(state.dueAt), pausedAt, at).toISOString(),
    legalDueAt: calendar.extendByPausedTime(new Date(state.legalDueAt), pausedAt, at).toISOString(),
  };
}

/**
 * Accepting an online dossier at `at` starts its legal clock (SPEC §7: from valid receipt): both due
 * dates are `at` plus the processing days. Undefined for other channels (their clock started at receipt).
 */
export function startedClock(calendar: WorkingCalendar, state: DossierState, at: Date): StartedClock | undefined {
  if (!state.received || state.channel !== 'online' || state.status !== 'new') return undefined;
  const dueAt = calendar.addWorkingDays(at, state.processingDays).toISOString();
  return { dueAt, legalDueAt: dueAt };
}
