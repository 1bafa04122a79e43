import type { BlobStore } from '@lienthong/blob-store';

/**
 * A citizen's file, streamed into the blob store as it arrives (never held whole): its media
 * type is sniffed from the first bytes, not taken from its name; DOCX and XLSX (zip packages)
 * are checked for zip bombs by the sizes their central directory declares, read from a bounded
 * tail of the stream, without inflating anything.
 */

const DOCX = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document';
const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
/** What SPEC §7 accepts online. */
export const ONLINE_MEDIA_TYPES = ['application/pdf', 'image/jpeg', 'image/png', DOCX, XLSX, 'application/xml'] as const;

/** The media type a file name's extension claims, among those accepted online; undefined for other names. */
export function claimedMediaType(name: string): string | undefined {
  const ext = /\.([A-Za-z0-9]{1,8})$/.exec(name)?.[1]?.toLowerCase();
  const byExt: Record<string, string> = {
    pdf: 'application/pdf',
    jpg: 'image/jpeg',
    jpeg: 'image/jpeg',
    png: 'image/png',
    docx: DOCX,
    xlsx: XLSX,
    xml: 'application/xml',
  };
  return ext === undefined ? undefined : byExt[ext];
}

/** Bytes kept from the start for sniffing. */
const HEAD_BYTES = 64 * 1024;
/** Bytes kept from the end for the zip central directory. */
const TAIL_BYTES = 256 * 1024;
/** A zip package may declare at most this much uncompressed content… */
export const ZIP_MAX_UNCOMPRESSED = 100 * 1024 * 1024;
/** …at most this ratio of uncompressed to compressed size for a large entry… */
export const ZIP_MAX_RATIO = 100;
/** …and at most this many entries. */
export const ZIP_MAX_ENTRIES = 5_000;

export type UploadRefusal =
  | { readonly reason: 'too-large'; readonly message: string }
  | { readonly reason: 'media-type'; readonly message: string }
  | { readonly reason: 'zip-bomb'; readonly message: string }
  | { readonly reason: 'empty'; readonly message: string };

export class UploadRefused extends Error {
  constructor(readonly refusal: UploadRefusal) {
    super(refusal.message);
  }
}

export interface StoredFile {
  readonly sha256: string;
  readonly size: number;
  readonly mediaType: string;
}

/**
 * Streams `source` into `blobs`, refusing more than `maxBytes` (stops reading at once), a media
 * type outside `allowed`, or a zip package that declares a bomb. A refused file is not stored.
 */
export async function storeUpload(
  blobs: BlobStore,
  source: AsyncIterable<Buffer>,
  limits: { readonly maxBytes: number; readonly allowed: readonly string[]; readonly name?: string },
): Promise<StoredFile> {
  const writer = blobs.openWriter();
  const head: Buffer[] = [];
  let headLength = 0;
  let tail: Buffer[] = [];
  let tailLength = 0;
  let size = 0;
  try {
    for await (const chunk of source) {
      size += chunk.length;
      if (size > limits.maxBytes)
        throw new UploadRefused({ reason: 'too-large', message: `must be at most ${(limits.maxBytes / 1024 / 1024).toFixed(1)} MB` });
      if (headLength < HEAD_BYTES) {
        head.push(chunk);
        headLength += chunk.length;
      }
      tail.push(chunk);
      tailLength += chunk.length;
      while (tailLength - tail[0]!.length >= TAIL_BYTES) tailLength -= tail.shift()!.length;
      await writer.write(chunk);
    }
    if (size === 0) throw new UploadRefused({ reason: 'empty', message: 'must not be empty' });
    const mediaType = await sniff(Buffer.concat(head).subarray(0, HEAD_BYTES));
    if (mediaType === null || !limits.allowed.includes(mediaType))
      throw new UploadRefused({
        reason: 'media-type',
        message: `its content is ${mediaType ?? 'of an unknown type'}; accepted: ${limits.allowed.join(', ')}`,
      });
    const claimed = limits.name === undefined ? undefined : claimedMediaType(limits.name);
    if (mediaType !== null && claimed !== undefined && claimed !== mediaType)
      throw new UploadRefused({ reason: 'media-type', message: `its name says ${claimed} but its content is ${mediaType}` });
    if (mediaType === DOCX || mediaType === XLSX) {
      const bomb = zipBomb(Buffer.concat(tail), size);
      tail = [];
      if (bomb) throw new UploadRefused({ reason: 'zip-bomb', message: bomb });
    }
    const { sha256 } = await writer.end();
    return { sha256, size, mediaType };
  } catch (error) {
    await writer.abort();
    throw error;
  }
}

/** The media type of a file's first bytes, among those accepted online; null for anything else. */
export async function sniff(head: Buffer): Promise<string | null> {
  // file-type is imported on the first upload, not at start (a hub starts without it).
  const { fileTypeFromBuffer } = await import('file-type');
  const found = await fileTypeFromBuffer(head);
  if (found) return found.mime;
  // XML without a declaration that file-type recognises: a root element after optional BOM/space.
  const text = head
    .subarray(0, 512)
    .toString('utf8')
    .replace(/^\uFEFF/, '')
    .trimStart();
  if (/^<[A-Za-z_][\w.:-]*[\s>/]/.test(text) && !/^<(html|!doctype)/i.test(text)) return 'application/xml';
  return null;
}

/**
 * Why a zip package is refused, from its central directory (in `tail`, the last bytes of a file
 * of `size` bytes): sizes beyond the limits, an impossible ratio, too many entries, or a
 * directory that cannot be read (then it is not a package this portal accepts). Null when fine.
 */
export function zipBomb(tail: Buffer, size: number): string | null {
  const tailStart = size - tail.length;
  // End of central directory: signature 0x06054b50, within the last 22 + 65535 bytes.
  let eocd = -1;
  for (let i = tail.length - 22; i >= Math.max(0, tail.length - 22 - 0xffff); i--)
    if (tail.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  if (eocd < 0) return 'is not a readable zip package (no end of central directory)';
  const entries = tail.readUInt16LE(eocd + 10);
  const cdSize = tail.readUInt32LE(eocd + 12);
  const cdOffset = tail.readUInt32LE(eocd + 16);
  if (entries === 0xffff || cdOffset === 0xffffffff) return 'is a zip64 package, which is not accepted';
  if (entries > ZIP_MAX_ENTRIES) return `declares ${entries} entries; at most ${ZIP_MAX_ENTRIES}`;
  const start = cdOffset - tailStart;
  if (start < 0 || start + cdSize > eocd) return 'has a central directory that cannot be read';
  let at = start;
  let total = 0;
  for (let n = 0; n < entries; n++) {
    if (at + 46 > eocd || tail.readUInt32LE(at) !== 0x02014b50) return 'has a damaged central directory';
    const compressed = tail.readUInt32LE(at + 20);
    const uncompressed = tail.readUInt32LE(at + 24);
    if (compressed === 0xffffffff || uncompressed === 0xffffffff) return 'is a zip64 package, which is not accepted';
    total += uncompressed;
    if (total > ZIP_MAX_UNCOMPRESSED) return `declares more than ${ZIP_MAX_UNCOMPRESSED / 1024 / 1024} MB uncompressed (a zip bomb)`;
    if (uncompressed > 1024 * 1024 && uncompressed > ZIP_MAX_RATIO * Math.max(compressed, 1))
      return `declares an entry compressed more than ${ZIP_MAX_RATIO} times (a zip bomb)`;
    at += 46 + tail.readUInt16LE(at + 28) + tail.readUInt16LE(at + 30) + tail.readUInt16LE(at + 32);
  }
  return null;
}
