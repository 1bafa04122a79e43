/**
 * RFC 9530 `Content-Digest`: a Structured Fields dictionary of algorithm → byte sequence. We write
 * `sha-256` and accept `sha-256` or `sha-512`; any other algorithm alone is refused (RFC 9530 §2).
 */
import { createHash } from 'node:crypto';
import { parseDictionary } from 'structured-headers';

const ALGORITHMS = { 'sha-256': 'sha256', 'sha-512': 'sha512' } as const;
type DigestAlgorithm = keyof typeof ALGORITHMS;

/** `sha-256=:<base64>:` for a body. */
export function contentDigest(body: Uint8Array | string, algorithm: DigestAlgorithm = 'sha-256'): string {
  return `${algorithm}=:${createHash(ALGORITHMS[algorithm]).update(body).digest('base64')}:`;
}

/** Why a `Content-Digest` does not vouch for a body. */
export type DigestProblem = 'missing' | 'malformed' | 'unsupported-algorithm' | 'mismatch';

/** Checks every supported digest of the header against the body; `undefined` when it matches. */
export function checkContentDigest(header: string | undefined, body: Uint8Array | string): DigestProblem | undefined {
  if (header === undefined || header.trim() === '') return 'missing';
  let dictionary;
  try {
    dictionary = parseDictionary(header);
  } catch {
    return 'malformed';
  }
  let checked = 0;
  for (const [name, [value]] of dictionary) {
    if (!(name in ALGORITHMS)) continue;
    if (!(value instanceof ArrayBuffer)) return 'malformed';
    const expected = createHash(ALGORITHMS[name as DigestAlgorithm])
      .update(body)
      .digest();
    if (!expected.equals(Buffer.from(value))) return 'mismatch';
    checked += 1;
  }
  return checked === 0 ? 'unsupported-algorithm' : undefined;
}
