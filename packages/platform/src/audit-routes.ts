/**
 * Audit (admin only): streams and events by stream or global position, any aggregate as it was
 * at a revision or an instant, and verification (hash chains and seals). Every list answers `{items, next}`:
 * `next` is the cursor to pass back (null at the end).
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { AppError, notFound, parseWith, unprocessable } from '@lienthong/service-kit';
import type { RecordedEvent } from '@lienthong/event-store';
import {
  aggregateOf, historicState, parseAsOf, sqliteChainSource, sqliteFileOf, storeChainSource, verifyChains,
} from './audit/index.js';
import { readHubPublicKey } from './hub-key.js';
import type { Platform } from './types.js';

const tags = ['audit'];
const admin = { auth: ['admin'] as const };
const MAX_LIMIT = 1000;
/** Events a time-filtered page may scan before answering with what it found and a cursor. */
const SCAN_BUDGET = 20_000;

const limit = (fallback: number) => z.coerce.number().int().min(1).max(MAX_LIMIT).default(fallback);
const position = z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
const instant = z.string().refine((s) => parseAsOf(s) !== null && !/^\d+$/.test(s), 'must be an ISO-8601 time').transform((s) => Date.parse(s));
const queryText = z.string().max(500);

const StreamsQuery = z.object({ prefix: queryText.optional(), after: queryText.optional(), limit: limit(100) }).strict();
const StreamEventsQuery = z.object({ from: position.optional(), limit: limit(100), direction: z.enum(['forward', 'backward']).default('forward') }).strict();
const EventsQuery = z
  .object({
    fromPosition: position.default(1),
    type: z.union([queryText, z.array(queryText).max(50)]).optional(),
    since: instant.optional(),
    until: instant.optional(),
    limit: limit(100),
  })
  .strict()
  .refine((q) => q.since === undefined || q.until === undefined || q.since <= q.until, { message: 'must not be after until', path: ['since'] });
const StateQuery = z.object({ at: z.string().max(64).optional() }).strict();
const VerifyBody = z.object({ stream: z.string().min(1).max(500).optional() }).strict();

type Query = Record<string, unknown>;
const streamParams = { type: 'object', properties: { stream: { type: 'string', minLength: 1, maxLength: 500 } } };

/** An event as the audit routes show it. */
const view = (e: RecordedEvent) => ({
  position: e.position, stream: e.stream, revision: e.revision, id: e.id, type: e.type, data: e.data, metadata: e.metadata, prevHash: e.prevHash, hash: e.hash,
});

