import { isUtf8 } from 'node:buffer';
import { TextDecoder } from 'node:util';
import { EdxmlEncodingError } from './errors.js';

/** How many leading bytes are examined for a byte order mark and the XML declaration. */
const SNIFF_BYTES = 1024;

function declaredEncoding(head: Buffer): string | undefined {
  const ascii = head.toString('latin1');
  const m = /<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._-]+)["']/.exec(ascii);
  return m?.[1]?.toLowerCase();
}

function pickEncoding(head: Buffer): string {
  if (head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf) return 'utf-8';
  if (head[0] === 0xff && head[1] === 0xfe) return 'utf-16le';
  if (head[0] === 0xfe && head[1] === 0xff) return 'utf-16be';
  if ((head[0] === 0x3c && head[1] === 0x00) || (head[0] === 0x00 && head[1] === 0x3c)) {
    throw new EdxmlEncodingError('UTF-16 without a byte order mark is not accepted; send UTF-8, or UTF-16 with a BOM');
  }
  const declared = declaredEncoding(head);
  if (declared === undefined || declared === 'utf-8' || declared === 'utf8') return 'utf-8';
  if (declared.startsWith('utf-16') || declared === 'ucs-2') {
    throw new EdxmlEncodingError(`the XML declaration says ${declared} but there is no byte order mark; send UTF-8, or UTF-16 with a BOM`);
  }
  throw new EdxmlEncodingError(`unsupported encoding "${declared}"; edXML must be UTF-8 (or UTF-16 with a BOM)`);
}

/**
 * Turns bytes into text incrementally: sniffs the BOM and the XML declaration, then decodes
 * strictly (invalid byte sequences are an error, never U+FFFD). UTF-8 slices that are valid and
 * whole on their own (a body read whole: nearly every document) are decoded by `Buffer`, which
 * costs a fraction of the `TextDecoder`'s ICU conversion; from the first slice that is not (a
 * character cut between slices, or an error) on, the `TextDecoder` decodes the rest.
 */
export class XmlBytesDecoder {
  private head: Buffer[] = [];
  private headLength = 0;
  /** Set once the encoding is known; created at the first slice the fast path does not take. */
  private decoder: TextDecoder | undefined;
  private started = false;
  private offset = 0;
  /** The encoding chosen, once known. */
  encoding: string | undefined;

  push(bytes: Uint8Array): string {
    if (!this.started) {
      this.head.push(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
      this.headLength += bytes.byteLength;
      if (this.headLength < SNIFF_BYTES) return '';
      return this.start(false);
    }
    return this.decode(bytes, true);
  }

  end(): string {
    let out = '';
    if (!this.started) out = this.start(true);
    return out + this.decode(new Uint8Array(0), false);
  }

  private start(final: boolean): string {
    const head = Buffer.concat(this.head);
    this.head = [];
    this.encoding = pickEncoding(head);
    this.started = true;
    return this.decode(head, !final);
  }

  private decode(bytes: Uint8Array, stream: boolean): string {
    if (this.decoder === undefined && this.encoding === 'utf-8' && isUtf8(bytes)) {
      // a BOM is dropped at the very start only, as the TextDecoder does
      const bom = this.offset === 0 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
      const text = Buffer.from(bytes.buffer, bytes.byteOffset + bom, bytes.byteLength - bom).toString('utf8');
      this.offset += bytes.byteLength;
      return text;
    }
    // past the start, a U+FEFF is a character of the text, not a BOM to drop
    this.decoder ??= new TextDecoder(this.encoding, { fatal: true, ignoreBOM: this.offset > 0 });
    try {
      const text = this.decoder.decode(bytes, { stream });
      this.offset += bytes.byteLength;
      return text;
    } catch {
      throw new EdxmlEncodingError(
        `invalid ${this.encoding ?? 'UTF-8'} byte sequence in bytes ${this.offset}..${this.offset + bytes.byteLength}`,
      );
    }
  }
}

/** Decodes a whole buffer as `XmlBytesDecoder` would. */
export function decodeXmlBytes(bytes: Uint8Array): string {
  const d = new XmlBytesDecoder();
  return d.push(bytes) + d.end();
}
