import type { FastifyInstance } from 'fastify';
import type { StaffRole } from '@lienthong/decider';
import { commandContext, notFound } from '@lienthong/service-kit';
import type { DirectoryService } from '../directory-service.js';
import type { DirectoryView } from '../projections/directory-projection.js';

const problem = { description: 'problem+json', type: 'object', additionalProperties: true } as const;
const tags = ['directory'];
const idParam = (name: string) =>
  ({ type: 'object', required: [name], properties: { [name]: { type: 'string', minLength: 1, maxLength: 64 } } }) as const;
const stringArray = { type: 'array', items: { type: 'string' } } as const;
const credentialProperties = {
  registeredAt: { type: 'string' },
  tokenIssuedAt: { type: 'string', description: 'when the token in use was issued (registration or last rotation)' },
  revokedAt: { type: ['string', 'null'] },
} as const;
const systemRecord = {
  type: 'object',
  properties: {
    systemId: { type: 'string' },
    name: { type: 'string' },
    vendor: { type: 'string' },
    organIds: stringArray,
    requireValidSignature: { type: 'boolean' },
    ...credentialProperties,
  },
} as const;
const staffRecord = {
  type: 'object',
  properties: {
    staffId: { type: 'string' },
    agencyId: { type: 'string' },
    name: { type: 'string' },
    roles: stringArray,
    ...credentialProperties,
  },
} as const;
const withToken = <T extends { properties: object }>(schema: T) => ({
  ...schema,
  properties: { ...schema.properties, token: { type: 'string', description: 'shown once' } },
});
const revokeBody = {
  type: 'object',
  additionalProperties: false,
  properties: { reason: { type: 'string', minLength: 1, maxLength: 500 } },
} as const;

/** Directory and credentials (SPEC §4): admins register; every authenticated caller reads agencies. */
export async function directoryRoutes(app: FastifyInstance, deps: { service: DirectoryService; view: DirectoryView }) {
  const { service, view } = deps;

  app.post<{ Body: { organId: string; name: string; level?: string; parentId?: string; altIds?: string[] } }>(
    '/v1/admin/agencies',
    {
      config: { auth: ['admin'] },
      schema: {
        tags,
        summary: 'Register an agency',
        body: { $ref: 'lienthong/agency-create#' },
        response: { 201: { $ref: 'lienthong/agency#' }, 409: problem, 422: problem },
      },
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
          properties: {
            limit: { type: 'integer', minimum: 1, maximum: 500, default: 100 },
            after: { type: 'string', maxLength: 64 },
            parentId: { type: 'string', maxLength: 64 },
          },
        },
        response: {
          200: {
            type: 'object',
            properties: { items: { type: 'array', items: { $ref: 'lienthong/agency#' } }, next: { type: ['string', 'null'] } },
          },
        },
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
            properties: {
              systemId: { type: 'string' },
              token: { type: 'string' },
              name: { type: 'string' },
              vendor: { type: 'string' },
              organIds: { type: 'array', items: { type: 'string' } },
              requireValidSignature: { type: 'boolean' },
            },
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
            properties: {
              staffId: { type: 'string' },
              token: { type: 'string' },
              agencyId: { type: 'string' },
              name: { type: 'string' },
              roles: { type: 'array', items: { type: 'string' } },
            },
          },
          422: problem,
        },
      },
    },
    async (request, reply) => reply.code(201).send(await service.registerStaff(request.body, commandContext(request))),
  );

  const page = { limit: { type: 'integer', minimum: 1, maximum: 500, default: 100 }, after: { type: 'string', maxLength: 64 } } as const;
  app.get<{ Querystring: { limit: number; after?: string } }>(
    '/v1/admin/systems',
    {
      config: { auth: ['admin'] },
      schema: {
        tags,
        summary: 'Vendor systems, paged by systemId (never their tokens)',
        querystring: { type: 'object', additionalProperties: false, properties: page },
        response: {
          200: { type: 'object', properties: { items: { type: 'array', items: systemRecord }, next: { type: ['string', 'null'] } } },
        },
      },
    },
    async (request) => {
      const items = view.listSystems(request.query);
      return { items, next: items.length === request.query.limit ? items.at(-1)!.systemId : null };
    },
  );
  app.get<{ Querystring: { limit: number; after?: string; agencyId?: string } }>(
    '/v1/admin/staff',
    {
      config: { auth: ['admin'] },
      schema: {
        tags,
        summary: 'Staff, of one agency (any of its identifiers) or all, paged by staffId (never their tokens)',
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { ...page, agencyId: { type: 'string', minLength: 1, maxLength: 64 } },
        },
        response: {
          200: { type: 'object', properties: { items: { type: 'array', items: staffRecord }, next: { type: ['string', 'null'] } } },
          404: problem,
        },
      },
    },
    async (request) => {
      const { agencyId, ...paging } = request.query;
      const organId = agencyId === undefined ? undefined : view.resolveOrganId(agencyId);
      if (organId === null) throw notFound(`no agency ${agencyId}`);
      const items = view.listStaff({ ...paging, agencyId: organId });
      return { items, next: items.length === request.query.limit ? items.at(-1)!.staffId : null };
    },
  );

  // Credentials: look up, rotate (a new token; the old one stops working at once), revoke for good.
  for (const kind of ['system', 'staff'] as const) {
    const base = kind === 'system' ? '/v1/admin/systems' : '/v1/admin/staff';
    const param = kind === 'system' ? 'systemId' : 'staffId';
    const record = kind === 'system' ? systemRecord : staffRecord;
    const find = (id: string) => (kind === 'system' ? view.getSystem(id) : view.getStaff(id));
    const what = kind === 'system' ? 'system' : 'staff member';

    app.get<{ Params: Record<string, string> }>(
      `${base}/:${param}`,
      {
        config: { auth: ['admin'] },
        schema: { tags, summary: `One ${what} (never its token)`, params: idParam(param), response: { 200: record, 404: problem } },
      },
      async (request) => find(request.params[param]!) ?? Promise.reject(notFound(`no ${what} ${request.params[param]}`)),
    );

    app.post<{ Params: Record<string, string> }>(
      `${base}/:${param}/token`,
      {
        config: { auth: ['admin'] },
        schema: {
          tags,
          summary: `A new token for the ${what}, shown once; the old token stops working`,
          params: idParam(param),
          response: { 201: withToken(record), 404: problem, 409: problem },
        },
      },
      async (request, reply) => {
        const id = request.params[param]!;
        const rotated =
          kind === 'system'
            ? await service.rotateSystemToken(id, commandContext(request))
            : await service.rotateStaffToken(id, commandContext(request));
        return reply.code(201).header('cache-control', 'no-store').send(rotated);
      },
    );

    app.post<{ Params: Record<string, string>; Body: { reason?: string } }>(
      `${base}/:${param}/revoke`,
      {
        config: { auth: ['admin'] },
        // the reason is optional, and so is the body that carries it
        preValidation: async (request) => {
          request.body ??= {};
        },
        schema: {
          tags,
          summary: `Revoke the ${what}'s credentials for good (idempotent)`,
          params: idParam(param),
          body: revokeBody,
          response: { 200: record, 404: problem },
        },
      },
      async (request) => {
        const id = request.params[param]!;
        const reason = request.body.reason ?? null;
        return kind === 'system'
          ? service.revokeSystem(id, reason, commandContext(request))
          : service.revokeStaff(id, reason, commandContext(request));
      },
    );
  }
}
