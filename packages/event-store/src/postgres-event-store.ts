/**
 * The server event store: PostgreSQL, shared by any number of processes on any number of machines.
 *
 * Appends are group-committed per process: every append that arrives while a transaction is in
 * flight joins the next one. A transaction
 *   1. creates the rows of new streams and locks every stream row it writes (`FOR UPDATE`, in
 *      name order so two processes cannot deadlock), so the expected-revision check and the
 *      previous hash are taken against the exact stream head, whoever else is appending;
 *   2. checks each append on its own (a wrong revision rejects that append only) and hashes;
 *   3. in one last statement takes the positions from `lt_head` (its row lock is held until
 *      COMMIT, so transactions commit in position order: readers never see a gap that fills
 *      later), inserts the events, moves the stream heads and notifies `lt_events`.
 * A duplicate event id aborts the transaction; its appends are then retried one by one so only
 * the guilty one fails. Nothing is half-written: a transaction commits whole or not at all.
 *
 * Live subscriptions read pages after their position, then wait for a NOTIFY (LISTEN) or the poll
 * timer (the fallback when notifications are lost, e.g. during a reconnect). While the server is
 * down every call rejects with `StoreUnavailableError` (503 at the edge); the client reconnects
 * when it returns and subscriptions carry on where they were.
 */
import postgres from 'postgres';
import { StoreUnavailableError, WrongExpectedRevisionError, DuplicateEventIdError } from './errors.js';
import { checkExpectedRevision, matchesExpected } from './expected-revision.js';
import { GENESIS_HASH } from './hash.js';
import { PostgresTail } from './postgres-tail.js';
import { tailFilter } from './shared-tail.js';
import { assertStreamName, prepareEvent, type PendingAppend } from './sqlite-append.js';
import {
  BATCH_INSERT_SQL,
  CREATE_STREAM_ROWS_SQL,
  HeadCache,
  LOCK_STREAMS_SQL,
  LONE_APPEND_NEW_STREAM_SQL,
  KNOWN_HEADS_APPEND_SQL,
  LONE_APPEND_SQL,
  NEW_STREAM,
  STREAM_POSITION,
  asRead,
  chain,
  eventParameters,
  knownHeadsParameters,
  loneAppendParameters,
  planKnownHeads,
  toResult,
  type EventColumns,
} from './postgres-append.js';
import {
  EVENT_COLUMNS,
  NOTIFY_CHANNEL,
  SCHEMA_SQL,
  isDuplicateId,
  isRetryable,
  isUnavailable,
  toStoreError,
  type EventRow,
} from './postgres-schema.js';
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

export interface PostgresEventStoreOptions {
  /** `postgres://user:password@host:port/database` (or `postgresql://`). */
  readonly url: string;
  /** Connections in this process's pool; default 10. */
  readonly maxConnections?: number;
  /** How often live subscriptions read when no notification came (ms, default 1000). */
  readonly pollMs?: number;
  /** Set false to rely on polling alone (no LISTEN connection). */
  readonly listen?: boolean;
  /** Seconds to wait for a connection before an operation fails as unavailable; default 5. */
  readonly connectTimeoutSeconds?: number;
  /**
   * Longest wait for any operation (ms; default the connect timeout + 2 s): past it the call
   * rejects with `StoreUnavailableError`, whatever the driver is waiting for. An append still
   * queued then is dropped unwritten; one already sent may still commit (its caller retries with
   * its idempotency key and finds it).
   */
  readonly operationTimeoutMs?: number;
}

export function createPostgresEventStore(options: PostgresEventStoreOptions): EventStore {
  return new PostgresEventStore(options);
}

const PAGE_SIZE = 500;
/** Most events the shared window of live subscriptions holds. */
const TAIL_EVENTS = 5000;
const MAX_RETRIES = 5;
/**
 * Seconds before a connection tries again after a failed connect: the driver's default grows to
 * 20 s, and a query that needs a connection waits for that try. Capped at half a second, a query
 * during an outage is refused within about that (then `ECONNREFUSED`), not held until the server
 * returns.
 */
