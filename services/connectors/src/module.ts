import type { Server } from 'node:http';
import { aggregateType } from '@lienthong/decider';
import type { ServiceModuleFactory } from '@lienthong/platform';
import { z } from 'zod';
import { createConnectorService } from './connector-service.js';
import { connectorDecider } from './domain/connector-decider.js';
import { CONNECTOR_STREAM_PREFIX } from './domain/events.js';
import { LEASE_STREAM_PREFIX, leaseDecider } from './domain/lease-decider.js';
import { ConnectorEngine } from './engine/engine.js';
import type { PostLimits } from './engine/http-post.js';
import type { DeliveryPolicy } from './engine/worker.js';
import { connectorRoutes } from './http/routes.js';
import { readRegistry, registryProjection } from './projections/registry-projection.js';
import { loadConnectorKey } from './secrets.js';
import type { UrlPolicy } from './url-guard.js';

export interface ConnectorsModuleOptions {
  /** Loopback receivers allowed (tests, a receiver on the same machine); default `LT_CONNECTORS_ALLOW_LOOPBACK=1`. */
  readonly allowLoopback?: boolean;
  readonly delivery?: Partial<DeliveryPolicy>;
  readonly limits?: Partial<PostLimits>;
}

const flag = z.enum(['0', '1', 'true', 'false']).transform((v) => v === '1' || v === 'true');
/** The connectors' settings from the environment (docs/services/connectors.md). */
const envSchema = z.object({
  LT_CONNECTORS_ALLOW_LOOPBACK: flag.default(false),
  LT_CONNECTORS_CONCURRENCY: z.coerce.number().int().min(1).max(256).default(16),
  LT_CONNECTORS_RETRY_BUDGET_S: z.coerce
    .number()
    .positive()
    .max(30 * 86_400)
    .default(86_400),
  LT_CONNECTORS_INITIAL_BACKOFF_MS: z.coerce.number().int().min(1).max(3_600_000).default(1_000),
  LT_CONNECTORS_MAX_BACKOFF_MS: z.coerce.number().int().min(1).max(86_400_000).default(300_000),
  LT_CONNECTORS_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(10_000),
  LT_CONNECTORS_MAX_RESPONSE_KB: z.coerce.number().int().min(1).max(65_536).default(64),
  LT_CONNECTORS_LEASE_MS: z.coerce.number().int().min(300).max(600_000).default(15_000),
});

export function createConnectorsModule(options: ConnectorsModuleOptions = {}): ServiceModuleFactory {
  return async (platform) => {
    const env = envSchema.parse(process.env);
    const key = loadConnectorKey(platform.config.secretsDir);
    let server: Server | null = null;
    const urlPolicy: UrlPolicy = {
      allowLoopback: options.allowLoopback ?? env.LT_CONNECTORS_ALLOW_LOOPBACK,
      // the configured port, or the one the app listens on (LT_PORT=0 picks a free one)
      get hubPort() {
        const address = server?.address();
        return platform.config.port || (address && typeof address === 'object' ? address.port : undefined);
      },
    };
    const delivery: DeliveryPolicy = {
      concurrency: env.LT_CONNECTORS_CONCURRENCY,
      maxQueued: 2_000,
      retryBudgetMs: env.LT_CONNECTORS_RETRY_BUDGET_S * 1000,
      initialBackoffMs: env.LT_CONNECTORS_INITIAL_BACKOFF_MS,
      maxBackoffMs: env.LT_CONNECTORS_MAX_BACKOFF_MS,
      checkpointEveryMs: 1_000,
      pollMs: 250,
      ...options.delivery,
    };
    const limits: PostLimits = {
      timeoutMs: env.LT_CONNECTORS_TIMEOUT_MS,
      maxResponseBytes: env.LT_CONNECTORS_MAX_RESPONSE_KB * 1024,
      ...options.limits,
    };
    const logger = platform.logger.child({ component: 'connectors' });
    const registryRunner = await platform.projection(registryProjection);
    const engine = new ConnectorEngine({
      store: platform.store,
      key,
      registry: platform.metrics.registry,
      urlPolicy,
      delivery,
      limits,
      leaseMs: env.LT_CONNECTORS_LEASE_MS,
      log: logger,
      registryView: {
        async load(upTo) {
          await registryRunner.waitFor(upTo, 120_000);
          return readRegistry(registryRunner.db());
        },
      },
    });
    const service = createConnectorService({ store: platform.store, engine, key, urlPolicy });
    return {
      name: 'connectors',
      streamPrefixes: [CONNECTOR_STREAM_PREFIX, LEASE_STREAM_PREFIX],
      aggregates: [
        aggregateType('connector', CONNECTOR_STREAM_PREFIX, connectorDecider),
        aggregateType('connectors-lease', LEASE_STREAM_PREFIX, leaseDecider),
      ],
      register: async (app) => {
        server = app.server;
        await app.register(connectorRoutes, { service });
      },
      start: () => engine.start(),
      stop: () => engine.close(),
    };
  };
}

/** Outbound connectors (SPEC §8): the national public-service portal, and Standard Webhooks. */
export const connectorsModule: ServiceModuleFactory = createConnectorsModule();
