import { createHash } from 'node:crypto';

/**
 * A UUID-shaped id derived from its parts (SHA-256, RFC 9562 version 8 layout). Deriving ids
 * instead of drawing them keeps the deciders pure and makes retries land on the same stream:
 * the same sender and idempotency key always name the same document.
 */
export function derivedId(...parts: readonly string[]): string {
  const hash = createHash('sha256').update(parts.join('\u0000'), 'utf8').digest();
  hash[6] = (hash[6]! & 0x0f) | 0x80;
  hash[8] = (hash[8]! & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

export const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export const documentIdFor = (senderOrganId: string, idempotencyKey: string): string => derivedId('document', senderOrganId, idempotencyKey);
export const deliveryIdFor = (messageId: string, organId: string): string => derivedId('delivery', messageId, organId);
export const statusIdFor = (documentId: string, from: string, key: string): string => derivedId('status', documentId, from, key);

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
