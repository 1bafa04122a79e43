import type { Worker } from 'node:worker_threads';
import { Readable } from 'node:stream';
import { AppError, startWorker, type Logger } from '@lienthong/service-kit';
import type { AttachmentSink } from '@lienthong/edxml';
import { BlobErrorCode, BlobStoreUnavailableError, type OpenBlobStoreOptions } from '@lienthong/blob-store';
import { parseAndVerify, type ParsedXml, type XmlParseOptions } from './parse-and-verify.js';
import type { FromWorker, SerializedError, ToWorker } from './worker-protocol.js';

export type { ParsedXml, XmlParseOptions } from './parse-and-verify.js';

/** Bodies up to this size are read whole and parsed on a worker thread; larger ones stream on the event loop. */
export const WORKER_BODY_LIMIT = 256 * 1024;
/** A worker not ready by then is stopped (and started again). */
const STARTUP_TIMEOUT_MS = 30_000;

/** Reads a streamed edXML body: the message, the digest of its bytes, their signature's verdict. */
export interface XmlParser {
  parse(body: AsyncIterable<Buffer | string>, options: XmlParseOptions): Promise<ParsedXml>;
  close(): Promise<void>;
}

/** Parses on the event loop, attachments into `sink`. */
export function inlineXmlParser(sink: AttachmentSink): XmlParser {
  return {
    parse: (body, options) => parseAndVerify(body, { attachments: sink, ...options }),
    close: async () => {},
  };
}

function deserializeError(error: SerializedError): Error {
  if (error.app)
    return new AppError(error.app.code, error.message, {
      ...(error.app.errors ? { errors: error.app.errors } : {}),
      ...(error.app.extensions ? { extensions: error.app.extensions } : {}),
    });
  // The worker's own error (name, stack, code) travels as the cause, for the logs.
  const cause = Object.assign(new Error(error.message), {
    name: error.name ?? 'Error',
    ...(error.code !== undefined ? { code: error.code } : {}),
  });
  if (error.stack) cause.stack = error.stack;
  // The worker's blob store failing is still the blob store failing: 503, not 500.
  if (error.code === BlobErrorCode.unavailable) return new BlobStoreUnavailableError(error.message, { cause });
  return new Error(`edXML parse worker: ${error.message}`, { cause });
}

/** A request handed to a worker (settling a promise twice is a no-op, so late answers are harmless). */
interface Job {
  readonly options: XmlParseOptions;
  resolve(value: ParsedXml): void;
  reject(error: unknown): void;
}

interface Slot {
  worker: Worker;
  /** Started and not exited: jobs go only to these (none: parse on the event loop). */
  alive: boolean;
  readonly jobs: Map<number, Job>;
}

export interface ParsePoolOptions {
  readonly workers: number;
  /** The blob store the workers open (the same one the service reads). */
  readonly blobs: OpenBlobStoreOptions;
  /** Where bodies too large for a worker are parsed (on the event loop, streaming). */
  readonly sink: AttachmentSink;
  readonly logger: Logger;
}

export interface ParsePool extends XmlParser {
  /** The worker threads (for operations and tests): none until the pool starts. */
  threads(): readonly Worker[];
  /**
   * Starts the worker threads, once; the first body a worker could parse does it otherwise (and
   * is parsed on the event loop meanwhile). Resolves when each is ready or failed (then it is
   * logged and started again, as for a worker that dies).
   */
  start(): Promise<void>;
}

/**
 * edXML parsing beside the event loop: bodies up to `WORKER_BODY_LIMIT` are read whole, handed
 * to the least busy of `workers` threads (each with the blob store open: attachments are decoded
 * and stored there, a signature verified there), and the message comes back. The sender gate
 * still runs here, on the directory: the worker asks before it stores the first attachment and
 * waits for the answer, so a forged sender stores nothing. A worker that dies fails its requests
 * (500) and is replaced. The threads start with the first body one could parse, not with the
 * process: each loads its own modules and blob store, which a hub that receives no edXML never needs.
 */
