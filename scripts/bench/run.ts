/**
 * `pnpm bench [name…]`: runs every `scripts/bench/*.bench.ts` (or only those named), then prints
 * one JSON summary to stdout. Progress goes to stderr. Exit code 1 when a module throws, or
 * with `--strict` when a target is missed. Each module runs in a process of its own: a fresh
 * heap and fresh compiled code, so one benchmark's garbage and call shapes cannot slow the next.
 * That process gets the hub's V8 flags (`HUB_V8_FLAGS`, as `pnpm start` runs the hub), since most
 * modules run their hub in it.
 */
import { fork } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { HUB_V8_FLAGS } from '@lienthong/testing';
import type { BenchModule, BenchReport } from './types.js';

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const strict = args.includes('--strict');
const wanted = args.filter((a) => !a.startsWith('--'));
const quick = process.env.BENCH_QUICK === '1';

const modules = readdirSync(here)
  .filter((f) => f.endsWith('.bench.ts'))
  .map((f) => ({ name: basename(f, '.bench.ts'), file: join(here, f) }))
  .filter((m) => wanted.length === 0 || wanted.includes(m.name))
  .sort((a, b) => a.name.localeCompare(b.name));

const unknown = wanted.filter((w) => !modules.some((m) => m.name === w));
if (unknown.length > 0) {
  process.stderr.write(`bench: no module named ${unknown.join(', ')}\n`);
  process.exit(2);
}

/** In a module's own process (forked below): run it, send the report, exit. */
async function runModule(file: string, name: string): Promise<BenchReport> {
  const tmpDir = mkdtempSync(join(tmpdir(), `lt-bench-${name}-`));
  const log = (message: string): void => {
    process.stderr.write(`[${name}] ${message}\n`);
  };
  try {
    const loaded = (await import(pathToFileURL(file).href)) as { default: BenchModule };
    return await loaded.default({ tmpDir, log, quick });
  } finally {
    rmSync(tmpDir, { recursive: true, force: true });
  }
}

const only = process.env.LT_BENCH_MODULE;
if (only !== undefined) {
  const m = modules.find((x) => x.name === only)!;
  const report = await runModule(m.file, m.name);
  process.send!({ report }, () => process.exit(0));
} else {
  await runAll();
}

async function runAll(): Promise<void> {
  const reports: BenchReport[] = [];
  const failures: { module: string; error: string }[] = [];
  const started = Date.now();
  for (const m of modules) {
    const t0 = performance.now();
    process.stderr.write(`[${m.name}] start\n`);
    try {
      reports.push(await inChild(m.name));
      process.stderr.write(`[${m.name}] done in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
    } catch (error) {
      process.stderr.write(`[${m.name}] failed: ${(error as Error).message}\n`);
      failures.push({ module: m.name, error: String((error as Error).message) });
    }
  }
  report(reports, failures, started);
}

/** Runs one module in a fresh process; its stderr (progress) passes through. */
function inChild(name: string): Promise<BenchReport> {
  return new Promise((resolve, reject) => {
    const child = fork(fileURLToPath(import.meta.url), [], {
      execArgv: [...process.execArgv, ...HUB_V8_FLAGS],
      env: { ...process.env, LT_BENCH_MODULE: name },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    let got: BenchReport | undefined;
    child.on('message', (m: { report: BenchReport }) => (got = m.report));
    child.on('error', reject);
    child.on('exit', (code, signal) => (got ? resolve(got) : reject(new Error(`exited with ${signal ?? code} before reporting`))));
  });
}

function report(reports: BenchReport[], failures: { module: string; error: string }[], started: number): void {
  const targets = reports.flatMap((r) => r.targets.map((t) => ({ report: r.name, ...t })));
  const summary = {
    startedAt: new Date(started).toISOString(),
    seconds: Math.round((Date.now() - started) / 100) / 10,
    machine: { node: process.version, cpus: cpus().length, cpu: cpus()[0]?.model ?? 'unknown' },
    quick,
    allTargetsMet: failures.length === 0 && targets.every((t) => t.met),
    missed: targets.filter((t) => !t.met),
    failures,
    reports,
  };
  process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
  process.exitCode = failures.length > 0 || (strict && !summary.allTargetsMet) ? 1 : 0;
}
