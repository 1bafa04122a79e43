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
 * run with them: young generation of at most 2 × 32 MB (default 2 × 16). Routing allocates ~90 KB
 * per document, mostly dead by the next scavenge; a larger young generation halves the scavenges
 * (GC 9.3 % of the documents bench at 8 MB, 7.7 % at 16, 4.7 % at 32, 3.3 % at 64 with longer
 * pauses: measured on a quiet machine, 2026-12-06). Idle, V8 grows it no further than at 16 (RSS
 * 5 s after ready 139–144 MB at 32, as at 16; 124 at 8), and its memory reducer gives it back
 * after ~15 s idle (104 MB).
 */
export const HUB_V8_FLAGS: readonly string[] = ['--max-semi-space-size=32'];

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
