import { Readable } from 'node:stream';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { EdxmlWarning } from '@lienthong/edxml';
import {
  AppError,
  commandContext,
  idempotencyKey,
  idempotencyKeyHeaderSchema,
  zodValidatorCompiler,
  type Principal,
} from '@lienthong/service-kit';
import type { DirectoryView } from '@lienthong/directory';
import {
  organsOf,
  StatusBody,
  type DocumentService,
  type MessageBody,
  type StatusMessage,
  type SystemPrincipal,
} from '../document-service.js';
import { isStream } from '../intake.js';
import { deliveryWire, type DeliveryStream } from './delivery-stream.js';

const problem = { description: 'problem+json', type: 'object', additionalProperties: true } as const;
const tags = ['documents'];
const XML_TYPES = ['application/xml', 'text/xml', 'application/soap+xml'];

const idParam = (name: string, maxLength = 512) =>
  ({ type: 'object', required: [name], properties: { [name]: { type: 'string', minLength: 1, maxLength } } }) as const;
const accepted = {
  type: 'object',
  properties: {
    documentId: { type: 'string' },
    statusId: { type: 'string' },
    recipients: { type: 'array', items: { type: 'object', properties: { organId: { type: 'string' }, deliveryId: { type: 'string' } } } },
    warnings: {
      description:
        'What the edXML reader tolerated (absent when nothing was), e.g. attachment-not-base64: the attachment named was not base64 and is stored as its text',
      type: 'array',
      items: {
        type: 'object',
        required: ['code', 'message'],
        properties: { code: { type: 'string' }, message: { type: 'string' }, attachment: { type: 'string' } },
      },
    },
  },
} as const;

/**
 * Tolerated irregularities are never swallowed: answered (`warnings`) and logged with the
 * request's correlation id, at warn when an attachment is concerned (stored as its text), else info.
 */
function logWarnings(request: FastifyRequest, answer: { documentId: string; statusId?: string; warnings?: readonly EdxmlWarning[] }): void {
  const warnings = answer.warnings ?? [];
  if (warnings.length === 0) return;
  // request.log carries the correlation id (correlationId) of the request.
  const entry = { documentId: answer.documentId, ...(answer.statusId ? { statusId: answer.statusId } : {}), warnings };
  if (warnings.some((w) => w.attachment !== undefined))
    request.log.warn(entry, 'edXML accepted with tolerated irregularities in attachments');
  else request.log.info(entry, 'edXML accepted with tolerated irregularities');
}
const deliverySchema = {
  type: 'object',
  properties: {
    deliveryId: { type: 'string' },
    kind: { type: 'string', enum: ['document', 'status'] },
    documentId: { type: 'string' },
    statusId: { type: 'string' },
    statusCode: { type: 'string' },
    from: { type: 'string' },
    to: { type: 'string' },
    subject: { type: ['string', 'null'] },
    createdAt: { type: 'string' },
    contentUrl: { type: 'string' },
  },
} as const;

/** The short JSON form of a status, as /docs shows it (zod, its source, is the one check). */
const { $schema: _draft, ...statusBodyJson } = z.toJSONSchema(StatusBody, { target: 'draft-07', io: 'input' }) as Record<string, unknown>;
const documentIdParams = z.object({ documentId: z.string().min(1).max(512) });

function systemOf(principal: Principal): SystemPrincipal {
  if (principal.kind !== 'system') throw new AppError('LT_FORBIDDEN', 'documents are sent and received by vendor systems');
  return principal;
}

function messageBody(request: FastifyRequest): MessageBody {
  const body = request.body;
  if (isStream(body)) return { kind: 'xml', stream: body };
  if (body === undefined || body === null)
    throw new AppError('LT_MALFORMED_BODY', 'a body is required: edXML (application/xml) or its JSON form (application/json)');
  return { kind: 'json', value: body };
}

