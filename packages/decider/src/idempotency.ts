import { createHash } from 'node:crypto';
import { DomainError, type DomainFacts } from './errors.js';

/**
 * The pure half of `Idempotency-Key` handling, shared by deciders: ids derived from their parts,
 * canonical JSON, and the retry check. Reading the header and hashing requests stay at the edge
 * (service-kit).
 */

/** What a keyed command records of its first use. */
export interface IdempotencyRecord {
  readonly key: string;
  /** The request's hash (plain SHA-256 of its canonical JSON, or keyed; the same every time). */
  readonly bodySha256: string;
}

/**
 * A UUID-shaped id derived from its parts (SHA-256, RFC 9562 version 8 layout). Deriving ids
 * instead of drawing them keeps the deciders pure and makes retries land on the same stream:
 * the same caller and idempotency key always name the same one.
 */
export function derivedId(...parts: readonly string[]): string {
  const hash = createHash('sha256').update(parts.join('\u0000'), 'utf8').digest();
  hash[6] = (hash[6]! & 0x0f) | 0x80;
  hash[8] = (hash[8]! & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/** Canonical JSON (keys sorted) so that the same JSON body hashes the same whatever its key order. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

export const sha256Hex = (text: string | Buffer): string => createHash('sha256').update(text).digest('hex');

/**
 * The retry check: nothing recorded → false (a first use); the same request → true (answer as
 * the first time); another request under the key → `idempotency-mismatch` with `message`.
 */
export function isReplay(
  recorded: IdempotencyRecord | null | undefined,
  incoming: IdempotencyRecord,
  message: string,
  facts?: DomainFacts,
): boolean {
  if (!recorded) return false;
  if (recorded.bodySha256 === incoming.bodySha256) return true;
  throw new DomainError('idempotency-mismatch', message, facts ? { facts } : {});
}
