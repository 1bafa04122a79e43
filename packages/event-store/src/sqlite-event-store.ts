/**
 * The embedded event store: one SQLite file (WAL). Appends are group-committed
 * (`group-commit.ts`): every append that arrives while a commit is pending joins one
 * `BEGIN IMMEDIATE` transaction, each checked against its own expected revision
 * (`sqlite-append.ts`), so one fsync serves many writers. Heads are re-read inside that
 * transaction, so several processes can share the file safely.
 *
 * At `sync: 'full'` the WAL is fsynced by the store (`sqlite-wal-sync.ts`) before any append of a
 * batch resolves, and appends arriving during an fsync wait for it, then share one commit.
 * Readers of the feed (subscriptions, `readAll`, `headPosition`) see events only once they are
 * synced; `readStream` and `streamInfo` see the latest commit (a command deciding on it appends
 * after it, and that append is synced after it). Seals: `sqlite-seal-schedule.ts`.
 *
 * Live subscriptions share one tail (`SharedTail`): each new page of the feed is read and parsed
 * once for all of them, then filtered in memory; catching up, each reads its own pages.
 */
import Database from 'better-sqlite3';
import { StoreUnavailableError } from './errors.js';
import { checkExpectedRevision } from './expected-revision.js';
import { GroupCommit } from './group-commit.js';
import { GENESIS_HASH } from './hash.js';
import { createPollingSubscription } from './polling-subscription.js';
import type { Page } from './polling-subscription.js';
import { SharedTail, tailFilter } from './shared-tail.js';
import { AppendedRows } from './sqlite-appended.js';
import { applyAppend, assertStreamName, prepareEvent, type Head, type PendingAppend } from './sqlite-append.js';
import { SealSchedule } from './sqlite-seal-schedule.js';
import type { SealingOptions } from './sqlite-seals.js';
import { EVENT_COLUMNS, applyPragmas, applySchema, prefixGlob, toRecorded, toStoreError, toStreamInfo } from './sqlite-schema.js';
import type { EventRow, SyncMode } from './sqlite-schema.js';
import { prepareStatements, type Statements } from './sqlite-statements.js';
import { WalSync } from './sqlite-wal-sync.js';
import { checkpointInBackground } from './wal-checkpointer.js';
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

/** The part of a pino logger the store uses. */
export interface EventStoreLogger {
  /** Said when the store will not be sealed until an operator acts (warn when absent). */
  error?(details: object, message?: string): void;
  warn(details: object, message?: string): void;
  debug?(details: object, message?: string): void;
}

export interface SqliteEventStoreOptions {
  /** Path of the database file (created when missing; its directory must exist). */
  readonly file: string;
  /** `full` (default): durable across power loss when `append` resolves; `normal`: across process crashes. */
  readonly sync?: SyncMode;
  readonly logger?: EventStoreLogger;
  /** How often live subscriptions look for appends made by other processes (ms, default 250). */
  readonly pollMs?: number;
  /**
   * Signs seals over the events with this key (see `sqlite-seals.ts`); without it nothing is
   * sealed, so every process that appends to a sealed store must be given it.
   */
  readonly sealing?: SealingOptions;
}

export function createSqliteEventStore(options: SqliteEventStoreOptions): EventStore {
  return new SqliteEventStore(options);
}

const PAGE_SIZE = 500;
/** Most events the shared tail of live subscriptions holds before slow ones read their own pages. */
const TAIL_MAX_EVENTS = 5_000;
const NO_LIMIT = -1;

class SqliteEventStore implements EventStore {
  private readonly db: Database.Database;
  private readonly logger: EventStoreLogger | undefined;
  /** Stops the background WAL checkpoints (before the connection closes). */
  private unwatchWal: () => void = () => {};
  private readonly pollMs: number;
  private readonly s: Statements;
  private readonly readAllStatements = new Map<string, Database.Statement<unknown[], EventRow>>();
  private readonly commits: GroupCommit<PendingAppend, AppendResult>;
  private closed = false;
  private readonly appendListeners = new Set<() => void>();
  private readonly subscriptions = new Set<Subscription>();
  /** Append notices so far (local commits, syncs). */
  private appendCount = 0;
  private readonly tail: SharedTail;
  /** What this instance committed, for the tail (not read back). */
  private readonly appended = new AppendedRows();
  /** The WAL, fsynced by us after commits (sync full); null when SQLite syncs itself. */
  private wal: WalSync | null = null;
  private seals: SealSchedule | null = null;

