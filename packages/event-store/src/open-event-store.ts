/** Picks the adapter from configuration: SQLite by default, EventStoreDB for `esdb://` URLs. */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { createEsdbEventStore } from './esdb-event-store.js';
import { createSqliteEventStore } from './sqlite-event-store.js';
import type { EventStoreLogger } from './sqlite-event-store.js';
import type { SyncMode } from './sqlite-schema.js';
import type { EventStore } from './types.js';

export interface OpenEventStoreOptions {
  /** `undefined` or `sqlite:` → `<dataDir>/events.sqlite`; `esdb://…` or `esdb+discover://…` → EventStoreDB. */
  readonly url?: string | undefined;
  /** Directory of the SQLite file (created when missing). */
  readonly dataDir: string;
  /** SQLite `synchronous` mode; default `full`. */
  readonly sync?: SyncMode | undefined;
  readonly logger?: EventStoreLogger | undefined;
}

export function openEventStore(options: OpenEventStoreOptions): EventStore {
  const url = options.url?.trim() ?? '';
  if (url === '' || url.startsWith('sqlite:')) {
    mkdirSync(options.dataDir, { recursive: true });
    return createSqliteEventStore({
      file: join(options.dataDir, 'events.sqlite'),
      ...(options.sync ? { sync: options.sync } : {}),
      ...(options.logger ? { logger: options.logger } : {}),
    });
  }
  if (url.startsWith('esdb://') || url.startsWith('esdb+discover://')) return createEsdbEventStore(url);
  throw new TypeError(`unsupported event store url ${url}: use sqlite: or esdb://`);
}
