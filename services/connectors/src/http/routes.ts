import type { FastifyInstance } from 'fastify';
import type { z } from 'zod';
import { commandContext, zodValidatorCompiler } from '@lienthong/service-kit';
import type { ConnectorService } from '../connector-service.js';
import { idParams, jsonSchema, registerBody, replayBody, retryBody } from './schemas.js';

const problem = { description: 'problem+json', type: 'object', additionalProperties: true } as const;
const tags = ['connectors'];
const params = jsonSchema(idParams);
type Id = { Params: z.infer<typeof idParams> };

/** Connectors (SPEC §8), admin only: registry, outbox view, replay, dead letters. */
export async function connectorRoutes(app: FastifyInstance, deps: { service: ConnectorService }) {
  const { service } = deps;

  app.post<{ Body: z.infer<typeof registerBody> }>(
    '/v1/admin/connectors',
    {
      config: { auth: ['admin'] },
      validatorCompiler: zodValidatorCompiler({ body: registerBody }),
      schema: {
        tags,
        summary: 'Register a connector (dvcqg: the national portal; webhook: Standard Webhooks); the secret is in this answer only',
        body: jsonSchema(registerBody),
        response: { 400: problem, 401: problem, 403: problem, 409: problem },
      },
    },
    async (request, reply) => reply.code(201).send(await service.register(request.body, commandContext(request))),
  );

  app.get(
    '/v1/admin/connectors',
    { config: { auth: ['admin'] }, schema: { tags, summary: 'Connectors (never their secrets)' } },
    async () => ({
      connectors: service.list(),
    }),
  );

  app.get<Id>(
    '/v1/admin/connectors/:id',
    {
      config: { auth: ['admin'] },
      validatorCompiler: zodValidatorCompiler({ params: idParams }),
      schema: {
        tags,
        summary: 'A connector with its outbox: lag, depth, attempts, failures by reason, dead letters',
        params,
        response: { 400: problem, 404: problem },
      },
    },
    async (request) => service.get(request.params.id),
  );

  app.delete<Id>(
    '/v1/admin/connectors/:id',
    {
      config: { auth: ['admin'] },
      validatorCompiler: zodValidatorCompiler({ params: idParams }),
      schema: { tags, summary: 'Delete a connector: its outbox stops (idempotent)', params, response: { 400: problem, 404: problem } },
    },
    async (request) => service.remove(request.params.id, commandContext(request)),
  );

  for (const action of ['pause', 'resume'] as const) {
    app.post<Id>(
      `/v1/admin/connectors/:id/${action}`,
      {
        config: { auth: ['admin'] },
        validatorCompiler: zodValidatorCompiler({ params: idParams }),
        schema: {
          tags,
          summary: action === 'pause' ? 'Pause delivery (events wait in the log)' : 'Resume delivery where it stopped',
          params,
          response: { 400: problem, 404: problem },
        },
      },
      async (request) =>
        action === 'pause'
          ? service.pause(request.params.id, commandContext(request))
          : service.resume(request.params.id, commandContext(request)),
    );
  }

  app.post<Id & { Body: z.infer<typeof replayBody> }>(
    '/v1/admin/connectors/:id/replay',
    {
      config: { auth: ['admin'] },
      validatorCompiler: zodValidatorCompiler({ params: idParams, body: replayBody }),
      schema: {
        tags,
        summary: 'Deliver again every matching event from a global position on',
        params,
        body: jsonSchema(replayBody),
        response: { 400: problem, 404: problem },
      },
    },
    async (request, reply) =>
      reply.code(202).send(await service.replay(request.params.id, request.body.fromPosition, commandContext(request))),
  );

  app.post<Id & { Body: z.infer<typeof retryBody> }>(
    '/v1/admin/connectors/:id/dead-letters/retry',
    {
      config: { auth: ['admin'] },
      validatorCompiler: zodValidatorCompiler({ params: idParams, body: retryBody }),
      schema: {
        tags,
        summary: 'Hand dead letters back to the outbox (all, or `positions`)',
        params,
        body: jsonSchema(retryBody.unwrap()),
        response: { 400: problem, 404: problem },
      },
    },
    async (request, reply) =>
      reply.code(202).send(await service.retryDeadLetters(request.params.id, request.body?.positions ?? null, commandContext(request))),
  );
}
