import { createHash } from 'node:crypto';
import canonicalizeModule from 'canonicalize';
import type { EventMetadata } from './types.js';

// A CommonJS function export: under NodeNext the typings see a namespace, at run time it is the function.
const canonicalize = canonicalizeModule as unknown as (input: unknown) => string | undefined;

/** prevHash of every stream's first event. */
export const GENESIS_HASH = '0'.repeat(64);

/** The fields the hash covers: everything but the global position, which an adapter assigns at commit. */
export interface HashedFields {
  readonly id: string;
  readonly stream: string;
  readonly revision: number;
  readonly type: string;
  readonly data: unknown;
  readonly metadata: EventMetadata;
}

/** SHA-256 (hex) of the RFC 8785 canonical JSON of the event, chained to the previous hash. */
export function hashEvent(event: HashedFields, prevHash: string): string {
  const canonical = canonicalize({
    id: event.id,
    stream: event.stream,
    revision: event.revision,
    type: event.type,
    data: event.data,
    metadata: event.metadata,
  });
  if (canonical === undefined) throw new TypeError(`event ${event.id} cannot be serialised`);
  return createHash('sha256').update(prevHash).update('\n').update(canonical).digest('hex');
}

/** Checks a stream's events, read forward, against their chain; returns the first broken one. */
export function findBrokenLink<E extends HashedFields & { prevHash: string; hash: string }>(
  events: Iterable<E>,
  startPrevHash = GENESIS_HASH,
): E | undefined {
  let prev = startPrevHash;
  for (const e of events) {
    if (e.prevHash !== prev || hashEvent(e, prev) !== e.hash) return e;
    prev = e.hash;
  }
  return undefined;
}
