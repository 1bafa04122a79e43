import { randomUUID } from 'node:crypto';
import type { RecordedEvent } from '@lienthong/event-store';
import type { Bus, ConsumeOptions, Consumer, DeliveryInfo } from '../types.js';

let position = 0;

/** A hand-made recorded event (hashes are placeholders: the bus never checks them). */
export function fakeEvent(stream: string, revision: number, type = 'Something', data: unknown = {}): RecordedEvent {
  position += 1;
  return {
    id: randomUUID(),
    stream,
    revision,
    position,
    type,
    data,
    metadata: { correlationId: randomUUID(), actor: 'test', at: new Date().toISOString() },
    prevHash: '0'.repeat(64),
    hash: String(position).padStart(64, '0'),
  };
}

/** A name no other test uses, so suites can share one NATS stream. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

export interface Handled {
  readonly event: RecordedEvent;
  readonly delivery: DeliveryInfo;
}

/** A consumer that records what it handles; `fail` decides which deliveries throw. */
export interface Recorder {
  readonly handled: Handled[];
  readonly consumer: Consumer;
  /** Resolves once `count` deliveries succeeded; rejects after `timeoutMs`. */
  waitFor(count: number, timeoutMs?: number): Promise<void>;
}

export async function record(
  bus: Bus,
  options: ConsumeOptions,
  fail: (event: RecordedEvent, delivery: DeliveryInfo) => boolean = () => false,
): Promise<Recorder> {
  const handled: Handled[] = [];
  const waiters: Array<{ count: number; resolve: () => void }> = [];
  const consumer = await bus.consume(options, async (event, delivery) => {
    if (fail(event, delivery)) throw new Error(`planned failure of ${event.id}`);
    handled.push({ event, delivery });
    for (const waiter of waiters) if (handled.length >= waiter.count) waiter.resolve();
  });
  return {
    handled,
    consumer,
    waitFor(count, timeoutMs = 10_000) {
      if (handled.length >= count) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`timed out: ${handled.length} of ${count} handled`)), timeoutMs);
        waiters.push({
          count,
          resolve: () => {
            clearTimeout(timer);
            resolve();
          },
        });
      });
    },
  };
}
