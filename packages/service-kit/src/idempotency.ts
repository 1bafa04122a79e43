import { createHmac } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { canonicalJson, sha256Hex } from '@lienthong/decider';
import { validationError } from './errors.js';

/**
 * `Idempotency-Key` (SPEC §4), one mechanism for every keyed command of the hub: the key is
 * scoped to the caller by deriving an id from both (`derivedId`), the request is identified by
 * the SHA-256 of its canonical JSON (`requestHash`) or, when the body carries personal data, its
 * HMAC-SHA256 under a secret of the service (`keyedRequestHash`), and whatever records the first
 * use keeps `{key, bodySha256}`; a later use is a replay when the hash is the same and a 409 otherwise
 * (`isReplay`). Documents derive the document id from sender and key; dossiers keep a
 * `dossierrequest-<id>` stream. The pure half (`derivedId`, `canonicalJson`, `isReplay`) is
 * `@lienthong/decider`'s.
 */

/** The `Idempotency-Key` header, if any: 1 to 200 visible ASCII characters, else 400. */
export function idempotencyKey(request: Pick<FastifyRequest, 'headers'>): string | undefined {
  const key = request.headers['idempotency-key'];
  if (key === undefined) return undefined;
  if (typeof key !== 'string' || !/^[\x21-\x7e]{1,200}$/.test(key))
    throw validationError('Idempotency-Key must be 1 to 200 visible ASCII characters', [
      { path: 'headers/idempotency-key', message: 'invalid' },
    ]);
  return key;
}

/** The header in a route's schema (for the OpenAPI page; `idempotencyKey` checks it). */
export const idempotencyKeyHeaderSchema = {
  type: 'object',
  properties: { 'idempotency-key': { type: 'string', maxLength: 200 } },
} as const;

/** The identity of a JSON request (body, and for routes with a target, the target too). */
export const requestHash = (value: unknown): string => sha256Hex(canonicalJson(value));

/**
 * The identity of a request whose body carries personal data (an applicant's name, ID number,
 * phone…): HMAC-SHA256 (hex) of its canonical JSON under `secret`. The recorded hash travels in
 * events (the bus, exports, audit); an unkeyed one would let anyone who guesses a body confirm it
 * offline. The same secret must be used for every request of a key, across restarts.
 */
export const keyedRequestHash = (secret: Buffer, value: unknown): string =>
  createHmac('sha256', secret).update(canonicalJson(value), 'utf8').digest('hex');
