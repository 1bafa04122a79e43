/**
 * Outbound connectors (issue 17), a webhook connector delivering to a receiver on loopback (a
 * child process, `connectors-receiver.ts`), beside a bare HTTP POST loop to the same receiver in
 * the same run:
 * 1. throughput, in rounds alternating with the baseline: 5,000 events over 1,000 dossiers wait in
 *    the store while the connector is paused; from the resume to the receiver holding them all
 *    (read from the store, signed as Standard Webhooks, posted in 16 lanes, checkpointed; the
 *    receiver answers the moment the last one arrives): events/s. Baseline: 16 loops POSTing
 *    bodies of the same size over node:http keep-alive sockets (the same concurrency), requests/s.
 *    Target: at least 0.5 of the bare loop. Each round logs the CPU this process spent per event.
 *    `BENCH_CPU_PROF=<dir>`: a CPU profile of every round, both sides.
 * 2. lag at a steady 200 events/s: each event carries the time it was appended; the receiver
 *    measures append → arrival. Target: p99 below 1 s. Baseline: the bare POST's own latency at
 *    the same rate.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { Agent, request } from 'node:http';
import { fileURLToPath } from 'node:url';
import { createLogger, loadConfig } from '@lienthong/service-kit';
import { startPlatform } from '@lienthong/platform';
import { connectorsModule } from '@lienthong/connectors';
import { profiled } from './profile.js';
import { atLeast, percentile, round } from './types.js';
import type { BenchContext, BenchReport } from './types.js';

const receiverScript = fileURLToPath(new URL('./connectors-receiver.ts', import.meta.url));
const LANES = 16;
const RATE = 200;

interface ReceiverStats {
  readonly distinct: number;
  readonly requests: number;
  readonly lags: number[];
  /** Date.now() at the arrival of the first and of the latest new id since the reset. */
  readonly firstAt: number;
  readonly lastAt: number;
}