export function createParsePool(options: ParsePoolOptions): ParsePool {
  const inline = inlineXmlParser(options.sink);
  const entry = new URL('./parse-worker.ts', import.meta.url);
  const slots: Slot[] = [];
  let nextId = 1;
  let closing = false;

  function spawn(slot: Slot | undefined): Promise<Slot> {
    const worker = startWorker(entry, options.blobs);
    const current: Slot = slot ?? { worker, alive: false, jobs: new Map() };
    if (!slot) slots.push(current);
    current.worker = worker;
    worker.on('message', (m: FromWorker) => onMessage(current, m));
    worker.on('error', (error) => options.logger.error({ err: error }, 'edXML parse worker failed'));
    worker.on('exit', (code) => {
      if (current.worker !== worker) return;
      current.alive = false;
      for (const job of current.jobs.values()) job.reject(new Error(`edXML parse worker stopped (exit ${code})`));
      current.jobs.clear();
      if (closing) return;
      options.logger.error({ exitCode: code }, 'edXML parse worker stopped; starting another in 1 s');
      // Meanwhile its share goes to the others, or to the event loop.
      setTimeout(() => {
        if (!closing)
          void spawn(current).catch((error: unknown) => options.logger.error({ err: error }, 'edXML parse worker could not restart'));
      }, 1_000).unref();
    });
    return new Promise((resolve, reject) => {
      const onReady = (m: FromWorker) => {
        if (m.type !== 'ready') return;
        worker.off('message', onReady);
        worker.off('exit', onEarlyExit);
        clearTimeout(slow);
        current.alive = true;
        resolve(current);
      };
      const onEarlyExit = (code: number) => {
        clearTimeout(slow);
        reject(new Error(`edXML parse worker exited with ${code} while starting`));
      };
      // A worker whose blob store never answers (NATS down) must not hold the start for ever.
      const slow = setTimeout(() => void worker.terminate(), STARTUP_TIMEOUT_MS);
      slow.unref();
      worker.on('message', onReady);
      worker.once('exit', onEarlyExit);
    });
  }

  function onMessage(slot: Slot, m: FromWorker): void {
    if (m.type === 'ready') return;
    const job = slot.jobs.get(m.id);
    if (!job) return;
    if (m.type === 'sender') {
      void (async () => {
        try {
          await job.options.beforeAttachments?.(m.sender);
          slot.worker.postMessage({ type: 'gate', id: m.id, ok: true } satisfies ToWorker);
        } catch (error) {
          job.reject(error);
          slot.worker.postMessage({ type: 'gate', id: m.id, ok: false } satisfies ToWorker);
        }
      })();
      return;
    }
    slot.jobs.delete(m.id);
    if (m.type === 'done') {
      const raw = m.digest.raw === null ? null : Buffer.from(m.digest.raw.buffer, m.digest.raw.byteOffset, m.digest.raw.byteLength);
      const digest = { sha256: m.digest.sha256, size: m.digest.size, raw };
      job.resolve({ message: m.message, digest, ...(m.verification ? { verification: m.verification } : {}) });
    } else job.reject(deserializeError(m.error));
  }

  let started: Promise<void> | undefined;
  function start(): Promise<void> {
    if (closing) return Promise.resolve();
    started ??= Promise.allSettled(Array.from({ length: options.workers }, () => spawn(undefined))).then((results) => {
      // A worker that could not start exited: its exit handler starts another; bodies parse on the event loop meanwhile.
      for (const r of results) if (r.status === 'rejected') options.logger.error({ err: r.reason }, 'edXML parse worker could not start');
    });
    return started;
  }

  return {
    threads: () => slots.map((s) => s.worker),
    start,
    async parse(body, parseOptions) {
      const limit = Math.min(WORKER_BODY_LIMIT, parseOptions.maxBytes);
      const read = body instanceof Readable ? await readUpTo(body, limit) : await iterateUpTo(body, limit);
      const { chunks, size } = read;
      // Too large for a worker: stream on the event loop, the chunks read so far first.
      if (read.rest !== null) return inline.parse(read.rest, parseOptions);
      void start();
      const live = slots.filter((s) => s.alive);
      if (live.length === 0) return inline.parse(Readable.from(chunks), parseOptions);
      const slot = live.reduce((a, b) => (b.jobs.size < a.jobs.size ? b : a));
      // A buffer of its own (not a slice of Node's pool), so it can be moved, not copied.
      const whole = new Uint8Array(size);
      let offset = 0;
      for (const c of chunks) {
        whole.set(c, offset);
        offset += c.length;
      }
      const id = nextId++;
      return new Promise((resolve, reject) => {
        slot.jobs.set(id, { options: parseOptions, resolve, reject });
        const message: ToWorker = {
          type: 'parse',
          id,
          body: whole,
          maxBytes: parseOptions.maxBytes,
          keepUpTo: parseOptions.keepUpTo,
          gated: parseOptions.beforeAttachments !== undefined,
          verify: parseOptions.verify === true,
        };
        slot.worker.postMessage(message, [whole.buffer]);
      });
    },
    async close() {
      closing = true;
      await Promise.all(
        slots.map(async (slot) => {
          if (!slot.alive) {
            await slot.worker.terminate(); // still starting, or already gone
            return;
          }
          slot.alive = false; // requests from now on parse on the event loop
          await new Promise<void>((resolve) => {
            // A worker that does not wind down within 5 s (a stuck blob store) is stopped.
            const stop = setTimeout(() => void slot.worker.terminate(), 5_000);
            slot.worker.once('exit', () => {
              clearTimeout(stop);
              resolve();
            });
            slot.worker.postMessage({ type: 'close' } satisfies ToWorker);
          });
        }),
      );
    },
  };
}

