/**
 * EventStoreDB adapter (@eventstore/db-client 6). The hash chain is ours: before appending we
 * read the stream head, compute revisions and hashes, and append with the exact head as the
 * client's expected revision so no concurrent write can slip into the chain. Our id, prevHash
 * and hash ride in the event metadata under `ltChain`.
 *
 * Costs: `listStreams` and `headPosition` scan `$all` (listStreams reads every event once;
 * fine for audit screens of modest stores, not for a hot path). `readAll` filters on the client
 * (the client's readAll has no server filter); `subscribeToAll` uses the server filter.
 */
import { randomUUID } from 'node:crypto';
import {
  BACKWARDS,
  END,
  EventStoreDBClient,
  FORWARDS,
  START,
  StreamNotFoundError,
  eventTypeFilter,
  excludeSystemEvents,
  jsonEvent,
  streamNameFilter,
} from '@eventstore/db-client';
import type { AllStreamResolvedEvent, Filter, JSONType, Position, ResolvedEvent } from '@eventstore/db-client';
import { canonicalJson, hashCanonical } from './canonical.js';
import { StoreUnavailableError, WrongExpectedRevisionError } from './errors.js';
import { checkExpectedRevision, matchesExpected } from './expected-revision.js';
import {
  CHAIN_KEY,
  createdOf,
  escapeRegex,
  fromEsdbEvent,
  fromWrongExpected,
  headAsExpected,
  isSystemEvent,
  matchesFilters,
  toStoreError,
} from './esdb-mapping.js';
import { GENESIS_HASH } from './hash.js';
import type {
  AppendOptions,
  AppendResult,
  EventStore,
  ListStreamsOptions,
  NewEvent,
  ReadAllOptions,
  ReadStreamOptions,
  RecordedEvent,
  StreamInfo,
  StreamMetadata,
  SubscribeOptions,
  Subscription,
} from './types.js';

/** Appends with `any`/`stream_exists` retry this often when another writer moved the head. */
const MAX_HEAD_RETRIES = 5;
const METADATA_KEY = 'lt';

export function createEsdbEventStore(connectionString: string): EventStore {
  return new EsdbEventStore(EventStoreDBClient.connectionString(connectionString));
}

class EsdbEventStore implements EventStore {
  private closed = false;
  private readonly subscriptions = new Set<Subscription>();

  constructor(private readonly client: EventStoreDBClient) {}

  async append(stream: string, events: readonly NewEvent[], options: AppendOptions = {}): Promise<AppendResult> {
    this.assertOpen();
    const expected = options.expectedRevision ?? 'any';
    checkExpectedRevision(expected);
    for (let attempt = 0; ; attempt++) {
      // 1. read the head: the chain continues from its hash
      const head = await this.head(stream);
      if (!matchesExpected(expected, head.revision)) throw new WrongExpectedRevisionError(stream, expected, head.revision);
      if (events.length === 0) return { nextRevision: head.revision, position: head.position, events: [] };
      // 2. revisions and hashes
      let prevHash = head.lastHash;
      const prepared = events.map((e, i) => {
        const id = e.id ?? randomUUID();
        const data = e.data === undefined ? null : e.data;
        const revision = head.revision + 1 + i;
        const hash = hashCanonical(
          { id, stream, revision, type: e.type, dataJson: canonicalJson(data), metadataJson: canonicalJson(e.metadata) },
          prevHash,
        );
        const chain = { id, prevHash, hash };
        prevHash = hash;
        return { id, revision, type: e.type, data, metadata: e.metadata, chain };
      });
      // 3. append at exactly the head we hashed against
      try {
        await this.client.appendToStream(
          stream,
          prepared.map((e) =>
            jsonEvent({
              ...(isUuid(e.id) ? { id: e.id } : {}),
              type: e.type,
              data: e.data as JSONType,
              metadata: { ...e.metadata, [CHAIN_KEY]: e.chain },
            }),
          ),
          { expectedRevision: headAsExpected(head.revision) },
        );
      } catch (error) {
        const conflict = fromWrongExpected(error, stream, expected);
        if (!conflict) throw toStoreError(error, 'append');
        // The head moved between our read and the append: only a loose expectation may retry.
        const loose = expected === 'any' || (expected === 'stream_exists' && conflict.actual >= 0);
        if (!loose || attempt >= MAX_HEAD_RETRIES) throw conflict;
        continue;
      }
      // 4. read the events back for their commit positions
      const recorded = await this.readStream(stream, { fromRevision: head.revision + 1, maxCount: prepared.length });
      const last = recorded.at(-1);
      return { nextRevision: last?.revision ?? head.revision, position: last?.position ?? head.position, events: recorded };
    }
  }

