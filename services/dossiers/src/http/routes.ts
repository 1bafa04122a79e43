import type { FastifyInstance } from 'fastify';
import { commandContext, idempotencyKey, idempotencyKeyHeaderSchema, validationError } from '@lienthong/service-kit';
import { VN_UTC_OFFSET_MS } from '@lienthong/calendar';
import type { DossierService, ReceiveInput } from '../dossier-service.js';
import { DossierActions } from '../domain/rules.js';
import { STATUS_CODES, parseStatus } from '@lienthong/dossier-contract';
import { ACTION_BODY_SCHEMAS, actionRequest, trimText, type ActionBody } from './action-bodies.js';

const problem = { description: 'problem+json', type: 'object', additionalProperties: true } as const;
const tags = ['dossiers'];
const staffOnly = { auth: ['admin', 'staff'] as const };
const codeParams = { type: 'object', properties: { code: { type: 'string', minLength: 1, maxLength: 120 } } } as const;

/** `YYYY-MM-DD` is a day on the Vietnam clock; anything else must be an ISO instant. */
export function instant(value: string, field: string, endOfDay: boolean): Date {
  const day = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  const ms = day ? Date.UTC(Number(day[1]), Number(day[2]) - 1, Number(day[3]) + (endOfDay ? 1 : 0)) - VN_UTC_OFFSET_MS : Date.parse(value);
  if (Number.isNaN(ms))
    throw validationError(`${field} must be YYYY-MM-DD or an ISO date-time`, [{ path: `querystring/${field}`, message: 'invalid date' }]);
  return new Date(ms);
}

/** Dossiers (SPEC §4): staff of the agency, admins everywhere. */
export async function dossierRoutes(app: FastifyInstance, deps: { service: DossierService }) {
  const { service } = deps;

  app.post<{ Body: ReceiveInput }>(
    '/v1/dossiers',
    {
      config: staffOnly,
      schema: {
        tags,
        summary: 'Receive a dossier; the lookup PIN is shown once (and again to a retry with the same Idempotency-Key and body)',
        headers: idempotencyKeyHeaderSchema,
        body: { $ref: 'lienthong/dossier-create#' },
        response: { 400: problem, 403: problem, 409: problem, 422: problem },
      },
    },
    async (request, reply) =>
      reply.code(201).send(await service.receive(request.body, request.principal, commandContext(request), idempotencyKey(request))),
  );

  app.get<{
    Querystring: {
      agencyId?: string;
      status?: string;
      overdue?: boolean;
      procedureCode?: string;
      officer?: string;
      limit: number;
      offset: number;
    };
  }>(
    '/v1/dossiers',
    {
      config: staffOnly,
      schema: {
        tags,
        summary: "An agency's queue, most urgent first",
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            agencyId: { type: 'string', maxLength: 64 },
            status: { type: 'string', maxLength: 32 },
            overdue: { type: 'boolean' },
            procedureCode: { type: 'string', maxLength: 64 },
            officer: { type: 'string', maxLength: 100 },
            limit: { type: 'integer', minimum: 1, maximum: 500, default: 50 },
            offset: { type: 'integer', minimum: 0, default: 0 },
          },
        },
      },
    },
    async (request) => {
      const { status, ...rest } = request.query;
      const parsed = status === undefined ? undefined : parseStatus(status);
      if (status !== undefined && parsed === undefined)
        throw validationError(`unknown status ${status}`, [{ path: 'querystring/status', message: 'must be a status name or code 1–10' }]);
      return service.list({ ...rest, statusCode: parsed === undefined ? undefined : STATUS_CODES[parsed] }, request.principal);
    },
  );

  app.get<{ Params: { code: string } }>(
    '/v1/dossiers/:code',
    {
      config: staffOnly,
      schema: {
        tags,
        summary: 'One dossier, with the actions the caller may take',
        params: codeParams,
        response: { 200: { $ref: 'lienthong/dossier#' }, 404: problem },
      },
    },
    async (request) => service.get(request.params.code, request.principal),
  );

  app.get<{ Params: { code: string } }>(
    '/v1/dossiers/:code/history',
    { config: staffOnly, schema: { tags, summary: "The dossier's events, oldest first", params: codeParams, response: { 404: problem } } },
    async (request) => service.history(request.params.code, request.principal),
  );

  // One route per action, so that each body has its schema (in /docs) and it is the only check.
  for (const action of DossierActions) {
    app.post<{ Params: { code: string }; Body: ActionBody }>(
      `/v1/dossiers/:code/actions/${action}`,
      {
        config: staffOnly,
        // An action without a body is one with an empty body; its text is checked trimmed.
        preValidation: async (request) => {
          request.body = trimText(request.body ?? {}) as ActionBody;
        },
        schema: {
          tags,
          summary: `${action}: move the dossier through the workflow (a retry with the same Idempotency-Key and body applies nothing and answers the same)`,
          headers: idempotencyKeyHeaderSchema,
          params: codeParams,
          body: ACTION_BODY_SCHEMAS[action],
          response: { 400: problem, 403: problem, 404: problem, 409: problem, 422: problem },
        },
      },
      async (request) =>
        service.act(
          request.params.code,
          actionRequest(action, request.body),
          request.principal,
          commandContext(request),
          idempotencyKey(request),
        ),
    );
  }

  app.get<{ Querystring: { agencyId?: string; from: string; to: string } }>(
    '/v1/reports/dossiers',
    {
      config: staffOnly,
      schema: {
        tags,
        summary: "An agency's figures over a period (dates are Vietnam days, `to` inclusive)",
        querystring: {
          type: 'object',
          required: ['from', 'to'],
          additionalProperties: false,
          properties: {
            agencyId: { type: 'string', maxLength: 64 },
            from: { type: 'string', maxLength: 40 },
            to: { type: 'string', maxLength: 40 },
          },
        },
      },
    },
    async (request) => {
      const from = instant(request.query.from, 'from', false);
      const to = instant(request.query.to, 'to', true);
      if (to.getTime() <= from.getTime())
        throw validationError('to must be after from', [{ path: 'querystring/to', message: 'must be after from' }]);
      return service.report({ agencyId: request.query.agencyId, from, to }, request.principal);
    },
  );
}
