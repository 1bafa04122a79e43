/**
 * Audit (admin only): streams and events by stream or global position, any aggregate as it was
 * at a revision or an instant, and verification (hash chains and seals). Every list answers `{items, next}`:
 * `next` is the cursor to pass back (null at the end).
 */
import type { FastifyInstance } from 'fastify';
import { AppError, notFound, unprocessable, validationError } from '@lienthong/service-kit';
import type { RecordedEvent } from '@lienthong/event-store';
import {
  AS_OF_PATTERN,
  INSTANT_PATTERN,
  aggregateOf,
  historicState,
  parseAsOf,
  sqliteChainSource,
  sqliteFileOf,
  storeChainSource,
  verifyChains,
} from './audit/index.js';
import { readHubPublicKey } from './hub-key.js';
import type { Platform } from './types.js';

const tags = ['audit'];
const admin = { auth: ['admin'] as const };
const MAX_LIMIT = 1000;
/** Events a time-filtered page may scan before answering with what it found and a cursor. */
const SCAN_BUDGET = 20_000;

// The routes' schemas are their only validators (and are shown in /docs); unknown parameters are refused.
const query = (properties: Record<string, object>) => ({ type: 'object', additionalProperties: false, properties }) as const;
const limit = (fallback: number) => ({ type: 'integer', minimum: 1, maximum: MAX_LIMIT, default: fallback }) as const;
const position = { type: 'integer', minimum: 0, maximum: Number.MAX_SAFE_INTEGER } as const;
const instant = { type: 'string', pattern: INSTANT_PATTERN, description: 'an ISO-8601 date or time' } as const;
const queryText = { type: 'string', maxLength: 500 } as const;

const StreamsQuery = query({ prefix: queryText, after: queryText, limit: limit(100) });
const StreamEventsQuery = query({
  from: position,
  limit: limit(100),
  direction: { type: 'string', enum: ['forward', 'backward'], default: 'forward' },
});
const EventsQuery = query({
  fromPosition: { ...position, default: 1 },
  type: { type: 'array', maxItems: 50, items: queryText, description: 'repeated or comma-separated' },
  since: instant,
  until: instant,
  limit: limit(100),
});
const StateQuery = query({
  at: { type: 'string', maxLength: 64, pattern: AS_OF_PATTERN, description: 'a revision number or an ISO-8601 time' },
});
const VerifyBody = {
  type: 'object',
  additionalProperties: false,
  properties: { stream: { type: 'string', minLength: 1, maxLength: 500 } },
} as const;

const streamParams = { type: 'object', properties: { stream: { type: 'string', minLength: 1, maxLength: 500 } } };

/** An event as the audit routes show it. */
const view = (e: RecordedEvent) => ({
  position: e.position,
  stream: e.stream,
  revision: e.revision,
  id: e.id,
  type: e.type,
  data: e.data,
  metadata: e.metadata,
  prevHash: e.prevHash,
  hash: e.hash,
});

