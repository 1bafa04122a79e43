/**
 * Blob store in a directory (the default, under `LT_DATA_DIR`). Layout:
 *   <dir>/ab/cd/<sha256>        the bytes, read-only once in place
 *   <dir>/ab/cd/<sha256>.json   `{ "contentType": … }` when one was given
 *   <dir>/.tmp/<pid>-<uuid>.part spool files of writes in progress
 * A write is fsynced in `.tmp` (same file system) and renamed into place, then the parent
 * directory is fsynced: a blob is either whole under its name or absent. Content already stored
 * costs one `stat` and no write; bytes given whole (`put(Uint8Array)`) are hashed first.
 *
 * Only the two fsyncs (and writes of large bytes) go to libuv's thread pool; the file system's
 * quick metadata calls (stat, open, a small write, rename, close) run inline, as the event store
 * reads its SQLite pages. A thread-pool round trip costs more CPU in wake-ups and callbacks than
 * such a call itself: a new 4 KB blob took nine of them, now two (user CPU per put 136–180 µs
 * before, 86–112 µs after, in alternated put-only runs on the 2-core dev machine; the system
 * time, mostly the fsyncs, is the same). The fsyncs stay off the calling thread so that
 * concurrent puts wait for the disk together, not one after another (done inline, they
 * serialized the parse worker: docs/services/federation.md, "Round of 2026-12-07, fifth").
 */
