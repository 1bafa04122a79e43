/** The dossiers service's own uses of its secrets; the key files and the PIN hash rule are @lienthong/dossier-contract's. */
import { createCipheriv, createDecipheriv, createHmac, randomBytes, randomInt } from 'node:crypto';

const PIN_DIGITS = 8;

/** A fresh lookup PIN: 8 random digits, printed on the receipt and never stored. */
export function newPin(): string {
  return String(randomInt(0, 10 ** PIN_DIGITS)).padStart(PIN_DIGITS, '0');
}

/**
 * The lookup PIN of a keyed receipt (`Idempotency-Key`): derived, not drawn, so that a retry
 * answers the same PIN without it being stored anywhere, in clear or sealed. HMAC-SHA256 of the
 * request id (derived from the caller and the key) under the `pin-hmac` secret, in a message
 * form of its own (`lookup-pin\0…`, never `<code>:<pin>`); 64 bits reduced to 8 digits (bias
 * below 10⁻¹¹). Without the secret, knowing the caller and the key gives nothing.
 */
export function derivePin(key: Buffer, requestId: string): string {
  const digest = createHmac('sha256', key).update(`lookup-pin\u0000${requestId}`, 'utf8').digest();
  return String(digest.readBigUInt64BE(0) % BigInt(10 ** PIN_DIGITS)).padStart(PIN_DIGITS, '0');
}

/**
 * The secret of the request hashes of keyed receipts and actions (service-kit's
 * `keyedRequestHash`): a receipt's body holds the applicant, and its hash is in an event, so it is
 * keyed. Derived from the `pin-hmac` secret (HMAC of a label of its own), so there is no other file
 * to back up and the hashes are no PIN hash or PIN.
 */
export function requestHashKey(pinKey: Buffer): Buffer {
  return createHmac('sha256', pinKey).update('dossier-request-hash', 'utf8').digest();
}

/** AES-256-GCM; the dossier code is the associated data, so a sealed value cannot be moved to another dossier. */
export function seal(key: Buffer, aad: string, value: unknown): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(aad, 'utf8'));
  const body = Buffer.concat([cipher.update(JSON.stringify(value), 'utf8'), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url');
}

export function unseal<T>(key: Buffer, aad: string, sealed: string): T {
  const raw = Buffer.from(sealed, 'base64url');
  const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12));
  decipher.setAAD(Buffer.from(aad, 'utf8'));
  decipher.setAuthTag(raw.subarray(12, 28));
  return JSON.parse(Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8')) as T;
}

/** `Nguyễn Văn An` → `N*** V*** A***`: initials only, the length hidden. */
export function maskName(name: string): string {
  return name
    .trim()
    .split(/\s+/u)
    .map((w) => `${[...w][0] ?? ''}***`)
    .join(' ');
}
