import type { FastifyInstance } from 'fastify';
import { commandContext, validationError, zodValidatorCompiler } from '@lienthong/service-kit';
import { MAX_YEAR, MIN_YEAR } from '@lienthong/calendar';
import { AgencyLevels, OnlineLevels, type AgencyLevel, type OnlineLevel } from '../events.js';
import {
  PROCEDURE_CODE_MAX_LENGTH,
  PROCEDURE_CODE_PATTERN,
  procedureCodeParams,
  procedurePutSchema,
  type ProcedurePut,
} from '../domain/procedure.js';
import type { CatalogService } from '../catalog-service.js';
import type { ProcedureView } from '../projections/procedure-projection.js';
import { decodeCsv, type ImportRow } from '../import/csv.js';
import { CATALOG_SCHEMA_IDS } from '../json-schemas.js';

const problem = { description: 'problem+json', type: 'object', additionalProperties: true } as const;
const tags = ['catalog'];
const codeParams = {
  type: 'object',
  required: ['code'],
  properties: { code: { type: 'string', maxLength: PROCEDURE_CODE_MAX_LENGTH, pattern: PROCEDURE_CODE_PATTERN.source } },
} as const;
const yearParams = {
  type: 'object',
  required: ['year'],
  properties: { year: { type: 'integer', minimum: MIN_YEAR, maximum: MAX_YEAR } },
} as const;
/** Imports beyond this many rows are refused (split the file). */
const MAX_IMPORT_ROWS = 50_000;

