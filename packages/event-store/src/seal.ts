/**
 * Seals: the store's signed statement "history up to global position P folds to running hash C".
 * The running hash folds every event's hash with its position, in position order, so an event
 * deleted, added, moved to another position or altered (even with its own hash recomputed)
 * changes every running hash after it; the hub's Ed25519 signature means a seal cannot be
 * remade without its key. Pure: no I/O, no clock; the SQLite adapter makes seals, verification
 * and the export read them.
 */
import { createHash, createPublicKey, hash, sign, verify, type KeyObject } from 'node:crypto';
import { GENESIS_HASH } from './hash.js';

export const SEAL_FORMAT = 'lienthong-seal/1';

/** Running hash of an empty store (position 0). */
export const CHAIN_START = GENESIS_HASH;

export interface UnsignedSeal {
  /** 1, 2, 3… without gaps: a deleted seal shows. */
  readonly seq: number;
  /** Last global position covered (0: the empty store). */
  readonly position: number;
  /** Running hash over every event up to `position` (see `foldChain`). */
  readonly chain: string;
  /** When the seal was made (ISO-8601). */
  readonly at: string;
  /**
   * The sealing rule in force: a commit that leaves this many positions or more past the last
   * seal seals in the same transaction, so fewer are ever left unsealed (a deleted last seal shows).
   */
  readonly every: number;
  /** Which hub key signed it (`keyIdOf`). */
  readonly keyId: string;
  /**
   * `adopt`: the first seal of a store that already held events, made by an operator
   * (`lienthong seal --adopt`): the history up to `position` was vouched for only then. Absent
   * on every other seal (the first one of a store sealed from empty is at position 0).
   */
  readonly kind?: SealKind;
}

export type SealKind = 'adopt';

export interface Seal extends UnsignedSeal {
  /** Ed25519 over `sealPayload`, base64url. */
  readonly signature: string;
}

/** The running hash after the event at `position` whose hash is `eventHash`. */
export function foldChain(chain: string, position: number, eventHash: string): string {
  // one-shot: no Hash object per event
  return hash('sha256', `${chain}\n${position}\n${eventHash}`, 'hex');
}

/** The exact bytes signed: every field, one a line, after the format name (`kind`, when there is one, last). */
export function sealPayload(s: UnsignedSeal): string {
  return `${SEAL_FORMAT}\n${s.keyId}\n${s.seq}\n${s.position}\n${s.chain}\n${s.at}\n${s.every}${s.kind ? `\n${s.kind}` : ''}`;
}

export function signSeal(s: UnsignedSeal, privateKey: KeyObject): Seal {
  return { ...s, signature: sign(null, Buffer.from(sealPayload(s)), privateKey).toString('base64url') };
}

/** True when `publicKey` signed this seal as it stands. */
export function sealSignatureHolds(s: Seal, publicKey: KeyObject): boolean {
  try {
    return verify(null, Buffer.from(sealPayload(s)), publicKey, Buffer.from(s.signature, 'base64url'));
  } catch {
    // A signature that is not even well formed does not hold.
    return false;
  }
}

/** The raw 32-byte Ed25519 public key, base64url (the `x` of its JWK). */
export function rawPublicKey(key: KeyObject): string {
  const publicKey = key.type === 'private' ? createPublicKey(key) : key;
  const x = publicKey.export({ format: 'jwk' }).x;
  if (publicKey.asymmetricKeyType !== 'ed25519' || typeof x !== 'string') throw new TypeError('not an Ed25519 key');
  return x;
}

/** Short, stable name of a key: the first 16 hex digits of the SHA-256 of its raw public key. */
export function keyIdOf(key: KeyObject): string {
  return createHash('sha256')
    .update(Buffer.from(rawPublicKey(key), 'base64url'))
    .digest('hex')
    .slice(0, 16);
}

/** Short enough to write down: `#42 @123456 3f2a9c1b7d4e5f60` (seq, position, 64 bits of the running hash). */
export function shortSeal(s: Pick<Seal, 'seq' | 'position' | 'chain'>): string {
  return `#${s.seq} @${s.position} ${s.chain.slice(0, 16)}`;
}

const HEX64 = /^[0-9a-f]{64}$/;

/** A seal from untrusted JSON (an export line, a row): the fields and their types, or why not. */
export function parseSeal(value: unknown): Seal | string {
  if (value === null || typeof value !== 'object') return 'not an object';
  const v = value as Record<string, unknown>;
  for (const name of ['seq', 'position', 'every'] as const)
    if (!Number.isSafeInteger(v[name]) || (v[name] as number) < (name === 'position' ? 0 : 1)) return `${name} is not a valid integer`;
  if (typeof v.chain !== 'string' || !HEX64.test(v.chain)) return 'chain is not a SHA-256 hex digest';
  for (const name of ['at', 'keyId', 'signature'] as const) if (typeof v[name] !== 'string' || v[name] === '') return `${name} is missing`;
  // A row's NULL kind is an ordinary seal, as is a JSON line without one.
  if (v.kind !== undefined && v.kind !== null && v.kind !== 'adopt') return `kind is not "adopt"`;
  return {
    seq: v.seq as number,
    position: v.position as number,
    chain: v.chain,
    at: v.at as string,
    every: v.every as number,
    keyId: v.keyId as string,
    signature: v.signature as string,
    ...(v.kind === 'adopt' ? { kind: 'adopt' as const } : {}),
  };
}

/** The fields in which two seals of the same `seq` differ (empty when they are the same seal). */
export function sealDifferences(a: Seal, b: Seal): string[] {
  return (['position', 'chain', 'at', 'every', 'keyId', 'kind', 'signature'] as const).filter((k) => a[k] !== b[k]);
}
