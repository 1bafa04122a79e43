import { createHash, createHmac } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { AppError, validationError, type AppErrorOptions } from './errors.js';

/**
 * `Idempotency-Key` (SPEC §4), one mechanism for every keyed command of the hub: the key is
 * scoped to the caller by deriving an id from both (`derivedId`), the request is identified by
 * the SHA-256 of its canonical JSON (`requestHash`) or, when the body carries personal data, its
 * HMAC-SHA256 under a secret of the service (`keyedRequestHash`), and whatever records the first
 * use keeps `{key, bodySha256}`; a later use is a replay when the hash is the same and a 409 otherwise
 * (`isReplay`). Documents derive the document id from sender and key; dossiers keep a
 * `dossierrequest-<id>` stream.
 */

/** What a keyed command records of its first use. */
export interface IdempotencyRecord {
  readonly key: string;
  /** `requestHash` of the request, or its `keyedRequestHash` (the same secret every time). */
  readonly bodySha256: string;
}

/** The `Idempotency-Key` header, if any: 1 to 200 visible ASCII characters, else 400. */
export function idempotencyKey(request: Pick<FastifyRequest, 'headers'>): string | undefined {
  const key = request.headers['idempotency-key'];
  if (key === undefined) return undefined;
  if (typeof key !== 'string' || !/^[\x21-\x7e]{1,200}$/.test(key))
    throw validationError('Idempotency-Key must be 1 to 200 visible ASCII characters', [{ path: 'headers/idempotency-key', message: 'invalid' }]);
  return key;
}

/** The header in a route's schema (for the OpenAPI page; `idempotencyKey` checks it). */
export const idempotencyKeyHeaderSchema = { type: 'object', properties: { 'idempotency-key': { type: 'string', maxLength: 200 } } } as const;

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

/** The identity of a JSON request (body, and for routes with a target, the target too). */
export const requestHash = (value: unknown): string => sha256Hex(canonicalJson(value));

/**
 * The identity of a request whose body carries personal data (an applicant's name, ID number,
 * phone…): HMAC-SHA256 (hex) of its canonical JSON under `secret`. The recorded hash travels in
 * events (the bus, exports, audit); an unkeyed one would let anyone who guesses a body confirm it
 * offline. The same secret must be used for every request of a key, across restarts.
 */
export const keyedRequestHash = (secret: Buffer, value: unknown): string => createHmac('sha256', secret).update(canonicalJson(value), 'utf8').digest('hex');

/**
 * The retry check: nothing recorded → false (a first use); the same request → true (answer as
 * the first time); another request under the key → 409 `LT_IDEMPOTENCY_MISMATCH` with `detail`.
 */
export function isReplay(recorded: IdempotencyRecord | null | undefined, incoming: IdempotencyRecord, detail: string, extensions?: AppErrorOptions['extensions']): boolean {
  if (!recorded) return false;
  if (recorded.bodySha256 === incoming.bodySha256) return true;
  throw new AppError('LT_IDEMPOTENCY_MISMATCH', detail, extensions ? { extensions } : {});
}
