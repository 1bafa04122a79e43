/**
 * Fast path for the hash chain: the RFC 8785 canonical JSON of `data` and `metadata` is computed
 * once, stored as the event's JSON text, and spliced into the canonical event that `hashEvent`
 * hashes. The output is byte-identical to `hashEvent` (the unit spec checks it), without
 * serialising each payload twice.
 */
import { createHash } from 'node:crypto';

/** Canonical JSON (RFC 8785), identical to the `canonicalize` package for JSON values. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'number' && !Number.isFinite(value)) {
      throw new TypeError(`${String(value)} is not allowed in JSON`);
    }
    const text = JSON.stringify(value) as string | undefined;
    if (text === undefined) throw new TypeError(`a ${typeof value} cannot be serialised as JSON`);
    return text;
  }
  const withToJson = value as { toJSON?: unknown };
  if (typeof withToJson.toJSON === 'function') return canonicalJson((withToJson.toJSON as () => unknown)());
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) {
      if (i > 0) out += ',';
      const item: unknown = value[i];
      out += item === undefined || typeof item === 'symbol' ? 'null' : canonicalJson(item);
    }
    return out + ']';
  }
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record).sort();
  let out = '{';
  let first = true;
  for (const key of keys) {
    const item = record[key];
    if (item === undefined || typeof item === 'symbol') continue;
    out += (first ? '' : ',') + JSON.stringify(key) + ':' + canonicalJson(item);
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
  return createHash('sha256').update(prevHash).update('\n').update(canonical).digest('hex');
}
