/**
 * RFC 9421 HTTP Message Signatures with Ed25519 (RFC 9421 §3.3.6), built on the
 * `http-message-signatures` library for the signature base and the crypto, with our own checks in
 * front of it so that every refusal has its own name (errors.ts).
 */
import { randomBytes, sign as edSign, verify as edVerify, type KeyObject } from 'node:crypto';
import { isInnerList, parseDictionary, serializeDictionary, Token, type Dictionary } from 'structured-headers';
import { contentDigest } from './content-digest.js';
import { SignatureError } from './errors.js';
import type { NonceStore } from './nonce-store.js';

let loaded: Promise<(typeof import('http-message-signatures'))['httpbis']> | undefined;
/** The library is imported on the first signature made or checked, not at start (a hub without peers never loads it); once. */
const library = () => (loaded ??= import('http-message-signatures').then((m) => m.httpbis));

/** What lienthong's federation signs (SPEC §6). */
export const FEDERATION_COMPONENTS = ['@method', '@target-uri', 'content-digest'] as const;

export interface SignableRequest {
  readonly method: string;
  /** The absolute URL the request is sent to (`@target-uri`). */
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
}

export interface SigningKey {
  readonly keyId: string;
  readonly privateKey: KeyObject;
}

export interface SignOptions {
  /** Default: {@link FEDERATION_COMPONENTS}. */
  readonly components?: readonly string[];
  /** Default: now. */
  readonly created?: Date;
  /** Default: 16 random bytes, base64url. */
  readonly nonce?: string;
  /** Signature label (default `sig`). */
  readonly label?: string;
}

/**
 * The headers to add to a request: `Content-Digest` of the body (sha-256), `Signature-Input` and
 * `Signature` covering the components with `created`, `keyid`, `alg="ed25519"` and `nonce`.
 */
export async function signRequest(
  request: Omit<SignableRequest, 'headers'> & { readonly headers?: Readonly<Record<string, string>>; readonly body: Uint8Array | string },
  key: SigningKey,
  options: SignOptions = {},
): Promise<Record<string, string>> {
  const headers: Record<string, string> = { ...lowerCase(request.headers ?? {}), 'content-digest': contentDigest(request.body) };
  const signed = await (
    await library()
  ).signMessage(
    {
      key: { id: key.keyId, alg: 'ed25519', sign: (data: Buffer) => Promise.resolve(edSign(null, data, key.privateKey)) },
      name: options.label ?? 'sig',
      fields: [...(options.components ?? FEDERATION_COMPONENTS)],
      params: ['created', 'keyid', 'alg', 'nonce'],
      paramValues: { created: options.created ?? new Date(), nonce: options.nonce ?? randomBytes(16).toString('base64url') },
    },
    { method: request.method, url: request.url, headers },
  );
  return lowerCase(signed.headers);
}

export interface VerifyOptions {
  /** The public key registered under a keyid, if any. */
  readonly keys: (keyId: string) => KeyObject | undefined;
  /** Nonces already used; omit only to check a signature that carries none (RFC test vectors). */
  readonly nonces?: NonceStore;
  /** Components the signature must cover (default: {@link FEDERATION_COMPONENTS}). */
  readonly components?: readonly string[];
  /** Seconds `created` may lie before (or after, for clock skew) now (default 300). */
  readonly windowSeconds?: number;
  readonly now?: () => Date;
}

export interface VerifiedSignature {
  readonly keyId: string;
  readonly created: Date;
  readonly nonce: string | undefined;
  readonly label: string;
  readonly components: readonly string[];
}

