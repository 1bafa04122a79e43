/** The shapes every `*.bench.ts` module and the harness share. */

export interface BenchContext {
  /** A fresh directory for this module's files; removed after it runs. */
  readonly tmpDir: string;
  /** Progress line to stderr (stdout carries only the final JSON). */
  readonly log: (message: string) => void;
  /** `BENCH_QUICK=1`: shorter runs, for smoke-testing the harness. */
  readonly quick: boolean;
}

export interface Metric {
  readonly value: number;
  readonly unit: string;
}

export interface Target {
  readonly name: string;
  /** The threshold, in the unit of `actual`. */
  readonly target: number;
  readonly actual: number;
  readonly met: boolean;
}

export interface BenchReport {
  readonly name: string;
  /** What was measured, by the adapter under test. */
  readonly metrics: Readonly<Record<string, Metric>>;
  /** The same work done the plain way, measured in the same run. */
  readonly baseline: Readonly<Record<string, Metric>>;
  /** metric / baseline, named after the pair. */
  readonly ratios: Readonly<Record<string, number>>;
  readonly targets: readonly Target[];
  readonly notes?: readonly string[];
}

export type BenchModule = (ctx: BenchContext) => Promise<BenchReport>;

/** `actual >= target`, rounded for the summary. */
export function atLeast(name: string, target: number, actual: number): Target {
  return { name, target, actual: round(actual), met: actual >= target };
}

export function round(value: number, digits = 3): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/** The p-th percentile (nearest rank) of ascending `sorted`; NaN when empty. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}
