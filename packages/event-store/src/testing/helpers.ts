/** Small helpers shared by the contract suite and the adapters' own tests. */
import { randomUUID } from 'node:crypto';
import type { EventMetadata, EventStore, NewEvent, RecordedEvent, Subscription } from '../types.js';

/** A prefix no other test uses, so suites can share one store (EventStoreDB keeps everything). */
export function uniquePrefix(label: string): string {
  return `ct${randomUUID().slice(0, 8)}-${label}`;
}

export function metadata(extra: Record<string, unknown> = {}): EventMetadata {
  return { correlationId: randomUUID(), causationId: null, actor: 'test', at: new Date().toISOString(), ...extra };
}

export function newEvent(type = 'Happened', data: unknown = { n: 1 }, extra: Partial<NewEvent> = {}): NewEvent {
  return { type, data, metadata: metadata(), ...extra };
}

export function events(count: number, type = 'Happened'): NewEvent[] {
  return Array.from({ length: count }, (_, i) => newEvent(type, { i, text: `sự kiện ${i}` }));
}

/** Rejects when `promise` takes longer than `ms`, so a broken adapter cannot hang a suite. */
export async function within<T>(ms: number, what: string, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** Collects events from a subscription until `until` says stop; the iterator keeps running after. */
export function collector(subscription: Subscription): {
  readonly seen: RecordedEvent[];
  waitFor(count: number, ms?: number): Promise<void>;
  readonly ended: Promise<void>;
} {
  const seen: RecordedEvent[] = [];
  const waiters: Array<{ count: number; resolve: () => void }> = [];
  const ended = (async () => {
    for await (const event of subscription) {
      seen.push(event);
      for (const w of waiters) if (seen.length >= w.count) w.resolve();
    }
  })();
  return {
    seen,
    ended,
    waitFor(count, ms = 10_000) {
      if (seen.length >= count) return Promise.resolve();
      return within(
        ms,
        `${count} events from the subscription (saw ${seen.length})`,
        new Promise<void>((resolve) => {
          waiters.push({ count, resolve });
        }),
      );
    },
  };
}

/** The revisions of a stream, in order: a test compares them with the gapless run it expects. */
export async function revisionsOf(store: EventStore, stream: string): Promise<number[]> {
  return (await store.readStream(stream)).map((e) => e.revision);
}
