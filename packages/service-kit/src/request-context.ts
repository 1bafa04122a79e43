import type { FastifyRequest } from 'fastify';
import type { ZodType } from 'zod';
import type { EventStore } from '@lienthong/event-store';
import { actorOf } from './auth.js';
import { validationError } from './errors.js';
import type { Metrics } from './metrics.js';
import { fromZod } from './problem.js';

/** Correlation and actor of a request, as written into event metadata. */
export function commandContext(request: FastifyRequest): { correlationId: string; actor: string } {
  return { correlationId: String(request.id), actor: actorOf(request.principal) };
}

/** Parses a value with a zod schema; failures become a 400 naming every failing field. */
export function parseWith<T>(schema: ZodType<T>, value: unknown, context = 'body'): T {
  const result = schema.safeParse(value);
  if (!result.success) {
    const errors = fromZod(result.error, context);
    throw validationError(`invalid ${context}: ${errors.map((e) => `${e.path} ${e.message}`).join('; ')}`, errors);
  }
  return result.data;
}

/** Counts appended events per service and type for `/metrics`; everything else passes through. */
export function instrumentStore(store: EventStore, metrics: Metrics, service: string | ((stream: string) => string)): EventStore {
  const serviceOf = typeof service === 'string' ? () => service : service;
  return new Proxy(store, {
    get(target, property, receiver) {
      if (property !== 'append') return Reflect.get(target, property, receiver);
      const append: EventStore['append'] = async (stream, events, options) => {
        const result = await target.append(stream, events, options);
        for (const e of events) metrics.eventsAppended.inc({ service: serviceOf(stream), type: e.type });
        return result;
      };
      return append;
    },
  });
}