  constructor(options: SqliteEventStoreOptions) {
    this.logger = options.logger;
    this.pollMs = options.pollMs ?? 250;
    try {
      this.db = new Database(options.file);
      applyPragmas(this.db, 'normal');
      applySchema(this.db);
      this.s = prepareStatements(this.db);
      if ((options.sync ?? 'full') === 'full') {
        this.wal = WalSync.open(this.db, {
          head: () => this.s.headPosition.get()?.p ?? 0,
          isOpen: () => this.db.open,
          onSynced: () => this.notifyAppended(),
          onIdle: () => this.commits.release(),
          warn: (details, message) => this.logger?.warn(details, message),
        });
      }
      this.unwatchWal = checkpointInBackground(this.db);
    } catch (error) {
      // Whatever stops the file from opening (missing directory, permissions, not a database) is unavailability.
      throw new StoreUnavailableError(`event store: cannot open ${options.file}: ${(error as Error).message}`, { cause: error });
    }
    this.commits = new GroupCommit({
      commit: (batch, outcomes) => this.commitBatch(batch, outcomes),
      durable: (size) => this.makeDurable(size),
      held: () => this.wal?.busy ?? false,
      closedError: () => new StoreUnavailableError('event store is closed'),
    });
    if (options.sealing) {
      try {
        this.seals = new SealSchedule(this.db, this.s, options.sealing, this.wal, this.logger);
      } catch (error) {
        this.unwatchWal();
        this.db.close();
        this.wal?.close();
        throw toStoreError(error, 'sealing on open');
      }
    }
    this.tail = new SharedTail({
      read: (after, limit) => {
        const head = this.feedHead();
        // This instance's own commits come from memory; from the first position they do not
        // cover (another writer's, an undone append's), the file.
        const local = this.appended.take(after, head, limit);
        const last = local.length > 0 ? local[local.length - 1]![0] : after;
        if (local.length >= limit || last >= head) return { events: local.map(toRecorded), head };
        const rest = this.selectAll({}, last, head, limit - local.length);
        return { events: (local.length === 0 ? rest : local.concat(rest)).map(toRecorded), head };
      },
      pageSize: PAGE_SIZE,
      maxEvents: TAIL_MAX_EVENTS,
      refreshMs: this.pollMs / 2,
    });
  }

  /** Tells the shared tail, then wakes live subscriptions. */
  private notifyAppended(): void {
    this.appendCount += 1;
    this.tail.invalidate();
    for (const listener of this.appendListeners) listener();
  }

  append(stream: string, events: readonly NewEvent[], options: AppendOptions = {}): Promise<AppendResult> {
    let pending: PendingAppend;
    try {
      this.assertOpen();
      assertStreamName(stream);
      const expected = options.expectedRevision ?? 'any';
      checkExpectedRevision(expected);
      // Serialise before queueing: a bad payload rejects only its own append.
      pending = { stream, expected, events: events.map(prepareEvent) };
    } catch (error) {
      return Promise.reject(error);
    }
    return this.commits.submit(pending);
  }

  /** Every queued append in one transaction, with the seal that falls due in it. */
  private commitBatch(batch: readonly PendingAppend[], outcomes: Array<ReturnType<typeof applyAppend>>): void {
    try {
      this.s.begin.run();
      const now = new Date().toISOString();
      const heads = new Map<string, Head>();
      for (const p of batch) outcomes.push(applyAppend(this.s, p, heads));
      for (const [stream, head] of heads) {
        if (head.changed) this.s.upsertHead.run(stream, head.revision, head.position, head.lastHash, now, now);
      }
      this.seals?.inTransaction();
      this.s.commit.run();
      this.appended.add(batch, outcomes);
    } catch (cause) {
      if (this.db.open && this.db.inTransaction) this.s.rollback.run();
      const error = toStoreError(cause, 'append');
      this.logger?.warn({ err: error, appends: batch.length }, 'event store: batch commit failed');
      throw error;
    }
  }

  /** Durable before anyone hears of it: the sync wakes subscriptions, then the appends resolve. */
  private makeDurable(size: number): void | Promise<void> {
    if (this.wal === null) {
      this.notifyAppended();
      return;
    }
    const failed = (cause: unknown): never => {
      const error = toStoreError(cause, 'append (fsync)');
      this.logger?.warn({ err: error, appends: size }, 'event store: fsync after commit failed');
      throw error instanceof StoreUnavailableError
        ? error
        : new StoreUnavailableError(`event store: fsync failed: ${(cause as Error).message}`, { cause });
    };
    try {
      return this.wal.afterCommit(size)?.catch(failed);
    } catch (cause) {
      return failed(cause);
    }
  }

  /** The highest position readers of the feed may see. */
  private feedHead(): number {
    const head = this.s.headPosition.get()?.p ?? 0;
    return this.wal ? this.wal.visibleHead(head) : head;
  }