/** The receiver child: its port, and its counters on request. */
async function startReceiver(): Promise<{
  port: number;
  ask<T>(type: string, message?: object, answer?: string): Promise<T>;
  child: ChildProcess;
}> {
  const child = fork(receiverScript, [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const next = <T>(type: string) =>
    new Promise<T>((resolve, reject) => {
      const onMessage = (m: { type: string }) => {
        if (m.type !== type) return;
        child.off('message', onMessage);
        child.off('exit', onExit);
        resolve(m as T);
      };
      const onExit = (code: number | null) => reject(new Error(`bench receiver exited with ${code}`));
      child.on('message', onMessage);
      child.once('exit', onExit);
    });
  const { port } = await next<{ port: number }>('listening');
  return {
    port,
    child,
    ask<T>(type: string, message: object = {}, answer: string = type) {
      const answered = next<T>(answer);
      child.send({ ...message, type });
      return answered;
    },
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** One bare POST on a keep-alive agent; resolves on the answer's end. */
function post(agent: Agent, port: number, id: string, body: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path: '/hook',
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'x-bench-id': id },
      },
      (res) => {
        res.resume();
        res.on('end', resolve);
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** A body shaped as the webhook's `{type, id, position, stream, data}`. */
function bodyOf(i: number, sentAt?: number): string {
  return JSON.stringify({
    type: 'DossierAccepted',
    id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
    position: i,
    stream: `dossier-000.00.12.H40-270105-${String(i % 1000).padStart(4, '0')}`,
    data: {
      dossierCode: `000.00.12.H40-270105-${String(i % 1000).padStart(4, '0')}`,
      agencyId: '000.00.12.H40',
      statusCode: 2,
      seq: i,
      sentAt,
    },
  });
}

export default async function connectorsBench(ctx: BenchContext): Promise<BenchReport> {
  const rounds = ctx.quick ? 2 : 4;
  const perRound = 5_000;
  const steadySeconds = ctx.quick ? 3 : 10;
  process.env.LT_CONNECTORS_ALLOW_LOOPBACK = '1';
  process.env.LT_CONNECTORS_CONCURRENCY = String(LANES);
  const config = loadConfig({
    LT_DATA_DIR: ctx.tmpDir,
    LT_ADMIN_TOKEN: 'bench-admin-token-0123456789',
    LT_PORT: '0',
    LT_SQLITE_SYNC: 'normal',
  });
  const receiver = await startReceiver();
  const hub = await startPlatform(config, [connectorsModule], { title: 'bench', logger: createLogger({ level: 'silent' }) });
  const agent = new Agent({ keepAlive: true, maxSockets: LANES });
  try {
    const admin = { authorization: `Bearer ${hub.adminToken}` };
    const inject = async (method: 'GET' | 'POST', url: string, payload?: object) => {
      const res = await hub.app.inject({ method, url, headers: admin, ...(payload ? { payload } : {}) });
      if (res.statusCode >= 300) throw new Error(`${method} ${url} → ${res.statusCode} ${res.body}`);
      return res;
    };
    await inject('POST', '/v1/admin/connectors', { connectorId: 'bench', kind: 'webhook', url: `http://127.0.0.1:${receiver.port}/hook` });
    const meta = () => ({ correlationId: 'bench', actor: 'bench', at: new Date().toISOString() });
    // the receiver answers as soon as it holds `count` distinct ids (no polling: the round ends with its last delivery)
    const waitFor = async (count: number, limitMs: number) => {
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          receiver.ask<ReceiverStats>('stats').then((stats) => reject(new Error(`receiver has ${stats.distinct} of ${count}`)), reject);
        }, limitMs);
      });
      try {
        return await Promise.race([receiver.ask<ReceiverStats>('expect', { count }, 'reached'), late]);
      } finally {
        clearTimeout(timer);
      }
    };

    // 1. rounds of the same work both ways, in alternating order, so that load from elsewhere on
    // the machine falls on both alike: `perRound` bare POSTs over LANES loops; `perRound` events
    // (1,000 dossiers × 5) appended while the connector is paused, timed from the resume to the
    // receiver holding them all
    const cpuPerEvent = (since: NodeJS.CpuUsage) => {
      const used = process.cpuUsage(since);
      return Math.round((used.user + used.system) / perRound);
    };
    let bareSeconds = 0;
    let engineSeconds = 0;
    let requests = 0;
    let sent = 0;
    const bareRound = async () => {
      let next = 0;
      const started = performance.now();
      const cpu = process.cpuUsage();
      await profiled(`connectors-bare-${sent / perRound}`, () =>
        Promise.all(
          Array.from({ length: LANES }, async () => {
            while (next < perRound) {
              const i = sent + next++;
              await post(agent, receiver.port, `b${i}`, bodyOf(i));
            }
          }),
        ),
      );
      const seconds = (performance.now() - started) / 1000;
      ctx.log(`bare round: ${perRound} in ${seconds.toFixed(2)} s, ${cpuPerEvent(cpu)} µs CPU per request in this process`);
      bareSeconds += seconds;
      sent += perRound;
    };
    let engineRounds = 0;
    const engineRound = async () => {
      await inject('POST', '/v1/admin/connectors/bench/pause');
      await receiver.ask('reset');
      for (let k = 0; k < perRound / 1000; k++)
        for (let d = 0; d < 1000; d++) {
          const stream = `dossier-000.00.12.H40-27010${engineRounds}-${String(d).padStart(4, '0')}`;
          await hub.platform.store.append(stream, [
            {
              type: 'DossierAccepted',
              data: { dossierCode: stream.slice(8), agencyId: '000.00.12.H40', statusCode: 2, seq: k },
              metadata: meta(),
            },
          ]);
        }
      const started = performance.now();
      const startedAt = Date.now();
      const cpu = process.cpuUsage();
      await inject('POST', '/v1/admin/connectors/bench/resume');
      const stats = await profiled(`connectors-throughput-${engineRounds}`, () => waitFor(perRound, 300_000));
      const seconds = (performance.now() - started) / 1000;
      ctx.log(
        `connector round: ${perRound} in ${seconds.toFixed(2)} s (first delivery ${stats.firstAt - startedAt} ms after the resume, last ${stats.lastAt - stats.firstAt} ms after the first), ${cpuPerEvent(cpu)} µs CPU per event in the hub`,
      );
      engineSeconds += seconds;
      requests += stats.requests;
      engineRounds++;
    };
    // 0. one untimed round of each first (JIT, sockets), so that neither side's first round is cold
    await bareRound();
    await engineRound();
    bareSeconds = 0;
    engineSeconds = 0;
    requests = 0;
    for (let r = 0; r < rounds; r++) {
      if (r % 2 === 0) {
        await bareRound();
        await engineRound();
      } else {
        await engineRound();
        await bareRound();
      }
    }
    const events = perRound * rounds;
    const barePerSecond = events / bareSeconds;
    const perSecond = events / engineSeconds;
    ctx.log(`bare POST loop: ${events} in ${bareSeconds.toFixed(2)} s = ${Math.round(barePerSecond)}/s`);
    ctx.log(`connector: ${events} in ${engineSeconds.toFixed(2)} s = ${Math.round(perSecond)}/s (${requests} requests)`);

    // 2a. the connector at a steady 200 events/s
    await receiver.ask('reset');
    const steady = RATE * steadySeconds;
    const t0 = performance.now();
    for (let i = 0; i < steady; i++) {
      const due = t0 + (i * 1000) / RATE;
      const wait = due - performance.now();
      if (wait > 0) await sleep(wait);
      const stream = `dossier-000.00.12.H40-270106-${String(i % 200).padStart(4, '0')}`;
      await hub.platform.store.append(stream, [
        {
          type: 'DossierAssigned',
          data: { dossierCode: stream.slice(8), agencyId: '000.00.12.H40', statusCode: 4, sentAt: Date.now() },
          metadata: meta(),
        },
      ]);
    }
    const paced = await waitFor(steady, 60_000);
    const lagP50 = percentile(paced.lags, 50);
    const lagP99 = percentile(paced.lags, 99);
    const lagMax = paced.lags[paced.lags.length - 1] ?? Number.NaN;
    ctx.log(`lag at ${RATE}/s: p50 ${lagP50} ms, p99 ${lagP99} ms, max ${lagMax} ms`);

    // 2b. the bare POST at the same rate: its own latency
    const bareLatencies: number[] = [];
    const inFlight: Promise<void>[] = [];
    const t1 = performance.now();
    for (let i = 0; i < steady; i++) {
      const due = t1 + (i * 1000) / RATE;
      const wait = due - performance.now();
      if (wait > 0) await sleep(wait);
      const sent = performance.now();
      inFlight.push(
        post(agent, receiver.port, `p${i}`, bodyOf(i, Date.now())).then(() => void bareLatencies.push(performance.now() - sent)),
      );
    }
    await Promise.all(inFlight);
    bareLatencies.sort((a, b) => a - b);
    const bareP99 = percentile(bareLatencies, 99);

    const ratio = perSecond / barePerSecond;
    return {
      name: 'connectors',
      metrics: {
        deliveredPerSecond: { value: round(perSecond, 0), unit: 'events/s' },
        lagP50At200PerSecond: { value: lagP50, unit: 'ms' },
        lagP99At200PerSecond: { value: lagP99, unit: 'ms' },
        lagMaxAt200PerSecond: { value: lagMax, unit: 'ms' },
      },
      baseline: {
        barePostsPerSecond: { value: round(barePerSecond, 0), unit: 'requests/s' },
        barePostP99At200PerSecond: { value: round(bareP99, 1), unit: 'ms' },
      },
      ratios: { deliveredPerBarePost: round(ratio) },
      targets: [
        atLeast('delivered/s over bare POSTs/s (at least)', 0.5, ratio),
        { name: `lag p99 at a steady ${RATE} events/s, ms (below)`, target: 1000, actual: lagP99, met: lagP99 < 1000 },
      ],
      notes: [
        `${rounds} rounds of ${perRound} events over 1000 dossiers (bare loop and connector alternating), ${LANES} lanes and ${LANES} bare loops, one receiver process on loopback`,
        `steady run: ${steady} events over ${steadySeconds} s on 200 dossiers; lag = append → arrival at the receiver`,
      ],
    };
  } finally {
    agent.destroy();
    await hub.close();
    receiver.child.disconnect();
  }
}
