import type { FastifyInstance } from 'fastify';
import { createHttpApp, type HttpAppOptions } from '../http-app.js';
import { createLogger } from '../logger.js';
import { createMetrics } from '../metrics.js';

/** An app as services build it (silent logs, a 1 KiB body limit, no token but the admin's), for the kit's own tests. */
export function createTestApp(overrides: Partial<HttpAppOptions> = {}): Promise<FastifyInstance> {
  return createHttpApp({
    title: 'test',
    logger: createLogger({ level: 'silent' }),
    metrics: createMetrics(),
    maxBodyBytes: 1024,
    readiness: [],
    auth: { adminToken: 'test-admin-token-0123456789', resolveToken: () => null },
    ...overrides,
  });
}
