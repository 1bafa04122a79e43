import type { FastifyInstance } from 'fastify';
import { commandContext, notFound } from '@lienthong/service-kit';
import { Aggregations, IndicatorKinds, type IndicatorRecord, type IndicatorValue, type RegimeRecord } from '../domain/events.js';
import { Frequencies, ReportingLevels, type CutOff, type ReportingLevel } from '../domain/periods.js';
import type { ReportingService, ReportAction } from '../reporting-service.js';
import { staffOrPage, type PageLoginDeps } from './page-login.js';
import { sendRoute } from './send.js';
import { aggregateWorkbook } from './xlsx.js';

const problem = { description: 'problem+json', type: 'object', additionalProperties: true } as const;
const tags = ['reporting'];
const CODE = '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$';
const codeParams = { type: 'object', required: ['code'], properties: { code: { type: 'string', pattern: CODE } } } as const;
const reportParams = {
  type: 'object',
  required: ['regime', 'period', 'agencyId'],
  properties: {
    regime: { type: 'string', pattern: CODE },
    period: { type: 'string', pattern: '^[0-9]{4}(-(0[1-9]|1[0-2]|Q[1-4]|H[12]))?$' },
    agencyId: { type: 'string', minLength: 1, maxLength: 64 },
  },
} as const;
const text = (max: number) => ({ type: 'string', minLength: 1, maxLength: max }) as const;
const indicatorBody = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'unit', 'kind', 'aggregation'],
  properties: {
    name: text(500),
    unit: { type: 'string', maxLength: 100 },
    kind: { type: 'string', enum: IndicatorKinds },
    aggregation: { type: 'string', enum: Aggregations },
    numerator: { type: 'string', pattern: CODE },
    denominator: { type: 'string', pattern: CODE },
    decimals: { type: 'integer', minimum: 0, maximum: 6 },
  },
} as const;
const levelDays = {
  type: 'object',
  additionalProperties: false,
  properties: Object.fromEntries(ReportingLevels.map((l) => [l, { type: 'integer', minimum: 1, maximum: 31 }])),
} as const;
const regimeBody = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'legalBasis', 'frequency', 'indicators', 'levels'],
  properties: {
    name: text(500),
    legalBasis: text(500),
    frequency: { type: 'string', enum: Frequencies },
    indicators: { type: 'array', minItems: 1, maxItems: 500, items: { type: 'string', pattern: CODE } },
    levels: { type: 'array', minItems: 1, uniqueItems: true, items: { type: 'string', enum: ReportingLevels } },
    submitBy: levelDays,
    cutOff: {
      type: 'object',
      additionalProperties: false,
      required: ['fromDay'],
      properties: { fromDay: { type: 'integer', minimum: 1, maximum: 28 } },
    },
  },
} as const;
const valuesBody = {
  type: 'object',
  additionalProperties: false,
  required: ['values'],
  properties: {
    values: {
      type: 'object',
      maxProperties: 500,
      propertyNames: { pattern: CODE },
      additionalProperties: { anyOf: [{ type: 'number' }, { type: 'string', maxLength: 4000 }, { type: 'null' }] },
    },
  },
} as const;
const reasonBody = { type: 'object', additionalProperties: false, required: ['reason'], properties: { reason: text(2000) } } as const;
const emptyBody = { type: 'object', additionalProperties: false, properties: { note: { type: 'string', maxLength: 2000 } } } as const;
type ReportParams = { regime: string; period: string; agencyId: string };

