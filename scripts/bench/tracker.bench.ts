/**
 * Status tracker over loopback HTTP, beside a bare Fastify hello-world route in the same run:
 * 1. citizen lookups (`GET /v1/track/:code?pin=`, 200 with body and ETag) over 200 dossiers;
 * 2. the same lookups revalidated (`If-None-Match` → 304);
 * 3. 10,000 live-board sockets of one agency (opened by a child process, which has its own file
 *    descriptors), held by the hub's board processes (`LT_BOARD_PROCESSES`, default here); after
 *    two warm-up changes, each of 6 changes made through the dossiers API must reach every socket:
 *    latency from the API call to each socket's receipt.
 * The limits are raised for the run (rate limits off in effect); autocannon shares this process.
 */
import { randomUUID } from 'node:crypto';
import Fastify from 'fastify';
import autocannon from 'autocannon';
import { WebSocketServer } from 'ws';
import type { AddressInfo } from 'node:net';
import { createLogger, loadConfig, startProcess } from '@lienthong/service-kit';
import { directoryModule, startPlatform, type ServiceModuleFactory } from '@lienthong/platform';
import { dossiersModule } from '@lienthong/dossiers';
import { createStatusTrackerModule } from '@lienthong/status-tracker';
import { profiled } from './profile.js';
import { atLeast, percentile, round } from './types.js';
import type { BenchContext, BenchReport, Metric, Target } from './types.js';

const A = '000.00.12.H40';
const B = '000.00.13.H40';
const PROCEDURE = '1.004227';
const DOSSIERS = 200;
/** Board changes sent to every socket before the measured ones (see `fanOut`). */
const BOARD_WARM_UPS = 2;
const clientScript = new URL('./board-clients.ts', import.meta.url);

/** Stands in for the catalog: owns `procedure-` so the procedure reaches the dossiers service's replica. */
const catalogStandIn: ServiceModuleFactory = () => ({
  name: 'catalog',
  streamPrefixes: ['procedure-', 'calendar-'],
  register: async () => {},
});

function fire(options: autocannon.Options): Promise<autocannon.Result> {
  return new Promise((resolve, reject) => {
    autocannon(options, (err, result) => (err ? reject(err) : resolve(result)));
  });
}

