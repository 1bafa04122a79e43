/** Why a signed request is refused: one stable code per reason (RFC 9421 §3.2 verification steps). */
export const SIGNATURE_PROBLEMS = {
  'missing-signature': 'the request has no Signature and Signature-Input fields',
  'malformed-signature': 'Signature or Signature-Input is not a valid Structured Fields dictionary of one signature',
  'missing-components': 'the signature does not cover every required component',
  'missing-parameters': 'the signature lacks a required parameter (created, keyid, nonce or alg)',
  'unsupported-algorithm': 'the signature algorithm is not ed25519',
  'unknown-key': 'the keyid names no registered key',
  'stale-created': 'the signature was created outside the accepted window',
  'bad-signature': 'the signature does not verify with the registered key',
  'replayed-nonce': 'the nonce was already used with this key',
} as const;
export type SignatureProblem = keyof typeof SIGNATURE_PROBLEMS;

/** A signature refused for one named reason (`code`); `keyId` when the signature named one. */
export class SignatureError extends Error {
  override readonly name = 'SignatureError';
  constructor(
    readonly code: SignatureProblem,
    detail?: string,
    readonly keyId?: string,
  ) {
    super(detail ?? SIGNATURE_PROBLEMS[code]);
  }
}
