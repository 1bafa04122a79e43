/** Helpers for the dossiers tests (not exported from the package). */
import { randomUUID } from 'node:crypto';
import { directoryModule, type ServiceModuleFactory } from '@lienthong/platform';
import { startTestHub, type TestHub } from '@lienthong/platform/testing';
import { createDossiersModule, type DossiersModuleOptions } from './module.js';

/** Stands in for the catalog: owns its streams so the platform relays them to the bus. */
export const fakeCatalogModule: ServiceModuleFactory = () => ({
  name: 'catalog',
  streamPrefixes: ['procedure-', 'calendar-'],
  register: async () => {},
});

export interface DossiersHub extends TestHub {
  /** `effectiveFrom` (ISO instant) as the catalog records it; absent: as stored before the field existed. */
  publishProcedure(code: string, processingDays: number, at?: Date, version?: number, effectiveFrom?: string): Promise<void>;
  retireProcedure(code: string, version: number, at: Date): Promise<void>;
  setCalendarYear(year: number, holidays: string[], workingDays?: string[]): Promise<void>;
  inject(
    method: 'GET' | 'POST',
    url: string,
    headers?: Record<string, string>,
    payload?: unknown,
  ): Promise<{ statusCode: number; headers: Record<string, unknown>; json(): any; body: string }>; // eslint-disable-line @typescript-eslint/no-explicit-any -- response bodies of many shapes, read by the specs
}

/** `env`: configuration beside the test defaults, e.g. `LT_EVENTSTORE` for a PostgreSQL store. */
export async function startDossiersHub(
  options: DossiersModuleOptions & { dataDir?: string; env?: Record<string, string> } = {},
): Promise<DossiersHub> {
  const { dataDir, env, ...moduleOptions } = options;
  const hub = await startTestHub([directoryModule, fakeCatalogModule, createDossiersModule(moduleOptions)], {
    ...(dataDir ? { dataDir } : {}),
    ...(env ? { env } : {}),
  });
  const replica = () => hub.platform.projections.get('dossiers-catalog-replica')!;
  const append = async (stream: string, type: string, data: unknown, at: Date) => {
    const r = await hub.platform.store.append(stream, [
      { type, data, metadata: { correlationId: randomUUID(), actor: 'admin', at: at.toISOString() } },
    ]);
    await replica().waitFor(r.position);
  };
  return {
    ...hub,
    async publishProcedure(code, processingDays, at = new Date('2020-01-01T00:00:00Z'), version = 1, effectiveFrom) {
      await append(
        `procedure-${code}`,
        'ProcedurePublished',
        {
          code,
          version,
          name: `Thủ tục ${code}`,
          field: 'Hộ tịch',
          agencyLevels: ['district'],
          processingDays,
          fees: [],
          components: [],
          result: null,
          legalBasis: [],
          onlineLevel: 'partial',
          ...(effectiveFrom !== undefined ? { effectiveFrom } : {}),
        },
        at,
      );
    },
    async retireProcedure(code, version, at) {
      await append(`procedure-${code}`, 'ProcedureRetired', { code, version }, at);
    },
    async setCalendarYear(year, holidays, workingDays = []) {
      await append(`calendar-${year}`, 'CalendarYearSet', { year, holidays, workingDays }, new Date('2020-01-01T00:00:00Z'));
    },
    async inject(method, url, headers = {}, payload) {
      return hub.app.inject({ method, url, headers, ...(payload !== undefined ? { payload: payload as object } : {}) });
    },
  };
}

/** A mutable clock for deadline tests. */
export function testClock(start: string) {
  let now = new Date(start);
  return {
    now: () => new Date(now.getTime()),
    set(iso: string) {
      now = new Date(iso);
    },
  };
}
