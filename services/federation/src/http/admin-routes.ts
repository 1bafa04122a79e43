import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { commandContext, notFound, parseWith, unprocessable, zodValidatorCompiler } from '@lienthong/service-kit';
import type { EventStore } from '@lienthong/event-store';
import { parseRoutePattern } from '../domain/route-patterns.js';
import { PeerKinds, RefusalReasons, type PeerData, type RefusalData } from '../events.js';
import type { FederationState } from '../federation-state.js';

const problem = { description: 'problem+json', type: 'object', additionalProperties: true } as const;
const tags = ['federation'];
/** The JSON Schema /docs shows for a zod schema (zod stays the one check). */
function jsonSchema(schema: z.ZodType): Record<string, unknown> {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, { target: 'draft-07', io: 'input' }) as Record<string, unknown>;
  return rest;
}
const PEER_ID = /^[a-z0-9][a-z0-9-]{0,62}$/;
const peerParams = { type: 'object', required: ['peerId'], properties: { peerId: { type: 'string', pattern: PEER_ID.source } } } as const;

const peerBody = z
  .object({
    peerId: z.string().regex(PEER_ID, 'lower-case letters, digits and dashes, at most 63'),
    name: z.string().trim().min(1).max(300),
    baseUrl: z.url({ protocol: /^https?$/ }).max(2000),
    keyId: z.string().min(1).max(200),
    publicKey: z
      .string()
      .regex(/^[A-Za-z0-9_-]{43}$/, 'the raw 32-byte Ed25519 public key, base64url (as /v1/federation/identity gives it)'),
    routes: z
      .array(z.string().max(200))
      .min(1)
      .max(1000)
      .superRefine((routes, ctx) => {
        for (const [i, r] of routes.entries()) {
          const parsed = parseRoutePattern(r);
          if (typeof parsed === 'string') ctx.addIssue({ code: 'custom', path: [i], message: parsed });
        }
      }),
    kind: z.enum(PeerKinds).default('hub'),
  })
  .strict();
const peerJsonSchema = jsonSchema(peerBody);

export interface AdminRouteDeps {
  readonly state: FederationState;
  readonly store: EventStore;
  /** Fetches a peer's directory (signed) and stores it. */
  readonly sync: (peerId: string, ctx: { correlationId: string; actor: string }) => Promise<{ agencies: number }>;
  readonly wake: () => void;
}