export async function auditRoutes(app: FastifyInstance, { platform }: { platform: Platform }) {
  const { store } = platform;

  const requireStream = async (stream: string) => {
    const info = await store.streamInfo(stream);
    if (!info) throw notFound(`no stream ${stream}`);
    return info;
  };

  app.get<{ Querystring: { prefix?: string; after?: string; limit: number } }>(
    '/v1/admin/streams',
    { config: admin, schema: { tags, summary: 'Streams by name (prefix filter, alphabetical paging)', querystring: StreamsQuery } },
    async (request) => {
      const q = request.query;
      const rows = await store.listStreams({
        ...(q.prefix ? { prefix: q.prefix } : {}),
        ...(q.after ? { after: q.after } : {}),
        limit: q.limit + 1,
      });
      const items = rows.slice(0, q.limit);
      return { items, next: rows.length > q.limit ? (items.at(-1)?.stream ?? null) : null };
    },
  );

  app.get<{ Params: { stream: string }; Querystring: { from?: number; limit: number; direction: 'forward' | 'backward' } }>(
    '/v1/admin/streams/:stream/events',
    {
      config: admin,
      schema: {
        tags,
        summary: "A stream's events by revision (`from` inclusive, forward or backward)",
        params: streamParams,
        querystring: StreamEventsQuery,
      },
    },
    async (request) => {
      const q = request.query;
      const info = await requireStream(request.params.stream);
      const backward = q.direction === 'backward';
      const events = await store.readStream(info.stream, {
        direction: q.direction,
        fromRevision: q.from ?? (backward ? info.revision : 0),
        maxCount: q.limit + 1,
      });
      const items = events.slice(0, q.limit);
      const more = events.length > q.limit;
      const last = items.at(-1);
      return {
        stream: info.stream,
        revision: info.revision,
        items: items.map(view),
        next: more && last ? last.revision + (backward ? -1 : 1) : null,
      };
    },
  );

  app.get<{ Querystring: { fromPosition: number; type?: string[]; since?: string; until?: string; limit: number } }>(
    '/v1/admin/events',
    {
      config: admin,
      schema: {
        tags,
        summary: 'Events of every stream by global position (`fromPosition` inclusive), by type(s) and recorded time',
        querystring: EventsQuery,
      },
    },
    async (request) => {
      const q = request.query;
      const since = q.since === undefined ? undefined : Date.parse(q.since);
      const until = q.until === undefined ? undefined : Date.parse(q.until);
      // How two parameters relate is beyond a JSON Schema: checked here, answered the same way.
      if (since !== undefined && until !== undefined && since > until)
        throw validationError('since must not be after until', [{ path: 'querystring/since', message: 'must not be after until' }]);
      const types = (q.type ?? [])
        .flatMap((t) => t.split(','))
        .map((t) => t.trim())
        .filter(Boolean);
      const timed = since !== undefined || until !== undefined;
      const items: RecordedEvent[] = [];
      let after = q.fromPosition - 1;
      let exhausted = false;
      // Time is in the metadata, not an index: scan pages within a budget, answer with a cursor.
      for (let scanned = 0; items.length < q.limit && scanned < SCAN_BUDGET;) {
        const page = await store.readAll({
          after,
          maxCount: timed ? 1000 : q.limit - items.length,
          ...(types.length > 0 ? { eventTypes: types } : {}),
        });
        if (page.length === 0) {
          exhausted = true;
          break;
        }
        for (const e of page) {
          after = e.position;
          scanned++;
          const at = Date.parse(e.metadata.at);
          if ((since === undefined || at >= since) && (until === undefined || at <= until)) items.push(e);
          if (items.length === q.limit) break;
        }
      }
      if (!exhausted && items.length === q.limit)
        exhausted = (await store.readAll({ after, maxCount: 1, ...(types.length > 0 ? { eventTypes: types } : {}) })).length === 0;
      return { items: items.map(view), next: exhausted ? null : after + 1 };
    },
  );

  app.get<{ Params: { stream: string }; Querystring: { at?: string } }>(
    '/v1/admin/streams/:stream/state',
    {
      config: admin,
      schema: {
        tags,
        summary: 'The aggregate as it was at a revision (`at=3`) or an instant (`at=2026-01-02T03:04:05Z`); default now',
        params: streamParams,
        querystring: StateQuery,
      },
    },
    async (request) => {
      const { at } = request.query;
      // The schema's pattern is the one parseAsOf reads by: an `at` it let through parses.
      const asOf = at === undefined ? null : parseAsOf(at);
      if (at !== undefined && asOf === null) throw new Error(`at=${at} passed the schema of its route yet does not parse`);
      const info = await requireStream(request.params.stream);
      if (asOf && 'revision' in asOf && asOf.revision > info.revision)
        throw new AppError('LT_VALIDATION', `${info.stream} has revisions 0..${info.revision}; at=${asOf.revision} is beyond its head`, {
          errors: [{ path: 'querystring/at', message: `must be at most ${info.revision}` }],
        });
      const aggregate = aggregateOf(platform.aggregates, info.stream);
      if (!aggregate)
        throw unprocessable(
          `no aggregate type is registered for ${info.stream}: read its ${info.revision + 1} events at /v1/admin/streams/${encodeURIComponent(info.stream)}/events`,
          {
            events: info.revision + 1,
            knownPrefixes: platform.aggregates.map((a) => a.streamPrefix),
          },
        );
      return historicState(store, aggregate, info.stream, asOf ?? { revision: info.revision }, info.revision);
    },
  );

  app.post<{ Body: { stream?: string } }>(
    '/v1/admin/audit/verify',
    {
      config: admin,
      // No body is an empty one: the whole store.
      preValidation: async (request) => {
        request.body ??= {};
      },
      schema: {
        tags,
        summary:
          'Check every hash chain (or one stream): links, contiguous revisions, hashes and recorded heads; over the whole store also gap-free positions and every seal (running hash, signature)',
        body: VerifyBody,
      },
    },
    async (request) => {
      const body = request.body;
      if (body.stream !== undefined) await requireStream(body.stream);
      const file = sqliteFileOf(platform.config);
      const source = file ? sqliteChainSource(file) : storeChainSource(store);
      try {
        return await verifyChains(
          source,
          body.stream !== undefined ? { stream: body.stream } : { sealKey: readHubPublicKey(platform.config.secretsDir) },
        );
      } finally {
        await source.close();
      }
    },
  );
}