const reconnectDelay = (attempts: number): number => Math.min(0.02 * 2 ** attempts, 0.5);
/**
 * Group commits in flight at once. With two, the second waited at the server for the first's
 * `lt_head` lock instead of a round trip later, but each took half the appends and paid its own WAL
 * flush, and their answers came out of position order (the subscriptions' window then read what
 * it could have taken): the dossier flow ran at 0.3–0.5 of SQLite full with two against 0.5–1.3
 * with one, in the same runs. One it is; the pump keeps appends on a stream in flight apart
 * should this change.
 */
const COMMITS_IN_FLIGHT = 1;

type Sql = postgres.Sql<Record<string, never>>;
type Tx = postgres.TransactionSql<Record<string, never>>;

interface Queued {
  readonly append: PendingAppend;
  readonly resolve: (result: AppendResult) => void;
  readonly reject: (error: unknown) => void;
}

/** A `readStream` waiting for this turn's statement. */
interface StreamRead {
  readonly stream: string;
  readonly from: number | null;
  readonly limit: number | null;
  resolve: (events: RecordedEvent[]) => void;
  reject: (error: unknown) => void;
}

const READ_FORWARD_SQL = `SELECT ${EVENT_COLUMNS} FROM lt_events WHERE stream = $1 AND revision >= $2 ORDER BY revision LIMIT $3`;
const READ_BACKWARD_SQL = `SELECT ${EVENT_COLUMNS} FROM lt_events WHERE stream = $1 AND ($2::bigint IS NULL OR revision <= $2)
  ORDER BY revision DESC LIMIT $3`;
const READ_MANY_FORWARD_SQL = `SELECT r.n, e.* FROM unnest($1::text[], $2::bigint[], $3::bigint[]) WITH ORDINALITY AS r(stream, from_revision, max_count, n)
  CROSS JOIN LATERAL (
    SELECT ${EVENT_COLUMNS} FROM lt_events
    WHERE stream = r.stream AND revision >= r.from_revision ORDER BY revision LIMIT r.max_count
  ) e
  ORDER BY r.n, e.revision`;
const READ_MANY_BACKWARD_SQL = `SELECT r.n, e.* FROM unnest($1::text[], $2::bigint[], $3::bigint[]) WITH ORDINALITY AS r(stream, from_revision, max_count, n)
  CROSS JOIN LATERAL (
    SELECT ${EVENT_COLUMNS} FROM lt_events
    WHERE stream = r.stream AND (r.from_revision IS NULL OR revision <= r.from_revision) ORDER BY revision DESC LIMIT r.max_count
  ) e
  ORDER BY r.n, e.revision DESC`;

/** An append this process committed, with the stored text of its events. */
interface Committed {
  readonly result: AppendResult;
  readonly columns: EventColumns;
}

interface StreamRow {
  readonly stream: string;
  readonly revision: number;
  readonly position: number;
  readonly last_hash: string;
}

function toRecorded(row: EventRow): RecordedEvent {
  return {
    id: row.id,
    stream: row.stream,
    revision: row.revision,
    position: row.position,
    type: row.type,
    data: JSON.parse(row.data) as unknown,
    metadata: JSON.parse(row.metadata) as RecordedEvent['metadata'],
    prevHash: row.prev_hash,
    hash: row.hash,
  };
}

/** The port's error for a unique violation on the event id, naming the id the server named. */
function duplicateError(q: Queued, error: unknown): DuplicateEventIdError {
  const rawDetail = (error as { detail?: unknown }).detail;
  const detail = typeof rawDetail === 'string' ? rawDetail : '';
  const id = q.append.events.find((e) => detail.includes(`(${e.id})`))?.id ?? q.append.events[0]?.id ?? '';
  return new DuplicateEventIdError(q.append.stream, id);
}

class PostgresEventStore implements EventStore {
  private readonly sql: Sql;
  private closed = false;
  private schema: Promise<void> | undefined;
  private queue: Queued[] = [];
  /** An append arrived: the queue is looked at on the next turn (appends of this turn join one batch). */
  private scheduled = false;
  /** Commits in flight. */
  private inFlight = 0;
  /** Streams with an append in a commit in flight. */
  private readonly committing = new Set<string>();
  private readonly wakers = new Set<() => void>();
  private listening: Promise<unknown> | undefined;
  private readonly pollMs: number;
  /** The window of newest events the live subscriptions share (postgres-tail.ts). */
  private readonly tail: PostgresTail;
  /** Stream heads this process wrote or read under lock: the fast path hashes against them. */
  private readonly heads = new HeadCache();