/** Peers, their outboxes and what peers sent that was refused (SPEC §6; admin only). */
export async function federationAdminRoutes(app: FastifyInstance, deps: AdminRouteDeps) {
  const { state } = deps;
  const view = (peer: PeerData, status: 'active' | 'retired') => {
    const pending = state.pending(peer.peerId);
    const oldest = Math.min(...pending.map((t) => t.queuedAt));
    const stats = state.stats(peer.peerId);
    const directory = state.directory(peer.peerId);
    return {
      ...peer,
      status,
      outbox: {
        depth: pending.length,
        oldestPendingAgeSeconds: Number.isFinite(oldest) ? Math.round((Date.now() - oldest) / 1000) : 0,
        deliveredSinceStart: stats.delivered,
        failuresSinceStart: stats.failed,
        lastSuccessAt: stats.lastSuccessAt,
        lastError: stats.lastError ?? pending.find((t) => t.lastError)?.lastError ?? null,
        lastErrorAt: stats.lastErrorAt,
      },
      directory: directory ? { agencies: directory.size } : null,
    };
  };
  const peerOr404 = (peerId: string) => {
    const p = state.peer(peerId);
    if (!p) throw notFound(`no peer ${peerId}`);
    return p;
  };

  app.post<{ Body: z.infer<typeof peerBody> }>(
    '/v1/admin/peers',
    {
      config: { auth: ['admin'] },
      validatorCompiler: zodValidatorCompiler({ body: peerBody }),
      schema: {
        tags,
        summary: 'Register a peer hub or the national axis (201), or update it (200)',
        body: peerJsonSchema,
        response: { 400: problem },
      },
    },
    async (request, reply) => {
      const { created } = await state.registerPeer(request.body, commandContext(request));
      deps.wake();
      const p = peerOr404(request.body.peerId);
      return reply.code(created ? 201 : 200).send(view(p.peer, p.status));
    },
  );

  app.get('/v1/admin/peers', { config: { auth: ['admin'] }, schema: { tags, summary: 'Peers, with their outboxes' } }, async () => ({
    peers: state.activePeers().map((p) => view(p, 'active')),
  }));

  app.get<{ Params: { peerId: string } }>(
    '/v1/admin/peers/:peerId',
    {
      config: { auth: ['admin'] },
      schema: {
        tags,
        summary: 'A peer: outbox depth, oldest pending age, last success, last error',
        params: peerParams,
        response: { 404: problem },
      },
    },
    async (request) => {
      const p = peerOr404(request.params.peerId);
      return view(p.peer, p.status);
    },
  );

  app.delete<{ Params: { peerId: string } }>(
    '/v1/admin/peers/:peerId',
    {
      config: { auth: ['admin'] },
      schema: { tags, summary: 'Retire a peer (idempotent); its pending transfers wait', params: peerParams, response: { 404: problem } },
    },
    async (request, reply) => {
      await state.retirePeer(request.params.peerId, commandContext(request));
      return reply.code(204).send();
    },
  );

  app.get<{ Params: { peerId: string } }>(
    '/v1/admin/peers/:peerId/transfers',
    {
      config: { auth: ['admin'] },
      schema: { tags, summary: "A peer's pending transfers", params: peerParams, response: { 404: problem } },
    },
    async (request) => {
      peerOr404(request.params.peerId);
      return {
        transfers: state.pending(request.params.peerId).map((t) => ({
          transferId: t.transfer.transferId,
          kind: t.transfer.kind,
          origin: t.transfer.origin,
          documentId: t.transfer.documentId,
          recipients: t.transfer.recipients,
          attempts: t.attempts,
          nextAttemptAt: t.nextAttemptAt,
          lastError: t.lastError,
          queuedAt: new Date(t.queuedAt).toISOString(),
        })),
      };
    },
  );

  const dropBody = z.object({ reason: z.string().trim().min(1).max(1000) }).strict();
  app.post<{ Params: { peerId: string; transferId: string }; Body: z.infer<typeof dropBody> }>(
    '/v1/admin/peers/:peerId/transfers/:transferId/drop',
    {
      config: { auth: ['admin'] },
      validatorCompiler: zodValidatorCompiler({
        params: z.object({ peerId: z.string().regex(PEER_ID), transferId: z.string().regex(/^[0-9a-f]{32}$/) }),
        body: dropBody,
      }),
      schema: {
        tags,
        summary: 'Drop a pending transfer (recorded with the reason); a delivered one → 409',
        params: {
          type: 'object',
          required: ['peerId', 'transferId'],
          properties: { peerId: peerParams.properties.peerId, transferId: { type: 'string', pattern: '^[0-9a-f]{32}$' } },
        },
        body: jsonSchema(dropBody),
        response: { 404: problem, 409: problem },
      },
    },
    async (request) => {
      const t = await state.transfer(request.params.transferId);
      if (t.status === 'none' || t.transfer.peerId !== request.params.peerId)
        throw notFound(`no transfer ${request.params.transferId} to ${request.params.peerId}`);
      const after = await state.drop(request.params.transferId, request.body.reason, commandContext(request));
      return { transferId: request.params.transferId, status: after.status };
    },
  );

  app.post<{ Params: { peerId: string } }>(
    '/v1/admin/peers/:peerId/sync',
    {
      config: { auth: ['admin'] },
      schema: {
        tags,
        summary: "Fetch a peer's agencies (signed GET /v1/federation/agencies) and keep them",
        params: peerParams,
        response: { 404: problem, 422: problem },
      },
    },
    async (request) => {
      const p = peerOr404(request.params.peerId);
      if (p.status !== 'active') throw unprocessable(`peer ${request.params.peerId} is retired`);
      return deps.sync(request.params.peerId, commandContext(request));
    },
  );

  const refusalsQuery = z.object({
    after: z.coerce.number().int().min(0).default(0),
    limit: z.coerce.number().int().min(1).max(500).default(100),
    reason: z.enum(RefusalReasons).optional(),
  });
  app.get<{ Querystring: z.infer<typeof refusalsQuery> }>(
    '/v1/admin/federation/refusals',
    {
      config: { auth: ['admin'] },
      validatorCompiler: zodValidatorCompiler({ querystring: refusalsQuery }),
      schema: {
        tags,
        summary: 'Requests from peers refused (bad signature, loop, foreign From…), oldest first; page with after=<position>',
        querystring: jsonSchema(refusalsQuery),
      },
    },
    async (request) => {
      const q = parseWith(refusalsQuery, request.query, 'querystring');
      const refusals: Array<RefusalData & { at: string; position: number }> = [];
      let after = q.after;
      while (refusals.length < q.limit) {
        const page = await deps.store.readAll({
          after,
          maxCount: 500,
          streamPrefixes: ['fed-refusal-'],
          eventTypes: ['FederationRequestRefused'],
        });
        for (const e of page) {
          const data = e.data as RefusalData;
          if (!q.reason || data.reason === q.reason) refusals.push({ ...data, at: e.metadata.at, position: e.position });
          if (refusals.length >= q.limit) break;
        }
        if (page.length < 500) break;
        after = page[page.length - 1]!.position;
      }
      return { refusals };
    },
  );
}
