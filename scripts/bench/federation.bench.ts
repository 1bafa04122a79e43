/**
 * Federation end to end (issue 16): 8 KB edXML packages routed from province A's hub to two
 * recipients on province B's hub (A → B over signed transfers, acked by both recipient systems
 * over WebSocket at B), beside the same packages routed by one hub, in the same run. Every hub is
 * the production bundle in a process of its own (`startServer`), the vendor systems are the
 * documents bench's client process (autocannon for the sender, acking WebSocket clients).
 * Target: routed/s A → B ≥ 0.5 × routed/s on one hub.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { buildHub, COMPILED_NODE_ARGS, HUB_MAIN, startServer, type StartedServer } from '@lienthong/testing';
import { RECIPIENTS, SENDER } from './documents-client.js';
import { allProcStats, procStat, threadTimes } from './proc-stat.js';
import { startClients } from './documents.bench.js';
import { atLeast, round, type BenchContext, type BenchReport } from './types.js';

const ADMIN = { authorization: 'Bearer bench-admin-token-0123456789' };
/**
 * Documents each phase sends before its clock starts: the same number for both, since V8
 * optimises code by how often it runs, not for how long. A fixed time (1 s until 2026-12-07)
 * warmed the one hub, 2.5× faster, much further than A and B, whose optimising compiler threads
 * then still took a fifth of their CPU through the measured seconds (perf; see the federation page).
 */
const WARM_UP_DOCUMENTS = 4000;

