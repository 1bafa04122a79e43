/**
 * `pnpm bench [name…]`: runs every `scripts/bench/*.bench.ts` (or only those named), then prints
 * one JSON summary to stdout. Progress goes to stderr. Exit code 1 when a module throws, or
 * with `--strict` when a target is missed.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
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

const reports: BenchReport[] = [];
const failures: { module: string; error: string }[] = [];
const started = Date.now();
for (const m of modules) {
  const tmpDir = mkdtempSync(join(tmpdir(), `lt-bench-${m.name}-`));
  const log = (message: string): void => {
    process.stderr.write(`[${m.name}] ${message}\n`);
  };
  const t0 = performance.now();
  try {
    const loaded = (await import(pathToFileURL(m.file).href)) as { default: BenchModule };
    log('start');
    reports.push(await loaded.default({ tmpDir, log, quick }));
    log(`done in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  } catch (error) {
    log(`failed: ${(error as Error).stack ?? String(error)}`);
    failures.push({ module: m.name, error: String(error) });
  } finally {
    rmSync(tmpDir, { recursive: true, force: true });
  }
}

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
