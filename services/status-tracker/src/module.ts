import type { ServiceModuleFactory } from '@lienthong/platform';
import { loadSecret, pinVerifier } from '@lienthong/dossier-contract';
import { createSocketErrorReporter, createTicketStore } from '@lienthong/service-kit';
import { boardChange, boardSnapshot } from './board-messages.js';
import { createChangeFanOut } from './change-fan-out.js';
import { liveRoutes, type BoardGrant } from './http/live-routes.js';
import { lookupRoutes } from './http/lookup-routes.js';
import { pageRoutes } from './http/pages.js';
import { startBoardProcesses } from './live/board-processes.js';
import { createLiveBoard } from './live/live-board.js';
import { createLookup } from './lookup.js';
import { createTrackerProjection } from './projections/tracker-projection.js';
import { trackerView } from './projections/tracker-view.js';

export interface StatusTrackerOptions {
  /** "Now" for overdue and on-time answers (tests move it). */
  readonly clock?: () => Date;
  /** Lookups per client IP per minute (default 60). */
  readonly lookupsPerMinute?: number;
  /** Not-found lookups per client IP in `failureWindowMs` before it is refused (default 10 in 15 min). */
  readonly failuresPerWindow?: number;
  readonly failureWindowMs?: number;
  /** Life of a board ticket (default 60 s). */
  readonly ticketTtlMs?: number;
  /** Board ping period (default 20 s). */
  readonly heartbeatMs?: number;
  /** Send buffer over which a board socket is dropped (default 1 MiB). */
  readonly maxBufferedBytes?: number;
  /** Open dossiers sent in a board snapshot (default 2,000). */
  readonly snapshotLimit?: number;
  /** Processes holding the board's sockets; 0 = this process (default: `LT_BOARD_PROCESSES`). */
  readonly boardProcesses?: number;
}

/**
 * Status tracker (tra cứu hồ sơ) for citizens and the counters' live board, fed by the dossiers
 * service's events over the bus: it never calls that service.
 */
export function createStatusTrackerModule(options: StatusTrackerOptions = {}): ServiceModuleFactory {
  return async (platform) => {
    const clock = options.clock ?? (() => new Date());
    const snapshotLimit = options.snapshotLimit ?? 2000;
    const logger = platform.logger.child({ component: 'status-tracker' });
    const { metrics } = platform;
    const boardOptions = {
      heartbeatMs: options.heartbeatMs ?? 20_000,
      maxBufferedBytes: options.maxBufferedBytes ?? 1024 * 1024,
      logger,
      onDrop: (reason: 'slow' | 'dead') => metrics.websocketsDropped.inc({ endpoint: '/v1/track/live', reason }),
    };
    const processes = options.boardProcesses ?? platform.config.boardProcesses;
    // The board's clients send nothing but pongs and close frames.
    // In this process, the HTTP app reports its sockets' errors; board processes pass theirs here.
    const reportSocketError = createSocketErrorReporter({ logger, metrics });
    const board =
      processes > 0
        ? startBoardProcesses({
            ...boardOptions,
            processes,
            maxPayload: 64 * 1024,
            onSocketError: (error) => reportSocketError('/v1/track/live', error),
          })
        : createLiveBoard(boardOptions);
    metrics.countSockets('/v1/track/live', () => board.stats().clients);
    // Changes are published after the read model's transaction committed (a snapshot taken since
    // already shows the change); history replayed by rebuilds and restarts is not announced.
    const changes = createChangeFanOut();
    const projection = createTrackerProjection(changes.publish);
    const runner = await platform.projection(projection, {
      kind: 'bus',
      bus: platform.bus,
      durable: 'status-tracker-dossiers',
      services: ['dossiers'],
    });
    const view = trackerView(() => runner.db());
    const lookup = createLookup({ view, verifyPin: pinVerifier(platform.config.secretsDir), clock });
    changes.subscribe((change) => lookup.forget(change.dossierCode));
    changes.subscribe((change, db) => {
      const agencies = [change.agencyId, ...(change.previousAgencyId ? [change.previousAgencyId] : [])].filter((a) => board.watching(a));
      if (agencies.length === 0) return;
      const dossier = trackerView(() => db).find(change.dossierCode);
      if (!dossier) return;
      const message = boardChange(dossier, change, clock());
      for (const agencyId of agencies) board.publish(agencyId, message);
    });
    // signed with a key of the deployment's secrets: a ticket issued by one replica opens a board on any
    const tickets = createTicketStore<BoardGrant>({
      use: 'board-ticket',
      secret: loadSecret(platform.config.secretsDir, 'pin-hmac'),
      ttlMs: options.ticketTtlMs ?? 60_000,
    });
    return {
      name: 'status-tracker',
      streamPrefixes: [],
      register: async (app) => {
        await app.register(lookupRoutes, {
          lookup,
          limits: {
            perMinute: options.lookupsPerMinute ?? 60,
            failures: options.failuresPerWindow ?? 10,
            failureWindowMs: options.failureWindowMs ?? 15 * 60_000,
          },
        });
        await app.register(liveRoutes, {
          board,
          tickets,
          directory: platform.directory,
          sessions: platform.sessions,
          snapshot: (agencyId: string) => boardSnapshot(agencyId, view.open(agencyId, snapshotLimit + 1), snapshotLimit, clock()),
        });
        await app.register(pageRoutes);
      },
      stop: async () => {
        await board.close();
      },
    };
  };
}

export const statusTrackerModule: ServiceModuleFactory = createStatusTrackerModule();