/** Catalog (SPEC §4): admins publish procedures and calendars; everyone reads and searches. */
export async function catalogRoutes(app: FastifyInstance, deps: { service: CatalogService; view: ProcedureView }) {
  const { service, view } = deps;
  // CSV bodies arrive as text; the app's body limit applies before buffering.
  app.addContentTypeParser(['text/csv', 'application/csv'], { parseAs: 'string' }, (_request, body, done) => done(null, body));

  app.put<{ Params: { code: string }; Body: ProcedurePut }>(
    '/v1/catalog/procedures/:code',
    {
      config: { auth: ['admin'] },
      // zod is the one check (it trims, normalises and relates fields); the JSON Schemas, generated from it, are what /docs shows.
      validatorCompiler: zodValidatorCompiler({ params: procedureCodeParams, body: procedurePutSchema }),
      schema: {
        tags,
        summary: 'Publish the next version of a procedure (201 for the first version; an identical record publishes nothing)',
        params: codeParams,
        body: { $ref: `${CATALOG_SCHEMA_IDS.procedurePut}#` },
        response: { 400: problem, 401: problem, 403: problem },
      },
    },
    async (request, reply) => {
      const { created, changed, procedure } = await service.putProcedure(request.params.code, request.body, commandContext(request));
      return reply
        .code(created ? 201 : 200)
        .header('x-lienthong-changed', String(changed))
        .send(procedure);
    },
  );

  app.delete<{ Params: { code: string } }>(
    '/v1/catalog/procedures/:code',
    {
      config: { auth: ['admin'] },
      schema: {
        tags,
        summary: 'Retire a procedure (idempotent); a later PUT publishes it again',
        params: codeParams,
        response: { 404: problem },
      },
    },
    async (request) => service.retireProcedure(request.params.code, commandContext(request)),
  );

  app.get<{ Params: { code: string }; Querystring: { version?: number; at?: string } }>(
    '/v1/catalog/procedures/:code',
    {
      config: { auth: 'public' },
      schema: {
        tags,
        summary: 'A procedure: its latest version (or ?version=N, or the one in force ?at=ISO), its status and version history',
        params: codeParams,
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { version: { type: 'integer', minimum: 1 }, at: { type: 'string', format: 'date-time' } },
        },
        response: { 404: problem },
      },
    },
    async (request) => {
      const { version, at } = request.query;
      if (version !== undefined && at !== undefined)
        throw validationError('give version or at, not both', [{ path: 'querystring/at', message: 'cannot be combined with version' }]);
      return service.getProcedure(request.params.code, { version, at: at === undefined ? undefined : new Date(at) });
    },
  );

  app.get<{ Querystring: { q?: string; field?: string; level?: AgencyLevel; onlineLevel?: OnlineLevel; limit: number; offset: number } }>(
    '/v1/catalog/procedures',
    {
      config: { auth: 'public' },
      schema: {
        tags,
        summary: 'Search procedures in force (name ignoring Vietnamese diacritics and case, or code), with filters and paging',
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            q: { type: 'string', maxLength: 200 },
            field: { type: 'string', maxLength: 200 },
            level: { type: 'string', enum: [...AgencyLevels] },
            onlineLevel: { type: 'string', enum: [...OnlineLevels] },
            limit: { type: 'integer', minimum: 1, maximum: 100, default: 20 },
            offset: { type: 'integer', minimum: 0, maximum: 100_000, default: 0 },
          },
        },
      },
    },
    async (request) => view.search(request.query),
  );

  app.post<{ Querystring: { dryRun: boolean }; Body: unknown }>(
    '/v1/admin/catalog/import',
    {
      config: { auth: ['admin'] },
      schema: {
        tags,
        summary: 'Bulk import procedures (JSON array or text/csv); all rows are validated first, a refused import writes nothing',
        querystring: { type: 'object', additionalProperties: false, properties: { dryRun: { type: 'boolean', default: false } } },
        response: {
          200: {
            type: 'object',
            properties: {
              imported: { type: 'integer' },
              created: { type: 'integer' },
              updated: { type: 'integer' },
              unchanged: { type: 'integer' },
              dryRun: { type: 'boolean' },
            },
          },
          400: problem,
          413: problem,
          415: problem,
        },
      },
    },
    async (request) => {
      const rows = importRows(request.body);
      const result = await service.importProcedures(rows, commandContext(request), { dryRun: request.query.dryRun });
      return { ...result, dryRun: request.query.dryRun };
    },
  );

  app.put<{ Params: { year: number }; Body: unknown }>(
    '/v1/catalog/calendar/:year',
    {
      config: { auth: ['admin'] },
      schema: {
        tags,
        summary: "Set a year's days off and swapped working days (replaces the whole year)",
        params: yearParams,
        body: { $ref: `${CATALOG_SCHEMA_IDS.calendarYear}#` },
        response: { 400: problem },
      },
    },
    async (request) => service.setCalendarYear(request.params.year, request.body, commandContext(request)),
  );

  app.get<{ Params: { year: number } }>(
    '/v1/catalog/calendar/:year',
    {
      config: { auth: 'public' },
      schema: {
        tags,
        summary: 'The days off and swapped working days of a year, and where they come from (admin, data or default)',
        params: yearParams,
      },
    },
    async (request) => service.getCalendarYear(request.params.year),
  );

  app.get<{ Querystring: { from: string; days?: number; code?: string } }>(
    '/v1/catalog/deadline',
    {
      config: { auth: 'public' },
      schema: {
        tags,
        summary: "Due date of N working days (or of a procedure's processing time) counted from an instant",
        querystring: {
          type: 'object',
          required: ['from'],
          additionalProperties: false,
          properties: {
            from: { type: 'string', format: 'date-time' },
            days: { type: 'number', minimum: 0, maximum: 1000 },
            code: codeParams.properties.code,
          },
        },
        response: { 404: problem },
      },
    },
    async (request) => service.deadline(new Date(request.query.from), { days: request.query.days, code: request.query.code }),
  );
}

/** The import body as rows: a JSON array, or CSV text. */
function importRows(body: unknown): ImportRow[] {
  let rows: ImportRow[];
  if (typeof body === 'string') rows = decodeCsv(body);
  else if (Array.isArray(body)) rows = body.map((value: unknown, i) => ({ row: i + 1, value }));
  else
    throw validationError('the import body is a JSON array of procedures or a text/csv file', [
      { path: 'body', message: 'must be an array' },
    ]);
  if (rows.length === 0) throw validationError('the import has no rows', [{ path: 'body', message: 'must have at least one row' }]);
  if (rows.length > MAX_IMPORT_ROWS)
    throw validationError(`the import has ${rows.length} rows; at most ${MAX_IMPORT_ROWS} at a time`, [
      { path: 'body', message: `must have at most ${MAX_IMPORT_ROWS} rows` },
    ]);
  return rows;
}
