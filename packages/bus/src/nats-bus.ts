import {
  AckPolicy,
  DeliverPolicy,
  JetStreamApiError,
  RetentionPolicy,
  StorageType,
  jetstream,
  jetstreamManager,
  type ConsumerConfig,
  type JetStreamClient,
  type JetStreamManager,
  type JsMsg,
  type StreamInfo,
} from '@nats-io/jetstream';
import { connect, headers, nanos, type NatsConnection } from '@nats-io/transport-node';
import type { RecordedEvent } from '@lienthong/event-store';
import { silentLogger, type BusLogger } from './logger.js';
import { BusUnavailableError, subjectFor } from './types.js';
import type { Bus, ConsumeOptions, Consumer, EventHandler, PublishOptions } from './types.js';
import { assertDurableName, assertEventType, assertServiceName, backoffMs, sleep } from './util.js';
import { describeJetStreamError, isConsumerGone, jetStreamUnavailableReason } from './jetstream-errors.js';

export const STREAM_NAME = 'LT_EVENTS';
export const STREAM_SUBJECTS = 'lt.evt.>';

export interface NatsBusOptions {
  /** e.g. `nats://127.0.0.1:4222`, or several for a cluster. */
  readonly servers: string | readonly string[];
  /** Connection name shown by the server (monitoring). */
  readonly name?: string | undefined;
  readonly logger?: BusLogger | undefined;
  /** JetStream publish dedupe window; default 2 minutes (applies when this bus creates the stream). */
  readonly duplicateWindowMs?: number;
  /**
   * How long a publish waits for its PubAck, outage included (the client buffers while it
   * reconnects); then it rejects with `BusUnavailableError`. Default 5 s.
   */
  readonly publishTimeoutMs?: number;
  /**
   * The server redelivers an un-acknowledged message after this; default 10 s. Long handlers are
   * kept alive (`working()`), so it bounds the stall when a delivery is lost in a server restart.
   */
  readonly ackWaitMs?: number;
  /**
   * Copies of `LT_EVENTS` in the cluster (`LT_NATS_REPLICAS`); default 1. An existing stream with
   * fewer is raised to this (never lowered).
   */
  readonly replicas?: number;
  /** How long start-up waits out a JetStream failover (no meta or stream leader); default 30 s. */
  readonly startTimeoutMs?: number;
}

/**
 * NATS JetStream adapter: stream `LT_EVENTS` (file storage, `lt.evt.>`, dedupe window by
 * `Nats-Msg-Id`), one durable pull consumer per `durable` name.
 *
 * - Order: consumers have `max_ack_pending: 1`, so a nak'ed message (redelivered after
 *   `retryDelayMs`) comes back before anything published after it, whichever process consumes.
 * - Service filter: one service → `filter_subject lt.evt.<service>.>`; several → `filter_subjects`
 *   on nats-server ≥ 2.10, and on 2.9 (one filter per consumer) `lt.evt.>` with other services'
 *   messages acked and skipped here. In that last case `pending()` also counts the skipped ones.
 * - Outage: the connection reconnects forever; `publish` waits up to `publishTimeoutMs` for its
 *   PubAck, then rejects with `BusUnavailableError`. Retrying is safe: the id dedupes it.
 * - Acks are confirmed (`ackAck`, retried through a reconnect), so a server restart does not
 *   make a handled message come back.
 */
