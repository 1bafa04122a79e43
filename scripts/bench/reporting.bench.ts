/**
 * Reporting (Decree 09) over a province of 12 districts and 180 communes with 60 indicators, on
 * the service's own read model (a real SQLite file, the projection's `apply` fed events):
 * 1. after one commune's correction (reopened, new values, submitted, accepted), the incremental
 *    re-aggregation that applying its `ReportAccepted` does (the commune, its district, the
 *    province), against a full recomputation of the province's 193 aggregates, in the same run;
 *    target: at least 20× faster;
 * 2. the completeness view of the whole province (recursive tree walk, report states, mapped rows)
 *    against a bare SQLite select of the same rows; target: p99 at most 3×.
 */
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { RecordedEvent } from '@lienthong/event-store';
import { recomputePeriod, reportingProjection, reportingView, type ReportingEvent } from '@lienthong/reporting';
import { atLeast, percentile, round } from './types.js';
import type { BenchContext, BenchReport, Target } from './types.js';

const DISTRICTS = 12;
const COMMUNES_PER_DISTRICT = 15;
const INDICATORS = 60;
const REGIME = 'KTXH';
const PERIOD = '2027-01';
const AGGREGATIONS = ['sum', 'avg', 'min', 'max'] as const;

let position = 0;
const revisions = new Map<string, number>();
function recorded(stream: string, event: ReportingEvent): RecordedEvent {
  const revision = (revisions.get(stream) ?? -1) + 1;
  revisions.set(stream, revision);
  position++;
  return {
    id: `e${position}`,
    stream,
    revision,
    position,
    type: event.type,
    data: event.data,
    metadata: {
      correlationId: 'bench',
      causationId: null,
      actor: 'bench',
      at: new Date(Date.UTC(2027, 0, 5, 0, 0, position)).toISOString(),
    },
    hash: '',
  } as unknown as RecordedEvent;
}

