/**
 * Documents routed end to end over loopback HTTP: an 8 KB edXML package (one attachment, unique
 * per document) sent to two recipients, each delivery pushed over a WebSocket and acked on it.
 * 1. throughput: autocannon at full speed; a document counts once both of its acks are recorded;
 * 2. latency: a constant 500 documents/s (one request due every 2 ms, latency counted from when
 *    it was due), p99 of the submit (POST → 202); autocannon's `overallRate` (each connection's
 *    per-second quota sent back to back: bursts at full speed) beside it as context;
 * beside the floor pipeline (`documents-floor.ts`: the least any implementation must do, plainly,
 * with the same libraries) and a bare Fastify route (parse-free 202), driven the same way in the
 * same run. Targets relative to the floor: routed/s at least half its, CPU per document at most
 * twice its, p99 at a constant half of its capacity under 50 ms, GC under 5 % of the run.
 * `BENCH_SYNC=normal` runs the store at synchronous=NORMAL; `BENCH_SAME_ATTACHMENT=1` sends one
 * attachment content for every document (stored once), to see the cost of the blob writes.
 */
import { fork } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { PerformanceObserver, monitorEventLoopDelay, type PerformanceEntry } from 'node:perf_hooks';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Fastify from 'fastify';
import type autocannon from 'autocannon';
import { createLogger, loadConfig } from '@lienthong/service-kit';
import { directoryModule, startPlatform } from '@lienthong/platform';
import { documentRoutingModule } from '@lienthong/document-routing';
import { RECIPIENTS, SENDER, type FireResult, type Pace } from './documents-client.js';
import { atLeast, round } from './types.js';
import type { BenchContext, BenchReport, Metric, Target } from './types.js';
import { profiled } from './profile.js';
import { startFloor } from './documents-floor.js';

const clientScript = fileURLToPath(new URL('./documents-client.ts', import.meta.url));

/**
 * Bytes this process has sent to the storage layer so far (Linux `/proc/self/io` `write_bytes`:
 * pages dirtied in files, all threads), or null where the kernel does not tell.
 */
function storageWrites(): number | null {
  try {
    const line = /^write_bytes: (\d+)$/m.exec(readFileSync('/proc/self/io', 'utf8'));
    return line ? Number(line[1]) : null;
  } catch {
    return null;
  }
}

/**
 * `BENCH_HEAP_PROF=<dir>`: where the measured phase allocates (a sampling heap profile that keeps
 * the objects GC collected too: allocation, not retention), as `<name>.heapprofile`.
 */
async function allocationSampled<T>(name: string, work: () => Promise<T>): Promise<T> {
  const dir = process.env.BENCH_HEAP_PROF;
  if (!dir) return work();
  const { Session } = await import('node:inspector/promises');
  const { mkdirSync, writeFileSync } = await import('node:fs');
  const session = new Session();
  session.connect();
  await session.post('HeapProfiler.enable');
  await session.post('HeapProfiler.startSampling', {
    samplingInterval: 16_384,
    // BENCH_HEAP_PROF_KEEP=old: what a scavenge did not collect (moved to the old generation, or alive at the end)
    includeObjectsCollectedByMajorGC: true,
    includeObjectsCollectedByMinorGC: process.env.BENCH_HEAP_PROF_KEEP !== 'old',
  } as object);
  try {
    return await work();
  } finally {
    const { profile } = await session.post('HeapProfiler.stopSampling');
    sampledBytes.set(name, sumSelfSize(profile.head));
    mkdirSync(dir, { recursive: true });
    writeFileSync(`${dir}/${name}.heapprofile`, JSON.stringify(profile));
    session.disconnect();
  }
}

/** Bytes the sampled phase allocated (the profile's sizes are scaled to estimate all of it). */
const sampledBytes = new Map<string, number>();

interface SampledNode {
  selfSize: number;
  children: SampledNode[];
}

function sumSelfSize(node: SampledNode): number {
  let total = node.selfSize;
  for (const child of node.children) total += sumSelfSize(child);
  return total;
}

