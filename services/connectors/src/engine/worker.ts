import type { EventStore, RecordedEvent } from '@lienthong/event-store';
import type { RegisteredConnector } from '../domain/connector-decider.js';
import { CONNECTOR_STREAM_PREFIX, type DeadLetter } from '../domain/events.js';
import { LEASE_STREAM_PREFIX } from '../domain/lease-decider.js';
import type { BuildContext, ConnectorKindAdapter, Outcome } from './connector.js';
import { PostFailure, type Poster } from './http-post.js';
import type { ConnectorMetrics } from './metrics.js';

export interface DeliveryPolicy {
  /** Lanes (streams) delivered in parallel. */
  readonly concurrency: number;
  /** Events read ahead of delivery at most. */
  readonly maxQueued: number;
  /** Give up (dead letter) once an event has been failing this long: 24 h. */
  readonly retryBudgetMs: number;
  /** First retry delay; doubles each attempt up to `maxBackoffMs`, full jitter. */
  readonly initialBackoffMs: number;
  readonly maxBackoffMs: number;
  /** How often the delivered-up-to position is recorded (an event per interval with progress). */
  readonly checkpointEveryMs: number;
  /** Upper bound on a wait for new events when no wake-up comes. */
  readonly pollMs: number;
}

/** What a worker asks of its engine: record progress and dead letters as connector events. */
export interface WorkerHost {
  checkpoint(connectorId: string, position: number, epoch: number): Promise<void>;
  deadLetter(connectorId: string, letter: DeadLetter, epoch: number): Promise<void>;
  redelivered(connectorId: string, position: number): Promise<void>;
  headPosition(): Promise<number>;
}

interface Item {
  readonly event: RecordedEvent;
  /** A dead letter the admin handed back (below the checkpoint). */
  readonly retry: boolean;
}

/** Per-connector counters shown by `GET /v1/admin/connectors/:id`; they outlive a worker (replay, pause). */
export interface ConnectorStats {
  attempts: number;
  delivered: number;
  deadLettered: number;
  failures: Record<string, number>;
  lastSuccessAt: string | null;
  lastError: { at: string; reason: string } | null;
}

export const newStats = (): ConnectorStats => ({
  attempts: 0,
  delivered: 0,
  deadLettered: 0,
  failures: {},
  lastSuccessAt: null,
  lastError: null,
});

/** `rejected: 12 bad code` → `rejected`: a bounded label set for /metrics. */
const reasonLabel = (reason: string) => reason.split(/[:\s]/u)[0] ?? 'other';

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

/**
 * One connector's outbox for one epoch (a replay starts another worker): scans the global log
 * after the checkpoint, queues the matching events in one FIFO lane per stream (so a dossier's
 * events arrive in order), delivers lanes in parallel up to the concurrency cap, retries with
 * exponential backoff and full jitter, dead-letters after the budget, and records the position
 * below which everything is done. A crash loses nothing: on restart the scan resumes at the last
 * recorded checkpoint (events after it may be delivered twice: at least once).
 */
export class OutboxWorker {
  private scanPosition: number;
  private savedCheckpoint: number;
  /** Positions read by the scan and not yet delivered or dead-lettered. */
  private readonly pending = new Map<number, RecordedEvent>();
  private readonly lanes = new Map<string, Item[]>();
  private readonly ready: string[] = [];
  private readonly active = new Set<Promise<void>>();
  private readonly abort = new AbortController();
  private wakeUp: (() => void) | null = null;
  private running: Promise<void> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private readonly url: URL;
  private readonly buildContext: BuildContext;
  /** The last time a success was stamped on the stats (one ISO string per millisecond at most). */
  private lastSuccessMs = 0;
  /** This connector's child of the lag histogram (a label lookup once, not per delivery); attempts and deliveries are counted in `stats`. */
  private readonly counted: { readonly lag: { observe(seconds: number): void } };

  constructor(
    private readonly connector: RegisteredConnector,
    private readonly kind: ConnectorKindAdapter,
    private readonly secret: string,
    private readonly poster: Poster,
    private readonly store: EventStore,
    private readonly host: WorkerHost,
    private readonly policy: DeliveryPolicy,
    private readonly metrics: ConnectorMetrics,
    private readonly stats: ConnectorStats,
  ) {
    this.scanPosition = connector.checkpoint;
    this.savedCheckpoint = connector.checkpoint;
    this.url = new URL(connector.url);
    this.buildContext = {
      secret,
      receipt: async (stream) => (await store.readStream(stream, { maxCount: 1 }))[0],
    };
    const labels = { connector: connector.connectorId };
    this.counted = { lag: metrics.deliveryLag.labels(labels) };
  }

