import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { fold, handleCommand, type CommandContext } from '@lienthong/decider';
import type { EventStore, RecordedEvent, Subscription } from '@lienthong/event-store';
import type { Registry } from 'prom-client';
import { connectorDecider, type ConnectorCommand, type ConnectorState, type RegisteredConnector } from '../domain/connector-decider.js';
import { CONNECTOR_STREAM_PREFIX, connectorStream, type ConnectorKind, type DeadLetter } from '../domain/events.js';
import { LEASE_STREAM_PREFIX } from '../domain/lease-decider.js';
import { toConnectorEvent, type RegistryEntry } from '../projections/registry-projection.js';
import { unsealSecret } from '../secrets.js';
import type { UrlPolicy } from '../url-guard.js';
import type { ConnectorKindAdapter } from './connector.js';
import { dvcqgKind } from './dvcqg.js';
import { createPoster, type PostLimits } from './http-post.js';
import { DeliveryLease, type LeaseView } from './lease.js';
import { connectorMetrics, type ConnectorMetrics } from './metrics.js';
import { webhookKind } from './webhook.js';
import { newStats, OutboxWorker, type ConnectorStats, type DeliveryPolicy } from './worker.js';

export const KINDS: Readonly<Record<ConnectorKind, ConnectorKindAdapter>> = { dvcqg: dvcqgKind, webhook: webhookKind };

export interface EngineOptions {
  readonly store: EventStore;
  readonly key: Buffer;
  readonly registry: Registry;
  readonly urlPolicy: UrlPolicy;
  readonly delivery: DeliveryPolicy;
  readonly limits: PostLimits;
  readonly log: { warn(object: object, message: string): void; info(object: object, message: string): void };
  /** The registry read model (`connectors-registry`): every connector's state once every connector event up to `upTo` is in. */
  readonly registryView: { load(upTo: number): Promise<readonly RegistryEntry[]> };
  /** The delivery lease: one engine of those on the store delivers (`LT_CONNECTORS_LEASE_MS`, default 15 s). */
  readonly leaseMs?: number;
  /** This engine's name in the lease (default: host, pid and a random part). */
  readonly holder?: string;
}

/** What `GET /v1/admin/connectors/:id` shows of the outbox. */
export interface OutboxView {
  readonly running: boolean;
  readonly checkpoint: number;
  readonly headPosition: number;
  /** Global positions between the store's head and the checkpoint. */
  readonly lag: number;
  /** Age of the oldest event not yet delivered (0 when none waits). */
  readonly lagSeconds: number;
  /** Events read ahead and not yet delivered or dead-lettered (0 while paused: they wait in the log). */
  readonly outboxDepth: number;
  readonly oldestPendingAt: string | null;
  readonly stats: ConnectorStats;
  /** The delivery lease: which engine (process) delivers for every connector now. */
  readonly lease: LeaseView;
}

interface Known {
  state: ConnectorState;
  revision: number;
}

const engineContext: CommandContext = { correlationId: 'connectors-engine', actor: 'system:connectors' };

/**
 * Runs one outbox worker per connector that is registered, not paused, not deleted. Connector
 * states are read from the registry read model at start (one row per connector, whatever the
 * length of its stream) and kept current from a subscription (which also wakes the workers when
 * any event is appended); a replay's new epoch replaces the worker.
 */
export class ConnectorEngine {
  private readonly known = new Map<string, Known>();
  private readonly workers = new Map<string, OutboxWorker>();
  private readonly stats = new Map<string, ConnectorStats>();
  /** What the attempts and delivered counters in /metrics hold, per connector. */
  private readonly reported = new Map<string, { attempts: number; delivered: number }>();
  private readonly metrics: ConnectorMetrics;
  private subscription: Subscription | null = null;
  private listening: Promise<void> | null = null;
  private reconciling: Promise<void> = Promise.resolve();
  private head = 0;
  private closed = false;
  private readonly lease: DeliveryLease;

