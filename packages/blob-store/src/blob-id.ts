import { InvalidBlobIdError } from './errors.js';
import type { BlobId } from './types.js';

const BLOB_ID = /^[0-9a-f]{64}$/;

/** True for 64 lowercase hex characters. */
export function isBlobId(value: unknown): value is BlobId {
  return typeof value === 'string' && BLOB_ID.test(value);
}

/** Returns `value` as a blob id or throws `InvalidBlobIdError`; every adapter entry point calls it first. */
export function assertBlobId(value: unknown): BlobId {
  if (!isBlobId(value)) throw new InvalidBlobIdError(value);
  return value;
}