  constructor(private readonly options: PostgresEventStoreOptions) {
    this.pollMs = options.pollMs ?? 1000;
    this.timeoutMs = options.operationTimeoutMs ?? (options.connectTimeoutSeconds ?? 5) * 1000 + 2000;
    this.tail = new PostgresTail(
      (after, limit) => this.bounded('read the feed', this.readFeed({ after }, limit)),
      () => this.wokenTo,
      PAGE_SIZE,
      TAIL_EVENTS,
      this.pollMs / 2,
    );
    this.sql = postgres(options.url, {
      max: options.maxConnections ?? 10,
      connect_timeout: options.connectTimeoutSeconds ?? 5,
      backoff: reconnectDelay,
      onnotice: () => {},
      // Statements are prepared to save a round trip, but planned for their parameters each time: a
      // generic plan of a feed page (position > $1, unknown) may scan the whole table.
      connection: { plan_cache_mode: 'force_custom_plan' },
      // bigint columns as numbers: positions and revisions stay far below 2^53.
      types: {
        bigint: { to: 20, from: [20], serialize: (x: number) => String(x), parse: (x: string) => Number(x) },
      },
    }) as unknown as Sql;
  }

  // ---------------------------------------------------------------- plumbing

  private async ready(): Promise<void> {
    if (this.closed) throw new StoreUnavailableError('event store is closed');
    this.schema ??= this.sql
      .begin(async (tx) => {
        // One process creates the tables; the others wait, then find them.
        await tx.unsafe('SELECT pg_advisory_xact_lock(7418235160)');
        await tx.unsafe(SCHEMA_SQL);
      })
      .then(() => undefined)
      .catch((error: unknown) => {
        this.schema = undefined;
        throw error;
      });
    await this.schema;
  }