export async function auditRoutes(app: FastifyInstance, { platform }: { platform: Platform }) {
  const { store } = platform;

  const requireStream = async (stream: string) => {
    const info = await store.streamInfo(stream);
    if (!info) throw notFound(`no stream ${stream}`);
    return info;
  };

  app.get<{ Querystring: Query }>('/v1/admin/streams', { config: admin, schema: { tags, summary: 'Streams by name (prefix filter, alphabetical paging)' } }, async (request) => {
    const q = parseWith(StreamsQuery, request.query, 'querystring');
    const rows = await store.listStreams({ ...(q.prefix ? { prefix: q.prefix } : {}), ...(q.after ? { after: q.after } : {}), limit: q.limit + 1 });
    const items = rows.slice(0, q.limit);
    return { items, next: rows.length > q.limit ? (items.at(-1)?.stream ?? null) : null };
  });

  app.get<{ Params: { stream: string }; Querystring: Query }>(
    '/v1/admin/streams/:stream/events',
    { config: admin, schema: { tags, summary: "A stream's events by revision (`from` inclusive, forward or backward)", params: streamParams } },
    async (request) => {
      const q = parseWith(StreamEventsQuery, request.query, 'querystring');
      const info = await requireStream(request.params.stream);
      const backward = q.direction === 'backward';
      const events = await store.readStream(info.stream, { direction: q.direction, fromRevision: q.from ?? (backward ? info.revision : 0), maxCount: q.limit + 1 });
      const items = events.slice(0, q.limit);
      const more = events.length > q.limit;
      const last = items.at(-1);
      return { stream: info.stream, revision: info.revision, items: items.map(view), next: more && last ? last.revision + (backward ? -1 : 1) : null };
    },
  );

  app.get<{ Querystring: Query }>(
    '/v1/admin/events',
    { config: admin, schema: { tags, summary: 'Events of every stream by global position (`fromPosition` inclusive), by type(s) and recorded time' } },
    async (request) => {
      const q = parseWith(EventsQuery, request.query, 'querystring');
      const types = (Array.isArray(q.type) ? q.type : q.type === undefined ? [] : [q.type]).flatMap((t) => t.split(',')).map((t) => t.trim()).filter(Boolean);
      const timed = q.since !== undefined || q.until !== undefined;
      const items: RecordedEvent[] = [];
      let after = q.fromPosition - 1;
      let exhausted = false;
      // Time is in the metadata, not an index: scan pages within a budget, answer with a cursor.
      for (let scanned = 0; items.length < q.limit && scanned < SCAN_BUDGET; ) {
        const page = await store.readAll({ after, maxCount: timed ? 1000 : q.limit - items.length, ...(types.length > 0 ? { eventTypes: types } : {}) });
        if (page.length === 0) {
          exhausted = true;
          break;
        }
        for (const e of page) {
          after = e.position;
          scanned++;
          const at = Date.parse(e.metadata.at);
          if ((q.since === undefined || at >= q.since) && (q.until === undefined || at <= q.until)) items.push(e);
          if (items.length === q.limit) break;
        }
      }
      if (!exhausted && items.length === q.limit) exhausted = (await store.readAll({ after, maxCount: 1, ...(types.length > 0 ? { eventTypes: types } : {}) })).length === 0;
      return { items: items.map(view), next: exhausted ? null : after + 1 };
    },
  );

  app.get<{ Params: { stream: string }; Querystring: Query }>(
    '/v1/admin/streams/:stream/state',
    {
      config: admin,
      schema: { tags, summary: 'The aggregate as it was at a revision (`at=3`) or an instant (`at=2026-01-02T03:04:05Z`); default now', params: streamParams },
    },
    async (request) => {
      const q = parseWith(StateQuery, request.query, 'querystring');
      const asOf = q.at === undefined ? null : parseAsOf(q.at);
      if (q.at !== undefined && !asOf)
        throw new AppError('LT_VALIDATION', `at must be a revision number or an ISO-8601 time, not ${JSON.stringify(q.at)}`, { errors: [{ path: 'querystring/at', message: 'must be a revision number or an ISO-8601 time' }] });
      const info = await requireStream(request.params.stream);
      if (asOf && 'revision' in asOf && asOf.revision > info.revision)
        throw new AppError('LT_VALIDATION', `${info.stream} has revisions 0..${info.revision}; at=${asOf.revision} is beyond its head`, { errors: [{ path: 'querystring/at', message: `must be at most ${info.revision}` }] });
      const aggregate = aggregateOf(platform.aggregates, info.stream);
      if (!aggregate)
        throw unprocessable(`no aggregate type is registered for ${info.stream}: read its ${info.revision + 1} events at /v1/admin/streams/${encodeURIComponent(info.stream)}/events`, {
          events: info.revision + 1,
          knownPrefixes: platform.aggregates.map((a) => a.streamPrefix),
        });
      return historicState(store, aggregate, info.stream, asOf ?? { revision: info.revision }, info.revision);
    },
  );

  app.post<{ Body: unknown }>(
    '/v1/admin/audit/verify',
    { config: admin, schema: { tags, summary: 'Check every hash chain (or one stream): links, contiguous revisions, hashes and recorded heads; over the whole store also gap-free positions and every seal (running hash, signature)' } },
    async (request) => {
      const body = parseWith(VerifyBody, request.body ?? {}, 'body');
      if (body.stream !== undefined) await requireStream(body.stream);
      const file = sqliteFileOf(platform.config);
      const source = file ? sqliteChainSource(file) : storeChainSource(store);
      try {
        return await verifyChains(source, body.stream !== undefined ? { stream: body.stream } : { sealKey: readHubPublicKey(platform.config.dataDir) });
      } finally {
        await source.close();
      }
    },
  );
}
