import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { BlobStoreUnavailableError, BlobWriterStateError } from './errors.js';
import { unlinkQuietly } from './spool-dir.js';
import type { BlobWriter, PutResult } from './types.js';

/**
 * Moves a finished spool file into the store under `result.sha256` (or drops it if already
 * stored). `syncSpool` makes its bytes durable: call it before giving the file a real name; a
 * commit that finds the content already stored, or only reads the file, can skip it.
 */
export type CommitSpool = (result: PutResult, spoolFile: string, syncSpool: () => Promise<void>) => Promise<void>;

type WriterState = 'open' | 'ending' | 'ended' | 'aborted';

/**
 * The one `BlobWriter` of every adapter: hashes bytes while appending them to a spool file,
 * then hands the file to the adapter's commit. Memory use is one chunk, whatever the blob size.
 */
export class SpoolingWriter implements BlobWriter {
  readonly #hash = createHash('sha256');
  readonly #file: Promise<FileHandle>;
  #size = 0;
  #state: WriterState = 'open';
  // Writes run one after another in call order; a failed write fails every later one.
  #queue: Promise<unknown>;
  #ending: Promise<PutResult> | undefined;

  constructor(
    private readonly path: string,
    private readonly commit: CommitSpool,
    private readonly onSettled: (writer: SpoolingWriter) => void,
  ) {
    this.#file = open(path, 'wx', 0o600);
    this.#queue = this.#file;
    this.#queue.catch(() => undefined);
  }

  write(chunk: Uint8Array): Promise<void> {
    if (this.#state !== 'open') return Promise.reject(new BlobWriterStateError(this.#state));
    const written = this.#queue.then(async () => {
      const file = await this.#file;
      this.#hash.update(chunk);
      this.#size += chunk.byteLength;
      await file.write(chunk);
    });
    this.#queue = written;
    written.catch(() => undefined);
    return written;
  }

  end(): Promise<PutResult> {
    if (this.#state === 'ending' && this.#ending) return this.#ending;
    if (this.#state !== 'open') return Promise.reject(new BlobWriterStateError(this.#state));
    this.#state = 'ending';
    this.#ending = this.#finish();
    return this.#ending;
  }

  async abort(): Promise<void> {
    if (this.#state === 'ending') {
      // Let a running end() settle; it cleans up after itself either way.
      await this.#ending?.catch(() => undefined);
      return;
    }
    if (this.#state !== 'open') return;
    this.#state = 'aborted';
    await this.#discard();
    this.onSettled(this);
  }

  async #finish(): Promise<PutResult> {
    try {
      await this.#queue;
      const file = await this.#file;
      const result: PutResult = { sha256: this.#hash.digest('hex'), size: this.#size };
      // Durable before it gets a real name (the commit syncs): a crash must not expose a short file.
      await this.commit(result, this.path, () => file.sync());
      await file.close();
      this.#state = 'ended';
      return result;
    } catch (error) {
      this.#state = 'aborted';
      throw toUnavailable(error, 'storing blob');
    } finally {
      await this.#discard();
      this.onSettled(this);
    }
  }

  async #discard(): Promise<void> {
    await this.#queue.catch(() => undefined);
    await this.#file.then((file) => file.close()).catch(() => undefined);
    await unlinkQuietly(this.path).catch(() => undefined);
  }
}

/** Feeds a whole source into a writer; aborts it on any failure. */
export async function writeAll(writer: BlobWriter, source: Readable | AsyncIterable<Uint8Array | string> | Uint8Array): Promise<PutResult> {
  try {
    if (source instanceof Uint8Array) {
      await writer.write(source);
    } else {
      for await (const chunk of source as AsyncIterable<Uint8Array | string>) {
        await writer.write(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
      }
    }
  } catch (error) {
    await writer.abort();
    throw error;
  }
  return writer.end();
}

/** Keeps the port's typed errors; wraps anything else (disk, network) as `BlobStoreUnavailableError`. */
export function toUnavailable(error: unknown, what: string): Error {
  if (error instanceof Error && 'code' in error && typeof error.code === 'string' && error.code.startsWith('LT_')) {
    return error;
  }
  const detail = error instanceof Error ? error.message : String(error);
  return new BlobStoreUnavailableError(`blob store: ${what} failed: ${detail}`, { cause: error });
}
