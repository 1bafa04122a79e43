/**
 * The embedded event store: one SQLite file (WAL). Appends are group-committed: every append
 * that arrives while a commit is pending joins one `BEGIN IMMEDIATE` transaction, each checked
 * against its own expected revision, so one fsync serves many writers. Heads are re-read inside
 * that transaction, so several processes can share the file safely.
 *
 * At `sync: 'full'` the commit itself does not wait for the disk: SQLite runs at NORMAL (WAL
 * written, not synced) and the WAL file is fsynced on the libuv thread pool, one fsync for every
 * commit made meanwhile, before any append of the batch resolves. The event loop keeps serving
 * during the fsync, and appends arriving meanwhile wait for it, then share one commit. A lone
 * append on a disk that syncs in well under a millisecond is fsynced inline instead (cheaper
 * than the round trip to the pool). Readers of the feed (subscriptions, `readAll`, `headPosition`) see events only
 * once they are synced, as with SQLite's own FULL; `readStream` and `streamInfo` see the latest
 * commit (a command deciding on it appends after it, and that append is synced after it).
 *
 * Live subscriptions share one tail (`SharedTail`): each new page of the feed is read and parsed
 * once for all of them, then filtered in memory; catching up, each reads its own pages.
 */
import { randomUUID } from 'node:crypto';
import { closeSync, fsync, fsyncSync, openSync } from 'node:fs';
import Database from 'better-sqlite3';
import { canonicalJson, hashCanonical } from './canonical.js';
import { DuplicateEventIdError, StoreUnavailableError, WrongExpectedRevisionError } from './errors.js';
import { GENESIS_HASH } from './hash.js';
import { createPollingSubscription } from './polling-subscription.js';
import type { Page } from './polling-subscription.js';
import { SharedTail, tailFilter } from './shared-tail.js';
import { checkpointInBackground } from './wal-checkpointer.js';
import { SqliteSealer, type SealOutcome, type SealWhen, type SealingOptions } from './sqlite-seals.js';
import {
  EVENT_COLUMNS, applyPragmas, applySchema, isDuplicateIdError, prefixGlob, toRecorded, toStoreError, toStreamInfo,
} from './sqlite-schema.js';
import type { EventRow, StreamRow, SyncMode } from './sqlite-schema.js';
import { checkExpectedRevision, matchesExpected } from './expected-revision.js';
import type {
  AppendOptions, AppendResult, EventMetadata, EventStore, ListStreamsOptions, NewEvent, ReadAllOptions,
  ReadStreamOptions, RecordedEvent, StreamInfo, StreamMetadata, SubscribeOptions, Subscription, ExpectedRevision,
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

interface PreparedEvent {
  readonly id: string;
  readonly type: string;
  readonly data: unknown;
  readonly metadata: EventMetadata;
  readonly dataJson: string;
  readonly metadataJson: string;
}

interface PendingAppend {
  readonly stream: string;
  readonly events: readonly PreparedEvent[];
  readonly expected: ExpectedRevision;
  readonly resolve: (result: AppendResult) => void;
  readonly reject: (error: unknown) => void;
}

interface Head {
  revision: number;
  position: number;
  lastHash: string;
  changed: boolean;
}

type Outcome = { readonly ok: true; readonly result: AppendResult } | { readonly ok: false; readonly error: unknown };

const PAGE_SIZE = 500;
/** Below this fsync time (ms) blocking for it costs less than a thread-pool round trip. */
const INLINE_FSYNC_MS = 0.5;
const PROBE_EVERY = 100;
/** Most events the shared tail of live subscriptions holds before slow ones read their own pages. */
const TAIL_MAX_EVENTS = 5_000;
const NO_LIMIT = -1;

class SqliteEventStore implements EventStore {
  private readonly db: Database.Database;
  private readonly logger: EventStoreLogger | undefined;
  /** Stops the background WAL checkpoints (before the connection closes). */
  private unwatchWal: () => void = () => {};
  private readonly pollMs: number;
  private readonly s;
  private readonly readAllStatements = new Map<string, Database.Statement<unknown[], EventRow>>();
  private queue: PendingAppend[] = [];
  private flushScheduled = false;
  private closed = false;
  private readonly appendListeners = new Set<() => void>();
  private readonly subscriptions = new Set<Subscription>();
  /** Append notices so far (local commits, syncs). */
  private appendCount = 0;
  private readonly tail: SharedTail;
  /** The WAL file, fsynced by us after commits (sync full); null when SQLite syncs itself. */
  private walFd: number | null = null;
  /** Every position up to this one is on disk (sync full). */
  private syncedHead = 0;
  private syncInFlight: Promise<void> | null = null;
  private syncQueued: Promise<void> | null = null;
  /** Appends wait for the fsync in flight before they commit (see `flush`). */
  private flushAfterSync = false;
  /** Recent inline fsync time (ms, moving average); a lone append fsyncs inline while it is short. */
  private fsyncMs = 0;
  /** While fsyncs are slow: lone appends left to sync on the pool before one probes inline again. */
  private poolUntilProbe = 0;
  /** null without a key, and once sealing stopped (a store to adopt, a gap after the last seal). */
  private sealer: SqliteSealer | null = null;
  private sealTimer: NodeJS.Timeout | undefined;
  /** Said once: a store that ends before its last seal would otherwise warn on every commit. */
  private warnedBehind = false;

  constructor(options: SqliteEventStoreOptions) {
    this.logger = options.logger;
    this.pollMs = options.pollMs ?? 250;
    try {
      this.db = new Database(options.file);
      applyPragmas(this.db, 'normal');
      applySchema(this.db);
      if ((options.sync ?? 'full') === 'full') {
        if (this.db.pragma('journal_mode', { simple: true }) !== 'wal') applyPragmas(this.db, 'full'); // no WAL file: SQLite syncs
        else {
          const head = (this.db.prepare('SELECT COALESCE(MAX(position), 0) AS p FROM events').get() as { p: number }).p;
          this.walFd = openSync(`${this.db.name}-wal`, 'r');
          // Whatever an earlier process left in the WAL is on disk before we serve it.
          fsyncSync(this.walFd);
          this.syncedHead = head;
        }
      }
      this.unwatchWal = checkpointInBackground(this.db);
    } catch (error) {
      // Whatever stops the file from opening (missing directory, permissions, not a database) is unavailability.
      throw new StoreUnavailableError(`event store: cannot open ${options.file}: ${(error as Error).message}`, { cause: error });
    }
    const db = this.db;
    this.s = {
      begin: db.prepare('BEGIN IMMEDIATE'),
      commit: db.prepare('COMMIT'),
      rollback: db.prepare('ROLLBACK'),
      deleteFrom: db.prepare('DELETE FROM events WHERE position >= ?'),
      head: db.prepare<[string], StreamRow>(
        'SELECT stream, revision, position, last_hash, created_at, updated_at FROM streams WHERE stream = ?',
      ),
      insert: db.prepare(
        'INSERT INTO events (id, stream, revision, type, data, metadata, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      ),
      upsertHead: db.prepare(
        `INSERT INTO streams (stream, revision, position, last_hash, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (stream) DO UPDATE SET revision = excluded.revision, position = excluded.position,
           last_hash = excluded.last_hash, updated_at = excluded.updated_at,
           created_at = CASE WHEN streams.revision < 0 THEN excluded.created_at ELSE streams.created_at END`,
      ),
      readForward: db.prepare<[string, number, number], EventRow>(
        `SELECT ${EVENT_COLUMNS} FROM events WHERE stream = ? AND revision >= ? ORDER BY revision LIMIT ?`,
      ).raw(true),
      readBackward: db.prepare<[string, number, number], EventRow>(
        `SELECT ${EVENT_COLUMNS} FROM events WHERE stream = ? AND revision <= ? ORDER BY revision DESC LIMIT ?`,
      ).raw(true),
      // Whole-stream reads (every command's load) without a LIMIT: a bound `LIMIT -1` costs SQLite
      // more than the index seek of an empty stream itself.
      readForwardAll: db.prepare<[string, number], EventRow>(
        `SELECT ${EVENT_COLUMNS} FROM events WHERE stream = ? AND revision >= ? ORDER BY revision`,
      ).raw(true),
      listStreams: db.prepare<[string, string, number], StreamRow>(
        `SELECT stream, revision, position, last_hash, created_at, updated_at FROM streams
         WHERE revision >= 0 AND stream GLOB ? AND stream > ? ORDER BY stream LIMIT ?`,
      ),
      getMetadata: db.prepare<[string], { metadata: string | null }>('SELECT metadata FROM streams WHERE stream = ?'),
      setMetadata: db.prepare(
        `INSERT INTO streams (stream, revision, position, last_hash, created_at, updated_at, metadata)
         VALUES (?, -1, 0, ?, ?, ?, ?) ON CONFLICT (stream) DO UPDATE SET metadata = excluded.metadata`,
      ),
      headPosition: db.prepare<[], { p: number }>('SELECT COALESCE(MAX(position), 0) AS p FROM events'),
      ping: db.prepare('SELECT 1'),
      // After undoing an append's rows: the next append takes the freed positions (no gap for verify to report).
      rewindPositions: db.prepare("UPDATE sqlite_sequence SET seq = ? WHERE name = 'events'"),
    };
    if (options.sealing) {
      this.sealer = new SqliteSealer(db, options.sealing);
      try {
        // An empty store is sealed at 0, a crash's unsealed tail now; a store with events and no
        // seal is not sealed at all until an operator adopts it (`noteSeal` stops the sealer).
        this.sealNow('any');
      } catch (error) {
        this.unwatchWal();
        db.close();
        if (this.walFd !== null) closeSync(this.walFd);
        throw toStoreError(error, 'sealing on open');
      }
      if (this.sealer) this.sealTimer = setInterval(() => this.sealOnTimer(), this.sealer.intervalMs).unref();
    }
    this.tail = new SharedTail({
      read: (after, limit) => {
        const head = this.feedHead();
        return { events: this.selectAll({}, after, head, limit).map(toRecorded), head };
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
    let pending: Omit<PendingAppend, 'resolve' | 'reject'>;
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
    return new Promise<AppendResult>((resolve, reject) => {
      this.queue.push({ ...pending, resolve, reject });
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  /**
   * Commits every queued append in one transaction. At sync full, not while an fsync is in
   * flight: each commit needs an fsync after it anyway, so appends arriving meanwhile wait for it
   * and then share one commit (fewer, larger transactions for the same latency). `force` (close)
   * commits at once.
   */
  private flush(force = false): void {
    this.flushScheduled = false;
    if (!force && this.walFd !== null && (this.syncInFlight || this.syncQueued) && this.queue.length > 0) {
      this.flushAfterSync = true;
      return;
    }
    const batch = this.queue;
    this.queue = [];
    if (batch.length === 0) return;
    if (this.closed) {
      for (const p of batch) p.reject(new StoreUnavailableError('event store is closed'));
      return;
    }
    const outcomes: Outcome[] = [];
    try {
      this.s.begin.run();
      const now = new Date().toISOString();
      const heads = new Map<string, Head>();
      for (const p of batch) outcomes.push(this.applyAppend(p, heads));
      for (const [stream, head] of heads) {
        if (head.changed) this.s.upsertHead.run(stream, head.revision, head.position, head.lastHash, now, now);
      }
      if (this.sealer) this.noteSeal(this.sealer.sealInTransaction('due'));
      this.s.commit.run();
    } catch (cause) {
      if (this.db.open && this.db.inTransaction) this.s.rollback.run();
      const error = toStoreError(cause, 'append');
      this.logger?.warn({ err: error, appends: batch.length }, 'event store: batch commit failed');
      batch.forEach((p, i) => {
        const outcome = outcomes[i];
        p.reject(outcome && !outcome.ok ? outcome.error : error);
      });
      return;
    }
    const settle = (): void =>
      batch.forEach((p, i) => {
        const outcome = outcomes[i];
        if (outcome?.ok) p.resolve(outcome.result);
        else p.reject(outcome?.error);
      });
    if (this.walFd === null) {
      this.notifyAppended();
      settle();
      return;
    }
    if (batch.length === 1 && !this.syncInFlight && !this.syncQueued && this.inlineFsyncNow()) {
      // A lone append with no sync running (a single writer) on a disk that syncs fast: fsync
      // here, as SQLite's own FULL would, rather than pay a thread-pool round trip. Under
      // concurrency, or on a slow disk, the pool path below keeps the event loop free.
      try {
        const head = this.s.headPosition.get()?.p ?? 0;
        const t0 = performance.now();
        fsyncSync(this.walFd);
        this.noteFsync(performance.now() - t0);
        if (head > this.syncedHead) this.syncedHead = head;
      } catch (cause) {
        const error = toStoreError(cause, 'append (fsync)');
        this.logger?.warn({ err: error, appends: 1 }, 'event store: fsync after commit failed');
        batch[0]!.reject(error instanceof StoreUnavailableError ? error : new StoreUnavailableError(`event store: fsync failed: ${(cause as Error).message}`, { cause }));
        return;
      }
      this.notifyAppended();
      settle();
      return;
    }
    // Durable before anyone hears of it: the sync wakes subscriptions, then the appends resolve.
    this.syncWal().then(settle, (cause: unknown) => {
      const error = toStoreError(cause, 'append (fsync)');
      this.logger?.warn({ err: error, appends: batch.length }, 'event store: fsync after commit failed');
      for (const p of batch) p.reject(error instanceof StoreUnavailableError ? error : new StoreUnavailableError(`event store: fsync failed: ${(cause as Error).message}`, { cause }));
    });
  }

  /**
   * Fsyncs the WAL on the thread pool; everything committed (by any process) before the call is
   * on disk when it resolves. Calls made during a sync share the one queued after it.
   */
  private syncWal(): Promise<void> {
    if (this.syncQueued) return this.syncQueued;
    if (!this.syncInFlight) return this.startSync();
    const queued = this.syncInFlight.then(noop, noop).then(() => {
      this.syncQueued = null;
      return this.startSync();
    });
    this.syncQueued = queued;
    return queued;
  }

  private startSync(): Promise<void> {
    const fd = this.walFd;
    let head: number;
    try {
      if (fd === null || !this.db.open) throw new StoreUnavailableError('event store is closed');
      head = this.s.headPosition.get()?.p ?? 0;
    } catch (error) {
      // No sync will run: appends held back for one must not wait forever.
      this.releaseHeldAppends();
      return Promise.reject(error);
    }
    const run = new Promise<void>((resolve, reject) => fsync(fd, (error) => (error ? reject(error) : resolve()))).then(() => {
      if (head > this.syncedHead) this.syncedHead = head;
      this.notifyAppended();
    });
    this.syncInFlight = run;
    const done = (): void => {
      if (this.syncInFlight === run) this.syncInFlight = null;
      this.releaseHeldAppends();
    };
    run.then(done, done);
    return run;
  }

  /** Moving average of inline fsync times. */
  private noteFsync(ms: number): void {
    this.fsyncMs = this.fsyncMs * 0.7 + ms * 0.3;
    if (this.fsyncMs >= INLINE_FSYNC_MS) this.poolUntilProbe = PROBE_EVERY;
  }

  /** Inline while fsyncs are fast; when they are not, the pool, with an inline probe now and then. */
  private inlineFsyncNow(): boolean {
    if (this.fsyncMs < INLINE_FSYNC_MS) return true;
    return --this.poolUntilProbe <= 0;
  }

  /** Appends held back by a sync commit now (unless another sync is still to come: after it). */
  private releaseHeldAppends(): void {
    if (!this.flushAfterSync || this.syncInFlight || this.syncQueued) return;
    this.flushAfterSync = false;
    this.flush();
  }

  /** The highest position readers of the feed may see; starts a sync when others committed past it. */
  private feedHead(): number {
    const head = this.s.headPosition.get()?.p ?? 0;
    if (this.walFd === null || head <= this.syncedHead) return head;
    if (!this.syncInFlight && !this.syncQueued)
      this.syncWal().catch((error: unknown) => this.logger?.warn({ err: error }, 'event store: fsync for readers failed'));
    return this.syncedHead;
  }

  /** One append inside the batch transaction; `heads` carries stream heads between appends. */
  private applyAppend(p: PendingAppend, heads: Map<string, Head>): Outcome {
    let head = heads.get(p.stream);
    if (!head) {
      const row = this.s.head.get(p.stream);
      head = row && row.revision >= 0
        ? { revision: row.revision, position: row.position, lastHash: row.last_hash, changed: false }
        : { revision: -1, position: 0, lastHash: GENESIS_HASH, changed: false };
      heads.set(p.stream, head);
    }
    if (!matchesExpected(p.expected, head.revision)) {
      return { ok: false, error: new WrongExpectedRevisionError(p.stream, p.expected, head.revision) };
    }
    if (p.events.length === 0) {
      return { ok: true, result: { nextRevision: head.revision, position: head.position, events: [] } };
    }
    const recorded: RecordedEvent[] = [];
    let revision = head.revision;
    let prevHash = head.lastHash;
    let position = head.position;
    let current: PreparedEvent | undefined;
    try {
      for (const e of p.events) {
        current = e;
        revision += 1;
        const hash = hashCanonical(
          { id: e.id, stream: p.stream, revision, type: e.type, dataJson: e.dataJson, metadataJson: e.metadataJson },
          prevHash,
        );
        const info = this.s.insert.run(e.id, p.stream, revision, e.type, e.dataJson, e.metadataJson, prevHash, hash);
        position = Number(info.lastInsertRowid);
        recorded.push({
          id: e.id, stream: p.stream, revision, position, type: e.type, data: e.data, metadata: e.metadata, prevHash, hash,
        });
        prevHash = hash;
      }
    } catch (error) {
      if (!isDuplicateIdError(error)) throw error;
      // Undo this append's rows only (cheaper than a savepoint on every append; positions may gap).
      const first = recorded[0];
      if (first) {
        this.s.deleteFrom.run(first.position);
        this.s.rewindPositions.run(first.position - 1);
      }
      return { ok: false, error: new DuplicateEventIdError(p.stream, current?.id ?? '') };
    }
    heads.set(p.stream, { revision, position, lastHash: prevHash, changed: true });
    return { ok: true, result: { nextRevision: revision, position, events: recorded } };
  }

  async readStream(stream: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    return this.run('readStream', () => {
      const limit = options.maxCount ?? NO_LIMIT;
      const rows = options.direction === 'backward'
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
      this.s.listStreams
        .all(prefixGlob(options.prefix ?? ''), options.after ?? '', options.limit ?? NO_LIMIT)
        .map(toStreamInfo),
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
    if (this.walFd !== null) await this.syncWal().catch((cause: unknown) => Promise.reject(toStoreError(cause, 'setStreamMetadata (fsync)')));
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
    this.flush(true);
    this.closed = true;
    await (this.syncQueued ?? this.syncInFlight)?.catch(noop);
    clearInterval(this.sealTimer);
    if (this.sealer) {
      // A clean stop leaves nothing unsealed.
      try {
        this.sealNow('any');
        if (this.walFd !== null) fsyncSync(this.walFd);
      } catch (error) {
        this.logger?.warn({ err: error }, 'event store: sealing on close failed');
      }
    }
    await Promise.all([...this.subscriptions].map((s) => s.close()));
    this.tail.close();
    this.unwatchWal();
    this.db.close();
    if (this.walFd !== null) closeSync(this.walFd);
    this.walFd = null;
  }

  /** Seals in a transaction of its own (open, timer, close). */
  private sealNow(when: SealWhen): void {
    if (!this.sealer || !this.db.open) return;
    let outcome: SealOutcome;
    this.s.begin.run();
    try {
      outcome = this.sealer.sealInTransaction(when);
      this.s.commit.run();
    } catch (error) {
      if (this.db.inTransaction) this.s.rollback.run();
      throw error;
    }
    this.noteSeal(outcome);
  }

  private sealOnTimer(): void {
    try {
      this.sealNow('any');
      if (this.walFd !== null) this.syncWal().catch((error: unknown) => this.logger?.warn({ err: error }, 'event store: fsync after sealing failed'));
    } catch (error) {
      this.logger?.warn({ err: toStoreError(error, 'seal') }, 'event store: sealing failed; the next attempt is in one interval');
    }
  }

  private noteSeal(outcome: SealOutcome): void {
    if (outcome.kind === 'sealed') this.logger?.debug?.({ seq: outcome.seal.seq, position: outcome.seal.position }, 'event store: sealed');
    else if (outcome.kind === 'unadopted') {
      this.stopSealing(
        { head: outcome.head },
        'event store: the store holds events but no seal (older than seals, or its seals removed); it is NOT sealed until an operator adopts it: stop the hub, run `pnpm lienthong verify` (and `verify --seals <copy>` with a seals copy kept elsewhere, if there is one), then `pnpm lienthong seal --adopt` (docs/operations.md, "Stores from before seals")',
      );
    } else if (outcome.kind === 'gap') {
      this.stopSealing(
        { from: outcome.from, to: outcome.to, sealedPosition: outcome.sealed.position, seal: outcome.sealed.seq },
        `event store: positions ${outcome.from}..${outcome.to} after the last seal are missing (events removed?); nothing after seal #${outcome.sealed.seq} is sealed: run lienthong verify`,
      );
    } else if (outcome.kind === 'behind' && !this.warnedBehind) {
      this.warnedBehind = true;
      this.logger?.warn(
        { head: outcome.head, sealedPosition: outcome.sealed.position, seal: outcome.sealed.seq },
        'event store: the store ends before its last seal (events removed?); run lienthong verify',
      );
    }
  }

  /** No seal in appends, on the timer or on close from now on: said once, as an error. */
  private stopSealing(details: object, message: string): void {
    this.sealer = null;
    clearInterval(this.sealTimer);
    if (this.logger?.error) this.logger.error(details, message);
    else this.logger?.warn(details, message);
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

function noop(): void {}

function assertStreamName(stream: string): void {
  if (typeof stream !== 'string' || stream.length === 0) throw new TypeError('a stream name must be a non-empty string');
}

function prepareEvent(event: NewEvent): PreparedEvent {
  if (typeof event.type !== 'string' || event.type.length === 0) throw new TypeError('an event type must be a non-empty string');
  if (event.metadata === null || typeof event.metadata !== 'object') throw new TypeError(`event ${event.type}: metadata is required`);
  // Stored text is canonical JSON, so a read-back event hashes to the same value.
  const data = event.data === undefined ? null : event.data;
  return {
    id: event.id ?? randomUUID(),
    type: event.type,
    data,
    metadata: event.metadata,
    dataJson: canonicalJson(data),
    metadataJson: canonicalJson(event.metadata),
  };
}
