import type { Logger } from '@lienthong/service-kit';
import type { ReportingService } from './reporting-service.js';

export interface PeriodSchedulerOptions {
  readonly service: Pick<ReportingService, 'openDuePeriods' | 'markOverdue' | 'nextWake'>;
  readonly clock: () => Date;
  readonly logger: Logger;
  /** Longest sleep between scans (default 60 s); it wakes earlier for the next window start. */
  readonly intervalMs?: number;
}

export interface PeriodScheduler {
  /** One scan: opens the periods whose window has started, flags reports past their due day. */
  runOnce(): Promise<{ opened: string[]; overdue: number }>;
  start(): void;
  stop(): Promise<void>;
}

/**
 * Time as events, in the shape of the dossiers' overdue scheduler: nothing kept in memory, each
 * scan reads the read model and appends through the deciders with the revision read, so a
 * repeated scan, a restart or a second process opens a period once and flags a report once.
 */
export function createPeriodScheduler(options: PeriodSchedulerOptions): PeriodScheduler {
  const { service, clock, logger } = options;
  const intervalMs = options.intervalMs ?? 60_000;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> | undefined;
  let stopped = true;

  async function runOnce() {
    const now = clock();
    const opened = await service.openDuePeriods(now);
    const overdue = await service.markOverdue(now);
    if (opened.length > 0 || overdue > 0) logger.info({ opened, overdue }, 'reporting periods opened, reports flagged overdue');
    return { opened, overdue };
  }

  function schedule(): void {
    if (stopped) return;
    const next = service.nextWake(clock());
    const untilNext = next ? next.getTime() - clock().getTime() + 1 : intervalMs;
    timer = setTimeout(tick, Math.max(50, Math.min(intervalMs, untilNext)));
    timer.unref();
  }

  function tick(): void {
    running = runOnce()
      .catch((error: unknown) => logger.error({ err: error }, 'reporting scan failed; retrying at the next tick'))
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
