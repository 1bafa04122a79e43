import type { FastifyInstance } from 'fastify';
import { SerializerSelector } from '@fastify/fast-json-stringify-compiler';
import type { Logger } from 'pino';
import { requestValidators } from './validation.js';

/**
 * Route schemas compiled when first needed instead of all at `app.ready()`: Fastify builds every
 * route's request validators (ajv) and response serializers (fast-json-stringify) before it
 * listens, about a fifth of the hub's start-up. Here each compiler hands Fastify a stand-in that
 * compiles the real function on its first call; a second after the app listens, the rest are compiled
 * in the background in short slices (the event loop keeps answering between them), so later requests
 * do not pay for it either. What a route validates and how it serializes is unchanged.
 *
 * Routes that declare the same schema for the same part share one compiled function: of the
 * hub's ~470 request validators and response serializers only ~90 differ (the problem+json
 * answer alone is ~250 of the serializers), and each compile costs time and memory.
 */
export interface LazyCompilers {
  readonly buildValidator: typeof requestValidators;
  readonly buildSerializer: ReturnType<typeof SerializerSelector>;
  /** Compiles what is still pending, a slice of at most `sliceMs` per turn of the event loop. */
  warm(logger: Logger, sliceMs?: number): Promise<void>;
  /** Stand-ins not compiled yet. */
  pending(): number;
  /** Functions compiled so far (routes sharing a schema share one). */
  compiled(): number;
}

type Compiled = ((...args: unknown[]) => unknown) & { errors?: unknown };

export function lazyCompilers(): LazyCompilers {
  const queue = new Set<{ compile: () => void; what: string }>();

  /** A function that compiles `compile()` on its first call (or at warm-up) and then is it; ajv's `errors` follow each call. */
  function lazy(what: string, compile: () => Compiled): Compiled {
    let compiled: Compiled | undefined;
    const entry = { compile: () => void get(), what };
    const get = (): Compiled => {
      if (compiled === undefined) {
        queue.delete(entry);
        compiled = compile();
      }
      return compiled;
    };
    queue.add(entry);
    const standIn: Compiled = function (this: unknown, ...args: unknown[]) {
      const fn = get();
      const result = fn.apply(this, args);
      standIn.errors = fn.errors;
      return result;
    };
    return standIn;
  }

  interface Route {
    readonly schema?: unknown;
    readonly method?: string;
    readonly url?: string;
    readonly httpPart?: string;
    readonly httpStatus?: string;
  }

  /**
   * `compile`, or the function compiled before for an equal key within one compiler (one set of
   * external schemas and options). A compiled validator or serializer depends only on the part's
   * schema there, and keeps no state between calls but ajv's `errors`, which the stand-in copies
   * right after each (synchronous) call.
   */
  let compiledCount = 0;
  const shared = (cache: Map<string, Compiled>, key: string | undefined, compile: () => Compiled) => (): Compiled => {
    let fn = key === undefined ? undefined : cache.get(key);
    if (fn === undefined) {
      fn = compile();
      compiledCount++;
      if (key !== undefined) cache.set(key, fn);
    }
    return fn;
  };
  /** The schema as a key (text), or none when it has no JSON form (then it is compiled on its own). */
  const keyOf = (prefix: string, schema: unknown): string | undefined => {
    try {
      const text = JSON.stringify(schema);
      return text === undefined ? undefined : `${prefix} ${text}`;
    } catch {
      return undefined;
    }
  };
  // The ajv instances themselves (each compiles its meta-schema) are made on the first compile too.
  const buildValidator = ((externalSchemas: unknown, options: unknown) => {
    let compile: ((route: Route) => Compiled) | undefined;
    const compiler = () =>
      (compile ??= (requestValidators as unknown as (e: unknown, o: unknown) => (route: Route) => Compiled)(externalSchemas, options));
    const cache = new Map<string, Compiled>();
    return (route: Route) =>
      lazy(
        `${route.method} ${route.url} ${route.httpPart} validator`,
        shared(cache, keyOf(String(route.httpPart), route.schema), () => compiler()(route)),
      );
  }) as unknown as typeof requestValidators;

  const serializers = SerializerSelector();
  const buildSerializer = ((externalSchemas: unknown, options: unknown) => {
    let compile: ((route: Route) => Compiled) | undefined;
    const compiler = () =>
      (compile ??= (serializers as unknown as (e: unknown, o: unknown) => (route: Route) => Compiled)(externalSchemas, options));
    const cache = new Map<string, Compiled>();
    return (route: Route) =>
      lazy(
        `${route.method} ${route.url} ${route.httpStatus} serializer`,
        shared(cache, keyOf('response', route.schema), () => compiler()(route)),
      );
  }) as unknown as ReturnType<typeof SerializerSelector>;

  async function warm(logger: Logger, sliceMs = 15): Promise<void> {
    while (queue.size > 0) {
      const until = performance.now() + sliceMs;
      for (const entry of queue) {
        queue.delete(entry);
        try {
          entry.compile();
        } catch (error) {
          // The same error is thrown again by the route's first request (its stand-in compiles anew).
          logger.error({ err: error, schema: entry.what }, 'route schema does not compile');
        }
        if (performance.now() >= until) break;
      }
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  return { buildValidator, buildSerializer, warm, pending: () => queue.size, compiled: () => compiledCount };
}

/**
 * How long after listening the background compiling waits: the first requests (an orchestrator's
 * readiness probe, the first clients) are answered meanwhile, compiling only what they use. Begun
 * at once, its first slice (each ajv instance compiles its meta-schema in one go, ~30-70 ms) held
 * back the first answer of /health/ready.
 */
const WARM_DELAY_MS = 1_000;

/** Compiles the app's remaining route schemas in the background, `delayMs` after it listens. */
export function warmAfterListen(app: FastifyInstance, compilers: LazyCompilers, logger: Logger, delayMs = WARM_DELAY_MS): void {
  let timer: NodeJS.Timeout | undefined;
  app.addHook('onListen', (done) => {
    timer = setTimeout(() => void compilers.warm(logger), delayMs);
    timer.unref();
    done();
  });
  app.addHook('onClose', (_instance, done) => {
    clearTimeout(timer);
    done();
  });
}
