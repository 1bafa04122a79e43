import type { ProcedurePublished } from '../events.js';

/** An event of a `procedure-<code>` stream as stored or replicated: a `RecordedEvent` fits, so does a replica row. */
export interface ProcedureEventEnvelope {
  readonly type: string;
  readonly data: unknown;
  readonly metadata: { readonly at: string };
}

/** A version, when it was published and when it is legally in force from. */
export interface ProcedureInForce {
  readonly procedure: ProcedurePublished['data'];
  readonly publishedAt: string;
  readonly effectiveFrom: string;
}

/** Why no version is in force at an instant. */
export type ProcedureNotInForce =
  | { readonly reason: 'unknown' }
  /** Retired at `retiredAt` (at or before the instant); `againFrom`: a later publication comes into force then. */
  | { readonly reason: 'retired'; readonly retiredAt: string; readonly againFrom?: string }
  /** Every applicable version comes into force later; `from` is the earliest of them. */
  | { readonly reason: 'not-yet-in-force'; readonly from: string };

export type ProcedureLookupAt = ({ readonly found: true } & ProcedureInForce) | ({ readonly found: false } & ProcedureNotInForce);

/** The legal effective date of a publication; events stored before `effectiveFrom` existed take their own time. */
export function effectiveFromOf(event: ProcedureEventEnvelope): string {
  const given = (event.data as { effectiveFrom?: unknown }).effectiveFrom;
  return typeof given === 'string' ? given : event.metadata.at;
}

/**
 * Which version of a procedure applies at an instant (the receipt of a dossier), and if none, why.
 * Every publication of the stream counts, whenever it was typed in: a version applies from its
 * `effectiveFrom`. Among the versions with `effectiveFrom` ≤ `at`, the one with the latest
 * `effectiveFrom` applies (equal dates: the higher version, a correction); so a correction typed
 * later does not undo an amendment already scheduled to come into force. A `ProcedureRetired`
 * at or before `at` ends every version published before it; only later publications can apply.
 * `events` are the stream's events in stream order; other types are ignored. Pure.
 */
export function procedureLookupAt(events: readonly ProcedureEventEnvelope[], at: Date | string): ProcedureLookupAt {
  const instant = typeof at === 'string' ? Date.parse(at) : at.getTime();
  if (Number.isNaN(instant)) throw new RangeError(`invalid instant ${String(at)}`);
  if (events.length === 0) return { found: false, reason: 'unknown' };
  let candidates: ProcedureInForce[] = [];
  let retiredAt: string | null = null;
  for (const event of events) {
    if (event.type === 'ProcedurePublished') {
      candidates.push({
        procedure: event.data as ProcedurePublished['data'],
        publishedAt: event.metadata.at,
        effectiveFrom: effectiveFromOf(event),
      });
    } else if (event.type === 'ProcedureRetired' && Date.parse(event.metadata.at) <= instant) {
      candidates = [];
      retiredAt = event.metadata.at;
    }
  }
  let best: ProcedureInForce | null = null;
  let earliestLater: number | null = null;
  for (const c of candidates) {
    const from = Date.parse(c.effectiveFrom);
    if (from > instant) {
      earliestLater = earliestLater === null ? from : Math.min(earliestLater, from);
      continue;
    }
    // Stream order: a later candidate with the same effective date is a higher version.
    if (best === null || from >= Date.parse(best.effectiveFrom)) best = c;
  }
  if (best) return { found: true, ...best };
  const later = earliestLater === null ? undefined : new Date(earliestLater).toISOString();
  if (retiredAt !== null) return { found: false, reason: 'retired', retiredAt, ...(later !== undefined ? { againFrom: later } : {}) };
  if (later !== undefined) return { found: false, reason: 'not-yet-in-force', from: later };
  return { found: false, reason: 'unknown' }; // a stream of other events only
}

/** The version in force at an instant (see `procedureLookupAt`), or null. */
export function procedureInForce(events: readonly ProcedureEventEnvelope[], at: Date | string): ProcedureInForce | null {
  const lookup = procedureLookupAt(events, at);
  return lookup.found ? { procedure: lookup.procedure, publishedAt: lookup.publishedAt, effectiveFrom: lookup.effectiveFrom } : null;
}

/** Why a procedure is not in force, in the words of a 4xx answer: `procedure 1.000001 is not yet in force at … (in force from …)`. */
export function notInForceMessage(code: string, at: Date, lookup: ProcedureNotInForce): string {
  const when = at.toISOString();
  switch (lookup.reason) {
    case 'unknown':
      return `unknown procedure ${code}`;
    case 'retired':
      return `procedure ${code} was retired at ${lookup.retiredAt}, before ${when}${lookup.againFrom ? ` (in force again from ${lookup.againFrom})` : ''}`;
    case 'not-yet-in-force':
      return `procedure ${code} is not yet in force at ${when} (in force from ${lookup.from})`;
  }
}

/** One entry of a procedure's history, as `GET /v1/catalog/procedures/:code` lists it. */
export interface ProcedureVersionInfo {
  readonly version: number;
  readonly publishedAt: string;
  /** The legal effective date (ngày hiệu lực) of the version. */
  readonly effectiveFrom: string;
  /** When this version was retired (the procedure withdrawn while it was the latest), or null. */
  readonly retiredAt: string | null;
}

/** The versions of a stream, oldest first, with their retirements. */
export function procedureVersions(events: readonly ProcedureEventEnvelope[]): ProcedureVersionInfo[] {
  const versions: ProcedureVersionInfo[] = [];
  for (const event of events) {
    if (event.type === 'ProcedurePublished') {
      versions.push({
        version: (event.data as { version: number }).version,
        publishedAt: event.metadata.at,
        effectiveFrom: effectiveFromOf(event),
        retiredAt: null,
      });
    } else if (event.type === 'ProcedureRetired') {
      const last = versions.at(-1);
      if (last && last.retiredAt === null) versions[versions.length - 1] = { ...last, retiredAt: event.metadata.at };
    }
  }
  return versions;
}
