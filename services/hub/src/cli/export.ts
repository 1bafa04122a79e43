/**
 * `lienthong export`: events of a position range (or of streams by prefix) as JSON Lines, one
 * stored event per line, plus `<file>.manifest.json` (count, range, SHA-256 of the file, and
 * where each stream's chain starts and ends) so the export can be verified on its own later.
 */
import { createHash } from 'node:crypto';
import { createWriteStream, existsSync, writeFileSync, type WriteStream } from 'node:fs';
import { basename } from 'node:path';
import { audit } from '@lienthong/platform';
import { CliError, cliConfig, openConfiguredStore, type GlobalOptions } from './context.js';
import { progress } from './progress.js';

export const EXPORT_FORMAT = 'lienthong-export/1';

/** Where one stream's events in the export start (revision, prevHash) and end (revision, hash). */
export interface ManifestStream {
  readonly firstRevision: number;
  readonly prevHash: string;
  readonly lastRevision: number;
  readonly lastHash: string;
  readonly events: number;
}

export interface ExportManifest {
  readonly format: typeof EXPORT_FORMAT;
  readonly file: string;
  readonly createdAt: string;
  readonly count: number;
  readonly bytes: number;
  readonly sha256: string;
  /** Asked range (inclusive) and the positions actually exported. */
  readonly range: {
    readonly fromPosition: number;
    readonly toPosition: number;
    readonly firstPosition: number | null;
    readonly lastPosition: number | null;
  };
  readonly streamPrefix: string | null;
  readonly streams: Readonly<Record<string, ManifestStream>>;
}

export interface ExportOptions extends GlobalOptions {
  readonly fromPosition?: number;
  readonly toPosition?: number;
  readonly streamPrefix?: string;
  /** File to write, or `-`/absent for stdout. */
  readonly out?: string;
  /** Manifest path; default `<out>.manifest.json` (required with stdout to get one). */
  readonly manifest?: string;
}

const PAGE = 5000;

/** One JSON line; stored canonical text is copied as is, so the line hashes to what the store recorded. */
export function exportLine(e: audit.ChainEvent): string {
  const data = 'dataJson' in e ? e.dataJson : JSON.stringify(e.data);
  const metadata = 'metadataJson' in e ? e.metadataJson : JSON.stringify(e.metadata);
  return `{"position":${e.position},"stream":${JSON.stringify(e.stream)},"revision":${e.revision},"id":${JSON.stringify(e.id)},"type":${JSON.stringify(e.type)},"data":${data},"metadata":${metadata},"prevHash":${JSON.stringify(e.prevHash)},"hash":${JSON.stringify(e.hash)}}\n`;
}

function write(out: NodeJS.WritableStream, text: string): Promise<void> {
  return out.write(text) ? Promise.resolve() : new Promise((resolve) => out.once('drain', () => resolve()));
}

export async function exportEvents(options: ExportOptions): Promise<ExportManifest> {
  const config = cliConfig(options);
  const file = audit.sqliteFileOf(config);
  if (file && !existsSync(file)) throw new CliError(`no event store at ${file}`);
  const store = file ? undefined : await openConfiguredStore(config);
  const source = file ? audit.sqliteChainSource(file) : audit.storeChainSource(store!);
  const toStdout = options.out === undefined || options.out === '-';
  const out: NodeJS.WritableStream = toStdout ? process.stdout : createWriteStream(options.out);
  const sha = createHash('sha256');
  let bytes = 0;
  try {
    const from = options.fromPosition ?? 1;
    const head = await source.headPosition();
    const to = Math.min(options.toPosition ?? head, head);
    const streams = new Map<string, { firstRevision: number; prevHash: string; lastRevision: number; lastHash: string; events: number }>();
    let count = 0;
    let first: number | null = null;
    let last: number | null = null;
    const bar = progress('export', Math.max(0, to - from + 1));
    for (let after = from - 1; after < to;) {
      const events = await source.page(after, to, PAGE, options.streamPrefix);
      if (events.length === 0) break;
      let chunk = '';
      for (const e of events) {
        chunk += exportLine(e);
        const s = streams.get(e.stream);
        if (s) {
          s.lastRevision = e.revision;
          s.lastHash = e.hash;
          s.events++;
        } else
          streams.set(e.stream, { firstRevision: e.revision, prevHash: e.prevHash, lastRevision: e.revision, lastHash: e.hash, events: 1 });
        first ??= e.position;
        last = e.position;
      }
      count += events.length;
      after = events[events.length - 1]!.position;
      sha.update(chunk);
      bytes += Buffer.byteLength(chunk);
      await write(out, chunk);
      bar.update(after - from + 1);
    }
    bar.stop();
    if (!toStdout)
      await new Promise<void>((resolve, reject) => (out as WriteStream).end((error?: Error | null) => (error ? reject(error) : resolve())));
    const manifest: ExportManifest = {
      format: EXPORT_FORMAT,
      file: toStdout ? '-' : basename(options.out),
      createdAt: new Date().toISOString(),
      count,
      bytes,
      sha256: sha.digest('hex'),
      range: { fromPosition: from, toPosition: to, firstPosition: first, lastPosition: last },
      streamPrefix: options.streamPrefix ?? null,
      streams: Object.fromEntries(streams),
    };
    const manifestPath = options.manifest ?? (toStdout ? undefined : `${options.out}.manifest.json`);
    if (manifestPath) writeFileSync(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`);
    return manifest;
  } finally {
    await source.close();
    await store?.close();
  }
}
