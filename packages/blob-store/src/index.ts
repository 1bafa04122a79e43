export type { BlobId, BlobStat, BlobStore, BlobWriter, PutOptions, PutResult } from './types.js';
export type { FsBlobStoreOptions } from './fs-blob-store.js';
export type { NatsBlobStoreOptions } from './nats-blob-store.js';
export type { OpenBlobStoreOptions } from './open.js';

export {
  BlobErrorCode,
  BlobNotFoundError,
  BlobStoreUnavailableError,
  BlobWriterStateError,
  InvalidBlobIdError,
  isBlobNotFound,
} from './errors.js';
export { assertBlobId, isBlobId } from './blob-id.js';
export { createFsBlobStore } from './fs-blob-store.js';
export { createNatsBlobStore, DEFAULT_BLOB_BUCKET } from './nats-blob-store.js';
export { openBlobStore } from './open.js';
