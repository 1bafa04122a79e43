/** Helpers for the status-tracker tests (not exported from the package). */
import { randomUUID } from 'node:crypto';
import { directoryModule, type ServiceModuleFactory } from '@lienthong/platform';
import { startTestHub, type TestHub } from '@lienthong/platform/testing';
import type { Logger } from '@lienthong/service-kit';
import { createDossiersModule, type DossiersModuleOptions } from '@lienthong/dossiers';
import { createStatusTrackerModule, type StatusTrackerOptions } from '../module.js';
import { TRACKER_PROJECTION } from '../projections/tracker-projection.js';

export const A = '000.00.12.H40';
export const B = '000.00.13.H40';
export const PROCEDURE = '1.004227';

/** Stands in for the catalog (as the dossiers tests do): owns its streams so they reach the bus. */
const fakeCatalogModule: ServiceModuleFactory = () => ({
  name: 'catalog',
  streamPrefixes: ['procedure-', 'calendar-'],
  register: async () => {},
});

type Headers = Record<string, string>;
export interface Reply {
  statusCode: number;
  headers: Record<string, string | string[] | number | undefined>;
  body: string;
  json(): any;
}

export interface TrackerHub extends TestHub {
  publishProcedure(code: string, processingDays: number): Promise<void>;
  /** Receives a dossier at `agencyId` through the dossiers API; waits until the tracker has it. */
  receive(clerk: Headers, agencyId: string, applicantName?: string): Promise<{ dossierCode: string; lookupPin: string; dueAt: string }>;
  act(who: Headers, code: string, action: string, body?: unknown): Promise<Reply>;
  /** Resolves once the tracker's read model has applied every event appended so far. */
  settle(): Promise<void>;
  track(code: string, pin: string, headers?: Headers): Promise<Reply>;
  inject(method: 'GET' | 'POST', url: string, headers?: Headers, payload?: unknown): Promise<Reply>;
}

export async function startTrackerHub(
  options: {
    tracker?: StatusTrackerOptions;
    dossiers?: DossiersModuleOptions;
    dataDir?: string;
    env?: Record<string, string>;
    logger?: Logger;
  } = {},
): Promise<TrackerHub> {
  const hub = await startTestHub(
    [
      directoryModule,
      fakeCatalogModule,
      createDossiersModule({ overdueIntervalMs: 60_000, ...options.dossiers }),
      createStatusTrackerModule(options.tracker),
    ],
    {
      ...(options.dataDir ? { dataDir: options.dataDir } : {}),
      ...(options.env ? { env: options.env } : {}),
      ...(options.logger ? { logger: options.logger } : {}),
    },
  );
  const inject: TrackerHub['inject'] = (method, url, headers = {}, payload) =>
    hub.app.inject({ method, url, headers, ...(payload !== undefined ? { payload: payload as object } : {}) });
  const settle = async () => {
    const head = await hub.platform.store.headPosition();
    await hub.platform.projections.get(TRACKER_PROJECTION)!.waitFor(head);
  };
  return {
    ...hub,
    inject,
    settle,
    async publishProcedure(code, processingDays) {
      const r = await hub.platform.store.append(`procedure-${code}`, [
        {
          type: 'ProcedurePublished',
          data: {
            code,
            version: 1,
            name: `Đăng ký khai sinh ${code}`,
            field: 'Hộ tịch',
            agencyLevels: ['district'],
            processingDays,
            fees: [],
            components: [],
            result: null,
            legalBasis: [],
            onlineLevel: 'partial',
          },
          metadata: { correlationId: randomUUID(), actor: 'admin', at: '2020-01-01T00:00:00.000Z' },
        },
      ]);
      await hub.platform.projections.get('dossiers-catalog-replica')!.waitFor(r.position);
    },
    async receive(clerk, agencyId, applicantName = 'Nguyễn Văn An') {
      const res = await inject('POST', '/v1/dossiers', clerk, {
        procedureCode: PROCEDURE,
        agencyId,
        applicant: { name: applicantName, idNumber: '001203004005', phone: '0901234567' },
        channel: 'counter',
      });
      if (res.statusCode !== 201) throw new Error(`receipt → ${res.statusCode} ${res.body}`);
      await settle();
      return res.json();
    },
    async act(who, code, action, body = {}) {
      const res = await inject('POST', `/v1/dossiers/${code}/actions/${action}`, who, body);
      await settle();
      return res;
    },
    track(code, pin, headers = {}) {
      return inject('GET', `/v1/track/${encodeURIComponent(code)}?pin=${encodeURIComponent(pin)}`, headers);
    },
  };
}

/** A wrong PIN of the right shape, different from `pin`. */
export function otherPin(pin: string): string {
  return pin.replace(/^./, (c) => String((Number(c) + 1) % 10));
}