async function call<T>(url: string, method: string, body?: object, auth: object = ADMIN): Promise<T> {
  const res = await fetch(url, {
    method,
    headers: { ...auth, ...(body ? { 'content-type': 'application/json' } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${url} → ${res.status} ${text}`);
  return JSON.parse(text) as T;
}

/**
 * Writes out what the machine holds dirty (`sync`) before a measured phase, so that neither side
 * pays for the disk work of what ran before it (the other phase, or the previous benchmark module
 * and its deleted data directory): the one hub's phase is bound by fsync latency, and in
 * alternated runs the one hub was ~5 % slower in whichever run came second (2026-12-08).
 */
function settleDisk(): void {
  execFileSync('sync');
}

/** CPU time (user + system) of a process so far, in ms (NaN when unknown). */
const cpuMs = (pid: number | undefined): number => (pid === undefined ? Number.NaN : (procStat(pid)?.cpuMs ?? Number.NaN));

/** The vendor systems' process (a child of this one running documents-client), to count its CPU beside the hubs'. */
function clientPid(): number | undefined {
  for (const { pid, ppid } of allProcStats()) {
    if (ppid !== process.pid) continue;
    try {
      if (readFileSync(`/proc/${pid}/environ`, 'utf8').includes('LT_BENCH_CLIENT=1')) return pid;
    } catch {
      // gone meanwhile
    }
  }
  return undefined;
}

export default async function federationBench(ctx: BenchContext): Promise<BenchReport> {
  const seconds = ctx.quick ? 3 : 10;
  const built = await buildHub();
  if (!built.ok) ctx.log(`the hub's build reported errors (the bundle is what runs):\n${built.output.slice(0, 2000)}`);
  // BENCH_CPU_PROF=<dir>: every hub writes a V8 CPU profile of its whole life there (at its SIGTERM exit)
  const profile = process.env.BENCH_CPU_PROF;
  // BENCH_HUB_NODE_ARGS: more of node's flags for every hub, e.g. `--perf-basic-prof-only-functions` for `perf record`
  const extra = (process.env.BENCH_HUB_NODE_ARGS ?? '').split(' ').filter((arg) => arg.length > 0);
  const hub = (organId: string) =>
    startServer(
      [...COMPILED_NODE_ARGS, ...extra, ...(profile ? ['--cpu-prof', `--cpu-prof-dir=${join(profile, organId)}`] : []), HUB_MAIN],
      {
        LT_PORT: '0',
        LT_HOST: '127.0.0.1',
        LT_DATA_DIR: join(ctx.tmpDir, organId),
        LT_HUB_ORGAN_ID: organId,
        LT_ADMIN_TOKEN: ADMIN.authorization.slice('Bearer '.length),
        LT_LOG_LEVEL: 'info', // the 'listening at' line startServer waits for
        LT_SQLITE_SYNC: process.env.BENCH_SYNC ?? 'full',
      },
    );
  const servers: StartedServer[] = [];
  const clients = startClients();
  try {
    const [single, a, b] = await Promise.all([hub('000.00.00.S01'), hub('000.00.00.H13'), hub('000.00.00.H51')]);
    servers.push(single, a, b);
    const system = async (at: StartedServer, organIds: string[]) =>
      `Bearer ${(await call<{ token: string }>(`${at.url}/v1/admin/systems`, 'POST', { name: 'bench', vendor: 'bench', organIds })).token}`;
    const agencies = async (at: StartedServer, ids: string[]) => {
      for (const id of ids) await call(`${at.url}/v1/admin/agencies`, 'POST', { organId: id, name: `Cơ quan ${id}` });
    };
    // 1. one hub: the sender and both recipients
    await agencies(single, [SENDER, ...RECIPIENTS]);
    // 2. A serves the sender, B the recipients; each is the other's peer
    await agencies(a, [SENDER]);
    await agencies(b, RECIPIENTS);
    const peer = async (at: StartedServer, peerId: string, of: StartedServer, routes: string[]) => {
      const identity = await call<Record<string, string>>(`${of.url}/v1/federation/identity`, 'GET');
      await call(`${at.url}/v1/admin/peers`, 'POST', {
        peerId,
        name: peerId,
        baseUrl: of.url,
        keyId: identity.keyId,
        publicKey: identity.publicKey,
        routes,
      });
    };
    await peer(a, 'b', b, RECIPIENTS);
    await peer(b, 'a', a, [SENDER]);
    const tokensOf = async (at: StartedServer) => Promise.all(RECIPIENTS.map(async (r) => (await system(at, [r])).slice('Bearer '.length)));
    const { bodyBytes } = await clients.ready;
    await clients.acks(`${single.url.replace(/^http/, 'ws')}/v1/stream`, await tokensOf(single));
    await clients.acks(`${b.url.replace(/^http/, 'ws')}/v1/stream`, await tokensOf(b));
    const processes = [
      { name: 'one hub', pid: single.child.pid },
      { name: 'A', pid: a.child.pid },
      { name: 'B', pid: b.child.pid },
      { name: 'clients', pid: clientPid() },
    ];
    ctx.log(`package ${bodyBytes} bytes; one hub at ${single.url}; A at ${a.url} → B at ${b.url}`);

    /** Nothing of the warm-up still on its way: A's outbox to B is empty (a request cut at the warm-up's end may still have been accepted). */
    const outboxEmpty = async () => (await call<{ outbox: { depth: number } }>(`${a.url}/v1/admin/peers/b`, 'GET')).outbox.depth === 0;
    /** Waits (2 minutes at most) until `count` documents more than `before` are acked by both recipients; returns how many are. */
    const ackedSince = async (before: number, count: number): Promise<number> => {
      const deadline = performance.now() + 120_000;
      let done: number;
      while ((done = (await clients.count()) - before) < count && performance.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      return done;
    };
    /** Documents acked by both recipients per second, from the first request to the last ack. */
    const routed = async (url: string, authorization: string, drained: () => Promise<boolean> = async () => true) => {
      const atStart = await clients.count();
      const warm = await clients.fire(
        { url, connections: 16, amount: ctx.quick ? WARM_UP_DOCUMENTS / 4 : WARM_UP_DOCUMENTS },
        authorization,
      ); // warm-up, not counted
      // every warm-up document routed before the clock starts (a late one would count as measured)
      const warmDeadline = performance.now() + 120_000;
      while (((await clients.count()) - atStart < warm.ok || !(await drained())) && performance.now() < warmDeadline)
        await new Promise((r) => setTimeout(r, 50));
      for (let last = -1, now = await clients.count(); now !== last; last = now, now = await clients.count())
        await new Promise((r) => setTimeout(r, 500));
      settleDisk();
      const before = await clients.count();
      const cpu0 = processes.map((p) => cpuMs(p.pid));
      const threads0 = processes.map((p) => (p.pid === undefined ? undefined : threadTimes(p.pid)));
      const t0 = performance.now();
      const result = await clients.fire({ url, connections: 16, duration: seconds }, authorization);
      const done = await ackedSince(before, result.ok);
      const wall = (performance.now() - t0) / 1000;
      // CPU of each process over the measured phase: per document, and as a share of one core
      const cpu = new Map(processes.map((p, i) => [p.name, (cpuMs(p.pid) - cpu0[i]!) / Math.max(1, done)]));
      // per document: the main thread's time on a core (the event loop; near a whole core it bounds a hub), and the
      // time runnable but not running (another process had the cores), main thread and all threads
      const threads = processes.map((p, i) => {
        const before = threads0[i];
        if (p.pid === undefined || before === undefined) return undefined;
        const now = threadTimes(p.pid);
        const per = (ms: number) => ms / Math.max(1, done);
        return {
          mainRunning: per(now.running.main - before.running.main),
          waitingMain: per(now.waiting.main - before.waiting.main),
          waitingAll: per(now.waiting.all - before.waiting.all),
        };
      });
      const shares = processes.map(
        (p, i) =>
          `${p.name} ${round(cpu.get(p.name)!, 2)} ms/doc, ${Math.round((cpu.get(p.name)! * done) / 10 / wall)} % of a core` +
          (threads[i]
            ? ` (main thread ${round(threads[i].mainRunning, 2)} ms/doc, ${Math.round((threads[i].mainRunning * done) / 10 / wall)} %)` +
              `, waiting for a core ${round(threads[i].waitingMain, 2)} ms/doc (main thread), ${round(threads[i].waitingAll, 2)} (all threads)`
            : ''),
      );
      ctx.log(
        `${url}: submissions p50 ${result.p50} ms, p99 ${result.p99} ms; CPU over the phase (${done} documents in ${round(wall, 1)} s, load average ${loadavg()[0]!.toFixed(1)}): ${shares.join('; ')}`,
      );
      // with BENCH_CPU_PROF: every document of the phase, warm-up included, to divide a profile by
      if (profile) ctx.log(`${url}: ${(await clients.count()) - atStart} documents in the phase (warm-up included)`);
      const main = new Map(processes.map((p, i) => [p.name, threads[i]?.mainRunning ?? Number.NaN]));
      return { accepted: result.ok, routed: done, perSecond: done / wall, p99: result.p99, cpu, main };
    };
    const oneAuth = await system(single, [SENDER]);
    const one = await routed(single.url, oneAuth);
    ctx.log(`one hub: ${round(one.perSecond, 1)} documents/s (${one.routed} of ${one.accepted})`);
    const across = await routed(a.url, await system(a, [SENDER]), outboxEmpty);
    ctx.log(`A → B: ${round(across.perSecond, 1)} documents/s (${across.routed} of ${across.accepted})`);
    const ratio = across.perSecond / one.perSecond;
    // The one hub again, fed at A → B's rate (open loop): what the same work costs a hub at that
    // rate, beside what it costs at its own (a context figure, not a target: per document it costs
    // about twice as much at half the rate, about half of what A and B together spend beyond one hub).
    /** The one hub fed at `rate` for `forSeconds` (open loop, 64 connections): its CPU per routed document, and as a share of a core. */
    const cpuAtRate = async (rate: number, forSeconds: number) => {
      settleDisk();
      const before = await clients.count();
      const cpu0 = cpuMs(single.child.pid);
      const t0 = performance.now();
      const paced = await clients.pace({ url: single.url, path: '/v1/documents', rate, seconds: forSeconds, connections: 64 }, oneAuth);
      await ackedSince(before, paced.ok);
      const ms = cpuMs(single.child.pid) - cpu0;
      return { perDocument: ms / Math.max(1, paced.ok), share: ms / (performance.now() - t0) };
    };
    const atRate = Math.max(1, Math.round(across.perSecond));
    const cpuPerDocumentOneHubAtRate = (await cpuAtRate(atRate, seconds)).perDocument;
    ctx.log(
      `one hub fed at ${atRate}/s (A → B's rate, open loop): ${round(cpuPerDocumentOneHubAtRate, 2)} ms of CPU per document, against ${round(one.cpu.get('one hub')!, 2)} ms at its own ${round(one.perSecond, 1)}/s`,
    );
    // BENCH_RATES=50,100,…: the same at each of these rates (5 s each), a diagnostic of what a hub pays per document when few arrive together
    for (const rate of (process.env.BENCH_RATES ?? '').split(',').filter(Boolean).map(Number)) {
      const at = await cpuAtRate(rate, 5);
      ctx.log(`one hub fed at ${rate}/s: ${round(at.perDocument, 2)} ms of CPU per document, ${Math.round(at.share * 100)} % of a core`);
    }
    return {
      name: 'federation',
      metrics: {
        routedPerSecondAtoB: { value: round(across.perSecond, 1), unit: 'documents/s' },
        submitP99AtA: { value: across.p99, unit: 'ms' },
        // CPU (all threads) of each hub process per document of the phase, from /proc (NaN off Linux)
        cpuPerDocumentA: { value: round(across.cpu.get('A')!, 2), unit: 'ms' },
        cpuPerDocumentB: { value: round(across.cpu.get('B')!, 2), unit: 'ms' },
        // of which on the main thread (the event loop); the rest is the parse worker's, V8's helpers', the thread pool's
        mainThreadPerDocumentA: { value: round(across.main.get('A')!, 2), unit: 'ms' },
        mainThreadPerDocumentB: { value: round(across.main.get('B')!, 2), unit: 'ms' },
        loadAverage: { value: round(loadavg()[0]!, 1), unit: '1 min' },
      },
      baseline: {
        routedPerSecondOneHub: { value: round(one.perSecond, 1), unit: 'documents/s' },
        submitP99OneHub: { value: one.p99, unit: 'ms' },
        cpuPerDocumentOneHub: { value: round(one.cpu.get('one hub')!, 2), unit: 'ms' },
        // the one hub's event loop: near 100 % it would bound the one hub (at ~78 % its requests' latency does)
        mainThreadPerDocumentOneHub: { value: round(one.main.get('one hub')!, 2), unit: 'ms' },
        mainThreadShareOneHub: { value: Math.round((one.main.get('one hub')! * one.perSecond) / 10), unit: '% of a core' },
        // the one hub at A → B's rate (open loop): the rate's share of A's and B's cost per document
        cpuPerDocumentOneHubAtAtoBRate: { value: round(cpuPerDocumentOneHubAtRate, 2), unit: 'ms' },
      },
      ratios: {
        routedAtoBOverOneHub: round(ratio),
        // A's and B's CPU per document together over the one hub's at the same rate (both ends' work once)
        cpuAplusBOverOneHubAtSameRate: round((across.cpu.get('A')! + across.cpu.get('B')!) / cpuPerDocumentOneHubAtRate),
      },
      targets: [atLeast('documents routed A → B per second ≥ 0.5 × one hub', 0.5, ratio)],
      notes: [
        `${bodyBytes}-byte packages, two recipients acking over WebSocket; every hub the production bundle in its own process; ${seconds} s of load after a warm-up of ${ctx.quick ? WARM_UP_DOCUMENTS / 4 : WARM_UP_DOCUMENTS} documents (the same number for both phases)`,
        'A → B: submitted at A, queued by its federation reactor, signed transfer to B, B re-reads the edXML and delivers; the clock stops at the last ack at B',
        "then the one hub again, fed at A → B's rate for the same time (open loop, 64 connections): its CPU per document there is cpuPerDocumentOneHubAtAtoBRate",
      ],
    };
  } finally {
    await clients.stop();
    await Promise.all(servers.map((s) => s.stop()));
  }
}