export default async function trackerBench(ctx: BenchContext): Promise<BenchReport> {
  const seconds = ctx.quick ? 2 : 5;
  const socketCount = Number(process.env.BENCH_BOARD_SOCKETS ?? (ctx.quick ? 2000 : 10_000));
  const config = loadConfig({
    LT_DATA_DIR: ctx.tmpDir,
    LT_ADMIN_TOKEN: 'bench-admin-token-0123456789',
    LT_PORT: '0',
    LT_SQLITE_SYNC: 'normal',
    LT_BOARD_PROCESSES: process.env.LT_BOARD_PROCESSES,
  });
  const tracker = createStatusTrackerModule({ lookupsPerMinute: 1e9, failuresPerWindow: 1e9 });
  const hub = await startPlatform(config, [directoryModule, catalogStandIn, dossiersModule, tracker], {
    title: 'bench',
    logger: createLogger({ level: 'silent' }),
  });
  const bare = Fastify();
  try {
    // 0. two agencies, a procedure, 200 dossiers at A (the lookups), one at B (the board)
    const admin = { authorization: `Bearer ${hub.adminToken}` };
    const inject = async (method: 'GET' | 'POST', url: string, headers: Record<string, string>, payload?: object) => {
      const res = await hub.app.inject({ method, url, headers, ...(payload ? { payload } : {}) });
      if (res.statusCode >= 300) throw new Error(`${method} ${url} → ${res.statusCode} ${res.body}`);
      return res;
    };
    for (const id of [A, B]) await inject('POST', '/v1/admin/agencies', admin, { organId: id, name: `Cơ quan ${id}` });
    const staff = async (agencyId: string, roles: string[]) => ({
      authorization: `Bearer ${(await inject('POST', '/v1/admin/staff', admin, { agencyId, name: 'bench', roles })).json().token}`,
    });
    const clerkA = await staff(A, ['clerk']);
    const clerkB = await staff(B, ['clerk', 'officer']);
    const published = await hub.platform.store.append(`procedure-${PROCEDURE}`, [
      {
        type: 'ProcedurePublished',
        data: {
          code: PROCEDURE,
          version: 1,
          name: 'Đăng ký khai sinh',
          field: 'Hộ tịch',
          agencyLevels: ['district'],
          processingDays: 3,
          fees: [],
          components: [],
          result: null,
          legalBasis: [],
          onlineLevel: 'partial',
        },
        metadata: { correlationId: randomUUID(), actor: 'admin', at: '2020-01-01T00:00:00.000Z' },
      },
    ]);
    await hub.platform.projections.get('dossiers-catalog-replica')!.waitFor(published.position);
    const receive = async (clerk: Record<string, string>, agencyId: string) =>
      (
        await inject('POST', '/v1/dossiers', clerk, {
          procedureCode: PROCEDURE,
          agencyId,
          applicant: { name: 'Nguyễn Văn An' },
          channel: 'counter',
        })
      ).json<{ dossierCode: string; lookupPin: string }>();
    const receipts = [];
    for (let i = 0; i < DOSSIERS; i++) receipts.push(await receive(clerkA, A));
    const watched = await receive(clerkB, B);
    const settle = async () =>
      hub.platform.projections.get('status-tracker-dossiers')!.waitFor(await hub.platform.store.headPosition(), 30_000);
    await settle();
    const paths = receipts.map((r) => `/v1/track/${r.dossierCode}?pin=${r.lookupPin}`);
    const etags = await Promise.all(paths.map(async (p) => (await inject('GET', p, {})).headers.etag as string));
    const address = await hub.app.listen({ port: 0, host: '127.0.0.1' });
    ctx.log(`${DOSSIERS} dossiers; hub at ${address}`);

    // 1-2. lookups (200), revalidations (304), the hub's floor (GET /health/live: the same hooks,
    // no work) and a bare Fastify hello-world, interleaved one second at a time so that load from
    // elsewhere on the machine falls on all four alike; one warm-up round first (JIT).
    bare.get('/hello', async () => ({ hello: 'world' }));
    const bareAddress = await bare.listen({ port: 0, host: '127.0.0.1' });
    // Requests built once (autocannon cycles through them), as for the bare route: a request
    // rebuilt per call would charge the client, which shares this process, to the lookups only.
    const lookups = paths.map((path) => ({ method: 'GET' as const, path }));
    const revalidations = paths.map((path, k) => ({ method: 'GET' as const, path, headers: { 'if-none-match': etags[k]! } }));
    const runs = {
      lookup: () => fire({ url: address, connections: 32, duration: 1, requests: lookups }),
      revalidate: () => fire({ url: address, connections: 32, duration: 1, requests: revalidations }),
      live: () => fire({ url: `${address}/health/live`, connections: 32, duration: 1 }),
      hello: () => fire({ url: `${bareAddress}/hello`, connections: 32, duration: 1 }),
    };
    const totals = { lookup: 0, revalidate: 0, live: 0, hello: 0, lookupNon2xx: 0, lookupP99: 0 };
    for (let round = 0; round <= seconds; round++) {
      const lookup = await profiled('tracker-lookup', runs.lookup);
      const revalidate = await profiled('tracker-304', runs.revalidate);
      const live = await runs.live();
      const hello = await runs.hello();
      if (round === 0) continue; // warm-up
      totals.lookup += lookup['2xx'];
      totals.lookupNon2xx += lookup.non2xx;
      totals.lookupP99 = Math.max(totals.lookupP99, lookup.latency.p99);
      totals.revalidate += revalidate['3xx'];
      totals.live += live['2xx'];
      totals.hello += hello['2xx'];
    }
    const perSecond = (n: number) => n / seconds;
    ctx.log(
      `lookups ${perSecond(totals.lookup)}/s (non-2xx ${totals.lookupNon2xx}), 304 ${perSecond(totals.revalidate)}/s, hub /health/live ${perSecond(totals.live)}/s, bare ${perSecond(totals.hello)}/s`,
    );

    // 3. board sockets in a child process; then the same child code against a bare `ws` server
    // broadcasting a message of the same size: the floor of fanning out to that many sockets here.
    const actions: Array<[string, object]> = [
      ['accept', {}],
      ['assign', {}],
      ['request-supplement', { reason: 'thiếu giấy tờ' }],
      ['supplement', {}],
      ['request-payment', { amount: 100_000 }],
      ['confirm-payment', {}],
    ];
    const changes = { warmUps: BOARD_WARM_UPS, measured: actions.length };
    const board = await fanOut(
      ctx,
      `${address.replace(/^http/, 'ws')}/v1/track/live?agencyId=${B}`,
      clerkB.authorization,
      socketCount,
      changes,
      async (k) => {
        // warm-ups: new dossiers received at B (each a board message); then the measured actions
        if (k < BOARD_WARM_UPS) await receive(clerkB, B);
        else {
          const [action, body] = actions[k - BOARD_WARM_UPS]!;
          await inject('POST', `/v1/dossiers/${watched.dossierCode}/actions/${action}`, clerkB, body);
        }
        await settle();
      },
    );
    const boardMessage = board.sample;
    ctx.log(
      `board: ${board.opened} sockets open in ${Math.round(board.openMs)} ms; changes delivered ${board.delivered.join(', ')}; latency p50 ${round(board.p50, 1)} ms, p99 ${round(board.p99, 1)} ms`,
    );
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise((r) => wss.once('listening', r));
    const bareFanOut = await fanOut(ctx, `ws://127.0.0.1:${(wss.address() as AddressInfo).port}`, '', socketCount, changes, async () => {
      const data = Buffer.from(boardMessage);
      for (const client of wss.clients) client.send(data, { binary: false });
    });
    await new Promise((r) => wss.close(r));
    ctx.log(`bare ws broadcast: latency p50 ${round(bareFanOut.p50, 1)} ms, p99 ${round(bareFanOut.p99, 1)} ms`);
    const { p50, p99, complete } = board;
    const opened = { count: board.opened, failed: board.failed, ms: board.openMs };

    const metrics: Record<string, Metric> = {
      lookupsPerSecond: { value: round(perSecond(totals.lookup), 1), unit: 'requests/s (200 with body and ETag)' },
      notModifiedPerSecond: { value: round(perSecond(totals.revalidate), 1), unit: 'requests/s (304)' },
      lookupP99: { value: totals.lookupP99, unit: 'ms (worst one-second run)' },
      boardSockets: { value: opened.count, unit: 'sockets open at once' },
      boardProcesses: { value: config.boardProcesses, unit: 'processes holding the board sockets (LT_BOARD_PROCESSES)' },
      boardDeliveryP50: { value: round(p50, 1), unit: 'ms from the API call to a socket' },
      boardDeliveryP99: { value: round(p99, 1), unit: 'ms from the API call to a socket' },
    };
    const baseline: Record<string, Metric> = {
      helloPerSecond: { value: round(perSecond(totals.hello), 1), unit: 'requests/s (bare Fastify GET)' },
      hubHealthPerSecond: { value: round(perSecond(totals.live), 1), unit: 'requests/s (GET /health/live on the hub: the platform floor)' },
      bareBroadcastP50: {
        value: round(bareFanOut.p50, 1),
        unit: `ms from a bare ws server's send loop to a socket (${bareFanOut.opened} sockets)`,
      },
      bareBroadcastP99: {
        value: round(bareFanOut.p99, 1),
        unit: `ms from a bare ws server's send loop to a socket (${bareFanOut.opened} sockets)`,
      },
    };
    const ratios = {
      lookups_over_hello: round(metrics.lookupsPerSecond!.value / baseline.helloPerSecond!.value),
      notModified_over_hello: round(metrics.notModifiedPerSecond!.value / baseline.helloPerSecond!.value),
      hubFloor_over_hello: round(baseline.hubHealthPerSecond!.value / baseline.helloPerSecond!.value),
      boardP99_over_bareBroadcastP99: round(p99 / bareFanOut.p99),
    };
    const targets: Target[] = [
      atLeast('lookups per second / bare hello-world', 0.5, ratios.lookups_over_hello),
      atLeast('304 answers per second / bare hello-world', 0.7, ratios.notModified_over_hello),
      atLeast(`board sockets open (of ${socketCount})`, socketCount, opened.failed === 0 ? opened.count : 0),
      { name: 'every change reached every socket (1 = yes)', target: 1, actual: complete ? 1 : 0, met: complete },
      { name: 'p99 board delivery latency, ms (below)', target: 100, actual: round(p99, 1), met: p99 < 100 },
    ];
    return {
      name: 'tracker',
      metrics,
      baseline,
      ratios,
      targets,
      notes: [
        `autocannon, 32 connections, ${seconds} interleaved one-second rounds per route after a warm-up round, over loopback; lookups rotate over ${DOSSIERS} dossiers; autocannon shares the hub's process`,
        `board: ${opened.count} sockets of one agency opened by a child process (${Math.round(opened.ms)} ms) that speaks just enough WebSocket (handshake checked, frames parsed, pings answered: a full client library per socket would load the shared cores more than the server); held by ${config.boardProcesses} board processes; ${BOARD_WARM_UPS} warm-up changes (dossiers received, not counted), then ${actions.length} changes made through POST /v1/dossiers/:code/actions, each waited for; latency = receipt in the child - the API call in the parent (same machine clock); path: dossiers API → event store → relay → in-process bus → tracker read model → IPC → board processes → push`,
        `bare broadcast: the same child against a plain ws server in this process sending the board's message to every socket in one loop (ws.send), with the same warm-ups and changes (what a single Node process pays for this fan-out here)`,
        `rate limits raised for the run (the limiter plugin still runs on every lookup)`,
      ],
    };
  } finally {
    await bare.close();
    await hub.close();
  }
}

