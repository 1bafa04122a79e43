/**
 * The hub's Ed25519 key pair (SPEC §6): `<secretsDir>/hub-ed25519.key`, PKCS#8 PEM, mode
 * 600, created on first start. It signs the event store's seals now and is the hub's federation
 * identity later. Losing it leaves old seals checkable only with the public key kept elsewhere
 * (`lienthong export --seals` writes it): back it up with the data.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readOrCreateFile } from '@lienthong/service-kit';
import { keyIdOf, rawPublicKey } from '@lienthong/event-store';

export const HUB_KEY_FILE = 'hub-ed25519.key';

export interface HubPublicKey {
  readonly publicKey: KeyObject;
  /** First 16 hex digits of the SHA-256 of the raw public key. */
  readonly keyId: string;
  /** The raw 32-byte public key, base64url. */
  readonly publicKeyRaw: string;
}

export interface HubKey extends HubPublicKey {
  readonly privateKey: KeyObject;
}

/** `<secretsDir>/hub-ed25519.key` (`LT_SECRETS_DIR`, default `<dataDir>/secrets`). */
export function hubKeyFile(secretsDir: string): string {
  return join(secretsDir, HUB_KEY_FILE);
}

/** The hub's key pair, created when the secrets directory has none (processes starting together share one). */
export function loadHubKey(secretsDir: string): HubKey {
  const file = hubKeyFile(secretsDir);
  mkdirSync(secretsDir, { recursive: true, mode: 0o700 });
  const { content } = readOrCreateFile(
    file,
    () => generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' }) as string,
  );
  chmodSync(file, 0o600);
  return fromPrivate(file, content);
}

/** The public half of an existing key, for checking seals; never creates one. */
export function readHubPublicKey(secretsDir: string): HubPublicKey {
  const file = hubKeyFile(secretsDir);
  if (!existsSync(file)) throw new Error(`no hub key at ${file}: seals cannot be checked without it (restore it from the backup)`);
  const { privateKey: _private, ...rest } = fromPrivate(file, readFileSync(file, 'utf8'));
  return rest;
}

function fromPrivate(file: string, pem: string): HubKey {
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(pem);
  } catch (error) {
    throw new Error(`${file} does not hold a PEM private key: ${(error as Error).message}`, { cause: error });
  }
  if (privateKey.asymmetricKeyType !== 'ed25519') throw new Error(`${file} holds a ${privateKey.asymmetricKeyType} key, not Ed25519`);
  const publicKey = createPublicKey(privateKey);
  return { privateKey, publicKey, keyId: keyIdOf(publicKey), publicKeyRaw: rawPublicKey(publicKey) };
}
