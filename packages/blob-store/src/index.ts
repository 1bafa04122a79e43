export type { BlobStore, BlobWriter } from './types.js';
export type { OpenBlobStoreOptions } from './open.js';

export { BlobErrorCode, BlobStoreUnavailableError } from './errors.js';
export { openBlobStore } from './open.js';
