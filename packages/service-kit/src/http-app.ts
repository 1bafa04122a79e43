import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import Fastify, { type FastifyHttpOptions, type FastifyInstance } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import websocket from '@fastify/websocket';
import type { Logger } from 'pino';
import { registerAuth, type AuthOptions } from './auth.js';
import { clientErrorHandler, frameworkErrorHandler, registerHostCheck, registerUpgradeCheck } from './client-errors.js';
import { registerHealth, type ReadinessCheck } from './health.js';
import { DEFAULT_LINGER, registerLingeringClose, type LingerLimits } from './lingering-close.js';
import { registerMetrics, type Metrics } from './metrics.js';
import { registerProblemHandling } from './problem.js';
import { registerSchemas } from './schemas.js';
import { RequestLogController } from './request-log.js';
import { createSocketErrorReporter, socketErrorHandler } from './socket-errors.js';
import { lazyCompilers, warmAfterListen } from './lazy-compile.js';

export interface HttpAppOptions {
  /** Shown in the OpenAPI document, e.g. `lienthong hub`. */
  readonly title: string;
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly auth: AuthOptions;
  readonly maxBodyBytes: number;
  readonly readiness: readonly ReadinessCheck[];
  /** Behind a reverse proxy: whose `X-Forwarded-For` to believe (client ips feed rate limits and logs). */
  readonly trustProxy?: boolean | number | string;
  /** How much of a body answered before it was read is still taken (default 64 MiB within 5 s). */
  readonly linger?: LingerLimits;
}

const CORRELATION_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * The Fastify factory every service uses: problem+json errors, correlation ids, bearer auth,
 * health, metrics, OpenAPI at /docs, WebSockets, and the body limit (413 before buffering, the
 * rest of the body then read and dropped within bounds so that the client reads the 413).
 * Routes are registered by the caller after this resolves, so OpenAPI sees them all.
 */
export async function createHttpApp(options: HttpAppOptions): Promise<FastifyInstance> {
  const compilers = lazyCompilers();
  const app = Fastify({
    loggerInstance: options.logger,
    bodyLimit: options.maxBodyBytes,
    logController: new RequestLogController(),
    genReqId: (req) => {
      const given = req.headers['x-correlation-id'];
      return typeof given === 'string' && CORRELATION_ID.test(given) ? given : randomUUID();
    },
    return503OnClosing: true,
    // a hop count is supported by Fastify (proxy-addr) though absent from its types
    trustProxy: (options.trustProxy ?? false) as boolean | string,
    forceCloseConnections: 'idle',
    // What is refused before any route runs answers problem+json too.
    clientErrorHandler: clientErrorHandler(options.logger),
    frameworkErrors: frameworkErrorHandler,
    http: { requireHostHeader: false }, // checked by registerHostCheck, which answers a problem
    // JSON bodies are checked as sent; only text parts (query, params, headers) are coerced. Both
    // validators and serializers are compiled on first use or in the background once listening.
    schemaController: { compilersFactory: { buildValidator: compilers.buildValidator, buildSerializer: compilers.buildSerializer } },
  } satisfies FastifyHttpOptions<Server>) as unknown as FastifyInstance;

  app.addHook('onRequest', (request, reply, done) => {
    reply.header('x-correlation-id', request.id);
    done();
  });
  warmAfterListen(app, compilers, options.logger);
  registerProblemHandling(app);
  registerHostCheck(app);
  registerLingeringClose(app, options.linger ?? DEFAULT_LINGER);
  registerUpgradeCheck(app);
  registerSchemas(app);
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: { title: options.title, version: '0.1.0', description: 'lienthong — interoperability hub for Vietnamese e-government' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
    // OpenAPI component names allow only [A-Za-z0-9._-]
    refResolver: {
      buildLocalReference: (json, _base, _fragment, i) =>
        (typeof json.$id === 'string' ? json.$id : `def-${i}`).replace(/[^A-Za-z0-9._-]/g, '.'),
    },
  });
  // The documentation itself is public: routes registered in this scope are marked so.
  await app.register(async (docs) => {
    docs.addHook('onRoute', (route) => {
      route.config = { ...(route.config ?? {}), auth: 'public' };
    });
    await docs.register(swaggerUi, { routePrefix: '/docs' });
  });
  await app.register(websocket, {
    options: { maxPayload: 1024 * 1024 },
    errorHandler: socketErrorHandler(createSocketErrorReporter({ logger: options.logger, metrics: options.metrics })),
  });
  registerAuth(app, options.auth);
  registerHealth(app, options.readiness);
  registerMetrics(app, options.metrics);
  return app;
}