  constructor(private readonly options: EngineOptions) {
    this.metrics = connectorMetrics(options.registry, () => this.collect());
    this.lease = new DeliveryLease({
      store: options.store,
      leaseMs: options.leaseMs ?? 15_000,
      holder: options.holder ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`,
      log: options.log,
      wanted: () => [...this.known.values()].some(({ state }) => state.registered && !state.deleted && !state.paused),
      onChange: (holding) => {
        this.metrics.leaseHeld.set(holding ? 1 : 0);
        // taken: the checkpoints may have moved under another holder; read them before starting
        if (holding)
          this.reconciling = this.reconciling
            .then(() => this.refresh())
            .catch((error: unknown) => this.options.log.warn({ err: error }, 'connectors: reading the checkpoints at the takeover failed'));
        for (const id of this.known.keys()) this.schedule(id);
      },
    });
  }

  /** This engine holds the delivery lease (its workers deliver). */
  get holdsLease(): boolean {
    return this.lease.held;
  }

  async start(): Promise<void> {
    const { store } = this.options;
    this.head = await store.headPosition();
    // every connector event up to the head is in the rows (some later ones may be too: the
    // subscription from the head skips what a row's revision already holds)
    for (const entry of await this.options.registryView.load(this.head))
      this.known.set(entry.connectorId, { state: entry.state, revision: entry.revision });
    this.subscription = store.subscribeToAll({ after: this.head });
    this.listening = this.listen(this.subscription);
    await this.lease.start();
    await this.reconciling;
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.subscription?.close();
    await this.listening?.catch(() => undefined);
    await this.reconciling;
    await Promise.all([...this.workers.values()].map((w) => w.stop()));
    this.workers.clear();
    // delivery has stopped: another engine may take over at once
    await this.lease.close();
  }

  /**
   * Stops delivering as a crash would (tests): no release, no last checkpoint; the lease runs out
   * and another engine takes over from the last recorded checkpoint.
   */
  async crash(): Promise<void> {
    this.closed = true;
    this.lease.abandon();
    await this.subscription?.close();
    await this.listening?.catch(() => undefined);
    await Promise.all([...this.workers.values()].map((w) => w.abandon()));
    this.workers.clear();
  }

  /** Brings each connector's state up to its stream (another engine checkpointed while this one waited). */
  private async refresh(): Promise<void> {
    for (const [connectorId, known] of this.known) {
      const info = await this.options.store.streamInfo(connectorStream(connectorId));
      if (!info || info.revision <= known.revision) continue;
      const events = await this.options.store.readStream(connectorStream(connectorId), { fromRevision: known.revision + 1 });
      await this.applyAppended(connectorId, events);
    }
  }

  /** Runs an admin command on a connector's stream and applies its events at once. */
  async command(
    connectorId: string,
    command: ConnectorCommand,
    context: CommandContext,
  ): Promise<{ state: ConnectorState; revision: number }> {
    const result = await handleCommand(this.options.store, connectorDecider, connectorStream(connectorId), command, context);
    await this.applyAppended(connectorId, result.appended);
    return result;
  }

  state(connectorId: string): ConnectorState {
    return this.known.get(connectorId)?.state ?? { registered: false };
  }

  list(): RegisteredConnector[] {
    return [...this.known.values()].map((k) => k.state).filter((s): s is RegisteredConnector => s.registered && !s.deleted);
  }

  async view(connectorId: string): Promise<OutboxView> {
    const state = this.state(connectorId);
    const worker = this.workers.get(connectorId);
    const checkpoint = worker?.lowWater ?? (state.registered ? state.checkpoint : 0);
    const headPosition = await this.options.store.headPosition();
    const oldestPendingAt = worker ? worker.oldestPendingAt : await this.waitingSince(state, checkpoint, headPosition);
    return {
      running: worker !== undefined,
      checkpoint,
      headPosition,
      lag: Math.max(0, headPosition - checkpoint),
      lagSeconds: oldestPendingAt ? Math.max(0, Date.now() - Date.parse(oldestPendingAt)) / 1000 : 0,
      outboxDepth: worker?.depth ?? 0,
      oldestPendingAt,
      stats: this.statsOf(connectorId),
      lease: await this.lease.view(),
    };
  }

  /**
   * Not running (paused, or between workers): the time of the first matching event past the
   * checkpoint, which waits in the log (null when none does, or deleted).
   */
  private async waitingSince(state: ConnectorState, checkpoint: number, headPosition: number): Promise<string | null> {
    if (!state.registered || state.deleted || headPosition <= checkpoint) return null;
    const kind = KINDS[state.kind];
    const types = state.eventTypes ?? kind.defaultEventTypes;
    const next = await this.options.store.readAll({
      after: checkpoint,
      maxCount: 50,
      ...(types ? { eventTypes: types } : {}),
      ...(kind.streamPrefixes ? { streamPrefixes: kind.streamPrefixes } : {}),
    });
    return (
      next.find((e) => !e.stream.startsWith(CONNECTOR_STREAM_PREFIX) && !e.stream.startsWith(LEASE_STREAM_PREFIX))?.metadata.at ?? null
    );
  }

  private statsOf(connectorId: string): ConnectorStats {
    let stats = this.stats.get(connectorId);
    if (!stats) this.stats.set(connectorId, (stats = newStats()));
    return stats;
  }

  private async collect(): Promise<void> {
    // the counters follow the engine's counts (monotonic: they only grow)
    for (const [id, stats] of this.stats) {
      const reported = this.reported.get(id) ?? { attempts: 0, delivered: 0 };
      this.metrics.attempts.inc({ connector: id }, stats.attempts - reported.attempts);
      this.metrics.delivered.inc({ connector: id }, stats.delivered - reported.delivered);
      this.reported.set(id, { attempts: stats.attempts, delivered: stats.delivered });
    }
    this.metrics.leaseHeld.set(this.lease.held ? 1 : 0);
    const head = await this.options.store.headPosition().catch(() => this.head);
    for (const [id, known] of this.known) {
      if (!known.state.registered) continue;
      const worker = this.workers.get(id);
      const checkpoint = worker?.lowWater ?? known.state.checkpoint;
      this.metrics.depth.set({ connector: id }, worker?.depth ?? 0);
      this.metrics.lagEvents.set({ connector: id }, known.state.deleted ? 0 : Math.max(0, head - checkpoint));
      // paused, the events wait in the log: the gauge reads the first of them, as the view does
      const oldest = worker ? worker.oldestPendingAt : await this.waitingSince(known.state, checkpoint, head).catch(() => null);
      this.metrics.oldestPendingSeconds.set({ connector: id }, oldest ? Math.max(0, Date.now() - Date.parse(oldest)) / 1000 : 0);
      this.metrics.deadLetters.set({ connector: id }, known.state.deadLetters.length);
      this.metrics.paused.set({ connector: id }, known.state.paused && !known.state.deleted ? 1 : 0);
    }
  }

  private async listen(subscription: Subscription): Promise<void> {
    try {
      for await (const event of subscription) {
        this.head = Math.max(this.head, event.position);
        if (event.stream.startsWith(CONNECTOR_STREAM_PREFIX))
          await this.applyAppended(event.stream.slice(CONNECTOR_STREAM_PREFIX.length), [event]);
        else for (const worker of this.workers.values()) worker.wake();
      }
    } catch (error) {
      if (!this.closed) this.options.log.warn({ err: error }, 'connectors: the store subscription ended; workers poll');
    }
  }

  /** Applies a connector stream's events in revision order; a gap means another writer: read the stream again. */
  private async applyAppended(connectorId: string, events: readonly RecordedEvent[]): Promise<void> {
    if (events.length === 0) return;
    const known = this.known.get(connectorId) ?? { state: connectorDecider.initialState(), revision: -1 };
    const fresh = events.filter((e) => e.revision > known.revision);
    if (fresh.length === 0) return;
    if (fresh[0]!.revision !== known.revision + 1) {
      const all = await this.options.store.readStream(connectorStream(connectorId));
      known.state = fold(connectorDecider, all.map(toConnectorEvent));
      known.revision = all[all.length - 1]?.revision ?? -1;
    } else {
      for (const e of fresh) known.state = connectorDecider.evolve(known.state, toConnectorEvent(e));
      known.revision = fresh[fresh.length - 1]!.revision;
    }
    this.known.set(connectorId, known);
    const retried = fresh.flatMap((e) => (e.type === 'DeadLettersRetried' ? (e.data as { positions: number[] }).positions : []));
    this.schedule(connectorId, retried);
  }

  /** Reconciliations run one at a time, so a worker is stopped before its successor starts. */
  private schedule(connectorId: string, retried: readonly number[] = []): void {
    this.reconciling = this.reconciling
      .then(() => this.reconcile(connectorId, retried))
      .catch((error: unknown) => this.options.log.warn({ err: error, connectorId }, 'connectors: reconcile failed'));
  }

  private async reconcile(connectorId: string, retried: readonly number[]): Promise<void> {
    const state = this.state(connectorId);
    const deliverable = !this.closed && state.registered && !state.deleted && !state.paused;
    // something to deliver and no lease yet: look at it now rather than at the next renewal
    if (deliverable) this.lease.pokeIfFree();
    const wanted = deliverable && this.lease.held;
    const current = this.workers.get(connectorId);
    if (current && wanted && current.epoch === state.epoch) {
      if (retried.length > 0) await current.retry(retried);
      return;
    }
    if (current) {
      this.workers.delete(connectorId);
      await current.stop();
    }
    if (!wanted || !state.registered) return;
    const secret = unsealSecret(this.options.key, connectorId, state.secretSealed);
    const poster = createPoster(this.options.urlPolicy, this.options.limits, this.options.delivery.concurrency);
    const worker = new OutboxWorker(
      state,
      KINDS[state.kind],
      secret,
      poster,
      this.options.store,
      this.hostFor(),
      this.options.delivery,
      this.metrics,
      this.statsOf(connectorId),
    );
    const stop = worker.stop.bind(worker);
    worker.stop = async () => {
      try {
        await stop(); // its last checkpoint may fail (the store away, the lease lost with it)
      } finally {
        poster.close();
      }
    };
    const abandon = worker.abandon.bind(worker);
    worker.abandon = async () => {
      await abandon();
      poster.close();
    };
    this.workers.set(connectorId, worker);
    worker.start(state.retrying);
  }

  private hostFor() {
    return {
      checkpoint: async (connectorId: string, position: number, epoch: number) => {
        await this.command(connectorId, { type: 'Checkpoint', data: { position, epoch } }, engineContext);
      },
      deadLetter: async (connectorId: string, letter: DeadLetter, epoch: number) => {
        await this.command(connectorId, { type: 'DeadLetterDelivery', data: { ...letter, epoch } }, engineContext);
        this.options.log.warn({ connectorId, position: letter.position, reason: letter.reason }, 'connectors: dead letter');
      },
      redelivered: async (connectorId: string, position: number) => {
        await this.command(connectorId, { type: 'ConfirmRedelivery', data: { position } }, engineContext);
      },
      headPosition: async () => {
        this.head = Math.max(this.head, await this.options.store.headPosition());
        return this.head;
      },
    };
  }
}
