/**
 * Fast path for the hash chain: the RFC 8785 canonical JSON of `data` and `metadata` is computed
 * once, stored as the event's JSON text, and spliced into the canonical event that `hashEvent`
 * hashes. The output is byte-identical to `hashEvent` (the unit spec checks it), without
 * serialising each payload twice.
 */
import { hash } from 'node:crypto';

/**
 * Canonical JSON (RFC 8785), identical to the `canonicalize` package for JSON values.
 *
 * One pass into a reused UTF-8 buffer, decoded once at the end: the string-returning recursion it
 * replaces allocated a rope node or a short string per key, value and separator, then flattened
 * the rope when the text was hashed (about twice the bytes, on the hub's hottest path).
 */
export function canonicalJson(value: unknown): string {
  // A toJSON that serialises canonically itself would share the buffer: it gets the rope path.
  if (writing) return canonicalRope(value);
  writing = true;
  pos = 0;
  try {
    write(value);
    return buf.toString('utf8', 0, pos);
  } finally {
    writing = false;
    if (buf.length > MAX_KEPT_BUFFER) buf = Buffer.allocUnsafeSlow(INITIAL_BUFFER);
  }
}

const INITIAL_BUFFER = 64 * 1024;
/** A huge event's buffer is not kept for the next one. */
const MAX_KEPT_BUFFER = 1024 * 1024;
let buf = Buffer.allocUnsafeSlow(INITIAL_BUFFER);
let pos = 0;
let writing = false;
/** `"key":` as UTF-8, per key name seen (event schemas have a few hundred names at most). */
const keyBytes = new Map<string, Buffer>();
const MAX_CACHED_KEYS = 4096;

function ensure(bytes: number): void {
  if (pos + bytes <= buf.length) return;
  let size = buf.length * 2;
  while (size < pos + bytes) size *= 2;
  const next = Buffer.allocUnsafeSlow(size);
  buf.copy(next, 0, 0, pos);
  buf = next;
}

function writeAscii(text: string): void {
  ensure(text.length);
  for (let i = 0; i < text.length; i++) buf[pos++] = text.charCodeAt(i);
}

function writeString(text: string): void {
  if (NEEDS_ESCAPE.test(text)) {
    const quoted = JSON.stringify(text);
    ensure(quoted.length * 3);
    pos += buf.write(quoted, pos, 'utf8');
    return;
  }
  // At most 3 UTF-8 bytes per UTF-16 unit (a surrogate pair is 2 units for 4 bytes).
  ensure(text.length * 3 + 2);
  buf[pos++] = 0x22;
  if (text.length > SHORT_STRING || !copyAscii(text)) pos += buf.write(text, pos, 'utf8');
  buf[pos++] = 0x22;
}

/** Short strings (ids, codes, names) are copied here: a native call costs more than the loop. */
const SHORT_STRING = 64;

/** Copies `text` if it is all ASCII; otherwise writes nothing and answers false. */
function copyAscii(text: string): boolean {
  const start = pos;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit > 0x7f) {
      pos = start;
      return false;
    }
    buf[pos++] = unit;
  }
  return true;
}

function writeKey(key: string): void {
  let bytes = keyBytes.get(key);
  if (bytes === undefined) {
    bytes = Buffer.from(`${quote(key)}:`, 'utf8');
    if (keyBytes.size < MAX_CACHED_KEYS) keyBytes.set(key, bytes);
  }
  ensure(bytes.length);
  buf.set(bytes, pos);
  pos += bytes.length;
}

function write(value: unknown): void {
  switch (typeof value) {
    case 'string':
      writeString(value);
      return;
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError(`${value} is not allowed in JSON`);
      // Number-to-string is what both JSON.stringify and RFC 8785 use.
      writeAscii(String(value));
      return;
    case 'boolean':
      writeAscii(value ? 'true' : 'false');
      return;
    case 'object':
      break;
    default:
      throw new TypeError(`a ${typeof value} cannot be serialised as JSON`);
  }
  if (value === null) {
    writeAscii('null');
    return;
  }
  const withToJson = value as { toJSON?: unknown };
  if (typeof withToJson.toJSON === 'function') {
    write((withToJson.toJSON as () => unknown).call(value));
    return;
  }
  if (Array.isArray(value)) {
    ensure(1);
    buf[pos++] = 0x5b; // [
    for (let i = 0; i < value.length; i++) {
      if (i > 0) {
        ensure(1);
        buf[pos++] = 0x2c; // ,
      }
      const item: unknown = value[i];
      if (isSkipped(item)) writeAscii('null');
      else write(item);
    }
    ensure(1);
    buf[pos++] = 0x5d; // ]
    return;
  }
  const record = value as Record<string, unknown>;
  const keys = sortKeys(Object.keys(record));
  ensure(1);
  buf[pos++] = 0x7b; // {
  let first = true;
  for (const key of keys) {
    const item = record[key];
    if (isSkipped(item)) continue;
    if (!first) {
      ensure(1);
      buf[pos++] = 0x2c;
    }
    first = false;
    writeKey(key);
    write(item);
  }
  ensure(1);
  buf[pos++] = 0x7d; // }
}

