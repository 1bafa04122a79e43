import { Base64Error, Base64StreamDecoder } from './base64.js';

/** Longest character reference taken in attachment content (`&#x10FFFF;` is 10). */
const MAX_REFERENCE = 12;
/** Longest start of markup held back while deciding what it is (a name up to its end). */
const MAX_LOOKAHEAD = 256;
const CDATA_OPEN = '<![CDATA[';
const PREDEFINED: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

/** A `ContentTransferEncoded` whose text is not exactly one base64-encoded sequence of bytes. */
export class ContentError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ContentError';
  }
}

/** What one slice of content gave: decoded bytes, and the markup after the content once its closing tag began. */
export interface ContentSlice {
  readonly bytes: Buffer;
  /** From `</` on, when the content ended in this slice; the caller hands it to the XML parser. */
  readonly rest: string | undefined;
}

/**
 * Reads the text of one `ContentTransferEncoded` beside the XML parser, in order and in any
 * slicing: base64 text, character references (`&#13;`…) and CDATA sections are decoded; any
 * element, comment or processing instruction inside is a `ContentError` (content is text only,
 * so a nested `ContentTransferEncoded` can never start a second attachment inside the first).
 */
export class ContentReader {
  private readonly decoder = new Base64StreamDecoder();
  /** An unfinished reference, CDATA delimiter or start of markup, carried to the next slice. */
  private pending = '';
  private inCdata = false;
  /** Line breaks seen (the XML parser's line numbers skip the content). */
  lines = 0;

  read(text: string): ContentSlice {
    const s = this.pending + text;
    this.pending = '';
    const out: Buffer[] = [];
    const decode = (piece: string) => {
      if (piece === '') return;
      for (let k = piece.indexOf('\n'); k !== -1; k = piece.indexOf('\n', k + 1)) this.lines++;
      const bytes = this.guard(() => this.decoder.push(piece));
      if (bytes.length > 0) out.push(bytes);
    };
    const done = (rest: string | undefined): ContentSlice => ({ bytes: out.length === 1 ? out[0]! : Buffer.concat(out), rest });
    let i = 0;
    while (i < s.length) {
      if (this.inCdata) {
        const close = s.indexOf(']]>', i);
        if (close === -1) {
          // A `]` or `]]` at the end may be the start of `]]>`.
          const keep = s.endsWith(']]') ? 2 : s.endsWith(']') ? 1 : 0;
          const end = Math.max(i, s.length - keep);
          decode(s.slice(i, end));
          this.pending = s.slice(end);
          return done(undefined);
        }
        decode(s.slice(i, close));
        this.inCdata = false;
        i = close + 3;
        continue;
      }
      let stop = i;
      while (stop < s.length && s.charCodeAt(stop) !== 0x3c && s.charCodeAt(stop) !== 0x26) stop++;
      decode(s.slice(i, stop));
      if (stop === s.length) return done(undefined);
      if (s.charCodeAt(stop) === 0x26) {
        const semi = s.indexOf(';', stop);
        if (semi === -1 || semi - stop > MAX_REFERENCE) {
          if (semi === -1 && s.length - stop <= MAX_REFERENCE) {
            this.pending = s.slice(stop);
            return done(undefined);
          }
          throw new ContentError(`an "&" that starts no character reference ("${s.slice(stop, stop + MAX_REFERENCE)}…")`);
        }
        decode(referenced(s.slice(stop, semi + 1)));
        i = semi + 1;
        continue;
      }
      // `<`: the closing tag ends the content; a CDATA section continues it; anything else is refused.
      if (s.startsWith('</', stop)) return done(s.slice(stop));
      if (s.startsWith(CDATA_OPEN, stop)) {
        this.inCdata = true;
        i = stop + CDATA_OPEN.length;
        continue;
      }
      // Decided on what the slice holds: at its end, wait for the markup's first 9 characters or its whole name.
      const head = s.slice(stop, stop + MAX_LOOKAHEAD);
      const atEnd = stop + head.length === s.length;
      if (atEnd && head.length < MAX_LOOKAHEAD && (head.length < CDATA_OPEN.length || /^<[^\s/>]*$/.test(head))) {
        this.pending = s.slice(stop);
        return done(undefined);
      }
      throw new ContentError(`${markupName(head)} inside the content: an attachment's ContentTransferEncoded holds base64 text only`);
    }
    return done(undefined);
  }

  /** Ends the content (its closing tag was read); returns the last bytes. */
  end(): Buffer {
    if (this.inCdata || this.pending !== '') throw new ContentError('the content ends inside a CDATA section or reference');
    return this.guard(() => this.decoder.end());
  }

  private guard<T>(f: () => T): T {
    try {
      return f();
    } catch (error) {
      if (error instanceof Base64Error) throw new ContentError(error.message);
      throw error;
    }
  }
}

/** The character a reference stands for. */
function referenced(ref: string): string {
  const name = ref.slice(1, -1);
  const predefined = PREDEFINED[name];
  if (predefined !== undefined) return predefined;
  const m = /^#(?:x([0-9a-fA-F]+)|([0-9]+))$/.exec(name);
  if (!m) throw new ContentError(`${ref} is not a character reference (no entities are declared)`);
  const code = m[1] !== undefined ? parseInt(m[1], 16) : Number(m[2]);
  const xmlChar = code === 0x9 || code === 0xa || code === 0xd || (code >= 0x20 && code <= 0xd7ff) || (code >= 0xe000 && code <= 0xfffd) || (code >= 0x10000 && code <= 0x10ffff);
  if (!xmlChar) throw new ContentError(`${ref} is not an XML character`);
  return String.fromCodePoint(code);
}

/** How markup found inside content is named: `element <x:Name>`, `a comment`, … */
function markupName(head: string): string {
  if (head.startsWith('<!--')) return 'a comment';
  if (head.startsWith('<?')) return 'a processing instruction';
  if (head.startsWith('<!')) return `a declaration "${head.slice(0, 12)}"`;
  const name = /^<([^\s/>]+)/.exec(head)?.[1];
  return name === undefined ? 'a "<"' : `element <${name}>`;
}