export async function createNatsBus(options: NatsBusOptions): Promise<Bus> {
  const logger = options.logger ?? silentLogger;
  const publishTimeoutMs = options.publishTimeoutMs ?? 5_000;
  const ackWaitMs = options.ackWaitMs ?? 10_000;
  const startTimeoutMs = options.startTimeoutMs ?? 30_000;
  let nc: NatsConnection;
  try {
    nc = await connect({
      servers: typeof options.servers === 'string' ? options.servers : [...options.servers],
      ...(options.name !== undefined ? { name: options.name } : {}),
      maxReconnectAttempts: -1, // a restarted server is picked up, however long it took
      reconnectTimeWait: 250,
    });
  } catch (error) {
    throw new BusUnavailableError(`cannot connect to NATS ${String(options.servers)}`, { cause: error });
  }
  void (async () => {
    for await (const status of nc.status()) {
      if (status.type === 'disconnect' || status.type === 'reconnect') logger.warn({ status: status.type }, 'nats bus: connection');
    }
  })().catch((error: unknown) => logger.warn({ err: error }, 'nats bus: status stream ended'));

  let jsm: JetStreamManager;
  let js: JetStreamClient;
  try {
    const streamConfig = { duplicateWindowMs: options.duplicateWindowMs ?? 120_000, replicas: options.replicas ?? 1 };
    jsm = await whileUnavailable(
      async () => {
        const manager = await jetstreamManager(nc); // asks the account info: fails in a failover too
        await ensureStream(manager, streamConfig, logger);
        return manager;
      },
      startTimeoutMs,
      logger,
      'stream LT_EVENTS',
    );
    js = jetstream(nc, { timeout: publishTimeoutMs });
  } catch (error) {
    await nc.close().catch(() => {});
    throw new BusUnavailableError(`JetStream not available: ${describeJetStreamError(error)}`, { cause: error });
  }

  const consumers = new Set<Consumer>();
  let closed = false;
  // nats-server ≥ 2.10 filters on several subjects; 2.9 has one filter_subject per consumer.
  const multiFilter = versionAtLeast(nc.info?.version ?? '0.0.0', 2, 10);

  async function consume(consumeOptions: ConsumeOptions, handler: EventHandler): Promise<Consumer> {
    if (closed) throw new BusUnavailableError('bus closed');
    const { durable, services, expireAfterMs } = consumeOptions;
    const retryDelayMs = consumeOptions.retryDelayMs ?? 1000;
    assertDurableName(durable);
    services?.forEach(assertServiceName);
    if (services !== undefined && services.length === 0) throw new TypeError('services: empty filter');
    const wanted = services === undefined ? null : new Set(services);
    const config: Partial<ConsumerConfig> & { durable_name: string } = {
      durable_name: durable,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      ack_wait: nanos(ackWaitMs),
      // One message in flight: a failed one is redelivered before anything after it.
      max_ack_pending: 1,
      max_deliver: -1,
      ...filterFor(services, multiFilter),
      // A durable of one process instance: the server deletes it once the process is gone this long.
      ...(expireAfterMs !== undefined ? { inactive_threshold: nanos(expireAfterMs) } : {}),
    };
    async function openPull(patienceMs: number): Promise<Awaited<ReturnType<JetStreamClient['consumers']['get']>>> {
      try {
        // Both steps under the retry: the consumer's info can fail with a 503 just after it was
        // made (a cluster just restarted; a hub died at start on it).
        return await whileUnavailable(
          async () => {
            await ensureConsumer(jsm, config, logger);
            return await js.consumers.get(STREAM_NAME, durable);
          },
          patienceMs,
          logger,
          `consumer ${durable}`,
        );
      } catch (error) {
        throw new BusUnavailableError(`cannot create consumer ${durable}: ${describeJetStreamError(error)}`, { cause: error });
      }
    }
    let pull = await openPull(startTimeoutMs);
    const abort = new AbortController();

    async function handle(msg: JsMsg): Promise<void> {
      const service = msg.subject.split('.')[2] ?? '';
      if (wanted !== null && !wanted.has(service)) {
        msg.ack(); // another service's event under the 2.9 catch-all filter
        return;
      }
      let event: RecordedEvent;
      try {
        event = msg.json<RecordedEvent>();
      } catch (error) {
        logger.error({ err: error, durable, subject: msg.subject, seq: msg.seq }, 'nats bus: unreadable message dropped');
        msg.term();
        return;
      }
      const keepAlive = setInterval(() => msg.working(), Math.max(1000, ackWaitMs / 3));
      try {
        await handler(event, { service, attempt: msg.info.deliveryCount });
      } catch (error) {
        logger.warn({ err: error, durable, eventId: event.id, attempt: msg.info.deliveryCount }, 'bus handler failed; will redeliver');
        msg.nak(retryDelayMs);
        return;
      } finally {
        clearInterval(keepAlive);
      }
      await confirmAck(msg);
    }

    /**
     * A lost ack means a redelivery (a duplicate at the consumer): confirm it, through a reconnect.
     * Sent as our own request: `JsMsg.ackAck()` sends only once and resolves false on a retry.
     */
    async function confirmAck(msg: JsMsg): Promise<void> {
      const reply = (msg as JsMsg & { readonly reply?: string }).reply;
      if (!reply) {
        msg.ack();
        return;
      }
      const deadline = Date.now() + Math.max(ackWaitMs, 10_000);
      for (let failures = 0; ; failures++) {
        try {
          await nc.request(reply, '+ACK', { timeout: 2_000 });
          return;
        } catch (error) {
          if (Date.now() > deadline || nc.isClosed()) {
            logger.warn({ err: error, durable, seq: msg.seq }, 'nats bus: ack not confirmed; may be redelivered');
            return;
          }
          await sleep(backoffMs(failures, 1_000));
        }
      }
    }

    const loop = (async () => {
      for (let failures = 0; !abort.signal.aborted;) {
        let msg: JsMsg | null;
        try {
          // Short pulls: after stop() no pull is left open to strand a message until ack_wait.
          msg = await pull.next({ expires: 1_000 });
          failures = 0;
        } catch (error) {
          if (abort.signal.aborted || nc.isClosed()) break;
          const reason = jetStreamUnavailableReason(error);
          if (reason !== undefined) logger.warn({ durable, reason }, 'nats bus: JetStream unavailable, retrying');
          else logger.warn({ err: error, durable }, 'nats bus: pull failed; retrying');
          await sleep(backoffMs(failures++, 2_000), abort.signal);
          // Expired while this process could not reach the server: made again (from the start:
          // consumers skip what they already applied), not pulled from in vain for ever.
          if (isConsumerGone(error) && !abort.signal.aborted)
            pull = await openPull(0).catch((reopenError: unknown) => {
              logger.warn({ err: reopenError, durable }, 'nats bus: consumer not recreated yet; retrying');
              return pull;
            });
          continue;
        }
        if (msg === null) continue;
        if (abort.signal.aborted) {
          msg.nak(); // hand it straight back for the next instance of this durable
          break;
        }
        await handle(msg);
      }
    })();

    const consumer: Consumer = {
      async pending(): Promise<number> {
        try {
          const info = await jsm.consumers.info(STREAM_NAME, durable);
          return info.num_pending + info.num_ack_pending;
        } catch (error) {
          throw new BusUnavailableError(`consumer info ${durable} failed`, { cause: error });
        }
      },
      async stop(): Promise<void> {
        abort.abort();
        await loop;
        consumers.delete(consumer);
      },
    };
    consumers.add(consumer);
    return consumer;
  }

  async function publish(event: RecordedEvent, publishOptions: PublishOptions): Promise<void> {
    assertServiceName(publishOptions.service);
    assertEventType(event.type);
    if (closed || nc.isClosed()) throw new BusUnavailableError('bus closed');
    const h = headers();
    h.set('Nats-Msg-Id', event.id);
    try {
      // msgID sets Nats-Msg-Id too; the explicit header documents the wire contract.
      await js.publish(subjectFor(publishOptions.service, event.type), JSON.stringify(event), {
        msgID: event.id,
        headers: h,
        timeout: publishTimeoutMs,
      });
    } catch (error) {
      throw new BusUnavailableError(`publish of ${event.id} not acknowledged: ${describeJetStreamError(error)}`, { cause: error });
    }
  }

  return {
    publish,

    async publishBatch(events: readonly RecordedEvent[], publishOptions: PublishOptions): Promise<void> {
      // One PubAck at a time: pipelined publishes could store a later event when an earlier one
      // failed, and the retry would then put them out of order.
      for (const event of events) await publish(event, publishOptions);
    },

    consume,

    async ping(): Promise<void> {
      if (closed || nc.isClosed()) throw new BusUnavailableError('bus closed');
      let timer: NodeJS.Timeout | undefined;
      let info: StreamInfo;
      try {
        // The stream's info, not a round trip: a server that answers while JetStream has no
        // leader (a failover, a cluster without quorum) cannot take a publish.
        info = await Promise.race([
          jsm.streams.info(STREAM_NAME),
          new Promise<never>((_, reject) => {
            timer = setTimeout(() => reject(new Error('no answer within 2 s')), 2_000);
          }),
        ]);
      } catch (error) {
        throw new BusUnavailableError(`NATS not reachable: ${describeJetStreamError(error)}`, { cause: error });
      } finally {
        clearTimeout(timer);
      }
      // A replica left without quorum keeps answering the info (nats-server 2.9 lets a member of a
      // leaderless stream reply), only without a leader: it cannot take a publish either.
      if (info.cluster !== undefined && !info.cluster.leader) {
        throw new BusUnavailableError(`JetStream unavailable (stream ${STREAM_NAME} has no leader: a failover or no quorum)`);
      }
    },

    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      await Promise.all([...consumers].map((c) => c.stop()));
      if (!nc.isClosed()) await nc.drain().catch(() => nc.close());
    },
  };
}

