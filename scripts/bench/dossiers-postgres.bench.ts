/**
 * The dossier flow of `dossiers.bench.ts` with the event store on PostgreSQL, beside the same flow
 * on the embedded SQLite store, in one run (issue 15, item 5: PostgreSQL ≥ 0.5 of SQLite).
 * Each dossier is received, then accepted, assigned, sent for supplement, supplemented, completed
 * and delivered (six actions), by 32 concurrent counters at 4 agencies for a fixed time, through
 * the API in process (`app.inject`); read models and the bus are the same SQLite files in both.
 * Both stores answer after the commit is on disk: SQLite at LT_SQLITE_SYNC=full (the default),
 * PostgreSQL with its durable defaults (fsync on, synchronous_commit on), started for the run on
 * loopback; SQLite at normal (no fsync per commit) runs beside them for reference. Rounds
 * alternate the order; the ratio is the median of per-round ratios PostgreSQL/SQLite.
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

type Subject = 'sqlite' | 'postgres' | 'sqliteNormal';

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
    // The same durability on both sides: an answer comes after the commit is on disk (SQLite
    // LT_SQLITE_SYNC=full, the default; PostgreSQL fsync and synchronous_commit on). SQLite at
    // normal (no fsync per commit) runs beside them for reference.
    const subjects: Array<{ name: Subject; hub: DossiersHub; staff: Array<{ authorization: string }> }> = [];
    for (const [name, env] of [
      ['sqlite', { LT_SQLITE_SYNC: 'full' }],
      ['postgres', { LT_EVENTSTORE: url, LT_INIT_SECRETS: '1' }],
      ['sqliteNormal', { LT_SQLITE_SYNC: 'normal' }],
    ] as const) {
      const hub = await startDossiersHub({ dataDir: join(ctx.tmpDir, name), overdueIntervalMs: 60_000, env });
      hubs.push(hub);
      subjects.push({ name, hub, staff: await prepare(hub) });
    }
    // Warm-up: code compiled, pools filled; not recorded.
    for (const s of subjects) await flow(s.hub, s.staff, 0.5);

    const results: Record<Subject, FlowResult[]> = { sqlite: [], postgres: [], sqliteNormal: [] };
    for (let r = 0; r < rounds; r++) {
      for (const s of r % 2 === 0 ? subjects : [...subjects].reverse()) results[s.name].push(await flow(s.hub, s.staff, seconds));
      const last = (name: Subject) => results[name].at(-1)!.dossiersPerSecond.toFixed(1);
      ctx.log(
        `round ${r}: PostgreSQL ${last('postgres')} dossiers/s, SQLite full ${last('sqlite')}, SQLite normal ${last('sqliteNormal')}`,
      );
    }
    const best = (name: Subject): FlowResult => results[name].reduce((a, b) => (b.dossiersPerSecond > a.dossiersPerSecond ? b : a));
    const metric = (value: number, unit: string): Metric => ({ value: round(value, 1), unit });
    const ratioTo = (name: Subject) =>
      median(results.postgres.map((p, i) => p.dossiersPerSecond / (results[name][i]?.dossiersPerSecond || Number.NaN)));
    const ratio = ratioTo('sqlite');
    return {
      name: 'dossiers-postgres',
      metrics: {
        dossiersPerSecond: metric(best('postgres').dossiersPerSecond, 'dossiers/s'),
        actionP99: metric(best('postgres').actionP99, 'ms'),
      },
      baseline: {
        'sqlite.dossiersPerSecond': metric(best('sqlite').dossiersPerSecond, 'dossiers/s'),
        'sqlite.actionP99': metric(best('sqlite').actionP99, 'ms'),
        'sqliteNormal.dossiersPerSecond': metric(best('sqliteNormal').dossiersPerSecond, 'dossiers/s'),
      },
      ratios: {
        'dossiersPerSecond/sqlite.dossiersPerSecond': round(ratio),
        'dossiersPerSecond/sqliteNormal.dossiersPerSecond': round(ratioTo('sqliteNormal')),
      },
      targets: [atLeast('dossier flow: PostgreSQL / SQLite (same durability)', 0.5, ratio)],
      notes: [
        `${WORKERS} concurrent counters at ${AGENCIES.length} agencies, receipt + ${ACTIONS.length} actions per dossier, ${seconds} s per round, ${rounds} round(s) alternating the order`,
        'durability alike: SQLite LT_SQLITE_SYNC=full (the default: the WAL fsynced before an append resolves) and PostgreSQL 15 on loopback with its durable defaults (fsync on, synchronous_commit on); the target is against this SQLite',
        'sqliteNormal: SQLite at synchronous=NORMAL (no fsync per commit, as the dossiers bench), for reference; no target',
        'metrics/baseline: best round; ratios and target: median of per-round ratios',
      ],
    };
  } finally {
    for (const hub of hubs) await hub.close();
    await server.stop();
  }
}
