import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { once } from 'node:events';

/** What the parser knows about an attachment when its content starts. */
export interface AttachmentMeta {
  readonly contentId?: string;
  readonly name?: string;
  readonly contentType?: string;
}

/** Where one attachment's decoded bytes go, chunk by chunk; `end` reports the stored content's address. */
export interface AttachmentWriter {
  /** May return a promise to apply backpressure; the parser awaits it before reading on. */
  write(chunk: Buffer): void | Promise<void>;
  end(): Promise<{ sha256: string; size: number }>;
  /** Called instead of `end` when parsing fails midway. */
  abort?(): Promise<void>;
}

/** Receives attachment content while a message is parsed (adapt a blob store to this). */
export interface AttachmentSink {
  begin(meta: AttachmentMeta): AttachmentWriter | Promise<AttachmentWriter>;
}

/** Gives back stored attachment content by SHA-256 when rendering. */
export interface AttachmentSource {
  open(sha256: string): Promise<AsyncIterable<Uint8Array> | Iterable<Uint8Array>>;
}

/** In-memory sink and source (tests, small messages): content kept by SHA-256. */
export interface MemoryAttachmentStore extends AttachmentSink, AttachmentSource {
  readonly blobs: Map<string, Buffer>;
  /** Stores bytes directly and returns their address. */
  put(bytes: Uint8Array): { sha256: string; size: number };
}

export function memoryAttachmentStore(): MemoryAttachmentStore {
  const blobs = new Map<string, Buffer>();
  const put = (bytes: Uint8Array): { sha256: string; size: number } => {
    const buf = Buffer.from(bytes);
    const sha256 = createHash('sha256').update(buf).digest('hex');
    blobs.set(sha256, buf);
    return { sha256, size: buf.length };
  };
  return {
    blobs,
    put,
    begin() {
      const chunks: Buffer[] = [];
      return {
        write(chunk) {
          chunks.push(chunk);
        },
        async end() {
          return put(Buffer.concat(chunks));
        },
      };
    },
    async open(sha256) {
      const blob = blobs.get(sha256);
      if (blob === undefined) throw new Error(`attachment ${sha256} not found`);
      return [blob];
    },
  };
}

/** Sink and source on a directory: one file per content, named by its SHA-256. */
export interface FileAttachmentStore extends AttachmentSink, AttachmentSource {
  readonly dir: string;
  pathOf(sha256: string): string;
}

export function fileAttachmentStore(dir: string): FileAttachmentStore {
  const pathOf = (sha256: string): string => join(dir, sha256);
  return {
    dir,
    pathOf,
    async begin() {
      await mkdir(dir, { recursive: true });
      const tmp = join(dir, `.tmp-${randomUUID()}`);
      const out = createWriteStream(tmp);
      const hash = createHash('sha256');
      let size = 0;
      return {
        async write(chunk) {
          hash.update(chunk);
          size += chunk.length;
          if (!out.write(chunk)) await once(out, 'drain');
        },
        async end() {
          out.end();
          await once(out, 'finish');
          const sha256 = hash.digest('hex');
          await rename(tmp, pathOf(sha256));
          return { sha256, size };
        },
        async abort() {
          // Writes still buffered fail with the stream: nothing to report, the file goes.
          out.on('error', () => undefined);
          out.destroy();
          await rm(tmp, { force: true });
        },
      };
    },
    async open(sha256) {
      if (!/^[0-9a-f]{64}$/.test(sha256)) throw new Error(`not a sha256: ${sha256}`);
      await stat(pathOf(sha256));
      return createReadStream(pathOf(sha256), { highWaterMark: 256 * 1024 });
    },
  };
}