  private async run<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await this.bounded(
        'answer',
        this.ready().then(() => work()),
      );
    } catch (error) {
      throw toStoreError(error);
    }
  }

  private readonly timeoutMs: number;

  /** `work`, or `StoreUnavailableError` once it has taken `timeoutMs` (the work itself goes on, unawaited). */
  private bounded<T>(what: string, work: Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new StoreUnavailableError(`PostgreSQL event store unavailable: no ${what} in ${this.timeoutMs} ms`)),
        this.timeoutMs,
      );
    });
    work.catch(() => {}); // settled after the timeout: nobody listens any more
    return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
  }

  // ---------------------------------------------------------------- appends

  async append(stream: string, events: readonly NewEvent[], options: AppendOptions = {}): Promise<AppendResult> {
    assertStreamName(stream);
    const expected = options.expectedRevision ?? 'any';
    checkExpectedRevision(expected);
    if (!Array.isArray(events)) throw new TypeError('events must be an array');
    const prepared = events.map(prepareEvent);
    if (this.closed) throw new StoreUnavailableError('event store is closed');
    return new Promise<AppendResult>((resolve, reject) => {
      // Bounded: still queued at the deadline, it is dropped unwritten; in a commit, it may yet commit.
      const timer = setTimeout(() => {
        this.queue = this.queue.filter((q) => q !== queued);
        reject(new StoreUnavailableError(`PostgreSQL event store unavailable: no commit in ${this.timeoutMs} ms`));
      }, this.timeoutMs);
      const queued: Queued = {
        append: { stream, events: prepared, expected },
        resolve: (result) => {
          clearTimeout(timer);
          resolve(result);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      };
      this.queue.push(queued);
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => {
          this.scheduled = false;
          this.pump();
        });
      }
    });
  }

  /**
   * Starts commits of what is queued, up to `COMMITS_IN_FLIGHT` at once. An append on a stream with
   * a commit in flight waits for it (it chains onto the head that commit writes); the others go.
   */
  private pump(): void {
    while (this.inFlight < COMMITS_IN_FLIGHT && this.queue.length > 0) {
      const batch: Queued[] = [];
      const held: Queued[] = [];
      for (const q of this.queue) (this.committing.has(q.append.stream) ? held : batch).push(q);
      if (batch.length === 0) return;
      this.queue = held;
      for (const q of batch) this.committing.add(q.append.stream);
      this.inFlight++;
      void this.commit(batch).finally(() => {
        for (const q of batch) this.committing.delete(q.append.stream);
        this.inFlight--;
        if (this.inFlight === 0 && this.heldNotice > 0) {
          const position = this.heldNotice;
          this.heldNotice = 0;
          this.wake(position);
        }
        this.pump();
      });
    }
  }

  /** One group commit: the known heads' statement (or the lone one), then the locked transaction for the rest. */
  private async commit(batch: readonly Queued[]): Promise<void> {
    try {
      await this.ready();
      const lone = batch.length === 1 ? (batch[0] as Queued) : undefined;
      const rest = lone ? ((await this.commitLone(lone)) ? [] : batch) : await this.commitKnown(batch);
      if (rest.length > 0) await this.commitBatch(rest);
    } catch (error) {
      const failure = toStoreError(error);
      for (const q of batch) {
        this.heads.forget(q.append.stream);
        q.reject(failure);
      }
    }
  }

  /**
   * A lone append against a head this process knows: one auto-committed statement (see
   * postgres-append.ts). False when it did not apply (head unknown or moved): nothing was written.
   */
  private async commitLone(q: Queued): Promise<boolean> {
    const { stream, events, expected } = q.append;
    const known = this.heads.get(stream) ?? (expected === 'no_stream' ? NEW_STREAM : undefined);
    if (!known || events.length === 0 || !matchesExpected(expected, known.revision)) return false;
    const columns = chain(stream, known, events);
    let rows: Array<{ base: number }>;
    try {
      rows = await this.sql.unsafe<Array<{ base: number }>>(
        known.revision < 0 ? LONE_APPEND_NEW_STREAM_SQL : LONE_APPEND_SQL,
        loneAppendParameters(stream, known, columns) as never[],
        { prepare: true },
      );
    } catch (error) {
      if (!isDuplicateId(error)) throw error;
      q.reject(duplicateError(q, error));
      return true;
    }
    const [row] = rows;
    if (!row) {
      this.heads.forget(stream);
      return false;
    }
    const result = toResult(stream, columns, events, row.base);
    this.heads.set(stream, { revision: result.nextRevision, lastHash: columns.hashes.at(-1) ?? known.lastHash });
    this.committed([{ result, columns }]);
    q.resolve(result);
    return true;
  }

  /**
   * The appends of a batch on streams whose heads this process knows: one auto-committed statement
   * (postgres-append.ts, `KNOWN_HEADS_APPEND_SQL`). Answers what is left for the locked transaction:
   * appends on unknown heads, and those of streams another process moved meanwhile (nothing of
   * theirs was written). A duplicate id or a deadlock writes nothing: the locked transaction sorts
   * it out.
   */
  private async commitKnown(batch: readonly Queued[]): Promise<readonly Queued[]> {
    const { streams, rest } = planKnownHeads(
      batch.map((q) => q.append),
      (stream) => this.heads.get(stream),
    );
    if (streams.length === 0) return batch;
    let row: { base: number | null; written: string[] } | undefined;
    try {
      [row] = await this.sql.unsafe<Array<{ base: number | null; written: string[] }>>(
        KNOWN_HEADS_APPEND_SQL,
        knownHeadsParameters(streams) as never[],
        { prepare: true },
      );
    } catch (error) {
      if (isDuplicateId(error) || isRetryable(error)) return batch;
      throw error;
    }
    const written = new Set(row?.base == null ? [] : row.written);
    const left = new Set(rest);
    let next = (row?.base ?? 0) + 1;
    const feed: Committed[] = [];
    const done: Array<{ q: Queued; result: AppendResult }> = [];
    for (const s of streams) {
      if (!written.has(s.stream)) {
        this.heads.forget(s.stream);
        for (const a of s.appends) left.add(a.index);
        continue;
      }
      for (const { index, columns } of s.appends) {
        const q = batch[index] as Queued;
        const result = toResult(s.stream, columns, q.append.events, next - 1);
        next += columns.ids.length;
        feed.push({ result, columns });
        done.push({ q, result });
      }
      this.heads.set(s.stream, s.next);
    }
    this.committed(feed);
    for (const { q, result } of done) q.resolve(result);
    return batch.filter((_, i) => left.has(i));
  }

  private async commitBatch(batch: readonly Queued[]): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        const feed: Committed[] = [];
        const outcomes = await this.sql.begin((tx) => this.writeBatch(tx, batch, feed));
        this.committed(feed);
        outcomes.forEach((outcome, i) => {
          const q = batch[i] as Queued;
          if (outcome instanceof Error) q.reject(outcome);
          else q.resolve(outcome);
        });
        return;
      } catch (error) {
        for (const q of batch) this.heads.forget(q.append.stream);
        if (isRetryable(error) && attempt < MAX_RETRIES) continue;
        if (isDuplicateId(error) && batch.length > 1) {
          // Find the guilty append: each alone, in order.
          for (const q of batch) await this.commitBatch([q]).catch(() => {});
          return;
        }
        if (isDuplicateId(error) && batch.length === 1) {
          const q = batch[0] as Queued;
          q.reject(duplicateError(q, error));
          return;
        }
        throw error;
      }
    }
  }

  /** The locked transaction: any number of appends to any streams, each checked on its own. */
  private async writeBatch(tx: Tx, batch: readonly Queued[], feed: Committed[]): Promise<Array<AppendResult | Error>> {
    feed.length = 0;
    const names = [...new Set(batch.map((q) => q.append.stream))].sort();
    // 1. New streams get a row (revision -1) so there is something to lock; rows are locked in name
    //    order. Sent together (pipelined): one round trip.
    const [, rows] = await Promise.all([
      tx.unsafe(CREATE_STREAM_ROWS_SQL, [names, GENESIS_HASH], { prepare: true }),
      tx.unsafe<StreamRow[]>(LOCK_STREAMS_SQL, [names], { prepare: true }),
    ]);
    const heads = new Map(rows.map((r) => [r.stream, { revision: r.revision, lastHash: r.last_hash, position: r.position }]));

    // 2. Each append checked against its stream's head as the batch left it, then hashed.
    const outcomes: Array<AppendResult | Error> = [];
    const all: Array<{ stream: string; columns: EventColumns }> = [];
    const pending: Array<{ index: number; first: number; columns: EventColumns }> = [];
    let count = 0;
    for (const [index, { append }] of batch.entries()) {
      const head = heads.get(append.stream) ?? { revision: -1, lastHash: GENESIS_HASH, position: 0 };
      this.heads.set(append.stream, head);
      if (!matchesExpected(append.expected, head.revision)) {
        outcomes[index] = new WrongExpectedRevisionError(append.stream, append.expected, head.revision);
        continue;
      }
      if (append.events.length === 0) {
        outcomes[index] = { nextRevision: head.revision, position: head.position, events: [] };
        continue;
      }
      const columns = chain(append.stream, head, append.events);
      heads.set(append.stream, {
        revision: columns.revisions.at(-1) ?? head.revision,
        lastHash: columns.hashes.at(-1) ?? head.lastHash,
        position: -1,
      });
      all.push({ stream: append.stream, columns });
      pending.push({ index, first: count, columns });
      count += columns.ids.length;
    }
    if (count === 0) return outcomes;

    // 3. Last statement: positions from lt_head (row lock held to COMMIT), events, heads, notify.
    const [row] = await tx.unsafe<Array<{ base: number }>>(BATCH_INSERT_SQL, [count, ...eventParameters(all)] as never[], {
      prepare: true,
    });
    const base = row?.base ?? 0;
    for (const { index, first, columns } of pending) {
      const q = batch[index] as Queued;
      const result = toResult(q.append.stream, columns, q.append.events, base + first);
      this.heads.set(q.append.stream, { revision: result.nextRevision, lastHash: columns.hashes.at(-1) as string });
      outcomes[index] = result;
      feed.push({ result, columns });
    }
    return outcomes;
  }

  // ---------------------------------------------------------------- reads

  async readStream(stream: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    assertStreamName(stream);
    const backward = options.direction === 'backward';
    const read: StreamRead = {
      stream,
      from: options.fromRevision ?? (backward ? null : 0),
      limit: options.maxCount ?? null,
      resolve: () => {},
      reject: () => {},
    };
    return this.run(
      () =>
        new Promise<RecordedEvent[]>((resolve, reject) => {
          read.resolve = resolve;
          read.reject = reject;
          const queue = backward ? this.backwardReads : this.forwardReads;
          queue.push(read);
          if (queue.length === 1) setImmediate(() => void this.readStreams(backward));
        }),
    );
  }

  /** Stream reads asked in one turn, sent as one statement per direction when there are several. */
  private forwardReads: StreamRead[] = [];
  private backwardReads: StreamRead[] = [];

  /**
   * The stream reads of this turn: one statement for all of them (each stream's page through a
   * lateral join, in one snapshot), like the appends' group commit: commands that load their
   * aggregates at once cost one round trip and one socket write, not one each.
   */
  private async readStreams(backward: boolean): Promise<void> {
    const reads = backward ? this.backwardReads : this.forwardReads;
    if (backward) this.backwardReads = [];
    else this.forwardReads = [];
    try {
      if (reads.length === 1) {
        const [{ stream, from, limit }] = reads as [StreamRead];
        const rows = await this.sql.unsafe<EventRow[]>(backward ? READ_BACKWARD_SQL : READ_FORWARD_SQL, [stream, from, limit], {
          prepare: true,
        });
        reads[0]?.resolve(rows.map(toRecorded));
        return;
      }
      const rows = await this.sql.unsafe<Array<EventRow & { n: number }>>(
        backward ? READ_MANY_BACKWARD_SQL : READ_MANY_FORWARD_SQL,
        [reads.map((r) => r.stream), reads.map((r) => r.from), reads.map((r) => r.limit)] as never[],
        { prepare: true },
      );
      const pages: RecordedEvent[][] = reads.map(() => []);
      for (const row of rows) pages[row.n - 1]?.push(toRecorded(row));
      reads.forEach((r, i) => r.resolve(pages[i] ?? []));
    } catch (error) {
      for (const r of reads) r.reject(error);
    }
  }

  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    return this.run(async () => (await this.readPage(options, options.maxCount ?? null)).events);
  }

  /** One page of the feed after `after`, filtered; `scannedTo` for the subscriptions. */
  private async readPage(options: SubscribeOptions, limit: number | null): Promise<{ events: RecordedEvent[]; scannedTo: number }> {
    const after = options.after ?? 0;
    const prefixes = options.streamPrefixes ?? null;
    const types = options.eventTypes ?? null;
    const rows = await this.sql.unsafe<EventRow[]>(
      `SELECT ${EVENT_COLUMNS} FROM lt_events
       WHERE position > $1
         AND ($2::text[] IS NULL OR EXISTS (SELECT 1 FROM unnest($2::text[]) AS p WHERE starts_with(stream, p)))
         AND ($3::text[] IS NULL OR type = ANY($3::text[]))
       ORDER BY position LIMIT $4`,
      [after, prefixes as string[] | null, types as string[] | null, limit],
      { prepare: true },
    );
    return { events: rows.map(toRecorded), scannedTo: rows.at(-1)?.position ?? after };
  }

  /**
   * A subscription's page and the head, in one statement (one snapshot). Transactions that append
   * commit in position order, so a snapshot sees every position up to the head it sees: a short
   * page (filtered or not) has scanned to that head.
   */
  private async readLivePage(options: SubscribeOptions): Promise<{ events: RecordedEvent[]; scannedTo: number }> {
    const after = options.after ?? 0;
    const { events, head } = await this.readFeed(options, PAGE_SIZE);
    return { events, scannedTo: events.length < PAGE_SIZE ? Math.max(after, head) : (events.at(-1)?.position ?? after) };
  }

  /** Up to `limit` events after `options.after`, filtered, and the head, in one snapshot. */
  private async readFeed(options: SubscribeOptions, limit: number): Promise<{ events: RecordedEvent[]; head: number }> {
    const after = options.after ?? 0;
    const rows = await this.sql.unsafe<Array<{ head: number } & (EventRow | { [K in keyof EventRow]: null })>>(
      `SELECT h.position AS head, e.* FROM lt_head h
       LEFT JOIN LATERAL (
         SELECT ${EVENT_COLUMNS} FROM lt_events
         WHERE position > $1
           AND ($2::text[] IS NULL OR EXISTS (SELECT 1 FROM unnest($2::text[]) AS p WHERE starts_with(stream, p)))
           AND ($3::text[] IS NULL OR type = ANY($3::text[]))
         ORDER BY position LIMIT $4
       ) e ON true
       WHERE h.id = 1 ORDER BY e.position`,
      [after, (options.streamPrefixes ?? null) as string[] | null, (options.eventTypes ?? null) as string[] | null, limit],
      { prepare: true },
    );
    const events = rows.flatMap((row) => (row.position === null ? [] : [toRecorded(row as EventRow)]));
    return { events, head: rows[0]?.head ?? after };
  }

  subscribeToAll(options: SubscribeOptions = {}): Subscription {
    let closed = false;
    let wake: (() => void) | undefined;
    const close = async (): Promise<void> => {
      closed = true;
      wake?.();
    };
    const sleep = (store: PostgresEventStore, ms: number): Promise<void> =>
      new Promise<void>((resolve) => {
        const done = (): void => {
          clearTimeout(timer);
          store.wakers.delete(done);
          wake = undefined;
          resolve();
        };
        const timer = setTimeout(done, ms);
        store.wakers.add(done);
        wake = done;
      });

    const filter = tailFilter(options);
    async function* iterate(store: PostgresEventStore): AsyncGenerator<RecordedEvent> {
      let after = options.after ?? 0;
      let notices: number;
      while (!closed && !store.closed) {
        let page;
        try {
          await store.ready();
          store.startListening();
          notices = store.notices;
          page = (await store.tail.page(after, filter)) ?? (await store.bounded('read', store.readLivePage({ ...options, after })));
        } catch (error) {
          if (store.closed || closed) return;
          if (!isUnavailable(error)) throw toStoreError(error);
          // Server down or restarting: wait, then carry on from the same position.
          await sleep(store, store.pollMs);
          continue;
        }
        for (const event of page.events) {
          if (closed) return;
          yield event;
        }
        after = Math.max(after, page.scannedTo);
        if (page.events.length === PAGE_SIZE || store.notices !== notices) continue;
        await sleep(store, store.pollMs);
      }
    }

    let started = false;
    const start = (): AsyncIterator<RecordedEvent> => {
      if (started) throw new Error('a subscription can be iterated only once');
      started = true;
      return iterate(this);
    };
    return { close, [Symbol.asyncIterator]: start };
  }

  /** Notifications heard so far (a subscription compares before and after a read). */
  private notices = 0;
  /** The newest position subscriptions were woken for. */
  private wokenTo = 0;

  /**
   * This process's own commit, its events in position order: the live window takes them when it
   * reaches the first (no read of the feed for them), and the subscriptions wake at once.
   */
  private committed(appends: readonly Committed[]): void {
    const written = appends.filter((a) => a.result.events.length > 0).sort((a, b) => a.result.position - b.result.position);
    const first = written[0]?.result.events[0];
    const last = written.at(-1);
    if (!first || !last) return;
    // Parsed only when the window takes them.
    if (this.tail.follows(first.position)) this.tail.take(written.flatMap((a) => asRead(a.result, a.columns)));
    this.wake(last.result.position);
  }

  /**
   * Wakes the live subscriptions for a head at `position`: on this process's own commits at once
   * (no wait for the notification), on other processes' by NOTIFY; the NOTIFY of a commit already
   * woken for is ignored.
   */
  private wake(position: number): void {
    if (Number.isFinite(position) && position <= this.wokenTo) return;
    if (Number.isFinite(position)) this.wokenTo = position;
    this.notices++;
    for (const wake of [...this.wakers]) wake();
  }

  /**
   * A notification. While this process has commits in flight it may be one of theirs, arriving
   * before the commit's own answer (which hands the window its events without a read): it is held
   * until they are done, then wakes the subscriptions only if it names a position beyond them. A
   * commit of another process in between still reaches them at once: the next own commit does not
   * follow on from the window's end, and the window reads.
   */
  private notified(position: number): void {
    if (this.inFlight > 0 && Number.isFinite(position)) this.heldNotice = Math.max(this.heldNotice, position);
    else this.wake(position);
  }

  /** The newest position notified while commits were in flight. */
  private heldNotice = 0;

  private startListening(): void {
    if (this.listening || this.options.listen === false) return;
    this.listening = this.sql
      .listen(NOTIFY_CHANNEL, (payload) => this.notified(Number(payload)))
      .catch(() => {
        // No LISTEN (yet): polling carries on; try again on the next subscription read.
        this.listening = undefined;
      });
  }

  private async headPositionRaw(): Promise<number> {
    const [row] = await this.sql.unsafe<Array<{ position: number }>>('SELECT position FROM lt_head WHERE id = 1');
    return row?.position ?? 0;
  }

  async streamInfo(stream: string): Promise<StreamInfo | null> {
    assertStreamName(stream);
    return this.run(async () => {
      const [row] = await this.sql.unsafe<StreamInfoRow[]>(
        `SELECT ${STREAM_COLUMNS} FROM lt_streams s WHERE s.stream = $1 AND s.revision >= 0`,
        [stream],
        { prepare: true },
      );
      return row ? toStreamInfo(row) : null;
    });
  }

  async listStreams(options: ListStreamsOptions = {}): Promise<StreamInfo[]> {
    return this.run(async () => {
      const rows = await this.sql.unsafe<StreamInfoRow[]>(
        `SELECT ${STREAM_COLUMNS} FROM lt_streams s
         WHERE s.revision >= 0 AND ($1::text IS NULL OR starts_with(s.stream, $1)) AND ($2::text IS NULL OR s.stream > $2)
         ORDER BY s.stream LIMIT $3`,
        [options.prefix ?? null, options.after ?? null, options.limit ?? null],
        { prepare: true },
      );
      return rows.map(toStreamInfo);
    });
  }

  async getStreamMetadata(stream: string): Promise<StreamMetadata | null> {
    assertStreamName(stream);
    return this.run(async () => {
      const [row] = await this.sql.unsafe<Array<{ metadata: string | null }>>(
        'SELECT metadata FROM lt_streams WHERE stream = $1',
        [stream],
        {
          prepare: true,
        },
      );
      return row?.metadata ? (JSON.parse(row.metadata) as StreamMetadata) : null;
    });
  }

  async setStreamMetadata(stream: string, metadata: StreamMetadata): Promise<void> {
    assertStreamName(stream);
    const text = JSON.stringify(metadata);
    await this.run(async () => {
      await this.sql.unsafe(
        `INSERT INTO lt_streams (stream, last_hash, metadata) VALUES ($1, $2, $3)
         ON CONFLICT (stream) DO UPDATE SET metadata = EXCLUDED.metadata`,
        [stream, GENESIS_HASH, text],
        { prepare: true },
      );
    });
  }

  async headPosition(): Promise<number> {
    return this.run(() => this.headPositionRaw());
  }

  async ping(): Promise<void> {
    await this.run(async () => {
      await this.sql.unsafe('SELECT 1');
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const wake of [...this.wakers]) wake();
    // Appends already queued are committed (or fail) before the connections end.
    const deadline = Date.now() + this.timeoutMs;
    while ((this.scheduled || this.inFlight > 0 || this.queue.length > 0) && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 5));
    await this.sql.end({ timeout: 5 }).catch(() => {});
  }
}

interface StreamInfoRow {
  readonly stream: string;
  readonly revision: number;
  readonly position: number;
  readonly last_hash: string;
  readonly created_at: Date;
  readonly updated_at: Date;
}

const STREAM_COLUMNS = `s.stream, s.revision, ${STREAM_POSITION} AS position, s.last_hash, s.created_at, s.updated_at`;

function toStreamInfo(row: StreamInfoRow): StreamInfo {
  return {
    stream: row.stream,
    revision: row.revision,
    position: row.position,
    lastHash: row.last_hash,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}