/** The string-returning form, for a canonicalJson called from inside a toJSON. */
function canonicalRope(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return quote(value);
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError(`${value} is not allowed in JSON`);
      return String(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object':
      break;
    default:
      throw new TypeError(`a ${typeof value} cannot be serialised as JSON`);
  }
  if (value === null) return 'null';
  const withToJson = value as { toJSON?: unknown };
  if (typeof withToJson.toJSON === 'function') return canonicalRope((withToJson.toJSON as () => unknown).call(value));
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) {
      if (i > 0) out += ',';
      const item: unknown = value[i];
      out += isSkipped(item) ? 'null' : canonicalRope(item);
    }
    return out + ']';
  }
  const record = value as Record<string, unknown>;
  const keys = sortKeys(Object.keys(record));
  let out = '{';
  let first = true;
  for (const key of keys) {
    const item = record[key];
    if (isSkipped(item)) continue;
    out += (first ? '' : ',') + quote(key) + ':' + canonicalRope(item);
    first = false;
  }
  return out + '}';
}

/** Characters JSON.stringify would escape (surrogates are left to it, paired or not). */
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;

/** Most strings need no escaping: skip the native call for them. */
function quote(text: string): string {
  return NEEDS_ESCAPE.test(text) ? JSON.stringify(text) : `"${text}"`;
}

function isSkipped(item: unknown): boolean {
  return item === undefined || typeof item === 'function' || typeof item === 'symbol';
}

/** By UTF-16 code units (RFC 8785); insertion sort for the usual handful of keys. */
function sortKeys(keys: string[]): string[] {
  if (keys.length > 24) return keys.sort();
  for (let i = 1; i < keys.length; i++) {
    const key = keys[i] as string;
    let j = i - 1;
    while (j >= 0 && (keys[j] as string) > key) {
      keys[j + 1] = keys[j] as string;
      j--;
    }
    keys[j + 1] = key;
  }
  return keys;
}

/** The scalar fields of an event; `data` and `metadata` come as canonical JSON text. */
export interface CanonicalParts {
  readonly id: string;
  readonly stream: string;
  readonly revision: number;
  readonly type: string;
  readonly dataJson: string;
  readonly metadataJson: string;
}

/**
 * Same digest as `hashEvent(event, prevHash)`; keys in canonical (code-unit) order. The hashed
 * text is encoded piece by piece into the reused buffer and hashed from there: no concatenated
 * string to flatten (the payloads are often two-byte strings: Vietnamese text).
 */
export function hashCanonical(parts: CanonicalParts, prevHash: string): string {
  if (writing) return hash('sha256', hashedText(parts, prevHash), 'hex');
  writing = true;
  pos = 0;
  try {
    writeUtf8(prevHash);
    writeAscii('\n{"data":');
    writeUtf8(parts.dataJson);
    writeAscii(',"id":');
    writeString(parts.id);
    writeAscii(',"metadata":');
    writeUtf8(parts.metadataJson);
    writeAscii(',"revision":');
    writeAscii(String(parts.revision));
    writeAscii(',"stream":');
    writeString(parts.stream);
    writeAscii(',"type":');
    writeString(parts.type);
    ensure(1);
    buf[pos++] = 0x7d; // }
    return hash('sha256', buf.subarray(0, pos), 'hex');
  } finally {
    writing = false;
    if (buf.length > MAX_KEPT_BUFFER) buf = Buffer.allocUnsafeSlow(INITIAL_BUFFER);
  }
}

function writeUtf8(text: string): void {
  ensure(text.length * 3);
  pos += buf.write(text, pos, 'utf8');
}

/** The same text as one string (the re-entrant case; the unit spec compares both). */
export function hashedText(parts: CanonicalParts, prevHash: string): string {
  return (
    `${prevHash}\n{"data":${parts.dataJson},"id":${quote(parts.id)},"metadata":${parts.metadataJson},` +
    `"revision":${parts.revision},"stream":${quote(parts.stream)},"type":${quote(parts.type)}}`
  );
}