export default async function reportingBench(ctx: BenchContext): Promise<BenchReport> {
  const db = new Database(join(ctx.tmpDir, 'reporting.sqlite'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  reportingProjection.init(db);
  const apply = (stream: string, event: ReportingEvent) => reportingProjection.apply(db, recorded(stream, event));
  const at = '2027-01-05T00:00:00.000Z';

  // 1. the province: indicators, a regime, an opened period owing 193 reports
  const codes = Array.from({ length: INDICATORS }, (_, i) => `ct${String(i + 1).padStart(2, '0')}`);
  const agencies: { agencyId: string; name: string; level: 'province' | 'district' | 'commune'; parentId: string | null }[] = [
    { agencyId: 'P', name: 'Tỉnh', level: 'province', parentId: null },
  ];
  const communes: { id: string; district: string }[] = [];
  for (let d = 1; d <= DISTRICTS; d++) {
    const district = `P.${String(d).padStart(2, '0')}`;
    agencies.push({ agencyId: district, name: `Huyện ${d}`, level: 'district', parentId: 'P' });
    for (let c = 1; c <= COMMUNES_PER_DISTRICT; c++) {
      const id = `${district}.${String(c).padStart(2, '0')}`;
      agencies.push({ agencyId: id, name: `Xã ${d}.${c}`, level: 'commune', parentId: district });
      communes.push({ id, district });
    }
  }
  const values = (seed: number) => Object.fromEntries(codes.map((c, i) => [c, (seed * 7 + i * 13) % 1000]));
  const key = (agencyId: string) => ({ regime: REGIME, period: PERIOD, agencyId });
  const stream = (agencyId: string) => `report-${REGIME}/${PERIOD}/${agencyId}`;
  db.transaction(() => {
    codes.forEach((code, i) =>
      apply(`indicator-${code}`, {
        type: 'IndicatorPublished',
        data: {
          code,
          version: 1,
          at,
          name: `Chỉ tiêu ${i + 1}`,
          unit: 'đơn vị',
          kind: 'number',
          aggregation: AGGREGATIONS[i % 4]!,
          numerator: null,
          denominator: null,
          decimals: 2,
        },
      }),
    );
    apply(`regime-${REGIME}`, {
      type: 'RegimePublished',
      data: {
        code: REGIME,
        version: 1,
        at,
        name: 'KT-XH',
        legalBasis: 'NĐ 09/2019',
        frequency: 'monthly',
        indicators: codes,
        levels: ['commune', 'district', 'province'],
        submitBy: {},
        cutOff: null,
      },
    });
    apply(`reportperiod-${REGIME}/${PERIOD}`, {
      type: 'PeriodOpened',
      data: {
        regime: REGIME,
        regimeVersion: 1,
        period: PERIOD,
        frequency: 'monthly',
        window: { from: '2026-12-15', to: '2027-01-14' },
        submitBy: { commune: '2027-01-16', district: '2027-01-18', province: '2027-01-20' },
        indicators: codes,
        agencies,
        openedAt: at,
      },
    });
    // every commune drafts, submits and is accepted; every district is accepted on its communes
    communes.forEach(({ id }, n) => {
      apply(stream(id), { type: 'ValuesDrafted', data: { ...key(id), values: values(n), by: 's', at } });
      apply(stream(id), { type: 'ReportSubmitted', data: { ...key(id), by: 's', at, onTime: true } });
      apply(stream(id), { type: 'ReportAccepted', data: { ...key(id), by: 'p', at } });
    });
    for (const a of agencies.filter((x) => x.level === 'district')) {
      apply(stream(a.agencyId), { type: 'ReportSubmitted', data: { ...key(a.agencyId), by: 's', at, onTime: true } });
      apply(stream(a.agencyId), { type: 'ReportAccepted', data: { ...key(a.agencyId), by: 'p', at } });
    }
  })();
  ctx.log(`province of ${agencies.length} agencies, ${INDICATORS} indicators, ${communes.length * 3 + DISTRICTS * 2} report events`);

  // 2. corrections: reopen, new values, submit (untimed), then the timed acceptance (incremental) or full recomputation
  const rounds = ctx.quick ? 30 : 200;
  let seed = 10_000;
  const correct = (commune: string) => {
    apply(stream(commune), { type: 'ReportReopened', data: { ...key(commune), by: 'p', at, reason: 'đính chính' } });
    apply(stream(commune), { type: 'ValuesDrafted', data: { ...key(commune), values: values(seed++), by: 's', at } });
    apply(stream(commune), { type: 'ReportSubmitted', data: { ...key(commune), by: 's', at, onTime: true } });
  };
  const incremental: number[] = [];
  const full: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const commune = communes[(r * 37) % communes.length]!.id;
    db.transaction(() => correct(commune))();
    let t0 = performance.now();
    db.transaction(() => apply(stream(commune), { type: 'ReportAccepted', data: { ...key(commune), by: 'p', at } }))();
    incremental.push(performance.now() - t0);
    // the same correction once more, recomputed the full way
    db.transaction(() => {
      correct(commune);
      // accept without the projection's incremental path: the report row only
      db.prepare(`UPDATE reports SET state = 'accepted', ever_accepted = 1 WHERE regime = ? AND period = ? AND agency_id = ?`).run(
        REGIME,
        PERIOD,
        commune,
      );
    })();
    t0 = performance.now();
    db.transaction(() => recomputePeriod(db, REGIME, PERIOD, at, 'full'))();
    full.push(performance.now() - t0);
  }
  const view = reportingView(() => db);
  const province = view.aggregate(REGIME, PERIOD, 'P');
  if (!province || province.missing.length > 0 || province.sources.length !== DISTRICTS)
    throw new Error(`the province aggregate is wrong: ${JSON.stringify(province?.missing)}`);

  // 3. the completeness view of the whole province against a bare select of the same rows
  const bare = db.prepare(
    `SELECT a.agency_id, a.name, a.level, a.parent_id, r.state, r.submitted_at, r.on_time, r.overdue FROM period_agencies a
     LEFT JOIN reports r ON r.regime = a.regime AND r.period = a.period AND r.agency_id = a.agency_id WHERE a.regime = ? AND a.period = ?`,
  );
  const calls = ctx.quick ? 300 : 3000;
  const timeIt = (fn: () => unknown) => {
    for (let i = 0; i < 50; i++) fn();
    const samples: number[] = [];
    for (let i = 0; i < calls; i++) {
      const t0 = performance.now();
      fn();
      samples.push(performance.now() - t0);
    }
    return samples.sort((a, b) => a - b);
  };
  // interleaved halves so that machine noise falls on both alike
  const statusSamples: number[] = [];
  const bareSamples: number[] = [];
  for (let half = 0; half < 2; half++) {
    statusSamples.push(...timeIt(() => view.status(REGIME, PERIOD, null)));
    bareSamples.push(...timeIt(() => bare.all(REGIME, PERIOD)));
  }
  statusSamples.sort((a, b) => a - b);
  bareSamples.sort((a, b) => a - b);
  if (view.status(REGIME, PERIOD, null).length !== agencies.length) throw new Error('the status view misses agencies');
  db.close();

  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const incMs = mean(incremental);
  const fullMs = mean(full);
  const statusP99 = percentile(statusSamples, 99);
  const bareP99 = percentile(bareSamples, 99);
  const speedup = fullMs / incMs;
  const targets: Target[] = [
    atLeast('incremental re-aggregation vs full recomputation (×, ≥ 20)', 20, speedup),
    { name: 'status view p99 / bare select p99 (≤ 3)', target: 3, actual: round(statusP99 / bareP99), met: statusP99 / bareP99 <= 3 },
  ];
  return {
    name: 'reporting',
    metrics: {
      incrementalReaggregationMeanMs: { value: round(incMs), unit: 'ms' },
      incrementalReaggregationP99Ms: {
        value: round(
          percentile(
            [...incremental].sort((a, b) => a - b),
            99,
          ),
        ),
        unit: 'ms',
      },
      statusViewP50Ms: { value: round(percentile(statusSamples, 50)), unit: 'ms' },
      statusViewP99Ms: { value: round(statusP99), unit: 'ms' },
    },
    baseline: {
      fullRecomputationMeanMs: { value: round(fullMs), unit: 'ms' },
      bareSelectP50Ms: { value: round(percentile(bareSamples, 50)), unit: 'ms' },
      bareSelectP99Ms: { value: round(bareP99), unit: 'ms' },
    },
    ratios: { fullOverIncremental: round(speedup), statusOverBareP99: round(statusP99 / bareP99) },
    targets,
    notes: [
      `${agencies.length} agencies (1 province, ${DISTRICTS} districts, ${communes.length} communes), ${INDICATORS} indicators of sum/avg/min/max; ${rounds} corrections`,
      'incremental: the ReportAccepted apply of a corrected commune (its report row, then its aggregate, its district, the province); full: every aggregate of the period recomputed from the reports, leaves first',
    ],
  };
}