import { createHash } from 'node:crypto';
import { closeSync, constants, fsync, mkdirSync, openSync, readFileSync, renameSync, statSync, write, writeSync } from 'node:fs';
import { access, mkdir, open, readFile, stat, writeFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { assertBlobId } from './blob-id.js';
import { BlobNotFoundError, BlobStoreUnavailableError } from './errors.js';
import { cleanSpoolDir, spoolPath, unlinkQuietly } from './spool-dir.js';
import type { BlobStat, BlobStore, BlobWriter, PutOptions, PutResult } from './types.js';
import { SpoolingWriter, toUnavailable, writeAll } from './writer.js';

export interface FsBlobStoreOptions {
  /** Root directory of the store, created if missing (e.g. `<LT_DATA_DIR>/blobs`). */
  readonly dir: string;
  /** Spool files untouched this long are deleted on open even if their pid looks alive. Default 1 hour. */
  readonly staleSpoolMs?: number;
}

const SPOOL = '.tmp';
/**
 * Blobs up to this size are read whole and synchronously, as the event store reads its SQLite
 * pages: a 4 KB attachment read this way costs some 30 µs of the event loop, against some 80 µs
 * and three thread-pool round trips for a file stream's open, read and close (federation renders
 * every transferred document's attachments). Larger ones stream.
 */
const READ_WHOLE_BYTES = 64 * 1024;
const DEFAULT_STALE_SPOOL_MS = 60 * 60 * 1000;

function isMissing(error: unknown): boolean {
  return (error as NodeJS.ErrnoException).code === 'ENOENT';
}

const fsyncFd = promisify(fsync);
const writeFd = promisify(write);

/** Bytes up to this size are written inline (a page-cache copy); larger ones on the thread pool. */
const WRITE_INLINE_BYTES = 64 * 1024;

async function fsyncDir(dir: string): Promise<void> {
  const fd = openSync(dir, 'r');
  try {
    await fsyncFd(fd);
  } finally {
    closeSync(fd);
  }
}

/** Writes all of `bytes` at the file's start (a write may take fewer bytes than given). */
async function writeWhole(fd: number, bytes: Uint8Array): Promise<void> {
  for (let done = 0; done < bytes.byteLength;) {
    done +=
      bytes.byteLength <= WRITE_INLINE_BYTES
        ? writeSync(fd, bytes, done, bytes.byteLength - done, done)
        : (await writeFd(fd, bytes, done, bytes.byteLength - done, done)).bytesWritten;
  }
}

/** How many stored hashes a store remembers as present. */
const KNOWN_BLOBS = 100_000;

/** Opens (creating if needed) a directory blob store and deletes spool files left by crashed writers. */
export async function createFsBlobStore(options: FsBlobStoreOptions): Promise<BlobStore> {
  const { dir } = options;
  const spoolDir = join(dir, SPOOL);
  try {
    await mkdir(spoolDir, { recursive: true });
    await cleanSpoolDir(spoolDir, options.staleSpoolMs ?? DEFAULT_STALE_SPOOL_MS);
  } catch (error) {
    throw new BlobStoreUnavailableError(`blob store: cannot open directory ${dir}`, { cause: error });
  }

  const writers = new Set<SpoolingWriter>();
  const byteWrites = new Set<Promise<unknown>>();
  /** Blob directories known to exist: no `mkdir` for each write. */
  const madeDirs = new Set<string>();
  /**
   * Blobs known to be in place (blobs are immutable and never deleted by the store): a repeated
   * attachment, such as a circulated form, skips the `stat`. Bounded, oldest forgotten first.
   */
  const inPlace = new Set<string>();
  const remember = (sha256: string): void => {
    inPlace.add(sha256);
    if (inPlace.size > KNOWN_BLOBS) inPlace.delete(inPlace.values().next().value!);
  };
  let closed = false;

  const blobDir = (sha256: string) => join(dir, sha256.slice(0, 2), sha256.slice(2, 4));
  const blobPath = (sha256: string) => join(blobDir(sha256), sha256);
  const sidecarPath = (sha256: string) => `${blobPath(sha256)}.json`;

  function checkOpen(): void {
    if (closed) throw new BlobStoreUnavailableError('blob store is closed');
  }

  async function exists(sha256: string): Promise<boolean> {
    if (inPlace.has(sha256)) return true;
    try {
      const found = statSync(blobPath(sha256)).isFile();
      if (found) remember(sha256);
      return found;
    } catch (error) {
      if (isMissing(error)) return false;
      throw error;
    }
  }

  async function commit(
    contentType: string | undefined,
    result: PutResult,
    spoolFile: string,
    syncSpool: () => Promise<void>,
  ): Promise<void> {
    // Same content, same name: the first copy stays, the spool file is dropped by the writer.
    if (await exists(result.sha256)) return;
    await place(contentType, result.sha256, spoolFile, syncSpool);
  }

  /** Gives a spool file its real name: bytes and sidecar synced (together), renamed, directory synced. */
  async function place(contentType: string | undefined, sha256: string, spoolFile: string, syncSpool: () => Promise<void>): Promise<void> {
    const parent = blobDir(sha256);
    // The sidecar goes in first so a blob in place always has it.
    const sidecar = contentType === undefined ? null : spoolPath(spoolDir);
    const settled = await Promise.allSettled([
      syncSpool(),
      sidecar === null ? null : writeFile(sidecar, JSON.stringify({ contentType }), { flag: 'wx', flush: true }),
    ]);
    const failed = settled.find((r) => r.status === 'rejected');
    try {
      if (failed) throw failed.reason;
      if (!madeDirs.has(parent)) {
        mkdirSync(parent, { recursive: true });
        madeDirs.add(parent);
      }
      if (sidecar !== null) renameSync(sidecar, sidecarPath(sha256));
    } catch (error) {
      if (sidecar !== null) await unlinkQuietly(sidecar).catch(() => undefined);
      throw error;
    }
    renameSync(spoolFile, blobPath(sha256));
    await fsyncDir(parent);
    remember(sha256);
  }

  /** `put` of bytes in hand: hashed first, so stored content is neither written nor synced again. */
  async function putBytes(bytes: Uint8Array, contentType: string | undefined): Promise<PutResult> {
    checkOpen();
    const result: PutResult = { sha256: createHash('sha256').update(bytes).digest('hex'), size: bytes.byteLength };
    const work = (async () => {
      if (await exists(result.sha256)) return;
      const spool = spoolPath(spoolDir);
      let placed = false;
      try {
        const fd = openSync(spool, 'wx', 0o600);
        try {
          await writeWhole(fd, bytes);
          await place(contentType, result.sha256, spool, () => fsyncFd(fd));
          placed = true;
        } finally {
          closeSync(fd);
        }
      } finally {
        if (!placed) await unlinkQuietly(spool).catch(() => undefined);
      }
    })();
    byteWrites.add(work);
    try {
      await work;
      return result;
    } catch (error) {
      throw toUnavailable(error, 'storing blob');
    } finally {
      byteWrites.delete(work);
    }
  }

  function openWriter(putOptions: PutOptions = {}): BlobWriter {
    checkOpen();
    const writer = new SpoolingWriter(
      spoolPath(spoolDir),
      (result, file, syncSpool) => commit(putOptions.contentType, result, file, syncSpool),
      (w) => writers.delete(w),
    );
    writers.add(writer);
    return writer;
  }

  async function statBlob(sha256: string): Promise<BlobStat | null> {
    let size: number;
    try {
      const info = await stat(blobPath(sha256));
      if (!info.isFile()) return null;
      size = info.size;
    } catch (error) {
      if (isMissing(error)) return null;
      throw error;
    }
    try {
      const sidecar = JSON.parse(await readFile(sidecarPath(sha256), 'utf8')) as { contentType?: unknown };
      return typeof sidecar.contentType === 'string' ? { size, contentType: sidecar.contentType } : { size };
    } catch (error) {
      if (isMissing(error)) return { size };
      throw error;
    }
  }

  return {
    async put(source, putOptions) {
      if (source instanceof Uint8Array) return putBytes(source, putOptions?.contentType);
      return writeAll(openWriter(putOptions), source);
    },
    openWriter,
    async has(sha256) {
      assertBlobId(sha256);
      checkOpen();
      return exists(sha256).catch((error: unknown) => Promise.reject(toUnavailable(error, 'has')));
    },
    async stat(sha256) {
      assertBlobId(sha256);
      checkOpen();
      return statBlob(sha256).catch((error: unknown) => Promise.reject(toUnavailable(error, 'stat')));
    },
    async get(sha256): Promise<Readable> {
      assertBlobId(sha256);
      checkOpen();
      try {
        const path = blobPath(sha256);
        // A missing blob rejects here, not later as a stream error. Blobs never change once in place.
        if (statSync(path).size <= READ_WHOLE_BYTES) return Readable.from([readFileSync(path)], { objectMode: false });
        const handle = await open(path, 'r');
        return handle.createReadStream();
      } catch (error) {
        if (isMissing(error)) throw new BlobNotFoundError(sha256);
        throw toUnavailable(error, 'get');
      }
    },
    async ping() {
      checkOpen();
      try {
        await access(spoolDir, constants.W_OK);
      } catch (error) {
        throw new BlobStoreUnavailableError(`blob store: directory ${dir} is not writable`, { cause: error });
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      await Promise.all([...writers].map((writer) => writer.abort()));
      await Promise.all([...byteWrites].map((work) => work.catch(() => undefined)));
    },
  };
}