/** The vendor systems in a child process: messages to it, and its answers. */
export function startClients() {
  const child = fork(clientScript, [], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    env: { ...process.env, LT_BENCH_CLIENT: '1' },
  });
  const next = <T>(type: string) =>
    new Promise<T>((resolve, reject) => {
      const onMessage = (m: { type: string }) => {
        if (m.type !== type) return;
        child.off('message', onMessage);
        child.off('exit', onExit);
        resolve(m as T);
      };
      const onExit = (code: number | null) => reject(new Error(`bench clients exited with ${code}`));
      child.on('message', onMessage);
      child.once('exit', onExit);
    });
  const ask = <T>(message: { type: string; [key: string]: unknown }, answer = message.type) => {
    const reply = next<T>(answer);
    child.send(message);
    return reply;
  };
  return {
    ready: next<{ bodyBytes: number }>('ready'),
    acks: (url: string, tokens: string[]) => ask<object>({ type: 'acks', url, tokens }),
    fire: async (options: autocannon.Options, authorization: string) =>
      (await ask<{ result: FireResult }>({ type: 'fire', options, authorization }, 'fired')).result,
    pace: async (pace: Pace, authorization: string) =>
      (await ask<{ result: FireResult }>({ type: 'pace', pace, authorization }, 'paced')).result,
    count: async () => (await ask<{ done: number }>({ type: 'count' })).done,
    stop: async () => {
      if (!child.connected) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.send({ type: 'exit' });
      await exited;
    },
  };
}

