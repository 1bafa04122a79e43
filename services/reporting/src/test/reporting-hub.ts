/** Helpers for the reporting tests (not exported from the package). */
import { directoryModule, type ServiceModuleFactory } from '@lienthong/platform';
import { startTestHub, type TestHub } from '@lienthong/platform/testing';
import { createReportingModule, type ReportingModuleOptions } from '../module.js';

export type Headers = Record<string, string>;
export interface Response {
  statusCode: number;
  headers: Record<string, unknown>;
  json(): any;
  body: string;
  rawPayload: Buffer;
}

export interface ReportingHub extends TestHub {
  req(method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, headers?: Headers, payload?: unknown): Promise<Response>;
}

/** A mutable clock. */
export function testClock(start: string) {
  let now = new Date(start);
  return {
    now: () => new Date(now.getTime()),
    set(iso: string) {
      now = new Date(iso);
    },
  };
}

export async function startReportingHub(
  clock: () => Date,
  options: {
    dataDir?: string;
    keepDataDir?: boolean;
    extra?: ServiceModuleFactory[];
    schedulerIntervalMs?: number;
    systemToken?: () => string | undefined;
    /** Ticket and page session lives. */
    login?: Pick<ReportingModuleOptions, 'ticketTtlMs' | 'pageSessionTtlMs'>;
  } = {},
): Promise<ReportingHub> {
  const hub = await startTestHub(
    [
      directoryModule,
      ...(options.extra ?? []),
      createReportingModule({
        clock,
        schedulerIntervalMs: options.schedulerIntervalMs ?? 100,
        ...(options.systemToken ? { systemToken: options.systemToken } : {}),
        ...options.login,
      }),
    ],
    {
      ...(options.dataDir ? { dataDir: options.dataDir } : {}),
      ...(options.keepDataDir ? { keepDataDir: true } : {}),
    },
  );
  return {
    ...hub,
    async req(method, url, headers = {}, payload) {
      return hub.app.inject({
        method,
        url,
        headers,
        ...(payload !== undefined ? { payload: payload as object } : {}),
      }) as Promise<Response>;
    },
  };
}

/** A province, two districts, three communes; a leader and a clerk for each. */
export async function seedTree(hub: ReportingHub) {
  const agency = async (organId: string, name: string, level: string, parentId?: string) => {
    const r = await hub.req('POST', '/v1/admin/agencies', hub.admin, { organId, name, level, ...(parentId ? { parentId } : {}) });
    if (r.statusCode !== 201) throw new Error(`agency ${organId}: ${r.body}`);
  };
  await agency('H40', 'UBND tỉnh Thử Nghiệm', 'province');
  await agency('H40.01', 'UBND huyện Một', 'district', 'H40');
  await agency('H40.02', 'UBND huyện Hai', 'district', 'H40');
  await agency('H40.01.01', 'UBND xã Một Một', 'commune', 'H40.01');
  await agency('H40.01.02', 'UBND xã Một Hai', 'commune', 'H40.01');
  await agency('H40.02.01', 'UBND xã Hai Một', 'commune', 'H40.02');
  const ids = ['H40', 'H40.01', 'H40.02', 'H40.01.01', 'H40.01.02', 'H40.02.01'] as const;
  const leader: Record<string, Headers> = {};
  const clerk: Record<string, Headers> = {};
  for (const id of ids) {
    leader[id] = { authorization: (await hub.staff(id, ['leader'])).authorization };
    clerk[id] = { authorization: (await hub.staff(id, ['clerk'])).authorization };
  }
  return { leader, clerk };
}

/** Indicators of every aggregation and a monthly regime over them. */
export async function seedRegime(hub: ReportingHub, code = 'KTXH') {
  const indicators: Record<string, object> = {
    pop: { name: 'Dân số', unit: 'người', kind: 'integer', aggregation: 'sum' },
    households: { name: 'Số hộ', unit: 'hộ', kind: 'integer', aggregation: 'sum' },
    poorHouseholds: { name: 'Số hộ nghèo', unit: 'hộ', kind: 'integer', aggregation: 'sum' },
    poorShare: {
      name: 'Tỷ lệ hộ nghèo',
      unit: '%',
      kind: 'percent',
      aggregation: 'ratio',
      numerator: 'poorHouseholds',
      denominator: 'households',
      decimals: 2,
    },
    schoolRate: { name: 'Tỷ lệ trẻ đến trường', unit: '%', kind: 'percent', aggregation: 'avg', decimals: 2 },
    minRain: { name: 'Lượng mưa thấp nhất', unit: 'mm', kind: 'number', aggregation: 'min' },
    maxRain: { name: 'Lượng mưa cao nhất', unit: 'mm', kind: 'number', aggregation: 'max' },
    note: { name: 'Ghi chú', unit: '', kind: 'text', aggregation: 'none' },
  };
  for (const [c, body] of Object.entries(indicators)) {
    const r = await hub.req('PUT', `/v1/reporting/indicators/${c}`, hub.admin, body);
    if (r.statusCode !== 201) throw new Error(`indicator ${c}: ${r.body}`);
  }
  const r = await hub.req('PUT', `/v1/reporting/regimes/${code}`, hub.admin, {
    name: 'Báo cáo tình hình kinh tế - xã hội',
    legalBasis: 'Nghị định 09/2019/NĐ-CP',
    frequency: 'monthly',
    indicators: Object.keys(indicators),
    levels: ['commune', 'district', 'province'],
  });
  if (r.statusCode !== 201) throw new Error(`regime: ${r.body}`);
  return Object.keys(indicators);
}
