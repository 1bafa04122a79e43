import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { HubPublicKey } from '@lienthong/platform';
import { AppError } from '@lienthong/service-kit';
import type { DirectoryView } from '@lienthong/directory';
import type { Receiver, IncomingRequest } from '../receiver.js';
import type { TransferKind } from '../events.js';

const problem = { description: 'problem+json', type: 'object', additionalProperties: true } as const;
const tags = ['federation'];
const transferQuery = {
  type: 'object',
  additionalProperties: false,
  required: ['origin', 'documentId'],
  properties: {
    origin: { type: 'string', minLength: 1, maxLength: 200, description: 'the hub that first sent the message into federation' },
    documentId: { type: 'string', minLength: 1, maxLength: 200, description: 'its id of the message there' },
    to: {
      type: 'string',
      maxLength: 20000,
      description: "the recipients (organ ids, comma-separated) the sender routed to this hub; default: the message's own",
    },
  },
} as const;

export interface FederationRouteDeps {
  readonly receiver: Receiver;
  readonly identity: { readonly organId: string; readonly name: string; readonly key: HubPublicKey };
  readonly directory: DirectoryView;
  /** Bytes a transfer may have (default: the app's body limit). */
  readonly maxTransferBytes?: number;
}

/** The surface peers call (SPEC §6): signed with RFC 9421, authenticated by the peer's registered key. */
export async function federationRoutes(app: FastifyInstance, deps: FederationRouteDeps) {
  const { receiver, identity } = deps;
  // The digest is checked over the bytes received: the body stays a Buffer in this plugin.
  for (const type of ['application/xml', 'text/xml']) if (app.hasContentTypeParser(type)) app.removeContentTypeParser(type);
  app.addContentTypeParser(
    ['application/xml', 'text/xml'],
    { parseAs: 'buffer', ...(deps.maxTransferBytes ? { bodyLimit: deps.maxTransferBytes } : {}) },
    (_r, body, done) => done(null, body),
  );
  app.addHook('onError', async (request, _reply, error) => {
    if ((error as { code?: string }).code === 'FST_ERR_CTP_BODY_TOO_LARGE' && request.url.startsWith('/v1/federation/'))
      await receiver.refuse('too-large', 'LT_BODY_TOO_LARGE', error.message, {
        path: request.url.split('?')[0] ?? request.url,
        remoteAddress: request.ip,
      });
  });

  const incoming = (request: FastifyRequest, body: Buffer): IncomingRequest => ({
    method: request.method,
    url: `${request.protocol}://${request.host}${request.url}`,
    path: request.url.split('?')[0] ?? request.url,
    headers: Object.fromEntries(
      Object.entries(request.headers).flatMap(([k, v]) => (v === undefined ? [] : [[k, Array.isArray(v) ? v.join(', ') : v]])),
    ),
    body,
    remoteAddress: request.ip,
  });

  app.get(
    '/v1/federation/identity',
    {
      config: { auth: 'public' },
      schema: {
        tags,
        summary:
          "This hub's federation identity: its organ id (written in the TraceHeader it appends) and its Ed25519 public key (raw, base64url)",
      },
    },
    async () => ({ organId: identity.organId, name: identity.name, keyId: identity.key.keyId, publicKey: identity.key.publicKeyRaw }),
  );

  const transferRoute = (kind: TransferKind, url: string, summary: string) =>
    app.post<{ Querystring: { origin: string; documentId: string; to?: string } }>(
      url,
      {
        config: { auth: 'public' },
        schema: {
          tags,
          summary,
          querystring: transferQuery,
          response: { 400: problem, 401: problem, 403: problem, 409: problem, 413: problem, 415: problem, 503: problem },
        },
      },
      async (request, reply) => {
        if (!Buffer.isBuffer(request.body))
          throw new AppError('LT_UNSUPPORTED_MEDIA_TYPE', 'a transfer is an edXML body (application/xml)');
        const result = await receiver.receive(kind, incoming(request, request.body), request.query);
        return reply.code(result.status).send({ received: true, duplicate: result.duplicate });
      },
    );
  transferRoute(
    'document',
    '/v1/federation/documents',
    'A document from a peer hub (signed edXML, deduplicated by origin and document id)',
  );
  transferRoute('status', '/v1/federation/status', 'A status message from a peer hub (signed edXML)');

  app.get(
    '/v1/federation/agencies',
    {
      config: { auth: 'public' },
      schema: { tags, summary: 'The agencies this hub serves, for a signed peer call (directory exchange)', response: { 401: problem } },
    },
    async (request) => {
      await receiver.authenticate(incoming(request, Buffer.alloc(0)));
      const agencies: Array<{ organId: string; name: string }> = [];
      for (let after: string | undefined; ;) {
        const page = deps.directory.listAgencies({ limit: 500, after });
        agencies.push(...page.map((a) => ({ organId: a.organId, name: a.name })));
        if (page.length < 500) break;
        after = page[page.length - 1]!.organId;
      }
      return { organId: identity.organId, agencies };
    },
  );
}
