import type { FastifyRequest } from 'fastify';
import type { ZodError, ZodType } from 'zod';
import type { EventStore } from '@lienthong/event-store';
import { actorOf } from './auth.js';
import { validationError } from './errors.js';
import type { Metrics } from './metrics.js';
import { fromZod } from './problem.js';

/** Correlation and actor of a request, as written into event metadata. */
export function commandContext(request: FastifyRequest): { correlationId: string; actor: string } {
  return { correlationId: String(request.id), actor: actorOf(request.principal) };
}

/** A failed zod parse as the 400 naming every failing field. */
function invalid(error: ZodError, context: string) {
  const errors = fromZod(error, context);
  return validationError(`invalid ${context}: ${errors.map((e) => `${e.path} ${e.message}`).join('; ')}`, errors);
}

/** Parses a value with a zod schema; failures become a 400 naming every failing field. */
export function parseWith<T>(schema: ZodType<T>, value: unknown, context = 'body'): T {
  const result = schema.safeParse(value);
  if (!result.success) throw invalid(result.error, context);
  return result.data;
}

/**
 * A route's validator when its rules need zod (normalising text, rules across fields): the route
 * keeps JSON Schemas for /docs (generated from these zod schemas) and sets this as its
 * `validatorCompiler`, so zod is the one check of each part, and the handler gets zod's output.
 */
export function zodValidatorCompiler(parts: Readonly<Partial<Record<'body' | 'params' | 'querystring' | 'headers', ZodType>>>) {
  return ({ httpPart }: { httpPart?: string }) => {
    const schema = Object.entries(parts).find(([part]) => part === httpPart)?.[1];
    if (schema === undefined || httpPart === undefined) throw new Error(`the route has a ${httpPart} schema but no zod schema for it`);
    return (data: unknown): { value: unknown } | { error: Error } => {
      const result = schema.safeParse(data);
      return result.success ? { value: result.data } : { error: invalid(result.error, httpPart) };
    };
  };
}

/**
 * Counts appended events per service and type for `/metrics` (`countAppended`: added up at the
 * next scrape); everything else passes through. The wrapped `append` is made once, not per access.
 */
export function instrumentStore(store: EventStore, metrics: Metrics, service: string | ((stream: string) => string)): EventStore {
  const serviceOf = typeof service === 'string' ? () => service : service;
  const append: EventStore['append'] = async (stream, events, options) => {
    const result = await store.append(stream, events, options);
    const serviceName = serviceOf(stream);
    for (const e of events) metrics.countAppended(serviceName, e.type);
    return result;
  };
  return new Proxy(store, {
    get(target, property, receiver) {
      return property === 'append' ? append : (Reflect.get(target, property, receiver) as unknown);
    },
  });
}
