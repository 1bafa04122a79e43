/**
 * Fast path for the hash chain: the RFC 8785 canonical JSON of `data` and `metadata` is computed
 * once, stored as the event's JSON text, and spliced into the canonical event that `hashEvent`
 * hashes. The output is byte-identical to `hashEvent` (the unit spec checks it), without
 * serialising each payload twice.
 */
import { hash } from 'node:crypto';

/** Canonical JSON (RFC 8785), identical to the `canonicalize` package for JSON values. */
export function canonicalJson(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return quote(value);
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError(`${value} is not allowed in JSON`);
      // Number-to-string is what both JSON.stringify and RFC 8785 use.
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
  if (typeof withToJson.toJSON === 'function') return canonicalJson((withToJson.toJSON as () => unknown)());
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) {
      if (i > 0) out += ',';
      const item: unknown = value[i];
      out += isSkipped(item) ? 'null' : canonicalJson(item);
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
    out += (first ? '' : ',') + quote(key) + ':' + canonicalJson(item);
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

/** Same digest as `hashEvent(event, prevHash)`; keys in canonical (code-unit) order. */
export function hashCanonical(parts: CanonicalParts, prevHash: string): string {
  const canonical =
    `{"data":${parts.dataJson},"id":${quote(parts.id)},"metadata":${parts.metadataJson},` +
    `"revision":${parts.revision},"stream":${quote(parts.stream)},"type":${quote(parts.type)}}`;
  // One-shot hash: no Hash object per event.
  return hash('sha256', `${prevHash}\n${canonical}`, 'hex');
}
