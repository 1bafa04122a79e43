/**
 * The bus port: events travel between services at least once, through durable consumers that
 * resume after a restart. Adapters: NATS JetStream (stream `LT_EVENTS`, subjects
 * `lt.evt.<service>.<EventType>`, `Nats-Msg-Id` = event id) and an in-process adapter backed by
 * a SQLite log, both passing the contract suite in `./testing/contract.ts`.
 */
import type { EventStore, RecordedEvent } from '@lienthong/event-store';

/** Service names used in subjects: `lt.evt.<service>.<EventType>`. */
export type ServiceName = string;

export interface PublishOptions {
  /** The service that owns the event's stream. */
  readonly service: ServiceName;
  /**
   * The store the events were read from (the relay's). When it is the store the in-process bus
   * was opened with, the bus log keeps a reference (the event's global position) instead of a
   * copy, and reads the event from the store for its consumers. NATS ignores it.
   */
  readonly source?: EventStore;
}

export interface ConsumeOptions {
  /** Durable consumer name: position is kept across restarts under this name. */
  readonly durable: string;
  /** Only these services' events (all when absent). */
  readonly services?: readonly ServiceName[];
  /** Redelivery delay after a handler failure, ms (default 1000). */
  readonly retryDelayMs?: number;
  /**
   * For a durable of one process instance: the server deletes it once no process has pulled from
   * it for this long, so a process that is gone for good leaves nothing pending behind (NATS
   * `inactive_threshold`). Absent: kept for ever (a durable shared by every instance). A
   * process back after it expired starts the durable again from the first event. The
   * in-process bus, in one process, ignores it.
   */
  readonly expireAfterMs?: number;
}

/**
 * Called once per delivery; resolving acknowledges, throwing makes the bus redeliver later.
 * Deliveries of one consumer are sequential and in publish order.
 */
export type EventHandler = (event: RecordedEvent, delivery: DeliveryInfo) => Promise<void>;

export interface DeliveryInfo {
  readonly service: ServiceName;
  /** 1 on first delivery, more on redeliveries. */
  readonly attempt: number;
}

export interface Consumer {
  /** Messages published but not yet acknowledged by this consumer (its lag). */
  pending(): Promise<number>;
  /** Stops delivery; the durable position is kept. */
  stop(): Promise<void>;
}

export interface Bus {
  /** Durable once resolved. Publishing an event id twice has no second effect (dedupe window). */
  publish(event: RecordedEvent, options: PublishOptions): Promise<void>;
  /**
   * Publishes several events of one service, in order, with the guarantees of `publish` for each
   * once it resolves (the SQLite adapter writes them in one transaction). On rejection any prefix
   * may have been published: retrying the whole batch is safe, ids dedupe.
   */
  publishBatch(events: readonly RecordedEvent[], options: PublishOptions): Promise<void>;
  consume(options: ConsumeOptions, handler: EventHandler): Promise<Consumer>;
  /** Resolves when the bus is reachable; throws `BusUnavailableError` otherwise. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export class BusUnavailableError extends Error {
  readonly code = 'LT_BUS_UNAVAILABLE';
  /** The marker the HTTP edge maps to 503 (no import of this class needed). */
  readonly unavailable = true;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'BusUnavailableError';
  }
}

/** `lt.evt.<service>.<EventType>` */
export function subjectFor(service: ServiceName, eventType: string): string {
  return `lt.evt.${service}.${eventType}`;
}
