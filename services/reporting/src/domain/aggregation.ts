import type { IndicatorRecord, IndicatorValue, ReportValues } from './events.js';

/** What an aggregate carries per numeric indicator, so that a level above combines without going back to the leaves. */
export interface Accumulator {
  readonly sum: number;
  readonly count: number;
  readonly min: number;
  readonly max: number;
}
export type Accumulators = Readonly<Record<string, Accumulator>>;

const combine = (a: Accumulator | undefined, b: Accumulator): Accumulator =>
  a === undefined ? b : { sum: a.sum + b.sum, count: a.count + b.count, min: Math.min(a.min, b.min), max: Math.max(a.max, b.max) };

/** Accumulators of one agency's own values (numbers only; text and `none` stay the agency's own). */
export function ownAccumulators(values: ReportValues): Accumulators {
  const out: Record<string, Accumulator> = {};
  for (const [code, v] of Object.entries(values)) if (typeof v === 'number') out[code] = { sum: v, count: 1, min: v, max: v };
  return out;
}

/** An agency's own accumulators plus its children's accepted ones. */
export function combineAccumulators(parts: readonly Accumulators[]): Accumulators {
  const out: Record<string, Accumulator> = {};
  for (const part of parts) for (const [code, acc] of Object.entries(part)) out[code] = combine(out[code], acc);
  return out;
}

const round = (value: number, decimals: number | null) => {
  if (decimals === null) return value;
  const f = 10 ** decimals;
  return Math.round(value * f) / f;
};

/**
 * The values of an aggregate by each indicator's aggregation: sum, avg (over every contributing
 * value, not an average of averages), min, max, ratio (Σ numerator / Σ denominator, ×100 for a
 * percent), none (the agency's own value only). An indicator nobody gave is left out.
 */
export function aggregateValues(
  indicators: Readonly<Record<string, IndicatorRecord>>,
  own: ReportValues,
  acc: Accumulators,
): Record<string, IndicatorValue> {
  const out: Record<string, IndicatorValue> = {};
  for (const [code, indicator] of Object.entries(indicators)) {
    const a = acc[code];
    switch (indicator.aggregation) {
      case 'none':
        if (own[code] !== undefined) out[code] = own[code];
        break;
      case 'sum':
        if (a) out[code] = round(a.sum, indicator.decimals);
        break;
      case 'avg':
        if (a && a.count > 0) out[code] = round(a.sum / a.count, indicator.decimals);
        break;
      case 'min':
        if (a) out[code] = round(a.min, indicator.decimals);
        break;
      case 'max':
        if (a) out[code] = round(a.max, indicator.decimals);
        break;
      case 'ratio': {
        const n = indicator.numerator === null ? undefined : acc[indicator.numerator];
        const d = indicator.denominator === null ? undefined : acc[indicator.denominator];
        if (n && d && d.sum !== 0) out[code] = round((n.sum / d.sum) * (indicator.kind === 'percent' ? 100 : 1), indicator.decimals);
        break;
      }
    }
  }
  return out;
}
