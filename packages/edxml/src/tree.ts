import { readDate, readTimestamp } from './dates.js';
import type { DateOrder } from './dates.js';
import type { EdxmlIssue } from './errors.js';
import { EDXML_NS } from './reader.js';
import type { XmlElement } from './reader.js';

/** Collects every problem of a message, and the date order the sender used. */
export class Issues {
  readonly list: EdxmlIssue[] = [];
  order: DateOrder | undefined;
  add(path: string, message: string): void {
    this.list.push({ path, message });
  }
}

/**
 * A position in the message tree with its path (local names, `[n]` when siblings share a name),
 * and typed readers that record issues instead of throwing, so every problem is reported.
 */
export class Cursor {
  constructor(
    readonly el: XmlElement | undefined,
    readonly path: string,
    private readonly issues: Issues,
  ) {}

  get exists(): boolean {
    return this.el !== undefined;
  }

  /** Children in the edXML namespace with this local name. */
  all(local: string): Cursor[] {
    const found = this.el?.children.filter((c) => c.local === local && c.uri === EDXML_NS) ?? [];
    return found.map((c, i) => new Cursor(c, `${this.path}/${local}${found.length > 1 ? `[${i + 1}]` : ''}`, this.issues));
  }

  one(local: string, required = false): Cursor {
    const first = this.all(local)[0];
    if (first) return first;
    if (required && this.el !== undefined) this.issues.add(`${this.path}/${local}`, 'required element is missing');
    return new Cursor(undefined, `${this.path}/${local}`, this.issues);
  }

  /** Like `one`, for elements the standard has once: a repeat is an issue, never silently skipped. */
  only(local: string, required = false): Cursor {
    const found = this.all(local);
    for (const extra of found.slice(1)) this.issues.add(extra.path, 'only one is allowed');
    return found.length > 1 ? new Cursor(found[0]!.el, `${this.path}/${local}[1]`, this.issues) : this.one(local, required);
  }

  /** Trimmed text; empty counts as absent. */
  get value(): string | undefined {
    const v = this.el?.text.trim();
    return v === '' ? undefined : v;
  }

  str(local: string, required = false): string | undefined {
    const c = this.one(local, required);
    const v = c.value;
    if (v === undefined && required && c.exists) this.issues.add(c.path, 'must not be empty');
    return v;
  }

  int(local: string, opts: { required?: boolean; min?: number; max?: number } = {}): number | undefined {
    const c = this.one(local, opts.required);
    const v = this.str(local, false);
    if (v === undefined) {
      if (opts.required && c.exists) this.issues.add(c.path, 'must not be empty');
      return undefined;
    }
    const n = /^[+-]?\d+$/.test(v) ? Number(v) : Number.NaN;
    const min = opts.min ?? 0;
    if (!Number.isSafeInteger(n) || n < min || (opts.max !== undefined && n > opts.max)) {
      const range = opts.max === undefined ? `an integer ≥ ${min}` : `an integer from ${min} to ${opts.max}`;
      this.issues.add(c.path, `"${v}" is not ${range}`);
      return undefined;
    }
    return n;
  }

  bool(local: string): boolean | undefined {
    const v = this.str(local)?.toLowerCase();
    if (v === undefined) return undefined;
    if (v === 'true' || v === '1') return true;
    if (v === 'false' || v === '0') return false;
    this.issues.add(this.one(local).path, `"${v}" is not a boolean`);
    return undefined;
  }

  date(local: string, required = false): string | undefined {
    const v = this.str(local, required);
    if (v === undefined) return undefined;
    const d = readDate(v);
    if (!d) {
      this.issues.add(this.one(local).path, `"${v}" is not a date (yyyy/MM/dd or dd/MM/yyyy)`);
      return undefined;
    }
    this.issues.order ??= d.order;
    return d.iso;
  }

  timestamp(local: string, required = false): string | undefined {
    const v = this.str(local, required);
    if (v === undefined) return undefined;
    const d = readTimestamp(v);
    if (!d) {
      this.issues.add(this.one(local).path, `"${v}" is not a timestamp (yyyy/MM/dd HH:mm:ss or dd/MM/yyyy HH:mm:ss)`);
      return undefined;
    }
    this.issues.order ??= d.order;
    return d.iso;
  }
}

/** Drops keys whose value is undefined, deeply, so models compare and serialise cleanly. */
export function compact<T>(value: T): T {
  if (Array.isArray(value)) return value.map((v: unknown) => compact(v)) as T;
  if (value !== null && typeof value === 'object' && !Buffer.isBuffer(value)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = compact(v);
    return out as T;
  }
  return value;
}
