import type { Database } from 'better-sqlite3';
import type { RecordedEvent } from '@lienthong/event-store';

/**
 * A read model: SQLite tables kept up to date from events. `apply` runs inside the runner's
 * transaction, which also stores the checkpoint, so data and checkpoint never disagree.
 * `Change`: what `apply` reports having changed, handed to `afterCommit` (e.g. for live pushes).
 */
export interface Projection<Change = unknown> {
  readonly name: string;
  /** Bump when tables or logic change: a different stored version triggers a rebuild at start. */
  readonly version: number;
  /** Streams this read model reads (by name prefix, e.g. `dossier-`). */
  readonly streamPrefixes: readonly string[];
  /** Creates the tables; called on a fresh file. */
  init(db: Database): void;
  /**
   * Applies one event; throw to stop (the batch rolls back and is retried). May return what it
   * changed, for `afterCommit`; nothing may be announced from here: the batch may still roll back.
   */
  apply(db: Database, event: RecordedEvent): readonly Change[] | void;
  /**
   * Called once a batch's transaction has committed, with what its `apply` calls returned, in
   * order, and `db` the read model that serves (what is announced is readable there). Never for a
   * batch that rolled back, and once per event: not again for history replayed (a rebuild, a
   * restart), nor for events already applied by an earlier process. Events a rebuild's fresh copy
   * reached before the serving one are announced at the swap, with the fresh copy's `db`.
   * A throw is logged; the batch stays applied.
   */
  afterCommit?(changes: readonly Change[], db: Database): void;
}

export interface ProjectionStatus {
  readonly name: string;
  readonly version: number;
  readonly generation: number;
  /** Global position of the last event applied. */
  readonly checkpoint: number;
  readonly eventsApplied: number;
  readonly lag: number;
  readonly rebuilding: boolean;
  readonly feed: 'store' | 'bus';
  readonly lastError?: string;
}
