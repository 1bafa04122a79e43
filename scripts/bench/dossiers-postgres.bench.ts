/**
 * The dossier flow of `dossiers.bench.ts` with the event store on PostgreSQL, beside the same flow
 * on the embedded SQLite store, in one run (issue 15, item 5: PostgreSQL ≥ 0.5 of SQLite).
 * Each dossier is received, then accepted, assigned, sent for supplement, supplemented, completed
 * and delivered (six actions), by 32 concurrent counters at 4 agencies for a fixed time, through
 * the API in process (`app.inject`); read models and the bus are the same SQLite files in both.
 * SQLite runs as the dossiers bench does (synchronous=NORMAL); PostgreSQL with its durable
 * defaults (fsync on, synchronous_commit on), started for the run on loopback. Rounds alternate
 * which store goes first; the ratio is the median of per-round ratios PostgreSQL/SQLite.
 */
import { join } from 'node:path';
import { startDossiersHub, type DossiersHub } from '@lienthong/dossiers/testing';
import { startPostgres } from '@lienthong/testing';
import { atLeast, percentile, round } from './types.js';
import type { BenchContext, BenchReport, Metric } from './types.js';

const WORKERS = 32;
const AGENCIES = ['000.00.12.H40', '000.00.13.H40', '000.00.14.H40', '000.00.15.H40'];
const ACTIONS: Array<[string, object]> = [
  ['accept', {}],
  ['assign', { officer: 'o1' }],
  ['request-supplement', { reason: 'thiếu bản sao' }],
  ['supplement', { components: ['Bản sao'] }],
  ['complete', {}],
  ['deliver-result', {}],
];

export interface FlowResult {
  readonly dossiersPerSecond: number;
  readonly actionP99: number;
}

/** A hub with four agencies, a procedure and a clerk per agency; `flow` runs the counters. */
export async function prepare(hub: DossiersHub): Promise<Array<{ authorization: string }>> {
  for (const a of AGENCIES) await hub.agency(a);
  await hub.publishProcedure('1.004227', 5);
  return Promise.all(AGENCIES.map((a) => hub.staff(a, ['clerk', 'officer', 'leader'])));
}

export async function flow(hub: DossiersHub, staff: ReadonlyArray<{ authorization: string }>, seconds: number): Promise<FlowResult> {
  const actionMs: number[] = [];
  let dossiers = 0;
  const t0 = performance.now();
  const deadline = t0 + seconds * 1000;
  await Promise.all(
    Array.from({ length: WORKERS }, async (_, w) => {
      const agencyId = AGENCIES[w % AGENCIES.length]!;
      const headers = { ...staff[w % AGENCIES.length]!, 'content-type': 'application/json' };
      while (performance.now() < deadline) {
        const r = await hub.inject('POST', '/v1/dossiers', headers, {
          procedureCode: '1.004227',
          agencyId,
          applicant: { name: 'Nguyễn Văn An', idNumber: '001203004005' },
          channel: 'counter',
        });
        if (r.statusCode !== 201) throw new Error(`receive → ${r.statusCode} ${r.body}`);
        const code = (r.json() as { dossierCode: string }).dossierCode;
        for (const [action, body] of ACTIONS) {
          const s = performance.now();
          const a = await hub.inject('POST', `/v1/dossiers/${code}/actions/${action}`, headers, body);
          actionMs.push(performance.now() - s);
          if (a.statusCode !== 200) throw new Error(`${action} → ${a.statusCode} ${a.body}`);
        }
        dossiers++;
      }
    }),
  );
  return {
    dossiersPerSecond: dossiers / ((performance.now() - t0) / 1000),
    actionP99: percentile(
      actionMs.sort((a, b) => a - b),
      99,
    ),
  };
}

function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[mid] ?? 0) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2;
}

export default async function dossiersPostgresBench(ctx: BenchContext): Promise<BenchReport> {
  const seconds = ctx.quick ? 2 : 6;
  const rounds = ctx.quick ? 1 : 3;
  const server = await startPostgres({ durability: 'durable' });
  const hubs: DossiersHub[] = [];
  try {
    const url = await server.createDatabase('dossiers');
    const sqlite = await startDossiersHub({ dataDir: join(ctx.tmpDir, 'sqlite'), overdueIntervalMs: 60_000 });
    hubs.push(sqlite);
    const postgres = await startDossiersHub({
      dataDir: join(ctx.tmpDir, 'postgres'),
      overdueIntervalMs: 60_000,
      env: { LT_EVENTSTORE: url, LT_INIT_SECRETS: '1' },
    });
    hubs.push(postgres);
    const subjects = [
      { name: 'sqlite', hub: sqlite, staff: await prepare(sqlite) },
      { name: 'postgres', hub: postgres, staff: await prepare(postgres) },
    ] as const;
    // Warm-up: code compiled, pools filled; not recorded.
    for (const s of subjects) await flow(s.hub, s.staff, 0.5);

    const results: Record<'sqlite' | 'postgres', FlowResult[]> = { sqlite: [], postgres: [] };
    for (let r = 0; r < rounds; r++) {
      for (const s of r % 2 === 0 ? subjects : [...subjects].reverse()) results[s.name].push(await flow(s.hub, s.staff, seconds));
      ctx.log(
        `round ${r}: PostgreSQL ${results.postgres.at(-1)!.dossiersPerSecond.toFixed(1)} dossiers/s, SQLite ${results.sqlite.at(-1)!.dossiersPerSecond.toFixed(1)} dossiers/s`,
      );
    }
    const best = (name: 'sqlite' | 'postgres'): FlowResult =>
      results[name].reduce((a, b) => (b.dossiersPerSecond > a.dossiersPerSecond ? b : a));
    const metric = (value: number, unit: string): Metric => ({ value: round(value, 1), unit });
    const ratio = median(results.postgres.map((p, i) => p.dossiersPerSecond / (results.sqlite[i]?.dossiersPerSecond || Number.NaN)));
    return {
      name: 'dossiers-postgres',
      metrics: {
        dossiersPerSecond: metric(best('postgres').dossiersPerSecond, 'dossiers/s'),
        actionP99: metric(best('postgres').actionP99, 'ms'),
      },
      baseline: {
        'sqlite.dossiersPerSecond': metric(best('sqlite').dossiersPerSecond, 'dossiers/s'),
        'sqlite.actionP99': metric(best('sqlite').actionP99, 'ms'),
      },
      ratios: { 'dossiersPerSecond/sqlite.dossiersPerSecond': round(ratio) },
      targets: [atLeast('dossier flow: PostgreSQL / SQLite', 0.5, ratio)],
      notes: [
        `${WORKERS} concurrent counters at ${AGENCIES.length} agencies, receipt + ${ACTIONS.length} actions per dossier, ${seconds} s per round, ${rounds} round(s) alternating which store goes first`,
        'SQLite synchronous=NORMAL (as the dossiers bench); PostgreSQL 15 on loopback with durable defaults (fsync on, synchronous_commit on)',
        'metrics/baseline: best round; ratio and target: median of per-round ratios',
      ],
    };
  } finally {
    for (const hub of hubs) await hub.close();
    await server.stop();
  }
}
