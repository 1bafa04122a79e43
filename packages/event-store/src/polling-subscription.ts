/**
 * A catch-up-then-live subscription over any store that can read a page of events after a
 * position: it reads pages until it is caught up, then sleeps until woken (a local append) or
 * until the poll interval passes (appends by other processes), and reads again.
 */
import type { RecordedEvent, Subscription } from './types.js';

export interface Page {
  readonly events: readonly RecordedEvent[];
  /** Every event at or before this position has been seen (matching or not). */
  readonly scannedTo: number;
  /** True when the page reached the head of the store. */
  readonly caughtUp: boolean;
}

export interface PollingSource {
  readPage(after: number): Page;
  /** Registers a wake-up; returns the function that unregisters it. */
  onAppend(wake: () => void): () => void;
  /** Grows with every append notice: one heard while the events were being yielded skips the wait. */
  appends?(): number;
}

export interface PollingSubscriptionOptions {
  readonly after: number;
  readonly pollMs: number;
  /** Called once when the subscription ends (closed or broken). */
  readonly onEnd?: () => void;
}

/**
 * Hands over, without a promise per event, up to `max` events of the page the subscription holds
 * that it has not yielded yet (`subscriptionBatches` uses it after the first event of a batch).
 */
export const TAKE_BUFFERED = Symbol('takeBuffered');

export interface BufferedSubscription extends Subscription {
  [TAKE_BUFFERED](max: number): RecordedEvent[];
}

export function createPollingSubscription(source: PollingSource, options: PollingSubscriptionOptions): BufferedSubscription {
  let closed = false;
  /** The page being yielded, and the index of its next event (shared with TAKE_BUFFERED). */
  let current: readonly RecordedEvent[] = [];
  let index = 0;
  let wakeUp: (() => void) | undefined;
  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    wakeUp?.();
    options.onEnd?.();
  };

  async function* iterate(): AsyncGenerator<RecordedEvent> {
    let after = options.after;
    try {
      while (!closed) {
        const seen = source.appends?.();
        const page = source.readPage(after);
        current = page.events;
        index = 0;
        while (index < current.length) {
          if (closed) return;
          yield current[index++]!;
        }
        current = [];
        after = Math.max(after, page.scannedTo);
        if (!page.caughtUp || (seen !== undefined && source.appends?.() !== seen)) continue;
        // Caught up: wait for a local append, the poll timer, or close.
        await new Promise<void>((resolve) => {
          const timer = setTimeout(done, options.pollMs);
          const unregister = source.onAppend(done);
          function done(): void {
            clearTimeout(timer);
            unregister();
            wakeUp = undefined;
            resolve();
          }
          wakeUp = done;
        });
      }
    } finally {
      await close();
    }
  }

  let started = false;
  return {
    close,
    [TAKE_BUFFERED](max: number): RecordedEvent[] {
      if (closed || index >= current.length) return [];
      const taken = current.slice(index, index + max);
      index += taken.length;
      return taken;
    },
    [Symbol.asyncIterator](): AsyncIterator<RecordedEvent> {
      if (started) throw new Error('a subscription can be iterated only once');
      started = true;
      return iterate();
    },
  };
}