  async readStream(stream: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    return this.run('readStream', () => {
      const limit = options.maxCount ?? NO_LIMIT;
      const rows =
        options.direction === 'backward'
          ? this.s.readBackward.all(stream, options.fromRevision ?? Number.MAX_SAFE_INTEGER, limit)
          : limit === NO_LIMIT
            ? this.s.readForwardAll.all(stream, options.fromRevision ?? 0)
            : this.s.readForward.all(stream, options.fromRevision ?? 0, limit);
      return rows.map(toRecorded);
    });
  }

  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    return this.run('readAll', () =>
      this.selectAll(options, options.after ?? 0, this.feedHead(), options.maxCount ?? NO_LIMIT).map(toRecorded),
    );
  }

  private selectAll(filters: SubscribeOptions, after: number, upTo: number, limit: number): EventRow[] {
    const prefixes = filters.streamPrefixes ?? [];
    const types = filters.eventTypes ?? [];
    const key = `${prefixes.length}:${types.length}`;
    let statement = this.readAllStatements.get(key);
    if (!statement) {
      let sql = `SELECT ${EVENT_COLUMNS} FROM events WHERE position > ? AND position <= ?`;
      if (prefixes.length > 0) sql += ` AND (${prefixes.map(() => 'stream GLOB ?').join(' OR ')})`;
      if (types.length > 0) sql += ` AND type IN (${types.map(() => '?').join(', ')})`;
      statement = this.db.prepare<unknown[], EventRow>(`${sql} ORDER BY position LIMIT ?`).raw(true);
      this.readAllStatements.set(key, statement);
    }
    return statement.all(after, upTo, ...prefixes.map(prefixGlob), ...types, limit);
  }

  subscribeToAll(options: SubscribeOptions = {}): Subscription {
    this.assertOpen();
    const filter = tailFilter(options);
    const self = {};
    let live = false;
    // Once caught up, served from the tail shared by every subscription; until then, or after
    // falling out of the tail's window, pages of its own (filtered in SQL: only matches are parsed).
    const readPage = (after: number): Page => {
      if (live) {
        const shared = this.tail.page(self, after, filter, PAGE_SIZE);
        if (shared) return shared;
        live = false;
      }
      const head = this.feedHead();
      const events = this.selectAll(options, after, head, PAGE_SIZE).map(toRecorded);
      const caughtUp = events.length < PAGE_SIZE;
      const page = { events, caughtUp, scannedTo: caughtUp ? head : (events.at(-1)?.position ?? after) };
      this.tail.track(self, page.scannedTo);
      live = caughtUp;
      return page;
    };
    const subscription: Subscription = createPollingSubscription(
      {
        readPage: (after) => this.runSync('subscribeToAll', () => readPage(after)),
        onAppend: (wake) => {
          this.appendListeners.add(wake);
          return () => this.appendListeners.delete(wake);
        },
        appends: () => this.appendCount,
      },
      {
        after: options.after ?? 0,
        pollMs: this.pollMs,
        onEnd: () => {
          this.subscriptions.delete(subscription);
          this.tail.forget(self);
        },
      },
    );
    this.subscriptions.add(subscription);
    return subscription;
  }

  async streamInfo(stream: string): Promise<StreamInfo | null> {
    return this.run('streamInfo', () => {
      const row = this.s.head.get(stream);
      return row && row.revision >= 0 ? toStreamInfo(row) : null;
    });
  }

  async listStreams(options: ListStreamsOptions = {}): Promise<StreamInfo[]> {
    return this.run('listStreams', () =>
      this.s.listStreams.all(prefixGlob(options.prefix ?? ''), options.after ?? '', options.limit ?? NO_LIMIT).map(toStreamInfo),
    );
  }

  async getStreamMetadata(stream: string): Promise<StreamMetadata | null> {
    return this.run('getStreamMetadata', () => {
      const text = this.s.getMetadata.get(stream)?.metadata;
      return typeof text === 'string' ? (JSON.parse(text) as StreamMetadata) : null;
    });
  }

  async setStreamMetadata(stream: string, metadata: StreamMetadata): Promise<void> {
    await this.run('setStreamMetadata', () => {
      assertStreamName(stream);
      const now = new Date().toISOString();
      this.s.setMetadata.run(stream, GENESIS_HASH, now, now, JSON.stringify(metadata));
    });
    if (this.wal) await this.wal.sync().catch((cause: unknown) => Promise.reject(toStoreError(cause, 'setStreamMetadata (fsync)')));
  }

  async headPosition(): Promise<number> {
    return this.run('headPosition', () => this.feedHead());
  }

  async ping(): Promise<void> {
    return this.run('ping', () => {
      this.s.ping.get();
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    // Appends already accepted are committed, not dropped.
    this.commits.close();
    this.closed = true;
    await this.wal?.settled();
    this.seals?.close();
    await Promise.all([...this.subscriptions].map((s) => s.close()));
    this.tail.close();
    this.appended.clear();
    this.unwatchWal();
    this.db.close();
    this.wal?.close();
  }

  private assertOpen(): void {
    if (this.closed) throw new StoreUnavailableError('event store is closed');
  }

  private run<T>(what: string, work: () => T): Promise<T> {
    try {
      return Promise.resolve(this.runSync(what, work));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  private runSync<T>(what: string, work: () => T): T {
    this.assertOpen();
    try {
      return work();
    } catch (error) {
      throw toStoreError(error, what);
    }
  }
}
