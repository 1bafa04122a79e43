/**
 * Blob store in a directory (the default, under `LT_DATA_DIR`). Layout:
 *   <dir>/ab/cd/<sha256>        the bytes, read-only once in place
 *   <dir>/ab/cd/<sha256>.json   `{ "contentType": … }` when one was given
 *   <dir>/.tmp/<pid>-<uuid>.part spool files of writes in progress
 * A write is fsynced in `.tmp` (same file system) and renamed into place, then the parent
 * directory is fsynced: a blob is either whole under its name or absent.
 */
import { constants } from 'node:fs';
import { access, mkdir, open, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { assertBlobId } from './blob-id.js';
import { BlobNotFoundError, BlobStoreUnavailableError } from './errors.js';
import { cleanSpoolDir, spoolPath } from './spool-dir.js';
import type { BlobStat, BlobStore, BlobWriter, PutOptions, PutResult } from './types.js';
import { SpoolingWriter, toUnavailable, writeAll } from './writer.js';

export interface FsBlobStoreOptions {
  /** Root directory of the store, created if missing (e.g. `<LT_DATA_DIR>/blobs`). */
  readonly dir: string;
  /** Spool files untouched this long are deleted on open even if their pid looks alive. Default 1 hour. */
  readonly staleSpoolMs?: number;
}

const SPOOL = '.tmp';
const DEFAULT_STALE_SPOOL_MS = 60 * 60 * 1000;

function isMissing(error: unknown): boolean {
  return (error as NodeJS.ErrnoException).code === 'ENOENT';
}

async function fsyncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

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
  let closed = false;

  const blobDir = (sha256: string) => join(dir, sha256.slice(0, 2), sha256.slice(2, 4));
  const blobPath = (sha256: string) => join(blobDir(sha256), sha256);
  const sidecarPath = (sha256: string) => `${blobPath(sha256)}.json`;

  function checkOpen(): void {
    if (closed) throw new BlobStoreUnavailableError('blob store is closed');
  }

  async function exists(sha256: string): Promise<boolean> {
    try {
      return (await stat(blobPath(sha256))).isFile();
    } catch (error) {
      if (isMissing(error)) return false;
      throw error;
    }
  }

  async function commit(contentType: string | undefined, result: PutResult, spoolFile: string): Promise<void> {
    const { sha256 } = result;
    // Same content, same name: the first copy stays, the spool file is dropped by the writer.
    if (await exists(sha256)) return;
    const parent = blobDir(sha256);
    await mkdir(parent, { recursive: true });
    if (contentType !== undefined) {
      // The sidecar goes in first so a blob in place always has it.
      const tmp = spoolPath(spoolDir);
      await writeFile(tmp, JSON.stringify({ contentType }), { flag: 'wx', flush: true });
      await rename(tmp, sidecarPath(sha256));
    }
    await rename(spoolFile, blobPath(sha256));
    await fsyncDir(parent);
  }

  function openWriter(putOptions: PutOptions = {}): BlobWriter {
    checkOpen();
    const writer = new SpoolingWriter(
      spoolPath(spoolDir),
      (result, file) => commit(putOptions.contentType, result, file),
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
        // Open first so a missing blob rejects here, not later as a stream error.
        const handle = await open(blobPath(sha256), 'r');
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
    },
  };
}
