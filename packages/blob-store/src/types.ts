/**
 * The blob store port. Attachments of edXML documents are stored once, content-addressed by
 * SHA-256, outside the event store (SPEC §3); events reference them by hash. Adapters (a
 * directory, NATS Object Store) all pass the one contract suite in `./testing/contract.ts`.
 */
import type { Readable } from 'node:stream';

/** Lowercase hex SHA-256 of a blob's bytes: its only name. */
export type BlobId = string;

/** What a completed write returns: the blob's id and its length in bytes. */
export interface PutResult {
  readonly sha256: BlobId;
  readonly size: number;
}

/** What is known about a stored blob. */
export interface BlobStat {
  readonly size: number;
  /** As given by the first writer of this content; absent when none was given. */
  readonly contentType?: string;
}

export interface PutOptions {
  /** Recorded with the blob the first time its content is stored; later writers do not change it. */
  readonly contentType?: string;
}

/**
 * A streamed write: bytes are hashed as they arrive and spooled to disk, never held whole.
 * Writes are applied in call order even when their promises are not awaited.
 */
export interface BlobWriter {
  write(chunk: Uint8Array): Promise<void>;
  /** Finishes the write and stores the blob under its hash (a no-op if that content is already stored). */
  end(): Promise<PutResult>;
  /** Drops everything written so far; nothing is stored. Safe to call more than once, or after a failure. */
  abort(): Promise<void>;
}

export interface BlobStore {
  /** Stores the bytes of `source` (streamed) and returns their hash. Same content, same id. */
  put(source: Readable | AsyncIterable<Uint8Array | string> | Uint8Array, options?: PutOptions): Promise<PutResult>;
  /** Starts a streamed write, for callers that receive bytes piecewise (multipart uploads). */
  openWriter(options?: PutOptions): BlobWriter;
  /** Throws `InvalidBlobIdError` for a malformed id. */
  has(sha256: BlobId): Promise<boolean>;
  /** `null` when no blob has this id; throws `InvalidBlobIdError` for a malformed id. */
  stat(sha256: BlobId): Promise<BlobStat | null>;
  /** The blob's bytes; rejects with `BlobNotFoundError` or `InvalidBlobIdError`. */
  get(sha256: BlobId): Promise<Readable>;
  /** Resolves when the store is usable; rejects with `BlobStoreUnavailableError` otherwise. */
  ping(): Promise<void>;
  /** Releases resources. Later calls reject with `BlobStoreUnavailableError`. */
  close(): Promise<void>;
}
