import { Base64Error, Base64StreamDecoder, describeChar } from './base64.js';

/** Longest character reference taken in attachment content (`&#x10FFFF;` is 10). */
const MAX_REFERENCE = 12;
/**
 * Characters of base64-only text kept (as the strings received, no copy) in case a later character
 * turns the content into text: content whose first character outside base64 comes later than this
 * is refused (base64 corrupted far in, not text; a text's first line has such a character).
 */
export const RAW_PREFIX_CHARS = 4 * 1024 * 1024;
/** Longest start of markup held back while deciding what it is (a name up to its end). */
const MAX_LOOKAHEAD = 256;
const CDATA_OPEN = '<![CDATA[';
const PREDEFINED: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };
/** A character that is neither in the base64 alphabet, nor `=`, nor XML whitespace: the content is not base64 at all. */
const NOT_BASE64 = /[^A-Za-z0-9+/=\t\n\r ]/;
/**
 * A character that is no XML 1.0 `Char`: every C0 control but tab, LF and CR, U+FFFE, U+FFFF, and
 * a surrogate that is not half of a pair (a high surrogate ending a piece is held for the next).
 */
const NOT_XML_CHAR =
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const isHighSurrogate = (code: number): boolean => code >= 0xd800 && code <= 0xdbff;

/** A `ContentTransferEncoded` whose text is not exactly one base64-encoded sequence of bytes. */
export class ContentError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ContentError';
  }
}

/**
 * What one slice of content gave: its decoded bytes while the content may be base64, its text
 * once it is known not to be base64 (the first such slice carries the text from the content's
 * start), and the markup after the content once its closing tag began.
 */
export interface ContentSlice {
  /** Decoded bytes; none once the content can no longer be stored decoded (see `decoding`). */
  readonly bytes: Buffer;
  /** The content's text (references and CDATA resolved) as UTF-8; only once `isText`. */
  readonly text: Buffer;
  /** From `</` on, when the content ended in this slice; the caller hands it to the XML parser. */
  readonly rest: string | undefined;
}

/** How a content ended: base64 (its last decoded bytes), or not base64 at all (stored as its text). */
export type ContentEnd =
  { readonly kind: 'base64'; readonly bytes: Buffer } | { readonly kind: 'text'; readonly char: string; readonly position: number };

/**
 * Reads the text of one `ContentTransferEncoded` beside the XML parser, in order and in any
 * slicing: character references (`&#13;`…) and CDATA sections are resolved; any element, comment
 * or processing instruction inside is a `ContentError` (content is text only, so a nested
 * `ContentTransferEncoded` can never start a second attachment inside the first).
 *
 * What the content is can be known only at its end (a first character outside base64 may come
 * after megabytes), so the content is decoded optimistically, once: valid base64 goes out as
 * decoded bytes and nothing else. The text read so far is kept meanwhile as the strings received
 * (references, no copy), up to `RAW_PREFIX_CHARS`; at the first character that is neither base64,
 * `=` nor whitespace the content is not base64 at all, its text is the attachment, and from then
 * on slices carry text (the first one from the content's start; the caller drops the decoded
 * bytes). Such a character after more than `RAW_PREFIX_CHARS` characters is a `ContentError`.
 * Content of base64 characters only must be exactly one base64 text (a `ContentError` at the end
 * otherwise, however it was sliced). A character that is no XML character (NUL, U+0001, …) is a
 * `ContentError` at once, either way.
 */
export class ContentReader {
  private readonly decoder = new Base64StreamDecoder();
  /** Why the base64 read so far is not one byte sequence (reported at the end, unless the content is text). */
  private base64Error: string | undefined;
  /** The first character that is not base64 (1-based position in the content's text). */
  private notBase64: { char: string; position: number } | undefined;
  /** The text received while base64-only, kept until it is known what the content is (dropped past `RAW_PREFIX_CHARS`). */
  private raw: string[] | undefined = [];
  /** Characters of resolved text received so far. */
  private received = 0;
  /** A high surrogate that ended the last piece, waiting for its low half. */
  private highSurrogate = '';
  /** An unfinished reference, CDATA delimiter or start of markup, carried to the next slice. */
  private pending = '';
  private inCdata = false;
  /** Line breaks seen (the XML parser's line numbers skip the content). */
  lines = 0;

