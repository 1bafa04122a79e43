/**
 * One window of the newest events shared by the live subscriptions of a PostgreSQL store
 * instance: when a commit wakes them, the feed after the window is read once (unfiltered, with the
 * head, in one snapshot) and each subscription takes its own events from memory, instead of each
 * sending its own query. The window holds every event in `(from, to]`; a subscription whose
 * position lies before it (catching up) reads its own pages until it reaches the window. The
 * process's own commits join the window without a read when they follow on from its end
 * (`take`): a command that waits for its read model waits for no query.
 */
import { matchesFilter, type TailFilter } from './shared-tail.js';
import type { RecordedEvent } from './types.js';

/** The feed after `after`, unfiltered: at most `limit` events, and the head seen in the same snapshot. */
export type ReadFeed = (after: number, limit: number) => Promise<{ events: RecordedEvent[]; head: number }>;

export class PostgresTail {
  private events: RecordedEvent[] = [];
  private from = -1;
  private to = -1;
  private readAt = 0;
  private reading: Promise<void> | undefined;

  constructor(
    private readonly read: ReadFeed,
    /** The newest position heard of (notifications, this process's commits): beyond the window's end, a read is due. */
    private readonly heard: () => number,
    private readonly pageSize: number,
    private readonly maxEvents: number,
    /** A read older than this is repeated even with no notification (lost, or LISTEN off): the polling fallback. */
    private readonly maxAgeMs: number,
  ) {}

  /**
   * The page of a subscription at `after`: its events in the window and the position the window
   * has scanned to; `undefined` when `after` lies before the window (it reads its own page).
   */
  async page(after: number, filter: TailFilter): Promise<{ events: RecordedEvent[]; scannedTo: number } | undefined> {
    if (this.from < 0) {
      this.from = after;
      this.to = after;
    }
    if (after < this.from) return undefined;
    if (after > this.to || this.heard() > this.to || Date.now() - this.readAt >= this.maxAgeMs) {
      this.reading ??= this.refresh().finally(() => (this.reading = undefined));
      try {
        await this.reading;
      } catch (error) {
        // The server is away: what the window holds past `after` (own commits taken) is still true.
        if (after < this.from || after >= this.to) throw error;
      }
    }
    if (after < this.from || after > this.to) return undefined;
    const events: RecordedEvent[] = [];
    for (const event of this.events) if (event.position > after && matchesFilter(filter, event)) events.push(event);
    return { events, scannedTo: this.to };
  }

  /** True when an event at `position` would follow on from the window's end. */
  follows(position: number): boolean {
    return this.from >= 0 && position === this.to + 1;
  }

  /**
   * Events this process has just committed, in position order and without gap: kept when the first
   * follows on from the window's end (nothing of another process lies between). True when kept.
   */
  take(events: readonly RecordedEvent[]): boolean {
    const first = events[0];
    if (this.from < 0 || first === undefined || first.position !== this.to + 1) return false;
    this.events.push(...events);
    this.to = (events.at(-1) as RecordedEvent).position;
    this.trim();
    return true;
  }

  private async refresh(): Promise<void> {
    const startedAt = Date.now();
    const { events, head } = await this.read(this.to, this.pageSize);
    if (events.length === this.pageSize) {
      // Far behind the head: start the window over at the head; subscriptions behind read their own pages.
      this.events = [];
      this.from = head;
      this.to = head;
      return;
    }
    // Own commits taken while this read was out are in the window already.
    for (const event of events) if (event.position > this.to) this.events.push(event);
    this.to = Math.max(this.to, head);
    this.readAt = startedAt;
    this.trim();
  }

  private trim(): void {
    if (this.events.length > this.maxEvents) {
      const dropped = this.events.splice(0, this.events.length - this.maxEvents);
      this.from = dropped.at(-1)?.position ?? this.from;
    }
  }
}
