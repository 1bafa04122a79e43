import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { readOrCreateFile } from '@lienthong/service-kit';

/** The secrets of a deployment that the dossiers service and the status tracker share. */
export type SecretName = 'pin-hmac' | 'applicant';

/**
 * A 32-byte secret kept in `<secretsDir>/<name>.key` (mode 600; `LT_SECRETS_DIR`, default
 * `<dataDir>/secrets`), created on first use (on a server store only with `LT_INIT_SECRETS=1`,
 * checked by the platform before any service loads it).
 * `pin-hmac` keys the lookup PIN hashes (checked by the status tracker too) and the dossiers'
 * request hashes; `applicant` seals applicants' personal data in events. Every process of one
 * deployment must hold the same files. Losing one makes the PINs unverifiable / the applicants
 * unreadable: back it up with the data.
 */
export function loadSecret(secretsDir: string, name: SecretName): Buffer {
  const file = join(secretsDir, `${name}.key`);
  mkdirSync(secretsDir, { recursive: true, mode: 0o700 });
  const { content } = readOrCreateFile(file, () => randomBytes(32).toString('base64'));
  chmodSync(file, 0o600);
  const key = Buffer.from(content.trim(), 'base64');
  if (key.length !== 32) throw new Error(`${file} does not hold a 32-byte base64 key`);
  return key;
}
