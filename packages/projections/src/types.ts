import type { Database } from 'better-sqlite3';
import type { RecordedEvent } from '@lienthong/event-store';

/**
 * A read model: SQLite tables kept up to date from events. `apply` runs inside the runner's
 * transaction, which also stores the checkpoint, so data and checkpoint never disagree.
 */
export interface Projection {
  readonly name: string;
  /** Bump when tables or logic change: a different stored version triggers a rebuild at start. */
  readonly version: number;
  /** Streams this read model reads (by name prefix, e.g. `dossier-`). */
  readonly streamPrefixes: readonly string[];
  /** Creates the tables; called on a fresh file. */
  init(db: Database): void;
  /** Applies one event; throw to stop (the batch rolls back and is retried). */
  apply(db: Database, event: RecordedEvent): void;
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