/** Documents, statuses, inbox, deliveries, attachments and the delivery stream (SPEC §4 Documents). */
export async function documentRoutes(
  app: FastifyInstance,
  deps: { service: DocumentService; stream: DeliveryStream; directory: DirectoryView; maxBodyBytes: number },
) {
  const { service, stream } = deps;

  // edXML is handed to the streaming parser unbuffered; an announced size over the limit is refused before reading.
  app.addContentTypeParser(XML_TYPES, (request, payload, done) => {
    const length = Number(request.headers['content-length']);
    if (length > deps.maxBodyBytes)
      done(new AppError('LT_BODY_TOO_LARGE', `the body is larger than ${deps.maxBodyBytes} bytes (LT_MAX_BODY_MB)`), undefined);
    else done(null, payload);
  });
  // A refused streamed body is drained by service-kit's lingering close, so its client reads the answer.

  app.post(
    '/v1/documents',
    {
      config: { auth: ['system'] },
      schema: {
        tags,
        summary: 'Send a document (edXML as application/xml, or its JSON form)',
        headers: idempotencyKeyHeaderSchema,
        response: { 202: accepted, 400: problem, 403: problem, 409: problem, 413: problem, 422: problem },
      },
    },
    async (request, reply) => {
      const answer = await service.submit(
        messageBody(request),
        systemOf(request.principal),
        commandContext(request),
        idempotencyKey(request),
      );
      logWarnings(request, answer);
      return reply.code(202).send(answer);
    },
  );

  app.post<{ Params: { documentId: string }; Body: z.output<typeof StatusBody> | Readable | undefined }>(
    '/v1/documents/:documentId/status',
    {
      config: { auth: ['system'] },
      // The JSON form is checked by zod alone (a rule relates two fields); edXML is read by the service.
      validatorCompiler: zodValidatorCompiler({ params: documentIdParams, body: StatusBody }),
      schema: {
        tags,
        summary:
          'Report a status of a document (edXML status message, or {statusCode, description?, staff?, timestamp?, from?, to?}; to: the recipient of a recall, 13)',
        params: idParam('documentId'),
        body: { content: { 'application/json': { schema: statusBodyJson } } },
        response: { 202: accepted, 400: problem, 403: problem, 404: problem },
      },
    },
    async (request, reply) => {
      const body = request.body;
      if (body === undefined || body === null)
        throw new AppError('LT_MALFORMED_BODY', 'a body is required: edXML (application/xml) or its JSON form (application/json)');
      // edXML arrives as the request stream (the XML parser above), JSON as what zod produced
      const message: StatusMessage = body instanceof Readable ? { kind: 'xml', stream: body } : { kind: 'json', value: body };
      const answer = await service.reportStatus(
        request.params.documentId,
        message,
        systemOf(request.principal),
        commandContext(request),
        idempotencyKey(request),
      );
      logWarnings(request, answer);
      return reply.code(202).send(answer);
    },
  );

  app.get<{ Params: { documentId: string } }>(
    '/v1/documents/:documentId',
    {
      config: { auth: ['system', 'admin'] },
      schema: {
        tags,
        summary: 'A document: metadata, signature, and per recipient the delivery and status timeline',
        params: idParam('documentId'),
        response: { 403: problem, 404: problem },
      },
    },
    async (request) => service.getDocument(request.params.documentId, request.principal),
  );

  app.get<{ Querystring: { organId?: string; limit: number } }>(
    '/v1/inbox',
    {
      config: { auth: ['system'] },
      schema: {
        tags,
        summary: 'Pending deliveries (documents and statuses) for the caller’s organisations, oldest first',
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            organId: { type: 'string', minLength: 1, maxLength: 64 },
            limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
          },
        },
        response: { 200: { type: 'object', properties: { items: { type: 'array', items: deliverySchema } } }, 403: problem },
      },
    },
    async (request) => ({
      items: service.inbox(systemOf(request.principal), request.query.organId, request.query.limit).map(deliveryWire),
    }),
  );

  app.get<{ Params: { deliveryId: string }; Querystring: { format: 'edxml' | 'json' } }>(
    '/v1/deliveries/:deliveryId/content',
    {
      config: { auth: ['system'] },
      schema: {
        tags,
        summary: 'The delivered message: edXML with the hub’s TraceHeader, or JSON with attachment links',
        params: idParam('deliveryId', 64),
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { format: { type: 'string', enum: ['edxml', 'json'], default: 'edxml' } },
        },
        response: { 404: problem },
      },
    },
    async (request, reply) => {
      const content = await service.content(request.params.deliveryId, systemOf(request.principal), request.query.format);
      if (content.type === 'json') return content.body;
      return reply.type('application/xml; charset=utf-8').send(content.body);
    },
  );

  app.post<{ Params: { deliveryId: string } }>(
    '/v1/deliveries/:deliveryId/ack',
    {
      config: { auth: ['system'] },
      schema: {
        tags,
        summary: 'Acknowledge a delivery (idempotent)',
        params: idParam('deliveryId', 64),
        response: { 204: { type: 'null' }, 404: problem },
      },
    },
    async (request, reply) => {
      await service.acknowledge(request.params.deliveryId, systemOf(request.principal), commandContext(request));
      return reply.code(204).send();
    },
  );

  app.get<{ Params: { sha256: string } }>(
    '/v1/attachments/:sha256',
    {
      config: { auth: ['system', 'admin'] },
      schema: {
        tags,
        summary: 'Attachment content, for parties of a document carrying it',
        params: { type: 'object', required: ['sha256'], properties: { sha256: { type: 'string', pattern: '^[0-9a-f]{64}$' } } },
        response: { 404: problem },
      },
    },
    async (request, reply) => {
      const a = await service.attachment(request.params.sha256, request.principal);
      return reply
        .type(a.contentType ?? 'application/octet-stream')
        .header('content-length', a.size)
        .header('etag', `"${request.params.sha256}"`)
        .send(a.body);
    },
  );

  app.get<{ Querystring: { organId?: string } }>(
    '/v1/stream',
    {
      websocket: true,
      config: { auth: ['system'] },
      // refused before the upgrade, as a plain 403
      preHandler: async (request) => {
        organsOf(systemOf(request.principal), request.query.organId, deps.directory);
      },
      schema: {
        tags,
        summary: 'WebSocket: every pending and new delivery; ack with {"type":"ack","deliveryId"}',
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { organId: { type: 'string', minLength: 1, maxLength: 64 } },
        },
      },
    },
    (socket, request) => {
      try {
        stream.open(socket, request, systemOf(request.principal));
      } catch (error) {
        const detail = error instanceof Error ? error.message : String(error);
        socket.close(1008, detail.slice(0, 120));
      }
    },
  );
}
