/**
 * The fsync policy of the SQLite store at `sync: 'full'`. The commit itself does not wait for the
 * disk: SQLite runs at NORMAL (WAL written, not synced) and the WAL file is fsynced on the libuv
 * thread pool, one fsync for every commit made meanwhile. The event loop keeps serving during the
 * fsync. A lone append on a disk that syncs in well under a millisecond is fsynced inline instead
 * (cheaper than the round trip to the pool). Readers of the feed see events only once they are
 * synced (`visibleHead`), as with SQLite's own FULL.
 */
import { closeSync, fsync, fsyncSync, openSync } from 'node:fs';
import type Database from 'better-sqlite3';
import { StoreUnavailableError } from './errors.js';
import { applyPragmas } from './sqlite-schema.js';

/** Below this fsync time (ms) blocking for it costs less than a thread-pool round trip. */
const INLINE_FSYNC_MS = 0.5;
const PROBE_EVERY = 100;

export interface WalSyncHooks {
  /** The highest committed position (read before each fsync: what it covers). */
  head(): number;
  isOpen(): boolean;
  /** After every fsync: what it covered is now readable. */
  onSynced(): void;
  /** When no fsync is in flight or queued any more. */
  onIdle(): void;
  warn(details: object, message: string): void;
}

export class WalSync {
  /** Every position up to this one is on disk. */
  private syncedHead: number;
  private inFlight: Promise<void> | null = null;
  private queued: Promise<void> | null = null;
  /** Recent inline fsync time (ms, moving average); a lone append fsyncs inline while it is short. */
  private fsyncMs = 0;
  /** While fsyncs are slow: lone appends left to sync on the pool before one probes inline again. */
  private poolUntilProbe = 0;

  /**
   * The WAL of `db`, fsynced by us (null when SQLite must sync itself: no WAL file). Whatever an
   * earlier process left in the WAL is on disk before we serve it.
   */
  static open(db: Database.Database, hooks: WalSyncHooks): WalSync | null {
    if (db.pragma('journal_mode', { simple: true }) !== 'wal') {
      applyPragmas(db, 'full');
      return null;
    }
    const head = hooks.head();
    const fd = openSync(`${db.name}-wal`, 'r');
    fsyncSync(fd);
    return new WalSync(fd, head, hooks);
  }

  private constructor(
    private fd: number | null,
    syncedHead: number,
    private readonly hooks: WalSyncHooks,
  ) {
    this.syncedHead = syncedHead;
  }

  /** An fsync is in flight or queued: a commit now would need another one after it. */
  get busy(): boolean {
    return this.inFlight !== null || this.queued !== null;
  }

  /**
   * After a commit of `size` appends: inline for a lone append with no sync running on a disk
   * that syncs fast (as SQLite's own FULL would); otherwise on the pool, keeping the loop free.
   */
  afterCommit(size: number): void | Promise<void> {
    if (size !== 1 || this.busy || !this.inlineNow()) return this.sync();
    const head = this.hooks.head();
    const t0 = performance.now();
    fsyncSync(this.fd!);
    this.noteFsync(performance.now() - t0);
    if (head > this.syncedHead) this.syncedHead = head;
    this.hooks.onSynced();
  }

  /** The highest position readers may see; starts a sync when commits (ours or others') are past it. */
  visibleHead(head: number): number {
    if (head <= this.syncedHead) return head;
    if (!this.busy) this.sync().catch((error: unknown) => this.hooks.warn({ err: error }, 'event store: fsync for readers failed'));
    return this.syncedHead;
  }

  /**
   * Fsyncs the WAL on the thread pool; everything committed (by any process) before the call is
   * on disk when it resolves. Calls made during a sync share the one queued after it.
   */
  sync(): Promise<void> {
    if (this.queued) return this.queued;
    if (!this.inFlight) return this.start();
    const queued = this.inFlight.then(noop, noop).then(() => {
      this.queued = null;
      return this.start();
    });
    this.queued = queued;
    return queued;
  }

  /** Fsyncs on the event loop (close: nothing else to serve). */
  syncNow(): void {
    if (this.fd !== null) fsyncSync(this.fd);
  }

  /** Resolves when the syncs started so far are over (failed or not). */
  async settled(): Promise<void> {
    await (this.queued ?? this.inFlight)?.catch(noop);
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }

  private start(): Promise<void> {
    const fd = this.fd;
    let head: number;
    try {
      if (fd === null || !this.hooks.isOpen()) throw new StoreUnavailableError('event store is closed');
      head = this.hooks.head();
    } catch (error) {
      // No sync will run: appends held back for one must not wait forever.
      this.hooks.onIdle();
      return Promise.reject(error);
    }
    const run = new Promise<void>((resolve, reject) => fsync(fd, (error) => (error ? reject(error) : resolve()))).then(() => {
      if (head > this.syncedHead) this.syncedHead = head;
      this.hooks.onSynced();
    });
    this.inFlight = run;
    const done = (): void => {
      if (this.inFlight === run) this.inFlight = null;
      this.hooks.onIdle();
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
  private inlineNow(): boolean {
    if (this.fsyncMs < INLINE_FSYNC_MS) return true;
    return --this.poolUntilProbe <= 0;
  }
}

function noop(): void {}