/** Runs `step` again while JetStream is unavailable (a failover), for at most `timeoutMs`. */
async function whileUnavailable<T>(step: () => Promise<T>, timeoutMs: number, logger: BusLogger, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (let failures = 0; ; failures++) {
    try {
      return await step();
    } catch (error) {
      const reason = jetStreamUnavailableReason(error);
      if (reason === undefined || Date.now() > deadline) throw error;
      logger.warn({ reason, what }, 'nats bus: JetStream unavailable, retrying');
      await sleep(backoffMs(failures, 2_000));
    }
  }
}

/** Creates `LT_EVENTS`, or raises an existing one's replicas to `replicas` (a stream made before LT_NATS_REPLICAS). */
async function ensureStream(
  jsm: JetStreamManager,
  wanted: { duplicateWindowMs: number; replicas: number },
  logger: BusLogger,
): Promise<void> {
  let existing: StreamInfo;
  try {
    existing = await jsm.streams.info(STREAM_NAME);
  } catch (error) {
    if (!(error instanceof JetStreamApiError) || error.code !== 10059) throw error; // 10059: stream not found
    await jsm.streams.add({
      name: STREAM_NAME,
      subjects: [STREAM_SUBJECTS],
      storage: StorageType.File,
      retention: RetentionPolicy.Limits,
      duplicate_window: nanos(wanted.duplicateWindowMs),
      num_replicas: wanted.replicas,
    });
    return;
  }
  const has = existing.config.num_replicas;
  if (has >= wanted.replicas) return;
  try {
    await jsm.streams.update(STREAM_NAME, { num_replicas: wanted.replicas });
    logger.warn({ stream: STREAM_NAME, from: has, to: wanted.replicas }, 'nats bus: stream replicas raised');
  } catch (error) {
    if (jetStreamUnavailableReason(error) !== undefined) throw error; // a failover: retried
    logger.warn(
      { err: error, stream: STREAM_NAME, replicas: has, wanted: wanted.replicas },
      `nats bus: ${STREAM_NAME} kept with ${has} replica(s); raise it with \`nats stream edit ${STREAM_NAME} --replicas ${wanted.replicas}\``,
    );
  }
}

