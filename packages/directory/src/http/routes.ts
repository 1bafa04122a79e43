import type { FastifyInstance } from 'fastify';
import { commandContext, notFound, type StaffRole } from '@lienthong/service-kit';
import type { DirectoryService } from '../directory-service.js';
import type { DirectoryView } from '../projections/directory-projection.js';

const problem = { description: 'problem+json', type: 'object', additionalProperties: true } as const;
const tags = ['directory'];

/** Directory and credentials (SPEC §4): admins register; every authenticated caller reads agencies. */
export async function directoryRoutes(app: FastifyInstance, deps: { service: DirectoryService; view: DirectoryView }) {
  const { service, view } = deps;

  app.post<{ Body: { organId: string; name: string; level?: string; parentId?: string; altIds?: string[] } }>(
    '/v1/admin/agencies',
    {
      config: { auth: ['admin'] },
      schema: { tags, summary: 'Register an agency', body: { $ref: 'lienthong/agency-create#' }, response: { 201: { $ref: 'lienthong/agency#' }, 409: problem, 422: problem } },
    },
    async (request, reply) => reply.code(201).send(await service.registerAgency(request.body, commandContext(request))),
  );

  app.get<{ Querystring: { limit: number; after?: string; parentId?: string } }>(
    '/v1/agencies',
    {
      config: { auth: ['admin', 'system', 'staff'] },
      schema: {
        tags,
        summary: 'List agencies (paged by organId)',
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { limit: { type: 'integer', minimum: 1, maximum: 500, default: 100 }, after: { type: 'string', maxLength: 64 }, parentId: { type: 'string', maxLength: 64 } },
        },
        response: { 200: { type: 'object', properties: { items: { type: 'array', items: { $ref: 'lienthong/agency#' } }, next: { type: ['string', 'null'] } } } },
      },
    },
    async (request) => {
      const items = view.listAgencies(request.query);
      return { items, next: items.length === request.query.limit ? items.at(-1)!.organId : null };
    },
  );

  app.get<{ Params: { organId: string } }>(
    '/v1/agencies/:organId',
    {
      config: { auth: ['admin', 'system', 'staff'] },
      schema: {
        tags,
        summary: 'One agency, by any of its identifiers',
        params: { type: 'object', properties: { organId: { type: 'string', minLength: 1, maxLength: 64 } } },
        response: { 200: { $ref: 'lienthong/agency#' }, 404: problem },
      },
    },
    async (request) => {
      const agency = view.getAgency(request.params.organId);
      if (!agency) throw notFound(`no agency ${request.params.organId}`);
      return agency;
    },
  );

  app.post<{ Body: { name: string; vendor: string; organIds: string[]; requireValidSignature?: boolean } }>(
    '/v1/admin/systems',
    {
      config: { auth: ['admin'] },
      schema: {
        tags,
        summary: 'Register a vendor system; the token is shown once',
        body: { $ref: 'lienthong/system-create#' },
        response: {
          201: {
            type: 'object',
            properties: { systemId: { type: 'string' }, token: { type: 'string' }, name: { type: 'string' }, vendor: { type: 'string' }, organIds: { type: 'array', items: { type: 'string' } }, requireValidSignature: { type: 'boolean' } },
          },
          422: problem,
        },
      },
    },
    async (request, reply) => reply.code(201).send(await service.registerSystem(request.body, commandContext(request))),
  );

  app.post<{ Body: { agencyId: string; name: string; roles: StaffRole[] } }>(
    '/v1/admin/staff',
    {
      config: { auth: ['admin'] },
      schema: {
        tags,
        summary: 'Register a staff member; the token is shown once',
        body: { $ref: 'lienthong/staff-create#' },
        response: {
          201: {
            type: 'object',
            properties: { staffId: { type: 'string' }, token: { type: 'string' }, agencyId: { type: 'string' }, name: { type: 'string' }, roles: { type: 'array', items: { type: 'string' } } },
          },
          422: problem,
        },
      },
    },
    async (request, reply) => reply.code(201).send(await service.registerStaff(request.body, commandContext(request))),
  );
}
