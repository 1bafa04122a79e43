/**
 * Blob store on NATS JetStream Object Store (`@nats-io/obj`), object name = sha256.
 *
 * The hash is only known once every byte is read, and the object store cannot rename, so a
 * write is spooled to a local temp file while hashed (as the directory store does), then
 * streamed from that file into the bucket under its hash, and the file is deleted. Neither
 * side ever holds the blob whole in memory; the bucket never sees a partial object under a
 * real name (the object store itself publishes the metadata only after the last chunk).
 *
 * Reading fetches the object's chunks one by one from the stream leader (`STREAM.MSG.GET`,
 * `next_by_subj`) and verifies the digest and size at the end. Not the object store's own `get`: it
 * reads through an ordered push consumer of one replica, which nats-server 2.9 may place on a
 * peer that was killed without a goodbye (still believed online for minutes), so every third read
 * timed out while a node was down, and a read whose consumer died mid-way stalled for a minute
 * (two missed 30 s heartbeats). The stream leader is re-elected among the live replicas in seconds.
 */
import { createHash } from 'node:crypto';
import { mkdir, open } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { jetstreamManager } from '@nats-io/jetstream';
import type { JetStreamManager, MsgRequest, StoredMsg } from '@nats-io/jetstream';
import { Objm, StorageType } from '@nats-io/obj';
import type { ObjectInfo, ObjectStore } from '@nats-io/obj';
import { connect } from '@nats-io/transport-node';
import { ClosedConnectionError } from '@nats-io/transport-node';
import type { NatsConnection } from '@nats-io/transport-node';
import { assertBlobId } from './blob-id.js';
import { BlobNotFoundError, BlobStoreUnavailableError } from './errors.js';
import { cleanSpoolDir, spoolPath } from './spool-dir.js';
import type { BlobStat, BlobStore, BlobWriter, PutOptions, PutResult } from './types.js';
import { SpoolingWriter, toUnavailable, writeAll } from './writer.js';

export interface NatsBlobStoreOptions {
  /** NATS server URL(s); ignored when `connection` is given. */
  readonly servers?: string | readonly string[];
  /** An existing connection to share; `close()` then leaves it open. */
  readonly connection?: NatsConnection;
  /** Object store bucket, created (file storage) when missing. Default `LT_BLOBS`. */
  readonly bucket?: string;
  /** Local directory for spool files. Default `<os tmpdir>/lienthong-blob-spool`. */
  readonly spoolDir?: string;
  /** Spool files untouched this long are deleted on open even if their pid looks alive. Default 1 hour. */
  readonly staleSpoolMs?: number;
  /**
   * Copies of the bucket in the NATS cluster (`LT_NATS_REPLICAS`); default 1. An existing bucket
   * with fewer is raised to this (never lowered); a bucket that cannot be raised is kept, with a warning.
   */
  readonly replicas?: number;
  /** Where that warning goes; default `process.emitWarning`. */
  readonly warn?: (message: string) => void;
}

export const DEFAULT_BLOB_BUCKET = 'LT_BLOBS';
const DEFAULT_STALE_SPOOL_MS = 60 * 60 * 1000;
const READ_CHUNK = 128 * 1024;
/** How long a read already under way retries a chunk (a stream leader re-elected, a node lost) before failing the stream. */
const CHUNK_RETRY_MS = 20_000;
/** How long opening the bucket is retried at start (the bus waits as long for its stream). */
const OPEN_RETRY_MS = 30_000;
const CHUNK_RETRY_PAUSE_MS = 200;

/** Retries `fetch` until it succeeds or `withinMs` is spent; a closed connection is final. */
async function retrying<T>(fetch: () => Promise<T>, withinMs: number, onRetry?: (error: unknown) => void): Promise<T> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    try {
      return await fetch();
    } catch (error) {
      if (error instanceof ClosedConnectionError || Date.now() + CHUNK_RETRY_PAUSE_MS > deadline) throw error;
      onRetry?.(error);
      await new Promise((resolve) => setTimeout(resolve, CHUNK_RETRY_PAUSE_MS));
    }
  }
}

/** A pull-driven byte stream over a file: the object store asks for the next chunk only after publishing the last. */
function fileStream(file: FileHandle): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const buffer = Buffer.allocUnsafe(READ_CHUNK);
      const { bytesRead } = await file.read(buffer, 0, READ_CHUNK, null);
      if (bytesRead === 0) controller.close();
      else controller.enqueue(buffer.subarray(0, bytesRead));
    },
  });
}

