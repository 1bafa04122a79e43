import { handleCommand, isDomainError, type Decider } from '@lienthong/decider';
import type { EventStore } from '@lienthong/event-store';
import type { Logger } from '@lienthong/service-kit';
import { randomUUID } from 'node:crypto';
import type { DossierCommand } from './domain/commands.js';
import type { DossierState } from './domain/dossier-decider.js';
import { DossierStreams, type DossierEvent } from './domain/events.js';
import type { DossierQueueView } from './projections/dossier-queue-view.js';

export interface OverdueSchedulerOptions {
  readonly store: EventStore;
  readonly decider: Decider<DossierState, DossierCommand, DossierEvent>;
  readonly queue: DossierQueueView;
  readonly clock: () => Date;
  readonly logger: Logger;
  /** Longest sleep between scans (default 30 s); it wakes earlier for the next due date. */
  readonly intervalMs?: number;
}

export interface OverdueScheduler {
  /** One scan of the due index; resolves with the number of DossierBecameOverdue appended. */
  runOnce(): Promise<number>;
  start(): void;
  stop(): Promise<void>;
}

const BATCH = 200;

/**
 * Turns the passing of due dates into events. Nothing is kept in memory: each scan reads the
 * due index (the queue read model) and appends through the decider with the revision read, so a
 * repeated scan, a second process or a restart cannot record the same overdue twice: the
 * decider refuses once the dossier is flagged, and a concurrent append fails on the revision.
 */
export function createOverdueScheduler(options: OverdueSchedulerOptions): OverdueScheduler {
  const { store, decider, queue, clock, logger } = options;
  const intervalMs = options.intervalMs ?? 30_000;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> | undefined;
  let stopped = true;

  async function runOnce(): Promise<number> {
    let appended = 0;
    for (;;) {
      const now = clock();
      const codes = queue.dueBefore(now, BATCH);
      let progressed = 0;
      for (const code of codes) {
        try {
          const r = await handleCommand(
            store,
            decider,
            DossierStreams.dossier(code),
            { type: 'MarkOverdue', data: { at: now.toISOString() } },
            {
              correlationId: randomUUID(),
              actor: 'scheduler',
              now,
            },
          );
          appended += r.appended.length;
          progressed += r.appended.length;
        } catch (error) {
          // Refused: already flagged (the read model lags), paused or resolved meanwhile.
          if (!isDomainError(error, 'conflict')) throw error;
        }
      }
      if (codes.length < BATCH || progressed === 0) return appended;
    }
  }

  function schedule(): void {
    if (stopped) return;
    const next = queue.nextDue();
    const untilNext = next ? next.getTime() - clock().getTime() + 1 : intervalMs;
    timer = setTimeout(tick, Math.max(50, Math.min(intervalMs, untilNext)));
    timer.unref();
  }

  function tick(): void {
    running = runOnce()
      .catch((error: unknown) => logger.error({ err: error }, 'overdue scan failed; retrying at the next tick'))
      .finally(schedule);
  }

  return {
    runOnce,
    start() {
      stopped = false;
      tick();
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
