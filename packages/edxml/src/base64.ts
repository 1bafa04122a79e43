/** Characters a base64 text may hold: the RFC 4648 alphabet, padding, and XML whitespace (line breaks). */
const NOT_BASE64 = /[^A-Za-z0-9+/=\t\n\r ]/;
const WHITESPACE = /[\t\n\r ]+/g;
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const EMPTY = Buffer.alloc(0);

/** Base64 text that does not decode to exactly one sequence of bytes; `position` is 1-based, in characters. */
export class Base64Error extends Error {
  constructor(
    message: string,
    readonly position?: number,
  ) {
    super(message);
    this.name = 'Base64Error';
  }
}

/** How a character is named in messages: itself when visible, its code point otherwise. */
export function describeChar(ch: string): string {
  const code = ch.codePointAt(0) ?? 0;
  const hex = `U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
  return code > 0x20 && code < 0x7f ? `"${ch}"` : hex;
}

/**
 * Streaming base64 decoder: characters arrive in arbitrary slices, bytes leave in chunks, the
 * whole text is never held. Strict, so that the bytes never depend on how the text was sliced
 * and nothing is dropped: only XML whitespace may sit between base64 characters; anything else
 * outside the alphabet, `=` anywhere but at the very end, a dangling character, or a last
 * character with bits no byte holds is a `Base64Error`. Unpadded text is accepted (it decodes
 * to one sequence of bytes), incomplete padding is not.
 */
export class Base64StreamDecoder {
  /** 0–3 characters of an unfinished group of four. */
  private carry = '';
  /** Characters received so far, whitespace included (for positions in messages). */
  private seen = 0;
  /** Once padding began: how many `=` the last group needs, and how many came. */
  private padding: { needed: number; given: number } | undefined;

  push(text: string): Buffer {
    const bad = NOT_BASE64.exec(text);
    if (bad)
      throw new Base64Error(
        `character ${describeChar(bad[0])} at position ${this.seen + bad.index + 1} is not base64`,
        this.seen + bad.index + 1,
      );
    const clean = text.replace(WHITESPACE, '');
    const at = (cleanIndex: number) => this.seen + positionIn(text, cleanIndex);
    try {
      if (clean === '') return EMPTY;
      if (this.padding !== undefined) {
        for (let k = 0; k < clean.length; k++) this.morePadding(clean[k]!, at(k));
        return EMPTY;
      }
      const eq = clean.indexOf('=');
      const data = eq === -1 ? clean : clean.slice(0, eq);
      const all = this.carry + data;
      const whole = all.length - (all.length % 4);
      this.carry = all.slice(whole);
      if (eq !== -1) {
        const partial = this.carry.length;
        if (partial < 2)
          throw new Base64Error(
            `"=" at position ${at(eq)} where no padding can be (padding follows the 2nd or 3rd character of a group of four)`,
            at(eq),
          );
        this.padding = { needed: 4 - partial, given: 0 };
        for (let k = eq; k < clean.length; k++) this.morePadding(clean[k]!, at(k));
      }
      return whole === 0 ? EMPTY : Buffer.from(all.slice(0, whole), 'base64');
    } finally {
      this.seen += text.length;
    }
  }

  /** The last bytes; throws when the text ended where no whole byte sequence does. */
  end(): Buffer {
    const rest = this.carry;
    this.carry = '';
    if (this.padding !== undefined && this.padding.given < this.padding.needed)
      throw new Base64Error('the content ends with incomplete "=" padding');
    if (rest.length === 0) return EMPTY;
    if (rest.length === 1) throw new Base64Error('the content ends with a single base64 character, which holds no whole byte (truncated?)');
    // The last character of a short group has spare low bits; any set means the text was not encoded from bytes.
    const spare = rest.length === 2 ? 0x0f : 0x03;
    if ((ALPHABET.indexOf(rest.at(-1)!) & spare) !== 0)
      throw new Base64Error('the last base64 character has bits set that no byte holds (not canonical base64)');
    return Buffer.from(rest, 'base64');
  }

  private morePadding(ch: string, position: number): void {
    const padding = this.padding!;
    if (ch !== '=')
      throw new Base64Error(
        `"=" padding in the middle of the content: ${describeChar(ch)} follows it at position ${position} (padding belongs only at the very end)`,
        position,
      );
    if (++padding.given > padding.needed) throw new Base64Error(`too much "=" padding at position ${position}`, position);
  }
}

/** Position (1-based) in `text` of its `cleanIndex`-th character that is not whitespace. */
function positionIn(text: string, cleanIndex: number): number {
  let n = -1;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) continue;
    if (++n === cleanIndex) return i + 1;
  }
  return text.length;
}

/** Encodes bytes arriving in chunks; keeps 0–2 bytes back so the pieces join into one valid base64 text. */
export class Base64StreamEncoder {
  private carry: Buffer = Buffer.alloc(0);

  push(bytes: Uint8Array): string {
    const all = this.carry.length === 0 ? Buffer.from(bytes) : Buffer.concat([this.carry, bytes]);
    const whole = all.length - (all.length % 3);
    this.carry = all.subarray(whole);
    return all.subarray(0, whole).toString('base64');
  }

  end(): string {
    const rest = this.carry.toString('base64');
    this.carry = Buffer.alloc(0);
    return rest;
  }
}
