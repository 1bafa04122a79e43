import type { FastifyInstance } from 'fastify';
import { derivedId } from '@lienthong/decider';
import { AppError, PROBLEM_CONTENT_TYPE } from '@lienthong/service-kit';
import { hanoiDate } from '../domain/periods.js';
import type { ReportingService } from '../reporting-service.js';
import { aggregateWorkbook } from './xlsx.js';

const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
const problem = { description: 'problem+json', type: 'object', additionalProperties: true } as const;
type Params = { regime: string; period: string; agencyId: string };

/**
 * `POST …/send {to}`: the accepted aggregate as an edXML document (XLSX and JSON attached), posted
 * to document routing (`POST /v1/documents`) as the province's document system would, with the
 * credential of a vendor system registered for the sending agency (`systemToken`,
 * `LT_REPORTING_SYSTEM_TOKEN`): routing, signatures policy and federation (a recipient behind a
 * peer) are document routing's. Sending the same aggregate revision to the same recipient again
 * is the same document (its Idempotency-Key is derived from both).
 */
export async function sendRoute(
  app: FastifyInstance,
  deps: { service: ReportingService; params: object; systemToken: () => string | undefined; clock: () => Date },
) {
  const { service } = deps;
  app.post<{ Params: Params; Body: { to: string } }>(
    '/v1/reporting/reports/:regime/:period/:agencyId/send',
    {
      config: { auth: ['admin', 'staff'] },
      schema: {
        tags: ['reporting'],
        summary: 'Send the accepted aggregate as an edXML document (XLSX and JSON attached) through document routing',
        params: deps.params,
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['to'],
          properties: { to: { type: 'string', minLength: 1, maxLength: 64 } },
        },
        response: { 403: problem, 404: problem, 409: problem, 422: problem, 503: problem },
      },
    },
    async (request, reply) => {
      const { regime, period, agencyId } = request.params;
      const sendable = service.sendable(regime, period, agencyId, request.principal);
      const token = deps.systemToken();
      if (token === undefined)
        throw new AppError(
          'LT_UNAVAILABLE',
          'sending reports needs the credential of a document system of the agency (LT_REPORTING_SYSTEM_TOKEN)',
        );
      const { aggregate, status, regimeName, agencyName } = sendable;
      const xlsx = await aggregateWorkbook(aggregate, status, (id) => service.aggregate(regime, period, id, request.principal).values);
      const json = Buffer.from(
        JSON.stringify({
          regime,
          period,
          agencyId: aggregate.agencyId,
          revision: aggregate.revision,
          window: aggregate.window,
          values: aggregate.values,
          sources: aggregate.sources,
        }),
      );
      const now = deps.clock();
      const document = {
        header: {
          from: { organId: aggregate.agencyId, organName: agencyName },
          to: [{ organId: request.body.to }],
          code: { codeNumber: period, codeNotation: `BC-${regime}` },
          promulgationInfo: { place: agencyName, promulgationDate: hanoiDate(now) },
          documentType: { type: 1, typeName: 'Báo cáo' },
          subject: `${regimeName} — kỳ ${period} (bản tổng hợp ${aggregate.revision})`,
          signerInfo: { position: 'Thủ trưởng cơ quan', fullName: agencyName },
          toPlaces: [],
          otherInfo: { priority: 0, appendixes: [] },
          responseFor: [],
        },
        traceHeaders: [{ organId: aggregate.agencyId, timestamp: now.toISOString() }],
        attachments: [
          { contentId: 'cid:1', name: `bao-cao-${regime}-${period}.xlsx`, contentType: XLSX_TYPE, content: xlsx.toString('base64') },
          {
            contentId: 'cid:2',
            name: `bao-cao-${regime}-${period}.json`,
            contentType: 'application/json',
            content: json.toString('base64'),
          },
        ],
      };
      const sent = await app.inject({
        method: 'POST',
        url: '/v1/documents',
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': 'application/json',
          'idempotency-key': derivedId('reporting-send', regime, period, aggregate.agencyId, String(aggregate.revision), request.body.to),
          'x-correlation-id': String(request.id),
        },
        payload: JSON.stringify(document),
      });
      if (sent.statusCode >= 300) {
        // document routing's refusal (unknown recipient 422, a system not allowed for the agency 403…), as it said it
        return reply.code(sent.statusCode).type(PROBLEM_CONTENT_TYPE).send(sent.body);
      }
      return reply
        .code(202)
        .send({ ...(JSON.parse(sent.body) as object), regime, period, agencyId: aggregate.agencyId, revision: aggregate.revision });
    },
  );
}