/** Checks a request's signature; throws a {@link SignatureError} naming the first reason it fails. */
export async function verifyRequest(request: SignableRequest, options: VerifyOptions): Promise<VerifiedSignature> {
  const headers = lowerCase(request.headers);
  const signatureField = headers['signature'];
  const inputField = headers['signature-input'];
  if (signatureField === undefined && inputField === undefined) throw new SignatureError('missing-signature');
  // 1. parse: exactly one signature, an inner list of component names with parameters
  let inputs: Dictionary;
  let signatures: Dictionary;
  try {
    inputs = parseDictionary(inputField ?? '');
    signatures = parseDictionary(signatureField ?? '');
  } catch (error) {
    throw new SignatureError('malformed-signature', `malformed signature fields: ${(error as Error).message}`);
  }
  const [entry] = [...inputs];
  if (!entry || inputs.size !== 1) throw new SignatureError('malformed-signature', 'Signature-Input must hold exactly one signature');
  const [label, input] = entry;
  const value = signatures.get(label);
  if (!isInnerList(input) || value === undefined || isInnerList(value) || !(value[0] instanceof ArrayBuffer))
    throw new SignatureError('malformed-signature', `signature ${label} is not an inner list with a byte-sequence Signature`);
  const components = input[0].map(([name]) => String(name));
  const params: ReadonlyMap<string, unknown> = input[1];
  // 2. required components and parameters
  const required = options.components ?? FEDERATION_COMPONENTS;
  const missing = required.filter((c) => !components.includes(c));
  if (missing.length > 0) throw new SignatureError('missing-components', `the signature does not cover ${missing.join(', ')}`);
  const keyId = params.get('keyid');
  const created = params.get('created');
  const nonce = params.get('nonce');
  if (typeof keyId !== 'string') throw new SignatureError('missing-parameters', 'the signature has no keyid string');
  if (typeof created !== 'number' || !Number.isInteger(created))
    throw new SignatureError('missing-parameters', 'the signature has no integer created', keyId);
  if (options.nonces && typeof nonce !== 'string')
    throw new SignatureError('missing-parameters', 'the signature has no nonce string', keyId);
  const alg = params.get('alg');
  const algName = alg instanceof Token ? alg.toString() : typeof alg === 'string' ? alg : undefined;
  if (alg !== undefined && algName !== 'ed25519')
    throw new SignatureError('unsupported-algorithm', `alg ${algName ?? typeof alg} is not ed25519`, keyId);
  // 3. the key, the window
  const publicKey = options.keys(keyId);
  if (!publicKey) throw new SignatureError('unknown-key', `no key is registered under keyid ${keyId}`, keyId);
  if (publicKey.asymmetricKeyType !== 'ed25519') throw new SignatureError('unsupported-algorithm', `key ${keyId} is not Ed25519`, keyId);
  const now = Math.floor((options.now ?? (() => new Date()))().getTime() / 1000);
  const window = options.windowSeconds ?? 300;
  if (Math.abs(now - created) > window)
    throw new SignatureError('stale-created', `created ${created} is ${now - created} s from now; the window is ${window} s`, keyId);
  // 4. the signature itself, over this one signature's base
  let valid: boolean | null;
  try {
    valid = await (
      await library()
    ).verifyMessage(
      {
        keyLookup: () =>
          Promise.resolve({
            id: keyId,
            algs: ['ed25519'],
            verify: (data: Buffer, sig: Buffer) => Promise.resolve(edVerify(null, data, publicKey, sig)),
          }),
        notAfter: now + window,
      },
      {
        method: request.method,
        url: request.url,
        // the library is handed this one signature: the fields as sent when they hold no other
        headers:
          signatures.size === 1
            ? headers
            : {
                ...headers,
                'signature-input': serializeDictionary(new Map([[label, input]])),
                signature: serializeDictionary(new Map([[label, value]])),
              },
      },
    );
  } catch (error) {
    throw new SignatureError('bad-signature', `the signature does not verify: ${(error as Error).message}`, keyId);
  }
  if (valid !== true) throw new SignatureError('bad-signature', undefined, keyId);
  // 5. the nonce, once the signature is known good (a forger cannot burn others' nonces)
  if (options.nonces && typeof nonce === 'string' && !(await options.nonces.remember(keyId, nonce, (created + window) * 1000 + 1000)))
    throw new SignatureError('replayed-nonce', `nonce ${nonce} was already used with key ${keyId}`, keyId);
  return { keyId, created: new Date(created * 1000), nonce: typeof nonce === 'string' ? nonce : undefined, label, components };
}

function lowerCase(headers: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
}
