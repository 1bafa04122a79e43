/**
 * Streaming base64 decoder: characters arrive in arbitrary slices, bytes leave in chunks,
 * the whole text is never held. Whitespace is skipped; other characters outside the alphabet
 * are skipped and counted (real traffic carries them, e.g. an unfilled template placeholder).
 */
export class Base64StreamDecoder {
  private carry = '';
  /** Characters that were neither base64 nor whitespace. */
  invalidChars = 0;

  push(text: string): Buffer {
    let clean = text.replace(/[\s]+/g, '');
    if (/[^A-Za-z0-9+/=]/.test(clean)) {
      const kept = clean.replace(/[^A-Za-z0-9+/=]+/g, '');
      this.invalidChars += clean.length - kept.length;
      clean = kept;
    }
    const all = this.carry + clean;
    const whole = all.length - (all.length % 4);
    this.carry = all.slice(whole);
    return whole === 0 ? Buffer.alloc(0) : Buffer.from(all.slice(0, whole), 'base64');
  }

  end(): Buffer {
    const rest = this.carry;
    this.carry = '';
    return rest === '' ? Buffer.alloc(0) : Buffer.from(rest, 'base64');
  }
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
