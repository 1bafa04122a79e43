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

export function createPollingSubscription(source: PollingSource, options: PollingSubscriptionOptions): Subscription {
  let closed = false;
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
        for (const event of page.events) {
          if (closed) return;
          yield event;
        }
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
    [Symbol.asyncIterator](): AsyncIterator<RecordedEvent> {
      if (started) throw new Error('a subscription can be iterated only once');
      started = true;
      return iterate();
    },
  };
}
