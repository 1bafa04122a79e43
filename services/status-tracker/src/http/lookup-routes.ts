import type { FastifyInstance, FastifyRequest } from 'fastify';
import rateLimit from '@fastify/rate-limit';
import { AppError, PROBLEM_CONTENT_TYPE, problemOf } from '@lienthong/service-kit';
import { etagMatches, type Lookup } from '../lookup.js';

export interface LookupLimits {
  /** Lookups per client (IP) per minute, whatever their outcome. */
  readonly perMinute: number;
  /** Not-found answers per client before it is refused for the rest of the window. */
  readonly failures: number;
  readonly failureWindowMs: number;
}

/** Characters a dossier code can hold (organ ids, the day, the sequence); anything else cannot exist. */
export const DOSSIER_CODE_PATTERN = '^[0-9A-Za-z.-]{1,64}$';
const PIN_PATTERN = '^[0-9A-Za-z]{1,32}$';

/**
 * The one not-found answer, for an unknown code and a wrong PIN alike: a fixed body (no
 * `instance`, which would echo the PIN), and no cache.
 */
const NOT_FOUND_BODY = JSON.stringify(problemOf(new AppError('LT_NOT_FOUND', 'no dossier with this code and PIN')));

const tags = ['status-tracker'];

/**
 * `GET /v1/track/:dossierCode?pin=`: the public lookup. Registered in its own encapsulated
 * plugin so the rate limiter applies here only, not to the other services sharing the app.
 */
export async function lookupRoutes(app: FastifyInstance, deps: { lookup: Lookup; limits: LookupLimits }): Promise<void> {
  const { limits } = deps;
  const clientKey = (request: FastifyRequest) => request.ip;
  await app.register(rateLimit, {
    global: false,
    keyGenerator: clientKey,
    // Polling clients get no use of the x-ratelimit-* trio on every answer (three headers per
    // poll); a refused request still carries Retry-After.
    addHeadersOnExceeding: { 'x-ratelimit-limit': false, 'x-ratelimit-remaining': false, 'x-ratelimit-reset': false },
    errorResponseBuilder: (_request, context) =>
      new AppError('LT_RATE_LIMITED', `too many lookups: retry in ${context.after}`, {
        extensions: { retryAfterSeconds: Math.ceil(context.ttl / 1000) },
      }),
  });

  // Second limiter: counts only not-found answers, so guessing PINs is cut off long before the
  // per-minute limit would. When a client reaches the bound it is refused until the window ends.
  const countFailure = app.createRateLimit({ max: limits.failures, timeWindow: limits.failureWindowMs, keyGenerator: clientKey });
  const blocked = new Map<string, number>();
  const blockedFor = (key: string): number => {
    const until = blocked.get(key);
    if (until === undefined) return 0;
    if (until <= Date.now()) {
      blocked.delete(key);
      return 0;
    }
    return Math.ceil((until - Date.now()) / 1000);
  };

  app.get<{ Params: { dossierCode: string }; Querystring: { pin: string } }>(
    '/v1/track/:dossierCode',
    {
      config: { auth: 'public', rateLimit: { max: limits.perMinute, timeWindow: 60_000 } },
      schema: {
        tags,
        summary: 'Status of a dossier for the citizen holding its code and PIN (ETag; If-None-Match → 304)',
        security: [],
        params: {
          type: 'object',
          required: ['dossierCode'],
          properties: { dossierCode: { type: 'string', pattern: DOSSIER_CODE_PATTERN } },
        },
        querystring: { type: 'object', required: ['pin'], properties: { pin: { type: 'string', pattern: PIN_PATTERN } } },
      },
      preHandler: (request, reply, done) => {
        const seconds = blockedFor(clientKey(request));
        if (seconds === 0) return done();
        reply.header('retry-after', String(seconds));
        done(
          new AppError('LT_RATE_LIMITED', `too many lookups without a match: retry in ${seconds} s`, {
            extensions: { retryAfterSeconds: seconds },
          }),
        );
      },
    },
    async (request, reply) => {
      const answer = deps.lookup.answer(request.params.dossierCode, request.query.pin);
      if (!answer) {
        const count = await countFailure(request);
        if (!count.isAllowed && count.remaining === 0) {
          const key = clientKey(request);
          blocked.delete(key); // re-insert at the end: the map is swept oldest first
          blocked.set(key, Date.now() + count.ttl);
          if (blocked.size > 100_000) for (const k of blocked.keys()) if (blocked.size > 100_000) blocked.delete(k);
        }
        return reply.code(404).header('cache-control', 'no-store').type(PROBLEM_CONTENT_TYPE).send(NOT_FOUND_BODY);
      }
      const { body, etag } = answer;
      // Polling: the browser may keep the answer but must revalidate each time (a 304 costs no
      // body); `private` keeps shared caches from storing a PIN-protected answer.
      reply.header('etag', etag).header('cache-control', 'private, no-cache');
      if (etagMatches(request.headers['if-none-match'], etag)) return reply.code(304).send();
      return reply.type('application/json; charset=utf-8').send(body);
    },
  );
}
