import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { EventStore } from '@lienthong/event-store';
import type { BusLogger } from './logger.js';
import { createSqliteBus } from './sqlite-bus.js';
import type { Bus } from './types.js';

export interface OpenBusOptions {
  /** `LT_NATS_URL`'s servers: NATS JetStream when set. */
  readonly natsServers?: readonly string[] | undefined;
  /** `LT_DATA_DIR`: the in-process bus keeps its log in `<dataDir>/bus.sqlite`. */
  readonly dataDir: string;
  /** `LT_NATS_REPLICAS`: copies of `LT_EVENTS` in the NATS cluster. */
  readonly natsReplicas?: number;
  /** NATS connection name. */
  readonly name?: string;
  readonly logger?: BusLogger;
  /** The in-process bus logs the events of this store (the relays') by reference, not by copy. */
  readonly store?: EventStore;
}

/**
 * The configured bus: NATS when `natsServers` are given, else the SQLite-backed in-process bus.
 * The NATS client is imported only then: a hub without NATS starts without loading it.
 */
export async function openBus(options: OpenBusOptions): Promise<Bus> {
  if (options.natsServers && options.natsServers.length > 0) {
    const { createNatsBus } = await import('./nats-bus.js');
    return createNatsBus({
      servers: options.natsServers,
      name: options.name,
      logger: options.logger,
      ...(options.natsReplicas !== undefined ? { replicas: options.natsReplicas } : {}),
    });
  }
  mkdirSync(options.dataDir, { recursive: true });
  return createSqliteBus({ file: join(options.dataDir, 'bus.sqlite'), logger: options.logger, store: options.store });
}
