/**
 * Picks the adapter from configuration: SQLite by default, PostgreSQL for `postgres://` and
 * `postgresql://` URLs, EventStoreDB for `esdb://` URLs.
 * The EventStoreDB adapter is imported only when asked for: its client (gRPC) weighs ~9 MB and
 * ~0.17 s of a SQLite hub's start (open-event-store.int.spec.ts keeps it so).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { createSqliteEventStore } from './sqlite-event-store.js';
import type { EventStoreLogger } from './sqlite-event-store.js';
import type { SyncMode } from './sqlite-schema.js';
import type { SealingOptions } from './sqlite-seals.js';
import type { EventStore } from './types.js';

export interface OpenEventStoreOptions {
  /**
   * `undefined` or `sqlite:` → `<dataDir>/events.sqlite`; `postgres://…` or `postgresql://…` →
   * PostgreSQL; `esdb://…` or `esdb+discover://…` → EventStoreDB.
   */
  readonly url?: string | undefined;
  /** Directory of the SQLite file (created when missing). */
  readonly dataDir: string;
  /** SQLite `synchronous` mode; default `full`. */
  readonly sync?: SyncMode | undefined;
  readonly logger?: EventStoreLogger | undefined;
  /** PostgreSQL: the longest wait for one operation, in ms (default: its connect timeout + 2 s). */
  readonly operationTimeoutMs?: number | undefined;
  /** Seals for the SQLite store; EventStoreDB does not support them (a warning says so). */
  readonly sealing?: SealingOptions | undefined;
}

export async function openEventStore(options: OpenEventStoreOptions): Promise<EventStore> {
  const url = options.url?.trim() ?? '';
  if (url === '' || url.startsWith('sqlite:')) {
    mkdirSync(options.dataDir, { recursive: true });
    return createSqliteEventStore({
      file: join(options.dataDir, 'events.sqlite'),
      ...(options.sync ? { sync: options.sync } : {}),
      ...(options.logger ? { logger: options.logger } : {}),
      ...(options.sealing ? { sealing: options.sealing } : {}),
    });
  }
  if (url.startsWith('postgres://') || url.startsWith('postgresql://')) {
    if (options.sealing)
      options.logger?.warn({}, 'event store: seals are not supported on PostgreSQL yet; verify checks hash chains and stream heads only');
    const { createPostgresEventStore } = await import('./postgres-event-store.js');
    return createPostgresEventStore({
      url,
      ...(options.operationTimeoutMs !== undefined ? { operationTimeoutMs: options.operationTimeoutMs } : {}),
    });
  }
  if (url.startsWith('esdb://') || url.startsWith('esdb+discover://')) {
    if (options.sealing)
      options.logger?.warn({}, 'event store: seals are not supported on EventStoreDB; verify checks hash chains and stream heads only');
    const { createEsdbEventStore } = await import('./esdb-event-store.js');
    return createEsdbEventStore(url);
  }
  throw new TypeError(`unsupported event store url ${url}: use sqlite:, postgres:// or esdb://`);
}