/** Reporting (SPEC §9): admins define indicators and regimes; staff draft, submit, accept, return, reopen; everyone authorised reads. */
export async function reportingRoutes(
  app: FastifyInstance,
  deps: {
    service: ReportingService;
    systemToken: () => string | undefined;
    clock: () => Date;
    /** The page credential of /bao-cao, accepted by the reads the page makes (status, aggregate, series). */
    page: Pick<PageLoginDeps, 'pageTokens' | 'directory'>;
  },
) {
  const { service } = deps;
  // The reads of /bao-cao: public at the platform level so that the page's cookie can stand in for
  // the bearer token; staffOrPage checks one or the other before the handler.
  const pageReads = { config: { auth: 'public' as const }, preHandler: staffOrPage(deps.page) };
  await sendRoute(app, { service, params: reportParams, systemToken: deps.systemToken, clock: deps.clock });

  app.put<{
    Params: { code: string };
    Body: {
      name: string;
      unit: string;
      kind: IndicatorRecord['kind'];
      aggregation: IndicatorRecord['aggregation'];
      numerator?: string;
      denominator?: string;
      decimals?: number;
    };
  }>(
    '/v1/reporting/indicators/:code',
    {
      config: { auth: ['admin'] },
      schema: {
        tags,
        summary: 'Publish the next version of an indicator (chỉ tiêu)',
        params: codeParams,
        body: indicatorBody,
        response: { 400: problem, 401: problem, 403: problem },
      },
    },
    async (request, reply) => {
      const b = request.body;
      const record: IndicatorRecord = {
        name: b.name.trim(),
        unit: b.unit.trim(),
        kind: b.kind,
        aggregation: b.aggregation,
        numerator: b.numerator ?? null,
        denominator: b.denominator ?? null,
        decimals: b.decimals ?? null,
      };
      const { created, indicator } = await service.putIndicator(request.params.code, record, commandContext(request));
      return reply.code(created ? 201 : 200).send(indicator);
    },
  );
  app.get(
    '/v1/reporting/indicators',
    { config: { auth: 'public' }, schema: { tags, summary: 'Indicators, latest versions' } },
    async () => ({
      indicators: service.view.indicators().map((i) => ({ code: i.code, version: i.version, ...i.record })),
    }),
  );
  app.get<{ Params: { code: string } }>(
    '/v1/reporting/indicators/:code',
    {
      config: { auth: 'public' },
      schema: { tags, summary: 'One indicator, latest version', params: codeParams, response: { 404: problem } },
    },
    async (request) => {
      const i = service.view.indicator(request.params.code);
      if (!i) throw notFound(`no indicator ${request.params.code}`);
      return { code: i.code, version: i.version, publishedAt: i.publishedAt, ...i.record };
    },
  );

  app.put<{
    Params: { code: string };
    Body: {
      name: string;
      legalBasis: string;
      frequency: RegimeRecord['frequency'];
      indicators: string[];
      levels: ReportingLevel[];
      submitBy?: Partial<Record<ReportingLevel, number>>;
      cutOff?: CutOff;
    };
  }>(
    '/v1/reporting/regimes/:code',
    {
      config: { auth: ['admin'] },
      schema: {
        tags,
        summary: 'Publish the next version of a reporting regime (chế độ báo cáo); its current period opens at once',
        params: codeParams,
        body: regimeBody,
        response: { 400: problem, 401: problem, 403: problem, 422: problem },
      },
    },
    async (request, reply) => {
      const b = request.body;
      const record: RegimeRecord = {
        name: b.name.trim(),
        legalBasis: b.legalBasis.trim(),
        frequency: b.frequency,
        indicators: b.indicators,
        levels: ReportingLevels.filter((l) => b.levels.includes(l)),
        submitBy: b.submitBy ?? {},
        cutOff: b.cutOff ?? null,
      };
      const { created, regime } = await service.putRegime(request.params.code, record, commandContext(request));
      await service.openDuePeriods();
      return reply.code(created ? 201 : 200).send(regime);
    },
  );
  app.get(
    '/v1/reporting/regimes',
    { config: { auth: 'public' }, schema: { tags, summary: 'Reporting regimes, latest versions' } },
    async () => ({
      regimes: service.view.regimes().map((r) => ({ code: r.code, version: r.version, ...r.record })),
    }),
  );
  app.get<{ Params: { code: string } }>(
    '/v1/reporting/regimes/:code',
    {
      config: { auth: 'public' },
      schema: { tags, summary: 'One regime, with its periods', params: codeParams, response: { 404: problem } },
    },
    async (request) => {
      const r = service.view.regime(request.params.code);
      if (!r) throw notFound(`no regime ${request.params.code}`);
      return { code: r.code, version: r.version, ...r.record, periods: service.view.periods(r.code, 120) };
    },
  );
  app.post<{ Params: { regime: string; period: string } }>(
    '/v1/reporting/periods/:regime/:period/close',
    {
      config: { auth: ['admin'] },
      schema: {
        tags,
        summary: 'Close a period: no more drafts or submissions (acceptance, return and reopening go on)',
        params: {
          type: 'object',
          required: ['regime', 'period'],
          properties: { regime: reportParams.properties.regime, period: reportParams.properties.period },
        },
        body: emptyBody,
        response: { 404: problem },
      },
    },
    async (request) => service.closePeriod(request.params.regime, request.params.period, commandContext(request)),
  );

  const staff = { auth: ['admin', 'staff'] as const };
  app.put<{ Params: ReportParams; Body: { values: Record<string, IndicatorValue | null> } }>(
    '/v1/reporting/reports/:regime/:period/:agencyId/values',
    {
      config: staff,
      schema: {
        tags,
        summary: "Draft values of an agency's report (its staff); null removes a value",
        params: reportParams,
        body: valuesBody,
        response: { 400: problem, 403: problem, 404: problem, 409: problem },
      },
    },
    async (request) => {
      const { regime, period, agencyId } = request.params;
      return service.draftValues(regime, period, agencyId, request.body.values, request.principal, commandContext(request));
    },
  );
  for (const action of ['submit', 'accept', 'return', 'reopen'] as const satisfies readonly ReportAction[]) {
    const needsReason = action === 'return' || action === 'reopen';
    app.post<{ Params: ReportParams; Body: { reason?: string } | undefined }>(
      `/v1/reporting/reports/:regime/:period/:agencyId/${action}`,
      {
        config: staff,
        schema: {
          tags,
          summary: {
            submit: "Submit the report (the agency's leader)",
            accept: "Accept a submitted report (the parent agency's leader)",
            return: "Return a submitted report for correction (the parent agency's leader)",
            reopen: "Reopen an accepted report for correction (the parent agency's leader)",
          }[action],
          params: reportParams,
          ...(needsReason ? { body: reasonBody } : {}),
          response: { 400: problem, 403: problem, 404: problem, 409: problem },
        },
      },
      async (request) => {
        const { regime, period, agencyId } = request.params;
        return service.act(action, regime, period, agencyId, request.body?.reason, request.principal, commandContext(request));
      },
    );
  }
  app.get<{ Params: ReportParams }>(
    '/v1/reporting/reports/:regime/:period/:agencyId',
    {
      config: staff,
      schema: { tags, summary: 'The report with its values and history', params: reportParams, response: { 403: problem, 404: problem } },
    },
    async (request) => service.report(request.params.regime, request.params.period, request.params.agencyId, request.principal),
  );
  app.get<{ Params: ReportParams; Querystring: { format?: 'json' | 'xlsx' } }>(
    '/v1/reporting/reports/:regime/:period/:agencyId/aggregate',
    {
      ...pageReads,
      schema: {
        tags,
        summary: "The agency's own values plus its children's accepted reports, with sources, missing and stale (JSON or XLSX)",
        params: reportParams,
        querystring: { type: 'object', additionalProperties: false, properties: { format: { type: 'string', enum: ['json', 'xlsx'] } } },
        response: { 403: problem, 404: problem },
      },
    },
    async (request, reply) => {
      const { regime, period, agencyId } = request.params;
      const aggregate = service.aggregate(regime, period, agencyId, request.principal);
      if (request.query.format !== 'xlsx') return aggregate;
      const status = service.status({ regime, period, agencyId }, request.principal);
      const book = await aggregateWorkbook(aggregate, status, (id) => service.aggregate(regime, period, id, request.principal).values);
      return reply
        .type('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')
        .header('content-disposition', `attachment; filename="bao-cao-${regime}-${period}-${aggregate.agencyId}.xlsx"`)
        .send(book);
    },
  );
  app.get<{ Querystring: { regime: string; period: string; agencyId?: string } }>(
    '/v1/reporting/status',
    {
      ...pageReads,
      schema: {
        tags,
        summary: "Completeness of an agency's subtree for a period (default: the caller's agency; admins: the whole tree)",
        querystring: {
          type: 'object',
          additionalProperties: false,
          required: ['regime', 'period'],
          properties: {
            regime: reportParams.properties.regime,
            period: reportParams.properties.period,
            agencyId: reportParams.properties.agencyId,
          },
        },
        response: { 403: problem, 404: problem },
      },
    },
    async (request) => service.status(request.query, request.principal),
  );
  app.get<{ Querystring: { regime: string; indicator: string; agencyId: string; limit: number } }>(
    '/v1/reporting/series',
    {
      ...pageReads,
      schema: {
        tags,
        summary: "One indicator's aggregate over a regime's latest periods (the chart of /bao-cao)",
        querystring: {
          type: 'object',
          additionalProperties: false,
          required: ['regime', 'indicator', 'agencyId'],
          properties: {
            regime: reportParams.properties.regime,
            indicator: { type: 'string', pattern: CODE },
            agencyId: reportParams.properties.agencyId,
            limit: { type: 'integer', minimum: 1, maximum: 60, default: 12 },
          },
        },
        response: { 403: problem, 404: problem },
      },
    },
    async (request) => ({
      points: service.series(request.query.regime, request.query.indicator, request.query.agencyId, request.query.limit, request.principal),
    }),
  );
}
