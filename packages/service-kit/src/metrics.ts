import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { FastifyInstance } from 'fastify';

/** The Prometheus metrics every service shares; the host passes one instance to all. */
export interface Metrics {
  readonly registry: Registry;
  readonly httpDuration: Histogram<'method' | 'route' | 'status'>;
  /**
   * One event appended, counted in `lt_events_appended_total{service,type}` at the next scrape: a
   * number added per call, where prom-client builds a label key on every `inc`. The one way to count.
   */
  countAppended(service: string, type: string): void;
  readonly projectionLag: Gauge<'projection'>;
  /** Reports an endpoint's open WebSockets as `lt_websockets_open{endpoint}`, counted at scrape time. */
  countSockets(endpoint: string, count: () => number): void;
  /** WebSockets the server ended: `slow` (send buffer over its bound), `dead` (no pong), `revoked` (credentials), `refused` (too many refused messages). */
  readonly websocketsDropped: Counter<'endpoint' | 'reason'>;
  /** Client frames refused: `oversized` (over the payload bound), `protocol` (invalid UTF-8, bad opcode…: the socket is closed), `invalid` (a message the endpoint does not understand: answered with an error). */
  readonly websocketFramesRefused: Counter<'endpoint' | 'reason'>;
  /** Registers a callback read at scrape time (e.g. a projection's lag). */
  onCollect(fn: () => void | Promise<void>): void;
}

export function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'lt_' });
  const collectors: Array<() => void | Promise<void>> = [];
  const socketCounters: Array<{ endpoint: string; count: () => number }> = [];
  const projectionLag = new Gauge({
    name: 'lt_projection_lag_events',
    help: 'Events appended but not yet applied, per projection',
    labelNames: ['projection'] as const,
    registers: [registry],
    async collect() {
      for (const fn of collectors) await fn();
    },
  });
  // lt_websockets_open: fed at scrape time by the counters given to `countSockets`
  new Gauge({
    name: 'lt_websockets_open',
    help: 'Open WebSockets, per endpoint',
    labelNames: ['endpoint'] as const,
    registers: [registry],
    collect() {
      for (const c of socketCounters) this.set({ endpoint: c.endpoint }, c.count());
    },
  });
  // events appended since the last scrape, by service and type (countAppended)
  const appended = new Map<string, Map<string, number>>();
  new Counter({
    name: 'lt_events_appended_total',
    help: 'Events appended to the event store',
    labelNames: ['service', 'type'] as const,
    registers: [registry],
    collect() {
      for (const [service, byType] of appended)
        for (const [type, count] of byType) {
          if (count > 0) this.inc({ service, type }, count);
          byType.set(type, 0);
        }
    },
  });
  return {
    registry,
    httpDuration: new Histogram({
      name: 'lt_http_request_duration_seconds',
      help: 'HTTP request latency',
      labelNames: ['method', 'route', 'status'] as const,
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    countAppended(service, type) {
      let byType = appended.get(service);
      if (byType === undefined) appended.set(service, (byType = new Map<string, number>()));
      byType.set(type, (byType.get(type) ?? 0) + 1);
    },
    projectionLag,
    countSockets(endpoint, count) {
      socketCounters.push({ endpoint, count });
    },
    websocketsDropped: new Counter({
      name: 'lt_websockets_dropped_total',
      help: 'WebSockets ended by the server, per endpoint and reason (slow, dead, revoked, refused)',
      labelNames: ['endpoint', 'reason'] as const,
      registers: [registry],
    }),
    websocketFramesRefused: new Counter({
      name: 'lt_websocket_frames_refused_total',
      help: 'Client WebSocket frames refused, per endpoint and reason (oversized, protocol, invalid)',
      labelNames: ['endpoint', 'reason'] as const,
      registers: [registry],
    }),
    onCollect(fn) {
      collectors.push(fn);
    },
  };
}

export function registerMetrics(app: FastifyInstance, metrics: Metrics): void {
  app.addHook('onResponse', (request, reply, done) => {
    metrics.httpDuration.observe(
      { method: request.method, route: request.routeOptions.url ?? 'unmatched', status: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
    done();
  });
  app.get('/metrics', { config: { auth: 'public' }, schema: { hide: true } }, async (_request, reply) => {
    reply.type(metrics.registry.contentType);
    return metrics.registry.metrics();
  });
}
