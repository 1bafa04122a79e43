import type { EventStore } from '@lienthong/event-store';
import type { CheckpointStore } from './checkpoint-store.js';
import type { BusLogger } from './logger.js';
import { jetStreamUnavailableReason } from './jetstream-errors.js';
import { startSubscriptionLoop } from './subscription-loop.js';
import type { Bus, ServiceName } from './types.js';
import { assertServiceName } from './util.js';

export interface RelayOptions {
  readonly store: EventStore;
  readonly bus: Bus;
  /** The service whose events are published (`lt.evt.<service>.<EventType>`). */
  readonly service: ServiceName;
  /** The service's streams: names starting with one of these. */
  readonly streamPrefixes: readonly string[];
  readonly checkpoints: CheckpointStore;
  readonly logger?: BusLogger;
  /** Checkpoint name; default `relay:<service>`. */
  readonly checkpointName?: string;
  /** Ceiling of the retry backoff after a bus or store failure; default 5 s. */
  readonly maxBackoffMs?: number;
  /** Most events published together; default 500. */
  readonly maxBatch?: number;
  /**
   * Saves the checkpoint at most this often (and at stop), not after every batch; default 1 s.
   * Publishing again what a crash left unsaved costs nothing: the bus dedupes by event id (the
   * SQLite log by its unique ids, NATS within its duplicate window of 2 minutes).
   */
  readonly saveEveryMs?: number;
}

/** A running outbox relay: store → bus, at least once, in position order, never skipping. */
export interface Relay {
  /** Upper bound of events appended but not yet published, in global positions (0 when caught up). */
  lag(): Promise<number>;
  /** The last position published (saved as the checkpoint within `saveEveryMs`). */
  checkpoint(): number;
  /** Finishes the batch in hand (unless the bus is down), then stops. */
  stop(): Promise<void>;
}

/**
 * Publishes every event of the service's streams after the saved checkpoint. The checkpoint moves
 * only after the bus acknowledged, so a crash between append and publish loses nothing: the
 * events are published again on restart, and the bus dedupes them by event id. Events are taken
 * in batches (whatever the subscription holds): one bus write per batch, and the checkpoint saved
 * once a second (a crash republishes at most that second's events: deduped).
 */
export async function startRelay(options: RelayOptions): Promise<Relay> {
  const { store, bus, service, checkpoints } = options;
  assertServiceName(service);
  const name = options.checkpointName ?? `relay:${service}`;
  const loop = await startSubscriptionLoop({
    name: `relay ${service}`,
    store,
    streamPrefixes: options.streamPrefixes,
    // 1. publish (deduped by id on the bus), 2. then the loop advances the checkpoint.
    handle: (events) => bus.publishBatch(events, { service, source: store }),
    checkpoint: { load: () => checkpoints.load(name), save: (position) => checkpoints.save(name, position) },
    reasonOf: (error) => {
      const reason = jetStreamUnavailableReason(error);
      return reason === undefined ? undefined : `JetStream unavailable: ${reason}`;
    },
    saveEveryMs: options.saveEveryMs ?? 1_000,
    ...(options.maxBatch !== undefined ? { maxBatch: options.maxBatch } : {}),
    ...(options.maxBackoffMs !== undefined ? { maxBackoffMs: options.maxBackoffMs } : {}),
    ...(options.logger ? { logger: options.logger } : {}),
  });
  return loop;
}