  get epoch(): number {
    return this.connector.epoch;
  }

  get depth(): number {
    return this.pending.size;
  }

  /** Every event at or before it is delivered or dead-lettered. */
  get lowWater(): number {
    let low = this.scanPosition;
    for (const position of this.pending.keys()) if (position - 1 < low) low = position - 1;
    return low;
  }

  get oldestPendingAt(): string | null {
    let oldest: RecordedEvent | undefined;
    for (const e of this.pending.values()) if (oldest === undefined || e.position < oldest.position) oldest = e;
    return oldest?.metadata.at ?? null;
  }

  start(retrying: readonly number[]): void {
    this.running = this.run(retrying);
    this.timer = setInterval(() => {
      this.saveCheckpoint().catch(() => undefined); // the next interval tries again
    }, this.policy.checkpointEveryMs);
    this.timer.unref();
  }

  /** New events may be in the store. */
  wake(): void {
    this.wakeUp?.();
  }

  /** Hands back dead letters the admin retried (delivered ahead of the scan, in their lanes). */
  async retry(positions: readonly number[]): Promise<void> {
    for (const position of positions) {
      const [event] = await this.store.readAll({ after: position - 1, maxCount: 1 });
      if (event?.position === position) this.enqueue({ event, retry: true });
    }
    this.pump();
  }

  /** Stops cleanly: no new attempt starts, requests in flight are cut (they will be sent again), progress is recorded. */
  async stop(): Promise<void> {
    this.abort.abort();
    this.wakeUp?.();
    if (this.timer) clearInterval(this.timer);
    await this.running;
    await Promise.allSettled([...this.active]);
    await this.saveCheckpoint();
  }

  /** Stops as a crash would (tests): requests in flight are cut and nothing more is recorded. */
  async abandon(): Promise<void> {
    this.abort.abort();
    this.wakeUp?.();
    if (this.timer) clearInterval(this.timer);
    await this.running;
    await Promise.allSettled([...this.active]);
  }

  private async run(retrying: readonly number[]): Promise<void> {
    const types = this.connector.eventTypes ?? this.kind.defaultEventTypes;
    let retried = retrying.length === 0;
    while (!this.abort.signal.aborted) {
      try {
        if (!retried) {
          await this.retry(retrying);
          retried = true;
        }
        if (this.pending.size >= this.policy.maxQueued) {
          await this.waitForWake();
          continue;
        }
        const head = await this.host.headPosition();
        const limit = Math.min(500, this.policy.maxQueued - this.pending.size);
        const batch = await this.store.readAll({
          after: this.scanPosition,
          maxCount: limit,
          ...(types ? { eventTypes: types } : {}),
          ...(this.kind.streamPrefixes ? { streamPrefixes: this.kind.streamPrefixes } : {}),
        });
        if (this.abort.signal.aborted) return;
        for (const event of batch) if (this.matches(event)) this.enqueue({ event, retry: false });
        const full = batch.length === limit;
        const last = batch[batch.length - 1]?.position ?? this.scanPosition;
        // a short batch read after `head` was taken holds every matching event up to `head`
        this.scanPosition = full ? last : Math.max(last, head, this.scanPosition);
        this.pump();
        if (batch.length === 0) await this.waitForWake();
      } catch (error) {
        // the store is unavailable: report it, try again shortly
        this.stats.lastError = { at: new Date().toISOString(), reason: `store: ${(error as Error).message}` };
        await sleep(this.policy.pollMs * 5, this.abort.signal);
      }
    }
  }

