/**
 * The hub as production runs it: built by `tsc -b`, bundled by `scripts/bundle.mjs` and started
 * from that output with no TypeScript loader (`node --conditions=lienthong-compiled
 * services/hub/dist/bundle/main.js`). Used by the production-build test and the startup benchmark.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository (from src/ and from the compiled dist/ alike). */
export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/**
 * V8's flags for a hub process, as `pnpm start`, the hub's systemd unit and the benchmarks' hubs
 * run with them: none, V8's defaults (young generation of at most 2 × 16 MB). From 2026-12-06 to
 * 12-07 the hub ran with `--max-semi-space-size=32` for routing's GC, which cost every other path
 * (tracker lookups/s −7 %, catalog search p99 +20 % in process and +30 % over HTTP: same code with
 * and without it). Routing now allocates ~81 KB per document (was ~90) and the documents bench
 * counts only the pauses of its measured phase (it added the warm-up's): GC 4.4 % and 5.0 %
 * (under 5 %, barely) of its throughput run at V8's defaults, two full runs at load 1–3, every
 * other target met, 2026-12-07 (docs/services/document-routing.md, fourth round).
 */
export const HUB_V8_FLAGS: readonly string[] = [];

/** Node's flags for the compiled hub: workspace packages resolve to their dist/*.js, and the hub's V8 flags. */
export const COMPILED_NODE_ARGS: readonly string[] = ['--conditions=lienthong-compiled', ...HUB_V8_FLAGS];

/**
 * `tsc -b` of one project and its references (incremental: quick when up to date). Resolves with
 * the compiler's output; rejects when it did not finish. Type errors do not reject (tsc still
 * emits), they are returned for the caller to report.
 */
export function buildProject(project: string): Promise<{ ok: boolean; output: string }> {
  const tsc = join(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [tsc, '-b', join(REPO_ROOT, project)],
      { cwd: REPO_ROOT, timeout: 300_000, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        // A compiler that ran and reported errors exits non-zero (a number); anything else is a failure to run it.
        if (error !== null && typeof error.code !== 'number')
          reject(new Error(`tsc -b ${project} could not run: ${error.message}`, { cause: error }));
        else resolve({ ok: !error, output: `${stdout}${stderr}` });
      },
    );
  });
}

/** The hub's production entry points (`pnpm start`, `pnpm lienthong`), written by `bundleHub()`. */
export const HUB_MAIN = join(REPO_ROOT, 'services/hub/dist/bundle/main.js');
export const HUB_CLI = join(REPO_ROOT, 'services/hub/dist/bundle/cli.js');

/**
 * `tsc -b` of the hub (as `buildProject`), then its bundle (`node scripts/bundle.mjs`, skipped
 * when up to date). Rejects when the bundler fails: the bundle is what is started.
 */
export async function buildHub(): Promise<{ ok: boolean; output: string }> {
  const built = await buildProject('services/hub/tsconfig.build.json');
  await new Promise<void>((resolve, reject) => {
    execFile(process.execPath, [join(REPO_ROOT, 'scripts/bundle.mjs')], { cwd: REPO_ROOT, timeout: 120_000 }, (error, _stdout, stderr) =>
      error ? reject(new Error(`scripts/bundle.mjs failed: ${stderr}`, { cause: error })) : resolve(),
    );
  });
  return built;
}

/** The environment of a child: the parent's without NODE_OPTIONS (a loader such as tsx could be set there), plus `env`. */
export function childEnv(env: Readonly<Record<string, string>>): NodeJS.ProcessEnv {
  const { NODE_OPTIONS: _ignored, ...rest } = process.env;
  return { ...rest, ...env };
}

export interface StartedServer {
  readonly child: ChildProcess;
  readonly url: string;
  /** From spawn to the first 200 of GET /health/ready, in ms. */
  readonly readyMs: number;
  /** Resident set size now, in bytes (Linux: /proc/<pid>/status). */
  rss(): number;
  /** SIGTERM, then the exit code. */
  stop(): Promise<number | null>;
}

/**
 * Spawns `node ...args` (a server that logs `listening at http://…` once it listens on the port it
 * was given, 0 for any), waits for its first 200 of GET /health/ready and measures how long that
 * took from the spawn.
 */
export async function startServer(
  args: readonly string[],
  env: Readonly<Record<string, string>>,
  timeoutMs = 60_000,
): Promise<StartedServer> {
  const started = performance.now();
  const child = spawn(process.execPath, args, { cwd: REPO_ROOT, env: childEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error(`not listening after ${timeoutMs} ms:\n${output}`)), timeoutMs);
    const fail = (error: Error) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(error);
    };
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const found = /listening at (http:\/\/127\.0\.0\.1:\d+)/i.exec(output);
      if (found) {
        clearTimeout(timer);
        // Stop collecting: kept, every later log line grew the text the pattern is run over again
        // (quadratic: a benchmark's parent spent up to 80 % of a core on its hubs' request logs).
        child.stdout.off('data', onData);
        child.stderr.off('data', onData);
        output = '';
        resolve(found[1]!);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code, signal) => fail(new Error(`exited with ${signal ?? code} before listening:\n${output}`)));
  });
  // Keep reading its output so that a full pipe never blocks it.
  child.stdout.resume();
  child.stderr.resume();
  const deadline = started + timeoutMs;
  for (;;) {
    const ready = await fetch(`${url}/health/ready`).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ready) break;
    if (performance.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${url}/health/ready not 200 after ${timeoutMs} ms`);
    }
    await new Promise((r) => setTimeout(r, 10));
  }
  const readyMs = performance.now() - started;
  const exited = new Promise<number | null>((resolve) => {
    if (child.exitCode !== null) resolve(child.exitCode);
    else child.once('exit', (code) => resolve(code));
  });
  return {
    child,
    url,
    readyMs,
    rss: () => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1] ?? Number.NaN) * 1024,
    stop: () => {
      child.kill('SIGTERM');
      return exited;
    },
  };
}

/** The production hub on `dataDir`, on a free loopback port (build it first: `buildHub()`). */
export function startCompiledHub(dataDir: string, env: Readonly<Record<string, string>> = {}): Promise<StartedServer> {
  return startServer([...COMPILED_NODE_ARGS, HUB_MAIN], {
    LT_DATA_DIR: dataDir,
    LT_PORT: '0',
    LT_HOST: '127.0.0.1',
    LT_LOG_LEVEL: 'info',
    ...env,
  });
}