interface FanOut {
  readonly opened: number;
  readonly failed: number;
  readonly openMs: number;
  readonly delivered: number[];
  readonly complete: boolean;
  readonly p50: number;
  readonly p99: number;
  /** The first message counted (to size the baseline's alike). */
  readonly sample: string;
}

/**
 * Opens `count` sockets from a child process (its own file descriptors), makes `warmUps` then
 * `measured` changes one at a time (`change(k)`, each let settle for 300 ms), then reports every
 * socket's receipt latency of the measured ones from the moment each was started. The warm-ups
 * reach every socket too but are not counted: the first sends of a fresh process run code not yet
 * compiled by the JIT, as the lookups' warm-up round does.
 */
async function fanOut(
  ctx: BenchContext,
  url: string,
  authorization: string,
  count: number,
  { warmUps, measured }: { warmUps: number; measured: number },
  change: (k: number) => Promise<void>,
): Promise<FanOut> {
  const changes = warmUps + measured;
  const child = startProcess(clientScript);
  const fromChild = <T>(type: string) =>
    new Promise<T>((resolve, reject) => {
      const onMessage = (m: { type: string }) => {
        if (m.type === type) {
          child.off('message', onMessage);
          resolve(m as T);
        }
      };
      child.on('message', onMessage);
      child.once('exit', (code) => reject(new Error(`board clients exited with ${code}`)));
    });
  try {
    const opening = fromChild<{ count: number; failed: number; ms: number }>('opened');
    child.send({ type: 'open', url, authorization, count });
    const opened = await opening;
    if (opened.failed > 0) ctx.log(`${opened.failed} of ${count} sockets failed to open at ${url}`);
    const started: number[] = [];
    for (let k = 0; k < changes; k++) {
      started.push(performance.timeOrigin + performance.now());
      await change(k);
      // let this change reach the sockets before the next one (bounded wait)
      await new Promise((r) => setTimeout(r, 300));
    }
    await new Promise((r) => setTimeout(r, 1000));
    const report = fromChild<{ times: number[][]; sample: string; protocolErrors: number }>('arrivals');
    child.send({ type: 'report' });
    const { times, sample, protocolErrors } = await report;
    if (protocolErrors > 0) ctx.log(`${protocolErrors} sockets cut for frames a server must not send`);
    times.forEach((arrived, k) => {
      const l = arrived.map((at) => at - started[k]!).sort((a, b) => a - b);
      ctx.log(
        `${k < warmUps ? 'warm-up' : 'change'} ${k}: first socket ${round(l[0]!, 1)} ms, p50 ${round(percentile(l, 50), 1)}, p99 ${round(percentile(l, 99), 1)}, last ${round(l.at(-1)!, 1)}`,
      );
    });
    const latencies = times.flatMap((arrived, k) => (k < warmUps ? [] : arrived.map((at) => at - started[k]!))).sort((a, b) => a - b);
    const delivered = times.map((a) => a.length);
    return {
      opened: opened.count,
      failed: opened.failed,
      openMs: opened.ms,
      delivered,
      complete: protocolErrors === 0 && delivered.length === changes && delivered.every((n) => n === opened.count),
      p50: percentile(latencies, 50),
      p99: percentile(latencies, 99),
      sample,
    };
  } finally {
    if (child.connected) child.send({ type: 'exit' });
    await new Promise((r) => (child.exitCode === null ? child.once('exit', r) : r(null)));
  }
}