/** The object store's digest (`SHA-256=<base64url>`) as lowercase hex. */
function digestHex(info: ObjectInfo): string {
  const prefix = 'SHA-256=';
  return info.digest.startsWith(prefix) ? Buffer.from(info.digest.slice(prefix.length), 'base64url').toString('hex') : '';
}

/** A bucket made before `LT_NATS_REPLICAS` (1 replica: lost with one node) gets the replicas asked for. */
async function raiseReplicas(nc: NatsConnection, os: ObjectStore, replicas: number, warn: (message: string) => void): Promise<void> {
  // Retried as the bucket's creation is: just after a cluster regains quorum the creation may pass
  // while the next stream info still times out (a start failed so in CI).
  const status = await retrying(() => os.status(), OPEN_RETRY_MS);
  if (status.replicas >= replicas) return;
  const { name } = status.streamInfo.config;
  try {
    await (await jetstreamManager(nc)).streams.update(name, { num_replicas: replicas });
  } catch (error) {
    warn(
      `blob store: bucket ${status.bucket} kept with ${status.replicas} replica(s) (${(error as Error).message}); raise it with \`nats stream edit ${name} --replicas ${replicas}\``,
    );
  }
}

/** Connects (unless given a connection), opens or creates the bucket, and cleans the spool directory. */
export async function createNatsBlobStore(options: NatsBlobStoreOptions): Promise<BlobStore> {
  const bucket = options.bucket ?? DEFAULT_BLOB_BUCKET;
  const spoolDir = options.spoolDir ?? join(tmpdir(), 'lienthong-blob-spool');
  const ownsConnection = options.connection === undefined;
  let nc: NatsConnection;
  let os: ObjectStore;
  let jsm: JetStreamManager;
  try {
    await mkdir(spoolDir, { recursive: true });
    await cleanSpoolDir(spoolDir, options.staleSpoolMs ?? DEFAULT_STALE_SPOOL_MS);
    const { servers } = options;
    // Reconnects for ever (as the bus does): a cluster back after an outage is picked up again.
    nc =
      options.connection ??
      (await connect({
        ...(servers !== undefined ? { servers: typeof servers === 'string' ? servers : [...servers] } : {}),
        maxReconnectAttempts: -1,
        reconnectTimeWait: 250,
      }));
  } catch (error) {
    throw new BlobStoreUnavailableError(`blob store: cannot connect to NATS or prepare ${spoolDir}`, { cause: error });
  }
  const warn = options.warn ?? ((message: string) => process.emitWarning(message));
  try {
    const replicas = options.replicas ?? 1;
    // Retried like the bus's stream: a cluster just (re)started elects the bucket's stream leader
    // a little after LT_EVENTS', and its first answers time out (a hub then died at start).
    let warned = false;
    os = await retrying(
      () => new Objm(nc).create(bucket, { storage: StorageType.File, replicas }),
      OPEN_RETRY_MS,
      (error) => {
        if (!warned)
          warn(
            `blob store: bucket ${bucket} not available yet (${(error as Error).message}); retrying for up to ${OPEN_RETRY_MS / 1000} s`,
          );
        warned = true;
      },
    );
    jsm = await retrying(() => jetstreamManager(nc), OPEN_RETRY_MS);
    await raiseReplicas(nc, os, replicas, warn);
  } catch (error) {
    if (ownsConnection) await nc.close().catch(() => undefined);
    throw new BlobStoreUnavailableError(`blob store: cannot open object store bucket ${bucket}`, { cause: error });
  }

  const stream = `OBJ_${bucket}`;
  const writers = new Set<SpoolingWriter>();
  let closed = false;

  function checkOpen(): void {
    if (closed) throw new BlobStoreUnavailableError('blob store is closed');
  }

  async function live(sha256: string): Promise<ObjectInfo | null> {
    const info = await os.info(sha256);
    return info === null || info.deleted ? null : info;
  }

  /** The bucket has this content under its name: an object whose bytes are not it (a bad earlier upload) does not count, and is replaced. */
  async function holds(sha256: string, size: number): Promise<boolean> {
    const info = await live(sha256);
    return info !== null && digestHex(info) === sha256 && info.size === size;
  }

  async function commit(contentType: string | undefined, result: PutResult, spoolFile: string): Promise<void> {
    const { sha256 } = result;
    // Same content, same name: re-putting would only replace identical chunks.
    if (await holds(sha256, result.size)) return;
    const file = await open(spoolFile, 'r');
    let info: ObjectInfo;
    try {
      info = await os.put({ name: sha256, ...(contentType !== undefined ? { metadata: { contentType } } : {}) }, fileStream(file));
    } finally {
      await file.close();
    }
    // The object store hashed what it actually stored; it must be what we hashed.
    if (digestHex(info) !== sha256 || info.size !== result.size) {
      const mismatch = `blob store: bucket stored ${info.digest} (${info.size} B) for ${sha256}`;
      // Not deleted, the object is replaced by the next put of this content (checked above).
      const deleted = await os.delete(sha256).then(
        () => '',
        (error: unknown) => `; deleting it failed too: ${(error as Error).message}`,
      );
      throw new BlobStoreUnavailableError(`${mismatch}${deleted}`);
    }
  }

  /** The object's first chunk stored after stream sequence `seq`, from the stream leader. */
  async function chunkAfter(nuid: string, seq: number): Promise<StoredMsg> {
    // `next_by_subj` is served by STREAM.MSG.GET since nats-server 2.9; the client's type only lists it for direct gets
    // (answered by any replica, possibly one still catching up).
    const query = { next_by_subj: `$O.${bucket}.C.${nuid}`, seq: seq + 1 } as unknown as MsgRequest;
    const msg = await jsm.streams.getMessage(stream, query);
    if (msg === null) throw new BlobStoreUnavailableError(`blob store: a chunk of object ${nuid} is missing after sequence ${seq}`);
    return msg;
  }

  /** The object's bytes, chunk by chunk (one in memory at a time), checked against its digest and size at the end. */
  async function* readChunks(info: ObjectInfo, first: StoredMsg | null): AsyncGenerator<Uint8Array> {
    const hash = createHash('sha256');
    let size = 0;
    let seq = 0;
    for (let i = 0; i < info.chunks; i++) {
      let msg: StoredMsg;
      if (i === 0 && first !== null) {
        msg = first;
      } else {
        const after = seq;
        try {
          msg = await retrying(() => chunkAfter(info.nuid, after), CHUNK_RETRY_MS);
        } catch (error) {
          throw toUnavailable(error, `reading ${info.name}`);
        }
      }
      seq = msg.seq;
      hash.update(msg.data);
      size += msg.data.byteLength;
      yield msg.data;
    }
    const digest = hash.digest('hex');
    if (digest !== digestHex(info) || size !== info.size) {
      throw new BlobStoreUnavailableError(
        `blob store: object ${info.name} read back as ${size} B with sha256 ${digest}, not ${info.size} B and ${info.digest}`,
      );
    }
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
    const info = await live(sha256);
    if (info === null) return null;
    const contentType = info.metadata?.contentType;
    return contentType !== undefined ? { size: info.size, contentType } : { size: info.size };
  }

  return {
    async put(source, putOptions) {
      if (source instanceof Uint8Array) {
        // Bytes in hand: stored content is not spooled again.
        checkOpen();
        const sha256 = createHash('sha256').update(source).digest('hex');
        if (await holds(sha256, source.byteLength).catch((error: unknown) => Promise.reject(toUnavailable(error, 'put'))))
          return { sha256, size: source.byteLength };
      }
      return writeAll(openWriter(putOptions), source);
    },
    openWriter,
    async has(sha256) {
      assertBlobId(sha256);
      checkOpen();
      return statBlob(sha256).then(
        (found) => found !== null,
        (error: unknown) => Promise.reject(toUnavailable(error, 'has')),
      );
    },
    async stat(sha256) {
      assertBlobId(sha256);
      checkOpen();
      return statBlob(sha256).catch((error: unknown) => Promise.reject(toUnavailable(error, 'stat')));
    },
    async get(sha256): Promise<Readable> {
      assertBlobId(sha256);
      checkOpen();
      let info: ObjectInfo | null;
      let first: StoredMsg | null = null;
      try {
        info = await live(sha256);
        // The first chunk before answering: a store that cannot serve it is unavailable (a 503), not a cut stream.
        if (info !== null && info.chunks > 0) first = await chunkAfter(info.nuid, 0);
      } catch (error) {
        throw toUnavailable(error, 'get');
      }
      if (info === null) throw new BlobNotFoundError(sha256);
      return Readable.from(readChunks(info, first), { objectMode: false });
    },
    async ping() {
      checkOpen();
      try {
        await os.status();
      } catch (error) {
        throw new BlobStoreUnavailableError(`blob store: bucket ${bucket} unreachable`, { cause: error });
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      await Promise.all([...writers].map((writer) => writer.abort()));
      if (ownsConnection) await nc.close();
    },
  };
}
