import type { Database } from 'better-sqlite3';
import type { EventStore, RecordedEvent } from '@lienthong/event-store';
import { lagAfter, startSubscriptionLoop, type Bus, type Consumer, type SubscriptionLoop } from '@lienthong/bus';
import { ReadModelFile, type AppliedChanges, type FeedOrder } from './read-model-file.js';
import type { Projection, ProjectionStatus } from './types.js';

/**
 * A read model that did not apply a position in time (its feed is down, e.g. the store restarting,
 * or far behind). The change that was waited for is stored; only its view is late, so the HTTP
 * edge answers 503 (the `unavailable` marker) rather than 500, and a retry with the same
 * idempotency key finds the change.
 */
export class ReadModelBehindError extends Error {
  override name = 'ReadModelBehindError';
  readonly code = 'LT_READ_MODEL_BEHIND';
  /** The marker the HTTP edge maps to 503. */
  readonly unavailable = true;
  constructor(
    readonly projection: string,
    readonly position: number,
    readonly timeoutMs: number,
  ) {
    super(`projection ${projection} did not reach position ${position} in ${timeoutMs} ms (the change is stored; its view is behind)`);
  }
}

/** Where live events come from: the event store itself (same deployment) or the bus (another service's events). */
export type ProjectionFeed =
  | { readonly kind: 'store' }
  | {
      readonly kind: 'bus';
      readonly bus: Bus;
      readonly durable: string;
      readonly services: readonly string[];
      /** A durable of this process alone: dropped by the server once the process is gone this long. */
      readonly expireAfterMs?: number;
    };

export interface ProjectionRunnerOptions {
  readonly projection: Projection;
  /** Source of history for catch-up and rebuilds. */
  readonly store: EventStore;
  /** Folder of the read model files (e.g. `<dataDir>/projections`). */
  readonly dir: string;
  readonly feed?: ProjectionFeed;
  readonly logger?: { info(o: object, m?: string): void; error(o: object, m?: string): void; warn(o: object, m?: string): void };
  /** Events per transaction during catch-up (default 1000). */
  readonly batchSize?: number;
}

export interface ProjectionRunner {
  readonly name: string;
  /** The read model that serves now (changes after a rebuild: do not keep it). */
  db(): Database;
  start(): Promise<void>;
  /** Resolves once every event of the projection's streams up to `position` is applied. */
  waitFor(position: number, timeoutMs?: number): Promise<void>;
  /**
   * `waitFor(event.position)` for an event in hand (e.g. just appended): when it is one of the
   * projection's own streams no store query is needed, the checkpoint alone tells.
   */
  waitForEvent(event: Pick<RecordedEvent, 'position' | 'stream'>, timeoutMs?: number): Promise<void>;
  /** Rebuilds from zero into a fresh file while the current one serves, then swaps. */
  rebuild(): Promise<{ events: number; ms: number }>;
  status(): Promise<ProjectionStatus>;
  stop(): Promise<void>;
}

/** Serialises applies and the swap: a rebuild's last catch-up and the swap happen with the live feed held. */
class Mutex {
  private tail: Promise<void> = Promise.resolve();
  run<T>(fn: () => Promise<T> | T): Promise<T> {
    const result = this.tail.then(fn);
    this.tail = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }
}

