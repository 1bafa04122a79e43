import { createHmac, timingSafeEqual } from 'node:crypto';
import { loadSecret } from './secret-keys.js';

/**
 * The lookup PIN rule. The dossiers service records `pinHash` in DossierReceived; the status
 * tracker checks a citizen's code and PIN against it. Both must compute the same hash.
 */

/** HMAC-SHA256 (hex) of `<dossierCode>:<pin>`; binding the code means a hash cannot be replayed for another dossier. */
export function hashPin(key: Buffer, dossierCode: string, pin: string): string {
  return createHmac('sha256', key).update(`${dossierCode}:${pin}`, 'utf8').digest('hex');
}

/** Constant-time check of a PIN against the `pinHash` of the dossier's DossierReceived event. */
export function verifyPin(key: Buffer, dossierCode: string, pin: string, storedHash: string): boolean {
  const expected = Buffer.from(hashPin(key, dossierCode, pin), 'hex');
  const stored = Buffer.from(storedHash, 'hex');
  return stored.length === expected.length && timingSafeEqual(stored, expected);
}

/** Checks a PIN against a stored hash: `(dossierCode, pin, storedHash) → matches`. */
export type PinVerifier = (dossierCode: string, pin: string, storedHash: string) => boolean;

/** A verifier bound to the `pin-hmac` key of a deployment's secrets directory. */
export function pinVerifier(secretsDir: string): PinVerifier {
  const key = loadSecret(secretsDir, 'pin-hmac');
  return (code, pin, hash) => verifyPin(key, code, pin, hash);
}
