/**
 * One in-memory tail of the feed shared by every live subscription of a store instance: each new
 * page is read and parsed once, then filtered per subscription in memory. The tail holds every
 * event in `(from, to]` in position order; a subscription whose position lies in that window is
 * served from it, any other (catching up, or fallen behind the window) reads its own pages.
 *
 * Memory stays bounded: events every subscription in the window has passed are dropped, and the
 * window never holds more than `maxEvents` (a slow subscription then falls out of it and reads
 * pages until it catches up again).
 */
import type { Page } from './polling-subscription.js';
import type { RecordedEvent, SubscribeOptions } from './types.js';

/** Reads up to `limit` events of every stream with `after < position <= head`; `head` is the feed head. */
export type ReadTail = (after: number, limit: number) => { readonly events: readonly RecordedEvent[]; readonly head: number };

export interface SharedTailOptions {
  readonly read: ReadTail;
  /** Events per read. */
  readonly pageSize: number;
  /** Most events the window holds. */
  readonly maxEvents: number;
  /** A read older than this is repeated (appends by other processes), in ms. */
  readonly refreshMs: number;
}

/** A subscription's filter, compiled for in-memory matching. */
export interface TailFilter {
  readonly prefixes: readonly string[];
  readonly types: ReadonlySet<string> | null;
}

export function tailFilter(options: SubscribeOptions): TailFilter {
  const types = options.eventTypes ?? [];
  return { prefixes: options.streamPrefixes ?? [], types: types.length > 0 ? new Set(types) : null };
}

export function matchesFilter(filter: TailFilter, event: RecordedEvent): boolean {
  if (filter.types && !filter.types.has(event.type)) return false;
  if (filter.prefixes.length === 0) return true;
  for (const prefix of filter.prefixes) if (event.stream.startsWith(prefix)) return true;
  return false;
}

export class SharedTail {
  private events: RecordedEvent[] = [];
  private from = 0;
  private to = 0;
  private caughtUp = false;
  private stale = true;
  private readAt = 0;
  /** Where each subscription will read next (its position): those inside the window keep it. */
  private readonly cursors = new Map<object, number>();

  constructor(private readonly options: SharedTailOptions) {}

  /** Something was appended (and synced): the next subscription at the end reads again. */
  invalidate(): void {
    this.stale = true;
  }

  /** Records where a subscription stands (after a page of its own). */
  track(subscriber: object, position: number): void {
    this.cursors.set(subscriber, position);
  }

  forget(subscriber: object): void {
    this.cursors.delete(subscriber);
  }

  /** The page after `after` served from the tail, or null when `after` is outside the window. */
  page(subscriber: object, after: number, filter: TailFilter, limit: number): Page | null {
    if (after > this.to) {
      if (!this.pinned(subscriber)) {
        // Nobody relies on the window: move it here rather than read events no one asked for.
        this.events = [];
        this.from = this.to = after;
        this.caughtUp = false;
      } else this.refresh();
    }
    if (after === this.to && (this.stale || !this.caughtUp || Date.now() - this.readAt >= this.options.refreshMs)) this.refresh();
    if (after < this.from || after > this.to) return null;
    const out: RecordedEvent[] = [];
    let scannedTo = this.to;
    let caughtUp = this.caughtUp;
    for (let i = this.indexAfter(after); i < this.events.length; i++) {
      const event = this.events[i]!;
      if (!matchesFilter(filter, event)) continue;
      out.push(event);
      if (out.length >= limit) {
        scannedTo = event.position;
        caughtUp = false;
        break;
      }
    }
    this.cursors.set(subscriber, scannedTo);
    return { events: out, scannedTo, caughtUp };
  }

  /** Reads the next page of the feed into the window. */
  private refresh(): void {
    this.trim();
    this.stale = false;
    this.readAt = Date.now();
    const { events, head } = this.options.read(this.to, this.options.pageSize);
    for (const event of events) this.events.push(Object.freeze(event));
    this.caughtUp = events.length < this.options.pageSize;
    const last = events.at(-1)?.position ?? this.to;
    this.to = Math.max(this.to, this.caughtUp ? head : last);
    const excess = this.events.length - this.options.maxEvents;
    if (excess > 0) {
      // Whoever has not read these yet falls back to its own pages.
      this.from = this.events[excess - 1]!.position;
      this.events = this.events.slice(excess);
    }
  }

  /** Drops the events every subscription inside the window has passed. */
  private trim(): void {
    let low = this.to;
    for (const cursor of this.cursors.values()) if (cursor >= this.from && cursor < low) low = cursor;
    if (low <= this.from) return;
    this.events = this.events.slice(this.indexAfter(low));
    this.from = low;
  }

  private pinned(except: object): boolean {
    for (const [subscriber, cursor] of this.cursors) {
      if (subscriber !== except && cursor >= this.from && cursor <= this.to) return true;
    }
    return false;
  }

  /** Index of the first event with a position above `after` (binary search). */
  private indexAfter(after: number): number {
    let lo = 0;
    let hi = this.events.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.events[mid]!.position <= after) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  close(): void {
    this.events = [];
    this.cursors.clear();
  }
}