  read(text: string): ContentSlice {
    const s = this.pending + text;
    this.pending = '';
    const out: Buffer[] = [];
    const texts: Buffer[] = [];
    const decode = (piece: string) => {
      if (piece === '') return;
      for (let k = piece.indexOf('\n'); k !== -1; k = piece.indexOf('\n', k + 1)) this.lines++;
      this.take(piece, out, texts);
    };
    const join = (list: Buffer[]) => (list.length === 1 ? list[0]! : Buffer.concat(list));
    const done = (rest: string | undefined): ContentSlice => ({ bytes: join(out), text: join(texts), rest });
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

  /** Whether the content may still be base64 (the decoded bytes may still be the attachment). */
  get decoding(): boolean {
    return this.notBase64 === undefined && this.base64Error === undefined;
  }

  /** Whether the content is known not to be base64: its text is the attachment, slices carry text. */
  get isText(): boolean {
    return this.notBase64 !== undefined;
  }

  /** Ends the content (its closing tag was read): what it is, and the last decoded bytes when base64. */
  end(): ContentEnd {
    if (this.inCdata || this.pending !== '') throw new ContentError('the content ends inside a CDATA section or reference');
    if (this.highSurrogate !== '')
      throw new ContentError(
        `character ${describeChar(this.highSurrogate)} at position ${this.received + 1} is not base64, nor text (it is not an XML character)`,
      );
    if (this.notBase64 !== undefined) return { kind: 'text', ...this.notBase64 };
    if (this.base64Error !== undefined) throw new ContentError(this.base64Error);
    return { kind: 'base64', bytes: this.guard(() => this.decoder.end()) };
  }

  /** Takes resolved text: refuses what is no XML character, decodes it while it may be base64, passes it on as text once it is not. */
  private take(piece: string, bytes: Buffer[], texts: Buffer[]): void {
    let s = this.highSurrogate + piece;
    this.highSurrogate = '';
    if (isHighSurrogate(s.charCodeAt(s.length - 1))) {
      this.highSurrogate = s.slice(-1);
      s = s.slice(0, -1);
    }
    if (s === '') return;
    const bad = NOT_XML_CHAR.exec(s);
    if (bad)
      throw new ContentError(
        `character ${describeChar(bad[0])} at position ${this.received + bad.index + 1} is not base64, nor text (it is not an XML character)`,
      );
    if (this.notBase64 !== undefined) texts.push(Buffer.from(s, 'utf8'));
    else {
      const other = NOT_BASE64.exec(s);
      if (other) {
        const position = this.received + other.index + 1;
        // Decided by position alone, however the content was sliced.
        if (this.raw === undefined || position - 1 > RAW_PREFIX_CHARS)
          throw new ContentError(
            `character ${describeChar(other[0])} at position ${position} is not base64, after more than ${RAW_PREFIX_CHARS} characters of base64: too late for the content to be text, and not base64`,
          );
        this.notBase64 = { char: other[0], position };
        this.raw.push(s);
        texts.push(Buffer.from(this.raw.join(''), 'utf8'));
        this.raw = undefined;
      } else {
        if (this.raw !== undefined) {
          if (this.received + s.length > RAW_PREFIX_CHARS) this.raw = undefined;
          else this.raw.push(s);
        }
        if (this.base64Error === undefined) {
          try {
            const decoded = this.decoder.push(s);
            if (decoded.length > 0) bytes.push(decoded);
          } catch (error) {
            if (!(error instanceof Base64Error)) throw error;
            this.base64Error = error.message;
          }
        }
      }
    }
    this.received += s.length;
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
  const xmlChar =
    code === 0x9 ||
    code === 0xa ||
    code === 0xd ||
    (code >= 0x20 && code <= 0xd7ff) ||
    (code >= 0xe000 && code <= 0xfffd) ||
    (code >= 0x10000 && code <= 0x10ffff);
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