export function createProjectionRunner(options: ProjectionRunnerOptions): ProjectionRunner {
  const { projection, store, dir } = options;
  const feed: ProjectionFeed = options.feed ?? { kind: 'store' };
  const order: FeedOrder = feed.kind === 'store' ? 'ordered' : 'per-stream';
  const batchSize = options.batchSize ?? 1000;
  const log = options.logger;
  const lock = new Mutex();
  let current: ReadModelFile | undefined;
  let consumer: Consumer | undefined;
  let loop: SubscriptionLoop | undefined;
  let rebuilding = false;
  const waiters = new Set<() => void>();

  const model = (): ReadModelFile => {
    if (!current) throw new Error(`projection ${projection.name} is not started`);
    return current;
  };
  /**
   * Callers of `waitForEvent` by the position they wait for: an apply wakes only those its
   * checkpoint passed (waking every one at every apply made a promise and a timer per waiter
   * per batch under load), the others keep waiting.
   */
  const eventWaiters = new Set<{ readonly position: number; readonly wake: () => void }>();
  const notify = () => {
    for (const w of [...waiters]) w();
    if (eventWaiters.size === 0) return;
    const checkpoint = model().checkpoint;
    for (const w of eventWaiters) if (w.position <= checkpoint) w.wake();
  };
  const ours = (stream: string): boolean => projection.streamPrefixes.some((p) => stream.startsWith(p));
  /** Events up to here were announced (or applied by an earlier process): replays are not news. */
  let announcedUpTo = 0;
  /**
   * A rebuild's fresh file, not serving yet, and what it changed past `announcedUpTo` when it
   * applied it: announced only at the swap, for what the old file had not announced by then.
   */
  let held: { file: ReadModelFile; news: AppliedChanges[] } | undefined;

  /** Hands the projection what the serving file changed past `announcedUpTo` (applied and committed). */
  function announce(file: ReadModelFile, applied: readonly AppliedChanges[]): void {
    const news = applied.filter((a) => a.position > announcedUpTo).flatMap((a) => a.changes);
    if (file.checkpoint > announcedUpTo) announcedUpTo = file.checkpoint;
    if (news.length === 0 || !projection.afterCommit) return;
    try {
      projection.afterCommit(news, file.db);
    } catch (error) {
      // Committed is committed: a failed push must not re-apply the batch or stop the feed.
      log?.error({ err: error, projection: projection.name }, 'projection afterCommit failed');
    }
  }

  /** Applies a batch to `file` in one transaction; once it committed, announces what changed if `file` serves. */
  function applyBatch(file: ReadModelFile, events: readonly RecordedEvent[]): void {
    const applied = file.applyBatch(events);
    // Announced from the file that serves only: a reader told of a change must find it there.
    if (file === current) announce(file, applied);
    else if (held?.file === file) held.news.push(...applied.filter((a) => a.position > announcedUpTo));
  }

  /** Reads history into `file` from its checkpoint until the store has nothing more. */
  async function catchUp(file: ReadModelFile): Promise<number> {
    let total = 0;
    for (;;) {
      const events = await store.readAll({ after: file.checkpoint, maxCount: batchSize, streamPrefixes: projection.streamPrefixes });
      if (events.length === 0) return total;
      applyBatch(file, events);
      total += events.length;
    }
  }

  /** Follows the store from the read model's checkpoint: each batch applied in one transaction with its checkpoint. */
  async function startStoreFeed(): Promise<void> {
    loop = await startSubscriptionLoop({
      name: `projection ${projection.name}`,
      store,
      streamPrefixes: projection.streamPrefixes,
      maxBatch: batchSize,
      // applyBatch stores the checkpoint in the read model, in the batch's transaction.
      checkpoint: { load: () => model().checkpoint },
      // History by pages of its own first, under the lock (a rebuild's swap waits for it).
      beforeSubscribe: async () => {
        await lock.run(() => catchUp(model()));
        notify();
      },
      handle: async (events) => {
        await lock.run(() => applyBatch(model(), events));
        notify();
      },
      ...(log ? { logger: log } : {}),
    });
  }

  async function startBusFeed(f: Extract<ProjectionFeed, { kind: 'bus' }>): Promise<void> {
    const expiry = f.expireAfterMs !== undefined ? { expireAfterMs: f.expireAfterMs } : {};
    consumer = await f.bus.consume({ durable: f.durable, services: f.services, ...expiry }, async (event) => {
      if (!ours(event.stream)) return;
      await lock.run(() => {
        applyBatch(model(), [event]);
      });
      notify();
    });
  }

  const runner: ProjectionRunner = {
    name: projection.name,
    db: () => model().db,

    async start() {
      const generation = ReadModelFile.currentGeneration(dir, projection.name) || 1;
      current = ReadModelFile.open(dir, projection, generation, order);
      ReadModelFile.makeCurrent(dir, projection.name, generation);
      announcedUpTo = current.checkpoint;
      if (current.storedVersion() !== projection.version || !current.suits(order)) {
        log?.info(
          { projection: projection.name, stored: current.storedVersion(), version: projection.version, feed: feed.kind },
          'projection version or feed changed: rebuilding',
        );
        await runner.rebuild();
      }
      if (feed.kind === 'store') await startStoreFeed();
      else {
        await lock.run(() => catchUp(model()));
        await startBusFeed(feed);
      }
    },

    async waitFor(position, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      // A position of one of our events, at or before `position`, not applied yet: until the
      // checkpoint passes it there is no need to ask the store again (many waiters, many applies).
      let mustApply = 0;
      for (;;) {
        if (model().checkpoint >= position) return;
        // Listen before reading, so an apply that lands during the read still wakes us.
        let wake!: () => void;
        const applied = new Promise<void>((resolve) => (wake = resolve));
        waiters.add(wake);
        try {
          if (model().checkpoint >= mustApply) {
            const next = await store.readAll({ after: model().checkpoint, maxCount: 1, streamPrefixes: projection.streamPrefixes });
            if (next.length === 0 || next[0]!.position > position) return;
            mustApply = next[0]!.position;
          }
          if (Date.now() > deadline) throw new ReadModelBehindError(projection.name, position, timeoutMs);
          let timer: NodeJS.Timeout | undefined;
          await Promise.race([applied, new Promise<void>((resolve) => (timer = setTimeout(resolve, 50)))]);
          clearTimeout(timer);
        } finally {
          waiters.delete(wake);
        }
      }
    },

    async waitForEvent(event, timeoutMs = 10_000) {
      if (!ours(event.stream)) return runner.waitFor(event.position, timeoutMs);
      // One of ours: the feed applies it in position order, so the checkpoint passes it.
      const deadline = Date.now() + timeoutMs;
      while (model().checkpoint < event.position) {
        if (Date.now() > deadline) throw new ReadModelBehindError(projection.name, event.position, timeoutMs);
        // Woken by the apply that passes it, or after 50 ms at most (a rebuild's swap), then it looks again.
        await new Promise<void>((resolve) => {
          const waiter = {
            position: event.position,
            wake: () => {
              clearTimeout(timer);
              eventWaiters.delete(waiter);
              resolve();
            },
          };
          const timer = setTimeout(waiter.wake, 50);
          eventWaiters.add(waiter);
        });
      }
    },

    async rebuild() {
      if (rebuilding) throw new Error(`projection ${projection.name} is already rebuilding`);
      rebuilding = true;
      const started = Date.now();
      const old = model();
      const fresh = ReadModelFile.open(dir, projection, old.generation + 1, order);
      fresh.suits(order); // marks it
      held = { file: fresh, news: [] };
      try {
        // 1. replay history into the fresh copy while the old one keeps serving
        await catchUp(fresh);
        // 2. hold the live feed, take what arrived meanwhile, swap
        await lock.run(async () => {
          await catchUp(fresh);
          ReadModelFile.makeCurrent(dir, projection.name, fresh.generation);
          current = fresh;
          // 3. what the fresh copy reached before the old one announced it is news, readable now
          const news = held?.news ?? [];
          held = undefined;
          announce(fresh, news);
        });
        old.remove();
        log?.info({ projection: projection.name, events: fresh.eventsApplied, generation: fresh.generation }, 'projection rebuilt');
        return { events: fresh.eventsApplied, ms: Date.now() - started };
      } catch (error) {
        if (current !== fresh) fresh.remove();
        throw error;
      } finally {
        held = undefined;
        rebuilding = false;
      }
    },

    async status() {
      const file = model();
      const lag =
        feed.kind === 'bus' && consumer
          ? await consumer.pending()
          : await lagAfter(store, file.checkpoint, { streamPrefixes: projection.streamPrefixes });
      const lastError = loop?.lastError();
      return {
        name: projection.name,
        version: projection.version,
        generation: file.generation,
        checkpoint: file.checkpoint,
        eventsApplied: file.eventsApplied,
        lag,
        rebuilding,
        feed: feed.kind,
        ...(lastError ? { lastError } : {}),
      };
    },

    async stop() {
      await loop?.stop();
      await consumer?.stop();
      await lock.run(() => current?.close());
    },
  };
  return runner;
}
