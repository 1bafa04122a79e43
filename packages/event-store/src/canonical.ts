/**
 * Fast path for the hash chain: the RFC 8785 canonical JSON of `data` and `metadata` is computed
 * once, stored as the event's JSON text, and spliced into the canonical event that `hashEvent`
 * hashes. The output is byte-identical to `hashEvent` (the unit spec checks it), without
 * serialising each payload twice.
 */
import { hash } from 'node:crypto';

/** Canonical JSON (RFC 8785), identical to the `canonicalize` package for JSON values. */
export function canonicalJson(value: unknown): string {
  // Fast path: a copy whose keys were inserted in sorted order, serialised natively.
  const copy = sortedCopy(value);
  if (copy !== UNSORTABLE) return JSON.stringify(copy);
  return serialize(value);
}

const UNSORTABLE = Symbol('unsortable');

/**
 * Returns a copy with every object's keys in code-unit order, or UNSORTABLE when property order
 * cannot express it: integer-like keys always iterate first, `__proto__` cannot be assigned.
 */
function sortedCopy(value: unknown): unknown {
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'number' && !Number.isFinite(value)) throw new TypeError(`${value} is not allowed in JSON`);
    if (value === undefined || typeof value === 'function' || typeof value === 'symbol') {
      throw new TypeError(`a ${typeof value} cannot be serialised as JSON`);
    }
    return value;
  }
  const withToJson = value as { toJSON?: unknown };
  if (typeof withToJson.toJSON === 'function') return sortedCopy((withToJson.toJSON as () => unknown)());
  if (Array.isArray(value)) {
    const out = new Array<unknown>(value.length);
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      if (item === undefined || typeof item === 'symbol' || typeof item === 'function') {
        out[i] = null;
        continue;
      }
      const copied = sortedCopy(item);
      if (copied === UNSORTABLE) return UNSORTABLE;
      out[i] = copied;
    }
    return out;
  }
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record);
  let sorted = true;
  for (let i = 1; i < keys.length; i++) {
    if ((keys[i - 1] as string) > (keys[i] as string)) {
      sorted = false;
      break;
    }
  }
  if (!sorted) keys.sort();
  const out: Record<string, unknown> = {};
  for (const key of keys) {
    const first = key.charCodeAt(0);
    if ((first >= 48 && first <= 57) || key === '__proto__') return UNSORTABLE;
    const item = record[key];
    if (item === undefined || typeof item === 'symbol' || typeof item === 'function') continue;
    const copied = sortedCopy(item);
    if (copied === UNSORTABLE) return UNSORTABLE;
    out[key] = copied;
  }
  return out;
}

/** The slow path: serialise node by node (any key order). */
function serialize(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'number' && !Number.isFinite(value)) throw new TypeError(`${value} is not allowed in JSON`);
    const text = JSON.stringify(value) as string | undefined;
    if (text === undefined) throw new TypeError(`a ${typeof value} cannot be serialised as JSON`);
    return text;
  }
  const withToJson = value as { toJSON?: unknown };
  if (typeof withToJson.toJSON === 'function') return serialize((withToJson.toJSON as () => unknown)());
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) {
      if (i > 0) out += ',';
      const item: unknown = value[i];
      out += item === undefined || typeof item === 'symbol' || typeof item === 'function' ? 'null' : serialize(item);
    }
    return out + ']';
  }
  const record = value as Record<string, unknown>;
  let out = '{';
  let first = true;
  for (const key of Object.keys(record).sort()) {
    const item = record[key];
    if (item === undefined || typeof item === 'symbol' || typeof item === 'function') continue;
    out += (first ? '' : ',') + JSON.stringify(key) + ':' + serialize(item);
    first = false;
  }
  return out + '}';
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
    `{"data":${parts.dataJson},"id":${JSON.stringify(parts.id)},"metadata":${parts.metadataJson},` +
    `"revision":${parts.revision},"stream":${JSON.stringify(parts.stream)},"type":${JSON.stringify(parts.type)}}`;
  // One-shot hash: no Hash object per event.
  return hash('sha256', `${prevHash}\n${canonical}`, 'hex');
}
