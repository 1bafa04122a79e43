import { subscriptionBatches, type EventStore, type RecordedEvent, type Subscription } from '@lienthong/event-store';
import type { CheckpointStore } from './checkpoint-store.js';
import { silentLogger, type BusLogger } from './logger.js';
import { jetStreamUnavailableReason } from './jetstream-errors.js';
import type { Bus, ServiceName } from './types.js';
import { assertServiceName, backoffMs, sleep } from './util.js';

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
  /** Most events published (and checkpointed) together; default 500. */
  readonly maxBatch?: number;
}

/** A running outbox relay: store → bus, at least once, in position order, never skipping. */
export interface Relay {
  /** Upper bound of events appended but not yet published, in global positions (0 when caught up). */
  lag(): Promise<number>;
  /** The last position published and checkpointed. */
  checkpoint(): number;
  /** Finishes the batch in hand (unless the bus is down), then stops. */
  stop(): Promise<void>;
}

/**
 * Publishes every event of the service's streams after the saved checkpoint. The checkpoint moves
 * only after the bus acknowledged, so a crash between append and publish loses nothing: the
 * events are published again on restart, and the bus dedupes them by event id. Events are taken
 * in batches (whatever the subscription holds): one bus write and one checkpoint per batch.
 */
export async function startRelay(options: RelayOptions): Promise<Relay> {
  const { store, bus, service, streamPrefixes, checkpoints } = options;
  assertServiceName(service);
  const logger = options.logger ?? silentLogger;
  const name = options.checkpointName ?? `relay:${service}`;
  const maxBackoff = options.maxBackoffMs ?? 5_000;
  const maxBatch = options.maxBatch ?? 500;
  const abort = new AbortController();
  let checkpoint = await checkpoints.load(name);
  let subscription: Subscription | null = null;

  /** Retries `fn` with backoff until it succeeds (true) or the relay stops (false). */
  async function persist(what: string, event: RecordedEvent, fn: () => Promise<void>): Promise<boolean> {
    for (let failures = 0; ; failures++) {
      try {
        await fn();
        if (failures > 0) logger.info({ service, eventId: event.id, failures }, `relay: ${what} recovered`);
        return true;
      } catch (error) {
        if (abort.signal.aborted) return false;
        const delay = backoffMs(failures, maxBackoff);
        const reason = jetStreamUnavailableReason(error);
        if (reason !== undefined)
          logger.warn(
            { service, eventId: event.id, position: event.position, reason, retryInMs: delay },
            `relay: ${what}: JetStream unavailable, retrying`,
          );
        else logger.warn({ err: error, service, eventId: event.id, position: event.position, retryInMs: delay }, `relay: ${what} failed`);
        await sleep(delay, abort.signal);
      }
    }
  }

  const loop = (async () => {
    for (let failures = 0; !abort.signal.aborted;) {
      try {
        subscription = store.subscribeToAll({ after: checkpoint, streamPrefixes });
        const next = subscriptionBatches(subscription, maxBatch);
        for (let batch = await next(); batch !== null; batch = await next()) {
          const last = batch[batch.length - 1]!;
          // 1. publish (deduped by id on the bus), 2. then advance the checkpoint.
          const events = batch;
          if (!(await persist('publish', last, () => bus.publishBatch(events, { service })))) return;
          if (!(await persist('checkpoint', last, () => checkpoints.save(name, last.position)))) return;
          checkpoint = last.position;
          failures = 0;
        }
      } catch (error) {
        if (abort.signal.aborted) return;
        const delay = backoffMs(failures++, maxBackoff);
        logger.error({ err: error, service, checkpoint, retryInMs: delay }, 'relay: subscription failed; resubscribing');
        await sleep(delay, abort.signal);
      } finally {
        await subscription?.close();
      }
    }
  })();

  return {
    checkpoint: () => checkpoint,
    async lag() {
      const head = await store.headPosition();
      if (head <= checkpoint) return 0;
      const [next] = await store.readAll({ after: checkpoint, streamPrefixes, maxCount: 1 });
      return next === undefined ? 0 : head - next.position + 1;
    },
    async stop() {
      abort.abort();
      await subscription?.close();
      await loop;
    },
  };
}