  private async head(stream: string): Promise<{ revision: number; position: number; lastHash: string }> {
    const [last] = await this.readStream(stream, { direction: 'backward', maxCount: 1 });
    return last
      ? { revision: last.revision, position: last.position, lastHash: last.hash }
      : { revision: -1, position: 0, lastHash: GENESIS_HASH };
  }

  async readStream(stream: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    this.assertOpen();
    const backward = options.direction === 'backward';
    const out: RecordedEvent[] = [];
    if (options.maxCount === 0) return out;
    try {
      const reading = this.client.readStream(stream, {
        direction: backward ? BACKWARDS : FORWARDS,
        fromRevision: options.fromRevision === undefined ? (backward ? END : START) : BigInt(options.fromRevision),
        ...(options.maxCount === undefined ? {} : { maxCount: options.maxCount }),
      });
      for await (const resolved of reading as AsyncIterable<ResolvedEvent>) {
        if (resolved.event) out.push(fromEsdbEvent(resolved.event));
      }
    } catch (error) {
      if (error instanceof StreamNotFoundError) return [];
      throw toStoreError(error, 'readStream');
    }
    return out;
  }

  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    this.assertOpen();
    const out: RecordedEvent[] = [];
    const max = options.maxCount ?? Infinity;
    if (max <= 0) return out;
    const after = options.after ?? 0;
    try {
      const reading = this.client.readAll({ direction: FORWARDS, fromPosition: toPosition(after) });
      for await (const resolved of reading as AsyncIterable<AllStreamResolvedEvent>) {
        const event = resolved.event;
        if (!event || isSystemEvent(event)) continue;
        const recorded = fromEsdbEvent(event);
        if (recorded.position <= after || !matchesFilters(recorded, options)) continue;
        out.push(recorded);
        if (out.length >= max) {
          await reading.cancel();
          break;
        }
      }
    } catch (error) {
      throw toStoreError(error, 'readAll');
    }
    return out;
  }

  subscribeToAll(options: SubscribeOptions = {}): Subscription {
    this.assertOpen();
    const after = options.after ?? 0;
    const subscription = this.client.subscribeToAll({
      fromPosition: toPosition(after),
      filter: serverFilter(options),
    });
    let closed = false;
    const close = async (): Promise<void> => {
      if (closed) return;
      closed = true;
      this.subscriptions.delete(handle);
      await subscription.unsubscribe();
    };
    async function* iterate(): AsyncGenerator<RecordedEvent> {
      try {
        for await (const resolved of subscription as AsyncIterable<AllStreamResolvedEvent>) {
          if (closed) return;
          const event = resolved.event;
          if (!event || isSystemEvent(event)) continue;
          const recorded = fromEsdbEvent(event);
          if (recorded.position > after && matchesFilters(recorded, options)) yield recorded;
        }
      } catch (error) {
        if (!closed) throw toStoreError(error, 'subscribeToAll');
      } finally {
        await close();
      }
    }
    const handle: Subscription = { close, [Symbol.asyncIterator]: iterate };
    this.subscriptions.add(handle);
    return handle;
  }

  async streamInfo(stream: string): Promise<StreamInfo | null> {
    const [last] = await this.readStream(stream, { direction: 'backward', maxCount: 1 });
    if (!last) return null;
    const [first] = await this.readStream(stream, { maxCount: 1 });
    return {
      stream,
      revision: last.revision,
      position: last.position,
      lastHash: last.hash,
      createdAt: createdOf(first ?? last),
      updatedAt: createdOf(last),
    };
  }

  async listStreams(options: ListStreamsOptions = {}): Promise<StreamInfo[]> {
    // One pass over $all (see the cost note at the top).
    const heads = new Map<string, StreamInfo>();
    for (const e of await this.readAll(options.prefix ? { streamPrefixes: [options.prefix] } : {})) {
      const known = heads.get(e.stream);
      const at = createdOf(e);
      heads.set(e.stream, {
        stream: e.stream,
        revision: e.revision,
        position: e.position,
        lastHash: e.hash,
        createdAt: known?.createdAt ?? at,
        updatedAt: at,
      });
    }
    const after = options.after ?? '';
    const sorted = [...heads.values()].filter((s) => s.stream > after).sort((a, b) => (a.stream < b.stream ? -1 : 1));
    return options.limit === undefined ? sorted : sorted.slice(0, options.limit);
  }

  async getStreamMetadata(stream: string): Promise<StreamMetadata | null> {
    this.assertOpen();
    try {
      const result = await this.client.getStreamMetadata(stream);
      const custom = result.metadata?.[METADATA_KEY];
      return custom && typeof custom === 'object' ? (custom as StreamMetadata) : null;
    } catch (error) {
      if (error instanceof StreamNotFoundError) return null;
      throw toStoreError(error, 'getStreamMetadata');
    }
  }

  async setStreamMetadata(stream: string, metadata: StreamMetadata): Promise<void> {
    this.assertOpen();
    try {
      await this.client.setStreamMetadata(stream, { [METADATA_KEY]: metadata });
    } catch (error) {
      throw toStoreError(error, 'setStreamMetadata');
    }
  }

  async headPosition(): Promise<number> {
    this.assertOpen();
    try {
      const reading = this.client.readAll({ direction: BACKWARDS, fromPosition: END, maxCount: 1000 });
      for await (const resolved of reading as AsyncIterable<AllStreamResolvedEvent>) {
        if (resolved.event && !isSystemEvent(resolved.event)) {
          await reading.cancel();
          return Number(resolved.event.position.commit);
        }
      }
      return 0;
    } catch (error) {
      throw toStoreError(error, 'headPosition');
    }
  }

  async ping(): Promise<void> {
    this.assertOpen();
    try {
      const reading = this.client.readAll({ direction: BACKWARDS, fromPosition: END, maxCount: 1 });
      for await (const _ of reading as AsyncIterable<unknown>) break;
    } catch (error) {
      const mapped = toStoreError(error, 'ping');
      throw mapped instanceof StoreUnavailableError
        ? mapped
        : new StoreUnavailableError('event store (esdb): ping failed', { cause: error });
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...this.subscriptions].map((s) => s.close()));
    await this.client.dispose();
  }

  private assertOpen(): void {
    if (this.closed) throw new StoreUnavailableError('event store is closed');
  }
}

function toPosition(after: number): Position | typeof START {
  // Single-node ESDB records have commit == prepare position.
  return after > 0 ? { commit: BigInt(after), prepare: BigInt(after) } : START;
}

function serverFilter(options: SubscribeOptions): Filter {
  if (options.streamPrefixes && options.streamPrefixes.length > 0) return streamNameFilter({ prefixes: [...options.streamPrefixes] });
  if (options.eventTypes && options.eventTypes.length > 0) {
    return eventTypeFilter({ regex: `^(?:${options.eventTypes.map(escapeRegex).join('|')})$` });
  }
  return excludeSystemEvents();
}

function isUuid(id: string): boolean {
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id);
}
