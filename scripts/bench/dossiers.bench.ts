/**
 * Dossiers through the API in process (`app.inject`, real SQLite store and read models):
 * each dossier is received, then accepted, assigned, sent for supplement, supplemented,
 * completed and delivered (six actions), by 32 concurrent counters at 4 agencies for a fixed time.
 * Targets: ≥ 200 dossiers/s sustained, p99 < 50 ms per action.
 * Baseline, in the same run and with the same concurrency: the cheapest authenticated
 * request of the same app (`GET /v1/agencies/:organId`: auth + one read-model query).
 */
import { join } from 'node:path';
import { startDossiersHub } from '@lienthong/dossiers/testing';
import { atLeast, round } from './types.js';
import type { BenchContext, BenchReport, Target } from './types.js';
import { profiled } from './profile.js';

const WORKERS = 32;
/** Counters of four agencies: the hub serves many; each agency's codes are still one sequence. */
const AGENCIES = ['000.00.12.H40', '000.00.13.H40', '000.00.14.H40', '000.00.15.H40'];
const AGENCY = AGENCIES[0]!;
const ACTIONS: Array<[string, object]> = [
  ['accept', {}],
  ['assign', { officer: 'o1' }],
  ['request-supplement', { reason: 'thiếu bản sao' }],
  ['supplement', { components: ['Bản sao'] }],
  ['complete', {}],
  ['deliver-result', {}],
];

const percentile = (sorted: readonly number[], p: number): number =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;

export default async function dossiersBench(ctx: BenchContext): Promise<BenchReport> {
  const seconds = ctx.quick ? 2 : 8;
  const hub = await startDossiersHub({ dataDir: join(ctx.tmpDir, 'hub'), overdueIntervalMs: 60_000 });
  try {
    for (const a of AGENCIES) await hub.agency(a);
    await hub.publishProcedure('1.004227', 5);
    const staff = await Promise.all(AGENCIES.map((a) => hub.staff(a, ['clerk', 'officer', 'leader'])));
    const inject = (method: 'GET' | 'POST', url: string, payload?: object, worker = 0) =>
      hub.app.inject({
        method,
        url,
        headers: { ...staff[worker % AGENCIES.length]!, 'content-type': 'application/json' },
        ...(payload ? { payload: JSON.stringify(payload) } : {}),
      });

    // warm-up
    for (let i = 0; i < 20; i++) await inject('GET', `/v1/agencies/${AGENCY}`);

    // 1. dossiers
    const receiveMs: number[] = [];
    const actionMs: number[] = [];
    let dossiers = 0;
    let deadline = performance.now() + seconds * 1000;
    let t0 = performance.now();
    const cpu0 = process.cpuUsage();
    await profiled('dossiers', () =>
      Promise.all(
        Array.from({ length: WORKERS }, async (_, w) => {
          const agencyId = AGENCIES[w % AGENCIES.length]!;
          while (performance.now() < deadline) {
            let s = performance.now();
            const r = await inject(
              'POST',
              '/v1/dossiers',
              { procedureCode: '1.004227', agencyId, applicant: { name: 'Nguyễn Văn An', idNumber: '001203004005' }, channel: 'counter' },
              w,
            );
            receiveMs.push(performance.now() - s);
            if (r.statusCode !== 201) throw new Error(`receive → ${r.statusCode} ${r.body}`);
            const code = r.json<{ dossierCode: string }>().dossierCode;
            for (const [action, body] of ACTIONS) {
              s = performance.now();
              const a = await inject('POST', `/v1/dossiers/${code}/actions/${action}`, body, w);
              actionMs.push(performance.now() - s);
              if (a.statusCode !== 200) throw new Error(`${action} → ${a.statusCode} ${a.body}`);
            }
            dossiers++;
          }
        }),
      ),
    );
    const dossierSeconds = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    const cpuMsPerDossier = (cpu.user + cpu.system) / 1000 / Math.max(1, dossiers);
    const dossiersPerSecond = dossiers / dossierSeconds;
    const requestsPerSecond = (dossiers * (ACTIONS.length + 1)) / dossierSeconds;

    // 2. baseline: the same number of concurrent requests, each the cheapest authenticated read
    const baseMs: number[] = [];
    let requests = 0;
    deadline = performance.now() + seconds * 1000;
    t0 = performance.now();
    await Promise.all(
      Array.from({ length: WORKERS }, async () => {
        while (performance.now() < deadline) {
          const s = performance.now();
          const r = await inject('GET', `/v1/agencies/${AGENCY}`);
          baseMs.push(performance.now() - s);
          if (r.statusCode !== 200) throw new Error(`baseline → ${r.statusCode}`);
          requests++;
        }
      }),
    );
    const baselinePerSecond = requests / ((performance.now() - t0) / 1000);

    // 3. the queue as a counter would poll it, over everything written
    t0 = performance.now();
    for (let i = 0; i < 50; i++) await inject('GET', `/v1/dossiers?status=result-delivered&limit=50`);
    const queueMs = (performance.now() - t0) / 50;

    const sortedActions = [...actionMs].sort((a, b) => a - b);
    const sortedReceive = [...receiveMs].sort((a, b) => a - b);
    const sortedBase = [...baseMs].sort((a, b) => a - b);
    const p99Action = percentile(sortedActions, 99);
    ctx.log(
      `${dossiers} dossiers in ${dossierSeconds.toFixed(1)} s = ${dossiersPerSecond.toFixed(0)}/s; p99 action ${p99Action.toFixed(1)} ms; CPU ${cpuMsPerDossier.toFixed(2)} ms/dossier; baseline ${baselinePerSecond.toFixed(0)} req/s`,
    );
    const targets: Target[] = [
      atLeast('dossiers per second (receipt + six actions)', 200, dossiersPerSecond),
      { name: 'p99 per action (ms)', target: 50, actual: round(p99Action), met: p99Action < 50 },
    ];
    return {
      name: 'dossiers',
      metrics: {
        dossiersPerSecond: { value: round(dossiersPerSecond, 1), unit: 'dossiers/s' },
        requestsPerSecond: { value: Math.round(requestsPerSecond), unit: 'req/s' },
        cpuPerDossier: { value: round(cpuMsPerDossier, 2), unit: 'ms of process CPU (all threads) per dossier' },
        actionP50: { value: round(percentile(sortedActions, 50)), unit: 'ms' },
        actionP99: { value: round(p99Action), unit: 'ms' },
        receiveP50: { value: round(percentile(sortedReceive, 50)), unit: 'ms' },
        receiveP99: { value: round(percentile(sortedReceive, 99)), unit: 'ms' },
        queuePage: { value: round(queueMs), unit: 'ms' },
      },
      baseline: {
        authenticatedReadPerSecond: { value: Math.round(baselinePerSecond), unit: 'req/s' },
        authenticatedReadP99: { value: round(percentile(sortedBase, 99)), unit: 'ms' },
      },
      ratios: { requestsPerSecondVsAuthenticatedRead: round(requestsPerSecond / baselinePerSecond) },
      targets,
      notes: [`${WORKERS} concurrent counters, in process (app.inject), SQLite synchronous=NORMAL, ${dossiers} dossiers`],
    };
  } finally {
    await hub.close();
  }
}
