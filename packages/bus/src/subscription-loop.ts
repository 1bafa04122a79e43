/**
 * The one loop that follows the event store from a checkpoint: the relay (store → bus), the
 * projection runner (store → read model) and the services' reactors all run it. It subscribes
 * after the checkpoint, hands over the events a batch at a time, moves the checkpoint only once
 * a batch is handled, retries with backoff (and says so in the log) whatever fails, and stops cleanly.
 */
import { subscriptionBatches, type EventStore, type RecordedEvent, type Subscription } from '@lienthong/event-store';
import type { BusLogger } from './logger.js';
import { backoffMs, sleep } from './util.js';

/** Where a loop resumes, and how it records that a batch is done. */
export interface LoopCheckpoint {
  /** The last position handled (0 when none); read at start and at every resubscription. */
  load(): Promise<number> | number;
  /**
   * Records that every event up to `position` is handled; called only once `handle` resolved.
   * Omitted when `handle` records the position itself, in the same transaction as its effect.
   */
  save?(position: number): Promise<void> | void;
}

export type LoopLogger = Pick<BusLogger, 'info' | 'warn' | 'error'>;

/** Which events a loop follows. */
export interface StreamFilter {
  /** Names starting with one of these. */
  readonly streamPrefixes: readonly string[];
  /** Only these event types; default all. */
  readonly eventTypes?: readonly string[];
}

export interface SubscriptionLoopOptions extends StreamFilter {
  /** Names the loop in its log lines (`relay dossiers`, `projection directory`). */
  readonly name: string;
  readonly store: EventStore;
  readonly checkpoint: LoopCheckpoint;
  /**
   * Handles 1 to `maxBatch` events, in position order. A rejection is logged and the same batch
   * handed again after a backoff, until it resolves or the loop stops: nothing is skipped.
   */
  handle(events: readonly RecordedEvent[]): Promise<void> | void;
  /** Runs before every (re)subscription, e.g. a catch-up of the handler's own; a failure is retried like the subscription's. */
  readonly beforeSubscribe?: () => Promise<void>;
  /** Most events handed over together; default 500. */
  readonly maxBatch?: number;
  /**
   * Saves the checkpoint at most this often (and once more at stop) instead of after every batch:
   * for a handler whose work done twice after a crash costs nothing (idempotent).
   */
  readonly saveEveryMs?: number;
  /** Ceiling of the retry backoff (100 ms, doubling); default 5 s. */
  readonly maxBackoffMs?: number;
  /** A short, expected reason for a failure (an outage), logged as a warning instead of the error. */
  readonly reasonOf?: (error: unknown) => string | undefined;
  readonly logger?: LoopLogger;
}

/** A running loop. */
export interface SubscriptionLoop {
  /** The last position handled (and checkpointed, unless saved every `saveEveryMs`). */
  checkpoint(): number;
  /** Upper bound of events of the loop's streams appended but not handled yet (0 when caught up). */
  lag(): Promise<number>;
  /** The message of the last failure, once one happened (kept after a recovery). */
  lastError(): string | undefined;
  /** Finishes the batch in hand (unless it keeps failing), saves the checkpoint, then stops. */
  stop(): Promise<void>;
}

/**
 * How many events of `filter`'s streams after `position` are not handled yet, at most: from the
 * first of them to the head of the store (0 when there is none).
 */
export async function lagAfter(store: EventStore, position: number, filter: StreamFilter): Promise<number> {
  const head = await store.headPosition();
  if (head <= position) return 0;
  const [next] = await store.readAll({ ...filter, after: position, maxCount: 1 });
  return next === undefined ? 0 : head - next.position + 1;
}

const silent: LoopLogger = { info() {}, warn() {}, error() {} };

/** Loads the checkpoint, then runs the loop in the background until `stop()`. */
export async function startSubscriptionLoop(options: SubscriptionLoopOptions): Promise<SubscriptionLoop> {
  const { name, store, checkpoint: where } = options;
  const logger = options.logger ?? silent;
  const maxBatch = options.maxBatch ?? 500;
  const maxBackoff = options.maxBackoffMs ?? 5_000;
  const filter: StreamFilter = {
    streamPrefixes: options.streamPrefixes,
    ...(options.eventTypes ? { eventTypes: options.eventTypes } : {}),
  };
  const abort = new AbortController();
  let handled = await where.load();
  let saved = handled;
  let lastError: string | undefined;
  let subscription: Subscription | undefined;

  function failed(error: unknown, fields: object, message: string): void {
    lastError = error instanceof Error ? error.message : String(error);
    const reason = options.reasonOf?.(error);
    if (reason !== undefined) logger.warn({ ...fields, reason }, `${name}: ${message} (${reason})`);
    else logger.error({ err: error, ...fields }, `${name}: ${message}`);
  }

  /** Runs `step` until it succeeds (true) or the loop stops (false), backing off between tries. */
  async function persist(what: string, last: RecordedEvent, step: () => Promise<void> | void): Promise<boolean> {
    for (let failures = 0; ; failures++) {
      try {
        await step();
        if (failures > 0) logger.info({ eventId: last.id, position: last.position, failures }, `${name}: ${what} recovered`);
        return true;
      } catch (error) {
        if (abort.signal.aborted) return false;
        const delay = backoffMs(failures, maxBackoff);
        failed(error, { eventId: last.id, position: last.position, retryInMs: delay }, `${what} failed; retrying`);
        await sleep(delay, abort.signal);
        if (abort.signal.aborted) return false; // no new try once stopped: it could hang on what is down
      }
    }
  }

  async function save(position: number): Promise<void> {
    await where.save?.(position);
    if (position > saved) saved = position;
  }

  const loop = (async () => {
    for (let failures = 0; !abort.signal.aborted;) {
      try {
        await options.beforeSubscribe?.();
        const after = Math.max(handled, await where.load());
        if (abort.signal.aborted) return; // stopped meanwhile: stop() found no subscription to close
        subscription = store.subscribeToAll({ ...filter, after });
        const next = subscriptionBatches(subscription, maxBatch);
        for (let batch = await next(); batch !== null; batch = await next()) {
          const events = batch;
          const last = events[events.length - 1]!;
          // 1. handle, 2. then move the checkpoint: a crash in between means handling again, never skipping.
          if (!(await persist('handling', last, () => options.handle(events)))) return;
          if (options.saveEveryMs === undefined && !(await persist('checkpoint', last, () => save(last.position)))) return;
          if (last.position > handled) handled = last.position;
          failures = 0;
        }
      } catch (error) {
        if (abort.signal.aborted) return;
        const delay = backoffMs(failures++, maxBackoff);
        failed(error, { checkpoint: handled, retryInMs: delay }, 'subscription failed; resubscribing from the checkpoint');
        await sleep(delay, abort.signal);
      } finally {
        await subscription?.close();
      }
    }
  })();

  const saveLater = (): Promise<void> =>
    handled > saved
      ? save(handled).catch((err: unknown) => logger.warn({ err, position: handled }, `${name}: saving the checkpoint failed`))
      : Promise.resolve();
  const timer = options.saveEveryMs === undefined ? undefined : setInterval(() => void saveLater(), options.saveEveryMs);
  timer?.unref();

  return {
    checkpoint: () => handled,
    lag: () => lagAfter(store, handled, filter),
    lastError: () => lastError,
    async stop() {
      abort.abort();
      await subscription?.close();
      await loop;
      clearInterval(timer);
      // Handled twice costs nothing for such a handler: a checkpoint lost here only means re-reading a few events.
      await saveLater();
    },
  };
}
