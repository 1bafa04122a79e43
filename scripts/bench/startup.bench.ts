/**
 * Startup: a fresh hub started from its compiled output (`node --conditions=lienthong-compiled
 * services/hub/dist/bundle/main.js`, built by `tsc -b` then bundled by scripts/bundle.mjs) on an empty data directory — time from spawn
 * to the first 200 of GET /health/ready, and its resident memory once idle — beside a bare Fastify
 * app started the same way (`node bare-fastify.mjs`: module load plus listen). The hub from its
 * sources through tsx (as every process ran before the production build) is measured too, for
 * reference. Each is started several times; medians are reported.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildHub, COMPILED_NODE_ARGS, HUB_MAIN, REPO_ROOT, startCompiledHub, startServer, type StartedServer } from '@lienthong/testing';
import { round } from './types.js';
import type { BenchContext, BenchReport, Metric, Target } from './types.js';

/** How long a started process is left alone before its idle RSS is read. */
const IDLE_MS = 3_000;
const MB = 1024 * 1024;
const BARE = fileURLToPath(new URL('./bare-fastify.mjs', import.meta.url));

interface Sample {
  readyMs: number;
  rssMb: number;
}

async function sample(start: () => Promise<StartedServer>): Promise<Sample> {
  const server = await start();
  try {
    await new Promise((r) => setTimeout(r, IDLE_MS));
    return { readyMs: server.readyMs, rssMb: server.rss() / MB };
  } finally {
    await server.stop();
  }
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
};

async function measure(
  name: string,
  runs: number,
  start: (run: number) => Promise<StartedServer>,
  log: (m: string) => void,
): Promise<Sample> {
  const samples: Sample[] = [];
  for (let i = 0; i < runs; i++) {
    const s = await sample(() => start(i));
    log(`${name} #${i + 1}: ready in ${s.readyMs.toFixed(0)} ms, idle RSS ${s.rssMb.toFixed(0)} MB`);
    samples.push(s);
  }
  return { readyMs: median(samples.map((s) => s.readyMs)), rssMb: median(samples.map((s) => s.rssMb)) };
}

export default async function startupBench({ tmpDir, log, quick }: BenchContext): Promise<BenchReport> {
  const runs = quick ? 2 : 5;
  const built = await buildHub();
  if (!built.ok) log(`tsc -b reported errors (the emitted output is measured anyway):\n${built.output.slice(0, 2000)}`);

  const env = { LT_LOG_LEVEL: 'info' };
  const bare = await measure('bare Fastify', runs, () => startServer([BARE], { ...env, LT_PORT: '0', LT_HOST: '127.0.0.1' }), log);
  const hub = await measure('compiled hub', runs, (i) => startCompiledHub(join(tmpDir, `compiled-${i}`), env), log);
  // For the breakdown: the same compiled code unbundled (each workspace module its own dist/*.js).
  const unbundled = await measure(
    'compiled hub, unbundled',
    quick ? 1 : 3,
    (i) =>
      startServer([...COMPILED_NODE_ARGS, join(REPO_ROOT, 'services/hub/dist/main.js')], {
        ...env,
        LT_DATA_DIR: join(tmpDir, `unbundled-${i}`),
        LT_PORT: '0',
        LT_HOST: '127.0.0.1',
      }),
    log,
  );
  const tsx = await measure(
    'hub through tsx',
    quick ? 1 : 3,
    (i) =>
      startServer(['--import', 'tsx', join(REPO_ROOT, 'services/hub/src/main.ts')], {
        ...env,
        LT_DATA_DIR: join(tmpDir, `tsx-${i}`),
        LT_PORT: '0',
        LT_HOST: '127.0.0.1',
      }),
    log,
  );

  const ms = (value: number): Metric => ({ value: Math.round(value), unit: 'ms' });
  const mb = (value: number): Metric => ({ value: round(value, 1), unit: 'MB' });
  const readyRatio = hub.readyMs / bare.readyMs;
  const targets: Target[] = [
    { name: 'compiled hub ready within 3x a bare Fastify process (ratio)', target: 3, actual: round(readyRatio, 2), met: readyRatio <= 3 },
    { name: 'compiled hub idle RSS, MB (at most)', target: 150, actual: round(hub.rssMb, 1), met: hub.rssMb < 150 },
  ];
  return {
    name: 'startup',
    metrics: {
      'ready.compiled': ms(hub.readyMs),
      'rss.compiled': mb(hub.rssMb),
      'ready.unbundled': ms(unbundled.readyMs),
      'rss.unbundled': mb(unbundled.rssMb),
      'ready.tsx': ms(tsx.readyMs),
      'rss.tsx': mb(tsx.rssMb),
    },
    baseline: { 'ready.bareFastify': ms(bare.readyMs), 'rss.bareFastify': mb(bare.rssMb) },
    ratios: {
      'ready.compiled/bareFastify': round(readyRatio, 2),
      'rss.compiled/bareFastify': round(hub.rssMb / bare.rssMb, 2),
      'ready.unbundled/compiled': round(unbundled.readyMs / hub.readyMs, 2),
      'ready.tsx/compiled': round(tsx.readyMs / hub.readyMs, 2),
      'rss.tsx/compiled': round(tsx.rssMb / hub.rssMb, 2),
    },
    targets,
    notes: [
      `medians of ${runs} starts each (tsx: ${quick ? 1 : 3}); ready = spawn to the first 200 of GET /health/ready; idle RSS read ${IDLE_MS / 1000} s after ready`,
      `node ${COMPILED_NODE_ARGS.join(' ')} ${HUB_MAIN.slice(REPO_ROOT.length)} (tsc -b, then scripts/bundle.mjs) on an empty data directory`,
      "baseline: node scripts/bench/bare-fastify.mjs — Fastify loaded, one /health/ready route, listening; spawn to its first 200, measured the same way. It loads Fastify only, not the hub's other third-party modules: the 3x allowance is for everything else (module load, store, read models, routes)",
      'the hub is ready when /health/ready answers 200: store and bus pinged, every read model opened and caught up, every route registered (schemas compile on first use or in the background after listen)',
    ],
  };
}
