export type { DigestProblem } from './content-digest.js';
export type { SignatureProblem } from './errors.js';
export type { NonceStore } from './nonce-store.js';
export type { SignableRequest, SigningKey, SignOptions, VerifyOptions, VerifiedSignature } from './signatures.js';

export { contentDigest, checkContentDigest } from './content-digest.js';
export { SignatureError, SIGNATURE_PROBLEMS } from './errors.js';
export { createMemoryNonceStore, createSqliteNonceStore } from './nonce-store.js';
export { FEDERATION_COMPONENTS, signRequest, verifyRequest } from './signatures.js';