export default async function documentsBench(ctx: BenchContext): Promise<BenchReport> {
  const seconds = ctx.quick ? 3 : 10;
  const config = loadConfig({
    LT_DATA_DIR: ctx.tmpDir,
    LT_ADMIN_TOKEN: 'bench-admin-token-0123456789',
    LT_PORT: '0',
    LT_SQLITE_SYNC: process.env.BENCH_SYNC ?? 'full',
    LT_PARSE_WORKERS: process.env.LT_PARSE_WORKERS,
  });
  const hub = await startPlatform(config, [directoryModule, documentRoutingModule], {
    title: 'bench',
    logger: createLogger({ level: 'silent' }),
  });
  const admin = { authorization: `Bearer ${hub.adminToken}` };
  const post = async (url: string, payload: object) =>
    (await hub.app.inject({ method: 'POST', url, headers: admin, payload })).json<{ token: string }>();
  for (const id of [SENDER, ...RECIPIENTS]) await post('/v1/admin/agencies', { organId: id, name: `Cơ quan ${id}` });
  const senderToken = (await post('/v1/admin/systems', { name: 'sender', vendor: 'bench', organIds: [SENDER] })).token;
  const tokens = await Promise.all(
    RECIPIENTS.map(async (r) => (await post('/v1/admin/systems', { name: r, vendor: 'bench', organIds: [r] })).token),
  );
  const address = await hub.app.listen({ port: 0, host: '127.0.0.1' });
  const clients = startClients();
  const senderAuth = `Bearer ${senderToken}`;

  try {
    const { bodyBytes } = await clients.ready;
    await clients.acks(`${address.replace(/^http/, 'ws')}/v1/stream`, tokens);
    ctx.log(`package ${bodyBytes} bytes; hub at ${address}; clients in a child process`);

    /** Full speed, end to end: documents acked by both recipients, the seconds until the last, CPU of this process. */
    const throughput = async (url: string, profile?: string) => {
      // Warm-up (JIT, caches, the parse workers the first bodies start), not measured: bursts of
      // 1 s, at least 3 and until one is no faster than the one before (at most 8): bodies are
      // parsed on the event loop until the workers are up (seconds when they load TypeScript).
      for (let i = 0, previous = 0; i < 8; i++) {
        const { ok } = await clients.fire({ url, connections: 32, duration: 1 }, senderAuth);
        if (i >= 2 && ok <= previous * 1.1) break;
        previous = ok;
      }
      await new Promise((r) => setTimeout(r, 500));
      const before = await clients.count();
      const t0 = performance.now();
      const cpu0 = process.cpuUsage();
      const written0 = storageWrites();
      const elu0 = performance.eventLoopUtilization();
      let routed = 0;
      // BENCH_CPU_PROF: the measured phase only (not the warm-up, whose documents are not counted)
      const measured = async () => {
        const fired = await clients.fire({ url, connections: 32, duration: seconds }, senderAuth);
        const deadline = performance.now() + 20_000;
        while ((routed = (await clients.count()) - before) < fired.ok && performance.now() < deadline)
          await new Promise((r) => setTimeout(r, 20));
        return fired;
      };
      const result = profile === undefined ? await measured() : await profiled(profile, () => allocationSampled(profile, measured));
      // the phase's bounds in ms since the process started, to pick its lines out of a `--trace-gc-nvp` log
      const t1 = performance.now();
      ctx.log(`measured phase ${url}: ${t0.toFixed(0)}–${t1.toFixed(0)} ms of the process`);
      const wall = (t1 - t0) / 1000;
      const cpu = process.cpuUsage(cpu0);
      const written = storageWrites();
      return {
        result,
        routed,
        phase: { from: t0, to: t1 },
        seconds: wall,
        elu: performance.eventLoopUtilization(elu0).utilization,
        cpuMsPerDocument: (cpu.user + cpu.system) / 1000 / Math.max(1, routed),
        kbPerDocument: written === null || written0 === null ? null : (written - written0) / 1024 / Math.max(1, routed),
        allocatedKbPerDocument:
          profile === undefined || !sampledBytes.has(profile) ? null : (sampledBytes.get(profile) ?? 0) / 1024 / Math.max(1, routed),
      };
    };

    // 1. throughput, end to end, with the hub's GC (its main thread) over the run
    // GC pauses that began in the measured phase (the warm-up's, before it, are not part of the run whose seconds divide them)
    const gcDuring = new PerformanceObserver((list) => gcSeen.push(...list.getEntries()));
    const gcSeen: PerformanceEntry[] = [];
    gcDuring.observe({ entryTypes: ['gc'] });
    const hubRun = await throughput(address, 'documents-throughput');
    await new Promise((r) => setImmediate(r));
    gcDuring.disconnect();
    const gcRun = gcSeen.filter((e) => e.startTime >= hubRun.phase.from && e.startTime <= hubRun.phase.to).map((e) => e.duration);
    const gcWarmUp = gcSeen.filter((e) => e.startTime < hubRun.phase.from).map((e) => e.duration);
    const { result: full, routed, elu, cpuMsPerDocument, kbPerDocument, allocatedKbPerDocument } = hubRun;
    const gcPer1000 = (gcRun.length * 1000) / Math.max(1, routed);
    const kb = (v: number | null) => (v === null ? '' : `, ${v.toFixed(1)} KB written to storage per document`);
    const submitted = full.ok;
    const e2eSeconds = hubRun.seconds;
    const gcShare = gcRun.reduce((a, b) => a + b, 0) / 1000 / e2eSeconds;
    ctx.log(
      `throughput: ${submitted} accepted, ${routed} acked by both in ${e2eSeconds.toFixed(1)} s (non-2xx ${full.non2xx}, errors ${full.errors}); hub CPU ${cpuMsPerDocument.toFixed(2)} ms/document${kb(kbPerDocument)}, event loop busy ${(elu * 100).toFixed(0)} %; GC ${gcRun.length} pauses (${gcPer1000.toFixed(0)} per 1,000 documents), ${(gcShare * 100).toFixed(1)} % of the run (the warm-up before it: ${gcWarmUp.length} pauses, ${gcWarmUp.reduce((a, b) => a + b, 0).toFixed(0)} ms)${allocatedKbPerDocument === null ? '' : `; ${allocatedKbPerDocument.toFixed(1)} KB allocated per document (main thread, sampled)`}`,
    );

    // 1b. the floor pipeline (documents-floor.ts), same clients, same run
    const floor = await startFloor({
      dir: join(ctx.tmpDir, 'floor'),
      sync: config.sqliteSync,
      senderAuthorization: senderAuth,
      recipients: RECIPIENTS,
    });
    let floorRun: Awaited<ReturnType<typeof throughput>>;
    try {
      await clients.acks(`${floor.address.replace(/^http/, 'ws')}/v1/stream`, floor.tokens);
      floorRun = await throughput(floor.address);
    } finally {
      await floor.close();
    }
    const floorRate = floorRun.routed / floorRun.seconds;
    ctx.log(
      `floor pipeline: ${floorRun.result.ok} accepted, ${floorRun.routed} acked by both in ${floorRun.seconds.toFixed(1)} s (non-2xx ${floorRun.result.non2xx}, errors ${floorRun.result.errors}); CPU ${floorRun.cpuMsPerDocument.toFixed(2)} ms/document${kb(floorRun.kbPerDocument)}`,
    );

    // 2. latency at 500 documents/s (and, as context, at a light 100/s: the floor of fsyncs and hops)
    const loopDelay = monitorEventLoopDelay({ resolution: 5 });
    loopDelay.enable();
    const gcPauses: number[] = [];
    const gcObserver = new PerformanceObserver((list) => gcPauses.push(...list.getEntries().map((e) => e.duration)));
    gcObserver.observe({ entryTypes: ['gc'] });
    const at = (url: string, rate: number, duration: number): Pace => ({
      url,
      path: '/v1/documents',
      rate,
      seconds: duration,
      connections: 64,
    });
    const paced = await profiled('documents-paced', () => clients.pace(at(address, 500, seconds), senderAuth));
    loopDelay.disable();
    gcObserver.disconnect();
    const loopP99 = loopDelay.percentile(99) / 1e6;
    const gcLongest = gcPauses.length > 0 ? Math.max(...gcPauses) : 0;
    const gcTotal = gcPauses.reduce((a, b) => a + b, 0);
    ctx.log(
      `at 500/s: p99 ${paced.p99} ms (p50 ${paced.p50} ms), ${paced.ok} accepted; hub event-loop delay p99 ${loopP99.toFixed(1)} ms, max ${(loopDelay.max / 1e6).toFixed(1)} ms; GC ${gcPauses.length} pauses, ${gcTotal.toFixed(0)} ms in all, longest ${gcLongest.toFixed(1)} ms`,
    );
    const halfFloor = Math.max(10, Math.round(floorRate / 2));
    const atHalfFloor = await clients.pace(at(address, halfFloor, seconds), senderAuth);
    ctx.log(
      `at ${halfFloor}/s (half the floor's capacity): p99 ${atHalfFloor.p99} ms (p50 ${atHalfFloor.p50} ms), ${atHalfFloor.ok} accepted`,
    );
    const light = await clients.pace(at(address, 100, Math.min(seconds, 5)), senderAuth);
    ctx.log(`at 100/s: p99 ${light.p99} ms (p50 ${light.p50} ms)`);
    const bursts = await clients.fire({ url: address, connections: 50, duration: Math.min(seconds, 5), overallRate: 500 }, senderAuth);
    ctx.log(`autocannon overallRate 500 (per-second bursts): p99 ${bursts.p99} ms (p50 ${bursts.p50} ms)`);

    // 3. the bare route, same clients, same run
    const bare = Fastify({ bodyLimit: 100 * 1024 * 1024 });
    bare.addContentTypeParser('application/xml', { parseAs: 'string' }, (_req, body, done) => done(null, body));
    bare.post('/v1/documents', async (_req, reply) => reply.code(202).send({ documentId: 'x', recipients: [] }));
    const bareAddress = await bare.listen({ port: 0, host: '127.0.0.1' });
    const bareFull = await clients.fire({ url: bareAddress, connections: 32, duration: seconds }, senderAuth);
    const barePaced = await clients.pace(at(bareAddress, 500, seconds), senderAuth);
    await bare.close();

    const metrics: Record<string, Metric> = {
      routedPerSecond: { value: round(routed / e2eSeconds, 1), unit: 'documents/s (both deliveries acked over WebSocket)' },
      acceptedPerSecond: { value: round(submitted / seconds, 1), unit: 'documents/s (202)' },
      eventLoopBusy: { value: round(elu, 2), unit: "share of the throughput run the hub's event loop was busy" },
      cpuPerDocument: { value: round(cpuMsPerDocument, 2), unit: 'ms of hub process CPU (all its threads) per routed document' },
      ...(kbPerDocument === null
        ? {}
        : { storageKbPerDocument: { value: round(kbPerDocument, 1), unit: 'KB the hub process sent to storage per routed document' } }),
      gcShare: { value: round(gcShare, 3), unit: "share of the throughput run in GC pauses (the hub's main thread)" },
      gcPausesPer1000Documents: { value: round(gcPer1000, 1), unit: "GC pauses of the hub's main thread per 1,000 routed documents" },
      ...(allocatedKbPerDocument === null
        ? {}
        : {
            allocatedKbPerDocument: {
              value: round(allocatedKbPerDocument, 1),
              unit: "KB allocated on the hub's main thread per routed document (sampling heap profiler, BENCH_HEAP_PROF)",
            },
          }),
      submitP99AtHalfFloor: {
        value: atHalfFloor.p99,
        unit: `ms (a constant ${halfFloor}/s: half the floor pipeline's capacity in this run)`,
      },
      submitP99At500: { value: paced.p99, unit: 'ms' },
      submitP50At500: { value: paced.p50, unit: 'ms' },
      eventLoopDelayP99At500: { value: round(loopP99, 1), unit: 'ms (the hub process, during the 500/s run)' },
      submitP99At100: { value: light.p99, unit: 'ms (context: a light load)' },
      submitP50At100: { value: light.p50, unit: 'ms (context: a light load)' },
      submitP99InBursts: {
        value: bursts.p99,
        unit: "ms (context: autocannon overallRate 500, each connection's quota at the start of each second)",
      },
    };
    const baseline: Record<string, Metric> = {
      bareRoutePerSecond: { value: round(bareFull.ok / seconds, 1), unit: 'requests/s' },
      bareP99At500: { value: barePaced.p99, unit: 'ms' },
      floorRoutedPerSecond: { value: round(floorRate, 1), unit: 'documents/s (the floor pipeline, both deliveries acked)' },
      floorCpuPerDocument: {
        value: round(floorRun.cpuMsPerDocument, 2),
        unit: 'ms of process CPU per routed document (the floor pipeline)',
      },
      ...(floorRun.kbPerDocument === null
        ? {}
        : {
            floorStorageKbPerDocument: {
              value: round(floorRun.kbPerDocument, 1),
              unit: 'KB sent to storage per routed document (the floor pipeline)',
            },
          }),
    };
    const routedOverFloor = metrics.routedPerSecond!.value / baseline.floorRoutedPerSecond!.value;
    const cpuOverFloor = cpuMsPerDocument / floorRun.cpuMsPerDocument;
    const p99: Target = { name: 'p99 submit latency at 500 documents/s, ms (below)', target: 50, actual: paced.p99, met: paced.p99 < 50 };
    const targets: Target[] = [
      atLeast('documents routed end to end per second', 1000, metrics.routedPerSecond!.value),
      p99,
      atLeast("routed documents/s over the floor pipeline's", 0.5, round(routedOverFloor)),
      {
        name: "hub CPU per document over the floor pipeline's (at most)",
        target: 2,
        actual: round(cpuOverFloor),
        met: cpuOverFloor <= 2,
      },
      {
        name: "p99 submit latency at half the floor pipeline's capacity, ms (below)",
        target: 50,
        actual: atHalfFloor.p99,
        met: atHalfFloor.p99 < 50,
      },
      { name: 'share of the throughput run in GC (below)', target: 0.05, actual: round(gcShare, 3), met: gcShare < 0.05 },
    ];
    return {
      name: 'documents',
      metrics,
      baseline,
      ratios: {
        routedPerSecond_over_floorRoutedPerSecond: round(routedOverFloor),
        cpuPerDocument_over_floorCpuPerDocument: round(cpuOverFloor),
        routedPerSecond_over_bareRoutePerSecond: round(metrics.routedPerSecond!.value / baseline.bareRoutePerSecond!.value),
      },
      targets,
      notes: [
        `${bodyBytes}-byte edXML, 2 recipients, attachment ${process.env.BENCH_SAME_ATTACHMENT === '1' ? 'shared by every document' : 'unique per document (one fsynced blob write each)'}; SQLite store at synchronous=${config.sqliteSync.toUpperCase()}; the clients (autocannon, the recipients' WebSockets) run in a child process`,
        `throughput: 32 connections for ${seconds} s after a 1 s warm-up, then until every accepted document is acked by both recipients (${routed}/${submitted}); the floor pipeline the same way right after`,
        `latency: a constant arrival rate of 500 requests/s for ${seconds} s (one due every 2 ms on up to 64 keep-alive connections; latency from when each was due, so no coordinated omission); the bare route the same way`,
        "floor pipeline (documents-floor.ts): the same body parsed by the same edXML reader on the event loop, its attachment written to a file and fsynced, one SQLite row per event the hub writes (submission; one ack per recipient) in group commits at the same synchronous level, deliveries pushed over ws to the same clients, who ack with a row insert; no read model, bus or idempotency; run right after the hub's throughput run, same clients and duration",
        `context: autocannon's overallRate=500 over 50 connections sends each connection's 10 requests back to back at the start of every second (50 in flight at full speed, then idle), which measures bursts, not a rate`,
      ],
    };
  } finally {
    await clients.stop();
    await hub.close();
  }
}