/** A body read up to a limit: its chunks, and when it went past the limit, all of it from the start to stream on. */
interface ReadBody {
  readonly chunks: Buffer[];
  readonly size: number;
  /** Set when the body is larger than the limit: the chunks read so far, then the rest. */
  readonly rest: AsyncIterable<Buffer | string> | null;
}

/**
 * Reads a request stream up to `limit` bytes by its events (one promise per body, where an async
 * iterator costs a promise and a result object per chunk). Stopping early must not destroy the
 * request (intake's meter answers 413 and the client must read it): past the limit the stream is
 * paused and the rest is read by an iterator that leaves it open. An error, or a close before the
 * end (the client went away), rejects as the iterator would.
 */
function readUpTo(body: Readable, limit: number): Promise<ReadBody> {
  if (body.destroyed || body.readableEnded) return iterateUpTo(body.iterator({ destroyOnReturn: false }), limit);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const stop = () => {
      body.off('data', onData);
      body.off('end', onEnd);
      body.off('error', onError);
      body.off('close', onClose);
    };
    const onData = (piece: Buffer | string) => {
      const chunk = typeof piece === 'string' ? Buffer.from(piece) : piece;
      chunks.push(chunk);
      size += chunk.length;
      if (size > limit) {
        body.pause();
        stop();
        const rest = body.iterator({ destroyOnReturn: false });
        resolve({
          chunks,
          size,
          rest: (async function* () {
            yield* chunks;
            yield* rest;
          })(),
        });
      }
    };
    const onEnd = () => {
      stop();
      resolve({ chunks, size, rest: null });
    };
    const onError = (error: Error) => {
      stop();
      reject(error);
    };
    const onClose = () => {
      stop();
      reject(Object.assign(new Error('Premature close'), { code: 'ERR_STREAM_PREMATURE_CLOSE' }));
    };
    body.on('data', onData);
    body.on('end', onEnd);
    body.on('error', onError);
    body.on('close', onClose);
  });
}

/** `readUpTo` for a body that is an async iterable (not a stream). */
async function iterateUpTo(body: AsyncIterable<Buffer | string>, limit: number): Promise<ReadBody> {
  const iterator = body[Symbol.asyncIterator]();
  const chunks: Buffer[] = [];
  let size = 0;
  for (;;) {
    const next = await iterator.next();
    if (next.done) return { chunks, size, rest: null };
    const chunk = typeof next.value === 'string' ? Buffer.from(next.value) : next.value;
    chunks.push(chunk);
    size += chunk.length;
    if (size > limit)
      return {
        chunks,
        size,
        rest: (async function* () {
          yield* chunks;
          for (let n = await iterator.next(); !n.done; n = await iterator.next()) yield n.value;
        })(),
      };
  }
}
