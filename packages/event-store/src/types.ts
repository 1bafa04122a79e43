/**
 * The event store port. Every state change in lienthong is an event appended here with an
 * expected revision; adapters (SQLite, EventStoreDB) all pass the one contract suite in
 * `./testing/contract.ts`.
 */

/** Who did it, why, and when: written into every event. */
export interface EventMetadata {
  /** Follows one request across services (the `x-correlation-id` header). */
  readonly correlationId: string;
  /** Id of the event or command that caused this one, if any. */
  readonly causationId?: string | null;
  /** Principal id, e.g. `admin`, `system:<id>`, `staff:<id>`, `public`, `scheduler`. */
  readonly actor: string;
  /** ISO-8601 instant the change was decided. */
  readonly at: string;
  readonly [key: string]: unknown;
}

/** An event about to be appended. `id` is generated when absent (a UUID; v7, time-ordered, by the SQLite store). */
export interface NewEvent<Type extends string = string, Data = unknown> {
  readonly id?: string;
  readonly type: Type;
  readonly data: Data;
  readonly metadata: EventMetadata;
}

/** An event as stored. Revisions start at 0 per stream; positions are global, start at 1 and only grow. */
export interface RecordedEvent<Type extends string = string, Data = unknown> {
  readonly id: string;
  readonly stream: string;
  readonly revision: number;
  readonly position: number;
  readonly type: Type;
  readonly data: Data;
  readonly metadata: EventMetadata;
  /** Hash of the previous event of the same stream (`GENESIS_HASH` for revision 0). */
  readonly prevHash: string;
  /** SHA-256 (hex) over the canonical event and `prevHash`; see `hashEvent`. */
  readonly hash: string;
}

/** Optimistic concurrency: a revision number, or one of the three constants. */
export const ExpectedRevision = {
  /** No check. */
  any: 'any',
  /** The stream must not exist yet. */
  noStream: 'no_stream',
  /** The stream must exist (any revision). */
  streamExists: 'stream_exists',
} as const;
export type ExpectedRevision = (typeof ExpectedRevision)[keyof typeof ExpectedRevision] | number;

export interface AppendOptions {
  /** Defaults to `ExpectedRevision.any`. */
  readonly expectedRevision?: ExpectedRevision;
}

export interface AppendResult {
  /** Revision of the last event appended (the stream's new head). */
  readonly nextRevision: number;
  /** Global position of the last event appended. */
  readonly position: number;
  /** The events as recorded, in order. */
  readonly events: readonly RecordedEvent[];
}

export interface ReadStreamOptions {
  readonly direction?: 'forward' | 'backward';
  /** Inclusive start revision; default 0 forward, the head backward. */
  readonly fromRevision?: number;
  readonly maxCount?: number;
}

export interface ReadAllOptions {
  /** Exclusive: events with `position > after`. Default 0 (from the start). */
  readonly after?: number;
  readonly maxCount?: number;
  /** Only streams whose name starts with one of these. */
  readonly streamPrefixes?: readonly string[];
  /** Only these event types. */
  readonly eventTypes?: readonly string[];
}

export type SubscribeOptions = Omit<ReadAllOptions, 'maxCount'>;

/** Catch-up then live subscription to all events. Async iteration stops after `close()`. */
export interface Subscription extends AsyncIterable<RecordedEvent> {
  close(): Promise<void>;
}

export interface StreamInfo {
  readonly stream: string;
  /** Revision of the last event. */
  readonly revision: number;
  /** Global position of the last event. */
  readonly position: number;
  readonly lastHash: string;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export interface ListStreamsOptions {
  readonly prefix?: string;
  /** Exclusive: streams named after this one (alphabetical paging). */
  readonly after?: string;
  readonly limit?: number;
}

export type StreamMetadata = Readonly<Record<string, unknown>>;

export interface EventStore {
  append(stream: string, events: readonly NewEvent[], options?: AppendOptions): Promise<AppendResult>;
  /** Events of one stream; an empty array for a stream that does not exist. */
  readStream(stream: string, options?: ReadStreamOptions): Promise<RecordedEvent[]>;
  /** Events of every stream by global position. */
  readAll(options?: ReadAllOptions): Promise<RecordedEvent[]>;
  subscribeToAll(options?: SubscribeOptions): Subscription;
  /** Head of one stream, or null when it does not exist. */
  streamInfo(stream: string): Promise<StreamInfo | null>;
  listStreams(options?: ListStreamsOptions): Promise<StreamInfo[]>;
  getStreamMetadata(stream: string): Promise<StreamMetadata | null>;
  setStreamMetadata(stream: string, metadata: StreamMetadata): Promise<void>;
  /** Position of the newest event in the store (0 when empty). */
  headPosition(): Promise<number>;
  /** Resolves when the store is reachable; throws `StoreUnavailableError` otherwise. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
