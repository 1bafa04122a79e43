/**
 * `lienthong verify --export <file>`: re-checks an export on its own. Each line's hash and its
 * link to the previous line of the same stream; each stream's first link and last hash against
 * the manifest; then the count and the SHA-256 of the whole file.
 */
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { z } from 'zod';
import { audit } from '@lienthong/platform';
import { CliError } from './context.js';
import { EXPORT_FORMAT, type ExportManifest } from './export.js';

export interface ExportVerifyReport {
  readonly ok: boolean;
  readonly file: string;
  readonly checked: number;
  readonly streams: number;
  readonly brokenAt?: audit.BrokenLink & { readonly line: number | null };
}

const hex = z.string().regex(/^[0-9a-f]{64}$/);
const Manifest = z
  .object({
    format: z.literal(EXPORT_FORMAT),
    count: z.number().int().min(0),
    sha256: hex,
    range: z.object({ fromPosition: z.number(), toPosition: z.number() }).passthrough(),
    streams: z.record(
      z.string(),
      z.object({
        firstRevision: z.number().int().min(0),
        prevHash: hex,
        lastRevision: z.number().int(),
        lastHash: hex,
        events: z.number().int(),
      }),
    ),
  })
  .passthrough();

export async function verifyExport(file: string): Promise<ExportVerifyReport> {
  const manifestPath = `${file}.manifest.json`;
  if (!existsSync(file)) throw new CliError(`no export file ${file}`);
  if (!existsSync(manifestPath)) throw new CliError(`no manifest ${manifestPath}`);
  let manifest: ExportManifest;
  try {
    manifest = Manifest.parse(JSON.parse(readFileSync(manifestPath, 'utf8'))) as unknown as ExportManifest;
  } catch (error) {
    throw new CliError(`${manifestPath} is not an export manifest: ${(error as Error).message.slice(0, 300)}`);
  }
  const anchors = new Map(
    Object.entries(manifest.streams).map(([stream, s]) => [stream, { revision: s.firstRevision - 1, hash: s.prevHash }]),
  );
  const checker = new audit.ChainChecker({ anchors });
  let line = 0;
  let brokenLine: number | null = null;
  let lastPosition = manifest.range.fromPosition - 1;
  const fail = (
    link: Omit<audit.BrokenLink, 'stream' | 'revision' | 'position' | 'eventId'> & Partial<audit.BrokenLink>,
    at: number | null,
  ) => {
    if (checker.broken) return;
    checker.fail({ stream: '', revision: -1, position: 0, eventId: null, ...link });
    brokenLine = at;
  };

  // one read of the file: the SHA-256 is taken from the same chunks the lines come from
  const sha = createHash('sha256');
  const input = createReadStream(file).on('data', (chunk) => sha.update(chunk as Buffer));
  const lines = createInterface({ input, crlfDelay: Infinity });
  for await (const text of lines) {
    line++;
    if (checker.broken) break;
    let e: audit.ParsedEvent;
    try {
      e = JSON.parse(text) as audit.ParsedEvent;
    } catch {
      fail({ reason: 'the line is not JSON' }, line);
      break;
    }
    const where = {
      stream: String(e.stream),
      revision: Number(e.revision),
      position: Number(e.position),
      eventId: typeof e.id === 'string' ? e.id : null,
    };
    if (!anchors.has(e.stream)) fail({ ...where, reason: 'the stream is not in the manifest' }, line);
    else if (!(e.position > lastPosition && e.position <= manifest.range.toPosition))
      fail({ ...where, reason: `position ${e.position} is out of order or outside the manifest's range` }, line);
    else if (!checker.check(e)) brokenLine = line;
    lastPosition = Number(e.position);
  }
  lines.close();

  if (!checker.broken) {
    for (const [stream, s] of Object.entries(manifest.streams)) {
      const head = checker.heads.get(stream);
      if (!head || head.revision !== s.lastRevision || head.hash !== s.lastHash) {
        fail(
          {
            stream,
            revision: head?.revision ?? -1,
            reason: `the manifest says the stream ends at revision ${s.lastRevision}, the export at ${head?.revision ?? 'none'}: lines missing`,
          },
          null,
        );
        break;
      }
    }
  }
  if (!checker.broken && checker.checked !== manifest.count)
    fail({ reason: `the manifest counts ${manifest.count} events, the file has ${checker.checked}` }, null);
  if (!checker.broken && sha.digest('hex') !== manifest.sha256) fail({ reason: 'the SHA-256 of the file differs from the manifest' }, null);
  return {
    ok: !checker.broken,
    file,
    checked: checker.checked,
    streams: checker.heads.size,
    ...(checker.broken ? { brokenAt: { ...checker.broken, line: brokenLine } } : {}),
  };
}
