import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { readOrCreateFile } from '@lienthong/service-kit';

/**
 * The connectors' sealing key, `<secretsDir>/connectors.key` (32 bytes, base64, mode 600),
 * created on first use like the dossiers' `applicant` key. Every process of one deployment must
 * hold the same file; losing it makes the stored connector secrets unreadable (register again).
 */
export function loadConnectorKey(secretsDir: string): Buffer {
  mkdirSync(secretsDir, { recursive: true, mode: 0o700 });
  const file = join(secretsDir, 'connectors.key');
  const { content } = readOrCreateFile(file, () => randomBytes(32).toString('base64'));
  chmodSync(file, 0o600);
  const key = Buffer.from(content.trim(), 'base64');
  if (key.length !== 32) throw new Error(`${file} does not hold a 32-byte base64 key`);
  return key;
}

/** AES-256-GCM as the dossiers seal applicants; the connector id is the associated data, so a sealed secret cannot be moved to another connector. */
export function sealSecret(key: Buffer, connectorId: string, secret: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(`connector:${connectorId}`, 'utf8'));
  const body = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url');
}

export function unsealSecret(key: Buffer, connectorId: string, sealed: string): string {
  const raw = Buffer.from(sealed, 'base64url');
  const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12));
  decipher.setAAD(Buffer.from(`connector:${connectorId}`, 'utf8'));
  decipher.setAuthTag(raw.subarray(12, 28));
  return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
}

/** A fresh Standard Webhooks secret: `whsec_` + base64 of 32 random bytes. */
export function newWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}
