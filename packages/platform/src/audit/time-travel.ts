/** Audit time travel: an aggregate folded as of a revision or an instant, with the services' own evolve. */
import { stateAt } from '@lienthong/decider';
import type { EventStore } from '@lienthong/event-store';
import type { AggregateType } from '../types.js';

/** `?at=` of the state route: a revision (digits) or an ISO-8601 instant. */
export type AsOf = { readonly revision: number } | { readonly instant: Date };

/**
 * An ISO-8601 date or time, seconds, fraction and zone optional, each part in its range (what
 * `Date.parse` reads: a day up to 31 in any month, 24:00 the next midnight). The routes' query
 * schemas check with these patterns and `parseAsOf` reads by them: one rule, two uses.
 */
const INSTANT = String.raw`\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])(T(([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d{1,9})?)?|24:00(:00(\.0{1,9})?)?)(Z|[+-]([01]\d|2[0-3]):?[0-5]\d)?)?`;
const REVISION = String.raw`\d{1,15}`;
export const INSTANT_PATTERN = `^${INSTANT}$`;
/** `at`: a revision or an instant. */
export const AS_OF_PATTERN = `^(${REVISION}|${INSTANT})$`;
const isInstant = new RegExp(INSTANT_PATTERN);
const isRevision = new RegExp(`^${REVISION}$`);

/** Parses `at`; null when it is neither a revision nor an ISO-8601 time. */
export function parseAsOf(at: string): AsOf | null {
  if (isRevision.test(at)) return { revision: Number(at) };
  if (!isInstant.test(at)) return null;
  const time = Date.parse(at);
  return Number.isNaN(time) ? null : { instant: new Date(time) };
}

/** The aggregate type whose stream prefix is the longest that names the stream. */
export function aggregateOf(aggregates: readonly AggregateType[], stream: string): AggregateType | undefined {
  let found: AggregateType | undefined;
  for (const a of aggregates)
    if (stream.startsWith(a.streamPrefix) && a.streamPrefix.length > (found?.streamPrefix.length ?? -1)) found = a;
  return found;
}

export interface HistoricState {
  readonly stream: string;
  readonly aggregate: string;
  /** Last revision folded in; -1 when the moment is before the first event. */
  readonly revision: number;
  /** When that revision was recorded (null before the first event). */
  readonly at: string | null;
  /** What was asked: a revision or an instant. */
  readonly asOf: { readonly revision: number } | { readonly instant: string };
  /** Revision of the stream now. */
  readonly headRevision: number;
  readonly state: unknown;
}

export async function historicState(
  store: EventStore,
  aggregate: AggregateType,
  stream: string,
  asOf: AsOf,
  headRevision: number,
): Promise<HistoricState> {
  const folded = await stateAt(store, aggregate, stream, asOf);
  return {
    stream,
    aggregate: aggregate.name,
    revision: folded.revision,
    at: folded.at,
    asOf: 'revision' in asOf ? { revision: asOf.revision } : { instant: asOf.instant.toISOString() },
    headRevision,
    state: toJsonable(folded.state),
  };
}

/** States may hold Maps, Sets or Dates: shown as objects, arrays and ISO strings. */
function toJsonable(value: unknown): unknown {
  if (value instanceof Map) return Object.fromEntries([...value].map(([k, v]) => [String(k), toJsonable(v)]));
  if (value instanceof Set) return [...value].map(toJsonable);
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map(toJsonable);
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toJsonable(v)]));
  return value;
}