  private waitForWake(): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(done, this.policy.pollMs);
      const wakeUp = () => done();
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wakeUp = wakeUp;
    }).then(() => {
      this.wakeUp = null;
    });
  }

  private matches(event: RecordedEvent): boolean {
    // the connectors' own streams (registry, delivery lease) are not delivered
    if (event.stream.startsWith(CONNECTOR_STREAM_PREFIX) || event.stream.startsWith(LEASE_STREAM_PREFIX)) return false;
    const agencies = this.connector.agencyIds;
    if (agencies === null) return true;
    const data = event.data as Record<string, unknown> | null;
    const agency = data?.agencyId ?? data?.fromAgencyId;
    return typeof agency === 'string' && agencies.includes(agency);
  }

  private enqueue(item: Item): void {
    if (!item.retry) this.pending.set(item.event.position, item.event);
    const lane = this.lanes.get(item.event.stream);
    if (lane) lane.push(item);
    else {
      this.lanes.set(item.event.stream, [item]);
      this.ready.push(item.event.stream);
    }
  }

  /** Starts lanes while under the concurrency cap. */
  private pump(): void {
    while (this.active.size < this.policy.concurrency && this.ready.length > 0 && !this.abort.signal.aborted) {
      const stream = this.ready.shift()!;
      const lane = this.runLane(stream).finally(() => {
        this.active.delete(lane);
        this.pump();
      });
      this.active.add(lane);
    }
  }

  private async runLane(stream: string): Promise<void> {
    const lane = this.lanes.get(stream)!;
    while (lane.length > 0 && !this.abort.signal.aborted) {
      const item = lane[0]!;
      let finished: boolean;
      try {
        finished = await this.deliver(item);
      } catch (error) {
        // recording a dead letter failed (store unavailable): try the item again shortly
        this.stats.lastError = { at: new Date().toISOString(), reason: `store: ${(error as Error).message}` };
        await sleep(this.policy.pollMs, this.abort.signal);
        continue;
      }
      if (!finished) return; // stopped: the item stays pending, delivered again by the next worker
      lane.shift();
      if (!item.retry) {
        this.pending.delete(item.event.position);
        // the scan waits while the queue is full: let it read ahead again once half of it is done
        if (this.pending.size === this.policy.maxQueued >> 1) this.wakeUp?.();
      }
    }
    if (lane.length === 0) this.lanes.delete(stream);
  }

  /** True once delivered or dead-lettered; false when stopped first. */
  private async deliver(item: Item): Promise<boolean> {
    const { event } = item;
    const id = this.connector.connectorId;
    const first = Date.now();
    for (let attempt = 1; ; attempt++) {
      if (this.abort.signal.aborted) return false;
      this.stats.attempts++;
      let outcome: Outcome;
      try {
        const request = await this.kind.build(event, this.buildContext);
        const answer = await this.poster.post(this.url, request.headers, request.body, this.abort.signal);
        outcome = this.kind.interpret(answer);
      } catch (error) {
        if (this.abort.signal.aborted) return false;
        outcome = { ok: false, permanent: false, reason: error instanceof PostFailure ? error.reason : 'error' };
      }
      if (outcome.ok) {
        this.stats.delivered++;
        const now = Date.now();
        if (now !== this.lastSuccessMs) this.stats.lastSuccessAt = new Date((this.lastSuccessMs = now)).toISOString();
        this.counted.lag.observe(Math.max(0, now - Date.parse(event.metadata.at)) / 1000);
        if (item.retry) await this.host.redelivered(id, event.position);
        return true;
      }
      const label = reasonLabel(outcome.reason);
      this.stats.failures[label] = (this.stats.failures[label] ?? 0) + 1;
      this.stats.lastError = { at: new Date().toISOString(), reason: outcome.reason };
      this.metrics.failures.inc({ connector: id, reason: label });
      const delay = Math.random() * Math.min(this.policy.maxBackoffMs, this.policy.initialBackoffMs * 2 ** (attempt - 1));
      if (outcome.permanent || Date.now() + delay - first > this.policy.retryBudgetMs) {
        const letter: DeadLetter = {
          position: event.position,
          eventId: event.id,
          stream: event.stream,
          type: event.type,
          reason: outcome.reason,
          attempts: attempt,
          firstAttemptAt: new Date(first).toISOString(),
        };
        await this.host.deadLetter(id, letter, this.connector.epoch);
        this.stats.deadLettered++;
        this.metrics.deadLettered.inc({ connector: id });
        return true;
      }
      await sleep(delay, this.abort.signal);
    }
  }

  private async saveCheckpoint(): Promise<void> {
    const low = this.lowWater;
    if (low <= this.savedCheckpoint) return;
    await this.host.checkpoint(this.connector.connectorId, low, this.connector.epoch);
    this.savedCheckpoint = low;
  }
}
