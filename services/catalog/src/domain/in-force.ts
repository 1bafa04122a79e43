import type { ProcedurePublished } from '../events.js';

/** An event of a `procedure-<code>` stream as stored or replicated: a `RecordedEvent` fits, so does a replica row. */
export interface ProcedureEventEnvelope {
  readonly type: string;
  readonly data: unknown;
  readonly metadata: { readonly at: string };
}

/** A version and the instant it came into force. */
export interface ProcedureInForce {
  readonly procedure: ProcedurePublished['data'];
  readonly publishedAt: string;
}

/**
 * The version of a procedure in force at an instant: the latest `ProcedurePublished` whose
 * `metadata.at` ≤ `at`, unless a `ProcedureRetired` came after it and at or before `at`.
 * `events` are the stream's events in stream order; other types are ignored. Pure.
 */
export function procedureInForce(events: readonly ProcedureEventEnvelope[], at: Date | string): ProcedureInForce | null {
  const instant = typeof at === 'string' ? Date.parse(at) : at.getTime();
  if (Number.isNaN(instant)) throw new RangeError(`invalid instant ${String(at)}`);
  let current: ProcedureInForce | null = null;
  for (const event of events) {
    if (Date.parse(event.metadata.at) > instant) continue;
    if (event.type === 'ProcedurePublished') current = { procedure: event.data as ProcedurePublished['data'], publishedAt: event.metadata.at };
    else if (event.type === 'ProcedureRetired') current = null;
  }
  return current;
}

/** One entry of a procedure's history, as `GET /v1/catalog/procedures/:code` lists it. */
export interface ProcedureVersionInfo {
  readonly version: number;
  readonly publishedAt: string;
  /** When this version was retired (the procedure withdrawn while it was the latest), or null. */
  readonly retiredAt: string | null;
}

/** The versions of a stream, oldest first, with their retirements. */
export function procedureVersions(events: readonly ProcedureEventEnvelope[]): ProcedureVersionInfo[] {
  const versions: ProcedureVersionInfo[] = [];
  for (const event of events) {
    if (event.type === 'ProcedurePublished') {
      versions.push({ version: (event.data as { version: number }).version, publishedAt: event.metadata.at, retiredAt: null });
    } else if (event.type === 'ProcedureRetired') {
      const last = versions.at(-1);
      if (last && last.retiredAt === null) versions[versions.length - 1] = { ...last, retiredAt: event.metadata.at };
    }
  }
  return versions;
}
