export type { NonceStore } from './nonce-store.js';
export type { SigningKey } from './signatures.js';

export { checkContentDigest } from './content-digest.js';
export { SignatureError } from './errors.js';
export { signRequest, verifyRequest } from './signatures.js';