/** Creates the durable, or brings an existing one to this config; its position is never reset. */
async function ensureConsumer(
  jsm: JetStreamManager,
  config: Partial<ConsumerConfig> & { durable_name: string },
  logger: BusLogger,
): Promise<void> {
  try {
    await jsm.consumers.add(STREAM_NAME, config);
  } catch (error) {
    if (!(error instanceof JetStreamApiError)) throw error;
    if (jetStreamUnavailableReason(error) !== undefined) throw error;
    const { durable_name: name, ack_wait, max_ack_pending, filter_subject, filter_subjects, inactive_threshold } = config;
    try {
      // Only what the wanted config sets: an absent field keeps the server's value.
      const changes = Object.fromEntries(
        Object.entries({ ack_wait, max_ack_pending, filter_subject, filter_subjects, inactive_threshold }).filter(
          ([, v]) => v !== undefined,
        ),
      );
      await jsm.consumers.update(STREAM_NAME, name, changes);
    } catch (updateError) {
      logger.warn({ err: updateError, durable: name }, 'nats bus: existing consumer kept with its old config');
    }
  }
}

function filterFor(
  services: readonly string[] | undefined,
  multiFilter: boolean,
): Pick<ConsumerConfig, 'filter_subject'> | Pick<ConsumerConfig, 'filter_subjects'> {
  if (services === undefined) return { filter_subject: STREAM_SUBJECTS };
  if (services.length === 1) return { filter_subject: `lt.evt.${services[0]}.>` };
  if (multiFilter) return { filter_subjects: services.map((s) => `lt.evt.${s}.>`) };
  return { filter_subject: STREAM_SUBJECTS }; // others are acked and skipped client-side
}

/** `2.10.3` ≥ 2.10? */
export function versionAtLeast(version: string, major: number, minor: number): boolean {
  const [a = 0, b = 0] = version.split('.').map((part) => Number.parseInt(part, 10));
  return a > major || (a === major && b >= minor);
}
