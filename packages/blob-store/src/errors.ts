/** Stable codes of the blob store errors (mapped to HTTP statuses by the services). */
export const BlobErrorCode = {
  notFound: 'LT_BLOB_NOT_FOUND',
  invalidId: 'LT_INVALID_BLOB_ID',
  unavailable: 'LT_BLOB_STORE_UNAVAILABLE',
  writerState: 'LT_BLOB_WRITER_STATE',
} as const;
export type BlobErrorCode = (typeof BlobErrorCode)[keyof typeof BlobErrorCode];

/** No blob is stored under this id. */
export class BlobNotFoundError extends Error {
  readonly code = BlobErrorCode.notFound;
  constructor(readonly sha256: string) {
    super(`blob ${sha256} not found`);
    this.name = 'BlobNotFoundError';
  }
}

/** The id is not 64 lowercase hex characters (so it can never name a path or an object). */
export class InvalidBlobIdError extends Error {
  readonly code = BlobErrorCode.invalidId;
  constructor(readonly value: unknown) {
    // Cut and JSON-quote the value: it is untrusted input headed for logs.
    super(`invalid blob id ${JSON.stringify(String(value).slice(0, 80))}: expected 64 lowercase hex characters`);
    this.name = 'InvalidBlobIdError';
  }
}

/** The store could not be reached or refused to work (disk, network, closed). */
export class BlobStoreUnavailableError extends Error {
  readonly code = BlobErrorCode.unavailable;
  /** The marker the HTTP edge maps to 503 (no import of this class needed). */
  readonly unavailable = true;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'BlobStoreUnavailableError';
  }
}

/** A writer was used after `end()` or `abort()`. */
export class BlobWriterStateError extends Error {
  readonly code = BlobErrorCode.writerState;
  constructor(state: string) {
    super(`blob writer is ${state}`);
    this.name = 'BlobWriterStateError';
  }
}

export function isBlobNotFound(error: unknown): error is BlobNotFoundError {
  return error instanceof BlobNotFoundError;
}
