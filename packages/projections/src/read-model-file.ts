import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import BetterSqlite3, { type Database } from 'better-sqlite3';
import { checkpointInBackground, type RecordedEvent } from '@lienthong/event-store';
import type { Projection } from './types.js';

/** What one applied event changed (its `apply`'s result), with its position. */
export interface AppliedChanges {
  readonly position: number;
  readonly changes: readonly unknown[];
}

/**
 * How a read model's feed hands events over: `ordered` (the store: global position order, so
 * an event at or before the checkpoint is applied already) or `per-stream` (a bus: in order
 * within a stream only, so the last revision applied per stream is kept to skip repeats).
 */
export type FeedOrder = 'ordered' | 'per-stream';

/**
 * One generation of a read model: `<dir>/<name>.g<generation>.sqlite`, with its checkpoint and,
 * fed per stream, the last revision applied per stream (applying is idempotent whatever the
 * feed). An ordered feed writes no row per stream: with random stream names each such row
 * dirtied a page of its own, the largest share of a read-model commit's bytes.
 * `<dir>/<name>.current` names the generation that serves; it is replaced atomically on swap.
 */
export class ReadModelFile {
  readonly db: Database;
  private readonly getRevision;
  private readonly setRevision;
  private readonly setMeta;
  private readonly getCheckpoint;
  checkpoint: number;
  eventsApplied = 0;
  private readonly unwatchWal: () => void;

  private constructor(
    readonly path: string,
    readonly generation: number,
    private readonly projection: Projection,
    private readonly order: FeedOrder,
  ) {
    this.db = new BetterSqlite3(path);
    // NORMAL first: a new file's switch to WAL then writes its header without waiting for the disk (a read model is rebuilt from the store if lost).
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('journal_mode = WAL');
    const meta = (key: string) =>
      (this.db.prepare('SELECT value FROM _lt_meta WHERE key = ?').get(key) as { value: string } | undefined)?.value;
    // One write transaction: two processes opening a new file at once (a service started
    // beside a CLI command) must not both create the projection's tables.
    this.db
      .transaction(() => {
        this.db.exec(`CREATE TABLE IF NOT EXISTS _lt_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
          CREATE TABLE IF NOT EXISTS _lt_streams (stream TEXT PRIMARY KEY, revision INTEGER NOT NULL) WITHOUT ROWID;`);
        if (meta('version') === undefined) {
          projection.init(this.db);
          this.db.prepare("INSERT INTO _lt_meta VALUES ('version', ?), ('checkpoint', '0')").run(String(projection.version));
        }
      })
      .immediate();
    this.checkpoint = Number(meta('checkpoint') ?? 0);
    this.getRevision = this.db.prepare<[string], { revision: number }>('SELECT revision FROM _lt_streams WHERE stream = ?');
    this.setRevision = this.db.prepare(
      'INSERT INTO _lt_streams VALUES (?, ?) ON CONFLICT(stream) DO UPDATE SET revision = excluded.revision',
    );
    this.setMeta = this.db.prepare('UPDATE _lt_meta SET value = ? WHERE key = ?');
    this.getCheckpoint = this.db.prepare<[], { value: string }>("SELECT value FROM _lt_meta WHERE key = 'checkpoint'");
    // Last: a constructor that throws leaves no file watched.
    this.unwatchWal = checkpointInBackground(this.db);
  }

  /**
   * Whether this file can go on with a feed of `order`. Once fed per stream it cannot be fed in
   * order (its checkpoint is only the highest position seen), nor the other way round (the
   * revisions per stream were not kept); a file of before this marker was fed in order (the
   * store) and kept revisions, which suits both. Called at start, before any apply: an unmarked
   * file is marked.
   */
  suits(order: FeedOrder): boolean {
    const row = this.db.prepare("SELECT value FROM _lt_meta WHERE key = 'feed'").get() as { value: string } | undefined;
    if (row === undefined) {
      this.db.prepare("INSERT INTO _lt_meta VALUES ('feed', ?)").run(order);
      return true;
    }
    return row.value === order;
  }

  storedVersion(): number {
    const row = this.db.prepare("SELECT value FROM _lt_meta WHERE key = 'version'").get() as { value: string };
    return Number(row.value);
  }

  /**
   * Applies a batch in one transaction with the checkpoint; events already applied are skipped.
   * Returns, once committed, what each applied event changed (as its `apply` returned it).
   */
  applyBatch(events: readonly RecordedEvent[]): AppliedChanges[] {
    let applied = 0;
    const changed: AppliedChanges[] = [];
    this.db
      .transaction(() => {
        // The stored checkpoint, not the one in memory: another process on this file (a CLI
        // command beside a service) may have applied these events since this one last looked.
        let checkpoint = Number(this.getCheckpoint.get()!.value);
        const ordered = this.order === 'ordered';
        for (const event of events) {
          const fresh = ordered ? event.position > checkpoint : event.revision > (this.getRevision.get(event.stream)?.revision ?? -1);
          if (fresh) {
            const changes = this.projection.apply(this.db, event);
            if (changes && changes.length > 0) changed.push({ position: event.position, changes });
            if (!ordered) this.setRevision.run(event.stream, event.revision);
            applied++;
          }
          if (event.position > checkpoint) checkpoint = event.position;
        }
        this.setMeta.run(String(checkpoint), 'checkpoint');
        this.checkpoint = checkpoint;
      })
      .immediate(); // a write from its start: a read transaction upgraded later could fail at once with SQLITE_BUSY
    this.eventsApplied += applied;
    return changed;
  }

  close(): void {
    this.unwatchWal();
    if (this.db.open) this.db.close();
  }

  remove(): void {
    this.close();
    for (const suffix of ['', '-wal', '-shm']) rmSync(this.path + suffix, { force: true });
  }

  static open(dir: string, projection: Projection, generation: number, order: FeedOrder): ReadModelFile {
    mkdirSync(dir, { recursive: true });
    return new ReadModelFile(join(dir, `${projection.name}.g${generation}.sqlite`), generation, projection, order);
  }

  /** The generation currently serving, or 0 when none exists yet. */
  static currentGeneration(dir: string, name: string): number {
    const pointer = join(dir, `${name}.current`);
    return existsSync(pointer) ? Number(readFileSync(pointer, 'utf8').trim()) || 0 : 0;
  }

  /** Points `<name>.current` at a generation; other processes on the directory see the old or the new pointer, never a torn one. */
  static makeCurrent(dir: string, name: string, generation: number): void {
    const pointer = join(dir, `${name}.current`);
    if (ReadModelFile.currentGeneration(dir, name) === generation) return;
    // A temporary name of this process's own: a shared one is renamed away by whichever process renames first.
    const temporary = `${pointer}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    writeFileSync(temporary, String(generation));
    renameSync(temporary, pointer);
  }
}
